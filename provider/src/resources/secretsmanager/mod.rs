//! Secrets Manager kinds, and what they share: tags (by secret id, [`SecretsManagerTags`]) and tag rules.

pub mod secret;

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::types::Tag;

use super::tags::Tagging;
use crate::aws::Aws;
use crate::error::{ResourceError, aws_error};
use crate::resource::Failures;

/// A map of tags as Secrets Manager's tag list.
pub fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Tags as Secrets Manager returns them, as a map.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// The secret `id` (name or ARN), `None` when it does not exist. A secret scheduled for deletion is returned
/// (its `deleted_date` is set); callers decide what that means.
pub async fn describe_secret(
    aws: &Aws,
    id: &str,
) -> Result<Option<DescribeSecretOutput>, ResourceError> {
    match aws
        .secretsmanager
        .describe_secret()
        .secret_id(id)
        .send()
        .await
        .map_err(|e| aws_error("secretsmanager:DescribeSecret", e))
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Secrets Manager tags a secret by name or ARN.
pub struct SecretsManagerTags;

impl Tagging for SecretsManagerTags {
    async fn tag(
        aws: &Aws,
        id: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        aws.secretsmanager
            .tag_resource()
            .secret_id(id)
            .set_tags(Some(tag_list(tags)))
            .send()
            .await
            .map_err(|e| aws_error("secretsmanager:TagResource", e))?;
        Ok(())
    }

    async fn untag(aws: &Aws, id: &str, keys: &[String]) -> Result<(), ResourceError> {
        aws.secretsmanager
            .untag_resource()
            .secret_id(id)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("secretsmanager:UntagResource", e))?;
        Ok(())
    }
}

/// Validates user tags against Secrets Manager's limits.
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    super::tags::check(tags, "Secrets Manager", f);
}
