//! The property that makes "every rule is checked before the first AWS call" a property of the code, not of a
//! list of cases: for arguments drawn from a wide space (valid values, boundaries and values just past them, in
//! every argument that feeds a child), whenever any child kind's own `check` refuses a child the platform would
//! register at `up` (every value known: ids and ARNs fabricated like AWS's), Construct's validation — which runs
//! before anything is registered, at preview — refuses the arguments too, and names a component argument.

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::{Value as Json, json};

use super::testing::{Recorder, quiet_env};
use super::{PlatformArgs, construct, plan_in, validate};
use crate::resource::{CheckContext, Registry};
use crate::rpc::value::{PropertyMap, Value};

fn pick<T: Clone + std::fmt::Debug + 'static>(values: &[T]) -> BoxedStrategy<T> {
    proptest::sample::select(values.to_vec()).boxed()
}

fn maybe(s: BoxedStrategy<Json>) -> BoxedStrategy<Option<Json>> {
    proptest::option::weighted(0.6, s).boxed()
}

fn int(values: &[i64]) -> BoxedStrategy<Json> {
    prop_oneof![
        pick(values).prop_map(Json::from),
        (-10i64..5000).prop_map(Json::from)
    ]
    .boxed()
}

fn num(values: &[f64]) -> BoxedStrategy<Json> {
    prop_oneof![
        pick(values).prop_map(Json::from),
        (-1.0f64..500.0).prop_map(Json::from)
    ]
    .boxed()
}

fn text(values: &[&'static str], pattern: &'static str) -> BoxedStrategy<Json> {
    prop_oneof![
        pick(values).prop_map(Json::from),
        pattern.prop_map(Json::from),
    ]
    .boxed()
}

/// `HH:MM-HH:MM` windows of any length, wrapping midnight or not.
fn window() -> BoxedStrategy<Json> {
    (
        0u32..24,
        prop::sample::select(vec![0u32, 15, 29, 30, 45, 59]),
        0u32..24,
        prop::sample::select(vec![0u32, 14, 30, 45]),
    )
        .prop_map(|(h1, m1, h2, m2)| Json::from(format!("{h1:02}:{m1:02}-{h2:02}:{m2:02}")))
        .boxed()
}

fn maintenance_window() -> BoxedStrategy<Json> {
    let day = pick(&["mon", "tue", "sun", "sat"]);
    (
        day.clone(),
        0u32..24,
        pick(&[0u32, 20, 30]),
        day,
        0u32..24,
        pick(&[0u32, 25, 30]),
    )
        .prop_map(|(d1, h1, m1, d2, h2, m2)| {
            Json::from(format!("{d1}:{h1:02}:{m1:02}-{d2}:{h2:02}:{m2:02}"))
        })
        .boxed()
}

/// An object of the fields drawn as present.
fn group(fields: Vec<(&'static str, BoxedStrategy<Option<Json>>)>) -> BoxedStrategy<Option<Json>> {
    let (names, strategies): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
    proptest::option::weighted(
        0.8,
        strategies.prop_map(move |values| {
            Json::Object(
                names
                    .iter()
                    .zip(values)
                    .filter_map(|(n, v)| v.map(|v| (n.to_string(), v)))
                    .collect(),
            )
        }),
    )
    .boxed()
}

fn service() -> BoxedStrategy<Option<Json>> {
    let env_value = prop_oneof![
        "[a-z]{1,12}".prop_map(Json::from),
        Just(Json::from("x".repeat(4096))),
        Just(Json::from("x".repeat(4097))),
        Just(Json::from("")),
    ];
    group(vec![
        (
            "imageTag",
            maybe(text(
                &["v1.4.2", "latest", "sha256:0"],
                "[a-zA-Z0-9_.-]{1,130}",
            )),
        ),
        (
            "imageTagMutability",
            maybe(text(&["IMMUTABLE", "MUTABLE"], "[A-Z]{3,9}")),
        ),
        ("containerPort", maybe(int(&[0, 1, 80, 8080, 65535, 65536]))),
        (
            "cpu",
            maybe(int(&[256, 512, 1024, 2048, 4096, 8192, 16384])),
        ),
        (
            "memory",
            maybe(int(&[512, 1024, 2048, 4096, 8192, 30720, 122880])),
        ),
        ("desiredCount", maybe(int(&[0, 1, 3, 10]))),
        ("minCount", maybe(int(&[0, 1, 2, 3]))),
        ("maxCount", maybe(int(&[1, 10, 100, 1000]))),
        (
            "healthCheckPath",
            maybe(text(&["/health", "/", "/x y"], "/[ -~]{0,1100}")),
        ),
        (
            "pathPatterns",
            maybe(
                prop::collection::vec(
                    text(&["/orders", "/orders/*", "/*"], "/[a-z*?]{0,140}"),
                    0..7,
                )
                .prop_map(Json::from)
                .boxed(),
            ),
        ),
        (
            "environment",
            maybe(
                prop::collection::btree_map("[A-Z_]{1,8}", env_value, 0..3)
                    .prop_map(|m| json!(m))
                    .boxed(),
            ),
        ),
        ("spotWeight", maybe(int(&[0, 1, 3]))),
        ("onDemandWeight", maybe(int(&[0, 1, 3]))),
        ("onDemandBase", maybe(int(&[0, 1, 2, 100_001]))),
        (
            "cpuTargetPercent",
            maybe(num(&[0.0, 10.0, 70.0, 100.0, 100.5])),
        ),
        (
            "pendingOrdersTargetPerTask",
            maybe(num(&[0.0, 0.5, 100.0, 1e9])),
        ),
        (
            "scaleOutCooldownSeconds",
            maybe(int(&[0, 60, 86_400, 86_401, 1_000_000])),
        ),
        (
            "scaleInCooldownSeconds",
            maybe(int(&[0, 300, 86_400, 86_401])),
        ),
        (
            "deregistrationDelaySeconds",
            maybe(int(&[0, 30, 3600, 3601])),
        ),
        ("logRetentionDays", maybe(int(&[1, 3, 30, 42, 3653]))),
        (
            "waitForSteadyState",
            maybe(any::<bool>().prop_map(Json::from).boxed()),
        ),
    ])
}

fn deployment() -> BoxedStrategy<Option<Json>> {
    group(vec![
        (
            "strategy",
            maybe(text(
                &["BLUE_GREEN", "CANARY", "LINEAR", "ROLLING"],
                "[A-Z_]{4,10}",
            )),
        ),
        ("bakeTimeMinutes", maybe(int(&[0, 10, 1440, 1441]))),
        ("canaryPercent", maybe(num(&[0.0, 0.1, 5.0, 99.9, 100.0]))),
        ("canaryBakeTimeMinutes", maybe(int(&[0, 1, 1440, 1441]))),
        ("linearStepPercent", maybe(num(&[2.9, 3.0, 10.0, 100.0]))),
        ("linearStepBakeTimeMinutes", maybe(int(&[0, 1, 1440, 1441]))),
        (
            "rollbackOnAlarm",
            maybe(any::<bool>().prop_map(Json::from).boxed()),
        ),
    ])
}

fn load_balancer() -> BoxedStrategy<Option<Json>> {
    group(vec![
        (
            "certificateArn",
            maybe(pick(&[
                "arn:aws:acm:us-east-1:123456789012:certificate/0b5e4cd6-7f11-4a4c-9d3e-2f1c8e7a9b10",
                "arn:aws:iam::123456789012:server-certificate/orders",
                "arn:aws:acm:us-east-1:123456789012:certificate/",
            ])
            .prop_map(Json::from)
            .boxed()),
        ),
        ("idleTimeoutSeconds", maybe(int(&[0, 1, 60, 4000, 4001]))),
        (
            "accessLogs",
            maybe(
                (proptest::option::of(any::<bool>()), proptest::option::of(pick(&[0i64, 1, 90, 3650, 3651])))
                    .prop_map(|(e, d)| {
                        let mut m = serde_json::Map::new();
                        if let Some(e) = e {
                            m.insert("enabled".into(), e.into());
                        }
                        if let Some(d) = d {
                            m.insert("retentionDays".into(), d.into());
                        }
                        Json::Object(m)
                    })
                    .boxed(),
            ),
        ),
    ])
}

fn waf() -> BoxedStrategy<Option<Json>> {
    group(vec![
        (
            "rateLimit",
            maybe(int(&[9, 10, 100, 2_000_000_000, 2_000_000_001])),
        ),
        (
            "managedRuleGroups",
            maybe(
                prop::collection::vec(
                    text(
                        &["AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet"],
                        "AWSManagedRules[A-Za-z]{1,8}",
                    ),
                    0..4,
                )
                .prop_map(Json::from)
                .boxed(),
            ),
        ),
    ])
}

fn database() -> BoxedStrategy<Option<Json>> {
    group(vec![
        (
            "engineVersion",
            maybe(text(
                &["8.0.mysql_aurora.3.08.0", "8.0.mysql_aurora.3.04.3"],
                "8\\.0\\.mysql_aurora\\.[0-9]\\.[0-9]{2}\\.[0-9]",
            )),
        ),
        (
            "instanceClass",
            maybe(text(
                &["db.r6g.large", "db.t4g.medium", "db.serverless"],
                "db\\.[a-z0-9]{2,4}\\.[a-z0-9]{4,8}",
            )),
        ),
        ("readerCount", maybe(int(&[0, 1, 2, 15, 16]))),
        (
            "databaseName",
            maybe(text(&["orders", "o", "_x"], "[a-zA-Z_][a-zA-Z0-9_]{0,70}")),
        ),
        ("backupRetentionDays", maybe(int(&[0, 1, 7, 35, 36]))),
        ("backupWindow", maybe(window())),
        ("maintenanceWindow", maybe(maintenance_window())),
        (
            "deletionProtection",
            maybe(any::<bool>().prop_map(Json::from).boxed()),
        ),
        (
            "finalSnapshot",
            maybe(any::<bool>().prop_map(Json::from).boxed()),
        ),
        (
            "copyTagsToSnapshot",
            maybe(any::<bool>().prop_map(Json::from).boxed()),
        ),
    ])
}

fn alarms() -> BoxedStrategy<Option<Json>> {
    group(vec![
        (
            "email",
            maybe(text(
                &["oncall@example.com"],
                "[a-z]{1,10}@[a-z]{1,10}\\.[a-z]{2,3}",
            )),
        ),
        (
            "topicArn",
            maybe(
                pick(&["arn:aws:sns:us-east-1:123456789012:oncall"])
                    .prop_map(Json::from)
                    .boxed(),
            ),
        ),
        (
            "errorRatePercent",
            maybe(num(&[0.0, 0.01, 5.0, 100.0, 100.1])),
        ),
        (
            "dbConnectionsThreshold",
            maybe(num(&[0.0, 1.0, 500.0, 1e12])),
        ),
        ("wafBlockedThreshold", maybe(num(&[0.0, 1.0, 1000.0]))),
        (
            "encryptTopic",
            maybe(any::<bool>().prop_map(Json::from).boxed()),
        ),
    ])
}

fn flow_logs() -> BoxedStrategy<Option<Json>> {
    group(vec![
        ("enabled", maybe(any::<bool>().prop_map(Json::from).boxed())),
        (
            "trafficType",
            maybe(text(&["ALL", "ACCEPT", "REJECT"], "[A-Z]{3,6}")),
        ),
        ("retentionDays", maybe(int(&[1, 90, 400, 3653]))),
    ])
}

fn tags() -> BoxedStrategy<Option<Json>> {
    maybe(
        prop::collection::btree_map(
            prop_oneof![
                Just("Team".to_string()),
                "[A-Za-z:._/=+@-]{1,130}",
                Just("aws:x".to_string())
            ],
            prop_oneof!["[A-Za-z0-9 ._:/=+@-]{0,20}", "[a-z]{250,260}"],
            0..3,
        )
        .prop_map(|m| json!(m))
        .boxed(),
    )
}

/// Component inputs: a valid name, then any of the groups.
fn arguments() -> impl Strategy<Value = Json> {
    (
        "[a-z][a-z0-9]{0,9}",
        "[a-z0-9]{1,8}",
        maybe(
            pick(&[
                "10.0.0.0/16",
                "10.20.0.0/20",
                "10.9.0.0/24",
                "172.16.0.0/16",
            ])
            .prop_map(Json::from)
            .boxed(),
        ),
        (service(), deployment(), load_balancer(), waf()),
        (database(), alarms(), flow_logs(), tags()),
        maybe(any::<bool>().prop_map(Json::from).boxed()),
    )
        .prop_map(
            |(env, suffix, cidr, (svc, dep, lb, waf), (db, al, fl, tags), public_ips)| {
                let mut m = serde_json::Map::new();
                m.insert("environment".into(), env.into());
                m.insert("environmentSuffix".into(), suffix.into());
                for (k, v) in [
                    ("vpcCidr", cidr),
                    ("service", svc),
                    ("deployment", dep),
                    ("loadBalancer", lb),
                    ("waf", waf),
                    ("database", db),
                    ("alarms", al),
                    ("flowLogs", fl),
                    ("tags", tags),
                    ("mapPublicIpOnLaunch", public_ips),
                ] {
                    if let Some(v) = v {
                        m.insert(k.into(), v);
                    }
                }
                Json::Object(m)
            },
        )
}

/// What each child kind's own check says about the children a full `up` registers: `None` when Construct itself
/// stopped (a child refused while being declared), else the refusals.
fn kinds_refusals(args: PlatformArgs) -> Option<Vec<String>> {
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
        .map(String::from)
        .to_vec();
    let plan = plan_in("us-east-1", zones, args).ok()?;
    let recorder = Recorder::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let built = runtime.block_on(construct(
        &recorder,
        &quiet_env(false),
        "urn:component",
        plan,
    ));
    if built.is_err() {
        return None;
    }
    let registry = Registry::all();
    let mut refusals = vec![];
    for child in recorder.children.into_inner().unwrap_or_default() {
        let kind = registry.get(child.type_token)?;
        let checked = kind.check(&CheckContext::default(), child.inputs.clone());
        refusals.extend(checked.failures.iter().map(|f| {
            format!(
                "{} ({}) {}: {}",
                child.name, child.type_token, f.property, f.reason
            )
        }));
    }
    Some(refusals)
}

fn inputs_of(json: &Json) -> PropertyMap {
    json.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), Value::from_json(v.clone())))
                .collect()
        })
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_refusal_of_a_child_kind_is_made_by_construct_validation_first(input in arguments()) {
        // Check refuses at the component (before Construct): nothing is registered, which is the goal.
        let Ok(args) = PlatformArgs::from_inputs(&inputs_of(&input)) else { return Ok(()) };
        let zones = ["us-east-1a", "us-east-1b", "us-east-1c"].map(String::from).to_vec();
        let Ok(plan) = plan_in("us-east-1", zones, args.clone()) else { return Ok(()) };
        let validated = validate(&quiet_env(true), &plan);
        match kinds_refusals(args) {
            Some(refusals) if refusals.is_empty() => {
                prop_assert!(validated.is_ok(), "validation refused arguments every child accepts: {:?}\n{input}", validated);
            }
            found => {
                let Err(message) = validated else {
                    return Err(TestCaseError::fail(format!(
                        "a child's kind refuses what Construct validation let through (it would fail at up, part-way): \
                         {found:?}\narguments: {input}"
                    )));
                };
                let arguments: BTreeSet<String> = crate::schema::property_names::<PlatformArgs>();
                prop_assert!(
                    arguments.iter().any(|a| message.starts_with(a.as_str())),
                    "the validation failure does not name a component argument: {message}"
                );
            }
        }
    }
}
