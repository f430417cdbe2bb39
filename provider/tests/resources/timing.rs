//! The provider's waits under AWS-like timing: moto with the emulator's timing model on (`emulator/timing.py`,
//! `scale=0.01`: a NAT gateway is `pending` for 1.2 s, an ALB `provisioning` 1.8 s, an Aurora cluster `creating`
//! 3 s, an instance 6 s, an ECS deployment `IN_PROGRESS` 1.2 s, ...). Each create and delete is shown to wait: the
//! engine is told the pending state (status lines), the call returns only once AWS reports the object usable (or
//! gone), and no sooner than the scaled duration. A create whose object stays pending (`stuck`) past the
//! operation's timeout fails naming the wait and the `customTimeouts` option, with partial state (the id) for the
//! engine to record; the update the engine sends on the next `up` continues the wait and completes the outputs.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orderapi::error::ResourceError;
use orderapi::resource::{
    Adapter, CheckContext, Context, CustomResource, Diagnostics, DynResource, Severity,
};
use orderapi::resources::ec2::elastic_ip::{ElasticIp, ElasticIpInputs};
use orderapi::resources::ec2::nat_gateway::{NatGateway, NatGatewayInputs, NatGatewayOutputs};
use orderapi::resources::ecs::service::{Service, ServiceInputs, ServiceOutputs};
use orderapi::resources::elbv2::load_balancer::{
    LoadBalancer, LoadBalancerInputs, LoadBalancerOutputs,
};
use orderapi::resources::rds::cluster::{Cluster, ClusterInputs, ClusterOutputs};
use orderapi::resources::rds::cluster_instance::{
    ClusterInstance, ClusterInstanceInputs, ClusterInstanceOutputs,
};
use tokio_util::sync::CancellationToken;

use super::ecs_cluster::to_props;
use super::elbv2_support::network;
use crate::moto::Moto;

/// The scale every test here runs at: AWS's typical durations (emulator/timing.py `REAL_SECONDS`) × 0.01.
const SCALE: &str = "scale=0.01";
const NAT_CREATE: Duration = Duration::from_millis(1200);
const NAT_DELETE: Duration = Duration::from_millis(600);
const ALB_CREATE: Duration = Duration::from_millis(1800);
const ALB_DELETE: Duration = Duration::from_millis(300);
const CLUSTER_CREATE: Duration = Duration::from_millis(3000);
const CLUSTER_DELETE: Duration = Duration::from_millis(1200);
const INSTANCE_CREATE: Duration = Duration::from_millis(6000);
const INSTANCE_DELETE: Duration = Duration::from_millis(3000);
const SERVICE_DEPLOY: Duration = Duration::from_millis(1200);
const SERVICE_DRAIN: Duration = Duration::from_millis(600);
/// The operation timeout of the `stuck` tests: long enough for the prerequisites' own waits, far shorter than
/// forever.
const SHORT: Duration = Duration::from_secs(3);

/// Status lines the provider sends to the engine while it waits.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Diagnostics for Recorder {
    fn log(&self, _: Severity, _: &str, message: String, ephemeral: bool) {
        if ephemeral && let Ok(mut lines) = self.0.lock() {
            lines.push(message);
        }
    }
}

impl Recorder {
    fn lines(&self) -> Vec<String> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn clear(&self) {
        if let Ok(mut lines) = self.0.lock() {
            lines.clear();
        }
    }

    /// Asserts that some status line says the provider waited for `what` in state `state`.
    fn assert_waited(&self, what: &str, state: &str) {
        let lines = self.lines();
        assert!(
            lines
                .iter()
                .any(|l| l.contains(what) && l.contains(&format!("({state}"))),
            "no status line waiting for {what} in state {state}: {lines:?}"
        );
    }
}

/// The context of Pulumi resource `name` with `timeout`, its status lines going to the returned recorder.
fn context(moto_ctx: &Context, name: &str, timeout: Duration) -> (Context, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    let ctx = Context::new(
        moto_ctx.aws.clone(),
        format!("urn:pulumi:test::test::orderapi:test:T::{name}"),
        timeout,
        CancellationToken::new(),
    )
    .with_diagnostics(recorder.clone());
    (ctx, recorder)
}

/// Times `fut`, asserting it took at least `at_least` (the scaled duration of what it waits for).
async fn timed<T>(what: &str, at_least: Duration, fut: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let out = fut.await;
    let took = started.elapsed();
    assert!(
        took >= at_least,
        "{what} returned after {took:?}, before the emulated {at_least:?}: it did not wait"
    );
    out
}

/// The partial state a failed create reports: the id and the outputs the engine records.
fn partial<O: serde::de::DeserializeOwned>(err: ResourceError) -> (String, O, ResourceError) {
    match err {
        ResourceError::Partial {
            id,
            outputs,
            source,
        } => (
            id,
            serde_json::from_value(outputs).expect("partial outputs decode"),
            *source,
        ),
        other => panic!("expected partial state, got {other:?}"),
    }
}

/// Asserts that `err` is the timeout of the wait for `what`, telling the user what to do.
fn assert_timeout(err: &ResourceError, what: &str) {
    let message = err.to_string();
    assert!(
        matches!(err, ResourceError::Timeout { .. }),
        "expected a timeout, got {err:?}"
    );
    assert!(
        message.contains(what)
            && message.contains("customTimeouts")
            && message.contains("pulumi up"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------------------------
// NAT gateways

/// A subnet of a VPC with an internet gateway, and an Elastic IP made by the ElasticIp kind.
async fn nat_prereqs(ctx: &Context, cidr: &str) -> (String, String) {
    let ec2 = &ctx.aws.ec2;
    let vpc = ec2.create_vpc().cidr_block(cidr).send().await.expect("vpc");
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).expect("vpc id");
    let igw = ec2.create_internet_gateway().send().await.expect("igw");
    let igw_id = igw
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .expect("igw id");
    ec2.attach_internet_gateway()
        .internet_gateway_id(igw_id)
        .vpc_id(vpc_id)
        .send()
        .await
        .expect("attach");
    let subnet = ec2
        .create_subnet()
        .vpc_id(vpc_id)
        .cidr_block(cidr.replace("0.0/16", "1.0/24"))
        .send()
        .await
        .expect("subnet");
    let subnet_id = subnet
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("subnet id")
        .to_string();
    let eip = ElasticIp::check(
        &CheckContext::default(),
        ElasticIpInputs {
            name: Some(format!("eip-{subnet_id}")),
            tags: None,
        },
    )
    .expect("valid eip");
    let (eip_ctx, _) = context(ctx, &format!("eip-{subnet_id}"), Duration::from_secs(60));
    let (allocation, _) = ElasticIp::create(&eip_ctx, &eip).await.expect("eip");
    (subnet_id, allocation)
}

fn nat_inputs(name: &str, subnet: &str, allocation: &str) -> NatGatewayInputs {
    NatGateway::check(
        &CheckContext::default(),
        NatGatewayInputs {
            name: Some(name.into()),
            subnet_id: subnet.into(),
            allocation_id: Some(allocation.into()),
            connectivity_type: None,
            tags: None,
        },
    )
    .expect("valid nat")
}

async fn nat_state(ctx: &Context, id: &str) -> String {
    let out = ctx
        .aws
        .ec2
        .describe_nat_gateways()
        .nat_gateway_ids(id)
        .send()
        .await
        .expect("describe nat");
    out.nat_gateways()
        .first()
        .and_then(|n| n.state())
        .map(|s| s.as_str().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn timing_nat_gateway_create_and_delete_wait() {
    let moto = Moto::start_timed(SCALE).await;
    let base = moto.ctx().await;
    let (subnet, allocation) = nat_prereqs(&base, "10.81.0.0/16").await;
    let (ctx, status) = context(&base, "nat", Duration::from_secs(60));
    let inputs = nat_inputs("nat-timing", &subnet, &allocation);
    let (id, outputs) = timed(
        "NatGateway create",
        NAT_CREATE,
        NatGateway::create(&ctx, &inputs),
    )
    .await
    .expect("create");
    status.assert_waited(&format!("NAT gateway {id} to be available"), "pending");
    assert_eq!(nat_state(&ctx, &id).await, "available");
    assert!(!outputs.private_ip.is_empty() && !outputs.network_interface_id.is_empty());

    status.clear();
    timed(
        "NatGateway delete",
        NAT_DELETE,
        NatGateway::delete(&ctx, &id, &inputs, &outputs),
    )
    .await
    .expect("delete");
    status.assert_waited(&format!("NAT gateway {id} to be deleted"), "deleting");
    assert_eq!(nat_state(&ctx, &id).await, "deleted");
}

#[tokio::test]
async fn timing_stuck_nat_gateway_times_out_with_partial_state_and_the_next_up_continues() {
    let moto = Moto::start_timed(SCALE).await;
    let base = moto.ctx().await;
    let (subnet, allocation) = nat_prereqs(&base, "10.82.0.0/16").await;
    moto.timing(r#"{"stuck": ["nat_gateway"]}"#);
    let inputs = nat_inputs("nat-stuck", &subnet, &allocation);

    // Through the adapter, as the engine sees it: the create fails with the id as partial state.
    let (ctx, _) = context(&base, "nat-stuck", SHORT);
    let failed = Adapter::<NatGateway>::default()
        .create(&ctx, to_props(&inputs), false)
        .await
        .expect_err("a NAT gateway that stays pending must time out");
    let recorded = failed.partial.expect("partial state for the engine");
    assert!(recorded.id.starts_with("nat-"), "{}", recorded.id);
    assert_timeout(
        &failed.error,
        &format!("NAT gateway {} to be available", recorded.id),
    );
    assert_eq!(nat_state(&ctx, &recorded.id).await, "pending");

    // The typed error carries the same id and the outputs known so far.
    let (ctx, _) = context(&base, "nat-stuck", Duration::from_millis(1500));
    let err = NatGateway::create(&ctx, &inputs)
        .await
        .expect_err("still stuck: the orphan is adopted and waited for again");
    let (id, outputs, source) = partial::<NatGatewayOutputs>(err);
    assert_eq!(
        id, recorded.id,
        "the pending NAT gateway is adopted, not duplicated"
    );
    assert!(outputs.private_ip.is_empty());
    assert_timeout(&source, &format!("NAT gateway {id} to be available"));

    // The next `up`: the engine sends an update of the recorded (partial) resource. Still stuck: it waits too.
    let (ctx, _) = context(&base, "nat-stuck", Duration::from_millis(1500));
    let err = NatGateway::update(&ctx, &id, &inputs, &outputs, &inputs)
        .await
        .expect_err("the update waits for the pending NAT gateway");
    assert_timeout(&err, &format!("NAT gateway {id} to be available"));
    // Once AWS finishes, the update completes it with the outputs the create could not report.
    moto.timing(r#"{"stuck": []}"#);
    let (ctx, status) = context(&base, "nat-stuck", Duration::from_secs(60));
    let done = NatGateway::update(&ctx, &id, &inputs, &outputs, &inputs)
        .await
        .expect("the next up continues");
    assert_eq!(nat_state(&ctx, &id).await, "available");
    assert!(
        !done.private_ip.is_empty() && !done.network_interface_id.is_empty(),
        "{done:?}"
    );
    assert!(status.lines().is_empty(), "available at once: no wait");
}

// ---------------------------------------------------------------------------------------------------------------
// Application load balancers

fn alb_inputs(name: &str, subnets: &[String], groups: &[String]) -> LoadBalancerInputs {
    LoadBalancer::check(
        &CheckContext::default(),
        LoadBalancerInputs {
            name: Some(name.into()),
            scheme: None,
            subnets: subnets.to_vec(),
            security_groups: Some(groups.to_vec()),
            idle_timeout: None,
            deletion_protection: None,
            http2: None,
            drop_invalid_header_fields: None,
            access_logs: None,
            tags: None,
        },
    )
    .expect("valid alb")
}

#[tokio::test]
async fn timing_load_balancer_create_and_delete_wait() {
    let moto = Moto::start_timed(SCALE).await;
    let base = moto.ctx().await;
    let net = network(&base).await;
    let (ctx, status) = context(&base, "alb", Duration::from_secs(60));
    let inputs = alb_inputs("alb-timing", &net.subnets[..2], &net.groups);
    let (arn, outputs) = timed(
        "LoadBalancer create",
        ALB_CREATE,
        LoadBalancer::create(&ctx, &inputs),
    )
    .await
    .expect("create");
    status.assert_waited("load balancer alb-timing to be active", "provisioning");
    assert!(!outputs.dns_name.is_empty());

    status.clear();
    timed(
        "LoadBalancer delete",
        ALB_DELETE,
        LoadBalancer::delete(&ctx, &arn, &inputs, &outputs),
    )
    .await
    .expect("delete");
    status.assert_waited(&format!("load balancer {arn} to be deleted"), "active");
    assert!(
        LoadBalancer::read(&ctx, &arn, Some(&inputs))
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn timing_stuck_load_balancer_times_out_with_partial_state_and_the_next_up_continues() {
    let moto = Moto::start_timed(r#"{"scale": 0.01, "stuck": ["load_balancer"]}"#).await;
    let base = moto.ctx().await;
    let net = network(&base).await;
    let inputs = alb_inputs("alb-stuck", &net.subnets[..2], &net.groups);
    let (ctx, _) = context(&base, "alb-stuck", SHORT);
    let err = LoadBalancer::create(&ctx, &inputs)
        .await
        .expect_err("an ALB that stays provisioning must time out");
    let (arn, outputs, source) = partial::<LoadBalancerOutputs>(err);
    assert!(arn.contains(":loadbalancer/app/alb-stuck/"), "{arn}");
    assert_eq!(outputs.arn, arn);
    assert_timeout(&source, "load balancer alb-stuck to be active");

    moto.timing(r#"{"stuck": []}"#);
    let (ctx, _) = context(&base, "alb-stuck", Duration::from_secs(60));
    let done = LoadBalancer::update(&ctx, &arn, &inputs, &outputs, &inputs)
        .await
        .expect("the next up continues");
    assert!(!done.dns_name.is_empty(), "{done:?}");
}

// ---------------------------------------------------------------------------------------------------------------
// Aurora

fn cluster_inputs(id: &str) -> ClusterInputs {
    super::rds_cluster::minimal(id)
}

fn instance_inputs(id: &str, cluster: &str) -> ClusterInstanceInputs {
    let mut inputs = super::rds_cluster_instance::raw(id, cluster, "us-east-1a", 0);
    inputs.tags = None;
    ClusterInstance::check(&CheckContext::default(), inputs).expect("valid instance")
}

#[tokio::test]
async fn timing_aurora_cluster_and_instance_create_and_delete_wait() {
    let moto = Moto::start_timed(SCALE).await;
    let base = moto.ctx().await;
    let (ctx, status) = context(&base, "aurora", Duration::from_secs(60));
    let cluster = cluster_inputs("aurora-timing");
    let (cluster_id, cluster_out) = timed(
        "Cluster create",
        CLUSTER_CREATE,
        Cluster::create(&ctx, &cluster),
    )
    .await
    .expect("cluster");
    status.assert_waited("DB cluster aurora-timing to be available", "creating");

    status.clear();
    let (ictx, istatus) = context(&base, "aurora-writer", Duration::from_secs(60));
    let instance = instance_inputs("aurora-timing-writer", &cluster_id);
    let (instance_id, instance_out) = timed(
        "ClusterInstance create",
        INSTANCE_CREATE,
        ClusterInstance::create(&ictx, &instance),
    )
    .await
    .expect("instance");
    istatus.assert_waited(
        "DB instance aurora-timing-writer to be available",
        "creating",
    );
    assert_eq!(instance_out.status, "available");
    assert!(instance_out.writer);

    istatus.clear();
    timed(
        "ClusterInstance delete",
        INSTANCE_DELETE,
        ClusterInstance::delete(&ictx, &instance_id, &instance, &instance_out),
    )
    .await
    .expect("instance delete");
    istatus.assert_waited("DB instance aurora-timing-writer to be deleted", "deleting");

    timed(
        "Cluster delete",
        CLUSTER_DELETE,
        Cluster::delete(&ctx, &cluster_id, &cluster, &cluster_out),
    )
    .await
    .expect("cluster delete");
    status.assert_waited("DB cluster aurora-timing to be deleted", "deleting");
    assert!(
        Cluster::read(&ctx, &cluster_id, Some(&cluster))
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn timing_stuck_aurora_creates_time_out_with_partial_state_and_the_next_up_continues() {
    let moto = Moto::start_timed(r#"{"scale": 0.01, "stuck": ["db_cluster.create"]}"#).await;
    let base = moto.ctx().await;
    let cluster = cluster_inputs("aurora-stuck");
    let (ctx, _) = context(&base, "aurora-stuck", SHORT);
    let err = Cluster::create(&ctx, &cluster)
        .await
        .expect_err("a cluster that stays creating must time out");
    let (cluster_id, cluster_out, source) = partial::<ClusterOutputs>(err);
    assert_eq!(cluster_id, "aurora-stuck");
    assert!(
        cluster_out.arn.ends_with(":cluster:aurora-stuck"),
        "{cluster_out:?}"
    );
    assert_timeout(&source, "DB cluster aurora-stuck to be available");

    moto.timing(r#"{"stuck": ["db_instance.create"]}"#);
    let (ctx, _) = context(&base, "aurora-stuck", Duration::from_secs(60));
    let done = Cluster::update(&ctx, &cluster_id, &cluster, &cluster_out, &cluster)
        .await
        .expect("the next up continues the cluster");
    assert!(!done.endpoint.is_empty(), "{done:?}");

    let instance = instance_inputs("aurora-stuck-writer", &cluster_id);
    let (ictx, _) = context(&base, "aurora-stuck-writer", SHORT);
    let err = ClusterInstance::create(&ictx, &instance)
        .await
        .expect_err("an instance that stays creating must time out");
    let (instance_id, instance_out, source) = partial::<ClusterInstanceOutputs>(err);
    assert_eq!(instance_id, "aurora-stuck-writer");
    assert_timeout(&source, "DB instance aurora-stuck-writer to be available");
    // Still stuck: the continuing update waits too, and runs into its own timeout.
    let (ictx, _) = context(&base, "aurora-stuck-writer", Duration::from_millis(1500));
    let err = ClusterInstance::update(&ictx, &instance_id, &instance, &instance_out, &instance)
        .await
        .expect_err("the update waits for the creating instance");
    assert_timeout(&err, "DB instance aurora-stuck-writer to be available");

    moto.timing(r#"{"stuck": []}"#);
    let (ictx, _) = context(&base, "aurora-stuck-writer", Duration::from_secs(60));
    let done = ClusterInstance::update(&ictx, &instance_id, &instance, &instance_out, &instance)
        .await
        .expect("the next up continues the instance");
    assert_eq!(done.status, "available");
    assert!(!done.endpoint.is_empty(), "{done:?}");
}

// ---------------------------------------------------------------------------------------------------------------
// ECS services

/// A subnet, a security group, an ECS cluster and a task definition revision for a service (the ECS service
/// tests' prerequisites), and a service of two tasks that waits for its steady state, without a load balancer.
async fn service_inputs(ctx: &Context, cluster: &str, name: &str) -> ServiceInputs {
    let p = super::ecs_service::prereqs(ctx, cluster).await;
    let mut inputs = super::ecs_service::raw(&p, name);
    inputs.desired_count = Some(2);
    inputs.capacity_provider_strategy = None;
    inputs.load_balancers = None;
    inputs.health_check_grace_period_seconds = None;
    inputs.wait_for_steady_state = Some(true);
    Service::check(&CheckContext::default(), inputs).expect("valid service")
}

#[tokio::test]
async fn timing_ecs_service_waits_for_its_deployment_and_its_draining() {
    let moto = Moto::start_timed(SCALE).await;
    let base = moto.ctx().await;
    let inputs = service_inputs(&base, "ecs-timing", "orders-timing").await;
    let (ctx, status) = context(&base, "svc", Duration::from_secs(60));
    let (arn, outputs) = timed(
        "Service create (steady state)",
        SERVICE_DEPLOY,
        Service::create(&ctx, &inputs),
    )
    .await
    .expect("create");
    // First the tasks are pending, then running while the rollout completes.
    status.assert_waited(
        "ECS service orders-timing to reach a steady state",
        "1 deployment(s), 0/2 running, 2 pending",
    );
    let live = ctx
        .aws
        .ecs
        .describe_services()
        .cluster("ecs-timing")
        .services(&arn)
        .send()
        .await
        .expect("describe");
    let service = &live.services()[0];
    assert_eq!((service.running_count(), service.pending_count()), (2, 0));
    assert_eq!(
        service.deployments()[0]
            .rollout_state()
            .map(|r| r.as_str().to_string()),
        Some("COMPLETED".to_string())
    );

    status.clear();
    timed(
        "Service delete (draining)",
        SERVICE_DRAIN,
        Service::delete(&ctx, &arn, &inputs, &outputs),
    )
    .await
    .expect("delete");
    status.assert_waited(&format!("ECS service {arn} to become INACTIVE"), "DRAINING");
}

#[tokio::test]
async fn timing_stuck_ecs_deployment_times_out_with_partial_state_and_the_next_up_continues() {
    let moto = Moto::start_timed(r#"{"scale": 0.01, "stuck": ["ecs_service"]}"#).await;
    let base = moto.ctx().await;
    let inputs = service_inputs(&base, "ecs-stuck", "orders-stuck").await;
    let (ctx, _) = context(&base, "svc-stuck", SHORT);
    let err = Service::create(&ctx, &inputs)
        .await
        .expect_err("a deployment that never completes must time out");
    let (arn, outputs, source) = partial::<ServiceOutputs>(err);
    assert!(arn.ends_with("/orders-stuck"), "{arn}");
    assert_eq!(outputs.arn, arn);
    assert_timeout(&source, "ECS service orders-stuck to reach a steady state");

    // The next `up` updates the recorded service with unchanged inputs: the steady-state wait is what is left.
    let (ctx, _) = context(&base, "svc-stuck", Duration::from_millis(1500));
    let err = Service::update(&ctx, &arn, &inputs, &outputs, &inputs)
        .await
        .expect_err("still stuck: the update waits for the deployment");
    let (still, _, err) = partial::<ServiceOutputs>(err);
    assert_eq!(still, arn);
    assert_timeout(&err, "ECS service orders-stuck to reach a steady state");
    moto.timing(r#"{"stuck": []}"#);
    let (ctx, _) = context(&base, "svc-stuck", Duration::from_secs(60));
    Service::update(&ctx, &arn, &inputs, &outputs, &inputs)
        .await
        .expect("the next up continues");
}
