//! The platform's compute: ECR, logs, IAM roles, the ECS cluster, task definition and service, autoscaling.
//!
//! Registration order (independent children concurrently, so the engine creates them in parallel):
//! 1. ECR repository ∥ log group ∥ ECS cluster ∥ task role ∥ ECS infrastructure role;
//! 2. the error metric filter (on the log group) ∥ the chain execution role (scoped to the repository, the log
//!    group, the secrets and the parameters) → task definition → service → scalable target → the two
//!    target-tracking policies.
//!
//! Every value taken from another child is recorded as a dependency of the property it lands in, so the engine
//! creates a child after what it names and deletes it before (e.g. the service goes before the listener rule, the
//! target groups, the infrastructure role and the rollback alarm it refers to).
//!
//! IAM is least privilege, scoped to the platform's own ARNs; `*` appears only where AWS offers no resource-level
//! permission (`ecr:GetAuthorizationToken`, `cloudwatch:PutMetricData` — narrowed by the `cloudwatch:namespace`
//! condition — and the Elastic Load Balancing `Describe*` calls).

use crate::arn::Arn;
use std::collections::BTreeMap;

use super::args::{DeploymentStrategy, RESERVED_ENV, ServiceSettings};
use super::data::Data;
use super::edge::Edge;
use super::network::Network;
use super::observability::Observability;
use super::security::SecurityGroups;
use super::{Child, Props, Scope};
use crate::resources::iam::policy::POLICY_VERSION;
use crate::rpc::value::{PropertyMap, Value, obj};

const REPOSITORY: &str = "orderapi:ecr:Repository";
const LOG_GROUP: &str = "orderapi:logs:LogGroup";
const METRIC_FILTER: &str = "orderapi:logs:MetricFilter";
const ROLE: &str = "orderapi:iam:Role";
const CLUSTER: &str = "orderapi:ecs:Cluster";
const TASK_DEFINITION: &str = "orderapi:ecs:TaskDefinition";
const SERVICE: &str = "orderapi:ecs:Service";
const SCALABLE_TARGET: &str = "orderapi:appautoscaling:ScalableTarget";
const SCALING_POLICY: &str = "orderapi:appautoscaling:ScalingPolicy";

/// The order API's container (the task definition's only container; the target groups forward to it).
pub const CONTAINER_NAME: &str = "orderapi";
/// Prefix of the container's log streams (`orders/orderapi/<task id>`).
pub const LOG_STREAM_PREFIX: &str = "orders";
/// The repository's tag mutability: `MUTABLE`, because the default `imageTag` is `latest`, which every build
/// pushes again — an `IMMUTABLE` repository would refuse the second push and the default would stop working.
/// Teams that pin releases lose nothing: they push unique tags (or run a `sha256:` digest, which can never move),
/// the task definition records exactly what it runs, and scan-on-push checks every image. It does not follow
/// `imageTag` (a change of `imageTag` must update only the task definition and the service).
pub const IMAGE_TAG_MUTABILITY: &str = "MUTABLE";
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

/// The registered compute children.
#[derive(Debug)]
pub struct Compute {
    /// Id = repository name; outputs: arn, repositoryUrl.
    pub repository: Child,
    /// Id = log group name; outputs: arn.
    pub log_group: Child,
    pub error_metric_filter: Child,
    /// Outputs: arn.
    pub execution_role: Child,
    /// Outputs: arn.
    pub task_role: Child,
    /// The role ECS assumes to shift traffic between the target groups (blue/green, canary, linear). Registered
    /// for ROLLING too, so switching strategies never has to wait for a new role to propagate in IAM.
    pub infrastructure_role: Child,
    /// Id = cluster name; outputs: arn.
    pub cluster: Child,
    /// Id = task definition revision ARN.
    pub task_definition: Child,
    /// Id = service ARN; outputs: arn.
    pub service: Child,
    pub scalable_target: Child,
    pub cpu_policy: Child,
    pub pending_orders_policy: Child,
}

/// The known string inside `v` (through secret wrappers and known outputs); `None` while unknown (preview).
fn known(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Secret(inner) => known(inner),
        Value::Output {
            value: Some(inner), ..
        } => known(inner),
        _ => None,
    }
}

/// A string derived from the known strings of `values` by `f`; unknown when any of them is (preview).
fn derive<'a, const N: usize>(
    values: [&'a Value; N],
    f: impl FnOnce([&'a str; N]) -> Result<String, String>,
) -> Result<Value, String> {
    let mut parts: [&'a str; N] = [""; N];
    for (slot, v) in parts.iter_mut().zip(values) {
        match known(v) {
            Some(s) => *slot = s,
            None => return Ok(Value::Unknown),
        }
    }
    f(parts).map(Value::String)
}

/// `f` of the known strings in `values`; unknown while any is (preview).
fn map_known<'a, const N: usize>(
    values: [&'a Value; N],
    f: impl FnOnce([&'a str; N]) -> String,
) -> Value {
    let mut parts: [&'a str; N] = [""; N];
    for (slot, v) in parts.iter_mut().zip(values) {
        match known(v) {
            Some(s) => *slot = s,
            None => return Value::Unknown,
        }
    }
    Value::String(f(parts))
}

/// `(partition, region, account)` of an ARN (`arn:<partition>:<service>:<region>:<account>:<resource>`).
fn arn_parts(arn: &str) -> Result<(String, String, String), String> {
    match arn.parse::<Arn>() {
        Ok(a) if !a.account.is_empty() => Ok((a.partition, a.region, a.account)),
        _ => Err(format!(
            "compute: '{arn}' is not an ARN (arn:<partition>:<service>:<region>:<account>:<resource>), so the \
             account and region of the platform's IAM policies cannot be derived from it"
        )),
    }
}

/// The ECR repository ARN of a private ECR image URI (`<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>`
/// with an optional `:tag` or `@digest`); `None` for any other registry.
fn ecr_repository_arn(image: &str) -> Option<String> {
    let (registry, rest) = image.split_once('/')?;
    let labels: Vec<&str> = registry.split('.').collect();
    let (account, region, partition) = match labels.as_slice() {
        [account, "dkr", "ecr", region, "amazonaws", "com"] => (*account, *region, "aws"),
        [account, "dkr", "ecr", region, "amazonaws", "com", "cn"] => (*account, *region, "aws-cn"),
        _ => return None,
    };
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let repository = rest.split_once('@').map_or(rest, |(r, _)| r);
    // Repository names hold no ':', so one after the last '/' starts the tag.
    let repository = match repository.rsplit_once(':') {
        Some((r, tag)) if !tag.contains('/') => r,
        _ => repository,
    };
    (!repository.is_empty())
        .then(|| format!("arn:{partition}:ecr:{region}:{account}:repository/{repository}"))
}

/// The container image: the user's own URI, or `imageTag` in the platform's repository (`<url>:<tag>`, or
/// `<url>@sha256:…` for a digest).
fn image(service: &ServiceSettings, repository: &Child) -> Result<Value, String> {
    if let Some(image) = &service.image {
        return Ok(image.as_str().into());
    }
    let separator = if service.image_tag.starts_with("sha256:") {
        '@'
    } else {
        ':'
    };
    derive([&repository.output("repositoryUrl")], |[url]| {
        Ok(format!("{url}{separator}{}", service.image_tag))
    })
}

/// The Spot split: `onDemandBase` tasks on FARGATE first, the rest by weight over FARGATE and FARGATE_SPOT.
fn capacity_strategy(s: &ServiceSettings) -> Value {
    Value::Array(vec![
        obj([
            ("capacityProvider", "FARGATE".into()),
            ("weight", s.on_demand_weight.into()),
            ("base", s.on_demand_base.into()),
        ]),
        obj([
            ("capacityProvider", "FARGATE_SPOT".into()),
            ("weight", s.spot_weight.into()),
            ("base", 0.into()),
        ]),
    ])
}

fn strings(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| Value::from(*s)).collect())
}

/// An `Allow` statement of an identity policy.
fn statement(sid: &str, actions: &[&str], resources: Vec<Value>) -> Value {
    obj([
        ("sid", sid.into()),
        ("effect", "Allow".into()),
        ("actions", strings(actions)),
        ("resources", Value::Array(resources)),
    ])
}

/// An `Allow` statement of an identity policy with a condition (operator → key → values).
fn conditioned(sid: &str, actions: &[&str], resources: Vec<Value>, condition: Value) -> Value {
    obj([
        ("sid", sid.into()),
        ("effect", "Allow".into()),
        ("actions", strings(actions)),
        ("resources", Value::Array(resources)),
        ("condition", condition),
    ])
}

fn policy(statements: Vec<Value>) -> Value {
    obj([
        ("version", POLICY_VERSION.into()),
        ("statements", Value::Array(statements)),
    ])
}

/// A trust policy letting one AWS service principal assume the role.
fn trust(service: &str, condition: Option<Value>) -> Value {
    let mut s: PropertyMap = [
        ("effect".to_string(), Value::from("Allow")),
        (
            "principal".to_string(),
            obj([("service", strings(&[service]))]),
        ),
        ("actions".to_string(), strings(&["sts:AssumeRole"])),
    ]
    .into_iter()
    .collect();
    if let Some(c) = condition {
        s.insert("condition".into(), c);
    }
    policy(vec![Value::Object(s)])
}

/// The common part of the three roles.
fn role(scope: &Scope<'_>, qualifier: &str, description: &str) -> Props {
    Props::new(ROLE, scope.logical(&format!("role-{qualifier}")))
        .set("name", scope.naming().qualified("role", qualifier))
        .set("description", description)
        .set("tags", scope.tags.clone())
}

/// The task execution role: what ECS itself needs to start a task — pull the image, write the log stream,
/// resolve the container's `secrets`.
///
/// The trust policy names `ecs-tasks.amazonaws.com` without an `aws:SourceAccount` condition: AWS documents the
/// confused-deputy conditions for task roles, not for execution roles, and a condition the service does not
/// supply would stop every task from starting.
fn execution_role(
    scope: &Scope<'_>,
    repository: &Child,
    log_group: &Child,
    data: &Data,
) -> Result<Props, String> {
    let service = &scope.settings().service;
    let mut pull = vec![repository.output("arn")];
    if let Some(arn) = service.image.as_deref().and_then(ecr_repository_arn) {
        pull.push(arn.into());
    }
    let log_streams = map_known([&log_group.output("arn")], |[arn]| format!("{arn}:*"));
    let mut statements = vec![
        // AWS requires `*`: the authorization token is for the registry, not a repository.
        statement(
            "EcrAuthorization",
            &["ecr:GetAuthorizationToken"],
            vec!["*".into()],
        ),
        statement(
            "EcrPull",
            &[
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
            pull,
        ),
        statement(
            "Logs",
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            vec![log_streams],
        ),
        statement(
            "Secrets",
            &["secretsmanager:GetSecretValue"],
            vec![
                data.app_secret.output("arn"),
                data.cluster.output("masterUserSecretArn"),
            ],
        ),
    ];
    if !data.parameters.is_empty() {
        statements.push(statement(
            "Parameters",
            &["ssm:GetParameters"],
            data.parameters.values().map(|p| p.output("arn")).collect(),
        ));
    }
    let mut from: Vec<&Child> = vec![repository, log_group, &data.app_secret, &data.cluster];
    from.extend(data.parameters.values());
    Ok(role(
        scope,
        "execution",
        "Order API task execution: pull the image, write logs, read the service's secrets and parameters",
    )
    .set("assumeRolePolicy", trust("ecs-tasks.amazonaws.com", None))
    .depends(
        "inlinePolicies",
        obj([("execution", policy(statements))]),
        &from,
    ))
}

/// The task role: what the order API's own code may do — publish its metrics (only into its namespace), read
/// its configuration under the parameter path, and re-read the database credentials RDS rotates
/// (`DB_SECRET_ARN`; the injected `DB_PASSWORD` is fixed at task start).
///
/// The trust policy carries the confused-deputy conditions AWS documents for task roles: `aws:SourceAccount`
/// and `aws:SourceArn` (any ECS resource of this account and region).
fn task_role(scope: &Scope<'_>, data: &Data) -> Result<Props, String> {
    let namespace = scope.metric_namespace();
    let path = scope.parameter_path();
    let path = path.trim_end_matches('/');
    let app_arn = data.app_secret.output("arn");
    let ssm = |suffix: &str| {
        derive([&app_arn], |[arn]| {
            let (partition, region, account) = arn_parts(arn)?;
            Ok(format!(
                "arn:{partition}:ssm:{region}:{account}:parameter{path}{suffix}"
            ))
        })
    };
    let trust_condition = match known(&app_arn) {
        Some(arn) => {
            let (partition, region, account) = arn_parts(arn)?;
            obj([
                (
                    "StringEquals",
                    obj([("aws:SourceAccount", strings(&[account.as_str()]))]),
                ),
                (
                    "ArnLike",
                    obj([(
                        "aws:SourceArn",
                        Value::Array(vec![
                            format!("arn:{partition}:ecs:{region}:{account}:*").into(),
                        ]),
                    )]),
                ),
            ])
        }
        None => Value::Unknown,
    };
    let statements = vec![
        // AWS requires `*` for PutMetricData; the condition keeps the task inside its own namespace.
        conditioned(
            "Metrics",
            &["cloudwatch:PutMetricData"],
            vec!["*".into()],
            obj([(
                "StringEquals",
                obj([("cloudwatch:namespace", strings(&[namespace.as_str()]))]),
            )]),
        ),
        statement(
            "Configuration",
            &[
                "ssm:GetParameter",
                "ssm:GetParameters",
                "ssm:GetParametersByPath",
            ],
            vec![ssm("")?, ssm("/*")?],
        ),
        statement(
            "DatabaseCredentials",
            &["secretsmanager:GetSecretValue"],
            vec![data.cluster.output("masterUserSecretArn")],
        ),
    ];
    Ok(role(
        scope,
        "task",
        "Order API application: publish its metrics, read its configuration and database credentials",
    )
    .depends(
        "assumeRolePolicy",
        trust("ecs-tasks.amazonaws.com", Some(trust_condition)),
        &[&data.app_secret],
    )
    .depends(
        "inlinePolicies",
        obj([("task", policy(statements))]),
        &[&data.app_secret, &data.cluster],
    ))
}

/// The ECS infrastructure role for blue/green, canary and linear deployments: what
/// `AmazonECSInfrastructureRolePolicyForLoadBalancers` grants, scoped to the platform's target groups, production
/// listener and rule (the `Describe*` calls have no resource-level permissions, so they keep `*`).
fn infrastructure_role(scope: &Scope<'_>, edge: &Edge) -> Props {
    let statements = vec![
        statement(
            "LoadBalancerReads",
            &[
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetHealth",
            ],
            vec!["*".into()],
        ),
        statement(
            "TargetGroups",
            &[
                "elasticloadbalancing:DeregisterTargets",
                "elasticloadbalancing:RegisterTargets",
            ],
            vec![edge.blue.output("arn"), edge.green.output("arn")],
        ),
        statement(
            "Listener",
            &["elasticloadbalancing:ModifyListener"],
            vec![edge.listener.output("arn")],
        ),
        statement(
            "ListenerRule",
            &["elasticloadbalancing:ModifyRule"],
            vec![edge.rule.output("arn")],
        ),
    ];
    role(
        scope,
        "ecs-infra",
        "ECS blue/green deployments of the order API: shift traffic between its target groups",
    )
    .set("assumeRolePolicy", trust("ecs.amazonaws.com", None))
    .depends(
        "inlinePolicies",
        obj([("load-balancers", policy(statements))]),
        &[&edge.blue, &edge.green, &edge.listener, &edge.rule],
    )
}

/// `curl -f http://localhost:<port><path> || exit 1`; the URL is single-quoted when the path holds characters a
/// shell would interpret.
fn health_command(port: i32, path: &str) -> String {
    let url = format!("http://localhost:{port}{path}");
    let plain = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.' | '~'));
    let url = if plain {
        url
    } else {
        format!("'{}'", url.replace('\'', r"'\''"))
    };
    format!("curl -f {url} || exit 1")
}

/// The container's `secrets`: each SSM parameter under its environment variable name, each key of the app
/// secret (`<arn>:<KEY>::`), and the database credentials from the RDS-managed secret.
fn container_secrets(scope: &Scope<'_>, data: &Data) -> Result<Value, String> {
    let mut secrets: BTreeMap<String, Value> = BTreeMap::new();
    let mut add = |name: &str, value_from: Value| -> Result<(), String> {
        match secrets.insert(name.to_string(), value_from) {
            None => Ok(()),
            Some(_) => Err(format!(
                "compute: the container's environment variable '{name}' would be set twice (the platform sets \
                 DB_USERNAME and DB_PASSWORD itself); rename it in service.environment or service.secrets"
            )),
        }
    };
    for (name, parameter) in &data.parameters {
        add(name, parameter.output("arn"))?;
    }
    let app_arn = data.app_secret.output("arn");
    for key in scope.settings().service.secrets.keys() {
        add(key, map_known([&app_arn], |[arn]| format!("{arn}:{key}::")))?;
    }
    let db_arn = data.cluster.output("masterUserSecretArn");
    for (name, field) in [("DB_USERNAME", "username"), ("DB_PASSWORD", "password")] {
        add(
            name,
            map_known([&db_arn], |[arn]| format!("{arn}:{field}::")),
        )?;
    }
    Ok(Value::Array(
        secrets
            .into_iter()
            .map(|(name, value_from)| obj([("name", name.into()), ("valueFrom", value_from)]))
            .collect(),
    ))
}

/// Plain environment variables for the platform-set names (`RESERVED_ENV`) that the data tier does not already
/// provide as SSM parameters.
fn container_environment(scope: &Scope<'_>, data: &Data) -> Vec<Value> {
    RESERVED_ENV
        .iter()
        .filter(|name| !data.parameters.contains_key(**name))
        .filter_map(|name| {
            let value = match *name {
                "DB_SECRET_ARN" => data.cluster.output("masterUserSecretArn"),
                "DB_HOST" => data.cluster.output("endpoint"),
                "DB_READER_HOST" => data.cluster.output("readerEndpoint"),
                "DB_NAME" => scope.settings().database.database_name.as_str().into(),
                "DB_PORT" => super::security::DB_PORT.to_string().into(),
                "METRIC_NAMESPACE" => scope.metric_namespace().into(),
                "SERVICE_NAME" => scope.naming().name("svc").into(),
                _ => return None,
            };
            Some(obj([("name", (*name).into()), ("value", value)]))
        })
        .collect()
}

fn task_definition(
    scope: &Scope<'_>,
    repository: &Child,
    log_group: &Child,
    execution: &Child,
    task: &Child,
    data: &Data,
) -> Result<Props, String> {
    let service = &scope.settings().service;
    let mut container: PropertyMap = [
        ("name", Value::from(CONTAINER_NAME)),
        ("image", image(service, repository)?),
        ("essential", true.into()),
        (
            "portMappings",
            Value::Array(vec![obj([
                ("containerPort", service.container_port.into()),
                ("protocol", "tcp".into()),
            ])]),
        ),
        ("secrets", container_secrets(scope, data)?),
        (
            "healthCheck",
            obj([
                (
                    "command",
                    Value::Array(vec![
                        "CMD-SHELL".into(),
                        health_command(service.container_port, &service.health_check_path).into(),
                    ]),
                ),
                ("interval", 30.into()),
                ("timeout", 5.into()),
                ("retries", 3.into()),
                ("startPeriod", HEALTH_CHECK_GRACE_SECONDS.into()),
            ]),
        ),
        (
            "logConfiguration",
            obj([
                ("group", log_group.id.clone()),
                ("streamPrefix", LOG_STREAM_PREFIX.into()),
            ]),
        ),
        // The order API keeps no state on disk (logs go to stdout as JSON).
        (
            "readonlyRootFilesystem",
            scope.settings().service.readonly_root_filesystem.into(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let environment = container_environment(scope, data);
    if !environment.is_empty() {
        container.insert("environment".into(), Value::Array(environment));
    }
    let mut from: Vec<&Child> = vec![repository, log_group, &data.app_secret, &data.cluster];
    from.extend(data.parameters.values());
    Ok(Props::new(TASK_DEFINITION, scope.logical("task"))
        .set("family", scope.naming().name("task"))
        .set("cpu", service.cpu)
        .set("memory", service.memory)
        .set(
            "runtimePlatform",
            obj([
                ("operatingSystemFamily", "LINUX".into()),
                ("cpuArchitecture", "X86_64".into()),
            ]),
        )
        .output_of("executionRoleArn", execution, "arn")
        .output_of("taskRoleArn", task, "arn")
        .depends(
            "containerDefinitions",
            Value::Array(vec![Value::Object(container)]),
            &from,
        )
        .set("tags", scope.tags.clone()))
}

/// How ECS rolls out a revision: the chosen strategy with its bake time and canary/linear steps, the circuit
/// breaker, and the error-rate alarm that fails (and by default rolls back) a deployment.
fn deployment_configuration(scope: &Scope<'_>, alarm: &Child) -> Value {
    let d = &scope.settings().deployment;
    let mut c: PropertyMap = [
        ("minimumHealthyPercent", Value::from(100)),
        ("maximumPercent", 200.into()),
        (
            "circuitBreaker",
            obj([("enable", true.into()), ("rollback", true.into())]),
        ),
        ("strategy", d.strategy.ecs_value().into()),
        (
            "alarms",
            obj([
                ("names", Value::Array(vec![alarm.id.clone()])),
                ("rollback", d.rollback_on_alarm.into()),
                ("enable", true.into()),
            ]),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if d.strategy != DeploymentStrategy::Rolling {
        c.insert("bakeTimeInMinutes".into(), d.bake_time_minutes.into());
    }
    match d.strategy {
        DeploymentStrategy::Canary => {
            c.insert(
                "canaryConfiguration".into(),
                obj([
                    ("canaryPercent", d.canary_percent.into()),
                    ("canaryBakeTimeInMinutes", d.canary_bake_time_minutes.into()),
                ]),
            );
        }
        DeploymentStrategy::Linear => {
            c.insert(
                "linearConfiguration".into(),
                obj([
                    ("stepPercent", d.linear_step_percent.into()),
                    (
                        "stepBakeTimeInMinutes",
                        d.linear_step_bake_time_minutes.into(),
                    ),
                ]),
            );
        }
        DeploymentStrategy::BlueGreen | DeploymentStrategy::Rolling => {}
    }
    Value::Object(c)
}

#[allow(clippy::too_many_arguments)]
fn service(
    scope: &Scope<'_>,
    net: &Network,
    sgs: &SecurityGroups,
    edge: &Edge,
    obs: &Observability,
    cluster: &Child,
    task_definition: &Child,
    infrastructure: &Child,
) -> Props {
    let s = &scope.settings().service;
    let mut lb: PropertyMap = [
        ("targetGroupArn", edge.blue.output("arn")),
        ("containerName", CONTAINER_NAME.into()),
        ("containerPort", s.container_port.into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if scope.settings().deployment.strategy != DeploymentStrategy::Rolling {
        lb.insert(
            "advancedConfiguration".into(),
            obj([
                ("alternateTargetGroupArn", edge.green.output("arn")),
                ("productionListenerRule", edge.rule.output("arn")),
                ("roleArn", infrastructure.output("arn")),
            ]),
        );
    }
    let mut network_from: Vec<&Child> = net.private_subnets.iter().collect();
    network_from.push(&sgs.tasks);
    Props::new(SERVICE, scope.logical("svc"))
        .set("name", scope.naming().name("svc"))
        .id_of("cluster", cluster)
        .id_of("taskDefinition", task_definition)
        .set("desiredCount", s.desired_count)
        .set("desiredCountOwnedByAutoscaling", true)
        .set("waitForSteadyState", s.wait_for_steady_state)
        .set("capacityProviderStrategy", capacity_strategy(s))
        .depends(
            "networkConfiguration",
            obj([
                (
                    "subnets",
                    Value::Array(net.private_subnets.iter().map(|c| c.id.clone()).collect()),
                ),
                ("securityGroups", Value::Array(vec![sgs.tasks.id.clone()])),
                ("assignPublicIp", "DISABLED".into()),
            ]),
            &network_from,
        )
        // The rule and listener too, also for ROLLING: ECS refuses a target group no listener forwards to.
        .depends(
            "loadBalancers",
            Value::Array(vec![Value::Object(lb)]),
            &[
                &edge.blue,
                &edge.green,
                &edge.rule,
                &edge.listener,
                infrastructure,
            ],
        )
        .set("healthCheckGracePeriodSeconds", HEALTH_CHECK_GRACE_SECONDS)
        .depends(
            "deploymentConfiguration",
            deployment_configuration(scope, &obs.error_rate_alarm),
            &[&obs.error_rate_alarm],
        )
        .set("propagateTags", "SERVICE")
        .set("enableExecuteCommand", false)
        .set("tags", scope.tags.clone())
}

/// Registers the compute children.
pub async fn build(
    scope: &Scope<'_>,
    net: &Network,
    sgs: &SecurityGroups,
    edge: &Edge,
    data: &Data,
    obs: &Observability,
) -> Result<Compute, String> {
    let n = scope.naming();
    let s = &scope.settings().service;
    let namespace = scope.metric_namespace();

    let repository = scope.register(
        Props::new(REPOSITORY, scope.logical("ecr"))
            .set("name", n.name("ecr"))
            .set("scanOnPush", true)
            .set("imageTagMutability", IMAGE_TAG_MUTABILITY)
            .set("encryptionType", "AES256")
            .set(
                "lifecyclePolicy",
                obj([("keepLastImages", KEEP_IMAGES.into())]),
            )
            .set("forceDelete", true)
            .set("tags", scope.tags.clone()),
    );
    let log_group = scope.register(
        Props::new(LOG_GROUP, scope.logical("logs"))
            .set("name", n.name("logs"))
            .set("retentionInDays", s.log_retention_days)
            .set("tags", scope.tags.clone()),
    );
    let cluster = scope.register(
        Props::new(CLUSTER, scope.logical("ecs"))
            .set("name", n.name("ecs"))
            .set("containerInsights", "enabled")
            .set("capacityProviders", strings(&["FARGATE", "FARGATE_SPOT"]))
            .set("defaultCapacityProviderStrategy", capacity_strategy(s))
            .set("tags", scope.tags.clone()),
    );
    let task_role = scope.register(task_role(scope, data)?);
    let infrastructure_role = scope.register(infrastructure_role(scope, edge));
    let (repository, log_group, cluster, task_role, infrastructure_role) = futures::try_join!(
        repository,
        log_group,
        cluster,
        task_role,
        infrastructure_role
    )?;

    let error_metric_filter = scope.register(
        Props::new(METRIC_FILTER, scope.logical("logs-errors"))
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
    let chain = async {
        let execution_role = scope
            .register(execution_role(scope, &repository, &log_group, data)?)
            .await?;
        let task_definition = scope
            .register(task_definition(
                scope,
                &repository,
                &log_group,
                &execution_role,
                &task_role,
                data,
            )?)
            .await?;
        let service = scope
            .register(service(
                scope,
                net,
                sgs,
                edge,
                obs,
                &cluster,
                &task_definition,
                &infrastructure_role,
            ))
            .await?;
        // Application Auto Scaling names the service by cluster and service name (the cluster's id is its name).
        let resource_id = format!("service/{}/{}", n.name("ecs"), n.name("svc"));
        let scalable_target = scope
            .register(
                Props::new(SCALABLE_TARGET, scope.logical("scaling-target"))
                    .set("serviceNamespace", "ecs")
                    .depends(
                        "resourceId",
                        resource_id.as_str().into(),
                        &[&cluster, &service],
                    )
                    .set("scalableDimension", "ecs:service:DesiredCount")
                    .set("minCapacity", s.min_count)
                    .set("maxCapacity", s.max_count)
                    .set("tags", scope.tags.clone()),
            )
            .await?;
        let policy = |qualifier: &str, tracking: Value| {
            scope.register(
                Props::new(SCALING_POLICY, scope.logical(&format!("scale-{qualifier}")))
                    .set("name", n.qualified("scale", qualifier))
                    .set("serviceNamespace", "ecs")
                    .depends(
                        "resourceId",
                        resource_id.as_str().into(),
                        &[&scalable_target],
                    )
                    .set("scalableDimension", "ecs:service:DesiredCount")
                    .set("targetTracking", tracking),
            )
        };
        let cooldowns = |mut t: PropertyMap| {
            t.insert("scaleInCooldown".into(), s.scale_in_cooldown_seconds.into());
            t.insert(
                "scaleOutCooldown".into(),
                s.scale_out_cooldown_seconds.into(),
            );
            t.insert("disableScaleIn".into(), false.into());
            Value::Object(t)
        };
        let cpu = cooldowns(
            [
                ("targetValue".to_string(), Value::from(s.cpu_target_percent)),
                ("predefinedMetricType".to_string(), CPU_METRIC.into()),
            ]
            .into_iter()
            .collect(),
        );
        let pending = cooldowns(
            [
                (
                    "targetValue".to_string(),
                    Value::from(s.pending_orders_target_per_task),
                ),
                (
                    "customizedMetric".to_string(),
                    obj([
                        ("namespace", namespace.as_str().into()),
                        ("metricName", PENDING_ORDERS_METRIC.into()),
                        (
                            "dimensions",
                            Value::Array(vec![obj([
                                ("name", "ServiceName".into()),
                                ("value", n.name("svc").into()),
                            ])]),
                        ),
                        ("statistic", "Average".into()),
                    ]),
                ),
            ]
            .into_iter()
            .collect(),
        );
        let (cpu_policy, pending_orders_policy) =
            futures::try_join!(policy("cpu", cpu), policy("pending-orders", pending))?;
        Ok::<_, String>((
            execution_role,
            task_definition,
            service,
            scalable_target,
            cpu_policy,
            pending_orders_policy,
        ))
    };
    let (
        error_metric_filter,
        (
            execution_role,
            task_definition,
            service,
            scalable_target,
            cpu_policy,
            pending_orders_policy,
        ),
    ) = futures::try_join!(error_metric_filter, chain)?;
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
        scalable_target,
        cpu_policy,
        pending_orders_policy,
    })
}

/// Builder tests: a recording monitor stands in for the engine; the other builders' children are fabricated
/// with ids and outputs shaped like AWS's.
#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::aws::Aws;
    use crate::platform::naming::Naming;
    use crate::platform::network::NetworkPlan;
    use crate::platform::testing::{Recorder, physical_name};
    use crate::platform::{ChildSpec, ConstructEnv, DEFAULT_VPC_CIDR, Plan, PlatformArgs};
    use crate::resource::{CheckContext, Failures, NoDiagnostics, Registry};

    const ACCOUNT: &str = "123456789012";
    const REGION: &str = "us-east-1";

    fn arn(service: &str, resource: &str) -> String {
        format!("arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}")
    }

    /// A fabricated child of another builder (unknown id and outputs in preview).
    fn child(
        preview: bool,
        token: &str,
        name: &str,
        id: &str,
        outputs: &[(&str, String)],
    ) -> Child {
        Child {
            urn: format!("urn:pulumi:test::proj::{token}::orders-{name}"),
            id: if preview { Value::Unknown } else { id.into() },
            outputs: if preview {
                PropertyMap::new()
            } else {
                outputs
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::from(v.as_str())))
                    .collect()
            },
        }
    }

    const LB_ID: &str = "app/alb-prod-x7k2/50dc6c495c0c9188";
    const DB_SECRET: &str = "secret:rds!cluster-0d5b1d0e-AbCdEf";
    const APP_SECRET: &str = "secret:secret-prod-x7k2-app-AbCdEf";

    struct Inputs {
        net: Network,
        sgs: SecurityGroups,
        edge: Edge,
        data: Data,
        obs: Observability,
    }

    /// The other builders' children. `parameters` are the env var names the data tier made SSM parameters for.
    fn inputs(preview: bool, parameters: &[&str]) -> Inputs {
        let c = |token: &str, name: &str, id: &str, outputs: &[(&str, String)]| {
            child(preview, token, name, id, outputs)
        };
        let subnet = |tier: &str, l: &str| {
            c(
                "orderapi:ec2:Subnet",
                &format!("{tier}-{l}"),
                &format!("subnet-{tier}{l}"),
                &[],
            )
        };
        let letters = ["a", "b", "c"];
        let net = Network {
            vpc: c("orderapi:ec2:Vpc", "vpc", "vpc-0a1b", &[]),
            igw: c("orderapi:ec2:InternetGateway", "igw", "igw-0a1b", &[]),
            public_subnets: letters.iter().map(|l| subnet("public", l)).collect(),
            private_subnets: letters.iter().map(|l| subnet("private", l)).collect(),
            elastic_ips: vec![],
            nat_gateways: vec![],
            public_route_table: c("orderapi:ec2:RouteTable", "public-rt", "rtb-0a1b", &[]),
            private_route_tables: vec![],
        };
        let sg = |q: &str| {
            c(
                "orderapi:ec2:SecurityGroup",
                &format!("sg-{q}"),
                &format!("sg-{q}0a1b"),
                &[],
            )
        };
        let sgs = SecurityGroups {
            alb: sg("alb"),
            tasks: sg("tasks"),
            database: sg("db"),
        };
        let elb = |resource: String| arn("elasticloadbalancing", &resource);
        let tg = |color: &str| {
            let name = format!("tg-prod-x7k2-{color}");
            let a = elb(format!("targetgroup/{name}/73e2d6bc24d8a06{}", color.len()));
            c(
                "orderapi:elbv2:TargetGroup",
                &format!("tg-{color}"),
                &a,
                &[("arn", a.clone()), ("arnSuffix", a.clone())],
            )
        };
        let listener_arn = elb(format!("listener/{LB_ID}/f2f7dc8efc522ab2"));
        let rule_arn = elb(format!(
            "listener-rule/{LB_ID}/f2f7dc8efc522ab2/9683b2d02a6cabee"
        ));
        let lb_arn = elb(format!("loadbalancer/{LB_ID}"));
        let acl_arn = arn("wafv2", "regional/webacl/waf-prod-x7k2/a1b2c3d4");
        let edge = Edge {
            load_balancer: c(
                "orderapi:elbv2:LoadBalancer",
                "alb",
                &lb_arn,
                &[("arn", lb_arn.clone())],
            ),
            blue: tg("blue"),
            green: tg("green"),
            listener: c(
                "orderapi:elbv2:Listener",
                "listener-http",
                &listener_arn,
                &[("arn", listener_arn.clone())],
            ),
            redirect_listener: None,
            rule: c(
                "orderapi:elbv2:ListenerRule",
                "rule-orders",
                &rule_arn,
                &[("arn", rule_arn.clone())],
            ),
            web_acl: c(
                "orderapi:wafv2:WebAcl",
                "waf",
                &acl_arn,
                &[("arn", acl_arn.clone())],
            ),
            web_acl_association: c(
                "orderapi:wafv2:WebAclAssociation",
                "waf-association",
                "assoc",
                &[],
            ),
        };
        let cluster_name = "aurora-prod-x7k2";
        let data = Data {
            subnet_group: c(
                "orderapi:rds:DbSubnetGroup",
                "dbsubnet",
                "dbsubnet-prod-x7k2",
                &[],
            ),
            cluster: c(
                "orderapi:rds:Cluster",
                "aurora",
                cluster_name,
                &[
                    ("arn", arn("rds", &format!("cluster:{cluster_name}"))),
                    (
                        "endpoint",
                        format!("{cluster_name}.cluster-c9akciq32.{REGION}.rds.amazonaws.com"),
                    ),
                    (
                        "readerEndpoint",
                        format!("{cluster_name}.cluster-ro-c9akciq32.{REGION}.rds.amazonaws.com"),
                    ),
                    ("masterUserSecretArn", arn("secretsmanager", DB_SECRET)),
                ],
            ),
            instances: vec![],
            app_secret: c(
                "orderapi:secretsmanager:Secret",
                "secret-app",
                "secret-prod-x7k2-app",
                &[("arn", arn("secretsmanager", APP_SECRET))],
            ),
            parameters: parameters
                .iter()
                .map(|p| {
                    let name = format!("/param-prod-x7k2/{p}");
                    (
                        p.to_string(),
                        c(
                            "orderapi:ssm:Parameter",
                            &format!("param-{p}"),
                            &name,
                            &[("arn", arn("ssm", &format!("parameter{name}")))],
                        ),
                    )
                })
                .collect(),
        };
        let alarm = c(
            "orderapi:cloudwatch:MetricAlarm",
            "alarm-5xx-rate",
            "alarm-prod-x7k2-5xx-rate",
            &[("arn", arn("cloudwatch", "alarm:alarm-prod-x7k2-5xx-rate"))],
        );
        let obs = Observability {
            topic: c("orderapi:sns:Topic", "sns", "t", &[]),
            error_rate_alarm: alarm.clone(),
            alarms: vec![alarm],
            dashboard: c(
                "orderapi:cloudwatch:Dashboard",
                "dash",
                "dash-prod-x7k2",
                &[],
            ),
        };
        Inputs {
            net,
            sgs,
            edge,
            data,
            obs,
        }
    }

    struct Run {
        children: Vec<ChildSpec>,
        built: Compute,
        inputs: Inputs,
    }

    impl Run {
        fn find(&self, name: &str) -> &ChildSpec {
            self.children
                .iter()
                .find(|c| c.name == name)
                .unwrap_or_else(|| panic!("no child {name}"))
        }

        fn json(&self, name: &str, key: &str) -> serde_json::Value {
            let c = self.find(name);
            c.inputs
                .get(key)
                .unwrap_or_else(|| panic!("{name} has no {key}"))
                .to_json()
                .unwrap_or_else(|| panic!("{name}.{key} is not known"))
        }

        fn depends_on(&self, name: &str, key: &str, other: &str) -> bool {
            self.find(name)
                .dependencies
                .get(key)
                .is_some_and(|urns| urns.iter().any(|u| u.ends_with(&format!("::{other}"))))
        }

        fn container(&self) -> serde_json::Value {
            self.json("orders-task", "containerDefinitions")[0].clone()
        }
    }

    /// Builds compute for `orders` (prod/x7k2) with the component inputs `extra` and the data tier's
    /// `parameters`.
    async fn run_with(preview: bool, extra: serde_json::Value, parameters: &[&str]) -> Run {
        let mut props: PropertyMap = [("environment", "prod"), ("environmentSuffix", "x7k2")]
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect();
        for (k, v) in extra.as_object().expect("object").clone() {
            props.insert(k, Value::from_json(v));
        }
        let args = PlatformArgs::from_inputs(&props).expect("valid arguments");
        let env = ConstructEnv {
            name: "orders".into(),
            dry_run: preview,
            aws: Arc::new(Aws::offline()),
            diagnostics: Arc::new(NoDiagnostics),
        };
        let mut f = Failures::default();
        let naming = Naming::new("prod", "x7k2", &mut f);
        let zones: Vec<String> = ["us-east-1a", "us-east-1b", "us-east-1c"]
            .map(String::from)
            .to_vec();
        let network = NetworkPlan::new(DEFAULT_VPC_CIDR, &zones, &mut f);
        let settings = args.settings_into(&mut f);
        assert!(f.finish(()).is_ok());
        let plan = Plan {
            args,
            settings,
            naming,
            zones,
            network,
        };
        let tags: BTreeMap<String, String> = [
            ("Environment", "prod"),
            ("EnvironmentSuffix", "x7k2"),
            ("orderapi:platform", "orders"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let rec = Recorder {
            preview,
            ..Default::default()
        };
        let scope = Scope {
            monitor: &rec,
            urn: "urn:component",
            env: &env,
            plan: &plan,
            tags: Value::from(&tags),
        };
        let inputs = inputs(preview, parameters);
        let built = build(
            &scope,
            &inputs.net,
            &inputs.sgs,
            &inputs.edge,
            &inputs.data,
            &inputs.obs,
        )
        .await
        .expect("build");
        let children = rec.children.into_inner().expect("lock");
        Run {
            children,
            built,
            inputs,
        }
    }

    async fn run() -> Run {
        run_with(false, json!({}), &["LOG_LEVEL"]).await
    }

    fn check_all(run: &Run) {
        let registry = Registry::all();
        for child in &run.children {
            let kind = registry.get(child.type_token).expect("registered kind");
            let checked = kind.check(&CheckContext::default(), child.inputs.clone());
            assert!(
                checked.failures.is_empty(),
                "{}: {:?}",
                child.name,
                checked.failures
            );
        }
    }

    #[tokio::test]
    async fn registers_every_compute_child_under_the_naming_rule() {
        let run = run().await;
        let names: BTreeSet<(String, String)> = run
            .children
            .iter()
            .map(|c| (c.type_token.to_string(), physical_name(c)))
            .collect();
        let expected: BTreeSet<(String, String)> = [
            (REPOSITORY, "ecr-prod-x7k2"),
            (LOG_GROUP, "logs-prod-x7k2"),
            (METRIC_FILTER, "mf-prod-x7k2-errors"),
            (ROLE, "role-prod-x7k2-execution"),
            (ROLE, "role-prod-x7k2-task"),
            (ROLE, "role-prod-x7k2-ecs-infra"),
            (CLUSTER, "ecs-prod-x7k2"),
            (TASK_DEFINITION, "task-prod-x7k2"),
            (SERVICE, "svc-prod-x7k2"),
            (SCALABLE_TARGET, "orders-scaling-target"),
            (SCALING_POLICY, "scale-prod-x7k2-cpu"),
            (SCALING_POLICY, "scale-prod-x7k2-pending-orders"),
        ]
        .iter()
        .map(|(t, n)| (t.to_string(), n.to_string()))
        .collect();
        assert_eq!(names, expected);
        assert_eq!(run.children.len(), 12);
        assert_eq!(run.built.cluster.id, Value::from("ecs-prod-x7k2"));
        assert_eq!(
            run.json("orders-scaling-target", "resourceId"),
            "service/ecs-prod-x7k2/svc-prod-x7k2"
        );
        for child in &run.children {
            if let Some(tags) = child.inputs.get("tags") {
                assert_eq!(tags.to_json().expect("tags")["EnvironmentSuffix"], "x7k2");
            }
        }
        check_all(&run);
    }

    #[tokio::test]
    async fn repository_logs_and_error_metric() {
        let run = run().await;
        assert_eq!(run.json("orders-ecr", "scanOnPush"), true);
        assert_eq!(run.json("orders-ecr", "imageTagMutability"), "MUTABLE");
        assert_eq!(run.json("orders-ecr", "forceDelete"), true);
        assert_eq!(
            run.json("orders-ecr", "lifecyclePolicy"),
            json!({"keepLastImages": KEEP_IMAGES})
        );
        assert_eq!(run.json("orders-logs", "retentionInDays"), 30);
        assert_eq!(
            run.json("orders-logs-errors", "filterPattern"),
            r#"{ $.level = "ERROR" }"#
        );
        let t = run.json("orders-logs-errors", "metricTransformation");
        assert_eq!(t["metricName"], "Errors");
        assert_eq!(t["metricNamespace"], "OrderApi/prod-x7k2");
        assert_eq!(
            run.json("orders-logs-errors", "logGroupName"),
            "logs-prod-x7k2"
        );
        assert!(run.depends_on("orders-logs-errors", "logGroupName", "orders-logs"));
        let custom = run_with(false, json!({"service": {"logRetentionDays": 365}}), &[]).await;
        assert_eq!(custom.json("orders-logs", "retentionInDays"), 365);
    }

    #[tokio::test]
    async fn cluster_and_service_run_mostly_on_spot() {
        let run = run().await;
        assert_eq!(run.json("orders-ecs", "containerInsights"), "enabled");
        assert_eq!(
            run.json("orders-ecs", "capacityProviders"),
            json!(["FARGATE", "FARGATE_SPOT"])
        );
        let expected = json!([
            {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0}
        ]);
        assert_eq!(
            run.json("orders-ecs", "defaultCapacityProviderStrategy"),
            expected
        );
        assert_eq!(run.json("orders-svc", "capacityProviderStrategy"), expected);
        let custom = run_with(
            false,
            json!({"service": {"spotWeight": 4, "onDemandWeight": 1, "onDemandBase": 0}}),
            &[],
        )
        .await;
        assert_eq!(
            custom.json("orders-svc", "capacityProviderStrategy"),
            json!([
                {"capacityProvider": "FARGATE", "weight": 1, "base": 0},
                {"capacityProvider": "FARGATE_SPOT", "weight": 4, "base": 0}
            ])
        );
        let network = run.json("orders-svc", "networkConfiguration");
        assert_eq!(
            network["subnets"],
            json!(["subnet-privatea", "subnet-privateb", "subnet-privatec"])
        );
        assert_eq!(network["securityGroups"], json!(["sg-tasks0a1b"]));
        assert_eq!(network["assignPublicIp"], "DISABLED");
        assert!(run.depends_on("orders-svc", "networkConfiguration", "orders-sg-tasks"));
        assert!(run.depends_on("orders-svc", "networkConfiguration", "orders-private-b"));
        assert_eq!(run.json("orders-svc", "desiredCount"), 3);
        assert_eq!(
            run.json("orders-svc", "desiredCountOwnedByAutoscaling"),
            true
        );
        assert_eq!(run.json("orders-svc", "healthCheckGracePeriodSeconds"), 60);
        assert_eq!(run.json("orders-svc", "propagateTags"), "SERVICE");
        assert_eq!(run.json("orders-svc", "enableExecuteCommand"), false);
        assert_eq!(run.json("orders-svc", "cluster"), "ecs-prod-x7k2");
        assert!(run.depends_on("orders-svc", "cluster", "orders-ecs"));
        assert!(run.depends_on("orders-svc", "taskDefinition", "orders-task"));
    }

    #[tokio::test]
    async fn image_comes_from_the_platforms_repository_or_the_users_uri() {
        let url = format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/ecr-prod-x7k2");
        let run = run().await;
        assert_eq!(run.container()["image"], format!("{url}:latest"));
        assert!(run.depends_on("orders-task", "containerDefinitions", "orders-ecr"));

        let tagged = run_with(false, json!({"service": {"imageTag": "1.4.2"}}), &[]).await;
        assert_eq!(tagged.container()["image"], format!("{url}:1.4.2"));

        let digest = format!("sha256:{}", "ab".repeat(32));
        let pinned = run_with(false, json!({"service": {"imageTag": digest}}), &[]).await;
        assert_eq!(pinned.container()["image"], format!("{url}@{digest}"));

        let own = "public.ecr.aws/acme/orders:2.0";
        let user = run_with(false, json!({"service": {"image": own}}), &[]).await;
        assert_eq!(user.container()["image"], own);
        check_all(&user);
    }

    #[tokio::test]
    async fn a_user_image_in_another_ecr_repository_may_be_pulled() {
        let own = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/orders:2.0";
        let run = run_with(false, json!({"service": {"image": own}}), &[]).await;
        let statements =
            run.json("orders-role-execution", "inlinePolicies")["execution"]["statements"].clone();
        let pull = statements
            .as_array()
            .expect("statements")
            .iter()
            .find(|s| s["sid"] == "EcrPull")
            .expect("pull")
            .clone();
        assert_eq!(
            pull["resources"],
            json!([
                arn("ecr", "repository/ecr-prod-x7k2"),
                "arn:aws:ecr:eu-west-1:210987654321:repository/team/orders"
            ])
        );
        assert_eq!(ecr_repository_arn("nginx:1.27"), None);
        assert_eq!(ecr_repository_arn("docker.io/library/nginx"), None);
        assert_eq!(
            ecr_repository_arn(&format!(
                "{ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn/x@sha256:00"
            )),
            Some(format!("arn:aws-cn:ecr:cn-north-1:{ACCOUNT}:repository/x"))
        );
    }

    #[tokio::test]
    async fn container_gets_configuration_secrets_and_db_credentials_through_ecs_secrets() {
        let run = run_with(
            false,
            json!({"service": {
                "environment": {"LOG_LEVEL": "info"},
                "secrets": {"PAYMENT_API_KEY": "sk-live-do-not-leak"}
            }}),
            &["LOG_LEVEL", "DB_HOST", "DB_NAME"],
        )
        .await;
        let c = run.container();
        let secrets: BTreeMap<String, String> = c["secrets"]
            .as_array()
            .expect("secrets")
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().expect("name").to_string(),
                    s["valueFrom"].as_str().expect("valueFrom").to_string(),
                )
            })
            .collect();
        let param = |n: &str| arn("ssm", &format!("parameter/param-prod-x7k2/{n}"));
        let expected: BTreeMap<String, String> = [
            ("DB_HOST", param("DB_HOST")),
            ("DB_NAME", param("DB_NAME")),
            ("LOG_LEVEL", param("LOG_LEVEL")),
            (
                "PAYMENT_API_KEY",
                format!("{}:PAYMENT_API_KEY::", arn("secretsmanager", APP_SECRET)),
            ),
            (
                "DB_USERNAME",
                format!("{}:username::", arn("secretsmanager", DB_SECRET)),
            ),
            (
                "DB_PASSWORD",
                format!("{}:password::", arn("secretsmanager", DB_SECRET)),
            ),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
        assert_eq!(secrets, expected);
        // The platform-set names the data tier did not make parameters of come as plain variables.
        let env: BTreeMap<String, String> = c["environment"]
            .as_array()
            .expect("environment")
            .iter()
            .map(|e| {
                (
                    e["name"].as_str().expect("name").to_string(),
                    e["value"].as_str().expect("value").to_string(),
                )
            })
            .collect();
        assert_eq!(
            env.keys().map(String::as_str).collect::<Vec<_>>(),
            vec![
                "DB_PORT",
                "DB_READER_HOST",
                "DB_SECRET_ARN",
                "METRIC_NAMESPACE",
                "SERVICE_NAME"
            ]
        );
        assert_eq!(env["METRIC_NAMESPACE"], "OrderApi/prod-x7k2");
        assert_eq!(env["DB_SECRET_ARN"], arn("secretsmanager", DB_SECRET));
        // Secret values never reach the task definition (only ARNs do).
        let all =
            serde_json::to_string(&run.json("orders-task", "containerDefinitions")).expect("json");
        assert!(!all.contains("sk-live"), "{all}");
        for from in [
            "orders-secret-app",
            "orders-aurora",
            "orders-param-LOG_LEVEL",
        ] {
            assert!(
                run.depends_on("orders-task", "containerDefinitions", from),
                "{from}"
            );
        }
        assert_eq!(c["logConfiguration"]["group"], "logs-prod-x7k2");
        assert_eq!(c["logConfiguration"]["streamPrefix"], "orders");
        assert_eq!(
            c["portMappings"],
            json!([{"containerPort": 8080, "protocol": "tcp"}])
        );
        assert_eq!(
            c["healthCheck"]["command"],
            json!([
                "CMD-SHELL",
                "curl -f http://localhost:8080/health || exit 1"
            ])
        );
        assert_eq!(c["readonlyRootFilesystem"], true);
        assert_eq!(c["name"], "orderapi");
        assert_eq!(run.json("orders-task", "cpu"), 512);
        assert_eq!(run.json("orders-task", "memory"), 1024);
        assert_eq!(
            run.json("orders-task", "runtimePlatform"),
            json!({"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"})
        );
        assert_eq!(
            run.json("orders-task", "executionRoleArn"),
            format!("arn:aws:iam::{ACCOUNT}:role/role-prod-x7k2-execution")
        );
        assert_eq!(
            run.json("orders-task", "taskRoleArn"),
            format!("arn:aws:iam::{ACCOUNT}:role/role-prod-x7k2-task")
        );
        check_all(&run);
    }

    #[tokio::test]
    async fn a_user_variable_named_like_the_db_credentials_is_refused() {
        // Check refuses the name (args::RESERVED_ENV); the builder refuses it too, should a caller skip Check.
        let props: PropertyMap = [("environment", "prod"), ("environmentSuffix", "x7k2")]
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect();
        let plan_args = PlatformArgs::from_inputs(&props).expect("valid");
        let env = ConstructEnv {
            name: "orders".into(),
            dry_run: false,
            aws: Arc::new(Aws::offline()),
            diagnostics: Arc::new(NoDiagnostics),
        };
        let mut f = Failures::default();
        let zones: Vec<String> = ["us-east-1a", "us-east-1b", "us-east-1c"]
            .map(String::from)
            .to_vec();
        let mut plan = Plan {
            settings: plan_args.settings_into(&mut f),
            args: plan_args,
            naming: Naming::new("prod", "x7k2", &mut f),
            network: NetworkPlan::new(DEFAULT_VPC_CIDR, &zones, &mut f),
            zones,
        };
        plan.settings
            .service
            .environment
            .insert("DB_PASSWORD".into(), "x".into());
        let rec = Recorder::default();
        let scope = Scope {
            monitor: &rec,
            urn: "urn:component",
            env: &env,
            plan: &plan,
            tags: Value::Null,
        };
        let i = inputs(false, &["DB_PASSWORD"]);
        let err = build(&scope, &i.net, &i.sgs, &i.edge, &i.data, &i.obs)
            .await
            .expect_err("duplicate variable");
        assert!(err.contains("'DB_PASSWORD'"), "{err}");
    }

    /// Every `(actions, resources, condition)` of a role's inline policies.
    fn statements(run: &Run, role: &str) -> Vec<serde_json::Value> {
        run.json(role, "inlinePolicies")
            .as_object()
            .expect("policies")
            .values()
            .flat_map(|p| p["statements"].as_array().expect("statements").clone())
            .collect()
    }

    #[tokio::test]
    async fn iam_policies_name_only_the_platforms_arns_except_where_aws_requires_a_wildcard() {
        let run = run_with(
            false,
            json!({"service": {"environment": {"LOG_LEVEL": "info"}}}),
            &["LOG_LEVEL"],
        )
        .await;
        let i = &run.inputs;
        let s = |c: &Child, o: &str| c.output(o).as_str().expect("known").to_string();
        let log_group = arn("logs", "log-group:logs-prod-x7k2");
        let own: BTreeSet<String> = [
            arn("ecr", "repository/ecr-prod-x7k2"),
            format!("{log_group}:*"),
            s(&i.data.app_secret, "arn"),
            s(&i.data.cluster, "masterUserSecretArn"),
            s(&i.data.parameters["LOG_LEVEL"], "arn"),
            arn("ssm", "parameter/param-prod-x7k2"),
            arn("ssm", "parameter/param-prod-x7k2/*"),
            s(&i.edge.blue, "arn"),
            s(&i.edge.green, "arn"),
            s(&i.edge.listener, "arn"),
            s(&i.edge.rule, "arn"),
        ]
        .into_iter()
        .collect();
        // Actions AWS offers no resource-level permission for.
        let wildcard_only: BTreeSet<&str> = [
            "ecr:GetAuthorizationToken",
            "cloudwatch:PutMetricData",
            "elasticloadbalancing:DescribeListeners",
            "elasticloadbalancing:DescribeRules",
            "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeTargetHealth",
        ]
        .into_iter()
        .collect();
        let mut seen = BTreeSet::new();
        for role in [
            "orders-role-execution",
            "orders-role-task",
            "orders-role-ecs-infra",
        ] {
            for st in statements(&run, role) {
                assert_eq!(st["effect"], "Allow");
                let actions: Vec<&str> = st["actions"]
                    .as_array()
                    .expect("actions")
                    .iter()
                    .map(|a| a.as_str().expect("action"))
                    .collect();
                assert!(
                    actions.iter().all(|a| !a.contains('*')),
                    "{role}: {actions:?}"
                );
                for r in st["resources"].as_array().expect("resources") {
                    let r = r.as_str().expect("resource");
                    if r == "*" {
                        assert!(
                            actions.iter().all(|a| wildcard_only.contains(a)),
                            "{role}: {actions:?} on *"
                        );
                    } else {
                        assert!(own.contains(r), "{role}: {r} is not the platform's");
                        seen.insert(r.to_string());
                    }
                }
            }
        }
        assert_eq!(seen, own, "every platform ARN is granted somewhere");
        let task = statements(&run, "orders-role-task");
        let metrics = task
            .iter()
            .find(|s| s["sid"] == "Metrics")
            .expect("metrics");
        assert_eq!(
            metrics["condition"],
            json!({"StringEquals": {"cloudwatch:namespace": ["OrderApi/prod-x7k2"]}})
        );
        // Trust: ECS tasks for the task and execution roles, ECS itself for the infrastructure role.
        for (role, principal) in [
            ("orders-role-execution", "ecs-tasks.amazonaws.com"),
            ("orders-role-task", "ecs-tasks.amazonaws.com"),
            ("orders-role-ecs-infra", "ecs.amazonaws.com"),
        ] {
            let t = run.json(role, "assumeRolePolicy");
            assert_eq!(
                t["statements"][0]["principal"]["service"],
                json!([principal])
            );
            assert_eq!(t["statements"][0]["actions"], json!(["sts:AssumeRole"]));
        }
        assert_eq!(
            run.json("orders-role-task", "assumeRolePolicy")["statements"][0]["condition"],
            json!({
                "StringEquals": {"aws:SourceAccount": [ACCOUNT]},
                "ArnLike": {"aws:SourceArn": [format!("arn:aws:ecs:{REGION}:{ACCOUNT}:*")]}
            })
        );
        for (role, from) in [
            ("orders-role-execution", "orders-ecr"),
            ("orders-role-execution", "orders-logs"),
            ("orders-role-execution", "orders-aurora"),
            ("orders-role-execution", "orders-param-LOG_LEVEL"),
            ("orders-role-ecs-infra", "orders-rule-orders"),
            ("orders-role-ecs-infra", "orders-tg-green"),
        ] {
            assert!(
                run.depends_on(role, "inlinePolicies", from),
                "{role} → {from}"
            );
        }
        check_all(&run);
    }

    #[tokio::test]
    async fn traffic_shifting_strategies_use_both_target_groups_and_rolling_uses_blue_only() {
        let blue = run().await.inputs.edge.blue.output("arn");
        for (strategy, extra) in [
            ("BLUE_GREEN", json!({})),
            (
                "CANARY",
                json!({"canaryPercent": 20.0, "canaryBakeTimeMinutes": 7}),
            ),
            (
                "LINEAR",
                json!({"linearStepPercent": 25.0, "linearStepBakeTimeMinutes": 3}),
            ),
            ("ROLLING", json!({})),
        ] {
            let mut deployment =
                json!({"strategy": strategy, "rollbackOnAlarm": strategy != "LINEAR"});
            for (k, v) in extra.as_object().expect("object") {
                deployment[k] = v.clone();
            }
            let run = run_with(false, json!({"deployment": deployment}), &[]).await;
            let lbs = run.json("orders-svc", "loadBalancers");
            assert_eq!(lbs.as_array().expect("lbs").len(), 1);
            assert_eq!(lbs[0]["targetGroupArn"], blue.to_json().expect("arn"));
            assert_eq!(lbs[0]["containerName"], "orderapi");
            assert_eq!(lbs[0]["containerPort"], 8080);
            let d = run.json("orders-svc", "deploymentConfiguration");
            assert_eq!(d["strategy"], strategy);
            assert_eq!(
                d["circuitBreaker"],
                json!({"enable": true, "rollback": true})
            );
            assert_eq!(
                d["alarms"],
                json!({
                    "names": ["alarm-prod-x7k2-5xx-rate"],
                    "rollback": strategy != "LINEAR",
                    "enable": true
                })
            );
            assert!(run.depends_on(
                "orders-svc",
                "deploymentConfiguration",
                "orders-alarm-5xx-rate"
            ));
            assert!(run.depends_on("orders-svc", "loadBalancers", "orders-rule-orders"));
            if strategy == "ROLLING" {
                assert!(lbs[0].get("advancedConfiguration").is_none(), "{lbs}");
                assert!(d.get("bakeTimeInMinutes").is_none());
            } else {
                let i = &run.inputs;
                assert_eq!(
                    lbs[0]["advancedConfiguration"],
                    json!({
                        "alternateTargetGroupArn": i.edge.green.output("arn").to_json(),
                        "productionListenerRule": i.edge.rule.output("arn").to_json(),
                        "roleArn": format!("arn:aws:iam::{ACCOUNT}:role/role-prod-x7k2-ecs-infra"),
                    })
                );
                assert!(run.depends_on("orders-svc", "loadBalancers", "orders-role-ecs-infra"));
                assert_eq!(d["bakeTimeInMinutes"], 10);
            }
            match strategy {
                "CANARY" => assert_eq!(
                    d["canaryConfiguration"],
                    json!({"canaryPercent": 20, "canaryBakeTimeInMinutes": 7})
                ),
                "LINEAR" => assert_eq!(
                    d["linearConfiguration"],
                    json!({"stepPercent": 25, "stepBakeTimeInMinutes": 3})
                ),
                _ => {
                    assert!(d.get("canaryConfiguration").is_none());
                    assert!(d.get("linearConfiguration").is_none());
                }
            }
            check_all(&run);
        }
    }

    #[tokio::test]
    async fn autoscaling_tracks_cpu_and_pending_orders_between_min_and_max() {
        let run = run().await;
        assert_eq!(run.json("orders-scaling-target", "minCapacity"), 3);
        assert_eq!(run.json("orders-scaling-target", "maxCapacity"), 12);
        assert!(run.depends_on("orders-scaling-target", "resourceId", "orders-svc"));
        let cpu = run.json("orders-scale-cpu", "targetTracking");
        assert_eq!(
            cpu,
            json!({
                "targetValue": 70,
                "predefinedMetricType": "ECSServiceAverageCPUUtilization",
                "scaleInCooldown": 300,
                "scaleOutCooldown": 60,
                "disableScaleIn": false
            })
        );
        let pending = run.json("orders-scale-pending-orders", "targetTracking");
        assert_eq!(pending["targetValue"], 100);
        assert_eq!(
            pending["customizedMetric"],
            json!({
                "namespace": "OrderApi/prod-x7k2",
                "metricName": "PendingOrders",
                "dimensions": [{"name": "ServiceName", "value": "svc-prod-x7k2"}],
                "statistic": "Average"
            })
        );
        for policy in ["orders-scale-cpu", "orders-scale-pending-orders"] {
            assert_eq!(
                run.json(policy, "resourceId"),
                "service/ecs-prod-x7k2/svc-prod-x7k2"
            );
            assert!(run.depends_on(policy, "resourceId", "orders-scaling-target"));
        }
        let custom = run_with(
            false,
            json!({"service": {
                "minCount": 4, "maxCount": 40, "desiredCount": 6, "cpuTargetPercent": 55.5,
                "pendingOrdersTargetPerTask": 25, "scaleInCooldownSeconds": 600, "scaleOutCooldownSeconds": 30
            }}),
            &[],
        )
        .await;
        assert_eq!(custom.json("orders-scaling-target", "minCapacity"), 4);
        assert_eq!(custom.json("orders-scaling-target", "maxCapacity"), 40);
        assert_eq!(custom.json("orders-svc", "desiredCount"), 6);
        let cpu = custom.json("orders-scale-cpu", "targetTracking");
        assert_eq!(cpu["targetValue"], 55.5);
        assert_eq!(cpu["scaleInCooldown"], 600);
        assert_eq!(cpu["scaleOutCooldown"], 30);
        assert_eq!(
            custom.json("orders-scale-pending-orders", "targetTracking")["targetValue"],
            25
        );
        check_all(&custom);
    }

    #[tokio::test]
    async fn preview_registers_every_child_with_unknowns_wired_through() {
        let preview = run_with(true, json!({}), &["LOG_LEVEL"]).await;
        let up = run().await;
        let names = |r: &Run| {
            r.children
                .iter()
                .map(|c| c.name.clone())
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(names(&preview), names(&up));
        let c = &preview.find("orders-task").inputs["containerDefinitions"];
        assert!(c.contains_unknowns());
        assert_eq!(preview.find("orders-svc").inputs["cluster"], Value::Unknown);
        // What does not depend on other children is known even in preview.
        assert_eq!(
            preview.json("orders-scaling-target", "resourceId"),
            "service/ecs-prod-x7k2/svc-prod-x7k2"
        );
        assert_eq!(preview.json("orders-ecs", "name"), "ecs-prod-x7k2");
    }

    #[test]
    fn health_check_quotes_paths_a_shell_would_interpret() {
        assert_eq!(
            health_command(8080, "/health"),
            "curl -f http://localhost:8080/health || exit 1"
        );
        assert_eq!(
            health_command(80, "/ready?full=1&x='y'"),
            r"curl -f 'http://localhost:80/ready?full=1&x='\''y'\''' || exit 1"
        );
    }

    #[test]
    fn malformed_arns_are_reported() {
        let err = arn_parts("not-an-arn").expect_err("malformed");
        assert!(err.contains("not-an-arn"), "{err}");
        assert_eq!(
            arn_parts(&arn("secretsmanager", APP_SECRET)).expect("arn"),
            ("aws".to_string(), REGION.to_string(), ACCOUNT.to_string())
        );
    }

    #[test]
    fn known_strings_through_secret_and_output_wrappers() {
        assert_eq!(known(&Value::Secret(Box::new("a".into()))), Some("a"));
        let output = Value::Output {
            value: Some(Box::new("b".into())),
            secret: true,
            dependencies: vec![],
        };
        assert_eq!(known(&output), Some("b"));
        assert_eq!(known(&Value::Unknown), None);
        assert_eq!(
            map_known([&output, &Value::Unknown], |[a, b]| format!("{a}{b}")),
            Value::Unknown
        );
        // An ECR-looking registry whose account is not 12 digits is not ECR.
        assert_eq!(
            ecr_repository_arn("12345.dkr.ecr.us-east-1.amazonaws.com/orders:1"),
            None
        );
    }
}
