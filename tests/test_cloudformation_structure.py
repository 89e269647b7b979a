"""Parse each sample's template and check it against the spec model (not against a golden copy)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_cloudformation_support import (
    SAMPLE_FILES,
    load_sample,
    render_template,
    resources_of,
    sub_parts,
)
from wsspec import derive, names
from wsspec.model import Spec

ACCOUNT_PREFIX = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/"


@pytest.fixture(scope="module", params=[p.stem for p in SAMPLE_FILES])
def case(request: pytest.FixtureRequest) -> tuple[Spec, dict[str, Any]]:
    spec = load_sample(next(p for p in SAMPLE_FILES if p.stem == request.param))
    _, template = render_template(spec)
    return spec, template


def _res(t: dict[str, Any], logical: str) -> dict[str, Any]:
    assert logical in t["Resources"], f"missing resource {logical}"
    return t["Resources"][logical]


def _function_of(value: Any) -> str | None:
    """The spec function a ``Fn::GetAtt [FunctionX, Arn]`` points at, else None."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return value["Fn::GetAtt"][0]
    return None


def test_api_properties_match_the_spec(case) -> None:
    spec, t = case
    api = _res(t, "Api")
    assert api["Type"] == "AWS::ApiGatewayV2::Api"
    p = api["Properties"]
    assert p["ProtocolType"] == "WEBSOCKET"
    assert p["Name"] == spec.api.name
    assert p["RouteSelectionExpression"] == spec.api.route_selection
    assert p["ApiKeySelectionExpression"] == spec.api.api_key_selection
    assert p.get("Description") == spec.api.description
    assert p.get("Tags", {}) == dict(spec.api.tags)
    assert p.get("DisableExecuteApiEndpoint", False) == spec.api.disable_execute_api_endpoint


def test_each_route_has_its_key_target_authorization_and_integration_type(case) -> None:
    spec, t = case
    routes = resources_of(t, "AWS::ApiGatewayV2::Route")
    assert sorted(r["Properties"]["RouteKey"] for r in routes.values()) == sorted(
        r.key for r in spec.routes
    )
    for route in spec.routes:
        p = _res(t, names.route_logical(route.key))["Properties"]
        assert p["RouteKey"] == route.key
        assert p["AuthorizationType"] == route.authorization
        text, variables = sub_parts(p["Target"])
        assert text == "integrations/${Integration}"
        integ_logical = variables["Integration"]["Ref"]
        integ = spec.route_integration(route)
        ip = _res(t, integ_logical)["Properties"]
        assert ip["IntegrationType"] == integ.type
        if integ.kind == "lambda":
            _, uv = sub_parts(ip["IntegrationUri"])
            if integ.function:
                assert _function_of(uv["FunctionArn"]) == names.function_logical(integ.function)
            else:
                assert uv["FunctionArn"] == integ.lambda_arn
        elif integ.kind == "http":
            assert ip["IntegrationUri"] == integ.url
            assert ip["IntegrationMethod"] == integ.method
        elif integ.kind == "aws":
            _, uv = sub_parts(ip["IntegrationUri"])
            assert uv["Service"] == integ.service
        else:
            assert "IntegrationUri" not in ip
        if route.authorizer:
            auth = _res(t, p["AuthorizerId"]["Ref"])
            assert auth["Properties"]["Name"] == route.authorizer
            assert auth["Properties"]["AuthorizerType"] == "REQUEST"
        else:
            assert "AuthorizerId" not in p
        assert p.get("ApiKeyRequired", False) == route.api_key_required
        assert p.get("RequestParameters", {}) == {
            k: {"Required": v} for k, v in route.request_parameters.items()
        }
        assert p.get("RequestModels", {}) == dict(route.request_models)
        if route.two_way:
            assert p["RouteResponseSelectionExpression"] == "$default"
            rr = _res(t, names.route_response_logical(route.key))["Properties"]
            assert rr["RouteId"] == {"Ref": names.route_logical(route.key)}
            assert rr["RouteResponseKey"] == "$default"
            assert rr.get("ResponseModels", {}) == dict(route.response_models)
        else:
            assert "RouteResponseSelectionExpression" not in p


def test_integration_settings_match_the_spec(case) -> None:
    spec, t = case
    for integ in spec.integrations:
        p = _res(t, names.integration_logical(integ))["Properties"]
        assert p["TimeoutInMillis"] == integ.timeout_ms
        assert p.get("RequestTemplates", {}) == dict(integ.request_templates)
        assert p.get("RequestParameters", {}) == dict(integ.request_parameters)
        assert p.get("TemplateSelectionExpression") == integ.template_selection
        assert p.get("PassthroughBehavior") == integ.passthrough
        if integ.vpc_link:
            assert p["ConnectionType"] == "VPC_LINK"
            link = _res(t, p["ConnectionId"]["Ref"])
            assert link["Type"] == "AWS::ApiGateway::VpcLink"
            assert link["Properties"]["TargetArns"] == list(
                spec.vpc_link(integ.vpc_link).target_arns
            )
        elif integ.vpc_link_id:
            assert (p["ConnectionType"], p["ConnectionId"]) == ("VPC_LINK", integ.vpc_link_id)
        else:
            assert "ConnectionType" not in p
        responses = {
            r["Properties"]["IntegrationResponseKey"]: r["Properties"]
            for r in resources_of(t, "AWS::ApiGatewayV2::IntegrationResponse").values()
            if r["Properties"]["IntegrationId"] == {"Ref": names.integration_logical(integ)}
        }
        expected = {} if integ.proxy else {r.key: r for r in integ.responses}
        assert set(responses) == set(expected)
        for key, r in expected.items():
            assert responses[key].get("ResponseTemplates", {}) == dict(r.templates)
            assert responses[key].get("TemplateSelectionExpression") == r.template_selection
        if integ.kind == "aws":
            if integ.credentials_arn:
                assert p["CredentialsArn"] == integ.credentials_arn
            else:
                role = _res(t, p["CredentialsArn"]["Fn::GetAtt"][0])["Properties"]
                trust = role["AssumeRolePolicyDocument"]["Statement"][0]
                assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"}
                (st,) = role["Policies"][0]["PolicyDocument"]["Statement"]
                assert st["Action"] == list(integ.role.actions)
                assert "*" not in st["Resource"]


def test_every_lambda_route_and_authorizer_has_a_scoped_permission(case) -> None:
    spec, t = case
    expected: set[tuple[Any, str]] = set()
    for route in spec.routes:
        integ = spec.route_integration(route)
        if integ.kind != "lambda":
            continue
        target = names.function_logical(integ.function) if integ.function else integ.lambda_arn
        for stage in spec.stages:
            expected.add((target, f"{stage.name}/{route.key}"))
    for auth in spec.authorizers:
        target = names.function_logical(auth.function) if auth.function else auth.lambda_arn
        expected.add((target, f"authorizers/{names.authorizer_logical(auth.name)}"))
    found = set()
    for res in resources_of(t, "AWS::Lambda::Permission").values():
        p = res["Properties"]
        assert p["Action"] == "lambda:InvokeFunction"
        assert p["Principal"] == "apigateway.amazonaws.com"
        text, variables = sub_parts(p["SourceArn"])
        assert text.startswith(ACCOUNT_PREFIX), text
        rest = text[len(ACCOUNT_PREFIX) :]
        if rest == "${Path}":
            path = variables["Path"]
            assert "*" not in path  # the samples are small: per-route grants
        else:
            assert rest == "authorizers/${Authorizer}"
            path = "authorizers/" + variables["Authorizer"]["Ref"]
        target = _function_of(p["FunctionName"]) or p["FunctionName"]
        found.add((target, path))
    assert found == expected


def test_stages_carry_the_spec_settings(case) -> None:
    spec, t = case
    deployments = resources_of(t, "AWS::ApiGatewayV2::Deployment")
    for stage in spec.stages:
        p = _res(t, names.stage_logical(stage.name))["Properties"]
        assert p["StageName"] == stage.name
        if stage.auto_deploy:
            assert p["AutoDeploy"] is True and "DeploymentId" not in p
        else:
            assert p["DeploymentId"]["Ref"] in deployments
        d = stage.default_settings
        got = p.get("DefaultRouteSettings", {})
        assert got.get("ThrottlingBurstLimit") == d.throttling_burst
        assert got.get("ThrottlingRateLimit") == d.throttling_rate
        assert got.get("LoggingLevel") == d.logging_level
        assert got.get("DataTraceEnabled") == d.data_trace
        assert got.get("DetailedMetricsEnabled") == d.detailed_metrics
        assert set(p.get("RouteSettings", {})) == {
            k for k, s in stage.route_settings.items() if not s.is_empty()
        }
        assert p.get("StageVariables", {}) == dict(stage.variables)
        assert p.get("Tags", {}) == {**spec.api.tags, **stage.tags}  # the API's, then its own
        if stage.access_log is None:
            assert "AccessLogSettings" not in p
        else:
            al = p["AccessLogSettings"]
            assert al["Format"] == stage.access_log.format
            if stage.access_log.destination_arn:
                assert al["DestinationArn"] == stage.access_log.destination_arn
            else:
                group = _res(t, al["DestinationArn"]["Fn::GetAtt"][0])
                assert group["Properties"]["LogGroupName"] == names.access_log_group(
                    spec, stage.name
                )
        account_dep = names.ACCOUNT_LOGICAL in _res(t, names.stage_logical(stage.name)).get(
            "DependsOn", []
        )
        assert account_dep == (stage.execution_logging and spec.cloudwatch_role)


def test_deployment_carries_the_definition_hash_and_depends_on_every_route(case) -> None:
    spec, t = case
    deployments = resources_of(t, "AWS::ApiGatewayV2::Deployment")
    if all(s.auto_deploy for s in spec.stages):
        assert deployments == {}
        return
    (logical,) = deployments
    assert logical == "Deployment" + derive.api_definition_hash(spec)
    deps = set(deployments[logical]["DependsOn"])
    for route in spec.routes:
        assert names.route_logical(route.key) in deps
        if route.two_way:
            assert names.route_response_logical(route.key) in deps
    for logical_ir in resources_of(t, "AWS::ApiGatewayV2::IntegrationResponse"):
        assert logical_ir in deps


def test_functions_roles_and_log_groups_are_least_privilege(case) -> None:
    spec, t = case
    for fn in spec.functions:
        res = _res(t, names.function_logical(fn.name))
        p = res["Properties"]
        assert p["Code"] == f"../functions/{names.zip_name(fn.name)}"
        assert p["Handler"] == fn.lambda_handler and p["Runtime"] == fn.runtime
        assert p["MemorySize"] == fn.memory and p["Timeout"] == fn.timeout
        assert p["Architectures"] == [fn.architecture]
        env = p.get("Environment", {}).get("Variables", {})
        table_vars = derive.table_environment(spec, fn.name)
        for k, v in derive.environment(spec, fn.name).items():
            if k == "CONNECTIONS_TABLE":
                assert env[k] == {"Ref": names.CONNECTION_TABLE_LOGICAL}
            elif k in table_vars:
                assert env[k] == {"Ref": names.app_table_logical(table_vars[k])}
            else:
                assert env[k] == v
        log_logical = names.function_log_group_logical(fn.name)
        assert log_logical in res["DependsOn"]
        assert _res(t, log_logical)["Properties"]["LogGroupName"] == names.function_log_group(
            spec, fn.name
        )
        role = _res(t, p["Role"]["Fn::GetAtt"][0])["Properties"]
        assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
            "Service": "lambda.amazonaws.com"
        }
        statements = {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}
        assert statements["Logs"]["Resource"] == [{"Fn::GetAtt": [log_logical, "Arn"]}]
        if fn.manage_connections:
            arns = statements["ManageConnections"]["Resource"]
            assert len(arns) == 3 * len(spec.stages)
            for arn in arns:
                text, variables = sub_parts(arn)
                assert text.startswith(ACCOUNT_PREFIX) and text.endswith("/@connections/*")
                assert variables["Stage"] in {s.name for s in spec.stages}
        else:
            assert "ManageConnections" not in statements
        if fn.connection_table and spec.connections:
            assert statements["ConnectionTable"]["Resource"] == [
                {"Fn::GetAtt": [names.CONNECTION_TABLE_LOGICAL, "Arn"]}
            ]
        else:
            assert "ConnectionTable" not in statements
        assert all("*" not in s["Action"] for s in statements.values())


def test_connection_table_account_domain_and_outputs(case) -> None:
    spec, t = case
    tables = resources_of(t, "AWS::DynamoDB::Table")
    if spec.connections is None:
        assert not tables and "ConnectionTableName" not in t["Outputs"]
    else:
        p = tables[names.CONNECTION_TABLE_LOGICAL]["Properties"]
        assert p["TableName"] == names.table_name(spec)
        assert p["KeySchema"] == [{"AttributeName": "connectionId", "KeyType": "HASH"}]
        assert p["TimeToLiveSpecification"] == {
            "AttributeName": spec.connections.ttl_attribute,
            "Enabled": True,
        }
        assert t["Outputs"]["ConnectionTableName"]["Value"] == {
            "Ref": names.CONNECTION_TABLE_LOGICAL
        }
    accounts = resources_of(t, "AWS::ApiGateway::Account")
    assert bool(accounts) == spec.cloudwatch_role
    if spec.domain:
        dom = _res(t, names.DOMAIN_LOGICAL)["Properties"]
        assert dom["DomainName"] == spec.domain.name
        assert dom["DomainNameConfigurations"][0]["CertificateArn"] == spec.domain.certificate_arn
        mapping = _res(t, names.API_MAPPING_LOGICAL)["Properties"]
        assert mapping["Stage"] == {"Ref": names.stage_logical(spec.domain.stage)}
        assert mapping.get("ApiMappingKey") == spec.domain.base_path
    assert t["Outputs"]["ApiId"]["Value"] == {"Ref": "Api"}
    for stage in spec.stages:
        for key, scheme in (
            (names.output_wss_url(stage.name), "wss://"),
            (names.output_callback_url(stage.name), "https://"),
        ):
            text, variables = sub_parts(t["Outputs"][key]["Value"])
            assert text.startswith(scheme + "${Api}.execute-api.${AWS::Region}.")
            assert variables["Stage"] == {"Ref": names.stage_logical(stage.name)}


def test_logical_ids_come_from_names_and_are_valid(case) -> None:
    spec, t = case
    import re

    for logical in list(t["Resources"]) + list(t["Outputs"]):
        assert re.fullmatch(r"[A-Za-z0-9]{1,255}", logical), logical
    for fn in spec.functions:
        assert names.function_role_logical(fn.name) in t["Resources"]
    for m in derive.deployed_models(spec):
        assert t["Resources"][names.model_logical(m.name)]["Properties"]["Name"] == m.name


def test_resource_count_matches_derive(case) -> None:
    spec, t = case
    assert len(t["Resources"]) == derive.cloudformation_resource_count(
        spec, per_route=derive.permission_strategy(spec)
    )
