//! `orderapi:ec2:FlowLog` against moto.
//!
//! What moto cannot show (and how the code handles real AWS): moto does not check the delivery role at all (any
//! ARN passes; AWS refuses a role it cannot assume) nor the log format's fields (AWS refuses unknown fields), and
//! ignores ClientToken; it reports a missing log group only as `DeliverLogsStatus: FAILED` ("Access error"), as AWS
//! does later when delivery fails — the kind warns then. moto refuses a second flow log of the same resource and
//! log group whatever the rest of its settings (`FlowLogAlreadyExists`, which AWS documents as "the same
//! configuration and log destination" without saying which settings count); the kind therefore replaces such a
//! flow log delete-first, and create-first only when the resource or the log group changes. No flow log records
//! are ever written, and no per-item `Unsuccessful` failure of CloudWatch Logs delivery is produced (moto only
//! lists missing S3 buckets there), so that path is covered by reading the code, not here.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use aws_sdk_ec2::types::{FlowLogsResourceType, LogDestinationType, ResourceType, Tag};
use orderapi::error::ResourceError;
use orderapi::lifecycle::IDENTITY_TAG;
use orderapi::resource::{
    Adapter, CheckContext, Context, CustomResource, Diagnostics, DynResource, Severity,
};
use orderapi::resources::ec2::flow_log::{DEFAULT_LOG_FORMAT, FlowLog, FlowLogInputs};
use orderapi::resources::ec2::{filter, tag_spec};
use orderapi::rpc::value::{PropertyMap, Value};

use super::ec2_identity as identity;
use super::elbv2_support::{failed, props};
use crate::moto::Moto;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"vpc-flow-logs.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// What a flow log needs, made with the SDK: a VPC with a subnet, two log groups and the delivery role.
struct Prereqs {
    vpc: String,
    subnet: String,
    role: String,
}

async fn prereqs(ctx: &Context, cidr: &str, groups: &[&str]) -> Prereqs {
    let ec2 = &ctx.aws.ec2;
    let vpc = ec2
        .create_vpc()
        .cidr_block(cidr)
        .send()
        .await
        .expect("vpc")
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block(cidr.replace("/16", "/24"))
        .send()
        .await
        .expect("subnet")
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("subnet id")
        .to_string();
    for group in groups {
        ctx.aws
            .logs
            .create_log_group()
            .log_group_name(*group)
            .send()
            .await
            .expect("log group");
    }
    let role = ctx
        .aws
        .iam
        .create_role()
        .role_name(format!("flow-logs-{}", &vpc[4..]))
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect("role")
        .role()
        .map(|r| r.arn().to_string())
        .expect("role arn");
    Prereqs { vpc, subnet, role }
}

fn raw(name: &str, resource: &str, group: &str, role: &str) -> FlowLogInputs {
    FlowLogInputs {
        name: Some(name.into()),
        resource_id: resource.into(),
        resource_type: None,
        traffic_type: None,
        log_group_name: group.into(),
        deliver_logs_permission_arn: role.into(),
        max_aggregation_interval: None,
        log_format: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn checked(inputs: FlowLogInputs) -> FlowLogInputs {
    FlowLog::check(&CheckContext::default(), inputs).expect("valid inputs")
}

/// The flow logs of `resource`, by ID.
async fn flow_logs_of(ctx: &Context, resource: &str) -> BTreeSet<String> {
    ctx.aws
        .ec2
        .describe_flow_logs()
        .filter(filter("resource-id", resource))
        .send()
        .await
        .expect("describe")
        .flow_logs()
        .iter()
        .filter_map(|f| f.flow_log_id().map(str::to_string))
        .collect()
}

fn diff(old: &FlowLogInputs, new: &FlowLogInputs) -> orderapi::resource::DiffResult {
    let olds: PropertyMap = props(old);
    Adapter::<FlowLog>::default().diff(&olds, &props(new), &[])
}

#[tokio::test]
async fn ec2_flow_log_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = prereqs(&ctx, "10.80.0.0/16", &["/vpc/flow-a", "/vpc/flow-b"]).await;
    let inputs = checked(raw("fl-test-life", &net.vpc, "/vpc/flow-a", &net.role));
    // Defaults applied by check (so read == checked inputs); no format declared.
    assert_eq!(inputs.resource_type.as_deref(), Some("VPC"));
    assert_eq!(inputs.traffic_type.as_deref(), Some("ALL"));
    assert_eq!(inputs.max_aggregation_interval, Some(600));
    assert_eq!(inputs.log_format, None);

    let (id, outputs) = FlowLog::create(&ctx, &inputs).await.expect("create");
    assert!(id.starts_with("fl-"), "{id}");
    assert_eq!(outputs.flow_log_id, id);
    assert_eq!(
        outputs.arn,
        format!("arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/{id}")
    );
    assert_eq!(outputs.tags_all["Name"], "fl-test-life");
    assert_eq!(outputs.tags_all["Team"], "orders");
    assert_eq!(outputs.tags_all[IDENTITY_TAG], ctx.identity.as_str());
    identity::assert_identity(&ctx, &id).await;
    let live = ctx
        .aws
        .ec2
        .describe_flow_logs()
        .flow_log_ids(&id)
        .send()
        .await
        .expect("describe");
    let live = &live.flow_logs()[0];
    assert_eq!(
        live.log_destination_type(),
        Some(&LogDestinationType::CloudWatchLogs)
    );
    assert_eq!(live.log_format(), Some(DEFAULT_LOG_FORMAT));
    assert_eq!(live.deliver_logs_status(), Some("SUCCESS"));

    // Read gives back exactly the declared inputs: no drift, and the diff against them is empty.
    let (read_inputs, read_outputs) = FlowLog::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);
    assert!(diff(&inputs, &read_inputs).changed.is_empty());
    // Import (no prior inputs) reads the same declaration.
    let (imported, _) = FlowLog::read(&ctx, &id, None)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(imported, inputs);

    // In place: the name and the tags.
    let mut changed = inputs.clone();
    changed.name = Some("fl-test-renamed".into());
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "audit".to_string())]));
    let d = diff(&inputs, &changed);
    assert_eq!(d.changed, vec!["name", "tags"]);
    assert!(d.replaces.is_empty(), "{d:?}");
    let updated = FlowLog::update(&ctx, &id, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(updated.flow_log_id, id);
    assert_eq!(updated.tags_all["Name"], "fl-test-renamed");
    assert!(!updated.tags_all.contains_key("Team"));
    let (after, after_outputs) = FlowLog::read(&ctx, &id, Some(&changed))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after, changed);
    assert_eq!(after_outputs, updated);
    assert_eq!(
        identity::live_tags(&ctx, &id)
            .await
            .get("Tier")
            .map(String::as_str),
        Some("audit")
    );

    // Everything else replaces. Same resource and log group: EC2 (and moto) refuse a duplicate, so the old one goes
    // first; another log group (or resource) can coexist, so the new one is created first.
    let mut traffic = changed.clone();
    traffic.traffic_type = Some("REJECT".into());
    let d = diff(&changed, &traffic);
    assert_eq!(d.replaces, vec!["trafficType"]);
    assert!(d.delete_before_replace, "{d:?}");
    let mut regrouped = changed.clone();
    regrouped.log_group_name = "/vpc/flow-b".into();
    regrouped.max_aggregation_interval = Some(60);
    let d = diff(&changed, &regrouped);
    assert_eq!(d.replaces, vec!["logGroupName", "maxAggregationInterval"]);
    assert!(!d.delete_before_replace, "{d:?}");
    for (key, value) in [
        (
            "deliverLogsPermissionArn",
            "arn:aws:iam::123456789012:role/other",
        ),
        ("logFormat", "${srcaddr} ${dstaddr}"),
        ("resourceType", "Subnet"),
    ] {
        let mut m = props(&changed);
        m.insert(key.into(), value.into());
        let d = Adapter::<FlowLog>::default().diff(&props(&changed), &m, &[]);
        assert_eq!(d.replaces, vec![key], "{key}");
    }

    // Delete, then delete again (InvalidFlowLogId.NotFound is success); nothing is left.
    FlowLog::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("delete");
    FlowLog::delete(&ctx, &id, &changed, &updated)
        .await
        .expect("second delete is a no-op");
    assert!(
        FlowLog::read(&ctx, &id, Some(&changed))
            .await
            .expect("read")
            .is_none()
    );
    assert!(flow_logs_of(&ctx, &net.vpc).await.is_empty());
}

#[tokio::test]
async fn ec2_flow_log_of_a_subnet_with_a_custom_format() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = prereqs(&ctx, "10.81.0.0/16", &["/vpc/flow-subnet"]).await;
    let mut raw = raw("fl-test-subnet", &net.subnet, "/vpc/flow-subnet", &net.role);
    raw.resource_type = Some("Subnet".into());
    raw.traffic_type = Some("REJECT".into());
    raw.max_aggregation_interval = Some(60);
    raw.log_format = Some("${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action}".into());
    raw.tags = None;
    let inputs = checked(raw);
    let (id, outputs) = FlowLog::create(&ctx, &inputs).await.expect("create");
    let (read_inputs, read_outputs) = FlowLog::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);
    FlowLog::delete(&ctx, &id, &inputs, &outputs)
        .await
        .expect("delete");
    assert!(flow_logs_of(&ctx, &net.subnet).await.is_empty());
}

/// Collects warnings.
#[derive(Default)]
struct Warnings(Mutex<Vec<String>>);

impl Diagnostics for Warnings {
    fn log(&self, severity: Severity, _: &str, message: String, _: bool) {
        if severity == Severity::Warning
            && let Ok(mut w) = self.0.lock()
        {
            w.push(message);
        }
    }
}

#[tokio::test]
async fn ec2_flow_log_to_a_missing_log_group_warns_that_it_cannot_deliver() {
    let moto = Moto::start().await;
    let base = moto.ctx().await;
    let net = prereqs(&base, "10.82.0.0/16", &[]).await;
    let warnings = Arc::new(Warnings::default());
    let ctx = base.clone().with_diagnostics(warnings.clone());
    // EC2 accepts a flow log to a log group that does not exist and reports the failed delivery afterwards.
    let inputs = checked(raw("fl-test-nogroup", &net.vpc, "/vpc/missing", &net.role));
    let (id, outputs) = FlowLog::create(&ctx, &inputs).await.expect("create");
    let said = warnings.0.lock().expect("warnings").join("\n");
    assert!(
        said.contains(&id) && said.contains("/vpc/missing") && said.contains("must exist"),
        "{said}"
    );
    FlowLog::delete(&ctx, &id, &inputs, &outputs)
        .await
        .expect("delete");
}

#[tokio::test]
async fn ec2_flow_log_create_adopts_only_its_unrecorded_leftover_and_refuses_others() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = prereqs(&ctx, "10.83.0.0/16", &["/vpc/flow-a", "/vpc/flow-b"]).await;
    let inputs = checked(raw("fl-test-adopt", &net.vpc, "/vpc/flow-a", &net.role));
    // A crash (or a lost answer) right after CreateFlowLogs: the flow log exists with this resource's identity, but
    // the engine never recorded it. Meanwhile a tag drifted.
    let (orphan, first) = FlowLog::create(&ctx, &inputs).await.expect("first create");
    ctx.aws
        .ec2
        .create_tags()
        .resources(&orphan)
        .tags(Tag::builder().key("Team").value("stale").build())
        .send()
        .await
        .expect("drift");
    let (adopted, second) = FlowLog::create(&ctx, &inputs)
        .await
        .expect("retried create");
    assert_eq!(
        adopted, orphan,
        "the retried create must adopt, not duplicate"
    );
    assert_eq!(second, first);
    assert_eq!(
        flow_logs_of(&ctx, &net.vpc).await,
        BTreeSet::from([orphan.clone()])
    );
    let (read_inputs, _) = FlowLog::read(&ctx, &orphan, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs, "tags brought in line");

    // The flow log the engine records is never adopted. A replacement to the same log group would be a duplicate
    // EC2 refuses: a conflict that says so (the diff deletes first in that case, see the lifecycle test).
    let err = FlowLog::create(&identity::replacing(&ctx, &orphan), &inputs)
        .await
        .expect_err("duplicate of the recorded flow log");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains(&orphan) && m.contains("deleteBeforeReplace")),
        "{err}"
    );
    // A replacement to another log group is created beside it (create-first), then the old one is deleted.
    let mut regrouped = inputs.clone();
    regrouped.log_group_name = "/vpc/flow-b".into();
    let (replacement, _) = FlowLog::create(&identity::replacing(&ctx, &orphan), &regrouped)
        .await
        .expect("replacement");
    assert_ne!(replacement, orphan);
    identity::assert_identity(&ctx, &replacement).await;
    FlowLog::delete(&ctx, &orphan, &inputs, &first)
        .await
        .expect("delete the replaced one");
    assert_eq!(
        flow_logs_of(&ctx, &net.vpc).await,
        BTreeSet::from([replacement.clone()])
    );

    // Another Pulumi resource's flow log with the same name is a conflict that names it.
    let err = FlowLog::create(&identity::other_resource(&ctx), &regrouped)
        .await
        .expect_err("another resource's flow log");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains(&replacement) && m.contains("another Pulumi resource")),
        "{err}"
    );

    // A flow log with the same name that we do not own is a conflict, not adopted.
    let stranger = ctx
        .aws
        .ec2
        .create_flow_logs()
        .resource_type(FlowLogsResourceType::Subnet)
        .resource_ids(&net.subnet)
        .log_group_name("/vpc/flow-a")
        .deliver_logs_permission_arn(&net.role)
        .tag_specifications(tag_spec(
            ResourceType::VpcFlowLog,
            &BTreeMap::from([("Name".to_string(), "fl-test-stranger".to_string())]),
        ))
        .send()
        .await
        .expect("stranger");
    let stranger = stranger.flow_log_ids()[0].clone();
    let err = FlowLog::create(
        &identity::resource(&ctx, "stranger"),
        &checked(raw("fl-test-stranger", &net.vpc, "/vpc/flow-a", &net.role)),
    )
    .await
    .expect_err("conflict");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains(&stranger) && m.contains("not created by pulumi-orderapi")),
        "{err}"
    );
    // A stranger's flow log of the same resource and log group under another name: EC2's duplicate refusal,
    // explained by the flow log in the way.
    let mut same_subnet = raw("fl-test-other", &net.subnet, "/vpc/flow-a", &net.role);
    same_subnet.resource_type = Some("Subnet".into());
    let err = FlowLog::create(
        &identity::resource(&ctx, "stranger-2"),
        &checked(same_subnet),
    )
    .await
    .expect_err("duplicate of a stranger's flow log");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains(&stranger) && m.contains("not created by pulumi-orderapi")),
        "{err}"
    );
}

#[test]
fn ec2_flow_log_check_refuses_what_aws_would() {
    const ROLE: &str = "arn:aws:iam::123456789012:role/flow-logs";
    let check = |i: FlowLogInputs| FlowLog::check(&CheckContext::default(), i);
    let base = || raw("fl-x", "vpc-0abc", "/vpc/flow", ROLE);
    assert!(check(base()).is_ok());

    // The resource ID must be of the resource type (default VPC), and the message says which type fits.
    let subnet = check(raw("fl-x", "subnet-0abc", "/vpc/flow", ROLE)).expect_err("subnet as a VPC");
    assert_eq!(subnet[0].property, "resourceId");
    assert!(
        subnet[0].reason.contains("set resourceType Subnet"),
        "{}",
        subnet[0].reason
    );
    let mut eni = raw("fl-x", "eni-0abc", "/vpc/flow", ROLE);
    eni.resource_type = Some("NetworkInterface".into());
    assert!(check(eni).is_ok());
    let mut tgw = base();
    tgw.resource_type = Some("TransitGateway".into());
    assert_eq!(failed(check(tgw)), vec!["resourceType"]);

    let mut i = base();
    i.traffic_type = Some("all".into());
    i.max_aggregation_interval = Some(300);
    assert_eq!(
        failed(check(i)),
        vec!["trafficType", "maxAggregationInterval"]
    );
    assert_eq!(
        failed(check(raw("fl-x", "vpc-0abc", "aws/flow", ROLE))),
        vec!["logGroupName"]
    );
    assert_eq!(
        failed(check(raw("fl-x", "vpc-0abc", "/vpc/flow", ""))),
        vec!["deliverLogsPermissionArn"]
    );
    for not_a_role in [
        "arn:aws:iam::123456789012:user/flow-logs",
        "arn:aws:iam::123:role/flow-logs",
        "arn:aws:logs:us-east-1:123456789012:log-group:/vpc/flow",
        "flow-logs",
    ] {
        assert_eq!(
            failed(check(raw("fl-x", "vpc-0abc", "/vpc/flow", not_a_role))),
            vec!["deliverLogsPermissionArn"],
            "{not_a_role}"
        );
    }
    for format in [
        "",
        "${srcaddr},${dstaddr}",
        "${srcaddr} $dstaddr",
        "${srcaddr} ${srcaddr}",
    ] {
        let mut i = base();
        i.log_format = Some(format.into());
        assert_eq!(failed(check(i)), vec!["logFormat"], "{format:?}");
    }
    let mut i = base();
    i.name = Some(String::new());
    i.tags = Some(BTreeMap::from([("Name".to_string(), "y".to_string())]));
    assert_eq!(failed(check(i)), vec!["name", "tags"]);

    // At preview the VPC, the log group and the role are other resources' outputs: the known properties' rules
    // apply, the rest waits. (Defaults are not filled in then: the adapter takes them only from a check that
    // passes with stand-ins, and "" / "x" are no VPC ID or role ARN; `up` checks again with the values.)
    let adapter = Adapter::<FlowLog>::default();
    let preview = |traffic: &str| {
        let news: PropertyMap = [
            ("name", Value::from("fl-x")),
            ("resourceId", Value::Unknown),
            ("logGroupName", Value::Unknown),
            ("deliverLogsPermissionArn", Value::Unknown),
            ("trafficType", Value::from(traffic)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        adapter.check(&CheckContext::default(), news)
    };
    let ok = preview("ALL");
    assert!(ok.failures.is_empty(), "{:?}", ok.failures);
    assert_eq!(ok.inputs.get("resourceId"), Some(&Value::Unknown));
    let bad = preview("SOME");
    assert_eq!(
        bad.failures
            .iter()
            .map(|f| f.property.as_str())
            .collect::<Vec<_>>(),
        vec!["trafficType"]
    );

    // Unnamed: an autoname.
    let mut i = base();
    i.name = None;
    let ctx = CheckContext {
        name: "vpc-flow".into(),
        random_seed: vec![1, 2, 3, 4],
        prior_name: None,
    };
    let named = FlowLog::check(&ctx, i).expect("valid");
    assert!(
        named
            .name
            .as_deref()
            .is_some_and(|n| n.starts_with("vpc-flow-")),
        "{:?}",
        named.name
    );
}
