//! `orderapi:ecs:Cluster` — an ECS cluster for Fargate tasks: Container Insights, the FARGATE and FARGATE_SPOT
//! capacity providers and a default capacity provider strategy.
//!
//! Cluster names are unique per region and CreateCluster is idempotent by name (it answers with the existing ACTIVE
//! cluster), so a create looks the name up first ([`crate::lifecycle::create_once`]): a cluster with this resource's
//! identity that the engine does not record is the orphan of a lost create and is adopted; anything else under the
//! name is a conflict, also when CreateCluster itself hands back a cluster that is not ours.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{Cluster as AwsCluster, ClusterField, ClusterSetting, ClusterSettingName};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    CapacityProviderStrategy, EcsTags, FARGATE_PROVIDERS, check_name, check_strategy, check_tags,
    strategy_from, strategy_items, tag_list, tag_map,
};
use crate::error::{ErrorClass, ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, delete_retrying_plain};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::tags;

/// Inputs of an ECS cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterInputs {
    /// The cluster name: 1-255 letters, digits, hyphens and underscores (defaults to the resource name plus a
    /// random suffix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// CloudWatch Container Insights: `enabled` (default), `enhanced` or `disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_insights: Option<String>,
    /// Capacity providers of the cluster, a subset of `FARGATE` and `FARGATE_SPOT` (default both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_providers: Option<Vec<String>>,
    /// The strategy services use when they name none: weights (0-1000, at least one positive) and a base
    /// (0-100000, on at most one entry). Each provider must be one of `capacityProviders`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_capacity_provider_strategy: Option<Vec<CapacityProviderStrategy>>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of an ECS cluster.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterOutputs {
    /// The cluster's ARN.
    pub arn: String,
    /// Every tag on the cluster, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct Cluster;

impl Cluster {
    /// The live cluster `name` (with its tags), unless missing or INACTIVE (deleted).
    async fn describe(ctx: &Context, name: &str) -> Result<Option<AwsCluster>, ResourceError> {
        let out = match ctx
            .aws
            .ecs
            .describe_clusters()
            .clusters(name)
            .include(ClusterField::Tags)
            .include(ClusterField::Settings)
            .send()
            .await
            .map_err(|e| aws_error("ecs:DescribeClusters", e))
        {
            Ok(out) => out,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(out
            .clusters()
            .iter()
            .find(|c| c.status() != Some("INACTIVE"))
            .cloned())
    }

    fn settings(inputs: &ClusterInputs) -> ClusterSetting {
        ClusterSetting::builder()
            .name(ClusterSettingName::ContainerInsights)
            .value(inputs.container_insights.as_deref().unwrap_or("enabled"))
            .build()
    }

    async fn put_settings(
        ctx: &Context,
        name: &str,
        inputs: &ClusterInputs,
    ) -> Result<(), ResourceError> {
        ctx.aws
            .ecs
            .update_cluster()
            .cluster(name)
            .settings(Self::settings(inputs))
            .send()
            .await
            .map_err(|e| aws_error("ecs:UpdateCluster", e))?;
        Ok(())
    }

    /// PutClusterCapacityProviders, retried while a previous cluster update is still in progress.
    async fn put_capacity_providers(
        ctx: &Context,
        name: &str,
        inputs: &ClusterInputs,
    ) -> Result<(), ResourceError> {
        let providers = inputs.capacity_providers.clone().unwrap_or_default();
        let strategy = strategy_items(
            inputs
                .default_capacity_provider_strategy
                .as_deref()
                .unwrap_or_default(),
        )?;
        ctx.wait_for(
            &format!("cluster {name} to accept its capacity providers"),
            || {
                let (providers, strategy) = (providers.clone(), strategy.clone());
                async move {
                    match ctx
                        .aws
                        .ecs
                        .put_cluster_capacity_providers()
                        .cluster(name)
                        .set_capacity_providers(Some(providers))
                        .set_default_capacity_provider_strategy(Some(strategy))
                        .send()
                        .await
                        .map_err(|e| aws_error("ecs:PutClusterCapacityProviders", e))
                    {
                        Ok(_) => Ok(Poll::Ready(())),
                        Err(e) if e.class() == ErrorClass::InUse => Ok(Poll::Pending(format!(
                            "AWS says {}",
                            e.code().unwrap_or_default()
                        ))),
                        Err(e) => Err(e),
                    }
                }
            },
        )
        .await
    }

    /// Inputs and outputs of a live cluster, normalized like `check`.
    fn from_live(
        ctx: &Context,
        c: &AwsCluster,
        prior: Option<&ClusterInputs>,
    ) -> (ClusterInputs, ClusterOutputs) {
        let (_, tags, tags_all) = tags::split(
            &ctx.aws,
            tag_map(c.tags()),
            prior.and_then(|p| p.tags.as_ref()),
        );
        let insights = c
            .settings()
            .iter()
            .find(|s| s.name() == Some(&ClusterSettingName::ContainerInsights))
            .and_then(|s| s.value())
            .unwrap_or("disabled")
            .to_string();
        let mut providers: Vec<String> = c.capacity_providers().to_vec();
        providers.sort();
        let inputs = ClusterInputs {
            name: c.cluster_name().map(str::to_string),
            container_insights: Some(insights),
            capacity_providers: Some(providers),
            default_capacity_provider_strategy: strategy_from(
                c.default_capacity_provider_strategy(),
            ),
            tags,
        };
        let outputs = ClusterOutputs {
            arn: c.cluster_arn().unwrap_or_default().to_string(),
            tags_all,
        };
        (inputs, outputs)
    }
}

impl CustomResource for Cluster {
    const TOKEN: &'static str = "orderapi:ecs:Cluster";
    const DESCRIPTION: &'static str = "An ECS cluster for Fargate tasks with Container Insights, the FARGATE and \
         FARGATE_SPOT capacity providers and a default capacity provider strategy.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["name"];
    type Inputs = ClusterInputs;
    type Outputs = ClusterOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: ClusterInputs,
    ) -> Result<ClusterInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_name(ctx, "name", &mut inputs.name, &mut f);
        check_tags(inputs.tags.as_ref(), &mut f);
        let insights = inputs
            .container_insights
            .get_or_insert_with(|| "enabled".to_string());
        f.require(
            matches!(insights.as_str(), "enabled" | "disabled" | "enhanced"),
            "containerInsights",
            "must be `enabled`, `enhanced` or `disabled`",
        );
        let providers = inputs
            .capacity_providers
            .get_or_insert_with(|| FARGATE_PROVIDERS.iter().map(|p| p.to_string()).collect());
        providers.sort();
        for p in providers.iter() {
            f.require(
                FARGATE_PROVIDERS.contains(&p.as_str()),
                "capacityProviders",
                format!("'{p}' must be FARGATE or FARGATE_SPOT"),
            );
        }
        f.require(
            providers.windows(2).all(|w| w[0] != w[1]),
            "capacityProviders",
            "each capacity provider may appear only once",
        );
        let allowed = providers.clone();
        check_strategy(
            "defaultCapacityProviderStrategy",
            &mut inputs.default_capacity_provider_strategy,
            &allowed,
            &mut f,
        );
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &ClusterInputs,
    ) -> Result<(String, ClusterOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = ctx.tags(inputs.tags.as_ref());
        let what = format!("an ECS cluster named '{name}'");
        let made = create_once(
            ctx,
            &format!("ECS cluster {name}"),
            || async {
                let Some(c) = Self::describe(ctx, &name).await? else {
                    return Ok(None);
                };
                let live = tag_map(c.tags());
                match ctx.found(&name, &live) {
                    Found::Orphan => {
                        ctx.adopting("ECS cluster", &name);
                        let arn = c.cluster_arn().unwrap_or_default().to_string();
                        Ok(Some((arn, Some(live))))
                    }
                    other => Err(conflict(&what, &other)),
                }
            },
            || async {
                let out = ctx
                    .aws
                    .ecs
                    .create_cluster()
                    .cluster_name(&name)
                    .settings(Self::settings(inputs))
                    .set_tags(Some(tag_list(&tags)))
                    .customize()
                    .config_override(no_retry!(aws_sdk_ecs))
                    .send()
                    .await
                    .map_err(|e| aws_error("ecs:CreateCluster", e))?;
                let c = out.cluster();
                // CreateCluster answers with an existing ACTIVE cluster of that name: it must be ours.
                let live = c.map(|c| tag_map(c.tags())).unwrap_or_default();
                if !live.is_empty() {
                    match ctx.found(&name, &live) {
                        Found::Orphan => {}
                        other => return Err(conflict(&what, &other)),
                    }
                }
                let arn = c
                    .and_then(|c| c.cluster_arn())
                    .unwrap_or_default()
                    .to_string();
                Ok((arn, None))
            },
        )
        .await?;
        let (arn, adopted) = made.into_inner();
        let outputs = ClusterOutputs {
            arn: arn.clone(),
            tags_all: tags.clone(),
        };
        let steps = async {
            if let Some(live) = &adopted {
                // Bring the leftover in line: settings and tags.
                Self::put_settings(ctx, &name, inputs).await?;
                tags::sync::<EcsTags>(&ctx.aws, &arn, live, &tags).await?;
            }
            Self::put_capacity_providers(ctx, &name, inputs).await
        };
        steps.await.map_err(|e| e.partial(&name, &outputs))?;
        Ok((name, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&ClusterInputs>,
    ) -> Result<Option<(ClusterInputs, ClusterOutputs)>, ResourceError> {
        Ok(Self::describe(ctx, id)
            .await?
            .map(|c| Self::from_live(ctx, &c, prior)))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &ClusterInputs,
        old_outputs: &ClusterOutputs,
        new: &ClusterInputs,
    ) -> Result<ClusterOutputs, ResourceError> {
        if old.container_insights != new.container_insights {
            Self::put_settings(ctx, id, new).await?;
        }
        if old.capacity_providers != new.capacity_providers
            || old.default_capacity_provider_strategy != new.default_capacity_provider_strategy
        {
            Self::put_capacity_providers(ctx, id, new).await?;
        }
        let tags = ctx.tags(new.tags.as_ref());
        tags::sync::<EcsTags>(&ctx.aws, &old_outputs.arn, &old_outputs.tags_all, &tags).await?;
        Ok(ClusterOutputs {
            arn: old_outputs.arn.clone(),
            tags_all: tags,
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &ClusterInputs,
        _: &ClusterOutputs,
    ) -> Result<(), ResourceError> {
        // Services being drained and tasks still stopping keep the cluster busy: retry within the timeout.
        delete_retrying_plain(ctx, &format!("ECS cluster {id}"), || async {
            ctx.aws
                .ecs
                .delete_cluster()
                .cluster(id)
                .send()
                .await
                .map_err(|e| aws_error("ecs:DeleteCluster", e))?;
            Ok(())
        })
        .await?;
        // DeleteCluster answers DEPROVISIONING while capacity providers are detached: wait for INACTIVE.
        ctx.wait_for(&format!("ECS cluster {id} to become INACTIVE"), || async {
            Ok(match Self::describe(ctx, id).await? {
                None => Poll::Ready(()),
                Some(c) => Poll::Pending(c.status().unwrap_or("unknown").to_string()),
            })
        })
        .await
    }
}
