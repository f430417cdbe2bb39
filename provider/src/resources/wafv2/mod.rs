//! AWS WAFv2 kinds (regional scope only: web ACLs for ALBs), and what they share: tags on the ARN ([`WafTags`]),
//! name and ARN rules. WAF's error spellings (`WAFNonexistentItemException`, the optimistic lock) are classified in
//! [`crate::error::classify`]; retries go through [`crate::lifecycle`].
//!
//! A web ACL's resource id is its ARN (`arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>`): it is what
//! associations, logging and the console take, and it holds the name, scope and id WAF's other calls need.

pub mod web_acl;
pub mod web_acl_association;

use std::collections::BTreeMap;

use aws_sdk_wafv2::types::Tag;

use super::tags::{self, Tagging};
use crate::aws::Aws;
use crate::error::{ResourceError, aws_error};
use crate::resource::Failures;

/// The only scope this provider manages (web ACLs for ALBs; CloudFront ACLs live in us-east-1 only).
pub const SCOPE: &str = "REGIONAL";

/// The parts of a web ACL ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebAclArn {
    pub region: String,
    pub account: String,
    pub name: String,
    pub id: String,
}

/// Parses `arn:<partition>:wafv2:<region>:<account>:regional/webacl/<name>/<id>`.
pub fn parse_web_acl_arn(arn: &str) -> Option<WebAclArn> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return None;
    };
    if *prefix != "arn" || partition.is_empty() || *service != "wafv2" || region.is_empty() {
        return None;
    }
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let pieces: Vec<&str> = resource.split('/').collect();
    let [scope, kind, name, id] = pieces.as_slice() else {
        return None;
    };
    if *scope != "regional" || *kind != "webacl" || !name_ok(name) || id.is_empty() {
        return None;
    }
    Some(WebAclArn {
        region: region.to_string(),
        account: account.to_string(),
        name: name.to_string(),
        id: id.to_string(),
    })
}

/// WAF's entity names: 1-128 characters of `[A-Za-z0-9_-]`.
pub fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// WAF's CloudWatch metric names: 1-255 characters of `[A-Za-z0-9_#:.-]`, and not the reserved `All` or
/// `Default_Action`.
pub fn metric_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_#:.-".contains(c))
        && name != "All"
        && name != "Default_Action"
}

/// Tags as WAF returns them, as a map.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// Tags as WAF takes them.
pub fn to_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ResourceError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ResourceError::Internal(format!("cannot build a WAF tag: {e}")))
        })
        .collect()
}

/// Every tag on `arn`.
pub async fn list_tags(aws: &Aws, arn: &str) -> Result<BTreeMap<String, String>, ResourceError> {
    let mut all = BTreeMap::new();
    let mut marker: Option<String> = None;
    loop {
        let out = aws
            .wafv2
            .list_tags_for_resource()
            .resource_arn(arn)
            .set_next_marker(marker.clone())
            .limit(100)
            .send()
            .await
            .map_err(|e| aws_error("wafv2:ListTagsForResource", e))?;
        if let Some(info) = out.tag_info_for_resource() {
            all.extend(tag_map(info.tag_list()));
        }
        match out.next_marker() {
            Some(m) if !m.is_empty() && Some(m) != marker.as_deref() => {
                marker = Some(m.to_string())
            }
            _ => return Ok(all),
        }
    }
}

/// WAF tags a resource by ARN.
pub struct WafTags;

impl Tagging for WafTags {
    async fn tag(
        aws: &Aws,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        aws.wafv2
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(to_tags(tags)?))
            .send()
            .await
            .map_err(|e| aws_error("wafv2:TagResource", e))?;
        Ok(())
    }

    async fn untag(aws: &Aws, arn: &str, keys: &[String]) -> Result<(), ResourceError> {
        aws.wafv2
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("wafv2:UntagResource", e))?;
        Ok(())
    }
}

/// Splits live tags into the declared tags and all tags (see [`tags::split`]). WAF has no `Name` tag convention,
/// so a `Name` tag is an ordinary declared tag here.
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

/// Validates user tags against WAF's limits (50 per resource; keys 1-128, values at most 256).
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    tags::check(tags, "WAF", f);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_acl_arns_parse() {
        let arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/waf-prod/1a2b-3c";
        assert_eq!(
            parse_web_acl_arn(arn),
            Some(WebAclArn {
                region: "eu-west-1".into(),
                account: "123456789012".into(),
                name: "waf-prod".into(),
                id: "1a2b-3c".into(),
            })
        );
        assert!(
            parse_web_acl_arn("arn:aws:wafv2:us-east-1:123456789012:global/webacl/a/b").is_none()
        );
        assert!(
            parse_web_acl_arn("arn:aws:elasticloadbalancing:us-east-1:123456789012:x").is_none()
        );
    }

    #[test]
    fn names_and_metric_names() {
        assert!(name_ok("waf-prod_1"));
        assert!(!name_ok("waf prod"));
        assert!(!name_ok(&"a".repeat(129)));
        assert!(metric_name_ok("waf-prod:rate.limit#1"));
        assert!(!metric_name_ok("with space"));
        assert!(!metric_name_ok("All"));
        assert!(!metric_name_ok(""));
    }
}
