//! The platform's compute: ECR, logs, IAM roles ([`iam`]), the ECS cluster, task definition ([`task`]) and
//! service ([`service`]), autoscaling ([`autoscaling`]).
//!
//! Every child is declared against exactly what it references: the repository, log group, cluster and roles
//! start at once; the task definition follows its roles, repository, log group, secrets and parameters; the
//! service follows the task definition, the edge (target groups, production listener and rule), the rollback
//! alarm, the NAT routes of its subnets and the Aurora writer (see [`service`] for why those two); autoscaling
//! follows the service. Every value taken from another child is recorded as a dependency of the property it lands
//! in, so the engine creates a child after what it names and deletes it before.
//!
//! IAM is least privilege, scoped to the platform's own ARNs; `*` appears only where AWS offers no resource-level
//! permission (`ecr:GetAuthorizationToken`, `cloudwatch:PutMetricData` — narrowed by the `cloudwatch:namespace`
//! condition — and the Elastic Load Balancing `Describe*` calls).

pub mod autoscaling;
pub mod iam;
pub mod service;
pub mod task;
#[cfg(test)]
mod tests;

use super::child::{Handle, Props, Scope};
use super::data::Data;
use super::edge::Edge;
use super::network::Network;
use super::observability::Observability;
use super::security::SecurityGroups;
use crate::arn::Arn;
use crate::resources::ecr::repository::Repository;
use crate::resources::ecs::cluster::Cluster;
use crate::resources::logs::{log_group::LogGroup, metric_filter::MetricFilter};
use crate::rpc::value::{Value, obj};

/// The order API's container (the task definition's only container; the target groups forward to it).
pub const CONTAINER_NAME: &str = "orderapi";
/// Prefix of the container's log streams (`orders/orderapi/<task id>`).
pub const LOG_STREAM_PREFIX: &str = "orders";
/// Images the ECR lifecycle policy keeps (the most recently pushed; older ones expire). Generous, so a rollback
/// to a recent revision always finds its image.
pub const KEEP_IMAGES: i32 = 50;
/// Seconds ECS ignores failing load balancer health checks after a task starts (also the container health
/// check's start period).
pub const HEALTH_CHECK_GRACE_SECONDS: i32 = 60;
/// The metric the error metric filter publishes into the service's namespace.
pub const ERRORS_METRIC: &str = "Errors";
/// The metric each task publishes (its queue depth), dimension `ServiceName`.
pub const PENDING_ORDERS_METRIC: &str = "PendingOrders";
/// Structured (JSON) log events at level ERROR.
pub const ERROR_FILTER_PATTERN: &str = r#"{ $.level = "ERROR" }"#;
/// ECS's predefined CPU metric for target tracking.
pub const CPU_METRIC: &str = "ECSServiceAverageCPUUtilization";

/// The compute children.
#[derive(Debug)]
pub struct Compute<'a> {
    /// Id = repository name; outputs: arn, repositoryUrl.
    pub repository: Handle<'a>,
    /// Id = log group name; outputs: arn.
    pub log_group: Handle<'a>,
    pub error_metric_filter: Handle<'a>,
    /// Outputs: arn.
    pub execution_role: Handle<'a>,
    /// Outputs: arn.
    pub task_role: Handle<'a>,
    /// The role ECS assumes to shift traffic between the target groups (blue/green, canary, linear). Registered
    /// for ROLLING too, so switching strategies never has to wait for a new role to propagate in IAM.
    pub infrastructure_role: Handle<'a>,
    /// Id = cluster name; outputs: arn.
    pub cluster: Handle<'a>,
    /// Id = task definition revision ARN.
    pub task_definition: Handle<'a>,
    /// Id = service ARN; outputs: arn.
    pub service: Handle<'a>,
    pub scalable_target: Handle<'a>,
    pub cpu_policy: Handle<'a>,
    pub pending_orders_policy: Handle<'a>,
}

/// The known string inside `v` (through secret wrappers and known outputs); `None` while unknown (preview).
pub(crate) fn known(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Secret(inner) => known(inner),
        Value::Output {
            value: Some(inner), ..
        } => known(inner),
        _ => None,
    }
}

/// `f` of the known strings in `values`; unknown while any is (preview).
pub(crate) fn map_known<const N: usize>(
    values: [&Value; N],
    f: impl FnOnce([&str; N]) -> Result<String, String>,
) -> Result<Value, String> {
    let mut parts: [&str; N] = [""; N];
    for (slot, v) in parts.iter_mut().zip(values) {
        match known(v) {
            Some(s) => *slot = s,
            None => return Ok(Value::Unknown),
        }
    }
    f(parts).map(Value::String)
}

/// `(partition, region, account)` of an ARN (`arn:<partition>:<service>:<region>:<account>:<resource>`).
pub(crate) fn arn_parts(arn: &str) -> Result<(String, String, String), String> {
    match arn.parse::<Arn>() {
        Ok(a) if !a.account.is_empty() => Ok((a.partition, a.region, a.account)),
        _ => Err(format!(
            "compute: '{arn}' is not an ARN (arn:<partition>:<service>:<region>:<account>:<resource>), so the \
             account and region of the platform's IAM policies cannot be derived from it"
        )),
    }
}

/// A list of strings.
pub(crate) fn strings(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| Value::from(*s)).collect())
}

/// Declares the compute children.
pub fn build<'a>(
    scope: &Scope<'a>,
    net: &Network<'a>,
    sgs: &SecurityGroups<'a>,
    edge: &Edge<'a>,
    data: &Data<'a>,
    obs: &Observability<'a>,
) -> Result<Compute<'a>, String> {
    let n = scope.naming();
    let s = &scope.settings().service;
    let namespace = scope.metric_namespace();

    if s.image.is_none() && s.image_tag == "latest" && s.image_tag_mutability == "IMMUTABLE" {
        scope.env.diagnostics.log(
            crate::resource::Severity::Warning,
            scope.urn,
            format!(
                "{} '{}': the service runs the tag `latest` from an IMMUTABLE repository, where `latest` can be \
                 pushed only once; push versioned tags and set service.imageTag (or set \
                 service.imageTagMutability: MUTABLE)",
                super::TOKEN,
                scope.env.name
            ),
            false,
        );
    }
    let repository = scope.register(
        Props::of::<Repository>(scope.logical("ecr"))
            .set("name", n.name("ecr"))
            .set("scanOnPush", true)
            .arg(
                "imageTagMutability",
                s.image_tag_mutability.as_str(),
                "service.imageTagMutability",
            )
            .set("encryptionType", "AES256")
            .set(
                "lifecyclePolicy",
                obj([("keepLastImages", KEEP_IMAGES.into())]),
            )
            .set("forceDelete", true)
            .arg("tags", scope.tags.clone(), "tags"),
    );
    let log_group = scope.register(
        Props::of::<LogGroup>(scope.logical("logs"))
            .set("name", n.name("logs"))
            .arg(
                "retentionInDays",
                s.log_retention_days,
                "service.logRetentionDays",
            )
            .arg("tags", scope.tags.clone(), "tags"),
    );
    let error_metric_filter = scope.register(
        Props::of::<MetricFilter>(scope.logical("logs-errors"))
            .set("name", n.qualified("mf", "errors"))
            .id_of("logGroupName", &log_group)
            .set("filterPattern", ERROR_FILTER_PATTERN)
            .set(
                "metricTransformation",
                obj([
                    ("metricName", ERRORS_METRIC.into()),
                    ("metricNamespace", namespace.as_str().into()),
                    ("metricValue", "1".into()),
                    ("defaultValue", 0.0.into()),
                    ("unit", "Count".into()),
                ]),
            ),
    );
    let cluster = scope.register(
        Props::of::<Cluster>(scope.logical("ecs"))
            .set("name", n.name("ecs"))
            .set("containerInsights", "enabled")
            .set("capacityProviders", strings(&["FARGATE", "FARGATE_SPOT"]))
            .set(
                "defaultCapacityProviderStrategy",
                service::capacity_strategy(s),
            )
            .arg("tags", scope.tags.clone(), "tags"),
    );
    let task_role = scope.register(iam::task_role(scope, data));
    let infrastructure_role = scope.register(iam::infrastructure_role(scope, edge));
    let execution_role = scope.register(iam::execution_role(scope, &repository, &log_group, data));
    let task_definition = scope.register(task::task_definition(
        scope,
        &task::TaskRefs {
            repository: &repository,
            log_group: &log_group,
            execution_role: &execution_role,
            task_role: &task_role,
        },
        data,
    )?);
    let service = scope.register(service::service(
        scope,
        &service::ServiceRefs {
            net,
            sgs,
            edge,
            data,
            obs,
            cluster: &cluster,
            task_definition: &task_definition,
            infrastructure_role: &infrastructure_role,
        },
    ));
    let scaling = autoscaling::build(scope, &cluster, &service);
    Ok(Compute {
        repository,
        log_group,
        error_metric_filter,
        execution_role,
        task_role,
        infrastructure_role,
        cluster,
        task_definition,
        service,
        scalable_target: scaling.target,
        cpu_policy: scaling.cpu,
        pending_orders_policy: scaling.pending_orders,
    })
}
