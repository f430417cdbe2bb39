//! Application Auto Scaling target-tracking policy against moto (with the tagging patch of
//! `appautoscaling_scalable_target`; the ECS service is made with the SDK directly).
//!
//! What moto cannot show (the code handles real AWS anyway):
//! - moto does not check that the scalable target exists before PutScalingPolicy (AWS answers
//!   ObjectNotFoundException; the engine orders the target first).
//! - moto does not validate the tracking configuration (metric types, statistics, resource labels); `check`
//!   refuses what AWS would, shown below.
//! - moto gives an updated policy a new ARN and new alarms, keeping the old alarms; AWS keeps the ARN and replaces
//!   its alarms. Update takes both from PutScalingPolicy's answer either way.
//! - moto answers a delete of a missing policy with `ValidationException`; AWS answers `ObjectNotFoundException`.
//!   Delete treats both as "gone" (the former only once a describe confirms it).
//! - Scaling policies cannot be tagged: a create that finds a same-named policy adopts it only when its scalable
//!   target carries the ownership tag and its configuration is the declared one (the orphan of this create), and
//!   refuses it otherwise.

use orderapi::resource::{Adapter, CheckContext, CustomResource, DynResource};
use orderapi::resources::appautoscaling::scalable_target::{ScalableTarget, ScalableTargetInputs};
use orderapi::resources::appautoscaling::scaling_policy::{
    CustomizedMetric, MetricDimension, ScalingPolicy, ScalingPolicyInputs, TargetTracking,
};

use super::appautoscaling_scalable_target::{aas_moto, ecs_service, props};
use super::ssm_parameter::{assert_conflict, other_resource, replacing};

fn cpu(resource_id: &str, name: &str) -> ScalingPolicyInputs {
    ScalingPolicyInputs {
        name: Some(name.into()),
        service_namespace: None,
        resource_id: resource_id.into(),
        scalable_dimension: None,
        target_tracking: TargetTracking {
            target_value: 70.0,
            predefined_metric_type: Some("ECSServiceAverageCPUUtilization".into()),
            resource_label: None,
            customized_metric: None,
            scale_in_cooldown: None,
            scale_out_cooldown: Some(60),
            disable_scale_in: None,
        },
    }
}

fn pending_orders(resource_id: &str, name: &str) -> ScalingPolicyInputs {
    ScalingPolicyInputs {
        target_tracking: TargetTracking {
            target_value: 100.0,
            predefined_metric_type: None,
            resource_label: None,
            customized_metric: Some(CustomizedMetric {
                namespace: "OrderApi/test".into(),
                metric_name: "PendingOrders".into(),
                dimensions: Some(vec![
                    MetricDimension {
                        name: "Service".into(),
                        value: "api".into(),
                    },
                    MetricDimension {
                        name: "Environment".into(),
                        value: "test".into(),
                    },
                ]),
                statistic: "Average".into(),
                unit: Some("Count".into()),
            }),
            scale_in_cooldown: Some(120),
            scale_out_cooldown: Some(30),
            disable_scale_in: Some(false),
        },
        ..cpu(resource_id, name)
    }
}

fn checked(inputs: ScalingPolicyInputs) -> ScalingPolicyInputs {
    ScalingPolicy::check(&CheckContext::default(), inputs).expect("valid inputs")
}

/// A registered, owned scalable target for a new ECS service; returns the service's resource id.
async fn target(ctx: &orderapi::resource::Context, cluster: &str) -> String {
    let rid = ecs_service(ctx, cluster, "api").await;
    let inputs = ScalableTarget::check(
        &CheckContext::default(),
        ScalableTargetInputs {
            service_namespace: None,
            resource_id: rid.clone(),
            scalable_dimension: None,
            min_capacity: 2,
            max_capacity: 10,
            suspended_state: None,
            tags: None,
        },
    )
    .expect("valid");
    ScalableTarget::create(ctx, &inputs).await.expect("target");
    rid
}

#[tokio::test]
async fn appautoscaling_scaling_policy_lifecycle() {
    let moto = aas_moto().await;
    let ctx = moto.ctx().await;
    let rid = target(&ctx, "orders-policy").await;
    let inputs = checked(cpu(&rid, "cpu-70"));
    // Check applied the defaults AWS would otherwise apply silently.
    assert_eq!(inputs.target_tracking.scale_in_cooldown, Some(300));
    assert_eq!(inputs.target_tracking.disable_scale_in, Some(false));

    let (id, outputs) = ScalingPolicy::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, format!("ecs|{rid}|ecs:service:DesiredCount|cpu-70"));
    assert!(outputs.arn.contains(":scalingPolicy:"), "{}", outputs.arn);
    assert!(
        outputs.arn.ends_with("policyName/cpu-70"),
        "{}",
        outputs.arn
    );
    assert!(
        !outputs.alarm_arns.is_empty(),
        "target tracking creates alarms"
    );

    // Read (and import: no prior inputs) gives back exactly the checked inputs.
    let (read_inputs, read_outputs) = ScalingPolicy::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);
    let (imported, _) = ScalingPolicy::read(&ctx, &id, None)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(imported, inputs);

    // In place: from CPU to the customized PendingOrders metric, with other cooldowns.
    let changed = checked(pending_orders(&rid, "cpu-70"));
    let dims = changed
        .target_tracking
        .customized_metric
        .as_ref()
        .and_then(|m| m.dimensions.as_ref())
        .expect("dimensions");
    assert_eq!(
        dims[0].name, "Environment",
        "check sorts dimensions by name"
    );
    let adapter = Adapter::<ScalingPolicy>::default();
    let diff = adapter.diff(&props(&inputs), &props(&changed), &[]);
    assert!(diff.replaces.is_empty(), "{diff:?}");
    assert_eq!(diff.changed, vec!["targetTracking"]);
    let updated = ScalingPolicy::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    let (after, after_outputs) = ScalingPolicy::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_outputs.arn, updated.arn);

    // A new name replaces the policy, created first (both names can exist on the target); under the same name
    // the old one goes first, since names are unique per target.
    let renamed = checked(pending_orders(&rid, "pending-orders"));
    let diff = adapter.diff(&props(&changed), &props(&renamed), &[]);
    assert_eq!(diff.replaces, vec!["name"]);
    assert!(!diff.delete_before_replace);
    assert!(
        adapter
            .diff(&props(&changed), &props(&changed), &[])
            .delete_before_replace
    );

    // Delete, then delete again (already gone is success), and read says gone.
    ScalingPolicy::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    ScalingPolicy::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        ScalingPolicy::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn appautoscaling_scaling_policy_adoption_follows_the_target_owner() {
    let moto = aas_moto().await;
    let ctx = moto.ctx().await;
    // On a target this provider owns, the same-named policy with the declared configuration (a create whose
    // answer was lost, or a crash right after the put) is this create's orphan: adopted, not put again.
    let rid = target(&ctx, "orders-adopt").await;
    let inputs = checked(cpu(&rid, "cpu"));
    let (id, first) = ScalingPolicy::create(&ctx, &inputs)
        .await
        .expect("first create");
    let (again, second) = ScalingPolicy::create(&ctx, &inputs)
        .await
        .expect("retried create");
    assert_eq!(again, id);
    assert_eq!(
        second, first,
        "adopted, not put again (moto would give a new ARN)"
    );
    let listed = ctx
        .aws
        .applicationautoscaling
        .describe_scaling_policies()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .resource_id(&rid)
        .send()
        .await
        .expect("describe");
    assert_eq!(listed.scaling_policies().len(), 1, "no duplicate");
    // The one a replacement replaces is not adopted; a same-named policy with another configuration (another
    // resource's) is a conflict and is left alone.
    let err = ScalingPolicy::create(&replacing(&ctx, &id), &inputs)
        .await
        .expect_err("recorded");
    assert_conflict(&err, &["'cpu'", rid.as_str(), "replacing"]);
    let mut others = inputs.clone();
    others.target_tracking.target_value = 60.0;
    let err = ScalingPolicy::create(&other_resource(&ctx), &others)
        .await
        .expect_err("other");
    assert_conflict(&err, &["'cpu'", rid.as_str(), "another configuration"]);
    let (after, _) = ScalingPolicy::read(&ctx, &id, None)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after.target_tracking.target_value, 70.0);

    // On a target someone else registered, a same-named policy is a conflict, and it is left alone.
    let other = ecs_service(&ctx, "orders-stranger", "api").await;
    let aas = &ctx.aws.applicationautoscaling;
    aas.register_scalable_target()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .resource_id(&other)
        .scalable_dimension(
            aws_sdk_applicationautoscaling::types::ScalableDimension::EcsServiceDesiredCount,
        )
        .min_capacity(1)
        .max_capacity(2)
        .send()
        .await
        .expect("stranger target");
    let theirs = checked(cpu(&other, "cpu"));
    aas.put_scaling_policy()
        .policy_name("cpu")
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .resource_id(&other)
        .scalable_dimension(aws_sdk_applicationautoscaling::types::ScalableDimension::EcsServiceDesiredCount)
        .policy_type(aws_sdk_applicationautoscaling::types::PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(
            aws_sdk_applicationautoscaling::types::TargetTrackingScalingPolicyConfiguration::builder()
                .target_value(50.0)
                .predefined_metric_specification(
                    aws_sdk_applicationautoscaling::types::PredefinedMetricSpecification::builder()
                        .predefined_metric_type(
                            aws_sdk_applicationautoscaling::types::MetricType::EcsServiceAverageCpuUtilization,
                        )
                        .build()
                        .expect("metric"),
                )
                .build()
                .expect("configuration"),
        )
        .send()
        .await
        .expect("stranger policy");
    let err = ScalingPolicy::create(&ctx, &theirs)
        .await
        .expect_err("conflict");
    assert_conflict(
        &err,
        &["'cpu'", other.as_str(), "not created by pulumi-orderapi"],
    );
    let (kept, _) = ScalingPolicy::read(
        &ctx,
        &format!("ecs|{other}|ecs:service:DesiredCount|cpu"),
        None,
    )
    .await
    .expect("read")
    .expect("exists");
    assert_eq!(kept.target_tracking.target_value, 50.0);
}

#[test]
fn appautoscaling_scaling_policy_check_rejects_what_aws_would() {
    let rid = "service/orders/api";
    // A bad name, both metric kinds at once, a zero target and negative cooldowns.
    let mut bad = pending_orders(rid, "cpu:70");
    bad.target_tracking.predefined_metric_type = Some("ECSServiceAverageCPUUtilization".into());
    bad.target_tracking.target_value = 0.0;
    bad.target_tracking.scale_in_cooldown = Some(-1);
    bad.target_tracking.scale_out_cooldown = Some(-5);
    let failures = ScalingPolicy::check(&CheckContext::default(), bad).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(
        props,
        vec![
            "name",
            "targetTracking.targetValue",
            "targetTracking.predefinedMetricType",
            "targetTracking.scaleInCooldown",
            "targetTracking.scaleOutCooldown",
        ],
        "{failures:?}"
    );
    // Neither metric kind.
    let mut none = cpu(rid, "cpu");
    none.target_tracking.predefined_metric_type = None;
    let failures = ScalingPolicy::check(&CheckContext::default(), none).expect_err("invalid");
    assert_eq!(failures[0].property, "targetTracking.predefinedMetricType");
    // An unknown predefined metric, a utilization over 100 %, ALB requests without a label.
    let mut unknown = cpu(rid, "cpu");
    unknown.target_tracking.predefined_metric_type = Some("DynamoDBReadCapacityUtilization".into());
    unknown.target_tracking.target_value = 150.0;
    let failures = ScalingPolicy::check(&CheckContext::default(), unknown).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(
        props,
        vec![
            "targetTracking.predefinedMetricType",
            "targetTracking.targetValue"
        ]
    );
    let mut alb = cpu(rid, "requests");
    alb.target_tracking.predefined_metric_type = Some("ALBRequestCountPerTarget".into());
    alb.target_tracking.target_value = 1000.0;
    let failures =
        ScalingPolicy::check(&CheckContext::default(), alb.clone()).expect_err("invalid");
    assert_eq!(failures[0].property, "targetTracking.resourceLabel");
    alb.target_tracking.resource_label =
        Some("app/alb-prod/50dc6c495c0c9188/targetgroup/tg-blue/943f017f100becff".into());
    assert!(ScalingPolicy::check(&CheckContext::default(), alb).is_ok());
    // A customized metric with a bad statistic, unit and an empty dimension value.
    let mut custom = pending_orders(rid, "orders");
    let metric = custom
        .target_tracking
        .customized_metric
        .as_mut()
        .expect("metric");
    metric.statistic = "p99".into();
    metric.unit = Some("Orders".into());
    metric.dimensions.as_mut().expect("dims")[0].value = String::new();
    let failures = ScalingPolicy::check(&CheckContext::default(), custom).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(
        props,
        vec![
            "targetTracking.customizedMetric.statistic",
            "targetTracking.customizedMetric.unit",
            "targetTracking.customizedMetric.dimensions[0].value",
        ],
        "{failures:?}"
    );
    // A bad resource id names resourceId.
    let failures = ScalingPolicy::check(&CheckContext::default(), cpu("cluster/api", "cpu"))
        .expect_err("invalid");
    assert_eq!(failures[0].property, "resourceId");
}
