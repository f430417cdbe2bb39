//! S3 kinds, and what they share: bucket name rules, bucket tags (S3 replaces a bucket's whole tag set in one
//! call), where a bucket is ([`head`]), the DNS names of a bucket, and who delivers load balancer access logs in
//! each region. Adoption and exactly-once creates follow [`crate::lifecycle`].

pub mod bucket;

use std::collections::BTreeMap;

use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::types::{Tag, Tagging};

use crate::aws::Aws;
use crate::error::{ResourceError, aws_error};
use crate::resource::{CheckContext, Failures};

/// Tags as S3 returns them, as a map.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// A map of tags as S3's tag list.
pub fn tag_list(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ResourceError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ResourceError::Internal(format!("cannot build S3 tag '{k}': {e}")))
        })
        .collect()
}

/// Every tag on bucket `name` (empty when it has none). A missing bucket is the NotFound error `NoSuchBucket`.
pub async fn live_tags(aws: &Aws, name: &str) -> Result<BTreeMap<String, String>, ResourceError> {
    match aws
        .s3
        .get_bucket_tagging()
        .bucket(name)
        .send()
        .await
        .map_err(|e| aws_error("s3:GetBucketTagging", e))
    {
        Ok(out) => Ok(tag_map(out.tag_set())),
        Err(e) if e.code() == Some("NoSuchTagSet") => Ok(BTreeMap::new()),
        Err(e) => Err(e),
    }
}

/// Makes the tags of bucket `name` exactly `tags`: S3 replaces the whole tag set in one PutBucketTagging call
/// (so there is no separate untag; the ownership and identity tags keep the set from ever being empty).
pub async fn put_tags(
    aws: &Aws,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), ResourceError> {
    let tagging = Tagging::builder()
        .set_tag_set(Some(tag_list(tags)?))
        .build()
        .map_err(|e| ResourceError::Internal(format!("cannot build the S3 tag set: {e}")))?;
    aws.s3
        .put_bucket_tagging()
        .bucket(name)
        .tagging(tagging)
        .send()
        .await
        .map_err(|e| aws_error("s3:PutBucketTagging", e))?;
    Ok(())
}

/// Validates user tags against S3's limits (50 per bucket).
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    super::tags::check(tags, "S3", f);
}

/// Name prefixes S3 reserves for other bucket types and features.
const RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
/// Name suffixes S3 reserves (access point aliases, Object Lambda, Multi-Region Access Points, directory and
/// table buckets).
const RESERVED_SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/// Every S3 general purpose bucket naming rule `name` breaks, each as a sentence naming the rule (empty when the
/// name is valid). <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html>
pub fn bucket_name_problems(name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let len = name.chars().count();
    if !(3..=63).contains(&len) {
        problems.push(format!("must be 3-63 characters long (it has {len})"));
    }
    let bad: String = name
        .chars()
        .filter(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.')))
        .collect();
    if !bad.is_empty() {
        problems.push(format!(
            "may contain only lowercase letters, digits, hyphens and dots (not {bad:?})"
        ));
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !alnum(name.chars().next()) || !alnum(name.chars().last()) {
        problems.push("must begin and end with a lowercase letter or a digit".into());
    }
    if name.contains("..") {
        problems.push("must not contain two adjacent dots".into());
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        problems.push("must not be formatted as an IP address (such as 192.168.5.4)".into());
    }
    if let Some(p) = RESERVED_PREFIXES.iter().find(|p| name.starts_with(**p)) {
        problems.push(format!("must not start with the reserved prefix '{p}'"));
    }
    if let Some(s) = RESERVED_SUFFIXES.iter().find(|s| name.ends_with(**s)) {
        problems.push(format!("must not end with the reserved suffix '{s}'"));
    }
    problems
}

/// A bucket name for a logical name S3 may not accept as is: lowercased, other characters as `-`, no repeated,
/// leading or trailing separators, at most 63 characters.
pub fn sanitize_name(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '-'
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    out.truncate(63);
    while out.ends_with('-') {
        out.pop();
    }
    if out.len() < 3 {
        out = format!("bucket-{out}").trim_end_matches('-').to_string();
    }
    if RESERVED_PREFIXES.iter().any(|p| out.starts_with(p)) {
        out = format!("b-{out}");
        out.truncate(63);
    }
    out
}

/// Fills `bucket` with an autoname when unset and validates it (S3's rules, one failure per rule broken).
pub fn check_name(ctx: &CheckContext, bucket: &mut Option<String>, f: &mut Failures) {
    let n = bucket.get_or_insert_with(|| sanitize_name(&ctx.autoname(63)));
    for problem in bucket_name_problems(n) {
        f.push(
            "bucket",
            format!("'{n}' is not a valid S3 bucket name: it {problem}"),
        );
    }
}

/// The DNS suffix of a region's partition.
pub fn dns_suffix(region: &str) -> &'static str {
    match crate::arn::partition_of(region) {
        "aws-cn" => "amazonaws.com.cn",
        "aws-iso" => "c2s.ic.gov",
        "aws-iso-b" => "sc2s.sgov.gov",
        _ => "amazonaws.com",
    }
}

/// The service principal that delivers load balancer access logs (the only one in Regions opened since
/// August 2022).
pub const LOG_DELIVERY_SERVICE: &str = "logdelivery.elasticloadbalancing.amazonaws.com";

/// The Elastic Load Balancing account that writes access logs in the Regions opened before August 2022 (AWS's
/// table: <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html>).
/// Regions not listed here use [`LOG_DELIVERY_SERVICE`] only.
const ELB_LOG_ACCOUNTS: [(&str, &str); 29] = [
    ("us-east-1", "127311923021"),
    ("us-east-2", "033677994240"),
    ("us-west-1", "027434742980"),
    ("us-west-2", "797873946194"),
    ("af-south-1", "098369216593"),
    ("ap-east-1", "754344448648"),
    ("ap-southeast-3", "589379963580"),
    ("ap-south-1", "718504428378"),
    ("ap-northeast-3", "383597477331"),
    ("ap-northeast-2", "600734575887"),
    ("ap-southeast-1", "114774131450"),
    ("ap-southeast-2", "783225319266"),
    ("ap-northeast-1", "582318560864"),
    ("ca-central-1", "985666609251"),
    ("eu-central-1", "054676820928"),
    ("eu-west-1", "156460612806"),
    ("eu-west-2", "652711504416"),
    ("eu-south-1", "635631232127"),
    ("eu-west-3", "009996457667"),
    ("eu-north-1", "897822967062"),
    ("me-south-1", "076674570225"),
    ("sa-east-1", "507241528517"),
    ("us-gov-west-1", "048591011584"),
    ("us-gov-east-1", "190560391635"),
    ("cn-north-1", "638102146993"),
    ("cn-northwest-1", "037604701340"),
    ("us-iso-east-1", "770363063475"),
    ("us-iso-west-1", "121062877647"),
    ("us-isob-east-1", "740734521339"),
];

/// The Elastic Load Balancing account of `region`, for the Regions that have one.
pub fn elb_log_account(region: &str) -> Option<&'static str> {
    ELB_LOG_ACCOUNTS
        .iter()
        .find(|(r, _)| *r == region)
        .map(|(_, a)| *a)
}

/// Where a bucket name stands, as HeadBucket says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Head {
    /// In this account and region (its region, when S3 says it).
    Here(Option<String>),
    /// No bucket has the name.
    Missing,
    /// The bucket exists and these credentials may not see it: another account's (or s3:ListBucket is denied).
    Forbidden,
    /// The bucket exists in another region (S3 names it when it can).
    Elsewhere(Option<String>),
}

/// HeadBucket of `name`. HEAD answers carry no error code, so the HTTP status says what the answer means.
pub async fn head(aws: &Aws, name: &str) -> Result<Head, ResourceError> {
    match aws.s3.head_bucket().bucket(name).send().await {
        Ok(out) => Ok(Head::Here(out.bucket_region().map(str::to_string))),
        Err(SdkError::ServiceError(e)) => {
            let raw = e.raw();
            let region = raw.headers().get("x-amz-bucket-region").map(str::to_string);
            match raw.status().as_u16() {
                404 => Ok(Head::Missing),
                403 => Ok(Head::Forbidden),
                // 301 from a regional endpoint, 400 (AuthorizationHeaderMalformed) when signed for the wrong one.
                301 | 400 if region.as_deref().is_some_and(|r| r != aws.region) => {
                    Ok(Head::Elsewhere(region))
                }
                status => Err(ResourceError::Aws {
                    operation: "s3:HeadBucket",
                    code: if status >= 500 {
                        "InternalError".into()
                    } else {
                        format!("HTTP{status}")
                    },
                    message: format!("HeadBucket of '{name}' answered HTTP {status}"),
                    hint: None,
                }),
            }
        }
        Err(e) => Err(aws_error("s3:HeadBucket", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_s3s_rules() {
        for ok in [
            "s3-alblogs-dev-demo1",
            "abc",
            "a.b-c",
            "1bucket",
            &"a".repeat(63),
        ] {
            assert!(bucket_name_problems(ok).is_empty(), "{ok}");
        }
        let one = |name: &str, rule: &str| {
            let p = bucket_name_problems(name);
            assert!(p.iter().any(|p| p.contains(rule)), "{name}: {p:?}");
        };
        one("ab", "3-63 characters");
        one(&"a".repeat(64), "3-63 characters");
        one("Logs", "lowercase letters");
        one("my_bucket", "lowercase letters");
        one("-logs", "begin and end");
        one("logs.", "begin and end");
        one("a..b", "two adjacent dots");
        one("192.168.5.4", "IP address");
        one("xn--logs", "'xn--'");
        one("sthree-logs", "'sthree-'");
        one("logs-s3alias", "'-s3alias'");
        one("logs--ol-s3", "'--ol-s3'");
        one("logs.mrap", "'.mrap'");
        one("logs--x-s3", "'--x-s3'");
        one("logs--table-s3", "'--table-s3'");
    }

    #[test]
    fn autonames_are_valid_names() {
        for raw in [
            "Access Logs_ALB-1a2b3c4",
            "--X--",
            "a",
            "xn--weird-1234567",
            &"Z".repeat(80),
        ] {
            let n = sanitize_name(raw);
            assert!(bucket_name_problems(&n).is_empty(), "{raw} -> {n}");
        }
        assert_eq!(
            sanitize_name("Access Logs_ALB-1a2b3c4"),
            "access-logs-alb-1a2b3c4"
        );
    }

    #[test]
    fn log_delivery_principals_by_region() {
        assert_eq!(elb_log_account("us-east-1"), Some("127311923021"));
        assert_eq!(elb_log_account("eu-west-1"), Some("156460612806"));
        assert_eq!(elb_log_account("cn-north-1"), Some("638102146993"));
        // Opened after August 2022: the service principal only.
        assert_eq!(elb_log_account("eu-central-2"), None);
        assert_eq!(elb_log_account("ap-southeast-4"), None);
        assert_eq!(dns_suffix("us-east-1"), "amazonaws.com");
        assert_eq!(dns_suffix("cn-north-1"), "amazonaws.com.cn");
    }
}
