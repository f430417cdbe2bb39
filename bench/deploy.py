#!/usr/bin/env python3
"""make bench: deploy the whole platform (examples/yaml) and destroy it, in three configurations, and report what
the deploy time is made of (see README.md).

Each configuration gets a fresh moto (emulator/), the chaos suite's proxy in front of it (tests/chaos/proxy.py:
its call log counts the AWS calls, its latency knobs add AWS-like latency) and a fresh stack with a local file
backend, driven by the real CLI the way tests/chaos and scripts/demo.sh do it (the harness code is reused from
tests/chaos/harness.py). One `pulumi up --event-log` per configuration; each event-log line is stamped when it
appears (the engine's own timestamps are whole seconds). Then `pulumi stack export` gives the dependency graph,
and bench/critical_path.py the figures.

Usage: bench/deploy.py [--configs plain,latency,timed] [--scale 0.01] [--out FILE]
Needs on PATH what tests/chaos needs (`eval "$(bash scripts/tools.sh env)"`, the debug provider); run with the moto
venv's python (boto3, pytest).
"""

from __future__ import annotations

# Extra `pulumi up` arguments: `--parallel N` when --parallel is given.
PARALLEL: list[str] = []

import argparse
import json
import os
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO_ROOT / "tests" / "chaos"))

import critical_path as cp  # noqa: E402
import harness  # noqa: E402  (tests/chaos/harness.py: proxy process, call log, stacks, e2e helpers)

e2e = harness.e2e
COMPONENT = "orderapi:index:OrderApiPlatform"
#: The slow kinds: the state type and the emulator/timing.py entry of its create (and delete).
SLOW_KINDS = {
    "orderapi:ec2:NatGateway": "nat_gateway",
    "orderapi:elbv2:LoadBalancer": "load_balancer",
    "orderapi:rds:Cluster": "db_cluster",
    "orderapi:rds:ClusterInstance": "db_instance",
    "orderapi:ecs:Service": "ecs_service",
}
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Config:
    name: str
    description: str
    read_latency_ms: float = 0.0
    write_latency_ms: float = 0.0
    scale: float | None = None  # the emulator's timing model (None: off)


CONFIGS = {
    "plain": Config("plain", "plain emulator (moto, no latency, slow kinds instant)"),
    "latency": Config("latency", "AWS-like latency: reads 80 ms, mutating calls 250 ms", 80.0, 250.0),
    "timed": Config("timed", "latency + AWS durations x scale (emulator timing model)", 80.0, 250.0, 0.01),
}


@dataclass
class Result:
    config: str
    description: str
    read_latency_ms: float
    write_latency_ms: float
    scale: float | None
    wait_for_steady_state: bool
    up_seconds: float = 0.0
    up_ok: bool = False
    children: int = 0
    children_steps: int = 0
    children_wall_seconds: float = 0.0
    critical_path_seconds: float = 0.0
    wall_over_critical: float = 0.0
    critical_path: list[dict[str, Any]] = field(default_factory=list)
    aws_calls_up: int = 0
    aws_mutating_calls_up: int = 0
    predicted_real_critical_path_seconds: float | None = None
    predicted_real_critical_path: list[dict[str, Any]] = field(default_factory=list)
    # The longest chain ending at the ECS service (its deployment steady included): when the API serves.
    predicted_real_service_ready_seconds: float | None = None
    destroy_seconds: float = 0.0
    destroy_ok: bool = False
    destroy_children_wall_seconds: float = 0.0
    destroy_critical_path_seconds: float = 0.0
    aws_calls_destroy: int = 0
    timing: dict[str, Any] = field(default_factory=dict)
    workdir: str = ""
    errors: list[str] = field(default_factory=list)


class EventTail:
    """Stamps each line of a growing event log with the time it appeared (polled every 5 ms)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        buffer, offset = "", 0
        while True:
            stopping = self._stop.is_set()
            if self.path.exists():
                with open(self.path, encoding="utf-8", errors="replace") as handle:
                    handle.seek(offset)
                    chunk = handle.read()
                    offset = handle.tell()
                if chunk:
                    now = time.time()
                    buffer += chunk
                    *complete, buffer = buffer.split("\n")
                    self.lines += [(now, line) for line in complete]
            if stopping:
                if buffer.strip():
                    self.lines.append((time.time(), buffer))
                return
            time.sleep(0.005)

    def stop(self) -> list[dict[str, Any]]:
        self._stop.set()
        self._thread.join()
        return cp.read_events([line for _, line in self.lines], [t for t, _ in self.lines])


def timing_control(endpoint: str, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    data = None if settings is None else json.dumps(settings).encode()
    request = urllib.request.Request(
        f"{endpoint}/_orderapi/timing",
        data=data,
        method="GET" if data is None else "POST",
        headers={"Content-Type": "application/json"},
    )
    with _DIRECT.open(request, timeout=10) as response:
        return json.loads(response.read())


def path_rows(path: cp.CriticalPath, steps: dict[str, cp.Step], weight: dict[str, float]) -> list[dict[str, Any]]:
    return [
        {
            "resource": cp.short(urn),
            "op": steps[urn].op if urn in steps else "",
            "seconds": round(weight.get(urn, 0.0), 3),
        }
        for urn in path.urns
    ]


def run_config(config: Config, tools: harness.Tools, root: Path) -> Result:
    workdir = root / config.name
    workdir.mkdir(parents=True)
    steady = config.scale is not None  # moto alone never completes a deployment
    result = Result(
        config.name,
        config.description,
        config.read_latency_ms,
        config.write_latency_ms,
        config.scale,
        wait_for_steady_state=steady,
        workdir=str(workdir),
    )
    os.environ.pop("ORDERAPI_EMULATOR_TIMING", None)
    moto = e2e.MotoServer(tools.moto_server, workdir / "moto.log")
    proxy = None
    run_id = f"bench-{uuid.uuid4().hex[:10]}"
    try:
        if config.scale is not None:
            result.timing = timing_control(moto.endpoint, {"reset": True, "scale": config.scale})
        log = harness.CallLog(workdir / "calls.jsonl")
        proxy = harness.ProxyProcess(
            moto.endpoint,
            log.path,
            workdir,
            max_seconds=3 * 3600,
            run_id=run_id,
            read_latency_ms=config.read_latency_ms,
            write_latency_ms=config.write_latency_ms,
        )
        stack = harness.ChaosStack(tools.program, workdir / "stack", tools.pulumi_home, run_id, name="bench")
        # `--event-log` is one of the CLI's debug flags: registered only with PULUMI_DEBUG_COMMANDS set.
        stack.env["PULUMI_DEBUG_COMMANDS"] = "true"
        settings = {**e2e.provider_config(proxy.endpoint), **harness.platform_config("bn1")}
        settings["waitForSteadyState"] = "true" if steady else "false"
        for key, value in settings.items():
            stack.config_set(key, value)
        stack.config_set("paymentApiKey", f"bench-key-{run_id}", secret=True)

        # -- up
        proxy.mark("up")
        events_path = workdir / "up.events.jsonl"
        tail = EventTail(events_path)
        started = time.monotonic()
        up = stack.run(
            ["up", "--yes", "--skip-preview", "--non-interactive", "--event-log", str(events_path), *PARALLEL],
            timeout=e2e.DEPLOY_TIMEOUT * 2,
        )
        result.up_seconds = round(time.monotonic() - started, 2)
        events = tail.stop()
        (workdir / "up.log").write_text(up.stdout + "\n--- stderr ---\n" + up.stderr)
        result.up_ok = up.returncode == 0
        if not result.up_ok:
            result.errors.append(f"up exited {up.returncode}: {harness.tail(up.stdout + up.stderr, 1500)}")
        export = e2e.parse_json(stack.run(["stack", "export"], check=True).stdout)
        (workdir / "export.json").write_text(json.dumps(export, indent=1))
        resources = cp.resources_by_urn(export)
        component = cp.component_of(resources, COMPONENT)
        children = cp.descendants(resources, component) if component else set()
        steps = cp.steps_from_events(events)
        weight = {urn: steps[urn].duration for urn in children if urn in steps}
        result.children = len(children)
        result.children_steps = len(weight)
        result.children_wall_seconds = cp.children_wall(steps, children)[2]
        waits = cp.graph(resources, children)
        path = cp.critical_path(waits, weight)
        result.critical_path_seconds = path.seconds
        result.critical_path = path_rows(path, steps, weight)
        if path.seconds:
            result.wall_over_critical = round(result.children_wall_seconds / path.seconds, 2)
        calls = log.calls("up")
        result.aws_calls_up = len(calls)
        result.aws_mutating_calls_up = sum(1 for c in calls if c.get("mutating"))
        if config.scale is not None:
            real = result.timing.get("real_seconds", {})
            emulated = result.timing.get("emulated_seconds", {})
            extra = {
                type_: real[f"{kind}.create"] - emulated[f"{kind}.create"]
                for type_, kind in SLOW_KINDS.items()
                if f"{kind}.create" in real and (kind != "ecs_service" or steady)
            }
            types = {urn: resources[urn].get("type", "") for urn in children}
            slow = cp.predicted(weight, types, extra)
            real_path = cp.critical_path(waits, slow)
            result.predicted_real_critical_path_seconds = real_path.seconds
            result.predicted_real_critical_path = path_rows(real_path, steps, slow)
            service = next((u for u in children if types.get(u) == "orderapi:ecs:Service"), None)
            if service is not None:
                result.predicted_real_service_ready_seconds = cp.path_to(waits, slow, service).seconds

        # -- destroy
        proxy.mark("destroy")
        events_path = workdir / "destroy.events.jsonl"
        tail = EventTail(events_path)
        started = time.monotonic()
        destroy = stack.run(
            ["destroy", "--yes", "--skip-preview", "--non-interactive", "--event-log", str(events_path)],
            timeout=e2e.DEPLOY_TIMEOUT * 2,
        )
        result.destroy_seconds = round(time.monotonic() - started, 2)
        events = tail.stop()
        (workdir / "destroy.log").write_text(destroy.stdout + "\n--- stderr ---\n" + destroy.stderr)
        result.destroy_ok = destroy.returncode == 0
        if not result.destroy_ok:
            result.errors.append(
                f"destroy exited {destroy.returncode}: {harness.tail(destroy.stdout + destroy.stderr, 1500)}"
            )
        steps = cp.steps_from_events(events)
        weight = {urn: steps[urn].duration for urn in children if urn in steps}
        result.destroy_children_wall_seconds = cp.children_wall(steps, children)[2]
        result.destroy_critical_path_seconds = cp.critical_path(
            cp.graph(resources, children, reverse=True), weight
        ).seconds
        result.aws_calls_destroy = len(log.calls("destroy"))
    except Exception as error:  # one configuration failing must still leave the others' figures
        result.errors.append(f"{type(error).__name__}: {harness.tail(str(error), 2000)}")
    finally:
        for pid in harness.chaos_proxy.find_run_processes(run_id):
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        if proxy is not None:
            proxy.stop()
        moto.stop()
    return result


def table(results: list[Result]) -> list[str]:
    lines = []
    head = (
        f"{'config':<8} {'up s':>7} {'children wall s':>15} {'critical path s':>15} {'wall/crit':>9} "
        f"{'AWS calls':>9} {'(mutating)':>10} {'destroy s':>9} {'real-AWS crit. path s':>21}"
    )
    lines += [head, "-" * len(head)]
    for r in results:
        real = "-" if r.predicted_real_critical_path_seconds is None else f"{r.predicted_real_critical_path_seconds:.0f}"
        lines.append(
            f"{r.config:<8} {r.up_seconds:>7.1f} {r.children_wall_seconds:>15.1f} {r.critical_path_seconds:>15.1f} "
            f"{r.wall_over_critical:>9.2f} {r.aws_calls_up:>9} {r.aws_mutating_calls_up:>10} "
            f"{r.destroy_seconds:>9.1f} {real:>21}"
        )
    for r in results:
        lines += ["", f"{r.config}: {r.description}; waitForSteadyState={str(r.wait_for_steady_state).lower()}"]
        lines.append(
            f"  up {'ok' if r.up_ok else 'FAILED'} in {r.up_seconds:.1f} s; {r.children_steps} of {r.children} "
            f"children stepped; destroy {'ok' if r.destroy_ok else 'FAILED'} in {r.destroy_seconds:.1f} s "
            f"(children wall {r.destroy_children_wall_seconds:.1f} s, critical path "
            f"{r.destroy_critical_path_seconds:.1f} s, {r.aws_calls_destroy} AWS calls)"
        )
        lines.append(f"  critical path ({r.critical_path_seconds:.1f} s):")
        lines += [f"    {row['seconds']:>7.2f} s  {row['op']:<7} {row['resource']}" for row in r.critical_path]
        if r.predicted_real_critical_path:
            lines.append(
                f"  predicted real-AWS critical path ({r.predicted_real_critical_path_seconds:.0f} s, slow kinds at "
                f"their scale-1 durations):"
            )
            lines += [f"    {row['seconds']:>7.1f} s  {row['resource']}" for row in r.predicted_real_critical_path]
        if r.predicted_real_service_ready_seconds is not None:
            lines.append(
                f"  predicted real-AWS time until the ECS service is steady: "
                f"{r.predicted_real_service_ready_seconds:.0f} s"
            )
        lines += [f"  ERROR {e}" for e in r.errors]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default="plain,latency,timed")
    parser.add_argument("--scale", type=float, default=0.01, help="the timed configuration's scale")
    parser.add_argument(
        "--parallel", type=int, default=0, help="pulumi up --parallel (default: the CLI's own, 4 x CPUs)"
    )
    cache = Path(os.environ.get("ORDERAPI_CACHE", Path.home() / ".cache" / "pulumi-orderapi"))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    parser.add_argument("--out", type=Path, default=cache / "bench" / f"deploy-{stamp}.json")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        parser.error(f"unknown configurations {unknown} (known: {', '.join(CONFIGS)})")
    CONFIGS["timed"].scale = args.scale
    if args.parallel:
        PARALLEL[:] = ["--parallel", str(args.parallel)]

    root = cache / "bench" / f"run-{stamp}"
    root.mkdir(parents=True)
    binary = e2e.require_tool("pulumi-resource-orderapi")
    for name in e2e.PULUMI_TOOLS:
        e2e.require_tool(name)
    home = root / "pulumi-home"
    home.mkdir()
    version = harness.install_plugin(home, binary)
    tools = harness.Tools(
        moto_server=e2e.moto_server_executable(),
        pulumi_home=home,
        provider_version=version,
        program=REPO_ROOT / "examples" / "yaml",
    )
    results = []
    for name in names:
        print(f"[bench] {name}: {CONFIGS[name].description} ...", flush=True)
        results.append(run_config(CONFIGS[name], tools, root))
        print(f"[bench] {name}: up {results[-1].up_seconds:.1f} s, destroy {results[-1].destroy_seconds:.1f} s", flush=True)
    report = {
        "when": stamp,
        "provider": {"binary": binary, "version": version},
        "parallel": PARALLEL[1] if PARALLEL else f"pulumi default ({4 * (os.cpu_count() or 1)})",
        "workdir": str(root),
        "results": [asdict(r) for r in results],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print()
    print("\n".join(table(results)))
    print(f"\nresults: {args.out}\nlogs: {root}")
    return 0 if all(r.up_ok and r.destroy_ok and not r.errors for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
