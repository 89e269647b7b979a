"""MOCK integrations: the request template's ``statusCode`` picks the integration response, whose
template is the answer."""

from __future__ import annotations

from typing import Any

from wsspec.model import Integration
from wsspec.serve.integrations.mapping import TEMPLATE_ERRORS, render_request, response_body
from wsspec.serve.result import IntegrationContext, Result
from wsspec.serve.selection import MISSING, parse_json_body


async def run_mock(
    ctx: IntegrationContext,
    integ: Integration,
    event: dict[str, Any],
    *,
    timeout: float,
    request_id: str,
) -> Result:
    status = 200
    body: Any = MISSING
    variables = ctx.stage_variables
    try:
        _, body, rendered = render_request(variables, integ, event)
        if rendered is not None:
            parsed = parse_json_body(rendered)
            if isinstance(parsed, dict) and "statusCode" in parsed:
                status = int(parsed["statusCode"])
        out = response_body(variables, integ, str(status), status, event, "", body)
    except TEMPLATE_ERRORS as exc:
        return Result("error", detail=f"mapping template: {exc}")
    return Result("ok", status, out)
