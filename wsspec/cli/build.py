"""`wsspec build`: CloudFormation, Terraform and handler stubs from one spec (or `--check`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from wsspec.cli.common import echo, err, exit_with, render_finding, style, validate_path
from wsspec.errors import EXIT_INVALID, EXIT_OK, EXIT_USAGE, WsspecError

TARGETS = click.Choice(
    ["cloudformation", "terraform", "stubs", "asyncapi", "client-ts", "client-py", "kubernetes"]
)
TEMPLATE_FORMATS = click.Choice(["yaml", "json"])


def _relative(path: Path) -> str:
    """``path`` relative to the working directory when it is under it (for shorter lines)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class BuildOutput(click.ParamType[str, object]):
    """``text`` or ``json``; any other value is a directory (what ``-o`` meant before 0.2)."""

    name = "text|json"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        text = str(value)
        if not text:
            self.fail("expected text, json (or a directory)", param, ctx)
        return text


_STATUS_COLOUR = {"created": "green", "updated": "yellow", "missing": "red", "stale": "yellow"}


def _line(status: str, path: Path, extra: str = "") -> str:
    return (
        f"  {style(f'{status:<9}', _STATUS_COLOUR.get(status, 'white'))} {_relative(path)}{extra}"
    )


def run_build(
    file: str,
    target: list[str] | None,
    out: Path,
    template_format: str,
    check: bool,
    output: str = "text",
) -> int:
    """Validate, render the targets, then write them (or compare them); return the exit code."""
    from wsspec.build import build_outputs, select_targets
    from wsspec.writer import plan_writes, write_all

    js = output == "json"
    result = validate_path(file)
    for f in result.findings:
        err(render_finding(f, sys.stderr))
    if result.errors or result.spec is None:
        return EXIT_INVALID
    try:
        targets, notes = select_targets(target)
        outputs, target_notes = build_outputs(result.spec, targets, out, template_format)
    except WsspecError as exc:
        err(str(exc))
        return exc.exit_code
    if not js:
        for note in notes + target_notes:
            echo(f"note: {note}")
    if check:
        stale = [w for w in plan_writes(outputs) if w.status in ("missing", "stale")]
        if js:
            files = [{"path": _relative(w.path), "status": w.status} for w in stale]
            echo(
                json.dumps(
                    {"up_to_date": not stale, "files": files, "notes": notes + target_notes},
                    indent=2,
                )
            )
        else:
            for w in stale:
                echo(_line(w.status, w.path))
        if stale:
            err(f"{len(stale)} output(s) out of date; run: wsspec build {file}")
            return EXIT_INVALID
        if not js:
            echo("outputs are up to date")
        return EXIT_OK
    try:
        written = write_all(outputs)
    except WsspecError as exc:
        err(str(exc))
        return exc.exit_code
    except OSError as exc:
        err(f"error: cannot write {exc.filename}: {exc.strerror}")
        return EXIT_USAGE
    if js:
        files = [{"path": _relative(w.path), "status": w.status} for w in written]
        echo(json.dumps({"files": files, "notes": notes + target_notes}, indent=2))
        return EXIT_OK
    for w in written:
        echo(_line(w.status, w.path, " (exists)" if w.status == "kept" else ""))
    return EXIT_OK


@click.command("build")
@click.argument("file", help="The spec file (- for stdin).")
@click.option(
    "--target", "-t", type=TARGETS, multiple=True, help="Target(s) to build; default: all."
)
@click.option(
    "--out-dir",
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=Path("build"),
    help="Output directory.",
)
@click.option(
    "--template-format",
    type=TEMPLATE_FORMATS,
    default="yaml",
    help="CloudFormation template format.",
)
@click.option(
    "--format",
    "legacy_format",
    type=TEMPLATE_FORMATS,
    hidden=True,
    help="Old spelling of --template-format.",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 naming stale or missing outputs."
)
@click.option(
    "--output",
    "-o",
    type=BuildOutput(),
    default="text",
    help="Output format: text or json (a directory given here still sets the output directory, with a warning).",
)
def build_command(
    file: str,
    target: tuple[str, ...],
    out: Path,
    template_format: str,
    legacy_format: str | None,
    check: bool,
    output: str,
) -> None:
    """Generate CloudFormation, Terraform and handler stubs from the spec."""
    if legacy_format is not None:
        template_format = legacy_format
    if output not in ("text", "json"):  # `-o DIR`, the old meaning of -o
        err("warning: -o/--output DIR is deprecated; use --out-dir DIR (-o is the output format)")
        out, output = Path(output), "text"
    exit_with(run_build(file, list(target) or None, out, template_format, check, output))
