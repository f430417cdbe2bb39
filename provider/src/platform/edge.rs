//! The platform's edge: an internet-facing ALB in the public subnets, blue and green target groups with
//! `/health` checks, the production listener with a path rule forwarding blue 100 / green 0 (ECS shifts the
//! weights during a deployment; the rule ignores weight changes so `pulumi up` never fights a deployment), an
//! 80 → 443 redirect when HTTPS is on, and a regional WAF web ACL (per-IP rate limit + AWS managed rule groups)
//! associated with the ALB.

use super::args::ACCESS_LOG_PREFIX;
use super::audit::Audit;
use super::child::{Child, Handle, Props, Scope};
use super::network::Network;
use super::security::SecurityGroups;
use crate::resources::elbv2::{
    listener::Listener, listener_rule::ListenerRule, load_balancer::LoadBalancer,
    target_group::TargetGroup,
};
use crate::resources::wafv2::{web_acl::WebAcl, web_acl_association::WebAclAssociation};
use crate::rpc::value::{Value, obj};

/// Priority of the production rule on its listener.
pub const RULE_PRIORITY: i32 = 100;
/// WAF's rate-based rule evaluation window, seconds (the platform's limit is per 5 minutes).
pub const RATE_WINDOW_SECONDS: i64 = 300;

/// The edge's children.
#[derive(Debug)]
pub struct Edge<'a> {
    /// Outputs: arn, arnSuffix, dnsName.
    pub load_balancer: Handle<'a>,
    /// Target groups; outputs: arn, arnSuffix.
    pub blue: Handle<'a>,
    pub green: Handle<'a>,
    /// The production listener (HTTPS 443, or HTTP 80 without a certificate).
    pub listener: Handle<'a>,
    /// 80 → 443 when HTTPS.
    pub redirect_listener: Option<Handle<'a>>,
    /// The production listener rule: path patterns → blue 100 / green 0.
    pub rule: Handle<'a>,
    /// Outputs: arn, webAclId.
    pub web_acl: Handle<'a>,
    pub web_acl_association: Handle<'a>,
}

/// WAF visibility under `metric` (CloudWatch metrics and sampled requests on).
fn visibility(metric: &str) -> Value {
    obj([
        ("metricName", metric.into()),
        ("cloudWatchMetricsEnabled", true.into()),
        ("sampledRequestsEnabled", true.into()),
    ])
}

/// The answer for paths that are not the order API's.
fn not_found() -> Value {
    obj([(
        "fixedResponse",
        obj([
            ("statusCode", "404".into()),
            ("contentType", "application/json".into()),
            ("messageBody", r#"{"message":"not found"}"#.into()),
        ]),
    )])
}

/// Declares the edge: the ALB (public subnets, its security group), the target groups and the web ACL (the VPC
/// at most), the listeners on the ALB, the rule on the production listener and both target groups, the WAF
/// association on the ALB and the web ACL. With HTTPS the port-80 redirect follows the HTTPS listener, so
/// clients are never sent to a port that does not answer yet.
pub fn build<'a>(
    scope: &Scope<'a>,
    net: &Network<'a>,
    sgs: &SecurityGroups<'a>,
    audit: &Audit<'a>,
) -> Edge<'a> {
    let n = scope.naming();
    let service = &scope.settings().service;
    let lb_settings = &scope.settings().load_balancer;
    let waf = &scope.settings().waf;

    let load_balancer = Props::of::<LoadBalancer>(scope.logical("alb"))
        .set("name", n.name("alb"))
        .set("scheme", "internet-facing")
        .ids_of("subnets", &net.public_subnets.iter().collect::<Vec<_>>())
        .ids_of("securityGroups", &[&sgs.alb])
        .arg(
            "idleTimeout",
            lb_settings.idle_timeout_seconds,
            "loadBalancer.idleTimeoutSeconds",
        )
        .set("deletionProtection", false)
        .set("dropInvalidHeaderFields", true)
        .arg("tags", scope.tags.clone(), "tags");
    // Access logs follow the bucket, whose policy lets Elastic Load Balancing write (AWS checks that when they
    // are turned on).
    let load_balancer = scope.register(match &audit.access_logs {
        Some(bucket) => load_balancer.with("accessLogs", &[bucket], |c| {
            obj([
                ("bucket", c[0].id.clone()),
                ("prefix", ACCESS_LOG_PREFIX.into()),
                ("enabled", true.into()),
            ])
        }),
        None => load_balancer,
    });
    let target_group = |color: &str| {
        scope.register(
            Props::of::<TargetGroup>(scope.logical(&format!("tg-{color}")))
                .set("name", n.qualified("tg", color))
                .set("targetType", "ip")
                .arg("port", service.container_port, "service.containerPort")
                .traced("healthCheck", "service.healthCheckPath")
                .set("protocol", "HTTP")
                .id_of("vpcId", &net.vpc)
                .set(
                    "healthCheck",
                    obj([
                        ("enabled", true.into()),
                        ("path", service.health_check_path.as_str().into()),
                        ("protocol", "HTTP".into()),
                        ("port", "traffic-port".into()),
                        ("interval", 15.into()),
                        ("timeout", 5.into()),
                        ("healthyThreshold", 3.into()),
                        ("unhealthyThreshold", 3.into()),
                        ("matcher", "200".into()),
                    ]),
                )
                .arg(
                    "deregistrationDelay",
                    service.deregistration_delay_seconds,
                    "service.deregistrationDelaySeconds",
                )
                .arg("tags", scope.tags.clone(), "tags"),
        )
    };
    let web_acl_name = n.name("waf");
    let metric = |what: &str| format!("{web_acl_name}-{what}");
    let managed: Vec<Value> = waf
        .managed_rule_groups
        .iter()
        .enumerate()
        .map(|(i, group)| {
            obj([
                ("vendor", "AWS".into()),
                ("name", group.as_str().into()),
                ("priority", (10 + i as i32).into()),
                ("overrideAction", "none".into()),
                ("visibility", visibility(&metric(group))),
            ])
        })
        .collect();
    let web_acl = scope.register(
        Props::of::<WebAcl>(scope.logical("waf"))
            .set("name", web_acl_name.as_str())
            .set("scope", "REGIONAL")
            .set(
                "description",
                format!(
                    "Order API {}-{}: {} requests per 5 minutes per IP, AWS managed rules",
                    n.environment, n.suffix, waf.rate_limit
                ),
            )
            .set("defaultAction", "allow")
            .traced("rateBasedRules", "waf.rateLimit")
            .set(
                "rateBasedRules",
                Value::Array(vec![obj([
                    ("name", "rate-limit-per-ip".into()),
                    ("priority", 1.into()),
                    ("limit", waf.rate_limit.into()),
                    ("evaluationWindowSec", RATE_WINDOW_SECONDS.into()),
                    ("aggregateKeyType", "IP".into()),
                    ("action", "block".into()),
                    ("visibility", visibility(&metric("rate-limit"))),
                ])]),
            )
            .arg(
                "managedRuleGroups",
                Value::Array(managed),
                "waf.managedRuleGroups",
            )
            .set("visibility", visibility(&web_acl_name))
            .arg("tags", scope.tags.clone(), "tags"),
    );
    let blue = target_group("blue");
    let green = target_group("green");

    let listener_props = |part: &str, port: i32, protocol: &str, default_action: Value| {
        Props::of::<Listener>(scope.logical(part))
            .output_of("loadBalancerArn", &load_balancer, "arn")
            .set("port", port)
            .set("protocol", protocol)
            .set("defaultAction", default_action)
            .arg("tags", scope.tags.clone(), "tags")
    };
    let (listener, redirect_listener) = match &lb_settings.certificate_arn {
        Some(certificate) => {
            let https = scope.register(
                listener_props("listener-https", 443, "HTTPS", not_found())
                    .arg(
                        "certificateArn",
                        certificate.as_str(),
                        "loadBalancer.certificateArn",
                    )
                    .arg(
                        "sslPolicy",
                        lb_settings.ssl_policy.as_str(),
                        "loadBalancer.sslPolicy",
                    ),
            );
            let redirect = scope.register(
                listener_props(
                    "listener-http",
                    80,
                    "HTTP",
                    obj([(
                        "redirect",
                        obj([
                            ("protocol", "HTTPS".into()),
                            ("port", "443".into()),
                            ("statusCode", "HTTP_301".into()),
                        ]),
                    )]),
                )
                .after(&[&https]),
            );
            (https, Some(redirect))
        }
        None => {
            scope.env.diagnostics.log(
                crate::resource::Severity::Warning,
                scope.urn,
                format!(
                    "{} '{}': no loadBalancer.certificateArn, so the order API is served over plain HTTP on port \
                     80; set an ACM certificate ARN to serve HTTPS on 443 and redirect 80 to it",
                    super::TOKEN,
                    scope.env.name
                ),
                false,
            );
            let http = scope.register(listener_props("listener-http", 80, "HTTP", not_found()));
            (http, None)
        }
    };

    let patterns = Value::Array(
        service
            .path_patterns
            .iter()
            .map(|p| Value::from(p.as_str()))
            .collect(),
    );
    let weighted =
        |tg: &Child, weight: i32| obj([("arn", tg.output("arn")), ("weight", weight.into())]);
    let rule = scope.register(
        Props::of::<ListenerRule>(scope.logical("rule-orders"))
            .output_of("listenerArn", &listener, "arn")
            .set("priority", RULE_PRIORITY)
            .traced("conditions", "service.pathPatterns")
            .set(
                "conditions",
                Value::Array(vec![obj([("pathPatterns", patterns)])]),
            )
            .with("action", &[&blue, &green], move |c| {
                obj([(
                    "forward",
                    obj([(
                        "targetGroups",
                        Value::Array(vec![weighted(&c[0], 100), weighted(&c[1], 0)]),
                    )]),
                )])
            })
            .set("ignoreWeightChanges", true)
            .arg("tags", scope.tags.clone(), "tags"),
    );
    let web_acl_association = scope.register(
        Props::of::<WebAclAssociation>(scope.logical("waf-association"))
            .output_of("webAclArn", &web_acl, "arn")
            .output_of("resourceArn", &load_balancer, "arn"),
    );
    Edge {
        load_balancer,
        blue,
        green,
        listener,
        redirect_listener,
        rule,
        web_acl,
        web_acl_association,
    }
}
