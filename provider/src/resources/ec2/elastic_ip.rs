//! `orderapi:ec2:ElasticIp` — an Elastic IP address for use in a VPC (e.g. by a NAT gateway).
//!
//! Address names are only tags: a create looks for this resource's address by identity (see the `ec2` module
//! docs) and sends AllocateAddress with the SDK's retry off inside `create_once`, so a lost answer never
//! allocates (and bills) a second address.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Address, DomainType, Filter, ResourceType};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Ec2Tags, all_tags, check_name, check_tags, filter, identity_filter, name_clash, name_filter,
    split_tags, tag_map, tag_spec,
};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{conflict, create_once, delete_retrying_plain};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures};
use crate::resources::tags;

/// Inputs of an Elastic IP address.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ElasticIpInputs {
    /// Physical name, set as the `Name` tag (defaults to the resource name plus a random suffix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of an Elastic IP address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ElasticIpOutputs {
    /// The allocation ID (`eipalloc-…`), which is also the resource's ID; NAT gateways take it as `allocationId`.
    pub allocation_id: String,
    /// The public IPv4 address.
    pub public_ip: String,
    /// The address's ARN (`arn:aws:ec2:<region>:<account>:elastic-ip/<allocation-id>`).
    pub arn: String,
    /// Every tag on the address, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct ElasticIp;

impl ElasticIp {
    /// The account that owns addresses made with these credentials. EC2 does not say who owns an Elastic IP
    /// (`DescribeAddresses` has no owner field, and `NetworkInterfaceOwnerId` names the owner of whatever the
    /// address is associated with), and the provider has no STS client; the account's default VPC, though, always
    /// belongs to the calling account (default VPCs cannot be shared), so its `OwnerId` is the caller's account.
    /// Without a default VPC the ARN is built with an empty account field (`arn:aws:ec2:<region>::elastic-ip/…`)
    /// rather than a guessed one.
    async fn account_id(ctx: &Context) -> Result<String, ResourceError> {
        let out = ctx
            .aws
            .ec2
            .describe_vpcs()
            .filters(filter("is-default", "true"))
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeVpcs", e))?;
        Ok(out
            .vpcs()
            .first()
            .and_then(|v| v.owner_id())
            .unwrap_or_default()
            .to_string())
    }

    fn outputs(
        ctx: &Context,
        account: &str,
        address: &Address,
        tags_all: BTreeMap<String, String>,
    ) -> ElasticIpOutputs {
        let id = address.allocation_id().unwrap_or_default();
        ElasticIpOutputs {
            allocation_id: id.to_string(),
            public_ip: address.public_ip().unwrap_or_default().to_string(),
            arn: ctx.aws.arn("ec2", account, &format!("elastic-ip/{id}")),
            tags_all,
        }
    }

    /// The live address `id`, or `None` when AWS no longer knows it.
    async fn describe(ctx: &Context, id: &str) -> Result<Option<Address>, ResourceError> {
        match ctx
            .aws
            .ec2
            .describe_addresses()
            .allocation_ids(id)
            .send()
            .await
        {
            Ok(out) => Ok(out.addresses().first().cloned()),
            Err(e) => {
                let e = aws_error("ec2:DescribeAddresses", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    /// The address to adopt: one allocated for this resource (its identity) that the engine does not record. One
    /// the engine records (the address a replacement replaces) is left alone: a new address is allocated beside
    /// it. A same-named address that is not this resource's is a conflict.
    async fn find_existing(ctx: &Context, name: &str) -> Result<Option<Address>, ResourceError> {
        let describe = |by: Filter| async move {
            ctx.aws
                .ec2
                .describe_addresses()
                .filters(by)
                .filters(filter("domain", "vpc"))
                .send()
                .await
                .map_err(|e| aws_error("ec2:DescribeAddresses", e))
        };
        let ours = describe(identity_filter(ctx)).await?;
        for address in ours.addresses() {
            let id = address.allocation_id().unwrap_or_default();
            if ctx.is_orphan(id, &tag_map(address.tags())) {
                ctx.adopting("Elastic IP", id);
                return Ok(Some(address.clone()));
            }
        }
        let named = describe(name_filter(name)).await?;
        for address in named.addresses() {
            let id = address.allocation_id().unwrap_or_default();
            if let Some(found) = name_clash(ctx, id, &tag_map(address.tags())) {
                return Err(conflict(
                    &format!("an Elastic IP named '{name}' ({id})"),
                    &found,
                ));
            }
        }
        Ok(None)
    }
}

impl CustomResource for ElasticIp {
    const TOKEN: &'static str = "orderapi:ec2:ElasticIp";
    const DESCRIPTION: &'static str =
        "An Elastic IP address for use in a VPC, tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &[];
    type Inputs = ElasticIpInputs;
    type Outputs = ElasticIpOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: ElasticIpInputs,
    ) -> Result<ElasticIpInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_name(ctx, &mut inputs.name, &mut f);
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &ElasticIpInputs,
    ) -> Result<(String, ElasticIpOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = all_tags(ctx, &name, inputs.tags.as_ref());
        // Addresses are not unique: an attempt is never repeated without looking for the last one's address.
        let made = create_once(
            ctx,
            &format!("Elastic IP {name}"),
            || Self::find_existing(ctx, &name),
            || async {
                let out = ctx
                    .aws
                    .ec2
                    .allocate_address()
                    .domain(DomainType::Vpc)
                    .tag_specifications(tag_spec(ResourceType::ElasticIp, &tags))
                    .customize()
                    .config_override(no_retry!(aws_sdk_ec2))
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:AllocateAddress", e))?;
                Ok(Address::builder()
                    .set_allocation_id(out.allocation_id().map(str::to_string))
                    .set_public_ip(out.public_ip().map(str::to_string))
                    .build())
            },
        )
        .await?;
        let adopted = made.is_adopted();
        let address = made.into_inner();
        let id = address.allocation_id().unwrap_or_default().to_string();
        let partial = Self::outputs(ctx, "", &address, tags.clone());
        // An adopted address may carry stale tags: bring them in line.
        if adopted {
            tags::sync::<Ec2Tags>(&ctx.aws, &id, &tag_map(address.tags()), &tags)
                .await
                .map_err(|e| e.partial(&id, &partial))?;
        }
        let account = Self::account_id(ctx)
            .await
            .map_err(|e| e.partial(&id, &partial))?;
        Ok((id, Self::outputs(ctx, &account, &address, tags)))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&ElasticIpInputs>,
    ) -> Result<Option<(ElasticIpInputs, ElasticIpOutputs)>, ResourceError> {
        let Some(address) = Self::describe(ctx, id).await? else {
            return Ok(None);
        };
        let (name, tags, tags_all) = split_tags(
            &ctx.aws,
            address.tags(),
            prior.and_then(|p| p.tags.as_ref()),
        );
        let account = Self::account_id(ctx).await?;
        Ok(Some((
            ElasticIpInputs { name, tags },
            Self::outputs(ctx, &account, &address, tags_all),
        )))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        _: &ElasticIpInputs,
        old_outputs: &ElasticIpOutputs,
        new: &ElasticIpInputs,
    ) -> Result<ElasticIpOutputs, ResourceError> {
        let tags = all_tags(
            ctx,
            new.name.as_deref().unwrap_or_default(),
            new.tags.as_ref(),
        );
        tags::sync::<Ec2Tags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        Ok(ElasticIpOutputs {
            tags_all: tags,
            ..old_outputs.clone()
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &ElasticIpInputs,
        _: &ElasticIpOutputs,
    ) -> Result<(), ResourceError> {
        // While a NAT gateway that used the address is being deleted AWS refuses the release
        // (`InvalidIPAddress.InUse`): retried within the timeout. `InvalidAllocationID.NotFound` means it is already
        // released. Access errors are not retried.
        delete_retrying_plain(ctx, &format!("Elastic IP {id}"), || async {
            ctx.aws
                .ec2
                .release_address()
                .allocation_id(id)
                .send()
                .await
                .map_err(|e| aws_error("ec2:ReleaseAddress", e))?;
            Ok(())
        })
        .await
    }
}
