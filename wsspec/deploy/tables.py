"""Direct deploy of application tables (``app_table``) and their stream triggers (``trigger``):
desired records, the reader of the current state, and the create/update/delete rules.

The table's shape comes from ``wsspec.tables.definition`` (what CloudFormation and Terraform
render too). Ownership is the ``wsspec:spec`` tag plus ``wsspec:table`` (the spec name), so the
connection table and tables nobody tagged are never taken for application tables. What
DynamoDB cannot change in place (the key schema, local indexes) is reported in the plan's notes
and left as it is; a table leaves AWS only when it is owned, no longer in the spec and not
deletion-protected.
"""

from __future__ import annotations

import json
from typing import Any

from wsspec import arns, names, tables
from wsspec.deploy.compare import Change, diff_props, tags_list
from wsspec.deploy.current import Cur, Reader, pages
from wsspec.deploy.errors import error_code
from wsspec.deploy.planner import Planner
from wsspec.deploy.records import RETAIN_TAG, Facts, Out, Res, owner_tags
from wsspec.deploy.steps import Call

TABLE_TAG = "wsspec:table"
_FIXED = ("KeySchema", "LocalSecondaryIndexes")  # DynamoDB cannot change these in place
_NOT_COMPARED = {"TableName", "AttributeDefinitions", "SseKey", *_FIXED}
_TRIGGER_FIELDS = (
    "BatchSize",
    "MaximumBatchingWindowInSeconds",
    "MaximumRetryAttempts",
    "BisectBatchOnFunctionError",
    "FilterCriteria",
    "DestinationConfig",
    "Enabled",
)


def stream_out(table: str) -> Out:
    return Out(f"stream:{table}")


# ----------------------------------------------------------------------------- desired
def desired_tables(f: Facts) -> list[Res]:
    out = []
    for t in f.spec.tables:
        name = names.app_table_name(f.spec, t.name)
        d = tables.definition(t)
        retain = {RETAIN_TAG: "true"} if t.retain else {}
        props: dict[str, Any] = {
            "TableName": name,
            "KeySchema": d["KeySchema"],
            "AttributeDefinitions": d["AttributeDefinitions"],
            "LocalSecondaryIndexes": _by_name(d.get("LocalSecondaryIndexes")),
            "BillingMode": d["BillingMode"],
            "ProvisionedThroughput": d.get("ProvisionedThroughput"),
            "GlobalSecondaryIndexes": _by_name(d.get("GlobalSecondaryIndexes")),
            "Stream": t.stream_view,
            "Sse": "aws_owned" if t.encryption == "aws_owned" else "kms",
            "SseKey": t.kms_key_arn if t.encryption == "customer" else None,
            "DeletionProtectionEnabled": t.deletion_protection,
            "Ttl": t.ttl_attribute,
            "Pitr": t.point_in_time_recovery,
            "Tags": owner_tags(f.spec, {**t.tags, TABLE_TAG: t.name, **retain}),
        }
        out.append(Res("app_table", name, props, label=f"table {t.name}"))
    return out


def _by_name(indexes: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {i["IndexName"]: {k: v for k, v in i.items() if k != "IndexName"} for i in indexes or ()}


def desired_triggers(f: Facts) -> list[Res]:
    out = []
    for fn in f.spec.functions:
        for trig in fn.triggers:
            props: dict[str, Any] = {
                "FunctionName": names.function_name(f.spec, fn.name),
                "EventSourceArn": stream_out(names.app_table_name(f.spec, trig.table)),
                "StartingPosition": trig.starting_position,
                "BatchSize": trig.batch_size,
                "MaximumBatchingWindowInSeconds": trig.batching_window,
                "MaximumRetryAttempts": trig.retry_attempts,
                "BisectBatchOnFunctionError": trig.bisect_on_error,
                "FilterCriteria": {"Filters": [{"Pattern": p} for p in trig.filters]}
                if trig.filters
                else None,
                "DestinationConfig": {"OnFailure": {"Destination": trig.on_failure}}
                if trig.on_failure
                else None,
                "Enabled": trig.enabled,
            }
            key = f"{fn.name}/{trig.table}"
            out.append(Res("trigger", key, props, label=f"stream trigger {key}"))
    return out


# ----------------------------------------------------------------------------- current
def read_tables(rd: Reader) -> None:
    """Tables named like this spec's (wanted, or with the API's name prefix) that carry both
    tags; the stream ARN of each is recorded for the triggers."""
    if not rd.reads("app_table"):
        return
    c = rd.aws.client("dynamodb")
    wanted = {r.key for r in rd.wanted("app_table")}
    prefix = names.physical(rd.spec.api.name, limit=200) + "-"
    got: dict[tuple[str, str], Any] = {}

    def leaf(job: tuple[str, str]) -> None:
        what, name = job
        try:
            got[job] = _read(rd, c, what, name)
        except Exception as exc:  # noqa: BLE001
            if error_code(exc) != "ResourceNotFoundException":
                raise
            got[job] = None  # deleted since it was listed

    # a full destroy needs only the table and its tags (ownership, retain): no TTL or backups
    reads = ("describe", "tags", "ttl", "backups") if rd.whole_api else ("describe", "tags")
    rd.early(leaf, [(w, n) for n in sorted(wanted) for w in reads])
    existing: set[str] = {str(n) for n in pages(c, "list_tables", "TableNames")}
    cands = sorted(n for n in existing if n in wanted or n.startswith(prefix))
    rd.map(leaf, [(w, n) for n in cands for w in reads])
    for name in cands:
        t, tags = got[("describe", name)], got[("tags", name)]
        if t is None or tags is None:
            continue
        if tags.get("wsspec:spec") != rd.owner or TABLE_TAG not in tags:
            if name in wanted:
                rd.cur.foreign.append(f"DynamoDB table {name} (not an application table of it)")
                rd.cur.add("foreign_app_table", name, Cur(name, {}))
            continue
        if t.get("LatestStreamArn") and (t.get("StreamSpecification") or {}).get("StreamEnabled"):
            rd.cur.ids[stream_out(name).name] = t["LatestStreamArn"]
        extra = got.get(("ttl", name)) or {}, got.get(("backups", name)) or {}
        rd.cur.add("app_table", name, Cur(name, _current_props(t, tags, *extra)))


def _read(rd: Reader, c: Any, what: str, name: str) -> Any:
    """One of a table's four reads (``describe``, ``tags``, ``ttl``, ``backups``)."""
    if what == "describe":
        return c.describe_table(TableName=name)["Table"]
    if what == "tags":
        arn = arns.dynamodb_table(rd.aws.partition, rd.aws.region, rd.aws.account, name)
        items = pages(c, "list_tags_of_resource", "Tags", ResourceArn=arn)
        return {x["Key"]: x["Value"] for x in items}
    if what == "ttl":
        return c.describe_time_to_live(TableName=name).get("TimeToLiveDescription") or {}
    return c.describe_continuous_backups(TableName=name).get("ContinuousBackupsDescription") or {}


def _current_props(
    t: dict[str, Any], tags: dict[str, str], ttl: dict[str, Any], backups: dict[str, Any]
) -> dict[str, Any]:
    name = t["TableName"]
    mode = (t.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    provisioned = mode == "PROVISIONED"

    def index(i: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"KeySchema": i.get("KeySchema"), "Projection": i.get("Projection")}
        if provisioned and "ProvisionedThroughput" in i:
            out["ProvisionedThroughput"] = _throughput(i["ProvisionedThroughput"])
        return out

    pitr = (backups.get("PointInTimeRecoveryDescription") or {}).get("PointInTimeRecoveryStatus")
    stream = t.get("StreamSpecification") or {}
    sse = t.get("SSEDescription") or {}
    return {
        "TableName": name,
        "KeySchema": t.get("KeySchema"),
        "AttributeDefinitions": t.get("AttributeDefinitions"),
        "LocalSecondaryIndexes": {
            i["IndexName"]: {"KeySchema": i.get("KeySchema"), "Projection": i.get("Projection")}
            for i in t.get("LocalSecondaryIndexes") or ()
        },
        "BillingMode": mode,
        "ProvisionedThroughput": _throughput(t.get("ProvisionedThroughput") or {})
        if provisioned
        else None,
        "GlobalSecondaryIndexes": {
            i["IndexName"]: index(i) for i in t.get("GlobalSecondaryIndexes") or ()
        },
        "Stream": stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
        "Sse": "kms" if sse.get("Status") in ("ENABLED", "ENABLING", "UPDATING") else "aws_owned",
        "DeletionProtectionEnabled": bool(t.get("DeletionProtectionEnabled", False)),
        "Ttl": ttl.get("AttributeName")
        if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
        else None,
        "Pitr": pitr in ("ENABLED", "ENABLING"),
        "Tags": tags,
    }


def _throughput(pt: dict[str, Any]) -> dict[str, Any]:
    return {k: pt.get(k) for k in ("ReadCapacityUnits", "WriteCapacityUnits")}


def read_triggers(rd: Reader) -> None:
    """The DynamoDB-stream event source mappings of this spec's functions whose table is one
    of the spec's tables (mappings from other sources are not wsspec's)."""
    if not rd.reads("app_table"):
        return
    c = rd.aws.client("lambda")
    by_table = {names.app_table_name(rd.spec, t.name): t.name for t in rd.spec.tables}
    prefix = names.physical(rd.spec.api.name, limit=200) + "-"

    def one(fn: Any) -> None:
        physical = names.function_name(rd.spec, fn.name)
        try:
            found = pages(
                c, "list_event_source_mappings", "EventSourceMappings", FunctionName=physical
            )
        except Exception as exc:  # noqa: BLE001
            if error_code(exc) == "ResourceNotFoundException":
                return
            raise
        for m in found:
            source = str(m.get("EventSourceArn") or "")
            if ":dynamodb:" not in source or "/stream/" not in source:
                continue
            table_name = source.split(":table/", 1)[-1].split("/stream/", 1)[0]
            table = by_table.get(table_name)
            if table is None and not table_name.startswith(prefix):
                continue
            key = f"{fn.name}/{table or table_name}"
            props = {k: m.get(k) for k in _TRIGGER_FIELDS}
            props["Enabled"] = m.get("State") in ("Enabled", "Enabling", "Creating", "Updating")
            rd.cur.add("trigger", key, Cur(str(m["UUID"]), props))

    rd.map(one, rd.spec.functions)


# ----------------------------------------------------------------------------- rules
def _busy(op: str, params: dict[str, Any]) -> Call:
    return Call("dynamodb", op, params, retry=("busy",))


def _ttl(table: str, attribute: str, enabled: bool) -> Call:
    spec = {"Enabled": enabled, "AttributeName": attribute}
    return _busy("update_time_to_live", {"TableName": table, "TimeToLiveSpecification": spec})


def _pitr(table: str, enabled: bool) -> Call:
    spec = {"PointInTimeRecoveryEnabled": enabled}
    return _busy(
        "update_continuous_backups",
        {"TableName": table, "PointInTimeRecoverySpecification": spec},
    )


def app_table(p: Planner, r: Res, h: Cur | None) -> None:
    props = dict(r.props)
    name = r.key
    if h is None:
        params: dict[str, Any] = {"TableName": name, **_create_definition(props)}
        params["Tags"] = tags_list(props["Tags"])
        calls = [Call("dynamodb", "create_table", params, produces=_stream_produces(props, name))]
        if props["Ttl"]:
            calls.append(_ttl(name, props["Ttl"], True))
        if props["Pitr"]:
            calls.append(_pitr(name, True))
        p.add("create", r, "app_table", name, calls)
        return
    for f in _FIXED:
        if _canon(props.get(f)) != _canon(h.props.get(f)):
            p.notes.append(
                f"table {name}: DynamoDB cannot change {f} in place; left as it is "
                "(create a new table, or delete this one, to change it)"
            )
    want = {k: v for k, v in props.items() if k not in _NOT_COMPARED}
    have = {k: v for k, v in h.props.items() if k not in _NOT_COMPARED}
    ch = diff_props("app_table", want, have)
    p.add("update", r, "app_table", name, _updates(p, name, props, h.props, ch), changes=ch)


def _canon(v: Any) -> Any:
    return json.dumps(v or None, sort_keys=True)


def _stream_produces(props: dict[str, Any], name: str) -> tuple[tuple[str, str], ...]:
    if props.get("Stream"):
        return ((stream_out(name).name, "TableDescription.LatestStreamArn"),)
    return ()


def _create_definition(props: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props["BillingMode"],
    }
    if props.get("ProvisionedThroughput"):
        out["ProvisionedThroughput"] = props["ProvisionedThroughput"]
    for k in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if props.get(k):
            out[k] = [{"IndexName": n, **v} for n, v in props[k].items()]
    if props.get("Stream"):
        out["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": props["Stream"]}
    if props.get("Sse") == "kms":
        out["SSESpecification"] = _sse(props)
    if props.get("DeletionProtectionEnabled"):
        out["DeletionProtectionEnabled"] = True
    return out


def _sse(props: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Enabled": True, "SSEType": "KMS"}
    if props.get("SseKey"):
        out["KMSMasterKeyId"] = props["SseKey"]
    return out


def _updates(
    p: Planner, name: str, want: dict[str, Any], have: dict[str, Any], ch: list[Change]
) -> list[Call]:
    fields = {c[0] for c in ch}
    calls: list[Call] = []
    if fields & {"BillingMode", "ProvisionedThroughput"}:
        upd: dict[str, Any] = {"TableName": name, "BillingMode": want["BillingMode"]}
        if want.get("ProvisionedThroughput"):
            upd["ProvisionedThroughput"] = want["ProvisionedThroughput"]
        calls.append(_busy("update_table", upd))
    if "GlobalSecondaryIndexes" in fields:
        calls += _index_updates(name, want, have)
    if "Stream" in fields:
        if have.get("Stream"):
            calls.append(
                _busy(
                    "update_table",
                    {"TableName": name, "StreamSpecification": {"StreamEnabled": False}},
                )
            )
        if want.get("Stream"):
            spec = {"StreamEnabled": True, "StreamViewType": want["Stream"]}
            calls.append(
                Call(
                    "dynamodb",
                    "update_table",
                    {"TableName": name, "StreamSpecification": spec},
                    produces=((stream_out(name).name, "TableDescription.LatestStreamArn"),),
                    retry=("busy",),
                )
            )
    if "Sse" in fields:
        sse = _sse(want) if want["Sse"] == "kms" else {"Enabled": False}
        calls.append(_busy("update_table", {"TableName": name, "SSESpecification": sse}))
    if "DeletionProtectionEnabled" in fields:
        calls.append(
            _busy(
                "update_table",
                {"TableName": name, "DeletionProtectionEnabled": want["DeletionProtectionEnabled"]},
            )
        )
    if "Ttl" in fields:
        if have.get("Ttl"):
            calls.append(_ttl(name, have["Ttl"], False))
        if want.get("Ttl"):
            calls.append(_ttl(name, want["Ttl"], True))
    if "Pitr" in fields:
        calls.append(_pitr(name, bool(want["Pitr"])))
    if "Tags" in fields:
        arn = arns.dynamodb_table(p.partition, p.region, p.account, name)
        tags = {"ResourceArn": arn, "Tags": tags_list(want["Tags"])}
        calls.append(Call("dynamodb", "tag_resource", tags))
    return calls


def _index_updates(name: str, want: dict[str, Any], have: dict[str, Any]) -> list[Call]:
    """One index change per UpdateTable call (DynamoDB's rule): delete, create, then throughput."""
    w, h = want.get("GlobalSecondaryIndexes") or {}, have.get("GlobalSecondaryIndexes") or {}
    updates: list[dict[str, Any]] = []
    for ix in h:
        if ix not in w or _canon(_shape(w[ix])) != _canon(_shape(h[ix])):
            updates.append({"Delete": {"IndexName": ix}})
    for ix, v in w.items():
        if ix not in h or _canon(_shape(v)) != _canon(_shape(h[ix])):
            updates.append({"Create": {"IndexName": ix, **v}})
        elif _canon(v.get("ProvisionedThroughput")) != _canon(h[ix].get("ProvisionedThroughput")):
            pt = v["ProvisionedThroughput"]
            updates.append({"Update": {"IndexName": ix, "ProvisionedThroughput": pt}})
    return [
        _busy(
            "update_table",
            {
                "TableName": name,
                "AttributeDefinitions": want["AttributeDefinitions"],
                "GlobalSecondaryIndexUpdates": [u],
            },
        )
        for u in updates
    ]


def _shape(ix: dict[str, Any]) -> dict[str, Any]:
    return {"KeySchema": ix.get("KeySchema"), "Projection": ix.get("Projection")}


def trigger(p: Planner, r: Res, h: Cur | None) -> None:
    props = {k: v for k, v in r.props.items() if v is not None}
    if h is None:
        create = Call("lambda", "create_event_source_mapping", props, retry=("iam",))
        p.add("create", r, "trigger", r.key, [create])
        return
    want = {k: r.props.get(k) for k in _TRIGGER_FIELDS}
    ch = diff_props("trigger", want, h.props)
    if not ch:
        return
    upd = {k: v for k, v in want.items() if v is not None}
    upd["UUID"] = h.id
    calls = [Call("lambda", "update_event_source_mapping", upd, retry=("busy",))]
    p.add("update", r, "trigger", r.key, calls, changes=ch)


def delete_table(key: str, h: Cur, api_id: str) -> list[Call]:
    """Delete an owned table, unless it is deletion-protected or its spec said
    ``deletion_policy: retain`` (its tag says so)."""
    if h.props.get("DeletionProtectionEnabled"):
        return []  # protected: stays (the plan's notes say so)
    if (h.props.get("Tags") or {}).get(RETAIN_TAG) == "true":
        return []
    return [Call("dynamodb", "delete_table", {"TableName": key})]


def delete_trigger(key: str, h: Cur, api_id: str) -> list[Call]:
    return [Call("lambda", "delete_event_source_mapping", {"UUID": h.id})]
