//! Audit trails (production-hardening defaults, each switchable): VPC flow logs to a CloudWatch Logs group of
//! the platform, delivered by a role that may write only there, and the bucket the load balancer writes its
//! access logs to.

use super::child::{Handle, Props, Scope};
use super::compute::iam::{allow, inline, role, trust_for, value_of};
use super::compute::{arn_parts, known};
use super::network::Network;
use crate::platform::args::ACCESS_LOG_PREFIX;
use crate::resources::ec2::flow_log::FlowLog;
use crate::resources::iam::policy::PolicyDocument;
use crate::resources::logs::log_group::LogGroup;
use crate::resources::s3::bucket::Bucket;
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
    /// The load balancer's access log bucket (absent when `loadBalancer.accessLogs.enabled` is false); id = its
    /// name.
    pub access_logs: Option<Handle<'a>>,
}

/// Declares the audit trails.
pub fn build<'a>(scope: &Scope<'a>, net: &Network<'a>) -> Audit<'a> {
    Audit {
        flow_logs: flow_logs(scope, net),
        access_logs: access_log_bucket(scope),
    }
}

/// The access log bucket's name, `s3-alblogs-<account>-<region>-<env>-<suffix>`: bucket names are global across
/// every AWS account and region, so a name without the account and region could already be someone else's (and
/// `up` would fail part-way on it); with them it can only collide with this account's own deployment.
pub fn access_log_bucket_name(scope: &Scope<'_>) -> String {
    scope.naming().qualified(
        "s3",
        &format!("alblogs-{}-{}", scope.plan.account, scope.region()),
    )
}

/// The bucket of the load balancer's access logs: SSE-S3 (the only encryption ALB log delivery supports), every
/// public access blocked, ACLs off, TLS only, objects expiring after the retention, writable under the prefix
/// only by the region's Elastic Load Balancing log delivery; emptied and deleted with the platform.
fn access_log_bucket<'a>(scope: &Scope<'a>) -> Option<Handle<'a>> {
    let settings = scope.settings().load_balancer.access_logs.clone()?;
    Some(
        scope.register(
            Props::of::<Bucket>(scope.logical("access-logs"))
                .arg(
                    "bucket",
                    access_log_bucket_name(scope),
                    "loadBalancer.accessLogs",
                )
                .set("encryption", "AES256")
                .set("blockPublicAccess", true)
                .set("versioning", false)
                .arg(
                    "expirationDays",
                    settings.retention_days,
                    "loadBalancer.accessLogs.retentionDays",
                )
                .set("loadBalancerLogDelivery", true)
                .set("logPrefix", ACCESS_LOG_PREFIX)
                .set("forceDestroy", true)
                .arg("tags", scope.tags.clone(), "tags"),
        ),
    )
}

/// Declares the VPC's flow log: its log group, the delivery role and the flow log itself.
///
/// The role's trust policy carries the confused-deputy conditions AWS documents for flow logs (`aws:SourceAccount`
/// and `aws:SourceArn` of this account's flow logs); its policy names only the flow log group.
fn flow_logs<'a>(scope: &Scope<'a>, net: &Network<'a>) -> Option<FlowLogs<'a>> {
    let settings = scope.settings().flow_logs.clone()?;
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
        value_of(&trust_for(
            FLOW_LOGS,
            &account,
            format!("arn:{partition}:ec2:{region}:{account}:vpc-flow-log/*"),
        ))
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
    Some(FlowLogs {
        log_group,
        role,
        flow_log,
    })
}
