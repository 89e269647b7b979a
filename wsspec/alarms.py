"""Alarm expansion (derive layer): the model's ``Monitoring`` -> concrete ``Alarm`` records.

API and route alarms are made once per stage (with that stage's overrides), function alarms
once per watched function (a ``"80%"`` threshold becomes that share of the function's timeout)
and table alarms once. CloudFormation, Terraform and the direct deploy all render this list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wsspec import names
from wsspec.errors import WsspecError
from wsspec.model import Spec
from wsspec.monitoring import (
    API_NAMESPACE,
    COMPARISONS,
    DYNAMODB_NAMESPACE,
    GUARD_METRICS,
    GUARD_NAMESPACE,
    LAMBDA_NAMESPACE,
    PERCENTILE,
    Alarm,
    AlarmSpec,
    Dimension,
    Threshold,
    TimeoutShare,
    alarm_spec,
)

NAME_LIMIT = 255  # CloudWatch AlarmName


def merged(base: AlarmSpec, override: Mapping[str, Any] | bool) -> AlarmSpec | None:
    """``base`` with a stage's override applied; None when the alarm is off for the stage."""
    if override is False:
        return None
    fields: dict[str, Any] = {
        "metric": base.metric,
        "statistic": base.statistic,
        "threshold": base.threshold,
        "comparison": base.comparison,
        "period": base.period,
        "evaluation_periods": base.evaluation_periods,
        "datapoints_to_alarm": base.datapoints_to_alarm,
        "treat_missing_data": base.treat_missing_data,
        "description": base.description,
        "route": base.route,
        "enabled": base.enabled,
    }
    fields.update(override if isinstance(override, Mapping) else {})
    result = alarm_spec(base.name, fields)
    return result if result.enabled else None


def _absolute(threshold: Threshold, timeout_seconds: int | None = None) -> float:
    """A threshold as CloudWatch takes it; a share of the timeout needs the function's timeout."""
    if isinstance(threshold, TimeoutShare):
        if timeout_seconds is None:
            raise ValueError("a share of the timeout is only a threshold for a function's Duration")
        return threshold.of(timeout_seconds)
    return float(threshold)


def _alarm(
    a: AlarmSpec,
    key: str,
    alarm_name: str,
    namespace: str,
    dims: tuple[Dimension, ...],
    threshold: float,
    *,
    stage: str | None = None,
    function: str | None = None,
) -> Alarm:
    pct = bool(PERCENTILE.match(a.statistic))
    return Alarm(
        key=key,
        alarm_name=alarm_name,
        description=a.description or f"{a.metric} {a.comparison} {threshold:g}",
        namespace=namespace,
        metric=a.metric,
        dimensions=dims,
        statistic=None if pct else a.statistic,
        extended_statistic=a.statistic if pct else None,
        period=a.period,
        evaluation_periods=a.evaluation_periods,
        datapoints_to_alarm=a.datapoints_to_alarm,
        threshold=threshold,
        comparison_operator=COMPARISONS[a.comparison],
        treat_missing_data=a.treat_missing_data,
        stage=stage,
        function=function,
    )


def _api_alarms(
    spec: Spec, defs: tuple[AlarmSpec, ...], overrides: Mapping[str, Mapping[str, Any]]
) -> list[Alarm]:
    out: list[Alarm] = []
    api_alarms = [a for a in defs if a.scope in ("api", "route")]
    for stage in spec.stages:
        stage_overrides = overrides.get(stage.name, {})
        for base in api_alarms:
            a = merged(base, stage_overrides.get(base.name, {}))
            if a is None:
                continue
            dims: tuple[Dimension, ...] = (
                Dimension("ApiId", "", api_id=True),
                Dimension("Stage", stage.name),
            )
            if a.route:
                dims += (Dimension("Route", a.route),)
            out.append(
                _alarm(
                    a,
                    f"{stage.name}/{a.name}",
                    names.physical(spec.api.name, stage.name, a.name, limit=NAME_LIMIT),
                    GUARD_NAMESPACE if a.metric in GUARD_METRICS else API_NAMESPACE,
                    dims,
                    _absolute(a.threshold),
                    stage=stage.name,
                )
            )
    return out


def _function_alarms(spec: Spec, defs: tuple[AlarmSpec, ...]) -> list[Alarm]:
    out: list[Alarm] = []
    for a in (x for x in defs if x.scope == "function" and x.enabled):
        watched = [spec.function(a.function)] if a.function else list(spec.functions)
        for fn in watched:
            out.append(
                _alarm(
                    a,
                    f"function/{fn.name}/{a.name}",
                    names.physical(spec.api.name, fn.name, a.name, limit=NAME_LIMIT),
                    LAMBDA_NAMESPACE,
                    (Dimension("FunctionName", names.function_name(spec, fn.name)),),
                    _absolute(a.threshold, fn.timeout),
                    function=fn.name,
                )
            )
    return out


def _table_alarms(spec: Spec, defs: tuple[AlarmSpec, ...]) -> list[Alarm]:
    if spec.connections is None:
        return []
    return [
        _alarm(
            a,
            f"table/{a.name}",
            names.physical(spec.api.name, "table", a.name, limit=NAME_LIMIT),
            DYNAMODB_NAMESPACE,
            (Dimension("TableName", names.table_name(spec)),),
            _absolute(a.threshold),
        )
        for a in defs
        if a.scope == "table" and a.enabled
    ]


def expand(spec: Spec) -> list[Alarm]:
    """Every concrete alarm of ``spec``, in a stable order (WS116 when two share a name)."""
    mon = spec.monitoring
    if mon is None:
        return []
    out = _api_alarms(spec, mon.alarms, mon.stage_overrides)
    out += _function_alarms(spec, mon.alarms)
    out += _table_alarms(spec, mon.alarms)
    seen: dict[str, str] = {}
    for alarm in out:
        other = seen.setdefault(alarm.alarm_name, alarm.key)
        if other != alarm.key:
            raise WsspecError(
                f"alarms {other!r} and {alarm.key!r} would both be named {alarm.alarm_name!r}",
                code="WS116",
                hint="rename one of the alarms",
            )
    return out


def topic_name(spec: Spec) -> str:
    """The SNS topic wsspec creates for the alarms (``monitoring.notify.topic``)."""
    return names.physical(spec.api.name, "alarms", limit=256)
