"""Deterministic function packages: same sources -> same zip bytes (shared by every target)."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path
from typing import Mapping

from wsspec import vendor
from wsspec.model import Function, Spec

_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIP_DIRS = {
    "__pycache__",
    ".git",
    ".venv",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
}
_SKIP_SUFFIXES = (".pyc", ".pyo")


def source_files(spec: Spec, fn: Function) -> list[tuple[str, Path]]:
    """(archive name, file) for every file under the function's source dir, sorted."""
    root = Path(spec.project_dir, fn.source_dir)
    out: list[tuple[str, Path]] = []
    if root.is_file():
        return [(root.name, root)]
    if not root.is_dir():
        return []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        for name in filenames:
            if name.endswith(_SKIP_SUFFIXES) or name.startswith("."):
                continue
            path = Path(dirpath, name)
            out.append((path.relative_to(root).as_posix(), path))
    return sorted(out)


def build_zip(spec: Spec, fn: Function, overlay: Mapping[Path, bytes] | None = None) -> bytes:
    """The deployment package of ``fn``: fixed timestamps and modes, sorted entries.

    ``overlay`` maps absolute paths of files about to be created (handler stubs written in the
    same build) to their content, so a first ``wsspec build`` packages the stubs it creates.
    """
    root = Path(spec.project_dir, fn.source_dir).resolve()
    if fn.builtin is not None:
        return _zip(vendor.builtin_entries(fn))
    entries = {arc: path.read_bytes() for arc, path in source_files(spec, fn)}
    entries.update(vendor.guard_entries(fn))
    for path, content in (overlay or {}).items():
        try:
            arc = Path(path).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        entries.setdefault(arc, content)
    return _zip(entries)


def _zip(entries: Mapping[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname in sorted(entries):
            info = zipfile.ZipInfo(arcname, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, entries[arcname], compresslevel=9)
    return buf.getvalue()


def sha256_b64(data: bytes) -> str:
    """Lambda's CodeSha256 / Terraform's source_code_hash form."""
    import base64

    return base64.b64encode(hashlib.sha256(data).digest()).decode()
