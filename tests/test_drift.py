"""`wsspec drift` and the deploy summary against a moto server (issue 17).

A deploy of every stage records the fingerprint of what it deployed in the API's ``Version``;
``drift`` then reports each value changed in AWS since, old (deployed) → new (in AWS).
"""

from __future__ import annotations

import json

import boto3
import pytest
import yaml
from click.testing import CliRunner

from tests.deploy_util import project
from wsspec.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()


def _client(url: str, service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, endpoint_url=url, region_name="us-east-1")


def test_a_skipped_deployment_is_not_counted_as_applied(moto, aws_env, tmp_path) -> None:
    moto.reset()
    path = str(project(tmp_path, "chat"))
    ep = ["--endpoint-url", moto.url]
    plan = json.loads(runner.invoke(app, ["plan", path, "-o", "json", *ep]).stdout)
    steps = len(plan["steps"])
    assert plan["summary"]["deploy"] == 1  # chat's prod stage is not auto-deployed
    out = runner.invoke(app, ["deploy", path, "--auto-approve", *ep])
    assert out.exit_code == 0, out.output
    # moto has no CreateDeployment: that step is skipped, and not counted
    assert f"Applied {steps - 1} change(s) with " in out.stdout
    assert "; 1 skipped (the endpoint lacks the operation)." in out.stdout
    moto.reset()
    js = json.loads(runner.invoke(app, ["deploy", path, "-y", "-o", "json", *ep]).stdout)
    assert js["applied_steps"] == steps - 1 and js["skipped_steps"] == 1


def test_drift_reports_each_value_changed_in_aws_with_old_and_new(moto, aws_env, tmp_path) -> None:
    moto.reset()
    path = str(project(tmp_path, "chat"))
    ep = ["--endpoint-url", moto.url]
    assert runner.invoke(app, ["deploy", path, "--yes", *ep]).exit_code == 0
    api = _client(moto.url, "apigatewayv2").get_apis()["Items"][0]
    recorded = api["Version"]
    assert recorded.startswith("wsspec ")
    again = runner.invoke(app, ["deploy", path, "--yes", *ep])
    assert "No changes." in again.stdout
    assert _client(moto.url, "apigatewayv2").get_apis()["Items"][0]["Version"] == recorded

    clean = runner.invoke(app, ["drift", path, "--detailed-exitcode", *ep])
    assert clean.exit_code == 0, clean.output
    assert clean.stdout.splitlines()[-1] == f"No drift: chat is as deployed ({recorded[7:]})."

    lam = _client(moto.url, "lambda")
    env = lam.get_function_configuration(FunctionName="chat-send_message")["Environment"]
    env["Variables"]["CONNECTIONS_TABLE"] = "someone-elses-table"
    lam.update_function_configuration(FunctionName="chat-send_message", Environment=env, Timeout=20)
    drifted = runner.invoke(app, ["drift", path, "--detailed-exitcode", *ep])
    assert drifted.exit_code == 2, drifted.output
    lines = drifted.stdout.splitlines()
    assert "  ~ changed function chat-send_message" in lines
    assert (
        '      Environment.CONNECTIONS_TABLE: "chat-connections" → "someone-elses-table"' in lines
    )
    assert "      Timeout: 10 → 20" in lines
    assert lines[-1].startswith("Drift: 1 resource(s) differ from the deploy")
    js = json.loads(runner.invoke(app, ["drift", path, "-o", "json", *ep]).stdout)
    assert js["drifted"] is True and js["deployed"] == recorded[7:]
    [item] = js["items"]
    assert (item["what"], item["kind"], item["key"]) == ("changed", "function", "chat-send_message")
    assert {"path": "Timeout", "op": "change", "old": 10, "new": 20} in item["changes"]
    # deploying puts the deployed values back: no drift
    assert runner.invoke(app, ["deploy", path, "--yes", *ep]).exit_code == 0
    assert runner.invoke(app, ["drift", path, "--detailed-exitcode", *ep]).exit_code == 0


def test_drift_after_a_spec_change_or_without_a_deploy_is_an_error(moto, aws_env, tmp_path) -> None:
    moto.reset()
    path = project(tmp_path, "chat")
    ep = ["--endpoint-url", moto.url]
    never = runner.invoke(app, ["drift", str(path), *ep])
    assert (
        never.exit_code == 1 and "error[WS941]" in never.stderr and "not deployed" in never.stderr
    )
    # a deploy of one stage does not record the whole API
    assert runner.invoke(app, ["deploy", str(path), "--stage", "prod", "--yes", *ep]).exit_code == 0
    partial = runner.invoke(app, ["drift", str(path), "--detailed-exitcode", *ep])
    assert partial.exit_code == 1 and "error[WS941]" in partial.stderr
    assert runner.invoke(app, ["deploy", str(path), "--yes", *ep]).exit_code == 0
    data = yaml.safe_load(path.read_text())
    data["functions"]["send_message"]["memory"] = 256
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    changed = runner.invoke(app, ["drift", str(path), "--detailed-exitcode", *ep])
    assert changed.exit_code == 1 and "error[WS940]" in changed.stderr
    assert "the spec changed since the last deploy" in changed.stderr


def test_an_emulator_without_aws_managed_policies_gets_a_hint(moto, aws_env, tmp_path) -> None:
    """multi-stage attaches an AWS managed policy a plain moto server does not know
    (docs/deploy.md: start it with MOTO_IAM_LOAD_MANAGED_POLICIES=true)."""
    moto.reset()
    from tests.test_deploy_moto import _existing_function

    _existing_function(moto.url, "device-config")  # the sample grants an existing function
    path = str(project(tmp_path, "multi-stage"))
    out = runner.invoke(app, ["deploy", path, "--yes", "--endpoint-url", moto.url])
    assert out.exit_code == 3
    [line] = [x for x in out.stderr.splitlines() if x.startswith("error[")]
    assert "AmazonAPIGatewayPushToCloudWatchLogs" in line
    assert line.endswith("start a moto server with MOTO_IAM_LOAD_MANAGED_POLICIES=true)")
