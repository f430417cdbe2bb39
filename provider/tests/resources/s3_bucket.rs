//! `orderapi:s3:Bucket` against moto, with the project's S3 patches (emulator/README.md): CreateBucket applies
//! the tags it carries (`s3_create_bucket_tags.py`, the adoption test depends on it), GetBucketVersioning answers
//! the document AWS sends (`s3_get_bucket_versioning.py`), and a policy statement with a condition applies only
//! when it matches (`s3_policy_conditions.py`: without it moto refuses every object call of a bucket whose policy
//! denies plain HTTP).
//!
//! What moto cannot show, and so is not tested here: the policy's conditions are not evaluated (the plain-HTTP
//! refusal never triggers) and no load balancer writes logs (the log delivery grant is only read back); Block
//! Public Access and ACLs are stored, not enforced; lifecycle rules never run (nothing expires); SSE-KMS key ids
//! are not checked against KMS; HeadBucket on another account's bucket answers 200 where AWS answers 403, so the
//! refusal of a name another account holds is tested against a scripted endpoint instead.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketVersioningStatus, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, VersioningConfiguration,
};
use futures::StreamExt;
use orderapi::aws::{Aws, ProviderConfig};
use orderapi::error::ResourceError;
use orderapi::resource::{
    Adapter, CheckContext, Context, CustomResource, Diagnostics, DynResource, Severity,
};
use orderapi::resources::s3::bucket::{Bucket, BucketInputs, BucketOutputs};
use orderapi::resources::s3::live_tags;
use orderapi::rpc::value::{PropertyMap, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use super::ssm_parameter::{assert_conflict, assert_identity, other_resource, replacing};
use crate::moto::Moto;

/// One in-place change of the inputs.
type Change = Box<dyn Fn(&mut BucketInputs)>;

/// moto's account.
const ACCOUNT: &str = "123456789012";

fn raw(name: &str) -> BucketInputs {
    BucketInputs {
        bucket: Some(name.into()),
        force_destroy: None,
        encryption: None,
        kms_key_id: None,
        block_public_access: None,
        versioning: None,
        expiration_days: None,
        load_balancer_log_delivery: None,
        log_prefix: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

/// Every option set: versioning, log delivery under a prefix, a shorter expiration.
fn full(name: &str) -> BucketInputs {
    let mut inputs = raw(name);
    inputs.versioning = Some(true);
    inputs.load_balancer_log_delivery = Some(true);
    inputs.log_prefix = Some("alb".into());
    inputs.expiration_days = Some(30);
    Bucket::check(&CheckContext::default(), inputs).expect("valid inputs")
}

fn checked(inputs: BucketInputs) -> BucketInputs {
    Bucket::check(&CheckContext::default(), inputs).expect("valid inputs")
}

/// A context of the provider configured for `region`, on the same emulator.
async fn ctx_in(moto: &Moto, region: &str) -> Context {
    moto.aws().await; // sets the dummy credentials
    let config = ProviderConfig {
        region: Some(region.into()),
        endpoint: Some(moto.endpoint.clone()),
        skip_credentials_validation: Some(true),
        max_retries: Some(2),
        ..Default::default()
    };
    Context::new(
        Arc::new(Aws::connect(&config).await.expect("clients")),
        "urn:pulumi:test::test::orderapi:s3:Bucket::logs",
        Duration::from_secs(60),
        CancellationToken::new(),
    )
}

/// The live bucket policy as JSON.
async fn policy(ctx: &Context, name: &str) -> serde_json::Value {
    let out = ctx
        .aws
        .s3
        .get_bucket_policy()
        .bucket(name)
        .send()
        .await
        .expect("policy");
    serde_json::from_str(out.policy().unwrap_or_default()).expect("policy JSON")
}

async fn put(ctx: &Context, name: &str, key: &str) {
    ctx.aws
        .s3
        .put_object()
        .bucket(name)
        .key(key)
        .body(ByteStream::from_static(b"log line\n"))
        .send()
        .await
        .expect("put object");
}

async fn exists(ctx: &Context, name: &str) -> bool {
    ctx.aws.s3.head_bucket().bucket(name).send().await.is_ok()
}

async fn read(ctx: &Context, id: &str, prior: &BucketInputs) -> (BucketInputs, BucketOutputs) {
    Bucket::read(ctx, id, Some(prior))
        .await
        .expect("read")
        .expect("exists")
}

#[tokio::test]
async fn s3_bucket_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = full("s3-alblogs-dev-demo1");
    let (id, outputs) = Bucket::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, "s3-alblogs-dev-demo1");
    assert_eq!(outputs.arn, "arn:aws:s3:::s3-alblogs-dev-demo1");
    assert_eq!(
        outputs.bucket_domain_name,
        "s3-alblogs-dev-demo1.s3.amazonaws.com"
    );
    assert_eq!(
        outputs.bucket_regional_domain_name,
        "s3-alblogs-dev-demo1.s3.us-east-1.amazonaws.com"
    );
    assert_eq!(outputs.region, "us-east-1");
    assert_eq!(outputs.tags_all["Team"], "orders");
    assert_identity(&ctx, &live_tags(&ctx.aws, &id).await.expect("tags"));

    // What S3 holds, call by call.
    let s3 = &ctx.aws.s3;
    let enc = s3
        .get_bucket_encryption()
        .bucket(&id)
        .send()
        .await
        .expect("encryption");
    let rule = &enc
        .server_side_encryption_configuration()
        .expect("config")
        .rules()[0];
    let default = rule
        .apply_server_side_encryption_by_default()
        .expect("default");
    assert_eq!(default.sse_algorithm().as_str(), "AES256");
    let pab = s3
        .get_public_access_block()
        .bucket(&id)
        .send()
        .await
        .expect("public access block");
    let pab = pab.public_access_block_configuration().expect("config");
    assert_eq!(
        (
            pab.block_public_acls(),
            pab.ignore_public_acls(),
            pab.block_public_policy(),
            pab.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(true), Some(true))
    );
    let own = s3
        .get_bucket_ownership_controls()
        .bucket(&id)
        .send()
        .await
        .expect("ownership");
    assert_eq!(
        own.ownership_controls().expect("controls").rules()[0].object_ownership(),
        &ObjectOwnership::BucketOwnerEnforced
    );
    let ver = s3
        .get_bucket_versioning()
        .bucket(&id)
        .send()
        .await
        .expect("versioning");
    assert_eq!(ver.status(), Some(&BucketVersioningStatus::Enabled));
    let lc = s3
        .get_bucket_lifecycle_configuration()
        .bucket(&id)
        .send()
        .await
        .expect("lifecycle");
    let [rule] = lc.rules() else {
        panic!("one rule: {:?}", lc.rules())
    };
    assert_eq!(rule.id(), Some("expire-after-30-days"));
    assert_eq!(rule.expiration().and_then(|e| e.days()), Some(30));
    assert_eq!(
        rule.noncurrent_version_expiration()
            .and_then(|n| n.noncurrent_days()),
        Some(30)
    );
    assert_eq!(
        rule.abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation()),
        Some(7)
    );
    // The policy: plain HTTP refused; us-east-1's ELB account and the log delivery service may write under
    // alb/AWSLogs/<account>/.
    let doc = policy(&ctx, &id).await;
    let statements = doc["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 3, "{doc}");
    assert_eq!(statements[0]["Effect"], "Deny");
    assert_eq!(
        statements[0]["Condition"]["Bool"]["aws:SecureTransport"],
        "false"
    );
    assert_eq!(
        statements[1]["Principal"]["AWS"],
        "arn:aws:iam::127311923021:root"
    );
    assert_eq!(
        statements[2]["Principal"]["Service"],
        "logdelivery.elasticloadbalancing.amazonaws.com"
    );
    for s in &statements[1..] {
        assert_eq!(
            s["Resource"],
            format!("arn:aws:s3:::{id}/alb/AWSLogs/{ACCOUNT}/*")
        );
        assert_eq!(s["Action"], "s3:PutObject");
    }

    // Read gives back exactly the checked inputs and the outputs (no drift right after create).
    let (read_inputs, read_outputs) = read(&ctx, &id, &inputs).await;
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // Through the adapter: the recorded state diffs clean against the checked inputs; an import (no prior
    // inputs) reads the same.
    let adapter = Adapter::<Bucket>::default();
    let news = adapter.check(
        &CheckContext::default(),
        props(&[
            ("bucket", "s3-alblogs-dev-demo1".into()),
            ("versioning", Value::Bool(true)),
            ("loadBalancerLogDelivery", Value::Bool(true)),
            ("logPrefix", "alb".into()),
            ("expirationDays", Value::Number(30.0)),
            ("tags", Value::Object(props(&[("Team", "orders".into())]))),
        ]),
    );
    assert!(news.failures.is_empty(), "{:?}", news.failures);
    let record = adapter
        .read(&ctx, &id, PropertyMap::new(), PropertyMap::new())
        .await
        .expect("import")
        .expect("exists");
    let d = adapter.diff(&record.state, &news.inputs, &[]);
    assert!(d.changed.is_empty(), "{:?}", d.detailed);

    // Each field in place, one update at a time.
    let mut old = inputs.clone();
    let mut old_outputs = outputs.clone();
    let steps: Vec<(&str, Change)> = vec![
        (
            "expirationDays",
            Box::new(|i| i.expiration_days = Some(365)),
        ),
        ("versioning off", Box::new(|i| i.versioning = Some(false))),
        (
            "logPrefix",
            Box::new(|i| i.log_prefix = Some("alb/blue".into())),
        ),
        (
            "tags",
            Box::new(|i| {
                i.tags = Some(BTreeMap::from([
                    ("Team".to_string(), "payments".to_string()),
                    ("Tier".to_string(), "core".to_string()),
                ]))
            }),
        ),
        (
            "log delivery off",
            Box::new(|i| {
                i.load_balancer_log_delivery = Some(false);
                i.log_prefix = Some(String::new());
            }),
        ),
        (
            "SSE-KMS with a key",
            Box::new(|i| {
                i.encryption = Some("aws:kms".into());
                i.kms_key_id = Some(
                    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                        .into(),
                );
            }),
        ),
        (
            "public access allowed",
            Box::new(|i| i.block_public_access = Some(false)),
        ),
        ("forceDestroy", Box::new(|i| i.force_destroy = Some(false))),
        (
            "back to the defaults",
            Box::new(|i| {
                i.encryption = Some("AES256".into());
                i.kms_key_id = None;
                i.block_public_access = Some(true);
                i.versioning = Some(true);
                i.force_destroy = Some(true);
            }),
        ),
    ];
    for (what, change) in steps {
        let mut new = old.clone();
        change(&mut new);
        let new = checked(new);
        let updated = Bucket::update(&ctx, &id, &old, &old_outputs, &new)
            .await
            .unwrap_or_else(|e| panic!("update {what}: {e}"));
        let (after, after_outputs) = read(&ctx, &id, &new).await;
        assert_eq!(after, new, "{what}");
        assert_eq!(after_outputs, updated, "{what}");
        old = new;
        old_outputs = updated;
    }
    let ver = s3
        .get_bucket_versioning()
        .bucket(&id)
        .send()
        .await
        .expect("versioning");
    assert_eq!(ver.status(), Some(&BucketVersioningStatus::Enabled));

    // A versioned bucket holding objects, older versions and a delete marker: delete empties it and deletes it.
    put(&ctx, &id, "AWSLogs/123456789012/a.log").await;
    put(&ctx, &id, "AWSLogs/123456789012/a.log").await;
    put(&ctx, &id, "AWSLogs/123456789012/b.log").await;
    s3.delete_object()
        .bucket(&id)
        .key("AWSLogs/123456789012/b.log")
        .send()
        .await
        .expect("delete marker");
    let listed = s3
        .list_object_versions()
        .bucket(&id)
        .send()
        .await
        .expect("versions");
    assert_eq!(listed.versions().len(), 3);
    assert_eq!(listed.delete_markers().len(), 1);
    Bucket::delete(&ctx, &id, &old, &old_outputs)
        .await
        .expect("delete");
    assert!(!exists(&ctx, &id).await, "the bucket is gone");
    Bucket::delete(&ctx, &id, &old, &old_outputs)
        .await
        .expect("second delete is a no-op");
    assert!(
        Bucket::read(&ctx, &id, Some(&old))
            .await
            .expect("read")
            .is_none()
    );
}

/// Status lines an operation sends to the engine.
#[derive(Default)]
struct Statuses(Mutex<Vec<String>>);

impl Diagnostics for Statuses {
    fn log(&self, _: Severity, _: &str, message: String, _: bool) {
        self.0.lock().expect("statuses").push(message);
    }
}

#[tokio::test]
async fn s3_bucket_delete_empties_more_than_one_page() {
    let moto = Moto::start().await;
    let statuses = Arc::new(Statuses::default());
    let ctx = moto.ctx().await.with_diagnostics(statuses.clone());
    let inputs = checked(raw("s3-alblogs-pages"));
    let (id, outputs) = Bucket::create(&ctx, &inputs).await.expect("create");
    // 1005 objects: two ListObjectVersions pages, two DeleteObjects batches.
    futures::stream::iter(0..1005)
        .for_each_concurrent(16, |i| {
            let (ctx, id) = (&ctx, &id);
            async move { put(ctx, id, &format!("AWSLogs/{ACCOUNT}/{i:04}.log")).await }
        })
        .await;
    let first = ctx
        .aws
        .s3
        .list_object_versions()
        .bucket(&id)
        .max_keys(1000)
        .send()
        .await
        .expect("versions");
    assert_eq!(first.versions().len(), 1000);
    assert_eq!(first.is_truncated(), Some(true), "moto pages at 1000");
    Bucket::delete(&ctx, &id, &inputs, &outputs)
        .await
        .expect("delete");
    assert!(!exists(&ctx, &id).await);
    // Both pages were emptied before the one DeleteBucket call: no attempt met BucketNotEmpty.
    let lines = statuses.0.lock().expect("statuses").clone();
    assert_eq!(
        lines,
        vec![
            "emptying S3 bucket s3-alblogs-pages: 1000 object versions and delete markers deleted"
                .to_string(),
            "emptying S3 bucket s3-alblogs-pages: 1005 object versions and delete markers deleted"
                .to_string(),
        ]
    );
}

#[tokio::test]
async fn s3_bucket_without_force_destroy_refuses_to_drop_objects() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let mut keep = raw("s3-alblogs-keep");
    keep.force_destroy = Some(false);
    let keep = checked(keep);
    let (id, outputs) = Bucket::create(&ctx, &keep).await.expect("create");
    put(&ctx, &id, "AWSLogs/x.log").await;
    let err = Bucket::delete(&ctx, &id, &keep, &outputs)
        .await
        .expect_err("not empty");
    assert_conflict(&err, &["s3-alblogs-keep", "forceDestroy", "aws s3 rm"]);
    assert!(exists(&ctx, &id).await, "nothing was deleted");
    // An empty bucket goes without forceDestroy.
    ctx.aws
        .s3
        .delete_object()
        .bucket(&id)
        .key("AWSLogs/x.log")
        .send()
        .await
        .expect("delete object");
    Bucket::delete(&ctx, &id, &keep, &outputs)
        .await
        .expect("delete");
    assert!(!exists(&ctx, &id).await);
}

#[tokio::test]
async fn s3_bucket_create_adopts_only_its_orphan_and_refuses_others() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = full("s3-alblogs-adopt");
    let (id, first) = Bucket::create(&ctx, &inputs).await.expect("first create");
    // The engine never recorded it (the answer was lost): the retried create adopts it, no second bucket.
    let (adopted, second) = Bucket::create(&ctx, &inputs).await.expect("retried create");
    assert_eq!(adopted, id);
    assert_eq!(second, first);
    let buckets = ctx.aws.s3.list_buckets().send().await.expect("list");
    assert_eq!(buckets.buckets().len(), 1, "no duplicate");

    // The provider died right after CreateBucket (tags and ownership are set by that call, nothing else): the
    // next create adopts the bare bucket and brings every setting in line.
    let tags = ctx.tags(inputs.tags.as_ref());
    ctx.aws
        .s3
        .create_bucket()
        .bucket("s3-alblogs-crashed")
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .set_tags(Some(
                    orderapi::resources::s3::tag_list(&tags).expect("tags"),
                ))
                .build(),
        )
        .object_ownership(ObjectOwnership::BucketOwnerEnforced)
        .send()
        .await
        .expect("bare bucket");
    let crashed = full("s3-alblogs-crashed");
    let (cid, _) = Bucket::create(&ctx, &crashed)
        .await
        .expect("adopting create");
    let (after, _) = read(&ctx, &cid, &crashed).await;
    assert_eq!(after, crashed, "adopted and configured");

    // A create that failed part-way is recorded (partial state); the engine then calls update with the same
    // inputs, which writes whatever is missing.
    ctx.aws
        .s3
        .delete_bucket_policy()
        .bucket(&cid)
        .send()
        .await
        .expect("policy gone");
    ctx.aws
        .s3
        .delete_bucket_lifecycle()
        .bucket(&cid)
        .send()
        .await
        .expect("lifecycle gone");
    let partial_outputs = BucketOutputs {
        arn: format!("arn:aws:s3:::{cid}"),
        ..Default::default()
    };
    Bucket::update(&ctx, &cid, &crashed, &partial_outputs, &crashed)
        .await
        .expect("finishing update");
    let (after, _) = read(&ctx, &cid, &crashed).await;
    assert_eq!(after, crashed, "finished");

    // The bucket the engine records (a replacement under the same name) is never adopted.
    let err = Bucket::create(&replacing(&ctx, &id), &inputs)
        .await
        .expect_err("recorded");
    assert_conflict(&err, &["'s3-alblogs-adopt'", "deleteBeforeReplace"]);
    // Another Pulumi resource's bucket.
    let err = Bucket::create(&other_resource(&ctx), &inputs)
        .await
        .expect_err("other");
    assert_conflict(&err, &["'s3-alblogs-adopt'", "another Pulumi resource"]);
    // A bucket of this account we did not create.
    ctx.aws
        .s3
        .create_bucket()
        .bucket("s3-stranger")
        .send()
        .await
        .expect("stranger");
    let err = Bucket::create(&ctx, &full("s3-stranger"))
        .await
        .expect_err("stranger");
    assert_conflict(&err, &["'s3-stranger'", "not created by pulumi-orderapi"]);
}

#[tokio::test]
async fn s3_bucket_refresh_shows_out_of_band_changes_and_update_puts_them_back() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = full("s3-alblogs-drift");
    let (id, outputs) = Bucket::create(&ctx, &inputs).await.expect("create");
    let s3 = &ctx.aws.s3;

    // Settings the inputs can express: versioning suspended, a tag added, another expiration in our rule shape.
    s3.put_bucket_versioning()
        .bucket(&id)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Suspended)
                .build(),
        )
        .send()
        .await
        .expect("suspend");
    let mut tags = live_tags(&ctx.aws, &id).await.expect("tags");
    tags.insert("Owner".into(), "someone".into());
    orderapi::resources::s3::put_tags(&ctx.aws, &id, &tags)
        .await
        .expect("tag");
    let (refreshed, _) = read(&ctx, &id, &inputs).await;
    assert_eq!(refreshed.versioning, Some(false));
    assert_eq!(
        refreshed
            .tags
            .as_ref()
            .and_then(|t| t.get("Owner"))
            .map(String::as_str),
        Some("someone")
    );
    assert_eq!(refreshed.expiration_days, Some(30));

    // Settings it cannot: ACLs enabled, the policy removed, someone else's lifecycle rule. Each is reported as
    // its input unset, so the program's inputs show an update.
    s3.put_bucket_ownership_controls()
        .bucket(&id)
        .ownership_controls(
            OwnershipControls::builder()
                .rules(
                    OwnershipControlsRule::builder()
                        .object_ownership(ObjectOwnership::ObjectWriter)
                        .build()
                        .expect("rule"),
                )
                .build()
                .expect("controls"),
        )
        .send()
        .await
        .expect("ACLs on");
    s3.delete_bucket_policy()
        .bucket(&id)
        .send()
        .await
        .expect("policy removed");
    s3.put_bucket_lifecycle_configuration()
        .bucket(&id)
        .lifecycle_configuration(
            aws_sdk_s3::types::BucketLifecycleConfiguration::builder()
                .rules(
                    aws_sdk_s3::types::LifecycleRule::builder()
                        .id("theirs")
                        .status(aws_sdk_s3::types::ExpirationStatus::Enabled)
                        .filter(
                            aws_sdk_s3::types::LifecycleRuleFilter::builder()
                                .prefix("")
                                .build(),
                        )
                        .expiration(
                            aws_sdk_s3::types::LifecycleExpiration::builder()
                                .days(1)
                                .build(),
                        )
                        .build()
                        .expect("rule"),
                )
                .build()
                .expect("config"),
        )
        .send()
        .await
        .expect("their lifecycle");
    let (refreshed, refreshed_outputs) = read(&ctx, &id, &inputs).await;
    assert_eq!(refreshed.block_public_access, None);
    assert_eq!(refreshed.load_balancer_log_delivery, None);
    assert_eq!(refreshed.expiration_days, None);
    assert_eq!(
        refreshed.log_prefix.as_deref(),
        Some("alb"),
        "kept from the prior inputs"
    );
    let adapter = Adapter::<Bucket>::default();
    let d = adapter.diff(&map_of(&refreshed), &map_of(&inputs), &[]);
    for key in [
        "versioning",
        "tags",
        "blockPublicAccess",
        "loadBalancerLogDelivery",
        "expirationDays",
    ] {
        assert!(
            d.changed.iter().any(|c| c == key),
            "{key}: {:?}",
            d.detailed
        );
    }
    assert!(d.replaces.is_empty());

    // Half the Block Public Access flags off (ownership back to enforced first, so the flags are the drift).
    s3.put_bucket_ownership_controls()
        .bucket(&id)
        .ownership_controls(
            OwnershipControls::builder()
                .rules(
                    OwnershipControlsRule::builder()
                        .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                        .build()
                        .expect("rule"),
                )
                .build()
                .expect("controls"),
        )
        .send()
        .await
        .expect("ACLs off");
    s3.put_public_access_block()
        .bucket(&id)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(false)
                .restrict_public_buckets(false)
                .build(),
        )
        .send()
        .await
        .expect("half off");
    let (refreshed, _) = read(&ctx, &id, &inputs).await;
    assert_eq!(refreshed.block_public_access, None);

    // The next `up`: update from the refreshed state to the program's inputs puts everything back.
    let updated = Bucket::update(&ctx, &id, &refreshed, &refreshed_outputs, &inputs)
        .await
        .expect("update");
    let (after, after_outputs) = read(&ctx, &id, &inputs).await;
    assert_eq!(after, inputs);
    assert_eq!(after_outputs, updated);
    assert_eq!(updated.tags_all, outputs.tags_all, "the stray tag is gone");

    // Deleted out of band: refresh says gone.
    Bucket::delete(&ctx, &id, &inputs, &updated)
        .await
        .expect("delete");
    assert!(
        Bucket::read(&ctx, &id, Some(&inputs))
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn s3_bucket_outside_us_east_1_sends_a_location_constraint() {
    let moto = Moto::start().await;
    // eu-west-1 opened before August 2022: its ELB account and the service principal.
    let ctx = ctx_in(&moto, "eu-west-1").await;
    let inputs = full("s3-alblogs-ireland");
    let (id, outputs) = Bucket::create(&ctx, &inputs).await.expect("create");
    assert_eq!(outputs.region, "eu-west-1");
    assert_eq!(
        outputs.bucket_regional_domain_name,
        "s3-alblogs-ireland.s3.eu-west-1.amazonaws.com"
    );
    let location = ctx
        .aws
        .s3
        .get_bucket_location()
        .bucket(&id)
        .send()
        .await
        .expect("location");
    assert_eq!(
        location.location_constraint().map(|c| c.as_str()),
        Some("eu-west-1")
    );
    let doc = policy(&ctx, &id).await;
    assert_eq!(
        doc["Statement"][1]["Principal"]["AWS"],
        "arn:aws:iam::156460612806:root"
    );
    let (read_inputs, _) = read(&ctx, &id, &inputs).await;
    assert_eq!(read_inputs, inputs);

    // eu-central-2 opened later: the service principal only.
    let zurich = ctx_in(&moto, "eu-central-2").await;
    let inputs = full("s3-alblogs-zurich");
    let (id, _) = Bucket::create(&zurich, &inputs).await.expect("create");
    let doc = policy(&zurich, &id).await;
    let statements = doc["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 2, "{doc}");
    assert_eq!(
        statements[1]["Principal"]["Service"],
        "logdelivery.elasticloadbalancing.amazonaws.com"
    );
    let (read_inputs, _) = read(&zurich, &id, &inputs).await;
    assert_eq!(read_inputs, inputs);
}

/// A scripted S3 endpoint: answers each request with the first scripted answer for its method, records each
/// request (head and body, as text).
async fn scripted(
    answers: Vec<(&'static str, u16, &'static str)>,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read the head, then as much body as Content-Length says.
            let head_end = loop {
                let Ok(n) = socket.read(&mut chunk).await else {
                    break None;
                };
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(i + 4);
                }
            };
            let Some(head_end) = head_end else { continue };
            let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            while buf.len() < head_end + length {
                let Ok(n) = socket.read(&mut chunk).await else {
                    break;
                };
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let line = head.lines().next().unwrap_or_default().to_string();
            let method = line.split(' ').next().unwrap_or_default().to_string();
            log.lock()
                .expect("log")
                .push(String::from_utf8_lossy(&buf).to_string());
            let (status, body) = answers
                .iter()
                .find(|(m, _, _)| *m == method)
                .map(|(_, s, b)| (*s, *b))
                .unwrap_or((500, ""));
            let body = if method == "HEAD" { "" } else { body };
            let answer = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    (endpoint, seen)
}

/// Bucket names are global: a name another account holds is refused once, with what to do, never retried or
/// adopted. moto answers HeadBucket 200 for another account's bucket (AWS: 403), so a scripted endpoint plays S3.
#[tokio::test]
async fn s3_bucket_taken_by_another_account_is_a_conflict_without_retry() {
    const TAKEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>BucketAlreadyExists</Code>\
        <Message>The requested bucket name is not available.</Message><BucketName>logs-taken</BucketName></Error>";
    for (answers, puts) in [
        // The lookup finds nothing visible, CreateBucket says another account has the name.
        (vec![("HEAD", 404, ""), ("PUT", 409, TAKEN)], 1),
        // The lookup is refused: the bucket exists in an account these credentials cannot see.
        (vec![("HEAD", 403, "")], 0),
    ] {
        let (endpoint, seen) = scripted(answers).await;
        // SAFETY: the dummy credentials every test of this binary sets (support/moto.rs); nothing removes them.
        unsafe {
            std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        }
        let config = ProviderConfig {
            region: Some("us-east-1".into()),
            endpoint: Some(endpoint),
            skip_credentials_validation: Some(true),
            max_retries: Some(1),
            ..Default::default()
        };
        let ctx = Context::new(
            Arc::new(Aws::connect(&config).await.expect("clients")),
            "urn:pulumi:test::test::orderapi:s3:Bucket::logs",
            Duration::from_secs(30),
            CancellationToken::new(),
        );
        let err = Bucket::create(&ctx, &checked(raw("logs-taken")))
            .await
            .expect_err("taken");
        assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("'logs-taken' is taken by another AWS account"),
            "{text}"
        );
        assert!(text.contains("choose another `bucket` name"), "{text}");
        let requests = seen.lock().expect("log").clone();
        let creates: Vec<&String> = requests.iter().filter(|r| r.starts_with("PUT")).collect();
        assert_eq!(creates.len(), puts, "{requests:?}");
        assert!(
            requests
                .iter()
                .all(|r| r.starts_with("HEAD /logs-taken/ ") || r.starts_with("PUT /logs-taken/ ")),
            "path-style addressing against an endpoint: {requests:?}"
        );
        // CreateBucket in us-east-1: no location constraint (S3 refuses one there), the tags and BucketOwnerEnforced
        // in the same call.
        for create in creates {
            let lower = create.to_ascii_lowercase();
            assert!(!create.contains("LocationConstraint"), "{create}");
            assert!(
                create.contains("<Key>ManagedBy</Key><Value>pulumi-orderapi</Value>"),
                "{create}"
            );
            assert!(create.contains("<Key>orderapi:urn</Key>"), "{create}");
            assert!(
                lower.contains("x-amz-object-ownership: bucketownerenforced"),
                "{create}"
            );
        }
    }
}

/// Typed inputs as the property map the engine would hold.
fn map_of(inputs: &BucketInputs) -> PropertyMap {
    match Value::from_json(serde_json::to_value(inputs).expect("json")) {
        Value::Object(m) => m,
        other => panic!("not an object: {other:?}"),
    }
}

fn props(pairs: &[(&str, Value)]) -> PropertyMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn s3_bucket_rename_replaces_creating_first_the_rest_in_place() {
    let adapter = Adapter::<Bucket>::default();
    let olds = props(&[
        ("bucket", "logs-a".into()),
        ("versioning", Value::Bool(false)),
        ("expirationDays", Value::Number(90.0)),
    ]);
    let renamed = adapter.diff(
        &olds,
        &props(&[
            ("bucket", "logs-b".into()),
            ("versioning", Value::Bool(false)),
            ("expirationDays", Value::Number(90.0)),
        ]),
        &[],
    );
    assert_eq!(renamed.replaces, vec!["bucket"]);
    assert!(
        !renamed.delete_before_replace,
        "a new name is created first"
    );
    // Under the same name (`--replace`) the old bucket must go first: names are global.
    assert!(adapter.diff(&olds, &olds, &[]).delete_before_replace);
    for (key, value) in [
        ("versioning", Value::Bool(true)),
        ("expirationDays", Value::Number(30.0)),
        ("encryption", "aws:kms".into()),
        ("blockPublicAccess", Value::Bool(false)),
        ("loadBalancerLogDelivery", Value::Bool(true)),
        ("logPrefix", "alb".into()),
        ("forceDestroy", Value::Bool(false)),
    ] {
        let mut news = olds.clone();
        news.insert(key.into(), value);
        let d = adapter.diff(&olds, &news, &[]);
        assert_eq!(d.changed, vec![key.to_string()]);
        assert!(d.replaces.is_empty(), "{key} changes in place");
    }
}

#[test]
fn s3_bucket_check_rejects_what_aws_would() {
    let failures = |inputs: BucketInputs| -> Vec<(String, String)> {
        Bucket::check(&CheckContext::default(), inputs)
            .expect_err("invalid")
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect()
    };
    // Each naming rule, named.
    for (name, rule) in [
        ("ab", "3-63 characters"),
        ("Logs-Bucket", "lowercase letters"),
        ("logs_bucket", "lowercase letters"),
        ("-logs", "begin and end"),
        ("logs..x", "two adjacent dots"),
        ("10.0.0.1", "IP address"),
        ("xn--logs", "reserved prefix 'xn--'"),
        ("logs-s3alias", "reserved suffix '-s3alias'"),
    ] {
        let f = failures(raw(name));
        assert!(
            f.iter()
                .any(|(p, r)| p == "bucket" && r.contains(rule) && r.contains(name)),
            "{name}: {f:?}"
        );
    }
    let mut zero = raw("logs");
    zero.expiration_days = Some(0);
    assert_eq!(failures(zero)[0].0, "expirationDays");
    let mut long = raw("logs");
    long.expiration_days = Some(3651);
    assert_eq!(failures(long)[0].0, "expirationDays");
    // ALB access logs support only SSE-S3.
    let mut kms = raw("logs");
    kms.encryption = Some("aws:kms".into());
    kms.load_balancer_log_delivery = Some(true);
    let f = failures(kms);
    assert!(
        f.iter()
            .any(|(p, r)| p == "encryption" && r.contains("only SSE-S3")),
        "{f:?}"
    );
    let mut algo = raw("logs");
    algo.encryption = Some("aws:kms:dsse".into());
    assert_eq!(failures(algo)[0].0, "encryption");
    let mut key = raw("logs");
    key.kms_key_id = Some("alias/logs".into());
    let f = failures(key);
    assert!(
        f.iter()
            .any(|(p, r)| p == "kmsKeyId" && r.contains("aws:kms")),
        "{f:?}"
    );
    let mut prefix = raw("logs");
    prefix.log_prefix = Some("alb".into());
    let f = failures(prefix);
    assert!(
        f.iter()
            .any(|(p, r)| p == "logPrefix" && r.contains("loadBalancerLogDelivery")),
        "{f:?}"
    );
    for bad in ["/alb", "alb/", "x/AWSLogs", "a b"] {
        let mut prefix = raw("logs");
        prefix.load_balancer_log_delivery = Some(true);
        prefix.log_prefix = Some(bad.into());
        assert_eq!(failures(prefix)[0].0, "logPrefix", "{bad}");
    }
    let mut tags = raw("logs");
    tags.tags = Some(BTreeMap::from([("aws:x".to_string(), "y".to_string())]));
    assert_eq!(failures(tags)[0].0, "tags");
    // SSE-KMS without log delivery is fine, with or without a key.
    let mut kms = raw("logs");
    kms.encryption = Some("aws:kms".into());
    assert!(Bucket::check(&CheckContext::default(), kms).is_ok());

    // An autoname from a logical name S3 would reject is made valid.
    let ctx = CheckContext {
        name: "ALB Logs".into(),
        random_seed: vec![0xab, 0xcd, 0xef, 0x01],
        prior_name: None,
    };
    let mut unnamed = raw("x");
    unnamed.bucket = None;
    let named = Bucket::check(&ctx, unnamed).expect("valid");
    assert_eq!(named.bucket.as_deref(), Some("alb-logs-abcdef0"));
}
