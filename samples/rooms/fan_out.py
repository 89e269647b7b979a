"""The messages table's stream: send each new message to everyone present in its room."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from common import send, table

PRESENCE = table("PRESENCE_TABLE")


def _s(image: dict[str, Any], name: str) -> str:
    return str(image.get(name, {}).get("S", ""))


def handler(event: dict[str, Any], context: Any) -> None:
    for record in event["Records"]:  # in order within a shard
        if record["eventName"] != "INSERT":
            continue
        image = record["dynamodb"]["NewImage"]
        room = _s(image, "roomId")
        payload = {
            "type": "message",
            "room": room,
            "from": _s(image, "name"),
            "text": _s(image, "text"),
            "sentAt": int(image["sentAt"]["N"]),
        }
        members = PRESENCE.query(KeyConditionExpression=Key("roomId").eq(room))["Items"]
        for member in members:
            if not send(str(member["endpoint"]), str(member["connectionId"]), payload):
                PRESENCE.delete_item(Key={"roomId": room, "connectionId": member["connectionId"]})
