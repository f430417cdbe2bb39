//! `orderapi:s3:Bucket` — a private S3 bucket for the platform's load balancer access logs: default encryption,
//! every public access block flag, ACLs disabled (`BucketOwnerEnforced`), optional versioning, one lifecycle rule
//! that expires objects, a bucket policy that refuses plain HTTP and (optionally) lets Elastic Load Balancing write
//! access logs, tags, and a destroy that empties the bucket first (`forceDestroy`).
//!
//! Bucket names are global across every AWS account. A create looks the name up before each CreateBucket call
//! ([`crate::lifecycle::create_once`]): a bucket of this account with this resource's identity that the engine does
//! not record is the orphan of a lost create and is adopted (brought to the declared settings); any other bucket of
//! this account is a conflict, and a bucket of another account (HeadBucket 403, or CreateBucket's
//! `BucketAlreadyExists`) is a conflict no retry resolves. CreateBucket carries the tags (its
//! `CreateBucketConfiguration.Tags`), so the bucket never exists without its ownership and identity tags, and
//! `BucketOwnerEnforced` (its `x-amz-object-ownership` header); the other settings follow one call each. A create
//! that fails after CreateBucket records the bucket (partial state); the engine then calls update on the next
//! `up`, which brings every setting to the declared one.
//!
//! Update and adoption read the live settings and write only those that differ from the declared ones. Read
//! reports every setting from AWS; a setting this provider would never write (a bucket policy or lifecycle rule of
//! someone else's, public access block flags half on, ACLs enabled) is reported as the related input being unset,
//! with a warning, so the next `up` shows an update and writes the declared one back.

use std::collections::BTreeMap;

use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint,
    BucketVersioningStatus, CreateBucketConfiguration, Delete, ExpirationStatus,
    LifecycleExpiration, LifecycleRule, LifecycleRuleFilter, NoncurrentVersionExpiration,
    ObjectIdentifier, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{
    Head, LOG_DELIVERY_SERVICE, check_name, check_tags, dns_suffix, elb_log_account, head,
    live_tags, put_tags, tag_list,
};
use crate::arn::partition_of;
use crate::error::{ErrorClass, ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, delete_retrying_plain};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::tags;

/// Default days after which objects expire.
pub const DEFAULT_EXPIRATION_DAYS: u32 = 90;
/// The longest expiration accepted here (10 years).
pub const MAX_EXPIRATION_DAYS: u32 = 3650;
/// Days after which an incomplete multipart upload is aborted (its parts are billed until then).
pub const ABORT_MULTIPART_DAYS: i32 = 7;
/// The object ownership every bucket has: ACLs disabled, the bucket owner owns every object.
const OWNERSHIP: &str = "BucketOwnerEnforced";
/// S3-managed keys (SSE-S3).
pub const SSE_S3: &str = "AES256";
/// AWS KMS keys (SSE-KMS).
pub const SSE_KMS: &str = "aws:kms";
/// Longest `logPrefix` accepted here (the load balancer appends `/AWSLogs/<account>/…/<file name>`, and an object
/// key is at most 1024 bytes).
const MAX_PREFIX: usize = 200;

/// Statement ids of the policy this provider writes.
const SID_TLS: &str = "DenyInsecureTransport";
const SID_LOG_ACCOUNT: &str = "AllowLoadBalancerLogDeliveryAccount";
const SID_LOG_SERVICE: &str = "AllowLoadBalancerLogDeliveryService";

/// Inputs of an S3 bucket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BucketInputs {
    /// Bucket name, unique across all AWS accounts: 3-63 characters of lowercase letters, digits, hyphens and
    /// dots, beginning and ending with a letter or digit, no two adjacent dots, not an IP address, not starting
    /// with `xn--`, `sthree-` or `amzn-s3-demo-`, not ending with `-s3alias`, `--ol-s3`, `.mrap`, `--x-s3` or
    /// `--table-s3`. Defaults to the resource name, lowercased, plus a random suffix. Changing it replaces the
    /// bucket (the new one is created first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// Empty the bucket on delete — every object version and delete marker — so a destroy never blocks on its
    /// contents (default true). With false, deleting a bucket that holds anything fails and says what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_destroy: Option<bool>,
    /// Default encryption: `AES256` (default, SSE-S3) or `aws:kms` (SSE-KMS, with an S3 Bucket Key). Load balancer
    /// access logs support only SSE-S3, so `aws:kms` cannot be combined with `loadBalancerLogDelivery`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<String>,
    /// With `encryption` `aws:kms`: the KMS key (key id, key ARN, alias or alias ARN; default the AWS-managed
    /// `aws/s3` key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Turn on all four S3 Block Public Access settings (default true). Object ownership is always
    /// `BucketOwnerEnforced` (ACLs disabled); a refresh that finds ACLs enabled or the flags half on reports this
    /// input unset, so the next `up` restores both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_public_access: Option<bool>,
    /// Keep every version of every object (default false). Turning it off suspends versioning (S3 cannot turn it
    /// off completely); noncurrent versions expire after `expirationDays` too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versioning: Option<bool>,
    /// Days after which objects expire (1-3650, default 90): one lifecycle rule `expire-after-<n>-days` that also
    /// expires noncurrent versions after as many days and aborts incomplete multipart uploads after 7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_days: Option<u32>,
    /// Let Elastic Load Balancing write access logs to `<logPrefix>/AWSLogs/<account>/` (default false): the
    /// bucket policy grants `s3:PutObject` there to the region's Elastic Load Balancing account (Regions opened
    /// before August 2022) and to the `logdelivery.elasticloadbalancing.amazonaws.com` service principal. Needs
    /// `encryption` `AES256`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_log_delivery: Option<bool>,
    /// The prefix the load balancer writes its logs under (default empty: `AWSLogs/<account>/` at the bucket's
    /// root), the same as the load balancer's `access_logs.s3.prefix`. Only with `loadBalancerLogDelivery`; no
    /// leading or trailing `/`, no `AWSLogs`, at most 200 characters of letters, digits and `!-_.*'()/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_prefix: Option<String>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of an S3 bucket (the name is the `bucket` input, always set once checked).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BucketOutputs {
    /// The bucket's ARN (`arn:aws:s3:::<bucket>`).
    pub arn: String,
    /// The bucket's global domain name (`<bucket>.s3.amazonaws.com`).
    pub bucket_domain_name: String,
    /// The bucket's domain name in its region (`<bucket>.s3.<region>.amazonaws.com`).
    pub bucket_regional_domain_name: String,
    /// The region the bucket is in.
    pub region: String,
    /// Every tag on the bucket, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

/// One string or a list of them (the policy grammar allows both); compared as lists.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Strings(Vec<String>);

impl Strings {
    fn one(s: impl Into<String>) -> Strings {
        Strings(vec![s.into()])
    }
}

impl Serialize for Strings {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => s.serialize_str(one),
            many => many.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        Ok(match OneOrMany::deserialize(d)? {
            OneOrMany::One(s) => Strings(vec![s]),
            OneOrMany::Many(v) => Strings(v),
        })
    }
}

/// Who a statement applies to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum Principal {
    /// `"*"`: anyone.
    Anyone(String),
    /// `{"AWS": …}`, `{"Service": …}`.
    Named(BTreeMap<String, Strings>),
}

/// A bucket policy document, as PutBucketPolicy takes it. Only the shape this provider writes parses; anything
/// else (another field, another statement shape) is someone else's policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct PolicyDocument {
    version: String,
    statement: Vec<Statement>,
}

/// One statement of a bucket policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Statement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
    effect: String,
    principal: Principal,
    action: Strings,
    resource: Strings,
    /// Operator → condition key → values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    condition: Option<BTreeMap<String, BTreeMap<String, Strings>>>,
}

/// Where a load balancer writes access logs: the object ARN pattern under `<prefix>/AWSLogs/<account>/`.
fn log_resource(partition: &str, bucket: &str, account: &str, prefix: &str) -> String {
    let path = if prefix.is_empty() {
        format!("AWSLogs/{account}/*")
    } else {
        format!("{prefix}/AWSLogs/{account}/*")
    };
    format!("arn:{partition}:s3:::{bucket}/{path}")
}

/// The bucket policy this provider writes: plain HTTP refused for everyone; with `log_delivery` (the account the
/// logs are for, and the prefix), `s3:PutObject` under the log path for the region's Elastic Load Balancing account
/// (where the region has one) and the log delivery service principal.
fn policy_document(
    region: &str,
    bucket: &str,
    log_delivery: Option<(&str, &str)>,
) -> PolicyDocument {
    let partition = partition_of(region);
    let bucket_arn = format!("arn:{partition}:s3:::{bucket}");
    let mut statement = vec![Statement {
        sid: Some(SID_TLS.into()),
        effect: "Deny".into(),
        principal: Principal::Anyone("*".into()),
        action: Strings::one("s3:*"),
        resource: Strings(vec![bucket_arn.clone(), format!("{bucket_arn}/*")]),
        condition: Some(BTreeMap::from([(
            "Bool".to_string(),
            BTreeMap::from([("aws:SecureTransport".to_string(), Strings::one("false"))]),
        )])),
    }];
    if let Some((account, prefix)) = log_delivery {
        let resource = log_resource(partition, bucket, account, prefix);
        if let Some(elb) = elb_log_account(region) {
            statement.push(Statement {
                sid: Some(SID_LOG_ACCOUNT.into()),
                effect: "Allow".into(),
                principal: Principal::Named(BTreeMap::from([(
                    "AWS".to_string(),
                    Strings::one(format!("arn:{partition}:iam::{elb}:root")),
                )])),
                action: Strings::one("s3:PutObject"),
                resource: Strings::one(resource.clone()),
                condition: None,
            });
        }
        statement.push(Statement {
            sid: Some(SID_LOG_SERVICE.into()),
            effect: "Allow".into(),
            principal: Principal::Named(BTreeMap::from([(
                "Service".to_string(),
                Strings::one(LOG_DELIVERY_SERVICE),
            )])),
            action: Strings::one("s3:PutObject"),
            resource: Strings::one(resource),
            condition: None,
        });
    }
    PolicyDocument {
        version: "2012-10-17".into(),
        statement,
    }
}

/// What a live bucket policy says, when it is one this provider writes: `Some(None)` without log delivery,
/// `Some(Some((account, prefix)))` with it; `None` for any other policy.
fn recognize_policy(text: &str, region: &str, bucket: &str) -> Option<Option<(String, String)>> {
    let doc: PolicyDocument = serde_json::from_str(text).ok()?;
    let partition = partition_of(region);
    let log = doc
        .statement
        .iter()
        .find(|s| s.sid.as_deref() == Some(SID_LOG_SERVICE));
    let delivery = match log {
        None => None,
        Some(s) => {
            let [resource] = s.resource.0.as_slice() else {
                return None;
            };
            let path = resource.strip_prefix(&format!("arn:{partition}:s3:::{bucket}/"))?;
            let rest = path.strip_suffix("/*")?;
            let (prefix, account) = match rest.rsplit_once("/AWSLogs/") {
                Some((prefix, account)) => (prefix, account),
                None => ("", rest.strip_prefix("AWSLogs/")?),
            };
            Some((account.to_string(), prefix.to_string()))
        }
    };
    let ours = policy_document(
        region,
        bucket,
        delivery.as_ref().map(|(a, p)| (a.as_str(), p.as_str())),
    );
    (ours == doc).then_some(delivery)
}

/// The lifecycle rule id for an expiration of `days`.
fn rule_id(days: u32) -> String {
    format!("expire-after-{days}-days")
}

/// The expiration of the live lifecycle rules, when they are the one rule this provider writes.
fn expiration_of(rules: &[LifecycleRule]) -> Option<u32> {
    let [rule] = rules else { return None };
    let days = u32::try_from(rule.expiration()?.days()?).ok()?;
    let filter_empty = rule.filter().is_none_or(|f| {
        f.prefix().is_none_or(str::is_empty)
            && f.tag().is_none()
            && f.and().is_none()
            && f.object_size_greater_than().is_none()
            && f.object_size_less_than().is_none()
    });
    let ours = rule.id() == Some(rule_id(days).as_str())
        && *rule.status() == ExpirationStatus::Enabled
        && filter_empty
        && legacy_prefix(rule).is_none_or(str::is_empty)
        && rule.transitions().is_empty()
        && rule.noncurrent_version_transitions().is_empty()
        && rule
            .noncurrent_version_expiration()
            .and_then(|n| n.noncurrent_days())
            == i32::try_from(days).ok()
        && rule
            .abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation())
            == Some(ABORT_MULTIPART_DAYS);
    ours.then_some(days)
}

/// The rule-level `Prefix` of a lifecycle rule (deprecated in favour of `Filter`, still found on rules others
/// wrote): a rule with one is not this provider's.
#[allow(deprecated)]
fn legacy_prefix(rule: &LifecycleRule) -> Option<&str> {
    rule.prefix()
}

/// The lifecycle rule this provider writes for an expiration of `days`.
fn lifecycle_rule(days: u32) -> Result<LifecycleRule, ResourceError> {
    let n = i32::try_from(days)
        .map_err(|_| ResourceError::Internal(format!("expirationDays {days} out of range")))?;
    LifecycleRule::builder()
        .id(rule_id(days))
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .expiration(LifecycleExpiration::builder().days(n).build())
        .noncurrent_version_expiration(
            NoncurrentVersionExpiration::builder()
                .noncurrent_days(n)
                .build(),
        )
        .abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(ABORT_MULTIPART_DAYS)
                .build(),
        )
        .build()
        .map_err(|e| ResourceError::Internal(format!("cannot build the lifecycle rule: {e}")))
}

/// The settings a bucket has, as read from S3 (each `None` when the bucket has none).
#[derive(Clone, Debug, Default)]
struct Live {
    region: String,
    tags: BTreeMap<String, String>,
    /// Default encryption: algorithm and KMS key.
    encryption: Option<(String, Option<String>)>,
    /// BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets.
    public_access: Option<[bool; 4]>,
    ownership: Option<String>,
    /// `Enabled` or `Suspended`; `None` for a bucket that never had versioning.
    versioning: Option<String>,
    lifecycle: Option<Vec<LifecycleRule>>,
    policy: Option<String>,
}

impl Live {
    /// What CreateBucket has just set on a new bucket: its tags and ownership. Everything else is written.
    fn fresh(region: String, tags: BTreeMap<String, String>) -> Live {
        Live {
            region,
            tags,
            ownership: Some(OWNERSHIP.into()),
            ..Live::default()
        }
    }
}

/// The settings the inputs declare.
struct Desired {
    tags: BTreeMap<String, String>,
    encryption: (String, Option<String>),
    public_access: [bool; 4],
    versioning: bool,
    expiration_days: u32,
    policy: PolicyDocument,
}

impl Desired {
    async fn of(
        ctx: &Context,
        name: &str,
        inputs: &BucketInputs,
    ) -> Result<Desired, ResourceError> {
        let prefix = inputs.log_prefix.clone().unwrap_or_default();
        let account = if inputs.load_balancer_log_delivery.unwrap_or(false) {
            Some(ctx.aws.account_id().await?)
        } else {
            None
        };
        Ok(Desired {
            tags: ctx.tags(inputs.tags.as_ref()),
            encryption: (
                inputs.encryption.clone().unwrap_or_else(|| SSE_S3.into()),
                inputs.kms_key_id.clone(),
            ),
            public_access: [inputs.block_public_access.unwrap_or(true); 4],
            versioning: inputs.versioning.unwrap_or(false),
            expiration_days: inputs.expiration_days.unwrap_or(DEFAULT_EXPIRATION_DAYS),
            policy: policy_document(
                &ctx.aws.region,
                name,
                account.as_deref().map(|a| (a, prefix.as_str())),
            ),
        })
    }
}

/// The config-absent answer of a Get… call as `None` (its NotFound codes), a missing bucket as the error.
fn absent<T>(r: Result<T, ResourceError>) -> Result<Option<T>, ResourceError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() && e.code() != Some("NoSuchBucket") => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether `prefix` is a valid log prefix; the reason when not.
fn prefix_problem(prefix: &str) -> Option<String> {
    if prefix.len() > MAX_PREFIX {
        return Some(format!("must be at most {MAX_PREFIX} characters"));
    }
    if prefix.starts_with('/') || prefix.ends_with('/') || prefix.contains("//") {
        return Some("must not start or end with '/' or contain '//'".into());
    }
    if prefix.contains("AWSLogs") {
        return Some("must not contain 'AWSLogs' (the load balancer adds it)".into());
    }
    let bad: String = prefix
        .chars()
        .filter(|c| !(c.is_ascii_alphanumeric() || "!-_.*'()/".contains(*c)))
        .collect();
    (!bad.is_empty())
        .then(|| format!("may contain only letters, digits and !-_.*'()/ (not {bad:?})"))
}

/// Whether `key` is a KMS key reference S3 takes: a key id, a key ARN, an alias or an alias ARN.
fn is_kms_key_ref(key: &str) -> bool {
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/'))
    };
    if key.len() > 2048 {
        return false;
    }
    if let Some(arn) = crate::arn::Arn::of_service(key, "kms") {
        return (arn.resource.starts_with("key/") || arn.resource.starts_with("alias/"))
            && token(&arn.resource);
    }
    if let Some(alias) = key.strip_prefix("alias/") {
        return token(alias);
    }
    token(key) && !key.contains('/')
}

pub struct Bucket;

impl Bucket {
    /// The error for a name another AWS account holds.
    fn taken(name: &str) -> ResourceError {
        ResourceError::Conflict(format!(
            "the S3 bucket name '{name}' is taken by another AWS account (bucket names are global across all \
             accounts and regions); choose another `bucket` name"
        ))
    }

    /// The error for a bucket of this name in another region.
    fn elsewhere(name: &str, region: Option<&str>, here: &str) -> ResourceError {
        ResourceError::Conflict(format!(
            "an S3 bucket named '{name}' already exists in region {} (this provider deploys to {here}); bucket \
             names are global: choose another `bucket` name, or set the provider's region to the bucket's",
            region.unwrap_or("another region")
        ))
    }

    fn outputs(name: &str, region: &str, tags_all: BTreeMap<String, String>) -> BucketOutputs {
        let suffix = dns_suffix(region);
        BucketOutputs {
            arn: format!("arn:{}:s3:::{name}", partition_of(region)),
            bucket_domain_name: format!("{name}.s3.{suffix}"),
            bucket_regional_domain_name: format!("{name}.s3.{region}.{suffix}"),
            region: region.to_string(),
            tags_all,
        }
    }

    /// Every setting of bucket `name`, read in parallel; `None` when the bucket does not exist.
    async fn live(ctx: &Context, name: &str) -> Result<Option<Live>, ResourceError> {
        let here = ctx.aws.region.clone();
        let region = match head(&ctx.aws, name).await? {
            Head::Missing => return Ok(None),
            Head::Here(Some(r)) if r != here => {
                return Err(Self::elsewhere(name, Some(&r), &here));
            }
            Head::Here(_) => here.clone(),
            Head::Elsewhere(r) => return Err(Self::elsewhere(name, r.as_deref(), &here)),
            Head::Forbidden => {
                return Err(ResourceError::Conflict(format!(
                    "S3 bucket {name} cannot be read (HeadBucket answered 403): the credentials lack \
                     s3:ListBucket on it, or it was deleted and its name taken by another account; grant the \
                     permission, or `pulumi state delete` the resource if the bucket is no longer yours"
                )));
            }
        };
        let s3 = &ctx.aws.s3;
        let tags = live_tags(&ctx.aws, name);
        let encryption = async {
            let out = absent(
                s3.get_bucket_encryption()
                    .bucket(name)
                    .send()
                    .await
                    .map_err(|e| aws_error("s3:GetBucketEncryption", e)),
            )?;
            Ok::<_, ResourceError>(out.and_then(|o| {
                let rule = o.server_side_encryption_configuration()?.rules().first()?;
                let default = rule.apply_server_side_encryption_by_default()?;
                Some((
                    default.sse_algorithm().as_str().to_string(),
                    default.kms_master_key_id().map(str::to_string),
                ))
            }))
        };
        let public_access = async {
            let out = absent(
                s3.get_public_access_block()
                    .bucket(name)
                    .send()
                    .await
                    .map_err(|e| aws_error("s3:GetPublicAccessBlock", e)),
            )?;
            Ok::<_, ResourceError>(out.and_then(|o| {
                let c = o.public_access_block_configuration()?;
                Some([
                    c.block_public_acls().unwrap_or(false),
                    c.ignore_public_acls().unwrap_or(false),
                    c.block_public_policy().unwrap_or(false),
                    c.restrict_public_buckets().unwrap_or(false),
                ])
            }))
        };
        let ownership = async {
            let out = absent(
                s3.get_bucket_ownership_controls()
                    .bucket(name)
                    .send()
                    .await
                    .map_err(|e| aws_error("s3:GetBucketOwnershipControls", e)),
            )?;
            Ok::<_, ResourceError>(out.and_then(|o| {
                let rule = o.ownership_controls()?.rules().first()?;
                Some(rule.object_ownership().as_str().to_string())
            }))
        };
        let versioning = async {
            let out = s3
                .get_bucket_versioning()
                .bucket(name)
                .send()
                .await
                .map_err(|e| aws_error("s3:GetBucketVersioning", e))?;
            Ok::<_, ResourceError>(out.status().map(|s| s.as_str().to_string()))
        };
        let lifecycle = async {
            let out = absent(
                s3.get_bucket_lifecycle_configuration()
                    .bucket(name)
                    .send()
                    .await
                    .map_err(|e| aws_error("s3:GetBucketLifecycleConfiguration", e)),
            )?;
            Ok::<_, ResourceError>(out.map(|o| o.rules().to_vec()))
        };
        let policy = async {
            let out = absent(
                s3.get_bucket_policy()
                    .bucket(name)
                    .send()
                    .await
                    .map_err(|e| aws_error("s3:GetBucketPolicy", e)),
            )?;
            Ok::<_, ResourceError>(out.and_then(|o| o.policy().map(str::to_string)))
        };
        match futures::try_join!(
            tags,
            encryption,
            public_access,
            ownership,
            versioning,
            lifecycle,
            policy
        ) {
            Ok((tags, encryption, public_access, ownership, versioning, lifecycle, policy)) => {
                Ok(Some(Live {
                    region,
                    tags,
                    encryption,
                    public_access,
                    ownership,
                    versioning,
                    lifecycle,
                    policy,
                }))
            }
            // Deleted between the calls.
            Err(e) if e.code() == Some("NoSuchBucket") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes every setting of `want` that `live` does not have, in an order that never leaves the bucket less
    /// protected than declared: ownership, public access block and encryption before versioning, lifecycle, policy
    /// and tags.
    async fn apply(
        ctx: &Context,
        name: &str,
        want: &Desired,
        live: &Live,
    ) -> Result<(), ResourceError> {
        let s3 = &ctx.aws.s3;
        if live.ownership.as_deref() != Some(OWNERSHIP) {
            let rule = OwnershipControlsRule::builder()
                .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                .build()
                .map_err(|e| ResourceError::Internal(format!("ownership rule: {e}")))?;
            let controls = OwnershipControls::builder()
                .rules(rule)
                .build()
                .map_err(|e| ResourceError::Internal(format!("ownership controls: {e}")))?;
            s3.put_bucket_ownership_controls()
                .bucket(name)
                .ownership_controls(controls)
                .send()
                .await
                .map_err(|e| aws_error("s3:PutBucketOwnershipControls", e))?;
        }
        if live.public_access != Some(want.public_access) {
            let [acls, ignore, policy, restrict] = want.public_access;
            s3.put_public_access_block()
                .bucket(name)
                .public_access_block_configuration(
                    PublicAccessBlockConfiguration::builder()
                        .block_public_acls(acls)
                        .ignore_public_acls(ignore)
                        .block_public_policy(policy)
                        .restrict_public_buckets(restrict)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| aws_error("s3:PutPublicAccessBlock", e))?;
        }
        if live.encryption.as_ref() != Some(&want.encryption) {
            let (algorithm, key) = &want.encryption;
            let default = ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::from(algorithm.as_str()))
                .set_kms_master_key_id(key.clone())
                .build()
                .map_err(|e| ResourceError::Internal(format!("encryption default: {e}")))?;
            let config = ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(default)
                        .bucket_key_enabled(algorithm == SSE_KMS)
                        .build(),
                )
                .build()
                .map_err(|e| ResourceError::Internal(format!("encryption configuration: {e}")))?;
            s3.put_bucket_encryption()
                .bucket(name)
                .server_side_encryption_configuration(config)
                .send()
                .await
                .map_err(|e| aws_error("s3:PutBucketEncryption", e))?;
        }
        let versioning = match (want.versioning, live.versioning.as_deref()) {
            (true, Some("Enabled")) | (false, None | Some("Suspended")) => None,
            (true, _) => Some(BucketVersioningStatus::Enabled),
            (false, _) => Some(BucketVersioningStatus::Suspended),
        };
        if let Some(status) = versioning {
            s3.put_bucket_versioning()
                .bucket(name)
                .versioning_configuration(VersioningConfiguration::builder().status(status).build())
                .send()
                .await
                .map_err(|e| aws_error("s3:PutBucketVersioning", e))?;
        }
        if live.lifecycle.as_deref().and_then(expiration_of) != Some(want.expiration_days) {
            let config = BucketLifecycleConfiguration::builder()
                .rules(lifecycle_rule(want.expiration_days)?)
                .build()
                .map_err(|e| ResourceError::Internal(format!("lifecycle configuration: {e}")))?;
            s3.put_bucket_lifecycle_configuration()
                .bucket(name)
                .lifecycle_configuration(config)
                .send()
                .await
                .map_err(|e| aws_error("s3:PutBucketLifecycleConfiguration", e))?;
        }
        let live_policy = live
            .policy
            .as_deref()
            .and_then(|p| serde_json::from_str::<PolicyDocument>(p).ok());
        if live_policy.as_ref() != Some(&want.policy) {
            let text = serde_json::to_string(&want.policy).map_err(|e| {
                ResourceError::Internal(format!("cannot serialize the bucket policy: {e}"))
            })?;
            s3.put_bucket_policy()
                .bucket(name)
                .policy(text)
                .send()
                .await
                .map_err(|e| aws_error("s3:PutBucketPolicy", e))?;
        }
        if live.tags != want.tags {
            put_tags(&ctx.aws, name, &want.tags).await?;
        }
        Ok(())
    }

    /// One CreateBucket call: tags and object ownership with it, a location constraint outside us-east-1 (where
    /// S3 refuses one).
    async fn create_bucket(
        ctx: &Context,
        name: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        let region = &ctx.aws.region;
        let mut config = CreateBucketConfiguration::builder().set_tags(Some(tag_list(tags)?));
        if region != "us-east-1" {
            config = config.location_constraint(BucketLocationConstraint::from(region.as_str()));
        }
        match ctx
            .aws
            .s3
            .create_bucket()
            .bucket(name)
            .create_bucket_configuration(config.build())
            .object_ownership(ObjectOwnership::BucketOwnerEnforced)
            .customize()
            .config_override(no_retry!(aws_sdk_s3))
            .send()
            .await
            .map_err(|e| aws_error("s3:CreateBucket", e))
        {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("BucketAlreadyExists") => Err(Self::taken(name)),
            Err(ResourceError::Aws {
                operation,
                code,
                message,
                ..
            }) if code == "TooManyBuckets" => Err(ResourceError::Aws {
                operation,
                code,
                message,
                hint: Some(
                    "the account's bucket quota was reached; delete unused buckets or request an increase of \
                     'General purpose buckets' in Service Quotas"
                        .into(),
                ),
            }),
            Err(e) => Err(e),
        }
    }

    /// Deletes every object version and delete marker of `name`: ListObjectVersions pages of up to 1000, one
    /// DeleteObjects call per page. Each page is listed from the start again once the previous one is deleted
    /// (what was deleted is no longer listed), rather than from the previous page's markers, which name a version
    /// that no longer exists (moto then lists nothing more). A missing bucket is the NotFound error.
    async fn empty(ctx: &Context, name: &str) -> Result<(), ResourceError> {
        let s3 = &ctx.aws.s3;
        let mut deleted = 0usize;
        let mut previous: Vec<ObjectIdentifier> = Vec::new();
        loop {
            let out = s3
                .list_object_versions()
                .bucket(name)
                .max_keys(1000)
                .send()
                .await
                .map_err(|e| aws_error("s3:ListObjectVersions", e))?;
            let entries = out
                .versions()
                .iter()
                .map(|v| (v.key(), v.version_id()))
                .chain(
                    out.delete_markers()
                        .iter()
                        .map(|m| (m.key(), m.version_id())),
                );
            let mut ids = Vec::new();
            for (key, version) in entries {
                let Some(key) = key else { continue };
                ids.push(
                    ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(version.map(str::to_string))
                        .build()
                        .map_err(|e| ResourceError::Internal(format!("object identifier: {e}")))?,
                );
            }
            // Nothing left, or S3 still lists what it just deleted (DeleteBucket then says BucketNotEmpty and the
            // delete is retried).
            if ids.is_empty() || ids == previous {
                return Ok(());
            }
            for batch in ids.chunks(1000) {
                let delete = Delete::builder()
                    .set_objects(Some(batch.to_vec()))
                    .quiet(true)
                    .build()
                    .map_err(|e| ResourceError::Internal(format!("delete request: {e}")))?;
                let answer = s3
                    .delete_objects()
                    .bucket(name)
                    .delete(delete)
                    .send()
                    .await
                    .map_err(|e| aws_error("s3:DeleteObjects", e))?;
                if let Some(first) = answer.errors().first() {
                    return Err(ResourceError::Aws {
                        operation: "s3:DeleteObjects",
                        code: first.code().unwrap_or("Unknown").to_string(),
                        message: format!(
                            "{} of {} objects of bucket {name} could not be deleted, e.g. '{}' (version {}): {}",
                            answer.errors().len(),
                            batch.len(),
                            first.key().unwrap_or_default(),
                            first.version_id().unwrap_or("null"),
                            first.message().unwrap_or_default()
                        ),
                        hint: Some(
                            "forceDestroy empties the bucket before deleting it; grant s3:DeleteObject and \
                             s3:DeleteObjectVersion, or remove what protects those objects (Object Lock, a \
                             policy), then run the command again"
                                .into(),
                        ),
                    });
                }
                deleted += batch.len();
                ctx.status(format!(
                    "emptying S3 bucket {name}: {deleted} object versions and delete markers deleted"
                ));
            }
            if out.is_truncated() != Some(true) {
                return Ok(());
            }
            previous = ids;
        }
    }
}

impl CustomResource for Bucket {
    const TOKEN: &'static str = "orderapi:s3:Bucket";
    const DESCRIPTION: &'static str = "A private S3 bucket (for load balancer access logs): default encryption, \
        Block Public Access, ACLs disabled, optional versioning, an expiration lifecycle rule, a policy that \
        refuses plain HTTP and optionally admits Elastic Load Balancing log delivery, tagged and owned by this \
        provider, emptied on destroy.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["bucket"];
    /// Bucket names are global; a replacement that keeps the name must delete the old bucket first.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["bucket"];
    type Inputs = BucketInputs;
    type Outputs = BucketOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: BucketInputs,
    ) -> Result<BucketInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_name(ctx, &mut inputs.bucket, &mut f);
        check_tags(inputs.tags.as_ref(), &mut f);
        inputs.force_destroy.get_or_insert(true);
        inputs.block_public_access.get_or_insert(true);
        inputs.versioning.get_or_insert(false);
        let days = *inputs
            .expiration_days
            .get_or_insert(DEFAULT_EXPIRATION_DAYS);
        f.require(
            (1..=MAX_EXPIRATION_DAYS).contains(&days),
            "expirationDays",
            format!("{days} must be between 1 and {MAX_EXPIRATION_DAYS} days"),
        );
        let encryption = inputs
            .encryption
            .get_or_insert_with(|| SSE_S3.to_string())
            .clone();
        f.require(
            encryption == SSE_S3 || encryption == SSE_KMS,
            "encryption",
            format!("'{encryption}' must be `{SSE_S3}` (SSE-S3) or `{SSE_KMS}` (SSE-KMS)"),
        );
        if let Some(key) = &inputs.kms_key_id {
            f.require(
                encryption == SSE_KMS,
                "kmsKeyId",
                format!("needs encryption `{SSE_KMS}` ({SSE_S3} uses S3-managed keys)"),
            );
            f.require(
                is_kms_key_ref(key),
                "kmsKeyId",
                format!(
                    "'{key}' is not a KMS key id, key ARN, alias (alias/...) or alias ARN, e.g. \
                     arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                ),
            );
        }
        let delivery = *inputs.load_balancer_log_delivery.get_or_insert(false);
        f.require(
            !(delivery && encryption == SSE_KMS),
            "encryption",
            format!(
                "load balancer access logs support only SSE-S3: with loadBalancerLogDelivery true, encryption \
                 must be `{SSE_S3}` (Elastic Load Balancing cannot write to an SSE-KMS bucket)"
            ),
        );
        let prefix = inputs.log_prefix.get_or_insert_with(String::new).clone();
        f.require(
            prefix.is_empty() || delivery,
            "logPrefix",
            "is only used with loadBalancerLogDelivery true; set that, or leave logPrefix out",
        );
        if let Some(problem) = prefix_problem(&prefix) {
            f.push("logPrefix", format!("'{prefix}' {problem}"));
        }
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &BucketInputs,
    ) -> Result<(String, BucketOutputs), ResourceError> {
        let name = inputs.bucket.clone().unwrap_or_default();
        let region = ctx.aws.region.clone();
        let tags = ctx.tags(inputs.tags.as_ref());
        let made = create_once(
            ctx,
            &format!("S3 bucket {name}"),
            || async {
                match head(&ctx.aws, &name).await? {
                    Head::Missing => Ok(None),
                    Head::Here(Some(r)) if r != region => {
                        Err(Self::elsewhere(&name, Some(&r), &region))
                    }
                    Head::Here(_) => {
                        let live = match live_tags(&ctx.aws, &name).await {
                            Ok(t) => t,
                            Err(e) if e.code() == Some("NoSuchBucket") => return Ok(None),
                            Err(e) => return Err(e),
                        };
                        match ctx.found(&name, &live) {
                            Found::Orphan => {
                                ctx.adopting("S3 bucket", &name);
                                Ok(Some(Some(live)))
                            }
                            other => Err(conflict(&format!("an S3 bucket named '{name}'"), &other)),
                        }
                    }
                    Head::Forbidden => Err(Self::taken(&name)),
                    Head::Elsewhere(r) => Err(Self::elsewhere(&name, r.as_deref(), &region)),
                }
            },
            || async { Self::create_bucket(ctx, &name, &tags).await.map(|()| None) },
        )
        .await?;
        let adopted = made.is_adopted();
        let outputs = Self::outputs(&name, &region, tags.clone());
        let steps = async {
            let want = Desired::of(ctx, &name, inputs).await?;
            let live = if adopted {
                // An adopted bucket may hold anything an interrupted create (or anyone since) left: read it all.
                Self::live(ctx, &name).await?.ok_or_else(|| {
                    ResourceError::Conflict(format!(
                        "S3 bucket {name} disappeared while it was being adopted; run `pulumi up` again"
                    ))
                })?
            } else {
                // CreateBucket set the tags; some S3-compatible endpoints ignore tags at creation, so look.
                Live::fresh(region.clone(), live_tags(&ctx.aws, &name).await?)
            };
            Self::apply(ctx, &name, &want, &live).await
        };
        steps.await.map_err(|e| e.partial(&name, &outputs))?;
        Ok((name, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&BucketInputs>,
    ) -> Result<Option<(BucketInputs, BucketOutputs)>, ResourceError> {
        let Some(live) = Self::live(ctx, id).await? else {
            return Ok(None);
        };
        let prior_tags = prior.and_then(|p| p.tags.as_ref());
        let (name_tag, mut own, tags_all) = tags::split(&ctx.aws, live.tags.clone(), prior_tags);
        // `Name` is an ordinary tag on S3 (tags::split treats it as EC2's physical name).
        if let Some(n) = name_tag
            && (prior_tags.is_some_and(|p| p.contains_key("Name"))
                || ctx.aws.default_tags.get("Name") != Some(&n))
        {
            own.get_or_insert_with(BTreeMap::new)
                .insert("Name".into(), n);
        }
        let drift = |what: String| {
            ctx.warn(format!(
                "S3 bucket {id}: {what}; this provider never writes that, so the next update puts the declared \
                 setting back"
            ));
        };
        let block_public_access = match (live.ownership.as_deref(), live.public_access) {
            (Some(OWNERSHIP), Some([true, true, true, true])) => Some(true),
            (Some(OWNERSHIP), None | Some([false, false, false, false])) => Some(false),
            (Some(OWNERSHIP), Some(flags)) => {
                drift(format!(
                    "its Block Public Access flags are only partly on ({flags:?})"
                ));
                None
            }
            (other, _) => {
                drift(format!(
                    "its object ownership is {}, not {OWNERSHIP} (ACLs are enabled)",
                    other.unwrap_or("unset")
                ));
                None
            }
        };
        let expiration_days = match live.lifecycle.as_deref() {
            Some(rules) => match expiration_of(rules) {
                Some(days) => Some(days),
                None => {
                    drift("it has lifecycle rules other than the one expiration rule".into());
                    None
                }
            },
            None => {
                drift("it has no lifecycle rule".into());
                None
            }
        };
        let prior_prefix = prior.and_then(|p| p.log_prefix.clone());
        let recognized = live
            .policy
            .as_deref()
            .and_then(|p| recognize_policy(p, &live.region, id));
        let (load_balancer_log_delivery, log_prefix) = match recognized {
            Some(None) => (Some(false), Some(String::new())),
            Some(Some((account, prefix))) if account == ctx.aws.account_id().await? => {
                (Some(true), Some(prefix))
            }
            Some(Some((account, _))) => {
                drift(format!(
                    "its policy admits log delivery for account {account}, not this one"
                ));
                (None, prior_prefix)
            }
            None => {
                drift(if live.policy.is_some() {
                    "its bucket policy is not the one this provider writes".into()
                } else {
                    "it has no bucket policy (plain HTTP is not refused)".into()
                });
                (None, prior_prefix)
            }
        };
        let inputs = BucketInputs {
            bucket: Some(id.to_string()),
            // Not an AWS setting: how this provider deletes.
            force_destroy: Some(prior.and_then(|p| p.force_destroy).unwrap_or(true)),
            encryption: live.encryption.as_ref().map(|(a, _)| a.clone()),
            kms_key_id: live.encryption.as_ref().and_then(|(_, k)| k.clone()),
            block_public_access,
            versioning: Some(live.versioning.as_deref() == Some("Enabled")),
            expiration_days,
            load_balancer_log_delivery,
            log_prefix,
            tags: own,
        };
        Ok(Some((inputs, Self::outputs(id, &live.region, tags_all))))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        _: &BucketInputs,
        _: &BucketOutputs,
        new: &BucketInputs,
    ) -> Result<BucketOutputs, ResourceError> {
        let live = Self::live(ctx, id).await?.ok_or_else(|| {
            ResourceError::Conflict(format!(
                "S3 bucket {id} no longer exists; run `pulumi refresh` (or `pulumi up --refresh`) to record that, \
                 then `pulumi up` creates it again"
            ))
        })?;
        let want = Desired::of(ctx, id, new).await?;
        Self::apply(ctx, id, &want, &live).await?;
        Ok(Self::outputs(id, &live.region, want.tags))
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        inputs: &BucketInputs,
        _: &BucketOutputs,
    ) -> Result<(), ResourceError> {
        let force = inputs.force_destroy.unwrap_or(true);
        let what = format!("S3 bucket {id}");
        delete_retrying_plain(ctx, &what, || async {
            if force {
                // Objects may keep arriving (a load balancer's last log files): emptied again on every attempt.
                Self::empty(ctx, id).await?;
            }
            match ctx
                .aws
                .s3
                .delete_bucket()
                .bucket(id)
                .send()
                .await
                .map_err(|e| aws_error("s3:DeleteBucket", e))
            {
                Ok(_) => Ok(()),
                Err(e) if !force && e.class() == ErrorClass::InUse => Err(ResourceError::Conflict(format!(
                    "{what} still holds objects (or object versions or delete markers) and forceDestroy is false; \
                     empty it (e.g. `aws s3 rm s3://{id} --recursive`, and delete the versions of a versioned \
                     bucket), or set forceDestroy to true and run `pulumi up` before destroying"
                ))),
                Err(e) => Err(e),
            }
        })
        .await?;
        ctx.wait_for(&format!("{what} to be deleted"), || async {
            Ok(match head(&ctx.aws, id).await? {
                Head::Here(_) => Poll::Pending("still listed".into()),
                _ => Poll::Ready(()),
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(f: impl FnOnce(&mut BucketInputs)) -> Result<BucketInputs, Vec<CheckFailure>> {
        let mut inputs = BucketInputs {
            bucket: Some("s3-alblogs-dev-demo1".into()),
            force_destroy: None,
            encryption: None,
            kms_key_id: None,
            block_public_access: None,
            versioning: None,
            expiration_days: None,
            load_balancer_log_delivery: None,
            log_prefix: None,
            tags: None,
        };
        f(&mut inputs);
        Bucket::check(&CheckContext::default(), inputs)
    }

    #[test]
    fn policy_grants_log_delivery_per_region_and_always_refuses_plain_http() {
        let doc = policy_document("us-east-1", "logs", Some(("123456789012", "alb")));
        let json = serde_json::to_value(&doc).expect("json");
        let statements = json["Statement"].as_array().expect("statements");
        assert_eq!(statements.len(), 3);
        assert_eq!(statements[0]["Effect"], "Deny");
        assert_eq!(statements[0]["Principal"], "*");
        assert_eq!(
            statements[0]["Condition"]["Bool"]["aws:SecureTransport"],
            "false"
        );
        assert_eq!(
            statements[0]["Resource"],
            serde_json::json!(["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"])
        );
        assert_eq!(
            statements[1]["Principal"]["AWS"],
            "arn:aws:iam::127311923021:root"
        );
        assert_eq!(statements[2]["Principal"]["Service"], LOG_DELIVERY_SERVICE);
        for s in &statements[1..] {
            assert_eq!(s["Action"], "s3:PutObject");
            assert_eq!(
                s["Resource"],
                "arn:aws:s3:::logs/alb/AWSLogs/123456789012/*"
            );
        }
        // A Region opened after August 2022: the service principal only; no prefix: AWSLogs at the root.
        let newer = policy_document("eu-central-2", "logs", Some(("123456789012", "")));
        assert_eq!(newer.statement.len(), 2);
        assert_eq!(
            newer.statement[1].resource,
            Strings::one("arn:aws:s3:::logs/AWSLogs/123456789012/*")
        );
        // China: its partition, its ELB account.
        let cn = serde_json::to_value(policy_document(
            "cn-north-1",
            "logs",
            Some(("123456789012", "x")),
        ))
        .expect("json");
        assert_eq!(
            cn["Statement"][1]["Principal"]["AWS"],
            "arn:aws-cn:iam::638102146993:root"
        );
        assert_eq!(
            cn["Statement"][1]["Resource"],
            "arn:aws-cn:s3:::logs/x/AWSLogs/123456789012/*"
        );
        // Without log delivery: only the TLS statement.
        assert_eq!(
            policy_document("us-east-1", "logs", None).statement.len(),
            1
        );
    }

    #[test]
    fn only_the_policy_this_provider_writes_is_recognized() {
        for (delivery, prefix) in [(false, ""), (true, ""), (true, "alb/blue")] {
            let doc = policy_document(
                "us-east-1",
                "logs",
                delivery.then_some(("123456789012", prefix)),
            );
            let text = serde_json::to_string(&doc).expect("json");
            let want = delivery.then(|| ("123456789012".to_string(), prefix.to_string()));
            assert_eq!(recognize_policy(&text, "us-east-1", "logs"), Some(want));
        }
        // Arrays of one where the provider writes a string, another order of keys: still ours.
        let respelled = r#"{"Statement":[{"Sid":"DenyInsecureTransport","Principal":"*","Effect":"Deny",
            "Action":["s3:*"],"Resource":["arn:aws:s3:::logs","arn:aws:s3:::logs/*"],
            "Condition":{"Bool":{"aws:SecureTransport":["false"]}}}],"Version":"2012-10-17"}"#;
        assert_eq!(recognize_policy(respelled, "us-east-1", "logs"), Some(None));
        // Another statement, another field, another bucket: not ours.
        let mut extra = policy_document("us-east-1", "logs", None);
        extra.statement.push(Statement {
            sid: None,
            effect: "Allow".into(),
            principal: Principal::Anyone("*".into()),
            action: Strings::one("s3:GetObject"),
            resource: Strings::one("arn:aws:s3:::logs/*"),
            condition: None,
        });
        let text = serde_json::to_string(&extra).expect("json");
        assert_eq!(recognize_policy(&text, "us-east-1", "logs"), None);
        let with_id = r#"{"Version":"2012-10-17","Id":"x","Statement":[]}"#;
        assert_eq!(recognize_policy(with_id, "us-east-1", "logs"), None);
        let text =
            serde_json::to_string(&policy_document("us-east-1", "logs", None)).expect("json");
        assert_eq!(recognize_policy(&text, "us-east-1", "other"), None);
        assert_eq!(recognize_policy("not json", "us-east-1", "logs"), None);
    }

    #[test]
    fn the_lifecycle_rule_reads_back_as_its_expiration() {
        let rule = lifecycle_rule(30).expect("rule");
        assert_eq!(rule.id(), Some("expire-after-30-days"));
        assert_eq!(expiration_of(std::slice::from_ref(&rule)), Some(30));
        assert_eq!(expiration_of(&[]), None);
        assert_eq!(expiration_of(&[rule.clone(), rule.clone()]), None);
        let renamed = LifecycleRule::builder()
            .id("mine")
            .status(ExpirationStatus::Enabled)
            .expiration(LifecycleExpiration::builder().days(30).build())
            .build()
            .expect("rule");
        assert_eq!(expiration_of(&[renamed]), None);
    }

    #[test]
    fn check_applies_defaults() {
        let inputs = checked(|_| {}).expect("valid");
        assert_eq!(inputs.force_destroy, Some(true));
        assert_eq!(inputs.encryption.as_deref(), Some(SSE_S3));
        assert_eq!(inputs.block_public_access, Some(true));
        assert_eq!(inputs.versioning, Some(false));
        assert_eq!(inputs.expiration_days, Some(90));
        assert_eq!(inputs.load_balancer_log_delivery, Some(false));
        assert_eq!(inputs.log_prefix.as_deref(), Some(""));
    }

    #[test]
    fn kms_keys_and_prefixes() {
        for ok in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "alias/logs",
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:us-east-1:123456789012:alias/logs",
        ] {
            assert!(is_kms_key_ref(ok), "{ok}");
        }
        for bad in [
            "",
            "alias/",
            "key id",
            "arn:aws:sns:us-east-1:1:key/x",
            "a/b",
        ] {
            assert!(!is_kms_key_ref(bad), "{bad}");
        }
        for ok in ["", "alb", "alb/blue", "a-b_c.d!*'()"] {
            assert_eq!(prefix_problem(ok), None, "{ok}");
        }
        for bad in [
            "/alb",
            "alb/",
            "a//b",
            "AWSLogs",
            "x/AWSLogs/y",
            "a b",
            &"a".repeat(201),
        ] {
            assert!(prefix_problem(bad).is_some(), "{bad}");
        }
    }
}
