"""wsspec.monitoring and its checks: the preset, overrides, per-stage changes, validation rules."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from wsspec import derive, monitoring
from wsspec.alarms import expand as expand_alarms
from wsspec.alarms import topic_name
from wsspec.errors import WsspecError
from wsspec.model import build_model
from wsspec.validate import validate_text

BASE = """wsspec: 1
api: {name: demo}
routes:
  $connect: {function: app, authorization: none}
  $default: {function: app}
  ping: {function: app}
functions:
  app: {handler: handlers/app.py, timeout: 20}
  worker: {handler: handlers/worker.py}
connections: true
stages:
  dev: {throttling: {burst: 10, rate: 10}}
  prod:
    throttling: {burst: 10, rate: 10}
    routes:
      ping: {detailed_metrics: true}
"""


def spec_with(mon: Any, base: str = BASE) -> Any:
    text = base + yaml.safe_dump({"monitoring": mon}, sort_keys=False)
    result = validate_text(text, "t.yaml")
    assert result.spec is not None, [f.render() for f in result.findings]
    return result.spec


def findings(mon: Any, base: str = BASE) -> list[tuple[str, str]]:
    text = base + yaml.safe_dump({"monitoring": mon}, sort_keys=False)
    return [
        (f.code, f.path) for f in validate_text(text, "t.yaml").findings if f.code != "WS806"
    ]  # worker is unused on purpose


def by_key(spec: Any) -> dict[str, monitoring.Alarm]:
    return {a.key: a for a in expand_alarms(spec)}


# ----------------------------------------------------------------------------- the preset
def test_the_preset_word_gives_api_alarms_per_stage_function_alarms_per_function_and_table_alarms() -> (
    None
):
    alarms = by_key(spec_with("recommended"))
    api = {n for n, d in monitoring.recommended_alarms().items() if monitoring.scope_of(d) == "api"}
    fns = {
        n
        for n, d in monitoring.recommended_alarms().items()
        if monitoring.scope_of(d) == "function"
    }
    tables = {
        n for n, d in monitoring.recommended_alarms().items() if monitoring.scope_of(d) == "table"
    }
    expected = (
        {f"{s}/{n}" for s in ("dev", "prod") for n in api}
        | {f"function/{f}/{n}" for f in ("app", "worker") for n in fns}
        | {f"table/{n}" for n in tables}
    )
    assert set(alarms) == expected


def test_api_alarms_carry_api_id_and_stage_dimensions() -> None:
    a = by_key(spec_with("recommended"))["prod/connect-spike"]
    assert a.namespace == "AWS/ApiGateway" and a.metric == "ConnectCount"
    assert [(d.name, d.value, d.api_id) for d in a.dimensions] == [
        ("ApiId", "", True),
        ("Stage", "prod", False),
    ]
    assert a.alarm_name == "demo-prod-connect-spike"


def test_percentile_statistics_become_extended_statistics() -> None:
    a = by_key(spec_with("recommended"))["dev/integration-latency-p99"]
    assert a.statistic is None and a.extended_statistic == "p99"
    assert a.evaluation_periods == 3


def test_duration_threshold_in_percent_is_a_share_of_each_functions_timeout() -> None:
    alarms = by_key(spec_with("recommended"))
    assert alarms["function/app/function-duration"].threshold == 16_000  # 80% of 20 s, in ms
    assert alarms["function/worker/function-duration"].threshold == 8_000  # default 10 s


def test_the_preset_sets_30_day_retention_and_no_tracing() -> None:
    spec = spec_with("recommended")
    assert derive.log_retention_days(spec) == 30 and not derive.tracing(spec)


def test_preset_table_alarms_are_skipped_without_a_connection_table() -> None:
    spec = spec_with("recommended", BASE.replace("connections: true\n", ""))
    assert not [k for k in by_key(spec) if k.startswith("table/")]


def test_monitoring_false_and_the_none_preset_create_nothing() -> None:
    assert spec_with(False).monitoring is None
    none = spec_with("none")
    assert expand_alarms(none) == []
    # log groups still keep a bounded retention (nothing is kept forever by default)
    assert derive.log_retention_days(none) == derive.DEFAULT_LOG_RETENTION_DAYS


# ----------------------------------------------------------------------------- overrides
def test_overrides_change_a_preset_alarm_and_false_removes_one() -> None:
    alarms = by_key(
        spec_with(
            {
                "preset": "recommended",
                "alarms": {
                    "connect-spike": {"threshold": 50, "period": 60},
                    "client-errors": False,
                },
            }
        )
    )
    assert (
        alarms["prod/connect-spike"].threshold == 50 and alarms["prod/connect-spike"].period == 60
    )
    assert alarms["prod/connect-spike"].metric == "ConnectCount"  # the rest kept
    assert "prod/client-errors" not in alarms


def test_stage_overrides_apply_to_one_stage_only() -> None:
    alarms = by_key(
        spec_with(
            {
                "preset": "recommended",
                "stages": {
                    "dev": {
                        "alarms": {"connect-spike": {"threshold": 10}, "execution-errors": False}
                    }
                },
            }
        )
    )
    assert alarms["dev/connect-spike"].threshold == 10
    assert alarms["prod/connect-spike"].threshold == 1000
    assert "dev/execution-errors" not in alarms and "prod/execution-errors" in alarms


def test_a_disabled_alarm_is_created_only_in_stages_that_enable_it() -> None:
    alarms = by_key(
        spec_with(
            {
                "alarms": {"pings": {"route": "ping", "metric": "MessageCount", "enabled": False}},
                "stages": {"prod": {"alarms": {"pings": {"enabled": True}}}},
            }
        )
    )
    assert list(alarms) == ["prod/pings"]
    assert [(d.name, d.value) for d in alarms["prod/pings"].dimensions][1:] == [
        ("Stage", "prod"),
        ("Route", "ping"),
    ]


def test_function_alarms_can_target_one_function() -> None:
    alarms = by_key(
        spec_with(
            {
                "alarms": {
                    "busy": {
                        "function": "app",
                        "metric": "ConcurrentExecutions",
                        "statistic": "Maximum",
                        "threshold": 5,
                    }
                }
            }
        )
    )
    assert list(alarms) == ["function/app/busy"]
    assert [(d.name, d.value) for d in alarms["function/app/busy"].dimensions] == [
        ("FunctionName", "demo-app")
    ]


def test_comparisons_map_to_cloudwatch_operators() -> None:
    alarms = by_key(
        spec_with(
            {
                "alarms": {
                    "low": {
                        "metric": "MessageCount",
                        "comparison": "<",
                        "treat_missing_data": "breaching",
                    }
                }
            }
        )
    )
    assert alarms["prod/low"].comparison_operator == "LessThanThreshold"
    assert alarms["prod/low"].treat_missing_data == "breaching"


def test_notify_topic_and_existing_arns() -> None:
    spec = spec_with(
        {
            "notify": {
                "topic": {"email": ["a@example.com"], "https": ["https://h.example.com/x"]},
                "topic_arns": ["arn:aws:sns:us-east-1:123456789012:ops"],
            }
        }
    )
    mon = spec.monitoring
    assert mon.create_topic and mon.topic_emails == ("a@example.com",)
    assert mon.topic_https == ("https://h.example.com/x",)
    assert mon.topic_arns == ("arn:aws:sns:us-east-1:123456789012:ops",)
    assert topic_name(spec) == "demo-alarms"


def test_an_empty_topic_mapping_still_creates_the_topic() -> None:
    assert spec_with({"notify": {"topic": {}}}).monitoring.create_topic


def test_tracing_adds_the_xray_statement_to_every_function_role() -> None:
    spec = spec_with({"tracing": True})
    for fn in spec.functions:
        sts = [s for s in derive.function_statements(spec, fn.name) if s.sid == "Tracing"]
        assert sts and set(sts[0].actions) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_alarm_name_collisions_are_a_wsspec_error() -> None:
    base = BASE.replace("  dev: {throttling", "  a-b: {throttling").replace(
        "  app: {handler", "  a: {handler"
    )
    base = base.replace("function: app", "function: a")
    mon = {
        "alarms": {"c": {"metric": "MessageCount"}, "b-c": {"function": "a", "metric": "Errors"}}
    }
    assert ("WS116", "monitoring.alarms") in findings(mon, base)  # validation reports it
    text = base + yaml.safe_dump({"monitoring": mon}, sort_keys=False)
    spec = build_model(yaml.safe_load(text), source_file="t.yaml")
    with pytest.raises(WsspecError) as err:  # and expansion refuses it, for a model built anyway
        expand_alarms(spec)
    assert err.value.code == "WS116"


def test_is_statistic_and_is_period() -> None:
    assert all(monitoring.is_statistic(s) for s in ("Sum", "p50", "p99.9", "p100", "SampleCount"))
    assert not any(monitoring.is_statistic(s) for s in ("P99", "sum", "p101", "p", "avg"))
    assert all(monitoring.is_period(p) for p in (10, 30, 60, 300, 86400))
    assert not any(monitoring.is_period(p) for p in (0, 5, 20, 45, 90, 301))


# ----------------------------------------------------------------------------- validation
def test_a_full_valid_section_has_no_findings() -> None:
    assert (
        findings(
            {
                "preset": "recommended",
                "alarms": {
                    "pings": {"route": "ping", "metric": "MessageCount", "enabled": False},
                    "w": {"table": True, "metric": "ConsumedWriteCapacityUnits", "threshold": 10},
                },
                "stages": {"prod": {"alarms": {"pings": {"enabled": True}}}},
                "notify": {"topic": {"email": ["ops@example.com"]}},
                "log_retention_days": 14,
                "tracing": True,
            }
        )
        == []
    )


@pytest.mark.parametrize(
    "alarm,code,where",
    [
        ({"metric": "Errors"}, "WS620", "metric"),  # a function metric on the API
        ({"function": "app", "metric": "ConnectCount"}, "WS620", "metric"),
        ({"table": True, "metric": "SystemErrors"}, "WS620", "metric"),  # needs Operation too
        ({"metric": "MessageCount", "statistic": "avg"}, "WS621", "statistic"),
        ({"metric": "MessageCount", "statistic": "p101"}, "WS621", "statistic"),
        ({"metric": "MessageCount", "threshold": "lots"}, "WS622", "threshold"),
        ({"metric": "MessageCount", "threshold": float("nan")}, "WS622", "threshold"),
        ({"function": "app", "metric": "Duration", "threshold": "150%"}, "WS622", "threshold"),
        ({"function": "app", "metric": "Errors", "threshold": "50%"}, "WS622", "threshold"),
        ({"metric": "MessageCount", "period": 45}, "WS623", "period"),
        ({"metric": "MessageCount", "period": 5}, "WS623", "period"),
        ({"metric": "MessageCount", "evaluation_periods": 0}, "WS624", "evaluation_periods"),
        (
            {"metric": "MessageCount", "period": 3600, "evaluation_periods": 25},
            "WS624",
            "evaluation_periods",
        ),
        (
            {"metric": "MessageCount", "evaluation_periods": 2, "datapoints_to_alarm": 3},
            "WS625",
            "datapoints_to_alarm",
        ),
        ({"function": "nope", "metric": "Errors"}, "WS626", "function"),
        ({"route": "nope", "metric": "MessageCount"}, "WS626", "route"),
        ({"metric": "MessageCount", "route": "ping", "function": "app"}, "WS631", "route"),
    ],
)
def test_bad_alarm_definitions_are_reported_at_the_key(alarm: dict, code: str, where: str) -> None:
    got = findings({"alarms": {"x": alarm}})
    assert (code, f"monitoring.alarms.x.{where}") in got, got
    # no extra schema noise (a NaN is also a number no target can write: WS405)
    assert all(c.startswith("WS6") or c == "WS405" for c, _ in got), got


def test_one_day_is_the_longest_evaluation_window() -> None:
    ok = {"metric": "MessageCount", "period": 3600, "evaluation_periods": 24}
    assert findings({"alarms": {"x": ok}}) == []


def test_route_alarm_needs_detailed_metrics_in_every_stage_it_runs_in() -> None:
    got = findings({"alarms": {"pings": {"route": "ping", "metric": "MessageCount"}}})
    assert got == [("WS628", "monitoring.alarms.pings.route")]  # dev lacks them, prod has them
    assert (
        findings(
            {
                "alarms": {"pings": {"route": "ping", "metric": "MessageCount"}},
                "stages": {"dev": {"alarms": {"pings": False}}},
            }
        )
        == []
    )


def test_stage_wide_detailed_metrics_also_count() -> None:
    base = BASE.replace(
        "  dev: {throttling: {burst: 10, rate: 10}}",
        "  dev: {throttling: {burst: 10, rate: 10}, detailed_metrics: true}",
    )
    assert findings({"alarms": {"pings": {"route": "ping", "metric": "MessageCount"}}}, base) == []


def test_a_route_setting_can_turn_detailed_metrics_off_again() -> None:
    base = BASE.replace(
        "      ping: {detailed_metrics: true}", "      ping: {detailed_metrics: false}"
    )
    base = base.replace(
        "  prod:\n    throttling", "  prod:\n    detailed_metrics: true\n    throttling"
    )
    got = findings(
        {
            "alarms": {"pings": {"route": "ping", "metric": "MessageCount"}},
            "stages": {"dev": {"alarms": {"pings": False}}},
        },
        base,
    )
    assert got == [("WS628", "monitoring.alarms.pings.route")]


def test_stage_override_findings_point_at_the_override() -> None:
    got = findings(
        {
            "preset": "recommended",
            "stages": {
                "prod": {
                    "alarms": {
                        "connect-spike": {"period": 7},
                        "nope": {"threshold": 1},
                        "function-errors": {"threshold": 2},
                    }
                },
                "qa": {"alarms": {}},
            },
        }
    )
    assert ("WS623", "monitoring.stages.prod.alarms.connect-spike.period") in got
    assert ("WS626", "monitoring.stages.prod.alarms.nope") in got
    assert ("WS626", "monitoring.stages.prod.alarms.function-errors") in got
    assert ("WS626", "monitoring.stages.qa") in got


def test_a_finding_shared_by_every_stage_is_reported_once() -> None:
    got = findings({"alarms": {"x": {"metric": "MessageCount", "period": 45}}})
    assert got == [("WS623", "monitoring.alarms.x.period")]


def test_table_alarm_without_table_only_when_the_user_wrote_it() -> None:
    base = BASE.replace("connections: true\n", "")
    assert findings("recommended", base) == []
    assert findings({"alarms": {"t": {"table": True, "metric": "WriteThrottleEvents"}}}, base) == [
        ("WS627", "monitoring.alarms.t.table")
    ]


def test_retention_must_be_a_cloudwatch_value() -> None:
    assert findings({"log_retention_days": 10}) == [("WS629", "monitoring.log_retention_days")]
    assert findings({"log_retention_days": 731}) == []


@pytest.mark.parametrize(
    "notify,where",
    [
        ({"topic": {"email": ["not-an-address"]}}, "monitoring.notify.topic.email[0]"),
        ({"topic": {"email": ["a@b"]}}, "monitoring.notify.topic.email[0]"),
        ({"topic": {"https": ["http://example.com/hook"]}}, "monitoring.notify.topic.https[0]"),
        ({"topic": {"https": ["https://"]}}, "monitoring.notify.topic.https[0]"),
    ],
)
def test_malformed_endpoints(notify: dict, where: str) -> None:
    assert findings({"notify": notify}) == [("WS630", where)]


def test_topic_arns_must_be_sns_arns() -> None:
    assert findings({"notify": {"topic_arns": ["arn:aws:sqs:us-east-1:123456789012:q"]}}) == [
        ("WS608", "monitoring.notify.topic_arns[0]")
    ]


def test_tracing_at_the_top_level_points_to_monitoring() -> None:
    result = validate_text(BASE + "tracing: true\n", "t.yaml")
    [f] = [f for f in result.findings if f.code == "WS703"]
    assert "monitoring" in (f.hint or "")


def test_the_docs_preset_table_is_the_code() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "monitoring.md").read_text()
    section = text.split("\n## The `recommended` preset\n")[1].split("\n## ")[0]
    rows = {
        line.split("|")[1].strip().strip("`"): [c.strip() for c in line.split("|")[2:-1]]
        for line in section.splitlines()
        if line.startswith("| `")
    }
    preset = monitoring.recommended_alarms()
    assert set(rows) == set(preset)
    for name, d in preset.items():
        scope = {"api": "stage", "function": "function", "table": "table"}[monitoring.scope_of(d)]
        assert rows[name] == [
            scope,
            f"`{d['metric']}`",
            d["statistic"],
            f"{d.get('comparison', '>=')} {d['threshold']}",
            f"{d['period']} s × {d.get('evaluation_periods', 1)}",
        ]
