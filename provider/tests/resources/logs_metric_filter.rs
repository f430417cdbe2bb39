use std::collections::BTreeMap;

use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::logs::metric_filter::{
    MetricFilter, MetricFilterInputs, MetricFilterTransformation, filter_id,
};
use orderapi::rpc::value::{PropertyMap, Value};

use super::ssm_parameter::{assert_conflict, other_resource, replacing};
use crate::moto::Moto;

const GROUP: &str = "/ecs/orders-api";

fn raw(name: &str) -> MetricFilterInputs {
    MetricFilterInputs {
        log_group_name: GROUP.into(),
        name: Some(name.into()),
        filter_pattern: r#"{ $.level = "ERROR" }"#.into(),
        metric_transformation: MetricFilterTransformation {
            metric_name: "Errors".into(),
            metric_namespace: "OrderApi".into(),
            metric_value: "1".into(),
            default_value: Some(0.0),
            unit: Some("Count".into()),
            dimensions: None,
        },
    }
}

fn inputs(name: &str) -> MetricFilterInputs {
    MetricFilter::check(&CheckContext::default(), raw(name)).expect("valid inputs")
}

async fn log_group(ctx: &Context) {
    ctx.aws
        .logs
        .create_log_group()
        .log_group_name(GROUP)
        .send()
        .await
        .expect("log group");
}

/// How many filters named `name` moto lists (AWS holds at most one).
async fn listed(ctx: &Context, name: &str) -> usize {
    ctx.aws
        .logs
        .describe_metric_filters()
        .log_group_name(GROUP)
        .filter_name_prefix(name)
        .send()
        .await
        .expect("describe")
        .metric_filters()
        .iter()
        .filter(|f| f.filter_name() == Some(name))
        .count()
}

#[tokio::test]
async fn logs_metric_filter_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    log_group(&ctx).await;
    let inputs = inputs("errors");

    let (id, outputs) = MetricFilter::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, filter_id(GROUP, "errors"));
    assert_eq!(id, "/ecs/orders-api:errors");

    let (read_inputs, _) = MetricFilter::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);

    // In place (PutMetricFilter is an upsert): another pattern, a latency value with dimensions and a unit.
    // moto appends a second filter of the same name instead of replacing it; read takes the last one put (AWS
    // holds exactly one), and delete repeats until none is listed.
    let mut changed = inputs.clone();
    changed.filter_pattern = "{ $.latencyMs = * }".into();
    changed.metric_transformation = MetricFilterTransformation {
        metric_name: "Latency".into(),
        metric_namespace: "OrderApi".into(),
        metric_value: "$.latencyMs".into(),
        default_value: None,
        unit: Some("Milliseconds".into()),
        dimensions: Some(BTreeMap::from([(
            "Route".to_string(),
            "$.route".to_string(),
        )])),
    };
    let changed = MetricFilter::check(&CheckContext::default(), changed).expect("valid");
    let updated = MetricFilter::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    let (after, _) = MetricFilter::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);

    MetricFilter::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    assert_eq!(listed(&ctx, "errors").await, 0);
    MetricFilter::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        MetricFilter::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
}

/// Metric filters carry no tags: their identity is their content. A create that finds the identical filter (a
/// create whose answer was lost, or a crash right after the single PutMetricFilter call) adopts it, without putting
/// it again; the one a replacement replaces, and a different same-named filter (another resource's, or made
/// without this provider) are conflicts, never overwritten. An identical filter recorded in another stack cannot be
/// told apart from a crashed create here; on AWS the same holds.
#[tokio::test]
async fn logs_metric_filter_create_adopts_an_identical_filter_and_refuses_another() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    log_group(&ctx).await;
    let inputs = inputs("errors");
    let (id, _) = MetricFilter::create(&ctx, &inputs)
        .await
        .expect("first create");
    let (again, _) = MetricFilter::create(&ctx, &inputs)
        .await
        .expect("retried create");
    assert_eq!(again, id);
    assert_eq!(listed(&ctx, "errors").await, 1, "adopted, not put again");

    let err = MetricFilter::create(&replacing(&ctx, &id), &inputs)
        .await
        .expect_err("recorded");
    assert_conflict(&err, &["'errors'", "replacing"]);
    assert_eq!(listed(&ctx, "errors").await, 1);

    let mut other = inputs.clone();
    other.filter_pattern = "WARN".into();
    let err = MetricFilter::create(&other_resource(&ctx), &other)
        .await
        .expect_err("conflict");
    assert_conflict(&err, &["'errors'", GROUP, "another definition"]);

    // Made without this provider.
    ctx.aws
        .logs
        .put_metric_filter()
        .log_group_name(GROUP)
        .filter_name("stranger")
        .filter_pattern("WARN")
        .metric_transformations(
            aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                .metric_name("Warnings")
                .metric_namespace("Other")
                .metric_value("1")
                .build()
                .expect("transformation"),
        )
        .send()
        .await
        .expect("stranger");
    let err = MetricFilter::create(&ctx, &self::inputs("stranger"))
        .await
        .expect_err("conflict");
    assert_conflict(&err, &["'stranger'", "another definition"]);
    assert_eq!(listed(&ctx, "stranger").await, 1, "not overwritten");
}

fn props(pairs: &[(&str, Value)]) -> PropertyMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn logs_metric_filter_identity_replaces_delete_first_pattern_in_place() {
    let adapter = Adapter::<MetricFilter>::default();
    let olds = props(&[
        ("logGroupName", "/a".into()),
        ("name", "errors".into()),
        ("filterPattern", "ERROR".into()),
    ]);
    let moved = adapter.diff(
        &olds,
        &props(&[
            ("logGroupName", "/b".into()),
            ("name", "errors".into()),
            ("filterPattern", "ERROR".into()),
        ]),
        &[],
    );
    assert_eq!(moved.replaces, vec!["logGroupName"]);
    assert!(moved.delete_before_replace);
    let pattern = adapter.diff(
        &olds,
        &props(&[
            ("logGroupName", "/a".into()),
            ("name", "errors".into()),
            ("filterPattern", "WARN".into()),
        ]),
        &[],
    );
    assert_eq!(pattern.changed, vec!["filterPattern"]);
    assert!(pattern.replaces.is_empty());
}

#[test]
fn logs_metric_filter_check_rejects_what_aws_would() {
    let mut bad = raw("bad:name*");
    bad.log_group_name = "has space".into();
    bad.filter_pattern = "x".repeat(1025);
    bad.metric_transformation = MetricFilterTransformation {
        metric_name: "a:b".into(),
        metric_namespace: "AWS/Logs".into(),
        metric_value: "lots".into(),
        default_value: Some(0.0),
        unit: Some("Parsecs".into()),
        dimensions: Some(BTreeMap::from([
            ("A".to_string(), "$.a".to_string()),
            ("B".to_string(), "$.b".to_string()),
            ("C".to_string(), "$.c".to_string()),
            ("D".to_string(), "d".to_string()),
        ])),
    };
    let failures = MetricFilter::check(&CheckContext::default(), bad).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(
        props,
        vec![
            "logGroupName",
            "name",
            "filterPattern",
            "metricTransformation.metricName",
            "metricTransformation.metricNamespace",
            "metricTransformation.metricValue",
            "metricTransformation.unit",
            "metricTransformation.dimensions",
            "metricTransformation.defaultValue",
            "metricTransformation.dimensions",
        ]
    );
    // Defaults: unit None (what AWS reports for a filter without one); empty dimensions are no dimensions.
    let mut plain = raw("plain");
    plain.metric_transformation.unit = None;
    plain.metric_transformation.dimensions = Some(BTreeMap::new());
    let plain = MetricFilter::check(&CheckContext::default(), plain).expect("valid");
    assert_eq!(plain.metric_transformation.unit.as_deref(), Some("None"));
    assert_eq!(plain.metric_transformation.dimensions, None);
    // An empty pattern (every event) and a field value are fine.
    let mut every = raw("every");
    every.filter_pattern = String::new();
    every.metric_transformation.metric_value = "$latency".into();
    assert!(MetricFilter::check(&CheckContext::default(), every).is_ok());
}
