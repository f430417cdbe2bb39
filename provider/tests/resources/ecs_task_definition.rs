use std::collections::BTreeMap;

use orderapi::error::ResourceError;
use orderapi::resource::{Adapter, CheckContext, CustomResource, DynResource};
use orderapi::resources::ecs::task_definition::{
    ContainerAwsLogs, ContainerDefinitionInput, ContainerEnvironmentVariable, ContainerHealthCheck,
    ContainerPortMapping, ContainerSecret, TaskDefinition, TaskDefinitionInputs,
};

use super::ecs_cluster::{ecs_assert_owned, ecs_tags, other_resource, replacing, to_props};
use crate::moto::Moto;

const EXEC_ROLE: &str = "arn:aws:iam::123456789012:role/orders-exec";
const TASK_ROLE: &str = "arn:aws:iam::123456789012:role/orders-task";

pub fn container(name: &str) -> ContainerDefinitionInput {
    ContainerDefinitionInput {
        name: name.into(),
        image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:1.0.0".into(),
        essential: None,
        port_mappings: Some(vec![ContainerPortMapping {
            container_port: 8080,
            protocol: None,
        }]),
        environment: Some(vec![
            ContainerEnvironmentVariable {
                name: "PORT".into(),
                value: "8080".into(),
            },
            ContainerEnvironmentVariable {
                name: "APP_ENV".into(),
                value: "dev".into(),
            },
        ]),
        secrets: Some(vec![
            ContainerSecret {
                name: "DB_URL".into(),
                value_from: "arn:aws:ssm:us-east-1:123456789012:parameter/orderapi/dev/db-url"
                    .into(),
            },
            ContainerSecret {
                name: "API_KEY".into(),
                value_from:
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-api-AbCdEf".into(),
            },
        ]),
        health_check: Some(ContainerHealthCheck {
            command: vec![
                "CMD-SHELL".into(),
                "curl -f http://localhost:8080/health || exit 1".into(),
            ],
            interval: None,
            timeout: None,
            retries: None,
            start_period: Some(10),
        }),
        log_configuration: Some(ContainerAwsLogs {
            group: "/orderapi/dev/app".into(),
            region: None,
            stream_prefix: "app".into(),
        }),
        cpu: None,
        memory: None,
        memory_reservation: Some(256),
        readonly_root_filesystem: Some(true),
    }
}

pub fn inputs(family: &str) -> TaskDefinitionInputs {
    let raw = TaskDefinitionInputs {
        family: Some(family.into()),
        cpu: 256,
        memory: 512,
        runtime_platform: None,
        execution_role_arn: Some(EXEC_ROLE.into()),
        task_role_arn: Some(TASK_ROLE.into()),
        container_definitions: vec![container("app")],
        tags: Some(BTreeMap::from([("Team".to_string(), "orders".to_string())])),
    };
    TaskDefinition::check(&CheckContext::default(), raw).expect("valid inputs")
}

/// ACTIVE revisions of `family`.
async fn active(ctx: &orderapi::resource::Context, family: &str) -> Vec<String> {
    let out = ctx
        .aws
        .ecs
        .list_task_definitions()
        .family_prefix(family)
        .send()
        .await
        .expect("list");
    out.task_definition_arns().to_vec()
}

#[tokio::test]
async fn ecs_task_definition_lifecycle() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("ecs-test-td");
    // Defaults and normalization: sorted env/secrets, health check defaults, platform.
    let c = &inputs.container_definitions[0];
    assert_eq!(c.essential, Some(true));
    assert_eq!(c.environment.as_ref().expect("env")[0].name, "APP_ENV");
    assert_eq!(c.secrets.as_ref().expect("secrets")[0].name, "API_KEY");
    assert_eq!(c.health_check.as_ref().expect("hc").interval, Some(30));

    let (id, outputs) = TaskDefinition::create(&ctx, &inputs).await.expect("create");
    assert_eq!(
        id,
        "arn:aws:ecs:us-east-1:123456789012:task-definition/ecs-test-td:1"
    );
    assert_eq!(outputs.arn, id);
    assert_eq!(outputs.revision, 1);
    assert_eq!(outputs.tags_all["Team"], "orders");
    ecs_assert_owned(&ctx, &id).await;

    // Fargate/awsvpc and the awslogs options as registered.
    let live = ctx
        .aws
        .ecs
        .describe_task_definition()
        .task_definition(&id)
        .send()
        .await
        .expect("describe");
    let td = live.task_definition().expect("td");
    assert_eq!(td.network_mode().map(|m| m.as_str()), Some("awsvpc"));
    assert_eq!(
        td.requires_compatibilities()
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>(),
        vec!["FARGATE"]
    );
    let logs = td.container_definitions()[0]
        .log_configuration()
        .expect("logs");
    assert_eq!(
        logs.options()
            .and_then(|o| o.get("awslogs-region"))
            .map(String::as_str),
        Some("us-east-1")
    );

    // Read gives back exactly the checked inputs.
    let (read_inputs, read_outputs) = TaskDefinition::read(&ctx, &id, Some(&inputs))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read_inputs, inputs);
    assert_eq!(read_outputs, outputs);

    // Tags change in place.
    let mut retagged = inputs.clone();
    retagged.tags = Some(BTreeMap::from([("Tier".to_string(), "core".to_string())]));
    let updated = TaskDefinition::update(&ctx, &id, &inputs, &outputs, &retagged)
        .await
        .expect("update tags");
    let live_tags = ecs_tags(&ctx, &id).await;
    assert_eq!(live_tags.get("Tier").map(String::as_str), Some("core"));
    assert!(!live_tags.contains_key("Team"));
    assert_eq!(updated.arn, id);

    // Any other change is a new revision: replacement, created before the old revision is deregistered.
    let adapter = Adapter::<TaskDefinition>::default();
    let mut bigger = retagged.clone();
    bigger.cpu = 512;
    bigger.memory = 1024;
    let diff = adapter.diff(&to_props(&retagged), &to_props(&bigger), &[]);
    assert_eq!(diff.replaces, vec!["cpu", "memory"]);
    assert!(!diff.delete_before_replace);
    let mut image = retagged.clone();
    image.container_definitions[0].image = "orders:1.0.1".into();
    let diff = adapter.diff(&to_props(&retagged), &to_props(&image), &[]);
    assert_eq!(diff.replaces, vec!["containerDefinitions"]);
    let diff = adapter.diff(&to_props(&inputs), &to_props(&retagged), &[]);
    assert!(diff.replaces.is_empty() && diff.changed == vec!["tags"]);

    let (id2, out2) = TaskDefinition::create(&ctx, &bigger)
        .await
        .expect("new revision");
    assert_eq!(out2.revision, 2);
    assert_ne!(id2, id);
    TaskDefinition::delete(&ctx, &id, &retagged, &updated)
        .await
        .expect("deregister the old revision");
    assert_eq!(active(&ctx, "ecs-test-td").await, vec![id2.clone()]);
    TaskDefinition::delete(&ctx, &id, &retagged, &updated)
        .await
        .expect("second delete is a no-op");
    // moto keeps INACTIVE revisions listed (as ECS does): read treats them as gone.
    assert!(
        TaskDefinition::read(&ctx, &id, Some(&retagged))
            .await
            .expect("read")
            .is_none()
    );
    TaskDefinition::delete(&ctx, &id2, &bigger, &out2)
        .await
        .expect("delete");
    assert!(active(&ctx, "ecs-test-td").await.is_empty());
    // A revision that never existed is gone too.
    TaskDefinition::delete(&ctx, &format!("{id}9"), &bigger, &out2)
        .await
        .expect("unknown revision");
}

#[tokio::test]
async fn ecs_task_definition_adopts_only_its_own_unrecorded_orphan() {
    let moto = Moto::start().await;
    let ctx = moto.ctx().await;
    let inputs = inputs("ecs-test-td-adopt");
    let (id, first) = TaskDefinition::create(&ctx, &inputs)
        .await
        .expect("first create");
    // The engine never recorded the first revision (its answer was lost): the same create adopts it instead of
    // registering another, and brings its tags in line.
    let mut retagged = inputs.clone();
    retagged.tags = Some(BTreeMap::from([("Tier".to_string(), "core".to_string())]));
    let (again, second) = TaskDefinition::create(&ctx, &retagged)
        .await
        .expect("retried create");
    assert_eq!(
        again, id,
        "the retried create must adopt, not register another revision"
    );
    assert_eq!(second.revision, first.revision);
    ecs_assert_owned(&ctx, &id).await;
    let live = ecs_tags(&ctx, &id).await;
    assert_eq!(
        live.get("Tier").map(String::as_str),
        Some("core"),
        "{live:?}"
    );
    assert!(!live.contains_key("Team"), "{live:?}");
    assert_eq!(active(&ctx, "ecs-test-td-adopt").await, vec![id.clone()]);

    // The revision the engine records (a replacement) is left alone: a new revision is registered beside it.
    let (twin, out) = TaskDefinition::create(&replacing(&ctx, &id), &inputs)
        .await
        .expect("replacement");
    assert_ne!(twin, id);
    assert_eq!(out.revision, 2);

    // An orphan with another definition is not this create's leftover.
    let mut other = inputs.clone();
    other.container_definitions[0].image = "orders:2".into();
    let (third, _) = TaskDefinition::create(&replacing(&ctx, &id), &other)
        .await
        .expect("third create");
    assert!(third != id && third != twin);

    // Another resource's revisions in the family are left alone too (families are not unique per resource).
    let (fourth, _) = TaskDefinition::create(&other_resource(&ctx), &inputs)
        .await
        .expect("another resource's create");
    assert!(![&id, &twin, &third].contains(&&fourth));
    assert_eq!(active(&ctx, "ecs-test-td-adopt").await.len(), 4);

    // A family with revisions we do not own is a conflict naming it.
    ctx.aws
        .ecs
        .register_task_definition()
        .family("ecs-test-td-stranger")
        .cpu("256")
        .memory("512")
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("x")
                .image("nginx")
                .build(),
        )
        .send()
        .await
        .expect("stranger");
    let err = TaskDefinition::create(&ctx, &self::inputs("ecs-test-td-stranger"))
        .await
        .expect_err("conflict");
    assert!(matches!(err, ResourceError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("'ecs-test-td-stranger'"), "{err}");
    assert!(
        err.to_string().contains("not created by pulumi-orderapi"),
        "{err}"
    );
}

#[test]
fn ecs_task_definition_check_rejects_what_aws_would() {
    let check = |i: TaskDefinitionInputs| -> Vec<String> {
        TaskDefinition::check(&CheckContext::default(), i)
            .expect_err("invalid")
            .into_iter()
            .map(|f| f.property)
            .collect()
    };
    // Fargate cpu/memory pairs.
    for (cpu, memory, property) in [
        (256, 4096, "memory"),
        (512, 1536, "memory"),
        (1024, 1024, "memory"),
        (4096, 31744, "memory"),
        (8192, 18432, "memory"),
        (16384, 36864, "memory"),
        (300, 1024, "cpu"),
    ] {
        let mut bad = inputs("x");
        bad.cpu = cpu;
        bad.memory = memory;
        bad.container_definitions[0].memory_reservation = None;
        assert_eq!(check(bad), vec![property.to_string()], "{cpu}/{memory}");
    }
    for (cpu, memory) in [(256, 2048), (2048, 16384), (8192, 61440), (16384, 122880)] {
        let mut ok = inputs("x");
        ok.cpu = cpu;
        ok.memory = memory;
        assert!(
            TaskDefinition::check(&CheckContext::default(), ok).is_ok(),
            "{cpu}/{memory}"
        );
    }

    // Containers: names unique, one essential, secrets' valueFrom, health check ranges, port, image.
    let mut bad = inputs("x");
    let mut second = container("app");
    second.essential = Some(false);
    bad.container_definitions[0].essential = Some(false);
    bad.container_definitions.push(second);
    let props = check(bad);
    assert!(
        props.contains(&"containerDefinitions".to_string()),
        "{props:?}"
    );
    assert_eq!(
        props
            .iter()
            .filter(|p| *p == "containerDefinitions")
            .count(),
        2,
        "duplicate names and no essential container: {props:?}"
    );

    let mut bad = inputs("x");
    let c = &mut bad.container_definitions[0];
    c.secrets = Some(vec![ContainerSecret {
        name: "S".into(),
        value_from: "arn:aws:s3:::bucket/key".into(),
    }]);
    c.health_check = Some(ContainerHealthCheck {
        command: vec!["curl".into()],
        interval: Some(301),
        timeout: Some(1),
        retries: Some(11),
        start_period: Some(301),
    });
    c.port_mappings = Some(vec![ContainerPortMapping {
        container_port: 0,
        protocol: Some("sctp".into()),
    }]);
    c.image = "has space".into();
    c.name = "bad.name".into();
    let props = check(bad);
    for p in [
        "containerDefinitions[0].secrets",
        "containerDefinitions[0].healthCheck.command",
        "containerDefinitions[0].healthCheck.interval",
        "containerDefinitions[0].healthCheck.timeout",
        "containerDefinitions[0].healthCheck.retries",
        "containerDefinitions[0].healthCheck.startPeriod",
        "containerDefinitions[0].portMappings",
        "containerDefinitions[0].image",
        "containerDefinitions[0].name",
    ] {
        assert!(props.contains(&p.to_string()), "{p} missing from {props:?}");
    }

    // Roles, platform, family, the execution role that secrets/awslogs need.
    let mut bad = inputs("x");
    bad.family = Some("bad family!".into());
    bad.execution_role_arn = None;
    bad.task_role_arn = Some("arn:aws:iam::123456789012:user/x".into());
    bad.runtime_platform = Some(
        orderapi::resources::ecs::task_definition::TaskRuntimePlatform {
            operating_system_family: Some("WINDOWS_SERVER_2022_CORE".into()),
            cpu_architecture: Some("MIPS".into()),
        },
    );
    let props = check(bad);
    for p in [
        "family",
        "executionRoleArn",
        "taskRoleArn",
        "runtimePlatform.operatingSystemFamily",
        "runtimePlatform.cpuArchitecture",
    ] {
        assert!(props.contains(&p.to_string()), "{p} missing from {props:?}");
    }

    // SSM parameter names (same region) are valid secret sources; container memory within the task's.
    let mut ok = inputs("x");
    ok.container_definitions[0].secrets = Some(vec![ContainerSecret {
        name: "URL".into(),
        value_from: "/orderapi/dev/url".into(),
    }]);
    assert!(TaskDefinition::check(&CheckContext::default(), ok).is_ok());
    let mut bad = inputs("x");
    bad.container_definitions[0].memory = Some(1024);
    let props = check(bad);
    assert!(
        props.contains(&"containerDefinitions[0].memory".to_string()),
        "{props:?}"
    );
}
