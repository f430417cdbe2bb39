//! `orderapi:ec2:RouteTable` — a VPC route table whose routes (to internet, virtual private and NAT gateways) and
//! subnet associations are authoritative and updated in place.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use aws_sdk_ec2::types::{
    Filter, ResourceType, RouteOrigin, RouteTable as AwsRouteTable, RouteTableAssociationStateCode,
    Tag,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Ec2Tags, all_tags, check_cidr, check_name, check_tags, filter, identity_filter, name_clash,
    name_filter, split_tags, tag_map, tag_spec,
};
use crate::error::{ErrorClass, ResourceError, aws_error};
use crate::lifecycle::{conflict, create_once, delete_retrying_plain};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::tags;

/// How long an association waits for another route table to release a subnet before it reports a conflict
/// (within one `pulumi up`, the table giving the subnet up may be updated after the one taking it).
const ASSOCIATION_WAIT: Duration = Duration::from_secs(120);

/// One route: where traffic goes (an IPv4 CIDR block) and the single gateway that takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteTableRoute {
    /// The IPv4 destination, e.g. `0.0.0.0/0` (no host bits); each destination appears once per table.
    pub destination_cidr_block: String,
    /// The target when it is an internet gateway (`igw-…`) or a virtual private gateway (`vgw-…`). Set exactly one
    /// of `gatewayId` and `natGatewayId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<String>,
    /// The target when it is a NAT gateway (`nat-…`). Set exactly one of `gatewayId` and `natGatewayId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_gateway_id: Option<String>,
}

impl RouteTableRoute {
    /// Whether this kind can declare the route: exactly one gateway or NAT gateway target. AWS reports routes to
    /// Gateway Load Balancer endpoints with a `vpce-…` gateway id; those, like the `local` route, are not declarable.
    fn is_declarable(&self) -> bool {
        match (&self.gateway_id, &self.nat_gateway_id) {
            (Some(g), None) => g != "local" && !g.starts_with("vpce-"),
            (None, Some(_)) => true,
            _ => false,
        }
    }
}

/// Inputs of a route table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteTableInputs {
    /// Physical name, set as the `Name` tag (defaults to the resource name plus a random suffix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The VPC the route table belongs to (changing it replaces the table).
    pub vpc_id: String,
    /// The routes besides the VPC's implicit `local` route, sorted by destination. Authoritative: routes to
    /// internet, virtual private or NAT gateways that are not listed are deleted. Routes to targets this kind cannot
    /// declare (transit gateways, peering connections, network interfaces, …), IPv6 and prefix-list routes, and
    /// routes propagated from a virtual private gateway are left alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<RouteTableRoute>>,
    /// The subnets that use this table, sorted. Authoritative: subnets not listed are disassociated (they fall back
    /// to the VPC's main route table). A subnet has one route table, so another table must not list it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_ids: Option<Vec<String>>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a route table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteTableOutputs {
    /// The association of each subnet in `subnetIds`: subnet id → route table association id (`rtbassoc-…`).
    pub association_ids: BTreeMap<String, String>,
    /// Every tag on the route table, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

/// A route table as AWS holds it, seen the way this kind manages it.
struct Live {
    vpc_id: String,
    tags: Vec<Tag>,
    /// IPv4 routes created by CreateRoute (not `local`, not propagated), by destination. Routes to targets this
    /// kind cannot declare are here too, with their declarable fields as AWS reports them.
    routes: BTreeMap<String, RouteTableRoute>,
    /// Explicit subnet associations: subnet id → association id.
    subnets: BTreeMap<String, String>,
    /// Every explicit association (subnets and gateway edge associations), for delete.
    associations: Vec<String>,
}

impl Live {
    fn of(rt: &AwsRouteTable) -> Live {
        let mut routes = BTreeMap::new();
        for r in rt.routes() {
            let Some(destination) = r.destination_cidr_block() else {
                continue;
            };
            let managed = matches!(r.origin(), Some(RouteOrigin::CreateRoute) | None)
                && r.gateway_id() != Some("local");
            if managed {
                let route = RouteTableRoute {
                    destination_cidr_block: destination.to_string(),
                    gateway_id: r.gateway_id().map(str::to_string),
                    nat_gateway_id: r.nat_gateway_id().map(str::to_string),
                };
                routes.insert(destination.to_string(), route);
            }
        }
        let mut subnets = BTreeMap::new();
        let mut associations = Vec::new();
        for a in rt.associations() {
            let live = a
                .association_state()
                .and_then(|s| s.state())
                .is_none_or(|s| {
                    matches!(
                        s,
                        RouteTableAssociationStateCode::Associated
                            | RouteTableAssociationStateCode::Associating
                    )
                });
            if a.main() == Some(true) || !live {
                continue;
            }
            let Some(association) = a.route_table_association_id() else {
                continue;
            };
            associations.push(association.to_string());
            if let Some(subnet) = a.subnet_id() {
                subnets.insert(subnet.to_string(), association.to_string());
            }
        }
        Live {
            vpc_id: rt.vpc_id().unwrap_or_default().to_string(),
            tags: rt.tags().to_vec(),
            routes,
            subnets,
            associations,
        }
    }

    /// The routes `read` reports: the declarable ones, in the order `check` sorts them.
    fn declared_routes(&self) -> Vec<RouteTableRoute> {
        let mut routes: Vec<RouteTableRoute> = self
            .routes
            .values()
            .filter(|r| r.is_declarable())
            .cloned()
            .collect();
        sort_routes(&mut routes);
        routes
    }
}

/// Sorts routes by destination network (address, then prefix length); unparsable ones last, by text.
fn sort_routes(routes: &mut [RouteTableRoute]) {
    routes.sort_by(|a, b| {
        let key = |r: &RouteTableRoute| {
            let net = r.destination_cidr_block.parse::<ipnet::Ipv4Net>().ok();
            (net.is_none(), net, r.destination_cidr_block.clone())
        };
        key(a).cmp(&key(b))
    });
}

pub struct RouteTable;

impl RouteTable {
    async fn describe(ctx: &Context, id: &str) -> Result<Option<Live>, ResourceError> {
        let out = match ctx
            .aws
            .ec2
            .describe_route_tables()
            .route_table_ids(id)
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeRouteTables", e))
        {
            Ok(out) => out,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(out.route_tables().first().map(Live::of))
    }

    /// The table to adopt: one made for this resource that the engine does not record (a create whose answer was
    /// lost). Tables with this resource's identity that the engine records (the one a replacement replaces) are
    /// left alone: table names are only tags, so a new table is created beside it. A same-named table in the VPC
    /// that is not this resource's (a stranger's, or another resource's) is a conflict.
    async fn find_existing(
        ctx: &Context,
        name: &str,
        vpc_id: &str,
    ) -> Result<Option<String>, ResourceError> {
        let describe = |by: Filter| async move {
            ctx.aws
                .ec2
                .describe_route_tables()
                .filters(by)
                .filters(filter("vpc-id", vpc_id))
                .send()
                .await
                .map_err(|e| aws_error("ec2:DescribeRouteTables", e))
        };
        let ours = describe(identity_filter(ctx)).await?;
        for t in ours.route_tables() {
            let id = t.route_table_id().unwrap_or_default();
            if ctx.is_orphan(id, &tag_map(t.tags())) {
                ctx.adopting("route table", id);
                return Ok(Some(id.to_string()));
            }
        }
        let named = describe(name_filter(name)).await?;
        for t in named.route_tables() {
            let id = t.route_table_id().unwrap_or_default();
            if let Some(found) = name_clash(ctx, id, &tag_map(t.tags())) {
                return Err(conflict(
                    &format!("a route table named '{name}' ({id})"),
                    &found,
                ));
            }
        }
        Ok(None)
    }

    /// Brings routes, then subnet associations, of table `id` from `live` to `inputs`. `associations` tracks the
    /// subnet associations as they change, so a failure half-way still reports what AWS holds.
    async fn converge(
        ctx: &Context,
        id: &str,
        inputs: &RouteTableInputs,
        live: &Live,
        associations: &mut BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        let desired = inputs.routes.as_deref().unwrap_or_default();
        for route in desired {
            match live.routes.get(&route.destination_cidr_block) {
                Some(current) if current == route => {}
                // Same destination, other target: ReplaceRoute swaps it without a window without the route.
                Some(_) => Self::replace_route(ctx, id, route).await?,
                None => Self::create_route(ctx, id, route).await?,
            }
        }
        let wanted: BTreeSet<&str> = desired
            .iter()
            .map(|r| r.destination_cidr_block.as_str())
            .collect();
        for (destination, route) in &live.routes {
            if route.is_declarable() && !wanted.contains(destination.as_str()) {
                Self::delete_route(ctx, id, destination).await?;
            }
        }

        let subnets: BTreeSet<&str> = inputs
            .subnet_ids
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(String::as_str)
            .collect();
        let stale: Vec<(String, String)> = associations
            .iter()
            .filter(|(subnet, _)| !subnets.contains(subnet.as_str()))
            .map(|(s, a)| (s.clone(), a.clone()))
            .collect();
        for (subnet, association) in stale {
            Self::disassociate(ctx, &association).await?;
            associations.remove(&subnet);
        }
        for subnet in subnets {
            if !associations.contains_key(subnet) {
                let association = Self::associate(ctx, id, subnet).await?;
                associations.insert(subnet.to_string(), association);
            }
        }
        Ok(())
    }

    async fn create_route(
        ctx: &Context,
        id: &str,
        route: &RouteTableRoute,
    ) -> Result<(), ResourceError> {
        match ctx
            .aws
            .ec2
            .create_route()
            .route_table_id(id)
            .destination_cidr_block(&route.destination_cidr_block)
            .set_gateway_id(route.gateway_id.clone())
            .set_nat_gateway_id(route.nat_gateway_id.clone())
            .send()
            .await
            .map_err(|e| aws_error("ec2:CreateRoute", e))
        {
            // The route is there: the lost answer of an earlier attempt (the SDK retried it), or a route made
            // since the table was read. Point it at the declared target.
            Err(e) if e.class() == ErrorClass::Exists => Self::replace_route(ctx, id, route).await,
            other => other.map(|_| ()),
        }
    }

    async fn replace_route(
        ctx: &Context,
        id: &str,
        route: &RouteTableRoute,
    ) -> Result<(), ResourceError> {
        ctx.aws
            .ec2
            .replace_route()
            .route_table_id(id)
            .destination_cidr_block(&route.destination_cidr_block)
            .set_gateway_id(route.gateway_id.clone())
            .set_nat_gateway_id(route.nat_gateway_id.clone())
            .send()
            .await
            .map_err(|e| aws_error("ec2:ReplaceRoute", e))?;
        Ok(())
    }

    async fn delete_route(ctx: &Context, id: &str, destination: &str) -> Result<(), ResourceError> {
        match ctx
            .aws
            .ec2
            .delete_route()
            .route_table_id(id)
            .destination_cidr_block(destination)
            .send()
            .await
            .map_err(|e| aws_error("ec2:DeleteRoute", e))
        {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }

    async fn disassociate(ctx: &Context, association: &str) -> Result<(), ResourceError> {
        match ctx
            .aws
            .ec2
            .disassociate_route_table()
            .association_id(association)
            .send()
            .await
            .map_err(|e| aws_error("ec2:DisassociateRouteTable", e))
        {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }

    /// The explicit association of `subnet` with any route table: (route table id, association id).
    async fn association_of(
        ctx: &Context,
        subnet: &str,
    ) -> Result<Option<(String, String)>, ResourceError> {
        let out = ctx
            .aws
            .ec2
            .describe_route_tables()
            .filters(filter("association.subnet-id", subnet))
            .send()
            .await
            .map_err(|e| aws_error("ec2:DescribeRouteTables", e))?;
        Ok(out.route_tables().iter().find_map(|rt| {
            let live = Live::of(rt);
            let association = live.subnets.get(subnet)?;
            Some((
                rt.route_table_id().unwrap_or_default().to_string(),
                association.clone(),
            ))
        }))
    }

    /// Associates `subnet` with table `id`. A subnet explicitly associated with another table is waited for (that
    /// table may be giving it up in the same deployment), then reported as a conflict.
    async fn associate(ctx: &Context, id: &str, subnet: &str) -> Result<String, ResourceError> {
        let bounded = Context {
            deadline: ctx.deadline.min(Instant::now() + ASSOCIATION_WAIT),
            ..ctx.clone()
        };
        let result = bounded
            .wait_for(
                &format!("subnet {subnet} to be released by its other route table"),
                || async {
                    match Self::association_of(ctx, subnet).await? {
                        Some((table, association)) if table == id => {
                            return Ok(Poll::Ready(association));
                        }
                        Some((table, _)) => {
                            return Ok(Poll::Pending(format!("associated with {table}")));
                        }
                        None => {}
                    }
                    match ctx
                        .aws
                        .ec2
                        .associate_route_table()
                        .route_table_id(id)
                        .subnet_id(subnet)
                        .send()
                        .await
                    {
                        Ok(out) => Ok(Poll::Ready(
                            out.association_id().unwrap_or_default().to_string(),
                        )),
                        Err(e) => match aws_error("ec2:AssociateRouteTable", e) {
                            // Another table took it between the check and the call.
                            e if e.class() == ErrorClass::InUse => Ok(Poll::Pending(e.to_string())),
                            e => Err(e),
                        },
                    }
                },
            )
            .await;
        match result {
            // Whichever deadline ended the wait, the table still holding the subnet is the useful news.
            Err(ResourceError::Timeout { .. }) => {
                let Some((table, association)) = Self::association_of(ctx, subnet).await? else {
                    return result;
                };
                Err(ResourceError::Conflict(format!(
                    "subnet {subnet} is associated with route table {table} ({association}), and a subnet has exactly \
                     one route table; remove it from that table's subnetIds (or disassociate it), then run `pulumi up` \
                     again"
                )))
            }
            other => other,
        }
    }
}

impl CustomResource for RouteTable {
    const TOKEN: &'static str = "orderapi:ec2:RouteTable";
    const DESCRIPTION: &'static str = "A VPC route table with authoritative routes (internet, virtual private and NAT \
        gateways) and subnet associations, tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["vpcId"];
    type Inputs = RouteTableInputs;
    type Outputs = RouteTableOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: RouteTableInputs,
    ) -> Result<RouteTableInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_name(ctx, &mut inputs.name, &mut f);
        f.require(
            !inputs.vpc_id.is_empty(),
            "vpcId",
            "must be the id of a VPC (vpc-…)",
        );
        check_tags(inputs.tags.as_ref(), &mut f);

        let routes = inputs.routes.get_or_insert_with(Vec::new);
        let mut destinations: BTreeMap<ipnet::Ipv4Net, usize> = BTreeMap::new();
        for (i, route) in routes.iter_mut().enumerate() {
            let property = format!("routes[{i}]");
            let destination = format!("{property}.destinationCidrBlock");
            if let Some(net) =
                check_cidr(&destination, &route.destination_cidr_block, 0, 32, &mut f)
            {
                // As AWS spells it back (e.g. `/08` → `/8`), so read matches.
                route.destination_cidr_block = net.to_string();
                if let Some(first) = destinations.insert(net, i) {
                    f.push(
                        &destination,
                        format!("{net} is already the destination of routes[{first}]; each destination may appear once"),
                    );
                }
            }
            match (&route.gateway_id, &route.nat_gateway_id) {
                (Some(_), Some(_)) | (None, None) => f.push(
                    &property,
                    "needs exactly one target: gatewayId (igw-…/vgw-…) or natGatewayId (nat-…)",
                ),
                // Ids are not checked against their prefixes (an id is whatever AWS or the engine hands over),
                // but targets given to the wrong field are.
                (Some(g), None) => {
                    let reason = match g.as_str() {
                        "" => Some("must be the id of an internet gateway (igw-…) or virtual private gateway (vgw-…)".into()),
                        "local" => Some("the local route is implicit; do not declare it".into()),
                        g if g.starts_with("nat-") => Some(format!("'{g}' is a NAT gateway; set it as natGatewayId")),
                        g if g.starts_with("vpce-") => Some(format!("'{g}': VPC endpoint targets are not supported")),
                        _ => None,
                    };
                    if let Some(reason) = reason {
                        f.push(format!("{property}.gatewayId"), reason);
                    }
                }
                (None, Some(n)) => f.require(
                    !n.is_empty() && !n.starts_with("igw-") && !n.starts_with("vgw-"),
                    format!("{property}.natGatewayId"),
                    if n.is_empty() {
                        "must be the id of a NAT gateway (nat-…)".to_string()
                    } else {
                        format!(
                            "'{n}' is an internet or virtual private gateway; set it as gatewayId"
                        )
                    },
                ),
            }
        }
        sort_routes(routes);

        let subnets = inputs.subnet_ids.get_or_insert_with(Vec::new);
        let mut seen = BTreeSet::new();
        for subnet in subnets.iter() {
            f.require(
                !subnet.is_empty(),
                "subnetIds",
                "subnet ids must not be empty",
            );
            f.require(
                seen.insert(subnet.clone()),
                "subnetIds",
                format!("'{subnet}' is listed more than once"),
            );
        }
        subnets.sort();
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &RouteTableInputs,
    ) -> Result<(String, RouteTableOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = all_tags(ctx, &name, inputs.tags.as_ref());
        // Route tables are not unique: an attempt is never repeated without looking for the last one's table.
        let token = ctx.client_token(inputs, 64);
        let id = create_once(
            ctx,
            &format!("route table {name}"),
            || Self::find_existing(ctx, &name, &inputs.vpc_id),
            || async {
                let out = ctx
                    .aws
                    .ec2
                    .create_route_table()
                    .vpc_id(&inputs.vpc_id)
                    .tag_specifications(tag_spec(ResourceType::RouteTable, &tags))
                    .client_token(&token)
                    .customize()
                    .config_override(no_retry!(aws_sdk_ec2))
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:CreateRouteTable", e))?;
                out.route_table()
                    .and_then(|r| r.route_table_id())
                    .map(str::to_string)
                    .ok_or_else(|| {
                        ResourceError::Internal(
                            "ec2:CreateRouteTable returned no route table id".into(),
                        )
                    })
            },
        )
        .await?
        .into_inner();
        let mut outputs = RouteTableOutputs {
            association_ids: BTreeMap::new(),
            tags_all: tags.clone(),
        };
        let live = ctx
            .wait_for(&format!("route table {name} to be visible"), || async {
                Ok(match Self::describe(ctx, &id).await? {
                    Some(live) => Poll::Ready(live),
                    None => Poll::Pending("not visible yet".into()),
                })
            })
            .await
            .map_err(|e| e.partial(&id, &outputs))?;
        outputs.association_ids = live.subnets.clone();
        // An adopted table may carry stale tags, routes and associations: bring them in line.
        tags::sync::<Ec2Tags>(&ctx.aws, &id, &tag_map(&live.tags), &tags)
            .await
            .map_err(|e| e.partial(&id, &outputs))?;
        let mut associations = live.subnets.clone();
        let converged = Self::converge(ctx, &id, inputs, &live, &mut associations).await;
        outputs.association_ids = associations;
        converged.map_err(|e| e.partial(&id, &outputs))?;
        Ok((id, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&RouteTableInputs>,
    ) -> Result<Option<(RouteTableInputs, RouteTableOutputs)>, ResourceError> {
        let Some(live) = Self::describe(ctx, id).await? else {
            return Ok(None);
        };
        let (name, tags, tags_all) =
            split_tags(&ctx.aws, &live.tags, prior.and_then(|p| p.tags.as_ref()));
        let inputs = RouteTableInputs {
            name,
            vpc_id: live.vpc_id.clone(),
            routes: Some(live.declared_routes()),
            subnet_ids: Some(live.subnets.keys().cloned().collect()),
            tags,
        };
        Ok(Some((
            inputs,
            RouteTableOutputs {
                association_ids: live.subnets,
                tags_all,
            },
        )))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        _old: &RouteTableInputs,
        old_outputs: &RouteTableOutputs,
        new: &RouteTableInputs,
    ) -> Result<RouteTableOutputs, ResourceError> {
        let tags = all_tags(
            ctx,
            new.name.as_deref().unwrap_or_default(),
            new.tags.as_ref(),
        );
        tags::sync::<Ec2Tags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        // Converge against what AWS holds, not the old inputs: after a partial create or update the recorded
        // inputs may be ahead of AWS.
        let live = Self::describe(ctx, id).await?.ok_or_else(|| {
            ResourceError::Conflict(format!(
                "route table {id} no longer exists; run `pulumi refresh` to drop it from the state, then `pulumi up`"
            ))
        })?;
        let mut associations = live.subnets.clone();
        Self::converge(ctx, id, new, &live, &mut associations).await?;
        Ok(RouteTableOutputs {
            association_ids: associations,
            tags_all: tags,
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &RouteTableInputs,
        _: &RouteTableOutputs,
    ) -> Result<(), ResourceError> {
        let Some(live) = Self::describe(ctx, id).await? else {
            return Ok(());
        };
        for association in &live.associations {
            Self::disassociate(ctx, association).await?;
        }
        delete_retrying_plain(ctx, &format!("route table {id}"), || async {
            ctx.aws
                .ec2
                .delete_route_table()
                .route_table_id(id)
                .send()
                .await
                .map_err(|e| aws_error("ec2:DeleteRouteTable", e))?;
            Ok(())
        })
        .await
    }
}
