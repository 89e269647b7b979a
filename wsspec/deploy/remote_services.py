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
    """wsspec's functions (by name prefix) and the statements of this spec in their policies
    and in those of the existing functions the spec grants API Gateway access to: tags and
    policies of every candidate are read at once (a destroy's, beside the listing)."""
    c = rd.aws.client("lambda")
    wanted = {r.key for r in rd.wanted("function")}
    external = {
        r.props["FunctionName"]
        for r in rd.wanted("permission")
        if r.props["FunctionName"].startswith("arn:")
    }
    tags: dict[str, dict[str, str]] = {}
    policies: dict[str, Any] = {}

    def leaf(job: tuple[str, str]) -> None:
        what, name = job
        if what == "tags":
            arn = arns.lambda_function(rd.aws.partition, rd.aws.region, rd.aws.account, name)
            tags[name] = c.list_tags(Resource=arn).get("Tags") or {}
        else:
            policies[name] = _policy(c, name)

    # a full destroy deletes the spec's functions, and their policies with them
    rd.early(leaf, [("tags", name) for name in sorted(wanted)])
    prefix = names.function_name(rd.spec, "x")[:-1]
    fns = [
        f
        for f in pages(c, "list_functions", "Functions")
        if f["FunctionName"] in wanted or f["FunctionName"].startswith(prefix)
    ]
    jobs = [("tags", f["FunctionName"]) for f in fns]
    own_policies = [f["FunctionName"] for f in fns] if rd.whole_api else []
    jobs += [("policy", name) for name in sorted(set(own_policies) | external)]
    rd.map(leaf, jobs)
    for f in fns:
        _function(rd, f, tags[f["FunctionName"]], wanted)
    _permissions(rd, policies)


def _policy(c: Any, fn: str) -> Any:
    """A function's resource policy (None when it has none)."""
    try:
        return json.loads(c.get_policy(FunctionName=fn)["Policy"])
    except Exception as exc:  # noqa: BLE001
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise


def _not_ours(
    rd: Reader, tags: dict[str, str], kind: str, what: str, name: str, arn: str, wanted: set[str]
) -> bool:
    """True when ``tags`` lack this spec's ownership tag; a same-name item the spec wants is
    then recorded as ``foreign_<kind>`` (the plan refuses to touch it)."""
    if tags.get(OWNER_TAG) == rd.owner:
        return False
    if name in wanted:
        rd.cur.foreign.append(f"{what} {name} (no {OWNER_TAG} tag)")
        rd.cur.add(f"foreign_{kind}", name, Cur(arn, {}))
    return True


def _function(rd: Reader, f: Item, tags: dict[str, str], wanted: set[str]) -> None:
    name = f["FunctionName"]
    if _not_ours(rd, tags, "function", "Lambda function", name, f["FunctionArn"], wanted):
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
        "LoggingConfig": f.get("LoggingConfig"),
        "Tags": tags,
    }
    rd.cur.add("function", name, Cur(name, props))


def _permissions(rd: Reader, policies: dict[str, Any]) -> None:
    """This spec's statements in the policies read (``statement_owner`` decides which)."""
    own_fns = set(rd.cur.of("function"))
    wanted = {r.key for r in rd.wanted("permission")}
    ours = {a["ApiId"] for a in rd.own_apis()}
    every = {a["ApiId"] for a in rd.apis()}
    for fn, doc in sorted(policies.items()):
        if fn not in own_fns and not fn.startswith("arn:"):
            continue  # a candidate by name that turned out not to be this spec's
        for st in (doc or {}).get("Statement") or []:
            sid = str(st.get("Sid") or "")
            cond = st.get("Condition") or {}
            src = (cond.get("ArnLike") or {}).get("AWS:SourceArn")
            api = source_api(rd, src)
            owned = statement_owner(
                sid, api, wanted=wanted, ours=ours, every=every, own=fn in own_fns
            )
            if owned:
                props = {"FunctionName": fn, "SourceArn": src}
                rd.cur.add("permission", sid, Cur(sid, props, parent=fn))


def source_api(rd: Reader, source_arn: Any) -> str | None:
    """The API id of an ``execute-api`` SourceArn in this account and region (else None)."""
    if not isinstance(source_arn, str):
        return None
    parts = source_arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "execute-api":
        return None
    if parts[3] != rd.aws.region or parts[4] != rd.aws.account:
        return None
    return parts[5].split("/", 1)[0] or None


def statement_owner(
    sid: str, api: str | None, *, wanted: set[str], ours: set[str], every: set[str], own: bool
) -> bool:
    """Whether a Lambda policy statement belongs to this spec (issue 22: one spec's deploy
    must never delete another spec's grants on a shared function).

    Only ``wsspec-`` statements are candidates. One is this spec's when its SourceArn names
    one of this spec's APIs, or when its id is one this spec makes (ids of grants on a
    function named by ARN carry the API name, so no other spec makes them). On this spec's
    own functions, a ``wsspec-`` grant to an API that no longer exists is stale and is
    cleaned up too; on other functions it is left alone.
    """
    if not sid.startswith("wsspec-"):
        return False
    if sid in wanted or (api is not None and api in ours):
        return True
    return own and api is not None and api not in every


def _document(doc: Any) -> Any:
    """A policy document as IAM returns it (URL-encoded JSON text) -> plain data."""
    return json.loads(unquote(doc)) if isinstance(doc, str) else doc


def read_roles(rd: Reader) -> None:
    """wsspec's roles: all under the spec's IAM path; per role its tags, inline policy and
    attached policies, every role's three reads at once (a destroy's, beside the listing)."""
    c = rd.aws.client("iam")
    got: dict[tuple[str, str], Any] = {}

    def leaf(job: tuple[str, str]) -> None:
        what, name = job
        if what == "tags":
            got[job] = _tags(pages(c, "list_role_tags", "Tags", RoleName=name))
        elif what == "policy":
            try:
                doc = c.get_role_policy(RoleName=name, PolicyName=POLICY_NAME)["PolicyDocument"]
                got[job] = _document(doc)
            except Exception as exc:  # noqa: BLE001
                if error_code(exc) != "NoSuchEntity":
                    raise
                got[job] = None
        else:
            attached = pages(c, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
            got[job] = tuple(sorted(p["PolicyArn"] for p in attached))

    reads = ("tags", "policy", "attached")
    rd.early(leaf, [(w, r.key) for r in rd.wanted("role") for w in reads])
    roles = pages(c, "list_roles", "Roles", PathPrefix=role_path(rd.spec))
    rd.map(leaf, [(w, r["RoleName"]) for r in roles for w in reads])
    for r in roles:
        name = r["RoleName"]
        tags = got[("tags", name)]
        if tags.get(OWNER_TAG) != rd.owner:
            rd.cur.foreign.append(f"IAM role {name} (no {OWNER_TAG} tag)")
            continue
        props = {
            "Path": r.get("Path"),
            "Description": r.get("Description") or None,
            "AssumeRolePolicyDocument": _document(r.get("AssumeRolePolicyDocument")),
            "Policy": got[("policy", name)],
            "ManagedPolicies": got[("attached", name)],
            "Tags": tags,
        }
        rd.cur.add("role", name, Cur(name, props))


def _sse(d: dict[str, Any]) -> dict[str, Any]:
    """``SSEDescription`` in ``SSESpecification`` form: KMS (AWS managed or a key), else off."""
    if d.get("Status") not in ("ENABLED", "ENABLING", "UPDATING") or d.get("SSEType") != "KMS":
        return {"Enabled": False}
    out: dict[str, Any] = {"Enabled": True, "SSEType": "KMS"}
    key = d.get("KMSMasterKeyArn")
    if key and not key.endswith(":alias/aws/dynamodb"):
        out["KMSMasterKeyId"] = key
    return out


def read_table(rd: Reader) -> None:
    """The connection table: the wanted name, and the default one (a table left from before
    the spec named its table)."""
    if not rd.reads("table"):
        return
    c = rd.aws.client("dynamodb")
    cands = {r.key for r in rd.wanted("table")}
    cands.add(names.table_name(dataclasses.replace(rd.spec, connections=None)))
    found: dict[str, Item] = {}

    def describe(name: str) -> None:
        try:
            found[name] = c.describe_table(TableName=name)["Table"]
        except Exception as exc:  # noqa: BLE001
            if error_code(exc) != "ResourceNotFoundException":
                raise

    extra: dict[tuple[str, str], Any] = {}

    def leaf(job: tuple[str, str]) -> None:
        what, name = job
        if what == "tags":
            arn = arns.dynamodb_table(rd.aws.partition, rd.aws.region, rd.aws.account, name)
            extra[job] = _tags(pages(c, "list_tags_of_resource", "Tags", ResourceArn=arn))
        elif what == "backups":
            described = c.describe_continuous_backups(TableName=name)
            extra[job] = described.get("ContinuousBackupsDescription") or {}
        else:
            ttl = c.describe_time_to_live(TableName=name).get("TimeToLiveDescription")
            extra[job] = ttl or {}

    # a full destroy needs only the tags (ownership, retain): no TTL or backup reads
    what = ("tags", "ttl", "backups") if rd.whole_api else ("tags",)
    rd.early(leaf, [(w, n) for n in sorted(cands) for w in what])
    rd.map(describe, sorted(cands))
    rd.map(leaf, [(w, n) for n in sorted(found) for w in what])
    for name in sorted(found):
        got = (
            extra[("tags", name)],
            extra.get(("ttl", name), {}),
            extra.get(("backups", name), {}),
        )
        _table(rd, name, found[name], *got)


def _table(rd: Reader, name: str, t: Item, tags: dict[str, str], ttl: Item, backups: Item) -> None:
    if tags.get(OWNER_TAG) != rd.owner:
        rd.cur.foreign.append(f"DynamoDB table {name} (no {OWNER_TAG} tag)")
        rd.cur.add("foreign_table", name, Cur(name, {}))
        return
    pitr = (backups.get("PointInTimeRecoveryDescription") or {}).get("PointInTimeRecoveryStatus")
    props: dict[str, Any] = {
        "TableName": name,
        "KeySchema": t.get("KeySchema"),
        "AttributeDefinitions": t.get("AttributeDefinitions"),
        "BillingMode": (t.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
        "Ttl": ttl.get("AttributeName")
        if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
        else None,
        "SSESpecification": _sse(t.get("SSEDescription") or {}),
        "DeletionProtectionEnabled": bool(t.get("DeletionProtectionEnabled")),
        "PointInTimeRecovery": pitr in ("ENABLED", "ENABLING"),
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
    by_prefix: dict[str, list[Item]] = {}

    def describe(p: str) -> None:
        by_prefix[p] = pages(c, "describe_log_groups", "logGroups", logGroupNamePrefix=p)

    tags: dict[str, dict[str, str]] = {}

    def leaf(name: str) -> None:
        tags[name] = c.list_tags_log_group(logGroupName=name).get("tags") or {}

    rd.early(leaf, sorted(r.key for r in rd.wanted("log_group")))
    rd.map(describe, sorted(prefixes))
    groups = [g for p in sorted(by_prefix) for g in by_prefix[p]]
    rd.map(leaf, [g["logGroupName"] for g in groups])
    for g in groups:
        name = g["logGroupName"]
        if tags[name].get(OWNER_TAG) != rd.owner:
            rd.cur.add("foreign_log_group", name, Cur(name, {}))
            continue
        props = {"Tags": tags[name], "RetentionInDays": g.get("retentionInDays")}
        rd.cur.add("log_group", name, Cur(name, props))


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
    if not rd.reads("alarm"):
        return
    c = rd.aws.client("cloudwatch")
    wanted = {r.key for r in rd.wanted("alarm")}
    tags: dict[str, dict[str, str]] = {}

    def leaf(name: str) -> None:
        arn = arns.arn(rd.aws.partition, "cloudwatch", rd.aws.region, rd.aws.account, "alarm:")
        answer = c.list_tags_for_resource(ResourceARN=arn + name)
        tags[name] = _tags(answer.get("Tags") or [])

    rd.early(leaf, sorted(wanted))
    alarms = pages(
        c,
        "describe_alarms",
        "MetricAlarms",
        AlarmNamePrefix=alarm_prefix(rd.spec),
        AlarmTypes=["MetricAlarm"],
    )
    rd.map(leaf, [a["AlarmName"] for a in alarms])
    for a in alarms:
        _alarm(rd, a, tags[a["AlarmName"]], wanted)


def _alarm(rd: Reader, a: Item, tags: dict[str, str], wanted: set[str]) -> None:
    name = a["AlarmName"]
    if _not_ours(rd, tags, "alarm", "CloudWatch alarm", name, a["AlarmArn"], wanted):
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


def read_topic(rd: Reader) -> None:
    """The alarm topic (its ARN is known from its name) and its subscriptions."""
    if not rd.reads("topic"):
        return
    c = rd.aws.client("sns")
    name = alarms.topic_name(rd.spec)
    arn = arns.sns_topic(rd.aws.partition, rd.aws.region, rd.aws.account, name)
    got: dict[str, Any] = {}

    def leaf(what: str) -> None:
        if what == "tags":
            got[what] = _tags(c.list_tags_for_resource(ResourceArn=arn).get("Tags") or [])
        else:
            got[what] = pages(c, "list_subscriptions_by_topic", "Subscriptions", TopicArn=arn)

    rd.early(leaf, ("tags", "subscriptions"))
    try:
        attributes = c.get_topic_attributes(TopicArn=arn).get("Attributes") or {}
    except Exception as exc:  # noqa: BLE001
        if error_code(exc) in ("NotFound", "NotFoundException"):
            rd.map(leaf, ())  # the reads started early are not needed
            return
        raise
    rd.map(leaf, ("tags", "subscriptions"))
    tags = got["tags"]
    if tags.get(OWNER_TAG) != rd.owner:
        if rd.wanted("topic"):
            rd.cur.foreign.append(f"SNS topic {name} (no {OWNER_TAG} tag)")
            rd.cur.add("foreign_topic", name, Cur(arn, {}))
        return
    props: dict[str, Any] = {"Tags": tags}
    if attributes.get("KmsMasterKeyId"):
        props["KmsMasterKeyId"] = attributes["KmsMasterKeyId"]
    rd.cur.add("topic", name, Cur(arn, props))
    for sub in got["subscriptions"]:
        key = f"{sub.get('Protocol')}:{sub.get('Endpoint')}"
        props = {"TopicArn": arn, "Protocol": sub.get("Protocol"), "Endpoint": sub.get("Endpoint")}
        rd.cur.add("subscription", key, Cur(sub.get("SubscriptionArn") or "", props, parent=arn))
