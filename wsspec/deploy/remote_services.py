"""Read what surrounds the API: Lambda functions and their permissions, IAM roles, the
connection table, log groups, CloudWatch alarms and the SNS alarm topic.

Batched where AWS allows (one ListFunctions, one ListRoles by IAM path, log groups and
alarms by name prefix); the per-item reads (tags, policies) run in the reader's thread pool.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import unquote

from wsspec import alarms, arns, names
from wsspec.deploy.current import Cur, Reader, fields, pages
from wsspec.deploy.errors import error_code
from wsspec.deploy.records import OWNER_TAG, POLICY_NAME, role_path

Item = dict[str, Any]


def _tags(items: list[Item]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items}


def read_functions(rd: Reader) -> None:
    """wsspec's functions (by name prefix), then their permissions."""
    c = rd.aws.client("lambda")
    wanted = {r.key for r in rd.wanted("function")}
    prefix = names.function_name(rd.spec, "x")[:-1]
    fns = [
        f
        for f in pages(c, "list_functions", "Functions")
        if f["FunctionName"] in wanted or f["FunctionName"].startswith(prefix)
    ]

    def one(f: Item) -> None:
        name = f["FunctionName"]
        tags = c.list_tags(Resource=f["FunctionArn"]).get("Tags") or {}
        if tags.get(OWNER_TAG) != rd.owner:
            if name in wanted:
                rd.cur.foreign.append(f"Lambda function {name} (no {OWNER_TAG} tag)")
                rd.cur.add("foreign_function", name, Cur(f["FunctionArn"], {}))
            return
        props = {
            "Role": f.get("Role"),
            "Handler": f.get("Handler"),
            "Runtime": f.get("Runtime"),
            "MemorySize": f.get("MemorySize"),
            "Timeout": f.get("Timeout"),
            "Description": f.get("Description") or "",
            "Environment": (f.get("Environment") or {}).get("Variables") or {},
            "Architectures": f.get("Architectures") or ["x86_64"],
            "Layers": [layer.get("Arn") for layer in f.get("Layers") or ()],
            "CodeSha256": f.get("CodeSha256"),
            "TracingConfig": f.get("TracingConfig"),
            "Tags": tags,
        }
        rd.cur.add("function", name, Cur(name, props))

    rd.map(one, fns)
    _permissions(rd)  # needs the functions; starts as soon as they are known


def _permissions(rd: Reader) -> None:
    """wsspec's statements (``wsspec-`` ids) in the policies of its functions and of the
    existing functions the spec grants API Gateway access to."""
    c = rd.aws.client("lambda")
    targets = set(rd.cur.of("function"))
    targets |= {
        r.props["FunctionName"]
        for r in rd.wanted("permission")
        if r.props["FunctionName"].startswith("arn:")
    }

    def one(fn: str) -> None:
        try:
            doc = json.loads(c.get_policy(FunctionName=fn)["Policy"])
        except Exception as exc:  # noqa: BLE001
            if error_code(exc) == "ResourceNotFoundException":
                return
            raise
        for st in doc.get("Statement") or []:
            sid = st.get("Sid") or ""
            if not sid.startswith("wsspec-"):
                continue
            cond = st.get("Condition") or {}
            src = (cond.get("ArnLike") or {}).get("AWS:SourceArn")
            props = {"FunctionName": fn, "SourceArn": src}
            rd.cur.add("permission", sid, Cur(sid, props, parent=fn))

    rd.map(one, sorted(targets))


def _document(doc: Any) -> Any:
    """A policy document as IAM returns it (URL-encoded JSON text) -> plain data."""
    return json.loads(unquote(doc)) if isinstance(doc, str) else doc


def read_roles(rd: Reader) -> None:
    """wsspec's roles: all under the spec's IAM path."""
    c = rd.aws.client("iam")
    roles = pages(c, "list_roles", "Roles", PathPrefix=role_path(rd.spec))

    def one(r: Item) -> None:
        name = r["RoleName"]
        tags = _tags(pages(c, "list_role_tags", "Tags", RoleName=name))
        if tags.get(OWNER_TAG) != rd.owner:
            rd.cur.foreign.append(f"IAM role {name} (no {OWNER_TAG} tag)")
            return
        try:
            pol = _document(
                c.get_role_policy(RoleName=name, PolicyName=POLICY_NAME)["PolicyDocument"]
            )
        except Exception as exc:  # noqa: BLE001
            if error_code(exc) != "NoSuchEntity":
                raise
            pol = None
        attached = pages(c, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
        props = {
            "Path": r.get("Path"),
            "AssumeRolePolicyDocument": _document(r.get("AssumeRolePolicyDocument")),
            "Policy": pol,
            "ManagedPolicies": tuple(sorted(p["PolicyArn"] for p in attached)),
            "Tags": tags,
        }
        rd.cur.add("role", name, Cur(name, props))

    rd.map(one, roles)


def read_table(rd: Reader) -> None:
    """The connection table: the wanted name, and the default one (a table left from before
    the spec named its table)."""
    c = rd.aws.client("dynamodb")
    cands = {r.key for r in rd.wanted("table")}
    cands.add(names.table_name(dataclasses.replace(rd.spec, connections=None)))
    for name in sorted(cands):
        try:
            t = c.describe_table(TableName=name)["Table"]
        except Exception as exc:  # noqa: BLE001
            if error_code(exc) == "ResourceNotFoundException":
                continue
            raise
        tags = _tags(pages(c, "list_tags_of_resource", "Tags", ResourceArn=t["TableArn"]))
        if tags.get(OWNER_TAG) != rd.owner:
            rd.cur.foreign.append(f"DynamoDB table {name} (no {OWNER_TAG} tag)")
            rd.cur.add("foreign_table", name, Cur(name, {}))
            continue
        ttl = c.describe_time_to_live(TableName=name).get("TimeToLiveDescription") or {}
        props: dict[str, Any] = {
            "TableName": name,
            "KeySchema": t.get("KeySchema"),
            "AttributeDefinitions": t.get("AttributeDefinitions"),
            "BillingMode": (t.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
            "Ttl": ttl.get("AttributeName")
            if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
            else None,
            "Tags": tags,
        }
        pt = t.get("ProvisionedThroughput") or {}
        if props["BillingMode"] == "PROVISIONED":
            props["ProvisionedThroughput"] = fields(pt, "ReadCapacityUnits", "WriteCapacityUnits")
        rd.cur.add("table", name, Cur(name, props))


def read_logs(rd: Reader) -> None:
    """Function and access log groups (by name prefix); untagged ones are left alone."""
    c = rd.aws.client("logs")
    prefixes = {
        "/aws/lambda/" + names.function_name(rd.spec, "x")[:-1],
        names.access_log_group(rd.spec, "x")[: -len("x/access")],
    }
    groups: list[Item] = []
    for p in sorted(prefixes):
        groups += pages(c, "describe_log_groups", "logGroups", logGroupNamePrefix=p)

    def one(g: Item) -> None:
        name = g["logGroupName"]
        tags = c.list_tags_log_group(logGroupName=name).get("tags") or {}
        if tags.get(OWNER_TAG) != rd.owner:
            rd.cur.add("foreign_log_group", name, Cur(name, {}))
            return
        props = {"Tags": tags, "RetentionInDays": g.get("retentionInDays")}
        rd.cur.add("log_group", name, Cur(name, props))

    rd.map(one, groups)


_ALARM = (
    "AlarmName",
    "AlarmDescription",
    "Namespace",
    "MetricName",
    "Statistic",
    "ExtendedStatistic",
    "Period",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
)


def alarm_prefix(spec: Any) -> str:
    """What the name of every alarm wsspec makes for this API starts with: the API name as
    a physical name, then ``-``."""
    return names.physical(spec.api.name, "x", limit=255)[:-1]


def read_alarms(rd: Reader) -> None:
    c = rd.aws.client("cloudwatch")
    wanted = {r.key for r in rd.wanted("alarm")}
    alarms = pages(
        c,
        "describe_alarms",
        "MetricAlarms",
        AlarmNamePrefix=alarm_prefix(rd.spec),
        AlarmTypes=["MetricAlarm"],
    )

    def one(a: Item) -> None:
        name = a["AlarmName"]
        tags = _tags(c.list_tags_for_resource(ResourceARN=a["AlarmArn"]).get("Tags") or [])
        if tags.get(OWNER_TAG) != rd.owner:
            if name in wanted:
                rd.cur.foreign.append(f"CloudWatch alarm {name} (no {OWNER_TAG} tag)")
                rd.cur.add("foreign_alarm", name, Cur(a["AlarmArn"], {}))
            return
        dims = sorted(
            ({"Name": d["Name"], "Value": d["Value"]} for d in a.get("Dimensions") or []),
            key=lambda d: str(d["Name"]),
        )
        props = {
            **fields(a, *_ALARM),
            "Dimensions": dims,
            "AlarmActions": sorted(a.get("AlarmActions") or []),
            "Tags": tags,
        }
        rd.cur.add("alarm", name, Cur(a["AlarmArn"], props))

    rd.map(one, alarms)


def read_topic(rd: Reader) -> None:
    """The alarm topic (its ARN is known from its name) and its subscriptions."""
    c = rd.aws.client("sns")
    name = alarms.topic_name(rd.spec)
    arn = arns.sns_topic(rd.aws.partition, rd.aws.region, rd.aws.account, name)
    try:
        c.get_topic_attributes(TopicArn=arn)
    except Exception as exc:  # noqa: BLE001
        if error_code(exc) in ("NotFound", "NotFoundException"):
            return
        raise
    tags = _tags(c.list_tags_for_resource(ResourceArn=arn).get("Tags") or [])
    if tags.get(OWNER_TAG) != rd.owner:
        if rd.wanted("topic"):
            rd.cur.foreign.append(f"SNS topic {name} (no {OWNER_TAG} tag)")
            rd.cur.add("foreign_topic", name, Cur(arn, {}))
        return
    rd.cur.add("topic", name, Cur(arn, {"Tags": tags}))
    for sub in pages(c, "list_subscriptions_by_topic", "Subscriptions", TopicArn=arn):
        key = f"{sub.get('Protocol')}:{sub.get('Endpoint')}"
        props = {"TopicArn": arn, "Protocol": sub.get("Protocol"), "Endpoint": sub.get("Endpoint")}
        rd.cur.add("subscription", key, Cur(sub.get("SubscriptionArn") or "", props, parent=arn))
