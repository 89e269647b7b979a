"""The import graph -> spec data in the project's style, plus the notes for comments.

One translation for every input that describes API Gateway resources (CloudFormation/SAM,
Terraform, a live API): choose the WebSocket API, then its routes and the integrations they
target, authorizers, models, stages, the custom domain, functions, the connection table and
monitoring. Defaults are left out and shorthands used where nothing is lost; what the spec
cannot express becomes a note at the place it belongs (``Notes.skip``).
"""

from __future__ import annotations

import json
from typing import Any

from wsspec.importers import functions as fn_part
from wsspec.importers import integrations as integ_part
from wsspec.importers import sections
from wsspec.importers import tables as tables_part
from wsspec.importers.context import (
    Ctx,
    ImportOptions,
    clean_tags,
    local_id,
    snake_id,
    strip_affix,
    unique,
)
from wsspec.importers.errors import fail
from wsspec.importers.graph import Graph, Notes, Res
from wsspec.importers.values import Ref, Tmpl, show

DEFAULT_ROUTE_SELECTION = "$request.body.action"
DEFAULT_API_KEY_SELECTION = "$request.header.x-api-key"
API_KEYS = {
    "Name",
    "ProtocolType",
    "RouteSelectionExpression",
    "ApiKeySelectionExpression",
    "Description",
    "DisableExecuteApiEndpoint",
    "DisableSchemaValidation",
    "Tags",
    "__id__",
    "__condition__",
}


def choose_api(graph: Graph, wanted: str | None) -> Res:
    apis = graph.of("api")
    if not apis:
        others = [
            r.id for r in graph.resources.values() if "Api" in r.type or "apigateway" in r.type
        ]
        extra = f" (found {', '.join(others[:3])}, not WebSocket APIs)" if others else ""
        fail("WS972", f"no WebSocket API in {graph.source}{extra}", file=graph.source)
    if wanted is not None:
        for api in apis:
            if wanted in (api.id, local_id(api), api.get("Name"), api.get("__id__")):
                return api
        fail(
            "WS973",
            f"no WebSocket API named {wanted!r}; the input has {_api_list(apis)}",
            file=graph.source,
            hint="pass --api with one of these",
        )
    if len(apis) > 1:
        fail(
            "WS973",
            f"{len(apis)} WebSocket APIs in the input: {_api_list(apis)}",
            file=graph.source,
            hint="choose one with --api NAME",
        )
    return apis[0]


def _api_list(apis: list[Res]) -> str:
    return ", ".join(
        f"{local_id(a)} ({a.get('Name')})" if isinstance(a.get("Name"), str) else local_id(a)
        for a in apis
    )


def assemble(graph: Graph, opts: ImportOptions) -> tuple[dict[str, Any], Notes]:
    api = choose_api(graph, opts.api)
    probe = Ctx(graph, opts, api, "")
    name = probe.text(api, "Name")
    ctx = Ctx(graph, opts, api, name)
    ctx.used.add(api.id)
    for path, text in graph.skipped:
        ctx.notes.skip(path, text)
    fn_part.find_table(ctx)
    tables_part.name_tables(ctx)
    fn_part.name_functions(ctx)
    data: dict[str, Any] = {"wsspec": 1, "api": _api(ctx)}
    auths = _authorizers(ctx)
    routes, named = _routes(ctx)
    data["routes"] = routes
    if named:
        data["integrations"] = named
    if auths:
        data["authorizers"] = auths
    links = sections.vpc_links(ctx)
    if links:
        data["vpc_links"] = links
    models = _models(ctx)
    if models:
        data["models"] = models
    functions = fn_part.functions(ctx)
    if functions:
        data["functions"] = functions
    conn = fn_part.connections(ctx)
    if conn is not None:
        data["connections"] = conn
    app_tables = tables_part.tables(ctx)
    if app_tables:
        data["tables"] = app_tables
    stages = sections.stages(ctx)
    domain = sections.domain(ctx, list(stages))
    if domain:
        data["domain"] = domain
    if stages:
        data["stages"] = stages
    account = sections.account(ctx)
    if account:
        data["account"] = account
    monitoring = sections.monitoring(ctx, data)
    if monitoring is not None:
        data["monitoring"] = monitoring
    sections.leftovers(ctx)
    return data, ctx.notes


def _api(ctx: Ctx) -> dict[str, Any]:
    api = ctx.api
    out: dict[str, Any] = {"name": ctx.api_name}
    if api.get("Description"):
        out["description"] = ctx.text(api, "Description")
    rse = ctx.text(api, "RouteSelectionExpression") if api.get("RouteSelectionExpression") else None
    if rse is not None and rse != DEFAULT_ROUTE_SELECTION:
        out["route_selection"] = rse
    akse = api.get("ApiKeySelectionExpression")
    if akse is not None and ctx.text(api, "ApiKeySelectionExpression") != DEFAULT_API_KEY_SELECTION:
        out["api_key_selection"] = akse
    for key, spec_key in (
        ("DisableExecuteApiEndpoint", "disable_execute_api_endpoint"),
        ("DisableSchemaValidation", "disable_schema_validation"),
    ):
        if _true(api.get(key)):
            out[spec_key] = True
    tags = clean_tags(ctx.need(api, "Tags"))
    if tags:
        out["tags"] = tags
    for key, value in api.props.items():
        if key not in API_KEYS:
            ctx.notes.skip(("api",), f"{key} {show(value)[:80]}")
    return out


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _authorizers(ctx: Ctx) -> dict[str, Any]:
    out: dict[str, Any] = {}
    taken: set[str] = set()
    for res in ctx.of("authorizer"):
        got = integ_part.authorizer(ctx, res)
        ctx.used.add(res.id)
        if got is None:
            continue
        name = unique(got[0], taken)
        ctx.authorizers[res.id] = name
        out[name] = got[1]
    return out


def _target(ctx: Ctx, route: Res) -> Res | None:
    target = ctx.need(route, "Target")
    if isinstance(target, Tmpl) and len(target.parts) == 2 and target.parts[0] == "integrations/":
        ref = target.parts[1]
        return ctx.graph.target(ref, "integration") if isinstance(ref, Ref) else None
    if isinstance(target, str) and target.startswith("integrations/"):
        return ctx.graph.get("integration:" + target.split("/", 1)[1])
    return None


def _routes(ctx: Ctx) -> tuple[dict[str, Any], dict[str, Any]]:
    """Routes (with their integrations inline or as shorthands) and the named integrations."""
    routes: list[tuple[Res, str, Res | None]] = []
    uses: dict[str, list[str]] = {}
    for res in ctx.of("route"):
        key = ctx.text(res, "RouteKey")
        ctx.routes[res.id] = key
        ctx.used.add(res.id)
        integ = _target(ctx, res)
        routes.append((res, key, integ))
        if integ is not None:
            uses.setdefault(integ.id, []).append(key)
    wsspec_built = ctx.graph.by_wsspec
    placed: dict[str, tuple[str, Any]] = {}  # integration id -> ("function"|"route"|"named", x)
    named: dict[str, Any] = {}
    taken: set[str] = set()
    for integ in ctx.graph.of("integration"):
        if integ.id not in uses and not (wsspec_built and ctx.mine(integ)):
            if ctx.mine(integ):
                ctx.used.add(integ.id)
                ctx.notes.skip(("integrations",), f"integration {integ.id} (no route uses it)")
            continue
        ctx.used.add(integ.id)
        keys = uses.get(integ.id) or []
        if not keys:  # wsspec's own output keeps named integrations no route uses
            data = integ_part.integration(ctx, integ, ("integrations",))
            hint = integ_part.integration_hint(ctx, integ, keys, data.get("function"))
            named[unique(hint[1] if isinstance(hint, tuple) else local_id(integ), taken)] = data
            continue
        data = integ_part.integration(ctx, integ, ("routes", keys[0]))
        fn = data.get("function") if set(data) == {"type", "function"} else None
        hint = integ_part.integration_hint(ctx, integ, keys, data.get("function"))
        if wsspec_built and hint in ("function", "route"):
            placed[integ.id] = (hint, data.get("function") if hint == "function" else data)
        elif not wsspec_built and fn is not None:
            placed[integ.id] = ("function", fn)
        elif len(keys) == 1 and not (wsspec_built and isinstance(hint, tuple)):
            placed[integ.id] = ("route", data)
        else:
            base = (
                hint[1]
                if wsspec_built and isinstance(hint, tuple)
                else snake_id(strip_affix(local_id(integ), ("Integration", "Integ")))
            )
            name = unique(base, taken)
            named[name] = data
            placed[integ.id] = ("named", name)
    out: dict[str, Any] = {}
    for res, key, integ in routes:
        out[key] = _route(ctx, res, key, placed.get(integ.id) if integ is not None else None)
    return out, named


def _route(ctx: Ctx, res: Res, key: str, placed: tuple[str, Any] | None) -> dict[str, Any]:
    path = ("routes", key)
    out: dict[str, Any] = {}
    if placed is None:
        ctx.notes.skip(path, f"Target {show(res.get('Target'))} (no integration in the input)")
        out["integration"] = {"type": "mock"}
    elif placed[0] == "function":
        out["function"] = placed[1]
    elif placed[0] == "named":
        out["integration"] = placed[1]
    else:
        out["integration"] = placed[1]
    auth = str(res.get("AuthorizationType") or "NONE").upper()
    authorizer = ctx.graph.target(res.get("AuthorizerId"), "authorizer")
    if auth == "CUSTOM" and authorizer is not None and authorizer.id in ctx.authorizers:
        out["authorizer"] = ctx.authorizers[authorizer.id]
    elif auth == "AWS_IAM":
        out["authorization"] = "iam"
    elif auth == "NONE" and key == "$connect":
        out["authorization"] = "none"
    elif auth not in ("NONE", "CUSTOM"):
        ctx.notes.skip(path, f"AuthorizationType {auth} (not available for WebSocket APIs)")
    if _true(res.get("ApiKeyRequired")):
        out["api_key_required"] = True
    params = ctx.need(res, "RequestParameters")
    if params:
        out["request_parameters"] = {
            str(k): _true((v or {}).get("Required")) if isinstance(v, dict) else _true(v)
            for k, v in params.items()
        }
    models = ctx.need(res, "RequestModels")
    if models:
        out["request_models"] = {
            str(k): ctx.text(res, "RequestModels", v) for k, v in models.items()
        }
    if res.get("ModelSelectionExpression") is not None:
        out["model_selection"] = ctx.text(res, "ModelSelectionExpression")
    _two_way(ctx, res, out, path)
    if res.get("OperationName"):
        out["operation_name"] = ctx.text(res, "OperationName")
    return out


def _two_way(ctx: Ctx, res: Res, out: dict[str, Any], path: tuple[str, ...]) -> None:
    rrse = res.get("RouteResponseSelectionExpression")
    responses = [
        r
        for r in ctx.graph.of("route_response")
        if isinstance(r.get("RouteId"), Ref) and r.get("RouteId").target == res.id
    ]
    for r in responses:
        ctx.used.add(r.id)
    if rrse is None:
        return
    if rrse != "$default":
        ctx.notes.skip(path, f"RouteResponseSelectionExpression {show(rrse)} (only $default)")
    models: dict[str, Any] = {}
    for r in responses:
        if r.get("RouteResponseKey") != "$default":
            ctx.notes.skip(
                path, f"route response {show(r.get('RouteResponseKey'))} (only $default)"
            )
            continue
        models.update(
            {
                str(k): ctx.text(r, "ResponseModels", v)
                for k, v in (ctx.need(r, "ResponseModels") or {}).items()
            }
        )
    out["response"] = {"models": models} if models else True


def _models(ctx: Ctx) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for res in ctx.of("model"):
        ctx.used.add(res.id)
        name = ctx.text(res, "Name")
        schema = ctx.need(res, "Schema")
        if isinstance(schema, str):
            try:
                schema = json.loads(schema)
            except ValueError:
                ctx.notes.skip(("models",), f"model {name} (its schema is not JSON)")
                continue
        body: dict[str, Any] = {}
        if res.get("Description"):
            body["description"] = ctx.text(res, "Description")
        content_type = res.get("ContentType")
        if content_type and content_type != "application/json":
            body["content_type"] = ctx.text(res, "ContentType")
        body["schema"] = schema
        out[name] = body
    return out


def empty_options() -> ImportOptions:
    return ImportOptions()
