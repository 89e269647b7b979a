"""The TypeScript client: every sample's compiles with ``tsc --strict`` (with no library but the
ECMAScript one, so it depends on nothing); wrong types are compile errors; a compiled client
sends and dispatches exactly what the spec says; two compiled clients chat through
``wsspec serve``, survive the idle timeout and reconnect after the server closes them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.clients_npm import DRIVERS, node_env, node_modules, tool
from tests.test_serve_support import Running, load
from wsspec.targets import client_ts

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CHAT = ROOT / "samples" / "chat.yaml"
NASTY = ROOT / "tests" / "data_clients" / "nasty.yaml"
SPECS = sorted((ROOT / "samples").glob("*.yaml")) + [NASTY]
STRICTER = [
    "--strict",
    "--noUnusedLocals",
    "--noUnusedParameters",
    "--exactOptionalPropertyTypes",
    "--noImplicitReturns",
    "--noUncheckedIndexedAccess",
    "--noPropertyAccessFromIndexSignature",
    "--noImplicitOverride",
]
TSC_ERROR = re.compile(r"^(?P<file>[^(\n]+)\((?P<line>\d+),\d+\): error (?P<code>TS\d+)", re.M)


@pytest.fixture(scope="module")
def modules() -> Path:
    return node_modules()


def _write_client(spec_file: Path, where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    path = where / "client.ts"
    path.write_text(client_ts.source(load(spec_file)))
    return path


def _tsc(modules: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool(modules, "tsc"), *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def _compile_to_js(modules: Path, source: Path, out: Path) -> Path:
    r = _tsc(
        modules,
        "--strict",
        "--target",
        "ES2020",
        "--module",
        "ES2020",
        "--outDir",
        str(out),
        str(source),
        cwd=source.parent,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    (out / "package.json").write_text('{"type": "module"}\n')
    return out / "client.js"


def test_every_client_compiles_with_tsc_strict(modules: Path, tmp_path: Path) -> None:
    files = [str(_write_client(s, tmp_path / s.stem)) for s in SPECS]
    # only the ECMAScript library: no DOM, no Node types (the client needs neither)
    bare = _tsc(
        modules,
        *STRICTER,
        "--noEmit",
        "--target",
        "ES2020",
        "--lib",
        "ES2020",
        *files,
        cwd=tmp_path,
    )
    assert bare.returncode == 0, bare.stdout
    # as a browser project sees it
    dom = _tsc(
        modules,
        "--strict",
        "--noEmit",
        "--target",
        "ES2022",
        "--lib",
        "ES2022,DOM",
        *files,
        cwd=tmp_path,
    )
    assert dom.returncode == 0, dom.stdout


def test_wrong_types_are_compile_errors_and_right_ones_compile(
    modules: Path, tmp_path: Path
) -> None:
    _write_client(CHAT, tmp_path)
    fixture = ROOT / "tests" / "data_clients" / "typecheck_chat.ts"
    shutil.copy(fixture, tmp_path / fixture.name)
    r = _tsc(
        modules,
        "--strict",
        "--noEmit",
        "--target",
        "ES2020",
        "--module",
        "ES2020",
        "--moduleResolution",
        "bundler",
        "--lib",
        "ES2020,DOM",
        fixture.name,
        cwd=tmp_path,
    )
    marked = {
        i for i, line in enumerate(fixture.read_text().splitlines(), 1) if line.endswith("// error")
    }
    errors = {int(m["line"]) for m in TSC_ERROR.finditer(r.stdout) if m["file"] == fixture.name}
    assert marked and r.returncode != 0
    assert errors == marked, r.stdout
    assert not [m for m in TSC_ERROR.finditer(r.stdout) if m["file"] != fixture.name], r.stdout


def _drive(modules: Path, client_js: Path, steps: list[dict[str, Any]], tmp: Path) -> Any:
    script = tmp / "steps.json"
    script.write_text(json.dumps(steps))
    r = subprocess.run(
        ["node", str(DRIVERS / "fake_socket_ts.mjs"), str(client_js), str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env=node_env(modules),
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_a_compiled_client_sends_and_dispatches_what_the_spec_says(
    modules: Path, tmp_path: Path
) -> None:
    spec = load(NASTY)
    route = next(r.key for r in spec.routes if r.key.startswith("it's"))
    client_js = _compile_to_js(modules, _write_client(NASTY, tmp_path / "src"), tmp_path / "js")
    out = _drive(
        modules,
        client_js,
        [
            {
                "connect": {
                    "url": "wss://example.test/prod",
                    "options": {
                        "token": 'to"ken',
                        "query": {"room": "r&1"},
                        "headers": {"X-Trace": "t"},
                        "protocols": ["p1"],
                    },
                    "names": ["Event", "Reply", "Notice"],
                }
            },
            {"call": ["itSQ", {"na me": "x", "class": 1, "*/": 'a"b', '"q"': []}]},
            {"call": ["postIt", {"extra": 1}]},
            {"call": ["default", "free text"]},
            {"receive": json.dumps({"type": "event", "payload": {"a": 1}})},
            {"receive": json.dumps({"ok": True})},
            {"receive": "just text"},
            {
                "receive": json.dumps(
                    {"message": "Forbidden", "connectionId": "c", "requestId": "r"}
                )
            },
        ],
        tmp_path,
    )
    assert out["url"] == "wss://example.test/prod?room=r%261"
    assert out["headers"] == {"X-Trace": "t", "Authorization": 'to"ken'}
    assert out["protocols"] == ["p1"]
    first, second, third = out["sent"]
    assert json.loads(first)["action"] == route  # the route key, character for character
    assert json.loads(second) == {"extra": 1, "action": "send message"}
    assert third == "free text"
    assert out["events"] == [
        ["message", "Event", {"type": "event", "payload": {"a": 1}}],
        ["message", "Reply", {"ok": True}],
        ["message", "Notice", "just text"],
        ["gatewayError", None, {"message": "Forbidden", "connectionId": "c", "requestId": "r"}],
    ]


@pytest.mark.skipif(
    not (ROOT / "samples" / "handlers" / "send_message.py").exists(),
    reason="the chat sample's handlers are not generated yet",
)
def test_two_compiled_clients_chat_through_serve_and_reconnect(
    modules: Path, tmp_path: Path
) -> None:
    client_js = _compile_to_js(modules, _write_client(CHAT, tmp_path / "src"), tmp_path / "js")
    with Running(CHAT, idle_timeout=1.5, max_lifetime=6.0) as srv:
        r = subprocess.run(
            ["node", str(DRIVERS / "chat_ts.mjs"), str(client_js), srv.url, "3000"],
            capture_output=True,
            text=True,
            timeout=120,
            env=node_env(modules),
        )
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["chatted"] and got["alice"][0] == "hi bob" and got["bob"][0] == "hi bob"
    assert got["closesWhileIdle"] == 0  # the keep-alive outlived the 1.5 s idle timeout
    assert sorted(got["closes"][:2]) == [["alice", 1001, True], ["bob", 1001, True]]
    assert got["reconnected"] and got["chattedAgain"]
    assert got["unmatched"] == []
    lines = "\n".join(srv.lines)
    assert "MESSAGE    keepalive" in lines and "MESSAGE    sendmessage" in lines
