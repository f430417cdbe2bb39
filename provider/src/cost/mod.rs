//! The platform's monthly cost estimate: computed from the arguments alone, so `pulumi preview`
//! shows it before anything exists.
//!
//! [`estimate`] prices every billable thing the platform creates with the region's price table
//! ([`prices`], data under `provider/prices/`), taking the volumes of usage-driven items from
//! [`CostAssumptions`]. Each [`LineItem`] says how it was computed (quantity × unit price), whether it rests
//! on an assumption, and which AWS pricing page the price comes from. Amounts are rounded to cents per line;
//! the total is the sum of the rounded lines. Item names are stable: users and tests rely on them.
//!
//! What the platform creates, and which of it is billed, is [`PLATFORM_KINDS`]; a test fails when a kind of
//! this provider is missing there, or when a price it names is missing from a region's table.

pub mod assumptions;
pub mod prices;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use assumptions::{Assumptions, CostAssumptions};
pub use prices::{PriceTable, supported_regions};

use crate::platform::args::{Settings, TopicEncryption};
use crate::resource::{CustomResource, Failures};

/// Availability zones the platform always spans (one NAT gateway, Elastic IP and load balancer node each).
pub const ZONES: u32 = 3;
/// Secrets Manager secrets: the app secret (`service.secrets`) and the master secret RDS manages.
pub const SECRETS: u32 = 2;
/// The alarms the platform registers (`platform/observability.rs`) and the metrics each is billed for: the
/// error rate is metric math over the blue and green 5xx and request counts.
pub const PLATFORM_ALARMS: [(&str, u32); 5] = [
    ("5xx-rate", 4),
    ("db-connections", 1),
    ("db-cpu", 1),
    ("waf-blocked", 1),
    ("unhealthy-hosts", 1),
];
/// Target-tracking policies (`platform/compute.rs`: CPU and PendingOrders); Application Auto Scaling creates
/// a scale-out and a scale-in alarm for each, one metric each.
pub const TARGET_TRACKING_POLICIES: u32 = 2;
/// Custom metrics the platform's own configuration publishes: `Errors` (the log metric filter) and
/// `PendingOrders` (each task, dimension `ServiceName`).
pub const CUSTOM_METRICS: u32 = 2;
/// SSM parameters the platform writes besides `service.environment`: DB_HOST, DB_READER_HOST, DB_PORT, DB_NAME,
/// METRIC_NAMESPACE.
pub const PLATFORM_PARAMETERS: u32 = 5;
/// Rules of the web ACL besides the managed rule groups: the per-IP rate limit.
pub const WAF_OWN_RULES: u32 = 1;

/// How one resource kind of this provider is billed when the platform creates it.
#[derive(Clone, Copy, Debug)]
pub struct KindPricing {
    /// The kind's type token.
    pub token: &'static str,
    /// The price table entries its line items use ([`AURORA_INSTANCE_CLASSES`] for the per-class table); empty
    /// when AWS does not charge for the kind itself.
    pub prices: &'static [&'static str],
    /// Why, in a few words.
    pub note: &'static str,
}

/// Price key standing for the Aurora MySQL per-class instance-hour table.
pub const AURORA_INSTANCE_CLASSES: &str = "auroraMysqlInstanceHour";

/// Every kind of this provider, and what the estimate prices for it (the platform creates all of them).
pub const PLATFORM_KINDS: [KindPricing; 33] = [
    KindPricing {
        token: <crate::resources::ec2::vpc::Vpc as CustomResource>::TOKEN,
        prices: &[],
        note: "free",
    },
    KindPricing {
        token: <crate::resources::ec2::subnet::Subnet as CustomResource>::TOKEN,
        prices: &[],
        note: "free",
    },
    KindPricing {
        token: <crate::resources::ec2::internet_gateway::InternetGateway as CustomResource>::TOKEN,
        prices: &[],
        note: "free (traffic out is dataTransferOutGb)",
    },
    KindPricing {
        token: <crate::resources::ec2::elastic_ip::ElasticIp as CustomResource>::TOKEN,
        prices: &["publicIpv4AddressHour"],
        note: "one public IPv4 address per zone",
    },
    KindPricing {
        token: <crate::resources::ec2::nat_gateway::NatGateway as CustomResource>::TOKEN,
        prices: &["natGatewayHour", "natGatewayDataGb"],
        note: "hourly per zone, plus data processed",
    },
    KindPricing {
        token: <crate::resources::ec2::route_table::RouteTable as CustomResource>::TOKEN,
        prices: &[],
        note: "free",
    },
    KindPricing {
        token: <crate::resources::ec2::security_group::SecurityGroup as CustomResource>::TOKEN,
        prices: &[],
        note: "free",
    },
    KindPricing {
        token: <crate::resources::ec2::flow_log::FlowLog as CustomResource>::TOKEN,
        prices: &["vendedLogIngestionGb"],
        note: "records delivered to CloudWatch Logs as vended logs (not created by the platform yet)",
    },
    KindPricing {
        token: <crate::resources::ecr::repository::Repository as CustomResource>::TOKEN,
        prices: &["ecrStorageGbMonth"],
        note: "image storage",
    },
    KindPricing {
        token: <crate::resources::logs::log_group::LogGroup as CustomResource>::TOKEN,
        prices: &["logIngestionGb", "logStorageGbMonth"],
        note: "ingestion and storage",
    },
    KindPricing {
        token: <crate::resources::logs::metric_filter::MetricFilter as CustomResource>::TOKEN,
        prices: &["customMetricMonth"],
        note: "the Errors custom metric",
    },
    KindPricing {
        token: <crate::resources::elbv2::load_balancer::LoadBalancer as CustomResource>::TOKEN,
        prices: &["albHour", "albLcuHour", "publicIpv4AddressHour"],
        note: "hourly, LCUs, one public IPv4 address per zone",
    },
    KindPricing {
        token: <crate::resources::elbv2::target_group::TargetGroup as CustomResource>::TOKEN,
        prices: &[],
        note: "free",
    },
    KindPricing {
        token: <crate::resources::elbv2::listener::Listener as CustomResource>::TOKEN,
        prices: &[],
        note: "free (in the ALB's price)",
    },
    KindPricing {
        token: <crate::resources::elbv2::listener_rule::ListenerRule as CustomResource>::TOKEN,
        prices: &[],
        note: "free (rule evaluations count in LCUs)",
    },
    KindPricing {
        token: <crate::resources::ecs::cluster::Cluster as CustomResource>::TOKEN,
        prices: &["customMetricMonth"],
        note: "free; Container Insights metrics are custom metrics",
    },
    KindPricing {
        token: <crate::resources::ecs::task_definition::TaskDefinition as CustomResource>::TOKEN,
        prices: &[],
        note: "free",
    },
    KindPricing {
        token: <crate::resources::ecs::service::Service as CustomResource>::TOKEN,
        prices: &[
            "fargateVcpuHour",
            "fargateGbHour",
            "fargateSpotVcpuHour",
            "fargateSpotGbHour",
        ],
        note: "Fargate and Fargate Spot vCPU and memory hours of its tasks",
    },
    KindPricing {
        token: <crate::resources::iam::role::Role as CustomResource>::TOKEN,
        prices: &[],
        note: "free",
    },
    KindPricing {
        token: <crate::resources::wafv2::web_acl::WebAcl as CustomResource>::TOKEN,
        prices: &["wafWebAclMonth", "wafRuleMonth", "wafMillionRequests"],
        note: "per web ACL, per rule (managed groups included), per request",
    },
    KindPricing {
        token: <crate::resources::wafv2::web_acl_association::WebAclAssociation as CustomResource>::TOKEN,
        prices: &[],
        note: "free",
    },
    KindPricing {
        token: <crate::resources::appautoscaling::scalable_target::ScalableTarget as CustomResource>::TOKEN,
        prices: &[],
        note: "free",
    },
    KindPricing {
        token: <crate::resources::appautoscaling::scaling_policy::ScalingPolicy as CustomResource>::TOKEN,
        prices: &["alarmMetricMonth"],
        note: "the two alarms target tracking creates per policy",
    },
    KindPricing {
        token: <crate::resources::sns::topic::Topic as CustomResource>::TOKEN,
        prices: &["snsTopicMonth"],
        note: "free topic; alarm emails within the free tier",
    },
    KindPricing {
        token: <crate::resources::secretsmanager::secret::Secret as CustomResource>::TOKEN,
        prices: &["secretMonth"],
        note: "per secret",
    },
    KindPricing {
        token: <crate::resources::rds::db_subnet_group::DbSubnetGroup as CustomResource>::TOKEN,
        prices: &[],
        note: "free",
    },
    KindPricing {
        token: <crate::resources::rds::cluster::Cluster as CustomResource>::TOKEN,
        prices: &["auroraStorageGbMonth", "auroraIoMillion", "secretMonth"],
        note: "storage and I/O; the master secret RDS manages",
    },
    KindPricing {
        token: <crate::resources::rds::cluster_instance::ClusterInstance as CustomResource>::TOKEN,
        prices: &[AURORA_INSTANCE_CLASSES],
        note: "instance-hours by class",
    },
    KindPricing {
        token: <crate::resources::cloudwatch::metric_alarm::MetricAlarm as CustomResource>::TOKEN,
        prices: &["alarmMetricMonth"],
        note: "per alarm metric",
    },
    KindPricing {
        token: <crate::resources::cloudwatch::dashboard::Dashboard as CustomResource>::TOKEN,
        prices: &["dashboardMonth"],
        note: "per dashboard",
    },
    KindPricing {
        token: <crate::resources::ssm::parameter::Parameter as CustomResource>::TOKEN,
        prices: &["ssmStandardParameterMonth"],
        note: "standard parameters are free",
    },
    KindPricing {
        token: <crate::resources::kms::key::Key as CustomResource>::TOKEN,
        prices: &["kmsKeyMonth"],
        note: "per customer managed key",
    },
    KindPricing {
        token: <crate::resources::s3::bucket::Bucket as CustomResource>::TOKEN,
        prices: &["s3StandardStorageGbMonth"],
        note: "S3 Standard storage of the access logs",
    },
];

/// Prices the platform uses that belong to no kind: traffic out to the internet.
pub const OTHER_PRICES: [&str; 1] = ["dataTransferOutGb"];

/// One line of the estimate: `quantity` `unit`s at `unitPrice` USD each make `monthly` USD.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "CostLineItem")]
pub struct LineItem {
    /// Stable name of the line, e.g. `nat.hours`, `fargate.spot.vcpu`, `aurora.readers`.
    pub item: String,
    /// What the line is, in words.
    pub description: String,
    /// Units billed in a month (rounded to 4 decimals; the amount uses the exact figure).
    pub quantity: f64,
    /// The unit billed, e.g. `NAT gateway-hour`, `GB processed`.
    pub unit: String,
    /// USD per unit, from the region's price table.
    pub unit_price: f64,
    /// USD per month, rounded to cents.
    pub monthly: f64,
    /// True when the quantity rests on `costAssumptions` (a documented default or a given figure) rather than
    /// only on the platform's arguments.
    pub assumption: bool,
    /// The AWS pricing page the unit price comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// How many of the thing (gateways, instances) the line bills, for the summary.
    #[serde(skip)]
    #[schemars(skip)]
    count: Option<u32>,
}

/// The monthly cost estimate of one platform configuration in one region.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    pub region: String,
    /// Date of the price table's figures.
    pub prices_as_of: String,
    /// Version of the price table.
    pub price_table_version: u32,
    /// USD per month: the sum of the lines, rounded to cents.
    pub total: f64,
    pub items: Vec<LineItem>,
}

/// `x` rounded to cents, half away from zero, after removing binary noise (16.425 stays 16.425, not
/// 16.42499999…).
pub fn round_cents(x: f64) -> f64 {
    ((x * 100.0 * 1e4).round() / 1e4).round() / 100.0
}

fn round_quantity(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// `$1,234.56` (or `$1,235` with `cents` false).
pub fn dollars(x: f64, cents: bool) -> String {
    let cents_total = (round_cents(x) * 100.0).round() as i64;
    let (whole, frac) = if cents {
        (cents_total / 100, Some(cents_total % 100))
    } else {
        ((cents_total + 50) / 100, None)
    };
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if whole < 0 { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}${grouped}.{:02}", f.abs()),
        None => format!("{sign}${grouped}"),
    }
}

/// Expected on-demand and Spot tasks out of an average `count` under the capacity provider strategy: the base
/// runs on FARGATE, the rest splits by weight (as `platform::args::spot_tasks`, for a fractional count).
pub fn fargate_split(count: f64, base: i32, spot_weight: i32, on_demand_weight: i32) -> (f64, f64) {
    let weights = f64::from(spot_weight.max(0) + on_demand_weight.max(0));
    let rest = (count - f64::from(base.max(0))).max(0.0);
    let spot = if weights > 0.0 {
        rest * f64::from(spot_weight.max(0)) / weights
    } else {
        0.0
    };
    (count - spot, spot)
}

/// Collects the lines against one price table.
struct Lines<'a> {
    table: &'a PriceTable,
    items: Vec<LineItem>,
}

impl Lines<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        item: &str,
        description: String,
        quantity: f64,
        unit: String,
        unit_price: f64,
        source: &str,
        assumption: bool,
        count: Option<u32>,
    ) {
        self.items.push(LineItem {
            item: item.to_string(),
            description,
            quantity: round_quantity(quantity),
            unit,
            unit_price,
            monthly: round_cents(quantity * unit_price),
            assumption,
            source: Some(source.to_string()),
            count,
        });
    }

    /// A line priced by the named entry of the table.
    fn priced(
        &mut self,
        item: &str,
        description: impl Into<String>,
        quantity: f64,
        key: &str,
        assumption: bool,
        count: Option<u32>,
    ) -> Result<(), String> {
        let price = self.table.price(key)?;
        let (unit, usd, source) = (price.per.clone(), price.usd, price.source.clone());
        self.push(
            item,
            description.into(),
            quantity,
            unit,
            usd,
            &source,
            assumption,
            count,
        );
        Ok(())
    }
}

/// Months in `days` (what a store holds at steady state when it keeps `days` of a monthly volume).
fn months(days: i32) -> f64 {
    f64::from(days.max(0)) * 12.0 / 365.0
}

/// The monthly cost in USD of the platform `settings` describe, in `region`, with `assumptions` for the
/// usage-driven items. Fails when the region has no price table (naming the supported regions), when the
/// Aurora instance class is not priced, or when an assumption is invalid.
pub fn estimate(
    region: &str,
    settings: &Settings,
    assumptions: &CostAssumptions,
) -> Result<Estimate, String> {
    let table = prices::table(region)?;
    let mut failures = Failures::default();
    let a = assumptions.resolve(settings, &mut failures);
    if let Err(failures) = failures.finish(()) {
        return Err(failures
            .iter()
            .map(|f| format!("{}: {}", f.property, f.reason))
            .collect::<Vec<_>>()
            .join("; "));
    }
    let hours = table.hours_per_month;
    let s = &settings.service;
    let db = &settings.database;
    let zones = f64::from(ZONES);
    let mut l = Lines {
        table,
        items: Vec::new(),
    };

    // network
    l.priced(
        "nat.hours",
        "NAT gateways (one per zone)",
        zones * hours,
        "natGatewayHour",
        false,
        Some(ZONES),
    )?;
    l.priced(
        "nat.dataProcessed",
        "NAT gateways: data processed",
        a.nat_data_processed_gb,
        "natGatewayDataGb",
        true,
        None,
    )?;
    l.priced(
        "eip.publicIpv4",
        "Elastic IPs of the NAT gateways (public IPv4)",
        zones * hours,
        "publicIpv4AddressHour",
        false,
        Some(ZONES),
    )?;

    // edge
    l.priced(
        "alb.hours",
        "Application load balancer",
        hours,
        "albHour",
        false,
        Some(1),
    )?;
    l.priced(
        "alb.lcu",
        "Load balancer capacity units",
        a.alb_average_lcus * hours,
        "albLcuHour",
        true,
        None,
    )?;
    l.priced(
        "alb.publicIpv4",
        "Load balancer public IPv4 addresses (one per zone)",
        zones * hours,
        "publicIpv4AddressHour",
        false,
        Some(ZONES),
    )?;
    let rules = WAF_OWN_RULES + settings.waf.managed_rule_groups.len() as u32;
    l.priced(
        "waf.webAcl",
        "WAF web ACL",
        1.0,
        "wafWebAclMonth",
        false,
        Some(1),
    )?;
    l.priced(
        "waf.rules",
        "WAF rules (rate limit + managed rule groups)",
        f64::from(rules),
        "wafRuleMonth",
        false,
        Some(rules),
    )?;
    l.priced(
        "waf.requests",
        "WAF requests inspected",
        a.waf_requests / 1e6,
        "wafMillionRequests",
        true,
        None,
    )?;

    if let Some(access_logs) = &settings.load_balancer.access_logs {
        l.priced(
            "s3.accessLogs",
            format!(
                "Load balancer access logs in S3 ({} days kept)",
                access_logs.retention_days
            ),
            a.access_log_gb * months(access_logs.retention_days),
            "s3StandardStorageGbMonth",
            true,
            None,
        )?;
    }

    // compute
    let (on_demand, spot) = fargate_split(
        a.average_task_count,
        s.on_demand_base,
        s.spot_weight,
        s.on_demand_weight,
    );
    let above_minimum = a.average_task_count > f64::from(s.min_count);
    let vcpu = f64::from(s.cpu) / 1024.0;
    let gb = f64::from(s.memory) / 1024.0;
    for (item, what, tasks, size, key) in [
        (
            "fargate.onDemand.vcpu",
            "Fargate on-demand vCPU",
            on_demand,
            vcpu,
            "fargateVcpuHour",
        ),
        (
            "fargate.onDemand.memory",
            "Fargate on-demand memory",
            on_demand,
            gb,
            "fargateGbHour",
        ),
        (
            "fargate.spot.vcpu",
            "Fargate Spot vCPU",
            spot,
            vcpu,
            "fargateSpotVcpuHour",
        ),
        (
            "fargate.spot.memory",
            "Fargate Spot memory",
            spot,
            gb,
            "fargateSpotGbHour",
        ),
    ] {
        l.priced(
            item,
            format!("{what} ({tasks:.2} tasks × {size} per task)"),
            tasks * size * hours,
            key,
            above_minimum,
            None,
        )?;
    }
    l.priced(
        "ecr.storage",
        "ECR image storage",
        a.ecr_storage_gb,
        "ecrStorageGbMonth",
        true,
        None,
    )?;

    // data
    let instance_hour = table.aurora_instance_hour(&db.instance_class)?;
    let aurora = &table.aurora_mysql_instance_hour;
    let readers = db.reader_count.max(0) as u32;
    for (item, what, count) in [
        ("aurora.writer", "Aurora writer", 1),
        ("aurora.readers", "Aurora readers", readers),
    ] {
        l.push(
            item,
            format!("{what} ({count} × {})", db.instance_class),
            f64::from(count) * hours,
            aurora.per.clone(),
            instance_hour,
            &aurora.source,
            false,
            Some(count),
        );
    }
    l.priced(
        "aurora.storage",
        "Aurora storage",
        a.aurora_storage_gb,
        "auroraStorageGbMonth",
        true,
        None,
    )?;
    l.priced(
        "aurora.io",
        "Aurora I/O requests",
        a.aurora_io_requests / 1e6,
        "auroraIoMillion",
        true,
        None,
    )?;
    l.priced(
        "secretsManager.secrets",
        "Secrets Manager secrets (app + RDS master)",
        f64::from(SECRETS),
        "secretMonth",
        false,
        Some(SECRETS),
    )?;
    let parameters = PLATFORM_PARAMETERS + s.environment.len() as u32;
    l.priced(
        "ssm.parameters",
        "SSM standard parameters (free)",
        f64::from(parameters),
        "ssmStandardParameterMonth",
        false,
        Some(parameters),
    )?;

    // observability
    l.priced(
        "cloudwatch.dashboard",
        "CloudWatch dashboard",
        1.0,
        "dashboardMonth",
        false,
        Some(1),
    )?;
    let alarm_metrics =
        PLATFORM_ALARMS.iter().map(|(_, m)| m).sum::<u32>() + 2 * TARGET_TRACKING_POLICIES;
    l.priced(
        "cloudwatch.alarms",
        "CloudWatch alarm metrics (5 alarms + 4 target-tracking alarms)",
        f64::from(alarm_metrics),
        "alarmMetricMonth",
        false,
        Some(alarm_metrics),
    )?;
    l.priced(
        "cloudwatch.customMetrics",
        "CloudWatch custom metrics (Errors, PendingOrders)",
        f64::from(CUSTOM_METRICS),
        "customMetricMonth",
        false,
        Some(CUSTOM_METRICS),
    )?;
    l.priced(
        "cloudwatch.containerInsights",
        "Container Insights metrics",
        a.container_insights_metrics,
        "customMetricMonth",
        true,
        None,
    )?;
    l.priced(
        "logs.ingestion",
        "CloudWatch Logs ingestion",
        a.log_ingested_gb,
        "logIngestionGb",
        true,
        None,
    )?;
    // At steady state a log group holds `retention` worth of what arrives (no credit taken for compression).
    let retention_months = months(s.log_retention_days);
    l.priced(
        "logs.storage",
        format!(
            "CloudWatch Logs storage ({} days kept)",
            s.log_retention_days
        ),
        a.log_ingested_gb * retention_months,
        "logStorageGbMonth",
        true,
        None,
    )?;
    if let Some(flow_logs) = &settings.flow_logs {
        l.priced(
            "flowLogs.ingestion",
            "VPC flow logs delivered to CloudWatch Logs (vended logs)",
            a.flow_log_gb,
            "vendedLogIngestionGb",
            true,
            None,
        )?;
        l.priced(
            "flowLogs.storage",
            format!(
                "VPC flow log storage ({} days kept)",
                flow_logs.retention_days
            ),
            a.flow_log_gb * months(flow_logs.retention_days),
            "logStorageGbMonth",
            true,
            None,
        )?;
    }
    if settings.alarms.topic_encryption == TopicEncryption::PlatformKey {
        l.priced(
            "kms.key",
            "KMS key of the alarm topic",
            1.0,
            "kmsKeyMonth",
            false,
            Some(1),
        )?;
    }
    l.priced(
        "sns.topic",
        "SNS alarm topic (free)",
        1.0,
        "snsTopicMonth",
        false,
        Some(1),
    )?;
    l.priced(
        "dataTransfer.internetOut",
        "Data transfer out to the internet",
        a.internet_egress_gb,
        "dataTransferOutGb",
        true,
        None,
    )?;

    let total = round_cents(l.items.iter().map(|i| i.monthly).sum());
    Ok(Estimate {
        region: table.region.clone(),
        prices_as_of: table.as_of.clone(),
        price_table_version: table.version,
        total,
        items: l.items,
    })
}

/// Lines the summary names before folding the rest into "N more".
pub const SUMMARY_ITEMS: usize = 5;

impl Estimate {
    /// The line named `item`.
    pub fn item(&self, item: &str) -> Option<&LineItem> {
        self.items.iter().find(|i| i.item == item)
    }

    /// One line for the engine's info message: the total and the largest lines, e.g. `≈ $809/month
    /// (us-east-1 list prices of 2025-06-01; * rests on costAssumptions): Aurora readers 2 × $189.80 + …`.
    pub fn summary(&self) -> String {
        let mut billed: Vec<&LineItem> = self.items.iter().filter(|i| i.monthly > 0.0).collect();
        billed.sort_by(|a, b| b.monthly.total_cmp(&a.monthly));
        let mut parts: Vec<String> = billed
            .iter()
            .take(SUMMARY_ITEMS)
            .map(|i| {
                let label = i.description.split(" (").next().unwrap_or(&i.description);
                let star = if i.assumption { "*" } else { "" };
                match i.count {
                    Some(n) if n > 1 => format!(
                        "{label}{star} {n} × {}",
                        dollars(i.monthly / f64::from(n), true)
                    ),
                    _ => format!("{label}{star} {}", dollars(i.monthly, true)),
                }
            })
            .collect();
        let rest = &billed[billed.len().min(SUMMARY_ITEMS)..];
        if !rest.is_empty() {
            let sum: f64 = rest.iter().map(|i| i.monthly).sum();
            parts.push(format!("{} more {}", rest.len(), dollars(sum, true)));
        }
        format!(
            "≈ {}/month ({} list prices of {}; * rests on costAssumptions): {}",
            dollars(self.total, false),
            self.region,
            self.prices_as_of,
            parts.join(" + ")
        )
    }
}

#[cfg(test)]
mod tests;
