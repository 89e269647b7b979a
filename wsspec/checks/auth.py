"""Authorizers (WS604, WS605; WS101 for their function, WS417/WS608 for their ARNs) and the
authorization of $connect (WS801)."""

from __future__ import annotations

import re

from wsspec.checks.arns import check_arn
from wsspec.checks.context import Ctx, as_list, as_map, check, did_you_mean

_IDENTITY = re.compile(
    r"route\.request\.(?:header|querystring)\.[a-zA-Z0-9._\-]+|stageVariables\.[a-zA-Z0-9._\-]+"
    r"|context\.[a-zA-Z0-9._\-]+"
)


@check("WS101", "WS417", "WS604", "WS605", "WS608")
def authorizers(ctx: Ctx) -> None:
    functions = ctx.section("functions")
    for name, a in ctx.section("authorizers").items():
        if not isinstance(a, dict) or (ctx.claimed and ("authorizers", name) in ctx.claimed):
            continue
        if "jwt" in a:  # wsspec generates the function (checks/protection.py)
            continue
        p = ("authorizers", name)
        fn, arn = a.get("function"), a.get("arn")
        if (fn is None) == (arn is None):
            ctx.add(
                "WS604",
                p,
                "an authorizer needs exactly one of 'function' (defined under "
                "'functions'), 'arn' (an existing function) and 'jwt' (wsspec verifies the "
                "token)",
                key=True,
            )
        if isinstance(fn, str) and fn not in functions:
            ctx.add(
                "WS101",
                p + ("function",),
                f"function {fn!r} is not defined under 'functions'",
                did_you_mean(fn, functions),
            )
        if isinstance(arn, str):
            check_arn(ctx, p + ("arn",), arn, "lambda")
        if isinstance(a.get("credentials"), str):
            check_arn(ctx, p + ("credentials",), a["credentials"], "role")
        for i, src in enumerate(as_list(a.get("identity_source"))):
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


@check("WS801")
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
    r = as_map(routes["$connect"])
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
