//! `orderapi:elbv2:ListenerRule` against moto, including weights shifted outside Pulumi (as an ECS blue/green
//! deployment does) with `ignoreWeightChanges`.
//!
//! What moto cannot show: moto accepts more than 5 condition values, repeated condition fields and host/path
//! characters AWS rejects (check rejects them first); no ECS deployment runs against moto, so the weight shift is
//! simulated with a direct elbv2:ModifyRule call, which is exactly what the deployment does on AWS.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    Action as SdkAction, ActionTypeEnum, ForwardActionConfig, TargetGroupStickinessConfig,
    TargetGroupTuple,
};
use orderapi::error::ResourceError;
use orderapi::resource::{Adapter, CheckContext, Context, CustomResource, DynResource};
use orderapi::resources::elbv2::actions::{
    Action, Condition, FixedResponse, WeightedForward, WeightedTargetGroup,
};
use orderapi::resources::elbv2::listener_rule::{ListenerRule, ListenerRuleInputs};

use super::ecs_cluster::{other_resource, replacing};
use super::elbv2_support::{
    assert_owned, failed, network, props, sdk_listener, sdk_load_balancer, sdk_target_group, tags,
};
use crate::moto::Moto;

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

fn paths(values: &[&str]) -> Condition {
    Condition {
        path_patterns: Some(values.iter().map(|v| v.to_string()).collect()),
        ..Default::default()
    }
}

fn hosts(values: &[&str]) -> Condition {
    Condition {
        host_headers: Some(values.iter().map(|v| v.to_string()).collect()),
        ..Default::default()
    }
}

fn raw(listener: &str, priority: i32, action: Action) -> ListenerRuleInputs {
    ListenerRuleInputs {
        listener_arn: listener.into(),
        priority,
        conditions: vec![paths(&["/api/*"]), hosts(&["api.example.com"])],
        action,
        ignore_weight_changes: None,
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    }
}

fn checked(inputs: ListenerRuleInputs) -> ListenerRuleInputs {
    ListenerRule::check(&CheckContext::default(), inputs).expect("valid inputs")
}

async fn read_back(ctx: &Context, arn: &str, prior: &ListenerRuleInputs) -> ListenerRuleInputs {
    ListenerRule::read(ctx, arn, Some(prior))
        .await
        .expect("read")
        .expect("exists")
        .0
}

/// The live weights of the rule's forward, by target group ARN.
async fn live_weights(ctx: &Context, arn: &str) -> BTreeMap<String, i32> {
    let out = ctx
        .aws
        .elbv2
        .describe_rules()
        .rule_arns(arn)
        .send()
        .await
        .expect("describe rules");
    out.rules()[0].actions()[0]
        .forward_config()
        .expect("forward config")
        .target_groups()
        .iter()
        .map(|t| {
            (
                t.target_group_arn().unwrap_or_default().to_string(),
                t.weight().unwrap_or_default(),
            )
        })
        .collect()
}

/// What an ECS blue/green deployment does to the rule: rewrites the forward's weights.
async fn shift(ctx: &Context, arn: &str, weights: &[(&str, i32)], stickiness: i32) {
    let config = ForwardActionConfig::builder()
        .set_target_groups(Some(
            weights
                .iter()
                .map(|(tg, w)| {
                    TargetGroupTuple::builder()
                        .target_group_arn(*tg)
                        .weight(*w)
                        .build()
                })
                .collect(),
        ))
        .target_group_stickiness_config(
            TargetGroupStickinessConfig::builder()
                .enabled(true)
                .duration_seconds(stickiness)
                .build(),
        )
        .build();
    ctx.aws
        .elbv2
        .modify_rule()
        .rule_arn(arn)
        .actions(
            SdkAction::builder()
                .r#type(ActionTypeEnum::Forward)
                .forward_config(config)
                .build(),
        )
        .send()
        .await
        .expect("shift weights");
}

#[tokio::test]
async fn elbv2_listener_rule_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = network(&ctx).await;
    let lb = sdk_load_balancer(&ctx, &net, "rule-lb").await;
    let listener = sdk_listener(&ctx, &lb).await;
    let blue = sdk_target_group(&ctx, &net, "blue").await;
    let green = sdk_target_group(&ctx, &net, "green").await;

    let mut inputs = raw(
        &listener,
        10,
        weighted(&[(blue.as_str(), 100), (green.as_str(), 0)], Some(60)),
    );
    inputs.ignore_weight_changes = Some(true);
    let inputs = checked(inputs);
    // Check sorts conditions (pathPatterns before hostHeaders) and target groups (by ARN).
    assert!(inputs.conditions[0].path_patterns.is_some());
    let (arn, outputs) = ListenerRule::create(&ctx, &inputs).await.expect("create");
    assert!(arn.contains(":listener-rule/app/rule-lb/"), "{arn}");
    assert_eq!(outputs.tags_all["Team"], "orders");
    assert_owned(&ctx, &arn).await;
    let (read_inputs, read_outputs) = ListenerRule::read(&ctx, &arn, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // A deployment shifts all traffic to green: with ignoreWeightChanges a refresh shows no drift...
    shift(&ctx, &arn, &[(blue.as_str(), 0), (green.as_str(), 100)], 60).await;
    assert_eq!(read_back(&ctx, &arn, &inputs).await, inputs);
    // ...and an update of everything else (priority, conditions, tags) leaves the live weights alone.
    let mut changed = raw(
        &listener,
        20,
        weighted(&[(blue.as_str(), 100), (green.as_str(), 0)], Some(60)),
    );
    changed.conditions = vec![paths(&["/api/*", "/v2/*"]), hosts(&["api.example.com"])];
    changed.ignore_weight_changes = Some(true);
    changed.tags = Some(BTreeMap::from([("Tier".to_string(), "edge".to_string())]));
    let changed = checked(changed);
    let diff = Adapter::<ListenerRule>::default().diff(&props(&inputs), &props(&changed), &[]);
    assert!(diff.replaces.is_empty(), "{diff:?}");
    let outputs = ListenerRule::update(&ctx, &arn, &inputs, &outputs, &changed)
        .await
        .expect("update");
    assert_eq!(read_back(&ctx, &arn, &changed).await, changed);
    assert_eq!(
        live_weights(&ctx, &arn).await,
        BTreeMap::from([(blue.clone(), 0), (green.clone(), 100)])
    );
    assert!(!tags(&ctx, &arn).await.contains_key("Team"));
    // Changing the stickiness rewrites the action, still with the deployment's weights.
    let mut sticky = changed.clone();
    sticky.action = weighted(&[(blue.as_str(), 100), (green.as_str(), 0)], Some(120));
    let sticky = checked(sticky);
    let outputs = ListenerRule::update(&ctx, &arn, &changed, &outputs, &sticky)
        .await
        .expect("stickiness");
    assert_eq!(
        live_weights(&ctx, &arn).await,
        BTreeMap::from([(blue.clone(), 0), (green.clone(), 100)])
    );
    assert_eq!(read_back(&ctx, &arn, &sticky).await, sticky);

    // Without ignoreWeightChanges the shifted weights are drift, and an update puts the declared ones back.
    let mut owned = sticky.clone();
    owned.ignore_weight_changes = Some(false);
    let live = read_back(&ctx, &arn, &owned).await;
    assert_eq!(
        live.action,
        weighted(&[(blue.as_str(), 0), (green.as_str(), 100)], Some(120))
    );
    let outputs = ListenerRule::update(&ctx, &arn, &sticky, &outputs, &owned)
        .await
        .expect("own the weights");
    assert_eq!(
        live_weights(&ctx, &arn).await,
        BTreeMap::from([(blue.clone(), 100), (green.clone(), 0)])
    );
    assert_eq!(read_back(&ctx, &arn, &owned).await, owned);

    // Another listener: a replacement.
    let mut moved = owned.clone();
    moved.listener_arn = format!("{listener}0");
    let diff = Adapter::<ListenerRule>::default().diff(&props(&owned), &props(&moved), &[]);
    assert_eq!(diff.replaces, vec!["listenerArn"]);

    ListenerRule::delete(&ctx, &arn, &owned, &outputs)
        .await
        .expect("delete");
    ListenerRule::delete(&ctx, &arn, &owned, &outputs)
        .await
        .expect("delete again is a no-op");
    assert!(
        ListenerRule::read(&ctx, &arn, Some(&owned))
            .await
            .expect("read")
            .is_none()
    );
}

/// The non-default rules of `listener`, by ARN.
async fn rule_arns(ctx: &Context, listener: &str) -> Vec<String> {
    let out = ctx
        .aws
        .elbv2
        .describe_rules()
        .listener_arn(listener)
        .send()
        .await
        .expect("rules");
    out.rules()
        .iter()
        .filter(|r| r.is_default() != Some(true))
        .filter_map(|r| r.rule_arn().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn elbv2_listener_rule_adoption() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let net = network(&ctx).await;
    let lb = sdk_load_balancer(&ctx, &net, "rule-adopt").await;
    let listener = sdk_listener(&ctx, &lb).await;
    let blue = sdk_target_group(&ctx, &net, "blue").await;
    let inputs = checked(raw(
        &listener,
        5,
        Action {
            target_group_arn: Some(blue.clone()),
            ..Default::default()
        },
    ));
    let (arn, _) = ListenerRule::create(&ctx, &inputs).await.expect("create");

    // The engine never recorded the first create, and the program changed since (even the priority): the same
    // resource's create adopts the rule by its identity and brings it in line.
    let mut retried = raw(
        &listener,
        6,
        Action {
            fixed_response: Some(FixedResponse {
                status_code: "418".into(),
                content_type: Some("text/plain".into()),
                message_body: Some("teapot".into()),
            }),
            ..Default::default()
        },
    );
    retried.conditions = vec![paths(&["/tea"])];
    let retried = checked(retried);
    let (again, _) = ListenerRule::create(&ctx, &retried).await.expect("adopt");
    assert_eq!(again, arn);
    assert_owned(&ctx, &arn).await;
    assert_eq!(read_back(&ctx, &arn, &retried).await, retried);
    assert_eq!(
        rule_arns(&ctx, &listener).await,
        vec![arn.clone()],
        "no duplicate"
    );

    // The rule the engine records (a replacement) is not adopted: at another priority a second rule is created
    // beside it; at its own priority it is a conflict naming it.
    let replacement = ctx
        .clone()
        .with_recorded(orderapi::lifecycle::Recorded::Ids(
            std::collections::BTreeSet::from([arn.clone()]),
        ));
    let mut beside = retried.clone();
    beside.priority = 7;
    let (second, _) = ListenerRule::create(&replacement, &beside)
        .await
        .expect("replacement");
    assert_ne!(second, arn);
    assert_eq!(rule_arns(&ctx, &listener).await.len(), 2);
    let err = ListenerRule::create(&replacing(&ctx, &arn), &retried)
        .await
        .expect_err("recorded at the priority");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains("priority 6") && m.contains(&arn)),
        "{err}"
    );

    // Another resource's rule at the priority is a conflict.
    let err = ListenerRule::create(&other_resource(&ctx), &retried)
        .await
        .expect_err("another resource's");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains("another Pulumi resource") && m.contains(&arn)),
        "{err}"
    );

    // A stranger's rule at the priority is a conflict.
    let stranger = ctx
        .aws
        .elbv2
        .create_rule()
        .listener_arn(&listener)
        .priority(9)
        .conditions(
            aws_sdk_elasticloadbalancingv2::types::RuleCondition::builder()
                .field("path-pattern")
                .values("/x")
                .build(),
        )
        .actions(
            aws_sdk_elasticloadbalancingv2::types::Action::builder()
                .r#type(aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum::Forward)
                .target_group_arn(&blue)
                .build(),
        )
        .send()
        .await
        .expect("stranger");
    let stranger = stranger.rules()[0].rule_arn().expect("arn").to_string();
    let mut at_nine = inputs.clone();
    at_nine.priority = 9;
    let err = ListenerRule::create(&other_resource(&ctx), &at_nine)
        .await
        .expect_err("stranger");
    assert!(
        matches!(&err, ResourceError::Conflict(m) if m.contains("not created by pulumi-orderapi") && m.contains(&stranger)),
        "{err}"
    );
}

#[test]
fn elbv2_listener_rule_check_failures_name_the_property() {
    let listener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/1/2";
    let tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/1";
    let tg2 = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/2";
    let ok_action = || weighted(&[(tg, 1)], None);
    let check = |i: ListenerRuleInputs| ListenerRule::check(&CheckContext::default(), i);

    assert_eq!(
        failed(check(raw(listener, 0, ok_action()))),
        vec!["priority"]
    );
    assert_eq!(
        failed(check(raw(listener, 50_001, ok_action()))),
        vec!["priority"]
    );
    assert_eq!(
        failed(check(raw("listener-1", 1, ok_action()))),
        vec!["listenerArn"]
    );
    assert_eq!(
        failed(check(raw(
            listener,
            1,
            weighted(&[(tg, 0), (tg2, 0)], None)
        ))),
        vec!["action.forward.targetGroups"]
    );
    assert_eq!(
        failed(check(raw(
            listener,
            1,
            weighted(&[(tg, -1), (tg2, 1)], None)
        ))),
        vec!["action.forward.targetGroups"]
    );
    let with = |conditions: Vec<Condition>| {
        let mut i = raw(listener, 1, ok_action());
        i.conditions = conditions;
        failed(check(i))
    };
    assert_eq!(with(vec![]), vec!["conditions"]);
    assert_eq!(
        with(vec![
            paths(&["/a", "/b", "/c"]),
            hosts(&["a.x", "b.x", "c.x"])
        ]),
        vec!["conditions"]
    );
    assert_eq!(
        with(vec![paths(&["/a"]), paths(&["/b"])]),
        vec!["conditions"]
    );
    assert_eq!(with(vec![Condition::default()]), vec!["conditions"]);
    assert_eq!(
        with(vec![hosts(&["api_example.com"])]),
        vec!["conditions.hostHeaders"]
    );
    assert_eq!(
        with(vec![paths(&["/a b"])]),
        vec!["conditions.pathPatterns"]
    );
}
