//! RDS kinds, and what they share: tags (RDS tags a resource by ARN), ownership classification for adoption (see
//! `ec2`'s module docs: only a create that never finished — ownership tag *and* the create-pending marker — is
//! adopted), name rules, and the create's last step.

pub mod cluster;
pub mod cluster_instance;
pub mod db_subnet_group;

use std::collections::BTreeMap;

use aws_sdk_rds::types::Tag;

pub use super::tags::{Found, PENDING_TAG, PENDING_VALUE, found, pending_tags};
use crate::aws::{Aws, OWNERSHIP_TAG};
use crate::error::{ResourceError, aws_error};
use crate::resource::Failures;

/// RDS's tag limit per resource.
const MAX_TAGS: usize = 50;

/// Tags as RDS returns them, as a map.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            t.key()
                .map(|k| (k.to_string(), t.value().unwrap_or_default().to_string()))
        })
        .collect()
}

/// A map of tags as RDS's tag list.
pub fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Every tag on the RDS resource at `arn`.
pub async fn live_tags(aws: &Aws, arn: &str) -> Result<BTreeMap<String, String>, ResourceError> {
    let out = aws
        .rds
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(|e| aws_error("rds:ListTagsForResource", e))?;
    Ok(tag_map(out.tag_list()))
}

/// Brings the tags of `arn` from `old` to `new`. When `old` holds [`PENDING_TAG`] (the `tagsAll` a partial create
/// recorded) and `new` does not, the marker goes with the stale tags.
pub async fn sync_tags(
    aws: &Aws,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ResourceError> {
    let super::tags::TagChanges { removed, changed } = super::tags::changes(old, new);
    if !removed.is_empty() {
        aws.rds
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| aws_error("rds:RemoveTagsFromResource", e))?;
    }
    if !changed.is_empty() {
        aws.rds
            .add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(tag_list(&changed)))
            .send()
            .await
            .map_err(|e| aws_error("rds:AddTagsToResource", e))?;
    }
    Ok(())
}

/// The last step of a create that succeeded: removes [`PENDING_TAG`], after which no create adopts the resource.
pub async fn finish_create(aws: &Aws, arn: &str) -> Result<(), ResourceError> {
    aws.rds
        .remove_tags_from_resource()
        .resource_name(arn)
        .tag_keys(PENDING_TAG)
        .send()
        .await
        .map_err(|e| aws_error("rds:RemoveTagsFromResource", e))?;
    Ok(())
}

/// The conflict error for a same-named resource this provider does not own.
pub fn name_conflict(what: &str, name: &str) -> ResourceError {
    ResourceError::Conflict(format!(
        "an RDS {what} named '{name}' already exists and was not created by pulumi-orderapi (no {}={} tag); \
         choose another name (environment/environmentSuffix), or delete or import it",
        OWNERSHIP_TAG.0, OWNERSHIP_TAG.1
    ))
}

/// The conflict error for a same-named resource this provider created and some Pulumi state records.
pub fn recorded_conflict(what: &str, name: &str) -> ResourceError {
    ResourceError::Conflict(format!(
        "an RDS {what} named '{name}' already exists and is managed by pulumi-orderapi in some Pulumi state (its \
         create finished); RDS names are unique per account and region, so choose another name or suffix, or \
         replace with the `deleteBeforeReplace` option"
    ))
}

/// Validates user tags against RDS's limits.
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    let Some(tags) = tags else { return };
    f.require(
        tags.len() <= MAX_TAGS - 5,
        "tags",
        "at most 45 tags (RDS allows 50, 5 are kept for the provider)",
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
        let lower = k.to_ascii_lowercase();
        f.require(
            !lower.starts_with("aws:") && !lower.starts_with("rds:"),
            "tags",
            format!("tag key '{k}' uses a reserved prefix (aws: or rds:)"),
        );
        f.require(
            k != PENDING_TAG && k != OWNERSHIP_TAG.0,
            "tags",
            format!("tag key '{k}' is reserved for the provider"),
        );
    }
}

/// Whether `id` is an RDS identifier: 1-`max` characters, a lowercase letter first, lowercase letters, digits and
/// hyphens, no `--`, not ending in `-`.
pub fn is_identifier(id: &str, max: usize) -> bool {
    (1..=max).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.contains("--")
        && !id.ends_with('-')
}

/// An identifier for a logical name RDS may not accept as is: lowercased, other characters as `-`, no repeated
/// or trailing hyphens, a letter first, at most `max` characters.
pub fn sanitize_identifier(raw: &str, max: usize) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '-'
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out = format!("r{out}");
    }
    out.truncate(max);
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Whether `id` is a KMS key id, ARN or alias RDS accepts as `KmsKeyId`.
pub fn is_kms_key(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 2048
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        for ok in ["a", "orders-db-1", "x9"] {
            assert!(is_identifier(ok, 63), "{ok}");
        }
        for bad in ["", "1a", "a--b", "a-", "Orders", "a_b"] {
            assert!(!is_identifier(bad, 63), "{bad}");
        }
        assert_eq!(sanitize_identifier("Orders DB__1-", 63), "orders-db-1");
        assert!(is_identifier(&sanitize_identifier("9-x", 63), 63));
    }
}
