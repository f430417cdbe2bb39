//! Production-hardening switches that live in no other group: VPC flow logs (the `flowLogs` group) and the load
//! balancer's access logs (`loadBalancer.accessLogs`). Both are on by default; each can be turned off.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::rules::range;
use crate::resource::Failures;
use crate::resources::logs::log_group::RETENTION_DAYS;

/// VPC flow logs: every network flow of the VPC (accepted and rejected) to a CloudWatch Logs group of the
/// platform, delivered by a role that may write only there. On by default, as AWS Security Hub's EC2.6 control
/// and the CIS AWS Foundations benchmark ask.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "FlowLogs")]
pub struct FlowLogArgs {
    /// Whether the VPC's flows are logged (default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Which flows: `ALL` (default), `ACCEPT` or `REJECT` (rejected flows only: cheaper, and what security
    /// reviews look at first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_type: Option<String>,
    /// Days the flow log group keeps records (default 90; a CloudWatch Logs retention period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<i32>,
}

/// Resolved flow log settings (`None` in [`super::Settings`] when turned off).
#[derive(Clone, Debug, PartialEq)]
pub struct FlowLogSettings {
    pub traffic_type: String,
    pub retention_days: i32,
}

pub(super) fn flow_log_settings(a: &FlowLogArgs, f: &mut Failures) -> Option<FlowLogSettings> {
    let s = FlowLogSettings {
        traffic_type: a.traffic_type.clone().unwrap_or_else(|| "ALL".into()),
        retention_days: a.retention_days.unwrap_or(90),
    };
    f.require(
        matches!(s.traffic_type.as_str(), "ALL" | "ACCEPT" | "REJECT"),
        "flowLogs.trafficType",
        format!("'{}' must be `ALL`, `ACCEPT` or `REJECT`", s.traffic_type),
    );
    f.require(
        RETENTION_DAYS.contains(&s.retention_days),
        "flowLogs.retentionDays",
        format!(
            "{} is not a retention CloudWatch Logs accepts; use one of {RETENTION_DAYS:?}",
            s.retention_days
        ),
    );
    let enabled = a.enabled.unwrap_or(true);
    f.require(
        enabled || (a.traffic_type.is_none() && a.retention_days.is_none()),
        "flowLogs.enabled",
        "is false, so flowLogs.trafficType and flowLogs.retentionDays would have no effect: remove them or \
         enable flow logs",
    );
    enabled.then_some(s)
}

/// The load balancer's access logs: one record per request (client, path, status, latencies, WAF action) to an
/// S3 bucket of the platform — encrypted (SSE-S3, the only encryption ALB log delivery supports), private, TLS
/// only, objects expiring after `retentionDays`, writable only by the region's ELB log delivery, emptied and
/// deleted with the platform. On by default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "AccessLogs")]
pub struct AccessLogArgs {
    /// Whether requests are logged (default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Days a log object is kept before S3 expires it (default 90, 1-3650).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<i32>,
}

/// Resolved access log settings (`None` when turned off).
#[derive(Clone, Debug, PartialEq)]
pub struct AccessLogSettings {
    pub retention_days: i32,
}

/// The key prefix of the load balancer's log objects in the bucket.
pub const ACCESS_LOG_PREFIX: &str = "alb";

pub(super) fn access_log_settings(
    a: Option<&AccessLogArgs>,
    f: &mut Failures,
) -> Option<AccessLogSettings> {
    let a = a.cloned().unwrap_or_default();
    let s = AccessLogSettings {
        retention_days: a.retention_days.unwrap_or(90),
    };
    range(
        f,
        "loadBalancer.accessLogs.retentionDays",
        s.retention_days,
        1,
        3650,
        "the access log retention",
    );
    let enabled = a.enabled.unwrap_or(true);
    f.require(
        enabled || a.retention_days.is_none(),
        "loadBalancer.accessLogs.enabled",
        "is false, so loadBalancer.accessLogs.retentionDays would have no effect: remove it or enable access logs",
    );
    enabled.then_some(s)
}
