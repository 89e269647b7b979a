"""`wsspec build`: CloudFormation, Terraform and handler stubs from one spec (or `--check`)."""

from __future__ import annotations

from pathlib import Path

import click

from wsspec.cli.common import echo, err, exit_with
from wsspec.errors import EXIT_INVALID, EXIT_OK, EXIT_USAGE, WsspecError

TARGETS = click.Choice(["cloudformation", "terraform", "stubs"])
TEMPLATE_FORMATS = click.Choice(["yaml", "json"])


def _relative(path: Path) -> str:
    """``path`` relative to the working directory when it is under it (for shorter lines)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def run_build(
    file: str, target: list[str] | None, out: Path, template_format: str, check: bool
) -> int:
    """Validate, render the targets, then write them (or compare them); return the exit code."""
    from wsspec.build import build_outputs, select_targets
    from wsspec.validate import validate_file
    from wsspec.writer import plan_writes, write_all

    result = validate_file(file)
    for f in result.findings:
        err(f.render())
    if result.errors or result.spec is None:
        return EXIT_INVALID
    try:
        targets, notes = select_targets(target)
        outputs, target_notes = build_outputs(result.spec, targets, out, template_format)
    except WsspecError as exc:
        err(str(exc))
        return exc.exit_code
    for note in notes + target_notes:
        echo(f"note: {note}")
    if check:
        stale = [w for w in plan_writes(outputs) if w.status in ("missing", "stale")]
        for w in stale:
            echo(f"  {w.status:<9} {_relative(w.path)}")
        if stale:
            err(f"{len(stale)} output(s) out of date; run: wsspec build {file}")
            return EXIT_INVALID
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
    for w in written:
        extra = " (exists)" if w.status == "kept" else ""
        echo(f"  {w.status:<9} {_relative(w.path)}{extra}")
    return EXIT_OK


@click.command("build")
@click.argument("file", help="The spec file.")
@click.option(
    "--target", "-t", type=TARGETS, multiple=True, help="Target(s) to build; default: all."
)
@click.option(
    "--out", "-o", type=click.Path(path_type=Path), default=Path("build"), help="Output directory."
)
@click.option(
    "--format",
    "template_format",
    type=TEMPLATE_FORMATS,
    default="yaml",
    help="CloudFormation template format.",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 naming stale or missing outputs."
)
def build_command(
    file: str, target: tuple[str, ...], out: Path, template_format: str, check: bool
) -> None:
    """Generate CloudFormation, Terraform and handler stubs from the spec."""
    exit_with(run_build(file, list(target) or None, out, template_format, check))
