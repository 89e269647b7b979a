"""Lambda function `quotes_message` of the live-quotes WebSocket API (monitoring.yaml).

Routes: $default, subscribe.
wsspec created this file once and never overwrites it: it is yours to edit.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict

import boto3

if TYPE_CHECKING:
    from mypy_boto3_apigatewaymanagementapi import ApiGatewayManagementApiClient
    from mypy_boto3_dynamodb.service_resource import Table

# boto3 honours AWS_ENDPOINT_URL_DYNAMODB, so the same code runs against a local table.
TABLE: Table = boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])
KEY = "connectionId"


class Identity(TypedDict):
    sourceIp: str
    userAgent: NotRequired[str]


class RequestContext(TypedDict):
    routeKey: str
    eventType: Literal["MESSAGE"]
    connectionId: str
    connectedAt: int  # epoch ms, the same for the whole connection
    domainName: str
    stage: str
    apiId: str
    requestId: str
    requestTimeEpoch: int
    identity: Identity
    messageId: NotRequired[str]  # MESSAGE only


class Event(TypedDict):
    requestContext: RequestContext
    isBase64Encoded: bool
    body: str


class Response(TypedDict):
    statusCode: int


def callback_endpoint(ctx: RequestContext) -> str:
    """The @connections endpoint of this API and stage.

    ``WSSPEC_CALLBACK_URL`` overrides it (``wsspec serve`` sets it for the local gateway).
    """
    override = os.environ.get("WSSPEC_CALLBACK_URL")
    if override:
        return override
    if ctx["domainName"].endswith(".amazonaws.com"):
        return f"https://{ctx['domainName']}/{ctx['stage']}"
    # Connected through a custom domain (whose base path may differ from the stage): use the
    # API's own execute-api endpoint instead.
    region = os.environ["AWS_REGION"]
    return f"https://{ctx['apiId']}.execute-api.{region}.amazonaws.com/{ctx['stage']}"


@functools.cache
def management_api(endpoint: str) -> ApiGatewayManagementApiClient:
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)


def send(ctx: RequestContext, connection_id: str, data: str | bytes) -> bool:
    """Post one frame to a connection; False when it is gone (its item is then deleted)."""
    api = management_api(callback_endpoint(ctx))
    try:
        api.post_to_connection(ConnectionId=connection_id, Data=data)
    except api.exceptions.GoneException:
        # The client left without a $disconnect reaching us (delivery is best effort).
        TABLE.delete_item(Key={KEY: connection_id})
        return False
    return True


def connection_ids() -> list[str]:
    # Expired items linger until DynamoDB's TTL sweep (up to a few days later); send() removes
    # those when they answer 410.
    ids: list[str] = []
    scan: dict[str, Any] = {"ProjectionExpression": KEY}
    while True:
        page = TABLE.scan(**scan)
        ids.extend(str(item[KEY]) for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            return ids
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def broadcast(ctx: RequestContext, data: str | bytes) -> int:
    """Send ``data`` to every stored connection; returns how many received it."""
    return sum(send(ctx, connection_id, data) for connection_id in connection_ids())


def on_default(event: Event) -> Response:
    ctx = event["requestContext"]
    broadcast(ctx, event["body"])
    return {"statusCode": 200}  # one-way route: API Gateway ignores the return value


def on_subscribe(event: Event) -> Response:
    ctx = event["requestContext"]
    broadcast(ctx, event["body"])
    return {"statusCode": 200}  # one-way route: API Gateway ignores the return value


ROUTES: dict[str, Callable[[Event], Response]] = {
    "$default": on_default,
    "subscribe": on_subscribe,
}


def handler(event: Event, context: object) -> Response:
    return ROUTES[event["requestContext"]["routeKey"]](event)
