//! `OrderApiPlatform`: the component. Construct validates its arguments, resolves what needs AWS (availability
//! zones) and registers its children — custom resources of this same provider — wiring their outputs into each
//! other's inputs, with dependencies recorded so the engine orders creates and deletes.

pub mod naming;
pub mod network;

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
}

/// Standard CIDR when none is given.
pub const DEFAULT_VPC_CIDR: &str = "10.0.0.0/16";

impl PlatformArgs {
    /// Decodes and validates the component's inputs; failures name the property.
    pub fn from_inputs(inputs: &PropertyMap) -> Result<PlatformArgs, Vec<CheckFailure>> {
        let known = crate::schema::property_names::<PlatformArgs>();
        let mut f = Failures::default();
        let mut object = serde_json::Map::new();
        for (key, value) in inputs {
            if key.starts_with("__") {
                continue;
            }
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
    f.finish(()).map_err(|fs| {
        fs.iter()
            .map(|x| format!("{}: {}", x.property, x.reason))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    Ok(Plan {
        args,
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
pub async fn construct(
    monitor: &dyn Monitor,
    env: &ConstructEnv,
    _component_urn: &str,
    plan: Plan,
) -> Result<Built, String> {
    let tags = standard_tags(env, &plan);
    let net = network::build(monitor, env, &plan, &tags).await?;
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
    Ok(built)
}

fn ids(children: &[Child]) -> Value {
    Value::Array(children.iter().map(|c| c.id.clone()).collect())
}

/// Adds the component to the schema.
pub fn describe(schema: &mut SchemaBuilder) {
    schema.add_component::<PlatformArgs, PlatformOutputs>(
        TOKEN,
        "A production order-processing API platform on AWS: a VPC over three availability zones with public and \
         private subnets, an internet gateway and a NAT gateway per zone, and (as the platform grows) ECS Fargate, \
         an ALB with blue/green target groups, Aurora MySQL, WAF and observability. Every resource is named \
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
}

/// Construct-graph tests: a recording monitor stands in for the engine.
#[cfg(test)]
mod graph_tests {
    use std::sync::Mutex;

    use super::*;
    use crate::resource::{CheckContext, NoDiagnostics, Registry};

    #[derive(Default)]
    struct Recorder {
        children: Mutex<Vec<ChildSpec>>,
        preview: bool,
    }

    #[async_trait::async_trait]
    impl Monitor for Recorder {
        async fn register_child(&self, spec: ChildSpec) -> Result<Child, String> {
            let urn = format!(
                "urn:pulumi:test::proj::{TOKEN}${}::{}",
                spec.type_token, spec.name
            );
            // Ids shaped like AWS's, since kinds validate the ids they are given.
            let prefix = match spec.type_token {
                "orderapi:ec2:Vpc" => "vpc",
                "orderapi:ec2:Subnet" => "subnet",
                "orderapi:ec2:InternetGateway" => "igw",
                "orderapi:ec2:ElasticIp" => "eipalloc",
                "orderapi:ec2:NatGateway" => "nat",
                "orderapi:ec2:RouteTable" => "rtb",
                other => other,
            };
            let id = if self.preview {
                Value::Unknown
            } else {
                Value::String(format!("{prefix}-{}", spec.name))
            };
            self.children.lock().map_err(|e| e.to_string())?.push(spec);
            Ok(Child {
                urn,
                id,
                outputs: PropertyMap::new(),
            })
        }
    }

    async fn run(preview: bool) -> (Vec<ChildSpec>, Built) {
        let args = PlatformArgs::from_inputs(
            &[("environment", "prod"), ("environmentSuffix", "x7k2")]
                .iter()
                .map(|(k, v)| (k.to_string(), Value::from(*v)))
                .collect(),
        )
        .expect("valid");
        let env = ConstructEnv {
            name: "orders".into(),
            dry_run: preview,
            aws: Arc::new(Aws::offline()),
            diagnostics: Arc::new(NoDiagnostics),
        };
        let mut f = Failures::default();
        let naming = Naming::new("prod", "x7k2", &mut f);
        let zones: Vec<String> = ["us-east-1a", "us-east-1b", "us-east-1c"]
            .map(String::from)
            .to_vec();
        let network = network::NetworkPlan::new(DEFAULT_VPC_CIDR, &zones, &mut f);
        let plan = Plan {
            args,
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
        (children, built)
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
            let name = child.inputs["name"].as_str().expect("name");
            assert!(
                name.contains("-prod-x7k2"),
                "{name} does not follow <type>-<env>-<suffix>"
            );
            let Value::Object(tags) = &child.inputs["tags"] else {
                panic!("tags")
            };
            assert_eq!(tags["Environment"], Value::from("prod"));
            assert_eq!(tags["EnvironmentSuffix"], Value::from("x7k2"));
            assert_eq!(tags["orderapi:platform"], Value::from("orders"));
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
        assert_eq!(children.len(), 18);
        assert_eq!(built.outputs["vpcId"], Value::Unknown);
        let subnet = children
            .iter()
            .find(|c| c.type_token == "orderapi:ec2:Subnet")
            .expect("subnet");
        assert_eq!(subnet.inputs["vpcId"], Value::Unknown);
    }
}
