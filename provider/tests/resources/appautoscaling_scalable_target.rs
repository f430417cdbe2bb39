//! Application Auto Scaling scalable target against moto (the ECS cluster and service are made with the SDK
//! directly).
//!
//! What moto cannot show (the code handles real AWS anyway):
//! - moto 5.2.5 does not implement Application Auto Scaling tagging (TagResource, UntagResource,
//!   ListTagsForResource answer HTTP 500) and ignores `Tags` on RegisterScalableTarget. These tests therefore run
//!   moto with the project's patch (emulator/appautoscaling_tagging.py, loaded by every moto we start) that implements exactly those
//!   calls as AWS documents them, keyed by the target's ARN. Ownership and identity tags are tested against
//!   that patch, not against moto's own code.
//! - moto answers a deregistration of a missing target with `ValidationException`; AWS answers
//!   `ObjectNotFoundException`. Delete treats both as "gone" (the former only once a describe confirms it).
//! - moto never answers `ConcurrentUpdateException`; delete retries it with backoff.
//! - moto does not reject min/max values AWS would (negative, max below min); `check` does, shown below.

use std::collections::BTreeMap;

use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::appautoscaling::list_tags;
use orderapi::resources::appautoscaling::scalable_target::{
    ScalableTarget, ScalableTargetInputs, SuspendedState,
};
use orderapi::rpc::value::{PropertyMap, Value};

use super::ssm_parameter::{assert_conflict, assert_identity, other_resource, replacing};
use crate::moto::Moto;

/// A moto server for one test (with the project's Application Auto Scaling tagging, emulator/).
pub async fn aas_moto() -> Moto {
    Moto::start().await
}

/// An ECS cluster and service (moto needs the service to exist to register it); returns its resource id.
pub async fn ecs_service(ctx: &Context, cluster: &str, service: &str) -> String {
    ctx.aws
        .ecs
        .create_cluster()
        .cluster_name(cluster)
        .send()
        .await
        .expect("cluster");
    ctx.aws
        .ecs
        .create_service()
        .cluster(cluster)
        .service_name(service)
        .desired_count(2)
        .send()
        .await
        .expect("service");
    format!("service/{cluster}/{service}")
}

pub fn props<T: serde::Serialize>(v: &T) -> PropertyMap {
    match Value::from_serialize(v).expect("encode") {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

fn raw(resource_id: &str) -> ScalableTargetInputs {
    ScalableTargetInputs {
        service_namespace: None,
        resource_id: resource_id.into(),
        scalable_dimension: None,
        min_capacity: 2,
        max_capacity: 10,
        suspended_state: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn inputs(resource_id: &str) -> ScalableTargetInputs {
    ScalableTarget::check(&CheckContext::default(), raw(resource_id)).expect("valid inputs")
}

#[tokio::test]
async fn appautoscaling_scalable_target_lifecycle() {
    let moto = aas_moto().await;
    let ctx = moto.ctx().await;
    let rid = ecs_service(&ctx, "orders-test", "api").await;
    let inputs = inputs(&rid);
    assert_eq!(inputs.service_namespace.as_deref(), Some("ecs"));
    assert_eq!(
        inputs.scalable_dimension.as_deref(),
        Some("ecs:service:DesiredCount")
    );

    let (id, outputs) = ScalableTarget::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, format!("ecs|{rid}|ecs:service:DesiredCount"));
    assert!(
        outputs
            .arn
            .starts_with("arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/")
    );
    assert_eq!(outputs.tags_all["ManagedBy"], "pulumi-orderapi");
    let live = list_tags(&ctx.aws, &outputs.arn).await.expect("tags");
    assert_eq!(live.get("Team").map(String::as_str), Some("orders"));
    assert_identity(&ctx, &live);

    // Read (and import: no prior inputs) gives back exactly the checked inputs.
    let (read_inputs, read_outputs) = ScalableTarget::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert!(!read_inputs.tags.expect("tags").contains_key(IDENTITY_TAG));
    assert_eq!(read_outputs, outputs);
    let (imported, _) = ScalableTarget::read(&ctx, &id, None)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(imported, inputs);

    // In place: capacities, suspension and tags.
    let mut changed = raw(&rid);
    changed.min_capacity = 1;
    changed.max_capacity = 4;
    changed.suspended_state = Some(SuspendedState {
        dynamic_scaling_in_suspended: Some(true),
        dynamic_scaling_out_suspended: None,
        scheduled_scaling_suspended: None,
    });
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "app".to_string())]));
    let changed = ScalableTarget::check(&CheckContext::default(), changed).expect("valid");
    let adapter = Adapter::<ScalableTarget>::default();
    let diff = adapter.diff(&props(&inputs), &props(&changed), &[]);
    assert!(diff.replaces.is_empty(), "{diff:?}");
    let updated = ScalableTarget::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(updated.arn, outputs.arn);
    let (after, after_outputs) = ScalableTarget::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_outputs, updated);
    assert!(!after_outputs.tags_all.contains_key("Team"));

    // Another service replaces the target (delete first: a service has one target per dimension).
    let mut moved = changed.clone();
    moved.resource_id = "service/orders-test/worker".into();
    let diff = adapter.diff(&props(&changed), &props(&moved), &[]);
    assert_eq!(diff.replaces, vec!["resourceId"]);
    assert!(diff.delete_before_replace);

    // Delete, then delete again (already gone is success), and read says gone.
    ScalableTarget::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    ScalableTarget::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        ScalableTarget::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn appautoscaling_scalable_target_create_adopts_only_its_orphan() {
    let moto = aas_moto().await;
    let ctx = moto.ctx().await;
    let rid = ecs_service(&ctx, "orders-adopt", "api").await;
    let inputs = inputs(&rid);
    // A crash right after RegisterScalableTarget (or a lost answer): the engine never recorded the target.
    let (orphan, first) = ScalableTarget::create(&ctx, &inputs)
        .await
        .expect("first create");
    // The retried create (with other capacities and tags) adopts it and brings it in line.
    let mut retried = inputs.clone();
    retried.max_capacity = 6;
    retried.tags = Some(BTreeMap::from([("Tier".to_string(), "app".to_string())]));
    let (adopted, second) = ScalableTarget::create(&ctx, &retried)
        .await
        .expect("retried create");
    assert_eq!(adopted, orphan);
    assert_eq!(second.arn, first.arn);
    let (after, _) = ScalableTarget::read(&ctx, &orphan, Some(&retried))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, retried);
    assert_identity(&ctx, &list_tags(&ctx.aws, &first.arn).await.expect("tags"));

    // The one a replacement replaces, and another resource's: conflicts, never taken over (RegisterScalableTarget
    // would silently do so).
    let err = ScalableTarget::create(&replacing(&ctx, &orphan), &inputs)
        .await
        .expect_err("recorded");
    assert_conflict(&err, &[rid.as_str(), "replacing"]);
    let err = ScalableTarget::create(&other_resource(&ctx), &inputs)
        .await
        .expect_err("other");
    assert_conflict(&err, &[rid.as_str(), "another Pulumi resource"]);

    // A target registered by someone else is a conflict too.
    let other = ecs_service(&ctx, "orders-stranger", "api").await;
    ctx.aws
        .applicationautoscaling
        .register_scalable_target()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .resource_id(&other)
        .scalable_dimension(
            aws_sdk_applicationautoscaling::types::ScalableDimension::EcsServiceDesiredCount,
        )
        .min_capacity(1)
        .max_capacity(2)
        .send()
        .await
        .expect("stranger");
    let err = ScalableTarget::create(&ctx, &self::inputs(&other))
        .await
        .expect_err("conflict");
    assert_conflict(&err, &[other.as_str(), "not created by pulumi-orderapi"]);
    let kept = ctx
        .aws
        .applicationautoscaling
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .resource_ids(&other)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        kept.scalable_targets()[0].max_capacity(),
        2,
        "the stranger's target must be left as it was"
    );
}

#[test]
fn appautoscaling_scalable_target_check_rejects_what_aws_would() {
    let mut bad = raw("services/orders/api");
    bad.service_namespace = Some("dynamodb".into());
    bad.scalable_dimension = Some("dynamodb:table:ReadCapacityUnits".into());
    bad.min_capacity = -1;
    bad.max_capacity = -2;
    let failures = ScalableTarget::check(&CheckContext::default(), bad).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(
        props,
        vec![
            "serviceNamespace",
            "scalableDimension",
            "resourceId",
            "minCapacity",
            "maxCapacity",
            "maxCapacity"
        ],
        "{failures:?}"
    );
    let mut below = raw("service/orders/api");
    below.min_capacity = 5;
    below.max_capacity = 4;
    let failures = ScalableTarget::check(&CheckContext::default(), below).expect_err("invalid");
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].property, "maxCapacity");
    let mut zero = raw("service/orders/api");
    zero.min_capacity = 0;
    zero.max_capacity = 0;
    assert!(ScalableTarget::check(&CheckContext::default(), zero).is_ok());
}
