"""Function dependencies, installed for the Lambda platform (shared by build, deploy and serve).

    declared file (requirements.txt | pyproject.toml | package.json + lock)
        ──key(file contents, runtime, architecture)──▶ cache hit? ──▶ installed tree
                                                      └─ miss: pip / npm into a scratch dir,
                                                         renamed into the cache when complete

The tree is what ``wsspec.package`` zips beside the function's source (Python packages at the
zip root, ``node_modules/`` for Node.js), and what ``serve`` puts on the handler's import path,
so the function runs locally with exactly the dependencies it is deployed with. A rebuild with
unchanged inputs installs nothing. Failures are ``WsspecError`` with codes WS990-WS995, raised
before anything is written.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from wsspec.model import Function, Spec
from wsspec.packaging import cache, node, python

__all__ = ["cache", "describe", "install", "tree_files"]


def install(spec: Spec, fn: Function) -> Path | None:
    """The installed dependency tree of ``fn`` (None when it declares none), installing it
    into the cache first when the declared files, runtime or architecture changed."""
    dep = fn.dependencies
    if dep is None:
        return None
    project = Path(spec.project_dir).resolve()
    mod = node if dep.kind == "npm" else python
    digest = cache.key(*mod.inputs(project, fn, dep))
    final = cache.tree(dep.kind, digest)
    if final.is_dir():
        return final
    tmp = cache.scratch(dep.kind)
    try:
        mod.install(project, fn, dep, tmp)
        cache.publish(tmp, final)
    finally:
        cache.discard(tmp)
    return final


def tree_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(archive name, file) under an installed tree, sorted; no ``__pycache__``, no compiled
    bytecode, no ``node_modules/.bin`` links, no symbolic links leaving the tree."""
    real_root = os.path.realpath(root)
    out: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d != "__pycache__" and not (d == ".bin" and rel_dir.endswith("node_modules"))
        )
        for name in filenames:
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(dirpath, name)
            if path.is_symlink():
                real = os.path.realpath(path)
                if not real.startswith(real_root + os.sep) or not os.path.isfile(real):
                    continue
            out.append((path.relative_to(root).as_posix(), path))
    yield from sorted(out)


def describe(fn: Function) -> str:
    """How a function's dependencies are installed, in words (for ``serve``'s start-up)."""
    dep = fn.dependencies
    if dep is None:
        return "no dependencies declared"
    if dep.kind == "npm":
        return f"npm ci {dep.path} for linux/{node.CPUS[fn.architecture]}"
    return (
        f"pip {dep.path} for {python.PLATFORMS[fn.architecture]}, "
        f"CPython {python.python_version(fn.runtime)}"
    )
