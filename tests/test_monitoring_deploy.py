"""Direct deploy of monitoring against a real moto server on 127.0.0.1.

Creates the alarms, the SNS topic with its subscriptions, log groups with retention and traced
functions; a redeploy writes nothing; changes update in place; destroy removes everything.
(moto 5.2.1 does not apply ``TracingConfig`` in UpdateFunctionConfiguration, so switching
tracing on an existing function is covered by the plan, not by reading moto back.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from click.testing import CliRunner

from tests.deploy_util import Counter, deploy, load, project
from wsspec.alarms import expand as expand_alarms
from wsspec.alarms import topic_name
from wsspec.cli import app
from wsspec.deploy.run import outputs
from wsspec.errors import WsspecError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def url(moto, aws_env):  # type: ignore[no-untyped-def]
    moto.reset()
    return moto.url


def client(url: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1")


def live_alarms(url: str) -> dict[str, dict[str, Any]]:
    return {a["AlarmName"]: a for a in client(url, "cloudwatch").describe_alarms()["MetricAlarms"]}


def sample_data() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "samples" / "monitoring.yaml").read_text())


def write(path: Path, data: dict[str, Any]) -> Any:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load(path)


def test_deploy_creates_alarms_topic_subscriptions_retention_and_tracing(
    url: str, tmp_path: Path
) -> None:
    spec = load(project(tmp_path, "monitoring"))
    session, result, _ = deploy(spec, url)
    api_id = result.ids["api"]
    alarms = live_alarms(url)
    want = expand_alarms(spec)
    assert set(alarms) == {a.alarm_name for a in want}
    topic = f"arn:aws:sns:us-east-1:123456789012:{topic_name(spec)}"
    for a in want:
        got = alarms[a.alarm_name]
        assert (got["Namespace"], got["MetricName"]) == (a.namespace, a.metric)
        assert sorted((d["Name"], d["Value"]) for d in got["Dimensions"]) == sorted(
            (d.name, api_id if d.api_id else d.value) for d in a.dimensions
        )
        assert (
            got.get("Statistic") == a.statistic
            and got.get("ExtendedStatistic") == a.extended_statistic
        )
        assert (got["Threshold"], got["ComparisonOperator"]) == (a.threshold, a.comparison_operator)
        assert (got["Period"], got["EvaluationPeriods"]) == (a.period, a.evaluation_periods)
        assert got.get("DatapointsToAlarm") == a.datapoints_to_alarm
        assert got["TreatMissingData"] == a.treat_missing_data
        assert sorted(got["AlarmActions"]) == sorted([topic, *spec.monitoring.topic_arns])
        tags = client(url, "cloudwatch").list_tags_for_resource(ResourceARN=got["AlarmArn"])["Tags"]
        assert {"Key": "wsspec:spec", "Value": spec.api.name} in tags
    subs = client(url, "sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert {(s["Protocol"], s["Endpoint"]) for s in subs} == {
        ("email", "oncall@example.com"),
        ("https", "https://hooks.example.com/alarms/live-quotes"),
    }
    groups = client(url, "logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/live-quotes")[
        "logGroups"
    ]
    assert len(groups) == 3 and all(g.get("retentionInDays") == 14 for g in groups)
    fns = client(url, "lambda").list_functions()["Functions"]
    assert fns and all(f["TracingConfig"] == {"Mode": "Active"} for f in fns)
    out = outputs(session, result)
    assert out["alarms"] == [a.alarm_name for a in want] and out["alarm_topic_arn"] == topic


def test_a_noop_redeploy_makes_zero_write_calls(url: str, tmp_path: Path) -> None:
    spec = load(project(tmp_path, "monitoring"))
    deploy(spec, url)
    session, result, counter = deploy(spec, url)
    assert session.plan.empty and result is None
    assert counter.writes == []
    assert {op for _, op in counter.calls} >= {
        "DescribeAlarms",
        "ListTagsForResource",
        "ListSubscriptionsByTopic",
        "DescribeLogGroups",
    }


def test_changes_update_alarms_and_retention_in_place(url: str, tmp_path: Path) -> None:
    path = project(tmp_path, "monitoring")
    deploy(load(path), url)
    data = sample_data()
    data["monitoring"]["alarms"]["connect-spike"]["threshold"] = 7000
    data["monitoring"]["log_retention_days"] = 30
    spec = write(path, data)
    session, _, counter = deploy(spec, url)
    steps = {(s.action, s.kind, s.key) for s in session.plan.steps}
    assert steps == {("update", "alarm", "live-quotes-prod-connect-spike")} | {
        ("update", "log_group", f"/aws/lambda/live-quotes-{f}")
        for f in ("quotes_connect", "quotes_disconnect", "quotes_message")
    }
    assert sorted(counter.writes) == ["PutMetricAlarm"] + ["PutRetentionPolicy"] * 3
    assert live_alarms(url)["live-quotes-prod-connect-spike"]["Threshold"] == 7000
    again, _, counter = deploy(spec, url)
    assert again.plan.empty and counter.writes == []


def test_removed_alarms_and_subscriptions_are_deleted_and_no_monitoring_removes_the_rest(
    url: str, tmp_path: Path
) -> None:
    path = project(tmp_path, "monitoring")
    deploy(load(path), url)
    data = sample_data()
    data["monitoring"]["alarms"]["message-concurrency"] = False
    data["monitoring"]["notify"]["topic"]["https"] = []
    session, _, _ = deploy(write(path, data), url)
    assert {(s.action, s.kind) for s in session.plan.steps} == {
        ("delete", "alarm"),
        ("delete", "subscription"),
    }
    assert "live-quotes-quotes_message-message-concurrency" not in live_alarms(url)
    del data["monitoring"]
    session, _, counter = deploy(write(path, data), url)
    assert live_alarms(url) == {}
    assert client(url, "sns").list_topics()["Topics"] == []
    groups = client(url, "logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/live-quotes")[
        "logGroups"
    ]
    # without monitoring the log groups keep the default retention (30 days), never "forever"
    assert groups and all(g.get("retentionInDays") == 30 for g in groups)
    assert counter.writes.count("PutRetentionPolicy") == 3
    assert counter.writes.count("UpdateFunctionConfiguration") == 3  # tracing back to PassThrough


def test_destroy_removes_alarms_topic_and_log_groups(url: str, tmp_path: Path) -> None:
    spec = load(project(tmp_path, "monitoring"))
    deploy(spec, url)
    session, _, _ = deploy(spec, url, destroy=True)
    kinds = {s.kind for s in session.plan.steps}
    assert {"alarm", "topic", "log_group"} <= kinds
    assert "subscription" not in kinds  # deleting the topic deletes its subscriptions
    assert live_alarms(url) == {}
    assert client(url, "sns").list_topics()["Topics"] == []
    assert client(url, "sns").list_subscriptions()["Subscriptions"] == []
    assert client(url, "logs").describe_log_groups()["logGroups"] == []


def test_an_alarm_of_the_same_name_without_the_wsspec_tag_is_not_overwritten(
    url: str, tmp_path: Path
) -> None:
    spec = load(project(tmp_path, "monitoring"))
    client(url, "cloudwatch").put_metric_alarm(
        AlarmName="live-quotes-prod-connect-spike",
        Namespace="Custom",
        MetricName="M",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
    )
    with pytest.raises(WsspecError) as err:
        deploy(spec, url)
    assert err.value.code == "WS928" and "CloudWatch alarm" in err.value.message
    assert live_alarms(url)["live-quotes-prod-connect-spike"]["Namespace"] == "Custom"


def test_stage_scoped_deploy_creates_only_that_stages_api_alarms(url: str, tmp_path: Path) -> None:
    spec = load(project(tmp_path, "monitoring"))
    deploy(spec, url, stages=["staging"])
    names_ = set(live_alarms(url))
    assert (
        "live-quotes-staging-connect-spike" in names_
        and "live-quotes-prod-connect-spike" not in names_
    )
    assert "live-quotes-quotes_message-function-errors" in names_  # not stage-scoped


def test_the_cli_prints_alarm_names_and_the_topic(url: str, tmp_path: Path) -> None:
    path = project(tmp_path, "monitoring")
    r = CliRunner().invoke(app, ["deploy", str(path), "--yes", "--endpoint-url", url])
    assert r.exit_code == 0, r.output
    assert "alarms: live-quotes-staging-connect-spike," in r.output
    assert "alarm topic: arn:aws:sns:us-east-1:123456789012:live-quotes-alarms" in r.output


def test_chat_with_the_preset_deploys_and_redeploys_without_writes(
    url: str, tmp_path: Path
) -> None:
    spec = load(project(tmp_path, "chat"))
    deploy(spec, url)
    assert set(live_alarms(url)) == {a.alarm_name for a in expand_alarms(spec)}
    groups = client(url, "logs").describe_log_groups()["logGroups"]
    assert all(g.get("retentionInDays") == 30 for g in groups)
    counter = Counter()
    session, _, _ = deploy(spec, url, counter=counter)
    assert session.plan.empty and counter.writes == []
