//! Decoding the provider configuration as the engine sends it: values set with `pulumi config set` arrive as
//! strings even for booleans, numbers and maps, so non-string keys accept their JSON text too.

use crate::aws::ProviderConfig;
use crate::resource::CheckFailure;
use crate::rpc::value::{PropertyMap, Value};
use crate::schema::property_names;

/// Keys the engine itself adds to every provider's configuration.
const ENGINE_KEYS: [&str; 2] = ["version", "pluginDownloadURL"];

/// Keys whose value is a string; all others are parsed from JSON text when they arrive as strings.
const STRING_KEYS: [&str; 3] = ["region", "profile", "endpoint"];

/// Decodes the configuration; `Ok(None)` when some value is not known yet (preview).
pub fn decode_config(map: &PropertyMap) -> Result<Option<ProviderConfig>, Vec<CheckFailure>> {
    let known = property_names::<ProviderConfig>();
    let mut failures = Vec::new();
    let mut object = serde_json::Map::new();
    for (key, value) in map {
        if ENGINE_KEYS.contains(&key.as_str()) || key.starts_with("__") {
            continue;
        }
        if !known.contains(key) {
            let expected: Vec<&str> = known.iter().map(String::as_str).collect();
            failures.push(CheckFailure::new(
                key.clone(),
                format!(
                    "unknown configuration key; orderapi takes: {}",
                    expected.join(", ")
                ),
            ));
            continue;
        }
        let plain = value.clone().into_plain();
        if plain.contains_unknowns() {
            return Ok(None);
        }
        let json = match plain {
            Value::String(s) if !STRING_KEYS.contains(&key.as_str()) => {
                match serde_json::from_str(&s) {
                    Ok(v) => v,
                    Err(_) => {
                        failures.push(CheckFailure::new(
                            key.clone(),
                            format!("'{s}' is not a valid value for this key"),
                        ));
                        continue;
                    }
                }
            }
            other => other.to_json().unwrap_or(serde_json::Value::Null),
        };
        object.insert(key.clone(), json);
    }
    if !failures.is_empty() {
        return Err(failures);
    }
    let config: ProviderConfig =
        serde_path_to_error::deserialize(serde_json::Value::Object(object)).map_err(|e| {
            vec![CheckFailure::new(
                e.path().to_string(),
                e.into_inner().to_string(),
            )]
        })?;
    config.validate()?;
    Ok(Some(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> PropertyMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect()
    }

    #[test]
    fn string_encoded_values_decode() {
        let c = decode_config(&map(&[
            ("region", "us-west-2"),
            ("skipCredentialsValidation", "true"),
            ("defaultTags", r#"{"Team":"orders"}"#),
            ("maxRetries", "3"),
            ("version", "0.1.0"),
        ]))
        .expect("valid")
        .expect("known");
        assert_eq!(c.region.as_deref(), Some("us-west-2"));
        assert_eq!(c.skip_credentials_validation, Some(true));
        assert_eq!(c.default_tags.expect("tags")["Team"], "orders");
        assert_eq!(c.max_retries, Some(3));
    }

    #[test]
    fn bad_keys_and_values_are_named() {
        let fs = decode_config(&map(&[
            ("regoin", "us-east-1"),
            ("skipCredentialsValidation", "yes"),
        ]))
        .expect_err("invalid");
        let keys: Vec<&str> = fs.iter().map(|f| f.property.as_str()).collect();
        assert_eq!(keys, vec!["regoin", "skipCredentialsValidation"]);
        let fs = decode_config(&map(&[("endpoint", "not a url")])).expect_err("invalid");
        assert_eq!(fs[0].property, "endpoint");
    }

    #[test]
    fn unknown_values_defer() {
        let m = PropertyMap::from([("region".to_string(), Value::Unknown)]);
        assert_eq!(decode_config(&m).expect("no failure"), None);
    }
}
