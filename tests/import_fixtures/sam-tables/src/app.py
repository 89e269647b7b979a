import os

import boto3

messages = boto3.resource("dynamodb").Table(os.environ["MESSAGES_TABLE"])


def on_connect(event, context):
    return {"statusCode": 200}


def send(event, context):
    messages.put_item(Item={"channel": "lobby", "ts": 1, "body": event.get("body")})
    return {"statusCode": 200}


def fan_out(event, context):
    for record in event["Records"]:
        print(record["dynamodb"]["NewImage"])
