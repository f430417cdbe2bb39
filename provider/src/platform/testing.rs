//! Test support: a monitor that records the children Construct registers and answers with ids and outputs shaped
//! like AWS's (kinds validate the ids and ARNs they are given).

use std::sync::Mutex;

use super::{Child, ChildSpec, Monitor, TOKEN};
use crate::rpc::value::{PropertyMap, Value};

#[derive(Default)]
pub struct Recorder {
    pub children: Mutex<Vec<ChildSpec>>,
    pub preview: bool,
}

const ACCOUNT: &str = "123456789012";

/// The physical name a child was given, under whichever input its kind names it by.
pub fn physical_name(spec: &ChildSpec) -> String {
    [
        "name",
        "clusterIdentifier",
        "identifier",
        "alarmName",
        "dashboardName",
        "family",
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
    let id = match spec.type_token {
        "orderapi:ec2:Vpc" => format!("vpc-{}", spec.name),
        "orderapi:ec2:Subnet" => format!("subnet-{}", spec.name),
        "orderapi:ec2:InternetGateway" => format!("igw-{}", spec.name),
        "orderapi:ec2:ElasticIp" => format!("eipalloc-{}", spec.name),
        "orderapi:ec2:NatGateway" => format!("nat-{}", spec.name),
        "orderapi:ec2:RouteTable" => format!("rtb-{}", spec.name),
        "orderapi:ec2:SecurityGroup" => format!("sg-{}", spec.name),
        "orderapi:elbv2:LoadBalancer" => {
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
        "orderapi:elbv2:TargetGroup" => {
            let a = arn(
                "elasticloadbalancing",
                &format!("targetgroup/{name}/73e2d6bc24d8a067"),
            );
            put("arnSuffix", format!("targetgroup/{name}/73e2d6bc24d8a067"));
            put("arn", a.clone());
            a
        }
        "orderapi:elbv2:Listener" => {
            let a = arn(
                "elasticloadbalancing",
                &format!("listener/app/alb/50dc6c495c0c9188/{}", spec.name.len()),
            );
            put("arn", a.clone());
            a
        }
        "orderapi:elbv2:ListenerRule" => {
            let a = arn(
                "elasticloadbalancing",
                "listener-rule/app/alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee",
            );
            put("arn", a.clone());
            a
        }
        "orderapi:wafv2:WebAcl" => {
            let a = arn(
                "wafv2",
                &format!("regional/webacl/{name}/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"),
            );
            put("webAclId", "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111".into());
            put("arn", a.clone());
            a
        }
        "orderapi:rds:Cluster" => {
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
        "orderapi:secretsmanager:Secret" => {
            put(
                "arn",
                arn("secretsmanager", &format!("secret:{name}-AbCdEf")),
            );
            name
        }
        "orderapi:ssm:Parameter" => {
            put("arn", arn("ssm", &format!("parameter{name}")));
            name
        }
        "orderapi:sns:Topic" => {
            let a = arn("sns", &name);
            put("arn", a.clone());
            a
        }
        "orderapi:ecr:Repository" => {
            put("arn", arn("ecr", &format!("repository/{name}")));
            put(
                "repositoryUrl",
                format!("{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{name}"),
            );
            name
        }
        "orderapi:logs:LogGroup" => {
            put("arn", arn("logs", &format!("log-group:{name}")));
            name
        }
        "orderapi:iam:Role" => {
            put("arn", format!("arn:aws:iam::{ACCOUNT}:role/{name}"));
            name
        }
        "orderapi:ecs:Cluster" => {
            put("arn", arn("ecs", &format!("cluster/{name}")));
            name
        }
        "orderapi:ecs:TaskDefinition" => {
            let a = arn("ecs", &format!("task-definition/{name}:1"));
            put("arn", a.clone());
            a
        }
        "orderapi:ecs:Service" => {
            let a = arn("ecs", &format!("service/ecs-prod-x7k2/{name}"));
            put("arn", a.clone());
            a
        }
        "orderapi:cloudwatch:MetricAlarm" => {
            put("arn", arn("cloudwatch", &format!("alarm:{name}")));
            name
        }
        "orderapi:cloudwatch:Dashboard" => {
            put(
                "arn",
                format!("arn:aws:cloudwatch::{ACCOUNT}:dashboard/{name}"),
            );
            name
        }
        "orderapi:rds:DbSubnetGroup" | "orderapi:rds:ClusterInstance" => {
            put("arn", arn("rds", &name));
            name
        }
        other => {
            let a = arn(other.split(':').nth(1).unwrap_or("x"), &spec.name);
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
        let (id, outputs) = if self.preview {
            (Value::Unknown, PropertyMap::new())
        } else {
            fabricate(&spec)
        };
        self.children.lock().expect("recorder lock").push(spec);
        Ok(Child { urn, id, outputs })
    }
}
