"""HTTP and HTTP_PROXY integrations: the message is forwarded to the integration's URL.

HTTP_PROXY sends the raw frame text (``$connect``: the client's headers, no body) and relays the
backend's status and body. Both apply the integration's ``request_parameters`` (headers, query
strings, ``{name}`` path parameters) as API Gateway maps them. HTTP (non-proxy) renders the request template first and the
integration response template after. Requests run in a thread so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from wsspec.model import Integration
from wsspec.serve.integrations.mapping import (
    TEMPLATE_ERRORS,
    render_request,
    request_parameters,
    response_body,
    set_headers,
)
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


def integration_url(url: str, query: list[tuple[str, str]], path: dict[str, str]) -> str:
    """The integration URL with its ``{name}`` path parameters filled in and the query-string
    parameters appended."""
    for name, value in path.items():
        url = url.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
    if query:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query)
    return url


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
    extra_headers, query, path = request_parameters(integ, event, body, ctx.stage_variables)
    set_headers(headers, extra_headers)
    url = integration_url(integ.url or "", query, path)
    method = integ.method or "POST"
    if method in ("GET", "HEAD", "DELETE"):
        data = None
    try:
        status, text = await asyncio.wait_for(
            asyncio.to_thread(http_request, url, method, data, headers, timeout),
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
