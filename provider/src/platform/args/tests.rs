//! Tests of the argument groups and their validation, through `PlatformArgs` as Construct parses them.

use serde_json::json;

use super::rules::{is_arn, is_env_name, is_image_tag, is_image_uri};
use super::*;
use crate::arn::is_email;
use crate::platform::PlatformArgs;
use crate::rpc::value::{PropertyMap, Value};

fn inputs(extra: serde_json::Value) -> PropertyMap {
    let mut m: PropertyMap = [("environment", "prod"), ("environmentSuffix", "x7k2")]
        .iter()
        .map(|(k, v)| (k.to_string(), Value::from(*v)))
        .collect();
    for (k, v) in extra.as_object().expect("object").clone() {
        m.insert(k, Value::from_json(v));
    }
    m
}

fn settings_of(extra: serde_json::Value) -> Settings {
    let args = PlatformArgs::from_inputs(&inputs(extra)).expect("valid");
    let mut f = Failures::default();
    let s = args.settings_into(&mut f);
    assert!(f.finish(()).is_ok());
    s
}

#[test]
fn defaults_are_production_defaults() {
    let s = settings_of(json!({}));
    assert_eq!(s.service.image, None);
    assert_eq!(s.service.image_tag, "latest");
    assert_eq!((s.service.cpu, s.service.memory), (512, 1024));
    assert_eq!(
        (
            s.service.min_count,
            s.service.desired_count,
            s.service.max_count
        ),
        (3, 3, 12)
    );
    assert_eq!(s.service.health_check_path, "/health");
    assert_eq!(s.service.cpu_target_percent, 70.0);
    assert_eq!(s.deployment.strategy, DeploymentStrategy::BlueGreen);
    assert!(s.deployment.rollback_on_alarm);
    assert_eq!(s.waf.rate_limit, 100);
    assert_eq!(s.waf.managed_rule_groups.len(), 3);
    assert_eq!(s.database.reader_count, 2);
    assert!(!s.database.deletion_protection);
    assert!(!s.database.final_snapshot);
    assert_eq!(s.load_balancer.certificate_arn, None);
    assert_eq!(s.alarms.error_rate_percent, 5.0);
    // Default split: at least half of the default counts on Spot.
    let spot = spot_tasks(3, 1, 3, 1);
    assert!(2.0 * spot >= 3.0, "{spot}");
}

#[test]
fn given_values_override_defaults() {
    let s = settings_of(json!({
        "service": {"image": "public.ecr.aws/nginx/nginx:1.27", "cpu": 1024, "memory": 4096,
                    "minCount": 2, "desiredCount": 4, "maxCount": 20, "onDemandBase": 0,
                    "spotWeight": 1, "onDemandWeight": 1, "environment": {"LOG_LEVEL": "info"},
                    "secrets": {"PAYMENT_API_KEY": "k"}},
        "deployment": {"strategy": "CANARY", "canaryPercent": 20, "canaryBakeTimeMinutes": 3},
        "loadBalancer": {"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                         "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"},
        "waf": {"rateLimit": 500, "managedRuleGroups": ["AWSManagedRulesAmazonIpReputationList"]},
        "database": {"readerCount": 0, "finalSnapshot": true, "instanceClass": "db.t4g.medium"},
        "alarms": {"email": "oncall@example.com",
                   "topicArn": "arn:aws:sns:us-east-1:123456789012:pager"}
    }));
    assert_eq!(
        s.service.image.as_deref(),
        Some("public.ecr.aws/nginx/nginx:1.27")
    );
    assert_eq!(s.service.max_count, 20);
    assert_eq!(s.deployment.strategy, DeploymentStrategy::Canary);
    assert_eq!(s.deployment.strategy.ecs_value(), "CANARY");
    assert_eq!(s.deployment.canary_percent, 20.0);
    assert_eq!(s.waf.rate_limit, 500);
    assert_eq!(s.database.reader_count, 0);
    assert!(s.database.final_snapshot);
    assert_eq!(s.service.secrets["PAYMENT_API_KEY"], "k");
    assert_eq!(s.alarms.email.as_deref(), Some("oncall@example.com"));
}

/// Every rule: the input that breaks it, and the property the failure must name.
#[test]
fn bad_inputs_fail_naming_the_property() {
    let cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (
            json!({"service": {"cpu": 256, "memory": 4096}}),
            "service.memory",
        ),
        (
            json!({"service": {"cpu": 300, "memory": 1024}}),
            "service.memory",
        ),
        (
            json!({"service": {"minCount": 5, "maxCount": 2, "desiredCount": 3}}),
            "service.maxCount",
        ),
        (
            json!({"service": {"desiredCount": 30}}),
            "service.desiredCount",
        ),
        (json!({"service": {"minCount": 0}}), "service.minCount"),
        (
            json!({"service": {"containerPort": 70000}}),
            "service.containerPort",
        ),
        (
            json!({"service": {"healthCheckPath": "health"}}),
            "service.healthCheckPath",
        ),
        (
            json!({"service": {"healthCheckPath": "/he alth"}}),
            "service.healthCheckPath",
        ),
        (
            json!({"service": {"pathPatterns": []}}),
            "service.pathPatterns",
        ),
        (
            json!({"service": {"pathPatterns": ["/a", "/b", "/c", "/d", "/e", "/f"]}}),
            "service.pathPatterns",
        ),
        (
            json!({"service": {"pathPatterns": ["orders"]}}),
            "service.pathPatterns",
        ),
        (
            json!({"service": {"environment": {"1BAD": "x"}}}),
            "service.environment",
        ),
        (
            json!({"service": {"environment": {"DB_HOST": "x"}}}),
            "service.environment",
        ),
        (
            json!({"service": {"environment": {"EMPTY": ""}}}),
            "service.environment",
        ),
        (
            json!({"service": {"environment": {"K": "a"}, "secrets": {"K": "b"}}}),
            "service.secrets",
        ),
        (
            json!({"service": {"secrets": {"bad-name": "b"}}}),
            "service.secrets",
        ),
        (json!({"service": {"imageTag": "-bad"}}), "service.imageTag"),
        (
            json!({"service": {"image": "nginx:1", "imageTag": "v1"}}),
            "service.imageTag",
        ),
        (
            json!({"service": {"image": "has space:1"}}),
            "service.image",
        ),
        (
            json!({"service": {"spotWeight": 1, "onDemandWeight": 2}}),
            "service.spotWeight",
        ),
        (json!({"service": {"spotWeight": 0}}), "service.spotWeight"),
        (
            json!({"service": {"onDemandBase": 3}}),
            "service.onDemandBase",
        ),
        (
            json!({"service": {"cpuTargetPercent": 0}}),
            "service.cpuTargetPercent",
        ),
        (
            json!({"service": {"cpuTargetPercent": 150}}),
            "service.cpuTargetPercent",
        ),
        (
            json!({"service": {"pendingOrdersTargetPerTask": -1}}),
            "service.pendingOrdersTargetPerTask",
        ),
        (
            json!({"service": {"scaleInCooldownSeconds": -5}}),
            "service.scaleInCooldownSeconds",
        ),
        (
            json!({"service": {"deregistrationDelaySeconds": 4000}}),
            "service.deregistrationDelaySeconds",
        ),
        (
            json!({"service": {"logRetentionDays": 42}}),
            "service.logRetentionDays",
        ),
        (json!({"service": {"cpu": "lots"}}), "service.cpu"),
        (json!({"service": {"replicas": 3}}), "service.replicas"),
        (
            json!({"deployment": {"strategy": "BIG_BANG"}}),
            "deployment.strategy",
        ),
        (
            json!({"deployment": {"bakeTimeMinutes": 2000}}),
            "deployment.bakeTimeMinutes",
        ),
        (
            json!({"deployment": {"canaryPercent": 20}}),
            "deployment.canaryPercent",
        ),
        (
            json!({"deployment": {"strategy": "CANARY", "canaryPercent": 0}}),
            "deployment.canaryPercent",
        ),
        (
            json!({"deployment": {"strategy": "LINEAR", "linearStepPercent": 2}}),
            "deployment.linearStepPercent",
        ),
        (
            json!({"deployment": {"linearStepBakeTimeMinutes": 5}}),
            "deployment.linearStepBakeTimeMinutes",
        ),
        (
            json!({"loadBalancer": {"certificateArn": "not-an-arn"}}),
            "loadBalancer.certificateArn",
        ),
        (
            json!({"loadBalancer": {"sslPolicy": "ELBSecurityPolicy-2016-08"}}),
            "loadBalancer.sslPolicy",
        ),
        (
            json!({"loadBalancer": {"certificateArn": cert, "sslPolicy": "TLS1.3"}}),
            "loadBalancer.sslPolicy",
        ),
        (
            json!({"loadBalancer": {"idleTimeoutSeconds": 0}}),
            "loadBalancer.idleTimeoutSeconds",
        ),
        (json!({"waf": {"rateLimit": 5}}), "waf.rateLimit"),
        (
            json!({"waf": {"managedRuleGroups": ["AWSManagedRulesBotControlRuleSetX"]}}),
            "waf.managedRuleGroups",
        ),
        (
            json!({"waf": {"managedRuleGroups": ["AWSManagedRulesSQLiRuleSet", "AWSManagedRulesSQLiRuleSet"]}}),
            "waf.managedRuleGroups",
        ),
        (
            json!({"database": {"engineVersion": "8.0.32"}}),
            "database.engineVersion",
        ),
        (
            json!({"database": {"engineVersion": "13.4"}}),
            "database.engineVersion",
        ),
        (
            json!({"database": {"instanceClass": "r6g.large"}}),
            "database.instanceClass",
        ),
        (
            json!({"database": {"readerCount": 16}}),
            "database.readerCount",
        ),
        (
            json!({"database": {"databaseName": "1orders"}}),
            "database.databaseName",
        ),
        (
            json!({"database": {"databaseName": "order-db"}}),
            "database.databaseName",
        ),
        (
            json!({"database": {"backupRetentionDays": 0}}),
            "database.backupRetentionDays",
        ),
        (
            json!({"database": {"backupWindow": "3am"}}),
            "database.backupWindow",
        ),
        (
            json!({"database": {"maintenanceWindow": "sunday"}}),
            "database.maintenanceWindow",
        ),
        (
            json!({"database": {"backupWindow": "05:00-06:00", "maintenanceWindow": "sun:05:30-sun:06:30"}}),
            "database.maintenanceWindow",
        ),
        (
            json!({"alarms": {"email": "oncall-at-example.com"}}),
            "alarms.email",
        ),
        (
            json!({"alarms": {"topicArn": "arn:aws:sqs:us-east-1:123456789012:q"}}),
            "alarms.topicArn",
        ),
        (
            json!({"alarms": {"errorRatePercent": 0}}),
            "alarms.errorRatePercent",
        ),
        (
            json!({"alarms": {"dbConnectionsThreshold": -1}}),
            "alarms.dbConnectionsThreshold",
        ),
        (
            json!({"alarms": {"wafBlockedThreshold": 0}}),
            "alarms.wafBlockedThreshold",
        ),
        (
            json!({"availabilityZones": ["us-east-1a", "us-east-1a", "us-east-1b"]}),
            "availabilityZones",
        ),
        (json!({"tags": {"ManagedBy": "me"}}), "tags"),
        (json!({"vpcCidr": "10.0.0.0/25"}), "vpcCidr"),
    ];
    assert!(cases.len() >= 25);
    for (extra, property) in cases {
        let failures = PlatformArgs::from_inputs(&inputs(extra.clone()))
            .expect_err(&format!("{extra} must be refused"));
        assert!(
            failures.iter().any(|f| f.property == property),
            "{extra}: expected a failure on {property}, got {failures:?}"
        );
    }
}

#[test]
fn spot_share_counts_the_on_demand_base() {
    assert_eq!(spot_tasks(3, 1, 3, 1), 1.5);
    assert_eq!(spot_tasks(4, 0, 1, 1), 2.0);
    assert_eq!(spot_tasks(2, 5, 1, 1), 0.0);
    assert_eq!(spot_tasks(10, 0, 0, 0), 0.0);
}

#[test]
fn name_rules() {
    assert!(is_image_tag("v1.2.3"));
    assert!(is_image_tag(&format!("sha256:{}", "a".repeat(64))));
    assert!(!is_image_tag("sha256:abc"));
    assert!(is_image_uri(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders@sha256:abc"
    ));
    assert!(!is_image_uri("/orders"));
    assert!(is_email("a.b@example.co.uk"));
    assert!(!is_email("a@b"));
    assert!(!is_email("a b@example.com"));
    assert!(is_env_name("_X1"));
    assert!(!is_env_name("X-1"));
    assert!(is_arn("arn:aws-us-gov:sns:us-gov-west-1:1:t", "sns"));
    assert!(!is_arn("arn:aws:sns:us-east-1:1:", "sns"));
}
