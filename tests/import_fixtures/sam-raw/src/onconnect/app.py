"""$connect: remember the connection in the table named by TABLE_NAME."""

import os
import time

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    TABLE.put_item(
        Item={
            "connectionId": event["requestContext"]["connectionId"],
            "expires": int(time.time()) + 7200,
        }
    )
    return {"statusCode": 200}
