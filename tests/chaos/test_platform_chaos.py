"""The whole platform (``examples/yaml``) deployed through the chaos proxy by the real CLI, audited with boto3.

Every scenario gets a fresh moto, a fresh proxy and a fresh stack, and measures: after how many ``pulumi up`` runs
the stack converged, whether a ``pulumi preview --expect-no-changes`` then plans nothing, what the emulator holds
that the state does not record (duplicates) and the reverse (missing), and what a destroy leaves. The families:

* ``baseline`` -- no faults (full matrix only): the clean figures, and the call log the kill points are spread over;
* ``faults-<rate>`` -- ``fault_rate`` of every call (reads and mutations) gets one of the five faults, for a seed;
  10 % must converge in one ``up``, 30 % in at most two; the destroy runs with the faults on too (unless
  ``CHAOS_DESTROY_FAULTS=0``) and must finish within the same number of runs;
* ``crash-up`` -- the provider is SIGKILLed right after the k-th mutating call of an ``up`` got its answer (the
  change is in AWS, the provider never reports it); then one plain ``pulumi up`` must converge with no duplicate;
* ``crash-destroy`` -- SIGKILL after the k-th mutating call of a ``destroy``; a second destroy must leave nothing.

The fast slice (default) is one 10 % run (seed 1) and one crash point; ``CHAOS_MATRIX=full`` is the whole matrix
(see conftest.py for the knobs). Failures carry the audit, the call-log lines around faults and kills, and the tail
of the pulumi output; each scenario's directory keeps the call log, moto's log and every command's output.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import harness
from conftest import FULL, env_list
from harness import Result, Scenario, Tools, check, failure_message, record

MAX_UPS = int(os.environ.get("CHAOS_MAX_UPS", "3"))
#: The fault mix of the fault scenarios (proxy.py --faults syntax; default: the five kinds, equally likely), and
#: whether reads are spared. Ad-hoc runs only: the matrix uses the defaults.
FAULTS = os.environ.get("CHAOS_FAULTS", ",".join(harness.chaos_proxy.FAULT_KINDS))
MUTATING_ONLY = os.environ.get("CHAOS_MUTATING_ONLY", "0") == "1"
DESTROY_FAULTS = os.environ.get("CHAOS_DESTROY_FAULTS", "1") != "0"
RATES = [float(r) for r in env_list("CHAOS_RATES", "0.10,0.30" if FULL else "0.10")]
SEEDS = [int(s) for s in env_list("CHAOS_SEEDS", "1,2,3,4,5" if FULL else "1")]
EXPLICIT_KILL_POINTS = [int(k) for k in env_list("CHAOS_KILL_POINTS", "")]
CRASH_POINTS = len(EXPLICIT_KILL_POINTS) or int(os.environ.get("CHAOS_CRASH_POINTS", "24" if FULL else "1"))
#: The fast slice's kill point without a baseline: in a clean up (94 mutating calls) the 20th is one of the three
#: CreateNatGateway calls (the order of parallel creates varies a little): a create AWS answered and the provider
#: never reported. Override with CHAOS_FAST_KILL_AFTER.
FAST_KILL_AFTER = int(os.environ.get("CHAOS_FAST_KILL_AFTER", "20"))
DESTROY_POINTS = int(os.environ.get("CHAOS_DESTROY_POINTS", "4" if FULL else "0"))
#: Calls that bring something into existence: the points right after them are where a crash loses a create.
CREATE_PREFIXES = ("Create", "Allocate", "Register", "Put", "Associate", "Attach", "Run", "Subscribe")


def allowed_runs(rate: float) -> int:
    """`up` (and `destroy`) runs a fault rate may take: one at 10 % or less, two above."""
    return 1 if rate <= 0.10 + 1e-9 else 2


def spread(total: int, count: int) -> list[int]:
    """``count`` distinct points evenly over 1..``total`` (fewer when ``total`` is smaller)."""
    if total <= 0 or count <= 0:
        return []
    count = min(count, total)
    return sorted({max(1, min(total, round((i + 0.5) * total / count))) for i in range(count)})


@dataclass
class Baseline:
    result: Result
    up_calls: list[tuple[int, str]]  # (forwarded mutating index, service:action) of the clean up
    destroy_mutating: int


@pytest.fixture(scope="session")
def baseline(tools: Tools, tmp_path_factory: pytest.TempPathFactory, results_path: Path) -> Iterator[Baseline]:
    """A clean deployment and destroy through the proxy without faults: the figures every other scenario is measured
    against, and the mutating calls the kill points are spread over."""
    result = Result("baseline", "baseline-clean")
    scenario = Scenario(tools, tmp_path_factory.mktemp("baseline"), result)
    try:
        scenario.converge(1)
        if result.converged_after:
            result.no_op = scenario.no_op()
        scenario.audit_state()
        up_calls = [
            (c["forwarded_index"], f"{c['service']}:{c['action']}")
            for c in scenario.log.calls("up-1")
            if c.get("forwarded_index")
        ]
        result.mutating_calls_up = len(up_calls)
        scenario.tear_down(1)
        result.mutating_calls_destroy = scenario.phase_summary("destroy")["mutating"]
        result.faults = scenario.log.summary()["faults"]
        check(result, 1, 1)
    finally:
        scenario.close()
        record(result, results_path)
    yield Baseline(result, up_calls, result.mutating_calls_destroy or 0)


def fail_with(result: Result, scenario: Scenario) -> None:
    if result.failures:
        pytest.fail(failure_message(result, scenario), pytrace=False)


# --------------------------------------------------------------------------------------------------------------------
# baseline


if FULL:

    def test_baseline(baseline: Baseline) -> None:
        """Without faults the platform converges in one up, plans nothing afterwards and destroys cleanly."""
        if baseline.result.failures:
            pytest.fail(
                f"{'; '.join(baseline.result.failures)}\n\n" + "\n\n".join(baseline.result.details), pytrace=False
            )


# --------------------------------------------------------------------------------------------------------------------
# faults


@pytest.mark.parametrize(
    ("rate", "seed"),
    [(rate, seed) for rate in RATES for seed in SEEDS],
    ids=[f"{round(rate * 100)}pct-seed{seed}" for rate in RATES for seed in SEEDS],
)
def test_faults(rate: float, seed: int, tools: Tools, tmp_path: Path, results_path: Path) -> None:
    """``rate`` of all calls get a fault (500, 503, throttle, reset before / after forwarding, equally likely):
    converges within the allowed ups, then plans nothing, duplicates nothing, misses nothing, destroys to zero."""
    family = f"faults-{round(rate * 100)}"
    result = Result(family, f"{family}-seed{seed}", seed=seed, fault_rate=rate)
    allowed = allowed_runs(rate)
    scenario = Scenario(tools, tmp_path, result)
    try:
        assert scenario.proxy is not None
        scenario.proxy.configure(seed=seed, fault_rate=rate, faults=FAULTS, mutating_only=MUTATING_ONLY)
        scenario.converge(max(MAX_UPS, allowed))
        if result.converged_after:
            result.no_op = scenario.no_op()
        scenario.audit_state()
        result.mutating_calls_up = scenario.phase_summary("up-")["mutating"]
        if not DESTROY_FAULTS:
            scenario.proxy.configure(fault_rate=0.0)
        scenario.tear_down(allowed + 1)
        result.faults = scenario.log.summary()["faults"]
        check(result, allowed, allowed)
    finally:
        scenario.close()
        record(result, results_path)
    fail_with(result, scenario)


# --------------------------------------------------------------------------------------------------------------------
# crashes


def up_kill_points(baseline: Baseline | None) -> list[int]:
    """The kill points of the crash-up scenarios: explicit, or half right after create calls and half evenly over
    all mutating calls of the clean up (``CRASH_POINTS`` distinct points), or the fast slice's one point."""
    if EXPLICIT_KILL_POINTS:
        return EXPLICIT_KILL_POINTS
    if baseline is None:
        return [FAST_KILL_AFTER]
    total = len(baseline.up_calls)
    creates = [i for i, action in baseline.up_calls if action.split(":", 1)[-1].startswith(CREATE_PREFIXES)]
    chosen = {creates[p - 1] for p in spread(len(creates), CRASH_POINTS // 2)}
    chosen |= set(spread(total, CRASH_POINTS - len(chosen)))
    # Collisions leave fewer points: add the ones farthest from any chosen point.
    while len(chosen) < min(CRASH_POINTS, total):
        chosen.add(max(range(1, total + 1), key=lambda p: min(abs(p - c) for c in chosen)))
    return sorted(chosen)[:CRASH_POINTS]


@pytest.mark.parametrize("index", range(CRASH_POINTS), ids=[f"point{i + 1}" for i in range(CRASH_POINTS)])
def test_crash_during_up(
    index: int, tools: Tools, tmp_path: Path, results_path: Path, request: pytest.FixtureRequest
) -> None:
    """SIGKILL of the provider right after the k-th mutating call of an up was answered by AWS (before the provider
    saw the answer); then a plain ``pulumi up`` converges, plans nothing more, duplicates nothing, destroys to 0."""
    base: Baseline | None = request.getfixturevalue("baseline") if FULL and not EXPLICIT_KILL_POINTS else None
    points = up_kill_points(base)
    if index >= len(points):
        pytest.skip(f"only {len(points)} distinct kill points in a clean up")
    kill_after = points[index]
    result = Result("crash-up", f"crash-up-after-{kill_after}", kill_point=kill_after)
    scenario = Scenario(tools, tmp_path, result)
    try:
        assert scenario.proxy is not None
        scenario.proxy.configure(kill_after=kill_after)
        killed_up = scenario.pulumi("up-killed", ["up", "--yes", "--skip-preview", "--non-interactive"])
        stats = scenario.proxy.stats()
        result.kill_fired = bool(stats["kill_fired"])
        if stats["kills"]:
            kill = stats["kills"][0]
            result.killed_pids = kill["pids"]
            result.kill_action = f"{kill['service']}:{kill['action']} (mutating call {kill['mutating_index']})"
        scenario.proxy.configure(kill_after=0)
        if not result.kill_fired:
            result.fail(f"the kill after mutating call {kill_after} never fired ({stats['mutating_forwarded']} made)")
        elif not result.killed_pids:
            result.fail(f"the kill fired but found no provider process carrying {harness.RUN_VARIABLE}")
        if killed_up.returncode == 0 and result.killed_pids:
            result.details.append("the killed up still reported success")
        scenario.converge(MAX_UPS)
        if result.converged_after:
            result.no_op = scenario.no_op()
        scenario.audit_state()
        result.mutating_calls_up = scenario.phase_summary("up-")["mutating"]
        scenario.tear_down(2)
        result.faults = scenario.log.summary()["faults"]
        check(result, 1, 1)
    finally:
        scenario.close()
        record(result, results_path)
    fail_with(result, scenario)


if DESTROY_POINTS:

    @pytest.mark.parametrize("index", range(DESTROY_POINTS), ids=[f"point{i + 1}" for i in range(DESTROY_POINTS)])
    def test_crash_during_destroy(
        index: int, tools: Tools, tmp_path: Path, results_path: Path, baseline: Baseline
    ) -> None:
        """A clean up, then SIGKILL after the k-th mutating call of the destroy; a second destroy leaves nothing."""
        points = spread(baseline.destroy_mutating, DESTROY_POINTS)
        if index >= len(points):
            pytest.skip(f"only {len(points)} distinct kill points in a clean destroy")
        kill_after = points[index]
        result = Result("crash-destroy", f"crash-destroy-after-{kill_after}", kill_point=kill_after)
        scenario = Scenario(tools, tmp_path, result)
        try:
            assert scenario.proxy is not None
            scenario.converge(1)
            scenario.audit_state()
            if result.converged_after is None:
                result.fail("the clean up before the destroy failed: no destroy measured")
            else:
                scenario.proxy.configure(kill_after=kill_after)
                scenario.pulumi("destroy-killed", ["destroy", "--yes", "--skip-preview", "--non-interactive"])
                stats = scenario.proxy.stats()
                result.kill_fired = bool(stats["kill_fired"])
                if stats["kills"]:
                    kill = stats["kills"][0]
                    result.killed_pids = kill["pids"]
                    result.kill_action = f"{kill['service']}:{kill['action']} (mutating call {kill['mutating_index']})"
                scenario.proxy.configure(kill_after=0)
                if not result.kill_fired:
                    result.fail(f"the kill after mutating call {kill_after} of the destroy never fired")
                scenario.tear_down(2)
            result.faults = scenario.log.summary()["faults"]
            check(result, 1, 1)
        finally:
            scenario.close()
            record(result, results_path)
        fail_with(result, scenario)
