"""Findings as a SARIF 2.1.0 log (``wsspec validate --output sarif``), for code-scanning uploads.

One run, one rule per code that occurs (its registered summary and severity), one result per
finding with its file, line and column and its spec path as the logical location. File names
become relative URI references (forward slashes, percent-encoded); absolute ones ``file://`` URIs.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from wsspec import __version__, codes
from wsspec.errors import Finding

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/wsspec/wsspec/blob/main/docs/codes.md"


def artifact_uri(file: str) -> str:
    """``file`` as SARIF wants it: a relative reference, or a ``file://`` URI when absolute."""
    path = PurePath(file)
    if path.is_absolute():
        return "file://" + quote(path.as_posix())
    return quote(path.as_posix())


def _rule(code: str) -> dict[str, Any]:
    c = codes.get(code)
    return {
        "id": c.code,
        "shortDescription": {"text": c.summary},
        "defaultConfiguration": {"level": c.severity},
        "properties": {"stage": c.stage},
    }


def _result(f: Finding, index: int) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(f.file)},
            "region": {"startLine": max(1, f.line), "startColumn": max(1, f.column)},
        }
    }
    if f.path:
        location["logicalLocations"] = [{"fullyQualifiedName": f.path, "kind": "member"}]
    message = f.message + (f" (hint: {f.hint})" if f.hint else "")
    return {
        "ruleId": f.code,
        "ruleIndex": index,
        "level": f.severity,
        "message": {"text": message},
        "locations": [location],
    }


def sarif_log(findings: list[Finding]) -> dict[str, Any]:
    """The SARIF log of ``findings`` (in their order)."""
    order = sorted({f.code for f in findings})
    index = {code: i for i, code in enumerate(order)}
    driver = {
        "name": "wsspec",
        "version": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [_rule(code) for code in order],
    }
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index[f.code]) for f in findings],
            }
        ],
    }
