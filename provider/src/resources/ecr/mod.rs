//! ECR kinds, and what they share: tags (ECR tags a repository by ARN, [`EcrTags`]) and name rules. Adoption and
//! exactly-once creates follow [`crate::lifecycle`].

pub mod repository;

pub use crate::arn::is_kms_key_arn;
use std::collections::BTreeMap;

use aws_sdk_ecr::types::Tag;

use super::tags::Tagging;
use crate::aws::Aws;
use crate::error::{ResourceError, aws_error};
use crate::resource::{CheckContext, Failures};

/// Tags as ECR returns them, as a map.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// A map of tags as ECR's tag list.
pub fn tag_list(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ResourceError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ResourceError::Internal(format!("cannot build ECR tag '{k}': {e}")))
        })
        .collect()
}

/// Every tag on the repository at `arn`.
pub async fn live_tags(aws: &Aws, arn: &str) -> Result<BTreeMap<String, String>, ResourceError> {
    let out = aws
        .ecr
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| aws_error("ecr:ListTagsForResource", e))?;
    Ok(tag_map(out.tags()))
}

/// ECR tags repositories by ARN.
pub struct EcrTags;

impl Tagging for EcrTags {
    async fn tag(
        aws: &Aws,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        aws.ecr
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tag_list(tags)?))
            .send()
            .await
            .map_err(|e| aws_error("ecr:TagResource", e))?;
        Ok(())
    }

    async fn untag(aws: &Aws, arn: &str, keys: &[String]) -> Result<(), ResourceError> {
        aws.ecr
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("ecr:UntagResource", e))?;
        Ok(())
    }
}

/// Validates user tags against ECR's limits.
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    super::tags::check(tags, "ECR", f);
}

/// Whether `name` matches ECR's repository name rules: 2-256 characters, slash-separated components of lowercase
/// letters and digits, each optionally joined by single `.`, `_` or `-` (ECR's pattern
/// `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`).
pub fn is_repository_name(name: &str) -> bool {
    if !(2..=256).contains(&name.len()) {
        return false;
    }
    name.split('/').all(|component| {
        let mut previous_separator = true; // a component cannot start with a separator
        for c in component.chars() {
            match c {
                'a'..='z' | '0'..='9' => previous_separator = false,
                '.' | '_' | '-' if !previous_separator => previous_separator = true,
                _ => return false,
            }
        }
        !component.is_empty() && !previous_separator
    })
}

/// A repository name for a logical name that ECR may not accept as is: lowercased, other characters as `-`, no
/// repeated or leading/trailing separators.
pub fn sanitize_name(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '/' | '.' | '_') {
            c
        } else {
            '-'
        };
        let last = out.chars().last();
        let separator = |x: char| matches!(x, '.' | '_' | '-' | '/');
        if separator(c) && (last.is_none() || last.is_some_and(separator)) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with(['.', '_', '-', '/']) {
        out.pop();
    }
    if out.len() < 2 {
        out = format!("repo-{out}");
    }
    out
}

/// Fills `name` with an autoname when unset and validates it (ECR's rules).
pub fn check_name(ctx: &CheckContext, name: &mut Option<String>, f: &mut Failures) {
    let n = name.get_or_insert_with(|| sanitize_name(&ctx.autoname(128)));
    f.require(
        is_repository_name(n),
        "name",
        format!(
            "'{n}' is not a valid ECR repository name: 2-256 characters, lowercase letters, digits and \
             '/'-separated components joined by single '.', '_' or '-' (no leading, trailing or repeated \
             separators)"
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names() {
        for ok in ["ab", "orders/api", "a.b_c-d/e1", "0x"] {
            assert!(is_repository_name(ok), "{ok}");
        }
        for bad in [
            "a", "Orders", "a//b", "-ab", "ab-", "a--b", "a b", "/ab", "ab/",
        ] {
            assert!(!is_repository_name(bad), "{bad}");
        }
        assert_eq!(sanitize_name("Order API__x-1a2b3c4"), "order-api_x-1a2b3c4");
        assert!(is_repository_name(&sanitize_name("--X--")));
    }

    #[test]
    fn kms_key_arns() {
        assert!(is_kms_key_arn(
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
        assert!(!is_kms_key_arn(
            "arn:aws:kms:us-east-1:123456789012:alias/x"
        ));
        assert!(!is_kms_key_arn("1234abcd-12ab-34cd-56ef-1234567890ab"));
    }
}
