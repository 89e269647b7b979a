"""The command line (this package is the only code that prints or exits).

Exit codes: 0 ok; 1 invalid spec / stale outputs / failed checks; 2 usage error;
3 AWS refused (deploy, plan, destroy).
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from wsspec.errors import EXIT_INVALID, EXIT_OK, EXIT_USAGE, WsspecError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="One YAML file for an AWS API Gateway WebSocket API: validate, build, deploy, serve.",
    pretty_exceptions_enable=False,
)


def _err(text: str) -> None:
    typer.echo(text, err=True)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


class Target(str, Enum):
    cloudformation = "cloudformation"
    terraform = "terraform"
    stubs = "stubs"


class TemplateFormat(str, Enum):
    yaml = "yaml"
    json = "json"


def _load_valid(path: str, *, strict: bool = False):  # type: ignore[no-untyped-def]
    """Validate ``path``; print findings; exit 1 on errors. Returns the model."""
    from wsspec.validate import validate_file

    result = validate_file(path)
    for f in result.findings:
        _err(f.render())
    if result.errors or (strict and result.warnings) or result.spec is None:
        raise typer.Exit(EXIT_INVALID)
    return result.spec


def _run_validate(files: List[str], fmt: str, strict: bool) -> int:
    """``wsspec validate``: print every finding of every file; return the exit code.

    Shared by the typer command and the fast path in ``main`` (identical output).
    Exit 0 valid, 1 invalid (or warnings with ``--strict``), 2 when a file cannot be read.
    """
    from wsspec.validate import validate_file

    failed = unreadable = False
    all_findings = []
    for path in files:
        result = validate_file(path)
        all_findings.extend(result.findings)
        bad = bool(result.errors) or (strict and bool(result.warnings))
        failed = failed or bad
        unreadable = unreadable or any(f.code == "WS900" for f in result.findings)
        if fmt == "text":
            for f in result.findings:
                typer.echo(f.render())
            if not bad and result.spec is not None:
                s = result.spec
                typer.echo(
                    f"{path}: ok ({len(s.routes)} route{'s' if len(s.routes) != 1 else ''}, "
                    f"{len(s.functions)} function{'s' if len(s.functions) != 1 else ''})"
                )
    if fmt == "json":
        typer.echo(json.dumps([f.as_dict() for f in all_findings], indent=2))
    if unreadable:
        return EXIT_USAGE
    return EXIT_INVALID if failed else EXIT_OK


def _run_schema() -> int:
    from wsspec.schema import schema_text

    sys.stdout.write(schema_text())
    sys.stdout.flush()
    return EXIT_OK


@app.command()
def validate(
    files: List[str] = typer.Argument(..., help="Spec files to validate."),
    format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors (exit 1)."),
) -> None:
    """Check spec files: YAML, JSON Schema and every WebSocket rule AWS enforces at deploy time."""
    raise typer.Exit(_run_validate(files, format.value, strict))


@app.command()
def schema() -> None:
    """Print the spec's JSON Schema (for editors and other tools)."""
    raise typer.Exit(_run_schema())


@app.command()
def build(
    file: str = typer.Argument(..., help="The spec file."),
    target: Optional[List[Target]] = typer.Option(
        None, "--target", "-t", help="Target(s) to build; default: all."
    ),
    out: Path = typer.Option(Path("build"), "--out", "-o", help="Output directory."),
    template_format: TemplateFormat = typer.Option(
        TemplateFormat.yaml, "--format", help="CloudFormation template format."
    ),
    check: bool = typer.Option(
        False, "--check", help="Write nothing; exit 1 naming stale or missing outputs."
    ),
) -> None:
    """Generate CloudFormation, Terraform and handler stubs from the spec."""
    from wsspec.build import build_outputs, select_targets
    from wsspec.writer import plan_writes, write_all

    spec = _load_valid(file)
    try:
        targets, notes = select_targets([t.value for t in target] if target else None)
        outputs, target_notes = build_outputs(spec, targets, out, template_format.value)
    except WsspecError as exc:
        _err(str(exc))
        raise typer.Exit(exc.exit_code)
    notes += target_notes
    for note in notes:
        typer.echo(f"note: {note}")
    cwd = Path.cwd()

    def rel(p: Path) -> str:
        try:
            return str(p.relative_to(cwd))
        except ValueError:
            return str(p)

    if check:
        bad = [w for w in plan_writes(outputs) if w.status in ("missing", "stale")]
        for w in bad:
            typer.echo(f"  {w.status:<9} {rel(w.path)}")
        if bad:
            _err(f"{len(bad)} output(s) out of date; run: wsspec build {file}")
            raise typer.Exit(EXIT_INVALID)
        typer.echo("outputs are up to date")
        raise typer.Exit(EXIT_OK)
    try:
        written = write_all(outputs)
    except OSError as exc:
        _err(f"error: cannot write {exc.filename}: {exc.strerror}")
        raise typer.Exit(EXIT_USAGE)
    for w in written:
        extra = " (exists)" if w.status == "kept" else ""
        typer.echo(f"  {w.status:<9} {rel(w.path)}{extra}")


# Command groups that live in their own modules (each imports ``app`` and adds commands).
from wsspec.cli import deploy as _deploy_commands  # noqa: E402,F401
from wsspec.cli import serve as _serve_commands  # noqa: E402,F401


def _fast_path(argv: List[str]) -> Optional[tuple[str, List[str], str, bool]]:
    """Well-formed ``validate``/``schema`` command lines, parsed without typer.

    Building typer's parameter machinery costs more than validating a spec, and ``validate``
    runs as a pre-commit hook on every commit. Anything unusual (``--help``, an unknown option,
    a missing value) returns None and goes through typer, so behaviour stays identical.
    """
    if not argv or argv[0] not in ("validate", "schema"):
        return None
    if argv[0] == "schema":
        return ("schema", [], "text", False) if len(argv) == 1 else None
    files: List[str] = []
    fmt, strict, only_files = "text", False, False
    it = iter(argv[1:])
    for arg in it:
        if only_files or not arg.startswith("-") or arg == "-":
            files.append(arg)
        elif arg == "--":
            only_files = True
        elif arg == "--strict":
            strict = True
        elif arg == "--format":
            fmt = next(it, "")
            if fmt not in ("text", "json"):
                return None
        elif arg.startswith("--format="):
            fmt = arg.partition("=")[2]
            if fmt not in ("text", "json"):
                return None
        else:
            return None
    if not files:
        return None
    return ("validate", files, fmt, strict)


def main() -> None:
    fast = _fast_path(sys.argv[1:])
    if fast is not None:
        command, files, fmt, strict = fast
        try:
            code = _run_schema() if command == "schema" else _run_validate(files, fmt, strict)
        except KeyboardInterrupt:
            _err("interrupted")
            sys.exit(130)
        sys.exit(code)
    try:
        app()
    except WsspecError as exc:  # library errors that escaped a command
        _err(str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
