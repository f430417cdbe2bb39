use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Tag};
use orderapi::error::ResourceError;
use orderapi::lifecycle::{BLOCKED_GRACE, IDENTITY_TAG};
use orderapi::resource::{CheckContext, CustomResource};
use orderapi::resources::ec2::tag_spec;
use orderapi::resources::ec2::vpc::{Vpc, VpcInputs};

use crate::moto::Moto;

use super::ec2_identity as identity;

fn inputs(name: &str) -> VpcInputs {
    let raw = VpcInputs {
        name: Some(name.into()),
        cidr_block: "10.20.0.0/16".into(),
        enable_dns_support: None,
        enable_dns_hostnames: None,
        instance_tenancy: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    };
    Vpc::check(&CheckContext::default(), raw).expect("valid inputs")
}

#[tokio::test]
async fn vpc_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let ec2 = &ctx.aws.ec2;
    let inputs = inputs("vpc-test-life");

    let (id, outputs) = Vpc::create(&ctx, &inputs).await.expect("create");
    assert!(id.starts_with("vpc-"));
    assert_eq!(
        outputs.arn,
        format!("arn:aws:ec2:us-east-1:123456789012:vpc/{id}")
    );
    assert!(outputs.default_security_group_id.starts_with("sg-"));
    assert!(outputs.main_route_table_id.starts_with("rtb-"));
    assert_eq!(outputs.tags_all["ManagedBy"], "pulumi-orderapi");
    assert_eq!(outputs.tags_all["Name"], "vpc-test-life");
    assert_eq!(outputs.tags_all[IDENTITY_TAG], ctx.identity.as_str());
    identity::assert_identity(&ctx, &id).await;

    // Read gives back exactly the declared inputs (no drift right after create): the identity is in tagsAll only.
    let (read_inputs, read_outputs) = Vpc::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert!(
        !read_inputs
            .tags
            .as_ref()
            .is_some_and(|t| t.contains_key(IDENTITY_TAG))
    );
    assert_eq!(read_outputs, outputs);

    // In-place update: DNS hostnames off, a tag changed and one added.
    let mut changed = inputs.clone();
    changed.enable_dns_hostnames = Some(false);
    changed.tags = Some(BTreeMap::from([
        ("Team".to_string(), "payments".to_string()),
        ("Tier".to_string(), "core".to_string()),
    ]));
    let updated = Vpc::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(updated.tags_all["Team"], "payments");
    identity::assert_identity(&ctx, &id).await;
    let (after, _) = Vpc::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    let attr = ec2
        .describe_vpc_attribute()
        .vpc_id(&id)
        .attribute("enableDnsHostnames".into())
        .send()
        .await
        .expect("attr");
    assert_eq!(
        attr.enable_dns_hostnames().and_then(|v| v.value()),
        Some(false)
    );

    // Delete, then delete again (already gone is success), and read says gone.
    Vpc::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    Vpc::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        Vpc::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
}

/// The VPCs named `name`.
async fn named(ctx: &orderapi::resource::Context, name: &str) -> Vec<String> {
    let all = ctx
        .aws
        .ec2
        .describe_vpcs()
        .filters(orderapi::resources::ec2::name_filter(name))
        .send()
        .await
        .expect("list");
    let mut ids: Vec<String> = all
        .vpcs()
        .iter()
        .filter_map(|v| v.vpc_id().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn vpc_create_adopts_only_its_unrecorded_leftover_and_refuses_others() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let ec2 = &ctx.aws.ec2;
    let inputs = inputs("vpc-test-adopt");
    // A crash (or a lost answer) right after CreateVpc: the VPC exists with this resource's identity, but the
    // engine never recorded it. Meanwhile its tags and DNS settings drifted.
    let (orphan, first) = Vpc::create(&ctx, &inputs).await.expect("first create");
    identity::assert_identity(&ctx, &orphan).await;
    ec2.create_tags()
        .resources(&orphan)
        .tags(Tag::builder().key("Team").value("stale").build())
        .tags(Tag::builder().key("Extra").value("x").build())
        .send()
        .await
        .expect("drift tags");
    ec2.modify_vpc_attribute()
        .vpc_id(&orphan)
        .enable_dns_hostnames(AttributeBooleanValue::builder().value(false).build())
        .send()
        .await
        .expect("drift dns");
    let (adopted, second) = Vpc::create(&ctx, &inputs).await.expect("retried create");
    assert_eq!(
        adopted, orphan,
        "the retried create must adopt, not duplicate"
    );
    assert_eq!(second, first);
    assert_eq!(named(&ctx, "vpc-test-adopt").await, vec![orphan.clone()]);
    let (read_inputs, _) = Vpc::read(&ctx, &orphan, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        read_inputs, inputs,
        "tags and DNS settings brought to the declared inputs"
    );
    identity::assert_identity(&ctx, &orphan).await;

    // A replacement (`pulumi up --replace`): the engine records the VPC, so a create with identical inputs makes
    // a second VPC and leaves the first alone (the engine deletes it next).
    let replacing = identity::replacing(&ctx, &orphan);
    let (twin, _) = Vpc::create(&replacing, &inputs).await.expect("replacement");
    assert_ne!(twin, orphan, "a recorded VPC must not be adopted");
    let mut both = vec![orphan.clone(), twin.clone()];
    both.sort();
    assert_eq!(named(&ctx, "vpc-test-adopt").await, both);
    identity::assert_identity(&ctx, &twin).await;

    // A leftover of this resource with another CIDR block is not what this create would make: not adopted.
    let mut other_cidr = inputs.clone();
    other_cidr.cidr_block = "10.21.0.0/16".into();
    let (third, _) = Vpc::create(&ctx, &other_cidr).await.expect("third create");
    assert!(third != orphan && third != twin);

    // Another Pulumi resource's VPC with the same name is a conflict that names it.
    let other = identity::other_resource(&ctx);
    let err = Vpc::create(&other, &inputs)
        .await
        .expect_err("another resource's VPC");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    let message = err.to_string();
    assert!(message.contains("'vpc-test-adopt'"), "{message}");
    assert!(
        message.contains(&orphan) || message.contains(&twin),
        "{message}"
    );
    assert!(message.contains("another Pulumi resource"), "{message}");

    // A VPC with the same name that we do not own is a conflict, not adopted.
    let stranger = ec2
        .create_vpc()
        .cidr_block("10.30.0.0/16")
        .tag_specifications(tag_spec(
            ResourceType::Vpc,
            &BTreeMap::from([("Name".to_string(), "vpc-test-stranger".to_string())]),
        ))
        .send()
        .await
        .expect("stranger");
    let stranger = stranger.vpc().and_then(|v| v.vpc_id()).expect("id");
    let err = Vpc::create(
        &identity::resource(&ctx, "stranger"),
        &inputs_named("vpc-test-stranger"),
    )
    .await
    .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("not created by pulumi-orderapi"));
    assert!(err.to_string().contains(stranger), "{err}");
}

#[tokio::test]
async fn vpc_delete_names_what_blocks_it_instead_of_waiting() {
    let moto = Moto::start().await;
    let mut ctx = moto.ctx().await;
    // The default 20-minute budget: the delete must fail long before it.
    ctx.deadline = Instant::now() + Duration::from_secs(20 * 60);
    let inputs = inputs("vpc-test-blocked");
    let (id, outputs) = Vpc::create(&ctx, &inputs).await.expect("create");
    // A route table made outside the stack, straight through the SDK.
    let table = ctx
        .aws
        .ec2
        .create_route_table()
        .vpc_id(&id)
        .tag_specifications(tag_spec(
            ResourceType::RouteTable,
            &BTreeMap::from([("Name".to_string(), "rtb-outside".to_string())]),
        ))
        .send()
        .await
        .expect("route table");
    let table = table
        .route_table()
        .and_then(|t| t.route_table_id())
        .expect("id")
        .to_string();
    let started = Instant::now();
    let err = Vpc::delete(&ctx, &id, &inputs, &outputs)
        .await
        .expect_err("blocked");
    let waited = started.elapsed();
    assert!(
        waited < BLOCKED_GRACE + Duration::from_secs(20),
        "waited {waited:?}"
    );
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&format!("route table {table} (Name=rtb-outside)")),
        "{message}"
    );
    assert!(message.contains(&id), "{message}");
    assert!(message.contains("will not go away by itself"), "{message}");
    // The main route table and the default security group are not blockers.
    assert!(!message.contains(&outputs.main_route_table_id), "{message}");
    assert!(
        !message.contains(&outputs.default_security_group_id),
        "{message}"
    );

    // Once it is gone, the delete goes through.
    ctx.aws
        .ec2
        .delete_route_table()
        .route_table_id(&table)
        .send()
        .await
        .expect("delete the blocker");
    Vpc::delete(&ctx, &id, &inputs, &outputs)
        .await
        .expect("delete");
    assert!(
        Vpc::read(&ctx, &id, Some(&inputs))
            .await
            .expect("read")
            .is_none()
    );
}

fn inputs_named(name: &str) -> VpcInputs {
    inputs(name)
}

#[tokio::test]
async fn vpc_check_rejects_what_aws_would() {
    let mut bad = inputs("x");
    bad.cidr_block = "10.0.0.0/8".into();
    bad.enable_dns_support = Some(false);
    bad.enable_dns_hostnames = Some(true);
    let failures = Vpc::check(&CheckContext::default(), bad).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(props, vec!["cidrBlock", "enableDnsHostnames"]);
}
