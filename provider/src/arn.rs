//! Amazon Resource Names, and the few value shapes several kinds validate (email addresses, KMS key ARNs).
//!
//! `arn:<partition>:<service>:<region>:<account>:<resource>`. The partition follows the provider's region
//! ([`partition_of`]): the provider never writes `arn:aws` where the region is in China or GovCloud.

use std::fmt;
use std::str::FromStr;

/// A parsed ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    /// Empty for global services (IAM).
    pub region: String,
    /// Empty for some resources (S3 buckets); not always an account (`arn:aws:automate:<region>:ec2:stop`).
    pub account: String,
    /// Everything after the account: `role/name`, `repository/team/orders`, `function:notify`.
    pub resource: String,
}

/// The AWS partition of a region: `aws-cn` for `cn-*`, `aws-us-gov` for `us-gov-*`, `aws-iso*` for the isolated
/// regions, `aws` otherwise.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

impl Arn {
    /// An ARN in `region`'s partition.
    pub fn new(service: &str, region: &str, account: &str, resource: &str) -> Arn {
        Arn {
            partition: partition_of(region).to_string(),
            service: service.to_string(),
            region: region.to_string(),
            account: account.to_string(),
            resource: resource.to_string(),
        }
    }

    /// Parses `s` and requires `service`.
    pub fn of_service(s: &str, service: &str) -> Option<Arn> {
        s.parse::<Arn>().ok().filter(|a| a.service == service)
    }
}

/// Why a string is not an ARN.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an ARN (arn:<partition>:<service>:<region>:<account>:<resource>)")]
pub struct NotAnArn(pub String);

impl FromStr for Arn {
    type Err = NotAnArn;

    fn from_str(s: &str) -> Result<Arn, NotAnArn> {
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        match parts.as_slice() {
            ["arn", partition, service, region, account, resource]
                if partition.starts_with("aws") && !service.is_empty() && !resource.is_empty() =>
            {
                Ok(Arn {
                    partition: partition.to_string(),
                    service: service.to_string(),
                    region: region.to_string(),
                    account: account.to_string(),
                    resource: resource.to_string(),
                })
            }
            _ => Err(NotAnArn(s.to_string())),
        }
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// A KMS key ARN (`arn:<partition>:kms:<region>:<account>:key/<key id>`), the form ECR and CloudWatch Logs take
/// (not an alias).
pub fn is_kms_key_arn(s: &str) -> bool {
    Arn::of_service(s, "kms").is_some_and(|a| {
        !a.region.is_empty()
            && a.account.len() == 12
            && a.account.chars().all(|c| c.is_ascii_digit())
            && a.resource.strip_prefix("key/").is_some_and(|id| {
                !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
    })
}

/// A plausible email address (one `@`, a dot in the domain, no spaces).
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
        && !domain.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_partitions() {
        let a: Arn = "arn:aws:iam::123456789012:role/x".parse().expect("arn");
        assert_eq!(a.service, "iam");
        assert_eq!(a.region, "");
        assert_eq!(a.to_string(), "arn:aws:iam::123456789012:role/x");
        assert_eq!(
            Arn::new("ec2", "cn-north-1", "1", "vpc/v").to_string(),
            "arn:aws-cn:ec2:cn-north-1:1:vpc/v"
        );
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_of("eu-west-1"), "aws");
        assert!("arn:aws:sns:us-east-1:1:".parse::<Arn>().is_err());
        assert!("nope".parse::<Arn>().is_err());
        assert!(Arn::of_service("arn:aws:sqs:us-east-1:1:q", "sns").is_none());
        let resource: Arn = "arn:aws:ecr:us-east-1:1:repository/team/orders"
            .parse()
            .expect("arn");
        assert_eq!(resource.resource, "repository/team/orders");
    }

    #[test]
    fn kms_and_email() {
        assert!(is_kms_key_arn(
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
        assert!(!is_kms_key_arn(
            "arn:aws:kms:us-east-1:123456789012:alias/orders"
        ));
        assert!(!is_kms_key_arn("arn:aws:kms:us-east-1:123456789012:key/"));
        assert!(!is_kms_key_arn("arn:aws:sns:us-east-1:123456789012:key/x"));
        assert!(is_email("a@b.io"));
        assert!(!is_email("a@b"));
        assert!(!is_email("a b@c.io"));
    }
}
