"""Function packages: dependencies files, layers and exclude patterns (WS560-WS567).

The dependencies file of a function is its own ``dependencies`` or, when it gives none, the
file of its language in ``function_defaults.dependencies``. These checks read the files only to
see that they exist and can be installed from (a lock file beside a package.json, a readable
``[project] dependencies`` list in a pyproject.toml); nothing is fetched.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import sys
from typing import Any

from wsspec.checks.context import Ctx, as_list, as_map, as_str, check
from wsspec.checks.functions import project_path
from wsspec.loader import Path
from wsspec.model import dependency_kind

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MAX_LAYERS = 5
LAYER_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]{1,140}:[1-9][0-9]*"
)
LOCK_FILES = ("package-lock.json", "npm-shrinkwrap.json")
LANGUAGE_OF = {"npm": "nodejs", "requirements": "python", "pyproject": "python"}
SAID = {"nodejs": "Node.js", "python": "Python"}


def pyproject_dependencies(text: str) -> list[str] | None:
    """The ``[project] dependencies`` of a pyproject.toml, or None when there is no such list."""
    try:
        deps = tomllib.loads(text).get("project", {}).get("dependencies")
    except (tomllib.TOMLDecodeError, AttributeError):
        return None
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        return None
    return deps


def _language(f: dict[str, Any]) -> str:
    runtime = as_str(f.get("runtime"))
    if runtime is not None:
        return "nodejs" if runtime.startswith("nodejs") else "python"
    handler = as_str(f.get("handler")) or ""
    return "nodejs" if handler.endswith((".js", ".mjs", ".cjs")) else "python"


@check("WS501", "WS502", "WS560", "WS561", "WS562", "WS563", "WS564", "WS565", "WS566", "WS567")
def packaging(ctx: Ctx) -> None:
    defaults = ctx.section("function_defaults")
    default_files = _default_files(ctx, defaults.get("dependencies"))
    default_layers = [x for x in as_list(defaults.get("layers")) if isinstance(x, str)]
    _layers(ctx, ("function_defaults", "layers"), default_layers, [])
    _excludes(ctx, ("function_defaults", "exclude"), as_list(defaults.get("exclude")))
    for name, f in ctx.section("functions").items():
        if not isinstance(f, dict):
            continue
        p = ("functions", name)
        language = _language(f)
        own = f.get("dependencies")
        if isinstance(own, str):
            _dependencies_file(ctx, p + ("dependencies",), own, language)
        elif own is not False and not any(LANGUAGE_OF[k] == language for k in default_files):
            _undeclared(ctx, p, f, language)
        layers = [x for x in as_list(f.get("layers")) if isinstance(x, str)]
        _layers(ctx, p + ("layers",), layers, default_layers)
        _excludes(ctx, p + ("exclude",), as_list(f.get("exclude")))


def _default_files(ctx: Ctx, value: Any) -> dict[str, str]:
    """Check the default dependencies files; their kinds (one file per language is used)."""
    items = [value] if isinstance(value, str) else as_list(value)
    kinds: dict[str, str] = {}
    for i, item in enumerate(items):
        if not isinstance(item, str):
            continue
        path = ("function_defaults", "dependencies") + ((i,) if not isinstance(value, str) else ())
        norm = _dependencies_file(ctx, path, item, None)
        kind = dependency_kind(item)
        if norm is not None and kind is not None:
            kinds.setdefault(kind, norm)
    return kinds


def _dependencies_file(ctx: Ctx, p: Path, value: str, language: str | None) -> str | None:
    """WS501/WS502 (inside the project), WS561 (kind), WS560 (exists), WS562/WS563 (usable)."""
    norm = project_path(ctx, p, value, "dependencies")
    if norm is None:
        return None
    kind = dependency_kind(norm)
    if kind is None:
        ctx.add(
            "WS561",
            p,
            f"{value!r} is not a dependencies file wsspec can install from",
            "give a pip requirements file (*.txt), a pyproject.toml or a package.json",
        )
        return None
    if language is not None and LANGUAGE_OF[kind] != language:
        ctx.add(
            "WS561",
            p,
            f"{value!r} declares {SAID[LANGUAGE_OF[kind]]} dependencies for a "
            f"{SAID[language]} function",
            "Python functions take a requirements file or pyproject.toml, Node.js functions "
            "a package.json",
        )
        return None
    full = os.path.join(ctx.project_dir, *norm.split("/"))
    if not os.path.isfile(full):
        ctx.add("WS560", p, f"the dependencies file {value!r} does not exist")
        return None
    if kind == "npm":
        folder = os.path.dirname(full)
        if not any(os.path.isfile(os.path.join(folder, lock)) for lock in LOCK_FILES):
            ctx.add(
                "WS562",
                p,
                f"{value!r} has no package-lock.json or npm-shrinkwrap.json beside it",
                "run `npm install` once next to it and keep the lock file: packages are "
                "installed with `npm ci`, exactly as locked",
            )
            return None
    if kind == "pyproject":
        with open(full, encoding="utf-8", errors="replace") as fh:
            if pyproject_dependencies(fh.read()) is None:
                ctx.add(
                    "WS563",
                    p,
                    f"{value!r} has no readable [project] dependencies list",
                    "list the requirements under [project] dependencies = [...]",
                )
                return None
    return norm


def _layers(ctx: Ctx, p: Path, layers: list[str], inherited: list[str]) -> None:
    for i, arn in enumerate(layers):
        if not LAYER_ARN.fullmatch(arn):
            ctx.add(
                "WS564",
                p + (i,),
                f"{arn!r} is not a Lambda layer version ARN",
                "arn:aws:lambda:<region>:<account>:layer:<name>:<version>",
            )
    total = len(dict.fromkeys([*inherited, *layers]))
    if total > MAX_LAYERS and layers:
        ctx.add(
            "WS565",
            p,
            f"a function can use at most {MAX_LAYERS} layers, not {total}"
            + (" (with those of function_defaults)" if inherited else ""),
        )


def _excludes(ctx: Ctx, p: Path, patterns: list[Any]) -> None:
    for i, pat in enumerate(patterns):
        if not isinstance(pat, str):
            continue
        if pat.startswith("/") or ".." in pat.replace("\\", "/").split("/"):
            ctx.add(
                "WS566",
                p + (i,),
                f"the exclude pattern {pat!r} must be relative to the package root",
                "patterns match paths inside the zip, e.g. 'tests/*' or '*.md'",
            )


def _undeclared(ctx: Ctx, p: Path, f: dict[str, Any], language: str) -> None:
    """WS567: a dependencies file lies in the source directory but is not declared."""
    source = as_str(f.get("source")) or posixpath.dirname(as_str(f.get("handler")) or "")
    source = posixpath.normpath(source.replace("\\", "/") or ".")
    if source.startswith("/") or source == ".." or source.startswith("../"):
        return
    folder = os.path.join(ctx.project_dir, *source.split("/"))
    found: str | None = None
    if language == "python":
        req = os.path.join(folder, "requirements.txt")
        if os.path.isfile(req) and _has_requirements(req):
            found = "requirements.txt"
    else:
        pkg = os.path.join(folder, "package.json")
        if os.path.isfile(pkg) and _has_npm_dependencies(pkg):
            found = "package.json"
    if found is not None:
        rel = posixpath.normpath(posixpath.join(source, found))
        ctx.add(
            "WS567",
            p,
            f"{rel} lists dependencies, but the function does not declare it; "
            "they will not be in its package",
            f"add 'dependencies: {rel}' (or 'dependencies: false' to silence this)",
            key=True,
        )


def _has_requirements(path: str) -> bool:
    with open(path, encoding="utf-8", errors="replace") as fh:
        return any(line.split("#", 1)[0].strip() for line in fh)


def _has_npm_dependencies(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return False
    return bool(as_map(as_map(data).get("dependencies")))
