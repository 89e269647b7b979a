"""Lambda function `quotes_disconnect` of the live-quotes WebSocket API (monitoring.yaml).

Routes: $disconnect.
wsspec created this file once and never overwrites it: it is yours to edit.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal, NotRequired, TypedDict

import boto3

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

# boto3 honours AWS_ENDPOINT_URL_DYNAMODB, so the same code runs against a local table.
TABLE: Table = boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])
KEY = "connectionId"


class Identity(TypedDict):
    sourceIp: str
    userAgent: NotRequired[str]


class RequestContext(TypedDict):
    routeKey: str
    eventType: Literal["DISCONNECT"]
    connectionId: str
    connectedAt: int  # epoch ms, the same for the whole connection
    domainName: str
    stage: str
    apiId: str
    requestId: str
    requestTimeEpoch: int
    identity: Identity
    disconnectStatusCode: NotRequired[int]  # DISCONNECT only: the WebSocket close code
    disconnectReason: NotRequired[str]


class Event(TypedDict):
    requestContext: RequestContext
    isBase64Encoded: bool
    headers: dict[str, str]


class Response(TypedDict):
    statusCode: int


def handler(event: Event, context: object) -> Response:
    ctx = event["requestContext"]
    # Best effort: $disconnect may never arrive; the item's TTL covers that case.
    TABLE.delete_item(Key={KEY: ctx["connectionId"]})
    return {"statusCode": 200}  # ignored: the socket is already closed
