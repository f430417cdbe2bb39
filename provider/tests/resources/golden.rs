//! Golden states: every kind must read the states earlier releases recorded (provider/tests/golden/, written once
//! per state shape by scripts/golden.py from a deployed stack), see no change against their own inputs, and delete
//! them. A kind without a golden state fails here.

use std::path::PathBuf;

use orderapi::resource::Registry;
use orderapi::rpc::value::{PropertyMap, Value};

use crate::moto::Moto;

const SECRET_SIG: &str = "4dabf18193072939515e22adb298388d";

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
}

/// Pulumi's exported JSON (secrets as `{sig, plaintext}`) as property values, secrets kept secret.
fn value(json: serde_json::Value) -> Value {
    match json {
        serde_json::Value::Object(m) if m.contains_key(SECRET_SIG) => {
            let plain = m
                .get("plaintext")
                .and_then(|p| p.as_str())
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or(serde_json::Value::Null);
            value(plain).into_secret()
        }
        serde_json::Value::Object(m) => {
            Value::Object(m.into_iter().map(|(k, v)| (k, value(v))).collect())
        }
        serde_json::Value::Array(a) => Value::Array(a.into_iter().map(value).collect()),
        other => Value::from_json(other),
    }
}

fn props(json: &serde_json::Value) -> PropertyMap {
    match value(json.clone()) {
        Value::Object(m) => m,
        _ => PropertyMap::new(),
    }
}

#[tokio::test]
async fn every_kind_reads_diffs_and_deletes_the_states_of_earlier_releases() {
    let moto = Moto::start().await;
    let registry = Registry::all();
    let mut checked = 0;
    for kind in registry.kinds() {
        let token = kind.token();
        let path = golden_dir().join(format!("{}.json", token.replace(':', "_")));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{token} has no golden state at {} ({e}); deploy a stack with it and run scripts/golden.py",
                path.display()
            )
        });
        let golden: serde_json::Value = serde_json::from_str(&text).expect("golden JSON");
        let id = golden["id"].as_str().expect("golden id").to_string();
        let state = props(&golden["outputs"]);
        let inputs = props(&golden["inputs"]);
        kind.decode_state(&state)
            .unwrap_or_else(|e| panic!("{token}: the golden state does not decode: {e}"));
        let d = kind.diff(&state, &inputs, &[]);
        assert!(
            d.changed.is_empty(),
            "{token}: the golden state differs from its own inputs: {:?}",
            d.detailed
        );
        // The emulator holds none of these objects: delete must decode the state and treat "gone" as done.
        let ctx = moto.ctx().await;
        kind.delete(&ctx, &id, state)
            .await
            .unwrap_or_else(|e| panic!("{token}: deleting the golden state failed: {}", e.error));
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} kinds checked");
}

#[test]
fn a_state_from_a_newer_release_is_refused_with_a_clear_message() {
    let registry = Registry::all();
    let kind = registry.get("orderapi:ssm:Parameter").expect("kind");
    let path = golden_dir().join("orderapi_ssm_Parameter.json");
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("golden")).expect("json");
    let mut state = props(&golden["outputs"]);
    state.insert("__stateVersion".into(), Value::Number(99.0));
    let err = kind.decode_state(&state).expect_err("newer state");
    assert!(err.to_string().contains("newer pulumi-orderapi"), "{err}");
}

#[test]
fn every_kind_decodes_a_state_that_lacks_every_field() {
    // What the next release meets when this one added fields: each required field missing from a recorded state
    // is filled with its type's zero value before decoding (the schema keeps it required).
    for kind in Registry::all().kinds() {
        kind.decode_state(&PropertyMap::new()).unwrap_or_else(|e| {
            panic!(
                "{}: a state without its fields does not decode: {e}",
                kind.token()
            )
        });
    }
}

#[test]
fn golden_inputs_checked_by_this_release_diff_clean() {
    // What `pulumi up` with an unchanged program does after an upgrade: this release's check runs on the inputs
    // the program declared (the golden inputs), then diffs them against the recorded state. A default that this
    // release writes for an input older states lack would show as a change on every existing stack.
    let registry = Registry::all();
    let mut dirty = Vec::new();
    for kind in registry.kinds() {
        let token = kind.token();
        let path = golden_dir().join(format!("{}.json", token.replace(':', "_")));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let golden: serde_json::Value = serde_json::from_str(&text).expect("golden JSON");
        let state = props(&golden["outputs"]);
        let inputs = props(&golden["inputs"]);
        let ctx = orderapi::resource::CheckContext {
            name: "golden".into(),
            random_seed: vec![0; 4],
            prior_name: None,
        };
        let checked = kind.check(&ctx, inputs);
        assert!(
            checked.failures.is_empty(),
            "{token}: {:?}",
            checked.failures
        );
        let d = kind.diff(&state, &checked.inputs, &[]);
        if !d.changed.is_empty() {
            dirty.push(format!("{token}: {:?}", d.detailed));
        }
    }
    assert!(dirty.is_empty(), "{dirty:#?}");
}
