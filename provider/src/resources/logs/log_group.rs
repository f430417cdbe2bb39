//! `orderapi:logs:LogGroup` — a CloudWatch Logs log group with validated retention and an optional KMS key.
//! Names are unique per region: a create that finds the group it is about to make adopts it only when it is the
//! orphan of an interrupted create of this resource (see [`crate::lifecycle`]).

use std::collections::BTreeMap;

use aws_sdk_cloudwatchlogs::types::LogGroup as AwsLogGroup;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    LogsTags, check_log_group_name, check_tags, describe_log_group, is_kms_key_arn,
    is_log_group_char, live_tags, tagging_arn,
};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, delete_and_wait};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures};
use crate::resources::tags;

/// The retention periods (days) CloudWatch Logs accepts.
pub const RETENTION_DAYS: &[i32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Inputs of a log group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogGroupInputs {
    /// Log group name (1-512 characters of `a-zA-Z0-9._-/#`, not starting with `aws/`), e.g. `/ecs/orders-api`.
    /// Defaults to the resource name plus a random suffix. Changing it replaces the log group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How many days events are kept: one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
    /// 1827, 2192, 2557, 2922, 3288, 3653. Absent = never expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<i32>,
    /// ARN of a KMS key that encrypts the log data (its key policy must allow the `logs.<region>.amazonaws.com`
    /// principal). Associated and disassociated in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a log group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogGroupOutputs {
    /// The log group's ARN (without the `:*` suffix).
    pub arn: String,
    /// Every tag on the log group, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct LogGroup;

impl LogGroup {
    async fn set_retention(
        ctx: &Context,
        name: &str,
        days: Option<i32>,
    ) -> Result<(), ResourceError> {
        match days {
            Some(days) => {
                ctx.aws
                    .logs
                    .put_retention_policy()
                    .log_group_name(name)
                    .retention_in_days(days)
                    .send()
                    .await
                    .map_err(|e| aws_error("logs:PutRetentionPolicy", e))?;
            }
            None => {
                ctx.aws
                    .logs
                    .delete_retention_policy()
                    .log_group_name(name)
                    .send()
                    .await
                    .map_err(|e| aws_error("logs:DeleteRetentionPolicy", e))?;
            }
        }
        Ok(())
    }

    async fn set_kms_key(
        ctx: &Context,
        name: &str,
        key: Option<&str>,
    ) -> Result<(), ResourceError> {
        match key {
            Some(key) => {
                ctx.aws
                    .logs
                    .associate_kms_key()
                    .log_group_name(name)
                    .kms_key_id(key)
                    .send()
                    .await
                    .map_err(|e| aws_error("logs:AssociateKmsKey", e))?;
            }
            None => {
                ctx.aws
                    .logs
                    .disassociate_kms_key()
                    .log_group_name(name)
                    .send()
                    .await
                    .map_err(|e| aws_error("logs:DisassociateKmsKey", e))?;
            }
        }
        Ok(())
    }

    /// Brings an adopted log group's retention and KMS key in line with `inputs`.
    async fn align(
        ctx: &Context,
        live: &AwsLogGroup,
        inputs: &LogGroupInputs,
    ) -> Result<(), ResourceError> {
        let name = live.log_group_name().unwrap_or_default();
        if live.retention_in_days() != inputs.retention_in_days {
            Self::set_retention(ctx, name, inputs.retention_in_days).await?;
        }
        if live.kms_key_id() != inputs.kms_key_id.as_deref() {
            Self::set_kms_key(ctx, name, inputs.kms_key_id.as_deref()).await?;
        }
        Ok(())
    }
}

/// A log group name for a logical name: characters CloudWatch Logs does not accept become `-`.
fn sanitize_name(raw: &str) -> String {
    let s: String = raw
        .chars()
        .map(|c| if is_log_group_char(c) { c } else { '-' })
        .collect();
    match s.strip_prefix("aws/") {
        Some(rest) => format!("aws-{rest}"),
        None => s,
    }
}

impl CustomResource for LogGroup {
    const TOKEN: &'static str = "orderapi:logs:LogGroup";
    const DESCRIPTION: &'static str = "A CloudWatch Logs log group with a validated retention period and an \
        optional KMS key, tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name"];
    /// Log group names are unique per region; a replacement (e.g. `pulumi up --replace`) keeps the name.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["name"];
    type Inputs = LogGroupInputs;
    type Outputs = LogGroupOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: LogGroupInputs,
    ) -> Result<LogGroupInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        let name = inputs
            .name
            .get_or_insert_with(|| sanitize_name(&ctx.autoname(128)));
        check_log_group_name("name", name, &mut f);
        if let Some(days) = inputs.retention_in_days {
            f.require(
                RETENTION_DAYS.contains(&days),
                "retentionInDays",
                format!(
                    "{days} is not a retention CloudWatch Logs accepts; use one of {RETENTION_DAYS:?} (or leave it \
                     out to never expire)"
                ),
            );
        }
        if let Some(key) = &inputs.kms_key_id {
            f.require(
                is_kms_key_arn(key),
                "kmsKeyId",
                format!(
                    "'{key}' is not a KMS key ARN such as \
                     arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                ),
            );
        }
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &LogGroupInputs,
    ) -> Result<(String, LogGroupOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = ctx.tags(inputs.tags.as_ref());
        let adopted = create_once(
            ctx,
            &format!("log group {name}"),
            || async {
                let Some(group) = describe_log_group(&ctx.aws, &name).await? else {
                    return Ok(None);
                };
                let live = live_tags(&ctx.aws, &tagging_arn(&group)).await?;
                match ctx.found(&name, &live) {
                    Found::Orphan => {
                        ctx.adopting("log group", &name);
                        Ok(Some(Some((group, live))))
                    }
                    other => Err(conflict(&format!("a log group named '{name}'"), &other)),
                }
            },
            || async {
                ctx.aws
                    .logs
                    .create_log_group()
                    .log_group_name(&name)
                    .set_kms_key_id(inputs.kms_key_id.clone())
                    .set_tags(Some(tags.clone().into_iter().collect()))
                    .customize()
                    .config_override(no_retry!(aws_sdk_cloudwatchlogs))
                    .send()
                    .await
                    .map_err(|e| aws_error("logs:CreateLogGroup", e))?;
                Ok(None)
            },
        )
        .await?
        .into_inner();
        let mut outputs = LogGroupOutputs {
            arn: String::new(),
            tags_all: tags.clone(),
        };
        let group = match &adopted {
            Some((group, _)) => group.clone(),
            None => describe_log_group(&ctx.aws, &name)
                .await
                .map_err(|e| e.partial(&name, &outputs))?
                .ok_or_else(|| {
                    ResourceError::Internal(format!(
                        "log group {name} is not listed right after its creation"
                    ))
                    .partial(&name, &outputs)
                })?,
        };
        outputs.arn = tagging_arn(&group);
        let steps = async {
            match &adopted {
                Some((live, live_tag_map)) => {
                    // An adopted group may hold stale settings and tags: bring them in line.
                    Self::align(ctx, live, inputs).await?;
                    tags::sync::<LogsTags>(&ctx.aws, &outputs.arn, live_tag_map, &tags).await?;
                }
                None => {
                    if inputs.retention_in_days.is_some() {
                        Self::set_retention(ctx, &name, inputs.retention_in_days).await?;
                    }
                }
            }
            Ok::<(), ResourceError>(())
        };
        steps.await.map_err(|e| e.partial(&name, &outputs))?;
        Ok((name, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&LogGroupInputs>,
    ) -> Result<Option<(LogGroupInputs, LogGroupOutputs)>, ResourceError> {
        let Some(group) = describe_log_group(&ctx.aws, id).await? else {
            return Ok(None);
        };
        let arn = tagging_arn(&group);
        let all = match live_tags(&ctx.aws, &arn).await {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let prior_tags = prior.and_then(|p| p.tags.as_ref());
        let (name_tag, mut own, tags_all) = tags::split(&ctx.aws, all, prior_tags);
        // `Name` is an ordinary tag here (tags::split treats it as EC2's physical name).
        if let Some(n) = name_tag
            && (prior_tags.is_some_and(|p| p.contains_key("Name"))
                || ctx.aws.default_tags.get("Name") != Some(&n))
        {
            own.get_or_insert_with(BTreeMap::new)
                .insert("Name".into(), n);
        }
        let inputs = LogGroupInputs {
            name: Some(id.to_string()),
            retention_in_days: group.retention_in_days(),
            kms_key_id: group.kms_key_id().map(str::to_string),
            tags: own,
        };
        Ok(Some((inputs, LogGroupOutputs { arn, tags_all })))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &LogGroupInputs,
        old_outputs: &LogGroupOutputs,
        new: &LogGroupInputs,
    ) -> Result<LogGroupOutputs, ResourceError> {
        if old.retention_in_days != new.retention_in_days {
            Self::set_retention(ctx, id, new.retention_in_days).await?;
        }
        if old.kms_key_id != new.kms_key_id {
            Self::set_kms_key(ctx, id, new.kms_key_id.as_deref()).await?;
        }
        let tags = ctx.tags(new.tags.as_ref());
        tags::sync::<LogsTags>(&ctx.aws, &old_outputs.arn, &old_outputs.tags_all, &tags).await?;
        Ok(LogGroupOutputs {
            tags_all: tags,
            ..old_outputs.clone()
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &LogGroupInputs,
        _: &LogGroupOutputs,
    ) -> Result<(), ResourceError> {
        // OperationAbortedException: another operation on the group (e.g. a metric filter change) is in flight.
        delete_and_wait(
            ctx,
            &format!("log group {id}"),
            || async {
                ctx.aws
                    .logs
                    .delete_log_group()
                    .log_group_name(id)
                    .send()
                    .await
                    .map_err(|e| aws_error("logs:DeleteLogGroup", e))
            },
            || async { Ok(describe_log_group(&ctx.aws, id).await?.is_some()) },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autonames_are_valid_log_group_names() {
        let ctx = CheckContext {
            name: "aws/Orders API:x".into(),
            random_seed: vec![1, 2, 3, 4],
            prior_name: None,
        };
        let checked = LogGroup::check(
            &ctx,
            LogGroupInputs {
                name: None,
                retention_in_days: None,
                kms_key_id: None,
                tags: None,
            },
        )
        .expect("valid");
        assert_eq!(checked.name.as_deref(), Some("aws-Orders-API-x-0102030"));
    }
}
