"""``wsspec import``: an existing WebSocket API -> a spec. The pipeline, one stage per module:

    input ──reader──▶ graph ──assemble──▶ spec data + notes ──emit──▶ YAML ──validate──▶ result

* readers (``cloudformation`` with ``intrinsics``, ``terraform`` with ``hcl``, ``serverless``,
  ``live``) turn their input into one ``graph.Graph``: resources with CloudFormation's property
  names, values resolved as far as the input allows (``values``). No reader knows the spec.
* ``assemble`` (with ``integrations``, ``functions``, ``handlers``, ``sections``, ``alarms``)
  is the one translation into spec data: defaults left out, shorthands where nothing is lost,
  and a ``Note`` wherever something could not be expressed or had to be guessed.
* ``emit`` writes the project's YAML style with each note as a comment where it belongs.
* the result is validated like any spec (``wsspec.validate.validate_text``); an import that
  does not validate is an error, never written.

Only the CLI prints; errors are ``WsspecError`` with codes WS970-WS979 (registered in ``wsspec.codes``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wsspec.errors import Finding
from wsspec.importers.context import ImportOptions
from wsspec.importers.errors import fail
from wsspec.importers.graph import Graph, Note
from wsspec.model import Spec

__all__ = ["ImportOptions", "Imported", "detect", "import_live", "import_path", "finish"]


@dataclass
class Imported:
    """The spec text and what the user should know about it."""

    text: str
    source: str
    notes: list[Note] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # validation warnings of the result
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (code, message) from a reader
    spec: Spec | None = None

    @property
    def not_imported(self) -> list[Note]:
        return [n for n in self.notes if n.kind == "not_imported"]

    @property
    def guesses(self) -> list[Note]:
        return [n for n in self.notes if n.kind == "guess"]


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as exc:
        fail("WS970", f"cannot read {path}: {exc.strerror or exc}", file=path)
    except UnicodeDecodeError:
        fail("WS970", f"cannot read {path}: not UTF-8 text", file=path)


def detect(path: str, text: str | None = None) -> str:
    """``cloudformation``, ``serverless`` or ``terraform`` for an input path."""
    p = Path(path)
    if p.is_dir() or p.suffix == ".tf" or path.endswith(".tf.json"):
        return "terraform"
    if p.name.startswith("serverless."):
        return "serverless"
    if text is not None and _looks_serverless(text):
        return "serverless"
    return "cloudformation"


def _looks_serverless(text: str) -> bool:
    import re

    return bool(re.search(r"(?m)^service\s*:", text)) and bool(
        re.search(r"(?m)^provider\s*:", text)
    )


def import_path(path: str, opts: ImportOptions) -> Imported:
    """Import a template, serverless.yml or Terraform configuration (file or directory)."""
    if not os.path.exists(path):
        fail("WS970", f"cannot read {path}: no such file or directory", file=path)
    text = None if os.path.isdir(path) else _read(path)
    kind = detect(path, text)
    if kind == "terraform":
        try:
            from wsspec.importers import terraform
        except ImportError:
            fail(
                "WS970",
                "reading Terraform needs python-hcl2 (pip install 'wsspec[import]')",
                file=path,
            )
        graph = terraform.read(path, opts.params)
    elif kind == "serverless":
        from wsspec.importers import serverless

        graph = serverless.read(path, text or "", opts.params)
    else:
        from wsspec.importers import cloudformation

        graph = cloudformation.read(path, text or "", opts.params)
    return finish(graph, opts)


def import_live(api_id: str, opts: ImportOptions, client: Any = None) -> Imported:
    """Import a deployed API (apigatewayv2, Lambda, DynamoDB, IAM, CloudWatch reads)."""
    from wsspec.importers import live

    graph = live.read(api_id, opts, client)
    opts.api = None
    return finish(graph, opts)


def finish(graph: Graph, opts: ImportOptions) -> Imported:
    """Assemble, emit and validate; WS977 (with the findings) when the result is invalid."""
    from wsspec.errors import WsspecError
    from wsspec.importers.assemble import assemble
    from wsspec.importers.emit import emit
    from wsspec.importers.repair import drop
    from wsspec.validate import validate_text

    data, notes = assemble(graph, opts)
    project = os.path.abspath(opts.out_dir)
    shown = graph.source
    if os.path.exists(shown):
        shown = os.path.relpath(os.path.abspath(shown), project).replace(os.sep, "/")
    header = [
        f"Imported by `wsspec import` from {shown} ({graph.source_kind}).",
        "Comments starting with `not imported:` or `guessed:` need a look.",
    ]
    for _ in range(4):
        text = emit(data, notes.items, header)
        result = validate_text(text, file="<imported spec>", project_dir=project)
        if not result.errors or not drop(data, result.errors, notes):
            break
    if result.errors or result.spec is None:
        outside = any(f.code in ("WS501", "WS502") for f in result.errors)
        hint = (
            "write the spec (-o) in a directory that contains the handlers"
            if outside
            else "please report this with the input"
        )
        raise WsspecError(
            f"the imported spec does not validate ({len(result.errors)} error(s)); nothing written",
            code="WS977",
            file=graph.source,
            hint=hint,
            findings=tuple(result.findings),
        )
    return Imported(
        text=text,
        source=graph.source,
        notes=notes.items,
        findings=result.warnings,
        warnings=list(graph.warnings),
        spec=result.spec,
    )
