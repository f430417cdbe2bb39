//! IAM kinds, the typed policy documents every kind that hands IAM a policy shares ([`policy`]), and what IAM
//! kinds share: tags, ownership for adoption, and IAM's eventual consistency.
//!
//! # Adoption
//!
//! As for EC2 (see `ec2`'s module docs): a create puts [`PENDING_TAG`] on atomically with the resource (in the
//! create call's `Tags`) and removes it as its very last step. A same-named IAM resource with the ownership tag and
//! the marker is the leftover of a crashed create and is adopted (brought in line with the inputs); with the
//! ownership tag but no marker it is recorded in some Pulumi state and is a conflict; without the ownership tag it
//! was not created by this provider and is a conflict too. IAM names are unique per account, so there is never
//! more than one candidate.
//!
//! # Eventual consistency
//!
//! IAM is a global service whose changes propagate to every region within seconds, not at once: right after
//! `CreateRole` the follow-up calls (`PutRolePolicy`, `AttachRolePolicy`, `UntagRole`) may answer `NoSuchEntity`,
//! and a new role may not be assumable (by ECS, Lambda, …) for several seconds. [`settle`] retries `NoSuchEntity`
//! about the role itself for up to a minute; a missing *policy* is the user's error and fails at once.

pub mod policy;
pub mod role;

pub use super::tags::{Found, found};
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_iam::types::Tag;

use super::tags;
pub use super::tags::{PENDING_TAG, PENDING_VALUE, pending_tags};
use crate::aws::{Aws, OWNERSHIP_TAG};
use crate::error::{ResourceError, aws_error};
use crate::resource::{Context, Failures};

/// How long [`settle`] retries IAM's `NoSuchEntity` right after a create.
const SETTLE_WAIT: Duration = Duration::from_secs(60);

/// IAM's error code for a missing entity (role, policy, instance profile …).
pub const NO_SUCH_ENTITY: &str = "NoSuchEntity";

/// Whether IAM says the entity does not exist.
pub fn is_no_such_entity(e: &ResourceError) -> bool {
    e.code() == Some(NO_SUCH_ENTITY)
}

/// Whether a `NoSuchEntity` is about a managed policy (`Policy arn:… does not exist or is not attachable.`), not
/// about the role: that is the program's error, not eventual consistency.
pub fn is_missing_policy(e: &ResourceError) -> bool {
    let message = match e {
        ResourceError::Aws { message, .. } => message.as_str(),
        ResourceError::Partial { source, .. } => return is_missing_policy(source),
        _ => return false,
    };
    is_no_such_entity(e) && message.trim_start().starts_with("Policy ")
}

/// Runs `call` until IAM knows the entity it is about: `NoSuchEntity` (other than a missing managed policy) is
/// retried with backoff for up to a minute, within the operation's timeout (IAM's eventual consistency right after
/// a create). The last error is returned when the entity never shows up.
pub async fn settle<T, F, Fut>(ctx: &Context, what: &str, mut call: F) -> Result<T, ResourceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ResourceError>>,
{
    let started = Instant::now();
    let mut delay = Duration::from_millis(250);
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e)
                if is_no_such_entity(&e)
                    && !is_missing_policy(&e)
                    && started.elapsed() < SETTLE_WAIT =>
            {
                ctx.status(format!(
                    "waiting for IAM to see {what} (eventual consistency: {NO_SUCH_ENTITY}), {}s",
                    started.elapsed().as_secs()
                ));
                ctx.sleep(what, delay).await?;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(e),
        }
    }
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

/// Brings the tags of role `name` from `old` to `new` (tag changed/new ones, untag removed ones). When `old` holds
/// [`PENDING_TAG`] (the `tagsAll` a partial create recorded) and `new` does not, the marker is removed too.
pub async fn sync_role_tags(
    ctx: &Context,
    name: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ResourceError> {
    let super::tags::TagChanges { removed, changed } = super::tags::changes(old, new);
    if !removed.is_empty() {
        settle(ctx, &format!("role {name}"), || async {
            ctx.aws
                .iam
                .untag_role()
                .role_name(name)
                .set_tag_keys(Some(removed.clone()))
                .send()
                .await
                .map_err(|e| aws_error("iam:UntagRole", e))
        })
        .await?;
    }
    if !changed.is_empty() {
        let changed = tag_list(&changed)?;
        settle(ctx, &format!("role {name}"), || async {
            ctx.aws
                .iam
                .tag_role()
                .role_name(name)
                .set_tags(Some(changed.clone()))
                .send()
                .await
                .map_err(|e| aws_error("iam:TagRole", e))
        })
        .await?;
    }
    Ok(())
}

/// The last step of a role create that succeeded: removes [`PENDING_TAG`], after which no create adopts it.
pub async fn finish_role_create(ctx: &Context, name: &str) -> Result<(), ResourceError> {
    settle(ctx, &format!("role {name}"), || async {
        ctx.aws
            .iam
            .untag_role()
            .role_name(name)
            .tag_keys(PENDING_TAG)
            .send()
            .await
            .map_err(|e| aws_error("iam:UntagRole", e))
    })
    .await?;
    Ok(())
}

/// The conflict error for a same-named IAM resource this provider does not own.
pub fn name_conflict(kind: &str, name: &str) -> ResourceError {
    ResourceError::Conflict(format!(
        "an IAM {kind} named '{name}' already exists and was not created by pulumi-orderapi (no {}={} tag); IAM \
         names are unique per account: choose another name (environment/environmentSuffix), or delete or import \
         that {kind}",
        OWNERSHIP_TAG.0, OWNERSHIP_TAG.1
    ))
}

/// The conflict error for a same-named IAM resource whose create finished: it is recorded in some Pulumi state
/// (often the very resource a create-before-delete replacement is about to delete).
pub fn recorded_conflict(kind: &str, name: &str) -> ResourceError {
    ResourceError::Conflict(format!(
        "an IAM {kind} named '{name}' already exists: pulumi-orderapi created it and it is recorded in a Pulumi \
         stack (for a replacement, it is the {kind} being replaced). IAM names are unique per account: choose \
         another name (or environmentSuffix), or set the `deleteBeforeReplace` resource option so the old {kind} \
         is deleted first"
    ))
}

/// The debug line a create logs when it adopts the leftover of a crashed create.
pub fn adopting(ctx: &Context, kind: &str, name: &str) {
    ctx.debug(format!(
        "adopting IAM {kind} '{name}': it carries this provider's ownership tag and the {PENDING_TAG} marker of a \
         create that never finished"
    ));
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
            k != OWNERSHIP_TAG.0 && k != PENDING_TAG,
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
    fn only_an_unfinished_create_is_adoptable() {
        let tags = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let owned = (OWNERSHIP_TAG.0, OWNERSHIP_TAG.1);
        let pending = (PENDING_TAG, PENDING_VALUE);
        assert_eq!(found(&tags(&[])), Found::Stranger);
        assert_eq!(found(&tags(&[pending])), Found::Stranger);
        assert_eq!(found(&tags(&[owned])), Found::Recorded);
        assert_eq!(found(&tags(&[owned, pending])), Found::Unfinished);
    }

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
            code: NO_SUCH_ENTITY.into(),
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
