"""Atomic file output shared by every target: temp file + rename, never touching user files.

* Each file is written to a temporary file in its directory, then renamed over the target, so
  a reader sees the old file or the new one. Temporary names carry the writer's process id
  (``.<name>.wsspec-<pid>-<random>.tmp``); a later build removes the ones whose process is gone
  (a build killed with ``kill -9`` leaves nothing behind for long).
* A generated file is replaced only when the file already at its path is wsspec's (the target
  says how to recognise it: a header, a zip comment). A hand-written file at a generated path
  stops the build before anything is written (WS012).
* User-owned files (handler stubs) are created once and never replaced.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal

from wsspec.errors import WsspecError
from wsspec.targets import Output

Status = Literal["created", "updated", "unchanged", "kept", "missing", "stale"]
_TMP = re.compile(r"^\.(?P<name>.+)\.wsspec-(?P<pid>\d+)-[A-Za-z0-9_]+\.tmp$")
_OLD_TMP = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.tmp$")  # before the pid was in the name


@dataclass(frozen=True)
class Written:
    path: Path
    status: Status


def _temp(path: Path) -> tuple[int, str]:
    return tempfile.mkstemp(
        prefix=f".{path.name}.wsspec-{os.getpid()}-", suffix=".tmp", dir=path.parent
    )


def atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temp(path)
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


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(directory: Path, names: Iterable[str]) -> list[Path]:
    """Delete temporary files a killed build left in ``directory`` for the files ``names``.

    Only wsspec's own temporary names are touched: those carrying the pid of a process that no
    longer runs, and (from older versions) ``.<name>.XXXXXXXX.tmp`` for a file ``name`` this
    build writes.
    """
    wanted = set(names)
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    for entry in entries:
        m = _TMP.match(entry.name)
        stale = m is not None and not _alive(int(m.group("pid")))
        if m is None:
            old = _OLD_TMP.match(entry.name)
            stale = old is not None and old.group("name") in wanted
        if stale and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:
                pass
    return removed


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


def _refuse_foreign(outputs: list[Output]) -> None:
    """WS012 when a generated path holds a file wsspec did not write (checked before writing)."""
    for out in outputs:
        if not out.generated or out.ours is None:
            continue
        if out.path.is_symlink() or (out.path.exists() and not out.path.is_file()):
            _foreign(out.path, "is not a regular file")
        if not out.path.exists():
            continue
        current = out.path.read_bytes()
        if current != out.content and not out.ours(current):
            _foreign(out.path, "was not written by wsspec")


def _foreign(path: Path, why: str) -> None:
    raise WsspecError(
        f"{path} {why}; wsspec never replaces a file it did not generate",
        code="WS012",
        hint="move the file away (or build into another --out directory)",
    )


def write_all(outputs: list[Output]) -> list[Written]:
    """Write generated files (atomically) and create user files that do not exist yet.

    Everything is rendered before this is called, and every generated path is checked before
    the first write, so a failing build never leaves a half-written tree: each file is
    replaced whole or not at all.
    """
    _refuse_foreign(outputs)
    by_dir: dict[Path, set[str]] = {}
    for out in outputs:
        by_dir.setdefault(out.path.parent, set()).add(out.path.name)
    for directory, names in by_dir.items():
        remove_stale_temporaries(directory, names)
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
    fd, tmp = _temp(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.chmod(tmp, 0o644)
        os.link(tmp, path)  # fails with FileExistsError instead of overwriting
    finally:
        os.unlink(tmp)
