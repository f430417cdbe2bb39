//! The platform's security groups: internet → ALB on 80/443, ALB → tasks on the container port, tasks →
//! Aurora on 3306 only.
//!
//! Ingress rules name the peer's security group, so only the ALB reaches the tasks and only the tasks reach the
//! database. Egress rules name CIDR blocks instead: a security group that references another in its egress
//! while that one references it back in its ingress would make the two groups depend on each other, and the
//! engine could then neither create nor delete them. The peer CIDRs are exactly the subnets the peer lives in.

use super::network::Network;
use super::{Child, Props, Scope};
use crate::rpc::value::Value;

const SECURITY_GROUP: &str = "orderapi:ec2:SecurityGroup";
/// Aurora MySQL's port.
pub const DB_PORT: i32 = 3306;

/// The registered security groups.
#[derive(Debug)]
pub struct SecurityGroups {
    pub alb: Child,
    pub tasks: Child,
    pub database: Child,
}

fn tcp(port: i32, description: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("protocol", "tcp".into()),
        ("fromPort", port.into()),
        ("toPort", port.into()),
        ("description", description.into()),
    ]
}

fn rule(mut fields: Vec<(&'static str, Value)>, peer: (&'static str, Value)) -> Value {
    fields.push(peer);
    Value::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn cidrs(cidrs: &[String]) -> Value {
    Value::Array(cidrs.iter().map(|c| Value::from(c.as_str())).collect())
}

/// Registers the three groups: the ALB's first (its id is the tasks' ingress peer), then the tasks' (the
/// database's ingress peer), then the database's.
pub async fn build(scope: &Scope<'_>, net: &Network) -> Result<SecurityGroups, String> {
    let n = scope.naming();
    let port = scope.settings().service.container_port;
    let private = &scope.plan.network.private_cidrs;
    let group = |qualifier: &str, description: &str| {
        Props::new(SECURITY_GROUP, scope.logical(&format!("sg-{qualifier}")))
            // `sg-` is reserved for group ids, so the type part of the name is `secgrp`.
            .set("name", n.qualified("secgrp", qualifier))
            .set("description", description)
            .id_of("vpcId", &net.vpc)
            .set("tags", scope.tags.clone())
    };
    let alb = scope
        .register(
            group(
                "alb",
                "Order API load balancer: HTTP/HTTPS from the internet",
            )
            .set(
                "ingress",
                Value::Array(vec![
                    rule(
                        tcp(80, "HTTP from the internet"),
                        ("cidrBlocks", Value::Array(vec!["0.0.0.0/0".into()])),
                    ),
                    rule(
                        tcp(443, "HTTPS from the internet"),
                        ("cidrBlocks", Value::Array(vec!["0.0.0.0/0".into()])),
                    ),
                ]),
            )
            .set(
                "egress",
                Value::Array(vec![rule(
                    tcp(port, "To the order API tasks (private subnets)"),
                    ("cidrBlocks", cidrs(private)),
                )]),
            ),
        )
        .await?;
    let tasks = scope
        .register(
            group(
                "tasks",
                "Order API tasks: the container port from the load balancer only",
            )
            .depends(
                "ingress",
                Value::Array(vec![rule(
                    tcp(port, "From the load balancer"),
                    ("securityGroupId", alb.id.clone()),
                )]),
                &[&alb],
            )
            .set(
                "egress",
                Value::Array(vec![
                    rule(
                        tcp(
                            443,
                            "HTTPS to AWS APIs (ECR, logs, Secrets Manager, SSM) via NAT",
                        ),
                        ("cidrBlocks", Value::Array(vec!["0.0.0.0/0".into()])),
                    ),
                    rule(
                        tcp(DB_PORT, "To Aurora MySQL (private subnets)"),
                        ("cidrBlocks", cidrs(private)),
                    ),
                ]),
            ),
        )
        .await?;
    let database = scope
        .register(
            group(
                "db",
                "Order API database: MySQL from the order API tasks only",
            )
            .depends(
                "ingress",
                Value::Array(vec![rule(
                    tcp(DB_PORT, "MySQL from the order API tasks"),
                    ("securityGroupId", tasks.id.clone()),
                )]),
                &[&tasks],
            )
            // No egress: the database starts no connections (an empty list removes AWS's allow-all).
            .set("egress", Value::Array(vec![])),
        )
        .await?;
    Ok(SecurityGroups {
        alb,
        tasks,
        database,
    })
}
