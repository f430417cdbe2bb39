//! `orderapi:wafv2:WebAcl` — a regional WAF web ACL for ALBs: a default action, rate-based rules (per client IP)
//! and AWS managed rule groups with overrides, CloudWatch metrics on for the ACL and every rule.
//!
//! The resource id is the web ACL's ARN. Updates fetch the lock token with GetWebACL and retry
//! `WAFOptimisticLockException` (someone else changed the ACL in between) with backoff.
//!
//! Names are unique per scope: a create that finds the ACL it is about to make (WAF answers a repeated create
//! with `WAFDuplicateItemException`) adopts it only when it is the orphan of an interrupted create of this
//! resource (see [`crate::lifecycle`]).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_wafv2::types::{
    AllowAction, BlockAction, CountAction, DefaultAction, ManagedRuleGroupStatement, NoneAction,
    OverrideAction, RateBasedStatement, RateBasedStatementAggregateKeyType, Rule, RuleAction,
    RuleActionOverride as AwsRuleActionOverride, Scope, Statement, VisibilityConfig,
    WebAcl as AwsWebAcl,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    SCOPE, WafTags, check_tags, list_tags, metric_name_ok, name_ok, parse_web_acl_arn, split_tags,
    to_tags,
};
use crate::error::{ErrorClass, ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, retry_while};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::tags;

/// CloudWatch visibility of the ACL or of one rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WafVisibility {
    /// The CloudWatch metric name: 1-255 characters of letters, digits and `_#:.-`, not `All` or
    /// `Default_Action`. Defaults to the ACL's or rule's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    /// Whether WAF sends metrics to CloudWatch (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_watch_metrics_enabled: Option<bool>,
    /// Whether WAF keeps samples of the web requests that match (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampled_requests_enabled: Option<bool>,
}

/// A rate-based rule: blocks (or counts) a client IP once it sends more than `limit` requests within the
/// evaluation window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RateBasedRule {
    /// The rule's name, unique in the ACL: 1-128 characters of letters, digits, `_` and `-`.
    pub name: String,
    /// Evaluation order (0 or more, unique across all the ACL's rules; lower runs first).
    pub priority: i32,
    /// Requests allowed per client IP within the evaluation window before the action applies (10-2,000,000,000).
    pub limit: i64,
    /// The evaluation window in seconds: 60, 120, 300 or 600 (default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_window_sec: Option<i64>,
    /// What requests are counted by: `IP` (the client IP; the default and the only key this kind supports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_key_type: Option<String>,
    /// `block` (default) or `count` (monitor only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// CloudWatch visibility of the rule (metric name defaults to the rule name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<WafVisibility>,
}

/// Overrides the action of one rule inside a managed rule group.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleActionOverride {
    /// The name of the rule in the group, e.g. `SizeRestrictions_BODY`.
    pub name: String,
    /// The action to use instead: `allow`, `block` or `count`.
    pub action: String,
}

/// A managed rule group (by default one of AWS's, e.g. `AWSManagedRulesCommonRuleSet`) evaluated as one rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedRuleGroup {
    /// The group's vendor (default `AWS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// The group's name, e.g. `AWSManagedRulesCommonRuleSet`, `AWSManagedRulesKnownBadInputsRuleSet` or
    /// `AWSManagedRulesSQLiRuleSet`.
    pub name: String,
    /// The name of the ACL rule that evaluates the group (default `<vendor>-<name>`; unique in the ACL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<String>,
    /// Evaluation order (0 or more, unique across all the ACL's rules; lower runs first).
    pub priority: i32,
    /// `none` (default: the group's own actions apply) or `count` (every match is only counted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_action: Option<String>,
    /// Per-rule action overrides inside the group (sorted by rule name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_action_overrides: Option<Vec<RuleActionOverride>>,
    /// CloudWatch visibility of the rule (metric name defaults to the rule name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<WafVisibility>,
}

/// Inputs of a web ACL.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebAclInputs {
    /// The ACL's name: 1-128 characters of letters, digits, `_` and `-`, unique per region. Defaults to the
    /// resource name plus a random suffix. Changing it replaces the ACL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `REGIONAL` (the default, and the only scope this provider manages: ACLs for ALBs). Changing it replaces the
    /// ACL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// What the ACL is for: 1-256 characters of letters, digits, spaces and `_+=:#@/-,.`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What happens to a request no rule decided: `allow` (default) or `block`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_action: Option<String>,
    /// Rate-based rules (sorted by priority).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_based_rules: Option<Vec<RateBasedRule>>,
    /// Managed rule groups (sorted by priority).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_rule_groups: Option<Vec<ManagedRuleGroup>>,
    /// CloudWatch visibility of the ACL itself (metric name defaults to the ACL's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<WafVisibility>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a web ACL.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebAclOutputs {
    /// The ACL's ARN (also its resource id); what a WebAclAssociation takes.
    pub arn: String,
    /// WAF's id of the ACL (the last part of the ARN).
    pub web_acl_id: String,
    /// The web ACL capacity units (WCUs) the rules use.
    pub capacity: i64,
    /// The label namespace of the ACL's rules (`awswaf:<account>:webacl:<name>:`).
    pub label_namespace: String,
    /// Every tag on the ACL, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct WebAcl;

/// AWS's description rule: 1-256 characters of `[\w+=:#@/\-,.\s]`, not starting or ending with a space.
fn description_ok(d: &str) -> bool {
    !d.is_empty()
        && d.chars().count() <= 256
        && d.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || "_+=:#@/-,.".contains(c))
        && !d.starts_with(' ')
        && !d.ends_with(' ')
}

/// Validates a visibility config at `at` and fills its defaults.
fn check_visibility(
    at: &str,
    v: &mut Option<WafVisibility>,
    default_metric: &str,
    f: &mut Failures,
) {
    let v = v.get_or_insert_with(WafVisibility::default);
    let metric = v
        .metric_name
        .get_or_insert_with(|| default_metric.to_string());
    f.require(
        metric_name_ok(metric),
        format!("{at}.metricName"),
        format!(
            "'{metric}' must be 1-255 characters of letters, digits and _#:.- (and not All or Default_Action)"
        ),
    );
    v.cloud_watch_metrics_enabled.get_or_insert(true);
    v.sampled_requests_enabled.get_or_insert(true);
}

fn visibility_config(
    v: Option<&WafVisibility>,
    default_metric: &str,
) -> Result<VisibilityConfig, ResourceError> {
    let v = v.cloned().unwrap_or_default();
    VisibilityConfig::builder()
        .metric_name(v.metric_name.unwrap_or_else(|| default_metric.to_string()))
        .cloud_watch_metrics_enabled(v.cloud_watch_metrics_enabled.unwrap_or(true))
        .sampled_requests_enabled(v.sampled_requests_enabled.unwrap_or(true))
        .build()
        .map_err(|e| ResourceError::Internal(format!("cannot build a WAF visibility config: {e}")))
}

fn visibility_of(v: Option<&VisibilityConfig>) -> Option<WafVisibility> {
    v.map(|v| WafVisibility {
        metric_name: Some(v.metric_name().to_string()),
        cloud_watch_metrics_enabled: Some(v.cloud_watch_metrics_enabled()),
        sampled_requests_enabled: Some(v.sampled_requests_enabled()),
    })
}

fn rule_action(action: &str) -> RuleAction {
    match action {
        "allow" => RuleAction::builder().allow(AllowAction::builder().build()),
        "count" => RuleAction::builder().count(CountAction::builder().build()),
        _ => RuleAction::builder().block(BlockAction::builder().build()),
    }
    .build()
}

fn action_name(a: Option<&RuleAction>) -> Option<String> {
    let a = a?;
    let name = if a.allow().is_some() {
        "allow"
    } else if a.block().is_some() {
        "block"
    } else if a.count().is_some() {
        "count"
    } else if a.captcha().is_some() {
        "captcha"
    } else if a.challenge().is_some() {
        "challenge"
    } else {
        return None;
    };
    Some(name.to_string())
}

fn default_action(action: Option<&str>) -> DefaultAction {
    match action {
        Some("block") => DefaultAction::builder().block(BlockAction::builder().build()),
        _ => DefaultAction::builder().allow(AllowAction::builder().build()),
    }
    .build()
}

fn managed_rule_name(g: &ManagedRuleGroup) -> String {
    g.rule_name
        .clone()
        .unwrap_or_else(|| format!("{}-{}", g.vendor.as_deref().unwrap_or("AWS"), g.name))
}

fn build_error(e: impl std::fmt::Display) -> ResourceError {
    ResourceError::Internal(format!("cannot build a WAF rule: {e}"))
}

/// The ACL's rules as WAF takes them.
fn rules(inputs: &WebAclInputs) -> Result<Vec<Rule>, ResourceError> {
    let mut out = Vec::new();
    for r in inputs.rate_based_rules.iter().flatten() {
        let statement = RateBasedStatement::builder()
            .limit(r.limit)
            .evaluation_window_sec(r.evaluation_window_sec.unwrap_or(300))
            .aggregate_key_type(RateBasedStatementAggregateKeyType::from(
                r.aggregate_key_type.as_deref().unwrap_or("IP"),
            ))
            .build()
            .map_err(build_error)?;
        out.push(
            Rule::builder()
                .name(&r.name)
                .priority(r.priority)
                .statement(Statement::builder().rate_based_statement(statement).build())
                .action(rule_action(r.action.as_deref().unwrap_or("block")))
                .visibility_config(visibility_config(r.visibility.as_ref(), &r.name)?)
                .build()
                .map_err(build_error)?,
        );
    }
    for g in inputs.managed_rule_groups.iter().flatten() {
        let overrides = g
            .rule_action_overrides
            .iter()
            .flatten()
            .map(|o| {
                AwsRuleActionOverride::builder()
                    .name(&o.name)
                    .action_to_use(rule_action(&o.action))
                    .build()
                    .map_err(build_error)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let statement = ManagedRuleGroupStatement::builder()
            .vendor_name(g.vendor.as_deref().unwrap_or("AWS"))
            .name(&g.name)
            .set_rule_action_overrides(if overrides.is_empty() {
                None
            } else {
                Some(overrides)
            })
            .build()
            .map_err(build_error)?;
        let override_action = match g.override_action.as_deref() {
            Some("count") => OverrideAction::builder().count(CountAction::builder().build()),
            _ => OverrideAction::builder().none(NoneAction::builder().build()),
        }
        .build();
        let rule_name = managed_rule_name(g);
        out.push(
            Rule::builder()
                .name(&rule_name)
                .priority(g.priority)
                .statement(
                    Statement::builder()
                        .managed_rule_group_statement(statement)
                        .build(),
                )
                .override_action(override_action)
                .visibility_config(visibility_config(g.visibility.as_ref(), &rule_name)?)
                .build()
                .map_err(build_error)?,
        );
    }
    out.sort_by_key(|r| r.priority());
    Ok(out)
}

/// The declared form of a live ACL's rules. Rules of other shapes (not declarable here) are skipped; the next
/// update replaces them with the declared rules.
fn rules_of(
    ctx: &Context,
    acl: &AwsWebAcl,
) -> (Option<Vec<RateBasedRule>>, Option<Vec<ManagedRuleGroup>>) {
    let mut rate = Vec::new();
    let mut managed = Vec::new();
    for r in acl.rules() {
        let statement = r.statement();
        if let Some(s) = statement.and_then(|s| s.rate_based_statement()) {
            rate.push(RateBasedRule {
                name: r.name().to_string(),
                priority: r.priority(),
                limit: s.limit(),
                evaluation_window_sec: Some(if s.evaluation_window_sec() == 0 {
                    300
                } else {
                    s.evaluation_window_sec()
                }),
                aggregate_key_type: Some(s.aggregate_key_type().as_str().to_string()),
                action: action_name(r.action()),
                visibility: visibility_of(r.visibility_config()),
            });
        } else if let Some(s) = statement.and_then(|s| s.managed_rule_group_statement()) {
            let mut overrides: Vec<RuleActionOverride> = s
                .rule_action_overrides()
                .iter()
                .map(|o| RuleActionOverride {
                    name: o.name().to_string(),
                    action: action_name(o.action_to_use()).unwrap_or_default(),
                })
                .collect();
            overrides.sort();
            let override_action = r.override_action().map(|o| {
                if o.count().is_some() {
                    "count".to_string()
                } else {
                    "none".to_string()
                }
            });
            managed.push(ManagedRuleGroup {
                vendor: Some(s.vendor_name().to_string()),
                name: s.name().to_string(),
                rule_name: Some(r.name().to_string()),
                priority: r.priority(),
                override_action: Some(override_action.unwrap_or_else(|| "none".to_string())),
                rule_action_overrides: if overrides.is_empty() {
                    None
                } else {
                    Some(overrides)
                },
                visibility: visibility_of(r.visibility_config()),
            });
        } else {
            ctx.warn(format!(
                "web ACL {} has a rule '{}' of a kind this provider does not declare; the next update removes it",
                acl.name(),
                r.name()
            ));
        }
    }
    rate.sort_by_key(|r| r.priority);
    managed.sort_by_key(|g| g.priority);
    (
        (!rate.is_empty()).then_some(rate),
        (!managed.is_empty()).then_some(managed),
    )
}

/// Name, scope and id of the ACL whose ARN is `arn`.
fn parts(arn: &str) -> Result<(String, String), ResourceError> {
    parse_web_acl_arn(arn)
        .map(|p| (p.name, p.id))
        .ok_or_else(|| {
            ResourceError::Internal(format!("'{arn}' is not the ARN of a regional web ACL"))
        })
}

impl WebAcl {
    /// The live ACL and its lock token; `None` when gone.
    async fn get(
        ctx: &Context,
        name: &str,
        id: &str,
    ) -> Result<Option<(AwsWebAcl, String)>, ResourceError> {
        match ctx
            .aws
            .wafv2
            .get_web_acl()
            .name(name)
            .scope(Scope::Regional)
            .id(id)
            .send()
            .await
            .map_err(|e| aws_error("wafv2:GetWebACL", e))
        {
            Ok(out) => Ok(out
                .web_acl()
                .cloned()
                .map(|acl| (acl, out.lock_token().unwrap_or_default().to_string()))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes the declared rules, default action, description and visibility with a fresh lock token, retrying
    /// lock conflicts within the timeout.
    async fn put(
        ctx: &Context,
        name: &str,
        id: &str,
        inputs: &WebAclInputs,
    ) -> Result<(), ResourceError> {
        let rules = rules(inputs)?;
        let visibility = visibility_config(inputs.visibility.as_ref(), name)?;
        // Lock conflicts (someone else changed the ACL in between) and entities WAF does not see yet are retried.
        retry_while(
            ctx,
            &format!("web ACL {name} to accept the update"),
            &[ErrorClass::Throttled, ErrorClass::InUse],
            ctx.deadline
                .saturating_duration_since(std::time::Instant::now()),
            || {
                let rules = rules.clone();
                let visibility = visibility.clone();
                async move {
                    let Some((_, lock)) = Self::get(ctx, name, id).await? else {
                        return Err(ResourceError::Internal(format!(
                            "web ACL {name} ({id}) no longer exists"
                        )));
                    };
                    ctx.aws
                        .wafv2
                        .update_web_acl()
                        .name(name)
                        .scope(Scope::Regional)
                        .id(id)
                        .lock_token(lock)
                        .default_action(default_action(inputs.default_action.as_deref()))
                        .set_description(inputs.description.clone())
                        .set_rules(Some(rules))
                        .visibility_config(visibility)
                        .send()
                        .await
                        .map_err(|e| aws_error("wafv2:UpdateWebACL", e))?;
                    Ok(())
                }
            },
        )
        .await
    }

    /// A same-named regional ACL: `Some((arn, id, live tags))` to adopt when it is the orphan of an interrupted
    /// create of this resource; a conflict otherwise.
    async fn find_existing(
        ctx: &Context,
        name: &str,
    ) -> Result<Option<(String, String, Option<BTreeMap<String, String>>)>, ResourceError> {
        let mut marker: Option<String> = None;
        loop {
            let out = ctx
                .aws
                .wafv2
                .list_web_acls()
                .scope(Scope::Regional)
                .set_next_marker(marker.clone())
                .limit(100)
                .send()
                .await
                .map_err(|e| aws_error("wafv2:ListWebACLs", e))?;
            for acl in out.web_acls() {
                if acl.name() != Some(name) {
                    continue;
                }
                let arn = acl.arn().unwrap_or_default().to_string();
                let tags = list_tags(&ctx.aws, &arn).await?;
                return match ctx.found(&arn, &tags) {
                    Found::Orphan => {
                        ctx.adopting("web ACL", &arn);
                        Ok(Some((
                            arn,
                            acl.id().unwrap_or_default().to_string(),
                            Some(tags),
                        )))
                    }
                    other => Err(conflict(
                        &format!("a web ACL named '{name}' ({arn})"),
                        &other,
                    )),
                };
            }
            match out.next_marker() {
                Some(m) if !m.is_empty() && Some(m) != marker.as_deref() => {
                    marker = Some(m.to_string())
                }
                _ => return Ok(None),
            }
        }
    }

    fn outputs(acl: &AwsWebAcl, tags_all: BTreeMap<String, String>) -> WebAclOutputs {
        WebAclOutputs {
            arn: acl.arn().to_string(),
            web_acl_id: acl.id().to_string(),
            capacity: acl.capacity(),
            label_namespace: acl.label_namespace().unwrap_or_default().to_string(),
            tags_all,
        }
    }
}

impl CustomResource for WebAcl {
    const TOKEN: &'static str = "orderapi:wafv2:WebAcl";
    const DESCRIPTION: &'static str = "A regional AWS WAF web ACL (for ALBs): default action, rate-based rules per \
        client IP and AWS managed rule groups with overrides, with CloudWatch metrics for the ACL and every rule.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name", "scope"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["name"];
    type Inputs = WebAclInputs;
    type Outputs = WebAclOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: WebAclInputs,
    ) -> Result<WebAclInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        let name = inputs
            .name
            .get_or_insert_with(|| {
                let n: String = ctx
                    .autoname(128)
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '-' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                n
            })
            .clone();
        f.require(
            name_ok(&name),
            "name",
            "must be 1-128 characters of letters, digits, _ and -",
        );
        let scope = inputs.scope.get_or_insert_with(|| SCOPE.to_string());
        f.require(
            scope == SCOPE,
            "scope",
            format!(
                "'{scope}' is not supported: this provider manages REGIONAL web ACLs (for ALBs); CLOUDFRONT ACLs \
                 must be created in us-east-1 for CloudFront distributions"
            ),
        );
        if let Some(d) = &inputs.description {
            f.require(
                description_ok(d),
                "description",
                "must be 1-256 characters of letters, digits, spaces and _+=:#@/-,. (not starting or ending with a space)",
            );
        }
        let action = inputs
            .default_action
            .get_or_insert_with(|| "allow".to_string());
        f.require(
            matches!(action.as_str(), "allow" | "block"),
            "defaultAction",
            format!("'{action}' must be allow or block"),
        );
        check_visibility("visibility", &mut inputs.visibility, &name, &mut f);

        // Rule names and priorities are unique across every rule of the ACL.
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut priorities: BTreeMap<i32, String> = BTreeMap::new();
        let mut unique = |at: &str, rule: &str, priority: i32, f: &mut Failures| {
            if let Some(first) = names.insert(rule.to_string(), at.to_string()) {
                f.push(
                    format!("{at}.name"),
                    format!("rule name '{rule}' is already used by {first}"),
                );
            }
            if let Some(first) = priorities.insert(priority, at.to_string()) {
                f.push(
                    format!("{at}.priority"),
                    format!(
                        "priority {priority} is already used by {first}; priorities must be unique"
                    ),
                );
            }
        };
        if inputs.rate_based_rules.as_ref().is_some_and(Vec::is_empty) {
            inputs.rate_based_rules = None;
        }
        for (i, r) in inputs.rate_based_rules.iter_mut().flatten().enumerate() {
            let at = format!("rateBasedRules[{i}]");
            f.require(
                name_ok(&r.name),
                format!("{at}.name"),
                "must be 1-128 characters of letters, digits, _ and -",
            );
            f.require(
                r.priority >= 0,
                format!("{at}.priority"),
                "must be 0 or more",
            );
            f.require(
                (10..=2_000_000_000).contains(&r.limit),
                format!("{at}.limit"),
                format!("{} must be between 10 and 2,000,000,000 requests", r.limit),
            );
            let window = *r.evaluation_window_sec.get_or_insert(300);
            f.require(
                matches!(window, 60 | 120 | 300 | 600),
                format!("{at}.evaluationWindowSec"),
                format!("{window} must be 60, 120, 300 or 600 seconds"),
            );
            let key = r.aggregate_key_type.get_or_insert_with(|| "IP".to_string());
            f.require(
                key == "IP",
                format!("{at}.aggregateKeyType"),
                format!("'{key}' is not supported: rate-based rules aggregate by IP"),
            );
            let action = r.action.get_or_insert_with(|| "block".to_string());
            f.require(
                matches!(action.as_str(), "block" | "count"),
                format!("{at}.action"),
                format!("'{action}' must be block or count"),
            );
            let rule_name = r.name.clone();
            check_visibility(
                &format!("{at}.visibility"),
                &mut r.visibility,
                &rule_name,
                &mut f,
            );
            unique(&at, &rule_name, r.priority, &mut f);
        }
        if inputs
            .managed_rule_groups
            .as_ref()
            .is_some_and(Vec::is_empty)
        {
            inputs.managed_rule_groups = None;
        }
        for (i, g) in inputs.managed_rule_groups.iter_mut().flatten().enumerate() {
            let at = format!("managedRuleGroups[{i}]");
            let vendor = g.vendor.get_or_insert_with(|| "AWS".to_string()).clone();
            f.require(
                name_ok(&vendor),
                format!("{at}.vendor"),
                "must be 1-128 characters of letters, digits, _ and -",
            );
            f.require(
                name_ok(&g.name),
                format!("{at}.name"),
                "must be 1-128 characters of letters, digits, _ and - (e.g. AWSManagedRulesCommonRuleSet)",
            );
            let rule_name = g
                .rule_name
                .get_or_insert_with(|| format!("{vendor}-{}", g.name))
                .clone();
            f.require(
                name_ok(&rule_name),
                format!("{at}.ruleName"),
                "must be 1-128 characters of letters, digits, _ and -",
            );
            f.require(
                g.priority >= 0,
                format!("{at}.priority"),
                "must be 0 or more",
            );
            let o = g.override_action.get_or_insert_with(|| "none".to_string());
            f.require(
                matches!(o.as_str(), "none" | "count"),
                format!("{at}.overrideAction"),
                format!("'{o}' must be none or count"),
            );
            if g.rule_action_overrides.as_ref().is_some_and(Vec::is_empty) {
                g.rule_action_overrides = None;
            }
            let mut seen = BTreeSet::new();
            for (j, o) in g.rule_action_overrides.iter().flatten().enumerate() {
                let oat = format!("{at}.ruleActionOverrides[{j}]");
                f.require(
                    name_ok(&o.name),
                    format!("{oat}.name"),
                    "must be 1-128 characters of letters, digits, _ and -",
                );
                f.require(
                    seen.insert(o.name.clone()),
                    format!("{oat}.name"),
                    format!("rule '{}' is overridden twice", o.name),
                );
                f.require(
                    matches!(o.action.as_str(), "allow" | "block" | "count"),
                    format!("{oat}.action"),
                    format!("'{}' must be allow, block or count", o.action),
                );
            }
            if let Some(overrides) = g.rule_action_overrides.as_mut() {
                overrides.sort();
            }
            check_visibility(
                &format!("{at}.visibility"),
                &mut g.visibility,
                &rule_name,
                &mut f,
            );
            unique(&at, &rule_name, g.priority, &mut f);
        }
        if let Some(r) = inputs.rate_based_rules.as_mut() {
            r.sort_by_key(|r| r.priority);
        }
        if let Some(g) = inputs.managed_rule_groups.as_mut() {
            g.sort_by_key(|g| g.priority);
        }
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &WebAclInputs,
    ) -> Result<(String, WebAclOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = ctx.tags(inputs.tags.as_ref());
        let partial = WebAclOutputs {
            tags_all: tags.clone(),
            ..Default::default()
        };
        let made = create_once(
            ctx,
            &format!("web ACL {name}"),
            || Self::find_existing(ctx, &name),
            || async {
                let out = ctx
                    .aws
                    .wafv2
                    .create_web_acl()
                    .name(&name)
                    .scope(Scope::Regional)
                    .default_action(default_action(inputs.default_action.as_deref()))
                    .set_description(inputs.description.clone())
                    .set_rules(Some(rules(inputs)?))
                    .visibility_config(visibility_config(inputs.visibility.as_ref(), &name)?)
                    .set_tags(Some(to_tags(&tags)?))
                    .customize()
                    .config_override(no_retry!(aws_sdk_wafv2))
                    .send()
                    .await
                    .map_err(|e| aws_error("wafv2:CreateWebACL", e))?;
                let summary = out.summary().ok_or_else(|| {
                    ResourceError::Internal("wafv2:CreateWebACL returned no summary".into())
                })?;
                Ok((
                    summary.arn().unwrap_or_default().to_string(),
                    summary.id().unwrap_or_default().to_string(),
                    None,
                ))
            },
        )
        .await?;
        let (arn, id, adopted) = made.into_inner();
        let partial = WebAclOutputs {
            arn: arn.clone(),
            web_acl_id: id.clone(),
            ..partial
        };
        if let Some(live_tags) = &adopted {
            // An adopted ACL may hold stale rules and tags: bring them in line.
            Self::put(ctx, &name, &id, inputs)
                .await
                .map_err(|e| e.partial(&arn, &partial))?;
            tags::sync::<WafTags>(&ctx.aws, &arn, live_tags, &tags)
                .await
                .map_err(|e| e.partial(&arn, &partial))?;
        }
        // WAF is eventually consistent right after a create: wait until GetWebACL knows the ACL.
        let acl = ctx
            .wait_for(&format!("web ACL {name} to be visible"), || async {
                Ok(match Self::get(ctx, &name, &id).await? {
                    Some((acl, _)) => Poll::Ready(acl),
                    None => Poll::Pending("not visible yet".into()),
                })
            })
            .await
            .map_err(|e| e.partial(&arn, &partial))?;
        Ok((arn, Self::outputs(&acl, tags)))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&WebAclInputs>,
    ) -> Result<Option<(WebAclInputs, WebAclOutputs)>, ResourceError> {
        let (name, acl_id) = parts(id)?;
        let Some((acl, _)) = Self::get(ctx, &name, &acl_id).await? else {
            return Ok(None);
        };
        let live = match list_tags(&ctx.aws, id).await {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let (tags, tags_all) = split_tags(&ctx.aws, live, prior.and_then(|p| p.tags.as_ref()));
        let (rate_based_rules, managed_rule_groups) = rules_of(ctx, &acl);
        let default_action = acl.default_action().map(|a| {
            if a.block().is_some() {
                "block".to_string()
            } else {
                "allow".to_string()
            }
        });
        let inputs = WebAclInputs {
            name: Some(acl.name().to_string()),
            scope: Some(SCOPE.to_string()),
            description: acl
                .description()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            default_action,
            rate_based_rules,
            managed_rule_groups,
            visibility: visibility_of(acl.visibility_config()),
            tags,
        };
        Ok(Some((inputs, Self::outputs(&acl, tags_all))))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        _old: &WebAclInputs,
        old_outputs: &WebAclOutputs,
        new: &WebAclInputs,
    ) -> Result<WebAclOutputs, ResourceError> {
        let (name, acl_id) = parts(id)?;
        Self::put(ctx, &name, &acl_id, new).await?;
        let tags = ctx.tags(new.tags.as_ref());
        tags::sync::<WafTags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        let Some((acl, _)) = Self::get(ctx, &name, &acl_id).await? else {
            return Err(ResourceError::Internal(format!(
                "web ACL {name} vanished during the update"
            )));
        };
        Ok(Self::outputs(&acl, tags))
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &WebAclInputs,
        _: &WebAclOutputs,
    ) -> Result<(), ResourceError> {
        let (name, acl_id) = parts(id)?;
        ctx.wait_for(&format!("web ACL {name} to be deleted"), || async {
            let Some((_, lock)) = Self::get(ctx, &name, &acl_id).await? else {
                return Ok(Poll::Ready(()));
            };
            match ctx
                .aws
                .wafv2
                .delete_web_acl()
                .name(&name)
                .scope(Scope::Regional)
                .id(&acl_id)
                .lock_token(lock)
                .send()
                .await
                .map_err(|e| aws_error("wafv2:DeleteWebACL", e))
            {
                // Confirmed by the next poll's GetWebACL.
                Ok(_) => Ok(Poll::Pending("deleted, waiting for WAF to let go".into())),
                Err(e) if e.is_not_found() => Ok(Poll::Ready(())),
                // Lock conflicts, and an ACL still associated or not yet released.
                Err(e) if matches!(e.class(), ErrorClass::Throttled | ErrorClass::InUse) => {
                    Ok(Poll::Pending(format!("AWS says {e}")))
                }
                Err(e) => Err(e),
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions() {
        assert!(description_ok("Order API, rate limit + managed rules"));
        assert!(!description_ok(" leading"));
        assert!(!description_ok("bad!"));
        assert!(!description_ok(""));
    }
}
