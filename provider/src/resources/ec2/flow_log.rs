//! `orderapi:ec2:FlowLog` — a VPC flow log: the IP traffic of a VPC, a subnet or a network interface, delivered to
//! a CloudWatch Logs log group through an IAM role.
//!
//! EC2 changes nothing of a flow log in place but its tags (and so its `name`): every other input replaces it.
//! A replacement is created before the old flow log is deleted when it logs another resource or to another log
//! group (`UNIQUE_BY`: nothing is lost while both exist, at the price of a few duplicate records); when both stay
//! the same the old one is deleted first, because EC2 refuses a second flow log "with the same configuration and
//! log destination" (`FlowLogAlreadyExists`) without documenting which settings that comparison covers, and moto
//! refuses any second flow log of the same resource and log group. Such a replacement leaves the seconds between
//! the delete and the create unlogged.
//!
//! Flow log names are only tags: a create looks for this resource's flow log by identity (see the `ec2` module
//! docs) and sends CreateFlowLogs with the SDK's retry off and a per-deployment client token
//! ([`Context::client_token`]) inside `create_once`, so neither a lost answer nor a retry makes a second one.
//! EC2 reports per-resource failures of CreateFlowLogs and DeleteFlowLogs in the answer's `Unsuccessful` list
//! rather than as an error: both are turned into errors here.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{
    Filter, FlowLog as LiveFlowLog, FlowLogsResourceType, LogDestinationType, ResourceType,
    TrafficType, UnsuccessfulItem,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Ec2Tags, all_tags, check_name, check_tags, filter, identity_filter, is_recorded, name_clash,
    name_filter, split_tags, tag_map, tag_spec,
};
use crate::arn::Arn;
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, delete_retrying_plain};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::ecs::is_role_arn;
use crate::resources::logs::check_log_group_name;
use crate::resources::tags;

/// The record format EC2 uses when none is given (version 2 fields).
pub const DEFAULT_LOG_FORMAT: &str = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} \
    ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";
/// `resourceType` values and the ID prefix of each.
const RESOURCE_TYPES: [(&str, &str); 3] = [
    ("VPC", "vpc-"),
    ("Subnet", "subnet-"),
    ("NetworkInterface", "eni-"),
];
const TRAFFIC_TYPES: [&str; 3] = ["ALL", "ACCEPT", "REJECT"];
const DEFAULT_INTERVAL: i32 = 600;
/// The error code of a flow log EC2 refuses as a duplicate.
const ALREADY_EXISTS: &str = "FlowLogAlreadyExists";

/// Inputs of a VPC flow log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowLogInputs {
    /// Physical name, set as the `Name` tag (defaults to the resource name plus a random suffix). Changed in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What is logged: a VPC (`vpc-…`), a subnet (`subnet-…`) or a network interface (`eni-…`), as `resourceType`
    /// says. Changing it replaces the flow log (the new one is created first).
    pub resource_id: String,
    /// `VPC` (default), `Subnet` or `NetworkInterface`: what `resourceId` is. Changing it replaces the flow log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// `ALL` (default), `ACCEPT` or `REJECT`: which traffic is logged. Changing it replaces the flow log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_type: Option<String>,
    /// The CloudWatch Logs log group the records go to (e.g. an `orderapi:logs:LogGroup`'s name); EC2 writes one
    /// log stream per network interface. Changing it replaces the flow log (the new one is created first).
    pub log_group_name: String,
    /// The IAM role EC2 delivers the records with (`arn:<partition>:iam::<account>:role/…`): it must trust
    /// `vpc-flow-logs.amazonaws.com` and allow `logs:CreateLogStream`, `logs:PutLogEvents`,
    /// `logs:DescribeLogGroups` and `logs:DescribeLogStreams` on the log group. Changing it replaces the flow log.
    pub deliver_logs_permission_arn: String,
    /// The longest time, in seconds, a flow is aggregated into one record: 60 or 600 (default). Changing it
    /// replaces the flow log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_aggregation_interval: Option<i32>,
    /// A custom record format: `${field}` tokens separated by single spaces, each field once (e.g. `${version}
    /// ${vpc-id} ${srcaddr} ${dstaddr} ${action}`). Absent: AWS's default format. Changing it replaces the flow
    /// log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag. Changed in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a VPC flow log.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowLogOutputs {
    /// The flow log's ID (`fl-…`), which is also the resource's ID.
    pub flow_log_id: String,
    /// The flow log's ARN (`arn:<partition>:ec2:<region>:<account>:vpc-flow-log/<id>`; the account is the
    /// delivery role's, which EC2 only accepts from the flow log's own account).
    pub arn: String,
    /// Every tag on the flow log, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct FlowLog;

/// Why `format` is not a flow log record format, if it is not: `${field}` tokens (lowercase letters, digits and
/// hyphens) separated by single spaces, each field once.
pub fn log_format_problem(format: &str) -> Option<String> {
    let mut seen = BTreeSet::new();
    for token in format.split(' ') {
        let field = token
            .strip_prefix("${")
            .and_then(|t| t.strip_suffix('}'))
            .filter(|f| {
                !f.is_empty()
                    && f.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            });
        match field {
            None if token.is_empty() => {
                return Some(
                    "must be ${field} tokens separated by single spaces (an empty token: a leading, trailing or \
                     double space, or an empty format; leave logFormat out for AWS's default)"
                        .to_string(),
                );
            }
            None => {
                return Some(format!(
                    "'{token}' is not a ${{field}} token: the format is ${{field}} tokens separated by single \
                     spaces, e.g. ${{version}} ${{srcaddr}} ${{dstaddr}} ${{action}}"
                ));
            }
            Some(f) if !seen.insert(f) => return Some(format!("'{token}' appears twice")),
            Some(_) => {}
        }
    }
    None
}

/// The `resourceType` an ID's prefix says (`vpc-` → `VPC`), for reads: DescribeFlowLogs does not return it.
fn resource_type_of(id: &str) -> Option<&'static str> {
    RESOURCE_TYPES
        .iter()
        .find(|(_, prefix)| id.starts_with(prefix))
        .map(|(kind, _)| *kind)
}

/// The account of the delivery role (see [`FlowLogOutputs::arn`]).
fn account_of(role: &str) -> String {
    Arn::of_service(role, "iam")
        .map(|a| a.account)
        .unwrap_or_default()
}

/// A per-resource failure EC2 listed in an answer's `Unsuccessful` list, as an error of `operation`.
fn unsuccessful(operation: &'static str, item: &UnsuccessfulItem) -> ResourceError {
    let code = item
        .error()
        .and_then(|e| e.code())
        .unwrap_or("Unsuccessful")
        .to_string();
    let detail = item
        .error()
        .and_then(|e| e.message())
        .unwrap_or("no reason given");
    let message = match item.resource_id() {
        Some(id) => format!("{id}: {detail}"),
        None => detail.to_string(),
    };
    let lower = message.to_ascii_lowercase();
    let hint = (lower.contains("role") || lower.contains("permission") || lower.contains("access")).then(|| {
        "deliverLogsPermissionArn must name a role that trusts vpc-flow-logs.amazonaws.com and may \
         logs:CreateLogStream, logs:PutLogEvents, logs:DescribeLogGroups and logs:DescribeLogStreams on the log group"
            .to_string()
    });
    ResourceError::Aws {
        operation,
        code,
        message,
        hint,
    }
}

impl FlowLog {
    /// Every flow log `filters` select (all pages).
    async fn describe_by(
        ctx: &Context,
        filters: Vec<Filter>,
    ) -> Result<Vec<LiveFlowLog>, ResourceError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = ctx
                .aws
                .ec2
                .describe_flow_logs()
                .set_filter(Some(filters.clone()))
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| aws_error("ec2:DescribeFlowLogs", e))?;
            out.extend(page.flow_logs().iter().cloned());
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => return Ok(out),
            }
        }
    }

    /// The live flow log `id`, or `None` when EC2 no longer knows it (DescribeFlowLogs answers an unknown ID with
    /// an empty list).
    async fn describe(ctx: &Context, id: &str) -> Result<Option<LiveFlowLog>, ResourceError> {
        match ctx
            .aws
            .ec2
            .describe_flow_logs()
            .flow_log_ids(id)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .flow_logs()
                .iter()
                .find(|f| f.flow_log_id() == Some(id))
                .cloned()),
            Err(e) => {
                let e = aws_error("ec2:DescribeFlowLogs", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    /// Whether the live flow log has every replace-forcing input of `inputs` (so it may stand for them).
    fn matches(fl: &LiveFlowLog, inputs: &FlowLogInputs) -> bool {
        fl.resource_id() == Some(inputs.resource_id.as_str())
            && fl.log_group_name() == Some(inputs.log_group_name.as_str())
            && fl.deliver_logs_permission_arn() == Some(inputs.deliver_logs_permission_arn.as_str())
            && fl.traffic_type().map(TrafficType::as_str) == inputs.traffic_type.as_deref()
            && fl.max_aggregation_interval().unwrap_or(DEFAULT_INTERVAL)
                == inputs.max_aggregation_interval.unwrap_or(DEFAULT_INTERVAL)
            && fl.log_format().unwrap_or(DEFAULT_LOG_FORMAT)
                == inputs.log_format.as_deref().unwrap_or(DEFAULT_LOG_FORMAT)
            && fl
                .log_destination_type()
                .is_none_or(|d| *d == LogDestinationType::CloudWatchLogs)
    }

    fn outputs(
        ctx: &Context,
        id: &str,
        role: &str,
        tags_all: BTreeMap<String, String>,
    ) -> FlowLogOutputs {
        FlowLogOutputs {
            flow_log_id: id.to_string(),
            arn: ctx
                .aws
                .arn("ec2", &account_of(role), &format!("vpc-flow-log/{id}")),
            tags_all,
        }
    }

    /// Warns when EC2 says it cannot deliver the records (a missing log group, a role it cannot use).
    fn warn_if_failing(ctx: &Context, fl: &LiveFlowLog) {
        if fl.deliver_logs_status() == Some("FAILED") {
            ctx.warn(format!(
                "flow log {} cannot deliver its records to log group '{}' ({}): the log group must exist and the \
                 role {} must trust vpc-flow-logs.amazonaws.com and allow logs:CreateLogStream, logs:PutLogEvents, \
                 logs:DescribeLogGroups and logs:DescribeLogStreams on it",
                fl.flow_log_id().unwrap_or_default(),
                fl.log_group_name().unwrap_or_default(),
                fl.deliver_logs_error_message().unwrap_or("no reason given"),
                fl.deliver_logs_permission_arn().unwrap_or_default(),
            ));
        }
    }

    /// The flow log to adopt: one made for this resource (its identity) that the engine does not record, with
    /// the declared settings. One the engine records (a create-first replacement's predecessor) is left alone;
    /// a leftover with other settings (an interrupted create of an earlier declaration) cannot stand for this
    /// one and is reported. A same-named flow log that is not this resource's is a conflict.
    async fn find_existing(
        ctx: &Context,
        name: &str,
        inputs: &FlowLogInputs,
    ) -> Result<Option<LiveFlowLog>, ResourceError> {
        for fl in Self::describe_by(ctx, vec![identity_filter(ctx)]).await? {
            let id = fl.flow_log_id().unwrap_or_default();
            if ctx.found(id, &tag_map(fl.tags())) != Found::Orphan {
                continue;
            }
            if Self::matches(&fl, inputs) {
                ctx.adopting("flow log", id);
                return Ok(Some(fl));
            }
            ctx.warn(format!(
                "flow log {id} ({} to log group '{}') is the leftover of an interrupted create of this resource with \
                 other settings; it is not adopted and keeps logging: delete it (aws ec2 delete-flow-logs \
                 --flow-log-ids {id})",
                fl.resource_id().unwrap_or_default(),
                fl.log_group_name().unwrap_or_default()
            ));
        }
        // Tag filters are applied by EC2; the name is checked here too.
        for fl in Self::describe_by(ctx, vec![name_filter(name)]).await? {
            let live = tag_map(fl.tags());
            if live.get("Name").map(String::as_str) != Some(name) {
                continue;
            }
            let id = fl.flow_log_id().unwrap_or_default();
            if let Some(found) = name_clash(ctx, id, &live) {
                return Err(conflict(
                    &format!("a flow log named '{name}' ({id})"),
                    &found,
                ));
            }
        }
        Ok(None)
    }

    /// Explains EC2's `FlowLogAlreadyExists` by the flow log in the way (same resource and log group). An orphan
    /// of this resource with the declared settings keeps the error as it is: `create_once` looks again and adopts
    /// it.
    async fn explain_duplicate(
        ctx: &Context,
        inputs: &FlowLogInputs,
        err: ResourceError,
    ) -> ResourceError {
        let found = Self::describe_by(
            ctx,
            vec![
                filter("resource-id", &inputs.resource_id),
                filter("log-group-name", &inputs.log_group_name),
            ],
        )
        .await;
        let Ok(found) = found else { return err };
        let what = |id: &str| {
            format!(
                "a flow log of {} to log group '{}' ({id})",
                inputs.resource_id, inputs.log_group_name
            )
        };
        for fl in &found {
            if fl.resource_id() != Some(inputs.resource_id.as_str())
                || fl.log_group_name() != Some(inputs.log_group_name.as_str())
            {
                continue;
            }
            let id = fl.flow_log_id().unwrap_or_default();
            return match ctx.found(id, &tag_map(fl.tags())) {
                Found::Orphan if Self::matches(fl, inputs) => err,
                Found::Orphan => ResourceError::Conflict(format!(
                    "{} is the leftover of an interrupted create of this resource with other settings, and EC2 \
                     refuses a second one ({ALREADY_EXISTS}); delete it (aws ec2 delete-flow-logs --flow-log-ids \
                     {id}) and run `pulumi up` again",
                    what(id)
                )),
                Found::Recorded => ResourceError::Conflict(format!(
                    "{} is the flow log this resource replaces, and EC2 refuses a second flow log of the same \
                     resource and log group ({ALREADY_EXISTS}); replace it with deleteBeforeReplace, or log to \
                     another log group",
                    what(id)
                )),
                other => conflict(&what(id), &other),
            };
        }
        err
    }

    /// One CreateFlowLogs call (SDK retry off, per-deployment client token), its `Unsuccessful` list as an error.
    async fn create_call(
        ctx: &Context,
        inputs: &FlowLogInputs,
        tags: &BTreeMap<String, String>,
    ) -> Result<String, ResourceError> {
        let answer = ctx
            .aws
            .ec2
            .create_flow_logs()
            .resource_type(FlowLogsResourceType::from(
                inputs.resource_type.as_deref().unwrap_or("VPC"),
            ))
            .resource_ids(&inputs.resource_id)
            .traffic_type(TrafficType::from(
                inputs.traffic_type.as_deref().unwrap_or("ALL"),
            ))
            .log_destination_type(LogDestinationType::CloudWatchLogs)
            .log_group_name(&inputs.log_group_name)
            .deliver_logs_permission_arn(&inputs.deliver_logs_permission_arn)
            .max_aggregation_interval(inputs.max_aggregation_interval.unwrap_or(DEFAULT_INTERVAL))
            .set_log_format(inputs.log_format.clone())
            .client_token(ctx.client_token(inputs, 64))
            .tag_specifications(tag_spec(ResourceType::VpcFlowLog, tags))
            .customize()
            .config_override(no_retry!(aws_sdk_ec2))
            .send()
            .await
            .map_err(|e| aws_error("ec2:CreateFlowLogs", e))
            .and_then(|out| match out.unsuccessful().first() {
                Some(item) => Err(unsuccessful("ec2:CreateFlowLogs", item)),
                None => Ok(out),
            });
        let out = match answer {
            Ok(out) => out,
            Err(e) if e.code() == Some(ALREADY_EXISTS) => {
                return Err(Self::explain_duplicate(ctx, inputs, e).await);
            }
            Err(e) => return Err(e),
        };
        let id = out.flow_log_ids().first().cloned().ok_or_else(|| {
            ResourceError::Internal(format!(
                "ec2:CreateFlowLogs for {} returned neither a flow log ID nor a failure",
                inputs.resource_id
            ))
        })?;
        // A token EC2 still remembers from an earlier create of this deployment answers with that flow log.
        if is_recorded(ctx, &id) {
            return Err(ResourceError::Conflict(format!(
                "ec2:CreateFlowLogs answered with flow log {id}, the one the engine records for this resource; run \
                 `pulumi up` again (a new deployment uses a new client token)"
            )));
        }
        Ok(id)
    }
}

impl CustomResource for FlowLog {
    const TOKEN: &'static str = "orderapi:ec2:FlowLog";
    const DESCRIPTION: &'static str = "A VPC flow log of a VPC, subnet or network interface, delivered to a \
        CloudWatch Logs log group through an IAM role, tagged and owned by this provider. Only its tags change in \
        place.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &[
        "resourceId",
        "resourceType",
        "trafficType",
        "logGroupName",
        "deliverLogsPermissionArn",
        "maxAggregationInterval",
        "logFormat",
    ];
    /// EC2 refuses a duplicate flow log (see the module docs): a replacement that logs the same resource to the
    /// same log group goes after the old one is deleted...
    const DELETE_BEFORE_REPLACE: bool = true;
    /// ...and one that changes either is created first.
    const UNIQUE_BY: &'static [&'static str] = &["resourceId", "logGroupName"];
    type Inputs = FlowLogInputs;
    type Outputs = FlowLogOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: FlowLogInputs,
    ) -> Result<FlowLogInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_name(ctx, &mut inputs.name, &mut f);
        let kind = inputs
            .resource_type
            .get_or_insert_with(|| "VPC".to_string())
            .clone();
        match RESOURCE_TYPES.iter().find(|(k, _)| *k == kind) {
            Some((_, prefix)) => f.require(
                inputs.resource_id.starts_with(prefix) && inputs.resource_id.len() > prefix.len(),
                "resourceId",
                format!(
                    "'{}' is not a {kind} ID ({prefix}…){}",
                    inputs.resource_id,
                    match resource_type_of(&inputs.resource_id) {
                        Some(other) if other != kind =>
                            format!("; set resourceType {other} to log a {other}"),
                        _ => String::new(),
                    }
                ),
            ),
            None => f.push(
                "resourceType",
                format!("'{kind}' must be VPC, Subnet or NetworkInterface"),
            ),
        }
        let traffic = inputs.traffic_type.get_or_insert_with(|| "ALL".to_string());
        f.require(
            TRAFFIC_TYPES.contains(&traffic.as_str()),
            "trafficType",
            format!("'{traffic}' must be ALL, ACCEPT or REJECT"),
        );
        check_log_group_name("logGroupName", &inputs.log_group_name, &mut f);
        f.require(
            is_role_arn(&inputs.deliver_logs_permission_arn),
            "deliverLogsPermissionArn",
            format!(
                "'{}' is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>), the role EC2 delivers \
                 the records to CloudWatch Logs with",
                inputs.deliver_logs_permission_arn
            ),
        );
        let interval = *inputs
            .max_aggregation_interval
            .get_or_insert(DEFAULT_INTERVAL);
        f.require(
            interval == 60 || interval == 600,
            "maxAggregationInterval",
            format!("{interval} must be 60 or 600 seconds"),
        );
        if let Some(format) = &inputs.log_format
            && let Some(problem) = log_format_problem(format)
        {
            f.push("logFormat", problem);
        }
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &FlowLogInputs,
    ) -> Result<(String, FlowLogOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = all_tags(ctx, &name, inputs.tags.as_ref());
        let made = create_once(
            ctx,
            &format!("flow log {name}"),
            || async {
                Ok(Self::find_existing(ctx, &name, inputs)
                    .await?
                    .map(|fl| (fl.flow_log_id().unwrap_or_default().to_string(), Some(fl))))
            },
            || async { Ok((Self::create_call(ctx, inputs, &tags).await?, None)) },
        )
        .await?;
        let (id, adopted) = made.into_inner();
        let outputs = Self::outputs(ctx, &id, &inputs.deliver_logs_permission_arn, tags.clone());
        if let Some(live) = &adopted {
            // An adopted flow log may carry stale tags: bring them in line.
            tags::sync::<Ec2Tags>(&ctx.aws, &id, &tag_map(live.tags()), &tags)
                .await
                .map_err(|e| e.partial(&id, &outputs))?;
            Self::warn_if_failing(ctx, live);
        } else if let Ok(Some(live)) = Self::describe(ctx, &id).await {
            Self::warn_if_failing(ctx, &live);
        }
        Ok((id, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&FlowLogInputs>,
    ) -> Result<Option<(FlowLogInputs, FlowLogOutputs)>, ResourceError> {
        let Some(fl) = Self::describe(ctx, id).await? else {
            return Ok(None);
        };
        Self::warn_if_failing(ctx, &fl);
        let (name, tags, tags_all) =
            split_tags(&ctx.aws, fl.tags(), prior.and_then(|p| p.tags.as_ref()));
        let resource_id = fl.resource_id().unwrap_or_default().to_string();
        let role = fl.deliver_logs_permission_arn().unwrap_or_default();
        // The default format stays undeclared when the program left it out.
        let log_format = fl.log_format().filter(|live| {
            *live != DEFAULT_LOG_FORMAT || prior.is_some_and(|p| p.log_format.is_some())
        });
        let inputs = FlowLogInputs {
            name,
            resource_type: resource_type_of(&resource_id)
                .map(str::to_string)
                .or_else(|| prior.and_then(|p| p.resource_type.clone())),
            resource_id,
            traffic_type: fl.traffic_type().map(|t| t.as_str().to_string()),
            log_group_name: fl.log_group_name().unwrap_or_default().to_string(),
            deliver_logs_permission_arn: role.to_string(),
            max_aggregation_interval: Some(
                fl.max_aggregation_interval().unwrap_or(DEFAULT_INTERVAL),
            ),
            log_format: log_format.map(str::to_string),
            tags,
        };
        Ok(Some((inputs, Self::outputs(ctx, id, role, tags_all))))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        _: &FlowLogInputs,
        old_outputs: &FlowLogOutputs,
        new: &FlowLogInputs,
    ) -> Result<FlowLogOutputs, ResourceError> {
        if Self::describe(ctx, id).await?.is_none() {
            return Err(ResourceError::Conflict(format!(
                "flow log {id} no longer exists; run `pulumi refresh` to drop it from the state, then `pulumi up`"
            )));
        }
        let tags = all_tags(
            ctx,
            new.name.as_deref().unwrap_or_default(),
            new.tags.as_ref(),
        );
        tags::sync::<Ec2Tags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        Ok(Self::outputs(
            ctx,
            id,
            &new.deliver_logs_permission_arn,
            tags,
        ))
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &FlowLogInputs,
        _: &FlowLogOutputs,
    ) -> Result<(), ResourceError> {
        // `InvalidFlowLogId.NotFound`, as an error or in the `Unsuccessful` list, means it is already gone.
        delete_retrying_plain(ctx, &format!("flow log {id}"), || async {
            let out = ctx
                .aws
                .ec2
                .delete_flow_logs()
                .flow_log_ids(id)
                .send()
                .await
                .map_err(|e| aws_error("ec2:DeleteFlowLogs", e))?;
            match out.unsuccessful().first() {
                Some(item) => Err(unsuccessful("ec2:DeleteFlowLogs", item)),
                None => Ok(()),
            }
        })
        .await?;
        // EC2 deletes flow logs at once; DescribeFlowLogs may list one for a moment longer.
        ctx.wait_for(&format!("flow log {id} to be deleted"), || async {
            Ok(match Self::describe(ctx, id).await? {
                None => Poll::Ready(()),
                Some(_) => Poll::Pending("still listed".into()),
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_formats() {
        assert_eq!(log_format_problem(DEFAULT_LOG_FORMAT), None);
        assert_eq!(
            log_format_problem("${version} ${vpc-id} ${pkt-srcaddr} ${flow-direction}"),
            None
        );
        for bad in [
            "",
            "${version}  ${srcaddr}",
            " ${version}",
            "${version} ",
            "$version",
            "${version",
            "${}",
            "${Version}",
            "${srcaddr},${dstaddr}",
            "${srcaddr} ${srcaddr}",
            "srcaddr",
        ] {
            assert!(log_format_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn resource_types_and_accounts() {
        assert_eq!(resource_type_of("vpc-0abc"), Some("VPC"));
        assert_eq!(resource_type_of("subnet-0abc"), Some("Subnet"));
        assert_eq!(resource_type_of("eni-0abc"), Some("NetworkInterface"));
        assert_eq!(resource_type_of("tgw-0abc"), None);
        assert_eq!(
            account_of("arn:aws:iam::123456789012:role/flow-logs"),
            "123456789012"
        );
        assert_eq!(account_of("nope"), "");
    }
}
