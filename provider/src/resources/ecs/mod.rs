//! ECS kinds (Fargate only), and what they share: ECS tags (`key`/`value` pairs on an ARN, changed with
//! TagResource/UntagResource, [`EcsTags`]), capacity provider strategies and name rules. Adoption and exactly-once
//! creates follow [`crate::lifecycle`]: every object carries the ownership and identity tags.

pub mod cluster;
pub mod service;
pub mod task_definition;

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{CapacityProviderStrategyItem, Tag};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::tags::Tagging;
use crate::aws::Aws;
use crate::error::{ResourceError, aws_error};
use crate::resource::{CheckContext, Failures};

/// The Fargate capacity providers a cluster and its services may use.
pub const FARGATE_PROVIDERS: [&str; 2] = ["FARGATE", "FARGATE_SPOT"];

/// One entry of a capacity provider strategy: how tasks are spread over Fargate and Fargate Spot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CapacityProviderStrategy {
    /// `FARGATE` or `FARGATE_SPOT`.
    pub capacity_provider: String,
    /// Relative share of the tasks beyond the bases (0-1000; at least one entry must be positive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
    /// Tasks always placed on this provider before weights apply (0-100000; at most one entry may be positive;
    /// default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<i32>,
}

/// Validates and normalizes (defaults, sorted by provider) a capacity provider strategy.
pub fn check_strategy(
    property: &str,
    strategy: &mut Option<Vec<CapacityProviderStrategy>>,
    allowed: &[String],
    f: &mut Failures,
) {
    let Some(items) = strategy else { return };
    if items.is_empty() {
        *strategy = None;
        return;
    }
    for item in items.iter_mut() {
        let weight = *item.weight.get_or_insert(1);
        let base = *item.base.get_or_insert(0);
        f.require(
            FARGATE_PROVIDERS.contains(&item.capacity_provider.as_str()),
            property,
            format!(
                "capacityProvider '{}' must be FARGATE or FARGATE_SPOT",
                item.capacity_provider
            ),
        );
        f.require(
            allowed.is_empty() || allowed.contains(&item.capacity_provider),
            property,
            format!(
                "capacityProvider '{}' is not one of the cluster's capacityProviders",
                item.capacity_provider
            ),
        );
        f.require(
            (0..=1000).contains(&weight),
            property,
            format!("weight of {} must be 0-1000", item.capacity_provider),
        );
        f.require(
            (0..=100_000).contains(&base),
            property,
            format!("base of {} must be 0-100000", item.capacity_provider),
        );
    }
    items.sort_by(|a, b| a.capacity_provider.cmp(&b.capacity_provider));
    let names: Vec<&str> = items.iter().map(|i| i.capacity_provider.as_str()).collect();
    f.require(
        names.windows(2).all(|w| w[0] != w[1]),
        property,
        "each capacity provider may appear only once",
    );
    f.require(
        items.iter().filter(|i| i.base.unwrap_or(0) > 0).count() <= 1,
        property,
        "only one entry may have a base greater than 0",
    );
    f.require(
        items.iter().any(|i| i.weight.unwrap_or(0) > 0),
        property,
        "at least one entry must have a weight greater than 0",
    );
}

/// The SDK form of a strategy.
pub fn strategy_items(
    items: &[CapacityProviderStrategy],
) -> Result<Vec<CapacityProviderStrategyItem>, ResourceError> {
    items
        .iter()
        .map(|i| {
            CapacityProviderStrategyItem::builder()
                .capacity_provider(&i.capacity_provider)
                .weight(i.weight.unwrap_or(1))
                .base(i.base.unwrap_or(0))
                .build()
                .map_err(|e| ResourceError::Internal(e.to_string()))
        })
        .collect()
}

/// A strategy as AWS returns it, normalized like [`check_strategy`] (`None` when empty).
pub fn strategy_from(
    items: &[CapacityProviderStrategyItem],
) -> Option<Vec<CapacityProviderStrategy>> {
    if items.is_empty() {
        return None;
    }
    let mut out: Vec<CapacityProviderStrategy> = items
        .iter()
        .map(|i| CapacityProviderStrategy {
            capacity_provider: i.capacity_provider().to_string(),
            weight: Some(i.weight()),
            base: Some(i.base()),
        })
        .collect();
    out.sort_by(|a, b| a.capacity_provider.cmp(&b.capacity_provider));
    Some(out)
}

/// Whether `name` is 1-255 letters, digits, hyphens and underscores (ECS cluster, service, family and container
/// names).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Fills `name` with an autoname when unset (ECS's charset), and validates it.
pub fn check_name(ctx: &CheckContext, property: &str, name: &mut Option<String>, f: &mut Failures) {
    let n = name.get_or_insert_with(|| {
        ctx.autoname(255)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    });
    f.require(
        valid_name(n),
        property,
        format!("'{n}' must be 1-255 letters, digits, hyphens (-) and underscores (_)"),
    );
}

/// Validates user tags against ECS's limits (50 per resource, a few kept for the provider).
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    super::tags::check(tags, "ECS", f);
    if tags.is_some_and(|t| t.contains_key("Name")) {
        f.push("tags", "tag key 'Name' is reserved for the provider");
    }
}

/// ECS tags as a map.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// A map as ECS tags.
pub fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// ECS tags objects by ARN.
pub struct EcsTags;

impl Tagging for EcsTags {
    async fn tag(
        aws: &Aws,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        aws.ecs
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tag_list(tags)))
            .send()
            .await
            .map_err(|e| aws_error("ecs:TagResource", e))?;
        Ok(())
    }

    async fn untag(aws: &Aws, arn: &str, keys: &[String]) -> Result<(), ResourceError> {
        aws.ecs
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("ecs:UntagResource", e))?;
        Ok(())
    }
}

/// Whether `arn` looks like an IAM role ARN (`arn:<partition>:iam::<account>:role/<path/name>`).
pub fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].starts_with("role/")
        && parts[5].len() > 5
}

/// Whether `arn` is an ARN of `service` (`arn:<partition>:<service>:<region>:<account>:<resource>`) with a resource
/// part starting with `prefix`.
pub fn is_arn_of(arn: &str, service: &str, prefix: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == service
        && !parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].starts_with(prefix)
        && parts[5].len() > prefix.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategy_rules() {
        let item = |p: &str, w: i32, b: i32| CapacityProviderStrategy {
            capacity_provider: p.into(),
            weight: Some(w),
            base: Some(b),
        };
        let mut ok = Some(vec![item("FARGATE_SPOT", 3, 0), item("FARGATE", 1, 1)]);
        let mut f = Failures::default();
        check_strategy("s", &mut ok, &[], &mut f);
        assert!(f.finish(()).is_ok());
        assert_eq!(ok.expect("kept")[0].capacity_provider, "FARGATE");
        let mut bad = Some(vec![item("FARGATE_SPOT", 0, 2), item("FARGATE", 0, 1)]);
        let mut f = Failures::default();
        check_strategy("s", &mut bad, &[], &mut f);
        assert_eq!(f.finish(()).expect_err("two rules").len(), 2);
    }

    #[test]
    fn arn_forms() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/app-exec"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/x"));
        assert!(is_arn_of(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
            "secretsmanager",
            "secret:"
        ));
        assert!(!is_arn_of(
            "arn:aws:ssm:us-east-1:1234:parameter/x",
            "ssm",
            "parameter/"
        ));
    }
}
