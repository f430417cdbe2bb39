"""Fixtures of the end-to-end suite.

The real Pulumi CLI runs a program from ``examples/`` against a moto server, and the tests check with boto3 -- an
independent client, never the provider's own code -- what the provider built.

Needed on PATH: ``pulumi``, ``pulumi-language-yaml`` and ``pulumi-resource-orderapi``; the moto server comes from
``$ORDERAPI_MOTO_SERVER`` or else ``moto_server`` on PATH (``bash scripts/tools.sh env`` prints both). A missing tool
makes every test that needs it fail (not skip) with a message saying what is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
DUMMY_CREDENTIAL = "testing"
PASSPHRASE = "test-passphrase"
MANAGED_BY_KEY, MANAGED_BY_VALUE = "ManagedBy", "pulumi-orderapi"
PULUMI_TOOLS = ("pulumi", "pulumi-language-yaml", "pulumi-resource-orderapi")

MOTO_START_TIMEOUT = 30.0
MOTO_STOP_GRACE = 5.0
#: Seconds a pulumi command may take: deployments get longer than bookkeeping commands.
DEPLOY_TIMEOUT = 600.0
COMMAND_TIMEOUT = 300.0
OUTPUT_TAIL = 8000


def tail(text: str, limit: int = OUTPUT_TAIL) -> str:
    """The last ``limit`` characters of ``text``, marked when cut."""
    return text if len(text) <= limit else "[...]" + text[-limit:]


def require_tool(name: str, hint: str = 'run `eval "$(bash scripts/tools.sh env)"` first') -> str:
    """The absolute path of executable ``name`` on PATH; fails the test (never skips) when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"required tool `{name}` is not on PATH ({hint})", pytrace=False)
    return path


def example(name: str) -> Path:
    """The program directory ``examples/<name>``; fails the test when it has no Pulumi.yaml."""
    path = REPO_ROOT / "examples" / name
    if not (path / "Pulumi.yaml").is_file():
        pytest.fail(f"example program {path} is missing (no Pulumi.yaml)", pytrace=False)
    return path


# --------------------------------------------------------------------------------------------------------------------
# moto


def free_loopback_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Requests to the local emulator must never go through a proxy taken from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class MotoServer:
    """A moto server subprocess on a free loopback port, in its own process group, logging to a file."""

    def __init__(self, executable: str, log_path: Path) -> None:
        self.port = free_loopback_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [executable, "-H", "127.0.0.1", "-p", str(self.port)],
                # The project's patches for behaviours moto lacks (emulator/README.md).
                env={**os.environ, "PYTHONPATH": str(REPO_ROOT / "emulator")},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _log(self) -> str:
        return tail(self.log_path.read_text(errors="replace"))

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + MOTO_START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto server exited with {self.process.returncode} on start:\n{self._log()}")
            try:
                with _DIRECT.open(f"{self.endpoint}/moto-api/", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"moto server did not answer on {self.endpoint}/moto-api/ within {MOTO_START_TIMEOUT:.0f}s:\n"
                    f"{self._log()}"
                )
            time.sleep(0.2)

    def client(self, service: str) -> Any:
        """A boto3 client of ``service`` talking to this server with dummy credentials."""
        return boto3.client(
            service,
            region_name=REGION,
            aws_access_key_id=DUMMY_CREDENTIAL,
            aws_secret_access_key=DUMMY_CREDENTIAL,
            endpoint_url=self.endpoint,
        )

    def reset(self) -> None:
        """Forget every resource of every service (moto's own reset API)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST", data=b"")
        with _DIRECT.open(request, timeout=10) as response:
            assert response.status == 200, f"moto reset answered {response.status}"

    def stop(self) -> None:
        """SIGTERM by PID, then SIGKILL when it has not exited within the grace period."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=MOTO_STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def moto_server_executable() -> str:
    """``$ORDERAPI_MOTO_SERVER`` when set (it must exist), else ``moto_server`` on PATH."""
    configured = os.environ.get("ORDERAPI_MOTO_SERVER")
    if configured:
        if not os.access(configured, os.X_OK):
            pytest.fail(f"ORDERAPI_MOTO_SERVER={configured} is not an executable file", pytrace=False)
        return configured
    return require_tool("moto_server", "set ORDERAPI_MOTO_SERVER or run `bash scripts/tools.sh moto`")


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """A fresh moto server for each test module, stopped when the module is done."""
    executable = moto_server_executable()
    server = MotoServer(executable, tmp_path_factory.mktemp("moto") / "moto.log")
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------------------------------
# Pulumi stacks


def _pulumi_env(root: Path) -> dict[str, str]:
    """The environment of every pulumi command: isolated home and backend, dummy AWS credentials, no proxies.

    Inherited ``PULUMI_*`` and ``AWS_*`` variables are dropped, so a developer's own backend, token or profile never
    leaks in. ``AWS_ENDPOINT_URL`` is deliberately not set: the provider must reach moto through its own
    ``orderapi:endpoint`` config.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "AWS_"))}
    env.update(
        PULUMI_HOME=str(root / "home"),
        PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        AWS_ACCESS_KEY_ID=DUMMY_CREDENTIAL,
        AWS_SECRET_ACCESS_KEY=DUMMY_CREDENTIAL,
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        # Only the plugin installed into this PULUMI_HOME counts (as for a user), not one found on PATH.
        PULUMI_IGNORE_AMBIENT_PLUGINS="true",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    return env


def install_provider_plugin(stack: "Stack") -> None:
    """Installs the freshly built provider binary into the stack's PULUMI_HOME, at the version it reports."""
    binary = require_tool("pulumi-resource-orderapi")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout.split()[-1]
    stack._pulumi("plugin", "install", "resource", "orderapi", version, "--file", binary)


class Stack:
    """A stack ``test`` of a copy of a program directory, with its own PULUMI_HOME and file backend.

    Every verb raises an AssertionError carrying the tail of the command's output when the command fails, unless
    called with ``check=False``, which returns the CompletedProcess for tests that expect a failure.
    """

    def __init__(self, program: Path, root: Path, name: str = "test", install: bool = True) -> None:
        self.root = root
        self.dir = root / "program"
        # Stack config files of the source tree (Pulumi.<stack>.yaml) would clash with this backend's passphrase.
        shutil.copytree(program, self.dir, ignore=shutil.ignore_patterns("Pulumi.*.yaml"))
        state = root / "state"
        state.mkdir()
        self.env = _pulumi_env(root)
        self._pulumi("login", f"file://{state}")
        if install:
            install_provider_plugin(self)
        self._pulumi("stack", "init", name, "--non-interactive")

    def run(
        self, args: Sequence[str], check: bool = False, timeout: float = COMMAND_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        """Runs ``pulumi <args>`` in the program directory; on timeout kills its process group and fails."""
        argv = ["pulumi", "--color=never", *args]
        process = subprocess.Popen(
            argv,
            cwd=self.dir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this call created: pulumi and its plugins
            stdout, stderr = process.communicate()
            raise AssertionError(_describe(argv, f"timed out after {timeout:.0f}s", stdout, stderr)) from None
        result = subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)
        if check and result.returncode != 0:
            raise AssertionError(_describe(argv, f"exited with {result.returncode}", stdout, stderr))
        return result

    def _pulumi(
        self, *args: str, check: bool = True, timeout: float = COMMAND_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        return self.run(args, check=check, timeout=timeout)

    def config_set(self, key: str, value: str, secret: bool = False) -> None:
        self._pulumi("config", "set", key, value, "--secret" if secret else "--plaintext")

    def preview(self, json: bool = True, expect_no_changes: bool = False, check: bool = True) -> Any:
        """``pulumi preview``; returns the parsed ``--json`` digest, or with ``json=False`` the CompletedProcess."""
        args = ["preview", "--non-interactive"]
        args += ["--json"] if json else []
        args += ["--expect-no-changes"] if expect_no_changes else []
        result = self._pulumi(*args, check=check, timeout=DEPLOY_TIMEOUT)
        return parse_json(result.stdout) if json else result

    def up(self, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._pulumi("up", "--yes", "--skip-preview", "--non-interactive", check=check, timeout=DEPLOY_TIMEOUT)

    def up_expect_no_changes(self) -> subprocess.CompletedProcess[str]:
        return self._pulumi("up", "--yes", "--expect-no-changes", "--non-interactive", timeout=DEPLOY_TIMEOUT)

    def refresh(self) -> subprocess.CompletedProcess[str]:
        return self._pulumi("refresh", "--yes", "--skip-preview", "--non-interactive", timeout=DEPLOY_TIMEOUT)

    def destroy(self) -> subprocess.CompletedProcess[str]:
        return self._pulumi("destroy", "--yes", "--skip-preview", "--non-interactive", timeout=DEPLOY_TIMEOUT)

    def outputs(self) -> dict[str, Any]:
        return parse_json(self._pulumi("stack", "output", "--json", "--show-secrets").stdout)

    def export(self) -> dict[str, Any]:
        return parse_json(self._pulumi("stack", "export").stdout)

    def resources(self) -> list[dict[str, Any]]:
        """The resources of the exported state."""
        return self.export()["deployment"].get("resources") or []


def parse_json(text: str) -> Any:
    """Parses a command's JSON output; fails with the text when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError as error:
        raise AssertionError(f"expected JSON, got ({error}):\n{tail(text)}") from None


def _describe(argv: Sequence[str], what: str, stdout: str, stderr: str) -> str:
    return f"`{' '.join(argv)}` {what}\n--- stdout ---\n{tail(stdout)}\n--- stderr ---\n{tail(stderr)}"


def provider_config(endpoint: str) -> dict[str, str]:
    """Stack config that points the orderapi provider at the emulator."""
    return {
        "orderapi:endpoint": endpoint,
        "orderapi:region": REGION,
        "orderapi:skipCredentialsValidation": "true",
    }


@pytest.fixture(scope="session")
def pulumi_tools() -> dict[str, str]:
    """Paths of the Pulumi CLI, the YAML language host and the provider; fails when one is missing."""
    return {name: require_tool(name) for name in PULUMI_TOOLS}


StackFactory = Callable[..., Stack]


@pytest.fixture(scope="session")
def make_stack(pulumi_tools: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> StackFactory:
    """``make_stack(program_dir, moto_endpoint, config)``: a new stack configured for the provider and ``config``."""

    def make(program: Path, endpoint: str, config: Mapping[str, str] | None = None) -> Stack:
        stack = Stack(program, tmp_path_factory.mktemp("stack"))
        for key, value in {**provider_config(endpoint), **(config or {})}.items():
            stack.config_set(key, value)
        return stack

    return make


def resource_type(urn: str) -> str:
    """The type token of a URN (or of a provider reference ``<urn>::<id>``), without its parents' types."""
    # urn:pulumi:<stack>::<project>::<parent types $ ...>$<type>::<name>
    return urn.split("::")[2].split("$")[-1]


# --------------------------------------------------------------------------------------------------------------------
# AWS listings


def list_all(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item of a describe/list call, across pages where the API pages."""
    if client.can_paginate(operation):
        return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page[key]]
    return getattr(client, operation)(**kwargs)[key]


def tags_of(resource: Mapping[str, Any]) -> dict[str, str]:
    """An EC2-style ``Tags: [{Key, Value}]`` list as a dict."""
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags") or []}


def is_managed(resource: Mapping[str, Any]) -> bool:
    return tags_of(resource).get(MANAGED_BY_KEY) == MANAGED_BY_VALUE


@dataclass(frozen=True)
class Listing:
    """How to list one EC2 kind, and which of moto's lingering states mean the item is gone."""

    operation: str
    key: str
    id_field: str
    gone_states: frozenset[str] = frozenset()

    def live(self, client: Any) -> list[dict[str, Any]]:
        items = list_all(client, self.operation, self.key)
        return [item for item in items if item.get("State") not in self.gone_states]


#: The EC2 kinds the platform creates. moto keeps deleted NAT gateways listed in state `deleted`.
EC2_LISTINGS: dict[str, Listing] = {
    "vpcs": Listing("describe_vpcs", "Vpcs", "VpcId"),
    "subnets": Listing("describe_subnets", "Subnets", "SubnetId"),
    "internet_gateways": Listing("describe_internet_gateways", "InternetGateways", "InternetGatewayId"),
    "route_tables": Listing("describe_route_tables", "RouteTables", "RouteTableId"),
    "addresses": Listing("describe_addresses", "Addresses", "AllocationId"),
    "nat_gateways": Listing("describe_nat_gateways", "NatGateways", "NatGatewayId", frozenset({"deleted"})),
    "flow_logs": Listing("describe_flow_logs", "FlowLogs", "FlowLogId"),
}


def assert_no_leaks(ec2: Any) -> None:
    """Fails when any EC2 resource tagged ManagedBy=pulumi-orderapi is still there (deleted NAT gateways aside).

    Tags are compared on the client side, so the check does not depend on moto honouring tag filters.
    """
    leaks = {}
    for kind, listing in EC2_LISTINGS.items():
        found = [
            f"{item[listing.id_field]} {tags_of(item).get('Name', '')} {item.get('State', '')}".strip()
            for item in listing.live(ec2)
            if is_managed(item)
        ]
        if found:
            leaks[kind] = found
    assert not leaks, f"resources tagged {MANAGED_BY_KEY}={MANAGED_BY_VALUE} are left behind: {leaks}"


# --------------------------------------------------------------------------------------------------------------------
# The whole platform (test_platform.py, test_platform_validation.py)


def resource_name(arn: str) -> str:
    """The last path segment of an ARN or id (``.../tg-x/123`` → ``123``; ``...:topic-name`` → ``topic-name``)."""
    return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def _ec2_inventory(ec2: Any) -> dict[str, list[str]]:
    """EC2 items of ours: the managed kinds by Name tag (or id), and every security group other than a VPC's
    ``default`` one (moto's own default VPC, subnets, gateway and tables carry no ManagedBy tag)."""
    found: dict[str, list[str]] = {}
    for kind, listing in EC2_LISTINGS.items():
        found[f"ec2:{kind}"] = [
            tags_of(item).get("Name", item[listing.id_field]) for item in listing.live(ec2) if is_managed(item)
        ]
    found["ec2:vpcs(non-default)"] = [
        tags_of(v).get("Name", v["VpcId"]) for v in list_all(ec2, "describe_vpcs", "Vpcs") if not v.get("IsDefault")
    ]
    found["ec2:security_groups"] = [
        g["GroupName"]
        for g in list_all(ec2, "describe_security_groups", "SecurityGroups")
        if g["GroupName"] != "default"
    ]
    return found


def _ecs_inventory(ecs: Any) -> dict[str, list[str]]:
    """ACTIVE clusters, their non-INACTIVE services, and ACTIVE task definition revisions (moto keeps deleted
    clusters and services listed as INACTIVE, and deregistered revisions as INACTIVE)."""
    cluster_arns = list_all(ecs, "list_clusters", "clusterArns")
    clusters = ecs.describe_clusters(clusters=cluster_arns)["clusters"] if cluster_arns else []
    active = [c for c in clusters if c.get("status") == "ACTIVE"]
    services = []
    for cluster in active:
        arns = list_all(ecs, "list_services", "serviceArns", cluster=cluster["clusterArn"])
        for start in range(0, len(arns), 10):
            described = ecs.describe_services(cluster=cluster["clusterArn"], services=arns[start : start + 10])
            services += [s["serviceName"] for s in described["services"] if s.get("status") != "INACTIVE"]
    return {
        "ecs:clusters": [c["clusterName"] for c in active],
        "ecs:services": services,
        "ecs:task_definitions": [
            arn.rsplit("/", 1)[-1]  # family:revision
            for arn in list_all(ecs, "list_task_definitions", "taskDefinitionArns", status="ACTIVE")
        ],
    }


def _rds_inventory(rds: Any) -> dict[str, list[str]]:
    return {
        "rds:clusters": [
            c["DBClusterIdentifier"]
            for c in list_all(rds, "describe_db_clusters", "DBClusters")
            if c.get("Status") != "deleted"
        ],
        "rds:instances": [
            i["DBInstanceIdentifier"]
            for i in list_all(rds, "describe_db_instances", "DBInstances")
            if i.get("DBInstanceStatus") != "deleted"
        ],
        "rds:subnet_groups": [
            g["DBSubnetGroupName"]
            for g in list_all(rds, "describe_db_subnet_groups", "DBSubnetGroups")
            if g["DBSubnetGroupName"] != "default"
        ],
    }


def platform_inventory(moto: MotoServer) -> dict[str, list[str]]:
    """Names of every live item, in every service the platform uses, of the kinds it creates -- read with boto3.

    moto's own defaults (default VPC and its parts, ``default`` security and subnet groups) and its lingering
    deleted/INACTIVE items (NAT gateways ``deleted``, ECS clusters/services/revisions ``INACTIVE``, secrets
    scheduled for deletion) are left out, so after a destroy (or a refused preview) nothing of ours is listed.
    """
    found = _ec2_inventory(moto.client("ec2"))
    found.update(_ecs_inventory(moto.client("ecs")))
    found.update(_rds_inventory(moto.client("rds")))
    elbv2 = moto.client("elbv2")
    found["elbv2:load_balancers"] = [
        lb["LoadBalancerName"] for lb in list_all(elbv2, "describe_load_balancers", "LoadBalancers")
    ]
    found["elbv2:target_groups"] = [
        tg["TargetGroupName"] for tg in list_all(elbv2, "describe_target_groups", "TargetGroups")
    ]
    found["wafv2:web_acls"] = [acl["Name"] for acl in moto.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]]
    found["secretsmanager:secrets"] = [
        s["Name"]
        for s in list_all(moto.client("secretsmanager"), "list_secrets", "SecretList")
        if not s.get("DeletedDate")
    ]
    found["ssm:parameters"] = [p["Name"] for p in list_all(moto.client("ssm"), "describe_parameters", "Parameters")]
    found["sns:topics"] = [resource_name(t["TopicArn"]) for t in list_all(moto.client("sns"), "list_topics", "Topics")]
    cloudwatch = moto.client("cloudwatch")
    found["cloudwatch:alarms"] = [a["AlarmName"] for a in list_all(cloudwatch, "describe_alarms", "MetricAlarms")]
    found["cloudwatch:dashboards"] = [
        d["DashboardName"] for d in list_all(cloudwatch, "list_dashboards", "DashboardEntries")
    ]
    found["logs:log_groups"] = [
        g["logGroupName"] for g in list_all(moto.client("logs"), "describe_log_groups", "logGroups")
    ]
    found["ecr:repositories"] = [
        r["repositoryName"] for r in list_all(moto.client("ecr"), "describe_repositories", "repositories")
    ]
    found["iam:roles"] = [r["RoleName"] for r in list_all(moto.client("iam"), "list_roles", "Roles")]
    # A destroyed key is only scheduled for deletion (KMS keeps it 7-30 days); its alias goes at once.
    found["kms:aliases"] = [
        a["AliasName"]
        for a in list_all(moto.client("kms"), "list_aliases", "Aliases")
        if not a["AliasName"].startswith("alias/aws/")
    ]
    found["s3:buckets"] = [b["Name"] for b in moto.client("s3").list_buckets().get("Buckets") or []]
    autoscaling = moto.client("application-autoscaling")
    found["application-autoscaling:scalable_targets"] = [
        t["ResourceId"]
        for t in list_all(autoscaling, "describe_scalable_targets", "ScalableTargets", ServiceNamespace="ecs")
    ]
    return found


def assert_platform_gone(moto: MotoServer, fragment: str | None = None) -> None:
    """Fails when any service still holds an item of ours: with ``fragment`` (e.g. ``test-e2e2``), an item whose
    name contains it; without, any item at all (for a moto that was reset and must have stayed empty)."""
    leftovers = {}
    for kind, names in platform_inventory(moto).items():
        ours = [name for name in names if fragment is None or fragment in name]
        if ours:
            leftovers[kind] = ours
    assert not leftovers, f"left in the emulator{f' (names containing {fragment!r})' if fragment else ''}: {leftovers}"


#: Step ops of a preview that change nothing.
UNCHANGED_OPS = frozenset({"same", "read", "refresh"})


def changes_by_type(preview: Mapping[str, Any]) -> dict[str, set[str]]:
    """The ops a ``pulumi preview --json`` digest plans, per resource type, leaving out steps that change nothing."""
    changes: dict[str, set[str]] = {}
    for step in preview.get("steps") or []:
        if step.get("op") not in UNCHANGED_OPS:
            changes.setdefault(resource_type(step["urn"]), set()).add(step["op"])
    return changes


def write_config_file(path: Path, project: str, endpoint: str, config: Mapping[str, Any]) -> Path:
    """A stack config file (for ``pulumi --config-file``) pointing the provider at ``endpoint`` and setting the
    project's keys to ``config`` (objects and lists as structured config). JSON is valid YAML."""
    values: dict[str, Any] = dict(provider_config(endpoint))
    values.update({f"{project}:{key}": value for key, value in config.items()})
    path.write_text(json.dumps({"config": values}, indent=2))
    return path


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The language suite's timings (install, build, each up/destroy), when it ran."""
    import sys

    suite = sys.modules.get("language_suite")
    timings = getattr(suite, "TIMINGS", None)
    if timings:
        terminalreporter.write_sep("-", "language end-to-end timings")
        for label, seconds in sorted(timings.items()):
            terminalreporter.write_line(f"{label}: {seconds:.0f}s")
