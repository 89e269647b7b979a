"""`wsspec plan` / `deploy` / `destroy` (issue 6). Registered on the main app by wsspec.cli.

The library (wsspec.deploy) computes plans and executes them; this module renders them,
asks for confirmation, shows progress and prints outputs. boto3 is imported only inside
the commands.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any, List, Optional

import typer

from wsspec.cli import OutputFormat, _err, _load_valid, app
from wsspec.errors import EXIT_OK, WsspecError

_SYMBOL = {"create": "+", "update": "~", "delete": "-", "deploy": "*"}


def _short(v: Any, limit: int = 60) -> str:
    text = json.dumps(v, sort_keys=True, default=str) if not isinstance(v, str) else v
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_plan(plan: Any) -> list[str]:
    """Plan lines: ``+ create``, ``~ update (field: old → new)``, ``- delete``, ``* deploy``."""
    from wsspec.deploy.plan import display_value as _show

    lines = []
    for s in plan.steps:
        head = f"  {_SYMBOL[s.action]} {s.action} {s.kind.replace('_', ' ')} {s.label}"
        if s.action == "update" and s.changes:
            parts = [f"{f}: {_short(_show(o))} → {_short(_show(n))}" for f, o, n in s.changes]
            head += " (" + "; ".join(parts) + ")"
        lines.append(head)
    c = plan.counts()
    lines.append(
        f"Plan: {c['create']} to create, {c['update']} to update, {c['delete']} to delete, "
        f"{c['deploy']} deployment(s)."
    )
    return lines


def _options(
    region: Optional[str], profile: Optional[str], endpoint_url: Optional[str], concurrency: int
) -> Any:
    from wsspec.deploy.aws import Options

    return Options(
        region=region, profile=profile, endpoint_url=endpoint_url, concurrency=concurrency
    )


def _fail(exc: WsspecError) -> None:
    _err(str(exc))
    raise typer.Exit(exc.exit_code)


_REGION = typer.Option(None, "--region", help="AWS region (default: profile / AWS_REGION).")
_PROFILE = typer.Option(None, "--profile", help="AWS profile.")
_ENDPOINT = typer.Option(
    None, "--endpoint-url", help="Send every AWS call here (e.g. a local emulator)."
)
_OUTPUT = typer.Option(OutputFormat.text, "--output", help="text or json.")
_STAGE = typer.Option(
    None, "--stage", help="Limit to this stage (repeatable; default: every stage)."
)
_CONC = typer.Option(8, "--concurrency", help="Parallel AWS calls inside one plan phase.")


@app.command()
def plan(
    file: str = typer.Argument(..., help="The spec file."),
    stage: Optional[List[str]] = _STAGE,
    region: Optional[str] = _REGION,
    profile: Optional[str] = _PROFILE,
    endpoint_url: Optional[str] = _ENDPOINT,
    output: OutputFormat = _OUTPUT,
    concurrency: int = _CONC,
) -> None:
    """Show what `deploy` would change: + create, ~ update (field: old → new), - delete."""
    from wsspec.deploy.run import prepare

    spec = _load_valid(file)
    try:
        session = prepare(spec, _options(region, profile, endpoint_url, concurrency), stages=stage)
    except WsspecError as exc:
        _fail(exc)
    p = session.plan
    if output is OutputFormat.json:
        typer.echo(json.dumps(p.as_dict(), indent=2, default=str))
        raise typer.Exit(EXIT_OK)
    for n in p.notes:
        typer.echo(f"note: {n}")
    if p.empty:
        typer.echo("No changes.")
    else:
        typer.echo("\n".join(render_plan(p)))


def _progress(total: int, quiet: bool) -> Any:
    lock = threading.Lock()
    done = [0]

    def cb(event: str, step: Any, message: str) -> None:
        if quiet:
            return
        with lock:
            if event == "done":
                done[0] += 1
                _err(
                    f"  [{done[0]}/{total}] {_SYMBOL[step.action]} {step.kind.replace('_', ' ')} {step.label}"
                )
            elif event in ("retry", "skip"):
                _err(f"  {event}: {message}")

    return cb


def _print_outputs(out: dict[str, Any]) -> None:
    for name, s in (out.get("stages") or {}).items():
        typer.echo(f"{name}: {s['url']}")
        typer.echo(f"  callback: {s['callback_url']}")
    if out.get("custom_domain"):
        typer.echo(f"custom domain: {out['custom_domain']}")
    if out.get("alarms"):
        typer.echo(f"alarms: {', '.join(out['alarms'])}")
    if out.get("alarm_topic_arn"):
        typer.echo(f"alarm topic: {out['alarm_topic_arn']}")


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        _err("refusing to apply without confirmation: pass --yes (stdin is not a terminal)")
        raise typer.Exit(2)
    if not typer.confirm(question, default=False):
        _err("cancelled")
        raise typer.Exit(1)


def _show_and_apply(
    session: Any, js: bool, yes: bool, *, empty: str, question: str, stopped: str | None = None
) -> Any:
    """Print the plan (text mode), ask, and apply it; None when there is nothing to do."""
    from wsspec.deploy.run import apply

    p = session.plan
    if not js:
        for n in p.notes:
            typer.echo(f"note: {n}")
    if p.empty:
        if not js:
            typer.echo(empty)
        return None
    if not js:
        typer.echo("\n".join(render_plan(p)))
    _confirm(question, yes)
    try:
        return apply(session, progress=_progress(len(p.steps), js))
    except WsspecError as exc:
        if stopped:
            _err(stopped)
        _fail(exc)


@app.command()
def deploy(
    file: str = typer.Argument(..., help="The spec file."),
    stage: Optional[List[str]] = _STAGE,
    region: Optional[str] = _REGION,
    profile: Optional[str] = _PROFILE,
    endpoint_url: Optional[str] = _ENDPOINT,
    output: OutputFormat = _OUTPUT,
    yes: bool = typer.Option(False, "--yes", "-y", help="Apply without asking."),
    concurrency: int = _CONC,
) -> None:
    """Deploy the API directly (apigatewayv2, Lambda, IAM, DynamoDB, Logs): idempotent, seconds."""
    from wsspec.deploy.run import outputs, prepare

    spec = _load_valid(file)
    try:
        session = prepare(spec, _options(region, profile, endpoint_url, concurrency), stages=stage)
    except WsspecError as exc:
        _fail(exc)
    js = output is OutputFormat.json
    result = _show_and_apply(
        session,
        js,
        yes,
        empty="No changes.",
        question="Apply these changes?",
        stopped="deploy stopped; run the same command again to continue from here",
    )
    p = session.plan
    if result is not None and not js:
        for w in result.warnings:
            typer.echo(f"warning: {w}")
        typer.echo(f"Applied {result.steps_done} change(s) with {result.calls} API call(s).")
    out = outputs(session, result)
    if js:
        typer.echo(
            json.dumps(
                {
                    "plan": p.as_dict(),
                    "applied": bool(result),
                    "warnings": result.warnings if result else [],
                    "outputs": out,
                },
                indent=2,
                default=str,
            )
        )
    else:
        _print_outputs(out)


@app.command()
def destroy(
    file: str = typer.Argument(..., help="The spec file."),
    stage: Optional[List[str]] = typer.Option(
        None, "--stage", help="Remove only this stage (repeatable)."
    ),
    region: Optional[str] = _REGION,
    profile: Optional[str] = _PROFILE,
    endpoint_url: Optional[str] = _ENDPOINT,
    output: OutputFormat = _OUTPUT,
    yes: bool = typer.Option(False, "--yes", "-y", help="Delete without asking."),
    concurrency: int = _CONC,
) -> None:
    """Delete what wsspec created for this spec (only resources carrying its ownership tag)."""
    from wsspec.deploy.run import prepare

    spec = _load_valid(file)
    try:
        session = prepare(
            spec, _options(region, profile, endpoint_url, concurrency), stages=stage, destroy=True
        )
    except WsspecError as exc:
        _fail(exc)
    js = output is OutputFormat.json
    result = _show_and_apply(
        session, js, yes, empty="Nothing to destroy.", question="Delete these resources?"
    )
    p = session.plan
    if result is not None and not js:
        typer.echo(f"Destroyed {result.steps_done} resource(s).")
    if js:
        typer.echo(
            json.dumps({"plan": p.as_dict(), "applied": bool(result)}, indent=2, default=str)
        )
