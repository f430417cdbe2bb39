//! `orderapi:ec2:InternetGateway` — an internet gateway, optionally attached to a VPC (the attachment is managed
//! in place: changing `vpcId` detaches from the old VPC and attaches to the new one).
//!
//! Gateway names are only tags: a create looks for this resource's gateway by identity (see the `ec2` module
//! docs) and sends CreateInternetGateway with the SDK's retry off inside `create_once`. A detach that public
//! addresses outside the stack block fails naming them ([`super::internet_gateway_blockers`]).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, InternetGateway as LiveGateway, ResourceType};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Ec2Tags, all_tags, check_name, check_tags, identity_filter, internet_gateway_blockers,
    name_clash, name_filter, split_tags, tag_map, tag_spec,
};
use crate::error::{ErrorClass, ResourceError, aws_error};
use crate::lifecycle::{conflict, create_once, delete_retrying, delete_retrying_plain};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures};
use crate::resources::tags;

/// Inputs of an internet gateway.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InternetGatewayInputs {
    /// Physical name, set as the `Name` tag (defaults to the resource name plus a random suffix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The VPC to attach the gateway to (`vpc-…`); unset leaves it detached. Changing it moves the attachment in
    /// place. A VPC takes at most one internet gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of an internet gateway.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InternetGatewayOutputs {
    /// The internet gateway's ARN.
    pub arn: String,
    /// Every tag on the internet gateway, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct InternetGateway;

impl InternetGateway {
    fn arn(ctx: &Context, owner: &str, id: &str) -> String {
        ctx.aws.arn("ec2", owner, &format!("internet-gateway/{id}"))
    }

    /// The VPC the gateway is attached (or attaching) to.
    fn attached_vpc(igw: &LiveGateway) -> Option<String> {
        igw.attachments()
            .iter()
            // AWS reports an attached internet gateway as `available` (the SDK's enum calls it unknown).
            .find(|a| {
                a.state()
                    .is_some_and(|s| matches!(s.as_str(), "available" | "attached" | "attaching"))
            })
            .and_then(|a| a.vpc_id().map(str::to_string))
    }

    /// The live gateway `id`, or `None` when AWS no longer knows it.
    async fn describe(ctx: &Context, id: &str) -> Result<Option<LiveGateway>, ResourceError> {
        match ctx
            .aws
            .ec2
            .describe_internet_gateways()
            .internet_gateway_ids(id)
            .send()
            .await
        {
            Ok(out) => Ok(out.internet_gateways().first().cloned()),
            Err(e) => {
                let e = aws_error("ec2:DescribeInternetGateways", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    /// Detaches `id` from `vpc`. Already detached (or gone) is done; `DependencyViolation` (the VPC still has
    /// mapped public addresses) is retried while those go away by themselves (a NAT gateway being deleted), and
    /// otherwise reported by name.
    async fn detach(ctx: &Context, id: &str, vpc: &str) -> Result<(), ResourceError> {
        delete_retrying(
            ctx,
            &format!("the attachment of internet gateway {id} to {vpc}"),
            || async {
                ctx.aws
                    .ec2
                    .detach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:DetachInternetGateway", e))?;
                Ok(())
            },
            Some(|| internet_gateway_blockers(ctx, vpc)),
        )
        .await
    }

    async fn attach(ctx: &Context, id: &str, vpc: &str) -> Result<(), ResourceError> {
        match ctx
            .aws
            .ec2
            .attach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => Err(match aws_error("ec2:AttachInternetGateway", e) {
                // The lost answer of an earlier attempt (the SDK retried it): already attached where it belongs.
                e if e.class() == ErrorClass::InUse
                    && Self::describe(ctx, id)
                        .await?
                        .and_then(|igw| Self::attached_vpc(&igw))
                        .as_deref()
                        == Some(vpc) =>
                {
                    return Ok(());
                }
                ResourceError::Aws {
                    operation,
                    code,
                    message,
                    hint: None,
                } if crate::error::classify("ec2", &code) == ErrorClass::InUse => {
                    ResourceError::Aws {
                        operation,
                        code,
                        message,
                        hint: Some(format!(
                            "a VPC takes one internet gateway and a gateway one VPC; detach the other gateway from {vpc} first"
                        )),
                    }
                }
                other => other,
            }),
        }
    }

    /// Moves the attachment from `current` to `desired`.
    async fn reconcile_attachment(
        ctx: &Context,
        id: &str,
        current: Option<&str>,
        desired: Option<&str>,
    ) -> Result<(), ResourceError> {
        if current == desired {
            return Ok(());
        }
        if let Some(old) = current {
            Self::detach(ctx, id, old).await?;
        }
        if let Some(new) = desired {
            Self::attach(ctx, id, new).await?;
        }
        Ok(())
    }

    /// The gateway to adopt: one made for this resource (its identity) that the engine does not record. One the
    /// engine records (the gateway a replacement replaces) is left alone: a new gateway is created beside it. A
    /// same-named gateway that is not this resource's is a conflict.
    async fn find_existing(
        ctx: &Context,
        name: &str,
    ) -> Result<Option<LiveGateway>, ResourceError> {
        let describe = |by: Filter| async move {
            ctx.aws
                .ec2
                .describe_internet_gateways()
                .filters(by)
                .send()
                .await
                .map_err(|e| aws_error("ec2:DescribeInternetGateways", e))
        };
        let ours = describe(identity_filter(ctx)).await?;
        for igw in ours.internet_gateways() {
            let id = igw.internet_gateway_id().unwrap_or_default();
            if ctx.is_orphan(id, &tag_map(igw.tags())) {
                ctx.adopting("internet gateway", id);
                return Ok(Some(igw.clone()));
            }
        }
        let named = describe(name_filter(name)).await?;
        for igw in named.internet_gateways() {
            let id = igw.internet_gateway_id().unwrap_or_default();
            if let Some(found) = name_clash(ctx, id, &tag_map(igw.tags())) {
                return Err(conflict(
                    &format!("an internet gateway named '{name}' ({id})"),
                    &found,
                ));
            }
        }
        Ok(None)
    }
}

impl CustomResource for InternetGateway {
    const TOKEN: &'static str = "orderapi:ec2:InternetGateway";
    const DESCRIPTION: &'static str = "An internet gateway, optionally attached to a VPC (the attachment moves in place), tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &[];
    type Inputs = InternetGatewayInputs;
    type Outputs = InternetGatewayOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: InternetGatewayInputs,
    ) -> Result<InternetGatewayInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_name(ctx, &mut inputs.name, &mut f);
        if let Some(vpc) = &inputs.vpc_id {
            f.require(
                vpc.starts_with("vpc-"),
                "vpcId",
                format!("'{vpc}' is not a VPC ID such as vpc-0abc…"),
            );
        }
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &InternetGatewayInputs,
    ) -> Result<(String, InternetGatewayOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = all_tags(ctx, &name, inputs.tags.as_ref());
        // Gateways are not unique: an attempt is never repeated without looking for the last one's gateway.
        let igw = create_once(
            ctx,
            &format!("internet gateway {name}"),
            || Self::find_existing(ctx, &name),
            || async {
                ctx.aws
                    .ec2
                    .create_internet_gateway()
                    .tag_specifications(tag_spec(ResourceType::InternetGateway, &tags))
                    .customize()
                    .config_override(no_retry!(aws_sdk_ec2))
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:CreateInternetGateway", e))?
                    .internet_gateway()
                    .cloned()
                    .ok_or_else(|| {
                        ResourceError::Internal(
                            "ec2:CreateInternetGateway returned no gateway".into(),
                        )
                    })
            },
        )
        .await?
        .into_inner();
        let id = igw.internet_gateway_id().unwrap_or_default().to_string();
        let outputs = InternetGatewayOutputs {
            arn: Self::arn(ctx, igw.owner_id().unwrap_or_default(), &id),
            tags_all: tags.clone(),
        };
        // From here on AWS holds the gateway: failures return it as partial state so the engine records it.
        let current = Self::attached_vpc(&igw);
        Self::reconcile_attachment(ctx, &id, current.as_deref(), inputs.vpc_id.as_deref())
            .await
            .map_err(|e| e.partial(&id, &outputs))?;
        // An adopted gateway may carry stale tags: bring them in line.
        tags::sync::<Ec2Tags>(&ctx.aws, &id, &tag_map(igw.tags()), &tags)
            .await
            .map_err(|e| e.partial(&id, &outputs))?;
        Ok((id, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&InternetGatewayInputs>,
    ) -> Result<Option<(InternetGatewayInputs, InternetGatewayOutputs)>, ResourceError> {
        let Some(igw) = Self::describe(ctx, id).await? else {
            return Ok(None);
        };
        let (name, tags, tags_all) =
            split_tags(&ctx.aws, igw.tags(), prior.and_then(|p| p.tags.as_ref()));
        let inputs = InternetGatewayInputs {
            name,
            vpc_id: Self::attached_vpc(&igw),
            tags,
        };
        let outputs = InternetGatewayOutputs {
            arn: Self::arn(ctx, igw.owner_id().unwrap_or_default(), id),
            tags_all,
        };
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &InternetGatewayInputs,
        old_outputs: &InternetGatewayOutputs,
        new: &InternetGatewayInputs,
    ) -> Result<InternetGatewayOutputs, ResourceError> {
        if old.vpc_id != new.vpc_id {
            // Reconcile against the live attachment rather than the recorded one, in case it drifted.
            let live = Self::describe(ctx, id).await?.ok_or_else(|| {
                ResourceError::Conflict(format!(
                    "internet gateway {id} no longer exists; run `pulumi refresh`"
                ))
            })?;
            Self::reconcile_attachment(
                ctx,
                id,
                Self::attached_vpc(&live).as_deref(),
                new.vpc_id.as_deref(),
            )
            .await?;
        }
        let tags = all_tags(
            ctx,
            new.name.as_deref().unwrap_or_default(),
            new.tags.as_ref(),
        );
        tags::sync::<Ec2Tags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        Ok(InternetGatewayOutputs {
            tags_all: tags,
            ..old_outputs.clone()
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &InternetGatewayInputs,
        _: &InternetGatewayOutputs,
    ) -> Result<(), ResourceError> {
        let Some(igw) = Self::describe(ctx, id).await? else {
            return Ok(());
        };
        for vpc in igw.attachments().iter().filter_map(|a| a.vpc_id()) {
            Self::detach(ctx, id, vpc).await?;
        }
        delete_retrying_plain(ctx, &format!("internet gateway {id}"), || async {
            ctx.aws
                .ec2
                .delete_internet_gateway()
                .internet_gateway_id(id)
                .send()
                .await
                .map_err(|e| aws_error("ec2:DeleteInternetGateway", e))?;
            Ok(())
        })
        .await
    }
}
