"""A function behind several custom (non-proxy) routes gets one entry point in its stub.

A custom integration hands the function the message body (or what a template makes of it): no
route key, so the stub cannot dispatch and defines the entry once for all its routes, typed with
the routes' common request and response models, or generically where they differ. Found by
tests/test_valid_means_deployable.py (ruff F811: the entry was defined once per route).
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from wsspec.targets.stubs import render_function
from wsspec.validate import validate_file

NODE = shutil.which("node") or "/usr/bin/node"
MESSAGE = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}
REPLY = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}


def _spec(tmp_path: Path, handler: str, *, same_models: bool) -> Path:
    custom = {
        "type": "lambda",
        "function": "relay",
        "proxy": False,
        "responses": {"$default": None, "/error/": {}},
    }
    typed = {"model_selection": "$default", "request_models": {"$default": "Message"}}
    two_way = {"response": {"models": {"$default": "Reply"}}}
    routes: dict[str, object] = {
        "join": {"integration": "custom", **typed, **two_way},
        "leave": {"integration": "custom", **typed, **(two_way if same_models else {})},
    }
    if not same_models:
        routes["$default"] = {"integration": "custom"}
    data = {
        "wsspec": 1,
        "api": {"name": "custom"},
        "routes": routes,
        "integrations": {"custom": custom},
        "models": {"Message": {"schema": MESSAGE}, "Reply": {"schema": REPLY}},
        "functions": {"relay": {"handler": handler}},
    }
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _stub(path: Path) -> str:
    result = validate_file(str(path))
    assert result.spec is not None, [f.render() for f in result.errors]
    fn = result.spec.function("relay")
    assert len(fn.routes) >= 2
    return render_function(result.spec, fn)


def _python_tools(path: Path, tmp_path: Path) -> None:
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E,F,W,B,UP,RUF"]
        + ["--line-length", "100", str(path)],
        capture_output=True,
        text=True,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "mc"), str(path)],
        capture_output=True,
        text=True,
        cwd=path.parent,
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


@pytest.mark.parametrize("same_models", [True, False])
def test_python_stub_defines_the_entry_once(tmp_path: Path, same_models: bool) -> None:
    text = _stub(_spec(tmp_path, "relay.py", same_models=same_models))
    tree = ast.parse(text)
    entries = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "handler"]
    assert len(entries) == 1, text
    signature = ast.unparse(entries[0].args) + " -> " + ast.unparse(entries[0].returns or "")
    if same_models:  # both routes take Message and answer Reply: the types stay
        assert "event: Message" in signature and signature.endswith("-> Reply"), signature
    else:  # $default has no model and no reply: the generic event, the body sent back
        assert "event: dict[str, Any]" in signature, signature
    # every integration response key the routes match on is named
    assert '"/error/"' in text
    stub = tmp_path / "relay.py"
    stub.write_text(text)
    _python_tools(stub, tmp_path)


@pytest.mark.parametrize("same_models", [True, False])
def test_node_stub_defines_the_entry_once(tmp_path: Path, same_models: bool) -> None:
    text = _stub(_spec(tmp_path, "relay.mjs", same_models=same_models))
    assert len(re.findall(r"^export async function handler\(", text, re.M)) == 1, text
    stub = tmp_path / "relay.mjs"
    stub.write_text(text)
    check = subprocess.run([NODE, "--check", str(stub)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
