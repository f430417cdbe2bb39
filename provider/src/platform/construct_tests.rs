//! Tests of `construct` with a recording monitor standing in for the engine: what every child is given and
//! what it depends on.

use std::sync::Mutex;

use super::testing::{Recorder, physical_name, plan_offline};
use super::*;
use crate::resource::{Diagnostics, Registry, Severity};
use crate::resources::ec2::vpc::Vpc;
use crate::resources::ssm::parameter::Parameter;

/// Warnings the component sent to the engine, and its info messages.
#[derive(Default)]
struct Warnings(Mutex<Vec<String>>, Mutex<Vec<String>>);

impl Diagnostics for Warnings {
    fn log(&self, severity: Severity, _: &str, message: String, _: bool) {
        let list = if severity == Severity::Warning {
            &self.0
        } else {
            &self.1
        };
        if let Ok(mut w) = list.lock() {
            w.push(message);
        }
    }
}

async fn run(preview: bool) -> (Vec<ChildSpec>, Built) {
    let (children, built, _) = run_with(preview, &[]).await;
    (children, built)
}

/// Constructs `orders` (environment prod, suffix x7k2) with `extra` inputs; returns the children, the
/// outputs and the warnings.
async fn run_with(
    preview: bool,
    extra: &[(&str, serde_json::Value)],
) -> (Vec<ChildSpec>, Built, Vec<String>) {
    let extra: serde_json::Map<String, serde_json::Value> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let args = super::testing::arguments(serde_json::Value::Object(extra));
    let warnings = Arc::new(Warnings::default());
    let env = ConstructEnv {
        name: "orders".into(),
        dry_run: preview,
        aws: Arc::new(Aws::offline()),
        diagnostics: warnings.clone(),
    };
    let plan = super::testing::plan_offline(args);
    let rec = Recorder {
        preview,
        ..Default::default()
    };
    let built = construct(&rec, &env, "urn:component", super::testing::validated(plan))
        .await
        .expect("construct");
    let children = rec.children.into_inner().expect("lock");
    let info = warnings.1.lock().expect("lock").clone();
    assert!(
        info.iter().any(|m| m.contains("/month")),
        "the cost estimate is told at every construct: {info:?}"
    );
    let warnings = warnings.0.lock().expect("lock").clone();
    (children, built, warnings)
}

fn find<'a>(children: &'a [ChildSpec], name: &str) -> &'a ChildSpec {
    children
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no child {name}"))
}

fn json(v: &Value) -> serde_json::Value {
    v.to_json().expect("known value")
}

fn count(children: &[ChildSpec], token: &str) -> usize {
    children.iter().filter(|c| c.type_token == token).count()
}

#[tokio::test]
async fn registers_the_whole_network() {
    let (children, built) = run(false).await;
    assert_eq!(
        count(
            &children,
            super::testing::token::<crate::resources::ec2::vpc::Vpc>()
        ),
        1
    );
    assert_eq!(
        count(
            &children,
            super::testing::token::<crate::resources::ec2::subnet::Subnet>()
        ),
        6
    );
    assert_eq!(
        count(
            &children,
            super::testing::token::<crate::resources::ec2::internet_gateway::InternetGateway>()
        ),
        1
    );
    assert_eq!(
        count(
            &children,
            super::testing::token::<crate::resources::ec2::elastic_ip::ElasticIp>()
        ),
        3
    );
    assert_eq!(
        count(
            &children,
            super::testing::token::<crate::resources::ec2::nat_gateway::NatGateway>()
        ),
        3
    );
    assert_eq!(
        count(
            &children,
            super::testing::token::<crate::resources::ec2::route_table::RouteTable>()
        ),
        4
    );
    assert_eq!(built.outputs["vpcId"], Value::from("vpc-orders-vpc"));
    assert_eq!(
        built.outputs["publicSubnetIds"],
        Value::Array(
            ["a", "b", "c"]
                .iter()
                .map(|l| Value::String(format!("subnet-orders-public-{l}")))
                .collect()
        )
    );
}

/// Kinds that have no name of their own in AWS (they live inside, or join, a named resource).
const UNNAMED: [&str; 4] = [
    super::testing::token::<crate::resources::elbv2::listener::Listener>(),
    super::testing::token::<crate::resources::elbv2::listener_rule::ListenerRule>(),
    super::testing::token::<crate::resources::wafv2::web_acl_association::WebAclAssociation>(),
    super::testing::token::<crate::resources::appautoscaling::scalable_target::ScalableTarget>(),
];

#[tokio::test]
async fn every_child_passes_its_kinds_check_and_follows_the_naming_rule() {
    let (children, _) = run(false).await;
    super::testing::check_all(&children);
    let registry = Registry::all();
    for child in &children {
        if !UNNAMED.contains(&child.type_token) {
            let name = physical_name(child);
            assert!(
                name.contains("-prod-x7k2"),
                "{}: {name} does not follow <type>-<env>-<suffix>",
                child.name
            );
        }
        if let Some(tags) = child.inputs.get("tags") {
            let tags = json(tags);
            assert_eq!(tags["Environment"], "prod", "{}", child.name);
            assert_eq!(tags["EnvironmentSuffix"], "x7k2", "{}", child.name);
            assert_eq!(tags["orderapi:platform"], "orders", "{}", child.name);
        }
    }
    // Every kind that takes tags got them.
    let untagged: Vec<&str> = children
        .iter()
        .filter(|c| !c.inputs.contains_key("tags"))
        .map(|c| c.type_token)
        .collect();
    for token in &untagged {
        let kind = registry.get(token).expect("kind");
        assert!(
            !kind.input_properties().contains("tags"),
            "{token} takes tags but got none"
        );
    }
}

#[tokio::test]
async fn wiring_records_dependencies() {
    let (children, _) = run(false).await;
    let nat_a = children
        .iter()
        .find(|c| c.name == "orders-nat-a")
        .expect("nat a");
    assert_eq!(
        nat_a.inputs["subnetId"],
        Value::from("subnet-orders-public-a")
    );
    assert_eq!(
        nat_a.inputs["allocationId"],
        Value::from("eipalloc-orders-eip-a")
    );
    assert!(
        nat_a.dependencies["subnetId"]
            .iter()
            .any(|u| u.ends_with("::orders-public-a"))
    );
    let rt_b = children
        .iter()
        .find(|c| c.name == "orders-private-rt-b")
        .expect("rt b");
    assert!(
        rt_b.dependencies["routes"]
            .iter()
            .any(|u| u.ends_with("::orders-nat-b"))
    );
    assert_eq!(
        rt_b.inputs["subnetIds"],
        Value::Array(vec![Value::from("subnet-orders-private-b")])
    );
}

#[tokio::test]
async fn preview_wires_unknowns_through() {
    let (children, built) = run(true).await;
    let (up, _) = run(false).await;
    assert_eq!(children.len(), up.len(), "preview registers every child");
    assert_eq!(built.outputs["vpcId"], Value::Unknown);
    let subnet = children
        .iter()
        .find(|c| c.type_token == super::testing::token::<crate::resources::ec2::subnet::Subnet>())
        .expect("subnet");
    assert_eq!(subnet.inputs["vpcId"], Value::Unknown);
}

#[tokio::test]
async fn security_groups_allow_internet_to_alb_to_tasks_to_database_only() {
    let (children, _) = run(false).await;
    let alb = find(&children, "orders-sg-alb");
    let tasks = find(&children, "orders-sg-tasks");
    let db = find(&children, "orders-sg-db");
    let ports = |c: &ChildSpec, dir: &str| -> Vec<(i64, serde_json::Value)> {
        json(&c.inputs[dir])
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| {
                let peer = r
                    .get("securityGroupId")
                    .cloned()
                    .or_else(|| r.get("cidrBlocks").cloned())
                    .expect("peer");
                (r["fromPort"].as_i64().expect("port"), peer)
            })
            .collect()
    };
    assert_eq!(
        ports(alb, "ingress"),
        vec![
            (80, serde_json::json!(["0.0.0.0/0"])),
            (443, serde_json::json!(["0.0.0.0/0"]))
        ]
    );
    assert_eq!(
        ports(tasks, "ingress"),
        vec![(8080, serde_json::json!("sg-orders-sg-alb"))]
    );
    assert_eq!(
        ports(db, "ingress"),
        vec![(3306, serde_json::json!("sg-orders-sg-tasks"))]
    );
    assert_eq!(ports(db, "egress"), vec![]);
    let private = serde_json::json!(["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"]);
    assert_eq!(ports(alb, "egress"), vec![(8080, private.clone())]);
    assert!(ports(tasks, "egress").contains(&(3306, private)));
    assert!(
        db.dependencies["ingress"]
            .iter()
            .any(|u| u.ends_with("::orders-sg-tasks"))
    );
    assert!(
        tasks.dependencies["ingress"]
            .iter()
            .any(|u| u.ends_with("::orders-sg-alb"))
    );
}

#[tokio::test]
async fn without_a_certificate_http_on_80_with_a_warning_and_path_rule_blue_100_green_0() {
    let (children, built, warnings) = run_with(false, &[]).await;
    assert_eq!(
        count(
            &children,
            super::testing::token::<crate::resources::elbv2::listener::Listener>()
        ),
        1
    );
    let http = find(&children, "orders-listener-http");
    assert_eq!(json(&http.inputs["port"]), 80);
    assert_eq!(json(&http.inputs["protocol"]), "HTTP");
    assert_eq!(
        json(&http.inputs["defaultAction"])["fixedResponse"]["statusCode"],
        "404"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("loadBalancer.certificateArn")),
        "{warnings:?}"
    );
    let rule = find(&children, "orders-rule-orders");
    assert_eq!(
        json(&rule.inputs["conditions"]),
        serde_json::json!([{"pathPatterns": ["/orders", "/orders/*", "/health"]}])
    );
    let groups = json(&rule.inputs["action"])["forward"]["targetGroups"].clone();
    assert_eq!(groups[0]["weight"], 100);
    assert_eq!(groups[1]["weight"], 0);
    assert!(
        groups[0]["arn"]
            .as_str()
            .expect("arn")
            .contains("targetgroup/tg-blue-prod-x7k2/")
    );
    assert!(
        groups[1]["arn"]
            .as_str()
            .expect("arn")
            .contains("targetgroup/tg-green-prod-x7k2/")
    );
    assert_eq!(json(&rule.inputs["ignoreWeightChanges"]), true);
    assert_eq!(
        built.outputs["listenerRuleArn"]
            .as_str()
            .map(|a| a.contains("listener-rule/")),
        Some(true)
    );
    let lb = find(&children, "orders-alb");
    assert_eq!(json(&lb.inputs["scheme"]), "internet-facing");
    assert_eq!(
        json(&lb.inputs["subnets"]),
        serde_json::json!([
            "subnet-orders-public-a",
            "subnet-orders-public-b",
            "subnet-orders-public-c"
        ])
    );
    assert_eq!(
        json(&lb.inputs["securityGroups"]),
        serde_json::json!(["sg-orders-sg-alb"])
    );
}

#[tokio::test]
async fn with_a_certificate_https_on_443_and_80_redirects() {
    let cert =
        "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
    let (children, _, warnings) = run_with(
        false,
        &[("loadBalancer", serde_json::json!({"certificateArn": cert}))],
    )
    .await;
    assert!(
        !warnings.iter().any(|w| w.contains("certificateArn")),
        "{warnings:?}"
    );
    let https = find(&children, "orders-listener-https");
    assert_eq!(json(&https.inputs["port"]), 443);
    assert_eq!(json(&https.inputs["certificateArn"]), cert);
    assert_eq!(
        json(&https.inputs["sslPolicy"]),
        "ELBSecurityPolicy-TLS13-1-2-2021-06"
    );
    let redirect = find(&children, "orders-listener-http");
    let action = json(&redirect.inputs["defaultAction"]);
    assert_eq!(action["redirect"]["protocol"], "HTTPS");
    assert_eq!(action["redirect"]["port"], "443");
    assert_eq!(action["redirect"]["statusCode"], "HTTP_301");
    let rule = find(&children, "orders-rule-orders");
    assert!(
        rule.dependencies["listenerArn"]
            .iter()
            .any(|u| u.ends_with("::orders-listener-https"))
    );
}

#[tokio::test]
async fn target_groups_check_health_and_drain() {
    let (children, _) = run(false).await;
    for color in ["blue", "green"] {
        let tg = find(&children, &format!("orders-tg-{color}"));
        assert_eq!(json(&tg.inputs["name"]), format!("tg-{color}-prod-x7k2"));
        assert_eq!(json(&tg.inputs["targetType"]), "ip");
        assert_eq!(json(&tg.inputs["port"]), 8080);
        assert_eq!(json(&tg.inputs["healthCheck"])["path"], "/health");
        assert_eq!(json(&tg.inputs["healthCheck"])["matcher"], "200");
        assert_eq!(json(&tg.inputs["deregistrationDelay"]), 30);
    }
}

#[tokio::test]
async fn waf_limits_each_ip_to_100_per_5_minutes_with_managed_rules_on_the_alb() {
    let (children, _) = run(false).await;
    let acl = find(&children, "orders-waf");
    let rate = json(&acl.inputs["rateBasedRules"]);
    assert_eq!(rate[0]["limit"], 100);
    assert_eq!(rate[0]["evaluationWindowSec"], 300);
    assert_eq!(rate[0]["aggregateKeyType"], "IP");
    assert_eq!(rate[0]["action"], "block");
    let managed: Vec<String> = json(&acl.inputs["managedRuleGroups"])
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["name"].as_str().expect("name").to_string())
        .collect();
    assert_eq!(
        managed,
        args::DEFAULT_MANAGED_RULE_GROUPS.map(String::from).to_vec()
    );
    assert_eq!(
        json(&acl.inputs["visibility"])["cloudWatchMetricsEnabled"],
        true
    );
    let assoc = find(&children, "orders-waf-association");
    assert!(
        assoc.dependencies["webAclArn"]
            .iter()
            .any(|u| u.ends_with("::orders-waf"))
    );
    assert!(
        assoc.dependencies["resourceArn"]
            .iter()
            .any(|u| u.ends_with("::orders-alb"))
    );
    let (custom, _, _) = run_with(
        false,
        &[(
            "waf",
            serde_json::json!({"rateLimit": 2000, "managedRuleGroups": []}),
        )],
    )
    .await;
    let acl = find(&custom, "orders-waf");
    assert_eq!(json(&acl.inputs["rateBasedRules"])[0]["limit"], 2000);
    assert_eq!(
        json(&acl.inputs["managedRuleGroups"]),
        serde_json::json!([])
    );
}

/// A monitor that refuses the `fail_at`-th registration.
struct Failing {
    inner: Recorder,
    fail_at: usize,
    seen: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Monitor for Failing {
    async fn register_child(&self, spec: ChildSpec) -> Result<Child, String> {
        let n = self.seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if n == self.fail_at {
            return Err(format!("injected failure registering {}", spec.name));
        }
        self.inner.register_child(spec).await
    }
}

#[tokio::test]
async fn a_refused_registration_anywhere_stops_construct_with_its_error() {
    let (all, _) = run(false).await;
    for fail_at in 0..all.len() {
        let args = super::testing::arguments(serde_json::json!({}));
        let env = super::testing::quiet_env(false);
        let plan = plan_offline(args);
        let monitor = Failing {
            inner: Recorder::default(),
            fail_at,
            seen: Default::default(),
        };
        let err = construct(
            &monitor,
            &env,
            "urn:component",
            super::testing::validated(plan),
        )
        .await
        .expect_err("a refused registration fails construct");
        assert!(err.contains("injected failure"), "{fail_at}: {err}");
    }
}

#[tokio::test]
async fn configuration_becomes_parameters_and_alarms_reach_email_and_an_existing_topic() {
    let pager = "arn:aws:sns:us-east-1:123456789012:pager";
    let (children, _, _) = run_with(
        false,
        &[
            (
                "service",
                serde_json::json!({"environment": {"LOG_LEVEL": "info"}}),
            ),
            (
                "alarms",
                serde_json::json!({"email": "oncall@example.com", "topicArn": pager}),
            ),
        ],
    )
    .await;
    let param = find(&children, "orders-param-log_level");
    assert_eq!(json(&param.inputs["name"]), "/param-prod-x7k2/LOG_LEVEL");
    assert_eq!(json(&param.inputs["value"]), "info");
    let topic = find(&children, "orders-alarms-topic");
    assert_eq!(
        json(&topic.inputs["subscriptions"]),
        serde_json::json!([{"protocol": "email", "endpoint": "oncall@example.com"}])
    );
    let alarm = find(&children, "orders-alarm-5xx-rate");
    let actions = json(&alarm.inputs["alarmActions"]);
    assert_eq!(actions[1], pager);
    assert!(
        actions[0]
            .as_str()
            .is_some_and(|a| a.ends_with(":sns-alarms-prod-x7k2"))
    );
    assert_eq!(json(&alarm.inputs["okActions"]), actions);
}

#[tokio::test]
async fn every_physical_name_ends_with_the_environment_and_suffix() {
    let (children, _) = run(false).await;
    let mut unnamed = BTreeSet::new();
    for child in &children {
        let name = physical_name(child);
        if name == child.name {
            // No physical name of its own: the logical name stood in.
            unnamed.insert(child.type_token);
            continue;
        }
        if child.type_token == super::testing::token::<Parameter>() {
            assert!(name.starts_with("/param-prod-x7k2/"), "{name}");
        } else if child.type_token == super::testing::token::<crate::resources::kms::key::Key>() {
            assert_eq!(name, "alias/kms-alarms-prod-x7k2");
        } else {
            assert!(name.ends_with("-prod-x7k2"), "{}: {name}", child.name);
        }
    }
    // AWS gives these kinds no name (only an ARN or an id).
    assert_eq!(
        unnamed,
        BTreeSet::from([
            super::testing::token::<crate::resources::elbv2::listener::Listener>(),
            super::testing::token::<crate::resources::elbv2::listener_rule::ListenerRule>(),
            super::testing::token::<crate::resources::wafv2::web_acl_association::WebAclAssociation>(
            ),
            super::testing::token::<
                crate::resources::appautoscaling::scalable_target::ScalableTarget,
            >(),
        ])
    );
}

#[tokio::test]
async fn a_child_prop_that_is_not_an_input_of_its_kind_is_refused() {
    let env = super::testing::quiet_env(false);
    let plan = plan_offline(super::testing::arguments(serde_json::json!({})));
    let rec = Recorder::default();
    let scope = Scope::new(&rec, "urn:component", &env, &plan, Value::Null);
    scope.register(child::Props::of::<Vpc>("orders-vpc").set("cidrBlock", "10.0.0.0/16"));
    scope.finish().await.expect("a declared input");
    let scope = Scope::new(&rec, "urn:component", &env, &plan, Value::Null);
    scope.register(child::Props::of::<Vpc>("orders-vpc2").set("cidr", "10.0.0.0/16"));
    let err = scope.finish().await.expect_err("not an input");
    // Construct's own validation of the declared children refuses it before anything is registered (the
    // recorder, like the engine, would take it: it refuses it too, as a second line in these tests).
    assert!(
        err.contains("orderapi:ec2:Vpc cidr") && err.contains("unknown property"),
        "{err}"
    );
}

#[tokio::test]
async fn a_child_is_registered_as_soon_as_what_it_references_exists() {
    // A monitor that holds the Aurora writer back: everything that does not need it must still be registered,
    // and what needs it (the readers, the service and what follows the service) must not.
    struct Held {
        inner: Recorder,
        release: tokio::sync::Notify,
    }
    #[async_trait::async_trait]
    impl Monitor for Held {
        async fn register_child(&self, spec: ChildSpec) -> Result<Child, String> {
            if spec.name == "orders-aurora-writer" {
                self.release.notified().await;
            }
            self.inner.register_child(spec).await
        }
    }
    let env = super::testing::quiet_env(false);
    let args = super::testing::arguments(serde_json::json!({}));
    let held = Held {
        inner: Recorder::default(),
        release: tokio::sync::Notify::new(),
    };
    let construct = construct(
        &held,
        &env,
        "urn:component",
        super::testing::validated(plan_offline(args)),
    );
    tokio::pin!(construct);
    let registered = |h: &Held| -> BTreeSet<String> {
        h.inner
            .children
            .lock()
            .expect("lock")
            .iter()
            .map(|c| c.name.clone())
            .collect()
    };
    // Drive construct until it stalls on the writer.
    let stalled = tokio::time::timeout(std::time::Duration::from_millis(300), &mut construct).await;
    assert!(stalled.is_err(), "construct finished without the writer");
    let before = registered(&held);
    for independent in [
        "orders-vpc",
        "orders-nat-c",
        "orders-private-rt-c",
        "orders-alb",
        "orders-waf-association",
        "orders-aurora",
        "orders-ecr",
        "orders-task",
        "orders-dashboard",
        "orders-alarm-5xx-rate",
        "orders-param-db_host",
    ] {
        assert!(
            before.contains(independent),
            "{independent} waited for the writer"
        );
    }
    for dependent in [
        "orders-aurora-reader-1",
        "orders-svc",
        "orders-scaling-target",
        "orders-scale-cpu",
    ] {
        assert!(
            !before.contains(dependent),
            "{dependent} did not wait for the writer"
        );
    }
    held.release.notify_one();
    construct.await.expect("construct");
    let after = registered(&held);
    assert!(after.contains("orders-svc") && after.contains("orders-aurora-reader-2"));
}

#[tokio::test]
async fn the_cost_estimate_counts_what_construct_registers() {
    use crate::cost;
    use crate::resources::{
        appautoscaling::scaling_policy::ScalingPolicy, cloudwatch::metric_alarm::MetricAlarm,
        ec2::nat_gateway::NatGateway, secretsmanager::secret::Secret,
    };
    let (children, built, _) = run_with(
        false,
        &[(
            "service",
            serde_json::json!({"environment": {"LOG_LEVEL": "info"}}),
        )],
    )
    .await;
    let count = |token: &str| children.iter().filter(|c| c.type_token == token).count();
    use super::testing::token;
    assert_eq!(count(token::<MetricAlarm>()), cost::PLATFORM_ALARMS.len());
    assert_eq!(
        count(token::<ScalingPolicy>()),
        cost::TARGET_TRACKING_POLICIES as usize
    );
    assert_eq!(count(token::<NatGateway>()), cost::ZONES as usize);
    assert_eq!(
        count(token::<Parameter>()),
        cost::PLATFORM_PARAMETERS as usize + 1
    );
    // The app secret is a child; RDS keeps the master secret itself.
    assert_eq!(count(token::<Secret>()) + 1, cost::SECRETS as usize);
    let alarm_names: BTreeSet<String> = children
        .iter()
        .filter(|c| c.type_token == token::<MetricAlarm>())
        .map(physical_name)
        .collect();
    let expected: BTreeSet<String> = cost::PLATFORM_ALARMS
        .iter()
        .map(|(what, _)| format!("alarm-{what}-prod-x7k2"))
        .collect();
    assert_eq!(alarm_names, expected);
    // The estimate is an output and a message.
    let total = built.outputs["estimatedMonthlyCost"]
        .to_json()
        .and_then(|t| t.as_f64())
        .expect("a number");
    let lines = built.outputs["costBreakdown"].to_json().expect("known");
    let sum: f64 = lines
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["monthly"].as_f64().expect("monthly"))
        .sum();
    assert!((sum - total).abs() < 0.005, "{sum} vs {total}");
}

#[test]
fn arns_of_another_region_or_partition_are_refused_before_anything_exists() {
    let plan = |extra: serde_json::Value| {
        let args = super::testing::arguments(extra);
        let zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
            .map(String::from)
            .to_vec();
        plan_in("us-east-1", "123456789012", zones, args)
    };
    let cert = |region: &str, partition: &str| {
        serde_json::json!({"loadBalancer": {"certificateArn":
            format!("arn:{partition}:acm:{region}:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666")}})
    };
    assert!(plan(cert("us-east-1", "aws")).is_ok());
    let err = plan(cert("eu-west-1", "aws")).expect_err("another region");
    assert!(
        err.contains("loadBalancer.certificateArn") && err.contains("eu-west-1"),
        "{err}"
    );
    let err = plan(cert("cn-north-1", "aws-cn")).expect_err("another partition");
    assert!(err.contains("partition aws-cn"), "{err}");
    // IAM server certificates are global: only the partition matters.
    let iam = serde_json::json!({"loadBalancer": {"certificateArn":
        "arn:aws:iam::123456789012:server-certificate/orders"}});
    assert!(plan(iam).is_ok());
    let topic = |region: &str| serde_json::json!({"alarms": {"topicArn": format!("arn:aws:sns:{region}:123456789012:oncall")}});
    assert!(plan(topic("us-east-1")).is_ok());
    let err = plan(topic("us-west-2")).expect_err("another region");
    assert!(
        err.contains("alarms.topicArn") && err.contains("us-west-2"),
        "{err}"
    );
}

#[tokio::test]
async fn a_kinds_rule_refuses_the_users_argument_before_anything_is_registered() {
    // The component's own rules check the window's format; the Aurora cluster kind's rule (at least 30 minutes)
    // runs at Construct too, on the known properties, and names the user's argument.
    let mut args = super::testing::arguments(serde_json::json!({}));
    let mut plan = plan_offline(args.clone());
    plan.settings.database.backup_window = "03:00-03:15".into();
    let env = super::testing::quiet_env(true);
    // The server validates before it registers the component, and construct takes only a validated plan.
    let err = super::validate(&env, plan).expect_err("too short a backup window");
    assert!(err.starts_with("database.backupWindow: "), "{err}");
    assert!(
        err.contains("orderapi:rds:Cluster preferredBackupWindow"),
        "{err}"
    );
    // Every kind's rules pass on a valid platform, in preview (values from other children unknown) and up.
    args.tags = Some([("team".to_string(), "orders".to_string())].into());
    for preview in [true, false] {
        let rec = Recorder {
            preview,
            ..Default::default()
        };
        construct(
            &rec,
            &env,
            "urn:component",
            super::testing::validated(plan_offline(args.clone())),
        )
        .await
        .expect("valid platform");
    }
}

#[tokio::test]
async fn port_80_turns_into_a_redirect_only_once_the_https_listener_exists() {
    // Adding a certificate to a running platform: the HTTPS listener is created and port 80's listener changes
    // from forwarding to a redirect. When the HTTPS listener fails, port 80 must be left as it was.
    struct HttpsFails(Recorder);
    #[async_trait::async_trait]
    impl Monitor for HttpsFails {
        async fn register_child(&self, spec: ChildSpec) -> Result<Child, String> {
            if spec.name == "orders-listener-https" {
                return Err("the certificate is not valid for this load balancer".into());
            }
            self.0.register_child(spec).await
        }
    }
    let cert =
        "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
    let plan = plan_offline(super::testing::arguments(
        serde_json::json!({"loadBalancer": {"certificateArn": cert}}),
    ));
    let monitor = HttpsFails(Recorder::default());
    let err = construct(
        &monitor,
        &super::testing::quiet_env(false),
        "urn:component",
        super::testing::validated(plan),
    )
    .await
    .expect_err("the HTTPS listener failed");
    assert!(err.contains("not valid"), "{err}");
    let registered: BTreeSet<String> = monitor
        .0
        .children
        .lock()
        .expect("lock")
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert!(registered.contains("orders-alb"), "{registered:?}");
    assert!(
        !registered.contains("orders-listener-http"),
        "port 80 was changed although HTTPS does not answer: {registered:?}"
    );
    // And the engine knows it: the redirect depends on the HTTPS listener.
    let (children, _, _) = run_with(
        false,
        &[("loadBalancer", serde_json::json!({"certificateArn": cert}))],
    )
    .await;
    let redirect = find(&children, "orders-listener-http");
    assert!(
        redirect
            .depends_on
            .iter()
            .any(|u| u.ends_with("::orders-listener-https")),
        "{:?}",
        redirect.depends_on
    );
}

#[tokio::test]
async fn hardening_defaults_are_on_and_each_can_be_switched_off() {
    let (children, built, warnings) = run_with(false, &[]).await;
    let ecr = find(&children, "orders-ecr");
    assert_eq!(json(&ecr.inputs["imageTagMutability"]), "IMMUTABLE");
    assert!(
        warnings.iter().any(|w| w.contains("`latest`")),
        "running `latest` from an IMMUTABLE repository is told: {warnings:?}"
    );
    for l in ["a", "b", "c"] {
        let subnet = find(&children, &format!("orders-public-{l}"));
        assert_eq!(json(&subnet.inputs["mapPublicIpOnLaunch"]), false);
    }
    assert_eq!(
        json(&find(&children, "orders-aurora").inputs["copyTagsToSnapshot"]),
        true
    );
    // The alarm topic is encrypted with the platform's key, which CloudWatch alarms may use.
    let key = find(&children, "orders-alarms-key");
    assert_eq!(
        json(&key.inputs["serviceUsers"]),
        serde_json::json!(["cloudwatch.amazonaws.com"])
    );
    assert_eq!(json(&key.inputs["enableKeyRotation"]), true);
    let topic = find(&children, "orders-alarms-topic");
    assert_eq!(
        json(&topic.inputs["kmsMasterKeyId"]),
        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    );
    // VPC flow logs: every flow of the VPC to the platform's log group, by a role that may write only there.
    let flow_log = find(&children, "orders-flow-log");
    assert_eq!(json(&flow_log.inputs["resourceId"]), "vpc-orders-vpc");
    assert_eq!(json(&flow_log.inputs["trafficType"]), "ALL");
    assert_eq!(
        json(&flow_log.inputs["logGroupName"]),
        "logs-flow-prod-x7k2"
    );
    assert_eq!(
        json(&flow_log.inputs["deliverLogsPermissionArn"]),
        "arn:aws:iam::123456789012:role/role-flowlogs-prod-x7k2"
    );
    assert_eq!(
        json(&find(&children, "orders-flow-logs").inputs["retentionInDays"]),
        90
    );
    let role = find(&children, "orders-role-flowlogs");
    let trust = json(&role.inputs["assumeRolePolicy"]);
    let trust = trust.to_string();
    assert!(
        trust.contains("vpc-flow-logs.amazonaws.com") && trust.contains("aws:SourceAccount"),
        "{trust}"
    );
    let policy = json(&role.inputs["inlinePolicies"]).to_string();
    assert!(
        policy.contains("log-group:logs-flow-prod-x7k2") && !policy.contains("\"*\""),
        "the delivery role names only its log group: {policy}"
    );
    assert_eq!(
        built.outputs["flowLogGroupName"],
        Value::from("logs-flow-prod-x7k2")
    );
    // Access logs: the platform's bucket (private, SSE-S3, expiring, ELB delivery under `alb/`), then the ALB.
    let bucket = find(&children, "orders-access-logs");
    assert_eq!(
        json(&bucket.inputs["bucket"]),
        "s3-alblogs-123456789012-us-east-1-prod-x7k2"
    );
    assert_eq!(json(&bucket.inputs["encryption"]), "AES256");
    assert_eq!(json(&bucket.inputs["blockPublicAccess"]), true);
    assert_eq!(json(&bucket.inputs["expirationDays"]), 90);
    assert_eq!(json(&bucket.inputs["loadBalancerLogDelivery"]), true);
    assert_eq!(json(&bucket.inputs["logPrefix"]), "alb");
    assert_eq!(json(&bucket.inputs["forceDestroy"]), true);
    let alb = find(&children, "orders-alb");
    assert_eq!(
        json(&alb.inputs["accessLogs"]),
        serde_json::json!({"bucket": "s3-alblogs-123456789012-us-east-1-prod-x7k2", "prefix": "alb", "enabled": true})
    );
    assert!(
        alb.dependencies["accessLogs"]
            .iter()
            .any(|u| u.ends_with("::orders-access-logs"))
    );
    assert_eq!(
        built.outputs["accessLogBucket"],
        Value::from("s3-alblogs-123456789012-us-east-1-prod-x7k2")
    );

    // Each switched off.
    let (children, built, warnings) = run_with(
        false,
        &[
            (
                "service",
                serde_json::json!({"imageTagMutability": "MUTABLE"}),
            ),
            ("mapPublicIpOnLaunch", serde_json::json!(true)),
            ("database", serde_json::json!({"copyTagsToSnapshot": false})),
            ("alarms", serde_json::json!({"encryptTopic": false})),
            ("flowLogs", serde_json::json!({"enabled": false})),
            (
                "loadBalancer",
                serde_json::json!({"accessLogs": {"enabled": false}}),
            ),
        ],
    )
    .await;
    assert_eq!(
        json(&find(&children, "orders-ecr").inputs["imageTagMutability"]),
        "MUTABLE"
    );
    assert!(
        !warnings.iter().any(|w| w.contains("`latest`")),
        "{warnings:?}"
    );
    assert_eq!(
        json(&find(&children, "orders-public-a").inputs["mapPublicIpOnLaunch"]),
        true
    );
    assert_eq!(
        json(&find(&children, "orders-private-a").inputs["mapPublicIpOnLaunch"]),
        false
    );
    assert_eq!(
        json(&find(&children, "orders-aurora").inputs["copyTagsToSnapshot"]),
        false
    );
    assert!(
        !find(&children, "orders-alarms-topic")
            .inputs
            .contains_key("kmsMasterKeyId")
    );
    let names: BTreeSet<&str> = children.iter().map(|c| c.name.as_str()).collect();
    assert!(
        !find(&children, "orders-alb")
            .inputs
            .contains_key("accessLogs")
    );
    assert!(!built.outputs.contains_key("accessLogBucket"));
    for absent in [
        "orders-alarms-key",
        "orders-flow-log",
        "orders-flow-logs",
        "orders-role-flowlogs",
        "orders-access-logs",
    ] {
        assert!(
            !names.contains(absent),
            "{absent} declared although switched off"
        );
    }
    assert!(!built.outputs.contains_key("flowLogGroupName"));

    // A key of the user's own instead of the platform's.
    let theirs = "arn:aws:kms:us-east-1:123456789012:key/0f0e0d0c-1111-2222-3333-444455556666";
    let (children, _, _) = run_with(
        false,
        &[("alarms", serde_json::json!({"topicKmsKeyArn": theirs}))],
    )
    .await;
    assert_eq!(
        json(&find(&children, "orders-alarms-topic").inputs["kmsMasterKeyId"]),
        theirs
    );
    assert!(!children.iter().any(|c| c.name == "orders-alarms-key"));
}
