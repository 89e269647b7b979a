"""The ``@connections`` management API, on the gateway's own port.

Paths: ``/{stage}/@connections/{id}`` and ``/@connections/{id}`` (boto3 keeps the path prefix of
``endpoint_url``), with ``%3D`` decoded. Errors carry ``x-amzn-ErrorType`` so boto3 raises its
modelled exceptions (``client.exceptions.GoneException`` ...). Requests are not signed-checked.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable, Mapping
from urllib.parse import unquote

from wsspec.serve.config import ServeConfig
from wsspec.serve.transport import Connection, HttpAnswer

_PATH = re.compile(r"^/(?:(?P<stage>[^/@]+)/)?@connections/(?P<id>[^/]+)/?$")

# log_event(kind, route, connection id, status, milliseconds, detail)
EventLog = Callable[[str, str, str, int, float, str], None]


def _error(status: int, error_type: str, message: str | None) -> HttpAnswer:
    return (
        status,
        {"x-amzn-ErrorType": error_type, "Content-Type": "application/json"},
        json.dumps({"message": message}).encode(),
    )


def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


# Connection ids end in "=", which clients send as %3D: decoded once per id, not per request.
_unquote_id = functools.lru_cache(maxsize=4096)(unquote)


class ConnectionsApi:
    """The ``@connections`` API of one stage over the gateway's open connections."""

    def __init__(
        self,
        stage: str,
        connections: Mapping[str, Connection],
        config: ServeConfig,
        log_event: EventLog,
        base_paths: tuple[str, ...] = (),
    ) -> None:
        self.stage = stage
        # the stage, and the custom domain's base path when it maps this stage
        self.prefixes = {stage, *base_paths}
        self.connections = connections
        self.config = config
        self.log_event = log_event

    def respond(self, method: str, target: str, body: bytes) -> HttpAnswer:
        """One ``@connections`` request -> (status, headers, body). Synchronous: nothing here
        waits, so the gateway answers in the same callback that received the request."""
        t0 = time.perf_counter()
        path = target.split("?", 1)[0]
        m = _PATH.match(path)
        if m is None:
            if unquote(path).rstrip("/") == "/" + self.stage:
                return 426, {"Content-Type": "text/plain"}, b"Upgrade Required"
            return _error(403, "ForbiddenException", "Forbidden")
        stage = m.group("stage")
        if stage is not None and unquote(stage) not in self.prefixes:
            return _error(403, "ForbiddenException", "Forbidden")
        conn_id = _unquote_id(m.group("id"))
        result = self._dispatch(method, self.connections.get(conn_id), body)
        if self.config.log_events:
            self.log_event(
                f"@{method}",
                "@connections",
                conn_id,
                result[0],
                (time.perf_counter() - t0) * 1000,
                f"{len(body)} bytes" if method == "POST" else "",
            )
        return result

    def _dispatch(self, method: str, conn: Connection | None, body: bytes) -> HttpAnswer:
        if method not in ("POST", "GET", "DELETE"):
            return _error(403, "ForbiddenException", "Forbidden")
        if conn is None or conn.mode != "ws" or conn.server_close is not None:
            return _error(410, "GoneException", None)
        if method == "POST":
            return self._post(conn, body)
        if method == "GET":
            return _describe(conn)
        conn.close(1000, "Connection Closed Normally")
        return self.config.delete_status, {}, b""

    def _post(self, conn: Connection, body: bytes) -> HttpAnswer:
        limit = self.config.message_limit
        if len(body) > limit:
            return _error(
                413,
                "PayloadTooLargeException",
                f"Message too long. Max allowed size is {limit} bytes",
            )
        if conn.backlog() > self.config.send_backlog_limit:
            return _error(429, "LimitExceededException", "the client-side buffer is full")
        try:
            body.decode("utf-8")
            conn.send_text(body)
        except UnicodeDecodeError:
            conn.send_binary(body)
        if self.config.outbound_resets_idle:
            conn.last_inbound = time.monotonic()
        return 200, {}, b""


def _describe(conn: Connection) -> HttpAnswer:
    """GetConnection."""
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
