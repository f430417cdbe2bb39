use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use aws_sdk_ec2::types::{DomainType, ResourceType};
use orderapi::error::ResourceError;
use orderapi::resource::{CheckContext, Context, CustomResource};
use orderapi::resources::ec2::elastic_ip::{ElasticIp, ElasticIpInputs};
use orderapi::resources::ec2::{filter, name_filter, tag_spec};

use crate::moto::Moto;

use super::pending;

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
    pending::assert_finished(&ctx, &id).await;
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
    // InvalidIPAddress.InUse / AuthFailure that AWS needs while a NAT gateway lets go is not exercised here.
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
async fn elastic_ip_create_adopts_only_an_unfinished_create_and_refuses_a_stranger() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("eip-test-adopt");
    // A crash after AllocateAddress and before the create's last step: the address exists with our tags and the
    // create-pending marker, but Pulumi never recorded it.
    let (orphan, first) = ElasticIp::create(&ctx, &inputs)
        .await
        .expect("first create");
    pending::crash_before_finish(&ctx, &orphan).await;
    let (adopted, second) = ElasticIp::create(&ctx, &inputs)
        .await
        .expect("retried create");
    assert_eq!(
        adopted, orphan,
        "the retried create must adopt, not duplicate"
    );
    assert_eq!(second, first);
    assert_eq!(named(&ctx, "eip-test-adopt").await, vec![orphan.clone()]);
    pending::assert_finished(&ctx, &orphan).await;

    // A finished create is recorded in some state: a create with identical inputs (`pulumi up --replace`, whose
    // engine releases the old address next) allocates a second address and leaves the first alone.
    let (twin, twin_outputs) = ElasticIp::create(&ctx, &inputs)
        .await
        .expect("second create");
    assert_ne!(twin, orphan, "a finished address must not be adopted");
    assert_ne!(twin_outputs.public_ip, first.public_ip);
    assert_eq!(named(&ctx, "eip-test-adopt").await.len(), 2);
    pending::assert_finished(&ctx, &twin).await;

    // An address with the same name that we do not own is a conflict, not adopted.
    ctx.aws
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
    let err = ElasticIp::create(&ctx, &self::inputs("eip-test-stranger"))
        .await
        .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(
        err.to_string().contains("not created by pulumi-orderapi"),
        "{err}"
    );
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
