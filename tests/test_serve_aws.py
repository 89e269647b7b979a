"""`wsspec serve`: AWS service integrations (`type: aws`) against the embedded moto server,
driven by real `websockets` clients; the AWS side is read back with boto3."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import boto3
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.test_serve_support import Running, make_project, wait_until

ROOT = Path(__file__).resolve().parent.parent
FRAME_RE = (
    r'\{"message": "%s", "connectionId":"[A-Za-z0-9_=-]{16}", "requestId":"[A-Za-z0-9_=-]{16}"\}'
)
TABLE = "presence-connections"


def client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def recv(ws: Any) -> str:
    return str(ws.recv(timeout=15))


def only_id(srv: Running) -> str:
    ids = list(srv.gw.connections)
    assert len(ids) == 1
    return ids[0]


# ------------------------------------------------------------------ the sample, end to end
def test_dynamodb_direct_sample_end_to_end() -> None:
    with Running(ROOT / "samples" / "dynamodb-direct.yaml") as srv:
        assert srv.gw.aws is not None and srv.gw.dynamo is not None
        ddb = client("dynamodb", srv.gw.dynamo.endpoint)
        sqs = client("sqs", srv.gw.aws.endpoint_for("sqs"))
        queue = sqs.create_queue(QueueName="audit-queue")["QueueUrl"]
        with connect(srv.url) as a:
            a_id = only_id(srv)
            item = ddb.get_item(TableName=TABLE, Key={"connectionId": {"S": a_id}}).get("Item")
            assert item is not None and item["connectionId"]["S"] == a_id
            assert int(item["connectedAt"]["N"]) > 1_600_000_000_000  # $context.connectedAt (ms)
            a.send(json.dumps({"action": "whoishere"}))
            assert json.loads(recv(a)) == [a_id]
            with connect(srv.url) as b:
                b_id = next(i for i in srv.gw.connections if i != a_id)
                b.send(json.dumps({"action": "whoishere"}))
                assert sorted(json.loads(recv(b))) == sorted([a_id, b_id])
                a.send(json.dumps({"action": "whoishere"}))
                assert sorted(json.loads(recv(a))) == sorted([a_id, b_id])
            # b left: its $disconnect DeleteItem ran
            wait_until(
                lambda: (
                    "Item" not in ddb.get_item(TableName=TABLE, Key={"connectionId": {"S": b_id}})
                )
            )
            a.send(json.dumps({"action": "whoishere"}))
            assert json.loads(recv(a)) == [a_id]
            # the SQS route (path style, form body): one-way, so nothing comes back
            sent = {"action": "audit", "note": "hello & goodbye = 100%"}
            a.send(json.dumps(sent))
            got = wait_until(lambda: sqs.receive_message(QueueUrl=queue).get("Messages"))
            assert json.loads(got[0]["Body"]) == sent
        wait_until(lambda: ddb.scan(TableName=TABLE)["Count"] == 0)
        assert any("audit" in line and " 200 " in line for line in srv.lines)


# ------------------------------------------------------------------ errors and mapping
ERRORS = r"""
wsspec: 1
api: {name: errs}
routes:
  scanDefault:
    integration:
      type: aws
      credentials: arn:aws:iam::123456789012:role/apigw-local
      service: dynamodb
      action: Scan
      request_templates: {$default: '{"TableName": "no-such-table"}'}
      responses:
        $default:
          templates:
            $default: '{"status": $integration.response.statuscode, "type": "$input.path(''$.__type'')"}'
    response: true
  scanExplicit:
    integration:
      type: aws
      credentials: arn:aws:iam::123456789012:role/apigw-local
      service: dynamodb
      action: Scan
      request_templates: {$default: '{"TableName": "no-such-table"}'}
      responses:
        /2\d\d/: {}
    response: true
  sendMissingQueue:
    integration:
      type: aws
      credentials: arn:aws:iam::123456789012:role/apigw-local
      service: sqs
      path: 123456789012/no-such-queue
      method: POST
      request_parameters:
        integration.request.header.Content-Type: "'application/x-www-form-urlencoded'"
      request_templates: {$default: 'Action=SendMessage&MessageBody=$util.urlEncode($input.body)'}
      responses:
        /2\d\d/: {}
    response: true
stages:
  prod: {}
"""


@pytest.fixture()
def errors_spec(tmp_path: Path) -> Path:
    return make_project(tmp_path, ERRORS, {})


def test_aws_error_through_default_response_keeps_status_and_maps_body(errors_spec: Path) -> None:
    with Running(errors_spec) as srv:
        assert srv.gw.dynamo is None and srv.gw.aws.proc is not None  # moto without a table
        with connect(srv.url) as ws:
            ws.send(json.dumps({"action": "scanDefault"}))
            got = json.loads(recv(ws))
            assert got["status"] == 400
            assert got["type"].endswith("ResourceNotFoundException")
    assert any("scanDefault" in line and " 400 " in line for line in srv.lines)


def test_aws_error_no_matching_response_is_internal_server_error(errors_spec: Path) -> None:
    with Running(errors_spec) as srv, connect(srv.url) as ws:
        ws.send(json.dumps({"action": "scanExplicit"}))
        assert re.fullmatch(FRAME_RE % "Internal server error", recv(ws))
        ws.send(json.dumps({"action": "sendMissingQueue", "x": 1}))
        assert re.fullmatch(FRAME_RE % "Internal server error", recv(ws))
        ws.send(json.dumps({"action": "scanDefault"}))  # still open, still answering
        assert json.loads(recv(ws))["status"] == 400


def test_aws_error_mapping_explicit_makes_default_skip_errors(errors_spec: Path) -> None:
    with Running(errors_spec, aws_error_mapping="explicit") as srv, connect(srv.url) as ws:
        ws.send(json.dumps({"action": "scanDefault"}))
        assert re.fullmatch(FRAME_RE % "Internal server error", recv(ws))


# ------------------------------------------------------------------ other actions, $input.path
ACTIONS = r"""
wsspec: 1
api: {name: actions}
connections: {table_name: people}
routes:
  $connect:
    integration:
      type: aws
      resources: [connection_table]
      service: dynamodb
      action: PutItem
      request_templates:
        application/json: '{"TableName": "people", "Item": {"connectionId": {"S": "$context.connectionId"}}}'
      responses: {$default: {}}
  setname:
    integration:
      type: aws
      resources: [connection_table]
      service: dynamodb
      action: UpdateItem
      request_templates:
        $default: >-
          {"TableName": "people", "Key": {"connectionId": {"S": "$context.connectionId"}},
           "UpdateExpression": "SET #n = :n", "ExpressionAttributeNames": {"#n": "name"},
           "ReturnValues": "UPDATED_NEW",
           "ExpressionAttributeValues": {":n": {"S": "$util.escapeJavaScript($input.path('$.name'))"}}}
      responses: {$default: {}}
    response: true
  whoami:
    integration:
      type: aws
      resources: [connection_table]
      service: dynamodb
      action: GetItem
      request_templates:
        $default: '{"TableName": "people", "Key": {"connectionId": {"S": "$context.connectionId"}}}'
      responses:
        /2\d\d/:
          templates:
            $default: '{"id": "$input.path(''$.Item.connectionId.S'')", "name": "$util.escapeJavaScript($input.path(''$.Item.name.S''))"}'
    response: true
  count:
    integration:
      type: aws
      resources: [connection_table]
      service: dynamodb
      action: Query
      request_templates:
        $default: >-
          {"TableName": "people", "KeyConditionExpression": "connectionId = :c",
           "ExpressionAttributeValues": {":c": {"S": "$context.connectionId"}}}
      responses:
        $default:
          templates: {$default: 'count=$input.path(''$.Count'')'}
    response: true
stages:
  prod: {}
"""


def test_update_get_query_and_response_template_input_path(tmp_path: Path) -> None:
    path = make_project(tmp_path, ACTIONS, {})
    with Running(path) as srv, connect(srv.url) as ws:
        me = only_id(srv)
        ws.send(json.dumps({"action": "setname", "name": 'Ada "L"'}))
        # no response template: UpdateItem's answer passes through unchanged
        assert json.loads(recv(ws))["Attributes"] == {"name": {"S": 'Ada "L"'}}
        item = client("dynamodb", srv.gw.dynamo.endpoint).get_item(
            TableName="people", Key={"connectionId": {"S": me}}
        )["Item"]
        assert item["name"]["S"] == 'Ada "L"'
        ws.send(json.dumps({"action": "whoami"}))
        assert json.loads(recv(ws)) == {"id": me, "name": 'Ada "L"'}
        ws.send(json.dumps({"action": "count"}))
        assert recv(ws) == "count=1"


# ------------------------------------------------------------------ $connect failures
CONNECT_FAILS = r"""
wsspec: 1
api: {name: rejects}
routes:
  $connect:
    integration:
      type: aws
      credentials: arn:aws:iam::123456789012:role/apigw-local
      service: dynamodb
      action: PutItem
      request_templates:
        application/json: '{"TableName": "missing-table", "Item": {"connectionId": {"S": "$context.connectionId"}}}'
      responses: {$default: {}}
  ping:
    integration:
      type: aws
      credentials: arn:aws:iam::123456789012:role/apigw-local
      service: dynamodb
      action: Scan
      timeout_ms: 500
      request_templates: {$default: '{"TableName": "t"}'}
      responses: {$default: {}}
    response: true
stages:
  prod: {}
"""


def test_connect_rejected_when_put_item_fails(tmp_path: Path) -> None:
    path = make_project(tmp_path, CONNECT_FAILS, {})
    with Running(path) as srv:
        with pytest.raises(InvalidStatus) as e:
            connect(srv.url)
        assert e.value.response.status_code == 400  # the AWS status, through `$default`
        assert not srv.gw.connections
    with Running(path, aws_error_mapping="explicit") as srv:
        with pytest.raises(InvalidStatus) as e:
            connect(srv.url)
        assert e.value.response.status_code == 502


def test_integration_timeout_sends_endpoint_request_timed_out(tmp_path: Path) -> None:
    """--dynamodb-endpoint at a socket that accepts and never answers."""
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(16)
    endpoint = f"http://127.0.0.1:{hang.getsockname()[1]}"
    path = make_project(tmp_path, CONNECT_FAILS.replace("  $connect:", "  unused:", 1), {})
    try:
        with Running(path, dynamodb_endpoint=endpoint) as srv:
            assert srv.gw.aws.proc is None  # DynamoDB only, elsewhere: no moto started
            with connect(srv.url) as ws:
                ws.send(json.dumps({"action": "ping"}))
                assert re.fullmatch(FRAME_RE % "Endpoint request timed out", recv(ws))
    finally:
        hang.close()


SQS_ACTIONS = r"""
wsspec: 1
api: {name: sqsact}
routes:
  send:
    integration:
      type: aws
      service: sqs
      action: SendMessage
      credentials: arn:aws:iam::123456789012:role/apigw-local
      request_parameters:
        integration.request.querystring.QueueUrl: "'http://127.0.0.1/123456789012/q1'"
        integration.request.querystring.MessageBody: route.request.body.text
      responses: {$default: {}}
  sendform:
    integration:
      type: aws
      service: sqs
      action: SendMessage
      credentials: arn:aws:iam::123456789012:role/apigw-local
      request_templates:
        $default: QueueUrl=q1&MessageBody=$util.urlEncode($input.path('$.text'))
      responses: {$default: {}}
stages:
  prod: {}
"""


def test_sqs_action_style_query_parameters_and_form_template(tmp_path: Path) -> None:
    """Action style on a query-protocol service: parameters in the query string, or a form body."""
    path = make_project(tmp_path, SQS_ACTIONS, {})
    with Running(path) as srv:
        sqs = client("sqs", srv.gw.aws.endpoint)
        queue = sqs.create_queue(QueueName="q1")["QueueUrl"]
        with connect(srv.url) as ws:
            ws.send(json.dumps({"action": "send", "text": "via query"}))
            ws.send(json.dumps({"action": "sendform", "text": "via form & more"}))
            bodies: list[str] = []

            def both() -> bool:
                bodies.extend(
                    m["Body"]
                    for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
                        "Messages", []
                    )
                )
                return len(bodies) >= 2

            wait_until(both)
        assert sorted(bodies) == ["via form & more", "via query"]
