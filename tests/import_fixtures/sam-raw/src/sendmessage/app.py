"""sendmessage: answer the sender (a two-way route)."""

import json


def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    return {"statusCode": 200, "body": json.dumps({"echo": body.get("data")})}
