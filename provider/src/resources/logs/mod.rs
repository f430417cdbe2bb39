//! CloudWatch Logs kinds, and what they share: log group lookups, tags (by log group ARN, without the `:*`
//! suffix DescribeLogGroups adds to `arn`, [`LogsTags`]) and name rules.

pub mod log_group;
pub mod metric_filter;

pub use crate::arn::is_kms_key_arn;
use std::collections::BTreeMap;

use aws_sdk_cloudwatchlogs::types::LogGroup;

use super::tags::Tagging;
use crate::aws::Aws;
use crate::error::{ResourceError, aws_error};
use crate::resource::Failures;

/// The log group named exactly `name`, or `None`.
pub async fn describe_log_group(aws: &Aws, name: &str) -> Result<Option<LogGroup>, ResourceError> {
    let mut token: Option<String> = None;
    loop {
        let out = aws
            .logs
            .describe_log_groups()
            .log_group_name_prefix(name)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| aws_error("logs:DescribeLogGroups", e))?;
        if let Some(g) = out
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))
        {
            return Ok(Some(g.clone()));
        }
        match out.next_token() {
            Some(t) if !t.is_empty() && token.as_deref() != Some(t) => token = Some(t.to_string()),
            _ => return Ok(None),
        }
    }
}

/// The ARN the tagging APIs take: `logGroupArn`, or `arn` without its `:*` suffix.
pub fn tagging_arn(group: &LogGroup) -> String {
    group
        .log_group_arn()
        .map(str::to_string)
        .or_else(|| group.arn().map(|a| a.trim_end_matches(":*").to_string()))
        .unwrap_or_default()
}

/// Every tag on the log group at `arn`.
pub async fn live_tags(aws: &Aws, arn: &str) -> Result<BTreeMap<String, String>, ResourceError> {
    let out = aws
        .logs
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| aws_error("logs:ListTagsForResource", e))?;
    Ok(out
        .tags()
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default())
}

/// CloudWatch Logs tags a log group by its ARN (without `:*`).
pub struct LogsTags;

impl Tagging for LogsTags {
    async fn tag(
        aws: &Aws,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        aws.logs
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| aws_error("logs:TagResource", e))?;
        Ok(())
    }

    async fn untag(aws: &Aws, arn: &str, keys: &[String]) -> Result<(), ResourceError> {
        aws.logs
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("logs:UntagResource", e))?;
        Ok(())
    }
}

/// Whether `c` may appear in a log group name (`[\.\-_/#A-Za-z0-9]`).
pub fn is_log_group_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | '#')
}

/// Validates a log group name under `property`: 1-512 characters of `a-zA-Z0-9._-/#`, not starting with `aws/`
/// (reserved for AWS services).
pub fn check_log_group_name(property: &str, name: &str, f: &mut Failures) {
    f.require(
        (1..=512).contains(&name.len()),
        property,
        "must be 1-512 characters",
    );
    f.require(
        name.chars().all(is_log_group_char),
        property,
        format!("'{name}' may only contain letters, digits, '.', '-', '_', '/' and '#'"),
    );
    f.require(
        !name.starts_with("aws/"),
        property,
        "names starting with aws/ are reserved for AWS services",
    );
}

/// Validates user tags against CloudWatch Logs' limits.
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    super::tags::check(tags, "CloudWatch Logs", f);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_group_names() {
        let mut f = Failures::default();
        check_log_group_name("name", "/ecs/orders-api#1.x_y", &mut f);
        assert!(f.finish(()).is_ok());
        for bad in ["", "has space", "aws/lambda/x", "colon:x"] {
            let mut f = Failures::default();
            check_log_group_name("name", bad, &mut f);
            assert!(f.finish(()).is_err(), "{bad}");
        }
    }
}
