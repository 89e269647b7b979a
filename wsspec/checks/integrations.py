"""Integrations, named and inline (WS301-WS310), with what they reference (WS101, WS111), their
selection expressions and response keys (WS204-WS206), sizes (WS413, WS417, WS418), ARNs
(WS608) and warnings (WS805, WS809)."""

from __future__ import annotations

import re
from typing import Any

from wsspec.checks.arns import check_arn
from wsspec.checks.context import Ctx, as_list, as_map, check, did_you_mean
from wsspec.checks.limits import MAX_TEMPLATE, check_description
from wsspec.checks.selections import BODY_PATH, RESPONSE_VARS, selection_error
from wsspec.loader import Path

MIN_TIMEOUT_MS = 50
MAX_TIMEOUT_MS = 29_000
_TEMPLATE_KEYS = ("request_templates", "template_selection", "passthrough", "content_handling")

_INTEG_TARGET = re.compile(r"integration\.request\.(?:header|querystring|path)\.[A-Za-z0-9._$\-]+")
_INTEG_SOURCE = re.compile(
    r"(?:route\.request\.(?:header|querystring|multivalueheader|multivaluequerystring)\.[A-Za-z0-9._$\-]+"
    r"|route\.request\.body\..+|context\.[A-Za-z0-9._\-]+|stageVariables\.[A-Za-z0-9._\-]+|'[^']*')"
)


def _is_proxy(d: dict[str, Any]) -> bool:
    kind = d.get("type")
    if kind == "lambda":
        return d.get("proxy") is not False
    if kind == "http":
        return d.get("proxy") is True
    return False


@check(
    "WS101",
    "WS111",
    "WS204",
    "WS205",
    "WS206",
    "WS301",
    "WS302",
    "WS303",
    "WS304",
    "WS305",
    "WS306",
    "WS307",
    "WS308",
    "WS309",
    "WS310",
    "WS413",
    "WS417",
    "WS418",
    "WS608",
    "WS805",
    "WS809",
)
def integrations(ctx: Ctx) -> None:
    for path, d in ctx.integrations():
        kind = d.get("type")
        t = d.get("timeout_ms")
        if (
            isinstance(t, int)
            and not isinstance(t, bool)
            and not MIN_TIMEOUT_MS <= t <= MAX_TIMEOUT_MS
        ):
            ctx.add(
                "WS301",
                path + ("timeout_ms",),
                f"timeout_ms {t} is outside {MIN_TIMEOUT_MS}-{MAX_TIMEOUT_MS} "
                "(API Gateway's integration timeout quota)",
            )
        _proxy_settings(ctx, path, d)
        for rkey, resp in as_map(d.get("responses")).items():
            _response(ctx, path + ("responses", rkey), rkey, as_map(resp))
        _request(ctx, path, d)
        if kind == "lambda":
            _lambda(ctx, path, d)
        if kind == "aws":
            _aws(ctx, path, d)
        if kind == "http":
            _http(ctx, path, d)
        cred = d.get("credentials")
        if isinstance(cred, str):
            check_arn(ctx, path + ("credentials",), cred, "role")
        check_description(ctx, path, d)


def _proxy_settings(ctx: Ctx, path: Path, d: dict[str, Any]) -> None:
    """WS302 templates on a proxy integration; WS809 a non-proxy one without $default."""
    kind = d.get("type")
    if _is_proxy(d):
        for k in (*_TEMPLATE_KEYS, "responses"):
            if k in d:
                ctx.add(
                    "WS302",
                    path + (k,),
                    f"{k!r} only applies to non-proxy integrations; a {kind} proxy passes "
                    "messages through unchanged",
                    "set 'proxy: false' to use templates"
                    if kind == "lambda"
                    else "remove 'proxy: true' to use templates",
                    key=True,
                )
    elif kind in ("lambda", "http", "aws", "mock"):
        responses = d.get("responses")
        if not isinstance(responses, dict) or "$default" not in responses:
            ctx.add(
                "WS809",
                path,
                f"this non-proxy {kind} integration has no '$default' "
                "integration response, so successful results are not mapped",
                "add 'responses: {$default: {}}'",
                key=True,
            )


def _response(ctx: Ctx, path: Path, rkey: str, resp: dict[str, Any]) -> None:
    """One integration response: its key (WS205), template selection (WS206), sizes (WS418)."""
    if rkey != "$default":
        ok = len(rkey) >= 2 and rkey.startswith("/") and rkey.endswith("/")
        reason = "use '$default' or a regular expression between slashes, such as '/4\\d{2}/'"
        if ok:
            try:
                re.compile(rkey[1:-1])
            except re.error as exc:
                ok = False
                reason = f"the regular expression does not compile: {exc}"
        if not ok:
            ctx.add("WS205", path, f"{rkey!r} is not an integration response key", reason, key=True)
    err = selection_error(
        resp.get("template_selection"),
        (BODY_PATH, RESPONSE_VARS),
        "a response template selection expression",
        default_literal=True,
    )
    if err:
        ctx.add(
            "WS206",
            path + ("template_selection",),
            f"invalid template selection expression: {err}",
            "use ${integration.response.statuscode}, ${integration.response.header.<name>}, "
            "${request.body.<path>} or a static value",
        )
    _template_sizes(ctx, path + ("templates",), as_map(resp.get("templates")))


def _template_sizes(ctx: Ctx, path: Path, templates: dict[str, Any]) -> None:
    for tk, tv in templates.items():
        if isinstance(tv, str) and len(tv) > MAX_TEMPLATE:
            ctx.add(
                "WS418",
                path + (tk,),
                f"the template has {len(tv)} characters; API Gateway allows {MAX_TEMPLATE}",
            )


def _request(ctx: Ctx, path: Path, d: dict[str, Any]) -> None:
    """The request side: template selection (WS204), templates (WS418), parameters (WS308)."""
    err = selection_error(
        d.get("template_selection"),
        (BODY_PATH,),
        "a template selection expression",
        default_literal=True,
    )
    if err:
        ctx.add(
            "WS204",
            path + ("template_selection",),
            f"invalid template selection expression: {err}",
            "use ${request.body.<path>} or a static value such as \\$default",
        )
    _template_sizes(ctx, path + ("request_templates",), as_map(d.get("request_templates")))
    for pk, pv in as_map(d.get("request_parameters")).items():
        if not _INTEG_TARGET.fullmatch(pk):
            ctx.add(
                "WS308",
                path + ("request_parameters", pk),
                f"{pk!r} is not an integration request parameter",
                "use integration.request.header.<name> (or .querystring. / .path.)",
                key=True,
            )
        elif isinstance(pv, str) and not _INTEG_SOURCE.fullmatch(pv):
            ctx.add(
                "WS308",
                path + ("request_parameters", pk),
                f"{pv!r} is not a parameter source",
                "use route.request.header.<name>, route.request.querystring.<name>, "
                "route.request.body.<path>, context.<var>, stageVariables.<name> or 'static'",
            )


def _lambda(ctx: Ctx, path: Path, d: dict[str, Any]) -> None:
    functions = ctx.section("functions")
    fn, arn = d.get("function"), d.get("arn")
    if (fn is None) == (arn is None):
        ctx.add(
            "WS303",
            path,
            "a lambda integration needs exactly one of 'function' "
            "(defined under 'functions') and 'arn' (an existing function)",
            key=True,
        )
    if isinstance(fn, str) and fn not in functions:
        ctx.add(
            "WS101",
            path + ("function",),
            f"function {fn!r} is not defined under 'functions'",
            did_you_mean(fn, functions),
        )
    if isinstance(arn, str):
        check_arn(ctx, path + ("arn",), arn, "lambda")
        ctx.add(
            "WS805",
            path + ("arn",),
            "wsspec does not manage this function but adds API Gateway's invoke "
            "permission to it: it must be in this account and Region, and deploying "
            "needs lambda:AddPermission on it",
        )


def _aws(ctx: Ctx, path: Path, d: dict[str, Any]) -> None:
    if ("action" in d) == ("path" in d):
        ctx.add(
            "WS304",
            path,
            "an aws integration needs exactly one of 'action' (e.g. PutItem) and 'path'",
            key=True,
        )
    if "credentials" in d:
        for k in ("actions", "resources"):
            if k in d:
                ctx.add(
                    "WS310",
                    path + (k,),
                    f"{k!r} shapes the role wsspec creates, but 'credentials' names an "
                    "existing role",
                    "remove one of them",
                    key=True,
                )
    elif not as_list(d.get("resources")):
        ctx.add(
            "WS307",
            path,
            "without 'credentials', wsspec creates a role limited to "
            "'resources': list the ARNs (or 'connection_table')",
            key=True,
        )
    has_table = bool(ctx.data.get("connections"))
    for i, res in enumerate(as_list(d.get("resources"))):
        if res == "connection_table" and not has_table:
            ctx.add(
                "WS306",
                path + ("resources", i),
                "'connection_table' refers to the connection table, but there is no "
                "'connections' section",
                "add 'connections: true'",
            )


def _http(ctx: Ctx, path: Path, d: dict[str, Any]) -> None:
    url = d.get("url")
    if isinstance(url, str):
        if not re.match(r"https?://[^\s/]+", url):
            ctx.add("WS309", path + ("url",), f"{url!r} is not an http:// or https:// URL")
        if len(url) > 2048:
            ctx.add(
                "WS417",
                path + ("url",),
                f"the URL has {len(url)} characters (at most 2048)",
            )
    if "vpc_link" in d and "vpc_link_id" in d:
        ctx.add(
            "WS305",
            path + ("vpc_link_id",),
            "give 'vpc_link' (defined in this spec) or 'vpc_link_id' (existing), not both",
            key=True,
        )
    vpc_links = ctx.section("vpc_links")
    link = d.get("vpc_link")
    if isinstance(link, str) and link not in vpc_links:
        ctx.add(
            "WS111",
            path + ("vpc_link",),
            f"VPC link {link!r} is not defined under 'vpc_links'",
            did_you_mean(link, vpc_links),
        )
