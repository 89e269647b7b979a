"""`wsspec import` (issue 16). Registered on the main app by wsspec.cli.

The library (wsspec.importers) reads the input and returns the spec text with its notes; this
module prints the warnings (one line each), applies ``--strict`` and writes the spec to stdout
or ``-o FILE``. Nothing is written when the import fails. boto3 is imported only for
``--api-id``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any, List, Optional

import typer

from wsspec.cli import app
from wsspec.errors import EXIT_INVALID, EXIT_OK, EXIT_USAGE, WsspecError


def _err(text: str) -> None:
    typer.echo(text, err=True)


def _params(items: Optional[List[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected K=V, got {item!r}", param_hint="--param")
        out[key] = value
    return out


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _report(result: Any, out: Optional[Path]) -> int:
    """Print the reader's warnings, the notes and the result's findings; the not-imported count."""
    label = result.source
    for code, message in result.warnings:
        _err(f"{label}: warning[{code}]: {message}")
    for note in result.notes:
        where = ".".join(note.path)
        if note.kind == "not_imported":
            _err(f"{label}: warning[WS978]: {where + ': ' if where else ''}{note.comment}")
        else:
            _err(f"note: {where + ': ' if where else ''}{note.comment}")
    for finding in result.findings:
        _err(finding.render().replace("<imported spec>", str(out or "<stdout>"), 1))
    return len(result.not_imported) + len(result.warnings)


@app.command("import")
def import_command(
    source: Optional[str] = typer.Argument(
        None, help="A SAM/CloudFormation template, a serverless.yml, or a Terraform file/directory."
    ),
    api_id: Optional[str] = typer.Option(None, "--api-id", help="Import a deployed API instead."),
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Write the spec here (default: stdout); paths are relative to it."
    ),
    api: Optional[str] = typer.Option(
        None, "--api", help="Which WebSocket API when the input has several (logical ID or name)."
    ),
    param: Optional[List[str]] = typer.Option(
        None, "--param", help="K=V: a template parameter, Terraform variable or Serverless option."
    ),
    stage: Optional[str] = typer.Option(
        None, "--stage", help="The stage (serverless.yml), or the only stage to import (--api-id)."
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Exit 1 and write nothing when any part is not imported."
    ),
    region: Optional[str] = typer.Option(None, "--region", help="AWS region (--api-id)."),
    profile: Optional[str] = typer.Option(None, "--profile", help="AWS profile (--api-id)."),
    endpoint_url: Optional[str] = typer.Option(
        None, "--endpoint-url", help="Send every AWS call here (--api-id), e.g. an emulator."
    ),
    download_code: Optional[Path] = typer.Option(
        None, "--download-code", help="Download each function's code into DIR (--api-id)."
    ),
) -> None:
    """Bring an existing WebSocket API in: a template, a serverless.yml, Terraform, or a live API."""
    from wsspec.importers import ImportOptions, import_live, import_path

    if (source is None) == (api_id is None):
        _err("error: give exactly one of SOURCE and --api-id")
        raise typer.Exit(EXIT_USAGE)
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
            _err(f.render())
        _err(str(exc))
        raise typer.Exit(exc.exit_code) from None
    skipped = _report(result, out)
    if strict and skipped:
        _err(f"error: {skipped} part(s) not imported (--strict); nothing written")
        raise typer.Exit(EXIT_INVALID)
    if out is None:
        sys.stdout.write(result.text)
        sys.stdout.flush()
        raise typer.Exit(EXIT_OK)
    try:
        _write(out, result.text)
    except OSError as exc:
        _err(f"error: cannot write {out}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_USAGE) from None
    spec = result.spec
    counts = f"{len(spec.routes)} routes, {len(spec.functions)} functions" if spec else ""
    typer.echo(f"wrote {out} ({counts})")
