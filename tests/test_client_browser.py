"""The TypeScript client in a real browser: bundled by esbuild into a page that headless Chromium
(Debian's package) loads; the page connects to ``wsspec serve`` with the browser's own WebSocket,
sends a chat message and shows what it receives in the DOM, read back through the Chrome
DevTools protocol."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect as ws_connect

from tests.clients_npm import DRIVERS, node_modules, tool
from tests.test_serve_support import Running, load
from wsspec.targets import client_ts

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CHAT = ROOT / "samples" / "chat.yaml"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--remote-debugging-port=0",
]


def _bundle(tmp: Path) -> Path:
    modules = node_modules()
    site = tmp / "site"
    site.mkdir()
    (site / "client.ts").write_text(client_ts.source(load(CHAT)))
    shutil.copy(DRIVERS / "page.ts", site / "page.ts")
    shutil.copy(DRIVERS / "index.html", site / "index.html")
    r = subprocess.run(
        [
            tool(modules, "esbuild"),
            "page.ts",
            "--bundle",
            "--format=iife",
            "--target=es2020",
            "--outfile=bundle.js",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=site,
    )
    assert r.returncode == 0, r.stderr
    return site / "index.html"


class DevTools:
    """Headless Chromium on a page, and one DevTools-protocol connection to that page."""

    def __init__(self, url: str, profile: Path) -> None:
        self.url, self.profile = url, profile
        self.next_id = 0

    def __enter__(self) -> DevTools:
        self.log = (self.profile.parent / "chromium.log").open("w")
        self.proc = subprocess.Popen(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={self.profile}", self.url],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one below
        )
        try:
            port = self._port()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
                pages = [t for t in json.load(resp) if t["type"] == "page"]
            self.connection = ws_connect(pages[0]["webSocketDebuggerUrl"], max_size=None)
            self.ws = self.connection.__enter__()
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.connection.__exit__(None, None, None)
        finally:
            self._stop()

    def _port(self) -> int:
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            assert self.proc.poll() is None, "chromium exited: see chromium.log"
            time.sleep(0.1)
        raise AssertionError("chromium did not open its DevTools port within 60 s")

    def _stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self.proc.wait(30)
        self.log.close()

    def evaluate(self, expression: str) -> Any:
        self.next_id += 1
        params = {"expression": expression, "returnByValue": True}
        self.ws.send(
            json.dumps({"id": self.next_id, "method": "Runtime.evaluate", "params": params})
        )
        while True:
            reply = json.loads(self.ws.recv(timeout=30))
            if reply.get("id") == self.next_id:
                return reply["result"]["result"].get("value")


@pytest.mark.skipif(
    not (ROOT / "samples" / "handlers" / "send_message.py").exists(),
    reason="the chat sample's handlers are not generated yet",
)
def test_the_client_in_headless_chromium_shows_a_received_message(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        reason = "/usr/bin/chromium is missing (apt-get install -y chromium; .ci/run does it)"
        print(f"SKIP browser test: {reason}")
        pytest.skip(reason)
    page = _bundle(tmp_path)
    with Running(CHAT) as srv:
        with DevTools(f"{page.as_uri()}?ws={srv.url}", tmp_path / "profile") as browser:
            deadline = time.monotonic() + 30
            items: list[str] = []
            while time.monotonic() < deadline and not items:
                items = (
                    browser.evaluate(
                        "Array.from(document.querySelectorAll('#log li'), li => li.textContent)"
                    )
                    or []
                )
                time.sleep(0.1)
            status = browser.evaluate("document.getElementById('status').textContent")
    assert status == "connected"
    assert items == ["hello from the browser"]
    lines = "\n".join(srv.lines)
    assert "CONNECT    $connect" in lines and "MESSAGE    sendmessage" in lines
