"""`wsspec plan` / `deploy` / `destroy` (issue 6).

The library (wsspec.deploy) computes plans and executes them; this module renders them,
asks for confirmation, shows progress and prints outputs. boto3 is imported only inside
the commands.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from wsspec.cli.common import OUTPUT_FORMATS, echo, err, exit_with, fail, load_valid
from wsspec.errors import EXIT_OK, EXIT_USAGE, WsspecError

if TYPE_CHECKING:
    from wsspec.deploy.execute import Progress, Result
    from wsspec.deploy.plan import Plan, Step
    from wsspec.deploy.progress import Activity, Snapshot
    from wsspec.deploy.run import Session
    from wsspec.model import Spec

_SYMBOL = {"create": "+", "update": "~", "delete": "-", "deploy": "*"}
F = TypeVar("F", bound=Callable[..., None])


def _short(v: Any, limit: int = 60) -> str:
    text = json.dumps(v, sort_keys=True, default=str) if not isinstance(v, str) else v
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _step_line(s: Step) -> str:
    return f"{_SYMBOL[s.action]} {s.action} {s.kind.replace('_', ' ')} {s.label}"


def render_plan(plan: Plan) -> list[str]:
    """Plan lines: ``+ create``, ``~ update (field: old → new)``, ``- delete``, ``* deploy``."""
    from wsspec.deploy.plan import display_value as _show

    lines = []
    for s in plan.steps:
        head = f"  {_step_line(s)}"
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


def _prepare(
    spec: Spec,
    stage: tuple[str, ...],
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    concurrency: int,
    *,
    destroy: bool = False,
) -> Session:
    """Connect to AWS and plan; a refusal is printed as one line and exits 3 (2 for a bad stage)."""
    from wsspec.deploy.aws import Options
    from wsspec.deploy.run import prepare

    options = Options(
        region=region, profile=profile, endpoint_url=endpoint_url, concurrency=concurrency
    )
    try:
        session: Session = prepare(spec, options, stages=list(stage) or None, destroy=destroy)
    except WsspecError as exc:
        fail(exc)
    return session


def _aws_options(stage_help: str) -> Callable[[F], F]:
    """The options plan, deploy and destroy share (after the spec file)."""
    options = [
        click.option("--stage", multiple=True, help=stage_help),
        click.option("--region", help="AWS region (default: profile / AWS_REGION)."),
        click.option("--profile", help="AWS profile."),
        click.option("--endpoint-url", help="Send every AWS call here (e.g. a local emulator)."),
        click.option("--output", type=OUTPUT_FORMATS, default="text", help="text or json."),
    ]

    def decorate(fn: F) -> F:
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate


_CONCURRENCY = click.option(
    "--concurrency", type=int, default=16, help="AWS calls in flight at once per API family."
)
_EVERY_STAGE = "Limit to this stage (repeatable; default: every stage)."


@click.command("plan")
@click.argument("file", help="The spec file.")
@_aws_options(_EVERY_STAGE)
@_CONCURRENCY
def plan_command(
    file: str,
    stage: tuple[str, ...],
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    output: str,
    concurrency: int,
) -> None:
    """Show what `deploy` would change: + create, ~ update (field: old → new), - delete."""
    session = _prepare(load_valid(file), stage, region, profile, endpoint_url, concurrency)
    p = session.plan
    if output == "json":
        echo(json.dumps(p.as_dict(), indent=2, default=str))
        exit_with(EXIT_OK)
    for n in p.notes:
        echo(f"note: {n}")
    echo("No changes." if p.empty else "\n".join(render_plan(p)))
    exit_with(EXIT_OK)


def _progress(total: int, quiet: bool, live: _Live | None = None) -> Progress:
    """Step lines and retry/skip/lock/throttle lines on stderr (above ``live``'s status line)."""
    lock = threading.Lock()
    done = [0]

    def report(event: str, step: Step | None, message: str) -> None:
        if quiet:
            return
        with lock:
            line = None
            if event == "done" and step is not None:
                done[0] += 1
                line = f"  [{done[0]}/{total}] {_step_line(step)}"
            elif event in ("retry", "skip", "lock", "throttle"):
                line = f"  {event}: {message}"
            if line is not None and live is not None:
                live.print(line)
            elif line is not None:
                err(line)

    return report


def render_status(s: Snapshot) -> str:
    """The live status line: changes done, calls in flight per API family, throttling."""
    busy = ", ".join(f"{k} {v.in_flight}" for k, v in s.families.items() if v.in_flight)
    text = f"{s.steps_done}/{s.steps_total} changes, {s.in_flight} calls in flight"
    text += f" ({busy})" if busy else ""
    paced = [
        f"{k} at {v.rate:.1f}/s" + (f", {v.pacing} waiting" if v.pacing else "")
        for k, v in s.families.items()
        if v.rate is not None
    ]
    return text + (f"; throttled: {'; '.join(paced)}" if paced else "") + f" [{s.elapsed:.0f}s]"


class _Live:
    """On a terminal: one status line (``render_status``) redrawn five times a second below
    the step lines; ``print`` writes a line above it."""

    def __init__(self, activity: Activity) -> None:
        self.activity = activity
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _draw(self, line: str | None = None) -> None:
        with self.lock:
            out = "\r\x1b[K" + (line + "\n" if line is not None else "")
            if not self.stopped.is_set():
                width = shutil.get_terminal_size().columns - 1
                out += render_status(self.activity.snapshot())[:width]
            sys.stderr.write(out)
            sys.stderr.flush()

    def print(self, line: str) -> None:
        self._draw(line)

    def _run(self) -> None:
        while not self.stopped.wait(0.2):
            self._draw()

    def __enter__(self) -> _Live:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()
        self._draw()


def _print_outputs(out: dict[str, Any]) -> None:
    for name, s in (out.get("stages") or {}).items():
        echo(f"{name}: {s['url']}")
        echo(f"  callback: {s['callback_url']}")
    if out.get("custom_domain"):
        echo(f"custom domain: {out['custom_domain']}")
    if out.get("alarms"):
        echo(f"alarms: {', '.join(out['alarms'])}")
    if out.get("alarm_topic_arn"):
        echo(f"alarm topic: {out['alarm_topic_arn']}")


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        err("refusing to apply without confirmation: pass --yes (stdin is not a terminal)")
        exit_with(EXIT_USAGE)
    if not click.confirm(question, default=False):
        err("cancelled")
        exit_with(1)


def _show_and_apply(
    session: Session, js: bool, yes: bool, *, empty: str, question: str, stopped: str | None = None
) -> Result | None:
    """Print the plan (text mode), ask, and apply it; None when there is nothing to do."""
    from wsspec.deploy.run import apply

    p = session.plan
    if not js:
        for n in p.notes:
            echo(f"note: {n}")
    if p.empty:
        if not js:
            echo(empty)
        return None
    if not js:
        echo("\n".join(render_plan(p)))
    _confirm(question, yes)
    live = _Live(session.aws.activity) if not js and sys.stderr.isatty() else None
    try:
        with live or contextlib.nullcontext():
            progress = _progress(len(p.steps), js, live)
            result: Result = apply(session, progress=progress, replan=yes)
    except WsspecError as exc:
        if stopped:
            err(stopped)
        fail(exc)
    return result


@click.command("deploy")
@click.argument("file", help="The spec file.")
@_aws_options(_EVERY_STAGE)
@click.option("--yes", "-y", is_flag=True, help="Apply without asking.")
@_CONCURRENCY
def deploy_command(
    file: str,
    stage: tuple[str, ...],
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    output: str,
    yes: bool,
    concurrency: int,
) -> None:
    """Deploy the API directly (apigatewayv2, Lambda, IAM, DynamoDB, Logs): idempotent, seconds."""
    from wsspec.deploy.run import outputs

    session = _prepare(load_valid(file), stage, region, profile, endpoint_url, concurrency)
    js = output == "json"
    result = _show_and_apply(
        session,
        js,
        yes,
        empty="No changes.",
        question="Apply these changes?",
        stopped="deploy stopped; run the same command again to continue from here",
    )
    if result is not None and not js:
        for w in result.warnings:
            echo(f"warning: {w}")
        echo(f"Applied {result.steps_done} change(s) with {result.calls} API call(s).")
    out = outputs(session, result)
    if js:
        summary = {
            "plan": session.plan.as_dict(),
            "applied": bool(result),
            "warnings": result.warnings if result else [],
            "outputs": out,
        }
        echo(json.dumps(summary, indent=2, default=str))
    else:
        _print_outputs(out)
    exit_with(EXIT_OK)


@click.command("destroy")
@click.argument("file", help="The spec file.")
@_aws_options("Remove only this stage (repeatable).")
@click.option("--yes", "-y", is_flag=True, help="Delete without asking.")
@_CONCURRENCY
def destroy_command(
    file: str,
    stage: tuple[str, ...],
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    output: str,
    yes: bool,
    concurrency: int,
) -> None:
    """Delete what wsspec created for this spec (only resources carrying its ownership tag)."""
    spec = load_valid(file)
    session = _prepare(spec, stage, region, profile, endpoint_url, concurrency, destroy=True)
    js = output == "json"
    result = _show_and_apply(
        session, js, yes, empty="Nothing to destroy.", question="Delete these resources?"
    )
    if result is not None and not js:
        echo(f"Destroyed {result.steps_done} resource(s).")
    if js:
        summary = {"plan": session.plan.as_dict(), "applied": bool(result)}
        echo(json.dumps(summary, indent=2, default=str))
    exit_with(EXIT_OK)
