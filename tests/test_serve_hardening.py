"""`wsspec serve` against hostile or broken peers (issue 22): every byte read from the network is
bounded in size and time, one bad request or handler never stops the server, and nothing it
starts outlives it. Real sockets on 127.0.0.1, every wait bounded."""

from __future__ import annotations

import dataclasses
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests.test_serve_support import ECHO, Running, make_project, wait_until
from wsspec.serve.http11 import HttpError, parse_head

FRAME_RE = (
    r'\{"message": "%s", "connectionId":"[A-Za-z0-9_=-]{16}", "requestId":"[A-Za-z0-9_=-]{16}"\}'
)

SPEC = """
wsspec: 1
api: {name: hard}
routes:
  echo: {function: echo, response: true}
  big: {function: big, response: true}
  hog: {function: hog, response: true}
  spawn: {function: spawn, response: true}
  scribble: {function: scribble, response: true}
functions:
  echo: {handler: handlers/echo.py}
  big: {handler: handlers/big.py}
  hog: {handler: handlers/hog.py, memory: 128}
  spawn: {handler: handlers/spawn.py}
  scribble: {handler: handlers/scribble.py}
"""
BIG = """
import json

def handler(event, context):
    size = json.loads(event["body"])["size"]
    return {"statusCode": 200, "body": "x" * size}
"""
HOG = """
def handler(event, context):
    block = bytearray(1024 * 1024 * 1024)  # 1 GB in a 128 MB function
    return {"statusCode": 200, "body": str(len(block))}
"""
SPAWN = """
import os, subprocess

def handler(event, context):
    child = subprocess.Popen(["sleep", "300"])
    with open(os.environ["PID_FILE"], "w") as f:
        f.write(str(child.pid))
    return {"statusCode": 200, "body": "spawned"}
"""
SCRIBBLE = """
import sys

def handler(event, context):
    # The worker's private reply pipe, as a handler could find it: garbage on it.
    pipe = sys.modules["__main__"]._OUT
    pipe.write(b"\\x00\\x00\\x00\\x05Zjunk")
    return {"statusCode": 200, "body": "never seen"}
"""


@pytest.fixture()
def hard(tmp_path: Path):
    path = make_project(
        tmp_path,
        SPEC,
        {
            "echo.py": ECHO,
            "big.py": BIG,
            "hog.py": HOG,
            "spawn.py": SPAWN,
            "scribble.py": SCRIBBLE,
        },
    )
    with Running(
        path,
        request_timeout=1.0,
        keepalive_timeout=2.0,
        extra_env={"PID_FILE": str(tmp_path / "child.pid")},
    ) as srv:
        yield srv


def raw(port: int, data: bytes, timeout: float = 5.0) -> tuple[bytes, bool]:
    """Send ``data``; read until the server closes or ``timeout`` passes: (answer, closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                return out, False
            if not chunk:
                return out, True
            out += chunk
        return out, False


def echo_works(srv: Running) -> bool:
    with connect(srv.url, open_timeout=5) as ws:
        ws.send('{"action": "echo"}')
        return ws.recv(timeout=5) == '{"action": "echo"}'


# ------------------------------------------------------------------------------- the parser
@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GET /prod/@connections/x HTTP/1.1\r\nHost: h\r\nContent-Length: -58\r\n\r\n", 400),
        (b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n", 400),
        (b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
        (b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999\r\n\r\n", 400),
        (b"POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 411),
        (b"GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        (b"GET /x HTTP/1.1\r\n\r\n", 400),
        (b"GET /x HTTP/1.1\r\nHost : h\r\n\r\n", 400),
        (b"GET /x HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400),
        (b"GET /x HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", 400),
        (b"GET /x HTTP/2.0\r\nHost: h\r\n\r\n", 505),
        (b"GET x HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        (b"GET /x HTTP/1.1\r\nHost: h\r\n" + b"X: y\r\n" * 101 + b"\r\n", 431),
        (b"GET /x HTTP/1.1\r\nHost: h\r\nX: " + b"y" * 40000, 431),
    ],
)
def test_malformed_or_oversized_heads_are_refused_with_a_status(head: bytes, status: int) -> None:
    with pytest.raises(HttpError) as e:
        parse_head(head)
    assert e.value.status == status


def test_a_well_formed_head_is_parsed_with_its_body_length() -> None:
    head = parse_head(
        b"POST /prod/@connections/a%3D HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
    )
    assert head is not None and head.length == 3 and head.keep_alive and not head.upgrade
    assert parse_head(b"POST /x HTTP/1.1\r\nHost: h\r\n") is None  # incomplete, within bounds


# ------------------------------------------------------------------------------- item 1
def test_a_negative_content_length_gets_400_and_the_server_keeps_serving(hard: Running) -> None:
    """Issue 22 item 1: this request used to freeze the parser (a loop re-reading one head)."""
    bad = b"GET /prod/@connections/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -58\r\n\r\n"
    answer, closed = raw(hard.gw.port, bad)
    assert answer.startswith(b"HTTP/1.1 400 ") and closed
    assert echo_works(hard)


# ------------------------------------------------------------------------------- item 15
def test_an_upgrade_with_two_host_headers_gets_400_and_is_closed(hard: Running) -> None:
    req = (
        b"GET /prod HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n"
        b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    answer, closed = raw(hard.gw.port, req)
    assert answer.startswith(b"HTTP/1.1 400 ") and closed


# ------------------------------------------------------------------------------- item 16
def test_incomplete_heads_and_silent_connections_time_out(hard: Running) -> None:
    socks = []
    try:
        for i in range(20):
            s = socket.create_connection(("127.0.0.1", hard.gw.port), timeout=10)
            if i % 2:
                s.sendall(b"GET /prod HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            socks.append(s)
        t0 = time.monotonic()
        for s in socks:  # request_timeout is 1 s here: each is answered 408 or closed
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            assert data == b"" or data.startswith(b"HTTP/1.1 408 ")
        assert time.monotonic() - t0 < 8
    finally:
        for s in socks:
            s.close()
    assert echo_works(hard)


def test_an_idle_keep_alive_connection_is_closed(hard: Running) -> None:
    with socket.create_connection(("127.0.0.1", hard.gw.port), timeout=10) as s:
        s.sendall(b"GET /prod/@connections/nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = s.recv(4096)
        assert first.startswith(b"HTTP/1.1 410 ")
        assert s.recv(4096) == b""  # closed after keepalive_timeout (2 s here)


# ------------------------------------------------------------------------------- item 17
def test_a_two_way_reply_over_128kb_is_never_delivered(hard: Running) -> None:
    with connect(hard.url) as ws:
        ws.send(json.dumps({"action": "big", "size": 200 * 1024}))
        assert re.fullmatch(FRAME_RE % "Internal server error", ws.recv(timeout=10))
        ws.send(json.dumps({"action": "big", "size": 10 * 1024 * 1024}))  # over Lambda's 6 MB
        assert re.fullmatch(FRAME_RE % "Internal server error", ws.recv(timeout=20))
        ws.send(json.dumps({"action": "big", "size": 1000}))
        assert ws.recv(timeout=10) == "x" * 1000
    log = "\n".join(hard.lines)
    assert "over the 131072-byte message limit" in log
    assert "Function.ResponseSizeTooLarge" in log


def test_a_function_cannot_allocate_far_beyond_its_memory(hard: Running) -> None:
    with connect(hard.url) as ws:
        ws.send('{"action": "hog"}')
        assert re.fullmatch(FRAME_RE % "Internal server error", ws.recv(timeout=20))
    assert any("MemoryError" in line for line in hard.lines)
    assert echo_works(hard)


def test_a_process_a_handler_started_does_not_outlive_the_server(tmp_path: Path) -> None:
    path = make_project(
        tmp_path,
        SPEC,
        {"echo.py": ECHO, "spawn.py": SPAWN, "big.py": BIG, "hog.py": HOG, "scribble.py": SCRIBBLE},
    )
    pid_file = tmp_path / "child.pid"
    with Running(path, extra_env={"PID_FILE": str(pid_file)}) as srv:
        with connect(srv.url) as ws:
            ws.send('{"action": "spawn"}')
            assert ws.recv(timeout=10) == "spawned"
        pid = int(pid_file.read_text())
        assert Path(f"/proc/{pid}").exists()
    assert wait_until(lambda: not _alive(pid), timeout=10)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# ------------------------------------------------------------------------------- item 18
def test_a_handler_writing_to_the_reply_pipe_is_a_clean_worker_crash(hard: Running) -> None:
    t0 = time.monotonic()
    with connect(hard.url) as ws:
        ws.send('{"action": "scribble"}')
        assert re.fullmatch(FRAME_RE % "Internal server error", ws.recv(timeout=10))
        assert time.monotonic() - t0 < 8  # not the 29 s integration timeout
        ws.send('{"action": "echo"}')
        assert ws.recv(timeout=10) == '{"action": "echo"}'
    assert any("worker protocol error" in line for line in hard.lines)
    assert not any("Traceback" in line for line in hard.lines)


# ------------------------------------------------------------------------------- item 4
MODELS = """
wsspec: 1
api: {name: refs}
routes:
  put:
    function: echo
    response: true
    model_selection: "$request.body.kind"
    request_models: {item: Item}
functions:
  echo: {handler: handlers/echo.py}
models:
  Item:
    schema:
      type: object
      properties: {name: {type: string}}
"""


def test_model_refs_outside_the_model_are_never_fetched(tmp_path: Path) -> None:
    """Issue 22 item 4 (serve's side): a model whose $ref points at a slow host. serve answers
    at once (Bad request body), the host is never contacted, and the start-up names the ref."""
    hits: list[str] = []

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            time.sleep(5)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"type": "object"}')

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        path = make_project(tmp_path, MODELS, {"echo.py": ECHO})
        srv = Running(path)
        remote = f"http://127.0.0.1:{httpd.server_address[1]}/item.json"
        (model,) = srv.spec.models
        schema = {"type": "object", "properties": {"name": {"$ref": remote}}}
        srv.spec = dataclasses.replace(
            srv.spec, models=(dataclasses.replace(model, schema=schema),)
        )
        with srv:
            assert any(remote in n and "not fetched" in n for n in srv.gw.notes)
            with connect(srv.url) as ws:
                t0 = time.monotonic()
                ws.send('{"action": "put", "kind": "item", "name": "a"}')
                assert "Bad request body" in ws.recv(timeout=10)
                assert time.monotonic() - t0 < 4
    finally:
        httpd.shutdown()
    assert hits == []


def test_model_refs_inside_the_model_resolve(tmp_path: Path) -> None:
    path = make_project(tmp_path, MODELS, {"echo.py": ECHO})
    srv = Running(path)
    (model,) = srv.spec.models
    schema = {
        "definitions": {"name": {"type": "string"}},
        "type": "object",
        "properties": {"name": {"$ref": "#/definitions/name"}},
    }
    srv.spec = dataclasses.replace(srv.spec, models=(dataclasses.replace(model, schema=schema),))
    with srv, connect(srv.url) as ws:
        ws.send('{"action": "put", "kind": "item", "name": "a"}')
        assert ws.recv(timeout=10) == '{"action": "put", "kind": "item", "name": "a"}'
        ws.send('{"action": "put", "kind": "item", "name": 5}')
        assert "Bad request body" in ws.recv(timeout=10)


NODE_SPEC = """
wsspec: 1
api: {name: hardnode}
routes:
  scribble: {function: scribble, response: true}
  echo: {function: echo, response: true}
functions:
  scribble: {handler: handlers/scribble.js, runtime: nodejs20.x}
  echo: {handler: handlers/echo.js, runtime: nodejs20.x}
"""
NODE_SCRIBBLE = """
const fs = require("fs");
exports.handler = async () => {
  fs.writeSync(1, "garbage on the reply pipe");  // fd 1 is the worker's reply pipe
  return { statusCode: 200, body: "never seen" };
};
"""
NODE_ECHO = """
exports.handler = async (event) => ({ statusCode: 200, body: event.body });
"""


def test_a_node_handler_writing_to_the_reply_pipe_is_a_clean_worker_crash(tmp_path: Path) -> None:
    import shutil

    if shutil.which("node") is None:
        print("SKIP: node is not on PATH")
        pytest.skip("node is not on PATH")
    path = make_project(tmp_path, NODE_SPEC, {"scribble.js": NODE_SCRIBBLE, "echo.js": NODE_ECHO})
    with Running(path) as srv, connect(srv.url) as ws:
        t0 = time.monotonic()
        ws.send('{"action": "scribble"}')
        assert re.fullmatch(FRAME_RE % "Internal server error", ws.recv(timeout=10))
        assert time.monotonic() - t0 < 8
        ws.send('{"action": "scribble"}')  # a fresh worker, the same crash
        assert re.fullmatch(FRAME_RE % "Internal server error", ws.recv(timeout=10))
        ws.send('{"action": "echo"}')
        assert ws.recv(timeout=10) == '{"action": "echo"}'
    assert any("worker protocol error" in line for line in srv.lines)
