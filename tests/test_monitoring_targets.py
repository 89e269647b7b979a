"""Monitoring in every back end, checked against ``alarms.expand(spec)``.

CloudFormation (parsed template), Terraform (python-hcl2 parse of monitoring.tf / main.tf, and
the real ``terraform validate``) and the direct deploy's desired state must carry the same
alarms (namespace, metric, dimensions, statistic, threshold, comparison, periods, actions), the
same topic subscriptions, log retention and tracing. cfn-lint over every sample (including
samples/monitoring.yaml) runs in tests/test_cloudformation_lint.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_cloudformation_support import load_sample, render_template, resources_of
from tests.tfhelp import build, hcl_literal, init, parse, rendered, resources, run
from wsspec import derive, monitoring, names
from wsspec.alarms import expand as expand_alarms
from wsspec.alarms import topic_name
from wsspec.deploy.desired import API, Context, desired_state, topic_arn

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ["monitoring", "chat"]


def sample(name: str) -> Any:
    return load_sample(ROOT / "samples" / f"{name}.yaml")


def cfn_actions(spec: Any) -> list[Any]:
    out: list[Any] = list(spec.monitoring.topic_arns)
    if spec.monitoring.create_topic:
        out.append({"Ref": names.ALARM_TOPIC_LOGICAL})
    return out


# ----------------------------------------------------------------------------- CloudFormation
@pytest.mark.parametrize("name", SAMPLES)
def test_cloudformation_alarms_match_the_model(name: str) -> None:
    spec = sample(name)
    _, doc = render_template(spec)
    alarms = expand_alarms(spec)
    got = resources_of(doc, "AWS::CloudWatch::Alarm")
    assert len(got) == len(alarms) > 0
    for a in alarms:
        p = got[names.alarm_logical(a.key)]["Properties"]
        assert p["AlarmName"] == a.alarm_name
        assert (p["Namespace"], p["MetricName"]) == (a.namespace, a.metric)
        assert p["Dimensions"] == [
            {"Name": d.name, "Value": {"Ref": names.API_LOGICAL} if d.api_id else d.value}
            for d in a.dimensions
        ]
        assert (
            p.get("Statistic") == a.statistic and p.get("ExtendedStatistic") == a.extended_statistic
        )
        assert (p["Threshold"], p["ComparisonOperator"]) == (a.threshold, a.comparison_operator)
        assert (p["Period"], p["EvaluationPeriods"]) == (a.period, a.evaluation_periods)
        assert p.get("DatapointsToAlarm") == a.datapoints_to_alarm
        assert p["TreatMissingData"] == a.treat_missing_data
        assert p.get("AlarmActions", []) == cfn_actions(spec)


def test_cloudformation_topic_subscriptions_retention_tracing_and_outputs() -> None:
    spec = sample("monitoring")
    _, doc = render_template(spec)
    (topic,) = resources_of(doc, "AWS::SNS::Topic").values()
    assert topic["Properties"]["TopicName"] == topic_name(spec)
    subs = {
        (s["Properties"]["Protocol"], s["Properties"]["Endpoint"])
        for s in resources_of(doc, "AWS::SNS::Subscription").values()
    }
    assert subs == {
        ("email", "oncall@example.com"),
        ("https", "https://hooks.example.com/alarms/live-quotes"),
    }
    assert all(
        s["Properties"]["TopicArn"] == {"Ref": names.ALARM_TOPIC_LOGICAL}
        for s in resources_of(doc, "AWS::SNS::Subscription").values()
    )
    groups = resources_of(doc, "AWS::Logs::LogGroup")
    assert groups and all(g["Properties"]["RetentionInDays"] == 14 for g in groups.values())
    for logical, fn in resources_of(doc, "AWS::Lambda::Function").items():
        assert fn["Properties"]["TracingConfig"] == {"Mode": "Active"}
        log = [d for d in fn["DependsOn"] if doc["Resources"][d]["Type"] == "AWS::Logs::LogGroup"]
        assert log, f"{logical} is created before its log group"
    for role in resources_of(doc, "AWS::IAM::Role").values():
        sts = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        assert any(
            set(s["Action"]) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
            and s["Resource"] in ("*", ["*"])
            for s in sts
        )
    outs = doc["Outputs"]
    assert outs[monitoring.OUTPUT_ALARM_NAMES]["Value"].split(",") == [
        a.alarm_name for a in expand_alarms(spec)
    ]
    assert outs[monitoring.OUTPUT_ALARM_TOPIC]["Value"] == {"Ref": names.ALARM_TOPIC_LOGICAL}


def test_cloudformation_without_monitoring_has_none_of_it() -> None:
    spec = sample("models-mock")
    _, doc = render_template(spec)
    assert not resources_of(doc, "AWS::CloudWatch::Alarm") and not resources_of(
        doc, "AWS::SNS::Topic"
    )
    assert monitoring.OUTPUT_ALARM_NAMES not in doc["Outputs"]
    assert all(  # the default retention, not "never expire"
        g["Properties"]["RetentionInDays"] == derive.DEFAULT_LOG_RETENTION_DAYS
        for g in resources_of(doc, "AWS::Logs::LogGroup").values()
    )


# ----------------------------------------------------------------------------- Terraform
def tf_docs(spec: Any, tmp: Path) -> tuple[dict, dict]:
    files = rendered(spec, tmp)
    return parse(files["monitoring.tf"]), parse(files["main.tf"])


def tf_dimension(spec: Any, a: monitoring.Alarm, d: monitoring.Dimension) -> str:
    if d.api_id:
        return "${aws_apigatewayv2_api.this.id}"
    if d.name == "Stage":
        return f"${{aws_apigatewayv2_stage.{names.stage_label(d.value)}.name}}"
    if d.name == "FunctionName":
        return f"${{aws_lambda_function.{names.function_label(a.function)}.function_name}}"
    if d.name == "TableName":
        return "${aws_dynamodb_table.connections.name}"
    return d.value


@pytest.mark.parametrize("name", SAMPLES)
def test_terraform_alarms_match_the_model(name: str, tmp_path: Path) -> None:
    spec = sample(name)
    mon_doc, _ = tf_docs(spec, tmp_path)
    got = {
        label: body
        for (rtype, label), body in resources(mon_doc).items()
        if rtype == "aws_cloudwatch_metric_alarm"
    }
    alarms = expand_alarms(spec)
    assert len(got) == len(alarms) > 0
    actions = list(spec.monitoring.topic_arns) + (
        ["${aws_sns_topic.alarms.arn}"] if spec.monitoring.create_topic else []
    )
    by_name = {hcl_literal(b["alarm_name"]): b for b in got.values()}
    for a in alarms:
        b = by_name[a.alarm_name]
        assert (hcl_literal(b["namespace"]), hcl_literal(b["metric_name"])) == (
            a.namespace,
            a.metric,
        )
        stat = hcl_literal(b["statistic"]) if "statistic" in b else None
        ext = hcl_literal(b["extended_statistic"]) if "extended_statistic" in b else None
        assert (stat, ext) == (a.statistic, a.extended_statistic)
        assert float(b["threshold"]) == a.threshold
        assert hcl_literal(b["comparison_operator"]) == a.comparison_operator
        assert (b["period"], b["evaluation_periods"]) == (a.period, a.evaluation_periods)
        assert b.get("datapoints_to_alarm") == a.datapoints_to_alarm
        assert hcl_literal(b["treat_missing_data"]) == a.treat_missing_data
        dims = {
            k: v if v.startswith("${") else hcl_literal(v)
            for k, v in b["dimensions"].items()
            if not k.startswith("__")
        }
        assert dims == {d.name: tf_dimension(spec, a, d) for d in a.dimensions}
        assert [
            v if v.startswith("${") else hcl_literal(v) for v in b.get("alarm_actions", [])
        ] == actions


def test_terraform_topic_retention_tracing_and_outputs(tmp_path: Path) -> None:
    spec = sample("monitoring")
    mon_doc, main_doc = tf_docs(spec, tmp_path)
    res = resources(mon_doc)
    assert hcl_literal(res[("aws_sns_topic", "alarms")]["name"]) == topic_name(spec)
    subs = {
        (hcl_literal(b["protocol"]), hcl_literal(b["endpoint"]))
        for (t, _), b in res.items()
        if t == "aws_sns_topic_subscription"
    }
    assert subs == {
        ("email", "oncall@example.com"),
        ("https", "https://hooks.example.com/alarms/live-quotes"),
    }
    main = resources(main_doc)
    groups = [b for (t, _), b in main.items() if t == "aws_cloudwatch_log_group"]
    assert groups and all(b["retention_in_days"] == 14 for b in groups)
    fns = [b for (t, _), b in main.items() if t == "aws_lambda_function"]
    assert fns and all(b["tracing_config"][0]["mode"] in ('"Active"', "Active") for b in fns)
    outputs = {k.strip('"'): v for o in mon_doc["output"] for k, v in o.items()}
    assert [hcl_literal(v) for v in outputs["alarm_names"]["value"]] == [
        a.alarm_name for a in expand_alarms(spec)
    ]
    assert outputs["alarm_topic_arn"]["value"] == "${aws_sns_topic.alarms.arn}"


def test_terraform_without_monitoring_writes_no_monitoring_file(tmp_path: Path) -> None:
    assert "monitoring.tf" not in rendered(sample("models-mock"), tmp_path)


def test_terraform_validate_and_fmt_accept_the_monitoring_sample(
    terraform: dict, tmp_path: Path
) -> None:
    tf_dir = build(sample("monitoring"), tmp_path / "out")
    run(terraform, ["fmt", "-check", "-diff", "-no-color"], tf_dir)
    init(terraform, tf_dir)
    proc = run(terraform, ["validate", "-no-color"], tf_dir)
    assert "Success" in proc.stdout and "Warning" not in proc.stdout + proc.stderr


# ----------------------------------------------------------------------------- cross-target
def test_the_three_back_ends_create_the_same_alarms(tmp_path: Path) -> None:
    """CloudFormation, Terraform and the direct deploy: same alarm names and parameters."""
    spec = sample("monitoring")
    ctx = Context(region="us-east-1", account="123456789012")
    _, doc = render_template(spec)
    cfn = {
        p["AlarmName"]: p
        for p in (r["Properties"] for r in resources_of(doc, "AWS::CloudWatch::Alarm").values())
    }
    mon_doc, _ = tf_docs(spec, tmp_path)
    tf = {
        hcl_literal(b["alarm_name"]): b
        for (t, _), b in resources(mon_doc).items()
        if t == "aws_cloudwatch_metric_alarm"
    }
    dep = {
        r.key: r.props
        for r in desired_state(spec, ctx, zip_of=lambda s, f: b"")
        if r.kind == "alarm"
    }
    assert set(cfn) == set(tf) == set(dep)
    for name, p in dep.items():
        c, t = cfn[name], tf[name]
        for field, tf_key in (
            ("MetricName", "metric_name"),
            ("Namespace", "namespace"),
            ("ComparisonOperator", "comparison_operator"),
            ("TreatMissingData", "treat_missing_data"),
        ):
            assert p[field] == c[field] == hcl_literal(t[tf_key])
        for field, tf_key in (
            ("Period", "period"),
            ("EvaluationPeriods", "evaluation_periods"),
            ("DatapointsToAlarm", "datapoints_to_alarm"),
        ):
            assert p.get(field) == c.get(field) == t.get(tf_key)
        assert p["Threshold"] == c["Threshold"] == float(t["threshold"])
        assert p.get("ExtendedStatistic", p.get("Statistic")) == c.get(
            "ExtendedStatistic", c.get("Statistic")
        )
        assert (
            sorted(d["Name"] for d in p["Dimensions"])
            == sorted(d["Name"] for d in c["Dimensions"])
            == sorted(k for k in t["dimensions"] if not k.startswith("__"))
        )
        literal = {d["Name"]: d["Value"] for d in c["Dimensions"] if isinstance(d["Value"], str)}
        assert all(d["Value"] == API or d["Value"] == literal[d["Name"]] for d in p["Dimensions"])
        assert sorted(p["AlarmActions"]) == sorted(
            list(spec.monitoring.topic_arns) + [topic_arn(ctx, topic_name(spec))]
        )


def test_deploy_desired_state_carries_retention_and_tracing() -> None:
    spec = sample("monitoring")
    res = desired_state(
        spec, Context(region="us-east-1", account="123456789012"), zip_of=lambda s, f: b""
    )
    assert all(r.props["RetentionInDays"] == 14 for r in res if r.kind == "log_group")
    assert all(r.props["TracingConfig"] == {"Mode": "Active"} for r in res if r.kind == "function")
    assert {r.key for r in res if r.kind == "subscription"} == {
        "email:oncall@example.com",
        "https:https://hooks.example.com/alarms/live-quotes",
    }
