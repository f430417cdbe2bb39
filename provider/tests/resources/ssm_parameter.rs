use std::collections::BTreeMap;

use orderapi::error::ResourceError;
use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::ssm::live_tags;
use orderapi::resources::ssm::parameter::{Parameter, ParameterInputs};
use orderapi::rpc::value::{PropertyMap, Value};

use crate::moto::Moto;

pub use super::ec2_identity::{other_resource, replacing};

/// Asserts `err` is a conflict whose message holds every one of `needles`.
pub fn assert_conflict(err: &ResourceError, needles: &[&str]) {
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    let text = err.to_string();
    for n in needles {
        assert!(text.contains(n), "'{n}' not in: {text}");
    }
}

/// Asserts the live tags carry `ctx`'s identity and the ownership tag.
pub fn assert_identity(ctx: &Context, live: &BTreeMap<String, String>) {
    assert_eq!(
        live.get(IDENTITY_TAG).map(String::as_str),
        Some(ctx.identity.as_str()),
        "{live:?}"
    );
    assert_eq!(
        live.get("ManagedBy").map(String::as_str),
        Some("pulumi-orderapi")
    );
}

fn raw(name: &str) -> ParameterInputs {
    ParameterInputs {
        name: Some(name.into()),
        parameter_type: "SecureString".into(),
        value: "hunter2".into(),
        tier: None,
        description: Some("db url".into()),
        allowed_pattern: None,
        data_type: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn inputs(name: &str) -> ParameterInputs {
    Parameter::check(&CheckContext::default(), raw(name)).expect("valid")
}

#[tokio::test]
async fn ssm_parameter_lifecycle_and_adoption() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("/orders/db-url");
    let (id, outputs) = Parameter::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, "/orders/db-url");
    assert_eq!(outputs.version, 1);
    assert_identity(&ctx, &live_tags(&ctx.aws, &id).await.expect("tags"));
    assert_identity(&ctx, &outputs.tags_all);
    let (read, read_out) = Parameter::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
    assert!(!read.tags.expect("tags").contains_key(IDENTITY_TAG));
    assert_eq!(read_out, outputs);

    let mut changed = inputs.clone();
    changed.value = "hunter3".into();
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "core".to_string())]));
    let updated = Parameter::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(updated.version, 2);
    let (after, after_out) = Parameter::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_out, updated);

    // The engine never recorded it (the answer was lost): a create with the same context adopts it and brings
    // value and tags to the declared ones.
    let (again, again_out) = Parameter::create(&ctx, &inputs).await.expect("adopt");
    assert_eq!(again, id);
    assert_eq!(again_out.tags_all, outputs.tags_all);
    let (read, _) = Parameter::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
    // The one a replacement replaces is never adopted: names are unique, so it is a conflict.
    let err = Parameter::create(&replacing(&ctx, &id), &changed)
        .await
        .expect_err("recorded");
    assert_conflict(&err, &["/orders/db-url", "replacing"]);
    // Another resource's parameter, and one made without this provider.
    let err = Parameter::create(&other_resource(&ctx), &changed)
        .await
        .expect_err("other");
    assert_conflict(&err, &["/orders/db-url", "another Pulumi resource"]);
    ctx.aws
        .ssm
        .put_parameter()
        .name("/orders/stranger")
        .value("x")
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .expect("stranger");
    let err = Parameter::create(&ctx, &self::inputs("/orders/stranger"))
        .await
        .expect_err("stranger");
    assert_conflict(
        &err,
        &["/orders/stranger", "not created by pulumi-orderapi"],
    );

    Parameter::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    Parameter::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("again");
    assert!(
        Parameter::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
}

#[test]
fn ssm_parameter_check_and_diff() {
    let fails = |i: ParameterInputs| -> Vec<String> {
        Parameter::check(&CheckContext::default(), i)
            .expect_err("invalid")
            .into_iter()
            .map(|f| f.property)
            .collect()
    };
    for bad in ["a/b", "/awsx/y", "ssm-x", "/a//b", "bad name"] {
        assert_eq!(fails(raw(bad)), ["name"], "{bad}");
    }
    let mut i = raw("/x");
    i.parameter_type = "Number".into();
    assert_eq!(fails(i), ["type"]);
    let mut i = raw("/x");
    i.value = "v".repeat(4097);
    assert_eq!(fails(i.clone()), ["value"]);
    i.tier = Some("Advanced".into());
    assert!(Parameter::check(&CheckContext::default(), i).is_ok());
    let mut i = raw("/x");
    i.tier = Some("Premium".into());
    assert_eq!(fails(i), ["tier"]);

    let props = |t: &str| -> PropertyMap {
        PropertyMap::from([
            ("name".to_string(), Value::from("/x")),
            ("type".to_string(), Value::from(t)),
            ("value".to_string(), Value::from("v")),
        ])
    };
    let d = Adapter::<Parameter>::default().diff(&props("String"), &props("SecureString"), &[]);
    assert_eq!(d.replaces, ["type"]);
}
