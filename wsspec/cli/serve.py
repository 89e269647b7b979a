"""`wsspec serve` (issue 7): the local gateway, started and stopped from the command line."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

import click

from wsspec.cli.common import echo, err, exit_with, load_valid, output_option, require_extra
from wsspec.errors import EXIT_OK, EXIT_USAGE, WsspecError

if TYPE_CHECKING:
    from wsspec.model import Spec
    from wsspec.serve.config import ServeConfig
    from wsspec.serve.gateway import Gateway


def _extra_env(items: tuple[str, ...]) -> dict[str, str]:
    """``--env KEY=VALUE`` options as a dict; a malformed one is a usage error."""
    extra = {}
    for item in items:
        k, sep, v = item.partition("=")
        if not sep or not k:
            err(f"error: --env expects KEY=VALUE, got {item!r}")
            exit_with(EXIT_USAGE)
        extra[k] = v
    return extra


def apply_settings(cfg: ServeConfig, items: list[str]) -> None:
    """Apply ``--set NAME=VALUE`` to the config's field of that name (ValueError when unknown)."""
    known = {f.name for f in fields(cfg)}
    for item in items:
        k, sep, v = item.partition("=")
        if not sep or k not in known or k in ("extra_env",):
            raise ValueError(f"--set expects NAME=VALUE with a ServeConfig field, got {item!r}")
        cur = getattr(cfg, k)
        value: object
        if isinstance(cur, bool):
            value = v.lower() in ("1", "true", "yes", "on")
        elif isinstance(cur, int):
            value = int(v)
        elif isinstance(cur, float):
            value = float(v)
        elif isinstance(cur, tuple):
            code, _, reason = v.partition(":")
            value = (int(code), reason)
        else:
            value = v
        setattr(cfg, k, value)


def _announce(spec: Spec, gw: Gateway, output: str = "text") -> None:
    """The addresses a user needs once the gateway listens (stdout, flushed); with
    ``--output json`` one JSON object on one line (a script started with ``--port 0`` reads
    its URLs from it)."""
    import json
    import sys

    if output == "json":
        data = {
            "api": spec.api.name,
            "stage": gw.stage.name,
            "websocket": gw.ws_url,
            "connections": gw.callback_url,
            "dynamodb": (
                {
                    "endpoint": gw.dynamo.endpoint,
                    "table": gw.dynamo.name if spec.connections is not None else None,
                    "tables": gw.dynamo.table_names,
                }
                if gw.dynamo is not None
                else None
            ),
            "functions": {fn: str(r.fn.handler_path) for fn, r in gw.runners.items()},
            "notes": list(gw.notes),
        }
        echo(json.dumps(data))
        sys.stdout.flush()
        return
    echo(f"wsspec serve: {spec.api.name} (stage {gw.stage.name})")
    echo(f"  WebSocket     {gw.ws_url}")
    echo(f"  @connections  {gw.callback_url}")
    if gw.aws_callback_url is not None:
        echo(
            f"  in functions  {gw.aws_callback_url} (and the event's domainName) reach this "
            f"server over TLS at 127.0.0.1:{gw.network.tls_port}"
        )
    if gw.dynamo is not None:
        tables = gw.dynamo.table_names
        label = "table" if len(tables) == 1 else "tables"
        echo(f"  DynamoDB      {gw.dynamo.endpoint}  {label} {', '.join(tables)}")
    for fn, runner in gw.runners.items():
        echo(f"  function      {fn}: {runner.fn.handler_path}")
    for note in gw.notes:
        echo(f"  NOTE          {note}")
    echo("Ctrl-C to stop")
    sys.stdout.flush()


async def _run(spec: Spec, cfg: ServeConfig, output: str = "text") -> None:
    """Start the gateway, serve until SIGINT/SIGTERM, then stop it (also if stopped while starting)."""
    import asyncio
    import signal

    from wsspec.serve.gateway import Gateway

    gw = Gateway(spec, cfg, log=err)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    # Ctrl-C / SIGTERM also work while starting (e.g. a slow local AWS emulator).
    starting = asyncio.ensure_future(gw.start())
    interrupted = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({starting, interrupted}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
            err("interrupted while starting")
            await gw.stop()
            return
        starting.result()
    except BaseException:
        interrupted.cancel()
        await gw.stop()
        raise
    _announce(spec, gw, output)
    await stop.wait()
    err("shutting down: closing connections (1001) and running $disconnect")
    await gw.stop()


@click.command("serve")
@click.argument("file", help="The spec file.")
@click.option("--stage", help="Stage to serve (default: the first).")
@click.option("--host", default="127.0.0.1", help="Address to bind (loopback by default).")
@click.option(
    "--port", type=int, default=3001, help="Port for WebSockets and @connections (0: any)."
)
@click.option("--idle-timeout", type=float, default=600.0, help="Idle timeout, seconds (AWS: 600).")
@click.option(
    "--max-lifetime",
    type=float,
    default=7200.0,
    help="Maximum connection lifetime, seconds (AWS: 7200).",
)
@click.option(
    "--timeout",
    type=float,
    help="Override every integration timeout, seconds (AWS default: 29).",
)
@click.option("--region", default="us-east-1", help="Region in ARNs and the functions' AWS_REGION.")
@click.option("--api-id", help="API id in events and ARNs (default: derived from the API name).")
@click.option("--concurrency", type=int, default=4, help="Worker processes per function.")
@click.option("--reload/--no-reload", default=True, help="Reload handlers when their files change.")
@click.option(
    "--dynamodb/--no-dynamodb",
    default=True,
    help="Start a local AWS (moto server on 127.0.0.1) for the connection table and AWS service integrations.",
)
@click.option(
    "--dynamodb-endpoint",
    help="Use this DynamoDB endpoint (table and DynamoDB integrations) instead of the local one.",
)
@click.option("--env", multiple=True, help="Extra KEY=VALUE for every function (repeatable).")
@click.option(
    "--set",
    "set_option",
    multiple=True,
    help="Set an [Unverified] choice, e.g. --set two_way_error_status=error (see README).",
)
@click.option(
    "--local-issuer",
    is_flag=True,
    help="JWT authorizers trust the local key that `wsspec token` signs with.",
)
@click.option("--quiet", is_flag=True, help="No per-event log lines.")
@click.option(
    "--loop",
    "loop_name",
    type=click.Choice(["auto", "asyncio", "uvloop"]),
    default="auto",
    show_default=True,
    help="Event loop: uvloop when installed (auto), or the standard library's (asyncio).",
)
@output_option(help="How the addresses are announced: text, or one JSON object (json).")
def serve_command(
    file: str,
    stage: str | None,
    host: str,
    port: int,
    idle_timeout: float,
    max_lifetime: float,
    timeout: float | None,
    region: str,
    api_id: str | None,
    concurrency: int,
    reload: bool,
    dynamodb: bool,
    dynamodb_endpoint: str | None,
    env: tuple[str, ...],
    set_option: tuple[str, ...],
    local_issuer: bool,
    quiet: bool,
    loop_name: str,
    output: str,
) -> None:
    """Serve the spec locally: ws://HOST:PORT/STAGE, with @connections at http://HOST:PORT/STAGE."""

    require_extra("serve", "serve")
    from wsspec.serve.config import ServeConfig

    spec = load_valid(file)
    cfg = ServeConfig(
        host=host,
        port=port,
        stage=stage,
        region=region,
        api_id=api_id,
        idle_timeout=idle_timeout,
        max_lifetime=max_lifetime,
        timeout=timeout,
        concurrency=concurrency,
        reload=reload,
        dynamodb=dynamodb,
        dynamodb_endpoint=dynamodb_endpoint,
        log_events=not quiet,
        local_issuer=local_issuer,
        extra_env=_extra_env(env),
    )
    try:
        apply_settings(cfg, list(set_option))
    except ValueError as exc:
        err(f"error: {exc}")
        exit_with(EXIT_USAGE)
    if timeout is not None and timeout <= 0 or idle_timeout <= 0 or max_lifetime <= 0:
        err("error: timeouts must be positive")
        exit_with(EXIT_USAGE)
    from wsspec.serve import eventloop

    try:
        run = eventloop.runner(eventloop.resolve(loop_name))
    except ValueError as exc:
        err(f"error: {exc}")
        exit_with(EXIT_USAGE)
    try:
        run(_run(spec, cfg, output))
    except WsspecError as exc:
        err(str(exc))
        exit_with(exc.exit_code)
    except OSError as exc:
        err(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}")
        exit_with(EXIT_USAGE)
    exit_with(EXIT_OK)
