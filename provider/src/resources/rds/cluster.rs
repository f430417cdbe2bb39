//! `orderapi:rds:Cluster` — an Aurora MySQL cluster whose master password RDS keeps (and rotates) in Secrets
//! Manager, with validated backup/maintenance windows, encryption, log exports and a delete that waits until the
//! cluster is gone. Identifiers are unique per account and region: a create that finds the cluster it is about to
//! make adopts it only when it is the orphan of an interrupted create of this resource (see [`crate::lifecycle`]).

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_rds::types::{CloudwatchLogsExportConfiguration, DbCluster as RdsCluster};
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

const WHAT: &str = "DB cluster";
const ENGINE: &str = "aurora-mysql";
/// The engine version a cluster gets when none is declared (Aurora MySQL 3, MySQL 8.0 compatible).
pub const DEFAULT_ENGINE_VERSION: &str = "8.0.mysql_aurora.3.08.0";
const DEFAULT_BACKUP_WINDOW: &str = "03:00-04:00";
const DEFAULT_MAINTENANCE_WINDOW: &str = "sun:05:00-sun:06:00";
const DEFAULT_MASTER_USERNAME: &str = "admin";
/// The port Aurora MySQL listens on (not configurable here).
const PORT: i32 = 3306;
const LOG_TYPES: [&str; 4] = ["audit", "error", "general", "slowquery"];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_MINUTES: u32 = 24 * 60;
const WEEK_MINUTES: u32 = 7 * DAY_MINUTES;

/// Inputs of an Aurora MySQL cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterInputs {
    /// Cluster identifier (1-63 lowercase letters, digits and hyphens; a letter first; no `--`; not ending in
    /// `-`). Defaults to the resource name, lowercased, plus a random suffix. Changing it replaces the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_identifier: Option<String>,
    /// The engine: only `aurora-mysql` (the default). A change replaces the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// Aurora MySQL version, `8.0.mysql_aurora.3.xx.x` or `5.7.mysql_aurora.2.xx.x` (default
    /// `8.0.mysql_aurora.3.08.0`). Upgraded in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    /// Name of the database created with the cluster (1-64 letters, digits and underscores, a letter first);
    /// absent = none. A change replaces the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_name: Option<String>,
    /// The master user's name (1-16 letters, digits and underscores, a letter first; default `admin`). A change
    /// replaces the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_username: Option<String>,
    /// RDS keeps the master password in Secrets Manager and rotates it (`masterUserSecretArn`). Always true: the
    /// provider never handles the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage_master_user_password: Option<bool>,
    /// Encrypt the cluster's storage (default true). A change replaces the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_encrypted: Option<bool>,
    /// KMS key (ID, ARN or alias) for storage encryption (default: the AWS-managed `aws/rds` key). A change
    /// replaces the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Days automated backups are kept (1-35, default 7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_retention_period: Option<i32>,
    /// Daily backup window in UTC, `hh24:mi-hh24:mi`, at least 30 minutes (default `03:00-04:00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_backup_window: Option<String>,
    /// Weekly maintenance window in UTC, `ddd:hh24:mi-ddd:hh24:mi`, at least 30 minutes, not overlapping the
    /// backup window (default `sun:05:00-sun:06:00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_maintenance_window: Option<String>,
    /// Security groups of the cluster (default: the VPC's default security group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_security_group_ids: Option<Vec<String>>,
    /// The DB subnet group the cluster's instances are placed in (default: the default VPC's group). A change
    /// replaces the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_subnet_group_name: Option<String>,
    /// Refuse to delete the cluster (default false). Set it to false and `pulumi up` before destroying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<bool>,
    /// Copy the cluster's tags to its snapshots, automated and manual (default false). Changed in place. Absent
    /// means false: states recorded before this input existed lack it and diff clean against a program that
    /// leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_tags_to_snapshot: Option<bool>,
    /// Delete without a final snapshot (default true). When false, the delete takes a final snapshot named
    /// `<clusterIdentifier>-final-<unix time>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_final_snapshot: Option<bool>,
    /// Logs exported to CloudWatch Logs: any of `audit`, `error`, `general`, `slowquery`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_cloudwatch_logs_exports: Option<Vec<String>>,
    /// Apply modifications now rather than in the next maintenance window (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_immediately: Option<bool>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of an Aurora MySQL cluster.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterOutputs {
    /// The cluster's ARN.
    pub arn: String,
    /// The writer endpoint's DNS name.
    pub endpoint: String,
    /// The reader endpoint's DNS name (load-balanced over the readers).
    pub reader_endpoint: String,
    /// The port the cluster listens on (3306).
    pub port: i32,
    /// ARN of the Secrets Manager secret RDS keeps the master user's credentials in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_user_secret_arn: Option<String>,
    /// The cluster's immutable resource ID (`cluster-…`), used in IAM policies.
    pub cluster_resource_id: String,
    /// Every tag on the cluster, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct Cluster;

/// Whether `v` is an Aurora MySQL version of the shape `8.0.mysql_aurora.3.xx.x` or `5.7.mysql_aurora.2.xx.x`.
pub fn is_engine_version(v: &str) -> bool {
    let rest = v
        .strip_prefix("8.0.mysql_aurora.3.")
        .or_else(|| v.strip_prefix("5.7.mysql_aurora.2."));
    let Some(rest) = rest else { return false };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    match rest.split_once('.') {
        Some((minor, patch)) => {
            minor.len() == 2 && digits(minor) && digits(patch) && patch.len() <= 3
        }
        None => false,
    }
}

/// Minutes since midnight of `hh24:mi`.
fn parse_time(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// The daily backup window `hh24:mi-hh24:mi` as (start minute of the day, length in minutes).
pub fn parse_backup_window(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('-')?;
    let (a, b) = (parse_time(a)?, parse_time(b)?);
    Some((a, (b + DAY_MINUTES - a) % DAY_MINUTES))
}

/// The weekly maintenance window `ddd:hh24:mi-ddd:hh24:mi` as (start minute of the week, length in minutes).
pub fn parse_maintenance_window(s: &str) -> Option<(u32, u32)> {
    let point = |p: &str| -> Option<u32> {
        let (day, time) = p.split_once(':')?;
        let d = DAYS.iter().position(|x| *x == day)? as u32;
        Some(d * DAY_MINUTES + parse_time(time)?)
    };
    let (a, b) = s.split_once('-')?;
    let (a, b) = (point(a)?, point(b)?);
    Some((a, (b + WEEK_MINUTES - a) % WEEK_MINUTES))
}

/// Whether a daily backup window and a weekly maintenance window share a minute.
pub fn windows_overlap(backup: (u32, u32), maintenance: (u32, u32)) -> bool {
    let mut week = vec![false; WEEK_MINUTES as usize];
    for m in 0..maintenance.1 {
        week[((maintenance.0 + m) % WEEK_MINUTES) as usize] = true;
    }
    (0..7).any(|d| {
        (0..backup.1).any(|m| week[((d * DAY_MINUTES + backup.0 + m) % WEEK_MINUTES) as usize])
    })
}

fn is_db_word(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Cluster {
    /// The cluster `id`, or `None`.
    async fn describe(ctx: &Context, id: &str) -> Result<Option<RdsCluster>, ResourceError> {
        match ctx
            .aws
            .rds
            .describe_db_clusters()
            .db_cluster_identifier(id)
            .send()
            .await
            .map_err(|e| aws_error("rds:DescribeDBClusters", e))
        {
            Ok(out) => Ok(out
                .db_clusters()
                .iter()
                .find(|c| c.db_cluster_identifier() == Some(id))
                .cloned()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn outputs(c: &RdsCluster, tags_all: BTreeMap<String, String>) -> ClusterOutputs {
        ClusterOutputs {
            arn: c.db_cluster_arn().unwrap_or_default().to_string(),
            endpoint: c.endpoint().unwrap_or_default().to_string(),
            reader_endpoint: c.reader_endpoint().unwrap_or_default().to_string(),
            port: c.port().unwrap_or(PORT),
            master_user_secret_arn: c
                .master_user_secret()
                .and_then(|s| s.secret_arn())
                .map(str::to_string),
            cluster_resource_id: c.db_cluster_resource_id().unwrap_or_default().to_string(),
            tags_all,
        }
    }

    /// Waits until the cluster is `available` (after a create or a modification).
    async fn wait_available(ctx: &Context, id: &str) -> Result<RdsCluster, ResourceError> {
        ctx.wait_for(&format!("DB cluster {id} to be available"), || async {
            let Some(c) = Self::describe(ctx, id).await? else {
                return Ok(Poll::Pending("not listed yet".into()));
            };
            match c.status().unwrap_or_default() {
                "available" => Ok(Poll::Ready(c)),
                s @ ("failed" | "inaccessible-encryption-credentials" | "incompatible-parameters"
                | "incompatible-restore" | "deleting") => Err(ResourceError::Internal(format!(
                    "DB cluster {id} is '{s}' instead of becoming available; see the RDS console's events"
                ))),
                s => Ok(Poll::Pending(s.to_string())),
            }
        })
        .await
    }

    /// Applies every in-place setting that differs between `old` (`None`: all of them) and `new`, then waits
    /// until the cluster is available again.
    async fn modify(
        ctx: &Context,
        id: &str,
        old: Option<&ClusterInputs>,
        new: &ClusterInputs,
    ) -> Result<(), ResourceError> {
        let differs = |f: fn(&ClusterInputs) -> String| old.is_none_or(|o| f(o) != f(new));
        let mut req = ctx
            .aws
            .rds
            .modify_db_cluster()
            .db_cluster_identifier(id)
            .apply_immediately(new.apply_immediately.unwrap_or(true));
        let mut any = false;
        if differs(|i| format!("{:?}", i.engine_version)) {
            let version = new
                .engine_version
                .as_deref()
                .unwrap_or(DEFAULT_ENGINE_VERSION);
            let major = |v: &str| v.get(..3).map(str::to_string);
            if let Some(o) = old
                && major(
                    o.engine_version
                        .as_deref()
                        .unwrap_or(DEFAULT_ENGINE_VERSION),
                ) != major(version)
            {
                req = req.allow_major_version_upgrade(true);
            }
            req = req.engine_version(version);
            any = true;
        }
        if differs(|i| format!("{:?}", i.backup_retention_period)) {
            req = req.backup_retention_period(new.backup_retention_period.unwrap_or(7));
            any = true;
        }
        if differs(|i| format!("{:?}", i.preferred_backup_window)) {
            req = req.set_preferred_backup_window(new.preferred_backup_window.clone());
            any = true;
        }
        if differs(|i| format!("{:?}", i.preferred_maintenance_window)) {
            req = req.set_preferred_maintenance_window(new.preferred_maintenance_window.clone());
            any = true;
        }
        if let Some(groups) = &new.vpc_security_group_ids
            && differs(|i| format!("{:?}", i.vpc_security_group_ids))
        {
            req = req.set_vpc_security_group_ids(Some(groups.clone()));
            any = true;
        }
        if differs(|i| format!("{:?}", i.deletion_protection)) {
            req = req.deletion_protection(new.deletion_protection.unwrap_or(false));
            any = true;
        }
        // Compared by effect: absent and false are the same setting.
        if differs(|i| i.copy_tags_to_snapshot.unwrap_or(false).to_string()) {
            req = req.copy_tags_to_snapshot(new.copy_tags_to_snapshot.unwrap_or(false));
            any = true;
        }
        let logs = |i: &ClusterInputs| {
            i.enabled_cloudwatch_logs_exports
                .clone()
                .unwrap_or_default()
        };
        let (old_logs, new_logs) = (old.map(logs), logs(new));
        if old_logs.as_ref() != Some(&new_logs) {
            let enable: Vec<String> = new_logs
                .iter()
                .filter(|l| !old_logs.as_ref().is_some_and(|o| o.contains(l)))
                .cloned()
                .collect();
            let disable: Vec<String> = match &old_logs {
                Some(o) => o
                    .iter()
                    .filter(|l| !new_logs.contains(l))
                    .cloned()
                    .collect(),
                None => LOG_TYPES
                    .iter()
                    .filter(|l| !new_logs.iter().any(|n| n == *l))
                    .map(|l| l.to_string())
                    .collect(),
            };
            req = req.cloudwatch_logs_export_configuration(
                CloudwatchLogsExportConfiguration::builder()
                    .set_enable_log_types((!enable.is_empty()).then_some(enable))
                    .set_disable_log_types((!disable.is_empty()).then_some(disable))
                    .build(),
            );
            any = true;
        }
        if !any {
            return Ok(());
        }
        req.send()
            .await
            .map_err(|e| aws_error("rds:ModifyDBCluster", e))?;
        Self::wait_available(ctx, id).await?;
        Ok(())
    }
}

impl CustomResource for Cluster {
    const TOKEN: &'static str = "orderapi:rds:Cluster";
    const DESCRIPTION: &'static str = "An Aurora MySQL cluster whose master password RDS keeps and rotates in \
        Secrets Manager, tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &[
        "clusterIdentifier",
        "engine",
        "databaseName",
        "masterUsername",
        "manageMasterUserPassword",
        "storageEncrypted",
        "kmsKeyId",
        "dbSubnetGroupName",
    ];
    /// RDS keeps cluster identifiers unique per account and region.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["clusterIdentifier"];
    const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60 * 60);
    type Inputs = ClusterInputs;
    type Outputs = ClusterOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: ClusterInputs,
    ) -> Result<ClusterInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        let id = inputs
            .cluster_identifier
            .get_or_insert_with(|| sanitize_identifier(&ctx.autoname(63), 63));
        f.require(
            is_identifier(id, 63),
            "clusterIdentifier",
            format!(
                "'{id}' is not a valid cluster identifier: 1-63 lowercase letters, digits and hyphens, a letter \
                 first, no `--`, not ending in `-`"
            ),
        );
        let engine = inputs.engine.get_or_insert_with(|| ENGINE.to_string());
        f.require(
            engine == ENGINE,
            "engine",
            format!("'{engine}' is not supported: only `aurora-mysql`"),
        );
        let version = inputs
            .engine_version
            .get_or_insert_with(|| DEFAULT_ENGINE_VERSION.to_string());
        f.require(
            is_engine_version(version),
            "engineVersion",
            format!(
                "'{version}' is not a supported Aurora MySQL version: use `8.0.mysql_aurora.3.xx.x` (or \
                 `5.7.mysql_aurora.2.xx.x`), e.g. {DEFAULT_ENGINE_VERSION}"
            ),
        );
        if let Some(db) = &inputs.database_name {
            f.require(
                is_db_word(db, 64),
                "databaseName",
                format!("'{db}' must be 1-64 letters, digits or underscores, a letter first"),
            );
        }
        let user = inputs
            .master_username
            .get_or_insert_with(|| DEFAULT_MASTER_USERNAME.to_string());
        f.require(
            is_db_word(user, 16),
            "masterUsername",
            format!("'{user}' must be 1-16 letters, digits or underscores, a letter first"),
        );
        f.require(
            !user.eq_ignore_ascii_case("rdsadmin"),
            "masterUsername",
            "`rdsadmin` is reserved by RDS",
        );
        let managed = *inputs.manage_master_user_password.get_or_insert(true);
        f.require(
            managed,
            "manageMasterUserPassword",
            "must be true: RDS keeps and rotates the master password in Secrets Manager \
             (masterUserSecretArn), the provider never handles it",
        );
        let encrypted = *inputs.storage_encrypted.get_or_insert(true);
        if let Some(key) = &inputs.kms_key_id {
            f.require(encrypted, "kmsKeyId", "needs storageEncrypted true");
            f.require(
                is_kms_key(key),
                "kmsKeyId",
                format!("'{key}' is not a KMS key ID, ARN or alias"),
            );
        }
        let retention = *inputs.backup_retention_period.get_or_insert(7);
        f.require(
            (1..=35).contains(&retention),
            "backupRetentionPeriod",
            "must be between 1 and 35 days",
        );
        let backup = inputs
            .preferred_backup_window
            .get_or_insert_with(|| DEFAULT_BACKUP_WINDOW.to_string());
        let backup = match parse_backup_window(backup) {
            Some(w) if w.1 >= 30 => Some(w),
            Some(_) => {
                f.push(
                    "preferredBackupWindow",
                    format!("'{backup}' must be at least 30 minutes"),
                );
                None
            }
            None => {
                f.push(
                    "preferredBackupWindow",
                    format!("'{backup}' is not a UTC window `hh24:mi-hh24:mi` such as 03:00-04:00"),
                );
                None
            }
        };
        let maintenance = inputs
            .preferred_maintenance_window
            .get_or_insert_with(|| DEFAULT_MAINTENANCE_WINDOW.to_string());
        *maintenance = maintenance.to_ascii_lowercase();
        let maintenance_window = match parse_maintenance_window(maintenance) {
            Some(w) if w.1 >= 30 => Some(w),
            Some(_) => {
                f.push(
                    "preferredMaintenanceWindow",
                    format!("'{maintenance}' must be at least 30 minutes"),
                );
                None
            }
            None => {
                f.push(
                    "preferredMaintenanceWindow",
                    format!(
                        "'{maintenance}' is not a UTC window `ddd:hh24:mi-ddd:hh24:mi` such as \
                         sun:05:00-sun:06:00"
                    ),
                );
                None
            }
        };
        if let (Some(b), Some(m)) = (backup, maintenance_window) {
            f.require(
                !windows_overlap(b, m),
                "preferredMaintenanceWindow",
                format!(
                    "'{maintenance}' overlaps preferredBackupWindow '{}'; RDS needs them apart",
                    inputs
                        .preferred_backup_window
                        .as_deref()
                        .unwrap_or_default()
                ),
            );
        }
        if let Some(groups) = &mut inputs.vpc_security_group_ids {
            groups.sort();
            let n = groups.len();
            groups.dedup();
            f.require(
                groups.len() == n,
                "vpcSecurityGroupIds",
                "must not list a group twice",
            );
            for g in groups.iter() {
                f.require(
                    g.starts_with("sg-") && g.len() > 3,
                    "vpcSecurityGroupIds",
                    format!("'{g}' is not a security group ID (sg-…)"),
                );
            }
        }
        if let Some(group) = &inputs.db_subnet_group_name {
            f.require(
                super::db_subnet_group::is_group_name(group),
                "dbSubnetGroupName",
                format!("'{group}' is not a valid DB subnet group name"),
            );
        }
        inputs.deletion_protection.get_or_insert(false);
        // copyTagsToSnapshot is not filled in: it came after release 0.1.0, whose states lack it, and a default
        // written here would show every existing cluster an update to `false` (absent means false when sent).
        inputs.skip_final_snapshot.get_or_insert(true);
        inputs.apply_immediately.get_or_insert(true);
        if let Some(logs) = &mut inputs.enabled_cloudwatch_logs_exports {
            logs.sort();
            logs.dedup();
            for l in logs.iter() {
                f.require(
                    LOG_TYPES.contains(&l.as_str()),
                    "enabledCloudwatchLogsExports",
                    format!("'{l}' is not one of audit, error, general, slowquery"),
                );
            }
        }
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &ClusterInputs,
    ) -> Result<(String, ClusterOutputs), ResourceError> {
        let id = inputs.cluster_identifier.clone().unwrap_or_default();
        let tags = ctx.tags(inputs.tags.as_ref());
        let made = create_once(
            ctx,
            &format!("{WHAT} {id}"),
            || async {
                let Some(c) = Self::describe(ctx, &id).await? else {
                    return Ok(None);
                };
                let live = tag_map(c.tag_list());
                match ctx.found(&id, &live) {
                    Found::Orphan => {
                        ctx.adopting(WHAT, &id);
                        let arn = c.db_cluster_arn().unwrap_or_default().to_string();
                        Ok(Some((arn, Some(live))))
                    }
                    other => Err(conflict(&format!("an RDS {WHAT} named '{id}'"), &other)),
                }
            },
            || async {
                let out = ctx
                    .aws
                    .rds
                    .create_db_cluster()
                    .db_cluster_identifier(&id)
                    .engine(ENGINE)
                    .set_engine_version(inputs.engine_version.clone())
                    .set_database_name(inputs.database_name.clone())
                    .set_master_username(inputs.master_username.clone())
                    .manage_master_user_password(true)
                    .storage_encrypted(inputs.storage_encrypted.unwrap_or(true))
                    .set_kms_key_id(inputs.kms_key_id.clone())
                    .backup_retention_period(inputs.backup_retention_period.unwrap_or(7))
                    .set_preferred_backup_window(inputs.preferred_backup_window.clone())
                    .set_preferred_maintenance_window(inputs.preferred_maintenance_window.clone())
                    .set_vpc_security_group_ids(inputs.vpc_security_group_ids.clone())
                    .set_db_subnet_group_name(inputs.db_subnet_group_name.clone())
                    .deletion_protection(inputs.deletion_protection.unwrap_or(false))
                    .copy_tags_to_snapshot(inputs.copy_tags_to_snapshot.unwrap_or(false))
                    .set_enable_cloudwatch_logs_exports(
                        inputs.enabled_cloudwatch_logs_exports.clone(),
                    )
                    .port(PORT)
                    .set_tags(Some(tag_list(&tags)))
                    .customize()
                    .config_override(no_retry!(aws_sdk_rds))
                    .send()
                    .await
                    .map_err(|e| aws_error("rds:CreateDBCluster", e))?;
                let arn = out
                    .db_cluster()
                    .and_then(|c| c.db_cluster_arn())
                    .ok_or_else(|| {
                        ResourceError::Internal("rds:CreateDBCluster returned no ARN".into())
                    })?
                    .to_string();
                Ok((arn, None))
            },
        )
        .await?;
        let (arn, live_tags) = made.into_inner();
        let partial = ClusterOutputs {
            arn: arn.clone(),
            port: PORT,
            tags_all: tags.clone(),
            ..Default::default()
        };
        let steps = async {
            let mut c = Self::wait_available(ctx, &id).await?;
            if let Some(live) = &live_tags {
                // An adopted cluster may hold stale settings and tags: bring them in line.
                Self::modify(ctx, &id, None, inputs).await?;
                tags::sync::<RdsTags>(&ctx.aws, &arn, live, &tags).await?;
                c = Self::wait_available(ctx, &id).await?;
            }
            Ok(c)
        };
        let c = steps
            .await
            .map_err(|e: ResourceError| e.partial(&id, &partial))?;
        Ok((id, Self::outputs(&c, tags)))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&ClusterInputs>,
    ) -> Result<Option<(ClusterInputs, ClusterOutputs)>, ResourceError> {
        let Some(c) = Self::describe(ctx, id).await? else {
            return Ok(None);
        };
        let prior_tags = prior.and_then(|p| p.tags.as_ref());
        let (name_tag, mut own, tags_all) =
            tags::split(&ctx.aws, tag_map(c.tag_list()), prior_tags);
        if let Some(n) = name_tag
            && (prior_tags.is_some_and(|p| p.contains_key("Name"))
                || ctx.aws.default_tags.get("Name") != Some(&n))
        {
            own.get_or_insert_with(BTreeMap::new)
                .insert("Name".into(), n);
        }
        let mut groups: Vec<String> = c
            .vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
            .collect();
        groups.sort();
        // Settings AWS fills in when undeclared (default security group, default subnet group, the AWS-managed
        // KMS key) stay undeclared when the program left them out; on import (no prior) the live value shows.
        let declared = |f: fn(&ClusterInputs) -> bool| prior.is_none_or(f);
        let mut logs: Vec<String> = c.enabled_cloudwatch_logs_exports().to_vec();
        logs.sort();
        let inputs = ClusterInputs {
            cluster_identifier: Some(id.to_string()),
            engine: c.engine().map(str::to_string),
            engine_version: c.engine_version().map(str::to_string),
            database_name: c.database_name().map(str::to_string),
            master_username: c.master_username().map(str::to_string),
            manage_master_user_password: Some(
                c.master_user_secret().is_some()
                    || prior
                        .and_then(|p| p.manage_master_user_password)
                        .unwrap_or(true),
            ),
            storage_encrypted: Some(c.storage_encrypted().unwrap_or(false)),
            kms_key_id: if declared(|p| p.kms_key_id.is_some()) {
                c.kms_key_id().map(str::to_string)
            } else {
                None
            },
            backup_retention_period: c.backup_retention_period(),
            preferred_backup_window: c.preferred_backup_window().map(str::to_string),
            preferred_maintenance_window: c
                .preferred_maintenance_window()
                .map(str::to_ascii_lowercase),
            vpc_security_group_ids: if declared(|p| p.vpc_security_group_ids.is_some()) {
                Some(groups)
            } else {
                None
            },
            db_subnet_group_name: if declared(|p| p.db_subnet_group_name.is_some()) {
                c.db_subnet_group().map(str::to_string)
            } else {
                None
            },
            deletion_protection: Some(c.deletion_protection().unwrap_or(false)),
            // Absent stands for false (see the input), so a program that leaves it out sees no drift.
            copy_tags_to_snapshot: if c.copy_tags_to_snapshot() == Some(true) {
                Some(true)
            } else {
                prior.and_then(|p| p.copy_tags_to_snapshot).map(|_| false)
            },
            // Not AWS settings: how this provider deletes and modifies.
            skip_final_snapshot: Some(prior.and_then(|p| p.skip_final_snapshot).unwrap_or(true)),
            enabled_cloudwatch_logs_exports: if logs.is_empty()
                && prior.is_none_or(|p| p.enabled_cloudwatch_logs_exports.is_none())
            {
                None
            } else {
                Some(logs)
            },
            apply_immediately: Some(prior.and_then(|p| p.apply_immediately).unwrap_or(true)),
            tags: own,
        };
        Ok(Some((inputs, Self::outputs(&c, tags_all))))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &ClusterInputs,
        old_outputs: &ClusterOutputs,
        new: &ClusterInputs,
    ) -> Result<ClusterOutputs, ResourceError> {
        // A create that ran out of time recorded a cluster that is still `creating` (partial state); the engine's
        // next `up` continues it through this update. RDS refuses modifications until it is available anyway.
        Self::wait_available(ctx, id).await?;
        Self::modify(ctx, id, Some(old), new).await?;
        let tags = ctx.tags(new.tags.as_ref());
        tags::sync::<RdsTags>(&ctx.aws, &old_outputs.arn, &old_outputs.tags_all, &tags).await?;
        let c = Self::describe(ctx, id).await?.ok_or_else(|| {
            ResourceError::Internal(format!("DB cluster {id} vanished during update"))
        })?;
        Ok(Self::outputs(&c, tags))
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        inputs: &ClusterInputs,
        _: &ClusterOutputs,
    ) -> Result<(), ResourceError> {
        let skip = inputs.skip_final_snapshot.unwrap_or(true);
        let snapshot = (!skip).then(|| {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default();
            let base: String = id.chars().take(255 - 22).collect();
            format!("{base}-final-{now}")
        });
        // A cluster still being modified, or whose instances are still being deleted, is
        // `InvalidDBClusterStateFault`: retry until the deadline.
        ctx.wait_for(&format!("DB cluster {id} to be deleted"), || async {
            let Some(c) = Self::describe(ctx, id).await? else {
                return Ok(Poll::Ready(()));
            };
            if c.status() == Some("deleting") {
                return Ok(Poll::Pending("deleting".into()));
            }
            match ctx
                .aws
                .rds
                .delete_db_cluster()
                .db_cluster_identifier(id)
                .skip_final_snapshot(skip)
                .set_final_db_snapshot_identifier(snapshot.clone())
                .send()
                .await
                .map_err(|e| aws_error("rds:DeleteDBCluster", e))
            {
                Ok(_) => Ok(Poll::Pending("deleting".into())),
                Err(e) if e.is_not_found() => Ok(Poll::Ready(())),
                Err(e) if e.class() == ErrorClass::InUse => {
                    Ok(Poll::Pending(format!("cannot delete yet: {e}")))
                }
                Err(ResourceError::Aws {
                    operation,
                    code,
                    message,
                    ..
                }) if c.deletion_protection() == Some(true) => Err(ResourceError::Aws {
                    operation,
                    code,
                    message,
                    hint: Some(
                        "deletionProtection is on; set it to false and run `pulumi up` before destroying"
                            .into(),
                    ),
                }),
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
    fn engine_versions() {
        for ok in [
            "8.0.mysql_aurora.3.08.0",
            "5.7.mysql_aurora.2.11.2",
            "8.0.mysql_aurora.3.05.2",
        ] {
            assert!(is_engine_version(ok), "{ok}");
        }
        for bad in [
            "8.0",
            "8.0.mysql_aurora.3.8.0",
            "8.0.mysql_aurora.2.11.2",
            "16.1",
            "8.0.mysql_aurora.3.08.",
        ] {
            assert!(!is_engine_version(bad), "{bad}");
        }
    }

    #[test]
    fn windows() {
        assert_eq!(parse_backup_window("03:00-04:00"), Some((180, 60)));
        assert_eq!(parse_backup_window("23:45-00:15"), Some((1425, 30)));
        assert_eq!(parse_backup_window("3:00-04:00"), None);
        assert_eq!(
            parse_maintenance_window("sun:23:30-mon:00:30"),
            Some((6 * 1440 + 1410, 60))
        );
        assert_eq!(parse_maintenance_window("xyz:01:00-mon:02:00"), None);
        let b = parse_backup_window("03:00-04:00").expect("b");
        assert!(windows_overlap(
            b,
            parse_maintenance_window("tue:03:30-tue:04:30").expect("m")
        ));
        assert!(!windows_overlap(
            b,
            parse_maintenance_window("tue:04:00-tue:05:00").expect("m")
        ));
        let midnight = parse_backup_window("23:30-00:30").expect("b");
        assert!(windows_overlap(
            midnight,
            parse_maintenance_window("mon:00:00-mon:01:00").expect("m")
        ));
    }
}
