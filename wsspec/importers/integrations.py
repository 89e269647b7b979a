"""Integrations and authorizers: API Gateway's shapes -> the spec's integration kinds.

An integration's URI says what it calls: a Lambda invoke URI (a function of the input, or an
existing function's ARN), an AWS service action or path, an HTTP URL. Lambda proxy integrations
with no setting of their own become the route shorthand ``function: X``; the others stay inline
on their one route or become named integrations several routes share.
"""

from __future__ import annotations

import re
from typing import Any

from wsspec import names
from wsspec.importers.context import Ctx, arn_literal, local_id, snake_id, strip_affix
from wsspec.importers.graph import Res
from wsspec.importers.values import Pseudo, Ref, Tmpl, Unresolved, parts_of, show

DEFAULT_TIMEOUT_MS = 29000
_LAMBDA = re.compile(r":lambda:path/[0-9-]+/functions/(?P<fn>.+?)/invocations$")
_SERVICE = re.compile(
    r":apigateway:(?P<region>[^:]*):(?P<service>[^:]+):(?P<kind>action|path)/(?P<rest>.+)$"
)
_FN_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]*:[^:]*:function:(?P<name>[^:/]+)(?::[^:/]+)?$")
_MARK = "\x00"


def flatten(value: Any) -> tuple[str, list[Any]]:
    """A string with each symbolic part replaced by a marker ``\\x00<i>\\x00``, and the parts."""
    text = ""
    symbols: list[Any] = []
    for part in parts_of(value):
        if isinstance(part, str):
            text += part
        else:
            text += f"{_MARK}{len(symbols)}{_MARK}"
            symbols.append(part)
    return text, symbols


def _symbols_in(text: str, symbols: list[Any]) -> list[Any]:
    return [symbols[int(i)] for i in re.findall(_MARK + r"(\d+)" + _MARK, text)]


def function_by_physical(ctx: Ctx, name: str) -> Res | None:
    for fn in ctx.graph.of("function"):
        if fn.get("FunctionName") == name:
            return fn
    return None


def lambda_target(ctx: Ctx, uri: Any) -> tuple[Res | None, str | None, bool]:
    """(function resource, literal function ARN, is a Lambda URI) of an integration URI."""
    if isinstance(uri, Ref):
        res = ctx.graph.target(uri, "function")
        if res is not None and uri.attr.lower().replace("_", "") in ("invokearn", ""):
            return res, None, True
    text, symbols = flatten(uri)
    m = _LAMBDA.search(text)
    if m is None:
        return None, None, False
    inner = m.group("fn")
    for sym in _symbols_in(inner, symbols):
        res = ctx.graph.target(sym, "function") if isinstance(sym, Ref) else None
        if res is not None:
            return res, None, True
    if _MARK in inner:
        return None, None, True  # e.g. a function of another stack: not knowable
    arn = _FN_ARN.match(inner)
    if arn is not None:
        res = function_by_physical(ctx, arn.group("name"))
        if res is not None:
            return res, None, True
    return None, inner, True


def service_target(uri: Any) -> dict[str, str] | None:
    text, _ = flatten(uri)
    m = _SERVICE.search(text)
    if m is None or _MARK in m.group("service") + m.group("rest"):
        return None
    key = "action" if m.group("kind") == "action" else "path"
    return {"service": m.group("service"), key: m.group("rest")}


# ----------------------------------------------------------------------------- settings
def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


_PROXY_IGNORED = {
    "request_templates": "RequestTemplates",
    "template_selection": "TemplateSelectionExpression",
    "passthrough": "PassthroughBehavior",
    "content_handling": "ContentHandlingStrategy",
}


def common(ctx: Ctx, res: Res, out: dict[str, Any], path: tuple[str, ...]) -> None:
    """Settings every integration kind shares (defaults left out)."""
    _settings(ctx, res, out, path)
    if out.get("proxy", out.get("type") == "lambda") and out.get("type") in ("lambda", "http"):
        for key, prop in _PROXY_IGNORED.items():
            if key in out:
                ctx.notes.skip(
                    path,
                    f"{prop} {show(out.pop(key))[:60]} (proxy integrations pass messages through unchanged)",
                )


def _settings(ctx: Ctx, res: Res, out: dict[str, Any], path: tuple[str, ...]) -> None:
    if res.get("Description"):
        out["description"] = ctx.text(res, "Description")
    timeout = ctx.number(res, "TimeoutInMillis")
    if timeout is not None and timeout != DEFAULT_TIMEOUT_MS:
        out["timeout_ms"] = int(timeout)
    for key, spec_key in (
        ("RequestParameters", "request_parameters"),
        ("RequestTemplates", "request_templates"),
    ):
        value = ctx.need(res, key)
        if value:
            out[spec_key] = {str(k): ctx.text(res, f"{key}.{k}", v) for k, v in value.items()}
    if res.get("TemplateSelectionExpression") is not None:
        out["template_selection"] = ctx.text(res, "TemplateSelectionExpression")
    if res.get("PassthroughBehavior") is not None:
        out["passthrough"] = _lower(ctx.text(res, "PassthroughBehavior"))
    if res.get("ContentHandlingStrategy") is not None:
        out["content_handling"] = _lower(ctx.text(res, "ContentHandlingStrategy"))
    for key in ("PayloadFormatVersion", "IntegrationSubtype", "TlsConfig", "ResponseParameters"):
        value = res.get(key)
        if value is not None and not (key == "PayloadFormatVersion" and value == "1.0"):
            ctx.notes.skip(path, f"{key} {show(value)} (HTTP APIs only, or not a spec setting)")


def _responses(ctx: Ctx, integ: Res) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r in ctx.graph.of("integration_response"):
        if not (
            isinstance(r.get("IntegrationId"), Ref) and r.get("IntegrationId").target == integ.id
        ):
            continue
        ctx.used.add(r.id)
        key = ctx.text(r, "IntegrationResponseKey")
        body: dict[str, Any] = {}
        templates = ctx.need(r, "ResponseTemplates")
        if templates:
            body["templates"] = {
                str(k): ctx.text(r, "ResponseTemplates", v) for k, v in templates.items()
            }
        if r.get("TemplateSelectionExpression") is not None:
            body["template_selection"] = ctx.text(r, "TemplateSelectionExpression")
        if r.get("ContentHandlingStrategy") is not None:
            body["content_handling"] = _lower(ctx.text(r, "ContentHandlingStrategy"))
        out[key] = body
    return out


def _credentials(
    ctx: Ctx, res: Res, key: str, out: dict[str, Any], path: tuple[str, ...]
) -> Res | None:
    """A literal role ARN goes in ``credentials``; a role of the input is returned."""
    value = res.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        out["credentials"] = value
        return None
    role = ctx.graph.target(Ref(value.target) if isinstance(value, Ref) else value, "role")
    if role is None:
        ctx.notes.skip(path, f"{key} {show(value)} (a role ARN known only once deployed)")
    return role


def integration(ctx: Ctx, res: Res, path: tuple[str, ...]) -> dict[str, Any]:
    """The spec form of one integration (``type`` first, defaults left out)."""
    itype = ctx.text(res, "IntegrationType").upper()
    uri = ctx.need(res, "IntegrationUri") if res.get("IntegrationUri") is not None else None
    out: dict[str, Any] = {}
    fn, arn, is_lambda = lambda_target(ctx, uri) if uri is not None else (None, None, False)
    if itype in ("AWS_PROXY", "AWS") and is_lambda:
        out["type"] = "lambda"
        if fn is not None:
            out["function"] = ctx.functions.get(fn.id) or fn.id
        elif arn is not None:
            out["arn"] = arn
        else:
            out["arn"] = ctx.text(res, "IntegrationUri", uri, guess_stack=False)
        if itype == "AWS":
            out["proxy"] = False
    elif itype == "AWS":
        out["type"] = "aws"
        target = service_target(uri)
        if target is None:
            ctx.text(res, "IntegrationUri", uri, guess_stack=False)
            target = {"service": "?", "path": show(uri)}
            ctx.notes.skip(path, f"IntegrationUri {show(uri)} (not an AWS service URI)")
        out.update(target)
    elif itype in ("HTTP", "HTTP_PROXY"):
        out["type"] = "http"
        out["url"] = ctx.text(res, "IntegrationUri", uri)
        if itype == "HTTP_PROXY":
            out["proxy"] = True
    else:
        out["type"] = "mock"
    method = res.get("IntegrationMethod")
    if out["type"] in ("http", "aws") and method is not None:
        m = ctx.text(res, "IntegrationMethod").lower()
        if m != "post":
            out["method"] = m
    _connection(ctx, res, out, path)
    role = _credentials(ctx, res, "CredentialsArn", out, path)
    if role is not None:
        _service_role(ctx, role, out, path)
    common(ctx, res, out, path)
    responses = _responses(ctx, res)
    if responses and itype not in ("AWS_PROXY", "HTTP_PROXY"):
        out["responses"] = responses
    elif responses:
        ctx.notes.skip(path, "integration responses (proxy integrations pass the answer through)")
    return out


def _connection(ctx: Ctx, res: Res, out: dict[str, Any], path: tuple[str, ...]) -> None:
    if str(res.get("ConnectionType", "INTERNET")).upper() != "VPC_LINK":
        return
    cid = res.get("ConnectionId")
    link = ctx.graph.target(Ref(cid.target) if isinstance(cid, Ref) else None, "vpc_link")
    if link is not None:
        out["vpc_link"] = vpc_link_name(ctx, link)
        return
    if isinstance(cid, Ref) and ctx.graph.get(cid.target) is not None:
        ctx.notes.skip(path, f"ConnectionId {show(cid)} (a v2 VPC link: HTTP APIs only)")
        return
    out["vpc_link_id"] = ctx.text(res, "ConnectionId")


def vpc_link_name(ctx: Ctx, link: Res) -> str:
    ctx.used.add(link.id)
    physical = link.get("Name")
    prefix = names.vpc_link_name(ctx.names, "x")[:-1]
    if isinstance(physical, str) and physical.startswith(prefix) and len(physical) > len(prefix):
        return physical[len(prefix) :]
    lid = local_id(link)
    return lid if link.type.startswith("aws_") else snake_id(strip_affix(lid, ("VpcLink",)))


def _service_role(ctx: Ctx, role: Res, out: dict[str, Any], path: tuple[str, ...]) -> None:
    """A role the input creates for an AWS service integration -> ``actions``/``resources``."""

    ctx.used.add(role.id)
    actions: list[str] = []
    resources: list[str] = []
    for st in role.get("Statements") or []:
        if st.get("Unsupported") or st.get("Effect", "Allow") != "Allow":
            ctx.notes.skip(path, f"a statement of role {role.id} ({show(st)})")
            continue
        actions += [a for a in st["Action"] if isinstance(a, str) and a not in actions]
        for r in st["Resource"]:
            lit = arn_literal(ctx, r)
            if lit is None:
                ctx.notes.skip(
                    path, f"resource {show(r)} of role {role.id} (known only once deployed)"
                )
            elif lit not in resources:
                resources.append(lit)
    default = [f"{out.get('service')}:{out['action']}"] if out.get("action") else []
    if actions != default:
        out["actions"] = actions
    out["resources"] = resources or ["*"]
    if out["type"] != "aws":
        ctx.notes.skip(
            path,
            f"credentials role {role.id} (wsspec generates roles only for AWS service integrations)",
        )
        out.pop("actions", None)
        out.pop("resources", None)


# ----------------------------------------------------------------------------- authorizers
DEFAULT_IDENTITY = ["route.request.header.Authorization"]


def authorizer(ctx: Ctx, res: Res) -> tuple[str, dict[str, Any]] | None:
    name = ctx.text(res, "Name") if res.get("Name") is not None else snake_id(local_id(res))
    path = ("authorizers", name)
    kind = str(res.get("AuthorizerType", "REQUEST")).upper()
    if kind != "REQUEST":
        ctx.notes.skip(
            ("authorizers",),
            f"authorizer {name} ({kind}: WebSocket APIs support REQUEST authorizers only)",
        )
        return None
    out: dict[str, Any] = {}
    fn, arn, _ = lambda_target(ctx, ctx.need(res, "AuthorizerUri"))
    if fn is not None:
        out["function"] = ctx.functions.get(fn.id) or fn.id
    else:
        out["arn"] = arn or ctx.text(res, "AuthorizerUri")
    sources = ctx.need(res, "IdentitySource")
    if isinstance(sources, str):
        sources = [s.strip() for s in sources.split(",") if s.strip()]
    sources = [ctx.text(res, "IdentitySource", s) for s in sources or []]
    if sources and sources != DEFAULT_IDENTITY:
        out["identity_source"] = sources
    _credentials(ctx, res, "AuthorizerCredentialsArn", out, path)
    ttl = res.get("AuthorizerResultTtlInSeconds")
    if ttl not in (None, 0, "0"):
        ctx.notes.skip(
            path, f"AuthorizerResultTtlInSeconds {show(ttl)} (WebSocket authorizers are not cached)"
        )
    for key in ("JwtConfiguration", "EnableSimpleResponses", "AuthorizerPayloadFormatVersion"):
        if res.get(key) is not None:
            ctx.notes.skip(path, f"{key} (HTTP APIs only)")
    return name, out


def integration_hint(ctx: Ctx, res: Res, routes: list[str], fn: str | None) -> Any:
    """What wsspec's own output says an integration is: "function", "route" or a name."""
    marker = res.get("__wsspec_id__")
    if isinstance(marker, str):
        kind, _, rest = marker.partition(":")
        return kind if kind in ("function", "route") and rest else ("named", marker)
    lid = local_id(res)
    if res.type.startswith("aws_"):
        if fn is not None and lid == names.snake(fn) + "_fn":
            return "function"
        if len(routes) == 1 and lid == names.snake(routes[0]) + "_route":
            return "route"
        return ("named", lid)
    body = lid[len("Integration") :] if lid.startswith("Integration") else lid
    if fn is not None and body == names.pascal(fn) + "Fn":
        return "function"
    if len(routes) == 1 and body == names.pascal(routes[0]) + "Route":
        return "route"
    return ("named", snake_id(body))


def unresolved_note(value: Any) -> str:
    return value.why if isinstance(value, Unresolved) else show(value)


def is_symbolic(value: Any) -> bool:
    return isinstance(value, (Ref, Pseudo, Tmpl))
