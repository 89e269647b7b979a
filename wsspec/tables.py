"""Facts about application tables that every back end renders (the ``tables:`` section).

``ACCESS_ACTIONS`` is the one list of DynamoDB actions per access level; ``definition`` is a
table's key schema, indexes, billing, stream and encryption in the shape of DynamoDB's
``CreateTable`` (the direct deploy and ``serve`` send it as is, CloudFormation and Terraform
render the same facts). TTL, point-in-time recovery and tags are separate calls in the API, so
they stay on the model record.
"""

from __future__ import annotations

from typing import Any

from wsspec.model import Table, TableIndex, TableOptions

READ_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
)
WRITE_ACTIONS = (
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)
ACCESS_ACTIONS: dict[str, tuple[str, ...]] = {
    "read": READ_ACTIONS,
    "write": WRITE_ACTIONS,
    "read_write": tuple(sorted(set(READ_ACTIONS) | set(WRITE_ACTIONS))),
}
# Only these act on an index (``table/<name>/index/<index>``); granted with read access.
INDEX_ACTIONS = ("dynamodb:Query", "dynamodb:Scan")
# What Lambda's event source mapping needs to read a table's stream (``table/<name>/stream/*``).
STREAM_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
STREAM_SUFFIX = "/stream/*"


def index_suffix(index: str) -> str:
    return f"/index/{index}"


def reads(level: str) -> bool:
    return level in ("read", "read_write")


def _key_schema(partition: str, sort: str | None) -> list[dict[str, str]]:
    out = [{"AttributeName": partition, "KeyType": "HASH"}]
    if sort is not None:
        out.append({"AttributeName": sort, "KeyType": "RANGE"})
    return out


def projection(ix: TableIndex) -> dict[str, Any]:
    out: dict[str, Any] = {"ProjectionType": ix.projection}
    if ix.non_key_attributes:
        out["NonKeyAttributes"] = list(ix.non_key_attributes)
    return out


def throughput(read: int | None, write: int | None) -> dict[str, int]:
    return {"ReadCapacityUnits": int(read or 1), "WriteCapacityUnits": int(write or read or 1)}


def _index(ix: TableIndex) -> dict[str, Any]:
    out: dict[str, Any] = {
        "IndexName": ix.name,
        "KeySchema": _key_schema(ix.partition.name, ix.sort.name if ix.sort else None),
        "Projection": projection(ix),
    }
    if ix.read_capacity is not None:
        out["ProvisionedThroughput"] = throughput(ix.read_capacity, ix.write_capacity)
    return out


def definition(t: Table) -> dict[str, Any]:
    """The table as ``CreateTable`` parameters (without ``TableName`` and ``Tags``)."""
    out: dict[str, Any] = {
        "AttributeDefinitions": [
            {"AttributeName": a.name, "AttributeType": a.type} for a in t.attributes()
        ],
        "KeySchema": _key_schema(t.partition.name, t.sort.name if t.sort else None),
        "BillingMode": t.billing_mode,
    }
    if t.billing_mode == "PROVISIONED":
        out["ProvisionedThroughput"] = throughput(t.read_capacity, t.write_capacity)
    if t.global_indexes:
        out["GlobalSecondaryIndexes"] = [_index(i) for i in t.global_indexes]
    if t.local_indexes:
        out["LocalSecondaryIndexes"] = [_index(i) for i in t.local_indexes]
    if t.stream_view is not None:
        out["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": t.stream_view}
    sse = sse_specification(t)
    if sse is not None:
        out["SSESpecification"] = sse
    if t.deletion_protection:
        out["DeletionProtectionEnabled"] = True
    return out


def sse_specification(t: TableOptions) -> dict[str, Any] | None:
    """``SSESpecification`` of CreateTable; None for the default (an AWS owned key)."""
    if t.encryption == "aws_owned":
        return None
    out: dict[str, Any] = {"Enabled": True, "SSEType": "KMS"}
    if t.encryption == "customer" and t.kms_key_arn is not None:
        out["KMSMasterKeyId"] = t.kms_key_arn
    return out
