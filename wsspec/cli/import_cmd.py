"""`wsspec import`: a SAM/CloudFormation template, a serverless.yml, Terraform or a live API in.

The library (wsspec.importers) reads the input and returns the spec text with its notes; this
module prints the warnings (one line each), applies ``--strict`` and writes the spec to stdout
or ``-o FILE`` (atomically, never over an existing file unless ``--force``). Nothing is
written when the import fails. boto3 is imported only for ``--api-id``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from wsspec.cli.common import echo, err, exit_with
from wsspec.errors import EXIT_INVALID, EXIT_OK, EXIT_USAGE, WsspecError

if TYPE_CHECKING:
    from wsspec.importers import Imported


NOT_IMPORTED = "WS978"  # the warning for each part of the input the spec cannot express


def _params(items: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected K=V, got {item!r}", param_hint="--param")
        out[key] = value
    return out


def _report(result: Imported, out: Path | None) -> int:
    """Print the reader's warnings, the notes and the result's findings; the not-imported count."""
    label = result.source
    for code, message in result.warnings:
        err(f"{label}: warning[{code}]: {message}")
    for note in result.notes:
        where = ".".join(note.path)
        if note.kind == "not_imported":
            text = f"{where + ': ' if where else ''}{note.comment}"
            err(f"{label}: warning[{NOT_IMPORTED}]: {text}")
        else:
            err(f"note: {where + ': ' if where else ''}{note.comment}")
    for finding in result.findings:
        err(finding.render().replace("<imported spec>", str(out or "<stdout>"), 1))
    return len(result.not_imported) + len(result.warnings)


def _write(out: Path | None, result: Imported, force: bool) -> None:
    """The spec to stdout, or atomically to ``out`` (an existing file only with ``--force``)."""
    from wsspec.writer import atomic_write

    if out is None:
        sys.stdout.write(result.text)
        sys.stdout.flush()
        return
    if out.exists() and not force:
        err(f"error: {out} exists; choose another path or pass --force to replace it")
        exit_with(EXIT_USAGE)
    try:
        atomic_write(out, result.text.encode("utf-8"))
    except OSError as exc:
        err(f"error: cannot write {out}: {exc.strerror or exc}")
        exit_with(EXIT_USAGE)
    spec = result.spec
    counts = f"{len(spec.routes)} routes, {len(spec.functions)} functions" if spec else ""
    echo(f"wrote {out} ({counts})")


@click.command("import")
@click.argument("source", required=False)
@click.option("--api-id", help="Import a deployed API instead of a file.")
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the spec here (default: stdout); handler paths are relative to it.",
)
@click.option("--force", is_flag=True, help="Replace the --out file when it exists.")
@click.option("--api", help="Which WebSocket API when the input has several (logical ID or name).")
@click.option(
    "--param", multiple=True, help="K=V: a template parameter, Terraform variable or option."
)
@click.option("--stage", help="The stage (serverless.yml), or the only stage to import (--api-id).")
@click.option(
    "--strict", is_flag=True, help="Exit 1, writing nothing, when a part is not imported."
)
@click.option("--region", help="AWS region (--api-id).")
@click.option("--profile", help="AWS profile (--api-id).")
@click.option("--endpoint-url", help="Send every AWS call here (--api-id), e.g. an emulator.")
@click.option(
    "--download-code",
    type=click.Path(path_type=Path, file_okay=False),
    help="Download each function's code into DIR (--api-id).",
)
def import_command(
    source: str | None,
    api_id: str | None,
    out: Path | None,
    force: bool,
    api: str | None,
    param: tuple[str, ...],
    stage: str | None,
    strict: bool,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    download_code: Path | None,
) -> None:
    """Bring an existing WebSocket API in: a template, a serverless.yml, Terraform, or a live API.

    SOURCE is a SAM/CloudFormation template, a serverless.yml, or a Terraform file/directory.
    """
    from wsspec.importers import ImportOptions, import_live, import_path

    if (source is None) == (api_id is None):
        err("error: give exactly one of SOURCE and --api-id")
        exit_with(EXIT_USAGE)
    params = _params(param)
    if stage is not None and source is not None:
        params.setdefault("stage", stage)
    out_dir = str(out.parent) if out is not None else os.getcwd()
    opts = ImportOptions(
        params=params,
        api=api,
        out_dir=os.path.abspath(out_dir or "."),
        stage=stage if api_id is not None else None,
        download_code=str(download_code) if download_code is not None else None,
        region=region,
        profile=profile,
        endpoint_url=endpoint_url,
    )
    try:
        result = import_path(source, opts) if source is not None else import_live(str(api_id), opts)
    except WsspecError as exc:
        for f in exc.findings:
            err(f.render())
        err(str(exc))
        exit_with(exc.exit_code)
    skipped = _report(result, out)
    if strict and skipped:
        err(f"error: {skipped} part(s) not imported (--strict); nothing written")
        exit_with(EXIT_INVALID)
    _write(out, result, force)
    exit_with(EXIT_OK)
