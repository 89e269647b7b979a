"""The ``@connections`` management API (reference §5), on the gateway's own port.

Paths: ``/{stage}/@connections/{id}`` and ``/@connections/{id}`` (boto3 keeps the path prefix of
``endpoint_url``), with ``%3D`` decoded. Errors carry ``x-amzn-ErrorType`` so boto3 raises its
modelled exceptions (``client.exceptions.GoneException`` ...). Requests are not signed-checked.
"""

from __future__ import annotations

import functools
import json
import re
import time
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from wsspec.serve.gateway import Gateway

_PATH = re.compile(r"^/(?:(?P<stage>[^/@]+)/)?@connections/(?P<id>[^/]+)/?$")


def _error(status: int, error_type: str, message: str | None) -> tuple[int, dict[str, str], bytes]:
    return (
        status,
        {"x-amzn-ErrorType": error_type, "Content-Type": "application/json"},
        json.dumps({"message": message}).encode(),
    )


def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


async def handle(
    gw: Gateway, method: str, target: str, headers: list[tuple[str, str]], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    return respond(gw, method, target, headers, body)


def respond(
    gw: Gateway, method: str, target: str, headers: list[tuple[str, str]], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    """One ``@connections`` request -> (status, headers, body). Synchronous: nothing here waits,
    so the gateway answers in the same callback that received the request."""
    t0 = time.perf_counter()
    path = target.split("?", 1)[0]
    m = _PATH.match(path)
    if m is None:
        if unquote(path).rstrip("/") == "/" + gw.stage.name:
            return 426, {"Content-Type": "text/plain"}, b"Upgrade Required"
        return _error(403, "ForbiddenException", "Forbidden")
    stage = m.group("stage")
    if stage is not None and unquote(stage) != gw.stage.name:
        return _error(403, "ForbiddenException", "Forbidden")
    conn_id = _unquote_id(m.group("id"))
    conn = gw.connections.get(conn_id)
    result = _dispatch(gw, method, conn_id, conn, body)
    if gw.config.log_events:
        gw.log_event(
            f"@{method}",
            "@connections",
            conn_id,
            result[0],
            (time.perf_counter() - t0) * 1000,
            f"{len(body)} bytes" if method == "POST" else "",
        )
    return result


# Connection ids end in "=", which clients send as %3D: decoded once per id, not per request.
_unquote_id = functools.lru_cache(maxsize=4096)(unquote)


def _dispatch(
    gw: Gateway, method: str, conn_id: str, conn: object, body: bytes
) -> tuple[int, dict[str, str], bytes]:
    from wsspec.serve.gateway import Connection

    if method not in ("POST", "GET", "DELETE"):
        return _error(403, "ForbiddenException", "Forbidden")
    if not isinstance(conn, Connection) or conn.mode != "ws" or conn.server_close is not None:
        return _error(410, "GoneException", None)
    if method == "POST":
        if len(body) > gw.config.message_limit:
            return _error(
                413,
                "PayloadTooLargeException",
                f"Message too long. Max allowed size is {gw.config.message_limit} bytes",
            )
        try:
            body.decode("utf-8")
            conn.send_text(body)
        except UnicodeDecodeError:
            conn.send_binary(body)
        if gw.config.outbound_resets_idle:
            conn.last_inbound = time.monotonic()
        return 200, {}, b""
    if method == "GET":
        hs = conn.hs
        assert hs is not None
        identity = {"sourceIp": hs.source_ip}
        if hs.user_agent is not None:
            identity["userAgent"] = hs.user_agent
        doc = {
            "connectedAt": _iso(hs.connected_at),
            "identity": identity,
            "lastActiveAt": _iso(conn.last_active_ms),
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(doc).encode()
    conn.close(1000, "Connection Closed Normally")
    return gw.config.delete_status, {}, b""
