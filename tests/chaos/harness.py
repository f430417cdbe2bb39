"""The chaos suite's machinery: the proxy process, the call log, a stack behind the proxy, the independent auditor,
and the scenarios (faults, crash during up, crash during destroy) with their results.

The end-to-end suite's helpers (moto server, pulumi environment, Stack) are reused from ``tests/e2e/conftest.py``,
loaded under its own module name so it does not clash with this directory's conftest.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
PROXY_SCRIPT = HERE / "proxy.py"


def _load_e2e() -> Any:
    name = "orderapi_e2e_conftest"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "tests" / "e2e" / "conftest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


e2e = _load_e2e()

import proxy as chaos_proxy  # noqa: E402  (this directory is on sys.path: pytest's rootdir-less import mode)

REGION = e2e.REGION
RUN_VARIABLE = chaos_proxy.RUN_VARIABLE
MANAGED_BY = (e2e.MANAGED_BY_KEY, e2e.MANAGED_BY_VALUE)
PENDING_TAG = "orderapi:create-pending"
OUTPUT_TAIL = 6000
PROXY_START_TIMEOUT = 15.0
PROXY_STOP_GRACE = 5.0
DEPLOY_TIMEOUT = e2e.DEPLOY_TIMEOUT
COMMAND_TIMEOUT = e2e.COMMAND_TIMEOUT

# Requests to the loopback proxy / emulator never go through a proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def tail(text: str, limit: int = OUTPUT_TAIL) -> str:
    return e2e.tail(text, limit)


# --------------------------------------------------------------------------------------------------------------------
# the proxy process


class ProxyProcess:
    """``proxy.py`` as a subprocess of this test run (own process group), reconfigured over its control endpoint and
    stopped by PID."""

    def __init__(
        self,
        upstream: str,
        log_path: Path,
        workdir: Path,
        max_seconds: float = 3600.0,
        python: str = sys.executable,
        **config: Any,
    ) -> None:
        self.log_path = log_path
        port_file, pid_file = workdir / "proxy.port", workdir / "proxy.pid"
        port_file.unlink(missing_ok=True)
        argv = [
            python,
            str(PROXY_SCRIPT),
            "--upstream",
            upstream,
            "--log",
            str(log_path),
            "--port-file",
            str(port_file),
            "--pid-file",
            str(pid_file),
            "--max-seconds",
            str(max_seconds),
        ]
        for key, value in config.items():
            flag = "--" + key.replace("_", "-")
            if isinstance(value, bool):
                argv += [flag] if value else []
            else:
                argv += [flag, str(value)]
        self.stderr_path = workdir / "proxy.stderr"
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        deadline = time.monotonic() + PROXY_START_TIMEOUT
        while not port_file.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"proxy exited with {self.process.returncode}:\n{self.stderr()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"proxy did not start within {PROXY_START_TIMEOUT:.0f}s:\n{self.stderr()}")
            time.sleep(0.05)
        self.port = int(port_file.read_text())
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def stderr(self) -> str:
        return tail(self.stderr_path.read_text(errors="replace")) if self.stderr_path.exists() else ""

    def _control(self, name: str, payload: Mapping[str, Any] | None = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            f"{self.endpoint}/__chaos/{name}",
            data=data,
            method="GET" if data is None else "POST",
            headers={"Content-Type": "application/json"},
        )
        with _DIRECT.open(request, timeout=10) as response:
            return json.loads(response.read())

    def configure(self, reset: bool = True, **changes: Any) -> dict[str, Any]:
        """Changes settings (``fault_rate``, ``seed``, ``faults``, ``kill_after``, …); ``reset`` zeroes the counters."""
        return self._control("config", {**changes, "reset": reset})

    def stats(self) -> dict[str, Any]:
        return self._control("stats")

    def mark(self, phase: str, **details: Any) -> None:
        self._control("mark", {"phase": phase, **details})

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=PROXY_STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --------------------------------------------------------------------------------------------------------------------
# the call log


class CallLog:
    """The proxy's JSON lines: call records (with ``seq``) and events (``event``: start, config, mark, kill, stop)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def lines(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"event": "unparsable", "text": line[:200]})
        return out

    def phases(self) -> dict[str, list[dict[str, Any]]]:
        """Call records per phase (the ``mark`` events the harness writes before each pulumi command)."""
        phases: dict[str, list[dict[str, Any]]] = {}
        current = "(start)"
        for line in self.lines():
            if line.get("event") == "mark":
                current = line.get("phase", "?")
                phases.setdefault(current, [])
            elif "seq" in line and "event" not in line:
                phases.setdefault(current, []).append(line)
        return phases

    def calls(self, phase: str | None = None) -> list[dict[str, Any]]:
        if phase is not None:
            return self.phases().get(phase, [])
        return [line for line in self.lines() if "seq" in line and "event" not in line]

    @staticmethod
    def describe(line: Mapping[str, Any]) -> str:
        if line.get("event"):
            return json.dumps(line)
        parts = [
            f"#{line.get('seq')}",
            f"{line.get('service')}:{line.get('action')}",
            "W" if line.get("mutating") else "r",
        ]
        if line.get("mutating_index"):
            parts.append(f"m{line['mutating_index']}")
        parts.append(f"status={line.get('status')}")
        if line.get("code"):
            parts.append(f"code={line['code']}")
        if line.get("fault"):
            parts.append(f"FAULT={line['fault']}")
        if line.get("killed") is not None:
            parts.append(f"KILLED={line['killed']}")
        return " ".join(parts)

    def around(
        self, predicate: Callable[[dict[str, Any]], bool], before: int = 3, after: int = 3, limit: int = 12
    ) -> str:
        """The lines matching ``predicate`` with ``before``/``after`` lines of context (at most ``limit`` hits)."""
        lines = self.lines()
        hits = [i for i, line in enumerate(lines) if predicate(line)]
        chunks = []
        for i in hits[:limit]:
            window = lines[max(0, i - before) : i + after + 1]
            chunks.append("\n".join(("  > " if line is lines[i] else "    ") + self.describe(line) for line in window))
        more = f"\n    … {len(hits) - limit} more" if len(hits) > limit else ""
        return "\n    ---\n".join(chunks) + more

    def summary(self, phase: str | None = None) -> dict[str, Any]:
        calls = self.calls(phase)
        return {
            "calls": len(calls),
            "mutating": sum(1 for c in calls if c.get("mutating")),
            "faults": dict(Counter(c["fault"] for c in calls if c.get("fault"))),
            "errors": dict(
                Counter(c.get("code") or str(c.get("status")) for c in calls if (c.get("status") or 0) >= 400)
            ),
        }


# --------------------------------------------------------------------------------------------------------------------
# a stack behind the proxy


class ChaosStack(e2e.Stack):  # type: ignore[misc,name-defined]
    """A stack of a copy of ``program`` with its own file backend (``PULUMI_BACKEND_URL``), sharing one PULUMI_HOME
    (where the provider plugin is installed once per session), with ``ORDERAPI_CHAOS_RUN=<run id>`` in the
    environment of every pulumi command -- which the provider inherits, so the crash driver can find it."""

    def __init__(self, program: Path, root: Path, home: Path, run_id: str, name: str = "chaos") -> None:
        self.root = root
        self.dir = root / "program"
        shutil.copytree(program, self.dir, ignore=shutil.ignore_patterns("Pulumi.*.yaml"))
        self.state_dir = root / "state"
        self.state_dir.mkdir()
        self.name = name
        self.run_id = run_id
        self.env = e2e._pulumi_env(root)
        self.env.update(PULUMI_HOME=str(home), PULUMI_BACKEND_URL=f"file://{self.state_dir}")
        self.env[RUN_VARIABLE] = run_id
        self._pulumi("stack", "init", name, "--non-interactive")

    def lock_files(self) -> list[Path]:
        return sorted((self.state_dir / ".pulumi" / "locks").rglob("*.json"))


def install_plugin(home: Path, binary: str) -> str:
    """Installs ``binary`` as the orderapi resource plugin into ``home`` (a PULUMI_HOME); returns its version."""
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True, timeout=60)
    number = version.stdout.split()[-1]
    env = e2e._pulumi_env(home.parent)
    env["PULUMI_HOME"] = str(home)
    result = subprocess.run(
        ["pulumi", "plugin", "install", "resource", "orderapi", number, "--file", binary],
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise AssertionError(f"plugin install failed:\n{tail(result.stdout)}\n{tail(result.stderr)}")
    return number


# --------------------------------------------------------------------------------------------------------------------
# the auditor: boto3 straight to moto, never through the proxy


@dataclass
class Live:
    """One object the emulator holds."""

    kind: str
    label: str
    ids: frozenset[str]
    tags: dict[str, str] = field(default_factory=dict)
    #: Set when AWS itself owns the object (not the platform); says why it is not counted as the platform's.
    aws_owned: str = ""

    @property
    def tagged(self) -> bool:
        return self.tags.get(MANAGED_BY[0]) == MANAGED_BY[1]

    @property
    def pending(self) -> bool:
        return PENDING_TAG in self.tags

    def show(self) -> str:
        flags = []
        if self.tagged:
            flags.append("ManagedBy")
        if self.pending:
            flags.append("create-pending")
        name = self.tags.get("Name")
        extra = f" Name={name}" if name and name not in self.label else ""
        return f"{self.label}{extra}" + (f" [{', '.join(flags)}]" if flags else "")


#: Kind of object → the state types whose ids name such objects. The RDS-managed master secret is named by the
#: cluster's outputs rather than by an id (see ``OUTPUT_MATCHED``).
KIND_TYPES: dict[str, tuple[str, ...]] = {
    "ec2:vpc": ("orderapi:ec2:Vpc",),
    "ec2:subnet": ("orderapi:ec2:Subnet",),
    "ec2:internet_gateway": ("orderapi:ec2:InternetGateway",),
    "ec2:elastic_ip": ("orderapi:ec2:ElasticIp",),
    "ec2:nat_gateway": ("orderapi:ec2:NatGateway",),
    "ec2:route_table": ("orderapi:ec2:RouteTable",),
    "ec2:security_group": ("orderapi:ec2:SecurityGroup",),
    "ecr:repository": ("orderapi:ecr:Repository",),
    "logs:log_group": ("orderapi:logs:LogGroup",),
    "logs:metric_filter": ("orderapi:logs:MetricFilter",),
    "iam:role": ("orderapi:iam:Role",),
    "ecs:cluster": ("orderapi:ecs:Cluster",),
    "ecs:service": ("orderapi:ecs:Service",),
    "ecs:task_definition": ("orderapi:ecs:TaskDefinition",),
    "elbv2:load_balancer": ("orderapi:elbv2:LoadBalancer",),
    "elbv2:target_group": ("orderapi:elbv2:TargetGroup",),
    "elbv2:listener": ("orderapi:elbv2:Listener",),
    "elbv2:rule": ("orderapi:elbv2:ListenerRule",),
    "wafv2:web_acl": ("orderapi:wafv2:WebAcl",),
    "wafv2:association": ("orderapi:wafv2:WebAclAssociation",),
    "appautoscaling:scalable_target": ("orderapi:appautoscaling:ScalableTarget",),
    "appautoscaling:scaling_policy": ("orderapi:appautoscaling:ScalingPolicy",),
    "sns:topic": ("orderapi:sns:Topic",),
    "secretsmanager:secret": ("orderapi:secretsmanager:Secret",),
    "rds:subnet_group": ("orderapi:rds:DbSubnetGroup",),
    "rds:cluster": ("orderapi:rds:Cluster",),
    "rds:instance": ("orderapi:rds:ClusterInstance",),
    "cloudwatch:alarm": ("orderapi:cloudwatch:MetricAlarm",),
    "cloudwatch:dashboard": ("orderapi:cloudwatch:Dashboard",),
    "ssm:parameter": ("orderapi:ssm:Parameter",),
    "s3:bucket": ("orderapi:s3:Bucket",),
    "ec2:flow_log": ("orderapi:ec2:FlowLog",),
    "kms:key": ("orderapi:kms:Key",),
}
#: Kinds also recorded when one of their ids appears among these state types' outputs: RDS creates the master
#: secret (the cluster's outputs carry its ARN); Application Auto Scaling creates the target-tracking alarms (the
#: scaling policy's outputs list them).
OUTPUT_MATCHED: dict[str, tuple[str, ...]] = {
    "secretsmanager:secret": ("orderapi:rds:Cluster",),
    "cloudwatch:alarm": ("orderapi:appautoscaling:ScalingPolicy",),
}
#: The API call that creates each kind (to point at the call-log lines behind a duplicate).
CREATE_ACTIONS: dict[str, tuple[str, ...]] = {
    "ec2:vpc": ("CreateVpc",),
    "ec2:subnet": ("CreateSubnet",),
    "ec2:internet_gateway": ("CreateInternetGateway",),
    "ec2:elastic_ip": ("AllocateAddress",),
    "ec2:nat_gateway": ("CreateNatGateway",),
    "ec2:route_table": ("CreateRouteTable",),
    "ec2:security_group": ("CreateSecurityGroup",),
    "ecr:repository": ("CreateRepository",),
    "logs:log_group": ("CreateLogGroup",),
    "logs:metric_filter": ("PutMetricFilter",),
    "iam:role": ("CreateRole",),
    "ecs:cluster": ("CreateCluster",),
    "ecs:service": ("CreateService",),
    "ecs:task_definition": ("RegisterTaskDefinition",),
    "elbv2:load_balancer": ("CreateLoadBalancer",),
    "elbv2:target_group": ("CreateTargetGroup",),
    "elbv2:listener": ("CreateListener",),
    "elbv2:rule": ("CreateRule",),
    "wafv2:web_acl": ("CreateWebACL",),
    "wafv2:association": ("AssociateWebACL",),
    "appautoscaling:scalable_target": ("RegisterScalableTarget",),
    "appautoscaling:scaling_policy": ("PutScalingPolicy",),
    "sns:topic": ("CreateTopic",),
    "secretsmanager:secret": ("CreateSecret", "CreateDBCluster"),
    "rds:subnet_group": ("CreateDBSubnetGroup",),
    "rds:cluster": ("CreateDBCluster",),
    "rds:instance": ("CreateDBInstance",),
    "cloudwatch:alarm": ("PutMetricAlarm",),
    "cloudwatch:dashboard": ("PutDashboard",),
    "ssm:parameter": ("PutParameter",),
    "s3:bucket": ("CreateBucket",),
    "ec2:flow_log": ("CreateFlowLogs",),
    "kms:key": ("CreateKey",),
}


#: Why unrecorded target-tracking alarms are emulator artifacts, not the platform's duplicates.
TARGET_TRACKING_ALARMS = (
    "AWS-owned target-tracking alarm: moto 5.2.5's PutScalingPolicy on an existing policy creates a new pair of "
    "alarms and orphans the old pair (DeleteScalingPolicy removes only the newest); AWS updates the policy's own "
    "alarms in place"
)
#: Why unrecorded RDS-managed master secrets are emulator artifacts.
RDS_MANAGED_SECRETS = (
    "AWS-owned RDS master secret: moto 5.2.5 creates one even for a CreateDBCluster it refuses (an identifier that "
    "exists), and DeleteDBCluster removes only one; AWS creates it with the cluster and deletes it with the cluster"
)
#: Kinds whose create call AWS documents as idempotent for identical settings while moto 5.2.5 creates another
#: object: a duplicate of these comes from a retried create, as elsewhere, but would not happen against AWS.
MOTO_NOT_IDEMPOTENT: dict[str, str] = {
    "elbv2:listener": "AWS returns the existing listener for an identical CreateListener; moto creates another",
    "elbv2:load_balancer": "AWS returns the existing load balancer for an identical CreateLoadBalancer; moto does not",
}


def _tags(items: Any, key: str = "Key", value: str = "Value") -> dict[str, str]:
    if isinstance(items, Mapping):
        return {str(k): str(v) for k, v in items.items()}
    return {t[key]: t.get(value, "") for t in items or [] if key in t}


def _ids(*values: Any) -> frozenset[str]:
    return frozenset(str(v) for v in values if v)


def _safe(listing: Callable[[], list[Live]], kind: str, problems: list[str]) -> list[Live]:
    try:
        return listing()
    except Exception as error:  # an emulator gap must show up in the report, not hide a kind
        problems.append(f"{kind}: listing failed: {error!r}")
        return []


class Auditor:
    """Lists, with boto3 straight against moto (never through the proxy), every object of every kind the platform
    creates, leaving out moto's own defaults (default VPC and what it holds, ``default`` groups) and what moto keeps
    listed after a delete (NAT gateways ``deleted``, ECS clusters/services/revisions ``INACTIVE``, secrets pending
    deletion, RDS ``deleted``). With a fresh emulator per scenario everything else it finds came from the platform;
    each object says whether it carries ManagedBy and the create-pending marker."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._clients: dict[str, Any] = {}
        self.problems: list[str] = []

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(  # type: ignore[call-overload]
                service,
                region_name=REGION,
                aws_access_key_id=e2e.DUMMY_CREDENTIAL,
                aws_secret_access_key=e2e.DUMMY_CREDENTIAL,
                endpoint_url=self.endpoint,
                # One endpoint for every service: S3 buckets in the path, not in the host name.
                config=BotoConfig(s3={"addressing_style": "path"}),
            )
        return self._clients[service]

    def live(self) -> dict[str, list[Live]]:
        self.problems = []
        found: dict[str, list[Live]] = {}
        for kind, listing in self._listings().items():
            found[kind] = _safe(listing, kind, self.problems)
        return found

    # -- listings

    def _listings(self) -> dict[str, Callable[[], list[Live]]]:
        return {
            **self._ec2(),
            "ecr:repository": self._ecr,
            "logs:log_group": self._log_groups,
            "logs:metric_filter": self._metric_filters,
            "iam:role": self._roles,
            **self._ecs(),
            **self._elbv2(),
            "wafv2:web_acl": self._web_acls,
            "wafv2:association": self._associations,
            "appautoscaling:scalable_target": self._scalable_targets,
            "appautoscaling:scaling_policy": self._scaling_policies,
            "sns:topic": self._topics,
            "secretsmanager:secret": self._secrets,
            **self._rds(),
            "cloudwatch:alarm": self._alarms,
            "cloudwatch:dashboard": self._dashboards,
            "ssm:parameter": self._parameters,
            "s3:bucket": self._buckets,
            "kms:key": self._keys,
        }

    def _ec2(self) -> dict[str, Callable[[], list[Live]]]:
        ec2 = self.client("ec2")
        list_all = e2e.list_all

        def default_vpcs() -> set[str]:
            return {v["VpcId"] for v in list_all(ec2, "describe_vpcs", "Vpcs") if v.get("IsDefault")}

        def vpcs() -> list[Live]:
            return [
                Live("ec2:vpc", v["VpcId"], _ids(v["VpcId"]), _tags(v.get("Tags")))
                for v in list_all(ec2, "describe_vpcs", "Vpcs")
                if not v.get("IsDefault")
            ]

        def subnets() -> list[Live]:
            skip = default_vpcs()
            return [
                Live("ec2:subnet", s["SubnetId"], _ids(s["SubnetId"], s.get("SubnetArn")), _tags(s.get("Tags")))
                for s in list_all(ec2, "describe_subnets", "Subnets")
                if s.get("VpcId") not in skip
            ]

        def gateways() -> list[Live]:
            skip = default_vpcs()
            out = []
            for g in list_all(ec2, "describe_internet_gateways", "InternetGateways"):
                attached = {a.get("VpcId") for a in g.get("Attachments") or []}
                if attached & skip:
                    continue
                out.append(
                    Live(
                        "ec2:internet_gateway",
                        g["InternetGatewayId"],
                        _ids(g["InternetGatewayId"]),
                        _tags(g.get("Tags")),
                    )
                )
            return out

        def addresses() -> list[Live]:
            return [
                Live(
                    "ec2:elastic_ip",
                    f"{a.get('AllocationId')} {a.get('PublicIp')}",
                    _ids(a.get("AllocationId"), a.get("PublicIp")),
                    _tags(a.get("Tags")),
                )
                for a in ec2.describe_addresses()["Addresses"]
            ]

        def flow_logs() -> list[Live]:
            return [
                Live("ec2:flow_log", f["FlowLogId"], _ids(f["FlowLogId"]), _tags(f.get("Tags")))
                for f in list_all(ec2, "describe_flow_logs", "FlowLogs")
            ]

        def nats() -> list[Live]:
            return [
                Live(
                    "ec2:nat_gateway",
                    f"{n['NatGatewayId']} ({n.get('State')})",
                    _ids(n["NatGatewayId"]),
                    _tags(n.get("Tags")),
                )
                for n in list_all(ec2, "describe_nat_gateways", "NatGateways")
                if n.get("State") not in ("deleted",)
            ]

        def route_tables() -> list[Live]:
            skip = default_vpcs()
            out = []
            for t in list_all(ec2, "describe_route_tables", "RouteTables"):
                if t.get("VpcId") in skip or any(a.get("Main") for a in t.get("Associations") or []):
                    continue
                out.append(
                    Live(
                        "ec2:route_table",
                        f"{t['RouteTableId']} in {t.get('VpcId')}",
                        _ids(t["RouteTableId"]),
                        _tags(t.get("Tags")),
                    )
                )
            return out

        def security_groups() -> list[Live]:
            skip = default_vpcs()
            return [
                Live(
                    "ec2:security_group",
                    f"{g['GroupId']} {g['GroupName']}",
                    _ids(g["GroupId"], g["GroupName"]),
                    _tags(g.get("Tags")),
                )
                for g in list_all(ec2, "describe_security_groups", "SecurityGroups")
                if g["GroupName"] != "default" and g.get("VpcId") not in skip
            ]

        return {
            "ec2:vpc": vpcs,
            "ec2:subnet": subnets,
            "ec2:internet_gateway": gateways,
            "ec2:elastic_ip": addresses,
            "ec2:nat_gateway": nats,
            "ec2:route_table": route_tables,
            "ec2:security_group": security_groups,
            "ec2:flow_log": flow_logs,
        }

    def _ecr(self) -> list[Live]:
        ecr = self.client("ecr")
        out = []
        for r in e2e.list_all(ecr, "describe_repositories", "repositories"):
            tags = _tags(ecr.list_tags_for_resource(resourceArn=r["repositoryArn"]).get("tags"))
            out.append(
                Live(
                    "ecr:repository",
                    r["repositoryName"],
                    _ids(r["repositoryName"], r["repositoryArn"], r.get("repositoryUri")),
                    tags,
                )
            )
        return out

    def _log_groups(self) -> list[Live]:
        logs = self.client("logs")
        return [
            Live(
                "logs:log_group",
                g["logGroupName"],
                _ids(g["logGroupName"], g.get("arn"), (g.get("arn") or "").removesuffix(":*")),
            )
            for g in e2e.list_all(logs, "describe_log_groups", "logGroups")
        ]

    def _metric_filters(self) -> list[Live]:
        logs = self.client("logs")
        return [
            Live(
                "logs:metric_filter",
                f"{f['logGroupName']}:{f['filterName']}",
                _ids(f"{f['logGroupName']}:{f['filterName']}"),
            )
            for f in e2e.list_all(logs, "describe_metric_filters", "metricFilters")
        ]

    def _roles(self) -> list[Live]:
        iam = self.client("iam")
        out = []
        for r in e2e.list_all(iam, "list_roles", "Roles"):
            tags = _tags(iam.list_role_tags(RoleName=r["RoleName"]).get("Tags"))
            out.append(Live("iam:role", r["RoleName"], _ids(r["RoleName"], r["Arn"]), tags))
        return out

    def _ecs(self) -> dict[str, Callable[[], list[Live]]]:
        ecs = self.client("ecs")

        def active_clusters() -> list[dict[str, Any]]:
            arns = e2e.list_all(ecs, "list_clusters", "clusterArns")
            described = ecs.describe_clusters(clusters=arns, include=["TAGS"])["clusters"] if arns else []
            return [c for c in described if c.get("status") == "ACTIVE"]

        def clusters() -> list[Live]:
            return [
                Live(
                    "ecs:cluster",
                    c["clusterName"],
                    _ids(c["clusterName"], c["clusterArn"]),
                    _tags(c.get("tags"), "key", "value"),
                )
                for c in active_clusters()
            ]

        def services() -> list[Live]:
            out = []
            for cluster in active_clusters():
                arns = e2e.list_all(ecs, "list_services", "serviceArns", cluster=cluster["clusterArn"])
                for start in range(0, len(arns), 10):
                    described = ecs.describe_services(
                        cluster=cluster["clusterArn"], services=arns[start : start + 10], include=["TAGS"]
                    )
                    for s in described["services"]:
                        if s.get("status") == "INACTIVE":
                            continue
                        out.append(
                            Live(
                                "ecs:service",
                                f"{cluster['clusterName']}/{s['serviceName']} ({s.get('status')})",
                                _ids(s["serviceArn"], s["serviceName"]),
                                _tags(s.get("tags"), "key", "value"),
                            )
                        )
            return out

        def task_definitions() -> list[Live]:
            return [
                Live("ecs:task_definition", arn.rsplit("/", 1)[-1], _ids(arn, arn.rsplit("/", 1)[-1]))
                for arn in e2e.list_all(ecs, "list_task_definitions", "taskDefinitionArns", status="ACTIVE")
            ]

        return {"ecs:cluster": clusters, "ecs:service": services, "ecs:task_definition": task_definitions}

    def _elbv2(self) -> dict[str, Callable[[], list[Live]]]:
        elbv2 = self.client("elbv2")

        def tags_of(arns: list[str]) -> dict[str, dict[str, str]]:
            out: dict[str, dict[str, str]] = {}
            for start in range(0, len(arns), 20):
                for d in elbv2.describe_tags(ResourceArns=arns[start : start + 20])["TagDescriptions"]:
                    out[d["ResourceArn"]] = _tags(d.get("Tags"))
            return out

        def lbs() -> list[dict[str, Any]]:
            return e2e.list_all(elbv2, "describe_load_balancers", "LoadBalancers")

        def load_balancers() -> list[Live]:
            found = lbs()
            tags = tags_of([lb["LoadBalancerArn"] for lb in found])
            return [
                Live(
                    "elbv2:load_balancer",
                    lb["LoadBalancerName"],
                    _ids(lb["LoadBalancerArn"], lb["LoadBalancerName"], lb.get("DNSName")),
                    tags.get(lb["LoadBalancerArn"], {}),
                )
                for lb in found
            ]

        def target_groups() -> list[Live]:
            found = e2e.list_all(elbv2, "describe_target_groups", "TargetGroups")
            tags = tags_of([tg["TargetGroupArn"] for tg in found])
            return [
                Live(
                    "elbv2:target_group",
                    tg["TargetGroupName"],
                    _ids(tg["TargetGroupArn"], tg["TargetGroupName"]),
                    tags.get(tg["TargetGroupArn"], {}),
                )
                for tg in found
            ]

        def listeners_of() -> list[dict[str, Any]]:
            return [
                listener
                for lb in lbs()
                for listener in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
            ]

        def listeners() -> list[Live]:
            return [
                Live(
                    "elbv2:listener",
                    f"{item['ListenerArn'].split('/')[-3]} :{item.get('Port')} {item.get('Protocol')}",
                    _ids(item["ListenerArn"]),
                )
                for item in listeners_of()
            ]

        def rules() -> list[Live]:
            out = []
            for listener in listeners_of():
                for r in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
                    if r.get("IsDefault"):
                        continue
                    paths = [
                        v
                        for c in r.get("Conditions") or []
                        for v in c.get("Values") or (c.get("PathPatternConfig") or {}).get("Values") or []
                    ]
                    out.append(Live("elbv2:rule", f"priority {r.get('Priority')} {paths}", _ids(r["RuleArn"])))
            return out

        return {
            "elbv2:load_balancer": load_balancers,
            "elbv2:target_group": target_groups,
            "elbv2:listener": listeners,
            "elbv2:rule": rules,
        }

    def _web_acls(self) -> list[Live]:
        waf = self.client("wafv2")
        return [
            Live("wafv2:web_acl", a["Name"], _ids(a["ARN"], a["Name"], a.get("Id")))
            for a in waf.list_web_acls(Scope="REGIONAL")["WebACLs"]
        ]

    def _associations(self) -> list[Live]:
        """Web ACL ↔ load balancer associations, asked per load balancer (moto 5.2.5 does not serve
        ListResourcesForWebACL); ids as the WebAclAssociation kind records them: ``<acl arn>,<resource arn>``."""
        waf, elbv2 = self.client("wafv2"), self.client("elbv2")
        out = []
        for lb in e2e.list_all(elbv2, "describe_load_balancers", "LoadBalancers"):
            try:
                acl = waf.get_web_acl_for_resource(ResourceArn=lb["LoadBalancerArn"]).get("WebACL")
            except waf.exceptions.WAFNonexistentItemException:
                acl = None
            if acl:
                label = f"{acl['Name']} → {lb['LoadBalancerName']}"
                out.append(Live("wafv2:association", label, _ids(f"{acl['ARN']},{lb['LoadBalancerArn']}")))
        return out

    def _scalable_targets(self) -> list[Live]:
        client = self.client("application-autoscaling")
        out = []
        for t in e2e.list_all(client, "describe_scalable_targets", "ScalableTargets", ServiceNamespace="ecs"):
            key = f"{t['ServiceNamespace']}|{t['ResourceId']}|{t['ScalableDimension']}"
            out.append(Live("appautoscaling:scalable_target", key, _ids(key, t.get("ScalableTargetARN"))))
        return out

    def _scaling_policies(self) -> list[Live]:
        client = self.client("application-autoscaling")
        out = []
        for p in e2e.list_all(client, "describe_scaling_policies", "ScalingPolicies", ServiceNamespace="ecs"):
            key = f"{p['ServiceNamespace']}|{p['ResourceId']}|{p['ScalableDimension']}|{p['PolicyName']}"
            out.append(Live("appautoscaling:scaling_policy", p["PolicyName"], _ids(key, p.get("PolicyARN"))))
        return out

    def _topics(self) -> list[Live]:
        sns = self.client("sns")
        out = []
        for t in e2e.list_all(sns, "list_topics", "Topics"):
            arn = t["TopicArn"]
            tags = _tags(sns.list_tags_for_resource(ResourceArn=arn).get("Tags"))
            out.append(Live("sns:topic", arn.rsplit(":", 1)[-1], _ids(arn, arn.rsplit(":", 1)[-1]), tags))
        return out

    def _secrets(self) -> list[Live]:
        client = self.client("secretsmanager")
        return [
            Live(
                "secretsmanager:secret",
                s["Name"],
                _ids(s["ARN"], s["Name"]),
                _tags(s.get("Tags")),
                aws_owned=RDS_MANAGED_SECRETS if s["Name"].startswith("rds!") else "",
            )
            for s in e2e.list_all(client, "list_secrets", "SecretList")
            if not s.get("DeletedDate")
        ]

    def _rds(self) -> dict[str, Callable[[], list[Live]]]:
        rds = self.client("rds")

        def subnet_groups() -> list[Live]:
            return [
                Live(
                    "rds:subnet_group", g["DBSubnetGroupName"], _ids(g["DBSubnetGroupName"], g.get("DBSubnetGroupArn"))
                )
                for g in e2e.list_all(rds, "describe_db_subnet_groups", "DBSubnetGroups")
                if g["DBSubnetGroupName"] != "default"
            ]

        def clusters() -> list[Live]:
            return [
                Live(
                    "rds:cluster",
                    f"{c['DBClusterIdentifier']} ({c.get('Status')})",
                    _ids(c["DBClusterIdentifier"], c.get("DBClusterArn")),
                    _tags(c.get("TagList")),
                )
                for c in e2e.list_all(rds, "describe_db_clusters", "DBClusters")
                if c.get("Status") != "deleted"
            ]

        def instances() -> list[Live]:
            return [
                Live(
                    "rds:instance",
                    f"{i['DBInstanceIdentifier']} ({i.get('DBInstanceStatus')})",
                    _ids(i["DBInstanceIdentifier"], i.get("DBInstanceArn")),
                    _tags(i.get("TagList")),
                )
                for i in e2e.list_all(rds, "describe_db_instances", "DBInstances")
                if i.get("DBInstanceStatus") != "deleted"
            ]

        return {"rds:subnet_group": subnet_groups, "rds:cluster": clusters, "rds:instance": instances}

    def _alarms(self) -> list[Live]:
        cw = self.client("cloudwatch")
        found = cw.describe_alarms()
        return [
            Live(
                "cloudwatch:alarm",
                a["AlarmName"],
                _ids(a["AlarmName"], a.get("AlarmArn")),
                aws_owned=TARGET_TRACKING_ALARMS if a["AlarmName"].startswith("TargetTracking-") else "",
            )
            for a in (found.get("MetricAlarms") or []) + (found.get("CompositeAlarms") or [])
        ]

    def _dashboards(self) -> list[Live]:
        cw = self.client("cloudwatch")
        return [
            Live("cloudwatch:dashboard", d["DashboardName"], _ids(d["DashboardName"], d.get("DashboardArn")))
            for d in e2e.list_all(cw, "list_dashboards", "DashboardEntries")
        ]

    def _keys(self) -> list[Live]:
        """The platform's KMS keys: those with the ownership tag (CreateKey tags a key in the same call, so every key
        the platform creates carries it from the start; moto makes untagged keys of its own, e.g. the default keys
        of encrypted secrets and clusters). A destroyed key stays listed, `PendingDeletion`, for its window: gone."""
        kms = self.client("kms")
        out = []
        for k in e2e.list_all(kms, "list_keys", "Keys"):
            meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
            if meta.get("KeyState") == "PendingDeletion":
                continue
            tags = _tags(kms.list_resource_tags(KeyId=k["KeyId"]).get("Tags"), "TagKey", "TagValue")
            live = Live("kms:key", k["KeyId"], _ids(k["KeyId"], k.get("KeyArn")), tags)
            if live.tagged:
                out.append(live)
        return out

    def _buckets(self) -> list[Live]:
        """S3 buckets owned by the platform: those with the ownership tag. CreateBucket tags a bucket in the same
        call, so every bucket the platform creates carries it from the start; any other bucket in the emulator
        (a state backend's, a test's own) is not the platform's."""
        s3 = self.client("s3")
        out = []
        for b in e2e.list_all(s3, "list_buckets", "Buckets"):
            name = b["Name"]
            try:
                tags = _tags(s3.get_bucket_tagging(Bucket=name).get("TagSet"))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "NoSuchTagSet":
                    raise
                tags = {}
            live = Live("s3:bucket", name, _ids(name, f"arn:aws:s3:::{name}"), tags)
            if live.tagged:
                out.append(live)
        return out

    def _parameters(self) -> list[Live]:
        ssm = self.client("ssm")
        return [
            Live("ssm:parameter", p["Name"], _ids(p["Name"], p.get("ARN")))
            for p in e2e.list_all(ssm, "describe_parameters", "Parameters")
            if not p["Name"].startswith("/aws/")
        ]


@dataclass
class Audit:
    """What the emulator holds against what the state records."""

    duplicates: dict[str, list[str]]  # kind → objects the emulator holds that no state resource records
    missing: dict[str, list[str]]  # state type → urns (and ids) whose object the emulator does not hold
    live_counts: dict[str, int]
    state_counts: dict[str, int]
    pending_operations: list[str]
    problems: list[str]
    artifacts: dict[str, list[str]] = field(default_factory=dict)  # AWS-owned objects the emulator leaks

    @property
    def artifact_count(self) -> int:
        return sum(len(v) for v in self.artifacts.values())

    @property
    def duplicate_count(self) -> int:
        return sum(len(v) for v in self.duplicates.values())

    @property
    def missing_count(self) -> int:
        return sum(len(v) for v in self.missing.values())

    def report(self) -> str:
        lines = []
        if self.duplicates:
            lines.append(f"DUPLICATES ({self.duplicate_count}: in the emulator, recorded by no state resource):")
            for kind, items in sorted(self.duplicates.items()):
                live, recorded = self.live_counts.get(kind, 0), self.state_counts.get(kind, 0)
                lines.append(f"  {kind}: {len(items)} unrecorded of {live} live, state has {recorded}")
                if kind in MOTO_NOT_IDEMPOTENT:
                    lines.append(f"    (note: {MOTO_NOT_IDEMPOTENT[kind]})")
                lines += [f"    - {item}" for item in items]
        if self.missing:
            lines.append(f"MISSING ({self.missing_count}: in the state, not in the emulator):")
            for kind, items in sorted(self.missing.items()):
                lines += [f"  {kind}: {item}" for item in items]
        if self.pending_operations:
            lines.append(f"PENDING OPERATIONS in the state: {self.pending_operations}")
        if self.artifacts:
            lines.append(f"EMULATOR ARTIFACTS ({self.artifact_count}, not counted as duplicates):")
            for kind, items in sorted(self.artifacts.items()):
                lines += [f"  {kind}: {item}" for item in items]
        if self.problems:
            lines.append(f"AUDITOR PROBLEMS: {self.problems}")
        return "\n".join(lines) or "audit clean: no duplicates, nothing missing"


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def audit(auditor: Auditor, deployment: Mapping[str, Any]) -> Audit:
    """Compares the emulator with an exported deployment (``pulumi stack export``'s ``deployment``)."""
    live = auditor.live()
    resources = [
        r for r in deployment.get("resources") or [] if r.get("custom") and r.get("type", "").startswith("orderapi:")
    ]
    ids_by_type: dict[str, dict[str, str]] = {}
    for r in resources:
        ids_by_type.setdefault(r["type"], {})[str(r.get("id") or "")] = r["urn"]
    outputs_by_type: dict[str, set[str]] = {}
    for r in resources:
        outputs_by_type.setdefault(r["type"], set()).update(_strings(r.get("outputs") or {}))
    duplicates: dict[str, list[str]] = {}
    artifacts: dict[str, list[str]] = {}
    live_ids_by_type: dict[str, set[str]] = {}
    state_counts: dict[str, int] = {}
    for kind, items in live.items():
        types = KIND_TYPES[kind]
        recorded_ids = {i for t in types for i in ids_by_type.get(t, {})}
        state_counts[kind] = sum(len(ids_by_type.get(t, {})) for t in types)
        also = {s for t in OUTPUT_MATCHED.get(kind, ()) for s in outputs_by_type.get(t, set())}
        for item in items:
            for t in types:
                live_ids_by_type.setdefault(t, set()).update(item.ids)
            if item.ids & recorded_ids or item.ids & also:
                continue
            if item.aws_owned:
                artifacts.setdefault(kind, []).append(f"{item.show()} -- {item.aws_owned}")
            else:
                duplicates.setdefault(kind, []).append(item.show())
    missing: dict[str, list[str]] = {}
    audited_types = {t for types in KIND_TYPES.values() for t in types}
    for r in resources:
        if r["type"] in audited_types and str(r.get("id") or "") not in live_ids_by_type.get(r["type"], set()):
            missing.setdefault(r["type"], []).append(f"{r['urn'].rsplit('::', 1)[-1]} id={r.get('id')}")
    pending = [
        f"{p.get('type')} {p.get('resource', {}).get('urn', '?').rsplit('::', 1)[-1]}"
        for p in deployment.get("pending_operations") or []
    ]
    return Audit(
        duplicates=duplicates,
        missing=missing,
        live_counts={k: len(v) for k, v in live.items()},
        state_counts=state_counts,
        pending_operations=pending,
        problems=list(auditor.problems),
        artifacts=artifacts,
    )


ARTIFACTS_KEY = "(emulator artifacts)"


def leftovers(auditor: Auditor, deployment: Mapping[str, Any]) -> dict[str, list[str]]:
    """After a destroy: every object still in the emulator, and every orderapi resource still in the state. AWS-owned
    objects the emulator leaks are listed under ``(emulator artifacts)``, which does not count as left."""
    live = auditor.live()
    left = {kind: [i.show() for i in items if not i.aws_owned] for kind, items in live.items()}
    left = {kind: items for kind, items in left.items() if items}
    artifacts = [f"{i.show()} -- {i.aws_owned}" for items in live.values() for i in items if i.aws_owned]
    if artifacts:
        left[ARTIFACTS_KEY] = artifacts
    in_state = [
        r["urn"].rsplit("::", 1)[-1] + f" ({r['type']})"
        for r in deployment.get("resources") or []
        if r.get("type", "").startswith("orderapi:")
    ]
    if in_state:
        left["(state)"] = in_state
    if auditor.problems:
        left["(auditor problems)"] = list(auditor.problems)
    return left


# --------------------------------------------------------------------------------------------------------------------
# scenarios


@dataclass
class Result:
    """One scenario's outcome (one row of the summary)."""

    scenario: str  # family: baseline, faults-10, faults-30, crash-up, crash-destroy
    name: str
    seed: int | None = None
    fault_rate: float = 0.0
    kill_point: int | None = None
    kill_fired: bool | None = None
    killed_pids: list[int] = field(default_factory=list)
    kill_action: str = ""
    up_runs: int = 0
    converged_after: int | None = None  # number of `up` runs until one succeeded (None: never)
    no_op: bool | None = None
    duplicates: int | None = None
    missing: int | None = None
    destroy_runs: int = 0
    destroyed_after: int | None = None
    left: int | None = None
    artifacts: int = 0  # AWS-owned objects the emulator leaked (not failures; see TARGET_TRACKING_ALARMS)
    live_objects: int | None = None  # what the emulator held after the ups (the platform's objects and any extra)
    mutating_calls_up: int | None = None
    mutating_calls_destroy: int | None = None
    faults: dict[str, int] = field(default_factory=dict)
    lock_cancels: int = 0
    failures: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    workdir: str = ""
    seconds: float = 0.0

    def fail(self, message: str) -> None:
        self.failures.append(message)


RESULTS: list[Result] = []
#: The provider binary the session installed (path, version, sha256 prefix), for the summary.
PROVIDER_INFO: dict[str, Any] = {}
RESULTS_PATH: list[Path] = []


def record(result: Result, path: Path | None) -> None:
    RESULTS.append(result)
    if path is not None:
        if path not in RESULTS_PATH:
            RESULTS_PATH.append(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as handle:
            handle.write(json.dumps(asdict(result)) + "\n")


@dataclass
class Tools:
    moto_server: str
    pulumi_home: Path
    provider_version: str
    program: Path


#: Stack configuration: the example's program with the emulator settings e2e uses.
ENVIRONMENT = "chaos"


def platform_config(suffix: str) -> dict[str, str]:
    return {
        "environment": ENVIRONMENT,
        "environmentSuffix": suffix,
        "imageTag": "1.0.0",
        "maxCount": "12",
        "alarmEmail": "orders-oncall@example.com",
        # moto never runs ECS tasks: the service's deployment can never become steady there.
        "waitForSteadyState": "false",
    }


class Scenario:
    """A fresh moto, a proxy in front of it, and a stack of the platform program pointed at the proxy."""

    def __init__(self, tools: Tools, workdir: Path, result: Result, suffix: str = "cx1") -> None:
        self.tools = tools
        self.workdir = workdir
        self.result = result
        result.workdir = str(workdir)
        self.run_id = f"chaos-{uuid.uuid4().hex[:12]}"
        self.moto = e2e.MotoServer(tools.moto_server, workdir / "moto.log")
        self.proxy: ProxyProcess | None = None
        try:
            self.log = CallLog(workdir / "calls.jsonl")
            self.proxy = ProxyProcess(
                self.moto.endpoint, self.log.path, workdir, max_seconds=3 * 3600, run_id=self.run_id
            )
            self.stack = ChaosStack(tools.program, workdir / "stack", tools.pulumi_home, self.run_id)
            for key, value in {**e2e.provider_config(self.proxy.endpoint), **platform_config(suffix)}.items():
                self.stack.config_set(key, value)
            self.stack.config_set("paymentApiKey", f"chaos-key-{self.run_id}", secret=True)
            self.auditor = Auditor(self.moto.endpoint)
        except BaseException:
            self.close()
            raise
        self.commands = 0
        self.started = time.monotonic()

    def close(self) -> None:
        # Provider processes of this run (they carry its run id) that outlived their CLI: stopped by PID.
        for pid in chaos_proxy.find_run_processes(self.run_id):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proxy is not None:
            self.proxy.stop()
        self.moto.stop()
        self.result.seconds = round(time.monotonic() - getattr(self, "started", time.monotonic()), 1)

    # -- pulumi

    def pulumi(
        self, label: str, args: Sequence[str], timeout: float = DEPLOY_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        """Runs a pulumi command (marking the call log first), saves its output, handles a stale stack lock once."""
        assert self.proxy is not None
        for attempt in (1, 2):
            self.commands += 1
            self.proxy.mark(label, attempt=attempt)
            try:
                result = self.stack.run(args, check=False, timeout=timeout)
            except AssertionError as timeout_error:  # Stack.run kills the command's process group on timeout
                result = subprocess.CompletedProcess(list(args), -9, "", str(timeout_error))
                self.result.details.append(f"{label}: TIMED OUT after {timeout:.0f}s")
            out = self.workdir / f"{self.commands:02d}-{label}.log"
            out.write_text(
                f"$ pulumi {' '.join(args)}\nexit {result.returncode}\n"
                f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
            )
            locked = "currently locked" in (result.stdout + result.stderr)
            if result.returncode != 0 and locked and attempt == 1:
                # Only when a CLI died holding the lock (killed on timeout): the file backend keeps its lock file
                # until `pulumi cancel` removes it. Killing just the provider never gets here: its CLI exits cleanly.
                locks = self.stack.lock_files()
                cancel = self.stack.run(["cancel", "--yes", "--non-interactive"], check=False, timeout=COMMAND_TIMEOUT)
                self.result.lock_cancels += 1
                self.result.details.append(
                    f"{label}: the stack was locked ({len(locks)} lock file(s)); `pulumi cancel --yes` exited "
                    f"{cancel.returncode}: {tail(cancel.stdout + cancel.stderr, 300)}"
                )
                continue
            return result
        return result

    def up(self, label: str) -> bool:
        self.result.up_runs += 1
        return self.pulumi(label, ["up", "--yes", "--skip-preview", "--non-interactive"]).returncode == 0

    def destroy(self, label: str) -> bool:
        self.result.destroy_runs += 1
        return self.pulumi(label, ["destroy", "--yes", "--skip-preview", "--non-interactive"]).returncode == 0

    def no_op(self, label: str = "no-op-preview") -> bool:
        result = self.pulumi(label, ["preview", "--expect-no-changes", "--diff", "--non-interactive"])
        if result.returncode != 0:
            self.result.details.append(
                f"{label}: changes planned after convergence:\n{tail(result.stdout + result.stderr, 4000)}"
            )
        return result.returncode == 0

    def export(self) -> dict[str, Any]:
        result = self.pulumi("export", ["stack", "export", "--show-secrets"], timeout=COMMAND_TIMEOUT)
        if result.returncode != 0:
            raise AssertionError(f"pulumi stack export failed:\n{tail(result.stdout + result.stderr)}")
        return e2e.parse_json(result.stdout).get("deployment") or {}

    def last_output(self, lines: int = 60) -> str:
        logs = sorted(self.workdir.glob("[0-9][0-9]-*.log"))
        if not logs:
            return ""
        text = logs[-1].read_text(errors="replace").splitlines()
        return f"({logs[-1]})\n" + "\n".join(text[-lines:])

    # -- measurements

    def converge(self, max_ups: int, label: str = "up") -> None:
        """Runs ``pulumi up`` until one succeeds or ``max_ups`` ran; records after how many."""
        for attempt in range(1, max_ups + 1):
            if self.up(f"{label}-{attempt}"):
                self.result.converged_after = attempt
                return
            self.result.details.append(f"{label}-{attempt} failed:\n{self.last_output(40)}")

    def audit_state(self) -> Audit:
        found = audit(self.auditor, self.export())
        self.result.duplicates = found.duplicate_count
        self.result.missing = found.missing_count
        self.result.live_objects = sum(found.live_counts.values())
        self.result.artifacts += found.artifact_count
        if (
            found.duplicate_count
            or found.missing_count
            or found.pending_operations
            or found.problems
            or found.artifacts
        ):
            self.result.details.append(found.report() + self.duplicate_calls(found))
        return found

    def duplicate_calls(self, found: Audit) -> str:
        """Call-log lines of the create calls behind each duplicated kind that met a fault or a kill."""
        actions = {a for kind in found.duplicates for a in CREATE_ACTIONS.get(kind, ())}
        if not actions:
            return ""
        context = self.log.around(
            lambda line: line.get("action") in actions and bool(line.get("fault") or line.get("killed") is not None),
            before=2,
            after=2,
        )
        plain = [CallLog.describe(line) for line in self.log.calls() if line.get("action") in actions]
        return (
            f"\ncall log ({self.log.path}) -- create calls of the duplicated kinds that met a fault or kill:\n"
            f"{context or '    (none: no fault or kill touched those calls)'}\n"
            f"all {len(plain)} such calls: " + "; ".join(plain[:40])
        )

    def tear_down(self, max_destroys: int, label: str = "destroy") -> None:
        for attempt in range(1, max_destroys + 1):
            if self.destroy(f"{label}-{attempt}"):
                self.result.destroyed_after = attempt
                break
            self.result.details.append(f"{label}-{attempt} failed:\n{self.last_output(40)}")
        left = leftovers(self.auditor, self.export())
        self.result.left = sum(len(v) for k, v in left.items() if not k.startswith("("))
        self.result.artifacts = max(self.result.artifacts, len(left.get(ARTIFACTS_KEY, [])))
        if left:
            listed = "\n".join(f"  {kind}: {items}" for kind, items in sorted(left.items()))
            self.result.details.append(f"LEFT after destroy ({self.result.left} counted):\n{listed}")

    def phase_summary(self, phase_prefix: str) -> dict[str, Any]:
        phases = self.log.phases()
        calls = [c for name, items in phases.items() if name.startswith(phase_prefix) for c in items]
        return {
            "mutating": sum(1 for c in calls if c.get("mutating")),
            "faults": dict(Counter(c["fault"] for c in calls if c.get("fault"))),
        }

    def kill_context(self) -> str:
        return self.log.around(lambda line: line.get("event") == "kill", before=6, after=4, limit=3)


def check(result: Result, max_ups: int, max_destroys: int) -> None:
    """Turns a scenario's measurements into failures (each naming the figure)."""
    if result.converged_after is None:
        result.fail(f"did not converge in {result.up_runs} `pulumi up` run(s)")
    elif result.converged_after > max_ups:
        result.fail(f"converged only after {result.converged_after} `pulumi up` runs (allowed: {max_ups})")
    if result.no_op is False:
        result.fail("the `pulumi preview --expect-no-changes` after convergence planned changes")
    if result.duplicates:
        result.fail(f"{result.duplicates} duplicate(s): objects in the emulator no state resource records")
    if result.missing:
        result.fail(f"{result.missing} missing: state resources whose object the emulator does not hold")
    if result.destroyed_after is None:
        result.fail(f"`pulumi destroy` failed {result.destroy_runs} time(s)")
    elif result.destroyed_after > max_destroys:
        result.fail(f"destroy needed {result.destroyed_after} runs (allowed: {max_destroys})")
    if result.left:
        result.fail(f"{result.left} object(s) left after destroy")


def failure_message(result: Result, scenario: Scenario | None = None) -> str:
    parts = [f"scenario {result.name}: " + "; ".join(result.failures), f"work directory: {result.workdir}"]
    parts += result.details
    if scenario is not None:
        kill = scenario.kill_context()
        if kill:
            parts.append(f"call log around the kill ({scenario.log.path}):\n{kill}")
        faults = scenario.log.around(
            lambda line: line.get("fault") == "reset-after" and bool(line.get("mutating")), 1, 1, limit=15
        )
        if faults:
            parts.append(f"lost responses of mutating calls (reset-after):\n{faults}")
        parts.append(f"tail of the last pulumi command {scenario.last_output(50)}")
    return "\n\n".join(parts)
