"""Quotas and name/length limits (WS401-WS419 here; WS417 and WS418 also come from the families
whose values they measure).

Quotas (routes, integrations, authorizers, stages per API) can be raised by AWS; the spec records
a raised quota under ``account.quotas`` and the checks use that value.
"""

from __future__ import annotations

import re
from typing import Any

from wsspec.checks.context import Ctx, as_map, check
from wsspec.loader import Path

MAX_ROUTES = 300
MAX_INTEGRATIONS = 300
MAX_AUTHORIZERS = 10
MAX_STAGES = 10
MAX_TEMPLATE = 32 * 1024  # a mapping template or a model schema, in characters


def _quota(ctx: Ctx, name: str, default: int) -> int:
    """The quota in force: ``account.quotas.<name>`` when the user has raised it."""
    raised = as_map(as_map(ctx.data.get("account")).get("quotas")).get(name)
    return raised if isinstance(raised, int) and not isinstance(raised, bool) else default


_RAISE_HINT = (
    "the quota can be raised through Service Quotas / AWS Support; then record it in "
    "'account: {quotas: {%s: N}}'"
)


@check("WS401", "WS402", "WS403", "WS404")
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
        r = as_map(r)
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


@check("WS410", "WS411", "WS412", "WS413", "WS414", "WS415", "WS416")
def names_and_limits(ctx: Ctx) -> None:
    api = ctx.section("api")
    name = api.get("name")
    if isinstance(name, str) and not 1 <= len(name) <= 128:
        ctx.add(
            "WS410", ("api", "name"), f"the API name must have 1-128 characters, not {len(name)}"
        )
    check_description(ctx, ("api",), api)
    for k, v in ctx.section("vpc_links").items():
        check_description(ctx, ("vpc_links", k), as_map(v))
    for stage, s in ctx.section("stages").items():
        _stage_limits(ctx, stage, as_map(s))
    for model, m in ctx.section("models").items():
        p = ("models", model)
        if not re.fullmatch(r"[A-Za-z0-9]{1,128}", model):
            ctx.add("WS412", p, f"model name {model!r} must be 1-128 letters and digits", key=True)
        check_description(ctx, p, as_map(m))
    for key, r in ctx.routes().items():
        op = as_map(r).get("operation_name")
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


def check_description(ctx: Ctx, path: Path, d: dict[str, Any]) -> None:
    """WS413: API Gateway descriptions have at most 1024 characters."""
    desc = d.get("description")
    if isinstance(desc, str) and len(desc) > 1024:
        ctx.add(
            "WS413",
            path + ("description",),
            f"the description has {len(desc)} characters (at most 1024)",
        )


def _stage_limits(ctx: Ctx, stage: str, s: dict[str, Any]) -> None:
    p = ("stages", stage)
    if not re.fullmatch(r"[A-Za-z0-9_\-]{1,128}", stage):
        ctx.add(
            "WS411",
            p,
            f"stage name {stage!r} must be 1-128 letters, digits, '-' or '_'",
            key=True,
        )
    check_description(ctx, p, s)
    for var, val in as_map(s.get("variables")).items():
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
                "stage variable value "
                f"{sval!r} must be 1-2048 characters from A-Z a-z 0-9 - . _ ~ : / ? # & = ,",
            )
