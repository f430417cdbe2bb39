//! `orderapi:rds:ClusterInstance` — one DB instance of an Aurora MySQL cluster. The first instance of a cluster
//! becomes its writer; the others are readers (Aurora Replicas) that serve the reader endpoint and are promoted
//! in `promotionTier` order when the writer fails. Instances in different availability zones give the cluster
//! failover across zones. Identifiers are unique per account and region: a create that finds the instance it is
//! about to make (RDS answers a retried CreateDBInstance whose first answer was lost with
//! `DBInstanceAlreadyExists`) adopts it only when it is the orphan of an interrupted create of this resource (see
//! [`crate::lifecycle`]).

use std::collections::BTreeMap;

use aws_sdk_rds::types::DbInstance;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    RdsTags, check_tags, is_identifier, is_kms_key, sanitize_identifier, tag_list, tag_map,
};
use crate::error::{ErrorClass, ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::tags;

const WHAT: &str = "DB instance";
const ENGINE: &str = "aurora-mysql";
/// Performance Insights retention AWS offers for free.
const DEFAULT_PI_RETENTION: i32 = 7;
/// Enhanced Monitoring intervals AWS accepts, seconds (0 = off).
const MONITORING_INTERVALS: [i32; 7] = [0, 1, 5, 10, 15, 30, 60];

/// Inputs of a cluster instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterInstanceInputs {
    /// The DB instance identifier (1-63 lowercase letters, digits and hyphens; a letter first; no `--`; not
    /// ending in `-`). Defaults to the resource name, lowercased, plus a random suffix. A change replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// The cluster the instance joins. A change replaces the instance.
    pub cluster_identifier: String,
    /// The instance class, e.g. `db.r6g.large`, `db.t4g.medium`, or `db.serverless`. Changed in place (the
    /// instance restarts; a writer fails over to a reader first when the cluster has one).
    pub instance_class: String,
    /// The engine: only `aurora-mysql` (the default), as the cluster's. A change replaces the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// The availability zone (default: RDS chooses). A change replaces the instance: RDS cannot move one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// Failover priority, 0 (first) to 15 (default 1). Give the writer 0 and readers 1 or more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_tier: Option<i32>,
    /// Collect Performance Insights (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_insights_enabled: Option<bool>,
    /// Days Performance Insights data is kept: 7 (default, free tier) or a multiple of 31 up to 731.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_insights_retention_period: Option<i32>,
    /// KMS key (ID, ARN or alias) for Performance Insights data (default: the AWS-managed key). A change
    /// replaces the instance's Performance Insights key only when AWS allows; set it at create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_insights_kms_key_id: Option<String>,
    /// Enhanced Monitoring interval in seconds: 0 (off, default), 1, 5, 10, 15, 30 or 60.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring_interval: Option<i32>,
    /// The IAM role RDS publishes Enhanced Monitoring metrics with; required when `monitoringInterval` > 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring_role_arn: Option<String>,
    /// Give the instance a public address (default false; keep the database private).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publicly_accessible: Option<bool>,
    /// Apply minor engine upgrades in the maintenance window (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_minor_version_upgrade: Option<bool>,
    /// Apply modifications now rather than in the next maintenance window (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_immediately: Option<bool>,
    /// The certificate authority of the instance's server certificate, e.g. `rds-ca-rsa2048-g1` (default: RDS's
    /// default CA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificate_identifier: Option<String>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a cluster instance.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterInstanceOutputs {
    /// The instance's ARN.
    pub arn: String,
    /// The instance's own endpoint address (use the cluster's endpoints in applications).
    pub endpoint: String,
    /// The port it listens on.
    pub port: i32,
    /// Whether the instance is the cluster's writer (false: a reader).
    pub writer: bool,
    /// The zone the instance runs in.
    pub availability_zone_used: String,
    /// RDS's immutable resource id (`db-…`), used in IAM database authentication and Performance Insights.
    pub dbi_resource_id: String,
    /// The instance's status when last read, e.g. `available`.
    pub status: String,
    /// All tags on the instance, including the provider's.
    pub tags_all: BTreeMap<String, String>,
}

pub struct ClusterInstance;

/// A Performance Insights retention AWS accepts: 7, or a multiple of 31 from 31 to 731.
pub fn is_pi_retention(days: i32) -> bool {
    days == 7 || (31..=731).contains(&days) && days % 31 == 0 || days == 731
}

/// A DB instance class shape: `db.<family>.<size>` or `db.serverless`.
pub fn is_instance_class(class: &str) -> bool {
    if class == "db.serverless" {
        return true;
    }
    let parts: Vec<&str> = class.split('.').collect();
    parts.len() == 3
        && parts[0] == "db"
        && parts[1]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase())
        && parts[1]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !parts[2].is_empty()
        && parts[2].chars().all(|c| c.is_ascii_alphanumeric())
}

fn is_role_arn(arn: &str) -> bool {
    arn.starts_with("arn:aws") && arn.contains(":iam::") && arn.contains(":role/")
}

impl ClusterInstance {
    /// The instance `id`, or `None` (also when RDS lists it as `deleted`).
    async fn describe(ctx: &Context, id: &str) -> Result<Option<DbInstance>, ResourceError> {
        match ctx
            .aws
            .rds
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
            .map_err(|e| aws_error("rds:DescribeDBInstances", e))
        {
            Ok(out) => Ok(out
                .db_instances()
                .iter()
                .find(|i| i.db_instance_identifier() == Some(id))
                .filter(|i| i.db_instance_status() != Some("deleted"))
                .cloned()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether `id` is its cluster's writer (DescribeDBClusters' member list).
    async fn is_writer(ctx: &Context, cluster: &str, id: &str) -> Result<bool, ResourceError> {
        let out = match ctx
            .aws
            .rds
            .describe_db_clusters()
            .db_cluster_identifier(cluster)
            .send()
            .await
            .map_err(|e| aws_error("rds:DescribeDBClusters", e))
        {
            Ok(out) => out,
            Err(e) if e.is_not_found() => return Ok(false),
            Err(e) => return Err(e),
        };
        Ok(out
            .db_clusters()
            .iter()
            .flat_map(|c| c.db_cluster_members())
            .any(|m| m.db_instance_identifier() == Some(id) && m.is_cluster_writer() == Some(true)))
    }

    async fn outputs(
        ctx: &Context,
        i: &DbInstance,
        tags_all: BTreeMap<String, String>,
    ) -> Result<ClusterInstanceOutputs, ResourceError> {
        let id = i.db_instance_identifier().unwrap_or_default();
        let writer = match i.db_cluster_identifier() {
            Some(cluster) => Self::is_writer(ctx, cluster, id).await?,
            None => false,
        };
        Ok(ClusterInstanceOutputs {
            arn: i.db_instance_arn().unwrap_or_default().to_string(),
            endpoint: i
                .endpoint()
                .and_then(|e| e.address())
                .unwrap_or_default()
                .to_string(),
            port: i
                .endpoint()
                .and_then(|e| e.port())
                .or(i.db_instance_port())
                .unwrap_or(3306),
            writer,
            availability_zone_used: i.availability_zone().unwrap_or_default().to_string(),
            dbi_resource_id: i.dbi_resource_id().unwrap_or_default().to_string(),
            status: i.db_instance_status().unwrap_or_default().to_string(),
            tags_all,
        })
    }

    /// Waits until the instance is `available` (after a create or a modification).
    async fn wait_available(ctx: &Context, id: &str) -> Result<DbInstance, ResourceError> {
        ctx.wait_for(&format!("DB instance {id} to be available"), || async {
            let Some(i) = Self::describe(ctx, id).await? else {
                return Ok(Poll::Pending("not listed yet".into()));
            };
            match i.db_instance_status().unwrap_or_default() {
                "available" => Ok(Poll::Ready(i)),
                s @ ("failed" | "incompatible-parameters" | "incompatible-network"
                | "inaccessible-encryption-credentials" | "storage-full" | "deleting") => {
                    Err(ResourceError::Internal(format!(
                        "DB instance {id} is '{s}' instead of becoming available; see the RDS console's events"
                    )))
                }
                s => Ok(Poll::Pending(s.to_string())),
            }
        })
        .await
    }

    /// Applies every in-place setting that differs between `old` (`None`: all of them) and `new`; returns
    /// whether anything was sent (the caller then waits for `available`).
    async fn modify(
        ctx: &Context,
        id: &str,
        old: Option<&ClusterInstanceInputs>,
        new: &ClusterInstanceInputs,
    ) -> Result<bool, ResourceError> {
        let differs = |f: fn(&ClusterInstanceInputs) -> String| old.is_none_or(|o| f(o) != f(new));
        let mut req = ctx
            .aws
            .rds
            .modify_db_instance()
            .db_instance_identifier(id)
            .apply_immediately(new.apply_immediately.unwrap_or(true));
        let mut any = false;
        if differs(|i| i.instance_class.clone()) {
            req = req.db_instance_class(&new.instance_class);
            any = true;
        }
        if differs(|i| format!("{:?}", i.promotion_tier)) {
            req = req.promotion_tier(new.promotion_tier.unwrap_or(1));
            any = true;
        }
        if differs(|i| {
            format!(
                "{:?}{:?}{:?}",
                i.performance_insights_enabled,
                i.performance_insights_retention_period,
                i.performance_insights_kms_key_id
            )
        }) {
            let enabled = new.performance_insights_enabled.unwrap_or(true);
            req = req.enable_performance_insights(enabled);
            if enabled {
                req = req
                    .performance_insights_retention_period(
                        new.performance_insights_retention_period
                            .unwrap_or(DEFAULT_PI_RETENTION),
                    )
                    .set_performance_insights_kms_key_id(
                        new.performance_insights_kms_key_id.clone(),
                    );
            }
            any = true;
        }
        if differs(|i| format!("{:?}{:?}", i.monitoring_interval, i.monitoring_role_arn)) {
            req = req
                .monitoring_interval(new.monitoring_interval.unwrap_or(0))
                .set_monitoring_role_arn(new.monitoring_role_arn.clone());
            any = true;
        }
        if differs(|i| format!("{:?}", i.publicly_accessible)) {
            req = req.publicly_accessible(new.publicly_accessible.unwrap_or(false));
            any = true;
        }
        if differs(|i| format!("{:?}", i.auto_minor_version_upgrade)) {
            req = req.auto_minor_version_upgrade(new.auto_minor_version_upgrade.unwrap_or(true));
            any = true;
        }
        if let Some(ca) = &new.ca_certificate_identifier
            && differs(|i| format!("{:?}", i.ca_certificate_identifier))
        {
            req = req.ca_certificate_identifier(ca);
            any = true;
        }
        if any {
            req.send()
                .await
                .map_err(|e| aws_error("rds:ModifyDBInstance", e))?;
        }
        Ok(any)
    }
}

impl CustomResource for ClusterInstance {
    const TOKEN: &'static str = "orderapi:rds:ClusterInstance";
    const DESCRIPTION: &'static str = "A DB instance of an Aurora MySQL cluster (its writer, or a reader that \
        serves the reader endpoint and takes over on failover), with Performance Insights, tagged and owned by \
        this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &[
        "identifier",
        "clusterIdentifier",
        "engine",
        "availabilityZone",
    ];
    /// RDS keeps instance identifiers unique per account and region.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["identifier"];
    const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60 * 60);
    type Inputs = ClusterInstanceInputs;
    type Outputs = ClusterInstanceOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: ClusterInstanceInputs,
    ) -> Result<ClusterInstanceInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        let id = inputs
            .identifier
            .get_or_insert_with(|| sanitize_identifier(&ctx.autoname(63), 63));
        f.require(
            is_identifier(id, 63),
            "identifier",
            format!(
                "'{id}' is not a valid DB instance identifier: 1-63 lowercase letters, digits and hyphens, a \
                 letter first, no `--`, not ending in `-`"
            ),
        );
        f.require(
            is_identifier(&inputs.cluster_identifier, 63),
            "clusterIdentifier",
            format!(
                "'{}' is not a valid DB cluster identifier",
                inputs.cluster_identifier
            ),
        );
        f.require(
            is_instance_class(&inputs.instance_class),
            "instanceClass",
            format!(
                "'{}' is not a DB instance class such as db.r6g.large, db.t4g.medium or db.serverless",
                inputs.instance_class
            ),
        );
        let engine = inputs.engine.get_or_insert_with(|| ENGINE.to_string());
        f.require(
            engine == ENGINE,
            "engine",
            format!("'{engine}' is not supported: only `aurora-mysql`"),
        );
        if let Some(zone) = &inputs.availability_zone {
            f.require(
                zone.len() >= 4
                    && zone.chars().last().is_some_and(|c| c.is_ascii_lowercase())
                    && zone
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "availabilityZone",
                format!("'{zone}' is not an availability zone name such as us-east-1a"),
            );
        }
        let tier = *inputs.promotion_tier.get_or_insert(1);
        f.require(
            (0..=15).contains(&tier),
            "promotionTier",
            format!("must be 0-15, got {tier}"),
        );
        let pi = *inputs.performance_insights_enabled.get_or_insert(true);
        if pi {
            let days = *inputs
                .performance_insights_retention_period
                .get_or_insert(DEFAULT_PI_RETENTION);
            f.require(
                is_pi_retention(days),
                "performanceInsightsRetentionPeriod",
                format!("{days} days is not offered: 7, or a multiple of 31 up to 731"),
            );
        } else {
            f.require(
                inputs.performance_insights_retention_period.is_none()
                    && inputs.performance_insights_kms_key_id.is_none(),
                "performanceInsightsEnabled",
                "retention period and KMS key apply only with Performance Insights on",
            );
        }
        if let Some(key) = &inputs.performance_insights_kms_key_id {
            f.require(
                is_kms_key(key),
                "performanceInsightsKmsKeyId",
                format!("'{key}' is not a KMS key ID, ARN or alias"),
            );
        }
        let interval = *inputs.monitoring_interval.get_or_insert(0);
        f.require(
            MONITORING_INTERVALS.contains(&interval),
            "monitoringInterval",
            format!("{interval} is not one of 0, 1, 5, 10, 15, 30, 60 seconds"),
        );
        match &inputs.monitoring_role_arn {
            Some(arn) => {
                f.require(
                    is_role_arn(arn),
                    "monitoringRoleArn",
                    format!("'{arn}' is not an IAM role ARN"),
                );
                f.require(
                    interval > 0,
                    "monitoringRoleArn",
                    "applies only with monitoringInterval above 0",
                );
            }
            None => f.require(
                interval == 0,
                "monitoringRoleArn",
                "is required when monitoringInterval is above 0 (the role RDS publishes metrics with)",
            ),
        }
        inputs.publicly_accessible.get_or_insert(false);
        inputs.auto_minor_version_upgrade.get_or_insert(true);
        inputs.apply_immediately.get_or_insert(true);
        if let Some(ca) = &inputs.ca_certificate_identifier {
            f.require(
                ca.starts_with("rds-ca-") && ca.len() <= 64,
                "caCertificateIdentifier",
                format!("'{ca}' is not an RDS CA identifier such as rds-ca-rsa2048-g1"),
            );
        }
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &ClusterInstanceInputs,
    ) -> Result<(String, ClusterInstanceOutputs), ResourceError> {
        let id = inputs.identifier.clone().unwrap_or_default();
        let tags = ctx.tags(inputs.tags.as_ref());
        let made = create_once(
            ctx,
            &format!("{WHAT} {id}"),
            || async {
                let Some(i) = Self::describe(ctx, &id).await? else {
                    return Ok(None);
                };
                let live = tag_map(i.tag_list());
                match ctx.found(&id, &live) {
                    Found::Orphan => {
                        ctx.adopting(WHAT, &id);
                        let arn = i.db_instance_arn().unwrap_or_default().to_string();
                        Ok(Some((arn, Some(live))))
                    }
                    other => Err(conflict(&format!("an RDS {WHAT} named '{id}'"), &other)),
                }
            },
            || async {
                let pi = inputs.performance_insights_enabled.unwrap_or(true);
                let mut req = ctx
                    .aws
                    .rds
                    .create_db_instance()
                    .db_instance_identifier(&id)
                    .db_cluster_identifier(&inputs.cluster_identifier)
                    .engine(ENGINE)
                    .db_instance_class(&inputs.instance_class)
                    .set_availability_zone(inputs.availability_zone.clone())
                    .promotion_tier(inputs.promotion_tier.unwrap_or(1))
                    .enable_performance_insights(pi)
                    .monitoring_interval(inputs.monitoring_interval.unwrap_or(0))
                    .set_monitoring_role_arn(inputs.monitoring_role_arn.clone())
                    .publicly_accessible(inputs.publicly_accessible.unwrap_or(false))
                    .auto_minor_version_upgrade(inputs.auto_minor_version_upgrade.unwrap_or(true))
                    .set_ca_certificate_identifier(inputs.ca_certificate_identifier.clone())
                    .set_tags(Some(tag_list(&tags)));
                if pi {
                    req = req
                        .performance_insights_retention_period(
                            inputs
                                .performance_insights_retention_period
                                .unwrap_or(DEFAULT_PI_RETENTION),
                        )
                        .set_performance_insights_kms_key_id(
                            inputs.performance_insights_kms_key_id.clone(),
                        );
                }
                let out = req
                    .customize()
                    .config_override(no_retry!(aws_sdk_rds))
                    .send()
                    .await.map_err(|e| {
                    let e = aws_error("rds:CreateDBInstance", e);
                    // The only thing a create refers to that may be missing is its cluster.
                    if e.is_not_found() {
                        ResourceError::Conflict(format!(
                            "cannot create DB instance {id}: cluster '{}' does not exist ({e}); create the \
                             cluster first (reference its clusterIdentifier output)",
                            inputs.cluster_identifier
                        ))
                    } else {
                        e
                    }
                })?;
                let arn = out
                    .db_instance()
                    .and_then(|i| i.db_instance_arn())
                    .ok_or_else(|| {
                        ResourceError::Internal("rds:CreateDBInstance returned no ARN".into())
                    })?
                    .to_string();
                Ok((arn, None))
            },
        )
        .await?;
        let (arn, live_tags) = made.into_inner();
        let partial = ClusterInstanceOutputs {
            arn: arn.clone(),
            tags_all: tags.clone(),
            ..Default::default()
        };
        let steps = async {
            let mut i = Self::wait_available(ctx, &id).await?;
            if let Some(live) = &live_tags {
                // An adopted instance may hold stale settings and tags: bring them in line.
                if Self::modify(ctx, &id, None, inputs).await? {
                    i = Self::wait_available(ctx, &id).await?;
                }
                tags::sync::<RdsTags>(&ctx.aws, &arn, live, &tags).await?;
            }
            Self::outputs(ctx, &i, tags).await
        };
        let outputs = steps
            .await
            .map_err(|e: ResourceError| e.partial(&id, &partial))?;
        Ok((id, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&ClusterInstanceInputs>,
    ) -> Result<Option<(ClusterInstanceInputs, ClusterInstanceOutputs)>, ResourceError> {
        let Some(i) = Self::describe(ctx, id).await? else {
            return Ok(None);
        };
        let prior_tags = prior.and_then(|p| p.tags.as_ref());
        let (name_tag, mut own, tags_all) =
            tags::split(&ctx.aws, tag_map(i.tag_list()), prior_tags);
        if let Some(n) = name_tag
            && (prior_tags.is_some_and(|p| p.contains_key("Name"))
                || ctx.aws.default_tags.get("Name") != Some(&n))
        {
            own.get_or_insert_with(BTreeMap::new)
                .insert("Name".into(), n);
        }
        // AWS always reports the setting; an emulator that omits it keeps what was declared.
        let pi = i
            .performance_insights_enabled()
            .or(prior.and_then(|p| p.performance_insights_enabled))
            .unwrap_or(false);
        // Settings RDS fills in when undeclared stay undeclared when the program left them out.
        let declared = |f: fn(&ClusterInstanceInputs) -> bool| prior.is_none_or(f);
        let inputs = ClusterInstanceInputs {
            identifier: Some(id.to_string()),
            cluster_identifier: i.db_cluster_identifier().unwrap_or_default().to_string(),
            instance_class: i.db_instance_class().unwrap_or_default().to_string(),
            engine: i.engine().map(str::to_string),
            availability_zone: if declared(|p| p.availability_zone.is_some()) {
                i.availability_zone().map(str::to_string)
            } else {
                None
            },
            promotion_tier: i.promotion_tier(),
            performance_insights_enabled: Some(pi),
            performance_insights_retention_period: if pi {
                i.performance_insights_retention_period()
                    .or(prior.and_then(|p| p.performance_insights_retention_period))
            } else {
                None
            },
            performance_insights_kms_key_id: if pi
                && declared(|p| p.performance_insights_kms_key_id.is_some())
            {
                i.performance_insights_kms_key_id().map(str::to_string)
            } else {
                None
            },
            monitoring_interval: Some(i.monitoring_interval().unwrap_or(0)),
            monitoring_role_arn: i.monitoring_role_arn().map(str::to_string),
            publicly_accessible: Some(i.publicly_accessible().unwrap_or(false)),
            auto_minor_version_upgrade: Some(i.auto_minor_version_upgrade().unwrap_or(true)),
            // Not an AWS setting: how this provider modifies.
            apply_immediately: Some(prior.and_then(|p| p.apply_immediately).unwrap_or(true)),
            ca_certificate_identifier: if declared(|p| p.ca_certificate_identifier.is_some()) {
                i.ca_certificate_identifier().map(str::to_string)
            } else {
                None
            },
            tags: own,
        };
        let outputs = Self::outputs(ctx, &i, tags_all).await?;
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &ClusterInstanceInputs,
        old_outputs: &ClusterInstanceOutputs,
        new: &ClusterInstanceInputs,
    ) -> Result<ClusterInstanceOutputs, ResourceError> {
        // A create that ran out of time recorded an instance that is still `creating` (partial state); the
        // engine's next `up` continues it through this update. RDS refuses modifications until it is available.
        Self::wait_available(ctx, id).await?;
        if Self::modify(ctx, id, Some(old), new).await? {
            Self::wait_available(ctx, id).await?;
        }
        let tags = ctx.tags(new.tags.as_ref());
        tags::sync::<RdsTags>(&ctx.aws, &old_outputs.arn, &old_outputs.tags_all, &tags).await?;
        let i = Self::describe(ctx, id).await?.ok_or_else(|| {
            ResourceError::Internal(format!("DB instance {id} vanished during update"))
        })?;
        Self::outputs(ctx, &i, tags).await
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &ClusterInstanceInputs,
        _: &ClusterInstanceOutputs,
    ) -> Result<(), ResourceError> {
        // A member of a cluster takes no final snapshot of its own (the cluster's backups cover it). An instance
        // being modified or backed up answers InvalidDBInstanceState: retry until the deadline.
        ctx.wait_for(&format!("DB instance {id} to be deleted"), || async {
            let Some(i) = Self::describe(ctx, id).await? else {
                return Ok(Poll::Ready(()));
            };
            if i.db_instance_status() == Some("deleting") {
                return Ok(Poll::Pending("deleting".into()));
            }
            match ctx
                .aws
                .rds
                .delete_db_instance()
                .db_instance_identifier(id)
                .send()
                .await
                .map_err(|e| aws_error("rds:DeleteDBInstance", e))
            {
                Ok(_) => Ok(Poll::Pending("deleting".into())),
                Err(e) if e.is_not_found() => Ok(Poll::Ready(())),
                Err(e) if e.class() == ErrorClass::InUse => {
                    Ok(Poll::Pending(format!("cannot delete yet: {e}")))
                }
                Err(e) => Err(e),
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn performance_insights_retention_values() {
        for ok in [7, 31, 62, 93, 372, 731] {
            assert!(is_pi_retention(ok), "{ok}");
        }
        for bad in [0, 1, 8, 30, 32, 700, 732] {
            assert!(!is_pi_retention(bad), "{bad}");
        }
    }

    #[test]
    fn instance_classes() {
        for ok in [
            "db.r6g.large",
            "db.t4g.medium",
            "db.r7g.16xlarge",
            "db.serverless",
        ] {
            assert!(is_instance_class(ok), "{ok}");
        }
        for bad in ["r6g.large", "db.large", "db..large", "db.R6G.large", ""] {
            assert!(!is_instance_class(bad), "{bad}");
        }
    }
}
