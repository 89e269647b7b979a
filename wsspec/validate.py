"""Stages 1-4 in one call: load -> schema -> checks -> model. Used by every command.

``validate_file`` never raises for a bad spec: every problem is a ``Finding``. The model is
built only when there are no errors; name collisions found by ``names.collisions`` on the
built model are errors too (and then ``Result.spec`` stays ``None``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from wsspec.errors import Finding, WsspecError
from wsspec.loader import Loaded, load_file, load_text
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


def _under(path: str, claimed: set[str]) -> bool:
    return any(path == c or path.startswith((c + ".", c + "[")) for c in claimed)


def validate_loaded(loaded: Loaded, *, project_dir: str | None = None) -> Result:
    """Schema, checks and model for an already loaded file."""
    from wsspec import checks, schema
    from wsspec.loader import dotted

    path = loaded.file
    result = Result(file=path, findings=list(loaded.findings))
    if loaded.data is None:
        result.findings.sort()
        return result
    pdir = project_dir if project_dir is not None else os.path.dirname(os.path.abspath(path))
    schema_findings = schema.check(loaded)
    check_findings, claimed = checks.run(loaded, pdir)
    claimed_dotted = {dotted(c) for c in claimed}
    result.findings += [f for f in schema_findings if not _under(f.path, claimed_dotted)]
    result.findings += check_findings
    if not result.errors:
        try:
            spec = build_model(loaded.data, source_file=path, project_dir=pdir)
        except Exception as exc:  # noqa: BLE001 - a valid spec the model cannot build is a wsspec bug
            result.findings.append(
                loaded.finding(
                    "WS000",
                    (),
                    f"internal error while building the model: {type(exc).__name__}: {exc}",
                    hint="please report this with the spec file",
                )
            )
            spec = None
        if spec is not None:
            named = _collisions(loaded, spec) + _alarm_collisions(loaded, spec)
            result.findings += named
            if not named:  # counting resources expands the alarms
                result.findings += _cloudformation_fit(loaded, spec)
            if not result.errors:
                result.spec = spec
    result.findings.sort()
    return result


def _collisions(loaded: Loaded, spec: Spec) -> list[Finding]:
    from wsspec import names

    section = {
        "route": "routes",
        "authorizer": "authorizers",
        "model": "models",
        "stage": "stages",
        "function": "functions",
        "vpc_link": "vpc_links",
        "integration": "integrations",
    }
    out = []
    for first, second in names.collisions(spec):
        sec = section.get(second.kind, "")
        key = second.spec_name
        if second.kind == "integration":
            # inline / function integrations are named after their route or function
            kind, _, rest = key.partition(":")
            sec, key = (
                ("routes", rest)
                if kind == "route"
                else (("functions", rest) if kind == "function" else ("integrations", key))
            )
        out.append(
            loaded.finding(
                "WS116",
                (sec, key),
                f"{second.kind} names {first.spec_name!r} and {second.spec_name!r} both become "
                f"{second.logical!r} / {second.label!r} in CloudFormation and Terraform",
                hint="rename one of them",
                key=True,
            )
        )
    return out


def _alarm_collisions(loaded: Loaded, spec: Spec) -> list[Finding]:
    """WS116 for two alarms that would get one CloudWatch name (``alarms.expand`` refuses
    them at build time; validation says it first, at the spec's ``monitoring.alarms``)."""
    from wsspec import alarms

    try:
        alarms.expand(spec)
    except WsspecError as err:
        if err.code != "WS116":
            raise
        return [loaded.finding("WS116", ("monitoring", "alarms"), err.message, hint=err.hint)]
    return []


def _cloudformation_fit(loaded: Loaded, spec: Spec) -> list[Finding]:
    """WS340: the stack that keeps the API, its integrations, integration responses, models and
    stages (routes and functions move to nested stacks) must hold at most 500 resources."""
    from wsspec import derive

    parent = derive.cloudformation_parent_count(spec)
    if parent <= derive.CFN_RESOURCE_LIMIT:
        return []
    return [
        loaded.finding(
            "WS340",
            ("routes",),
            f"even with routes and functions in nested stacks, the CloudFormation stack that "
            f"keeps the API, its integrations, integration responses, authorizers, models and "
            f"stages would have {parent} resources (at most {derive.CFN_RESOURCE_LIMIT})",
            hint="share named integrations between routes (one integration and its responses "
            "instead of one per route), or split the API",
            key=True,
        )
    ]


def validate_file(path: str) -> Result:
    return validate_loaded(load_file(path))


def validate_text(text: str, file: str = "<text>", *, project_dir: str = ".") -> Result:
    """Validate YAML text (tests, editors)."""
    return validate_loaded(load_text(text, file), project_dir=project_dir)
