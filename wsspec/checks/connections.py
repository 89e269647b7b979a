"""The connection table's settings (WS546; the encryption key rule also for application
tables) and the KMS keys the spec names (WS546 for the
table, WS740 for the alarm topic).

DynamoDB table names have 3-255 characters from ``A-Z a-z 0-9 _ . -``; attribute names 1-255
characters. A customer managed key is named by its ARN (``arn:…:kms:<region>:<account>:key/<id>``
or an alias ARN). CloudWatch alarms cannot publish to a topic encrypted with the AWS managed
``alias/aws/sns`` key (its key policy cannot be changed to let CloudWatch use it).
"""

from __future__ import annotations

import re
from typing import Any

from wsspec.checks.context import Ctx, as_map, as_str, check
from wsspec.loader import Path

TABLE_NAME = re.compile(r"[A-Za-z0-9_.\-]{3,255}")
KMS_KEY = re.compile(r"arn:aws[a-z\-]*:kms:[a-z0-9\-]+:\d{12}:(key/[A-Za-z0-9\-]+|alias/[\w/\-]+)")
KMS_HINT = "arn:aws:kms:<region>:<account>:key/<key id> (or an alias ARN)"


@check("WS546")
def connection_table(ctx: Ctx) -> None:
    conn = ctx.data.get("connections")
    if not isinstance(conn, dict):
        return
    p = ("connections",)
    name = as_str(conn.get("table_name"))
    if name is not None and not TABLE_NAME.fullmatch(name):
        ctx.add(
            "WS546",
            p + ("table_name",),
            f"DynamoDB table name {name!r} must have 3-255 characters from A-Z a-z 0-9 _ . -",
        )
    key = as_str(conn.get("key_attribute"))
    ttl = as_str(conn.get("ttl_attribute")) or "ttl"
    for field, value in (("key_attribute", key), ("ttl_attribute", ttl)):
        if value is not None and not 1 <= len(value) <= 255:
            ctx.add(
                "WS546", p + (field,), f"an attribute name has 1-255 characters, not {len(value)}"
            )
    if ttl == (key or "connectionId"):
        ctx.add(
            "WS546",
            p + ("ttl_attribute",),
            f"the TTL attribute {ttl!r} cannot be the partition key",
            "the TTL attribute holds an expiry time (a number); the key holds the connection id",
        )
    encryption_key(ctx, p, conn)


def encryption_key(ctx: Ctx, p: Path, table: dict[str, Any]) -> None:
    """WS546: ``encryption: customer`` with a KMS key ARN, and a key only with it (every table
    kind: the connection table and application tables)."""
    encryption = table.get("encryption", "aws_owned")
    arn = table.get("kms_key_arn")
    if encryption == "customer" and arn is None:
        ctx.add(
            "WS546",
            p + ("encryption",),
            "'encryption: customer' needs 'kms_key_arn' (your KMS key)",
            f"add kms_key_arn: {KMS_HINT}",
        )
    elif arn is not None and encryption != "customer":
        ctx.add(
            "WS546",
            p + ("kms_key_arn",),
            f"'kms_key_arn' is used only with 'encryption: customer' (not {encryption!r})",
            key=True,
        )
    elif isinstance(arn, str) and not KMS_KEY.fullmatch(arn):
        ctx.add("WS546", p + ("kms_key_arn",), f"{arn!r} is not a KMS key ARN ({KMS_HINT})")


@check("WS740")
def topic_key(ctx: Ctx) -> None:
    mon = ctx.data.get("monitoring")
    topic = as_map(as_map(as_map(mon).get("notify")).get("topic"))
    arn = as_str(topic.get("kms_key_arn"))
    if arn is None:
        return
    path = ("monitoring", "notify", "topic", "kms_key_arn")
    if arn == "alias/aws/sns" or arn.endswith(":alias/aws/sns"):
        ctx.add(
            "WS740",
            path,
            "CloudWatch alarms cannot publish to a topic encrypted with the AWS managed key "
            "alias/aws/sns",
            "use a customer managed key whose key policy allows cloudwatch.amazonaws.com "
            "kms:Decrypt and kms:GenerateDataKey*",
        )
    elif not KMS_KEY.fullmatch(arn):
        ctx.add("WS740", path, f"{arn!r} is not a customer managed KMS key ARN ({KMS_HINT})")
