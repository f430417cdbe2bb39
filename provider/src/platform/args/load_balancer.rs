//! The `loadBalancer` group: the internet-facing load balancer.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::hardening::{AccessLogArgs, AccessLogSettings, access_log_settings};
use super::rules::{is_arn, range};
use crate::resource::Failures;

/// The internet-facing load balancer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "LoadBalancer")]
pub struct LoadBalancerArgs {
    /// An ACM certificate ARN. With it: HTTPS on 443 with `sslPolicy`, and port 80 redirects to 443. Without it:
    /// HTTP on 80 only, and the engine shows a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    /// TLS policy of the HTTPS listener (default `ELBSecurityPolicy-TLS13-1-2-2021-06`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_policy: Option<String>,
    /// Seconds an idle connection stays open (default 60, 1-4000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_seconds: Option<i32>,
    /// Access logs to an S3 bucket of the platform (on by default; `{ enabled: false }` turns them off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_logs: Option<AccessLogArgs>,
}

/// The resolved load balancer settings.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadBalancerSettings {
    pub certificate_arn: Option<String>,
    pub ssl_policy: String,
    pub idle_timeout_seconds: i32,
    /// `None` when access logs are off.
    pub access_logs: Option<AccessLogSettings>,
}

pub(super) fn load_balancer_settings(
    a: &LoadBalancerArgs,
    f: &mut Failures,
) -> LoadBalancerSettings {
    let s = LoadBalancerSettings {
        certificate_arn: a.certificate_arn.clone(),
        ssl_policy: a
            .ssl_policy
            .clone()
            .unwrap_or_else(|| crate::resources::elbv2::listener::DEFAULT_SSL_POLICY.into()),
        idle_timeout_seconds: a.idle_timeout_seconds.unwrap_or(60),
        access_logs: access_log_settings(a.access_logs.as_ref(), f),
    };
    if let Some(arn) = &s.certificate_arn {
        f.require(
            is_arn(arn, "acm") && arn.contains(":certificate/")
                || is_arn(arn, "iam") && arn.contains(":server-certificate/"),
            "loadBalancer.certificateArn",
            format!("'{arn}' is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)"),
        );
    }
    f.require(
        a.ssl_policy.is_none() || s.certificate_arn.is_some(),
        "loadBalancer.sslPolicy",
        "applies only with loadBalancer.certificateArn (HTTPS)",
    );
    f.require(
        s.ssl_policy.starts_with("ELBSecurityPolicy-"),
        "loadBalancer.sslPolicy",
        format!(
            "'{}' is not an ELB security policy name (ELBSecurityPolicy-...)",
            s.ssl_policy
        ),
    );
    range(
        f,
        "loadBalancer.idleTimeoutSeconds",
        s.idle_timeout_seconds,
        1,
        4000,
        "the idle timeout",
    );
    s
}
