"""Fixtures and the summary table of the chaos suite (see README.md).

Which scenarios run is chosen with environment variables (``make chaos`` sets ``CHAOS_MATRIX=full``):

=========================  =================================================================================
``CHAOS_MATRIX``           ``fast`` (default: one 10 % faults run, one crash point) or ``full``
``CHAOS_RATES``            fault rates of the fault scenarios (fast ``0.10``; full ``0.10,0.30``)
``CHAOS_SEEDS``            seeds per rate (fast ``1``; full ``1,2,3,4,5``)
``CHAOS_CRASH_POINTS``     how many SIGKILL points spread over a clean ``up`` (full: 24)
``CHAOS_KILL_POINTS``      explicit kill points (N-th mutating call), instead of the spread
``CHAOS_DESTROY_POINTS``   how many SIGKILL points spread over a clean ``destroy`` (full: 4)
``CHAOS_FAST_KILL_AFTER``  the fast slice's kill point (default 20: see test_platform_chaos.py)
``CHAOS_MAX_UPS``          ``up`` runs tried before a scenario counts as not converging (default 3)
``CHAOS_DESTROY_FAULTS``   ``1`` (default): fault scenarios also destroy with faults on; ``0``: destroy clean
``CHAOS_FAULTS``           fault mix of the fault scenarios, e.g. ``reset-after`` (ad hoc; default all five)
``CHAOS_MUTATING_ONLY``    ``1``: faults on mutating calls only (ad hoc; default ``0``)
``CHAOS_RESULTS``          JSON lines file the results are appended to (default: under pytest's basetemp)
=========================  =================================================================================
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

e2e = harness.e2e


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


MATRIX = os.environ.get("CHAOS_MATRIX", "fast")
FULL = MATRIX == "full"


@pytest.fixture(scope="session")
def results_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("CHAOS_RESULTS")
    return Path(configured) if configured else tmp_path_factory.getbasetemp() / "chaos-results.jsonl"


@pytest.fixture(scope="session")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Tools]:
    """The CLI, the YAML host, moto and the provider -- installed once into a PULUMI_HOME shared by every scenario
    (a copy of the binary as it was when the session started, whatever rebuilds happen meanwhile; removed at the end,
    the scenarios' logs stay)."""
    for name in e2e.PULUMI_TOOLS:
        e2e.require_tool(name)
    binary = e2e.require_tool("pulumi-resource-orderapi")
    moto_server = e2e.moto_server_executable()
    home = tmp_path_factory.mktemp("pulumi-home") / "home"
    home.mkdir()
    version = harness.install_plugin(home, binary)
    plugins = home / "plugins"
    installed = next(plugins.rglob("pulumi-resource-orderapi"), None)
    digest = hashlib.sha256((installed or Path(binary)).read_bytes()).hexdigest()[:12]
    harness.PROVIDER_INFO.update(binary=binary, version=version, sha256=digest, mtime=os.path.getmtime(binary))
    try:
        yield harness.Tools(
            moto_server=moto_server, pulumi_home=home, provider_version=version, program=e2e.example("yaml")
        )
    finally:
        shutil.rmtree(plugins, ignore_errors=True)


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


# --------------------------------------------------------------------------------------------------------------------
# the summary


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def summary_lines(results: list[harness.Result]) -> list[str]:
    lines = []
    if harness.PROVIDER_INFO:
        info = harness.PROVIDER_INFO
        lines.append(f"provider {info.get('binary')} v{info.get('version')} sha256:{info.get('sha256')}")
    for r in results:
        if r.scenario == "baseline" and r.mutating_calls_up:
            lines.append(
                f"a clean platform `up` through the proxy: {r.mutating_calls_up} mutating calls, {r.live_objects} "
                f"objects in the emulator; its destroy: {r.mutating_calls_destroy} mutating calls"
            )
    families: dict[str, list[harness.Result]] = defaultdict(list)
    for r in results:
        families[r.scenario].append(r)
    header = (
        f"{'scenario':<15} {'runs':>4} {'conv@1':>6} {'conv@2':>6} {'conv@3+':>7} {'never':>5} {'no-op':>5} "
        f"{'dup runs':>8} {'dups':>5} {'missing':>7} {'left runs':>9} {'left':>5} {'artifacts':>9} {'passed':>6}"
    )
    lines += ["", header, "-" * len(header)]
    for family, rs in families.items():
        conv = [r.converged_after for r in rs]
        lines.append(
            f"{family:<15} {len(rs):>4} {conv.count(1):>6} {conv.count(2):>6} "
            f"{sum(1 for c in conv if c and c >= 3):>7} {conv.count(None):>5} "
            f"{sum(1 for r in rs if r.no_op):>5} "
            f"{sum(1 for r in rs if r.duplicates):>8} {sum(r.duplicates or 0 for r in rs):>5} "
            f"{sum(r.missing or 0 for r in rs):>7} {sum(1 for r in rs if r.left):>9} {sum(r.left or 0 for r in rs):>5} "
            f"{sum(r.artifacts for r in rs):>9} {sum(1 for r in rs if not r.failures):>6}"
        )
    lines += [
        "",
        "per run (conv: ups until one succeeded; destr: destroys until one succeeded; art: emulator artifacts):",
    ]
    head = (
        f"  {'name':<28} {'kill@':>5} {'fired':>5} {'ups':>3} {'conv':>4} {'no-op':>5} {'dup':>3} {'miss':>4} "
        f"{'destr':>5} {'left':>4} {'art':>3} {'live':>4} {'mut':>4} {'faults':<40} {'s':>5}  result"
    )
    lines.append(head)
    for r in results:
        faults = ",".join(f"{k}:{v}" for k, v in sorted(r.faults.items()))
        verdict = "ok" if not r.failures else "FAIL: " + "; ".join(r.failures)
        lines.append(
            f"  {r.name:<28} {_fmt(r.kill_point):>5} {_fmt(r.kill_fired):>5} {r.up_runs:>3} "
            f"{_fmt(r.converged_after):>4} {_fmt(r.no_op):>5} {_fmt(r.duplicates):>3} {_fmt(r.missing):>4} "
            f"{_fmt(r.destroyed_after):>5} {_fmt(r.left):>4} {r.artifacts:>3} {_fmt(r.live_objects):>4} "
            f"{_fmt(r.mutating_calls_up):>4} {faults:<40} {r.seconds:>5.0f}  {verdict}"
        )
        if r.kill_action:
            lines.append(f"  {'':<28} killed at {r.kill_action} pids={r.killed_pids}")
    return lines


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not harness.RESULTS:
        return
    terminalreporter.section(f"chaos summary ({MATRIX} matrix)")
    for line in summary_lines(harness.RESULTS):
        terminalreporter.write_line(line)
    for where in harness.RESULTS_PATH:
        terminalreporter.write_line(f"results (JSON lines): {where}")
