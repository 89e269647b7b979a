"""AWS service integrations (``type: aws``, not Lambda) run against a local AWS emulator.

The request template is rendered by ``serve.vtl`` and sent, SigV4
signed with dummy credentials (moto reads the service from the credential scope and rejects
nothing; an unsigned request is dispatched to S3), to the embedded moto server on 127.0.0.1:

- action style (``action: PutItem``): for a JSON-protocol service (DynamoDB, Kinesis, Step
  Functions, EventBridge, ...) ``POST /`` with ``X-Amz-Target: {targetPrefix}.{Action}`` and
  ``Content-Type: application/x-amz-json-{jsonVersion}``, the body being the rendered template;
  for a query-protocol service (SQS, SNS, ...) ``POST /?Action={Action}&Version={apiVersion}``
  with the rendered template as a form body. Protocol facts come from botocore's service model.
- path style (``path: 123456789012/queue``): ``{method} {endpoint}/{path}`` with the rendered body
  (SQS ``Action=SendMessage&...`` form bodies work: moto 5.2 answers the query protocol).

``integration.request.header.X`` / ``integration.request.querystring.X`` request parameters are
applied (static ``'value'``, ``context.X``, ``stageVariables.X``, ``route.request.header.X``,
``route.request.querystring.X``, ``route.request.body.X``).

The answer goes through the integration responses as for HTTP integrations: a
``/regex/`` key is matched against the AWS status code, then ``$default``. When nothing matches
(or there are no integration responses) the integration fails: messages get the ``Internal server
error`` frame, ``$connect`` is rejected with 502 ("No match for output mapping and no default
output mapping configured"). Whether ``$default`` also catches a 4xx/5xx from the service is
``ServeConfig.aws_error_mapping``: ``"default"`` (the documented catch-all, the default) or
``"explicit"`` (only a ``/regex/`` key catches an error). A caught error keeps the AWS status:
``$connect`` is rejected with it, a two-way route sends the mapped body (``two_way_error_status``).
IAM (the integration's credentials role) is not checked.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import Mapping
from typing import Any

from wsspec.model import Integration
from wsspec.serve.config import ServeConfig
from wsspec.serve.integrations.http import http_request
from wsspec.serve.integrations.mapping import (
    TEMPLATE_ERRORS,
    pick_response,
    render_request,
    request_parameters,
    response_body,
    set_headers,
)
from wsspec.serve.localaws import DUMMY_KEY, LocalAws, moto_serves
from wsspec.serve.result import IntegrationContext, Result


def plan_note(integ: Integration, routes: str, config: ServeConfig) -> str:
    """The start-up note for one AWS service integration: what is not emulated or enforced."""
    what = f"AWS service integration {integ.service} ({integ.action or integ.path}) on {routes}"
    tail = "$connect accepts, $disconnect is skipped, messages get the Internal server error frame"
    if not config.dynamodb:
        return f"not emulated: {what} (--no-dynamodb): {tail}"
    if not moto_serves(integ.service, config.region):
        return f"not emulated: {what} (the local AWS emulator has no {integ.service}): {tail}"
    role = integ.credentials_arn or ("the generated role" if integ.role else "")
    where = (
        "--dynamodb-endpoint"
        if integ.service == "dynamodb" and config.dynamodb_endpoint
        else "the local AWS emulator"
    )
    return f"not enforced: IAM for {what}: runs against {where}" + (
        f"; {role} is not checked" if role else ""
    )


# ============================================================================ the request
def build_request(
    stage_variables: Mapping[str, str],
    integ: Integration,
    local: LocalAws,
    event: dict[str, Any],
    body: Any,
    data: bytes,
    templated: bool = True,
) -> tuple[str, str, dict[str, str], bytes | None] | str:
    """(method, url, headers, body) for the AWS call, or a reason it cannot be made.

    An action-style call to a query-protocol service sends ``Action``, ``Version`` and the
    ``integration.request.querystring`` parameters in the query string, or, when a request
    template rendered a (form) body, all in that body (moto ignores a query string next to a
    form body). A passed-through JSON message is not a query-protocol payload and is dropped.
    ``body``: the message as JSON (MISSING when it is not JSON)."""
    service = integ.service or ""
    base = local.endpoint_for(service).rstrip("/")
    headers: dict[str, str] = {}
    query: list[tuple[str, str]] = []
    method = (integ.method or "POST").upper()
    form = False
    if integ.action:
        proto = local.protocol(service)
        if proto is None:
            return f"unknown AWS service {service!r} (botocore has no model for it)"
        protocol, target, json_version, api_version = proto
        path = "/"
        if protocol in ("json", "smithy-rpc-v2-cbor"):
            headers["X-Amz-Target"] = f"{target}.{integ.action}"
            headers["Content-Type"] = f"application/x-amz-json-{json_version}"
        elif protocol in ("query", "ec2"):
            query += [("Action", integ.action), ("Version", api_version)]
            form = True
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        else:  # rest-json / rest-xml services are called path style
            return (
                f"{service} uses the {protocol} protocol: use a path-style integration "
                f"(path:) for it"
            )
    else:
        path = "/" + (integ.path or "").lstrip("/")
        headers["Content-Type"] = "application/json"
    extra_headers, extra_query, _ = request_parameters(integ, event, body, stage_variables)
    set_headers(headers, extra_headers)
    query += extra_query
    url = base + urllib.parse.quote(path, safe="/@:+$,;=-_.~!*'()")
    if form and not templated:
        data = b""
    if form and data:
        data = urllib.parse.urlencode(query).encode() + b"&" + data
        query = []
    if query:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query)
    send: bytes | None = data if method not in ("GET", "HEAD", "DELETE") or data else None
    return method, url, headers, send


def _call(
    method: str,
    url: str,
    headers: dict[str, str],
    data: bytes | None,
    service: str,
    region: str,
    timeout: float,
) -> tuple[int, str]:
    """One signed call (SigV4, dummy credentials). Blocking: runs in a thread."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    req = AWSRequest(method=method, url=url, data=data, headers=headers)
    SigV4Auth(Credentials(DUMMY_KEY, DUMMY_KEY), service, region).add_auth(req)
    return http_request(url, method, data, dict(req.headers.items()), timeout)


# ============================================================================ the integration
async def run_aws(
    ctx: IntegrationContext,
    integ: Integration,
    event: dict[str, Any],
    *,
    timeout: float,
    request_id: str,
) -> Result:
    """Run one AWS service integration for ``event`` (the Lambda-proxy-shaped event of the route:
    its ``requestContext`` is ``$context``, its ``body`` is ``$input``)."""
    local = ctx.aws
    config = ctx.config
    what = f"AWS {integ.service} integration ({integ.action or integ.path})"
    if local is None or not moto_serves(integ.service, config.region):
        return Result("not_emulated", detail=f"{what} not emulated")
    try:
        body_text, body, rendered = render_request(ctx.stage_variables, integ, event)
    except TEMPLATE_ERRORS as exc:
        return Result("error", detail=f"mapping template: {exc}")
    if rendered is None and (
        integ.passthrough == "NEVER"
        or (integ.passthrough == "WHEN_NO_TEMPLATES" and integ.request_templates)
    ):
        return Result(
            "error",
            detail="415 Unsupported Media Type: no request template "
            f"matched (passthrough {integ.passthrough})",
        )
    data = (body_text if rendered is None else rendered).encode()
    req = build_request(ctx.stage_variables, integ, local, event, body, data, rendered is not None)
    if isinstance(req, str):
        return Result("error", detail=f"{what}: {req}")
    method, url, headers, send = req
    try:
        status, text = await asyncio.wait_for(
            asyncio.to_thread(
                _call, method, url, headers, send, integ.service or "", config.region, timeout
            ),
            timeout,
        )
    except (asyncio.TimeoutError, TimeoutError):
        return Result("timeout")
    except (OSError, ValueError) as exc:
        return Result("error", detail=f"{what}: {exc}")
    resp = pick_response(integ, str(status))
    if resp is None:
        return Result(
            "error",
            detail=f"{what}: {status}, and no integration response matches "
            f"it (no match for output mapping): {text[:200]}",
        )
    if status >= 400 and resp.key == "$default" and config.aws_error_mapping == "explicit":
        return Result("error", detail=f"{what}: {status}: {text[:200]}")
    try:
        out = response_body(ctx.stage_variables, integ, str(status), status, event, text, body)
    except TEMPLATE_ERRORS as exc:
        return Result("error", detail=f"mapping template: {exc}")
    detail = "" if status < 400 else f"{what}: {status}: {text[:200]}"
    return Result("ok", status, out, detail=detail)
