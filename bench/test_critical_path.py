"""Unit tests of bench/critical_path.py on small synthetic graphs and event logs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import critical_path as cp  # noqa: E402


def test_chain_sums_its_weights() -> None:
    waits = {"a": set(), "b": {"a"}, "c": {"b"}}
    path = cp.critical_path(waits, {"a": 1.0, "b": 2.0, "c": 3.0})
    assert path.seconds == 6.0
    assert path.urns == ["a", "b", "c"]


def test_diamond_takes_the_heavier_branch() -> None:
    #    a
    #   / \
    #  b   c      b heavier than c
    #   \ /
    #    d
    waits = {"a": set(), "b": {"a"}, "c": {"a"}, "d": {"b", "c"}}
    path = cp.critical_path(waits, {"a": 1, "b": 5, "c": 2, "d": 1})
    assert path.seconds == 7
    assert path.urns == ["a", "b", "d"]
    # Make c heavier: the path moves.
    path = cp.critical_path(waits, {"a": 1, "b": 5, "c": 9, "d": 1})
    assert (path.seconds, path.urns) == (11, ["a", "c", "d"])


def test_independent_nodes_the_heaviest_alone() -> None:
    path = cp.critical_path({"x": set(), "y": set(), "z": set()}, {"x": 1, "y": 4, "z": 2})
    assert (path.seconds, path.urns) == (4, ["y"])


def test_long_light_chain_against_one_heavy_node() -> None:
    waits = {f"n{i}": ({f"n{i - 1}"} if i else set()) for i in range(10)}
    waits["heavy"] = set()
    weight = {**{f"n{i}": 1.0 for i in range(10)}, "heavy": 9.5}
    path = cp.critical_path(waits, weight)
    assert path.seconds == 10.0 and path.urns[0] == "n0" and path.urns[-1] == "n9"


def test_unweighted_and_unknown_nodes_weigh_nothing() -> None:
    # "ghost" appears only as a dependency (e.g. a resource that did not change in this update).
    path = cp.critical_path({"a": {"ghost"}, "b": set()}, {"a": 2, "b": 1})
    assert path.seconds == 2
    assert path.urns[-1] == "a"
    assert cp.critical_path({}, {}).seconds == 0


def test_cycle_is_refused() -> None:
    with pytest.raises(ValueError, match="cycle"):
        cp.critical_path({"a": {"b"}, "b": {"a"}}, {"a": 1, "b": 1})


def _resources() -> dict[str, dict]:
    comp = "urn:pulumi:s::p::orderapi:index:OrderApiPlatform::platform"
    vpc = "urn:pulumi:s::p::orderapi:index:OrderApiPlatform$orderapi:ec2:Vpc::vpc"
    subnet = "urn:pulumi:s::p::orderapi:index:OrderApiPlatform$orderapi:ec2:Subnet::subnet"
    nat = "urn:pulumi:s::p::orderapi:index:OrderApiPlatform$orderapi:ec2:NatGateway::nat"
    role = "urn:pulumi:s::p::orderapi:index:OrderApiPlatform$orderapi:iam:Role::role"
    return {
        comp: {"urn": comp, "type": "orderapi:index:OrderApiPlatform", "parent": "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"},
        vpc: {"urn": vpc, "type": "orderapi:ec2:Vpc", "parent": comp},
        subnet: {"urn": subnet, "type": "orderapi:ec2:Subnet", "parent": comp, "dependencies": [vpc]},
        nat: {
            "urn": nat,
            "type": "orderapi:ec2:NatGateway",
            "parent": comp,
            "propertyDependencies": {"subnetId": [subnet]},
        },
        role: {"urn": role, "type": "orderapi:iam:Role", "parent": comp},
    }


def test_graph_from_an_export_uses_dependencies_property_dependencies_and_custom_parents() -> None:
    resources = _resources()
    comp = cp.component_of(resources, "orderapi:index:OrderApiPlatform")
    assert comp is not None
    children = cp.descendants(resources, comp)
    assert len(children) == 4
    waits = cp.graph(resources, children)
    nat = next(u for u in children if u.endswith("::nat"))
    subnet = next(u for u in children if u.endswith("::subnet"))
    vpc = next(u for u in children if u.endswith("::vpc"))
    assert waits[nat] == {subnet} and waits[subnet] == {vpc} and waits[vpc] == set()
    # The component parent is not a node: children do not wait for it.
    assert all(comp not in deps for deps in waits.values())
    # A destroy runs the other way round.
    assert cp.graph(resources, children, reverse=True)[vpc] == {subnet}


def _event(t: float, kind: str, urn: str, op: str = "create", type_: str = "orderapi:ec2:Vpc") -> str:
    return json.dumps({"sequence": 0, "timestamp": int(t), kind: {"metadata": {"op": op, "urn": urn, "type": type_}}})


def test_steps_from_an_event_log_with_precise_times() -> None:
    lines = [
        _event(100, "resourcePreEvent", "a"),
        _event(100, "resourcePreEvent", "b"),
        _event(101, "resOutputsEvent", "a"),
        _event(102, "resOpFailedEvent", "b"),
        _event(102, "resourcePreEvent", "c", op="same"),
        _event(102, "resOutputsEvent", "c", op="same"),
        "",
    ]
    events = cp.read_events(lines, [100.10, 100.20, 101.35, 102.0, None, None, None])
    steps = cp.steps_from_events(events)
    assert set(steps) == {"a", "b"}, "same steps carry no weight"
    assert steps["a"].duration == pytest.approx(1.25)
    assert steps["b"].failed and steps["b"].duration == pytest.approx(1.8)
    first, last, wall = cp.children_wall(steps, ["a", "b", "c"])
    assert (first, last, wall) == (100.10, 102.0, 1.9)


def test_end_to_end_on_a_synthetic_run_and_the_prediction() -> None:
    resources = _resources()
    children = cp.descendants(resources, "urn:pulumi:s::p::orderapi:index:OrderApiPlatform::platform")
    urn = {u.rsplit("::", 1)[-1]: u for u in children}
    times = {"vpc": (0.0, 1.0), "subnet": (1.5, 2.0), "nat": (2.0, 5.0), "role": (0.0, 0.5)}
    steps = {urn[n]: cp.Step(urn[n], resources[urn[n]]["type"], "create", s, e) for n, (s, e) in times.items()}
    weight = {u: s.duration for u, s in steps.items()}
    path = cp.critical_path(cp.graph(resources, children), weight)
    assert path.seconds == 4.5
    assert [cp.short(u) for u in path.urns] == [
        "orderapi:ec2:Vpc::vpc",
        "orderapi:ec2:Subnet::subnet",
        "orderapi:ec2:NatGateway::nat",
    ]
    assert cp.children_wall(steps, children)[2] == 5.0
    # The NAT gateway at AWS's 120 s instead of the emulated 1.2 s.
    types = {u: resources[u]["type"] for u in children}
    slow = cp.predicted(weight, types, {"orderapi:ec2:NatGateway": 120 - 1.2})
    assert cp.critical_path(cp.graph(resources, children), slow).seconds == pytest.approx(4.5 + 118.8)


def test_path_to_a_node_ignores_what_it_does_not_wait_for():
    waits = {"svc": ["writer", "rt"], "writer": ["cluster"], "reader": ["writer"], "rt": ["vpc"], "cluster": ["vpc"]}
    weight = {"vpc": 1, "cluster": 300, "writer": 600, "reader": 600, "rt": 2, "svc": 120}
    assert cp.critical_path(waits, weight).seconds == 1501
    to_svc = cp.path_to(waits, weight, "svc")
    assert to_svc.seconds == 1021
    assert to_svc.urns == ["vpc", "cluster", "writer", "svc"]
