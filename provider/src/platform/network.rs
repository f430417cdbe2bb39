//! The platform's network: a VPC over three zones, a public and a private subnet per zone, an internet gateway,
//! an Elastic IP + NAT gateway per zone (so one zone's failure never cuts another's egress), a public route
//! table and one private route table per zone.

use ipnet::Ipv4Net;

use super::child::{Child, Handle, Props, Scope};
use super::naming::zone_letter;
use crate::resource::Failures;
use crate::resources::ec2::{
    elastic_ip::ElasticIp, internet_gateway::InternetGateway, nat_gateway::NatGateway,
    route_table::RouteTable, subnet::Subnet, vpc::Vpc,
};
use crate::rpc::value::{PropertyMap, Value};

/// Address plan: private subnets take a quarter of the VPC each (tasks and databases need the room), the
/// public subnets a sixteenth each out of the last quarter (they hold only load balancer and NAT interfaces).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkPlan {
    pub vpc_cidr: String,
    pub public_cidrs: Vec<String>,
    pub private_cidrs: Vec<String>,
}

impl NetworkPlan {
    pub fn new(cidr: &str, zones: &[String], f: &mut Failures) -> NetworkPlan {
        let empty = NetworkPlan {
            vpc_cidr: cidr.to_string(),
            public_cidrs: vec![],
            private_cidrs: vec![],
        };
        let Ok(net) = cidr.parse::<Ipv4Net>() else {
            f.push("vpcCidr", format!("'{cidr}' is not an IPv4 CIDR block"));
            return empty;
        };
        let quarters: Vec<Ipv4Net> = net
            .subnets(net.prefix_len() + 2)
            .map(|s| s.collect())
            .unwrap_or_default();
        let Some(last) = quarters.get(3) else {
            f.push(
                "vpcCidr",
                format!("'{cidr}' is too small to split into subnets"),
            );
            return empty;
        };
        let public: Vec<Ipv4Net> = last
            .subnets(last.prefix_len() + 2)
            .map(|s| s.collect())
            .unwrap_or_default();
        let n = zones.len();
        NetworkPlan {
            vpc_cidr: net.to_string(),
            public_cidrs: public.iter().take(n).map(Ipv4Net::to_string).collect(),
            private_cidrs: quarters.iter().take(n).map(Ipv4Net::to_string).collect(),
        }
    }
}

/// The network's children.
#[derive(Debug)]
pub struct Network<'a> {
    pub vpc: Handle<'a>,
    pub igw: Handle<'a>,
    pub public_subnets: Vec<Handle<'a>>,
    pub private_subnets: Vec<Handle<'a>>,
    pub elastic_ips: Vec<Handle<'a>>,
    pub nat_gateways: Vec<Handle<'a>>,
    pub public_route_table: Handle<'a>,
    pub private_route_tables: Vec<Handle<'a>>,
}

/// A default route (`0.0.0.0/0`) to `target`'s id, under `target_key` (`gatewayId` or `natGatewayId`).
fn default_route(target_key: &str, target: &Child) -> Value {
    let route: PropertyMap = [
        ("destinationCidrBlock".to_string(), Value::from("0.0.0.0/0")),
        (target_key.to_string(), target.id.clone()),
    ]
    .into_iter()
    .collect();
    Value::Array(vec![Value::Object(route)])
}

/// Declares the network. Per zone the critical path is VPC → public subnet (with the zone's Elastic IP) → NAT
/// gateway → private route table; the internet gateway, the other subnets and the public route table hang off
/// the VPC beside it.
pub fn build<'a>(scope: &Scope<'a>) -> Network<'a> {
    let n = scope.naming();
    let plan = scope.plan;
    let tags = &scope.tags;

    let vpc = scope.register(
        Props::of::<Vpc>(scope.logical("vpc"))
            .set("name", n.name("vpc"))
            .arg("cidrBlock", plan.network.vpc_cidr.as_str(), "vpcCidr")
            .set("enableDnsSupport", true)
            .set("enableDnsHostnames", true)
            .arg("tags", tags.clone(), "tags"),
    );
    let igw = scope.register(
        Props::of::<InternetGateway>(scope.logical("igw"))
            .set("name", n.name("igw"))
            .id_of("vpcId", &vpc)
            .arg("tags", tags.clone(), "tags"),
    );
    let subnets = |tier: &str, cidrs: &[String], public: bool| -> Vec<Handle<'a>> {
        plan.zones
            .iter()
            .zip(cidrs)
            .map(|(z, cidr)| {
                let l = zone_letter(z);
                scope.register(
                    Props::of::<Subnet>(scope.logical(&format!("{tier}-{l}")))
                        .set("name", n.qualified("subnet", &format!("{tier}-{l}")))
                        .id_of("vpcId", &vpc)
                        .arg("cidrBlock", cidr.as_str(), "vpcCidr")
                        .arg("availabilityZone", z.as_str(), "availabilityZones")
                        .arg(
                            "mapPublicIpOnLaunch",
                            public && plan.settings.map_public_ip_on_launch,
                            "mapPublicIpOnLaunch",
                        )
                        .arg("tags", tags.clone(), "tags"),
                )
            })
            .collect()
    };
    let public_subnets = subnets("public", &plan.network.public_cidrs, true);
    let private_subnets = subnets("private", &plan.network.private_cidrs, false);
    let public_route_table = scope.register(
        Props::of::<RouteTable>(scope.logical("public-rt"))
            .set("name", n.qualified("rtb", "public"))
            .id_of("vpcId", &vpc)
            .ids_of("subnetIds", &public_subnets.iter().collect::<Vec<_>>())
            .with("routes", &[&igw], |c| default_route("gatewayId", &c[0]))
            .arg("tags", tags.clone(), "tags"),
    );
    let mut elastic_ips = vec![];
    let mut nat_gateways = vec![];
    let mut private_route_tables = vec![];
    for (i, z) in plan.zones.iter().enumerate() {
        let l = zone_letter(z);
        let eip = scope.register(
            Props::of::<ElasticIp>(scope.logical(&format!("eip-{l}")))
                .set("name", n.qualified("eip", &l))
                .arg("tags", tags.clone(), "tags"),
        );
        let nat = scope.register(
            Props::of::<NatGateway>(scope.logical(&format!("nat-{l}")))
                .set("name", n.qualified("nat", &l))
                .id_of("subnetId", &public_subnets[i])
                .id_of("allocationId", &eip)
                .set("connectivityType", "public")
                .arg("tags", tags.clone(), "tags"),
        );
        let route_table = scope.register(
            Props::of::<RouteTable>(scope.logical(&format!("private-rt-{l}")))
                .set("name", n.qualified("rtb", &format!("private-{l}")))
                .id_of("vpcId", &vpc)
                .ids_of("subnetIds", &[&private_subnets[i]])
                .with("routes", &[&nat], |c| default_route("natGatewayId", &c[0]))
                .arg("tags", tags.clone(), "tags"),
        );
        elastic_ips.push(eip);
        nat_gateways.push(nat);
        private_route_tables.push(route_table);
    }
    Network {
        vpc,
        igw,
        public_subnets,
        private_subnets,
        elastic_ips,
        nat_gateways,
        public_route_table,
        private_route_tables,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zones() -> Vec<String> {
        ["us-east-1a", "us-east-1b", "us-east-1c"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn address_plan_for_a_slash_16() {
        let mut f = Failures::default();
        let p = NetworkPlan::new("10.0.0.0/16", &zones(), &mut f);
        assert_eq!(
            p.private_cidrs,
            vec!["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"]
        );
        assert_eq!(
            p.public_cidrs,
            vec!["10.0.192.0/20", "10.0.208.0/20", "10.0.224.0/20"]
        );
    }

    #[test]
    fn address_plan_for_a_slash_24_stays_within_aws_minimum() {
        let mut f = Failures::default();
        let p = NetworkPlan::new("192.168.5.0/24", &zones(), &mut f);
        assert!(f.finish(()).is_ok());
        assert_eq!(
            p.private_cidrs,
            vec!["192.168.5.0/26", "192.168.5.64/26", "192.168.5.128/26"]
        );
        assert_eq!(
            p.public_cidrs,
            vec!["192.168.5.192/28", "192.168.5.208/28", "192.168.5.224/28"]
        );
    }

    #[test]
    fn subnets_never_overlap() {
        for cidr in [
            "10.0.0.0/16",
            "10.1.0.0/20",
            "172.16.0.0/22",
            "192.168.0.0/24",
        ] {
            let mut f = Failures::default();
            let p = NetworkPlan::new(cidr, &zones(), &mut f);
            let nets: Vec<Ipv4Net> = p
                .private_cidrs
                .iter()
                .chain(&p.public_cidrs)
                .map(|c| c.parse().expect("cidr"))
                .collect();
            let vpc: Ipv4Net = cidr.parse().expect("cidr");
            for (i, a) in nets.iter().enumerate() {
                assert!(vpc.contains(a), "{a} outside {vpc}");
                for b in &nets[i + 1..] {
                    assert!(!a.contains(b) && !b.contains(a), "{a} overlaps {b}");
                }
            }
        }
    }

    #[test]
    fn bad_cidrs_fail_naming_vpc_cidr() {
        for bad in ["not-a-cidr", "10.0.0.0/31"] {
            let mut f = Failures::default();
            let p = NetworkPlan::new(bad, &zones(), &mut f);
            assert!(p.private_cidrs.is_empty() && p.public_cidrs.is_empty());
            let failures = f.finish(()).expect_err(bad);
            assert_eq!(failures[0].property, "vpcCidr", "{bad}");
        }
    }
}
