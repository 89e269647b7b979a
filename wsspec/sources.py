"""The files of a function's source directory: what is packaged, and what cannot be.

One walk, shared by validation (WS540 reports the problems, so the pre-commit hook already
knows) and packaging (``package.build_zip`` refuses to run with problems, WS013). Rules:

* only regular files are packaged; a FIFO, socket or device is a problem (reading one could
  block forever or never end);
* a symbolic link is followed only when its target lies inside the project directory: a
  link that leaves the project (``-> ~/.aws/credentials``, ``-> /dev/zero``) or leads nowhere
  is a problem, never read;
* directories and files whose names start with ``.``, bytecode and tool caches are skipped, as
  before; linked directories inside the project are walked once (no cycles).

This module imports nothing of wsspec.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = frozenset(
    {
        "__pycache__",
        ".git",
        ".venv",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)
SKIP_SUFFIXES = (".pyc", ".pyo")
MAX_PROBLEMS = 20  # a walk stops collecting after this many (the first ones are enough)


@dataclass(frozen=True)
class SourceFile:
    arcname: str  # posix path inside the package
    path: Path  # the regular file to read (a link's target, inside the project)


@dataclass(frozen=True)
class Problem:
    arcname: str  # posix path inside the source directory
    reason: str


@dataclass(frozen=True)
class Walk:
    files: tuple[SourceFile, ...]
    problems: tuple[Problem, ...]


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


class _Walker:
    def __init__(self, project: str) -> None:
        self.project = os.path.realpath(project)
        self.files: list[SourceFile] = []
        self.problems: list[Problem] = []
        self.seen_dirs: set[str] = set()

    def problem(self, arcname: str, reason: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(arcname, reason))

    def target(self, path: str, arcname: str) -> tuple[str, os.stat_result] | None:
        """The path to read and its status, or None (a problem was recorded)."""
        try:
            st = os.lstat(path)
        except OSError as exc:
            self.problem(arcname, f"cannot be read ({exc.strerror})")
            return None
        if not stat.S_ISLNK(st.st_mode):
            return path, st
        real = os.path.realpath(path)
        if not _inside(real, self.project):
            try:
                shown = os.readlink(path)
            except OSError:
                shown = real
            self.problem(arcname, f"is a symbolic link ({shown}) leading outside the project")
            return None
        try:
            return real, os.stat(real)
        except OSError:
            self.problem(arcname, "is a symbolic link to nothing (dangling)")
            return None

    def walk_dir(self, directory: str, prefix: str) -> None:
        real = os.path.realpath(directory)
        if real in self.seen_dirs:
            return
        self.seen_dirs.add(real)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            self.problem(prefix.rstrip("/") or ".", f"cannot be listed ({exc.strerror})")
            return
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name in SKIP_DIRS:
                continue
            arcname = prefix + name
            found = self.target(entry.path, arcname)
            if found is None:
                continue
            path, st = found
            if stat.S_ISDIR(st.st_mode):
                self.walk_dir(path, arcname + "/")
            elif name.endswith(SKIP_SUFFIXES):
                continue
            elif stat.S_ISREG(st.st_mode):
                self.files.append(SourceFile(arcname, Path(path)))
            else:
                self.problem(arcname, f"is {_kind(st.st_mode)}, not a regular file")


def walk(project_dir: str, source_dir: str) -> Walk:
    """The packageable files of ``source_dir`` (relative to ``project_dir``) and the problems.

    A missing source directory gives nothing (validation reports missing handlers elsewhere).
    """
    w = _Walker(project_dir)
    root = os.path.join(project_dir, *source_dir.split("/"))
    if os.path.lexists(root):
        name = os.path.basename(os.path.normpath(root))
        found = w.target(root, source_dir)
        if found is not None:
            path, st = found
            if stat.S_ISDIR(st.st_mode):
                w.walk_dir(path, "")
            elif stat.S_ISREG(st.st_mode):
                w.files.append(SourceFile(name, Path(path)))
            else:
                w.problem(source_dir, f"is {_kind(st.st_mode)}, not a regular file")
    files = sorted(w.files, key=lambda f: f.arcname)
    return Walk(tuple(files), tuple(w.problems))
