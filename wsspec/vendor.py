"""Packages of the functions wsspec owns, and the libraries vendored into them.

A JWT authorizer's package is ``wsspec/runtime/jwt_authorizer.py`` (as
``wsspec_jwt_authorizer.py``) plus PyJWT and cryptography installed by pip for the function's
runtime and architecture (``--platform manylinux2014_<arch> --only-binary=:all:``). The
installed tree is cached under ``$WSSPEC_CACHE_DIR/vendor`` (default ``~/.cache/wsspec``) by a
hash of the requirements and the target, so pip runs once per machine; ``WSSPEC_VENDOR_DIR``
names a ready tree instead (offline builds). A handler behind the connection guard gets
``wsspec_connection_guard.py`` added to its package (it needs only boto3, which the Lambda
Python runtime provides).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from wsspec.errors import WsspecError
from wsspec.model import Function

_RUNTIME = Path(__file__).resolve().parent / "runtime"
JWT_REQUIREMENTS = ("PyJWT[crypto]==2.10.1",)
_SKIP_TOP = {"bin", "__pycache__"}


def runtime_source(module: str) -> bytes:
    """The source of ``wsspec/runtime/<module>.py`` as shipped into a function."""
    return (_RUNTIME / f"{module}.py").read_bytes()


def _platform(fn: Function) -> tuple[str, str]:
    arch = "aarch64" if fn.architecture == "arm64" else "x86_64"
    version = fn.runtime.removeprefix("python")
    return f"manylinux2014_{arch}", version


def cache_dir() -> Path:
    base = os.environ.get("WSSPEC_CACHE_DIR") or str(Path.home() / ".cache" / "wsspec")
    return Path(base) / "vendor"


def vendored_tree(fn: Function, requirements: tuple[str, ...] = JWT_REQUIREMENTS) -> Path:
    """The directory holding ``requirements`` installed for ``fn``'s runtime (pip runs once)."""
    ready = os.environ.get("WSSPEC_VENDOR_DIR")
    if ready:
        return Path(ready)
    platform, version = _platform(fn)
    key = hashlib.sha256(repr((requirements, platform, version)).encode()).hexdigest()[:16]
    target = cache_dir() / key
    if (target / ".complete").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=key + ".", dir=target.parent))
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile"]
    cmd += ["--disable-pip-version-check", "--target", str(tmp), "--platform", platform]
    cmd += ["--implementation", "cp", "--python-version", version, "--only-binary=:all:"]
    proc = subprocess.run([*cmd, *requirements], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        last = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise WsspecError(
            f"function {fn.name}: pip could not install {', '.join(requirements)} "
            f"for {fn.runtime}/{fn.architecture}: {last}",
            code="WS000",
            hint="build needs the package index once (the result is cached under "
            f"{cache_dir()}); or set WSSPEC_VENDOR_DIR to a directory holding them",
        )
    (tmp / ".complete").write_text("\n".join(requirements) + "\n")
    try:
        tmp.rename(target)
    except OSError:  # another build finished first
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def tree_files(root: Path) -> dict[str, Path]:
    """archive name -> file, for every file of a vendored tree (no caches, no scripts)."""
    out: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not (rel_dir == Path(".") and d in _SKIP_TOP) and d != "__pycache__"
        )
        for name in filenames:
            if name.endswith((".pyc", ".pyo")) or name == ".complete":
                continue
            path = Path(dirpath, name)
            out[path.relative_to(root).as_posix()] = path
    return out


def builtin_entries(fn: Function) -> dict[str, bytes]:
    """The files of a function wsspec owns (``fn.builtin``), or {} for a user function."""
    if fn.builtin == "jwt-authorizer":
        entries = {arc: p.read_bytes() for arc, p in tree_files(vendored_tree(fn)).items()}
        entries["wsspec_jwt_authorizer.py"] = runtime_source("jwt_authorizer")
        return entries
    return {}


def guard_entries(fn: Function) -> dict[str, bytes]:
    """The connection guard's module, for a handler it wraps."""
    if fn.user_handler is None:
        return {}
    return {"wsspec_connection_guard.py": runtime_source("connection_guard")}
