"""The packaging cache: installed dependency trees keyed by what went into them, pip's and npm's
download caches, and finished function zips keyed by their inputs.

``WSSPEC_CACHE_DIR`` moves it (default: ``$XDG_CACHE_HOME/wsspec`` or ``~/.cache/wsspec``).
Every entry is written under a temporary name and renamed into place when complete, so an
interrupted install leaves nothing a later build would use. Deleting the directory is always
safe: the next build installs again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

FORMAT = "1"  # bump when the layout of installed trees or zips changes


def cache_dir() -> Path:
    env = os.environ.get("WSSPEC_CACHE_DIR")
    if env:
        return Path(env).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return (base / "wsspec").resolve()


def key(*parts: bytes | str) -> str:
    """A hex digest of ``parts`` (length-prefixed, so no two lists of parts collide)."""
    h = hashlib.sha256(FORMAT.encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def tree(kind: str, digest: str) -> Path:
    """Where the installed tree with this digest lives (it exists once complete)."""
    return cache_dir() / "deps" / f"{kind}-{digest[:32]}"


def scratch(kind: str) -> Path:
    """A fresh empty directory beside the trees, renamed into place by ``publish``."""
    parent = cache_dir() / "deps"
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".tmp-{kind}-", dir=parent))


def publish(tmp: Path, final: Path) -> None:
    """Move a completed tree into place (another build may have finished it first)."""
    try:
        os.replace(tmp, final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not final.is_dir():
            raise


def shown(project: Path, relative: str) -> str:
    """A project file as the user would type it: relative to the working directory when it
    is below it, else absolute."""
    path = project / relative
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def discard(tmp: Path) -> None:
    shutil.rmtree(tmp, ignore_errors=True)


def tool_cache(tool: str) -> Path:
    """pip's or npm's own download cache, kept between builds (and between test runs)."""
    path = cache_dir() / tool
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_zip(digest: str) -> bytes | None:
    path = cache_dir() / "zips" / f"{digest}.zip"
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_zip(digest: str, data: bytes) -> None:
    folder = cache_dir() / "zips"
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, folder / f"{digest}.zip")
