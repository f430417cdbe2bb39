use std::collections::BTreeMap;

use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{Adapter, CheckContext, CustomResource, DynResource};
use orderapi::resources::rds::cluster::{Cluster, ClusterInputs};
use orderapi::resources::rds::live_tags;
use orderapi::rpc::value::{PropertyMap, Value};

use super::ssm_parameter::{assert_conflict, assert_identity, other_resource, replacing};
use crate::moto::Moto;

/// A valid cluster of that identifier with every default (no log exports), as other kinds' tests need one.
pub(crate) fn minimal(id: &str) -> ClusterInputs {
    let mut inputs = raw(id);
    inputs.enabled_cloudwatch_logs_exports = None;
    inputs.tags = None;
    Cluster::check(&CheckContext::default(), inputs).expect("valid cluster")
}

fn raw(id: &str) -> ClusterInputs {
    ClusterInputs {
        cluster_identifier: Some(id.into()),
        engine: None,
        engine_version: None,
        database_name: Some("orders".into()),
        master_username: None,
        manage_master_user_password: None,
        storage_encrypted: None,
        kms_key_id: None,
        backup_retention_period: None,
        preferred_backup_window: None,
        preferred_maintenance_window: None,
        vpc_security_group_ids: None,
        db_subnet_group_name: None,
        deletion_protection: None,
        copy_tags_to_snapshot: None,
        skip_final_snapshot: None,
        enabled_cloudwatch_logs_exports: Some(vec!["slowquery".into(), "error".into()]),
        apply_immediately: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn props(pairs: &[(&str, Value)]) -> PropertyMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

// moto: a cluster is `available` at once (AWS takes minutes), the master user secret ARN is whatever moto
// returns, and final snapshots / deletion protection / log exports are not enforced the way AWS does.
#[tokio::test]
async fn rds_cluster_lifecycle_and_adoption() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = Cluster::check(&CheckContext::default(), raw("orders-aurora")).expect("valid");
    assert_eq!(inputs.backup_retention_period, Some(7));
    assert_eq!(inputs.storage_encrypted, Some(true));
    assert_eq!(
        inputs.enabled_cloudwatch_logs_exports,
        Some(vec!["error".into(), "slowquery".into()])
    );
    let (id, outputs) = Cluster::create(&ctx, &inputs).await.expect("create");
    assert_eq!(id, "orders-aurora");
    assert_eq!(outputs.port, 3306);
    assert!(
        outputs.arn.ends_with(":cluster:orders-aurora"),
        "{}",
        outputs.arn
    );
    assert!(!outputs.endpoint.is_empty());
    assert_identity(
        &ctx,
        &live_tags(&ctx.aws, &outputs.arn).await.expect("tags"),
    );
    let (read, read_out) = Cluster::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
    assert!(!read.tags.expect("tags").contains_key(IDENTITY_TAG));
    assert_eq!(read_out, outputs);

    let mut changed = inputs.clone();
    changed.backup_retention_period = Some(14);
    changed.preferred_backup_window = Some("01:00-01:30".into());
    changed.deletion_protection = Some(false);
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "data".to_string())]));
    let changed = Cluster::check(&CheckContext::default(), changed).expect("valid");
    let updated = Cluster::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    let (read, read_out) = Cluster::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, changed);
    assert_eq!(read_out, updated);

    // The one a replacement replaces is never adopted (identifiers are unique: a conflict); nor is another
    // resource's cluster.
    let err = Cluster::create(&replacing(&ctx, &id), &changed)
        .await
        .expect_err("recorded");
    assert_conflict(&err, &["'orders-aurora'", "replacing"]);
    let err = Cluster::create(&other_resource(&ctx), &changed)
        .await
        .expect_err("other");
    assert_conflict(&err, &["'orders-aurora'", "another Pulumi resource"]);
    // A create whose answer never reached the engine: the same context adopts it and brings it in line.
    let (again, again_out) = Cluster::create(&ctx, &inputs).await.expect("adopt");
    assert_eq!(again, id);
    assert_eq!(again_out.tags_all, outputs.tags_all);
    let (read, _) = Cluster::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
    let all = ctx
        .aws
        .rds
        .describe_db_clusters()
        .send()
        .await
        .expect("list");
    assert_eq!(all.db_clusters().len(), 1, "no duplicate");
    // A cluster made without this provider.
    ctx.aws
        .rds
        .create_db_cluster()
        .db_cluster_identifier("stranger")
        .engine("aurora-mysql")
        .master_username("admin")
        .master_user_password("password123")
        .send()
        .await
        .expect("stranger");
    let stranger = Cluster::check(&CheckContext::default(), raw("stranger")).expect("valid");
    let err = Cluster::create(&ctx, &stranger)
        .await
        .expect_err("stranger");
    assert_conflict(&err, &["'stranger'", "not created by pulumi-orderapi"]);

    Cluster::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    Cluster::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete again");
    assert!(
        Cluster::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
}

/// CopyTagsToSnapshot as DescribeDBClusters reports it.
async fn live_copy_tags(ctx: &orderapi::resource::Context, id: &str) -> Option<bool> {
    ctx.aws
        .rds
        .describe_db_clusters()
        .db_cluster_identifier(id)
        .send()
        .await
        .expect("describe")
        .db_clusters()[0]
        .copy_tags_to_snapshot()
}

#[tokio::test]
async fn rds_cluster_copy_tags_to_snapshot_in_place() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    // Not declared: check leaves it out (absent means false), so states recorded before it existed diff clean.
    assert_eq!(minimal("orders-copy").copy_tags_to_snapshot, None);

    let mut inputs = minimal("orders-copy");
    inputs.copy_tags_to_snapshot = Some(true);
    let inputs = Cluster::check(&CheckContext::default(), inputs).expect("valid");
    let (id, outputs) = Cluster::create(&ctx, &inputs).await.expect("create");
    assert_eq!(live_copy_tags(&ctx, &id).await, Some(true));
    let (read, _) = Cluster::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.copy_tags_to_snapshot, Some(true));
    assert_eq!(read, inputs);

    // Off again: an in-place update.
    let mut off = inputs.clone();
    off.copy_tags_to_snapshot = Some(false);
    let diff = Adapter::<Cluster>::default().diff(&to_props(&inputs), &to_props(&off), &[]);
    assert_eq!(diff.changed, vec!["copyTagsToSnapshot"]);
    assert!(diff.replaces.is_empty(), "{diff:?}");
    let updated = Cluster::update(&ctx, &id, &inputs, &outputs, &off)
        .await
        .expect("update");
    assert_eq!(updated.arn, outputs.arn);
    assert_eq!(live_copy_tags(&ctx, &id).await, Some(false));
    let (read, _) = Cluster::read(&ctx, &id, Some(&off))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, off);
    // Left out by the program (or recorded before the input existed): false reads back as absent, no drift.
    let mut absent = off.clone();
    absent.copy_tags_to_snapshot = None;
    let (read, _) = Cluster::read(&ctx, &id, Some(&absent))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, absent);
    Cluster::delete(&ctx, &id, &off, &updated)
        .await
        .expect("delete");
}

fn to_props(inputs: &ClusterInputs) -> PropertyMap {
    match Value::from_serialize(inputs).expect("encode") {
        Value::Object(m) => m,
        other => panic!("not an object: {other:?}"),
    }
}

#[test]
fn rds_cluster_replace_fields_and_check_failures() {
    let adapter = Adapter::<Cluster>::default();
    let olds = props(&[
        ("clusterIdentifier", "a".into()),
        ("backupRetentionPeriod", Value::Number(7.0)),
    ]);
    let diff = adapter.diff(
        &olds,
        &props(&[
            ("clusterIdentifier", "a".into()),
            ("backupRetentionPeriod", Value::Number(9.0)),
            ("kmsKeyId", "k".into()),
        ]),
        &[],
    );
    assert_eq!(diff.replaces, vec!["kmsKeyId".to_string()]);
    assert!(diff.delete_before_replace);

    let fails = |f: fn(&mut ClusterInputs)| -> Vec<String> {
        let mut i = raw("orders-aurora");
        f(&mut i);
        Cluster::check(&CheckContext::default(), i)
            .expect_err("invalid")
            .into_iter()
            .map(|f| f.property)
            .collect()
    };
    assert_eq!(
        fails(|i| i.cluster_identifier = Some("a--b".into())),
        ["clusterIdentifier"]
    );
    assert_eq!(
        fails(|i| i.cluster_identifier = Some("1abc".into())),
        ["clusterIdentifier"]
    );
    assert_eq!(
        fails(|i| i.engine = Some("aurora-postgresql".into())),
        ["engine"]
    );
    assert_eq!(
        fails(|i| i.engine_version = Some("8.0.36".into())),
        ["engineVersion"]
    );
    assert_eq!(
        fails(|i| i.database_name = Some("1db".into())),
        ["databaseName"]
    );
    assert_eq!(
        fails(|i| i.master_username = Some("a_very_long_username".into())),
        ["masterUsername"]
    );
    assert_eq!(
        fails(|i| i.manage_master_user_password = Some(false)),
        ["manageMasterUserPassword"]
    );
    assert_eq!(
        fails(|i| i.backup_retention_period = Some(36)),
        ["backupRetentionPeriod"]
    );
    assert_eq!(
        fails(|i| i.preferred_backup_window = Some("03:00-03:15".into())),
        ["preferredBackupWindow"]
    );
    assert_eq!(
        fails(|i| i.preferred_maintenance_window = Some("sun:5:00-sun:06:00".into())),
        ["preferredMaintenanceWindow"]
    );
    assert_eq!(
        fails(|i| i.preferred_maintenance_window = Some("wed:03:30-wed:04:30".into())),
        ["preferredMaintenanceWindow"]
    );
    assert_eq!(
        fails(|i| i.enabled_cloudwatch_logs_exports = Some(vec!["postgresql".into()])),
        ["enabledCloudwatchLogsExports"]
    );
    assert_eq!(
        fails(|i| {
            i.storage_encrypted = Some(false);
            i.kms_key_id = Some("alias/x".into())
        }),
        ["kmsKeyId"]
    );
}
