"""join: enter a room (presence), receive its last messages (history) and who is there."""

from __future__ import annotations

import time
from typing import Any

from boto3.dynamodb.conditions import Key
from common import HISTORY, body, endpoint, expires_at, send, table

PRESENCE = table("PRESENCE_TABLE")
MESSAGES = table("MESSAGES_TABLE")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ctx = event["requestContext"]
    msg = body(event)
    room, name = str(msg.get("room") or "lobby"), str(msg.get("name") or "anonymous")
    PRESENCE.put_item(
        Item={
            "roomId": room,
            "connectionId": ctx["connectionId"],
            "name": name,
            "joinedAt": int(time.time() * 1000),
            "expiresAt": expires_at(),
            "endpoint": endpoint(ctx),  # where fan_out posts to this connection
        }
    )
    recent = MESSAGES.query(
        KeyConditionExpression=Key("roomId").eq(room), ScanIndexForward=False, Limit=HISTORY
    )["Items"]
    history = [
        {"from": m.get("name"), "text": m.get("text"), "sentAt": int(m["sentAt"])}
        for m in reversed(recent)
    ]
    send(endpoint(ctx), ctx["connectionId"], {"type": "history", "room": room, "messages": history})
    return {"statusCode": 200}
