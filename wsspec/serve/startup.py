"""What `wsspec serve` starts besides its port: the notes naming everything that is not emulated,
the function runners (one worker pool per spec function that a route or authorizer uses), and
the hot-reload watch over their source files.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from wsspec import arns, derive, names, packaging, sources
from wsspec.errors import WsspecError
from wsspec.model import Function, Spec, Stage
from wsspec.package import layer_root
from wsspec.serve.config import ServeConfig
from wsspec.serve.integrations.aws import plan_note
from wsspec.serve.integrations.mapping import parameter_notes
from wsspec.serve.invoke import FunctionRunner, function_environment


def plan_notes(spec: Spec, stage: Stage, config: ServeConfig) -> list[str]:
    """Everything that is not emulated or not enforced, named once at start-up. (Functions that
    cannot run, e.g. a Node.js one without `node`, are named by ``function_runners``.)"""
    notes: list[str] = []
    for integ in spec.integrations:
        routes = ", ".join(integ.routes) or "(unused)"
        if integ.kind == "aws":
            notes.append(plan_note(integ, routes, config))
        elif integ.kind == "lambda" and integ.function is None:
            notes.append(
                f"not emulated: existing Lambda {integ.lambda_arn} on {routes} "
                f"(messages get the Internal server error frame)"
            )
        elif integ.kind == "http" and (integ.vpc_link or integ.vpc_link_id):
            notes.append(f"VPC link ignored: {routes} call {integ.url} directly")
        notes += parameter_notes(integ, routes)
    for a in spec.authorizers:
        if a.function is None:
            notes.append(
                f"not emulated: authorizer {a.name} uses an existing Lambda; "
                f"connections are allowed after the identity-source check"
            )
    for r in spec.routes:
        if r.authorization == "AWS_IAM":
            notes.append(f"not enforced: IAM (SigV4) authorization on {r.key}")
        if r.api_key_required:
            notes.append(f"not enforced: API key on {r.key}")
    if not stage.default_settings.is_empty() or stage.route_settings:
        notes.append("not emulated: stage throttling and logging settings")
    return notes


def function_runners(
    spec: Spec,
    config: ServeConfig,
    callback_url: str | None,
    dynamodb_endpoint: str | None,
    log: Callable[[str], None],
    network_env: dict[str, str] | None = None,
) -> tuple[dict[str, FunctionRunner], list[str]]:
    """A runner for every function a route or authorizer uses, and notes for those that cannot
    run here. No process is started yet (``warm``)."""
    used = {i.function for i in spec.integrations if i.kind == "lambda" and i.function}
    used |= {a.function for a in spec.authorizers if a.function}
    used |= {f.name for f in spec.functions if f.triggers}  # stream triggers (serve/streams.py)
    runners: dict[str, FunctionRunner] = {}
    notes: list[str] = []
    for fn in spec.functions:
        if fn.name not in used or fn.builtin is not None:  # JWT authorizers run in-process
            continue
        fname = names.function_name(spec, fn.name)
        env = function_environment(
            dict(os.environ),
            derive.environment(spec, fn.name),
            region=config.region,
            function_name=fname,
            memory=fn.memory,
            runtime=fn.runtime,
            log_group=names.function_log_group(spec, fn.name),
            function_arn=arns.lambda_function("aws", config.region, config.account, fname),
        )
        if fn.logging is not None:  # what Lambda sets from the function's LoggingConfig
            env["AWS_LAMBDA_LOG_FORMAT"] = fn.logging.format
            if fn.logging.level:
                env["AWS_LAMBDA_LOG_LEVEL"] = fn.logging.level
        if callback_url is not None:  # compatibility: AWS code needs no wsspec variable
            env["WSSPEC_CALLBACK_URL"] = callback_url
        env.update(network_env or {})
        if dynamodb_endpoint is not None:
            env["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb_endpoint
        env.update(config.extra_env)
        if os.environ.get("WSSPEC_SITE_PACKAGES") == "1":  # the developer's packages, visible
            env["WSSPEC_SITE_PACKAGES"] = "1"
        deps = packaging.install(spec, fn)  # from the cache unless the declared files changed
        if deps is not None:
            notes.append(f"function {fn.name}: dependencies: {packaging.describe(fn)}")
        paths, layer_notes = layer_paths(spec, fn)
        notes += layer_notes
        try:
            runners[fn.name] = FunctionRunner(
                fn,
                spec.project_dir,
                env,
                concurrency=config.concurrency,
                log=log,
                memory_limit=config.memory_limit,
                dependencies=deps,
                layer_paths=paths,
            )
        except WsspecError as exc:
            if exc.code != "WS968":  # WS968: a Node.js function, and no `node` on PATH
                raise
            allows = (
                f"its authorizers ({', '.join(fn.authorizers)}) allow connections "
                f"after the identity-source check; "
                if fn.authorizers
                else ""
            )
            notes.append(
                f"not emulated: {exc.message}; {allows}its routes get the "
                f"Internal server error frame"
            )
    return runners, notes


def layer_paths(spec: Spec, fn: Function) -> tuple[tuple[str, ...], list[str]]:
    """(import directories of the function's layers, notes). Each layer wsspec builds is
    unpacked from its zip, as Lambda unpacks it into /opt; Lambda merges the layers in order
    (a later layer's file wins), so the later layers' directories come first. Python searches
    ``python/lib/python3.X/site-packages`` then ``python``; Node.js
    ``nodejs/nodeNN/node_modules`` then ``nodejs/node_modules``."""
    roots = [(x.name, layer_root(spec, x)) for x in reversed(spec.function_layers(fn))]
    notes = [
        f"function {fn.name}: layer {name}: unpacked from its zip ({root})" for name, root in roots
    ]
    notes += [
        f"not emulated: function {fn.name}'s layer {arn} (only layers the spec builds are "
        "available locally)"
        for arn in fn.layers
        if spec.layer(arn) is None
    ]
    if fn.language == "nodejs":
        major = fn.runtime.removeprefix("nodejs").split(".")[0]
        subdirs = [f"nodejs/node{major}/node_modules", "nodejs/node_modules"]
    else:
        subdirs = [f"python/lib/{fn.runtime}/site-packages", "python"]
    paths = tuple(str(root / sub) for sub in subdirs for _, root in roots)
    return paths, notes


async def warm(runners: dict[str, FunctionRunner]) -> list[str]:
    """Start one worker of every function now; notes for those whose start or import failed."""
    notes: list[str] = []
    results = await asyncio.gather(*(r.warm() for r in runners.values()), return_exceptions=True)
    for name, res in zip(runners, results):
        if isinstance(res, BaseException):
            notes.append(f"function {name}: {res}")
        elif res is not None:
            notes.append(
                f"function {name}: import failed: {res.get('errorType')}: "
                f"{res.get('errorMessage')} (fix the file; it reloads)"
            )
    return notes


def dependency_signature(spec: Spec, fn: Function) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime, size) of a function's dependency file and the lock files beside it."""
    if fn.dependencies is None:
        return ()
    path = Path(spec.project_dir, fn.dependencies.path)
    out = []
    for p in (path, path.with_name("package-lock.json"), path.with_name("npm-shrinkwrap.json")):
        try:
            st = p.stat()
        except OSError:
            continue
        out.append((str(p), st.st_mtime_ns, st.st_size))
    return tuple(out)


def layer_signature(spec: Spec, fn: Function) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime, size) of every file the function's spec layers are built from."""
    paths: list[Path] = []
    for x in spec.function_layers(fn):
        if x.source_dir is not None:
            walk = sources.walk(spec.project_dir, x.source_dir, layer=True)
            paths += [f.path for f in walk.files]
        if x.dependencies is not None:
            dep = Path(spec.project_dir, x.dependencies.path)
            paths += [dep, dep.with_name("package-lock.json"), dep.with_name("npm-shrinkwrap.json")]
    out = []
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            continue
        out.append((str(p), st.st_mtime_ns, st.st_size))
    return tuple(out)


async def _relayer(spec: Spec, runner: FunctionRunner, log: Callable[[str], None]) -> bool:
    """Rebuild a function's changed layers; False (and the reason logged) on failure, in which
    case its workers keep the layers they had."""
    try:
        paths, _ = await asyncio.to_thread(layer_paths, spec, runner.fn)
    except WsspecError as exc:
        log(f"function {runner.fn.name}: layers not rebuilt: {exc}")
        return False
    runner.use_layers(paths)
    log(f"function {runner.fn.name}: layers rebuilt (changed)")
    return True


async def _repackage(spec: Spec, runner: FunctionRunner, log: Callable[[str], None]) -> bool:
    """Install a function's changed dependencies; False (and the reason logged) on failure,
    in which case its workers keep the dependencies they had."""
    try:
        tree = await asyncio.to_thread(packaging.install, spec, runner.fn)
    except WsspecError as exc:
        log(f"function {runner.fn.name}: dependencies not reinstalled: {exc}")
        return False
    runner.use_dependencies(tree)
    log(f"function {runner.fn.name}: dependencies: {packaging.describe(runner.fn)} (changed)")
    return True


async def watch(
    runners: dict[str, FunctionRunner],
    interval: float,
    log: Callable[[str], None],
    spec: Spec | None = None,
) -> None:
    """Forever: replace a function's workers when its source files change (hot reload), and
    reinstall its dependencies (rebuild its layers) first when its dependency or lock file
    (a file its layers are built from) changed."""
    deps = {n: dependency_signature(spec, r.fn) for n, r in runners.items()} if spec else {}
    lays = {n: layer_signature(spec, r.fn) for n, r in runners.items()} if spec else {}
    while True:
        await asyncio.sleep(interval)
        for name, runner in runners.items():
            try:
                changed = await asyncio.to_thread(runner.changed)
                sig = dependency_signature(spec, runner.fn) if spec else ()
            except OSError:
                continue
            if spec is not None and sig != deps.get(name, ()):
                deps[name] = sig
                changed = await _repackage(spec, runner, log) or changed
            lsig = await asyncio.to_thread(layer_signature, spec, runner.fn) if spec else ()
            if spec is not None and lsig != lays.get(name, ()):
                lays[name] = lsig
                changed = await _relayer(spec, runner, log) or changed
            if not changed:
                continue
            runner.reload()
            log(f"reloaded {name} ({runner.fn.handler_path})")
            err = None
            try:
                err = await runner.warm()
            except WsspecError as exc:
                log(f"function {name}: {exc.message}")
            if err:
                log(
                    f"function {name}: import failed: {err.get('errorType')}: "
                    f"{err.get('errorMessage')}"
                )
