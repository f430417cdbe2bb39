use std::collections::BTreeMap;

use orderapi::error::ResourceError;
use orderapi::resource::{CheckContext, CustomResource};
use orderapi::resources::ec2::vpc::{Vpc, VpcInputs};

use crate::moto::Moto;

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

#[tokio::test]
async fn vpc_create_adopts_its_own_orphan_and_refuses_a_stranger() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("vpc-test-adopt");
    // A crash after CreateVpc: the VPC exists with our tags but Pulumi never recorded it.
    let (orphan, _) = Vpc::create(&ctx, &inputs).await.expect("first create");
    let (adopted, _) = Vpc::create(&ctx, &inputs).await.expect("retried create");
    assert_eq!(
        adopted, orphan,
        "the retried create must adopt, not duplicate"
    );
    let all = ctx
        .aws
        .ec2
        .describe_vpcs()
        .filters(orderapi::resources::ec2::name_filter("vpc-test-adopt"))
        .send()
        .await
        .expect("list");
    assert_eq!(all.vpcs().len(), 1);

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
