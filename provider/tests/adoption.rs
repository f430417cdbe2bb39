//! Adoption keyed on what the engine records, through the gRPC protocol: each step runs in a fresh provider
//! process (as after a SIGKILL), against one moto server, speaking to the provider only as the engine does
//! (Check, Diff, Create). The provider learns from Check's old inputs and Diff's id whether the engine records an
//! object for the URN; the tests check what that decides.

// Shared with the resource tests; this binary uses only part of it.
#[allow(dead_code)]
#[path = "support/moto.rs"]
mod moto;
#[path = "support/plugin.rs"]
mod plugin;

use std::process::Stdio;

use orderapi::rpc::pulumirpc::{CheckRequest, ConfigureRequest, CreateRequest, DiffRequest};
use orderapi::rpc::value::{PropertyMap, Value, to_struct};

use moto::Moto;
use plugin::Plugin;

const URN: &str =
    "urn:pulumi:dev::proj::orderapi:index:OrderApiPlatform$orderapi:ec2:InternetGateway::igw";
const NAME: &str = "igw-adoption-test";

/// A fresh provider process, configured against `endpoint`.
async fn provider(endpoint: &str) -> Plugin {
    let mut cmd = Plugin::command();
    cmd.arg("127.0.0.1:1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .stderr(Stdio::null());
    let mut p = Plugin::spawn(cmd).await;
    p.client
        .configure(ConfigureRequest {
            args: Some(to_struct(&props(&[
                ("endpoint", endpoint.into()),
                ("region", "us-east-1".into()),
                ("skipCredentialsValidation", "true".into()),
            ]))),
            accept_secrets: true,
            accept_resources: true,
            ..Default::default()
        })
        .await
        .expect("configure");
    p
}

fn props(pairs: &[(&str, Value)]) -> PropertyMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn inputs() -> PropertyMap {
    props(&[("name", NAME.into())])
}

/// Check (with the recorded inputs when the engine records the resource), Diff with the recorded id when there is
/// one, then Create: the engine's calls for a new resource, or for the replacement of a recorded one.
async fn engine_creates(p: &mut Plugin, recorded: Option<&str>) -> String {
    let olds = recorded.map(|_| to_struct(&inputs()));
    let checked = p
        .client
        .check(CheckRequest {
            urn: URN.into(),
            olds: olds.clone(),
            news: Some(to_struct(&inputs())),
            random_seed: vec![1, 2, 3, 4],
            ..Default::default()
        })
        .await
        .expect("check")
        .into_inner();
    assert!(checked.failures.is_empty(), "{:?}", checked.failures);
    if let Some(id) = recorded {
        p.client
            .diff(DiffRequest {
                urn: URN.into(),
                id: id.into(),
                olds: olds.clone(),
                news: checked.inputs.clone(),
                ..Default::default()
            })
            .await
            .expect("diff");
    }
    p.client
        .create(CreateRequest {
            urn: URN.into(),
            properties: checked.inputs,
            timeout: 60.0,
            ..Default::default()
        })
        .await
        .expect("create")
        .into_inner()
        .id
}

/// The internet gateways moto holds under our name.
async fn gateways(moto: &Moto) -> Vec<String> {
    let aws = moto.aws().await;
    let out = aws
        .ec2
        .describe_internet_gateways()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:Name")
                .values(NAME)
                .build(),
        )
        .send()
        .await
        .expect("describe");
    let mut ids: Vec<String> = out
        .internet_gateways()
        .iter()
        .filter_map(|g| g.internet_gateway_id().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_create_adopts_what_the_engine_never_recorded_and_never_what_it_records() {
    let moto = Moto::start().await;

    // The first deployment creates the gateway; the provider is killed before the engine records it.
    let first = engine_creates(&mut provider(&moto.endpoint).await, None).await;
    assert_eq!(gateways(&moto).await, vec![first.clone()]);

    // The next deployment: the resource is still new to the engine, so the gateway is the orphan of that create.
    let again = engine_creates(&mut provider(&moto.endpoint).await, None).await;
    assert_eq!(again, first, "the retried create must adopt the orphan");
    assert_eq!(gateways(&moto).await, vec![first.clone()], "no duplicate");

    // A replacement (`pulumi up --replace`): the engine records `first`, so a new gateway is made beside it.
    let replacement = engine_creates(&mut provider(&moto.endpoint).await, Some(&first)).await;
    assert_ne!(
        replacement, first,
        "the recorded object must never be adopted"
    );
    assert_eq!(gateways(&moto).await.len(), 2);

    // The replacement's answer was lost (killed again): the engine still records only `first`. The next create
    // adopts the replacement's orphan, not the recorded gateway, and makes no third one.
    let resumed = engine_creates(&mut provider(&moto.endpoint).await, Some(&first)).await;
    assert_eq!(resumed, replacement);
    assert_eq!(gateways(&moto).await.len(), 2, "no third gateway");
}
