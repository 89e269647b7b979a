"""End to end: two clients chat through samples/chat.yaml's handlers and the local table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests.test_serve_support import Running, wait_until

ROOT = Path(__file__).resolve().parent.parent
CHAT = ROOT / "samples" / "chat.yaml"


def _table_ids(srv: Running) -> set[str]:
    items = srv.gw.dynamo.client().scan(TableName=srv.gw.dynamo.name)["Items"]
    return {i["connectionId"]["S"] for i in items}


@pytest.mark.skipif(
    not (ROOT / "samples" / "handlers" / "send_message.py").exists(),
    reason="the chat sample's handlers are not generated yet",
)
@pytest.mark.parametrize(
    "callback_url_env",
    [True, False],
    ids=["with WSSPEC_CALLBACK_URL", "as on AWS, through the event's domainName"],
)
def test_two_clients_chat_through_the_sample_handlers_and_table(callback_url_env: bool) -> None:
    with Running(CHAT, callback_url_env=callback_url_env) as srv:
        assert srv.gw.dynamo is not None and srv.gw.dynamo.endpoint.startswith("http://127.0.0.1:")
        with connect(srv.url) as alice, connect(srv.url) as bob:
            assert (
                len(wait_until(lambda: _table_ids(srv) if len(_table_ids(srv)) == 2 else None)) == 2
            )
            alice.send(json.dumps({"action": "sendmessage", "data": "hi bob"}))
            assert bob.recv(timeout=15) == "hi bob"
            assert alice.recv(timeout=15) == "hi bob"  # the sender is included
            bob.send(json.dumps({"action": "sendmessage", "data": "hi alice"}))
            assert alice.recv(timeout=15) == "hi alice"
            assert bob.recv(timeout=15) == "hi alice"
            alice.send("what can I do?")  # not JSON: $default, a two-way route
            assert "sendmessage" in alice.recv(timeout=15)
            bob.close()
            wait_until(lambda: len(_table_ids(srv)) == 1)  # $disconnect removed bob
            alice.send(json.dumps({"action": "sendmessage", "data": "anyone?"}))
            assert alice.recv(timeout=15) == "anyone?"
        wait_until(lambda: not _table_ids(srv))
    lines = "\n".join(srv.lines)
    assert "MESSAGE    sendmessage" in lines and "DISCONNECT $disconnect" in lines
