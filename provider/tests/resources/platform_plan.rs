//! The platform's plan against moto: the region's availability zones decide the zones when none are given, and
//! requested zones must exist there — before anything is registered.

use std::sync::Arc;

use orderapi::platform::{ConstructEnv, PlatformArgs, plan};
use orderapi::resource::NoDiagnostics;
use orderapi::rpc::value::{PropertyMap, Value};

use crate::moto::Moto;

fn args(zones: Option<&[&str]>, cidr: &str) -> PlatformArgs {
    let mut m: PropertyMap = [
        ("environment", "prod"),
        ("environmentSuffix", "x7k2"),
        ("vpcCidr", cidr),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), Value::from(*v)))
    .collect();
    if let Some(zones) = zones {
        m.insert(
            "availabilityZones".into(),
            Value::Array(zones.iter().map(|z| Value::from(*z)).collect()),
        );
    }
    PlatformArgs::from_inputs(&m).expect("valid arguments")
}

#[tokio::test]
async fn plan_takes_the_regions_first_three_zones_or_checks_the_given_ones() {
    let moto = Moto::start().await;
    let env = ConstructEnv {
        name: "orders".into(),
        dry_run: true,
        aws: moto.aws().await,
        diagnostics: Arc::new(NoDiagnostics),
    };
    let p = plan(&env, args(None, "10.1.0.0/16")).await.expect("plan");
    assert_eq!(p.zones, vec!["us-east-1a", "us-east-1b", "us-east-1c"]);
    assert_eq!(p.network.private_cidrs[0], "10.1.0.0/18");
    assert_eq!(p.settings.waf.rate_limit, 100);

    let given = ["us-east-1b", "us-east-1c", "us-east-1d"];
    let p = plan(&env, args(Some(&given), "10.0.0.0/16"))
        .await
        .expect("plan");
    assert_eq!(p.zones, given);

    let err = plan(
        &env,
        args(
            Some(&["us-east-1a", "us-east-1b", "mars-1a"]),
            "10.0.0.0/16",
        ),
    )
    .await
    .expect_err("no such zone");
    assert!(
        err.contains("availabilityZones") && err.contains("mars-1a"),
        "{err}"
    );
}

#[tokio::test]
async fn plan_fails_when_the_zones_cannot_be_listed() {
    // Nothing listens on this endpoint: the zone lookup fails and plan says what it could not do.
    let moto = Moto::start().await;
    let mut aws = (*moto.aws().await).clone();
    drop(moto);
    aws.region = "us-east-1".into();
    let env = ConstructEnv {
        name: "orders".into(),
        dry_run: true,
        aws: Arc::new(aws),
        diagnostics: Arc::new(NoDiagnostics),
    };
    let err = plan(&env, args(None, "10.0.0.0/16"))
        .await
        .expect_err("unreachable endpoint");
    assert!(err.contains("availability zones"), "{err}");
}
