//! Tag bookkeeping every kind shares, whatever the service's tag type: splitting live tags into what the program
//! declared and what the provider added, one sync through each service's [`Tagging`], and the shared tag rules.

use std::collections::BTreeMap;
use std::future::Future;

use crate::aws::{Aws, OWNERSHIP_TAG};
use crate::error::ResourceError;
use crate::lifecycle::{IDENTITY_TAG, LEGACY_PENDING_TAG as PENDING_TAG};
use crate::resource::Failures;

/// Live tags split into `(name, declared tags, all tags)`.
pub type Split = (
    Option<String>,
    Option<BTreeMap<String, String>>,
    BTreeMap<String, String>,
);

/// Splits live tags into the declared `name` (the `Name` tag), the declared `tags` (without the ones the provider
/// adds: `Name`, the ownership and identity tags, and default tags the program did not set itself) and all tags.
/// [`PENDING_TAG`] of an earlier release stays in both when the live resource still carries it (a create of that
/// release that failed part-way, or was interrupted, and was recorded): a refresh then shows it as drift on `tags`, and the next `pulumi up` updates the
/// resource to the declared tags, which removes the marker, instead of leaving it on a recorded resource forever.
pub fn split(
    aws: &Aws,
    all: BTreeMap<String, String>,
    prior: Option<&BTreeMap<String, String>>,
) -> Split {
    let name = all.get("Name").cloned();
    let own: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, v)| {
            let key = k.as_str();
            if key == "Name"
                || key == OWNERSHIP_TAG.0
                || key == IDENTITY_TAG
                || key.starts_with("aws:")
            {
                return false;
            }
            let declared = prior.is_some_and(|p| p.contains_key(key));
            declared || aws.default_tags.get(key) != Some(*v)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let own = if own.is_empty() && prior.is_none_or(BTreeMap::is_empty) {
        None
    } else {
        Some(own)
    };
    (name, own, all)
}

/// How one service tags and untags an object (by id or ARN). Each service module implements it once; [`sync`]
/// does the rest.
pub trait Tagging {
    /// Adds or overwrites `tags` on `resource`.
    fn tag(
        aws: &Aws,
        resource: &str,
        tags: &BTreeMap<String, String>,
    ) -> impl Future<Output = Result<(), ResourceError>> + Send;
    /// Removes the tags with `keys` from `resource`.
    fn untag(
        aws: &Aws,
        resource: &str,
        keys: &[String],
    ) -> impl Future<Output = Result<(), ResourceError>> + Send;
}

/// Brings the live tags of `resource` from `old` to `new`: removes the keys `new` lacks, writes the changed ones.
/// When `old` holds the legacy create-pending marker (recorded by an earlier release) it goes with the other
/// stale tags.
pub async fn sync<T: Tagging>(
    aws: &Aws,
    resource: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ResourceError> {
    let TagChanges { removed, changed } = changes(old, new);
    if !removed.is_empty() {
        T::untag(aws, resource, &removed).await?;
    }
    if !changed.is_empty() {
        T::tag(aws, resource, &changed).await?;
    }
    Ok(())
}

/// What a tag sync must do to bring live tags from `old` to `new`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TagChanges {
    /// Keys to remove.
    pub removed: Vec<String>,
    /// Tags to add or overwrite.
    pub changed: BTreeMap<String, String>,
}

/// The removals and additions that turn `old` into `new`.
pub fn changes(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> TagChanges {
    TagChanges {
        removed: old
            .keys()
            .filter(|k| !new.contains_key(*k))
            .cloned()
            .collect(),
        changed: new
            .iter()
            .filter(|(k, v)| old.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

/// Validates declared tags against the limits every service shares here (50 tags, of which 5 are kept for the
/// provider; key 1-128, value ≤256 characters; no `aws:` prefix; the provider's own keys reserved).
pub fn check(tags: Option<&BTreeMap<String, String>>, service: &str, f: &mut Failures) {
    let Some(tags) = tags else { return };
    f.require(
        tags.len() <= 45,
        "tags",
        format!("at most 45 tags ({service} allows 50, 5 are kept for the provider)"),
    );
    for (k, v) in tags {
        f.require(
            !k.is_empty() && k.chars().count() <= 128,
            "tags",
            format!("tag key '{k}' must be 1-128 characters"),
        );
        f.require(
            v.chars().count() <= 256,
            "tags",
            format!("the value of tag '{k}' must be at most 256 characters"),
        );
        f.require(
            !k.to_ascii_lowercase().starts_with("aws:"),
            "tags",
            format!("tag key '{k}' uses the reserved aws: prefix"),
        );
        f.require(
            k != PENDING_TAG && k != OWNERSHIP_TAG.0 && k != IDENTITY_TAG,
            "tags",
            format!("tag key '{k}' is reserved for the provider"),
        );
    }
}
