"""What Lambda, the packager and the stub generator need of a function (WS540-WS544, WS549).

* WS540 every file of the source directory can be packaged (``wsspec.sources``: regular files,
  links only inside the project) -- the same walk ``build`` packages from.
* WS541 Lambda's ``Handler`` (``module.entry``) has no whitespace and at most 128 characters.
* WS542 the entry is a function name the language can define.
* WS543 / WS544 a stub ``build`` is about to create (the handler file does not exist yet) needs
  one event shape: not proxy and custom integrations at once (WS543), not routes and an
  authorizer at once (WS544), and one function per file (WS549: a stub serves the routes of
  the function it is made for, under its entry, so a second function naming the same new file
  would get a handler that does not serve its routes, or no entry at all). A handler file that
  exists is the user's and is not generated: functions sharing one (a Serverless
  ``handler.connect`` / ``handler.message`` file) are fine.
"""

from __future__ import annotations

import os
import posixpath
from typing import Any

from wsspec import escape, sources
from wsspec.checks.context import Ctx, as_map, as_str, check
from wsspec.loader import Path

MAX_HANDLER = 128  # Lambda's Handler (module path + "." + entry)


def _paths(f: dict[str, Any]) -> tuple[str, str] | None:
    """(normalised handler path, source dir) as the model derives them, or None."""
    handler = as_str(f.get("handler"))
    if handler is None:
        return None
    h = posixpath.normpath(handler.replace("\\", "/"))
    if h.startswith(("/", "../")) or h == ".." or ":" in h[:2]:
        return None  # WS501 / WS502 report it
    source = as_str(f.get("source"))
    s = posixpath.normpath(source.replace("\\", "/")) if source else posixpath.dirname(h) or "."
    if s.startswith(("/", "../")) or s == "..":
        return None
    return h, s


def _language(f: dict[str, Any], handler: str) -> str:
    runtime = as_str(f.get("runtime"))
    if runtime is not None:
        return "nodejs" if runtime.startswith("nodejs") else "python"
    return "python" if handler.endswith(".py") else "nodejs"


@check("WS540", "WS541", "WS542")
def packages(ctx: Ctx) -> None:
    for name, f in ctx.section("functions").items():
        f = as_map(f)
        p = ("functions", name)
        found = _paths(f)
        if found is None:
            continue
        handler, source = found
        _lambda_handler(ctx, p, f, handler, source)
        walk = sources.walk(ctx.project_dir, source)
        for problem in walk.problems:
            shown = problem.arcname if source == "." else f"{source}/{problem.arcname}"
            ctx.add(
                "WS540",
                p + ("source",) if "source" in f else p + ("handler",),
                f"{shown} {problem.reason}",
                "the source directory is packaged as it is: only regular files inside the "
                "project can be (remove the file, or copy what it links to into the project)",
            )


def _lambda_handler(ctx: Ctx, p: Path, f: dict[str, Any], handler: str, source: str) -> None:
    entry = f.get("entry", "handler")
    if not isinstance(entry, str):
        return
    language = _language(f, handler)
    if not escape.is_function_name(entry, language):
        ctx.add(
            "WS542",
            p + ("entry",),
            f"entry {entry!r} is not a valid {'Python' if language == 'python' else 'JavaScript'}"
            " function name",
            "use letters, digits and underscores, not starting with a digit",
        )
    rel = posixpath.relpath(handler, source) if source != "." else handler
    module = posixpath.splitext(rel)[0]
    if language == "python":
        module = module.replace("/", ".")
    value = f"{module}.{entry}"
    if any(c.isspace() for c in value):
        ctx.add(
            "WS541",
            p + ("handler",),
            f"Lambda's handler setting {value!r} would contain whitespace, which Lambda refuses",
            "rename the file or directory without spaces",
        )
    elif len(value) > MAX_HANDLER:
        ctx.add(
            "WS541",
            p + ("handler",),
            f"Lambda's handler setting {value!r} has {len(value)} characters "
            f"(at most {MAX_HANDLER})",
            "shorten the path of the handler inside its source directory",
        )


def _uses(ctx: Ctx) -> tuple[dict[str, set[bool]], set[str]]:
    """(function -> proxy flags of the Lambda integrations using it, authorizer functions)."""
    styles: dict[str, set[bool]] = {}
    named = ctx.section("integrations")
    for r in ctx.routes().values():
        r = as_map(r)
        fn = as_str(r.get("function"))
        if fn is not None:
            styles.setdefault(fn, set()).add(True)
            continue
        integ = r.get("integration")
        integ = as_map(named.get(integ)) if isinstance(integ, str) else as_map(integ)
        fn = as_str(integ.get("function"))
        if integ.get("type") == "lambda" and fn is not None:
            styles.setdefault(fn, set()).add(integ.get("proxy") is not False)
    auth = {
        fn
        for a in ctx.section("authorizers").values()
        if (fn := as_str(as_map(a).get("function"))) is not None
    }
    return styles, auth


@check("WS543", "WS544", "WS549")
def stub_shapes(ctx: Ctx) -> None:
    styles, auth = _uses(ctx)
    first: dict[str, str] = {}  # new handler file -> the first function naming it
    for name, f in ctx.section("functions").items():
        found = _paths(as_map(f))
        if found is None:
            continue
        path = os.path.join(ctx.project_dir, *found[0].split("/"))
        if os.path.lexists(path):
            continue  # the user's handler: nothing is generated
        p = ("functions", name)
        other = first.setdefault(found[0], name)
        if other != name:
            ctx.add(
                "WS549",
                (*p, "handler"),
                f"functions {other!r} and {name!r} both name the handler file {found[0]!r}, "
                "which does not exist yet: its stub would serve only the routes of "
                f"{other!r}",
                "give each function its own handler file, or write the shared file first "
                "(with an entry for each function)",
            )
        if len(styles.get(name, ())) > 1:
            ctx.add(
                "WS543",
                p,
                f"function {name!r} serves both proxy and custom (non-proxy) Lambda "
                "integrations; its new stub could not tell the two event shapes apart",
                "use one function per integration style, or write the handler first",
                key=True,
            )
        if name in auth and name in styles:
            ctx.add(
                "WS544",
                p,
                f"function {name!r} is both an authorizer and a route handler; "
                "authorizer events differ from route events",
                "use separate functions, or write the handler first",
                key=True,
            )
