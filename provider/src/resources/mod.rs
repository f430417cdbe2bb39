//! Every AWS resource kind, one file each, grouped by service.

pub mod appautoscaling;
pub mod cloudwatch;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod elbv2;
pub mod iam;
pub mod kms;
pub mod logs;
pub mod rds;
pub mod s3;
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
    r.add::<ec2::flow_log::FlowLog>();
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
    r.add::<kms::key::Key>();
    r.add::<s3::bucket::Bucket>();
}

#[cfg(test)]
mod tests {
    use crate::resource::{CustomResource, Registry};
    use crate::resources::elbv2::target_group::TargetGroup;
    use crate::rpc::value::{PropertyMap, Value};

    #[test]
    fn what_makes_a_kind_unique_is_one_of_its_inputs() {
        for kind in Registry::all().kinds() {
            let inputs = kind.input_properties();
            for key in kind.unique_by() {
                assert!(inputs.contains(*key), "{}: {key}", kind.token());
            }
        }
    }

    #[test]
    fn a_replacement_under_a_new_name_is_created_before_the_old_one_is_deleted() {
        let registry = Registry::all();
        let tg = registry.get(TargetGroup::TOKEN).expect("target group kind");
        let props = |name: &str, port: f64| -> PropertyMap {
            [
                ("name", Value::from(name)),
                ("port", Value::Number(port)),
                ("protocol", "HTTP".into()),
                ("targetType", "ip".into()),
                ("vpcId", "vpc-1".into()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
        };
        let renamed = tg.diff(&props("tg-a", 80.0), &props("tg-blue-a", 80.0), &[]);
        assert!(!renamed.replaces.is_empty(), "{renamed:?}");
        assert!(!renamed.delete_before_replace, "{renamed:?}");
        // Same name: AWS would refuse a second group of that name, so the old one goes first.
        let same_name = tg.diff(&props("tg-a", 80.0), &props("tg-a", 8080.0), &[]);
        assert!(!same_name.replaces.is_empty(), "{same_name:?}");
        assert!(same_name.delete_before_replace, "{same_name:?}");
        // A name not known yet may be the old one.
        let mut unknown = props("tg-a", 8080.0);
        unknown.insert("name".into(), Value::Unknown);
        assert!(
            tg.diff(&props("tg-a", 80.0), &unknown, &[])
                .delete_before_replace
        );
    }
}
