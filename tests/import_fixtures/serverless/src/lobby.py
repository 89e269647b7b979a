"""Lobby handlers: connections are kept in CONNECTIONS_TABLE."""

import json
import os
import time

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])


def connect(event, context):
    ttl = int(time.time()) + int(os.environ.get("TTL_SECONDS", "3600"))
    TABLE.put_item(Item={"connectionId": event["requestContext"]["connectionId"], "ttl": ttl})
    return {"statusCode": 200}


def disconnect(event, context):
    TABLE.delete_item(Key={"connectionId": event["requestContext"]["connectionId"]})
    return {"statusCode": 200}


def join(event, context):
    body = json.loads(event.get("body") or "{}")
    return {"statusCode": 200, "body": json.dumps({"joined": body.get("room", "main")})}
