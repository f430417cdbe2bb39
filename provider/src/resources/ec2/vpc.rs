//! `orderapi:ec2:Vpc` — a VPC with DNS support and hostnames.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Tenancy, VpcAttributeName};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Found, adopting, all_tags, check_cidr, check_name, check_tags, delete_with_retry, filter,
    finish_create, found, name_conflict, name_filter, pending_tags, split_tags, sync_tags,
    tag_spec,
};
use crate::error::{ResourceError, aws_error};
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};

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
            arn: format!("arn:aws:ec2:{}:{owner}:vpc/{id}", ctx.aws.region),
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

    /// An existing VPC with our name to adopt: the leftover of a create that never finished (ownership tag and
    /// create-pending marker) with the same CIDR block and tenancy. A finished one of ours is recorded in some state
    /// (e.g. the VPC this one replaces) and is left alone: VPC names are only tags, so a new VPC is created beside
    /// it. A same-named VPC we do not own is a conflict.
    async fn find_existing(
        ctx: &Context,
        name: &str,
        inputs: &VpcInputs,
    ) -> Result<Option<String>, ResourceError> {
        let out = ctx
            .aws
            .ec2
            .describe_vpcs()
            .filters(name_filter(name))
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeVpcs", e))?;
        let tenancy = inputs.instance_tenancy.as_deref().unwrap_or("default");
        for vpc in out.vpcs() {
            let id = vpc.vpc_id().unwrap_or_default();
            match found(vpc.tags()) {
                Found::Stranger => return Err(name_conflict("VPC", name, id)),
                Found::Recorded => {}
                Found::Unfinished => {
                    if vpc.cidr_block() == Some(inputs.cidr_block.as_str())
                        && vpc.instance_tenancy().map(|t| t.as_str()) == Some(tenancy)
                    {
                        return Ok(Some(id.to_string()));
                    }
                }
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
        let tags = all_tags(&ctx.aws, &name, inputs.tags.as_ref());
        let create_tags = pending_tags(&tags);
        let id = match Self::find_existing(ctx, &name, inputs).await? {
            Some(id) => {
                adopting(ctx, &id, &name);
                id
            }
            None => {
                let out = ctx
                    .aws
                    .ec2
                    .create_vpc()
                    .cidr_block(&inputs.cidr_block)
                    .instance_tenancy(Tenancy::from(
                        inputs.instance_tenancy.as_deref().unwrap_or("default"),
                    ))
                    .tag_specifications(tag_spec(ResourceType::Vpc, &create_tags))
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:CreateVpc", e))?;
                out.vpc()
                    .and_then(|v| v.vpc_id())
                    .unwrap_or_default()
                    .to_string()
            }
        };
        // Until the last step the VPC holds the create-pending marker: a partial create records it in tagsAll, so
        // the next update removes it.
        let partial = VpcOutputs {
            tags_all: create_tags.clone(),
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
        // An adopted VPC may carry stale tags: bring them in line (the marker stays until the end).
        let live = ctx
            .aws
            .ec2
            .describe_vpcs()
            .vpc_ids(&id)
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeVpcs", e).partial(&id, &partial))?;
        let live_tags = super::tag_map(live.vpcs().first().map(|v| v.tags()).unwrap_or_default());
        sync_tags(&ctx.aws, &id, &live_tags, &create_tags)
            .await
            .map_err(|e| e.partial(&id, &partial))?;
        let outputs = Self::outputs(ctx, &id, &owner, create_tags)
            .await
            .map_err(|e| e.partial(&id, &partial))?;
        finish_create(ctx, &id)
            .await
            .map_err(|e| e.partial(&id, &outputs))?;
        Ok((
            id,
            VpcOutputs {
                tags_all: tags,
                ..outputs
            },
        ))
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
            &ctx.aws,
            new.name.as_deref().unwrap_or_default(),
            new.tags.as_ref(),
        );
        sync_tags(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
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
        delete_with_retry(ctx, &format!("VPC {id}"), || async {
            ctx.aws
                .ec2
                .delete_vpc()
                .vpc_id(id)
                .send()
                .await
                .map_err(|e| aws_error("ec2:DeleteVpc", e))?;
            Ok(())
        })
        .await
    }
}
