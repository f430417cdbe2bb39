//! RDS kinds, and what they share: tags (RDS tags a resource by ARN, [`RdsTags`]), name rules. RDS keeps every
//! identifier here unique per account and region: a create finds a same-named object by name and classifies it with
//! [`crate::lifecycle`] (adopt the orphan of an interrupted create, anything else is a conflict).

pub mod cluster;
pub mod cluster_instance;
pub mod db_subnet_group;

use std::collections::BTreeMap;

use aws_sdk_rds::types::Tag;

use super::tags::Tagging;
use crate::aws::Aws;
use crate::error::{ResourceError, aws_error};
use crate::resource::Failures;

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

/// RDS tags a resource by ARN.
pub struct RdsTags;

impl Tagging for RdsTags {
    async fn tag(
        aws: &Aws,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        aws.rds
            .add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(tag_list(tags)))
            .send()
            .await
            .map_err(|e| aws_error("rds:AddTagsToResource", e))?;
        Ok(())
    }

    async fn untag(aws: &Aws, arn: &str, keys: &[String]) -> Result<(), ResourceError> {
        aws.rds
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("rds:RemoveTagsFromResource", e))?;
        Ok(())
    }
}

/// Validates user tags against RDS's limits (the shared ones, plus RDS's reserved `rds:` prefix).
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    super::tags::check(tags, "RDS", f);
    for k in tags.into_iter().flat_map(BTreeMap::keys) {
        f.require(
            !k.to_ascii_lowercase().starts_with("rds:"),
            "tags",
            format!("tag key '{k}' uses a reserved prefix (rds:)"),
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
