//! `orderapi:elbv2:LoadBalancer` against moto.
//!
//! What moto cannot show (and how the code handles real AWS): moto reports a new load balancer `provisioning` and
//! flips it to `active` on the next describe, so the wait for `active` (minutes on AWS) is exercised for one poll
//! only; check cannot know the subnets' availability zones (it counts them and rejects duplicates; AWS, and moto,
//! reject two subnets in one zone at the call); moto deletes a load balancer even with deletion
//! protection on (AWS answers OperationNotPermitted) — the kind checks the attribute itself before deleting, which
//! is what the test shows; and moto removes a deleted load balancer at once, where AWS lists it for a while (the
//! delete waits until DescribeLoadBalancers says LoadBalancerNotFound). moto accepts any access-log bucket: it
//! neither checks that the bucket exists nor its policy (AWS writes a test object and refuses with AccessDenied /
//! InvalidConfigurationRequest), so the bucket here is only a name and the policy hint is unit-tested in the kind.

use std::collections::BTreeMap;

use orderapi::error::ResourceError;
use orderapi::resource::{Adapter, CheckContext, CustomResource, DynResource};
use orderapi::resources::elbv2::load_balancer::{
    LoadBalancer, LoadBalancerAccessLogs, LoadBalancerInputs,
};

use super::ecs_cluster::{other_resource, replacing};
use super::elbv2_support::{assert_owned, failed, network, props, tags};
use crate::moto::Moto;

fn raw(name: &str, subnets: &[String], groups: &[String]) -> LoadBalancerInputs {
    LoadBalancerInputs {
        name: Some(name.into()),
        scheme: None,
        subnets: subnets.iter().rev().cloned().collect(),
        security_groups: Some(groups.to_vec()),
        idle_timeout: None,
        deletion_protection: None,
        http2: None,
        drop_invalid_header_fields: None,
        access_logs: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn checked(inputs: LoadBalancerInputs) -> LoadBalancerInputs {
    LoadBalancer::check(&CheckContext::default(), inputs).expect("valid inputs")
}

#[tokio::test]
async fn elbv2_load_balancer_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = network(&ctx).await;

    let inputs = checked(raw("web-life", &net.subnets[..2], &net.groups[..1]));
    // Defaults applied by check (so read == checked inputs), subnets sorted.
    assert_eq!(inputs.scheme.as_deref(), Some("internet-facing"));
    assert_eq!(inputs.idle_timeout, Some(60));
    assert_eq!(inputs.deletion_protection, Some(false));
    assert_eq!(inputs.http2, Some(true));
    assert_eq!(inputs.drop_invalid_header_fields, Some(false));
    let mut sorted = net.subnets[..2].to_vec();
    sorted.sort();
    assert_eq!(inputs.subnets, sorted);

    let (arn, outputs) = LoadBalancer::create(&ctx, &inputs).await.expect("create");
    assert_eq!(outputs.arn, arn);
    assert!(arn.contains(":loadbalancer/app/web-life/"), "{arn}");
    assert!(
        outputs.arn_suffix.starts_with("app/web-life/"),
        "{}",
        outputs.arn_suffix
    );
    assert!(!outputs.dns_name.is_empty());
    assert!(!outputs.zone_id.is_empty());
    assert_eq!(outputs.vpc_id, net.vpc);
    assert_eq!(outputs.tags_all["Team"], "orders");
    assert_eq!(outputs.tags_all["ManagedBy"], "pulumi-orderapi");
    assert_eq!(
        outputs.tags_all[orderapi::lifecycle::IDENTITY_TAG],
        ctx.identity.as_str()
    );
    assert_owned(&ctx, &arn).await;

    let (read_inputs, read_outputs) = LoadBalancer::read(&ctx, &arn, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // In place: a third subnet, the other security group, every attribute, tags.
    let mut changed = raw("web-life", &net.subnets, &net.groups[1..]);
    changed.idle_timeout = Some(120);
    changed.http2 = Some(false);
    changed.drop_invalid_header_fields = Some(true);
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "edge".to_string())]));
    let changed = checked(changed);
    let diff = Adapter::<LoadBalancer>::default().diff(&props(&inputs), &props(&changed), &[]);
    assert!(diff.replaces.is_empty(), "{diff:?}");
    let updated = LoadBalancer::update(&ctx, &arn, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(updated.arn, arn);
    assert!(!updated.tags_all.contains_key("Team"));
    let (read_inputs, _) = LoadBalancer::read(&ctx, &arn, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, changed);
    let live = tags(&ctx, &arn).await;
    assert_eq!(live.get("Tier").map(String::as_str), Some("edge"));
    assert!(!live.contains_key("Team"));

    // The scheme (and name) cannot change in place: a replacement, deleting first (the name stays).
    let mut internal = changed.clone();
    internal.scheme = Some("internal".into());
    let diff = Adapter::<LoadBalancer>::default().diff(&props(&changed), &props(&internal), &[]);
    assert_eq!(diff.replaces, vec!["scheme"]);
    assert!(diff.delete_before_replace);

    // Deletion protection on: delete refuses with a clear message and the load balancer stays.
    let mut protected = changed.clone();
    protected.deletion_protection = Some(true);
    LoadBalancer::update(&ctx, &arn, &changed, &updated, &protected)
        .await
        .expect("protect");
    let err = LoadBalancer::delete(&ctx, &arn, &protected, &updated)
        .await
        .expect_err("protected");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains("deletion protection")),
        "{err}"
    );
    assert!(
        LoadBalancer::read(&ctx, &arn, Some(&protected))
            .await
            .expect("read")
            .is_some()
    );
    LoadBalancer::update(&ctx, &arn, &protected, &updated, &changed)
        .await
        .expect("unprotect");

    LoadBalancer::delete(&ctx, &arn, &changed, &updated)
        .await
        .expect("delete");
    LoadBalancer::delete(&ctx, &arn, &changed, &updated)
        .await
        .expect("delete again is a no-op");
    assert!(
        LoadBalancer::read(&ctx, &arn, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
}

/// The access-log attributes AWS holds (`enabled`, `bucket`, `prefix`; absent ones empty).
async fn access_log_attributes(ctx: &orderapi::resource::Context, arn: &str) -> [String; 3] {
    let out = ctx
        .aws
        .elbv2
        .describe_load_balancer_attributes()
        .load_balancer_arn(arn)
        .send()
        .await
        .expect("attributes");
    let get = |k: &str| {
        out.attributes()
            .iter()
            .find(|a| a.key() == Some(k))
            .and_then(|a| a.value())
            .unwrap_or_default()
            .to_string()
    };
    [
        get("access_logs.s3.enabled"),
        get("access_logs.s3.bucket"),
        get("access_logs.s3.prefix"),
    ]
}

fn access_logs(prefix: Option<&str>, enabled: Option<bool>) -> Option<LoadBalancerAccessLogs> {
    Some(LoadBalancerAccessLogs {
        bucket: "orders-alb-logs".into(),
        prefix: prefix.map(str::to_string),
        enabled,
    })
}

#[tokio::test]
async fn elbv2_load_balancer_access_logs() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = network(&ctx).await;

    // Created with access logs (enabled defaults to true).
    let mut raw_inputs = raw("web-logs", &net.subnets[..2], &net.groups[..1]);
    raw_inputs.access_logs = access_logs(Some("web"), None);
    let inputs = checked(raw_inputs);
    assert_eq!(inputs.access_logs, access_logs(Some("web"), Some(true)));
    let (arn, outputs) = LoadBalancer::create(&ctx, &inputs).await.expect("create");
    assert_eq!(
        access_log_attributes(&ctx, &arn).await,
        ["true", "orders-alb-logs", "web"].map(String::from)
    );
    let (read, _) = LoadBalancer::read(&ctx, &arn, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, inputs);
    // Import (no prior inputs) sees them too.
    let (imported, _) = LoadBalancer::read(&ctx, &arn, None)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(imported.access_logs, inputs.access_logs);

    // Another prefix: in place.
    let mut moved = inputs.clone();
    moved.access_logs = access_logs(Some("web/v2"), Some(true));
    let diff = Adapter::<LoadBalancer>::default().diff(&props(&inputs), &props(&moved), &[]);
    assert_eq!(diff.changed, vec!["accessLogs"]);
    assert!(diff.replaces.is_empty(), "{diff:?}");
    let updated = LoadBalancer::update(&ctx, &arn, &inputs, &outputs, &moved)
        .await
        .expect("update prefix");
    assert_eq!(
        access_log_attributes(&ctx, &arn).await[2],
        "web/v2".to_string()
    );
    let (read, _) = LoadBalancer::read(&ctx, &arn, Some(&moved))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, moved);

    // Switched off but kept declared: AWS turns them off, read keeps the declaration.
    let mut paused = moved.clone();
    paused.access_logs = access_logs(Some("web/v2"), Some(false));
    LoadBalancer::update(&ctx, &arn, &moved, &updated, &paused)
        .await
        .expect("disable");
    assert_eq!(access_log_attributes(&ctx, &arn).await[0], "false");
    let (read, _) = LoadBalancer::read(&ctx, &arn, Some(&paused))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, paused);

    // Removed: off, and read (refresh) gives no accessLogs back.
    let mut removed = paused.clone();
    removed.access_logs = None;
    LoadBalancer::update(&ctx, &arn, &paused, &updated, &removed)
        .await
        .expect("remove");
    assert_eq!(access_log_attributes(&ctx, &arn).await[0], "false");
    let (read, _) = LoadBalancer::read(&ctx, &arn, Some(&removed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read, removed);

    // Turned on outside Pulumi: refresh shows the drift, the next update turns them off again.
    ctx.aws
        .elbv2
        .modify_load_balancer_attributes()
        .load_balancer_arn(&arn)
        .attributes(
            aws_sdk_elasticloadbalancingv2::types::LoadBalancerAttribute::builder()
                .key("access_logs.s3.enabled")
                .value("true")
                .build(),
        )
        .attributes(
            aws_sdk_elasticloadbalancingv2::types::LoadBalancerAttribute::builder()
                .key("access_logs.s3.bucket")
                .value("someone-elses-logs")
                .build(),
        )
        .send()
        .await
        .expect("drift");
    let (drifted, _) = LoadBalancer::read(&ctx, &arn, Some(&removed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        drifted.access_logs.map(|l| l.bucket),
        Some("someone-elses-logs".to_string())
    );
    LoadBalancer::update(&ctx, &arn, &removed, &updated, &removed)
        .await
        .expect("put back");
    assert_eq!(access_log_attributes(&ctx, &arn).await[0], "false");

    LoadBalancer::delete(&ctx, &arn, &removed, &updated)
        .await
        .expect("delete");
}

#[tokio::test]
async fn elbv2_load_balancer_adoption() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = network(&ctx).await;
    let inputs = checked(raw("web-adopt", &net.subnets[..2], &net.groups[..1]));
    let (arn, _) = LoadBalancer::create(&ctx, &inputs).await.expect("create");

    // The engine never recorded the first create (its answer was lost): the same create adopts the same load
    // balancer and brings it in line (here: the other security group, idle timeout and tags).
    let mut retried = raw("web-adopt", &net.subnets[..2], &net.groups[1..]);
    retried.idle_timeout = Some(30);
    retried.tags = Some(BTreeMap::from([("Tier".to_string(), "edge".to_string())]));
    let retried = checked(retried);
    let (again, _) = LoadBalancer::create(&ctx, &retried).await.expect("adopt");
    assert_eq!(again, arn);
    assert_owned(&ctx, &arn).await;
    let (read_inputs, _) = LoadBalancer::read(&ctx, &arn, Some(&retried))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, retried);
    let listed = ctx
        .aws
        .elbv2
        .describe_load_balancers()
        .send()
        .await
        .expect("list");
    assert_eq!(listed.load_balancers().len(), 1, "no duplicate");

    // The load balancer the engine records (a replacement) is never adopted: names are unique, a conflict.
    let err = LoadBalancer::create(&replacing(&ctx, &arn), &retried)
        .await
        .expect_err("recorded");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains("deleteBeforeReplace") && m.contains("'web-adopt'")),
        "{err}"
    );
    // Made for another Pulumi resource: a conflict.
    let err = LoadBalancer::create(&other_resource(&ctx), &retried)
        .await
        .expect_err("another resource's");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains("another Pulumi resource") && m.contains("'web-adopt'")),
        "{err}"
    );

    // A stranger's load balancer with the name is a conflict too.
    ctx.aws
        .elbv2
        .create_load_balancer()
        .name("web-stranger")
        .subnets(&net.subnets[0])
        .subnets(&net.subnets[1])
        .send()
        .await
        .expect("stranger");
    let err = LoadBalancer::create(
        &ctx,
        &checked(raw("web-stranger", &net.subnets[..2], &net.groups[..1])),
    )
    .await
    .expect_err("stranger");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains("not created by pulumi-orderapi") && m.contains("'web-stranger'")),
        "{err}"
    );
}

#[test]
fn elbv2_load_balancer_check_failures_name_the_property() {
    let subnets = vec!["subnet-1".to_string(), "subnet-2".to_string()];
    let groups = vec!["sg-1".to_string()];
    let check = |i: LoadBalancerInputs| LoadBalancer::check(&CheckContext::default(), i);

    assert_eq!(
        failed(check(raw(&"a".repeat(33), &subnets, &groups))),
        vec!["name"]
    );
    assert_eq!(failed(check(raw("-web", &subnets, &groups))), vec!["name"]);
    assert_eq!(
        failed(check(raw("internal-web", &subnets, &groups))),
        vec!["name"]
    );
    assert_eq!(failed(check(raw("web_1", &subnets, &groups))), vec!["name"]);
    assert_eq!(
        failed(check(raw("web", &subnets[..1], &groups))),
        vec!["subnets"]
    );
    let dup = vec!["subnet-1".to_string(), "subnet-1".to_string()];
    assert_eq!(failed(check(raw("web", &dup, &groups))), vec!["subnets"]);
    let mut i = raw("web", &subnets, &groups);
    i.scheme = Some("public".into());
    i.idle_timeout = Some(4001);
    assert_eq!(failed(check(i)), vec!["scheme", "idleTimeout"]);
    let mut i = raw("web", &subnets, &groups);
    i.idle_timeout = Some(0);
    assert_eq!(failed(check(i)), vec!["idleTimeout"]);
    let six: Vec<String> = (0..6).map(|n| format!("sg-{n}")).collect();
    assert_eq!(
        failed(check(raw("web", &subnets, &six))),
        vec!["securityGroups"]
    );

    // Access logs: an S3 bucket name, and a prefix AWS accepts.
    for (bucket, prefix) in [
        ("Orders_Logs", None),
        ("s3://orders-logs", None),
        ("orders-logs", Some("/web")),
        ("orders-logs", Some("web/")),
        ("orders-logs", Some("web/AWSLogs")),
    ] {
        let mut i = raw("web", &subnets, &groups);
        i.access_logs = Some(LoadBalancerAccessLogs {
            bucket: bucket.into(),
            prefix: prefix.map(str::to_string),
            enabled: None,
        });
        assert_eq!(failed(check(i)), vec!["accessLogs"], "{bucket} {prefix:?}");
    }
    // An empty prefix is no prefix.
    let mut i = raw("web", &subnets, &groups);
    i.access_logs = Some(LoadBalancerAccessLogs {
        bucket: "orders-logs".into(),
        prefix: Some(String::new()),
        enabled: Some(false),
    });
    let ok = check(i).expect("valid");
    assert_eq!(ok.access_logs.and_then(|l| l.prefix), None);

    // An autoname obeys the charset and the 32-character limit.
    let ctx = CheckContext {
        name: "orders_public_load_balancer_production".into(),
        random_seed: vec![0xab, 0xcd, 0xef, 0x01],
        prior_name: None,
    };
    let mut i = raw("x", &subnets, &groups);
    i.name = None;
    let named = LoadBalancer::check(&ctx, i).expect("valid");
    let name = named.name.expect("autonamed");
    assert!(name.len() <= 32 && !name.contains('_'), "{name}");
}
