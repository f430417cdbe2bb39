//! `orderapi:elbv2:Listener` — an HTTP or HTTPS listener of an application load balancer and its default action
//! (forward, weighted forward, redirect or fixed response).
//!
//! A load balancer has one listener per port. A create looks the port up before each CreateListener call
//! ([`crate::lifecycle::create_once`]; AWS refuses a taken port with DuplicateListener, after which it looks again):
//! a listener with this resource's identity that the engine does not record is the orphan of a lost create and is
//! adopted (brought to the declared settings and tags); any other on the port is a conflict.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{Certificate, Listener as AwsListener, ProtocolEnum};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actions::{Action, check_action, from_sdk, to_sdk};
use super::{
    Elbv2Tags, all_tags, check_tags, claim, is_elbv2_arn, live_tags, split_tags, tag_list,
};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::create_once;
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures};
use crate::resources::tags;

/// The TLS policy an HTTPS listener gets when the program sets none (TLS 1.3 and 1.2).
pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// Inputs of a listener.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListenerInputs {
    /// The ARN of the application load balancer. Changing it replaces the listener.
    pub load_balancer_arn: String,
    /// The port the listener accepts connections on, 1-65535 (unique per load balancer).
    pub port: i32,
    /// `HTTP` or `HTTPS`.
    pub protocol: String,
    /// HTTPS only (and required there): the ARN of the default server certificate (ACM or IAM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    /// HTTPS only: the TLS security policy (default `ELBSecurityPolicy-TLS13-1-2-2021-06`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_policy: Option<String>,
    /// What the listener does with requests no rule matches.
    pub default_action: Action,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a listener.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListenerOutputs {
    /// The listener's ARN.
    pub arn: String,
    /// Every tag on the listener, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct Listener;

impl Listener {
    async fn describe(ctx: &Context, arn: &str) -> Result<Option<AwsListener>, ResourceError> {
        match ctx
            .aws
            .elbv2
            .describe_listeners()
            .listener_arns(arn)
            .send()
            .await
            .map_err(|e| aws_error("elbv2:DescribeListeners", e))
        {
            Ok(out) => Ok(out.listeners().first().cloned()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The listener of `lb` on `port`, if any.
    async fn find(
        ctx: &Context,
        lb: &str,
        port: i32,
    ) -> Result<Option<AwsListener>, ResourceError> {
        let mut marker = None;
        loop {
            let out = ctx
                .aws
                .elbv2
                .describe_listeners()
                .load_balancer_arn(lb)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| aws_error("elbv2:DescribeListeners", e))?;
            if let Some(l) = out.listeners().iter().find(|l| l.port() == Some(port)) {
                return Ok(Some(l.clone()));
            }
            match out.next_marker() {
                Some(m) if !m.is_empty() => marker = Some(m.to_string()),
                _ => return Ok(None),
            }
        }
    }

    fn certificates(inputs: &ListenerInputs) -> Option<Vec<Certificate>> {
        inputs
            .certificate_arn
            .as_ref()
            .map(|c| vec![Certificate::builder().certificate_arn(c).build()])
    }

    async fn modify(
        ctx: &Context,
        arn: &str,
        inputs: &ListenerInputs,
    ) -> Result<(), ResourceError> {
        ctx.aws
            .elbv2
            .modify_listener()
            .listener_arn(arn)
            .port(inputs.port)
            .protocol(ProtocolEnum::from(inputs.protocol.as_str()))
            .set_ssl_policy(inputs.ssl_policy.clone())
            .set_certificates(Self::certificates(inputs))
            .default_actions(to_sdk(&inputs.default_action))
            .send()
            .await
            .map_err(|e| aws_error("elbv2:ModifyListener", e))?;
        Ok(())
    }
}

impl CustomResource for Listener {
    const TOKEN: &'static str = "orderapi:elbv2:Listener";
    const DESCRIPTION: &'static str = "An HTTP or HTTPS listener of an application load balancer with its default \
        action (forward, weighted forward, redirect or fixed response), tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["loadBalancerArn"];
    /// A replacement moves the listener to another load balancer, where its port is free; deleting first would
    /// only add downtime.
    const DELETE_BEFORE_REPLACE: bool = false;
    type Inputs = ListenerInputs;
    type Outputs = ListenerOutputs;

    fn check(
        _: &CheckContext,
        mut inputs: ListenerInputs,
    ) -> Result<ListenerInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        f.require(
            is_elbv2_arn(&inputs.load_balancer_arn, "loadbalancer"),
            "loadBalancerArn",
            format!("'{}' is not a load balancer ARN", inputs.load_balancer_arn),
        );
        f.require(
            (1..=65535).contains(&inputs.port),
            "port",
            "must be 1-65535",
        );
        match inputs.protocol.as_str() {
            "HTTPS" => {
                match &inputs.certificate_arn {
                    Some(c) => f.require(
                        c.starts_with("arn:") && (c.contains(":acm:") || c.contains(":iam:")),
                        "certificateArn",
                        format!("'{c}' is not an ACM or IAM certificate ARN"),
                    ),
                    None => f.push("certificateArn", "required for an HTTPS listener"),
                }
                let policy = inputs
                    .ssl_policy
                    .get_or_insert_with(|| DEFAULT_SSL_POLICY.to_string());
                f.require(
                    policy.starts_with("ELBSecurityPolicy-"),
                    "sslPolicy",
                    "must be an ELB security policy name such as ELBSecurityPolicy-TLS13-1-2-2021-06",
                );
            }
            "HTTP" => {
                f.require(
                    inputs.certificate_arn.is_none(),
                    "certificateArn",
                    "an HTTP listener takes no certificate",
                );
                f.require(
                    inputs.ssl_policy.is_none(),
                    "sslPolicy",
                    "an HTTP listener takes no TLS policy",
                );
            }
            _ => f.push("protocol", "must be HTTP or HTTPS"),
        }
        check_action("defaultAction", &mut inputs.default_action, &mut f);
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &ListenerInputs,
    ) -> Result<(String, ListenerOutputs), ResourceError> {
        let tags = all_tags(ctx, inputs.tags.as_ref());
        let made = create_once(
            ctx,
            &format!("listener on port {}", inputs.port),
            || async {
                let Some(existing) =
                    Self::find(ctx, &inputs.load_balancer_arn, inputs.port).await?
                else {
                    return Ok(None);
                };
                let arn = existing.listener_arn().unwrap_or_default().to_string();
                let live = live_tags(&ctx.aws, &arn).await?;
                claim(
                    ctx,
                    &format!(
                        "a listener on port {} of {} ({arn})",
                        inputs.port, inputs.load_balancer_arn
                    ),
                    &arn,
                    &live,
                )?;
                ctx.adopting("listener", &arn);
                Ok(Some((arn, Some(live))))
            },
            || async {
                let out = ctx
                    .aws
                    .elbv2
                    .create_listener()
                    .load_balancer_arn(&inputs.load_balancer_arn)
                    .port(inputs.port)
                    .protocol(ProtocolEnum::from(inputs.protocol.as_str()))
                    .set_ssl_policy(inputs.ssl_policy.clone())
                    .set_certificates(Self::certificates(inputs))
                    .default_actions(to_sdk(&inputs.default_action))
                    .set_tags(Some(tag_list(&tags)))
                    .customize()
                    .config_override(no_retry!(aws_sdk_elasticloadbalancingv2))
                    .send()
                    .await
                    .map_err(|e| aws_error("elbv2:CreateListener", e))?;
                let arn = out
                    .listeners()
                    .first()
                    .and_then(|l| l.listener_arn())
                    .ok_or_else(|| {
                        ResourceError::Internal("elbv2:CreateListener returned no listener".into())
                    })?
                    .to_string();
                Ok((arn, None))
            },
        )
        .await?;
        let (arn, adopted) = made.into_inner();
        let outputs = ListenerOutputs {
            arn: arn.clone(),
            tags_all: tags.clone(),
        };
        if let Some(live) = &adopted {
            tags::sync::<Elbv2Tags>(&ctx.aws, &arn, live, &tags)
                .await
                .map_err(|e| e.partial(&arn, &outputs))?;
            Self::modify(ctx, &arn, inputs)
                .await
                .map_err(|e| e.partial(&arn, &outputs))?;
        }
        Ok((arn, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&ListenerInputs>,
    ) -> Result<Option<(ListenerInputs, ListenerOutputs)>, ResourceError> {
        let Some(l) = Self::describe(ctx, id).await? else {
            return Ok(None);
        };
        let (tags, tags_all) = split_tags(
            &ctx.aws,
            live_tags(&ctx.aws, id).await?,
            prior.and_then(|p| p.tags.as_ref()),
        );
        let https = l.protocol() == Some(&ProtocolEnum::Https);
        let certificate_arn = l
            .certificates()
            .iter()
            .find(|c| c.is_default() != Some(false))
            .and_then(|c| c.certificate_arn())
            .map(str::to_string);
        let inputs = ListenerInputs {
            load_balancer_arn: l.load_balancer_arn().unwrap_or_default().to_string(),
            port: l.port().unwrap_or_default(),
            protocol: l
                .protocol()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            certificate_arn: certificate_arn.filter(|_| https),
            ssl_policy: l.ssl_policy().filter(|_| https).map(str::to_string),
            default_action: l
                .default_actions()
                .first()
                .map(|a| from_sdk(a, prior.map(|p| &p.default_action)))
                .unwrap_or_default(),
            tags,
        };
        Ok(Some((
            inputs,
            ListenerOutputs {
                arn: id.to_string(),
                tags_all,
            },
        )))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        _old: &ListenerInputs,
        old_outputs: &ListenerOutputs,
        new: &ListenerInputs,
    ) -> Result<ListenerOutputs, ResourceError> {
        let tags = all_tags(ctx, new.tags.as_ref());
        tags::sync::<Elbv2Tags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        Self::modify(ctx, id, new).await?;
        Ok(ListenerOutputs {
            arn: id.to_string(),
            tags_all: tags,
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &ListenerInputs,
        _: &ListenerOutputs,
    ) -> Result<(), ResourceError> {
        // Deleting a listener is synchronous (its rules go with it); gone already is success.
        match ctx
            .aws
            .elbv2
            .delete_listener()
            .listener_arn(id)
            .send()
            .await
            .map_err(|e| aws_error("elbv2:DeleteListener", e))
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }
}
