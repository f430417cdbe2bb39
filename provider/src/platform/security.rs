//! The platform's security groups: internet → ALB on 80/443, ALB → tasks on the container port, tasks →
//! Aurora on 3306 only.
//!
//! Ingress rules name the peer's security group, so only the ALB reaches the tasks and only the tasks reach the
//! database. Egress rules name CIDR blocks instead: a security group that references another in its egress
//! while that one references it back in its ingress would make the two groups depend on each other, and the
//! engine could then neither create nor delete them. The peer CIDRs are exactly the subnets the peer lives in.

use super::child::{Handle, Props, Scope};
use super::network::Network;
use crate::resources::ec2::security_group::SecurityGroup;
use crate::rpc::value::Value;

/// Aurora MySQL's port.
pub const DB_PORT: i32 = 3306;

/// The security groups.
#[derive(Debug)]
pub struct SecurityGroups<'a> {
    pub alb: Handle<'a>,
    pub tasks: Handle<'a>,
    pub database: Handle<'a>,
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

/// Declares the three groups: the ALB's (its id is the tasks' ingress peer), the tasks' (the database's ingress
/// peer) and the database's; each needs only the VPC and its peer.
pub fn build<'a>(scope: &Scope<'a>, net: &Network<'a>) -> SecurityGroups<'a> {
    let n = scope.naming();
    let port = scope.settings().service.container_port;
    let private = &scope.plan.network.private_cidrs;
    let group = |qualifier: &str, description: &str| {
        Props::of::<SecurityGroup>(scope.logical(&format!("sg-{qualifier}")))
            // `sg-` is reserved for group ids, so the type part of the name is `secgrp`.
            .set("name", n.qualified("secgrp", qualifier))
            .set("description", description)
            .id_of("vpcId", &net.vpc)
            .arg("tags", scope.tags.clone(), "tags")
    };
    let alb = scope.register(
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
    );
    let tasks = scope.register(
        group(
            "tasks",
            "Order API tasks: the container port from the load balancer only",
        )
        .with("ingress", &[&alb], move |c| {
            Value::Array(vec![rule(
                tcp(port, "From the load balancer"),
                ("securityGroupId", c[0].id.clone()),
            )])
        })
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
    );
    let database = scope.register(
        group(
            "db",
            "Order API database: MySQL from the order API tasks only",
        )
        .with("ingress", &[&tasks], |c| {
            Value::Array(vec![rule(
                tcp(DB_PORT, "MySQL from the order API tasks"),
                ("securityGroupId", c[0].id.clone()),
            )])
        })
        // No egress: the database starts no connections (an empty list removes AWS's allow-all).
        .set("egress", Value::Array(vec![])),
    );
    SecurityGroups {
        alb,
        tasks,
        database,
    }
}
