//! `orderapi:ec2:Subnet` — an IPv4 subnet of a VPC in one availability zone.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Found, adopting, all_tags, check_cidr, check_name, check_tags, delete_with_retry,
    finish_create, found, name_conflict, name_filter, pending_tags, split_tags, sync_tags,
    tag_spec,
};
use crate::error::{ResourceError, aws_error};
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};

/// Inputs of a subnet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubnetInputs {
    /// Physical name, set as the `Name` tag (defaults to the resource name plus a random suffix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The VPC the subnet belongs to (`vpc-…`). Changing it replaces the subnet.
    pub vpc_id: String,
    /// The IPv4 CIDR block, inside the VPC's block and between /16 and /28 (AWS's limits). Changing it replaces
    /// the subnet.
    pub cidr_block: String,
    /// The availability zone name, e.g. `us-east-1a` (not the zone ID). When unset AWS picks one. Changing it
    /// replaces the subnet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// Whether instances launched in the subnet get a public IPv4 address (default false). Note that AWS bills
    /// public IPv4 addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_public_ip_on_launch: Option<bool>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a subnet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubnetOutputs {
    /// The subnet's ARN.
    pub arn: String,
    /// The ID of the subnet's availability zone (e.g. `use1-az1`), the same physical zone in every account.
    pub availability_zone_id: String,
    /// Every tag on the subnet, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct Subnet;

/// What one DescribeSubnets answer says about a subnet.
struct Live {
    inputs: SubnetInputs,
    outputs: SubnetOutputs,
    state: String,
}

impl Subnet {
    /// The live subnet `id`, or `None` when AWS no longer knows it.
    async fn describe(
        ctx: &Context,
        id: &str,
        prior: Option<&SubnetInputs>,
    ) -> Result<Option<Live>, ResourceError> {
        let out = match ctx.aws.ec2.describe_subnets().subnet_ids(id).send().await {
            Ok(out) => out,
            Err(e) => {
                let e = aws_error("ec2:DescribeSubnets", e);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        let Some(s) = out.subnets().first() else {
            return Ok(None);
        };
        let (name, tags, tags_all) =
            split_tags(&ctx.aws, s.tags(), prior.and_then(|p| p.tags.as_ref()));
        // A program that let AWS pick the zone keeps `availabilityZone` unset (no diff); an import shows the zone.
        let availability_zone = match prior {
            Some(p) if p.availability_zone.is_none() => None,
            _ => s.availability_zone().map(str::to_string),
        };
        let owner = s.owner_id().unwrap_or_default();
        let arn = s
            .subnet_arn()
            .map(str::to_string)
            .unwrap_or_else(|| format!("arn:aws:ec2:{}:{owner}:subnet/{id}", ctx.aws.region));
        Ok(Some(Live {
            inputs: SubnetInputs {
                name,
                vpc_id: s.vpc_id().unwrap_or_default().to_string(),
                cidr_block: s.cidr_block().unwrap_or_default().to_string(),
                availability_zone,
                map_public_ip_on_launch: Some(s.map_public_ip_on_launch().unwrap_or(false)),
                tags,
            },
            outputs: SubnetOutputs {
                arn,
                availability_zone_id: s.availability_zone_id().unwrap_or_default().to_string(),
                tags_all,
            },
            state: s
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
        }))
    }

    async fn set_map_public_ip(ctx: &Context, id: &str, value: bool) -> Result<(), ResourceError> {
        ctx.aws
            .ec2
            .modify_subnet_attribute()
            .subnet_id(id)
            .map_public_ip_on_launch(AttributeBooleanValue::builder().value(value).build())
            .send()
            .await
            .map_err(|e| aws_error("ec2:ModifySubnetAttribute", e))?;
        Ok(())
    }

    /// An existing subnet with our name to adopt: the leftover of a create that never finished (ownership tag and
    /// create-pending marker) with the same VPC, CIDR block and (when declared) zone, i.e. every property that would
    /// otherwise force a replacement. A finished one of ours is recorded in some state and is left alone (a new
    /// subnet with an overlapping block is then AWS's to refuse: replacements delete the old subnet first). A
    /// same-named subnet we do not own is a conflict.
    async fn find_existing(
        ctx: &Context,
        name: &str,
        inputs: &SubnetInputs,
    ) -> Result<Option<String>, ResourceError> {
        let out = ctx
            .aws
            .ec2
            .describe_subnets()
            .filters(name_filter(name))
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeSubnets", e))?;
        for s in out.subnets() {
            let id = s.subnet_id().unwrap_or_default();
            match found(s.tags()) {
                Found::Stranger => return Err(name_conflict("subnet", name, id)),
                Found::Recorded => continue,
                Found::Unfinished => {}
            }
            let same_zone = inputs
                .availability_zone
                .as_deref()
                .is_none_or(|z| s.availability_zone() == Some(z));
            if s.vpc_id() == Some(inputs.vpc_id.as_str())
                && s.cidr_block() == Some(inputs.cidr_block.as_str())
                && same_zone
            {
                return Ok(Some(id.to_string()));
            }
        }
        Ok(None)
    }
}

/// Whether `zone` looks like an availability zone *name* (`us-east-1a`, `us-west-2-lax-1a`), not a zone ID.
fn is_zone_name(zone: &str) -> bool {
    let parts: Vec<&str> = zone.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && zone.ends_with(|c: char| c.is_ascii_lowercase())
        && zone.starts_with(|c: char| c.is_ascii_lowercase())
}

impl CustomResource for Subnet {
    const TOKEN: &'static str = "orderapi:ec2:Subnet";
    const DESCRIPTION: &'static str =
        "An IPv4 subnet of a VPC in one availability zone, tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["vpcId", "cidrBlock", "availabilityZone"];
    /// Subnet CIDR blocks may not overlap inside a VPC, so a replacement with the same (or an overlapping) block,
    /// e.g. one that only moves zones, can only be created once the old subnet is gone.
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = SubnetInputs;
    type Outputs = SubnetOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: SubnetInputs,
    ) -> Result<SubnetInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_name(ctx, &mut inputs.name, &mut f);
        f.require(
            inputs.vpc_id.starts_with("vpc-"),
            "vpcId",
            format!("'{}' is not a VPC ID such as vpc-0abc…", inputs.vpc_id),
        );
        check_cidr("cidrBlock", &inputs.cidr_block, 16, 28, &mut f);
        if let Some(zone) = &inputs.availability_zone {
            f.require(
                is_zone_name(zone),
                "availabilityZone",
                format!("'{zone}' is not an availability zone name such as us-east-1a (zone IDs like use1-az1 are not accepted)"),
            );
        }
        inputs.map_public_ip_on_launch.get_or_insert(false);
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &SubnetInputs,
    ) -> Result<(String, SubnetOutputs), ResourceError> {
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
                    .create_subnet()
                    .vpc_id(&inputs.vpc_id)
                    .cidr_block(&inputs.cidr_block)
                    .set_availability_zone(inputs.availability_zone.clone())
                    .tag_specifications(tag_spec(ResourceType::Subnet, &create_tags))
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:CreateSubnet", e))?;
                out.subnet()
                    .and_then(|s| s.subnet_id())
                    .unwrap_or_default()
                    .to_string()
            }
        };
        // Until the last step the subnet holds the create-pending marker: a partial create records it in tagsAll,
        // so the next update removes it.
        let partial = SubnetOutputs {
            tags_all: create_tags.clone(),
            ..Default::default()
        };
        let live = ctx
            .wait_for(&format!("subnet {name} to be available"), || async {
                Ok(match Self::describe(ctx, &id, Some(inputs)).await? {
                    Some(live) if live.state == "available" => Poll::Ready(live),
                    Some(live) => Poll::Pending(live.state),
                    None => Poll::Pending("not visible yet".into()),
                })
            })
            .await
            .map_err(|e| e.partial(&id, &partial))?;
        // AWS (and an adopted orphan) may disagree with the declared setting: the first subnet of a zone in a
        // default VPC maps public IPs, for instance.
        let wanted = inputs.map_public_ip_on_launch.unwrap_or(false);
        if live.inputs.map_public_ip_on_launch != Some(wanted) {
            Self::set_map_public_ip(ctx, &id, wanted)
                .await
                .map_err(|e| e.partial(&id, &partial))?;
        }
        // An adopted subnet may carry stale tags: bring them in line. The live tagsAll hides the marker, and the
        // desired tags never hold it, so it stays until the end.
        sync_tags(&ctx.aws, &id, &live.outputs.tags_all, &tags)
            .await
            .map_err(|e| e.partial(&id, &partial))?;
        let outputs = SubnetOutputs {
            tags_all: create_tags,
            ..live.outputs
        };
        finish_create(ctx, &id)
            .await
            .map_err(|e| e.partial(&id, &outputs))?;
        Ok((
            id,
            SubnetOutputs {
                tags_all: tags,
                ..outputs
            },
        ))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&SubnetInputs>,
    ) -> Result<Option<(SubnetInputs, SubnetOutputs)>, ResourceError> {
        Ok(Self::describe(ctx, id, prior)
            .await?
            .map(|live| (live.inputs, live.outputs)))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &SubnetInputs,
        old_outputs: &SubnetOutputs,
        new: &SubnetInputs,
    ) -> Result<SubnetOutputs, ResourceError> {
        let wanted = new.map_public_ip_on_launch.unwrap_or(false);
        if old.map_public_ip_on_launch.unwrap_or(false) != wanted {
            Self::set_map_public_ip(ctx, id, wanted).await?;
        }
        let tags = all_tags(
            &ctx.aws,
            new.name.as_deref().unwrap_or_default(),
            new.tags.as_ref(),
        );
        sync_tags(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        Ok(SubnetOutputs {
            tags_all: tags,
            ..old_outputs.clone()
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &SubnetInputs,
        _: &SubnetOutputs,
    ) -> Result<(), ResourceError> {
        // DependencyViolation while network interfaces (NAT gateways, load balancers, tasks) are still being
        // removed from the subnet: retried until they are gone or the timeout passes.
        delete_with_retry(ctx, &format!("subnet {id}"), || async {
            ctx.aws
                .ec2
                .delete_subnet()
                .subnet_id(id)
                .send()
                .await
                .map_err(|e| aws_error("ec2:DeleteSubnet", e))?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::is_zone_name;

    #[test]
    fn zone_names_not_ids() {
        assert!(is_zone_name("us-east-1a"));
        assert!(is_zone_name("us-west-2-lax-1a"));
        assert!(!is_zone_name("use1-az1"));
        assert!(!is_zone_name("us-east-1"));
        assert!(!is_zone_name("US-EAST-1A"));
    }
}
