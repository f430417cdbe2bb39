//! `orderapi:elbv2:Listener` against moto.
//!
//! What moto cannot show: moto does not check that an HTTPS certificate matches anything nor that a TLS policy
//! exists (the certificate here is a dummy IAM server certificate); moto accepts redirect loops and ports it
//! would reject on AWS — check rejects those before any call.

use std::collections::BTreeMap;

use orderapi::error::ResourceError;
use orderapi::resource::{Adapter, CheckContext, CustomResource, DynResource};
use orderapi::resources::elbv2::actions::{
    Action, FixedResponse, RedirectAction, WeightedForward, WeightedTargetGroup,
};
use orderapi::resources::elbv2::listener::{Listener, ListenerInputs};

use super::ecs_cluster::{other_resource, replacing};
use super::elbv2_support::{
    assert_owned, failed, network, props, sdk_load_balancer, sdk_target_group, tags,
};
use crate::moto::Moto;

fn forward(arn: &str) -> Action {
    Action {
        target_group_arn: Some(arn.into()),
        ..Default::default()
    }
}

fn weighted(groups: &[(&str, i32)], stickiness: Option<i32>) -> Action {
    Action {
        forward: Some(WeightedForward {
            target_groups: groups
                .iter()
                .map(|(arn, w)| WeightedTargetGroup {
                    arn: arn.to_string(),
                    weight: Some(*w),
                })
                .collect(),
            stickiness_duration: stickiness,
        }),
        ..Default::default()
    }
}

fn raw(lb: &str, port: i32, action: Action) -> ListenerInputs {
    ListenerInputs {
        load_balancer_arn: lb.into(),
        port,
        protocol: "HTTP".into(),
        certificate_arn: None,
        ssl_policy: None,
        default_action: action,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn checked(inputs: ListenerInputs) -> ListenerInputs {
    Listener::check(&CheckContext::default(), inputs).expect("valid inputs")
}

async fn read_back(
    ctx: &orderapi::resource::Context,
    arn: &str,
    prior: &ListenerInputs,
) -> ListenerInputs {
    Listener::read(ctx, arn, Some(prior))
        .await
        .expect("read")
        .expect("exists")
        .0
}

#[tokio::test]
async fn elbv2_listener_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = network(&ctx).await;
    let lb = sdk_load_balancer(&ctx, &net, "listener-lb").await;
    let blue = sdk_target_group(&ctx, &net, "blue").await;
    let green = sdk_target_group(&ctx, &net, "green").await;

    let inputs = checked(raw(&lb, 80, forward(&blue)));
    let (arn, outputs) = Listener::create(&ctx, &inputs).await.expect("create");
    assert!(arn.contains(":listener/app/listener-lb/"), "{arn}");
    assert_eq!(outputs.arn, arn);
    assert_eq!(outputs.tags_all["Team"], "orders");
    assert_owned(&ctx, &arn).await;
    let (read_inputs, read_outputs) = Listener::read(&ctx, &arn, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // In place: another port, a weighted forward with stickiness, tags.
    let mut changed = raw(
        &lb,
        8080,
        weighted(&[(green.as_str(), 10), (blue.as_str(), 90)], Some(300)),
    );
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "edge".to_string())]));
    let changed = checked(changed);
    let diff = Adapter::<Listener>::default().diff(&props(&inputs), &props(&changed), &[]);
    assert!(diff.replaces.is_empty(), "{diff:?}");
    let outputs = Listener::update(&ctx, &arn, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(read_back(&ctx, &arn, &changed).await, changed);
    assert!(!tags(&ctx, &arn).await.contains_key("Team"));

    // HTTPS with a certificate and the default TLS policy, redirecting to another host.
    let cert = ctx
        .aws
        .iam
        .upload_server_certificate()
        .server_certificate_name("listener-test")
        .certificate_body("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----")
        .private_key("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----")
        .send()
        .await
        .expect("certificate")
        .server_certificate_metadata()
        .map(|m| m.arn().to_string())
        .expect("certificate arn");
    let mut https = raw(
        &lb,
        443,
        Action {
            redirect: Some(RedirectAction {
                host: Some("www.example.com".into()),
                status_code: "HTTP_301".into(),
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    https.protocol = "HTTPS".into();
    https.certificate_arn = Some(cert.clone());
    let https = checked(https);
    assert_eq!(
        https.ssl_policy.as_deref(),
        Some("ELBSecurityPolicy-TLS13-1-2-2021-06")
    );
    let outputs = Listener::update(&ctx, &arn, &changed, &outputs, &https)
        .await
        .expect("to https");
    assert_eq!(read_back(&ctx, &arn, &https).await, https);

    // A fixed response.
    let mut fixed = https.clone();
    fixed.default_action = Action {
        fixed_response: Some(FixedResponse {
            status_code: "503".into(),
            content_type: Some("application/json".into()),
            message_body: Some("{\"error\":\"maintenance\"}".into()),
        }),
        ..Default::default()
    };
    let fixed = checked(fixed);
    let outputs = Listener::update(&ctx, &arn, &https, &outputs, &fixed)
        .await
        .expect("fixed response");
    assert_eq!(read_back(&ctx, &arn, &fixed).await, fixed);

    // Another load balancer: a replacement (created first: the port is free there).
    let mut moved = fixed.clone();
    moved.load_balancer_arn = lb.replace("listener-lb", "other-lb");
    let diff = Adapter::<Listener>::default().diff(&props(&fixed), &props(&moved), &[]);
    assert_eq!(diff.replaces, vec!["loadBalancerArn"]);
    assert!(!diff.delete_before_replace);

    Listener::delete(&ctx, &arn, &fixed, &outputs)
        .await
        .expect("delete");
    Listener::delete(&ctx, &arn, &fixed, &outputs)
        .await
        .expect("delete again is a no-op");
    assert!(
        Listener::read(&ctx, &arn, Some(&fixed))
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn elbv2_listener_adoption() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = network(&ctx).await;
    let lb = sdk_load_balancer(&ctx, &net, "adopt-lb").await;
    let blue = sdk_target_group(&ctx, &net, "blue").await;
    let green = sdk_target_group(&ctx, &net, "green").await;
    let inputs = checked(raw(&lb, 80, forward(&blue)));
    let (arn, _) = Listener::create(&ctx, &inputs).await.expect("create");

    // The engine never recorded the first create: the same create adopts the listener and brings it in line.
    let retried = checked(raw(&lb, 80, forward(&green)));
    let (again, _) = Listener::create(&ctx, &retried).await.expect("adopt");
    assert_eq!(again, arn);
    assert_owned(&ctx, &arn).await;
    assert_eq!(read_back(&ctx, &arn, &retried).await, retried);
    let listed = ctx
        .aws
        .elbv2
        .describe_listeners()
        .load_balancer_arn(&lb)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.listeners().len(), 1, "no duplicate");

    // The listener the engine records holds the port: never adopted, a conflict naming it.
    let err = Listener::create(&replacing(&ctx, &arn), &retried)
        .await
        .expect_err("recorded");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains("port 80") && m.contains(&arn)),
        "{err}"
    );
    let err = Listener::create(&other_resource(&ctx), &retried)
        .await
        .expect_err("another resource's");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains("another Pulumi resource") && m.contains(&arn)),
        "{err}"
    );

    // A stranger's listener on the port is a conflict.
    let stranger = ctx
        .aws
        .elbv2
        .create_listener()
        .load_balancer_arn(&lb)
        .port(8080)
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
        .default_actions(
            aws_sdk_elasticloadbalancingv2::types::Action::builder()
                .r#type(aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum::Forward)
                .target_group_arn(&blue)
                .build(),
        )
        .send()
        .await
        .expect("stranger");
    let stranger = stranger.listeners()[0]
        .listener_arn()
        .expect("arn")
        .to_string();
    let err = Listener::create(&ctx, &checked(raw(&lb, 8080, forward(&blue))))
        .await
        .expect_err("stranger");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains("not created by pulumi-orderapi") && m.contains(&stranger)),
        "{err}"
    );
}

#[test]
fn elbv2_listener_check_failures_name_the_property() {
    let lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1";
    let tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/1";
    let tg2 = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/2";
    let check = |i: ListenerInputs| Listener::check(&CheckContext::default(), i);

    let mut https = raw(lb, 443, forward(tg));
    https.protocol = "HTTPS".into();
    assert_eq!(failed(check(https)), vec!["certificateArn"]);
    let mut http = raw(lb, 80, forward(tg));
    http.certificate_arn = Some("arn:aws:acm:us-east-1:123456789012:certificate/x".into());
    http.ssl_policy = Some("ELBSecurityPolicy-2016-08".into());
    assert_eq!(failed(check(http)), vec!["certificateArn", "sslPolicy"]);
    let mut tcp = raw(lb, 0, forward(tg));
    tcp.protocol = "TCP".into();
    assert_eq!(failed(check(tcp)), vec!["port", "protocol"]);
    assert_eq!(
        failed(check(raw("lb-1", 80, forward(tg)))),
        vec!["loadBalancerArn"]
    );
    assert_eq!(
        failed(check(raw(lb, 80, forward("blue")))),
        vec!["defaultAction.targetGroupArn"]
    );
    assert_eq!(
        failed(check(raw(lb, 80, weighted(&[(tg, 0), (tg2, 0)], None)))),
        vec!["defaultAction.forward.targetGroups"]
    );
    assert_eq!(
        failed(check(raw(lb, 80, weighted(&[(tg, 1)], Some(604_801))))),
        vec!["defaultAction.forward.stickinessDuration"]
    );
    assert_eq!(
        failed(check(raw(lb, 80, weighted(&[(tg, 1), (tg, 2)], None)))),
        vec!["defaultAction.forward.targetGroups"]
    );
    let mut both = forward(tg);
    both.fixed_response = Some(FixedResponse {
        status_code: "200".into(),
        content_type: None,
        message_body: None,
    });
    assert_eq!(failed(check(raw(lb, 80, both))), vec!["defaultAction"]);
    let redirect = |r: RedirectAction| Action {
        redirect: Some(r),
        ..Default::default()
    };
    assert_eq!(
        failed(check(raw(
            lb,
            80,
            redirect(RedirectAction {
                protocol: Some("FTP".into()),
                path: Some("no-slash".into()),
                status_code: "HTTP_307".into(),
                ..Default::default()
            })
        ))),
        vec![
            "defaultAction.redirect.protocol",
            "defaultAction.redirect.path",
            "defaultAction.redirect.statusCode"
        ]
    );
    assert_eq!(
        failed(check(raw(
            lb,
            80,
            redirect(RedirectAction {
                status_code: "HTTP_302".into(),
                ..Default::default()
            })
        ))),
        vec!["defaultAction.redirect"]
    );
}
