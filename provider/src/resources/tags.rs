//! Tag bookkeeping every kind shares, whatever the service's tag type: the create-pending marker (see
//! `ec2`'s module docs for why it exists) and splitting live tags into what the program declared and what the
//! provider added.

use std::collections::BTreeMap;

use crate::aws::{Aws, OWNERSHIP_TAG};

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
/// [`PENDING_TAG`] is in neither: it is the provider's bookkeeping, never declared, so a refresh shows no drift.
pub fn split(
    aws: &Aws,
    mut all: BTreeMap<String, String>,
    prior: Option<&BTreeMap<String, String>>,
) -> Split {
    all.remove(PENDING_TAG);
    let name = all.get("Name").cloned();
    let own: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, v)| {
            let key = k.as_str();
            if key == "Name" || key == OWNERSHIP_TAG.0 || key.starts_with("aws:") {
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
