//! What the elbv2 tests share: the network prerequisites (created with the EC2 SDK client directly), a load
//! balancer / target group / listener made with the elbv2 SDK client for kinds that only reference them, and the
//! ownership and identity tags as the elbv2 tag API shows them.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, FixedResponseActionConfig, ProtocolEnum, TargetTypeEnum,
};
use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::lifecycle::LEGACY_PENDING_TAG as PENDING_TAG;
use orderapi::resource::Context;
use orderapi::resources::elbv2::live_tags;
use orderapi::rpc::value::{PropertyMap, Value};

/// A VPC, two subnets in distinct zones (plus a third for subnet changes) and two security groups.
pub struct Network {
    pub vpc: String,
    pub subnets: Vec<String>,
    pub groups: Vec<String>,
}

pub async fn network(ctx: &Context) -> Network {
    let ec2 = &ctx.aws.ec2;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.70.0.0/16")
        .send()
        .await
        .expect("vpc")
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string();
    let mut subnets = Vec::new();
    for (i, az) in ["us-east-1a", "us-east-1b", "us-east-1c"]
        .iter()
        .enumerate()
    {
        let id = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(format!("10.70.{i}.0/24"))
            .availability_zone(*az)
            .send()
            .await
            .expect("subnet")
            .subnet()
            .and_then(|s| s.subnet_id())
            .expect("subnet id")
            .to_string();
        subnets.push(id);
    }
    let mut groups = Vec::new();
    for name in ["alb-a", "alb-b"] {
        let id = ec2
            .create_security_group()
            .group_name(name)
            .description("alb")
            .vpc_id(&vpc)
            .send()
            .await
            .expect("group")
            .group_id()
            .expect("group id")
            .to_string();
        groups.push(id);
    }
    groups.sort();
    Network {
        vpc,
        subnets,
        groups,
    }
}

/// An application load balancer made with the SDK (for listener tests).
pub async fn sdk_load_balancer(ctx: &Context, net: &Network, name: &str) -> String {
    ctx.aws
        .elbv2
        .create_load_balancer()
        .name(name)
        .subnets(&net.subnets[0])
        .subnets(&net.subnets[1])
        .security_groups(&net.groups[0])
        .send()
        .await
        .expect("load balancer")
        .load_balancers()[0]
        .load_balancer_arn()
        .expect("arn")
        .to_string()
}

/// An ip target group made with the SDK (for listener and rule tests).
pub async fn sdk_target_group(ctx: &Context, net: &Network, name: &str) -> String {
    ctx.aws
        .elbv2
        .create_target_group()
        .name(name)
        .protocol(ProtocolEnum::Http)
        .port(8080)
        .vpc_id(&net.vpc)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await
        .expect("target group")
        .target_groups()[0]
        .target_group_arn()
        .expect("arn")
        .to_string()
}

/// An HTTP listener on port 80 of `lb` answering 404, made with the SDK (for rule tests).
pub async fn sdk_listener(ctx: &Context, lb: &str) -> String {
    ctx.aws
        .elbv2
        .create_listener()
        .load_balancer_arn(lb)
        .port(80)
        .protocol(ProtocolEnum::Http)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::FixedResponse)
                .fixed_response_config(
                    FixedResponseActionConfig::builder()
                        .status_code("404")
                        .content_type("text/plain")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("listener")
        .listeners()[0]
        .listener_arn()
        .expect("arn")
        .to_string()
}

/// Every tag AWS holds for `arn`.
pub async fn tags(ctx: &Context, arn: &str) -> BTreeMap<String, String> {
    live_tags(&ctx.aws, arn).await.expect("describe tags")
}

/// Asserts `arn` carries the ownership tag and the identity of `ctx`'s resource (and no legacy marker).
pub async fn assert_owned(ctx: &Context, arn: &str) {
    let tags = tags(ctx, arn).await;
    assert!(
        !tags.contains_key(PENDING_TAG),
        "{arn} carries {PENDING_TAG}: {tags:?}"
    );
    assert_eq!(
        tags.get("ManagedBy").map(String::as_str),
        Some("pulumi-orderapi"),
        "{arn}: {tags:?}"
    );
    assert_eq!(
        tags.get(IDENTITY_TAG).map(String::as_str),
        Some(ctx.identity.as_str()),
        "{arn}: {tags:?}"
    );
}

/// Typed inputs as the engine's property map (for `Adapter::diff`).
pub fn props<T: serde::Serialize>(v: &T) -> PropertyMap {
    match Value::from_serialize(v).expect("encode") {
        Value::Object(m) => m,
        other => panic!("not an object: {other:?}"),
    }
}

/// The properties named by check failures.
pub fn failed<T: std::fmt::Debug>(
    r: Result<T, Vec<orderapi::resource::CheckFailure>>,
) -> Vec<String> {
    r.expect_err("check must fail")
        .into_iter()
        .map(|f| f.property)
        .collect()
}
