//! Elastic Load Balancing v2 kinds (application load balancers, target groups, listeners, listener rules), and what
//! they share: tags through AddTags/RemoveTags/DescribeTags (keyed by ARN, [`Elbv2Tags`]), name rules, and the
//! listener/rule action and condition types ([`actions`]).
//!
//! # Adoption
//!
//! As [`crate::lifecycle`] describes: every create tags the resource atomically (the create call's `Tags`) with the
//! ownership tag and the identity tag. A create finding a resource under the same unique key (load balancer and
//! target group: the name; listener: load balancer + port; rule: listener + priority) before or after its create
//! call adopts it only when it is an orphan (this resource's identity, not recorded by the engine); anything else
//! under the key is a conflict ([`crate::lifecycle::conflict`]).

pub mod actions;
pub mod listener;
pub mod listener_rule;
pub mod load_balancer;
pub mod target_group;

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::Tag;

use super::tags::Tagging;
use crate::aws::Aws;
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict};
use crate::resource::{CheckContext, Context, Failures};

/// Tags as the elbv2 API takes them.
pub fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Every tag AWS holds for `arn` (empty when the resource is gone).
pub async fn live_tags(aws: &Aws, arn: &str) -> Result<BTreeMap<String, String>, ResourceError> {
    let out = aws
        .elbv2
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .map_err(|e| aws_error("elbv2:DescribeTags", e))?;
    Ok(out
        .tag_descriptions()
        .iter()
        .filter(|d| d.resource_arn() == Some(arn))
        .flat_map(|d| d.tags())
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect())
}

/// elbv2 tags objects by ARN.
pub struct Elbv2Tags;

impl Tagging for Elbv2Tags {
    async fn tag(
        aws: &Aws,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        aws.elbv2
            .add_tags()
            .resource_arns(arn)
            .set_tags(Some(tag_list(tags)))
            .send()
            .await
            .map_err(|e| aws_error("elbv2:AddTags", e))?;
        Ok(())
    }

    async fn untag(aws: &Aws, arn: &str, keys: &[String]) -> Result<(), ResourceError> {
        aws.elbv2
            .remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("elbv2:RemoveTags", e))?;
        Ok(())
    }
}

/// The tags a resource of `ctx` carries: default + own + ownership + identity ([`Context::tags`]).
pub fn all_tags(ctx: &Context, own: Option<&BTreeMap<String, String>>) -> BTreeMap<String, String> {
    ctx.tags(own)
}

/// What an object found under its unique key while creating is to this resource: `Ok` for the orphan of an
/// interrupted create of this resource (to adopt, or the object AWS's idempotent create handed back), the conflict
/// error naming it (`what`, e.g. `a load balancer named 'web' (arn)`) otherwise.
pub fn claim(
    ctx: &Context,
    what: &str,
    arn: &str,
    live: &BTreeMap<String, String>,
) -> Result<(), ResourceError> {
    match ctx.found(arn, live) {
        Found::Orphan => Ok(()),
        other => Err(conflict(what, &other)),
    }
}

/// Declared tags and all tags from live tags (see [`super::tags::split`]).
pub fn split_tags(
    aws: &Aws,
    live: BTreeMap<String, String>,
    prior: Option<&BTreeMap<String, String>>,
) -> (Option<BTreeMap<String, String>>, BTreeMap<String, String>) {
    let (_, own, all) = super::tags::split(aws, live, prior);
    (own, all)
}

/// Validates an elbv2 resource name: 1-32 characters, alphanumerics and hyphens, not starting or ending with a
/// hyphen (and, for load balancers, not starting with `internal-`). Autonames a missing one.
pub fn check_name(ctx: &CheckContext, name: &mut Option<String>, f: &mut Failures) {
    let n = name.get_or_insert_with(|| {
        let raw = ctx.autoname(32);
        // The logical name may hold characters elbv2 names cannot: keep alphanumerics and hyphens.
        let cleaned: String = raw
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        cleaned.trim_matches('-').to_string()
    });
    f.require(
        !n.is_empty() && n.len() <= 32,
        "name",
        "must be 1-32 characters",
    );
    f.require(
        n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
        "name",
        "may contain only a-z, A-Z, 0-9 and hyphens",
    );
    f.require(
        !n.starts_with('-') && !n.ends_with('-'),
        "name",
        "must not start or end with a hyphen",
    );
}

/// Validates user tags against elbv2's limits (50 per resource, the provider's keys reserved).
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    super::tags::check(tags, "elbv2", f);
}

/// Whether `arn` looks like an ARN of the given elbv2 resource type (`loadbalancer/app`, `targetgroup`,
/// `listener/app`, …).
pub fn is_elbv2_arn(arn: &str, resource: &str) -> bool {
    arn.starts_with("arn:")
        && arn.contains(":elasticloadbalancing:")
        && arn.contains(&format!(":{resource}/"))
}

/// The part of an ARN after `:<marker>` — for CloudWatch dimensions: `app/<name>/<id>` of a load balancer (marker
/// `loadbalancer/`), `targetgroup/<name>/<id>` of a target group (marker `targetgroup/`, kept).
pub fn arn_suffix(arn: &str) -> String {
    if let Some(i) = arn.find(":loadbalancer/") {
        return arn[i + ":loadbalancer/".len()..].to_string();
    }
    if let Some(i) = arn.find(":targetgroup/") {
        return arn[i + 1..].to_string();
    }
    arn.rsplit(':').next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes() {
        assert_eq!(
            arn_suffix(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
            ),
            "app/web/50dc6c495c0c9188"
        );
        assert_eq!(
            arn_suffix(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/73e2d6bc24d8a067"
            ),
            "targetgroup/api/73e2d6bc24d8a067"
        );
    }

    #[test]
    fn names() {
        let mut f = Failures::default();
        check_name(
            &CheckContext::default(),
            &mut Some("ok-name-1".into()),
            &mut f,
        );
        assert!(f.finish(()).is_ok());
        let long = "a".repeat(33);
        for bad in ["-x", "x-", "a_b", long.as_str()] {
            let mut f = Failures::default();
            check_name(&CheckContext::default(), &mut Some(bad.to_string()), &mut f);
            assert!(f.finish(()).is_err(), "{bad}");
        }
        let ctx = CheckContext {
            name: "my_web.lb".into(),
            random_seed: vec![1, 2, 3, 4],
            prior_name: None,
        };
        let mut name = None;
        let mut f = Failures::default();
        check_name(&ctx, &mut name, &mut f);
        assert!(f.finish(()).is_ok());
        assert_eq!(name.as_deref(), Some("my-web-lb-0102030"));
    }
}
