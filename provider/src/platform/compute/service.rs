//! The ECS service: Fargate with at least half of the tasks on Spot, behind the blue target group, rolled out by
//! the chosen strategy (blue/green, canary, linear through the green target group; or rolling), rolled back by
//! the circuit breaker and the error-rate alarm.
//!
//! Where it waits. Its values name the cluster, the task definition, the target groups, the production listener
//! rule (blue/green) and the rollback alarm; two more things must exist before its tasks can become healthy,
//! and no value carries them:
//! - the NAT routes of its private subnets: tasks have no public IP, so without the route they cannot pull the
//!   image, fetch their secrets or write logs, and ECS would count their failures against the circuit breaker;
//! - the Aurora **writer** instance: the order API connects to `DB_HOST` (the writer endpoint) to answer its
//!   health check. A cluster is "available" minutes before its first instance is, so following the cluster
//!   alone would start tasks that fail their checks. The readers are not waited for: the reader endpoint
//!   serves from the writer until a reader is up, so each reader (~10 minutes on AWS) is built beside the
//!   service's rollout instead of before it.

use super::{CONTAINER_NAME, HEALTH_CHECK_GRACE_SECONDS};
use crate::platform::args::{DeploymentSettings, DeploymentStrategy, ServiceSettings};
use crate::platform::child::{Handle, Props, Scope, ids};
use crate::platform::data::Data;
use crate::platform::edge::Edge;
use crate::platform::network::Network;
use crate::platform::observability::Observability;
use crate::platform::security::SecurityGroups;
use crate::resources::ecs::service::Service;
use crate::rpc::value::{PropertyMap, Value, obj};

/// The children the service takes values from or waits for.
pub struct ServiceRefs<'r, 'a> {
    pub net: &'r Network<'a>,
    pub sgs: &'r SecurityGroups<'a>,
    pub edge: &'r Edge<'a>,
    pub data: &'r Data<'a>,
    pub obs: &'r Observability<'a>,
    pub cluster: &'r Handle<'a>,
    pub task_definition: &'r Handle<'a>,
    pub infrastructure_role: &'r Handle<'a>,
}

/// The Spot split: `onDemandBase` tasks on FARGATE first, the rest by weight over FARGATE and FARGATE_SPOT.
pub fn capacity_strategy(s: &ServiceSettings) -> Value {
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

/// How ECS rolls out a revision: the chosen strategy with its bake time and canary/linear steps, the circuit
/// breaker, and the error-rate alarm (`alarm`: its name) that fails (and by default rolls back) a deployment.
fn deployment_configuration(d: &DeploymentSettings, alarm: Value) -> Value {
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
                ("names", Value::Array(vec![alarm])),
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

/// The service.
pub fn service<'a>(scope: &Scope<'a>, r: &ServiceRefs<'_, 'a>) -> Props<'a> {
    let s = &scope.settings().service;
    let traffic_shifting = scope.settings().deployment.strategy != DeploymentStrategy::Rolling;
    let mut network_from: Vec<&Handle<'a>> = r.net.private_subnets.iter().collect();
    network_from.push(&r.sgs.tasks);
    let mut waits_for: Vec<&Handle<'a>> = r.net.private_route_tables.iter().collect();
    waits_for.push(&r.data.writer);
    let deployment = &scope.settings().deployment;
    Props::of::<Service>(scope.logical("svc"))
        .set("name", scope.naming().name("svc"))
        .id_of("cluster", r.cluster)
        .id_of("taskDefinition", r.task_definition)
        .arg("desiredCount", s.desired_count, "service.desiredCount")
        .set("desiredCountOwnedByAutoscaling", true)
        .set("waitForSteadyState", s.wait_for_steady_state)
        .arg(
            "capacityProviderStrategy",
            capacity_strategy(s),
            "service.spotWeight",
        )
        .with("networkConfiguration", &network_from, |c| {
            let (subnets, group) = c.split_at(c.len() - 1);
            obj([
                ("subnets", ids(subnets)),
                ("securityGroups", ids(group)),
                ("assignPublicIp", "DISABLED".into()),
            ])
        })
        // The rule and listener too, also for ROLLING: ECS refuses a target group no listener forwards to.
        .with(
            "loadBalancers",
            &[
                &r.edge.blue,
                &r.edge.green,
                &r.edge.rule,
                &r.edge.listener,
                r.infrastructure_role,
            ],
            move |c| {
                let mut lb: PropertyMap = [
                    ("targetGroupArn", c[0].output("arn")),
                    ("containerName", CONTAINER_NAME.into()),
                    ("containerPort", s.container_port.into()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
                if traffic_shifting {
                    lb.insert(
                        "advancedConfiguration".into(),
                        obj([
                            ("alternateTargetGroupArn", c[1].output("arn")),
                            ("productionListenerRule", c[2].output("arn")),
                            ("roleArn", c[4].output("arn")),
                        ]),
                    );
                }
                Value::Array(vec![Value::Object(lb)])
            },
        )
        .set("healthCheckGracePeriodSeconds", HEALTH_CHECK_GRACE_SECONDS)
        .with(
            "deploymentConfiguration",
            &[&r.obs.error_rate_alarm],
            move |c| deployment_configuration(deployment, c[0].id.clone()),
        )
        .after(&waits_for)
        .set("propagateTags", "SERVICE")
        .set("enableExecuteCommand", false)
        .arg("tags", scope.tags.clone(), "tags")
}
