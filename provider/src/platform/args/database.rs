//! The `database` group: the Aurora MySQL database.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::rules::range;
use crate::resource::Failures;
use crate::resources::rds::cluster::{
    DEFAULT_ENGINE_VERSION, is_engine_version, parse_backup_window, parse_maintenance_window,
    windows_overlap,
};
use crate::resources::rds::cluster_instance::is_instance_class;

/// The Aurora MySQL database.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Database")]
pub struct DatabaseArgs {
    /// Aurora MySQL engine version (default `8.0.mysql_aurora.3.08.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    /// Instance class of the writer and the readers (default `db.r6g.large`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_class: Option<String>,
    /// Read replicas (default 2, 0-15), spread over the zones other than the writer's first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader_count: Option<i32>,
    /// The database created in the cluster (default `orders`): a letter, then letters, digits or underscores,
    /// at most 64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_name: Option<String>,
    /// Days automated backups are kept (default 7, 1-35).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_retention_days: Option<i32>,
    /// Daily backup window, UTC `hh24:mi-hh24:mi`, at least 30 minutes (default `03:00-04:00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_window: Option<String>,
    /// Weekly maintenance window, UTC `ddd:hh24:mi-ddd:hh24:mi`, at least 30 minutes, not overlapping the
    /// backup window (default `sun:05:00-sun:06:00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance_window: Option<String>,
    /// Refuse deletion while on (default false, so `pulumi destroy` works; turn on for production data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<bool>,
    /// Take a final snapshot (`<cluster>-final-<unix time>`) when the cluster is deleted (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_snapshot: Option<bool>,
    /// Whether the cluster's tags are copied to its snapshots, automated and manual (default `true`), so a
    /// snapshot stays attributable (environment, owner, cost allocation) after the cluster is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_tags_to_snapshot: Option<bool>,
}

/// The resolved database settings.
#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseSettings {
    pub engine_version: String,
    pub instance_class: String,
    pub reader_count: i32,
    pub database_name: String,
    pub backup_retention_days: i32,
    pub backup_window: String,
    pub maintenance_window: String,
    pub deletion_protection: bool,
    pub final_snapshot: bool,
    pub copy_tags_to_snapshot: bool,
}

/// Default Aurora instance class.
pub const DEFAULT_INSTANCE_CLASS: &str = "db.r6g.large";
/// Most Aurora replicas a cluster may have.
pub const MAX_READERS: i32 = 15;

pub(super) fn database_settings(a: &DatabaseArgs, f: &mut Failures) -> DatabaseSettings {
    let s = DatabaseSettings {
        engine_version: a
            .engine_version
            .clone()
            .unwrap_or_else(|| DEFAULT_ENGINE_VERSION.into()),
        instance_class: a
            .instance_class
            .clone()
            .unwrap_or_else(|| DEFAULT_INSTANCE_CLASS.into()),
        reader_count: a.reader_count.unwrap_or(2),
        database_name: a.database_name.clone().unwrap_or_else(|| "orders".into()),
        backup_retention_days: a.backup_retention_days.unwrap_or(7),
        backup_window: a
            .backup_window
            .clone()
            .unwrap_or_else(|| "03:00-04:00".into()),
        maintenance_window: a
            .maintenance_window
            .clone()
            .unwrap_or_else(|| "sun:05:00-sun:06:00".into()),
        deletion_protection: a.deletion_protection.unwrap_or(false),
        final_snapshot: a.final_snapshot.unwrap_or(false),
        copy_tags_to_snapshot: a.copy_tags_to_snapshot.unwrap_or(true),
    };
    f.require(
        is_engine_version(&s.engine_version) && s.engine_version.contains("mysql_aurora"),
        "database.engineVersion",
        format!(
            "'{}' is not an Aurora MySQL engine version (e.g. {DEFAULT_ENGINE_VERSION})",
            s.engine_version
        ),
    );
    f.require(
        is_instance_class(&s.instance_class),
        "database.instanceClass",
        format!(
            "'{}' is not a DB instance class (e.g. db.r6g.large, db.t4g.medium)",
            s.instance_class
        ),
    );
    range(
        f,
        "database.readerCount",
        s.reader_count,
        0,
        MAX_READERS,
        "readerCount",
    );
    let db_name_ok = s.database_name.len() <= 64
        && s.database_name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && s.database_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    f.require(
        db_name_ok,
        "database.databaseName",
        format!(
            "'{}' must start with a letter and hold only letters, digits and _ (at most 64)",
            s.database_name
        ),
    );
    range(
        f,
        "database.backupRetentionDays",
        s.backup_retention_days,
        1,
        35,
        "backup retention",
    );
    let backup = parse_backup_window(&s.backup_window);
    f.require(
        backup.is_some(),
        "database.backupWindow",
        format!(
            "'{}' is not a window hh24:mi-hh24:mi of at least 30 minutes",
            s.backup_window
        ),
    );
    let maintenance = parse_maintenance_window(&s.maintenance_window);
    f.require(
        maintenance.is_some(),
        "database.maintenanceWindow",
        format!(
            "'{}' is not a window ddd:hh24:mi-ddd:hh24:mi of at least 30 minutes",
            s.maintenance_window
        ),
    );
    if let (Some(b), Some(m)) = (backup, maintenance) {
        f.require(
            !windows_overlap(b, m),
            "database.maintenanceWindow",
            format!(
                "'{}' overlaps the backup window '{}'",
                s.maintenance_window, s.backup_window
            ),
        );
    }
    s
}
