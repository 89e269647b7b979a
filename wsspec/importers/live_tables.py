"""A deployed API's DynamoDB tables and stream triggers -> the import graph (``--api-id``).

The tables are the ones the functions name (policies, ``*TABLE*`` variables) and the default
connection table; each is described with its TTL, backups and tags, in CloudFormation's
property names. The connection table (partition key ``connectionId`` alone) is taken once; the
others become application tables. A table's stream triggers are its stream's event source
mappings; a function only a trigger invokes is read here (the API does not name it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wsspec.importers.graph import Graph, Res

Client = Callable[[str], Any]

_MAPPING = "AWS::Lambda::EventSourceMapping"
_MAPPING_FIELDS = (
    "BatchSize",
    "StartingPosition",
    "MaximumBatchingWindowInSeconds",
    "MaximumRetryAttempts",
    "BisectBatchOnFunctionError",
    "FilterCriteria",
    "DestinationConfig",
)


def _is_connection_table(t: dict[str, Any]) -> bool:
    keys = t.get("KeySchema") or []
    hash_keys = [k.get("AttributeName") for k in keys if k.get("KeyType") == "HASH"]
    return hash_keys == ["connectionId"] and len(keys) == 1


def read_tables(client: Client, graph: Graph, candidates: list[str]) -> None:
    """Add every candidate that is a table (the first connection-shaped one as the connection
    table, as before; the others as application tables)."""
    ddb = _Ddb(client)
    have_connections = any(_is_connection_table(r.props) for r in graph.of("table"))
    for name in candidates:
        if f"table:{name}" in graph.resources:
            continue
        try:
            t = ddb.describe_table(TableName=name)["Table"]
        except Exception:  # noqa: BLE001 - not a table (or not ours to read)
            continue
        if _is_connection_table(t):
            if have_connections:
                continue
            have_connections = True
        graph.add(Res(f"table:{name}", "table", "live", _props(ddb, name, t)))


class _Ddb:
    """The DynamoDB client, and KMS to tell the AWS managed key (``KeyManager: AWS``, or the
    ``alias/aws/dynamodb`` alias an emulator gives it) from a customer managed one."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.ddb = client("dynamodb")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ddb, name)

    def customer_key(self, arn: Any) -> bool:
        if not isinstance(arn, str):
            return False
        kms = self.client("kms")
        try:
            meta = kms.describe_key(KeyId=arn)["KeyMetadata"]
            aliases = kms.list_aliases(KeyId=meta["KeyId"]).get("Aliases") or []
        except Exception:  # noqa: BLE001 - no KMS read: keep the key as given
            return True
        managed = meta.get("KeyManager") == "AWS" or any(
            str(a.get("AliasName", "")).startswith("alias/aws/") for a in aliases
        )
        return not managed


def _props(ddb: _Ddb, name: str, t: dict[str, Any]) -> dict[str, Any]:
    mode = (t.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
    props: dict[str, Any] = {
        "TableName": name,
        "KeySchema": t.get("KeySchema"),
        "AttributeDefinitions": t.get("AttributeDefinitions"),
        "BillingMode": mode,
    }
    if mode == "PROVISIONED":
        thr = t.get("ProvisionedThroughput") or {}
        props["ProvisionedThroughput"] = {
            "ReadCapacityUnits": thr.get("ReadCapacityUnits"),
            "WriteCapacityUnits": thr.get("WriteCapacityUnits"),
        }
    ttl = ddb.describe_time_to_live(TableName=name).get("TimeToLiveDescription") or {}
    if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        props["TimeToLiveSpecification"] = {
            "AttributeName": ttl.get("AttributeName"),
            "Enabled": True,
        }
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if t.get(key):
            props[key] = [_index(ix, mode) for ix in t[key]]
    stream = t.get("StreamSpecification") or {}
    if stream.get("StreamEnabled"):
        props["StreamSpecification"] = {"StreamViewType": stream.get("StreamViewType")}
        props["__stream_arn__"] = t.get("LatestStreamArn")
    sse = t.get("SSEDescription") or {}
    if sse.get("Status") in ("ENABLED", "ENABLING", "UPDATING"):
        kms_key = sse.get("KMSMasterKeyArn")
        props["SSESpecification"] = {"SSEEnabled": True}
        if ddb.customer_key(kms_key):
            props["SSESpecification"]["KMSMasterKeyId"] = kms_key
    backups = ddb.describe_continuous_backups(TableName=name).get("ContinuousBackupsDescription")
    pitr = ((backups or {}).get("PointInTimeRecoveryDescription") or {}).get(
        "PointInTimeRecoveryStatus"
    )
    if pitr in ("ENABLED", "ENABLING"):
        props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    if t.get("DeletionProtectionEnabled"):
        props["DeletionProtectionEnabled"] = True
    tags = ddb.list_tags_of_resource(ResourceArn=t["TableArn"]).get("Tags") or []
    if tags:
        props["Tags"] = tags
    return props


def _index(ix: dict[str, Any], mode: str) -> dict[str, Any]:
    out = {k: ix.get(k) for k in ("IndexName", "KeySchema", "Projection")}
    thr = ix.get("ProvisionedThroughput") or {}
    if mode == "PROVISIONED" and thr:
        out["ProvisionedThroughput"] = {
            "ReadCapacityUnits": thr.get("ReadCapacityUnits"),
            "WriteCapacityUnits": thr.get("WriteCapacityUnits"),
        }
    return out


def read_triggers(client: Client, graph: Graph) -> list[str]:
    """Each table stream's event source mappings, as ``AWS::Lambda::EventSourceMapping``
    resources; returns the names of functions they invoke that the graph does not have yet."""
    lam = client("lambda")
    known = {str(f.get("FunctionName")) for f in graph.of("function")}
    missing: list[str] = []
    for table in graph.of("table"):
        arn = table.get("__stream_arn__")
        if not isinstance(arn, str):
            continue
        found = lam.list_event_source_mappings(EventSourceArn=arn).get("EventSourceMappings")
        for m in found or []:
            function = str(m.get("FunctionArn") or "").split(":function:", 1)[-1].split(":")[0]
            props = {k: m.get(k) for k in _MAPPING_FIELDS if m.get(k) is not None}
            props.update(FunctionName=function, EventSourceArn=arn)
            props["Enabled"] = m.get("State") in ("Enabled", "Enabling", "Creating", "Updating")
            graph.add(Res(f"trigger:{m['UUID']}", "other", _MAPPING, props))
            if function not in known and function not in missing:
                missing.append(function)
    return missing
