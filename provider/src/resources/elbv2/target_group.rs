//! `orderapi:elbv2:TargetGroup` — a target group for an application load balancer (target type ip by default), its
//! health check, deregistration delay and slow start.
//!
//! Names are unique per region, and CreateTargetGroup is idempotent by name (with identical settings it answers
//! with the existing group). A create looks the name up before each call ([`crate::lifecycle::create_once`]) and
//! classifies whatever the call hands back too: a group with this resource's identity that the engine does not
//! record is the orphan of a lost create and is adopted; any other is a conflict.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    Matcher, ProtocolEnum, TargetGroup as AwsTargetGroup, TargetGroupAttribute, TargetTypeEnum,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Elbv2Tags, all_tags, arn_suffix, check_name, check_tags, claim, live_tags, split_tags, tag_list,
};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{create_once, delete_retrying_plain};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures};
use crate::resources::tags;

const DEREGISTRATION_DELAY: &str = "deregistration_delay.timeout_seconds";
const SLOW_START: &str = "slow_start.duration_seconds";

/// How the load balancer checks that a target is healthy. Every field has AWS's default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheck {
    /// Whether health checks run (default true; false for lambda targets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The path requested, starting with `/`, at most 1024 characters (default `/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The port checked: `traffic-port` (default, the target's own port) or 1-65535. Not for lambda targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// `HTTP` or `HTTPS` (default: the target group's protocol). Not for lambda targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Seconds between checks, 5-300 (default 30; 35 for lambda targets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<i32>,
    /// Seconds without a response that fail a check, 2-120 and below `interval` (default 5; 30 for lambda).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i32>,
    /// Consecutive successes that make an unhealthy target healthy, 2-10 (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthy_threshold: Option<i32>,
    /// Consecutive failures that make a healthy target unhealthy, 2-10 (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unhealthy_threshold: Option<i32>,
    /// The HTTP codes that mean healthy, 200-499: one (`200`), a list (`200,202`) or a range (`200-299`)
    /// (default `200`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matcher: Option<String>,
}

/// Inputs of a target group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TargetGroupInputs {
    /// The target group's name, unique in the region: 1-32 characters of a-z, A-Z, 0-9 and hyphens, not
    /// starting or ending with a hyphen. Defaults to the resource name plus a random suffix. Changing it replaces
    /// the target group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `ip` (default, what ECS awsvpc tasks register as), `instance` or `lambda`. Changing it replaces the target
    /// group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// The port targets receive traffic on, 1-65535 (required, except for lambda targets, which take none).
    /// Changing it replaces the target group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    /// `HTTP` or `HTTPS` (required, except for lambda targets, which take none). Changing it replaces the target
    /// group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The VPC of the targets (required, except for lambda targets). Changing it replaces the target group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// The health check (AWS's defaults when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    /// Seconds a deregistering target keeps its in-flight requests, 0-3600 (default 300). Not for lambda targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deregistration_delay: Option<i32>,
    /// Seconds a new target gets to warm up with a linearly increasing share of requests: 0 (off, default) or
    /// 30-900. Not for lambda targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_start: Option<i32>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a target group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TargetGroupOutputs {
    /// The target group's ARN.
    pub arn: String,
    /// The ARN's suffix `targetgroup/<name>/<id>`, the `TargetGroup` dimension of its CloudWatch metrics.
    pub arn_suffix: String,
    /// Every tag on the target group, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

/// Whether `m` is a valid ALB matcher: codes 200-499, as one, a comma-separated list, or a range `lo-hi`.
fn matcher_ok(m: &str) -> bool {
    let code = |s: &str| s.len() == 3 && s.parse::<u16>().is_ok_and(|n| (200..=499).contains(&n));
    if let Some((lo, hi)) = m.split_once('-') {
        return code(lo) && code(hi) && lo < hi;
    }
    !m.is_empty() && m.split(',').all(code)
}

fn check_health_check(
    hc: &mut HealthCheck,
    lambda: bool,
    protocol: Option<&str>,
    f: &mut Failures,
) {
    hc.enabled.get_or_insert(!lambda);
    let path = hc.path.get_or_insert_with(|| "/".to_string());
    f.require(
        path.starts_with('/') && path.len() <= 1024,
        "healthCheck.path",
        "must start with / and be at most 1024 characters",
    );
    if lambda {
        f.require(
            hc.port.is_none() && hc.protocol.is_none(),
            "healthCheck",
            "lambda targets take no health check port or protocol",
        );
    } else {
        let port = hc.port.get_or_insert_with(|| "traffic-port".to_string());
        f.require(
            port == "traffic-port" || port.parse::<u16>().is_ok_and(|p| p >= 1),
            "healthCheck.port",
            "must be traffic-port or a port 1-65535",
        );
        let hc_protocol = hc.protocol.get_or_insert_with(|| match protocol {
            Some(p @ ("HTTP" | "HTTPS")) => p.to_string(),
            _ => "HTTP".to_string(),
        });
        f.require(
            matches!(hc_protocol.as_str(), "HTTP" | "HTTPS"),
            "healthCheck.protocol",
            "must be HTTP or HTTPS",
        );
    }
    let interval = *hc.interval.get_or_insert(if lambda { 35 } else { 30 });
    f.require(
        (5..=300).contains(&interval),
        "healthCheck.interval",
        "must be 5-300 seconds",
    );
    let timeout = *hc.timeout.get_or_insert(if lambda { 30 } else { 5 });
    f.require(
        (2..=120).contains(&timeout),
        "healthCheck.timeout",
        "must be 2-120 seconds",
    );
    f.require(
        timeout < interval,
        "healthCheck.timeout",
        "must be less than healthCheck.interval",
    );
    let healthy = *hc.healthy_threshold.get_or_insert(5);
    f.require(
        (2..=10).contains(&healthy),
        "healthCheck.healthyThreshold",
        "must be 2-10",
    );
    let unhealthy = *hc.unhealthy_threshold.get_or_insert(2);
    f.require(
        (2..=10).contains(&unhealthy),
        "healthCheck.unhealthyThreshold",
        "must be 2-10",
    );
    let matcher = hc.matcher.get_or_insert_with(|| "200".to_string());
    f.require(
        matcher_ok(matcher),
        "healthCheck.matcher",
        "must be HTTP codes 200-499: one (200), a list (200,202) or a range (200-299)",
    );
}

pub struct TargetGroup;

impl TargetGroup {
    async fn describe(
        ctx: &Context,
        arn: Option<&str>,
        name: Option<&str>,
    ) -> Result<Option<AwsTargetGroup>, ResourceError> {
        let out = ctx
            .aws
            .elbv2
            .describe_target_groups()
            .set_target_group_arns(arn.map(|a| vec![a.to_string()]))
            .set_names(name.map(|n| vec![n.to_string()]))
            .send()
            .await
            .map_err(|e| aws_error("elbv2:DescribeTargetGroups", e));
        match out {
            Ok(out) => Ok(out.target_groups().first().cloned()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn is_lambda(inputs: &TargetGroupInputs) -> bool {
        inputs.target_type.as_deref() == Some("lambda")
    }

    async fn attributes(
        ctx: &Context,
        arn: &str,
    ) -> Result<(Option<i32>, Option<i32>), ResourceError> {
        let out = ctx
            .aws
            .elbv2
            .describe_target_group_attributes()
            .target_group_arn(arn)
            .send()
            .await
            .map_err(|e| aws_error("elbv2:DescribeTargetGroupAttributes", e))?;
        let get = |k: &str| {
            out.attributes()
                .iter()
                .find(|a| a.key() == Some(k))
                .and_then(|a| a.value())
                .and_then(|v| v.parse::<i32>().ok())
        };
        Ok((get(DEREGISTRATION_DELAY), get(SLOW_START)))
    }

    async fn set_attributes(
        ctx: &Context,
        arn: &str,
        inputs: &TargetGroupInputs,
    ) -> Result<(), ResourceError> {
        if Self::is_lambda(inputs) {
            return Ok(());
        }
        let attr = |k: &str, v: i32| {
            TargetGroupAttribute::builder()
                .key(k)
                .value(v.to_string())
                .build()
        };
        ctx.aws
            .elbv2
            .modify_target_group_attributes()
            .target_group_arn(arn)
            .attributes(attr(
                DEREGISTRATION_DELAY,
                inputs.deregistration_delay.unwrap_or(300),
            ))
            .attributes(attr(SLOW_START, inputs.slow_start.unwrap_or(0)))
            .send()
            .await
            .map_err(|e| aws_error("elbv2:ModifyTargetGroupAttributes", e))?;
        Ok(())
    }

    async fn set_health_check(
        ctx: &Context,
        arn: &str,
        inputs: &TargetGroupInputs,
    ) -> Result<(), ResourceError> {
        let hc = inputs.health_check.clone().unwrap_or_default();
        ctx.aws
            .elbv2
            .modify_target_group()
            .target_group_arn(arn)
            .set_health_check_enabled(hc.enabled)
            .set_health_check_path(hc.path)
            .set_health_check_port(hc.port)
            .set_health_check_protocol(hc.protocol.as_deref().map(ProtocolEnum::from))
            .set_health_check_interval_seconds(hc.interval)
            .set_health_check_timeout_seconds(hc.timeout)
            .set_healthy_threshold_count(hc.healthy_threshold)
            .set_unhealthy_threshold_count(hc.unhealthy_threshold)
            .set_matcher(hc.matcher.map(|m| Matcher::builder().http_code(m).build()))
            .send()
            .await
            .map_err(|e| aws_error("elbv2:ModifyTargetGroup", e))?;
        Ok(())
    }

    fn outputs(arn: &str, tags_all: BTreeMap<String, String>) -> TargetGroupOutputs {
        TargetGroupOutputs {
            arn: arn.to_string(),
            arn_suffix: arn_suffix(arn),
            tags_all,
        }
    }

    /// The immutable fields of a live target group that differ from `inputs` (for adoption).
    fn immutable_mismatch(tg: &AwsTargetGroup, inputs: &TargetGroupInputs) -> Option<String> {
        let live_type = tg.target_type().map(|t| t.as_str().to_string());
        if live_type != inputs.target_type {
            return Some(format!("target type {}", live_type.unwrap_or_default()));
        }
        if !Self::is_lambda(inputs) {
            if tg.port() != inputs.port {
                return Some(format!("port {}", tg.port().unwrap_or_default()));
            }
            let live_protocol = tg.protocol().map(|p| p.as_str().to_string());
            if live_protocol != inputs.protocol {
                return Some(format!("protocol {}", live_protocol.unwrap_or_default()));
            }
            if tg.vpc_id().map(str::to_string) != inputs.vpc_id {
                return Some(format!("VPC {}", tg.vpc_id().unwrap_or_default()));
            }
        }
        None
    }
}

impl CustomResource for TargetGroup {
    const TOKEN: &'static str = "orderapi:elbv2:TargetGroup";
    const DESCRIPTION: &'static str = "A target group (target type ip by default) with its health check, \
        deregistration delay and slow start, tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] =
        &["name", "targetType", "port", "protocol", "vpcId"];
    /// Names are unique per region and a replacement (port, protocol, VPC) keeps the name. While a listener or
    /// rule still forwards to the old group, its delete is retried (ResourceInUse) until the operation's timeout:
    /// point the listener elsewhere in the same deployment, or give the new group another name.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["name"];
    type Inputs = TargetGroupInputs;
    type Outputs = TargetGroupOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: TargetGroupInputs,
    ) -> Result<TargetGroupInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_name(ctx, &mut inputs.name, &mut f);
        let target_type = inputs.target_type.get_or_insert_with(|| "ip".to_string());
        f.require(
            matches!(target_type.as_str(), "ip" | "instance" | "lambda"),
            "targetType",
            "must be ip, instance or lambda",
        );
        let lambda = Self::is_lambda(&inputs);
        if lambda {
            f.require(inputs.port.is_none(), "port", "lambda targets take no port");
            f.require(
                inputs.protocol.is_none(),
                "protocol",
                "lambda targets take no protocol",
            );
            f.require(
                inputs.vpc_id.is_none(),
                "vpcId",
                "lambda targets take no VPC",
            );
            f.require(
                inputs.deregistration_delay.is_none(),
                "deregistrationDelay",
                "lambda targets have no deregistration delay",
            );
            f.require(
                inputs.slow_start.is_none(),
                "slowStart",
                "lambda targets have no slow start",
            );
        } else {
            match inputs.port {
                Some(p) => f.require((1..=65535).contains(&p), "port", "must be 1-65535"),
                None => f.push("port", "required for ip and instance targets"),
            }
            match inputs.protocol.as_deref() {
                Some("HTTP" | "HTTPS") => {}
                Some(_) => f.push("protocol", "must be HTTP or HTTPS"),
                None => f.push("protocol", "required for ip and instance targets"),
            }
            match inputs.vpc_id.as_deref() {
                Some(v) => f.require(
                    v.starts_with("vpc-"),
                    "vpcId",
                    format!("'{v}' is not a VPC id (vpc-…)"),
                ),
                None => f.push("vpcId", "required for ip and instance targets"),
            }
            let delay = *inputs.deregistration_delay.get_or_insert(300);
            f.require(
                (0..=3600).contains(&delay),
                "deregistrationDelay",
                "must be 0-3600 seconds",
            );
            let slow = *inputs.slow_start.get_or_insert(0);
            f.require(
                slow == 0 || (30..=900).contains(&slow),
                "slowStart",
                "must be 0 (off) or 30-900 seconds",
            );
        }
        let protocol = inputs.protocol.clone();
        check_health_check(
            inputs.health_check.get_or_insert_with(HealthCheck::default),
            lambda,
            protocol.as_deref(),
            &mut f,
        );
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &TargetGroupInputs,
    ) -> Result<(String, TargetGroupOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = all_tags(ctx, inputs.tags.as_ref());
        let what = |arn: &str| format!("a target group named '{name}' ({arn})");
        let made = create_once(
            ctx,
            &format!("target group {name}"),
            || async {
                let Some(existing) = Self::describe(ctx, None, Some(&name)).await? else {
                    return Ok(None);
                };
                let arn = existing.target_group_arn().unwrap_or_default().to_string();
                let live = live_tags(&ctx.aws, &arn).await?;
                claim(ctx, &what(&arn), &arn, &live)?;
                if let Some(differs) = Self::immutable_mismatch(&existing, inputs) {
                    return Err(ResourceError::Conflict(format!(
                        "target group '{name}' ({arn}) is the leftover of an interrupted create but has \
                         {differs}, which cannot change in place; delete it or choose another name"
                    )));
                }
                ctx.adopting("target group", &arn);
                Ok(Some((arn, Some(live))))
            },
            || async {
                let hc = inputs.health_check.clone().unwrap_or_default();
                let out = ctx
                    .aws
                    .elbv2
                    .create_target_group()
                    .name(&name)
                    .target_type(TargetTypeEnum::from(
                        inputs.target_type.as_deref().unwrap_or("ip"),
                    ))
                    .set_port(inputs.port)
                    .set_protocol(inputs.protocol.as_deref().map(ProtocolEnum::from))
                    .set_vpc_id(inputs.vpc_id.clone())
                    .set_health_check_enabled(hc.enabled)
                    .set_health_check_path(hc.path)
                    .set_health_check_port(hc.port)
                    .set_health_check_protocol(hc.protocol.as_deref().map(ProtocolEnum::from))
                    .set_health_check_interval_seconds(hc.interval)
                    .set_health_check_timeout_seconds(hc.timeout)
                    .set_healthy_threshold_count(hc.healthy_threshold)
                    .set_unhealthy_threshold_count(hc.unhealthy_threshold)
                    .set_matcher(hc.matcher.map(|m| Matcher::builder().http_code(m).build()))
                    .set_tags(Some(tag_list(&tags)))
                    .customize()
                    .config_override(no_retry!(aws_sdk_elasticloadbalancingv2))
                    .send()
                    .await
                    .map_err(|e| aws_error("elbv2:CreateTargetGroup", e))?;
                let arn = out
                    .target_groups()
                    .first()
                    .and_then(|t| t.target_group_arn())
                    .ok_or_else(|| {
                        ResourceError::Internal(
                            "elbv2:CreateTargetGroup returned no target group".into(),
                        )
                    })?
                    .to_string();
                // An existing group with identical settings comes back as if created: it must be ours.
                claim(ctx, &what(&arn), &arn, &live_tags(&ctx.aws, &arn).await?)?;
                Ok((arn, None))
            },
        )
        .await?;
        let (arn, adopted) = made.into_inner();
        let outputs = Self::outputs(&arn, tags.clone());
        if let Some(live) = &adopted {
            // An adopted group: bring tags and health check in line.
            tags::sync::<Elbv2Tags>(&ctx.aws, &arn, live, &tags)
                .await
                .map_err(|e| e.partial(&arn, &outputs))?;
            Self::set_health_check(ctx, &arn, inputs)
                .await
                .map_err(|e| e.partial(&arn, &outputs))?;
        }
        Self::set_attributes(ctx, &arn, inputs)
            .await
            .map_err(|e| e.partial(&arn, &outputs))?;
        Ok((arn, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&TargetGroupInputs>,
    ) -> Result<Option<(TargetGroupInputs, TargetGroupOutputs)>, ResourceError> {
        let Some(tg) = Self::describe(ctx, Some(id), None).await? else {
            return Ok(None);
        };
        let lambda = tg.target_type() == Some(&TargetTypeEnum::Lambda);
        let (deregistration_delay, slow_start) = if lambda {
            (None, None)
        } else {
            let (d, s) = Self::attributes(ctx, id).await?;
            (Some(d.unwrap_or(300)), Some(s.unwrap_or(0)))
        };
        let (tags, tags_all) = split_tags(
            &ctx.aws,
            live_tags(&ctx.aws, id).await?,
            prior.and_then(|p| p.tags.as_ref()),
        );
        let inputs = TargetGroupInputs {
            name: tg.target_group_name().map(str::to_string),
            target_type: tg.target_type().map(|t| t.as_str().to_string()),
            port: tg.port().filter(|_| !lambda),
            protocol: tg
                .protocol()
                .filter(|_| !lambda)
                .map(|p| p.as_str().to_string()),
            vpc_id: tg.vpc_id().filter(|_| !lambda).map(str::to_string),
            health_check: Some(HealthCheck {
                enabled: tg.health_check_enabled(),
                path: tg.health_check_path().map(str::to_string),
                port: tg
                    .health_check_port()
                    .filter(|_| !lambda)
                    .map(str::to_string),
                protocol: tg
                    .health_check_protocol()
                    .filter(|_| !lambda)
                    .map(|p| p.as_str().to_string()),
                interval: tg.health_check_interval_seconds(),
                timeout: tg.health_check_timeout_seconds(),
                healthy_threshold: tg.healthy_threshold_count(),
                unhealthy_threshold: tg.unhealthy_threshold_count(),
                matcher: tg.matcher().and_then(|m| m.http_code()).map(str::to_string),
            }),
            deregistration_delay,
            slow_start,
            tags,
        };
        Ok(Some((inputs, Self::outputs(id, tags_all))))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        _old: &TargetGroupInputs,
        old_outputs: &TargetGroupOutputs,
        new: &TargetGroupInputs,
    ) -> Result<TargetGroupOutputs, ResourceError> {
        let tags = all_tags(ctx, new.tags.as_ref());
        tags::sync::<Elbv2Tags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        // Both calls are idempotent: made every time, they also repair a partial create's state (whose recorded
        // inputs may be ahead of AWS) and changes made outside Pulumi.
        Self::set_health_check(ctx, id, new).await?;
        Self::set_attributes(ctx, id, new).await?;
        Ok(Self::outputs(id, tags))
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &TargetGroupInputs,
        _: &TargetGroupOutputs,
    ) -> Result<(), ResourceError> {
        // ResourceInUse while a listener or rule still forwards here: those are changed or deleted in the same
        // deployment, so keep trying within the timeout.
        delete_retrying_plain(ctx, &format!("target group {id}"), || async {
            ctx.aws
                .elbv2
                .delete_target_group()
                .target_group_arn(id)
                .send()
                .await
                .map_err(|e| aws_error("elbv2:DeleteTargetGroup", e))?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::matcher_ok;

    #[test]
    fn matchers() {
        for ok in ["200", "200-299", "200,202", "200,302,404"] {
            assert!(matcher_ok(ok), "{ok}");
        }
        for bad in ["", "20", "199", "500", "299-200", "200-", "abc", "200,,202"] {
            assert!(!matcher_ok(bad), "{bad}");
        }
    }
}
