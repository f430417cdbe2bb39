//! CloudWatch kinds (metric alarms and dashboards), and what they share: tags by ARN (alarms, [`CloudWatchTags`];
//! adoption follows [`crate::lifecycle`]), ARN and name rules.
//!
//! Dashboards cannot carry tags: their identity is their content (see `dashboard`'s module docs).

pub mod dashboard;
pub mod metric_alarm;

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::Tag;

use super::tags::Tagging;
use crate::aws::Aws;
use crate::error::{ResourceError, aws_error};
use crate::resource::Failures;

/// CloudWatch tags from a map.
pub fn cw_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Every tag on the CloudWatch resource at `arn`.
pub async fn live_tags(aws: &Aws, arn: &str) -> Result<BTreeMap<String, String>, ResourceError> {
    let out = aws
        .cloudwatch
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| aws_error("cloudwatch:ListTagsForResource", e))?;
    Ok(out
        .tags()
        .iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect())
}

/// CloudWatch tags an alarm by ARN.
pub struct CloudWatchTags;

impl Tagging for CloudWatchTags {
    async fn tag(
        aws: &Aws,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        aws.cloudwatch
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(cw_tags(tags)))
            .send()
            .await
            .map_err(|e| aws_error("cloudwatch:TagResource", e))?;
        Ok(())
    }

    async fn untag(aws: &Aws, arn: &str, keys: &[String]) -> Result<(), ResourceError> {
        aws.cloudwatch
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("cloudwatch:UntagResource", e))?;
        Ok(())
    }
}

/// Validates user tags against CloudWatch's limits (50 per resource, keys 1-128, values ≤ 256).
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    super::tags::check(tags, "CloudWatch", f);
}

/// Whether `arn` looks like an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`.
pub fn is_arn(arn: &str) -> bool {
    arn.parse::<crate::arn::Arn>().is_ok()
}

/// Whether `period` (seconds) is one CloudWatch accepts: 10, 20, 30 or a multiple of 60.
pub fn is_valid_period(period: i32) -> bool {
    matches!(period, 10 | 20 | 30) || (period >= 60 && period % 60 == 0)
}
