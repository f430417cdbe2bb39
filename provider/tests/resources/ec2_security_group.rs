use std::collections::BTreeMap;

use aws_sdk_ec2::types::ResourceType;
use orderapi::error::ResourceError;
use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::ec2::security_group::{
    SecurityGroup, SecurityGroupInputs, SecurityGroupRule,
};
use orderapi::resources::ec2::{all_tags, filter, tag_spec};
use orderapi::rpc::value::{PropertyMap, Value};

use crate::moto::Moto;

use super::ec2_identity as identity;

async fn vpc(ctx: &Context) -> String {
    let out = ctx
        .aws
        .ec2
        .create_vpc()
        .cidr_block("10.60.0.0/16")
        .send()
        .await
        .expect("vpc");
    out.vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string()
}

/// A group outside the program, to reference from rules (created with the SDK, not through the kind).
async fn peer_group(ctx: &Context, vpc: &str, name: &str) -> String {
    let out = ctx
        .aws
        .ec2
        .create_security_group()
        .group_name(name)
        .description("peer")
        .vpc_id(vpc)
        .send()
        .await
        .expect("peer group");
    out.group_id().expect("group id").to_string()
}

fn rule(protocol: &str, from: i32, to: i32) -> SecurityGroupRule {
    SecurityGroupRule {
        protocol: protocol.into(),
        from_port: from,
        to_port: to,
        cidr_blocks: None,
        ipv6_cidr_blocks: None,
        security_group_id: None,
        description: None,
    }
}

fn cidrs(mut r: SecurityGroupRule, blocks: &[&str]) -> SecurityGroupRule {
    r.cidr_blocks = Some(blocks.iter().map(|b| b.to_string()).collect());
    r
}

fn group(mut r: SecurityGroupRule, id: &str) -> SecurityGroupRule {
    r.security_group_id = Some(id.into());
    r
}

fn described(mut r: SecurityGroupRule, d: &str) -> SecurityGroupRule {
    r.description = Some(d.into());
    r
}

fn raw(name: &str, vpc: &str) -> SecurityGroupInputs {
    SecurityGroupInputs {
        name: Some(name.into()),
        description: None,
        vpc_id: vpc.into(),
        ingress: Some(vec![
            cidrs(rule("tcp", 80, 80), &["0.0.0.0/0"]),
            described(
                cidrs(rule("TCP", 443, 443), &["10.0.0.0/8", "0.0.0.0/0"]),
                "https",
            ),
        ]),
        egress: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn checked(inputs: SecurityGroupInputs) -> SecurityGroupInputs {
    SecurityGroup::check(&CheckContext::default(), inputs).expect("valid inputs")
}

/// The group's live rules of one direction, flattened to (protocol, from, to, peer, description).
async fn live(ctx: &Context, id: &str, egress: bool) -> Vec<(String, i32, i32, String, String)> {
    let out = ctx
        .aws
        .ec2
        .describe_security_groups()
        .group_ids(id)
        .send()
        .await
        .expect("describe");
    let g = &out.security_groups()[0];
    let perms = if egress {
        g.ip_permissions_egress()
    } else {
        g.ip_permissions()
    };
    let mut rules = Vec::new();
    for p in perms {
        let (proto, from, to) = (
            p.ip_protocol().unwrap_or_default().to_string(),
            p.from_port().unwrap_or(-1),
            p.to_port().unwrap_or(-1),
        );
        for r in p.ip_ranges() {
            rules.push((
                proto.clone(),
                from,
                to,
                r.cidr_ip().unwrap_or_default().to_string(),
                r.description().unwrap_or_default().to_string(),
            ));
        }
        for r in p.user_id_group_pairs() {
            rules.push((
                proto.clone(),
                from,
                to,
                r.group_id().unwrap_or_default().to_string(),
                r.description().unwrap_or_default().to_string(),
            ));
        }
    }
    rules.sort();
    rules
}

fn r(proto: &str, from: i32, to: i32, peer: &str, d: &str) -> (String, i32, i32, String, String) {
    (proto.into(), from, to, peer.into(), d.into())
}

#[tokio::test]
async fn security_group_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let vpc = vpc(&ctx).await;
    let alb = peer_group(&ctx, &vpc, "alb-peer").await;
    let aurora = peer_group(&ctx, &vpc, "aurora-peer").await;

    // Check flattens to one rule per peer, sorted, with protocol and description defaults applied.
    let inputs = checked(raw("app-test-life", &vpc));
    assert_eq!(
        inputs.description.as_deref(),
        Some("Managed by pulumi-orderapi")
    );
    assert_eq!(
        inputs.ingress,
        Some(vec![
            cidrs(rule("tcp", 80, 80), &["0.0.0.0/0"]),
            described(cidrs(rule("tcp", 443, 443), &["0.0.0.0/0"]), "https"),
            described(cidrs(rule("tcp", 443, 443), &["10.0.0.0/8"]), "https"),
        ])
    );
    assert_eq!(inputs.egress, None);

    let (id, outputs) = SecurityGroup::create(&ctx, &inputs).await.expect("create");
    assert!(id.starts_with("sg-"));
    assert_eq!(outputs.owner_id, "123456789012");
    assert_eq!(
        outputs.arn,
        format!("arn:aws:ec2:us-east-1:123456789012:security-group/{id}")
    );
    assert_eq!(outputs.tags_all["Name"], "app-test-life");
    assert_eq!(outputs.tags_all["ManagedBy"], "pulumi-orderapi");
    assert_eq!(outputs.tags_all[IDENTITY_TAG], ctx.identity.as_str());
    identity::assert_identity(&ctx, &id).await;
    // egress absent: AWS's default allow-all stays.
    assert_eq!(
        live(&ctx, &id, true).await,
        vec![r("-1", -1, -1, "0.0.0.0/0", "")]
    );

    let (read_inputs, read_outputs) = SecurityGroup::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // In place: port 80 removed, 8080 from the ALB's group added (SG-to-SG), a description changed, and egress
    // declared (the default allow-all is revoked): MySQL to the Aurora group only.
    let mut changed = raw("app-test-life", &vpc);
    changed.ingress = Some(vec![
        described(
            cidrs(rule("tcp", 443, 443), &["10.0.0.0/8", "0.0.0.0/0"]),
            "https from anywhere",
        ),
        described(
            group(rule("tcp", 8080, 8080), &alb),
            "from the load balancer",
        ),
    ]);
    changed.egress = Some(vec![group(rule("tcp", 3306, 3306), &aurora)]);
    let changed = checked(changed);
    let updated = SecurityGroup::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(updated, outputs);
    assert_eq!(
        live(&ctx, &id, false).await,
        vec![
            r("tcp", 443, 443, "0.0.0.0/0", "https from anywhere"),
            r("tcp", 443, 443, "10.0.0.0/8", "https from anywhere"),
            r("tcp", 8080, 8080, &alb, "from the load balancer"),
        ]
    );
    assert_eq!(
        live(&ctx, &id, true).await,
        vec![r("tcp", 3306, 3306, &aurora, "")]
    );
    let (after, _) = SecurityGroup::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);

    // Egress no longer declared: AWS's default comes back.
    let mut undeclared = changed.clone();
    undeclared.egress = None;
    let updated = SecurityGroup::update(&ctx, &id, &changed, &updated, &undeclared)
        .await
        .expect("update");
    assert_eq!(
        live(&ctx, &id, true).await,
        vec![r("-1", -1, -1, "0.0.0.0/0", "")]
    );
    let (after, _) = SecurityGroup::read(&ctx, &id, Some(&undeclared))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, undeclared);

    // Import (no prior inputs) reads the untouched default egress as "not declared".
    let (imported, _) = SecurityGroup::read(&ctx, &id, None)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(imported.egress, None);
    assert_eq!(imported.ingress, undeclared.ingress);

    // Delete, then delete again (already gone is success), and read says gone. moto deletes a group even while
    // other groups' rules or network interfaces reference it; real AWS answers DependencyViolation, which delete
    // retries with backoff until those references are gone or the timeout passes.
    SecurityGroup::delete(&ctx, &id, &undeclared, &updated)
        .await
        .expect("delete");
    SecurityGroup::delete(&ctx, &id, &undeclared, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        SecurityGroup::read(&ctx, &id, Some(&undeclared))
            .await
            .expect("read")
            .is_none()
    );
}

/// The groups named `name` in `vpc`.
async fn named(ctx: &Context, vpc: &str, name: &str) -> Vec<String> {
    let out = ctx
        .aws
        .ec2
        .describe_security_groups()
        .filters(filter("vpc-id", vpc))
        .filters(filter("group-name", name))
        .send()
        .await
        .expect("list");
    out.security_groups()
        .iter()
        .filter_map(|g| g.group_id().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn security_group_create_adopts_only_its_unrecorded_leftover_and_refuses_others() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let ec2 = &ctx.aws.ec2;
    let vpc = vpc(&ctx).await;
    let mut raw_inputs = raw("app-test-adopt", &vpc);
    raw_inputs.egress = Some(vec![cidrs(rule("tcp", 443, 443), &["0.0.0.0/0"])]);
    let inputs = checked(raw_inputs);

    // A crash (or a lost answer) right after CreateSecurityGroup: the group exists with this resource's identity
    // and AWS's default egress, but the engine never recorded it and none of the rules were authorized.
    let tags = all_tags(&ctx, "app-test-adopt", inputs.tags.as_ref());
    let orphan = ec2
        .create_security_group()
        .group_name("app-test-adopt")
        .description("Managed by pulumi-orderapi")
        .vpc_id(&vpc)
        .tag_specifications(tag_spec(ResourceType::SecurityGroup, &tags))
        .send()
        .await
        .expect("orphan");
    let orphan = orphan.group_id().expect("id").to_string();

    let (adopted, outputs) = SecurityGroup::create(&ctx, &inputs)
        .await
        .expect("retried create");
    assert_eq!(
        adopted, orphan,
        "the retried create must adopt, not duplicate"
    );
    let (read_inputs, read_outputs) = SecurityGroup::read(&ctx, &adopted, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        read_inputs, inputs,
        "rules were brought in line; the default egress was revoked"
    );
    assert_eq!(read_outputs, outputs);
    identity::assert_identity(&ctx, &orphan).await;

    // The group the engine records is the one a replacement takes the name from while it still exists (`pulumi up
    // --replace`, whose engine deletes the old group next): never adopted. AWS keeps group names unique per VPC,
    // so a create with identical inputs is a conflict that names the group and says what to do.
    let replacing = identity::replacing(&ctx, &orphan);
    let err = SecurityGroup::create(&replacing, &inputs)
        .await
        .expect_err("a recorded group is not adopted");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    let message = err.to_string();
    assert!(message.contains("'app-test-adopt'"), "{message}");
    assert!(message.contains(&orphan), "{message}");
    assert!(message.contains("deleteBeforeReplace"), "{message}");
    assert_eq!(
        named(&ctx, &vpc, "app-test-adopt").await,
        vec![orphan.clone()]
    );
    // The same for a replacement with another description (Diff asks to delete the old group first, see
    // security_group_replacement_deletes_first; a targeted replace does not ask Diff).
    let mut redescribed = inputs.clone();
    redescribed.description = Some("Orders API tasks".into());
    let err = SecurityGroup::create(&replacing, &redescribed)
        .await
        .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("deleteBeforeReplace"), "{err}");
    let (unchanged, _) = SecurityGroup::read(&ctx, &orphan, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(unchanged, inputs, "the live group was left alone");

    // Unrecorded, the leftover is adopted again, unless its description differs (AWS cannot change it in place),
    // which is a conflict that says what to do.
    let err = SecurityGroup::create(&ctx, &redescribed)
        .await
        .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("interrupted create"), "{err}");
    assert!(err.to_string().contains("another name"), "{err}");
    let (again, again_outputs) = SecurityGroup::create(&ctx, &inputs)
        .await
        .expect("retried create");
    assert_eq!(again, orphan);
    assert_eq!(again_outputs, outputs);
    identity::assert_identity(&ctx, &orphan).await;

    // Another Pulumi resource's group with the same name is a conflict that names it.
    let err = SecurityGroup::create(&identity::other_resource(&ctx), &inputs)
        .await
        .expect_err("another resource's group");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains(&orphan), "{err}");
    assert!(err.to_string().contains("another Pulumi resource"), "{err}");

    // A same-named group we do not own is a name conflict.
    peer_group(&ctx, &vpc, "app-test-stranger").await;
    let err = SecurityGroup::create(&ctx, &checked(raw("app-test-stranger", &vpc)))
        .await
        .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(
        err.to_string().contains("not created by pulumi-orderapi"),
        "{err}"
    );
}

#[test]
fn security_group_replacement_deletes_first() {
    // The replacement keeps the name, which AWS keeps unique per VPC: the old group has to go first.
    let adapter = Adapter::<SecurityGroup>::default();
    let props = |description: &str| -> PropertyMap {
        PropertyMap::from([
            ("name".to_string(), Value::from("app")),
            ("description".to_string(), Value::from(description)),
            ("vpcId".to_string(), Value::from("vpc-1")),
        ])
    };
    let diff = adapter.diff(&props("old"), &props("new"), &[]);
    assert_eq!(diff.replaces, vec!["description"]);
    assert!(diff.delete_before_replace);
    // Reported even without a change here: the engine reads it only when it replaces for another reason
    // (`pulumi up --replace`, the `replaceOnChanges` option), and then the old group must go first too.
    let same = adapter.diff(&props("old"), &props("old"), &[]);
    assert!(same.replaces.is_empty() && same.changed.is_empty() && same.delete_before_replace);
}

#[test]
fn security_group_check_rejects_what_aws_would() {
    let mut bad = raw("sg-web", "vpc-1");
    bad.description = Some("tabs\tare not allowed".into());
    bad.ingress = Some(vec![
        cidrs(rule("tcp", 80, 70000), &["0.0.0.0/0"]),
        cidrs(rule("tcp", 443, 80), &["0.0.0.0/0"]),
        rule("tcp", 22, 22),
        cidrs(rule("gre", 0, 0), &["0.0.0.0/0"]),
        cidrs(rule("tcp", 5432, 5432), &["10.0.0.1/8"]),
        group(rule("-1", 0, 65535), ""),
        cidrs(rule("icmp", -1, 0), &["0.0.0.0/0"]),
        described(cidrs(rule("tcp", 80, 80), &["0.0.0.0/0"]), "a"),
        described(cidrs(rule("tcp", 80, 80), &["0.0.0.0/0"]), "b"),
    ]);
    bad.egress = Some(vec![SecurityGroupRule {
        ipv6_cidr_blocks: Some(vec!["2001:db8::1/32".into()]),
        ..rule("udp", 53, 53)
    }]);
    let failures = SecurityGroup::check(&CheckContext::default(), bad).expect_err("invalid");
    let props: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(
        props,
        vec![
            "name",
            "description",
            "ingress[0].toPort",
            "ingress[1].fromPort",
            "ingress[2]",
            "ingress[3].protocol",
            "ingress[4].cidrBlocks",
            "ingress[5].fromPort",
            "ingress[5].securityGroupId",
            "ingress[6].toPort",
            "ingress[8]",
            "egress[0].ipv6CidrBlocks",
        ],
        "{failures:?}"
    );

    // What AWS accepts in other spellings is normalised to how AWS reports it.
    let ok = SecurityGroup::check(
        &CheckContext {
            name: "tasks".into(),
            random_seed: vec![0xab, 0xcd, 0xef, 0x01],
            ..Default::default()
        },
        SecurityGroupInputs {
            name: None,
            ingress: Some(vec![
                cidrs(rule("all", 0, 0), &["10.0.0.0/16"]),
                SecurityGroupRule {
                    ipv6_cidr_blocks: Some(vec!["2001:DB8:0:0::/64".into()]),
                    ..rule("6", 443, 443)
                },
                cidrs(rule("icmp", 8, 0), &["10.0.0.0/16"]),
            ]),
            egress: Some(vec![]),
            ..raw("unused", "vpc-1")
        },
    )
    .expect("valid");
    assert_eq!(ok.name.as_deref(), Some("tasks-abcdef0"));
    assert_eq!(
        ok.ingress,
        Some(vec![
            cidrs(rule("-1", -1, -1), &["10.0.0.0/16"]),
            cidrs(rule("icmp", 8, 0), &["10.0.0.0/16"]),
            SecurityGroupRule {
                ipv6_cidr_blocks: Some(vec!["2001:db8::/64".into()]),
                ..rule("tcp", 443, 443)
            },
        ])
    );
    assert_eq!(ok.egress, Some(vec![]));
}
