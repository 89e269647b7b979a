"""Layers wsspec builds (``layers``) and the functions using them (WS568-WS569).

A layer's ``source`` stays inside the project (WS501/WS502) and is a directory whose files can
be packaged (WS568); its ``dependencies`` file is checked as a function's is (WS560-WS563) and
must suit its ``runtimes`` and ``architectures`` (WS569: one architecture when packages are
installed, since their wheels or prebuilt binaries are for one); every function naming the
layer has one of its runtimes and architectures (WS569). Unknown layer names are WS564
(``packaging.py``, beside the layer ARNs).
"""

from __future__ import annotations

import os
from typing import Any

from wsspec import runtimes, sources
from wsspec.checks.context import Ctx, as_list, as_map, as_str, check
from wsspec.checks.functions import project_path
from wsspec.checks.packaging import LANGUAGE_OF, SAID, dependencies_file, excludes, language
from wsspec.loader import Path
from wsspec.model import dependency_kind


@check("WS501", "WS502", "WS560", "WS561", "WS562", "WS563", "WS566", "WS568", "WS569")
def layers(ctx: Ctx) -> None:
    for name, x in ctx.section("layers").items():
        if not isinstance(x, dict):
            continue
        p = ("layers", name)
        source = as_str(x.get("source"))
        if source is not None:
            _source(ctx, p + ("source",), source)
        dep = as_str(x.get("dependencies"))
        if dep is not None and dependencies_file(ctx, p + ("dependencies",), dep, None):
            _suits_dependencies(ctx, p, x, dep)
        excludes(ctx, p + ("exclude",), as_list(x.get("exclude")))
    _functions_fit(ctx)


def _source(ctx: Ctx, p: Path, value: str) -> None:
    norm = project_path(ctx, p, value, "layer source")
    if norm is None:
        return
    full = os.path.join(ctx.project_dir, *norm.split("/"))
    if not os.path.isdir(full):
        ctx.add(
            "WS568",
            p,
            f"the layer source {value!r} is not a directory",
            "give the directory whose content becomes the layer's root (/opt), "
            "e.g. one holding python/ or nodejs/node_modules/",
        )
        return
    problems = sources.walk(ctx.project_dir, norm, layer=True).problems
    if problems:
        first = problems[0]
        ctx.add(
            "WS568",
            p,
            f"{first.arcname if norm == '.' else norm + '/' + first.arcname} {first.reason}",
            "only regular files inside the project are packaged; remove or replace it",
        )


def _strings(v: Any) -> list[str]:
    return [s for s in as_list(v) if isinstance(s, str)]


def _suits_dependencies(ctx: Ctx, p: Path, x: dict[str, Any], dep: str) -> None:
    kind = dependency_kind(dep)
    if kind is None:
        return
    lang = LANGUAGE_OF[kind]
    rts = _strings(x.get("runtimes"))
    if rts and not any(r.startswith(lang) for r in rts):
        ctx.add(
            "WS569",
            p + ("runtimes",),
            f"the layer installs {SAID[lang]} packages ({dep}) but lists no {SAID[lang]} runtime",
            f"add the {SAID[lang]} runtime(s) of the functions using it",
        )
    archs = _strings(x.get("architectures"))
    if len(set(archs)) > 1:
        ctx.add(
            "WS569",
            p + ("architectures",),
            "a layer with dependencies is built for one architecture, not "
            + " and ".join(dict.fromkeys(archs)),
            "packages are installed for one platform: define one layer per architecture",
        )


def _functions_fit(ctx: Ctx) -> None:
    """WS569: every function naming a layer has one of its runtimes and architectures."""
    known = {n: x for n, x in ctx.section("layers").items() if isinstance(x, dict)}
    if not known:
        return
    defaults = ctx.section("function_defaults")
    inherited = [n for n in _strings(defaults.get("layers")) if n in known]
    for fname, f in ctx.section("functions").items():
        if not isinstance(f, dict):
            continue
        runtime = as_str(f.get("runtime")) or (
            runtimes.DEFAULT_NODE if language(f) == "nodejs" else runtimes.DEFAULT_PYTHON
        )
        arch = as_str(f.get("architecture")) or as_str(defaults.get("architecture")) or "x86_64"
        own = _strings(f.get("layers"))
        for i, lname in enumerate(own):
            if lname in known:
                _fits(ctx, ("functions", fname, "layers", i), lname, known[lname], runtime, arch)
        for lname in inherited:
            if lname not in own:
                where: Path = ("functions", fname)
                _fits(ctx, where, lname, known[lname], runtime, arch, key=True)


def _fits(
    ctx: Ctx,
    p: Path,
    lname: str,
    x: dict[str, Any],
    runtime: str,
    arch: str,
    *,
    key: bool = False,
) -> None:
    rts = _strings(x.get("runtimes"))
    if rts and runtime not in rts:
        ctx.add(
            "WS569",
            p,
            f"layer {lname!r} is for {', '.join(rts)}, not this function's {runtime}",
            f"add {runtime} to layers.{lname}.runtimes if its content works there",
            key=key,
        )
    archs = _strings(as_map(x).get("architectures")) or ["x86_64"]
    if arch not in archs:
        ctx.add(
            "WS569",
            p,
            f"layer {lname!r} is built for {', '.join(archs)}, not this function's {arch}",
            "give the function the layer's architecture, or define a layer for its own",
            key=key,
        )
