"""Deterministic function packages: same sources + same dependencies -> same zip bytes (shared
by every target, by ``deploy`` and, for the dependencies, by ``serve``).

A package is the function's source directory (without caches, hidden files and its own
``node_modules``) plus its declared dependencies as installed by ``wsspec.packaging`` for the
function's runtime and architecture, minus the spec's ``exclude`` patterns. Entries are sorted,
dated 1980-01-01 and given fixed modes. A function without dependencies is zipped as before;
one with dependencies reuses the zip cached under the digest of its inputs.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import os
import zipfile
from pathlib import Path
from typing import Mapping

from wsspec import packaging
from wsspec.errors import WsspecError
from wsspec.model import Function, Spec
from wsspec.packaging import cache

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
MAX_UNZIPPED = 262_144_000  # 250 MB: Lambda's limit for the unzipped package and its layers
MAX_UPLOAD = 52_428_800  # 50 MB: the largest zip Lambda takes in a direct upload


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


def excluded(fn: Function, arcname: str) -> bool:
    """Whether one of the function's exclude globs matches (``*`` also matches ``/``)."""
    return any(fnmatch.fnmatchcase(arcname, pat) for pat in fn.exclude)


def build_zip(spec: Spec, fn: Function, overlay: Mapping[Path, bytes] | None = None) -> bytes:
    """The deployment package of ``fn``: fixed timestamps and modes, sorted entries.

    ``overlay`` maps absolute paths of files about to be created (handler stubs written in the
    same build) to their content, so a first ``wsspec build`` packages the stubs it creates.
    """
    root = Path(spec.project_dir, fn.source_dir).resolve()
    entries = {
        arc: path.read_bytes() for arc, path in source_files(spec, fn) if not excluded(fn, arc)
    }
    for path, content in (overlay or {}).items():
        try:
            arc = Path(path).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        if not excluded(fn, arc):
            entries.setdefault(arc, content)
    tree = packaging.install(spec, fn)
    if tree is None:
        _check_unzipped(fn, entries, [])
        return _zip({arc: (data, 0o644) for arc, data in entries.items()})
    digest = cache.key(
        "zip",
        tree.name,
        "\n".join(fn.exclude),
        *(part for arc in sorted(entries) for part in (arc, entries[arc])),
    )
    cached = cache.read_zip(digest)
    if cached is not None:
        return cached
    deps = [(arc, p) for arc, p in packaging.tree_files(tree) if arc not in entries]
    deps = [(arc, p) for arc, p in deps if not excluded(fn, arc)]
    _check_unzipped(fn, entries, deps)
    files: dict[str, tuple[bytes, int]] = {arc: (data, 0o644) for arc, data in entries.items()}
    for arc, p in deps:
        files[arc] = (p.read_bytes(), 0o755 if os.stat(p).st_mode & 0o111 else 0o644)
    data = _zip(files)
    cache.write_zip(digest, data)
    return data


def _zip(files: Mapping[str, tuple[bytes, int]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname in sorted(files):
            content, mode = files[arcname]
            info = zipfile.ZipInfo(arcname, date_time=_EPOCH)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content, compresslevel=9)
    return buf.getvalue()


def _biggest(sizes: Mapping[str, int], n: int = 3) -> str:
    """The ``n`` largest top-level parts of a package (a package under node_modules/)."""
    groups: dict[str, int] = {}
    for arc, size in sizes.items():
        parts = arc.split("/")
        depth = 3 if parts[0] == "node_modules" and parts[1:2] and parts[1].startswith("@") else 2
        group = "/".join(parts[:depth]) if parts[0] == "node_modules" else parts[0]
        groups[group] = groups.get(group, 0) + size
    top = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return ", ".join(f"{g} {s / 1_048_576:.1f} MB" for g, s in top)


def _check_unzipped(
    fn: Function, entries: Mapping[str, bytes], deps: list[tuple[str, Path]]
) -> None:
    sizes = {arc: len(data) for arc, data in entries.items()}
    sizes.update({arc: os.stat(p).st_size for arc, p in deps})
    total = sum(sizes.values())
    if total > MAX_UNZIPPED:
        raise WsspecError(
            f"function {fn.name}: the package is {total / 1_048_576:.1f} MB unzipped; Lambda "
            f"allows 250 MB with its layers (largest: {_biggest(sizes)})",
            code="WS994",
            hint="exclude what the function does not need ('exclude' globs such as "
            "'*/tests/*'), or move large dependencies to a layer or a container image",
        )


def check_upload(fn: Function, blob: bytes) -> None:
    """A direct upload (``wsspec deploy``) takes at most 50 MB zipped."""
    if len(blob) > MAX_UPLOAD:
        sizes: dict[str, int] = {}
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            for info in zf.infolist():
                sizes[info.filename] = info.compress_size
        raise WsspecError(
            f"function {fn.name}: the package is {len(blob) / 1_048_576:.1f} MB zipped; a "
            f"direct upload takes at most 50 MB (largest, zipped: {_biggest(sizes)})",
            code="WS994",
            hint="exclude what the function does not need, or deploy through CloudFormation "
            "or Terraform, which upload the package to S3",
        )


def sha256_b64(data: bytes) -> str:
    """Lambda's CodeSha256 / Terraform's source_code_hash form."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()
