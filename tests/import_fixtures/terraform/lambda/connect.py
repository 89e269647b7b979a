"""$connect: store the connection (table name from TABLE)."""

import os
import time

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    TABLE.put_item(
        Item={
            "connectionId": event["requestContext"]["connectionId"],
            "expiresAt": int(time.time()) + 3600,
        }
    )
    return {"statusCode": 200}
