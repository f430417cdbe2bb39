//! The platform's observability: the alarm topic, alarms with SNS actions, and the dashboard.
//!
//! Alarms (each notifies the topic, and `alarms.topicArn` when given, on ALARM and on OK):
//! - `5xx-rate`: 5xx responses of the targets as a percentage of requests, summed over the blue AND green target
//!   groups (metric math), so it keeps watching while a deployment shifts traffic; the ECS deployment rolls back
//!   when it fires.
//! - `db-connections`: the cluster's connections above `alarms.dbConnectionsThreshold`.
//! - `db-cpu`: the cluster's CPU above 80%.
//! - `waf-blocked`: requests the web ACL blocked in 5 minutes above `alarms.wafBlockedThreshold`.
//! - `unhealthy-hosts`: any unhealthy target in the blue (production) target group.

use super::child::{Child, Handle, Props, Scope};
use super::data::Data;
use super::edge::Edge;
use crate::platform::args::TopicEncryption;
use crate::resources::cloudwatch::{dashboard::Dashboard, metric_alarm::MetricAlarm};
use crate::resources::kms::key::Key;
use crate::resources::sns::topic::Topic;

/// The service principal of CloudWatch alarms (publishes to the alarm topic).
const CLOUDWATCH_ALARMS: &str = "cloudwatch.amazonaws.com";
use crate::rpc::value::{Value, obj};

/// The observability children.
#[derive(Debug)]
pub struct Observability<'a> {
    /// Outputs: arn.
    pub topic: Handle<'a>,
    /// Physical name = id; the ECS deployment's rollback alarm.
    pub error_rate_alarm: Handle<'a>,
    /// Every alarm, including `error_rate_alarm`.
    pub alarms: Vec<Handle<'a>>,
    /// Id = dashboard name.
    pub dashboard: Handle<'a>,
}

/// A `[namespace, metric, dimension, value, …]` dashboard metric row.
fn row(parts: Vec<Value>) -> Value {
    Value::Array(parts)
}

fn s(v: &str) -> Value {
    Value::from(v)
}

/// A metric-math query of an alarm: one metric, not returned.
fn stat_query(id: &str, metric: &str, dimensions: Value, stat: &str) -> Value {
    obj([
        ("id", id.into()),
        (
            "metricStat",
            obj([
                (
                    "metric",
                    obj([
                        ("namespace", "AWS/ApplicationELB".into()),
                        ("metricName", metric.into()),
                        ("dimensions", dimensions),
                    ]),
                ),
                ("period", 60.into()),
                ("stat", stat.into()),
            ]),
        ),
        ("returnData", false.into()),
    ])
}

/// Declares the topic, the alarms (on the topic and what each watches) and the dashboard (on what it shows).
pub fn build<'a>(scope: &Scope<'a>, edge: &Edge<'a>, data: &Data<'a>) -> Observability<'a> {
    let n = scope.naming();
    let settings = &scope.settings().alarms;
    let region = scope.region().to_string();

    // Encrypted at rest with a key CloudWatch alarms may use: the AWS-managed `alias/aws/sns` would refuse them.
    let key = match &settings.topic_encryption {
        TopicEncryption::PlatformKey => Some(
            scope.register(
                Props::of::<Key>(scope.logical("alarms-key"))
                    .arg(
                        "alias",
                        format!("alias/{}", n.qualified("kms", "alarms")),
                        "alarms.encryptTopic",
                    )
                    .set(
                        "description",
                        format!("Encrypts the alarm topic of {}", n.name("platform")),
                    )
                    .set("enableKeyRotation", true)
                    .set("serviceUsers", Value::Array(vec![CLOUDWATCH_ALARMS.into()]))
                    .arg("tags", scope.tags.clone(), "tags"),
            ),
        ),
        _ => None,
    };
    let mut topic = Props::of::<Topic>(scope.logical("alarms-topic"))
        .set("name", n.qualified("sns", "alarms"))
        .arg("tags", scope.tags.clone(), "tags")
        .traced("subscriptions", "alarms.email");
    match (&settings.topic_encryption, &key) {
        (TopicEncryption::Key(arn), _) => {
            topic = topic.arg("kmsMasterKeyId", arn.as_str(), "alarms.topicKmsKeyArn");
        }
        (_, Some(key)) => topic = topic.output_of("kmsMasterKeyId", key, "arn"),
        _ => {}
    }
    if let Some(email) = &settings.email {
        topic = topic.set(
            "subscriptions",
            Value::Array(vec![obj([
                ("protocol", "email".into()),
                ("endpoint", email.as_str().into()),
            ])]),
        );
    }
    let topic = scope.register(topic);
    let user_topic = settings.topic_arn.as_deref();
    let actions = move |c: &[std::sync::Arc<Child>]| {
        let mut actions = vec![c[0].output("arn")];
        if let Some(arn) = user_topic {
            actions.push(arn.into());
        }
        Value::Array(actions)
    };

    let alarm = |what: &str, description: String| {
        Props::of::<MetricAlarm>(scope.logical(&format!("alarm-{what}")))
            .set("alarmName", n.qualified("alarm", what))
            .set("alarmDescription", description)
            .with("alarmActions", &[&topic], actions)
            .with("okActions", &[&topic], actions)
            .set("actionsEnabled", true)
            .arg("tags", scope.tags.clone(), "tags")
    };
    // Target group metrics: the group's and the load balancer's ARN suffixes (`c` = [group, load balancer]).
    let tg_dims = |c: &[std::sync::Arc<Child>]| {
        obj([
            ("TargetGroup", c[0].output("arnSuffix")),
            ("LoadBalancer", c[1].output("arnSuffix")),
        ])
    };
    let error_rate = scope.register(
        alarm(
            "5xx-rate",
            format!(
                "Order API 5xx responses above {}% of requests (blue + green target groups); rolls back a \
                 deployment",
                settings.error_rate_percent
            ),
        )
        .with(
            "metrics",
            &[&edge.blue, &edge.green, &edge.load_balancer],
            move |c| {
                let blue = tg_dims(&[c[0].clone(), c[2].clone()]);
                let green = tg_dims(&[c[1].clone(), c[2].clone()]);
                Value::Array(vec![
                stat_query("errBlue", "HTTPCode_Target_5XX_Count", blue.clone(), "Sum"),
                stat_query("errGreen", "HTTPCode_Target_5XX_Count", green.clone(), "Sum"),
                stat_query("reqBlue", "RequestCount", blue, "Sum"),
                stat_query("reqGreen", "RequestCount", green, "Sum"),
                obj([
                    ("id", "errorRate".into()),
                    (
                        "expression",
                        "100 * (FILL(errBlue, 0) + FILL(errGreen, 0)) / (FILL(reqBlue, 0) + FILL(reqGreen, 0))"
                            .into(),
                    ),
                    ("label", "5xx error rate (%)".into()),
                    ("returnData", true.into()),
                ]),
            ])
            },
        )
        .arg("threshold", settings.error_rate_percent, "alarms.errorRatePercent")
        .set("comparisonOperator", "GreaterThanThreshold")
        .set("evaluationPeriods", 5)
        .set("datapointsToAlarm", 3)
        .set("treatMissingData", "notBreaching"),
    );
    let cluster_dims =
        |c: &[std::sync::Arc<Child>]| obj([("DBClusterIdentifier", c[0].id.clone())]);
    let db_connections = scope.register(
        alarm(
            "db-connections",
            format!(
                "Aurora connections above {}",
                settings.db_connections_threshold
            ),
        )
        .set("namespace", "AWS/RDS")
        .set("metricName", "DatabaseConnections")
        .with("dimensions", &[&data.cluster], cluster_dims)
        .set("statistic", "Maximum")
        .set("period", 300)
        .arg(
            "threshold",
            settings.db_connections_threshold,
            "alarms.dbConnectionsThreshold",
        )
        .set("comparisonOperator", "GreaterThanThreshold")
        .set("evaluationPeriods", 2)
        .set("treatMissingData", "notBreaching"),
    );
    let db_cpu = scope.register(
        alarm("db-cpu", "Aurora CPU above 80%".to_string())
            .set("namespace", "AWS/RDS")
            .set("metricName", "CPUUtilization")
            .with("dimensions", &[&data.cluster], cluster_dims)
            .set("statistic", "Average")
            .set("period", 300)
            .set("threshold", 80.0)
            .set("comparisonOperator", "GreaterThanThreshold")
            .set("evaluationPeriods", 3)
            .set("treatMissingData", "notBreaching"),
    );
    let web_acl_name = n.name("waf");
    let waf_dims = obj([
        ("WebACL", web_acl_name.as_str().into()),
        ("Region", region.as_str().into()),
        ("Rule", "ALL".into()),
    ]);
    let waf_blocked = scope.register(
        alarm(
            "waf-blocked",
            format!(
                "WAF blocked more than {} requests in 5 minutes",
                settings.waf_blocked_threshold
            ),
        )
        .set("namespace", "AWS/WAFV2")
        .set("metricName", "BlockedRequests")
        .with("dimensions", &[&edge.web_acl], move |_| waf_dims)
        .set("statistic", "Sum")
        .set("period", 300)
        .arg(
            "threshold",
            settings.waf_blocked_threshold,
            "alarms.wafBlockedThreshold",
        )
        .set("comparisonOperator", "GreaterThanThreshold")
        .set("evaluationPeriods", 1)
        .set("treatMissingData", "notBreaching"),
    );
    let unhealthy = scope.register(
        alarm(
            "unhealthy-hosts",
            "Unhealthy order API tasks in the production (blue) target group".to_string(),
        )
        .set("namespace", "AWS/ApplicationELB")
        .set("metricName", "UnHealthyHostCount")
        .with("dimensions", &[&edge.blue, &edge.load_balancer], tg_dims)
        .set("statistic", "Maximum")
        .set("period", 60)
        .set("threshold", 0.0)
        .set("comparisonOperator", "GreaterThanThreshold")
        .set("evaluationPeriods", 3)
        .set("treatMissingData", "notBreaching"),
    );
    let dashboard = scope.register(dashboard(scope, edge, data));
    let alarms = vec![
        error_rate.clone(),
        db_connections,
        db_cpu,
        waf_blocked,
        unhealthy,
    ];
    Observability {
        topic,
        error_rate_alarm: error_rate,
        alarms,
        dashboard,
    }
}

/// The dashboard: service health at the top, then traffic, the WAF, the database and the backlog.
fn dashboard<'a>(scope: &Scope<'a>, edge: &Edge<'a>, data: &Data<'a>) -> Props<'a> {
    let n = scope.naming();
    let region = scope.region();
    let namespace = scope.metric_namespace();
    Props::of::<Dashboard>(scope.logical("dashboard"))
        .set("dashboardName", n.name("dash"))
        .with(
            "widgets",
            &[&edge.load_balancer, &edge.web_acl, &data.cluster],
            move |c| {
                widgets(
                    n,
                    region,
                    &namespace,
                    c[0].output("arnSuffix"),
                    c[2].id.clone(),
                )
            },
        )
}

/// The dashboard's widgets, given the load balancer's ARN suffix and the cluster's identifier.
fn widgets(
    n: &super::naming::Naming,
    region: &str,
    namespace: &str,
    lb: Value,
    db_cluster: Value,
) -> Value {
    let cluster = n.name("ecs");
    let service = n.name("svc");
    let web_acl = n.name("waf");
    let ecs = |metric: &str, namespace: &str| {
        row(vec![
            s(namespace),
            s(metric),
            s("ClusterName"),
            s(&cluster),
            s("ServiceName"),
            s(&service),
        ])
    };
    let alb = |metric: &str| {
        row(vec![
            s("AWS/ApplicationELB"),
            s(metric),
            s("LoadBalancer"),
            lb.clone(),
        ])
    };
    let waf = |metric: &str| {
        row(vec![
            s("AWS/WAFV2"),
            s(metric),
            s("WebACL"),
            s(&web_acl),
            s("Region"),
            s(region),
            s("Rule"),
            s("ALL"),
        ])
    };
    let db = |metric: &str| {
        row(vec![
            s("AWS/RDS"),
            s(metric),
            s("DBClusterIdentifier"),
            db_cluster.clone(),
        ])
    };
    let graph = |x: i32, y: i32, title: &str, metrics: Vec<Value>, stat: &str| {
        obj([
            ("x", x.into()),
            ("y", y.into()),
            ("width", 8.into()),
            ("height", 6.into()),
            (
                "metric",
                obj([
                    ("title", title.into()),
                    ("region", region.into()),
                    ("metrics", Value::Array(metrics)),
                    ("stat", stat.into()),
                    ("period", 60.into()),
                ]),
            ),
        ])
    };
    let header = obj([
        ("x", 0.into()),
        ("y", 0.into()),
        ("width", 24.into()),
        ("height", 2.into()),
        (
            "text",
            obj([(
                "markdown",
                format!(
                    "# Order API {}-{}\nService `{service}` on cluster `{cluster}`, load balancer `{}`, database \
                     `{}`. Alarms notify `{}`.",
                    n.environment,
                    n.suffix,
                    n.name("alb"),
                    n.name("aurora"),
                    n.qualified("sns", "alarms"),
                )
                .into(),
            )]),
        ),
    ]);
    let widgets = vec![
        header,
        graph(
            0,
            2,
            "Running tasks",
            vec![
                ecs("RunningTaskCount", "ECS/ContainerInsights"),
                ecs("DesiredTaskCount", "ECS/ContainerInsights"),
            ],
            "Average",
        ),
        graph(
            8,
            2,
            "CPU utilisation (%)",
            vec![ecs("CPUUtilization", "AWS/ECS")],
            "Average",
        ),
        graph(
            16,
            2,
            "Memory utilisation (%)",
            vec![ecs("MemoryUtilization", "AWS/ECS")],
            "Average",
        ),
        graph(0, 8, "Requests", vec![alb("RequestCount")], "Sum"),
        graph(
            8,
            8,
            "Latency p50 (s)",
            vec![alb("TargetResponseTime")],
            "p50",
        ),
        graph(
            16,
            8,
            "Latency p95 (s)",
            vec![alb("TargetResponseTime")],
            "p95",
        ),
        graph(
            0,
            14,
            "Latency p99 (s)",
            vec![alb("TargetResponseTime")],
            "p99",
        ),
        graph(
            8,
            14,
            "5xx responses",
            vec![
                alb("HTTPCode_Target_5XX_Count"),
                alb("HTTPCode_ELB_5XX_Count"),
            ],
            "Sum",
        ),
        graph(
            16,
            14,
            "WAF allowed / blocked",
            vec![waf("AllowedRequests"), waf("BlockedRequests")],
            "Sum",
        ),
        graph(
            0,
            20,
            "DB connections",
            vec![db("DatabaseConnections")],
            "Maximum",
        ),
        graph(8, 20, "DB CPU (%)", vec![db("CPUUtilization")], "Average"),
        graph(
            16,
            20,
            "Pending orders (per task)",
            vec![row(vec![
                Value::from(namespace),
                s("PendingOrders"),
                s("ServiceName"),
                s(&service),
            ])],
            "Average",
        ),
    ];
    Value::Array(widgets)
}
