//! `orderapi:ec2:NatGateway` — a NAT gateway in one subnet: `public` (outbound internet through an Elastic IP and
//! the VPC's internet gateway) or `private` (to other VPCs and on-premises networks).
//!
//! NAT gateway names are only tags: a create looks for this resource's NAT gateway by identity (see the `ec2`
//! module docs) and sends CreateNatGateway with the SDK's retry off and a per-deployment client token
//! ([`Context::client_token`]) inside `create_once`, so neither a lost answer nor an SDK retry makes a second one.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use aws_sdk_ec2::types::{
    ConnectivityType, NatGateway as LiveNat, NatGatewayAddress, ResourceType,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Ec2Tags, all_tags, check_name, check_tags, filter, identity_filter, is_recorded, name_clash,
    name_filter, split_tags, tag_map, tag_spec,
};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::tags;

/// Inputs of a NAT gateway.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NatGatewayInputs {
    /// Physical name, set as the `Name` tag (defaults to the resource name plus a random suffix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The subnet the NAT gateway lives in (`subnet-…`); a public NAT gateway belongs in a public subnet.
    /// Changing it replaces the NAT gateway.
    pub subnet_id: String,
    /// The Elastic IP allocation (`eipalloc-…`) a public NAT gateway uses; required for `public`, not allowed for
    /// `private`. Changing it replaces the NAT gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation_id: Option<String>,
    /// `public` (default) or `private`. Changing it replaces the NAT gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connectivity_type: Option<String>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a NAT gateway.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NatGatewayOutputs {
    /// The private IPv4 address of the NAT gateway in its subnet.
    pub private_ip: String,
    /// The public IPv4 address (of the Elastic IP) of a public NAT gateway; absent for a private one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<String>,
    /// The network interface AWS created for the NAT gateway in the subnet.
    pub network_interface_id: String,
    /// Every tag on the NAT gateway, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct NatGateway;

/// How many client-token variants a create walks through when AWS answers one with a NAT gateway it must not
/// take: one that has failed or been deleted since, or one the engine records (AWS answers a reused token with
/// the original NAT gateway).
const TOKEN_VARIANTS: u32 = 5;

/// What waiting for a freshly created NAT gateway found.
enum Created {
    Available(Box<LiveNat>),
    /// AWS answered the client token with a NAT gateway that no longer exists (purged after a delete).
    Vanished,
    /// It ended `failed` (or was deleted meanwhile). Not partial state: a failed NAT gateway holds nothing and AWS
    /// removes it, so the next `pulumi up` must create again rather than "update" a dead one.
    Dead(ResourceError),
}

fn state_of(nat: &LiveNat) -> &str {
    nat.state().map(|s| s.as_str()).unwrap_or_default()
}

/// The NAT gateway's primary address (AWS marks it; moto does not, so fall back to the first).
fn primary(nat: &LiveNat) -> Option<&NatGatewayAddress> {
    nat.nat_gateway_addresses()
        .iter()
        .find(|a| a.is_primary() == Some(true))
        .or_else(|| nat.nat_gateway_addresses().first())
}

fn connectivity(nat: &LiveNat) -> &str {
    nat.connectivity_type()
        .map(|c| c.as_str())
        .unwrap_or("public")
}

/// The client token of create attempt `variant` of this resource with `inputs`: the same for every attempt of one
/// deployment (a retry is answered with the NAT gateway the lost attempt made), different per variant, per
/// replace-forcing input and per provider process (a later deployment finds the NAT gateway by identity
/// instead). 64 characters at most.
pub fn client_token(ctx: &Context, inputs: &NatGatewayInputs, variant: u32) -> String {
    ctx.client_token(&(inputs, variant), 64)
}

/// What the user can do about a NAT gateway that ended in state `failed`.
fn failure_hint(code: &str) -> String {
    match code {
        "Gateway.NotAttached" => "a public NAT gateway needs an internet gateway attached to the subnet's VPC; attach one \
             (orderapi:ec2:InternetGateway with vpcId), then run `pulumi up` again"
            .into(),
        "InsufficientFreeAddressesInSubnet" => "the subnet has no free IP address; free one or use a larger subnet".into(),
        "InvalidAllocationID.NotFound" => "the Elastic IP `allocationId` does not exist in this region".into(),
        "Resource.AlreadyAssociated" => {
            "the Elastic IP is already associated with something else; give each NAT gateway its own Elastic IP".into()
        }
        _ => "AWS keeps a failed NAT gateway visible for about an hour, then removes it; fix the cause and run \
              `pulumi up` again"
            .into(),
    }
}

impl NatGateway {
    /// The live NAT gateway `id`, or `None` when AWS no longer knows it (moto answers an unknown ID with an empty
    /// list, AWS with `NatGatewayNotFound`).
    async fn describe(ctx: &Context, id: &str) -> Result<Option<LiveNat>, ResourceError> {
        match ctx
            .aws
            .ec2
            .describe_nat_gateways()
            .nat_gateway_ids(id)
            .send()
            .await
        {
            Ok(out) => Ok(out.nat_gateways().first().cloned()),
            Err(e) => {
                let e = aws_error("ec2:DescribeNatGateways", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    fn inputs_of(
        ctx: &Context,
        nat: &LiveNat,
        prior: Option<&NatGatewayInputs>,
    ) -> (NatGatewayInputs, BTreeMap<String, String>) {
        let (name, tags, tags_all) =
            split_tags(&ctx.aws, nat.tags(), prior.and_then(|p| p.tags.as_ref()));
        let inputs = NatGatewayInputs {
            name,
            subnet_id: nat.subnet_id().unwrap_or_default().to_string(),
            allocation_id: primary(nat)
                .and_then(|a| a.allocation_id())
                .map(str::to_string),
            connectivity_type: Some(connectivity(nat).to_string()),
            tags,
        };
        (inputs, tags_all)
    }

    fn outputs_of(nat: &LiveNat, tags_all: BTreeMap<String, String>) -> NatGatewayOutputs {
        let address = primary(nat);
        NatGatewayOutputs {
            private_ip: address
                .and_then(|a| a.private_ip())
                .unwrap_or_default()
                .to_string(),
            public_ip: address.and_then(|a| a.public_ip()).map(str::to_string),
            network_interface_id: address
                .and_then(|a| a.network_interface_id())
                .unwrap_or_default()
                .to_string(),
            tags_all,
        }
    }

    /// The NAT gateway to adopt: one made for this resource (its identity) that the engine does not record, live,
    /// in the declared subnet with the declared allocation and connectivity (so every replace-forcing input
    /// matches). The ids of this resource's other NAT gateways go into `taken`, which a client token must not be
    /// answered with: dead ones (failed, deleting, deleted) and the one the engine records (the NAT gateway a
    /// replacement replaces). A live same-named NAT gateway in the subnet that is not this resource's is a
    /// conflict.
    async fn find_existing(
        ctx: &Context,
        name: &str,
        inputs: &NatGatewayInputs,
        taken: &Mutex<BTreeSet<String>>,
    ) -> Result<Option<LiveNat>, ResourceError> {
        let describe = |by: aws_sdk_ec2::types::Filter| async move {
            ctx.aws
                .ec2
                .describe_nat_gateways()
                .filter(filter("subnet-id", &inputs.subnet_id))
                .filter(by)
                .send()
                .await
                .map_err(|e| aws_error("ec2:DescribeNatGateways", e))
        };
        // moto ignores tag filters: the identity and the name are checked here too.
        let ours = describe(identity_filter(ctx)).await?;
        let mut adopt = None;
        for nat in ours.nat_gateways() {
            let id = nat.nat_gateway_id().unwrap_or_default();
            let live = matches!(state_of(nat), "pending" | "available");
            let same_allocation =
                primary(nat).and_then(|a| a.allocation_id()) == inputs.allocation_id.as_deref();
            let same_connectivity =
                connectivity(nat) == inputs.connectivity_type.as_deref().unwrap_or("public");
            match ctx.found(id, &tag_map(nat.tags())) {
                Found::Orphan
                    if live && same_allocation && same_connectivity && adopt.is_none() =>
                {
                    ctx.adopting("NAT gateway", id);
                    adopt = Some(nat.clone());
                }
                Found::Orphan | Found::Recorded => {
                    if let Ok(mut taken) = taken.lock() {
                        taken.insert(id.to_string());
                    }
                }
                Found::Other { .. } | Found::Stranger => {}
            }
        }
        if adopt.is_some() {
            return Ok(adopt);
        }
        let named = describe(name_filter(name)).await?;
        for nat in named
            .nat_gateways()
            .iter()
            .filter(|n| tag_map(n.tags()).get("Name").map(String::as_str) == Some(name))
            .filter(|n| matches!(state_of(n), "pending" | "available"))
        {
            let id = nat.nat_gateway_id().unwrap_or_default();
            if let Some(found) = name_clash(ctx, id, &tag_map(nat.tags())) {
                return Err(conflict(
                    &format!(
                        "a NAT gateway named '{name}' ({id}) in {}",
                        inputs.subnet_id
                    ),
                    &found,
                ));
            }
        }
        Ok(None)
    }

    /// Waits for `id` to become available. `created` is when AWS says it was created, `started` when this create
    /// began: AWS cannot have purged a NAT gateway this call created, so one that stays invisible and is older than
    /// the SigV4 clock-skew limit allows came from an earlier use of the same client token.
    async fn wait_available(
        ctx: &Context,
        id: &str,
        created: Option<SystemTime>,
        started: SystemTime,
    ) -> Result<Created, ResourceError> {
        let stale = created.is_some_and(|c| c + Duration::from_secs(10 * 60) < started);
        ctx.wait_for(&format!("NAT gateway {id} to be available"), || async move {
            let Some(nat) = Self::describe(ctx, id).await? else {
                let poll = if stale {
                    Poll::Ready(Created::Vanished)
                } else {
                    Poll::Pending("not visible yet".into())
                };
                return Ok(poll);
            };
            match state_of(&nat) {
                "available" => Ok(Poll::Ready(Created::Available(Box::new(nat)))),
                "failed" => {
                    let code = nat.failure_code().unwrap_or("Unknown").to_string();
                    let message =
                        format!("NAT gateway {id} failed: {}", nat.failure_message().unwrap_or("no reason given"));
                    let hint = Some(failure_hint(&code));
                    let error = ResourceError::Aws { operation: "ec2:CreateNatGateway", code, message, hint };
                    Ok(Poll::Ready(Created::Dead(error)))
                }
                "deleting" | "deleted" => Ok(Poll::Ready(Created::Dead(ResourceError::Conflict(format!(
                    "NAT gateway {id} was deleted while it was being created; run `pulumi up` again"
                ))))),
                state => Ok(Poll::Pending(state.to_string())),
            }
        })
        .await
    }

    /// Creates the NAT gateway with `tags` (walking client-token variants past the `taken` NAT gateways: dead ones
    /// and recorded ones) and waits until it is available. Automatic SDK retries are off: `create_once` repeats a
    /// lost call only after looking for its NAT gateway.
    async fn create_and_wait(
        ctx: &Context,
        inputs: &NatGatewayInputs,
        tags: &BTreeMap<String, String>,
        taken: &Mutex<BTreeSet<String>>,
    ) -> Result<LiveNat, ResourceError> {
        let started = SystemTime::now();
        let connectivity_type =
            ConnectivityType::from(inputs.connectivity_type.as_deref().unwrap_or("public"));
        for variant in 0..TOKEN_VARIANTS {
            let out = ctx
                .aws
                .ec2
                .create_nat_gateway()
                .subnet_id(&inputs.subnet_id)
                .set_allocation_id(inputs.allocation_id.clone())
                .connectivity_type(connectivity_type.clone())
                .client_token(client_token(ctx, inputs, variant))
                .tag_specifications(tag_spec(ResourceType::Natgateway, tags))
                .customize()
                .config_override(no_retry!(aws_sdk_ec2))
                .send()
                .await
                .map_err(|e| aws_error("ec2:CreateNatGateway", e))?;
            let nat = out.nat_gateway();
            let id = nat
                .and_then(|n| n.nat_gateway_id())
                .unwrap_or_default()
                .to_string();
            let skip = taken.lock().map(|t| t.contains(&id)).unwrap_or(false);
            if skip || is_recorded(ctx, &id) {
                ctx.debug(format!(
                    "client token variant {variant} belongs to NAT gateway {id}, which is dead or the one the \
                     engine records; trying the next"
                ));
                continue;
            }
            let created = nat
                .and_then(|n| n.create_time())
                .and_then(|t| SystemTime::try_from(*t).ok());
            let partial = NatGatewayOutputs {
                tags_all: tags.clone(),
                ..Default::default()
            };
            match Self::wait_available(ctx, &id, created, started)
                .await
                .map_err(|e| e.partial(&id, &partial))?
            {
                Created::Available(nat) => return Ok(*nat),
                Created::Dead(e) => return Err(e),
                Created::Vanished => {
                    ctx.debug(format!("client token variant {variant} belongs to purged NAT gateway {id}; trying the next"));
                    if let Ok(mut taken) = taken.lock() {
                        taken.insert(id);
                    }
                }
            }
        }
        Err(ResourceError::Conflict(
            "AWS answered every client token this create tried with a NAT gateway it must not take (failed, \
             deleted, or the one the engine records); run `pulumi up` again (a new deployment uses new tokens)"
                .to_string(),
        ))
    }
}

impl CustomResource for NatGateway {
    const TOKEN: &'static str = "orderapi:ec2:NatGateway";
    const DESCRIPTION: &'static str = "A public or private NAT gateway in one subnet, tagged and owned by this provider; create waits until it is available.";
    const REPLACE_ON_CHANGES: &'static [&'static str] =
        &["subnetId", "allocationId", "connectivityType"];
    /// An Elastic IP serves one NAT gateway at a time: a replacement that keeps its address (moves subnet, or a
    /// forced `--replace`) can only be created once the old gateway has released it.
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = NatGatewayInputs;
    type Outputs = NatGatewayOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: NatGatewayInputs,
    ) -> Result<NatGatewayInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_name(ctx, &mut inputs.name, &mut f);
        f.require(
            inputs.subnet_id.starts_with("subnet-"),
            "subnetId",
            format!(
                "'{}' is not a subnet ID such as subnet-0abc…",
                inputs.subnet_id
            ),
        );
        let kind = inputs
            .connectivity_type
            .get_or_insert_with(|| "public".to_string())
            .clone();
        match (kind.as_str(), &inputs.allocation_id) {
            ("public", None) => f.push(
                "allocationId",
                "a public NAT gateway needs an Elastic IP: set allocationId (e.g. an orderapi:ec2:ElasticIp's allocationId)",
            ),
            ("public", Some(a)) => {
                f.require(a.starts_with("eipalloc-"), "allocationId", format!("'{a}' is not an allocation ID such as eipalloc-0abc…"))
            }
            ("private", Some(_)) => {
                f.push("allocationId", "a private NAT gateway has no public address: remove allocationId (or use connectivityType public)")
            }
            ("private", None) => {}
            (other, _) => f.push("connectivityType", format!("'{other}' must be `public` or `private`")),
        }
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &NatGatewayInputs,
    ) -> Result<(String, NatGatewayOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = all_tags(ctx, &name, inputs.tags.as_ref());
        let taken = Mutex::new(BTreeSet::new());
        let made = create_once(
            ctx,
            &format!("NAT gateway {name}"),
            || Self::find_existing(ctx, &name, inputs, &taken),
            || Self::create_and_wait(ctx, inputs, &tags, &taken),
        )
        .await?;
        let nat = if made.is_adopted() {
            let nat = made.into_inner();
            let id = nat.nat_gateway_id().unwrap_or_default().to_string();
            let partial = NatGatewayOutputs {
                tags_all: tags.clone(),
                ..Default::default()
            };
            // It may still be pending.
            match Self::wait_available(ctx, &id, None, SystemTime::now())
                .await
                .map_err(|e| e.partial(&id, &partial))?
            {
                Created::Available(live) => {
                    // An adopted NAT gateway may carry stale tags: bring them in line.
                    tags::sync::<Ec2Tags>(&ctx.aws, &id, &tag_map(nat.tags()), &tags)
                        .await
                        .map_err(|e| e.partial(&id, &partial))?;
                    *live
                }
                Created::Dead(e) => return Err(e),
                Created::Vanished => {
                    return Err(ResourceError::Conflict(format!(
                        "NAT gateway {id} vanished while being adopted; run `pulumi up` again"
                    )));
                }
            }
        } else {
            made.into_inner()
        };
        let id = nat.nat_gateway_id().unwrap_or_default().to_string();
        Ok((id, Self::outputs_of(&nat, tags)))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&NatGatewayInputs>,
    ) -> Result<Option<(NatGatewayInputs, NatGatewayOutputs)>, ResourceError> {
        let Some(nat) = Self::describe(ctx, id).await? else {
            return Ok(None);
        };
        // AWS lists deleted and failed NAT gateways for about an hour; they hold nothing and count as gone.
        if matches!(state_of(&nat), "deleted" | "failed") {
            return Ok(None);
        }
        let (inputs, tags_all) = Self::inputs_of(ctx, &nat, prior);
        Ok(Some((inputs, Self::outputs_of(&nat, tags_all))))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        _: &NatGatewayInputs,
        old_outputs: &NatGatewayOutputs,
        new: &NatGatewayInputs,
    ) -> Result<NatGatewayOutputs, ResourceError> {
        let tags = all_tags(
            ctx,
            new.name.as_deref().unwrap_or_default(),
            new.tags.as_ref(),
        );
        let live = Self::describe(ctx, id).await?.ok_or_else(|| {
            ResourceError::Conflict(format!(
                "NAT gateway {id} no longer exists; run `pulumi refresh` to drop it from the state, then `pulumi up`"
            ))
        })?;
        // A create that ran out of time recorded a NAT gateway that is still pending (partial state, without its
        // addresses); the engine's next `up` continues it through this update: wait until it is available and
        // take the outputs from what AWS reports.
        let live = if state_of(&live) == "available" {
            live
        } else {
            match Self::wait_available(ctx, id, None, SystemTime::now()).await? {
                Created::Available(nat) => *nat,
                Created::Dead(e) => return Err(e),
                Created::Vanished => {
                    return Err(ResourceError::Conflict(format!(
                        "NAT gateway {id} vanished while waiting for it to be available; run `pulumi refresh`, then \
                         `pulumi up`"
                    )));
                }
            }
        };
        tags::sync::<Ec2Tags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        Ok(Self::outputs_of(&live, tags))
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &NatGatewayInputs,
        _: &NatGatewayOutputs,
    ) -> Result<(), ResourceError> {
        let Some(nat) = Self::describe(ctx, id).await? else {
            return Ok(());
        };
        // A failed NAT gateway holds nothing and AWS removes it by itself.
        if matches!(state_of(&nat), "deleted" | "failed") {
            return Ok(());
        }
        if state_of(&nat) != "deleting"
            && let Err(e) = ctx
                .aws
                .ec2
                .delete_nat_gateway()
                .nat_gateway_id(id)
                .send()
                .await
        {
            let e = aws_error("ec2:DeleteNatGateway", e);
            if !e.is_not_found() {
                return Err(e);
            }
        }
        // Wait until AWS has let go: only then are the Elastic IP and the subnet's interface free.
        ctx.wait_for(&format!("NAT gateway {id} to be deleted"), || async {
            Ok(match Self::describe(ctx, id).await? {
                None => Poll::Ready(()),
                Some(nat) if matches!(state_of(&nat), "deleted" | "failed") => Poll::Ready(()),
                Some(nat) => Poll::Pending(state_of(&nat).to_string()),
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use tokio_util::sync::CancellationToken;

    use super::{NatGatewayInputs, TOKEN_VARIANTS, client_token};
    use crate::aws::Aws;
    use crate::resource::Context;

    fn inputs(name: &str, subnet: &str) -> NatGatewayInputs {
        NatGatewayInputs {
            name: Some(name.into()),
            subnet_id: subnet.into(),
            allocation_id: Some("eipalloc-0123456789abcdef0".into()),
            connectivity_type: Some("public".into()),
            tags: None,
        }
    }

    #[test]
    fn client_token_is_stable_short_and_input_specific() {
        let ctx = Context::new(
            Arc::new(Aws::offline()),
            "urn:pulumi:dev::p::orderapi:ec2:NatGateway::a",
            Duration::from_secs(5),
            CancellationToken::new(),
        );
        let a = inputs(&"n".repeat(255), "subnet-0123456789abcdef0");
        assert_eq!(client_token(&ctx, &a, 0), client_token(&ctx, &a.clone(), 0));
        assert!(client_token(&ctx, &a, TOKEN_VARIANTS - 1).len() <= 64);
        assert_ne!(client_token(&ctx, &a, 0), client_token(&ctx, &a, 1));
        assert_ne!(
            client_token(&ctx, &a, 0),
            client_token(&ctx, &inputs("other", "subnet-0123456789abcdef0"), 0)
        );
        let mut private = a.clone();
        private.allocation_id = None;
        private.connectivity_type = Some("private".into());
        assert_ne!(client_token(&ctx, &a, 0), client_token(&ctx, &private, 0));
    }
}
