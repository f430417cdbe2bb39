//! Test support: a monitor that records the children Construct registers and answers with ids and outputs shaped
//! like AWS's (kinds validate the ids and ARNs they are given).

use std::sync::Mutex;

use super::{Child, ChildSpec, Monitor, Plan, PlatformArgs, TOKEN, plan_in};
use crate::resource::{CustomResource, Registry};

/// A kind's token.
pub const fn token<R: CustomResource>() -> &'static str {
    R::TOKEN
}
use crate::rpc::value::{PropertyMap, Value};

#[derive(Default)]
pub struct Recorder {
    pub children: Mutex<Vec<ChildSpec>>,
    pub preview: bool,
}

const ACCOUNT: &str = "123456789012";

/// The physical name a child was given, under whichever input its kind names it by (a KMS key by its alias).
pub fn physical_name(spec: &ChildSpec) -> String {
    [
        "name",
        "clusterIdentifier",
        "identifier",
        "alarmName",
        "dashboardName",
        "family",
        "alias",
        "bucket",
    ]
    .iter()
    .find_map(|k| spec.inputs.get(*k).and_then(Value::as_str))
    .unwrap_or(&spec.name)
    .to_string()
}

/// Ids and outputs shaped like AWS's, since kinds validate the ids and ARNs they are given.
pub fn fabricate(spec: &ChildSpec) -> (Value, PropertyMap) {
    let name = physical_name(spec);
    let arn =
        |service: &str, resource: &str| format!("arn:aws:{service}:us-east-1:{ACCOUNT}:{resource}");
    let mut outputs = PropertyMap::new();
    let mut put = |k: &str, v: String| {
        outputs.insert(k.to_string(), Value::String(v));
    };
    let t = spec.type_token;
    let is = |token: &str| t == token;
    let id = match () {
        _ if is(token::<crate::resources::ec2::vpc::Vpc>()) => format!("vpc-{}", spec.name),
        _ if is(token::<crate::resources::ec2::subnet::Subnet>()) => {
            format!("subnet-{}", spec.name)
        }
        _ if is(token::<
            crate::resources::ec2::internet_gateway::InternetGateway,
        >()) =>
        {
            format!("igw-{}", spec.name)
        }
        _ if is(token::<crate::resources::ec2::elastic_ip::ElasticIp>()) => {
            format!("eipalloc-{}", spec.name)
        }
        _ if is(token::<crate::resources::ec2::nat_gateway::NatGateway>()) => {
            format!("nat-{}", spec.name)
        }
        _ if is(token::<crate::resources::ec2::route_table::RouteTable>()) => {
            format!("rtb-{}", spec.name)
        }
        _ if is(token::<crate::resources::ec2::security_group::SecurityGroup>()) => {
            format!("sg-{}", spec.name)
        }
        _ if is(token::<crate::resources::elbv2::load_balancer::LoadBalancer>()) => {
            let a = arn(
                "elasticloadbalancing",
                &format!("loadbalancer/app/{name}/50dc6c495c0c9188"),
            );
            put("arnSuffix", format!("app/{name}/50dc6c495c0c9188"));
            put(
                "dnsName",
                format!("{name}-1234567890.us-east-1.elb.amazonaws.com"),
            );
            put("arn", a.clone());
            a
        }
        _ if is(token::<crate::resources::elbv2::target_group::TargetGroup>()) => {
            let a = arn(
                "elasticloadbalancing",
                &format!("targetgroup/{name}/73e2d6bc24d8a067"),
            );
            put("arnSuffix", format!("targetgroup/{name}/73e2d6bc24d8a067"));
            put("arn", a.clone());
            a
        }
        _ if is(token::<crate::resources::elbv2::listener::Listener>()) => {
            let a = arn(
                "elasticloadbalancing",
                &format!("listener/app/alb/50dc6c495c0c9188/{}", spec.name.len()),
            );
            put("arn", a.clone());
            a
        }
        _ if is(token::<crate::resources::elbv2::listener_rule::ListenerRule>()) => {
            let a = arn(
                "elasticloadbalancing",
                "listener-rule/app/alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee",
            );
            put("arn", a.clone());
            a
        }
        _ if is(token::<crate::resources::wafv2::web_acl::WebAcl>()) => {
            let a = arn(
                "wafv2",
                &format!("regional/webacl/{name}/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"),
            );
            put("webAclId", "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111".into());
            put("arn", a.clone());
            a
        }
        _ if is(token::<crate::resources::rds::cluster::Cluster>()) => {
            put("arn", arn("rds", &format!("cluster:{name}")));
            put(
                "endpoint",
                format!("{name}.cluster-c9akciq32.us-east-1.rds.amazonaws.com"),
            );
            put(
                "readerEndpoint",
                format!("{name}.cluster-ro-c9akciq32.us-east-1.rds.amazonaws.com"),
            );
            put(
                "masterUserSecretArn",
                arn("secretsmanager", "secret:rds!cluster-0d5b1d0e-AbCdEf"),
            );
            name
        }
        _ if is(token::<crate::resources::secretsmanager::secret::Secret>()) => {
            put(
                "arn",
                arn("secretsmanager", &format!("secret:{name}-AbCdEf")),
            );
            name
        }
        _ if is(token::<crate::resources::ssm::parameter::Parameter>()) => {
            put("arn", arn("ssm", &format!("parameter{name}")));
            name
        }
        _ if is(token::<crate::resources::sns::topic::Topic>()) => {
            let a = arn("sns", &name);
            put("arn", a.clone());
            a
        }
        _ if is(token::<crate::resources::ecr::repository::Repository>()) => {
            put("arn", arn("ecr", &format!("repository/{name}")));
            put(
                "repositoryUrl",
                format!("{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{name}"),
            );
            name
        }
        _ if is(token::<crate::resources::logs::log_group::LogGroup>()) => {
            put("arn", arn("logs", &format!("log-group:{name}")));
            name
        }
        _ if is(token::<crate::resources::iam::role::Role>()) => {
            put("arn", format!("arn:aws:iam::{ACCOUNT}:role/{name}"));
            name
        }
        _ if is(token::<crate::resources::ecs::cluster::Cluster>()) => {
            put("arn", arn("ecs", &format!("cluster/{name}")));
            name
        }
        _ if is(token::<
            crate::resources::ecs::task_definition::TaskDefinition,
        >()) =>
        {
            let a = arn("ecs", &format!("task-definition/{name}:1"));
            put("arn", a.clone());
            a
        }
        _ if is(token::<crate::resources::ecs::service::Service>()) => {
            let a = arn("ecs", &format!("service/ecs-prod-x7k2/{name}"));
            put("arn", a.clone());
            a
        }
        _ if is(token::<
            crate::resources::cloudwatch::metric_alarm::MetricAlarm,
        >()) =>
        {
            put("arn", arn("cloudwatch", &format!("alarm:{name}")));
            name
        }
        _ if is(token::<crate::resources::cloudwatch::dashboard::Dashboard>()) => {
            put(
                "arn",
                format!("arn:aws:cloudwatch::{ACCOUNT}:dashboard/{name}"),
            );
            name
        }
        _ if is(token::<crate::resources::rds::db_subnet_group::DbSubnetGroup>())
            || is(token::<
                crate::resources::rds::cluster_instance::ClusterInstance,
            >()) =>
        {
            put("arn", arn("rds", &name));
            name
        }
        _ if is(token::<crate::resources::kms::key::Key>()) => {
            let id = "1234abcd-12ab-34cd-56ef-1234567890ab".to_string();
            put("arn", arn("kms", &format!("key/{id}")));
            put("aliasArn", arn("kms", &name));
            id
        }
        _ if is(token::<crate::resources::s3::bucket::Bucket>()) => {
            let name = spec
                .inputs
                .get("bucket")
                .and_then(Value::as_str)
                .unwrap_or(&spec.name)
                .to_string();
            put("arn", format!("arn:aws:s3:::{name}"));
            name
        }
        _ if is(token::<crate::resources::ec2::flow_log::FlowLog>()) => {
            put("arn", arn("ec2", "vpc-flow-log/fl-0123456789abcdef0"));
            "fl-0123456789abcdef0".to_string()
        }
        _ => {
            let a = arn(t.split(':').nth(1).unwrap_or("x"), &spec.name);
            put("arn", a.clone());
            a
        }
    };
    (Value::String(id), outputs)
}

#[async_trait::async_trait]
impl Monitor for Recorder {
    async fn register_child(&self, spec: ChildSpec) -> Result<Child, String> {
        let urn = format!(
            "urn:pulumi:test::proj::{TOKEN}${}::{}",
            spec.type_token, spec.name
        );
        // The engine would take any key; a kind would ignore one it does not declare. A child built against its
        // kind sets only that kind's inputs.
        let registry = Registry::all();
        let kind = registry.get(spec.type_token).ok_or_else(|| {
            format!(
                "{}: {} is not a kind of this provider",
                spec.name, spec.type_token
            )
        })?;
        let inputs = kind.input_properties();
        if let Some(key) = spec.inputs.keys().find(|k| !inputs.contains(*k)) {
            return Err(format!(
                "{}: '{key}' is not an input of {} (takes: {})",
                spec.name,
                spec.type_token,
                inputs.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        let (id, outputs) = if self.preview {
            (Value::Unknown, PropertyMap::new())
        } else {
            fabricate(&spec)
        };
        self.children.lock().expect("recorder lock").push(spec);
        Ok(Child { urn, id, outputs })
    }
}

/// The plan of `args` in us-east-1 with zones a, b and c available.
pub fn plan_offline(args: PlatformArgs) -> Plan {
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
        .map(String::from)
        .to_vec();
    plan_in("us-east-1", "123456789012", zones, args).expect("plan")
}

/// `plan` validated as the server validates it before Construct (panics when refused).
pub fn validated(plan: Plan) -> super::Validated {
    super::validate(&quiet_env(true), plan).expect("a valid plan")
}

/// The arguments of a `prod`/`x7k2` platform with the groups in `extra` (component inputs as JSON).
pub fn arguments(extra: serde_json::Value) -> PlatformArgs {
    let mut inputs: crate::rpc::value::PropertyMap =
        [("environment", "prod"), ("environmentSuffix", "x7k2")]
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect();
    for (k, v) in extra.as_object().expect("an object of inputs") {
        inputs.insert(k.clone(), Value::from_json(v.clone()));
    }
    PlatformArgs::from_inputs(&inputs).expect("valid arguments")
}

/// The call of a component named `orders` against no AWS, its diagnostics dropped.
pub fn quiet_env(preview: bool) -> super::ConstructEnv {
    super::ConstructEnv {
        name: "orders".into(),
        dry_run: preview,
        aws: std::sync::Arc::new(crate::aws::Aws::offline()),
        diagnostics: std::sync::Arc::new(crate::resource::NoDiagnostics),
    }
}

/// Asserts every child passes its kind's own check.
pub fn check_all(children: &[ChildSpec]) {
    let registry = Registry::all();
    for child in children {
        let kind = registry.get(child.type_token).expect("registered kind");
        let checked = kind.check(
            &crate::resource::CheckContext::default(),
            child.inputs.clone(),
        );
        assert!(
            checked.failures.is_empty(),
            "{}: {:?}",
            child.name,
            checked.failures
        );
    }
}
