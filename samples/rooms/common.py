"""Shared helpers of the chat-rooms sample (chat-rooms.yaml)."""

from __future__ import annotations

import functools
import json
import os
import time
from typing import Any

import boto3

HISTORY = 20  # messages sent to a client when it joins a room
TTL_SECONDS = 7 * 24 * 3600


def table(variable: str) -> Any:
    # boto3 honours AWS_ENDPOINT_URL_DYNAMODB, so the same code runs against local tables.
    return boto3.resource("dynamodb").Table(os.environ[variable])


def expires_at() -> int:
    return int(time.time()) + TTL_SECONDS


def endpoint(ctx: dict[str, Any]) -> str:
    """The @connections endpoint (``WSSPEC_CALLBACK_URL`` under ``wsspec serve``)."""
    override = os.environ.get("WSSPEC_CALLBACK_URL")
    if override:
        return override
    return f"https://{ctx['domainName']}/{ctx['stage']}"


@functools.cache
def management_api(url: str) -> Any:
    return boto3.client("apigatewaymanagementapi", endpoint_url=url)


def send(url: str, connection_id: str, payload: Any) -> bool:
    """Post to one connection; False when it is gone."""
    api = management_api(url)
    try:
        api.post_to_connection(ConnectionId=connection_id, Data=json.dumps(payload).encode())
    except api.exceptions.GoneException:
        return False
    return True


def body(event: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(event.get("body") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
