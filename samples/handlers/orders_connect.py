"""Lambda function `on_connect` of the orders-feed WebSocket API (auth-http.yaml).

Routes: $connect.
wsspec created this file once and never overwrites it: it is yours to edit.
"""

from __future__ import annotations

import json
from typing import Literal, NotRequired, TypedDict


class Identity(TypedDict):
    sourceIp: str
    userAgent: NotRequired[str]


class RequestContext(TypedDict):
    routeKey: str
    eventType: Literal["CONNECT"]
    connectionId: str
    connectedAt: int  # epoch ms, the same for the whole connection
    domainName: str
    stage: str
    apiId: str
    requestId: str
    requestTimeEpoch: int
    identity: Identity
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


def handler(event: Event, context: object) -> Response:
    ctx = event["requestContext"]
    print(json.dumps({"connected": ctx["connectionId"], "sourceIp": ctx["identity"]["sourceIp"]}))
    # WebSocket has no CORS: check headers["Origin"] here if browsers must come from your site.
    # Any non-2xx statusCode refuses the connection with that HTTP status.
    return {"statusCode": 200}
