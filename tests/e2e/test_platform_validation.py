"""End to end: bad OrderApiPlatform input is refused by Check before anything reaches AWS.

The program ``tests/e2e/programs/platform-validation`` takes each group of the component's inputs (``service``,
``deployment``, ``loadBalancer``, ``waf``, ``database``, ``alarms``, ``tags``) whole from stack config, so a case is
one config file passed with ``pulumi --config-file``, and one stack serves every case. For each case ``pulumi
preview`` must exit non-zero naming the offending property (as ``<group>.<field>: <reason>``), and boto3 must then
list nothing in any service the platform uses (moto accepts many of these values itself -- it does not enforce
Fargate sizes, WAF limits or Aurora versions -- so only the provider's Check stands between them and the emulator).
A few cases also run ``pulumi up``. A control case shows the program and a valid config do preview.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import (
    REPO_ROOT,
    DEPLOY_TIMEOUT,
    MotoServer,
    Stack,
    StackFactory,
    platform_inventory,
    tail,
    write_config_file,
)

PROGRAM = REPO_ROOT / "tests" / "e2e" / "programs" / "platform-validation"
PROJECT = "orderapi-platform-validation"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0b5e4cd6-7f11-4a4c-9d3e-2f1c8e7a9b10"

#: (id, config of the program, the property the failure must name). The rules are args.rs's and naming.rs's.
CASES: list[tuple[str, dict[str, Any], str]] = [
    ("cpu-memory-not-a-fargate-pair", {"service": {"cpu": 256, "memory": 4096}}, "service.memory"),
    ("cpu-not-a-fargate-size", {"service": {"cpu": 300, "memory": 1024}}, "service.memory"),
    ("spot-share-below-half", {"service": {"spotWeight": 1, "onDemandWeight": 2}}, "service.spotWeight"),
    ("on-demand-base-eats-the-spot-share", {"service": {"onDemandBase": 3}}, "service.onDemandBase"),
    ("min-count-above-max-count", {"service": {"minCount": 5, "maxCount": 2, "desiredCount": 3}}, "service.maxCount"),
    ("desired-count-outside-min-max", {"service": {"desiredCount": 30}}, "service.desiredCount"),
    ("path-pattern-without-slash", {"service": {"pathPatterns": ["orders"]}}, "service.pathPatterns"),
    (
        "more-than-5-path-patterns",
        {"service": {"pathPatterns": ["/a", "/b", "/c", "/d", "/e", "/f"]}},
        "service.pathPatterns",
    ),
    ("health-check-path-without-slash", {"service": {"healthCheckPath": "health"}}, "service.healthCheckPath"),
    ("env-var-name-starting-with-digit", {"service": {"environment": {"1BAD": "x"}}}, "service.environment"),
    (
        "same-name-in-environment-and-secrets",
        {"service": {"environment": {"API_URL": "a"}, "secrets": {"API_URL": "b"}}},
        "service.secrets",
    ),
    ("reserved-env-var-name", {"service": {"environment": {"DB_HOST": "x"}}}, "service.environment"),
    ("bad-image-tag", {"service": {"imageTag": "-bad"}}, "service.imageTag"),
    ("image-and-image-tag", {"service": {"image": "nginx:1.27", "imageTag": "v1"}}, "service.imageTag"),
    ("log-retention-not-a-cloudwatch-period", {"service": {"logRetentionDays": 42}}, "service.logRetentionDays"),
    ("unknown-service-field", {"service": {"replicas": 3}}, "replicas"),
    ("unknown-deployment-strategy", {"deployment": {"strategy": "BIG_BANG"}}, "deployment.strategy"),
    ("canary-percent-with-blue-green", {"deployment": {"canaryPercent": 20}}, "deployment.canaryPercent"),
    (
        "linear-step-of-2-percent",
        {"deployment": {"strategy": "LINEAR", "linearStepPercent": 2}},
        "deployment.linearStepPercent",
    ),
    ("bad-certificate-arn", {"loadBalancer": {"certificateArn": "not-an-arn"}}, "loadBalancer.certificateArn"),
    (
        "ssl-policy-without-certificate",
        {"loadBalancer": {"sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}},
        "loadBalancer.sslPolicy",
    ),
    (
        "ssl-policy-not-an-elb-policy",
        {"loadBalancer": {"certificateArn": CERTIFICATE, "sslPolicy": "TLS1.3"}},
        "loadBalancer.sslPolicy",
    ),
    ("idle-timeout-0", {"loadBalancer": {"idleTimeoutSeconds": 0}}, "loadBalancer.idleTimeoutSeconds"),
    ("waf-limit-below-10", {"waf": {"rateLimit": 5}}, "waf.rateLimit"),
    (
        "unknown-managed-rule-group",
        {"waf": {"managedRuleGroups": ["AWSManagedRulesBotControlRuleSetX"]}},
        "waf.managedRuleGroups",
    ),
    (
        "duplicate-managed-rule-group",
        {"waf": {"managedRuleGroups": ["AWSManagedRulesSQLiRuleSet", "AWSManagedRulesSQLiRuleSet"]}},
        "waf.managedRuleGroups",
    ),
    ("engine-version-not-aurora-mysql", {"database": {"engineVersion": "8.0.32"}}, "database.engineVersion"),
    ("instance-class-without-db-prefix", {"database": {"instanceClass": "r6g.large"}}, "database.instanceClass"),
    ("reader-count-16", {"database": {"readerCount": 16}}, "database.readerCount"),
    ("database-name-with-hyphen", {"database": {"databaseName": "order-db"}}, "database.databaseName"),
    ("backup-retention-0", {"database": {"backupRetentionDays": 0}}, "database.backupRetentionDays"),
    (
        "maintenance-window-overlaps-backups",
        {"database": {"backupWindow": "05:00-06:00", "maintenanceWindow": "sun:05:30-sun:06:30"}},
        "database.maintenanceWindow",
    ),
    ("bad-alarm-email", {"alarms": {"email": "oncall-at-example.com"}}, "alarms.email"),
    (
        "topic-arn-of-another-service",
        {"alarms": {"topicArn": "arn:aws:sqs:us-east-1:123456789012:q"}},
        "alarms.topicArn",
    ),
    ("error-rate-percent-0", {"alarms": {"errorRatePercent": 0}}, "alarms.errorRatePercent"),
    ("reserved-tag-key", {"tags": {"ManagedBy": "me"}}, "tags"),
    # A rule only a child kind holds (Aurora: the backup window lasts at least 30 minutes), checked at Construct
    # on the child's known properties and named by the user's argument.
    ("backup-window-of-15-minutes", {"database": {"backupWindow": "03:00-03:15"}}, "database.backupWindow"),
    # ARNs AWS accepts only from the platform's own region and partition.
    (
        "certificate-of-another-region",
        {"loadBalancer": {"certificateArn": CERTIFICATE.replace("us-east-1", "eu-west-1")}},
        "loadBalancer.certificateArn",
    ),
    (
        "certificate-of-another-partition",
        {"loadBalancer": {"certificateArn": CERTIFICATE.replace("aws:acm:us-east-1", "aws-cn:acm:cn-north-1")}},
        "loadBalancer.certificateArn",
    ),
    (
        "alarm-topic-of-another-region",
        {"alarms": {"topicArn": "arn:aws:sns:us-west-2:123456789012:oncall"}},
        "alarms.topicArn",
    ),
    ("suffix-longer-than-8", {"environmentSuffix": "toolong123"}, "environmentSuffix"),
    # Production-hardening switches.
    (
        "alarm-topic-with-the-aws-managed-sns-key",
        {"alarms": {"topicKmsKeyArn": "arn:aws:kms:us-east-1:123456789012:alias/aws/sns"}},
        "alarms.topicKmsKeyArn",
    ),
    (
        "alarm-topic-key-of-another-region",
        {"alarms": {"topicKmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
        "alarms.topicKmsKeyArn",
    ),
    ("flow-log-traffic-type", {"flowLogs": {"trafficType": "DENIED"}}, "flowLogs.trafficType"),
    ("access-logs-kept-0-days", {"loadBalancer": {"accessLogs": {"retentionDays": 0}}}, "loadBalancer.accessLogs.retentionDays"),
    ("image-tag-mutability", {"service": {"imageTagMutability": "SOMETIMES"}}, "service.imageTagMutability"),
]
#: Cases that also run `pulumi up`, to show the engine creates nothing when Construct refuses.
UP_CASES = {
    "alarm-topic-key-of-another-region",
    "cpu-memory-not-a-fargate-pair",
    "waf-limit-below-10",
    "maintenance-window-overlaps-backups",
    "backup-window-of-15-minutes",
    "certificate-of-another-region",
}


@pytest.fixture(scope="module")
def stack(moto: MotoServer, make_stack: StackFactory) -> Stack:
    """One stack for every case; each command gets its whole config from the case's ``--config-file``."""
    return make_stack(PROGRAM, moto.endpoint)


def run_with(stack: Stack, tmp_path: Path, endpoint: str, verb: list[str], config: dict[str, Any]) -> Any:
    config_file = write_config_file(tmp_path / "case.yaml", PROJECT, endpoint, config)
    return stack.run([*verb, "--non-interactive", "--config-file", str(config_file)], timeout=DEPLOY_TIMEOUT)


def assert_nothing_created(moto: MotoServer) -> None:
    """Nothing in any service the platform uses; a case that did create something resets moto for the next."""
    found = {kind: names for kind, names in platform_inventory(moto).items() if names}
    if found:
        moto.reset()
    assert not found, f"a refused input still created {found}"


def test_cases_cover_at_least_25_rules() -> None:
    assert len(CASES) >= 25 and len({case_id for case_id, _, _ in CASES}) == len(CASES)
    assert len({prop for _, _, prop in CASES}) >= 25, "cases must exercise distinct properties"


def test_valid_config_previews(stack: Stack, moto: MotoServer, tmp_path: Path) -> None:
    """Control: the program with valid groups previews, so the refusals below come from the inputs alone."""
    config = {"service": {"cpu": 1024, "memory": 2048}, "waf": {"rateLimit": 200}, "alarms": {"email": "a@example.com"}}
    result = run_with(stack, tmp_path, moto.endpoint, ["preview"], config)
    assert result.returncode == 0, f"a valid config did not preview:\n{tail(result.stdout + result.stderr)}"
    assert_nothing_created(moto)


@pytest.mark.parametrize(("config", "prop"), [pytest.param(c, p, id=i) for i, c, p in CASES])
def test_bad_input_fails_preview_naming_the_property(
    stack: Stack, moto: MotoServer, tmp_path: Path, config: dict[str, Any], prop: str
) -> None:
    """``pulumi preview`` exits non-zero with ``<prop>: <reason>`` in its output, and AWS holds nothing."""
    result = run_with(stack, tmp_path, moto.endpoint, ["preview"], config)
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"preview accepted {config}:\n{tail(output)}"
    # Failures read `<property>: <reason>`; an unknown field is reported by serde as "unknown field `<name>`".
    named = prop if prop == "replicas" else f"{prop}: "
    assert named in output, f"preview of {config} failed without naming {prop!r}:\n{tail(output)}"
    assert_nothing_created(moto)


@pytest.mark.parametrize(("config", "prop"), [pytest.param(c, p, id=i) for i, c, p in CASES if i in UP_CASES])
def test_bad_input_fails_up_and_creates_nothing(
    stack: Stack, moto: MotoServer, tmp_path: Path, config: dict[str, Any], prop: str
) -> None:
    """``pulumi up`` fails the same way, and afterwards neither AWS nor the state holds any resource of ours."""
    result = run_with(stack, tmp_path, moto.endpoint, ["up", "--yes", "--skip-preview"], config)
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"up accepted {config}:\n{tail(output)}"
    assert f"{prop}: " in output, f"up of {config} failed without naming {prop!r}:\n{tail(output)}"
    assert_nothing_created(moto)
    assert [r["urn"] for r in stack.resources() if r["type"].startswith("orderapi:")] == []
