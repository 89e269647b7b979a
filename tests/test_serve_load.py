"""`wsspec serve` as a process, under load and at its edges in time (issue 22): no client is
admitted before the authorizer can run, Ctrl-C at any moment of start-up leaves nothing behind,
and a flood of connections, half-sent heads and a malformed request neither slows a fresh client
down nor delays shutdown. Real sockets on 127.0.0.1; bounded in count and time."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.servers import free_port
from tests.test_serve_support import ECHO, make_project, wait_until

ROOT = Path(__file__).resolve().parent.parent

DENY_ALL = """
wsspec: 1
api: {name: denyall}
routes:
  $connect: {function: recorder, authorizer: nobody}
  $default: {function: recorder}
authorizers:
  nobody: {function: deny, identity_source: [route.request.querystring.token]}
functions:
  deny: {handler: handlers/deny.py}
  recorder: {handler: handlers/recorder.py, grants: [connection_table]}
connections: true
"""
DENY = """
def handler(event, context):
    return {"principalId": "nobody", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": event["methodArn"]}]}}
"""
RECORDER = """
def handler(event, context):
    return {"statusCode": 200}
"""
ECHO_SPEC = """
wsspec: 1
api: {name: load}
routes:
  $default: {function: echo, response: true}
functions:
  echo: {handler: handlers/echo.py}
"""


def _serve(spec: Path, port: int, *args: str, env: dict[str, str] | None = None):
    # The log goes to a file: an unread pipe would fill up and block serve.
    log = open(spec.parent / "serve.log", "a")  # noqa: SIM115 - the child owns it
    return subprocess.Popen(
        [sys.executable, "-m", "wsspec", "serve", str(spec), "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        preexec_fn=_terminal_signals,
    )


def _terminal_signals() -> None:
    """serve as started from a terminal: Ctrl-C not ignored. A test run started in the
    background of a non-interactive shell (``.ci/run &``) ignores SIGINT, serve inherits that,
    and Python keeps ignoring it until the event loop takes it over: a Ctrl-C during the
    imports was then ignored, as it would be for any background job."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_ready(proc: subprocess.Popen[str], timeout: float = 60) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        if "Ctrl-C to stop" in line:
            return
        if time.monotonic() > deadline:
            break
    raise AssertionError("serve did not start (see serve.log)")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.mark.slow
def test_no_client_is_admitted_while_serve_starts(tmp_path: Path) -> None:
    """A deny-all authorizer and a connection table (so start-up takes seconds): clients that
    hammer the port from the moment serve is launched are refused until it is ready, then get
    the authorizer's 403. None is ever admitted."""
    spec = make_project(tmp_path, DENY_ALL, {"deny.py": DENY, "recorder.py": RECORDER})
    port = free_port()
    outcomes: dict[str, int] = {}
    stop = threading.Event()
    lock = threading.Lock()

    def hammer() -> None:
        while not stop.is_set():
            try:
                with connect(f"ws://127.0.0.1:{port}/prod?token=t", open_timeout=5):
                    kind = "admitted"
            except InvalidStatus as exc:
                kind = str(exc.response.status_code)
            except OSError:
                kind = "refused"
                time.sleep(0.005)
            except Exception as exc:  # noqa: BLE001 - any other failure is not an admission
                kind = type(exc).__name__
            with lock:
                outcomes[kind] = outcomes.get(kind, 0) + 1

    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    proc = _serve(spec, port)
    try:
        _wait_ready(proc)
        wait_until(lambda: outcomes.get("403", 0) >= 20, timeout=30)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        _stop(proc)
    print("outcomes:", outcomes)
    assert outcomes.get("admitted", 0) == 0
    assert outcomes.get("refused", 0) > 0 and outcomes.get("403", 0) >= 20


def _marked_processes(mark: str) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if mark.encode() in (entry / "environ").read_bytes():
                out.append(int(entry.name))
        except OSError:
            continue
    return out


@pytest.mark.slow
def test_ctrl_c_early_in_start_up_leaves_no_local_aws_behind(tmp_path: Path) -> None:
    """Issue 22 item 17: Ctrl-C in the first moments of start-up orphaned the moto server."""
    spec = make_project(tmp_path, DENY_ALL, {"deny.py": DENY, "recorder.py": RECORDER})
    for delay in (0.4, 0.7, 1.0, 1.4):
        mark = f"WSSPEC_TEST_MARK={uuid.uuid4().hex}"
        proc = _serve(spec, free_port(), env=dict([mark.split("=", 1)]))
        try:
            time.sleep(delay)
            proc.send_signal(signal.SIGINT)
            proc.wait(30)  # 0 once serve runs, 130 when still importing: either way, no leftovers
        finally:
            _stop(proc)
        left = wait_until(lambda m=mark: not _marked_processes(m) or None, timeout=15)
        assert left, f"processes left after Ctrl-C at {delay} s"


def _raise_nofile(want: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))


@pytest.mark.slow
def test_a_flood_does_not_slow_a_fresh_client_or_delay_shutdown(tmp_path: Path) -> None:
    """2,000 open WebSockets, 200 half-sent request heads and one malformed request: a fresh
    client's two-way echo still answers within 1 s, and SIGTERM stops serve within 5 s."""
    n_ws, n_heads = 2000, 200
    _raise_nofile(2 * (n_ws + n_heads) + 500)  # inherited by serve
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft < n_ws + n_heads + 200:
        pytest.skip(f"RLIMIT_NOFILE is {soft}: too low for {n_ws} connections")
    spec = make_project(tmp_path, ECHO_SPEC, {"echo.py": ECHO})
    port = free_port()
    proc = _serve(spec, port, "--set", "request_timeout=60")
    try:
        _wait_ready(proc)
        asyncio.run(_flood(port, n_ws, n_heads, proc))
    finally:
        _stop(proc)


async def _flood(port: int, n_ws: int, n_heads: int, proc: subprocess.Popen[str]) -> None:
    from websockets.asyncio.client import connect as aconnect

    url = f"ws://127.0.0.1:{port}/prod"
    clients = []
    sem = asyncio.Semaphore(200)

    async def one() -> None:
        async with sem:
            clients.append(await aconnect(url, open_timeout=60, ping_interval=None))

    await asyncio.gather(*(one() for _ in range(n_ws)))
    heads = []
    for _ in range(n_heads):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET /prod HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: web")
        heads.append(s)
    bad = socket.create_connection(("127.0.0.1", port), timeout=10)
    bad.sendall(b"GET /prod/@connections/x HTTP/1.1\r\nHost: h\r\nContent-Length: -58\r\n\r\n")
    assert bad.recv(100).startswith(b"HTTP/1.1 400 ")
    try:
        for i in range(3):
            t0 = time.monotonic()
            async with aconnect(url, open_timeout=5) as fresh:
                await fresh.send(f"ping {i}")
                assert await asyncio.wait_for(fresh.recv(), 5) == f"ping {i}"
            took = time.monotonic() - t0
            print(f"fresh client {i}: {took * 1000:.0f} ms")
            assert took < 1.0
        assert all(c.state.name == "OPEN" for c in clients)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, 30)
        print(f"stopped in {time.monotonic() - t0:.2f} s")
        assert time.monotonic() - t0 < 5.0 and proc.returncode == 0
    finally:
        for s in [*heads, bad]:
            s.close()
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
