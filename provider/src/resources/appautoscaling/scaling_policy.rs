//! `orderapi:appautoscaling:ScalingPolicy` — a target-tracking scaling policy on an ECS service's desired count:
//! keeps a predefined metric (CPU, memory, ALB requests per target) or a customized CloudWatch metric at a target
//! value.
//!
//! # Identity
//!
//! Scaling policies cannot be tagged, so they cannot carry the ownership and identity tags. PutScalingPolicy is an
//! upsert (a repeated call makes no second policy) and a policy is wholly described by its inputs; names are
//! unique per scalable target. A same-named policy found at create time is the orphan of this create (a create
//! whose answer was lost, or a crash right after the call) when both its scalable target carries this provider's
//! ownership tag and its target-tracking configuration is the one this create writes: then it is adopted, unless
//! the engine records it (the policy a replacement replaces, a conflict). A policy on a target this provider does
//! not own, or with another configuration (another resource's), is a conflict, never silently overwritten. The
//! limit: a program changed between a crashed create and its retry finds its own orphan with the old
//! configuration and reports the conflict; delete that policy and run again.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use aws_sdk_applicationautoscaling::types::{
    CustomizedMetricSpecification, MetricDimension as AwsMetricDimension, MetricStatistic,
    MetricType, PolicyType, PredefinedMetricSpecification, ScalingPolicy as AwsScalingPolicy,
    TargetTrackingScalingPolicyConfiguration,
};

use super::{TargetKey, check_target, describe_target, list_tags};
use crate::aws::OWNERSHIP_TAG;
use crate::error::{ErrorClass, ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once};
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};

/// The predefined metrics an ECS service can track.
pub const PREDEFINED_METRICS: &[&str] = &[
    "ECSServiceAverageCPUUtilization",
    "ECSServiceAverageMemoryUtilization",
    "ALBRequestCountPerTarget",
];

/// CloudWatch statistics a customized metric can use.
pub const STATISTICS: &[&str] = &["Average", "Minimum", "Maximum", "SampleCount", "Sum"];

/// CloudWatch's standard units.
pub const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// The cooldown AWS applies to ECS services when none is set, in seconds.
pub const DEFAULT_COOLDOWN: i32 = 300;

/// One CloudWatch dimension of a customized metric.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricDimension {
    /// The dimension's name (1-255 characters).
    pub name: String,
    /// The dimension's value (1-1024 characters).
    pub value: String,
}

/// A CloudWatch metric to track, e.g. the application's PendingOrders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomizedMetric {
    /// The metric's namespace (1-255 characters), e.g. `OrderApi/prod`.
    pub namespace: String,
    /// The metric's name (1-255 characters), e.g. `PendingOrders`.
    pub metric_name: String,
    /// The metric's dimensions, exactly as published (at most 30; sorted by name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Vec<MetricDimension>>,
    /// `Average`, `Minimum`, `Maximum`, `SampleCount` or `Sum`.
    pub statistic: String,
    /// The metric's CloudWatch unit (e.g. `Count`), if it is published with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// A target-tracking configuration: the metric and the value to keep it at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TargetTracking {
    /// The value to keep the metric at (more than 0; at most 100 for the utilization metrics).
    pub target_value: f64,
    /// A predefined metric: `ECSServiceAverageCPUUtilization`, `ECSServiceAverageMemoryUtilization` or
    /// `ALBRequestCountPerTarget` (which needs resourceLabel). Exactly one of this and customizedMetric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predefined_metric_type: Option<String>,
    /// For `ALBRequestCountPerTarget`: `app/<lb name>/<lb id>/targetgroup/<tg name>/<tg id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_label: Option<String>,
    /// A customized CloudWatch metric. Exactly one of this and predefinedMetricType.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customized_metric: Option<CustomizedMetric>,
    /// Seconds after a scale-in before another scale-in (0 or more; default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_in_cooldown: Option<i32>,
    /// Seconds after a scale-out before another scale-out (0 or more; default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_out_cooldown: Option<i32>,
    /// Whether the policy never scales in (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_scale_in: Option<bool>,
}

/// Inputs of a scaling policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScalingPolicyInputs {
    /// The policy's name, unique per scalable target: 1-256 printable characters without `:`. Defaults to the
    /// resource name plus a random suffix. Changing it replaces the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The service namespace: `ecs` (the default). Changing it replaces the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_namespace: Option<String>,
    /// The scaled ECS service, `service/<cluster name>/<service name>` (its ScalableTarget must exist). Changing
    /// it replaces the policy.
    pub resource_id: String,
    /// `ecs:service:DesiredCount` (the default). Changing it replaces the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scalable_dimension: Option<String>,
    /// The target-tracking configuration.
    pub target_tracking: TargetTracking,
}

/// Outputs of a scaling policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScalingPolicyOutputs {
    /// The policy's ARN.
    pub arn: String,
    /// The CloudWatch alarms AWS created for the policy (AWS owns them; do not edit).
    pub alarm_arns: Vec<String>,
}

pub struct ScalingPolicy;

fn key_of(inputs: &ScalingPolicyInputs) -> TargetKey {
    TargetKey {
        namespace: inputs
            .service_namespace
            .clone()
            .unwrap_or_else(|| super::NAMESPACE.to_string()),
        resource_id: inputs.resource_id.clone(),
        dimension: inputs
            .scalable_dimension
            .clone()
            .unwrap_or_else(|| super::DIMENSION.to_string()),
    }
}

fn build_error(e: impl std::fmt::Display) -> ResourceError {
    ResourceError::Internal(format!("cannot build a scaling policy: {e}"))
}

fn configuration(
    t: &TargetTracking,
) -> Result<TargetTrackingScalingPolicyConfiguration, ResourceError> {
    let predefined = match &t.predefined_metric_type {
        Some(m) => Some(
            PredefinedMetricSpecification::builder()
                .predefined_metric_type(MetricType::from(m.as_str()))
                .set_resource_label(t.resource_label.clone())
                .build()
                .map_err(build_error)?,
        ),
        None => None,
    };
    let customized = match &t.customized_metric {
        Some(c) => Some(
            CustomizedMetricSpecification::builder()
                .namespace(&c.namespace)
                .metric_name(&c.metric_name)
                .set_dimensions(match &c.dimensions {
                    Some(d) => Some(
                        d.iter()
                            .map(|d| {
                                AwsMetricDimension::builder()
                                    .name(&d.name)
                                    .value(&d.value)
                                    .build()
                                    .map_err(build_error)
                            })
                            .collect::<Result<Vec<_>, _>>()?,
                    ),
                    None => None,
                })
                .statistic(MetricStatistic::from(c.statistic.as_str()))
                .set_unit(c.unit.clone())
                .build(),
        ),
        None => None,
    };
    TargetTrackingScalingPolicyConfiguration::builder()
        .target_value(t.target_value)
        .set_predefined_metric_specification(predefined)
        .set_customized_metric_specification(customized)
        .scale_in_cooldown(t.scale_in_cooldown.unwrap_or(DEFAULT_COOLDOWN))
        .scale_out_cooldown(t.scale_out_cooldown.unwrap_or(DEFAULT_COOLDOWN))
        .disable_scale_in(t.disable_scale_in.unwrap_or(false))
        .build()
        .map_err(build_error)
}

fn tracking_of(c: &TargetTrackingScalingPolicyConfiguration) -> TargetTracking {
    let predefined = c.predefined_metric_specification();
    TargetTracking {
        target_value: c.target_value(),
        predefined_metric_type: predefined.map(|p| p.predefined_metric_type().as_str().to_string()),
        resource_label: predefined
            .and_then(|p| p.resource_label())
            .map(str::to_string),
        customized_metric: c.customized_metric_specification().map(|m| {
            let mut dimensions: Vec<MetricDimension> = m
                .dimensions()
                .iter()
                .map(|d| MetricDimension {
                    name: d.name().to_string(),
                    value: d.value().to_string(),
                })
                .collect();
            dimensions.sort();
            CustomizedMetric {
                namespace: m.namespace().unwrap_or_default().to_string(),
                metric_name: m.metric_name().unwrap_or_default().to_string(),
                dimensions: (!dimensions.is_empty()).then_some(dimensions),
                statistic: m
                    .statistic()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                unit: m.unit().map(str::to_string),
            }
        }),
        scale_in_cooldown: Some(c.scale_in_cooldown().unwrap_or(DEFAULT_COOLDOWN)),
        scale_out_cooldown: Some(c.scale_out_cooldown().unwrap_or(DEFAULT_COOLDOWN)),
        disable_scale_in: Some(c.disable_scale_in().unwrap_or(false)),
    }
}

/// `app/<lb name>/<lb id>/targetgroup/<tg name>/<tg id>`.
fn resource_label_ok(label: &str) -> bool {
    label.len() <= 1023
        && matches!(
            label.split('/').collect::<Vec<_>>().as_slice(),
            ["app", lb, lb_id, "targetgroup", tg, tg_id]
                if [lb, lb_id, tg, tg_id].iter().all(|p| !p.is_empty())
        )
}

fn check_tracking(t: &mut TargetTracking, f: &mut Failures) {
    let at = "targetTracking";
    f.require(
        t.target_value.is_finite() && t.target_value > 0.0,
        format!("{at}.targetValue"),
        format!("{} must be more than 0", t.target_value),
    );
    match (&t.predefined_metric_type, &t.customized_metric) {
        (Some(_), Some(_)) | (None, None) => f.push(
            format!("{at}.predefinedMetricType"),
            "set exactly one of predefinedMetricType and customizedMetric",
        ),
        _ => {}
    }
    if let Some(m) = &t.predefined_metric_type {
        f.require(
            PREDEFINED_METRICS.contains(&m.as_str()),
            format!("{at}.predefinedMetricType"),
            format!("'{m}' must be one of {}", PREDEFINED_METRICS.join(", ")),
        );
        if m.ends_with("Utilization") {
            f.require(
                t.target_value <= 100.0,
                format!("{at}.targetValue"),
                format!("{} is a percentage: at most 100", t.target_value),
            );
        }
        match (m.as_str(), &t.resource_label) {
            ("ALBRequestCountPerTarget", Some(label)) => f.require(
                resource_label_ok(label),
                format!("{at}.resourceLabel"),
                format!("'{label}' must be app/<lb name>/<lb id>/targetgroup/<tg name>/<tg id>"),
            ),
            ("ALBRequestCountPerTarget", None) => f.push(
                format!("{at}.resourceLabel"),
                "ALBRequestCountPerTarget needs the target group's resourceLabel",
            ),
            (_, Some(_)) => f.push(
                format!("{at}.resourceLabel"),
                "only ALBRequestCountPerTarget takes a resourceLabel",
            ),
            _ => {}
        }
    } else if t.resource_label.is_some() {
        f.push(
            format!("{at}.resourceLabel"),
            "only the predefined ALBRequestCountPerTarget metric takes a resourceLabel",
        );
    }
    if let Some(c) = t.customized_metric.as_mut() {
        let at = format!("{at}.customizedMetric");
        f.require(
            !c.namespace.is_empty() && c.namespace.len() <= 255,
            format!("{at}.namespace"),
            "must be 1-255 characters",
        );
        f.require(
            !c.metric_name.is_empty() && c.metric_name.len() <= 255,
            format!("{at}.metricName"),
            "must be 1-255 characters",
        );
        f.require(
            STATISTICS.contains(&c.statistic.as_str()),
            format!("{at}.statistic"),
            format!("'{}' must be one of {}", c.statistic, STATISTICS.join(", ")),
        );
        if let Some(u) = &c.unit {
            f.require(
                UNITS.contains(&u.as_str()),
                format!("{at}.unit"),
                format!("'{u}' is not a CloudWatch unit (e.g. Count, Percent, Seconds)"),
            );
        }
        if c.dimensions.as_ref().is_some_and(Vec::is_empty) {
            c.dimensions = None;
        }
        if let Some(dims) = c.dimensions.as_mut() {
            f.require(
                dims.len() <= 30,
                format!("{at}.dimensions"),
                "at most 30 dimensions",
            );
            for (i, d) in dims.iter().enumerate() {
                f.require(
                    !d.name.is_empty() && d.name.len() <= 255,
                    format!("{at}.dimensions[{i}].name"),
                    "must be 1-255 characters",
                );
                f.require(
                    !d.value.is_empty() && d.value.len() <= 1024,
                    format!("{at}.dimensions[{i}].value"),
                    "must be 1-1024 characters",
                );
            }
            dims.sort();
            for pair in dims.windows(2) {
                f.require(
                    pair[0].name != pair[1].name,
                    format!("{at}.dimensions"),
                    format!("dimension '{}' is listed twice", pair[0].name),
                );
            }
        }
    }
    for (prop, value) in [
        ("scaleInCooldown", &mut t.scale_in_cooldown),
        ("scaleOutCooldown", &mut t.scale_out_cooldown),
    ] {
        let v = *value.get_or_insert(DEFAULT_COOLDOWN);
        f.require(
            v >= 0,
            format!("{at}.{prop}"),
            format!("{v} must be 0 or more seconds"),
        );
    }
    t.disable_scale_in.get_or_insert(false);
}

impl ScalingPolicy {
    /// The live policy named `name` on `key`'s target.
    async fn describe(
        ctx: &Context,
        key: &TargetKey,
        name: &str,
    ) -> Result<Option<AwsScalingPolicy>, ResourceError> {
        let mut token: Option<String> = None;
        loop {
            let out = match ctx
                .aws
                .applicationautoscaling
                .describe_scaling_policies()
                .service_namespace(key.namespace())
                .resource_id(&key.resource_id)
                .scalable_dimension(key.dimension())
                .policy_names(name)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| aws_error("application-autoscaling:DescribeScalingPolicies", e))
            {
                Ok(out) => out,
                Err(e) if e.is_not_found() => return Ok(None),
                Err(e) => return Err(e),
            };
            if let Some(p) = out.scaling_policies().iter().find(|p| {
                p.policy_name() == name
                    && p.resource_id() == key.resource_id
                    && p.scalable_dimension().as_str() == key.dimension
            }) {
                return Ok(Some(p.clone()));
            }
            match out.next_token() {
                Some(t) if !t.is_empty() && Some(t) != token.as_deref() => {
                    token = Some(t.to_string())
                }
                _ => return Ok(None),
            }
        }
    }

    fn outputs_of(policy: &AwsScalingPolicy) -> ScalingPolicyOutputs {
        ScalingPolicyOutputs {
            arn: policy.policy_arn().to_string(),
            alarm_arns: policy
                .alarms()
                .iter()
                .map(|a| a.alarm_arn().to_string())
                .collect(),
        }
    }

    /// PutScalingPolicy (an upsert).
    async fn put(
        ctx: &Context,
        key: &TargetKey,
        inputs: &ScalingPolicyInputs,
    ) -> Result<ScalingPolicyOutputs, ResourceError> {
        let out = ctx
            .aws
            .applicationautoscaling
            .put_scaling_policy()
            .policy_name(inputs.name.as_deref().unwrap_or_default())
            .service_namespace(key.namespace())
            .resource_id(&key.resource_id)
            .scalable_dimension(key.dimension())
            .policy_type(PolicyType::TargetTrackingScaling)
            .target_tracking_scaling_policy_configuration(configuration(&inputs.target_tracking)?)
            .send()
            .await
            .map_err(|e| aws_error("application-autoscaling:PutScalingPolicy", e))?;
        Ok(ScalingPolicyOutputs {
            arn: out.policy_arn().to_string(),
            alarm_arns: out
                .alarms()
                .iter()
                .map(|a| a.alarm_arn().to_string())
                .collect(),
        })
    }
}

impl CustomResource for ScalingPolicy {
    const TOKEN: &'static str = "orderapi:appautoscaling:ScalingPolicy";
    const DESCRIPTION: &'static str = "A target-tracking scaling policy on an ECS service's desired count: keeps CPU, \
        memory, ALB requests per target or a customized CloudWatch metric at a target value.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &[
        "name",
        "serviceNamespace",
        "resourceId",
        "scalableDimension",
    ];
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["name"];
    type Inputs = ScalingPolicyInputs;
    type Outputs = ScalingPolicyOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: ScalingPolicyInputs,
    ) -> Result<ScalingPolicyInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        let name = inputs
            .name
            .get_or_insert_with(|| ctx.autoname(256).replace(':', "-"));
        f.require(
            !name.is_empty()
                && name.chars().count() <= 256
                && !name.contains(':')
                && name.chars().all(|c| !c.is_control()),
            "name",
            "must be 1-256 printable characters without ':'",
        );
        check_target(
            &mut inputs.service_namespace,
            &inputs.resource_id,
            &mut inputs.scalable_dimension,
            &mut f,
        );
        check_tracking(&mut inputs.target_tracking, &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &ScalingPolicyInputs,
    ) -> Result<(String, ScalingPolicyOutputs), ResourceError> {
        let key = key_of(inputs);
        let name = inputs.name.clone().unwrap_or_default();
        let id = format!("{}|{name}", key.id());
        let what = format!("a scaling policy named '{name}' on {}", key.resource_id);
        let made = create_once(
            ctx,
            &format!("scaling policy {id}"),
            || async {
                let Some(existing) = Self::describe(ctx, &key, &name).await? else {
                    return Ok(None);
                };
                let what = format!("{what} ({})", existing.policy_arn());
                // No tags on policies: ownership is the target's, identity the configuration.
                let target_tags = match describe_target(&ctx.aws, &key).await? {
                    Some(t) => {
                        list_tags(&ctx.aws, t.scalable_target_arn().unwrap_or_default()).await?
                    }
                    None => Default::default(),
                };
                if target_tags.get(OWNERSHIP_TAG.0).map(String::as_str) != Some(OWNERSHIP_TAG.1) {
                    return Err(conflict(&what, &Found::Stranger));
                }
                let same = existing
                    .target_tracking_scaling_policy_configuration()
                    .is_some_and(|c| tracking_of(c) == inputs.target_tracking);
                if !same {
                    return Err(ResourceError::Conflict(format!(
                        "{what} already exists with another configuration: another Pulumi resource's policy \
                         (scaling policies carry no tags, and writing ours would overwrite it); give this policy \
                         another name, or delete that one first"
                    )));
                }
                match ctx.found(&id, &ctx.tags(None)) {
                    // Nothing to bring in line: its configuration is the declared one.
                    Found::Orphan => {
                        ctx.adopting("scaling policy", existing.policy_arn());
                        Ok(Some(Self::outputs_of(&existing)))
                    }
                    other => Err(conflict(&what, &other)),
                }
            },
            || Self::put(ctx, &key, inputs),
        )
        .await?;
        Ok((id, made.into_inner()))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        _: Option<&ScalingPolicyInputs>,
    ) -> Result<Option<(ScalingPolicyInputs, ScalingPolicyOutputs)>, ResourceError> {
        let (key, name) = TargetKey::parse(id)?;
        let Some(name) = name else {
            return Err(ResourceError::Internal(format!(
                "'{id}' is not a scaling policy id (<serviceNamespace>|<resourceId>|<scalableDimension>|<name>)"
            )));
        };
        let Some(policy) = Self::describe(ctx, &key, &name).await? else {
            return Ok(None);
        };
        let Some(config) = policy.target_tracking_scaling_policy_configuration() else {
            return Err(ResourceError::Conflict(format!(
                "scaling policy {name} on {} is no longer a target-tracking policy ({}); replace it",
                key.resource_id,
                policy.policy_type().as_str()
            )));
        };
        let inputs = ScalingPolicyInputs {
            name: Some(name.clone()),
            service_namespace: Some(policy.service_namespace().as_str().to_string()),
            resource_id: policy.resource_id().to_string(),
            scalable_dimension: Some(policy.scalable_dimension().as_str().to_string()),
            target_tracking: tracking_of(config),
        };
        Ok(Some((inputs, Self::outputs_of(&policy))))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        _: &ScalingPolicyInputs,
        _: &ScalingPolicyOutputs,
        new: &ScalingPolicyInputs,
    ) -> Result<ScalingPolicyOutputs, ResourceError> {
        let (key, _) = TargetKey::parse(id)?;
        Self::put(ctx, &key, new).await
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &ScalingPolicyInputs,
        _: &ScalingPolicyOutputs,
    ) -> Result<(), ResourceError> {
        let (key, name) = TargetKey::parse(id)?;
        let name = name.unwrap_or_default();
        ctx.wait_for(&format!("scaling policy {name} to be deleted"), || async {
            if Self::describe(ctx, &key, &name).await?.is_none() {
                return Ok(Poll::Ready(()));
            }
            match ctx
                .aws
                .applicationautoscaling
                .delete_scaling_policy()
                .policy_name(&name)
                .service_namespace(key.namespace())
                .resource_id(&key.resource_id)
                .scalable_dimension(key.dimension())
                .send()
                .await
                .map_err(|e| aws_error("application-autoscaling:DeleteScalingPolicy", e))
            {
                // Confirmed by the next poll's describe.
                Ok(_) => Ok(Poll::Pending("deleted, waiting for AWS to let go".into())),
                Err(e) if e.is_not_found() => Ok(Poll::Ready(())),
                Err(e) if matches!(e.class(), ErrorClass::Throttled | ErrorClass::Transient) => {
                    Ok(Poll::Pending(format!("AWS says {e}")))
                }
                // The policy may have gone between the describe and the call (AWS answers ValidationException for
                // some races): a describe decides.
                Err(e) => {
                    if Self::describe(ctx, &key, &name).await?.is_none() {
                        Ok(Poll::Ready(()))
                    } else {
                        Err(e)
                    }
                }
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_labels() {
        assert!(resource_label_ok(
            "app/alb-prod/50dc6c495c0c9188/targetgroup/tg-blue/943f017f100becff"
        ));
        assert!(!resource_label_ok("app/alb-prod/50dc6c495c0c9188"));
    }
}
