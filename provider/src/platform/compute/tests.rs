//! Compute tests: the whole component is constructed with a recording monitor standing in for the engine (it
//! answers with ids and outputs shaped like AWS's, `testing::fabricate`); these assert what the compute children
//! are given.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::iam::ecr_repository_arn;
use super::task::health_command;
use super::*;
use crate::platform::testing::{
    Recorder, arguments, fabricate, physical_name, plan_offline, quiet_env,
};
use crate::platform::{ChildSpec, construct};
use crate::resource::CustomResource;
use crate::resources::appautoscaling::{
    scalable_target::ScalableTarget, scaling_policy::ScalingPolicy,
};
use crate::resources::ecs::{service::Service, task_definition::TaskDefinition};
use crate::resources::iam::role::Role;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

fn arn(service: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}")
}

const DB_SECRET: &str = "secret:rds!cluster-0d5b1d0e-AbCdEf";
const APP_SECRET: &str = "secret:secret-app-prod-x7k2-AbCdEf";

/// The compute kinds' tokens.
const COMPUTE: [&str; 9] = [
    Repository::TOKEN,
    LogGroup::TOKEN,
    MetricFilter::TOKEN,
    Role::TOKEN,
    Cluster::TOKEN,
    TaskDefinition::TOKEN,
    Service::TOKEN,
    ScalableTarget::TOKEN,
    ScalingPolicy::TOKEN,
];

struct Run {
    children: Vec<ChildSpec>,
}

impl Run {
    fn find(&self, name: &str) -> &ChildSpec {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no child {name}"))
    }

    fn json(&self, name: &str, key: &str) -> serde_json::Value {
        let c = self.find(name);
        c.inputs
            .get(key)
            .unwrap_or_else(|| panic!("{name} has no {key}"))
            .to_json()
            .unwrap_or_else(|| panic!("{name}.{key} is not known"))
    }

    /// The output `key` the recorder answered child `name` with.
    fn output(&self, name: &str, key: &str) -> String {
        let (_, outputs) = fabricate(self.find(name));
        outputs
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{name} has no output {key}"))
            .to_string()
    }

    fn depends_on(&self, name: &str, key: &str, other: &str) -> bool {
        self.find(name)
            .dependencies
            .get(key)
            .is_some_and(|urns| urns.iter().any(|u| u.ends_with(&format!("::{other}"))))
    }

    fn container(&self) -> serde_json::Value {
        self.json("orders-task", "containerDefinitions")[0].clone()
    }
}

/// Constructs the component `orders` (prod/x7k2) with the arguments `extra`.
async fn run_with(preview: bool, extra: serde_json::Value) -> Run {
    let env = quiet_env(preview);
    let plan = plan_offline(arguments(extra));
    let rec = Recorder {
        preview,
        ..Default::default()
    };
    construct(
        &rec,
        &env,
        "urn:component",
        crate::platform::testing::validated(plan),
    )
    .await
    .expect("construct");
    Run {
        children: rec.children.into_inner().expect("lock"),
    }
}

async fn run() -> Run {
    run_with(
        false,
        json!({"service": {"environment": {"LOG_LEVEL": "info"}}}),
    )
    .await
}

fn check_all(run: &Run) {
    crate::platform::testing::check_all(&run.children);
}

#[tokio::test]
async fn registers_every_compute_child_under_the_naming_rule() {
    let run = run().await;
    let compute: Vec<&ChildSpec> = run
        .children
        .iter()
        .filter(|c| COMPUTE.contains(&c.type_token) && !c.name.contains("flow"))
        .collect();
    let names: BTreeSet<(String, String)> = compute
        .iter()
        .map(|c| (c.type_token.to_string(), physical_name(c)))
        .collect();
    let expected: BTreeSet<(String, String)> = [
        (Repository::TOKEN, "ecr-prod-x7k2"),
        (LogGroup::TOKEN, "logs-prod-x7k2"),
        (MetricFilter::TOKEN, "mf-errors-prod-x7k2"),
        (Role::TOKEN, "role-execution-prod-x7k2"),
        (Role::TOKEN, "role-task-prod-x7k2"),
        (Role::TOKEN, "role-ecs-infra-prod-x7k2"),
        (Cluster::TOKEN, "ecs-prod-x7k2"),
        (TaskDefinition::TOKEN, "task-prod-x7k2"),
        (Service::TOKEN, "svc-prod-x7k2"),
        (ScalableTarget::TOKEN, "orders-scaling-target"),
        (ScalingPolicy::TOKEN, "scale-cpu-prod-x7k2"),
        (ScalingPolicy::TOKEN, "scale-pending-orders-prod-x7k2"),
    ]
    .iter()
    .map(|(t, n)| (t.to_string(), n.to_string()))
    .collect();
    assert_eq!(names, expected);
    assert_eq!(compute.len(), 12);
    assert_eq!(
        run.json("orders-scaling-target", "resourceId"),
        "service/ecs-prod-x7k2/svc-prod-x7k2"
    );
    for child in &run.children {
        if let Some(tags) = child.inputs.get("tags") {
            assert_eq!(tags.to_json().expect("tags")["EnvironmentSuffix"], "x7k2");
        }
    }
    check_all(&run);
}

#[tokio::test]
async fn repository_logs_and_error_metric() {
    let run = run().await;
    assert_eq!(run.json("orders-ecr", "scanOnPush"), true);
    assert_eq!(run.json("orders-ecr", "imageTagMutability"), "IMMUTABLE");
    assert_eq!(run.json("orders-ecr", "forceDelete"), true);
    assert_eq!(
        run.json("orders-ecr", "lifecyclePolicy"),
        json!({"keepLastImages": KEEP_IMAGES})
    );
    assert_eq!(run.json("orders-logs", "retentionInDays"), 30);
    assert_eq!(
        run.json("orders-logs-errors", "filterPattern"),
        r#"{ $.level = "ERROR" }"#
    );
    let t = run.json("orders-logs-errors", "metricTransformation");
    assert_eq!(t["metricName"], "Errors");
    assert_eq!(t["metricNamespace"], "OrderApi/prod-x7k2");
    assert_eq!(
        run.json("orders-logs-errors", "logGroupName"),
        "logs-prod-x7k2"
    );
    assert!(run.depends_on("orders-logs-errors", "logGroupName", "orders-logs"));
    let custom = run_with(false, json!({"service": {"logRetentionDays": 365}})).await;
    assert_eq!(custom.json("orders-logs", "retentionInDays"), 365);
}

#[tokio::test]
async fn cluster_and_service_run_mostly_on_spot() {
    let run = run().await;
    assert_eq!(run.json("orders-ecs", "containerInsights"), "enabled");
    assert_eq!(
        run.json("orders-ecs", "capacityProviders"),
        json!(["FARGATE", "FARGATE_SPOT"])
    );
    let expected = json!([
        {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0}
    ]);
    assert_eq!(
        run.json("orders-ecs", "defaultCapacityProviderStrategy"),
        expected
    );
    assert_eq!(run.json("orders-svc", "capacityProviderStrategy"), expected);
    let custom = run_with(
        false,
        json!({"service": {"spotWeight": 4, "onDemandWeight": 1, "onDemandBase": 0}}),
    )
    .await;
    assert_eq!(
        custom.json("orders-svc", "capacityProviderStrategy"),
        json!([
            {"capacityProvider": "FARGATE", "weight": 1, "base": 0},
            {"capacityProvider": "FARGATE_SPOT", "weight": 4, "base": 0}
        ])
    );
    let network = run.json("orders-svc", "networkConfiguration");
    assert_eq!(
        network["subnets"],
        json!([
            "subnet-orders-private-a",
            "subnet-orders-private-b",
            "subnet-orders-private-c"
        ])
    );
    assert_eq!(network["securityGroups"], json!(["sg-orders-sg-tasks"]));
    assert_eq!(network["assignPublicIp"], "DISABLED");
    assert!(run.depends_on("orders-svc", "networkConfiguration", "orders-sg-tasks"));
    assert!(run.depends_on("orders-svc", "networkConfiguration", "orders-private-b"));
    // The service waits for the NAT routes of its subnets and the Aurora writer, not for the readers.
    let waits: BTreeSet<&str> = run
        .find("orders-svc")
        .depends_on
        .iter()
        .map(|u| u.rsplit("::").next().expect("name"))
        .collect();
    assert_eq!(
        waits,
        BTreeSet::from([
            "orders-private-rt-a",
            "orders-private-rt-b",
            "orders-private-rt-c",
            "orders-aurora-writer"
        ])
    );
    assert_eq!(run.json("orders-svc", "desiredCount"), 3);
    assert_eq!(
        run.json("orders-svc", "desiredCountOwnedByAutoscaling"),
        true
    );
    assert_eq!(run.json("orders-svc", "healthCheckGracePeriodSeconds"), 60);
    assert_eq!(run.json("orders-svc", "propagateTags"), "SERVICE");
    assert_eq!(run.json("orders-svc", "enableExecuteCommand"), false);
    assert_eq!(run.json("orders-svc", "cluster"), "ecs-prod-x7k2");
    assert!(run.depends_on("orders-svc", "cluster", "orders-ecs"));
    assert!(run.depends_on("orders-svc", "taskDefinition", "orders-task"));
}

#[tokio::test]
async fn image_comes_from_the_platforms_repository_or_the_users_uri() {
    let url = format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/ecr-prod-x7k2");
    let run = run().await;
    assert_eq!(run.container()["image"], format!("{url}:latest"));
    assert!(run.depends_on("orders-task", "containerDefinitions", "orders-ecr"));

    let tagged = run_with(false, json!({"service": {"imageTag": "1.4.2"}})).await;
    assert_eq!(tagged.container()["image"], format!("{url}:1.4.2"));

    let digest = format!("sha256:{}", "ab".repeat(32));
    let pinned = run_with(false, json!({"service": {"imageTag": digest}})).await;
    assert_eq!(pinned.container()["image"], format!("{url}@{digest}"));

    let own = "public.ecr.aws/acme/orders:2.0";
    let user = run_with(false, json!({"service": {"image": own}})).await;
    assert_eq!(user.container()["image"], own);
    check_all(&user);
}

#[tokio::test]
async fn a_user_image_in_another_ecr_repository_may_be_pulled() {
    let own = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/orders:2.0";
    let run = run_with(false, json!({"service": {"image": own}})).await;
    let statements =
        run.json("orders-role-execution", "inlinePolicies")["execution"]["statements"].clone();
    let pull = statements
        .as_array()
        .expect("statements")
        .iter()
        .find(|s| s["sid"] == "EcrPull")
        .expect("pull")
        .clone();
    assert_eq!(
        pull["resources"],
        json!([
            arn("ecr", "repository/ecr-prod-x7k2"),
            "arn:aws:ecr:eu-west-1:210987654321:repository/team/orders"
        ])
    );
    assert_eq!(ecr_repository_arn("nginx:1.27"), None);
    assert_eq!(ecr_repository_arn("docker.io/library/nginx"), None);
    assert_eq!(
        ecr_repository_arn(&format!(
            "{ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn/x@sha256:00"
        )),
        Some(format!("arn:aws-cn:ecr:cn-north-1:{ACCOUNT}:repository/x"))
    );
}

#[tokio::test]
async fn container_gets_configuration_secrets_and_db_credentials_through_ecs_secrets() {
    let run = run_with(
        false,
        json!({"service": {
            "environment": {"LOG_LEVEL": "info"},
            "secrets": {"PAYMENT_API_KEY": "sk-live-do-not-leak"}
        }}),
    )
    .await;
    let c = run.container();
    let secrets: BTreeMap<String, String> = c["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().expect("name").to_string(),
                s["valueFrom"].as_str().expect("valueFrom").to_string(),
            )
        })
        .collect();
    let param = |n: &str| arn("ssm", &format!("parameter/param-prod-x7k2/{n}"));
    let expected: BTreeMap<String, String> = [
        ("DB_HOST", param("DB_HOST")),
        ("DB_READER_HOST", param("DB_READER_HOST")),
        ("DB_PORT", param("DB_PORT")),
        ("DB_NAME", param("DB_NAME")),
        ("METRIC_NAMESPACE", param("METRIC_NAMESPACE")),
        ("LOG_LEVEL", param("LOG_LEVEL")),
        (
            "PAYMENT_API_KEY",
            format!("{}:PAYMENT_API_KEY::", arn("secretsmanager", APP_SECRET)),
        ),
        (
            "DB_USERNAME",
            format!("{}:username::", arn("secretsmanager", DB_SECRET)),
        ),
        (
            "DB_PASSWORD",
            format!("{}:password::", arn("secretsmanager", DB_SECRET)),
        ),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.clone()))
    .collect();
    assert_eq!(secrets, expected);
    // The platform-set names that are neither parameters nor secrets come as plain variables.
    let env: BTreeMap<String, String> = c["environment"]
        .as_array()
        .expect("environment")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().expect("name").to_string(),
                e["value"].as_str().expect("value").to_string(),
            )
        })
        .collect();
    assert_eq!(
        env.keys().map(String::as_str).collect::<Vec<_>>(),
        vec!["DB_SECRET_ARN", "SERVICE_NAME"]
    );
    assert_eq!(env["SERVICE_NAME"], "svc-prod-x7k2");
    assert_eq!(env["DB_SECRET_ARN"], arn("secretsmanager", DB_SECRET));
    // Secret values never reach the task definition (only ARNs do).
    let all =
        serde_json::to_string(&run.json("orders-task", "containerDefinitions")).expect("json");
    assert!(!all.contains("sk-live"), "{all}");
    for from in [
        "orders-app-secret",
        "orders-aurora",
        "orders-param-log_level",
    ] {
        assert!(
            run.depends_on("orders-task", "containerDefinitions", from),
            "{from}"
        );
    }
    assert_eq!(c["logConfiguration"]["group"], "logs-prod-x7k2");
    assert_eq!(c["logConfiguration"]["streamPrefix"], "orders");
    assert_eq!(
        c["portMappings"],
        json!([{"containerPort": 8080, "protocol": "tcp"}])
    );
    assert_eq!(
        c["healthCheck"]["command"],
        json!([
            "CMD-SHELL",
            "curl -f http://localhost:8080/health || exit 1"
        ])
    );
    assert_eq!(c["readonlyRootFilesystem"], true);
    assert_eq!(c["name"], "orderapi");
    assert_eq!(run.json("orders-task", "cpu"), 512);
    assert_eq!(run.json("orders-task", "memory"), 1024);
    assert_eq!(
        run.json("orders-task", "runtimePlatform"),
        json!({"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"})
    );
    assert_eq!(
        run.json("orders-task", "executionRoleArn"),
        format!("arn:aws:iam::{ACCOUNT}:role/role-execution-prod-x7k2")
    );
    assert_eq!(
        run.json("orders-task", "taskRoleArn"),
        format!("arn:aws:iam::{ACCOUNT}:role/role-task-prod-x7k2")
    );
    check_all(&run);
}

#[tokio::test]
async fn a_user_variable_named_like_the_db_credentials_is_refused() {
    // Check refuses the name (args::RESERVED_ENV); the builder refuses it too, should a caller skip Check.
    let mut plan = plan_offline(arguments(json!({})));
    plan.settings
        .service
        .environment
        .insert("DB_PASSWORD".into(), "x".into());
    let err = crate::platform::validate(&quiet_env(false), plan).expect_err("duplicate variable");
    assert!(err.contains("'DB_PASSWORD'"), "{err}");
}

/// Every `(actions, resources, condition)` of a role's inline policies.
fn statements(run: &Run, role: &str) -> Vec<serde_json::Value> {
    run.json(role, "inlinePolicies")
        .as_object()
        .expect("policies")
        .values()
        .flat_map(|p| p["statements"].as_array().expect("statements").clone())
        .collect()
}

#[tokio::test]
async fn iam_policies_name_only_the_platforms_arns_except_where_aws_requires_a_wildcard() {
    let run = run_with(
        false,
        json!({"service": {"environment": {"LOG_LEVEL": "info"}}}),
    )
    .await;
    let log_group = arn("logs", "log-group:logs-prod-x7k2");
    let mut own: BTreeSet<String> = [
        arn("ecr", "repository/ecr-prod-x7k2"),
        format!("{log_group}:*"),
        run.output("orders-app-secret", "arn"),
        run.output("orders-aurora", "masterUserSecretArn"),
        arn("ssm", "parameter/param-prod-x7k2"),
        arn("ssm", "parameter/param-prod-x7k2/*"),
        run.output("orders-tg-blue", "arn"),
        run.output("orders-tg-green", "arn"),
        run.output("orders-listener-http", "arn"),
        run.output("orders-rule-orders", "arn"),
    ]
    .into_iter()
    .collect();
    // Every parameter of the service's configuration (its own and the platform's).
    let parameters: Vec<&ChildSpec> = run
        .children
        .iter()
        .filter(|c| c.type_token == crate::resources::ssm::parameter::Parameter::TOKEN)
        .collect();
    assert_eq!(parameters.len(), 6, "LOG_LEVEL and the platform's five");
    own.extend(parameters.iter().map(|p| run.output(&p.name, "arn")));
    // Actions AWS offers no resource-level permission for.
    let wildcard_only: BTreeSet<&str> = [
        "ecr:GetAuthorizationToken",
        "cloudwatch:PutMetricData",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
    ]
    .into_iter()
    .collect();
    let mut seen = BTreeSet::new();
    for role in [
        "orders-role-execution",
        "orders-role-task",
        "orders-role-ecs-infra",
    ] {
        for st in statements(&run, role) {
            assert_eq!(st["effect"], "Allow");
            let actions: Vec<&str> = st["actions"]
                .as_array()
                .expect("actions")
                .iter()
                .map(|a| a.as_str().expect("action"))
                .collect();
            assert!(
                actions.iter().all(|a| !a.contains('*')),
                "{role}: {actions:?}"
            );
            for r in st["resources"].as_array().expect("resources") {
                let r = r.as_str().expect("resource");
                if r == "*" {
                    assert!(
                        actions.iter().all(|a| wildcard_only.contains(a)),
                        "{role}: {actions:?} on *"
                    );
                } else {
                    assert!(own.contains(r), "{role}: {r} is not the platform's");
                    seen.insert(r.to_string());
                }
            }
        }
    }
    assert_eq!(seen, own, "every platform ARN is granted somewhere");
    let task = statements(&run, "orders-role-task");
    let metrics = task
        .iter()
        .find(|s| s["sid"] == "Metrics")
        .expect("metrics");
    assert_eq!(
        metrics["condition"],
        json!({"StringEquals": {"cloudwatch:namespace": ["OrderApi/prod-x7k2"]}})
    );
    // Trust: ECS tasks for the task and execution roles, ECS itself for the infrastructure role.
    for (role, principal) in [
        ("orders-role-execution", "ecs-tasks.amazonaws.com"),
        ("orders-role-task", "ecs-tasks.amazonaws.com"),
        ("orders-role-ecs-infra", "ecs.amazonaws.com"),
    ] {
        let t = run.json(role, "assumeRolePolicy");
        assert_eq!(
            t["statements"][0]["principal"]["service"],
            json!([principal])
        );
        assert_eq!(t["statements"][0]["actions"], json!(["sts:AssumeRole"]));
    }
    assert_eq!(
        run.json("orders-role-task", "assumeRolePolicy")["statements"][0]["condition"],
        json!({
            "StringEquals": {"aws:SourceAccount": [ACCOUNT]},
            "ArnLike": {"aws:SourceArn": [format!("arn:aws:ecs:{REGION}:{ACCOUNT}:*")]}
        })
    );
    for (role, from) in [
        ("orders-role-execution", "orders-ecr"),
        ("orders-role-execution", "orders-logs"),
        ("orders-role-execution", "orders-aurora"),
        ("orders-role-execution", "orders-param-log_level"),
        ("orders-role-ecs-infra", "orders-rule-orders"),
        ("orders-role-ecs-infra", "orders-tg-green"),
    ] {
        assert!(
            run.depends_on(role, "inlinePolicies", from),
            "{role} → {from}"
        );
    }
    check_all(&run);
}

#[tokio::test]
async fn traffic_shifting_strategies_use_both_target_groups_and_rolling_uses_blue_only() {
    let blue = run().await.output("orders-tg-blue", "arn");
    for (strategy, extra) in [
        ("BLUE_GREEN", json!({})),
        (
            "CANARY",
            json!({"canaryPercent": 20.0, "canaryBakeTimeMinutes": 7}),
        ),
        (
            "LINEAR",
            json!({"linearStepPercent": 25.0, "linearStepBakeTimeMinutes": 3}),
        ),
        ("ROLLING", json!({})),
    ] {
        let mut deployment = json!({"strategy": strategy, "rollbackOnAlarm": strategy != "LINEAR"});
        for (k, v) in extra.as_object().expect("object") {
            deployment[k] = v.clone();
        }
        let run = run_with(false, json!({"deployment": deployment})).await;
        let lbs = run.json("orders-svc", "loadBalancers");
        assert_eq!(lbs.as_array().expect("lbs").len(), 1);
        assert_eq!(lbs[0]["targetGroupArn"], blue);
        assert_eq!(lbs[0]["containerName"], "orderapi");
        assert_eq!(lbs[0]["containerPort"], 8080);
        let d = run.json("orders-svc", "deploymentConfiguration");
        assert_eq!(d["strategy"], strategy);
        assert_eq!(
            d["circuitBreaker"],
            json!({"enable": true, "rollback": true})
        );
        assert_eq!(
            d["alarms"],
            json!({
                "names": ["alarm-5xx-rate-prod-x7k2"],
                "rollback": strategy != "LINEAR",
                "enable": true
            })
        );
        assert!(run.depends_on(
            "orders-svc",
            "deploymentConfiguration",
            "orders-alarm-5xx-rate"
        ));
        assert!(run.depends_on("orders-svc", "loadBalancers", "orders-rule-orders"));
        if strategy == "ROLLING" {
            assert!(lbs[0].get("advancedConfiguration").is_none(), "{lbs}");
            assert!(d.get("bakeTimeInMinutes").is_none());
        } else {
            assert_eq!(
                lbs[0]["advancedConfiguration"],
                json!({
                    "alternateTargetGroupArn": run.output("orders-tg-green", "arn"),
                    "productionListenerRule": run.output("orders-rule-orders", "arn"),
                    "roleArn": format!("arn:aws:iam::{ACCOUNT}:role/role-ecs-infra-prod-x7k2"),
                })
            );
            assert!(run.depends_on("orders-svc", "loadBalancers", "orders-role-ecs-infra"));
            assert_eq!(d["bakeTimeInMinutes"], 10);
        }
        match strategy {
            "CANARY" => assert_eq!(
                d["canaryConfiguration"],
                json!({"canaryPercent": 20, "canaryBakeTimeInMinutes": 7})
            ),
            "LINEAR" => assert_eq!(
                d["linearConfiguration"],
                json!({"stepPercent": 25, "stepBakeTimeInMinutes": 3})
            ),
            _ => {
                assert!(d.get("canaryConfiguration").is_none());
                assert!(d.get("linearConfiguration").is_none());
            }
        }
        check_all(&run);
    }
}

#[tokio::test]
async fn autoscaling_tracks_cpu_and_pending_orders_between_min_and_max() {
    let run = run().await;
    assert_eq!(run.json("orders-scaling-target", "minCapacity"), 3);
    assert_eq!(run.json("orders-scaling-target", "maxCapacity"), 12);
    assert!(run.depends_on("orders-scaling-target", "resourceId", "orders-svc"));
    let cpu = run.json("orders-scale-cpu", "targetTracking");
    assert_eq!(
        cpu,
        json!({
            "targetValue": 70,
            "predefinedMetricType": "ECSServiceAverageCPUUtilization",
            "scaleInCooldown": 300,
            "scaleOutCooldown": 60,
            "disableScaleIn": false
        })
    );
    let pending = run.json("orders-scale-pending-orders", "targetTracking");
    assert_eq!(pending["targetValue"], 100);
    assert_eq!(
        pending["customizedMetric"],
        json!({
            "namespace": "OrderApi/prod-x7k2",
            "metricName": "PendingOrders",
            "dimensions": [{"name": "ServiceName", "value": "svc-prod-x7k2"}],
            "statistic": "Average"
        })
    );
    for policy in ["orders-scale-cpu", "orders-scale-pending-orders"] {
        assert_eq!(
            run.json(policy, "resourceId"),
            "service/ecs-prod-x7k2/svc-prod-x7k2"
        );
        assert!(run.depends_on(policy, "resourceId", "orders-scaling-target"));
    }
    let custom = run_with(false, json!({"service": {
            "minCount": 4, "maxCount": 40, "desiredCount": 6, "cpuTargetPercent": 55.5,
            "pendingOrdersTargetPerTask": 25, "scaleInCooldownSeconds": 600, "scaleOutCooldownSeconds": 30
        }}))
    .await;
    assert_eq!(custom.json("orders-scaling-target", "minCapacity"), 4);
    assert_eq!(custom.json("orders-scaling-target", "maxCapacity"), 40);
    assert_eq!(custom.json("orders-svc", "desiredCount"), 6);
    let cpu = custom.json("orders-scale-cpu", "targetTracking");
    assert_eq!(cpu["targetValue"], 55.5);
    assert_eq!(cpu["scaleInCooldown"], 600);
    assert_eq!(cpu["scaleOutCooldown"], 30);
    assert_eq!(
        custom.json("orders-scale-pending-orders", "targetTracking")["targetValue"],
        25
    );
    check_all(&custom);
}

#[tokio::test]
async fn preview_registers_every_child_with_unknowns_wired_through() {
    let preview = run_with(
        true,
        json!({"service": {"environment": {"LOG_LEVEL": "info"}}}),
    )
    .await;
    let up = run().await;
    let names = |r: &Run| {
        r.children
            .iter()
            .map(|c| c.name.clone())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(names(&preview), names(&up));
    let c = &preview.find("orders-task").inputs["containerDefinitions"];
    assert!(c.contains_unknowns());
    assert_eq!(preview.find("orders-svc").inputs["cluster"], Value::Unknown);
    // What does not depend on other children is known even in preview.
    assert_eq!(
        preview.json("orders-scaling-target", "resourceId"),
        "service/ecs-prod-x7k2/svc-prod-x7k2"
    );
    assert_eq!(preview.json("orders-ecs", "name"), "ecs-prod-x7k2");
}

#[test]
fn health_check_quotes_paths_a_shell_would_interpret() {
    assert_eq!(
        health_command(8080, "/health"),
        "curl -f http://localhost:8080/health || exit 1"
    );
    assert_eq!(
        health_command(80, "/ready?full=1&x='y'"),
        r"curl -f 'http://localhost:80/ready?full=1&x='\''y'\''' || exit 1"
    );
}

#[test]
fn malformed_arns_are_reported() {
    let err = arn_parts("not-an-arn").expect_err("malformed");
    assert!(err.contains("not-an-arn"), "{err}");
    assert_eq!(
        arn_parts(&arn("secretsmanager", APP_SECRET)).expect("arn"),
        ("aws".to_string(), REGION.to_string(), ACCOUNT.to_string())
    );
}

#[test]
fn known_strings_through_secret_and_output_wrappers() {
    assert_eq!(known(&Value::Secret(Box::new("a".into()))), Some("a"));
    let output = Value::Output {
        value: Some(Box::new("b".into())),
        secret: true,
        dependencies: vec![],
    };
    assert_eq!(known(&output), Some("b"));
    assert_eq!(known(&Value::Unknown), None);
    assert_eq!(
        map_known([&output, &Value::Unknown], |[a, b]| Ok(format!("{a}{b}"))),
        Ok(Value::Unknown)
    );
    // An ECR-looking registry whose account is not 12 digits is not ECR.
    assert_eq!(
        ecr_repository_arn("12345.dkr.ecr.us-east-1.amazonaws.com/orders:1"),
        None
    );
}
