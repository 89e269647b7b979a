"""Atomic file output shared by every target: temp file + rename, never touching user files."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal

from wsspec.targets import Output

Status = Literal["created", "updated", "unchanged", "kept", "missing", "stale"]


@dataclass(frozen=True)
class Written:
    path: Path
    status: Status


def atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def plan_writes(outputs: Iterable[Output]) -> list[Written]:
    """What writing ``outputs`` would do, without writing (this is ``--check``)."""
    result = []
    for out in outputs:
        exists = out.path.exists()
        if not out.generated:
            result.append(Written(out.path, "kept" if exists else "missing"))
        elif not exists:
            result.append(Written(out.path, "missing"))
        elif out.path.read_bytes() != out.content:
            result.append(Written(out.path, "stale"))
        else:
            result.append(Written(out.path, "unchanged"))
    return result


def write_all(outputs: list[Output]) -> list[Written]:
    """Write generated files (atomically) and create user files that do not exist yet.

    Everything is rendered before this is called, so a failing target never leaves a
    half-written tree: each file is replaced whole or not at all.
    """
    result = []
    for out in outputs:
        if not out.generated:
            if out.path.exists() or out.path.is_symlink():
                result.append(Written(out.path, "kept"))
                continue
            _create_exclusive(out.path, out.content)
            result.append(Written(out.path, "created"))
            continue
        if out.path.exists() and out.path.read_bytes() == out.content:
            result.append(Written(out.path, "unchanged"))
            continue
        status: Status = "updated" if out.path.exists() else "created"
        atomic_write(out.path, out.content)
        result.append(Written(out.path, status))
    return result


def _create_exclusive(path: Path, content: bytes) -> None:
    """Create a user-owned file only if nothing is there, even if one appears meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.chmod(tmp, 0o644)
        os.link(tmp, path)  # fails with FileExistsError instead of overwriting
    finally:
        os.unlink(tmp)
