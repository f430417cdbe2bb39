//! CloudWatch kinds (metric alarms and dashboards), and what they share: tags by ARN (alarms; see `ec2`'s module
//! docs for adoption: only a create that never finished — ownership tag *and* the create-pending marker — is
//! adopted), ARN and name rules.
//!
//! Dashboards are not tagged by this provider, so they carry no create-pending marker. A dashboard's create is a
//! single PutDashboard call (nothing follows it that could fail half-way), so there is no unfinished create to
//! adopt: a create that finds a same-named dashboard is always a conflict, since it cannot tell a dashboard of
//! another stack (or of someone else) from one of ours.

pub mod dashboard;
pub mod metric_alarm;

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::Tag;

pub use super::tags::{Found, PENDING_TAG, PENDING_VALUE, found, pending_tags};
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
        aws.cloudwatch
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(c.removed))
            .send()
            .await
            .map_err(|e| aws_error("cloudwatch:UntagResource", e))?;
    }
    if !c.changed.is_empty() {
        aws.cloudwatch
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(cw_tags(&c.changed)))
            .send()
            .await
            .map_err(|e| aws_error("cloudwatch:TagResource", e))?;
    }
    Ok(())
}

/// The last step of a create that succeeded: removes [`PENDING_TAG`], after which no create adopts the resource.
pub async fn finish_create(aws: &Aws, arn: &str) -> Result<(), ResourceError> {
    aws.cloudwatch
        .untag_resource()
        .resource_arn(arn)
        .tag_keys(PENDING_TAG)
        .send()
        .await
        .map_err(|e| aws_error("cloudwatch:UntagResource", e))?;
    Ok(())
}

/// Validates user tags against CloudWatch's limits (50 per resource, keys 1-128, values ≤ 256).
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    super::tags::check(tags, "CloudWatch", f);
}

/// Whether `arn` looks like an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>` with a non-empty
/// partition, service and resource.
pub fn is_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, service, _, _, resource]
        if partition.starts_with("aws") && !service.is_empty() && !resource.is_empty())
}

/// Whether `period` (seconds) is one CloudWatch accepts: 10, 20, 30 or a multiple of 60.
pub fn is_valid_period(period: i32) -> bool {
    matches!(period, 10 | 20 | 30) || (period >= 60 && period % 60 == 0)
}
