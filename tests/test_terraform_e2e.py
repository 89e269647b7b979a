"""End to end: ``terraform apply`` of wsspec's output against a moto server, read back, destroy.

The provider is pointed at moto (127.0.0.1) by a test-only ``moto_override.tf`` written into
a copy of the build directory -- never part of the generated output.

moto implements no apigatewayv2 ``CreateDeployment``, so this path uses a copy of each spec
whose stages all have ``auto_deploy: true`` (then wsspec emits no ``aws_apigatewayv2_deployment``;
the deployment resource itself is covered by ``terraform validate`` and the structure tests).

Samples on moto: chat, auth-http, dynamodb-direct, models-mock, chat-rooms. Not multi-stage: moto has no
AWS-managed IAM policies to attach (the CloudWatch role), never reports a custom domain as
AVAILABLE, and the sample's existing function ARN does not exist in moto's account.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.tfhelp import build, init, load, run, with_auto_deploy
from wsspec import derive, names
from wsspec.model import Spec, plain

pytestmark = pytest.mark.slow

ON_MOTO = ["chat", "auth-http", "dynamodb-direct", "models-mock", "chat-rooms"]
SERVICES = (
    "apigateway",
    "apigatewayv2",
    "cloudwatch",
    "dynamodb",
    "iam",
    "lambda",
    "logs",
    "sns",
    "sts",
)


def override(url: str) -> str:
    endpoints = "".join(f'    {s} = "{url}"\n' for s in SERVICES)
    return (
        'provider "aws" {\n'
        '  access_key                  = "testing"\n'
        '  secret_key                  = "testing"\n'
        "  skip_credentials_validation = true\n"
        "  skip_metadata_api_check     = true\n"
        "  skip_region_validation      = true\n"
        f"  endpoints {{\n{endpoints}  }}\n"
        "}\n"
    )


def _state(tf: dict[str, Any], cwd: Path) -> dict[tuple[str, str], dict[str, Any]]:
    doc = json.loads(run(tf, ["show", "-json", "-no-color"], cwd).stdout)
    res = doc.get("values", {}).get("root_module", {}).get("resources", [])
    return {(r["type"], r["name"]): r["values"] for r in res}


def _check_api(spec: Spec, state: dict[tuple[str, str], dict[str, Any]], url: str) -> None:
    import boto3

    kw: dict[str, Any] = {"endpoint_url": url, "region_name": "us-east-1"}
    v2 = boto3.client("apigatewayv2", **kw)
    api = next(a for a in v2.get_apis()["Items"] if a["Name"] == spec.api.name)
    api_id = api["ApiId"]
    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["RouteSelectionExpression"] == spec.api.route_selection
    assert state[("aws_apigatewayv2_api", "this")]["id"] == api_id

    routes = {r["RouteKey"]: r for r in v2.get_routes(ApiId=api_id)["Items"]}
    assert set(routes) == {r.key for r in spec.routes}
    for route in spec.routes:
        got = routes[route.key]
        integ = spec.route_integration(route)
        integ_id = got["Target"].removeprefix("integrations/")
        gi = v2.get_integration(ApiId=api_id, IntegrationId=integ_id)
        assert gi["IntegrationType"] == integ.type, route.key
        if integ.method:
            assert gi["IntegrationMethod"] == integ.method
        if integ.kind == "lambda" and integ.function:
            fn_name = names.function_name(spec, integ.function)
            assert gi["IntegrationUri"].endswith(f":function:{fn_name}/invocations")
        elif integ.kind == "http":
            assert gi["IntegrationUri"] == integ.url
        elif integ.kind == "aws":
            tail = f"action/{integ.action}" if integ.action else f"path/{integ.path}"
            assert gi["IntegrationUri"].endswith(f":{integ.service}:{tail}")
        if integ.request_templates:
            assert gi["RequestTemplates"] == dict(integ.request_templates)
        if integ.template_selection:
            assert gi["TemplateSelectionExpression"] == integ.template_selection
        if integ.passthrough:
            assert gi["PassthroughBehavior"] == integ.passthrough
        if integ.timeout_ms != 29000:
            assert gi["TimeoutInMillis"] == integ.timeout_ms
        if integ.role is not None:
            assert gi["CredentialsArn"].endswith(
                f":role/{names.integration_role_name(spec, integ)}"
            )
        if not integ.proxy:
            responses = v2.get_integration_responses(ApiId=api_id, IntegrationId=integ_id)["Items"]
            by_key = {r["IntegrationResponseKey"]: r for r in responses}
            assert set(by_key) == {r.key for r in integ.responses}
            for r in integ.responses:
                if r.templates:
                    assert by_key[r.key]["ResponseTemplates"] == dict(r.templates)
        assert got.get("AuthorizationType", "NONE") == route.authorization
        if route.authorizer:
            auth = spec.authorizer(route.authorizer)
            ga = v2.get_authorizer(ApiId=api_id, AuthorizerId=got["AuthorizerId"])
            assert ga["Name"] == auth.name and ga["AuthorizerType"] == "REQUEST"
            assert ga["IdentitySource"] == list(auth.identity_sources)
            assert ga["AuthorizerUri"].endswith(
                f":function:{names.function_name(spec, auth.function or '')}/invocations"
            )
        if route.request_models:
            assert got["RequestModels"] == dict(route.request_models)
        if route.model_selection:
            assert got["ModelSelectionExpression"] == route.model_selection
        if route.two_way:
            assert got["RouteResponseSelectionExpression"] == "$default"
            rr_id = state[("aws_apigatewayv2_route_response", names.route_label(route.key))]["id"]
            rr = v2.get_route_response(ApiId=api_id, RouteId=got["RouteId"], RouteResponseId=rr_id)
            assert rr["RouteResponseKey"] == "$default"
            if route.response_models:
                assert rr["ResponseModels"] == dict(route.response_models)

    for model in derive.deployed_models(spec):  # only models routes use reach API Gateway
        model_id = state[("aws_apigatewayv2_model", names.model_label(model.name))]["id"]
        gm = v2.get_model(ApiId=api_id, ModelId=model_id)
        assert gm["Name"] == model.name and gm["ContentType"] == model.content_type
        assert json.loads(gm["Schema"]) == plain(model.schema)

    stages = {s["StageName"]: s for s in v2.get_stages(ApiId=api_id)["Items"]}
    assert set(stages) == {s.name for s in spec.stages}
    for stage in spec.stages:
        got = stages[stage.name]
        assert got["AutoDeploy"] is True
        assert got.get("StageVariables", {}) == dict(stage.variables)
        d = stage.default_settings
        if d.throttling_burst is not None:
            assert got["DefaultRouteSettings"]["ThrottlingBurstLimit"] == d.throttling_burst
            assert got["DefaultRouteSettings"]["ThrottlingRateLimit"] == d.throttling_rate

    lam = boto3.client("lambda", **kw)
    for fn in spec.functions:
        cfg = lam.get_function(FunctionName=names.function_name(spec, fn.name))["Configuration"]
        assert cfg["Handler"] == fn.lambda_handler and cfg["Runtime"] == fn.runtime
        want_env = derive.environment(spec, fn.name)
        assert cfg.get("Environment", {}).get("Variables", {}) == want_env
    permissions = derive.lambda_permissions(spec, per_route=derive.permission_strategy(spec))
    for fn in spec.functions:
        if not any(p.function == fn.name for p in permissions):
            continue  # invoked by a stream trigger only: no resource policy
        policy = json.loads(
            lam.get_policy(FunctionName=names.function_name(spec, fn.name))["Policy"]
        )
        got_arns = sorted(s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in policy["Statement"])
        want = [p for p in permissions if p.function == fn.name]
        assert len(got_arns) == len(want)
        for p in want:
            if p.authorizer is None:
                assert f"{api['ApiId']}/{p.stage}/{p.route}" in {
                    a.split(":", 5)[5] for a in got_arns
                }

    if spec.connections is not None:
        ddb = boto3.client("dynamodb", **kw)
        ttl = ddb.describe_time_to_live(TableName=names.table_name(spec))["TimeToLiveDescription"]
        assert ttl["AttributeName"] == spec.connections.ttl_attribute
        assert ttl["TimeToLiveStatus"] == "ENABLED"
    for t in spec.tables:  # application tables (issue 23) and their stream triggers
        ddb = boto3.client("dynamodb", **kw)
        got = ddb.describe_table(TableName=names.app_table_name(spec, t.name))["Table"]
        assert [k["AttributeName"] for k in got["KeySchema"]] == [
            a.name for a in (t.partition, t.sort) if a is not None
        ]
        assert {i["IndexName"] for i in got.get("GlobalSecondaryIndexes", [])} == {
            i.name for i in t.global_indexes
        }
        assert (got.get("StreamSpecification") or {}).get("StreamViewType") == t.stream_view
    lam = boto3.client("lambda", **kw)
    for fn in spec.functions:
        if fn.triggers:
            fname = names.function_name(spec, fn.name)
            every = lam.list_event_source_mappings()["EventSourceMappings"]
            found = [m for m in every if m["FunctionArn"].endswith(f":function:{fname}")]
            assert len(found) == len(fn.triggers)
            assert all(
                ":table/" in m["EventSourceArn"] and "/stream/" in m["EventSourceArn"]
                for m in found
            )


@pytest.mark.parametrize("sample", ON_MOTO)
def test_apply_on_moto_creates_the_api_of_the_spec_then_destroys_it(
    sample: str,
    terraform: dict[str, Any],
    moto: Any,
    aws_env: dict[str, str],
    tmp_path: Path,
) -> None:
    moto.reset()
    spec = with_auto_deploy(load(sample))  # moto has no CreateDeployment: see the module doc
    tf_dir = build(spec, tmp_path)
    (tf_dir / "moto_override.tf").write_text(override(moto.url))
    init(terraform, tf_dir)
    run(terraform, ["apply", "-auto-approve", "-input=false", "-no-color"], tf_dir)
    try:
        state = _state(terraform, tf_dir)
        assert ("aws_apigatewayv2_deployment", "this") not in state
        _check_api(spec, state, moto.url)
        outputs = json.loads(run(terraform, ["output", "-json"], tf_dir).stdout)
        api_id = outputs["api_id"]["value"]
        stage = spec.stages[0].name
        assert outputs["callback_url"]["value"] == derive.callback_url(api_id, "us-east-1", stage)
        assert outputs["wss_url"]["value"] == derive.wss_url(api_id, "us-east-1", stage)
    finally:
        run(terraform, ["destroy", "-auto-approve", "-input=false", "-no-color"], tf_dir)
    import boto3

    v2 = boto3.client("apigatewayv2", endpoint_url=moto.url, region_name="us-east-1")
    assert spec.api.name not in {a["Name"] for a in v2.get_apis()["Items"]}
