use orderapi::resource::{Adapter, CheckContext, CustomResource, DynResource};
use orderapi::resources::cloudwatch::dashboard::{
    Dashboard, DashboardInputs, DashboardWidget, MetricWidget, TextWidget, body, widgets_of,
};
use orderapi::rpc::value::{PropertyMap, Value};

use super::ssm_parameter::{assert_conflict, other_resource, replacing};
use crate::moto::Moto;

fn metric_widget(x: i32, y: i32) -> DashboardWidget {
    DashboardWidget {
        x,
        y,
        width: 12,
        height: 6,
        metric: Some(MetricWidget {
            title: Some("5xx".into()),
            region: "us-east-1".into(),
            metrics: vec![vec![
                "AWS/ApplicationELB".into(),
                "HTTPCode_Target_5XX_Count".into(),
                "LoadBalancer".into(),
                "app/orders/123".into(),
            ]],
            stat: Some("Sum".into()),
            period: Some(300),
            view: Some("timeSeries".into()),
        }),
        text: None,
    }
}

fn text_widget(x: i32, y: i32, markdown: &str) -> DashboardWidget {
    DashboardWidget {
        x,
        y,
        width: 12,
        height: 2,
        metric: None,
        text: Some(TextWidget {
            markdown: markdown.into(),
        }),
    }
}

fn raw(name: &str) -> DashboardInputs {
    DashboardInputs {
        dashboard_name: Some(name.into()),
        widgets: vec![text_widget(0, 0, "# Orders API"), metric_widget(0, 2)],
    }
}

fn inputs(name: &str) -> DashboardInputs {
    Dashboard::check(&CheckContext::default(), raw(name)).expect("valid inputs")
}

/// aws-sdk-cloudwatch speaks the Smithy RPC v2 CBOR protocol, which moto 5.2.5 does not serve; the project's
/// emulator patch (emulator/cloudwatch_rpcv2_cbor.py) translates it to moto's JSON CloudWatch.
#[tokio::test]
async fn cloudwatch_dashboard_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("orders-api");

    let (id, outputs) = Dashboard::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, "orders-api");
    assert_eq!(
        outputs.arn,
        "arn:aws:cloudwatch::123456789012:dashboard/orders-api"
    );
    let (read_inputs, read_outputs) = Dashboard::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    let mut changed = raw("orders-api");
    changed.widgets.push(metric_widget(12, 2));
    changed.widgets[0] = text_widget(0, 0, "# Orders API (prod)");
    let changed = Dashboard::check(&CheckContext::default(), changed).expect("valid");
    let updated = Dashboard::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    let (after, after_outputs) = Dashboard::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_outputs, updated);

    // Dashboards carry no tags: their identity is their body. The engine never recorded the dashboard (the
    // answer was lost, or the provider crashed right after the put): the same body is this create's orphan and
    // is adopted; the one a replacement replaces, and a dashboard with another body (another resource's, or one
    // made without this provider) are conflicts, never overwritten.
    let (again, again_out) = Dashboard::create(&ctx, &changed).await.expect("adopt");
    assert_eq!(again, id);
    assert_eq!(again_out, updated);
    let err = Dashboard::create(&replacing(&ctx, &id), &changed)
        .await
        .expect_err("recorded");
    assert_conflict(&err, &["'orders-api'", "replacing"]);
    let err = Dashboard::create(&other_resource(&ctx), &inputs)
        .await
        .expect_err("other body");
    assert_conflict(&err, &["'orders-api'", "another body"]);
    let (kept, _) = Dashboard::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(kept, changed, "not overwritten");
    ctx.aws
        .cloudwatch
        .put_dashboard()
        .dashboard_name("stranger")
        .dashboard_body(r#"{"widgets":[]}"#)
        .send()
        .await
        .expect("stranger");
    let err = Dashboard::create(&ctx, &self::inputs("stranger"))
        .await
        .expect_err("stranger");
    assert_conflict(&err, &["'stranger'", "another body"]);

    Dashboard::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    Dashboard::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        Dashboard::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
}

#[test]
fn cloudwatch_dashboard_body_round_trips() {
    let inputs = inputs("x");
    let b = body(&inputs.widgets);
    assert_eq!(b["widgets"][0]["type"], "text");
    assert_eq!(b["widgets"][1]["type"], "metric");
    assert_eq!(
        b["widgets"][1]["properties"]["metrics"][0][1],
        "HTTPCode_Target_5XX_Count"
    );
    assert_eq!(widgets_of(&b), inputs.widgets);
}

fn props(pairs: &[(&str, Value)]) -> PropertyMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn cloudwatch_dashboard_rename_replaces_creating_first() {
    let adapter = Adapter::<Dashboard>::default();
    let renamed = adapter.diff(
        &props(&[("dashboardName", "a".into())]),
        &props(&[("dashboardName", "b".into())]),
        &[],
    );
    assert_eq!(renamed.replaces, vec!["dashboardName"]);
    // The new name can coexist with the old: created first. Under the same name (`--replace`) the old goes
    // first, since AWS keeps dashboard names unique.
    assert!(!renamed.delete_before_replace);
    let same = props(&[("dashboardName", "a".into())]);
    assert!(adapter.diff(&same, &same, &[]).delete_before_replace);
}

#[test]
fn cloudwatch_dashboard_check_rejects_what_aws_would() {
    let props_of = |inputs: DashboardInputs| -> Vec<String> {
        Dashboard::check(&CheckContext::default(), inputs)
            .expect_err("invalid")
            .into_iter()
            .map(|f| f.property)
            .collect()
    };
    assert_eq!(props_of(raw("has space")), vec!["dashboardName"]);
    assert_eq!(props_of(raw(&"a".repeat(256))), vec!["dashboardName"]);
    // Grid bounds.
    let mut off_grid = raw("x");
    off_grid.widgets = vec![metric_widget(13, 0)];
    assert_eq!(props_of(off_grid), vec!["widgets"]);
    let mut tall = raw("x");
    tall.widgets[0].height = 1001;
    tall.widgets[1].y = -1;
    assert_eq!(props_of(tall), vec!["widgets", "widgets"]);
    // Metric widget rules.
    let mut bad = raw("x");
    if let Some(m) = bad.widgets[1].metric.as_mut() {
        m.metrics = vec![vec!["AWS/EC2".into()]];
        m.stat = Some("Median".into());
        m.period = Some(45);
        m.view = Some("pie".into());
    }
    assert_eq!(props_of(bad), vec!["widgets"; 4]);
    let mut neither = raw("x");
    neither.widgets[0].text = None;
    assert_eq!(props_of(neither), vec!["widgets"]);
    // The body is at most 1 MB.
    let mut big = raw("x");
    big.widgets = vec![text_widget(0, 0, &"x".repeat(1024 * 1024))];
    assert_eq!(props_of(big), vec!["widgets"]);
    // Autonames use the name charset.
    let ctx = CheckContext {
        name: "orders api".into(),
        random_seed: vec![1, 2, 3, 4],
        prior_name: None,
    };
    let mut auto = raw("x");
    auto.dashboard_name = None;
    assert_eq!(
        Dashboard::check(&ctx, auto)
            .expect("valid")
            .dashboard_name
            .as_deref(),
        Some("orders-api-0102030")
    );
}
