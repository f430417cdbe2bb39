//! `orderapi:ec2:Subnet` — an IPv4 subnet of a VPC in one availability zone.
//!
//! Subnet names are only tags, but AWS keeps the blocks of a VPC's subnets from overlapping: a create looks at
//! the VPC's subnets first, adopts this resource's unrecorded subnet with the declared block (see the `ec2`
//! module docs) and reports any other subnet whose block overlaps by name; CreateSubnet goes out with the SDK's
//! retry off inside `create_once` (a lost answer's retry is refused with `InvalidSubnet.Conflict` and then
//! found). A delete that network interfaces outside the stack block fails naming them
//! ([`super::subnet_blockers`]).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Subnet as AwsSubnet};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Ec2Tags, all_tags, check_cidr, check_name, check_tags, filter, name_clash, name_filter,
    split_tags, subnet_blockers, tag_map, tag_spec,
};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, delete_retrying};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::tags;

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
            .unwrap_or_else(|| ctx.aws.arn("ec2", owner, &format!("subnet/{id}")));
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

    /// The subnet to adopt: one made for this resource (its identity) that the engine does not record, in the
    /// declared VPC with the declared block and (when declared) zone, i.e. every property that would otherwise
    /// replace it. Any other subnet of the VPC whose block overlaps the declared one is a conflict naming it
    /// (AWS would refuse the create), including the one a replacement replaces (subnets delete before replacing).
    /// A same-named subnet elsewhere that is not this resource's is a conflict too.
    async fn find_existing(
        ctx: &Context,
        name: &str,
        inputs: &SubnetInputs,
    ) -> Result<Option<String>, ResourceError> {
        let in_vpc = ctx
            .aws
            .ec2
            .describe_subnets()
            .filters(filter("vpc-id", &inputs.vpc_id))
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeSubnets", e))?;
        let declared = inputs.cidr_block.parse::<ipnet::Ipv4Net>().ok();
        for s in in_vpc.subnets() {
            let id = s.subnet_id().unwrap_or_default();
            let found = ctx.found(id, &tag_map(s.tags()));
            let live = s
                .cidr_block()
                .and_then(|c| c.parse::<ipnet::Ipv4Net>().ok());
            let overlaps = match (live, declared) {
                (Some(a), Some(b)) => a.contains(&b.network()) || b.contains(&a.network()),
                _ => false,
            };
            let same_zone = inputs
                .availability_zone
                .as_deref()
                .is_none_or(|z| s.availability_zone() == Some(z));
            if found == Found::Orphan
                && s.cidr_block() == Some(inputs.cidr_block.as_str())
                && same_zone
            {
                ctx.adopting("subnet", id);
                return Ok(Some(id.to_string()));
            }
            if overlaps {
                return Err(Self::overlap(inputs, s, &found));
            }
            if found == Found::Orphan {
                ctx.warn(format!(
                    "subnet {id} ({}) was left by an earlier, interrupted create of this resource with other inputs; \
                     it is not adopted: delete it (aws ec2 delete-subnet --subnet-id {id})",
                    s.cidr_block().unwrap_or_default()
                ));
            }
        }
        let named = ctx
            .aws
            .ec2
            .describe_subnets()
            .filters(name_filter(name))
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeSubnets", e))?;
        for s in named.subnets() {
            let id = s.subnet_id().unwrap_or_default();
            if let Some(found) = name_clash(ctx, id, &tag_map(s.tags())) {
                return Err(conflict(&format!("a subnet named '{name}' ({id})"), &found));
            }
        }
        Ok(None)
    }

    /// The conflict of a subnet whose block overlaps the declared one.
    fn overlap(inputs: &SubnetInputs, s: &AwsSubnet, found: &Found) -> ResourceError {
        let id = s.subnet_id().unwrap_or_default();
        let whose = match found {
            Found::Stranger => "it was not created by pulumi-orderapi".to_string(),
            Found::Other { .. } => {
                "it belongs to another Pulumi resource (another stack or resource name)".to_string()
            }
            Found::Recorded => {
                "it is the subnet this resource replaces; a subnet replacement deletes the old subnet first, so \
                 do not override deleteBeforeReplace"
                    .to_string()
            }
            Found::Orphan => format!(
                "it was left by an earlier, interrupted create of this resource in zone {}",
                s.availability_zone().unwrap_or_default()
            ),
        };
        ResourceError::Conflict(format!(
            "subnet {id} ({}) in {} overlaps cidrBlock {}, and {whose}; AWS keeps the blocks of a VPC's subnets \
             from overlapping: choose another cidrBlock, or delete that subnet",
            s.cidr_block().unwrap_or_default(),
            inputs.vpc_id,
            inputs.cidr_block
        ))
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
        let tags = all_tags(ctx, &name, inputs.tags.as_ref());
        // Subnets are found by block, not name: an attempt is never repeated without looking for the last one's.
        let id = create_once(
            ctx,
            &format!("subnet {name}"),
            || Self::find_existing(ctx, &name, inputs),
            || async {
                let out = ctx
                    .aws
                    .ec2
                    .create_subnet()
                    .vpc_id(&inputs.vpc_id)
                    .cidr_block(&inputs.cidr_block)
                    .set_availability_zone(inputs.availability_zone.clone())
                    .tag_specifications(tag_spec(ResourceType::Subnet, &tags))
                    .customize()
                    .config_override(no_retry!(aws_sdk_ec2))
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:CreateSubnet", e))?;
                out.subnet()
                    .and_then(|s| s.subnet_id())
                    .map(str::to_string)
                    .ok_or_else(|| {
                        ResourceError::Internal("ec2:CreateSubnet returned no subnet id".into())
                    })
            },
        )
        .await?
        .into_inner();
        let partial = SubnetOutputs {
            tags_all: tags.clone(),
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
        // An adopted subnet may carry stale tags: bring them in line.
        tags::sync::<Ec2Tags>(&ctx.aws, &id, &live.outputs.tags_all, &tags)
            .await
            .map_err(|e| e.partial(&id, &partial))?;
        Ok((
            id,
            SubnetOutputs {
                tags_all: tags,
                ..live.outputs
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
            ctx,
            new.name.as_deref().unwrap_or_default(),
            new.tags.as_ref(),
        );
        tags::sync::<Ec2Tags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
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
        // DependencyViolation while network interfaces are in the subnet: retried while they go away by themselves
        // (NAT gateways, load balancers and tasks being deleted), otherwise reported by name.
        delete_retrying(
            ctx,
            &format!("subnet {id}"),
            || async {
                ctx.aws
                    .ec2
                    .delete_subnet()
                    .subnet_id(id)
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:DeleteSubnet", e))?;
                Ok(())
            },
            Some(|| subnet_blockers(ctx, id)),
        )
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
