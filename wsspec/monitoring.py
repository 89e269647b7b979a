"""Monitoring records and the CloudWatch metric catalogue (model layer: imports no wsspec module).

The spec's ``monitoring`` section (or the one-word preset ``monitoring: recommended``) becomes a
frozen ``Monitoring`` record in the model (``build_monitoring``). ``wsspec.alarms.expand`` turns
it into the concrete ``Alarm`` records defined here (API alarms once per stage, function and
table alarms once) that every back end renders; the checks read the catalogue below.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# ----------------------------------------------------------------------------- metric catalogue
API_NAMESPACE = "AWS/ApiGateway"
LAMBDA_NAMESPACE = "AWS/Lambda"
DYNAMODB_NAMESPACE = "AWS/DynamoDB"

API_METRICS = (
    "ConnectCount",
    "MessageCount",
    "IntegrationError",
    "ClientError",
    "ExecutionError",
    "IntegrationLatency",
)
FUNCTION_METRICS = ("Errors", "Throttles", "Duration", "ConcurrentExecutions", "Invocations")
# Table metrics published with the TableName dimension alone (SystemErrors and ThrottledRequests
# also carry Operation, UserErrors is account-wide: an alarm on TableName alone sees no data).
TABLE_METRICS = (
    "ReadThrottleEvents",
    "WriteThrottleEvents",
    "ConsumedReadCapacityUnits",
    "ConsumedWriteCapacityUnits",
    "ConditionalCheckFailedRequests",
)
SCOPE_METRICS = {
    "api": API_METRICS,
    "route": API_METRICS,
    "function": FUNCTION_METRICS,
    "table": TABLE_METRICS,
}
MAX_EVALUATION_SECONDS = 86_400  # period x evaluation_periods: CloudWatch evaluates at most one day
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d{1,2})?|100)$")
COMPARISONS = {
    ">=": "GreaterThanOrEqualToThreshold",
    ">": "GreaterThanThreshold",
    "<": "LessThanThreshold",
    "<=": "LessThanOrEqualToThreshold",
}
RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
# Output names (CloudFormation Outputs, Terraform outputs, the deploy's printed outputs)
OUTPUT_ALARM_NAMES = "AlarmNames"
OUTPUT_ALARM_TOPIC = "AlarmTopicArn"
TRACING_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")


def is_statistic(value: str) -> bool:
    if value in STATISTICS:
        return True
    m = PERCENTILE.match(value)
    return bool(m) and float(value[1:]) <= 100


def is_period(value: int) -> bool:
    """CloudWatch alarm periods: 10 or 30 (high-resolution) or a multiple of 60 seconds."""
    return value in (10, 30) or (value > 0 and value % 60 == 0)


def scope_of(d: Mapping[str, Any]) -> str:
    """api | route | function | table, from the keys an alarm definition sets."""
    if d.get("table"):
        return "table"
    if d.get("function"):
        return "function"
    if d.get("route"):
        return "route"
    return "api"


# ----------------------------------------------------------------------------- model records
@dataclass(frozen=True)
class TimeoutShare:
    """A function Duration threshold given as a share of the function's timeout (``"80%"``)."""

    percent: float

    def of(self, timeout_seconds: int) -> float:
        """The threshold in milliseconds for a function with this timeout."""
        return timeout_seconds * 1000 * self.percent / 100


Threshold = float | TimeoutShare


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm as the spec states it (after preset + per-stage overrides are merged)."""

    name: str
    metric: str
    scope: str  # api | route | function | table
    function: str | None  # scope=function (None with scope=function: every managed function)
    route: str | None  # scope=route
    statistic: str
    threshold: Threshold  # a TimeoutShare only for a function's Duration (the checks ensure it)
    comparison: str  # >=, >, <, <=
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int | None
    treat_missing_data: str
    description: str | None
    enabled: bool = True  # false: defined (so a stage can turn it on) but not created


@dataclass(frozen=True)
class Monitoring:
    preset: str  # recommended | none
    alarms: tuple[AlarmSpec, ...]  # API-level definitions (scope api/route apply per stage)
    stage_overrides: Mapping[str, Mapping[str, Any]]  # stage -> alarm name -> partial override
    topic_emails: tuple[str, ...]
    topic_https: tuple[str, ...]
    create_topic: bool
    topic_arns: tuple[str, ...]
    log_retention_days: int | None
    tracing: bool
    topic_kms_key: str | None = None  # customer managed KMS key of the alarm topic


# The preset: alarms a WebSocket API operator wants on day one (read-only: copy before use).
_RECOMMENDED: dict[str, dict[str, Any]] = {
    "connect-spike": {
        "metric": "ConnectCount",
        "statistic": "Sum",
        "threshold": 1000,
        "period": 300,
        "description": "Connection spike: many new connections in 5 minutes",
    },
    "integration-errors": {
        "metric": "IntegrationError",
        "statistic": "Sum",
        "threshold": 5,
        "period": 300,
        "description": "Integrations returned errors",
    },
    "execution-errors": {
        "metric": "ExecutionError",
        "statistic": "Sum",
        "threshold": 5,
        "period": 300,
        "description": "API Gateway failed to execute requests",
    },
    "client-errors": {
        "metric": "ClientError",
        "statistic": "Sum",
        "threshold": 100,
        "period": 300,
        "description": "Many client errors (4xx)",
    },
    "integration-latency-p99": {
        "metric": "IntegrationLatency",
        "statistic": "p99",
        "threshold": 5000,
        "period": 300,
        "evaluation_periods": 3,
        "description": "p99 integration latency above 5 s",
    },
    "function-errors": {
        "function": "*",
        "metric": "Errors",
        "statistic": "Sum",
        "threshold": 1,
        "period": 300,
        "description": "Function errors",
    },
    "function-throttles": {
        "function": "*",
        "metric": "Throttles",
        "statistic": "Sum",
        "threshold": 1,
        "period": 300,
        "description": "Function throttled",
    },
    "function-duration": {
        "function": "*",
        "metric": "Duration",
        "statistic": "Maximum",
        "threshold": "80%",
        "period": 300,
        "description": "Function duration near its timeout",
    },
    "table-write-throttles": {
        "table": True,
        "metric": "WriteThrottleEvents",
        "statistic": "Sum",
        "threshold": 1,
        "period": 300,
        "description": "Connection table write throttling",
    },
    "table-read-throttles": {
        "table": True,
        "metric": "ReadThrottleEvents",
        "statistic": "Sum",
        "threshold": 1,
        "period": 300,
        "description": "Connection table read throttling",
    },
}


def recommended_alarms() -> dict[str, dict[str, Any]]:
    """The ``recommended`` preset's alarm definitions (a fresh copy)."""
    return copy.deepcopy(_RECOMMENDED)


def threshold_of(raw: Any) -> Threshold:
    """A threshold as the spec (or a merged override) gives it: a number or ``"<n>%"``."""
    if isinstance(raw, TimeoutShare):
        return raw
    if isinstance(raw, str):
        return TimeoutShare(float(raw.strip().removesuffix("%")))
    return float(raw)


def alarm_spec(name: str, d: Mapping[str, Any]) -> AlarmSpec:
    """One alarm definition (spec form, preset and overrides merged) as a record."""
    scope = scope_of(d)
    fn = d.get("function")
    return AlarmSpec(
        name=name,
        metric=d["metric"],
        scope=scope,
        function=None if fn in (None, "*") else fn,
        route=d.get("route"),
        statistic=str(d.get("statistic", "Sum")),
        threshold=threshold_of(d.get("threshold", 1)),
        comparison=d.get("comparison", ">="),
        period=int(d.get("period", 300)),
        evaluation_periods=int(d.get("evaluation_periods", 1)),
        datapoints_to_alarm=d.get("datapoints_to_alarm"),
        treat_missing_data=d.get("treat_missing_data", "notBreaching"),
        description=d.get("description"),
        enabled=d.get("enabled", True) is not False,
    )


def build_monitoring(raw: Any) -> Monitoring | None:
    """``monitoring`` from the spec (a preset word or a mapping) -> ``Monitoring``."""
    if raw is None or raw is False:
        return None
    d: Mapping[str, Any] = {"preset": raw} if isinstance(raw, str) else (raw or {})
    preset = d.get("preset", "recommended" if isinstance(raw, str) else "none")
    defs: dict[str, dict[str, Any]] = recommended_alarms() if preset == "recommended" else {}
    for name, override in (d.get("alarms") or {}).items():
        if override is False:
            defs.pop(name, None)
            continue
        defs[name] = {**defs.get(name, {}), **(override or {})}
    notify = d.get("notify") or {}
    topic = notify.get("topic") or {}
    return Monitoring(
        preset=preset,
        alarms=tuple(alarm_spec(name, v) for name, v in defs.items()),
        stage_overrides={
            k: dict((v or {}).get("alarms") or {}) for k, v in (d.get("stages") or {}).items()
        },
        topic_emails=tuple(topic.get("email") or ()),
        topic_https=tuple(topic.get("https") or ()),
        # `topic: {}` creates a topic without subscriptions
        create_topic=isinstance(notify.get("topic"), Mapping),
        topic_arns=tuple(notify.get("topic_arns") or ()),
        log_retention_days=d.get("log_retention_days", 30 if preset == "recommended" else None),
        tracing=bool(d.get("tracing", False)),
        topic_kms_key=topic.get("kms_key_arn"),
    )


# ----------------------------------------------------------------------------- concrete alarms
@dataclass(frozen=True)
class Dimension:
    name: str
    value: str  # literal, or "" with api_id=True
    api_id: bool = False  # the value is the API id (known only after creation)


@dataclass(frozen=True)
class Alarm:
    """One CloudWatch alarm every back end creates (``wsspec.alarms.expand`` makes them)."""

    key: str  # natural key: "<stage>/<name>", "function/<fn>/<name>", "table/<name>"
    alarm_name: str  # physical AlarmName
    description: str
    namespace: str
    metric: str
    dimensions: tuple[Dimension, ...]
    statistic: str | None  # one of STATISTICS
    extended_statistic: str | None  # pNN
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int | None
    threshold: float
    comparison_operator: str
    treat_missing_data: str
    stage: str | None
    function: str | None
