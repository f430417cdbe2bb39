use std::collections::BTreeMap;

use aws_sdk_ec2::types::{ResourceType, Tag};
use orderapi::error::ResourceError;
use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{CheckContext, Context, CustomResource};
use orderapi::resources::ec2::internet_gateway::{
    InternetGateway, InternetGatewayInputs, InternetGatewayOutputs,
};
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

fn inputs(name: &str, vpc_id: Option<&str>) -> InternetGatewayInputs {
    let raw = InternetGatewayInputs {
        name: Some(name.into()),
        vpc_id: vpc_id.map(str::to_string),
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    };
    InternetGateway::check(&CheckContext::default(), raw).expect("valid inputs")
}

/// The VPCs AWS says the gateway is attached to.
async fn attached(ctx: &Context, id: &str) -> Vec<String> {
    let out = ctx
        .aws
        .ec2
        .describe_internet_gateways()
        .internet_gateway_ids(id)
        .send()
        .await
        .expect("describe");
    out.internet_gateways()
        .iter()
        .flat_map(|g| g.attachments())
        .filter_map(|a| a.vpc_id().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn internet_gateway_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let (vpc_a, owner) = vpc(&ctx, "10.50.0.0/16").await;
    let (vpc_b, _) = vpc(&ctx, "10.51.0.0/16").await;
    let inputs = inputs("igw-test-life", Some(&vpc_a));

    let (id, outputs) = InternetGateway::create(&ctx, &inputs)
        .await
        .expect("create");
    assert!(id.starts_with("igw-"));
    assert_eq!(
        outputs.arn,
        format!("arn:aws:ec2:us-east-1:{owner}:internet-gateway/{id}")
    );
    assert_eq!(outputs.tags_all["ManagedBy"], "pulumi-orderapi");
    assert_eq!(outputs.tags_all["Name"], "igw-test-life");
    assert_eq!(outputs.tags_all[IDENTITY_TAG], ctx.identity.as_str());
    identity::assert_identity(&ctx, &id).await;
    assert_eq!(attached(&ctx, &id).await, vec![vpc_a.clone()]);

    // Read gives back exactly the declared inputs (no drift right after create).
    let (read_inputs, read_outputs) = InternetGateway::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // In-place update: the attachment moves to another VPC, tags change.
    let mut moved = inputs.clone();
    moved.vpc_id = Some(vpc_b.clone());
    moved.tags = Some(BTreeMap::from([(
        "Team".to_string(),
        "payments".to_string(),
    )]));
    let updated = InternetGateway::update(&ctx, &id, &inputs, &outputs, &moved)
        .await
        .expect("move");
    assert_eq!(attached(&ctx, &id).await, vec![vpc_b.clone()]);
    assert_eq!(updated.tags_all["Team"], "payments");
    let (after, _) = InternetGateway::read(&ctx, &id, Some(&moved))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, moved);

    // Detach (vpcId removed), then attach again.
    let mut detached = moved.clone();
    detached.vpc_id = None;
    let updated = InternetGateway::update(&ctx, &id, &moved, &updated, &detached)
        .await
        .expect("detach");
    assert!(attached(&ctx, &id).await.is_empty());
    let (after, _) = InternetGateway::read(&ctx, &id, Some(&detached))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, detached);
    let updated = InternetGateway::update(&ctx, &id, &detached, &updated, &moved)
        .await
        .expect("re-attach");
    assert_eq!(attached(&ctx, &id).await, vec![vpc_b.clone()]);

    // Delete (detaching first), then delete again (already gone is success), and read says gone. moto never
    // answers DetachInternetGateway with DependencyViolation (AWS does while a NAT gateway or an Elastic IP is
    // still mapped in the VPC), so the blockers of a refused detach are not exercised here.
    InternetGateway::delete(&ctx, &id, &moved, &updated)
        .await
        .expect("delete");
    InternetGateway::delete(&ctx, &id, &moved, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        InternetGateway::read(&ctx, &id, Some(&moved))
            .await
            .expect("read")
            .is_none()
    );
    // The VPC is free for another gateway.
    let (other, _) = InternetGateway::create(&ctx, &self::inputs("igw-test-next", Some(&vpc_b)))
        .await
        .expect("next gateway");
    assert_eq!(attached(&ctx, &other).await, vec![vpc_b]);
}

#[tokio::test]
async fn internet_gateway_failed_attach_returns_partial_state() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("igw-test-partial", Some("vpc-0000000000000000f"));
    let err = InternetGateway::create(&ctx, &inputs)
        .await
        .expect_err("attach to a missing VPC fails");
    let (id, outputs, source) = match err {
        ResourceError::Partial {
            id,
            outputs,
            source,
        } => (id, outputs, source),
        other => panic!("expected partial state, got {other}"),
    };
    assert!(id.starts_with("igw-"), "{id}");
    assert_eq!(outputs["tagsAll"]["Name"], "igw-test-partial");
    assert!(
        source.to_string().contains("ec2:AttachInternetGateway"),
        "{source}"
    );
    assert_eq!(source.code(), Some("InvalidVpcID.NotFound"));
    assert!(attached(&ctx, &id).await.is_empty());
    // The gateway carries this resource's identity from its create call on, and the recorded tagsAll says so.
    identity::assert_identity(&ctx, &id).await;
    assert_eq!(outputs["tagsAll"][IDENTITY_TAG], ctx.identity.as_str());
    // The engine records the gateway; the next `pulumi up` updates it (here towards a fixed program without the
    // missing VPC), which keeps the identity.
    let recorded: InternetGatewayOutputs = serde_json::from_value(outputs).expect("outputs decode");
    let fixed = self::inputs("igw-test-partial", None);
    let updated = InternetGateway::update(&ctx, &id, &inputs, &recorded, &fixed)
        .await
        .expect("update");
    assert_eq!(updated.tags_all[IDENTITY_TAG], ctx.identity.as_str());
    identity::assert_identity(&ctx, &id).await;
    let (read_inputs, read_outputs) = InternetGateway::read(&ctx, &id, Some(&fixed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, fixed);
    assert_eq!(read_outputs, updated);
    // Then destroy cleans it up.
    InternetGateway::delete(&ctx, &id, &fixed, &updated)
        .await
        .expect("delete");
    assert!(
        InternetGateway::read(&ctx, &id, Some(&inputs))
            .await
            .expect("read")
            .is_none()
    );
}

/// The gateways named `name`.
async fn named(ctx: &Context, name: &str) -> Vec<String> {
    let all = ctx
        .aws
        .ec2
        .describe_internet_gateways()
        .filters(name_filter(name))
        .send()
        .await
        .expect("list");
    all.internet_gateways()
        .iter()
        .filter_map(|g| g.internet_gateway_id().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn internet_gateway_create_adopts_only_its_unrecorded_leftover_and_refuses_others() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let (vpc_id, _) = vpc(&ctx, "10.52.0.0/16").await;
    let inputs = inputs("igw-test-adopt", Some(&vpc_id));
    // A crash (or a lost answer) right after CreateInternetGateway: the gateway exists with this resource's
    // identity, detached, but the engine never recorded it. Meanwhile a tag drifted.
    let orphan = ctx
        .aws
        .ec2
        .create_internet_gateway()
        .tag_specifications(tag_spec(
            ResourceType::InternetGateway,
            &orderapi::resources::ec2::all_tags(&ctx, "igw-test-adopt", None),
        ))
        .send()
        .await
        .expect("orphan");
    let orphan = orphan
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .expect("id")
        .to_string();
    ctx.aws
        .ec2
        .create_tags()
        .resources(&orphan)
        .tags(Tag::builder().key("Team").value("stale").build())
        .send()
        .await
        .expect("drift");
    let (adopted, outputs) = InternetGateway::create(&ctx, &inputs)
        .await
        .expect("retried create");
    assert_eq!(
        adopted, orphan,
        "the retried create must adopt, not duplicate"
    );
    assert_eq!(named(&ctx, "igw-test-adopt").await, vec![orphan.clone()]);
    assert_eq!(attached(&ctx, &adopted).await, vec![vpc_id.clone()]);
    identity::assert_identity(&ctx, &orphan).await;
    let (read_inputs, read_outputs) = InternetGateway::read(&ctx, &orphan, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs, "attached and tags brought in line");
    assert_eq!(read_outputs, outputs);

    // A replacement (`pulumi up --replace`): the engine records the gateway, so a create with identical inputs
    // makes a second gateway and leaves the first alone. Detached ones here: AWS lets a VPC have one internet
    // gateway (moto does not check that).
    let detached = self::inputs("igw-test-twin", None);
    let (one, _) = InternetGateway::create(&ctx, &detached)
        .await
        .expect("create");
    let (two, _) = InternetGateway::create(&identity::replacing(&ctx, &one), &detached)
        .await
        .expect("second create");
    assert_ne!(two, one, "a recorded gateway must not be adopted");
    assert_eq!(named(&ctx, "igw-test-twin").await.len(), 2);
    identity::assert_identity(&ctx, &one).await;
    identity::assert_identity(&ctx, &two).await;

    // Another Pulumi resource's gateway with the same name is a conflict that names it.
    let err = InternetGateway::create(&identity::other_resource(&ctx), &detached)
        .await
        .expect_err("another resource's gateway");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(
        err.to_string().contains(&one) || err.to_string().contains(&two),
        "{err}"
    );
    assert!(err.to_string().contains("another Pulumi resource"), "{err}");

    // A gateway with the same name that we do not own is a conflict, not adopted.
    let stranger = ctx
        .aws
        .ec2
        .create_internet_gateway()
        .tag_specifications(tag_spec(
            ResourceType::InternetGateway,
            &BTreeMap::from([("Name".to_string(), "igw-test-stranger".to_string())]),
        ))
        .send()
        .await
        .expect("stranger");
    let stranger = stranger
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .expect("id")
        .to_string();
    let err = InternetGateway::create(
        &identity::resource(&ctx, "stranger"),
        &self::inputs("igw-test-stranger", None),
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
async fn internet_gateway_check_rejects_what_aws_would() {
    let bad = InternetGatewayInputs {
        name: Some("igw-x".into()),
        vpc_id: Some("my-vpc".into()),
        tags: Some(BTreeMap::from([(
            "aws:owner".to_string(),
            "me".to_string(),
        )])),
    };
    let failures = InternetGateway::check(&CheckContext::default(), bad).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(props, vec!["vpcId", "tags"]);
}
