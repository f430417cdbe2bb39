#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 reverse proxy between the orderapi provider and the moto server (stdlib only).

The provider is pointed at the proxy through ``orderapi:endpoint``; the proxy forwards every request to one
upstream (moto, always on 127.0.0.1) and, per request:

* works out the AWS service (SigV4 credential scope of the ``Authorization`` header) and the action (``Action=`` of
  the query protocols, ``X-Amz-Target`` of the JSON protocols, ``/service/<svc>/operation/<Op>`` of Smithy RPC v2
  CBOR, the S3 operation of S3's REST calls from method, path and sub-resource (``PUT /b?policy`` →
  PutBucketPolicy), else ``<METHOD> <path>`` for the other REST protocols), and whether the action mutates anything;
* appends one JSON line to the call log (see README.md for the fields);
* with probability ``fault_rate`` injects one fault, drawn from a weighted mix of ``500`` (InternalError),
  ``503`` (ServiceUnavailable), ``throttle`` (HTTP 400 with the service's throttling code in the protocol's error
  shape), ``reset-before`` (the connection is reset and the request never reaches moto) and ``reset-after`` (moto
  executes the request, its response is dropped and the connection reset: a lost response);
* optionally sleeps (``read_latency_ms`` / ``write_latency_ms``) before forwarding;
* optionally plays a crash: ``kill_after N`` SIGKILLs the provider processes of one run (found by the variable
  ``ORDERAPI_CHAOS_RUN=<run id>`` in ``/proc/<pid>/environ`` and the executable name) once the N-th mutating call has
  been forwarded and its response received, before that response is returned; ``kill_before N`` kills when the
  N-th mutating call arrives, without forwarding it.

Fault decisions are deterministic for a seed: the decision for the k-th call of one (service, action) pair is drawn
from ``Random(f"{seed}:{service}:{action}:{k}")``, so it does not depend on how parallel calls of *different*
actions interleave (a real deployment runs many in parallel).

Reconfiguration without restarting: ``POST /__chaos/config`` with a JSON object of the settings to change (same
names as the command-line options, with ``_``); ``"reset": true`` also resets the counters and the per-action
occurrence counts. ``GET /__chaos/stats`` returns the counters. ``POST /__chaos/mark`` with ``{"phase": "..."}``
writes a marker line into the call log. The control paths are served only to the proxy's own clients on 127.0.0.1
and are never forwarded.

The proxy binds 127.0.0.1 only, refuses an upstream that is not a loopback address, writes its port to
``--port-file`` once it listens, and stops by itself after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import struct
import sys
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FAULT_KINDS = ("500", "503", "throttle", "reset-before", "reset-after")
READ_PREFIXES = (
    "Describe",
    "List",
    "Get",
    "Head",
    "BatchGet",
    "Search",
    "Lookup",
    "Filter",
    "Check",
    "Validate",
    "Preview",
    "Test",
    "Query",
    "Scan",
    "Select",
    "Estimate",
    "Simulate",
)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "content-length",
        "expect",
    }
)
CONTROL_PREFIX = "/__chaos/"
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024
UPSTREAM_TIMEOUT = 120.0
CLIENT_IDLE_TIMEOUT = 300.0
DEFAULT_EXECUTABLE = "pulumi-resource-orderapi"
RUN_VARIABLE = "ORDERAPI_CHAOS_RUN"
LOOPBACK = "127.0.0.1"

# --------------------------------------------------------------------------------------------------------------------
# classification


@dataclass(frozen=True)
class Call:
    """What one request is, as far as fault injection and the call log care."""

    service: str
    action: str
    protocol: str  # query | ec2 | json | cbor | s3 | rest
    mutating: bool


_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request")
_CBOR_PATH = re.compile(r"^/service/([^/]+)/operation/([^/?]+)")


def is_mutating(action: str, method: str = "POST") -> bool:
    """Whether an action changes anything: reads (Describe*, List*, Get*, Head*, …) do not."""
    if not action:
        return False
    name = action.split(":", 1)[-1]
    if " " in name:  # REST: "<METHOD> <path>"
        return name.split(" ", 1)[0] not in READ_METHODS
    return not name.startswith(READ_PREFIXES)


#: S3 sub-resources (query keys without a value) → the noun of their operations, per method
#: (``Put<noun>``/``Get<noun>``/``Delete<noun>``), for a bucket and for an object.
_S3_BUCKET_SUBRESOURCES: dict[str, str] = {
    "policy": "BucketPolicy",
    "policyStatus": "BucketPolicyStatus",
    "tagging": "BucketTagging",
    "encryption": "BucketEncryption",
    "publicAccessBlock": "PublicAccessBlock",
    "ownershipControls": "BucketOwnershipControls",
    "versioning": "BucketVersioning",
    "lifecycle": "BucketLifecycleConfiguration",
    "acl": "BucketAcl",
    "cors": "BucketCors",
    "website": "BucketWebsite",
    "logging": "BucketLogging",
    "notification": "BucketNotificationConfiguration",
    "replication": "BucketReplication",
    "accelerate": "BucketAccelerateConfiguration",
    "requestPayment": "BucketRequestPayment",
    "object-lock": "ObjectLockConfiguration",
    "inventory": "BucketInventoryConfiguration",
    "analytics": "BucketAnalyticsConfiguration",
    "metrics": "BucketMetricsConfiguration",
    "intelligent-tiering": "BucketIntelligentTieringConfiguration",
    "location": "BucketLocation",
}
_S3_OBJECT_SUBRESOURCES: dict[str, str] = {
    "tagging": "ObjectTagging",
    "acl": "ObjectAcl",
    "retention": "ObjectRetention",
    "legal-hold": "ObjectLegalHold",
    "attributes": "ObjectAttributes",
}
_S3_VERBS = {"GET": "Get", "HEAD": "Get", "PUT": "Put", "DELETE": "Delete"}
#: Exceptions to Put/Get/Delete<noun>.
_S3_SPECIAL = {("DELETE", "lifecycle"): "DeleteBucketLifecycle"}
_S3_VIRTUAL_HOST = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.-]*)\.s3[.-]")


def s3_action(method: str, path: str, query: str, headers: dict[str, str]) -> str:
    """The S3 operation of a REST request: method, bucket/key path (path-style, or virtual-hosted when the
    ``Host`` names the bucket) and query sub-resource, e.g. ``PUT /b?policy`` → PutBucketPolicy, ``PUT /b`` →
    CreateBucket, ``POST /b?delete`` → DeleteObjects, ``GET /b?versions`` → ListObjectVersions. The SDK's own
    ``x-id`` query names some operations outright; a request none of the rules names stays ``<METHOD> <path>``."""
    params = urllib.parse.parse_qs(query, keep_blank_values=True)
    if params.get("x-id"):
        return params["x-id"][0]
    keys = set(params)
    host = headers.get("host", "").split(":", 1)[0]
    virtual = _S3_VIRTUAL_HOST.match(host)
    if virtual:
        bucket, key = virtual.group("bucket"), urllib.parse.unquote(path.lstrip("/"))
    else:
        bucket, _, key = urllib.parse.unquote(path.lstrip("/")).partition("/")
    if not bucket:
        return "ListBuckets" if method == "GET" else f"{method} {path}"
    if key:
        if "uploadId" in keys:
            if "partNumber" in keys:
                return "UploadPartCopy" if "x-amz-copy-source" in headers else "UploadPart"
            return {
                "POST": "CompleteMultipartUpload",
                "DELETE": "AbortMultipartUpload",
                "GET": "ListParts",
            }.get(method, f"{method} {path}")
        if method == "POST" and "uploads" in keys:
            return "CreateMultipartUpload"
        if method == "POST" and "restore" in keys:
            return "RestoreObject"
        if method == "POST" and "select" in keys:
            return "SelectObjectContent"
        for sub, noun in _S3_OBJECT_SUBRESOURCES.items():
            if sub in keys and method in _S3_VERBS:
                return f"{_S3_VERBS[method]}{noun}"
        if method == "PUT":
            return "CopyObject" if "x-amz-copy-source" in headers else "PutObject"
        return {"GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(method, f"{method} {path}")
    if method == "POST" and "delete" in keys:
        return "DeleteObjects"
    if method == "GET" and "versions" in keys:
        return "ListObjectVersions"
    if method == "GET" and "uploads" in keys:
        return "ListMultipartUploads"
    for sub, noun in _S3_BUCKET_SUBRESOURCES.items():
        if sub in keys and method in _S3_VERBS:
            return _S3_SPECIAL.get((method, sub), f"{_S3_VERBS[method]}{noun}")
    if method == "GET":
        return "ListObjectsV2" if params.get("list-type") == ["2"] else "ListObjects"
    return {"PUT": "CreateBucket", "DELETE": "DeleteBucket", "HEAD": "HeadBucket"}.get(method, f"{method} {path}")


def classify(method: str, target: str, headers: dict[str, str], body: bytes) -> Call:
    """Service, action, protocol and mutability of a request (``headers`` with lower-case names)."""
    scope = _SCOPE.search(headers.get("authorization", ""))
    service = scope.group(1) if scope else ""
    path, _, query = target.partition("?")
    if service == "s3":
        # REST-XML: the operation is in the method, path and sub-resource. Named operations are mutating unless
        # they read (Get*, List*, Head*, SelectObjectContent); unnamed ones by method.
        action = s3_action(method, path, query, headers)
        return Call(service=service, action=action, protocol="s3", mutating=is_mutating(action, method))
    cbor = _CBOR_PATH.match(path)
    if cbor:
        action, protocol = urllib.parse.unquote(cbor.group(2)), "cbor"
    elif headers.get("x-amz-target"):
        action, protocol = headers["x-amz-target"].rsplit(".", 1)[-1], "json"
    else:
        form: dict[str, list[str]] = {}
        if "x-www-form-urlencoded" in headers.get("content-type", "") and body:
            form = urllib.parse.parse_qs(body.decode("utf-8", errors="replace"))
        if query and "Action" not in form:
            form = {**urllib.parse.parse_qs(query), **form}
        if form.get("Action"):
            action = form["Action"][0]
            protocol = "ec2" if service == "ec2" else "query"
        else:
            action, protocol = f"{method} {path}", "rest"
    mutating = is_mutating(action, method)
    return Call(service=service, action=action, protocol=protocol, mutating=mutating)


# --------------------------------------------------------------------------------------------------------------------
# error shapes


def _cbor_text(value: str) -> bytes:
    data = value.encode()
    n = len(data)
    if n < 24:
        head = bytes([0x60 + n])
    elif n < 0x100:
        head = bytes([0x78, n])
    elif n < 0x10000:
        head = b"\x79" + struct.pack(">H", n)
    else:
        head = b"\x7a" + struct.pack(">I", n)
    return head + data


def cbor_map(items: dict[str, str]) -> bytes:
    """A CBOR map of text to text (enough for an RPC v2 CBOR error body)."""
    assert len(items) < 24
    return bytes([0xA0 + len(items)]) + b"".join(_cbor_text(k) + _cbor_text(v) for k, v in items.items())


#: Error code per (fault kind, protocol family).
CODES: dict[str, dict[str, str]] = {
    "500": {"query": "InternalError", "ec2": "InternalError", "json": "InternalFailure", "s3": "InternalError"},
    "503": {
        "query": "ServiceUnavailable",
        "ec2": "Unavailable",
        "json": "ServiceUnavailableException",
        "s3": "ServiceUnavailable",
    },
    "throttle": {"query": "Throttling", "ec2": "RequestLimitExceeded", "json": "ThrottlingException", "s3": "SlowDown"},
}
STATUS = {"500": 500, "503": 503, "throttle": 400}
#: S3 throttles with HTTP 503 SlowDown, not a 400.
S3_STATUS = {**STATUS, "throttle": 503}
REASONS = {200: "OK", 100: "Continue", 400: "Bad Request", 500: "Internal Server Error", 503: "Service Unavailable"}


def error_response(kind: str, protocol: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of an injected error in the shape the request's protocol uses."""
    status = (S3_STATUS if protocol == "s3" else STATUS)[kind]
    family = {"cbor": "json", "rest": "json"}.get(protocol, protocol)
    code = CODES[kind][family]
    message = f"chaos proxy injected {kind}"
    request_id = str(uuid.uuid4())
    fault = "Receiver" if status >= 500 else "Sender"
    headers = [("x-amzn-RequestId", request_id)]
    if protocol == "s3":
        # S3's REST-XML error (a HEAD answer carries no body: the status alone says what happened).
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        headers += [("x-amz-request-id", request_id), ("Content-Type", "application/xml")]
    elif protocol == "ec2":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        headers.append(("Content-Type", "text/xml;charset=UTF-8"))
    elif protocol == "query":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>{fault}</Type><Code>{code}</Code>'
            f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers.append(("Content-Type", "text/xml;charset=UTF-8"))
    elif protocol == "cbor":
        # CloudWatch is awsQuery-compatible: the SDK takes the query code from x-amzn-query-error.
        query_code = CODES[kind]["query"]
        body = cbor_map({"__type": code, "message": message})
        headers += [
            ("smithy-protocol", "rpc-v2-cbor"),
            ("Content-Type", "application/cbor"),
            ("x-amzn-query-error", f"{query_code};{fault}"),
        ]
    else:
        body = json.dumps({"__type": code, "message": message}).encode()
        headers += [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
    return status, headers, body


def error_code(status: int, body: bytes) -> str:
    """The AWS error code of an error response (XML ``<Code>``, JSON ``__type``), best effort."""
    if status < 400 or not body:
        return ""
    text = body[:4096].decode("utf-8", errors="replace")
    match = re.search(r"<Code>([^<]+)</Code>", text)
    if match:
        return match.group(1)
    match = re.search(r'"__type"\s*:\s*"([^"]+)"', text) or re.search(r'"code"\s*:\s*"([^"]+)"', text)
    if match:
        return match.group(1).rsplit("#", 1)[-1]
    return _cbor_type(body[:4096])


def _cbor_type(body: bytes) -> str:
    """The text value after the CBOR text key ``__type`` (an RPC v2 CBOR error body), or ``""``."""
    at = body.find(b"\x66__type")
    if at < 0:
        return ""
    at += 7
    if at >= len(body):
        return ""
    head = body[at]
    if 0x60 <= head < 0x78:
        size, at = head - 0x60, at + 1
    elif head == 0x78 and at + 1 < len(body):
        size, at = body[at + 1], at + 2
    else:
        return ""
    return body[at : at + size].decode(errors="replace").rsplit("#", 1)[-1]


# --------------------------------------------------------------------------------------------------------------------
# the crash driver


def _environ(pid: int) -> list[bytes]:
    with open(f"/proc/{pid}/environ", "rb") as handle:
        return handle.read().split(b"\0")


def _executable_names(pid: int) -> set[str]:
    names = set()
    try:
        names.add(os.path.basename(os.readlink(f"/proc/{pid}/exe")).removesuffix(" (deleted)"))
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv0 = handle.read().split(b"\0", 1)[0].decode(errors="replace")
        if argv0:
            names.add(os.path.basename(argv0))
    except OSError:
        pass
    return names


def find_run_processes(run_id: str, executable: str = DEFAULT_EXECUTABLE) -> list[int]:
    """PIDs whose environment holds ``ORDERAPI_CHAOS_RUN=<run_id>`` exactly and whose executable is ``executable``."""
    if not run_id:
        return []
    wanted = f"{RUN_VARIABLE}={run_id}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        pid = int(entry)
        try:
            if wanted not in _environ(pid):
                continue
        except OSError:
            continue
        if executable in _executable_names(pid):
            found.append(pid)
    return sorted(found)


def kill_run_processes(run_id: str, executable: str = DEFAULT_EXECUTABLE) -> list[int]:
    """SIGKILLs the processes :func:`find_run_processes` finds; returns the PIDs signalled."""
    killed = []
    for pid in find_run_processes(run_id, executable):
        try:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        except ProcessLookupError:
            pass
    return killed


# --------------------------------------------------------------------------------------------------------------------
# configuration and state


def parse_faults(spec: str) -> dict[str, float]:
    """``"500,503:2,reset-after:0.5"`` → weights (a kind without ``:w`` weighs 1); unknown kinds are refused."""
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kind, _, weight = part.partition(":")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r} (known: {', '.join(FAULT_KINDS)})")
        weights[kind] = float(weight) if weight else 1.0
        if weights[kind] < 0:
            raise ValueError(f"negative weight for {kind}")
    return weights


@dataclass
class Config:
    seed: int = 0
    fault_rate: float = 0.0
    faults: dict[str, float] = field(default_factory=lambda: {kind: 1.0 for kind in FAULT_KINDS})
    mutating_only: bool = False
    read_latency_ms: float = 0.0
    write_latency_ms: float = 0.0
    kill_after: int = 0
    kill_before: int = 0
    run_id: str = ""
    kill_executable: str = DEFAULT_EXECUTABLE

    def update(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            key = key.replace("-", "_")
            if key == "reset":
                continue
            if key == "faults":
                value = parse_faults(value) if isinstance(value, str) else {str(k): float(v) for k, v in value.items()}
                unknown = set(value) - set(FAULT_KINDS)
                if unknown:
                    raise ValueError(f"unknown fault kinds {sorted(unknown)}")
            elif key not in self.__dataclass_fields__:
                raise ValueError(f"unknown setting {key!r}")
            elif key in ("seed", "kill_after", "kill_before"):
                value = int(value)
            elif key in ("fault_rate", "read_latency_ms", "write_latency_ms"):
                value = float(value)
            elif key == "mutating_only":
                value = bool(value)
            else:
                value = str(value)
            setattr(self, key, value)
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError("fault_rate must be within [0, 1]")


class Proxy:
    def __init__(self, upstream_host: str, upstream_port: int, config: Config, log_path: Path | None) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.config = config
        self.log_path = log_path
        self._log = open(log_path, "a", buffering=1) if log_path else None
        self.started = time.time()
        self.reset_counters()

    def reset_counters(self) -> None:
        self.seq = 0
        self.mutating_seen = 0  # mutating calls that arrived (kill_before counts these)
        self.mutating_forwarded = 0  # mutating calls forwarded whose response arrived (kill_after counts these)
        self.occurrences: Counter[tuple[str, str]] = Counter()
        self.faults: Counter[str] = Counter()
        self.kills: list[dict[str, Any]] = []
        self.kill_fired = False
        self.expect_continue = 0
        self.upstream_errors = 0

    def stats(self) -> dict[str, Any]:
        return {
            "calls": self.seq,
            "mutating_seen": self.mutating_seen,
            "mutating_forwarded": self.mutating_forwarded,
            "faults": dict(self.faults),
            "kills": self.kills,
            "kill_fired": self.kill_fired,
            "expect_continue": self.expect_continue,
            "upstream_errors": self.upstream_errors,
            "config": asdict(self.config),
            "uptime": round(time.time() - self.started, 3),
        }

    def write(self, record: dict[str, Any]) -> None:
        if self._log:
            self._log.write(json.dumps(record, sort_keys=False) + "\n")

    # -- decisions

    def decide(self, call: Call) -> str | None:
        """The fault to inject into this call, or None: deterministic per (seed, service, action, occurrence)."""
        key = (call.service, call.action)
        self.occurrences[key] += 1
        config = self.config
        if config.fault_rate <= 0 or (config.mutating_only and not call.mutating):
            return None
        rng = random.Random(f"{config.seed}:{call.service}:{call.action}:{self.occurrences[key]}")
        if rng.random() >= config.fault_rate:
            return None
        kinds = [(k, w) for k, w in config.faults.items() if w > 0]
        if not kinds:
            return None
        pick = rng.random() * sum(w for _, w in kinds)
        for kind, weight in kinds:
            pick -= weight
            if pick < 0:
                return kind
        return kinds[-1][0]

    def kill(self, when: str, seq: int, call: Call, mutating_index: int) -> dict[str, Any]:
        self.kill_fired = True
        pids = kill_run_processes(self.config.run_id, self.config.kill_executable)
        event = {
            "event": "kill",
            "when": when,
            "t": round(time.time(), 6),
            "seq": seq,
            "mutating_index": mutating_index,
            "service": call.service,
            "action": call.action,
            "run_id": self.config.run_id,
            "pids": pids,
        }
        self.kills.append(event)
        self.write(event)
        return event

    # -- the HTTP side

    async def handle_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    request = await asyncio.wait_for(read_request(reader, writer, self), CLIENT_IDLE_TIMEOUT)
                except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                    return
                if request is None:
                    return
                keep_alive = await self.serve(request, writer)
                if not keep_alive:
                    return
        except BadRequest as error:
            await send_response(writer, 400, [("Content-Type", "text/plain")], str(error).encode(), False)
        except ConnectionError:
            pass
        finally:
            if not writer.is_closing():
                writer.close()

    async def serve(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        if request.path.startswith(CONTROL_PREFIX):
            return await self.control(request, writer)
        call = classify(request.method, request.target, request.headers, request.body)
        self.seq += 1
        seq = self.seq
        start = time.monotonic()
        record: dict[str, Any] = {
            "t": round(time.time(), 6),
            "seq": seq,
            "service": call.service,
            "action": call.action,
            "mutating": call.mutating,
            "fault": None,
        }
        if request.headers.get("expect"):
            record["expect"] = request.headers["expect"]
        mutating_index = 0
        if call.mutating:
            self.mutating_seen += 1
            mutating_index = self.mutating_seen
            record["mutating_index"] = mutating_index
        config = self.config
        if call.mutating and config.kill_before and not self.kill_fired and mutating_index >= config.kill_before:
            event = self.kill("before", seq, call, mutating_index)
            record.update(fault="kill-before", status=None, ms=0.0, killed=event["pids"])
            self.write(record)
            abort(writer)
            return False
        fault = self.decide(call)
        record["fault"] = fault
        if fault:
            self.faults[fault] += 1
        latency = config.write_latency_ms if call.mutating else config.read_latency_ms
        if latency > 0:
            await asyncio.sleep(latency / 1000.0)
        if fault == "reset-before":
            record.update(status=None, ms=round((time.monotonic() - start) * 1000, 2))
            self.write(record)
            abort(writer)
            return False
        if fault in ("500", "503", "throttle"):
            status, headers, body = error_response(fault, call.protocol)
            record.update(status=status, code=error_code(status, body), ms=round((time.monotonic() - start) * 1000, 2))
            self.write(record)
            await send_response(writer, status, headers, body, request.keep_alive, request.method == "HEAD")
            return request.keep_alive
        try:
            status, headers, body = await asyncio.wait_for(forward(self.upstream, request), UPSTREAM_TIMEOUT)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, BadRequest) as error:
            self.upstream_errors += 1
            record.update(status=502, upstream_error=repr(error), ms=round((time.monotonic() - start) * 1000, 2))
            self.write(record)
            answer = json.dumps({"__type": "BadGateway", "message": f"chaos proxy: upstream failed: {error!r}"})
            await send_response(writer, 502, [("Content-Type", "application/json")], answer.encode(), False)
            return False
        record.update(status=status, ms=round((time.monotonic() - start) * 1000, 2))
        code = error_code(status, body)
        if code:
            record["code"] = code
        if call.mutating:
            self.mutating_forwarded += 1
            record["forwarded_index"] = self.mutating_forwarded
            if config.kill_after and not self.kill_fired and self.mutating_forwarded >= config.kill_after:
                event = self.kill("after", seq, call, self.mutating_forwarded)
                record.update(killed=event["pids"])
                self.write(record)
                abort(writer)
                return False
        self.write(record)
        if fault == "reset-after":
            abort(writer)
            return False
        await send_response(writer, status, headers, body, request.keep_alive, request.method == "HEAD")
        return request.keep_alive

    async def control(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        name = request.path[len(CONTROL_PREFIX) :].strip("/")
        try:
            payload = json.loads(request.body or b"{}") if request.method == "POST" else {}
            if not isinstance(payload, dict):
                raise ValueError("expected a JSON object")
            if name == "config" and request.method == "POST":
                self.config.update(payload)
                if payload.get("reset"):
                    self.reset_counters()
                self.write({"event": "config", "t": round(time.time(), 6), "config": asdict(self.config)})
                answer: Any = {"config": asdict(self.config)}
            elif name == "config":
                answer = {"config": asdict(self.config)}
            elif name == "stats":
                answer = self.stats()
            elif name == "mark" and request.method == "POST":
                self.write({"event": "mark", "t": round(time.time(), 6), **payload})
                answer = {"ok": True}
            else:
                raise LookupError(f"no control endpoint {request.method} {request.path}")
            status = 200
        except LookupError as error:
            status, answer = 404, {"error": str(error)}
        except (ValueError, TypeError) as error:
            status, answer = 400, {"error": str(error)}
        body = json.dumps(answer).encode()
        await send_response(writer, status, [("Content-Type", "application/json")], body, request.keep_alive)
        return request.keep_alive


# --------------------------------------------------------------------------------------------------------------------
# HTTP/1.1 plumbing


class BadRequest(Exception):
    pass


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    raw_headers: list[tuple[str, str]]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


def parse_head(data: bytes) -> tuple[str, list[tuple[str, str]]]:
    text = data.decode("latin-1")
    lines = text.split("\r\n")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        if ":" not in line:
            raise BadRequest(f"malformed header line {line!r}")
        name, value = line.split(":", 1)
        headers.append((name.strip(), value.strip()))
    return lines[0], headers


def joined(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        merged[key] = f"{merged[key]}, {value}" if key in merged else value
    return merged


async def read_head(reader: asyncio.StreamReader) -> bytes | None:
    try:
        data = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial.strip():
            return None
        raise
    except asyncio.LimitOverrunError:
        raise BadRequest("header section too large") from None
    return data[:-4]


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise BadRequest("body too large")
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    length = int(headers.get("content-length") or 0)
    if length > MAX_BODY_BYTES:
        raise BadRequest("body too large")
    return await reader.readexactly(length) if length else b""


async def read_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, proxy: Proxy | None = None
) -> Request | None:
    head = await read_head(reader)
    if head is None:
        return None
    request_line, raw_headers = parse_head(head)
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise BadRequest(f"malformed request line {request_line!r}")
    method, target, version = parts
    headers = joined(raw_headers)
    if headers.get("expect", "").lower() == "100-continue":
        if proxy is not None:
            proxy.expect_continue += 1
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
    body = await read_body(reader, headers)
    return Request(method, target, version, headers, raw_headers, body)


async def read_response(reader: asyncio.StreamReader, method: str) -> tuple[int, list[tuple[str, str]], bytes]:
    while True:
        head = await read_head(reader)
        if head is None:
            raise BadRequest("upstream closed the connection without a response")
        status_line, raw_headers = parse_head(head)
        parts = status_line.split(" ", 2)
        status = int(parts[1])
        if status != 100:
            break
    headers = joined(raw_headers)
    if method == "HEAD" or status in (204, 304):
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower() or "content-length" in headers:
        body = await read_body(reader, headers)
    else:
        body = await reader.read(-1)  # until the upstream closes
    return status, raw_headers, body


async def forward(upstream: tuple[str, int], request: Request) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request on a fresh upstream connection (``Connection: close``); the whole response."""
    reader, writer = await asyncio.open_connection(*upstream)
    try:
        lines = [f"{request.method} {request.target} HTTP/1.1"]
        for name, value in request.raw_headers:
            if name.lower() not in HOP_BY_HOP:
                lines.append(f"{name}: {value}")
        if request.body or request.method not in READ_METHODS:
            lines.append(f"Content-Length: {len(request.body)}")
        lines.append("Connection: close")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body)
        await writer.drain()
        status, raw_headers, body = await read_response(reader, request.method)
        headers = [(n, v) for n, v in raw_headers if n.lower() not in HOP_BY_HOP]
        return status, headers, body
    finally:
        writer.close()


async def send_response(
    writer: asyncio.StreamWriter,
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
    keep_alive: bool,
    head_only: bool = False,
) -> None:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    lines += [f"{name}: {value}" for name, value in headers if name.lower() not in HOP_BY_HOP]
    lines.append(f"Content-Length: {len(body)}")
    lines.append(f"Connection: {'keep-alive' if keep_alive else 'close'}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head_only else body))
    await writer.drain()


def abort(writer: asyncio.StreamWriter) -> None:
    """Resets the connection (RST, not FIN): SO_LINGER with a zero timeout, then close."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


# --------------------------------------------------------------------------------------------------------------------
# entry point


def loopback_only(host: str) -> str:
    try:
        infos = socket.getaddrinfo(host, None, socket.AF_INET)
    except socket.gaierror as error:
        raise SystemExit(f"cannot resolve upstream {host!r}: {error}") from None
    addresses = {str(info[4][0]) for info in infos}
    if not all(a.startswith("127.") for a in addresses):
        raise SystemExit(f"the upstream must be a loopback address, got {host!r} ({sorted(addresses)})")
    return sorted(addresses)[0]


def parse_upstream(value: str) -> tuple[str, int]:
    parsed = urllib.parse.urlsplit(value if "://" in value else f"http://{value}")
    if parsed.scheme != "http" or not parsed.port:
        raise SystemExit(f"--upstream must be http://127.0.0.1:<port>, got {value!r}")
    return loopback_only(parsed.hostname or ""), parsed.port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="the moto server, http://127.0.0.1:<port>")
    parser.add_argument("--port", type=int, default=0, help="port to listen on, on 127.0.0.1 (0: any free port)")
    parser.add_argument("--port-file", type=Path, help="written with the port once the proxy listens")
    parser.add_argument("--pid-file", type=Path, help="written with the proxy's PID")
    parser.add_argument("--log", type=Path, help="the call log (JSON lines, appended)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fault-rate", type=float, default=0.0, help="probability of a fault per call (0..1)")
    parser.add_argument(
        "--faults",
        default=",".join(FAULT_KINDS),
        help="kinds with optional weights, e.g. 500,503,throttle:2,reset-before,reset-after:0.5",
    )
    parser.add_argument("--mutating-only", action="store_true", help="inject faults into mutating calls only")
    parser.add_argument("--read-latency-ms", type=float, default=0.0)
    parser.add_argument("--write-latency-ms", type=float, default=0.0)
    parser.add_argument("--kill-after", type=int, default=0, help="SIGKILL the provider after the N-th mutating call")
    parser.add_argument("--kill-before", type=int, default=0, help="SIGKILL the provider at the N-th mutating call")
    parser.add_argument("--run-id", default="", help=f"the {RUN_VARIABLE} value of the processes to kill")
    parser.add_argument("--kill-executable", default=DEFAULT_EXECUTABLE, help="executable name of those processes")
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="stop after this many seconds")
    return parser


async def run(args: argparse.Namespace) -> None:
    upstream = parse_upstream(args.upstream)
    config = Config()
    config.update(
        {
            "seed": args.seed,
            "fault_rate": args.fault_rate,
            "faults": args.faults,
            "mutating_only": args.mutating_only,
            "read_latency_ms": args.read_latency_ms,
            "write_latency_ms": args.write_latency_ms,
            "kill_after": args.kill_after,
            "kill_before": args.kill_before,
            "run_id": args.run_id,
            "kill_executable": args.kill_executable,
        }
    )
    proxy = Proxy(upstream[0], upstream[1], config, args.log)
    server = await asyncio.start_server(proxy.handle_client, LOOPBACK, args.port, limit=MAX_HEADER_BYTES)
    port = server.sockets[0].getsockname()[1]
    proxy.write({"event": "start", "t": round(time.time(), 6), "port": port, "upstream": list(upstream)})
    if args.pid_file:
        args.pid_file.write_text(f"{os.getpid()}\n")
    if args.port_file:
        tmp = args.port_file.with_suffix(".tmp")
        tmp.write_text(f"{port}\n")
        tmp.replace(args.port_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), args.max_seconds)
        reason = "signal"
    except TimeoutError:
        reason = "max-seconds"
    server.close()
    proxy.write({"event": "stop", "t": round(time.time(), 6), "reason": reason, "stats": proxy.stats()})


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        parse_faults(args.faults)
    except ValueError as error:
        print(f"proxy: {error}", file=sys.stderr)
        return 2
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
