//! The platform's data tier: Aurora MySQL (writer + readers across the zones), the app's secret, and the
//! service's configuration in SSM Parameter Store.
//!
//! - The cluster keeps its master password in Secrets Manager itself (`manageMasterUserPassword`): RDS creates
//!   and rotates that secret, and the provider never sees the password. The service reads it through ECS
//!   `secrets` (`DB_USERNAME` / `DB_PASSWORD`).
//! - The writer (promotion tier 0) runs in the first zone; reader `i` runs in zone `(i + 1) % 3`, so every reader
//!   is in a different zone from the writer and failover always has a replica elsewhere.
//! - The service's `secrets` are one JSON secret; its `environment` and the platform's own configuration (DB
//!   endpoints, port, database name, metric namespace) are String parameters under `/param-<env>-<suffix>/`.

use std::collections::BTreeMap;

use super::child::{Handle, Props, Scope};
use super::network::Network;
use super::security::{DB_PORT, SecurityGroups};
use crate::resources::rds::{
    cluster::Cluster, cluster_instance::ClusterInstance, db_subnet_group::DbSubnetGroup,
};
use crate::resources::secretsmanager::secret::Secret;
use crate::resources::ssm::parameter::Parameter;
use crate::rpc::value::Value;

/// Logs Aurora MySQL exports to CloudWatch Logs.
pub const LOG_EXPORTS: [&str; 3] = ["audit", "error", "slowquery"];

/// The data tier's children.
#[derive(Debug)]
pub struct Data<'a> {
    pub subnet_group: Handle<'a>,
    /// Id = cluster identifier; outputs: arn, endpoint, readerEndpoint, port, masterUserSecretArn.
    pub cluster: Handle<'a>,
    /// The writer instance (promotion tier 0).
    pub writer: Handle<'a>,
    /// The reader instances.
    pub readers: Vec<Handle<'a>>,
    /// Outputs: arn.
    pub app_secret: Handle<'a>,
    /// Environment variable name → its SSM parameter (outputs: arn).
    pub parameters: BTreeMap<String, Handle<'a>>,
}

/// The zone of instance `index` (0 = the writer): the writer in the first zone, readers round-robin over the
/// others first.
pub fn instance_zone(zones: &[String], index: usize) -> Option<&String> {
    zones.get(index % zones.len().max(1))
}

/// Declares the data tier: the subnet group on the private subnets, the cluster on it and the database security
/// group, the writer on the cluster, the readers after the writer (Aurora makes the first instance of a cluster
/// its writer), the parameters on the cluster's endpoints; the app secret needs nothing.
pub fn build<'a>(
    scope: &Scope<'a>,
    net: &Network<'a>,
    sgs: &SecurityGroups<'a>,
) -> Result<Data<'a>, String> {
    let n = scope.naming();
    let db = &scope.settings().database;
    let service = &scope.settings().service;

    let subnet_group = scope.register(
        Props::of::<DbSubnetGroup>(scope.logical("db-subnets"))
            .set("name", n.name("dbsubnet"))
            .set(
                "description",
                format!("Order API {}-{} database subnets", n.environment, n.suffix),
            )
            .ids_of("subnetIds", &net.private_subnets.iter().collect::<Vec<_>>())
            .arg("tags", scope.tags.clone(), "tags"),
    );
    let cluster_identifier = n.name("aurora");
    let cluster = scope.register(
        Props::of::<Cluster>(scope.logical("aurora"))
            .set("clusterIdentifier", cluster_identifier.as_str())
            .set("engine", "aurora-mysql")
            .arg(
                "engineVersion",
                db.engine_version.as_str(),
                "database.engineVersion",
            )
            .arg(
                "databaseName",
                db.database_name.as_str(),
                "database.databaseName",
            )
            .set("manageMasterUserPassword", true)
            .set("storageEncrypted", true)
            .arg(
                "backupRetentionPeriod",
                db.backup_retention_days,
                "database.backupRetentionDays",
            )
            .arg(
                "preferredBackupWindow",
                db.backup_window.as_str(),
                "database.backupWindow",
            )
            .arg(
                "preferredMaintenanceWindow",
                db.maintenance_window.as_str(),
                "database.maintenanceWindow",
            )
            .ids_of("vpcSecurityGroupIds", &[&sgs.database])
            .id_of("dbSubnetGroupName", &subnet_group)
            .arg(
                "deletionProtection",
                db.deletion_protection,
                "database.deletionProtection",
            )
            .arg(
                "skipFinalSnapshot",
                !db.final_snapshot,
                "database.finalSnapshot",
            )
            .arg(
                "copyTagsToSnapshot",
                db.copy_tags_to_snapshot,
                "database.copyTagsToSnapshot",
            )
            .set(
                "enabledCloudwatchLogsExports",
                Value::Array(LOG_EXPORTS.iter().map(|l| Value::from(*l)).collect()),
            )
            .set("applyImmediately", true)
            .arg("tags", scope.tags.clone(), "tags"),
    );
    let secret_json = serde_json::to_string(&service.secrets)
        .map_err(|e| format!("data: cannot encode service.secrets as JSON: {e}"))?;
    let app_secret = scope.register(
        Props::of::<Secret>(scope.logical("app-secret"))
            .set("name", n.qualified("secret", "app"))
            .set(
                "description",
                format!(
                    "Order API {}-{}: the service's secrets (service.secrets), one JSON key each",
                    n.environment, n.suffix
                ),
            )
            .arg(
                "secretString",
                Value::from(secret_json).into_secret(),
                "service.secrets",
            )
            .arg("tags", scope.tags.clone(), "tags"),
    );

    let instance = |index: usize, after: &[&Handle<'a>]| {
        let (qualifier, tier) = if index == 0 {
            ("writer".to_string(), 0)
        } else {
            (format!("reader-{index}"), 1)
        };
        let mut props = Props::of::<ClusterInstance>(scope.logical(&format!("aurora-{qualifier}")))
            .set("identifier", n.qualified("aurora", &qualifier))
            .id_of("clusterIdentifier", &cluster)
            .set("engine", "aurora-mysql")
            .arg(
                "instanceClass",
                db.instance_class.as_str(),
                "database.instanceClass",
            )
            .set("promotionTier", tier)
            .set("performanceInsightsEnabled", true)
            .set("publiclyAccessible", false)
            .set("applyImmediately", true)
            .arg("tags", scope.tags.clone(), "tags")
            .after(after);
        if let Some(zone) = instance_zone(&scope.plan.zones, index) {
            props = props.set("availabilityZone", zone.as_str());
        }
        scope.register(props)
    };
    // The writer first: Aurora makes the first instance of a cluster its writer.
    let writer = instance(0, &[]);
    let readers: Vec<Handle<'a>> = (1..=db.reader_count as usize)
        .map(|i| instance(i, &[&writer]))
        .collect();

    let parameter = |name: &str, description: String| {
        Props::of::<Parameter>(scope.logical(&format!("param-{}", name.to_lowercase())))
            .set("name", format!("{}{name}", scope.parameter_path()))
            .set("type", "String")
            .set("tier", "Standard")
            .set("description", description)
            .arg("tags", scope.tags.clone(), "tags")
    };
    let mut parameters: BTreeMap<String, Handle<'a>> = service
        .environment
        .iter()
        .map(|(k, v)| {
            let description = format!("Order API configuration {k} (service.environment)");
            let props = parameter(k, description).arg(
                "value",
                v.as_str(),
                format!("service.environment.{k}"),
            );
            (k.clone(), scope.register(props))
        })
        .collect();
    for (name, output, description) in [
        ("DB_HOST", "endpoint", "Aurora writer endpoint"),
        (
            "DB_READER_HOST",
            "readerEndpoint",
            "Aurora reader endpoint (load-balanced over the readers)",
        ),
    ] {
        let props = parameter(name, description.to_string()).output_of("value", &cluster, output);
        parameters.insert(name.to_string(), scope.register(props));
    }
    for (name, value, description) in [
        ("DB_PORT", DB_PORT.to_string(), "Aurora MySQL port"),
        (
            "DB_NAME",
            db.database_name.clone(),
            "The order database's name",
        ),
        (
            "METRIC_NAMESPACE",
            scope.metric_namespace(),
            "CloudWatch namespace of the service's own metrics (PendingOrders, Errors)",
        ),
    ] {
        let props = parameter(name, description.to_string()).set("value", value);
        parameters.insert(name.to_string(), scope.register(props));
    }
    Ok(Data {
        subnet_group,
        cluster,
        writer,
        readers,
        app_secret,
        parameters,
    })
}
