"""Lambda REQUEST authorizers at ``$connect``.

1. Identity-source check: every configured source must be present and non-empty, else 401
   without invoking the function.
2. The function's output: ``principalId``, ``policyDocument`` and an optional flat ``context``.
3. The policy must allow ``execute-api:Invoke`` on the ``$connect`` method ARN; an explicit Deny
   wins; no matching Allow is a 403. ``*`` matches any run of characters (``/`` included) and
   ``?`` exactly one, in actions and resources alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from wsspec.serve import events as ev
from wsspec.serve.config import ServeConfig
from wsspec.serve.events import Handshake

if TYPE_CHECKING:
    from wsspec.serve.invoke import FunctionRunner


@dataclass
class Decision:
    status: int  # 200 allow; 401, 403, 500 reject
    context: dict[str, Any] | None = None  # requestContext.authorizer on allow
    reason: str = ""


def identity_value(
    source: str, hs: Handshake, stage_variables: dict[str, str], context: Callable[[str], Any]
) -> str | None:
    """The value of one identity source, or None when it is absent."""
    if source.startswith("route.request.header."):
        return hs.header(source[len("route.request.header.") :])
    if source.startswith("route.request.querystring."):
        name = source[len("route.request.querystring.") :]
        values = [v for k, v in hs.query_pairs() if k == name]
        return values[-1] if values else None
    if source.startswith("stageVariables."):
        return stage_variables.get(source[len("stageVariables.") :])
    if source.startswith("context."):
        v = context(source[len("context.") :])
        return None if v is None else str(v)
    return None


def context_lookup(ctx: dict[str, Any]) -> Callable[[str], Any]:
    """``name.path`` -> the value in the request context ``ctx`` (None when absent): how
    ``context.*`` identity sources are read."""

    def lookup(name: str) -> Any:
        cur: Any = ctx
        for part in name.split("."):
            if not isinstance(cur, dict) or part not in cur:
                return None
            cur = cur[part]
        return cur

    return lookup


def missing_identity(
    sources: tuple[str, ...],
    hs: Handshake,
    stage_variables: dict[str, str],
    context: Callable[[str], Any],
) -> str | None:
    for src in sources:
        v = identity_value(src, hs, stage_variables, context)
        if v is None or v == "":
            return src
    return None


@lru_cache(maxsize=512)
def _pattern(glob: str) -> re.Pattern[str]:
    out = []
    for c in glob:
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        else:
            out.append(re.escape(c))
    return re.compile("".join(out), re.DOTALL)


def wildcard_match(pattern: str, value: str) -> bool:
    return _pattern(pattern).fullmatch(value) is not None


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _action_matches(pattern: str, action: str) -> bool:
    # IAM action names are case-insensitive.
    return wildcard_match(pattern.lower(), action.lower())


def evaluate_policy(policy: Any, method_arn: str, action: str = "execute-api:Invoke") -> bool:
    """True when the policy allows ``action`` on ``method_arn`` (explicit Deny wins)."""
    if not isinstance(policy, dict):
        raise ValueError("policyDocument is not an object")
    allowed = False
    for st in _as_list(policy.get("Statement")):
        if not isinstance(st, dict):
            raise ValueError("a policy statement is not an object")
        effect = st.get("Effect")
        actions = _as_list(st.get("Action"))
        resources = _as_list(st.get("Resource"))
        if effect not in ("Allow", "Deny"):
            raise ValueError(f"invalid Effect {effect!r}")
        if not any(isinstance(a, str) and _action_matches(a, action) for a in actions):
            continue
        if not any(isinstance(r, str) and wildcard_match(r, method_arn) for r in resources):
            continue
        if effect == "Deny":
            return False
        allowed = True
    return allowed


def decide(output: Any, method_arn: str) -> Decision:
    """Turn an authorizer function's return value into a handshake decision."""
    if not isinstance(output, dict):
        return Decision(500, reason="authorizer returned no object")
    principal = output.get("principalId")
    if principal is None:
        return Decision(500, reason="authorizer response has no principalId")
    ctx = output.get("context") or {}
    if not isinstance(ctx, dict) or any(isinstance(v, (dict, list)) for v in ctx.values()):
        return Decision(500, reason="authorizer context must be a flat map of scalars")
    try:
        allowed = evaluate_policy(output.get("policyDocument"), method_arn)
    except ValueError as exc:
        return Decision(500, reason=f"invalid policyDocument: {exc}")
    if not allowed:
        return Decision(403, reason="policy does not allow " + method_arn)
    context: dict[str, Any] = {}
    for k, v in ctx.items():
        context[str(k)] = v
    context["principalId"] = principal
    return Decision(200, context=context)


async def run(
    identity_sources: tuple[str, ...],
    runner: FunctionRunner | None,
    api: ev.Api,
    hs: Handshake,
    stage_variables: dict[str, str],
    config: ServeConfig,
) -> tuple[int, str]:
    """The whole authorizer step of a handshake: (status, detail); on 200 the handshake carries
    the authorizer context. ``runner`` None: the function cannot run here (allowed after the
    identity-source check, as the start-up note says)."""
    request_id = ev.new_id()
    ctx = ev.request_context(
        api, hs, route="$connect", event_type="CONNECT", request_id=request_id,
        request_ms=ev.now_ms(),
    )  # fmt: skip
    missing = missing_identity(identity_sources, hs, stage_variables, context_lookup(ctx))
    if missing:
        return 401, f"identity source {missing} missing"
    if runner is None:
        hs.authorizer = {"principalId": "wsspec-local"}
        return 200, "authorizer not emulated"
    event = ev.authorizer_event(api, hs, request_id, ev.now_ms())
    timeout = config.timeout if config.timeout is not None else 29.0
    out = await runner.invoke(event, request_id=request_id, integration_timeout=timeout)
    if out.kind != "ok":
        msg = (out.value or {}).get("errorMessage", "") if isinstance(out.value, dict) else ""
        if msg == "Unauthorized":
            return 401, "Unauthorized"
        return config.authorizer_error_status, f"authorizer failed: {msg or out.kind}"
    decision = decide(out.value, api.method_arn("$connect"))
    if decision.status == 200:
        hs.authorizer = decision.context
    return decision.status, decision.reason
