//! EC2 networking kinds, and what they share: tags (the `Name` tag is each one's physical name), identity lookups
//! for adoption, and the blockers that explain a refused delete.
//!
//! # Which existing object a create adopts
//!
//! See [`crate::lifecycle`]: every object carries the ownership tag and this resource's identity
//! ([`IDENTITY_TAG`], a digest of the URN); a create adopts an object with its identity that the engine does not
//! record (the leftover of a create whose answer was lost), and nothing else. EC2 keeps none of these kinds'
//! names unique (names are only `Name` tags), so VPCs, subnets, internet gateways, Elastic IPs, NAT gateways,
//! route tables and flow logs are looked up by identity ([`identity_filter`]); one the engine records (the object a
//! replacement replaces) is left alone and a new one is created beside it. A same-named object that is not this resource's
//! (a stranger, or another resource's) is a conflict ([`name_clash`]). Security groups are unique by name per
//! VPC: a same-named group is adopted only as an orphan, and is a conflict otherwise. Creates of the non-unique
//! kinds go out with the SDK's retry off, inside [`crate::lifecycle::create_once`], so a lost answer is looked up
//! before the call is repeated.
//!
//! # Deletes that explain
//!
//! A VPC, subnet, internet gateway (detach) or security group that AWS refuses to delete because something still
//! uses it is retried only while what blocks it goes away by itself (a NAT gateway being deleted, the network
//! interface of a deleted load balancer); otherwise the delete fails within [`crate::lifecycle::BLOCKED_GRACE`]
//! naming the blockers ([`vpc_blockers`], [`subnet_blockers`], [`internet_gateway_blockers`],
//! [`security_group_blockers`]) instead of waiting for the timeout.

pub mod elastic_ip;
pub mod flow_log;
pub mod internet_gateway;
pub mod nat_gateway;
pub mod route_table;
pub mod security_group;
pub mod subnet;
pub mod vpc;

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{
    Filter, NatGateway as LiveNat, NetworkInterface, ResourceType, Tag, TagSpecification,
};

use super::tags::{self, Tagging};
use crate::aws::Aws;
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Blocker, Found, IDENTITY_TAG, Recorded};
use crate::resource::{CheckContext, Context, Failures};

/// Tags as AWS returns them, as a map.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// Every tag a resource named `name` carries: its own, the provider's, ownership and identity, plus `Name`.
pub fn all_tags(
    ctx: &Context,
    name: &str,
    own: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let mut tags = ctx.tags(own);
    tags.insert("Name".to_string(), name.to_string());
    tags
}

/// The filter that finds the objects created for this resource (its [`IDENTITY_TAG`]).
pub fn identity_filter(ctx: &Context) -> Filter {
    filter(&format!("tag:{IDENTITY_TAG}"), ctx.identity.as_str())
}

/// EC2 tags objects by id.
pub struct Ec2Tags;

impl Tagging for Ec2Tags {
    async fn tag(
        aws: &Aws,
        id: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        aws.ec2
            .create_tags()
            .resources(id)
            .set_tags(Some(
                tags.iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| aws_error("ec2:CreateTags", e))?;
        Ok(())
    }

    async fn untag(aws: &Aws, id: &str, keys: &[String]) -> Result<(), ResourceError> {
        aws.ec2
            .delete_tags()
            .resources(id)
            .set_tags(Some(
                keys.iter().map(|k| Tag::builder().key(k).build()).collect(),
            ))
            .send()
            .await
            .map_err(|e| aws_error("ec2:DeleteTags", e))?;
        Ok(())
    }
}

/// The tag specification that tags a resource atomically with its creation.
pub fn tag_spec(kind: ResourceType, tags: &BTreeMap<String, String>) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .build()
}

/// Splits the live tags (see [`tags::split`]).
pub fn split_tags(
    aws: &Aws,
    live: &[Tag],
    prior: Option<&BTreeMap<String, String>>,
) -> tags::Split {
    tags::split(aws, tag_map(live), prior)
}

/// A filter on one value.
pub fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// The `Name`-tag filter used to find a resource by its physical name.
pub fn name_filter(name: &str) -> Filter {
    filter("tag:Name", name)
}

/// Whether the engine records object `id` for this resource (a replacement's predecessor).
pub fn is_recorded(ctx: &Context, id: &str) -> bool {
    matches!(&ctx.recorded, Recorded::Ids(ids) if ids.contains(id))
}

/// How a same-named object found at create time stands in the way, for the kinds EC2 does not keep unique:
/// `None` when it does not (it has this resource's identity, so the identity lookup decides; or it is an earlier
/// release's object that the engine records for this resource), `Some` with the classification to report
/// ([`crate::lifecycle::conflict`]) when it belongs to someone else or to another resource.
pub fn name_clash(ctx: &Context, id: &str, tags: &BTreeMap<String, String>) -> Option<Found> {
    match ctx.found(id, tags) {
        Found::Orphan | Found::Recorded => None,
        other => Some(other),
    }
}

/// Fills `name` with an autoname when unset, and validates an EC2 `Name` tag (1-255 characters).
pub fn check_name(ctx: &CheckContext, name: &mut Option<String>, f: &mut Failures) {
    let n = name.get_or_insert_with(|| ctx.autoname(63));
    f.require(
        !n.is_empty() && n.len() <= 255,
        "name",
        "must be 1-255 characters (it becomes the Name tag)",
    );
}

/// Validates user tags against EC2's limits.
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    tags::check(tags, "EC2", f);
    if tags.is_some_and(|t| t.contains_key("Name")) {
        f.push("tags", "set the `name` property instead of a Name tag");
    }
}

/// Validates an IPv4 CIDR block with a prefix in `min..=max`; returns it parsed.
pub fn check_cidr(
    property: &str,
    cidr: &str,
    min: u8,
    max: u8,
    f: &mut Failures,
) -> Option<ipnet::Ipv4Net> {
    match cidr.parse::<ipnet::Ipv4Net>() {
        Ok(net) if net.network() != net.addr() => {
            f.push(
                property,
                format!("'{cidr}' has host bits set; use {}", net.trunc()),
            );
            None
        }
        Ok(net) if !(min..=max).contains(&net.prefix_len()) => {
            f.push(
                property,
                format!("'{cidr}' must have a prefix length between /{min} and /{max}"),
            );
            None
        }
        Ok(net) => Some(net),
        Err(_) => {
            f.push(
                property,
                format!("'{cidr}' is not an IPv4 CIDR block such as 10.0.0.0/16"),
            );
            None
        }
    }
}

/// The first three available availability zones of the configured region, in name order.
pub async fn availability_zones(aws: &Aws) -> Result<Vec<String>, ResourceError> {
    let out = aws
        .ec2
        .describe_availability_zones()
        .filters(filter("state", "available"))
        .filters(filter("zone-type", "availability-zone"))
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeAvailabilityZones", e))?;
    let mut zones: Vec<String> = out
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name().map(str::to_string))
        .collect();
    zones.sort();
    Ok(zones)
}

/// How a blocker is named in errors: `route table rtb-1 (Name=web, …)`.
fn labelled(kind: &str, id: &str, tags: &[Tag], note: Option<&str>) -> String {
    let mut notes: Vec<String> = Vec::new();
    if let Some(name) = tags
        .iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value())
    {
        notes.push(format!("Name={name}"));
    }
    if let Some(note) = note.filter(|n| !n.is_empty()) {
        notes.push(note.to_string());
    }
    if notes.is_empty() {
        format!("{kind} {id}")
    } else {
        format!("{kind} {id} ({})", notes.join(", "))
    }
}

fn nat_state(nat: &LiveNat) -> &str {
    nat.state().map(|s| s.as_str()).unwrap_or_default()
}

/// The NAT gateways `by` selects (a `vpc-id` or `subnet-id` filter) that still hold their network interfaces.
async fn nat_gateways(ctx: &Context, by: Filter) -> Result<Vec<LiveNat>, ResourceError> {
    let out = ctx
        .aws
        .ec2
        .describe_nat_gateways()
        .filter(by)
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeNatGateways", e))?;
    Ok(out
        .nat_gateways()
        .iter()
        .filter(|n| !matches!(nat_state(n), "deleted" | "failed"))
        .cloned()
        .collect())
}

/// A NAT gateway in the way: one being deleted lets go by itself.
fn nat_blocker(nat: &LiveNat) -> Blocker {
    let state = nat_state(nat);
    Blocker {
        what: labelled(
            "NAT gateway",
            nat.nat_gateway_id().unwrap_or_default(),
            nat.tags(),
            Some(state),
        ),
        clears: state == "deleting",
    }
}

/// The network interfaces of `nats`, by interface id.
fn nat_interfaces(nats: &[LiveNat]) -> BTreeSet<String> {
    nats.iter()
        .flat_map(|n| n.nat_gateway_addresses())
        .filter_map(|a| a.network_interface_id().map(str::to_string))
        .collect()
}

async fn network_interfaces(
    ctx: &Context,
    by: Filter,
) -> Result<Vec<NetworkInterface>, ResourceError> {
    let out = ctx
        .aws
        .ec2
        .describe_network_interfaces()
        .filters(by)
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeNetworkInterfaces", e))?;
    Ok(out.network_interfaces().to_vec())
}

/// Whether the load balancer an interface described `ELB app/<name>/<id>` belongs to is gone (AWS then removes
/// its interfaces within minutes).
async fn load_balancer_gone(ctx: &Context, description: &str) -> Result<bool, ResourceError> {
    let Some(name) = description
        .strip_prefix("ELB ")
        .and_then(|d| d.split('/').nth(1))
    else {
        return Ok(false);
    };
    match ctx
        .aws
        .elbv2
        .describe_load_balancers()
        .names(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.load_balancers().is_empty()),
        Err(e) => {
            let e = aws_error("elbv2:DescribeLoadBalancers", e);
            if e.is_not_found() { Ok(true) } else { Err(e) }
        }
    }
}

/// A network interface in the way, and whether AWS removes it by itself: one of a NAT gateway being deleted (or
/// already gone), of a deleted load balancer, of an ECS task, one being detached, or a released requester-managed
/// one (AWS reclaims those). Anything else stays until someone deletes its owner.
async fn interface_blocker(
    ctx: &Context,
    eni: &NetworkInterface,
    nats: &[LiveNat],
) -> Result<Blocker, ResourceError> {
    let id = eni.network_interface_id().unwrap_or_default();
    let description = eni.description().unwrap_or_default();
    let status = eni.status().map(|s| s.as_str()).unwrap_or_default();
    let kind = eni.interface_type().map(|t| t.as_str()).unwrap_or_default();
    let detaching = eni
        .attachment()
        .and_then(|a| a.status())
        .is_some_and(|s| matches!(s.as_str(), "detaching" | "detached"));
    let nat = nats.iter().find(|n| {
        n.nat_gateway_addresses()
            .iter()
            .any(|a| a.network_interface_id() == Some(id))
    });
    let (note, clears) = if let Some(nat) = nat {
        let state = nat_state(nat);
        (
            format!(
                "of NAT gateway {}, {state}",
                nat.nat_gateway_id().unwrap_or_default()
            ),
            state == "deleting",
        )
    } else if kind == "nat_gateway" {
        ("of a deleted NAT gateway".to_string(), true)
    } else if let Some(lb) = description.strip_prefix("ELB ") {
        let gone = load_balancer_gone(ctx, description).await?;
        let note = if gone {
            format!("of deleted load balancer {lb}")
        } else {
            format!("of load balancer {lb}")
        };
        (note, gone)
    } else if eni.requester_managed() == Some(true) && description.starts_with("arn:aws:ecs:") {
        // An ECS task's interface: AWS removes it when the task stops (its service is deleted first). A task that
        // keeps running outside the stack holds it until the timeout.
        (format!("of ECS task attachment {description}"), true)
    } else if eni.requester_managed() == Some(true) && status == "available" {
        (format!("{description}, released; AWS reclaims it"), true)
    } else if detaching {
        (format!("{description}, being detached"), true)
    } else if description.is_empty() {
        (format!("{kind} {status}").trim().to_string(), false)
    } else {
        (description.to_string(), false)
    };
    Ok(Blocker {
        what: labelled("network interface", id, eni.tag_set(), Some(&note)),
        clears,
    })
}

/// The interfaces among `enis` that are not a listed NAT gateway's (the NAT gateway stands for those).
async fn interface_blockers(
    ctx: &Context,
    enis: &[NetworkInterface],
    nats: &[LiveNat],
) -> Result<Vec<Blocker>, ResourceError> {
    let of_nats = nat_interfaces(nats);
    let mut out = Vec::new();
    for eni in enis {
        if of_nats.contains(eni.network_interface_id().unwrap_or_default()) {
            continue;
        }
        out.push(interface_blocker(ctx, eni, nats).await?);
    }
    Ok(out)
}

/// What keeps VPC `vpc` from being deleted: subnets, route tables other than the main one, security groups other
/// than the default one, attached internet gateways, NAT gateways, network interfaces and VPC endpoints.
pub async fn vpc_blockers(ctx: &Context, vpc: &str) -> Result<Vec<Blocker>, ResourceError> {
    let ec2 = &ctx.aws.ec2;
    let by_vpc = || filter("vpc-id", vpc);
    let mut out = Vec::new();
    let subnets = ec2
        .describe_subnets()
        .filters(by_vpc())
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeSubnets", e))?;
    for s in subnets.subnets() {
        out.push(Blocker {
            what: labelled(
                "subnet",
                s.subnet_id().unwrap_or_default(),
                s.tags(),
                s.cidr_block(),
            ),
            clears: false,
        });
    }
    let tables = ec2
        .describe_route_tables()
        .filters(by_vpc())
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeRouteTables", e))?;
    for t in tables.route_tables() {
        if t.associations().iter().any(|a| a.main() == Some(true)) {
            continue;
        }
        out.push(Blocker {
            what: labelled(
                "route table",
                t.route_table_id().unwrap_or_default(),
                t.tags(),
                None,
            ),
            clears: false,
        });
    }
    let groups = ec2
        .describe_security_groups()
        .filters(by_vpc())
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeSecurityGroups", e))?;
    for g in groups.security_groups() {
        if g.group_name() == Some("default") {
            continue;
        }
        out.push(Blocker {
            what: labelled(
                "security group",
                g.group_id().unwrap_or_default(),
                g.tags(),
                g.group_name(),
            ),
            clears: false,
        });
    }
    let gateways = ec2
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", vpc))
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeInternetGateways", e))?;
    for g in gateways.internet_gateways() {
        out.push(Blocker {
            what: labelled(
                "internet gateway",
                g.internet_gateway_id().unwrap_or_default(),
                g.tags(),
                Some("attached"),
            ),
            clears: false,
        });
    }
    let nats = nat_gateways(ctx, by_vpc()).await?;
    out.extend(nats.iter().map(nat_blocker));
    let enis = network_interfaces(ctx, by_vpc()).await?;
    out.extend(interface_blockers(ctx, &enis, &nats).await?);
    let endpoints = ec2
        .describe_vpc_endpoints()
        .filters(by_vpc())
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeVpcEndpoints", e))?;
    for e in endpoints.vpc_endpoints() {
        let state = e.state().map(|s| s.as_str()).unwrap_or_default();
        if state.eq_ignore_ascii_case("deleted") {
            continue;
        }
        out.push(Blocker {
            what: labelled(
                "VPC endpoint",
                e.vpc_endpoint_id().unwrap_or_default(),
                e.tags(),
                e.service_name(),
            ),
            clears: state.eq_ignore_ascii_case("deleting"),
        });
    }
    Ok(out)
}

/// What keeps subnet `subnet` from being deleted: NAT gateways and network interfaces in it.
pub async fn subnet_blockers(ctx: &Context, subnet: &str) -> Result<Vec<Blocker>, ResourceError> {
    let nats = nat_gateways(ctx, filter("subnet-id", subnet)).await?;
    let enis = network_interfaces(ctx, filter("subnet-id", subnet)).await?;
    let mut out: Vec<Blocker> = nats.iter().map(nat_blocker).collect();
    out.extend(interface_blockers(ctx, &enis, &nats).await?);
    Ok(out)
}

/// What keeps an internet gateway from being detached from `vpc`: public addresses mapped in the VPC (public NAT
/// gateways, network interfaces with a public or Elastic IP address).
pub async fn internet_gateway_blockers(
    ctx: &Context,
    vpc: &str,
) -> Result<Vec<Blocker>, ResourceError> {
    let nats: Vec<LiveNat> = nat_gateways(ctx, filter("vpc-id", vpc))
        .await?
        .into_iter()
        .filter(|n| n.connectivity_type().is_none_or(|c| c.as_str() == "public"))
        .collect();
    let enis: Vec<NetworkInterface> = network_interfaces(ctx, filter("vpc-id", vpc))
        .await?
        .into_iter()
        .filter(|e| e.association().and_then(|a| a.public_ip()).is_some())
        .collect();
    let mut out: Vec<Blocker> = nats.iter().map(nat_blocker).collect();
    out.extend(interface_blockers(ctx, &enis, &nats).await?);
    Ok(out)
}

/// What keeps security group `group` from being deleted: network interfaces it is attached to, and other groups
/// whose rules reference it.
pub async fn security_group_blockers(
    ctx: &Context,
    group: &str,
) -> Result<Vec<Blocker>, ResourceError> {
    let enis = network_interfaces(ctx, filter("group-id", group)).await?;
    let mut out = interface_blockers(ctx, &enis, &[]).await?;
    let mut seen = BTreeSet::new();
    for by in ["ip-permission.group-id", "egress.ip-permission.group-id"] {
        let groups = ctx
            .aws
            .ec2
            .describe_security_groups()
            .filters(filter(by, group))
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeSecurityGroups", e))?;
        for g in groups.security_groups() {
            let id = g.group_id().unwrap_or_default();
            if id == group || !seen.insert(id.to_string()) {
                continue;
            }
            let note = format!(
                "{}, its rules reference this group",
                g.group_name().unwrap_or_default()
            );
            out.push(Blocker {
                what: labelled("security group", id, g.tags(), Some(&note)),
                clears: false,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_providers_tag_keys_cannot_be_declared() {
        for key in ["ManagedBy", crate::lifecycle::IDENTITY_TAG, "Name"] {
            let mut f = Failures::default();
            check_tags(
                Some(&BTreeMap::from([(key.to_string(), "x".to_string())])),
                &mut f,
            );
            let failures = f.finish(()).expect_err(key);
            assert_eq!(failures[0].property, "tags", "{key}");
        }
        let mut f = Failures::default();
        check_tags(
            Some(&BTreeMap::from([("Team".to_string(), "x".to_string())])),
            &mut f,
        );
        assert!(f.finish(()).is_ok());
    }
    use crate::lifecycle::LEGACY_PENDING_TAG;

    #[test]
    fn cidr_rules() {
        let mut f = Failures::default();
        assert!(check_cidr("c", "10.0.0.0/16", 16, 28, &mut f).is_some());
        assert!(check_cidr("c", "10.0.0.1/16", 16, 28, &mut f).is_none());
        assert!(check_cidr("c", "10.0.0.0/8", 16, 28, &mut f).is_none());
        assert!(check_cidr("c", "banana", 16, 28, &mut f).is_none());
        assert_eq!(f.finish(()).expect_err("3 failures").len(), 3);
    }

    #[test]
    fn split_tags_hides_provider_tags() {
        let mut aws = Aws::offline();
        aws.default_tags.insert("CostCenter".into(), "42".into());
        let live: Vec<Tag> = [
            ("Name", "vpc-a"),
            ("ManagedBy", "pulumi-orderapi"),
            (IDENTITY_TAG, "0123"),
            ("CostCenter", "42"),
            ("Team", "x"),
            (LEGACY_PENDING_TAG, "true"),
        ]
        .iter()
        .map(|(k, v)| Tag::builder().key(*k).value(*v).build())
        .collect();
        let (name, own, all) = split_tags(&aws, &live[..5], None);
        assert_eq!(name.as_deref(), Some("vpc-a"));
        assert_eq!(
            own,
            Some(BTreeMap::from([("Team".to_string(), "x".to_string())]))
        );
        assert_eq!(all.len(), 5);
        assert_eq!(all.get(IDENTITY_TAG).map(String::as_str), Some("0123"));
        // An earlier release's unfinished-create marker shows as drift on the declared tags, so the next update
        // removes it.
        let (_, own, _) = split_tags(&aws, &live, None);
        assert!(own.is_some_and(|o| o.contains_key(LEGACY_PENDING_TAG)));
    }

    fn ctx(recorded: Recorded) -> Context {
        Context::new(
            std::sync::Arc::new(Aws::offline()),
            "urn:pulumi:dev::p::orderapi:ec2:Vpc::a",
            std::time::Duration::from_secs(5),
            tokio_util::sync::CancellationToken::new(),
        )
        .with_recorded(recorded)
    }

    #[test]
    fn only_strangers_and_other_resources_clash_by_name() {
        let new = ctx(Recorded::Nothing);
        let ours = all_tags(&new, "a", None);
        assert_eq!(name_clash(&new, "vpc-1", &ours), None);
        let stranger = BTreeMap::from([("Name".to_string(), "a".to_string())]);
        assert_eq!(name_clash(&new, "vpc-1", &stranger), Some(Found::Stranger));
        let mut theirs = ours.clone();
        theirs.insert(IDENTITY_TAG.into(), "f".repeat(32));
        assert!(matches!(
            name_clash(&new, "vpc-1", &theirs),
            Some(Found::Other { .. })
        ));
        // An earlier release's object (no identity) that the engine records for this resource is its
        // predecessor, not another resource's.
        let mut legacy = ours.clone();
        legacy.remove(IDENTITY_TAG);
        assert!(name_clash(&new, "vpc-1", &legacy).is_some());
        let replacing = ctx(Recorded::Ids(BTreeSet::from(["vpc-1".to_string()])));
        assert_eq!(name_clash(&replacing, "vpc-1", &legacy), None);
        assert!(is_recorded(&replacing, "vpc-1"));
        assert!(!is_recorded(&replacing, "vpc-2"));
        assert!(!is_recorded(&ctx(Recorded::Unknown), "vpc-1"));
    }

    #[test]
    fn blockers_are_named_with_their_name_tag() {
        let tags = [Tag::builder().key("Name").value("web").build()];
        assert_eq!(
            labelled("route table", "rtb-1", &tags, None),
            "route table rtb-1 (Name=web)"
        );
        assert_eq!(
            labelled("subnet", "subnet-1", &tags, Some("10.0.0.0/24")),
            "subnet subnet-1 (Name=web, 10.0.0.0/24)"
        );
        assert_eq!(
            labelled("subnet", "subnet-1", &[], Some("")),
            "subnet subnet-1"
        );
    }
}
