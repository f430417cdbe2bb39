//! EC2 networking kinds, and what they share: tags (the `Name` tag is each one's physical name), ownership
//! lookups for adoption, and NotFound handling.
//!
//! # Which existing resource a create adopts
//!
//! A create adopts a same-named resource only when it is the leftover of an earlier create of the same resource
//! that succeeded in AWS but was never recorded by Pulumi (the provider crashed, or its answer was lost). Such a
//! leftover carries the ownership tag *and* [`PENDING_TAG`]: every create puts that marker on atomically with the
//! resource (in the create call's TagSpecifications) and removes it as its very last step. A same-named resource
//! with the ownership tag but without the marker is a finished create, recorded in some Pulumi state: the engine
//! also calls Create while the old resource still exists (create-before-delete replacements: `pulumi up
//! --replace`, `replaceOnChanges`, `replaceWith`), and adopting it there would hand the engine the very resource
//! it deletes next. The engine's random seed is fresh per deployment, so the marker is the only way to tell the
//! two apart.

pub mod elastic_ip;
pub mod internet_gateway;
pub mod nat_gateway;
pub mod route_table;
pub mod security_group;
pub mod subnet;
pub mod vpc;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use super::tags;
pub use super::tags::{Found, PENDING_TAG, PENDING_VALUE, pending_tags};
use crate::aws::{Aws, OWNERSHIP_TAG};
use crate::error::{ResourceError, aws_error};
use crate::resource::{CheckContext, Context, Failures, Poll};

/// Tags as AWS returns them, as a map.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// Every tag a resource named `name` carries on create: effective tags plus `Name`.
pub fn all_tags(
    aws: &Aws,
    name: &str,
    own: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let mut tags = aws.effective_tags(own);
    tags.insert("Name".to_string(), name.to_string());
    tags
}

/// How long [`finish_create`] retries a NotFound answer (EC2's eventual consistency right after a create).
const FINISH_WAIT: Duration = Duration::from_secs(60);

/// The last step of a create that succeeded: removes [`PENDING_TAG`] from `id`, after which no create adopts it.
/// EC2 is eventually consistent: right after a create the tagging API may not know the resource yet, so NotFound
/// is retried with backoff for up to a minute (within the operation's timeout).
pub async fn finish_create(ctx: &Context, id: &str) -> Result<(), ResourceError> {
    let bounded = Context {
        deadline: ctx.deadline.min(Instant::now() + FINISH_WAIT),
        ..ctx.clone()
    };
    bounded
        .wait_for(&format!("{id} to drop the {PENDING_TAG} tag"), || async {
            match ctx
                .aws
                .ec2
                .delete_tags()
                .resources(id)
                .tags(Tag::builder().key(PENDING_TAG).build())
                .send()
                .await
                .map_err(|e| aws_error("ec2:DeleteTags", e))
            {
                Ok(_) => Ok(Poll::Ready(())),
                Err(e) if e.is_not_found() => Ok(Poll::Pending(format!(
                    "AWS says {}",
                    e.code().unwrap_or_default()
                ))),
                Err(e) => Err(e),
            }
        })
        .await
}

/// The tag specification that tags a resource atomically with its creation.
pub fn tag_spec(kind: ResourceType, tags: &BTreeMap<String, String>) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .build()
}

/// Splits the live tags (see [`tags::split`]).
pub fn split_tags(
    aws: &Aws,
    live: &[Tag],
    prior: Option<&BTreeMap<String, String>>,
) -> tags::Split {
    tags::split(aws, tag_map(live), prior)
}

/// Brings the live tags of `id` from `old` to `new` (create/overwrite changed ones, delete removed ones). When `old`
/// holds [`PENDING_TAG`] (the `tagsAll` a partial create recorded) and `new` does not (desired tags never do), the
/// marker is removed with the other stale tags.
pub async fn sync_tags(
    aws: &Aws,
    id: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ResourceError> {
    let removed: Vec<Tag> = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .map(|k| Tag::builder().key(k).build())
        .collect();
    if !removed.is_empty() {
        aws.ec2
            .delete_tags()
            .resources(id)
            .set_tags(Some(removed))
            .send()
            .await
            .map_err(|e| aws_error("ec2:DeleteTags", e))?;
    }
    let changed: Vec<Tag> = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    if !changed.is_empty() {
        aws.ec2
            .create_tags()
            .resources(id)
            .set_tags(Some(changed))
            .send()
            .await
            .map_err(|e| aws_error("ec2:CreateTags", e))?;
    }
    Ok(())
}

/// A filter on one value.
pub fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// The `Name`-tag filter used to find a resource by its physical name.
pub fn name_filter(name: &str) -> Filter {
    filter("tag:Name", name)
}

/// Whether live tags carry this provider's ownership tag.
pub fn is_owned(tags: &[Tag]) -> bool {
    tags.iter()
        .any(|t| t.key() == Some(OWNERSHIP_TAG.0) && t.value() == Some(OWNERSHIP_TAG.1))
}

/// Whether live tags carry [`PENDING_TAG`]: the resource's create has not finished.
pub fn is_pending(tags: &[Tag]) -> bool {
    tags.iter().any(|t| t.key() == Some(PENDING_TAG))
}

/// Classifies a same-named resource by its live tags.
pub fn found(tags: &[Tag]) -> Found {
    tags::found(&tag_map(tags))
}

/// The debug line a create logs when it adopts the leftover `id` of a crashed create.
pub fn adopting(ctx: &Context, id: &str, name: &str) {
    ctx.debug(format!(
        "adopting {id}: it carries this provider's ownership tag, name '{name}' and the {PENDING_TAG} marker of a \
         create that never finished"
    ));
}

/// The conflict error for a same-named resource this provider does not own.
pub fn name_conflict(kind: &str, name: &str, id: &str) -> ResourceError {
    ResourceError::Conflict(format!(
        "a {kind} named '{name}' already exists ({id}) and was not created by pulumi-orderapi (no {}={} tag); \
         choose another name (environment/environmentSuffix), or delete or import that {kind}",
        OWNERSHIP_TAG.0, OWNERSHIP_TAG.1
    ))
}

/// Fills `name` with an autoname when unset, and validates an EC2 `Name` tag (1-255 characters).
pub fn check_name(ctx: &CheckContext, name: &mut Option<String>, f: &mut Failures) {
    let n = name.get_or_insert_with(|| ctx.autoname(63));
    f.require(
        !n.is_empty() && n.len() <= 255,
        "name",
        "must be 1-255 characters (it becomes the Name tag)",
    );
}

/// Validates user tags against EC2's limits.
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    let Some(tags) = tags else { return };
    f.require(
        tags.len() <= 45,
        "tags",
        "at most 45 tags (EC2 allows 50, 5 are kept for the provider)",
    );
    for (k, v) in tags {
        f.require(
            !k.is_empty() && k.len() <= 128,
            "tags",
            format!("tag key '{k}' must be 1-128 characters"),
        );
        f.require(
            v.len() <= 256,
            "tags",
            format!("the value of tag '{k}' must be at most 256 characters"),
        );
        f.require(
            !k.to_ascii_lowercase().starts_with("aws:"),
            "tags",
            format!("tag key '{k}' uses the reserved aws: prefix"),
        );
        f.require(
            k != "Name",
            "tags",
            "set the `name` property instead of a Name tag",
        );
    }
}

/// Validates an IPv4 CIDR block with a prefix in `min..=max`; returns it parsed.
pub fn check_cidr(
    property: &str,
    cidr: &str,
    min: u8,
    max: u8,
    f: &mut Failures,
) -> Option<ipnet::Ipv4Net> {
    match cidr.parse::<ipnet::Ipv4Net>() {
        Ok(net) if net.network() != net.addr() => {
            f.push(
                property,
                format!("'{cidr}' has host bits set; use {}", net.trunc()),
            );
            None
        }
        Ok(net) if !(min..=max).contains(&net.prefix_len()) => {
            f.push(
                property,
                format!("'{cidr}' must have a prefix length between /{min} and /{max}"),
            );
            None
        }
        Ok(net) => Some(net),
        Err(_) => {
            f.push(
                property,
                format!("'{cidr}' is not an IPv4 CIDR block such as 10.0.0.0/16"),
            );
            None
        }
    }
}

/// The first three available availability zones of the configured region, in name order.
pub async fn availability_zones(aws: &Aws) -> Result<Vec<String>, ResourceError> {
    let out = aws
        .ec2
        .describe_availability_zones()
        .filters(filter("state", "available"))
        .filters(filter("zone-type", "availability-zone"))
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeAvailabilityZones", e))?;
    let mut zones: Vec<String> = out
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name().map(str::to_string))
        .collect();
    zones.sort();
    Ok(zones)
}

/// Runs a delete call until AWS accepts it: `DependencyViolation` (something still attached, typically being
/// deleted in parallel) is retried with backoff within the operation's timeout; NotFound means done.
pub async fn delete_with_retry<F, Fut>(
    ctx: &Context,
    what: &str,
    mut call: F,
) -> Result<(), ResourceError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), ResourceError>>,
{
    ctx.wait_for(&format!("{what} to be deleted"), || {
        let fut = call();
        async move {
            match fut.await {
                Ok(()) => Ok(Poll::Ready(())),
                Err(e) if e.is_not_found() => Ok(Poll::Ready(())),
                Err(e)
                    if matches!(
                        e.code(),
                        Some(
                            "DependencyViolation"
                                | "InvalidIPAddress.InUse"
                                | "AuthFailure"
                                | "Resource.AlreadyAssociated"
                        )
                    ) =>
                {
                    Ok(Poll::Pending(format!(
                        "AWS says {}",
                        e.code().unwrap_or_default()
                    )))
                }
                Err(e) => Err(e),
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_rules() {
        let mut f = Failures::default();
        assert!(check_cidr("c", "10.0.0.0/16", 16, 28, &mut f).is_some());
        assert!(check_cidr("c", "10.0.0.1/16", 16, 28, &mut f).is_none());
        assert!(check_cidr("c", "10.0.0.0/8", 16, 28, &mut f).is_none());
        assert!(check_cidr("c", "banana", 16, 28, &mut f).is_none());
        assert_eq!(f.finish(()).expect_err("3 failures").len(), 3);
    }

    #[test]
    fn split_tags_hides_provider_tags() {
        let mut aws = Aws::offline();
        aws.default_tags.insert("CostCenter".into(), "42".into());
        let live: Vec<Tag> = [
            ("Name", "vpc-a"),
            ("ManagedBy", "pulumi-orderapi"),
            ("CostCenter", "42"),
            ("Team", "x"),
            (PENDING_TAG, PENDING_VALUE),
        ]
        .iter()
        .map(|(k, v)| Tag::builder().key(*k).value(*v).build())
        .collect();
        let (name, own, all) = split_tags(&aws, &live[..4], None);
        assert_eq!(name.as_deref(), Some("vpc-a"));
        assert_eq!(
            own,
            Some(BTreeMap::from([("Team".to_string(), "x".to_string())]))
        );
        assert_eq!(all.len(), 4);
        // An unfinished create's marker shows as drift on the declared tags, so the next update removes it.
        let (_, own, all) = split_tags(&aws, &live, None);
        assert_eq!(
            own.as_ref()
                .and_then(|o| o.get(PENDING_TAG))
                .map(String::as_str),
            Some(PENDING_VALUE)
        );
        assert!(all.contains_key(PENDING_TAG));
    }

    #[test]
    fn only_an_unfinished_create_is_adoptable() {
        let tags = |pairs: &[(&str, &str)]| -> Vec<Tag> {
            pairs
                .iter()
                .map(|(k, v)| Tag::builder().key(*k).value(*v).build())
                .collect()
        };
        let owned = (OWNERSHIP_TAG.0, OWNERSHIP_TAG.1);
        let pending = (PENDING_TAG, PENDING_VALUE);
        assert_eq!(found(&tags(&[("Name", "a")])), Found::Stranger);
        assert_eq!(found(&tags(&[("Name", "a"), pending])), Found::Stranger);
        assert_eq!(found(&tags(&[("Name", "a"), owned])), Found::Recorded);
        assert_eq!(
            found(&tags(&[("Name", "a"), owned, pending])),
            Found::Unfinished
        );
        let desired = BTreeMap::from([("Name".to_string(), "a".to_string())]);
        let create = pending_tags(&desired);
        assert_eq!(
            create.get(PENDING_TAG).map(String::as_str),
            Some(PENDING_VALUE)
        );
        assert_eq!(create.len(), 2);
    }
}
