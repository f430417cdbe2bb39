//! Resource tests: each kind's create / read / update / delete / idempotency / adoption against a moto server
//! (started per test on a free loopback port). One test binary keeps link time down.

#[path = "support/moto.rs"]
mod moto;

mod resources {
    mod appautoscaling_scalable_target;
    mod appautoscaling_scaling_policy;
    mod cloudwatch_dashboard;
    mod cloudwatch_metric_alarm;
    mod ec2_elastic_ip;
    mod ec2_flow_log;
    mod ec2_identity;
    mod ec2_internet_gateway;
    mod ec2_nat_gateway;
    mod ec2_route_table;
    mod ec2_security_group;
    mod ec2_subnet;
    mod ec2_vpc;
    mod ecr_repository;
    mod ecs_cluster;
    mod ecs_service;
    mod ecs_task_definition;
    mod elbv2_listener;
    mod elbv2_listener_rule;
    mod elbv2_load_balancer;
    mod elbv2_support;
    mod elbv2_target_group;
    mod golden;
    mod iam_role;
    mod kms_key;
    mod logs_log_group;
    mod logs_metric_filter;
    mod platform_plan;
    mod rds_cluster;
    mod rds_cluster_instance;
    mod rds_db_subnet_group;
    mod s3_bucket;
    mod secretsmanager_secret;
    mod sns_topic;
    mod ssm_parameter;
    mod timing;
    mod wafv2_web_acl;
    mod wafv2_web_acl_association;
}
