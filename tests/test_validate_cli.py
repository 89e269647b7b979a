"""`wsspec validate` and `wsspec schema` as users run them (typer CliRunner and real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wsspec.cli import _fast_command, app

ROOT = Path(__file__).resolve().parent.parent
CHAT = "samples/chat.yaml"
BAD = "samples/invalid/ws104-authorizer-not-connect.yaml"
BAD2 = "samples/invalid/ws001-unknown-key.yaml"
WARN = "samples/invalid/ws806-unused.yaml"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def wsspec(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wsspec", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_a_valid_sample_prints_ok_and_exits_0() -> None:
    out = runner.invoke(app, ["validate", "samples/multi-stage.yaml"])
    assert out.exit_code == 0
    assert out.output.splitlines()[-1] == "samples/multi-stage.yaml: ok (4 routes, 1 function)"


def test_every_problem_in_every_file_then_exit_1() -> None:
    out = runner.invoke(app, ["validate", BAD, BAD2, CHAT])
    assert out.exit_code == 1
    lines = out.output.splitlines()
    assert any("[WS104]" in line and line.startswith(BAD) for line in lines)
    assert any("[WS001]" in line and line.startswith(BAD2) for line in lines)
    assert lines[-1] == "samples/chat.yaml: ok (4 routes, 3 functions)"


def test_the_issue_example_line_for_ws104() -> None:
    out = runner.invoke(app, ["validate", BAD])
    assert (
        "routes.sendmessage.authorizer: authorizers can only be attached to $connect "
        "(API Gateway checks authorization once per connection)"
    ) in out.output


def test_json_format_has_the_same_findings() -> None:
    text = runner.invoke(app, ["validate", BAD, BAD2])
    js = runner.invoke(app, ["validate", "--format", "json", BAD, BAD2])
    assert js.exit_code == text.exit_code == 1
    items = json.loads(js.output)
    assert next(set(i) for i in items) == {
        "code",
        "severity",
        "file",
        "line",
        "column",
        "path",
        "message",
        "hint",
    }
    rendered = [
        f"{i['file']}:{i['line']}:{i['column']}: {i['severity']}[{i['code']}]: " for i in items
    ]
    assert [line[: len(r)] for line, r in zip(text.output.splitlines(), rendered)] == rendered


def test_warnings_exit_0_unless_strict() -> None:
    assert runner.invoke(app, ["validate", WARN]).exit_code == 0
    assert runner.invoke(app, ["validate", "--strict", WARN]).exit_code == 1


def test_a_missing_file_is_a_usage_error_but_others_are_still_checked() -> None:
    out = runner.invoke(app, ["validate", "nope.yaml", CHAT])
    assert out.exit_code == 2
    assert "nope.yaml:1:1: error[WS900]" in out.output and "chat.yaml: ok" in out.output


def test_a_bad_option_is_a_usage_error() -> None:
    assert wsspec("validate", "--format", "xml", CHAT).returncode == 2
    assert wsspec("validate").returncode == 2


@pytest.mark.parametrize(
    "args",
    [
        ["validate", CHAT],
        ["validate", BAD, BAD2],
        ["validate", "--format", "json", BAD],
        ["validate", "--format=json", WARN],
        ["validate", "--strict", WARN],
        ["validate", "nope.yaml"],
        ["validate", "--", CHAT],
        ["schema"],
    ],
)
def test_fast_path_and_typer_give_identical_output_and_exit_codes(args: list[str]) -> None:
    assert _fast_command(args) is not None
    proc = wsspec(*args)
    via_typer = runner.invoke(app, args)
    assert proc.returncode == via_typer.exit_code
    assert proc.stdout == via_typer.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--help"],
        ["validate"],
        ["validate", "-x", CHAT],
        ["schema", "--help"],
        ["schema", CHAT],
        ["nope"],
        [],
    ],
)
def test_unusual_command_lines_go_through_typer(args: list[str]) -> None:
    assert _fast_command(args) is None


def test_help_still_works() -> None:
    out = wsspec("validate", "--help")
    assert out.returncode == 0 and "--strict" in out.stdout


def test_no_traceback_on_garbage(tmp_path: Path) -> None:
    p = tmp_path / "garbage.yaml"
    p.write_bytes(b"\x00\x01{[}: ::\n\t- *x\n")
    out = wsspec("validate", str(p))
    assert out.returncode == 1 and "Traceback" not in out.stdout + out.stderr


def test_validate_imports_no_heavy_modules() -> None:
    code = (
        "import sys, runpy\n"
        "sys.argv = ['wsspec', 'validate', 'samples/chat.yaml']\n"
        "try:\n"
        "    runpy.run_module('wsspec', run_name='__main__')\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'websockets', 'moto'))\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ},
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout


def test_validate_through_typer_imports_no_heavy_modules() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from wsspec.cli import app\n"
        "r = CliRunner().invoke(app, ['validate', 'samples/chat.yaml'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print('HEAVY', sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'websockets', 'moto')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout
