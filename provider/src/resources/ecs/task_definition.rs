//! `orderapi:ecs:TaskDefinition` — one revision of a Fargate (awsvpc) task definition. ECS revisions are
//! immutable: every change registers a new revision (all inputs but `tags` force replacement; the id is the
//! revision ARN), and delete deregisters the revision (ECS then lists it as INACTIVE).
//!
//! RegisterTaskDefinition makes a new revision on every call, so it is never repeated blindly: it is sent with the
//! SDK's retry off, and [`crate::lifecycle::create_once`] looks among the family's latest ACTIVE revisions for one
//! carrying this resource's identity that the engine does not record (the orphan of a lost answer or a crash) before
//! every attempt. An orphan with exactly the declared definition is adopted; revisions the engine records (the one a
//! replacement replaces) and other resources' revisions are left alone; an ACTIVE revision of the family that this
//! provider did not make is a conflict.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition as AwsContainer, CpuArchitecture, HealthCheck, KeyValuePair,
    LogConfiguration, LogDriver, NetworkMode, OsFamily, PortMapping as AwsPortMapping,
    RuntimePlatform, Secret, TaskDefinition as AwsTaskDefinition, TaskDefinitionField,
    TaskDefinitionStatus, TransportProtocol,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{EcsTags, check_name, check_tags, is_arn_of, is_role_arn, tag_list, tag_map};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures};
use crate::resources::tags;

/// The OS and CPU architecture Fargate runs the task on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskRuntimePlatform {
    /// `LINUX` (default; the only family this provider supports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_system_family: Option<String>,
    /// `X86_64` (default) or `ARM64` (Graviton).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_architecture: Option<String>,
}

/// A port the container listens on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPortMapping {
    /// The container port (1-65535); with awsvpc the host port is the same.
    pub container_port: i32,
    /// `tcp` (default) or `udp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

/// A plain environment variable (never for secrets: use `secrets`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerEnvironmentVariable {
    /// The variable name.
    pub name: String,
    /// The variable value.
    pub value: String,
}

/// A secret injected as an environment variable at task start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerSecret {
    /// The environment variable name.
    pub name: String,
    /// A Secrets Manager secret ARN (optionally with `:json-key:version-stage:version-id`), an SSM parameter ARN,
    /// or the name of an SSM parameter in the same region. The execution role must be allowed to read it.
    pub value_from: String,
}

/// A container health check (Docker HEALTHCHECK).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerHealthCheck {
    /// The command: `["CMD", …]` or `["CMD-SHELL", "…"]`.
    pub command: Vec<String>,
    /// Seconds between checks (5-300, default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<i32>,
    /// Seconds before a check fails (2-60, default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i32>,
    /// Consecutive failures before the container is unhealthy (1-10, default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i32>,
    /// Grace seconds after start before failures count (0-300, default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<i32>,
}

/// Container logs sent to CloudWatch Logs with the `awslogs` driver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerAwsLogs {
    /// The log group name (it must exist; the execution role needs logs:CreateLogStream and logs:PutLogEvents).
    pub group: String,
    /// The log group's region (default the provider's region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Prefix of the log stream names (`<prefix>/<container>/<task id>`).
    pub stream_prefix: String,
}

/// One container of the task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDefinitionInput {
    /// The container name (1-255 letters, digits, hyphens, underscores; unique in the task).
    pub name: String,
    /// The image, e.g. `<account>.dkr.ecr.<region>.amazonaws.com/app:1.2.3` or `app@sha256:…`.
    pub image: String,
    /// Whether the task stops when this container stops (default true; at least one container must be).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub essential: Option<bool>,
    /// Ports the container listens on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_mappings: Option<Vec<ContainerPortMapping>>,
    /// Plain environment variables (sorted by name; names unique).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Vec<ContainerEnvironmentVariable>>,
    /// Secrets from Secrets Manager or SSM Parameter Store (sorted by name; names unique). Needs
    /// `executionRoleArn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<ContainerSecret>>,
    /// The container health check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<ContainerHealthCheck>,
    /// CloudWatch Logs (`awslogs`) configuration. Needs `executionRoleArn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_configuration: Option<ContainerAwsLogs>,
    /// CPU units reserved for the container (default 0: shares the task's CPU).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<i32>,
    /// Hard memory limit in MiB (at most the task's memory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<i32>,
    /// Soft memory reservation in MiB (at most `memory` when both are set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<i32>,
    /// Mount the root filesystem read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readonly_root_filesystem: Option<bool>,
}

/// Inputs of a Fargate task definition revision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskDefinitionInputs {
    /// The family (1-255 letters, digits, hyphens and underscores; defaults to the resource name plus a random
    /// suffix). Each change registers a new revision of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384.
    pub cpu: i32,
    /// Task memory in MiB, one of the values Fargate allows for `cpu` (e.g. 512/1024/2048 for 256).
    pub memory: i32,
    /// OS family and CPU architecture (default LINUX / X86_64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_platform: Option<TaskRuntimePlatform>,
    /// The role ECS uses to pull images, write logs and read `secrets` (an IAM role ARN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    /// The role the application's containers assume (an IAM role ARN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<String>,
    /// The containers (1-10, names unique, at least one essential).
    pub container_definitions: Vec<ContainerDefinitionInput>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag (changed in place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a task definition revision.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskDefinitionOutputs {
    /// The revision's ARN (`…:task-definition/<family>:<revision>`), also the resource id.
    pub arn: String,
    /// The revision number.
    pub revision: i32,
    /// Every tag on the revision, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

/// Whether `memory` MiB is a Fargate-allowed value for `cpu` units.
pub fn fargate_pair_allowed(cpu: i32, memory: i32) -> bool {
    let in_steps =
        |min: i32, max: i32, step: i32| (min..=max).contains(&memory) && (memory - min) % step == 0;
    match cpu {
        256 => matches!(memory, 512 | 1024 | 2048),
        512 => in_steps(1024, 4096, 1024),
        1024 => in_steps(2048, 8192, 1024),
        2048 => in_steps(4096, 16384, 1024),
        4096 => in_steps(8192, 30720, 1024),
        8192 => in_steps(16384, 61440, 4096),
        16384 => in_steps(32768, 122880, 8192),
        _ => false,
    }
}

/// What Fargate allows as memory for `cpu`, for error messages.
fn allowed_memory(cpu: i32) -> &'static str {
    match cpu {
        256 => "512, 1024 or 2048",
        512 => "1024-4096 in steps of 1024",
        1024 => "2048-8192 in steps of 1024",
        2048 => "4096-16384 in steps of 1024",
        4096 => "8192-30720 in steps of 1024",
        8192 => "16384-61440 in steps of 4096",
        16384 => "32768-122880 in steps of 8192",
        _ => "nothing (cpu is not a Fargate value)",
    }
}

/// Whether `value_from` is a Secrets Manager secret ARN, an SSM parameter ARN or an SSM parameter name.
pub fn valid_secret_source(value_from: &str) -> bool {
    if value_from.starts_with("arn:") {
        return is_arn_of(value_from, "secretsmanager", "secret:")
            || is_arn_of(value_from, "ssm", "parameter/");
    }
    // A parameter name in the task's region: `name` or `/path/name`, 1-2048 of [A-Za-z0-9_.-/].
    let valid_chars = value_from
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'));
    !value_from.is_empty()
        && value_from.len() <= 2048
        && valid_chars
        && !value_from.ends_with('/')
        && !value_from.contains("//")
        && !value_from
            .to_ascii_lowercase()
            .trim_start_matches('/')
            .starts_with("aws")
        && !value_from
            .to_ascii_lowercase()
            .trim_start_matches('/')
            .starts_with("ssm")
}

fn check_container(i: usize, c: &mut ContainerDefinitionInput, task_memory: i32, f: &mut Failures) {
    let p = |field: &str| format!("containerDefinitions[{i}].{field}");
    f.require(
        super::valid_name(&c.name),
        p("name"),
        format!(
            "'{}' must be 1-255 letters, digits, hyphens (-) and underscores (_)",
            c.name
        ),
    );
    f.require(
        !c.image.is_empty() && c.image.len() <= 1024 && !c.image.chars().any(char::is_whitespace),
        p("image"),
        "must be an image reference (1-1024 characters, no whitespace)",
    );
    c.essential.get_or_insert(true);
    c.cpu.get_or_insert(0);
    if let Some(cpu) = c.cpu {
        f.require(cpu >= 0, p("cpu"), "must not be negative");
    }
    if let Some(m) = c.memory {
        f.require(
            (6..=task_memory).contains(&m),
            p("memory"),
            format!("must be between 6 MiB and the task's memory ({task_memory} MiB)"),
        );
    }
    if let Some(r) = c.memory_reservation {
        f.require(
            (6..=c.memory.unwrap_or(task_memory)).contains(&r),
            p("memoryReservation"),
            "must be between 6 MiB and the container's memory (or the task's memory)",
        );
    }
    if let Some(ports) = &mut c.port_mappings {
        for m in ports.iter_mut() {
            f.require(
                (1..=65535).contains(&m.container_port),
                p("portMappings"),
                format!("containerPort {} must be 1-65535", m.container_port),
            );
            let proto = m.protocol.get_or_insert_with(|| "tcp".to_string());
            f.require(
                matches!(proto.as_str(), "tcp" | "udp"),
                p("portMappings"),
                format!("protocol '{proto}' must be tcp or udp"),
            );
        }
        let mut seen = BTreeSet::new();
        f.require(
            ports.iter().all(|m| seen.insert(m.container_port)),
            p("portMappings"),
            "each containerPort may appear only once",
        );
        if ports.is_empty() {
            c.port_mappings = None;
        }
    }
    if let Some(env) = &mut c.environment {
        env.sort_by(|a, b| a.name.cmp(&b.name));
        for e in env.iter() {
            f.require(
                !e.name.is_empty() && e.name.len() <= 255,
                p("environment"),
                "variable names must be 1-255 characters",
            );
        }
        f.require(
            env.windows(2).all(|w| w[0].name != w[1].name),
            p("environment"),
            "variable names must be unique",
        );
        if env.is_empty() {
            c.environment = None;
        }
    }
    if let Some(secrets) = &mut c.secrets {
        secrets.sort_by(|a, b| a.name.cmp(&b.name));
        for s in secrets.iter() {
            f.require(
                !s.name.is_empty(),
                p("secrets"),
                "secret names must not be empty",
            );
            f.require(
                valid_secret_source(&s.value_from),
                p("secrets"),
                format!(
                    "valueFrom of '{}' ('{}') must be a Secrets Manager secret ARN \
                     (arn:aws:secretsmanager:<region>:<account>:secret:<name>), an SSM parameter ARN \
                     (arn:aws:ssm:<region>:<account>:parameter/<name>) or an SSM parameter name",
                    s.name, s.value_from
                ),
            );
        }
        f.require(
            secrets.windows(2).all(|w| w[0].name != w[1].name),
            p("secrets"),
            "secret names must be unique",
        );
        if let Some(env) = &c.environment {
            for s in secrets.iter() {
                f.require(
                    !env.iter().any(|e| e.name == s.name),
                    p("secrets"),
                    format!("'{}' is both an environment variable and a secret", s.name),
                );
            }
        }
        if secrets.is_empty() {
            c.secrets = None;
        }
    }
    if let Some(h) = &mut c.health_check {
        f.require(
            h.command.len() >= 2 && matches!(h.command[0].as_str(), "CMD" | "CMD-SHELL"),
            p("healthCheck.command"),
            "must be [\"CMD\", …] or [\"CMD-SHELL\", \"…\"]",
        );
        let interval = *h.interval.get_or_insert(30);
        let timeout = *h.timeout.get_or_insert(5);
        let retries = *h.retries.get_or_insert(3);
        let start = *h.start_period.get_or_insert(0);
        f.require(
            (5..=300).contains(&interval),
            p("healthCheck.interval"),
            "must be 5-300 seconds",
        );
        f.require(
            (2..=60).contains(&timeout),
            p("healthCheck.timeout"),
            "must be 2-60 seconds",
        );
        f.require(
            (1..=10).contains(&retries),
            p("healthCheck.retries"),
            "must be 1-10",
        );
        f.require(
            (0..=300).contains(&start),
            p("healthCheck.startPeriod"),
            "must be 0-300 seconds",
        );
    }
    if let Some(l) = &c.log_configuration {
        let group_ok = !l.group.is_empty()
            && l.group.len() <= 512
            && l.group
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '/' | '.' | '#'));
        f.require(
            group_ok,
            p("logConfiguration.group"),
            "must be a log group name (1-512 of letters, digits, _ - / . #)",
        );
        f.require(
            !l.stream_prefix.is_empty()
                && !l.stream_prefix.contains(':')
                && !l.stream_prefix.contains('*'),
            p("logConfiguration.streamPrefix"),
            "must be non-empty, without ':' or '*'",
        );
        if let Some(region) = &l.region {
            let parts: Vec<&str> = region.split('-').collect();
            f.require(
                parts.len() >= 3
                    && parts
                        .last()
                        .is_some_and(|x| x.chars().all(|ch| ch.is_ascii_digit())),
                p("logConfiguration.region"),
                format!("'{region}' is not an AWS region name such as us-east-1"),
            );
        }
    }
}

pub struct TaskDefinition;

impl TaskDefinition {
    fn container(
        c: &ContainerDefinitionInput,
        region: &str,
    ) -> Result<AwsContainer, ResourceError> {
        let internal = |e: aws_sdk_ecs::error::BuildError| ResourceError::Internal(e.to_string());
        let mut b = AwsContainer::builder()
            .name(&c.name)
            .image(&c.image)
            .essential(c.essential.unwrap_or(true))
            .cpu(c.cpu.unwrap_or(0))
            .set_memory(c.memory)
            .set_memory_reservation(c.memory_reservation)
            .set_readonly_root_filesystem(c.readonly_root_filesystem);
        for m in c.port_mappings.iter().flatten() {
            b = b.port_mappings(
                AwsPortMapping::builder()
                    .container_port(m.container_port)
                    .protocol(TransportProtocol::from(
                        m.protocol.as_deref().unwrap_or("tcp"),
                    ))
                    .build(),
            );
        }
        for e in c.environment.iter().flatten() {
            b = b.environment(
                KeyValuePair::builder()
                    .name(&e.name)
                    .value(&e.value)
                    .build(),
            );
        }
        for s in c.secrets.iter().flatten() {
            b = b.secrets(
                Secret::builder()
                    .name(&s.name)
                    .value_from(&s.value_from)
                    .build()
                    .map_err(internal)?,
            );
        }
        if let Some(h) = &c.health_check {
            b = b.health_check(
                HealthCheck::builder()
                    .set_command(Some(h.command.clone()))
                    .set_interval(h.interval)
                    .set_timeout(h.timeout)
                    .set_retries(h.retries)
                    .set_start_period(h.start_period)
                    .build()
                    .map_err(internal)?,
            );
        }
        if let Some(l) = &c.log_configuration {
            b = b.log_configuration(
                LogConfiguration::builder()
                    .log_driver(LogDriver::Awslogs)
                    .options("awslogs-group", &l.group)
                    .options("awslogs-region", l.region.as_deref().unwrap_or(region))
                    .options("awslogs-stream-prefix", &l.stream_prefix)
                    .build()
                    .map_err(internal)?,
            );
        }
        Ok(b.build())
    }

    /// A live container, normalized like `check`; `prior` is the declared container of the same name.
    fn container_from(
        c: &AwsContainer,
        prior: Option<&ContainerDefinitionInput>,
        region: &str,
    ) -> ContainerDefinitionInput {
        let port_mappings: Vec<ContainerPortMapping> = c
            .port_mappings()
            .iter()
            .filter_map(|m| {
                Some(ContainerPortMapping {
                    container_port: m.container_port()?,
                    protocol: Some(
                        m.protocol()
                            .map(|p| p.as_str())
                            .unwrap_or("tcp")
                            .to_string(),
                    ),
                })
            })
            .collect();
        let mut environment: Vec<ContainerEnvironmentVariable> = c
            .environment()
            .iter()
            .map(|e| ContainerEnvironmentVariable {
                name: e.name().unwrap_or_default().to_string(),
                value: e.value().unwrap_or_default().to_string(),
            })
            .collect();
        environment.sort_by(|a, b| a.name.cmp(&b.name));
        let mut secrets: Vec<ContainerSecret> = c
            .secrets()
            .iter()
            .map(|s| ContainerSecret {
                name: s.name().to_string(),
                value_from: s.value_from().to_string(),
            })
            .collect();
        secrets.sort_by(|a, b| a.name.cmp(&b.name));
        let health_check = c.health_check().map(|h| ContainerHealthCheck {
            command: h.command().to_vec(),
            interval: Some(h.interval().unwrap_or(30)),
            timeout: Some(h.timeout().unwrap_or(5)),
            retries: Some(h.retries().unwrap_or(3)),
            start_period: Some(h.start_period().unwrap_or(0)),
        });
        let log_configuration = c
            .log_configuration()
            .filter(|l| l.log_driver() == &LogDriver::Awslogs)
            .map(|l| {
                let opt = |k: &str| {
                    l.options()
                        .and_then(|o| o.get(k))
                        .cloned()
                        .unwrap_or_default()
                };
                let live_region = opt("awslogs-region");
                let declared = prior.and_then(|p| p.log_configuration.as_ref());
                // A region left to default reads back as the provider's region: keep it unset.
                let region =
                    if declared.is_some_and(|d| d.region.is_none()) && live_region == region {
                        None
                    } else {
                        Some(live_region)
                    };
                ContainerAwsLogs {
                    group: opt("awslogs-group"),
                    region,
                    stream_prefix: opt("awslogs-stream-prefix"),
                }
            });
        ContainerDefinitionInput {
            name: c.name().unwrap_or_default().to_string(),
            image: c.image().unwrap_or_default().to_string(),
            essential: Some(c.essential().unwrap_or(true)),
            port_mappings: (!port_mappings.is_empty()).then_some(port_mappings),
            environment: (!environment.is_empty()).then_some(environment),
            secrets: (!secrets.is_empty()).then_some(secrets),
            health_check,
            log_configuration,
            cpu: Some(c.cpu()),
            memory: c.memory(),
            memory_reservation: c.memory_reservation(),
            readonly_root_filesystem: c
                .readonly_root_filesystem()
                .filter(|v| *v || prior.is_some_and(|p| p.readonly_root_filesystem.is_some())),
        }
    }

    /// Inputs and outputs of a live revision, normalized like `check`.
    fn from_live(
        ctx: &Context,
        td: &AwsTaskDefinition,
        live_tags: BTreeMap<String, String>,
        prior: Option<&TaskDefinitionInputs>,
    ) -> (TaskDefinitionInputs, TaskDefinitionOutputs) {
        let (_, tags, tags_all) =
            tags::split(&ctx.aws, live_tags, prior.and_then(|p| p.tags.as_ref()));
        let region = ctx.aws.region.as_str();
        let containers = td
            .container_definitions()
            .iter()
            .map(|c| {
                let declared = prior.and_then(|p| {
                    p.container_definitions
                        .iter()
                        .find(|d| Some(d.name.as_str()) == c.name())
                });
                Self::container_from(c, declared, region)
            })
            .collect();
        let platform = td.runtime_platform();
        let inputs = TaskDefinitionInputs {
            family: td.family().map(str::to_string),
            cpu: td.cpu().and_then(|c| c.parse().ok()).unwrap_or_default(),
            memory: td.memory().and_then(|m| m.parse().ok()).unwrap_or_default(),
            runtime_platform: Some(TaskRuntimePlatform {
                operating_system_family: Some(
                    platform
                        .and_then(|p| p.operating_system_family())
                        .map(|o| o.as_str())
                        .unwrap_or("LINUX")
                        .to_string(),
                ),
                cpu_architecture: Some(
                    platform
                        .and_then(|p| p.cpu_architecture())
                        .map(|a| a.as_str())
                        .unwrap_or("X86_64")
                        .to_string(),
                ),
            }),
            execution_role_arn: td.execution_role_arn().map(str::to_string),
            task_role_arn: td.task_role_arn().map(str::to_string),
            container_definitions: containers,
            tags,
        };
        let outputs = TaskDefinitionOutputs {
            arn: td.task_definition_arn().unwrap_or_default().to_string(),
            revision: td.revision(),
            tags_all,
        };
        (inputs, outputs)
    }

    /// The revision `arn` with its tags, unless it is gone or INACTIVE (deregistered).
    async fn describe(
        ctx: &Context,
        arn: &str,
    ) -> Result<Option<(AwsTaskDefinition, BTreeMap<String, String>)>, ResourceError> {
        let out = match ctx
            .aws
            .ecs
            .describe_task_definition()
            .task_definition(arn)
            .include(TaskDefinitionField::Tags)
            .send()
            .await
            .map_err(|e| aws_error("ecs:DescribeTaskDefinition", e))
        {
            Ok(out) => out,
            // ECS answers ClientException "Unable to describe task definition." for an unknown revision; the code
            // is ECS's catch-all for bad requests, so it cannot be classified NotFound for every ECS call.
            Err(e) if e.is_not_found() || e.code() == Some("ClientException") => return Ok(None),
            Err(e) => return Err(e),
        };
        let tags = tag_map(out.tags());
        Ok(out
            .task_definition()
            .filter(|td| td.status() != Some(&TaskDefinitionStatus::Inactive))
            .map(|td| (td.clone(), tags)))
    }

    /// An ACTIVE revision of the family to adopt: the orphan of an interrupted create of this resource (its
    /// identity, not recorded by the engine) with exactly these inputs, and its live tags. Revisions the engine
    /// records and other resources' revisions are left alone: a new revision is registered beside them. An ACTIVE
    /// revision without the ownership tag means the family belongs to someone else: a conflict.
    async fn find_existing(
        ctx: &Context,
        family: &str,
        inputs: &TaskDefinitionInputs,
    ) -> Result<Option<(String, i32, BTreeMap<String, String>)>, ResourceError> {
        let out = ctx
            .aws
            .ecs
            .list_task_definitions()
            .family_prefix(family)
            .status(TaskDefinitionStatus::Active)
            .sort(aws_sdk_ecs::types::SortOrder::Desc)
            .send()
            .await
            .map_err(|e| aws_error("ecs:ListTaskDefinitions", e))?;
        let prefix = format!(":task-definition/{family}:");
        for arn in out
            .task_definition_arns()
            .iter()
            .filter(|a| a.contains(&prefix))
            .take(20)
        {
            let Some((td, live_tags)) = Self::describe(ctx, arn).await? else {
                continue;
            };
            match ctx.found(arn, &live_tags) {
                found @ Found::Stranger => {
                    return Err(conflict(
                        &format!("the task definition family '{family}' ({arn})"),
                        &found,
                    ));
                }
                Found::Recorded | Found::Other { .. } => {}
                Found::Orphan => {
                    let (live, _) = Self::from_live(ctx, &td, live_tags.clone(), Some(inputs));
                    let same = TaskDefinitionInputs { tags: None, ..live }
                        == TaskDefinitionInputs {
                            tags: None,
                            ..inputs.clone()
                        };
                    if same {
                        ctx.adopting("task definition", arn);
                        return Ok(Some((arn.clone(), td.revision(), live_tags)));
                    }
                }
            }
        }
        Ok(None)
    }

    /// One RegisterTaskDefinition call, with the SDK's retry off (see the module docs).
    async fn register(
        ctx: &Context,
        family: &str,
        inputs: &TaskDefinitionInputs,
        tags: &BTreeMap<String, String>,
    ) -> Result<(String, i32), ResourceError> {
        let platform = inputs
            .runtime_platform
            .clone()
            .unwrap_or(TaskRuntimePlatform {
                operating_system_family: None,
                cpu_architecture: None,
            });
        let mut req = ctx
            .aws
            .ecs
            .register_task_definition()
            .family(family)
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Fargate)
            .cpu(inputs.cpu.to_string())
            .memory(inputs.memory.to_string())
            .runtime_platform(
                RuntimePlatform::builder()
                    .operating_system_family(OsFamily::from(
                        platform
                            .operating_system_family
                            .as_deref()
                            .unwrap_or("LINUX"),
                    ))
                    .cpu_architecture(CpuArchitecture::from(
                        platform.cpu_architecture.as_deref().unwrap_or("X86_64"),
                    ))
                    .build(),
            )
            .set_execution_role_arn(inputs.execution_role_arn.clone())
            .set_task_role_arn(inputs.task_role_arn.clone())
            .set_tags(Some(tag_list(tags)));
        for c in &inputs.container_definitions {
            req = req.container_definitions(Self::container(c, &ctx.aws.region)?);
        }
        let out = req
            .customize()
            .config_override(no_retry!(aws_sdk_ecs))
            .send()
            .await
            .map_err(|e| aws_error("ecs:RegisterTaskDefinition", e))?;
        let td = out.task_definition().ok_or_else(|| {
            ResourceError::Internal("ecs:RegisterTaskDefinition returned no task definition".into())
        })?;
        Ok((
            td.task_definition_arn().unwrap_or_default().to_string(),
            td.revision(),
        ))
    }
}

impl CustomResource for TaskDefinition {
    const TOKEN: &'static str = "orderapi:ecs:TaskDefinition";
    const DESCRIPTION: &'static str = "A revision of a Fargate (awsvpc) ECS task definition. Any change registers a \
         new revision; delete deregisters the revision.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &[
        "family",
        "cpu",
        "memory",
        "runtimePlatform",
        "executionRoleArn",
        "taskRoleArn",
        "containerDefinitions",
    ];
    type Inputs = TaskDefinitionInputs;
    type Outputs = TaskDefinitionOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: TaskDefinitionInputs,
    ) -> Result<TaskDefinitionInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_name(ctx, "family", &mut inputs.family, &mut f);
        check_tags(inputs.tags.as_ref(), &mut f);
        if !matches!(inputs.cpu, 256 | 512 | 1024 | 2048 | 4096 | 8192 | 16384) {
            f.push(
                "cpu",
                format!(
                    "{} is not a Fargate CPU value (256, 512, 1024, 2048, 4096, 8192, 16384)",
                    inputs.cpu
                ),
            );
        } else {
            f.require(
                fargate_pair_allowed(inputs.cpu, inputs.memory),
                "memory",
                format!(
                    "{} MiB is not allowed with cpu {} on Fargate; use {}",
                    inputs.memory,
                    inputs.cpu,
                    allowed_memory(inputs.cpu)
                ),
            );
        }
        let platform = inputs.runtime_platform.get_or_insert(TaskRuntimePlatform {
            operating_system_family: None,
            cpu_architecture: None,
        });
        let os = platform
            .operating_system_family
            .get_or_insert_with(|| "LINUX".to_string());
        f.require(
            os == "LINUX",
            "runtimePlatform.operatingSystemFamily",
            "must be LINUX",
        );
        let arch = platform
            .cpu_architecture
            .get_or_insert_with(|| "X86_64".to_string());
        f.require(
            matches!(arch.as_str(), "X86_64" | "ARM64"),
            "runtimePlatform.cpuArchitecture",
            "must be X86_64 or ARM64",
        );
        for (property, arn) in [
            ("executionRoleArn", &inputs.execution_role_arn),
            ("taskRoleArn", &inputs.task_role_arn),
        ] {
            if let Some(arn) = arn {
                f.require(
                    is_role_arn(arn),
                    property,
                    format!("'{arn}' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)"),
                );
            }
        }
        let containers = &mut inputs.container_definitions;
        f.require(
            (1..=10).contains(&containers.len()),
            "containerDefinitions",
            "a task needs 1-10 containers",
        );
        let task_memory = inputs.memory;
        for (i, c) in containers.iter_mut().enumerate() {
            check_container(i, c, task_memory, &mut f);
        }
        let mut names = BTreeSet::new();
        f.require(
            containers.iter().all(|c| names.insert(c.name.clone())),
            "containerDefinitions",
            "container names must be unique",
        );
        f.require(
            containers.is_empty() || containers.iter().any(|c| c.essential == Some(true)),
            "containerDefinitions",
            "at least one container must be essential",
        );
        let cpu_sum: i32 = containers.iter().map(|c| c.cpu.unwrap_or(0)).sum();
        f.require(
            cpu_sum <= inputs.cpu,
            "containerDefinitions",
            format!(
                "the containers' cpu ({cpu_sum}) exceeds the task's cpu ({})",
                inputs.cpu
            ),
        );
        let mem_sum: i32 = containers
            .iter()
            .map(|c| c.memory.or(c.memory_reservation).unwrap_or(0))
            .sum();
        f.require(
            mem_sum <= inputs.memory,
            "containerDefinitions",
            format!(
                "the containers' memory ({mem_sum} MiB) exceeds the task's memory ({} MiB)",
                inputs.memory
            ),
        );
        let needs_execution_role = containers
            .iter()
            .any(|c| c.secrets.is_some() || c.log_configuration.is_some());
        f.require(
            !needs_execution_role || inputs.execution_role_arn.is_some(),
            "executionRoleArn",
            "is required when a container uses secrets or awslogs (ECS reads them with the execution role)",
        );
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &TaskDefinitionInputs,
    ) -> Result<(String, TaskDefinitionOutputs), ResourceError> {
        let family = inputs.family.clone().unwrap_or_default();
        let tags = ctx.tags(inputs.tags.as_ref());
        let made = create_once(
            ctx,
            &format!("task definition {family}"),
            || async {
                Ok(Self::find_existing(ctx, &family, inputs)
                    .await?
                    .map(|(arn, revision, live)| (arn, revision, Some(live))))
            },
            || async {
                let (arn, revision) = Self::register(ctx, &family, inputs, &tags).await?;
                Ok((arn, revision, None))
            },
        )
        .await?;
        let (arn, revision, adopted) = made.into_inner();
        let outputs = TaskDefinitionOutputs {
            arn: arn.clone(),
            revision,
            tags_all: tags.clone(),
        };
        if let Some(live) = &adopted {
            // An adopted revision may carry stale tags: bring them in line.
            tags::sync::<EcsTags>(&ctx.aws, &arn, live, &tags)
                .await
                .map_err(|e| e.partial(&arn, &outputs))?;
        }
        Ok((arn, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&TaskDefinitionInputs>,
    ) -> Result<Option<(TaskDefinitionInputs, TaskDefinitionOutputs)>, ResourceError> {
        Ok(Self::describe(ctx, id)
            .await?
            .map(|(td, tags)| Self::from_live(ctx, &td, tags, prior)))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        _: &TaskDefinitionInputs,
        old_outputs: &TaskDefinitionOutputs,
        new: &TaskDefinitionInputs,
    ) -> Result<TaskDefinitionOutputs, ResourceError> {
        // Only tags change in place (everything else registers a new revision).
        let tags = ctx.tags(new.tags.as_ref());
        tags::sync::<EcsTags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        Ok(TaskDefinitionOutputs {
            tags_all: tags,
            ..old_outputs.clone()
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &TaskDefinitionInputs,
        _: &TaskDefinitionOutputs,
    ) -> Result<(), ResourceError> {
        // Deregistering is immediate (the revision turns INACTIVE; running tasks keep running on it). An unknown
        // or already-INACTIVE revision is already gone.
        if Self::describe(ctx, id).await?.is_none() {
            return Ok(());
        }
        match ctx
            .aws
            .ecs
            .deregister_task_definition()
            .task_definition(id)
            .send()
            .await
            .map_err(|e| aws_error("ecs:DeregisterTaskDefinition", e))
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => match Self::describe(ctx, id).await? {
                None => Ok(()),
                Some(_) => Err(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fargate_pairs() {
        assert!(fargate_pair_allowed(256, 512));
        assert!(!fargate_pair_allowed(256, 4096));
        assert!(fargate_pair_allowed(512, 3072));
        assert!(!fargate_pair_allowed(512, 1536));
        assert!(fargate_pair_allowed(4096, 30720));
        assert!(!fargate_pair_allowed(4096, 31744));
        assert!(fargate_pair_allowed(8192, 20480));
        assert!(!fargate_pair_allowed(8192, 17408));
        assert!(fargate_pair_allowed(16384, 122880));
        assert!(!fargate_pair_allowed(16384, 36864));
        assert!(!fargate_pair_allowed(300, 1024));
    }

    #[test]
    fn secret_sources() {
        assert!(valid_secret_source(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::"
        ));
        assert!(valid_secret_source(
            "arn:aws:ssm:us-east-1:123456789012:parameter/orderapi/dev/url"
        ));
        assert!(valid_secret_source("/orderapi/dev/url"));
        assert!(valid_secret_source("plain_name"));
        assert!(!valid_secret_source("arn:aws:s3:::bucket/key"));
        assert!(!valid_secret_source("has space"));
        assert!(!valid_secret_source("/aws/reserved"));
        assert!(!valid_secret_source(""));
    }
}
