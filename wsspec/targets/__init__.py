"""Build targets: every back end that turns the model into files, behind one ``Target`` protocol.

A target is a module with ``render(spec, ctx) -> list[Output]`` (nothing written: the
writer, ``wsspec.writer``, writes atomically, never overwrites user files and implements
``--check``) and ``notes(spec, ctx) -> list[str]`` (one line each, printed by the CLI).
``TARGETS`` names them in build order; ``load`` imports one lazily, so a build imports only
the targets it runs. ``wsspec.build`` runs them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from wsspec.model import Spec

TARGETS: dict[str, str] = {
    "cloudformation": "wsspec.targets.cloudformation",
    "terraform": "wsspec.targets.terraform",
    "stubs": "wsspec.targets.stubs",
    "asyncapi": "wsspec.targets.asyncapi",
    "client-ts": "wsspec.targets.client_ts",
    "client-py": "wsspec.targets.client_py",
    "kubernetes": "wsspec.targets.kubernetes",
}


@dataclass(frozen=True)
class Output:
    """One file a target produces."""

    path: Path  # absolute
    content: bytes
    generated: bool = True  # False: a user-owned file (stub) -- created once, never overwritten
    # For a generated file: recognises a file wsspec wrote at this path (its header, its zip
    # comment). The writer replaces an existing file only when this says it is wsspec's.
    ours: Callable[[bytes], bool] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class BuildContext:
    out_dir: Path  # e.g. build/chat  (<-o>/<api name>)
    functions_dir: Path  # shared deterministic zips: <out_dir>/functions
    template_format: str = "yaml"  # CloudFormation: yaml | json

    @property
    def layers_dir(self) -> Path:
        """The zips of the layers wsspec builds: <out_dir>/layers."""
        return self.out_dir / "layers"


@runtime_checkable
class Target(Protocol):
    """What every target module provides."""

    def render(self, spec: Spec, ctx: BuildContext) -> list[Output]:
        """Every file of the target for ``spec`` (rendered, not written)."""
        ...

    def notes(self, spec: Spec, ctx: BuildContext) -> list[str]:
        """Remarks on the output (choices made, limits met), one line each."""
        ...


def load(name: str) -> Target:
    """The target module registered as ``name``."""
    module = importlib.import_module(TARGETS[name])
    if not isinstance(module, Target):
        raise TypeError(
            f"{module.__name__} does not provide render(spec, ctx) and notes(spec, ctx)"
        )
    return module
