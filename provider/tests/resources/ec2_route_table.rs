use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_ec2::types::ResourceType;
use orderapi::error::ResourceError;
use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{CheckContext, Context, CustomResource};
use orderapi::resources::ec2::route_table::{RouteTable, RouteTableInputs, RouteTableRoute};
use orderapi::resources::ec2::{all_tags, name_filter, tag_spec};
use tokio_util::sync::CancellationToken;

use crate::moto::Moto;

use super::ec2_identity as identity;

/// What the tests route through, created directly with the SDK (not through other kinds).
struct Network {
    vpc: String,
    subnets: Vec<String>,
    igw: String,
    nat: String,
}

async fn network(ctx: &Context) -> Network {
    let ec2 = &ctx.aws.ec2;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.40.0.0/16")
        .send()
        .await
        .expect("vpc");
    let vpc = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string();
    let mut subnets = Vec::new();
    for i in 1..=4 {
        let s = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(format!("10.40.{i}.0/24"))
            .send()
            .await
            .expect("subnet");
        subnets.push(
            s.subnet()
                .and_then(|s| s.subnet_id())
                .expect("subnet id")
                .to_string(),
        );
    }
    let igw = ec2.create_internet_gateway().send().await.expect("igw");
    let igw = igw
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .expect("igw id")
        .to_string();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .expect("attach igw");
    let eip = ec2
        .allocate_address()
        .domain("vpc".into())
        .send()
        .await
        .expect("eip");
    let nat = ec2
        .create_nat_gateway()
        .subnet_id(&subnets[0])
        .allocation_id(eip.allocation_id().expect("allocation id"))
        .send()
        .await
        .expect("nat");
    let nat = nat
        .nat_gateway()
        .and_then(|n| n.nat_gateway_id())
        .expect("nat id")
        .to_string();
    Network {
        vpc,
        subnets,
        igw,
        nat,
    }
}

fn route(destination: &str, gateway: Option<&str>, nat: Option<&str>) -> RouteTableRoute {
    RouteTableRoute {
        destination_cidr_block: destination.into(),
        gateway_id: gateway.map(str::to_string),
        nat_gateway_id: nat.map(str::to_string),
    }
}

fn raw(name: &str, net: &Network) -> RouteTableInputs {
    RouteTableInputs {
        name: Some(name.into()),
        vpc_id: net.vpc.clone(),
        // Deliberately unsorted: check sorts routes by destination and subnets by id.
        routes: Some(vec![
            route("192.168.0.0/16", Some(&net.igw), None),
            route("0.0.0.0/0", Some(&net.igw), None),
            route("10.99.0.0/16", None, Some(&net.nat)),
        ]),
        subnet_ids: Some(vec![net.subnets[1].clone(), net.subnets[0].clone()]),
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn checked(inputs: RouteTableInputs) -> RouteTableInputs {
    RouteTable::check(&CheckContext::default(), inputs).expect("valid inputs")
}

/// The routes AWS holds for `id` (IPv4, without the local route), as (destination, target).
async fn live_routes(ctx: &Context, id: &str) -> BTreeMap<String, String> {
    let out = ctx
        .aws
        .ec2
        .describe_route_tables()
        .route_table_ids(id)
        .send()
        .await
        .expect("describe");
    let rt = out.route_tables().first().expect("route table");
    rt.routes()
        .iter()
        .filter(|r| r.gateway_id() != Some("local"))
        .map(|r| {
            let target = r.gateway_id().or(r.nat_gateway_id()).unwrap_or_default();
            (
                r.destination_cidr_block().unwrap_or_default().to_string(),
                target.to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn route_table_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = network(&ctx).await;
    let inputs = checked(raw("rtb-test-life", &net));
    let routes = inputs.routes.as_deref().expect("routes");
    let destinations: Vec<&str> = routes
        .iter()
        .map(|r| r.destination_cidr_block.as_str())
        .collect();
    assert_eq!(
        destinations,
        vec!["0.0.0.0/0", "10.99.0.0/16", "192.168.0.0/16"],
        "check sorts by destination"
    );
    let mut sorted_subnets = vec![net.subnets[0].clone(), net.subnets[1].clone()];
    sorted_subnets.sort();
    assert_eq!(
        inputs.subnet_ids.as_deref(),
        Some(sorted_subnets.as_slice())
    );

    let (id, outputs) = RouteTable::create(&ctx, &inputs).await.expect("create");
    assert!(id.starts_with("rtb-"));
    assert_eq!(outputs.tags_all["ManagedBy"], "pulumi-orderapi");
    assert_eq!(outputs.tags_all["Name"], "rtb-test-life");
    assert_eq!(outputs.tags_all[IDENTITY_TAG], ctx.identity.as_str());
    identity::assert_identity(&ctx, &id).await;
    assert_eq!(
        outputs.association_ids.keys().collect::<Vec<_>>(),
        sorted_subnets.iter().collect::<Vec<_>>()
    );
    assert_eq!(
        live_routes(&ctx, &id).await,
        BTreeMap::from([
            ("0.0.0.0/0".to_string(), net.igw.clone()),
            ("10.99.0.0/16".to_string(), net.nat.clone()),
            ("192.168.0.0/16".to_string(), net.igw.clone()),
        ])
    );

    // Read gives back exactly the checked inputs: no local route, sorted routes and subnets.
    let (read_inputs, read_outputs) = RouteTable::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // In place: the default route retargeted to the NAT gateway (ReplaceRoute), 192.168/16 removed, 172.16/12
    // added, subnet 1's association moved to subnet 2, and a tag changed.
    let mut changed = raw("rtb-test-life", &net);
    changed.routes = Some(vec![
        route("0.0.0.0/0", None, Some(&net.nat)),
        route("10.99.0.0/16", None, Some(&net.nat)),
        route("172.16.0.0/12", Some(&net.igw), None),
    ]);
    changed.subnet_ids = Some(vec![net.subnets[0].clone(), net.subnets[2].clone()]);
    changed.tags = Some(BTreeMap::from([(
        "Team".to_string(),
        "payments".to_string(),
    )]));
    let changed = checked(changed);
    let updated = RouteTable::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(updated.tags_all["Team"], "payments");
    assert_eq!(
        live_routes(&ctx, &id).await,
        BTreeMap::from([
            ("0.0.0.0/0".to_string(), net.nat.clone()),
            ("10.99.0.0/16".to_string(), net.nat.clone()),
            ("172.16.0.0/12".to_string(), net.igw.clone()),
        ])
    );
    assert_eq!(
        updated.association_ids[&net.subnets[0]], outputs.association_ids[&net.subnets[0]],
        "kept association is untouched"
    );
    assert!(updated.association_ids.contains_key(&net.subnets[2]));
    assert!(!updated.association_ids.contains_key(&net.subnets[1]));
    let (after, after_outputs) = RouteTable::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_outputs, updated);

    // Delete disassociates the subnets (they fall back to the main table), then deletes; again is a no-op.
    RouteTable::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    RouteTable::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        RouteTable::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
    let holders = ctx
        .aws
        .ec2
        .describe_route_tables()
        .filters(orderapi::resources::ec2::filter(
            "association.subnet-id",
            &net.subnets[0],
        ))
        .send()
        .await
        .expect("describe");
    assert!(
        holders.route_tables().is_empty(),
        "the subnet keeps no association to the deleted table"
    );
}

#[tokio::test]
async fn route_table_refuses_a_subnet_another_table_holds() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = network(&ctx).await;
    let inputs = checked(RouteTableInputs {
        subnet_ids: Some(vec![net.subnets[0].clone()]),
        ..raw("rtb-test-taken", &net)
    });
    let (id, outputs) = RouteTable::create(&ctx, &inputs).await.expect("create");

    // Subnet 3 is explicitly associated with a table outside this program.
    let other = ctx
        .aws
        .ec2
        .create_route_table()
        .vpc_id(&net.vpc)
        .send()
        .await
        .expect("other table");
    let other = other
        .route_table()
        .and_then(|r| r.route_table_id())
        .expect("id")
        .to_string();
    ctx.aws
        .ec2
        .associate_route_table()
        .route_table_id(&other)
        .subnet_id(&net.subnets[3])
        .send()
        .await
        .expect("associate");

    // The update waits (bounded by the operation's deadline, 3 s here) for the other table to let go, then names
    // it. Real AWS answers AssociateRouteTable with Resource.AlreadyAssociated here; moto silently returns the
    // other table's association instead, so the kind looks the holder up before associating.
    let short = Context::new(
        Arc::clone(&ctx.aws),
        ctx.urn.clone(),
        Duration::from_secs(3),
        CancellationToken::new(),
    );
    let mut taking = inputs.clone();
    taking.subnet_ids = Some(vec![net.subnets[0].clone(), net.subnets[3].clone()]);
    let taking = checked(taking);
    let err = RouteTable::update(&short, &id, &inputs, &outputs, &taking)
        .await
        .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains(&other), "{err}");

    // Once the other table lets go, the same update goes through.
    let holder = ctx
        .aws
        .ec2
        .describe_route_tables()
        .route_table_ids(&other)
        .send()
        .await
        .expect("describe");
    let association = holder.route_tables()[0]
        .associations()
        .iter()
        .find(|a| a.subnet_id() == Some(net.subnets[3].as_str()))
        .and_then(|a| a.route_table_association_id())
        .expect("association")
        .to_string();
    ctx.aws
        .ec2
        .disassociate_route_table()
        .association_id(association)
        .send()
        .await
        .expect("disassociate");
    let updated = RouteTable::update(&ctx, &id, &inputs, &outputs, &taking)
        .await
        .expect("update");
    assert!(updated.association_ids.contains_key(&net.subnets[3]));
    RouteTable::delete(&ctx, &id, &taking, &updated)
        .await
        .expect("delete");
}

/// The route tables named `name` in `vpc`.
async fn named(ctx: &Context, vpc: &str, name: &str) -> Vec<String> {
    let all = ctx
        .aws
        .ec2
        .describe_route_tables()
        .filters(name_filter(name))
        .filters(orderapi::resources::ec2::filter("vpc-id", vpc))
        .send()
        .await
        .expect("list");
    all.route_tables()
        .iter()
        .filter_map(|t| t.route_table_id().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn route_table_create_adopts_only_its_unrecorded_leftover_and_refuses_others() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let ec2 = &ctx.aws.ec2;
    let net = network(&ctx).await;
    let inputs = checked(raw("rtb-test-adopt", &net));

    // A crash (or a lost answer) right after CreateRouteTable: the table exists with this resource's identity (and
    // a stray route nobody declared), but the engine never recorded it and none of the declared routes or
    // associations were made.
    let tags = all_tags(&ctx, "rtb-test-adopt", inputs.tags.as_ref());
    let orphan = ec2
        .create_route_table()
        .vpc_id(&net.vpc)
        .tag_specifications(tag_spec(ResourceType::RouteTable, &tags))
        .send()
        .await
        .expect("orphan");
    let orphan = orphan
        .route_table()
        .and_then(|r| r.route_table_id())
        .expect("id")
        .to_string();
    ec2.create_route()
        .route_table_id(&orphan)
        .destination_cidr_block("10.50.0.0/16")
        .gateway_id(&net.igw)
        .send()
        .await
        .expect("stray route");

    let (adopted, outputs) = RouteTable::create(&ctx, &inputs)
        .await
        .expect("retried create");
    assert_eq!(
        adopted, orphan,
        "the retried create must adopt, not duplicate"
    );
    assert_eq!(
        named(&ctx, &net.vpc, "rtb-test-adopt").await,
        vec![orphan.clone()]
    );
    identity::assert_identity(&ctx, &orphan).await;
    let (read_inputs, read_outputs) = RouteTable::read(&ctx, &adopted, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        read_inputs, inputs,
        "routes and associations were brought in line; the stray route is gone"
    );
    assert_eq!(read_outputs, outputs);

    // A replacement (`pulumi up --replace`): the engine records the table, so a create with identical inputs makes
    // a second table and leaves the first alone (the engine deletes it next). (No subnets here: a subnet has one
    // route table, so the second table would wait for the first to let go of them.)
    let twin = checked(RouteTableInputs {
        subnet_ids: None,
        ..raw("rtb-test-twin", &net)
    });
    let (one, one_outputs) = RouteTable::create(&ctx, &twin).await.expect("create");
    let (two, two_outputs) = RouteTable::create(&identity::replacing(&ctx, &one), &twin)
        .await
        .expect("second create");
    assert_ne!(two, one, "a recorded table must not be adopted");
    assert_eq!(two_outputs, one_outputs);
    identity::assert_identity(&ctx, &two).await;
    // When the answer of that replacement's create was lost, its retry adopts the new table, not the recorded one.
    let (three, three_outputs) = RouteTable::create(&identity::replacing(&ctx, &one), &twin)
        .await
        .expect("retried create");
    assert_eq!(three, two);
    assert_eq!(three_outputs, one_outputs);
    let mut both = vec![one.clone(), two.clone()];
    both.sort();
    let mut listed = named(&ctx, &net.vpc, "rtb-test-twin").await;
    listed.sort();
    assert_eq!(listed, both);
    assert_eq!(live_routes(&ctx, &one).await, live_routes(&ctx, &two).await);

    // Another Pulumi resource's table with the same name in the VPC is a conflict that names it.
    let err = RouteTable::create(&identity::other_resource(&ctx), &twin)
        .await
        .expect_err("another resource's table");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(
        err.to_string().contains(&one) || err.to_string().contains(&two),
        "{err}"
    );
    assert!(err.to_string().contains("another Pulumi resource"), "{err}");

    // A table with the same name in the VPC that we do not own is a conflict, not adopted.
    ec2.create_route_table()
        .vpc_id(&net.vpc)
        .tag_specifications(tag_spec(
            ResourceType::RouteTable,
            &BTreeMap::from([("Name".to_string(), "rtb-test-stranger".to_string())]),
        ))
        .send()
        .await
        .expect("stranger");
    let err = RouteTable::create(
        &identity::resource(&ctx, "stranger"),
        &checked(raw("rtb-test-stranger", &net)),
    )
    .await
    .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(
        err.to_string().contains("not created by pulumi-orderapi"),
        "{err}"
    );
}

#[tokio::test]
async fn route_table_failed_route_reports_partial_state() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = network(&ctx).await;
    let mut bad = raw("rtb-test-partial", &net);
    bad.routes = Some(vec![route(
        "0.0.0.0/0",
        Some("igw-0123456789abcdef0"),
        None,
    )]);
    let bad = checked(bad);
    let err = RouteTable::create(&ctx, &bad)
        .await
        .expect_err("the route's gateway does not exist");
    let ResourceError::Partial {
        id,
        outputs,
        source,
    } = err
    else {
        panic!("expected partial state, got {err}")
    };
    assert!(id.starts_with("rtb-"));
    assert!(source.to_string().contains("ec2:CreateRoute"), "{source}");
    assert_eq!(outputs["tagsAll"]["Name"], "rtb-test-partial");
    // The table carries this resource's identity from its create call on, and the recorded tagsAll says so.
    assert_eq!(outputs["tagsAll"][IDENTITY_TAG], ctx.identity.as_str());
    identity::assert_identity(&ctx, &id).await;

    // The next `pulumi up` updates the recorded table towards the (fixed) inputs.
    let fixed = checked(raw("rtb-test-partial", &net));
    let recorded = serde_json::from_value(outputs).expect("outputs decode");
    let updated = RouteTable::update(&ctx, &id, &bad, &recorded, &fixed)
        .await
        .expect("update");
    let (read_inputs, read_outputs) = RouteTable::read(&ctx, &id, Some(&fixed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, fixed);
    assert_eq!(read_outputs, updated);
    // The update kept the identity.
    identity::assert_identity(&ctx, &id).await;
    RouteTable::delete(&ctx, &id, &fixed, &updated)
        .await
        .expect("delete");
}

#[test]
fn route_table_check_rejects_what_aws_would() {
    let net = Network {
        vpc: "vpc-1".into(),
        subnets: vec!["subnet-1".into(), "subnet-2".into()],
        igw: "igw-1".into(),
        nat: "nat-1".into(),
    };
    let mut bad = raw("x", &net);
    bad.vpc_id = String::new();
    bad.routes = Some(vec![
        route("0.0.0.0/0", Some("igw-1"), Some("nat-1")),
        route("10.0.0.0/8", None, None),
        route("10.0.0.0/8", Some("nat-1"), None),
        route("10.0.0.1/16", None, Some("igw-1")),
        route("10.1.0.0/16", Some("local"), None),
    ]);
    bad.subnet_ids = Some(vec!["subnet-1".into(), "subnet-1".into()]);
    let failures = RouteTable::check(&CheckContext::default(), bad).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(
        props,
        vec![
            "vpcId",
            "routes[0]",
            "routes[1]",
            "routes[2].destinationCidrBlock",
            "routes[2].gatewayId",
            "routes[3].destinationCidrBlock",
            "routes[3].natGatewayId",
            "routes[4].gatewayId",
            "subnetIds",
        ],
        "{failures:?}"
    );
}
