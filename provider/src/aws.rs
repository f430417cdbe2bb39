//! Provider configuration (modelled on pulumi-aws) and the AWS SDK clients built from it.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_credential_types::provider::ProvideCredentials;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use crate::error::{ResourceError, aws_error};
use crate::resource::{CheckFailure, Failures};

/// The region used when neither the program nor the environment names one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The tag that marks a resource as created by this provider (and makes it adoptable after a crash).
pub const OWNERSHIP_TAG: (&str, &str) = ("ManagedBy", "pulumi-orderapi");

/// Configuration of the `orderapi` provider (`pulumi config set orderapi:<key> …`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderConfig {
    /// The AWS region to deploy to. Defaults to `AWS_REGION`/`AWS_DEFAULT_REGION`, then `us-east-1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The AWS shared-config profile to take credentials and settings from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// One endpoint URL for every AWS service (LocalStack style), e.g. `http://127.0.0.1:4566` for an emulator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Skip checking at configure time that AWS credentials can be resolved (for emulators).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_credentials_validation: Option<bool>,
    /// Tags applied to every taggable resource this provider creates, below each resource's own tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_tags: Option<BTreeMap<String, String>>,
    /// How many attempts the AWS SDK makes for a throttled or failed request (default 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
}

impl ProviderConfig {
    /// Validates the configuration; each failure names the config key.
    pub fn validate(&self) -> Result<(), Vec<CheckFailure>> {
        let mut f = Failures::default();
        if let Some(region) = &self.region {
            let parts: Vec<&str> = region.split('-').collect();
            let ok = parts.len() >= 3
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                })
                && parts
                    .last()
                    .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
            f.require(
                ok,
                "region",
                format!("'{region}' is not an AWS region name such as us-east-1"),
            );
        }
        if let Some(endpoint) = &self.endpoint {
            let ok = endpoint.parse::<http::Uri>().ok().is_some_and(|u| {
                matches!(u.scheme_str(), Some("http" | "https")) && u.authority().is_some()
            });
            f.require(
                ok,
                "endpoint",
                format!("'{endpoint}' is not an http(s) URL such as http://127.0.0.1:4566"),
            );
        }
        if let Some(retries) = self.max_retries {
            f.require(
                (1..=50).contains(&retries),
                "maxRetries",
                "must be between 1 and 50",
            );
        }
        if let Some(tags) = &self.default_tags {
            for (k, v) in tags {
                f.require(
                    !k.is_empty() && k.len() <= 128,
                    "defaultTags",
                    format!("tag key '{k}' must be 1-128 characters"),
                );
                f.require(
                    v.len() <= 256,
                    "defaultTags",
                    format!("tag '{k}' value must be at most 256 characters"),
                );
                f.require(
                    !k.starts_with("aws:"),
                    "defaultTags",
                    format!("tag key '{k}' uses the reserved aws: prefix"),
                );
            }
        }
        f.finish(())
    }

    /// The region in force.
    pub fn region(&self) -> String {
        self.region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()))
            .or_else(|| {
                std::env::var("AWS_DEFAULT_REGION")
                    .ok()
                    .filter(|r| !r.is_empty())
            })
            .unwrap_or_else(|| DEFAULT_REGION.to_string())
    }
}

/// The AWS SDK clients of one configured provider.
#[derive(Clone, Debug)]
pub struct Aws {
    pub region: String,
    pub applicationautoscaling: aws_sdk_applicationautoscaling::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub iam: aws_sdk_iam::Client,
    pub kms: aws_sdk_kms::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub rds: aws_sdk_rds::Client,
    /// S3, path-style (`<endpoint>/<bucket>`) when one endpoint serves every service (an emulator): virtual-host
    /// addressing would put the bucket name in the emulator's host name.
    pub s3: aws_sdk_s3::Client,
    pub secretsmanager: aws_sdk_secretsmanager::Client,
    pub sns: aws_sdk_sns::Client,
    pub ssm: aws_sdk_ssm::Client,
    /// STS, for the account the credentials belong to ([`Aws::account_id`]).
    pub sts: aws_sdk_sts::Client,
    pub wafv2: aws_sdk_wafv2::Client,
    /// Tags from the provider's `defaultTags`, merged under each resource's own.
    pub default_tags: BTreeMap<String, String>,
    /// The caller's account, asked once per provider process.
    account: Arc<OnceCell<String>>,
}

impl Aws {
    /// Builds the clients from the provider configuration and the standard credential chain.
    pub async fn connect(config: &ProviderConfig) -> Result<Aws, String> {
        let region = config.region();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new(region.clone()))
            .retry_config(
                RetryConfig::standard().with_max_attempts(config.max_retries.unwrap_or(10)),
            );
        if let Some(profile) = &config.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(endpoint) = &config.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        let sdk = loader.load().await;
        if !config.skip_credentials_validation.unwrap_or(false) {
            let provider = sdk.credentials_provider().ok_or_else(|| {
                "no AWS credentials provider is configured; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, \
                 AWS_PROFILE or `orderapi:profile`"
                    .to_string()
            })?;
            provider.provide_credentials().await.map_err(|e| {
                format!(
                    "AWS credentials could not be resolved ({}); set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, \
                     AWS_PROFILE or `orderapi:profile`, or `orderapi:skipCredentialsValidation` for an emulator",
                    aws_smithy_types::error::display::DisplayErrorContext(&e)
                )
            })?;
        }
        Ok(Aws::from_sdk(
            region,
            &sdk,
            config.default_tags.clone().unwrap_or_default(),
        ))
    }

    /// One client per service, all from the same SDK configuration.
    fn from_sdk(
        region: String,
        sdk: &aws_types::SdkConfig,
        default_tags: BTreeMap<String, String>,
    ) -> Aws {
        Aws {
            region,
            applicationautoscaling: aws_sdk_applicationautoscaling::Client::new(sdk),
            cloudwatch: aws_sdk_cloudwatch::Client::new(sdk),
            ec2: aws_sdk_ec2::Client::new(sdk),
            ecr: aws_sdk_ecr::Client::new(sdk),
            ecs: aws_sdk_ecs::Client::new(sdk),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(sdk),
            iam: aws_sdk_iam::Client::new(sdk),
            kms: aws_sdk_kms::Client::new(sdk),
            logs: aws_sdk_cloudwatchlogs::Client::new(sdk),
            rds: aws_sdk_rds::Client::new(sdk),
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(sdk)
                    .force_path_style(sdk.endpoint_url().is_some())
                    .build(),
            ),
            secretsmanager: aws_sdk_secretsmanager::Client::new(sdk),
            sns: aws_sdk_sns::Client::new(sdk),
            ssm: aws_sdk_ssm::Client::new(sdk),
            sts: aws_sdk_sts::Client::new(sdk),
            wafv2: aws_sdk_wafv2::Client::new(sdk),
            default_tags,
            account: Arc::new(OnceCell::new()),
        }
    }

    /// The 12-digit account the credentials belong to (STS GetCallerIdentity, asked once per process and only by
    /// kinds that need it, e.g. for the `AWSLogs/<account>/` path a load balancer writes its access logs to).
    pub async fn account_id(&self) -> Result<String, ResourceError> {
        self.account
            .get_or_try_init(|| async {
                let out = self
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| aws_error("sts:GetCallerIdentity", e))?;
                match out.account() {
                    Some(a) if a.len() == 12 && a.chars().all(|c| c.is_ascii_digit()) => {
                        Ok(a.to_string())
                    }
                    other => Err(ResourceError::Internal(format!(
                        "sts:GetCallerIdentity returned no 12-digit account ({other:?}); check the credentials \
                         and the `orderapi:endpoint` setting"
                    ))),
                }
            })
            .await
            .cloned()
    }

    /// The partition of the configured region (`aws`, `aws-cn`, `aws-us-gov`, …).
    pub fn partition(&self) -> &'static str {
        crate::arn::partition_of(&self.region)
    }

    /// Clients that point nowhere, for tests that never reach AWS.
    pub fn offline() -> Aws {
        let sdk = aws_types::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(aws_config::Region::new(DEFAULT_REGION))
            .endpoint_url("http://127.0.0.1:9")
            .build();
        Aws::from_sdk(DEFAULT_REGION.to_string(), &sdk, BTreeMap::new())
    }

    /// The ARN of `resource` of `service` in the configured region and partition (`region` empty for IAM).
    pub fn arn(&self, service: &str, account: &str, resource: &str) -> String {
        let region = if service == "iam" { "" } else { &self.region };
        crate::arn::Arn {
            region: region.to_string(),
            ..crate::arn::Arn::new(service, &self.region, account, resource)
        }
        .to_string()
    }

    /// The tags a resource carries: the ownership tag, the provider's default tags, then the resource's own.
    pub fn effective_tags(
        &self,
        own: Option<&BTreeMap<String, String>>,
    ) -> BTreeMap<String, String> {
        let mut tags = self.default_tags.clone();
        if let Some(own) = own {
            tags.extend(own.clone());
        }
        tags.insert(OWNERSHIP_TAG.0.to_string(), OWNERSHIP_TAG.1.to_string());
        tags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_config_names_the_key() {
        let c = ProviderConfig {
            region: Some("mars".into()),
            endpoint: Some("localhost".into()),
            ..Default::default()
        };
        let failures = c.validate().expect_err("invalid");
        let keys: Vec<_> = failures.iter().map(|f| f.property.as_str()).collect();
        assert_eq!(keys, vec!["region", "endpoint"]);
    }

    #[test]
    fn good_config_passes() {
        let c = ProviderConfig {
            region: Some("eu-central-1".into()),
            endpoint: Some("http://127.0.0.1:4566".into()),
            max_retries: Some(5),
            ..Default::default()
        };
        assert!(c.validate().is_ok());
    }

    #[test]
    fn ownership_tag_always_wins() {
        let mut aws = Aws::offline();
        aws.default_tags.insert("Team".into(), "core".into());
        let own = BTreeMap::from([
            ("Team".to_string(), "orders".to_string()),
            ("ManagedBy".to_string(), "me".to_string()),
        ]);
        let tags = aws.effective_tags(Some(&own));
        assert_eq!(tags["Team"], "orders");
        assert_eq!(tags["ManagedBy"], "pulumi-orderapi");
    }
}
