//! SSM kinds, and what they share: tags (SSM tags a parameter by resource type and name) and tag rules.

pub mod parameter;

use std::collections::BTreeMap;

use aws_sdk_ssm::types::{ParameterMetadata, ParameterStringFilter, ResourceTypeForTagging, Tag};

use super::tags::Tagging;
use crate::aws::Aws;
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

/// SSM tags parameters by resource type and name.
pub struct SsmTags;

impl Tagging for SsmTags {
    async fn tag(
        aws: &Aws,
        name: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        aws.ssm
            .add_tags_to_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(name)
            .set_tags(Some(tag_list(tags)?))
            .send()
            .await
            .map_err(|e| aws_error("ssm:AddTagsToResource", e))?;
        Ok(())
    }

    async fn untag(aws: &Aws, name: &str, keys: &[String]) -> Result<(), ResourceError> {
        aws.ssm
            .remove_tags_from_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(name)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("ssm:RemoveTagsFromResource", e))?;
        Ok(())
    }
}

/// Validates user tags against SSM's limits.
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    super::tags::check(tags, "SSM", f);
}
