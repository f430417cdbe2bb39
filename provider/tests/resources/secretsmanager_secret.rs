use std::collections::BTreeMap;

use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{CheckContext, CustomResource};
use orderapi::resources::secretsmanager::secret::{RotationRules, Secret, SecretInputs};

use super::ssm_parameter::{assert_conflict, assert_identity, other_resource, replacing};
use crate::moto::Moto;

fn raw(name: &str) -> SecretInputs {
    SecretInputs {
        name: Some(name.into()),
        description: Some("db password".into()),
        kms_key_id: None,
        secret_string: Some("s3cr3t-value".into()),
        rotation_lambda_arn: None,
        rotation_rules: None,
        recovery_window_in_days: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn inputs(name: &str) -> SecretInputs {
    Secret::check(&CheckContext::default(), raw(name)).expect("valid")
}

// moto does not run rotation Lambdas (RotateSecret needs a real function), so rotation is only checked here.
#[tokio::test]
async fn secretsmanager_secret_lifecycle_and_adoption() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("orders/db");
    let (id, outputs) = Secret::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, "orders/db");
    // The first version's id is the create's ClientRequestToken (derived without the value).
    let token = ctx.client_token(
        &SecretInputs {
            secret_string: None,
            ..inputs.clone()
        },
        64,
    );
    assert_eq!(outputs.version_id.as_deref(), Some(token.as_str()));
    assert_identity(&ctx, &outputs.tags_all);
    let live = ctx
        .aws
        .secretsmanager
        .describe_secret()
        .secret_id(&id)
        .send()
        .await
        .expect("describe");
    assert_identity(
        &ctx,
        &orderapi::resources::secretsmanager::tag_map(live.tags()),
    );
    let (read, read_out) = Secret::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
    assert!(!read.tags.expect("tags").contains_key(IDENTITY_TAG));
    assert_eq!(read_out, outputs);

    let mut changed = inputs.clone();
    changed.secret_string = Some("other".into());
    changed.description = Some("new".into());
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "core".to_string())]));
    let updated = Secret::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_ne!(updated.version_id, outputs.version_id);
    let (after, after_out) = Secret::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_out, updated);

    // The engine never recorded it (the answer was lost): the same context adopts it and brings it in line.
    let (again, again_out) = Secret::create(&ctx, &inputs).await.expect("adopt");
    assert_eq!(again, id);
    assert_eq!(again_out.tags_all, outputs.tags_all);
    let (read, _) = Secret::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
    let listed = ctx
        .aws
        .secretsmanager
        .list_secrets()
        .send()
        .await
        .expect("list");
    assert_eq!(listed.secret_list().len(), 1, "no duplicate");
    // The one a replacement replaces, another resource's, and a stranger's: conflicts naming the secret.
    let err = Secret::create(&replacing(&ctx, &id), &changed)
        .await
        .expect_err("recorded");
    assert_conflict(&err, &["'orders/db'", "replacing"]);
    let err = Secret::create(&other_resource(&ctx), &changed)
        .await
        .expect_err("other");
    assert_conflict(&err, &["'orders/db'", "another Pulumi resource"]);
    ctx.aws
        .secretsmanager
        .create_secret()
        .name("orders/stranger")
        .secret_string("x")
        .send()
        .await
        .expect("stranger");
    let err = Secret::create(&ctx, &self::inputs("orders/stranger"))
        .await
        .expect_err("stranger");
    assert_conflict(
        &err,
        &["'orders/stranger'", "not created by pulumi-orderapi"],
    );

    Secret::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    Secret::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("again");
    assert!(
        Secret::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
    // Force-deleted: the name is free again.
    Secret::create(&ctx, &changed).await.expect("recreate");
}

#[test]
fn secretsmanager_secret_check_names_the_property() {
    let fails = |i: SecretInputs| -> Vec<String> {
        Secret::check(&CheckContext::default(), i)
            .expect_err("invalid")
            .into_iter()
            .map(|f| f.property)
            .collect()
    };
    let mut i = raw("bad name!");
    assert_eq!(fails(i.clone()), ["name"]);
    i = raw("ok");
    i.recovery_window_in_days = Some(3);
    assert_eq!(fails(i), ["recoveryWindowInDays"]);
    let mut i = raw("ok");
    i.rotation_lambda_arn = Some("arn:aws:lambda:us-east-1:123456789012:function:rot".into());
    assert_eq!(fails(i.clone()), ["rotationRules"]);
    i.rotation_rules = Some(RotationRules {
        automatically_after_days: Some(1001),
        schedule_expression: None,
    });
    assert_eq!(fails(i), ["rotationRules.automaticallyAfterDays"]);
    let mut i = raw("ok");
    i.secret_string = Some("x".repeat(70_000));
    let failures = Secret::check(&CheckContext::default(), i).expect_err("too big");
    assert_eq!(failures[0].property, "secretString");
    assert!(
        !failures[0].reason.contains("xxxx"),
        "the value is never echoed"
    );
}
