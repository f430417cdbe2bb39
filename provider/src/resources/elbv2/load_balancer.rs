//! `orderapi:elbv2:LoadBalancer` — an application load balancer in two or more subnets, with its security groups
//! and attributes (idle timeout, deletion protection, HTTP/2, invalid header handling). Create waits until it is
//! `active`; delete refuses while deletion protection is on and waits until AWS has let go of it.
//!
//! Names are unique per region, and CreateLoadBalancer is idempotent by name (with identical settings it answers
//! with the existing load balancer). A create looks the name up before each call
//! ([`crate::lifecycle::create_once`]) and classifies whatever the call hands back too: a load balancer with this
//! resource's identity that the engine does not record is the orphan of a lost create and is adopted; any other
//! is a conflict.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    IpAddressType, LoadBalancer as AwsLoadBalancer, LoadBalancerAttribute, LoadBalancerSchemeEnum,
    LoadBalancerStateEnum, LoadBalancerTypeEnum,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Elbv2Tags, all_tags, arn_suffix, check_name, check_tags, claim, live_tags, split_tags, tag_list,
};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::create_once;
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::tags;

const IDLE_TIMEOUT: &str = "idle_timeout.timeout_seconds";
const DELETION_PROTECTION: &str = "deletion_protection.enabled";
const HTTP2: &str = "routing.http2.enabled";
const DROP_INVALID_HEADERS: &str = "routing.http.drop_invalid_header_fields.enabled";

/// Inputs of an application load balancer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerInputs {
    /// The load balancer's name, unique in the region: 1-32 characters of a-z, A-Z, 0-9 and hyphens, not starting
    /// or ending with a hyphen nor starting with `internal-`. Defaults to the resource name plus a random suffix.
    /// Changing it replaces the load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `internet-facing` (default) or `internal`. Changing it replaces the load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// The subnets (`subnet-…`), at least two, each in a different availability zone (AWS checks the zones).
    /// Changed in place.
    pub subnets: Vec<String>,
    /// The security groups (`sg-…`, at most 5). Absent: AWS attaches the VPC's default group, left unmanaged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<String>>,
    /// Seconds a connection may stay idle (1-4000, default 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<i32>,
    /// Whether AWS refuses to delete the load balancer (default false). While on, `pulumi destroy` fails: set it
    /// to false and run `pulumi up` first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<bool>,
    /// Whether HTTP/2 is enabled (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2: Option<bool>,
    /// Whether requests with invalid HTTP header names are dropped instead of routed (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_invalid_header_fields: Option<bool>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of an application load balancer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerOutputs {
    /// The load balancer's ARN.
    pub arn: String,
    /// The ARN's suffix `app/<name>/<id>`, the `LoadBalancer` dimension of its CloudWatch metrics.
    pub arn_suffix: String,
    /// The DNS name clients connect to (point an alias record at it).
    pub dns_name: String,
    /// The Route 53 hosted zone id of `dnsName`, for alias records.
    pub zone_id: String,
    /// The VPC the load balancer's subnets belong to.
    pub vpc_id: String,
    /// Every tag on the load balancer, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

/// The attributes as inputs hold them.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Attributes {
    idle_timeout: i32,
    deletion_protection: bool,
    http2: bool,
    drop_invalid_header_fields: bool,
}

impl Attributes {
    fn of(inputs: &LoadBalancerInputs) -> Self {
        Attributes {
            idle_timeout: inputs.idle_timeout.unwrap_or(60),
            deletion_protection: inputs.deletion_protection.unwrap_or(false),
            http2: inputs.http2.unwrap_or(true),
            drop_invalid_header_fields: inputs.drop_invalid_header_fields.unwrap_or(false),
        }
    }

    fn to_sdk(self) -> Vec<LoadBalancerAttribute> {
        let attr = |k: &str, v: String| LoadBalancerAttribute::builder().key(k).value(v).build();
        vec![
            attr(IDLE_TIMEOUT, self.idle_timeout.to_string()),
            attr(DELETION_PROTECTION, self.deletion_protection.to_string()),
            attr(HTTP2, self.http2.to_string()),
            attr(
                DROP_INVALID_HEADERS,
                self.drop_invalid_header_fields.to_string(),
            ),
        ]
    }

    fn from_sdk(attrs: &[LoadBalancerAttribute]) -> Self {
        let get = |k: &str| {
            attrs
                .iter()
                .find(|a| a.key() == Some(k))
                .and_then(|a| a.value())
        };
        Attributes {
            idle_timeout: get(IDLE_TIMEOUT).and_then(|v| v.parse().ok()).unwrap_or(60),
            deletion_protection: get(DELETION_PROTECTION) == Some("true"),
            http2: get(HTTP2) != Some("false"),
            drop_invalid_header_fields: get(DROP_INVALID_HEADERS) == Some("true"),
        }
    }
}

pub struct LoadBalancer;

impl LoadBalancer {
    async fn describe(
        ctx: &Context,
        arn: Option<&str>,
        name: Option<&str>,
    ) -> Result<Option<AwsLoadBalancer>, ResourceError> {
        let out = ctx
            .aws
            .elbv2
            .describe_load_balancers()
            .set_load_balancer_arns(arn.map(|a| vec![a.to_string()]))
            .set_names(name.map(|n| vec![n.to_string()]))
            .send()
            .await
            .map_err(|e| aws_error("elbv2:DescribeLoadBalancers", e));
        match out {
            Ok(out) => Ok(out.load_balancers().first().cloned()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn attributes(ctx: &Context, arn: &str) -> Result<Attributes, ResourceError> {
        let out = ctx
            .aws
            .elbv2
            .describe_load_balancer_attributes()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(|e| aws_error("elbv2:DescribeLoadBalancerAttributes", e))?;
        Ok(Attributes::from_sdk(out.attributes()))
    }

    async fn set_attributes(
        ctx: &Context,
        arn: &str,
        attrs: Attributes,
    ) -> Result<(), ResourceError> {
        ctx.aws
            .elbv2
            .modify_load_balancer_attributes()
            .load_balancer_arn(arn)
            .set_attributes(Some(attrs.to_sdk()))
            .send()
            .await
            .map_err(|e| aws_error("elbv2:ModifyLoadBalancerAttributes", e))?;
        Ok(())
    }

    fn subnets_of(lb: &AwsLoadBalancer) -> Vec<String> {
        let mut subnets: Vec<String> = lb
            .availability_zones()
            .iter()
            .filter_map(|z| z.subnet_id().map(str::to_string))
            .collect();
        subnets.sort();
        subnets
    }

    fn security_groups_of(lb: &AwsLoadBalancer) -> Vec<String> {
        let mut groups = lb.security_groups().to_vec();
        groups.sort();
        groups
    }

    fn outputs(lb: &AwsLoadBalancer, tags_all: BTreeMap<String, String>) -> LoadBalancerOutputs {
        let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
        LoadBalancerOutputs {
            arn_suffix: arn_suffix(&arn),
            arn,
            dns_name: lb.dns_name().unwrap_or_default().to_string(),
            zone_id: lb
                .canonical_hosted_zone_id()
                .unwrap_or_default()
                .to_string(),
            vpc_id: lb.vpc_id().unwrap_or_default().to_string(),
            tags_all,
        }
    }

    /// Brings subnets and security groups of a live load balancer in line with `inputs`.
    async fn converge_network(
        ctx: &Context,
        lb: &AwsLoadBalancer,
        inputs: &LoadBalancerInputs,
    ) -> Result<(), ResourceError> {
        let arn = lb.load_balancer_arn().unwrap_or_default();
        if Self::subnets_of(lb) != inputs.subnets {
            ctx.aws
                .elbv2
                .set_subnets()
                .load_balancer_arn(arn)
                .set_subnets(Some(inputs.subnets.clone()))
                .send()
                .await
                .map_err(|e| aws_error("elbv2:SetSubnets", e))?;
        }
        if let Some(groups) = &inputs.security_groups
            && &Self::security_groups_of(lb) != groups
        {
            ctx.aws
                .elbv2
                .set_security_groups()
                .load_balancer_arn(arn)
                .set_security_groups(Some(groups.clone()))
                .send()
                .await
                .map_err(|e| aws_error("elbv2:SetSecurityGroups", e))?;
        }
        Ok(())
    }

    async fn wait_active(
        ctx: &Context,
        arn: &str,
        name: &str,
    ) -> Result<AwsLoadBalancer, ResourceError> {
        ctx.wait_for(&format!("load balancer {name} to be active"), || async {
            let lb = Self::describe(ctx, Some(arn), None).await?;
            Ok(match lb {
                Some(lb) => match lb.state().and_then(|s| s.code()) {
                    Some(LoadBalancerStateEnum::Active) => Poll::Ready(lb),
                    Some(LoadBalancerStateEnum::Failed) => {
                        return Err(ResourceError::Internal(format!(
                            "load balancer {name} failed to provision: {}",
                            lb.state()
                                .and_then(|s| s.reason())
                                .unwrap_or("no reason given")
                        )));
                    }
                    state => Poll::Pending(
                        state.map_or("unknown".to_string(), |s| s.as_str().to_string()),
                    ),
                },
                None => Poll::Pending("not visible yet".into()),
            })
        })
        .await
    }
}

impl CustomResource for LoadBalancer {
    const TOKEN: &'static str = "orderapi:elbv2:LoadBalancer";
    const DESCRIPTION: &'static str = "An application load balancer in two or more subnets, with security groups and \
        attributes, tagged and owned by this provider. Deletion protection is off unless declared; destroy fails \
        while it is on.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name", "scheme"];
    /// Names are unique per region and a scheme change keeps the name.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["name"];
    type Inputs = LoadBalancerInputs;
    type Outputs = LoadBalancerOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: LoadBalancerInputs,
    ) -> Result<LoadBalancerInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_name(ctx, &mut inputs.name, &mut f);
        f.require(
            !inputs
                .name
                .as_deref()
                .unwrap_or_default()
                .to_ascii_lowercase()
                .starts_with("internal-"),
            "name",
            "must not start with internal- (AWS reserves it for internal load balancers' DNS names)",
        );
        let scheme = inputs
            .scheme
            .get_or_insert_with(|| "internet-facing".to_string());
        f.require(
            matches!(scheme.as_str(), "internet-facing" | "internal"),
            "scheme",
            "must be internet-facing or internal",
        );
        inputs.subnets.sort();
        f.require(
            inputs.subnets.len() >= 2,
            "subnets",
            "an application load balancer needs at least two subnets, each in a different availability zone",
        );
        f.require(
            inputs.subnets.windows(2).all(|w| w[0] != w[1]),
            "subnets",
            "each subnet may be listed once",
        );
        for s in &inputs.subnets {
            f.require(
                s.starts_with("subnet-"),
                "subnets",
                format!("'{s}' is not a subnet id (subnet-…)"),
            );
        }
        if let Some(groups) = &mut inputs.security_groups {
            groups.sort();
            f.require(
                !groups.is_empty() && groups.len() <= 5,
                "securityGroups",
                "must list 1-5 security groups",
            );
            f.require(
                groups.windows(2).all(|w| w[0] != w[1]),
                "securityGroups",
                "each security group may be listed once",
            );
            for g in groups.iter() {
                f.require(
                    g.starts_with("sg-"),
                    "securityGroups",
                    format!("'{g}' is not a security group id (sg-…)"),
                );
            }
        }
        let idle = *inputs.idle_timeout.get_or_insert(60);
        f.require(
            (1..=4000).contains(&idle),
            "idleTimeout",
            "must be 1-4000 seconds",
        );
        inputs.deletion_protection.get_or_insert(false);
        inputs.http2.get_or_insert(true);
        inputs.drop_invalid_header_fields.get_or_insert(false);
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &LoadBalancerInputs,
    ) -> Result<(String, LoadBalancerOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let scheme = inputs.scheme.as_deref().unwrap_or("internet-facing");
        let tags = all_tags(ctx, inputs.tags.as_ref());
        let what = |arn: &str| format!("a load balancer named '{name}' ({arn})");
        let made = create_once(
            ctx,
            &format!("load balancer {name}"),
            || async {
                let Some(existing) = Self::describe(ctx, None, Some(&name)).await? else {
                    return Ok(None);
                };
                let arn = existing.load_balancer_arn().unwrap_or_default().to_string();
                let live = live_tags(&ctx.aws, &arn).await?;
                claim(ctx, &what(&arn), &arn, &live)?;
                if existing.scheme().map(LoadBalancerSchemeEnum::as_str) != Some(scheme) {
                    return Err(ResourceError::Conflict(format!(
                        "load balancer '{name}' ({arn}) is the leftover of an interrupted create but has scheme \
                         {}, not {scheme}; delete it or choose another name",
                        existing
                            .scheme()
                            .map_or("?", LoadBalancerSchemeEnum::as_str)
                    )));
                }
                ctx.adopting("load balancer", &arn);
                Ok(Some((arn, Some((existing, live)))))
            },
            || async {
                let out = ctx
                    .aws
                    .elbv2
                    .create_load_balancer()
                    .name(&name)
                    .r#type(LoadBalancerTypeEnum::Application)
                    .scheme(LoadBalancerSchemeEnum::from(scheme))
                    .ip_address_type(IpAddressType::Ipv4)
                    .set_subnets(Some(inputs.subnets.clone()))
                    .set_security_groups(inputs.security_groups.clone())
                    .set_tags(Some(tag_list(&tags)))
                    .customize()
                    .config_override(no_retry!(aws_sdk_elasticloadbalancingv2))
                    .send()
                    .await
                    .map_err(|e| aws_error("elbv2:CreateLoadBalancer", e))?;
                let arn = out
                    .load_balancers()
                    .first()
                    .and_then(|lb| lb.load_balancer_arn())
                    .ok_or_else(|| {
                        ResourceError::Internal(
                            "elbv2:CreateLoadBalancer returned no load balancer".into(),
                        )
                    })?
                    .to_string();
                // An existing load balancer with identical settings comes back as if created: it must be ours.
                claim(ctx, &what(&arn), &arn, &live_tags(&ctx.aws, &arn).await?)?;
                Ok((arn, None))
            },
        )
        .await?;
        let (arn, adopted) = made.into_inner();
        let mut outputs = LoadBalancerOutputs {
            arn_suffix: arn_suffix(&arn),
            arn: arn.clone(),
            tags_all: tags.clone(),
            ..Default::default()
        };
        if let Some((existing, live)) = &adopted {
            tags::sync::<Elbv2Tags>(&ctx.aws, &arn, live, &tags)
                .await
                .map_err(|e| e.partial(&arn, &outputs))?;
            Self::converge_network(ctx, existing, inputs)
                .await
                .map_err(|e| e.partial(&arn, &outputs))?;
        }
        let lb = Self::wait_active(ctx, &arn, &name)
            .await
            .map_err(|e| e.partial(&arn, &outputs))?;
        outputs = Self::outputs(&lb, tags);
        Self::set_attributes(ctx, &arn, Attributes::of(inputs))
            .await
            .map_err(|e| e.partial(&arn, &outputs))?;
        Ok((arn, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&LoadBalancerInputs>,
    ) -> Result<Option<(LoadBalancerInputs, LoadBalancerOutputs)>, ResourceError> {
        let Some(lb) = Self::describe(ctx, Some(id), None).await? else {
            return Ok(None);
        };
        let attrs = Self::attributes(ctx, id).await?;
        let (tags, tags_all) = split_tags(
            &ctx.aws,
            live_tags(&ctx.aws, id).await?,
            prior.and_then(|p| p.tags.as_ref()),
        );
        let security_groups = match prior {
            // Undeclared groups (AWS's default group) stay unmanaged.
            Some(p) if p.security_groups.is_none() => None,
            _ => Some(Self::security_groups_of(&lb)).filter(|g| !g.is_empty()),
        };
        let inputs = LoadBalancerInputs {
            name: lb.load_balancer_name().map(str::to_string),
            scheme: lb.scheme().map(|s| s.as_str().to_string()),
            subnets: Self::subnets_of(&lb),
            security_groups,
            idle_timeout: Some(attrs.idle_timeout),
            deletion_protection: Some(attrs.deletion_protection),
            http2: Some(attrs.http2),
            drop_invalid_header_fields: Some(attrs.drop_invalid_header_fields),
            tags,
        };
        Ok(Some((inputs, Self::outputs(&lb, tags_all))))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        _old: &LoadBalancerInputs,
        old_outputs: &LoadBalancerOutputs,
        new: &LoadBalancerInputs,
    ) -> Result<LoadBalancerOutputs, ResourceError> {
        let tags = all_tags(ctx, new.tags.as_ref());
        tags::sync::<Elbv2Tags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        // Against what AWS holds, so changes made outside Pulumi are put back too.
        let lb = Self::describe(ctx, Some(id), None).await?.ok_or_else(|| {
            ResourceError::Conflict(format!(
                "load balancer {id} no longer exists; run `pulumi refresh` to drop it from the state, then `pulumi up`"
            ))
        })?;
        Self::converge_network(ctx, &lb, new).await?;
        let wanted = Attributes::of(new);
        if Self::attributes(ctx, id).await? != wanted {
            Self::set_attributes(ctx, id, wanted).await?;
        }
        let lb = Self::wait_active(ctx, id, new.name.as_deref().unwrap_or(id)).await?;
        Ok(Self::outputs(&lb, tags))
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &LoadBalancerInputs,
        _: &LoadBalancerOutputs,
    ) -> Result<(), ResourceError> {
        let attrs = match Self::attributes(ctx, id).await {
            Ok(a) => a,
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        };
        if attrs.deletion_protection {
            return Err(ResourceError::Conflict(format!(
                "load balancer {id} has deletion protection on, so it is not deleted; set `deletionProtection: \
                 false` and run `pulumi up`, then delete it again"
            )));
        }
        match ctx
            .aws
            .elbv2
            .delete_load_balancer()
            .load_balancer_arn(id)
            .send()
            .await
            .map_err(|e| aws_error("elbv2:DeleteLoadBalancer", e))
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        }
        ctx.wait_for(&format!("load balancer {id} to be deleted"), || async {
            Ok(match Self::describe(ctx, Some(id), None).await? {
                None => Poll::Ready(()),
                Some(lb) => Poll::Pending(
                    lb.state()
                        .and_then(|s| s.code())
                        .map_or("still listed".to_string(), |s| s.as_str().to_string()),
                ),
            })
        })
        .await
    }
}
