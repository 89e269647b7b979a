"""Models: JSON Schema draft 4 (WS606), size (WS418), and references (WS609).

A ``$ref`` may only point inside the schema (``#/definitions/...``) or at another model of the
spec by its API Gateway URL (``https://apigateway.amazonaws.com/restapis/<id>/models/<name>``,
which API Gateway resolves within the API): any other URL or file reference would make the
model depend on something wsspec never fetches (nothing validates or serves by fetching from
the network or reading other files).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from wsspec.checks.context import Ctx, as_map, check
from wsspec.checks.limits import MAX_TEMPLATE
from wsspec.loader import Path
from wsspec.messages.types import MODEL_REF


def _refs(node: Any, path: Path) -> Iterator[tuple[Path, str]]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield path + (k,), v
            else:
                yield from _refs(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _refs(v, path + (i,))


@check("WS418", "WS606", "WS609")
def models(ctx: Ctx) -> None:
    names = set(ctx.section("models"))
    for name, m in ctx.section("models").items():
        sch = as_map(m).get("schema")
        if not isinstance(sch, dict):
            continue
        p = ("models", name, "schema")
        for ref_path, ref in _refs(sch, p):
            other = MODEL_REF.match(ref)
            if not ref.startswith("#") and not (other and other.group(1) in names):
                ctx.add(
                    "WS609",
                    ref_path,
                    f"$ref {ref!r} points outside the schema; wsspec never fetches URLs or files",
                    "copy the referenced schema under 'definitions' and use '#/definitions/...', "
                    "or name a model of this spec by its API Gateway URL",
                )
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
