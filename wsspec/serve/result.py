"""What an integration receives and what it produces: the seam between the gateway and
``serve.integrations``.

An integration sees an ``IntegrationContext`` (stage variables, the serve settings, the function
runners, the local AWS endpoints), never the gateway; it returns a ``Result``, which the gateway
turns into a frame, a handshake status or a log line.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from wsspec.serve.config import ServeConfig

if TYPE_CHECKING:
    from wsspec.model import Integration
    from wsspec.serve.invoke import FunctionRunner
    from wsspec.serve.localaws import LocalAws

ResultKind = Literal["ok", "error", "timeout", "not_emulated"]


@dataclass(slots=True)
class Result:
    """What an integration produced."""

    kind: ResultKind
    status: int | None = None
    body: str | None = None
    headers: dict[str, str] | None = None
    detail: str = ""


@dataclass
class IntegrationContext:
    """What integrations may use. The gateway owns it and fills ``runners`` and ``aws`` while it
    starts (a connection can arrive before they are all there)."""

    stage_variables: Mapping[str, str]
    config: ServeConfig
    runners: Mapping[str, FunctionRunner]
    aws: LocalAws | None = None


class IntegrationRunner(Protocol):
    """One integration type: run ``integ`` for ``event`` (the Lambda-proxy-shaped event of the
    route: its ``requestContext`` is ``$context``, its ``body`` is ``$input``)."""

    def __call__(
        self,
        ctx: IntegrationContext,
        integ: Integration,
        event: dict[str, Any],
        *,
        timeout: float,
        request_id: str,
    ) -> Awaitable[Result]: ...


def connect_outcome(res: Result, config: ServeConfig) -> tuple[int, str, str | None]:
    """(status, detail, subprotocol) of a handshake from its ``$connect`` integration's result:
    2xx accepts, another status is returned as is, an error is 502, a timeout
    ``connect_timeout_status``; a returned ``Sec-WebSocket-Protocol`` is relayed."""
    if res.kind == "ok":
        status = res.status if res.status is not None else config.connect_default_status
        subprotocol = None
        for k, v in (res.headers or {}).items():
            if k.lower() == "sec-websocket-protocol":
                subprotocol = str(v)
        return status, res.detail, subprotocol
    if res.kind == "timeout":
        return config.connect_timeout_status, "integration timed out", None
    if res.kind == "not_emulated":
        return 200, res.detail, None
    return 502, res.detail, None
