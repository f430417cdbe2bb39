"""Deploy-time figures of one `pulumi up` (or destroy): step intervals from the engine's event log, the dependency
graph from `pulumi stack export`, the critical path through it, and the wall time of a component's children.

Pure functions (stdlib only), unit-tested by ``test_critical_path.py``; ``deploy.py`` feeds them a real run.

* A **step** is one resource operation: from its ``resourcePreEvent`` to its ``resOutputsEvent`` (or
  ``resOpFailedEvent``). Event times are the ``t`` the caller attaches (the benchmark stamps each event-log line
  when it appears, to the millisecond) or else the engine's own ``timestamp`` (whole seconds).
* The **graph** has an edge ``u → v`` when ``v`` waits for ``u``: ``u`` is in ``v``'s ``dependencies`` or in one of
  its ``propertyDependencies``, or ``u`` is ``v``'s parent -- a parent counts only when it is itself one of the
  weighted steps (a custom resource), not a component, whose own "step" spans all its children.
* The **critical path** is the chain of dependent steps with the largest sum of step durations: the least time the
  deployment could take if the engine started every step the moment its dependencies finished.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Ops whose step does AWS work (``same`` and ``read`` steps are bookkeeping and take no time worth weighing).
WORK_OPS = frozenset(
    {"create", "update", "delete", "replace", "create-replacement", "delete-replaced", "discard", "import"}
)


@dataclass
class Step:
    urn: str
    type: str
    op: str
    start: float
    end: float | None = None
    failed: bool = False

    @property
    def duration(self) -> float:
        return max(0.0, (self.end if self.end is not None else self.start) - self.start)


def read_events(lines: Iterable[str], times: Iterable[float | None] | None = None) -> list[dict[str, Any]]:
    """Parses event-log lines; ``times`` (one per line, ``None`` for unknown) become each event's ``t``."""
    stamps = list(times) if times is not None else []
    events = []
    for index, line in enumerate(lines):
        line = line.strip()
        if not line:
            continue
        event = json.loads(line)
        t = stamps[index] if index < len(stamps) else None
        event["t"] = float(t) if t is not None else float(event.get("timestamp", 0))
        events.append(event)
    return events


def steps_from_events(events: Iterable[Mapping[str, Any]], ops: frozenset[str] = WORK_OPS) -> dict[str, Step]:
    """One step per URN (the last one when a URN has several, e.g. a replacement's halves) with op in ``ops``."""
    steps: dict[str, Step] = {}
    for event in events:
        for key, failed in (("resourcePreEvent", None), ("resOutputsEvent", False), ("resOpFailedEvent", True)):
            body = event.get(key)
            if not body:
                continue
            metadata = body.get("metadata") or {}
            urn, op = metadata.get("urn", ""), metadata.get("op", "")
            if not urn or op not in ops or body.get("planning"):
                continue
            if failed is None:
                steps[urn] = Step(urn=urn, type=metadata.get("type", ""), op=op, start=event["t"])
            elif urn in steps and steps[urn].end is None:
                steps[urn].end = event["t"]
                steps[urn].failed = failed
    return steps


def resources_by_urn(deployment: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The resources of a ``pulumi stack export`` (the whole export or its ``deployment``), by URN."""
    inner = deployment.get("deployment", deployment)
    return {r["urn"]: r for r in inner.get("resources") or []}


def dependencies_of(resource: Mapping[str, Any]) -> set[str]:
    """Every URN ``resource`` depends on: ``dependencies`` and all ``propertyDependencies``."""
    deps = set(resource.get("dependencies") or [])
    for urns in (resource.get("propertyDependencies") or {}).values():
        deps.update(urns or [])
    return deps


def descendants(resources: Mapping[str, Mapping[str, Any]], root: str) -> set[str]:
    """The URNs below ``root`` in the parent tree."""
    children: dict[str, list[str]] = {}
    for urn, r in resources.items():
        if r.get("parent"):
            children.setdefault(r["parent"], []).append(urn)
    found: set[str] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def graph(
    resources: Mapping[str, Mapping[str, Any]], nodes: Iterable[str], reverse: bool = False
) -> dict[str, set[str]]:
    """``{v: {u, ...}}``: the nodes each node waits for (among ``nodes``). ``reverse``: for a destroy, where a
    resource is deleted only after everything that depends on it."""
    wanted = set(nodes)
    waits: dict[str, set[str]] = {urn: set() for urn in wanted}
    for v in wanted:
        r = resources.get(v) or {}
        before = dependencies_of(r)
        if r.get("parent"):
            before.add(r["parent"])
        for u in before & wanted:
            if u == v:
                continue
            if reverse:
                waits[u].add(v)
            else:
                waits[v].add(u)
    return waits


@dataclass
class CriticalPath:
    seconds: float
    urns: list[str] = field(default_factory=list)


def critical_path(waits: Mapping[str, Iterable[str]], weight: Mapping[str, float]) -> CriticalPath:
    """The chain of nodes (each waiting for the previous) with the largest total weight. ``waits[v]`` lists what
    ``v`` waits for; a node without a weight weighs 0. Raises ValueError on a cycle."""
    best: dict[str, float] = {}
    previous: dict[str, str | None] = {}
    state: dict[str, int] = {}  # 1: on the stack, 2: done

    def visit(node: str) -> float:
        if state.get(node) == 2:
            return best[node]
        if state.get(node) == 1:
            raise ValueError(f"dependency cycle through {node}")
        state[node] = 1
        longest, via = 0.0, None
        for dep in sorted(waits.get(node, ())):
            length = visit(dep)
            if via is None or length > longest:
                longest, via = length, dep
        best[node] = longest + float(weight.get(node, 0.0))
        previous[node] = via
        state[node] = 2
        return best[node]

    nodes = set(waits) | {d for deps in waits.values() for d in deps}
    for node in sorted(nodes):
        visit(node)
    if not best:
        return CriticalPath(0.0, [])
    end = max(sorted(best), key=lambda n: best[n])
    path = []
    node: str | None = end
    while node is not None:
        path.append(node)
        node = previous.get(node)
    path.reverse()
    return CriticalPath(round(best[end], 3), path)


def path_to(waits: Mapping[str, Iterable[str]], weight: Mapping[str, float], node: str) -> CriticalPath:
    """The longest chain that ends at ``node``: when ``node`` is done if every step starts as soon as what it waits
    for is done."""
    ancestors: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n in ancestors:
            continue
        ancestors.add(n)
        stack.extend(waits.get(n, ()))
    sub = {n: [d for d in waits.get(n, ()) if d in ancestors] for n in ancestors}
    return critical_path(sub, {n: weight.get(n, 0.0) for n in ancestors})


def children_wall(steps: Mapping[str, Step], urns: Iterable[str]) -> tuple[float, float, float]:
    """(first start, last end, wall seconds) of the steps of ``urns`` that ran."""
    ran = [steps[u] for u in urns if u in steps]
    if not ran:
        return 0.0, 0.0, 0.0
    first = min(s.start for s in ran)
    last = max(s.end if s.end is not None else s.start for s in ran)
    return first, last, round(last - first, 3)


def component_of(resources: Mapping[str, Mapping[str, Any]], type_token: str) -> str | None:
    return next((urn for urn, r in resources.items() if r.get("type") == type_token), None)


def predicted(weight: Mapping[str, float], types: Mapping[str, str], extra: Mapping[str, float]) -> dict[str, float]:
    """Step weights with ``extra[type]`` seconds added to each step of that type (e.g. real - emulated duration of
    the slow kinds)."""
    return {urn: w + float(extra.get(types.get(urn, ""), 0.0)) for urn, w in weight.items()}


def short(urn: str) -> str:
    """``<type>::<name>`` of a URN, without the stack and project."""
    parts = urn.split("::")
    return f"{parts[2].split('$')[-1]}::{parts[3]}" if len(parts) >= 4 else urn
