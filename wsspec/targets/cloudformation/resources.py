"""CloudFormation resources: the template for the whole API as plain data, from the model.

One section builder per resource family (API, integrations, routes, authorizers, models, stages,
layers, functions, permissions, roles, table, account, domain); ``template`` assembles them in a fixed
order with the outputs. Decisions shared with other back ends come from ``wsspec.derive``
(permissions, IAM statements, the API-definition hash, quotas) and every logical ID from
``wsspec.names``; the alarms come from ``alarms.py`` beside this file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from wsspec import arns, derive, names
from wsspec.model import Integration, RouteSettings, Spec, plain
from wsspec.targets import BuildContext
from wsspec.targets.cloudformation import alarms, keda, tables, usage
from wsspec.targets.cloudformation.intrinsics import (
    PARTITION,
    REGION,
    Json,
    execute_api,
    function_arn,
    get_att,
    keep_literal,
    lambda_invoke_uri,
    package_only,
    policy_document,
    put,
    ref,
    resource,
    sub,
    tag_list,
    trust,
)
from wsspec.targets.cloudformation.outputs import outputs
from wsspec.targets.cloudformation.serialise import TEMPLATE_DIR
from wsspec.targets.cloudformation.tables import table


def _settings(s: RouteSettings) -> Json:
    out: Json = {}
    put(out, "DataTraceEnabled", s.data_trace)
    put(out, "DetailedMetricsEnabled", s.detailed_metrics)
    put(out, "LoggingLevel", s.logging_level)
    put(out, "ThrottlingBurstLimit", s.throttling_burst)
    put(out, "ThrottlingRateLimit", s.throttling_rate)
    return out


# ----------------------------------------------------------------------------- sections
def _api(spec: Spec) -> Json:
    a = spec.api
    props: Json = {
        "Name": a.name,
        "ProtocolType": "WEBSOCKET",
        "RouteSelectionExpression": a.route_selection,
        "ApiKeySelectionExpression": a.api_key_selection,
    }
    put(props, "Description", a.description)
    if a.disable_execute_api_endpoint:
        props["DisableExecuteApiEndpoint"] = True
    if a.disable_schema_validation:
        props["DisableSchemaValidation"] = True
    if a.ip_address_type != "ipv4":
        props["IpAddressType"] = a.ip_address_type
    put(props, "Tags", derive.tags(spec))
    return resource("AWS::ApiGatewayV2::Api", props)


def _integration(spec: Spec, integ: Integration) -> Json:
    props: Json = {"ApiId": ref(names.API_LOGICAL), "IntegrationType": integ.type}
    if integ.kind == "lambda":
        props["IntegrationMethod"] = integ.method
        props["IntegrationUri"] = lambda_invoke_uri(function_arn(integ.function, integ.lambda_arn))
    elif integ.kind == "http":
        props["IntegrationMethod"] = integ.method
        props["IntegrationUri"] = integ.url
    elif integ.kind == "aws":
        props["IntegrationMethod"] = integ.method
        if integ.action:
            props["IntegrationUri"] = sub(
                arns.service_action_uri(PARTITION, REGION, "${Service}", "${Action}"),
                {"Service": integ.service, "Action": integ.action},
            )
        else:
            props["IntegrationUri"] = sub(
                arns.service_path_uri(PARTITION, REGION, "${Service}", "${Path}"),
                {"Service": integ.service, "Path": integ.path},
            )
    if integ.role is not None:
        props["CredentialsArn"] = get_att(names.integration_role_logical(integ), "Arn")
    else:
        put(props, "CredentialsArn", integ.credentials_arn)
    if integ.vpc_link is not None:
        props["ConnectionType"] = "VPC_LINK"
        props["ConnectionId"] = ref(names.vpc_link_logical(integ.vpc_link))
    elif integ.vpc_link_id is not None:
        props["ConnectionType"] = "VPC_LINK"
        props["ConnectionId"] = integ.vpc_link_id
    put(props, "Description", integ.description)
    put(props, "ContentHandlingStrategy", integ.content_handling)
    put(props, "PassthroughBehavior", integ.passthrough)
    put(props, "RequestParameters", dict(integ.request_parameters))
    put(props, "RequestTemplates", dict(integ.request_templates))
    put(props, "TemplateSelectionExpression", integ.template_selection)
    props["TimeoutInMillis"] = integ.timeout_ms
    return resource("AWS::ApiGatewayV2::Integration", props)


def _integration_responses(spec: Spec, integ: Integration) -> dict[str, Json]:
    if integ.proxy:  # proxy integrations pass the back end's answer through unchanged
        return {}
    out = {}
    for resp in integ.responses:
        props: Json = {
            "ApiId": ref(names.API_LOGICAL),
            "IntegrationId": ref(names.integration_logical(integ)),
            "IntegrationResponseKey": resp.key,
        }
        put(props, "ResponseTemplates", dict(resp.templates))
        put(props, "TemplateSelectionExpression", resp.template_selection)
        put(props, "ContentHandlingStrategy", resp.content_handling)
        out[names.integration_response_logical(integ, resp.key)] = resource(
            "AWS::ApiGatewayV2::IntegrationResponse", props
        )
    return out


def _routes(spec: Spec) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for route in spec.routes:
        integ = spec.route_integration(route)
        props: Json = {
            "ApiId": ref(names.API_LOGICAL),
            "RouteKey": route.key,
            "Target": sub(
                "integrations/${Integration}",
                {"Integration": ref(names.integration_logical(integ))},
            ),
            "AuthorizationType": route.authorization,
        }
        if route.authorizer is not None:
            props["AuthorizerId"] = ref(names.authorizer_logical(route.authorizer))
        if route.api_key_required:
            props["ApiKeyRequired"] = True
        put(props, "OperationName", route.operation_name)
        put(
            props,
            "RequestParameters",
            {k: {"Required": v} for k, v in route.request_parameters.items()},
        )
        put(props, "RequestModels", dict(route.request_models))
        put(props, "ModelSelectionExpression", route.model_selection)
        if route.two_way:
            props["RouteResponseSelectionExpression"] = "$default"
        # Models are referenced by name, not by Ref: order their creation explicitly.
        models = [names.model_logical(m) for m in route.request_models.values()]
        logical = names.route_logical(route.key)
        out[logical] = resource("AWS::ApiGatewayV2::Route", props, models)
        if route.two_way:
            rprops: Json = {
                "ApiId": ref(names.API_LOGICAL),
                "RouteId": ref(logical),
                "RouteResponseKey": "$default",
            }
            put(rprops, "ResponseModels", dict(route.response_models))
            rmodels = [names.model_logical(m) for m in route.response_models.values()]
            out[names.route_response_logical(route.key)] = resource(
                "AWS::ApiGatewayV2::RouteResponse", rprops, rmodels
            )
    return out


def _authorizer(spec: Spec, auth_name: str) -> Json:
    auth = spec.authorizer(auth_name)
    props: Json = {
        "ApiId": ref(names.API_LOGICAL),
        "AuthorizerType": "REQUEST",
        "Name": auth.name,
        "AuthorizerUri": lambda_invoke_uri(function_arn(auth.function, auth.lambda_arn)),
        "IdentitySource": list(auth.identity_sources),
    }
    put(props, "AuthorizerCredentialsArn", auth.credentials_arn)
    return resource("AWS::ApiGatewayV2::Authorizer", props)


def _model(spec: Spec, model_name: str) -> Json:
    m = next(x for x in spec.models if x.name == model_name)
    props: Json = {
        "ApiId": ref(names.API_LOGICAL),
        "Name": m.name,
        "ContentType": m.content_type,
        # JSON text, not an object: every key of a schema stays data (a property named
        # "Ref" or a default {"Fn::GetAtt": ...} is never evaluated by CloudFormation).
        "Schema": json.dumps(plain(m.schema), indent=2, ensure_ascii=False),
    }
    put(props, "Description", m.description)
    return resource("AWS::ApiGatewayV2::Model", props)


def _deployment_dependencies(resources: dict[str, Json]) -> list[str]:
    kinds = (
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::RouteResponse",
        "AWS::ApiGatewayV2::IntegrationResponse",
    )
    return [k for k, v in resources.items() if v["Type"] in kinds]


def _stages(spec: Spec, deployment: str | None) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for stage in spec.stages:
        props: Json = {"ApiId": ref(names.API_LOGICAL), "StageName": stage.name}
        depends: list[str] = []
        if stage.auto_deploy:
            props["AutoDeploy"] = True
            # Route settings name routes by key: they must exist before the stage.
            depends += [names.route_logical(k) for k in stage.route_settings]
        else:
            assert deployment is not None
            props["DeploymentId"] = ref(deployment)
        put(props, "Description", stage.description)
        put(props, "StageVariables", dict(stage.variables))
        put(props, "DefaultRouteSettings", _settings(stage.default_settings))
        put(
            props,
            "RouteSettings",
            {k: _settings(s) for k, s in stage.route_settings.items() if not s.is_empty()},
        )
        if stage.access_log is not None:
            dest = stage.access_log.destination_arn
            props["AccessLogSettings"] = {
                "DestinationArn": dest
                if dest is not None
                else get_att(names.access_log_group_logical(stage.name), "Arn"),
                "Format": stage.access_log.format,
            }
        put(props, "Tags", derive.stage_tags(spec, stage.name))
        if stage.execution_logging and spec.cloudwatch_role:
            depends.append(names.ACCOUNT_LOGICAL)
        out[names.stage_logical(stage.name)] = resource("AWS::ApiGatewayV2::Stage", props, depends)
    for stage in spec.stages:
        if stage.access_log is not None and stage.access_log.destination_arn is None:
            props = {"LogGroupName": names.access_log_group(spec, stage.name)}
            put(props, "RetentionInDays", derive.log_retention_days(spec))
            put(props, "Tags", tag_list(derive.stage_tags(spec, stage.name)))
            out[names.access_log_group_logical(stage.name)] = resource("AWS::Logs::LogGroup", props)
    return out


def _functions(spec: Spec, ctx: BuildContext) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for fn in spec.functions:
        log_logical = names.function_log_group_logical(fn.name)
        role_logical = names.function_role_logical(fn.name)
        tags = tag_list(derive.function_tags(spec, fn))
        log_props: Json = {"LogGroupName": names.function_log_group(spec, fn.name)}
        put(log_props, "RetentionInDays", derive.log_retention_days(spec))
        put(log_props, "Tags", tags)
        out[log_logical] = resource("AWS::Logs::LogGroup", log_props)
        role: Json = {
            "AssumeRolePolicyDocument": trust(spec, derive.trust(spec, derive.LAMBDA_TRUST)),
            "Policies": [
                {
                    "PolicyName": "wsspec-function",
                    "PolicyDocument": policy_document(
                        spec, derive.function_statements(spec, fn.name)
                    ),
                }
            ],
        }
        put(role, "Tags", tags)
        out[role_logical] = resource("AWS::IAM::Role", role)
        code = Path(ctx.functions_dir, names.zip_name(fn.name))
        props: Json = {
            "FunctionName": names.function_name(spec, fn.name),
            "Handler": fn.lambda_handler,
            "Runtime": fn.runtime,
            "Architectures": [fn.architecture],
            "MemorySize": fn.memory,
            "Timeout": fn.timeout,
            "Role": get_att(role_logical, "Arn"),
            "Code": _relative(code, ctx.out_dir / TEMPLATE_DIR),
        }
        put(props, "Description", fn.description)
        if fn.layers:
            props["Layers"] = [
                ref(names.layer_logical(x)) if spec.layer(x) else x for x in fn.layers
            ]
        env = derive.environment(spec, fn.name)
        if env:
            if (
                spec.connections is not None
                and "CONNECTIONS_TABLE" in env
                and env["CONNECTIONS_TABLE"] == names.table_name(spec)
            ):
                env["CONNECTIONS_TABLE"] = ref(names.CONNECTION_TABLE_LOGICAL)  # type: ignore[assignment]
            props["Environment"] = {"Variables": {**env, **tables.environment_refs(spec, fn.name)}}
        if derive.tracing(spec):
            props["TracingConfig"] = {"Mode": "Active"}
        if fn.logging is not None:
            props["LoggingConfig"] = fn.logging.config()
        put(props, "Tags", tags)
        # The log group exists (with its retention) before Lambda could create it by itself.
        out[names.function_logical(fn.name)] = resource(
            "AWS::Lambda::Function",
            props,
            [log_logical],
            Metadata=package_only(),
        )
    return out


def _layers(spec: Spec, ctx: BuildContext) -> dict[str, Json]:
    """One ``AWS::Lambda::LayerVersion`` per layer wsspec builds; ``Content`` is the local zip
    (``aws cloudformation package`` uploads it, like the functions' code). A changed zip is a
    new version; functions reference it with ``Ref`` (the version ARN)."""
    out: dict[str, Json] = {}
    for x in spec.layers:
        props: Json = {
            "LayerName": names.layer_name(spec, x.name),
            "Content": _relative(
                Path(ctx.layers_dir, names.layer_zip_name(x.name)), ctx.out_dir / TEMPLATE_DIR
            ),
            "CompatibleRuntimes": list(x.runtimes),
            "CompatibleArchitectures": list(x.architectures),
        }
        put(props, "Description", x.description)
        out[names.layer_logical(x.name)] = resource(
            "AWS::Lambda::LayerVersion", props, Metadata=package_only()
        )
    return out


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def _permissions(spec: Spec, per_route: bool) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for perm in derive.lambda_permissions(spec, per_route=per_route):
        if perm.authorizer is not None:
            source = sub(
                execute_api("authorizers/${Authorizer}"),
                {"Authorizer": ref(names.authorizer_logical(perm.authorizer))},
            )
        else:
            source = sub(execute_api("${Path}"), {"Path": perm.source_path})
        out[names.permission_logical(perm.key)] = resource(
            "AWS::Lambda::Permission",
            {
                "Action": "lambda:InvokeFunction",
                "FunctionName": function_arn(perm.function, perm.function_arn),
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": source,
            },
        )
    return out


def _integration_roles(spec: Spec) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for integ in derive.generated_integration_roles(spec):
        props: Json = {
            "AssumeRolePolicyDocument": trust(
                spec, derive.trust(spec, derive.APIGW_TRUST, api_role=True)
            ),
            "Policies": [
                {
                    "PolicyName": "wsspec-integration",
                    "PolicyDocument": policy_document(
                        spec, derive.integration_role_statements(spec, integ)
                    ),
                }
            ],
        }
        put(props, "Tags", tag_list(derive.tags(spec)))
        out[names.integration_role_logical(integ)] = resource("AWS::IAM::Role", props)
    return out


def _extras(spec: Spec) -> dict[str, Json]:
    """VPC links, the connection table, the account's CloudWatch role, the custom domain."""
    out: dict[str, Json] = {}
    tags = derive.tags(spec)
    for link in spec.vpc_links:
        props: Json = {
            "Name": names.vpc_link_name(spec, link.name),
            "TargetArns": list(link.target_arns),
        }
        put(props, "Description", link.description)
        put(props, "Tags", tag_list(tags))
        out[names.vpc_link_logical(link.name)] = resource("AWS::ApiGateway::VpcLink", props)
    conn = spec.connections
    if conn is not None:
        out[names.CONNECTION_TABLE_LOGICAL] = table(
            names.table_name(spec), conn, derive.table_tags(spec), conn.ttl_attribute
        )
    if spec.cloudwatch_role:
        role: Json = {
            "AssumeRolePolicyDocument": trust(spec, derive.trust(spec, derive.APIGW_TRUST)),
            "ManagedPolicyArns": [sub(arns.managed_policy(PARTITION, derive.CLOUDWATCH_POLICY))],
        }
        put(role, "Tags", tag_list(tags))
        out[names.ACCOUNT_ROLE_LOGICAL] = resource("AWS::IAM::Role", role)
        out[names.ACCOUNT_LOGICAL] = resource(
            "AWS::ApiGateway::Account",
            {"CloudWatchRoleArn": get_att(names.ACCOUNT_ROLE_LOGICAL, "Arn")},
        )
    out.update(_domain(spec))
    return out


def _domain(spec: Spec) -> dict[str, Json]:
    dom = spec.domain
    if dom is None:
        return {}
    config: Json = {
        "CertificateArn": dom.certificate_arn,
        "EndpointType": "REGIONAL",
        "SecurityPolicy": dom.security_policy,
    }
    if dom.ip_address_type != "ipv4":
        config["IpAddressType"] = dom.ip_address_type
    props: Json = {"DomainName": dom.name, "DomainNameConfigurations": [config]}
    put(props, "Tags", derive.tags(spec))
    mapping: Json = {
        "ApiId": ref(names.API_LOGICAL),
        "DomainName": ref(names.DOMAIN_LOGICAL),
        "Stage": ref(names.stage_logical(dom.stage)),
    }
    put(mapping, "ApiMappingKey", dom.base_path)
    return {
        names.DOMAIN_LOGICAL: resource("AWS::ApiGatewayV2::DomainName", props),
        names.API_MAPPING_LOGICAL: resource("AWS::ApiGatewayV2::ApiMapping", mapping),
    }


# ----------------------------------------------------------------------------- the template
def template(spec: Spec, ctx: BuildContext, *, per_route: bool | None = None) -> Json:
    """The template as plain data (``per_route`` overrides ``derive.permission_strategy``)."""
    if per_route is None:
        per_route = derive.permission_strategy(spec)
    res: dict[str, Json] = {names.API_LOGICAL: _api(spec)}
    for m in derive.deployed_models(spec):
        res[names.model_logical(m.name)] = _model(spec, m.name)
    for a in spec.authorizers:
        res[names.authorizer_logical(a.name)] = _authorizer(spec, a.name)
    for integ in spec.integrations:
        res[names.integration_logical(integ)] = _integration(spec, integ)
        res.update(_integration_responses(spec, integ))
    res.update(_routes(spec))
    deployment = None
    if any(not s.auto_deploy for s in spec.stages):
        deployment = names.deployment_logical(derive.api_definition_hash(spec))
        res[deployment] = resource(
            "AWS::ApiGatewayV2::Deployment",
            {
                "ApiId": ref(names.API_LOGICAL),
                "Description": f"wsspec API definition {derive.api_definition_hash(spec)}",
            },
            _deployment_dependencies(res),
        )
    res.update(_stages(spec, deployment))
    res.update(_layers(spec, ctx))
    res.update(_functions(spec, ctx))
    res.update(_permissions(spec, per_route))
    res.update(_integration_roles(spec))
    res.update(_extras(spec))
    res.update(usage.resources(spec))
    res.update(tables.resources(spec))
    res.update(alarms.resources(spec))
    res.update(keda.resources(spec))
    doc: Json = {"AWSTemplateFormatVersion": "2010-09-09"}
    doc["Description"] = _description(spec)
    doc["Resources"] = res
    doc["Outputs"] = outputs(spec)
    return keep_literal(doc)


def _description(spec: Spec) -> str:
    text = f"wsspec: WebSocket API {spec.api.name}"
    if spec.api.description:
        text += f" - {spec.api.description}"
    return text[:1024]
