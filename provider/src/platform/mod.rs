//! `OrderApiPlatform`: the component. Construct validates its arguments, resolves what needs AWS (availability
//! zones) and registers its children — custom resources of this same provider — wiring their outputs into each
//! other's inputs, with dependencies recorded so the engine orders creates and deletes.

pub mod args;
pub mod compute;
pub mod data;
pub mod edge;
pub mod naming;
pub mod network;
pub mod observability;
pub mod security;
#[cfg(test)]
pub(crate) mod testing;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::Aws;
use crate::resource::{CheckFailure, Diagnostics, Failures};
use crate::rpc::value::{PropertyMap, Value};
use crate::schema::SchemaBuilder;
use naming::Naming;

/// The component's type token.
pub const TOKEN: &str = "orderapi:index:OrderApiPlatform";

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
        self.settings_into(&mut f);
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
        args::settings(
            self.service.as_ref(),
            self.deployment.as_ref(),
            self.load_balancer.as_ref(),
            self.waf.as_ref(),
            self.database.as_ref(),
            self.alarms.as_ref(),
            f,
        )
    }
}

/// What Construct knows about its call.
#[derive(Clone)]
pub struct ConstructEnv {
    /// The component's logical name.
    pub name: String,
    pub dry_run: bool,
    pub aws: Arc<Aws>,
    pub diagnostics: Arc<dyn Diagnostics>,
}

/// One child to register.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildSpec {
    pub type_token: &'static str,
    /// Logical name (unique in the stack: prefixed with the component's name).
    pub name: String,
    pub inputs: PropertyMap,
    /// For each input property, the URNs of the children its value came from.
    pub dependencies: BTreeMap<String, BTreeSet<String>>,
}

/// A registered child as the engine reports it (outputs unknown in preview).
#[derive(Clone, Debug, PartialEq)]
pub struct Child {
    pub urn: String,
    pub id: Value,
    pub outputs: PropertyMap,
}

/// Where children are registered: the engine's resource monitor, or a recorder in tests.
#[async_trait::async_trait]
pub trait Monitor: Send + Sync {
    async fn register_child(&self, spec: ChildSpec) -> Result<Child, String>;
}

impl Child {
    /// One of the child's outputs; unknown in preview (or when the kind does not report it).
    pub fn output(&self, name: &str) -> Value {
        match self.outputs.get(name) {
            Some(Value::Null) | None => Value::Unknown,
            Some(v) => v.clone(),
        }
    }
}

/// What every builder registers children with: the monitor, the component's call, the plan and the tags.
pub struct Scope<'a> {
    pub monitor: &'a dyn Monitor,
    /// The component's URN (diagnostics about the platform attach to it).
    pub urn: &'a str,
    pub env: &'a ConstructEnv,
    pub plan: &'a Plan,
    /// The standard tags as a value, set on every child that takes tags.
    pub tags: Value,
}

impl Scope<'_> {
    /// Registers one child.
    pub async fn register(&self, props: Props) -> Result<Child, String> {
        self.monitor.register_child(props.spec()).await
    }

    /// A child's logical (Pulumi) name: `<component>-<part>`, unique within the stack.
    pub fn logical(&self, part: &str) -> String {
        format!("{}-{part}", self.env.name)
    }

    /// Physical names.
    pub fn naming(&self) -> &Naming {
        &self.plan.naming
    }

    /// The arguments with defaults filled in.
    pub fn settings(&self) -> &args::Settings {
        &self.plan.settings
    }

    /// The region the platform is deployed to.
    pub fn region(&self) -> &str {
        &self.env.aws.region
    }

    /// The CloudWatch namespace of the service's own metrics (`PendingOrders`, errors): `OrderApi/<env>-<suffix>`.
    pub fn metric_namespace(&self) -> String {
        format!(
            "OrderApi/{}-{}",
            self.plan.naming.environment, self.plan.naming.suffix
        )
    }

    /// The SSM path under which the service's configuration lives: `/param-<env>-<suffix>/`.
    pub fn parameter_path(&self) -> String {
        format!("/{}/", self.plan.naming.name("param"))
    }
}

/// Builds one child's inputs, recording which children each value came from.
pub struct Props {
    type_token: &'static str,
    name: String,
    inputs: PropertyMap,
    dependencies: BTreeMap<String, BTreeSet<String>>,
}

impl Props {
    pub fn new(type_token: &'static str, name: impl Into<String>) -> Props {
        Props {
            type_token,
            name: name.into(),
            inputs: PropertyMap::new(),
            dependencies: BTreeMap::new(),
        }
    }

    /// Sets a plain value.
    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Props {
        self.inputs.insert(key.to_string(), value.into());
        self
    }

    /// Sets a value from another child's id.
    pub fn id_of(mut self, key: &str, child: &Child) -> Props {
        self.inputs.insert(key.to_string(), child.id.clone());
        self.dependencies
            .entry(key.to_string())
            .or_default()
            .insert(child.urn.clone());
        self
    }

    /// Sets a value from another child's output (e.g. its `arn`).
    pub fn output_of(self, key: &str, child: &Child, output: &str) -> Props {
        let value = child.output(output);
        self.depends(key, value, &[child])
    }

    /// Sets a list of other children's ids.
    pub fn ids_of(mut self, key: &str, children: &[&Child]) -> Props {
        self.inputs.insert(
            key.to_string(),
            Value::Array(children.iter().map(|c| c.id.clone()).collect()),
        );
        self.dependencies
            .entry(key.to_string())
            .or_default()
            .extend(children.iter().map(|c| c.urn.clone()));
        self
    }

    /// Sets a value built from other children's outputs.
    pub fn depends(mut self, key: &str, value: Value, on: &[&Child]) -> Props {
        self.inputs.insert(key.to_string(), value);
        self.dependencies
            .entry(key.to_string())
            .or_default()
            .extend(on.iter().map(|c| c.urn.clone()));
        self
    }

    pub fn spec(self) -> ChildSpec {
        ChildSpec {
            type_token: self.type_token,
            name: self.name,
            inputs: self.inputs,
            dependencies: self.dependencies,
        }
    }
}

/// Everything Construct decided before registering anything.
#[derive(Clone, Debug)]
pub struct Plan {
    pub args: PlatformArgs,
    /// The arguments with defaults filled in.
    pub settings: args::Settings,
    pub naming: Naming,
    pub zones: Vec<String>,
    pub network: network::NetworkPlan,
}

/// Resolves zones and addresses; fails (before anything is registered) when the region lacks three zones or a
/// requested zone does not exist.
pub async fn plan(env: &ConstructEnv, args: PlatformArgs) -> Result<Plan, String> {
    let mut f = Failures::default();
    let naming = Naming::new(&args.environment, &args.environment_suffix, &mut f);
    let available = crate::resources::ec2::availability_zones(&env.aws)
        .await
        .map_err(|e| format!("cannot list the region's availability zones: {e}"))?;
    let zones = match &args.availability_zones {
        Some(zones) => {
            for z in zones {
                f.require(
                    available.contains(z),
                    "availabilityZones",
                    format!(
                        "'{z}' is not an available zone of {} (available: {})",
                        env.aws.region,
                        available.join(", ")
                    ),
                );
            }
            zones.clone()
        }
        None => {
            f.require(
                available.len() >= 3,
                "availabilityZones",
                format!(
                    "region {} has {} available zones; the platform needs 3",
                    env.aws.region,
                    available.len()
                ),
            );
            available.into_iter().take(3).collect()
        }
    };
    let cidr = args.vpc_cidr.as_deref().unwrap_or(DEFAULT_VPC_CIDR);
    let network = network::NetworkPlan::new(cidr, &zones, &mut f);
    let settings = args.settings_into(&mut f);
    f.finish(()).map_err(|fs| {
        fs.iter()
            .map(|x| format!("{}: {}", x.property, x.reason))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    Ok(Plan {
        args,
        settings,
        naming,
        zones,
        network,
    })
}

/// The component's outputs and, per output, the children they came from.
#[derive(Debug, Default)]
pub struct Built {
    pub outputs: PropertyMap,
    pub dependencies: BTreeMap<String, BTreeSet<String>>,
}

/// Tags every child carries (the provider adds `ManagedBy` itself).
pub fn standard_tags(env: &ConstructEnv, plan: &Plan) -> BTreeMap<String, String> {
    let mut tags = plan.args.tags.clone().unwrap_or_default();
    tags.insert("Environment".into(), plan.naming.environment.clone());
    tags.insert("EnvironmentSuffix".into(), plan.naming.suffix.clone());
    tags.insert("orderapi:platform".into(), env.name.clone());
    tags
}

/// Registers every child and returns the component's outputs.
///
/// Order (each step needs what the previous ones produced; within a step, independent children are
/// registered concurrently so the engine creates them in parallel):
/// network → security groups → edge (ALB, target groups, listeners, WAF) ∥ data (Aurora, secrets, SSM)
/// → observability (topic, alarms, dashboard) → compute (ECR, logs, IAM, ECS, autoscaling; the service's
/// deployment rolls back on the error-rate alarm, so it comes last).
pub async fn construct(
    monitor: &dyn Monitor,
    env: &ConstructEnv,
    component_urn: &str,
    plan: Plan,
) -> Result<Built, String> {
    let tags = standard_tags(env, &plan);
    let scope = Scope {
        monitor,
        urn: component_urn,
        env,
        plan: &plan,
        tags: Value::from(&tags),
    };
    let net = network::build(monitor, env, &plan, &tags).await?;
    let sgs = security::build(&scope, &net).await?;
    let (edge, data) = futures::try_join!(
        edge::build(&scope, &net, &sgs),
        data::build(&scope, &net, &sgs)
    )?;
    let obs = observability::build(&scope, &edge, &data).await?;
    let compute = compute::build(&scope, &net, &sgs, &edge, &data, &obs).await?;

    let mut built = Built::default();
    let mut out = |key: &str, value: Value, from: Vec<&Child>| {
        built.outputs.insert(key.to_string(), value);
        built.dependencies.insert(
            key.to_string(),
            from.iter().map(|c| c.urn.clone()).collect(),
        );
    };
    out("vpcId", net.vpc.id.clone(), vec![&net.vpc]);
    out("internetGatewayId", net.igw.id.clone(), vec![&net.igw]);
    out(
        "publicSubnetIds",
        ids(&net.public_subnets),
        net.public_subnets.iter().collect(),
    );
    out(
        "privateSubnetIds",
        ids(&net.private_subnets),
        net.private_subnets.iter().collect(),
    );
    out(
        "natGatewayIds",
        ids(&net.nat_gateways),
        net.nat_gateways.iter().collect(),
    );
    out(
        "availabilityZones",
        Value::Array(plan.zones.iter().map(|z| Value::from(z.as_str())).collect()),
        vec![],
    );
    let lb = &edge.load_balancer;
    out("albDnsName", lb.output("dnsName"), vec![lb]);
    out("albArn", lb.output("arn"), vec![lb]);
    out(
        "ecsServiceArn",
        compute.service.output("arn"),
        vec![&compute.service],
    );
    out(
        "ecsClusterName",
        compute.cluster.id.clone(),
        vec![&compute.cluster],
    );
    out(
        "rdsClusterEndpoint",
        data.cluster.output("endpoint"),
        vec![&data.cluster],
    );
    out(
        "rdsReaderEndpoint",
        data.cluster.output("readerEndpoint"),
        vec![&data.cluster],
    );
    out(
        "dbSecretArn",
        data.cluster.output("masterUserSecretArn"),
        vec![&data.cluster],
    );
    out(
        "appSecretArn",
        data.app_secret.output("arn"),
        vec![&data.app_secret],
    );
    out(
        "ecrRepositoryUrl",
        compute.repository.output("repositoryUrl"),
        vec![&compute.repository],
    );
    out(
        "blueTargetGroupArn",
        edge.blue.output("arn"),
        vec![&edge.blue],
    );
    out(
        "greenTargetGroupArn",
        edge.green.output("arn"),
        vec![&edge.green],
    );
    out("listenerRuleArn", edge.rule.output("arn"), vec![&edge.rule]);
    out("webAclArn", edge.web_acl.output("arn"), vec![&edge.web_acl]);
    out(
        "dashboardName",
        obs.dashboard.id.clone(),
        vec![&obs.dashboard],
    );
    out("alarmTopicArn", obs.topic.output("arn"), vec![&obs.topic]);
    out(
        "configParameterPath",
        Value::from(scope.parameter_path().as_str()),
        vec![],
    );
    Ok(built)
}

fn ids(children: &[Child]) -> Value {
    Value::Array(children.iter().map(|c| c.id.clone()).collect())
}

/// Adds the component to the schema.
pub fn describe(schema: &mut SchemaBuilder) {
    schema.add_component::<PlatformArgs, PlatformOutputs>(
        TOKEN,
        "A production order-processing API platform on AWS from one declaration: a VPC over three availability \
         zones (public and private subnets, an internet gateway, a NAT gateway per zone); an ECS Fargate cluster \
         (Container Insights, at least half Fargate Spot) running the order API from its ECR repository behind an \
         internet-facing ALB with blue and green target groups, `/health` checks and path routing; native ECS \
         blue/green (or canary, linear, rolling) deployments that roll back on the error-rate alarm; autoscaling \
         on CPU and on the PendingOrders metric; Aurora MySQL with a writer and readers across the zones and an \
         RDS-managed, rotated master secret; a WAF web ACL with a per-IP rate limit and AWS managed rules; the \
         service's secrets in Secrets Manager and its configuration in SSM Parameter Store; alarms to an SNS topic \
         and a CloudWatch dashboard; least-privilege IAM roles. Every resource is named \
         `<type>-<environment>-<suffix>`, tagged, and fully destroyable.",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(pairs: &[(&str, Value)]) -> PropertyMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn args_validate_and_name_properties() {
        let ok = PlatformArgs::from_inputs(&inputs(&[
            ("environment", "prod".into()),
            ("environmentSuffix", "x7k2".into()),
        ]));
        assert!(ok.is_ok());
        let bad = PlatformArgs::from_inputs(&inputs(&[
            ("environment", "prod".into()),
            ("environmentSuffix", "Bad_Suffix".into()),
            ("vpcCidr", "10.0.0.0/8".into()),
            (
                "availabilityZones",
                Value::Array(vec!["us-east-1a".into(), "us-east-1b".into()]),
            ),
        ]))
        .expect_err("invalid");
        let props: Vec<&str> = bad.iter().map(|f| f.property.as_str()).collect();
        assert_eq!(
            props,
            vec!["environmentSuffix", "vpcCidr", "availabilityZones"]
        );
        // Engine-internal keys are ignored; unknown ones are refused naming the key.
        let extra = PlatformArgs::from_inputs(&inputs(&[
            ("environment", "prod".into()),
            ("environmentSuffix", "x7k2".into()),
            ("__internal", Value::Bool(true)),
            ("replicas", 3.into()),
        ]))
        .expect_err("unknown key");
        assert_eq!(extra.len(), 1, "{extra:?}");
        assert_eq!(extra[0].property, "replicas");
        assert!(extra[0].reason.contains("environmentSuffix"), "{extra:?}");
        let missing = PlatformArgs::from_inputs(&inputs(&[("environment", "prod".into())]))
            .expect_err("missing suffix");
        assert!(
            missing[0].reason.contains("environmentSuffix"),
            "{missing:?}"
        );
        let unknown = PlatformArgs::from_inputs(&inputs(&[
            ("environment", Value::Unknown),
            ("environmentSuffix", "a".into()),
        ]))
        .expect_err("unknown");
        assert_eq!(unknown[0].property, "environment");
    }

    /// Every path of the arguments' schema that takes a string (`a.b`, map entries as `a.b.KEY`, list items as
    /// `a.b[0]`), found by walking the JSON schema the component's schema.json comes from.
    fn string_paths() -> Vec<String> {
        fn walk(
            root: &serde_json::Value,
            schema: &serde_json::Value,
            path: &str,
            out: &mut Vec<String>,
        ) {
            let schema = match schema.get("$ref").and_then(|r| r.as_str()) {
                Some(r) => &root["$defs"][r.trim_start_matches("#/$defs/")],
                None => schema,
            };
            if let Some(any) = schema.get("anyOf").and_then(|a| a.as_array()) {
                for s in any {
                    walk(root, s, path, out);
                }
                return;
            }
            let types: Vec<&str> = match schema.get("type") {
                Some(serde_json::Value::String(t)) => vec![t.as_str()],
                Some(serde_json::Value::Array(ts)) => {
                    ts.iter().filter_map(|t| t.as_str()).collect()
                }
                _ => vec![],
            };
            if types.contains(&"string") || schema.get("enum").is_some() {
                out.push(path.to_string());
            }
            if let Some(props) = schema.get("properties").and_then(|p| p.as_object()) {
                for (k, v) in props {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(root, v, &p, out);
                }
            }
            if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
                walk(root, values, &format!("{path}.KEY"), out);
            }
            if let Some(items) = schema.get("items") {
                walk(root, items, &format!("{path}[0]"), out);
            }
        }
        let root = schemars::generate::SchemaSettings::draft2020_12()
            .into_generator()
            .into_root_schema_for::<PlatformArgs>()
            .to_value();
        let mut out = Vec::new();
        walk(&root, &root, "", &mut out);
        out.sort();
        out.dedup();
        out
    }

    /// The arguments with `value` put at `path` (objects, maps and lists made on the way).
    fn with_value_at(path: &str, value: Value) -> PropertyMap {
        let mut root = Value::Object(inputs(&[
            ("environment", "prod".into()),
            ("environmentSuffix", "x7k2".into()),
        ]));
        let mut at = &mut root;
        let parts: Vec<&str> = path.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            let (key, index) = match part.strip_suffix("[0]") {
                Some(k) => (k, true),
                None => (*part, false),
            };
            let last = i + 1 == parts.len();
            let Value::Object(m) = at else {
                panic!("{path}: not an object")
            };
            let slot = m.entry(key.to_string()).or_insert(Value::Null);
            if index {
                *slot = Value::Array(vec![Value::Null]);
                let Value::Array(items) = slot else {
                    unreachable!()
                };
                at = &mut items[0];
            } else {
                at = slot;
            }
            if last {
                *at = value.clone();
            } else if !matches!(at, Value::Object(_)) {
                *at = Value::Object(PropertyMap::new());
            }
        }
        let Value::Object(m) = root else {
            unreachable!()
        };
        m
    }

    #[test]
    fn a_secret_in_any_string_argument_but_service_secrets_is_refused_naming_it() {
        let paths = string_paths();
        assert!(paths.len() >= 20, "{paths:?}");
        for path in &paths {
            let secret = Value::Secret(Box::new("s3cr3t-value".into()));
            let failures = PlatformArgs::from_inputs(&with_value_at(path, secret))
                .err()
                .unwrap_or_default();
            let refused = failures
                .iter()
                .any(|f| &f.property == path && f.reason.contains("secret"));
            if path.starts_with("service.secrets") {
                assert!(!refused, "{path} takes secrets: {failures:?}");
            } else {
                assert!(
                    refused,
                    "{path}: a secret there must be refused, got {failures:?}"
                );
                assert!(
                    failures.iter().all(|f| !f.reason.contains("s3cr3t-value")),
                    "{path}: the failure must not show the secret: {failures:?}"
                );
            }
        }
        // An output marked secret is a secret too.
        let output = Value::Output {
            value: Some(Box::new("x".into())),
            secret: true,
            dependencies: vec![],
        };
        let failures =
            PlatformArgs::from_inputs(&with_value_at("service.environment.API_KEY", output))
                .expect_err("refused");
        assert_eq!(failures[0].property, "service.environment.API_KEY");
        assert!(
            failures[0].reason.contains("service.secrets"),
            "{failures:?}"
        );
    }
}

/// Construct-graph tests: a recording monitor stands in for the engine.
#[cfg(test)]
mod graph_tests {
    use std::sync::Mutex;

    use super::testing::{Recorder, physical_name};
    use super::*;
    use crate::resource::{CheckContext, Diagnostics, Registry, Severity};

    /// Warnings the component sent to the engine.
    #[derive(Default)]
    struct Warnings(Mutex<Vec<String>>);

    impl Diagnostics for Warnings {
        fn log(&self, severity: Severity, _: &str, message: String, _: bool) {
            if severity == Severity::Warning
                && let Ok(mut w) = self.0.lock()
            {
                w.push(message);
            }
        }
    }

    async fn run(preview: bool) -> (Vec<ChildSpec>, Built) {
        let (children, built, _) = run_with(preview, &[]).await;
        (children, built)
    }

    /// Constructs `orders` (environment prod, suffix x7k2) with `extra` inputs; returns the children, the
    /// outputs and the warnings.
    async fn run_with(
        preview: bool,
        extra: &[(&str, serde_json::Value)],
    ) -> (Vec<ChildSpec>, Built, Vec<String>) {
        let mut inputs: PropertyMap = [("environment", "prod"), ("environmentSuffix", "x7k2")]
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect();
        for (k, v) in extra {
            inputs.insert(k.to_string(), Value::from_json(v.clone()));
        }
        let args = PlatformArgs::from_inputs(&inputs).expect("valid");
        let warnings = Arc::new(Warnings::default());
        let env = ConstructEnv {
            name: "orders".into(),
            dry_run: preview,
            aws: Arc::new(Aws::offline()),
            diagnostics: warnings.clone(),
        };
        let mut f = Failures::default();
        let naming = Naming::new("prod", "x7k2", &mut f);
        let zones: Vec<String> = ["us-east-1a", "us-east-1b", "us-east-1c"]
            .map(String::from)
            .to_vec();
        let network = network::NetworkPlan::new(DEFAULT_VPC_CIDR, &zones, &mut f);
        let settings = args.settings_into(&mut f);
        let plan = Plan {
            args,
            settings,
            naming,
            zones,
            network,
        };
        let rec = Recorder {
            preview,
            ..Default::default()
        };
        let built = construct(&rec, &env, "urn:component", plan)
            .await
            .expect("construct");
        let children = rec.children.into_inner().expect("lock");
        let warnings = warnings.0.lock().expect("lock").clone();
        (children, built, warnings)
    }

    fn find<'a>(children: &'a [ChildSpec], name: &str) -> &'a ChildSpec {
        children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no child {name}"))
    }

    fn json(v: &Value) -> serde_json::Value {
        v.to_json().expect("known value")
    }

    fn count(children: &[ChildSpec], token: &str) -> usize {
        children.iter().filter(|c| c.type_token == token).count()
    }

    #[tokio::test]
    async fn registers_the_whole_network() {
        let (children, built) = run(false).await;
        assert_eq!(count(&children, "orderapi:ec2:Vpc"), 1);
        assert_eq!(count(&children, "orderapi:ec2:Subnet"), 6);
        assert_eq!(count(&children, "orderapi:ec2:InternetGateway"), 1);
        assert_eq!(count(&children, "orderapi:ec2:ElasticIp"), 3);
        assert_eq!(count(&children, "orderapi:ec2:NatGateway"), 3);
        assert_eq!(count(&children, "orderapi:ec2:RouteTable"), 4);
        assert_eq!(built.outputs["vpcId"], Value::from("vpc-orders-vpc"));
        assert_eq!(
            built.outputs["publicSubnetIds"],
            Value::Array(
                ["a", "b", "c"]
                    .iter()
                    .map(|l| Value::String(format!("subnet-orders-public-{l}")))
                    .collect()
            )
        );
    }

    /// Kinds that have no name of their own in AWS (they live inside, or join, a named resource).
    const UNNAMED: [&str; 4] = [
        "orderapi:elbv2:Listener",
        "orderapi:elbv2:ListenerRule",
        "orderapi:wafv2:WebAclAssociation",
        "orderapi:appautoscaling:ScalableTarget",
    ];

    #[tokio::test]
    async fn every_child_passes_its_kinds_check_and_follows_the_naming_rule() {
        let (children, _) = run(false).await;
        let registry = Registry::all();
        for child in &children {
            let kind = registry.get(child.type_token).expect("registered kind");
            let checked = kind.check(&CheckContext::default(), child.inputs.clone());
            assert!(
                checked.failures.is_empty(),
                "{}: {:?}",
                child.name,
                checked.failures
            );
            if !UNNAMED.contains(&child.type_token) {
                let name = physical_name(child);
                assert!(
                    name.contains("-prod-x7k2"),
                    "{}: {name} does not follow <type>-<env>-<suffix>",
                    child.name
                );
            }
            if let Some(tags) = child.inputs.get("tags") {
                let tags = json(tags);
                assert_eq!(tags["Environment"], "prod", "{}", child.name);
                assert_eq!(tags["EnvironmentSuffix"], "x7k2", "{}", child.name);
                assert_eq!(tags["orderapi:platform"], "orders", "{}", child.name);
            }
        }
        // Every kind that takes tags got them.
        let untagged: Vec<&str> = children
            .iter()
            .filter(|c| !c.inputs.contains_key("tags"))
            .map(|c| c.type_token)
            .collect();
        for token in &untagged {
            let kind = registry.get(token).expect("kind");
            assert!(
                !kind.input_properties().contains("tags"),
                "{token} takes tags but got none"
            );
        }
    }

    #[tokio::test]
    async fn wiring_records_dependencies() {
        let (children, _) = run(false).await;
        let nat_a = children
            .iter()
            .find(|c| c.name == "orders-nat-a")
            .expect("nat a");
        assert_eq!(
            nat_a.inputs["subnetId"],
            Value::from("subnet-orders-public-a")
        );
        assert_eq!(
            nat_a.inputs["allocationId"],
            Value::from("eipalloc-orders-eip-a")
        );
        assert!(
            nat_a.dependencies["subnetId"]
                .iter()
                .any(|u| u.ends_with("::orders-public-a"))
        );
        let rt_b = children
            .iter()
            .find(|c| c.name == "orders-private-rt-b")
            .expect("rt b");
        assert!(
            rt_b.dependencies["routes"]
                .iter()
                .any(|u| u.ends_with("::orders-nat-b"))
        );
        assert_eq!(
            rt_b.inputs["subnetIds"],
            Value::Array(vec![Value::from("subnet-orders-private-b")])
        );
    }

    #[tokio::test]
    async fn preview_wires_unknowns_through() {
        let (children, built) = run(true).await;
        let (up, _) = run(false).await;
        assert_eq!(children.len(), up.len(), "preview registers every child");
        assert_eq!(built.outputs["vpcId"], Value::Unknown);
        let subnet = children
            .iter()
            .find(|c| c.type_token == "orderapi:ec2:Subnet")
            .expect("subnet");
        assert_eq!(subnet.inputs["vpcId"], Value::Unknown);
    }

    #[tokio::test]
    async fn security_groups_allow_internet_to_alb_to_tasks_to_database_only() {
        let (children, _) = run(false).await;
        let alb = find(&children, "orders-sg-alb");
        let tasks = find(&children, "orders-sg-tasks");
        let db = find(&children, "orders-sg-db");
        let ports = |c: &ChildSpec, dir: &str| -> Vec<(i64, serde_json::Value)> {
            json(&c.inputs[dir])
                .as_array()
                .expect("rules")
                .iter()
                .map(|r| {
                    let peer = r
                        .get("securityGroupId")
                        .cloned()
                        .or_else(|| r.get("cidrBlocks").cloned())
                        .expect("peer");
                    (r["fromPort"].as_i64().expect("port"), peer)
                })
                .collect()
        };
        assert_eq!(
            ports(alb, "ingress"),
            vec![
                (80, serde_json::json!(["0.0.0.0/0"])),
                (443, serde_json::json!(["0.0.0.0/0"]))
            ]
        );
        assert_eq!(
            ports(tasks, "ingress"),
            vec![(8080, serde_json::json!("sg-orders-sg-alb"))]
        );
        assert_eq!(
            ports(db, "ingress"),
            vec![(3306, serde_json::json!("sg-orders-sg-tasks"))]
        );
        assert_eq!(ports(db, "egress"), vec![]);
        let private = serde_json::json!(["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"]);
        assert_eq!(ports(alb, "egress"), vec![(8080, private.clone())]);
        assert!(ports(tasks, "egress").contains(&(3306, private)));
        assert!(
            db.dependencies["ingress"]
                .iter()
                .any(|u| u.ends_with("::orders-sg-tasks"))
        );
        assert!(
            tasks.dependencies["ingress"]
                .iter()
                .any(|u| u.ends_with("::orders-sg-alb"))
        );
    }

    #[tokio::test]
    async fn without_a_certificate_http_on_80_with_a_warning_and_path_rule_blue_100_green_0() {
        let (children, built, warnings) = run_with(false, &[]).await;
        assert_eq!(count(&children, "orderapi:elbv2:Listener"), 1);
        let http = find(&children, "orders-listener-http");
        assert_eq!(json(&http.inputs["port"]), 80);
        assert_eq!(json(&http.inputs["protocol"]), "HTTP");
        assert_eq!(
            json(&http.inputs["defaultAction"])["fixedResponse"]["statusCode"],
            "404"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("loadBalancer.certificateArn")),
            "{warnings:?}"
        );
        let rule = find(&children, "orders-rule-orders");
        assert_eq!(
            json(&rule.inputs["conditions"]),
            serde_json::json!([{"pathPatterns": ["/orders", "/orders/*", "/health"]}])
        );
        let groups = json(&rule.inputs["action"])["forward"]["targetGroups"].clone();
        assert_eq!(groups[0]["weight"], 100);
        assert_eq!(groups[1]["weight"], 0);
        assert!(
            groups[0]["arn"]
                .as_str()
                .expect("arn")
                .contains("targetgroup/tg-prod-x7k2-blue/")
        );
        assert!(
            groups[1]["arn"]
                .as_str()
                .expect("arn")
                .contains("targetgroup/tg-prod-x7k2-green/")
        );
        assert_eq!(json(&rule.inputs["ignoreWeightChanges"]), true);
        assert_eq!(
            built.outputs["listenerRuleArn"]
                .as_str()
                .map(|a| a.contains("listener-rule/")),
            Some(true)
        );
        let lb = find(&children, "orders-alb");
        assert_eq!(json(&lb.inputs["scheme"]), "internet-facing");
        assert_eq!(
            json(&lb.inputs["subnets"]),
            serde_json::json!([
                "subnet-orders-public-a",
                "subnet-orders-public-b",
                "subnet-orders-public-c"
            ])
        );
        assert_eq!(
            json(&lb.inputs["securityGroups"]),
            serde_json::json!(["sg-orders-sg-alb"])
        );
    }

    #[tokio::test]
    async fn with_a_certificate_https_on_443_and_80_redirects() {
        let cert =
            "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
        let (children, _, warnings) = run_with(
            false,
            &[("loadBalancer", serde_json::json!({"certificateArn": cert}))],
        )
        .await;
        assert!(warnings.is_empty(), "{warnings:?}");
        let https = find(&children, "orders-listener-https");
        assert_eq!(json(&https.inputs["port"]), 443);
        assert_eq!(json(&https.inputs["certificateArn"]), cert);
        assert_eq!(
            json(&https.inputs["sslPolicy"]),
            "ELBSecurityPolicy-TLS13-1-2-2021-06"
        );
        let redirect = find(&children, "orders-listener-http");
        let action = json(&redirect.inputs["defaultAction"]);
        assert_eq!(action["redirect"]["protocol"], "HTTPS");
        assert_eq!(action["redirect"]["port"], "443");
        assert_eq!(action["redirect"]["statusCode"], "HTTP_301");
        let rule = find(&children, "orders-rule-orders");
        assert!(
            rule.dependencies["listenerArn"]
                .iter()
                .any(|u| u.ends_with("::orders-listener-https"))
        );
    }

    #[tokio::test]
    async fn target_groups_check_health_and_drain() {
        let (children, _) = run(false).await;
        for color in ["blue", "green"] {
            let tg = find(&children, &format!("orders-tg-{color}"));
            assert_eq!(json(&tg.inputs["name"]), format!("tg-prod-x7k2-{color}"));
            assert_eq!(json(&tg.inputs["targetType"]), "ip");
            assert_eq!(json(&tg.inputs["port"]), 8080);
            assert_eq!(json(&tg.inputs["healthCheck"])["path"], "/health");
            assert_eq!(json(&tg.inputs["healthCheck"])["matcher"], "200");
            assert_eq!(json(&tg.inputs["deregistrationDelay"]), 30);
        }
    }

    #[tokio::test]
    async fn waf_limits_each_ip_to_100_per_5_minutes_with_managed_rules_on_the_alb() {
        let (children, _) = run(false).await;
        let acl = find(&children, "orders-waf");
        let rate = json(&acl.inputs["rateBasedRules"]);
        assert_eq!(rate[0]["limit"], 100);
        assert_eq!(rate[0]["evaluationWindowSec"], 300);
        assert_eq!(rate[0]["aggregateKeyType"], "IP");
        assert_eq!(rate[0]["action"], "block");
        let managed: Vec<String> = json(&acl.inputs["managedRuleGroups"])
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| g["name"].as_str().expect("name").to_string())
            .collect();
        assert_eq!(
            managed,
            args::DEFAULT_MANAGED_RULE_GROUPS.map(String::from).to_vec()
        );
        assert_eq!(
            json(&acl.inputs["visibility"])["cloudWatchMetricsEnabled"],
            true
        );
        let assoc = find(&children, "orders-waf-association");
        assert!(
            assoc.dependencies["webAclArn"]
                .iter()
                .any(|u| u.ends_with("::orders-waf"))
        );
        assert!(
            assoc.dependencies["resourceArn"]
                .iter()
                .any(|u| u.ends_with("::orders-alb"))
        );
        let (custom, _, _) = run_with(
            false,
            &[(
                "waf",
                serde_json::json!({"rateLimit": 2000, "managedRuleGroups": []}),
            )],
        )
        .await;
        let acl = find(&custom, "orders-waf");
        assert_eq!(json(&acl.inputs["rateBasedRules"])[0]["limit"], 2000);
        assert_eq!(
            json(&acl.inputs["managedRuleGroups"]),
            serde_json::json!([])
        );
    }

    /// A monitor that refuses the `fail_at`-th registration.
    struct Failing {
        inner: Recorder,
        fail_at: usize,
        seen: std::sync::atomic::AtomicUsize,
    }

    #[async_trait::async_trait]
    impl Monitor for Failing {
        async fn register_child(&self, spec: ChildSpec) -> Result<Child, String> {
            let n = self.seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if n == self.fail_at {
                return Err(format!("injected failure registering {}", spec.name));
            }
            self.inner.register_child(spec).await
        }
    }

    #[tokio::test]
    async fn a_refused_registration_anywhere_stops_construct_with_its_error() {
        let (all, _) = run(false).await;
        for fail_at in 0..all.len() {
            let args = PlatformArgs::from_inputs(
                &[("environment", "prod"), ("environmentSuffix", "x7k2")]
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::from(*v)))
                    .collect(),
            )
            .expect("valid");
            let env = ConstructEnv {
                name: "orders".into(),
                dry_run: false,
                aws: Arc::new(Aws::offline()),
                diagnostics: Arc::new(Warnings::default()),
            };
            let mut f = Failures::default();
            let zones: Vec<String> = ["us-east-1a", "us-east-1b", "us-east-1c"]
                .map(String::from)
                .to_vec();
            let plan = Plan {
                settings: args.settings_into(&mut f),
                args,
                naming: Naming::new("prod", "x7k2", &mut f),
                network: network::NetworkPlan::new(DEFAULT_VPC_CIDR, &zones, &mut f),
                zones,
            };
            let monitor = Failing {
                inner: Recorder::default(),
                fail_at,
                seen: Default::default(),
            };
            let err = construct(&monitor, &env, "urn:component", plan)
                .await
                .expect_err("a refused registration fails construct");
            assert!(err.contains("injected failure"), "{fail_at}: {err}");
        }
    }

    #[tokio::test]
    async fn configuration_becomes_parameters_and_alarms_reach_email_and_an_existing_topic() {
        let pager = "arn:aws:sns:us-east-1:123456789012:pager";
        let (children, _, _) = run_with(
            false,
            &[
                (
                    "service",
                    serde_json::json!({"environment": {"LOG_LEVEL": "info"}}),
                ),
                (
                    "alarms",
                    serde_json::json!({"email": "oncall@example.com", "topicArn": pager}),
                ),
            ],
        )
        .await;
        let param = find(&children, "orders-param-log_level");
        assert_eq!(json(&param.inputs["name"]), "/param-prod-x7k2/LOG_LEVEL");
        assert_eq!(json(&param.inputs["value"]), "info");
        let topic = find(&children, "orders-alarms-topic");
        assert_eq!(
            json(&topic.inputs["subscriptions"]),
            serde_json::json!([{"protocol": "email", "endpoint": "oncall@example.com"}])
        );
        let alarm = find(&children, "orders-alarm-5xx-rate");
        let actions = json(&alarm.inputs["alarmActions"]);
        assert_eq!(actions[1], pager);
        assert!(
            actions[0]
                .as_str()
                .is_some_and(|a| a.ends_with(":sns-prod-x7k2-alarms"))
        );
        assert_eq!(json(&alarm.inputs["okActions"]), actions);
    }
}
