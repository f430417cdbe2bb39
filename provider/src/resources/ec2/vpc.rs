//! `orderapi:ec2:Vpc` — a VPC with DNS support and hostnames.
//!
//! VPC names are only tags: a create looks for this resource's VPC by identity (see the `ec2` module docs), sends
//! CreateVpc with the SDK's retry off inside `create_once`, and a delete that something outside the stack blocks
//! fails naming it ([`super::vpc_blockers`]).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType, Tenancy, VpcAttributeName};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Ec2Tags, all_tags, check_cidr, check_name, check_tags, filter, identity_filter, name_clash,
    name_filter, split_tags, tag_map, tag_spec, vpc_blockers,
};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{conflict, create_once, delete_retrying};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::tags;

/// Inputs of a VPC.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VpcInputs {
    /// Physical name, set as the `Name` tag (defaults to the resource name plus a random suffix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The IPv4 CIDR block, between /16 and /28 (AWS's limits).
    pub cidr_block: String,
    /// Whether the Amazon DNS server resolves names in the VPC (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_dns_support: Option<bool>,
    /// Whether instances get public DNS hostnames (default true; needs DNS support).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_dns_hostnames: Option<bool>,
    /// `default` or `dedicated` instance tenancy (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_tenancy: Option<String>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a VPC.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VpcOutputs {
    /// The VPC's ARN.
    pub arn: String,
    /// The security group AWS created with the VPC.
    pub default_security_group_id: String,
    /// The route table AWS created with the VPC (subnets without an explicit association use it).
    pub main_route_table_id: String,
    /// Every tag on the VPC, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct Vpc;

impl Vpc {
    async fn set_dns(
        ctx: &Context,
        id: &str,
        inputs: &VpcInputs,
        old: Option<&VpcInputs>,
    ) -> Result<(), ResourceError> {
        let support = inputs.enable_dns_support.unwrap_or(true);
        let hostnames = inputs.enable_dns_hostnames.unwrap_or(true);
        let old_support = old.map(|o| o.enable_dns_support.unwrap_or(true));
        let old_hostnames = old.map(|o| o.enable_dns_hostnames.unwrap_or(true));
        // Order matters: hostnames need support, so turn support on first and off last.
        if old_support != Some(support) && support {
            Self::modify(ctx, id, Some(support), None).await?;
        }
        if old_hostnames != Some(hostnames) {
            Self::modify(ctx, id, None, Some(hostnames)).await?;
        }
        if old_support != Some(support) && !support {
            Self::modify(ctx, id, Some(support), None).await?;
        }
        Ok(())
    }

    async fn modify(
        ctx: &Context,
        id: &str,
        support: Option<bool>,
        hostnames: Option<bool>,
    ) -> Result<(), ResourceError> {
        let value = |b: Option<bool>| b.map(|b| AttributeBooleanValue::builder().value(b).build());
        ctx.aws
            .ec2
            .modify_vpc_attribute()
            .vpc_id(id)
            .set_enable_dns_support(value(support))
            .set_enable_dns_hostnames(value(hostnames))
            .send()
            .await
            .map_err(|e| aws_error("ec2:ModifyVpcAttribute", e))?;
        Ok(())
    }

    async fn attribute(
        ctx: &Context,
        id: &str,
        name: VpcAttributeName,
    ) -> Result<bool, ResourceError> {
        let out = ctx
            .aws
            .ec2
            .describe_vpc_attribute()
            .vpc_id(id)
            .attribute(name.clone())
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeVpcAttribute", e))?;
        let v = match name {
            VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames(),
            _ => out.enable_dns_support(),
        };
        Ok(v.and_then(|v| v.value()).unwrap_or(false))
    }

    /// Outputs that come from other describe calls: ARN, default security group, main route table.
    async fn outputs(
        ctx: &Context,
        id: &str,
        owner: &str,
        tags_all: BTreeMap<String, String>,
    ) -> Result<VpcOutputs, ResourceError> {
        let sgs = ctx
            .aws
            .ec2
            .describe_security_groups()
            .filters(filter("vpc-id", id))
            .filters(filter("group-name", "default"))
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeSecurityGroups", e))?;
        let rts = ctx
            .aws
            .ec2
            .describe_route_tables()
            .filters(filter("vpc-id", id))
            .filters(filter("association.main", "true"))
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeRouteTables", e))?;
        Ok(VpcOutputs {
            arn: ctx.aws.arn("ec2", owner, &format!("vpc/{id}")),
            default_security_group_id: sgs
                .security_groups()
                .first()
                .and_then(|g| g.group_id())
                .unwrap_or_default()
                .to_string(),
            main_route_table_id: rts
                .route_tables()
                .first()
                .and_then(|r| r.route_table_id())
                .unwrap_or_default()
                .to_string(),
            tags_all,
        })
    }

    /// The VPC to adopt: one made for this resource (its identity) that the engine does not record, with the
    /// declared CIDR block and tenancy (the properties that would otherwise replace it). One the engine records
    /// (the VPC a replacement replaces) is left alone: a new VPC is created beside it. A leftover of this
    /// resource with other replace-forcing properties is not adopted either, and is reported so it can be
    /// deleted. A same-named VPC that is not this resource's is a conflict.
    async fn find_existing(
        ctx: &Context,
        name: &str,
        inputs: &VpcInputs,
    ) -> Result<Option<String>, ResourceError> {
        let describe = |by: Filter| async move {
            ctx.aws
                .ec2
                .describe_vpcs()
                .filters(by)
                .send()
                .await
                .map_err(|e| aws_error("ec2:DescribeVpcs", e))
        };
        let tenancy = inputs.instance_tenancy.as_deref().unwrap_or("default");
        let ours = describe(identity_filter(ctx)).await?;
        for vpc in ours.vpcs() {
            let id = vpc.vpc_id().unwrap_or_default();
            if !ctx.is_orphan(id, &tag_map(vpc.tags())) {
                continue;
            }
            if vpc.cidr_block() == Some(inputs.cidr_block.as_str())
                && vpc.instance_tenancy().map(|t| t.as_str()) == Some(tenancy)
            {
                ctx.adopting("VPC", id);
                return Ok(Some(id.to_string()));
            }
            ctx.warn(format!(
                "VPC {id} ({}) was left by an earlier, interrupted create of this resource with other inputs; it is \
                 not adopted: delete it (aws ec2 delete-vpc --vpc-id {id})",
                vpc.cidr_block().unwrap_or_default()
            ));
        }
        let named = describe(name_filter(name)).await?;
        for vpc in named.vpcs() {
            let id = vpc.vpc_id().unwrap_or_default();
            if let Some(found) = name_clash(ctx, id, &tag_map(vpc.tags())) {
                return Err(conflict(&format!("a VPC named '{name}' ({id})"), &found));
            }
        }
        Ok(None)
    }
}

impl CustomResource for Vpc {
    const TOKEN: &'static str = "orderapi:ec2:Vpc";
    const DESCRIPTION: &'static str =
        "An Amazon VPC with DNS support and hostnames, tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["cidrBlock", "instanceTenancy"];
    type Inputs = VpcInputs;
    type Outputs = VpcOutputs;

    fn check(ctx: &CheckContext, mut inputs: VpcInputs) -> Result<VpcInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_name(ctx, &mut inputs.name, &mut f);
        check_cidr("cidrBlock", &inputs.cidr_block, 16, 28, &mut f);
        check_tags(inputs.tags.as_ref(), &mut f);
        let tenancy = inputs
            .instance_tenancy
            .get_or_insert_with(|| "default".to_string());
        f.require(
            matches!(tenancy.as_str(), "default" | "dedicated"),
            "instanceTenancy",
            "must be `default` or `dedicated`",
        );
        let support = *inputs.enable_dns_support.get_or_insert(true);
        let hostnames = *inputs.enable_dns_hostnames.get_or_insert(true);
        f.require(
            support || !hostnames,
            "enableDnsHostnames",
            "needs enableDnsSupport (AWS rejects hostnames without DNS support)",
        );
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &VpcInputs,
    ) -> Result<(String, VpcOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = all_tags(ctx, &name, inputs.tags.as_ref());
        // VPCs are not unique: an attempt is never repeated without looking for the last one's VPC.
        let id = create_once(
            ctx,
            &format!("VPC {name}"),
            || Self::find_existing(ctx, &name, inputs),
            || async {
                let out = ctx
                    .aws
                    .ec2
                    .create_vpc()
                    .cidr_block(&inputs.cidr_block)
                    .instance_tenancy(Tenancy::from(
                        inputs.instance_tenancy.as_deref().unwrap_or("default"),
                    ))
                    .tag_specifications(tag_spec(ResourceType::Vpc, &tags))
                    .customize()
                    .config_override(no_retry!(aws_sdk_ec2))
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:CreateVpc", e))?;
                out.vpc()
                    .and_then(|v| v.vpc_id())
                    .map(str::to_string)
                    .ok_or_else(|| {
                        ResourceError::Internal("ec2:CreateVpc returned no VPC id".into())
                    })
            },
        )
        .await?
        .into_inner();
        let partial = VpcOutputs {
            tags_all: tags.clone(),
            ..Default::default()
        };
        let owner = ctx
            .wait_for(&format!("VPC {name} to be available"), || async {
                let out = ctx
                    .aws
                    .ec2
                    .describe_vpcs()
                    .vpc_ids(&id)
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:DescribeVpcs", e))?;
                Ok(match out.vpcs().first() {
                    Some(v) if v.state().is_some_and(|s| s.as_str() == "available") => {
                        Poll::Ready(v.owner_id().unwrap_or_default().to_string())
                    }
                    Some(v) => Poll::Pending(
                        v.state()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                    ),
                    None => Poll::Pending("not visible yet".into()),
                })
            })
            .await
            .map_err(|e| e.partial(&id, &partial))?;
        Self::set_dns(ctx, &id, inputs, None)
            .await
            .map_err(|e| e.partial(&id, &partial))?;
        // An adopted VPC may carry stale tags (and DNS settings, set above): bring them in line.
        let live = ctx
            .aws
            .ec2
            .describe_vpcs()
            .vpc_ids(&id)
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeVpcs", e).partial(&id, &partial))?;
        let live_tags = tag_map(live.vpcs().first().map(|v| v.tags()).unwrap_or_default());
        tags::sync::<Ec2Tags>(&ctx.aws, &id, &live_tags, &tags)
            .await
            .map_err(|e| e.partial(&id, &partial))?;
        let outputs = Self::outputs(ctx, &id, &owner, tags)
            .await
            .map_err(|e| e.partial(&id, &partial))?;
        Ok((id, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&VpcInputs>,
    ) -> Result<Option<(VpcInputs, VpcOutputs)>, ResourceError> {
        let out = match ctx
            .aws
            .ec2
            .describe_vpcs()
            .vpc_ids(id)
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeVpcs", e))
        {
            Ok(out) => out,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(vpc) = out.vpcs().first() else {
            return Ok(None);
        };
        let (name, tags, tags_all) =
            split_tags(&ctx.aws, vpc.tags(), prior.and_then(|p| p.tags.as_ref()));
        let inputs = VpcInputs {
            name,
            cidr_block: vpc.cidr_block().unwrap_or_default().to_string(),
            enable_dns_support: Some(
                Self::attribute(ctx, id, VpcAttributeName::EnableDnsSupport).await?,
            ),
            enable_dns_hostnames: Some(
                Self::attribute(ctx, id, VpcAttributeName::EnableDnsHostnames).await?,
            ),
            instance_tenancy: vpc.instance_tenancy().map(|t| t.as_str().to_string()),
            tags,
        };
        let outputs = Self::outputs(ctx, id, vpc.owner_id().unwrap_or_default(), tags_all).await?;
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &VpcInputs,
        old_outputs: &VpcOutputs,
        new: &VpcInputs,
    ) -> Result<VpcOutputs, ResourceError> {
        Self::set_dns(ctx, id, new, Some(old)).await?;
        let tags = all_tags(
            ctx,
            new.name.as_deref().unwrap_or_default(),
            new.tags.as_ref(),
        );
        tags::sync::<Ec2Tags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        Ok(VpcOutputs {
            tags_all: tags,
            ..old_outputs.clone()
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &VpcInputs,
        _: &VpcOutputs,
    ) -> Result<(), ResourceError> {
        // Refused while something still lives in the VPC: retried while that goes away by itself (or for a short
        // grace), then reported by name.
        delete_retrying(
            ctx,
            &format!("VPC {id}"),
            || async {
                ctx.aws
                    .ec2
                    .delete_vpc()
                    .vpc_id(id)
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:DeleteVpc", e))?;
                Ok(())
            },
            Some(|| vpc_blockers(ctx, id)),
        )
        .await
    }
}
