"""The Python client: every sample's passes ``mypy --strict`` (Python 3.11 and 3.10) and ruff;
wrong types are type errors; it sends and dispatches exactly what the spec says; two clients
chat through ``wsspec serve``, outlive the idle timeout and reconnect after a 1001 close."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.test_serve_support import Running, load
from wsspec.targets import client_py

ROOT = Path(__file__).resolve().parent.parent
CHAT = ROOT / "samples" / "chat.yaml"
NASTY = ROOT / "tests" / "data_clients" / "nasty.yaml"
SPECS = sorted((ROOT / "samples").glob("*.yaml")) + [NASTY]
MYPY_ERROR = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): error:", re.M)


def _write_client(spec_file: Path, where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    path = where / "client.py"
    path.write_text(client_py.source(load(spec_file)))
    return path


def _import(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


class FakeConnection:
    """Stands in for websockets' connection: records what is sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, text: str) -> None:
        self.sent.append(text)


def test_a_client_sends_and_dispatches_what_the_spec_says(tmp_path: Path) -> None:
    spec = load(NASTY)
    route = next(r.key for r in spec.routes if r.key.startswith("it's"))
    mod = _import(_write_client(NASTY, tmp_path), "wsspec_test_nasty_client")
    events: list[tuple[str, Any]] = []

    async def main() -> FakeConnection:
        client = mod.Client(
            "ws://x",
            query={},
            headers={},
            protocols=None,
            reconnect=None,
            keep_alive=None,
            open_timeout=1,
            ping_interval=None,
        )
        fake = FakeConnection()
        client._ws = fake
        client._opened.set()
        for name in ("Event", "Reply", "Notice"):
            client.on(name, lambda m, name=name: events.append((name, m)))
        client.on_gateway_error(lambda e: events.append(("gateway", e)))
        await client.it_s_q({"na me": "x", "class": 1, "*/": 'a"b', '"q"': []})
        await client.post_it({"extra": 1})
        await client.default("free text")
        for text in (
            json.dumps({"type": "event", "payload": {"a": 1}}),
            json.dumps({"ok": True}),
            "just text",
            json.dumps({"message": "Forbidden", "connectionId": "c", "requestId": "r"}),
        ):
            await client._dispatch(text)
        return fake

    fake = asyncio.run(main())
    first, second, third = fake.sent
    assert json.loads(first)["action"] == route  # the route key, character for character
    assert json.loads(second) == {"extra": 1, "action": "send message"}
    assert third == "free text"
    assert events == [
        ("Event", {"type": "event", "payload": {"a": 1}}),
        ("Reply", {"ok": True}),
        ("Notice", "just text"),
        ("gateway", {"message": "Forbidden", "connectionId": "c", "requestId": "r"}),
    ]


def test_connect_puts_the_token_and_parameters_where_the_spec_reads_them(tmp_path: Path) -> None:
    mod = _import(_write_client(NASTY, tmp_path), "wsspec_test_nasty_client2")
    seen: dict[str, Any] = {}

    async def fake_open(self: Any) -> Any:
        seen.update(url=self._target, headers=self._headers, protocols=self._protocols)
        raise OSError("no network in this test")

    mod.Client._open = fake_open
    with pytest.raises(mod.ConnectError):
        asyncio.run(
            mod.connect(
                "wss://example.test/prod",
                token='to"ken',
                query={"room": "r&1"},
                headers={"X-Trace": "t"},
                protocols=["p1"],
            )
        )
    assert seen == {
        "url": "wss://example.test/prod?room=r%261",
        "headers": {"X-Trace": "t", "Authorization": 'to"ken'},
        "protocols": ["p1"],
    }


@pytest.mark.slow
def test_every_client_passes_mypy_strict_and_ruff(tmp_path: Path) -> None:
    files = []
    for s in SPECS:  # one module name per client, so one mypy run checks them all
        path = tmp_path / f"client_{s.stem.replace('-', '_')}.py"
        path.write_text(client_py.source(load(s)))
        files.append(str(path))
    for version in ("3.11", "3.10"):
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "mypy",
                "--strict",
                "--no-incremental",
                "--python-version",
                version,
                *files,
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
        assert r.returncode == 0, f"Python {version}:\n{r.stdout}"
        assert f"no issues found in {len(files)} source files" in r.stdout
    r = subprocess.run(
        ["ruff", "check", "--isolated", "--target-version", "py310", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout


@pytest.mark.slow
def test_wrong_types_are_type_errors_and_right_ones_check(tmp_path: Path) -> None:
    _write_client(CHAT, tmp_path)
    fixture = ROOT / "tests" / "data_clients" / "typecheck_chat.py"
    shutil.copy(fixture, tmp_path / fixture.name)
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", fixture.name],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    marked = {
        i for i, line in enumerate(fixture.read_text().splitlines(), 1) if line.endswith("# error")
    }
    errors = {int(m["line"]) for m in MYPY_ERROR.finditer(r.stdout) if m["file"] == fixture.name}
    assert marked and r.returncode != 0
    assert errors == marked, r.stdout
    assert all(m["file"] == fixture.name for m in MYPY_ERROR.finditer(r.stdout)), r.stdout


async def _chat(mod: ModuleType, url: str) -> dict[str, Any]:
    got: dict[str, Any] = {"alice": [], "bob": [], "opens": [], "closes": []}
    options = dict(
        reconnect=mod.Reconnect(initial_delay=0.1, max_delay=0.5),
        keep_alive=mod.KeepAlive(interval=0.4),
    )
    alice = await mod.connect(url, **options)
    bob = await mod.connect(url, **options)
    for name, client in (("alice", alice), ("bob", bob)):
        client.on("ChatMessage", lambda text, name=name: got[name].append(text))
        client.on_open(lambda name=name: got["opens"].append(name))
        client.on_close(
            lambda code, reason, again, name=name: got["closes"].append([name, code, again])
        )

    async def until(condition: Any, timeout: float = 15.0) -> bool:
        for _ in range(int(timeout / 0.02)):
            if condition():
                return True
            await asyncio.sleep(0.02)
        return False

    await alice.sendmessage({"data": "hi bob"})
    got["chatted"] = await until(lambda: "hi bob" in got["bob"] and "hi bob" in got["alice"])
    await asyncio.sleep(3.0)  # longer than the server's idle timeout: the keep-alive holds on
    got["closes_while_idle"] = len(got["closes"])
    got["reconnected"] = await until(lambda: sorted(got["opens"]) == ["alice", "bob"], 20.0)
    await alice.wait_open()
    await bob.wait_open()
    await bob.sendmessage({"data": "back again"})
    got["chatted_again"] = await until(lambda: "back again" in got["alice"])
    await alice.close()
    await bob.close()
    got["connected_after_close"] = alice.connected or bob.connected
    return got


@pytest.mark.slow
@pytest.mark.skipif(
    not (ROOT / "samples" / "handlers" / "send_message.py").exists(),
    reason="the chat sample's handlers are not generated yet",
)
def test_two_clients_chat_through_serve_and_reconnect_after_1001(tmp_path: Path) -> None:
    mod = _import(_write_client(CHAT, tmp_path), "wsspec_test_chat_client")
    with Running(CHAT, idle_timeout=1.5, max_lifetime=6.0) as srv:
        got = asyncio.run(_chat(mod, srv.url))
    assert got["chatted"] and got["alice"][0] == "hi bob" and got["bob"][0] == "hi bob"
    assert got["closes_while_idle"] == 0  # the keep-alive outlived the 1.5 s idle timeout
    assert sorted(got["closes"][:2]) == [["alice", 1001, True], ["bob", 1001, True]]
    assert got["reconnected"] and got["chatted_again"]
    assert got["closes"][-2:] == [["alice", 1000, False], ["bob", 1000, False]]
    assert not got["connected_after_close"]
    lines = "\n".join(srv.lines)
    assert "MESSAGE    keepalive" in lines
