"""The npm tools the client tests use (the AsyncAPI parser, TypeScript, esbuild, ws), installed
once into a cache directory that later runs (and CI on the same machine) reuse.

Pinned, so a cached install and a fresh one run the same code. Without node or npm, or when the
npm registry cannot be reached, the tests skip and print why; any other install failure fails
them (a broken install is a bug to see, not a reason to skip).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGES = {
    "@asyncapi/parser": "3.6.6",
    "typescript": "5.9.3",
    "esbuild": "0.28.2",
    "ws": "8.23.1",
}
CACHE = Path(
    os.environ.get("WSSPEC_TEST_NPM_CLIENTS", Path.home() / ".cache" / "wsspec-test-npm-clients")
)
ROOT = Path(__file__).resolve().parent.parent
DRIVERS = ROOT / "tests" / "clients_driver"


def _installed() -> bool:
    for package, version in PACKAGES.items():
        manifest = CACHE / "node_modules" / package / "package.json"
        if not manifest.is_file() or json.loads(manifest.read_text()).get("version") != version:
            return False
    return True


def _registry_unreachable() -> str | None:
    try:
        r = subprocess.run(["npm", "ping"], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "the npm registry did not answer `npm ping` within 60 s"
    if r.returncode != 0:
        return f"the npm registry cannot be reached: {(r.stderr or r.stdout).strip()[-200:]}"
    return None


def node_modules() -> Path:
    """The cached ``node_modules`` (installing it first if needed), or a printed skip."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        print("SKIP client npm tests: node/npm not found on PATH")
        pytest.skip("node/npm not found on PATH")
    if not _installed():
        reason = _registry_unreachable()
        if reason is not None:
            print(f"SKIP client npm tests: {reason}")
            pytest.skip(reason)
        CACHE.mkdir(parents=True, exist_ok=True)
        specs = [f"{p}@{v}" for p, v in PACKAGES.items()]
        r = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), *specs],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert r.returncode == 0 and _installed(), f"npm install failed: {r.stderr[-2000:]}"
    return CACHE / "node_modules"


def tool(modules: Path, name: str) -> str:
    return str(modules / ".bin" / name)


def node_env(modules: Path) -> dict[str, str]:
    return {**os.environ, "NODE_PATH": str(modules)}
