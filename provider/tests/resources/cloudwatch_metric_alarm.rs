use std::collections::BTreeMap;

use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::cloudwatch::live_tags;
use orderapi::resources::cloudwatch::metric_alarm::{
    AlarmMetric, AlarmMetricStat, AlarmQuery, MetricAlarm, MetricAlarmInputs,
};
use orderapi::rpc::value::{PropertyMap, Value};

use super::ssm_parameter::{assert_conflict, assert_identity, other_resource, replacing};
use crate::moto::Moto;

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:alerts";

fn raw(name: &str) -> MetricAlarmInputs {
    MetricAlarmInputs {
        alarm_name: Some(name.into()),
        alarm_description: Some("5xx from the orders API".into()),
        namespace: Some("AWS/ApplicationELB".into()),
        metric_name: Some("HTTPCode_Target_5XX_Count".into()),
        dimensions: Some(BTreeMap::from([(
            "LoadBalancer".to_string(),
            "app/orders/123".to_string(),
        )])),
        statistic: Some("Sum".into()),
        extended_statistic: None,
        period: Some(60),
        metrics: None,
        threshold: 5.0,
        comparison_operator: "GreaterThanThreshold".into(),
        evaluation_periods: 3,
        datapoints_to_alarm: Some(2),
        treat_missing_data: Some("notBreaching".into()),
        actions_enabled: None,
        alarm_actions: Some(vec![TOPIC.into()]),
        ok_actions: None,
        insufficient_data_actions: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn inputs(name: &str) -> MetricAlarmInputs {
    MetricAlarm::check(&CheckContext::default(), raw(name)).expect("valid inputs")
}

fn math(name: &str) -> MetricAlarmInputs {
    let stat = |id: &str, metric: &str| AlarmQuery {
        id: id.into(),
        expression: None,
        metric_stat: Some(AlarmMetricStat {
            metric: AlarmMetric {
                namespace: "AWS/ApplicationELB".into(),
                metric_name: metric.into(),
                dimensions: Some(BTreeMap::from([(
                    "LoadBalancer".to_string(),
                    "app/orders/123".to_string(),
                )])),
            },
            period: 60,
            stat: "Sum".into(),
        }),
        label: None,
        return_data: None,
    };
    MetricAlarmInputs {
        namespace: None,
        metric_name: None,
        dimensions: None,
        statistic: None,
        period: None,
        metrics: Some(vec![
            stat("errors", "HTTPCode_Target_5XX_Count"),
            stat("requests", "RequestCount"),
            AlarmQuery {
                id: "rate".into(),
                expression: Some("100 * errors / requests".into()),
                metric_stat: None,
                label: Some("5xx rate".into()),
                return_data: Some(true),
            },
        ]),
        ..raw(name)
    }
}

async fn assert_finished(ctx: &Context, arn: &str) {
    assert_identity(ctx, &live_tags(&ctx.aws, arn).await.expect("tags"));
}

/// aws-sdk-cloudwatch speaks the Smithy RPC v2 CBOR protocol, which moto 5.2.5 does not serve; the project's
/// emulator patch (emulator/cloudwatch_rpcv2_cbor.py) translates it to moto's JSON CloudWatch.
#[tokio::test]
async fn cloudwatch_metric_alarm_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("orders-5xx");

    let (id, outputs) = MetricAlarm::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, "orders-5xx");
    assert_eq!(
        outputs.arn,
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-5xx"
    );
    assert_eq!(outputs.tags_all["Team"], "orders");
    assert_finished(&ctx, &outputs.arn).await;

    let (read_inputs, read_outputs) = MetricAlarm::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // In place: another threshold and statistic, no actions, other tags.
    let mut changed = raw("orders-5xx");
    changed.threshold = 10.0;
    changed.statistic = None;
    changed.extended_statistic = Some("p99".into());
    changed.alarm_actions = None;
    changed.ok_actions = Some(vec![TOPIC.into()]);
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "core".to_string())]));
    let changed = MetricAlarm::check(&CheckContext::default(), changed).expect("valid");
    let updated = MetricAlarm::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    let (after, after_outputs) = MetricAlarm::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_outputs, updated);
    assert!(!updated.tags_all.contains_key("Team"));

    // In place: from a single metric to metric math.
    let math = MetricAlarm::check(&CheckContext::default(), math("orders-5xx")).expect("valid");
    let updated = MetricAlarm::update(&ctx, &id, &changed, &updated, &math)
        .await
        .expect("update to math");
    let (after, _) = MetricAlarm::read(&ctx, &id, Some(&math))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, math);

    MetricAlarm::delete(&ctx, &id, &math, &updated)
        .await
        .expect("delete");
    MetricAlarm::delete(&ctx, &id, &math, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        MetricAlarm::read(&ctx, &id, Some(&math))
            .await
            .expect("read")
            .is_none()
    );
}

/// aws-sdk-cloudwatch speaks the Smithy RPC v2 CBOR protocol, which moto 5.2.5 does not serve; the project's
/// emulator patch (emulator/cloudwatch_rpcv2_cbor.py) translates it to moto's JSON CloudWatch.
#[tokio::test]
async fn cloudwatch_metric_alarm_create_adopts_only_its_orphan_and_refuses_others() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("orders-adopt");
    let (id, first) = MetricAlarm::create(&ctx, &inputs)
        .await
        .expect("first create");
    let (read_inputs, _) = MetricAlarm::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert!(!read_inputs.tags.expect("tags").contains_key(IDENTITY_TAG));
    // The engine never recorded it (the answer was lost), and the threshold changed since: the retried create
    // with the same context adopts it and brings it back in line.
    let mut drifted = inputs.clone();
    drifted.threshold = 99.0;
    MetricAlarm::update(&ctx, &id, &inputs, &first, &drifted)
        .await
        .expect("drift");
    let (adopted, second) = MetricAlarm::create(&ctx, &inputs)
        .await
        .expect("retried create");
    assert_eq!(adopted, id);
    assert_eq!(second, first);
    assert_finished(&ctx, &first.arn).await;
    let (after, _) = MetricAlarm::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, inputs);

    let err = MetricAlarm::create(&replacing(&ctx, &id), &inputs)
        .await
        .expect_err("recorded");
    assert_conflict(&err, &["'orders-adopt'", "deleteBeforeReplace"]);
    let err = MetricAlarm::create(&other_resource(&ctx), &inputs)
        .await
        .expect_err("other");
    assert_conflict(&err, &["'orders-adopt'", "another Pulumi resource"]);

    let stranger = self::inputs("stranger");
    ctx.aws
        .cloudwatch
        .put_metric_alarm()
        .alarm_name("stranger")
        .namespace("AWS/EC2")
        .metric_name("CPUUtilization")
        .statistic("Average".into())
        .period(60)
        .threshold(1.0)
        .evaluation_periods(1)
        .comparison_operator("GreaterThanThreshold".into())
        .send()
        .await
        .expect("stranger");
    let err = MetricAlarm::create(&ctx, &stranger)
        .await
        .expect_err("conflict");
    assert_conflict(&err, &["'stranger'", "not created by pulumi-orderapi"]);
}

fn props(pairs: &[(&str, Value)]) -> PropertyMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn cloudwatch_metric_alarm_rename_replaces_creating_first_threshold_in_place() {
    let adapter = Adapter::<MetricAlarm>::default();
    let olds = props(&[("alarmName", "a".into()), ("threshold", Value::Number(1.0))]);
    let renamed = adapter.diff(
        &olds,
        &props(&[("alarmName", "b".into()), ("threshold", Value::Number(1.0))]),
        &[],
    );
    assert_eq!(renamed.replaces, vec!["alarmName"]);
    // The new name can coexist with the old: created first; under the same name the old goes first.
    assert!(!renamed.delete_before_replace);
    assert!(adapter.diff(&olds, &olds, &[]).delete_before_replace);
    let in_place = adapter.diff(
        &olds,
        &props(&[("alarmName", "a".into()), ("threshold", Value::Number(2.0))]),
        &[],
    );
    assert_eq!(in_place.changed, vec!["threshold"]);
    assert!(in_place.replaces.is_empty());
}

#[test]
fn cloudwatch_metric_alarm_check_rejects_what_aws_would() {
    let props_of = |inputs: MetricAlarmInputs| -> Vec<String> {
        MetricAlarm::check(&CheckContext::default(), inputs)
            .expect_err("invalid")
            .into_iter()
            .map(|f| f.property)
            .collect()
    };
    // An alarm with no metric.
    let mut none = math("x");
    none.metrics = None;
    assert_eq!(props_of(none), vec!["metricName"]);
    // Both forms.
    let mut both = math("x");
    both.metric_name = Some("m".into());
    assert_eq!(props_of(both), vec!["metrics"]);
    // Single-metric rules.
    let mut bad = raw(&"a".repeat(256));
    bad.statistic = Some("Median".into());
    bad.period = Some(90);
    bad.comparison_operator = "Above".into();
    bad.evaluation_periods = 2;
    bad.datapoints_to_alarm = Some(3);
    bad.treat_missing_data = Some("zero".into());
    bad.alarm_actions = Some(vec!["not-an-arn".into()]);
    bad.ok_actions = Some(vec![TOPIC.to_string(); 6]);
    bad.dimensions = Some(
        (0..31)
            .map(|i| (format!("d{i}"), "v".to_string()))
            .collect(),
    );
    assert_eq!(
        props_of(bad),
        vec![
            "alarmName",
            "dimensions",
            "statistic",
            "period",
            "comparisonOperator",
            "datapointsToAlarm",
            "treatMissingData",
            "alarmActions",
            "okActions"
        ]
    );
    let mut both_stats = raw("x");
    both_stats.extended_statistic = Some("p99".into());
    assert_eq!(props_of(both_stats), vec!["extendedStatistic"]);
    for good in ["p99", "p99.9", "p50", "p0.5", "p99.99"] {
        let mut ok = raw("x");
        ok.statistic = None;
        ok.extended_statistic = Some(good.into());
        assert!(
            MetricAlarm::check(&CheckContext::default(), ok).is_ok(),
            "{good}"
        );
    }
    for bad_p in ["p100", "p99.999", "99", "p", "px"] {
        let mut b = raw("x");
        b.statistic = None;
        b.extended_statistic = Some(bad_p.into());
        assert_eq!(props_of(b), vec!["extendedStatistic"], "{bad_p}");
    }
    let mut zero = raw("x");
    zero.evaluation_periods = 0;
    zero.datapoints_to_alarm = None;
    assert_eq!(
        props_of(zero),
        vec!["evaluationPeriods", "datapointsToAlarm"]
    );
    // Metric math: exactly one returnData, lowercase ids.
    let mut two = math("x");
    if let Some(q) = two.metrics.as_mut() {
        q[0].return_data = Some(true);
        q[1].id = "Requests".into();
    }
    assert_eq!(props_of(two), vec!["metrics", "metrics"]);
    let mut zero_rd = math("x");
    if let Some(q) = zero_rd.metrics.as_mut() {
        q[2].return_data = None;
    }
    assert_eq!(props_of(zero_rd), vec!["metrics"]);
    // Defaults.
    let mut d = raw("x");
    d.datapoints_to_alarm = None;
    d.treat_missing_data = None;
    let d = MetricAlarm::check(&CheckContext::default(), d).expect("valid");
    assert_eq!(d.datapoints_to_alarm, Some(3));
    assert_eq!(d.treat_missing_data.as_deref(), Some("missing"));
    assert_eq!(d.actions_enabled, Some(true));
}
