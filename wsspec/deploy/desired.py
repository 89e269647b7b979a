"""Model -> desired resource records (AWS parameter shapes keyed by natural key).

Every fact comes from ``wsspec.derive`` and ``wsspec.names`` -- the same facts the
CloudFormation and Terraform targets render -- so the three back ends cannot drift.
IDs that API Gateway generates are ``Out`` tokens (resolved by the executor); ARNs whose
form is known (functions, roles, table, log groups) are computed here.

One builder per resource family (the API Gateway families are in ``desired_api``);
``desired_state`` lists them in dependency order.
"""

from __future__ import annotations

from typing import Any, Callable

from wsspec import derive, monitoring, names
from wsspec.deploy import desired_api
from wsspec.deploy.records import (
    API,
    DEPLOY_MARKER,
    Context,
    Facts,
    Fmt,
    Json,
    Out,
    Res,
    clean,
    owner_tags,
    resolve,
)
from wsspec.model import Function, Spec
from wsspec.package import build_zip, sha256_b64

ZipOf = Callable[[Spec, Function], bytes]

__all__ = [
    "API",
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


def desired_state(spec: Spec, ctx: Context, *, zip_of: ZipOf = build_zip) -> list[Res]:
    """Every resource the spec asks for, in dependency order."""
    f = Facts(spec, ctx)
    return [
        *table(f),
        *log_groups(f),  # before the functions: Lambda never creates one without retention
        *roles(f),
        *desired_api.vpc_links(f),
        *functions(f, zip_of),
        *desired_api.api(f),
        *desired_api.authorizers(f),
        *desired_api.models(f),
        *desired_api.integrations(f),
        *desired_api.routes(f),
        *desired_api.permissions(f),
        *desired_api.stages(f),
        *desired_api.domain(f),
        *monitoring_state(spec, ctx),
    ]


def deployment_marker(spec: Spec) -> str:
    return DEPLOY_MARKER + derive.api_definition_hash(spec)


def trust(service: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }


# ----------------------------------------------------------------------------- builders
def table(f: Facts) -> list[Res]:
    """The connection table."""
    c = f.spec.connections
    if not c:
        return []
    name = names.table_name(f.spec)
    props: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": c.partition_key, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": c.partition_key, "AttributeType": "S"}],
        "BillingMode": c.billing_mode,
        "Ttl": c.ttl_attribute,
        "Tags": owner_tags(f.spec),
    }
    if c.billing_mode == "PROVISIONED":
        props["ProvisionedThroughput"] = {
            "ReadCapacityUnits": c.read_capacity,
            "WriteCapacityUnits": c.write_capacity,
        }
    return [Res("table", name, props, label=name)]


def log_groups(f: Facts) -> list[Res]:
    """Each function's log group, and each stage's access log group wsspec creates."""
    spec = f.spec
    retention = derive.log_retention_days(spec)
    out = []
    for fn in spec.functions:
        lg = names.function_log_group(spec, fn.name)
        props = {"Tags": owner_tags(spec), "RetentionInDays": retention}
        out.append(Res("log_group", lg, props, label=lg))
    for s in spec.stages:
        if s.access_log is not None and s.access_log.destination_arn is None:
            lg = names.access_log_group(spec, s.name)
            props = {"Tags": owner_tags(spec), "RetentionInDays": retention}
            out.append(Res("log_group", lg, props, stage=s.name, label=lg))
    return out


def _role(f: Facts, name: str, service: str, policy: Any, managed: tuple[str, ...] = ()) -> Res:
    props = {
        "Path": f.path,
        "AssumeRolePolicyDocument": trust(service),
        "Policy": policy,
        "ManagedPolicies": managed,
        "Tags": owner_tags(f.spec),
    }
    return Res("role", name, props, label=name)


def roles(f: Facts) -> list[Res]:
    """Function roles, integration roles, and the API Gateway account's CloudWatch role."""
    spec, ctx = f.spec, f.ctx
    out = []
    for fn in spec.functions:
        policy = f.policy(derive.function_statements(spec, fn.name))
        out.append(_role(f, names.function_role_name(spec, fn.name), derive.LAMBDA_TRUST, policy))
    for integ in derive.generated_integration_roles(spec):
        policy = f.policy(derive.integration_role_statements(spec, integ))
        out.append(_role(f, names.integration_role_name(spec, integ), derive.APIGW_TRUST, policy))
    if spec.cloudwatch_role:
        rn = names.account_role_name(spec)
        managed = (f"arn:{ctx.partition}:iam::aws:policy/{derive.CLOUDWATCH_POLICY}",)
        out.append(_role(f, rn, derive.APIGW_TRUST, None, managed))
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
        props = {
            "Role": f.role_arn(names.function_role_name(spec, fn.name)),
            "Handler": fn.lambda_handler,
            "Runtime": fn.runtime,
            "MemorySize": fn.memory,
            "Timeout": fn.timeout,
            "Description": fn.description or "",
            "Environment": derive.environment(spec, fn.name),
            "Architectures": [fn.architecture],
            "CodeSha256": sha256_b64(blob),
            "TracingConfig": {"Mode": "Active" if derive.tracing(spec) else "PassThrough"},
            "Tags": owner_tags(spec),
        }
        out.append(Res("function", name, props, blob=blob, label=name))
    return out


# ----------------------------------------------------------------------------- monitoring
def topic_arn(ctx: Context, name: str) -> str:
    return f"arn:{ctx.partition}:sns:{ctx.region}:{ctx.account}:{name}"


def monitoring_state(spec: Spec, ctx: Context) -> list[Res]:
    """The alarm topic, its subscriptions and the CloudWatch alarms (``monitoring.alarms``)."""
    mon = spec.monitoring
    if mon is None:
        return []
    out: list[Res] = []
    actions = list(mon.topic_arns)
    if mon.create_topic:
        name = monitoring.topic_name(spec)
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
    return out + alarms(spec, actions)


def alarms(spec: Spec, actions: list[str]) -> list[Res]:
    out = []
    for a in monitoring.alarms(spec):
        dims = sorted(
            ({"Name": d.name, "Value": API if d.api_id else d.value} for d in a.dimensions),
            key=lambda d: str(d["Name"]),
        )
        props = {
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
        out.append(Res("alarm", a.alarm_name, clean(props), stage=a.stage, label=a.alarm_name))
    return out
