use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use aws_sdk_ec2::types::{ResourceType, Tag};
use orderapi::error::ResourceError;
use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{CheckContext, Context, CustomResource};
use orderapi::resources::ec2::elastic_ip::{ElasticIp, ElasticIpInputs};
use orderapi::resources::ec2::nat_gateway::{NatGateway, NatGatewayInputs};
use orderapi::resources::ec2::{filter, tag_spec};

use crate::moto::Moto;

use super::ec2_identity as identity;

// moto makes NAT gateways `available` at once and deleted ones `deleted` at once, never `failed`, and ignores
// ClientToken: the waits (and their status lines), the failure report with its hint and the client-token
// variants are not exercised here, only their outcomes.

/// A VPC with an internet gateway and one subnet, made straight through the SDK; returns the subnet ID.
async fn public_subnet(ctx: &Context, vpc_cidr: &str, subnet_cidr: &str) -> String {
    let ec2 = &ctx.aws.ec2;
    let vpc = ec2
        .create_vpc()
        .cidr_block(vpc_cidr)
        .send()
        .await
        .expect("vpc");
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string();
    let igw = ec2.create_internet_gateway().send().await.expect("igw");
    let igw_id = igw
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .expect("igw id")
        .to_string();
    ec2.attach_internet_gateway()
        .internet_gateway_id(igw_id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("attach");
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block(subnet_cidr)
        .send()
        .await
        .expect("subnet");
    subnet
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("subnet id")
        .to_string()
}

/// An Elastic IP made by the ElasticIp kind; returns its allocation ID and public address.
async fn eip(ctx: &Context, name: &str) -> (String, String) {
    let inputs = ElasticIp::check(
        &CheckContext::default(),
        ElasticIpInputs {
            name: Some(name.into()),
            tags: None,
        },
    )
    .expect("valid");
    // Each address is its own resource: one identity per address.
    let (id, outputs) = ElasticIp::create(&identity::resource(ctx, name), &inputs)
        .await
        .expect("eip");
    (id, outputs.public_ip)
}

fn inputs(
    name: &str,
    subnet: &str,
    allocation: Option<&str>,
    connectivity: Option<&str>,
) -> NatGatewayInputs {
    let raw = NatGatewayInputs {
        name: Some(name.into()),
        subnet_id: subnet.into(),
        allocation_id: allocation.map(str::to_string),
        connectivity_type: connectivity.map(str::to_string),
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    };
    NatGateway::check(&CheckContext::default(), raw).expect("valid inputs")
}

/// Live (pending or available) NAT gateways in the subnet.
async fn live_in(ctx: &Context, subnet: &str) -> Vec<String> {
    let out = ctx
        .aws
        .ec2
        .describe_nat_gateways()
        .filter(filter("subnet-id", subnet))
        .send()
        .await
        .expect("list");
    out.nat_gateways()
        .iter()
        .filter(|n| {
            n.state()
                .is_some_and(|s| matches!(s.as_str(), "pending" | "available"))
        })
        .filter_map(|n| n.nat_gateway_id().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn nat_gateway_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let subnet = public_subnet(&ctx, "10.60.0.0/16", "10.60.0.0/24").await;
    let (allocation, public_ip) = eip(&ctx, "eip-nat-life").await;
    let inputs = inputs("nat-test-life", &subnet, Some(&allocation), None);
    assert_eq!(
        inputs.connectivity_type.as_deref(),
        Some("public"),
        "check fills the default"
    );

    let (id, outputs) = NatGateway::create(&ctx, &inputs).await.expect("create");
    assert!(id.starts_with("nat-"));
    assert_eq!(outputs.public_ip.as_deref(), Some(public_ip.as_str()));
    // AWS takes the private address from the subnet; moto picks a random 10.x address, so only its form is checked.
    assert!(
        outputs.private_ip.parse::<Ipv4Addr>().is_ok(),
        "{}",
        outputs.private_ip
    );
    assert!(
        outputs.network_interface_id.starts_with("eni-"),
        "{}",
        outputs.network_interface_id
    );
    assert_eq!(outputs.tags_all["ManagedBy"], "pulumi-orderapi");
    assert_eq!(outputs.tags_all["Name"], "nat-test-life");
    assert_eq!(outputs.tags_all[IDENTITY_TAG], ctx.identity.as_str());
    identity::assert_identity(&ctx, &id).await;

    // Read gives back exactly the declared inputs (no drift right after create).
    let (read_inputs, read_outputs) = NatGateway::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // In-place update: tags only (everything else replaces).
    let mut changed = inputs.clone();
    changed.tags = Some(BTreeMap::from([
        ("Team".to_string(), "payments".to_string()),
        ("Tier".to_string(), "egress".to_string()),
    ]));
    let updated = NatGateway::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(updated.tags_all["Team"], "payments");
    assert_eq!(updated.private_ip, outputs.private_ip);
    let (after, after_outputs) = NatGateway::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_outputs, updated);

    // Delete waits for `deleted`; moto keeps listing the deleted NAT gateway (as AWS does for about an hour), which
    // counts as gone: a second delete is a no-op and read says gone.
    NatGateway::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    let listed = ctx
        .aws
        .ec2
        .describe_nat_gateways()
        .nat_gateway_ids(&id)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        listed.nat_gateways()[0].state().map(|s| s.as_str()),
        Some("deleted")
    );
    NatGateway::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        NatGateway::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );

    // Its Elastic IP can go now (destroy order: NAT gateway, then address).
    let eip_inputs = ElasticIpInputs {
        name: Some("eip-nat-life".into()),
        tags: None,
    };
    let eip_outputs = ElasticIp::read(&ctx, &allocation, Some(&eip_inputs))
        .await
        .expect("read")
        .expect("exists")
        .1;
    ElasticIp::delete(&ctx, &allocation, &eip_inputs, &eip_outputs)
        .await
        .expect("release");
}

#[tokio::test]
async fn nat_gateway_private_has_no_public_address() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let subnet = public_subnet(&ctx, "10.61.0.0/16", "10.61.0.0/24").await;
    let inputs = inputs("nat-test-private", &subnet, None, Some("private"));
    let (id, outputs) = NatGateway::create(&ctx, &inputs).await.expect("create");
    assert_eq!(outputs.public_ip, None);
    assert!(!outputs.private_ip.is_empty());
    let (read_inputs, read_outputs) = NatGateway::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);
    NatGateway::delete(&ctx, &id, &inputs, &outputs)
        .await
        .expect("delete");
    assert!(
        NatGateway::read(&ctx, &id, Some(&inputs))
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn nat_gateway_create_adopts_only_its_unrecorded_leftover_and_refuses_others() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let subnet = public_subnet(&ctx, "10.62.0.0/16", "10.62.0.0/24").await;
    let (allocation, _) = eip(&ctx, "eip-nat-adopt").await;
    let inputs = inputs("nat-test-adopt", &subnet, Some(&allocation), None);
    // A crash (or a lost answer) right after CreateNatGateway: the NAT gateway exists with this resource's
    // identity, but the engine never recorded it. Meanwhile a tag drifted.
    let (orphan, first) = NatGateway::create(&ctx, &inputs)
        .await
        .expect("first create");
    ctx.aws
        .ec2
        .create_tags()
        .resources(&orphan)
        .tags(Tag::builder().key("Team").value("stale").build())
        .send()
        .await
        .expect("drift");
    let (adopted, second) = NatGateway::create(&ctx, &inputs)
        .await
        .expect("retried create");
    assert_eq!(
        adopted, orphan,
        "the retried create must adopt, not duplicate"
    );
    assert_eq!(second, first);
    assert_eq!(live_in(&ctx, &subnet).await, vec![orphan.clone()]);
    identity::assert_identity(&ctx, &orphan).await;
    let (read_inputs, _) = NatGateway::read(&ctx, &orphan, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs, "tags brought in line");

    // A replacement (another Elastic IP forces one) must not adopt its predecessor, which the engine deletes next.
    let (other_allocation, _) = eip(&ctx, "eip-nat-adopt-2").await;
    let replacement = self::inputs("nat-test-adopt", &subnet, Some(&other_allocation), None);
    let (new_id, _) = NatGateway::create(&identity::replacing(&ctx, &orphan), &replacement)
        .await
        .expect("replacement");
    assert_ne!(new_id, orphan);
    NatGateway::delete(&ctx, &orphan, &inputs, &first)
        .await
        .expect("delete predecessor");
    assert_eq!(live_in(&ctx, &subnet).await, vec![new_id.clone()]);

    // A deleted NAT gateway of this resource is not adopted either: the next create makes a new one. (Private
    // here: moto, unlike AWS, leaves the Elastic IP associated with a deleted NAT gateway.)
    let private = self::inputs("nat-test-deleted", &subnet, None, Some("private"));
    let (gone, gone_outputs) = NatGateway::create(&ctx, &private).await.expect("private");
    NatGateway::delete(&ctx, &gone, &private, &gone_outputs)
        .await
        .expect("delete");
    let (fresh, _) = NatGateway::create(&ctx, &private)
        .await
        .expect("create after delete");
    assert_ne!(fresh, gone);
    assert_eq!(
        live_in(&ctx, &subnet).await.len(),
        2,
        "the replacement and the fresh private NAT gateway"
    );

    // A replacement with identical inputs (`pulumi up --replace`): the engine records the NAT gateway, so the
    // create makes a second one and leaves the first alone. (Private here: AWS does not let two NAT gateways share
    // an Elastic IP. AWS would answer a reused client token with the first NAT gateway, which the create skips for
    // the next token variant; moto ignores client tokens.)
    let (again, _) = NatGateway::create(&identity::replacing(&ctx, &fresh), &private)
        .await
        .expect("second create");
    assert_ne!(again, fresh, "a recorded NAT gateway must not be adopted");
    let live = live_in(&ctx, &subnet).await;
    assert!(live.contains(&fresh) && live.contains(&again), "{live:?}");
    assert_eq!(live.len(), 3);
    identity::assert_identity(&ctx, &again).await;

    // Another Pulumi resource's live NAT gateway with the same name in the subnet is a conflict that names it.
    let err = NatGateway::create(&identity::other_resource(&ctx), &private)
        .await
        .expect_err("another resource's NAT gateway");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(
        err.to_string().contains(&fresh) || err.to_string().contains(&again),
        "{err}"
    );
    assert!(err.to_string().contains("another Pulumi resource"), "{err}");
    assert_eq!(live_in(&ctx, &subnet).await.len(), 3);

    // A live NAT gateway with the same name that we do not own is a conflict, not adopted.
    let other_subnet = public_subnet(&ctx, "10.63.0.0/16", "10.63.0.0/24").await;
    let stranger = ctx
        .aws
        .ec2
        .create_nat_gateway()
        .subnet_id(&other_subnet)
        .connectivity_type("private".into())
        .tag_specifications(tag_spec(
            ResourceType::Natgateway,
            &BTreeMap::from([("Name".to_string(), "nat-test-stranger".to_string())]),
        ))
        .send()
        .await
        .expect("stranger");
    let stranger = stranger
        .nat_gateway()
        .and_then(|n| n.nat_gateway_id())
        .expect("id")
        .to_string();
    let err = NatGateway::create(
        &ctx,
        &self::inputs("nat-test-stranger", &other_subnet, None, Some("private")),
    )
    .await
    .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(
        err.to_string().contains("not created by pulumi-orderapi"),
        "{err}"
    );
    assert!(err.to_string().contains(&stranger), "{err}");
}

#[tokio::test]
async fn nat_gateway_check_rejects_what_aws_would() {
    let check = |i: NatGatewayInputs| -> Vec<String> {
        NatGateway::check(&CheckContext::default(), i)
            .expect_err("invalid")
            .into_iter()
            .map(|f| f.property)
            .collect()
    };
    let base = NatGatewayInputs {
        name: Some("nat-x".into()),
        subnet_id: "subnet-1".into(),
        allocation_id: Some("eipalloc-1".into()),
        connectivity_type: Some("private".into()),
        tags: None,
    };
    assert_eq!(
        check(base.clone()),
        vec!["allocationId"],
        "private with an Elastic IP"
    );
    let public_without = NatGatewayInputs {
        allocation_id: None,
        connectivity_type: None,
        ..base.clone()
    };
    assert_eq!(
        check(public_without),
        vec!["allocationId"],
        "public without an Elastic IP"
    );
    let bad_type = NatGatewayInputs {
        connectivity_type: Some("vpn".into()),
        ..base.clone()
    };
    assert_eq!(check(bad_type), vec!["connectivityType"]);
    let bad_ids = NatGatewayInputs {
        subnet_id: "sub-1".into(),
        allocation_id: Some("1.2.3.4".into()),
        connectivity_type: None,
        ..base
    };
    assert_eq!(check(bad_ids), vec!["subnetId", "allocationId"]);
}
