use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use aws_sdk_ec2::types::{DomainType, ResourceType, Tag};
use orderapi::error::ResourceError;
use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{CheckContext, Context, CustomResource};
use orderapi::resources::ec2::elastic_ip::{ElasticIp, ElasticIpInputs};
use orderapi::resources::ec2::{filter, name_filter, tag_spec};

use crate::moto::Moto;

use super::ec2_identity as identity;

fn inputs(name: &str) -> ElasticIpInputs {
    let raw = ElasticIpInputs {
        name: Some(name.into()),
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    };
    ElasticIp::check(&CheckContext::default(), raw).expect("valid inputs")
}

/// The calling account, as the default VPC reports it.
async fn account(ctx: &Context) -> String {
    let out = ctx
        .aws
        .ec2
        .describe_vpcs()
        .filters(filter("is-default", "true"))
        .send()
        .await
        .expect("default vpc");
    out.vpcs()
        .first()
        .and_then(|v| v.owner_id())
        .expect("moto has a default VPC")
        .to_string()
}

#[tokio::test]
async fn elastic_ip_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("eip-test-life");

    let (id, outputs) = ElasticIp::create(&ctx, &inputs).await.expect("create");
    assert!(id.starts_with("eipalloc-"));
    assert_eq!(outputs.allocation_id, id);
    assert!(
        outputs.public_ip.parse::<Ipv4Addr>().is_ok(),
        "{}",
        outputs.public_ip
    );
    let account = account(&ctx).await;
    assert_eq!(
        outputs.arn,
        format!("arn:aws:ec2:us-east-1:{account}:elastic-ip/{id}")
    );
    assert_eq!(outputs.tags_all["ManagedBy"], "pulumi-orderapi");
    assert_eq!(outputs.tags_all["Name"], "eip-test-life");
    assert_eq!(outputs.tags_all[IDENTITY_TAG], ctx.identity.as_str());
    identity::assert_identity(&ctx, &id).await;
    let live = ctx
        .aws
        .ec2
        .describe_addresses()
        .allocation_ids(&id)
        .send()
        .await
        .expect("describe");
    assert_eq!(live.addresses()[0].domain(), Some(&DomainType::Vpc));

    // Read gives back exactly the declared inputs (no drift right after create).
    let (read_inputs, read_outputs) = ElasticIp::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // In-place update: renamed, a tag changed and one added; the address stays.
    let mut changed = inputs.clone();
    changed.name = Some("eip-test-renamed".into());
    changed.tags = Some(BTreeMap::from([
        ("Team".to_string(), "payments".to_string()),
        ("Tier".to_string(), "nat".to_string()),
    ]));
    let updated = ElasticIp::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(updated.public_ip, outputs.public_ip);
    assert_eq!(updated.tags_all["Name"], "eip-test-renamed");
    let (after, after_outputs) = ElasticIp::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_outputs, updated);

    // Delete, then delete again (InvalidAllocationID.NotFound is success), and read says gone.
    ElasticIp::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    ElasticIp::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        ElasticIp::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
    // moto releases an address even while a NAT gateway still uses it (it disassociates it), so the retry on
    // InvalidIPAddress.InUse that AWS needs while a NAT gateway lets go is not exercised here.
}

/// The addresses named `name`.
async fn named(ctx: &Context, name: &str) -> Vec<String> {
    let all = ctx
        .aws
        .ec2
        .describe_addresses()
        .filters(name_filter(name))
        .send()
        .await
        .expect("list");
    all.addresses()
        .iter()
        .filter_map(|a| a.allocation_id().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn elastic_ip_create_adopts_only_its_unrecorded_leftover_and_refuses_others() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("eip-test-adopt");
    // A crash (or a lost answer) right after AllocateAddress: the address exists with this resource's identity,
    // but the engine never recorded it. Meanwhile a tag drifted.
    let (orphan, first) = ElasticIp::create(&ctx, &inputs)
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
    let (adopted, second) = ElasticIp::create(&ctx, &inputs)
        .await
        .expect("retried create");
    assert_eq!(
        adopted, orphan,
        "the retried create must adopt, not duplicate"
    );
    assert_eq!(second, first);
    assert_eq!(named(&ctx, "eip-test-adopt").await, vec![orphan.clone()]);
    identity::assert_identity(&ctx, &orphan).await;
    let (read_inputs, _) = ElasticIp::read(&ctx, &orphan, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs, "tags brought in line");

    // A replacement (`pulumi up --replace`): the engine records the address, so a create with identical inputs
    // allocates a second address and leaves the first alone (the engine releases it next).
    let (twin, twin_outputs) = ElasticIp::create(&identity::replacing(&ctx, &orphan), &inputs)
        .await
        .expect("second create");
    assert_ne!(twin, orphan, "a recorded address must not be adopted");
    assert_ne!(twin_outputs.public_ip, first.public_ip);
    assert_eq!(named(&ctx, "eip-test-adopt").await.len(), 2);
    identity::assert_identity(&ctx, &twin).await;

    // Another Pulumi resource's address with the same name is a conflict that names it.
    let err = ElasticIp::create(&identity::other_resource(&ctx), &inputs)
        .await
        .expect_err("another resource's address");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(
        err.to_string().contains(&orphan) || err.to_string().contains(&twin),
        "{err}"
    );
    assert!(err.to_string().contains("another Pulumi resource"), "{err}");
    assert_eq!(named(&ctx, "eip-test-adopt").await.len(), 2);

    // An address with the same name that we do not own is a conflict, not adopted.
    let stranger = ctx
        .aws
        .ec2
        .allocate_address()
        .domain(DomainType::Vpc)
        .tag_specifications(tag_spec(
            ResourceType::ElasticIp,
            &BTreeMap::from([("Name".to_string(), "eip-test-stranger".to_string())]),
        ))
        .send()
        .await
        .expect("stranger");
    let stranger = stranger.allocation_id().expect("id").to_string();
    let err = ElasticIp::create(
        &identity::resource(&ctx, "stranger"),
        &self::inputs("eip-test-stranger"),
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
async fn elastic_ip_check_rejects_what_aws_would() {
    let mut bad = inputs("x");
    bad.name = Some(String::new());
    bad.tags = Some(BTreeMap::from([("Name".to_string(), "y".to_string())]));
    let failures = ElasticIp::check(&CheckContext::default(), bad).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(props, vec!["name", "tags"]);
}
