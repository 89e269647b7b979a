"""serve with application tables (issue 23): the tables exist in the local DynamoDB with the
spec's keys and indexes, handlers find them under the deployed environment names, and the
messages table's stream fans new messages out through samples/chat-rooms.yaml's handlers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.test_serve_support import Running, make_project, wait_until
from wsspec.serve.streams import matches

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ROOT / "samples" / "chat-rooms.yaml"


def _recv(ws: ClientConnection) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ws.recv(timeout=20))
    return data


def _present(srv: Running, room: str) -> int:
    ddb = srv.gw.dynamo.client()
    items = ddb.query(
        TableName="chat-rooms-presence",
        KeyConditionExpression="roomId = :r",
        ExpressionAttributeValues={":r": {"S": room}},
    )["Items"]
    return len(items)


@pytest.mark.slow
def test_rooms_history_presence_and_stream_fan_out_end_to_end() -> None:
    with Running(ROOMS) as srv:
        ddb = srv.gw.dynamo.client()
        t = ddb.describe_table(TableName="chat-rooms-messages")["Table"]
        assert [g["IndexName"] for g in t["GlobalSecondaryIndexes"]] == ["by_user"]
        assert t["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
        with connect(srv.url) as ada, connect(srv.url) as bob:
            for ws, name in ((ada, "ada"), (bob, "bob")):
                ws.send(json.dumps({"action": "join", "room": "lobby", "name": name}))
                assert _recv(ws) == {"type": "history", "room": "lobby", "messages": []}
            wait_until(lambda: _present(srv, "lobby") == 2)
            ada.send(json.dumps({"action": "send", "room": "lobby", "name": "ada", "text": "hi"}))
            got = _recv(bob)  # through the stream: send_message -> table -> fan_out -> bob
            assert (got["type"], got["from"], got["text"]) == ("message", "ada", "hi")
            assert _recv(ada)["text"] == "hi"  # everyone present, the sender too
            bob.send(json.dumps({"action": "send", "room": "lobby", "name": "bob", "text": "yo"}))
            assert _recv(ada)["text"] == "yo" and _recv(bob)["text"] == "yo"
            with connect(srv.url) as cy:  # a later client receives the history on join
                cy.send(json.dumps({"action": "join", "room": "lobby", "name": "cy"}))
                history = _recv(cy)
                assert [(m["from"], m["text"]) for m in history["messages"]] == [
                    ("ada", "hi"),
                    ("bob", "yo"),
                ]
        wait_until(lambda: _present(srv, "lobby") == 0)  # $disconnect left the room


HANDLER = """
import json, os

def handler(event, context):
    if "Records" in event:
        with open(os.environ["OUT"], "a") as f:
            f.write(json.dumps(event) + "\\n")
        return None
    import boto3
    boto3.client("dynamodb").put_item(
        TableName=os.environ["ITEMS_TABLE"],
        Item={"id": {"S": event["body"]}, "kind": {"S": "x" if event["body"] != "skip" else "y"}},
    )
    return {"statusCode": 200}
"""


@pytest.mark.slow
def test_the_stream_event_has_lambdas_record_shape_and_filters_apply(tmp_path: Path) -> None:
    out = tmp_path / "records.jsonl"
    spec = f"""
wsspec: 1
api: {{name: shapes}}
routes:
  $default: {{function: put}}
tables:
  items: {{key: {{partition: id}}, stream: new_and_old_images}}
functions:
  put: {{handler: handlers/h.py, tables: {{items: write}}}}
  seen:
    handler: handlers/h.py
    environment: {{OUT: {json.dumps(str(out))}}}
    events: [{{stream: items, batch_size: 10, filters: [{{dynamodb: {{NewImage: {{kind: {{S: [x]}}}}}}}}]}}]
"""
    path = make_project(tmp_path, spec, {"h.py": HANDLER})
    with Running(path) as srv, connect(srv.url) as ws:
        for body in ("a", "skip", "b"):
            ws.send(body)
        lines = wait_until(
            lambda: out.exists() and out.read_text().count('"b"') and out.read_text()
        )
    records = [r for line in lines.splitlines() for r in json.loads(line)["Records"]]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in records] == ["a", "b"]  # in order, filtered
    rec = records[0]
    assert rec["eventName"] == "INSERT" and rec["eventSource"] == "aws:dynamodb"
    assert rec["eventSourceARN"].endswith(":table/shapes-items")
    assert rec["dynamodb"]["NewImage"] == {"id": {"S": "a"}, "kind": {"S": "x"}}
    assert rec["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(rec["dynamodb"]["ApproximateCreationDateTime"], int)
    assert {"eventID", "eventVersion", "awsRegion"} <= set(rec)


def test_filter_patterns_match_like_lambda() -> None:
    rec = {"eventName": "INSERT", "dynamodb": {"NewImage": {"kind": {"S": "chat"}}}}
    assert matches({"eventName": ["INSERT", "MODIFY"]}, rec)
    assert not matches({"eventName": ["REMOVE"]}, rec)
    assert matches({"dynamodb": {"NewImage": {"kind": {"S": [{"prefix": "ch"}]}}}}, rec)
    assert not matches({"dynamodb": {"OldImage": {"kind": {"S": ["chat"]}}}}, rec)
    assert matches({"dynamodb": {"OldImage": [{"exists": False}]}}, rec)
    assert matches({"eventName": [{"anything-but": ["REMOVE"]}]}, rec)
