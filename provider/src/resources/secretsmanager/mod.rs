//! Secrets Manager kinds, and what they share: tags (by secret id), ownership classification for adoption (see
//! `ec2`'s module docs: only a create that never finished — ownership tag *and* the create-pending marker — is
//! adopted), tag rules, and the create's last step.

pub mod secret;

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::types::Tag;

pub use super::tags::{Found, PENDING_TAG, PENDING_VALUE, found, pending_tags};
use crate::aws::{Aws, OWNERSHIP_TAG};
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

/// Brings the tags of secret `id` from `old` to `new`. When `old` holds [`PENDING_TAG`] (the `tagsAll` a partial
/// create recorded) and `new` does not, the marker goes with the stale tags.
pub async fn sync_tags(
    aws: &Aws,
    id: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ResourceError> {
    let super::tags::TagChanges { removed, changed } = super::tags::changes(old, new);
    if !removed.is_empty() {
        aws.secretsmanager
            .untag_resource()
            .secret_id(id)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| aws_error("secretsmanager:UntagResource", e))?;
    }
    if !changed.is_empty() {
        aws.secretsmanager
            .tag_resource()
            .secret_id(id)
            .set_tags(Some(tag_list(&changed)))
            .send()
            .await
            .map_err(|e| aws_error("secretsmanager:TagResource", e))?;
    }
    Ok(())
}

/// The last step of a create that succeeded: removes [`PENDING_TAG`], after which no create adopts the secret.
pub async fn finish_create(aws: &Aws, id: &str) -> Result<(), ResourceError> {
    aws.secretsmanager
        .untag_resource()
        .secret_id(id)
        .tag_keys(PENDING_TAG)
        .send()
        .await
        .map_err(|e| aws_error("secretsmanager:UntagResource", e))?;
    Ok(())
}

/// The conflict error for a same-named secret this provider does not own.
pub fn name_conflict(name: &str) -> ResourceError {
    ResourceError::Conflict(format!(
        "a secret named '{name}' already exists and was not created by pulumi-orderapi (no {}={} tag); choose \
         another name (environment/environmentSuffix), or delete or import that secret",
        OWNERSHIP_TAG.0, OWNERSHIP_TAG.1
    ))
}

/// The conflict error for a same-named secret this provider created and some Pulumi state records.
pub fn recorded_conflict(name: &str) -> ResourceError {
    ResourceError::Conflict(format!(
        "a secret named '{name}' already exists and is managed by pulumi-orderapi in some Pulumi state (its create \
         finished); secret names are unique per region, so choose another name or suffix, or replace with the \
         `deleteBeforeReplace` option"
    ))
}

/// Validates user tags against Secrets Manager's limits.
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    super::tags::check(tags, "Secrets Manager", f);
}
