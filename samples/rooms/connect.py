"""$connect: remember the connection (the connection table)."""

from __future__ import annotations

import os
import time
from typing import Any

from common import table

CONNECTIONS = table("CONNECTIONS_TABLE")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ttl = int(time.time()) + int(os.environ.get("CONNECTIONS_TTL_SECONDS", "7200"))
    item = {"connectionId": event["requestContext"]["connectionId"]}
    item[os.environ.get("CONNECTIONS_TTL_ATTRIBUTE", "ttl")] = ttl
    CONNECTIONS.put_item(Item=item)
    return {"statusCode": 200}
