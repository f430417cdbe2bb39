//! The `alarms` group: who hears about trouble, and when.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::rules::is_arn;
use crate::arn::is_email;
use crate::resource::Failures;

/// Who hears about trouble, and when.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Alarms")]
pub struct AlarmArgs {
    /// An email address subscribed to the platform's alarm topic (AWS sends a confirmation mail first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// An existing SNS topic ARN that also receives every alarm and recovery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_arn: Option<String>,
    /// 5xx responses, as a percentage of requests over 5 minutes, that raise the error-rate alarm (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate_percent: Option<f64>,
    /// Database connections (maximum over 5 minutes) that raise the connections alarm (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_connections_threshold: Option<f64>,
    /// Requests the WAF blocks in 5 minutes that raise the blocked-requests alarm (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waf_blocked_threshold: Option<f64>,
    /// Whether the platform's alarm topic is encrypted at rest (default `true`). The platform creates a
    /// customer-managed KMS key for it (rotated yearly) whose policy lets CloudWatch alarms publish: the
    /// AWS-managed key `alias/aws/sns` cannot be used, as its policy does not allow CloudWatch, so alarm
    /// notifications would silently fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypt_topic: Option<bool>,
    /// A KMS key ARN of your own to encrypt the alarm topic with, instead of the platform's key. Its key policy
    /// must allow `cloudwatch.amazonaws.com` `kms:GenerateDataKey*` and `kms:Decrypt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_kms_key_arn: Option<String>,
}

/// How the alarm topic is encrypted.
#[derive(Clone, Debug, PartialEq)]
pub enum TopicEncryption {
    /// Not encrypted (`encryptTopic: false`).
    Off,
    /// With a customer-managed key the platform creates.
    PlatformKey,
    /// With the user's key.
    Key(String),
}

/// The resolved alarm settings.
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmSettings {
    pub email: Option<String>,
    pub topic_arn: Option<String>,
    pub error_rate_percent: f64,
    pub db_connections_threshold: f64,
    pub waf_blocked_threshold: f64,
    pub topic_encryption: TopicEncryption,
}

pub(super) fn alarm_settings(a: &AlarmArgs, f: &mut Failures) -> AlarmSettings {
    let s = AlarmSettings {
        email: a.email.clone(),
        topic_arn: a.topic_arn.clone(),
        error_rate_percent: a.error_rate_percent.unwrap_or(5.0),
        db_connections_threshold: a.db_connections_threshold.unwrap_or(500.0),
        waf_blocked_threshold: a.waf_blocked_threshold.unwrap_or(1000.0),
        topic_encryption: match (a.encrypt_topic.unwrap_or(true), &a.topic_kms_key_arn) {
            (false, _) => TopicEncryption::Off,
            (true, None) => TopicEncryption::PlatformKey,
            (true, Some(arn)) => TopicEncryption::Key(arn.clone()),
        },
    };
    if let Some(key) = &a.topic_kms_key_arn {
        f.require(
            a.encrypt_topic != Some(false),
            "alarms.topicKmsKeyArn",
            "is set but alarms.encryptTopic is false: remove one of them",
        );
        f.require(
            !key.contains("alias/aws/"),
            "alarms.topicKmsKeyArn",
            format!(
                "'{key}' is an AWS-managed key, whose policy does not let CloudWatch alarms publish to the topic \
                 (notifications would silently fail); leave it unset for the platform's own key"
            ),
        );
        f.require(
            key.contains("alias/aws/") || crate::arn::is_kms_key_arn(key),
            "alarms.topicKmsKeyArn",
            format!("'{key}' is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)"),
        );
    }
    if let Some(email) = &s.email {
        f.require(
            is_email(email),
            "alarms.email",
            format!("'{email}' is not an email address"),
        );
    }
    if let Some(arn) = &s.topic_arn {
        f.require(
            is_arn(arn, "sns"),
            "alarms.topicArn",
            format!("'{arn}' is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)"),
        );
    }
    f.require(
        s.error_rate_percent > 0.0 && s.error_rate_percent <= 100.0,
        "alarms.errorRatePercent",
        format!(
            "must be above 0 and at most 100, got {}",
            s.error_rate_percent
        ),
    );
    f.require(
        s.db_connections_threshold > 0.0 && s.db_connections_threshold.is_finite(),
        "alarms.dbConnectionsThreshold",
        format!("must be above 0, got {}", s.db_connections_threshold),
    );
    f.require(
        s.waf_blocked_threshold > 0.0 && s.waf_blocked_threshold.is_finite(),
        "alarms.wafBlockedThreshold",
        format!("must be above 0, got {}", s.waf_blocked_threshold),
    );
    s
}
