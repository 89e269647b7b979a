"""Examples of routes and models (WS170, WS171, WS870): documentation that must be true.

A model's examples must fit its schema. A route's examples are complete messages: the route
selection expression must send each one to that route, and it must fit the request model the
model selection expression picks for it. A string example is sent as it is, so API Gateway
reads it as JSON when it parses as JSON.
"""

from __future__ import annotations

import json
from typing import Any

from wsspec.checks.context import Ctx, as_list, as_map, as_str, check
from wsspec.checks.selections import BODY_PATH, selection_error
from wsspec.messages.examples import example_error
from wsspec.messages.selection import evaluate

_NOT_JSON = object()


def _body(example: Any) -> Any:
    if not isinstance(example, str):
        return example
    try:
        return json.loads(example)
    except ValueError:
        return _NOT_JSON


def _is_json(model: dict[str, Any]) -> bool:
    media = (as_str(model.get("content_type")) or "application/json").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _schemas(ctx: Ctx) -> dict[str, Any]:
    """The models' schemas by name (what API Gateway model URLs in a schema point to)."""
    return {name: as_map(m).get("schema") for name, m in ctx.section("models").items()}


def _model_examples(ctx: Ctx) -> None:
    schemas = _schemas(ctx)
    for name, m in ctx.section("models").items():
        m = as_map(m)
        for i, example in enumerate(as_list(m.get("examples"))):
            why = example_error(m.get("schema"), example, schemas)
            if why:
                ctx.add(
                    "WS170",
                    ("models", name, "examples", i),
                    f"example {i + 1} of model {name!r} does not fit its schema: {why}",
                )


def _target(expr: str, body: Any, routes: dict[str, Any]) -> str | None:
    value = evaluate(expr, body) if body is not _NOT_JSON else None
    if value is not None and value in routes and value not in ("$connect", "$disconnect"):
        return value
    return "$default" if "$default" in routes else None


def _request_model(r: dict[str, Any], body: Any) -> str | None:
    req = as_map(r.get("request_models"))
    sel = r.get("model_selection")
    if not req or not isinstance(sel, str):
        return None
    if (
        sel == "$default"
        or body is _NOT_JSON
        or selection_error(sel, (BODY_PATH,), "", default_literal=True)
    ):
        key = "$default"
    else:
        key = evaluate(sel, body) or "$default"
    model = req.get(key, req.get("$default"))
    return model if isinstance(model, str) else None


@check("WS170", "WS171", "WS870")
def examples(ctx: Ctx) -> None:
    _model_examples(ctx)
    routes = ctx.routes()
    expr = ctx.section("api").get("route_selection", "$request.body.action")
    selectable = isinstance(expr, str) and selection_error(expr, (BODY_PATH,), "") is None
    models = ctx.section("models")
    for key, r in routes.items():
        r = as_map(r)
        found = as_list(r.get("examples"))
        if found and key in ("$connect", "$disconnect"):
            ctx.add(
                "WS870",
                ("routes", key, "examples"),
                f"examples on {key} are never sent: the connection request carries no message",
                key=True,
            )
            continue
        for i, example in enumerate(found):
            path = ("routes", key, "examples", i)
            body = _body(example)
            if selectable:
                target = _target(str(expr), body, routes)
                if target != key:
                    where = f"to route {target!r}" if target else "to no route"
                    ctx.add(
                        "WS171",
                        path,
                        f"example {i + 1} of route {key!r} would be sent {where}",
                        f"the route selection expression {expr} must yield {key!r} for it",
                    )
                    continue
            model = _request_model(r, body)
            if model is None or not isinstance(models.get(model), dict):
                continue
            schema = models[model].get("schema")
            if _is_json(models[model]) and body is _NOT_JSON:
                why: str | None = "it is not JSON"
            else:
                value = body if _is_json(models[model]) else example
                why = example_error(schema, value, _schemas(ctx))
            if why:
                ctx.add(
                    "WS170",
                    path,
                    f"example {i + 1} of route {key!r} does not fit its request model "
                    f"{model!r}: {why}",
                )
