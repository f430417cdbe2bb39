//! Protocol tests: spawn the provider binary as the engine does and speak gRPC to it.

use std::process::Stdio;

use orderapi::rpc::pulumirpc::{
    CheckRequest, ConfigureRequest, CreateRequest, DiffRequest, GetSchemaRequest, PluginAttach,
};
use orderapi::rpc::value::{PropertyMap, Value, from_opt_struct, to_struct};

#[path = "support/plugin.rs"]
mod plugin;

use plugin::Plugin;

async fn start() -> Plugin {
    start_with(&[
        "--logtostderr",
        "-v=9",
        "--tracing",
        "127.0.0.1:2",
        "127.0.0.1:1",
    ])
    .await
}

/// Spawns the provider with the engine's flags, as the engine does, and connects to the port it prints.
async fn start_with(args: &[&str]) -> Plugin {
    let mut cmd = Plugin::command();
    cmd.args(args).stderr(Stdio::null());
    Plugin::spawn(cmd).await
}

fn props(pairs: &[(&str, Value)]) -> Option<prost_types::Struct> {
    let m: PropertyMap = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    Some(to_struct(&m))
}

const VPC_URN: &str = "urn:pulumi:dev::proj::orderapi:ec2:Vpc::main";

async fn configure(p: &mut Plugin) {
    let resp = p
        .client
        .configure(ConfigureRequest {
            args: props(&[
                ("endpoint", "http://127.0.0.1:9".into()),
                ("skipCredentialsValidation", "true".into()),
                ("version", "0.1.0".into()),
            ]),
            accept_secrets: true,
            accept_resources: true,
            ..Default::default()
        })
        .await
        .expect("configure")
        .into_inner();
    assert!(
        resp.accept_secrets
            && resp.supports_preview
            && resp.accept_resources
            && resp.accept_outputs
    );
}

#[tokio::test]
async fn schema_and_plugin_info() {
    let mut p = start().await;
    let info = p
        .client
        .get_plugin_info(())
        .await
        .expect("info")
        .into_inner();
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    let schema = p
        .client
        .get_schema(GetSchemaRequest::default())
        .await
        .expect("schema")
        .into_inner()
        .schema;
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.json"))
            .expect("schema.json");
    assert_eq!(schema, checked_in, "the served schema is schema.json");
}

#[tokio::test]
async fn bad_provider_config_names_the_key() {
    let mut p = start().await;
    let resp = p
        .client
        .check_config(CheckRequest {
            urn: "urn:pulumi:dev::proj::pulumi:providers:orderapi::default".into(),
            news: props(&[("region", "moon-1".into()), ("maxRetries", "lots".into())]),
            ..Default::default()
        })
        .await
        .expect("check config")
        .into_inner();
    let keys: Vec<&str> = resp.failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(
        keys,
        vec!["maxRetries"],
        "unparseable values are reported first: {:?}",
        resp.failures
    );
    let resp = p
        .client
        .check_config(CheckRequest {
            news: props(&[("region", "moon-1".into())]),
            ..Default::default()
        })
        .await
        .expect("check config")
        .into_inner();
    assert_eq!(resp.failures[0].property, "region");
}

#[tokio::test]
async fn check_rejects_bad_input_and_keeps_secrets() {
    let mut p = start().await;
    configure(&mut p).await;
    let bad = p
        .client
        .check(CheckRequest {
            urn: VPC_URN.into(),
            news: props(&[("cidrBlock", "10.0.0.0/33".into())]),
            ..Default::default()
        })
        .await
        .expect("check")
        .into_inner();
    assert_eq!(bad.failures.len(), 1);
    assert_eq!(bad.failures[0].property, "cidrBlock");

    let ok = p
        .client
        .check(CheckRequest {
            urn: VPC_URN.into(),
            news: props(&[
                ("cidrBlock", "10.0.0.0/16".into()),
                (
                    "tags",
                    Value::Secret(Box::new(Value::Object(PropertyMap::from([(
                        "Owner".into(),
                        "x".into(),
                    )])))),
                ),
            ]),
            random_seed: vec![0xab, 0xcd, 0xef, 0x01],
            ..Default::default()
        })
        .await
        .expect("check")
        .into_inner();
    assert!(ok.failures.is_empty(), "{:?}", ok.failures);
    let inputs = from_opt_struct(ok.inputs);
    assert!(
        matches!(inputs["tags"], Value::Secret(_)),
        "secret inputs stay secret"
    );
    assert_eq!(
        inputs["name"],
        Value::from("main-abcdef0"),
        "autonamed from the random seed"
    );
    assert_eq!(
        inputs["enableDnsHostnames"],
        Value::Bool(true),
        "defaults are applied"
    );
}

#[tokio::test]
async fn preview_never_calls_aws_and_leaves_outputs_unknown() {
    let mut p = start().await;
    configure(&mut p).await;
    // The endpoint (port 9) would refuse any call: a preview that answers proves no AWS call was made.
    let resp = p
        .client
        .create(CreateRequest {
            urn: VPC_URN.into(),
            properties: props(&[
                ("cidrBlock", "10.0.0.0/16".into()),
                ("name", "vpc-a".into()),
            ]),
            preview: true,
            ..Default::default()
        })
        .await
        .expect("preview create")
        .into_inner();
    let state = from_opt_struct(resp.properties);
    assert_eq!(state["arn"], Value::Unknown);
    assert_eq!(state["cidrBlock"], Value::from("10.0.0.0/16"));
}

#[tokio::test]
async fn diff_reports_replacements() {
    let mut p = start().await;
    configure(&mut p).await;
    let olds = props(&[
        ("cidrBlock", "10.0.0.0/16".into()),
        ("name", "vpc-a".into()),
        ("arn", "arn:x".into()),
    ]);
    let resp = p
        .client
        .diff(DiffRequest {
            urn: VPC_URN.into(),
            id: "vpc-1".into(),
            olds: olds.clone(),
            news: props(&[
                ("cidrBlock", "10.1.0.0/16".into()),
                ("name", "vpc-b".into()),
            ]),
            ..Default::default()
        })
        .await
        .expect("diff")
        .into_inner();
    assert_eq!(resp.replaces, vec!["cidrBlock".to_string()]);
    assert_eq!(
        resp.diffs,
        vec!["cidrBlock".to_string(), "name".to_string()]
    );
    assert!(resp.has_detailed_diff);
    let none = p
        .client
        .diff(DiffRequest {
            urn: VPC_URN.into(),
            id: "vpc-1".into(),
            olds,
            news: props(&[
                ("cidrBlock", "10.0.0.0/16".into()),
                ("name", "vpc-a".into()),
            ]),
            ..Default::default()
        })
        .await
        .expect("diff")
        .into_inner();
    assert_eq!(none.changes, 1, "DIFF_NONE");
}

#[tokio::test]
async fn unconfigured_create_is_refused_and_unknown_types_are_named() {
    let mut p = start().await;
    let err = p
        .client
        .create(CreateRequest {
            urn: VPC_URN.into(),
            properties: props(&[("cidrBlock", "10.0.0.0/16".into())]),
            ..Default::default()
        })
        .await
        .expect_err("not configured");
    assert!(
        err.message().contains("not been configured"),
        "{}",
        err.message()
    );
    let err = p
        .client
        .check(CheckRequest {
            urn: "urn:pulumi:dev::proj::orderapi:ec2:Nope::x".into(),
            ..Default::default()
        })
        .await
        .expect_err("unknown type");
    assert!(err.message().contains("orderapi:ec2:Nope"));
}

#[tokio::test]
async fn attach_mode_serves_without_an_engine_address() {
    // PULUMI_DEBUG_PROVIDERS: the user starts the provider, the engine attaches to the printed port.
    let mut p = start_with(&[]).await;
    p.client
        .attach(PluginAttach {
            address: "127.0.0.1:1".into(),
        })
        .await
        .expect("attach");
    let info = p
        .client
        .get_plugin_info(())
        .await
        .expect("info")
        .into_inner();
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn changing_region_replaces_the_provider_but_endpoint_does_not() {
    let mut p = start().await;
    let olds = props(&[
        ("region", "us-east-1".into()),
        ("endpoint", "http://127.0.0.1:1".into()),
    ]);
    let region = p
        .client
        .diff_config(DiffRequest {
            olds: olds.clone(),
            news: props(&[
                ("region", "eu-west-1".into()),
                ("endpoint", "http://127.0.0.1:1".into()),
            ]),
            ..Default::default()
        })
        .await
        .expect("diff config")
        .into_inner();
    assert_eq!(region.replaces, vec!["region".to_string()]);
    let endpoint = p
        .client
        .diff_config(DiffRequest {
            olds,
            news: props(&[
                ("region", "us-east-1".into()),
                ("endpoint", "http://127.0.0.1:2".into()),
            ]),
            ..Default::default()
        })
        .await
        .expect("diff config")
        .into_inner();
    assert_eq!(endpoint.diffs, vec!["endpoint".to_string()]);
    assert!(endpoint.replaces.is_empty());
}

#[tokio::test]
async fn an_autonamed_resource_keeps_its_name_under_a_new_seed() {
    let mut p = start().await;
    configure(&mut p).await;
    let resp = p
        .client
        .check(CheckRequest {
            urn: VPC_URN.into(),
            olds: props(&[
                ("cidrBlock", "10.0.0.0/16".into()),
                ("name", "main-1234567".into()),
            ]),
            news: props(&[("cidrBlock", "10.0.0.0/16".into())]),
            random_seed: vec![0xff, 0xff, 0xff, 0xff],
            ..Default::default()
        })
        .await
        .expect("check")
        .into_inner();
    assert_eq!(
        from_opt_struct(resp.inputs)["name"],
        Value::from("main-1234567")
    );
}

#[path = "support/moto.rs"]
#[allow(dead_code)]
mod moto;

/// The secrecy acceptance: with the most verbose logging, a secret value never reaches the provider's
/// logs, and the state marks it secret.
#[tokio::test]
async fn a_secret_value_is_marked_secret_and_never_logged() {
    let moto = moto::Moto::start().await;
    let log = tempfile::NamedTempFile::new().expect("log file");
    let mut cmd = Plugin::command();
    cmd.args(["--logtostderr", "-v=9"])
        .env("ORDERAPI_LOG", "trace")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .stderr(Stdio::from(log.reopen().expect("reopen")));
    let mut p = Plugin::spawn(cmd).await;
    p.client
        .configure(ConfigureRequest {
            args: props(&[
                ("endpoint", moto.endpoint.clone().into()),
                ("region", "us-east-1".into()),
                ("skipCredentialsValidation", "true".into()),
                ("version", "0.1.0".into()),
            ]),
            accept_secrets: true,
            accept_resources: true,
            ..Default::default()
        })
        .await
        .expect("configure");
    const PLAINTEXT: &str = "pl41ntext-Sup3r-S3cret-xyzzy";
    let urn = "urn:pulumi:dev::proj::orderapi:secretsmanager:Secret::db";
    let checked = p
        .client
        .check(CheckRequest {
            urn: urn.into(),
            news: props(&[
                ("name", "orders/db-password".into()),
                ("secretString", Value::Secret(Box::new(PLAINTEXT.into()))),
            ]),
            random_seed: vec![1, 2, 3, 4],
            ..Default::default()
        })
        .await
        .expect("check")
        .into_inner();
    assert!(checked.failures.is_empty(), "{:?}", checked.failures);
    let created = p
        .client
        .create(CreateRequest {
            urn: urn.into(),
            properties: checked.inputs,
            timeout: 60.0,
            ..Default::default()
        })
        .await
        .expect("create")
        .into_inner();
    let state = from_opt_struct(created.properties);
    assert!(
        matches!(state["secretString"], Value::Secret(_)),
        "{state:?}"
    );
    drop(p);
    let logs = std::fs::read_to_string(log.path()).expect("logs");
    assert!(!logs.is_empty(), "the provider logged something at -v=9");
    assert!(
        !logs.contains(PLAINTEXT),
        "the secret value leaked into the logs"
    );
}
