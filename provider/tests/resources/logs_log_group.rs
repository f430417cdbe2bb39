use std::collections::BTreeMap;

use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::logs::live_tags;
use orderapi::resources::logs::log_group::{LogGroup, LogGroupInputs};
use orderapi::rpc::value::{PropertyMap, Value};

use super::ssm_parameter::{assert_conflict, assert_identity, other_resource, replacing};
use crate::moto::Moto;

const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn raw(name: &str) -> LogGroupInputs {
    LogGroupInputs {
        name: Some(name.into()),
        retention_in_days: Some(30),
        kms_key_id: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn inputs(name: &str) -> LogGroupInputs {
    LogGroup::check(&CheckContext::default(), raw(name)).expect("valid inputs")
}

async fn assert_finished(ctx: &Context, arn: &str) {
    assert_identity(ctx, &live_tags(&ctx.aws, arn).await.expect("tags"));
}

#[tokio::test]
async fn logs_log_group_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("/ecs/orders-api");

    let (id, outputs) = LogGroup::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, "/ecs/orders-api");
    assert_eq!(
        outputs.arn,
        "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/orders-api"
    );
    assert_eq!(outputs.tags_all["ManagedBy"], "pulumi-orderapi");
    assert_eq!(outputs.tags_all["Team"], "orders");
    assert_finished(&ctx, &outputs.arn).await;

    let (read_inputs, read_outputs) = LogGroup::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // In place: another retention, tags changed.
    let mut changed = inputs.clone();
    changed.retention_in_days = Some(365);
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "core".to_string())]));
    let updated = LogGroup::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    let (after, after_outputs) = LogGroup::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_outputs, updated);
    assert!(!updated.tags_all.contains_key("Team"));

    // Retention removed = never expire.
    let mut forever = changed.clone();
    forever.retention_in_days = None;
    let updated = LogGroup::update(&ctx, &id, &changed, &updated, &forever)
        .await
        .expect("update");
    let (after, _) = LogGroup::read(&ctx, &id, Some(&forever))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, forever);

    LogGroup::delete(&ctx, &id, &forever, &updated)
        .await
        .expect("delete");
    LogGroup::delete(&ctx, &id, &forever, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        LogGroup::read(&ctx, &id, Some(&forever))
            .await
            .expect("read")
            .is_none()
    );
}

/// moto stores the KMS key given at creation (without checking that the key exists or allows CloudWatch Logs, as
/// AWS does) but does not implement AssociateKmsKey/DisassociateKmsKey, so changing the key in place is not shown
/// here; `update` calls those APIs on real AWS.
#[tokio::test]
async fn logs_log_group_with_kms_key_reads_back_the_key() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let mut raw = raw("/ecs/orders-kms");
    raw.kms_key_id = Some(KEY.into());
    let inputs = LogGroup::check(&CheckContext::default(), raw).expect("valid");
    let (id, _) = LogGroup::create(&ctx, &inputs).await.expect("create");
    let (read_inputs, _) = LogGroup::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs.kms_key_id.as_deref(), Some(KEY));
    assert_eq!(read_inputs, inputs);
}

#[tokio::test]
async fn logs_log_group_create_adopts_only_its_orphan_and_refuses_others() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("/ecs/orders-adopt");
    let (id, first) = LogGroup::create(&ctx, &inputs).await.expect("first create");
    let (read_inputs, _) = LogGroup::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert!(!read_inputs.tags.expect("tags").contains_key(IDENTITY_TAG));
    // The engine never recorded it (the answer was lost) and retention changed since: the retried create with
    // the same context adopts it and brings it back in line.
    ctx.aws
        .logs
        .put_retention_policy()
        .log_group_name(&id)
        .retention_in_days(1)
        .send()
        .await
        .expect("retention");
    let (adopted, second) = LogGroup::create(&ctx, &inputs)
        .await
        .expect("retried create");
    assert_eq!(adopted, id);
    assert_eq!(second, first);
    assert_finished(&ctx, &first.arn).await;
    let (after, _) = LogGroup::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, inputs);
    let listed = ctx
        .aws
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/ecs/orders-adopt")
        .send()
        .await
        .expect("list");
    assert_eq!(listed.log_groups().len(), 1, "no duplicate");

    // The one a replacement replaces is never adopted: names are unique, so it is a conflict.
    let err = LogGroup::create(&replacing(&ctx, &id), &inputs)
        .await
        .expect_err("recorded");
    assert_conflict(&err, &["'/ecs/orders-adopt'", "deleteBeforeReplace"]);
    // Another resource's log group.
    let err = LogGroup::create(&other_resource(&ctx), &inputs)
        .await
        .expect_err("other");
    assert_conflict(&err, &["'/ecs/orders-adopt'", "another Pulumi resource"]);

    // A same-named log group we do not own is a conflict.
    ctx.aws
        .logs
        .create_log_group()
        .log_group_name("/ecs/stranger")
        .send()
        .await
        .expect("stranger");
    let err = LogGroup::create(&ctx, &self::inputs("/ecs/stranger"))
        .await
        .expect_err("conflict");
    assert_conflict(&err, &["'/ecs/stranger'", "not created by pulumi-orderapi"]);
}

fn props(pairs: &[(&str, Value)]) -> PropertyMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn logs_log_group_rename_replaces_creating_first_retention_and_key_in_place() {
    let adapter = Adapter::<LogGroup>::default();
    let olds = props(&[
        ("name", "/a".into()),
        ("retentionInDays", Value::Number(7.0)),
    ]);
    let renamed = adapter.diff(
        &olds,
        &props(&[
            ("name", "/b".into()),
            ("retentionInDays", Value::Number(7.0)),
        ]),
        &[],
    );
    assert_eq!(renamed.replaces, vec!["name"]);
    // The new name can coexist with the old: created first; under the same name the old goes first.
    assert!(!renamed.delete_before_replace);
    assert!(adapter.diff(&olds, &olds, &[]).delete_before_replace);
    let in_place = adapter.diff(
        &olds,
        &props(&[
            ("name", "/a".into()),
            ("retentionInDays", Value::Number(14.0)),
            ("kmsKeyId", KEY.into()),
        ]),
        &[],
    );
    assert_eq!(in_place.changed, vec!["kmsKeyId", "retentionInDays"]);
    assert!(in_place.replaces.is_empty());
}

#[test]
fn logs_log_group_check_rejects_what_aws_would() {
    let mut bad = raw("aws/has space");
    bad.retention_in_days = Some(2);
    bad.kms_key_id = Some("alias/aws/logs".into());
    bad.tags = Some(BTreeMap::from([("aws:x".to_string(), "y".to_string())]));
    let failures = LogGroup::check(&CheckContext::default(), bad).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(
        props,
        vec!["name", "name", "retentionInDays", "kmsKeyId", "tags"]
    );
    for days in [
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
        2922, 3288, 3653,
    ] {
        let mut ok = raw("/ok");
        ok.retention_in_days = Some(days);
        assert!(
            LogGroup::check(&CheckContext::default(), ok).is_ok(),
            "{days}"
        );
    }
    for days in [0, -1, 2, 366, 3650, 4000] {
        let mut bad = raw("/ok");
        bad.retention_in_days = Some(days);
        let failures = LogGroup::check(&CheckContext::default(), bad).expect_err("invalid");
        assert_eq!(failures[0].property, "retentionInDays");
    }
    let mut long = raw("x");
    long.name = Some("a".repeat(513));
    assert_eq!(
        LogGroup::check(&CheckContext::default(), long).expect_err("too long")[0].property,
        "name"
    );
}
