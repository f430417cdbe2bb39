//! ECR kinds, and what they share: tags (ECR tags a repository by ARN), ownership classification for adoption
//! (see `ec2`'s module docs: only a create that never finished — ownership tag *and* the create-pending marker —
//! is adopted), name rules, and the create's last step.

pub mod repository;

pub use super::tags::{Found, found};
use std::collections::BTreeMap;

use aws_sdk_ecr::types::Tag;

pub use super::tags::{PENDING_TAG, PENDING_VALUE, pending_tags};
use crate::aws::{Aws, OWNERSHIP_TAG};
use crate::error::{ResourceError, aws_error};
use crate::resource::{CheckContext, Context, Failures};

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

/// Brings the tags of `arn` from `old` to `new` (untag removed keys, tag changed/added ones). When `old` holds
/// [`PENDING_TAG`] (the `tagsAll` a partial create recorded) and `new` does not, the marker goes with the stale tags.
pub async fn sync_tags(
    aws: &Aws,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ResourceError> {
    let super::tags::TagChanges { removed, changed } = super::tags::changes(old, new);
    if !removed.is_empty() {
        aws.ecr
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| aws_error("ecr:UntagResource", e))?;
    }
    if !changed.is_empty() {
        aws.ecr
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tag_list(&changed)?))
            .send()
            .await
            .map_err(|e| aws_error("ecr:TagResource", e))?;
    }
    Ok(())
}

/// The last step of a create that succeeded: removes [`PENDING_TAG`], after which no create adopts the repository.
pub async fn finish_create(ctx: &Context, arn: &str) -> Result<(), ResourceError> {
    ctx.aws
        .ecr
        .untag_resource()
        .resource_arn(arn)
        .tag_keys(PENDING_TAG)
        .send()
        .await
        .map_err(|e| aws_error("ecr:UntagResource", e))?;
    Ok(())
}

/// The conflict error for a same-named repository this provider does not own.
pub fn name_conflict(name: &str) -> ResourceError {
    ResourceError::Conflict(format!(
        "an ECR repository named '{name}' already exists and was not created by pulumi-orderapi (no {}={} tag); \
         choose another name (environment/environmentSuffix), or delete or import that repository",
        OWNERSHIP_TAG.0, OWNERSHIP_TAG.1
    ))
}

/// The conflict error for a same-named repository this provider created and some Pulumi state records.
pub fn recorded_conflict(name: &str) -> ResourceError {
    ResourceError::Conflict(format!(
        "an ECR repository named '{name}' already exists and is managed by pulumi-orderapi in some Pulumi state \
         (its create finished); ECR names are unique per registry, so choose another name or suffix, or replace \
         with the `deleteBeforeReplace` option"
    ))
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

/// Whether `arn` is a KMS key ARN (`arn:<partition>:kms:<region>:<account>:key/<key id>`).
pub fn is_kms_key_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "kms", region, account, resource]
    if partition.starts_with("aws")
        && !region.is_empty()
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && resource.strip_prefix("key/").is_some_and(|id| {
            !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        }))
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
