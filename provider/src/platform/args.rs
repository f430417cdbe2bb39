//! The component's arguments, grouped as a platform team thinks about them, and their validation.
//!
//! Every group and every field is optional except `environment` and `environmentSuffix`; [`Settings`] is what
//! validation resolves them to (defaults filled in), so the builders never see an `Option` that has a default.
//! Every rule here runs in Construct before any child is registered, so bad input never reaches AWS.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::arn::{Arn, is_email};
use crate::resource::Failures;
use crate::resources::ecs::task_definition::fargate_pair_allowed;
use crate::resources::logs::log_group::RETENTION_DAYS;
use crate::resources::rds::cluster::{
    DEFAULT_ENGINE_VERSION, is_engine_version, parse_backup_window, parse_maintenance_window,
    windows_overlap,
};
use crate::resources::rds::cluster_instance::is_instance_class;

/// How the service rolls out a new task definition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeploymentStrategy {
    /// ECS native blue/green: the new revision starts in the green target group, the production listener rule
    /// shifts all traffic to it at once, then the old revision stays for the bake time (rollback is instant).
    #[default]
    BlueGreen,
    /// Like blue/green, but first `canaryPercent` of traffic for `canaryBakeTimeMinutes`, then the rest.
    Canary,
    /// Like blue/green, but traffic moves in steps of `linearStepPercent`, waiting `linearStepBakeTimeMinutes`.
    Linear,
    /// ECS rolling update behind the blue target group (no traffic shifting).
    Rolling,
}

impl DeploymentStrategy {
    /// The value ECS's `deploymentConfiguration.strategy` takes.
    pub fn ecs_value(self) -> &'static str {
        match self {
            DeploymentStrategy::BlueGreen => "BLUE_GREEN",
            DeploymentStrategy::Canary => "CANARY",
            DeploymentStrategy::Linear => "LINEAR",
            DeploymentStrategy::Rolling => "ROLLING",
        }
    }
}

/// The order API's container service.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Service")]
pub struct ServiceArgs {
    /// A full image URI (e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:1.4.2`). When unset, the
    /// service runs `imageTag` from the platform's own ECR repository. Set either this or `imageTag`, not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The tag (or `sha256:` digest) to run from the platform's ECR repository (default `latest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag: Option<String>,
    /// The port the container listens on (default 8080); the ALB forwards to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_port: Option<i32>,
    /// Task CPU units (default 512); with `memory` a valid Fargate pair (256/512/1024/2048/4096/8192/16384).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<i32>,
    /// Task memory in MiB (default 1024); must be allowed for `cpu` on Fargate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<i32>,
    /// Tasks to start with (default 3, one per zone); autoscaling owns the count afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_count: Option<i32>,
    /// Fewest tasks autoscaling may run (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_count: Option<i32>,
    /// Most tasks autoscaling may run (default 12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<i32>,
    /// The path the ALB checks on every task (default `/health`); it must answer 200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_path: Option<String>,
    /// The order API's routes on the listener (default `/orders`, `/orders/*`, `/health`); at most 5 patterns
    /// (an ALB rule's limit). Other paths get a 404 from the load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_patterns: Option<Vec<String>>,
    /// Non-sensitive configuration, one SSM parameter each, injected into the container as environment
    /// variables of the same names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<BTreeMap<String, String>>,
    /// Sensitive configuration (API keys), stored as one JSON secret in Secrets Manager and injected into the
    /// container as environment variables of the same names. Pass them as Pulumi secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<BTreeMap<String, String>>,
    /// Relative weight of FARGATE_SPOT tasks (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spot_weight: Option<i32>,
    /// Relative weight of on-demand FARGATE tasks (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_demand_weight: Option<i32>,
    /// On-demand tasks always run before the weights apply (default 1). With the weights, at least half of
    /// `minCount` and of `desiredCount` must be Spot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_demand_base: Option<i32>,
    /// Average CPU utilisation autoscaling keeps the service at, in percent (default 70).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_target_percent: Option<f64>,
    /// Pending orders per task autoscaling keeps the service at (default 100): each task publishes its queue
    /// depth as the `PendingOrders` metric, and the policy tracks the average across tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_orders_target_per_task: Option<f64>,
    /// Seconds after a scale-out before another (default 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_out_cooldown_seconds: Option<i32>,
    /// Seconds after a scale-in before another (default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_in_cooldown_seconds: Option<i32>,
    /// Seconds the ALB drains a deregistering task (default 30, 0-3600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deregistration_delay_seconds: Option<i32>,
    /// Days the service's logs are kept (default 30; a CloudWatch Logs retention value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_retention_days: Option<i32>,
    /// Mount the container's root filesystem read-only (default true). Turn off only for an image that must
    /// write to its own filesystem (e.g. `/tmp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readonly_root_filesystem: Option<bool>,
    /// `pulumi up` waits until the service's deployment is steady — every task running and healthy behind the
    /// load balancer — and fails when it does not get there (default true). Turn it off only where tasks cannot
    /// run: an emulator, or a first deployment before any image is pushed to the ECR repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_for_steady_state: Option<bool>,
}

/// How new revisions reach production.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Deployment")]
pub struct DeploymentArgs {
    /// `BLUE_GREEN` (default), `CANARY`, `LINEAR` or `ROLLING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<DeploymentStrategy>,
    /// Minutes the old revision stays ready after traffic moved, for instant rollback (default 10, 0-1440).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bake_time_minutes: Option<i32>,
    /// `CANARY`: percent of traffic the new revision gets first (default 10, 0.1-100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_percent: Option<f64>,
    /// `CANARY`: minutes at the canary percentage (default 5, 0-1440).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_bake_time_minutes: Option<i32>,
    /// `LINEAR`: percent of traffic moved per step (default 10, 3-100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear_step_percent: Option<f64>,
    /// `LINEAR`: minutes between steps (default 5, 0-1440).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear_step_bake_time_minutes: Option<i32>,
    /// Roll back automatically when the 5xx error-rate alarm fires during a deployment (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_on_alarm: Option<bool>,
}

/// The internet-facing load balancer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "LoadBalancer")]
pub struct LoadBalancerArgs {
    /// An ACM certificate ARN. With it: HTTPS on 443 with `sslPolicy`, and port 80 redirects to 443. Without it:
    /// HTTP on 80 only, and the engine shows a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    /// TLS policy of the HTTPS listener (default `ELBSecurityPolicy-TLS13-1-2-2021-06`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_policy: Option<String>,
    /// Seconds an idle connection stays open (default 60, 1-4000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_seconds: Option<i32>,
}

/// The web application firewall in front of the load balancer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Waf")]
pub struct WafArgs {
    /// Requests one client IP may make per 5-minute window before it is blocked (default 100, 10-2000000000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<i64>,
    /// AWS managed rule groups to apply, by name (default `AWSManagedRulesCommonRuleSet`,
    /// `AWSManagedRulesKnownBadInputsRuleSet`, `AWSManagedRulesSQLiRuleSet`); an empty list applies none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_rule_groups: Option<Vec<String>>,
}

/// The Aurora MySQL database.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Database")]
pub struct DatabaseArgs {
    /// Aurora MySQL engine version (default `8.0.mysql_aurora.3.08.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    /// Instance class of the writer and the readers (default `db.r6g.large`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_class: Option<String>,
    /// Read replicas (default 2, 0-15), spread over the zones other than the writer's first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader_count: Option<i32>,
    /// The database created in the cluster (default `orders`): a letter, then letters, digits or underscores,
    /// at most 64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_name: Option<String>,
    /// Days automated backups are kept (default 7, 1-35).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_retention_days: Option<i32>,
    /// Daily backup window, UTC `hh24:mi-hh24:mi`, at least 30 minutes (default `03:00-04:00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_window: Option<String>,
    /// Weekly maintenance window, UTC `ddd:hh24:mi-ddd:hh24:mi`, at least 30 minutes, not overlapping the
    /// backup window (default `sun:05:00-sun:06:00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance_window: Option<String>,
    /// Refuse deletion while on (default false, so `pulumi destroy` works; turn on for production data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<bool>,
    /// Take a final snapshot (`<cluster>-final-<unix time>`) when the cluster is deleted (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_snapshot: Option<bool>,
}

/// Who hears about trouble, and when.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Alarms")]
pub struct AlarmArgs {
    /// An email address subscribed to the platform's alarm topic (AWS sends a confirmation mail first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// An existing SNS topic ARN that also receives every alarm and recovery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_arn: Option<String>,
    /// 5xx responses, as a percentage of requests over 5 minutes, that raise the error-rate alarm (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate_percent: Option<f64>,
    /// Database connections (maximum over 5 minutes) that raise the connections alarm (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_connections_threshold: Option<f64>,
    /// Requests the WAF blocks in 5 minutes that raise the blocked-requests alarm (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waf_blocked_threshold: Option<f64>,
}

/// The resolved service settings (defaults filled in).
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSettings {
    /// `Some(uri)` for a user image; `None` runs `image_tag` from the platform's ECR repository.
    pub image: Option<String>,
    pub image_tag: String,
    pub container_port: i32,
    pub cpu: i32,
    pub memory: i32,
    pub desired_count: i32,
    pub min_count: i32,
    pub max_count: i32,
    pub health_check_path: String,
    pub path_patterns: Vec<String>,
    pub environment: BTreeMap<String, String>,
    /// Secret values: never logged; the builders pass them on wrapped as Pulumi secrets.
    pub secrets: BTreeMap<String, String>,
    pub spot_weight: i32,
    pub on_demand_weight: i32,
    pub on_demand_base: i32,
    pub cpu_target_percent: f64,
    pub pending_orders_target_per_task: f64,
    pub scale_out_cooldown_seconds: i32,
    pub scale_in_cooldown_seconds: i32,
    pub deregistration_delay_seconds: i32,
    pub log_retention_days: i32,
    pub readonly_root_filesystem: bool,
    pub wait_for_steady_state: bool,
}

/// The resolved deployment settings.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentSettings {
    pub strategy: DeploymentStrategy,
    pub bake_time_minutes: i32,
    pub canary_percent: f64,
    pub canary_bake_time_minutes: i32,
    pub linear_step_percent: f64,
    pub linear_step_bake_time_minutes: i32,
    pub rollback_on_alarm: bool,
}

/// The resolved load balancer settings.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadBalancerSettings {
    pub certificate_arn: Option<String>,
    pub ssl_policy: String,
    pub idle_timeout_seconds: i32,
}

/// The resolved WAF settings.
#[derive(Clone, Debug, PartialEq)]
pub struct WafSettings {
    pub rate_limit: i64,
    pub managed_rule_groups: Vec<String>,
}

/// The resolved database settings.
#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseSettings {
    pub engine_version: String,
    pub instance_class: String,
    pub reader_count: i32,
    pub database_name: String,
    pub backup_retention_days: i32,
    pub backup_window: String,
    pub maintenance_window: String,
    pub deletion_protection: bool,
    pub final_snapshot: bool,
}

/// The resolved alarm settings.
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmSettings {
    pub email: Option<String>,
    pub topic_arn: Option<String>,
    pub error_rate_percent: f64,
    pub db_connections_threshold: f64,
    pub waf_blocked_threshold: f64,
}

/// Everything the builders need, defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub service: ServiceSettings,
    pub deployment: DeploymentSettings,
    pub load_balancer: LoadBalancerSettings,
    pub waf: WafSettings,
    pub database: DatabaseSettings,
    pub alarms: AlarmSettings,
}

/// Default routes of the order API.
pub const DEFAULT_PATH_PATTERNS: [&str; 3] = ["/orders", "/orders/*", "/health"];
/// Default AWS managed rule groups.
pub const DEFAULT_MANAGED_RULE_GROUPS: [&str; 3] = [
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
];
/// AWS managed rule groups the platform knows (all usable on a regional web ACL without a subscription).
pub const KNOWN_MANAGED_RULE_GROUPS: [&str; 9] = [
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesAnonymousIpList",
    "AWSManagedRulesLinuxRuleSet",
    "AWSManagedRulesUnixRuleSet",
    "AWSManagedRulesAdminProtectionRuleSet",
    "AWSManagedRulesPHPRuleSet",
];
/// Default Aurora instance class.
pub const DEFAULT_INSTANCE_CLASS: &str = "db.r6g.large";
/// Most Aurora replicas a cluster may have.
pub const MAX_READERS: i32 = 15;

/// An environment variable name ECS and shells accept: a letter or `_`, then letters, digits, `_`.
fn is_env_name(name: &str) -> bool {
    name.len() <= 255
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Characters an ALB path pattern may hold besides letters and digits.
const PATH_PATTERN_CHARS: &str = "_-.$/~\"'@:+&*?";

/// An ALB path pattern: starts with `/`, at most 128 characters of `A-Za-z0-9_-.$/~"'@:+&*?` (AWS's set).
fn is_path_pattern(p: &str) -> bool {
    p.starts_with('/')
        && p.len() <= 128
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || PATH_PATTERN_CHARS.contains(c))
}

/// A health check path: starts with `/`, at most 1024 printable ASCII characters, no spaces.
fn is_health_path(p: &str) -> bool {
    p.starts_with('/') && p.len() <= 1024 && p.chars().all(|c| c.is_ascii_graphic())
}

/// An image URI `registry/repository[:tag|@sha256:digest]` (no spaces, lowercase repository).
fn is_image_uri(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && !s.chars().any(char::is_whitespace)
        && !s.starts_with('/')
        && !s.ends_with(':')
        && !s.ends_with('/')
}

/// An image tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`) or a `sha256:` digest of 64 hex digits.
fn is_image_tag(s: &str) -> bool {
    if let Some(hex) = s.strip_prefix("sha256:") {
        return hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    s.len() <= 128
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// `arn:<partition>:<service>:<region>:<account>:<resource>` with the given service.
fn is_arn(s: &str, service: &str) -> bool {
    Arn::of_service(s, service).is_some()
}

/// Expected Spot tasks out of `count` under a capacity provider strategy: the base runs on demand, the rest
/// splits by weight (ECS places tasks to approach the weights' ratio).
pub fn spot_tasks(count: i32, base: i32, spot_weight: i32, on_demand_weight: i32) -> f64 {
    let rest = f64::from((count - base).max(0));
    let total = f64::from(spot_weight + on_demand_weight);
    if total <= 0.0 {
        return 0.0;
    }
    rest * f64::from(spot_weight) / total
}

/// Validates the groups and resolves their defaults; failures name the property (`service.cpu`).
pub fn settings(
    service: Option<&ServiceArgs>,
    deployment: Option<&DeploymentArgs>,
    load_balancer: Option<&LoadBalancerArgs>,
    waf: Option<&WafArgs>,
    database: Option<&DatabaseArgs>,
    alarms: Option<&AlarmArgs>,
    f: &mut Failures,
) -> Settings {
    Settings {
        service: service_settings(&service.cloned().unwrap_or_default(), f),
        deployment: deployment_settings(&deployment.cloned().unwrap_or_default(), f),
        load_balancer: load_balancer_settings(&load_balancer.cloned().unwrap_or_default(), f),
        waf: waf_settings(&waf.cloned().unwrap_or_default(), f),
        database: database_settings(&database.cloned().unwrap_or_default(), f),
        alarms: alarm_settings(&alarms.cloned().unwrap_or_default(), f),
    }
}

fn range(f: &mut Failures, property: &str, value: i32, lo: i32, hi: i32, what: &str) {
    f.require(
        (lo..=hi).contains(&value),
        property,
        format!("{what} must be {lo}-{hi}, got {value}"),
    );
}

fn service_settings(a: &ServiceArgs, f: &mut Failures) -> ServiceSettings {
    let s = ServiceSettings {
        image: a.image.clone(),
        image_tag: a.image_tag.clone().unwrap_or_else(|| "latest".into()),
        container_port: a.container_port.unwrap_or(8080),
        cpu: a.cpu.unwrap_or(512),
        memory: a.memory.unwrap_or(1024),
        desired_count: a.desired_count.unwrap_or(3),
        min_count: a.min_count.unwrap_or(3),
        max_count: a.max_count.unwrap_or(12),
        health_check_path: a
            .health_check_path
            .clone()
            .unwrap_or_else(|| "/health".into()),
        path_patterns: a
            .path_patterns
            .clone()
            .unwrap_or_else(|| DEFAULT_PATH_PATTERNS.map(String::from).to_vec()),
        environment: a.environment.clone().unwrap_or_default(),
        secrets: a.secrets.clone().unwrap_or_default(),
        spot_weight: a.spot_weight.unwrap_or(3),
        on_demand_weight: a.on_demand_weight.unwrap_or(1),
        on_demand_base: a.on_demand_base.unwrap_or(1),
        cpu_target_percent: a.cpu_target_percent.unwrap_or(70.0),
        pending_orders_target_per_task: a.pending_orders_target_per_task.unwrap_or(100.0),
        scale_out_cooldown_seconds: a.scale_out_cooldown_seconds.unwrap_or(60),
        scale_in_cooldown_seconds: a.scale_in_cooldown_seconds.unwrap_or(300),
        deregistration_delay_seconds: a.deregistration_delay_seconds.unwrap_or(30),
        log_retention_days: a.log_retention_days.unwrap_or(30),
        readonly_root_filesystem: a.readonly_root_filesystem.unwrap_or(true),
        wait_for_steady_state: a.wait_for_steady_state.unwrap_or(true),
    };
    if let Some(image) = &s.image {
        f.require(
            a.image_tag.is_none(),
            "service.imageTag",
            "set either service.image (a full URI) or service.imageTag (in the platform's ECR repository), not both",
        );
        f.require(
            is_image_uri(image),
            "service.image",
            format!("'{image}' is not an image URI such as registry/repository:tag"),
        );
    }
    f.require(
        is_image_tag(&s.image_tag),
        "service.imageTag",
        format!(
            "'{}' is not an image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}) or sha256: digest",
            s.image_tag
        ),
    );
    range(
        f,
        "service.containerPort",
        s.container_port,
        1,
        65535,
        "the container port",
    );
    f.require(
        fargate_pair_allowed(s.cpu, s.memory),
        "service.memory",
        format!(
            "cpu {} with memory {} MiB is not a Fargate size (e.g. 256/512, 512/1024, 1024/2048, 2048/4096, \
             4096/8192)",
            s.cpu, s.memory
        ),
    );
    range(f, "service.minCount", s.min_count, 1, 1000, "minCount");
    range(f, "service.maxCount", s.max_count, 1, 1000, "maxCount");
    f.require(
        s.min_count <= s.max_count,
        "service.maxCount",
        format!("maxCount {} is below minCount {}", s.max_count, s.min_count),
    );
    f.require(
        (s.min_count..=s.max_count).contains(&s.desired_count),
        "service.desiredCount",
        format!(
            "desiredCount {} must lie within minCount {}..maxCount {}",
            s.desired_count, s.min_count, s.max_count
        ),
    );
    f.require(
        is_health_path(&s.health_check_path),
        "service.healthCheckPath",
        format!(
            "'{}' must start with / and hold no spaces (at most 1024 characters)",
            s.health_check_path
        ),
    );
    f.require(
        (1..=5).contains(&s.path_patterns.len()),
        "service.pathPatterns",
        format!(
            "1-5 patterns are allowed on one ALB rule, got {}",
            s.path_patterns.len()
        ),
    );
    for p in &s.path_patterns {
        f.require(
            is_path_pattern(p),
            "service.pathPatterns",
            format!("'{p}' must start with / and use only A-Za-z0-9 _-.$/~\"'@:+&*? (at most 128)"),
        );
    }
    for (key, what) in [
        ("service.environment", &s.environment),
        ("service.secrets", &s.secrets),
    ] {
        for name in what.keys() {
            f.require(
                is_env_name(name),
                key,
                format!("'{name}' is not an environment variable name (a letter or _, then letters, digits, _)"),
            );
        }
    }
    for name in s.environment.keys() {
        f.require(
            !s.secrets.contains_key(name),
            "service.secrets",
            format!("'{name}' is in both service.environment and service.secrets"),
        );
    }
    for (property, names) in [
        ("service.environment", &s.environment),
        ("service.secrets", &s.secrets),
    ] {
        for name in names.keys() {
            f.require(
                !RESERVED_ENV.contains(&name.as_str()),
                property,
                format!(
                    "'{name}' is set by the platform itself (reserved: {})",
                    RESERVED_ENV.join(", ")
                ),
            );
        }
    }
    for (name, value) in &s.environment {
        f.require(
            !value.is_empty() && value.len() <= 4096,
            "service.environment",
            format!("the value of '{name}' must be 1-4096 characters (a standard SSM parameter)"),
        );
    }
    f.require(
        serde_json::to_string(&s.secrets)
            .map(|j| j.len())
            .unwrap_or(0)
            <= 65536,
        "service.secrets",
        "the secrets together exceed Secrets Manager's 64 KiB limit",
    );
    range(
        f,
        "service.spotWeight",
        s.spot_weight,
        0,
        1000,
        "spotWeight",
    );
    range(
        f,
        "service.onDemandWeight",
        s.on_demand_weight,
        0,
        1000,
        "onDemandWeight",
    );
    range(
        f,
        "service.onDemandBase",
        s.on_demand_base,
        0,
        100_000,
        "onDemandBase",
    );
    f.require(
        s.spot_weight > 0 && s.spot_weight >= s.on_demand_weight,
        "service.spotWeight",
        format!(
            "at least half of the tasks must run on Fargate Spot: spotWeight {} must be > 0 and at least \
             onDemandWeight {}",
            s.spot_weight, s.on_demand_weight
        ),
    );
    for (property, count) in [
        ("service.minCount", s.min_count),
        ("service.desiredCount", s.desired_count),
    ] {
        let spot = spot_tasks(count, s.on_demand_base, s.spot_weight, s.on_demand_weight);
        f.require(
            2.0 * spot >= f64::from(count),
            "service.onDemandBase",
            format!(
                "with onDemandBase {} and weights {}:{} (spot:on-demand), only {spot:.1} of {property} {count} \
                 tasks would run on Spot; at least half must",
                s.on_demand_base, s.spot_weight, s.on_demand_weight
            ),
        );
    }
    f.require(
        s.cpu_target_percent > 0.0 && s.cpu_target_percent <= 100.0,
        "service.cpuTargetPercent",
        format!(
            "must be above 0 and at most 100, got {}",
            s.cpu_target_percent
        ),
    );
    f.require(
        s.pending_orders_target_per_task > 0.0 && s.pending_orders_target_per_task.is_finite(),
        "service.pendingOrdersTargetPerTask",
        format!("must be above 0, got {}", s.pending_orders_target_per_task),
    );
    range(
        f,
        "service.scaleOutCooldownSeconds",
        s.scale_out_cooldown_seconds,
        0,
        86_400,
        "the cooldown",
    );
    range(
        f,
        "service.scaleInCooldownSeconds",
        s.scale_in_cooldown_seconds,
        0,
        86_400,
        "the cooldown",
    );
    range(
        f,
        "service.deregistrationDelaySeconds",
        s.deregistration_delay_seconds,
        0,
        3600,
        "the deregistration delay",
    );
    f.require(
        RETENTION_DAYS.contains(&s.log_retention_days),
        "service.logRetentionDays",
        format!(
            "{} is not a CloudWatch Logs retention period ({})",
            s.log_retention_days,
            RETENTION_DAYS
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    s
}

/// Environment variables the platform sets on the container itself.
pub const RESERVED_ENV: [&str; 9] = [
    "DB_SECRET_ARN",
    "DB_HOST",
    "DB_READER_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_USERNAME",
    "DB_PASSWORD",
    "METRIC_NAMESPACE",
    "SERVICE_NAME",
];

fn deployment_settings(a: &DeploymentArgs, f: &mut Failures) -> DeploymentSettings {
    let s = DeploymentSettings {
        strategy: a.strategy.unwrap_or_default(),
        bake_time_minutes: a.bake_time_minutes.unwrap_or(10),
        canary_percent: a.canary_percent.unwrap_or(10.0),
        canary_bake_time_minutes: a.canary_bake_time_minutes.unwrap_or(5),
        linear_step_percent: a.linear_step_percent.unwrap_or(10.0),
        linear_step_bake_time_minutes: a.linear_step_bake_time_minutes.unwrap_or(5),
        rollback_on_alarm: a.rollback_on_alarm.unwrap_or(true),
    };
    range(
        f,
        "deployment.bakeTimeMinutes",
        s.bake_time_minutes,
        0,
        1440,
        "the bake time",
    );
    range(
        f,
        "deployment.canaryBakeTimeMinutes",
        s.canary_bake_time_minutes,
        0,
        1440,
        "the canary bake time",
    );
    range(
        f,
        "deployment.linearStepBakeTimeMinutes",
        s.linear_step_bake_time_minutes,
        0,
        1440,
        "the step bake time",
    );
    f.require(
        (0.1..=100.0).contains(&s.canary_percent),
        "deployment.canaryPercent",
        format!("must be 0.1-100, got {}", s.canary_percent),
    );
    f.require(
        (3.0..=100.0).contains(&s.linear_step_percent),
        "deployment.linearStepPercent",
        format!("must be 3-100, got {}", s.linear_step_percent),
    );
    let strategy_fields = [
        (
            a.canary_percent.is_some(),
            "deployment.canaryPercent",
            DeploymentStrategy::Canary,
        ),
        (
            a.canary_bake_time_minutes.is_some(),
            "deployment.canaryBakeTimeMinutes",
            DeploymentStrategy::Canary,
        ),
        (
            a.linear_step_percent.is_some(),
            "deployment.linearStepPercent",
            DeploymentStrategy::Linear,
        ),
        (
            a.linear_step_bake_time_minutes.is_some(),
            "deployment.linearStepBakeTimeMinutes",
            DeploymentStrategy::Linear,
        ),
    ];
    for (given, property, needs) in strategy_fields {
        f.require(
            !given || s.strategy == needs,
            property,
            format!("applies only to strategy {}", needs.ecs_value()),
        );
    }
    s
}

fn load_balancer_settings(a: &LoadBalancerArgs, f: &mut Failures) -> LoadBalancerSettings {
    let s = LoadBalancerSettings {
        certificate_arn: a.certificate_arn.clone(),
        ssl_policy: a
            .ssl_policy
            .clone()
            .unwrap_or_else(|| crate::resources::elbv2::listener::DEFAULT_SSL_POLICY.into()),
        idle_timeout_seconds: a.idle_timeout_seconds.unwrap_or(60),
    };
    if let Some(arn) = &s.certificate_arn {
        f.require(
            is_arn(arn, "acm") && arn.contains(":certificate/")
                || is_arn(arn, "iam") && arn.contains(":server-certificate/"),
            "loadBalancer.certificateArn",
            format!("'{arn}' is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)"),
        );
    }
    f.require(
        a.ssl_policy.is_none() || s.certificate_arn.is_some(),
        "loadBalancer.sslPolicy",
        "applies only with loadBalancer.certificateArn (HTTPS)",
    );
    f.require(
        s.ssl_policy.starts_with("ELBSecurityPolicy-"),
        "loadBalancer.sslPolicy",
        format!(
            "'{}' is not an ELB security policy name (ELBSecurityPolicy-...)",
            s.ssl_policy
        ),
    );
    range(
        f,
        "loadBalancer.idleTimeoutSeconds",
        s.idle_timeout_seconds,
        1,
        4000,
        "the idle timeout",
    );
    s
}

fn waf_settings(a: &WafArgs, f: &mut Failures) -> WafSettings {
    let s = WafSettings {
        rate_limit: a.rate_limit.unwrap_or(100),
        managed_rule_groups: a
            .managed_rule_groups
            .clone()
            .unwrap_or_else(|| DEFAULT_MANAGED_RULE_GROUPS.map(String::from).to_vec()),
    };
    f.require(
        (10..=2_000_000_000).contains(&s.rate_limit),
        "waf.rateLimit",
        format!(
            "must be 10-2000000000 requests per 5 minutes, got {}",
            s.rate_limit
        ),
    );
    let mut seen = std::collections::BTreeSet::new();
    for g in &s.managed_rule_groups {
        f.require(
            KNOWN_MANAGED_RULE_GROUPS.contains(&g.as_str()),
            "waf.managedRuleGroups",
            format!(
                "'{g}' is not an AWS managed rule group this platform supports ({})",
                KNOWN_MANAGED_RULE_GROUPS.join(", ")
            ),
        );
        f.require(
            seen.insert(g),
            "waf.managedRuleGroups",
            format!("'{g}' is listed twice"),
        );
    }
    s
}

fn database_settings(a: &DatabaseArgs, f: &mut Failures) -> DatabaseSettings {
    let s = DatabaseSettings {
        engine_version: a
            .engine_version
            .clone()
            .unwrap_or_else(|| DEFAULT_ENGINE_VERSION.into()),
        instance_class: a
            .instance_class
            .clone()
            .unwrap_or_else(|| DEFAULT_INSTANCE_CLASS.into()),
        reader_count: a.reader_count.unwrap_or(2),
        database_name: a.database_name.clone().unwrap_or_else(|| "orders".into()),
        backup_retention_days: a.backup_retention_days.unwrap_or(7),
        backup_window: a
            .backup_window
            .clone()
            .unwrap_or_else(|| "03:00-04:00".into()),
        maintenance_window: a
            .maintenance_window
            .clone()
            .unwrap_or_else(|| "sun:05:00-sun:06:00".into()),
        deletion_protection: a.deletion_protection.unwrap_or(false),
        final_snapshot: a.final_snapshot.unwrap_or(false),
    };
    f.require(
        is_engine_version(&s.engine_version) && s.engine_version.contains("mysql_aurora"),
        "database.engineVersion",
        format!(
            "'{}' is not an Aurora MySQL engine version (e.g. {DEFAULT_ENGINE_VERSION})",
            s.engine_version
        ),
    );
    f.require(
        is_instance_class(&s.instance_class),
        "database.instanceClass",
        format!(
            "'{}' is not a DB instance class (e.g. db.r6g.large, db.t4g.medium)",
            s.instance_class
        ),
    );
    range(
        f,
        "database.readerCount",
        s.reader_count,
        0,
        MAX_READERS,
        "readerCount",
    );
    let db_name_ok = s.database_name.len() <= 64
        && s.database_name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && s.database_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    f.require(
        db_name_ok,
        "database.databaseName",
        format!(
            "'{}' must start with a letter and hold only letters, digits and _ (at most 64)",
            s.database_name
        ),
    );
    range(
        f,
        "database.backupRetentionDays",
        s.backup_retention_days,
        1,
        35,
        "backup retention",
    );
    let backup = parse_backup_window(&s.backup_window);
    f.require(
        backup.is_some(),
        "database.backupWindow",
        format!(
            "'{}' is not a window hh24:mi-hh24:mi of at least 30 minutes",
            s.backup_window
        ),
    );
    let maintenance = parse_maintenance_window(&s.maintenance_window);
    f.require(
        maintenance.is_some(),
        "database.maintenanceWindow",
        format!(
            "'{}' is not a window ddd:hh24:mi-ddd:hh24:mi of at least 30 minutes",
            s.maintenance_window
        ),
    );
    if let (Some(b), Some(m)) = (backup, maintenance) {
        f.require(
            !windows_overlap(b, m),
            "database.maintenanceWindow",
            format!(
                "'{}' overlaps the backup window '{}'",
                s.maintenance_window, s.backup_window
            ),
        );
    }
    s
}

fn alarm_settings(a: &AlarmArgs, f: &mut Failures) -> AlarmSettings {
    let s = AlarmSettings {
        email: a.email.clone(),
        topic_arn: a.topic_arn.clone(),
        error_rate_percent: a.error_rate_percent.unwrap_or(5.0),
        db_connections_threshold: a.db_connections_threshold.unwrap_or(500.0),
        waf_blocked_threshold: a.waf_blocked_threshold.unwrap_or(1000.0),
    };
    if let Some(email) = &s.email {
        f.require(
            is_email(email),
            "alarms.email",
            format!("'{email}' is not an email address"),
        );
    }
    if let Some(arn) = &s.topic_arn {
        f.require(
            is_arn(arn, "sns"),
            "alarms.topicArn",
            format!("'{arn}' is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)"),
        );
    }
    f.require(
        s.error_rate_percent > 0.0 && s.error_rate_percent <= 100.0,
        "alarms.errorRatePercent",
        format!(
            "must be above 0 and at most 100, got {}",
            s.error_rate_percent
        ),
    );
    f.require(
        s.db_connections_threshold > 0.0 && s.db_connections_threshold.is_finite(),
        "alarms.dbConnectionsThreshold",
        format!("must be above 0, got {}", s.db_connections_threshold),
    );
    f.require(
        s.waf_blocked_threshold > 0.0 && s.waf_blocked_threshold.is_finite(),
        "alarms.wafBlockedThreshold",
        format!("must be above 0, got {}", s.waf_blocked_threshold),
    );
    s
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::platform::PlatformArgs;
    use crate::rpc::value::{PropertyMap, Value};

    fn inputs(extra: serde_json::Value) -> PropertyMap {
        let mut m: PropertyMap = [("environment", "prod"), ("environmentSuffix", "x7k2")]
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect();
        for (k, v) in extra.as_object().expect("object").clone() {
            m.insert(k, Value::from_json(v));
        }
        m
    }

    fn settings_of(extra: serde_json::Value) -> Settings {
        let args = PlatformArgs::from_inputs(&inputs(extra)).expect("valid");
        let mut f = Failures::default();
        let s = args.settings_into(&mut f);
        assert!(f.finish(()).is_ok());
        s
    }

    #[test]
    fn defaults_are_production_defaults() {
        let s = settings_of(json!({}));
        assert_eq!(s.service.image, None);
        assert_eq!(s.service.image_tag, "latest");
        assert_eq!((s.service.cpu, s.service.memory), (512, 1024));
        assert_eq!(
            (
                s.service.min_count,
                s.service.desired_count,
                s.service.max_count
            ),
            (3, 3, 12)
        );
        assert_eq!(s.service.health_check_path, "/health");
        assert_eq!(s.service.cpu_target_percent, 70.0);
        assert_eq!(s.deployment.strategy, DeploymentStrategy::BlueGreen);
        assert!(s.deployment.rollback_on_alarm);
        assert_eq!(s.waf.rate_limit, 100);
        assert_eq!(s.waf.managed_rule_groups.len(), 3);
        assert_eq!(s.database.reader_count, 2);
        assert!(!s.database.deletion_protection);
        assert!(!s.database.final_snapshot);
        assert_eq!(s.load_balancer.certificate_arn, None);
        assert_eq!(s.alarms.error_rate_percent, 5.0);
        // Default split: at least half of the default counts on Spot.
        let spot = spot_tasks(3, 1, 3, 1);
        assert!(2.0 * spot >= 3.0, "{spot}");
    }

    #[test]
    fn given_values_override_defaults() {
        let s = settings_of(json!({
            "service": {"image": "public.ecr.aws/nginx/nginx:1.27", "cpu": 1024, "memory": 4096,
                        "minCount": 2, "desiredCount": 4, "maxCount": 20, "onDemandBase": 0,
                        "spotWeight": 1, "onDemandWeight": 1, "environment": {"LOG_LEVEL": "info"},
                        "secrets": {"PAYMENT_API_KEY": "k"}},
            "deployment": {"strategy": "CANARY", "canaryPercent": 20, "canaryBakeTimeMinutes": 3},
            "loadBalancer": {"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                             "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"},
            "waf": {"rateLimit": 500, "managedRuleGroups": ["AWSManagedRulesAmazonIpReputationList"]},
            "database": {"readerCount": 0, "finalSnapshot": true, "instanceClass": "db.t4g.medium"},
            "alarms": {"email": "oncall@example.com",
                       "topicArn": "arn:aws:sns:us-east-1:123456789012:pager"}
        }));
        assert_eq!(
            s.service.image.as_deref(),
            Some("public.ecr.aws/nginx/nginx:1.27")
        );
        assert_eq!(s.service.max_count, 20);
        assert_eq!(s.deployment.strategy, DeploymentStrategy::Canary);
        assert_eq!(s.deployment.strategy.ecs_value(), "CANARY");
        assert_eq!(s.deployment.canary_percent, 20.0);
        assert_eq!(s.waf.rate_limit, 500);
        assert_eq!(s.database.reader_count, 0);
        assert!(s.database.final_snapshot);
        assert_eq!(s.service.secrets["PAYMENT_API_KEY"], "k");
        assert_eq!(s.alarms.email.as_deref(), Some("oncall@example.com"));
    }

    /// Every rule: the input that breaks it, and the property the failure must name.
    #[test]
    fn bad_inputs_fail_naming_the_property() {
        let cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
        let cases: Vec<(serde_json::Value, &str)> = vec![
            (
                json!({"service": {"cpu": 256, "memory": 4096}}),
                "service.memory",
            ),
            (
                json!({"service": {"cpu": 300, "memory": 1024}}),
                "service.memory",
            ),
            (
                json!({"service": {"minCount": 5, "maxCount": 2, "desiredCount": 3}}),
                "service.maxCount",
            ),
            (
                json!({"service": {"desiredCount": 30}}),
                "service.desiredCount",
            ),
            (json!({"service": {"minCount": 0}}), "service.minCount"),
            (
                json!({"service": {"containerPort": 70000}}),
                "service.containerPort",
            ),
            (
                json!({"service": {"healthCheckPath": "health"}}),
                "service.healthCheckPath",
            ),
            (
                json!({"service": {"healthCheckPath": "/he alth"}}),
                "service.healthCheckPath",
            ),
            (
                json!({"service": {"pathPatterns": []}}),
                "service.pathPatterns",
            ),
            (
                json!({"service": {"pathPatterns": ["/a", "/b", "/c", "/d", "/e", "/f"]}}),
                "service.pathPatterns",
            ),
            (
                json!({"service": {"pathPatterns": ["orders"]}}),
                "service.pathPatterns",
            ),
            (
                json!({"service": {"environment": {"1BAD": "x"}}}),
                "service.environment",
            ),
            (
                json!({"service": {"environment": {"DB_HOST": "x"}}}),
                "service.environment",
            ),
            (
                json!({"service": {"environment": {"EMPTY": ""}}}),
                "service.environment",
            ),
            (
                json!({"service": {"environment": {"K": "a"}, "secrets": {"K": "b"}}}),
                "service.secrets",
            ),
            (
                json!({"service": {"secrets": {"bad-name": "b"}}}),
                "service.secrets",
            ),
            (json!({"service": {"imageTag": "-bad"}}), "service.imageTag"),
            (
                json!({"service": {"image": "nginx:1", "imageTag": "v1"}}),
                "service.imageTag",
            ),
            (
                json!({"service": {"image": "has space:1"}}),
                "service.image",
            ),
            (
                json!({"service": {"spotWeight": 1, "onDemandWeight": 2}}),
                "service.spotWeight",
            ),
            (json!({"service": {"spotWeight": 0}}), "service.spotWeight"),
            (
                json!({"service": {"onDemandBase": 3}}),
                "service.onDemandBase",
            ),
            (
                json!({"service": {"cpuTargetPercent": 0}}),
                "service.cpuTargetPercent",
            ),
            (
                json!({"service": {"cpuTargetPercent": 150}}),
                "service.cpuTargetPercent",
            ),
            (
                json!({"service": {"pendingOrdersTargetPerTask": -1}}),
                "service.pendingOrdersTargetPerTask",
            ),
            (
                json!({"service": {"scaleInCooldownSeconds": -5}}),
                "service.scaleInCooldownSeconds",
            ),
            (
                json!({"service": {"deregistrationDelaySeconds": 4000}}),
                "service.deregistrationDelaySeconds",
            ),
            (
                json!({"service": {"logRetentionDays": 42}}),
                "service.logRetentionDays",
            ),
            (json!({"service": {"cpu": "lots"}}), "service.cpu"),
            (json!({"service": {"replicas": 3}}), "service.replicas"),
            (
                json!({"deployment": {"strategy": "BIG_BANG"}}),
                "deployment.strategy",
            ),
            (
                json!({"deployment": {"bakeTimeMinutes": 2000}}),
                "deployment.bakeTimeMinutes",
            ),
            (
                json!({"deployment": {"canaryPercent": 20}}),
                "deployment.canaryPercent",
            ),
            (
                json!({"deployment": {"strategy": "CANARY", "canaryPercent": 0}}),
                "deployment.canaryPercent",
            ),
            (
                json!({"deployment": {"strategy": "LINEAR", "linearStepPercent": 2}}),
                "deployment.linearStepPercent",
            ),
            (
                json!({"deployment": {"linearStepBakeTimeMinutes": 5}}),
                "deployment.linearStepBakeTimeMinutes",
            ),
            (
                json!({"loadBalancer": {"certificateArn": "not-an-arn"}}),
                "loadBalancer.certificateArn",
            ),
            (
                json!({"loadBalancer": {"sslPolicy": "ELBSecurityPolicy-2016-08"}}),
                "loadBalancer.sslPolicy",
            ),
            (
                json!({"loadBalancer": {"certificateArn": cert, "sslPolicy": "TLS1.3"}}),
                "loadBalancer.sslPolicy",
            ),
            (
                json!({"loadBalancer": {"idleTimeoutSeconds": 0}}),
                "loadBalancer.idleTimeoutSeconds",
            ),
            (json!({"waf": {"rateLimit": 5}}), "waf.rateLimit"),
            (
                json!({"waf": {"managedRuleGroups": ["AWSManagedRulesBotControlRuleSetX"]}}),
                "waf.managedRuleGroups",
            ),
            (
                json!({"waf": {"managedRuleGroups": ["AWSManagedRulesSQLiRuleSet", "AWSManagedRulesSQLiRuleSet"]}}),
                "waf.managedRuleGroups",
            ),
            (
                json!({"database": {"engineVersion": "8.0.32"}}),
                "database.engineVersion",
            ),
            (
                json!({"database": {"engineVersion": "13.4"}}),
                "database.engineVersion",
            ),
            (
                json!({"database": {"instanceClass": "r6g.large"}}),
                "database.instanceClass",
            ),
            (
                json!({"database": {"readerCount": 16}}),
                "database.readerCount",
            ),
            (
                json!({"database": {"databaseName": "1orders"}}),
                "database.databaseName",
            ),
            (
                json!({"database": {"databaseName": "order-db"}}),
                "database.databaseName",
            ),
            (
                json!({"database": {"backupRetentionDays": 0}}),
                "database.backupRetentionDays",
            ),
            (
                json!({"database": {"backupWindow": "3am"}}),
                "database.backupWindow",
            ),
            (
                json!({"database": {"maintenanceWindow": "sunday"}}),
                "database.maintenanceWindow",
            ),
            (
                json!({"database": {"backupWindow": "05:00-06:00", "maintenanceWindow": "sun:05:30-sun:06:30"}}),
                "database.maintenanceWindow",
            ),
            (
                json!({"alarms": {"email": "oncall-at-example.com"}}),
                "alarms.email",
            ),
            (
                json!({"alarms": {"topicArn": "arn:aws:sqs:us-east-1:123456789012:q"}}),
                "alarms.topicArn",
            ),
            (
                json!({"alarms": {"errorRatePercent": 0}}),
                "alarms.errorRatePercent",
            ),
            (
                json!({"alarms": {"dbConnectionsThreshold": -1}}),
                "alarms.dbConnectionsThreshold",
            ),
            (
                json!({"alarms": {"wafBlockedThreshold": 0}}),
                "alarms.wafBlockedThreshold",
            ),
            (
                json!({"availabilityZones": ["us-east-1a", "us-east-1a", "us-east-1b"]}),
                "availabilityZones",
            ),
            (json!({"tags": {"ManagedBy": "me"}}), "tags"),
            (json!({"vpcCidr": "10.0.0.0/25"}), "vpcCidr"),
        ];
        assert!(cases.len() >= 25);
        for (extra, property) in cases {
            let failures = PlatformArgs::from_inputs(&inputs(extra.clone()))
                .expect_err(&format!("{extra} must be refused"));
            assert!(
                failures.iter().any(|f| f.property == property),
                "{extra}: expected a failure on {property}, got {failures:?}"
            );
        }
    }

    #[test]
    fn spot_share_counts_the_on_demand_base() {
        assert_eq!(spot_tasks(3, 1, 3, 1), 1.5);
        assert_eq!(spot_tasks(4, 0, 1, 1), 2.0);
        assert_eq!(spot_tasks(2, 5, 1, 1), 0.0);
        assert_eq!(spot_tasks(10, 0, 0, 0), 0.0);
    }

    #[test]
    fn name_rules() {
        assert!(is_image_tag("v1.2.3"));
        assert!(is_image_tag(&format!("sha256:{}", "a".repeat(64))));
        assert!(!is_image_tag("sha256:abc"));
        assert!(is_image_uri(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders@sha256:abc"
        ));
        assert!(!is_image_uri("/orders"));
        assert!(is_email("a.b@example.co.uk"));
        assert!(!is_email("a@b"));
        assert!(!is_email("a b@example.com"));
        assert!(is_env_name("_X1"));
        assert!(!is_env_name("X-1"));
        assert!(is_arn("arn:aws-us-gov:sns:us-gov-west-1:1:t", "sns"));
        assert!(!is_arn("arn:aws:sns:us-east-1:1:", "sns"));
    }
}
