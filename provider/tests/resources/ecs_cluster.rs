use std::collections::BTreeMap;

use orderapi::error::ResourceError;
use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::ecs::CapacityProviderStrategy;
use orderapi::resources::ecs::cluster::{Cluster, ClusterInputs};
use orderapi::resources::tags::{PENDING_TAG, PENDING_VALUE};
use orderapi::rpc::value::{PropertyMap, Value};

use crate::moto::Moto;

/// Every tag ECS holds for `arn` (ListTagsForResource).
pub async fn ecs_tags(ctx: &Context, arn: &str) -> BTreeMap<String, String> {
    let out = ctx
        .aws
        .ecs
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .expect("list tags");
    orderapi::resources::ecs::tag_map(out.tags())
}

/// A crash after the create call and before the create's last step: the marker is back on `arn`.
pub async fn ecs_crash_before_finish(ctx: &Context, arn: &str) {
    ctx.aws
        .ecs
        .tag_resource()
        .resource_arn(arn)
        .tags(
            aws_sdk_ecs::types::Tag::builder()
                .key(PENDING_TAG)
                .value(PENDING_VALUE)
                .build(),
        )
        .send()
        .await
        .expect("put the marker back");
    assert!(ecs_tags(ctx, arn).await.contains_key(PENDING_TAG));
}

/// Asserts the create of `arn` finished: no marker, ownership tag present.
pub async fn ecs_assert_finished(ctx: &Context, arn: &str) {
    let tags = ecs_tags(ctx, arn).await;
    assert!(!tags.contains_key(PENDING_TAG), "{arn}: {tags:?}");
    assert_eq!(
        tags.get("ManagedBy").map(String::as_str),
        Some("pulumi-orderapi"),
        "{arn}: {tags:?}"
    );
}

/// Typed inputs as a property map (for `Adapter::diff`).
pub fn to_props<T: serde::Serialize>(v: &T) -> PropertyMap {
    match Value::from_serialize(v).expect("encode") {
        Value::Object(m) => m,
        other => panic!("not an object: {other:?}"),
    }
}

fn strategy(p: &str, weight: i32, base: i32) -> CapacityProviderStrategy {
    CapacityProviderStrategy {
        capacity_provider: p.into(),
        weight: Some(weight),
        base: Some(base),
    }
}

fn inputs(name: &str) -> ClusterInputs {
    let raw = ClusterInputs {
        name: Some(name.into()),
        container_insights: None,
        capacity_providers: None,
        default_capacity_provider_strategy: Some(vec![
            strategy("FARGATE_SPOT", 3, 0),
            strategy("FARGATE", 1, 1),
        ]),
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    };
    Cluster::check(&CheckContext::default(), raw).expect("valid inputs")
}

#[tokio::test]
async fn ecs_cluster_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("ecs-test-life");
    assert_eq!(inputs.container_insights.as_deref(), Some("enabled"));
    assert_eq!(
        inputs.capacity_providers,
        Some(vec!["FARGATE".to_string(), "FARGATE_SPOT".to_string()])
    );

    let (id, outputs) = Cluster::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, "ecs-test-life");
    assert_eq!(
        outputs.arn,
        "arn:aws:ecs:us-east-1:123456789012:cluster/ecs-test-life"
    );
    assert_eq!(outputs.tags_all["ManagedBy"], "pulumi-orderapi");
    assert_eq!(outputs.tags_all["Team"], "orders");
    ecs_assert_finished(&ctx, &outputs.arn).await;

    // Read gives back exactly the checked inputs: settings, providers, strategy (sorted), tags.
    let (read_inputs, read_outputs) = Cluster::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // In place: Container Insights, the strategy, tags.
    let mut changed = inputs.clone();
    changed.container_insights = Some("enhanced".into());
    changed.default_capacity_provider_strategy = Some(vec![strategy("FARGATE_SPOT", 1, 0)]);
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "core".to_string())]));
    let changed = Cluster::check(&CheckContext::default(), changed).expect("valid");
    let updated = Cluster::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert!(!updated.tags_all.contains_key("Team"));
    let (after, _) = Cluster::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    let live = ecs_tags(&ctx, &outputs.arn).await;
    assert_eq!(live.get("Tier").map(String::as_str), Some("core"));
    assert!(!live.contains_key("Team"));

    // A new name replaces the cluster, deleting the old one first (ECS keeps names unique).
    let adapter = Adapter::<Cluster>::default();
    let mut renamed = changed.clone();
    renamed.name = Some("ecs-test-other".into());
    let diff = adapter.diff(&to_props(&changed), &to_props(&renamed), &[]);
    assert_eq!(diff.replaces, vec!["name"]);
    assert!(diff.delete_before_replace);
    let diff = adapter.diff(&to_props(&inputs), &to_props(&changed), &[]);
    assert!(diff.replaces.is_empty() && !diff.changed.is_empty());

    // Delete waits for INACTIVE (moto: at once); again is a no-op; read says gone.
    Cluster::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    Cluster::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        Cluster::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn ecs_cluster_adopts_only_an_unfinished_create() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("ecs-test-adopt");
    let (id, first) = Cluster::create(&ctx, &inputs).await.expect("first create");
    // A crash before the last step: the marker is on the cluster, Pulumi recorded nothing.
    ecs_crash_before_finish(&ctx, &first.arn).await;
    let (read_inputs, _) = Cluster::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    // A refresh now shows the unfinished create's marker as drift on `tags` (and only that), so the next
    // update removes it; the retried create below adopts the object instead.
    let mut with_marker = inputs.clone();
    with_marker
        .tags
        .get_or_insert_with(Default::default)
        .insert(PENDING_TAG.to_string(), PENDING_VALUE.to_string());
    assert_eq!(read_inputs, with_marker, "the marker shows as tag drift");
    let (again, second) = Cluster::create(&ctx, &inputs)
        .await
        .expect("retried create");
    assert_eq!(again, id);
    assert_eq!(second, first);
    ecs_assert_finished(&ctx, &first.arn).await;

    // A finished create is recorded in some state: not adopted, a conflict that says what to do.
    let err = Cluster::create(&ctx, &inputs).await.expect_err("recorded");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("deleteBeforeReplace"), "{err}");

    // A cluster we do not own is a name conflict.
    ctx.aws
        .ecs
        .create_cluster()
        .cluster_name("ecs-test-stranger")
        .send()
        .await
        .expect("stranger");
    let err = Cluster::create(&ctx, &self::inputs("ecs-test-stranger"))
        .await
        .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(
        err.to_string().contains("not created by pulumi-orderapi"),
        "{err}"
    );
}

#[test]
fn ecs_cluster_check_rejects_what_aws_would() {
    let bad = ClusterInputs {
        name: Some("bad name!".into()),
        container_insights: Some("on".into()),
        capacity_providers: Some(vec!["FARGATE".into(), "EC2".into()]),
        default_capacity_provider_strategy: Some(vec![
            strategy("FARGATE", 0, 1),
            strategy("FARGATE_SPOT", 0, 2),
        ]),
        tags: None,
    };
    let failures = Cluster::check(&CheckContext::default(), bad).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert!(props.contains(&"name"), "{failures:?}");
    assert!(props.contains(&"containerInsights"), "{failures:?}");
    assert!(props.contains(&"capacityProviders"), "{failures:?}");
    // Two bases > 0, no positive weight, and FARGATE_SPOT not among the cluster's providers.
    assert_eq!(
        props
            .iter()
            .filter(|p| **p == "defaultCapacityProviderStrategy")
            .count(),
        3,
        "{failures:?}"
    );
    let mut big = inputs("x");
    big.default_capacity_provider_strategy = Some(vec![strategy("FARGATE", 1001, 100_001)]);
    let failures = Cluster::check(&CheckContext::default(), big).expect_err("ranges");
    assert_eq!(failures.len(), 2, "{failures:?}");
    // Autonaming obeys ECS's charset.
    let mut unnamed = inputs("x");
    unnamed.name = None;
    let ctx = CheckContext {
        name: "my.cluster".into(),
        random_seed: vec![1, 2, 3, 4],
        prior_name: None,
    };
    let named = Cluster::check(&ctx, unnamed).expect("autonamed");
    assert_eq!(named.name.as_deref(), Some("my-cluster-0102030"));
}
