//! The Pulumi property-value codec: `google.protobuf.Struct` ⇄ [`Value`].
//!
//! Pulumi encodes values that JSON cannot express as objects carrying a signature key (secrets, resource
//! references, output values, assets and archives) and unknowns as sentinel strings. [`Value`] models all of
//! them so nothing is lost on a round trip; [`Value::into_plain`] strips the wrappers for typed decoding and reports
//! whether a secret was seen, and [`Value::from_json`] builds values back from typed data.

use std::collections::BTreeMap;

use prost_types::value::Kind;

/// The key that marks an object as a special Pulumi value.
pub const SIG_KEY: &str = "4dabf18193072939515e22adb298388d";
/// Signature of a secret value.
pub const SECRET_SIG: &str = "1b47061264138c4ac30d75fd1eb44270";
/// Signature of a resource reference.
pub const RESOURCE_REF_SIG: &str = "5cf8f73096256a8f31e491e813e4eb8e";
/// Signature of an output value.
pub const OUTPUT_SIG: &str = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
/// Signature of an asset.
pub const ASSET_SIG: &str = "c44067f5952c0a294b673a41bacd8c17";
/// Signature of an archive.
pub const ARCHIVE_SIG: &str = "0def7320c3a5731c473e5ecbe89d3fa7";

/// The sentinel the engine uses for an unknown value during preview.
pub const UNKNOWN: &str = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/// Typed unknown sentinels (older engines and SDKs send these); all decode to [`Value::Unknown`].
pub const UNKNOWN_SENTINELS: [&str; 7] = [
    UNKNOWN,
    "1b47061264138c4ac30d75fd1eb44270-bool",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9-bool",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9-number",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9-string",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9-array",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9-object",
];

/// An object of property values, keyed by property name.
pub type PropertyMap = BTreeMap<String, Value>;

/// One Pulumi property value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object(PropertyMap),
    /// Not known yet (preview).
    Unknown,
    /// A secret: kept encrypted in state, never shown.
    Secret(Box<Value>),
    /// A reference to another resource.
    ResourceRef {
        urn: String,
        id: Option<Box<Value>>,
        package_version: String,
    },
    /// An output value: possibly unknown (`value: None`), possibly secret, with the URNs it depends on.
    Output {
        value: Option<Box<Value>>,
        secret: bool,
        dependencies: Vec<String>,
    },
    /// An asset or archive, kept verbatim (the signature key included) so it round-trips.
    Opaque(PropertyMap),
}

impl Value {
    /// Decodes one protobuf value.
    pub fn from_proto(v: prost_types::Value) -> Value {
        match v.kind {
            None | Some(Kind::NullValue(_)) => Value::Null,
            Some(Kind::BoolValue(b)) => Value::Bool(b),
            Some(Kind::NumberValue(n)) => Value::Number(n),
            Some(Kind::StringValue(s)) if UNKNOWN_SENTINELS.contains(&s.as_str()) => Value::Unknown,
            Some(Kind::StringValue(s)) => Value::String(s),
            Some(Kind::ListValue(l)) => {
                Value::Array(l.values.into_iter().map(Value::from_proto).collect())
            }
            Some(Kind::StructValue(s)) => Value::from_object(from_struct(s)),
        }
    }

    fn from_object(mut m: PropertyMap) -> Value {
        let sig = match m.get(SIG_KEY) {
            Some(Value::String(s)) => s.clone(),
            _ => return Value::Object(m),
        };
        match sig.as_str() {
            SECRET_SIG => Value::Secret(Box::new(m.remove("value").unwrap_or(Value::Null))),
            RESOURCE_REF_SIG => {
                let urn = take_string(&mut m, "urn");
                let package_version = take_string(&mut m, "packageVersion");
                // An empty id string on a custom resource reference means "unknown".
                let id = m.remove("id").map(|id| match id {
                    Value::String(s) if s.is_empty() => Box::new(Value::Unknown),
                    other => Box::new(other),
                });
                Value::ResourceRef {
                    urn,
                    id,
                    package_version,
                }
            }
            OUTPUT_SIG => {
                let value = m.remove("value").map(Box::new);
                let secret = matches!(m.get("secret"), Some(Value::Bool(true)));
                let dependencies = match m.remove("dependencies") {
                    Some(Value::Array(deps)) => deps
                        .into_iter()
                        .filter_map(|d| match d {
                            Value::String(s) => Some(s),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                Value::Output {
                    value,
                    secret,
                    dependencies,
                }
            }
            _ => Value::Opaque(m),
        }
    }

    /// Encodes this value for the wire.
    pub fn to_proto(&self) -> prost_types::Value {
        let kind = match self {
            Value::Null => Kind::NullValue(0),
            Value::Bool(b) => Kind::BoolValue(*b),
            Value::Number(n) => Kind::NumberValue(*n),
            Value::String(s) => Kind::StringValue(s.clone()),
            Value::Unknown => Kind::StringValue(UNKNOWN.to_string()),
            Value::Array(items) => Kind::ListValue(prost_types::ListValue {
                values: items.iter().map(Value::to_proto).collect(),
            }),
            Value::Object(m) | Value::Opaque(m) => Kind::StructValue(to_struct(m)),
            Value::Secret(inner) => {
                let mut m = sig_object(SECRET_SIG);
                m.insert("value".into(), (**inner).clone());
                Kind::StructValue(to_struct(&m))
            }
            Value::ResourceRef {
                urn,
                id,
                package_version,
            } => {
                let mut m = sig_object(RESOURCE_REF_SIG);
                m.insert("urn".into(), Value::String(urn.clone()));
                if let Some(id) = id {
                    let id = match **id {
                        Value::Unknown => Value::String(String::new()),
                        ref other => other.clone(),
                    };
                    m.insert("id".into(), id);
                }
                if !package_version.is_empty() {
                    m.insert(
                        "packageVersion".into(),
                        Value::String(package_version.clone()),
                    );
                }
                Kind::StructValue(to_struct(&m))
            }
            Value::Output {
                value,
                secret,
                dependencies,
            } => {
                let mut m = sig_object(OUTPUT_SIG);
                if let Some(v) = value {
                    m.insert("value".into(), (**v).clone());
                }
                if *secret {
                    m.insert("secret".into(), Value::Bool(true));
                }
                if !dependencies.is_empty() {
                    m.insert(
                        "dependencies".into(),
                        Value::Array(dependencies.iter().cloned().map(Value::String).collect()),
                    );
                }
                Kind::StructValue(to_struct(&m))
            }
        };
        prost_types::Value { kind: Some(kind) }
    }

    /// True when this value, or anything inside it, is unknown.
    pub fn contains_unknowns(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::Output { value: None, .. } => true,
            Value::Output { value: Some(v), .. } | Value::Secret(v) => v.contains_unknowns(),
            Value::Array(items) => items.iter().any(Value::contains_unknowns),
            Value::Object(m) => m.values().any(Value::contains_unknowns),
            Value::ResourceRef { id, .. } => id.as_deref().is_some_and(Value::contains_unknowns),
            _ => false,
        }
    }

    /// True when this value, or anything inside it, is secret.
    pub fn contains_secrets(&self) -> bool {
        match self {
            Value::Secret(_) | Value::Output { secret: true, .. } => true,
            Value::Output { value: Some(v), .. } => v.contains_secrets(),
            Value::Array(items) => items.iter().any(Value::contains_secrets),
            Value::Object(m) => m.values().any(Value::contains_secrets),
            _ => false,
        }
    }

    /// Removes secret and output wrappers (an unknown output becomes [`Value::Unknown`]) and turns resource
    /// references into their id (custom resources) or URN (components), as a provider that works on plain data
    /// needs them.
    pub fn into_plain(self) -> Value {
        match self {
            Value::Secret(v) => v.into_plain(),
            Value::Output { value: Some(v), .. } => v.into_plain(),
            Value::Output { value: None, .. } => Value::Unknown,
            Value::ResourceRef { id: Some(id), .. } => id.into_plain(),
            Value::ResourceRef { urn, id: None, .. } => Value::String(urn),
            Value::Array(items) => Value::Array(items.into_iter().map(Value::into_plain).collect()),
            Value::Object(m) => {
                Value::Object(m.into_iter().map(|(k, v)| (k, v.into_plain())).collect())
            }
            other => other,
        }
    }

    /// Converts an unwrapped, fully known value to JSON; `None` if anything is unknown.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect::<Option<_>>()?)
            }
            Value::Object(m) | Value::Opaque(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
            Value::Secret(v) => v.to_json()?,
            Value::Output { value: Some(v), .. } => v.to_json()?,
            Value::Unknown | Value::Output { value: None, .. } => return None,
            Value::ResourceRef { id: Some(id), .. } => id.to_json()?,
            Value::ResourceRef { urn, .. } => serde_json::Value::String(urn.clone()),
        })
    }

    /// Builds a value from JSON.
    pub fn from_json(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) if UNKNOWN_SENTINELS.contains(&s.as_str()) => {
                Value::Unknown
            }
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(items) => {
                Value::Array(items.into_iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(m) => Value::Object(
                m.into_iter()
                    .map(|(k, v)| (k, Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Builds a value from anything serializable.
    pub fn from_serialize<T: serde::Serialize>(v: &T) -> Result<Value, serde_json::Error> {
        serde_json::to_value(v).map(Value::from_json)
    }

    /// Wraps this value as a secret (idempotent).
    pub fn into_secret(self) -> Value {
        match self {
            Value::Secret(_) => self,
            other => Value::Secret(Box::new(other)),
        }
    }

    /// The string inside, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&std::collections::BTreeMap<String, String>> for Value {
    fn from(m: &std::collections::BTreeMap<String, String>) -> Value {
        Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Value {
        Value::Number(f64::from(n))
    }
}

impl From<i64> for Value {
    /// Exact up to 2^53, as for every Pulumi number.
    fn from(n: i64) -> Value {
        Value::Number(n as f64)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Number(n)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::Array(items)
    }
}

/// An object value from key/value pairs: `obj([("port", 80.into()), ("protocol", "HTTP".into())])`.
pub fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// JSON numbers that are whole stay integers, so typed decoding into integer fields works.
fn number_to_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        serde_json::Value::Number(serde_json::Number::from(n as i64))
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

fn sig_object(sig: &str) -> PropertyMap {
    let mut m = PropertyMap::new();
    m.insert(SIG_KEY.into(), Value::String(sig.into()));
    m
}

fn take_string(m: &mut PropertyMap, key: &str) -> String {
    match m.remove(key) {
        Some(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Decodes a protobuf Struct into a property map.
pub fn from_struct(s: prost_types::Struct) -> PropertyMap {
    s.fields
        .into_iter()
        .map(|(k, v)| (k, Value::from_proto(v)))
        .collect()
}

/// Decodes an optional Struct (absent = empty).
pub fn from_opt_struct(s: Option<prost_types::Struct>) -> PropertyMap {
    s.map(from_struct).unwrap_or_default()
}

/// Encodes a property map as a protobuf Struct.
pub fn to_struct(m: &PropertyMap) -> prost_types::Struct {
    prost_types::Struct {
        fields: m.iter().map(|(k, v)| (k.clone(), v.to_proto())).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-1.0e12f64..1.0e12).prop_map(Value::Number),
            "[a-z0-9 ]{0,12}".prop_map(Value::String),
            Just(Value::Unknown),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("[a-zA-Z]{1,8}", inner.clone(), 0..5)
                    .prop_map(Value::Object),
                inner.clone().prop_map(|v| Value::Secret(Box::new(v))),
                (
                    proptest::option::of(inner.clone()),
                    any::<bool>(),
                    prop::collection::vec("urn:[a-z]{1,6}", 0..3)
                )
                    .prop_map(|(v, secret, dependencies)| Value::Output {
                        value: v.map(Box::new),
                        secret,
                        dependencies
                    }),
                (
                    "urn:pulumi:[a-z]{1,6}",
                    proptest::option::of("[a-z0-9-]{1,8}"),
                    "[0-9.]{0,6}"
                )
                    .prop_map(|(urn, id, package_version)| Value::ResourceRef {
                        urn,
                        id: id.map(|i| Box::new(Value::String(i))),
                        package_version
                    }),
            ]
        })
    }

    proptest! {
        #[test]
        fn proto_round_trip(v in arb_value()) {
            prop_assert_eq!(Value::from_proto(v.to_proto()), v);
        }

        #[test]
        fn json_round_trip_of_plain_values(v in arb_value()) {
            let plain = v.clone().into_plain();
            match plain.to_json() {
                Some(json) => {
                    prop_assert!(!plain.contains_unknowns());
                    let back = Value::from_json(json.clone());
                    prop_assert_eq!(back.to_json(), Some(json));
                }
                None => prop_assert!(plain.contains_unknowns()),
            }
        }

        #[test]
        fn unwrap_removes_every_secret(v in arb_value()) {
            prop_assert!(!v.into_plain().contains_secrets());
        }
    }

    #[test]
    fn all_typed_unknown_sentinels_decode_to_unknown() {
        for s in UNKNOWN_SENTINELS {
            let v = prost_types::Value {
                kind: Some(Kind::StringValue(s.to_string())),
            };
            assert_eq!(Value::from_proto(v), Value::Unknown);
        }
    }

    /// A protobuf struct of string fields, as Pulumi puts it on the wire.
    fn wire(fields: &[(&str, &str)]) -> prost_types::Value {
        prost_types::Value {
            kind: Some(Kind::StructValue(prost_types::Struct {
                fields: fields
                    .iter()
                    .map(|(k, v)| {
                        let v = prost_types::Value {
                            kind: Some(Kind::StringValue(v.to_string())),
                        };
                        (k.to_string(), v)
                    })
                    .collect(),
            })),
        }
    }

    #[test]
    fn every_variant_answers_the_queries() {
        let output = |value: Option<Value>, secret: bool| Value::Output {
            value: value.map(Box::new),
            secret,
            dependencies: vec!["urn:a".into()],
        };
        let reference = |id: Option<Value>| Value::ResourceRef {
            urn: "urn:r".into(),
            id: id.map(Box::new),
            package_version: String::new(),
        };
        // Unknowns, also nested in outputs and references.
        assert!(output(None, false).contains_unknowns());
        assert!(output(Some(Value::Unknown), false).contains_unknowns());
        assert!(reference(Some(Value::Unknown)).contains_unknowns());
        assert!(!reference(None).contains_unknowns());
        // Secrets, also nested in outputs.
        assert!(output(Some("x".into()), true).contains_secrets());
        assert!(output(Some(Value::Secret(Box::new("x".into()))), false).contains_secrets());
        assert!(!output(Some("x".into()), false).contains_secrets());
        // JSON views.
        assert_eq!(Value::Null.to_json(), Some(serde_json::Value::Null));
        assert_eq!(
            Value::Secret(Box::new("s".into())).to_json(),
            Some("s".into())
        );
        assert_eq!(output(Some("o".into()), false).to_json(), Some("o".into()));
        assert_eq!(output(None, false).to_json(), None);
        assert_eq!(
            reference(Some("id-1".into())).to_json(),
            Some("id-1".into())
        );
        assert_eq!(reference(None).to_json(), Some("urn:r".into()));
        assert_eq!(Value::from_json(serde_json::json!(1.5)), Value::Number(1.5));
        for sentinel in UNKNOWN_SENTINELS {
            assert_eq!(
                Value::from_json(serde_json::json!(sentinel)),
                Value::Unknown
            );
        }
        // Helpers.
        let secret = Value::from("s").into_secret();
        assert_eq!(
            secret.clone().into_secret(),
            secret,
            "into_secret is idempotent"
        );
        assert_eq!(Value::Number(1.0).as_str(), None);
        assert_eq!(
            Value::from(vec![Value::Null]),
            Value::Array(vec![Value::Null])
        );
        assert_eq!(Value::from(3_i64), Value::Number(3.0));
        // Output dependencies that are not strings are dropped; an unknown signature stays opaque.
        let mut m = PropertyMap::new();
        m.insert(SIG_KEY.into(), Value::from(OUTPUT_SIG));
        m.insert("value".into(), Value::from("v"));
        m.insert(
            "dependencies".into(),
            Value::Array(vec![Value::from("urn:d"), Value::Number(1.0)]),
        );
        assert_eq!(
            Value::from_proto(Value::Object(m).to_proto()),
            Value::Output {
                value: Some(Box::new("v".into())),
                secret: false,
                dependencies: vec!["urn:d".into()],
            }
        );
        let mut other = PropertyMap::new();
        other.insert(
            SIG_KEY.into(),
            Value::from("ffffffffffffffffffffffffffffffff"),
        );
        let decoded = Value::from_proto(Value::Object(other.clone()).to_proto());
        assert_eq!(decoded, Value::Opaque(other));
    }

    #[test]
    fn secret_wire_form_matches_pulumi() {
        let v = Value::Secret(Box::new(Value::from("hunter2")));
        assert_eq!(
            v.to_proto(),
            wire(&[(SIG_KEY, SECRET_SIG), ("value", "hunter2")])
        );
    }

    #[test]
    fn unknown_resource_ref_id_is_empty_string_on_the_wire() {
        let v = Value::ResourceRef {
            urn: "urn:x".into(),
            id: Some(Box::new(Value::Unknown)),
            package_version: "".into(),
        };
        assert_eq!(
            v.to_proto(),
            wire(&[(SIG_KEY, RESOURCE_REF_SIG), ("urn", "urn:x"), ("id", "")])
        );
        assert_eq!(Value::from_proto(v.to_proto()), v);
    }

    #[test]
    fn whole_numbers_decode_into_integer_fields() {
        let json = Value::Number(443.0).to_json().unwrap();
        let port: u16 = serde_json::from_value(json).unwrap();
        assert_eq!(port, 443);
    }

    #[test]
    fn unknown_output_unwraps_to_unknown() {
        let v = Value::Output {
            value: None,
            secret: true,
            dependencies: vec!["urn:a".into()],
        };
        assert!(v.contains_unknowns());
        assert!(v.contains_secrets());
        assert_eq!(v.into_plain(), Value::Unknown);
    }
}
