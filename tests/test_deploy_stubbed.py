"""Calls moto 5.2.1 does not implement, checked with botocore's Stubber.

moto answers apigatewayv2 CreateDeployment with 404 and UpdateStage with 500 (checked by
calling it), so the moto tests can only show that wsspec skips them with a warning. Here the
executor sends them to a stubbed client: Stubber validates every parameter against the
apigatewayv2 service model and checks the exact values.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from tests.test_plan import desired, fake_current, plan_for, spec_of
from wsspec.deploy.aws import Options
from wsspec.deploy.desired import deployment_marker
from wsspec.deploy.execute import Executor
from wsspec.errors import WsspecError


class StubAws:
    def __init__(self, client, endpoint_url=None):
        self.options = Options(endpoint_url=endpoint_url, concurrency=1)
        self._client = client

    def client(self, service, probe=False):
        assert service == "apigatewayv2"
        return self._client


@pytest.fixture()
def v2(aws_env):
    client = boto3.client(
        "apigatewayv2", region_name="us-east-1", endpoint_url="http://127.0.0.1:9"
    )
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_create_deployment_on_a_stage_whose_api_changed(v2):
    client, stub = v2
    spec = spec_of("chat")
    cur = fake_current(desired(spec), deployed="wsspec deployment old")
    plan = plan_for(spec, cur)
    stub.add_response(
        "create_deployment",
        {
            "DeploymentId": "dep1",
            "DeploymentStatus": "DEPLOYED",
            "Description": deployment_marker(spec),
        },
        expected_params={
            "ApiId": "api1",
            "StageName": "prod",
            "Description": deployment_marker(spec),
        },
    )
    result = Executor(StubAws(client)).run(plan)
    assert result.warnings == [] and result.calls == 1


def test_update_stage_sends_only_changed_settings(v2):
    client, stub = v2
    spec = spec_of("chat")
    cur = fake_current(desired(spec), deployed=deployment_marker(spec))
    st = cur.get("stage", "prod")
    st.props["DefaultRouteSettings"] = dict(
        st.props["DefaultRouteSettings"], ThrottlingBurstLimit=1
    )
    st.props["Description"] = "old"
    plan = plan_for(spec, cur)
    assert [(s.action, s.kind) for s in plan.steps] == [("update", "stage")]
    assert {c[0] for c in plan.steps[0].changes} == {"DefaultRouteSettings", "Description"}
    stub.add_response(
        "update_stage",
        {"StageName": "prod"},
        expected_params={
            "ApiId": "api1",
            "StageName": "prod",
            "Description": "",
            "DefaultRouteSettings": {
                "ThrottlingBurstLimit": 500,
                "ThrottlingRateLimit": 1000.0,
                "LoggingLevel": "OFF",
                "DataTraceEnabled": False,
                "DetailedMetricsEnabled": False,
            },
        },
    )
    result = Executor(StubAws(client)).run(plan)
    assert result.warnings == []


def test_missing_operation_on_an_emulator_is_skipped_with_a_warning(v2):
    client, stub = v2
    spec = spec_of("chat")
    plan = plan_for(spec, fake_current(desired(spec), deployed="stale"))
    stub.add_client_error(
        "create_deployment",
        service_error_code="404",
        service_message="Not Found",
        http_status_code=404,
    )
    result = Executor(StubAws(client, endpoint_url="http://127.0.0.1:9")).run(plan)
    assert (
        result.warnings
        and "does not implement apigatewayv2 create_deployment" in result.warnings[0]
    )


def test_access_denied_becomes_one_line_exit_3(v2):
    client, stub = v2
    spec = spec_of("chat")
    plan = plan_for(spec, fake_current(desired(spec), deployed="stale"))
    stub.add_client_error(
        "create_deployment",
        service_error_code="AccessDeniedException",
        service_message="User is not authorized",
        http_status_code=403,
    )
    with pytest.raises(WsspecError) as err:
        Executor(StubAws(client)).run(plan)
    assert err.value.exit_code == 3 and "\n" not in str(err.value)
    assert "access denied" in str(err.value)
