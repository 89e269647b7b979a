"""`wsspec validate` (also the pre-commit hook) and `wsspec schema`.

Exit 0 valid, 1 invalid (or warnings with ``--strict``), 2 when a file cannot be read.
Findings go to stdout as text, one JSON list or one SARIF 2.1.0 log; ``-`` reads standard input.
"""

from __future__ import annotations

import json
import sys

import click

from wsspec.cli.common import echo, exit_with, output_option, render_finding, validate_path
from wsspec.errors import EXIT_INVALID, EXIT_OK, EXIT_USAGE, Finding

VALIDATE_FORMATS = click.Choice(["text", "json", "sarif"])


def run_validate(files: list[str], fmt: str, strict: bool) -> int:
    """Print every finding of every file (text, one JSON list or one SARIF log); the exit code."""
    failed = unreadable = False
    all_findings: list[Finding] = []
    for path in files:
        result = validate_path(path)
        all_findings.extend(result.findings)
        bad = bool(result.errors) or (strict and bool(result.warnings))
        failed = failed or bad
        unreadable = unreadable or any(f.code == "WS900" for f in result.findings)
        if fmt == "text":
            for f in result.findings:
                echo(render_finding(f, sys.stdout))
            if not bad and result.spec is not None:
                routes, functions = len(result.spec.routes), len(result.spec.functions)
                echo(
                    f"{result.file}: ok ({routes} route{'s' if routes != 1 else ''}, "
                    f"{functions} function{'s' if functions != 1 else ''})"
                )
    if fmt == "json":
        echo(json.dumps([f.as_dict() for f in all_findings], indent=2))
    elif fmt == "sarif":
        from wsspec.cli.sarif import sarif_log

        echo(json.dumps(sarif_log(all_findings), indent=2))
    if unreadable:
        return EXIT_USAGE
    return EXIT_INVALID if failed else EXIT_OK


@click.command("validate")
@click.argument("files", nargs=-1, required=True, help="Spec files to validate (- for stdin).")
@output_option(VALIDATE_FORMATS, "Output format: text, json or sarif (SARIF 2.1.0).")
@click.option(
    "--format",
    "legacy_format",
    type=VALIDATE_FORMATS,
    hidden=True,
    help="Old spelling of --output (kept for existing hooks).",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
def validate_command(
    files: tuple[str, ...], output: str, legacy_format: str | None, strict: bool
) -> None:
    """Check spec files: YAML, JSON Schema and every WebSocket rule AWS enforces at deploy time."""
    if legacy_format is not None:
        output = legacy_format
    exit_with(run_validate(list(files), output, strict))


@click.command("schema")
def schema_command() -> None:
    """Print the spec's JSON Schema (for editors and other tools)."""
    from wsspec.schema import schema_text

    sys.stdout.write(schema_text())
    sys.stdout.flush()
    exit_with(EXIT_OK)
