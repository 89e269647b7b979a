"""The event loop `wsspec serve` runs on (``wsspec.serve.eventloop``): uvloop when installed,
the standard library's with ``--loop asyncio``; on both, a worker leads its own process group
(uvloop does not take ``process_group``, so it gets ``preexec_fn``) and messages round-trip."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from websockets.sync.client import connect

from tests.servers import free_port
from tests.test_serve_load import _serve, _stop, _wait_ready
from tests.test_serve_support import ECHO, make_project
from wsspec.cli import app
from wsspec.serve import eventloop

SPEC = """
wsspec: 1
api: {name: loops}
routes:
  $default: {function: echo, response: true}
functions:
  echo: {handler: handlers/echo.py}
stages:
  prod: {throttling: {burst: 10, rate: 10}}
"""
HAS_UVLOOP = eventloop.available("uvloop")


def test_auto_is_uvloop_when_installed_and_asyncio_is_always_there() -> None:
    assert eventloop.resolve("auto") == ("uvloop" if HAS_UVLOOP else "asyncio")
    assert eventloop.resolve("asyncio") == "asyncio"
    with pytest.raises(ValueError, match="unknown event loop"):
        eventloop.resolve("trio")


def test_asking_for_uvloop_without_it_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = make_project(tmp_path, SPEC, {"echo.py": ECHO})
    monkeypatch.setattr(eventloop, "available", lambda name: name == "asyncio")
    assert eventloop.resolve("auto") == "asyncio"
    result = CliRunner().invoke(app, ["serve", str(spec), "--loop", "uvloop"])
    assert result.exit_code == 2, result.output
    assert "uvloop is not installed" in result.stderr and "Traceback" not in result.output


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_each_loop_serves_and_each_worker_leads_its_own_process_group(
    tmp_path: Path, loop: str
) -> None:
    if loop == "uvloop" and not HAS_UVLOOP:
        pytest.skip("uvloop is not installed here (not on Windows or PyPy)")
    spec = make_project(tmp_path, SPEC, {"echo.py": ECHO})
    port = free_port()
    proc = _serve(spec, port, "--loop", loop, "--no-reload", "--concurrency", "1")
    try:
        _wait_ready(proc)
        with connect(f"ws://127.0.0.1:{port}/prod", open_timeout=30) as ws:
            for i in range(20):
                ws.send(f"hello {i}")
                assert ws.recv(timeout=30) == f"hello {i}"
        deadline = time.monotonic() + 30
        workers = [p for p in _children(proc.pid) if p != proc.pid]
        while not workers and time.monotonic() < deadline:
            time.sleep(0.1)
            workers = _children(proc.pid)
        assert workers, "no worker process"
        serve_group = os.getpgid(proc.pid)
        for pid in workers:
            assert os.getpgid(pid) == pid != serve_group  # leads its own group
            assert os.getsid(pid) == os.getsid(proc.pid)  # in serve's session
    finally:
        _stop(proc)
