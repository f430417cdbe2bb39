use std::collections::BTreeSet;

use serde_json::json;

use super::*;
use crate::platform::args::{self, DEFAULT_INSTANCE_CLASS, KNOWN_MANAGED_RULE_GROUPS};
use crate::resource::Registry;

/// Settings for the groups in `extra` (`{"service": {...}, "database": {...}}`), defaults elsewhere; panics
/// when they are invalid.
fn settings_of(extra: serde_json::Value) -> Settings {
    let mut args = serde_json::json!({"environment": "dev", "environmentSuffix": "cost1"});
    if let (Some(a), Some(extra)) = (args.as_object_mut(), extra.as_object()) {
        a.extend(extra.clone());
    }
    let args: crate::platform::PlatformArgs = serde_json::from_value(args).expect("arguments");
    let mut f = Failures::default();
    let s = args::settings(&args, &mut f);
    if let Err(failures) = f.finish(()) {
        panic!("{extra} is invalid: {failures:?}");
    }
    s
}

fn assumptions_of(v: serde_json::Value) -> CostAssumptions {
    serde_json::from_value(v).expect("assumptions")
}

fn estimate_of(extra: serde_json::Value, assumed: serde_json::Value) -> Estimate {
    estimate("us-east-1", &settings_of(extra), &assumptions_of(assumed)).expect("estimate")
}

fn monthly(e: &Estimate, item: &str) -> f64 {
    e.item(item)
        .unwrap_or_else(|| panic!("no line {item}"))
        .monthly
}

fn assert_cents(e: &Estimate, item: &str, by_hand: f64) {
    let got = monthly(e, item);
    assert!(
        (got - by_hand).abs() <= 0.005 + 1e-9,
        "{item}: estimate {got}, by hand {by_hand}"
    );
}

/// Lines whose amount differs between two estimates.
fn changed(a: &Estimate, b: &Estimate) -> BTreeSet<String> {
    let names: Vec<&str> = a.items.iter().map(|i| i.item.as_str()).collect();
    assert_eq!(
        names,
        b.items.iter().map(|i| i.item.as_str()).collect::<Vec<_>>(),
        "item names are stable"
    );
    a.items
        .iter()
        .zip(&b.items)
        .filter(|(x, y)| x.monthly != y.monthly)
        .map(|(x, _)| x.item.clone())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

const H: f64 = 730.0;

#[test]
fn default_configuration_by_hand() {
    let e = estimate_of(json!({}), json!({}));
    // network: 3 NAT gateways and their 3 Elastic IPs all month; 100 GB processed.
    assert_cents(&e, "nat.hours", 3.0 * H * 0.045); // 98.55
    assert_cents(&e, "nat.dataProcessed", 100.0 * 0.045);
    assert_cents(&e, "eip.publicIpv4", 3.0 * H * 0.005);
    // edge
    assert_cents(&e, "alb.hours", H * 0.0225); // 16.425 → 16.43
    assert_eq!(monthly(&e, "alb.hours"), 16.43);
    assert_cents(&e, "alb.lcu", 1.0 * H * 0.008);
    assert_cents(&e, "alb.publicIpv4", 3.0 * H * 0.005);
    assert_cents(&e, "waf.webAcl", 5.0);
    assert_cents(&e, "waf.rules", 4.0); // rate limit + 3 managed groups
    assert_cents(&e, "waf.requests", 10.0 * 0.60);
    // compute: 3 tasks of 0.5 vCPU / 1 GB; base 1 on demand, the other 2 split 3:1 → 1.5 Spot, 1.5 on demand.
    assert_cents(&e, "fargate.onDemand.vcpu", 1.5 * 0.5 * H * 0.04048);
    assert_cents(&e, "fargate.onDemand.memory", 1.5 * 1.0 * H * 0.004445);
    assert_cents(&e, "fargate.spot.vcpu", 1.5 * 0.5 * H * 0.01246986);
    assert_cents(&e, "fargate.spot.memory", 1.5 * 1.0 * H * 0.00136895);
    assert_eq!(e.item("fargate.spot.vcpu").map(|i| i.quantity), Some(547.5));
    assert_cents(&e, "ecr.storage", 5.0 * 0.10);
    // data: db.r6g.large writer + 2 readers all month.
    assert_cents(&e, "aurora.writer", H * 0.26);
    assert_cents(&e, "aurora.readers", 2.0 * H * 0.26);
    assert_cents(&e, "aurora.storage", 20.0 * 0.10);
    assert_cents(&e, "aurora.io", 50.0 * 0.20);
    assert_cents(&e, "secretsManager.secrets", 2.0 * 0.40);
    assert_cents(&e, "ssm.parameters", 0.0);
    // observability: 1 dashboard; 8 alarm metrics of the platform's alarms + 4 target-tracking alarms.
    assert_cents(&e, "cloudwatch.dashboard", 3.0);
    assert_cents(&e, "cloudwatch.alarms", 12.0 * 0.10);
    assert_cents(&e, "cloudwatch.customMetrics", 2.0 * 0.30);
    assert_cents(&e, "cloudwatch.containerInsights", 30.0 * 0.30);
    assert_cents(&e, "logs.ingestion", 10.0 * 0.50);
    assert_cents(&e, "logs.storage", 10.0 * 30.0 * 12.0 / 365.0 * 0.03);
    assert_cents(&e, "sns.topic", 0.0);
    assert_cents(&e, "dataTransfer.internetOut", 0.0);
    // hardening: flow logs (5 GB/month as vended logs, kept 90 days), the alarm topic's key, the access logs
    // (2 GB/month in S3 Standard, kept 90 days).
    let kept_90_days = 90.0 * 12.0 / 365.0;
    assert_cents(&e, "flowLogs.ingestion", 5.0 * 0.50);
    assert_cents(&e, "flowLogs.storage", 5.0 * kept_90_days * 0.03);
    assert_cents(&e, "kms.key", 1.0);
    assert_cents(&e, "s3.accessLogs", 2.0 * kept_90_days * 0.023);

    let sum: f64 = e.items.iter().map(|i| i.monthly).sum();
    assert!((e.total - sum).abs() < 1e-6, "{} vs {sum}", e.total);
    assert_eq!(e.items.len(), 32);
    assert_eq!(e.region, "us-east-1");
    assert!(e.items.iter().all(|i| i.source.is_some()));
}

#[test]
fn other_configurations_by_hand() {
    // Bigger tasks, no base, even split, 6 tasks on average; one reader of a Graviton 3 class; HTTPS and one
    // managed group.
    let e = estimate_of(
        json!({
            "service": {"cpu": 1024, "memory": 4096, "minCount": 2, "desiredCount": 4, "maxCount": 10,
                        "onDemandBase": 0, "spotWeight": 1, "onDemandWeight": 1},
            "database": {"readerCount": 1, "instanceClass": "db.r7g.xlarge"},
            "waf": {"managedRuleGroups": ["AWSManagedRulesAmazonIpReputationList"]}
        }),
        json!({"averageTaskCount": 6, "natDataProcessedGbPerMonth": 1000, "albAverageLcus": 2.5,
               "wafRequestsPerMonth": 250000000, "auroraStorageGb": 500, "auroraIoRequestsPerMonth": 1e9,
               "internetEgressGbPerMonth": 200}),
    );
    assert_cents(&e, "fargate.onDemand.vcpu", 3.0 * 1.0 * H * 0.04048);
    assert_cents(&e, "fargate.onDemand.memory", 3.0 * 4.0 * H * 0.004445);
    assert_cents(&e, "fargate.spot.vcpu", 3.0 * 1.0 * H * 0.01246986);
    assert_cents(&e, "fargate.spot.memory", 3.0 * 4.0 * H * 0.00136895);
    assert!(e.item("fargate.spot.vcpu").is_some_and(|i| i.assumption));
    assert_cents(&e, "aurora.writer", H * 0.552);
    assert_cents(&e, "aurora.readers", H * 0.552);
    assert_cents(&e, "aurora.storage", 50.0);
    assert_cents(&e, "aurora.io", 1000.0 * 0.20);
    assert_cents(&e, "nat.dataProcessed", 45.0);
    assert_cents(&e, "alb.lcu", 2.5 * H * 0.008);
    assert_cents(&e, "waf.rules", 2.0);
    assert_cents(&e, "waf.requests", 250.0 * 0.60);
    assert_cents(&e, "dataTransfer.internetOut", 200.0 * 0.09);
    assert_cents(&e, "nat.hours", 98.55);

    // Fewer tasks than the base: all on demand.
    let e = estimate_of(
        json!({"service": {"minCount": 1, "desiredCount": 1, "onDemandBase": 0}}),
        json!({}),
    );
    assert_cents(&e, "fargate.onDemand.vcpu", 0.25 * 0.5 * H * 0.04048);
    assert_cents(&e, "fargate.spot.vcpu", 0.75 * 0.5 * H * 0.01246986);
    let (od, spot) = fargate_split(1.0, 2, 3, 1);
    assert_eq!((od, spot), (1.0, 0.0));
    let (od, spot) = fargate_split(10.0, 2, 3, 1);
    assert_eq!((od, spot), (4.0, 6.0));

    // No readers: the line stays, at zero; a small class.
    let e = estimate_of(
        json!({"database": {"readerCount": 0, "instanceClass": "db.t4g.medium"}}),
        json!({}),
    );
    assert_cents(&e, "aurora.readers", 0.0);
    assert_cents(&e, "aurora.writer", H * 0.073);

    // service.environment adds free parameters; logs kept a year store 12 months of ingestion.
    let e = estimate_of(
        json!({"service": {"environment": {"A": "1", "B": "2"}, "logRetentionDays": 365}}),
        json!({"logIngestedGbPerMonth": 100}),
    );
    assert_eq!(e.item("ssm.parameters").map(|i| i.quantity), Some(7.0));
    assert_cents(&e, "logs.storage", 100.0 * 12.0 * 0.03);
    assert_cents(&e, "logs.ingestion", 50.0);
}

#[test]
fn changing_a_setting_changes_only_its_lines() {
    let base = estimate_of(json!({}), json!({}));
    let readers = estimate_of(json!({"database": {"readerCount": 5}}), json!({}));
    assert_eq!(changed(&base, &readers), set(&["aurora.readers"]));
    assert_cents(&readers, "aurora.readers", 5.0 * H * 0.26);

    let class = estimate_of(
        json!({"database": {"instanceClass": "db.r6g.xlarge"}}),
        json!({}),
    );
    assert_eq!(
        changed(&base, &class),
        set(&["aurora.writer", "aurora.readers"])
    );

    // More Spot: on-demand lines fall, Spot lines rise, nothing else moves.
    let spot = estimate_of(
        json!({"service": {"spotWeight": 9, "onDemandWeight": 1}}),
        json!({}),
    );
    assert_eq!(
        changed(&base, &spot),
        set(&[
            "fargate.onDemand.vcpu",
            "fargate.onDemand.memory",
            "fargate.spot.vcpu",
            "fargate.spot.memory",
        ])
    );
    assert!(monthly(&spot, "fargate.spot.vcpu") > monthly(&base, "fargate.spot.vcpu"));
    assert!(monthly(&spot, "fargate.onDemand.vcpu") < monthly(&base, "fargate.onDemand.vcpu"));
    assert!(spot.total < base.total, "{} vs {}", spot.total, base.total);
    // Without a base: an even split against 3:1 (half of 3 tasks on Spot against three quarters).
    let even = estimate_of(
        json!({"service": {"onDemandBase": 0, "spotWeight": 1, "onDemandWeight": 1}}),
        json!({}),
    );
    let mostly_spot = estimate_of(
        json!({"service": {"onDemandBase": 0, "spotWeight": 3, "onDemandWeight": 1}}),
        json!({}),
    );
    assert_eq!(changed(&even, &mostly_spot).len(), 4);
    assert!(mostly_spot.total < even.total);
    assert_cents(
        &mostly_spot,
        "fargate.spot.vcpu",
        2.25 * 0.5 * H * 0.01246986,
    );
    assert_cents(
        &mostly_spot,
        "fargate.onDemand.vcpu",
        0.75 * 0.5 * H * 0.04048,
    );

    // CPU alone moves the vCPU lines; memory alone the memory lines.
    let cpu = estimate_of(json!({"service": {"cpu": 1024, "memory": 2048}}), json!({}));
    assert_eq!(
        changed(&base, &cpu),
        set(&[
            "fargate.onDemand.vcpu",
            "fargate.onDemand.memory",
            "fargate.spot.vcpu",
            "fargate.spot.memory",
        ])
    );
    let memory = estimate_of(json!({"service": {"memory": 2048}}), json!({}));
    assert_eq!(
        changed(&base, &memory),
        set(&["fargate.onDemand.memory", "fargate.spot.memory"])
    );
    // CPU alone, at the same memory (2 GB fits both 0.5 and 1 vCPU on Fargate).
    let (small, large) = (
        estimate_of(json!({"service": {"cpu": 512, "memory": 2048}}), json!({})),
        estimate_of(json!({"service": {"cpu": 1024, "memory": 2048}}), json!({})),
    );
    assert_eq!(
        changed(&small, &large),
        set(&["fargate.onDemand.vcpu", "fargate.spot.vcpu"])
    );

    // Assumptions move only their lines.
    let nat = estimate_of(json!({}), json!({"natDataProcessedGbPerMonth": 5000}));
    assert_eq!(changed(&base, &nat), set(&["nat.dataProcessed"]));
    let waf = estimate_of(json!({"waf": {"managedRuleGroups": []}}), json!({}));
    assert_eq!(changed(&base, &waf), set(&["waf.rules"]));
}

#[test]
fn assumption_flags() {
    let e = estimate_of(json!({}), json!({}));
    let assumed: BTreeSet<String> = e
        .items
        .iter()
        .filter(|i| i.assumption)
        .map(|i| i.item.clone())
        .collect();
    assert_eq!(
        assumed,
        set(&[
            "nat.dataProcessed",
            "alb.lcu",
            "waf.requests",
            "ecr.storage",
            "aurora.storage",
            "aurora.io",
            "cloudwatch.containerInsights",
            "logs.ingestion",
            "logs.storage",
            "dataTransfer.internetOut",
            "flowLogs.ingestion",
            "flowLogs.storage",
            "s3.accessLogs",
        ])
    );
    // Tasks above the minimum are usage: the Fargate lines become assumptions.
    let e = estimate_of(json!({}), json!({"averageTaskCount": 5}));
    assert!(
        e.items
            .iter()
            .filter(|i| i.item.starts_with("fargate."))
            .all(|i| i.assumption)
    );
}

#[test]
fn bad_assumptions_fail_naming_the_field() {
    let s = settings_of(json!({}));
    let cases = [
        (
            json!({"averageTaskCount": 2}),
            "costAssumptions.averageTaskCount",
        ),
        (
            json!({"averageTaskCount": 13}),
            "costAssumptions.averageTaskCount",
        ),
        (
            json!({"natDataProcessedGbPerMonth": -1}),
            "costAssumptions.natDataProcessedGbPerMonth",
        ),
        (
            json!({"albAverageLcus": 1e9}),
            "costAssumptions.albAverageLcus",
        ),
        (
            json!({"wafRequestsPerMonth": -5}),
            "costAssumptions.wafRequestsPerMonth",
        ),
        (
            json!({"logIngestedGbPerMonth": 1e12}),
            "costAssumptions.logIngestedGbPerMonth",
        ),
        (
            json!({"ecrStorageGb": -0.5}),
            "costAssumptions.ecrStorageGb",
        ),
        (
            json!({"auroraStorageGb": 200000}),
            "costAssumptions.auroraStorageGb",
        ),
        (
            json!({"auroraIoRequestsPerMonth": -1}),
            "costAssumptions.auroraIoRequestsPerMonth",
        ),
        (
            json!({"containerInsightsMetrics": -1}),
            "costAssumptions.containerInsightsMetrics",
        ),
        (
            json!({"internetEgressGbPerMonth": 1e8}),
            "costAssumptions.internetEgressGbPerMonth",
        ),
    ];
    for (given, property) in cases {
        let a = assumptions_of(given.clone());
        let mut f = Failures::default();
        a.validate(&s, &mut f);
        let failures = f.finish(()).expect_err(&format!("{given} must be refused"));
        assert!(
            failures.iter().any(|x| x.property == property),
            "{given}: expected {property}, got {failures:?}"
        );
        let err = estimate("us-east-1", &s, &a).expect_err("estimate refuses");
        assert!(err.contains(property), "{err}");
    }
    // Non-finite numbers (JSON cannot carry them, but the SDKs' numbers are f64).
    let a = CostAssumptions {
        aurora_storage_gb: Some(f64::NAN),
        average_task_count: Some(f64::INFINITY),
        ..Default::default()
    };
    let mut f = Failures::default();
    a.validate(&s, &mut f);
    let failures = f.finish(()).expect_err("NaN refused");
    assert_eq!(failures.len(), 2, "{failures:?}");
    // Unknown fields are refused by name.
    let err = serde_json::from_value::<CostAssumptions>(json!({"tasks": 3})).expect_err("unknown");
    assert!(err.to_string().contains("tasks"), "{err}");
    // Defaults are valid.
    let mut f = Failures::default();
    CostAssumptions::default().validate(&s, &mut f);
    assert!(f.finish(()).is_ok());
}

#[test]
fn unknown_region_and_class_fail_naming_them() {
    let s = settings_of(json!({}));
    let err = estimate("eu-central-2", &s, &CostAssumptions::default()).expect_err("no table");
    assert!(
        err.contains("eu-central-2") && err.contains("us-east-1"),
        "{err}"
    );
    let s = settings_of(json!({"database": {"instanceClass": "db.x2g.large"}}));
    let err = estimate("us-east-1", &s, &CostAssumptions::default()).expect_err("no class");
    assert!(
        err.contains("db.x2g.large") && err.contains("db.r6g.large"),
        "{err}"
    );
}

/// The test issue 14 asks for: every kind the platform creates is classified here, and every price it
/// needs is in every region's table.
#[test]
fn every_kind_of_the_platform_has_its_prices_in_every_table() {
    let classified: BTreeSet<&str> = PLATFORM_KINDS.iter().map(|k| k.token).collect();
    assert_eq!(
        classified.len(),
        PLATFORM_KINDS.len(),
        "a kind is listed twice"
    );
    let registry = Registry::all();
    for kind in registry.kinds() {
        assert!(
            classified.contains(kind.token()),
            "{} is a kind of this provider the cost module does not classify: add it to PLATFORM_KINDS \
             with the prices it needs (or none when AWS does not charge for it)",
            kind.token()
        );
    }
    for region in supported_regions() {
        let table = prices::table(region).unwrap_or_else(|e| panic!("{e}"));
        for kind in &PLATFORM_KINDS {
            for key in kind.prices {
                if *key == AURORA_INSTANCE_CLASSES {
                    assert!(
                        table.aurora_instance_hour(DEFAULT_INSTANCE_CLASS).is_ok(),
                        "{region}: the default instance class {DEFAULT_INSTANCE_CLASS} has no price"
                    );
                } else {
                    assert!(
                        table.prices.contains_key(*key),
                        "{region}: {} needs the price '{key}', which the table lacks",
                        kind.token
                    );
                }
            }
        }
        for key in OTHER_PRICES {
            assert!(table.prices.contains_key(key), "{region}: no '{key}'");
        }
        // The table prices nothing the platform does not use (a stale entry is a sign of a renamed key).
        let used: BTreeSet<&str> = PLATFORM_KINDS
            .iter()
            .flat_map(|k| k.prices.iter().copied())
            .chain(OTHER_PRICES)
            .collect();
        for key in table.prices.keys() {
            assert!(
                used.contains(key.as_str()),
                "{region}: '{key}' is priced but unused"
            );
        }
        // A platform with every managed group the platform supports and the default class estimates.
        let s = settings_of(json!({"waf": {"managedRuleGroups": KNOWN_MANAGED_RULE_GROUPS}}));
        let e = estimate(region, &s, &CostAssumptions::default()).expect("estimate");
        assert_cents(&e, "waf.rules", 10.0);
    }
}

#[test]
fn price_tables_are_well_formed() {
    for region in supported_regions() {
        let table = prices::table(region).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(table.region, region);
        assert_eq!(table.hours_per_month, 730.0);
        let date = table.as_of.as_bytes();
        assert!(
            date.len() == 10
                && date[4] == b'-'
                && date[7] == b'-'
                && table
                    .as_of
                    .replace('-', "")
                    .bytes()
                    .all(|b| b.is_ascii_digit()),
            "asOf {} is not YYYY-MM-DD",
            table.as_of
        );
        assert!(table.note.contains("TRANSCRIBED"), "the note says how");
        let sources = table
            .prices
            .values()
            .map(|p| p.source.as_str())
            .chain([table.aurora_mysql_instance_hour.source.as_str()]);
        for source in sources {
            assert!(source.starts_with("https://aws.amazon.com/"), "{source}");
        }
        for (key, price) in &table.prices {
            let free = key.starts_with("ssm") || key.starts_with("sns");
            assert!(
                free == (price.usd == 0.0),
                "{key}: only SSM standard parameters and SNS topics are free"
            );
        }
        assert!(
            table
                .aurora_mysql_instance_hour
                .classes
                .values()
                .all(|p| *p > 0.0)
        );
        // Spot is cheaper than on demand.
        let usd = |k: &str| table.price(k).map(|p| p.usd).unwrap_or(f64::NAN);
        assert!(usd("fargateSpotVcpuHour") < usd("fargateVcpuHour"));
        assert!(usd("fargateSpotGbHour") < usd("fargateGbHour"));
    }
    assert!(prices::table("us-east-1").is_ok());
}

#[test]
fn rounding_and_money_format() {
    assert_eq!(round_cents(16.425), 16.43);
    assert_eq!(round_cents(730.0 * 0.0225), 16.43);
    assert_eq!(round_cents(4.867275), 4.87);
    assert_eq!(round_cents(0.004), 0.0);
    assert_eq!(dollars(1234.5, true), "$1,234.50");
    assert_eq!(dollars(1234.5, false), "$1,235");
    assert_eq!(dollars(809.0, false), "$809");
    assert_eq!(dollars(1_234_567.891, true), "$1,234,567.89");
    assert_eq!(dollars(0.0, true), "$0.00");
}

#[test]
fn summary_names_the_total_and_the_largest_lines() {
    let e = estimate_of(json!({}), json!({}));
    let summary = e.summary();
    assert!(
        summary.starts_with(&format!("≈ {}/month", dollars(e.total, false))),
        "{summary}"
    );
    assert!(summary.contains("us-east-1"), "{summary}");
    assert!(summary.contains("Aurora readers 2 × $189.80"), "{summary}");
    assert!(summary.contains("NAT gateways 3 × $32.85"), "{summary}");
    assert!(summary.contains("more $"), "{summary}");
    // The summary's parts add up to the total.
    let billed = e.items.iter().filter(|i| i.monthly > 0.0).count();
    assert!(
        summary.contains(&format!("{} more", billed - SUMMARY_ITEMS)),
        "{summary}"
    );
}

#[test]
fn line_items_serialise_camel_case_for_the_output() {
    let e = estimate_of(json!({}), json!({}));
    let v = serde_json::to_value(&e).expect("json");
    let first = &v["items"][0];
    assert_eq!(first["item"], "nat.hours");
    assert_eq!(first["quantity"], 2190.0);
    assert_eq!(first["unit"], "NAT gateway-hour");
    assert_eq!(first["unitPrice"], 0.045);
    assert_eq!(first["monthly"], 98.55);
    assert_eq!(first["assumption"], false);
    assert_eq!(first["source"], "https://aws.amazon.com/vpc/pricing/");
    assert!(first.get("count").is_none());
    assert_eq!(v["pricesAsOf"], e.prices_as_of.as_str());
    let back: LineItem = serde_json::from_value(first.clone()).expect("decodes");
    assert_eq!(back.item, "nat.hours");
    // The schema names the types and documents the fields.
    let names = crate::schema::property_names::<LineItem>();
    assert!(
        names.contains("unitPrice") && !names.contains("count"),
        "{names:?}"
    );
    let names = crate::schema::property_names::<CostAssumptions>();
    assert!(names.contains("averageTaskCount"), "{names:?}");
}

/// The default platform's total, as docs/operations.md quotes it (update both when the price table changes).
#[test]
fn default_total() {
    let e = estimate_of(json!({}), json!({}));
    assert_eq!(e.total, 803.46);
    assert_eq!(
        e.summary(),
        "≈ $803/month (us-east-1 list prices of 2025-06-01; * rests on costAssumptions): Aurora readers 2 × \
         $189.80 + Aurora writer $189.80 + NAT gateways 3 × $32.85 + Fargate on-demand vCPU $22.16 + \
         Application load balancer $16.43 + 24 more $96.92"
    );
}
