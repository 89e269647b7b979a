"""Stages 1-4 in one call: load -> schema -> checks -> model. Used by every command."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from wsspec.errors import Finding
from wsspec.loader import load_file
from wsspec.model import Spec, build_model


@dataclass
class Result:
    file: str
    findings: list[Finding] = field(default_factory=list)
    spec: Spec | None = None  # set only when there are no errors

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def validate_file(path: str) -> Result:
    loaded = load_file(path)
    result = Result(file=path, findings=list(loaded.findings))
    if loaded.data is None:
        return result
    # TODO(foundation): schema + semantic checks go here.
    if not result.errors:
        result.spec = build_model(
            loaded.data, source_file=path, project_dir=os.path.dirname(os.path.abspath(path))
        )
    result.findings.sort()
    return result
