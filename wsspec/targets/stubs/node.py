"""Node.js handler stubs: ES module or CommonJS, the way Lambda will load the handler.

A ``.js`` stub is written as an ES module or as CommonJS from the package.json files inside the
function's source directory (``module_system``); ``notes`` explains the cases where local Node
would decide differently.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from wsspec.model import Function, Spec


@dataclass(frozen=True)
class ModuleSystem:
    """How Lambda will load a Node.js handler: as an ES module (``esm``) or as CommonJS.

    ``.mjs`` is always ESM and ``.cjs`` always CommonJS. A ``.js`` file follows the nearest
    ``package.json``: ESM when its ``"type"`` is ``"module"``. Lambda only sees what is in the
    deployment package (the function's source directory, unzipped into /var/task), so the
    search stops at the source directory; local Node keeps looking above it (``local_esm``,
    searched up to the project directory, never beyond).
    """

    esm: bool
    local_esm: bool  # what local Node would do: differs from ``esm`` only for a package.json above
    package_json: str | None = None  # project-relative path of the package.json that decided
    problem: str | None = None  # why that package.json could not be read (then: no "type")


def _package_dirs(fn: Function) -> tuple[list[str], list[str]]:
    """(directories in the deployment package, directories above it), nearest first.

    Project-relative posix paths from the handler's directory up to the project directory
    ("."). A single-file source zips only that file, so no directory is in the package.
    """
    source = fn.source_dir
    chain, d = [], posixpath.dirname(fn.handler_path) or "."
    while True:
        chain.append(d)
        if d == ".":
            break
        d = posixpath.dirname(d) or "."

    def zipped(d: str) -> bool:
        return source == "." or d == source or d.startswith(source + "/")

    return [d for d in chain if zipped(d)], [d for d in chain if not zipped(d)]


def _package_type(project: Path, d: str) -> tuple[str, str | None] | None:
    """The ``"type"`` of ``<d>/package.json`` ("" for none) and why it was unreadable, or None
    when there is no package.json in ``d``. Reads nothing outside the project."""
    path = project / d / "package.json"
    if not path.is_file():
        return None
    real = path.resolve()
    if project not in real.parents:
        return "", "links outside the project and was not read"
    try:
        data = json.loads(path.read_bytes().decode("utf-8", "replace"))  # as Node decodes it
    except json.JSONDecodeError as exc:
        return "", f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    except OSError as exc:
        return "", f"cannot be read ({exc.strerror or exc.__class__.__name__})"
    if not isinstance(data, dict):
        return "", "is not a JSON object"
    return ("module" if data.get("type") == "module" else ""), None


def module_system(spec: Spec, fn: Function) -> ModuleSystem:
    """Whether ``fn``'s handler is an ES module where Lambda runs it (see ``ModuleSystem``)."""
    ext = posixpath.splitext(fn.handler_path)[1]
    if fn.language != "nodejs" or ext not in (".js", ".mjs"):
        return ModuleSystem(esm=False, local_esm=False)
    if ext == ".mjs":
        return ModuleSystem(esm=True, local_esm=True)
    project = Path(spec.project_dir).resolve()
    zipped, above = _package_dirs(fn)
    for deployed, dirs in ((True, zipped), (False, above)):
        for d in dirs:
            found = _package_type(project, d)
            if found is None:
                continue
            type_, problem = found
            rel = posixpath.normpath(posixpath.join(d, "package.json"))
            esm = type_ == "module"
            return ModuleSystem(
                esm=esm and deployed, local_esm=esm, package_json=rel, problem=problem
            )
    return ModuleSystem(esm=False, local_esm=False)


def _listing(paths: list[str]) -> tuple[str, bool]:
    return ", ".join(paths), len(paths) > 1


def notes(spec: Spec, written: Iterable[Function]) -> list[str]:
    """Build notes on the module system of the ``.js`` stubs of ``written`` (one a line).

    ``written``: the functions whose stubs this build creates (an existing file is the user's:
    wsspec writes nothing, so it decides nothing). Two cases need the user: a ``"type":
    "module"`` package.json outside the source directory (Lambda loads the handler as CommonJS,
    local Node as an ES module), and a package.json that cannot be read (treated as having no
    ``"type"``; Node itself refuses a malformed one).
    """
    outside: dict[tuple[str, str, bool], list[str]] = {}
    unreadable: dict[tuple[str, str], list[str]] = {}
    for fn in written:
        if fn.language != "nodejs" or not fn.handler_path.endswith(".js"):
            continue
        ms = module_system(spec, fn)
        if ms.package_json is None:
            continue
        if ms.problem is not None:
            unreadable.setdefault((ms.package_json, ms.problem), []).append(fn.handler_path)
        elif ms.local_esm and not ms.esm:
            single_file = fn.source_dir == fn.handler_path
            outside.setdefault((ms.package_json, fn.source_dir, single_file), []).append(
                fn.handler_path
            )
    out = []
    for (package_json, source, single_file), handlers in outside.items():
        listed, many = _listing(handlers)
        it, its = ("them", "their") if many else ("it", "its")
        fix = (
            f"name {it} .mjs (a single-file source cannot carry a package.json)"
            if single_file
            else f'add {{"type": "module"}} to {source}/package.json or name {it} .mjs'
        )
        out.append(
            f"stubs: {listed} {'are' if many else 'is'} written as CommonJS, as Lambda will load "
            f'{it}: {package_json} ("type": "module") is outside {its} source directory {source}, '
            "so the deployed zip has no package.json, while local Node loads "
            f"{it} as {'ES modules' if many else 'an ES module'}; for ES modules {fix}"
        )
    for (package_json, problem), handlers in unreadable.items():
        listed, many = _listing(handlers)
        refused = (
            "; Node refuses to load .js files under it until it is fixed"
            if problem.startswith("is not valid JSON")
            else ""
        )
        out.append(
            f"stubs: {package_json} {problem}, so {listed} {'are' if many else 'is'} "
            f"written as CommonJS{refused}"
        )
    return out
