"""Lambda function `connections` of protected-chat.yaml: $connect and $disconnect.

wsspec's connection guard runs around this handler (connection caps); the user's id comes from
the JWT authorizer's context.
"""

from __future__ import annotations

import os
import time
from typing import Any

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])
TTL_ATTRIBUTE = os.environ["CONNECTIONS_TTL_ATTRIBUTE"]
TTL_SECONDS = int(os.environ["CONNECTIONS_TTL_SECONDS"])


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    rc = event["requestContext"]
    if rc["eventType"] == "CONNECT":
        TABLE.put_item(
            Item={
                "connectionId": rc["connectionId"],
                "userId": rc["authorizer"]["userId"],
                TTL_ATTRIBUTE: int(time.time()) + TTL_SECONDS,
            }
        )
    else:
        TABLE.delete_item(Key={"connectionId": rc["connectionId"]})
    return {"statusCode": 200}
