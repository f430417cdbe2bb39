//! `orderapi:appautoscaling:ScalableTarget` — registers an ECS service's desired count with Application Auto
//! Scaling, between a minimum and a maximum task count.
//!
//! RegisterScalableTarget is an upsert, so a repeated create call registers no second target; a service has one
//! target, so a create first looks for a registered one: the orphan of an interrupted create of this resource is
//! adopted (see [`crate::lifecycle`]); any other is a conflict, never silently overwritten.

use std::collections::BTreeMap;

use aws_sdk_applicationautoscaling::types::{
    ScalableTarget as AwsScalableTarget, SuspendedState as AwsSuspendedState,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    AppAutoScalingTags, TargetKey, check_tags, check_target, describe_target, list_tags, split_tags,
};
use crate::error::{ErrorClass, ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once};
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::tags;

/// Which scaling activities are suspended.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SuspendedState {
    /// Whether scale-in by scaling policies is suspended (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic_scaling_in_suspended: Option<bool>,
    /// Whether scale-out by scaling policies is suspended (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic_scaling_out_suspended: Option<bool>,
    /// Whether scheduled actions are suspended (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_scaling_suspended: Option<bool>,
}

/// Inputs of a scalable target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScalableTargetInputs {
    /// The service namespace: `ecs` (the default and the only one this provider scales). Changing it replaces the
    /// target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_namespace: Option<String>,
    /// The ECS service to scale: `service/<cluster name>/<service name>`. Changing it replaces the target.
    pub resource_id: String,
    /// `ecs:service:DesiredCount` (the default and only dimension of an ECS service). Changing it replaces the
    /// target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scalable_dimension: Option<String>,
    /// The fewest tasks scaling may leave running (0 or more).
    pub min_capacity: i32,
    /// The most tasks scaling may start (at least minCapacity).
    pub max_capacity: i32,
    /// Which scaling activities are suspended (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_state: Option<SuspendedState>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a scalable target.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScalableTargetOutputs {
    /// The scalable target's ARN.
    pub arn: String,
    /// Every tag on the target, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct ScalableTarget;

fn key_of(inputs: &ScalableTargetInputs) -> TargetKey {
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

fn suspended(s: Option<&SuspendedState>) -> AwsSuspendedState {
    let s = s.cloned().unwrap_or_default();
    AwsSuspendedState::builder()
        .dynamic_scaling_in_suspended(s.dynamic_scaling_in_suspended.unwrap_or(false))
        .dynamic_scaling_out_suspended(s.dynamic_scaling_out_suspended.unwrap_or(false))
        .scheduled_scaling_suspended(s.scheduled_scaling_suspended.unwrap_or(false))
        .build()
}

impl ScalableTarget {
    /// RegisterScalableTarget (an upsert); `tags` only on the first registration (AWS ignores them otherwise).
    async fn register(
        ctx: &Context,
        key: &TargetKey,
        inputs: &ScalableTargetInputs,
        tags: Option<&BTreeMap<String, String>>,
    ) -> Result<Option<String>, ResourceError> {
        let out = ctx
            .aws
            .applicationautoscaling
            .register_scalable_target()
            .service_namespace(key.namespace())
            .resource_id(&key.resource_id)
            .scalable_dimension(key.dimension())
            .min_capacity(inputs.min_capacity)
            .max_capacity(inputs.max_capacity)
            .suspended_state(suspended(inputs.suspended_state.as_ref()))
            .set_tags(tags.map(|t| t.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| aws_error("application-autoscaling:RegisterScalableTarget", e))?;
        Ok(out.scalable_target_arn().map(str::to_string))
    }

    fn inputs_of(
        t: &AwsScalableTarget,
        tags: Option<BTreeMap<String, String>>,
    ) -> ScalableTargetInputs {
        let s = t.suspended_state();
        ScalableTargetInputs {
            service_namespace: Some(t.service_namespace().as_str().to_string()),
            resource_id: t.resource_id().to_string(),
            scalable_dimension: Some(t.scalable_dimension().as_str().to_string()),
            min_capacity: t.min_capacity(),
            max_capacity: t.max_capacity(),
            suspended_state: Some(SuspendedState {
                dynamic_scaling_in_suspended: Some(
                    s.and_then(|s| s.dynamic_scaling_in_suspended())
                        .unwrap_or(false),
                ),
                dynamic_scaling_out_suspended: Some(
                    s.and_then(|s| s.dynamic_scaling_out_suspended())
                        .unwrap_or(false),
                ),
                scheduled_scaling_suspended: Some(
                    s.and_then(|s| s.scheduled_scaling_suspended())
                        .unwrap_or(false),
                ),
            }),
            tags,
        }
    }
}

impl CustomResource for ScalableTarget {
    const TOKEN: &'static str = "orderapi:appautoscaling:ScalableTarget";
    const DESCRIPTION: &'static str = "Registers an ECS service's desired task count with Application Auto Scaling, \
        between a minimum and a maximum; scaling policies then move it.";
    const REPLACE_ON_CHANGES: &'static [&'static str] =
        &["serviceNamespace", "resourceId", "scalableDimension"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = ScalableTargetInputs;
    type Outputs = ScalableTargetOutputs;

    fn check(
        _: &CheckContext,
        mut inputs: ScalableTargetInputs,
    ) -> Result<ScalableTargetInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_target(
            &mut inputs.service_namespace,
            &inputs.resource_id,
            &mut inputs.scalable_dimension,
            &mut f,
        );
        f.require(
            inputs.min_capacity >= 0,
            "minCapacity",
            format!("{} must be 0 or more", inputs.min_capacity),
        );
        f.require(
            inputs.max_capacity >= 0,
            "maxCapacity",
            format!("{} must be 0 or more", inputs.max_capacity),
        );
        f.require(
            inputs.max_capacity >= inputs.min_capacity,
            "maxCapacity",
            format!(
                "{} is below minCapacity {}",
                inputs.max_capacity, inputs.min_capacity
            ),
        );
        let s = inputs
            .suspended_state
            .get_or_insert_with(SuspendedState::default);
        s.dynamic_scaling_in_suspended.get_or_insert(false);
        s.dynamic_scaling_out_suspended.get_or_insert(false);
        s.scheduled_scaling_suspended.get_or_insert(false);
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &ScalableTargetInputs,
    ) -> Result<(String, ScalableTargetOutputs), ResourceError> {
        let key = key_of(inputs);
        let id = key.id();
        let tags = ctx.tags(inputs.tags.as_ref());
        let what = format!("a scalable target of {}", key.resource_id);
        let (arn, adopted) = create_once(
            ctx,
            &format!("scalable target {id}"),
            || async {
                let Some(t) = describe_target(&ctx.aws, &key).await? else {
                    return Ok(None);
                };
                let arn = t.scalable_target_arn().unwrap_or_default().to_string();
                let live = list_tags(&ctx.aws, &arn).await?;
                match ctx.found(&id, &live) {
                    Found::Orphan => {
                        ctx.adopting("scalable target", &arn);
                        Ok(Some((arn, Some(live))))
                    }
                    other => Err(conflict(&format!("{what} ({arn})"), &other)),
                }
            },
            || async {
                let arn = match Self::register(ctx, &key, inputs, Some(&tags)).await? {
                    Some(arn) => arn,
                    // Older API versions answer without the ARN: read it back.
                    None => describe_target(&ctx.aws, &key)
                        .await?
                        .and_then(|t| t.scalable_target_arn().map(str::to_string))
                        .unwrap_or_default(),
                };
                Ok((arn, None))
            },
        )
        .await?
        .into_inner();
        let outputs = ScalableTargetOutputs {
            arn: arn.clone(),
            tags_all: tags.clone(),
        };
        if let Some(live) = adopted {
            // An adopted target may hold stale capacities and tags: bring them in line.
            let steps = async {
                Self::register(ctx, &key, inputs, None).await?;
                tags::sync::<AppAutoScalingTags>(&ctx.aws, &arn, &live, &tags).await
            };
            steps.await.map_err(|e| e.partial(&id, &outputs))?;
        }
        Ok((id, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&ScalableTargetInputs>,
    ) -> Result<Option<(ScalableTargetInputs, ScalableTargetOutputs)>, ResourceError> {
        let (key, _) = TargetKey::parse(id)?;
        let Some(target) = describe_target(&ctx.aws, &key).await? else {
            return Ok(None);
        };
        let arn = target.scalable_target_arn().unwrap_or_default().to_string();
        let live = match list_tags(&ctx.aws, &arn).await {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let (tags, tags_all) = split_tags(&ctx.aws, live, prior.and_then(|p| p.tags.as_ref()));
        Ok(Some((
            Self::inputs_of(&target, tags),
            ScalableTargetOutputs { arn, tags_all },
        )))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        _: &ScalableTargetInputs,
        old_outputs: &ScalableTargetOutputs,
        new: &ScalableTargetInputs,
    ) -> Result<ScalableTargetOutputs, ResourceError> {
        let (key, _) = TargetKey::parse(id)?;
        Self::register(ctx, &key, new, None).await?;
        let tags = ctx.tags(new.tags.as_ref());
        tags::sync::<AppAutoScalingTags>(&ctx.aws, &old_outputs.arn, &old_outputs.tags_all, &tags)
            .await?;
        Ok(ScalableTargetOutputs {
            arn: old_outputs.arn.clone(),
            tags_all: tags,
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &ScalableTargetInputs,
        _: &ScalableTargetOutputs,
    ) -> Result<(), ResourceError> {
        let (key, _) = TargetKey::parse(id)?;
        ctx.wait_for(
            &format!("scalable target {} to be deregistered", key.resource_id),
            || async {
                if describe_target(&ctx.aws, &key).await?.is_none() {
                    return Ok(Poll::Ready(()));
                }
                match ctx
                    .aws
                    .applicationautoscaling
                    .deregister_scalable_target()
                    .service_namespace(key.namespace())
                    .resource_id(&key.resource_id)
                    .scalable_dimension(key.dimension())
                    .send()
                    .await
                    .map_err(|e| aws_error("application-autoscaling:DeregisterScalableTarget", e))
                {
                    // Confirmed by the next poll's describe.
                    Ok(_) => Ok(Poll::Pending(
                        "deregistered, waiting for AWS to let go".into(),
                    )),
                    Err(e) if e.is_not_found() => Ok(Poll::Ready(())),
                    Err(e)
                        if matches!(e.class(), ErrorClass::Throttled | ErrorClass::Transient) =>
                    {
                        Ok(Poll::Pending(format!("AWS says {e}")))
                    }
                    // The target may have gone between the describe and the call (AWS answers
                    // ValidationException for some races): a describe decides.
                    Err(e) => {
                        if describe_target(&ctx.aws, &key).await?.is_none() {
                            Ok(Poll::Ready(()))
                        } else {
                            Err(e)
                        }
                    }
                }
            },
        )
        .await
    }
}
