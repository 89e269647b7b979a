"""`wsspec plan` / `deploy` / `destroy` (issue 6).

The library (wsspec.deploy) computes plans and executes them; this module asks for
confirmation, shows progress and prints outputs (``plan_view`` draws plans and progress).
boto3 is imported only inside the commands; without it they name the extra to install.

The region comes from ``--region``, then ``AWS_REGION``, then ``AWS_DEFAULT_REGION``, then the
profile, as in the AWS CLI. With ``--detailed-exitcode``, ``plan`` exits as Terraform's does:
0 no changes, 2 changes, 1 any error.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from wsspec.cli.common import (
    echo,
    err,
    exit_with,
    load_valid,
    output_option,
    require_extra,
)
from wsspec.cli.plan_view import Progress, render_plan
from wsspec.errors import EXIT_INVALID, EXIT_OK, EXIT_USAGE, WsspecError

if TYPE_CHECKING:
    from wsspec.deploy.execute import Result
    from wsspec.deploy.progress import Activity, Snapshot
    from wsspec.deploy.run import Session
    from wsspec.model import Spec

F = TypeVar("F", bound=Callable[..., None])
EXIT_CHANGES = 2  # --detailed-exitcode: the plan has changes (or drift was found)


def region_of(region: str | None) -> str | None:
    """``--region``, else ``AWS_REGION``; None leaves it to boto3 (``AWS_DEFAULT_REGION``,
    then the profile's ``region``)."""
    return region or os.environ.get("AWS_REGION") or None


def detailed_exit(code: int, detailed: bool) -> NoReturn:
    """Exit with the error ``code``; with ``--detailed-exitcode`` every error becomes 1 (2 is
    "changes" there, so a usage error must not keep its usual 2)."""
    if detailed and code != EXIT_OK:
        code = EXIT_INVALID
    exit_with(code)


def prepare_session(
    spec: Spec,
    stage: tuple[str, ...],
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    concurrency: int,
    *,
    destroy: bool = False,
    detailed: bool = False,
    lock_first: bool = False,
) -> Session:
    """Connect to AWS and plan; a refusal is one line and exits 3 (2 for a bad stage).
    ``lock_first``: take the deploy lock before reading (see ``wsspec.deploy.run.prepare``)."""
    from wsspec.deploy.aws import Options
    from wsspec.deploy.run import prepare

    options = Options(
        region=region_of(region),
        profile=profile,
        endpoint_url=endpoint_url,
        concurrency=concurrency,
    )
    try:
        session: Session = prepare(
            spec,
            options,
            stages=list(stage) or None,
            destroy=destroy,
            lock_first=lock_first,
            on_lock_wait=err,
        )
    except WsspecError as exc:
        err(str(exc))
        detailed_exit(exc.exit_code, detailed)
    return session


def aws_options(stage_help: str) -> Callable[[F], F]:
    """The options plan, deploy, destroy and drift share (after the spec file)."""
    options = [
        click.option("--stage", multiple=True, help=stage_help),
        click.option(
            "--region",
            help="AWS region (default: AWS_REGION, then AWS_DEFAULT_REGION, then the profile's).",
        ),
        click.option("--profile", help="AWS profile."),
        click.option("--endpoint-url", help="Send every AWS call here (e.g. a local emulator)."),
        output_option(),
        click.option(
            "--concurrency",
            type=int,
            default=16,
            help="AWS calls in flight at once per API family.",
        ),
    ]

    def decorate(fn: F) -> F:
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate


_EVERY_STAGE = "Limit to this stage (repeatable; default: every stage)."
_YES = click.option(
    "--yes", "-y", "--auto-approve", "yes", is_flag=True, help="Apply without asking."
)


@click.command("plan")
@click.argument("file", help="The spec file (- for stdin).")
@aws_options(_EVERY_STAGE)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on any error.",
)
def plan_command(
    file: str,
    stage: tuple[str, ...],
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    output: str,
    concurrency: int,
    detailed_exitcode: bool,
) -> None:
    """Show what `deploy` would change: + create, ~ update (each changed value), - delete."""
    require_extra("plan", "deploy")
    spec = _load(file, detailed_exitcode)
    session = prepare_session(
        spec, stage, region, profile, endpoint_url, concurrency, detailed=detailed_exitcode
    )
    p = session.plan
    if output == "json":
        echo(json.dumps({**p.as_dict(), "region": session.aws.region}, indent=2, default=str))
    else:
        for n in p.notes:
            echo(f"note: {n}")
        echo("No changes." if p.empty else "\n".join(render_plan(p, sys.stdout)))
    exit_with(EXIT_CHANGES if detailed_exitcode and not p.empty else EXIT_OK)


def _load(file: str, detailed: bool) -> Spec:
    try:
        return load_valid(file)
    except click.exceptions.Exit as done:
        detailed_exit(done.exit_code, detailed)


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
    if out.get("keda_role_arn"):
        echo(f"KEDA role: {out['keda_role_arn']}")


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
) -> tuple[Result | None, Progress | None]:
    """Print the plan (text mode), ask, and apply it; (None, None) when there is nothing to do."""
    try:
        return _show_and_apply_unlocked(
            session, js, yes, empty=empty, question=question, stopped=stopped
        )
    finally:
        from wsspec.deploy.run import release

        warning = release(session)  # a lock taken by prepare and not ended by apply
        if warning:
            err(f"warning: {warning}")


def _show_and_apply_unlocked(
    session: Session, js: bool, yes: bool, *, empty: str, question: str, stopped: str | None
) -> tuple[Result | None, Progress | None]:
    from wsspec.deploy.run import apply

    p = session.plan
    if not js:
        for n in p.notes:
            echo(f"note: {n}")
    if p.empty:
        if not js:
            echo(empty)
        return None, None
    if not js:
        echo("\n".join(render_plan(p, sys.stdout)))
    _confirm(question, yes)
    live = _Live(session.aws.activity) if not js and sys.stderr.isatty() else None
    progress = Progress(len(p.steps), quiet=js, above=live.print if live else None)
    try:
        with live or contextlib.nullcontext():
            result: Result = apply(session, progress=progress, replan=yes)
    except WsspecError as exc:
        progress.close()
        if stopped:
            err(stopped)
        err(str(exc))
        exit_with(exc.exit_code)
    progress.close()
    return result, progress


def _record(session: Session, result: Result | None) -> None:
    """After a deploy of every stage, record its fingerprint on the API (for ``drift``)."""
    from wsspec.deploy.drift import record_deploy
    from wsspec.deploy.errors import guard

    api_id = (result.ids if result else {}).get("api") or session.current.ids.get("api")
    if session.stages or not api_id:
        return
    try:
        guard(record_deploy)(session.aws, api_id, session.desired)
    except WsspecError as exc:  # the deploy itself succeeded: say so, and why drift cannot work
        err(f"warning: the deploy is not recorded for `wsspec drift`: {exc}")


@click.command("deploy")
@click.argument("file", help="The spec file (- for stdin).")
@aws_options(_EVERY_STAGE)
@_YES
def deploy_command(
    file: str,
    stage: tuple[str, ...],
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    output: str,
    concurrency: int,
    yes: bool,
) -> None:
    """Deploy the API directly (apigatewayv2, Lambda, IAM, DynamoDB, Logs): idempotent, seconds."""
    require_extra("deploy", "deploy")
    from wsspec.deploy.run import outputs

    session = prepare_session(load_valid(file), stage, region, profile, endpoint_url, concurrency)
    js = output == "json"
    result, progress = _show_and_apply(
        session,
        js,
        yes,
        empty="No changes.",
        question="Apply these changes?",
        stopped="deploy stopped; run the same command again to continue from here",
    )
    _record(session, result)
    skipped = len(progress.skipped) if progress else 0
    if result is not None and not js:
        for w in result.warnings:
            echo(f"warning: {w}")
        extra = f"; {skipped} skipped (the endpoint lacks the operation)" if skipped else ""
        echo(
            f"Applied {result.steps_done - skipped} change(s) with {result.calls} API call(s)"
            f"{extra}."
        )
    out = outputs(session, result)
    if js:
        summary = {
            "plan": session.plan.as_dict(),
            "applied": bool(result),
            "applied_steps": (result.steps_done - skipped) if result else 0,
            "skipped_steps": skipped,
            "warnings": result.warnings if result else [],
            "outputs": out,
        }
        echo(json.dumps(summary, indent=2, default=str))
    else:
        _print_outputs(out)
    exit_with(EXIT_OK)


@click.command("destroy")
@click.argument("file", help="The spec file (- for stdin).")
@aws_options("Remove only this stage (repeatable).")
@_YES
def destroy_command(
    file: str,
    stage: tuple[str, ...],
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    output: str,
    concurrency: int,
    yes: bool,
) -> None:
    """Delete what wsspec created for this spec (only resources carrying its ownership tag)."""
    require_extra("destroy", "deploy")
    spec = load_valid(file)
    # confirmed in advance: the lock is taken beside the first reads, not after the plan
    session = prepare_session(
        spec, stage, region, profile, endpoint_url, concurrency, destroy=True, lock_first=yes
    )
    js = output == "json"
    result, progress = _show_and_apply(
        session, js, yes, empty="Nothing to destroy.", question="Delete these resources?"
    )
    skipped = len(progress.skipped) if progress else 0
    if result is not None and not js:
        echo(f"Destroyed {result.steps_done - skipped} resource(s).")
    if js:
        summary = {"plan": session.plan.as_dict(), "applied": bool(result)}
        echo(json.dumps(summary, indent=2, default=str))
    exit_with(EXIT_OK)
