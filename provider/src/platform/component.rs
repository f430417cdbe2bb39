//! The component's arguments and outputs (`OrderApiPlatform`): decoded and validated at `Check`, each failure
//! naming the argument path.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::naming::Naming;
use super::{TOKEN, args};
use crate::resource::{CheckFailure, Failures};
use crate::rpc::value::{PropertyMap, Value};

/// Arguments of an order-processing API platform.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlatformArgs {
    /// The environment, e.g. `prod` or `staging`: a lowercase letter, then lowercase letters and digits, at most
    /// 10 characters. Part of every resource name (`<type>-<environment>-<suffix>`) and the `Environment` tag.
    pub environment: String,
    /// A short suffix that makes names unique per deployment, e.g. `x7k2`: 1-8 lowercase letters or digits.
    /// Part of every resource name and the `EnvironmentSuffix` tag.
    pub environment_suffix: String,
    /// The VPC's IPv4 CIDR block, /16 to /24 (default `10.0.0.0/16`). It is split into three private subnets
    /// (a quarter each) and three public subnets (a sixteenth each), one of each per availability zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_cidr: Option<String>,
    /// Exactly three availability zones of the region (default: the region's first three available zones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zones: Option<Vec<String>>,
    /// Whether instances launched in the public subnets get a public IPv4 address automatically (default
    /// `false`). Nothing the platform runs needs one there: the load balancer and the NAT gateways get their
    /// addresses explicitly, and the tasks run in the private subnets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_public_ip_on_launch: Option<bool>,
    /// VPC flow logs to CloudWatch Logs (on by default; `{ enabled: false }` turns them off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_logs: Option<args::FlowLogArgs>,
    /// Tags merged onto every resource, under the standard tags (`ManagedBy`, `Environment`,
    /// `EnvironmentSuffix`, `orderapi:platform`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// The order API's containers: image, size, counts, routes, configuration, Spot split, autoscaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<args::ServiceArgs>,
    /// How new revisions reach production (default blue/green with a 10-minute bake and alarm rollback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<args::DeploymentArgs>,
    /// The internet-facing load balancer: HTTPS certificate, TLS policy, idle timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<args::LoadBalancerArgs>,
    /// The web application firewall: per-IP rate limit and AWS managed rule groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waf: Option<args::WafArgs>,
    /// The Aurora MySQL cluster: version, size, readers, backups, windows, protection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<args::DatabaseArgs>,
    /// Alarm notifications and thresholds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarms: Option<args::AlarmArgs>,
    /// Usage the monthly cost estimate (`estimatedMonthlyCost`, `costBreakdown`) assumes for the usage-driven
    /// items: average task count, NAT and log volumes, load balancer capacity units, WAF requests, storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_assumptions: Option<crate::cost::CostAssumptions>,
}

/// Outputs of an order-processing API platform.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlatformOutputs {
    /// The VPC's id.
    pub vpc_id: String,
    /// The public subnets (ALB), one per availability zone, in zone order.
    pub public_subnet_ids: Vec<String>,
    /// The private subnets (tasks, database), one per availability zone, in zone order.
    pub private_subnet_ids: Vec<String>,
    /// The NAT gateways, one per availability zone, in zone order.
    pub nat_gateway_ids: Vec<String>,
    /// The internet gateway attached to the VPC.
    pub internet_gateway_id: String,
    /// The three availability zones the platform spans.
    pub availability_zones: Vec<String>,
    /// The load balancer's DNS name: the order API's address (`http(s)://<albDnsName>/orders`).
    pub alb_dns_name: String,
    /// The load balancer's ARN.
    pub alb_arn: String,
    /// The ECS service's ARN.
    pub ecs_service_arn: String,
    /// The ECS cluster's name.
    pub ecs_cluster_name: String,
    /// The Aurora cluster's writer endpoint.
    pub rds_cluster_endpoint: String,
    /// The Aurora cluster's reader endpoint (load-balanced over the readers).
    pub rds_reader_endpoint: String,
    /// The ARN of the Secrets Manager secret RDS keeps (and rotates) the master credentials in.
    pub db_secret_arn: String,
    /// The ARN of the Secrets Manager secret holding the service's `secrets`.
    pub app_secret_arn: String,
    /// The ECR repository URL (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`): push images here.
    pub ecr_repository_url: String,
    /// The blue target group's ARN (production traffic at rest).
    pub blue_target_group_arn: String,
    /// The green target group's ARN (the new revision during a deployment).
    pub green_target_group_arn: String,
    /// The production listener rule's ARN (path routing with the blue/green weights).
    pub listener_rule_arn: String,
    /// The WAF web ACL's ARN.
    pub web_acl_arn: String,
    /// The CloudWatch dashboard's name.
    pub dashboard_name: String,
    /// The SNS topic alarms notify.
    pub alarm_topic_arn: String,
    /// The SSM parameter path holding the service's configuration (`/param-<env>-<suffix>/`).
    pub config_parameter_path: String,
    /// The S3 bucket holding the load balancer's access logs, under `alb/AWSLogs/<account>/` (absent when
    /// `loadBalancer.accessLogs.enabled` is false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_bucket: Option<String>,
    /// The CloudWatch Logs group holding the VPC's flow logs (absent when `flowLogs.enabled` is false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_log_group_name: Option<String>,
    /// The estimated monthly cost in USD of this configuration at the region's list prices (known at preview;
    /// absent when the provider has no price table for the region). See `costBreakdown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_monthly_cost: Option<f64>,
    /// The estimate's lines: quantity × unit price = monthly amount, which lines rest on `costAssumptions`, and
    /// the AWS pricing page of each price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_breakdown: Option<Vec<crate::cost::LineItem>>,
}

/// Standard CIDR when none is given.
pub const DEFAULT_VPC_CIDR: &str = "10.0.0.0/16";

/// The one argument that takes secrets: its values go to a Secrets Manager secret (secret in state, injected into
/// the task as secrets).
const SECRET_ARGUMENT: &str = "service.secrets";

/// Refuses a secret-marked value anywhere but [`SECRET_ARGUMENT`]: every other argument lands in plain child
/// properties and AWS fields (SSM `String` parameters, tags, names, alarm subscriptions) where a secret would be
/// stored and shown in plaintext. `path` is the argument path of `value` (`service.environment.API_KEY`). True when
/// something was refused.
fn refuse_misplaced_secrets(path: &str, value: &Value, f: &mut Failures) -> bool {
    if path == SECRET_ARGUMENT || path.starts_with(&format!("{SECRET_ARGUMENT}.")) {
        return false;
    }
    match value {
        Value::Secret(_) | Value::Output { secret: true, .. } => {
            let reason = if path.starts_with("service.environment.") {
                "is a secret: pass it in service.secrets (kept in Secrets Manager and injected into the task as a \
                 secret); service.environment values are stored as plain SSM String parameters"
            } else {
                "is a secret, but this argument is stored and shown in plaintext (child resource state, AWS \
                 fields); pass a plain value, or put secrets in service.secrets"
            };
            f.push(path, reason);
            true
        }
        Value::Object(m) => m.iter().fold(false, |found, (k, v)| {
            refuse_misplaced_secrets(&format!("{path}.{k}"), v, f) || found
        }),
        Value::Array(items) => items.iter().enumerate().fold(false, |found, (i, v)| {
            refuse_misplaced_secrets(&format!("{path}[{i}]"), v, f) || found
        }),
        Value::Output {
            value: Some(inner), ..
        } => refuse_misplaced_secrets(path, inner, f),
        _ => false,
    }
}

impl PlatformArgs {
    /// Decodes and validates the component's inputs; failures name the property. A secret anywhere but
    /// `service.secrets` is refused (see [`refuse_misplaced_secrets`]).
    pub fn from_inputs(inputs: &PropertyMap) -> Result<PlatformArgs, Vec<CheckFailure>> {
        let known = crate::schema::property_names::<PlatformArgs>();
        let mut f = Failures::default();
        let mut secrets_refused = false;
        let mut object = serde_json::Map::new();
        for (key, value) in inputs {
            if key.starts_with("__") {
                continue;
            }
            secrets_refused |= refuse_misplaced_secrets(key, value, &mut f);
            if !known.contains(key) {
                f.push(
                    key.clone(),
                    format!(
                        "unknown property; {TOKEN} takes: {}",
                        known.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                );
                continue;
            }
            match value.clone().into_plain().to_json() {
                Some(json) => {
                    object.insert(key.clone(), json);
                }
                // Names, CIDRs and zones shape the whole graph, so they must be known when the program runs.
                None => f.push(
                    key.clone(),
                    "must be a known value, not the pending output of another resource",
                ),
            }
        }
        if secrets_refused {
            // Further rules would quote the secret in their messages.
            return Err(f.finish(()).err().unwrap_or_default());
        }
        let args: PlatformArgs =
            match serde_path_to_error::deserialize(serde_json::Value::Object(object)) {
                Ok(a) => a,
                Err(e) => {
                    f.push(e.path().to_string(), e.into_inner().to_string());
                    return Err(f.finish(()).err().unwrap_or_default());
                }
            };
        args.validate(f)
    }

    fn validate(self, mut f: Failures) -> Result<PlatformArgs, Vec<CheckFailure>> {
        Naming::new(&self.environment, &self.environment_suffix, &mut f);
        let cidr = self.vpc_cidr.as_deref().unwrap_or(DEFAULT_VPC_CIDR);
        crate::resources::ec2::check_cidr("vpcCidr", cidr, 16, 24, &mut f);
        if let Some(zones) = &self.availability_zones {
            f.require(
                zones.len() == 3,
                "availabilityZones",
                format!(
                    "exactly 3 availability zones are required, got {}",
                    zones.len()
                ),
            );
            let unique: BTreeSet<&String> = zones.iter().collect();
            f.require(
                unique.len() == zones.len(),
                "availabilityZones",
                "zones must be distinct",
            );
        }
        crate::resources::ec2::check_tags(self.tags.as_ref(), &mut f);
        let settings = self.settings_into(&mut f);
        self.cost_assumptions
            .clone()
            .unwrap_or_default()
            .validate(&settings, &mut f);
        if let Some(tags) = &self.tags {
            for reserved in [
                "ManagedBy",
                "Environment",
                "EnvironmentSuffix",
                "orderapi:platform",
            ] {
                f.require(
                    !tags.contains_key(reserved),
                    "tags",
                    format!("'{reserved}' is set by the platform itself"),
                );
            }
        }
        f.finish(self)
    }

    /// The groups' settings with defaults filled in, validating them into `f`.
    pub fn settings_into(&self, f: &mut Failures) -> args::Settings {
        args::settings(self, f)
    }
}

#[cfg(test)]
#[path = "component_tests.rs"]
mod tests;
