//! IAM kinds, the typed policy documents every kind that hands IAM a policy shares ([`policy`]), and what IAM
//! kinds share: tags, and IAM's eventual consistency.
//!
//! # Adoption
//!
//! As [`crate::lifecycle`] describes: a create puts the ownership and identity tags on atomically with the resource
//! (in the create call's `Tags`). IAM names are unique per account, so there is never more than one candidate: a
//! same-named IAM resource with this resource's identity that the engine does not record is the orphan of a create
//! whose answer was lost and is adopted (brought in line with the inputs); anything else under the name is a
//! conflict ([`crate::lifecycle::conflict`]).
//!
//! # Eventual consistency
//!
//! IAM is a global service whose changes propagate to every region within seconds, not at once: right after
//! `CreateRole` the follow-up calls (`PutRolePolicy`, `AttachRolePolicy`, `UntagRole`) may answer `NoSuchEntity`,
//! and a new role may not be assumable (by ECS, Lambda, …) for several seconds. [`settle`] retries `NoSuchEntity`
//! about the role itself for up to a minute ([`crate::lifecycle::retry_while`]); a missing *policy* is the user's
//! error and fails at once.

pub mod policy;
pub mod role;

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use aws_sdk_iam::types::Tag;

use super::tags;
use super::tags::Tagging;
use crate::aws::{Aws, OWNERSHIP_TAG};
use crate::error::{ErrorClass, ResourceError, aws_error};
use crate::lifecycle::LEGACY_PENDING_TAG as PENDING_TAG;
use crate::lifecycle::{IDENTITY_TAG, retry_while};
use crate::resource::{Context, Failures};

/// How long [`settle`] retries IAM's `NoSuchEntity` right after a create.
const SETTLE_WAIT: Duration = Duration::from_secs(60);

/// Whether a `NoSuchEntity` is about a managed policy (`Policy arn:… does not exist or is not attachable.`), not
/// about the role: that is the program's error, not eventual consistency. IAM spells both with the same code, so
/// only the message tells them apart.
pub fn is_missing_policy(e: &ResourceError) -> bool {
    let message = match e {
        ResourceError::Aws { message, .. } => message.as_str(),
        ResourceError::Partial { source, .. } => return is_missing_policy(source),
        _ => return false,
    };
    e.is_not_found() && message.trim_start().starts_with("Policy ")
}

/// Runs `call` until IAM knows the entity it is about: NotFound (other than a missing managed policy, which fails
/// at once) is retried for up to a minute within the operation's timeout (IAM's eventual consistency right after a
/// create), with [`retry_while`].
pub async fn settle<T, F, Fut>(ctx: &Context, what: &str, mut call: F) -> Result<T, ResourceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ResourceError>>,
{
    // A missing policy is handed through as a success of the retried call, so it is never retried.
    retry_while(
        ctx,
        &format!("IAM to see {what}"),
        &[ErrorClass::NotFound],
        SETTLE_WAIT,
        || {
            let fut = call();
            async move {
                match fut.await {
                    Err(e) if is_missing_policy(&e) => Ok(Err(e)),
                    other => other.map(Ok),
                }
            }
        },
    )
    .await
    .and_then(|r| r)
}

/// Tags as IAM takes them.
pub fn tag_list(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ResourceError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ResourceError::Internal(format!("cannot build IAM tag {k}: {e}")))
        })
        .collect()
}

/// Tags as IAM returns them, as a map.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// Every tag of role `name` (`iam:ListRoleTags`, all pages).
pub async fn role_tags(
    ctx: &Context,
    name: &str,
) -> Result<BTreeMap<String, String>, ResourceError> {
    let mut all = BTreeMap::new();
    let mut marker: Option<String> = None;
    loop {
        let out = ctx
            .aws
            .iam
            .list_role_tags()
            .role_name(name)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| aws_error("iam:ListRoleTags", e))?;
        all.extend(tag_map(out.tags()));
        match out.marker() {
            Some(m) if out.is_truncated() => marker = Some(m.to_string()),
            _ => return Ok(all),
        }
    }
}

/// Splits live tags into the declared tags and all tags (see [`tags::split`]). Unlike EC2, IAM names are not
/// tags, so a `Name` tag is an ordinary tag the program may declare.
pub fn split_tags(
    aws: &Aws,
    all: BTreeMap<String, String>,
    prior: Option<&BTreeMap<String, String>>,
) -> (Option<BTreeMap<String, String>>, BTreeMap<String, String>) {
    let name_tag = all.get("Name").cloned();
    let (_, mut own, all) = tags::split(aws, all, prior);
    if let Some(v) = name_tag {
        let declared = prior.is_some_and(|p| p.contains_key("Name"));
        if declared || aws.default_tags.get("Name") != Some(&v) {
            own.get_or_insert_with(BTreeMap::new)
                .insert("Name".to_string(), v);
        }
    }
    (own, all)
}

/// IAM tags roles by name; right after a create IAM may not see the role yet ([`settle`]).
pub struct IamRoleTags;

impl Tagging for IamRoleTags {
    async fn tag(
        aws: &Aws,
        name: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        aws.iam
            .tag_role()
            .role_name(name)
            .set_tags(Some(tag_list(tags)?))
            .send()
            .await
            .map_err(|e| aws_error("iam:TagRole", e))?;
        Ok(())
    }

    async fn untag(aws: &Aws, name: &str, keys: &[String]) -> Result<(), ResourceError> {
        aws.iam
            .untag_role()
            .role_name(name)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("iam:UntagRole", e))?;
        Ok(())
    }
}

/// Brings the tags of role `name` from `old` to `new` ([`tags::sync`]), retried while IAM does not see the role
/// yet.
pub async fn sync_role_tags(
    ctx: &Context,
    name: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ResourceError> {
    settle(ctx, &format!("role {name}"), || {
        tags::sync::<IamRoleTags>(&ctx.aws, name, old, new)
    })
    .await
}

/// Validates user tags against IAM's rules: at most 45 (IAM allows 50; 5 are kept for the provider), keys 1-128
/// and values 0-256 characters of letters, digits, spaces and `_.:/=+-@`, keys unique ignoring case, no `aws:`
/// prefix.
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    let Some(tags) = tags else { return };
    f.require(
        tags.len() <= 45,
        "tags",
        "at most 45 tags (IAM allows 50, 5 are kept for the provider)",
    );
    let charset = |s: &str| {
        s.chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
    };
    let mut lower = std::collections::BTreeSet::new();
    for (k, v) in tags {
        f.require(
            !k.is_empty() && k.chars().count() <= 128 && charset(k),
            "tags",
            format!("tag key '{k}' must be 1-128 letters, digits, spaces or _.:/=+-@"),
        );
        f.require(
            v.chars().count() <= 256 && charset(v),
            "tags",
            format!(
                "the value of tag '{k}' must be at most 256 letters, digits, spaces or _.:/=+-@"
            ),
        );
        f.require(
            !k.to_ascii_lowercase().starts_with("aws:"),
            "tags",
            format!("tag key '{k}' uses the reserved aws: prefix"),
        );
        f.require(
            k != OWNERSHIP_TAG.0 && k != PENDING_TAG && k != IDENTITY_TAG,
            "tags",
            format!("tag key '{k}' is set by the provider"),
        );
        f.require(
            lower.insert(k.to_lowercase()),
            "tags",
            format!("tag key '{k}' differs from another only in case; IAM tag keys ignore case"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_tag_is_an_ordinary_tag() {
        let aws = Aws::offline();
        let live = BTreeMap::from([
            ("Name".to_string(), "x".to_string()),
            ("ManagedBy".to_string(), "pulumi-orderapi".to_string()),
        ]);
        let (own, all) = split_tags(&aws, live, None);
        assert_eq!(
            own,
            Some(BTreeMap::from([("Name".to_string(), "x".to_string())]))
        );
        assert_eq!(all.len(), 2);
    }

    #[test]
    fn missing_policy_is_not_eventual_consistency() {
        let err = |message: &str| ResourceError::Aws {
            operation: "iam:AttachRolePolicy",
            code: "NoSuchEntity".into(),
            message: message.into(),
            hint: None,
        };
        assert!(is_missing_policy(&err(
            "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable."
        )));
        assert!(!is_missing_policy(&err(
            "The role with name r cannot be found."
        )));
    }
}
