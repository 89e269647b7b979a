"""Lambda function `connections` of the protected-chat WebSocket API (protected-chat.yaml).

Routes: $connect, $disconnect.
wsspec created this file once and never overwrites it: it is yours to edit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, NotRequired, TypedDict

import boto3

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

# boto3 honours AWS_ENDPOINT_URL_DYNAMODB, so the same code runs against a local table.
TABLE: Table = boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])
KEY = "connectionId"
TTL_ATTRIBUTE = os.environ["CONNECTIONS_TTL_ATTRIBUTE"]
TTL_SECONDS = int(os.environ["CONNECTIONS_TTL_SECONDS"])


class Identity(TypedDict):
    sourceIp: str
    userAgent: NotRequired[str]


class RequestContext(TypedDict):
    routeKey: str
    eventType: Literal["CONNECT", "DISCONNECT"]
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
    # principalId plus the authorizer's context, on every event of the connection
    authorizer: dict[str, str | int | float | bool]


class Event(TypedDict):
    requestContext: RequestContext
    isBase64Encoded: bool
    headers: dict[str, str]
    # Only when the client's URL had a query string
    queryStringParameters: NotRequired[dict[str, str]]


class Response(TypedDict):
    statusCode: int
    headers: NotRequired[dict[str, str]]


def on_connect(event: Event) -> Response:
    ctx = event["requestContext"]
    TABLE.put_item(
        Item={
            KEY: ctx["connectionId"],
            "connectedAt": ctx["connectedAt"],
            "principalId": str(ctx["authorizer"]["principalId"]),
            TTL_ATTRIBUTE: int(time.time()) + TTL_SECONDS,
        }
    )
    # WebSocket has no CORS: check headers["Origin"] here if browsers must come from your site.
    # Any non-2xx statusCode refuses the connection with that HTTP status.
    return {"statusCode": 200}


def on_disconnect(event: Event) -> Response:
    ctx = event["requestContext"]
    # Best effort: $disconnect may never arrive; the item's TTL covers that case.
    TABLE.delete_item(Key={KEY: ctx["connectionId"]})
    return {"statusCode": 200}  # ignored: the socket is already closed


ROUTES: dict[str, Callable[[Event], Response]] = {
    "$connect": on_connect,
    "$disconnect": on_disconnect,
}


def handler(event: Event, context: object) -> Response:
    return ROUTES[event["requestContext"]["routeKey"]](event)
