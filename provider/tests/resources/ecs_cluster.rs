use std::collections::BTreeMap;

use orderapi::error::ResourceError;
use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::lifecycle::LEGACY_PENDING_TAG as PENDING_TAG;
use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::ecs::CapacityProviderStrategy;
use orderapi::resources::ecs::cluster::{Cluster, ClusterInputs};
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

/// Asserts `arn` carries the ownership tag and the identity of `ctx`'s resource (and no legacy marker).
pub async fn ecs_assert_owned(ctx: &Context, arn: &str) {
    let tags = ecs_tags(ctx, arn).await;
    assert!(!tags.contains_key(PENDING_TAG), "{arn}: {tags:?}");
    assert_eq!(
        tags.get("ManagedBy").map(String::as_str),
        Some("pulumi-orderapi"),
        "{arn}: {tags:?}"
    );
    assert_eq!(
        tags.get(IDENTITY_TAG).map(String::as_str),
        Some(ctx.identity.as_str()),
        "{arn}: {tags:?}"
    );
}

pub use super::ec2_identity::{other_resource, replacing};

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
    assert_eq!(outputs.tags_all[IDENTITY_TAG], ctx.identity.as_str());
    ecs_assert_owned(&ctx, &outputs.arn).await;

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

    // A new name replaces the cluster, creating the new one first (the names differ, so both can exist); under
    // the same name (`--replace`) the old one goes first, since ECS keeps names unique.
    let adapter = Adapter::<Cluster>::default();
    let mut renamed = changed.clone();
    renamed.name = Some("ecs-test-other".into());
    let diff = adapter.diff(&to_props(&changed), &to_props(&renamed), &[]);
    assert_eq!(diff.replaces, vec!["name"]);
    assert!(!diff.delete_before_replace);
    assert!(
        adapter
            .diff(&to_props(&changed), &to_props(&changed), &[])
            .delete_before_replace
    );
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
async fn ecs_cluster_adopts_only_its_own_unrecorded_orphan() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("ecs-test-adopt");
    let (id, first) = Cluster::create(&ctx, &inputs).await.expect("first create");
    // The engine never recorded the first create (its answer was lost): the same create again adopts the cluster
    // and brings it to the declared inputs.
    let mut changed = inputs.clone();
    changed.container_insights = Some("disabled".into());
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "core".to_string())]));
    let changed = Cluster::check(&CheckContext::default(), changed).expect("valid");
    let (again, second) = Cluster::create(&ctx, &changed)
        .await
        .expect("retried create");
    assert_eq!(again, id);
    assert_eq!(second.arn, first.arn);
    assert!(!second.tags_all.contains_key("Team"));
    ecs_assert_owned(&ctx, &first.arn).await;
    let (read_inputs, _) = Cluster::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, changed, "adopted and brought in line");
    let live = ecs_tags(&ctx, &first.arn).await;
    assert_eq!(live.get("Tier").map(String::as_str), Some("core"));
    assert!(!live.contains_key("Team"), "{live:?}");

    // The cluster the engine records (a replacement) is never adopted: ECS names are unique, so a conflict.
    let err = Cluster::create(&replacing(&ctx, &id), &changed)
        .await
        .expect_err("recorded");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("'ecs-test-adopt'"), "{err}");
    assert!(err.to_string().contains("deleteBeforeReplace"), "{err}");

    // Made for another Pulumi resource: a conflict.
    let err = Cluster::create(&other_resource(&ctx), &changed)
        .await
        .expect_err("another resource's");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("'ecs-test-adopt'"), "{err}");
    assert!(err.to_string().contains("another Pulumi resource"), "{err}");

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
    assert!(err.to_string().contains("'ecs-test-stranger'"), "{err}");
    assert!(
        err.to_string().contains("not created by pulumi-orderapi"),
        "{err}"
    );
    let listed = ctx
        .aws
        .ecs
        .list_clusters()
        .send()
        .await
        .expect("list clusters");
    assert_eq!(listed.cluster_arns().len(), 2, "no duplicates");
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
