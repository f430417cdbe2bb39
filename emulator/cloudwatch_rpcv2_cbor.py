"""CloudWatch over the Smithy RPC v2 CBOR protocol.

The AWS SDK for Rust (aws-sdk-cloudwatch 1.140 and later) speaks CloudWatch's newest wire protocol, Smithy RPC v2
CBOR: ``POST /service/GraniteServiceVersion20100801/operation/<Operation>`` with a CBOR body and the header
``smithy-protocol: rpc-v2-cbor``, expecting CBOR back with the same header (timestamps as CBOR tag 1, blobs as byte
strings). AWS serves it; moto 5.2.5 does not route that path (HTML 404), though it serves the same operations over
the AWS JSON 1.0 protocol (``X-Amz-Target: GraniteServiceVersion20100801.<Operation>``).

This module wraps moto's WSGI dispatcher: a CBOR request is translated to the JSON 1.0 request moto understands,
and moto's JSON answer back to CBOR, shaped by CloudWatch's own service model from botocore (timestamps, blobs,
numbers). Errors keep their HTTP status and carry ``__type``/``message`` in CBOR plus the
``x-amzn-query-error`` header CloudWatch sends for its awsQuery-compatible error codes. Nothing else changes:
every other request goes to moto untouched.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
from typing import Any, Callable, Iterable

import cbor2
from botocore.session import get_session
from moto.moto_server import werkzeug_app

TARGET_PREFIX = "GraniteServiceVersion20100801"
PATH_PREFIX = f"/service/{TARGET_PREFIX}/operation/"

_model: Any = None


def _service_model() -> Any:
    global _model
    if _model is None:
        _model = get_session().get_service_model("cloudwatch")
    return _model


def _request_to_json(value: Any) -> Any:
    """A decoded CBOR request value as the JSON 1.0 protocol carries it."""
    if isinstance(value, dict):
        return {k: _request_to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_request_to_json(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, cbor2.CBORTag) and value.tag == 1:
        return value.value
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value)
    try:
        return float(text)
    except ValueError:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _response_to_cbor(value: Any, shape: Any) -> Any:
    """A JSON 1.0 response value as RPC v2 CBOR carries it, following the botocore shape."""
    if value is None or shape is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        return {
            name: _response_to_cbor(member, shape.members[name])
            for name, member in value.items()
            if name in shape.members and member is not None
        }
    if kind == "list":
        return [_response_to_cbor(v, shape.member) for v in value]
    if kind == "map":
        return {k: _response_to_cbor(v, shape.value) for k, v in value.items()}
    if kind == "timestamp":
        return cbor2.CBORTag(1, _seconds(value))
    if kind == "blob":
        return base64.b64decode(value) if isinstance(value, str) else bytes(value)
    if kind in ("double", "float"):
        return float(value)
    if kind in ("integer", "long", "short", "byte"):
        return int(value)
    if kind == "boolean":
        return bool(value)
    return value


def _error_code(payload: dict[str, Any]) -> str:
    code = str(payload.get("__type") or payload.get("code") or "InternalFailure")
    return code.rsplit("#", 1)[-1].split(":", 1)[0]


_original_call = werkzeug_app.DomainDispatcherApplication.__call__


def _call(self: Any, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if not path.startswith(PATH_PREFIX):
        return _original_call(self, environ, start_response)
    operation = path[len(PATH_PREFIX) :].strip("/")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    request = _request_to_json(cbor2.loads(raw)) if raw else {}
    body = json.dumps(request).encode()
    forwarded = dict(environ)
    forwarded.update(
        {
            "PATH_INFO": "/",
            "HTTP_X_AMZ_TARGET": f"{TARGET_PREFIX}.{operation}",
            "CONTENT_TYPE": "application/x-amz-json-1.0",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
    )
    forwarded.pop("HTTP_SMITHY_PROTOCOL", None)
    captured: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        captured["status"], captured["headers"] = status, headers
        return lambda _data: None

    answer = b"".join(_original_call(self, forwarded, capture))
    status = captured.get("status", "500 INTERNAL SERVER ERROR")
    try:
        payload = json.loads(answer) if answer.strip() else {}
    except ValueError:
        payload = {"__type": "InternalFailure", "message": answer.decode(errors="replace")[:500]}
    headers = [("smithy-protocol", "rpc-v2-cbor"), ("Content-Type", "application/cbor")]
    if int(status.split()[0]) >= 400:
        code = _error_code(payload)
        out: Any = {"__type": code, "message": payload.get("message") or payload.get("Message") or ""}
        fault = "Receiver" if int(status.split()[0]) >= 500 else "Sender"
        query_error = dict(captured.get("headers") or []).get("x-amzn-query-error") or f"{code};{fault}"
        headers.append(("x-amzn-query-error", query_error))
    else:
        shape = _service_model().operation_model(operation).output_shape
        out = _response_to_cbor(payload, shape) if shape is not None else {}
    data = cbor2.dumps(out)
    headers.append(("Content-Length", str(len(data))))
    start_response(status, headers)
    return [data]


werkzeug_app.DomainDispatcherApplication.__call__ = _call
