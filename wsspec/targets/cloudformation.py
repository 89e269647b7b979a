"""CloudFormation target: one template for the whole API, ready for ``aws cloudformation package``.

The template is built as plain Python data from the model (never from the YAML), then
serialised once: JSON with ``json.dumps`` or YAML with a safe dumper that quotes whatever YAML
would otherwise reinterpret (``: ``, ``#``, ``!Ref``-like text, ``{{``, newlines, non-ASCII).
Intrinsic functions are written in their long form (``Fn::Sub``, ``Ref``), never as YAML tags.
Spec text never appears inside an ``Fn::Sub`` template string: it goes in the variable map,
whose values CloudFormation does not interpolate, so ``${...}`` in a spec string stays literal.

Decisions shared with other back ends come from ``wsspec.derive`` (permissions, IAM
statements, the API-definition hash, quotas) and every logical ID from ``wsspec.names``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from wsspec import derive, names
from wsspec.errors import WsspecError
from wsspec.model import Integration, RouteSettings, Spec
from wsspec.monitoring import alarms as monitoring_alarms
from wsspec.monitoring import topic_name
from wsspec.targets import BuildContext, Output

TEMPLATE_DIR = "cloudformation"
# cfn-lint's W3002 says "this code may only work with the 'package' cli command": that is the
# documented flow for this template (issue 3), so each function silences exactly that rule.
PACKAGE_ONLY_RULE = "W3002"

Json = dict[str, Any]

_ACCOUNT_ARN = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}"


# ----------------------------------------------------------------------------- small helpers
def ref(logical: str) -> Json:
    return {"Ref": logical}


def get_att(logical: str, attribute: str) -> Json:
    return {"Fn::GetAtt": [logical, attribute]}


def sub(template: str, variables: dict[str, Any] | None = None) -> Json:
    """``Fn::Sub``; spec text belongs in ``variables`` (never interpolated), not in ``template``."""
    if variables:
        return {"Fn::Sub": [template, variables]}
    return {"Fn::Sub": template}


def _lambda_invoke_uri(function_arn: Any) -> Json:
    return sub(
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
        "${FunctionArn}/invocations",
        {"FunctionArn": function_arn},
    )


def _function_arn(spec_function: str | None, literal_arn: str | None) -> Any:
    if spec_function is not None:
        return get_att(names.function_logical(spec_function), "Arn")
    return literal_arn


def _put(props: Json, key: str, value: Any) -> None:
    """Set an optional property: ``None`` and empty mappings are left out."""
    if value is None:
        return
    if isinstance(value, dict) and not value:
        return
    props[key] = value


def _settings(s: RouteSettings) -> Json:
    out: Json = {}
    _put(out, "DataTraceEnabled", s.data_trace)
    _put(out, "DetailedMetricsEnabled", s.detailed_metrics)
    _put(out, "LoggingLevel", s.logging_level)
    _put(out, "ThrottlingBurstLimit", s.throttling_burst)
    _put(out, "ThrottlingRateLimit", s.throttling_rate)
    return out


def _resource(rtype: str, props: Json, depends_on: list[str] | None = None, **extra: Any) -> Json:
    res: Json = {"Type": rtype}
    if depends_on:
        res["DependsOn"] = sorted(set(depends_on))
    res.update(extra)
    res["Properties"] = props
    return res


# ----------------------------------------------------------------------------- ARN tokens
def _render_arn(spec: Spec, token: derive.Ref) -> Any:
    if token.kind == "literal":
        return token.value
    if token.kind == "log_group":
        for fn in spec.functions:
            if names.function_log_group(spec, fn.name) == token.value:
                return get_att(names.function_log_group_logical(fn.name), "Arn")
        return sub(
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${Name}:*",
            {"Name": token.value},
        )
    if token.kind == "connections":
        return sub(
            _ACCOUNT_ARN + "/${Stage}/${Method}/@connections/*",
            {"Stage": token.stage, "Method": token.value},
        )
    if token.kind == "table":
        return get_att(names.CONNECTION_TABLE_LOGICAL, "Arn")
    return get_att(names.function_logical(token.value), "Arn")


def _policy_document(spec: Spec, statements: list[derive.Statement]) -> Json:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": st.sid,
                "Effect": st.effect,
                "Action": list(st.actions),
                "Resource": [_render_arn(spec, r) for r in st.resources],
            }
            for st in statements
        ],
    }


def _trust(service: str) -> Json:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }


# ----------------------------------------------------------------------------- sections
def _api(spec: Spec) -> Json:
    a = spec.api
    props: Json = {
        "Name": a.name,
        "ProtocolType": "WEBSOCKET",
        "RouteSelectionExpression": a.route_selection,
        "ApiKeySelectionExpression": a.api_key_selection,
    }
    _put(props, "Description", a.description)
    if a.disable_execute_api_endpoint:
        props["DisableExecuteApiEndpoint"] = True
    if a.disable_schema_validation:
        props["DisableSchemaValidation"] = True
    _put(props, "Tags", dict(a.tags))
    return _resource("AWS::ApiGatewayV2::Api", props)


def _integration(spec: Spec, integ: Integration) -> Json:
    props: Json = {"ApiId": ref(names.API_LOGICAL), "IntegrationType": integ.type}
    if integ.kind == "lambda":
        props["IntegrationMethod"] = integ.method
        props["IntegrationUri"] = _lambda_invoke_uri(
            _function_arn(integ.function, integ.lambda_arn)
        )
    elif integ.kind == "http":
        props["IntegrationMethod"] = integ.method
        props["IntegrationUri"] = integ.url
    elif integ.kind == "aws":
        props["IntegrationMethod"] = integ.method
        if integ.action:
            props["IntegrationUri"] = sub(
                "arn:${AWS::Partition}:apigateway:${AWS::Region}:${Service}:action/${Action}",
                {"Service": integ.service, "Action": integ.action},
            )
        else:
            props["IntegrationUri"] = sub(
                "arn:${AWS::Partition}:apigateway:${AWS::Region}:${Service}:path/${Path}",
                {"Service": integ.service, "Path": integ.path},
            )
    if integ.role is not None:
        props["CredentialsArn"] = get_att(names.integration_role_logical(integ), "Arn")
    else:
        _put(props, "CredentialsArn", integ.credentials_arn)
    if integ.vpc_link is not None:
        props["ConnectionType"] = "VPC_LINK"
        props["ConnectionId"] = ref(names.vpc_link_logical(integ.vpc_link))
    elif integ.vpc_link_id is not None:
        props["ConnectionType"] = "VPC_LINK"
        props["ConnectionId"] = integ.vpc_link_id
    _put(props, "Description", integ.description)
    _put(props, "ContentHandlingStrategy", integ.content_handling)
    _put(props, "PassthroughBehavior", integ.passthrough)
    _put(props, "RequestParameters", dict(integ.request_parameters))
    _put(props, "RequestTemplates", dict(integ.request_templates))
    _put(props, "TemplateSelectionExpression", integ.template_selection)
    props["TimeoutInMillis"] = integ.timeout_ms
    return _resource("AWS::ApiGatewayV2::Integration", props)


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
        _put(props, "ResponseTemplates", dict(resp.templates))
        _put(props, "TemplateSelectionExpression", resp.template_selection)
        _put(props, "ContentHandlingStrategy", resp.content_handling)
        out[names.integration_response_logical(integ, resp.key)] = _resource(
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
        _put(props, "OperationName", route.operation_name)
        _put(
            props,
            "RequestParameters",
            {k: {"Required": v} for k, v in route.request_parameters.items()},
        )
        _put(props, "RequestModels", dict(route.request_models))
        _put(props, "ModelSelectionExpression", route.model_selection)
        if route.two_way:
            props["RouteResponseSelectionExpression"] = "$default"
        # Models are referenced by name, not by Ref: order their creation explicitly.
        models = [names.model_logical(m) for m in route.request_models.values()]
        logical = names.route_logical(route.key)
        out[logical] = _resource("AWS::ApiGatewayV2::Route", props, models)
        if route.two_way:
            rprops: Json = {
                "ApiId": ref(names.API_LOGICAL),
                "RouteId": ref(logical),
                "RouteResponseKey": "$default",
            }
            _put(rprops, "ResponseModels", dict(route.response_models))
            rmodels = [names.model_logical(m) for m in route.response_models.values()]
            out[names.route_response_logical(route.key)] = _resource(
                "AWS::ApiGatewayV2::RouteResponse", rprops, rmodels
            )
    return out


def _authorizer(spec: Spec, auth_name: str) -> Json:
    auth = spec.authorizer(auth_name)
    props: Json = {
        "ApiId": ref(names.API_LOGICAL),
        "AuthorizerType": "REQUEST",
        "Name": auth.name,
        "AuthorizerUri": _lambda_invoke_uri(_function_arn(auth.function, auth.lambda_arn)),
        "IdentitySource": list(auth.identity_sources),
    }
    _put(props, "AuthorizerCredentialsArn", auth.credentials_arn)
    return _resource("AWS::ApiGatewayV2::Authorizer", props)


def _model(spec: Spec, model_name: str) -> Json:
    from wsspec.model import plain

    m = next(x for x in spec.models if x.name == model_name)
    props: Json = {
        "ApiId": ref(names.API_LOGICAL),
        "Name": m.name,
        "ContentType": m.content_type,
        "Schema": plain(m.schema),
    }
    _put(props, "Description", m.description)
    return _resource("AWS::ApiGatewayV2::Model", props)


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
        _put(props, "Description", stage.description)
        _put(props, "StageVariables", dict(stage.variables))
        _put(props, "DefaultRouteSettings", _settings(stage.default_settings))
        _put(
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
        _put(props, "Tags", dict(stage.tags))
        if stage.execution_logging and spec.cloudwatch_role:
            depends.append(names.ACCOUNT_LOGICAL)
        out[names.stage_logical(stage.name)] = _resource("AWS::ApiGatewayV2::Stage", props, depends)
    for stage in spec.stages:
        if stage.access_log is not None and stage.access_log.destination_arn is None:
            props = {"LogGroupName": names.access_log_group(spec, stage.name)}
            _put(props, "RetentionInDays", derive.log_retention_days(spec))
            out[names.access_log_group_logical(stage.name)] = _resource(
                "AWS::Logs::LogGroup", props
            )
    return out


def _functions(spec: Spec, ctx: BuildContext) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for fn in spec.functions:
        log_logical = names.function_log_group_logical(fn.name)
        role_logical = names.function_role_logical(fn.name)
        log_props: Json = {"LogGroupName": names.function_log_group(spec, fn.name)}
        _put(log_props, "RetentionInDays", derive.log_retention_days(spec))
        out[log_logical] = _resource("AWS::Logs::LogGroup", log_props)
        out[role_logical] = _resource(
            "AWS::IAM::Role",
            {
                "AssumeRolePolicyDocument": _trust(derive.LAMBDA_TRUST),
                "Policies": [
                    {
                        "PolicyName": "wsspec-function",
                        "PolicyDocument": _policy_document(
                            spec, derive.function_statements(spec, fn.name)
                        ),
                    }
                ],
            },
        )
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
        _put(props, "Description", fn.description)
        env = derive.environment(spec, fn.name)
        if env:
            if (
                spec.connections is not None
                and "CONNECTIONS_TABLE" in env
                and env["CONNECTIONS_TABLE"] == names.table_name(spec)
            ):
                env["CONNECTIONS_TABLE"] = ref(names.CONNECTION_TABLE_LOGICAL)  # type: ignore[assignment]
            props["Environment"] = {"Variables": env}
        if derive.tracing(spec):
            props["TracingConfig"] = {"Mode": "Active"}
        # The log group exists (with its retention) before Lambda could create it by itself.
        out[names.function_logical(fn.name)] = _resource(
            "AWS::Lambda::Function",
            props,
            [log_logical],
            Metadata={"cfn-lint": {"config": {"ignore_checks": [PACKAGE_ONLY_RULE]}}},
        )
    return out


def _relative(path: Path, start: Path) -> str:
    import os

    return Path(os.path.relpath(path, start)).as_posix()


def _permissions(spec: Spec, per_route: bool) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for perm in derive.lambda_permissions(spec, per_route=per_route):
        if perm.authorizer is not None:
            source = sub(
                _ACCOUNT_ARN + "/authorizers/${Authorizer}",
                {"Authorizer": ref(names.authorizer_logical(perm.authorizer))},
            )
        else:
            source = sub(_ACCOUNT_ARN + "/${Path}", {"Path": perm.source_path})
        out[names.permission_logical(perm.key)] = _resource(
            "AWS::Lambda::Permission",
            {
                "Action": "lambda:InvokeFunction",
                "FunctionName": _function_arn(perm.function, perm.function_arn),
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": source,
            },
        )
    return out


def _integration_roles(spec: Spec) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for integ in derive.generated_integration_roles(spec):
        out[names.integration_role_logical(integ)] = _resource(
            "AWS::IAM::Role",
            {
                "AssumeRolePolicyDocument": _trust(derive.APIGW_TRUST),
                "Policies": [
                    {
                        "PolicyName": "wsspec-integration",
                        "PolicyDocument": _policy_document(
                            spec, derive.integration_role_statements(spec, integ)
                        ),
                    }
                ],
            },
        )
    return out


def _extras(spec: Spec) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for link in spec.vpc_links:
        props: Json = {
            "Name": names.vpc_link_name(spec, link.name),
            "TargetArns": list(link.target_arns),
        }
        _put(props, "Description", link.description)
        out[names.vpc_link_logical(link.name)] = _resource("AWS::ApiGateway::VpcLink", props)
    conn = spec.connections
    if conn is not None:
        props = {
            "TableName": names.table_name(spec),
            "AttributeDefinitions": [{"AttributeName": conn.partition_key, "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": conn.partition_key, "KeyType": "HASH"}],
            "BillingMode": conn.billing_mode,
            "TimeToLiveSpecification": {"AttributeName": conn.ttl_attribute, "Enabled": True},
        }
        if conn.billing_mode == "PROVISIONED":
            props["ProvisionedThroughput"] = {
                "ReadCapacityUnits": conn.read_capacity,
                "WriteCapacityUnits": conn.write_capacity or conn.read_capacity,
            }
        # Connection ids are ephemeral (at most 2 h): nothing worth retaining.
        out[names.CONNECTION_TABLE_LOGICAL] = _resource(
            "AWS::DynamoDB::Table", props, DeletionPolicy="Delete", UpdateReplacePolicy="Delete"
        )
    if spec.cloudwatch_role:
        out[names.ACCOUNT_ROLE_LOGICAL] = _resource(
            "AWS::IAM::Role",
            {
                "AssumeRolePolicyDocument": _trust(derive.APIGW_TRUST),
                "ManagedPolicyArns": [
                    sub("arn:${AWS::Partition}:iam::aws:policy/" + derive.CLOUDWATCH_POLICY)
                ],
            },
        )
        out[names.ACCOUNT_LOGICAL] = _resource(
            "AWS::ApiGateway::Account",
            {
                "CloudWatchRoleArn": get_att(names.ACCOUNT_ROLE_LOGICAL, "Arn"),
            },
        )
    dom = spec.domain
    if dom is not None:
        out[names.DOMAIN_LOGICAL] = _resource(
            "AWS::ApiGatewayV2::DomainName",
            {
                "DomainName": dom.name,
                "DomainNameConfigurations": [
                    {
                        "CertificateArn": dom.certificate_arn,
                        "EndpointType": "REGIONAL",
                        "SecurityPolicy": dom.security_policy,
                    }
                ],
            },
        )
        props = {
            "ApiId": ref(names.API_LOGICAL),
            "DomainName": ref(names.DOMAIN_LOGICAL),
            "Stage": ref(names.stage_logical(dom.stage)),
        }
        _put(props, "ApiMappingKey", dom.base_path)
        out[names.API_MAPPING_LOGICAL] = _resource("AWS::ApiGatewayV2::ApiMapping", props)
    return out


def _monitoring(spec: Spec) -> dict[str, Json]:
    mon = spec.monitoring
    if mon is None:
        return {}
    out: dict[str, Json] = {}
    actions: list[Any] = list(mon.topic_arns)
    if mon.create_topic:
        out[names.ALARM_TOPIC_LOGICAL] = _resource(
            "AWS::SNS::Topic", {"TopicName": topic_name(spec)}
        )
        actions.append(ref(names.ALARM_TOPIC_LOGICAL))
        subs = [("email", e) for e in mon.topic_emails] + [("https", u) for u in mon.topic_https]
        for protocol, endpoint in subs:
            out[names.topic_subscription_logical(protocol, endpoint)] = _resource(
                "AWS::SNS::Subscription",
                {
                    "TopicArn": ref(names.ALARM_TOPIC_LOGICAL),
                    "Protocol": protocol,
                    "Endpoint": endpoint,
                },
            )
    for alarm in monitoring_alarms(spec):
        props: Json = {
            "AlarmName": alarm.alarm_name,
            "AlarmDescription": alarm.description,
            "Namespace": alarm.namespace,
            "MetricName": alarm.metric,
            "Dimensions": [
                {"Name": d.name, "Value": ref(names.API_LOGICAL) if d.api_id else d.value}
                for d in alarm.dimensions
            ],
            "Period": alarm.period,
            "EvaluationPeriods": alarm.evaluation_periods,
            "Threshold": alarm.threshold,
            "ComparisonOperator": alarm.comparison_operator,
            "TreatMissingData": alarm.treat_missing_data,
        }
        _put(props, "Statistic", alarm.statistic)
        _put(props, "ExtendedStatistic", alarm.extended_statistic)
        _put(props, "DatapointsToAlarm", alarm.datapoints_to_alarm)
        if actions:
            props["AlarmActions"] = list(actions)
        depends = [names.function_logical(alarm.function)] if alarm.function else []
        if alarm.stage is not None:
            depends.append(names.stage_logical(alarm.stage))
        if alarm.namespace == "AWS/DynamoDB" and spec.connections is not None:
            depends.append(names.CONNECTION_TABLE_LOGICAL)
        out[names.alarm_logical(alarm.key)] = _resource("AWS::CloudWatch::Alarm", props, depends)
    return out


def _monitoring_outputs(spec: Spec) -> Json:
    """Alarm names (one comma-separated value: a stack has at most 200 outputs) and the topic."""
    from wsspec.monitoring import OUTPUT_ALARM_NAMES, OUTPUT_ALARM_TOPIC

    out: Json = {}
    found = monitoring_alarms(spec)
    if found:
        out[OUTPUT_ALARM_NAMES] = {
            "Description": "CloudWatch alarms (comma-separated)",
            "Value": ",".join(a.alarm_name for a in found),
        }
    if spec.monitoring is not None and spec.monitoring.create_topic:
        out[OUTPUT_ALARM_TOPIC] = {
            "Description": "SNS topic the alarms notify",
            "Value": ref(names.ALARM_TOPIC_LOGICAL),
        }
    return out


def _outputs(spec: Spec) -> Json:
    out: Json = {
        names.OUTPUT_API_ID: {"Description": "WebSocket API id", "Value": ref(names.API_LOGICAL)}
    }
    for stage in spec.stages:
        st = ref(names.stage_logical(stage.name))
        out[names.output_wss_url(stage.name)] = {
            "Description": "wss:// URL clients connect to (stage " + stage.name + ")",
            "Value": sub(
                "wss://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}", {"Stage": st}
            ),
        }
        out[names.output_callback_url(stage.name)] = {
            "Description": "https:// endpoint of the @connections API (stage " + stage.name + ")",
            "Value": sub(
                "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}",
                {"Stage": st},
            ),
        }
    if spec.connections is not None:
        out[names.OUTPUT_TABLE_NAME] = {
            "Description": "DynamoDB connection table",
            "Value": ref(names.CONNECTION_TABLE_LOGICAL),
        }
    if spec.domain is not None:
        out[names.OUTPUT_DOMAIN_TARGET] = {
            "Description": "DNS target (CNAME/alias) of the custom domain",
            "Value": get_att(names.DOMAIN_LOGICAL, "RegionalDomainName"),
        }
        path = f"/{spec.domain.base_path}" if spec.domain.base_path else ""
        out[names.OUTPUT_DOMAIN_URL] = {
            "Description": "wss:// URL on the custom domain",
            "Value": f"wss://{spec.domain.name}{path}",
        }
    return out


# ----------------------------------------------------------------------------- the template
def template(spec: Spec, ctx: BuildContext, *, per_route: bool | None = None) -> Json:
    """The template as plain data (``per_route`` overrides ``derive.permission_strategy``)."""
    if per_route is None:
        per_route = derive.permission_strategy(spec)
    res: dict[str, Json] = {names.API_LOGICAL: _api(spec)}
    for m in spec.models:
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
        res[deployment] = _resource(
            "AWS::ApiGatewayV2::Deployment",
            {
                "ApiId": ref(names.API_LOGICAL),
                "Description": f"wsspec API definition {derive.api_definition_hash(spec)}",
            },
            _deployment_dependencies(res),
        )
    res.update(_stages(spec, deployment))
    res.update(_functions(spec, ctx))
    res.update(_permissions(spec, per_route))
    res.update(_integration_roles(spec))
    res.update(_extras(spec))
    res.update(_monitoring(spec))
    doc: Json = {"AWSTemplateFormatVersion": "2010-09-09"}
    doc["Description"] = _description(spec)
    doc["Resources"] = res
    doc["Outputs"] = _outputs(spec)
    doc["Outputs"].update(_monitoring_outputs(spec))
    return doc


def _description(spec: Spec) -> str:
    text = f"wsspec: WebSocket API {spec.api.name}"
    if spec.api.description:
        text += f" - {spec.api.description}"
    return text[:1024]


# ----------------------------------------------------------------------------- serialisation
class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Safe YAML without anchors; multi-line strings as literal blocks when YAML allows it."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def dump_yaml(doc: Any) -> str:
    return yaml.dump(
        doc,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=2**31 - 1,
        indent=2,
    )


def dump_json(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def serialise(doc: Json, fmt: str) -> bytes:
    return (dump_json(doc) if fmt == "json" else dump_yaml(doc)).encode("utf-8")


# ----------------------------------------------------------------------------- target API
def template_path(ctx: BuildContext) -> Path:
    return (
        ctx.out_dir
        / TEMPLATE_DIR
        / f"template.{'json' if ctx.template_format == 'json' else 'yaml'}"
    )


def render(spec: Spec, ctx: BuildContext) -> list[Output]:
    per_route = derive.permission_strategy(spec)
    doc = template(spec, ctx, per_route=per_route)
    if len(doc["Resources"]) > derive.CFN_RESOURCE_LIMIT:  # too big even collapsed: nest
        from wsspec.targets import cfn_nested  # (raises WS420 when even nesting cannot fit)

        nested, _LAST_SIZE[id(spec)] = cfn_nested.render(spec, ctx, doc, serialise, template_path)
        return nested
    data = serialise(doc, ctx.template_format)
    if len(data) > derive.CFN_TEMPLATE_LIMIT:
        raise WsspecError(
            f"the CloudFormation template is {len(data)} bytes; CloudFormation allows "
            f"{derive.CFN_TEMPLATE_LIMIT} bytes (quota: template body size in S3)",
            code="WS421",
            file=spec.source_file or None,
            hint="shorten mapping templates and model schemas, or split the API",
        )
    _LAST_SIZE[id(spec)] = len(data)
    return [Output(template_path(ctx), data)]


_LAST_SIZE: dict[int, int] = {}


def notes(spec: Spec, ctx: BuildContext) -> list[str]:
    from wsspec.targets import cfn_nested

    out: list[str] = cfn_nested.notes(spec)
    if not derive.permission_strategy(spec):
        n = derive.cloudformation_resource_count(spec, per_route=True)
        m = derive.cloudformation_resource_count(spec, per_route=False)
        out.append(
            f"cloudformation: one Lambda permission per function and stage ({{stage}}/*) instead "
            f"of one per route: per-route grants would make {n} resources "
            f"(limit {derive.CFN_RESOURCE_LIMIT}, {derive.CFN_RESOURCE_HEADROOM} kept free); "
            f"the template has {m}"
        )
    size = _LAST_SIZE.pop(id(spec), None)
    if size is not None and size > derive.CFN_INLINE_TEMPLATE_LIMIT:
        out.append(
            f"cloudformation: the template is {size} bytes (over "
            f"{derive.CFN_INLINE_TEMPLATE_LIMIT}); pass --s3-bucket to "
            "`aws cloudformation deploy`"
        )
    # (execution logging without the account role is validation warning WS803)
    return out
