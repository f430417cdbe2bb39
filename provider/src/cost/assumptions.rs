//! The usage volumes the estimate cannot read from the arguments: `costAssumptions`, every field optional with a
//! documented default, validated like the other arguments (failures name `costAssumptions.<field>`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::platform::args::Settings;
use crate::resource::Failures;

/// Default NAT data processed, GB per month (all three gateways together).
pub const DEFAULT_NAT_DATA_PROCESSED_GB: f64 = 100.0;
/// Default average load balancer capacity units.
pub const DEFAULT_ALB_AVERAGE_LCUS: f64 = 1.0;
/// Default requests the web ACL inspects per month.
pub const DEFAULT_WAF_REQUESTS: f64 = 10_000_000.0;
/// Default log data ingested, GB per month.
pub const DEFAULT_LOG_INGESTED_GB: f64 = 10.0;
/// Default image storage in the repository, GB.
pub const DEFAULT_ECR_STORAGE_GB: f64 = 5.0;
/// GB of VPC flow log records delivered per month.
pub const DEFAULT_FLOW_LOG_GB: f64 = 5.0;
/// GB of load balancer access logs written per month.
pub const DEFAULT_ACCESS_LOG_GB: f64 = 2.0;
/// Default Aurora cluster volume, GB.
pub const DEFAULT_AURORA_STORAGE_GB: f64 = 20.0;
/// Default Aurora I/O requests per month.
pub const DEFAULT_AURORA_IO_REQUESTS: f64 = 50_000_000.0;
/// Default Container Insights metrics (one cluster, one service, one task family).
pub const DEFAULT_CONTAINER_INSIGHTS_METRICS: f64 = 30.0;
/// Default data transferred out to the internet, GB per month (none: data transfer is left out unless assumed).
pub const DEFAULT_INTERNET_EGRESS_GB: f64 = 0.0;

/// Usage the monthly cost estimate assumes. Every field is optional; the estimate marks each line that depends
/// on one of these as an assumption. Prices come from the provider's price table for the region.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CostAssumptions {
    /// Tasks running on average over the month (default `service.desiredCount`); within `service.minCount` ..
    /// `service.maxCount`. Split between Fargate and Fargate Spot by `onDemandBase` and the weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_task_count: Option<f64>,
    /// GB per month processed by the NAT gateways, all zones together (default 100): image pulls, logs,
    /// Secrets Manager, SSM and any other traffic from the tasks to AWS APIs or the internet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_data_processed_gb_per_month: Option<f64>,
    /// Average load balancer capacity units (LCUs) in use (default 1): the highest of new connections/s ÷ 25,
    /// active connections ÷ 3000, processed GB/h, rule evaluations/s ÷ 1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alb_average_lcus: Option<f64>,
    /// Requests per month the web ACL inspects (default 10000000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waf_requests_per_month: Option<f64>,
    /// GB of logs ingested per month into CloudWatch Logs (default 10): the service's log group, the Aurora log
    /// exports and Container Insights performance events. Stored for `service.logRetentionDays`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_ingested_gb_per_month: Option<f64>,
    /// GB of VPC flow log records delivered to CloudWatch Logs per month (default 5; only with `flowLogs`), priced
    /// as vended logs and stored for `flowLogs.retentionDays`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_log_gb_per_month: Option<f64>,
    /// GB of load balancer access logs written to S3 per month (default 2; only with
    /// `loadBalancer.accessLogs`), stored for `loadBalancer.accessLogs.retentionDays`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_gb_per_month: Option<f64>,
    /// GB of images kept in the ECR repository (default 5; the lifecycle policy keeps the last 50 images).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecr_storage_gb: Option<f64>,
    /// GB in the Aurora cluster volume (default 20; at most 131072, Aurora's 128 TiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aurora_storage_gb: Option<f64>,
    /// Aurora storage I/O requests per month (default 50000000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aurora_io_requests_per_month: Option<f64>,
    /// CloudWatch metrics Container Insights publishes for the cluster (default 30: cluster, service and task
    /// family dimensions), billed as custom metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_insights_metrics: Option<f64>,
    /// GB per month sent to the internet, e.g. API responses (default 0: data transfer out is left out of the
    /// estimate unless assumed here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internet_egress_gb_per_month: Option<f64>,
}

/// The assumptions with defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Assumptions {
    pub average_task_count: f64,
    pub nat_data_processed_gb: f64,
    pub alb_average_lcus: f64,
    pub waf_requests: f64,
    pub log_ingested_gb: f64,
    pub ecr_storage_gb: f64,
    pub flow_log_gb: f64,
    pub access_log_gb: f64,
    pub aurora_storage_gb: f64,
    pub aurora_io_requests: f64,
    pub container_insights_metrics: f64,
    pub internet_egress_gb: f64,
}

impl CostAssumptions {
    /// Validates the assumptions against the resolved arguments into `f` (the component's Construct calls this
    /// with the other rules, before registering anything).
    pub fn validate(&self, settings: &Settings, f: &mut Failures) {
        self.resolve(settings, f);
    }

    /// The assumptions with defaults filled in; failures go to `f`, naming `costAssumptions.<field>`.
    pub fn resolve(&self, settings: &Settings, f: &mut Failures) -> Assumptions {
        let service = &settings.service;
        let mut field = |name: &str, value: Option<f64>, default: f64, max: f64| {
            let v = value.unwrap_or(default);
            f.require(
                v.is_finite() && (0.0..=max).contains(&v),
                format!("costAssumptions.{name}"),
                format!("must be a number from 0 to {max}, got {v}"),
            );
            v
        };
        let resolved = Assumptions {
            average_task_count: self
                .average_task_count
                .unwrap_or(f64::from(service.desired_count)),
            nat_data_processed_gb: field(
                "natDataProcessedGbPerMonth",
                self.nat_data_processed_gb_per_month,
                DEFAULT_NAT_DATA_PROCESSED_GB,
                1e7,
            ),
            alb_average_lcus: field(
                "albAverageLcus",
                self.alb_average_lcus,
                DEFAULT_ALB_AVERAGE_LCUS,
                1e5,
            ),
            waf_requests: field(
                "wafRequestsPerMonth",
                self.waf_requests_per_month,
                DEFAULT_WAF_REQUESTS,
                1e13,
            ),
            log_ingested_gb: field(
                "logIngestedGbPerMonth",
                self.log_ingested_gb_per_month,
                DEFAULT_LOG_INGESTED_GB,
                1e7,
            ),
            ecr_storage_gb: field(
                "ecrStorageGb",
                self.ecr_storage_gb,
                DEFAULT_ECR_STORAGE_GB,
                1e6,
            ),
            flow_log_gb: field(
                "flowLogGbPerMonth",
                self.flow_log_gb_per_month,
                DEFAULT_FLOW_LOG_GB,
                1e7,
            ),
            access_log_gb: field(
                "accessLogGbPerMonth",
                self.access_log_gb_per_month,
                DEFAULT_ACCESS_LOG_GB,
                1e7,
            ),
            aurora_storage_gb: field(
                "auroraStorageGb",
                self.aurora_storage_gb,
                DEFAULT_AURORA_STORAGE_GB,
                131_072.0,
            ),
            aurora_io_requests: field(
                "auroraIoRequestsPerMonth",
                self.aurora_io_requests_per_month,
                DEFAULT_AURORA_IO_REQUESTS,
                1e13,
            ),
            container_insights_metrics: field(
                "containerInsightsMetrics",
                self.container_insights_metrics,
                DEFAULT_CONTAINER_INSIGHTS_METRICS,
                1e5,
            ),
            internet_egress_gb: field(
                "internetEgressGbPerMonth",
                self.internet_egress_gb_per_month,
                DEFAULT_INTERNET_EGRESS_GB,
                1e7,
            ),
        };
        let tasks = resolved.average_task_count;
        f.require(
            tasks.is_finite()
                && tasks >= f64::from(service.min_count)
                && tasks <= f64::from(service.max_count),
            "costAssumptions.averageTaskCount",
            format!(
                "must lie within service.minCount {} .. service.maxCount {} (autoscaling keeps the count there), \
                 got {tasks}",
                service.min_count, service.max_count
            ),
        );
        resolved
    }
}
