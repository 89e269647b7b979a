"""Lambda function `authorize` of the orders-feed WebSocket API (auth-http.yaml).

Lambda REQUEST authorizer `token_auth`: runs once per connection, before $connect.
wsspec created this file once and never overwrites it: it is yours to edit.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict


class RequestContext(TypedDict):
    routeKey: Literal["$connect"]
    eventType: Literal["CONNECT"]
    connectionId: str
    domainName: str
    stage: str
    apiId: str
    requestId: str


class AuthorizerEvent(TypedDict):
    type: Literal["REQUEST"]
    methodArn: str  # arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/$connect
    headers: NotRequired[dict[str, str]]
    queryStringParameters: NotRequired[dict[str, str]]
    stageVariables: dict[str, str]
    requestContext: RequestContext


class Statement(TypedDict):
    Action: str
    Effect: Literal["Allow", "Deny"]
    Resource: str


class PolicyDocument(TypedDict):
    Version: str
    Statement: list[Statement]


class AuthorizerResponse(TypedDict):
    principalId: str
    policyDocument: PolicyDocument
    # Flat: string, number or boolean values; handlers see them in requestContext.authorizer.
    context: dict[str, str | int | float | bool]


def verify(token: str) -> str | None:
    """The principal these credentials belong to, or None to refuse the connection.

    Fails closed: every connection is refused until you implement this.
    """
    return None


def handler(event: AuthorizerEvent, context: object) -> AuthorizerResponse:
    # API Gateway has already answered 401 if any identity source was missing or empty.
    token = event.get("queryStringParameters", {}).get("token", "")
    principal = verify(token)
    if principal is None:
        raise PermissionError("Unauthorized")  # exactly this message -> HTTP 401
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                # This connection's own $connect ARN. The REST-style ".../{stage}/*/*" never
                # matches a WebSocket ARN and silently denies (403).
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
            ],
        },
        "context": {},
    }
