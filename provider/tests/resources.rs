//! Resource tests: each kind's create / read / update / delete / idempotency / adoption against a moto server
//! (started per test on a free loopback port). One test binary keeps link time down.

#[path = "support/moto.rs"]
mod moto;

mod resources {
    mod ec2_elastic_ip;
    mod ec2_internet_gateway;
    mod ec2_nat_gateway;
    mod ec2_route_table;
    mod ec2_security_group;
    mod ec2_subnet;
    mod ec2_vpc;
    mod pending;
}
