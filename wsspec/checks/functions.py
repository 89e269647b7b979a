"""Functions, handler paths and the connection table (WS501-WS506), with the function limits
(WS413 description, WS419 environment) and WS814 (a timeout API Gateway does not wait for)."""

from __future__ import annotations

import os
import posixpath
import re
from typing import Any

from wsspec.checks.context import Ctx, as_list, as_map, as_str, check, did_you_mean
from wsspec.loader import Path

_RESERVED_ENV = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
}


def project_path(ctx: Ctx, path: Path, value: str, what: str) -> str | None:
    """Check that ``value`` stays inside the project; returns the normalised posix path."""
    raw = value.replace("\\", "/")
    if raw.startswith("/") or re.match(r"[A-Za-z]:", raw):
        ctx.add(
            "WS501",
            path,
            f"the {what} path {value!r} is absolute",
            "give a path relative to the spec file's directory",
        )
        return None
    norm = posixpath.normpath(raw)
    if norm == ".." or norm.startswith("../"):
        ctx.add(
            "WS502",
            path,
            f"the {what} path {value!r} leaves the project directory",
            "keep handlers inside the directory of the spec file",
        )
        return None
    root = os.path.realpath(ctx.project_dir)
    real = os.path.realpath(os.path.join(root, *norm.split("/")))
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        ctx.add(
            "WS502",
            path,
            f"the {what} path {value!r} resolves (through a symbolic link) "
            "outside the project directory",
            "keep handlers inside the directory of the spec file",
        )
        return None
    return norm


@check("WS413", "WS419", "WS501", "WS502", "WS503", "WS504", "WS505", "WS506", "WS814")
def functions(ctx: Ctx) -> None:
    has_table = bool(ctx.data.get("connections"))
    for name, f in ctx.section("functions").items():
        if not isinstance(f, dict):
            continue
        p = ("functions", name)
        _handler(ctx, p, f)
        grants = as_list(f.get("grants"))
        if "connection_table" in grants and not has_table:
            ctx.add(
                "WS505",
                p + ("grants",),
                "the 'connection_table' grant needs a 'connections' section",
                "add 'connections: true'",
            )
        _environment(ctx, p, as_map(f.get("environment")))
        desc = f.get("description")
        if isinstance(desc, str) and len(desc) > 256:
            ctx.add(
                "WS413",
                p + ("description",),
                f"a Lambda description has at most 256 characters, not {len(desc)}",
            )
        timeout = f.get("timeout")
        if isinstance(timeout, int) and not isinstance(timeout, bool) and timeout > 29:
            ctx.add(
                "WS814",
                p + ("timeout",),
                f"API Gateway stops waiting after 29 s; a {timeout} s timeout only helps "
                "functions that answer through @connections",
            )
    conn = ctx.data.get("connections")
    if isinstance(conn, dict) and ("read_capacity" in conn) != ("write_capacity" in conn):
        ctx.add(
            "WS506",
            ("connections",),
            "give both read_capacity and write_capacity (provisioned) or neither (on-demand)",
            key=True,
        )


def _handler(ctx: Ctx, p: Path, f: dict[str, Any]) -> None:
    """Handler and source paths stay in the project (WS501-WS503) and match the runtime (WS504)."""
    handler = as_str(f.get("handler"))
    source = as_str(f.get("source"))
    h = project_path(ctx, p + ("handler",), handler, "handler") if handler is not None else None
    s = project_path(ctx, p + ("source",), source, "source") if source is not None else None
    if (
        h is not None
        and s is not None
        and s != "."
        and not (h + "/").startswith(s.rstrip("/") + "/")
    ):
        ctx.add(
            "WS503",
            p + ("handler",),
            f"the handler {handler!r} is not inside source {source!r}",
            "the source directory is the deployment package; the handler must be in it",
        )
    if h is None:
        return
    ext = posixpath.splitext(h)[1]
    runtime = as_str(f.get("runtime"))
    if ext not in (".py", ".js", ".mjs", ".cjs"):
        ctx.add(
            "WS504",
            p + ("handler",),
            f"the handler {handler!r} must be a .py (Python) or .js/.mjs/.cjs (Node.js) file",
        )
    elif runtime is not None:
        node = runtime.startswith("nodejs")
        if node != (ext != ".py"):
            ctx.add(
                "WS504",
                p + ("runtime",),
                f"runtime {runtime!r} cannot run the {ext} handler {handler!r}",
            )


def _environment(ctx: Ctx, p: Path, env: dict[str, Any]) -> None:
    """WS419: variable names, names the Lambda runtime reserves, and the 4 KB total."""
    for var in env:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", var):
            ctx.add(
                "WS419",
                p + ("environment", var),
                f"environment variable name {var!r} must start with a letter and contain "
                "only letters, digits and '_'",
                key=True,
            )
        elif var in _RESERVED_ENV:
            ctx.add(
                "WS419",
                p + ("environment", var),
                f"{var!r} is reserved by the Lambda runtime",
                key=True,
            )
    size = sum(len(str(k)) + len(str(v)) for k, v in env.items())
    if size > 4096:
        ctx.add(
            "WS419",
            p + ("environment",),
            f"the environment takes {size} bytes; Lambda allows 4 KB",
            key=True,
        )


@check("WS861")
def secret_environment(ctx: Ctx) -> None:
    """Each name in ``secret_environment`` must be one of the function's variables: a misspelt
    name would leave the real secret unmasked in plans."""
    for name, f in ctx.section("functions").items():
        fn = as_map(f)
        env = as_map(fn.get("environment"))
        for i, var in enumerate(as_list(fn.get("secret_environment"))):
            if isinstance(var, str) and var not in env:
                ctx.add(
                    "WS861",
                    ("functions", name, "secret_environment", i),
                    f"{var!r} is not a variable of this function's environment, so nothing is "
                    "masked for it",
                    did_you_mean(var, env) or "list names that appear under environment",
                )
