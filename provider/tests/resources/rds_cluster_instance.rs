//! Aurora cluster instances against moto.
//!
//! What moto cannot show (the code handles real AWS anyway): instances are `available` at once (AWS takes
//! minutes; the waits are not exercised); a class change restarts nothing; failover and promotion tiers are stored,
//! never acted on; moto does not enforce Performance Insights retention values or the monitoring role, and does not
//! echo the Performance Insights settings at all (read then keeps the declared ones; AWS always reports them).

use std::collections::BTreeMap;

use orderapi::error::{ErrorClass, classify};
use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{CheckContext, Context, CustomResource};
use orderapi::resources::rds::cluster::{Cluster, ClusterInputs};
use orderapi::resources::rds::cluster_instance::{ClusterInstance, ClusterInstanceInputs};
use orderapi::resources::rds::live_tags;

use super::ssm_parameter::{assert_conflict, assert_identity, other_resource, replacing};
use crate::moto::Moto;

async fn cluster(ctx: &Context, id: &str) -> ClusterInputs {
    let inputs = super::rds_cluster::minimal(id);
    Cluster::create(ctx, &inputs).await.expect("cluster");
    inputs
}

pub(crate) fn raw(id: &str, cluster: &str, zone: &str, tier: i32) -> ClusterInstanceInputs {
    ClusterInstanceInputs {
        identifier: Some(id.into()),
        cluster_identifier: cluster.into(),
        instance_class: "db.r6g.large".into(),
        engine: None,
        availability_zone: Some(zone.into()),
        promotion_tier: Some(tier),
        performance_insights_enabled: None,
        performance_insights_retention_period: None,
        performance_insights_kms_key_id: None,
        monitoring_interval: None,
        monitoring_role_arn: None,
        publicly_accessible: None,
        auto_minor_version_upgrade: None,
        apply_immediately: None,
        ca_certificate_identifier: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

#[tokio::test]
async fn rds_cluster_instance_lifecycle_and_adoption() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    cluster(&ctx, "orders-aurora").await;
    let inputs = ClusterInstance::check(
        &CheckContext::default(),
        raw("orders-writer", "orders-aurora", "us-east-1a", 0),
    )
    .expect("valid");
    assert_eq!(inputs.engine.as_deref(), Some("aurora-mysql"));
    assert_eq!(inputs.performance_insights_enabled, Some(true));
    assert_eq!(inputs.performance_insights_retention_period, Some(7));
    let (id, outputs) = ClusterInstance::create(&ctx, &inputs)
        .await
        .expect("create");
    assert_eq!(id, "orders-writer");
    assert!(
        outputs.arn.ends_with(":db:orders-writer"),
        "{}",
        outputs.arn
    );
    assert!(
        outputs.writer,
        "the first instance of a cluster is its writer"
    );
    assert_eq!(outputs.availability_zone_used, "us-east-1a");
    assert_eq!(outputs.status, "available");
    assert_identity(
        &ctx,
        &live_tags(&ctx.aws, &outputs.arn).await.expect("tags"),
    );
    let (read, read_out) = ClusterInstance::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
    assert!(!read.tags.expect("tags").contains_key(IDENTITY_TAG));
    assert_eq!(read_out, outputs);

    // In place: class, tier, Performance Insights retention, tags.
    let mut changed = inputs.clone();
    changed.instance_class = "db.r6g.xlarge".into();
    changed.promotion_tier = Some(2);
    changed.performance_insights_retention_period = Some(31);
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "data".to_string())]));
    let changed = ClusterInstance::check(&CheckContext::default(), changed).expect("valid");
    let updated = ClusterInstance::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(updated.arn, outputs.arn);
    let (read, _) = ClusterInstance::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.instance_class, "db.r6g.xlarge");
    assert_eq!(read.promotion_tier, Some(2));
    assert_eq!(
        read.tags,
        Some(BTreeMap::from([("Tier".to_string(), "data".to_string())]))
    );
    let live = live_tags(&ctx.aws, &outputs.arn).await.expect("tags");
    assert!(!live.contains_key("Team"), "{live:?}");

    // The one a replacement replaces is never adopted (identifiers are unique: a conflict); nor is another
    // resource's instance.
    let err = ClusterInstance::create(&replacing(&ctx, &id), &changed)
        .await
        .expect_err("recorded");
    assert_conflict(&err, &["'orders-writer'", "replacing"]);
    let err = ClusterInstance::create(&other_resource(&ctx), &changed)
        .await
        .expect_err("other");
    assert_conflict(&err, &["'orders-writer'", "another Pulumi resource"]);
    // A create whose answer never reached the engine (RDS answers the SDK's retry of a lost CreateDBInstance with
    // DBInstanceAlreadyExists, which create_once looks up): the same context adopts it and brings it in line.
    assert_eq!(
        classify("rds", "DBInstanceAlreadyExists"),
        ErrorClass::Exists
    );
    let (again, _) = ClusterInstance::create(&ctx, &inputs).await.expect("adopt");
    assert_eq!(again, id);
    let (read, _) = ClusterInstance::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.instance_class, inputs.instance_class);
    assert_eq!(read.tags, inputs.tags);
    let all = ctx
        .aws
        .rds
        .describe_db_instances()
        .send()
        .await
        .expect("list");
    assert_eq!(all.db_instances().len(), 1, "no duplicate");
    // An instance made without this provider.
    ctx.aws
        .rds
        .create_db_instance()
        .db_instance_identifier("stranger")
        .db_cluster_identifier("orders-aurora")
        .engine("aurora-mysql")
        .db_instance_class("db.r6g.large")
        .send()
        .await
        .expect("stranger");
    let stranger = ClusterInstance::check(
        &CheckContext::default(),
        raw("stranger", "orders-aurora", "us-east-1a", 1),
    )
    .expect("valid");
    let err = ClusterInstance::create(&ctx, &stranger)
        .await
        .expect_err("stranger");
    assert_conflict(&err, &["'stranger'", "not created by pulumi-orderapi"]);
    ctx.aws
        .rds
        .delete_db_instance()
        .db_instance_identifier("stranger")
        .send()
        .await
        .expect("delete stranger");

    ClusterInstance::delete(&ctx, &id, &inputs, &updated)
        .await
        .expect("delete");
    ClusterInstance::delete(&ctx, &id, &inputs, &updated)
        .await
        .expect("delete again");
    assert!(
        ClusterInstance::read(&ctx, &id, Some(&inputs))
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn writer_and_readers_spread_over_three_zones() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    cluster(&ctx, "orders-ha").await;
    let mut created = Vec::new();
    for (name, zone, tier) in [
        ("orders-ha-writer", "us-east-1a", 0),
        ("orders-ha-reader-1", "us-east-1b", 1),
        ("orders-ha-reader-2", "us-east-1c", 1),
    ] {
        let inputs =
            ClusterInstance::check(&CheckContext::default(), raw(name, "orders-ha", zone, tier))
                .expect("valid");
        let (_, out) = ClusterInstance::create(&ctx, &inputs)
            .await
            .expect("create");
        created.push((name, out));
    }
    let writers: Vec<&str> = created
        .iter()
        .filter(|(_, o)| o.writer)
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(writers, vec!["orders-ha-writer"]);
    let zones: Vec<&str> = created
        .iter()
        .map(|(_, o)| o.availability_zone_used.as_str())
        .collect();
    assert_eq!(zones, vec!["us-east-1a", "us-east-1b", "us-east-1c"]);
}

#[tokio::test]
async fn a_missing_cluster_is_an_actionable_error() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = ClusterInstance::check(
        &CheckContext::default(),
        raw("orders-orphan", "no-such-cluster", "us-east-1a", 1),
    )
    .expect("valid");
    let err = ClusterInstance::create(&ctx, &inputs)
        .await
        .expect_err("no cluster");
    assert!(err.to_string().contains("no-such-cluster"), "{err}");
}

#[test]
fn bad_inputs_name_the_property() {
    let ok = raw("orders-writer", "orders-aurora", "us-east-1a", 0);
    let cases: Vec<(ClusterInstanceInputs, &str)> = vec![
        (
            ClusterInstanceInputs {
                identifier: Some("1bad".into()),
                ..ok.clone()
            },
            "identifier",
        ),
        (
            ClusterInstanceInputs {
                identifier: Some("bad--id".into()),
                ..ok.clone()
            },
            "identifier",
        ),
        (
            ClusterInstanceInputs {
                cluster_identifier: "Bad_Cluster".into(),
                ..ok.clone()
            },
            "clusterIdentifier",
        ),
        (
            ClusterInstanceInputs {
                engine: Some("mysql".into()),
                ..ok.clone()
            },
            "engine",
        ),
        (
            ClusterInstanceInputs {
                instance_class: "r6g.large".into(),
                ..ok.clone()
            },
            "instanceClass",
        ),
        (
            ClusterInstanceInputs {
                promotion_tier: Some(16),
                ..ok.clone()
            },
            "promotionTier",
        ),
        (
            ClusterInstanceInputs {
                performance_insights_retention_period: Some(30),
                ..ok.clone()
            },
            "performanceInsightsRetentionPeriod",
        ),
        (
            ClusterInstanceInputs {
                performance_insights_enabled: Some(false),
                performance_insights_retention_period: Some(7),
                ..ok.clone()
            },
            "performanceInsightsEnabled",
        ),
        (
            ClusterInstanceInputs {
                monitoring_interval: Some(7),
                ..ok.clone()
            },
            "monitoringInterval",
        ),
        (
            ClusterInstanceInputs {
                monitoring_interval: Some(60),
                ..ok.clone()
            },
            "monitoringRoleArn",
        ),
        (
            ClusterInstanceInputs {
                availability_zone: Some("US East".into()),
                ..ok.clone()
            },
            "availabilityZone",
        ),
        (
            ClusterInstanceInputs {
                ca_certificate_identifier: Some("my-ca".into()),
                ..ok.clone()
            },
            "caCertificateIdentifier",
        ),
    ];
    for (inputs, property) in cases {
        let failures =
            ClusterInstance::check(&CheckContext::default(), inputs.clone()).expect_err("invalid");
        assert!(
            failures.iter().any(|f| f.property == property),
            "{inputs:?}: expected {property}, got {failures:?}"
        );
    }
    let with_role = ClusterInstanceInputs {
        monitoring_interval: Some(60),
        monitoring_role_arn: Some("arn:aws:iam::123456789012:role/rds-monitoring".into()),
        ..ok
    };
    assert!(ClusterInstance::check(&CheckContext::default(), with_role).is_ok());
}
