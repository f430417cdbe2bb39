//! The platform's three IAM roles, their policies built with the typed documents of
//! [`crate::resources::iam::policy`] (never untyped JSON): the task execution role, the task role and the ECS
//! infrastructure role. Each policy names only the platform's own ARNs; it is unknown in a preview until every
//! ARN it names is known.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::{arn_parts, known};
use crate::platform::child::{Child, Handle, Props, Scope};
use crate::platform::data::Data;
use crate::platform::edge::Edge;
use crate::resources::iam::policy::{
    Conditions, Effect, PolicyDocument, PolicyStatement, TrustPolicyDocument,
};
use crate::resources::iam::role::Role;
use crate::rpc::value::Value;

/// The service principal of ECS tasks.
const ECS_TASKS: &str = "ecs-tasks.amazonaws.com";
/// The service principal of ECS itself.
const ECS: &str = "ecs.amazonaws.com";

/// An `Allow` statement.
pub(crate) fn allow(sid: &str, actions: &[&str], resources: Vec<String>) -> PolicyStatement {
    PolicyStatement {
        sid: Some(sid.to_string()),
        effect: Effect::Allow,
        actions: actions.iter().map(|a| a.to_string()).collect(),
        resources,
        condition: None,
    }
}

/// One condition: `operator` → `key` → `values`.
pub(crate) fn condition(operator: &str, key: &str, values: Vec<String>) -> Conditions {
    BTreeMap::from([(
        operator.to_string(),
        BTreeMap::from([(key.to_string(), values)]),
    )])
}

/// The known strings of `values`, or `None` while any is unknown (preview).
fn known_all(values: &[Value]) -> Option<Vec<String>> {
    values
        .iter()
        .map(|v| known(v).map(str::to_string))
        .collect()
}

/// A trust policy for one AWS `service` with the confused-deputy conditions AWS documents: the caller acts for
/// `account` (`aws:SourceAccount`) and for a resource matching `source_arn` (`aws:SourceArn`).
pub(crate) fn trust_for(service: &str, account: &str, source_arn: String) -> TrustPolicyDocument {
    let mut trust = TrustPolicyDocument::service(service);
    let mut conditions = condition(
        "StringEquals",
        "aws:SourceAccount",
        vec![account.to_string()],
    );
    conditions.extend(condition("ArnLike", "aws:SourceArn", vec![source_arn]));
    for s in &mut trust.statements {
        s.condition = Some(conditions.clone());
    }
    trust
}

/// A typed document as a property value.
pub(crate) fn value_of(document: &impl Serialize) -> Result<Value, String> {
    serde_json::to_value(document)
        .map(Value::from_json)
        .map_err(|e| format!("cannot encode an IAM policy document: {e}"))
}

/// The `inlinePolicies` property: one policy named `name`, or unknown while `document` is.
pub(crate) fn inline(name: &str, document: Option<PolicyDocument>) -> Result<Value, String> {
    match document {
        Some(d) => Ok(Value::Object(
            [(name.to_string(), value_of(&d)?)].into_iter().collect(),
        )),
        None => Ok(Value::Unknown),
    }
}

/// The common part of the three roles.
pub(crate) fn role<'a>(scope: &Scope<'a>, qualifier: &str, description: &str) -> Props<'a> {
    Props::of::<Role>(scope.logical(&format!("role-{qualifier}")))
        .set("name", scope.naming().qualified("role", qualifier))
        .set("description", description)
        .arg("tags", scope.tags.clone(), "tags")
}

/// The ECR repository ARN of a private ECR image URI (`<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>`
/// with an optional `:tag` or `@digest`); `None` for any other registry.
pub(super) fn ecr_repository_arn(image: &str) -> Option<String> {
    let (registry, rest) = image.split_once('/')?;
    let labels: Vec<&str> = registry.split('.').collect();
    let (account, region, partition) = match labels.as_slice() {
        [account, "dkr", "ecr", region, "amazonaws", "com"] => (*account, *region, "aws"),
        [account, "dkr", "ecr", region, "amazonaws", "com", "cn"] => (*account, *region, "aws-cn"),
        _ => return None,
    };
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let repository = rest.split_once('@').map_or(rest, |(r, _)| r);
    // Repository names hold no ':', so one after the last '/' starts the tag.
    let repository = match repository.rsplit_once(':') {
        Some((r, tag)) if !tag.contains('/') => r,
        _ => repository,
    };
    (!repository.is_empty())
        .then(|| format!("arn:{partition}:ecr:{region}:{account}:repository/{repository}"))
}

/// The task execution role: what ECS itself needs to start a task — pull the image, write the log stream,
/// resolve the container's `secrets`.
///
/// The trust policy names `ecs-tasks.amazonaws.com` without an `aws:SourceAccount` condition: AWS documents the
/// confused-deputy conditions for task roles, not for execution roles, and a condition the service does not
/// supply would stop every task from starting.
pub fn execution_role<'a>(
    scope: &Scope<'a>,
    repository: &Handle<'a>,
    log_group: &Handle<'a>,
    data: &Data<'a>,
) -> Props<'a> {
    let user_repository = scope
        .settings()
        .service
        .image
        .as_deref()
        .and_then(ecr_repository_arn);
    let mut from = vec![repository, log_group, &data.app_secret, &data.cluster];
    from.extend(data.parameters.values());
    role(
        scope,
        "execution",
        "Order API task execution: pull the image, write logs, read the service's secrets and parameters",
    )
    .try_with("assumeRolePolicy", &[], |_| {
        value_of(&TrustPolicyDocument::service(ECS_TASKS))
    })
    .try_with("inlinePolicies", &from, move |c: &[Arc<Child>]| {
        let document = (|| {
            let [repository, log_group, app_secret, db_secret] = known_all(&[
                c[0].output("arn"),
                c[1].output("arn"),
                c[2].output("arn"),
                c[3].output("masterUserSecretArn"),
            ])?
            .try_into()
            .ok()?;
            let parameters = known_all(&c[4..].iter().map(|p| p.output("arn")).collect::<Vec<_>>())?;
            let mut pull = vec![repository];
            pull.extend(user_repository);
            let mut statements = vec![
                // AWS requires `*`: the authorization token is for the registry, not a repository.
                allow(
                    "EcrAuthorization",
                    &["ecr:GetAuthorizationToken"],
                    vec!["*".into()],
                ),
                allow(
                    "EcrPull",
                    &[
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                    ],
                    pull,
                ),
                allow(
                    "Logs",
                    &["logs:CreateLogStream", "logs:PutLogEvents"],
                    vec![format!("{log_group}:*")],
                ),
                allow(
                    "Secrets",
                    &["secretsmanager:GetSecretValue"],
                    vec![app_secret, db_secret],
                ),
            ];
            if !parameters.is_empty() {
                statements.push(allow("Parameters", &["ssm:GetParameters"], parameters));
            }
            Some(PolicyDocument::new(statements))
        })();
        inline("execution", document)
    })
}

/// The task role: what the order API's own code may do — publish its metrics (only into its namespace), read
/// its configuration under the parameter path, and re-read the database credentials RDS rotates
/// (`DB_SECRET_ARN`; the injected `DB_PASSWORD` is fixed at task start).
///
/// The trust policy carries the confused-deputy conditions AWS documents for task roles: `aws:SourceAccount`
/// and `aws:SourceArn` (any ECS resource of this account and region). Account, partition and region come from
/// the app secret's ARN, the first of the platform's ARNs the role may name.
pub fn task_role<'a>(scope: &Scope<'a>, data: &Data<'a>) -> Props<'a> {
    let namespace = scope.metric_namespace();
    let path = scope.parameter_path().trim_end_matches('/').to_string();
    role(
        scope,
        "task",
        "Order API application: publish its metrics, read its configuration and database credentials",
    )
    .try_with("assumeRolePolicy", &[&data.app_secret], |c| {
        let Some(arn) = known(&c[0].output("arn")).map(str::to_string) else {
            return Ok(Value::Unknown);
        };
        let (partition, region, account) = arn_parts(&arn)?;
        value_of(&trust_for(
            ECS_TASKS,
            &account,
            format!("arn:{partition}:ecs:{region}:{account}:*"),
        ))
    })
    .try_with(
        "inlinePolicies",
        &[&data.app_secret, &data.cluster],
        move |c| {
            let Some([app_secret, db_secret]) =
                known_all(&[c[0].output("arn"), c[1].output("masterUserSecretArn")])
                    .and_then(|v| <[String; 2]>::try_from(v).ok())
            else {
                return Ok(Value::Unknown);
            };
            let (partition, region, account) = arn_parts(&app_secret)?;
            let ssm = |suffix: &str| {
                format!("arn:{partition}:ssm:{region}:{account}:parameter{path}{suffix}")
            };
            let mut metrics = allow("Metrics", &["cloudwatch:PutMetricData"], vec!["*".into()]);
            // AWS requires `*` for PutMetricData; the condition keeps the task inside its own namespace.
            metrics.condition = Some(condition(
                "StringEquals",
                "cloudwatch:namespace",
                vec![namespace],
            ));
            let document = PolicyDocument::new(vec![
                metrics,
                allow(
                    "Configuration",
                    &[
                        "ssm:GetParameter",
                        "ssm:GetParameters",
                        "ssm:GetParametersByPath",
                    ],
                    vec![ssm(""), ssm("/*")],
                ),
                allow(
                    "DatabaseCredentials",
                    &["secretsmanager:GetSecretValue"],
                    vec![db_secret],
                ),
            ]);
            inline("task", Some(document))
        },
    )
}

/// The ECS infrastructure role for blue/green, canary and linear deployments: what
/// `AmazonECSInfrastructureRolePolicyForLoadBalancers` grants, scoped to the platform's target groups, production
/// listener and rule (the `Describe*` calls have no resource-level permissions, so they keep `*`).
pub fn infrastructure_role<'a>(scope: &Scope<'a>, edge: &Edge<'a>) -> Props<'a> {
    role(
        scope,
        "ecs-infra",
        "ECS blue/green deployments of the order API: shift traffic between its target groups",
    )
    .try_with("assumeRolePolicy", &[], |_| {
        value_of(&TrustPolicyDocument::service(ECS))
    })
    .try_with(
        "inlinePolicies",
        &[&edge.blue, &edge.green, &edge.listener, &edge.rule],
        |c| {
            let document = known_all(&c.iter().map(|x| x.output("arn")).collect::<Vec<_>>())
                .and_then(|arns| <[String; 4]>::try_from(arns).ok())
                .map(|[blue, green, listener, rule]| {
                    PolicyDocument::new(vec![
                        allow(
                            "LoadBalancerReads",
                            &[
                                "elasticloadbalancing:DescribeListeners",
                                "elasticloadbalancing:DescribeRules",
                                "elasticloadbalancing:DescribeTargetGroups",
                                "elasticloadbalancing:DescribeTargetHealth",
                            ],
                            vec!["*".into()],
                        ),
                        allow(
                            "TargetGroups",
                            &[
                                "elasticloadbalancing:DeregisterTargets",
                                "elasticloadbalancing:RegisterTargets",
                            ],
                            vec![blue, green],
                        ),
                        allow(
                            "Listener",
                            &["elasticloadbalancing:ModifyListener"],
                            vec![listener],
                        ),
                        allow(
                            "ListenerRule",
                            &["elasticloadbalancing:ModifyRule"],
                            vec![rule],
                        ),
                    ])
                });
            inline("load-balancers", document)
        },
    )
}
