"""Handler stub facts: what one function's stub contains, decided here, laid out by templates.

From how the spec uses the function: the routes it serves (``$connect``/``$disconnect``/
messages, one- or two-way, proxy or custom integration, request/response models) or the
authorizer it backs, and its grants (connection table, ``@connections``). The templates in
``templates/stubs/`` only lay these facts out; every spec-derived string that reaches code
goes through ``wsspec.escape`` (here, or as a template filter).
"""

from __future__ import annotations

import keyword
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from wsspec import derive, escape, names
from wsspec.errors import WsspecError
from wsspec.escape import JS_IDENT, JS_RESERVED
from wsspec.model import CONNECTION_KEY, Function, Model, Route, Spec
from wsspec.targets.stubs.node import module_system
from wsspec.targets.stubs.typedefs import Lang, TypeBuilder
from wsspec.templating import render as render_template

RouteKind = Literal["connect", "disconnect", "message"]


@dataclass(frozen=True)
class RouteStub:
    key: str  # raw route key (templates escape it)
    kind: RouteKind
    func: str  # the function that handles it (Python/JS identifier)
    two_way: bool
    proxy: bool
    request_type: str | None  # generated type of the body (or the whole event when not proxy)
    response_type: str | None
    reply: str | None  # expression that builds the response model value
    error_keys: tuple[str, ...]  # non-proxy: integration response keys matched on the error


def _route_kind(key: str) -> RouteKind:
    if key == "$connect":
        return "connect"
    if key == "$disconnect":
        return "disconnect"
    return "message"


def _identifier(lang: Lang, route_key: str, taken: set[str]) -> str:
    base = names.snake(route_key)
    name = f"on_{base}" if lang == "python" else "on" + names.pascal(route_key)
    candidate, i = name, 2
    while candidate in taken:
        candidate, i = f"{name}_{i}" if lang == "python" else f"{name}{i}", i + 1
    taken.add(candidate)
    return candidate


def _check_entry(spec: Spec, fn: Function) -> None:
    if not escape.is_function_name(fn.entry, fn.language):
        raise WsspecError(
            f"function {fn.name}: entry {fn.entry!r} is not a valid {fn.language} function name",
            code="WS951",
            file=spec.source_file or None,
            hint="use letters, digits and underscores",
        )


def _python_version(runtime: str) -> tuple[int, int]:
    m = re.match(r"python(\d+)\.(\d+)", runtime)
    return (int(m.group(1)), int(m.group(2))) if m else (3, 12)


def _connect_route(spec: Spec) -> Route | None:
    return next((r for r in spec.routes if r.key == "$connect"), None)


def _identity_sources(lang: Lang, sources: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each configured identity source with a variable name and where the event carries it.

    ``path`` is where a ``context.<name>`` source sits in ``requestContext``: one level per
    dot, so ``context.identity.sourceIp`` is ``requestContext.identity.sourceIp``.
    """
    out = []
    taken: set[str] = set()
    for src in sources:
        parts = src.split(".")
        if src.startswith("route.request.header."):
            where, name = "header", src[len("route.request.header.") :]
        elif src.startswith("route.request.querystring."):
            where, name = "query", src[len("route.request.querystring.") :]
        elif src.startswith("stageVariables."):
            where, name = "stage", src[len("stageVariables.") :]
        else:
            where, name = "context", ".".join(parts[1:])
        base = names.snake(name)
        var = base if lang == "python" else _camel(base)
        if lang == "python" and keyword.iskeyword(var):
            var += "_"
        if lang == "nodejs" and var in JS_RESERVED:
            var += "Value"
        candidate, i = var, 2
        while candidate in taken or candidate in ("event", "context", "principal", "policy"):
            candidate, i = f"{var}{i}", i + 1
        taken.add(candidate)
        out.append(
            {
                "source": src,
                "where": where,
                "name": name,
                "var": candidate,
                "path": name.split(".") if where == "context" else [name],
            }
        )
    return out


def _camel(snake: str) -> str:
    head, *rest = snake.lstrip("_").split("_") or [""]
    return (head or "x") + "".join(w[:1].upper() + w[1:] for w in rest)


# Names the stub code defines beside the route handlers (never taken by a handler name).
_HELPER_NAMES = (
    "send",
    "broadcast",
    "callback_endpoint",
    "management_api",
    "connection_ids",
    "verify",
    "handler",
    "sendToConnection",
    "managementApi",
    "callbackEndpoint",
    "connectionIds",
)


def _model(spec: Spec, name: str) -> Model | None:
    return next((x for x in spec.models if x.name == name), None)


def _field_access(lang: Lang, source: str, key: str) -> str:
    """``source[key]`` (Python) or ``source.key`` / ``source[key]`` (JS): a request field."""
    if lang == "python":
        return f"{source}[{escape.py_string(key)}]"
    return f"{source}.{key}" if JS_IDENT.match(key) else f"{source}[{escape.js_string(key)}]"


def _reply(
    lang: Lang, types: TypeBuilder, model: Model, request: Mapping[str, Any] | None, proxy: bool
) -> str:
    """The response model value a stub returns: fields the request has (same schema) copied."""
    copies = {}
    req_props = (request or {}).get("properties") or {}
    req_required = set((request or {}).get("required") or ())
    source = "message" if proxy else "event"
    for k, sub in (model.schema.get("properties") or {}).items():
        if k in req_required and req_props.get(k) == sub:
            copies[k] = _field_access(lang, source, k)
    return types.record(model.schema, copies)


def _route_stub(spec: Spec, lang: Lang, key: str, types: TypeBuilder, taken: set[str]) -> RouteStub:
    route = spec.route(key)
    integ = spec.route_integration(route)
    kind = _route_kind(key)
    request_type = response_type = reply = None
    req_schema: Mapping[str, Any] | None = None
    if kind == "message" and route.request_models:
        model_names = list(dict.fromkeys(route.request_models.values()))
        request_types = []
        for m in model_names:
            model = _model(spec, m)
            if model is not None:
                request_types.append(types.model(model.name, model.schema))
                req_schema = model.schema if len(model_names) == 1 else None
        request_type = types.union(request_types) if request_types else None
    if kind == "message" and route.two_way and route.response_models:
        model = _model(spec, next(iter(route.response_models.values())))
        if model is not None:
            response_type = types.model(model.name, model.schema)
            reply = _reply(lang, types, model, req_schema, integ.proxy)
    return RouteStub(
        key=key,
        kind=kind,
        func=_identifier(lang, key, taken),
        two_way=route.two_way,
        proxy=integ.proxy,
        request_type=request_type,
        response_type=response_type,
        reply=reply,
        error_keys=tuple(r.key for r in integ.responses if r.key != "$default"),
    )


def _handlers(routes: list[RouteStub]) -> list[RouteStub]:
    """The route handlers a stub defines. A custom (non-proxy) event carries no route key, so
    a function behind several custom routes has one entry point for all of them: the routes'
    common request and response types, or the generic ones where they differ."""
    if len(routes) < 2 or any(r.proxy for r in routes):
        return routes
    first = routes[0]
    same_request = all(r.request_type == first.request_type for r in routes)
    same_reply = same_request and all(
        (r.two_way, r.response_type, r.reply) == (first.two_way, first.response_type, first.reply)
        for r in routes
    )
    return [
        replace(
            first,
            two_way=any(r.two_way for r in routes),
            request_type=first.request_type if same_request else None,
            response_type=first.response_type if same_reply else None,
            reply=first.reply if same_reply else None,
            error_keys=tuple(dict.fromkeys(k for r in routes for k in r.error_keys)),
        )
    ]


def _check_routes(spec: Spec, fn: Function, routes: list[RouteStub]) -> None:
    """One event shape per handler: not proxy and custom at once, not routes and authorizer."""
    if len({r.proxy for r in routes}) > 1:
        raise WsspecError(
            f"function {fn.name} serves both proxy and custom (non-proxy) Lambda integrations; "
            "its handler could not tell the two event shapes apart",
            code="WS952",
            file=spec.source_file or None,
            hint="use one function per integration style",
        )
    if routes and fn.authorizers:
        raise WsspecError(
            f"function {fn.name} is both an authorizer and a route handler",
            code="WS953",
            file=spec.source_file or None,
            hint="authorizer events differ from route events; use separate functions",
        )


@dataclass(frozen=True)
class _Imports:
    """What a Python stub imports, decided here so templates never import what they do not use."""

    typing_names: list[str]
    type_checking: bool
    not_required_fallback: bool
    uses_json: bool


def _imports(
    routes: list[RouteStub],
    types: TypeBuilder,
    *,
    authorizer: bool,
    nested_context: bool,
    table: bool,
    manage: bool,
    modern: bool,
) -> _Imports:
    events = event_typedefs(routes, manage)
    proxy = all(r.proxy for r in routes)
    typing_names = {"TypedDict"} if events or types.defs or authorizer else set()
    if events or authorizer or types.uses_literal:
        typing_names.add("Literal")
    needs_not_required = bool(events or authorizer) or any(
        not f.required for t in types.defs for f in t.fields
    )
    if (
        types.uses_any
        or (not routes and not authorizer)
        or (manage and table)
        or nested_context
        or (not proxy and any(r.request_type is None for r in routes))
    ):
        typing_names.add("Any")
    if needs_not_required and modern:
        typing_names.add("NotRequired")
    type_checking = table or manage or (needs_not_required and not modern)
    if type_checking:
        typing_names.add("TYPE_CHECKING")
    return _Imports(
        typing_names=sorted(typing_names, key=lambda n: (n != "TYPE_CHECKING", n)),
        type_checking=type_checking,
        not_required_fallback=needs_not_required and not modern,
        uses_json=not routes or any(_uses_json(r, table, manage) for r in routes),
    )


def event_typedefs(routes: list[RouteStub], manage: bool) -> bool:
    """Whether the stub declares the event types (Identity, RequestContext, Event, Response):
    for proxy routes, and for the @connections helpers, which take a RequestContext (also in a
    function no route uses yet, or one behind non-proxy integrations)."""
    return bool(routes and all(r.proxy for r in routes)) or manage


def function_context(spec: Spec, fn: Function) -> dict[str, Any]:
    """Everything a stub template needs about one function (also used by tests)."""
    lang: Lang = fn.language
    _check_entry(spec, fn)
    env = derive.environment(spec, fn.name)
    types = TypeBuilder(lang)
    taken = {fn.entry, *_HELPER_NAMES}
    routes = [_route_stub(spec, lang, key, types, taken) for key in fn.routes]
    _check_routes(spec, fn, routes)
    connect = _connect_route(spec)
    kinds = {r.kind for r in routes}
    py_version = _python_version(fn.runtime) if lang == "python" else (0, 0)
    authorizer = spec.authorizer(fn.authorizers[0]) if fn.authorizers else None
    identity_sources = _identity_sources(lang, authorizer.identity_sources) if authorizer else []
    nested_context = any(len(s["path"]) > 1 for s in identity_sources)
    proxy = all(r.proxy for r in routes)
    # an authorizer's stub has no table or @connections helpers (WS544: it serves no route)
    table = "CONNECTIONS_TABLE" in env and authorizer is None
    manage = fn.manage_connections and authorizer is None
    handlers = _handlers(routes)
    imports = _imports(
        handlers,
        types,
        authorizer=authorizer is not None,
        nested_context=nested_context,
        table=table,
        manage=manage,
        modern=py_version >= (3, 11),
    )
    return {
        "spec": spec,
        "fn": fn,
        "spec_file": os.path.basename(spec.source_file) if spec.source_file else "",
        "api_name": spec.api.name,
        "esm": module_system(spec, fn).esm,
        "not_required_runtime": py_version >= (3, 11),
        "routes": routes,
        "handlers": handlers,
        "proxy": proxy,
        "dispatch": len(routes) > 1 and proxy,
        "typing_names": imports.typing_names,
        "type_checking": imports.type_checking,
        "uses_json": imports.uses_json,
        "uses_os": table or manage,
        "not_required_fallback": imports.not_required_fallback,
        "kinds": kinds,
        "events": event_typedefs(routes, manage),
        "event_types": sorted(
            {"connect": "CONNECT", "disconnect": "DISCONNECT", "message": "MESSAGE"}[k]
            for k in kinds
        )
        or ["CONNECT", "DISCONNECT", "MESSAGE"],
        "two_way": any(r.two_way for r in routes),
        "table": table,
        "manage": manage,
        "key": spec.connections.partition_key if spec.connections else CONNECTION_KEY,
        "lambda_authorizer": connect is not None and connect.authorization == "CUSTOM",
        "iam_auth": connect is not None and connect.authorization == "AWS_IAM",
        "authorizer": authorizer,
        "identity_sources": identity_sources,
        "nested_context": nested_context,
        "types": types,
    }


def _uses_json(r: RouteStub, table: bool, manage: bool) -> bool:
    """Whether the stub's code for this route calls json (print/loads/dumps) -- mirrors the template."""
    if not r.proxy:
        return not r.two_way
    if r.kind in ("connect", "disconnect"):
        return not table
    if r.request_type or r.response_type:
        return True
    return not r.two_way and not manage


def template_for(fn: Function) -> str:
    ext = "py" if fn.language == "python" else "js"
    kind = "authorizer" if fn.authorizers else "handler"
    if fn.triggers and not fn.routes and not fn.authorizers:
        kind = "stream"  # invoked only by DynamoDB stream triggers
    return f"stubs/{kind}.{ext}.j2"


def render_function(spec: Spec, fn: Function) -> str:
    return render_template(template_for(fn), **function_context(spec, fn))
