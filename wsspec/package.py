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
import stat
import zipfile
from pathlib import Path
from typing import Mapping

from wsspec import packaging, sources
from wsspec.errors import WsspecError
from wsspec.model import Function, Spec
from wsspec.packaging import cache

_EPOCH = (1980, 1, 1, 0, 0, 0)
# The zip comment marks a package as wsspec's (``writer`` replaces only its own files).
ZIP_COMMENT = b"wsspec function package"
MAX_UNZIPPED = 262_144_000  # 250 MB: Lambda's limit for the unzipped package and its layers
MAX_UPLOAD = 52_428_800  # 50 MB: the largest zip Lambda takes in a direct upload


def source_files(spec: Spec, fn: Function) -> list[tuple[str, Path]]:
    """(archive name, file) for every file packaged from the function's source dir, sorted.

    Raises ``WsspecError`` (WS013) when the directory holds a file that cannot be packaged
    (validation reports the same files as WS540, so a validated spec never gets here).
    """
    found = sources.walk(spec.project_dir, fn.source_dir)
    if found.problems:
        first = found.problems[0]
        more = f" (and {len(found.problems) - 1} more)" if len(found.problems) > 1 else ""
        raise WsspecError(
            f"function {fn.name}: {fn.source_dir}/{first.arcname} {first.reason}{more}",
            code="WS013",
            file=spec.source_file or None,
            hint="only regular files inside the project are packaged; remove or replace it",
        )
    return [(f.arcname, f.path) for f in found.files]


def _read(path: Path) -> bytes:
    """A regular file's bytes; never blocks on a FIFO that replaced it since the walk."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is no longer a regular file")
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read()
    finally:
        os.close(fd)


def excluded(fn: Function, arcname: str) -> bool:
    """Whether one of the function's exclude globs matches (``*`` also matches ``/``)."""
    return any(fnmatch.fnmatchcase(arcname, pat) for pat in fn.exclude)


def build_zip(spec: Spec, fn: Function, overlay: Mapping[Path, bytes] | None = None) -> bytes:
    """The deployment package of ``fn``: fixed timestamps and modes, sorted entries.

    ``overlay`` maps absolute paths of files about to be created (handler stubs written in the
    same build) to their content, so a first ``wsspec build`` packages the stubs it creates.
    """
    root = Path(spec.project_dir, fn.source_dir).resolve()
    entries: dict[str, bytes] = {}
    for arc, path in source_files(spec, fn):
        if excluded(fn, arc):
            continue
        try:
            entries[arc] = _read(path)
        except OSError as exc:
            raise WsspecError(
                f"function {fn.name}: {fn.source_dir}/{arc} cannot be read: {exc}",
                code="WS013",
                file=spec.source_file or None,
            ) from None
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
        zf.comment = ZIP_COMMENT
    return buf.getvalue()


def is_package(data: bytes) -> bool:
    """Whether ``data`` is a package wsspec built: its zip comment, or (from versions before
    the comment) every entry stamped with the fixed 1980-01-01 time."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if zf.comment == ZIP_COMMENT:
                return True
            infos = zf.infolist()
            return bool(infos) and all(i.date_time == _EPOCH for i in infos)
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


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
