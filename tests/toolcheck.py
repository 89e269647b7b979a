"""The real tools over many built specs at once: each tool starts once (or once per group).

Used by tests/test_valid_means_deployable.py. Every runner takes the built projects and returns
``{project id: [problem, ...]}``, so a failure names the spec that caused it:

* cfn-lint: one run over every template (zero errors and zero warnings; the only exclusion is
  W3002 on functions' local ``Code`` paths, set in the template's own Metadata and documented);
* terraform: one ``init`` of a root module that uses every project's configuration as a module
  (providers from the local mirror, plugin cache), one ``validate``, one ``fmt -check``;
* ruff and ``mypy --strict``: one run per Python version the stubs target;
* ``node --check`` per file (two at a time) and one ``tsc --checkJs`` over every Node stub;
* ``wsspec plan`` (the library's ``prepare``) against one moto server.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wsspec import runtimes
from wsspec.model import Spec

Problems = dict[str, list[str]]

TYPESCRIPT = "5.9.3"
TYPES_NODE = "22.20.7"
TSC_CACHE = Path.home() / ".cache" / "wsspec-test-npm-tsc"
RUFF_RULES = "E,F,W,I,B,UP,SIM,RUF"


@dataclass
class Built:
    """One generated spec, validated and built into its own project directory."""

    ident: str  # s0001 ...
    data: dict[str, Any]
    project: Path
    spec: Spec
    out: Path  # <project>/build/<api>
    templates: list[Path] = field(default_factory=list)
    tf_dir: Path | None = None
    python: list[tuple[Path, str]] = field(default_factory=list)  # (stub, "3.13")
    node: list[Path] = field(default_factory=list)


def _run(args: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=False, capture_output=True, text=True, **kw)


def _owner(path: str, built: Iterable[Built]) -> str | None:
    for b in built:
        if path.startswith(str(b.project) + os.sep) or path == str(b.project):
            return b.ident
    return None


def _add(problems: Problems, ident: str | None, message: str) -> None:
    problems.setdefault(ident or "?", []).append(message)


# ----------------------------------------------------------------------------- cfn-lint
def cfn_lint(built: list[Built]) -> tuple[Problems, int]:
    paths = [p for b in built for p in b.templates]
    problems: Problems = {}
    if not paths:
        return problems, 0
    binary = shutil.which("cfn-lint") or str(Path(sys.executable).parent / "cfn-lint")
    proc = _run([binary, "--format", "json", "--", *map(str, paths)], timeout=1800)
    matches = json.loads(proc.stdout or "[]")
    for m in matches:
        where = f"{m['Filename']}:{m['Location']['Start']['LineNumber']}"
        _add(
            problems,
            _owner(m["Filename"], built),
            f"cfn-lint {m['Rule']['Id']} {where}: {m['Message']}",
        )
    return problems, len({b.ident for b in built if b.templates})


# ----------------------------------------------------------------------------- terraform
def mirror_version(mirror: str) -> str:
    versions = Path(mirror, "registry.terraform.io", "hashicorp", "aws")
    return max((p.name for p in versions.iterdir()), key=runtimes.version_key)


def _floor(tf_dir: Path) -> str:
    text = (tf_dir / "versions.tf").read_text()
    m = re.search(r'^\s*version\s*=\s*">= ([0-9.]+)', text, re.MULTILINE)  # not required_version
    return m.group(1) if m else "0"


def terraform(
    built: list[Built], tf: dict[str, Any], root: Path
) -> tuple[Problems, int, list[str]]:
    """(problems, projects validated, projects left out with the reason)."""
    problems: Problems = {}
    have = mirror_version(str(tf["mirror"]))
    usable, skipped = [], []
    for b in built:
        if b.tf_dir is None:
            continue
        need = _floor(b.tf_dir)
        if runtimes.version_key(need) > runtimes.version_key(have):
            skipped.append(f"{b.ident} (needs hashicorp/aws >= {need}; the mirror has {have})")
        else:
            usable.append(b)
    fmt = _run(
        [str(tf["binary"]), "fmt", "-check", "-recursive", "-list=true", str(root)], env=tf["env"]
    )
    for line in fmt.stdout.splitlines():
        _add(
            problems, _owner(line.strip(), built), f"terraform fmt: {line.strip()} is not formatted"
        )
    if not usable:
        return problems, 0, skipped
    mod_root = root / "_terraform_root"
    mod_root.mkdir(exist_ok=True)
    blocks = [
        f'module "{b.ident}" {{\n  source = "{os.path.relpath(b.tf_dir, mod_root)}"\n}}\n'
        for b in usable
        if b.tf_dir is not None
    ]
    (mod_root / "main.tf").write_text("\n".join(blocks))
    init = _run(
        [str(tf["binary"]), "init", "-backend=false", "-input=false", "-no-color"],
        cwd=mod_root,
        env=tf["env"],
        timeout=900,
    )
    if init.returncode != 0:
        _add(problems, "terraform-init", init.stdout[-3000:] + init.stderr[-3000:])
        return problems, 0, skipped
    proc = _run(
        [str(tf["binary"]), "validate", "-json", "-no-color"],
        cwd=mod_root,
        env=tf["env"],
        timeout=900,
    )
    report = json.loads(proc.stdout or "{}")
    for d in report.get("diagnostics", []):
        if d.get("severity") not in ("error", "warning"):
            continue
        filename = (d.get("range") or {}).get("filename", "")
        path = str((mod_root / filename).resolve()) if filename else ""
        _add(
            problems,
            _owner(path, usable) or "terraform",
            f"terraform validate {d['severity']}: {d.get('summary')} {d.get('detail', '')} ({filename})",
        )
    return problems, len(usable), skipped


# ----------------------------------------------------------------------------- python stubs
def python_stubs(built: list[Built], root: Path) -> tuple[Problems, int]:
    problems: Problems = {}
    by_version: dict[str, list[Path]] = {}
    for b in built:
        for path, version in b.python:
            by_version.setdefault(version, []).append(path)
    for version, files in sorted(by_version.items()):
        ruff = _run(
            [
                sys.executable,
                "-m",
                "ruff",
                "check",
                "--isolated",
                "--output-format",
                "concise",
                "--line-length",
                "100",
                "--select",
                RUFF_RULES,
                "--target-version",
                "py" + version.replace(".", ""),
                *map(str, files),
            ]
        )
        for line in ruff.stdout.splitlines():
            if line.startswith(str(root)):
                _add(problems, _owner(line, built), f"ruff (py{version}): {line}")
        mypy_version = max(version, "3.10", key=runtimes.version_key)
        mypy = _run(
            [
                sys.executable,
                "-m",
                "mypy",
                "--strict",
                "--python-version",
                mypy_version,
                "--explicit-package-bases",
                "--namespace-packages",
                "--no-error-summary",
                "--cache-dir",
                str(root / "_mypy_cache"),
                *map(str, files),
            ],
            cwd=root,
            env={**os.environ, "MYPYPATH": str(root)},
            timeout=1800,
        )
        for line in mypy.stdout.splitlines():
            if ": error:" in line or ": note:" not in line and line.strip():
                path = str((root / line.split(":", 1)[0]).resolve())
                _add(problems, _owner(path, built), f"mypy --strict (py{mypy_version}): {line}")
    return problems, len({b.ident for b in built if b.python})


# ----------------------------------------------------------------------------- node stubs
def node_check(built: list[Built]) -> tuple[Problems, int]:
    problems: Problems = {}
    node = shutil.which("node")
    files = [(b.ident, p) for b in built for p in b.node]
    if node is None or not files:
        return problems, 0

    def one(item: tuple[str, Path]) -> tuple[str, str] | None:
        proc = _run([node, "--check", str(item[1])], timeout=60)
        return (
            None
            if proc.returncode == 0
            else (item[0], f"node --check {item[1]}: {proc.stderr[-800:]}")
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        for found in pool.map(one, files):
            if found is not None:
                _add(problems, found[0], found[1])
    return problems, len({i for i, _ in files})


def install_typescript() -> str | None:
    """None when ``tsc`` and ``@types/node`` are ready in the cache, else why not."""
    if shutil.which("npm") is None:
        return "npm not found on PATH"
    tsc = TSC_CACHE / "node_modules" / ".bin" / "tsc"
    manifest = TSC_CACHE / "node_modules" / "typescript" / "package.json"
    if (
        tsc.exists()
        and manifest.exists()
        and json.loads(manifest.read_text())["version"] == TYPESCRIPT
    ):
        return None
    TSC_CACHE.mkdir(parents=True, exist_ok=True)
    proc = _run(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(TSC_CACHE),
            f"typescript@{TYPESCRIPT}",
            f"@types/node@{TYPES_NODE}",
        ],
        timeout=600,
    )
    return (
        None
        if proc.returncode == 0 and tsc.exists()
        else f"npm install typescript failed: {proc.stderr[-300:]}"
    )


def tsc(built: list[Built], root: Path, sdk_modules: Path) -> tuple[Problems, int]:
    """``tsc --checkJs`` over every Node stub, with the AWS SDK's and Node's type declarations."""
    problems: Problems = {}
    files = [p for b in built for p in b.node]
    if not files:
        return problems, 0
    link = root / "node_modules"
    if not link.exists():
        link.symlink_to(sdk_modules, target_is_directory=True)
    config = {
        "compilerOptions": {
            "allowJs": True,
            "checkJs": True,
            "noEmit": True,
            "module": "nodenext",
            "moduleResolution": "nodenext",
            "target": "es2022",
            "types": ["node"],
            "typeRoots": [str(TSC_CACHE / "node_modules" / "@types")],
            "skipLibCheck": True,
        },
        "files": [str(p) for p in files],
    }
    (root / "tsconfig.json").write_text(json.dumps(config, indent=1))
    proc = _run(
        [str(TSC_CACHE / "node_modules" / ".bin" / "tsc"), "-p", str(root / "tsconfig.json")],
        cwd=root,
        timeout=900,
    )
    for line in proc.stdout.splitlines():
        m = re.match(r"^(.+?)\(\d+,\d+\): error", line)
        if m:
            _add(
                problems,
                _owner(str((root / m.group(1)).resolve()), built),
                f"tsc --checkJs: {line}",
            )
    if proc.returncode != 0 and not problems:
        _add(problems, "tsc", proc.stdout[-2000:] + proc.stderr[-2000:])
    return problems, len({b.ident for b in built if b.node})


# ----------------------------------------------------------------------------- plan
def plan(
    built: list[Built], endpoint_url: str, prepare: Callable[..., Any], options: Callable[..., Any]
) -> tuple[Problems, int]:
    """``wsspec plan`` against a moto server (clean account): it must plan without an error."""
    problems: Problems = {}
    for b in built:
        try:
            session = prepare(b.spec, options(endpoint_url=endpoint_url))
            if not session.plan.steps:
                _add(problems, b.ident, "plan: nothing to create in an empty account")
        except Exception as exc:  # noqa: BLE001 - any error is the finding
            _add(problems, b.ident, f"plan: {type(exc).__name__}: {exc}")
    return problems, len(built)
