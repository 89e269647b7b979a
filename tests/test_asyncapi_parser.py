"""The AsyncAPI document of every sample validates with the official parser (@asyncapi/parser,
run with node): no error and no warning. A broken document must fail, so the check can fail."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.clients_npm import DRIVERS, node_env, node_modules
from tests.test_serve_support import load
from wsspec.targets import asyncapi

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "samples").glob("*.yaml")) + [ROOT / "tests" / "data_clients" / "nasty.yaml"]
ERROR, WARNING = 0, 1  # the parser's (spectral's) severities; 2 and 3 are information and hints


def _validate(files: list[Path]) -> dict[str, list[dict[str, Any]]]:
    modules = node_modules()
    r = subprocess.run(
        ["node", str(DRIVERS / "validate_asyncapi.mjs"), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        env=node_env(modules),
    )
    assert r.returncode == 0, r.stderr
    results = [json.loads(line) for line in r.stdout.splitlines()]
    return {d["file"]: d["diagnostics"] for d in results}


def test_every_document_validates_with_the_official_parser(tmp_path: Path) -> None:
    files = []
    for spec_file in SPECS:
        doc, _ = asyncapi.document(load(spec_file))
        for ext, dump in (("yaml", asyncapi.dump_yaml), ("json", asyncapi.dump_json)):
            path = tmp_path / f"{spec_file.stem}.{ext}"
            path.write_text(dump(doc))
            files.append(path)
    found = _validate(files)
    assert sorted(found) == sorted(map(str, files))
    problems = {
        Path(f).name: [d for d in diags if d["severity"] in (ERROR, WARNING)]
        for f, diags in found.items()
    }
    assert problems == {Path(f).name: [] for f in found}


def test_a_broken_document_fails_validation(tmp_path: Path) -> None:
    doc, _ = asyncapi.document(load(ROOT / "samples" / "chat.yaml"))
    doc["operations"]["sendmessage"]["action"] = "publish"  # AsyncAPI 2 wording: not in 3.0
    doc["operations"]["sendmessage"]["messages"] = [{"$ref": "#/channels/connection/messages/nope"}]
    path = tmp_path / "broken.yaml"
    path.write_text(asyncapi.dump_yaml(doc))
    errors = [d for d in _validate([path])[str(path)] if d["severity"] == ERROR]
    assert errors, "the parser accepted a broken document"
