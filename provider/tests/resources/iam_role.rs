//! `orderapi:iam:Role` against moto.
//!
//! What moto cannot show (and how the code handles real AWS anyway):
//! - IAM's eventual consistency: moto knows a role the instant CreateRole returns, so the `NoSuchEntity` retries
//!   of the follow-up calls (`iam::settle`, up to a minute) and the wait for the deleted role to disappear never
//!   loop here; a role being assumable only seconds after create is not observable at all.
//! - Real IAM rewrites an account-id principal (`123456789012`) to `arn:aws:iam::123456789012:root`; moto keeps
//!   the document as sent. `TrustPolicyDocument::reconcile_with` maps it back (unit-tested in `policy.rs`).
//! - Moto validates neither the trust policy on CreateRole nor sizes, names or ARNs the way IAM does: `check`
//!   rejects those itself (`role_check_rejects_what_iam_would`).
//! - DeleteConflict from a policy attached concurrently is not reproducible; the delete retries it within the
//!   timeout.

use std::collections::BTreeMap;

use orderapi::error::ResourceError;
use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::lifecycle::LEGACY_PENDING_TAG as PENDING_TAG;
use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::iam::policy::{
    Effect, PolicyDocument, PolicyStatement, Principal, TrustPolicyDocument, TrustStatement,
};
use orderapi::resources::iam::role::{Role, RoleInputs};
use orderapi::resources::iam::role_tags;
use orderapi::rpc::value::{PropertyMap, Value};

use super::ecs_cluster::{other_resource, replacing};
use crate::moto::Moto;

const ACCOUNT: &str = "123456789012";

fn read_objects(bucket: &str) -> PolicyDocument {
    PolicyDocument::new(vec![PolicyStatement {
        sid: Some("ReadOrders".into()),
        effect: Effect::Allow,
        // Unsorted on purpose: check sorts, and read must give back the sorted form.
        actions: vec!["s3:ListBucket".into(), "s3:GetObject".into()],
        resources: vec![
            format!("arn:aws:s3:::{bucket}/*"),
            format!("arn:aws:s3:::{bucket}"),
        ],
        condition: Some(BTreeMap::from([(
            "Bool".to_string(),
            BTreeMap::from([("aws:SecureTransport".to_string(), vec!["true".to_string()])]),
        )])),
    }])
}

fn raw(name: &str) -> RoleInputs {
    RoleInputs {
        name: Some(name.into()),
        path: Some("/orders/".into()),
        description: Some("Orders API task role".into()),
        assume_role_policy: TrustPolicyDocument::service("ecs-tasks.amazonaws.com"),
        inline_policies: Some(BTreeMap::from([(
            "read-orders".to_string(),
            read_objects("orders"),
        )])),
        managed_policy_arns: None,
        max_session_duration: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn checked(inputs: RoleInputs) -> RoleInputs {
    Role::check(&CheckContext::default(), inputs).expect("valid inputs")
}

/// A customer managed policy in moto (moto does not load AWS managed policies by default).
async fn managed_policy(ctx: &Context, name: &str) -> String {
    let doc = PolicyDocument::new(vec![PolicyStatement {
        sid: None,
        effect: Effect::Allow,
        actions: vec!["logs:PutLogEvents".into()],
        resources: vec!["*".into()],
        condition: None,
    }]);
    ctx.aws
        .iam
        .create_policy()
        .policy_name(name)
        .policy_document(doc.to_json_string())
        .send()
        .await
        .expect("create policy");
    format!("arn:aws:iam::{ACCOUNT}:policy/{name}")
}

async fn inline_names(ctx: &Context, name: &str) -> Vec<String> {
    let out = ctx
        .aws
        .iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .expect("list role policies");
    let mut names = out.policy_names().to_vec();
    names.sort();
    names
}

async fn attached(ctx: &Context, name: &str) -> Vec<String> {
    let out = ctx
        .aws
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .expect("list attached");
    let mut arns: Vec<String> = out
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect();
    arns.sort();
    arns
}

/// Asserts role `name` carries the ownership tag and the identity of `ctx`'s resource (and no legacy marker).
async fn assert_owned(ctx: &Context, name: &str) {
    let tags = role_tags(ctx, name).await.expect("tags");
    assert!(
        !tags.contains_key(PENDING_TAG),
        "{name} carries {PENDING_TAG}: {tags:?}"
    );
    assert_eq!(
        tags.get("ManagedBy").map(String::as_str),
        Some("pulumi-orderapi")
    );
    assert_eq!(
        tags.get(IDENTITY_TAG).map(String::as_str),
        Some(ctx.identity.as_str()),
        "{name}: {tags:?}"
    );
}

#[tokio::test]
async fn iam_role_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let logs_arn = managed_policy(&ctx, "orders-logs").await;
    let metrics_arn = managed_policy(&ctx, "orders-metrics").await;
    let mut declared = raw("orders-task-life");
    declared.managed_policy_arns = Some(vec![logs_arn.clone()]);
    let inputs = checked(declared);
    assert_eq!(inputs.max_session_duration, Some(3600));
    assert_eq!(
        inputs.inline_policies.as_ref().expect("inline")["read-orders"].statements[0].actions,
        vec!["s3:GetObject", "s3:ListBucket"]
    );

    let (id, outputs) = Role::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, "orders-task-life");
    assert_eq!(
        outputs.arn,
        format!("arn:aws:iam::{ACCOUNT}:role/orders/orders-task-life")
    );
    assert!(!outputs.unique_id.is_empty());
    assert_eq!(outputs.tags_all["ManagedBy"], "pulumi-orderapi");
    assert_eq!(outputs.tags_all["Team"], "orders");
    assert!(!outputs.tags_all.contains_key(PENDING_TAG));
    assert_eq!(outputs.tags_all[IDENTITY_TAG], ctx.identity.as_str());
    assert_owned(&ctx, &id).await;
    assert_eq!(inline_names(&ctx, &id).await, vec!["read-orders"]);
    assert_eq!(attached(&ctx, &id).await, vec![logs_arn.clone()]);

    // The trust policy IAM holds is the typed document's JSON (moto URL-encodes it like IAM).
    let live = ctx
        .aws
        .iam
        .get_role()
        .role_name(&id)
        .send()
        .await
        .expect("get role");
    let raw_doc = live
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .expect("trust policy")
        .to_string();
    assert!(raw_doc.starts_with("%7B"), "{raw_doc}");
    assert_eq!(
        TrustPolicyDocument::from_aws(&raw_doc),
        Ok(inputs.assume_role_policy.clone())
    );

    // Read gives back exactly the checked inputs (no drift right after create).
    let (read_inputs, read_outputs) = Role::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);
    // Import (no prior inputs) reads the same.
    let (imported, _) = Role::read(&ctx, &id, None)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(imported, inputs);

    // In place: trust, description, max session, inline policies (one changed, one added, one removed by
    // renaming), managed attachments swapped, tags.
    let mut changed = inputs.clone();
    changed.description = Some("Orders API task role (v2)".into());
    changed.max_session_duration = Some(7200);
    changed.assume_role_policy.statements.push(TrustStatement {
        sid: Some("Account".into()),
        effect: Effect::Allow,
        principal: Principal {
            aws: Some(vec![format!("arn:aws:iam::{ACCOUNT}:root")]),
            ..Default::default()
        },
        actions: vec!["sts:TagSession".into(), "sts:AssumeRole".into()],
        condition: Some(BTreeMap::from([(
            "StringEquals".to_string(),
            BTreeMap::from([("sts:ExternalId".to_string(), vec!["orders".to_string()])]),
        )])),
    });
    changed.inline_policies = Some(BTreeMap::from([
        ("read-archive".to_string(), read_objects("archive")),
        ("read-orders-v2".to_string(), read_objects("orders-v2")),
    ]));
    changed.managed_policy_arns = Some(vec![metrics_arn.clone()]);
    changed.tags = Some(BTreeMap::from([
        ("Team".to_string(), "payments".to_string()),
        ("Tier".to_string(), "core".to_string()),
    ]));
    let changed = checked(changed);
    let updated = Role::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(updated.tags_all["Team"], "payments");
    assert_eq!(updated.arn, outputs.arn);
    assert_eq!(
        inline_names(&ctx, &id).await,
        vec!["read-archive", "read-orders-v2"]
    );
    assert_eq!(attached(&ctx, &id).await, vec![metrics_arn.clone()]);
    let (after, after_outputs) = Role::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_outputs, updated);

    // Removing everything optional: description cleared, no inline or managed policies, no tags.
    let mut bare = changed.clone();
    bare.description = None;
    bare.inline_policies = None;
    bare.managed_policy_arns = None;
    bare.tags = None;
    let bare = checked(bare);
    let bare_outputs = Role::update(&ctx, &id, &changed, &updated, &bare)
        .await
        .expect("update to bare");
    assert!(inline_names(&ctx, &id).await.is_empty());
    assert!(attached(&ctx, &id).await.is_empty());
    let (after, _) = Role::read(&ctx, &id, Some(&bare))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, bare);

    // Delete also takes the role out of instance profiles and drops policies first.
    let mut with_all = bare.clone();
    with_all.inline_policies = changed.inline_policies.clone();
    with_all.managed_policy_arns = changed.managed_policy_arns.clone();
    let with_all_outputs = Role::update(&ctx, &id, &bare, &bare_outputs, &with_all)
        .await
        .expect("update back");
    ctx.aws
        .iam
        .create_instance_profile()
        .instance_profile_name("orders-profile")
        .send()
        .await
        .expect("instance profile");
    ctx.aws
        .iam
        .add_role_to_instance_profile()
        .instance_profile_name("orders-profile")
        .role_name(&id)
        .send()
        .await
        .expect("add role to profile");
    Role::delete(&ctx, &id, &with_all, &with_all_outputs)
        .await
        .expect("delete");
    Role::delete(&ctx, &id, &with_all, &with_all_outputs)
        .await
        .expect("second delete is a no-op");
    assert!(
        Role::read(&ctx, &id, Some(&with_all))
            .await
            .expect("read")
            .is_none()
    );
    // The managed policy itself is untouched (only detached).
    ctx.aws
        .iam
        .get_policy()
        .policy_arn(&metrics_arn)
        .send()
        .await
        .expect("policy still exists");
}

#[test]
fn role_name_and_path_replace_and_a_preview_diffs_what_up_sends() {
    let adapter = Adapter::<Role>::default();
    let props = |inputs: &RoleInputs| -> PropertyMap {
        match Value::from_serialize(inputs).expect("encode") {
            Value::Object(m) => m,
            other => panic!("not an object: {other:?}"),
        }
    };
    let old = checked(raw("orders-task"));
    let mut renamed = old.clone();
    renamed.name = Some("orders-task-2".into());
    let diff = adapter.diff(&props(&old), &props(&renamed), &[]);
    assert_eq!(diff.replaces, vec!["name"]);
    // A new name can coexist with the old role: created first, so tasks never run on a deleted role.
    assert!(!diff.delete_before_replace);
    let mut moved = old.clone();
    moved.path = Some("/other/".into());
    assert_eq!(
        adapter.diff(&props(&old), &props(&moved), &[]).replaces,
        vec!["path"]
    );
    let moved_diff = adapter.diff(&props(&old), &props(&moved), &[]);
    assert!(
        moved_diff.delete_before_replace,
        "same name: the old role goes first"
    );
    // At preview an inline policy naming a resource being created is unknown; the role's defaults (path `/`,
    // maxSessionDuration) still apply, so the preview shows the in-place update up will make, not a replacement.
    let mut declared = raw("orders-task");
    declared.path = None;
    let recorded = props(&checked(declared.clone()));
    let mut news = props(&declared);
    news.insert("inlinePolicies".into(), Value::Unknown);
    let checked_news = adapter.check(&CheckContext::default(), news);
    assert!(
        checked_news.failures.is_empty(),
        "{:?}",
        checked_news.failures
    );
    let preview = adapter.diff(&recorded, &checked_news.inputs, &[]);
    assert!(preview.replaces.is_empty(), "{preview:?}");
    assert_eq!(preview.changed, vec!["inlinePolicies"]);
    // Everything else is in place.
    let mut in_place = old.clone();
    in_place.max_session_duration = Some(43200);
    in_place.description = None;
    in_place.inline_policies = None;
    in_place.assume_role_policy = TrustPolicyDocument::service("lambda.amazonaws.com");
    let diff = adapter.diff(&props(&old), &props(&in_place), &[]);
    assert!(diff.replaces.is_empty(), "{diff:?}");
    assert_eq!(
        diff.changed,
        vec![
            "assumeRolePolicy",
            "description",
            "inlinePolicies",
            "maxSessionDuration"
        ]
    );
}

#[tokio::test]
async fn iam_role_create_adopts_only_its_own_unrecorded_orphan() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = checked(raw("orders-task-adopt"));
    let (name, first) = Role::create(&ctx, &inputs).await.expect("first create");
    // The engine never recorded the first create (its answer was lost); meanwhile something added an inline
    // policy and the program changed the tags.
    ctx.aws
        .iam
        .put_role_policy()
        .role_name(&name)
        .policy_name("stray")
        .policy_document(read_objects("stray").to_json_string())
        .send()
        .await
        .expect("stray policy");
    let mut retagged = inputs.clone();
    retagged.tags = Some(BTreeMap::from([("Tier".to_string(), "core".to_string())]));
    let (adopted, second) = Role::create(&ctx, &retagged).await.expect("retried create");
    assert_eq!(adopted, name);
    assert_eq!(
        second.unique_id, first.unique_id,
        "the retried create must adopt the same role"
    );
    assert_eq!(second.arn, first.arn);
    assert_owned(&ctx, &name).await;
    assert_eq!(inline_names(&ctx, &name).await, vec!["read-orders"]);
    let (read_inputs, _) = Role::read(&ctx, &name, Some(&retagged))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, retagged, "adopted and brought in line");

    // The role the engine records (a replacement) is never adopted: IAM names are unique, so it is a conflict
    // that points at deleteBeforeReplace.
    let err = Role::create(&replacing(&ctx, &name), &retagged)
        .await
        .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("'orders-task-adopt'"), "{err}");
    assert!(err.to_string().contains("deleteBeforeReplace"), "{err}");

    // Made for another Pulumi resource: a conflict.
    let err = Role::create(&other_resource(&ctx), &retagged)
        .await
        .expect_err("another resource's");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("'orders-task-adopt'"), "{err}");
    assert!(err.to_string().contains("another Pulumi resource"), "{err}");

    // An orphan under another path cannot be this resource's (a path cannot change).
    let mut other_path = retagged.clone();
    other_path.path = Some("/elsewhere/".into());
    let err = Role::create(&ctx, &other_path)
        .await
        .expect_err("path conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("path"), "{err}");

    // A same-named role without the ownership tag is a stranger.
    ctx.aws
        .iam
        .create_role()
        .role_name("orders-task-stranger")
        .assume_role_policy_document(inputs.assume_role_policy.to_json_string())
        .send()
        .await
        .expect("stranger");
    let err = Role::create(&ctx, &checked(raw("orders-task-stranger")))
        .await
        .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("'orders-task-stranger'"), "{err}");
    assert!(
        err.to_string().contains("not created by pulumi-orderapi"),
        "{err}"
    );
    let listed = ctx.aws.iam.list_roles().send().await.expect("roles");
    assert_eq!(listed.roles().len(), 2, "no duplicate");
}

#[tokio::test]
async fn iam_role_failed_attach_is_a_partial_create_the_next_update_finishes() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let mut declared = raw("orders-task-partial");
    declared.managed_policy_arns = Some(vec![format!("arn:aws:iam::{ACCOUNT}:policy/missing")]);
    let inputs = checked(declared);
    let started = std::time::Instant::now();
    let err = Role::create(&ctx, &inputs)
        .await
        .expect_err("missing policy");
    // A missing policy is the program's error, not IAM's eventual consistency: no minute of retries.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let ResourceError::Partial {
        id,
        outputs,
        source,
    } = err
    else {
        panic!("expected a partial create, got {err}");
    };
    assert_eq!(id, "orders-task-partial");
    assert_eq!(source.code(), Some("NoSuchEntity"));
    assert_eq!(outputs["tagsAll"][IDENTITY_TAG], ctx.identity.as_str());
    assert!(
        outputs["arn"]
            .as_str()
            .is_some_and(|a| a.ends_with(":role/orders/orders-task-partial"))
    );
    let recorded: orderapi::resources::iam::role::RoleOutputs =
        serde_json::from_value(outputs).expect("outputs decode");

    // The next `pulumi up` runs Update from the recorded state with fixed inputs: it attaches the fixed policy.
    let metrics_arn = managed_policy(&ctx, "orders-metrics").await;
    let mut fixed = inputs.clone();
    fixed.managed_policy_arns = Some(vec![metrics_arn.clone()]);
    let updated = Role::update(&ctx, &id, &inputs, &recorded, &fixed)
        .await
        .expect("update");
    assert_eq!(updated.tags_all[IDENTITY_TAG], ctx.identity.as_str());
    assert_owned(&ctx, &id).await;
    assert_eq!(attached(&ctx, &id).await, vec![metrics_arn]);
    let (read_inputs, _) = Role::read(&ctx, &id, Some(&fixed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, fixed);
}

#[test]
fn role_check_rejects_what_iam_would() {
    let mut bad = raw("has space");
    bad.path = Some("orders".into());
    bad.max_session_duration = Some(100);
    bad.description = Some("x".repeat(1001));
    bad.assume_role_policy.statements[0].actions = vec!["s3:GetObject".into()];
    bad.assume_role_policy.statements[0].principal = Principal::default();
    let mut broken = read_objects("orders");
    broken.statements[0].actions = vec!["GetObject".into()];
    broken.statements[0].resources = vec!["orders-bucket".into()];
    bad.inline_policies = Some(BTreeMap::from([
        ("bad name".to_string(), read_objects("a")),
        ("broken".to_string(), broken),
        ("empty".to_string(), PolicyDocument::new(vec![])),
    ]));
    bad.managed_policy_arns = Some(vec!["AmazonS3ReadOnlyAccess".into()]);
    bad.tags = Some(BTreeMap::from([("aws:owner".to_string(), "x".to_string())]));
    let failures = Role::check(&CheckContext::default(), bad).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(
        props,
        vec![
            "name",
            "path",
            "description",
            "maxSessionDuration",
            "assumeRolePolicy.statements[0].actions[0]",
            "assumeRolePolicy.statements[0].principal",
            "inlinePolicies[\"bad name\"]",
            "inlinePolicies[\"broken\"].statements[0].actions[0]",
            "inlinePolicies[\"broken\"].statements[0].resources[0]",
            "inlinePolicies[\"empty\"].statements",
            "managedPolicyArns[0]",
            "tags",
        ],
        "{failures:?}"
    );

    // IAM's size limits: 2048 characters of trust policy, 10240 of inline policies together.
    let mut big = raw("orders-big");
    big.assume_role_policy.statements[0].principal.service = Some(
        (0..120)
            .map(|i| format!("service{i}.amazonaws.com"))
            .collect(),
    );
    let many: Vec<String> = (0..400)
        .map(|i| format!("arn:aws:s3:::bucket-{i}"))
        .collect();
    let mut huge = read_objects("orders");
    huge.statements[0].resources = many;
    big.inline_policies = Some(BTreeMap::from([("huge".to_string(), huge)]));
    big.max_session_duration = Some(43201);
    let failures = Role::check(&CheckContext::default(), big).expect_err("too big");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(
        props,
        vec!["maxSessionDuration", "assumeRolePolicy", "inlinePolicies"],
        "{failures:?}"
    );

    // Autonaming stays within IAM's charset and 64 characters.
    let mut unnamed = raw("x");
    unnamed.name = None;
    let ctx = CheckContext {
        name: "orders api/task role".repeat(5),
        random_seed: vec![1, 2, 3, 4],
        prior_name: None,
    };
    let named = Role::check(&ctx, unnamed).expect("autonamed");
    let name = named.name.expect("name");
    assert!(
        name.len() <= 64 && !name.contains(' ') && !name.contains('/'),
        "{name}"
    );
    // Defaults are filled so read matches: path `/`, max session 3600, trust/inline document version.
    let defaults = checked(RoleInputs {
        path: None,
        ..raw("orders-defaults")
    });
    assert_eq!(defaults.path.as_deref(), Some("/"));
    assert_eq!(defaults.max_session_duration, Some(3600));
    assert_eq!(
        defaults.assume_role_policy.version.as_deref(),
        Some("2012-10-17")
    );
}
