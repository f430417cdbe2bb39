//! AWS WAFv2 kinds (regional scope only: web ACLs for ALBs), and what they share: tags on the ARN, the
//! create-pending marker (see `ec2`'s module docs for the adoption rules), WAF's NotFound spelling
//! (`WAFNonexistentItemException`) and the lock-token retry loop.
//!
//! A web ACL's resource id is its ARN (`arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>`): it is what
//! associations, logging and the console take, and it holds the name, scope and id WAF's other calls need.

pub mod web_acl;
pub mod web_acl_association;

pub use super::tags::{Found, found};
use std::collections::BTreeMap;

use aws_sdk_wafv2::types::Tag;

use super::tags::{self, PENDING_TAG};
use crate::aws::{Aws, OWNERSHIP_TAG};
use crate::error::{ResourceError, aws_error};
use crate::resource::{Context, Failures, Poll};

/// The only scope this provider manages (web ACLs for ALBs; CloudFront ACLs live in us-east-1 only).
pub const SCOPE: &str = "REGIONAL";

/// True when WAF says the thing does not exist.
pub fn is_gone(e: &ResourceError) -> bool {
    e.code() == Some("WAFNonexistentItemException") || e.is_not_found()
}

/// True for WAF's "someone else changed it, fetch a new lock token and retry".
pub fn is_lock_conflict(e: &ResourceError) -> bool {
    e.code() == Some("WAFOptimisticLockException")
}

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

/// Brings the tags of `arn` from `old` to `new` (see `ec2::sync_tags`; a stale [`PENDING_TAG`] goes too).
pub async fn sync_tags(
    aws: &Aws,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ResourceError> {
    let super::tags::TagChanges { removed, changed } = super::tags::changes(old, new);
    if !removed.is_empty() {
        aws.wafv2
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| aws_error("wafv2:UntagResource", e))?;
    }
    if !changed.is_empty() {
        aws.wafv2
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(to_tags(&changed)?))
            .send()
            .await
            .map_err(|e| aws_error("wafv2:TagResource", e))?;
    }
    Ok(())
}

/// The last step of a create: removes [`PENDING_TAG`] from `arn`, after which no create adopts it.
pub async fn finish_create(aws: &Aws, arn: &str) -> Result<(), ResourceError> {
    aws.wafv2
        .untag_resource()
        .resource_arn(arn)
        .tag_keys(PENDING_TAG)
        .send()
        .await
        .map_err(|e| aws_error("wafv2:UntagResource", e))?;
    Ok(())
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

/// The conflict error for a same-named resource, by what it is to this provider.
pub fn conflict(kind: &str, name: &str, arn: &str, found: Found) -> ResourceError {
    match found {
        Found::Recorded => ResourceError::Conflict(format!(
            "a {kind} named '{name}' already exists ({arn}) and is recorded by another pulumi-orderapi resource or \
             stack; choose another name (or environmentSuffix), or use the deleteBeforeReplace resource option"
        )),
        _ => ResourceError::Conflict(format!(
            "a {kind} named '{name}' already exists ({arn}) and was not created by pulumi-orderapi (no {}={} tag); \
             choose another name (or environmentSuffix), or delete or import that {kind}",
            OWNERSHIP_TAG.0, OWNERSHIP_TAG.1
        )),
    }
}

/// Validates user tags against WAF's limits (50 per resource; keys 1-128, values at most 256).
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    let Some(tags) = tags else { return };
    f.require(
        tags.len() <= 45,
        "tags",
        "at most 45 tags (WAF allows 50, 5 are kept for the provider)",
    );
    for (k, v) in tags {
        f.require(
            !k.is_empty() && k.len() <= 128,
            "tags",
            format!("tag key '{k}' must be 1-128 characters"),
        );
        f.require(
            v.len() <= 256,
            "tags",
            format!("the value of tag '{k}' must be at most 256 characters"),
        );
        f.require(
            !k.to_ascii_lowercase().starts_with("aws:"),
            "tags",
            format!("tag key '{k}' uses the reserved aws: prefix"),
        );
        f.require(
            k != PENDING_TAG,
            "tags",
            format!("tag key '{k}' is reserved for the provider"),
        );
    }
}

/// Runs one WAF write until AWS accepts it: `retry` codes (lock conflicts, entities not yet visible, associations
/// still being removed) are retried with backoff within the operation's timeout. `call` returns `Ok(true)` when
/// done, `Ok(false)` to poll again.
pub async fn retrying<F, Fut>(
    ctx: &Context,
    what: &str,
    retry: &[&str],
    mut call: F,
) -> Result<(), ResourceError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, ResourceError>>,
{
    ctx.wait_for(what, || {
        let fut = call();
        async move {
            match fut.await {
                Ok(true) => Ok(Poll::Ready(())),
                Ok(false) => Ok(Poll::Pending("in progress".into())),
                Err(e) if e.code().is_some_and(|c| retry.contains(&c)) => Ok(Poll::Pending(
                    format!("AWS says {}", e.code().unwrap_or_default()),
                )),
                Err(e) => Err(e),
            }
        }
    })
    .await
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
