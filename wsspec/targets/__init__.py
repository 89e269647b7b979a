"""Build targets. Each target module exposes ``render(spec, ctx) -> list[Output]``.

The registry maps a target name to its module; ``wsspec build`` runs them through one writer
(``wsspec.targets.write``) that writes atomically, never overwrites user files, and implements
``--check``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

TARGETS: dict[str, str] = {
    "cloudformation": "wsspec.targets.cloudformation",
    "terraform": "wsspec.targets.terraform",
    "stubs": "wsspec.stubs",
}


@dataclass(frozen=True)
class Output:
    """One file a target produces."""

    path: Path  # absolute
    content: bytes
    generated: bool = True  # False: a user-owned file (stub) -- created once, never overwritten


@dataclass(frozen=True)
class BuildContext:
    out_dir: Path  # e.g. build/chat  (<-o>/<api name>)
    functions_dir: Path  # shared deterministic zips: <out_dir>/functions
    template_format: str = "yaml"  # CloudFormation: yaml | json


def target_module(name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(TARGETS[name])
