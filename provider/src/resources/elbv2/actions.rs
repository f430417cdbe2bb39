//! Listener and rule actions (forward, weighted forward, redirect, fixed response) and rule conditions
//! (path-pattern, host-header): input types, validation, and conversion to and from the SDK's types.

use aws_sdk_elasticloadbalancingv2::types::{
    Action as SdkAction, ActionTypeEnum, FixedResponseActionConfig, ForwardActionConfig,
    HostHeaderConditionConfig, PathPatternConditionConfig, RedirectActionConfig,
    RedirectActionStatusCodeEnum, RuleCondition as SdkCondition, TargetGroupStickinessConfig,
    TargetGroupTuple,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::is_elbv2_arn;
use crate::resource::Failures;

/// What a listener or rule does with a request. Set exactly one of `targetGroupArn` (forward to one target
/// group), `forward` (weighted forward across target groups), `redirect` or `fixedResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// Forward every request to this target group (its ARN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group_arn: Option<String>,
    /// Forward requests across up to 5 target groups by weight (blue/green, canary), with optional stickiness.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward: Option<WeightedForward>,
    /// Answer with an HTTP redirect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<RedirectAction>,
    /// Answer with a fixed HTTP response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_response: Option<FixedResponse>,
}

/// A weighted forward across target groups.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WeightedForward {
    /// The target groups (1-5, each once) and their weights; at least one weight must be above 0.
    pub target_groups: Vec<WeightedTargetGroup>,
    /// Keep a client on the target group it first reached for this many seconds (1-604800). Absent: no
    /// stickiness.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stickiness_duration: Option<i32>,
}

/// One target group of a weighted forward.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub struct WeightedTargetGroup {
    /// The target group's ARN.
    pub arn: String,
    /// Its share of requests relative to the others' (0-999, default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
}

/// An HTTP redirect. Each URI part defaults to the request's own (`#{protocol}`, `#{port}`, `#{host}`,
/// `/#{path}`, `#{query}`); at least one must differ, or the redirect would loop.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RedirectAction {
    /// `HTTP`, `HTTPS` or `#{protocol}` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// A port 1-65535, or `#{port}` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// The host name (1-128 characters; may use `#{host}`, the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The absolute path, starting with `/` (1-128 characters; default `/#{path}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The query string without the leading `?` (0-128 characters; default `#{query}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// `HTTP_301` (permanent) or `HTTP_302` (temporary).
    pub status_code: String,
}

/// A fixed HTTP response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixedResponse {
    /// The HTTP status code: 2XX, 4XX or 5XX.
    pub status_code: String,
    /// `text/plain`, `text/css`, `text/html`, `application/javascript` or `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The response body (at most 1024 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_body: Option<String>,
}

/// One rule condition: set exactly one of `pathPatterns` or `hostHeaders`. A request matches when it matches any
/// of the condition's values; a rule matches when every condition matches.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Host names to match (case-insensitive, up to 128 characters each: a-z, A-Z, 0-9, `-`, `.`, and the
    /// wildcards `*` and `?`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_headers: Option<Vec<String>>,
    /// URL paths to match (case-sensitive, up to 128 characters each: a-z, A-Z, 0-9, `_-.$/~"'@:+&`, and the
    /// wildcards `*` and `?`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_patterns: Option<Vec<String>>,
}

const DEFAULT_PROTOCOL: &str = "#{protocol}";
const DEFAULT_PORT: &str = "#{port}";
const DEFAULT_HOST: &str = "#{host}";
const DEFAULT_PATH: &str = "/#{path}";
const DEFAULT_QUERY: &str = "#{query}";
const CONTENT_TYPES: &[&str] = &[
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];

/// Validates an action under `property` and applies its defaults (weights, redirect parts); sorts weighted
/// target groups by ARN.
pub fn check_action(property: &str, a: &mut Action, f: &mut Failures) {
    let set = [
        a.target_group_arn.is_some(),
        a.forward.is_some(),
        a.redirect.is_some(),
        a.fixed_response.is_some(),
    ]
    .iter()
    .filter(|s| **s)
    .count();
    f.require(
        set == 1,
        property,
        "set exactly one of targetGroupArn, forward, redirect or fixedResponse",
    );
    if let Some(arn) = &a.target_group_arn {
        f.require(
            is_elbv2_arn(arn, "targetgroup"),
            format!("{property}.targetGroupArn"),
            format!("'{arn}' is not a target group ARN"),
        );
    }
    if let Some(fw) = &mut a.forward {
        let p = format!("{property}.forward");
        f.require(
            (1..=5).contains(&fw.target_groups.len()),
            format!("{p}.targetGroups"),
            "must list 1-5 target groups",
        );
        for tg in &mut fw.target_groups {
            f.require(
                is_elbv2_arn(&tg.arn, "targetgroup"),
                format!("{p}.targetGroups"),
                format!("'{}' is not a target group ARN", tg.arn),
            );
            let w = *tg.weight.get_or_insert(1);
            f.require(
                (0..=999).contains(&w),
                format!("{p}.targetGroups"),
                format!("the weight of '{}' must be 0-999", tg.arn),
            );
        }
        fw.target_groups.sort();
        let unique = fw.target_groups.windows(2).all(|w| w[0].arn != w[1].arn);
        f.require(
            unique,
            format!("{p}.targetGroups"),
            "each target group may be listed once",
        );
        f.require(
            fw.target_groups.iter().any(|t| t.weight.unwrap_or(0) > 0),
            format!("{p}.targetGroups"),
            "at least one weight must be above 0 (the weights must sum to a positive number)",
        );
        if let Some(d) = fw.stickiness_duration {
            f.require(
                (1..=604_800).contains(&d),
                format!("{p}.stickinessDuration"),
                "must be 1-604800 seconds (7 days)",
            );
        }
    }
    if let Some(r) = &mut a.redirect {
        let p = format!("{property}.redirect");
        let protocol = r.protocol.get_or_insert_with(|| DEFAULT_PROTOCOL.into());
        f.require(
            matches!(protocol.as_str(), "HTTP" | "HTTPS" | DEFAULT_PROTOCOL),
            format!("{p}.protocol"),
            "must be HTTP, HTTPS or #{protocol}",
        );
        let port = r.port.get_or_insert_with(|| DEFAULT_PORT.into());
        f.require(
            port == DEFAULT_PORT || port.parse::<u16>().is_ok_and(|n| n >= 1),
            format!("{p}.port"),
            "must be a port 1-65535 or #{port}",
        );
        let host = r.host.get_or_insert_with(|| DEFAULT_HOST.into());
        f.require(
            !host.is_empty() && host.len() <= 128,
            format!("{p}.host"),
            "must be 1-128 characters",
        );
        let path = r.path.get_or_insert_with(|| DEFAULT_PATH.into());
        f.require(
            path.starts_with('/') && path.len() <= 128,
            format!("{p}.path"),
            "must start with / and be at most 128 characters",
        );
        let query = r.query.get_or_insert_with(|| DEFAULT_QUERY.into());
        f.require(
            query.len() <= 128 && !query.starts_with('?'),
            format!("{p}.query"),
            "must be at most 128 characters, without the leading ?",
        );
        f.require(
            matches!(r.status_code.as_str(), "HTTP_301" | "HTTP_302"),
            format!("{p}.statusCode"),
            "must be HTTP_301 or HTTP_302",
        );
        let loops = r.protocol.as_deref() == Some(DEFAULT_PROTOCOL)
            && r.port.as_deref() == Some(DEFAULT_PORT)
            && r.host.as_deref() == Some(DEFAULT_HOST)
            && r.path.as_deref() == Some(DEFAULT_PATH)
            && r.query.as_deref() == Some(DEFAULT_QUERY);
        f.require(
            !loops,
            p,
            "a redirect must change at least one of protocol, port, host, path or query (it would loop)",
        );
    }
    if let Some(fr) = &a.fixed_response {
        let p = format!("{property}.fixedResponse");
        let code = fr.status_code.as_bytes();
        f.require(
            code.len() == 3
                && matches!(code[0], b'2' | b'4' | b'5')
                && code.iter().all(u8::is_ascii_digit),
            format!("{p}.statusCode"),
            "must be an HTTP status code 2XX, 4XX or 5XX",
        );
        if let Some(ct) = &fr.content_type {
            f.require(
                CONTENT_TYPES.contains(&ct.as_str()),
                format!("{p}.contentType"),
                format!("must be one of {}", CONTENT_TYPES.join(", ")),
            );
        }
        if let Some(body) = &fr.message_body {
            f.require(
                body.len() <= 1024,
                format!("{p}.messageBody"),
                "must be at most 1024 characters",
            );
        }
    }
}

/// Validates rule conditions (1+ conditions, at most one of each field, at most 5 values in all) and sorts them.
pub fn check_conditions(property: &str, conditions: &mut [Condition], f: &mut Failures) {
    f.require(
        !conditions.is_empty(),
        property,
        "a rule needs at least one condition",
    );
    let mut total = 0;
    let (mut hosts, mut paths) = (0, 0);
    for c in conditions.iter() {
        f.require(
            c.host_headers.is_some() != c.path_patterns.is_some(),
            property,
            "each condition sets exactly one of pathPatterns or hostHeaders",
        );
        if let Some(values) = &c.host_headers {
            hosts += 1;
            total += values.len();
            f.require(
                !values.is_empty(),
                format!("{property}.hostHeaders"),
                "must list at least one host",
            );
            for v in values {
                f.require(
                    !v.is_empty()
                        && v.len() <= 128
                        && v.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-.*?".contains(c)),
                    format!("{property}.hostHeaders"),
                    format!("'{v}' must be 1-128 characters of a-z, A-Z, 0-9, - . * ?"),
                );
            }
        }
        if let Some(values) = &c.path_patterns {
            paths += 1;
            total += values.len();
            f.require(
                !values.is_empty(),
                format!("{property}.pathPatterns"),
                "must list at least one path pattern",
            );
            for v in values {
                f.require(
                    !v.is_empty()
                        && v.len() <= 128
                        && v.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_-.$/~\"'@:+&*?".contains(c)),
                    format!("{property}.pathPatterns"),
                    format!("'{v}' must be 1-128 characters of a-z, A-Z, 0-9, _-.$/~\"'@:+& * ?"),
                );
            }
        }
    }
    f.require(
        hosts <= 1 && paths <= 1,
        property,
        "a rule takes at most one hostHeaders and one pathPatterns condition (list several values in one)",
    );
    f.require(
        total <= 5,
        property,
        format!("a rule takes at most 5 condition values in all, not {total}"),
    );
    conditions.sort();
}

/// The SDK action for a (checked) action.
pub fn to_sdk(a: &Action) -> SdkAction {
    if let Some(arn) = &a.target_group_arn {
        return SdkAction::builder()
            .r#type(ActionTypeEnum::Forward)
            .target_group_arn(arn)
            .build();
    }
    if let Some(fw) = &a.forward {
        return SdkAction::builder()
            .r#type(ActionTypeEnum::Forward)
            .forward_config(forward_config(fw))
            .build();
    }
    if let Some(r) = &a.redirect {
        return SdkAction::builder()
            .r#type(ActionTypeEnum::Redirect)
            .redirect_config(
                RedirectActionConfig::builder()
                    .set_protocol(r.protocol.clone())
                    .set_port(r.port.clone())
                    .set_host(r.host.clone())
                    .set_path(r.path.clone())
                    .set_query(r.query.clone())
                    .status_code(RedirectActionStatusCodeEnum::from(r.status_code.as_str()))
                    .build(),
            )
            .build();
    }
    let fr = a.fixed_response.clone().unwrap_or_default();
    SdkAction::builder()
        .r#type(ActionTypeEnum::FixedResponse)
        .fixed_response_config(
            FixedResponseActionConfig::builder()
                .status_code(fr.status_code)
                .set_content_type(fr.content_type)
                .set_message_body(fr.message_body)
                .build(),
        )
        .build()
}

fn forward_config(fw: &WeightedForward) -> ForwardActionConfig {
    let stickiness = match fw.stickiness_duration {
        Some(d) => TargetGroupStickinessConfig::builder()
            .enabled(true)
            .duration_seconds(d)
            .build(),
        None => TargetGroupStickinessConfig::builder()
            .enabled(false)
            .build(),
    };
    ForwardActionConfig::builder()
        .set_target_groups(Some(
            fw.target_groups
                .iter()
                .map(|t| {
                    TargetGroupTuple::builder()
                        .target_group_arn(&t.arn)
                        .weight(t.weight.unwrap_or(1))
                        .build()
                })
                .collect(),
        ))
        .target_group_stickiness_config(stickiness)
        .build()
}

/// The action as inputs hold it, from AWS's answer. A forward reads as `targetGroupArn` when it goes to one target
/// group without stickiness and the prior inputs (if any) did not declare a weighted forward.
pub fn from_sdk(a: &SdkAction, prior: Option<&Action>) -> Action {
    match a.r#type() {
        Some(ActionTypeEnum::Forward) => {
            let mut tgs: Vec<WeightedTargetGroup> = a
                .forward_config()
                .map(|c| {
                    c.target_groups()
                        .iter()
                        .map(|t| WeightedTargetGroup {
                            arn: t.target_group_arn().unwrap_or_default().to_string(),
                            weight: Some(t.weight().unwrap_or(1)),
                        })
                        .collect()
                })
                .unwrap_or_default();
            if tgs.is_empty() {
                tgs.extend(a.target_group_arn().map(|arn| WeightedTargetGroup {
                    arn: arn.to_string(),
                    weight: Some(1),
                }));
            }
            tgs.sort();
            let stickiness_duration = a
                .forward_config()
                .and_then(|c| c.target_group_stickiness_config())
                .filter(|s| s.enabled() == Some(true))
                .and_then(|s| s.duration_seconds());
            let weighted = prior.is_some_and(|p| p.forward.is_some())
                || tgs.len() != 1
                || stickiness_duration.is_some();
            if weighted {
                Action {
                    forward: Some(WeightedForward {
                        target_groups: tgs,
                        stickiness_duration,
                    }),
                    ..Default::default()
                }
            } else {
                Action {
                    target_group_arn: tgs.pop().map(|t| t.arn),
                    ..Default::default()
                }
            }
        }
        Some(ActionTypeEnum::Redirect) => {
            let c = a.redirect_config();
            Action {
                redirect: Some(RedirectAction {
                    protocol: c.and_then(|c| c.protocol()).map(str::to_string),
                    port: c.and_then(|c| c.port()).map(str::to_string),
                    host: c.and_then(|c| c.host()).map(str::to_string),
                    path: c.and_then(|c| c.path()).map(str::to_string),
                    query: c.and_then(|c| c.query()).map(str::to_string),
                    status_code: c
                        .and_then(|c| c.status_code())
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                }),
                ..Default::default()
            }
        }
        Some(ActionTypeEnum::FixedResponse) => {
            let c = a.fixed_response_config();
            Action {
                fixed_response: Some(FixedResponse {
                    status_code: c
                        .and_then(|c| c.status_code())
                        .unwrap_or_default()
                        .to_string(),
                    content_type: c.and_then(|c| c.content_type()).map(str::to_string),
                    message_body: c
                        .and_then(|c| c.message_body())
                        .filter(|b| !b.is_empty())
                        .map(str::to_string),
                }),
                ..Default::default()
            }
        }
        // Authenticate/JWT actions are not declared by this provider: read as empty (drift).
        _ => Action::default(),
    }
}

/// The SDK conditions for (checked) conditions.
pub fn conditions_to_sdk(conditions: &[Condition]) -> Vec<SdkCondition> {
    conditions
        .iter()
        .map(|c| {
            if let Some(values) = &c.path_patterns {
                SdkCondition::builder()
                    .field("path-pattern")
                    .path_pattern_config(
                        PathPatternConditionConfig::builder()
                            .set_values(Some(values.clone()))
                            .build(),
                    )
                    .build()
            } else {
                SdkCondition::builder()
                    .field("host-header")
                    .host_header_config(
                        HostHeaderConditionConfig::builder()
                            .set_values(c.host_headers.clone())
                            .build(),
                    )
                    .build()
            }
        })
        .collect()
}

/// Conditions as inputs hold them, from AWS's answer (sorted like check sorts them).
pub fn conditions_from_sdk(conditions: &[SdkCondition]) -> Vec<Condition> {
    let mut out: Vec<Condition> = conditions
        .iter()
        .filter_map(|c| {
            let values = |config: Option<&[String]>| -> Vec<String> {
                match config {
                    Some(v) if !v.is_empty() => v.to_vec(),
                    _ => c.values().to_vec(),
                }
            };
            match c.field() {
                Some("path-pattern") => Some(Condition {
                    path_patterns: Some(values(
                        c.path_pattern_config()
                            .map(PathPatternConditionConfig::values),
                    )),
                    ..Default::default()
                }),
                Some("host-header") => Some(Condition {
                    host_headers: Some(values(
                        c.host_header_config()
                            .map(HostHeaderConditionConfig::values),
                    )),
                    ..Default::default()
                }),
                _ => None,
            }
        })
        .collect();
    out.sort();
    out
}

/// `a` with the weights of `live` for every target group both forward to (weights an outside deployment owns).
pub fn with_live_weights(a: &Action, live: &Action) -> Action {
    let mut out = a.clone();
    if let (Some(fw), Some(live_fw)) = (&mut out.forward, &live.forward) {
        for tg in &mut fw.target_groups {
            if let Some(l) = live_fw.target_groups.iter().find(|l| l.arn == tg.arn) {
                tg.weight = l.weight;
            }
        }
    }
    out
}

/// Whether two weighted forwards differ only in their weights (same target groups, same stickiness).
pub fn only_weights_differ(a: &Action, b: &Action) -> bool {
    match (&a.forward, &b.forward) {
        (Some(x), Some(y)) => {
            x.stickiness_duration == y.stickiness_duration
                && x.target_groups.len() == y.target_groups.len()
                && x.target_groups
                    .iter()
                    .zip(&y.target_groups)
                    .all(|(p, q)| p.arn == q.arn)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TG1: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/1";
    const TG2: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/2";

    fn weighted(w1: i32, w2: i32) -> Action {
        Action {
            forward: Some(WeightedForward {
                target_groups: vec![
                    WeightedTargetGroup {
                        arn: TG2.into(),
                        weight: Some(w2),
                    },
                    WeightedTargetGroup {
                        arn: TG1.into(),
                        weight: Some(w1),
                    },
                ],
                stickiness_duration: Some(300),
            }),
            ..Default::default()
        }
    }

    fn props(a: &mut Action) -> Vec<String> {
        let mut f = Failures::default();
        check_action("action", a, &mut f);
        f.finish(())
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.property)
            .collect()
    }

    #[test]
    fn weighted_forward_round_trips() {
        let mut a = weighted(90, 10);
        assert!(props(&mut a).is_empty());
        assert_eq!(
            a.forward.as_ref().map(|f| f.target_groups[0].arn.as_str()),
            Some(TG1)
        );
        assert_eq!(from_sdk(&to_sdk(&a), None), a);
        let single = Action {
            target_group_arn: Some(TG1.into()),
            ..Default::default()
        };
        assert_eq!(from_sdk(&to_sdk(&single), None), single);
    }

    #[test]
    fn bad_actions_name_the_property() {
        assert_eq!(
            props(&mut weighted(0, 0)),
            vec!["action.forward.targetGroups"]
        );
        assert_eq!(
            props(&mut weighted(1000, 1)),
            vec!["action.forward.targetGroups"]
        );
        assert_eq!(props(&mut Action::default()), vec!["action"]);
        let mut loops = Action {
            redirect: Some(RedirectAction {
                status_code: "HTTP_301".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(props(&mut loops), vec!["action.redirect"]);
        let mut fixed = Action {
            fixed_response: Some(FixedResponse {
                status_code: "302".into(),
                content_type: Some("text/xml".into()),
                message_body: Some("x".repeat(1025)),
            }),
            ..Default::default()
        };
        assert_eq!(
            props(&mut fixed),
            vec![
                "action.fixedResponse.statusCode",
                "action.fixedResponse.contentType",
                "action.fixedResponse.messageBody"
            ]
        );
    }

    #[test]
    fn condition_limits() {
        let mut f = Failures::default();
        let mut cs = vec![
            Condition {
                path_patterns: Some(vec!["/a".into(), "/b".into(), "/c".into()]),
                ..Default::default()
            },
            Condition {
                host_headers: Some(vec![
                    "a.example.com".into(),
                    "b.example.com".into(),
                    "c.x".into(),
                ]),
                ..Default::default()
            },
        ];
        check_conditions("conditions", &mut cs, &mut f);
        assert_eq!(f.finish(()).expect_err("6 values").len(), 1);
        let sdk = conditions_to_sdk(&cs);
        assert_eq!(conditions_from_sdk(&sdk), cs);
    }

    #[test]
    fn weights_owned_elsewhere() {
        let declared = weighted(100, 0);
        let mut d = declared.clone();
        let mut live = weighted(0, 100);
        assert!(props(&mut d).is_empty() && props(&mut live).is_empty());
        assert!(only_weights_differ(&d, &live));
        assert_eq!(with_live_weights(&d, &live), live);
    }
}
