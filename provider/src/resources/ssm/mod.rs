//! SSM kinds, and what they share: tags (SSM tags a parameter by resource type and name), ownership
//! classification for adoption (see `ec2`'s module docs: only a create that never finished — ownership tag *and*
//! the create-pending marker — is adopted), tag rules, and the create's last step.

pub mod parameter;

use std::collections::BTreeMap;

use aws_sdk_ssm::types::{ParameterMetadata, ParameterStringFilter, ResourceTypeForTagging, Tag};

pub use super::tags::{Found, PENDING_TAG, PENDING_VALUE, found, pending_tags};
use crate::aws::{Aws, OWNERSHIP_TAG};
use crate::error::{ResourceError, aws_error};
use crate::resource::Failures;

/// A map of tags as SSM's tag list.
pub fn tag_list(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ResourceError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ResourceError::Internal(format!("cannot build SSM tag '{k}': {e}")))
        })
        .collect()
}

/// Every tag on parameter `name`.
pub async fn live_tags(aws: &Aws, name: &str) -> Result<BTreeMap<String, String>, ResourceError> {
    let out = aws
        .ssm
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .send()
        .await
        .map_err(|e| aws_error("ssm:ListTagsForResource", e))?;
    Ok(out
        .tag_list()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

/// The metadata of parameter `name` (never its value), `None` when it does not exist.
pub async fn describe_parameter(
    aws: &Aws,
    name: &str,
) -> Result<Option<ParameterMetadata>, ResourceError> {
    let filter = ParameterStringFilter::builder()
        .key("Name")
        .option("Equals")
        .values(name)
        .build()
        .map_err(|e| ResourceError::Internal(format!("cannot build SSM filter: {e}")))?;
    let out = aws
        .ssm
        .describe_parameters()
        .parameter_filters(filter)
        .send()
        .await
        .map_err(|e| aws_error("ssm:DescribeParameters", e))?;
    Ok(out
        .parameters()
        .iter()
        .find(|p| p.name() == Some(name))
        .cloned())
}

/// Brings the tags of parameter `name` from `old` to `new`. When `old` holds [`PENDING_TAG`] (the `tagsAll` a
/// partial create recorded) and `new` does not, the marker goes with the stale tags.
pub async fn sync_tags(
    aws: &Aws,
    name: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ResourceError> {
    let super::tags::TagChanges { removed, changed } = super::tags::changes(old, new);
    if !removed.is_empty() {
        aws.ssm
            .remove_tags_from_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(name)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| aws_error("ssm:RemoveTagsFromResource", e))?;
    }
    if !changed.is_empty() {
        aws.ssm
            .add_tags_to_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(name)
            .set_tags(Some(tag_list(&changed)?))
            .send()
            .await
            .map_err(|e| aws_error("ssm:AddTagsToResource", e))?;
    }
    Ok(())
}

/// The last step of a create that succeeded: removes [`PENDING_TAG`], after which no create adopts the parameter.
pub async fn finish_create(aws: &Aws, name: &str) -> Result<(), ResourceError> {
    aws.ssm
        .remove_tags_from_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .tag_keys(PENDING_TAG)
        .send()
        .await
        .map_err(|e| aws_error("ssm:RemoveTagsFromResource", e))?;
    Ok(())
}

/// The conflict error for a same-named parameter this provider does not own.
pub fn name_conflict(name: &str) -> ResourceError {
    ResourceError::Conflict(format!(
        "an SSM parameter named '{name}' already exists and was not created by pulumi-orderapi (no {}={} tag); \
         choose another name (environment/environmentSuffix), or delete or import that parameter",
        OWNERSHIP_TAG.0, OWNERSHIP_TAG.1
    ))
}

/// The conflict error for a same-named parameter this provider created and some Pulumi state records.
pub fn recorded_conflict(name: &str) -> ResourceError {
    ResourceError::Conflict(format!(
        "an SSM parameter named '{name}' already exists and is managed by pulumi-orderapi in some Pulumi state \
         (its create finished); parameter names are unique per region, so choose another name or suffix, or \
         replace with the `deleteBeforeReplace` option"
    ))
}

/// Validates user tags against SSM's limits.
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    super::tags::check(tags, "SSM", f);
}
