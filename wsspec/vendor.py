"""Packages of the functions wsspec owns, and the libraries vendored into them.

A JWT authorizer's package is ``wsspec/runtime/jwt_authorizer.py`` (as
``wsspec_jwt_authorizer.py``) plus PyJWT and cryptography installed by pip for the function's
runtime and architecture, exactly as a function's own dependencies are
(``wsspec.packaging.python``: ``--platform manylinux2014_<arch> --only-binary=:all:``, errors
WS990-WS993). The installed tree lives in the packaging cache (``$WSSPEC_CACHE_DIR/deps``,
see ``wsspec.packaging.cache``) under a digest of the requirements, the runtime and the
architecture, so pip runs once per machine; ``WSSPEC_VENDOR_DIR`` names a ready tree instead
(offline builds). A handler behind the connection guard gets ``wsspec_connection_guard.py``
added to its package (it needs only boto3, which the Lambda Python runtime provides).
"""

from __future__ import annotations

import os
from pathlib import Path

from wsspec import packaging
from wsspec.model import Function
from wsspec.packaging import cache, python
from wsspec.packaging.platform import InstallFor

_RUNTIME = Path(__file__).resolve().parent / "runtime"
JWT_REQUIREMENTS = ("PyJWT[crypto]==2.10.1",)


def runtime_source(module: str) -> bytes:
    """The source of ``wsspec/runtime/<module>.py`` as shipped into a function."""
    return (_RUNTIME / f"{module}.py").read_bytes()


def vendored_tree(fn: Function, requirements: tuple[str, ...] = JWT_REQUIREMENTS) -> Path:
    """The directory holding ``requirements`` installed for ``fn``'s runtime (pip runs once)."""
    ready = os.environ.get("WSSPEC_VENDOR_DIR")
    if ready:
        return Path(ready)
    text = "".join(f"{r}\n" for r in requirements)
    final = cache.tree("vendor", cache.key("vendor", fn.runtime, fn.architecture, text))
    if final.is_dir():
        return final
    tmp = cache.scratch("vendor")
    try:
        python.pip_install(
            InstallFor(f"function {fn.name}", fn.runtime, fn.architecture),
            text,
            tmp,
            cwd=tmp.parent,
            what=", ".join(requirements),
            hint="build needs the package index once (the result is cached under "
            f"{cache.cache_dir()}); or set WSSPEC_VENDOR_DIR to a directory holding them",
        )
        cache.publish(tmp, final)
    finally:
        cache.discard(tmp)
    return final


def builtin_entries(fn: Function) -> dict[str, bytes]:
    """The files of a function wsspec owns (``fn.builtin``), or {} for a user function."""
    if fn.builtin == "jwt-authorizer":
        tree = vendored_tree(fn)
        entries = {arc: p.read_bytes() for arc, p in packaging.tree_files(tree)}
        entries["wsspec_jwt_authorizer.py"] = runtime_source("jwt_authorizer")
        return entries
    return {}


def guard_entries(fn: Function) -> dict[str, bytes]:
    """The connection guard's module, for a handler it wraps."""
    if fn.user_handler is None:
        return {}
    return {"wsspec_connection_guard.py": runtime_source("connection_guard")}
