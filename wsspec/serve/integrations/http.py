"""HTTP and HTTP_PROXY integrations: the message is forwarded to the integration's URL.

HTTP_PROXY sends the raw frame text (``$connect``: the client's headers, no body) and relays the
backend's status and body. HTTP (non-proxy) renders the request template first and the
integration response template after. Requests run in a thread so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

from wsspec.model import Integration
from wsspec.serve.integrations.mapping import TEMPLATE_ERRORS, render_request, response_body
from wsspec.serve.result import IntegrationContext, Result
from wsspec.serve.selection import MISSING, parse_json_body

_SKIP = {
    "host",
    "connection",
    "upgrade",
    "content-length",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
}


def http_request(
    url: str, method: str, data: bytes | None, headers: dict[str, str], timeout: float
) -> tuple[int, str]:
    """One blocking HTTP call: (status, body text), also for 4xx/5xx. Run it in a thread."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


async def run_http(
    ctx: IntegrationContext,
    integ: Integration,
    event: dict[str, Any],
    *,
    timeout: float,
    request_id: str,
) -> Result:
    context = event.get("requestContext") or {}
    body_text = event.get("body") or ""
    headers = {"connectionId": str(context.get("connectionId", ""))}
    if context.get("eventType") == "CONNECT":
        headers.update(
            {k: v for k, v in (event.get("headers") or {}).items() if k.lower() not in _SKIP}
        )
    data: bytes | None = body_text.encode() if body_text else None
    body = parse_json_body(body_text) if body_text else MISSING
    if not integ.proxy:
        try:
            _, body, rendered = render_request(ctx.stage_variables, integ, event)
        except TEMPLATE_ERRORS as exc:
            return Result("error", detail=f"mapping template: {exc}")
        if rendered is not None:
            data = rendered.encode()
    if data is not None:
        headers.setdefault("Content-Type", "application/json")
    method = integ.method or "POST"
    if method in ("GET", "HEAD", "DELETE"):
        data = None
    try:
        status, text = await asyncio.wait_for(
            asyncio.to_thread(http_request, integ.url or "", method, data, headers, timeout),
            timeout + 1,
        )
    except (asyncio.TimeoutError, TimeoutError):
        return Result("timeout")
    except (OSError, ValueError) as exc:
        return Result("error", detail=f"HTTP integration {integ.url}: {exc}")
    if integ.proxy:
        return Result("ok", status, text)
    try:
        out = response_body(ctx.stage_variables, integ, str(status), status, event, text, body)
    except TEMPLATE_ERRORS as exc:
        return Result("error", detail=f"mapping template: {json.dumps(str(exc))}")
    return Result("ok", status, out)
