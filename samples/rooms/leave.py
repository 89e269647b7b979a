"""$disconnect: leave every room (presence) and forget the connection."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from common import table

PRESENCE = table("PRESENCE_TABLE")
CONNECTIONS = table("CONNECTIONS_TABLE")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    cid = event["requestContext"]["connectionId"]
    rows = PRESENCE.query(
        IndexName="by_connection", KeyConditionExpression=Key("connectionId").eq(cid)
    )["Items"]
    for row in rows:
        PRESENCE.delete_item(Key={"roomId": row["roomId"], "connectionId": cid})
    CONNECTIONS.delete_item(Key={"connectionId": cid})
    return {"statusCode": 200}
