//! `orderapi:elbv2:ListenerRule` — a prioritised rule of a listener: path-pattern / host-header conditions and an
//! action (forward, weighted forward with stickiness, redirect or fixed response).
//!
//! # Exactly-once create
//!
//! A listener holds one rule per priority, and nothing else about a rule is unique. A create looks, before each
//! CreateRule call and after one whose answer was lost or that AWS refused with PriorityInUse
//! ([`crate::lifecycle::create_once`]), at the listener's rules: the rule at the declared priority must be this
//! resource's orphan (its identity, not recorded by the engine) or absent, else it is a conflict; a rule with this
//! resource's identity that the engine does not record (at any priority: the program may have changed it since the
//! interrupted create) is adopted and brought to the declared priority, conditions, action and tags. Rules the
//! engine records are left alone.
//!
//! # Weights owned by a deployment (`ignoreWeightChanges`)
//!
//! An ECS blue/green (or linear/canary) deployment shifts traffic by rewriting the weights of the rule's weighted
//! forward. Were the provider to treat those weights as drift, the next `pulumi up` would shift traffic back
//! mid-deployment, or to the wrong colour afterwards. With `ignoreWeightChanges: true`:
//! - `read` (refresh) reports the *declared* weights when the live action differs from the declared one only in
//!   its weights (same target groups, same stickiness), so a refresh shows no drift and the next diff is empty;
//! - `update` never rewrites a weight AWS holds: when only conditions, priority or tags change it leaves the
//!   action untouched; when the action changes otherwise (a target group added, stickiness changed), it sends the
//!   new action with the live weight of every target group that was already there (declared weights only for
//!   newly added groups).
//!
//! Changing only the declared weights then still shows as an update (Pulumi compares declared inputs), but that
//! update leaves the live weights alone: the deployment owns them.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{Rule as AwsRule, RulePriorityPair};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actions::{
    Action, Condition, check_action, check_conditions, conditions_from_sdk, conditions_to_sdk,
    from_sdk, only_weights_differ, to_sdk, with_live_weights,
};
use super::{
    Elbv2Tags, all_tags, check_tags, claim, is_elbv2_arn, live_tags, split_tags, tag_list,
};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, create_once};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures};
use crate::resources::tags;

/// Inputs of a listener rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListenerRuleInputs {
    /// The ARN of the listener. Changing it replaces the rule.
    pub listener_arn: String,
    /// The rule's priority, 1-50000 (lower is evaluated first; unique per listener). Changed in place.
    pub priority: i32,
    /// The conditions, all of which a request must match: at most one `pathPatterns` and one `hostHeaders`
    /// condition, with at most 5 values in all (AWS's limit).
    pub conditions: Vec<Condition>,
    /// What the rule does with matching requests.
    pub action: Action,
    /// When true, weights of a weighted forward changed outside Pulumi (an ECS blue/green deployment shifting
    /// traffic) are neither reported as drift nor rewritten by updates (default false). See the module docs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_weight_changes: Option<bool>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a listener rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListenerRuleOutputs {
    /// The rule's ARN.
    pub arn: String,
    /// Every tag on the rule, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct ListenerRule;

impl ListenerRule {
    async fn describe(ctx: &Context, arn: &str) -> Result<Option<AwsRule>, ResourceError> {
        match ctx
            .aws
            .elbv2
            .describe_rules()
            .rule_arns(arn)
            .send()
            .await
            .map_err(|e| aws_error("elbv2:DescribeRules", e))
        {
            Ok(out) => Ok(out.rules().first().cloned()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every rule of `listener` but its default rule.
    async fn rules(ctx: &Context, listener: &str) -> Result<Vec<AwsRule>, ResourceError> {
        let mut rules = Vec::new();
        let mut marker = None;
        loop {
            let out = ctx
                .aws
                .elbv2
                .describe_rules()
                .listener_arn(listener)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| aws_error("elbv2:DescribeRules", e))?;
            rules.extend(
                out.rules()
                    .iter()
                    .filter(|r| r.is_default() != Some(true))
                    .cloned(),
            );
            match out.next_marker() {
                Some(m) if !m.is_empty() => marker = Some(m.to_string()),
                _ => return Ok(rules),
            }
        }
    }

    /// The rule to adopt, with its live tags (see the module docs); the conflict error when another resource's or
    /// a stranger's rule holds the declared priority.
    async fn find_existing(
        ctx: &Context,
        inputs: &ListenerRuleInputs,
    ) -> Result<Option<(AwsRule, BTreeMap<String, String>)>, ResourceError> {
        let wanted = inputs.priority.to_string();
        let mut orphan = None;
        for rule in Self::rules(ctx, &inputs.listener_arn).await? {
            let arn = rule.rule_arn().unwrap_or_default().to_string();
            let live = live_tags(&ctx.aws, &arn).await?;
            if rule.priority() == Some(wanted.as_str()) {
                claim(
                    ctx,
                    &format!(
                        "a listener rule with priority {} on {} ({arn})",
                        inputs.priority, inputs.listener_arn
                    ),
                    &arn,
                    &live,
                )?;
            }
            if orphan.is_none() && ctx.found(&arn, &live) == Found::Orphan {
                orphan = Some((rule, live));
            }
        }
        if let Some((rule, _)) = &orphan {
            ctx.adopting("listener rule", rule.rule_arn().unwrap_or_default());
        }
        Ok(orphan)
    }

    fn live_action(rule: &AwsRule, declared: &Action) -> Action {
        rule.actions()
            .iter()
            .max_by_key(|a| a.order().unwrap_or(0))
            .map(|a| from_sdk(a, Some(declared)))
            .unwrap_or_default()
    }

    /// Brings a live rule in line with `inputs` (priority, conditions, action), leaving weights alone when
    /// `ignoreWeightChanges`.
    async fn converge(
        ctx: &Context,
        arn: &str,
        live: &AwsRule,
        inputs: &ListenerRuleInputs,
    ) -> Result<(), ResourceError> {
        if live.priority() != Some(inputs.priority.to_string().as_str()) {
            ctx.aws
                .elbv2
                .set_rule_priorities()
                .rule_priorities(
                    RulePriorityPair::builder()
                        .rule_arn(arn)
                        .priority(inputs.priority)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| aws_error("elbv2:SetRulePriorities", e))?;
        }
        let live_action = Self::live_action(live, &inputs.action);
        let action = if inputs.ignore_weight_changes == Some(true) {
            if only_weights_differ(&inputs.action, &live_action) || inputs.action == live_action {
                None
            } else {
                Some(with_live_weights(&inputs.action, &live_action))
            }
        } else {
            Some(inputs.action.clone()).filter(|a| *a != live_action)
        };
        ctx.aws
            .elbv2
            .modify_rule()
            .rule_arn(arn)
            .set_conditions(Some(conditions_to_sdk(&inputs.conditions)))
            .set_actions(action.map(|a| vec![to_sdk(&a)]))
            .send()
            .await
            .map_err(|e| aws_error("elbv2:ModifyRule", e))?;
        Ok(())
    }
}

impl CustomResource for ListenerRule {
    const TOKEN: &'static str = "orderapi:elbv2:ListenerRule";
    const DESCRIPTION: &'static str = "A prioritised listener rule with path-pattern / host-header conditions and a \
        forward, weighted forward, redirect or fixed-response action, tagged and owned by this provider. Weights \
        an ECS deployment shifts can be declared ignorable (`ignoreWeightChanges`).";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["listenerArn"];
    /// A replacement moves the rule to another listener, where its priority is free.
    const DELETE_BEFORE_REPLACE: bool = false;
    type Inputs = ListenerRuleInputs;
    type Outputs = ListenerRuleOutputs;

    fn check(
        _: &CheckContext,
        mut inputs: ListenerRuleInputs,
    ) -> Result<ListenerRuleInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        f.require(
            is_elbv2_arn(&inputs.listener_arn, "listener"),
            "listenerArn",
            format!("'{}' is not a listener ARN", inputs.listener_arn),
        );
        f.require(
            (1..=50_000).contains(&inputs.priority),
            "priority",
            "must be 1-50000",
        );
        check_conditions("conditions", &mut inputs.conditions, &mut f);
        check_action("action", &mut inputs.action, &mut f);
        inputs.ignore_weight_changes.get_or_insert(false);
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &ListenerRuleInputs,
    ) -> Result<(String, ListenerRuleOutputs), ResourceError> {
        let tags = all_tags(ctx, inputs.tags.as_ref());
        let made = create_once(
            ctx,
            &format!("listener rule with priority {}", inputs.priority),
            || async {
                Ok(Self::find_existing(ctx, inputs).await?.map(|(rule, live)| {
                    let arn = rule.rule_arn().unwrap_or_default().to_string();
                    (arn, Some((rule, live)))
                }))
            },
            || async {
                let out = ctx
                    .aws
                    .elbv2
                    .create_rule()
                    .listener_arn(&inputs.listener_arn)
                    .priority(inputs.priority)
                    .set_conditions(Some(conditions_to_sdk(&inputs.conditions)))
                    .actions(to_sdk(&inputs.action))
                    .set_tags(Some(tag_list(&tags)))
                    .customize()
                    .config_override(no_retry!(aws_sdk_elasticloadbalancingv2))
                    .send()
                    .await
                    .map_err(|e| aws_error("elbv2:CreateRule", e))?;
                let arn = out
                    .rules()
                    .first()
                    .and_then(|r| r.rule_arn())
                    .ok_or_else(|| {
                        ResourceError::Internal("elbv2:CreateRule returned no rule".into())
                    })?
                    .to_string();
                Ok((arn, None))
            },
        )
        .await?;
        let (arn, adopted) = made.into_inner();
        let outputs = ListenerRuleOutputs {
            arn: arn.clone(),
            tags_all: tags.clone(),
        };
        if let Some((existing, live)) = &adopted {
            tags::sync::<Elbv2Tags>(&ctx.aws, &arn, live, &tags)
                .await
                .map_err(|e| e.partial(&arn, &outputs))?;
            Self::converge(ctx, &arn, existing, inputs)
                .await
                .map_err(|e| e.partial(&arn, &outputs))?;
        }
        Ok((arn, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&ListenerRuleInputs>,
    ) -> Result<Option<(ListenerRuleInputs, ListenerRuleOutputs)>, ResourceError> {
        let Some(rule) = Self::describe(ctx, id).await? else {
            return Ok(None);
        };
        let (tags, tags_all) = split_tags(
            &ctx.aws,
            live_tags(&ctx.aws, id).await?,
            prior.and_then(|p| p.tags.as_ref()),
        );
        let ignore_weights = prior.and_then(|p| p.ignore_weight_changes).unwrap_or(false);
        let live_action = match prior {
            Some(p) => Self::live_action(&rule, &p.action),
            None => Self::live_action(&rule, &Action::default()),
        };
        let action = match prior {
            // Weights the deployment owns read as declared (see the module docs).
            Some(p) if ignore_weights && only_weights_differ(&p.action, &live_action) => {
                p.action.clone()
            }
            _ => live_action,
        };
        // The rule's listener is not part of the Rule AWS returns; the ARN embeds it.
        let listener_arn = prior.map(|p| p.listener_arn.clone()).unwrap_or_else(|| {
            let base = id.replacen(":listener-rule/", ":listener/", 1);
            base.rsplit_once('/')
                .map(|(l, _)| l.to_string())
                .unwrap_or(base)
        });
        let inputs = ListenerRuleInputs {
            listener_arn,
            priority: rule
                .priority()
                .and_then(|p| p.parse().ok())
                .unwrap_or_default(),
            conditions: conditions_from_sdk(rule.conditions()),
            action,
            ignore_weight_changes: Some(ignore_weights),
            tags,
        };
        Ok(Some((
            inputs,
            ListenerRuleOutputs {
                arn: id.to_string(),
                tags_all,
            },
        )))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        _old: &ListenerRuleInputs,
        old_outputs: &ListenerRuleOutputs,
        new: &ListenerRuleInputs,
    ) -> Result<ListenerRuleOutputs, ResourceError> {
        let tags = all_tags(ctx, new.tags.as_ref());
        tags::sync::<Elbv2Tags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        let live = Self::describe(ctx, id).await?.ok_or_else(|| {
            ResourceError::Conflict(format!(
                "listener rule {id} no longer exists; run `pulumi refresh` to drop it from the state, then `pulumi up`"
            ))
        })?;
        Self::converge(ctx, id, &live, new).await?;
        Ok(ListenerRuleOutputs {
            arn: id.to_string(),
            tags_all: tags,
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &ListenerRuleInputs,
        _: &ListenerRuleOutputs,
    ) -> Result<(), ResourceError> {
        match ctx
            .aws
            .elbv2
            .delete_rule()
            .rule_arn(id)
            .send()
            .await
            .map_err(|e| aws_error("elbv2:DeleteRule", e))
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }
}
