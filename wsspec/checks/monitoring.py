"""Monitoring (WS620-WS631): alarms as they will be created (preset, definitions under
``monitoring.alarms``, per-stage overrides), log retention, notification endpoints (and their
SNS topic ARNs, WS417/WS608).

An alarm that applies to several stages is checked once per stage (the override may change it),
but each finding is reported once however many stages share the definition.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from wsspec.checks.arns import check_arn
from wsspec.checks.context import Ctx, as_list, as_map, check, did_you_mean, is_number
from wsspec.loader import Path

_EMAIL = re.compile(r"[^@\s,;<>]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,63}")
_HTTPS_URL = re.compile(r"https://[A-Za-z0-9\-.]+(:\d{1,5})?(/[^\s]*)?")
_PERCENT = re.compile(r"(\d+(\.\d+)?)%")
_SCOPE_KEYS = ("function", "table", "route")
_SCOPE_WHAT = {
    "api": "an API",
    "route": "a per-route API",
    "function": "a function",
    "table": "a table",
}
_BASE: Path = ("monitoring",)

# alarm name -> (merged definition, spec path of each key set, spec path of the definition)
_Definitions = dict[str, tuple[dict[str, Any], dict[str, Path], Path]]


@dataclass(frozen=True)
class _Alarm:
    """One merged alarm as it will be created, with where each of its keys was written."""

    name: str
    d: dict[str, Any]
    origin: dict[str, Path]
    where: Path
    stage: str | None

    def at(self, *keys: str) -> Path:
        """The spec path that set the first of ``keys``, else the definition's."""
        return next((self.origin[k] for k in keys if k in self.origin), self.where)


class _Alarms:
    """Monitoring findings, each reported once however many stages share the definition."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.seen: set[tuple[str, Path, str]] = set()

    def add(
        self,
        code: str,
        path: Path,
        message: str,
        hint: str | None = None,
        *,
        key: bool = False,
        claim: bool = False,
    ) -> None:
        if (code, path, message) in self.seen:
            return
        self.seen.add((code, path, message))
        if claim:
            self.ctx.claim(path)
        self.ctx.add(code, path, message, hint, key=key)

    def fields(self, path: Path, d: dict[str, Any]) -> None:
        """Checks of the values one alarm mapping (definition or override) sets."""
        from wsspec.monitoring import STATISTICS, is_period, is_statistic

        stat = d.get("statistic")
        if isinstance(stat, str) and not is_statistic(stat):
            self.add(
                "WS621",
                path + ("statistic",),
                f"{stat!r} is not a CloudWatch statistic",
                f"use one of {', '.join(STATISTICS)} or a percentile such as p90 or p99.9",
            )
        thr = d.get("threshold")
        if isinstance(thr, str) and not _PERCENT.fullmatch(thr.strip()):
            self.add(
                "WS622",
                path + ("threshold",),
                f"threshold {thr!r} is not a number",
                "give a number, or for a function's Duration a share of its timeout such as '80%'",
            )
        elif isinstance(thr, float) and not math.isfinite(thr):
            self.add("WS622", path + ("threshold",), f"threshold {thr!r} is not a finite number")
        period = d.get("period")
        if is_number(period) and isinstance(period, int) and not is_period(period):
            self.add(
                "WS623",
                path + ("period",),
                f"period {period} s is not 10, 30 or a multiple of 60",
                "CloudWatch alarms evaluate 10 s or 30 s (high-resolution metrics) or whole minutes",
                claim=True,
            )
        for k in ("evaluation_periods", "datapoints_to_alarm"):
            v = d.get(k)
            if is_number(v) and isinstance(v, int) and v < 1:
                code = "WS624" if k == "evaluation_periods" else "WS625"
                self.add(code, path + (k,), f"{k} must be at least 1, not {v}", claim=True)

    def definition(self, alarm: _Alarm) -> None:
        """Checks of one merged alarm (preset + overrides) as it will be created."""
        from wsspec.monitoring import SCOPE_METRICS, scope_of

        d, name = alarm.d, alarm.name
        scopes = [k for k in _SCOPE_KEYS if d.get(k)]
        if len(scopes) > 1:
            self.add(
                "WS631",
                alarm.at(scopes[-1]),
                f"alarm {name!r} sets {' and '.join(scopes)}: an alarm "
                "watches the API (optionally one route), a function or the table",
                key=True,
            )
            return
        metric = d.get("metric")
        scope = scope_of(d)
        if metric is None:
            self.add(
                "WS631",
                alarm.where,
                f"alarm {name!r} has no 'metric'",
                f"e.g. metric: {SCOPE_METRICS[scope][0]}",
                key=True,
            )
        elif isinstance(metric, str) and metric not in SCOPE_METRICS[scope]:
            self.add(
                "WS620",
                alarm.at("metric"),
                f"{metric!r} is not {_SCOPE_WHAT[scope]} metric wsspec can alarm on",
                (did_you_mean(metric, SCOPE_METRICS[scope]) or "use one of")
                + " "
                + ", ".join(SCOPE_METRICS[scope]),
            )
        self._threshold(alarm, scope == "function" and metric == "Duration")
        self._periods(alarm)
        self._references(alarm, scope)

    def _threshold(self, alarm: _Alarm, share_of_timeout: bool) -> None:
        thr = alarm.d.get("threshold")
        if not isinstance(thr, str):
            return
        m = _PERCENT.fullmatch(thr.strip())
        if m and not share_of_timeout:
            self.add(
                "WS622",
                alarm.at("threshold"),
                f"a percentage threshold ({thr}) only applies to a "
                "function's Duration (share of its timeout)",
                "give a number",
            )
        elif m and not 0 < float(m.group(1)) <= 100:
            self.add(
                "WS622", alarm.at("threshold"), f"{thr} of the timeout is not between 0 and 100%"
            )

    def _periods(self, alarm: _Alarm) -> None:
        from wsspec.monitoring import MAX_EVALUATION_SECONDS

        d = alarm.d
        period, ev, dp = (
            d.get("period", 300),
            d.get("evaluation_periods", 1),
            d.get("datapoints_to_alarm"),
        )
        if (
            isinstance(period, int)
            and isinstance(ev, int)
            and not isinstance(ev, bool)
            and ev >= 1
            and period * ev > MAX_EVALUATION_SECONDS
        ):
            self.add(
                "WS624",
                alarm.at("evaluation_periods", "period"),
                f"alarm {alarm.name!r} evaluates {ev} periods of {period} s = {period * ev} s; "
                f"CloudWatch allows at most {MAX_EVALUATION_SECONDS} s (one day)",
            )
        if isinstance(dp, int) and isinstance(ev, int) and dp > ev:
            self.add(
                "WS625",
                alarm.at("datapoints_to_alarm", "evaluation_periods"),
                f"datapoints_to_alarm ({dp}) cannot exceed evaluation_periods ({ev})",
                "M of N: M datapoints out of the last N periods must breach",
            )

    def _references(self, alarm: _Alarm, scope: str) -> None:
        """The function, table or route the alarm watches exists (and publishes metrics)."""
        ctx, d, name = self.ctx, alarm.d, alarm.name
        functions = ctx.section("functions")
        fn = d.get("function")
        if isinstance(fn, str) and fn != "*" and fn not in functions:
            self.add(
                "WS626",
                alarm.at("function"),
                f"function {fn!r} is not defined under 'functions'",
                did_you_mean(fn, functions) or "use '*' for every function",
            )
        # an untouched preset table alarm is simply not created when there is no table
        if scope == "table" and not ctx.data.get("connections") and alarm.origin:
            self.add(
                "WS627",
                alarm.at("table"),
                f"alarm {name!r} watches the connection table, but there "
                "is no 'connections' section",
                "add 'connections: true' or remove the alarm",
            )
        route = d.get("route")
        if not (isinstance(route, str) and scope == "route"):
            return
        routes = ctx.routes()
        stage = alarm.stage
        if route not in routes:
            self.add(
                "WS626",
                alarm.at("route"),
                f"route {route!r} is not defined under 'routes'",
                did_you_mean(route, routes),
            )
        elif stage is not None and not _detailed_metrics(ctx, stage, route):
            self.add(
                "WS628",
                alarm.at("route"),
                f"alarm {name!r} watches route {route!r}, but stage {stage!r} does not "
                "publish per-route metrics (detailed metrics are off), so the alarm never "
                "sees data",
                f"set detailed_metrics: true on stage {stage!r} or on its route {route!r} "
                "(per-route metrics cost extra)",
            )


def _detailed_metrics(ctx: Ctx, stage: str, route: str) -> bool:
    s = as_map(ctx.section("stages").get(stage))
    value = as_map(as_map(s.get("routes")).get(route)).get("detailed_metrics")
    return (value if value is not None else s.get("detailed_metrics")) is True


@check(
    "WS417",
    "WS608",
    "WS620",
    "WS621",
    "WS622",
    "WS623",
    "WS624",
    "WS625",
    "WS626",
    "WS627",
    "WS628",
    "WS629",
    "WS630",
    "WS631",
)
def monitoring(ctx: Ctx) -> None:
    raw = ctx.data.get("monitoring")
    if not isinstance(raw, dict):
        return
    rep = _Alarms(ctx)
    defs = _definitions(rep, raw)
    stage_names = list(ctx.section("stages")) or ["prod"]
    overrides = _overrides(rep, raw, defs, stage_names)
    _check_merged(rep, defs, overrides, stage_names)
    _retention(rep, raw)
    _notify(ctx, rep, as_map(raw.get("notify")))


def _definitions(rep: _Alarms, raw: dict[str, Any]) -> _Definitions:
    """The preset's alarms merged with ``monitoring.alarms`` (``false`` removes one)."""
    from wsspec.monitoring import recommended_alarms

    defs: _Definitions = {}
    if raw.get("preset") == "recommended":
        for name, d in recommended_alarms().items():
            defs[name] = (d, {}, _BASE + ("preset",))
    for name, d in as_map(raw.get("alarms")).items():
        path = _BASE + ("alarms", name)
        if d is False:
            defs.pop(name, None)
            continue
        if not isinstance(d, dict):
            continue
        rep.fields(path, d)
        old, origin, _ = defs.get(name, ({}, {}, path))
        defs[name] = ({**old, **d}, {**origin, **{k: path + (k,) for k in d}}, path)
    return defs


def _overrides(
    rep: _Alarms, raw: dict[str, Any], defs: _Definitions, stage_names: list[str]
) -> dict[str, dict[str, Any]]:
    """stage -> alarm name -> override (a mapping or ``false``), for the valid overrides."""
    from wsspec.monitoring import scope_of

    overrides: dict[str, dict[str, Any]] = {}
    for stage, so in as_map(raw.get("stages")).items():
        sp = _BASE + ("stages", stage)
        if stage not in stage_names:
            rep.add(
                "WS626",
                sp,
                f"stage {stage!r} is not defined under 'stages'",
                did_you_mean(stage, stage_names),
                key=True,
            )
            continue
        overrides[stage] = {}
        for name, o in as_map(as_map(so).get("alarms")).items():
            op = sp + ("alarms", name)
            if name not in defs:
                rep.add(
                    "WS626",
                    op,
                    f"alarm {name!r} is neither in the preset nor under monitoring.alarms",
                    "define it under monitoring.alarms (with 'enabled: false' "
                    "to create it only in the stages that turn it on)",
                    key=True,
                )
                continue
            if scope_of(defs[name][0]) in ("function", "table"):
                rep.add(
                    "WS626",
                    op,
                    f"alarm {name!r} watches a {scope_of(defs[name][0])}, which "
                    "stages do not have: stage overrides apply to API alarms",
                    key=True,
                )
                continue
            if isinstance(o, dict):
                rep.fields(op, o)
                for k in ("function", "table"):
                    if k in o:
                        rep.add(
                            "WS631",
                            op + (k,),
                            f"a stage override cannot move alarm {name!r} to a {k}",
                            key=True,
                        )
            overrides[stage][name] = o
    return overrides


def _check_merged(
    rep: _Alarms,
    defs: _Definitions,
    overrides: dict[str, dict[str, Any]],
    stage_names: list[str],
) -> None:
    """Each enabled alarm as created: once for a function/table alarm, per stage otherwise."""
    from wsspec.monitoring import scope_of

    for name, (d, origin, where) in defs.items():
        if scope_of(d) in ("function", "table"):
            if d.get("enabled", True) is not False:
                rep.definition(_Alarm(name, d, origin, where, None))
            continue
        for stage in stage_names:
            o = overrides.get(stage, {}).get(name, {})
            if o is False:
                continue
            o = as_map(o)
            op = _BASE + ("stages", stage, "alarms", name)
            merged = {**d, **{k: v for k, v in o.items() if k not in ("function", "table")}}
            if merged.get("enabled", True) is False:
                continue
            rep.definition(
                _Alarm(name, merged, {**origin, **{k: op + (k,) for k in o}}, where, stage)
            )


def _retention(rep: _Alarms, raw: dict[str, Any]) -> None:
    from wsspec.monitoring import RETENTION_DAYS

    days = raw.get("log_retention_days")
    if is_number(days) and days not in RETENTION_DAYS:
        near = min(RETENTION_DAYS, key=lambda x: abs(x - days))
        rep.add(
            "WS629",
            _BASE + ("log_retention_days",),
            f"CloudWatch Logs cannot keep logs for {days} days",
            f"use one of {', '.join(map(str, RETENTION_DAYS))} (nearest: {near})",
            claim=True,
        )


def _notify(ctx: Ctx, rep: _Alarms, notify: dict[str, Any]) -> None:
    """E-mail addresses and https:// URLs of the topic wsspec creates, or existing topic ARNs."""
    topic = as_map(notify.get("topic"))
    for i, email in enumerate(as_list(topic.get("email"))):
        if isinstance(email, str) and not _EMAIL.fullmatch(email):
            rep.add(
                "WS630",
                _BASE + ("notify", "topic", "email", i),
                f"{email!r} is not an e-mail address",
                "write it as name@example.com",
            )
    for i, url in enumerate(as_list(topic.get("https"))):
        if isinstance(url, str) and not _HTTPS_URL.fullmatch(url):
            hint = (
                "SNS 'https' subscriptions need an https:// URL"
                if url.startswith("http://")
                else "give the full URL, e.g. https://hooks.example.com/alarms"
            )
            rep.add(
                "WS630",
                _BASE + ("notify", "topic", "https", i),
                f"{url!r} is not an https:// URL",
                hint,
            )
    for i, arn in enumerate(as_list(notify.get("topic_arns"))):
        if isinstance(arn, str):
            check_arn(ctx, _BASE + ("notify", "topic_arns", i), arn, "sns")
