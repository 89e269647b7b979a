"""Node.js dependencies: ``npm ci --omit=dev`` from the lock file, for the Lambda platform.

The package.json and its lock file (``package-lock.json`` or ``npm-shrinkwrap.json``) are
copied into an empty directory and installed there with ``--os=linux --cpu=<x64|arm64>``, so
platform-specific optional packages (the usual way native modules ship prebuilt binaries) are
chosen for the function, not the build machine. Install scripts run only when the build
machine is that platform; otherwise they are skipped, and a package that would compile a
native module (``binding.gyp``) is an error naming it.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from wsspec.errors import WsspecError
from wsspec.model import Dependencies, Function
from wsspec.packaging import cache

CPUS = {"x86_64": "x64", "arm64": "arm64"}
LOCK_FILES = ("package-lock.json", "npm-shrinkwrap.json")
_TIMEOUT = 900  # seconds


def lock_file(project: Path, dep: Dependencies) -> Path | None:
    folder = (project / dep.path).parent
    for name in LOCK_FILES:
        if (folder / name).is_file():
            return folder / name
    return None


def inputs(project: Path, fn: Function, dep: Dependencies) -> list[bytes | str]:
    lock = lock_file(project, dep)
    return [
        "npm",
        fn.architecture,
        (project / dep.path).read_bytes(),
        lock.name if lock else "",
        lock.read_bytes() if lock else b"",
    ]


def native_build_machine(architecture: str) -> bool:
    machine = platform.machine().lower()
    names = ("x86_64", "amd64") if architecture == "x86_64" else ("arm64", "aarch64")
    same = machine in names
    return sys.platform.startswith("linux") and same


def install(project: Path, fn: Function, dep: Dependencies, target: Path) -> None:
    """``npm ci`` into ``target`` (which ends up holding ``node_modules``)."""
    lock = lock_file(project, dep)
    if lock is None:
        raise WsspecError(
            f"function {fn.name}: {dep.path} has no package-lock.json beside it",
            code="WS992",
            file=cache.shown(project, dep.path),
            hint="run `npm install` next to it once and keep the lock file",
        )
    npm = shutil.which("npm")
    if npm is None:
        raise WsspecError(
            f"function {fn.name}: npm is not on PATH (needed for {dep.path})",
            code="WS993",
            file=cache.shown(project, dep.path),
            hint="install Node.js and npm",
        )
    shutil.copyfile(project / dep.path, target / "package.json")
    shutil.copyfile(lock, target / lock.name)
    native = native_build_machine(fn.architecture)
    argv = [
        npm,
        "ci",
        "--omit=dev",
        "--os=linux",
        f"--cpu={CPUS[fn.architecture]}",
        "--no-audit",
        "--no-fund",
        "--no-bin-links",
        "--cache",
        str(cache.tool_cache("npm")),
    ]
    if not native:
        argv.append("--ignore-scripts")
    env = {**os.environ, "npm_config_update_notifier": "false", "NODE_ENV": "production"}
    try:
        proc = subprocess.run(
            argv, cwd=target, capture_output=True, text=True, timeout=_TIMEOUT, env=env
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WsspecError(
            f"function {fn.name}: npm could not run: {exc}",
            code="WS993",
            file=cache.shown(project, dep.path),
        ) from None
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).splitlines() if "npm error" in ln]
        detail = " ".join(ln.replace("npm error", "").strip() for ln in lines[:3]) or "failed"
        raise WsspecError(
            f"function {fn.name}: npm ci could not install {dep.path}: {detail}",
            code="WS992",
            file=cache.shown(project, dep.path),
            hint="`npm ci` installs exactly the lock file: run `npm install` next to "
            "package.json to bring the lock file up to date",
        )
    for name in LOCK_FILES + ("package.json",):
        (target / name).unlink(missing_ok=True)
    if not native:
        _refuse_native(project, fn, dep, target / "node_modules")


def _refuse_native(project: Path, fn: Function, dep: Dependencies, modules: Path) -> None:
    found: set[str] = set()
    for dirpath, _dirs, files in os.walk(modules):
        if "binding.gyp" in files:
            rel = Path(dirpath).relative_to(modules).parts
            found.add("/".join(rel[:2]) if rel and rel[0].startswith("@") else rel[0])
    if found:
        raise WsspecError(
            f"function {fn.name}: native module(s) {', '.join(sorted(found))} cannot be built "
            f"for linux/{CPUS[fn.architecture]} on this machine",
            code="WS995",
            file=cache.shown(project, dep.path),
            hint="build on a linux machine of the function's architecture, pick a package "
            "that ships prebuilt binaries per platform, or use a layer",
        )
