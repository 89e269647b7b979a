"""Selection expressions (WS201-WS206): the parser every family uses, and the API's route and
API key selection (with WS804, a route selection that can fail without a $default route)."""

from __future__ import annotations

import re
from typing import Any

from wsspec.checks.context import Ctx, check

# the variables a selection expression may use
BODY_PATH = re.compile(r"request\.body(?:\.[A-Za-z0-9_\-]+|\[\d+\]|\['[^']+'\]|\[\"[^\"]+\"\])+")
RESPONSE_VARS = re.compile(
    r"integration\.response\.(?:statuscode|header\.[A-Za-z0-9_\-]+|multivalueheader\.[A-Za-z0-9_\-]+)"
)
_UNBRACED = re.compile(r"[A-Za-z0-9_.\-\[\]'\"]*")
API_KEY_SELECTIONS = ("$request.header.x-api-key", "$context.authorizer.usageIdentifierKey")


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


@check("WS201", "WS202", "WS804")
def selections(ctx: Ctx) -> None:
    api = ctx.section("api")
    expr = api.get("route_selection")
    err = selection_error(expr, (BODY_PATH,), "a route selection expression")
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


_CUSTOM_EXCLUDED = ("$connect", "$disconnect", "$default")


@check("WS860")
def static_route_selection(ctx: Ctx) -> None:
    """A route selection without a variable always yields the same key: every other custom
    route is unreachable (typically ``request.body.action`` written without its ``$``)."""
    expr = ctx.section("api").get("route_selection")
    if not isinstance(expr, str) or "$" in expr.replace("\\$", ""):
        return
    value = expr.replace("\\$", "$")
    unreachable = [
        k for k in ctx.routes() if isinstance(k, str) and k not in _CUSTOM_EXCLUDED and k != value
    ]
    if not unreachable:
        return
    hint = (
        f"did you mean '${expr}'?"
        if BODY_PATH.fullmatch(expr)
        else "use $request.body.<field> to select the route from each message"
    )
    shown = ", ".join(repr(k) for k in unreachable[:5]) + (" …" if len(unreachable) > 5 else "")
    ctx.add(
        "WS860",
        ("api", "route_selection"),
        f"the route selection expression has no variable: every message selects {value!r}, "
        f"so route{'s' if len(unreachable) > 1 else ''} {shown} can never be selected",
        hint,
    )
