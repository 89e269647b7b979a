"""`wsspec serve` (issue 7). Registered on the main app by wsspec.cli."""

from __future__ import annotations

import typer

from wsspec.cli import _err, _load_valid, app
from wsspec.errors import EXIT_USAGE, WsspecError


@app.command()
def serve(
    file: str = typer.Argument(..., help="The spec file."),
    stage: str | None = typer.Option(None, "--stage", help="Stage to serve (default: the first)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (loopback by default)."),
    port: int = typer.Option(3001, "--port", help="Port for WebSockets and @connections (0: any)."),
    idle_timeout: float = typer.Option(
        600.0, "--idle-timeout", help="Idle timeout, seconds (AWS: 600)."
    ),
    max_lifetime: float = typer.Option(
        7200.0, "--max-lifetime", help="Maximum connection lifetime, seconds (AWS: 7200)."
    ),
    timeout: float | None = typer.Option(
        None, "--timeout", help="Override every integration timeout, seconds (AWS default: 29)."
    ),
    region: str = typer.Option(
        "us-east-1", "--region", help="Region in ARNs and the functions' AWS_REGION."
    ),
    api_id: str | None = typer.Option(
        None, "--api-id", help="API id in events and ARNs (default: derived from the API name)."
    ),
    concurrency: int = typer.Option(4, "--concurrency", help="Worker processes per function."),
    reload: bool = typer.Option(
        True, "--reload/--no-reload", help="Reload handlers when their files change."
    ),
    dynamodb: bool = typer.Option(
        True,
        "--dynamodb/--no-dynamodb",
        help="Start a local AWS (moto server on 127.0.0.1) for the connection table and AWS service integrations.",
    ),
    dynamodb_endpoint: str | None = typer.Option(
        None,
        "--dynamodb-endpoint",
        help="Use this DynamoDB endpoint (table and DynamoDB integrations) instead of the local one.",
    ),
    env: list[str] | None = typer.Option(
        None, "--env", help="Extra KEY=VALUE for every function (repeatable)."
    ),
    set_option: list[str] | None = typer.Option(
        None,
        "--set",
        help="Set an [Unverified] choice, e.g. --set two_way_error_status=error (see README).",
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No per-event log lines."),
) -> None:
    """Serve the spec locally: ws://HOST:PORT/STAGE, with @connections at http://HOST:PORT/STAGE."""
    import asyncio
    import signal

    from wsspec.serve.config import ServeConfig

    spec = _load_valid(file)
    extra = {}
    for item in env or []:
        k, sep, v = item.partition("=")
        if not sep or not k:
            _err(f"error: --env expects KEY=VALUE, got {item!r}")
            raise typer.Exit(EXIT_USAGE) from None
        extra[k] = v
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
        extra_env=extra,
    )
    try:
        _apply_settings(cfg, set_option or [])
    except ValueError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    if timeout is not None and timeout <= 0 or idle_timeout <= 0 or max_lifetime <= 0:
        _err("error: timeouts must be positive")
        raise typer.Exit(EXIT_USAGE)

    async def run() -> None:
        from wsspec.serve.gateway import Gateway

        gw = Gateway(spec, cfg, log=_err)
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
                _err("interrupted while starting")
                await gw.stop()
                return
            starting.result()
        except BaseException:
            interrupted.cancel()
            await gw.stop()
            raise
        typer.echo(f"wsspec serve: {spec.api.name} (stage {gw.stage.name})")
        typer.echo(f"  WebSocket     {gw.ws_url}")
        typer.echo(f"  @connections  {gw.callback_url}  (WSSPEC_CALLBACK_URL for handlers)")
        if gw.dynamo is not None:
            typer.echo(f"  DynamoDB      {gw.dynamo.endpoint}  table {gw.dynamo.name}")
        for fn, runner in gw.runners.items():
            typer.echo(f"  function      {fn}: {runner.fn.handler_path}")
        for note in gw.notes:
            typer.echo(f"  NOTE          {note}")
        typer.echo("Ctrl-C to stop", nl=True)
        import sys

        sys.stdout.flush()
        await stop.wait()
        _err("shutting down: closing connections (1001) and running $disconnect")
        await gw.stop()

    try:
        asyncio.run(run())
    except WsspecError as exc:
        _err(str(exc))
        raise typer.Exit(exc.exit_code) from None
    except OSError as exc:
        _err(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_USAGE) from None


def _apply_settings(cfg: object, items: list[str]) -> None:
    from dataclasses import fields

    known = {f.name: f for f in fields(cfg)}  # type: ignore[arg-type]
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
