//! The `service` group: the order API's container service (image, size, counts, routes, configuration, Spot
//! share, autoscaling).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::rules::{
    is_env_name, is_health_path, is_image_tag, is_image_uri, is_path_pattern, range,
};
use crate::resource::Failures;
use crate::resources::ecs::task_definition::fargate_pair_allowed;
use crate::resources::logs::log_group::RETENTION_DAYS;

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
    /// Whether a tag of the platform's ECR repository can be pushed again: `IMMUTABLE` (default: a tag always
    /// names the image it was first pushed as, so a deploy, a rollback or a new task of a running revision never
    /// picks up different code under the same tag; deploy versioned tags) or `MUTABLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability: Option<String>,
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

/// The resolved service settings (defaults filled in).
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSettings {
    /// `Some(uri)` for a user image; `None` runs `image_tag` from the platform's ECR repository.
    pub image: Option<String>,
    pub image_tag: String,
    pub image_tag_mutability: String,
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

/// Default routes of the order API.
pub const DEFAULT_PATH_PATTERNS: [&str; 3] = ["/orders", "/orders/*", "/health"];

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

pub(super) fn service_settings(a: &ServiceArgs, f: &mut Failures) -> ServiceSettings {
    let s = ServiceSettings {
        image: a.image.clone(),
        image_tag: a.image_tag.clone().unwrap_or_else(|| "latest".into()),
        image_tag_mutability: a
            .image_tag_mutability
            .clone()
            .unwrap_or_else(|| "IMMUTABLE".into()),
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
    f.require(
        matches!(s.image_tag_mutability.as_str(), "IMMUTABLE" | "MUTABLE"),
        "service.imageTagMutability",
        format!(
            "'{}' must be `IMMUTABLE` or `MUTABLE`",
            s.image_tag_mutability
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
