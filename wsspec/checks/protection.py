"""Sign-in and abuse protection: JWT authorizers (WS613-WS616, WS191, WS890), connection caps
(WS590-WS592), API keys and usage plans (WS190, WS617, WS891, WS892).

A JWT authorizer is verified by a function wsspec generates; its settings are checked here so
that a deployed authorizer can never accept what it should not (asymmetric algorithms only, an
https issuer). Connection caps are enforced by wsspec's connection guard around the Python
function behind ``$connect``, keyed by the authorizer's principal.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from wsspec.checks.context import Ctx, as_list, as_map, as_str, check, did_you_mean, is_number

ALGORITHMS: tuple[str, ...] = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
ALGORITHMS += ("ES256", "ES384", "ES512", "EdDSA")
_TOKEN_SOURCE = re.compile(r"route\.request\.(?:header|querystring)\.[a-zA-Z0-9._\-]+")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
JWT_SUFFIX = "-jwt-authorizer"  # wsspec.model.records.JWT_FUNCTION_SUFFIX
_PERIOD_OFFSET = {"DAY": 0, "WEEK": 6, "MONTH": 27}


def _url(ctx: Ctx, path: tuple[str, ...], value: object, what: str) -> None:
    if not isinstance(value, str):
        return
    parts = urlsplit(value)
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        ctx.add(
            "WS890",
            path,
            f"the {what} {value!r} is on this machine: only `wsspec serve` can reach it",
            "use the issuer's https URL for anything you deploy",
        )
    elif parts.scheme != "https" or not parts.hostname:
        ctx.add("WS613", path, f"the {what} must be an https URL, not {value!r}")


@check("WS191", "WS604", "WS613", "WS614", "WS615", "WS616", "WS890")
def jwt_authorizers(ctx: Ctx) -> None:
    functions = ctx.section("functions")
    for name, a in ctx.section("authorizers").items():
        j = as_map(a).get("jwt")
        if not isinstance(j, dict):
            continue
        p = ("authorizers", name, "jwt")
        others = [k for k in ("function", "arn", "identity_source", "credentials") if k in a]
        if others:
            ctx.add(
                "WS604",
                ("authorizers", name, others[0]),
                f"{others[0]!r} cannot be combined with 'jwt': wsspec generates the JWT "
                "authorizer's function and takes the token from 'jwt.token_source'",
            )
        if name + JWT_SUFFIX in functions:
            ctx.add(
                "WS191",
                ("functions", name + JWT_SUFFIX),
                f"the function name {name + JWT_SUFFIX!r} is the one wsspec generates for "
                f"the JWT authorizer {name!r}",
                "rename the function",
                key=True,
            )
        _url(ctx, p + ("issuer",), j.get("issuer"), "issuer")
        if "jwks_uri" in j:
            _url(ctx, p + ("jwks_uri",), j.get("jwks_uri"), "key set URL")
        for i, alg in enumerate(as_list(j.get("algorithms"))):
            if isinstance(alg, str) and alg not in ALGORITHMS:
                why = (
                    "an unsigned token proves nothing"
                    if alg.lower() == "none"
                    else "an HMAC secret would have to be shared with the issuer"
                    if alg.upper().startswith("HS")
                    else "it is not a JWS signature algorithm"
                )
                ctx.add(
                    "WS614",
                    p + ("algorithms", i),
                    f"algorithm {alg!r} is not allowed: {why}",
                    "use the issuer's asymmetric algorithm: " + ", ".join(ALGORITHMS),
                )
        src = as_str(j.get("token_source"))
        if src is not None and not _TOKEN_SOURCE.fullmatch(src):
            ctx.add(
                "WS615",
                p + ("token_source",),
                f"{src!r} is not a token source",
                "use route.request.querystring.<name> or route.request.header.<name>",
            )
        for key in as_map(j.get("context")):
            if key == "principalId":
                ctx.add(
                    "WS616",
                    p + ("context", key),
                    "'principalId' is set by the authorizer (the token's 'sub' claim)",
                    key=True,
                )


@check("WS590", "WS591", "WS592")
def connection_caps(ctx: Ctx) -> None:
    conn = as_map(ctx.data.get("connections"))
    per_user, total = conn.get("max_per_user"), conn.get("max_total")
    if per_user is None and total is None:
        return
    p = ("connections", "max_per_user" if per_user is not None else "max_total")
    if is_number(per_user) and is_number(total) and per_user > total:
        ctx.add(
            "WS592",
            ("connections", "max_per_user"),
            f"max_per_user {per_user} is above max_total {total}",
        )
    connect = as_map(ctx.routes().get("$connect"))
    for key, what in (("$connect", "enforced around"), ("$disconnect", "released in")):
        if not _python_function(ctx, ctx.routes().get(key)):
            ctx.add(
                "WS590",
                p,
                f"connection caps are {what} the {key} handler: {key} needs "
                "'function: <name>' with a Python function",
                key=True,
            )
    if per_user is not None and not isinstance(connect.get("authorizer"), str):
        ctx.add(
            "WS591",
            ("connections", "max_per_user"),
            "max_per_user counts connections per authorizer principal, and $connect has no "
            "authorizer",
            "add 'authorizer: <name>' to $connect",
            key=True,
        )


def _python_function(ctx: Ctx, route: object) -> bool:
    fn = as_str(as_map(route).get("function"))
    fn_d = as_map(ctx.section("functions").get(fn)) if fn else {}
    handler = as_str(fn_d.get("handler")) or ""
    runtime = as_str(fn_d.get("runtime"))
    return fn is not None and (runtime.startswith("python") if runtime else handler.endswith(".py"))


@check("WS190", "WS617", "WS891", "WS892")
def api_keys(ctx: Ctx) -> None:
    plans = ctx.section("usage_plans")
    keys = ctx.section("api_keys")
    for name, k in keys.items():
        plan = as_map(k).get("usage_plan")
        if isinstance(plan, str) and plan not in plans:
            ctx.add(
                "WS190",
                ("api_keys", name, "usage_plan"),
                f"usage plan {plan!r} is not defined under 'usage_plans'",
                did_you_mean(plan, plans),
            )
    for name, pl in plans.items():
        quota = as_map(as_map(pl).get("quota"))
        period, offset = quota.get("period"), quota.get("offset")
        if isinstance(period, str) and period in _PERIOD_OFFSET and is_number(offset):
            if offset > _PERIOD_OFFSET[period]:
                ctx.add(
                    "WS617",
                    ("usage_plans", name, "quota", "offset"),
                    f"a {period} quota's offset is at most {_PERIOD_OFFSET[period]}, not {offset}",
                )
    required = [k for k, r in ctx.routes().items() if as_map(r).get("api_key_required") is True]
    selection = as_map(ctx.data.get("api")).get("api_key_selection")
    connect_auth = as_str(as_map(ctx.routes().get("$connect")).get("authorizer"))
    auth_d = as_map(ctx.section("authorizers").get(connect_auth)) if connect_auth else {}
    if required and selection == "$context.authorizer.usageIdentifierKey" and "jwt" in auth_d:
        ctx.add(
            "WS892",
            ("api", "api_key_selection"),
            f"the key comes from the authorizer, and the JWT authorizer {connect_auth!r} "
            "returns no usageIdentifierKey: every connection that requires a key is refused",
            "use $request.header.x-api-key (clients send the x-api-key header)",
        )
    if keys and not required:
        ctx.add(
            "WS891",
            ("api_keys",),
            "API keys are defined, but no route sets 'api_key_required: true', so no "
            "connection needs one",
            "set 'api_key_required: true' on $connect",
            key=True,
        )
