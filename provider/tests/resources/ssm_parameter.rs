use std::collections::BTreeMap;

use orderapi::error::ResourceError;
use orderapi::resource::{Adapter, CheckContext, CustomResource, DynResource};
use orderapi::resources::ssm::parameter::{Parameter, ParameterInputs};
use orderapi::resources::ssm::{PENDING_TAG, live_tags};
use orderapi::rpc::value::{PropertyMap, Value};

use crate::moto::Moto;

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
    assert!(
        !live_tags(&ctx.aws, &id)
            .await
            .expect("tags")
            .contains_key(PENDING_TAG)
    );
    let (read, read_out) = Parameter::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
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

    ctx.aws
        .ssm
        .add_tags_to_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
        .resource_id(&id)
        .tags(
            aws_sdk_ssm::types::Tag::builder()
                .key(PENDING_TAG)
                .value("true")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("marker");
    let (again, _) = Parameter::create(&ctx, &changed).await.expect("adopt");
    assert_eq!(again, id);
    let err = Parameter::create(&ctx, &changed)
        .await
        .expect_err("recorded");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");

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
