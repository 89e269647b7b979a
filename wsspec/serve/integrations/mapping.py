"""Mapping templates around a non-proxy integration: which request template
applies and what it renders to; which integration response applies and what its template
renders to. The templates themselves are rendered by ``serve.vtl``.

Request templates are chosen by the template selection expression, then ``$default``, then
``application/json``, then the only template ([Unverified] order). Integration responses:
``/regex/`` keys match the status code (MOCK, HTTP, AWS) or the Lambda ``errorMessage`` (custom
Lambda); ``$default`` is the fallback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from wsspec.model import Integration, IntegrationResponse
from wsspec.serve.selection import MISSING, Unevaluable, evaluate, json_path, parse_json_body
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


# ============================================================================ request parameters
# Sources of integration request parameters this server can read; others are named at start-up.
PARAMETER_SOURCES = (
    "'",
    "context.",
    "stageVariables.",
    "route.request.header.",
    "route.request.querystring.",
    "route.request.body",
)


def param_value(
    source: str, event: Mapping[str, Any], body: Any, stage_variables: Mapping[str, str]
) -> str | None:
    """One request-parameter source (``'static'``, ``context.*``, ``stageVariables.*``,
    ``route.request.header.*`` / ``.querystring.*`` / ``.body.*``) -> its value (None when
    absent). Headers and query strings exist on ``$connect`` only, as on AWS."""
    s = source.strip()
    if len(s) >= 2 and s[0] == s[-1] == "'":
        return s[1:-1]
    if s.startswith("$"):
        s = s[1:]
    ctx = event.get("requestContext") or {}
    value: Any = MISSING
    if s.startswith("context."):
        value = json_path(ctx, "$." + s[len("context.") :])
    elif s.startswith("stageVariables."):
        value = stage_variables.get(s[len("stageVariables.") :], MISSING)
    elif s.startswith("route.request.header."):
        name = s[len("route.request.header.") :].lower()
        value = next(
            (v for k, v in (event.get("headers") or {}).items() if k.lower() == name), MISSING
        )
    elif s.startswith("route.request.querystring."):
        value = (event.get("queryStringParameters") or {}).get(
            s[len("route.request.querystring.") :], MISSING
        )
    elif s.startswith("route.request.body"):
        value = (
            json_path(body, "$" + s[len("route.request.body") :])
            if body is not MISSING
            else MISSING
        )
    if value is MISSING or value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def request_parameters(
    integ: Integration, event: Mapping[str, Any], body: Any, stage_variables: Mapping[str, str]
) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, str]]:
    """The integration's ``request_parameters`` for one event, as API Gateway maps them:
    (headers, query-string pairs, path parameters); absent sources are left out."""
    headers: dict[str, str] = {}
    query: list[tuple[str, str]] = []
    path: dict[str, str] = {}
    for target, source in integ.request_parameters.items():
        value = param_value(source, event, body, stage_variables)
        if value is None:
            continue
        kind, _, name = target.removeprefix("integration.request.").partition(".")
        if kind == "header":
            headers[name] = value
        elif kind == "querystring":
            query.append((name, value))
        elif kind == "path":
            path[name] = value
    return headers, query, path


def set_headers(headers: dict[str, str], extra: Mapping[str, str]) -> None:
    """Set ``extra`` on ``headers``, replacing any value of the same name (any capitalisation)."""
    for name, value in extra.items():
        for k in [k for k in headers if k.lower() == name.lower()]:
            del headers[k]
        headers[name] = value


def parameter_notes(integ: Integration, routes: str) -> list[str]:
    """Start-up notes for request parameters this server does not apply."""
    out = []
    for target, source in integ.request_parameters.items():
        if not source.strip().lstrip("$").startswith(PARAMETER_SOURCES):
            out.append(f"not emulated: request parameter {target} = {source} on {routes}")
        elif integ.kind != "http" and target.startswith("integration.request.path."):
            out.append(f"not emulated: request parameter {target} on {routes} (HTTP only)")
    return out
