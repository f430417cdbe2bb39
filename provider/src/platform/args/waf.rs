//! The `waf` group: the web application firewall in front of the load balancer.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::resource::Failures;

/// The web application firewall in front of the load balancer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Waf")]
pub struct WafArgs {
    /// Requests one client IP may make per 5-minute window before it is blocked (default 100, 10-2000000000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<i64>,
    /// AWS managed rule groups to apply, by name (default `AWSManagedRulesCommonRuleSet`,
    /// `AWSManagedRulesKnownBadInputsRuleSet`, `AWSManagedRulesSQLiRuleSet`); an empty list applies none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_rule_groups: Option<Vec<String>>,
}

/// The resolved WAF settings.
#[derive(Clone, Debug, PartialEq)]
pub struct WafSettings {
    pub rate_limit: i64,
    pub managed_rule_groups: Vec<String>,
}

/// Default AWS managed rule groups.
pub const DEFAULT_MANAGED_RULE_GROUPS: [&str; 3] = [
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
];
/// AWS managed rule groups the platform knows (all usable on a regional web ACL without a subscription).
pub const KNOWN_MANAGED_RULE_GROUPS: [&str; 9] = [
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesAnonymousIpList",
    "AWSManagedRulesLinuxRuleSet",
    "AWSManagedRulesUnixRuleSet",
    "AWSManagedRulesAdminProtectionRuleSet",
    "AWSManagedRulesPHPRuleSet",
];

pub(super) fn waf_settings(a: &WafArgs, f: &mut Failures) -> WafSettings {
    let s = WafSettings {
        rate_limit: a.rate_limit.unwrap_or(100),
        managed_rule_groups: a
            .managed_rule_groups
            .clone()
            .unwrap_or_else(|| DEFAULT_MANAGED_RULE_GROUPS.map(String::from).to_vec()),
    };
    f.require(
        (10..=2_000_000_000).contains(&s.rate_limit),
        "waf.rateLimit",
        format!(
            "must be 10-2000000000 requests per 5 minutes, got {}",
            s.rate_limit
        ),
    );
    let mut seen = std::collections::BTreeSet::new();
    for g in &s.managed_rule_groups {
        f.require(
            KNOWN_MANAGED_RULE_GROUPS.contains(&g.as_str()),
            "waf.managedRuleGroups",
            format!(
                "'{g}' is not an AWS managed rule group this platform supports ({})",
                KNOWN_MANAGED_RULE_GROUPS.join(", ")
            ),
        );
        f.require(
            seen.insert(g),
            "waf.managedRuleGroups",
            format!("'{g}' is listed twice"),
        );
    }
    s
}
