"""`wsspec validate` and `wsspec schema` as users run them (click's CliRunner and real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wsspec.cli import app, main
from wsspec.errors import WsspecError

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
    assert lines[-1] == "samples/chat.yaml: ok (5 routes, 3 functions)"


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


def console(*args: str) -> subprocess.CompletedProcess[str]:
    """The ``wsspec`` console script as pip installs it: ``sys.exit(main())``, argv[0] ``wsspec``."""
    script = "import sys; from wsspec.cli import main; sys.argv[0] = 'wsspec'; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


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
        ["validate"],
        ["validate", "-x", CHAT],
        ["validate", "--format", "xml", CHAT],
        ["schema", CHAT],
        ["nope"],
    ],
)
def test_the_console_script_and_clirunner_agree(args: list[str]) -> None:
    """``main`` handles click's errors itself (to report Ctrl-C its own way): same result."""
    proc = console(*args)
    clicked = runner.invoke(app, args, prog_name="wsspec")
    assert proc.returncode == clicked.exit_code
    assert proc.stdout == clicked.stdout
    assert proc.stderr == clicked.stderr


@pytest.mark.parametrize("args", [[], ["--help"], ["validate", "--help"], ["build", "--help"]])
def test_help_is_the_same_through_the_console_script_and_clirunner(args: list[str]) -> None:
    proc = console(*args)
    clicked = runner.invoke(app, args, prog_name="wsspec")
    assert proc.returncode == clicked.exit_code == (2 if not args else 0)
    # CliRunner formats help 80 columns wide, a process without a terminal 78: compare words.
    assert proc.stdout.split() == clicked.stdout.split() and "Usage: wsspec" in proc.stdout


def test_a_library_error_escaping_a_command_is_one_line_and_its_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    error = WsspecError("something broke", code="WS999", exit_code=3)

    def boom(*_: object) -> int:
        raise error

    monkeypatch.setattr("wsspec.cli.validate.run_validate", boom)
    with pytest.raises(SystemExit) as done:
        main(["validate", CHAT])
    assert done.value.code == 3
    assert capsys.readouterr().err == f"{error}\n"


def test_ctrl_c_prints_interrupted_and_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupt(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr("wsspec.cli.validate.run_validate", interrupt)
    with pytest.raises(SystemExit) as done:
        main(["validate", CHAT])
    assert done.value.code == 130
    assert capsys.readouterr().err.strip() == "interrupted"


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


def test_validate_through_clirunner_imports_no_heavy_modules() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
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


def test_validate_imports_no_other_command_module() -> None:
    """Commands are imported when run: the pre-commit hook does not pay for deploy or serve."""
    code = (
        "import sys\n"
        "from wsspec.cli import main\n"
        "try:\n"
        "    main(['validate', 'samples/chat.yaml'])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith('wsspec.cli.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "LOADED ['wsspec.cli.common', 'wsspec.cli.validate']" in out.stdout
