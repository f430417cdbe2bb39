//! `orderapi:kms:Key` against moto.
//!
//! What moto cannot show: it does not evaluate key policies (any caller may use any key, so that CloudWatch can
//! publish to a topic encrypted with the key is checked here only as the statement the policy holds), it never
//! deletes a key once its deletion window ends (the key stays `PendingDeletion`), it does not refuse a
//! ScheduleKeyDeletion of a key already pending deletion (AWS answers KMSInvalidStateException, which the delete
//! treats as done) and it does not run KMS's policy lockout safety check. The rotation period is kept and returned
//! only through the project's patch (`emulator/kms_rotation_period.py`).

use std::collections::BTreeMap;

use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::iam::policy::{
    Effect, Principal, ResourcePolicyDocument, ResourcePolicyStatement,
};
use orderapi::resources::kms::key::{
    Key, KeyInputs, KeyOutputs, SERVICE_USER_ACTIONS, SERVICE_USERS_SID, default_policy,
};
use orderapi::resources::kms::{kms_tags, live_tags};

use super::ec2_identity::{other_resource, replacing, resource};
use super::ecs_cluster::to_props;
use super::ssm_parameter::{assert_conflict, assert_identity};
use crate::moto::Moto;

const ACCOUNT: &str = "123456789012";

fn raw(alias: &str) -> KeyInputs {
    KeyInputs {
        alias: alias.into(),
        description: Some("Order API test: encrypts the alarm topic".into()),
        key_usage: None,
        key_spec: None,
        enable_key_rotation: None,
        rotation_period_in_days: None,
        deletion_window_in_days: None,
        policy: None,
        service_users: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn checked(inputs: KeyInputs) -> KeyInputs {
    Key::check(&CheckContext::default(), inputs).expect("valid")
}

/// The key policy KMS holds for `id`, typed.
async fn policy_of(ctx: &Context, id: &str) -> ResourcePolicyDocument {
    let out = ctx
        .aws
        .kms
        .get_key_policy()
        .key_id(id)
        .policy_name("default")
        .send()
        .await
        .expect("get key policy");
    ResourcePolicyDocument::from_aws(out.policy().expect("policy")).expect("typed policy")
}

/// (rotation on, period) as KMS reports them.
async fn rotation_of(ctx: &Context, id: &str) -> (bool, Option<i32>) {
    let out = ctx
        .aws
        .kms
        .get_key_rotation_status()
        .key_id(id)
        .send()
        .await
        .expect("rotation status");
    (out.key_rotation_enabled(), out.rotation_period_in_days())
}

/// The key's state (`Enabled`, `PendingDeletion`, …).
async fn state_of(ctx: &Context, id: &str) -> String {
    let out = ctx
        .aws
        .kms
        .describe_key()
        .key_id(id)
        .send()
        .await
        .expect("describe key");
    out.key_metadata()
        .and_then(|m| m.key_state())
        .map(|s| s.as_str().to_string())
        .expect("key state")
}

/// The key `alias` points at, if any.
async fn target_of(ctx: &Context, alias: &str) -> Option<String> {
    orderapi::resources::kms::describe_key(&ctx.aws, alias)
        .await
        .expect("describe alias")
        .map(|m| m.key_id().to_string())
}

async fn key_count(ctx: &Context) -> usize {
    ctx.aws
        .kms
        .list_keys()
        .send()
        .await
        .expect("list keys")
        .keys()
        .len()
}

/// The engine's state of a key: its inputs and outputs.
fn state(inputs: &KeyInputs, outputs: &KeyOutputs) -> orderapi::rpc::value::PropertyMap {
    let mut m = to_props(inputs);
    m.extend(to_props(outputs));
    m
}

fn task_role_statement() -> ResourcePolicyStatement {
    ResourcePolicyStatement {
        sid: Some("AllowOrdersTaskToDecrypt".into()),
        effect: Effect::Allow,
        principal: Principal {
            aws: Some(vec![format!("arn:aws:iam::{ACCOUNT}:role/orders-task")]),
            ..Default::default()
        },
        actions: vec!["kms:Decrypt".into()],
        resources: vec!["*".into()],
        condition: None,
    }
}

#[tokio::test]
async fn kms_key_lifecycle_update_refresh_and_delete() {
    let moto = Moto::start().await;
    let ctx = resource(&moto.ctx().await, "alarms-key");
    let adapter = Adapter::<Key>::default();
    let inputs = checked(raw("alias/kms-alarms-test"));
    let (id, outputs) = Key::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, outputs.key_id);
    assert_eq!(
        outputs.arn,
        format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{id}")
    );
    assert_eq!(
        outputs.alias_arn,
        format!("arn:aws:kms:us-east-1:{ACCOUNT}:alias/kms-alarms-test")
    );
    assert_eq!(
        target_of(&ctx, "alias/kms-alarms-test").await.as_deref(),
        Some(id.as_str())
    );
    // Defaults: KMS's default policy (the account may administer and use the key), rotation every 365 days.
    assert_eq!(policy_of(&ctx, &id).await, default_policy("aws", ACCOUNT));
    assert_eq!(rotation_of(&ctx, &id).await, (true, Some(365)));
    assert_identity(&ctx, &live_tags(&ctx.aws, &id).await.expect("tags"));
    assert_eq!(state_of(&ctx, &id).await, "Enabled");

    let (read, read_out) = Key::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
    assert!(!read.tags.as_ref().expect("tags").contains_key(IDENTITY_TAG));
    assert_eq!(read_out, outputs);
    // An import (no prior inputs) reads the same declaration.
    let (imported, _) = Key::read(&ctx, &id, None)
        .await
        .expect("import")
        .expect("exists");
    assert_eq!(imported, inputs);
    // No change against its own inputs.
    let same = adapter.diff(&state(&inputs, &outputs), &to_props(&inputs), &[]);
    assert!(same.changed.is_empty(), "{same:?}");

    // In place: description, policy, rotation, tags.
    let mut changed = inputs.clone();
    changed.description = Some("Order API test: alarm topic and task secrets".into());
    let mut policy = default_policy("aws", ACCOUNT);
    policy.statements.push(task_role_statement());
    changed.policy = Some(policy);
    changed.enable_key_rotation = Some(false);
    changed.rotation_period_in_days = None;
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "core".to_string())]));
    let changed = checked(changed);
    let d = adapter.diff(&state(&inputs, &outputs), &to_props(&changed), &[]);
    assert!(d.replaces.is_empty(), "{d:?}");
    let updated = Key::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(updated.key_id, id);
    assert_eq!(updated.arn, outputs.arn);
    assert_eq!(
        policy_of(&ctx, &id).await,
        changed.policy.clone().expect("policy")
    );
    assert!(!rotation_of(&ctx, &id).await.0);
    let live = live_tags(&ctx.aws, &id).await.expect("tags");
    assert_eq!(live.get("Tier").map(String::as_str), Some("core"));
    assert!(!live.contains_key("Team"), "{live:?}");
    assert_identity(&ctx, &live);
    let (after, after_out) = Key::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_out, updated);

    // Rotation back on, every 180 days.
    let mut rotating = changed.clone();
    rotating.enable_key_rotation = Some(true);
    rotating.rotation_period_in_days = Some(180);
    let rotating = checked(rotating);
    let updated = Key::update(&ctx, &id, &changed, &updated, &rotating)
        .await
        .expect("rotation on");
    assert_eq!(rotation_of(&ctx, &id).await, (true, Some(180)));

    // A new alias renames it in place: the same key, the old name freed.
    let mut renamed = rotating.clone();
    renamed.alias = "alias/kms-alarms-test-v2".into();
    let d = adapter.diff(&state(&rotating, &updated), &to_props(&renamed), &[]);
    assert_eq!(d.changed, vec!["alias"]);
    assert!(
        d.replaces.is_empty(),
        "a new alias is no replacement: {d:?}"
    );
    let updated = Key::update(&ctx, &id, &rotating, &updated, &renamed)
        .await
        .expect("rename");
    assert_eq!(updated.key_id, id);
    assert_eq!(
        updated.alias_arn,
        format!("arn:aws:kms:us-east-1:{ACCOUNT}:alias/kms-alarms-test-v2")
    );
    assert_eq!(
        target_of(&ctx, "alias/kms-alarms-test-v2").await.as_deref(),
        Some(id.as_str())
    );
    assert_eq!(target_of(&ctx, "alias/kms-alarms-test").await, None);

    // Rotation turned off outside Pulumi: a refresh shows it, the next update turns it back on.
    ctx.aws
        .kms
        .disable_key_rotation()
        .key_id(&id)
        .send()
        .await
        .expect("disable rotation");
    let (refreshed, refreshed_out) = Key::read(&ctx, &id, Some(&renamed))
        .await
        .expect("refresh")
        .expect("exists");
    assert_eq!(refreshed.enable_key_rotation, Some(false));
    assert_eq!(refreshed.rotation_period_in_days, None);
    let drift = adapter.diff(&state(&refreshed, &refreshed_out), &to_props(&renamed), &[]);
    assert_eq!(
        drift.changed,
        vec!["enableKeyRotation", "rotationPeriodInDays"]
    );
    let updated = Key::update(&ctx, &id, &refreshed, &refreshed_out, &renamed)
        .await
        .expect("repair");
    assert_eq!(rotation_of(&ctx, &id).await, (true, Some(180)));

    // Delete schedules the deletion (7 days by default) and frees the alias at once; a second delete is done.
    Key::delete(&ctx, &id, &renamed, &updated)
        .await
        .expect("delete");
    assert_eq!(state_of(&ctx, &id).await, "PendingDeletion");
    assert_eq!(target_of(&ctx, "alias/kms-alarms-test-v2").await, None);
    assert!(
        Key::read(&ctx, &id, Some(&renamed))
            .await
            .expect("read")
            .is_none(),
        "a key pending deletion is gone"
    );
    Key::delete(&ctx, &id, &renamed, &updated)
        .await
        .expect("again");
    // Up again after a destroy: a new key under the same alias (the one pending deletion is not adopted).
    let (again, _) = Key::create(&ctx, &renamed).await.expect("recreate");
    assert_ne!(again, id);
    assert_eq!(
        target_of(&ctx, "alias/kms-alarms-test-v2").await.as_deref(),
        Some(again.as_str())
    );
}

// moto does not evaluate key policies: that CloudWatch may use the key is shown by the statement alone.
#[tokio::test]
async fn kms_key_service_users_get_a_statement_for_this_account() {
    let moto = Moto::start().await;
    let ctx = resource(&moto.ctx().await, "alarms-key");
    let mut declared = raw("alias/kms-alarms-services");
    declared.service_users = Some(vec![
        "sns.amazonaws.com".into(),
        "cloudwatch.amazonaws.com".into(),
    ]);
    let inputs = checked(declared);
    let (id, outputs) = Key::create(&ctx, &inputs).await.expect("create");
    let policy = policy_of(&ctx, &id).await;
    assert_eq!(policy.statements.len(), 2, "{policy:?}");
    assert_eq!(
        policy.statements[0],
        default_policy("aws", ACCOUNT).statements[0]
    );
    let services = &policy.statements[1];
    assert_eq!(services.sid.as_deref(), Some(SERVICE_USERS_SID));
    assert_eq!(services.effect, Effect::Allow);
    assert_eq!(
        services.principal.service,
        Some(vec![
            "cloudwatch.amazonaws.com".to_string(),
            "sns.amazonaws.com".to_string()
        ])
    );
    assert_eq!(services.principal.aws, None);
    assert_eq!(services.actions, SERVICE_USER_ACTIONS.map(String::from));
    assert_eq!(services.resources, vec!["*"]);
    assert_eq!(
        services.condition,
        Some(BTreeMap::from([(
            "StringEquals".to_string(),
            BTreeMap::from([("aws:SourceAccount".to_string(), vec![ACCOUNT.to_string()])])
        )]))
    );
    // Read back as declared: the default policy plus serviceUsers.
    let (read, _) = Key::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
    assert_eq!(read.policy, None);

    // A declared policy keeps the service statement after it.
    let mut own = inputs.clone();
    own.service_users = Some(vec!["cloudwatch.amazonaws.com".into()]);
    let mut doc = default_policy("aws", ACCOUNT);
    doc.statements.push(task_role_statement());
    own.policy = Some(doc);
    let own = checked(own);
    Key::update(&ctx, &id, &inputs, &outputs, &own)
        .await
        .expect("update");
    let policy = policy_of(&ctx, &id).await;
    let sids: Vec<_> = policy
        .statements
        .iter()
        .map(|s| s.sid.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        sids,
        vec![
            "Enable IAM User Permissions",
            "AllowOrdersTaskToDecrypt",
            SERVICE_USERS_SID
        ]
    );
    assert_eq!(
        policy.statements[2].principal.service,
        Some(vec!["cloudwatch.amazonaws.com".to_string()])
    );
    let (read, _) = Key::read(&ctx, &id, Some(&own))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, own);
}

#[tokio::test]
async fn kms_key_adopts_its_orphans_and_refuses_other_keys() {
    let moto = Moto::start().await;
    let base = moto.ctx().await;
    let ctx = resource(&base, "alarms-key");
    let inputs = checked(raw("alias/kms-alarms-adopt"));
    let (id, outputs) = Key::create(&ctx, &inputs).await.expect("create");
    // The answer was lost: the engine records nothing, the same resource creates again and adopts it.
    let (again, _) = Key::create(&ctx, &inputs).await.expect("adopt by alias");
    assert_eq!(again, id);
    assert_eq!(key_count(&ctx).await, 1, "no second key");

    // CreateKey's answer was lost before the alias was set: found by its identity tag, adopted, finished.
    let lost = resource(&base, "lost-key");
    let made = lost
        .aws
        .kms
        .create_key()
        .set_tags(Some(kms_tags(&lost.tags(None)).expect("tags")))
        .send()
        .await
        .expect("create key");
    let orphan = made.key_metadata().expect("metadata").key_id().to_string();
    let lost_inputs = checked(raw("alias/kms-alarms-lost"));
    let (adopted, _) = Key::create(&lost, &lost_inputs).await.expect("adopt");
    assert_eq!(adopted, orphan);
    assert_eq!(key_count(&ctx).await, 2, "no third key");
    assert_eq!(
        target_of(&lost, "alias/kms-alarms-lost").await.as_deref(),
        Some(orphan.as_str())
    );
    assert_eq!(rotation_of(&lost, &orphan).await, (true, Some(365)));
    let (read, _) = Key::read(&lost, &orphan, Some(&lost_inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, lost_inputs);

    // Another resource's alias, and a stranger's: conflicts naming the alias.
    let err = Key::create(&other_resource(&ctx), &inputs)
        .await
        .expect_err("other");
    assert_conflict(
        &err,
        &["'alias/kms-alarms-adopt'", "another Pulumi resource"],
    );
    let stranger = ctx.aws.kms.create_key().send().await.expect("stranger key");
    let stranger_id = stranger
        .key_metadata()
        .expect("metadata")
        .key_id()
        .to_string();
    ctx.aws
        .kms
        .create_alias()
        .alias_name("alias/kms-stranger")
        .target_key_id(&stranger_id)
        .send()
        .await
        .expect("stranger alias");
    let count = key_count(&ctx).await;
    let err = Key::create(
        &resource(&base, "stranger"),
        &checked(raw("alias/kms-stranger")),
    )
    .await
    .expect_err("stranger");
    assert_conflict(
        &err,
        &["'alias/kms-stranger'", "not created by pulumi-orderapi"],
    );
    assert_eq!(key_count(&ctx).await, count, "nothing made before refusing");

    // A replacement (`pulumi up --replace`) is created first and takes the alias over in one call; deleting the
    // old key then leaves the alias on the new one.
    let (new_id, new_out) = Key::create(&replacing(&ctx, &id), &inputs)
        .await
        .expect("replacement");
    assert_ne!(new_id, id);
    assert_eq!(
        target_of(&ctx, "alias/kms-alarms-adopt").await.as_deref(),
        Some(new_id.as_str())
    );
    assert_eq!(state_of(&ctx, &id).await, "Enabled");
    Key::delete(&ctx, &id, &inputs, &outputs)
        .await
        .expect("delete the replaced key");
    assert_eq!(state_of(&ctx, &id).await, "PendingDeletion");
    assert_eq!(
        target_of(&ctx, "alias/kms-alarms-adopt").await.as_deref(),
        Some(new_id.as_str())
    );
    let (read, read_out) = Key::read(&ctx, &new_id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
    assert_eq!(read_out, new_out);
}

#[tokio::test]
async fn kms_key_stopped_after_create_key_is_partial_and_the_next_update_finishes() {
    let moto = Moto::start().await;
    let mut ctx = resource(&moto.ctx().await, "alarms-key");
    let mut declared = raw("alias/kms-alarms-partial");
    declared.service_users = Some(vec!["cloudwatch.amazonaws.com".into()]);
    let inputs = checked(declared);
    // The operation's time is up right after CreateKey: the key exists, nothing else is done.
    ctx.deadline = std::time::Instant::now();
    let err = Key::create(&ctx, &inputs).await.expect_err("timed out");
    let orderapi::error::ResourceError::Partial {
        id,
        outputs,
        source,
    } = err
    else {
        panic!("expected partial state, got {err}");
    };
    assert!(
        matches!(*source, orderapi::error::ResourceError::Timeout { .. }),
        "{source}"
    );
    let recorded: KeyOutputs = serde_json::from_value(outputs).expect("outputs decode");
    assert_eq!(recorded.key_id, id);
    assert_eq!(recorded.tags_all[IDENTITY_TAG], ctx.identity.as_str());
    assert_eq!(target_of(&ctx, "alias/kms-alarms-partial").await, None);
    assert!(!rotation_of(&ctx, &id).await.0);

    // The next `pulumi up` updates the recorded key with the same inputs: everything compared with AWS.
    let ctx = resource(&moto.ctx().await, "alarms-key");
    let updated = Key::update(&ctx, &id, &inputs, &recorded, &inputs)
        .await
        .expect("finish");
    assert_eq!(updated, recorded);
    assert_eq!(
        target_of(&ctx, "alias/kms-alarms-partial").await.as_deref(),
        Some(id.as_str())
    );
    assert_eq!(rotation_of(&ctx, &id).await, (true, Some(365)));
    let (read, _) = Key::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
    assert_eq!(key_count(&ctx).await, 1);
}

#[test]
fn kms_key_check_names_the_property_and_the_rule() {
    let fails = |i: KeyInputs| -> Vec<(String, String)> {
        Key::check(&CheckContext::default(), i)
            .expect_err("invalid")
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect()
    };
    let props = |i: KeyInputs| -> Vec<String> { fails(i).into_iter().map(|(p, _)| p).collect() };
    assert_eq!(props(raw("kms-alarms")), ["alias"]);
    let reserved = fails(raw("alias/aws/sns"));
    assert_eq!(reserved[0].0, "alias");
    assert!(reserved[0].1.contains("reserved"), "{reserved:?}");
    assert_eq!(props(raw("alias/has space")), ["alias"]);

    let mut i = raw("alias/k");
    i.key_usage = Some("SIGN_VERIFY".into());
    i.key_spec = Some("RSA_2048".into());
    i.rotation_period_in_days = Some(30);
    i.deletion_window_in_days = Some(3);
    i.description = Some("x".repeat(8193));
    assert_eq!(
        props(i),
        [
            "description",
            "keyUsage",
            "keySpec",
            "rotationPeriodInDays",
            "deletionWindowInDays"
        ]
    );
    let mut i = raw("alias/k");
    i.enable_key_rotation = Some(false);
    i.rotation_period_in_days = Some(365);
    let off = fails(i);
    assert_eq!(off[0].0, "rotationPeriodInDays");
    assert!(off[0].1.contains("enableKeyRotation"), "{off:?}");

    let mut i = raw("alias/k");
    i.service_users = Some(vec![
        "cloudwatch.amazonaws.com".into(),
        "arn:aws:iam::123456789012:root".into(),
        "events.example.com".into(),
    ]);
    assert_eq!(props(i), ["serviceUsers[1]", "serviceUsers[2]"]);

    let mut i = raw("alias/k");
    let mut policy = default_policy("aws", ACCOUNT);
    policy.statements.push(ResourcePolicyStatement {
        sid: Some(SERVICE_USERS_SID.into()),
        principal: Principal::default(),
        actions: vec!["Decrypt".into()],
        resources: vec!["*".into()],
        ..Default::default()
    });
    i.policy = Some(policy);
    i.tags = Some(BTreeMap::from([("aws:owner".to_string(), "x".to_string())]));
    assert_eq!(
        props(i),
        [
            "policy.statements[1].principal",
            "policy.statements[1].actions[0]",
            "policy.statements[1].sid",
            "tags"
        ]
    );
    assert!(Key::check(&CheckContext::default(), raw("alias/ok")).is_ok());
}
