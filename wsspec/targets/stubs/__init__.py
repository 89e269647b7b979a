"""Handler stubs target: one user-owned source file per spec function, created once.

``render(spec, ctx)`` returns one ``Output(generated=False)`` per function; the writer creates
the file only when nothing exists at that path. What a stub contains is decided in
``context.py`` (with the model types of ``typedefs.py``) and laid out by ``templates/stubs/``;
whether a Node.js stub is an ES module is decided in ``node.py``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from wsspec.errors import WsspecError
from wsspec.model import Function, Spec
from wsspec.targets import BuildContext, Output
from wsspec.targets.stubs import node
from wsspec.targets.stubs.context import function_context, render_function
from wsspec.targets.stubs.node import ModuleSystem, module_system

__all__ = [
    "ModuleSystem",
    "function_context",
    "module_system",
    "notes",
    "render",
    "render_function",
    "stub_path",
]


def stub_path(spec: Spec, fn: Function) -> Path:
    """The absolute path of a function's handler, refusing anything outside the project.

    Validation reports these paths as errors; this is the last line of defence, so a stub is
    never written outside the project even when handed an unvalidated model.
    """
    project = Path(spec.project_dir).resolve()
    rel = fn.handler_path
    bad = (
        not rel
        or os.path.isabs(rel)
        or rel.startswith(("/", "\\"))
        or re.match(r"^[A-Za-z]:", rel) is not None
        or ".." in Path(rel).parts
    )
    target = project / rel
    if not bad:
        resolved = target.resolve()  # follows symlinks in every existing component
        bad = resolved != project and project not in resolved.parents
    if bad:
        raise WsspecError(
            f"function {fn.name}: handler {rel!r} is outside the project directory {project}",
            code="WS954",
            file=spec.source_file or None,
            hint="handler paths are relative to the spec file and stay inside its directory",
        )
    return target


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def render(spec: Spec, ctx: BuildContext) -> list[Output]:
    """One user-owned stub per spec function (the writer creates only missing files)."""
    outputs = []
    for fn in spec.functions:
        if fn.builtin is not None:  # wsspec's own code (wsspec.runtime), never a user stub
            continue
        path = stub_path(spec, fn)
        if _exists(path):
            # Kept as is: nothing of ours is written, so there is nothing to render.
            outputs.append(Output(path=path, content=b"", generated=False))
            continue
        outputs.append(
            Output(path=path, content=render_function(spec, fn).encode(), generated=False)
        )
    return outputs


def notes(spec: Spec, ctx: BuildContext) -> list[str]:
    """Module-system notes on the Node.js stubs this build creates (``node.notes``)."""
    user = [fn for fn in spec.functions if fn.builtin is None]
    return node.notes(spec, [fn for fn in user if not _exists(stub_path(spec, fn))])
