"""Where the shipped data (schemas/, templates/) lives: inside the wheel, or beside the package."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """``schemas`` or ``templates``: ``wsspec/_data/<name>`` in a wheel, ``<repo>/<name>`` in a checkout."""
    packaged = _PKG / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PKG.parent / name
