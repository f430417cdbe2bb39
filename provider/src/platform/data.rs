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

use futures::future::try_join_all;

use super::network::Network;
use super::security::{DB_PORT, SecurityGroups};
use super::{Child, Props, Scope};
use crate::rpc::value::Value;

const DB_SUBNET_GROUP: &str = "orderapi:rds:DbSubnetGroup";
const CLUSTER: &str = "orderapi:rds:Cluster";
const CLUSTER_INSTANCE: &str = "orderapi:rds:ClusterInstance";
const SECRET: &str = "orderapi:secretsmanager:Secret";
const PARAMETER: &str = "orderapi:ssm:Parameter";

/// Logs Aurora MySQL exports to CloudWatch Logs.
pub const LOG_EXPORTS: [&str; 3] = ["audit", "error", "slowquery"];

/// The registered data children.
#[derive(Debug)]
pub struct Data {
    pub subnet_group: Child,
    /// Id = cluster identifier; outputs: arn, endpoint, readerEndpoint, port, masterUserSecretArn.
    pub cluster: Child,
    /// Writer first (promotion tier 0), then readers.
    pub instances: Vec<Child>,
    /// Outputs: arn.
    pub app_secret: Child,
    /// Environment variable name → its SSM parameter (outputs: arn).
    pub parameters: BTreeMap<String, Child>,
}

/// The zone of instance `index` (0 = the writer): the writer in the first zone, readers round-robin over the
/// others first.
pub fn instance_zone(zones: &[String], index: usize) -> Option<&String> {
    zones.get(index % zones.len().max(1))
}

/// Registers the data tier: subnet group, cluster and app secret; then the instances and the parameters.
pub async fn build(scope: &Scope<'_>, net: &Network, sgs: &SecurityGroups) -> Result<Data, String> {
    let n = scope.naming();
    let db = &scope.settings().database;
    let service = &scope.settings().service;

    let subnet_group = scope
        .register(
            Props::new(DB_SUBNET_GROUP, scope.logical("db-subnets"))
                .set("name", n.name("dbsubnet"))
                .set(
                    "description",
                    format!("Order API {}-{} database subnets", n.environment, n.suffix),
                )
                .ids_of("subnetIds", &net.private_subnets.iter().collect::<Vec<_>>())
                .set("tags", scope.tags.clone()),
        )
        .await?;
    let cluster_identifier = n.name("aurora");
    let cluster = scope.register(
        Props::new(CLUSTER, scope.logical("aurora"))
            .set("clusterIdentifier", cluster_identifier.as_str())
            .set("engine", "aurora-mysql")
            .set("engineVersion", db.engine_version.as_str())
            .set("databaseName", db.database_name.as_str())
            .set("manageMasterUserPassword", true)
            .set("storageEncrypted", true)
            .set("backupRetentionPeriod", db.backup_retention_days)
            .set("preferredBackupWindow", db.backup_window.as_str())
            .set("preferredMaintenanceWindow", db.maintenance_window.as_str())
            .ids_of("vpcSecurityGroupIds", &[&sgs.database])
            .id_of("dbSubnetGroupName", &subnet_group)
            .set("deletionProtection", db.deletion_protection)
            .set("skipFinalSnapshot", !db.final_snapshot)
            .set(
                "enabledCloudwatchLogsExports",
                Value::Array(LOG_EXPORTS.iter().map(|l| Value::from(*l)).collect()),
            )
            .set("applyImmediately", true)
            .set("tags", scope.tags.clone()),
    );
    let secret_json = serde_json::to_string(&service.secrets)
        .map_err(|e| format!("data: cannot encode service.secrets as JSON: {e}"))?;
    let app_secret = scope.register(
        Props::new(SECRET, scope.logical("app-secret"))
            .set("name", n.qualified("secret", "app"))
            .set(
                "description",
                format!(
                    "Order API {}-{}: the service's secrets (service.secrets), one JSON key each",
                    n.environment, n.suffix
                ),
            )
            .set("secretString", Value::from(secret_json).into_secret())
            .set("tags", scope.tags.clone()),
    );
    let (cluster, app_secret) = futures::try_join!(cluster, app_secret)?;

    let instance = |index: usize| {
        let (qualifier, tier) = if index == 0 {
            ("writer".to_string(), 0)
        } else {
            (format!("reader-{index}"), 1)
        };
        let mut props = Props::new(
            CLUSTER_INSTANCE,
            scope.logical(&format!("aurora-{qualifier}")),
        )
        .set("identifier", n.qualified("aurora", &qualifier))
        .id_of("clusterIdentifier", &cluster)
        .set("engine", "aurora-mysql")
        .set("instanceClass", db.instance_class.as_str())
        .set("promotionTier", tier)
        .set("performanceInsightsEnabled", true)
        .set("publiclyAccessible", false)
        .set("applyImmediately", true)
        .set("tags", scope.tags.clone());
        if let Some(zone) = instance_zone(&scope.plan.zones, index) {
            props = props.set("availabilityZone", zone.as_str());
        }
        scope.register(props)
    };
    // The writer first: Aurora makes the first instance of a cluster its writer.
    let writer = instance(0).await?;
    let readers = try_join_all((1..=db.reader_count as usize).map(instance));

    let parameter = |name: &str, value: Value, on: &[&Child], description: String| {
        let props = Props::new(
            PARAMETER,
            scope.logical(&format!("param-{}", name.to_lowercase())),
        )
        .set("name", format!("{}{name}", scope.parameter_path()))
        .set("type", "String")
        .set("tier", "Standard")
        .set("description", description)
        .set("tags", scope.tags.clone());
        scope.register(props.depends("value", value, on))
    };
    let mut wanted: Vec<(String, Value, Vec<&Child>, String)> = service
        .environment
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                Value::from(v.as_str()),
                vec![],
                format!("Order API configuration {k} (service.environment)"),
            )
        })
        .collect();
    wanted.extend([
        (
            "DB_HOST".to_string(),
            cluster.output("endpoint"),
            vec![&cluster],
            "Aurora writer endpoint".to_string(),
        ),
        (
            "DB_READER_HOST".to_string(),
            cluster.output("readerEndpoint"),
            vec![&cluster],
            "Aurora reader endpoint (load-balanced over the readers)".to_string(),
        ),
        (
            "DB_PORT".to_string(),
            Value::from(DB_PORT.to_string()),
            vec![],
            "Aurora MySQL port".to_string(),
        ),
        (
            "DB_NAME".to_string(),
            Value::from(db.database_name.as_str()),
            vec![],
            "The order database's name".to_string(),
        ),
        (
            "METRIC_NAMESPACE".to_string(),
            Value::from(scope.metric_namespace()),
            vec![],
            "CloudWatch namespace of the service's own metrics (PendingOrders, Errors)".to_string(),
        ),
    ]);
    let names: Vec<String> = wanted.iter().map(|(k, ..)| k.clone()).collect();
    let parameters = try_join_all(
        wanted
            .into_iter()
            .map(|(name, value, on, description)| parameter(&name, value, &on, description)),
    );
    let (readers, parameters) = futures::try_join!(readers, parameters)?;
    let mut instances = vec![writer];
    instances.extend(readers);
    Ok(Data {
        subnet_group,
        cluster,
        instances,
        app_secret,
        parameters: names.into_iter().zip(parameters).collect(),
    })
}
