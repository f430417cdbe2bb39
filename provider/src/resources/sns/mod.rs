//! SNS kinds, and what they share: topic lookup by name (CreateTopic is idempotent by name, so a create first
//! looks for a same-named topic and classifies it with [`crate::lifecycle`]), tags by topic ARN ([`SnsTags`]), and
//! tag rules.

pub mod topic;

use std::collections::BTreeMap;

use aws_sdk_sns::types::Tag;

use super::tags::Tagging;
use crate::aws::Aws;
use crate::error::{ResourceError, aws_error};
use crate::resource::Failures;

/// The ARN of the topic named exactly `name`, or `None` (ListTopics, every page).
pub async fn find_topic(aws: &Aws, name: &str) -> Result<Option<String>, ResourceError> {
    let mut token: Option<String> = None;
    loop {
        let out = aws
            .sns
            .list_topics()
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| aws_error("sns:ListTopics", e))?;
        if let Some(arn) = out
            .topics()
            .iter()
            .filter_map(|t| t.topic_arn())
            .find(|arn| arn.rsplit(':').next() == Some(name))
        {
            return Ok(Some(arn.to_string()));
        }
        match out.next_token() {
            Some(t) if !t.is_empty() && token.as_deref() != Some(t) => token = Some(t.to_string()),
            _ => return Ok(None),
        }
    }
}

/// SNS tags from a map.
pub fn sns_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ResourceError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ResourceError::Internal(format!("building an SNS tag: {e}")))
        })
        .collect()
}

/// Every tag on the topic at `arn`.
pub async fn live_tags(aws: &Aws, arn: &str) -> Result<BTreeMap<String, String>, ResourceError> {
    let out = aws
        .sns
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| aws_error("sns:ListTagsForResource", e))?;
    Ok(out
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

/// SNS tags a topic by ARN.
pub struct SnsTags;

impl Tagging for SnsTags {
    async fn tag(
        aws: &Aws,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        aws.sns
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(sns_tags(tags)?))
            .send()
            .await
            .map_err(|e| aws_error("sns:TagResource", e))?;
        Ok(())
    }

    async fn untag(aws: &Aws, arn: &str, keys: &[String]) -> Result<(), ResourceError> {
        aws.sns
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("sns:UntagResource", e))?;
        Ok(())
    }
}

/// Validates user tags against SNS's limits (50 per topic, keys 1-128, values ≤ 256).
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    super::tags::check(tags, "SNS", f);
}

/// Whether `arn` is an ARN of `service` (`arn:<partition>:<service>:<region>:<12-digit account>:<resource>`)
/// whose resource part satisfies `resource`.
pub fn is_arn_of(arn: &str, service: &str, resource: impl Fn(&str) -> bool) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, svc, region, account, res]
        if partition.starts_with("aws")
            && *svc == service
            && !region.is_empty()
            && account.len() == 12
            && account.chars().all(|c| c.is_ascii_digit())
            && !res.is_empty()
            && resource(res))
}
