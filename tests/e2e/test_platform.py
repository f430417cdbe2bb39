"""End to end: the complete ``orderapi:index:OrderApiPlatform``, deployed from ``examples/yaml`` to moto.

One stack (environment ``test``, suffix ``e2e2``) is deployed once for the module; the tests run in file order --
preview, what AWS holds (every requirement of issue 5, service by service), no-op up, targeted changes previewed,
drift shown by refresh and repaired by up, destroy and leak check across every service -- and each can also run
alone (the fixtures deploy on demand). boto3 is the only judge of what exists; the provider's own code is never used
to check it. The network layer's details (CIDRs, routes, NAT per zone) are test_network.py's; here they are counted.

What moto cannot show, overall: no task ever runs (ECS services report desired counts but start nothing, so the
health checks, the awslogs stream, the secrets injection and the Spot placement are configuration only); no traffic
reaches the ALB, so the listener rule's weights never shift, the WAF never counts or blocks a request, and the
alarms never leave their initial state; Aurora and its readers are ``available`` at once, without a real failover
topology; IAM policies are stored but never evaluated. Each test's docstring names what it cannot show beyond that.
"""

from __future__ import annotations

import json
import re
import secrets as random
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pytest

from conftest import (
    EC2_LISTINGS,
    REGION,
    MotoServer,
    Stack,
    StackFactory,
    assert_platform_gone,
    changes_by_type,
    example,
    is_managed,
    list_all,
    platform_inventory,
    resource_type,
    tags_of,
)

ENVIRONMENT, SUFFIX = "test", "e2e2"
NAME = f"{ENVIRONMENT}-{SUFFIX}"
IMAGE_TAG, MAX_COUNT, ALARM_EMAIL = "1.0.0", 12, "orders-oncall@example.com"
#: The example's defaults this module relies on (examples/yaml/Pulumi.yaml) and the platform's (args.rs).
USER_ENVIRONMENT = {"LOG_LEVEL": "info", "ORDER_CURRENCY": "EUR"}
SECRET_NAME = "PAYMENT_API_KEY"
CONTAINER_PORT, DB_PORT = 8080, 3306
CPU, MEMORY, MIN_COUNT, DESIRED_COUNT = 512, 1024, 3, 3
PATH_PATTERNS = ["/orders", "/orders/*", "/health"]
MANAGED_RULE_GROUPS = [
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
]
RATE_LIMIT, RATE_WINDOW = 100, 300
CPU_TARGET, PENDING_ORDERS_TARGET = 70.0, 100.0
DEREGISTRATION_DELAY, LOG_RETENTION = 30, 30
BACKUP_RETENTION, BACKUP_WINDOW, MAINTENANCE_WINDOW = 7, "03:00-04:00", "sun:05:00-sun:06:00"
DATABASE_NAME, READER_COUNT = "orders", 2
ERROR_RATE_PERCENT, DB_CONNECTIONS_THRESHOLD = 5.0, 500.0
NAMESPACE = f"OrderApi/{NAME}"
#: The account moto answers for (STS GetCallerIdentity).
ACCOUNT = "123456789012"
PARAMETER_PATH = f"/param-{NAME}/"

COMPONENT = "orderapi:index:OrderApiPlatform"
PROVIDER = "pulumi:providers:orderapi"
STACK = "pulumi:pulumi:Stack"
TASK_DEFINITION, SERVICE = "orderapi:ecs:TaskDefinition", "orderapi:ecs:Service"
SCALABLE_TARGET, WEB_ACL = "orderapi:appautoscaling:ScalableTarget", "orderapi:wafv2:WebAcl"
#: Every custom resource the platform registers with the example's inputs, by type: exact counts.
EXPECTED_CHILDREN = {
    "orderapi:ec2:Vpc": 1,
    "orderapi:ec2:Subnet": 6,
    "orderapi:ec2:InternetGateway": 1,
    "orderapi:ec2:ElasticIp": 3,
    "orderapi:ec2:NatGateway": 3,
    "orderapi:ec2:RouteTable": 4,
    "orderapi:ec2:SecurityGroup": 3,
    "orderapi:elbv2:LoadBalancer": 1,
    "orderapi:elbv2:TargetGroup": 2,
    "orderapi:elbv2:Listener": 1,  # HTTP 80 only: the example sets no certificate
    "orderapi:elbv2:ListenerRule": 1,
    WEB_ACL: 1,
    "orderapi:wafv2:WebAclAssociation": 1,
    "orderapi:rds:DbSubnetGroup": 1,
    "orderapi:rds:Cluster": 1,
    "orderapi:rds:ClusterInstance": 1 + READER_COUNT,
    "orderapi:secretsmanager:Secret": 1,
    "orderapi:sns:Topic": 1,
    "orderapi:cloudwatch:Dashboard": 1,
    "orderapi:ecr:Repository": 1,
    "orderapi:logs:LogGroup": 2,  # the service's and the VPC flow logs'
    "orderapi:logs:MetricFilter": 1,
    "orderapi:iam:Role": 4,
    "orderapi:ec2:FlowLog": 1,
    "orderapi:kms:Key": 1,  # the alarm topic's
    "orderapi:s3:Bucket": 1,  # the load balancer's access logs
    "orderapi:ecs:Cluster": 1,
    TASK_DEFINITION: 1,
    SERVICE: 1,
    SCALABLE_TARGET: 1,
    "orderapi:appautoscaling:ScalingPolicy": 2,
}
#: Types whose count depends on choices the builders may extend (more parameters, more alarms): at least these.
MINIMUM_CHILDREN = {"orderapi:ssm:Parameter": len(USER_ENVIRONMENT) + 3, "orderapi:cloudwatch:MetricAlarm": 3}
ALARMS = {what: f"alarm-{what}-{NAME}" for what in ("5xx-rate", "db-connections", "waf-blocked")}
ROLES = {what: f"role-{what}-{NAME}" for what in ("execution", "task", "ecs-infra", "flowlogs")}
#: Tags every taggable resource carries: the standard ones plus the example's user tag.
EXPECTED_TAGS = {
    "ManagedBy": "pulumi-orderapi",
    "Environment": ENVIRONMENT,
    "EnvironmentSuffix": SUFFIX,
    "orderapi:platform": "platform",
    "Team": "orders",
}
#: Actions AWS offers no resource-level permission for: the only ones a policy of ours may grant on `*`.
STAR_ACTIONS = {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"}
STAR_ACTION_PREFIXES = ("elasticloadbalancing:Describe",)
REPLACE_OPS = {"replace", "create-replacement", "delete-replaced"}


# --------------------------------------------------------------------------------------------------------------------
# helpers


class Aws:
    """boto3 clients of the emulator, by service name with ``_`` for ``-`` (``aws.application_autoscaling``)."""

    def __init__(self, moto: MotoServer) -> None:
        self._moto = moto
        self._clients: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._clients:
            self._clients[name] = self._moto.client(name.replace("_", "-"))
        return self._clients[name]


def as_dict(tags: Any, key: str = "Key", value: str = "Value") -> dict[str, str]:
    """A tag list (``[{Key, Value}]`` or ECS's ``[{key, value}]``) or a tag map, as a dict."""
    if isinstance(tags, Mapping):
        return dict(tags)
    return {t[key]: t[value] for t in tags or []}


def missing_tags(tags: Mapping[str, str]) -> dict[str, Any]:
    return {k: tags.get(k) for k, v in EXPECTED_TAGS.items() if tags.get(k) != v}


def named(items: list[dict[str, Any]], field: str, name: str) -> dict[str, Any]:
    found = [item for item in items if item.get(field) == name]
    names = [i.get(field) for i in items]
    assert len(found) == 1, f"expected one item with {field}={name}, found {len(found)} among {names}"
    return found[0]


def ec2_named(ec2: Any, kind: str, name: str) -> dict[str, Any]:
    return named(
        [dict(item, _Name=tags_of(item).get("Name")) for item in EC2_LISTINGS[kind].live(ec2)], "_Name", name
    )


def security_group(ec2: Any, qualifier: str) -> dict[str, Any]:
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"secgrp-{qualifier}-{NAME}"]}])
    assert len(groups["SecurityGroups"]) == 1, f"expected one secgrp-{qualifier}-{NAME}: {groups['SecurityGroups']}"
    return groups["SecurityGroups"][0]


def subnet_ids(ec2: Any, tier: str) -> list[str]:
    return [ec2_named(ec2, "subnets", f"subnet-{tier}-{az}-{NAME}")["SubnetId"] for az in "abc"]


def load_balancer(aws: Aws) -> dict[str, Any]:
    return aws.elbv2.describe_load_balancers(Names=[f"alb-{NAME}"])["LoadBalancers"][0]


def target_group(aws: Aws, color: str) -> dict[str, Any]:
    return aws.elbv2.describe_target_groups(Names=[f"tg-{color}-{NAME}"])["TargetGroups"][0]


def web_acl(aws: Aws) -> tuple[dict[str, Any], str]:
    """Our web ACL and its lock token."""
    summary = named(aws.wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"], "Name", f"waf-{NAME}")
    got = aws.wafv2.get_web_acl(Name=summary["Name"], Scope="REGIONAL", Id=summary["Id"])
    return got["WebACL"], got["LockToken"]


def rate_rule(acl: Mapping[str, Any]) -> dict[str, Any]:
    rules = [r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]]
    assert len(rules) == 1, f"expected one rate-based rule, got {[r['Name'] for r in acl['Rules']]}"
    return rules[0]


def ecs_service(aws: Aws) -> dict[str, Any]:
    described = aws.ecs.describe_services(cluster=f"ecs-{NAME}", services=[f"svc-{NAME}"], include=["TAGS"])
    assert len(described["services"]) == 1, f"no service svc-{NAME}: {described.get('failures')}"
    return described["services"][0]


def task_definition(aws: Aws) -> dict[str, Any]:
    return aws.ecs.describe_task_definition(taskDefinition=f"task-{NAME}", include=["TAGS"])


def db_cluster(aws: Aws) -> dict[str, Any]:
    return aws.rds.describe_db_clusters(DBClusterIdentifier=f"aurora-{NAME}")["DBClusters"][0]


def db_instances(aws: Aws) -> list[dict[str, Any]]:
    instances = list_all(
        aws.rds,
        "describe_db_instances",
        "DBInstances",
        Filters=[{"Name": "db-cluster-id", "Values": [f"aurora-{NAME}"]}],
    )
    return sorted(instances, key=lambda i: i["DBInstanceIdentifier"])


def parameters(aws: Aws) -> dict[str, dict[str, Any]]:
    """Our SSM parameters by name (values decrypted)."""
    found = list_all(
        aws.ssm, "get_parameters_by_path", "Parameters", Path=PARAMETER_PATH, Recursive=True, WithDecryption=True
    )
    return {p["Name"]: p for p in found}


def our_alarms(aws: Aws) -> dict[str, dict[str, Any]]:
    """Our metric alarms (``alarm-<what>-<env>-<suffix>``) by name."""
    found = list_all(aws.cloudwatch, "describe_alarms", "MetricAlarms", AlarmNamePrefix="alarm-")
    return {a["AlarmName"]: a for a in found if a["AlarmName"].endswith(f"-{NAME}")}


def alarm_metrics(alarm: Mapping[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric, dimensions) of an alarm: its single metric, or every metric of its metric math."""
    if alarm.get("MetricName"):
        return [(alarm["Namespace"], alarm["MetricName"], as_dict(alarm.get("Dimensions"), "Name", "Value"))]
    found = []
    for query in alarm.get("Metrics") or []:
        metric = (query.get("MetricStat") or {}).get("Metric")
        if metric:
            dimensions = as_dict(metric.get("Dimensions"), "Name", "Value")
            found.append((metric["Namespace"], metric["MetricName"], dimensions))
    return found


def role_policies(aws: Aws, role: str) -> dict[str, dict[str, Any]]:
    names = list_all(aws.iam, "list_role_policies", "PolicyNames", RoleName=role)
    documents = {}
    for name in names:
        document = aws.iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        documents[name] = json.loads(document) if isinstance(document, str) else document
    return documents


def listify(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def dashboard_metrics(body: Mapping[str, Any]) -> tuple[set[tuple[str, str]], set[str]]:
    """(namespace, metric) pairs and the statistics of every metric widget, expanding CloudWatch's ``"..."``/``"."``
    shorthand (``"."`` repeats the previous row's value in that position)."""
    pairs: set[tuple[str, str]] = set()
    stats: set[str] = set()
    for widget in body.get("widgets") or []:
        properties = widget.get("properties") or {}
        if properties.get("stat"):
            stats.add(properties["stat"])
        previous: list[Any] = []
        for row in properties.get("metrics") or []:
            values = [v for v in row if not isinstance(v, Mapping)]
            options = [v for v in row if isinstance(v, Mapping)]
            if values and values[0] == "...":
                values = previous[:2] + values[1:]
            values = [previous[i] if v == "." and i < len(previous) else v for i, v in enumerate(values)]
            if len(values) >= 2:
                pairs.add((values[0], values[1]))
                previous = values
            for option in options:
                if option.get("stat"):
                    stats.add(option["stat"])
    return pairs, stats


def spot_tasks(count: int, base: int, spot_weight: int, on_demand_weight: int) -> float:
    """Tasks ECS places on FARGATE_SPOT out of ``count``: the base runs on demand, the rest splits by weight."""
    rest = max(count - base, 0)
    total = spot_weight + on_demand_weight
    return rest * spot_weight / total if total else 0.0


def strategy_weights(strategy: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    return {s["capacityProvider"]: (s.get("weight", 0), s.get("base", 0)) for s in strategy}


def assert_spot_majority(strategy: list[dict[str, Any]], where: str) -> None:
    weights = strategy_weights(strategy)
    assert set(weights) == {"FARGATE", "FARGATE_SPOT"}, f"{where}: capacity providers {weights}"
    (on_demand, base), (spot, _) = weights["FARGATE"], weights["FARGATE_SPOT"]
    assert spot > 0 and spot >= on_demand, f"{where}: Spot weight {spot} below on-demand weight {on_demand}"
    for count in (MIN_COUNT, DESIRED_COUNT):
        placed = spot_tasks(count, base, spot, on_demand)
        assert 2 * placed >= count, f"{where}: only {placed} of {count} tasks would run on Spot ({weights})"


def preview_with(stack: Stack, key: str, value: str, restore: str) -> dict[str, Any]:
    """The ``pulumi preview --json`` digest of the program with ``key`` set to ``value``; ``key`` is set back to
    ``restore`` afterwards, whatever happens."""
    stack.config_set(key, value)
    try:
        return stack.preview()
    finally:
        stack.config_set(key, restore)


# --------------------------------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def aws(moto: MotoServer) -> Aws:
    return Aws(moto)


@pytest.fixture(scope="module")
def payment_api_key() -> str:
    return "payment-key-" + random.token_hex(8)


@pytest.fixture(scope="module")
def stack(moto: MotoServer, make_stack: StackFactory, payment_api_key: str) -> Stack:
    stack = make_stack(
        example("yaml"),
        moto.endpoint,
        {
            "environment": ENVIRONMENT,
            "environmentSuffix": SUFFIX,
            "imageTag": IMAGE_TAG,
            "maxCount": str(MAX_COUNT),
            "alarmEmail": ALARM_EMAIL,
            # moto never runs ECS tasks: the service's deployment can never become steady there.
            "waitForSteadyState": "false",
        },
    )
    stack.config_set("paymentApiKey", payment_api_key, secret=True)
    return stack


@pytest.fixture(scope="module")
def deployed(stack: Stack) -> dict[str, Any]:
    """Runs ``pulumi up`` once for the module and returns the stack outputs."""
    stack.up()
    return stack.outputs()


# --------------------------------------------------------------------------------------------------------------------
# preview and state


def test_preview_plans_every_child_and_creates_nothing(stack: Stack, moto: MotoServer) -> None:
    """Preview runs Construct and plans the component and every child as a create under it; AWS stays empty. The
    component tells the configuration's monthly cost estimate at preview (an info message on it)."""
    preview = stack.preview()
    steps = preview.get("steps") or []
    told = [d.get("message", "") for d in preview.get("diagnostics") or [] if "/month" in d.get("message", "")]
    assert told and "us-east-1 list prices" in told[0], f"no cost estimate in the preview: {preview.get('diagnostics')}"
    by_type = Counter(resource_type(s["urn"]) for s in steps if s["op"] == "create")
    assert by_type[COMPONENT] == 1, f"preview plans {by_type[COMPONENT]} components: {by_type}"
    component_urn = next(s["urn"] for s in steps if resource_type(s["urn"]) == COMPONENT)
    wrong = {t: by_type[t] for t, n in EXPECTED_CHILDREN.items() if by_type[t] != n}
    wrong.update({t: by_type[t] for t, n in MINIMUM_CHILDREN.items() if by_type[t] < n})
    assert not wrong, f"planned counts differ from {EXPECTED_CHILDREN} / at least {MINIMUM_CHILDREN}: {wrong}"
    unexpected = set(by_type) - set(EXPECTED_CHILDREN) - set(MINIMUM_CHILDREN) - {COMPONENT, PROVIDER, STACK}
    assert not unexpected, f"preview plans types this suite does not know: {unexpected}"
    for step in steps:
        if resource_type(step["urn"]).startswith("orderapi:") and step["urn"] != component_urn:
            assert step["newState"].get("parent") == component_urn, f"{step['urn']} is not parented to the component"
    assert_platform_gone(moto)


def test_state_holds_every_child_under_the_component(deployed: dict[str, Any], stack: Stack, aws: Aws) -> None:
    """After up, the checkpoint holds exactly the planned children, each parented to the component and served by the
    one orderapi provider in the state (the provider that constructed the component: one plugin process per
    operation); the open-ended counts (SSM parameters, alarms) equal what boto3 lists."""
    resources = stack.resources()
    components = [r for r in resources if r["type"] == COMPONENT]
    assert len(components) == 1
    providers = {f"{r['urn']}::{r['id']}" for r in resources if r["type"] == PROVIDER}
    assert len(providers) == 1, f"orderapi providers in the state: {sorted(providers)}"
    children = [r for r in resources if r.get("custom") and r["type"].startswith("orderapi:")]
    by_type = Counter(r["type"] for r in children)
    assert {t: by_type[t] for t in EXPECTED_CHILDREN} == EXPECTED_CHILDREN
    assert set(by_type) <= set(EXPECTED_CHILDREN) | set(MINIMUM_CHILDREN), f"unexpected types: {by_type}"
    assert by_type["orderapi:ssm:Parameter"] == len(parameters(aws)), "state and SSM disagree on the parameters"
    assert by_type["orderapi:cloudwatch:MetricAlarm"] == len(our_alarms(aws)), "state and CloudWatch disagree"
    for child in children:
        assert child.get("parent") == components[0]["urn"], f"{child['urn']} has parent {child.get('parent')}"
        assert child.get("provider") in providers, f"{child['urn']} has provider {child.get('provider')}"


# --------------------------------------------------------------------------------------------------------------------
# what AWS holds


def test_availability_zone_spread(deployed: dict[str, Any], aws: Aws) -> None:
    """Three zones: a public and a private subnet in each, the ALB in all three, the ECS service's subnets in all
    three, and the Aurora writer and two readers each in a different zone."""
    zones = deployed["availabilityZones"]
    assert len(set(zones)) == 3, f"zones {zones}"
    for tier in ("public", "private"):
        subnets = aws.ec2.describe_subnets(SubnetIds=subnet_ids(aws.ec2, tier))["Subnets"]
        assert sorted(s["AvailabilityZone"] for s in subnets) == sorted(zones), f"{tier} subnets' zones"
    alb_zones = sorted(z["ZoneName"] for z in load_balancer(aws)["AvailabilityZones"])
    assert alb_zones == sorted(zones), f"ALB zones {alb_zones}"
    service_subnets = ecs_service(aws)["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
    service_zones = [s["AvailabilityZone"] for s in aws.ec2.describe_subnets(SubnetIds=service_subnets)["Subnets"]]
    assert sorted(service_zones) == sorted(zones), f"service subnets' zones {service_zones}"
    instance_zones = [i["AvailabilityZone"] for i in db_instances(aws)]
    assert len(instance_zones) == 3 and len(set(instance_zones)) == 3, f"Aurora instances' zones {instance_zones}"
    assert set(instance_zones) <= set(zones)


def test_names_and_tags_on_every_taggable_resource(deployed: dict[str, Any], aws: Aws) -> None:
    """Every taggable resource of every service, found by its ``<type>-<env>-<suffix>`` name, carries the standard
    tags and the user's tag. (Metric filters, WAF associations, scaling policies and dashboards are not taggable
    kinds here.) The scalable target's tags need the project's emulator patch (moto lacks Application Auto Scaling
    tagging)."""
    tagged: dict[str, dict[str, str]] = {}
    ec2 = aws.ec2
    for kind, listing in EC2_LISTINGS.items():
        for item in listing.live(ec2):
            name = tags_of(item).get("Name", "")
            if NAME in name:
                tagged[f"ec2 {name}"] = tags_of(item)
    for qualifier in ("alb", "tasks", "db"):
        tagged[f"ec2 secgrp-{qualifier}-{NAME}"] = tags_of(security_group(ec2, qualifier))

    cluster = aws.ecs.describe_clusters(clusters=[f"ecs-{NAME}"], include=["TAGS"])["clusters"][0]
    for label, arn in {
        f"ecs cluster ecs-{NAME}": cluster["clusterArn"],
        f"ecs service svc-{NAME}": ecs_service(aws)["serviceArn"],
        f"ecs task definition task-{NAME}": task_definition(aws)["taskDefinition"]["taskDefinitionArn"],
    }.items():
        tagged[label] = as_dict(aws.ecs.list_tags_for_resource(resourceArn=arn)["tags"], "key", "value")

    lb = load_balancer(aws)
    listeners = aws.elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    rules = [
        r
        for listener in listeners
        for r in aws.elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
        if not r["IsDefault"]
    ]
    elb_arns = {
        f"elbv2 alb-{NAME}": lb["LoadBalancerArn"],
        f"elbv2 tg-blue-{NAME}": target_group(aws, "blue")["TargetGroupArn"],
        f"elbv2 tg-green-{NAME}": target_group(aws, "green")["TargetGroupArn"],
        **{f"elbv2 listener :{l['Port']}": l["ListenerArn"] for l in listeners},
        **{f"elbv2 rule {r['Priority']}": r["RuleArn"] for r in rules},
    }
    descriptions = aws.elbv2.describe_tags(ResourceArns=list(elb_arns.values()))["TagDescriptions"]
    by_arn = {d["ResourceArn"]: as_dict(d["Tags"]) for d in descriptions}
    tagged.update({label: by_arn.get(arn, {}) for label, arn in elb_arns.items()})

    acl, _ = web_acl(aws)
    waf_tags = aws.wafv2.list_tags_for_resource(ResourceARN=acl["ARN"])["TagInfoForResource"]["TagList"]
    tagged[f"wafv2 waf-{NAME}"] = as_dict(waf_tags)

    tagged[f"rds aurora-{NAME}"] = as_dict(db_cluster(aws)["TagList"])
    for instance in db_instances(aws):
        tagged[f"rds {instance['DBInstanceIdentifier']}"] = as_dict(instance.get("TagList"))
    group = aws.rds.describe_db_subnet_groups(DBSubnetGroupName=f"dbsubnet-{NAME}")["DBSubnetGroups"][0]
    group_tags = aws.rds.list_tags_for_resource(ResourceName=group["DBSubnetGroupArn"])["TagList"]
    tagged[f"rds dbsubnet-{NAME}"] = as_dict(group_tags)

    secret = aws.secretsmanager.describe_secret(SecretId=f"secret-app-{NAME}")
    tagged[f"secretsmanager secret-app-{NAME}"] = as_dict(secret.get("Tags"))
    for name in parameters(aws):
        parameter_tags = aws.ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
        tagged[f"ssm {name}"] = as_dict(parameter_tags)
    topic_tags = aws.sns.list_tags_for_resource(ResourceArn=deployed["alarmTopicArn"])["Tags"]
    tagged[f"sns sns-alarms-{NAME}"] = as_dict(topic_tags)
    for name, alarm in our_alarms(aws).items():
        alarm_tags = aws.cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
        tagged[f"cloudwatch {name}"] = as_dict(alarm_tags)
    for group in (f"logs-{NAME}", f"logs-flow-{NAME}"):
        log_group = aws.logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]
        group_arn = log_group["arn"].removesuffix(":*")
        tagged[f"logs {group}"] = aws.logs.list_tags_for_resource(resourceArn=group_arn)["tags"]
    key_id = aws.kms.describe_key(KeyId=f"alias/kms-alarms-{NAME}")["KeyMetadata"]["KeyId"]
    bucket = f"s3-alblogs-{ACCOUNT}-{REGION}-{NAME}"
    tagged[f"s3 {bucket}"] = as_dict(aws.s3.get_bucket_tagging(Bucket=bucket)["TagSet"])
    tagged[f"kms kms-alarms-{NAME}"] = as_dict(aws.kms.list_resource_tags(KeyId=key_id)["Tags"], "TagKey", "TagValue")
    repository = aws.ecr.describe_repositories(repositoryNames=[f"ecr-{NAME}"])["repositories"][0]
    tagged[f"ecr ecr-{NAME}"] = as_dict(aws.ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"])
    for role in ROLES.values():
        tagged[f"iam {role}"] = as_dict(aws.iam.list_role_tags(RoleName=role)["Tags"])
    target = aws.application_autoscaling.describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[f"service/ecs-{NAME}/svc-{NAME}"]
    )["ScalableTargets"][0]
    tagged["application-autoscaling scalable target"] = aws.application_autoscaling.list_tags_for_resource(
        ResourceARN=target["ScalableTargetARN"]
    )["Tags"]

    network = sum(n for t, n in EXPECTED_CHILDREN.items() if t.startswith("orderapi:ec2:"))
    assert sum(label.startswith("ec2 ") for label in tagged) == network, f"EC2 items found: {sorted(tagged)}"
    wrong = {label: missing_tags(tags) for label, tags in tagged.items() if missing_tags(tags)}
    assert not wrong, f"resources with wrong or missing tags (expected {EXPECTED_TAGS}): {wrong}"


def test_every_name_ends_with_environment_and_suffix(deployed: dict[str, Any], moto: MotoServer, aws: Aws) -> None:
    """Every physical name (or EC2 ``Name`` tag) of the deployment ends with ``-<env>-<suffix>``: a qualifier belongs
    to the type part (``tg-blue-<env>-<suffix>``, not ``tg-<env>-<suffix>-blue``), so one suffix filter finds all of
    a deployment's resources. Checked over everything the emulator lists (platform_inventory), plus the scaling
    policies and the metric filter, which it does not list; in a path or ARN-like name (SSM parameters, scalable
    targets, task definition revisions) every segment that carries the deployment's name must end with it. The
    alarms Application Auto Scaling creates for the target-tracking policies are AWS's, named by AWS."""
    names = [(kind, name) for kind, found in platform_inventory(moto).items() for name in found]
    policies = aws.application_autoscaling.describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=f"service/ecs-{NAME}/svc-{NAME}"
    )["ScalingPolicies"]
    names += [("application-autoscaling:scaling_policies", p["PolicyName"]) for p in policies]
    filters = list_all(aws.logs, "describe_metric_filters", "metricFilters", logGroupName=f"logs-{NAME}")
    names += [("logs:metric_filters", f["filterName"]) for f in filters]
    # Application Auto Scaling names the alarms of a target-tracking policy itself (TargetTracking-<resource id>-...).
    ours = [(kind, name) for kind, name in names if NAME in name and not name.startswith("TargetTracking-")]
    kinds = {kind.split("(")[0] for kind, _ in ours}
    wanted_kinds = {
        *(f"ec2:{kind}" for kind in EC2_LISTINGS),
        "ec2:security_groups",
        "ecs:clusters",
        "ecs:services",
        "ecs:task_definitions",
        "rds:clusters",
        "rds:instances",
        "rds:subnet_groups",
        "elbv2:load_balancers",
        "elbv2:target_groups",
        "wafv2:web_acls",
        "secretsmanager:secrets",
        "ssm:parameters",
        "sns:topics",
        "cloudwatch:alarms",
        "cloudwatch:dashboards",
        "logs:log_groups",
        "ecr:repositories",
        "iam:roles",
        "application-autoscaling:scalable_targets",
        "application-autoscaling:scaling_policies",
        "logs:metric_filters",
    }
    assert wanted_kinds <= kinds, f"no name containing {NAME} among {sorted(wanted_kinds - kinds)}"
    wrong = [
        f"{kind} {name}"
        for kind, name in ours
        if any(NAME in part and not part.endswith(f"-{NAME}") for part in re.split(r"[/:]", name))
    ]
    assert not wrong, f"names that do not end with -{NAME}: {wrong}"


def test_ecs_cluster(deployed: dict[str, Any], aws: Aws) -> None:
    """Container Insights on; FARGATE and FARGATE_SPOT; the default strategy puts at least half the tasks on Spot."""
    cluster = aws.ecs.describe_clusters(clusters=[f"ecs-{NAME}"], include=["SETTINGS", "CONFIGURATIONS"])["clusters"][0]
    assert cluster["status"] == "ACTIVE"
    assert as_dict(cluster.get("settings"), "name", "value").get("containerInsights") == "enabled"
    assert sorted(cluster.get("capacityProviders") or []) == ["FARGATE", "FARGATE_SPOT"]
    assert_spot_majority(cluster.get("defaultCapacityProviderStrategy") or [], "cluster default strategy")
    assert deployed["ecsClusterName"] == f"ecs-{NAME}"


def test_ecs_service(deployed: dict[str, Any], aws: Aws) -> None:
    """The service runs the task definition in the private subnets with the tasks' security group and no public IP,
    behind the blue target group, with the advanced configuration that lets ECS shift traffic to green.

    moto does not echo the service's capacity provider strategy or its deployment configuration (strategy, bake time,
    rollback alarm): the Spot split is checked on the cluster's default strategy (test_ecs_cluster) and, when moto
    reports one, on the service's own."""
    service = ecs_service(aws)
    assert service["status"] == "ACTIVE" and service["serviceArn"] == deployed["ecsServiceArn"]
    assert service["taskDefinition"] == task_definition(aws)["taskDefinition"]["taskDefinitionArn"]
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    assert sorted(network["subnets"]) == sorted(subnet_ids(aws.ec2, "private"))
    assert network["securityGroups"] == [security_group(aws.ec2, "tasks")["GroupId"]]
    assert network.get("assignPublicIp") == "DISABLED"
    if service.get("capacityProviderStrategy"):
        assert_spot_majority(service["capacityProviderStrategy"], "service strategy")

    [balancer] = service["loadBalancers"]
    assert balancer["targetGroupArn"] == deployed["blueTargetGroupArn"]
    assert (balancer["containerName"], balancer["containerPort"]) == ("orderapi", CONTAINER_PORT)
    advanced = balancer.get("advancedConfiguration") or {}
    assert advanced.get("alternateTargetGroupArn") == deployed["greenTargetGroupArn"], f"advanced: {advanced}"
    assert advanced.get("productionListenerRule") == deployed["listenerRuleArn"]
    assert advanced.get("roleArn") == aws.iam.get_role(RoleName=ROLES["ecs-infra"])["Role"]["Arn"]


def test_task_definition(deployed: dict[str, Any], aws: Aws, payment_api_key: str) -> None:
    """Fargate task: cpu/memory; the image from our ECR repository with the configured tag; awslogs into our log
    group; every configuration value and secret through ``secrets`` (SSM parameter and Secrets Manager ARNs), none as
    a plain environment value; our execution and task roles. moto cannot show ECS resolving those references."""
    definition = task_definition(aws)["taskDefinition"]
    assert (definition["cpu"], definition["memory"]) == (str(CPU), str(MEMORY))
    assert "FARGATE" in definition.get("requiresCompatibilities", []) and definition["networkMode"] == "awsvpc"
    assert definition["executionRoleArn"] == aws.iam.get_role(RoleName=ROLES["execution"])["Role"]["Arn"]
    assert definition["taskRoleArn"] == aws.iam.get_role(RoleName=ROLES["task"])["Role"]["Arn"]
    [container] = definition["containerDefinitions"]
    assert container["image"] == f"{deployed['ecrRepositoryUrl']}:{IMAGE_TAG}"
    assert {"containerPort": CONTAINER_PORT}.items() <= container["portMappings"][0].items()

    logging = container["logConfiguration"]
    assert logging["logDriver"] == "awslogs"
    assert logging["options"]["awslogs-group"] == f"logs-{NAME}"
    assert logging["options"].get("awslogs-region") == REGION

    value_from = {s["name"]: s["valueFrom"] for s in container.get("secrets") or []}
    params = parameters(aws)
    for name in USER_ENVIRONMENT:
        assert value_from.get(name) == params[f"{PARAMETER_PATH}{name}"]["ARN"], f"{name}: {value_from.get(name)}"
    assert value_from.get(SECRET_NAME, "").startswith(deployed["appSecretArn"]), value_from
    database_refs = [v for v in value_from.values() if v.startswith(deployed["dbSecretArn"])]
    assert database_refs, f"no secret reads the database credentials ({deployed['dbSecretArn']}): {value_from}"
    environment = {e["name"]: e["value"] for e in container.get("environment") or []}
    leaked = set(environment) & (set(USER_ENVIRONMENT) | {SECRET_NAME})
    assert not leaked, f"configuration passed as plain environment instead of secrets: {leaked}"
    assert payment_api_key not in json.dumps(definition), "the secret's value is in the task definition"


def test_load_balancer_and_target_groups(deployed: dict[str, Any], aws: Aws) -> None:
    """An internet-facing application load balancer in the three public subnets with the ALB security group; blue and
    green IP target groups on the container port with ``/health`` checks and the deregistration delay. moto runs no
    health checks."""
    lb = load_balancer(aws)
    assert (lb["Scheme"], lb["Type"]) == ("internet-facing", "application")
    assert sorted(z["SubnetId"] for z in lb["AvailabilityZones"]) == sorted(subnet_ids(aws.ec2, "public"))
    assert lb["SecurityGroups"] == [security_group(aws.ec2, "alb")["GroupId"]]
    assert (lb["DNSName"], lb["LoadBalancerArn"]) == (deployed["albDnsName"], deployed["albArn"])
    vpc_id = deployed["vpcId"]
    for color in ("blue", "green"):
        tg = target_group(aws, color)
        assert tg["TargetGroupArn"] == deployed[f"{color}TargetGroupArn"]
        assert (tg["TargetType"], tg["Protocol"], tg["Port"], tg["VpcId"]) == ("ip", "HTTP", CONTAINER_PORT, vpc_id)
        assert tg["HealthCheckPath"] == "/health" and tg.get("HealthCheckEnabled", True)
        described = aws.elbv2.describe_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"])
        attributes = as_dict(described["Attributes"])
        assert attributes["deregistration_delay.timeout_seconds"] == str(DEREGISTRATION_DELAY), f"{color}: {attributes}"


def test_listener_and_path_rule(deployed: dict[str, Any], aws: Aws) -> None:
    """HTTP on 80 (no certificate in the example) answering 404 by default; one rule for the order API's paths
    forwarding blue 100 / green 0. moto cannot show ECS shifting these weights during a deployment."""
    listeners = aws.elbv2.describe_listeners(LoadBalancerArn=deployed["albArn"])["Listeners"]
    assert [(l["Port"], l["Protocol"]) for l in listeners] == [(80, "HTTP")]
    [default] = listeners[0]["DefaultActions"]
    assert default["Type"] == "fixed-response" and default["FixedResponseConfig"]["StatusCode"] == "404"
    all_rules = aws.elbv2.describe_rules(ListenerArn=listeners[0]["ListenerArn"])["Rules"]
    rules = [r for r in all_rules if not r["IsDefault"]]
    assert [r["RuleArn"] for r in rules] == [deployed["listenerRuleArn"]]
    [condition] = rules[0]["Conditions"]
    patterns = (condition.get("PathPatternConfig") or {}).get("Values") or condition.get("Values")
    assert condition["Field"] == "path-pattern" and sorted(patterns) == sorted(PATH_PATTERNS)
    [action] = rules[0]["Actions"]
    weights = {tg["TargetGroupArn"]: tg["Weight"] for tg in action["ForwardConfig"]["TargetGroups"]}
    assert weights == {deployed["blueTargetGroupArn"]: 100, deployed["greenTargetGroupArn"]: 0}


def test_waf(deployed: dict[str, Any], aws: Aws) -> None:
    """The regional web ACL allows by default, blocks an IP over 100 requests in a 300 s window, applies the three
    AWS managed rule groups, has CloudWatch metrics on everywhere, and is associated with the ALB. moto evaluates no
    request."""
    acl, _ = web_acl(aws)
    assert acl["ARN"] == deployed["webAclArn"] and "Allow" in acl["DefaultAction"]
    rate = rate_rule(acl)
    statement = rate["Statement"]["RateBasedStatement"]
    assert (statement["Limit"], statement["AggregateKeyType"]) == (RATE_LIMIT, "IP")
    assert statement.get("EvaluationWindowSec", 300) == RATE_WINDOW and "Block" in rate["Action"]
    statements = [r["Statement"] for r in acl["Rules"]]
    groups = [st["ManagedRuleGroupStatement"] for st in statements if "ManagedRuleGroupStatement" in st]
    assert [(g["VendorName"], g["Name"]) for g in groups] == [("AWS", name) for name in MANAGED_RULE_GROUPS]
    off = [r["Name"] for r in acl["Rules"] if not r["VisibilityConfig"]["CloudWatchMetricsEnabled"]]
    assert acl["VisibilityConfig"]["CloudWatchMetricsEnabled"] and not off, f"metrics off on {off or 'the ACL'}"
    associated = aws.wafv2.get_web_acl_for_resource(ResourceArn=deployed["albArn"]).get("WebACL") or {}
    assert associated.get("ARN") == acl["ARN"], f"the ALB is associated with {associated.get('ARN')}"


def test_autoscaling(deployed: dict[str, Any], aws: Aws) -> None:
    """The service scales between min and max tasks, tracking CPU at 70% and PendingOrders per task (the service's
    own metric in its namespace). moto never fires the tracking alarms."""
    resource_id = f"service/ecs-{NAME}/svc-{NAME}"
    [target] = aws.application_autoscaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource_id])[
        "ScalableTargets"
    ]
    assert (target["ScalableDimension"], target["MinCapacity"], target["MaxCapacity"]) == (
        "ecs:service:DesiredCount",
        MIN_COUNT,
        MAX_COUNT,
    )
    policies = aws.application_autoscaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource_id)[
        "ScalingPolicies"
    ]
    by_name = {p["PolicyName"]: p for p in policies}
    assert sorted(by_name) == sorted([f"scale-cpu-{NAME}", f"scale-pending-orders-{NAME}"])
    assert {p["PolicyType"] for p in policies} == {"TargetTrackingScaling"}
    cpu = by_name[f"scale-cpu-{NAME}"]["TargetTrackingScalingPolicyConfiguration"]
    assert cpu["TargetValue"] == CPU_TARGET
    assert cpu["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ECSServiceAverageCPUUtilization"
    pending = by_name[f"scale-pending-orders-{NAME}"]["TargetTrackingScalingPolicyConfiguration"]
    metric = pending["CustomizedMetricSpecification"]
    assert pending["TargetValue"] == PENDING_ORDERS_TARGET
    assert (metric["Namespace"], metric["MetricName"]) == (NAMESPACE, "PendingOrders")
    assert as_dict(metric.get("Dimensions"), "Name", "Value") == {"ServiceName": f"svc-{NAME}"}


def test_aurora(deployed: dict[str, Any], aws: Aws) -> None:
    """Aurora MySQL: encrypted, 7-day backups in the backup window, the maintenance window, an RDS-managed master
    password (its secret's ARN is an output), the DB security group and subnet group over the private subnets; a
    writer and two readers. moto makes everything ``available`` at once and never rotates the secret."""
    cluster = db_cluster(aws)
    assert cluster["Engine"] == "aurora-mysql" and cluster["StorageEncrypted"] is True
    backups = cluster["BackupRetentionPeriod"], cluster["PreferredBackupWindow"], cluster["PreferredMaintenanceWindow"]
    assert backups == (BACKUP_RETENTION, BACKUP_WINDOW, MAINTENANCE_WINDOW)
    assert cluster.get("DatabaseName") == DATABASE_NAME and cluster.get("DeletionProtection") is False
    assert (cluster.get("MasterUserSecret") or {}).get("SecretArn") == deployed["dbSecretArn"]
    assert [g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]] == [security_group(aws.ec2, "db")["GroupId"]]
    assert cluster["DBSubnetGroup"] == f"dbsubnet-{NAME}"
    group = aws.rds.describe_db_subnet_groups(DBSubnetGroupName=f"dbsubnet-{NAME}")["DBSubnetGroups"][0]
    assert sorted(s["SubnetIdentifier"] for s in group["Subnets"]) == sorted(subnet_ids(aws.ec2, "private"))
    assert cluster["Endpoint"] == deployed["rdsClusterEndpoint"]
    assert cluster["ReaderEndpoint"] == deployed["rdsReaderEndpoint"]

    instances = db_instances(aws)
    names = [i["DBInstanceIdentifier"] for i in instances]
    readers = [f"aurora-reader-{n}-{NAME}" for n in range(1, READER_COUNT + 1)]
    assert names == sorted([f"aurora-writer-{NAME}", *readers])
    writers = {m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"] if m["IsClusterWriter"]}
    assert writers == {f"aurora-writer-{NAME}"}, f"cluster members: {cluster['DBClusterMembers']}"
    for instance in instances:
        assert instance["Engine"] == "aurora-mysql" and instance.get("PubliclyAccessible") is False, instance


def test_app_secret_and_parameters(deployed: dict[str, Any], aws: Aws, payment_api_key: str) -> None:
    """The app secret holds the service's secrets as JSON; SSM holds the user's environment, the DB endpoints and the
    metric namespace under the platform's path."""
    secret = aws.secretsmanager.describe_secret(SecretId=f"secret-app-{NAME}")
    assert secret["ARN"] == deployed["appSecretArn"]
    value = aws.secretsmanager.get_secret_value(SecretId=f"secret-app-{NAME}")["SecretString"]
    assert json.loads(value) == {SECRET_NAME: payment_api_key}

    params = parameters(aws)
    assert deployed["configParameterPath"] == PARAMETER_PATH
    for name, wanted in USER_ENVIRONMENT.items():
        assert params.get(f"{PARAMETER_PATH}{name}", {}).get("Value") == wanted, f"{name}: {sorted(params)}"
    values = {p["Value"] for p in params.values()}
    for what, wanted in {
        "writer endpoint": deployed["rdsClusterEndpoint"],
        "reader endpoint": deployed["rdsReaderEndpoint"],
        "metric namespace": NAMESPACE,
    }.items():
        assert wanted in values, f"no parameter under {PARAMETER_PATH} holds the {what} {wanted}: {sorted(params)}"
    assert payment_api_key not in values, "the secret's value is in a plain parameter"


def test_topic_and_alarms(deployed: dict[str, Any], aws: Aws) -> None:
    """The alarm topic with the email subscription; the 5xx-rate alarm (metric math over both target groups' 5xx and
    request counts), the DB-connections and WAF-blocked alarms, every one notifying the topic. moto sends no
    confirmation mail (the subscription stays pending in AWS until confirmed) and never changes an alarm's state."""
    topic = deployed["alarmTopicArn"]
    assert topic.endswith(f":sns-alarms-{NAME}")
    subscriptions = aws.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", ALARM_EMAIL)]

    alarms = our_alarms(aws)
    assert set(ALARMS.values()) <= set(alarms), f"alarms: {sorted(alarms)}"
    for name, alarm in alarms.items():
        assert topic in alarm.get("AlarmActions", []), f"{name} does not notify the topic: {alarm.get('AlarmActions')}"

    rate = alarms[ALARMS["5xx-rate"]]
    expressions = [q["Expression"] for q in rate.get("Metrics") or [] if q.get("Expression")]
    assert expressions, "the 5xx-rate alarm must be metric math (a rate), not a raw count"
    assert rate["Threshold"] == ERROR_RATE_PERCENT
    metrics = alarm_metrics(rate)
    suffixes = {arn.split(":")[-1] for arn in (deployed["blueTargetGroupArn"], deployed["greenTargetGroupArn"])}
    for metric_name in ("HTTPCode_Target_5XX_Count", "RequestCount"):
        groups = {dims.get("TargetGroup") for ns, m, dims in metrics if (ns, m) == ("AWS/ApplicationELB", metric_name)}
        assert groups >= suffixes, f"{metric_name} must cover both target groups {suffixes}, covers {groups}"

    connections = alarm_metrics(alarms[ALARMS["db-connections"]])
    assert any(
        (ns, m) == ("AWS/RDS", "DatabaseConnections") and dims.get("DBClusterIdentifier") == f"aurora-{NAME}"
        for ns, m, dims in connections
    ), connections
    assert alarms[ALARMS["db-connections"]]["Threshold"] == DB_CONNECTIONS_THRESHOLD
    blocked = alarm_metrics(alarms[ALARMS["waf-blocked"]])
    assert any(
        (ns, m) == ("AWS/WAFV2", "BlockedRequests") and dims.get("WebACL") == f"waf-{NAME}" for ns, m, dims in blocked
    ), blocked


def test_dashboard(deployed: dict[str, Any], aws: Aws) -> None:
    """The dashboard's widgets chart task count, CPU, memory, requests, latency p50/p95/p99, 5xx, WAF allowed and
    blocked, DB connections and CPU, and PendingOrders. moto stores the body and renders nothing."""
    assert deployed["dashboardName"] == f"dash-{NAME}"
    body = json.loads(aws.cloudwatch.get_dashboard(DashboardName=f"dash-{NAME}")["DashboardBody"])
    pairs, stats = dashboard_metrics(body)
    wanted = {
        "task count": {("ECS/ContainerInsights", "RunningTaskCount"), ("ECS/ContainerInsights", "DesiredTaskCount")},
        "service CPU": {("AWS/ECS", "CPUUtilization"), ("ECS/ContainerInsights", "CpuUtilized")},
        "service memory": {("AWS/ECS", "MemoryUtilization"), ("ECS/ContainerInsights", "MemoryUtilized")},
        "requests": {("AWS/ApplicationELB", "RequestCount"), ("AWS/ApplicationELB", "RequestCountPerTarget")},
        "latency": {("AWS/ApplicationELB", "TargetResponseTime")},
        "5xx": {("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"), ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count")},
        "WAF allowed": {("AWS/WAFV2", "AllowedRequests")},
        "WAF blocked": {("AWS/WAFV2", "BlockedRequests")},
        "DB connections": {("AWS/RDS", "DatabaseConnections")},
        "DB CPU": {("AWS/RDS", "CPUUtilization")},
        "PendingOrders": {(NAMESPACE, "PendingOrders")},
    }
    missing = [what for what, options in wanted.items() if not options & pairs]
    assert not missing, f"the dashboard charts no {missing}; it charts {sorted(pairs)}"
    assert {"p50", "p95", "p99"} <= stats, f"latency percentiles missing; statistics used: {sorted(stats)}"


def test_hardening_defaults(deployed: dict[str, Any], aws: Aws) -> None:
    """The production-hardening defaults, as AWS holds them: immutable image tags; no public IP on launch in the
    public subnets; Aurora copies its tags to snapshots; the alarm topic is encrypted with the platform's key,
    whose policy lets CloudWatch alarms use it (moto stores key policies but never evaluates them); the VPC's
    flows (all of them) go to the flow log group through the delivery role."""
    repository = aws.ecr.describe_repositories(repositoryNames=[f"ecr-{NAME}"])["repositories"][0]
    assert repository["imageTagMutability"] == "IMMUTABLE"
    public = [s for s in aws.ec2.describe_subnets(SubnetIds=deployed["publicSubnetIds"])["Subnets"]]
    assert [s["MapPublicIpOnLaunch"] for s in public] == [False] * 3
    assert db_cluster(aws)["CopyTagsToSnapshot"] is True

    key = aws.kms.describe_key(KeyId=f"alias/kms-alarms-{NAME}")["KeyMetadata"]
    topic = aws.sns.get_topic_attributes(TopicArn=deployed["alarmTopicArn"])["Attributes"]
    assert topic.get("KmsMasterKeyId") == key["Arn"], topic
    assert aws.kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
    policy = json.loads(aws.kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    cloudwatch = [
        s for s in policy["Statement"] if "cloudwatch.amazonaws.com" in json.dumps(s.get("Principal", {}))
    ]
    assert cloudwatch and {"kms:Decrypt"} <= set(listify(cloudwatch[0]["Action"])), policy

    [flow_log] = [
        f for f in aws.ec2.describe_flow_logs()["FlowLogs"] if f["ResourceId"] == deployed["vpcId"]
    ]
    assert flow_log["TrafficType"] == "ALL"
    assert flow_log["LogGroupName"] == deployed["flowLogGroupName"] == f"logs-flow-{NAME}"
    assert flow_log["DeliverLogsPermissionArn"] == aws.iam.get_role(RoleName=ROLES["flowlogs"])["Role"]["Arn"]
    group = aws.logs.describe_log_groups(logGroupNamePrefix=f"logs-flow-{NAME}")["logGroups"][0]
    assert group["retentionInDays"] == 90

    # Access logs: the load balancer writes to the platform's private, encrypted, expiring bucket.
    bucket = deployed["accessLogBucket"]
    # Bucket names are global across AWS: the account and region keep the platform's from colliding.
    assert bucket == f"s3-alblogs-{ACCOUNT}-{REGION}-{NAME}"
    attributes = {
        a["Key"]: a["Value"]
        for a in aws.elbv2.describe_load_balancer_attributes(LoadBalancerArn=deployed["albArn"])["Attributes"]
    }
    assert attributes.get("access_logs.s3.enabled") == "true", attributes
    assert attributes.get("access_logs.s3.bucket") == bucket and attributes.get("access_logs.s3.prefix") == "alb"
    encryption = aws.s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = aws.s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4, block
    [rule] = aws.s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["Expiration"]["Days"] == 90 and rule["Status"] == "Enabled", rule
    policy = json.loads(aws.s3.get_bucket_policy(Bucket=bucket)["Policy"])
    statements = {s.get("Sid", ""): s for s in policy["Statement"]}
    assert any(
        s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s.get("Condition", {}))
        for s in statements.values()
    ), policy
    writers = [s for s in statements.values() if s["Effect"] == "Allow"]
    assert writers and all(
        listify(s["Action"]) == ["s3:PutObject"] and all("/alb/AWSLogs/" in r for r in listify(s["Resource"]))
        for s in writers
    ), policy


def test_iam_roles_are_least_privilege(deployed: dict[str, Any], aws: Aws) -> None:
    """The execution, task and ECS infrastructure roles trust only their service; their inline policies name only
    the platform's own ARNs, except the actions AWS offers no resource-level permission for
    (ecr:GetAuthorizationToken, cloudwatch:PutMetricData -- with a namespace condition -- and the ELB Describe
    calls); no managed policy is attached. moto stores the policies but never evaluates them."""
    principals = {
        "execution": "ecs-tasks.amazonaws.com",
        "task": "ecs-tasks.amazonaws.com",
        "ecs-infra": "ecs.amazonaws.com",
        "flowlogs": "vpc-flow-logs.amazonaws.com",
    }
    ours = (NAME, deployed["dbSecretArn"], deployed["appSecretArn"])
    for what, role_name in ROLES.items():
        role = aws.iam.get_role(RoleName=role_name)["Role"]
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        trusted = {p for s in trust["Statement"] for p in listify((s.get("Principal") or {}).get("Service", []))}
        assert trusted == {principals[what]}, f"{role_name} trusts {trusted}"
        assert list_all(aws.iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role_name) == []
        documents = role_policies(aws, role_name)
        assert documents, f"{role_name} has no inline policy"
        for policy_name, document in documents.items():
            for statement in listify(document["Statement"]):
                assert statement["Effect"] == "Allow", f"{role_name}/{policy_name}: {statement}"
                actions, resources = listify(statement["Action"]), listify(statement["Resource"])
                where = f"{role_name}/{policy_name} {statement.get('Sid', '')}"
                if "*" in resources:
                    assert resources == ["*"], f"{where}: `*` mixed with ARNs {resources}"
                    unscoped = [a for a in actions if a not in STAR_ACTIONS and not a.startswith(STAR_ACTION_PREFIXES)]
                    assert not unscoped, f"{where} grants {unscoped} on `*`"
                    if "cloudwatch:PutMetricData" in actions:
                        condition = json.dumps(statement.get("Condition") or {})
                        assert "cloudwatch:namespace" in condition and NAMESPACE in condition, f"{where}: {condition}"
                else:
                    foreign = [r for r in resources if not any(mark in r for mark in ours)]
                    assert not foreign, f"{where} names resources that are not the platform's: {foreign}"
                assert not any(a.endswith(":*") or a == "*" for a in actions), f"{where}: wildcard action {actions}"


def ingress(group: Mapping[str, Any]) -> set[tuple[int, int, str]]:
    """(from port, to port, peer) of every ingress permission; the peer is a CIDR or a security group id."""
    rules = set()
    for permission in group.get("IpPermissions") or []:
        assert permission["IpProtocol"] == "tcp", f"{group['GroupName']}: {permission}"
        for peer in permission.get("IpRanges") or []:
            rules.add((permission["FromPort"], permission["ToPort"], peer["CidrIp"]))
        for peer in permission.get("UserIdGroupPairs") or []:
            rules.add((permission["FromPort"], permission["ToPort"], peer["GroupId"]))
        assert not permission.get("Ipv6Ranges") and not permission.get("PrefixListIds"), permission
    return rules


def test_security_group_graph(deployed: dict[str, Any], aws: Aws) -> None:
    """Internet → ALB on 80 and 443 only; ALB → tasks on the app port only; tasks → Aurora on 3306 only; the
    database starts no connections. moto does not filter packets by these rules."""
    alb, tasks, db = (security_group(aws.ec2, q) for q in ("alb", "tasks", "db"))
    for group in (alb, tasks, db):
        assert group["VpcId"] == deployed["vpcId"], group["GroupName"]
    assert ingress(alb) == {(80, 80, "0.0.0.0/0"), (443, 443, "0.0.0.0/0")}
    assert ingress(tasks) == {(CONTAINER_PORT, CONTAINER_PORT, alb["GroupId"])}
    assert ingress(db) == {(DB_PORT, DB_PORT, tasks["GroupId"])}
    assert db.get("IpPermissionsEgress") == [], f"the database's egress: {db.get('IpPermissionsEgress')}"
    alb_egress = {(p.get("FromPort"), p.get("ToPort")) for p in alb.get("IpPermissionsEgress") or []}
    assert alb_egress == {(CONTAINER_PORT, CONTAINER_PORT)}, f"the ALB may only reach the tasks: {alb_egress}"


def test_outputs_match_aws(deployed: dict[str, Any], aws: Aws) -> None:
    """Every platform output is what boto3 sees."""
    lb, acl = load_balancer(aws), web_acl(aws)[0]
    repository = aws.ecr.describe_repositories(repositoryNames=[f"ecr-{NAME}"])["repositories"][0]
    cluster = db_cluster(aws)
    dashboards = aws.cloudwatch.list_dashboards(DashboardNamePrefix=f"dash-{NAME}")["DashboardEntries"]
    topics = [dict(t, Name=t["TopicArn"].rsplit(":", 1)[-1]) for t in list_all(aws.sns, "list_topics", "Topics")]
    expected = {
        "vpcId": ec2_named(aws.ec2, "vpcs", f"vpc-{NAME}")["VpcId"],
        "publicSubnetIds": subnet_ids(aws.ec2, "public"),
        "privateSubnetIds": subnet_ids(aws.ec2, "private"),
        "natGatewayIds": [ec2_named(aws.ec2, "nat_gateways", f"nat-{az}-{NAME}")["NatGatewayId"] for az in "abc"],
        "internetGatewayId": ec2_named(aws.ec2, "internet_gateways", f"igw-{NAME}")["InternetGatewayId"],
        "albDnsName": lb["DNSName"],
        "albArn": lb["LoadBalancerArn"],
        "ecsServiceArn": ecs_service(aws)["serviceArn"],
        "ecsClusterName": f"ecs-{NAME}",
        "rdsClusterEndpoint": cluster["Endpoint"],
        "rdsReaderEndpoint": cluster["ReaderEndpoint"],
        "dbSecretArn": cluster["MasterUserSecret"]["SecretArn"],
        "appSecretArn": aws.secretsmanager.describe_secret(SecretId=f"secret-app-{NAME}")["ARN"],
        "ecrRepositoryUrl": repository["repositoryUri"],
        "blueTargetGroupArn": target_group(aws, "blue")["TargetGroupArn"],
        "greenTargetGroupArn": target_group(aws, "green")["TargetGroupArn"],
        "listenerRuleArn": next(
            r["RuleArn"]
            for l in aws.elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
            for r in aws.elbv2.describe_rules(ListenerArn=l["ListenerArn"])["Rules"]
            if not r["IsDefault"]
        ),
        "webAclArn": acl["ARN"],
        "dashboardName": named(dashboards, "DashboardName", f"dash-{NAME}")["DashboardName"],
        "alarmTopicArn": named(topics, "Name", f"sns-alarms-{NAME}")["TopicArn"],
        "configParameterPath": PARAMETER_PATH,
    }
    assert {key: deployed.get(key) for key in expected} == expected
    assert len(deployed["availabilityZones"]) == 3
    # The cost estimate: its lines add up to the total, each says how it was computed.
    lines = deployed["costBreakdown"]
    assert abs(sum(line["monthly"] for line in lines) - deployed["estimatedMonthlyCost"]) < 0.005
    nat = next(line for line in lines if line["item"] == "nat.hours")
    assert nat["quantity"] == 3 * 730 and abs(nat["monthly"] - round(nat["quantity"] * nat["unitPrice"], 2)) < 0.005


# --------------------------------------------------------------------------------------------------------------------
# lifecycle


def test_second_up_changes_nothing(deployed: dict[str, Any], stack: Stack) -> None:
    """Re-running the unchanged program against unchanged AWS plans no change (no phantom diffs in any kind)."""
    stack.up_expect_no_changes()


def test_image_tag_change_updates_only_task_definition_and_service(deployed: dict[str, Any], stack: Stack) -> None:
    """A new ``imageTag`` touches the task definition (a new revision) and the service (which runs it), nothing else
    (the component's own inputs change too)."""
    preview = preview_with(stack, "imageTag", "1.0.1", IMAGE_TAG)
    changes = changes_by_type(preview)
    assert {TASK_DEFINITION, SERVICE} <= set(changes), f"planned changes: {changes}"
    assert set(changes) <= {COMPONENT, TASK_DEFINITION, SERVICE}, f"planned changes: {changes}"
    stack.preview(expect_no_changes=True)


def test_max_count_change_updates_only_the_scalable_target(deployed: dict[str, Any], stack: Stack) -> None:
    """A new ``maxCount`` is an in-place update of the scalable target alone."""
    preview = preview_with(stack, "maxCount", str(MAX_COUNT + 8), str(MAX_COUNT))
    changes = changes_by_type(preview)
    assert changes.get(SCALABLE_TARGET) == {"update"}, f"planned changes: {changes}"
    assert set(changes) <= {COMPONENT, SCALABLE_TARGET}, f"planned changes: {changes}"


def test_suffix_change_previews_replacements(deployed: dict[str, Any], stack: Stack, moto: MotoServer) -> None:
    """A new ``environmentSuffix`` renames everything: the preview shows the named resources replaced (and changes
    nothing in AWS: the old names stay, no new name appears)."""
    before = {kind: sorted(names) for kind, names in platform_inventory(moto).items()}
    preview = preview_with(stack, "environmentSuffix", "e2e3", SUFFIX)
    changes = changes_by_type(preview)
    renamed = [
        "orderapi:elbv2:LoadBalancer",
        "orderapi:elbv2:TargetGroup",
        "orderapi:ec2:SecurityGroup",
        "orderapi:rds:Cluster",
        "orderapi:ecs:Cluster",
        SERVICE,
        "orderapi:ecr:Repository",
        "orderapi:logs:LogGroup",
        "orderapi:iam:Role",
        "orderapi:cloudwatch:MetricAlarm",
        "orderapi:cloudwatch:Dashboard",
    ]
    not_replaced = {t: changes.get(t) for t in renamed if not changes.get(t, set()) & REPLACE_OPS}
    assert not not_replaced, f"expected replacements of {not_replaced}; all planned changes: {changes}"
    after = {kind: sorted(names) for kind, names in platform_inventory(moto).items()}
    assert after == before, "a preview changed AWS"
    stack.preview(expect_no_changes=True)


def limits(value: Any) -> list[Any]:
    """Every value under a key named ``limit`` anywhere in ``value``."""
    if isinstance(value, Mapping):
        return [v for k, item in value.items() for v in ([item] if k.lower() == "limit" else limits(item))]
    if isinstance(value, list):
        return [v for item in value for v in limits(item)]
    return []


def test_waf_limit_drift_is_shown_by_refresh_and_repaired_by_up(
    deployed: dict[str, Any], stack: Stack, aws: Aws
) -> None:
    """Someone raises the WAF rate limit behind Pulumi's back: a preview-only refresh shows the web ACL changing
    from 100 to 500; refresh records it, and the next up puts 100 back, in place (same web ACL)."""
    acl, token = web_acl(aws)
    rules = json.loads(json.dumps(acl["Rules"]))
    rate_rule({"Rules": rules})["Statement"]["RateBasedStatement"]["Limit"] = 500
    aws.wafv2.update_web_acl(
        Name=acl["Name"],
        Scope="REGIONAL",
        Id=acl["Id"],
        DefaultAction=acl["DefaultAction"],
        Description=acl.get("Description") or "",
        Rules=rules,
        VisibilityConfig=acl["VisibilityConfig"],
        LockToken=token,
    )
    assert rate_rule(web_acl(aws)[0])["Statement"]["RateBasedStatement"]["Limit"] == 500

    result = stack.run(["refresh", "--preview-only", "--json", "--non-interactive"], check=True, timeout=600)
    digest = json.loads(result.stdout)
    acl_steps = [s for s in digest.get("steps") or [] if resource_type(s["urn"]) == WEB_ACL]
    assert acl_steps, f"the refresh preview has no step for the web ACL: {result.stdout[-4000:]}"
    [step] = acl_steps
    old, new = ((step.get(side) or {}).get("outputs") or {} for side in ("oldState", "newState"))
    assert RATE_LIMIT in limits(old) and 500 in limits(new), f"refresh does not show the drift: {step}"
    assert rate_rule(web_acl(aws)[0])["Statement"]["RateBasedStatement"]["Limit"] == 500, "refresh must only read"

    stack.refresh()
    stack.up()
    repaired, _ = web_acl(aws)
    assert repaired["ARN"] == acl["ARN"], "the web ACL was replaced instead of updated"
    assert rate_rule(repaired)["Statement"]["RateBasedStatement"]["Limit"] == RATE_LIMIT
    stack.up_expect_no_changes()


def test_destroy_leaves_nothing(deployed: dict[str, Any], stack: Stack, moto: MotoServer, aws: Aws) -> None:
    """Destroy removes every resource of every service (moto's lingering INACTIVE/deleted items aside), including
    the master-password secret RDS created for the cluster, and the state keeps no orderapi resource."""
    stack.destroy()
    assert_platform_gone(moto, NAME)
    secrets = [s["ARN"] for s in list_all(aws.secretsmanager, "list_secrets", "SecretList") if not s.get("DeletedDate")]
    assert deployed["dbSecretArn"] not in secrets, "the RDS-managed master secret outlived its cluster"
    managed = [item for listing in EC2_LISTINGS.values() for item in listing.live(aws.ec2) if is_managed(item)]
    assert not managed, f"EC2 items tagged ManagedBy remain: {managed}"
    assert [r["urn"] for r in stack.resources() if r["type"].startswith(("orderapi:", PROVIDER))] == []
