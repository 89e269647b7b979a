"""Deterministic function packages: same sources -> same zip bytes (shared by every target)."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile
from pathlib import Path
from typing import Mapping

from wsspec import sources
from wsspec.errors import WsspecError
from wsspec.model import Function, Spec

_EPOCH = (1980, 1, 1, 0, 0, 0)
# The zip comment marks a package as wsspec's (``writer`` replaces only its own files).
ZIP_COMMENT = b"wsspec function package"


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


def build_zip(spec: Spec, fn: Function, overlay: Mapping[Path, bytes] | None = None) -> bytes:
    """The deployment package of ``fn``: fixed timestamps and modes, sorted entries.

    ``overlay`` maps absolute paths of files about to be created (handler stubs written in the
    same build) to their content, so a first ``wsspec build`` packages the stubs it creates.
    """
    root = Path(spec.project_dir, fn.source_dir).resolve()
    entries: dict[str, bytes] = {}
    for arc, path in source_files(spec, fn):
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
        entries.setdefault(arc, content)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname in sorted(entries):
            info = zipfile.ZipInfo(arcname, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, entries[arcname], compresslevel=9)
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


def sha256_b64(data: bytes) -> str:
    """Lambda's CodeSha256 / Terraform's source_code_hash form."""
    import base64

    return base64.b64encode(hashlib.sha256(data).digest()).decode()
