//! Elastic Load Balancing v2 kinds (application load balancers, target groups, listeners, listener rules), and what
//! they share: tags through AddTags/RemoveTags/DescribeTags (keyed by ARN), adoption after a crashed create, name
//! rules, retrying deletes, and the listener/rule action and condition types ([`actions`]).
//!
//! # Adoption
//!
//! As in `ec2` (see its module docs): every create tags the resource atomically (the create call's `Tags`) with the
//! ownership tag and [`PENDING_TAG`], and removes the marker as its very last step. A create finding a resource
//! under the same unique key (load balancer and target group: the name; listener: load balancer + port; rule:
//! listener + priority) adopts it only when it carries both tags; with the ownership tag alone it is a finished
//! create recorded in some Pulumi state (conflict), without it a stranger's resource (conflict).

pub mod actions;
pub mod listener;
pub mod listener_rule;
pub mod load_balancer;
pub mod target_group;

pub use super::tags::{Found, found};
use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::Tag;

pub use super::tags::{PENDING_TAG, PENDING_VALUE, pending_tags};
use crate::aws::{Aws, OWNERSHIP_TAG};
use crate::error::{ResourceError, aws_error};
use crate::resource::{CheckContext, Context, Failures, Poll};

/// Tags as the elbv2 API takes them.
pub fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Every tag AWS holds for `arn` (empty when the resource is gone).
pub async fn live_tags(aws: &Aws, arn: &str) -> Result<BTreeMap<String, String>, ResourceError> {
    let out = aws
        .elbv2
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .map_err(|e| aws_error("elbv2:DescribeTags", e))?;
    Ok(out
        .tag_descriptions()
        .iter()
        .filter(|d| d.resource_arn() == Some(arn))
        .flat_map(|d| d.tags())
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect())
}

/// Brings the live tags of `arn` from `old` to `new` (removes stale keys, adds/overwrites changed ones). A
/// [`PENDING_TAG`] in `old` (the `tagsAll` of a partial create) is removed with the other stale tags.
pub async fn sync_tags(
    aws: &Aws,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ResourceError> {
    let super::tags::TagChanges { removed, changed } = super::tags::changes(old, new);
    if !removed.is_empty() {
        aws.elbv2
            .remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| aws_error("elbv2:RemoveTags", e))?;
    }
    if !changed.is_empty() {
        aws.elbv2
            .add_tags()
            .resource_arns(arn)
            .set_tags(Some(tag_list(&changed)))
            .send()
            .await
            .map_err(|e| aws_error("elbv2:AddTags", e))?;
    }
    Ok(())
}

/// The last step of a create that succeeded: removes [`PENDING_TAG`] from `arn`, after which no create adopts it.
pub async fn finish_create(ctx: &Context, arn: &str) -> Result<(), ResourceError> {
    ctx.aws
        .elbv2
        .remove_tags()
        .resource_arns(arn)
        .tag_keys(PENDING_TAG)
        .send()
        .await
        .map_err(|e| aws_error("elbv2:RemoveTags", e))?;
    Ok(())
}

/// The error for a found resource that is not adoptable; `None` when it is (and logs the adoption).
pub fn adoption_error(
    ctx: &Context,
    kind: &str,
    key: &str,
    arn: &str,
    tags: &BTreeMap<String, String>,
) -> Option<ResourceError> {
    match found(tags) {
        Found::Unfinished => {
            ctx.debug(format!(
                "adopting {arn}: it carries this provider's ownership tag, {key} and the {PENDING_TAG} marker of a \
                 create that never finished"
            ));
            None
        }
        Found::Recorded => Some(ResourceError::Conflict(format!(
            "a {kind} with {key} already exists ({arn}) and was created by pulumi-orderapi for another resource \
             (its create finished, so some Pulumi state records it); choose another name or suffix, or set the \
             `deleteBeforeReplace` resource option when replacing it"
        ))),
        Found::Stranger => Some(ResourceError::Conflict(format!(
            "a {kind} with {key} already exists ({arn}) and was not created by pulumi-orderapi (no {}={} tag); \
             choose another name, or delete or import that {kind}",
            OWNERSHIP_TAG.0, OWNERSHIP_TAG.1
        ))),
    }
}

/// The tags a resource carries: effective tags (ownership + default + own).
pub fn all_tags(aws: &Aws, own: Option<&BTreeMap<String, String>>) -> BTreeMap<String, String> {
    aws.effective_tags(own)
}

/// Declared tags and all tags from live tags (see [`super::tags::split`]).
pub fn split_tags(
    aws: &Aws,
    live: BTreeMap<String, String>,
    prior: Option<&BTreeMap<String, String>>,
) -> (Option<BTreeMap<String, String>>, BTreeMap<String, String>) {
    let (_, own, all) = super::tags::split(aws, live, prior);
    (own, all)
}

/// Validates an elbv2 resource name: 1-32 characters, alphanumerics and hyphens, not starting or ending with a
/// hyphen (and, for load balancers, not starting with `internal-`). Autonames a missing one.
pub fn check_name(ctx: &CheckContext, name: &mut Option<String>, f: &mut Failures) {
    let n = name.get_or_insert_with(|| {
        let raw = ctx.autoname(32);
        // The logical name may hold characters elbv2 names cannot: keep alphanumerics and hyphens.
        let cleaned: String = raw
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        cleaned.trim_matches('-').to_string()
    });
    f.require(
        !n.is_empty() && n.len() <= 32,
        "name",
        "must be 1-32 characters",
    );
    f.require(
        n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
        "name",
        "may contain only a-z, A-Z, 0-9 and hyphens",
    );
    f.require(
        !n.starts_with('-') && !n.ends_with('-'),
        "name",
        "must not start or end with a hyphen",
    );
}

/// Validates user tags against elbv2's limits (50 per resource).
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    let Some(tags) = tags else { return };
    f.require(
        tags.len() <= 45,
        "tags",
        "at most 45 tags (elbv2 allows 50, 5 are kept for the provider)",
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
    }
}

/// Whether `arn` looks like an ARN of the given elbv2 resource type (`loadbalancer/app`, `targetgroup`,
/// `listener/app`, …).
pub fn is_elbv2_arn(arn: &str, resource: &str) -> bool {
    arn.starts_with("arn:")
        && arn.contains(":elasticloadbalancing:")
        && arn.contains(&format!(":{resource}/"))
}

/// The part of an ARN after `:<marker>` — for CloudWatch dimensions: `app/<name>/<id>` of a load balancer (marker
/// `loadbalancer/`), `targetgroup/<name>/<id>` of a target group (marker `targetgroup/`, kept).
pub fn arn_suffix(arn: &str) -> String {
    if let Some(i) = arn.find(":loadbalancer/") {
        return arn[i + ":loadbalancer/".len()..].to_string();
    }
    if let Some(i) = arn.find(":targetgroup/") {
        return arn[i + 1..].to_string();
    }
    arn.rsplit(':').next().unwrap_or_default().to_string()
}

/// Runs a delete call until AWS accepts it: `ResourceInUse` (a listener or rule still forwards to a target group
/// being deleted, typically changed in the same deployment) is retried with backoff within the timeout; NotFound
/// means done.
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
                Err(e) if matches!(e.code(), Some("ResourceInUse")) => Ok(Poll::Pending(format!(
                    "AWS says {}",
                    e.code().unwrap_or_default()
                ))),
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
    fn suffixes() {
        assert_eq!(
            arn_suffix(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
            ),
            "app/web/50dc6c495c0c9188"
        );
        assert_eq!(
            arn_suffix(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/73e2d6bc24d8a067"
            ),
            "targetgroup/api/73e2d6bc24d8a067"
        );
    }

    #[test]
    fn names() {
        let mut f = Failures::default();
        check_name(
            &CheckContext::default(),
            &mut Some("ok-name-1".into()),
            &mut f,
        );
        assert!(f.finish(()).is_ok());
        let long = "a".repeat(33);
        for bad in ["-x", "x-", "a_b", long.as_str()] {
            let mut f = Failures::default();
            check_name(&CheckContext::default(), &mut Some(bad.to_string()), &mut f);
            assert!(f.finish(()).is_err(), "{bad}");
        }
        let ctx = CheckContext {
            name: "my_web.lb".into(),
            random_seed: vec![1, 2, 3, 4],
            prior_name: None,
        };
        let mut name = None;
        let mut f = Failures::default();
        check_name(&ctx, &mut name, &mut f);
        assert!(f.finish(()).is_ok());
        assert_eq!(name.as_deref(), Some("my-web-lb-0102030"));
    }

    #[test]
    fn adoption_classes() {
        let owned = BTreeMap::from([(OWNERSHIP_TAG.0.to_string(), OWNERSHIP_TAG.1.to_string())]);
        assert_eq!(found(&BTreeMap::new()), Found::Stranger);
        assert_eq!(found(&owned), Found::Recorded);
        assert_eq!(found(&pending_tags(&owned)), Found::Unfinished);
    }
}
