//! Audit trails (production-hardening defaults, each switchable): VPC flow logs to a CloudWatch Logs group of
//! the platform, delivered by a role that may write only there.

use super::child::{Handle, Props, Scope};
use super::compute::iam::{allow, condition, inline, role, value_of};
use super::compute::{arn_parts, known};
use super::network::Network;
use crate::resources::ec2::flow_log::FlowLog;
use crate::resources::iam::policy::{PolicyDocument, TrustPolicyDocument};
use crate::resources::logs::log_group::LogGroup;
use crate::rpc::value::Value;

/// The service principal that delivers VPC flow logs.
const FLOW_LOGS: &str = "vpc-flow-logs.amazonaws.com";

/// The flow log children (absent when `flowLogs.enabled` is false).
#[derive(Debug)]
pub struct FlowLogs<'a> {
    pub log_group: Handle<'a>,
    pub role: Handle<'a>,
    pub flow_log: Handle<'a>,
}

/// The audit children.
#[derive(Debug)]
pub struct Audit<'a> {
    pub flow_logs: Option<FlowLogs<'a>>,
}

/// Declares the VPC's flow log: its log group, the delivery role and the flow log itself.
///
/// The role's trust policy carries the confused-deputy conditions AWS documents for flow logs (`aws:SourceAccount`
/// and `aws:SourceArn` of this account's flow logs); its policy names only the flow log group.
pub fn build<'a>(scope: &Scope<'a>, net: &Network<'a>) -> Audit<'a> {
    let Some(settings) = scope.settings().flow_logs.clone() else {
        return Audit { flow_logs: None };
    };
    let n = scope.naming();
    let log_group = scope.register(
        Props::of::<LogGroup>(scope.logical("flow-logs"))
            .set("name", n.qualified("logs", "flow"))
            .arg(
                "retentionInDays",
                settings.retention_days,
                "flowLogs.retentionDays",
            )
            .arg("tags", scope.tags.clone(), "tags"),
    );
    let delivery = role(
        scope,
        "flowlogs",
        "VPC flow logs: deliver the VPC's flow records to its flow log group",
    )
    .try_with("assumeRolePolicy", &[&log_group], |c| {
        let Some(arn) = known(&c[0].output("arn")).map(str::to_string) else {
            return Ok(Value::Unknown);
        };
        let (partition, region, account) = arn_parts(&arn)?;
        let mut trust = TrustPolicyDocument::service(FLOW_LOGS);
        let mut conditions = condition("StringEquals", "aws:SourceAccount", vec![account.clone()]);
        conditions.extend(condition(
            "ArnLike",
            "aws:SourceArn",
            vec![format!(
                "arn:{partition}:ec2:{region}:{account}:vpc-flow-log/*"
            )],
        ));
        for s in &mut trust.statements {
            s.condition = Some(conditions.clone());
        }
        value_of(&trust)
    })
    .try_with("inlinePolicies", &[&log_group], |c| {
        let document = known(&c[0].output("arn")).map(|arn| {
            PolicyDocument::new(vec![allow(
                "DeliverFlowLogs",
                &[
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogGroups",
                    "logs:DescribeLogStreams",
                ],
                vec![arn.to_string(), format!("{arn}:*")],
            )])
        });
        inline("flowlogs", document)
    });
    let role = scope.register(delivery);
    let flow_log = scope.register(
        Props::of::<FlowLog>(scope.logical("flow-log"))
            .set("name", n.name("fl"))
            .id_of("resourceId", &net.vpc)
            .set("resourceType", "VPC")
            .arg(
                "trafficType",
                settings.traffic_type.as_str(),
                "flowLogs.trafficType",
            )
            .id_of("logGroupName", &log_group)
            .output_of("deliverLogsPermissionArn", &role, "arn")
            .set("maxAggregationInterval", 600)
            .arg("tags", scope.tags.clone(), "tags"),
    );
    Audit {
        flow_logs: Some(FlowLogs {
            log_group,
            role,
            flow_log,
        }),
    }
}
