"""Mapping templates around a non-proxy integration: which request template
applies and what it renders to; which integration response applies and what its template
renders to. The templates themselves are rendered by ``serve.vtl``.

Request templates are chosen by the template selection expression, then ``$default``, then
``application/json``, then the only template ([Unverified] order). Integration responses:
``/regex/`` keys match the status code (MOCK, HTTP, AWS) or the Lambda ``errorMessage`` (custom
Lambda); ``$default`` is the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from wsspec.model import Integration, IntegrationResponse
from wsspec.serve.selection import MISSING, Unevaluable, evaluate, parse_json_body
from wsspec.serve.vtl import render, template_scope

TEMPLATE_ERRORS = (ValueError, TypeError)  # what a template that cannot be rendered raises


def pick_template(
    templates: Mapping[str, str],
    selection: str | None,
    body: Any,
    variables: Mapping[str, Any] | None = None,
) -> str | None:
    if not templates:
        return None
    if selection:
        try:
            key: str | None = evaluate(selection, body, variables)
        except Unevaluable:
            key = None
        if key is not None and key in templates:
            return templates[key]
    for key in ("$default", "application/json"):
        if key in templates:
            return templates[key]
    if len(templates) == 1:
        return next(iter(templates.values()))
    return None


def render_request(
    stage_variables: Mapping[str, str], integ: Integration, event: Mapping[str, Any]
) -> tuple[str, Any, str | None]:
    """What every templated integration starts with: the message text, its JSON (MISSING when
    it is not JSON) and the rendered request template (None when no template applies). Template
    errors raise ValueError/TypeError."""
    body_text = event.get("body") or ""
    body = parse_json_body(body_text) if body_text else MISSING
    tpl = pick_template(integ.request_templates, integ.template_selection, body)
    if tpl is None:
        return body_text, body, None
    return body_text, body, render(tpl, template_scope(event, body_text, stage_variables))


def pick_response(integ: Integration, value: str) -> IntegrationResponse | None:
    """The integration response whose ``/regex/`` key matches ``value``, else ``$default``."""
    default = None
    for resp in integ.responses:
        if resp.key == "$default":
            default = resp
            continue
        pattern = (
            resp.key[1:-1] if resp.key.startswith("/") and resp.key.endswith("/") else resp.key
        )
        try:
            if re.fullmatch(pattern, value or ""):
                return resp
        except re.error:
            continue
    return default


def response_body(
    stage_variables: Mapping[str, str],
    integ: Integration,
    key_value: str,
    status: int,
    event: Mapping[str, Any],
    output: str,
    message_body: Any,
) -> str | None:
    """The body an integration's answer ``output`` maps to: the response template of the
    integration response matching ``key_value`` rendered with ``$input`` = ``output``, or
    ``output`` itself (None when empty) when no template applies."""
    resp = pick_response(integ, key_value)
    if resp is None:
        return output or None
    variables = {"integration.response.statuscode": str(status)}
    tpl = pick_template(resp.templates, resp.template_selection, message_body, variables)
    if tpl is None:
        return output or None
    scope = template_scope(
        event, output, stage_variables, {"integration": {"response": {"statuscode": status}}}
    )
    return render(tpl, scope)
