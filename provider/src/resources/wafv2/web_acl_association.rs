//! `orderapi:wafv2:WebAclAssociation` — puts a regional web ACL in front of an ALB.
//!
//! The resource id is `<webAclArn>,<resourceArn>`.
//!
//! # Identity
//!
//! An association cannot carry tags and has no state besides its two ARNs: its identity is its content. The ALB
//! already associated with the same ACL is the orphan of this create (a create whose answer was lost, or a crash
//! right after the call), or indistinguishable from it: associating again changes nothing. It is adopted unless the
//! engine records it (then it is the association a replacement replaces, a conflict). An ALB associated with
//! another ACL is a conflict, never silently switched. AssociateWebACL is idempotent, and [`create_once`] looks
//! before repeating it.

use aws_sdk_wafv2::types::WebAcl as AwsWebAcl;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::parse_web_acl_arn;
use crate::error::{ErrorClass, ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, retry_while};
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};

/// Inputs of a web ACL association.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebAclAssociationInputs {
    /// The ARN of the regional web ACL (`arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>`). Changing it
    /// replaces the association.
    pub web_acl_arn: String,
    /// The ARN of the Application Load Balancer to protect, in the web ACL's region. Changing it replaces the
    /// association.
    pub resource_arn: String,
}

/// Outputs of a web ACL association (it has no properties of its own).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebAclAssociationOutputs {}

pub struct WebAclAssociation;

/// The region of an ALB ARN (`arn:<partition>:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>`).
fn alb_region(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return None;
    };
    let pieces: Vec<&str> = resource.split('/').collect();
    let ok = *prefix == "arn"
        && !partition.is_empty()
        && *service == "elasticloadbalancing"
        && !region.is_empty()
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && matches!(pieces.as_slice(), ["loadbalancer", "app", name, id] if !name.is_empty() && !id.is_empty());
    ok.then(|| region.to_string())
}

/// Splits the resource id into the web ACL ARN and the resource ARN.
fn split_id(id: &str) -> Result<(&str, &str), ResourceError> {
    id.split_once(',').ok_or_else(|| {
        ResourceError::Internal(format!(
            "'{id}' is not a web ACL association id (<webAclArn>,<resourceArn>)"
        ))
    })
}

impl WebAclAssociation {
    /// The ACL the resource is associated with; `None` when none is or the resource is gone.
    async fn current(
        ctx: &Context,
        resource_arn: &str,
    ) -> Result<Option<AwsWebAcl>, ResourceError> {
        match ctx
            .aws
            .wafv2
            .get_web_acl_for_resource()
            .resource_arn(resource_arn)
            .send()
            .await
            .map_err(|e| aws_error("wafv2:GetWebACLForResource", e))
        {
            Ok(out) => Ok(out.web_acl().cloned()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl CustomResource for WebAclAssociation {
    const TOKEN: &'static str = "orderapi:wafv2:WebAclAssociation";
    const DESCRIPTION: &'static str =
        "Associates a regional WAF web ACL with an Application Load Balancer.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["webAclArn", "resourceArn"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = WebAclAssociationInputs;
    type Outputs = WebAclAssociationOutputs;

    fn check(
        _: &CheckContext,
        inputs: WebAclAssociationInputs,
    ) -> Result<WebAclAssociationInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        let acl = parse_web_acl_arn(&inputs.web_acl_arn);
        f.require(
            acl.is_some(),
            "webAclArn",
            format!(
                "'{}' is not the ARN of a regional web ACL (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>)",
                inputs.web_acl_arn
            ),
        );
        let region = alb_region(&inputs.resource_arn);
        f.require(
            region.is_some(),
            "resourceArn",
            format!(
                "'{}' is not the ARN of an Application Load Balancer \
                 (arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>)",
                inputs.resource_arn
            ),
        );
        if let (Some(acl), Some(region)) = (acl, region) {
            f.require(
                acl.region == region,
                "resourceArn",
                format!(
                    "the load balancer is in {region} but the web ACL is in {}; both must be in the same region",
                    acl.region
                ),
            );
        }
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &WebAclAssociationInputs,
    ) -> Result<(String, WebAclAssociationOutputs), ResourceError> {
        let id = format!("{},{}", inputs.web_acl_arn, inputs.resource_arn);
        let what = format!(
            "the association of {} with web ACL {}",
            inputs.resource_arn, inputs.web_acl_arn
        );
        let accepting = format!("{} to accept the web ACL", inputs.resource_arn);
        create_once(
            ctx,
            &what,
            || async {
                match Self::current(ctx, &inputs.resource_arn).await? {
                    // Its content is this create's: classify it as an object carrying this resource's identity.
                    Some(acl) if acl.arn() == inputs.web_acl_arn => {
                        match ctx.found(&id, &ctx.tags(None)) {
                            Found::Orphan => {
                                ctx.adopting("web ACL association", &id);
                                Ok(Some(()))
                            }
                            other => Err(conflict(&what, &other)),
                        }
                    }
                    Some(acl) => Err(ResourceError::Conflict(format!(
                        "{} is already associated with another web ACL ({}); a load balancer has one web ACL: \
                         remove that association first (or associate that ACL instead)",
                        inputs.resource_arn,
                        acl.arn()
                    ))),
                    None => Ok(None),
                }
            },
            || {
                // Right after an ALB or ACL is created WAF may not see it yet (WAFUnavailableEntityException).
                retry_while(
                    ctx,
                    &accepting,
                    &[ErrorClass::InUse, ErrorClass::Throttled],
                    ctx.deadline.saturating_duration_since(std::time::Instant::now()),
                    || async {
                        ctx.aws
                            .wafv2
                            .associate_web_acl()
                            .web_acl_arn(&inputs.web_acl_arn)
                            .resource_arn(&inputs.resource_arn)
                            .send()
                            .await
                            .map_err(|e| aws_error("wafv2:AssociateWebACL", e))?;
                        Ok(())
                    },
                )
            },
        )
        .await?;
        Ok((id, WebAclAssociationOutputs {}))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        _: Option<&WebAclAssociationInputs>,
    ) -> Result<Option<(WebAclAssociationInputs, WebAclAssociationOutputs)>, ResourceError> {
        let (acl_arn, resource_arn) = split_id(id)?;
        Ok(match Self::current(ctx, resource_arn).await? {
            Some(acl) if acl.arn() == acl_arn => Some((
                WebAclAssociationInputs {
                    web_acl_arn: acl_arn.to_string(),
                    resource_arn: resource_arn.to_string(),
                },
                WebAclAssociationOutputs {},
            )),
            _ => None,
        })
    }

    async fn update(
        _: &Context,
        _: &str,
        _: &WebAclAssociationInputs,
        old_outputs: &WebAclAssociationOutputs,
        _: &WebAclAssociationInputs,
    ) -> Result<WebAclAssociationOutputs, ResourceError> {
        // Both inputs force replacement: nothing changes in place.
        Ok(old_outputs.clone())
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &WebAclAssociationInputs,
        _: &WebAclAssociationOutputs,
    ) -> Result<(), ResourceError> {
        let (acl_arn, resource_arn) = split_id(id)?;
        ctx.wait_for(
            &format!("{resource_arn} to leave web ACL {acl_arn}"),
            || async {
                // Only our association is removed: an ALB since associated with another ACL is left alone.
                match Self::current(ctx, resource_arn).await? {
                    Some(acl) if acl.arn() == acl_arn => {}
                    _ => return Ok(Poll::Ready(())),
                }
                match ctx
                    .aws
                    .wafv2
                    .disassociate_web_acl()
                    .resource_arn(resource_arn)
                    .send()
                    .await
                    .map_err(|e| aws_error("wafv2:DisassociateWebACL", e))
                {
                    Ok(_) => Ok(Poll::Pending(
                        "disassociated, waiting for WAF to let go".into(),
                    )),
                    Err(e) if e.is_not_found() => Ok(Poll::Ready(())),
                    Err(e) if matches!(e.class(), ErrorClass::InUse | ErrorClass::Throttled) => {
                        Ok(Poll::Pending(format!("AWS says {e}")))
                    }
                    Err(e) => Err(e),
                }
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alb_arns() {
        assert_eq!(
            alb_region("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb-prod/50dc6c495c0c9188")
                .as_deref(),
            Some("us-east-1")
        );
        assert!(
            alb_region("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/nlb/50dc6c495c0c9188")
                .is_none()
        );
        assert!(alb_region("alb-prod").is_none());
    }
}
