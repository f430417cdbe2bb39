//! `OrderApiPlatform`: the component. Construct validates its arguments, resolves what needs AWS (availability
//! zones) and registers its children — custom resources of this same provider — wiring their outputs into each
//! other's inputs, with dependencies recorded so the engine orders creates and deletes.

pub mod args;
pub mod audit;
pub mod child;
pub mod component;
pub mod compute;
#[cfg(test)]
mod construct_tests;
pub mod data;
pub mod edge;
pub mod naming;
pub mod network;
pub mod observability;
pub mod security;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod validation_properties;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::aws::Aws;
use crate::resource::{Diagnostics, Failures};
use crate::rpc::value::{PropertyMap, Value};
use crate::schema::SchemaBuilder;
pub use child::{Child, ChildSpec, Handle, Monitor, Scope};
pub use component::{DEFAULT_VPC_CIDR, PlatformArgs, PlatformOutputs};
use naming::Naming;

/// The component's type token.
pub const TOKEN: &str = "orderapi:index:OrderApiPlatform";

/// What Construct knows about its call.
#[derive(Clone)]
pub struct ConstructEnv {
    /// The component's logical name.
    pub name: String,
    pub dry_run: bool,
    pub aws: Arc<Aws>,
    pub diagnostics: Arc<dyn Diagnostics>,
}

/// Everything Construct decided before registering anything.
#[derive(Clone, Debug)]
pub struct Plan {
    pub args: PlatformArgs,
    /// The AWS account the credentials belong to (names that must be unique across all of AWS carry it).
    pub account: String,
    /// The arguments with defaults filled in.
    pub settings: args::Settings,
    pub naming: Naming,
    pub zones: Vec<String>,
    pub network: network::NetworkPlan,
}

/// Resolves the account, zones and addresses; fails (before anything is registered) when the region lacks three
/// zones or a requested zone does not exist.
pub async fn plan(env: &ConstructEnv, args: PlatformArgs) -> Result<Plan, String> {
    let available = crate::resources::ec2::availability_zones(&env.aws)
        .await
        .map_err(|e| format!("cannot list the region's availability zones: {e}"))?;
    let account = env
        .aws
        .account_id()
        .await
        .map_err(|e| format!("cannot tell the AWS account of the credentials: {e}"))?;
    plan_in(&env.aws.region, &account, available, args)
}

/// [`plan`] given the `account` and the region's `available` zones.
pub fn plan_in(
    region: &str,
    account: &str,
    available: Vec<String>,
    args: PlatformArgs,
) -> Result<Plan, String> {
    let mut f = Failures::default();
    let naming = Naming::new(&args.environment, &args.environment_suffix, &mut f);
    let zones = match &args.availability_zones {
        Some(zones) => {
            for z in zones {
                f.require(
                    available.contains(z),
                    "availabilityZones",
                    format!(
                        "'{z}' is not an available zone of {} (available: {})",
                        region,
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
                    region,
                    available.len()
                ),
            );
            available.into_iter().take(3).collect()
        }
    };
    let cidr = args.vpc_cidr.as_deref().unwrap_or(DEFAULT_VPC_CIDR);
    let network = network::NetworkPlan::new(cidr, &zones, &mut f);
    let settings = args.settings_into(&mut f);
    refuse_other_regions(region, &settings, &mut f);
    f.finish(()).map_err(|fs| {
        fs.iter()
            .map(|x| format!("{}: {}", x.property, x.reason))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    Ok(Plan {
        args,
        account: account.to_string(),
        settings,
        naming,
        zones,
        network,
    })
}

/// Refuses ARNs of another region or partition where AWS requires the platform's own: the load balancer's
/// certificate (ACM certificates are regional; an IAM server certificate is global but partitioned), the alarm
/// topic (CloudWatch alarms notify topics of their own region only) and the alarm topic's KMS key (regional). AWS would refuse them only after half the
/// platform exists.
fn refuse_other_regions(region: &str, settings: &args::Settings, f: &mut Failures) {
    let partition = crate::arn::partition_of(region);
    let mut require = |property: &str, arn: &str, regional: bool| {
        let Ok(a) = arn.parse::<crate::arn::Arn>() else {
            return; // The argument's own rule reports a malformed ARN.
        };
        f.require(
            a.partition == partition,
            property,
            format!(
                "'{arn}' is in partition {}, but the platform deploys to {region} (partition {partition})",
                a.partition
            ),
        );
        f.require(
            !regional || a.region == region,
            property,
            format!(
                "'{arn}' is in region {}, but the platform deploys to {region}: it must be in {region}",
                a.region
            ),
        );
    };
    if let Some(arn) = &settings.load_balancer.certificate_arn {
        let acm = arn
            .parse::<crate::arn::Arn>()
            .is_ok_and(|a| a.service == "acm");
        require("loadBalancer.certificateArn", arn, acm);
    }
    if let Some(arn) = &settings.alarms.topic_arn {
        require("alarms.topicArn", arn, true);
    }
    if let args::TopicEncryption::Key(arn) = &settings.alarms.topic_encryption {
        require("alarms.topicKmsKeyArn", arn, true); // KMS keys are regional.
    }
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

/// The declared children.
struct Platform<'a> {
    net: network::Network<'a>,
    audit: audit::Audit<'a>,
    edge: edge::Edge<'a>,
    data: data::Data<'a>,
    obs: observability::Observability<'a>,
    compute: compute::Compute<'a>,
}

/// Declares every child (nothing is registered until [`Scope::finish`]).
fn declare<'a>(scope: &Scope<'a>) -> Result<Platform<'a>, String> {
    let net = network::build(scope);
    let audit = audit::build(scope, &net);
    let sgs = security::build(scope, &net);
    let edge = edge::build(scope, &net, &sgs, &audit);
    let data = data::build(scope, &net, &sgs)?;
    let obs = observability::build(scope, &edge, &data);
    let compute = compute::build(scope, &net, &sgs, &edge, &data, &obs)?;
    Ok(Platform {
        net,
        audit,
        edge,
        data,
        obs,
        compute,
    })
}

/// A monitor for declaring without registering ([`validate`] never drives a handle).
struct Unregistered;

#[async_trait::async_trait]
impl Monitor for Unregistered {
    async fn register_child(&self, spec: ChildSpec) -> Result<Child, String> {
        Err(format!("{}: validation registers nothing", spec.name))
    }
}

/// A plan whose every declared child passed its kind's own rules ([`validate`]): the only thing [`construct`]
/// takes, so the rules run once per Construct and no child is registered unchecked.
#[derive(Debug)]
pub struct Validated(Plan);

impl Validated {
    pub fn plan(&self) -> &Plan {
        &self.0
    }

    /// A plan taken as validated without running the rules (tests that look at what the rules would miss).
    #[cfg(test)]
    pub(crate) fn unchecked(plan: Plan) -> Validated {
        Validated(plan)
    }
}

/// Every child the plan declares, checked with its kind's own rules on the properties known before anything
/// exists (failures named by the component's arguments). The engine calls Construct after registering the
/// component, so this runs first: a refused platform leaves neither AWS objects nor a component in the state.
pub fn validate(env: &ConstructEnv, plan: Plan) -> Result<Validated, String> {
    let quiet = ConstructEnv {
        diagnostics: Arc::new(crate::resource::NoDiagnostics),
        ..env.clone()
    };
    let tags = Value::from(&standard_tags(env, &plan));
    {
        let scope = Scope::new(&Unregistered, "", &quiet, &plan, tags);
        declare(&scope)?;
        scope.refused()?;
    }
    Ok(Validated(plan))
}

/// Declares every child and registers each as soon as the children it references exist, then returns the
/// component's outputs. Read top to bottom it is the platform: network, security groups, edge, data tier,
/// observability, compute — but nothing waits for a whole earlier part, only for what it names (the engine's
/// graph is exactly the data's; see `child.rs`).
pub async fn construct(
    monitor: &dyn Monitor,
    env: &ConstructEnv,
    component_urn: &str,
    validated: Validated,
) -> Result<Built, String> {
    let plan = validated.0;
    let estimate = cost_estimate(env, component_urn, &plan);
    let tags = Value::from(&standard_tags(env, &plan));
    let scope = Scope::validated(monitor, component_urn, env, &plan, tags);
    let Platform {
        net,
        audit,
        edge,
        data,
        obs,
        compute,
    } = declare(&scope)?;
    scope.finish().await?;

    let mut built = Built::default();
    let mut out = |key: &str, value: Value, from: &[Arc<Child>]| {
        built.outputs.insert(key.to_string(), value);
        built.dependencies.insert(
            key.to_string(),
            from.iter().map(|c| c.urn.clone()).collect(),
        );
    };
    let (vpc, igw) = (net.vpc.get().await?, net.igw.get().await?);
    out("vpcId", vpc.id.clone(), &[vpc]);
    out("internetGatewayId", igw.id.clone(), &[igw]);
    for (key, handles) in [
        ("publicSubnetIds", &net.public_subnets),
        ("privateSubnetIds", &net.private_subnets),
        ("natGatewayIds", &net.nat_gateways),
    ] {
        let children = child::resolve(handles).await?;
        out(key, child::ids(&children), &children);
    }
    out(
        "availabilityZones",
        Value::Array(plan.zones.iter().map(|z| Value::from(z.as_str())).collect()),
        &[],
    );
    let outputs: [(&str, &Handle<'_>, &str); 14] = [
        ("albDnsName", &edge.load_balancer, "dnsName"),
        ("albArn", &edge.load_balancer, "arn"),
        ("ecsServiceArn", &compute.service, "arn"),
        ("rdsClusterEndpoint", &data.cluster, "endpoint"),
        ("rdsReaderEndpoint", &data.cluster, "readerEndpoint"),
        ("dbSecretArn", &data.cluster, "masterUserSecretArn"),
        ("appSecretArn", &data.app_secret, "arn"),
        ("ecrRepositoryUrl", &compute.repository, "repositoryUrl"),
        ("blueTargetGroupArn", &edge.blue, "arn"),
        ("greenTargetGroupArn", &edge.green, "arn"),
        ("listenerRuleArn", &edge.rule, "arn"),
        ("webAclArn", &edge.web_acl, "arn"),
        ("alarmTopicArn", &obs.topic, "arn"),
        ("ecsClusterName", &compute.cluster, ""),
    ];
    for (key, handle, output) in outputs {
        let child = handle.get().await?;
        let value = if output.is_empty() {
            child.id.clone()
        } else {
            child.output(output)
        };
        out(key, value, &[child]);
    }
    if let Some(bucket) = &audit.access_logs {
        let bucket = bucket.get().await?;
        out("accessLogBucket", bucket.id.clone(), &[bucket]);
    }
    if let Some(flow_logs) = &audit.flow_logs {
        let log_group = flow_logs.log_group.get().await?;
        out("flowLogGroupName", log_group.id.clone(), &[log_group]);
    }
    let dashboard = obs.dashboard.get().await?;
    out("dashboardName", dashboard.id.clone(), &[dashboard]);
    out(
        "configParameterPath",
        Value::from(scope.parameter_path().as_str()),
        &[],
    );
    if let Some(estimate) = estimate {
        out("estimatedMonthlyCost", Value::from(estimate.total), &[]);
        let items = serde_json::to_value(&estimate.items)
            .map_err(|e| format!("cannot encode the cost breakdown: {e}"))?;
        out("costBreakdown", Value::from_json(items), &[]);
    }
    Ok(built)
}

/// The monthly cost estimate of the plan, told to the user at preview and at up (an info message on the
/// component); a region without a price table gets a warning instead, and the deploy goes on.
fn cost_estimate(env: &ConstructEnv, urn: &str, plan: &Plan) -> Option<crate::cost::Estimate> {
    let assumptions = plan.args.cost_assumptions.clone().unwrap_or_default();
    match crate::cost::estimate(&env.aws.region, &plan.settings, &assumptions) {
        Ok(estimate) => {
            env.diagnostics.log(
                crate::resource::Severity::Info,
                urn,
                format!("{TOKEN} '{}': {}", env.name, estimate.summary()),
                false,
            );
            Some(estimate)
        }
        Err(e) => {
            env.diagnostics.log(
                crate::resource::Severity::Warning,
                urn,
                format!("{TOKEN} '{}': no cost estimate: {e}", env.name),
                false,
            );
            None
        }
    }
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
