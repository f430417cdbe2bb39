//! `orderapi:ecs:Service` — a Fargate ECS service in private subnets: capacity provider strategy, load balancers,
//! deployment configuration (circuit breaker, ECS's native ROLLING / BLUE_GREEN / LINEAR / CANARY strategies with
//! bake time, alarms and `advancedConfiguration`), optional wait for steady state, and a `desiredCount` that
//! autoscaling may own after create.
//!
//! Service names are unique per cluster. A create looks the name up before each CreateService call
//! ([`crate::lifecycle::create_once`]): a service with this resource's identity that the engine does not record is
//! the orphan of a lost create and is adopted; any other is a conflict. CreateService carries an idempotency token
//! ([`Context::client_token`]), so the SDK's own retries of a lost call hand back the same service.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{
    AdvancedConfiguration, AssignPublicIp, AwsVpcConfiguration, CanaryConfiguration,
    DeploymentAlarms, DeploymentCircuitBreaker, DeploymentConfiguration, DeploymentStrategy,
    LaunchType, LinearConfiguration, LoadBalancer, NetworkConfiguration, PropagateTags,
    Service as AwsService, ServiceField,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    CapacityProviderStrategy, EcsTags, check_name, check_strategy, check_tags, is_arn_of,
    is_role_arn, strategy_from, strategy_items, tag_list, tag_map,
};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::tags;

/// The awsvpc network configuration of the service's tasks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceNetworkConfiguration {
    /// Subnet ids (1-16, typically private subnets; sorted).
    pub subnets: Vec<String>,
    /// Security group ids (1-5; sorted).
    pub security_groups: Vec<String>,
    /// `DISABLED` (default: tasks get no public IP) or `ENABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_public_ip: Option<String>,
}

/// Settings of ECS's native blue/green, linear and canary deployments for one load balancer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceLoadBalancerAdvancedConfiguration {
    /// The second (green) target group ARN ECS shifts traffic to.
    pub alternate_target_group_arn: String,
    /// The listener rule ARN that carries production traffic (ECS changes its weights during a deployment).
    pub production_listener_rule: String,
    /// An optional listener rule ARN for test traffic to the new revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_listener_rule: Option<String>,
    /// The IAM role ECS assumes to change the load balancer (infrastructure role).
    pub role_arn: String,
}

/// A target group the service registers its tasks with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceLoadBalancer {
    /// The target group ARN (target type `ip`).
    pub target_group_arn: String,
    /// The container that receives the traffic.
    pub container_name: String,
    /// The container port that receives the traffic (1-65535).
    pub container_port: i32,
    /// Blue/green settings; required for the BLUE_GREEN, LINEAR and CANARY strategies, not allowed for ROLLING.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced_configuration: Option<ServiceLoadBalancerAdvancedConfiguration>,
}

/// The deployment circuit breaker: stops (and optionally rolls back) a deployment whose tasks keep failing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceCircuitBreaker {
    /// Whether the circuit breaker is on.
    pub enable: bool,
    /// Whether a failed deployment rolls back to the last completed one.
    pub rollback: bool,
}

/// CloudWatch alarms that fail a deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceDeploymentAlarms {
    /// Alarm names (1-10; sorted).
    pub names: Vec<String>,
    /// Whether an alarm in ALARM rolls the deployment back.
    pub rollback: bool,
    /// Whether the alarms are watched (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable: Option<bool>,
}

/// Canary deployment: a share of traffic first, then the rest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceCanaryConfiguration {
    /// Percentage of production traffic shifted first (0.1-100).
    pub canary_percent: f64,
    /// Minutes to wait after the canary shift before shifting the rest (0-1440).
    pub canary_bake_time_in_minutes: i32,
}

/// Linear deployment: traffic shifted in equal steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceLinearConfiguration {
    /// Percentage of traffic shifted per step (3-100).
    pub step_percent: f64,
    /// Minutes to wait between steps (0-1440).
    pub step_bake_time_in_minutes: i32,
}

/// How ECS rolls out a new task definition or configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceDeploymentConfiguration {
    /// Lower bound of running tasks during a deployment, in percent of desiredCount (0-100, default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_healthy_percent: Option<i32>,
    /// Upper bound of running tasks during a deployment, in percent of desiredCount (100-200, default 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_percent: Option<i32>,
    /// The deployment circuit breaker (default enabled with rollback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circuit_breaker: Option<ServiceCircuitBreaker>,
    /// `ROLLING` (default), `BLUE_GREEN`, `LINEAR` or `CANARY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// Minutes both revisions run after traffic moved, before the old one stops (0-1440; not for ROLLING).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bake_time_in_minutes: Option<i32>,
    /// Canary settings (required for and only for CANARY).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_configuration: Option<ServiceCanaryConfiguration>,
    /// Linear settings (required for and only for LINEAR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear_configuration: Option<ServiceLinearConfiguration>,
    /// CloudWatch alarms that fail (and optionally roll back) a deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarms: Option<ServiceDeploymentAlarms>,
}

/// Inputs of an ECS service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceInputs {
    /// The service name (1-255 letters, digits, hyphens, underscores; unique in the cluster; defaults to the
    /// resource name plus a random suffix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The cluster name or ARN (changing it replaces the service).
    pub cluster: String,
    /// The task definition revision ARN (or `family:revision`).
    pub task_definition: String,
    /// Number of tasks (default 1). With `desiredCountOwnedByAutoscaling` only the initial count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_count: Option<i32>,
    /// Capacity provider strategy (FARGATE / FARGATE_SPOT weights and base); without it the service uses the
    /// FARGATE launch type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_provider_strategy: Option<Vec<CapacityProviderStrategy>>,
    /// Subnets, security groups and public IP of the tasks.
    pub network_configuration: ServiceNetworkConfiguration,
    /// Target groups the tasks register with (at most 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancers: Option<Vec<ServiceLoadBalancer>>,
    /// Seconds ECS ignores failing load balancer health checks after a task starts (0-2147483647; needs
    /// `loadBalancers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_grace_period_seconds: Option<i32>,
    /// Deployment settings (defaults: 100/200 percent, circuit breaker with rollback, ROLLING).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_configuration: Option<ServiceDeploymentConfiguration>,
    /// Whether create and update wait until the service is steady (one completed deployment, running tasks =
    /// desired; default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_for_steady_state: Option<bool>,
    /// When true, `desiredCount` is only the initial count: updates never send it (Application Auto Scaling owns
    /// it) and refresh reports the declared value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_count_owned_by_autoscaling: Option<bool>,
    /// Whether ECS Exec is enabled (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_execute_command: Option<bool>,
    /// Which tags tasks get: `SERVICE` (default), `TASK_DEFINITION` or `NONE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagate_tags: Option<String>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of an ECS service.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceOutputs {
    /// The service's ARN (also the resource id).
    pub arn: String,
    /// Every tag on the service, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

fn is_elbv2_arn(arn: &str, prefix: &str) -> bool {
    is_arn_of(arn, "elasticloadbalancing", prefix)
}

fn check_deployment(inputs: &mut ServiceInputs, f: &mut Failures) {
    const P: &str = "deploymentConfiguration";
    let d = inputs
        .deployment_configuration
        .get_or_insert(ServiceDeploymentConfiguration {
            minimum_healthy_percent: None,
            maximum_percent: None,
            circuit_breaker: None,
            strategy: None,
            bake_time_in_minutes: None,
            canary_configuration: None,
            linear_configuration: None,
            alarms: None,
        });
    let min = *d.minimum_healthy_percent.get_or_insert(100);
    let max = *d.maximum_percent.get_or_insert(200);
    f.require(
        (0..=100).contains(&min),
        format!("{P}.minimumHealthyPercent"),
        "must be 0-100",
    );
    f.require(
        (100..=200).contains(&max),
        format!("{P}.maximumPercent"),
        "must be 100-200",
    );
    d.circuit_breaker.get_or_insert(ServiceCircuitBreaker {
        enable: true,
        rollback: true,
    });
    let strategy = d
        .strategy
        .get_or_insert_with(|| "ROLLING".to_string())
        .clone();
    f.require(
        matches!(
            strategy.as_str(),
            "ROLLING" | "BLUE_GREEN" | "LINEAR" | "CANARY"
        ),
        format!("{P}.strategy"),
        "must be ROLLING, BLUE_GREEN, LINEAR or CANARY",
    );
    let rolling = strategy == "ROLLING";
    if let Some(bake) = d.bake_time_in_minutes {
        f.require(
            !rolling,
            format!("{P}.bakeTimeInMinutes"),
            "applies only to BLUE_GREEN, LINEAR and CANARY",
        );
        f.require(
            (0..=1440).contains(&bake),
            format!("{P}.bakeTimeInMinutes"),
            "must be 0-1440",
        );
    }
    match &d.canary_configuration {
        Some(c) => {
            f.require(
                strategy == "CANARY",
                format!("{P}.canaryConfiguration"),
                "applies only to CANARY",
            );
            f.require(
                (0.1..=100.0).contains(&c.canary_percent),
                format!("{P}.canaryConfiguration.canaryPercent"),
                "must be 0.1-100",
            );
            f.require(
                (0..=1440).contains(&c.canary_bake_time_in_minutes),
                format!("{P}.canaryConfiguration.canaryBakeTimeInMinutes"),
                "must be 0-1440",
            );
        }
        None => f.require(
            strategy != "CANARY",
            format!("{P}.canaryConfiguration"),
            "is required for the CANARY strategy",
        ),
    }
    match &d.linear_configuration {
        Some(l) => {
            f.require(
                strategy == "LINEAR",
                format!("{P}.linearConfiguration"),
                "applies only to LINEAR",
            );
            f.require(
                (3.0..=100.0).contains(&l.step_percent),
                format!("{P}.linearConfiguration.stepPercent"),
                "must be 3-100",
            );
            f.require(
                (0..=1440).contains(&l.step_bake_time_in_minutes),
                format!("{P}.linearConfiguration.stepBakeTimeInMinutes"),
                "must be 0-1440",
            );
        }
        None => f.require(
            strategy != "LINEAR",
            format!("{P}.linearConfiguration"),
            "is required for the LINEAR strategy",
        ),
    }
    if let Some(a) = &mut d.alarms {
        a.names.sort();
        a.names.dedup();
        a.enable.get_or_insert(true);
        f.require(
            (1..=10).contains(&a.names.len()),
            format!("{P}.alarms.names"),
            "must name 1-10 CloudWatch alarms",
        );
        f.require(
            a.names.iter().all(|n| !n.is_empty() && n.len() <= 255),
            format!("{P}.alarms.names"),
            "alarm names must be 1-255 characters",
        );
    }
    let lbs = inputs.load_balancers.as_deref().unwrap_or_default();
    for (i, lb) in lbs.iter().enumerate() {
        let p = format!("loadBalancers[{i}].advancedConfiguration");
        match &lb.advanced_configuration {
            None => f.require(
                rolling,
                &p,
                format!("is required for the {strategy} strategy (alternate target group, production listener rule, role)"),
            ),
            Some(a) => {
                f.require(!rolling, &p, "applies only to BLUE_GREEN, LINEAR and CANARY");
                f.require(
                    is_elbv2_arn(&a.alternate_target_group_arn, "targetgroup/"),
                    format!("{p}.alternateTargetGroupArn"),
                    "must be a target group ARN",
                );
                f.require(
                    a.alternate_target_group_arn != lb.target_group_arn,
                    format!("{p}.alternateTargetGroupArn"),
                    "must differ from targetGroupArn",
                );
                f.require(
                    is_elbv2_arn(&a.production_listener_rule, "listener-rule/")
                        || is_elbv2_arn(&a.production_listener_rule, "listener/"),
                    format!("{p}.productionListenerRule"),
                    "must be a listener rule (or listener) ARN",
                );
                if let Some(t) = &a.test_listener_rule {
                    f.require(
                        is_elbv2_arn(t, "listener-rule/") || is_elbv2_arn(t, "listener/"),
                        format!("{p}.testListenerRule"),
                        "must be a listener rule (or listener) ARN",
                    );
                }
                f.require(is_role_arn(&a.role_arn), format!("{p}.roleArn"), "must be an IAM role ARN");
            }
        }
    }
    f.require(
        rolling || !lbs.is_empty(),
        format!("{P}.strategy"),
        format!("{strategy} needs loadBalancers with advancedConfiguration"),
    );
}

pub struct Service;

impl Service {
    fn network(n: &ServiceNetworkConfiguration) -> Result<NetworkConfiguration, ResourceError> {
        Ok(NetworkConfiguration::builder()
            .awsvpc_configuration(
                AwsVpcConfiguration::builder()
                    .set_subnets(Some(n.subnets.clone()))
                    .set_security_groups(Some(n.security_groups.clone()))
                    .assign_public_ip(AssignPublicIp::from(
                        n.assign_public_ip.as_deref().unwrap_or("DISABLED"),
                    ))
                    .build()
                    .map_err(|e| ResourceError::Internal(e.to_string()))?,
            )
            .build())
    }

    fn load_balancers(lbs: &[ServiceLoadBalancer]) -> Vec<LoadBalancer> {
        lbs.iter()
            .map(|lb| {
                LoadBalancer::builder()
                    .target_group_arn(&lb.target_group_arn)
                    .container_name(&lb.container_name)
                    .container_port(lb.container_port)
                    .set_advanced_configuration(lb.advanced_configuration.as_ref().map(|a| {
                        AdvancedConfiguration::builder()
                            .alternate_target_group_arn(&a.alternate_target_group_arn)
                            .production_listener_rule(&a.production_listener_rule)
                            .set_test_listener_rule(a.test_listener_rule.clone())
                            .role_arn(&a.role_arn)
                            .build()
                    }))
                    .build()
            })
            .collect()
    }

    fn deployment(
        d: &ServiceDeploymentConfiguration,
    ) -> Result<DeploymentConfiguration, ResourceError> {
        let internal = |e: aws_sdk_ecs::error::BuildError| ResourceError::Internal(e.to_string());
        let cb = d.circuit_breaker.clone().unwrap_or(ServiceCircuitBreaker {
            enable: true,
            rollback: true,
        });
        let alarms = match &d.alarms {
            Some(a) => DeploymentAlarms::builder()
                .set_alarm_names(Some(a.names.clone()))
                .rollback(a.rollback)
                .enable(a.enable.unwrap_or(true))
                .build()
                .map_err(internal)?,
            None => DeploymentAlarms::builder()
                .set_alarm_names(Some(Vec::new()))
                .rollback(false)
                .enable(false)
                .build()
                .map_err(internal)?,
        };
        Ok(DeploymentConfiguration::builder()
            .set_minimum_healthy_percent(d.minimum_healthy_percent)
            .set_maximum_percent(d.maximum_percent)
            .deployment_circuit_breaker(
                DeploymentCircuitBreaker::builder()
                    .enable(cb.enable)
                    .rollback(cb.rollback)
                    .build(),
            )
            .strategy(DeploymentStrategy::from(
                d.strategy.as_deref().unwrap_or("ROLLING"),
            ))
            .set_bake_time_in_minutes(d.bake_time_in_minutes)
            .set_canary_configuration(d.canary_configuration.as_ref().map(|c| {
                CanaryConfiguration::builder()
                    .canary_percent(c.canary_percent)
                    .canary_bake_time_in_minutes(c.canary_bake_time_in_minutes)
                    .build()
            }))
            .set_linear_configuration(d.linear_configuration.as_ref().map(|l| {
                LinearConfiguration::builder()
                    .step_percent(l.step_percent)
                    .step_bake_time_in_minutes(l.step_bake_time_in_minutes)
                    .build()
            }))
            .alarms(alarms)
            .build())
    }

    /// The deployment configuration AWS returns, normalized like `check`.
    fn deployment_from(d: &DeploymentConfiguration) -> ServiceDeploymentConfiguration {
        let strategy = d
            .strategy()
            .map(|s| s.as_str())
            .unwrap_or("ROLLING")
            .to_string();
        let rolling = strategy == "ROLLING";
        let alarms = d
            .alarms()
            .filter(|a| a.enable() || !a.alarm_names().is_empty())
            .map(|a| {
                let mut names = a.alarm_names().to_vec();
                names.sort();
                ServiceDeploymentAlarms {
                    names,
                    rollback: a.rollback(),
                    enable: Some(a.enable()),
                }
            });
        ServiceDeploymentConfiguration {
            minimum_healthy_percent: Some(d.minimum_healthy_percent().unwrap_or(100)),
            maximum_percent: Some(d.maximum_percent().unwrap_or(200)),
            circuit_breaker: Some(
                d.deployment_circuit_breaker()
                    .map(|c| ServiceCircuitBreaker {
                        enable: c.enable(),
                        rollback: c.rollback(),
                    })
                    .unwrap_or(ServiceCircuitBreaker {
                        enable: false,
                        rollback: false,
                    }),
            ),
            bake_time_in_minutes: d.bake_time_in_minutes().filter(|_| !rolling),
            canary_configuration: d
                .canary_configuration()
                .filter(|_| strategy == "CANARY")
                .map(|c| ServiceCanaryConfiguration {
                    canary_percent: c.canary_percent().unwrap_or_default(),
                    canary_bake_time_in_minutes: c
                        .canary_bake_time_in_minutes()
                        .unwrap_or_default(),
                }),
            linear_configuration: d
                .linear_configuration()
                .filter(|_| strategy == "LINEAR")
                .map(|l| ServiceLinearConfiguration {
                    step_percent: l.step_percent().unwrap_or_default(),
                    step_bake_time_in_minutes: l.step_bake_time_in_minutes().unwrap_or_default(),
                }),
            alarms,
            strategy: Some(strategy),
        }
    }

    /// The live service `name_or_arn` in `cluster`, with tags; `None` when missing, DRAINING or INACTIVE (a
    /// DRAINING service is on its way out and cannot be brought back).
    async fn describe(
        ctx: &Context,
        cluster: &str,
        name_or_arn: &str,
    ) -> Result<Option<AwsService>, ResourceError> {
        let out = match ctx
            .aws
            .ecs
            .describe_services()
            .cluster(cluster)
            .services(name_or_arn)
            .include(ServiceField::Tags)
            .send()
            .await
            .map_err(|e| aws_error("ecs:DescribeServices", e))
        {
            Ok(out) => out,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(out
            .services()
            .iter()
            .find(|s| s.status() == Some("ACTIVE"))
            .cloned())
    }

    /// The status of `name` in `cluster` (`None` when missing).
    async fn status(
        ctx: &Context,
        cluster: &str,
        name: &str,
    ) -> Result<Option<String>, ResourceError> {
        let out = match ctx
            .aws
            .ecs
            .describe_services()
            .cluster(cluster)
            .services(name)
            .send()
            .await
            .map_err(|e| aws_error("ecs:DescribeServices", e))
        {
            Ok(out) => out,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(out
            .services()
            .iter()
            .map(|s| s.status().unwrap_or_default().to_string())
            .find(|s| s != "INACTIVE"))
    }

    /// Waits until the service is steady: exactly one deployment, COMPLETED (when ECS reports a rollout state),
    /// and as many running tasks as desired with none pending. A FAILED rollout (circuit breaker) is an error.
    ///
    /// moto answers at once and never runs tasks: its service reports `runningCount` = `MOTO_ECS_SERVICE_RUNNING`
    /// (0 unless set) and its first deployment stays IN_PROGRESS unless that covers desiredCount; UpdateService
    /// sets runningCount = desiredCount immediately. The same rules apply; the tests say what that leaves unshown.
    async fn wait_steady(
        ctx: &Context,
        cluster: &str,
        arn: &str,
        name: &str,
    ) -> Result<(), ResourceError> {
        ctx.wait_for(&format!("ECS service {name} to reach a steady state"), || async {
            let Some(s) = Self::describe(ctx, cluster, arn).await? else {
                return Err(ResourceError::Internal(format!(
                    "ECS service {name} disappeared while waiting for a steady state"
                )));
            };
            let deployments = s.deployments();
            if let Some(failed) = deployments
                .iter()
                .find(|d| d.rollout_state().map(|r| r.as_str()) == Some("FAILED"))
            {
                return Err(ResourceError::Conflict(format!(
                    "the deployment of ECS service {name} failed: {} (fix the task definition or health checks; \
                     with the circuit breaker's rollback ECS returns to the last completed deployment)",
                    failed.rollout_state_reason().unwrap_or("no reason given")
                )));
            }
            let primary = deployments.iter().find(|d| d.status() == Some("PRIMARY"));
            let rollout_done = primary
                .and_then(|d| d.rollout_state())
                .is_none_or(|r| r.as_str() == "COMPLETED");
            let steady = deployments.len() <= 1
                && rollout_done
                && s.running_count() == s.desired_count()
                && s.pending_count() == 0;
            Ok(if steady {
                Poll::Ready(())
            } else {
                Poll::Pending(format!(
                    "{} deployment(s), {}/{} running, {} pending",
                    deployments.len(),
                    s.running_count(),
                    s.desired_count(),
                    s.pending_count()
                ))
            })
        })
        .await
    }

    /// Inputs and outputs of a live service, normalized like `check`. Fields ECS did not return (moto keeps no
    /// capacity provider strategy, deployment configuration or grace period from CreateService) keep the declared
    /// value; provider-only settings come from `prior` (their defaults on import).
    fn from_live(
        ctx: &Context,
        s: &AwsService,
        prior: Option<&ServiceInputs>,
    ) -> (ServiceInputs, ServiceOutputs) {
        let (_, tags, tags_all) = tags::split(
            &ctx.aws,
            tag_map(s.tags()),
            prior.and_then(|p| p.tags.as_ref()),
        );
        let cluster_arn = s.cluster_arn().unwrap_or_default();
        let cluster = match prior {
            Some(p)
                if cluster_arn == p.cluster
                    || cluster_arn.ends_with(&format!("/{}", p.cluster)) =>
            {
                p.cluster.clone()
            }
            _ => cluster_arn.to_string(),
        };
        let live_td = s.task_definition().unwrap_or_default();
        let task_definition = match prior {
            Some(p)
                if live_td == p.task_definition
                    || live_td.ends_with(&format!("/{}", p.task_definition)) =>
            {
                p.task_definition.clone()
            }
            _ => live_td.to_string(),
        };
        let owned = prior
            .and_then(|p| p.desired_count_owned_by_autoscaling)
            .unwrap_or(false);
        let desired_count = if owned {
            prior.and_then(|p| p.desired_count)
        } else {
            Some(s.desired_count())
        };
        let network_configuration = s
            .network_configuration()
            .and_then(|n| n.awsvpc_configuration())
            .map(|v| {
                let mut subnets = v.subnets().to_vec();
                subnets.sort();
                let mut security_groups = v.security_groups().to_vec();
                security_groups.sort();
                ServiceNetworkConfiguration {
                    subnets,
                    security_groups,
                    assign_public_ip: Some(
                        v.assign_public_ip()
                            .map(|a| a.as_str())
                            .unwrap_or("DISABLED")
                            .to_string(),
                    ),
                }
            })
            .or_else(|| prior.map(|p| p.network_configuration.clone()))
            .unwrap_or(ServiceNetworkConfiguration {
                subnets: Vec::new(),
                security_groups: Vec::new(),
                assign_public_ip: Some("DISABLED".into()),
            });
        let load_balancers: Vec<ServiceLoadBalancer> = s
            .load_balancers()
            .iter()
            .map(|lb| {
                let tg = lb.target_group_arn().unwrap_or_default().to_string();
                let declared = prior
                    .and_then(|p| p.load_balancers.as_ref())
                    .and_then(|l| l.iter().find(|d| d.target_group_arn == tg));
                ServiceLoadBalancer {
                    container_name: lb.container_name().unwrap_or_default().to_string(),
                    container_port: lb.container_port().unwrap_or_default(),
                    advanced_configuration: lb
                        .advanced_configuration()
                        .map(|a| ServiceLoadBalancerAdvancedConfiguration {
                            alternate_target_group_arn: a
                                .alternate_target_group_arn()
                                .unwrap_or_default()
                                .to_string(),
                            production_listener_rule: a
                                .production_listener_rule()
                                .unwrap_or_default()
                                .to_string(),
                            test_listener_rule: a.test_listener_rule().map(str::to_string),
                            role_arn: a.role_arn().unwrap_or_default().to_string(),
                        })
                        .or_else(|| declared.and_then(|d| d.advanced_configuration.clone())),
                    target_group_arn: tg,
                }
            })
            .collect();
        let has_lbs = !load_balancers.is_empty();
        let deployment_configuration = s
            .deployment_configuration()
            .map(Self::deployment_from)
            .or_else(|| prior.and_then(|p| p.deployment_configuration.clone()));
        let inputs = ServiceInputs {
            name: s.service_name().map(str::to_string),
            cluster,
            task_definition,
            desired_count,
            capacity_provider_strategy: strategy_from(s.capacity_provider_strategy())
                .or_else(|| prior.and_then(|p| p.capacity_provider_strategy.clone())),
            network_configuration,
            load_balancers: has_lbs.then_some(load_balancers),
            health_check_grace_period_seconds: match (s.health_check_grace_period_seconds(), prior)
            {
                (Some(0), Some(p)) if p.health_check_grace_period_seconds.is_none() => None,
                (Some(g), _) => Some(g),
                (None, p) => p.and_then(|p| p.health_check_grace_period_seconds),
            },
            deployment_configuration,
            wait_for_steady_state: Some(
                prior.and_then(|p| p.wait_for_steady_state).unwrap_or(true),
            ),
            desired_count_owned_by_autoscaling: Some(owned),
            enable_execute_command: Some(s.enable_execute_command()),
            propagate_tags: Some(
                s.propagate_tags()
                    .map(|p| p.as_str())
                    .unwrap_or("NONE")
                    .to_string(),
            ),
            tags,
        };
        let outputs = ServiceOutputs {
            arn: s.service_arn().unwrap_or_default().to_string(),
            tags_all,
        };
        (inputs, outputs)
    }

    /// UpdateService with every updatable setting of `new` (desiredCount unless autoscaling owns it).
    async fn apply(
        ctx: &Context,
        arn: &str,
        old: Option<&ServiceInputs>,
        new: &ServiceInputs,
        send_desired_count: bool,
    ) -> Result<(), ResourceError> {
        let strategy_changed =
            old.is_none_or(|o| o.capacity_provider_strategy != new.capacity_provider_strategy);
        let deployment = new
            .deployment_configuration
            .as_ref()
            .map(Self::deployment)
            .transpose()?;
        let mut req = ctx
            .aws
            .ecs
            .update_service()
            .cluster(&new.cluster)
            .service(arn)
            .task_definition(&new.task_definition)
            .network_configuration(Self::network(&new.network_configuration)?)
            .set_load_balancers(Some(Self::load_balancers(
                new.load_balancers.as_deref().unwrap_or_default(),
            )))
            .set_health_check_grace_period_seconds(new.health_check_grace_period_seconds)
            .set_deployment_configuration(deployment)
            .enable_execute_command(new.enable_execute_command.unwrap_or(false))
            .propagate_tags(PropagateTags::from(
                new.propagate_tags.as_deref().unwrap_or("SERVICE"),
            ));
        if send_desired_count {
            req = req.set_desired_count(new.desired_count);
        }
        if let Some(strategy) = &new.capacity_provider_strategy {
            req = req.set_capacity_provider_strategy(Some(strategy_items(strategy)?));
        }
        if strategy_changed && old.is_some() {
            // A new capacity provider strategy takes effect only with a new deployment.
            req = req.force_new_deployment(true);
        }
        req.send()
            .await
            .map_err(|e| aws_error("ecs:UpdateService", e))?;
        Ok(())
    }
}

impl CustomResource for Service {
    const TOKEN: &'static str = "orderapi:ecs:Service";
    const DESCRIPTION: &'static str = "A Fargate ECS service: capacity provider strategy, awsvpc networking, load \
         balancers, deployment circuit breaker and ECS's native ROLLING / BLUE_GREEN / LINEAR / CANARY deployments, \
         optional wait for steady state, and a desiredCount autoscaling may own.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name", "cluster"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = ServiceInputs;
    type Outputs = ServiceOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: ServiceInputs,
    ) -> Result<ServiceInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_name(ctx, "name", &mut inputs.name, &mut f);
        check_tags(inputs.tags.as_ref(), &mut f);
        let cluster_ok =
            super::valid_name(&inputs.cluster) || is_arn_of(&inputs.cluster, "ecs", "cluster/");
        f.require(cluster_ok, "cluster", "must be a cluster name or ARN");
        let td = &inputs.task_definition;
        let td_ok = is_arn_of(td, "ecs", "task-definition/")
            || td.split_once(':').is_some_and(|(family, rev)| {
                super::valid_name(family) && rev.parse::<u32>().is_ok_and(|r| r > 0)
            });
        f.require(
            td_ok,
            "taskDefinition",
            "must be a task definition revision ARN or `family:revision`",
        );
        let desired = *inputs.desired_count.get_or_insert(1);
        f.require(
            (0..=5000).contains(&desired),
            "desiredCount",
            "must be 0-5000",
        );
        check_strategy(
            "capacityProviderStrategy",
            &mut inputs.capacity_provider_strategy,
            &[],
            &mut f,
        );
        let n = &mut inputs.network_configuration;
        n.subnets.sort();
        n.subnets.dedup();
        n.security_groups.sort();
        n.security_groups.dedup();
        f.require(
            (1..=16).contains(&n.subnets.len())
                && n.subnets.iter().all(|s| s.starts_with("subnet-")),
            "networkConfiguration.subnets",
            "must list 1-16 subnet ids (subnet-…)",
        );
        f.require(
            (1..=5).contains(&n.security_groups.len())
                && n.security_groups.iter().all(|s| s.starts_with("sg-")),
            "networkConfiguration.securityGroups",
            "must list 1-5 security group ids (sg-…)",
        );
        let ip = n
            .assign_public_ip
            .get_or_insert_with(|| "DISABLED".to_string());
        f.require(
            matches!(ip.as_str(), "ENABLED" | "DISABLED"),
            "networkConfiguration.assignPublicIp",
            "must be ENABLED or DISABLED",
        );
        if inputs.load_balancers.as_ref().is_some_and(Vec::is_empty) {
            inputs.load_balancers = None;
        }
        if let Some(lbs) = &inputs.load_balancers {
            f.require(lbs.len() <= 5, "loadBalancers", "at most 5 load balancers");
            for (i, lb) in lbs.iter().enumerate() {
                f.require(
                    is_elbv2_arn(&lb.target_group_arn, "targetgroup/"),
                    format!("loadBalancers[{i}].targetGroupArn"),
                    "must be a target group ARN",
                );
                f.require(
                    super::valid_name(&lb.container_name),
                    format!("loadBalancers[{i}].containerName"),
                    "must be a container name of the task definition",
                );
                f.require(
                    (1..=65535).contains(&lb.container_port),
                    format!("loadBalancers[{i}].containerPort"),
                    "must be 1-65535",
                );
            }
        }
        if let Some(g) = inputs.health_check_grace_period_seconds {
            f.require(
                g >= 0,
                "healthCheckGracePeriodSeconds",
                "must be 0-2147483647",
            );
            f.require(
                inputs.load_balancers.is_some(),
                "healthCheckGracePeriodSeconds",
                "applies only to a service with loadBalancers",
            );
        }
        check_deployment(&mut inputs, &mut f);
        inputs.wait_for_steady_state.get_or_insert(true);
        inputs
            .desired_count_owned_by_autoscaling
            .get_or_insert(false);
        inputs.enable_execute_command.get_or_insert(false);
        let propagate = inputs
            .propagate_tags
            .get_or_insert_with(|| "SERVICE".to_string());
        f.require(
            matches!(propagate.as_str(), "SERVICE" | "TASK_DEFINITION" | "NONE"),
            "propagateTags",
            "must be SERVICE, TASK_DEFINITION or NONE",
        );
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &ServiceInputs,
    ) -> Result<(String, ServiceOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let cluster = inputs.cluster.as_str();
        let tags = ctx.tags(inputs.tags.as_ref());
        // A same-named service that is still DRAINING (an earlier delete) blocks the name until it is INACTIVE.
        ctx.wait_for(
            &format!("the previous ECS service {name} to finish draining"),
            || async {
                Ok(match Self::status(ctx, cluster, &name).await? {
                    Some(s) if s == "DRAINING" => Poll::Pending(s),
                    _ => Poll::Ready(()),
                })
            },
        )
        .await?;
        // CreateService takes at most 36 characters of token.
        let token = ctx.client_token(inputs, 36);
        let made = create_once(
            ctx,
            &format!("ECS service {name}"),
            || async {
                let Some(s) = Self::describe(ctx, cluster, &name).await? else {
                    return Ok(None);
                };
                let arn = s.service_arn().unwrap_or_default().to_string();
                let live = tag_map(s.tags());
                match ctx.found(&arn, &live) {
                    Found::Orphan => {
                        ctx.adopting("ECS service", &arn);
                        Ok(Some((arn, Some(live))))
                    }
                    other => Err(conflict(
                        &format!("an ECS service named '{name}' in cluster {cluster} ({arn})"),
                        &other,
                    )),
                }
            },
            || async {
                let deployment = inputs
                    .deployment_configuration
                    .as_ref()
                    .map(Self::deployment)
                    .transpose()?;
                let mut req = ctx
                    .aws
                    .ecs
                    .create_service()
                    .cluster(cluster)
                    .service_name(&name)
                    .task_definition(&inputs.task_definition)
                    .set_desired_count(inputs.desired_count)
                    .network_configuration(Self::network(&inputs.network_configuration)?)
                    .set_load_balancers(inputs.load_balancers.as_deref().map(Self::load_balancers))
                    .set_health_check_grace_period_seconds(inputs.health_check_grace_period_seconds)
                    .set_deployment_configuration(deployment)
                    .enable_execute_command(inputs.enable_execute_command.unwrap_or(false))
                    .propagate_tags(PropagateTags::from(
                        inputs.propagate_tags.as_deref().unwrap_or("SERVICE"),
                    ))
                    .enable_ecs_managed_tags(true)
                    .client_token(&token)
                    .set_tags(Some(tag_list(&tags)));
                req = match &inputs.capacity_provider_strategy {
                    Some(strategy) => {
                        req.set_capacity_provider_strategy(Some(strategy_items(strategy)?))
                    }
                    None => req.launch_type(LaunchType::Fargate),
                };
                let out = req
                    .customize()
                    .config_override(no_retry!(aws_sdk_ecs))
                    .send()
                    .await
                    .map_err(|e| aws_error("ecs:CreateService", e))?;
                let arn = out
                    .service()
                    .and_then(|s| s.service_arn())
                    .unwrap_or_default()
                    .to_string();
                Ok((arn, None))
            },
        )
        .await?;
        let (arn, adopted) = made.into_inner();
        let outputs = ServiceOutputs {
            arn: arn.clone(),
            tags_all: tags.clone(),
        };
        let steps = async {
            if let Some(live) = &adopted {
                // Bring the leftover in line with the declared settings and tags.
                Self::apply(ctx, &arn, None, inputs, true).await?;
                tags::sync::<EcsTags>(&ctx.aws, &arn, live, &tags).await?;
            }
            if inputs.wait_for_steady_state.unwrap_or(true) {
                Self::wait_steady(ctx, cluster, &arn, &name).await?;
            }
            Ok::<(), ResourceError>(())
        };
        steps.await.map_err(|e| e.partial(&arn, &outputs))?;
        Ok((arn, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&ServiceInputs>,
    ) -> Result<Option<(ServiceInputs, ServiceOutputs)>, ResourceError> {
        // The id is the service ARN; its long form names the cluster (`service/<cluster>/<name>`).
        let cluster = match prior {
            Some(p) => p.cluster.clone(),
            None => match id
                .rsplit_once(":service/")
                .and_then(|(_, rest)| rest.split_once('/'))
            {
                Some((cluster, _)) => cluster.to_string(),
                None => "default".to_string(),
            },
        };
        Ok(Self::describe(ctx, &cluster, id)
            .await?
            .map(|s| Self::from_live(ctx, &s, prior)))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &ServiceInputs,
        old_outputs: &ServiceOutputs,
        new: &ServiceInputs,
    ) -> Result<ServiceOutputs, ResourceError> {
        let owned = new.desired_count_owned_by_autoscaling.unwrap_or(false);
        let settings_changed = ServiceInputs {
            tags: None,
            wait_for_steady_state: None,
            desired_count_owned_by_autoscaling: None,
            desired_count: None,
            ..old.clone()
        } != ServiceInputs {
            tags: None,
            wait_for_steady_state: None,
            desired_count_owned_by_autoscaling: None,
            desired_count: None,
            ..new.clone()
        };
        let count_changed = !owned && old.desired_count != new.desired_count;
        if settings_changed || count_changed {
            Self::apply(ctx, id, Some(old), new, !owned).await?;
        }
        let tags = ctx.tags(new.tags.as_ref());
        tags::sync::<EcsTags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        let outputs = ServiceOutputs {
            arn: old_outputs.arn.clone(),
            tags_all: tags,
        };
        // Unchanged inputs: the engine continues a create (or update) that failed after the service existed,
        // e.g. one whose steady-state wait ran out of time; the wait is what is left to do.
        let continuing = old == new;
        if (settings_changed || count_changed || continuing)
            && new.wait_for_steady_state.unwrap_or(true)
        {
            Self::wait_steady(ctx, &new.cluster, id, new.name.as_deref().unwrap_or(id))
                .await
                .map_err(|e| e.partial(id, &outputs))?;
        }
        Ok(outputs)
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        inputs: &ServiceInputs,
        _: &ServiceOutputs,
    ) -> Result<(), ResourceError> {
        let cluster = inputs.cluster.as_str();
        // ServiceNotActive, ServiceNotFound and ClusterNotFound all classify as NotFound.
        let gone = |e: &ResourceError| e.is_not_found();
        // Scale to zero first so tasks drain through the load balancer, then force-delete.
        if let Err(e) = ctx
            .aws
            .ecs
            .update_service()
            .cluster(cluster)
            .service(id)
            .desired_count(0)
            .send()
            .await
            .map_err(|e| aws_error("ecs:UpdateService", e))
        {
            if gone(&e) {
                return Ok(());
            }
            return Err(e);
        }
        match ctx
            .aws
            .ecs
            .delete_service()
            .cluster(cluster)
            .service(id)
            .force(true)
            .send()
            .await
            .map_err(|e| aws_error("ecs:DeleteService", e))
        {
            Ok(_) => {}
            Err(e) if gone(&e) => return Ok(()),
            Err(e) => return Err(e),
        }
        // DRAINING until its tasks have stopped, then INACTIVE: the name is free only then.
        ctx.wait_for(&format!("ECS service {id} to become INACTIVE"), || async {
            Ok(match Self::status(ctx, cluster, id).await? {
                None => Poll::Ready(()),
                Some(s) => Poll::Pending(s),
            })
        })
        .await
    }
}
