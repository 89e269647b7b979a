"""Lambda integrations run on the spec's functions (``serve.invoke``).

Proxy (``AWS_PROXY``): the event goes to the function as it is; its ``statusCode``/``body``/
``headers`` are the answer. Non-proxy (``AWS``): the request template renders the payload, and
the integration responses map the result (a ``/regex/`` key is matched against the function's
``errorMessage``).
"""

from __future__ import annotations

import json
from typing import Any

from wsspec.model import Integration
from wsspec.serve.integrations.mapping import (
    TEMPLATE_ERRORS,
    pick_response,
    render_request,
    response_body,
)
from wsspec.serve.invoke import FunctionRunner
from wsspec.serve.process import Outcome
from wsspec.serve.result import IntegrationContext, Result
from wsspec.serve.selection import MISSING, parse_json_body


def proxy_result(out: Outcome) -> Result:
    """What a Lambda proxy integration's function returned, as a Result."""
    value = out.value
    if out.kind == "ok" and type(value) is dict:
        status = value.get("statusCode")
        body = value.get("body")
        headers = value.get("headers")
        if type(status) is int and (body is None or type(body) is str) and headers is None:
            return Result("ok", status, body)  # the usual answer, checked in one go
    if out.kind == "timeout":
        return Result("timeout")
    if out.kind != "ok":
        v = out.value if isinstance(out.value, dict) else {}
        return Result("error", detail=f"{v.get('errorType', 'Error')}: {v.get('errorMessage', '')}")
    if isinstance(value, dict):
        status = value.get("statusCode")
        try:
            status = int(status) if status is not None else None
        except (TypeError, ValueError):
            return Result("error", detail=f"invalid statusCode {status!r}")
        body = value.get("body")
        if body is not None and not isinstance(body, str):
            body = json.dumps(body)
        headers = value.get("headers") if isinstance(value.get("headers"), dict) else None
        return Result("ok", status, body, headers)
    if value is None:
        return Result("ok")
    return Result("ok", None, value if isinstance(value, str) else json.dumps(value))


async def run_lambda(
    ctx: IntegrationContext,
    integ: Integration,
    event: dict[str, Any],
    *,
    timeout: float,
    request_id: str,
) -> Result:
    runner = ctx.runners.get(integ.function or "")
    if runner is None:
        return Result("not_emulated", detail="function not emulated")
    if integ.proxy:
        out = await runner.invoke(event, request_id=request_id, integration_timeout=timeout)
        return proxy_result(out)
    return await _run_custom(ctx, integ, runner, event, timeout, request_id)


async def _run_custom(
    ctx: IntegrationContext,
    integ: Integration,
    runner: FunctionRunner,
    event: dict[str, Any],
    timeout: float,
    request_id: str,
) -> Result:
    """A non-proxy (``AWS``) Lambda integration: request template in, integration response out."""
    variables = ctx.stage_variables
    body: Any = MISSING
    try:
        _, body, rendered = render_request(variables, integ, event)
        if rendered is not None:
            payload: Any = parse_json_body(rendered)
            if payload is MISSING:
                return Result("error", detail="request template did not produce JSON")
        else:
            payload = body if body is not MISSING else {}
    except TEMPLATE_ERRORS as exc:
        return Result("error", detail=f"mapping template: {exc}")
    out = await runner.invoke(
        payload, request_id=request_id, integration_timeout=timeout, as_json=True
    )
    if out.kind == "timeout":
        return Result("timeout")
    try:
        if out.kind != "ok":
            err = out.value if isinstance(out.value, dict) else {}
            msg = str(err.get("errorMessage", ""))
            resp = pick_response(integ, msg)
            if resp is None or resp.key == "$default":
                return Result("error", detail=f"{err.get('errorType')}: {msg}")
            text = json.dumps(err)
            mapped = response_body(variables, integ, msg, 200, event, text, body)
            return Result("ok", 200, mapped)
        text = out.value if isinstance(out.value, str) else json.dumps(out.value)
        return Result("ok", 200, response_body(variables, integ, "", 200, event, text, body))
    except TEMPLATE_ERRORS as exc:
        return Result("error", detail=f"mapping template: {exc}")
