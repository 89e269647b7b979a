"""Application tables: each DynamoDB table of the input other than the connection table becomes
a ``tables:`` entry (keys and their types, indexes, TTL, stream, billing, encryption, recovery,
deletion protection, tags).

Tables arrive in CloudFormation's shape (``AWS::DynamoDB::Table`` properties; the Terraform
and live readers convert theirs). The spec name is the ``wsspec:table`` tag when the table
has one (wsspec's own deploys), else the resource's id in snake case without a ``Table``
affix. What the spec cannot express is a note on the table.
"""

from __future__ import annotations

import json
from typing import Any

from wsspec import names
from wsspec.importers.context import (
    Ctx,
    clean_tags,
    local_id,
    refers_to_table,
    snake_id,
    strip_affix,
    unique,
)
from wsspec.importers.graph import Res
from wsspec.importers.values import Tmpl, refs_in, show
from wsspec.tables import ACCESS_ACTIONS, INDEX_ACTIONS, STREAM_ACTIONS

TABLE_TAG = "wsspec:table"  # the direct deploy's tag naming the spec's table
_TYPES = {"S": "string", "N": "number", "B": "binary"}
_KNOWN = {
    "TableName",
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "TimeToLiveSpecification",
    "StreamSpecification",
    "SSESpecification",
    "PointInTimeRecoverySpecification",
    "DeletionProtectionEnabled",
    "Tags",
    "__condition__",
    "__stream_arn__",  # the live reader's
}


_READS = {"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}
_WRITES = {
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
}
_MAPPINGS = ("AWS::Lambda::EventSourceMapping", "aws_lambda_event_source_mapping")


def name_tables(ctx: Ctx) -> None:
    """Spec names of the application tables (before the functions, which refer to them)."""
    taken = {"connections"}
    for res in ctx.graph.of("table"):
        if ctx.table is None or res.id != ctx.table.id:
            ctx.app_tables[res.id] = unique(_name(ctx, res), taken)


def tables(ctx: Ctx) -> dict[str, Any]:
    """The ``tables:`` section: every table the input has besides the connection table."""
    out: dict[str, Any] = {}
    for rid, name in ctx.app_tables.items():
        ctx.used.add(rid)
        out[name] = _table(ctx, ctx.graph.resources[rid], name)
    return out


# ----------------------------------------------------------------------------- functions' use
def table_of(ctx: Ctx, value: Any) -> tuple[str, str] | None:
    """(spec name, part) of a value naming an application table: part is "" (the table or its
    name), "index" or "stream"."""
    text = value if isinstance(value, str) else (str(value) if isinstance(value, Tmpl) else "")
    part = "index" if "/index/" in text else ("stream" if "/stream/" in text else "")
    for r in refs_in(value):
        if r.target in ctx.app_tables:
            stream = r.attr in ("StreamArn", "stream_arn")
            return ctx.app_tables[r.target], "stream" if stream else part
    for rid, name in ctx.app_tables.items():
        physical = ctx.graph.resources[rid].get("TableName")
        if isinstance(physical, str) and (
            text == physical or text.endswith(f":table/{physical}") or f":table/{physical}/" in text
        ):
            return name, part
    return None


def take_access(
    ctx: Ctx, st: dict[str, Any], access: dict[str, str], path: tuple[str, ...]
) -> bool:
    """Whether IAM statement ``st`` is a function's access to application tables; if so its
    level is merged into ``access`` (a stream or index statement is implied by the trigger or
    the read access that wsspec grants with it)."""
    if st.get("Unsupported") is not None or st.get("Effect", "Allow") != "Allow":
        return False
    actions = {a for a in st.get("Action") or [] if isinstance(a, str)}
    resources = st.get("Resource") or []
    if resources and all(refers_to_table(ctx, r) for r in resources):
        # the connection table: an access level when the actions are exactly one level's
        level = next((k for k, v in ACCESS_ACTIONS.items() if set(v) == actions), None)
        if level is not None:
            access["connections"] = level
        return level is not None
    found = [table_of(ctx, r) for r in resources]
    if not actions or not found or any(f is None for f in found):
        return False
    if not all(a.startswith("dynamodb:") for a in actions):
        return False
    parts = {f[1] for f in found if f is not None}
    if parts == {"stream"} and actions <= set(STREAM_ACTIONS):
        return True
    if parts == {"index"} and actions <= set(INDEX_ACTIONS):
        return True
    wild = "dynamodb:*" in actions
    reads, writes = wild or bool(actions & _READS), wild or bool(actions & _WRITES)
    level = "read_write" if reads and writes else ("read" if reads else "write")
    if not (reads or writes):
        return False
    for name in sorted({f[0] for f in found if f is not None}):
        before = access.get(name)
        access[name] = level if before in (None, level) else "read_write"
        extra = sorted(actions - set(ACCESS_ACTIONS[access[name]]) - {"dynamodb:*"})
        if extra:
            ctx.notes.skip(path, f"{', '.join(extra)} on table {name} (not in its access level)")
    return True


_TEMPLATE_LEVELS = {
    "DynamoDBReadPolicy": "read",
    "DynamoDBWritePolicy": "write",
    "DynamoDBCrudPolicy": "read_write",
}


def take_template(ctx: Ctx, name: str, args: Any, access: dict[str, str]) -> bool:
    """Whether SAM policy template ``name`` grants access to an application table (merged into
    ``access``: DynamoDBReadPolicy read, DynamoDBWritePolicy write, DynamoDBCrudPolicy both)."""
    level = _TEMPLATE_LEVELS.get(name)
    found = table_of(ctx, (args or {}).get("TableName") if isinstance(args, dict) else None)
    if level is None or found is None:
        return False
    before = access.get(found[0])
    access[found[0]] = level if before in (None, level) else "read_write"
    return True


def wired_environment(ctx: Ctx, key: str, value: Any, path: tuple[str, ...]) -> bool:
    """Whether variable ``key`` holds an application table's name (wsspec sets ``<NAME>_TABLE``
    for each table a function may use; another variable name is a note)."""
    found = table_of(ctx, value)
    if found is None or found[1]:
        return False
    if key != names.table_env_var(found[0]):
        ctx.notes.skip(
            path,
            f"environment {key} = table {found[0]} (wsspec sets {names.table_env_var(found[0])})",
        )
    return True


def _mappings(ctx: Ctx) -> list[Res]:
    """Event source mappings of an application table's stream."""
    return [
        r
        for r in ctx.graph.resources.values()
        if r.type in _MAPPINGS and table_of(ctx, r.get("EventSourceArn")) is not None
    ]


def triggered(ctx: Ctx) -> list[str]:
    """Ids of the functions a stream trigger of an application table invokes."""
    out = []
    for m in _mappings(ctx):
        target = m.get("FunctionName")
        for fn in ctx.graph.of("function"):
            hit = any(r.target == fn.id for r in refs_in(target))
            if (hit or target == fn.get("FunctionName")) and fn.id not in out:
                out.append(fn.id)
    return out


def events(ctx: Ctx, fn: Res, path: tuple[str, ...]) -> list[dict[str, Any]]:
    """The function's DynamoDB stream triggers (event source mappings of its tables' streams)."""
    out = []
    for res in _mappings(ctx):
        target = res.get("FunctionName")
        if not any(r.target == fn.id for r in refs_in(target)) and target != fn.get("FunctionName"):
            continue
        found = table_of(ctx, res.get("EventSourceArn"))
        if found is None:
            continue
        ctx.used.add(res.id)
        out.append(_event(ctx, res, found[0], path))
    return out


def _event(ctx: Ctx, res: Res, table: str, path: tuple[str, ...]) -> dict[str, Any]:
    """One trigger (CloudFormation's properties; the Terraform reader converts its blocks)."""
    out: dict[str, Any] = {"stream": table}
    for field, key, default in (
        ("BatchSize", "batch_size", 100),
        ("MaximumBatchingWindowInSeconds", "batching_window", None),
        ("MaximumRetryAttempts", "retry_attempts", None),
    ):
        value = res.get(field)
        if isinstance(value, (int, str)) and str(value).lstrip("-").isdigit():
            if int(value) != default:
                out[key] = int(value)
    position = res.get("StartingPosition")
    if isinstance(position, str) and position.upper() != "LATEST":
        out["starting_position"] = position.lower()
    if res.get("BisectBatchOnFunctionError") in (True, "true"):
        out["bisect_on_error"] = True
    criteria = res.get("FilterCriteria")
    given = (criteria.get("Filters") or []) if isinstance(criteria, dict) else []
    filters = _filters(given)
    if filters:
        out["filters"] = filters
    if len(filters) != len(given):
        ctx.notes.skip(path, f"stream trigger filters {show(given)[:80]} (not JSON patterns)")
    dest = res.get("DestinationConfig")
    arn = (
        ((dest or {}).get("OnFailure") or {}).get("Destination") if isinstance(dest, dict) else None
    )
    if isinstance(arn, str):
        out["on_failure"] = arn
    elif arn is not None:
        ctx.notes.skip(path, f"stream trigger failure destination {show(arn)[:80]}")
    if res.get("Enabled") in (False, "false"):
        out["enabled"] = False
    return out


def _filters(given: list[Any]) -> list[Any]:
    out = []
    for f in given:
        pattern = f.get("Pattern") if isinstance(f, dict) else None
        if isinstance(pattern, str):
            try:
                out.append(json.loads(pattern))
            except ValueError:
                continue
    return out


def _name(ctx: Ctx, res: Res) -> str:
    tags = res.get("Tags")
    if isinstance(tags, list):  # CloudFormation's [{Key, Value}] form
        tags = {t.get("Key"): t.get("Value") for t in tags if isinstance(t, dict)}
    tag = tags.get(TABLE_TAG) if isinstance(tags, dict) else None
    if isinstance(tag, str) and tag:
        return tag
    return snake_id(strip_affix(local_id(res), ("Table",)))


def _keys(schema: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for k in schema or []:
        if isinstance(k, dict) and isinstance(k.get("AttributeName"), str):
            out["partition" if k.get("KeyType") == "HASH" else "sort"] = k["AttributeName"]
    return out


def _projection(p: Any) -> Any:
    p = p if isinstance(p, dict) else {}
    kind = str(p.get("ProjectionType", "ALL")).upper()
    if kind == "INCLUDE":
        return list(p.get("NonKeyAttributes") or [])
    return "keys_only" if kind == "KEYS_ONLY" else None


def _index(ix: dict[str, Any], local: bool, provisioned: bool) -> dict[str, Any]:
    keys = _keys(ix.get("KeySchema"))
    out: dict[str, Any] = {"sort": keys["sort"]} if local else dict(keys)
    projection = _projection(ix.get("Projection"))
    if projection is not None:
        out["projection"] = projection
    thr = ix.get("ProvisionedThroughput") or {}
    if provisioned and not local and thr:
        out["read_capacity"] = int(thr.get("ReadCapacityUnits") or 1)
        out["write_capacity"] = int(thr.get("WriteCapacityUnits") or 1)
    return out


def _table(ctx: Ctx, res: Res, name: str) -> dict[str, Any]:
    path = ("tables", name)
    keys = _keys(ctx.need(res, "KeySchema"))
    out: dict[str, Any] = {}
    if res.get("TableName") is not None:
        given = ctx.text(res, "TableName")
        if given != names.physical(ctx.api_name, name, limit=255):
            out["table_name"] = given
    else:
        ctx.notes.guess(path, "the input lets AWS name the table; wsspec names it after the API")
    out["key"] = keys
    types = {
        str(a.get("AttributeName")): _TYPES.get(str(a.get("AttributeType")), "string")
        for a in ctx.need(res, "AttributeDefinitions") or []
        if isinstance(a, dict)
    }
    if any(t != "string" for t in types.values()):
        out["attributes"] = {k: v for k, v in types.items() if v != "string"}
    provisioned = str(res.get("BillingMode", "PROVISIONED")).upper() == "PROVISIONED"
    for field, local, spec_key in (
        ("GlobalSecondaryIndexes", False, "indexes"),
        ("LocalSecondaryIndexes", True, "local_indexes"),
    ):
        found = [ix for ix in ctx.need(res, field) or [] if isinstance(ix, dict)]
        if found:
            out[spec_key] = {
                str(ix.get("IndexName")): _index(ix, local, provisioned) for ix in found
            }
    ttl = res.get("TimeToLiveSpecification") or {}
    if ttl.get("Enabled") in (True, "true", "True") and ttl.get("AttributeName"):
        out["ttl"] = ttl["AttributeName"]
    stream = res.get("StreamSpecification") or {}
    if stream.get("StreamViewType") and stream.get("StreamEnabled", True) not in (False, "false"):
        out["stream"] = str(stream["StreamViewType"]).lower()
    if provisioned:
        thr = ctx.need(res, "ProvisionedThroughput") or {}
        out["billing"] = "provisioned"
        out["read_capacity"] = int(thr.get("ReadCapacityUnits") or 5)
        out["write_capacity"] = int(thr.get("WriteCapacityUnits") or 5)
    out.update(options(ctx, res, path))
    for key, value in res.props.items():
        if key not in _KNOWN and value not in (None, {}, [], False):
            ctx.notes.skip(path, f"{key} {show(value)[:80]}")
    return out


def options(ctx: Ctx, res: Res, path: tuple[str, ...]) -> dict[str, Any]:
    """The options every table kind shares, as the spec spells them (the connection table's too):
    encryption, point-in-time recovery, deletion protection, tags (beyond the API's)."""
    out: dict[str, Any] = {}
    sse = res.get("SSESpecification") or {}
    if sse.get("SSEEnabled") in (True, "true", "True"):
        key = sse.get("KMSMasterKeyId")
        out["encryption"] = "aws_managed"
        if isinstance(key, str) and ":kms:" in key and not key.endswith("alias/aws/dynamodb"):
            out.update(encryption="customer", kms_key_arn=key)
        elif key is not None and not str(key).endswith("alias/aws/dynamodb"):
            ctx.notes.skip(path, f"KMS key {show(key)[:80]} (the spec names a key by its ARN)")
    pitr = res.get("PointInTimeRecoverySpecification") or {}
    if pitr.get("PointInTimeRecoveryEnabled") in (True, "true", "True"):
        out["point_in_time_recovery"] = True
    if res.get("DeletionProtectionEnabled") in (True, "true", "True"):
        out["deletion_protection"] = True
    api_tags = clean_tags(ctx.api.get("Tags"))
    tags = {k: v for k, v in clean_tags(res.get("Tags")).items() if api_tags.get(k) != v}
    if tags:
        out["tags"] = tags
    return out
