//! `orderapi:elbv2:TargetGroup` against moto.
//!
//! What moto cannot show: moto raises ResourceInUse like AWS when a listener still forwards to a group being
//! deleted, but nothing in these tests changes the listener concurrently, so the delete's retry of ResourceInUse
//! within the timeout (for a listener re-pointed in the same deployment) is not exercised; moto accepts health check values AWS rejects (timeout ≥ interval, thresholds outside 2-10, matchers outside
//! 200-499) — check rejects them before any call, as the check test shows.

use std::collections::BTreeMap;

use orderapi::error::ResourceError;
use orderapi::resource::{Adapter, CheckContext, CustomResource, DynResource};
use orderapi::resources::elbv2::target_group::{HealthCheck, TargetGroup, TargetGroupInputs};

use super::ecs_cluster::{other_resource, replacing};
use super::elbv2_support::{assert_owned, failed, network, props, tags};
use crate::moto::Moto;

fn raw(name: &str, vpc: &str) -> TargetGroupInputs {
    TargetGroupInputs {
        name: Some(name.into()),
        target_type: None,
        port: Some(8080),
        protocol: Some("HTTP".into()),
        vpc_id: Some(vpc.into()),
        health_check: Some(HealthCheck {
            path: Some("/healthz".into()),
            matcher: Some("200-299".into()),
            ..Default::default()
        }),
        deregistration_delay: Some(30),
        slow_start: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn checked(inputs: TargetGroupInputs) -> TargetGroupInputs {
    TargetGroup::check(&CheckContext::default(), inputs).expect("valid inputs")
}

#[tokio::test]
async fn elbv2_target_group_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = network(&ctx).await;

    let inputs = checked(raw("api-life", &net.vpc));
    assert_eq!(inputs.target_type.as_deref(), Some("ip"));
    assert_eq!(inputs.slow_start, Some(0));
    assert_eq!(
        inputs.health_check,
        Some(HealthCheck {
            enabled: Some(true),
            path: Some("/healthz".into()),
            port: Some("traffic-port".into()),
            protocol: Some("HTTP".into()),
            interval: Some(30),
            timeout: Some(5),
            healthy_threshold: Some(5),
            unhealthy_threshold: Some(2),
            matcher: Some("200-299".into()),
        })
    );

    let (arn, outputs) = TargetGroup::create(&ctx, &inputs).await.expect("create");
    assert!(arn.contains(":targetgroup/api-life/"), "{arn}");
    assert!(
        outputs.arn_suffix.starts_with("targetgroup/api-life/"),
        "{}",
        outputs.arn_suffix
    );
    assert_eq!(outputs.tags_all["ManagedBy"], "pulumi-orderapi");
    assert_owned(&ctx, &arn).await;

    let (read_inputs, read_outputs) = TargetGroup::read(&ctx, &arn, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // In place: the health check, deregistration delay, slow start and tags.
    let mut changed = raw("api-life", &net.vpc);
    changed.health_check = Some(HealthCheck {
        path: Some("/ready".into()),
        interval: Some(10),
        timeout: Some(3),
        healthy_threshold: Some(2),
        unhealthy_threshold: Some(3),
        matcher: Some("200,202".into()),
        ..Default::default()
    });
    changed.deregistration_delay = Some(0);
    changed.slow_start = Some(60);
    changed.tags = None;
    let changed = checked(changed);
    let diff = Adapter::<TargetGroup>::default().diff(&props(&inputs), &props(&changed), &[]);
    assert!(diff.replaces.is_empty(), "{diff:?}");
    let updated = TargetGroup::update(&ctx, &arn, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert!(!updated.tags_all.contains_key("Team"));
    let (read_inputs, _) = TargetGroup::read(&ctx, &arn, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, changed);
    assert!(!tags(&ctx, &arn).await.contains_key("Team"));

    // Port, protocol, target type and VPC cannot change in place.
    let mut port = changed.clone();
    port.port = Some(9090);
    let diff = Adapter::<TargetGroup>::default().diff(&props(&changed), &props(&port), &[]);
    assert_eq!(diff.replaces, vec!["port"]);
    assert!(diff.delete_before_replace);

    TargetGroup::delete(&ctx, &arn, &changed, &updated)
        .await
        .expect("delete");
    TargetGroup::delete(&ctx, &arn, &changed, &updated)
        .await
        .expect("delete again is a no-op");
    assert!(
        TargetGroup::read(&ctx, &arn, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn elbv2_target_group_adoption() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = network(&ctx).await;
    let inputs = checked(raw("api-adopt", &net.vpc));
    let (arn, _) = TargetGroup::create(&ctx, &inputs).await.expect("create");

    // The engine never recorded the first create: the same create adopts the group and brings it in line.
    let mut retried = raw("api-adopt", &net.vpc);
    retried.deregistration_delay = Some(60);
    retried.tags = Some(BTreeMap::from([("Tier".to_string(), "api".to_string())]));
    let retried = checked(retried);
    let (again, _) = TargetGroup::create(&ctx, &retried).await.expect("adopt");
    assert_eq!(again, arn);
    assert_owned(&ctx, &arn).await;
    let (read_inputs, _) = TargetGroup::read(&ctx, &arn, Some(&retried))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, retried);
    let listed = ctx
        .aws
        .elbv2
        .describe_target_groups()
        .send()
        .await
        .expect("list");
    assert_eq!(listed.target_groups().len(), 1, "no duplicate");

    // The group the engine records (a replacement) is never adopted: names are unique, a conflict.
    let err = TargetGroup::create(&replacing(&ctx, &arn), &retried)
        .await
        .expect_err("recorded");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains("deleteBeforeReplace") && m.contains("'api-adopt'")),
        "{err}"
    );
    let err = TargetGroup::create(&other_resource(&ctx), &retried)
        .await
        .expect_err("another resource's");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains("another Pulumi resource") && m.contains("'api-adopt'")),
        "{err}"
    );

    // An orphan whose port differs cannot be adopted (the port cannot change in place).
    let mut other_port = retried.clone();
    other_port.port = Some(9000);
    let err = TargetGroup::create(&ctx, &other_port)
        .await
        .expect_err("port");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains("port 8080")),
        "{err}"
    );

    // A stranger's group with the name is a conflict.
    ctx.aws
        .elbv2
        .create_target_group()
        .name("api-stranger")
        .target_type(aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum::Ip)
        .port(8080)
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
        .vpc_id(&net.vpc)
        .send()
        .await
        .expect("stranger");
    let err = TargetGroup::create(&ctx, &checked(raw("api-stranger", &net.vpc)))
        .await
        .expect_err("stranger");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains("not created by pulumi-orderapi") && m.contains("'api-stranger'")),
        "{err}"
    );
}

#[test]
fn elbv2_target_group_check_failures_name_the_property() {
    let check = |i: TargetGroupInputs| TargetGroup::check(&CheckContext::default(), i);
    let hc = |f: &dyn Fn(&mut HealthCheck)| {
        let mut i = raw("api", "vpc-1");
        let mut h = HealthCheck::default();
        f(&mut h);
        i.health_check = Some(h);
        failed(check(i))
    };
    assert_eq!(
        hc(&|h| h.path = Some("healthz".into())),
        vec!["healthCheck.path"]
    );
    assert_eq!(
        hc(&|h| h.path = Some(format!("/{}", "a".repeat(1024)))),
        vec!["healthCheck.path"]
    );
    assert_eq!(
        hc(&|h| {
            h.interval = Some(4);
            h.timeout = Some(2);
        }),
        vec!["healthCheck.interval"]
    );
    assert_eq!(
        hc(&|h| h.interval = Some(301)),
        vec!["healthCheck.interval"]
    );
    assert_eq!(hc(&|h| h.timeout = Some(1)), vec!["healthCheck.timeout"]);
    assert_eq!(
        hc(&|h| {
            h.interval = Some(10);
            h.timeout = Some(10);
        }),
        vec!["healthCheck.timeout"]
    );
    assert_eq!(
        hc(&|h| h.healthy_threshold = Some(11)),
        vec!["healthCheck.healthyThreshold"]
    );
    assert_eq!(
        hc(&|h| h.unhealthy_threshold = Some(1)),
        vec!["healthCheck.unhealthyThreshold"]
    );
    assert_eq!(
        hc(&|h| h.matcher = Some("600".into())),
        vec!["healthCheck.matcher"]
    );
    assert_eq!(
        hc(&|h| h.matcher = Some("299-200".into())),
        vec!["healthCheck.matcher"]
    );
    assert_eq!(hc(&|h| h.port = Some("0".into())), vec!["healthCheck.port"]);
    assert_eq!(
        hc(&|h| h.protocol = Some("TCP".into())),
        vec!["healthCheck.protocol"]
    );

    let mut i = raw("api", "vpc-1");
    i.port = Some(0);
    i.protocol = Some("TCP".into());
    i.target_type = Some("alb".into());
    assert_eq!(failed(check(i)), vec!["targetType", "port", "protocol"]);
    let mut i = raw("api", "vpc-1");
    i.deregistration_delay = Some(3601);
    i.slow_start = Some(10);
    assert_eq!(failed(check(i)), vec!["deregistrationDelay", "slowStart"]);
    let mut i = raw("api", "vpc-1");
    i.slow_start = Some(901);
    assert_eq!(failed(check(i)), vec!["slowStart"]);
    let mut i = raw("api", "vpc-1");
    i.port = None;
    i.vpc_id = None;
    assert_eq!(failed(check(i)), vec!["port", "vpcId"]);
    assert_eq!(failed(check(raw("api-", "vpc-1"))), vec!["name"]);

    // Lambda targets take no port, protocol, VPC or attributes; their health check is off by default.
    let mut lambda = raw("fn", "vpc-1");
    lambda.target_type = Some("lambda".into());
    assert_eq!(
        failed(check(lambda.clone())),
        vec!["port", "protocol", "vpcId", "deregistrationDelay"]
    );
    lambda.port = None;
    lambda.protocol = None;
    lambda.vpc_id = None;
    lambda.deregistration_delay = None;
    lambda.health_check = None;
    let ok = check(lambda).expect("valid lambda group");
    let hc = ok.health_check.expect("defaults");
    assert_eq!(
        (hc.enabled, hc.interval, hc.timeout),
        (Some(false), Some(35), Some(30))
    );
}
