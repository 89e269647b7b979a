"""CloudFormation and Terraform describe the same API, resource for resource.

Both outputs are reduced to one comparable form: references become canonical tokens
(``API``, ``REGION``, ``ACCOUNT``, ``aws`` for the partition, function ARNs by physical name),
each route carries the full settings of the integration it targets, and defaults one target
writes and the other leaves out (``TimeoutInMillis: 29000``, ``AuthorizationType: NONE``) are
filled in. The Terraform side is read with python-hcl2 from the files ``wsspec build`` writes;
the CloudFormation side from ``cloudformation.template`` (the document it serialises).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.tfhelp import SAMPLE_NAMES, blocks, load, parse, rendered, resources, template_parts
from wsspec.model import DEFAULT_TIMEOUT_MS
from wsspec.targets import BuildContext

cloudformation = pytest.importorskip("wsspec.targets.cloudformation")

PARTITION = "aws"
FN_ARN = "arn:aws:lambda:REGION:ACCOUNT:function:{}"
INVOKE = "arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/{}/invocations"
EXEC_ARN = "arn:aws:execute-api:REGION:ACCOUNT:API"


def _settings(d: dict[str, Any] | None) -> dict[str, Any]:
    out = {k: v for k, v in (d or {}).items() if v is not None}
    if "ThrottlingRateLimit" in out:
        out["ThrottlingRateLimit"] = float(out["ThrottlingRateLimit"])
    return out


def _strip_star(arn: str) -> str:
    return arn.removesuffix(":*")


def normal_form(
    integrations: dict[str, dict[str, Any]],
    routes: list[dict[str, Any]],
    authorizers: dict[str, dict[str, Any]],
    models: dict[str, dict[str, Any]],
    stages: dict[str, dict[str, Any]],
    permissions: list[tuple[str, str]],
    extras: dict[str, Any],
) -> dict[str, Any]:
    """The shared shape: routes keyed by route key, each with its integration's settings."""
    out_routes = {}
    for r in routes:
        target = dict(integrations[r.pop("Target")])
        r["Integration"] = target
        r.setdefault("AuthorizationType", "NONE")
        out_routes[r.pop("RouteKey")] = r
    return {
        "routes": out_routes,
        "authorizers": authorizers,
        "models": models,
        "stages": stages,
        "permissions": sorted(permissions),
        **extras,
    }


# ----------------------------------------------------------------------------- CloudFormation
def cfn_form(doc: dict[str, Any]) -> dict[str, Any]:
    res = doc["Resources"]

    def props(logical: str) -> dict[str, Any]:
        return res[logical].get("Properties", {})

    def ref(logical: str) -> str:
        if logical.startswith("AWS::"):
            return {
                "AWS::Region": "REGION",
                "AWS::AccountId": "ACCOUNT",
                "AWS::Partition": PARTITION,
                "AWS::URLSuffix": "amazonaws.com",
            }[logical]
        t = res[logical]["Type"]
        p = props(logical)
        return {
            "AWS::ApiGatewayV2::Api": lambda: "API",
            "AWS::ApiGatewayV2::Integration": lambda: f"integration:{logical}",
            "AWS::ApiGatewayV2::Authorizer": lambda: f"authorizer:{p['Name']}",
            "AWS::ApiGatewayV2::Model": lambda: p["Name"],
            "AWS::ApiGatewayV2::Deployment": lambda: "DEPLOYMENT",
            "AWS::ApiGatewayV2::Stage": lambda: p["StageName"],
            "AWS::ApiGateway::VpcLink": lambda: f"vpc-link:{p['Name']}",
            "AWS::DynamoDB::Table": lambda: p["TableName"],
            "AWS::Lambda::Function": lambda: p["FunctionName"],
            "AWS::ApiGatewayV2::DomainName": lambda: p["DomainName"],
        }[t]()

    def get_att(logical: str, attr: str) -> str:
        t = res[logical]["Type"]
        p = props(logical)
        if t == "AWS::Lambda::Function":
            return FN_ARN.format(p["FunctionName"])
        if t == "AWS::Logs::LogGroup":
            return f"arn:aws:logs:REGION:ACCOUNT:log-group:{p['LogGroupName']}:*"
        if t == "AWS::IAM::Role":
            return "generated-role"
        raise AssertionError((logical, attr))

    def value(v: Any) -> Any:
        if isinstance(v, dict) and len(v) == 1:
            ((fn, arg),) = v.items()
            if fn == "Ref":
                return ref(arg)
            if fn == "Fn::GetAtt":
                return get_att(*arg)
            if fn == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else arg
                resolved = {k: value(x) for k, x in variables.items()}

                def sub(m: re.Match[str]) -> str:
                    name = m.group(1)
                    if name in resolved:
                        return str(resolved[name])
                    if "." in name:
                        return get_att(*name.split(".", 1))
                    return ref(name)

                return re.sub(r"\$\{([^}!]+)\}", sub, text)
        if isinstance(v, dict):
            return {k: value(x) for k, x in v.items()}
        if isinstance(v, list):
            return [value(x) for x in v]
        return v

    integrations: dict[str, dict[str, Any]] = {}
    for logical, r in res.items():
        if r["Type"] == "AWS::ApiGatewayV2::Integration":
            p = value({k: x for k, x in props(logical).items() if k != "ApiId"})
            p.setdefault("TimeoutInMillis", DEFAULT_TIMEOUT_MS)
            p["Responses"] = {}
            integrations[f"integrations/integration:{logical}"] = p
    for logical, r in res.items():
        if r["Type"] == "AWS::ApiGatewayV2::IntegrationResponse":
            p = value({k: x for k, x in props(logical).items() if k != "ApiId"})
            target = integrations[f"integrations/{p.pop('IntegrationId')}"]
            target["Responses"][p.pop("IntegrationResponseKey")] = p
    route_response = {}
    for logical, r in res.items():
        if r["Type"] == "AWS::ApiGatewayV2::RouteResponse":
            p = props(logical)
            route_key = props(p["RouteId"]["Ref"])["RouteKey"]
            route_response[route_key] = value(
                {k: x for k, x in p.items() if k not in ("ApiId", "RouteId")}
            )
    routes = []
    for logical, r in res.items():
        if r["Type"] == "AWS::ApiGatewayV2::Route":
            p = value({k: x for k, x in props(logical).items() if k != "ApiId"})
            if "RequestParameters" in p:
                p["RequestParameters"] = {
                    k: x["Required"] for k, x in p["RequestParameters"].items()
                }
            if "AuthorizerId" in p:
                p["Authorizer"] = p.pop("AuthorizerId")
            if p["RouteKey"] in route_response:
                p["RouteResponse"] = route_response[p["RouteKey"]]
            routes.append(p)
    authorizers = {}
    models = {}
    stages = {}
    permissions = []
    extras: dict[str, Any] = {}
    compared = (
        "AWS::ApiGatewayV2::Authorizer",
        "AWS::ApiGatewayV2::Model",
        "AWS::ApiGatewayV2::Stage",
        "AWS::Lambda::Permission",
        "AWS::ApiGatewayV2::Api",
        "AWS::ApiGatewayV2::DomainName",
        "AWS::ApiGatewayV2::ApiMapping",
        "AWS::ApiGateway::VpcLink",
        "AWS::DynamoDB::Table",
    )
    for logical, r in res.items():
        t = r["Type"]
        if t == "AWS::Lambda::Function":
            p = props(logical)
            extras.setdefault("functions", {})[p["FunctionName"]] = {
                k: p.get(k)
                for k in ("Handler", "Runtime", "MemorySize", "Timeout", "Architectures")
            }
            continue
        if t not in compared or (t == "AWS::DynamoDB::Table" and logical != "ConnectionTable"):
            continue  # application tables: tests/test_tables_targets.py compares them
        p = value({k: x for k, x in props(logical).items() if k != "ApiId"})
        if t == "AWS::ApiGatewayV2::Authorizer":
            authorizers[p.pop("Name")] = p
        elif t == "AWS::ApiGatewayV2::Model":
            p["Schema"] = p["Schema"] if isinstance(p["Schema"], dict) else json.loads(p["Schema"])
            models[p.pop("Name")] = p
        elif t == "AWS::ApiGatewayV2::Stage":
            p["DefaultRouteSettings"] = _settings(p.get("DefaultRouteSettings"))
            p["RouteSettings"] = {
                k: _settings(x) for k, x in (p.get("RouteSettings") or {}).items()
            }
            if "AccessLogSettings" in p:
                p["AccessLogSettings"]["DestinationArn"] = _strip_star(
                    p["AccessLogSettings"]["DestinationArn"]
                )
            p["DependsOnAccount"] = "ApiGatewayAccount" in r.get("DependsOn", [])
            stages[p.pop("StageName")] = p
        elif t == "AWS::Lambda::Permission":
            fn = p["FunctionName"]
            permissions.append((fn.rsplit(":", 1)[-1], p["SourceArn"]))
        elif t == "AWS::ApiGatewayV2::Api":
            extras["api"] = p
        elif t == "AWS::ApiGatewayV2::DomainName":
            extras["domain"] = p
        elif t == "AWS::ApiGatewayV2::ApiMapping":
            extras["api_mapping"] = p
        elif t == "AWS::ApiGateway::VpcLink":
            extras.setdefault("vpc_links", {})[p.pop("Name")] = p
        elif t == "AWS::DynamoDB::Table":
            extras["table"] = {
                "TableName": p["TableName"],
                "TTL": p["TimeToLiveSpecification"],
                "BillingMode": p["BillingMode"],
            }
    return normal_form(integrations, routes, authorizers, models, stages, permissions, extras)


# ----------------------------------------------------------------------------- Terraform
TF_TO_CFN = {
    "integration_type": "IntegrationType",
    "integration_method": "IntegrationMethod",
    "integration_uri": "IntegrationUri",
    "connection_type": "ConnectionType",
    "connection_id": "ConnectionId",
    "credentials_arn": "CredentialsArn",
    "description": "Description",
    "timeout_milliseconds": "TimeoutInMillis",
    "passthrough_behavior": "PassthroughBehavior",
    "content_handling_strategy": "ContentHandlingStrategy",
    "template_selection_expression": "TemplateSelectionExpression",
    "request_parameters": "RequestParameters",
    "request_templates": "RequestTemplates",
    "response_templates": "ResponseTemplates",
    "route_key": "RouteKey",
    "target": "Target",
    "authorization_type": "AuthorizationType",
    "authorizer_id": "Authorizer",
    "api_key_required": "ApiKeyRequired",
    "operation_name": "OperationName",
    "model_selection_expression": "ModelSelectionExpression",
    "request_models": "RequestModels",
    "route_response_selection_expression": "RouteResponseSelectionExpression",
    "route_response_key": "RouteResponseKey",
    "integration_response_key": "IntegrationResponseKey",
    "response_models": "ResponseModels",
    "authorizer_type": "AuthorizerType",
    "authorizer_uri": "AuthorizerUri",
    "identity_sources": "IdentitySource",
    "authorizer_credentials_arn": "AuthorizerCredentialsArn",
    "content_type": "ContentType",
    "schema": "Schema",
    "auto_deploy": "AutoDeploy",
    "deployment_id": "DeploymentId",
    "stage_variables": "StageVariables",
    "tags": "Tags",
    "data_trace_enabled": "DataTraceEnabled",
    "detailed_metrics_enabled": "DetailedMetricsEnabled",
    "logging_level": "LoggingLevel",
    "throttling_burst_limit": "ThrottlingBurstLimit",
    "throttling_rate_limit": "ThrottlingRateLimit",
    "destination_arn": "DestinationArn",
    "format": "Format",
    "name": "Name",
    "protocol_type": "ProtocolType",
    "route_selection_expression": "RouteSelectionExpression",
    "api_key_selection_expression": "ApiKeySelectionExpression",
    "disable_execute_api_endpoint": "DisableExecuteApiEndpoint",
    "target_arns": "TargetArns",
    "api_mapping_key": "ApiMappingKey",
    "domain_name": "DomainName",
    "stage": "Stage",
    "certificate_arn": "CertificateArn",
    "endpoint_type": "EndpointType",
    "security_policy": "SecurityPolicy",
}


def tf_form(main_tf: str) -> dict[str, Any]:
    res = resources(parse(main_tf))

    def attr(rtype: str, label: str, name: str) -> Any:
        return value(res[(rtype, label)][name])

    def expr(e: str) -> Any:
        e = e.strip()
        if e.startswith("jsonencode("):
            raise AssertionError("jsonencode is compared through hcl2 separately")
        m = re.fullmatch(r"([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)", e)
        if e == "var.region":
            return "REGION"
        if e == "data.aws_partition.current.partition":
            return PARTITION
        if e == "data.aws_caller_identity.current.account_id":
            return "ACCOUNT"
        assert m, e
        rtype, label, field = m.groups()
        simple: dict[tuple[str, str], Callable[[], Any]] = {
            ("aws_apigatewayv2_api", "id"): lambda: "API",
            ("aws_apigatewayv2_api", "execution_arn"): lambda: EXEC_ARN,
            ("aws_apigatewayv2_integration", "id"): lambda: f"integration:{label}",
            ("aws_apigatewayv2_authorizer", "id"): lambda: (
                f"authorizer:{attr(rtype, label, 'name')}"
            ),
            ("aws_apigatewayv2_model", "name"): lambda: attr(rtype, label, "name"),
            ("aws_apigatewayv2_deployment", "id"): lambda: "DEPLOYMENT",
            ("aws_apigatewayv2_stage", "id"): lambda: attr(rtype, label, "name"),
            ("aws_apigatewayv2_route", "route_key"): lambda: attr(rtype, label, "route_key"),
            ("aws_api_gateway_vpc_link", "id"): lambda: f"vpc-link:{attr(rtype, label, 'name')}",
            ("aws_lambda_function", "invoke_arn"): lambda: INVOKE.format(
                FN_ARN.format(attr(rtype, label, "function_name"))
            ),
            ("aws_lambda_function", "arn"): lambda: FN_ARN.format(
                attr(rtype, label, "function_name")
            ),
            ("aws_lambda_function", "function_name"): lambda: attr(rtype, label, "function_name"),
            ("aws_cloudwatch_log_group", "arn"): lambda: (
                f"arn:aws:logs:REGION:ACCOUNT:log-group:{attr(rtype, label, 'name')}"
            ),
            ("aws_iam_role", "arn"): lambda: "generated-role",
            ("aws_dynamodb_table", "name"): lambda: attr(rtype, label, "name"),
            ("aws_apigatewayv2_domain_name", "id"): lambda: attr(rtype, label, "domain_name"),
        }
        return simple[(rtype, field)]()

    def value(v: Any) -> Any:
        if isinstance(v, str):
            if v.startswith('"'):
                return "".join(
                    text if kind == "lit" else str(expr(text)) for kind, text in template_parts(v)
                )
            if v.startswith("${") and v.endswith("}"):
                return expr(v[2:-1])
            return v
        if isinstance(v, list):
            return [value(x) for x in v]
        if isinstance(v, dict):
            return {_key(k): value(x) for k, x in v.items() if not k.startswith("__")}
        return v

    def _key(k: str) -> str:
        return value(k) if k.startswith('"') else k

    def cfn_props(body: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
        out = {}
        for k, x in body.items():
            if k in ("api_id", "depends_on", "lifecycle", "__is_block__") or k in skip:
                continue
            if (
                k in TF_TO_CFN
                and not isinstance(x, list)
                or k in ("identity_sources", "target_arns")
            ):
                out[TF_TO_CFN[k]] = value(x)
        return out

    integrations = {}
    for (rtype, label), body in res.items():
        if rtype == "aws_apigatewayv2_integration":
            p = cfn_props(body)
            p.setdefault("TimeoutInMillis", DEFAULT_TIMEOUT_MS)
            p["Responses"] = {}
            integrations[f"integrations/integration:{label}"] = p
    for (rtype, _label), body in res.items():
        if rtype == "aws_apigatewayv2_integration_response":
            p = cfn_props(body, skip=("integration_id",))
            target = integrations["integrations/" + value(body["integration_id"])]
            target["Responses"][p.pop("IntegrationResponseKey")] = p
    route_response = {}
    for (rtype, _label), body in res.items():
        if rtype == "aws_apigatewayv2_route_response":
            route_label = re.fullmatch(
                r"\$\{aws_apigatewayv2_route\.(.+)\.id\}", body["route_id"]
            ).group(1)
            route_response[attr("aws_apigatewayv2_route", route_label, "route_key")] = cfn_props(
                body, skip=("route_id",)
            )
    routes = []
    for (rtype, _label), body in res.items():
        if rtype == "aws_apigatewayv2_route":
            p = cfn_props(body)
            params = {
                value(b["request_parameter_key"]): b["required"]
                for b in blocks(body, "request_parameter")
            }
            if params:
                p["RequestParameters"] = params
            if p["RouteKey"] in route_response:
                p["RouteResponse"] = route_response[p["RouteKey"]]
            routes.append(p)
    authorizers, models, stages, permissions, extras = {}, {}, {}, [], {}
    for (rtype, _label), body in res.items():
        if rtype == "aws_apigatewayv2_authorizer":
            p = cfn_props(body)
            authorizers[p.pop("Name")] = p
        elif rtype == "aws_apigatewayv2_model":
            p = cfn_props(body, skip=("schema",))
            p["Schema"] = _schema(body["schema"])
            models[p.pop("Name")] = p
        elif rtype == "aws_apigatewayv2_stage":
            p = cfn_props(body)
            p["DefaultRouteSettings"] = _settings(
                cfn_props(body["default_route_settings"][0])
                if "default_route_settings" in body
                else {}
            )
            p["RouteSettings"] = {}
            for b in blocks(body, "route_settings"):
                s = cfn_props(b)
                route_key = s.pop("RouteKey")
                p["RouteSettings"][route_key] = _settings(s)
            if "access_log_settings" in body:
                a = cfn_props(body["access_log_settings"][0])
                a["DestinationArn"] = _strip_star(a["DestinationArn"])
                p["AccessLogSettings"] = a
            p["DependsOnAccount"] = "${aws_api_gateway_account.this}" in body.get("depends_on", [])
            stages[p.pop("Name")] = p
        elif rtype == "aws_lambda_permission":
            permissions.append(
                (value(body["function_name"]).rsplit(":", 1)[-1], value(body["source_arn"]))
            )
        elif rtype == "aws_apigatewayv2_api":
            extras["api"] = cfn_props(body)
        elif rtype == "aws_apigatewayv2_domain_name":
            p = cfn_props(body)
            p["DomainNameConfigurations"] = [cfn_props(body["domain_name_configuration"][0])]
            extras["domain"] = p
        elif rtype == "aws_apigatewayv2_api_mapping":
            extras["api_mapping"] = cfn_props(body)
        elif rtype == "aws_api_gateway_vpc_link":
            p = cfn_props(body)
            extras.setdefault("vpc_links", {})[p.pop("Name")] = p
        elif rtype == "aws_dynamodb_table":
            ttl = body["ttl"][0]
            extras["table"] = {
                "TableName": value(body["name"]),
                "TTL": {"AttributeName": value(ttl["attribute_name"]), "Enabled": ttl["enabled"]},
                "BillingMode": value(body["billing_mode"]),
            }
        elif rtype == "aws_lambda_function":
            extras.setdefault("functions", {})[value(body["function_name"])] = {
                "Handler": value(body["handler"]),
                "Runtime": value(body["runtime"]),
                "MemorySize": body["memory_size"],
                "Timeout": body["timeout"],
                "Architectures": value(body["architectures"]),
            }
    return normal_form(integrations, routes, authorizers, models, stages, permissions, extras)


def _schema(raw: str) -> Any:
    """A model schema: ``jsonencode({...})`` (python-hcl2 gives its source) or a JSON literal."""
    if raw.startswith('"'):
        from tests.tfhelp import hcl_literal

        return json.loads(hcl_literal(raw))
    inner = raw[len("${jsonencode(") : -len(")}")]
    doc = parse(f"x = {inner}\n")["x"]

    def conv(v: Any) -> Any:
        from tests.tfhelp import hcl_key, hcl_literal

        if isinstance(v, str):
            return hcl_literal(v)
        if isinstance(v, dict):
            return {hcl_key(k): conv(x) for k, x in v.items() if not k.startswith("__")}
        if isinstance(v, list):
            return [conv(x) for x in v]
        return v

    return conv(doc)


def _diff(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                out.append(f"{path}/{k}: only in Terraform: {b[k]!r}"[:300])
            elif k not in b:
                out.append(f"{path}/{k}: only in CloudFormation: {a[k]!r}"[:300])
            else:
                out += _diff(a[k], b[k], f"{path}/{k}")
        return out
    return [] if a == b else [f"{path}: CloudFormation {a!r} != Terraform {b!r}"[:400]]


def with_default_tags(tf: dict[str, Any], versions_tf: str) -> dict[str, Any]:
    """Terraform puts the API's tags in the provider's ``default_tags`` (every resource gets
    them); CloudFormation writes them on each taggable resource: add them back for comparison."""
    if "tags = merge(" not in versions_tf:
        return tf  # the spec has no API tags: default_tags = var.tags only
    merged = versions_tf.split("tags = merge(", 1)[1].rsplit(", var.tags)", 1)[0]
    raw = parse(f"x = {merged}\n")["x"]
    tags = {k.strip('"'): "".join(t for _, t in template_parts(v)) for k, v in raw.items()}
    if not tags:
        return tf
    taggable = [tf["api"], *tf["stages"].values(), *tf.get("vpc_links", {}).values()]
    if "domain" in tf:
        taggable.append(tf["domain"])
    for body in taggable:
        own = body.get("Tags")
        if isinstance(own, list) or "TargetArns" in body:  # a list of {Key, Value} (VPC links)
            have = {t["Key"]: t["Value"] for t in own or []}
            body["Tags"] = [{"Key": k, "Value": v} for k, v in sorted({**tags, **have}.items())]
        else:
            body["Tags"] = {**tags, **(own or {})}
    return tf


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_cloudformation_and_terraform_describe_the_same_api(sample: str, tmp_path: Path) -> None:
    spec = load(sample)
    out_dir = tmp_path / "build"
    cfn = cloudformation.template(spec, BuildContext(out_dir, out_dir / "functions"))
    files = rendered(spec, tmp_path)
    tf = with_default_tags(tf_form(files["main.tf"]), files["versions.tf"])
    cf = cfn_form(cfn)
    problems = _diff(cf, tf)
    assert not problems, "\n".join(problems)
    # and the comparison is not vacuous
    assert len(tf["routes"]) == len(spec.routes) and len(tf["stages"]) == len(spec.stages)


def test_the_comparison_notices_a_difference(tmp_path: Path) -> None:
    spec = load("multi-stage")
    out_dir = tmp_path / "build"
    cf = cfn_form(cloudformation.template(spec, BuildContext(out_dir, out_dir / "functions")))
    files = rendered(spec, tmp_path)
    changed = re.sub(r'"AWS_IAM"', '"NONE"', files["main.tf"], count=1)
    assert _diff(cf, with_default_tags(tf_form(changed), files["versions.tf"])) == [
        "/routes/$connect/AuthorizationType: CloudFormation 'AWS_IAM' != Terraform 'NONE'"
    ]


# ----------------------------------------------------------------------------- KEDA's role
def _pod_identity(spec: Any) -> Any:
    import dataclasses

    assert spec.kubernetes is not None
    k = dataclasses.replace(
        spec.kubernetes, identity="pod_identity", oidc_issuer=None, cluster="orders-cluster"
    )
    return dataclasses.replace(spec, kubernetes=k)


def _cfn_sub(value: Any) -> Any:
    """An ``Fn::Sub`` of KEDA's trust with the pseudo parameters as canonical tokens."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        text, variables = value["Fn::Sub"]
        for name, v in variables.items():
            text = text.replace("${" + name + "}", v)
        return text.replace("${AWS::Partition}", PARTITION).replace("${AWS::AccountId}", "ACCOUNT")
    if isinstance(value, dict):
        return {k: _cfn_sub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cfn_sub(v) for v in value]
    return value


@pytest.mark.parametrize("identity", ["irsa", "pod_identity"])
def test_keda_role_is_the_same_in_cloudformation_and_terraform(
    identity: str, tmp_path: Path
) -> None:
    from wsspec import keda

    spec = load("eks-keda")
    if identity == "pod_identity":
        spec = _pod_identity(spec)
    out_dir = tmp_path / "build"
    res = cloudformation.template(spec, BuildContext(out_dir, out_dir / "functions"))["Resources"]
    role = res[keda.ROLE_LOGICAL]["Properties"]
    text = rendered(spec, tmp_path)["kubernetes.tf"]
    text = text.replace("${data.aws_partition.current.partition}", PARTITION)
    text = text.replace("${data.aws_caller_identity.current.account_id}", "ACCOUNT")
    tf = resources(parse(text))
    tf_role = tf[("aws_iam_role", keda.ROLE_LABEL)]
    tf_policy = tf[("aws_iam_role_policy", keda.ROLE_LABEL)]
    from tests.tfhelp import hcl_literal

    assert hcl_literal(tf_role["description"]) == role["Description"] == keda.ROLE_DESCRIPTION
    assert _schema(tf_role["assume_role_policy"]) == _cfn_sub(role["AssumeRolePolicyDocument"])
    (cfn_policy,) = role["Policies"]
    assert _schema(tf_policy["policy"]) == cfn_policy["PolicyDocument"]
    assert cfn_policy["PolicyDocument"]["Statement"] == [
        {
            "Sid": "ReadApiMetrics",
            "Effect": "Allow",
            "Action": ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics"],
            "Resource": "*",
        }
    ]
    trust = _cfn_sub(role["AssumeRolePolicyDocument"])["Statement"][0]
    association = tf.get(("aws_eks_pod_identity_association", keda.ROLE_LABEL))
    if identity == "irsa":
        issuer = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
        assert trust["Principal"] == {"Federated": f"arn:aws:iam::ACCOUNT:oidc-provider/{issuer}"}
        assert trust["Condition"]["StringEquals"] == {
            f"{issuer}:sub": "system:serviceaccount:keda:keda-operator",
            f"{issuer}:aud": "sts.amazonaws.com",
        }
        assert association is None and keda.POD_IDENTITY_LOGICAL not in res
    else:
        assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
        cfn_assoc = res[keda.POD_IDENTITY_LOGICAL]["Properties"]
        assert association is not None
        assert {
            "ClusterName": hcl_literal(association["cluster_name"]),
            "Namespace": hcl_literal(association["namespace"]),
            "ServiceAccount": hcl_literal(association["service_account"]),
        } == {k: cfn_assoc[k] for k in ("ClusterName", "Namespace", "ServiceAccount")}
        assert cfn_assoc == {
            "ClusterName": "orders-cluster",
            "Namespace": "keda",
            "ServiceAccount": "keda-operator",
            "RoleArn": {"Fn::GetAtt": [keda.ROLE_LOGICAL, "Arn"]},
        }
