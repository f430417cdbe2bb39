//! Every AWS resource kind, one file each, grouped by service.

pub mod appautoscaling;
pub mod cloudwatch;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod elbv2;
pub mod iam;
pub mod logs;
pub mod rds;
pub mod secretsmanager;
pub mod sns;
pub mod ssm;
pub mod tags;
pub mod wafv2;

use crate::resource::Registry;

/// Adds every kind to the registry (one line per kind).
pub fn register(r: &mut Registry) {
    r.add::<ec2::vpc::Vpc>();
    r.add::<ec2::subnet::Subnet>();
    r.add::<ec2::internet_gateway::InternetGateway>();
    r.add::<ec2::elastic_ip::ElasticIp>();
    r.add::<ec2::nat_gateway::NatGateway>();
    r.add::<ec2::route_table::RouteTable>();
    r.add::<ec2::security_group::SecurityGroup>();
    r.add::<ecr::repository::Repository>();
    r.add::<logs::log_group::LogGroup>();
    r.add::<logs::metric_filter::MetricFilter>();
    r.add::<elbv2::load_balancer::LoadBalancer>();
    r.add::<elbv2::target_group::TargetGroup>();
    r.add::<elbv2::listener::Listener>();
    r.add::<elbv2::listener_rule::ListenerRule>();
    r.add::<ecs::cluster::Cluster>();
    r.add::<ecs::task_definition::TaskDefinition>();
    r.add::<ecs::service::Service>();
    r.add::<iam::role::Role>();
    r.add::<wafv2::web_acl::WebAcl>();
    r.add::<wafv2::web_acl_association::WebAclAssociation>();
    r.add::<appautoscaling::scalable_target::ScalableTarget>();
    r.add::<appautoscaling::scaling_policy::ScalingPolicy>();
    r.add::<sns::topic::Topic>();
    r.add::<secretsmanager::secret::Secret>();
    r.add::<rds::db_subnet_group::DbSubnetGroup>();
    r.add::<rds::cluster::Cluster>();
    r.add::<rds::cluster_instance::ClusterInstance>();
    r.add::<cloudwatch::metric_alarm::MetricAlarm>();
    r.add::<cloudwatch::dashboard::Dashboard>();
    r.add::<ssm::parameter::Parameter>();
}
