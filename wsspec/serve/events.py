"""The exact Lambda proxy event shapes API Gateway sends for WebSocket APIs.

* CONNECT: client headers (original capitalisation; no ``Connection``/``Upgrade``/
  ``content-length``) plus ``X-Amzn-Trace-Id`` and ``X-Forwarded-*``; query maps only when the URL
  has a query string; no ``body``.
* MESSAGE: ``requestContext`` (with ``messageId``), ``body`` (the frame text) and
  ``isBase64Encoded`` only.
* DISCONNECT: fixed synthetic headers, ``disconnectStatusCode``/``disconnectReason``.
* Authorizer (REQUEST): ``type``, ``methodArn`` ending in ``/$connect``, every header,
  ``stageVariables`` (``{}`` when empty).

IDs are 16 characters: URL-safe base64 of 11 random bytes (ends in ``=``).
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from wsspec import arns

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HIDDEN_IN_CONNECT = {"connection", "upgrade", "content-length"}


_ids: list[str] = []


def new_id() -> str:
    """A fresh id. Every message needs two, so they are made 256 at a time from one
    ``os.urandom`` read."""
    if not _ids:
        raw = os.urandom(11 * 256)
        encode = base64.urlsafe_b64encode
        _ids.extend([encode(raw[i : i + 11]).decode("ascii") for i in range(0, len(raw), 11)])
    return _ids.pop()


def now_ms() -> int:
    return int(time.time() * 1000)


_clf_cache: tuple[int, str] = (-1, "")


def clf_time(epoch_ms: int) -> str:
    """``11/Nov/2024:13:45:46 +0000`` (formatted once per second: every event carries it)."""
    global _clf_cache
    sec = epoch_ms // 1000
    if _clf_cache[0] == sec:
        return _clf_cache[1]
    t = time.gmtime(sec)
    text = f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    _clf_cache = (sec, text)
    return text


def trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"


@dataclass
class Handshake:
    """What the gateway knows about a connection from its upgrade request."""

    connection_id: str
    connected_at: int  # epoch ms
    headers: list[tuple[str, str]]  # raw, in order, original capitalisation
    query: str  # raw query string ("" when none)
    source_ip: str
    source_port: int
    user_agent: str | None
    domain_name: str
    authorizer: dict[str, Any] | None = None
    subprotocols: list[str] = field(default_factory=list)
    # The MESSAGE requestContext fields that never change on this connection (message_event).
    message_context: dict[str, Any] | None = None

    def header(self, name: str) -> str | None:
        low = name.lower()
        for k, v in self.headers:
            if k.lower() == low:
                return v
        return None

    def query_pairs(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)


@dataclass(frozen=True)
class Api:
    """The per-server constants that appear in every event."""

    api_id: str
    stage: str
    region: str
    account: str
    server_port: int
    stage_variables: dict[str, str]
    stage_variables_in_events: bool = False

    def method_arn(self, route: str = "$connect") -> str:
        return arns.execute_api(
            "aws", self.region, self.account, self.api_id, f"{self.stage}/{route}"
        )


def _multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for k, v in pairs:
        multi.setdefault(k, []).append(v)
        single[k] = v  # the last value wins in the single-value map
    return single, multi


def request_context(
    api: Api,
    hs: Handshake,
    *,
    route: str,
    event_type: str,
    request_id: str,
    request_ms: int,
    message_id: str | None = None,
    disconnect: tuple[int, str] | None = None,
) -> dict[str, Any]:
    identity: dict[str, Any] = {"sourceIp": hs.source_ip}
    if hs.user_agent is not None:
        identity["userAgent"] = hs.user_agent
    ctx: dict[str, Any] = {"routeKey": route}
    if disconnect is not None:
        ctx["disconnectStatusCode"] = disconnect[0]
    if message_id is not None:
        ctx["messageId"] = message_id
    ctx.update(
        {
            "eventType": event_type,
            "extendedRequestId": request_id,
            "requestTime": clf_time(request_ms),
            "messageDirection": "IN",
        }
    )
    if disconnect is not None:
        ctx["disconnectReason"] = disconnect[1]
    ctx.update(
        {
            "stage": api.stage,
            "connectedAt": hs.connected_at,
            "requestTimeEpoch": request_ms,
            "identity": identity,
            "requestId": request_id,
            "domainName": hs.domain_name,
            "connectionId": hs.connection_id,
            "apiId": api.api_id,
        }
    )
    if hs.authorizer is not None:
        ctx["authorizer"] = dict(hs.authorizer)
    return ctx


def _client_headers(hs: Handshake) -> list[tuple[str, str]]:
    """The client's headers as API Gateway passes them on: ``Host`` is the domain the event
    names (the client reached it under that name on AWS)."""
    return [(k, hs.domain_name) if k.lower() == "host" else (k, v) for k, v in hs.headers]


def _connect_headers(api: Api, hs: Handshake) -> list[tuple[str, str]]:
    out = [(k, v) for k, v in _client_headers(hs) if k.lower() not in _HIDDEN_IN_CONNECT]
    present = {k.lower() for k, _ in out}
    if "x-amzn-trace-id" not in present:
        out.append(("X-Amzn-Trace-Id", trace_id()))
    xff = hs.header("X-Forwarded-For")
    out = [
        (k, v)
        for k, v in out
        if k.lower() not in ("x-forwarded-for", "x-forwarded-port", "x-forwarded-proto")
    ]
    out.append(("X-Forwarded-For", f"{xff}, {hs.source_ip}" if xff else hs.source_ip))
    out.append(("X-Forwarded-Port", str(api.server_port)))
    out.append(("X-Forwarded-Proto", "http"))
    return out


def connect_event(api: Api, hs: Handshake, request_id: str, request_ms: int) -> dict[str, Any]:
    headers, multi = _multi(_connect_headers(api, hs))
    event: dict[str, Any] = {"headers": headers, "multiValueHeaders": multi}
    if hs.query:
        q, mq = _multi(hs.query_pairs())
        event["queryStringParameters"] = q
        event["multiValueQueryStringParameters"] = mq
    event["requestContext"] = request_context(
        api,
        hs,
        route="$connect",
        event_type="CONNECT",
        request_id=request_id,
        request_ms=request_ms,
    )
    event["isBase64Encoded"] = False
    if api.stage_variables_in_events and api.stage_variables:
        event["stageVariables"] = dict(api.stage_variables)
    return event


def authorizer_event(api: Api, hs: Handshake, request_id: str, request_ms: int) -> dict[str, Any]:
    """The REQUEST authorizer input: every header (incl. Connection/Upgrade), stageVariables."""
    headers, multi = _multi(
        _client_headers(hs)
        + [
            (k, v)
            for k, v in _connect_headers(api, hs)
            if k.lower() not in {h.lower() for h, _ in hs.headers}
        ]
    )
    q, mq = _multi(hs.query_pairs())
    return {
        "type": "REQUEST",
        "methodArn": api.method_arn("$connect"),
        "headers": headers,
        "multiValueHeaders": multi,
        "queryStringParameters": q,
        "multiValueQueryStringParameters": mq,
        "stageVariables": dict(api.stage_variables),
        "requestContext": request_context(
            api,
            hs,
            route="$connect",
            event_type="CONNECT",
            request_id=request_id,
            request_ms=request_ms,
        ),
    }


def message_event(
    api: Api,
    hs: Handshake,
    route: str,
    body: str,
    request_id: str,
    message_id: str,
    request_ms: int,
) -> dict[str, Any]:
    template = hs.message_context
    if template is None:
        # Built once per connection with request_context (so the keys keep its order); each
        # message copies it and sets the fields that change.
        template = hs.message_context = request_context(
            api,
            hs,
            route=route,
            event_type="MESSAGE",
            request_id=request_id,
            request_ms=request_ms,
            message_id=message_id,
        )
    ctx = template.copy()
    ctx["routeKey"] = route
    ctx["messageId"] = message_id
    ctx["extendedRequestId"] = ctx["requestId"] = request_id
    ctx["requestTime"] = clf_time(request_ms)
    ctx["requestTimeEpoch"] = request_ms
    event: dict[str, Any] = {"requestContext": ctx, "body": body, "isBase64Encoded": False}
    if api.stage_variables_in_events and api.stage_variables:
        event["stageVariables"] = dict(api.stage_variables)
    return event


def disconnect_event(
    api: Api, hs: Handshake, code: int, reason: str, request_id: str, request_ms: int
) -> dict[str, Any]:
    headers = {"Host": hs.domain_name, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    event: dict[str, Any] = {
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "requestContext": request_context(
            api,
            hs,
            route="$disconnect",
            event_type="DISCONNECT",
            request_id=request_id,
            request_ms=request_ms,
            disconnect=(code, reason),
        ),
        "isBase64Encoded": False,
    }
    if api.stage_variables_in_events and api.stage_variables:
        event["stageVariables"] = dict(api.stage_variables)
    return event


def error_frame(message: str, connection_id: str, request_id: str) -> str:
    """AWS's exact spacing: a space after ``"message":`` only."""
    return (
        f'{{"message": "{message}", "connectionId":"{connection_id}", "requestId":"{request_id}"}}'
    )
