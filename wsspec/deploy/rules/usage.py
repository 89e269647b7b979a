"""Usage plans, API keys and their links (API Gateway REST v1 resources on the WebSocket
stages). No key value is ever sent or shown: AWS generates it."""

from __future__ import annotations

from typing import Any

from wsspec import arns
from wsspec.deploy.compare import changed_fields, diff_props
from wsspec.deploy.current import Cur
from wsspec.deploy.planner import Planner
from wsspec.deploy.records import Res
from wsspec.deploy.steps import Call

_PLAN_PATHS = (
    ("description", "/description"),
    ("throttle", "rateLimit", "/throttle/rateLimit"),
    ("throttle", "burstLimit", "/throttle/burstLimit"),
    ("quota", "limit", "/quota/limit"),
    ("quota", "period", "/quota/period"),
    ("quota", "offset", "/quota/offset"),
)


def _get(props: dict[str, Any], path: tuple[str, ...]) -> Any:
    cur: Any = props
    for part in path:
        cur = cur.get(part) if isinstance(cur, dict) else None
    return cur


def _tag(p: Planner, r: Res, path: str) -> Call:
    arn = arns.apigateway_resource(p.partition, p.region, path)
    return Call("apigateway", "tag_resource", {"resourceArn": arn, "tags": dict(r.props["tags"])})


def usage_plan(p: Planner, r: Res, h: Cur | None) -> None:
    if h is None:
        produces = ((f"usage_plan:{r.key}", "id"),)
        create = Call("apigateway", "create_usage_plan", dict(r.props), produces=produces)
        p.add("create", r, "usage_plan", r.key, [create])
        return
    want = p.resolved(r)
    ch = diff_props("usage_plan", want, h.props)
    fields = changed_fields(ch)
    ops: list[dict[str, str]] = []
    for *parts, path in _PLAN_PATHS:
        new = _get(want, tuple(parts))
        if parts[0] in fields and new is not None and new != _get(h.props, tuple(parts)):
            ops.append({"op": "replace", "path": path, "value": str(new)})
    if "apiStages" in fields:
        have = {f"{s['apiId']}:{s['stage']}" for s in h.props.get("apiStages") or ()}
        wanted = {f"{s['apiId']}:{s['stage']}" for s in want.get("apiStages") or ()}
        ops += [{"op": "add", "path": "/apiStages", "value": v} for v in sorted(wanted - have)]
        ops += [{"op": "remove", "path": "/apiStages", "value": v} for v in sorted(have - wanted)]
    calls = []
    if ops:
        params = {"usagePlanId": h.id, "patchOperations": ops}
        calls.append(Call("apigateway", "update_usage_plan", params))
    if "tags" in fields:
        calls.append(_tag(p, r, f"/usageplans/{h.id}"))
    p.add("update", r, "usage_plan", r.key, calls, changes=ch)


def api_key(p: Planner, r: Res, h: Cur | None) -> None:
    if h is None:
        produces = ((f"api_key:{r.key}", "id"),)
        create = Call("apigateway", "create_api_key", dict(r.props), produces=produces)
        p.add("create", r, "api_key", r.key, [create])
        return
    ch = diff_props("api_key", r.props, h.props)
    fields = changed_fields(ch)
    ops = [
        {
            "op": "replace",
            "path": f"/{f}",
            "value": str(r.props.get(f, "")).lower()
            if f == "enabled"
            else str(r.props.get(f) or ""),
        }
        for f in ("name", "description", "enabled")
        if f in fields
    ]
    calls = []
    if ops:
        calls.append(Call("apigateway", "update_api_key", {"apiKey": h.id, "patchOperations": ops}))
    if "tags" in fields:
        calls.append(_tag(p, r, f"/apikeys/{h.id}"))
    p.add("update", r, "api_key", r.key, calls, changes=ch)


def usage_plan_key(p: Planner, r: Res, h: Cur | None) -> None:
    want = p.resolved(r)
    create = Call("apigateway", "create_usage_plan_key", {**dict(r.props), "keyType": "API_KEY"})
    if h is None:
        p.add("create", r, "usage_plan_key", r.key, [create])
        return
    ch = diff_props("usage_plan_key", want, h.props)
    if ch:  # a key moves to another plan: unlink, link again
        unlink = Call(
            "apigateway", "delete_usage_plan_key", {"usagePlanId": h.parent, "keyId": h.id}
        )
        p.add("update", r, "usage_plan_key", r.key, [unlink, create], changes=ch)
