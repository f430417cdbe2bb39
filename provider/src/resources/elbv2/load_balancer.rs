//! `orderapi:elbv2:LoadBalancer` — an application load balancer in two or more subnets, with its security groups
//! and attributes (idle timeout, deletion protection, HTTP/2, invalid header handling, access logs to S3). Create
//! waits until it is `active`; delete refuses while deletion protection is on and waits until AWS has let go of it.
//!
//! Access logs are off unless `accessLogs` is declared (a state recorded before the field existed has none and means
//! the same). Enabling them makes AWS write a test object to the bucket: a bucket whose policy does not let Elastic
//! Load Balancing deliver logs fails the attribute change, reported with what the policy needs.
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
const ACCESS_LOGS_ENABLED: &str = "access_logs.s3.enabled";
const ACCESS_LOGS_BUCKET: &str = "access_logs.s3.bucket";
const ACCESS_LOGS_PREFIX: &str = "access_logs.s3.prefix";
/// The AWS page on the bucket policy access logs need.
const ACCESS_LOGS_DOC: &str = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html";

/// Where an application load balancer writes its access logs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerAccessLogs {
    /// The S3 bucket (its name: 3-63 lowercase letters, digits, dots and hyphens) in the load balancer's region.
    /// Its policy must let Elastic Load Balancing write to it, and it must use SSE-S3 encryption (not SSE-KMS).
    pub bucket: String,
    /// The key prefix of the log objects (`<prefix>/AWSLogs/<account>/…`); must not start or end with `/` nor
    /// contain `AWSLogs`. Absent: the objects start at `AWSLogs/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Whether access logs are written (default true). While false, `bucket` and `prefix` are not applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

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
    /// Access logs to S3. Absent: access logs are off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_logs: Option<LoadBalancerAccessLogs>,
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

/// Access logging as AWS applies it: the bucket and prefix matter only while it is on.
#[derive(Clone, Debug, PartialEq)]
enum AccessLog {
    Off,
    On { bucket: String, prefix: String },
}

/// The attributes as inputs hold them.
#[derive(Clone, Debug, PartialEq)]
struct Attributes {
    idle_timeout: i32,
    deletion_protection: bool,
    http2: bool,
    drop_invalid_header_fields: bool,
    access_log: AccessLog,
}

impl Attributes {
    fn of(inputs: &LoadBalancerInputs) -> Self {
        let access_log = match &inputs.access_logs {
            Some(logs) if logs.enabled.unwrap_or(true) => AccessLog::On {
                bucket: logs.bucket.clone(),
                prefix: logs.prefix.clone().unwrap_or_default(),
            },
            _ => AccessLog::Off,
        };
        Attributes {
            idle_timeout: inputs.idle_timeout.unwrap_or(60),
            deletion_protection: inputs.deletion_protection.unwrap_or(false),
            http2: inputs.http2.unwrap_or(true),
            drop_invalid_header_fields: inputs.drop_invalid_header_fields.unwrap_or(false),
            access_log,
        }
    }

    fn to_sdk(&self) -> Vec<LoadBalancerAttribute> {
        let attr = |k: &str, v: String| LoadBalancerAttribute::builder().key(k).value(v).build();
        let mut attrs = vec![
            attr(IDLE_TIMEOUT, self.idle_timeout.to_string()),
            attr(DELETION_PROTECTION, self.deletion_protection.to_string()),
            attr(HTTP2, self.http2.to_string()),
            attr(
                DROP_INVALID_HEADERS,
                self.drop_invalid_header_fields.to_string(),
            ),
        ];
        match &self.access_log {
            AccessLog::Off => attrs.push(attr(ACCESS_LOGS_ENABLED, "false".into())),
            AccessLog::On { bucket, prefix } => {
                attrs.push(attr(ACCESS_LOGS_ENABLED, "true".into()));
                attrs.push(attr(ACCESS_LOGS_BUCKET, bucket.clone()));
                attrs.push(attr(ACCESS_LOGS_PREFIX, prefix.clone()));
            }
        }
        attrs
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
            access_log: if get(ACCESS_LOGS_ENABLED) == Some("true") {
                AccessLog::On {
                    bucket: get(ACCESS_LOGS_BUCKET).unwrap_or_default().to_string(),
                    prefix: get(ACCESS_LOGS_PREFIX).unwrap_or_default().to_string(),
                }
            } else {
                AccessLog::Off
            },
        }
    }

    /// `accessLogs` as a program would declare this: absent while off, unless `prior` declared it switched off
    /// (its bucket and prefix, which AWS does not apply while off, are kept as declared).
    fn access_logs(&self, prior: Option<&LoadBalancerInputs>) -> Option<LoadBalancerAccessLogs> {
        match &self.access_log {
            AccessLog::On { bucket, prefix } => Some(LoadBalancerAccessLogs {
                bucket: bucket.clone(),
                prefix: Some(prefix.clone()).filter(|p| !p.is_empty()),
                enabled: Some(true),
            }),
            AccessLog::Off => prior
                .and_then(|p| p.access_logs.clone())
                .filter(|logs| logs.enabled == Some(false)),
        }
    }
}

/// Why `name` is not an S3 bucket name, if it is not (the general purpose bucket rules).
pub fn bucket_name_problem(name: &str) -> Option<String> {
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let problem = if !(3..=63).contains(&name.len()) {
        "must be 3-63 characters"
    } else if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
    {
        "may only contain lowercase letters, digits, '.' and '-'"
    } else if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        "must start and end with a lowercase letter or a digit"
    } else if name.contains("..") {
        "must not contain two adjacent periods"
    } else if name.parse::<std::net::Ipv4Addr>().is_ok() {
        "must not be formatted as an IP address"
    } else if ["xn--", "sthree-", "amzn-s3-demo-"]
        .iter()
        .any(|p| name.starts_with(p))
    {
        "must not start with xn--, sthree- or amzn-s3-demo- (reserved by S3)"
    } else if ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]
        .iter()
        .any(|s| name.ends_with(s))
    {
        "must not end with -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3 (reserved by S3)"
    } else {
        return None;
    };
    Some(format!("'{name}' is not an S3 bucket name: it {problem}"))
}

/// A failed ModifyLoadBalancerAttributes that turned access logs on: when AWS says it could not write to the bucket
/// (`AccessDenied`, or `InvalidConfigurationRequest` naming the bucket or access), the hint says what the bucket
/// policy needs. `lb_arn` gives the account and region of the log objects' keys.
fn access_log_error(e: ResourceError, lb_arn: &str, bucket: &str, prefix: &str) -> ResourceError {
    let ResourceError::Aws {
        operation,
        code,
        message,
        hint,
    } = e
    else {
        return e;
    };
    let lower = message.to_ascii_lowercase();
    let about_bucket = match code.as_str() {
        // The credentials' own permission, not the bucket's.
        "AccessDenied" => !lower.contains("not authorized to perform"),
        "InvalidConfigurationRequest" => {
            lower.contains("access denied") || lower.contains("bucket") || message.contains(bucket)
        }
        _ => false,
    };
    if !about_bucket {
        return ResourceError::Aws {
            operation,
            code,
            message,
            hint,
        };
    }
    let parsed = crate::arn::Arn::of_service(lb_arn, "elasticloadbalancing");
    let (partition, region, account) = parsed
        .map(|a| (a.partition, a.region, a.account))
        .unwrap_or_else(|| ("aws".into(), "<region>".into(), "<account>".into()));
    let key = if prefix.is_empty() {
        format!("AWSLogs/{account}/*")
    } else {
        format!("{prefix}/AWSLogs/{account}/*")
    };
    let hint = format!(
        "access logs: Elastic Load Balancing could not write to bucket '{bucket}'. The bucket must be in {region}, use          SSE-S3 encryption, and its policy must allow s3:PutObject on arn:{partition}:s3:::{bucket}/{key} to Elastic          Load Balancing in {region} (the region's Elastic Load Balancing account for regions available before          August 2022, the service principal logdelivery.elasticloadbalancing.amazonaws.com for later ones; see          {ACCESS_LOGS_DOC}); fix the policy and run `pulumi up` again, or remove accessLogs"
    );
    ResourceError::Aws {
        operation,
        code,
        message,
        hint: Some(hint),
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
        attrs: &Attributes,
    ) -> Result<(), ResourceError> {
        ctx.aws
            .elbv2
            .modify_load_balancer_attributes()
            .load_balancer_arn(arn)
            .set_attributes(Some(attrs.to_sdk()))
            .send()
            .await
            .map_err(|e| {
                let e = aws_error("elbv2:ModifyLoadBalancerAttributes", e);
                match &attrs.access_log {
                    AccessLog::On { bucket, prefix } => access_log_error(e, arn, bucket, prefix),
                    AccessLog::Off => e,
                }
            })?;
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
        if let Some(logs) = &mut inputs.access_logs {
            if let Some(problem) = bucket_name_problem(&logs.bucket) {
                f.push("accessLogs", format!("bucket: {problem}"));
            }
            if logs.prefix.as_deref() == Some("") {
                logs.prefix = None;
            }
            if let Some(prefix) = &logs.prefix {
                f.require(
                    !prefix.starts_with('/') && !prefix.ends_with('/'),
                    "accessLogs",
                    format!("prefix: '{prefix}' must not start or end with '/'"),
                );
                f.require(
                    !prefix.contains("AWSLogs"),
                    "accessLogs",
                    format!("prefix: '{prefix}' must not contain AWSLogs (AWS adds AWSLogs/<account>/ itself)"),
                );
            }
            logs.enabled.get_or_insert(true);
        }
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
        Self::set_attributes(ctx, &arn, &Attributes::of(inputs))
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
            access_logs: attrs.access_logs(prior),
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
            Self::set_attributes(ctx, id, &wanted).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        for ok in ["alb-logs", "orders.logs.prod", "a1b", &"a".repeat(63)] {
            assert_eq!(bucket_name_problem(ok), None, "{ok}");
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "Alb-Logs",
            "alb_logs",
            "-alb",
            "alb-",
            "alb..logs",
            "192.168.1.1",
            "xn--alb",
            "alb-s3alias",
            "s3://alb-logs",
        ] {
            assert!(bucket_name_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn access_logs_round_trip_through_the_attributes() {
        let logs = |prefix: Option<&str>, enabled: Option<bool>| LoadBalancerAccessLogs {
            bucket: "alb-logs".into(),
            prefix: prefix.map(str::to_string),
            enabled,
        };
        let mut inputs = LoadBalancerInputs {
            name: Some("web".into()),
            scheme: None,
            subnets: vec![],
            security_groups: None,
            idle_timeout: None,
            deletion_protection: None,
            http2: None,
            drop_invalid_header_fields: None,
            access_logs: None,
            tags: None,
        };
        let sent = |i: &LoadBalancerInputs| Attributes::from_sdk(&Attributes::of(i).to_sdk());
        // Absent: off, and read gives absent back.
        assert_eq!(sent(&inputs).access_log, AccessLog::Off);
        assert_eq!(sent(&inputs).access_logs(Some(&inputs)), None);
        inputs.access_logs = Some(logs(Some("web"), Some(true)));
        let on = sent(&inputs);
        assert_eq!(on.access_logs(Some(&inputs)), inputs.access_logs);
        assert_eq!(on.access_logs(None), inputs.access_logs);
        // Declared but switched off: read keeps the declaration; on import it is absent.
        inputs.access_logs = Some(logs(Some("web"), Some(false)));
        let off = sent(&inputs);
        assert_eq!(off.access_log, AccessLog::Off);
        assert_eq!(off.access_logs(Some(&inputs)), inputs.access_logs);
        assert_eq!(off.access_logs(None), None);
    }

    #[test]
    fn a_refused_bucket_gets_the_policy_hint() {
        let arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123456789abcdef";
        let aws = |code: &str, message: &str| ResourceError::Aws {
            operation: "elbv2:ModifyLoadBalancerAttributes",
            code: code.into(),
            message: message.into(),
            hint: None,
        };
        let refused = access_log_error(
            aws(
                "InvalidConfigurationRequest",
                "Access Denied for bucket: alb-logs. Please check S3bucket permission",
            ),
            arn,
            "alb-logs",
            "web",
        );
        let text = refused.to_string();
        for needle in [
            "arn:aws:s3:::alb-logs/web/AWSLogs/123456789012/*",
            "us-east-1",
            "logdelivery.elasticloadbalancing.amazonaws.com",
            "s3:PutObject",
        ] {
            assert!(text.contains(needle), "'{needle}' not in: {text}");
        }
        let denied = access_log_error(aws("AccessDenied", "Access Denied"), arn, "alb-logs", "");
        assert!(
            denied
                .to_string()
                .contains("arn:aws:s3:::alb-logs/AWSLogs/123456789012/*"),
            "{denied}"
        );
        // The caller's own permission, or another attribute's problem: no bucket hint.
        let caller = access_log_error(
            aws(
                "AccessDenied",
                "User: arn:aws:iam::1:user/x is not authorized to perform: elasticloadbalancing:ModifyLoadBalancerAttributes",
            ),
            arn,
            "alb-logs",
            "",
        );
        assert!(!caller.to_string().contains("s3:PutObject"), "{caller}");
        let other = access_log_error(
            aws("InvalidConfigurationRequest", "Idle timeout out of range"),
            arn,
            "alb-logs",
            "",
        );
        assert!(!other.to_string().contains("s3:PutObject"), "{other}");
    }
}
