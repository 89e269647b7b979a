"""Handlers written for AWS, not for wsspec, run unchanged under `wsspec serve` (issue 15),
whatever way they address the ``@connections`` API: ``https://{domainName}/{stage}``,
``https://{apiId}.execute-api.{region}.amazonaws.com/{stage}``, a custom domain,
``AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI`` or ``AWS_ENDPOINT_URL``; boto3 here, the AWS SDK
for JavaScript v3 and v2 in test_serve_endpoints_node.py. Each handler is written in the shape of
the widely copied AWS chat samples and broadcasts to three real WebSocket clients."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.test_serve_support import Running, make_project, wait_until

API_ID = "abcde12345"
AWS_URL = f"https://{API_ID}.execute-api.us-east-1.amazonaws.com/prod"

SPEC = f"""
wsspec: 1
api: {{name: endpoints}}
routes:
  $connect: {{function: connect}}
  $disconnect: {{function: disconnect}}
  by_domain: {{function: by_domain}}
  by_api_id: {{function: by_api_id}}
  by_custom_domain: {{function: by_custom_domain}}
  by_service_env: {{function: by_service_env}}
  by_global_env: {{function: by_global_env}}
functions:
  connect: {{handler: handlers/connect.py, entry: lambda_handler, grants: [connection_table]}}
  disconnect: {{handler: handlers/disconnect.py, entry: lambda_handler, grants: [connection_table]}}
  by_domain: {{handler: handlers/by_domain.py, entry: lambda_handler, grants: [connection_table, manage_connections]}}
  by_api_id: {{handler: handlers/by_api_id.py, entry: lambda_handler, grants: [connection_table, manage_connections]}}
  by_custom_domain:
    handler: handlers/by_custom_domain.py
    entry: lambda_handler
    grants: [connection_table, manage_connections]
    environment: {{CALLBACK_URL: "https://ws.example.com/chat"}}
  by_service_env:
    handler: handlers/by_service_env.py
    entry: lambda_handler
    grants: [connection_table, manage_connections]
    environment: {{AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI: "{AWS_URL}"}}
  by_global_env:
    handler: handlers/by_global_env.py
    entry: lambda_handler
    grants: [connection_table, manage_connections]
    environment: {{AWS_ENDPOINT_URL: "{AWS_URL}"}}
connections: true
domain:
  name: ws.example.com
  certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/abc
  base_path: chat
"""

CONNECT = """
import os

import boto3

dynamodb = boto3.resource("dynamodb")
table = dynamodb.Table(os.environ["CONNECTIONS_TABLE"])


def lambda_handler(event, context):
    connection_id = event["requestContext"]["connectionId"]
    table.put_item(Item={"connectionId": connection_id})
    return {"statusCode": 200, "body": "Connected."}
"""

DISCONNECT = """
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])


def lambda_handler(event, context):
    table.delete_item(Key={"connectionId": event["requestContext"]["connectionId"]})
    return {"statusCode": 200, "body": "Disconnected."}
"""

# The broadcast, as the AWS chat samples write it; only the endpoint line differs.
BROADCAST = """
import json
import logging
import os

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger()
logger.setLevel(logging.INFO)

table = boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])


def lambda_handler(event, context):
    request_context = event["requestContext"]
    domain_name = request_context["domainName"]
    stage = request_context["stage"]
    {endpoint}
    message = json.loads(event["body"])["data"]
    connections = table.scan(ProjectionExpression="connectionId")["Items"]
    sent = 0
    for item in connections:
        try:
            apigw.post_to_connection(ConnectionId=item["connectionId"], Data=message.encode())
            sent += 1
        except ClientError as err:
            if err.response["Error"]["Code"] == "GoneException":
                table.delete_item(Key={{"connectionId": item["connectionId"]}})
            else:
                logger.exception("Couldn't post to connection %s.", item["connectionId"])
    logger.info("Sent message %r to %s of %s connections.", message, sent, len(connections))
    return {{"statusCode": 200}}
"""

ENDPOINTS = {
    "by_domain": 'apigw = boto3.client("apigatewaymanagementapi", '
    'endpoint_url=f"https://{domain_name}/{stage}")',
    "by_api_id": 'apigw = boto3.client("apigatewaymanagementapi", endpoint_url="https://'
    '" + request_context["apiId"] + ".execute-api." + os.environ["AWS_REGION"] + '
    '".amazonaws.com/" + stage)',
    "by_custom_domain": 'apigw = boto3.client("apigatewaymanagementapi", '
    'endpoint_url=os.environ["CALLBACK_URL"])',
    "by_service_env": 'apigw = boto3.client("apigatewaymanagementapi")',
    "by_global_env": 'apigw = boto3.client("apigatewaymanagementapi")',
}


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    tmp = tmp_path_factory.mktemp("endpoints")
    handlers = {"connect.py": CONNECT, "disconnect.py": DISCONNECT}
    for name, line in ENDPOINTS.items():
        handlers[f"{name}.py"] = BROADCAST.format(endpoint=line)
    # No WSSPEC_CALLBACK_URL: nothing AWS would not also give the handlers.
    with Running(make_project(tmp, SPEC, handlers), api_id=API_ID, callback_url_env=False) as s:
        yield s


def _table_ids(srv: Running) -> set[str]:
    items = srv.gw.dynamo.client().scan(TableName=srv.gw.dynamo.name)["Items"]
    return {i["connectionId"]["S"] for i in items}


@contextmanager
def three_clients(srv: Running) -> Iterator[list[ClientConnection]]:
    before = len(_table_ids(srv))
    with ExitStack() as stack:
        clients = [stack.enter_context(connect(srv.url, open_timeout=10)) for _ in range(3)]
        wait_until(lambda: len(_table_ids(srv)) == before + 3)
        yield clients


@pytest.mark.parametrize("route", list(ENDPOINTS))
def test_a_boto3_handler_broadcasts_whatever_endpoint_pattern_it_uses(
    srv: Running, route: str
) -> None:
    with three_clients(srv) as clients:
        clients[0].send(json.dumps({"action": route, "data": f"hello via {route}"}))
        for ws in clients:
            assert ws.recv(timeout=20) == f"hello via {route}"
    wait_until(lambda: not _table_ids(srv))
    assert "WSSPEC_CALLBACK_URL" not in srv.gw.runners[route].env


def test_the_workers_trust_the_local_authority_and_nothing_else_changes(srv: Running) -> None:
    env = srv.gw.runners["by_domain"].env
    assert Path(env["AWS_CA_BUNDLE"]).is_file() and Path(env["NODE_EXTRA_CA_CERTS"]).is_file()
    assert f"{API_ID}.execute-api.us-east-1.amazonaws.com" in env["WSSPEC_LOCAL_HOSTS"]
    assert "ws.example.com" in env["WSSPEC_LOCAL_HOSTS"]
    # This process resolves the names as before (the patch lives in the workers only).
    import socket

    with pytest.raises(OSError):
        socket.getaddrinfo(f"{API_ID}.execute-api.us-east-1.amazonaws.com", 443)


def test_a_handlers_logger_info_line_appears_with_its_request_id(srv: Running) -> None:
    with three_clients(srv) as clients:
        clients[0].send(json.dumps({"action": "by_domain", "data": "logged"}))
        for ws in clients:
            assert ws.recv(timeout=20) == "logged"
    line = wait_until(lambda: next((x for x in srv.lines if "Sent message 'logged'" in x), None))
    assert re.search(
        r"\[by_domain\] \[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[A-Za-z0-9_-]{15}=\t"
        r"Sent message 'logged' to 3 of 3 connections\.",
        line,
    ), line
