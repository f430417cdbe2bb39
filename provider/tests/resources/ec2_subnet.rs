use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Tag};
use orderapi::error::ResourceError;
use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{CheckContext, Context, CustomResource};
use orderapi::resources::ec2::subnet::{Subnet, SubnetInputs};
use orderapi::resources::ec2::{name_filter, tag_spec};

use crate::moto::Moto;

use super::ec2_identity as identity;

/// A VPC made straight through the SDK; returns its ID and owner account.
async fn vpc(ctx: &Context, cidr: &str) -> (String, String) {
    let out = ctx
        .aws
        .ec2
        .create_vpc()
        .cidr_block(cidr)
        .send()
        .await
        .expect("vpc");
    let vpc = out.vpc().expect("vpc");
    (
        vpc.vpc_id().expect("id").to_string(),
        vpc.owner_id().unwrap_or_default().to_string(),
    )
}

fn inputs(name: &str, vpc_id: &str, cidr: &str) -> SubnetInputs {
    let raw = SubnetInputs {
        name: Some(name.into()),
        vpc_id: vpc_id.into(),
        cidr_block: cidr.into(),
        availability_zone: Some("us-east-1a".into()),
        map_public_ip_on_launch: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    };
    Subnet::check(&CheckContext::default(), raw).expect("valid inputs")
}

async fn map_public_ip(ctx: &Context, id: &str) -> Option<bool> {
    let out = ctx
        .aws
        .ec2
        .describe_subnets()
        .subnet_ids(id)
        .send()
        .await
        .expect("describe");
    out.subnets()
        .first()
        .and_then(|s| s.map_public_ip_on_launch())
}

#[tokio::test]
async fn subnet_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let (vpc_id, owner) = vpc(&ctx, "10.40.0.0/16").await;
    let inputs = inputs("subnet-test-life", &vpc_id, "10.40.1.0/24");
    assert_eq!(
        inputs.map_public_ip_on_launch,
        Some(false),
        "check fills the default"
    );

    let (id, outputs) = Subnet::create(&ctx, &inputs).await.expect("create");
    assert!(id.starts_with("subnet-"));
    assert_eq!(
        outputs.arn,
        format!("arn:aws:ec2:us-east-1:{owner}:subnet/{id}")
    );
    assert!(
        outputs.availability_zone_id.starts_with("use1-az"),
        "{}",
        outputs.availability_zone_id
    );
    assert_eq!(outputs.tags_all["ManagedBy"], "pulumi-orderapi");
    assert_eq!(outputs.tags_all["Name"], "subnet-test-life");
    assert_eq!(outputs.tags_all[IDENTITY_TAG], ctx.identity.as_str());
    identity::assert_identity(&ctx, &id).await;
    // The declared default (off) is what AWS holds; create turns it off when AWS started with it on.
    assert_eq!(map_public_ip(&ctx, &id).await, Some(false));

    // Read gives back exactly the declared inputs (no drift right after create).
    let (read_inputs, read_outputs) = Subnet::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);
    // A program that let AWS pick the zone keeps it unset; an import (no prior inputs) shows it.
    let mut zoneless = inputs.clone();
    zoneless.availability_zone = None;
    let (read_zoneless, _) = Subnet::read(&ctx, &id, Some(&zoneless))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_zoneless.availability_zone, None);
    let (imported, _) = Subnet::read(&ctx, &id, None)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(imported.availability_zone.as_deref(), Some("us-east-1a"));

    // In-place update: public IPs on, a tag changed and one added.
    let mut changed = inputs.clone();
    changed.map_public_ip_on_launch = Some(true);
    changed.tags = Some(BTreeMap::from([
        ("Team".to_string(), "payments".to_string()),
        ("Tier".to_string(), "public".to_string()),
    ]));
    let updated = Subnet::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(updated.tags_all["Team"], "payments");
    assert_eq!(updated.arn, outputs.arn);
    assert_eq!(map_public_ip(&ctx, &id).await, Some(true));
    let (after, after_outputs) = Subnet::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_outputs, updated);

    // Delete, then delete again (already gone is success), and read says gone. moto deletes a subnet even while
    // network interfaces remain in it, so the blockers of a refused delete are not exercised here (see the VPC's).
    Subnet::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    Subnet::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        Subnet::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
}

/// The subnets named `name`.
async fn named(ctx: &Context, name: &str) -> Vec<String> {
    let all = ctx
        .aws
        .ec2
        .describe_subnets()
        .filters(name_filter(name))
        .send()
        .await
        .expect("list");
    all.subnets()
        .iter()
        .filter_map(|s| s.subnet_id().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn subnet_create_adopts_only_its_unrecorded_leftover_and_refuses_others() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let (vpc_id, _) = vpc(&ctx, "10.41.0.0/16").await;
    let inputs = inputs("subnet-test-adopt", &vpc_id, "10.41.1.0/24");
    // A crash (or a lost answer) right after CreateSubnet: the subnet exists with this resource's identity, but
    // the engine never recorded it. Meanwhile its tags and public-IP setting drifted.
    let (orphan, first) = Subnet::create(&ctx, &inputs).await.expect("first create");
    ctx.aws
        .ec2
        .create_tags()
        .resources(&orphan)
        .tags(Tag::builder().key("Team").value("stale").build())
        .send()
        .await
        .expect("drift");
    ctx.aws
        .ec2
        .modify_subnet_attribute()
        .subnet_id(&orphan)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .expect("drift");
    let (adopted, outputs) = Subnet::create(&ctx, &inputs).await.expect("retried create");
    assert_eq!(
        adopted, orphan,
        "the retried create must adopt, not duplicate"
    );
    assert_eq!(outputs, first);
    assert_eq!(outputs.tags_all["Team"], "orders");
    assert_eq!(named(&ctx, "subnet-test-adopt").await, vec![orphan.clone()]);
    assert_eq!(map_public_ip(&ctx, &orphan).await, Some(false));
    identity::assert_identity(&ctx, &orphan).await;
    let (read_inputs, _) = Subnet::read(&ctx, &orphan, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);

    // A replacement (the engine records the subnet) never adopts it. Identical blocks cannot coexist in a VPC, so
    // the create is a conflict that names the subnet (replacements delete the old subnet first).
    let err = Subnet::create(&identity::replacing(&ctx, &orphan), &inputs)
        .await
        .expect_err("a recorded subnet is not adopted");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains(&orphan), "{err}");
    assert!(err.to_string().contains("replaces"), "{err}");
    assert_eq!(named(&ctx, "subnet-test-adopt").await, vec![orphan.clone()]);
    // With a block of its own, the same name makes a second subnet beside the first.
    let moved = self::inputs("subnet-test-adopt", &vpc_id, "10.41.4.0/24");
    let (second, _) = Subnet::create(&identity::replacing(&ctx, &orphan), &moved)
        .await
        .expect("second subnet");
    assert_ne!(second, orphan);
    assert_eq!(named(&ctx, "subnet-test-adopt").await.len(), 2);

    // Another Pulumi resource's subnet with the same name is a conflict that names it.
    let other = identity::other_resource(&ctx);
    let err = Subnet::create(
        &other,
        &self::inputs("subnet-test-adopt", &vpc_id, "10.41.5.0/24"),
    )
    .await
    .expect_err("another resource's subnet");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(
        err.to_string().contains(&orphan) || err.to_string().contains(&second),
        "{err}"
    );
    assert!(err.to_string().contains("another Pulumi resource"), "{err}");

    // A subnet with the same name that we do not own is a conflict, not adopted.
    let stranger = ctx
        .aws
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.41.2.0/24")
        .tag_specifications(tag_spec(
            ResourceType::Subnet,
            &BTreeMap::from([("Name".to_string(), "subnet-test-stranger".to_string())]),
        ))
        .send()
        .await
        .expect("stranger");
    let stranger = stranger
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("id")
        .to_string();
    let err = Subnet::create(
        &ctx,
        &self::inputs("subnet-test-stranger", &vpc_id, "10.41.3.0/24"),
    )
    .await
    .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(
        err.to_string().contains("not created by pulumi-orderapi"),
        "{err}"
    );
    assert!(err.to_string().contains(&stranger), "{err}");

    // A block overlapping a subnet that is not this resource's is a conflict naming that subnet, found before
    // AWS is asked.
    let err = Subnet::create(
        &ctx,
        &self::inputs("subnet-test-overlap", &vpc_id, "10.41.2.0/25"),
    )
    .await
    .expect_err("overlap");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("subnet {stranger} (10.41.2.0/24)")),
        "{err}"
    );
    assert!(
        err.to_string().contains("not created by pulumi-orderapi"),
        "{err}"
    );
    assert!(named(&ctx, "subnet-test-overlap").await.is_empty());
}

#[tokio::test]
async fn subnet_check_rejects_what_aws_would() {
    let mut bad = inputs("x", "vpc-1", "10.0.0.0/24");
    bad.vpc_id = "my-vpc".into();
    bad.cidr_block = "10.0.0.0/8".into();
    bad.availability_zone = Some("use1-az1".into());
    let failures = Subnet::check(&CheckContext::default(), bad).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(props, vec!["vpcId", "cidrBlock", "availabilityZone"]);

    let mut host_bits = inputs("x", "vpc-1", "10.0.0.0/24");
    host_bits.cidr_block = "10.0.0.5/24".into();
    let failures = Subnet::check(&CheckContext::default(), host_bits).expect_err("invalid");
    assert_eq!(failures[0].property, "cidrBlock");
    assert!(
        failures[0].reason.contains("10.0.0.0/24"),
        "{}",
        failures[0].reason
    );

    // Unset name: autonamed from the logical name.
    let mut unnamed = inputs("x", "vpc-1", "10.0.0.0/24");
    unnamed.name = None;
    let ctx = CheckContext {
        name: "public-a".into(),
        random_seed: vec![0xab, 0xcd, 0xef, 0x12],
        ..Default::default()
    };
    let checked = Subnet::check(&ctx, unnamed).expect("valid");
    assert_eq!(checked.name.as_deref(), Some("public-a-abcdef1"));
}
