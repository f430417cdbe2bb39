//! schema.json, generated from the Rust types of the registry (the single source of truth): each kind's
//! `Inputs`/`Outputs`, the component's args/outputs and the provider config are read through `schemars` (doc
//! comments become descriptions) and translated to Pulumi's package schema.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value as Json, json};

use crate::aws::ProviderConfig;
use crate::resource::Registry;

/// The package name.
pub const PACKAGE: &str = "orderapi";

/// The provider's version (the crate's).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

fn root_schema<T: JsonSchema>() -> Json {
    SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// The (camelCase) property names of a serde struct.
pub fn property_names<T: JsonSchema>() -> BTreeSet<String> {
    root_schema::<T>()
        .get("properties")
        .and_then(Json::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// Fills, in a recorded state `m`, every property `T` requires but `m` lacks with the zero value of its type
/// (`""`, `0`, `false`, `[]`, `{}`), in nested objects too. A state recorded by an earlier release that did not
/// have a field yet then decodes; the schema (and so every SDK) keeps the field required.
pub fn fill_missing<T: JsonSchema>(m: &mut Map<String, Json>) {
    let root = root_schema::<T>();
    fill_object(&root, &root, m);
}

/// The schema `s` points to (`$ref` into the root's `$defs`), or `s` itself.
fn resolve<'a>(root: &'a Json, s: &'a Json) -> &'a Json {
    match s.get("$ref").and_then(Json::as_str) {
        Some(r) => r
            .strip_prefix("#/$defs/")
            .and_then(|name| root.get("$defs")?.get(name))
            .unwrap_or(s),
        None => s,
    }
}

fn fill_object(root: &Json, schema: &Json, m: &mut Map<String, Json>) {
    let schema = resolve(root, schema);
    let Some(props) = schema.get("properties").and_then(Json::as_object) else {
        return;
    };
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Json::as_array)
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    for (name, prop) in props {
        match m.get_mut(name) {
            Some(Json::Object(inner)) => fill_object(root, prop, inner),
            Some(Json::Array(items)) => {
                let item_schema = resolve(root, prop).get("items").cloned();
                if let Some(item_schema) = item_schema {
                    for item in items.iter_mut() {
                        if let Json::Object(inner) = item {
                            fill_object(root, &item_schema, inner);
                        }
                    }
                }
            }
            Some(_) => {}
            None if required.contains(name.as_str()) => {
                m.insert(name.clone(), zero_value(root, prop));
            }
            None => {}
        }
    }
}

/// Stand-ins for the top-level properties `keys` of `T` whose values are not known yet (preview), so the rules of
/// the known properties can run: `variant` 0 gives each its type's zero value (`""`, `0`, `false`, `[]`, an object
/// of zero-valued required fields, an enum's first value); variant 1 a different one of the same type (`"x"`, `1`,
/// `true`, an enum's last value). A rule that fails on a known property under both is that property's own; one
/// that fails under only one was about the stand-in.
pub fn stand_ins<T: JsonSchema>(keys: &BTreeSet<String>, variant: u8) -> Map<String, Json> {
    let root = root_schema::<T>();
    let props = resolve(&root, &root)
        .get("properties")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    keys.iter()
        .filter_map(|k| {
            let prop = props.get(k)?;
            let value = if variant == 0 {
                zero_value(&root, prop)
            } else {
                other_value(&root, prop)
            };
            Some((k.clone(), value))
        })
        .collect()
}

/// A value of `prop`'s type other than its zero value.
fn other_value(root: &Json, prop: &Json) -> Json {
    let prop = resolve(root, prop);
    if let Some(last) = prop
        .get("enum")
        .and_then(Json::as_array)
        .and_then(|e| e.last())
    {
        return last.clone();
    }
    if let Some(Json::Array(any)) = prop.get("anyOf").or_else(|| prop.get("oneOf"))
        && let Some(first) = any.iter().find(|s| s.get("type") != Some(&json!("null")))
    {
        return other_value(root, first);
    }
    match json_type(prop) {
        "string" => json!("x"),
        "integer" | "number" => json!(1),
        "boolean" => json!(true),
        "array" => match prop.get("items") {
            Some(items) => json!([other_value(root, items)]),
            None => json!([]),
        },
        "object" => {
            // Every required field with a non-zero value of its type.
            let required: BTreeSet<&str> = prop
                .get("required")
                .and_then(Json::as_array)
                .map(|r| r.iter().filter_map(Json::as_str).collect())
                .unwrap_or_default();
            let fields = prop
                .get("properties")
                .and_then(Json::as_object)
                .map(|props| {
                    props
                        .iter()
                        .filter(|(k, _)| required.contains(k.as_str()))
                        .map(|(k, v)| (k.clone(), other_value(root, v)))
                        .collect::<Map<String, Json>>()
                })
                .unwrap_or_default();
            Json::Object(fields)
        }
        _ => zero_value(root, prop),
    }
}

/// The first non-null JSON type of `prop`.
fn json_type(prop: &Json) -> &str {
    match prop.get("type") {
        Some(Json::String(t)) => t.as_str(),
        Some(Json::Array(ts)) => ts
            .iter()
            .filter_map(Json::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ => "object",
    }
}

fn zero_value(root: &Json, prop: &Json) -> Json {
    let prop = resolve(root, prop);
    if let Some(first) = prop
        .get("enum")
        .and_then(Json::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(Json::Array(any)) = prop.get("anyOf").or_else(|| prop.get("oneOf"))
        && let Some(first) = any.iter().find(|s| s.get("type") != Some(&json!("null")))
    {
        return zero_value(root, first);
    }
    match json_type(prop) {
        "string" => json!(""),
        "integer" | "number" => json!(0),
        "boolean" => json!(false),
        "array" => json!([]),
        "null" => Json::Null,
        _ => {
            let mut m = Map::new();
            fill_object(root, prop, &mut m);
            Json::Object(m)
        }
    }
}

/// Builds the package schema.
#[derive(Default)]
pub struct SchemaBuilder {
    resources: Map<String, Json>,
    types: Map<String, Json>,
}

/// An object schema translated to Pulumi: its properties and required names.
struct ObjectSpec {
    description: Option<String>,
    properties: Map<String, Json>,
    required: Vec<String>,
}

impl SchemaBuilder {
    /// Adds a custom resource kind.
    pub fn add_resource<I: JsonSchema, O: JsonSchema>(
        &mut self,
        token: &str,
        description: &str,
        replace_on_changes: &[&str],
        secret_outputs: &[&str],
    ) {
        let module = module_of(token);
        let mut inputs = self.object::<I>(&module);
        for name in replace_on_changes {
            if let Some(Json::Object(p)) = inputs.properties.get_mut(*name) {
                p.insert("willReplaceOnChanges".into(), Json::Bool(true));
            }
        }
        let outputs = self.object::<O>(&module);
        let mut properties = inputs.properties.clone();
        properties.extend(outputs.properties);
        for name in secret_outputs {
            if let Some(Json::Object(p)) = properties.get_mut(*name) {
                p.insert("secret".into(), Json::Bool(true));
            }
        }
        let mut required: BTreeSet<String> = inputs.required.iter().cloned().collect();
        required.extend(outputs.required);
        self.resources.insert(
            token.to_string(),
            json!({
                "description": description,
                "properties": properties,
                "required": required,
                "inputProperties": inputs.properties,
                "requiredInputs": inputs.required,
            }),
        );
    }

    /// Adds a component resource.
    pub fn add_component<I: JsonSchema, O: JsonSchema>(&mut self, token: &str, description: &str) {
        let module = module_of(token);
        let inputs = self.object::<I>(&module);
        let outputs = self.object::<O>(&module);
        self.resources.insert(
            token.to_string(),
            json!({
                "description": description,
                "isComponent": true,
                "properties": outputs.properties,
                "required": outputs.required,
                "inputProperties": inputs.properties,
                "requiredInputs": inputs.required,
            }),
        );
    }

    fn object<T: JsonSchema>(&mut self, module: &str) -> ObjectSpec {
        let root = root_schema::<T>();
        let defs = root
            .get("$defs")
            .and_then(Json::as_object)
            .cloned()
            .unwrap_or_default();
        self.object_spec(&root, &defs, module)
    }

    fn object_spec(&mut self, schema: &Json, defs: &Map<String, Json>, module: &str) -> ObjectSpec {
        let mut properties = Map::new();
        if let Some(props) = schema.get("properties").and_then(Json::as_object) {
            for (name, prop) in props {
                properties.insert(name.clone(), self.property(prop, defs, module));
            }
        }
        let required = schema
            .get("required")
            .and_then(Json::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let description = schema
            .get("description")
            .and_then(Json::as_str)
            .map(str::to_string);
        ObjectSpec {
            description,
            properties,
            required,
        }
    }

    /// Translates one JSON-schema property to a Pulumi property spec.
    fn property(&mut self, schema: &Json, defs: &Map<String, Json>, module: &str) -> Json {
        let mut spec = self.type_spec(schema, defs, module);
        if let (Some(Json::Object(s)), Some(d)) = (Some(&mut spec), schema.get("description")) {
            s.insert("description".into(), d.clone());
        }
        spec
    }

    fn type_spec(&mut self, schema: &Json, defs: &Map<String, Json>, module: &str) -> Json {
        if schema == &Json::Bool(true) || schema.as_object().is_some_and(Map::is_empty) {
            return json!({"$ref": "pulumi.json#/Any"});
        }
        if let Some(r) = schema.get("$ref").and_then(Json::as_str) {
            let name = r.trim_start_matches("#/$defs/");
            let def = defs.get(name).cloned().unwrap_or(Json::Null);
            if is_string_enum(&def) {
                return json!({"type": "string"});
            }
            let token = format!("{PACKAGE}:{module}:{name}");
            if !self.types.contains_key(&token) {
                // Insert a placeholder first so recursive types terminate.
                self.types.insert(token.clone(), Json::Null);
                let spec = self.object_spec(&def, defs, module);
                let mut t = json!({
                    "type": "object",
                    "properties": spec.properties,
                    "required": spec.required,
                });
                if let Some(d) = spec.description {
                    t["description"] = Json::String(d);
                }
                self.types.insert(token.clone(), t);
            }
            return json!({"$ref": format!("#/types/{token}")});
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(alts) = schema.get(key).and_then(Json::as_array) {
                let non_null: Vec<&Json> = alts
                    .iter()
                    .filter(|a| a.get("type") != Some(&json!("null")))
                    .collect();
                if is_string_enum(schema) {
                    return json!({"type": "string"});
                }
                if let [only] = non_null.as_slice() {
                    return self.type_spec(only, defs, module);
                }
                return json!({"$ref": "pulumi.json#/Any"});
            }
        }
        let ty = match schema.get("type") {
            Some(Json::Array(types)) => types
                .iter()
                .filter_map(Json::as_str)
                .find(|t| *t != "null")
                .unwrap_or("string")
                .to_string(),
            Some(Json::String(t)) => t.clone(),
            _ if schema.get("enum").is_some() => "string".to_string(),
            _ => return json!({"$ref": "pulumi.json#/Any"}),
        };
        match ty.as_str() {
            "array" => {
                let items = schema.get("items").cloned().unwrap_or(Json::Bool(true));
                json!({"type": "array", "items": self.type_spec(&items, defs, module)})
            }
            "object" => {
                let ap = schema
                    .get("additionalProperties")
                    .cloned()
                    .unwrap_or(Json::Bool(true));
                json!({"type": "object", "additionalProperties": self.type_spec(&ap, defs, module)})
            }
            "integer" | "number" | "boolean" | "string" => json!({"type": ty}),
            _ => json!({"$ref": "pulumi.json#/Any"}),
        }
    }

    /// The finished schema document.
    pub fn finish(self) -> Json {
        let mut config = self_config();
        let provider_inputs = config.properties.clone();
        for p in config.properties.values_mut() {
            if let Json::Object(p) = p {
                p.remove("willReplaceOnChanges");
            }
        }
        json!({
            "name": PACKAGE,
            "displayName": "Order API Platform",
            "version": VERSION,
            "description": "A production order-processing API platform on AWS (VPC, ECS Fargate, ALB, Aurora MySQL, WAF, observability) from one declaration.",
            "keywords": ["pulumi", "aws", "ecs", "fargate", "aurora", "category/cloud", "kind/component"],
            "homepage": "https://github.com/orderapi/pulumi-orderapi",
            "license": "Apache-2.0",
            "repository": "https://github.com/orderapi/pulumi-orderapi",
            "publisher": "pulumi-orderapi",
            // Releases on GitHub: Pulumi fetches
            // pulumi-resource-orderapi-v<version>-<os>-<arch>.tar.gz from the v<version> release.
            "pluginDownloadURL": "github://api.github.com/orderapi/pulumi-orderapi",
            "meta": {"moduleFormat": "(.*)"},
            "config": {"variables": config.properties},
            "provider": {
                "description": "The provider type for the orderapi package.",
                "inputProperties": provider_inputs,
            },
            "resources": self.resources,
            "types": self.types,
            "language": {
                "nodejs": {
                    "packageName": "@orderapi/pulumi-orderapi",
                    "respectSchemaVersion": true,
                    "dependencies": {"@pulumi/pulumi": "^3.0.0"}
                },
                "python": {
                    "packageName": "pulumi_orderapi",
                    "respectSchemaVersion": true,
                    "pyproject": {"enabled": true},
                    "requires": {"pulumi": ">=3.0.0,<4.0.0"}
                },
                "go": {
                    "importBasePath": "github.com/orderapi/pulumi-orderapi/sdk/go/orderapi",
                    "generateResourceContainerTypes": true,
                    "respectSchemaVersion": true
                },
                "csharp": {"rootNamespace": "OrderApi", "packageReferences": {"Pulumi": "3.*"}},
                "java": {"basePackage": "com.orderapi", "buildFiles": "gradle"}
            }
        })
    }
}

fn self_config() -> ObjectSpec {
    let mut b = SchemaBuilder::default();
    b.object::<ProviderConfig>("index")
}

fn is_string_enum(schema: &Json) -> bool {
    if schema.get("enum").is_some() {
        return true;
    }
    ["oneOf", "anyOf"].iter().any(|k| {
        schema.get(*k).and_then(Json::as_array).is_some_and(|alts| {
            !alts.is_empty()
                && alts
                    .iter()
                    .all(|a| a.get("const").is_some() || a.get("enum").is_some())
        })
    })
}

fn module_of(token: &str) -> String {
    token.split(':').nth(1).unwrap_or("index").to_string()
}

/// The whole package schema, as served by GetSchema and checked in as schema.json.
pub fn package_schema(registry: &Registry) -> Json {
    let mut b = SchemaBuilder::default();
    for kind in registry.kinds() {
        kind.describe(&mut b);
    }
    crate::platform::describe(&mut b);
    b.finish()
}

/// schema.json's text: pretty JSON with a trailing newline.
pub fn package_schema_text(registry: &Registry) -> String {
    let mut s = serde_json::to_string_pretty(&package_schema(registry)).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_in_schema_matches_the_code() {
        let generated = package_schema_text(&Registry::all());
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.json");
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            generated == checked_in,
            "schema.json is out of date with the Rust types; run `make schema` and commit the result"
        );
    }

    #[test]
    fn every_property_has_a_description_and_every_ref_resolves() {
        let schema = package_schema(&Registry::all());
        let types = schema["types"].as_object().expect("types");
        let mut missing = Vec::new();
        let mut check_props = |owner: &str, props: &Json| {
            for (name, p) in props.as_object().into_iter().flatten() {
                if p.get("description")
                    .and_then(Json::as_str)
                    .is_none_or(str::is_empty)
                {
                    missing.push(format!("{owner}.{name}"));
                }
                let r = p
                    .get("$ref")
                    .or_else(|| p.pointer("/items/$ref"))
                    .and_then(Json::as_str);
                if let Some(r) = r.and_then(|r| r.strip_prefix("#/types/")) {
                    assert!(
                        types.contains_key(r),
                        "{owner}.{name} refers to missing type {r}"
                    );
                }
            }
        };
        for (token, r) in schema["resources"].as_object().expect("resources") {
            check_props(token, &r["inputProperties"]);
            check_props(token, &r["properties"]);
        }
        for (token, t) in types {
            check_props(token, &t["properties"]);
        }
        check_props("config", &schema["config"]["variables"]);
        assert!(
            missing.is_empty(),
            "properties without a description: {missing:?}"
        );
    }

    #[test]
    fn the_platform_is_a_component() {
        let schema = package_schema(&Registry::all());
        assert_eq!(
            schema["resources"]["orderapi:index:OrderApiPlatform"]["isComponent"],
            json!(true)
        );
    }
}
