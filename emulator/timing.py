"""AWS-like timing for the slow kinds: pending states that last (a scaled fraction of) what they last on AWS.

moto 5.2.5 makes every slow object usable at once: a NAT gateway is ``available`` in its CreateNatGateway answer, an
ALB turns ``active`` on the first describe, an Aurora cluster is ``available`` from its second read, a DB instance
at once, deletes are immediate, and an ECS service's deployment never completes (moto runs no tasks). AWS takes
minutes for each. This module makes describe calls report the state AWS would report at that moment, computed
from the time elapsed since the create (or delete) call:

==================  ===========================================  =================================================
kind                create                                       delete
==================  ===========================================  =================================================
``nat_gateway``     ``pending`` → ``available``                  ``deleting`` → ``deleted``
``load_balancer``   ``provisioning`` → ``active``                still listed (``active``) → gone
``db_cluster``      ``creating`` → ``available``                 ``deleting`` → gone (DBClusterNotFound)
``db_instance``     ``creating`` → ``available``                 ``deleting`` → gone (DBInstanceNotFound)
``ecs_service``     primary deployment ``IN_PROGRESS``: first    ``DRAINING`` → ``INACTIVE``
                    half 0 running / desired pending, second
                    half desired running; then ``COMPLETED``
==================  ===========================================  =================================================

An ECS UpdateService that changes the task definition or forces a new deployment starts a new PRIMARY deployment
(the old one stays listed ``ACTIVE`` until the new one completes), timed like a create; a desiredCount-only change
keeps moto's behaviour (running = desired at once).

Each duration is ``REAL_SECONDS[(kind, operation)] × scale``. Off by default: without configuration moto behaves
exactly as before (every existing suite is unchanged). Configuration:

* at start: ``ORDERAPI_EMULATOR_TIMING="scale=0.01"`` (settings separated by ``;`` or spaces, ``stuck`` a comma
  list: ``"scale=0.01;stuck=nat_gateway,db_instance.create"``), or the same JSON object the endpoint takes;
* at run time: ``POST /_orderapi/timing`` on the moto server with a JSON object — ``scale`` (a number ≥ 0, or
  ``null``: off), ``stuck`` (kinds, or ``kind.operation``, that stay pending for as long as they are listed here),
  ``seconds`` (``{"nat_gateway.create": 2.5}``: emulated seconds for one entry, overriding the scaled real
  duration), ``reset`` (``true``: off, nothing stuck, no overrides, before the other keys apply). The answer (and
  ``GET /_orderapi/timing``) is the configuration in force, with the table and the scaled durations.

An object's due time is fixed by the configuration in force when its create (or delete) call ran; ``stuck`` is
looked at on every read, so un-sticking a kind lets its objects finish (at their due time, already past). Objects
made while timing was off are never delayed.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, Callable, Iterable

from moto.ec2.models.nat_gateways import NatGateway, NatGatewayBackend
from moto.ecs import models as _ecs
from moto.elbv2 import models as _elbv2
from moto.moto_server import werkzeug_app
from moto.rds import exceptions as _rds_errors
from moto.rds import models as _rds

#: What AWS typically takes, in seconds, per (kind, operation) -- the one table of real durations. Sources:
#: AWS documentation and console experience as commonly reported (and the defaults of the waiters in the AWS SDKs
#: and the Terraform AWS provider, which are sized to these):
#:   NAT gateway: "pending" for 1-5 minutes, typically ~2 min (VPC user guide: "it can take a few minutes");
#:     delete: "deleting" about 1 min, then "deleted".
#:   ALB: "provisioning" ~3 min until "active" (ELB guide; the SDK's LoadBalancerAvailable waiter polls 15 s × 40);
#:     delete: DescribeLoadBalancers stops listing it within ~half a minute (its ENIs linger longer; not modelled).
#:   Aurora MySQL cluster: "creating" ~5 min (without instances); delete: "deleting" ~2 min once it has no
#:     instances.
#:   Aurora DB instance: "creating" (then "backing-up") ~10 min for a db.r6g.large; delete: "deleting" ~5 min.
#:   ECS Fargate service: the first deployment reaches COMPLETED ~2 min after CreateService (task provisioning and
#:     image pull ~1 min, then the ALB health checks and the steady-state check); delete: DRAINING ~1 min (the
#:     platform's target groups deregister after 30 s, then the tasks stop).
REAL_SECONDS: dict[tuple[str, str], float] = {
    ("nat_gateway", "create"): 120.0,
    ("nat_gateway", "delete"): 60.0,
    ("load_balancer", "create"): 180.0,
    ("load_balancer", "delete"): 30.0,
    ("db_cluster", "create"): 300.0,
    ("db_cluster", "delete"): 120.0,
    ("db_instance", "create"): 600.0,
    ("db_instance", "delete"): 300.0,
    ("ecs_service", "create"): 120.0,
    ("ecs_service", "delete"): 60.0,
}
KINDS = tuple(sorted({kind for kind, _ in REAL_SECONDS}))
ENV_VARIABLE = "ORDERAPI_EMULATOR_TIMING"
ENDPOINT = "/_orderapi/timing"
_STAMP = "_orderapi_timing"


class Timing:
    """The configuration in force (one per moto server process)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.scale: float | None = None
        self.stuck: frozenset[str] = frozenset()
        self.seconds: dict[str, float] = {}

    @property
    def enabled(self) -> bool:
        return self.scale is not None or bool(self.stuck) or bool(self.seconds)

    def duration(self, kind: str, operation: str) -> float:
        """Emulated seconds of ``operation`` on ``kind`` now (0 when timing is off)."""
        override = self.seconds.get(f"{kind}.{operation}")
        if override is not None:
            return override
        if self.scale is None:
            return 0.0
        return REAL_SECONDS[(kind, operation)] * self.scale

    def is_stuck(self, kind: str, operation: str) -> bool:
        return kind in self.stuck or f"{kind}.{operation}" in self.stuck

    def update(self, settings: dict[str, Any]) -> None:
        """Applies a settings object (see the module docs); raises ValueError naming a bad setting."""
        unknown = set(settings) - {"scale", "stuck", "seconds", "reset"}
        if unknown:
            raise ValueError(f"unknown timing settings {sorted(unknown)} (known: scale, stuck, seconds, reset)")
        scale, stuck, seconds = self.scale, self.stuck, dict(self.seconds)
        if settings.get("reset"):
            scale, stuck, seconds = None, frozenset(), {}
        if "scale" in settings:
            value = settings["scale"]
            if value is not None:
                value = float(value)
                if value < 0:
                    raise ValueError("scale must be a number >= 0 (or null: off)")
            scale = value
        if "stuck" in settings:
            items = settings["stuck"] or []
            if isinstance(items, str):
                items = [item for item in items.split(",") if item.strip()]
            stuck = frozenset(str(item).strip() for item in items)
            for item in stuck:
                _known_entry(item, allow_kind=True)
        if "seconds" in settings:
            for key, value in (settings["seconds"] or {}).items():
                _known_entry(key, allow_kind=False)
                if float(value) < 0:
                    raise ValueError(f"seconds.{key} must be >= 0")
                seconds[key] = float(value)
        with self.lock:
            self.scale, self.stuck, self.seconds = scale, stuck, seconds

    def describe(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "scale": self.scale,
            "stuck": sorted(self.stuck),
            "seconds": dict(self.seconds),
            "real_seconds": {f"{k}.{o}": v for (k, o), v in sorted(REAL_SECONDS.items())},
            "emulated_seconds": {f"{k}.{o}": self.duration(k, o) for (k, o) in sorted(REAL_SECONDS)},
        }


def _known_entry(item: str, allow_kind: bool) -> None:
    kind, _, operation = item.partition(".")
    if operation:
        if (kind, operation) not in REAL_SECONDS:
            raise ValueError(f"unknown timing entry {item!r} (known: {', '.join(f'{k}.{o}' for k, o in REAL_SECONDS)})")
    elif not allow_kind:
        raise ValueError(f"{item!r}: seconds are set per kind.operation (e.g. nat_gateway.create)")
    elif kind not in KINDS:
        raise ValueError(f"unknown timing kind {item!r} (known: {', '.join(KINDS)})")


def parse_setting(text: str) -> dict[str, Any]:
    """``ORDERAPI_EMULATOR_TIMING``: a JSON object, or ``key=value`` pairs separated by ``;`` or whitespace."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        value = json.loads(text)
        if not isinstance(value, dict):
            raise ValueError(f"{ENV_VARIABLE} must be a JSON object")
        return value
    settings: dict[str, Any] = {}
    for part in text.replace(";", " ").split():
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"{ENV_VARIABLE}: expected key=value, got {part!r}")
        if key == "scale":
            settings["scale"] = None if value in ("", "off", "none", "null") else float(value)
        elif key == "stuck":
            settings["stuck"] = [item for item in value.split(",") if item]
        elif key.startswith("seconds."):
            settings.setdefault("seconds", {})[key[len("seconds.") :]] = float(value)
        else:
            raise ValueError(f"{ENV_VARIABLE}: unknown setting {key!r}")
    return settings


TIMING = Timing()
TIMING.update(parse_setting(os.environ.get(ENV_VARIABLE, "")))


# --------------------------------------------------------------------------------------------------------------------
# stamps: when an object's create / delete started, and when it is due


def _stamp(obj: Any, kind: str, operation: str, restart: bool = False) -> None:
    """Records that ``operation`` started on ``obj`` now (only while timing is on; once, unless ``restart``)."""
    if not TIMING.enabled:
        return
    stamps = obj.__dict__.setdefault(_STAMP, {})
    if operation in stamps and not restart:
        return
    now = time.monotonic()
    stamps[operation] = (kind, now, now + TIMING.duration(kind, operation))


def _progress(obj: Any, operation: str) -> float | None:
    """Fraction of ``operation`` done on ``obj`` (0..1, 1 = finished); None when the object carries no stamp."""
    stamp = obj.__dict__.get(_STAMP, {}).get(operation)
    if stamp is None:
        return None
    kind, start, due = stamp
    if TIMING.is_stuck(kind, operation):
        return 0.0
    now = time.monotonic()
    if now >= due:
        return 1.0
    return max(0.0, (now - start) / (due - start))


def _pending(obj: Any, operation: str) -> bool:
    progress = _progress(obj, operation)
    return progress is not None and progress < 1.0


def _started(obj: Any, operation: str) -> bool:
    return operation in obj.__dict__.get(_STAMP, {})


def _wrap(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    setattr(owner, name, make(getattr(owner, name)))


# --------------------------------------------------------------------------------------------------------------------
# NAT gateways: `state` is computed


def _nat_state_get(self: Any) -> str:
    state = self.__dict__.get("_orderapi_state", "available")
    if state == "deleted" and _pending(self, "delete"):
        return "deleting"
    if state == "available" and _pending(self, "create"):
        return "pending"
    return state


def _nat_state_set(self: Any, value: str) -> None:
    self.__dict__["_orderapi_state"] = value


NatGateway.state = property(_nat_state_get, _nat_state_set)  # type: ignore[assignment]


def _nat_create(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_nat_gateway(self: Any, *args: Any, **kwargs: Any) -> Any:
        nat = original(self, *args, **kwargs)
        _stamp(nat, "nat_gateway", "create")
        return nat

    return create_nat_gateway


def _nat_delete(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete_nat_gateway(self: Any, nat_gateway_id: str) -> Any:
        nat = original(self, nat_gateway_id)
        _stamp(nat, "nat_gateway", "delete")
        return nat

    return delete_nat_gateway


_wrap(NatGatewayBackend, "create_nat_gateway", _nat_create)
_wrap(NatGatewayBackend, "delete_nat_gateway", _nat_delete)


# --------------------------------------------------------------------------------------------------------------------
# ALBs: `activate` waits for the due time; a deleted one stays listed until its delete is due

_LB = _elbv2.FakeLoadBalancer
_ELBV2 = _elbv2.ELBv2Backend


def _lb_activate(original: Callable[..., Any]) -> Callable[..., Any]:
    def activate(self: Any) -> None:
        if not _pending(self, "create"):
            original(self)

    return activate


def _lb_purge(backend: Any, original_delete: Callable[..., Any]) -> None:
    for arn, lb in list(backend.load_balancers.items()):
        if _started(lb, "delete") and not _pending(lb, "delete"):
            original_delete(backend, arn)


def _lb_create(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_load_balancer(self: Any, *args: Any, **kwargs: Any) -> Any:
        _lb_purge(self, _lb_original_delete)
        lb = original(self, *args, **kwargs)
        _stamp(lb, "load_balancer", "create")
        return lb

    return create_load_balancer


def _lb_describe(original: Callable[..., Any]) -> Callable[..., Any]:
    def describe_load_balancers(self: Any, *args: Any, **kwargs: Any) -> Any:
        _lb_purge(self, _lb_original_delete)
        return original(self, *args, **kwargs)

    return describe_load_balancers


_lb_original_delete = _ELBV2.delete_load_balancer


def _lb_delete(self: Any, arn: str) -> None:
    lb = self.load_balancers.get(arn)
    if lb is not None and TIMING.enabled:
        _stamp(lb, "load_balancer", "delete")
    _lb_purge(self, _lb_original_delete)
    if lb is not None and not _started(lb, "delete"):
        _lb_original_delete(self, arn)


_wrap(_LB, "activate", _lb_activate)
_wrap(_ELBV2, "create_load_balancer", _lb_create)
_wrap(_ELBV2, "describe_load_balancers", _lb_describe)
_ELBV2.delete_load_balancer = _lb_delete  # type: ignore[method-assign]


# --------------------------------------------------------------------------------------------------------------------
# Aurora clusters and instances: `status` is computed; a deleted one stays listed `deleting` until due

_RDS = _rds.RDSBackend
_original_cluster_status = _rds.DBCluster.status


def _cluster_status_get(self: Any) -> str:
    if _pending(self, "delete"):
        return "deleting"
    if _pending(self, "create"):
        return "creating"
    if _started(self, "create") and self._status == "creating":
        self._status = "available"
    return _original_cluster_status.fget(self)  # type: ignore[no-any-return]


_rds.DBCluster.status = property(_cluster_status_get, _original_cluster_status.fset)  # type: ignore[assignment]


def _instance_status_get(self: Any) -> str:
    status = self.__dict__.get("_orderapi_status", "available")
    if status != "deleting" and _pending(self, "create"):
        return "creating"
    return status


def _instance_status_set(self: Any, value: str) -> None:
    self.__dict__["_orderapi_status"] = value


_rds.DBInstance.status = property(_instance_status_get, _instance_status_set)  # type: ignore[assignment]


def _rds_purge(backend: Any) -> None:
    for key, db in list(backend.databases.items()):
        if _started(db, "delete") and not _pending(db, "delete"):
            backend.databases.pop(key, None)
    for key, cluster in list(backend.clusters.items()):
        if _started(cluster, "delete") and not _pending(cluster, "delete"):
            backend.clusters.pop(key, None)


def _purging(original: Callable[..., Any]) -> Callable[..., Any]:
    def purged(self: Any, *args: Any, **kwargs: Any) -> Any:
        _rds_purge(self)
        return original(self, *args, **kwargs)

    purged.__name__ = getattr(original, "__name__", "purged")
    return purged


def _rds_create(kind: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        _rds_purge(self)
        made = original(self, *args, **kwargs)
        _stamp(made, kind, "create")
        return made

    return create


def _cluster_delete(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete_db_cluster(self: Any, cluster_identifier: str, *args: Any, **kwargs: Any) -> Any:
        _rds_purge(self)
        existing = self.clusters.get(cluster_identifier)
        if existing is not None and _started(existing, "delete"):
            raise _rds_errors.InvalidDBClusterStateFault(f"DB cluster {cluster_identifier} is already being deleted.")
        cluster = original(self, cluster_identifier, *args, **kwargs)
        if TIMING.enabled:
            _stamp(cluster, "db_cluster", "delete")
            self.clusters[cluster_identifier] = cluster
        return cluster

    return delete_db_cluster


def _instance_delete(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete_db_instance(self: Any, db_instance_identifier: str, *args: Any, **kwargs: Any) -> Any:
        _rds_purge(self)
        existing = self.databases.get(db_instance_identifier)
        if existing is not None and _started(existing, "delete"):
            raise _rds_errors.RDSClientError(
                "InvalidDBInstanceState", f"Instance {db_instance_identifier} is already being deleted."
            )
        db = original(self, db_instance_identifier, *args, **kwargs)
        if TIMING.enabled:
            _stamp(db, "db_instance", "delete")
            self.databases[db_instance_identifier] = db
        return db

    return delete_db_instance


_wrap(_RDS, "create_db_cluster", lambda f: _rds_create("db_cluster", f))
_wrap(_RDS, "create_db_instance", lambda f: _rds_create("db_instance", f))
_wrap(_RDS, "delete_db_cluster", _cluster_delete)
_wrap(_RDS, "delete_db_instance", _instance_delete)
_wrap(_RDS, "describe_db_clusters", _purging)
_wrap(_RDS, "describe_db_instances", _purging)


# --------------------------------------------------------------------------------------------------------------------
# ECS services: the primary deployment's rollout, the running / pending counts, DRAINING after a delete

_SERVICE = _ecs.Service
_ECS = _ecs.EC2ContainerServiceBackend


def _service_status_get(self: Any) -> str:
    status = self.__dict__.get("_orderapi_status", "ACTIVE")
    if status == "INACTIVE" and _pending(self, "delete"):
        return "DRAINING"
    return status


def _service_status_set(self: Any, value: str) -> None:
    self.__dict__["_orderapi_status"] = value


_SERVICE.status = property(_service_status_get, _service_status_set)  # type: ignore[assignment]


def _refresh_service(service: Any) -> Any:
    """Brings the counts and the primary deployment's rollout state to what ECS would report now."""
    progress = _progress(service, "create")
    if progress is None or _service_status_get(service) != "ACTIVE":
        return service
    desired = int(service.desired_count or 0)
    if progress < 0.5:
        running, pending, rollout = 0, desired, "IN_PROGRESS"
    elif progress < 1.0:
        running, pending, rollout = desired, 0, "IN_PROGRESS"
    else:
        running, pending, rollout = desired, 0, "COMPLETED"
    service.running_count, service.pending_count = running, pending
    deployments = service.deployments or []
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if primary is not None:
        primary.update(
            desiredCount=desired,
            runningCount=running,
            pendingCount=pending,
            rolloutState=rollout,
            rolloutStateReason=f"ECS deployment {primary.get('id')} "
            + ("completed." if rollout == "COMPLETED" else "in progress."),
        )
    if rollout == "COMPLETED":
        service.deployments = [d for d in deployments if d.get("status") == "PRIMARY"]
    return service


def _service_create(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_service(self: Any, *args: Any, **kwargs: Any) -> Any:
        service = original(self, *args, **kwargs)
        _stamp(service, "ecs_service", "create")
        return _refresh_service(service)

    return create_service


def _service_describe(original: Callable[..., Any]) -> Callable[..., Any]:
    def describe_services(self: Any, *args: Any, **kwargs: Any) -> Any:
        services, failures = original(self, *args, **kwargs)
        return [_refresh_service(s) for s in services], failures

    return describe_services


def _service_update(original: Callable[..., Any]) -> Callable[..., Any]:
    def update_service(self: Any, service_properties: dict[str, Any]) -> Any:
        name = str(service_properties.get("service", "")).split("/")[-1]
        cluster = str(service_properties.get("cluster", "default")).split("/")[-1]
        before = self.services.get(f"{cluster}:{name}")
        task_definition = getattr(before, "task_definition", None)
        force = bool(service_properties.get("force_new_deployment"))
        service = original(self, service_properties)
        new_definition = service.task_definition != task_definition
        if TIMING.enabled and (force or new_definition) and service.deployments:
            old = [dict(d, status="ACTIVE") for d in service.deployments if d.get("status") == "PRIMARY"]
            primary = dict(service.deployments[0])
            primary.update(
                id=f"ecs-svc/{int(time.time() * 1e6) % 10**12:012d}",
                status="PRIMARY",
                taskDefinition=service.task_definition,
                createdAt=_ecs.utcnow(),
                updatedAt=_ecs.utcnow(),
            )
            service.deployments = [primary, *old]
            _stamp(service, "ecs_service", "create", restart=True)
        return _refresh_service(service)

    return update_service


def _service_delete(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete_service(self: Any, *args: Any, **kwargs: Any) -> Any:
        service = original(self, *args, **kwargs)
        _stamp(service, "ecs_service", "delete")
        return service

    return delete_service


_wrap(_ECS, "create_service", _service_create)
_wrap(_ECS, "describe_services", _service_describe)
_wrap(_ECS, "update_service", _service_update)
_wrap(_ECS, "delete_service", _service_delete)


# --------------------------------------------------------------------------------------------------------------------
# the control endpoint

_original_call = werkzeug_app.DomainDispatcherApplication.__call__


def _answer(start_response: Callable[..., Any], status: str, payload: Any) -> Iterable[bytes]:
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _call(self: Any, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO", "").rstrip("/") != ENDPOINT:
        return _original_call(self, environ, start_response)
    method = environ.get("REQUEST_METHOD", "GET")
    if method == "GET":
        return _answer(start_response, "200 OK", TIMING.describe())
    if method != "POST":
        return _answer(start_response, "405 METHOD NOT ALLOWED", {"error": f"{method} {ENDPOINT}: use GET or POST"})
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        settings = json.loads(raw or b"{}")
        if not isinstance(settings, dict):
            raise ValueError("expected a JSON object")
        TIMING.update(settings)
    except (ValueError, TypeError) as error:
        return _answer(start_response, "400 BAD REQUEST", {"error": str(error)})
    return _answer(start_response, "200 OK", TIMING.describe())


werkzeug_app.DomainDispatcherApplication.__call__ = _call  # type: ignore[method-assign]
