//! Application Auto Scaling kinds for ECS services (scalable targets and target-tracking policies), and what they
//! share: keys (a target is `(serviceNamespace, resourceId, scalableDimension)`, not a name), tags on the
//! target's ARN ([`AppAutoScalingTags`]; adoption follows [`crate::lifecycle`]) and validation.
//!
//! Resource ids: a scalable target's is `<serviceNamespace>|<resourceId>|<scalableDimension>`; a scaling policy's
//! is the same followed by `|<policyName>`. Both parse back for import.

pub mod scalable_target;
pub mod scaling_policy;

use std::collections::BTreeMap;

use aws_sdk_applicationautoscaling::types::{
    ScalableDimension, ScalableTarget as AwsScalableTarget, ServiceNamespace,
};

use super::tags::{self, Tagging};
use crate::aws::Aws;
use crate::error::{ResourceError, aws_error};
use crate::resource::Failures;

/// The only service namespace this provider scales.
pub const NAMESPACE: &str = "ecs";

/// The only scalable dimension of an ECS service.
pub const DIMENSION: &str = "ecs:service:DesiredCount";

/// What identifies a scalable target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetKey {
    pub namespace: String,
    pub resource_id: String,
    pub dimension: String,
}

impl TargetKey {
    /// `<serviceNamespace>|<resourceId>|<scalableDimension>`.
    pub fn id(&self) -> String {
        format!("{}|{}|{}", self.namespace, self.resource_id, self.dimension)
    }

    /// Parses [`TargetKey::id`]; the rest after a fourth `|` (a policy name) is returned too.
    pub fn parse(id: &str) -> Result<(TargetKey, Option<String>), ResourceError> {
        let mut parts = id.splitn(4, '|');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(ns), Some(rid), Some(dim), rest) if !ns.is_empty() && !rid.is_empty() => Ok((
                TargetKey {
                    namespace: ns.to_string(),
                    resource_id: rid.to_string(),
                    dimension: dim.to_string(),
                },
                rest.map(str::to_string),
            )),
            _ => Err(ResourceError::Internal(format!(
                "'{id}' is not an Application Auto Scaling id (<serviceNamespace>|<resourceId>|<scalableDimension>)"
            ))),
        }
    }

    pub fn namespace(&self) -> ServiceNamespace {
        ServiceNamespace::from(self.namespace.as_str())
    }

    pub fn dimension(&self) -> ScalableDimension {
        ScalableDimension::from(self.dimension.as_str())
    }
}

/// The live scalable target, if registered.
pub async fn describe_target(
    aws: &Aws,
    key: &TargetKey,
) -> Result<Option<AwsScalableTarget>, ResourceError> {
    let mut token: Option<String> = None;
    loop {
        let out = aws
            .applicationautoscaling
            .describe_scalable_targets()
            .service_namespace(key.namespace())
            .resource_ids(&key.resource_id)
            .scalable_dimension(key.dimension())
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| aws_error("application-autoscaling:DescribeScalableTargets", e))?;
        if let Some(t) = out.scalable_targets().iter().find(|t| {
            t.resource_id() == key.resource_id && t.scalable_dimension().as_str() == key.dimension
        }) {
            return Ok(Some(t.clone()));
        }
        match out.next_token() {
            Some(t) if !t.is_empty() && Some(t) != token.as_deref() => token = Some(t.to_string()),
            _ => return Ok(None),
        }
    }
}

/// Every tag on `arn`.
pub async fn list_tags(aws: &Aws, arn: &str) -> Result<BTreeMap<String, String>, ResourceError> {
    let out = aws
        .applicationautoscaling
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| aws_error("application-autoscaling:ListTagsForResource", e))?;
    Ok(out
        .tags()
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default())
}

/// Application Auto Scaling tags a scalable target by ARN.
pub struct AppAutoScalingTags;

impl Tagging for AppAutoScalingTags {
    async fn tag(
        aws: &Aws,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        aws.applicationautoscaling
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| aws_error("application-autoscaling:TagResource", e))?;
        Ok(())
    }

    async fn untag(aws: &Aws, arn: &str, keys: &[String]) -> Result<(), ResourceError> {
        aws.applicationautoscaling
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("application-autoscaling:UntagResource", e))?;
        Ok(())
    }
}

/// Splits live tags into the declared tags and all tags (see [`tags::split`]); a `Name` tag is an ordinary
/// declared tag here.
pub fn split_tags(
    aws: &Aws,
    live: BTreeMap<String, String>,
    prior: Option<&BTreeMap<String, String>>,
) -> (Option<BTreeMap<String, String>>, BTreeMap<String, String>) {
    let (name, mut own, all) = tags::split(aws, live, prior);
    if let Some(name) = name {
        own.get_or_insert_with(BTreeMap::new)
            .insert("Name".to_string(), name);
    }
    (own, all)
}

/// Validates the namespace, resource id and dimension of an ECS service target, filling the defaults.
pub fn check_target(
    namespace: &mut Option<String>,
    resource_id: &str,
    dimension: &mut Option<String>,
    f: &mut Failures,
) {
    let ns = namespace.get_or_insert_with(|| NAMESPACE.to_string());
    f.require(
        ns == NAMESPACE,
        "serviceNamespace",
        format!("'{ns}' is not supported: this provider scales ECS services (ecs)"),
    );
    let dim = dimension.get_or_insert_with(|| DIMENSION.to_string());
    f.require(
        dim == DIMENSION,
        "scalableDimension",
        format!("'{dim}' is not supported: an ECS service scales on {DIMENSION}"),
    );
    let ecs_name_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 255
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    let ok = matches!(
        resource_id.split('/').collect::<Vec<_>>().as_slice(),
        ["service", cluster, service] if ecs_name_ok(cluster) && ecs_name_ok(service)
    );
    f.require(
        ok,
        "resourceId",
        format!(
            "'{resource_id}' must be service/<cluster name>/<service name> (names of 1-255 letters, digits, _ and -)"
        ),
    );
}

/// Validates user tags against Application Auto Scaling's limits (50 per target; keys 1-128, values at most
/// 256).
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    tags::check(tags, "Application Auto Scaling", f);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        let key = TargetKey {
            namespace: "ecs".into(),
            resource_id: "service/c/s".into(),
            dimension: DIMENSION.into(),
        };
        assert_eq!(
            TargetKey::parse(&key.id()).expect("parse"),
            (key.clone(), None)
        );
        let (k, name) = TargetKey::parse(&format!("{}|cpu", key.id())).expect("parse");
        assert_eq!(k, key);
        assert_eq!(name.as_deref(), Some("cpu"));
        assert!(TargetKey::parse("nope").is_err());
    }

    #[test]
    fn ecs_targets_only() {
        let mut f = Failures::default();
        let (mut ns, mut dim) = (None, None);
        check_target(&mut ns, "service/orders/api", &mut dim, &mut f);
        assert_eq!(ns.as_deref(), Some("ecs"));
        assert_eq!(dim.as_deref(), Some(DIMENSION));
        check_target(&mut Some("dynamodb".into()), "table/x", &mut None, &mut f);
        let failures = f.finish(()).expect_err("invalid");
        let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
        assert_eq!(props, vec!["serviceNamespace", "resourceId"]);
    }
}
