use std::collections::BTreeMap;

use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::sns::live_tags;
use orderapi::resources::sns::topic::{Topic, TopicInputs, TopicSubscription};
use orderapi::rpc::value::{PropertyMap, Value};

use super::ssm_parameter::{assert_conflict, assert_identity, other_resource, replacing};
use crate::moto::Moto;

const QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:orders-events";
const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:notify";

fn sub(protocol: &str, endpoint: &str) -> TopicSubscription {
    TopicSubscription {
        protocol: protocol.into(),
        endpoint: endpoint.into(),
    }
}

fn raw(name: &str) -> TopicInputs {
    TopicInputs {
        name: Some(name.into()),
        fifo_topic: None,
        kms_master_key_id: None,
        subscriptions: Some(vec![
            sub("sqs", QUEUE),
            sub("https", "https://hooks.example.com/orders"),
        ]),
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn inputs(name: &str) -> TopicInputs {
    Topic::check(&CheckContext::default(), raw(name)).expect("valid inputs")
}

async fn assert_finished(ctx: &Context, arn: &str) {
    assert_identity(ctx, &live_tags(&ctx.aws, arn).await.expect("tags"));
}

#[tokio::test]
async fn sns_topic_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("orders-events");
    // check sorts the subscriptions (https before sqs).
    assert_eq!(
        inputs.subscriptions.as_ref().expect("subs")[0].protocol,
        "https"
    );

    let (id, outputs) = Topic::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, "arn:aws:sns:us-east-1:123456789012:orders-events");
    assert_eq!(outputs.arn, id);
    assert_eq!(outputs.subscription_arns.len(), 2);
    assert_eq!(outputs.tags_all["Team"], "orders");
    assert_finished(&ctx, &id).await;

    let (read_inputs, read_outputs) = Topic::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // In place: a subscription swapped, a KMS key, other tags.
    let mut changed = raw("orders-events");
    changed.subscriptions = Some(vec![sub("sqs", QUEUE), sub("lambda", FUNCTION)]);
    changed.kms_master_key_id = Some("alias/aws/sns".into());
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "core".to_string())]));
    let changed = Topic::check(&CheckContext::default(), changed).expect("valid");
    let updated = Topic::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    let (after, after_outputs) = Topic::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_outputs, updated);
    assert!(!updated.tags_all.contains_key("Team"));
    // The sqs subscription was kept, not re-created.
    assert!(
        updated
            .subscription_arns
            .contains(&outputs.subscription_arns[1])
    );

    Topic::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    Topic::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        Topic::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn sns_topic_create_adopts_only_its_orphan_and_refuses_others() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("orders-adopt");
    let (id, first) = Topic::create(&ctx, &inputs).await.expect("first create");
    let (read_inputs, _) = Topic::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert!(!read_inputs.tags.expect("tags").contains_key(IDENTITY_TAG));
    // The engine never recorded it (the answer was lost): the retried create with the same context adopts it.
    let (adopted, second) = Topic::create(&ctx, &inputs).await.expect("retried create");
    assert_eq!(adopted, id);
    assert_eq!(second, first, "same topic, same subscriptions");
    assert_finished(&ctx, &id).await;
    let topics = ctx.aws.sns.list_topics().send().await.expect("list");
    assert_eq!(topics.topics().len(), 1, "no duplicate");

    // The one a replacement replaces is never adopted: names are unique, so it is a conflict.
    let err = Topic::create(&replacing(&ctx, &id), &inputs)
        .await
        .expect_err("recorded");
    assert_conflict(&err, &["'orders-adopt'", "deleteBeforeReplace"]);
    // Another resource's topic.
    let err = Topic::create(&other_resource(&ctx), &inputs)
        .await
        .expect_err("other");
    assert_conflict(&err, &["'orders-adopt'", "another Pulumi resource"]);

    // A same-named topic we do not own is a conflict (CreateTopic alone would silently return it).
    ctx.aws
        .sns
        .create_topic()
        .name("stranger")
        .send()
        .await
        .expect("stranger");
    let err = Topic::create(&ctx, &self::inputs("stranger"))
        .await
        .expect_err("conflict");
    assert_conflict(&err, &["'stranger'", "not created by pulumi-orderapi"]);
}

/// moto confirms nothing by email; on AWS an email subscription stays `PendingConfirmation` (no ARN) until the
/// recipient confirms, and `update` cannot unsubscribe it (SNS drops it after three days). moto's answer for an
/// email subscription is accepted either way here.
#[tokio::test]
async fn sns_topic_email_subscription() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let mut raw = raw("orders-mail");
    raw.subscriptions = Some(vec![sub("email", "ops@example.com")]);
    let inputs = Topic::check(&CheckContext::default(), raw).expect("valid");
    let (id, outputs) = Topic::create(&ctx, &inputs).await.expect("create");
    assert_eq!(outputs.subscription_arns.len(), 1);
    let (read_inputs, _) = Topic::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
}

fn props(pairs: &[(&str, Value)]) -> PropertyMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn sns_topic_rename_replaces_creating_first_key_in_place() {
    let adapter = Adapter::<Topic>::default();
    let olds = props(&[("name", "a".into())]);
    let renamed = adapter.diff(&olds, &props(&[("name", "b".into())]), &[]);
    assert_eq!(renamed.replaces, vec!["name"]);
    // The new name can coexist with the old: created first; under the same name the old goes first.
    assert!(!renamed.delete_before_replace);
    assert!(adapter.diff(&olds, &olds, &[]).delete_before_replace);
    let in_place = adapter.diff(
        &olds,
        &props(&[
            ("name", "a".into()),
            ("kmsMasterKeyId", "alias/aws/sns".into()),
        ]),
        &[],
    );
    assert_eq!(in_place.changed, vec!["kmsMasterKeyId"]);
    assert!(in_place.replaces.is_empty());
}

#[test]
fn sns_topic_check_rejects_what_aws_would() {
    let props_of = |inputs: TopicInputs| -> Vec<String> {
        Topic::check(&CheckContext::default(), inputs)
            .expect_err("invalid")
            .into_iter()
            .map(|f| f.property)
            .collect()
    };
    let mut bad = raw("has space");
    bad.subscriptions = Some(vec![
        sub("email", "not-an-address"),
        sub("https", "http://plain.example.com"),
        sub("sqs", "arn:aws:sns:us-east-1:123456789012:x"),
        sub("lambda", "arn:aws:lambda:us-east-1:123456789012:layer:x"),
        sub("sms", "+15555550100"),
    ]);
    bad.tags = Some(BTreeMap::from([("aws:x".to_string(), "y".to_string())]));
    assert_eq!(
        props_of(bad),
        vec![
            "name",
            "subscriptions",
            "subscriptions",
            "subscriptions",
            "subscriptions",
            "subscriptions",
            "tags"
        ]
    );
    assert_eq!(props_of(raw(&"a".repeat(257))), vec!["name"]);
    // .fifo only on a FIFO topic, and a FIFO topic needs it.
    assert_eq!(props_of(raw("orders.fifo")), vec!["name"]);
    let mut fifo = raw("orders");
    fifo.fifo_topic = Some(true);
    fifo.subscriptions = None;
    assert_eq!(props_of(fifo.clone()), vec!["name"]);
    fifo.name = Some("orders.fifo".into());
    assert!(Topic::check(&CheckContext::default(), fifo).is_ok());
    let mut dup = raw("orders");
    dup.subscriptions = Some(vec![sub("sqs", QUEUE), sub("sqs", QUEUE)]);
    assert_eq!(props_of(dup), vec!["subscriptions"]);
    // Autonamed FIFO topics get the suffix.
    let ctx = CheckContext {
        name: "events".into(),
        random_seed: vec![1, 2, 3, 4],
        prior_name: None,
    };
    let mut auto = raw("x");
    auto.name = None;
    auto.fifo_topic = Some(true);
    auto.subscriptions = None;
    let checked = Topic::check(&ctx, auto).expect("valid");
    assert_eq!(checked.name.as_deref(), Some("events-0102030.fifo"));
}
