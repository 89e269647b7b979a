"""Lambda function `ingest` of the telemetry WebSocket API (multi-stage.yaml).

Routes: $connect, telemetry, $default.
wsspec created this file once and never overwrites it: it is yours to edit.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, NotRequired, TypedDict

import boto3

if TYPE_CHECKING:
    from mypy_boto3_apigatewaymanagementapi import ApiGatewayManagementApiClient


class Identity(TypedDict):
    sourceIp: str
    userAgent: NotRequired[str]
    userArn: NotRequired[str]  # the IAM caller that signed $connect
    accountId: NotRequired[str]


class RequestContext(TypedDict):
    routeKey: str
    eventType: Literal["CONNECT", "MESSAGE"]
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
    body: NotRequired[str]  # messages only
    headers: NotRequired[dict[str, str]]  # $connect (client's), $disconnect
    # Only when the client's URL had a query string
    queryStringParameters: NotRequired[dict[str, str]]


class Response(TypedDict):
    statusCode: int
    headers: NotRequired[dict[str, str]]


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
    """Post one frame to a connection; False when it is gone."""
    api = management_api(callback_endpoint(ctx))
    try:
        api.post_to_connection(ConnectionId=connection_id, Data=data)
    except api.exceptions.GoneException:
        return False
    return True


def on_connect(event: Event) -> Response:
    ctx = event["requestContext"]
    print(json.dumps({"connected": ctx["connectionId"], "sourceIp": ctx["identity"]["sourceIp"]}))
    # The connection opens only after this returns 2xx: posting to it from here fails with 410.
    # WebSocket has no CORS: check headers["Origin"] here if browsers must come from your site.
    # Any non-2xx statusCode refuses the connection with that HTTP status.
    return {"statusCode": 200}


def on_telemetry(event: Event) -> Response:
    ctx = event["requestContext"]
    send(ctx, ctx["connectionId"], event["body"])
    return {"statusCode": 200}  # one-way route: API Gateway ignores the return value


def on_default(event: Event) -> Response:
    ctx = event["requestContext"]
    send(ctx, ctx["connectionId"], event["body"])
    return {"statusCode": 200}  # one-way route: API Gateway ignores the return value


ROUTES: dict[str, Callable[[Event], Response]] = {
    "$connect": on_connect,
    "telemetry": on_telemetry,
    "$default": on_default,
}


def handle(event: Event, context: object) -> Response:
    return ROUTES[event["requestContext"]["routeKey"]](event)
