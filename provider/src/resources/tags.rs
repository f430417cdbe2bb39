//! Tag bookkeeping every kind shares, whatever the service's tag type: the create-pending marker (see
//! `ec2`'s module docs for why it exists) and splitting live tags into what the program declared and what the
//! provider added.

use std::collections::BTreeMap;

use std::future::Future;

use crate::aws::{Aws, OWNERSHIP_TAG};
use crate::error::ResourceError;
use crate::lifecycle::IDENTITY_TAG;
use crate::resource::Failures;

/// The create-pending marker: on the resource from its create call until the create's last step (see the module
/// docs). A create that fails half-way (`ResourceError::Partial`) leaves it; the engine records the resource with
/// the marker in `tagsAll`, and the next update's `sync_tags` removes it (desired tags never hold it).
pub const PENDING_TAG: &str = "orderapi:create-pending";

/// The value [`PENDING_TAG`] has.
pub const PENDING_VALUE: &str = "true";

/// The tags a create call puts on the resource: `tags` plus [`PENDING_TAG`]. Also what the resource holds until the
/// create's last step, so a partial create records these as `tagsAll`.
pub fn pending_tags(tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut pending = tags.clone();
    pending.insert(PENDING_TAG.to_string(), PENDING_VALUE.to_string());
    pending
}

/// Live tags split into `(name, declared tags, all tags)`.
pub type Split = (
    Option<String>,
    Option<BTreeMap<String, String>>,
    BTreeMap<String, String>,
);

/// Splits live tags into the declared `name` (the `Name` tag), the declared `tags` (without the ones the provider
/// adds: `Name`, the ownership tag, and default tags the program did not set itself) and all tags.
/// [`PENDING_TAG`] stays in both when the live resource still carries it (a create that failed part-way, or was
/// interrupted, and was recorded): a refresh then shows it as drift on `tags`, and the next `pulumi up` updates the
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
            if key == "Name" || key == OWNERSHIP_TAG.0 || key == IDENTITY_TAG || key.starts_with("aws:")
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

/// What a same-named resource found at create time is to this provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// No ownership tag: created by someone else. A name conflict.
    Stranger,
    /// Ours, and its create finished: recorded in some Pulumi state. Never adopted.
    Recorded,
    /// Ours, and its create never finished (it carries [`PENDING_TAG`]): adopted by a retried create.
    Unfinished,
}

/// Classifies a resource by its live tags.
pub fn found(tags: &BTreeMap<String, String>) -> Found {
    let owned = tags.get(OWNERSHIP_TAG.0).map(String::as_str) == Some(OWNERSHIP_TAG.1);
    match (owned, tags.contains_key(PENDING_TAG)) {
        (false, _) => Found::Stranger,
        (true, false) => Found::Recorded,
        (true, true) => Found::Unfinished,
    }
}

/// How one service tags and untags an object (by id or ARN). Each service module implements it once; [`sync`]
/// does the rest.
pub trait Tagging {
    /// The service, for errors (`ec2`, `rds`, …).
    const SERVICE: &'static str;
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
