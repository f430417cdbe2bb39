//! `orderapi:ec2:SecurityGroup` — a VPC security group whose ingress (and, when declared, egress) rules are
//! authoritative and updated in place, rule by rule.
//!
//! AWS keeps group names unique per VPC: a create adopts a same-named group only when it is this resource's
//! unrecorded leftover (see the `ec2` module docs) and reports any other as a conflict; CreateSecurityGroup runs
//! inside `create_once` (a lost answer's retry is refused with `InvalidGroup.Duplicate` and then found). A
//! delete that network interfaces or other groups' rules outside the stack block fails naming them
//! ([`super::security_group_blockers`]).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, ResourceType, SecurityGroup as AwsSecurityGroup,
    UserIdGroupPair,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Ec2Tags, all_tags, check_cidr, check_tags, filter, security_group_blockers, split_tags,
    tag_map, tag_spec,
};
use crate::error::{ErrorClass, ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, delete_retrying};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::tags;

/// The description a group gets when the program sets none.
pub const DEFAULT_DESCRIPTION: &str = "Managed by pulumi-orderapi";

/// One security group rule: a protocol, a port range (or ICMP type and code) and the peers it admits (ingress)
/// or reaches (egress). Check normalises rules to one per protocol, ports and single peer, sorted.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecurityGroupRule {
    /// `tcp`, `udp`, `icmp`, or `-1` for every protocol (`6`, `17`, `1` and `all` are accepted and normalised).
    pub protocol: String,
    /// tcp/udp: the first port (0-65535). icmp: the ICMP type (-1 = every type). Protocol `-1`: -1.
    pub from_port: i32,
    /// tcp/udp: the last port (0-65535, not below fromPort). icmp: the ICMP code (-1 = every code). Protocol
    /// `-1`: -1.
    pub to_port: i32,
    /// IPv4 peers, as CIDR blocks (no host bits), e.g. `0.0.0.0/0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_blocks: Option<Vec<String>>,
    /// IPv6 peers, as CIDR blocks (no host bits), e.g. `::/0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr_blocks: Option<Vec<String>>,
    /// Another security group (`sg-…`) as the peer: the traffic's source for ingress, its destination for egress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_id: Option<String>,
    /// What the rule is for (at most 255 characters: a-z, A-Z, 0-9, spaces and `._-:/()#,@[]+=&;{}!$*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Inputs of a security group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecurityGroupInputs {
    /// The group name (AWS's GroupName, also set as the `Name` tag): unique in the VPC, at most 255 characters of
    /// a-z, A-Z, 0-9, spaces and `._-:/()#,@[]+=&;{}!$*`, not starting with `sg-`. Defaults to the resource name
    /// plus a random suffix. Changing it replaces the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the group is for (default "Managed by pulumi-orderapi"; same characters as the name). AWS cannot change
    /// it in place, so changing it replaces the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The VPC the group belongs to (changing it replaces the group).
    pub vpc_id: String,
    /// Inbound rules. Authoritative: rules not listed are revoked (rules with prefix-list peers are left alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<Vec<SecurityGroupRule>>,
    /// Outbound rules. Absent: AWS's default rule allowing all outbound traffic stays, unmanaged (removing a
    /// declared list restores it). Present: authoritative; the default rule is revoked unless listed, and an
    /// empty list allows no outbound traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Vec<SecurityGroupRule>>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a security group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecurityGroupOutputs {
    /// The security group's ARN.
    pub arn: String,
    /// The AWS account that owns the group.
    pub owner_id: String,
    /// Every tag on the group, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

/// The one peer of a normalised rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Peer {
    Cidr(String),
    Ipv6(String),
    Group(String),
}

/// A normalised rule: one protocol, port range and peer. What AWS matches rules on is everything but the
/// description.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Flat {
    protocol: String,
    from_port: i32,
    to_port: i32,
    peer: Peer,
    description: Option<String>,
}

/// What AWS identifies a rule by: protocol, from port, to port and peer.
type RuleKey = (String, i32, i32, Peer);

/// Which side of the group a rule is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

impl Flat {
    fn key(&self) -> (&str, i32, i32, &Peer) {
        (&self.protocol, self.from_port, self.to_port, &self.peer)
    }

    /// The rule as the input type holds it (one peer).
    fn to_rule(&self) -> SecurityGroupRule {
        let one = |s: &String| Some(vec![s.clone()]);
        SecurityGroupRule {
            protocol: self.protocol.clone(),
            from_port: self.from_port,
            to_port: self.to_port,
            cidr_blocks: if let Peer::Cidr(c) = &self.peer {
                one(c)
            } else {
                None
            },
            ipv6_cidr_blocks: if let Peer::Ipv6(c) = &self.peer {
                one(c)
            } else {
                None
            },
            security_group_id: if let Peer::Group(g) = &self.peer {
                Some(g.clone())
            } else {
                None
            },
            description: self.description.clone(),
        }
    }

    /// The rule as one AWS IpPermission with one peer.
    fn permission(&self) -> IpPermission {
        let mut p = IpPermission::builder().ip_protocol(&self.protocol);
        if self.protocol != "-1" {
            p = p.from_port(self.from_port).to_port(self.to_port);
        }
        let description = self.description.clone();
        match &self.peer {
            Peer::Cidr(c) => p.ip_ranges(
                IpRange::builder()
                    .cidr_ip(c)
                    .set_description(description)
                    .build(),
            ),
            Peer::Ipv6(c) => p.ipv6_ranges(
                Ipv6Range::builder()
                    .cidr_ipv6(c)
                    .set_description(description)
                    .build(),
            ),
            Peer::Group(g) => p.user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(g)
                    .set_description(description)
                    .build(),
            ),
        }
        .build()
    }
}

/// AWS's names for the protocols this kind declares; numbers and `all` map to them.
fn normalize_protocol(protocol: &str) -> String {
    match protocol.to_ascii_lowercase().as_str() {
        "6" => "tcp".to_string(),
        "17" => "udp".to_string(),
        "1" => "icmp".to_string(),
        "all" => "-1".to_string(),
        p => p.to_string(),
    }
}

/// Ports as AWS reports them: -1/-1 for protocol -1 (AWS ignores ports there and returns none).
fn normalize_ports(protocol: &str, from: Option<i32>, to: Option<i32>) -> (i32, i32) {
    if protocol == "-1" {
        (-1, -1)
    } else {
        (from.unwrap_or(-1), to.unwrap_or(-1))
    }
}

/// The live rules of one direction, flattened to one per peer and sorted. Prefix-list peers are not declarable
/// and are skipped.
fn flatten_permissions(permissions: &[IpPermission]) -> Vec<Flat> {
    let mut rules = Vec::new();
    for p in permissions {
        let protocol = normalize_protocol(p.ip_protocol().unwrap_or("-1"));
        let (from_port, to_port) = normalize_ports(&protocol, p.from_port(), p.to_port());
        let mut push = |peer: Peer, description: Option<&str>| {
            rules.push(Flat {
                protocol: protocol.clone(),
                from_port,
                to_port,
                peer,
                description: description.filter(|d| !d.is_empty()).map(str::to_string),
            })
        };
        for r in p.ip_ranges() {
            if let Some(c) = r.cidr_ip() {
                push(Peer::Cidr(c.to_string()), r.description());
            }
        }
        for r in p.ipv6_ranges() {
            if let Some(c) = r.cidr_ipv6() {
                push(Peer::Ipv6(c.to_string()), r.description());
            }
        }
        for g in p.user_id_group_pairs() {
            if let Some(id) = g.group_id() {
                push(Peer::Group(id.to_string()), g.description());
            }
        }
    }
    rules.sort();
    rules
}

/// Whether a group's egress is exactly AWS's default: all traffic to 0.0.0.0/0 (and ::/0 in IPv6 VPCs).
fn is_default_egress(rules: &[Flat]) -> bool {
    let all = |peer: &str| Flat {
        protocol: "-1".into(),
        from_port: -1,
        to_port: -1,
        peer: if peer.contains(':') {
            Peer::Ipv6(peer.into())
        } else {
            Peer::Cidr(peer.into())
        },
        description: None,
    };
    rules == [all("0.0.0.0/0")] || rules == [all("0.0.0.0/0"), all("::/0")]
}

/// The characters AWS allows in VPC security group names and descriptions, and in rule descriptions.
fn aws_text_ok(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || "._-:/()#,@[]+=&;{}!$*".contains(c))
}

/// Validates one direction's rules and normalises them: one rule per protocol, ports and single peer, sorted.
fn check_rules(
    direction: &str,
    rules: &[SecurityGroupRule],
    f: &mut Failures,
) -> Vec<SecurityGroupRule> {
    // Rule identity (protocol, ports, peer) → where it was first declared, and its description.
    let mut flat: BTreeMap<RuleKey, (usize, Option<String>)> = BTreeMap::new();
    for (i, rule) in rules.iter().enumerate() {
        let at = format!("{direction}[{i}]");
        let protocol = normalize_protocol(&rule.protocol);
        let (mut from, mut to) = (rule.from_port, rule.to_port);
        match protocol.as_str() {
            "tcp" | "udp" => {
                f.require(
                    (0..=65535).contains(&from),
                    format!("{at}.fromPort"),
                    format!("{from} is not a port (0-65535)"),
                );
                f.require(
                    (0..=65535).contains(&to),
                    format!("{at}.toPort"),
                    format!("{to} is not a port (0-65535)"),
                );
                f.require(
                    from <= to,
                    format!("{at}.fromPort"),
                    format!("fromPort {from} is above toPort {to}"),
                );
            }
            "icmp" => {
                f.require(
                    (-1..=255).contains(&from),
                    format!("{at}.fromPort"),
                    format!("{from} is not an ICMP type (-1 for every type, or 0-255)"),
                );
                f.require(
                    (-1..=255).contains(&to),
                    format!("{at}.toPort"),
                    format!("{to} is not an ICMP code (-1 for every code, or 0-255)"),
                );
                f.require(
                    from != -1 || to == -1,
                    format!("{at}.toPort"),
                    "every ICMP type (fromPort -1) needs every code (toPort -1)",
                );
            }
            "-1" => {
                // AWS ignores ports for protocol -1 and reports none; 0/0 is a common way of writing it.
                let ok = matches!((from, to), (-1, -1) | (0, 0));
                f.require(
                    ok,
                    format!("{at}.fromPort"),
                    "protocol -1 covers every port: set fromPort and toPort to -1",
                );
                (from, to) = (-1, -1);
            }
            other => f.push(
                format!("{at}.protocol"),
                format!("'{other}' is not tcp, udp, icmp or -1 (every protocol)"),
            ),
        }
        if let Some(d) = &rule.description {
            f.require(
                d.len() <= 255 && aws_text_ok(d),
                format!("{at}.description"),
                "must be at most 255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*",
            );
        }
        let mut peers = Vec::new();
        for cidr in rule.cidr_blocks.iter().flatten() {
            if let Some(net) = check_cidr(&format!("{at}.cidrBlocks"), cidr, 0, 32, f) {
                peers.push(Peer::Cidr(net.to_string()));
            }
        }
        for cidr in rule.ipv6_cidr_blocks.iter().flatten() {
            match cidr.parse::<ipnet::Ipv6Net>() {
                Ok(net) if net.network() != net.addr() => f.push(
                    format!("{at}.ipv6CidrBlocks"),
                    format!("'{cidr}' has host bits set; use {}", net.trunc()),
                ),
                Ok(net) => peers.push(Peer::Ipv6(net.to_string())),
                Err(_) => f.push(
                    format!("{at}.ipv6CidrBlocks"),
                    format!("'{cidr}' is not an IPv6 CIDR block such as ::/0"),
                ),
            }
        }
        if let Some(group) = &rule.security_group_id {
            if group.is_empty() {
                f.push(
                    format!("{at}.securityGroupId"),
                    "must be the id of a security group (sg-…)",
                );
            } else {
                peers.push(Peer::Group(group.clone()));
            }
        }
        let declared = rule.cidr_blocks.iter().flatten().count()
            + rule.ipv6_cidr_blocks.iter().flatten().count()
            + usize::from(rule.security_group_id.is_some());
        f.require(
            declared > 0,
            &at,
            "needs at least one peer: cidrBlocks, ipv6CidrBlocks or securityGroupId",
        );
        for peer in peers {
            let key = (protocol.clone(), from, to, peer);
            match flat.get(&key) {
                Some((first, d)) if *d != rule.description => f.push(
                    &at,
                    format!("repeats a protocol, port range and peer of {direction}[{first}] with another description; AWS keeps one rule for them"),
                ),
                Some(_) => {}
                None => {
                    flat.insert(key, (i, rule.description.clone()));
                }
            }
        }
    }
    let mut out: Vec<Flat> = flat
        .into_iter()
        .map(
            |((protocol, from_port, to_port, peer), (_, description))| Flat {
                protocol,
                from_port,
                to_port,
                peer,
                description,
            },
        )
        .collect();
    out.sort();
    out.iter().map(Flat::to_rule).collect()
}

/// Flattens declared (already normalised) rules.
fn flatten_rules(rules: &[SecurityGroupRule]) -> Vec<Flat> {
    let mut out = Vec::new();
    for r in rules {
        let protocol = normalize_protocol(&r.protocol);
        let (from_port, to_port) = normalize_ports(&protocol, Some(r.from_port), Some(r.to_port));
        let peers = r
            .cidr_blocks
            .iter()
            .flatten()
            .map(|c| Peer::Cidr(c.clone()))
            .chain(
                r.ipv6_cidr_blocks
                    .iter()
                    .flatten()
                    .map(|c| Peer::Ipv6(c.clone())),
            )
            .chain(r.security_group_id.iter().map(|g| Peer::Group(g.clone())));
        for peer in peers {
            out.push(Flat {
                protocol: protocol.clone(),
                from_port,
                to_port,
                peer,
                description: r.description.clone(),
            });
        }
    }
    out.sort();
    out
}

pub struct SecurityGroup;

impl SecurityGroup {
    async fn describe(ctx: &Context, id: &str) -> Result<Option<AwsSecurityGroup>, ResourceError> {
        match ctx
            .aws
            .ec2
            .describe_security_groups()
            .group_ids(id)
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeSecurityGroups", e))
        {
            Ok(out) => Ok(out.security_groups().first().cloned()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn outputs(
        ctx: &Context,
        group: &AwsSecurityGroup,
        tags_all: BTreeMap<String, String>,
    ) -> SecurityGroupOutputs {
        let id = group.group_id().unwrap_or_default();
        let owner = group.owner_id().unwrap_or_default().to_string();
        let arn = group
            .security_group_arn()
            .map(str::to_string)
            .unwrap_or_else(|| ctx.aws.arn("ec2", &owner, &format!("security-group/{id}")));
        SecurityGroupOutputs {
            arn,
            owner_id: owner,
            tags_all,
        }
    }

    /// An existing group with our name in the VPC (AWS keeps group names unique per VPC). Adopted only when it is
    /// this resource's (its identity) and the engine does not record it (the leftover of a create whose answer was
    /// lost), with the declared description (AWS cannot change it in place). The group the engine records for this
    /// resource is the one a replacement takes the name from while it still exists: a conflict that says to delete
    /// before replacing, never an adoption (the engine would delete the adopted group next). Anyone else's group
    /// is a name conflict.
    async fn find_existing(
        ctx: &Context,
        name: &str,
        inputs: &SecurityGroupInputs,
    ) -> Result<Option<String>, ResourceError> {
        let out = ctx
            .aws
            .ec2
            .describe_security_groups()
            .filters(filter("vpc-id", &inputs.vpc_id))
            .filters(filter("group-name", name))
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeSecurityGroups", e))?;
        let Some(group) = out.security_groups().first() else {
            return Ok(None);
        };
        let id = group.group_id().unwrap_or_default();
        let found = ctx.found(id, &tag_map(group.tags()));
        if found != Found::Orphan {
            return Err(conflict(
                &format!(
                    "a security group named '{name}' in {} ({id})",
                    inputs.vpc_id
                ),
                &found,
            ));
        }
        let description = inputs.description.as_deref().unwrap_or(DEFAULT_DESCRIPTION);
        if group.description() != Some(description) {
            return Err(ResourceError::Conflict(format!(
                "security group '{name}' ({id}) in {} was left by an interrupted create of this resource, with the \
                 description '{}'; AWS cannot change a description in place, so it cannot be adopted: delete it \
                 (aws ec2 delete-security-group --group-id {id}) or give this group another name",
                inputs.vpc_id,
                group.description().unwrap_or_default()
            )));
        }
        ctx.adopting("security group", id);
        Ok(Some(id.to_string()))
    }

    /// Brings one direction's rules from `live` to `desired`: authorizes new rules first (no window without
    /// access), updates changed descriptions, then revokes rules no longer declared.
    async fn converge(
        ctx: &Context,
        id: &str,
        direction: Direction,
        live: &[Flat],
        desired: &[Flat],
    ) -> Result<(), ResourceError> {
        let live_by_key: BTreeMap<_, &Flat> = live.iter().map(|r| (r.key(), r)).collect();
        let desired_by_key: BTreeMap<_, &Flat> = desired.iter().map(|r| (r.key(), r)).collect();
        let authorize: Vec<IpPermission> = desired
            .iter()
            .filter(|r| !live_by_key.contains_key(&r.key()))
            .map(Flat::permission)
            .collect();
        let redescribe: Vec<IpPermission> = desired
            .iter()
            .filter(|r| {
                live_by_key
                    .get(&r.key())
                    .is_some_and(|l| l.description != r.description)
            })
            .map(Flat::permission)
            .collect();
        // Revoked with the live description, so the match is exact.
        let revoke: Vec<IpPermission> = live
            .iter()
            .filter(|r| !desired_by_key.contains_key(&r.key()))
            .map(Flat::permission)
            .collect();
        let ec2 = &ctx.aws.ec2;
        let authorize_all = |permissions: Vec<IpPermission>| async move {
            match direction {
                Direction::Ingress => ec2
                    .authorize_security_group_ingress()
                    .group_id(id)
                    .set_ip_permissions(Some(permissions))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| aws_error("ec2:AuthorizeSecurityGroupIngress", e)),
                Direction::Egress => ec2
                    .authorize_security_group_egress()
                    .group_id(id)
                    .set_ip_permissions(Some(permissions))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| aws_error("ec2:AuthorizeSecurityGroupEgress", e)),
            }
        };
        if !authorize.is_empty() {
            match authorize_all(authorize.clone()).await {
                // A rule is there already: the lost answer of an earlier attempt (the SDK retried it) took effect,
                // in whole or part. AWS refuses the whole call for one duplicate, so add the rules one by one.
                Err(e) if e.class() == ErrorClass::Exists => {
                    for permission in authorize {
                        match authorize_all(vec![permission]).await {
                            Err(e) if e.class() == ErrorClass::Exists => {}
                            other => other?,
                        }
                    }
                }
                other => other?,
            }
        }
        if !redescribe.is_empty() {
            match direction {
                Direction::Ingress => ec2
                    .update_security_group_rule_descriptions_ingress()
                    .group_id(id)
                    .set_ip_permissions(Some(redescribe))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| aws_error("ec2:UpdateSecurityGroupRuleDescriptionsIngress", e))?,
                Direction::Egress => ec2
                    .update_security_group_rule_descriptions_egress()
                    .group_id(id)
                    .set_ip_permissions(Some(redescribe))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| aws_error("ec2:UpdateSecurityGroupRuleDescriptionsEgress", e))?,
            }
        }
        if !revoke.is_empty() {
            let revoked = match direction {
                Direction::Ingress => ec2
                    .revoke_security_group_ingress()
                    .group_id(id)
                    .set_ip_permissions(Some(revoke))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| aws_error("ec2:RevokeSecurityGroupIngress", e)),
                Direction::Egress => ec2
                    .revoke_security_group_egress()
                    .group_id(id)
                    .set_ip_permissions(Some(revoke))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| aws_error("ec2:RevokeSecurityGroupEgress", e)),
            };
            match revoked {
                // Already gone (revoked concurrently) is what we wanted.
                Err(e) if !e.is_not_found() => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }

    /// AWS's default egress for a new group in `vpc_id`: everything to 0.0.0.0/0, and to ::/0 in an IPv6 VPC.
    async fn default_egress(ctx: &Context, vpc_id: &str) -> Result<Vec<Flat>, ResourceError> {
        let out = ctx
            .aws
            .ec2
            .describe_vpcs()
            .vpc_ids(vpc_id)
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeVpcs", e))?;
        let ipv6 = out
            .vpcs()
            .first()
            .is_some_and(|v| !v.ipv6_cidr_block_association_set().is_empty());
        let all = |peer: Peer| Flat {
            protocol: "-1".into(),
            from_port: -1,
            to_port: -1,
            peer,
            description: None,
        };
        let mut rules = vec![all(Peer::Cidr("0.0.0.0/0".into()))];
        if ipv6 {
            rules.push(all(Peer::Ipv6("::/0".into())));
        }
        Ok(rules)
    }

    /// Brings both directions of `group` in line with `inputs`; `restore_default_egress` when egress stopped
    /// being declared.
    async fn converge_all(
        ctx: &Context,
        group: &AwsSecurityGroup,
        inputs: &SecurityGroupInputs,
        restore_default_egress: bool,
    ) -> Result<(), ResourceError> {
        let id = group.group_id().unwrap_or_default();
        let ingress = flatten_rules(inputs.ingress.as_deref().unwrap_or_default());
        Self::converge(
            ctx,
            id,
            Direction::Ingress,
            &flatten_permissions(group.ip_permissions()),
            &ingress,
        )
        .await?;
        let egress = match &inputs.egress {
            Some(rules) => Some(flatten_rules(rules)),
            None if restore_default_egress => {
                Some(Self::default_egress(ctx, &inputs.vpc_id).await?)
            }
            None => None,
        };
        if let Some(egress) = egress {
            let live = flatten_permissions(group.ip_permissions_egress());
            Self::converge(ctx, id, Direction::Egress, &live, &egress).await?;
        }
        Ok(())
    }
}

impl CustomResource for SecurityGroup {
    const TOKEN: &'static str = "orderapi:ec2:SecurityGroup";
    const DESCRIPTION: &'static str = "A VPC security group with authoritative ingress (and optionally egress) rules, \
        tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name", "description", "vpcId"];
    /// AWS keeps group names unique per VPC, and a replacement usually keeps the name (a `description` change, or
    /// an autonamed group, which keeps its name across updates): created before the old group is deleted, it would
    /// find the name taken by a live, recorded group, which create never adopts (the engine deletes the old group
    /// right after). So the old group is deleted first. Replacements the engine starts without asking Diff
    /// (`pulumi up --replace`, replaceOnChanges, …) need the `deleteBeforeReplace` resource option; create's
    /// conflict error says so.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["name"];
    type Inputs = SecurityGroupInputs;
    type Outputs = SecurityGroupOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: SecurityGroupInputs,
    ) -> Result<SecurityGroupInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        let name = inputs.name.get_or_insert_with(|| ctx.autoname(63));
        f.require(
            !name.is_empty() && name.len() <= 255 && aws_text_ok(name),
            "name",
            "must be 1-255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*",
        );
        f.require(
            !name.to_ascii_lowercase().starts_with("sg-"),
            "name",
            "must not start with sg- (AWS reserves it for group ids)",
        );
        f.require(
            name.as_str() != "default",
            "name",
            "`default` is the name of the VPC's default security group",
        );
        let description = inputs
            .description
            .get_or_insert_with(|| DEFAULT_DESCRIPTION.to_string());
        f.require(
            !description.is_empty() && description.len() <= 255 && aws_text_ok(description),
            "description",
            "must be 1-255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*",
        );
        f.require(
            !inputs.vpc_id.is_empty(),
            "vpcId",
            "must be the id of a VPC (vpc-…)",
        );
        check_tags(inputs.tags.as_ref(), &mut f);
        inputs.ingress = Some(check_rules(
            "ingress",
            inputs.ingress.as_deref().unwrap_or_default(),
            &mut f,
        ));
        inputs.egress = inputs
            .egress
            .take()
            .map(|rules| check_rules("egress", &rules, &mut f));
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &SecurityGroupInputs,
    ) -> Result<(String, SecurityGroupOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = all_tags(ctx, &name, inputs.tags.as_ref());
        let id = create_once(
            ctx,
            &format!("security group {name}"),
            || Self::find_existing(ctx, &name, inputs),
            || async {
                let out = ctx
                    .aws
                    .ec2
                    .create_security_group()
                    .group_name(&name)
                    .description(inputs.description.as_deref().unwrap_or(DEFAULT_DESCRIPTION))
                    .vpc_id(&inputs.vpc_id)
                    .tag_specifications(tag_spec(ResourceType::SecurityGroup, &tags))
                    .customize()
                    .config_override(no_retry!(aws_sdk_ec2))
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:CreateSecurityGroup", e))?;
                out.group_id().map(str::to_string).ok_or_else(|| {
                    ResourceError::Internal("ec2:CreateSecurityGroup returned no group id".into())
                })
            },
        )
        .await?
        .into_inner();
        let mut outputs = SecurityGroupOutputs {
            tags_all: tags.clone(),
            ..Default::default()
        };
        let group = ctx
            .wait_for(&format!("security group {name} to be visible"), || async {
                Ok(match Self::describe(ctx, &id).await? {
                    Some(group) => Poll::Ready(group),
                    None => Poll::Pending("not visible yet".into()),
                })
            })
            .await
            .map_err(|e| e.partial(&id, &outputs))?;
        outputs = Self::outputs(ctx, &group, tags.clone());
        // An adopted group may carry stale tags and rules: bring them in line.
        tags::sync::<Ec2Tags>(&ctx.aws, &id, &tag_map(group.tags()), &tags)
            .await
            .map_err(|e| e.partial(&id, &outputs))?;
        Self::converge_all(ctx, &group, inputs, false)
            .await
            .map_err(|e| e.partial(&id, &outputs))?;
        Ok((id, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&SecurityGroupInputs>,
    ) -> Result<Option<(SecurityGroupInputs, SecurityGroupOutputs)>, ResourceError> {
        let Some(group) = Self::describe(ctx, id).await? else {
            return Ok(None);
        };
        let (_, tags, tags_all) =
            split_tags(&ctx.aws, group.tags(), prior.and_then(|p| p.tags.as_ref()));
        let egress = flatten_permissions(group.ip_permissions_egress());
        let egress = match prior {
            // Egress the program leaves to AWS stays unmanaged.
            Some(p) if p.egress.is_none() => None,
            Some(_) => Some(egress),
            // Import: AWS's untouched default reads as "not declared".
            None if is_default_egress(&egress) => None,
            None => Some(egress),
        };
        let inputs = SecurityGroupInputs {
            name: group.group_name().map(str::to_string),
            description: group.description().map(str::to_string),
            vpc_id: group.vpc_id().unwrap_or_default().to_string(),
            ingress: Some(
                flatten_permissions(group.ip_permissions())
                    .iter()
                    .map(Flat::to_rule)
                    .collect(),
            ),
            egress: egress.map(|rules| rules.iter().map(Flat::to_rule).collect()),
            tags,
        };
        Ok(Some((inputs, Self::outputs(ctx, &group, tags_all))))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &SecurityGroupInputs,
        old_outputs: &SecurityGroupOutputs,
        new: &SecurityGroupInputs,
    ) -> Result<SecurityGroupOutputs, ResourceError> {
        let tags = all_tags(
            ctx,
            new.name.as_deref().unwrap_or_default(),
            new.tags.as_ref(),
        );
        tags::sync::<Ec2Tags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        // Converge against what AWS holds, not the old inputs: after a partial create the recorded inputs may be
        // ahead of AWS, and rules changed outside Pulumi are put back.
        let group = Self::describe(ctx, id).await?.ok_or_else(|| {
            ResourceError::Conflict(format!(
                "security group {id} no longer exists; run `pulumi refresh` to drop it from the state, then `pulumi up`"
            ))
        })?;
        Self::converge_all(ctx, &group, new, old.egress.is_some()).await?;
        Ok(SecurityGroupOutputs {
            tags_all: tags,
            ..old_outputs.clone()
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &SecurityGroupInputs,
        _: &SecurityGroupOutputs,
    ) -> Result<(), ResourceError> {
        // DependencyViolation while network interfaces use the group or other groups' rules reference it: retried
        // while those go away by themselves (interfaces of deleted load balancers, stopping tasks) or for a short
        // grace (owners deleted in parallel), then reported by name.
        delete_retrying(
            ctx,
            &format!("security group {id}"),
            || async {
                ctx.aws
                    .ec2
                    .delete_security_group()
                    .group_id(id)
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:DeleteSecurityGroup", e))?;
                Ok(())
            },
            Some(|| security_group_blockers(ctx, id)),
        )
        .await
    }
}
