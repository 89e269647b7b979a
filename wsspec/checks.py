"""Stage 3: WebSocket-specific checks with stable codes (what AWS would reject at deploy time).

Checks read the loader's plain data, not the model: they run even when the schema found
errors, so every check is defensive (a value of the wrong type is skipped: the schema has
already reported it). Each finding has a code from ``CODES``; the code's severity is fixed.

Code ranges: WS1xx routes and references, WS2xx selection expressions, WS3xx integrations,
WS4xx quotas and name/length limits, WS5xx functions, paths and the connection table,
WS6xx stages, domain, authorizers and models (WS62x monitoring), WS7xx features AWS does not offer for WebSocket
APIs, WS8xx warnings. (WS0xx: JSON Schema, WS9xx: YAML loading.)
"""

from __future__ import annotations

import json
import math
import os
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from wsspec.errors import Finding
from wsspec.loader import Loaded, Path

# ----------------------------------------------------------------------------- the code table
# code -> (severity, summary). Stable: never reuse or renumber a code.
CODES: dict[str, tuple[str, str]] = {
    # schema (wsspec.schema)
    "WS001": ("error", "unknown key (with a did-you-mean suggestion)"),
    "WS002": ("error", "missing required key"),
    "WS003": ("error", "value of the wrong type"),
    "WS004": ("error", "value not allowed (enum/const)"),
    "WS005": ("error", "value out of range, too short or not unique"),
    "WS006": ("error", "other schema violation"),
    # routes and references
    "WS101": ("error", "reference to a function that is not defined"),
    "WS102": ("error", "reference to an authorizer that is not defined"),
    "WS103": ("error", "reference to a model that is not defined"),
    "WS104": ("error", "authorizer on a route other than $connect"),
    "WS105": ("error", "IAM authorization on a route other than $connect"),
    "WS106": ("error", "request parameters on a route other than $connect"),
    "WS107": ("error", "reference to an integration that is not defined"),
    "WS108": ("error", "custom route key starting with '$' (reserved)"),
    "WS109": ("error", "route without 'function' or 'integration'"),
    "WS110": ("error", "route with both 'function' and 'integration'"),
    "WS111": ("error", "reference to a VPC link that is not defined"),
    "WS112": ("error", "invalid route request parameter name"),
    "WS113": ("error", "both 'authorization: iam' and an authorizer"),
    "WS114": ("error", "request models without a model selection expression"),
    "WS115": ("error", "route response model key other than $default"),
    "WS116": ("error", "two names that collide after conversion to IDs/labels"),
    "WS117": ("error", "empty route key"),
    # selection expressions
    "WS201": ("error", "invalid route selection expression"),
    "WS202": ("error", "invalid API key selection expression"),
    "WS203": ("error", "invalid model selection expression"),
    "WS204": ("error", "invalid template selection expression"),
    "WS205": ("error", "invalid integration response key"),
    "WS206": ("error", "invalid integration response template selection expression"),
    # integrations
    "WS301": ("error", "integration timeout outside 50-29000 ms"),
    "WS302": ("error", "templates or responses on a proxy integration"),
    "WS303": ("error", "Lambda integration needs exactly one of 'function' and 'arn'"),
    "WS304": ("error", "AWS integration needs exactly one of 'action' and 'path'"),
    "WS305": ("error", "both 'vpc_link' and 'vpc_link_id'"),
    "WS306": ("error", "'connection_table' resource without a 'connections' section"),
    "WS307": ("error", "AWS integration with neither 'credentials' nor 'resources'"),
    "WS308": ("error", "invalid integration request parameter"),
    "WS309": ("error", "HTTP integration URL is not an http(s) URL"),
    "WS310": ("error", "'actions'/'resources' together with 'credentials'"),
    # quotas and limits
    "WS401": ("error", "more than 300 routes (quota)"),
    "WS402": ("error", "more than 300 integrations (quota)"),
    "WS403": ("error", "more than 10 authorizers (quota)"),
    "WS404": ("error", "more than 10 stages (quota)"),
    "WS410": ("error", "API name length"),
    "WS411": ("error", "stage name length or characters"),
    "WS412": ("error", "model name length or characters"),
    "WS413": ("error", "description too long"),
    "WS414": ("error", "operation name length"),
    "WS415": ("error", "stage variable name or value"),
    "WS416": ("error", "custom domain base path"),
    "WS417": ("error", "URI or ARN longer than 2048 characters"),
    "WS418": ("error", "mapping template or model schema over 32K characters"),
    "WS419": ("error", "environment variable name, reserved name or size"),
    # functions, paths, connection table
    "WS501": ("error", "absolute handler/source path"),
    "WS502": ("error", "handler/source path outside the project"),
    "WS503": ("error", "handler outside its source directory"),
    "WS504": ("error", "handler file extension does not match the runtime"),
    "WS505": ("error", "'connection_table' grant without a 'connections' section"),
    "WS506": ("error", "read_capacity and write_capacity must be given together"),
    # stages, domain, authorizers, models
    "WS601": ("error", "stage route settings for a route that does not exist"),
    "WS602": ("error", "domain mapped to a stage that does not exist"),
    "WS603": ("error", "access log format without $context.requestId or too long"),
    "WS604": ("error", "authorizer needs exactly one of 'function' and 'arn'"),
    "WS605": ("error", "invalid authorizer identity source"),
    "WS606": ("error", "model schema is not JSON Schema draft 4"),
    "WS607": ("error", "invalid custom domain name"),
    "WS608": ("error", "malformed ARN"),
    # monitoring (alarms, notifications, log retention)
    "WS620": ("error", "alarm metric not published for the alarm's scope"),
    "WS621": ("error", "invalid alarm statistic"),
    "WS622": ("error", "invalid alarm threshold"),
    "WS623": ("error", "alarm period not 10, 30 or a multiple of 60 seconds"),
    "WS624": ("error", "alarm evaluation periods below 1 or longer than one day in total"),
    "WS625": ("error", "datapoints_to_alarm above evaluation_periods"),
    "WS626": ("error", "alarm reference to a function, route, stage or alarm that is not defined"),
    "WS627": ("error", "table alarm without a 'connections' section"),
    "WS628": ("error", "per-route alarm without detailed metrics for that route"),
    "WS629": ("error", "log retention not one of the CloudWatch Logs values"),
    "WS630": ("error", "malformed notification endpoint (e-mail address or https:// URL)"),
    "WS631": ("error", "alarm without a metric or with more than one scope"),
    # features AWS does not offer for WebSocket APIs
    "WS701": ("error", "JWT, Cognito or TOKEN authorizers"),
    "WS702": ("error", "AWS WAF"),
    "WS703": ("error", "X-Ray tracing of API stages"),
    "WS704": ("error", "CORS"),
    "WS705": ("error", "payload format 2.0 and other HTTP-API-only integration settings"),
    "WS706": ("error", "v2 VPC links (subnets, security groups, ALB, Cloud Map)"),
    "WS707": ("error", "edge-optimized or private endpoints, resource policies"),
    "WS708": ("error", "mutual TLS"),
    "WS709": ("error", "authorizer caching and simple responses"),
    "WS710": ("error", "a protocol other than WebSocket"),
    # warnings
    "WS801": ("warning", "$connect without authorization"),
    "WS802": ("warning", "stage without throttling"),
    "WS803": ("warning", "execution logging without the account CloudWatch role"),
    "WS804": ("warning", "no $default route while route selection can fail"),
    "WS805": (
        "warning",
        "Lambda integration to an existing ARN (wsspec adds an invoke permission)",
    ),
    "WS806": ("warning", "defined but never used"),
    "WS807": ("warning", "route keys that differ only in case"),
    "WS808": ("warning", "unusual characters in a route key"),
    "WS809": ("warning", "non-proxy integration without a $default integration response"),
    "WS810": ("warning", "model selection expression without request models"),
    "WS811": ("warning", "API key required on a route other than $connect"),
    "WS812": ("warning", "two-way response on $connect or $disconnect"),
    "WS813": ("warning", "data trace logging enabled"),
    "WS814": ("warning", "function timeout above the 29 s integration timeout"),
}

RESERVED = ("$connect", "$disconnect", "$default")
MAX_ROUTES = 300
MAX_INTEGRATIONS = 300
MAX_AUTHORIZERS = 10
MAX_STAGES = 10
MIN_TIMEOUT_MS = 50
MAX_TIMEOUT_MS = 29_000
MAX_TEMPLATE = 32 * 1024
API_KEY_SELECTIONS = ("$request.header.x-api-key", "$context.authorizer.usageIdentifierKey")


# ----------------------------------------------------------------------------- helpers
def _map(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


@dataclass
class Ctx:
    loaded: Loaded
    project_dir: str
    findings: list[Finding] = field(default_factory=list)
    claimed: set[Path] = field(default_factory=set)

    @property
    def data(self) -> dict[str, Any]:
        return _map(self.loaded.data)

    def add(
        self, code: str, path: Path, message: str, hint: str | None = None, *, key: bool = False
    ) -> None:
        severity = CODES[code][0]
        self.findings.append(
            self.loaded.finding(code, path, message, hint=hint, severity=severity, key=key)
        )

    def claim(self, path: Path) -> None:
        """Schema findings at or under ``path`` are superseded by an explanatory finding."""
        self.claimed.add(tuple(path))

    # spec sections (always mappings, whatever the file says)
    def section(self, name: str) -> dict[str, Any]:
        return _map(self.data.get(name))

    def routes(self) -> dict[str, Any]:
        return self.section("routes")

    def integrations(self) -> Iterator[tuple[Path, dict[str, Any]]]:
        """Every integration mapping, named and inline, with its spec path."""
        for name, d in self.section("integrations").items():
            if isinstance(d, dict):
                yield ("integrations", name), d
        for key, r in self.routes().items():
            integ = _map(r).get("integration")
            if isinstance(integ, dict):
                yield ("routes", key, "integration"), integ


_CHECKS: list[Callable[[Ctx], None]] = []


def check(fn: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
    _CHECKS.append(fn)
    return fn


def run(loaded: Loaded, project_dir: str) -> tuple[list[Finding], set[Path]]:
    """All checks on ``loaded.data``; returns (findings, paths whose schema findings to drop)."""
    ctx = Ctx(loaded, project_dir)
    if not isinstance(loaded.data, dict):
        return [], set()
    for fn in _CHECKS:
        try:
            fn(ctx)
        except Exception as exc:  # noqa: BLE001 - a bug in a check must not hide the other findings
            ctx.findings.append(
                loaded.finding(
                    "WS000",
                    (),
                    f"internal error in check {fn.__name__}: {type(exc).__name__}: {exc}",
                    hint="please report this with the spec file",
                )
            )
    return ctx.findings, ctx.claimed


# ----------------------------------------------------------------------------- selection expressions
_BODY_PATH = re.compile(r"request\.body(?:\.[A-Za-z0-9_\-]+|\[\d+\]|\['[^']+'\]|\[\"[^\"]+\"\])+")
_RESPONSE_VARS = re.compile(
    r"integration\.response\.(?:statuscode|header\.[A-Za-z0-9_\-]+|multivalueheader\.[A-Za-z0-9_\-]+)"
)
_UNBRACED = re.compile(r"[A-Za-z0-9_.\-\[\]'\"]*")


def selection_error(
    expr: Any, allowed: tuple[re.Pattern[str], ...], what: str, *, default_literal: bool = False
) -> str | None:
    """None if ``expr`` is a valid selection expression, else the reason."""
    if not isinstance(expr, str):
        return None  # the schema reports the type
    if not expr.strip():
        return "the expression is empty"
    if default_literal and expr == "$default":
        return None
    i = 0
    while i < len(expr):
        c = expr[i]
        if c == "\\" and expr[i + 1 : i + 2] == "$":
            i += 2
            continue
        if c != "$":
            i += 1
            continue
        if expr.startswith("${", i):
            end = expr.find("}", i)
            if end < 0:
                return f"'${{' at position {i + 1} is never closed with '}}'"
            var = expr[i + 2 : end]
            i = end + 1
        else:
            m = _UNBRACED.match(expr, i + 1)
            var = m.group(0) if m else ""
            i = m.end() if m else i + 1
        if not var:
            return f"'$' at position {expr.index('$') + 1} is not followed by a variable (write '\\$' for a literal dollar)"
        if not any(p.fullmatch(var) for p in allowed):
            return f"'${var}' is not a variable {what} can use"
    return None


# ----------------------------------------------------------------------------- routes
@check
def route_keys(ctx: Ctx) -> None:
    routes = ctx.routes()
    by_lower: dict[str, str] = {}
    for key in routes:
        path = ("routes", key)
        if key == "" or not key.strip():
            ctx.add("WS117", path, "a route key cannot be empty or blank", key=True)
            continue
        if key.startswith("$") and key not in RESERVED:
            hint = None
            low = key.lower()
            if low in RESERVED:
                hint = f"route keys are case-sensitive: did you mean {low!r}?"
            else:
                hint = "the '$' prefix is reserved for $connect, $disconnect and $default"
            ctx.add(
                "WS108", path, f"custom route key {key!r} cannot start with '$'", hint, key=True
            )
        elif key not in RESERVED and not re.fullmatch(r"[A-Za-z0-9_./:\-]+", key):
            ctx.add(
                "WS808",
                path,
                f"route key {key!r} contains characters other than letters, digits and _ . / : -",
                "it must equal the value the route selection expression yields, character for character",
                key=True,
            )
        other = by_lower.get(key.lower())
        if other is not None and other != key:
            ctx.add(
                "WS807",
                path,
                f"route keys {other!r} and {key!r} differ only in case",
                "route matching is case-sensitive; both routes exist",
                key=True,
            )
        by_lower.setdefault(key.lower(), key)


@check
def route_targets(ctx: Ctx) -> None:
    functions = ctx.section("functions")
    named = ctx.section("integrations")
    for key, r in ctx.routes().items():
        if not isinstance(r, dict):
            continue
        path = ("routes", key)
        has_fn, has_integ = "function" in r, "integration" in r
        if has_fn and has_integ:
            ctx.add(
                "WS110",
                path + ("function",),
                "a route takes either 'function' or 'integration', not both",
                key=True,
            )
        elif not has_fn and not has_integ:
            ctx.add(
                "WS109",
                path,
                "the route needs 'function' (a Lambda proxy) or 'integration'",
                key=True,
            )
        fn = _str(r.get("function"))
        if fn is not None and fn not in functions:
            ctx.add(
                "WS101",
                path + ("function",),
                f"function {fn!r} is not defined under 'functions'",
                _did_you_mean(fn, functions),
            )
        integ = _str(r.get("integration"))
        if integ is not None and integ not in named:
            ctx.add(
                "WS107",
                path + ("integration",),
                f"integration {integ!r} is not defined under 'integrations'",
                _did_you_mean(integ, named),
            )


def _did_you_mean(word: str, options: Any) -> str | None:
    import difflib

    match = difflib.get_close_matches(word, [o for o in options if isinstance(o, str)], n=1)
    return f"did you mean {match[0]!r}?" if match else None


@check
def route_authorization(ctx: Ctx) -> None:
    authorizers = ctx.section("authorizers")
    for key, r in ctx.routes().items():
        if not isinstance(r, dict):
            continue
        path = ("routes", key)
        authorizer = r.get("authorizer")
        if authorizer is not None and key != "$connect":
            ctx.add(
                "WS104",
                path + ("authorizer",),
                "authorizers can only be attached to $connect (API Gateway checks "
                "authorization once per connection)",
            )
        elif isinstance(authorizer, str) and authorizer not in authorizers:
            ctx.add(
                "WS102",
                path + ("authorizer",),
                f"authorizer {authorizer!r} is not defined under 'authorizers'",
                _did_you_mean(authorizer, authorizers),
            )
        if r.get("authorization") == "iam":
            if key != "$connect":
                ctx.add(
                    "WS105",
                    path + ("authorization",),
                    "IAM authorization can only be set on $connect (API Gateway checks "
                    "authorization once per connection)",
                )
            elif authorizer is not None:
                ctx.add(
                    "WS113",
                    path + ("authorization",),
                    "a route uses either 'authorization: iam' or an 'authorizer', not both",
                )
        if r.get("request_parameters") is not None and key != "$connect":
            ctx.add(
                "WS106",
                path + ("request_parameters",),
                "request parameters can only be declared on $connect (later messages carry "
                "no headers or query string)",
                key=True,
            )
        for name in _map(r.get("request_parameters")):
            if not re.fullmatch(
                r"route\.request\.(?:header|querystring|multivalueheader|multivaluequerystring)"
                r"\.[a-zA-Z0-9._$\-]+",
                name,
            ):
                ctx.add(
                    "WS112",
                    path + ("request_parameters", name),
                    f"{name!r} is not a route request parameter",
                    "use route.request.header.<name> or route.request.querystring.<name>",
                    key=True,
                )
        if r.get("api_key_required") is True and key != "$connect":
            ctx.add(
                "WS811",
                path + ("api_key_required",),
                "API keys are checked when the connection is made: set api_key_required on $connect",
            )


@check
def route_models(ctx: Ctx) -> None:
    models = ctx.section("models")
    for key, r in ctx.routes().items():
        if not isinstance(r, dict):
            continue
        path = ("routes", key)
        req = _map(r.get("request_models"))
        for sel, model in req.items():
            if isinstance(model, str) and model not in models:
                ctx.add(
                    "WS103",
                    path + ("request_models", sel),
                    f"model {model!r} is not defined under 'models'",
                    _did_you_mean(model, models),
                )
        resp = r.get("response")
        for sel, model in _map(_map(resp).get("models")).items():
            if sel != "$default":
                ctx.add(
                    "WS115",
                    path + ("response", "models", sel),
                    f"route response models are keyed by '$default' only, not {sel!r}",
                    "API Gateway does not support model selection on route responses",
                    key=True,
                )
            if isinstance(model, str) and model not in models:
                ctx.add(
                    "WS103",
                    path + ("response", "models", sel),
                    f"model {model!r} is not defined under 'models'",
                    _did_you_mean(model, models),
                )
        if req and r.get("model_selection") is None:
            ctx.add(
                "WS114",
                path + ("request_models",),
                "request_models needs a model_selection expression",
                "e.g. 'model_selection: $default' for a single model",
                key=True,
            )
        if r.get("model_selection") is not None and not req:
            ctx.add(
                "WS810",
                path + ("model_selection",),
                "model_selection has no effect without request_models",
                key=True,
            )
        if resp and key in ("$connect", "$disconnect"):
            why = (
                "the socket is already closed"
                if key == "$disconnect"
                else "only the status code of the $connect integration is used"
            )
            ctx.add(
                "WS812", path + ("response",), f"a response on {key} is never sent: {why}", key=True
            )
        err = selection_error(
            r.get("model_selection"),
            (_BODY_PATH,),
            "a model selection expression",
            default_literal=True,
        )
        if err:
            ctx.add(
                "WS203",
                path + ("model_selection",),
                f"invalid model selection expression: {err}",
                "use $request.body.<path>, ${request.body.<path>} or $default",
            )


def _quota(ctx: Ctx, name: str, default: int) -> int:
    """The quota in force: ``account.quotas.<name>`` when the user has raised it."""
    raised = _map(_map(ctx.data.get("account")).get("quotas")).get(name)
    return raised if isinstance(raised, int) and not isinstance(raised, bool) else default


_RAISE_HINT = (
    "the quota can be raised through Service Quotas / AWS Support; then record it in "
    "'account: {quotas: {%s: N}}'"
)


@check
def route_counts(ctx: Ctx) -> None:
    n = len(ctx.routes())
    max_routes = _quota(ctx, "routes", MAX_ROUTES)
    if n > max_routes:
        ctx.add(
            "WS401",
            ("routes",),
            f"{n} routes exceed the 'Routes per API' quota of {max_routes}",
            _RAISE_HINT % "routes",
            key=True,
        )
    n_auth = len(ctx.section("authorizers"))
    max_auth = _quota(ctx, "authorizers", MAX_AUTHORIZERS)
    if n_auth > max_auth:
        ctx.add(
            "WS403",
            ("authorizers",),
            f"{n_auth} authorizers exceed the 'Lambda authorizers per API' quota of {max_auth}",
            _RAISE_HINT % "authorizers",
            key=True,
        )
    n_stages = len(ctx.section("stages"))
    max_stages = _quota(ctx, "stages", MAX_STAGES)
    if n_stages > max_stages:
        ctx.add(
            "WS404",
            ("stages",),
            f"{n_stages} stages exceed the 'Stages per API' quota of {max_stages}",
            _RAISE_HINT % "stages",
            key=True,
        )
    # integrations as the model builds them: named ones, one per function used by
    # `function:` routes, one per inline integration
    fns = set()
    inline = 0
    for r in ctx.routes().values():
        r = _map(r)
        if "function" in r:
            fns.add(repr(r.get("function")))
        elif isinstance(r.get("integration"), dict):
            inline += 1
    n_integ = len(ctx.section("integrations")) + len(fns) + inline
    max_integ = _quota(ctx, "integrations", MAX_INTEGRATIONS)
    if n_integ > max_integ:
        ctx.add(
            "WS402",
            ("integrations",) if "integrations" in ctx.data else ("routes",),
            f"{n_integ} integrations exceed the 'Integrations per API' quota of "
            f"{max_integ} (routes naming the same function share one integration)",
            "share named integrations between routes, or " + _RAISE_HINT % "integrations",
            key=True,
        )


@check
def selections(ctx: Ctx) -> None:
    api = ctx.section("api")
    expr = api.get("route_selection")
    err = selection_error(expr, (_BODY_PATH,), "a route selection expression")
    if err:
        ctx.add(
            "WS201",
            ("api", "route_selection"),
            f"invalid route selection expression: {err}",
            "use $request.body.<path>, ${request.body.<path>} mixed with text, or a static value",
        )
    key_sel = api.get("api_key_selection")
    if isinstance(key_sel, str) and key_sel not in API_KEY_SELECTIONS:
        ctx.claim(("api", "api_key_selection"))
        ctx.add(
            "WS202",
            ("api", "api_key_selection"),
            f"{key_sel!r} is not an API key selection expression API Gateway accepts",
            "use $request.header.x-api-key or $context.authorizer.usageIdentifierKey",
        )
    routes = ctx.routes()
    if "$default" not in routes and isinstance(expr if expr is not None else "", str):
        real = expr if isinstance(expr, str) else "$request.body.action"
        if "$" in real.replace("\\$", ""):
            ctx.add(
                "WS804",
                ("routes",),
                "there is no $default route: messages that are not JSON, lack the selected "
                "field or match no route get a 'Forbidden' error frame",
                "add a $default route that answers unknown messages",
                key=True,
            )
        elif real.replace("\\$", "$") not in routes:
            ctx.add(
                "WS804",
                ("routes",),
                f"the route selection expression always yields {real!r}, which is not a route, "
                "and there is no $default route",
                key=True,
            )


# ----------------------------------------------------------------------------- integrations
def _is_proxy(d: dict[str, Any]) -> bool:
    kind = d.get("type")
    if kind == "lambda":
        return d.get("proxy") is not False
    if kind == "http":
        return d.get("proxy") is True
    return False


_INTEG_TARGET = re.compile(r"integration\.request\.(?:header|querystring|path)\.[A-Za-z0-9._$\-]+")
_INTEG_SOURCE = re.compile(
    r"(?:route\.request\.(?:header|querystring|multivalueheader|multivaluequerystring)\.[A-Za-z0-9._$\-]+"
    r"|route\.request\.body\..+|context\.[A-Za-z0-9._\-]+|stageVariables\.[A-Za-z0-9._\-]+|'[^']*')"
)


@check
def integrations(ctx: Ctx) -> None:
    functions = ctx.section("functions")
    vpc_links = ctx.section("vpc_links")
    has_table = bool(ctx.data.get("connections"))
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
        if _is_proxy(d):
            for k in (
                "request_templates",
                "template_selection",
                "passthrough",
                "content_handling",
                "responses",
            ):
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
        for rkey, resp in _map(d.get("responses")).items():
            if rkey != "$default":
                ok = len(rkey) >= 2 and rkey.startswith("/") and rkey.endswith("/")
                reason = (
                    "use '$default' or a regular expression between slashes, such as '/4\\d{2}/'"
                )
                if ok:
                    try:
                        re.compile(rkey[1:-1])
                    except re.error as exc:
                        ok = False
                        reason = f"the regular expression does not compile: {exc}"
                if not ok:
                    ctx.add(
                        "WS205",
                        path + ("responses", rkey),
                        f"{rkey!r} is not an integration response key",
                        reason,
                        key=True,
                    )
            err = selection_error(
                _map(resp).get("template_selection"),
                (_BODY_PATH, _RESPONSE_VARS),
                "a response template selection expression",
                default_literal=True,
            )
            if err:
                ctx.add(
                    "WS206",
                    path + ("responses", rkey, "template_selection"),
                    f"invalid template selection expression: {err}",
                    "use ${integration.response.statuscode}, ${integration.response.header.<name>}, "
                    "${request.body.<path>} or a static value",
                )
            for tk, tv in _map(_map(resp).get("templates")).items():
                if isinstance(tv, str) and len(tv) > MAX_TEMPLATE:
                    ctx.add(
                        "WS418",
                        path + ("responses", rkey, "templates", tk),
                        f"the template has {len(tv)} characters; API Gateway allows {MAX_TEMPLATE}",
                    )
        err = selection_error(
            d.get("template_selection"),
            (_BODY_PATH,),
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
        for tk, tv in _map(d.get("request_templates")).items():
            if isinstance(tv, str) and len(tv) > MAX_TEMPLATE:
                ctx.add(
                    "WS418",
                    path + ("request_templates", tk),
                    f"the template has {len(tv)} characters; API Gateway allows {MAX_TEMPLATE}",
                )
        for pk, pv in _map(d.get("request_parameters")).items():
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
        if kind == "lambda":
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
                    _did_you_mean(fn, functions),
                )
            if isinstance(arn, str):
                _check_arn(ctx, path + ("arn",), arn, "lambda")
                ctx.add(
                    "WS805",
                    path + ("arn",),
                    "wsspec does not manage this function but adds API Gateway's invoke "
                    "permission to it: it must be in this account and Region, and deploying "
                    "needs lambda:AddPermission on it",
                )
        if kind == "aws":
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
            elif not _list(d.get("resources")):
                ctx.add(
                    "WS307",
                    path,
                    "without 'credentials', wsspec creates a role limited to "
                    "'resources': list the ARNs (or 'connection_table')",
                    key=True,
                )
            for i, res in enumerate(_list(d.get("resources"))):
                if res == "connection_table" and not has_table:
                    ctx.add(
                        "WS306",
                        path + ("resources", i),
                        "'connection_table' refers to the connection table, but there is no "
                        "'connections' section",
                        "add 'connections: true'",
                    )
        if kind == "http":
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
            link = d.get("vpc_link")
            if isinstance(link, str) and link not in vpc_links:
                ctx.add(
                    "WS111",
                    path + ("vpc_link",),
                    f"VPC link {link!r} is not defined under 'vpc_links'",
                    _did_you_mean(link, vpc_links),
                )
        cred = d.get("credentials")
        if isinstance(cred, str):
            _check_arn(ctx, path + ("credentials",), cred, "role")
        desc = d.get("description")
        if isinstance(desc, str) and len(desc) > 1024:
            ctx.add(
                "WS413",
                path + ("description",),
                f"the description has {len(desc)} characters (at most 1024)",
            )


_ARN = {
    "lambda": (
        re.compile(
            r"arn:aws[a-z\-]*:lambda:[a-z0-9\-]+:\d{12}:function:[A-Za-z0-9_\-]{1,64}(:[A-Za-z0-9_$\-]+)?"
        ),
        "a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)",
    ),
    "role": (
        re.compile(r"arn:aws[a-z\-]*:iam::\d{12}:role/[\w+=,.@\-/]+"),
        "an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
    ),
    "logs": (
        re.compile(r"arn:aws[a-z\-]*:logs:[a-z0-9\-]+:\d{12}:log-group:[\w\-./#]+(:\*)?"),
        "a CloudWatch Logs log group ARN (arn:aws:logs:<region>:<account>:log-group:<name>)",
    ),
    "acm": (
        re.compile(r"arn:aws[a-z\-]*:acm:[a-z0-9\-]+:\d{12}:certificate/[A-Za-z0-9\-]+"),
        "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
    ),
    "sns": (
        re.compile(r"arn:aws[a-z\-]*:sns:[a-z0-9\-]+:\d{12}:[A-Za-z0-9_\-]{1,256}(\.fifo)?"),
        "an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)",
    ),
    "nlb": (
        re.compile(
            r"arn:aws[a-z\-]*:elasticloadbalancing:[a-z0-9\-]+:\d{12}:loadbalancer/net/[\w\-]+/[0-9a-f]+"
        ),
        "a Network Load Balancer ARN (arn:aws:elasticloadbalancing:...:loadbalancer/net/<name>/<id>)",
    ),
}


def _check_arn(ctx: Ctx, path: Path, value: str, kind: str) -> None:
    pattern, what = _ARN[kind]
    if len(value) > 2048:
        ctx.add("WS417", path, f"the ARN has {len(value)} characters (at most 2048)")
    elif not pattern.fullmatch(value):
        ctx.add("WS608", path, f"{value!r} is not {what}")


# ----------------------------------------------------------------------------- names and limits
@check
def names_and_limits(ctx: Ctx) -> None:
    api = ctx.section("api")
    name = api.get("name")
    if isinstance(name, str) and not 1 <= len(name) <= 128:
        ctx.add(
            "WS410", ("api", "name"), f"the API name must have 1-128 characters, not {len(name)}"
        )
    for sec in ("api", "vpc_links"):
        items = (
            [((sec,), api)]
            if sec == "api"
            else [((sec, k), _map(v)) for k, v in ctx.section(sec).items()]
        )
        for p, d in items:
            desc = d.get("description")
            if isinstance(desc, str) and len(desc) > 1024:
                ctx.add(
                    "WS413",
                    p + ("description",),
                    f"the description has {len(desc)} characters (at most 1024)",
                )
    for stage, s in ctx.section("stages").items():
        p = ("stages", stage)
        if not re.fullmatch(r"[A-Za-z0-9_\-]{1,128}", stage):
            ctx.add(
                "WS411",
                p,
                f"stage name {stage!r} must be 1-128 letters, digits, '-' or '_'",
                key=True,
            )
        s = _map(s)
        desc = s.get("description")
        if isinstance(desc, str) and len(desc) > 1024:
            ctx.add(
                "WS413",
                p + ("description",),
                f"the description has {len(desc)} characters (at most 1024)",
            )
        for var, val in _map(s.get("variables")).items():
            if not re.fullmatch(r"[A-Za-z0-9_]+", var):
                ctx.add(
                    "WS415",
                    p + ("variables", var),
                    f"stage variable name {var!r} may only contain letters, digits and '_'",
                    key=True,
                )
            sval = str(val) if isinstance(val, (str, int)) and not isinstance(val, bool) else None
            if sval is not None and not re.fullmatch(r"[A-Za-z0-9\-._~:/?#&=,]{1,2048}", sval):
                ctx.add(
                    "WS415",
                    p + ("variables", var),
                    f"stage variable value {sval!r} must be 1-2048 characters from A-Z a-z 0-9 - . _ ~ : / ? # & = ,",
                )
    for model, m in ctx.section("models").items():
        p = ("models", model)
        if not re.fullmatch(r"[A-Za-z0-9]{1,128}", model):
            ctx.add("WS412", p, f"model name {model!r} must be 1-128 letters and digits", key=True)
        m = _map(m)
        desc = m.get("description")
        if isinstance(desc, str) and len(desc) > 1024:
            ctx.add(
                "WS413",
                p + ("description",),
                f"the description has {len(desc)} characters (at most 1024)",
            )
    for key, r in ctx.routes().items():
        op = _map(r).get("operation_name")
        if isinstance(op, str) and not 1 <= len(op) <= 64:
            ctx.add(
                "WS414",
                ("routes", key, "operation_name"),
                f"the operation name must have 1-64 characters, not {len(op)}",
            )
    dom = ctx.section("domain")
    bp = dom.get("base_path")
    if isinstance(bp, str) and not re.fullmatch(r"[A-Za-z0-9$\-_.+!*'()]{1,300}", bp):
        ctx.add(
            "WS416",
            ("domain", "base_path"),
            f"base path {bp!r} must be 1-300 letters, digits or $-_.+!*'()",
        )


# ----------------------------------------------------------------------------- functions and paths
_RESERVED_ENV = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
}


def _project_path(ctx: Ctx, path: Path, value: str, what: str) -> str | None:
    """Check that ``value`` stays inside the project; returns the normalised posix path."""
    raw = value.replace("\\", "/")
    if raw.startswith("/") or re.match(r"[A-Za-z]:", raw):
        ctx.add(
            "WS501",
            path,
            f"the {what} path {value!r} is absolute",
            "give a path relative to the spec file's directory",
        )
        return None
    norm = posixpath.normpath(raw)
    if norm == ".." or norm.startswith("../"):
        ctx.add(
            "WS502",
            path,
            f"the {what} path {value!r} leaves the project directory",
            "keep handlers inside the directory of the spec file",
        )
        return None
    root = os.path.realpath(ctx.project_dir)
    real = os.path.realpath(os.path.join(root, *norm.split("/")))
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        ctx.add(
            "WS502",
            path,
            f"the {what} path {value!r} resolves (through a symbolic link) "
            "outside the project directory",
            "keep handlers inside the directory of the spec file",
        )
        return None
    return norm


@check
def functions(ctx: Ctx) -> None:
    has_table = bool(ctx.data.get("connections"))
    for name, f in ctx.section("functions").items():
        if not isinstance(f, dict):
            continue
        p = ("functions", name)
        handler = _str(f.get("handler"))
        source = _str(f.get("source"))
        h = (
            _project_path(ctx, p + ("handler",), handler, "handler")
            if handler is not None
            else None
        )
        s = _project_path(ctx, p + ("source",), source, "source") if source is not None else None
        if (
            h is not None
            and s is not None
            and s != "."
            and not (h + "/").startswith(s.rstrip("/") + "/")
        ):
            ctx.add(
                "WS503",
                p + ("handler",),
                f"the handler {handler!r} is not inside source {source!r}",
                "the source directory is the deployment package; the handler must be in it",
            )
        if h is not None:
            ext = posixpath.splitext(h)[1]
            runtime = _str(f.get("runtime"))
            if ext not in (".py", ".js", ".mjs", ".cjs"):
                ctx.add(
                    "WS504",
                    p + ("handler",),
                    f"the handler {handler!r} must be a .py (Python) or .js/.mjs/.cjs (Node.js) file",
                )
            elif runtime is not None:
                node = runtime.startswith("nodejs")
                if node != (ext != ".py"):
                    ctx.add(
                        "WS504",
                        p + ("runtime",),
                        f"runtime {runtime!r} cannot run the {ext} handler {handler!r}",
                    )
        grants = _list(f.get("grants"))
        if "connection_table" in grants and not has_table:
            ctx.add(
                "WS505",
                p + ("grants",),
                "the 'connection_table' grant needs a 'connections' section",
                "add 'connections: true'",
            )
        env = _map(f.get("environment"))
        for var in env:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", var):
                ctx.add(
                    "WS419",
                    p + ("environment", var),
                    f"environment variable name {var!r} must start with a letter and contain "
                    "only letters, digits and '_'",
                    key=True,
                )
            elif var in _RESERVED_ENV:
                ctx.add(
                    "WS419",
                    p + ("environment", var),
                    f"{var!r} is reserved by the Lambda runtime",
                    key=True,
                )
        size = sum(len(str(k)) + len(str(v)) for k, v in env.items())
        if size > 4096:
            ctx.add(
                "WS419",
                p + ("environment",),
                f"the environment takes {size} bytes; Lambda allows 4 KB",
                key=True,
            )
        desc = f.get("description")
        if isinstance(desc, str) and len(desc) > 256:
            ctx.add(
                "WS413",
                p + ("description",),
                f"a Lambda description has at most 256 characters, not {len(desc)}",
            )
        timeout = f.get("timeout")
        if isinstance(timeout, int) and not isinstance(timeout, bool) and timeout > 29:
            ctx.add(
                "WS814",
                p + ("timeout",),
                f"API Gateway stops waiting after 29 s; a {timeout} s timeout only helps "
                "functions that answer through @connections",
            )
    conn = ctx.data.get("connections")
    if isinstance(conn, dict) and ("read_capacity" in conn) != ("write_capacity" in conn):
        ctx.add(
            "WS506",
            ("connections",),
            "give both read_capacity and write_capacity (provisioned) or neither (on-demand)",
            key=True,
        )


# ----------------------------------------------------------------------------- stages, domain, authorizers, models
def _execution_logging(s: dict[str, Any]) -> bool:
    lv = s.get("logging")
    return (isinstance(lv, str) and lv.lower() in ("error", "info")) or s.get("data_trace") is True


@check
def stages(ctx: Ctx) -> None:
    routes = ctx.routes()
    stages = ctx.section("stages")
    cloudwatch_role = _map(ctx.data.get("account")).get("cloudwatch_role") is True
    if not stages and "stages" not in ctx.data:
        ctx.add(
            "WS802",
            (),
            "the default stage 'prod' has no throttling: only the account-wide "
            "limit (10,000 requests/s shared by all APIs) protects your back ends",
            "add stages: {prod: {throttling: {burst: 500, rate: 1000}}}",
        )
    for name, s in stages.items():
        p = ("stages", name)
        s = _map(s)
        if "throttling" not in s:
            ctx.add(
                "WS802",
                p,
                f"stage {name!r} has no throttling: only the account-wide limit "
                "(10,000 requests/s shared by all APIs) protects your back ends",
                "add throttling: {burst: 500, rate: 1000}",
                key=True,
            )
        settings = [(p, s)] + [
            (p + ("routes", rk), _map(rs)) for rk, rs in _map(s.get("routes")).items()
        ]
        if not cloudwatch_role:
            for sp, ss in settings:
                if _execution_logging(ss):
                    which = (
                        "logging"
                        if "logging" in ss and _execution_logging({"logging": ss["logging"]})
                        else "data_trace"
                    )
                    ctx.add(
                        "WS803",
                        sp + (which,),
                        "execution logging fails unless the account has a CloudWatch Logs role "
                        "for API Gateway",
                        "set 'account: {cloudwatch_role: true}' or configure the role in this "
                        "account and Region",
                    )
                    break
        for sp, ss in settings:
            if ss.get("data_trace") is True:
                ctx.add(
                    "WS813",
                    sp + ("data_trace",),
                    "data trace logs full message payloads; avoid it in production",
                )
        for rk in _map(s.get("routes")):
            if rk not in routes:
                ctx.add(
                    "WS601",
                    p + ("routes", rk),
                    f"route {rk!r} is not defined under 'routes'",
                    _did_you_mean(rk, routes),
                    key=True,
                )
        al = s.get("access_logs")
        if isinstance(al, dict):
            fmt = al.get("format")
            if isinstance(fmt, str):
                if "$context.requestId" not in fmt:
                    ctx.add(
                        "WS603",
                        p + ("access_logs", "format"),
                        "the access log format must contain $context.requestId",
                    )
                elif len(fmt) > 1024:
                    ctx.add(
                        "WS603",
                        p + ("access_logs", "format"),
                        f"the access log format has {len(fmt)} characters (at most 1024)",
                    )
            dest = al.get("destination_arn")
            if isinstance(dest, str):
                _check_arn(ctx, p + ("access_logs", "destination_arn"), dest, "logs")
    dom = ctx.data.get("domain")
    if isinstance(dom, dict):
        st = dom.get("stage")
        known = list(stages) or ["prod"]
        if isinstance(st, str) and st not in known:
            ctx.add(
                "WS602",
                ("domain", "stage"),
                f"stage {st!r} is not defined under 'stages'",
                _did_you_mean(st, known),
            )
        name = dom.get("name")
        if isinstance(name, str) and not re.fullmatch(
            r"(?=.{1,253}$)(\*\.)?([A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}",
            name,
        ):
            ctx.add(
                "WS607", ("domain", "name"), f"{name!r} is not a domain name such as ws.example.com"
            )
        cert = dom.get("certificate_arn")
        if isinstance(cert, str):
            _check_arn(ctx, ("domain", "certificate_arn"), cert, "acm")
    for name, v in ctx.section("vpc_links").items():
        for i, arn in enumerate(_list(_map(v).get("target_arns"))):
            if isinstance(arn, str):
                _check_arn(ctx, ("vpc_links", name, "target_arns", i), arn, "nlb")


_IDENTITY = re.compile(
    r"route\.request\.(?:header|querystring)\.[a-zA-Z0-9._\-]+|stageVariables\.[a-zA-Z0-9._\-]+"
    r"|context\.[a-zA-Z0-9._\-]+"
)


@check
def authorizers(ctx: Ctx) -> None:
    functions = ctx.section("functions")
    for name, a in ctx.section("authorizers").items():
        if not isinstance(a, dict) or (ctx.claimed and ("authorizers", name) in ctx.claimed):
            continue
        p = ("authorizers", name)
        fn, arn = a.get("function"), a.get("arn")
        if (fn is None) == (arn is None):
            ctx.add(
                "WS604",
                p,
                "an authorizer needs exactly one of 'function' (defined under "
                "'functions') and 'arn' (an existing function)",
                key=True,
            )
        if isinstance(fn, str) and fn not in functions:
            ctx.add(
                "WS101",
                p + ("function",),
                f"function {fn!r} is not defined under 'functions'",
                _did_you_mean(fn, functions),
            )
        if isinstance(arn, str):
            _check_arn(ctx, p + ("arn",), arn, "lambda")
        if isinstance(a.get("credentials"), str):
            _check_arn(ctx, p + ("credentials",), a["credentials"], "role")
        for i, src in enumerate(_list(a.get("identity_source"))):
            if isinstance(src, str) and not _IDENTITY.fullmatch(src):
                hint = (
                    "use route.request.header.<name>, route.request.querystring.<name>, "
                    "stageVariables.<name> or context.<name>"
                )
                if src.startswith("$request."):
                    hint = "the $request.header.X form is for HTTP APIs; " + hint
                ctx.add(
                    "WS605", p + ("identity_source", i), f"{src!r} is not an identity source", hint
                )


@check
def models(ctx: Ctx) -> None:
    for name, m in ctx.section("models").items():
        sch = _map(m).get("schema")
        if not isinstance(sch, dict):
            continue
        p = ("models", name, "schema")
        ver = sch.get("$schema")
        if ver is not None and (not isinstance(ver, str) or "draft-04" not in ver):
            ctx.add(
                "WS606",
                p + ("$schema",),
                f"API Gateway models use JSON Schema draft 4, not {ver!r}",
                "use http://json-schema.org/draft-04/schema#",
            )
        try:
            size = len(json.dumps(sch))
        except (TypeError, ValueError):
            continue
        if size > MAX_TEMPLATE:
            ctx.add(
                "WS418",
                p,
                f"the model schema has {size} characters as JSON (at most {MAX_TEMPLATE})",
            )


@check
def connect_authorization(ctx: Ctx) -> None:
    routes = ctx.routes()
    if "$connect" not in routes:
        if routes:
            ctx.add(
                "WS801",
                ("routes",),
                "there is no $connect route, so anyone can connect",
                "add a $connect route with an authorizer or 'authorization: iam'",
                key=True,
            )
        return
    r = _map(routes["$connect"])
    # An explicit 'authorization: none' is a decision, not an oversight: no warning.
    if r.get("authorizer") is None and r.get("authorization") is None:
        ctx.add(
            "WS801",
            ("routes", "$connect"),
            "$connect has no authorization, so anyone can connect",
            "add an 'authorizer' or 'authorization: iam', or write 'authorization: none' if "
            "that is intended (e.g. the handler checks credentials)",
            key=True,
        )


@check
def unused(ctx: Ctx) -> None:
    routes = ctx.routes()
    used_fns: list[Any] = []
    used_integ: list[Any] = []
    used_auth: list[Any] = []
    used_models: list[Any] = []
    used_links: list[Any] = []
    for r in routes.values():
        r = _map(r)
        used_fns.append(r.get("function"))
        used_integ.append(r.get("integration"))
        used_auth.append(r.get("authorizer"))
        used_models.extend(_map(r.get("request_models")).values())
        used_models.extend(_map(_map(r.get("response")).get("models")).values())
    for _, d in ctx.integrations():
        used_fns.append(d.get("function"))
        used_links.append(d.get("vpc_link"))
    for a in ctx.section("authorizers").values():
        used_fns.append(_map(a).get("function"))
    used_fns, used_integ, used_auth, used_models, used_links = (
        [v for v in used if isinstance(v, str)]
        for used in (used_fns, used_integ, used_auth, used_models, used_links)
    )
    for sec, used, what in (
        ("functions", used_fns, "function"),
        ("integrations", used_integ, "integration"),
        ("authorizers", used_auth, "authorizer"),
        ("models", used_models, "model"),
        ("vpc_links", used_links, "VPC link"),
    ):
        for name in ctx.section(sec):
            if name not in used:
                ctx.add(
                    "WS806", (sec, name), f"{what} {name!r} is defined but never used", key=True
                )


# ----------------------------------------------------------------------------- unsupported features
_AUTH_WHY = (
    "WebSocket APIs support only Lambda REQUEST authorizers and IAM",
    "verify the JWT inside a Lambda REQUEST authorizer on $connect",
)
_WAF = (
    "AWS WAF cannot be associated with WebSocket API stages (REST APIs only)",
    "filter at the $connect authorizer, or put WAF in front of your own back end",
)
_XRAY = (
    "API Gateway X-Ray tracing exists for REST APIs only; WebSocket stages cannot be traced",
    "trace the Lambda functions instead (monitoring: {tracing: true})",
)
_CORS = (
    "WebSocket APIs have no CORS (it is an HTTP API feature)",
    "check the Origin header in the $connect handler or authorizer",
)
_ENDPOINT = (
    (
        "WebSocket APIs are Regional only and reachable over the internet: there are no "
        "edge-optimized or private endpoints and no resource policies"
    ),
    None,
)
_MTLS = (
    "mutual TLS is documented for REST and HTTP API custom domains only",
    "authenticate clients in a $connect authorizer",
)
_V2LINK = (
    (
        "WebSocket private integrations use REST (v1) VPC links to Network Load Balancers; "
        "v2 VPC links (subnets, security groups, ALB, Cloud Map) are for HTTP APIs"
    ),
    "give 'target_arns' with NLB ARNs",
)
_PAYLOAD = (
    (
        "WebSocket integrations always use the 1.0 event format; payload format 2.0, "
        "integration subtypes, response parameters and TLS config are HTTP API features"
    ),
    None,
)
_CACHE = (
    (
        "authorizer result caching and simple responses are HTTP API features; a WebSocket "
        "authorizer runs once per connection"
    ),
    None,
)
_PROTOCOL = ("wsspec describes WebSocket APIs only", None)

# (section pattern, key) -> (code, (message, hint)); "*" matches any name
_UNSUPPORTED_KEYS: dict[tuple[str, ...], dict[str, tuple[str, tuple[str, str | None]]]] = {
    (): {
        "waf": ("WS702", _WAF),
        "web_acl": ("WS702", _WAF),
        "web_acl_arn": ("WS702", _WAF),
        "cors": ("WS704", _CORS),
        "tracing": ("WS703", _XRAY),
        "xray": ("WS703", _XRAY),
    },
    ("api",): {
        "cors": ("WS704", _CORS),
        "cors_configuration": ("WS704", _CORS),
        "waf": ("WS702", _WAF),
        "web_acl": ("WS702", _WAF),
        "web_acl_arn": ("WS702", _WAF),
        "tracing": ("WS703", _XRAY),
        "xray": ("WS703", _XRAY),
        "endpoint_type": ("WS707", _ENDPOINT),
        "endpoint": ("WS707", _ENDPOINT),
        "policy": ("WS707", _ENDPOINT),
        "resource_policy": ("WS707", _ENDPOINT),
        "vpc_endpoint_ids": ("WS707", _ENDPOINT),
        "protocol": ("WS710", _PROTOCOL),
        "protocol_type": ("WS710", _PROTOCOL),
    },
    ("stages", "*"): {
        "tracing": ("WS703", _XRAY),
        "tracing_enabled": ("WS703", _XRAY),
        "xray": ("WS703", _XRAY),
        "waf": ("WS702", _WAF),
        "web_acl": ("WS702", _WAF),
        "web_acl_arn": ("WS702", _WAF),
        "cors": ("WS704", _CORS),
    },
    ("routes", "*"): {"authorization_scopes": ("WS701", _AUTH_WHY), "cors": ("WS704", _CORS)},
    ("domain",): {
        "mutual_tls": ("WS708", _MTLS),
        "mtls": ("WS708", _MTLS),
        "truststore_uri": ("WS708", _MTLS),
        "truststore": ("WS708", _MTLS),
        "endpoint_type": ("WS707", _ENDPOINT),
    },
    ("vpc_links", "*"): {
        "subnet_ids": ("WS706", _V2LINK),
        "security_group_ids": ("WS706", _V2LINK),
        "subnets": ("WS706", _V2LINK),
        "security_groups": ("WS706", _V2LINK),
        "type": ("WS706", _V2LINK),
        "version": ("WS706", _V2LINK),
    },
    ("authorizers", "*"): {
        "jwt": ("WS701", _AUTH_WHY),
        "jwt_configuration": ("WS701", _AUTH_WHY),
        "issuer": ("WS701", _AUTH_WHY),
        "audience": ("WS701", _AUTH_WHY),
        "user_pool": ("WS701", _AUTH_WHY),
        "user_pool_arn": ("WS701", _AUTH_WHY),
        "provider_arns": ("WS701", _AUTH_WHY),
        "cognito": ("WS701", _AUTH_WHY),
        "result_ttl": ("WS709", _CACHE),
        "ttl": ("WS709", _CACHE),
        "cache_ttl": ("WS709", _CACHE),
        "caching": ("WS709", _CACHE),
        "simple_responses": ("WS709", _CACHE),
        "enable_simple_responses": ("WS709", _CACHE),
        "payload_format_version": ("WS709", _CACHE),
    },
}
_INTEGRATION_KEYS = {
    "payload_format_version": ("WS705", _PAYLOAD),
    "integration_subtype": ("WS705", _PAYLOAD),
    "subtype": ("WS705", _PAYLOAD),
    "response_parameters": ("WS705", _PAYLOAD),
    "tls_config": ("WS705", _PAYLOAD),
}


@check
def unsupported_features(ctx: Ctx) -> None:
    data = ctx.data
    places: list[tuple[Path, tuple[str, ...], dict[str, Any]]] = [((), (), data)]
    for sec in ("api", "domain"):
        if isinstance(data.get(sec), dict):
            places.append(((sec,), (sec,), data[sec]))
    for sec in ("stages", "routes", "vpc_links", "authorizers"):
        for name, d in ctx.section(sec).items():
            if isinstance(d, dict):
                places.append(((sec, name), (sec, "*"), d))
    for path, pattern, d in places:
        table = _UNSUPPORTED_KEYS.get(pattern, {})
        for key in d:
            if key in table and not (pattern == ("authorizers", "*") and key == "type"):
                code, (msg, hint) = table[key]
                if (
                    pattern == ("vpc_links", "*")
                    and key in ("type", "version")
                    and str(d[key]).lower() in ("v1", "1", "rest", "nlb")
                ):
                    continue
                if (
                    pattern == ("api",)
                    and key in ("protocol", "protocol_type")
                    and str(d[key]).lower() == "websocket"
                ):
                    continue
                ctx.claim(path + (key,))
                ctx.add(code, path + (key,), f"{key!r}: {msg}", hint, key=True)
    for path, d in ctx.integrations():
        for key in d:
            if key in _INTEGRATION_KEYS:
                code, (msg, hint) = _INTEGRATION_KEYS[key]
                ctx.claim(path + (key,))
                ctx.add(code, path + (key,), f"{key!r}: {msg}", hint, key=True)
    for name, a in ctx.section("authorizers").items():
        kind = _map(a).get("type")
        if isinstance(kind, str) and kind.lower() in (
            "jwt",
            "cognito",
            "cognito_user_pools",
            "token",
        ):
            ctx.claim(("authorizers", name))
            msg, hint = _AUTH_WHY
            ctx.add(
                "WS701",
                ("authorizers", name, "type"),
                f"{kind!r} authorizers are not available: {msg}",
                hint,
            )
    for key, r in ctx.routes().items():
        auth = _map(r).get("authorization")
        if isinstance(auth, str) and auth.lower() in (
            "jwt",
            "cognito",
            "cognito_user_pools",
            "custom",
        ):
            ctx.claim(("routes", key, "authorization"))
            if auth.lower() == "custom":
                ctx.add(
                    "WS004",
                    ("routes", key, "authorization"),
                    "'custom' is implied by 'authorizer: <name>'; authorization is 'none' or 'iam'",
                )
                continue
            msg, hint = _AUTH_WHY
            ctx.add(
                "WS701",
                ("routes", key, "authorization"),
                f"{auth!r} authorization is not available: {msg}",
                hint,
            )
    dom = ctx.section("domain")
    pol = dom.get("security_policy")
    if isinstance(pol, str) and pol.upper() in ("TLS_1_0",):
        ctx.claim(("domain", "security_policy"))
        ctx.add(
            "WS004",
            ("domain", "security_policy"),
            "WebSocket custom domains require TLS 1.2: use 'TLS_1_2'",
        )


# ----------------------------------------------------------------------------- monitoring
_EMAIL = re.compile(r"[^@\s,;<>]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,63}")
_HTTPS_URL = re.compile(r"https://[A-Za-z0-9\-.]+(:\d{1,5})?(/[^\s]*)?")
_PERCENT = re.compile(r"(\d+(\.\d+)?)%")
_SCOPE_KEYS = ("function", "table", "route")
_SCOPE_WHAT = {
    "api": "an API",
    "route": "a per-route API",
    "function": "a function",
    "table": "a table",
}


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class _Alarms:
    """Monitoring findings, each reported once however many stages share the definition."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.seen: set[tuple[str, Path, str]] = set()

    def add(
        self,
        code: str,
        path: Path,
        message: str,
        hint: str | None = None,
        *,
        key: bool = False,
        claim: bool = False,
    ) -> None:
        if (code, path, message) in self.seen:
            return
        self.seen.add((code, path, message))
        if claim:
            self.ctx.claim(path)
        self.ctx.add(code, path, message, hint, key=key)

    def fields(self, path: Path, d: dict[str, Any]) -> None:
        """Checks of the values one alarm mapping (definition or override) sets."""
        from wsspec.monitoring import STATISTICS, is_period, is_statistic

        stat = d.get("statistic")
        if isinstance(stat, str) and not is_statistic(stat):
            self.add(
                "WS621",
                path + ("statistic",),
                f"{stat!r} is not a CloudWatch statistic",
                f"use one of {', '.join(STATISTICS)} or a percentile such as p90 or p99.9",
            )
        thr = d.get("threshold")
        if isinstance(thr, str) and not _PERCENT.fullmatch(thr.strip()):
            self.add(
                "WS622",
                path + ("threshold",),
                f"threshold {thr!r} is not a number",
                "give a number, or for a function's Duration a share of its timeout such as '80%'",
            )
        elif isinstance(thr, float) and not math.isfinite(thr):
            self.add("WS622", path + ("threshold",), f"threshold {thr!r} is not a finite number")
        period = d.get("period")
        if _number(period) and isinstance(period, int) and not is_period(period):
            self.add(
                "WS623",
                path + ("period",),
                f"period {period} s is not 10, 30 or a multiple of 60",
                "CloudWatch alarms evaluate 10 s or 30 s (high-resolution metrics) or whole minutes",
                claim=True,
            )
        ev = d.get("evaluation_periods")
        if _number(ev) and isinstance(ev, int) and ev < 1:
            self.add(
                "WS624",
                path + ("evaluation_periods",),
                f"evaluation_periods must be at least 1, not {ev}",
                claim=True,
            )
        dp = d.get("datapoints_to_alarm")
        if _number(dp) and isinstance(dp, int) and dp < 1:
            self.add(
                "WS625",
                path + ("datapoints_to_alarm",),
                f"datapoints_to_alarm must be at least 1, not {dp}",
                claim=True,
            )

    def definition(
        self, name: str, d: dict[str, Any], origin: dict[str, Path], where: Path, stage: str | None
    ) -> None:
        """Checks of one merged alarm (preset + overrides) as it will be created."""
        from wsspec.monitoring import MAX_EVALUATION_SECONDS, SCOPE_METRICS, scope_of

        ctx = self.ctx

        def at(*keys: str) -> Path:
            return next((origin[k] for k in keys if k in origin), where)

        scopes = [k for k in _SCOPE_KEYS if d.get(k)]
        if len(scopes) > 1:
            self.add(
                "WS631",
                at(scopes[-1]),
                f"alarm {name!r} sets {' and '.join(scopes)}: an alarm "
                "watches the API (optionally one route), a function or the table",
                key=True,
            )
            return
        metric = d.get("metric")
        scope = scope_of(d)
        if metric is None:
            self.add(
                "WS631",
                where,
                f"alarm {name!r} has no 'metric'",
                f"e.g. metric: {SCOPE_METRICS[scope][0]}",
                key=True,
            )
        elif isinstance(metric, str) and metric not in SCOPE_METRICS[scope]:
            self.add(
                "WS620",
                at("metric"),
                f"{metric!r} is not {_SCOPE_WHAT[scope]} metric wsspec can alarm on",
                (_did_you_mean(metric, SCOPE_METRICS[scope]) or "use one of")
                + " "
                + ", ".join(SCOPE_METRICS[scope]),
            )
        thr = d.get("threshold")
        if isinstance(thr, str):
            m = _PERCENT.fullmatch(thr.strip())
            if m and not (scope == "function" and metric == "Duration"):
                self.add(
                    "WS622",
                    at("threshold"),
                    f"a percentage threshold ({thr}) only applies to a "
                    "function's Duration (share of its timeout)",
                    "give a number",
                )
            elif m and not 0 < float(m.group(1)) <= 100:
                self.add(
                    "WS622", at("threshold"), f"{thr} of the timeout is not between 0 and 100%"
                )
        period, ev, dp = (
            d.get("period", 300),
            d.get("evaluation_periods", 1),
            d.get("datapoints_to_alarm"),
        )
        if (
            isinstance(period, int)
            and isinstance(ev, int)
            and not isinstance(ev, bool)
            and ev >= 1
            and period * ev > MAX_EVALUATION_SECONDS
        ):
            self.add(
                "WS624",
                at("evaluation_periods", "period"),
                f"alarm {name!r} evaluates {ev} periods of {period} s = {period * ev} s; "
                f"CloudWatch allows at most {MAX_EVALUATION_SECONDS} s (one day)",
            )
        if isinstance(dp, int) and isinstance(ev, int) and dp > ev:
            self.add(
                "WS625",
                at("datapoints_to_alarm", "evaluation_periods"),
                f"datapoints_to_alarm ({dp}) cannot exceed evaluation_periods ({ev})",
                "M of N: M datapoints out of the last N periods must breach",
            )
        functions = ctx.section("functions")
        fn = d.get("function")
        if isinstance(fn, str) and fn != "*" and fn not in functions:
            self.add(
                "WS626",
                at("function"),
                f"function {fn!r} is not defined under 'functions'",
                _did_you_mean(fn, functions) or "use '*' for every function",
            )
        # an untouched preset table alarm is simply not created when there is no table
        if scope == "table" and not ctx.data.get("connections") and origin:
            self.add(
                "WS627",
                at("table"),
                f"alarm {name!r} watches the connection table, but there "
                "is no 'connections' section",
                "add 'connections: true' or remove the alarm",
            )
        route = d.get("route")
        if isinstance(route, str) and scope == "route":
            routes = ctx.routes()
            if route not in routes:
                self.add(
                    "WS626",
                    at("route"),
                    f"route {route!r} is not defined under 'routes'",
                    _did_you_mean(route, routes),
                )
            elif stage is not None and not _detailed_metrics(ctx, stage, route):
                self.add(
                    "WS628",
                    at("route"),
                    f"alarm {name!r} watches route {route!r}, but stage {stage!r} does not "
                    "publish per-route metrics (detailed metrics are off), so the alarm never "
                    "sees data",
                    f"set detailed_metrics: true on stage {stage!r} or on its route {route!r} "
                    "(per-route metrics cost extra)",
                )


def _detailed_metrics(ctx: Ctx, stage: str, route: str) -> bool:
    s = _map(ctx.section("stages").get(stage))
    value = _map(_map(s.get("routes")).get(route)).get("detailed_metrics")
    return (value if value is not None else s.get("detailed_metrics")) is True


@check
def monitoring(ctx: Ctx) -> None:
    from wsspec.monitoring import RETENTION_DAYS, recommended_alarms, scope_of

    raw = ctx.data.get("monitoring")
    if not isinstance(raw, dict):
        return
    rep = _Alarms(ctx)
    base: Path = ("monitoring",)
    defs: dict[str, tuple[dict[str, Any], dict[str, Path], Path]] = {}
    if raw.get("preset") == "recommended":
        for name, d in recommended_alarms().items():
            defs[name] = (d, {}, base + ("preset",))
    for name, d in _map(raw.get("alarms")).items():
        path = base + ("alarms", name)
        if d is False:
            defs.pop(name, None)
            continue
        if not isinstance(d, dict):
            continue
        rep.fields(path, d)
        old, origin, _ = defs.get(name, ({}, {}, path))
        defs[name] = ({**old, **d}, {**origin, **{k: path + (k,) for k in d}}, path)

    stage_names = list(ctx.section("stages")) or ["prod"]
    overrides: dict[str, dict[str, Any]] = {}
    for stage, so in _map(raw.get("stages")).items():
        sp = base + ("stages", stage)
        if stage not in stage_names:
            rep.add(
                "WS626",
                sp,
                f"stage {stage!r} is not defined under 'stages'",
                _did_you_mean(stage, stage_names),
                key=True,
            )
            continue
        overrides[stage] = {}
        for name, o in _map(_map(so).get("alarms")).items():
            op = sp + ("alarms", name)
            if name not in defs:
                rep.add(
                    "WS626",
                    op,
                    f"alarm {name!r} is neither in the preset nor under monitoring.alarms",
                    "define it under monitoring.alarms (with 'enabled: false' "
                    "to create it only in the stages that turn it on)",
                    key=True,
                )
                continue
            if scope_of(defs[name][0]) in ("function", "table"):
                rep.add(
                    "WS626",
                    op,
                    f"alarm {name!r} watches a {scope_of(defs[name][0])}, which "
                    "stages do not have: stage overrides apply to API alarms",
                    key=True,
                )
                continue
            if isinstance(o, dict):
                rep.fields(op, o)
                for k in ("function", "table"):
                    if k in o:
                        rep.add(
                            "WS631",
                            op + (k,),
                            f"a stage override cannot move alarm {name!r} to a {k}",
                            key=True,
                        )
            overrides[stage][name] = o

    for name, (d, origin, where) in defs.items():
        if scope_of(d) in ("function", "table"):
            if d.get("enabled", True) is not False:
                rep.definition(name, d, origin, where, None)
            continue
        for stage in stage_names:
            o = overrides.get(stage, {}).get(name, {})
            if o is False:
                continue
            o = _map(o)
            op = base + ("stages", stage, "alarms", name)
            merged = {**d, **{k: v for k, v in o.items() if k not in ("function", "table")}}
            if merged.get("enabled", True) is False:
                continue
            rep.definition(name, merged, {**origin, **{k: op + (k,) for k in o}}, where, stage)

    days = raw.get("log_retention_days")
    if _number(days) and days not in RETENTION_DAYS:
        near = min(RETENTION_DAYS, key=lambda x: abs(x - days))
        rep.add(
            "WS629",
            base + ("log_retention_days",),
            f"CloudWatch Logs cannot keep logs for {days} days",
            f"use one of {', '.join(map(str, RETENTION_DAYS))} (nearest: {near})",
            claim=True,
        )
    notify = _map(raw.get("notify"))
    topic = _map(notify.get("topic"))
    for i, email in enumerate(_list(topic.get("email"))):
        if isinstance(email, str) and not _EMAIL.fullmatch(email):
            rep.add(
                "WS630",
                base + ("notify", "topic", "email", i),
                f"{email!r} is not an e-mail address",
                "write it as name@example.com",
            )
    for i, url in enumerate(_list(topic.get("https"))):
        if isinstance(url, str) and not _HTTPS_URL.fullmatch(url):
            hint = (
                "SNS 'https' subscriptions need an https:// URL"
                if url.startswith("http://")
                else "give the full URL, e.g. https://hooks.example.com/alarms"
            )
            rep.add(
                "WS630",
                base + ("notify", "topic", "https", i),
                f"{url!r} is not an https:// URL",
                hint,
            )
    for i, arn in enumerate(_list(notify.get("topic_arns"))):
        if isinstance(arn, str):
            _check_arn(ctx, base + ("notify", "topic_arns", i), arn, "sns")


def all_codes() -> dict[str, tuple[str, str]]:
    """Every finding code wsspec can report (checks, schema, loader), for docs and tests."""
    out = dict(CODES)
    out.update(LOADER_CODES)
    return dict(sorted(out.items()))


LOADER_CODES: dict[str, tuple[str, str]] = {
    "WS900": ("error", "the file cannot be read"),
    "WS901": ("error", "YAML syntax error, tab indentation or non-UTF-8 text"),
    "WS902": ("error", "duplicate key"),
    "WS903": ("error", "mapping key that is not a string"),
    "WS904": ("error", "alias bomb or too deeply nested document"),
    "WS905": ("error", "unsupported YAML tag (e.g. !Ref)"),
    "WS906": ("error", "'<<' merge key without a mapping"),
    "WS907": ("error", "empty file"),
    "WS908": ("error", "file too large"),
    "WS909": ("error", "the document is not a mapping"),
}


# the explanatory unsupported-feature findings claim their paths before other checks run
_CHECKS.remove(unsupported_features)
_CHECKS.insert(0, unsupported_features)
