"""Lambda permissions a route key widens (WS841).

A route's Lambda permission names the route in its source ARN (``…/{stage}/{route key}``),
and IAM reads ``*`` and ``?`` there as wildcards, with no way to escape them. A route key
holding one lets API Gateway invoke the function for every route key the pattern matches,
``$connect`` included, not just this route.
"""

from __future__ import annotations

import re

from wsspec.checks.context import Ctx, as_map, check


def _glob(key: str) -> re.Pattern[str]:
    """IAM's reading of ``key``: ``*`` any characters, ``?`` one, everything else literal."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in key))


def _lambda_target(ctx: Ctx, route: dict[str, object]) -> bool:
    if "function" in route:
        return True
    integ = route.get("integration")
    integ = as_map(ctx.section("integrations").get(integ)) if isinstance(integ, str) else integ
    return as_map(integ).get("type") == "lambda"


@check("WS841")
def wildcard_route_keys(ctx: Ctx) -> None:
    routes = ctx.routes()
    for key, r in routes.items():
        if not ("*" in key or "?" in key) or not _lambda_target(ctx, as_map(r)):
            continue
        pattern = _glob(key)
        others = [k for k in routes if k != key and pattern.fullmatch(k)]
        reserved = [k for k in ("$connect", "$disconnect") if pattern.fullmatch(k)]
        also = f", {' and '.join(reserved)} included" if reserved else ""
        also += f" (in this spec: {', '.join(others)})" if others else ""
        ctx.add(
            "WS841",
            ("routes", key),
            f"IAM reads '*' and '?' in the Lambda permission's source ARN (…/<stage>/{key}) as "
            f"wildcards: API Gateway may invoke the function for every route key matching "
            f"{key!r}{also}",
            "use a route key without '*' and '?' for routes that invoke a function",
            key=True,
        )
