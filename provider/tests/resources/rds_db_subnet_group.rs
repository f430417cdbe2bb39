use std::collections::BTreeMap;

use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{CheckContext, Context, CustomResource};
use orderapi::resources::rds::db_subnet_group::{DbSubnetGroup, DbSubnetGroupInputs};
use orderapi::resources::rds::live_tags;

use super::ssm_parameter::{assert_conflict, assert_identity, other_resource, replacing};
use crate::moto::Moto;

/// A VPC with two subnets in two zones, made with the EC2 client directly.
pub async fn subnets(ctx: &Context) -> Vec<String> {
    let vpc = ctx
        .aws
        .ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .expect("vpc");
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string();
    let mut ids = Vec::new();
    for (cidr, az) in [
        ("10.20.1.0/24", "us-east-1a"),
        ("10.20.2.0/24", "us-east-1b"),
        ("10.20.3.0/24", "us-east-1c"),
    ] {
        let s = ctx
            .aws
            .ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(cidr)
            .availability_zone(az)
            .send()
            .await
            .expect("subnet");
        ids.push(
            s.subnet()
                .and_then(|s| s.subnet_id())
                .expect("id")
                .to_string(),
        );
    }
    ids
}

fn raw_checked(name: &str, subnets: &[String]) -> DbSubnetGroupInputs {
    DbSubnetGroup::check(&CheckContext::default(), raw(name, subnets)).expect("valid")
}

fn raw(name: &str, subnets: &[String]) -> DbSubnetGroupInputs {
    DbSubnetGroupInputs {
        name: Some(name.into()),
        description: None,
        // Unsorted on purpose: check sorts them.
        subnet_ids: vec![subnets[1].clone(), subnets[0].clone()],
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

#[tokio::test]
async fn rds_db_subnet_group_lifecycle_and_adoption() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let ids = subnets(&ctx).await;
    let inputs =
        DbSubnetGroup::check(&CheckContext::default(), raw("orders-db", &ids)).expect("valid");
    assert!(inputs.subnet_ids.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(inputs.description.as_deref(), Some("Managed by Pulumi"));
    let (id, outputs) = DbSubnetGroup::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, "orders-db");
    assert!(
        outputs.arn.ends_with(":subgrp:orders-db"),
        "{}",
        outputs.arn
    );
    assert_identity(
        &ctx,
        &live_tags(&ctx.aws, &outputs.arn).await.expect("tags"),
    );
    let (read, read_out) = DbSubnetGroup::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
    assert!(!read.tags.expect("tags").contains_key(IDENTITY_TAG));
    assert_eq!(read_out, outputs);

    // In place: description, a third subnet, tags.
    let mut changed = inputs.clone();
    changed.description = Some("orders database".into());
    changed.subnet_ids = ids.clone();
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "data".to_string())]));
    let changed = DbSubnetGroup::check(&CheckContext::default(), changed).expect("valid");
    let updated = DbSubnetGroup::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    let (read, read_out) = DbSubnetGroup::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, changed);
    assert_eq!(read_out, updated);
    assert!(!updated.tags_all.contains_key("Team"));

    // The one a replacement replaces is never adopted (names are unique: a conflict); nor is another
    // resource's group.
    let err = DbSubnetGroup::create(&replacing(&ctx, &id), &changed)
        .await
        .expect_err("recorded");
    assert_conflict(&err, &["'orders-db'", "replacing"]);
    let err = DbSubnetGroup::create(&other_resource(&ctx), &changed)
        .await
        .expect_err("other");
    assert_conflict(&err, &["'orders-db'", "another Pulumi resource"]);
    // A create whose answer never reached the engine: the same context adopts the group and brings it in line.
    let (again, again_out) = DbSubnetGroup::create(&ctx, &inputs).await.expect("adopt");
    assert_eq!(again, id);
    assert_eq!(again_out, outputs);
    let (read, _) = DbSubnetGroup::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
    let groups = ctx
        .aws
        .rds
        .describe_db_subnet_groups()
        .send()
        .await
        .expect("list");
    assert_eq!(groups.db_subnet_groups().len(), 1, "no duplicate");
    // A group made without this provider.
    ctx.aws
        .rds
        .create_db_subnet_group()
        .db_subnet_group_name("stranger")
        .db_subnet_group_description("x")
        .set_subnet_ids(Some(ids[..2].to_vec()))
        .send()
        .await
        .expect("stranger");
    let err = DbSubnetGroup::create(&ctx, &raw_checked("stranger", &ids))
        .await
        .expect_err("stranger");
    assert_conflict(&err, &["'stranger'", "not created by pulumi-orderapi"]);

    DbSubnetGroup::delete(&ctx, &id, &inputs, &outputs)
        .await
        .expect("delete");
    DbSubnetGroup::delete(&ctx, &id, &inputs, &outputs)
        .await
        .expect("delete again");
    assert!(
        DbSubnetGroup::read(&ctx, &id, Some(&inputs))
            .await
            .expect("read")
            .is_none()
    );
}

#[test]
fn rds_db_subnet_group_check_failures_name_the_property() {
    let subnets = vec!["subnet-1".to_string(), "subnet-2".to_string()];
    let fails = |i: DbSubnetGroupInputs| -> Vec<String> {
        DbSubnetGroup::check(&CheckContext::default(), i)
            .expect_err("invalid")
            .into_iter()
            .map(|f| f.property)
            .collect()
    };
    assert_eq!(fails(raw("default", &subnets)), ["name"]);
    assert_eq!(fails(raw("Orders", &subnets)), ["name"]);
    let mut one = raw("ok", &subnets);
    one.subnet_ids = vec!["subnet-1".into()];
    assert_eq!(fails(one), ["subnetIds"]);
    let mut dup = raw("ok", &subnets);
    dup.subnet_ids = vec!["subnet-1".into(), "subnet-1".into()];
    assert!(fails(dup).iter().all(|p| p == "subnetIds"));
    let mut auto = raw("x", &subnets);
    auto.name = None;
    let ctx = CheckContext {
        name: "Orders DB".into(),
        ..Default::default()
    };
    let named = DbSubnetGroup::check(&ctx, auto).expect("autoname");
    assert!(named.name.expect("name").starts_with("orders-db-"));
}
