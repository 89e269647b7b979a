"""A connection's life at its edges (issue 15): a client that connects the moment the port opens
gets its ``$connect``; one that leaves during the handshake, after ``$connect`` ran, gets a log
line and its ``$disconnect`` (so its table item does not linger); ``$disconnect`` runs after the
connection's messages still running, unless ``disconnect_order=immediate``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests.servers import free_port
from tests.test_serve_support import RECORDER, Running, make_project, wait_until

ROOT = Path(__file__).resolve().parent.parent

TABLE_SPEC = """
wsspec: 1
api: {name: life}
routes:
  $connect: {function: on_connect}
  $disconnect: {function: on_disconnect}
  $default: {function: whoami, response: true}
  slow: {function: slow}
functions:
  on_connect: {handler: handlers/on_connect.py, grants: [connection_table]}
  on_disconnect: {handler: handlers/on_disconnect.py, grants: [connection_table]}
  whoami: {handler: handlers/whoami.py, grants: [connection_table]}
  slow: {handler: handlers/slow.py}
connections: true
"""
ON_CONNECT = """
import json, os, time
import boto3

table = boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])

def handler(event, context):
    table.put_item(Item={"connectionId": event["requestContext"]["connectionId"]})
    if (event.get("queryStringParameters") or {}).get("slow"):
        time.sleep(1.0)  # time for the client to leave before the 101
    return {"statusCode": 200}
"""
ON_DISCONNECT = """
import json, os, time
import boto3

table = boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])

def handler(event, context):
    table.delete_item(Key={"connectionId": event["requestContext"]["connectionId"]})
    with open(os.environ["EVENTS_FILE"], "a") as f:
        rc = event["requestContext"]
        f.write(json.dumps({"what": "disconnect", "t": time.time(),
                            "code": rc["disconnectStatusCode"]}) + "\\n")
    return {"statusCode": 200}
"""
WHOAMI = """
import os
import boto3

table = boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])

def handler(event, context):
    cid = event["requestContext"]["connectionId"]
    stored = "Item" in table.get_item(Key={"connectionId": cid})
    return {"statusCode": 200, "body": "stored" if stored else "missing"}
"""
SLOW = """
import json, os, time

def handler(event, context):
    time.sleep(1.0)
    with open(os.environ["EVENTS_FILE"], "a") as f:
        f.write(json.dumps({"what": "message", "t": time.time()}) + "\\n")
    return {"statusCode": 200}
"""
HANDLERS = {
    "on_connect.py": ON_CONNECT,
    "on_disconnect.py": ON_DISCONNECT,
    "whoami.py": WHOAMI,
    "slow.py": SLOW,
    "recorder.py": RECORDER,
}


def _table_ids(srv: Running) -> set[str]:
    items = srv.gw.dynamo.client().scan(TableName=srv.gw.dynamo.name)["Items"]
    return {i["connectionId"]["S"] for i in items}


def _records(srv: Running) -> list[dict[str, object]]:
    if not srv.events_file.exists():
        return []
    return [json.loads(x) for x in srv.events_file.read_text().splitlines() if x]


def test_a_client_leaving_during_the_handshake_gets_its_disconnect(tmp_path: Path) -> None:
    with Running(make_project(tmp_path, TABLE_SPEC, HANDLERS)) as srv:
        s = socket.create_connection(("127.0.0.1", srv.gw.port), timeout=10)
        s.sendall(
            b"GET /prod?slow=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n"
        )
        wait_until(lambda: len(_table_ids(srv)) == 1)  # $connect has stored it
        s.close()  # ... and the client leaves before the 101
        wait_until(lambda: any(r["what"] == "disconnect" for r in _records(srv)))
        wait_until(lambda: not _table_ids(srv))
        assert [r["code"] for r in _records(srv)] == [1006]
        assert any("the client left during the handshake" in x for x in srv.lines)


@pytest.mark.parametrize(("order", "expected"), [
    ("after_messages", ["message", "disconnect"]),
    ("immediate", ["disconnect", "message"]),
])  # fmt: skip
def test_disconnect_waits_for_the_connections_messages_unless_immediate(
    tmp_path: Path, order: str, expected: list[str]
) -> None:
    with Running(make_project(tmp_path, TABLE_SPEC, HANDLERS), disconnect_order=order) as srv:
        with connect(srv.url) as ws:
            ws.send('{"action": "slow"}')
            time.sleep(0.2)  # the message is running
        wait_until(lambda: len(_records(srv)) == 2)
        assert [r["what"] for r in _records(srv)] == expected


@pytest.mark.slow
def test_a_client_connecting_the_moment_the_port_opens_gets_its_connect(tmp_path: Path) -> None:
    spec = make_project(tmp_path, TABLE_SPEC, HANDLERS)
    port = free_port()
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - the child owns it
    proc = subprocess.Popen(
        [sys.executable, "-m", "wsspec", "serve", str(spec), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=log,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "EVENTS_FILE": str(tmp_path / "e.jsonl")},
    )
    try:
        deadline = time.monotonic() + 60
        while True:  # as fast as possible: the first connect that is not refused
            try:
                with connect(f"ws://127.0.0.1:{port}/prod", open_timeout=30) as ws:
                    ws.send("who am I?")
                    assert ws.recv(timeout=20) == "stored"  # its $connect ran before the 101
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.002)
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()
    assert "function not emulated" not in (tmp_path / "serve.log").read_text()


def test_closing_a_function_waits_for_its_workers_together(monkeypatch):
    """Shutdown killed the workers, then waited for each one's pipes for up to 5 s in turn: a
    few workers whose pipes closed late would add up past half a minute. They are now waited
    for together, ``CLOSE_WAIT`` seconds in all."""
    import asyncio
    import collections
    from types import SimpleNamespace

    from wsspec.serve import invoke

    monkeypatch.setattr(invoke, "CLOSE_WAIT", 0.2)
    waiting = {"now": 0, "most": 0}

    class _Worker:
        inflight: collections.deque[object] = collections.deque()

        def kill(self) -> None:
            pass

        async def wait(self) -> None:  # pipes that never close
            waiting["now"] += 1
            waiting["most"] = max(waiting["most"], waiting["now"])
            try:
                await asyncio.Event().wait()
            finally:
                waiting["now"] -= 1

    runner = SimpleNamespace(
        _closed=False,
        workers={_Worker() for _ in range(5)},
        retired=set(),
        idle=collections.deque(),
        pending=collections.deque(),
    )
    asyncio.run(invoke.FunctionRunner.close(runner))  # type: ignore[arg-type]
    assert waiting == {"now": 0, "most": 5}  # all five at once, and none left waiting
