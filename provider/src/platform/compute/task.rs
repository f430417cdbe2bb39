//! The task definition: one container running the order API, its image from the platform's repository (or the
//! user's URI), configuration and secrets through ECS `secrets`, logs to the platform's log group, a container
//! health check on the service's health path.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{CONTAINER_NAME, HEALTH_CHECK_GRACE_SECONDS, LOG_STREAM_PREFIX, map_known};
use crate::platform::args::{RESERVED_ENV, ServiceSettings};
use crate::platform::child::{Child, Handle, Props, Scope};
use crate::platform::data::Data;
use crate::resources::ecs::task_definition::TaskDefinition;
use crate::rpc::value::{PropertyMap, Value, obj};

/// The children the task definition takes values from, besides the data tier.
pub struct TaskRefs<'r, 'a> {
    pub repository: &'r Handle<'a>,
    pub log_group: &'r Handle<'a>,
    pub execution_role: &'r Handle<'a>,
    pub task_role: &'r Handle<'a>,
}

/// The container image: the user's own URI, or `imageTag` in the platform's repository (`<url>:<tag>`, or
/// `<url>@sha256:…` for a digest).
fn image(service: &ServiceSettings, repository: &Child) -> Result<Value, String> {
    if let Some(image) = &service.image {
        return Ok(image.as_str().into());
    }
    let separator = if service.image_tag.starts_with("sha256:") {
        '@'
    } else {
        ':'
    };
    map_known([&repository.output("repositoryUrl")], |[url]| {
        Ok(format!("{url}{separator}{}", service.image_tag))
    })
}

/// `curl -f http://localhost:<port><path> || exit 1`; the URL is single-quoted when the path holds characters a
/// shell would interpret.
pub(super) fn health_command(port: i32, path: &str) -> String {
    let url = format!("http://localhost:{port}{path}");
    let plain = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.' | '~'));
    let url = if plain {
        url
    } else {
        format!("'{}'", url.replace('\'', r"'\''"))
    };
    format!("curl -f {url} || exit 1")
}

/// The container's environment variable names that come through ECS `secrets`, refusing one set twice (a user
/// variable named like the database credentials the platform injects).
fn refuse_duplicate_names(service: &ServiceSettings, data: &Data<'_>) -> Result<(), String> {
    let mut names: Vec<String> = data.parameters.keys().cloned().collect();
    names.extend(service.secrets.keys().cloned());
    names.extend(["DB_USERNAME".to_string(), "DB_PASSWORD".to_string()]);
    let mut seen = std::collections::BTreeSet::new();
    for name in &names {
        if !seen.insert(name) {
            return Err(format!(
                "compute: the container's environment variable '{name}' would be set twice (the platform sets \
                 DB_USERNAME and DB_PASSWORD itself); rename it in service.environment or service.secrets"
            ));
        }
    }
    Ok(())
}

/// The container's `secrets`: each SSM parameter under its environment variable name (`parameters`: name →
/// parameter), each key of the app secret (`<arn>:<KEY>::`), and the database credentials from the RDS-managed
/// secret.
fn container_secrets(
    service: &ServiceSettings,
    parameters: &[(String, Arc<Child>)],
    app_secret: &Child,
    cluster: &Child,
) -> Result<Value, String> {
    let mut secrets: BTreeMap<String, Value> = BTreeMap::new();
    for (name, parameter) in parameters {
        secrets.insert(name.clone(), parameter.output("arn"));
    }
    let app_arn = app_secret.output("arn");
    for key in service.secrets.keys() {
        let value = map_known([&app_arn], |[arn]| Ok(format!("{arn}:{key}::")))?;
        secrets.insert(key.clone(), value);
    }
    let db_arn = cluster.output("masterUserSecretArn");
    for (name, field) in [("DB_USERNAME", "username"), ("DB_PASSWORD", "password")] {
        let value = map_known([&db_arn], |[arn]| Ok(format!("{arn}:{field}::")))?;
        secrets.insert(name.to_string(), value);
    }
    Ok(Value::Array(
        secrets
            .into_iter()
            .map(|(name, value_from)| obj([("name", name.into()), ("valueFrom", value_from)]))
            .collect(),
    ))
}

/// The task definition; fails when a container variable would be set twice.
pub fn task_definition<'a>(
    scope: &Scope<'a>,
    refs: &TaskRefs<'_, 'a>,
    data: &Data<'a>,
) -> Result<Props<'a>, String> {
    let service = &scope.settings().service;
    refuse_duplicate_names(service, data)?;
    let parameter_names: Vec<String> = data.parameters.keys().cloned().collect();
    let service_name = scope.naming().name("svc");
    let mut from = vec![
        refs.repository,
        refs.log_group,
        &data.app_secret,
        &data.cluster,
    ];
    from.extend(data.parameters.values());
    let container = move |c: &[Arc<Child>]| -> Result<Value, String> {
        let (repository, log_group, app_secret, cluster) = (&c[0], &c[1], &c[2], &c[3]);
        let parameters: Vec<(String, Arc<Child>)> = parameter_names
            .into_iter()
            .zip(c[4..].iter().cloned())
            .collect();
        let mut container: PropertyMap = [
            ("name", Value::from(CONTAINER_NAME)),
            ("image", image(service, repository)?),
            ("essential", true.into()),
            (
                "portMappings",
                Value::Array(vec![obj([
                    ("containerPort", service.container_port.into()),
                    ("protocol", "tcp".into()),
                ])]),
            ),
            (
                "secrets",
                container_secrets(service, &parameters, app_secret, cluster)?,
            ),
            (
                "healthCheck",
                obj([
                    (
                        "command",
                        Value::Array(vec![
                            "CMD-SHELL".into(),
                            health_command(service.container_port, &service.health_check_path)
                                .into(),
                        ]),
                    ),
                    ("interval", 30.into()),
                    ("timeout", 5.into()),
                    ("retries", 3.into()),
                    ("startPeriod", HEALTH_CHECK_GRACE_SECONDS.into()),
                ]),
            ),
            (
                "logConfiguration",
                obj([
                    ("group", log_group.id.clone()),
                    ("streamPrefix", LOG_STREAM_PREFIX.into()),
                ]),
            ),
            // The order API keeps no state on disk (logs go to stdout as JSON).
            (
                "readonlyRootFilesystem",
                service.readonly_root_filesystem.into(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        // The platform-set names (`RESERVED_ENV`) that come neither from a parameter nor from a secret: the
        // database secret's ARN and the service's name.
        let environment: Vec<Value> = RESERVED_ENV
            .iter()
            .filter(|name| !parameters.iter().any(|(p, _)| p == *name))
            .filter_map(|name| match *name {
                "DB_SECRET_ARN" => Some((*name, cluster.output("masterUserSecretArn"))),
                "SERVICE_NAME" => Some((*name, Value::from(service_name.as_str()))),
                _ => None,
            })
            .map(|(name, value)| obj([("name", name.into()), ("value", value)]))
            .collect();
        if !environment.is_empty() {
            container.insert("environment".into(), Value::Array(environment));
        }
        Ok(Value::Array(vec![Value::Object(container)]))
    };
    Ok(Props::of::<TaskDefinition>(scope.logical("task"))
        .set("family", scope.naming().name("task"))
        .arg("cpu", service.cpu, "service.cpu")
        .arg("memory", service.memory, "service.memory")
        .set(
            "runtimePlatform",
            obj([
                ("operatingSystemFamily", "LINUX".into()),
                ("cpuArchitecture", "X86_64".into()),
            ]),
        )
        .output_of("executionRoleArn", refs.execution_role, "arn")
        .output_of("taskRoleArn", refs.task_role, "arn")
        .try_with("containerDefinitions", &from, container)
        .arg("tags", scope.tags.clone(), "tags"))
}
