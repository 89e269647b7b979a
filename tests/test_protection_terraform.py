"""The Terraform output of API keys and usage plans applied to a moto server on 127.0.0.1: the
usage plan, the keys and their links exist, and no key value appears in any plan line. (A spec
without functions keeps the apply short; protected-chat's files pass `terraform validate` in
tests/test_terraform_tool.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.test_terraform_e2e import _state, override
from tests.tfhelp import build, init, load, run, with_auto_deploy
from wsspec import names

pytestmark = pytest.mark.slow

SPEC = """
wsspec: 1
api: {name: keyed}
routes:
  $connect: {integration: {type: mock, responses: {$default: {}}}, authorization: none,
             api_key_required: true}
  $default: {integration: {type: mock, responses: {$default: {}}}}
api_keys:
  partner-a: {usage_plan: partners}
  partner-b: {usage_plan: partners, enabled: false}
usage_plans:
  partners: {throttle: {rate: 50, burst: 100}, quota: {limit: 1000, period: WEEK, offset: 1}}
stages:
  prod: {throttling: {burst: 10, rate: 10}}
"""


def test_apply_creates_usage_plan_and_keys_and_no_plan_line_shows_a_key_value(
    terraform: dict[str, Any], moto: Any, aws_env: dict[str, str], tmp_path: Path
) -> None:
    moto.reset()
    path = tmp_path / "keyed.yaml"
    path.write_text(SPEC)
    spec = with_auto_deploy(load(path))
    tf_dir = build(spec, tmp_path)
    (tf_dir / "moto_override.tf").write_text(override(moto.url))
    init(terraform, tf_dir)
    run(terraform, ["apply", "-auto-approve", "-input=false", "-no-color"], tf_dir)
    try:
        state = _state(terraform, tf_dir)
        assert state[("aws_api_gateway_usage_plan", "partners")]["throttle_settings"] == [
            {"burst_limit": 100, "rate_limit": 50}
        ]
        c = boto3.client("apigateway", endpoint_url=moto.url, region_name="us-east-1")
        keys = c.get_api_keys(includeValues=True)["items"]
        assert {k["name"] for k in keys} == {
            names.api_key_name(spec, "partner-a"),
            names.api_key_name(spec, "partner-b"),
        }
        (plan,) = c.get_usage_plans()["items"]
        linked = c.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
        assert {k["name"] for k in linked} == {k["name"] for k in keys}
        shown = run(terraform, ["plan", "-no-color", "-input=false"], tf_dir).stdout
        shown += "".join(p.read_text() for p in tf_dir.glob("*.tf"))
        for k in keys:
            assert k["value"] not in shown
    finally:
        run(terraform, ["destroy", "-auto-approve", "-input=false", "-no-color"], tf_dir)
