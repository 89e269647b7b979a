"""send: store a message in the room's history; the stream fan-out (fan_out.py) delivers it."""

from __future__ import annotations

import time
from typing import Any

from common import body, expires_at, table

MESSAGES = table("MESSAGES_TABLE")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ctx = event["requestContext"]
    msg = body(event)
    if ctx["routeKey"] != "send" or "text" not in msg:
        return {"statusCode": 400, "body": 'send {"action": "send", "room": "...", "text": "..."}'}
    MESSAGES.put_item(
        Item={
            "roomId": str(msg.get("room") or "lobby"),
            "sentAt": time.time_ns() // 1000,  # microseconds: ordered, rarely equal
            "userId": ctx["connectionId"],
            "name": str(msg.get("name") or "anonymous"),
            "text": str(msg["text"]),
            "expiresAt": expires_at(),
        }
    )
    return {"statusCode": 200}
