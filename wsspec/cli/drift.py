"""`wsspec drift`: what changed in AWS since the last deploy (``wsspec.deploy.drift``).

Each changed resource with every changed value, old (as deployed) → new (as in AWS); the JSON
output carries the same. With ``--detailed-exitcode``: 0 no drift, 2 drift, 1 any error.
"""

from __future__ import annotations

import json
import sys

import click

from wsspec.cli.common import echo, err, exit_with, load_valid, require_extra
from wsspec.cli.deploy import EXIT_CHANGES, aws_options, detailed_exit, prepare_session
from wsspec.cli.plan_view import render_drift
from wsspec.errors import EXIT_OK, WsspecError


@click.command("drift")
@click.argument("file", help="The spec file (- for stdin).")
@aws_options("Limit to this stage (repeatable; default: every stage).")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when nothing drifted, 2 when something did, 1 on any error.",
)
def drift_command(
    file: str,
    stage: tuple[str, ...],
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    output: str,
    concurrency: int,
    detailed_exitcode: bool,
) -> None:
    """Show what changed in AWS since the last deploy of this spec: each value, old → new."""
    require_extra("drift", "deploy")
    from wsspec.deploy.drift import deployed_fingerprint, drift
    from wsspec.deploy.errors import guard

    try:
        spec = load_valid(file)
    except click.exceptions.Exit as done:
        detailed_exit(done.exit_code, detailed_exitcode)
    session = prepare_session(
        spec, stage, region, profile, endpoint_url, concurrency, detailed=detailed_exitcode
    )
    api_id = session.current.ids.get("api")
    try:
        recorded = guard(deployed_fingerprint)(session.aws, api_id) if api_id else None
        report = drift(session.plan, session.desired, api_id, recorded)
    except WsspecError as exc:
        err(str(exc))
        detailed_exit(exc.exit_code, detailed_exitcode)
    if output == "json":
        echo(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        echo("\n".join(render_drift(report, sys.stdout)))
    exit_with(EXIT_CHANGES if detailed_exitcode and report.drifted else EXIT_OK)
