"""samples/invalid/: one bad file per rule, each with the exact findings it must produce.

Each ``<code>-<what>.yaml`` has a ``.expected`` file beside it holding the rendered findings,
one per line. Regenerate after an intended message change with
``WSSPEC_REGEN=1 python -m pytest -q tests/test_invalid_samples.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wsspec import codes
from wsspec.validate import validate_file

ROOT = Path(__file__).resolve().parent.parent
INVALID = ROOT / "samples" / "invalid"
BAD_FILES = sorted(INVALID.glob("*.yaml"))
# codes that cannot have a sample file: internal fallbacks and conditions a file cannot show
NO_SAMPLE = {
    "WS006": "fallback for schema keywords the wsspec schema does not use",
    "WS900": "an unreadable file (tested in test_loader)",
    "WS908": "a file over 5 MB (tested in test_loader)",
    "WS840": "depends on today's date (tested with WSSPEC_TODAY in test_validation_hardening)",
}
# the stages a spec file's content can trigger (build, deploy and serve codes have their tests)
VALIDATION = {c.code for c in codes.all_codes() if c.stage in ("loader", "schema", "checks")}


def _rendered(path: Path) -> str:
    rel = path.relative_to(ROOT).as_posix()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = validate_file(rel)
    finally:
        os.chdir(cwd)
    return "".join(f.render() + "\n" for f in result.findings)


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_invalid_sample_produces_exactly_the_expected_findings(path: Path) -> None:
    expected_file = path.with_suffix(".expected")
    got = _rendered(path)
    if os.environ.get("WSSPEC_REGEN"):
        expected_file.write_text(got)
    assert expected_file.exists(), f"missing {expected_file.name}"
    assert got == expected_file.read_text()


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_invalid_sample_reports_the_code_in_its_name(path: Path) -> None:
    code = path.name.split("-")[0].upper()
    assert f"[{code}]" in _rendered(path)


def test_every_code_has_a_bad_sample() -> None:
    have = {p.name.split("-")[0].upper() for p in BAD_FILES}
    missing = sorted(VALIDATION - have - set(NO_SAMPLE))
    assert not missing, f"codes without a samples/invalid file: {missing}"


def test_no_sample_for_an_unknown_code() -> None:
    unknown = [p.name for p in BAD_FILES if p.name.split("-")[0].upper() not in VALIDATION]
    assert not unknown
