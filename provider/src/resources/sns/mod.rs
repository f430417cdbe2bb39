//! SNS kinds, and what they share: topic lookup by name (CreateTopic is idempotent by name, so a create first
//! looks for a same-named topic and classifies it by its tags — see `ec2`'s module docs: only a create that never
//! finished, ownership tag *and* the create-pending marker, is adopted), tags by topic ARN, and tag rules.

pub mod topic;

use std::collections::BTreeMap;

use aws_sdk_sns::types::Tag;

pub use super::tags::{Found, PENDING_TAG, PENDING_VALUE, found, pending_tags};
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

/// Brings the tags of `arn` from `old` to `new`. When `old` holds [`PENDING_TAG`] (the `tagsAll` a partial create
/// recorded) and `new` does not, the marker goes with the stale tags.
pub async fn sync_tags(
    aws: &Aws,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ResourceError> {
    let c = super::tags::changes(old, new);
    if !c.removed.is_empty() {
        aws.sns
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(c.removed))
            .send()
            .await
            .map_err(|e| aws_error("sns:UntagResource", e))?;
    }
    if !c.changed.is_empty() {
        aws.sns
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(sns_tags(&c.changed)?))
            .send()
            .await
            .map_err(|e| aws_error("sns:TagResource", e))?;
    }
    Ok(())
}

/// The last step of a create that succeeded: removes [`PENDING_TAG`], after which no create adopts the topic.
pub async fn finish_create(aws: &Aws, arn: &str) -> Result<(), ResourceError> {
    aws.sns
        .untag_resource()
        .resource_arn(arn)
        .tag_keys(PENDING_TAG)
        .send()
        .await
        .map_err(|e| aws_error("sns:UntagResource", e))?;
    Ok(())
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
