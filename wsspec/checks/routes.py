"""Routes and the references they make (WS101-WS117), with the route warnings that go with them
(WS807, WS808, WS810-WS812) and definitions no route uses (WS806)."""

from __future__ import annotations

import re
from typing import Any

from wsspec.checks.context import Ctx, as_list, as_map, as_str, check, did_you_mean
from wsspec.checks.selections import BODY_PATH, selection_error

RESERVED = ("$connect", "$disconnect", "$default")


@check("WS108", "WS117", "WS807", "WS808")
def route_keys(ctx: Ctx) -> None:
    routes = ctx.routes()
    by_lower: dict[str, str] = {}
    for key in routes:
        path = ("routes", key)
        if key == "" or not key.strip():
            ctx.add("WS117", path, "a route key cannot be empty or blank", key=True)
            continue
        if key.startswith("$") and key not in RESERVED:
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


@check("WS101", "WS107", "WS109", "WS110")
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
        fn = as_str(r.get("function"))
        if fn is not None and fn not in functions:
            ctx.add(
                "WS101",
                path + ("function",),
                f"function {fn!r} is not defined under 'functions'",
                did_you_mean(fn, functions),
            )
        integ = as_str(r.get("integration"))
        if integ is not None and integ not in named:
            ctx.add(
                "WS107",
                path + ("integration",),
                f"integration {integ!r} is not defined under 'integrations'",
                did_you_mean(integ, named),
            )


@check("WS102", "WS104", "WS105", "WS106", "WS112", "WS113", "WS811")
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
                did_you_mean(authorizer, authorizers),
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
        for name in as_map(r.get("request_parameters")):
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


@check("WS103", "WS114", "WS115", "WS203", "WS810", "WS812")
def route_models(ctx: Ctx) -> None:
    models = ctx.section("models")
    for key, r in ctx.routes().items():
        if not isinstance(r, dict):
            continue
        path = ("routes", key)
        req = as_map(r.get("request_models"))
        for sel, model in req.items():
            if isinstance(model, str) and model not in models:
                ctx.add(
                    "WS103",
                    path + ("request_models", sel),
                    f"model {model!r} is not defined under 'models'",
                    did_you_mean(model, models),
                )
        resp = r.get("response")
        for sel, model in as_map(as_map(resp).get("models")).items():
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
                    did_you_mean(model, models),
                )
        for i, model in enumerate(as_list(r.get("pushes"))):
            if isinstance(model, str) and model not in models:
                ctx.add(
                    "WS103",
                    path + ("pushes", i),
                    f"model {model!r} is not defined under 'models'",
                    did_you_mean(model, models),
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
            (BODY_PATH,),
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


@check("WS806")
def unused(ctx: Ctx) -> None:
    routes = ctx.routes()
    used_fns: list[Any] = []
    used_integ: list[Any] = []
    used_auth: list[Any] = []
    used_models: list[Any] = []
    used_links: list[Any] = []
    for r in routes.values():
        r = as_map(r)
        used_fns.append(r.get("function"))
        used_integ.append(r.get("integration"))
        used_auth.append(r.get("authorizer"))
        used_models.extend(as_map(r.get("request_models")).values())
        used_models.extend(as_map(as_map(r.get("response")).get("models")).values())
        used_models.extend(as_list(r.get("pushes")))
    for _, d in ctx.integrations():
        used_fns.append(d.get("function"))
        used_links.append(d.get("vpc_link"))
    for a in ctx.section("authorizers").values():
        used_fns.append(as_map(a).get("function"))
    for fn, f in ctx.section("functions").items():
        if as_map(f).get("events"):  # invoked by a stream trigger
            used_fns.append(fn)
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
