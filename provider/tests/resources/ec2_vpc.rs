use std::collections::BTreeMap;

use orderapi::error::ResourceError;
use orderapi::resource::{CheckContext, CustomResource};
use orderapi::resources::ec2::vpc::{Vpc, VpcInputs};
use orderapi::resources::ec2::{PENDING_TAG, PENDING_VALUE};

use crate::moto::Moto;

use super::pending;

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
    pending::assert_finished(&ctx, &id).await;

    // Read gives back exactly the declared inputs (no drift right after create).
    let (read_inputs, read_outputs) = Vpc::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
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
async fn vpc_create_adopts_only_an_unfinished_create_and_refuses_a_stranger() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("vpc-test-adopt");
    // A crash after CreateVpc and before the create's last step: the VPC exists with our tags and the
    // create-pending marker, but Pulumi never recorded it.
    let (orphan, first) = Vpc::create(&ctx, &inputs).await.expect("first create");
    pending::crash_before_finish(&ctx, &orphan).await;
    // A refresh shows the marker as drift on `tags` (only that), so an update would remove it.
    let (read_inputs, read_outputs) = Vpc::read(&ctx, &orphan, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    let mut with_marker = inputs.clone();
    with_marker
        .tags
        .get_or_insert_with(Default::default)
        .insert(PENDING_TAG.to_string(), PENDING_VALUE.to_string());
    assert_eq!(read_inputs, with_marker);
    assert_eq!(read_outputs.arn, first.arn);
    assert!(read_outputs.tags_all.contains_key(PENDING_TAG));
    let (adopted, second) = Vpc::create(&ctx, &inputs).await.expect("retried create");
    assert_eq!(
        adopted, orphan,
        "the retried create must adopt, not duplicate"
    );
    assert_eq!(second, first);
    assert_eq!(named(&ctx, "vpc-test-adopt").await, vec![orphan.clone()]);
    pending::assert_finished(&ctx, &orphan).await;

    // A finished create is recorded in some state: a create with identical inputs (`pulumi up --replace`, whose
    // engine deletes the old VPC next) makes a second VPC and leaves the first alone.
    let (twin, _) = Vpc::create(&ctx, &inputs).await.expect("second create");
    assert_ne!(twin, orphan, "a finished VPC must not be adopted");
    let mut both = vec![orphan.clone(), twin.clone()];
    both.sort();
    assert_eq!(named(&ctx, "vpc-test-adopt").await, both);
    pending::assert_finished(&ctx, &twin).await;

    // An unfinished VPC with another CIDR block is not this resource's leftover: not adopted either.
    pending::crash_before_finish(&ctx, &twin).await;
    let mut other_cidr = inputs.clone();
    other_cidr.cidr_block = "10.21.0.0/16".into();
    let (third, _) = Vpc::create(&ctx, &other_cidr).await.expect("third create");
    assert!(third != orphan && third != twin);
    assert!(pending::is_pending(&ctx, &twin).await);

    // A VPC with the same name that we do not own is a conflict, not adopted.
    ctx.aws
        .ec2
        .create_vpc()
        .cidr_block("10.30.0.0/16")
        .tag_specifications(orderapi::resources::ec2::tag_spec(
            aws_sdk_ec2::types::ResourceType::Vpc,
            &BTreeMap::from([("Name".to_string(), "vpc-test-stranger".to_string())]),
        ))
        .send()
        .await
        .expect("stranger");
    let err = Vpc::create(&ctx, &inputs_named("vpc-test-stranger"))
        .await
        .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("not created by pulumi-orderapi"));
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
