"""CloudWatch alarms, the SNS topic, log retention and tracing -> the ``monitoring`` section.

Concrete alarms (one per stage, function or table) are folded back into definitions: an alarm
named ``<api>-<stage>-<name>`` in several stages becomes one definition ``<name>`` with per-stage
overrides where a stage differs. The recommended preset is recognised by its alarm names, and
then only what differs from it is written. A definition in at most half of the stages is
written disabled and turned on per stage; otherwise missing stages get ``false``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from wsspec import names
from wsspec.importers.context import Ctx
from wsspec.importers.graph import Res
from wsspec.importers.values import Ref, show
from wsspec.model import DEFAULT_FUNCTION_TIMEOUT, DEFAULT_LOG_RETENTION_DAYS
from wsspec.monitoring import COMPARISONS, recommended_alarms

_SYMBOL = {v: k for k, v in COMPARISONS.items()}
_DEFAULTS = {
    "statistic": "Sum",
    "threshold": 1.0,
    "comparison": ">=",
    "period": 300,
    "evaluation_periods": 1,
    "datapoints_to_alarm": None,
    "treat_missing_data": "notBreaching",
    "description": None,
    "route": None,
    "enabled": True,
}
Def = dict[str, Any]


def _definition(ctx: Ctx, res: Res) -> Def:
    stat = res.get("ExtendedStatistic") or res.get("Statistic") or "Sum"
    comparison = _SYMBOL.get(str(res.get("ComparisonOperator")), ">=")
    threshold = float(ctx.number(res, "Threshold") or 0)
    metric = ctx.text(res, "MetricName")
    out: Def = {
        "metric": metric,
        "statistic": str(stat),
        "threshold": threshold,
        "comparison": comparison,
        "period": int(ctx.number(res, "Period") or 300),
        "evaluation_periods": int(ctx.number(res, "EvaluationPeriods") or 1),
        "datapoints_to_alarm": None,
        "treat_missing_data": str(res.get("TreatMissingData") or "missing"),
        "description": None,
        "route": None,
        "enabled": True,
    }
    if res.get("DatapointsToAlarm") is not None:
        out["datapoints_to_alarm"] = int(ctx.number(res, "DatapointsToAlarm") or 1)
    desc = res.get("AlarmDescription")
    if isinstance(desc, str) and desc != f"{metric} {comparison} {threshold:g}":
        out["description"] = desc
    return out


def _dimensions(res: Res) -> dict[str, Any]:
    dims = res.get("Dimensions") or []
    if isinstance(dims, dict):
        return dict(dims)
    return {str(d.get("Name")): d.get("Value") for d in dims if isinstance(d, dict)}


def _instances(
    ctx: Ctx, stage_names: list[str], functions: dict[str, Any]
) -> list[tuple[str, str, str, Def]]:
    """(scope, owner, alarm name, definition) for each alarm of this API."""
    physical = {ctx.physical_function(f): f for f in functions}
    fn_by_res = {rid: name for rid, name in ctx.functions.items()}
    out = []
    for res in ctx.graph.of("alarm"):
        dims = _dimensions(res)
        ns = res.get("Namespace")
        api_id = dims.get("ApiId")
        mine_api = (isinstance(api_id, Ref) and api_id.target == ctx.api.id) or (
            api_id is not None and api_id == ctx.api.get("__id__")
        )
        scope = owner = None
        if ns == "AWS/ApiGateway" and mine_api and dims.get("Stage") in stage_names:
            scope, owner = ("route" if "Route" in dims else "api"), str(dims["Stage"])
        elif ns == "AWS/Lambda":
            fn = dims.get("FunctionName")
            if isinstance(fn, Ref) and fn.target in fn_by_res:
                scope, owner = "function", fn_by_res[fn.target]
            elif isinstance(fn, str) and fn in physical:
                scope, owner = "function", physical[fn]
        elif ns == "AWS/DynamoDB" and ctx.table is not None:
            table = dims.get("TableName")
            if (
                isinstance(table, Ref) and table.target == ctx.table.id
            ) or table == names.table_name(ctx.names):
                scope, owner = "table", "table"
        if scope is None or owner is None:
            continue
        ctx.used.add(res.id)
        d = _definition(ctx, res)
        if scope == "route":
            d["route"] = str(dims["Route"])
        prefix = ctx.physical_function(owner) + "-"
        alarm_name = ctx.text(res, "AlarmName") if res.get("AlarmName") else res.id
        name = alarm_name[len(prefix) :] if alarm_name.startswith(prefix) else alarm_name
        out.append((scope, owner, name, d))
    return out


def _diff(base: Def, other: Def) -> Def:
    return {k: v for k, v in other.items() if base.get(k) != v}


def _spec_form(d: Def) -> Def:
    """A partial definition in the spec's words (floats that are integers as ints)."""
    out: Def = {}
    for k, v in d.items():
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        out[k] = v
    return out


def _preset_def(name: str) -> Def | None:
    raw = recommended_alarms().get(name)
    if raw is None:
        return None
    d: Def = dict(_DEFAULTS)
    d.update({k: v for k, v in raw.items() if k not in ("function", "table")})
    threshold = d["threshold"]
    d["threshold"] = threshold if isinstance(threshold, str) else float(threshold)
    return d


def _choose_base(defs: list[Def], preset: Def | None) -> Def:
    counts = Counter(repr(sorted(d.items())) for d in defs)
    best = max(counts.values())
    tied = [d for d in defs if counts[repr(sorted(d.items()))] == best]
    if preset is not None and any(_diff(preset, d) == {} for d in tied):
        return dict(preset)
    return dict(tied[-1])


def _per_stage(
    name: str,
    by_stage: dict[str, Def],
    stages: list[str],
    preset: Def | None,
    overrides: dict[str, Def],
) -> Def:
    """The definition of an API/route alarm and its per-stage overrides."""
    base = _choose_base(list(by_stage.values()), preset)
    rarely = preset is None and len(stages) > 1 and 2 * len(by_stage) <= len(stages)
    if rarely:
        base["enabled"] = False
    for stage in stages:
        got = by_stage.get(stage)
        if got is None:
            if not rarely:
                overrides.setdefault(stage, {})[name] = False
            continue
        diff = _diff(base, got)
        if diff:
            overrides.setdefault(stage, {})[name] = _spec_form(diff)
    return base


def _functions_def(
    ctx: Ctx, name: str, by_fn: dict[str, Def], functions: dict[str, Any], preset: Def | None
) -> Def | None:
    timeouts = {
        f: int((functions.get(f) or {}).get("timeout", DEFAULT_FUNCTION_TIMEOUT)) for f in by_fn
    }
    defs = list(by_fn.values())
    if all(d.get("metric") == "Duration" for d in defs):
        ratios = {round(d["threshold"] / (timeouts[f] * 1000) * 100, 2) for f, d in by_fn.items()}
        pct_preferred = preset is not None or len(set(timeouts.values())) > 1
        if len(ratios) == 1 and pct_preferred:
            pct = ratios.pop()
            for d in defs:
                d["threshold"] = f"{pct:g}%"
    base = defs[0]
    if any(_diff(base, d) for d in defs[1:]):
        ctx.notes.skip(("monitoring",), f"alarm {name}: different settings per function")
    if set(by_fn) == set(functions) and (preset is not None or len(by_fn) > 1):
        base = dict(base)
        base["function"] = "*"
    elif len(by_fn) == 1:
        base = dict(base)
        base["function"] = next(iter(by_fn))
    else:
        ctx.notes.skip(("monitoring",), f"alarm {name} on functions {', '.join(sorted(by_fn)[1:])}")
        base = dict(base)
        base["function"] = sorted(by_fn)[0]
    return base


def _alarms(ctx: Ctx, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Def], bool]:
    stages = list(data.get("stages") or {"prod": {}})
    functions = data.get("functions") or {}
    grouped: dict[str, tuple[str, dict[str, Def]]] = {}
    for scope, owner, name, d in _instances(ctx, stages, functions):
        grouped.setdefault(name, (scope, {}))[1][owner] = d
    preset = any(_preset_def(n) is not None for n in grouped)
    definitions: dict[str, Any] = {}
    overrides: dict[str, Def] = {}
    for name, (scope, by_owner) in grouped.items():
        pdef = _preset_def(name) if preset else None
        if scope in ("api", "route"):
            base = _per_stage(name, by_owner, stages, pdef, overrides)
        elif scope == "function":
            got = _functions_def(ctx, name, by_owner, functions, pdef)
            if got is None:
                continue
            base = got
        else:
            base = dict(by_owner["table"])
            base["table"] = True
        definitions[name] = _against(base, pdef)
    if preset:
        owners = {"function": bool(functions), "table": ctx.table is not None}
        for name, raw in recommended_alarms().items():
            scope = "function" if raw.get("function") else ("table" if raw.get("table") else "api")
            if name not in grouped and owners.get(scope, True):
                definitions[name] = False
        definitions = {k: v for k, v in definitions.items() if v != {}}
    return definitions, overrides, preset


def _against(base: Def, preset: Def | None) -> Any:
    """What the spec writes for ``base``: the whole definition, or its difference to the preset."""
    if preset is not None:
        return _spec_form(
            _diff(preset, {k: v for k, v in base.items() if k not in ("function", "table")})
        )
    out = {k: v for k, v in base.items() if v != _DEFAULTS.get(k, object()) or k == "metric"}
    order = ["table", "function", "route", "metric"]
    ordered = {k: out[k] for k in order if k in out}
    ordered.update({k: v for k, v in out.items() if k not in ordered})
    return _spec_form(ordered)


def _notify(ctx: Ctx) -> dict[str, Any]:
    topic_arns: list[str] = []
    topic_res: Res | None = None
    for res in ctx.graph.of("alarm"):
        if res.id not in ctx.used:
            continue
        for action in res.get("AlarmActions") or []:
            target = ctx.graph.target(
                Ref(action.target) if isinstance(action, Ref) else None, "topic"
            )
            if target is not None:
                topic_res = target
            elif isinstance(action, str):
                own = ctx.graph.of("topic")
                match = next((t for t in own if t.get("__arn__") == action), None)
                if match is not None:
                    topic_res = match
                elif action not in topic_arns:
                    topic_arns.append(action)
            else:
                ctx.notes.skip(("monitoring",), f"alarm action {show(action)}")
    out: dict[str, Any] = {}
    if topic_res is not None:
        out["topic"] = _topic(ctx, topic_res)
    if topic_arns:
        out["topic_arns"] = sorted(topic_arns)
    return out


def _topic(ctx: Ctx, topic: Res) -> dict[str, Any]:
    from wsspec.alarms import topic_name

    ctx.used.add(topic.id)
    wanted = topic_name(ctx.names)
    if topic.get("TopicName") not in (None, wanted):
        ctx.notes.guess(
            ("monitoring",), f"topic {show(topic.get('TopicName'))}: wsspec names it {wanted}"
        )
    out: dict[str, list[str]] = {}
    subs = [
        s
        for s in ctx.graph.of("subscription")
        if ctx.graph.target(s.get("TopicArn"), "topic") is topic
        or s.get("TopicArn") == topic.get("__arn__")
    ]
    for s in subs:
        ctx.used.add(s.id)
        protocol, endpoint = s.get("Protocol"), s.get("Endpoint")
        if protocol in ("email", "https") and isinstance(endpoint, str):
            out.setdefault(protocol, []).append(endpoint)
        else:
            ctx.notes.skip(("monitoring",), f"subscription {show(protocol)} {show(endpoint)}")
    return out


def _retention(ctx: Ctx, functions: dict[str, Any]) -> int | None | bool:
    """The log groups' retention in days, None when they never expire, False without groups."""
    wanted = {names.function_log_group(ctx.names, f): f for f in functions}
    fn_ids = set(ctx.functions)
    days: set[int] = set()
    seen = False
    for res in ctx.graph.of("log_group"):
        name = res.get("LogGroupName")
        refs = [
            r.target
            for r in ([name] if isinstance(name, Ref) else getattr(name, "parts", ()))
            if isinstance(r, Ref)
        ]
        if name in wanted or any(r in fn_ids for r in refs) or res.id in ctx.used:
            ctx.used.add(res.id)
            seen = True
            if res.get("RetentionInDays") is not None:
                days.add(int(ctx.number(res, "RetentionInDays") or 0))
    if len(days) > 1:
        ctx.notes.skip(
            ("monitoring",), f"log retention differs per log group ({sorted(days)} days)"
        )
    if not seen:
        return False
    return min(days) if days else None


def monitoring(ctx: Ctx, data: dict[str, Any]) -> Any:
    functions = data.get("functions") or {}
    definitions, overrides, preset = _alarms(ctx, data)
    notify = _notify(ctx) if definitions or preset else {}
    retention = _retention(ctx, functions)
    traced = [
        ctx.functions[rid]
        for rid in ctx.functions
        if (ctx.graph.get(rid) or Res("", "", "", {})).get("Tracing")
    ]
    tracing = bool(functions) and len(traced) == len(functions)
    if traced and not tracing:
        ctx.notes.skip(
            ("monitoring",), f"tracing of {', '.join(traced)} only (the spec traces every function)"
        )
    out: dict[str, Any] = {}
    if preset:
        out["preset"] = "recommended"
    if definitions:
        out["alarms"] = definitions
    if overrides:
        out["stages"] = {s: {"alarms": a} for s, a in overrides.items()}
    if notify:
        out["notify"] = notify
    if retention is not False and retention != DEFAULT_LOG_RETENTION_DAYS:
        if retention is None:
            ctx.notes.skip(
                ("monitoring",),
                f"log groups that never expire (wsspec keeps {DEFAULT_LOG_RETENTION_DAYS} days "
                "unless monitoring.log_retention_days says otherwise)",
            )
        else:
            out["log_retention_days"] = retention
    if tracing:
        out["tracing"] = True
    if out == {"preset": "recommended"}:
        return "recommended"
    return out or None
