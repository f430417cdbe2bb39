//! `orderapi:rds:DbSubnetGroup` — the subnets (in at least two availability zones) an Aurora cluster's instances
//! may be placed in. Names are unique per account and region: a create that finds the group it is about to make
//! adopts it only when it is the orphan of an interrupted create of this resource (see [`crate::lifecycle`]).

use std::collections::BTreeMap;

use aws_sdk_rds::types::DbSubnetGroup as RdsSubnetGroup;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{RdsTags, check_tags, live_tags, tag_list};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, delete_and_wait};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures};
use crate::resources::tags;

const WHAT: &str = "DB subnet group";
const DEFAULT_DESCRIPTION: &str = "Managed by Pulumi";

/// Inputs of a DB subnet group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DbSubnetGroupInputs {
    /// Name (1-255 lowercase letters, digits, hyphens, underscores, spaces and periods; not `default`). Defaults
    /// to the resource name, lowercased, plus a random suffix. Changing it replaces the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description (default `Managed by Pulumi`; at most 255 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// IDs of the subnets (at least two, in at least two availability zones of one VPC).
    pub subnet_ids: Vec<String>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a DB subnet group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DbSubnetGroupOutputs {
    /// The group's ARN.
    pub arn: String,
    /// Every tag on the group, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct DbSubnetGroup;

/// Whether `name` is a DB subnet group name RDS accepts.
pub fn is_group_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
        && name != "default"
        && name.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | ' ' | '.')
        })
}

impl DbSubnetGroup {
    /// The group named `name`, or `None`.
    async fn describe(ctx: &Context, name: &str) -> Result<Option<RdsSubnetGroup>, ResourceError> {
        match ctx
            .aws
            .rds
            .describe_db_subnet_groups()
            .db_subnet_group_name(name)
            .send()
            .await
            .map_err(|e| aws_error("rds:DescribeDBSubnetGroups", e))
        {
            Ok(out) => Ok(out
                .db_subnet_groups()
                .iter()
                .find(|g| g.db_subnet_group_name() == Some(name))
                .cloned()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn modify(ctx: &Context, inputs: &DbSubnetGroupInputs) -> Result<(), ResourceError> {
        ctx.aws
            .rds
            .modify_db_subnet_group()
            .db_subnet_group_name(inputs.name.as_deref().unwrap_or_default())
            .db_subnet_group_description(
                inputs.description.as_deref().unwrap_or(DEFAULT_DESCRIPTION),
            )
            .set_subnet_ids(Some(inputs.subnet_ids.clone()))
            .send()
            .await
            .map_err(|e| aws_error("rds:ModifyDBSubnetGroup", e))?;
        Ok(())
    }
}

impl CustomResource for DbSubnetGroup {
    const TOKEN: &'static str = "orderapi:rds:DbSubnetGroup";
    const DESCRIPTION: &'static str = "An RDS DB subnet group: the subnets an Aurora cluster's instances may be \
        placed in, tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name"];
    /// RDS keeps subnet group names unique per account and region.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["name"];
    type Inputs = DbSubnetGroupInputs;
    type Outputs = DbSubnetGroupOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: DbSubnetGroupInputs,
    ) -> Result<DbSubnetGroupInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        let name = inputs
            .name
            .get_or_insert_with(|| super::sanitize_identifier(&ctx.autoname(255), 255));
        f.require(
            is_group_name(name),
            "name",
            format!(
                "'{name}' is not a valid DB subnet group name: 1-255 lowercase letters, digits, hyphens, \
                 underscores, spaces or periods, and not `default`"
            ),
        );
        let description = inputs
            .description
            .get_or_insert_with(|| DEFAULT_DESCRIPTION.to_string());
        f.require(
            !description.is_empty() && description.chars().count() <= 255,
            "description",
            "must be 1-255 characters",
        );
        inputs.subnet_ids.sort();
        let count = inputs.subnet_ids.len();
        inputs.subnet_ids.dedup();
        f.require(
            inputs.subnet_ids.len() == count,
            "subnetIds",
            "must not list a subnet twice",
        );
        f.require(
            count >= 2,
            "subnetIds",
            "needs at least two subnets (in at least two availability zones)",
        );
        for s in &inputs.subnet_ids {
            f.require(
                s.starts_with("subnet-") && s.len() > 7,
                "subnetIds",
                format!("'{s}' is not a subnet ID (subnet-…)"),
            );
        }
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &DbSubnetGroupInputs,
    ) -> Result<(String, DbSubnetGroupOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = ctx.tags(inputs.tags.as_ref());
        let made = create_once(
            ctx,
            &format!("{WHAT} {name}"),
            || async {
                let Some(group) = Self::describe(ctx, &name).await? else {
                    return Ok(None);
                };
                let arn = group.db_subnet_group_arn().unwrap_or_default().to_string();
                let live = live_tags(&ctx.aws, &arn).await?;
                match ctx.found(&name, &live) {
                    Found::Orphan => {
                        ctx.adopting(WHAT, &name);
                        Ok(Some((arn, Some(live))))
                    }
                    other => Err(conflict(&format!("an RDS {WHAT} named '{name}'"), &other)),
                }
            },
            || async {
                let out = ctx
                    .aws
                    .rds
                    .create_db_subnet_group()
                    .db_subnet_group_name(&name)
                    .db_subnet_group_description(
                        inputs.description.as_deref().unwrap_or(DEFAULT_DESCRIPTION),
                    )
                    .set_subnet_ids(Some(inputs.subnet_ids.clone()))
                    .set_tags(Some(tag_list(&tags)))
                    .customize()
                    .config_override(no_retry!(aws_sdk_rds))
                    .send()
                    .await
                    .map_err(|e| aws_error("rds:CreateDBSubnetGroup", e))?;
                let arn = out
                    .db_subnet_group()
                    .and_then(|g| g.db_subnet_group_arn())
                    .ok_or_else(|| {
                        ResourceError::Internal("rds:CreateDBSubnetGroup returned no ARN".into())
                    })?
                    .to_string();
                Ok((arn, None))
            },
        )
        .await?;
        let (arn, adopted) = made.into_inner();
        let outputs = DbSubnetGroupOutputs {
            arn: arn.clone(),
            tags_all: tags.clone(),
        };
        if let Some(live) = &adopted {
            // An adopted group may hold stale settings and tags: bring them in line.
            let steps = async {
                Self::modify(ctx, inputs).await?;
                tags::sync::<RdsTags>(&ctx.aws, &arn, live, &tags).await
            };
            steps.await.map_err(|e| e.partial(&name, &outputs))?;
        }
        Ok((name, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&DbSubnetGroupInputs>,
    ) -> Result<Option<(DbSubnetGroupInputs, DbSubnetGroupOutputs)>, ResourceError> {
        let Some(group) = Self::describe(ctx, id).await? else {
            return Ok(None);
        };
        let arn = group.db_subnet_group_arn().unwrap_or_default().to_string();
        let all = match live_tags(&ctx.aws, &arn).await {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let prior_tags = prior.and_then(|p| p.tags.as_ref());
        let (name_tag, mut own, tags_all) = tags::split(&ctx.aws, all, prior_tags);
        // `Name` is an ordinary tag on RDS (tags::split treats it as EC2's physical name).
        if let Some(n) = name_tag
            && (prior_tags.is_some_and(|p| p.contains_key("Name"))
                || ctx.aws.default_tags.get("Name") != Some(&n))
        {
            own.get_or_insert_with(BTreeMap::new)
                .insert("Name".into(), n);
        }
        let mut subnet_ids: Vec<String> = group
            .subnets()
            .iter()
            .filter_map(|s| s.subnet_identifier().map(str::to_string))
            .collect();
        subnet_ids.sort();
        let inputs = DbSubnetGroupInputs {
            name: Some(id.to_string()),
            description: Some(
                group
                    .db_subnet_group_description()
                    .unwrap_or_default()
                    .to_string(),
            ),
            subnet_ids,
            tags: own,
        };
        Ok(Some((inputs, DbSubnetGroupOutputs { arn, tags_all })))
    }

    async fn update(
        ctx: &Context,
        _id: &str,
        old: &DbSubnetGroupInputs,
        old_outputs: &DbSubnetGroupOutputs,
        new: &DbSubnetGroupInputs,
    ) -> Result<DbSubnetGroupOutputs, ResourceError> {
        if old.description != new.description || old.subnet_ids != new.subnet_ids {
            Self::modify(ctx, new).await?;
        }
        let tags = ctx.tags(new.tags.as_ref());
        tags::sync::<RdsTags>(&ctx.aws, &old_outputs.arn, &old_outputs.tags_all, &tags).await?;
        Ok(DbSubnetGroupOutputs {
            arn: old_outputs.arn.clone(),
            tags_all: tags,
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &DbSubnetGroupInputs,
        _: &DbSubnetGroupOutputs,
    ) -> Result<(), ResourceError> {
        // A group still used by a cluster that is being deleted is `InvalidDBSubnetGroupStateFault`: retry.
        delete_and_wait(
            ctx,
            &format!("DB subnet group {id}"),
            || async {
                ctx.aws
                    .rds
                    .delete_db_subnet_group()
                    .db_subnet_group_name(id)
                    .send()
                    .await
                    .map_err(|e| aws_error("rds:DeleteDBSubnetGroup", e))
            },
            || async { Ok(Self::describe(ctx, id).await?.is_some()) },
        )
        .await
    }
}
