"""The language end-to-end suite, shared by test_language_{typescript,python,go}.py (one module per language, so each
gets its own fresh moto server).

Each language deploys its ``examples/<language>`` program -- unchanged -- with the SDK installed as a user installs
it: the npm package tarball and the Python wheel that ``scripts/dist-sdks.sh`` (``make dist``) builds, the Go module
through ``replace``. The program runs through Pulumi's Automation API as an *inline* program (the runner beside it:
``run.ts``, ``run.py``, ``inline.go``), so the language runtime runs in the runner's process and the CLI needs no
``pulumi-language-<language>`` host. Then: the outputs against what the emulator holds (boto3), exactly one orderapi
provider in the state, the secret input never in plaintext in a plain ``pulumi stack export``, a second up with no
change, destroy, nothing left.

Toolchains and dependencies are pinned and cached under ``$ORDERAPI_CACHE`` (like scripts/check-sdks-compile.sh); a
missing tool fails the tests, never skips them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    DEPLOY_TIMEOUT,
    REPO_ROOT,
    MotoServer,
    _pulumi_env,
    assert_platform_gone,
    example,
    provider_config,
    require_tool,
    tags_of,
    tail,
)

CACHE = Path(os.environ.get("ORDERAPI_CACHE") or Path.home() / ".cache" / "pulumi-orderapi")
#: Pinned like scripts/check-sdks-compile.sh.
PULUMI_PY, PULUMI_NODE, TYPESCRIPT, TYPES_NODE = "3.272.0", "3.270.0", "5.9.3", "20.19.43"
INSTALL_TIMEOUT = 900.0
PROVIDER = "pulumi:providers:orderapi"
STACK_NAME = "test"
#: Given as a secret input (config --secret → service.secrets); must never be in the state in plaintext.
SECRET = "pay-key-5f0c9e1d7a3b42e8b6c4"
#: Seconds spent per step (install, build, each language's up/destroy), printed at the end of the session.
TIMINGS: dict[str, float] = {}


def run_command(
    argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = INSTALL_TIMEOUT
) -> str:
    """Runs a command in its own process group; fails with the tail of its output when it fails or times out."""
    process = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        raise AssertionError(
            f"`{' '.join(argv)}` timed out after {timeout:.0f}s\n{tail(stdout)}\n{tail(stderr)}"
        ) from None
    if process.returncode != 0:
        raise AssertionError(
            f"`{' '.join(argv)}` exited with {process.returncode}\n--- stdout ---\n{tail(stdout)}\n"
            f"--- stderr ---\n{tail(stderr)}"
        )
    return stdout


def timed(label: str, argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    start = time.monotonic()
    try:
        return run_command(argv, cwd, env)
    finally:
        TIMINGS[label] = TIMINGS.get(label, 0.0) + time.monotonic() - start


# --------------------------------------------------------------------------------------------------------------------
# artifacts and runners


@dataclass(frozen=True)
class Artifacts:
    npm_tarball: Path
    wheel: Path
    sdist: Path


def build_artifacts(out: Path) -> Artifacts:
    """``scripts/dist-sdks.sh`` (what ``make dist`` runs) into ``out``."""
    require_tool("node")
    require_tool("npm")
    printed = timed("dist-sdks", ["bash", str(REPO_ROOT / "scripts" / "dist-sdks.sh"), str(out)], REPO_ROOT)
    paths = [Path(line) for line in printed.split()]

    def one(pattern: str) -> Path:
        found = sorted(out.glob(pattern))
        assert len(found) == 1, f"expected one {pattern} in {out}: {found} (printed {paths})"
        assert found[0] in paths, f"dist-sdks.sh did not print {found[0]}: {printed}"
        return found[0]

    return Artifacts(
        one("orderapi-pulumi-orderapi-*.tgz"), one("pulumi_orderapi-*.whl"), one("pulumi_orderapi-*.tar.gz")
    )


@dataclass(frozen=True)
class Runner:
    """How to run one language's example runner: ``argv + [action]`` in ``cwd``."""

    argv: list[str]
    cwd: Path


def python_runner(artifacts: Artifacts, root: Path) -> Runner:
    """A venv with pulumi from PyPI (cached) and the SDK wheel installed with pip; runs examples/python/run.py."""
    require_tool("python3")
    venv = CACHE / f"e2e-python-{PULUMI_PY}"
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip"]
    if not python.exists() or subprocess.run([str(python), "-c", "import pulumi"], capture_output=True).returncode:
        timed("python install", ["python3", "-m", "venv", str(venv)], root)
        timed("python install", [*pip, "install", "-q", f"pulumi=={PULUMI_PY}"], root)
    # The wheel with pip (replacing an earlier session's), its requirements satisfied (pip check), importable.
    timed("python install", [*pip, "install", "-q", "--force-reinstall", "--no-deps", str(artifacts.wheel)], root)
    timed("python install", [*pip, "check"], root)
    run_command([str(python), "-c", "import pulumi_orderapi as o; o.OrderApiPlatform"], root)
    return Runner([str(python), str(example("python") / "run.py")], root)


def typescript_runner(artifacts: Artifacts, root: Path) -> Runner:
    """A node project: examples/typescript (index.ts, run.ts, tsconfig.json) with the npm tarball installed by npm,
    compiled with tsc; runs bin/run.js. npm's own cache (~/.npm) makes later installs offline-fast."""
    npm = require_tool("npm")
    require_tool("node")
    project = root / "typescript"
    source = example("typescript")
    project.mkdir()
    for name in ("index.ts", "run.ts", "tsconfig.json"):
        shutil.copy(source / name, project / name)
    manifest = json.loads((source / "package.json").read_text())
    manifest["dependencies"]["@orderapi/pulumi-orderapi"] = f"file:{artifacts.npm_tarball}"
    (project / "package.json").write_text(json.dumps(manifest, indent=4))
    timed("typescript install", [npm, "install", "--no-audit", "--no-fund", "--prefer-offline"], project)
    installed = json.loads((project / "node_modules" / "@pulumi" / "pulumi" / "package.json").read_text())
    assert installed["version"] == PULUMI_NODE, f"@pulumi/pulumi {installed['version']} installed, {PULUMI_NODE} pinned"
    timed("typescript build", [str(project / "node_modules" / ".bin" / "tsc"), "-p", "tsconfig.json"], project)
    return Runner([require_tool("node"), str(project / "bin" / "run.js")], project)


def go_runner(artifacts: Artifacts, root: Path) -> Runner:
    """examples/go built with ``-tags inline`` (inline.go's main instead of main.go's); the SDK module comes
    through go.mod's ``replace``."""
    del artifacts
    go = require_tool("go")
    binary = root / "orderapi-go-inline"
    timed("go build", [go, "build", "-tags", "inline", "-o", str(binary), "."], example("go"))
    return Runner([str(binary)], root)


RUNNERS = {"python": python_runner, "typescript": typescript_runner, "go": go_runner}


# --------------------------------------------------------------------------------------------------------------------
# the stack


class LanguageStack:
    """One language's stack: its runner, a PULUMI_HOME with the freshly built provider plugin installed, a file
    backend and a work directory shared by the runner and plain CLI commands."""

    def __init__(self, language: str, runner: Runner, root: Path, moto: MotoServer, name: str) -> None:
        self.language, self.runner, self.root = language, runner, root
        #: The platform's <environment>-<suffix>, in every AWS name.
        self.platform = f"lang-{name}"
        self.work = root / "work"
        self.work.mkdir()
        state = root / "state"
        state.mkdir()  # the file backend's directory must exist before the stack is created
        self.env = _pulumi_env(root)
        self.env["PULUMI_BACKEND_URL"] = f"file://{state}"
        binary = require_tool("pulumi-resource-orderapi")
        version = run_command([binary, "--version"], root).split()[-1]
        self.pulumi("plugin", "install", "resource", "orderapi", version, "--file", binary)
        config = {
            **{k: {"value": v, "secret": False} for k, v in provider_config(moto.endpoint).items()},
            "environment": {"value": "lang", "secret": False},
            "environmentSuffix": {"value": name, "secret": False},
            "paymentApiKey": {"value": SECRET, "secret": True},
            # moto never runs ECS tasks: the service's deployment can never become steady there.
            "waitForSteadyState": {"value": "false", "secret": False},
        }
        self.env.update(
            ORDERAPI_E2E_WORK_DIR=str(self.work),
            ORDERAPI_E2E_STACK=STACK_NAME,
            ORDERAPI_E2E_CONFIG=json.dumps(config),
            ORDERAPI_E2E_RESULT=str(root / "result.json"),
        )

    def pulumi(self, *args: str) -> str:
        """A plain CLI command in the runner's work directory (the project the Automation API wrote there)."""
        return run_command(["pulumi", "--color=never", *args], self.work, self.env, timeout=DEPLOY_TIMEOUT)

    def act(self, action: str) -> dict[str, Any]:
        """``<runner> up|destroy``; the runner's JSON result."""
        result = self.root / "result.json"
        result.unlink(missing_ok=True)
        timed(f"{self.language} {action}", [*self.runner.argv, action], self.runner.cwd, self.env)
        return json.loads(result.read_text())

    def export_text(self) -> str:
        """``pulumi stack export`` as a user runs it: no ``--show-secrets``."""
        return self.pulumi("stack", "export", "--stack", STACK_NAME)

    def resources(self) -> list[dict[str, Any]]:
        return json.loads(self.export_text())["deployment"].get("resources") or []


# --------------------------------------------------------------------------------------------------------------------
# fixtures and tests (imported by each test_language_<language>.py, which defines the `language` fixture)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    return build_artifacts(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def stack(
    language: str, artifacts: Artifacts, moto: MotoServer, tmp_path_factory: pytest.TempPathFactory
) -> LanguageStack:
    root = tmp_path_factory.mktemp(f"lang-{language}")
    runner = RUNNERS[language](artifacts, root)
    return LanguageStack(language, runner, root, moto, {"typescript": "ts1", "python": "py1", "go": "go1"}[language])


@pytest.fixture(scope="module")
def deployed(stack: LanguageStack) -> dict[str, Any]:
    """The first up's result: every resource created, none changed otherwise."""
    result = stack.act("up")
    changes = result["changes"]
    assert set(changes) == {"create"} and changes["create"] >= 55, f"first up: {changes}"
    return result["outputs"]


def test_outputs_match_the_emulator(deployed: dict[str, Any], stack: LanguageStack, moto: MotoServer) -> None:
    """albDnsName, ecsServiceArn, rdsClusterEndpoint, vpcId and the subnet id lists are what boto3 reads."""
    platform = stack.platform
    ec2, elbv2, ecs, rds = (moto.client(s) for s in ("ec2", "elbv2", "ecs", "rds"))
    [lb] = elbv2.describe_load_balancers(Names=[f"alb-{platform}"])["LoadBalancers"]
    [service] = ecs.describe_services(cluster=f"ecs-{platform}", services=[f"svc-{platform}"])["services"]
    [cluster] = rds.describe_db_clusters(DBClusterIdentifier=f"aurora-{platform}")["DBClusters"]
    subnets = {tags_of(s).get("Name"): s for s in ec2.describe_subnets()["Subnets"]}

    def subnet_ids(tier: str) -> list[str]:
        return [subnets[f"subnet-{tier}-{az}-{platform}"]["SubnetId"] for az in "abc"]

    expected = {
        "albDnsName": lb["DNSName"],
        "ecsServiceArn": service["serviceArn"],
        "rdsClusterEndpoint": cluster["Endpoint"],
        "vpcId": lb["VpcId"],
        "publicSubnetIds": subnet_ids("public"),
        "privateSubnetIds": subnet_ids("private"),
    }
    assert {key: deployed.get(key) for key in expected} == expected
    assert tags_of(ec2.describe_vpcs(VpcIds=[lb["VpcId"]])["Vpcs"][0]).get("Name") == f"vpc-{platform}"


def test_one_orderapi_provider(deployed: dict[str, Any], stack: LanguageStack) -> None:
    """The component and every child use one provider: one ``pulumi:providers:orderapi`` in the state (one plugin
    process per operation)."""
    resources = stack.resources()
    providers = [r for r in resources if r["type"] == PROVIDER]
    assert len(providers) == 1, f"orderapi providers in the state: {[p['urn'] for p in providers]}"
    reference = f"{providers[0]['urn']}::{providers[0]['id']}"
    custom = [r for r in resources if r["type"].startswith("orderapi:") and r.get("custom")]
    assert len(custom) >= 50, f"only {len(custom)} custom orderapi resources"
    strays = {r["urn"]: r.get("provider") for r in custom if r.get("provider") != reference}
    assert not strays, f"resources not on {reference}: {strays}"


def test_secret_is_never_in_plaintext_state(deployed: dict[str, Any], stack: LanguageStack, moto: MotoServer) -> None:
    """The secret config value reached Secrets Manager, and the state as ``pulumi stack export`` prints it holds it
    only encrypted."""
    secret = moto.client("secretsmanager").get_secret_value(SecretId=f"secret-app-{stack.platform}")["SecretString"]
    assert SECRET in secret, "the secret input never reached Secrets Manager"
    text = stack.export_text()
    assert "4dabf18193072939515e22adb298388d" in text, "the export holds no secret at all"
    assert SECRET not in text, "the secret input is in the state in plaintext"


def test_second_up_changes_nothing(deployed: dict[str, Any], stack: LanguageStack) -> None:
    changes = stack.act("up")["changes"]
    assert set(changes) == {"same"}, f"second up: {changes}"


def test_destroy_leaves_nothing(deployed: dict[str, Any], stack: LanguageStack, moto: MotoServer) -> None:
    changes = stack.act("destroy")["changes"]
    assert set(changes) == {"delete"}, f"destroy: {changes}"
    assert_platform_gone(moto, stack.platform)
    left = [r["urn"] for r in stack.resources() if r["type"].startswith(("orderapi:", PROVIDER))]
    assert left == [], f"left in the state: {left}"
