//! The property that makes "every rule is checked before the first AWS call" a property of the code, not of a
//! list of cases: for arguments drawn from a wide space (valid values, boundaries and values just past them, in
//! every argument that feeds a child), whenever any child kind's own `check` refuses a child the platform would
//! register at `up` (every value known: ids and ARNs fabricated like AWS's), Construct's validation — which runs
//! before anything is registered, at preview — refuses the arguments too, and names a component argument.

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::{Value as Json, json};

use super::testing::{Recorder, quiet_env};
use super::{PlatformArgs, Validated, construct, plan_in, validate};
use crate::resource::{CheckContext, Registry};
use crate::rpc::value::{PropertyMap, Value};

fn pick<T: Clone + std::fmt::Debug + 'static>(values: &[T]) -> BoxedStrategy<T> {
    proptest::sample::select(values.to_vec()).boxed()
}

fn maybe(s: BoxedStrategy<Json>) -> BoxedStrategy<Option<Json>> {
    proptest::option::weighted(0.25, s).boxed()
}

/// Mostly a valid value, sometimes one at or past a boundary (so most drawn platforms get past the component's
/// own checks and reach Construct, where the children's rules are checked).
fn int(valid: &[i64], edge: &[i64]) -> BoxedStrategy<Json> {
    prop_oneof![8 => pick(valid).prop_map(Json::from), 2 => pick(edge).prop_map(Json::from)].boxed()
}

fn num(valid: &[f64], edge: &[f64]) -> BoxedStrategy<Json> {
    prop_oneof![8 => pick(valid).prop_map(Json::from), 2 => pick(edge).prop_map(Json::from)].boxed()
}

fn text(valid: &[&'static str], edge: &'static str) -> BoxedStrategy<Json> {
    prop_oneof![8 => pick(valid).prop_map(Json::from), 2 => edge.prop_map(Json::from)].boxed()
}

fn flag() -> BoxedStrategy<Option<Json>> {
    maybe(any::<bool>().prop_map(Json::from).boxed())
}

/// `HH:MM-HH:MM` windows: mostly usual ones, else of any length, wrapping midnight or not.
fn window() -> BoxedStrategy<Json> {
    let any_window = (
        0u32..24,
        prop::sample::select(vec![0u32, 15, 29, 30, 45, 59]),
        0u32..24,
        prop::sample::select(vec![0u32, 14, 30, 45]),
    )
        .prop_map(|(h1, m1, h2, m2)| Json::from(format!("{h1:02}:{m1:02}-{h2:02}:{m2:02}")));
    prop_oneof![
        4 => pick(&["03:00-04:00", "01:00-01:30", "23:30-00:30"]).prop_map(Json::from),
        2 => pick(&["03:00-03:15", "03:00-03:29", "23:50-00:10"]).prop_map(Json::from),
        1 => any_window,
    ]
    .boxed()
}

fn maintenance_window() -> BoxedStrategy<Json> {
    let day = pick(&["mon", "tue", "sun", "sat"]);
    let any_window = (
        day.clone(),
        0u32..24,
        pick(&[0u32, 20, 30]),
        day,
        0u32..24,
        pick(&[0u32, 25, 30]),
    )
        .prop_map(|(d1, h1, m1, d2, h2, m2)| {
            Json::from(format!("{d1}:{h1:02}:{m1:02}-{d2}:{h2:02}:{m2:02}"))
        });
    prop_oneof![
        4 => pick(&["sun:05:00-sun:06:00", "tue:10:00-tue:11:30", "sat:20:00-sat:21:00"]).prop_map(Json::from),
        1 => any_window,
    ]
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
        8 => "[a-z]{1,12}".prop_map(Json::from),
        1 => Just(Json::from("x".repeat(4096))),
        1 => Just(Json::from("x".repeat(4097))),
        1 => Just(Json::from("")),
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
        ("containerPort", maybe(int(&[80, 8080, 65535], &[0, 65536]))),
        (
            "cpu",
            maybe(int(&[512, 1024, 2048], &[256, 4096, 8192, 16384, 300])),
        ),
        (
            "memory",
            maybe(int(&[4096], &[512, 1024, 2048, 8192, 30720, 122880])),
        ),
        ("desiredCount", maybe(int(&[3, 5, 10], &[0, 1, 101]))),
        ("minCount", maybe(int(&[2, 3], &[0, 1, -1]))),
        ("maxCount", maybe(int(&[10, 20], &[1, 100, 1000, 5000]))),
        (
            "healthCheckPath",
            maybe(text(&["/health", "/", "/healthz"], "/[ -~]{0,1100}")),
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
        ("spotWeight", maybe(int(&[3, 4], &[0, 1, 1001]))),
        ("onDemandWeight", maybe(int(&[0, 1], &[3, 1001]))),
        ("onDemandBase", maybe(int(&[0, 1], &[2, 100_001, -1]))),
        (
            "cpuTargetPercent",
            maybe(num(&[10.0, 70.0, 100.0], &[0.0, 100.5])),
        ),
        (
            "pendingOrdersTargetPerTask",
            maybe(num(&[0.5, 100.0, 1e6], &[0.0, 1e12])),
        ),
        (
            "scaleOutCooldownSeconds",
            maybe(int(&[0, 60, 86_400], &[86_401, 1_000_000, -1])),
        ),
        (
            "scaleInCooldownSeconds",
            maybe(int(&[0, 300, 86_400], &[86_401, -1])),
        ),
        (
            "deregistrationDelaySeconds",
            maybe(int(&[0, 30, 3600], &[3601, -1])),
        ),
        ("logRetentionDays", maybe(int(&[1, 3, 30, 3653], &[42, 0]))),
        ("waitForSteadyState", flag()),
    ])
}

fn deployment() -> BoxedStrategy<Option<Json>> {
    let bake = || maybe(int(&[0, 10, 1440], &[1441, -1]));
    let strategy = |name: &'static str| Just(Some(Json::from(name))).boxed();
    prop_oneof![
        3 => group(vec![
            ("strategy", strategy("BLUE_GREEN")),
            ("bakeTimeMinutes", bake()),
            ("rollbackOnAlarm", flag()),
        ]),
        3 => group(vec![
            ("strategy", strategy("CANARY")),
            ("canaryPercent", maybe(num(&[5.0, 10.0, 50.0], &[0.0, 100.0]))),
            ("canaryBakeTimeMinutes", bake()),
            ("bakeTimeMinutes", bake()),
        ]),
        3 => group(vec![
            ("strategy", strategy("LINEAR")),
            ("linearStepPercent", maybe(num(&[3.0, 10.0, 50.0], &[2.9, 0.0]))),
            ("linearStepBakeTimeMinutes", bake()),
        ]),
        2 => group(vec![("strategy", strategy("ROLLING"))]),
        1 => group(vec![
            ("strategy", maybe("[A-Z_]{4,10}".prop_map(Json::from).boxed())),
            ("canaryPercent", maybe(num(&[5.0], &[0.0]))),
            ("linearStepPercent", maybe(num(&[10.0], &[2.0]))),
        ]),
    ]
    .boxed()
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
        ("idleTimeoutSeconds", maybe(int(&[1, 60, 4000], &[0, 4001]))),
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
            maybe(int(&[10, 100, 2_000_000_000], &[9, 2_000_000_001])),
        ),
        (
            "managedRuleGroups",
            maybe(
                prop_oneof![
                    4 => prop::sample::subsequence(
                        crate::platform::args::KNOWN_MANAGED_RULE_GROUPS.to_vec(),
                        0..4,
                    )
                    .prop_map(Json::from),
                    1 => prop::collection::vec(
                        "AWSManagedRules[A-Za-z]{1,8}".prop_map(Json::from),
                        1..3,
                    )
                    .prop_map(Json::from),
                ]
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
        ("readerCount", maybe(int(&[0, 1, 2, 15], &[16, -1]))),
        (
            "databaseName",
            maybe(text(&["orders", "o", "_x"], "[a-zA-Z_][a-zA-Z0-9_]{0,70}")),
        ),
        ("backupRetentionDays", maybe(int(&[1, 7, 35], &[0, 36]))),
        (
            "backupWindow",
            proptest::option::weighted(0.5, window()).boxed(),
        ),
        ("maintenanceWindow", maybe(maintenance_window())),
        ("deletionProtection", flag()),
        ("finalSnapshot", flag()),
        ("copyTagsToSnapshot", flag()),
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
            maybe(num(&[0.01, 5.0, 100.0], &[0.0, 100.1])),
        ),
        (
            "dbConnectionsThreshold",
            maybe(num(&[1.0, 500.0, 1e12], &[0.0, -1.0])),
        ),
        ("wafBlockedThreshold", maybe(num(&[1.0, 1000.0], &[0.0]))),
        ("encryptTopic", flag()),
    ])
}

fn flow_logs() -> BoxedStrategy<Option<Json>> {
    group(vec![
        ("enabled", flag()),
        (
            "trafficType",
            maybe(text(&["ALL", "ACCEPT", "REJECT"], "[A-Z]{3,6}")),
        ),
        ("retentionDays", maybe(int(&[1, 90, 400, 3653], &[0, 42]))),
    ])
}

fn tags() -> BoxedStrategy<Option<Json>> {
    maybe(
        prop::collection::btree_map(
            prop_oneof![
                6 => pick(&["Team", "CostCenter", "owner:email"]).prop_map(String::from),
                1 => "[A-Za-z:._/=+@-]{1,130}",
                1 => Just("aws:x".to_string())
            ],
            prop_oneof![6 => "[A-Za-z0-9 ._:/=+@-]{0,20}", 1 => "[a-z]{250,260}"],
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
        flag(),
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
    let plan = plan_in("us-east-1", "123456789012", zones, args).ok()?;
    let recorder = Recorder::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let built = runtime.block_on(construct(
        &recorder,
        &quiet_env(false),
        "urn:component",
        Validated::unchecked(plan),
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

/// How one drawn platform fared.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Refused by the component's own checks (Check, or the plan): nothing is ever registered.
    RefusedByComponent,
    /// Passed Construct validation, and every child passes its kind's check at `up`.
    Accepted,
    /// A child kind (or Construct while declaring) refuses it, and so did Construct validation.
    RefusedByValidation,
}

fn outcome(input: &Json) -> Result<Outcome, String> {
    let Ok(args) = PlatformArgs::from_inputs(&inputs_of(input)) else {
        return Ok(Outcome::RefusedByComponent);
    };
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
        .map(String::from)
        .to_vec();
    let Ok(plan) = plan_in("us-east-1", "123456789012", zones, args.clone()) else {
        return Ok(Outcome::RefusedByComponent);
    };
    let validated = validate(&quiet_env(true), plan).map(|_| ());
    match (kinds_refusals(args), validated) {
        (Some(refusals), Ok(())) if refusals.is_empty() => Ok(Outcome::Accepted),
        (Some(refusals), Err(message)) if refusals.is_empty() => Err(format!(
            "validation refused arguments every child accepts: {message}"
        )),
        (found, Ok(())) => Err(format!(
            "a child's kind refuses what Construct validation let through (it would fail at up, part-way): {found:?}"
        )),
        (_, Err(message)) => {
            let arguments: BTreeSet<String> = crate::schema::property_names::<PlatformArgs>();
            if arguments.iter().any(|a| message.starts_with(a.as_str())) {
                Ok(Outcome::RefusedByValidation)
            } else {
                Err(format!(
                    "the validation failure does not name a component argument: {message}"
                ))
            }
        }
    }
}

#[test]
fn every_refusal_of_a_child_kind_is_made_by_construct_validation_first() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 1024,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let counts = std::sync::Mutex::new(std::collections::BTreeMap::<String, usize>::new());
    let result = runner.run(&arguments(), |input| {
        let outcome =
            outcome(&input).map_err(|e| TestCaseError::fail(format!("{e}\narguments: {input}")))?;
        if let Ok(mut c) = counts.lock() {
            *c.entry(format!("{outcome:?}")).or_default() += 1;
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The space must exercise each branch, or the property above says nothing.
    let counts = counts.into_inner().unwrap_or_default();
    for (outcome, at_least) in [
        ("RefusedByComponent", 50),
        ("Accepted", 50),
        ("RefusedByValidation", 5),
    ] {
        assert!(
            counts.get(outcome).copied().unwrap_or(0) >= at_least,
            "too few drawn platforms ended {outcome}: {counts:?}"
        );
    }
}
