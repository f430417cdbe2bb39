//! Tests of the component's arguments: validation, unknown keys, secrets only where secrets belong.

use super::*;

fn inputs(pairs: &[(&str, Value)]) -> PropertyMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn args_validate_and_name_properties() {
    let ok = PlatformArgs::from_inputs(&inputs(&[
        ("environment", "prod".into()),
        ("environmentSuffix", "x7k2".into()),
    ]));
    assert!(ok.is_ok());
    let bad = PlatformArgs::from_inputs(&inputs(&[
        ("environment", "prod".into()),
        ("environmentSuffix", "Bad_Suffix".into()),
        ("vpcCidr", "10.0.0.0/8".into()),
        (
            "availabilityZones",
            Value::Array(vec!["us-east-1a".into(), "us-east-1b".into()]),
        ),
    ]))
    .expect_err("invalid");
    let props: Vec<&str> = bad.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(
        props,
        vec!["environmentSuffix", "vpcCidr", "availabilityZones"]
    );
    // Engine-internal keys are ignored; unknown ones are refused naming the key.
    let extra = PlatformArgs::from_inputs(&inputs(&[
        ("environment", "prod".into()),
        ("environmentSuffix", "x7k2".into()),
        ("__internal", Value::Bool(true)),
        ("replicas", 3.into()),
    ]))
    .expect_err("unknown key");
    assert_eq!(extra.len(), 1, "{extra:?}");
    assert_eq!(extra[0].property, "replicas");
    assert!(extra[0].reason.contains("environmentSuffix"), "{extra:?}");
    let missing = PlatformArgs::from_inputs(&inputs(&[("environment", "prod".into())]))
        .expect_err("missing suffix");
    assert!(
        missing[0].reason.contains("environmentSuffix"),
        "{missing:?}"
    );
    let unknown = PlatformArgs::from_inputs(&inputs(&[
        ("environment", Value::Unknown),
        ("environmentSuffix", "a".into()),
    ]))
    .expect_err("unknown");
    assert_eq!(unknown[0].property, "environment");
}

/// Every path of the arguments' schema that takes a string (`a.b`, map entries as `a.b.KEY`, list items as
/// `a.b[0]`), found by walking the JSON schema the component's schema.json comes from.
fn string_paths() -> Vec<String> {
    fn walk(
        root: &serde_json::Value,
        schema: &serde_json::Value,
        path: &str,
        out: &mut Vec<String>,
    ) {
        let schema = match schema.get("$ref").and_then(|r| r.as_str()) {
            Some(r) => &root["$defs"][r.trim_start_matches("#/$defs/")],
            None => schema,
        };
        if let Some(any) = schema.get("anyOf").and_then(|a| a.as_array()) {
            for s in any {
                walk(root, s, path, out);
            }
            return;
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(serde_json::Value::String(t)) => vec![t.as_str()],
            Some(serde_json::Value::Array(ts)) => ts.iter().filter_map(|t| t.as_str()).collect(),
            _ => vec![],
        };
        if types.contains(&"string") || schema.get("enum").is_some() {
            out.push(path.to_string());
        }
        if let Some(props) = schema.get("properties").and_then(|p| p.as_object()) {
            for (k, v) in props {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(root, v, &p, out);
            }
        }
        if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
            walk(root, values, &format!("{path}.KEY"), out);
        }
        if let Some(items) = schema.get("items") {
            walk(root, items, &format!("{path}[0]"), out);
        }
    }
    let root = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<PlatformArgs>()
        .to_value();
    let mut out = Vec::new();
    walk(&root, &root, "", &mut out);
    out.sort();
    out.dedup();
    out
}

/// The arguments with `value` put at `path` (objects, maps and lists made on the way).
fn with_value_at(path: &str, value: Value) -> PropertyMap {
    let mut root = Value::Object(inputs(&[
        ("environment", "prod".into()),
        ("environmentSuffix", "x7k2".into()),
    ]));
    let mut at = &mut root;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let (key, index) = match part.strip_suffix("[0]") {
            Some(k) => (k, true),
            None => (*part, false),
        };
        let last = i + 1 == parts.len();
        let Value::Object(m) = at else {
            panic!("{path}: not an object")
        };
        let slot = m.entry(key.to_string()).or_insert(Value::Null);
        if index {
            *slot = Value::Array(vec![Value::Null]);
            let Value::Array(items) = slot else {
                unreachable!()
            };
            at = &mut items[0];
        } else {
            at = slot;
        }
        if last {
            *at = value.clone();
        } else if !matches!(at, Value::Object(_)) {
            *at = Value::Object(PropertyMap::new());
        }
    }
    let Value::Object(m) = root else {
        unreachable!()
    };
    m
}

#[test]
fn a_secret_in_any_string_argument_but_service_secrets_is_refused_naming_it() {
    let paths = string_paths();
    assert!(paths.len() >= 20, "{paths:?}");
    for path in &paths {
        let secret = Value::Secret(Box::new("s3cr3t-value".into()));
        let failures = PlatformArgs::from_inputs(&with_value_at(path, secret))
            .err()
            .unwrap_or_default();
        let refused = failures
            .iter()
            .any(|f| &f.property == path && f.reason.contains("secret"));
        if path.starts_with("service.secrets") {
            assert!(!refused, "{path} takes secrets: {failures:?}");
        } else {
            assert!(
                refused,
                "{path}: a secret there must be refused, got {failures:?}"
            );
            assert!(
                failures.iter().all(|f| !f.reason.contains("s3cr3t-value")),
                "{path}: the failure must not show the secret: {failures:?}"
            );
        }
    }
    // An output marked secret is a secret too.
    let output = Value::Output {
        value: Some(Box::new("x".into())),
        secret: true,
        dependencies: vec![],
    };
    let failures = PlatformArgs::from_inputs(&with_value_at("service.environment.API_KEY", output))
        .expect_err("refused");
    assert_eq!(failures[0].property, "service.environment.API_KEY");
    assert!(
        failures[0].reason.contains("service.secrets"),
        "{failures:?}"
    );
}
