//! ECS service tests. moto never runs tasks, so what these tests cannot show of real ECS:
//! - tasks starting, passing container/target-group health checks and reaching RUNNING: moto reports
//!   `runningCount` = `MOTO_ECS_SERVICE_RUNNING` (0 here) after CreateService, and runningCount = desiredCount at
//!   once after an UpdateService that sets desiredCount. The steady-state wait is exercised only as "ready at
//!   once" (desiredCount 0, or after such an update) and "never ready" (desiredCount > 0 right after create →
//!   the wait runs into the operation's timeout), never as a real rollout that completes after a while;
//! - a deployment the circuit breaker marks FAILED (and rolls back), and alarm-triggered rollbacks: moto never
//!   changes a rollout state; the code turns FAILED into an error naming ECS's reason;
//! - ECS's native BLUE_GREEN / LINEAR / CANARY traffic shifting on the listener rules, bake time, and
//!   validation of the target groups, listener rules and infrastructure role in `advancedConfiguration`:
//!   moto stores the load balancer entries as sent (shown: they round-trip) and validates nothing;
//! - CreateService keeping the capacity provider strategy, deployment configuration, grace period and ECS Exec
//!   (moto drops them on create; UpdateService stores them): read keeps the declared value for a field ECS does
//!   not return, so the create→read check here partly compares declared values with themselves; after the
//!   update below the values do come back from moto;
//! - DRAINING: moto marks a deleted service INACTIVE at once; the code waits through DRAINING (and a create
//!   waits for a DRAINING namesake) with status lines, within the timeout.

use std::collections::BTreeMap;
use std::time::Duration;

use orderapi::error::ResourceError;
use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::ecs::CapacityProviderStrategy;
use orderapi::resources::ecs::cluster::{Cluster, ClusterInputs};
use orderapi::resources::ecs::service::{
    Service, ServiceCanaryConfiguration, ServiceDeploymentAlarms, ServiceDeploymentConfiguration,
    ServiceInputs, ServiceLoadBalancer, ServiceLoadBalancerAdvancedConfiguration,
    ServiceNetworkConfiguration,
};
use orderapi::resources::ecs::task_definition::TaskDefinition;
use tokio_util::sync::CancellationToken;

use super::ecs_cluster::{ecs_assert_owned, ecs_tags, other_resource, replacing, to_props};
use crate::moto::Moto;

const TG_BLUE: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg-blue/0123456789abcdef";
const TG_GREEN: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg-green/0123456789abcdef";
const RULE: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/alb/0123456789abcdef/0123456789abcdef/0123456789abcdef";
const INFRA_ROLE: &str = "arn:aws:iam::123456789012:role/ecs-infrastructure";

/// What a service needs, made with the SDK and the other ECS kinds: subnet, security group, cluster, revision.
pub(crate) struct Prereqs {
    pub(crate) subnet: String,
    pub(crate) sg: String,
    pub(crate) cluster: String,
    pub(crate) task_definition: String,
}

pub(crate) async fn prereqs(ctx: &Context, cluster: &str) -> Prereqs {
    let ec2 = &ctx.aws.ec2;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.40.0.0/16")
        .send()
        .await
        .expect("vpc");
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.40.1.0/24")
        .send()
        .await
        .expect("subnet");
    let sg = ec2
        .create_security_group()
        .vpc_id(&vpc_id)
        .group_name(format!("{cluster}-tasks"))
        .description("tasks")
        .send()
        .await
        .expect("sg");
    let cluster_inputs = Cluster::check(
        &CheckContext::default(),
        ClusterInputs {
            name: Some(cluster.into()),
            container_insights: None,
            capacity_providers: None,
            default_capacity_provider_strategy: None,
            tags: None,
        },
    )
    .expect("cluster inputs");
    Cluster::create(ctx, &cluster_inputs)
        .await
        .expect("cluster");
    let (td, _) = TaskDefinition::create(
        ctx,
        &super::ecs_task_definition::inputs(&format!("{cluster}-app")),
    )
    .await
    .expect("task definition");
    Prereqs {
        subnet: subnet
            .subnet()
            .and_then(|s| s.subnet_id())
            .expect("subnet id")
            .to_string(),
        sg: sg.group_id().expect("sg id").to_string(),
        cluster: cluster.to_string(),
        task_definition: td,
    }
}

pub(crate) fn raw(p: &Prereqs, name: &str) -> ServiceInputs {
    ServiceInputs {
        name: Some(name.into()),
        cluster: p.cluster.clone(),
        task_definition: p.task_definition.clone(),
        desired_count: Some(0),
        capacity_provider_strategy: Some(vec![
            CapacityProviderStrategy {
                capacity_provider: "FARGATE_SPOT".into(),
                weight: Some(3),
                base: None,
            },
            CapacityProviderStrategy {
                capacity_provider: "FARGATE".into(),
                weight: Some(1),
                base: Some(1),
            },
        ]),
        network_configuration: ServiceNetworkConfiguration {
            subnets: vec![p.subnet.clone()],
            security_groups: vec![p.sg.clone()],
            assign_public_ip: None,
        },
        load_balancers: Some(vec![ServiceLoadBalancer {
            target_group_arn: TG_BLUE.into(),
            container_name: "app".into(),
            container_port: 8080,
            advanced_configuration: None,
        }]),
        health_check_grace_period_seconds: Some(60),
        deployment_configuration: None,
        wait_for_steady_state: None,
        desired_count_owned_by_autoscaling: None,
        enable_execute_command: None,
        propagate_tags: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn checked(i: ServiceInputs) -> ServiceInputs {
    Service::check(&CheckContext::default(), i).expect("valid inputs")
}

async fn live_desired(ctx: &Context, p: &Prereqs, arn: &str) -> i32 {
    let out = ctx
        .aws
        .ecs
        .describe_services()
        .cluster(&p.cluster)
        .services(arn)
        .send()
        .await
        .expect("describe");
    out.services()[0].desired_count()
}

#[tokio::test]
async fn ecs_service_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let p = prereqs(&ctx, "ecs-svc-life").await;
    let inputs = checked(raw(&p, "orders-api"));
    let d = inputs.deployment_configuration.as_ref().expect("defaulted");
    assert_eq!(d.strategy.as_deref(), Some("ROLLING"));
    assert_eq!(d.minimum_healthy_percent, Some(100));
    assert!(
        d.circuit_breaker
            .as_ref()
            .is_some_and(|c| c.enable && c.rollback)
    );
    assert_eq!(
        inputs.network_configuration.assign_public_ip.as_deref(),
        Some("DISABLED")
    );
    assert_eq!(inputs.propagate_tags.as_deref(), Some("SERVICE"));

    // desiredCount 0: steady at once (moto: rollout COMPLETED, 0 running of 0).
    let (id, outputs) = Service::create(&ctx, &inputs).await.expect("create");
    assert!(
        id.starts_with("arn:aws:ecs:us-east-1:123456789012:service/")
            && id.ends_with("/orders-api"),
        "{id}"
    );
    assert_eq!(outputs.arn, id);
    assert_eq!(outputs.tags_all["Team"], "orders");
    ecs_assert_owned(&ctx, &id).await;

    let (read_inputs, read_outputs) = Service::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // In place: count, ECS Exec, deployment settings with alarms, strategy, grace period, tags.
    let mut changed = inputs.clone();
    changed.desired_count = Some(2);
    changed.enable_execute_command = Some(true);
    changed.health_check_grace_period_seconds = Some(120);
    changed.capacity_provider_strategy = Some(vec![CapacityProviderStrategy {
        capacity_provider: "FARGATE_SPOT".into(),
        weight: Some(1),
        base: Some(0),
    }]);
    let mut deployment = changed.deployment_configuration.clone().expect("set");
    deployment.minimum_healthy_percent = Some(50);
    deployment.alarms = Some(ServiceDeploymentAlarms {
        names: vec!["orders-5xx".into(), "orders-latency".into()],
        rollback: true,
        enable: None,
    });
    changed.deployment_configuration = Some(deployment);
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "core".to_string())]));
    let changed = checked(changed);
    let updated = Service::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert!(!updated.tags_all.contains_key("Team"));
    assert_eq!(live_desired(&ctx, &p, &id).await, 2);
    // After UpdateService moto returns every field, so this read compares live values.
    let (after, _) = Service::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);

    // Autoscaling owns desiredCount: updates do not send it, read reports the declared value.
    let mut owned = changed.clone();
    owned.desired_count_owned_by_autoscaling = Some(true);
    owned.desired_count = Some(5);
    let updated = Service::update(&ctx, &id, &changed, &updated, &owned)
        .await
        .expect("update owned");
    assert_eq!(
        live_desired(&ctx, &p, &id).await,
        2,
        "desiredCount was sent"
    );
    ctx.aws
        .ecs
        .update_service()
        .cluster(&p.cluster)
        .service(&id)
        .desired_count(4)
        .send()
        .await
        .expect("autoscaling scales");
    let (after, _) = Service::read(&ctx, &id, Some(&owned))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, owned, "a scaled service shows no drift");
    let mut other_td = owned.clone();
    other_td.enable_execute_command = Some(false);
    Service::update(&ctx, &id, &owned, &updated, &other_td)
        .await
        .expect("update with autoscaling owning the count");
    assert_eq!(
        live_desired(&ctx, &p, &id).await,
        4,
        "the scaled count survives an update"
    );

    // The cluster and the name force replacement, deleting first (names are unique per cluster).
    let adapter = Adapter::<Service>::default();
    let mut moved = other_td.clone();
    moved.cluster = "elsewhere".into();
    let diff = adapter.diff(&to_props(&other_td), &to_props(&moved), &[]);
    assert_eq!(diff.replaces, vec!["cluster"]);
    assert!(diff.delete_before_replace);
    let mut td = other_td.clone();
    td.task_definition = "other:2".into();
    let diff = adapter.diff(&to_props(&other_td), &to_props(&td), &[]);
    assert!(diff.replaces.is_empty() && diff.changed == vec!["taskDefinition"]);

    // Delete: scale to 0, force-delete, wait for INACTIVE; again is a no-op; read says gone.
    Service::delete(&ctx, &id, &other_td, &updated)
        .await
        .expect("delete");
    assert_eq!(live_desired(&ctx, &p, &id).await, 0);
    Service::delete(&ctx, &id, &other_td, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        Service::read(&ctx, &id, Some(&other_td))
            .await
            .expect("read")
            .is_none()
    );
    // The cluster can go now.
    Cluster::delete(&ctx, &p.cluster, &dummy_cluster(), &Default::default())
        .await
        .expect("cluster delete");
}

fn dummy_cluster() -> ClusterInputs {
    ClusterInputs {
        name: None,
        container_insights: None,
        capacity_providers: None,
        default_capacity_provider_strategy: None,
        tags: None,
    }
}

#[tokio::test]
async fn ecs_service_native_canary_round_trips_advanced_configuration() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let p = prereqs(&ctx, "ecs-svc-canary").await;
    let mut raw = raw(&p, "orders-canary");
    raw.load_balancers = Some(vec![ServiceLoadBalancer {
        target_group_arn: TG_BLUE.into(),
        container_name: "app".into(),
        container_port: 8080,
        advanced_configuration: Some(ServiceLoadBalancerAdvancedConfiguration {
            alternate_target_group_arn: TG_GREEN.into(),
            production_listener_rule: RULE.into(),
            test_listener_rule: None,
            role_arn: INFRA_ROLE.into(),
        }),
    }]);
    raw.deployment_configuration = Some(ServiceDeploymentConfiguration {
        minimum_healthy_percent: None,
        maximum_percent: None,
        circuit_breaker: None,
        strategy: Some("CANARY".into()),
        bake_time_in_minutes: Some(10),
        canary_configuration: Some(ServiceCanaryConfiguration {
            canary_percent: 10.0,
            canary_bake_time_in_minutes: 5,
        }),
        linear_configuration: None,
        alarms: None,
    });
    let inputs = checked(raw);
    let (id, _) = Service::create(&ctx, &inputs).await.expect("create");
    let live = ctx
        .aws
        .ecs
        .describe_services()
        .cluster(&p.cluster)
        .services(&id)
        .send()
        .await
        .expect("describe");
    let lb = &live.services()[0].load_balancers()[0];
    let adv = lb
        .advanced_configuration()
        .expect("advancedConfiguration sent");
    assert_eq!(adv.alternate_target_group_arn(), Some(TG_GREEN));
    assert_eq!(adv.production_listener_rule(), Some(RULE));
    assert_eq!(adv.role_arn(), Some(INFRA_ROLE));
    let (read_inputs, _) = Service::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
}

#[tokio::test]
async fn ecs_service_adopts_only_its_own_unrecorded_orphan() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let p = prereqs(&ctx, "ecs-svc-adopt").await;
    // desiredCount 1 and no wait: moto's rollout stays IN_PROGRESS, the create returns anyway.
    let mut raw = raw(&p, "orders-adopt");
    raw.desired_count = Some(1);
    raw.wait_for_steady_state = Some(false);
    let inputs = checked(raw);
    let (id, first) = Service::create(&ctx, &inputs).await.expect("first create");
    // The engine never recorded it: the same create again adopts the service and its declared settings/tags.
    let mut changed = inputs.clone();
    changed.desired_count = Some(2);
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "core".to_string())]));
    let changed = checked(changed);
    let (again, second) = Service::create(&ctx, &changed)
        .await
        .expect("retried create");
    assert_eq!(
        again, id,
        "the retried create must adopt, not fail on the name"
    );
    assert_eq!(second.arn, first.arn);
    ecs_assert_owned(&ctx, &id).await;
    assert_eq!(live_desired(&ctx, &p, &id).await, 2, "brought in line");
    let live = ecs_tags(&ctx, &id).await;
    assert_eq!(
        live.get("Tier").map(String::as_str),
        Some("core"),
        "{live:?}"
    );
    let listed = ctx
        .aws
        .ecs
        .list_services()
        .cluster(&p.cluster)
        .send()
        .await
        .expect("list services");
    assert_eq!(
        listed.service_arns(),
        std::slice::from_ref(&id),
        "no duplicate"
    );

    // The service the engine records (a replacement) is never adopted: names are unique per cluster.
    let err = Service::create(&replacing(&ctx, &id), &changed)
        .await
        .expect_err("recorded");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("'orders-adopt'"), "{err}");
    assert!(err.to_string().contains("deleteBeforeReplace"), "{err}");

    let err = Service::create(&other_resource(&ctx), &changed)
        .await
        .expect_err("another resource's");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("'orders-adopt'"), "{err}");
    assert!(err.to_string().contains("another Pulumi resource"), "{err}");

    ctx.aws
        .ecs
        .create_service()
        .cluster(&p.cluster)
        .service_name("orders-stranger")
        .task_definition(&p.task_definition)
        .desired_count(0)
        .send()
        .await
        .expect("stranger");
    let mut stranger = inputs.clone();
    stranger.name = Some("orders-stranger".into());
    let err = Service::create(&ctx, &stranger)
        .await
        .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("'orders-stranger'"), "{err}");
    assert!(
        err.to_string().contains("not created by pulumi-orderapi"),
        "{err}"
    );
}

#[tokio::test]
async fn ecs_service_waits_for_steady_state_until_the_timeout() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let p = prereqs(&ctx, "ecs-svc-wait").await;
    let mut raw = raw(&p, "orders-wait");
    raw.desired_count = Some(2);
    let inputs = checked(raw);
    // moto never starts the 2 tasks: the wait keeps polling until the operation's (short) timeout, and the
    // service is handed back as partial state (with its identity in tagsAll).
    let short = Context::new(
        ctx.aws.clone(),
        "urn:pulumi:test::test::orderapi:ecs:Service::wait",
        Duration::from_secs(3),
        CancellationToken::new(),
    );
    let err = Service::create(&short, &inputs)
        .await
        .expect_err("never steady");
    match &err {
        ResourceError::Partial {
            id,
            source,
            outputs,
        } => {
            assert!(id.ends_with("/orders-wait"), "{id}");
            assert!(
                matches!(**source, ResourceError::Timeout { .. }),
                "{source}"
            );
            assert!(
                outputs["tagsAll"]
                    .as_object()
                    .is_some_and(|t| t.contains_key(orderapi::lifecycle::IDENTITY_TAG))
            );
        }
        other => panic!("expected partial state, got {other}"),
    }
}

#[test]
fn ecs_service_check_rejects_what_aws_would() {
    let p = Prereqs {
        subnet: "subnet-1".into(),
        sg: "sg-1".into(),
        cluster: "c".into(),
        task_definition: "app:1".into(),
    };
    let props = |i: ServiceInputs| -> Vec<String> {
        Service::check(&CheckContext::default(), i)
            .expect_err("invalid")
            .into_iter()
            .map(|f| f.property)
            .collect()
    };
    assert!(Service::check(&CheckContext::default(), raw(&p, "ok")).is_ok());

    // Weights that sum to zero, two bases, an unknown provider.
    let mut bad = raw(&p, "x");
    bad.capacity_provider_strategy = Some(vec![
        CapacityProviderStrategy {
            capacity_provider: "FARGATE".into(),
            weight: Some(0),
            base: Some(1),
        },
        CapacityProviderStrategy {
            capacity_provider: "FARGATE_SPOT".into(),
            weight: Some(0),
            base: Some(1),
        },
        CapacityProviderStrategy {
            capacity_provider: "EC2".into(),
            weight: Some(0),
            base: Some(0),
        },
    ]);
    let got = props(bad);
    assert_eq!(
        got.iter()
            .filter(|p| *p == "capacityProviderStrategy")
            .count(),
        3,
        "{got:?}"
    );

    // Network, task definition, grace period without load balancers, propagateTags, desiredCount.
    let mut bad = raw(&p, "bad name!");
    bad.network_configuration.subnets = vec![];
    bad.network_configuration.security_groups = vec!["default".into()];
    bad.network_configuration.assign_public_ip = Some("YES".into());
    bad.task_definition = "app".into();
    bad.load_balancers = None;
    bad.propagate_tags = Some("TASK".into());
    bad.desired_count = Some(-1);
    let got = props(bad);
    for p in [
        "name",
        "networkConfiguration.subnets",
        "networkConfiguration.securityGroups",
        "networkConfiguration.assignPublicIp",
        "taskDefinition",
        "healthCheckGracePeriodSeconds",
        "propagateTags",
        "desiredCount",
    ] {
        assert!(got.contains(&p.to_string()), "{p} missing from {got:?}");
    }

    // Native strategies: BLUE_GREEN needs advancedConfiguration; CANARY needs its configuration; ROLLING takes
    // neither bake time nor advancedConfiguration; percentages in range.
    let mut bad = raw(&p, "x");
    let mut d = checked(raw(&p, "x")).deployment_configuration.expect("set");
    d.strategy = Some("BLUE_GREEN".into());
    bad.deployment_configuration = Some(d.clone());
    assert!(props(bad).contains(&"loadBalancers[0].advancedConfiguration".to_string()));
    let mut bad = raw(&p, "x");
    d.strategy = Some("CANARY".into());
    bad.deployment_configuration = Some(d.clone());
    assert!(props(bad).contains(&"deploymentConfiguration.canaryConfiguration".to_string()));
    let mut bad = raw(&p, "x");
    d.strategy = Some("ROLLING".into());
    d.bake_time_in_minutes = Some(5);
    d.minimum_healthy_percent = Some(101);
    d.maximum_percent = Some(99);
    bad.deployment_configuration = Some(d.clone());
    bad.load_balancers.as_mut().expect("lb")[0].advanced_configuration =
        Some(ServiceLoadBalancerAdvancedConfiguration {
            alternate_target_group_arn: TG_BLUE.into(),
            production_listener_rule: "rule".into(),
            test_listener_rule: None,
            role_arn: "role".into(),
        });
    let got = props(bad);
    for p in [
        "deploymentConfiguration.bakeTimeInMinutes",
        "deploymentConfiguration.minimumHealthyPercent",
        "deploymentConfiguration.maximumPercent",
        "loadBalancers[0].advancedConfiguration",
        "loadBalancers[0].advancedConfiguration.alternateTargetGroupArn",
        "loadBalancers[0].advancedConfiguration.productionListenerRule",
        "loadBalancers[0].advancedConfiguration.roleArn",
    ] {
        assert!(got.contains(&p.to_string()), "{p} missing from {got:?}");
    }
    let mut bad = raw(&p, "x");
    let mut d = checked(raw(&p, "x")).deployment_configuration.expect("set");
    d.strategy = Some("SHIFT".into());
    d.alarms = Some(ServiceDeploymentAlarms {
        names: vec![],
        rollback: true,
        enable: None,
    });
    bad.deployment_configuration = Some(d);
    let got = props(bad);
    assert!(
        got.contains(&"deploymentConfiguration.strategy".to_string()),
        "{got:?}"
    );
    assert!(
        got.contains(&"deploymentConfiguration.alarms.names".to_string()),
        "{got:?}"
    );
}
