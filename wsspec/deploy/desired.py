"""Model -> desired resource records (AWS parameter shapes keyed by natural key).

Every fact comes from ``wsspec.derive`` and ``wsspec.names`` -- the same facts the
CloudFormation and Terraform targets render -- so the three back ends cannot drift.
IDs that API Gateway generates are ``Out`` tokens (resolved by the executor); ARNs whose
form is known (functions, roles, table, log groups) are computed here.

One builder per resource family, each returning its records in dependency order;
``desired_state`` lists the families in dependency order.
"""

from __future__ import annotations

from typing import Any, Callable

from wsspec import arns, derive, keda, names
from wsspec.deploy import keda_role, tables
from wsspec.deploy.desired_monitoring import monitoring_state, topic_arn
from wsspec.deploy.layers import LayerZipOf, desired_layers, function_layers
from wsspec.deploy.records import (
    API,
    DEPLOY_MARKER,
    MARKER,
    RETAIN_TAG,
    Context,
    Facts,
    Fmt,
    Json,
    Out,
    Res,
    clean,
    owner_tags,
    resolve,
    role_path,
)
from wsspec.model import (
    Function,
    Integration,
    Route,
    RouteSettings,
    Spec,
    Stage,
    TableOptions,
    plain,
)
from wsspec.package import build_layer_zip, build_zip, check_upload, sha256_b64

ZipOf = Callable[[Spec, Function], bytes]

__all__ = [
    "API",
    "resource_outputs",
    "Context",
    "Fmt",
    "Json",
    "Out",
    "Res",
    "deployment_marker",
    "desired_state",
    "resolve",
    "topic_arn",
]


def desired_state(
    spec: Spec,
    ctx: Context,
    *,
    zip_of: ZipOf = build_zip,
    layer_zip_of: LayerZipOf = build_layer_zip,
) -> list[Res]:
    """Every resource the spec asks for, in dependency order."""
    f = Facts(spec, ctx)
    return [
        *desired_layers(f, layer_zip_of),  # before the functions that resolve their ARNs
        *table(f),
        *tables.desired_tables(f),
        *log_groups(f),  # before the functions: Lambda never creates one without retention
        *roles(f),
        *vpc_links(f),
        *functions(f, zip_of),
        *api(f),
        *authorizers(f),
        *models(f),
        *integrations(f),
        *routes(f),
        *permissions(f),
        *tables.desired_triggers(f),
        *stages(f),
        *domain(f),
        *usage(f),
        *monitoring_state(f),
    ]


def deployment_marker(spec: Spec) -> str:
    return DEPLOY_MARKER + derive.api_definition_hash(spec)


def trust(f: Facts, service: str, *, api_role: bool = False) -> dict[str, Any]:
    """A role's trust policy with ``derive.trust``'s confused-deputy conditions."""
    return derive.trust_document(derive.trust(f.spec, service, api_role=api_role), f.render)


def resource_outputs(spec: Spec, ctx: Context) -> dict[str, Any]:
    """What ``deploy --output json`` reports beside the API id and URLs: the table's name and
    ARN, each application table's, each function's name and ARN (the same facts as the templates' outputs)."""
    out: dict[str, Any] = {}
    if spec.connections is not None:
        name = names.table_name(spec)
        out["table"] = {"name": name, "arn": ctx.table_arn(name)}
    if spec.tables:
        physical = {t.name: names.app_table_name(spec, t.name) for t in spec.tables}
        out["tables"] = {k: {"name": n, "arn": ctx.table_arn(n)} for k, n in physical.items()}
    if spec.functions:
        out["functions"] = {
            fn.name: {
                "name": names.function_name(spec, fn.name),
                "arn": ctx.function_arn(names.function_name(spec, fn.name)),
            }
            for fn in spec.functions
        }
    if keda.keda(spec) is not None:
        out["keda_role_arn"] = ctx.role_arn(role_path(spec), keda.role_name(spec))
    return out


# ----------------------------------------------------------------------------- builders
def table_props(name: str, o: TableOptions, tags: dict[str, str]) -> dict[str, Any]:
    """A DynamoDB table's desired fields from its ``TableOptions`` (any table kind)."""
    props: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": o.partition_key, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": o.partition_key, "AttributeType": "S"}],
        "BillingMode": o.billing_mode,
        "SSESpecification": (
            {"Enabled": False}
            if o.encryption == "aws_owned"
            else clean(
                {
                    "Enabled": True,
                    "SSEType": "KMS",
                    "KMSMasterKeyId": o.kms_key_arn if o.encryption == "customer" else None,
                }
            )
        ),
        "DeletionProtectionEnabled": o.deletion_protection,
        "PointInTimeRecovery": o.point_in_time_recovery,
        "Tags": {**tags, RETAIN_TAG: "true"} if o.retain else tags,
    }
    if o.billing_mode == "PROVISIONED":
        props["ProvisionedThroughput"] = {
            "ReadCapacityUnits": o.read_capacity,
            "WriteCapacityUnits": o.write_capacity or o.read_capacity,
        }
    return props


def table(f: Facts) -> list[Res]:
    """The connection table."""
    c = f.spec.connections
    if not c:
        return []
    name = names.table_name(f.spec)
    props = table_props(name, c, owner_tags(f.spec, c.tags))
    props["Ttl"] = c.ttl_attribute
    return [Res("table", name, props, label=name)]


def log_groups(f: Facts) -> list[Res]:
    """Each function's log group, and each stage's access log group wsspec creates."""
    spec = f.spec
    retention = derive.log_retention_days(spec)
    out = []
    for fn in spec.functions:
        lg = names.function_log_group(spec, fn.name)
        props = {"Tags": owner_tags(spec, fn.tags), "RetentionInDays": retention}
        out.append(Res("log_group", lg, props, label=lg))
    for s in spec.stages:
        if s.access_log is not None and s.access_log.destination_arn is None:
            lg = names.access_log_group(spec, s.name)
            props = {"Tags": owner_tags(spec, s.tags), "RetentionInDays": retention}
            out.append(Res("log_group", lg, props, stage=s.name, label=lg))
    return out


def _role(
    f: Facts,
    name: str,
    trust_policy: dict[str, Any],
    policy: Any,
    managed: tuple[str, ...] = (),
    tags: dict[str, str] | None = None,
    description: str | None = None,
) -> Res:
    props = {
        "Path": f.path,
        "Description": description,
        "AssumeRolePolicyDocument": trust_policy,
        "Policy": policy,
        "ManagedPolicies": managed,
        "Tags": tags if tags is not None else owner_tags(f.spec),
    }
    return Res("role", name, props, label=name)


def roles(f: Facts) -> list[Res]:
    """Function roles, integration roles, and the API Gateway account's CloudWatch role."""
    spec, ctx = f.spec, f.ctx
    out = []
    for fn in spec.functions:
        policy = f.policy(derive.function_statements(spec, fn.name))
        name = names.function_role_name(spec, fn.name)
        tags = owner_tags(spec, fn.tags)
        out.append(_role(f, name, trust(f, derive.LAMBDA_TRUST), policy, tags=tags))
    for integ in derive.generated_integration_roles(spec):
        policy = f.policy(derive.integration_role_statements(spec, integ))
        api_trust = trust(f, derive.APIGW_TRUST, api_role=True)
        out.append(_role(f, names.integration_role_name(spec, integ), api_trust, policy))
    if (keda_trust := keda_role.trust(spec, ctx)) is not None:
        role = _role(
            f,
            keda.role_name(spec),
            keda_trust,
            keda_role.policy(),
            description=keda.ROLE_DESCRIPTION,
        )
        out.append(role)
    if spec.cloudwatch_role:
        rn = names.account_role_name(spec)
        managed = (arns.managed_policy(ctx.partition, derive.CLOUDWATCH_POLICY),)
        out.append(_role(f, rn, trust(f, derive.APIGW_TRUST), None, managed))
        out.append(
            Res(
                "account",
                "account",
                {"cloudwatchRoleArn": f.role_arn(rn)},
                label="API Gateway account (region)",
            )
        )
    return out


def functions(f: Facts, zip_of: ZipOf) -> list[Res]:
    spec = f.spec
    out = []
    for fn in spec.functions:
        name = names.function_name(spec, fn.name)
        blob = zip_of(spec, fn)
        check_upload(fn, blob)
        props = {
            "Role": f.role_arn(names.function_role_name(spec, fn.name)),
            "Handler": fn.lambda_handler,
            "Runtime": fn.runtime,
            "MemorySize": fn.memory,
            "Timeout": fn.timeout,
            "Description": fn.description or "",
            "Environment": derive.environment(spec, fn.name),
            "Architectures": [fn.architecture],
            "Layers": function_layers(spec, fn.layers),
            "CodeSha256": sha256_b64(blob),
            "TracingConfig": {"Mode": "Active" if derive.tracing(spec) else "PassThrough"},
            "Tags": owner_tags(spec, fn.tags),
        }
        if fn.logging is not None:
            props["LoggingConfig"] = fn.logging.config()
        out.append(Res("function", name, props, blob=blob, label=name))
    return out


# ----------------------------------------------------------------------------- API Gateway
def vpc_links(f: Facts) -> list[Res]:
    spec = f.spec
    out = []
    for v in spec.vpc_links:
        vn = names.vpc_link_name(spec, v.name)
        props = {
            "name": vn,
            "description": v.description,
            "targetArns": list(v.target_arns),
            "tags": owner_tags(spec),
        }
        out.append(Res("vpc_link", v.name, clean(props), label=vn))
    return out


def api(f: Facts) -> list[Res]:
    a = f.spec.api
    props = {
        "Name": a.name,
        "ProtocolType": "WEBSOCKET",
        "RouteSelectionExpression": a.route_selection,
        "ApiKeySelectionExpression": a.api_key_selection,
        "Description": a.description or "",
        "DisableExecuteApiEndpoint": a.disable_execute_api_endpoint,
        "DisableSchemaValidation": a.disable_schema_validation,
        "IpAddressType": a.ip_address_type,
        "Tags": owner_tags(f.spec),
    }
    return [Res("api", a.name, props, label=a.name)]


def authorizers(f: Facts) -> list[Res]:
    out = []
    for a in f.spec.authorizers:
        props = {
            "Name": a.name,
            "AuthorizerType": "REQUEST",
            "AuthorizerUri": f.lambda_uri(a.function, a.lambda_arn),
            "IdentitySource": list(a.identity_sources),
            "AuthorizerCredentialsArn": a.credentials_arn,
        }
        out.append(Res("authorizer", a.name, clean(props), label=a.name))
    return out


def models(f: Facts) -> list[Res]:
    out = []
    for m in derive.deployed_models(f.spec):
        props = {
            "Name": m.name,
            "ContentType": m.content_type,
            "Description": m.description or "",
            "Schema": Json(plain(m.schema)),
        }
        out.append(Res("model", m.name, props, label=m.name))
    return out


def _integration_uri(f: Facts, integ: Integration) -> Any:
    if integ.kind == "lambda":
        return f.lambda_uri(integ.function, integ.lambda_arn)
    if integ.kind == "http":
        return integ.url
    if integ.kind == "aws":
        return derive.aws_service_uri(integ, f.ctx.partition, f.ctx.region)
    return None


def _integration(f: Facts, integ: Integration) -> Res:
    creds = integ.credentials_arn
    if integ.role is not None:
        creds = f.role_arn(names.integration_role_name(f.spec, integ))
    desc = MARKER + integ.id + (f" {integ.description}" if integ.description else "")
    props = {
        "IntegrationType": integ.type,
        "IntegrationUri": _integration_uri(f, integ),
        "IntegrationMethod": integ.method,
        "TimeoutInMillis": integ.timeout_ms,
        "CredentialsArn": creds,
        "Description": desc,
        "ConnectionType": "VPC_LINK" if (integ.vpc_link or integ.vpc_link_id) else "INTERNET",
        "ConnectionId": Out(f"vpc_link:{integ.vpc_link}") if integ.vpc_link else integ.vpc_link_id,
        "RequestParameters": dict(integ.request_parameters) or None,
        "RequestTemplates": dict(integ.request_templates) or None,
        "TemplateSelectionExpression": integ.template_selection,
        "PassthroughBehavior": (integ.passthrough or "WHEN_NO_MATCH") if not integ.proxy else None,
        "ContentHandlingStrategy": integ.content_handling,
    }
    return Res("integration", integ.id, clean(props), label=names.integration_token(integ))


def integrations(f: Facts) -> list[Res]:
    """Each integration followed by its integration responses."""
    out = []
    for integ in f.spec.integrations:
        out.append(_integration(f, integ))
        for r in integ.responses:
            props = {
                "IntegrationResponseKey": r.key,
                "ResponseTemplates": dict(r.templates) or None,
                "TemplateSelectionExpression": r.template_selection,
                "ContentHandlingStrategy": r.content_handling,
            }
            label = f"{names.integration_token(integ)} {r.key}"
            out.append(
                Res("integration_response", f"{integ.id} {r.key}", clean(props), label=label)
            )
    return out


def _route(r: Route) -> Res:
    props = {
        "RouteKey": r.key,
        "Target": Fmt("integrations/{0}", (Out(f"integration:{r.integration}"),)),
        "AuthorizationType": r.authorization,
        "AuthorizerId": Out(f"authorizer:{r.authorizer}") if r.authorizer else None,
        "ApiKeyRequired": r.api_key_required,
        "RequestParameters": {k: {"Required": v} for k, v in r.request_parameters.items()} or None,
        "RequestModels": dict(r.request_models) or None,
        "ModelSelectionExpression": r.model_selection,
        "OperationName": r.operation_name,
        "RouteResponseSelectionExpression": "$default" if r.two_way else None,
    }
    return Res("route", r.key, clean(props), label=r.key)


def routes(f: Facts) -> list[Res]:
    """Each route followed by its ``$default`` route response when it is two-way."""
    out = []
    for r in f.spec.routes:
        out.append(_route(r))
        if r.two_way:
            props = {
                "RouteResponseKey": "$default",
                "ResponseModels": dict(r.response_models) or None,
            }
            out.append(Res("route_response", r.key, clean(props), label=f"{r.key} $default"))
    return out


def lambda_permissions(spec: Spec) -> list[derive.Permission]:
    """Per-route permissions, or one per stage when the API is too large for that."""
    return derive.lambda_permissions(spec, per_route=derive.permission_strategy(spec))


def permissions(f: Facts) -> list[Res]:
    spec, ctx = f.spec, f.ctx
    out = []
    for p in lambda_permissions(spec):
        target = names.function_name(spec, p.function) if p.function else str(p.function_arn)
        if p.authorizer is not None:
            src = Fmt(
                arns.execute_api(ctx.partition, ctx.region, ctx.account, "{0}", "authorizers/{1}"),
                (API, Out(f"authorizer:{p.authorizer}")),
            )
        else:
            src = ctx.execute_api(f"{p.stage}/{p.route}")
        source = p.source_path if not p.authorizer else "authorizer " + p.authorizer
        out.append(
            Res(
                "permission",
                p.key,
                {"FunctionName": target, "SourceArn": src},
                stage=p.stage,
                label=f"{target} {source}",
            )
        )
    return out


def route_settings(s: RouteSettings, defaults: bool) -> dict[str, Any]:
    """API Gateway route settings; ``defaults``: spell out the values AWS assumes."""
    out: dict[str, Any] = {}
    if s.throttling_burst is not None:
        out["ThrottlingBurstLimit"] = s.throttling_burst
    if s.throttling_rate is not None:
        out["ThrottlingRateLimit"] = float(s.throttling_rate)
    if s.logging_level is not None or defaults:
        out["LoggingLevel"] = s.logging_level or "OFF"
    if s.data_trace is not None or defaults:
        out["DataTraceEnabled"] = bool(s.data_trace)
    if s.detailed_metrics is not None or defaults:
        out["DetailedMetricsEnabled"] = bool(s.detailed_metrics)
    return out


def _stage(f: Facts, s: Stage) -> Res:
    acc = None
    if s.access_log is not None:
        dest = s.access_log.destination_arn or f.ctx.log_group_arn(
            names.access_log_group(f.spec, s.name)
        )
        acc = {"DestinationArn": dest, "Format": s.access_log.format}
    props = {
        "StageName": s.name,
        "Description": s.description or "",
        "AutoDeploy": s.auto_deploy,
        "StageVariables": dict(s.variables),
        "DefaultRouteSettings": route_settings(s.default_settings, True),
        "RouteSettings": {k: route_settings(v, False) for k, v in s.route_settings.items()},
        "AccessLogSettings": acc,
        "Tags": owner_tags(f.spec, s.tags),
    }
    return Res("stage", s.name, clean(props), stage=s.name, label=s.name)


def stages(f: Facts) -> list[Res]:
    return [_stage(f, s) for s in f.spec.stages]


def domain(f: Facts) -> list[Res]:
    """The custom domain and its API mapping."""
    d = f.spec.domain
    if d is None:
        return []
    config = {
        "CertificateArn": d.certificate_arn,
        "EndpointType": "REGIONAL",
        "SecurityPolicy": d.security_policy,
        "IpAddressType": d.ip_address_type,
    }
    props = {"DomainNameConfigurations": [config], "Tags": owner_tags(f.spec)}
    mapping = {"DomainName": d.name, "Stage": d.stage, "ApiMappingKey": d.base_path or ""}
    return [
        Res("domain", d.name, props, label=d.name),
        Res(
            "api_mapping",
            f"{d.name} {d.base_path or '(root)'}",
            clean(mapping),
            stage=d.stage,
            label=f"{d.name}/{d.base_path or ''} -> {d.stage}",
        ),
    ]


def usage(f: Facts) -> list[Res]:
    """Usage plans (on every stage), API keys (AWS generates their values) and the links."""
    spec = f.spec
    out = []
    for p in spec.usage_plans:
        props: dict[str, Any] = {
            "name": names.usage_plan_name(spec, p.name),
            "description": p.description,
            "apiStages": [{"apiId": API, "stage": s.name} for s in spec.stages],
            "tags": owner_tags(spec),
        }
        if p.throttle_rate is not None:
            props["throttle"] = {"rateLimit": p.throttle_rate, "burstLimit": p.throttle_burst}
        if p.quota_limit is not None:
            props["quota"] = {
                "limit": p.quota_limit,
                "period": p.quota_period,
                "offset": p.quota_offset,
            }
        out.append(Res("usage_plan", p.name, clean(props), label=props["name"]))
    for k in spec.api_keys:
        name = names.api_key_name(spec, k.name)
        props = {
            "name": name,
            "description": k.description,
            "enabled": k.enabled,
            "tags": owner_tags(spec),
        }
        out.append(Res("api_key", k.name, clean(props), label=name))
        link = {"usagePlanId": Out(f"usage_plan:{k.usage_plan}"), "keyId": Out(f"api_key:{k.name}")}
        out.append(Res("usage_plan_key", k.name, link, label=f"{name} -> {k.usage_plan}"))
    return out
