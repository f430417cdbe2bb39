//! WAFv2 web ACL ↔ ALB association against moto (the ALB and its network are made with the SDK directly).
//!
//! What moto cannot show (the code handles real AWS anyway):
//! - moto never answers `WAFUnavailableEntityException` (AWS does while a new ALB or ACL is not yet visible to
//!   WAF); AssociateWebACL retries it with backoff within the timeout.
//! - moto does not check that the resource ARN exists, nor that it is in the ACL's region; `check` refuses a
//!   non-ALB ARN and a region mismatch before any call.
//! - moto's AssociateWebACL adds the ALB to a second ACL instead of refusing; create looks first and refuses an ALB
//!   already associated with another ACL, as shown below.

use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::wafv2::web_acl::{WebAcl, WebAclInputs};
use orderapi::resources::wafv2::web_acl_association::{WebAclAssociation, WebAclAssociationInputs};
use orderapi::rpc::value::{PropertyMap, Value};

use super::ssm_parameter::{assert_conflict, other_resource, replacing};
use crate::moto::Moto;

/// A VPC with two subnets in two zones, and an internet-facing ALB in them; returns the ALB's ARN.
async fn alb(ctx: &Context, name: &str) -> String {
    let ec2 = &ctx.aws.ec2;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.50.0.0/16")
        .send()
        .await
        .expect("vpc")
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string();
    let mut subnets = Vec::new();
    for (i, zone) in ["us-east-1a", "us-east-1b"].iter().enumerate() {
        let subnet = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(format!("10.50.{i}.0/24"))
            .availability_zone(*zone)
            .send()
            .await
            .expect("subnet")
            .subnet()
            .and_then(|s| s.subnet_id())
            .expect("subnet id")
            .to_string();
        subnets.push(subnet);
    }
    ctx.aws
        .elbv2
        .create_load_balancer()
        .name(name)
        .set_subnets(Some(subnets))
        .send()
        .await
        .expect("load balancer")
        .load_balancers()
        .first()
        .and_then(|l| l.load_balancer_arn())
        .expect("alb arn")
        .to_string()
}

async fn acl(ctx: &Context, name: &str) -> String {
    let inputs = WebAcl::check(
        &CheckContext::default(),
        WebAclInputs {
            name: Some(name.into()),
            scope: None,
            description: None,
            default_action: None,
            rate_based_rules: None,
            managed_rule_groups: None,
            visibility: None,
            tags: None,
        },
    )
    .expect("valid");
    WebAcl::create(ctx, &inputs).await.expect("web acl").0
}

fn props<T: serde::Serialize>(v: &T) -> PropertyMap {
    match Value::from_serialize(v).expect("encode") {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

#[tokio::test]
async fn wafv2_web_acl_association_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let alb = alb(&ctx, "alb-waf-test").await;
    let acl = acl(&ctx, "waf-assoc-test").await;
    let inputs = WebAclAssociation::check(
        &CheckContext::default(),
        WebAclAssociationInputs {
            web_acl_arn: acl.clone(),
            resource_arn: alb.clone(),
        },
    )
    .expect("valid");

    let (id, outputs) = WebAclAssociation::create(&ctx, &inputs)
        .await
        .expect("create");
    assert_eq!(id, format!("{acl},{alb}"));
    let live = ctx
        .aws
        .wafv2
        .get_web_acl_for_resource()
        .resource_arn(&alb)
        .send()
        .await
        .expect("get");
    assert_eq!(live.web_acl().map(|a| a.arn()), Some(acl.as_str()));

    // Read (and import: no prior inputs) gives back exactly the inputs.
    let (read_inputs, _) = WebAclAssociation::read(&ctx, &id, None)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);

    // Associations carry no tags: their identity is their content. A create that finds the same association
    // (its answer was lost, or the provider crashed right after the call) adopts it: nothing can differ. The one
    // a replacement replaces is not adopted.
    let (again, _) = WebAclAssociation::create(&ctx, &inputs)
        .await
        .expect("adopting create");
    assert_eq!(again, id);
    let err = WebAclAssociation::create(&replacing(&ctx, &id), &inputs)
        .await
        .expect_err("recorded");
    assert_conflict(&err, &[alb.as_str(), "replacing"]);

    // Both inputs force replacement (delete first: an ALB has one web ACL).
    let other = acl_named(&ctx, "waf-assoc-other").await;
    let adapter = Adapter::<WebAclAssociation>::default();
    let moved = WebAclAssociationInputs {
        web_acl_arn: other.clone(),
        resource_arn: alb.clone(),
    };
    let diff = adapter.diff(&props(&inputs), &props(&moved), &[]);
    assert_eq!(diff.replaces, vec!["webAclArn"]);
    assert!(diff.delete_before_replace);

    // The ALB already has a web ACL: associating another one is a conflict, never a silent switch.
    let err = WebAclAssociation::create(&other_resource(&ctx), &moved)
        .await
        .expect_err("conflict");
    assert_conflict(&err, &[alb.as_str(), acl.as_str(), "another web ACL"]);

    // Delete, then delete again (already gone is success), and read says gone.
    WebAclAssociation::delete(&ctx, &id, &inputs, &outputs)
        .await
        .expect("delete");
    WebAclAssociation::delete(&ctx, &id, &inputs, &outputs)
        .await
        .expect("second delete is a no-op");
    assert!(
        WebAclAssociation::read(&ctx, &id, Some(&inputs))
            .await
            .expect("read")
            .is_none()
    );
    let live = ctx
        .aws
        .wafv2
        .get_web_acl_for_resource()
        .resource_arn(&alb)
        .send()
        .await
        .expect("get");
    assert!(live.web_acl().is_none());

    // Once disassociated, the other ACL can take the ALB; deleting our (old) association leaves it alone.
    let (moved_id, moved_outputs) = WebAclAssociation::create(&ctx, &moved)
        .await
        .expect("associate the other ACL");
    WebAclAssociation::delete(&ctx, &id, &inputs, &outputs)
        .await
        .expect("stale delete");
    assert!(
        WebAclAssociation::read(&ctx, &moved_id, None)
            .await
            .expect("read")
            .is_some(),
        "deleting an association must not remove another ACL's"
    );
    WebAclAssociation::delete(&ctx, &moved_id, &moved, &moved_outputs)
        .await
        .expect("delete");
}

async fn acl_named(ctx: &Context, name: &str) -> String {
    acl(ctx, name).await
}

#[test]
fn wafv2_web_acl_association_check_rejects_what_aws_would() {
    let acl = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/waf-prod/1a2b";
    let bad = WebAclAssociationInputs {
        web_acl_arn: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/waf-prod/1a2b".into(),
        resource_arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/nlb/1"
            .into(),
    };
    let failures = WebAclAssociation::check(&CheckContext::default(), bad).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(props, vec!["webAclArn", "resourceArn"]);
    let elsewhere = WebAclAssociationInputs {
        web_acl_arn: acl.into(),
        resource_arn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/alb/1"
            .into(),
    };
    let failures =
        WebAclAssociation::check(&CheckContext::default(), elsewhere).expect_err("invalid");
    assert_eq!(failures[0].property, "resourceArn");
    assert!(failures[0].reason.contains("same region"), "{failures:?}");
}
