use std::collections::BTreeMap;

use orderapi::error::ResourceError;
use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::lifecycle::LEGACY_PENDING_TAG as PENDING_TAG;
use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::ecr::live_tags;
use orderapi::resources::ecr::repository::{
    Repository, RepositoryInputs, RepositoryLifecyclePolicy,
};
use orderapi::rpc::value::{PropertyMap, Value};

use super::ecs_cluster::{other_resource, replacing};
use crate::moto::Moto;

fn raw(name: &str) -> RepositoryInputs {
    RepositoryInputs {
        name: Some(name.into()),
        scan_on_push: None,
        encryption_type: None,
        kms_key: None,
        image_tag_mutability: None,
        lifecycle_policy: Some(RepositoryLifecyclePolicy {
            keep_last_images: Some(30),
            expire_untagged_after_days: Some(7),
        }),
        force_delete: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn inputs(name: &str) -> RepositoryInputs {
    Repository::check(&CheckContext::default(), raw(name)).expect("valid inputs")
}

/// Asserts `arn` carries the ownership tag and the identity of `ctx`'s resource (and no legacy marker).
async fn assert_owned(ctx: &Context, arn: &str) {
    let tags = live_tags(&ctx.aws, arn).await.expect("tags");
    assert!(!tags.contains_key(PENDING_TAG), "{tags:?}");
    assert_eq!(tags["ManagedBy"], "pulumi-orderapi");
    assert_eq!(tags[IDENTITY_TAG], ctx.identity.as_str(), "{tags:?}");
}

async fn push_image(ctx: &Context, name: &str) {
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, "digest": "sha256:aa"},
        "layers": []
    });
    ctx.aws
        .ecr
        .put_image()
        .repository_name(name)
        .image_manifest(manifest.to_string())
        .image_tag("v1")
        .send()
        .await
        .expect("put image");
}

#[tokio::test]
async fn ecr_repository_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    assert_eq!(
        self::inputs("orders-default").scan_on_push,
        Some(true),
        "scan on push by default"
    );
    // Created with scanning off and turned on in place: the SDK omits `scanOnPush: false` (the API's default),
    // which AWS reads as off but moto ignores (it keeps the old value), so moto can only show the off → on change.
    let mut start = raw("orders/api-life");
    start.scan_on_push = Some(false);
    let inputs = Repository::check(&CheckContext::default(), start).expect("valid");
    assert_eq!(inputs.force_delete, Some(true));
    assert_eq!(inputs.encryption_type.as_deref(), Some("AES256"));
    assert_eq!(inputs.image_tag_mutability.as_deref(), Some("MUTABLE"));

    let (id, outputs) = Repository::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, "orders/api-life");
    assert_eq!(
        outputs.arn,
        "arn:aws:ecr:us-east-1:123456789012:repository/orders/api-life"
    );
    assert_eq!(outputs.registry_id, "123456789012");
    assert!(
        outputs.repository_url.ends_with("/orders/api-life")
            && outputs
                .repository_url
                .starts_with("123456789012.dkr.ecr.us-east-1."),
        "{}",
        outputs.repository_url
    );
    assert_eq!(outputs.tags_all["ManagedBy"], "pulumi-orderapi");
    assert_eq!(outputs.tags_all["Team"], "orders");
    assert_eq!(outputs.tags_all[IDENTITY_TAG], ctx.identity.as_str());
    assert_owned(&ctx, &outputs.arn).await;

    // The lifecycle policy ECR holds is the JSON built from the typed inputs.
    let policy = ctx
        .aws
        .ecr
        .get_lifecycle_policy()
        .repository_name(&id)
        .send()
        .await
        .expect("policy");
    let doc: serde_json::Value =
        serde_json::from_str(policy.lifecycle_policy_text().unwrap_or_default()).expect("json");
    assert_eq!(
        doc["rules"][0]["selection"]["countType"],
        "sinceImagePushed"
    );
    assert_eq!(doc["rules"][0]["selection"]["countNumber"], 7);
    assert_eq!(
        doc["rules"][1]["selection"]["countType"],
        "imageCountMoreThan"
    );
    assert_eq!(doc["rules"][1]["selection"]["countNumber"], 30);

    // Read gives back exactly the checked inputs (no drift right after create).
    let (read_inputs, read_outputs) = Repository::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // In place: scanning off, immutable tags, only "keep last 10", tags changed.
    let mut changed = inputs.clone();
    changed.scan_on_push = Some(true);
    changed.image_tag_mutability = Some("IMMUTABLE".into());
    changed.lifecycle_policy = Some(RepositoryLifecyclePolicy {
        keep_last_images: Some(10),
        expire_untagged_after_days: None,
    });
    changed.tags = Some(BTreeMap::from([
        ("Team".to_string(), "payments".to_string()),
        ("Tier".to_string(), "core".to_string()),
    ]));
    let updated = Repository::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(updated.tags_all["Tier"], "core");
    let (after, after_outputs) = Repository::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_outputs, updated);

    // Lifecycle policy removed in place.
    let mut no_policy = changed.clone();
    no_policy.lifecycle_policy = None;
    let updated = Repository::update(&ctx, &id, &changed, &updated, &no_policy)
        .await
        .expect("update");
    let (after, _) = Repository::read(&ctx, &id, Some(&no_policy))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, no_policy);

    // forceDelete (default true): a repository that still holds an image is deleted anyway.
    push_image(&ctx, &id).await;
    Repository::delete(&ctx, &id, &no_policy, &updated)
        .await
        .expect("delete");
    Repository::delete(&ctx, &id, &no_policy, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        Repository::read(&ctx, &id, Some(&no_policy))
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn ecr_repository_without_force_delete_refuses_to_drop_images() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let mut keep = raw("orders-keep");
    keep.force_delete = Some(false);
    keep.lifecycle_policy = None;
    let keep = Repository::check(&CheckContext::default(), keep).expect("valid");
    let (id, outputs) = Repository::create(&ctx, &keep).await.expect("create");
    push_image(&ctx, &id).await;
    let err = Repository::delete(&ctx, &id, &keep, &outputs)
        .await
        .expect_err("not empty");
    assert_eq!(err.code(), Some("RepositoryNotEmptyException"), "{err}");
    assert!(err.to_string().contains("forceDelete"), "{err}");
}

#[tokio::test]
async fn ecr_repository_create_adopts_only_its_own_unrecorded_orphan() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("orders-adopt");
    let (id, first) = Repository::create(&ctx, &inputs)
        .await
        .expect("first create");
    // The engine never recorded the first create (its answer was lost), and the settings changed since: the same
    // create again adopts the repository and brings settings and tags in line.
    ctx.aws
        .ecr
        .put_image_tag_mutability()
        .repository_name(&id)
        .image_tag_mutability(aws_sdk_ecr::types::ImageTagMutability::Immutable)
        .send()
        .await
        .expect("immutable");
    let mut retagged = inputs.clone();
    retagged.tags = Some(BTreeMap::from([("Tier".to_string(), "core".to_string())]));
    let (adopted, second) = Repository::create(&ctx, &retagged)
        .await
        .expect("retried create");
    assert_eq!(adopted, id);
    assert_eq!(second.arn, first.arn);
    assert_owned(&ctx, &first.arn).await;
    let (after, _) = Repository::read(&ctx, &id, Some(&retagged))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, retagged, "adopted and brought in line");
    let listed = ctx
        .aws
        .ecr
        .describe_repositories()
        .send()
        .await
        .expect("list");
    assert_eq!(listed.repositories().len(), 1, "no duplicate");

    // The repository the engine records (a replacement) is never adopted: ECR names are unique, so a conflict.
    let err = Repository::create(&replacing(&ctx, &id), &inputs)
        .await
        .expect_err("recorded");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("'orders-adopt'"), "{err}");
    assert!(err.to_string().contains("deleteBeforeReplace"), "{err}");

    // Made for another Pulumi resource: a conflict.
    let err = Repository::create(&other_resource(&ctx), &inputs)
        .await
        .expect_err("another resource's");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("'orders-adopt'"), "{err}");
    assert!(err.to_string().contains("another Pulumi resource"), "{err}");

    // A same-named repository we do not own is a conflict.
    ctx.aws
        .ecr
        .create_repository()
        .repository_name("orders-stranger")
        .send()
        .await
        .expect("stranger");
    let err = Repository::create(&ctx, &self::inputs("orders-stranger"))
        .await
        .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("'orders-stranger'"), "{err}");
    assert!(err.to_string().contains("not created by pulumi-orderapi"));
}

fn props(pairs: &[(&str, Value)]) -> PropertyMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn ecr_repository_encryption_and_name_replace_delete_first() {
    let adapter = Adapter::<Repository>::default();
    let olds = props(&[
        ("name", "orders".into()),
        ("encryptionType", "AES256".into()),
        ("scanOnPush", Value::Bool(true)),
    ]);
    let kms = adapter.diff(
        &olds,
        &props(&[
            ("name", "orders".into()),
            ("encryptionType", "KMS".into()),
            ("scanOnPush", Value::Bool(true)),
        ]),
        &[],
    );
    assert_eq!(kms.replaces, vec!["encryptionType"]);
    assert!(kms.delete_before_replace);
    let scan = adapter.diff(
        &olds,
        &props(&[
            ("name", "orders".into()),
            ("encryptionType", "AES256".into()),
            ("scanOnPush", Value::Bool(false)),
        ]),
        &[],
    );
    assert_eq!(scan.changed, vec!["scanOnPush"]);
    assert!(scan.replaces.is_empty());
}

#[test]
fn ecr_repository_check_rejects_what_aws_would() {
    let mut bad = raw("Orders_API");
    bad.encryption_type = Some("AES256".into());
    bad.kms_key = Some("alias/mine".into());
    bad.image_tag_mutability = Some("SOMETIMES".into());
    bad.lifecycle_policy = Some(RepositoryLifecyclePolicy {
        keep_last_images: Some(0),
        expire_untagged_after_days: Some(0),
    });
    let failures = Repository::check(&CheckContext::default(), bad).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(
        props,
        vec![
            "name",
            "kmsKey",
            "kmsKey",
            "imageTagMutability",
            "lifecyclePolicy.keepLastImages",
            "lifecyclePolicy.expireUntaggedAfterDays",
        ]
    );
    let mut empty = raw("orders");
    empty.lifecycle_policy = Some(RepositoryLifecyclePolicy::default());
    empty.encryption_type = Some("DSSE".into());
    let failures = Repository::check(&CheckContext::default(), empty).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(props, vec!["encryptionType", "lifecyclePolicy"]);

    // An autoname from a logical name ECR would reject is made valid.
    let ctx = CheckContext {
        name: "Orders API".into(),
        random_seed: vec![0xab, 0xcd, 0xef, 0x01],
        prior_name: None,
    };
    let mut unnamed = raw("x");
    unnamed.name = None;
    let named = Repository::check(&ctx, unnamed).expect("valid");
    assert_eq!(named.name.as_deref(), Some("orders-api-abcdef0"));
}
