"""The chaos proxy on its own: a tiny stdlib HTTP server plays the upstream; no provider, no moto, no pulumi.

The proxy runs as the subprocess the platform scenarios use (``harness.ProxyProcess``), so its command line, port
file, control endpoint and call log are what is tested.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.parsers
import botocore.session
import pytest
from botocore.awsrequest import HeadersDict
from botocore.retries.standard import ThrottledRetryableChecker

import harness
import proxy

# --------------------------------------------------------------------------------------------------------------------
# an upstream that records what reached it


class Upstream:
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        lock = threading.Lock()
        seen = self.seen

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with lock:
                    seen.append(
                        {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    count = len(seen)
                data = json.dumps({"seen": count, "path": self.path, "length": len(body)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def actions(self) -> list[str]:
        return [
            proxy.classify(s["method"], s["path"], {k.lower(): v for k, v in s["headers"].items()}, s["body"]).action
            for s in self.seen
        ]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.stop()


@pytest.fixture
def chaos(upstream: Upstream, tmp_path: Path) -> Iterator[harness.ProxyProcess]:
    process = harness.ProxyProcess(upstream.url, tmp_path / "calls.jsonl", tmp_path, max_seconds=120)
    yield process
    process.stop()


def auth(service: str) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=00"
    )


def query(service: str, action: str) -> tuple[str, str, dict[str, str], bytes]:
    body = f"Action={action}&Version=2016-11-15".encode()
    headers = {"Authorization": auth(service), "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return "POST", "/", headers, body


def json_call(service: str, target: str) -> tuple[str, str, dict[str, str], bytes]:
    headers = {"Authorization": auth(service), "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"}
    return "POST", "/", headers, b"{}"


def cbor_call(operation: str) -> tuple[str, str, dict[str, str], bytes]:
    headers = {
        "Authorization": auth("monitoring"),
        "smithy-protocol": "rpc-v2-cbor",
        "Content-Type": "application/cbor",
    }
    return "POST", f"/service/GraniteServiceVersion20100801/operation/{operation}", headers, b"\xa0"


def s3_call(method: str, target: str, **headers: str) -> tuple[str, str, dict[str, str], bytes]:
    """An S3 REST request as the Rust SDK sends it against a single endpoint (path-style)."""
    return method, target, {"Authorization": auth("s3"), **headers}, b"" if method in ("GET", "HEAD") else b"<x/>"


def send(
    port: int, request: tuple[str, str, dict[str, str], bytes], conn: http.client.HTTPConnection | None = None
) -> http.client.HTTPResponse:
    method, target, headers, body = request
    connection = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, target, body=body, headers=headers)
    response = connection.getresponse()
    response.data = response.read()  # type: ignore[attr-defined]
    return response


def calls(chaos: harness.ProxyProcess) -> list[dict[str, Any]]:
    return harness.CallLog(chaos.log_path).calls()


# --------------------------------------------------------------------------------------------------------------------
# classification


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (query("ec2", "CreateVpc"), ("ec2", "CreateVpc", "ec2", True)),
        (query("ec2", "DescribeVpcs"), ("ec2", "DescribeVpcs", "ec2", False)),
        (
            query("elasticloadbalancing", "CreateLoadBalancer"),
            ("elasticloadbalancing", "CreateLoadBalancer", "query", True),
        ),
        (query("iam", "GetRole"), ("iam", "GetRole", "query", False)),
        (query("rds", "DeleteDBCluster"), ("rds", "DeleteDBCluster", "query", True)),
        (query("sns", "ListTagsForResource"), ("sns", "ListTagsForResource", "query", False)),
        (json_call("ecs", "AmazonEC2ContainerServiceV20141113.CreateCluster"), ("ecs", "CreateCluster", "json", True)),
        (
            json_call("ecr", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories"),
            ("ecr", "DescribeRepositories", "json", False),
        ),
        (
            json_call("secretsmanager", "secretsmanager.GetSecretValue"),
            ("secretsmanager", "GetSecretValue", "json", False),
        ),
        (json_call("wafv2", "AWSWAF_20190729.AssociateWebACL"), ("wafv2", "AssociateWebACL", "json", True)),
        (cbor_call("PutMetricAlarm"), ("monitoring", "PutMetricAlarm", "cbor", True)),
        (cbor_call("DescribeAlarms"), ("monitoring", "DescribeAlarms", "cbor", False)),
        (
            ("GET", "/2015-03-31/functions?Marker=x", {"Authorization": auth("lambda")}, b""),
            ("lambda", "GET /2015-03-31/functions", "rest", False),
        ),
        (
            ("DELETE", "/v1/things/abc", {"Authorization": auth("iot")}, b""),
            ("iot", "DELETE /v1/things/abc", "rest", True),
        ),
        (
            ("GET", "/?Action=DescribeRegions&Version=2016-11-15", {"Authorization": auth("ec2")}, b""),
            ("ec2", "DescribeRegions", "ec2", False),
        ),
        # S3: REST-XML, the operation from method, path and sub-resource.
        (s3_call("GET", "/"), ("s3", "ListBuckets", "s3", False)),
        (s3_call("PUT", "/logs"), ("s3", "CreateBucket", "s3", True)),
        (s3_call("PUT", "/logs/"), ("s3", "CreateBucket", "s3", True)),  # the Rust SDK's bucket paths end in /
        (s3_call("PUT", "/logs/?policy"), ("s3", "PutBucketPolicy", "s3", True)),
        (s3_call("POST", "/logs/?delete"), ("s3", "DeleteObjects", "s3", True)),
        (s3_call("HEAD", "/logs"), ("s3", "HeadBucket", "s3", False)),
        (s3_call("DELETE", "/logs"), ("s3", "DeleteBucket", "s3", True)),
        (s3_call("PUT", "/logs?policy"), ("s3", "PutBucketPolicy", "s3", True)),
        (s3_call("GET", "/logs?policy"), ("s3", "GetBucketPolicy", "s3", False)),
        (s3_call("DELETE", "/logs?policy"), ("s3", "DeleteBucketPolicy", "s3", True)),
        (s3_call("PUT", "/logs?tagging"), ("s3", "PutBucketTagging", "s3", True)),
        (s3_call("GET", "/logs?tagging"), ("s3", "GetBucketTagging", "s3", False)),
        (s3_call("PUT", "/logs?encryption"), ("s3", "PutBucketEncryption", "s3", True)),
        (s3_call("PUT", "/logs?publicAccessBlock"), ("s3", "PutPublicAccessBlock", "s3", True)),
        (s3_call("GET", "/logs?ownershipControls"), ("s3", "GetBucketOwnershipControls", "s3", False)),
        (s3_call("PUT", "/logs?versioning"), ("s3", "PutBucketVersioning", "s3", True)),
        (s3_call("PUT", "/logs?lifecycle"), ("s3", "PutBucketLifecycleConfiguration", "s3", True)),
        (s3_call("DELETE", "/logs?lifecycle"), ("s3", "DeleteBucketLifecycle", "s3", True)),
        (s3_call("GET", "/logs?location"), ("s3", "GetBucketLocation", "s3", False)),
        (s3_call("GET", "/logs?versions&max-keys=1000"), ("s3", "ListObjectVersions", "s3", False)),
        (s3_call("GET", "/logs?list-type=2&prefix=AWSLogs"), ("s3", "ListObjectsV2", "s3", False)),
        (s3_call("POST", "/logs?delete"), ("s3", "DeleteObjects", "s3", True)),
        (s3_call("PUT", "/logs/AWSLogs/x.log.gz?x-id=PutObject"), ("s3", "PutObject", "s3", True)),
        (s3_call("GET", "/logs/AWSLogs/x.log.gz"), ("s3", "GetObject", "s3", False)),
        (s3_call("DELETE", "/logs/a%2Fb?versionId=1"), ("s3", "DeleteObject", "s3", True)),
        (s3_call("PUT", "/logs/k?tagging"), ("s3", "PutObjectTagging", "s3", True)),
        (s3_call("POST", "/logs/k?uploads"), ("s3", "CreateMultipartUpload", "s3", True)),
        (s3_call("PUT", "/logs/k?partNumber=2&uploadId=u"), ("s3", "UploadPart", "s3", True)),
        (s3_call("POST", "/logs/k?uploadId=u"), ("s3", "CompleteMultipartUpload", "s3", True)),
        (s3_call("POST", "/logs/k?select&select-type=2"), ("s3", "SelectObjectContent", "s3", False)),
        (s3_call("PUT", "/logs/k", **{"x-amz-copy-source": "other/k"}), ("s3", "CopyObject", "s3", True)),
        # Virtual-hosted style: the bucket is in the host name.
        (
            s3_call("GET", "/?policy", Host="logs.s3.us-east-1.amazonaws.com"),
            ("s3", "GetBucketPolicy", "s3", False),
        ),
        (
            s3_call("PUT", "/", Host="logs.s3.us-east-1.amazonaws.com"),
            ("s3", "CreateBucket", "s3", True),
        ),
    ],
)
def test_classify(request_: tuple[str, str, dict[str, str], bytes], expected: tuple[str, str, str, bool]) -> None:
    method, target, headers, body = request_
    call = proxy.classify(method, target, {k.lower(): v for k, v in headers.items()}, body)
    assert (call.service, call.action, call.protocol, call.mutating) == expected


# --------------------------------------------------------------------------------------------------------------------
# forwarding


def test_forwards_with_keep_alive_and_correct_lengths(chaos: harness.ProxyProcess, upstream: Upstream) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", chaos.port, timeout=10)
    first = send(chaos.port, query("ec2", "DescribeVpcs"), conn)
    sock = conn.sock
    second = send(chaos.port, json_call("ecs", "AmazonEC2ContainerServiceV20141113.CreateCluster"), conn)
    third = send(chaos.port, ("GET", "/ping?x=1", {"Authorization": auth("lambda")}, b""), conn)
    assert conn.sock is sock and sock is not None, "the proxy closed a keep-alive connection"
    for response in (first, second, third):
        assert response.status == 200
        assert int(response.headers["Content-Length"]) == len(response.data)  # type: ignore[attr-defined]
    assert json.loads(third.data)["path"] == "/ping?x=1"  # type: ignore[attr-defined]
    assert upstream.actions() == ["DescribeVpcs", "CreateCluster", "GET /ping"]
    assert upstream.seen[0]["body"] == query("ec2", "DescribeVpcs")[3]
    log = calls(chaos)
    assert [(c["action"], c["mutating"], c["status"], c["fault"]) for c in log] == [
        ("DescribeVpcs", False, 200, None),
        ("CreateCluster", True, 200, None),
        ("GET /ping", False, 200, None),
    ]
    assert all(isinstance(c["ms"], float) and c["t"] > 0 for c in log)


def test_chunked_request_body_is_forwarded_with_a_content_length(
    chaos: harness.ProxyProcess, upstream: Upstream
) -> None:
    body = b"Action=CreateVpc&CidrBlock=10.0.0.0%2F16"
    with socket.create_connection(("127.0.0.1", chaos.port), timeout=10) as sock:
        head = (
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Authorization: {auth('ec2')}\r\nConnection: close\r\n\r\n"
        )
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:10], body[10:])) + b"0\r\n\r\n"
        sock.sendall(head.encode() + chunks)
        answer = recv_all(sock)
    assert answer.startswith(b"HTTP/1.1 200")
    assert upstream.seen[0]["body"] == body
    assert upstream.seen[0]["headers"].get("Content-Length") == str(len(body))
    assert "Transfer-Encoding" not in upstream.seen[0]["headers"]


def recv_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_expect_100_continue(chaos: harness.ProxyProcess, upstream: Upstream) -> None:
    body = b"Action=CreateVpc"
    with socket.create_connection(("127.0.0.1", chaos.port), timeout=10) as sock:
        sock.sendall(
            (
                f"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: {len(body)}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nAuthorization: {auth('ec2')}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
        )
        interim = sock.recv(1024)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n", "no interim 100 before the body was sent"
        sock.sendall(body)
        answer = recv_all(sock)
    assert answer.startswith(b"HTTP/1.1 200")
    assert upstream.seen[0]["body"] == body
    assert "Expect" not in upstream.seen[0]["headers"]
    assert chaos.stats()["expect_continue"] == 1
    assert calls(chaos)[0]["expect"] == "100-continue"


# --------------------------------------------------------------------------------------------------------------------
# faults


def test_reset_after_reaches_upstream_but_the_client_loses_the_response(
    chaos: harness.ProxyProcess, upstream: Upstream
) -> None:
    chaos.configure(fault_rate=1.0, faults="reset-after")
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        send(chaos.port, query("ec2", "CreateVpc"))
    assert upstream.actions() == ["CreateVpc"], "reset-after must forward the request before dropping the answer"
    [record] = calls(chaos)
    assert record["fault"] == "reset-after" and record["status"] == 200 and record["mutating"] is True


def test_reset_before_never_reaches_upstream(chaos: harness.ProxyProcess, upstream: Upstream) -> None:
    chaos.configure(fault_rate=1.0, faults="reset-before")
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        send(chaos.port, query("ec2", "CreateVpc"))
    assert upstream.seen == []
    [record] = calls(chaos)
    assert record["fault"] == "reset-before" and record["status"] is None


SESSION = botocore.session.get_session()
PROTOCOL_CASES = {
    # protocol: (request, botocore service, operation, botocore parser)
    "ec2": (query("ec2", "CreateVpc"), "ec2", "CreateVpc", "ec2"),
    "query": (query("elasticloadbalancing", "CreateLoadBalancer"), "elbv2", "CreateLoadBalancer", "query"),
    "json": (json_call("ecs", "AmazonEC2ContainerServiceV20141113.CreateCluster"), "ecs", "CreateCluster", "json"),
    "cbor": (cbor_call("PutMetricAlarm"), "cloudwatch", "PutMetricAlarm", "smithy-rpc-v2-cbor"),
    "s3": (s3_call("PUT", "/logs?policy"), "s3", "PutBucketPolicy", "rest-xml"),
}
EXPECTED_CODES = {
    ("500", "ec2"): "InternalError",
    ("500", "query"): "InternalError",
    ("500", "json"): "InternalFailure",
    ("500", "cbor"): "InternalError",  # the awsQuery-compatible code from x-amzn-query-error
    ("503", "ec2"): "Unavailable",
    ("503", "query"): "ServiceUnavailable",
    ("503", "json"): "ServiceUnavailableException",
    ("503", "cbor"): "ServiceUnavailable",
    ("throttle", "ec2"): "RequestLimitExceeded",
    ("throttle", "query"): "Throttling",
    ("throttle", "json"): "ThrottlingException",
    ("throttle", "cbor"): "Throttling",
    ("500", "s3"): "InternalError",
    ("503", "s3"): "ServiceUnavailable",
    ("throttle", "s3"): "SlowDown",  # S3 throttles with 503 SlowDown
}


@pytest.mark.parametrize("kind", ["500", "503", "throttle"])
@pytest.mark.parametrize("protocol", sorted(PROTOCOL_CASES))
def test_error_shapes_parse_as_the_protocol(
    chaos: harness.ProxyProcess, upstream: Upstream, kind: str, protocol: str
) -> None:
    """Each injected error parses with botocore's parser of the request's protocol into the expected code, throttles
    are codes an SDK's standard retry treats as throttling, and nothing reaches the upstream."""
    request, service, operation, parser_name = PROTOCOL_CASES[protocol]
    chaos.configure(fault_rate=1.0, faults=kind)
    response = send(chaos.port, request)
    assert response.status == {"500": 500, "503": 503, "throttle": 503 if protocol == "s3" else 400}[kind]
    shape = SESSION.get_service_model(service).operation_model(operation).output_shape
    parsed = botocore.parsers.create_parser(parser_name).parse(
        {"status_code": response.status, "headers": HeadersDict(response.getheaders()), "body": response.data},  # type: ignore[attr-defined]
        shape,  # type: ignore[arg-type]  # None for operations without output: errors do not need it
    )
    assert parsed["Error"]["Code"] == EXPECTED_CODES[(kind, protocol)], parsed
    if kind == "throttle":
        throttled: list[str] = ThrottledRetryableChecker._THROTTLED_ERROR_CODES  # type: ignore[attr-defined]
        assert parsed["Error"]["Code"] in throttled
    assert upstream.seen == []
    [record] = calls(chaos)
    assert record["fault"] == kind and record["status"] == response.status and record["code"]


def test_mutating_only_spares_reads(chaos: harness.ProxyProcess, upstream: Upstream) -> None:
    chaos.configure(fault_rate=1.0, faults="500", mutating_only=True)
    assert send(chaos.port, query("ec2", "DescribeVpcs")).status == 200
    assert send(chaos.port, query("ec2", "CreateVpc")).status == 500
    assert upstream.actions() == ["DescribeVpcs"]


def test_s3_calls_are_named_counted_and_spared_by_kind(chaos: harness.ProxyProcess, upstream: Upstream) -> None:
    """S3's REST calls reach the call log by operation name; the mutating ones count towards kills and get the
    faults of `mutating_only`, the reads pass."""
    chaos.configure(fault_rate=1.0, faults="500", mutating_only=True)
    assert send(chaos.port, s3_call("HEAD", "/logs")).status == 200
    assert send(chaos.port, s3_call("GET", "/logs?versions")).status == 200
    for request in (s3_call("PUT", "/logs"), s3_call("POST", "/logs?delete"), s3_call("DELETE", "/logs")):
        response = send(chaos.port, request)
        assert response.status == 500 and b"<Code>InternalError</Code>" in response.data  # type: ignore[attr-defined]
    assert upstream.actions() == ["HeadBucket", "ListObjectVersions"]
    assert [(c["action"], c["mutating"]) for c in calls(chaos)] == [
        ("HeadBucket", False),
        ("ListObjectVersions", False),
        ("CreateBucket", True),
        ("DeleteObjects", True),
        ("DeleteBucket", True),
    ]
    assert chaos.stats()["mutating_seen"] == 3


def test_fault_mix_weights_and_rate() -> None:
    """Over many calls the rate holds and the default mix is even; a zero weight switches a kind off."""
    config = proxy.Config(seed=7, fault_rate=0.10)
    p = proxy.Proxy("127.0.0.1", 9, config, None)
    faults = [p.decide(proxy.Call("ec2", f"Op{i % 50}", "ec2", True)) for i in range(20000)]
    injected = Counter(f for f in faults if f)
    assert 0.09 < sum(injected.values()) / len(faults) < 0.11, injected
    assert set(injected) == set(proxy.FAULT_KINDS)
    assert all(0.15 < n / sum(injected.values()) < 0.25 for n in injected.values()), injected
    config.update({"faults": "500:0,throttle:3,reset-after:1", "fault_rate": 1.0})
    p.reset_counters()
    mix = Counter(p.decide(proxy.Call("ec2", "CreateVpc", "ec2", True)) for _ in range(4000))
    assert set(mix) == {"throttle", "reset-after"} and 2.5 < mix["throttle"] / mix["reset-after"] < 3.5, mix


def test_seed_determinism() -> None:
    """The same seed gives the same decisions for the same calls, whatever order other actions interleave in; a
    different seed gives different ones."""
    sequence = [proxy.Call("ec2", f"Create{i % 7}", "ec2", True) for i in range(300)]

    def decisions(seed: int, calls: list[proxy.Call]) -> dict[tuple[str, int], str | None]:
        p = proxy.Proxy("127.0.0.1", 9, proxy.Config(seed=seed, fault_rate=0.3), None)
        out = {}
        for call in calls:
            fault = p.decide(call)
            out[(call.action, p.occurrences[(call.service, call.action)])] = fault
        return out

    first = decisions(1, sequence)
    assert first == decisions(1, sequence)
    assert first == decisions(1, sorted(sequence, key=lambda c: c.action)), "decisions depend on interleaving"
    assert first != decisions(2, sequence)


def test_seed_determinism_through_the_process(upstream: Upstream, tmp_path: Path) -> None:
    columns = []
    for run in ("a", "b"):
        workdir = tmp_path / run
        workdir.mkdir()
        process = harness.ProxyProcess(
            upstream.url,
            workdir / "calls.jsonl",
            workdir,
            max_seconds=60,
            seed=42,
            fault_rate=0.5,
            faults="500,503,throttle",
        )
        try:
            for i in range(40):
                send(process.port, query("ec2", f"CreateThing{i % 3}"))
        finally:
            process.stop()
        columns.append([c["fault"] for c in calls(process)])
    assert columns[0] == columns[1]
    assert 5 < sum(1 for f in columns[0] if f) < 35


def test_latency_injection(chaos: harness.ProxyProcess, upstream: Upstream) -> None:
    chaos.configure(read_latency_ms=0, write_latency_ms=300)
    start = time.monotonic()
    send(chaos.port, query("ec2", "DescribeVpcs"))
    read = time.monotonic() - start
    start = time.monotonic()
    send(chaos.port, query("ec2", "CreateVpc"))
    write = time.monotonic() - start
    assert write >= 0.3 and read < 0.3, (read, write)


# --------------------------------------------------------------------------------------------------------------------
# the crash driver


def spawn(argv: list[str], run_id: str | None) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.pop(proxy.RUN_VARIABLE, None)
    if run_id is not None:
        env[proxy.RUN_VARIABLE] = run_id
    process = subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    wanted = [arg.encode() for arg in argv]
    while time.monotonic() < deadline:  # until exec has happened (before it, /proc shows the parent's environment)
        try:
            if Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")[: len(wanted)] == wanted:
                break
        except OSError:
            pass
        time.sleep(0.01)
    else:
        raise AssertionError(f"{argv} did not start within 10s")
    return process


@pytest.fixture
def dummies() -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """``sleep`` processes with run id A, B and none, and a python process with run id A."""
    sleep = "/bin/sleep" if os.path.exists("/bin/sleep") else "sleep"
    processes = {
        "sleep-A": spawn([sleep, "300"], "run-A"),
        "sleep-A2": spawn([sleep, "300"], "run-A"),
        "sleep-B": spawn([sleep, "300"], "run-B"),
        "sleep-AB": spawn([sleep, "300"], "run-AB"),
        "sleep-none": spawn([sleep, "300"], None),
        "python-A": spawn([sys.executable, "-c", "import time; time.sleep(300)"], "run-A"),
    }
    yield processes
    for process in processes.values():
        if process.poll() is None:
            process.kill()
        process.wait()


def test_find_run_processes_matches_run_id_and_executable_exactly(dummies: dict[str, subprocess.Popen[bytes]]) -> None:
    found = proxy.find_run_processes("run-A", "sleep")
    assert found == sorted([dummies["sleep-A"].pid, dummies["sleep-A2"].pid])
    assert proxy.find_run_processes("run-A", os.path.basename(os.path.realpath(sys.executable))) == [
        dummies["python-A"].pid
    ]
    assert proxy.find_run_processes("", "sleep") == []
    assert proxy.find_run_processes("run-A") == [], "the default executable name is the provider's"


def test_kill_after_kills_only_the_run(
    chaos: harness.ProxyProcess, upstream: Upstream, dummies: dict[str, subprocess.Popen[bytes]]
) -> None:
    chaos.configure(kill_after=2, run_id="run-A", kill_executable="sleep")
    assert send(chaos.port, query("ec2", "DescribeVpcs")).status == 200  # reads do not count
    assert send(chaos.port, query("ec2", "CreateVpc")).status == 200
    assert dummies["sleep-A"].poll() is None
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        send(chaos.port, query("ec2", "CreateSubnet"))
    assert upstream.actions() == ["DescribeVpcs", "CreateVpc", "CreateSubnet"], "kill-after forwards the call first"
    for name in ("sleep-A", "sleep-A2"):
        assert dummies[name].wait(timeout=5) == -9, f"{name} was not SIGKILLed"
    for name in ("sleep-B", "sleep-AB", "sleep-none", "python-A"):
        assert dummies[name].poll() is None, f"{name} was killed but does not belong to the run"
    stats = chaos.stats()
    assert stats["kill_fired"] and stats["kills"][0]["pids"] == sorted(
        [dummies["sleep-A"].pid, dummies["sleep-A2"].pid]
    )
    lines = harness.CallLog(chaos.log_path).lines()
    [kill] = [line for line in lines if line.get("event") == "kill"]
    assert kill["when"] == "after" and kill["action"] == "CreateSubnet" and kill["mutating_index"] == 2
    assert [c.get("killed") for c in calls(chaos)] == [None, None, kill["pids"]]
    # Fires once: later calls pass.
    assert send(chaos.port, query("ec2", "CreateRouteTable")).status == 200


def test_kill_before_does_not_forward(
    chaos: harness.ProxyProcess, upstream: Upstream, dummies: dict[str, subprocess.Popen[bytes]]
) -> None:
    chaos.configure(kill_before=1, run_id="run-B", kill_executable="sleep")
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        send(chaos.port, query("ec2", "CreateVpc"))
    assert upstream.seen == []
    assert dummies["sleep-B"].wait(timeout=5) == -9
    assert dummies["sleep-A"].poll() is None
    [record] = calls(chaos)
    assert record["fault"] == "kill-before" and record["killed"] == [dummies["sleep-B"].pid]


# --------------------------------------------------------------------------------------------------------------------
# bounds and control


def test_binds_loopback_only(chaos: harness.ProxyProcess) -> None:
    port_hex = f"{chaos.port:04X}"
    listening = [
        line.split()[1]
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
        if line.split()[1].endswith(f":{port_hex}") and line.split()[3] == "0A"
    ]
    assert listening == [f"0100007F:{port_hex}"], listening
    v6 = Path("/proc/net/tcp6")
    if v6.exists():
        assert not [
            row
            for row in v6.read_text().splitlines()[1:]
            if row.split()[1].endswith(f":{port_hex}") and row.split()[3] == "0A"
        ]


def test_refuses_a_non_loopback_upstream(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(harness.PROXY_SCRIPT), "--upstream", "http://192.0.2.1:80", "--max-seconds", "5"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0 and "loopback" in result.stderr


def test_stops_itself_after_max_seconds(upstream: Upstream, tmp_path: Path) -> None:
    process = harness.ProxyProcess(upstream.url, tmp_path / "calls.jsonl", tmp_path, max_seconds=1)
    try:
        assert process.process.wait(timeout=10) == 0
    finally:
        process.stop()
    [stop] = [line for line in harness.CallLog(tmp_path / "calls.jsonl").lines() if line.get("event") == "stop"]
    assert stop["reason"] == "max-seconds"


def test_control_endpoint(chaos: harness.ProxyProcess, upstream: Upstream) -> None:
    with pytest.raises(urllib.error.HTTPError) as error:
        chaos.configure(faults="500,explode")
    assert error.value.code == 400 and "explode" in error.value.read().decode()
    with pytest.raises(urllib.error.HTTPError):
        chaos.configure(fault_rate=2)
    chaos.configure(fault_rate=1.0, faults="503", seed=5)
    send(chaos.port, query("ec2", "CreateVpc"))
    chaos.mark("phase-2", note="x")
    stats = chaos.stats()
    assert stats["faults"] == {"503": 1} and stats["config"]["seed"] == 5 and stats["calls"] == 1
    chaos.configure(fault_rate=0.0)  # reset: counters start again
    assert chaos.stats()["calls"] == 0
    lines = harness.CallLog(chaos.log_path).lines()
    assert any(line.get("event") == "mark" and line.get("phase") == "phase-2" for line in lines)
    assert upstream.seen == [], "control requests are never forwarded"
    assert harness.CallLog(chaos.log_path).phases()["phase-2"] == []
