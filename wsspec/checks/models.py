"""Models: JSON Schema draft 4 (WS606) and size (WS418)."""

from __future__ import annotations

import json

from wsspec.checks.context import Ctx, as_map, check
from wsspec.checks.limits import MAX_TEMPLATE


@check("WS418", "WS606")
def models(ctx: Ctx) -> None:
    for name, m in ctx.section("models").items():
        sch = as_map(m).get("schema")
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
