"""Model -> desired resource records (AWS parameter shapes keyed by natural key).

Every fact comes from ``wsspec.derive`` and ``wsspec.names`` -- the same facts the
CloudFormation and Terraform targets render -- so the three back ends cannot drift.
IDs that API Gateway generates are ``Out`` tokens (resolved by the executor); ARNs whose
form is known (functions, roles, table, log groups) are computed here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from wsspec import alarms, arns, derive, names
from wsspec.model import Spec, plain
from wsspec.targets.package import build_zip, sha256_b64

OWNER_TAG = "wsspec:spec"
POLICY_NAME = "wsspec"
MARKER = "wsspec:"  # integration Description prefix carrying the natural key
DEPLOY_MARKER = "wsspec deployment "


# ----------------------------------------------------------------------------- tokens
@dataclass(frozen=True)
class Out:
    """A generated ID: known from the current state, or produced by an earlier step."""

    name: str  # "api", "integration:<id>", "authorizer:<name>", "route:<key>", "model:<name>", ...

    def __str__(self) -> str:
        return f"<{self.name}>"


@dataclass(frozen=True)
class Fmt:
    """``template.format(*resolved args)`` -- a string built from generated IDs."""

    template: str
    args: tuple[Out, ...]

    def __str__(self) -> str:
        return self.template.format(*(str(a) for a in self.args))


@dataclass(frozen=True)
class Json:
    """A value serialised to JSON after its tokens are resolved (policy documents, schemas)."""

    value: Any


def resolve(value: Any, ids: Mapping[str, str], *, partial: bool = False) -> Any:
    """Replace tokens by IDs. ``partial``: leave unknown tokens in place (for diffing)."""
    if isinstance(value, Out):
        if value.name in ids:
            return ids[value.name]
        if partial:
            return value
        raise KeyError(f"unresolved reference {value.name}")
    if isinstance(value, Fmt):
        args = [resolve(a, ids, partial=partial) for a in value.args]
        if any(isinstance(a, Out) for a in args):
            return value
        return value.template.format(*args)
    if isinstance(value, Json):
        inner = resolve(value.value, ids, partial=partial)
        return json.dumps(inner, sort_keys=True) if not partial else Json(inner)
    if isinstance(value, Mapping):
        return {k: resolve(v, ids, partial=partial) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [resolve(v, ids, partial=partial) for v in value]
    return value


API = Out("api")


# ----------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Res:
    kind: str
    key: str  # natural key
    props: Mapping[str, Any]  # compared field by field with the current state
    stage: str | None = None  # stage-scoped (``--stage`` filters on it)
    blob: bytes | None = field(default=None, compare=False, repr=False)  # function zip
    label: str = ""  # readable name for the plan display


@dataclass(frozen=True)
class Context:
    """Where the API lives (from ``Aws``); a plain record so planner tests need no AWS."""

    region: str
    account: str
    partition: str = "aws"

    def function_arn(self, name: str) -> str:
        return arns.lambda_function(self.partition, self.region, self.account, name)

    def role_arn(self, path: str, name: str) -> str:
        return arns.iam_role(self.partition, self.account, path, name)

    def table_arn(self, name: str) -> str:
        return arns.dynamodb_table(self.partition, self.region, self.account, name)

    def log_group_arn(self, name: str) -> str:
        return arns.log_group(self.partition, self.region, self.account, name)

    def execute_api(self, suffix: str) -> Fmt:
        return Fmt(
            arns.execute_api(self.partition, self.region, self.account, "{0}", suffix), (API,)
        )


def role_path(spec: Spec) -> str:
    """IAM path of every role wsspec creates for this spec (one ListRoles call finds them)."""
    return (
        "/wsspec/" + (re.sub(r"[^A-Za-z0-9_+=,.@-]+", "-", spec.api.name).strip("-") or "x") + "/"
    )


def owner_value(spec: Spec) -> str:
    return spec.api.name


def owner_tags(spec: Spec, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {**dict(extra or {}), OWNER_TAG: owner_value(spec)}


def trust(service: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }


def permissions(spec: Spec) -> list[derive.Permission]:
    """Per-route permissions, or the large-API strategy when derive provides one."""
    strategy = getattr(derive, "permission_strategy", None)
    if strategy is not None:
        try:
            result = strategy(spec)
        except TypeError:
            result = None
        per_route = getattr(result, "per_route", result if isinstance(result, bool) else True)
        return derive.lambda_permissions(spec, per_route=bool(per_route))
    return derive.lambda_permissions(spec)


def deployment_marker(spec: Spec) -> str:
    return DEPLOY_MARKER + derive.api_definition_hash(spec)


def _clean(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _settings(s: Any, defaults: bool) -> dict[str, Any]:
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


def desired_state(
    spec: Spec, ctx: Context, *, zip_of: Callable[[Spec, Any], bytes] = build_zip
) -> list[Res]:
    """Every resource the spec asks for, in dependency order."""
    out: list[Res] = []
    path = role_path(spec)
    table_name = names.table_name(spec) if spec.connections else None
    table_arn = ctx.table_arn(table_name) if table_name else ""
    fn_arns = {f.name: ctx.function_arn(names.function_name(spec, f.name)) for f in spec.functions}

    def render(ref: derive.Ref) -> Any:
        if ref.kind == "connections":
            return ctx.execute_api(f"{ref.stage}/{ref.value}/@connections/*")
        if ref.kind == "table":
            return table_arn
        if ref.kind == "function":
            return fn_arns[ref.value]
        return ref.render(
            partition=ctx.partition,
            region=ctx.region,
            account=ctx.account,
            api_id="{api}",
            table_arn=table_arn,
            function_arn=fn_arns,
        )

    def policy(statements: list[derive.Statement]) -> dict[str, Any]:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": st.sid,
                    "Effect": st.effect,
                    "Action": list(st.actions),
                    "Resource": [render(r) for r in st.resources],
                }
                for st in statements
            ],
        }

    # -- connection table
    if spec.connections and table_name:
        c = spec.connections
        props: dict[str, Any] = {
            "TableName": table_name,
            "KeySchema": [{"AttributeName": c.partition_key, "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": c.partition_key, "AttributeType": "S"}],
            "BillingMode": c.billing_mode,
            "Ttl": c.ttl_attribute,
            "Tags": owner_tags(spec),
        }
        if c.billing_mode == "PROVISIONED":
            props["ProvisionedThroughput"] = {
                "ReadCapacityUnits": c.read_capacity,
                "WriteCapacityUnits": c.write_capacity,
            }
        out.append(Res("table", table_name, props, label=table_name))

    # -- log groups (created before the functions, so Lambda never creates one without retention)
    retention = derive.log_retention_days(spec)
    for f in spec.functions:
        lg = names.function_log_group(spec, f.name)
        out.append(
            Res("log_group", lg, {"Tags": owner_tags(spec), "RetentionInDays": retention}, label=lg)
        )
    for s in spec.stages:
        if s.access_log is not None and s.access_log.destination_arn is None:
            lg = names.access_log_group(spec, s.name)
            out.append(
                Res(
                    "log_group",
                    lg,
                    {"Tags": owner_tags(spec), "RetentionInDays": retention},
                    stage=s.name,
                    label=lg,
                )
            )

    # -- roles
    for f in spec.functions:
        rn = names.function_role_name(spec, f.name)
        out.append(
            Res(
                "role",
                rn,
                {
                    "Path": path,
                    "AssumeRolePolicyDocument": trust(derive.LAMBDA_TRUST),
                    "Policy": policy(derive.function_statements(spec, f.name)),
                    "ManagedPolicies": (),
                    "Tags": owner_tags(spec),
                },
                label=rn,
            )
        )
    for integ in derive.generated_integration_roles(spec):
        rn = names.integration_role_name(spec, integ)
        out.append(
            Res(
                "role",
                rn,
                {
                    "Path": path,
                    "AssumeRolePolicyDocument": trust(derive.APIGW_TRUST),
                    "Policy": policy(derive.integration_role_statements(spec, integ)),
                    "ManagedPolicies": (),
                    "Tags": owner_tags(spec),
                },
                label=rn,
            )
        )
    if spec.cloudwatch_role:
        rn = names.account_role_name(spec)
        out.append(
            Res(
                "role",
                rn,
                {
                    "Path": path,
                    "AssumeRolePolicyDocument": trust(derive.APIGW_TRUST),
                    "Policy": None,
                    "ManagedPolicies": (
                        arns.managed_policy(ctx.partition, derive.CLOUDWATCH_POLICY),
                    ),
                    "Tags": owner_tags(spec),
                },
                label=rn,
            )
        )
        out.append(
            Res(
                "account",
                "account",
                {"cloudwatchRoleArn": ctx.role_arn(path, rn)},
                label="API Gateway account (region)",
            )
        )

    # -- REST (v1) VPC links
    for v in spec.vpc_links:
        vn = names.vpc_link_name(spec, v.name)
        out.append(
            Res(
                "vpc_link",
                v.name,
                _clean(
                    {
                        "name": vn,
                        "description": v.description,
                        "targetArns": list(v.target_arns),
                        "tags": owner_tags(spec),
                    }
                ),
                label=vn,
            )
        )

    # -- functions
    for f in spec.functions:
        fname = names.function_name(spec, f.name)
        blob = zip_of(spec, f)
        out.append(
            Res(
                "function",
                fname,
                {
                    "Role": ctx.role_arn(path, names.function_role_name(spec, f.name)),
                    "Handler": f.lambda_handler,
                    "Runtime": f.runtime,
                    "MemorySize": f.memory,
                    "Timeout": f.timeout,
                    "Description": f.description or "",
                    "Environment": derive.environment(spec, f.name),
                    "Architectures": [f.architecture],
                    "CodeSha256": sha256_b64(blob),
                    "TracingConfig": {"Mode": "Active" if derive.tracing(spec) else "PassThrough"},
                    "Tags": owner_tags(spec),
                },
                blob=blob,
                label=fname,
            )
        )

    # -- API
    out.append(
        Res(
            "api",
            spec.api.name,
            {
                "Name": spec.api.name,
                "ProtocolType": "WEBSOCKET",
                "RouteSelectionExpression": spec.api.route_selection,
                "ApiKeySelectionExpression": spec.api.api_key_selection,
                "Description": spec.api.description or "",
                "DisableExecuteApiEndpoint": spec.api.disable_execute_api_endpoint,
                "DisableSchemaValidation": spec.api.disable_schema_validation,
                "Tags": owner_tags(spec, spec.api.tags),
            },
            label=spec.api.name,
        )
    )

    def lambda_uri(fn: str | None, arn: str | None) -> str:
        return arns.lambda_invoke_uri(ctx.partition, ctx.region, fn_arns[fn] if fn else str(arn))

    for a in spec.authorizers:
        out.append(
            Res(
                "authorizer",
                a.name,
                _clean(
                    {
                        "Name": a.name,
                        "AuthorizerType": "REQUEST",
                        "AuthorizerUri": lambda_uri(a.function, a.lambda_arn),
                        "IdentitySource": list(a.identity_sources),
                        "AuthorizerCredentialsArn": a.credentials_arn,
                    }
                ),
                label=a.name,
            )
        )

    for m in spec.models:
        out.append(
            Res(
                "model",
                m.name,
                {
                    "Name": m.name,
                    "ContentType": m.content_type,
                    "Description": m.description or "",
                    "Schema": Json(plain(m.schema)),
                },
                label=m.name,
            )
        )

    for integ in spec.integrations:
        if integ.kind == "lambda":
            uri: Any = lambda_uri(integ.function, integ.lambda_arn)
        elif integ.kind == "http":
            uri = integ.url
        elif integ.kind == "aws":
            uri = derive.aws_service_uri(integ, ctx.partition, ctx.region)
        else:
            uri = None
        creds = integ.credentials_arn
        if integ.role is not None:
            creds = ctx.role_arn(path, names.integration_role_name(spec, integ))
        desc = MARKER + integ.id + (f" {integ.description}" if integ.description else "")
        props = {
            "IntegrationType": integ.type,
            "IntegrationUri": uri,
            "IntegrationMethod": integ.method,
            "TimeoutInMillis": integ.timeout_ms,
            "CredentialsArn": creds,
            "Description": desc,
            "ConnectionType": "VPC_LINK" if (integ.vpc_link or integ.vpc_link_id) else "INTERNET",
            "ConnectionId": Out(f"vpc_link:{integ.vpc_link}")
            if integ.vpc_link
            else integ.vpc_link_id,
            "RequestParameters": dict(integ.request_parameters) or None,
            "RequestTemplates": dict(integ.request_templates) or None,
            "TemplateSelectionExpression": integ.template_selection,
            "PassthroughBehavior": (integ.passthrough or "WHEN_NO_MATCH")
            if not integ.proxy
            else None,
            "ContentHandlingStrategy": integ.content_handling,
        }
        out.append(
            Res("integration", integ.id, _clean(props), label=names.integration_token(integ))
        )
        for r in integ.responses:
            out.append(
                Res(
                    "integration_response",
                    f"{integ.id} {r.key}",
                    _clean(
                        {
                            "IntegrationResponseKey": r.key,
                            "ResponseTemplates": dict(r.templates) or None,
                            "TemplateSelectionExpression": r.template_selection,
                            "ContentHandlingStrategy": r.content_handling,
                        }
                    ),
                    label=f"{names.integration_token(integ)} {r.key}",
                )
            )

    for r in spec.routes:
        out.append(
            Res(
                "route",
                r.key,
                _clean(
                    {
                        "RouteKey": r.key,
                        "Target": Fmt("integrations/{0}", (Out(f"integration:{r.integration}"),)),
                        "AuthorizationType": r.authorization,
                        "AuthorizerId": Out(f"authorizer:{r.authorizer}") if r.authorizer else None,
                        "ApiKeyRequired": r.api_key_required,
                        "RequestParameters": {
                            k: {"Required": v} for k, v in r.request_parameters.items()
                        }
                        or None,
                        "RequestModels": dict(r.request_models) or None,
                        "ModelSelectionExpression": r.model_selection,
                        "OperationName": r.operation_name,
                        "RouteResponseSelectionExpression": "$default" if r.two_way else None,
                    }
                ),
                label=r.key,
            )
        )
        if r.two_way:
            out.append(
                Res(
                    "route_response",
                    r.key,
                    _clean(
                        {
                            "RouteResponseKey": "$default",
                            "ResponseModels": dict(r.response_models) or None,
                        }
                    ),
                    label=f"{r.key} $default",
                )
            )

    for p in permissions(spec):
        target = names.function_name(spec, p.function) if p.function else str(p.function_arn)
        if p.authorizer is not None:
            src = Fmt(
                arns.execute_api(ctx.partition, ctx.region, ctx.account, "{0}", "authorizers/{1}"),
                (API, Out(f"authorizer:{p.authorizer}")),
            )
        else:
            src = ctx.execute_api(f"{p.stage}/{p.route}")
        out.append(
            Res(
                "permission",
                p.key,
                {"FunctionName": target, "SourceArn": src},
                stage=p.stage,
                label=f"{target} {p.source_path if not p.authorizer else 'authorizer ' + p.authorizer}",
            )
        )

    for s in spec.stages:
        acc = None
        if s.access_log is not None:
            dest = s.access_log.destination_arn or ctx.log_group_arn(
                names.access_log_group(spec, s.name)
            )
            acc = {"DestinationArn": dest, "Format": s.access_log.format}
        out.append(
            Res(
                "stage",
                s.name,
                _clean(
                    {
                        "StageName": s.name,
                        "Description": s.description or "",
                        "AutoDeploy": s.auto_deploy,
                        "StageVariables": dict(s.variables),
                        "DefaultRouteSettings": _settings(s.default_settings, True),
                        "RouteSettings": {
                            k: _settings(v, False) for k, v in s.route_settings.items()
                        },
                        "AccessLogSettings": acc,
                        "Tags": owner_tags(spec, s.tags),
                    }
                ),
                stage=s.name,
                label=s.name,
            )
        )

    if spec.domain is not None:
        d = spec.domain
        out.append(
            Res(
                "domain",
                d.name,
                {
                    "DomainNameConfigurations": [
                        {
                            "CertificateArn": d.certificate_arn,
                            "EndpointType": "REGIONAL",
                            "SecurityPolicy": d.security_policy,
                        }
                    ],
                    "Tags": owner_tags(spec),
                },
                label=d.name,
            )
        )
        out.append(
            Res(
                "api_mapping",
                f"{d.name} {d.base_path or '(root)'}",
                _clean(
                    {"DomainName": d.name, "Stage": d.stage, "ApiMappingKey": d.base_path or ""}
                ),
                stage=d.stage,
                label=f"{d.name}/{d.base_path or ''} -> {d.stage}",
            )
        )
    out += monitoring_state(spec, ctx)
    return out


def topic_arn(ctx: Context, name: str) -> str:
    return arns.sns_topic(ctx.partition, ctx.region, ctx.account, name)


def monitoring_state(spec: Spec, ctx: Context) -> list[Res]:
    """The alarm topic, its subscriptions and the CloudWatch alarms (``alarms.expand``)."""
    mon = spec.monitoring
    if mon is None:
        return []
    out: list[Res] = []
    actions = list(mon.topic_arns)
    if mon.create_topic:
        name = alarms.topic_name(spec)
        arn = topic_arn(ctx, name)
        actions.append(arn)
        out.append(Res("topic", name, {"Tags": owner_tags(spec)}, label=name))
        subs = [("email", e) for e in mon.topic_emails] + [("https", u) for u in mon.topic_https]
        for protocol, endpoint in subs:
            out.append(
                Res(
                    "subscription",
                    f"{protocol}:{endpoint}",
                    {"TopicArn": arn, "Protocol": protocol, "Endpoint": endpoint},
                    label=f"{protocol} {endpoint}",
                )
            )
    for a in alarms.expand(spec):
        dims = sorted(
            ({"Name": d.name, "Value": API if d.api_id else d.value} for d in a.dimensions),
            key=lambda d: str(d["Name"]),
        )
        out.append(
            Res(
                "alarm",
                a.alarm_name,
                _clean(
                    {
                        "AlarmName": a.alarm_name,
                        "AlarmDescription": a.description,
                        "Namespace": a.namespace,
                        "MetricName": a.metric,
                        "Dimensions": dims,
                        "Statistic": a.statistic,
                        "ExtendedStatistic": a.extended_statistic,
                        "Period": a.period,
                        "EvaluationPeriods": a.evaluation_periods,
                        "DatapointsToAlarm": a.datapoints_to_alarm,
                        "Threshold": a.threshold,
                        "ComparisonOperator": a.comparison_operator,
                        "TreatMissingData": a.treat_missing_data,
                        "AlarmActions": sorted(actions),
                        "Tags": owner_tags(spec),
                    }
                ),
                stage=a.stage,
                label=a.alarm_name,
            )
        )
    return out
