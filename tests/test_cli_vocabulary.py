"""One flag vocabulary and the terminal niceties (issue 17): ``--output``/``-o`` everywhere,
``--version``, shell completion, ``--auto-approve``, colour and a progress bar on a terminal
only, the region like the AWS CLI, ``--detailed-exitcode``, and one line naming the extra to
install when one is missing."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.deploy_util import project
from tests.servers import FAKE_AWS_ENV
from wsspec import __version__
from wsspec.cli import app
from wsspec.cli.plan_view import Progress
from wsspec.deploy.steps import Call, Step

ROOT = Path(__file__).resolve().parent.parent
BAD = "samples/invalid/ws104-authorizer-not-connect.yaml"
WARN = "samples/invalid/ws806-unused.yaml"
runner = CliRunner()


def _command(name: str) -> click.Command:
    cmd = app.get_command(click.Context(app), name)
    assert cmd is not None
    return cmd


def _opts(cmd: click.Command, name: str) -> list[str]:
    [param] = [p for p in cmd.params if p.name == name]
    return list(param.opts) + list(param.secondary_opts)


@pytest.mark.parametrize(
    "name", ["validate", "build", "plan", "deploy", "destroy", "drift", "serve"]
)
def test_every_command_spells_its_output_format_output_or_o(name: str) -> None:
    cmd = _command(name)
    assert sorted(_opts(cmd, "output")) == ["--output", "-o"]
    others = [p for p in cmd.params if "-o" in p.opts and p.name != "output"]
    assert others == [], "-o has one meaning: the output format"


def test_validate_output_json_and_the_old_format_flag_agree() -> None:
    os.chdir(ROOT)
    new = runner.invoke(app, ["validate", "-o", "json", BAD])
    old = runner.invoke(app, ["validate", "--format", "json", BAD])
    assert new.exit_code == old.exit_code == 1
    assert json.loads(new.stdout) == json.loads(old.stdout) != []
    assert "--format" not in runner.invoke(app, ["validate", "--help"]).stdout  # hidden alias


def test_build_output_json_and_the_old_o_directory(tmp_path: Path) -> None:
    spec = project(tmp_path, "chat")
    out = runner.invoke(
        app,
        [
            "build",
            str(spec),
            "-t",
            "cloudformation",
            "--out-dir",
            str(tmp_path / "a"),
            "-o",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    files = json.loads(out.stdout)["files"]
    assert any(f["path"].endswith("template.yaml") and f["status"] == "created" for f in files)
    old = runner.invoke(
        app, ["build", str(spec), "-t", "cloudformation", "-o", str(tmp_path / "b")]
    )
    assert (
        old.exit_code == 0
        and (tmp_path / "b" / "chat" / "cloudformation" / "template.yaml").is_file()
    )
    assert "use --out-dir" in old.stderr
    fmt = runner.invoke(
        app,
        [
            "build",
            str(spec),
            "-t",
            "cloudformation",
            "--out",
            str(tmp_path / "c"),
            "--format",
            "json",
        ],
    )
    assert (
        fmt.exit_code == 0
        and (tmp_path / "c" / "chat" / "cloudformation" / "template.json").is_file()
    )


def test_version() -> None:
    out = runner.invoke(app, ["--version"], prog_name="wsspec")
    assert out.exit_code == 0 and out.stdout == f"wsspec {__version__}\n"


def test_shell_completion_script_and_completions() -> None:
    script = runner.invoke(app, ["completion", "bash"])
    assert script.exit_code == 0 and "_WSSPEC_COMPLETE=bash_complete" in script.stdout
    env = {
        **os.environ,
        "_WSSPEC_COMPLETE": "bash_complete",
        "COMP_WORDS": "wsspec dr",
        "COMP_CWORD": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "wsspec"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.splitlines() == ["plain,drift"]
    env.update(COMP_WORDS="wsspec plan x.yaml --det", COMP_CWORD="3")
    done = subprocess.run(
        [sys.executable, "-m", "wsspec"], env=env, capture_output=True, text=True, check=False
    )
    assert "plain,--detailed-exitcode" in done.stdout.splitlines()


@pytest.mark.parametrize("name", ["deploy", "destroy"])
def test_auto_approve_is_yes(name: str) -> None:
    assert {"--yes", "-y", "--auto-approve"} <= set(_opts(_command(name), "yes"))


def _on_a_terminal(args: list[str], **env: str) -> str:
    """Run wsspec with stdout and stderr on a pseudo-terminal; what the terminal shows."""
    master, slave = pty.openpty()
    clean = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "wsspec", *args],
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env={**clean, "TERM": "xterm", **env},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_and_plain_with_no_color_or_a_pipe() -> None:
    shown = _on_a_terminal(["validate", BAD, WARN])
    assert "\x1b[31m" in shown and "\x1b[33m" in shown  # error red, warning yellow
    assert "\x1b[" not in _on_a_terminal(["validate", BAD, WARN], NO_COLOR="1")
    piped = subprocess.run(
        [sys.executable, "-m", "wsspec", "validate", BAD, WARN],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "NO_COLOR"},
        check=False,
    )
    assert "\x1b[" not in piped.stdout + piped.stderr and "error[WS104]" in piped.stdout


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _step(n: int) -> Step:
    return Step("create", "route", f"r{n}", f"r{n}", (Call("apigatewayv2", "create_route", {}),), 3)


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    tty = _Tty()
    bar = Progress(4, quiet=False, stream=tty)
    for n in range(4):
        bar("done", _step(n), "")
    bar.close()
    drawn = tty.getvalue()
    assert drawn.count("\r\x1b[K") == 4 and "4/4 + route r3" in drawn and "█" in drawn
    assert drawn.endswith("\n")
    plain = Progress(2, quiet=False, stream=io.StringIO())
    plain("done", _step(0), "")
    plain("skip", _step(1), "the endpoint does not implement apigatewayv2 create_deployment")
    plain("done", _step(1), "")
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "  [1/2] + create route r0",
        "  skip: the endpoint does not implement apigatewayv2 create_deployment",
        "  [2/2] + create route r1",
    ]
    assert plain.skipped == {("route", "r1")}


def _plan_region(moto_url: str, tmp_path: Path, args: list[str], env: dict[str, str | None]) -> str:
    path = project(tmp_path, "chat")
    base = {k: None for k in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE")}
    out = runner.invoke(
        app,
        ["plan", str(path), "--endpoint-url", moto_url, "-o", "json", *args],
        env={**FAKE_AWS_ENV, **base, "AWS_CONFIG_FILE": str(tmp_path / "config"), **env},
    )
    assert out.exit_code == 0, out.output
    return str(json.loads(out.stdout)["region"])


def test_the_region_comes_from_the_flag_then_aws_region_then_default_then_profile(
    moto, tmp_path: Path
) -> None:
    keys = "aws_access_key_id = testing\naws_secret_access_key = testing\n"
    (tmp_path / "config").write_text(
        f"[profile p]\nregion = ap-south-1\n{keys}[default]\nregion = sa-east-1\n"
    )
    both = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-central-1"}
    assert _plan_region(moto.url, tmp_path, ["--region", "us-west-2"], both) == "us-west-2"
    assert _plan_region(moto.url, tmp_path, [], both) == "eu-west-1"
    assert (
        _plan_region(moto.url, tmp_path, [], {"AWS_DEFAULT_REGION": "eu-central-1"})
        == "eu-central-1"
    )
    assert _plan_region(moto.url, tmp_path, ["--profile", "p"], {}) == "ap-south-1"
    assert _plan_region(moto.url, tmp_path, [], {}) == "sa-east-1"


def test_detailed_exitcode_is_0_none_2_changes_1_any_error(moto, aws_env, tmp_path: Path) -> None:
    moto.reset()
    path = str(project(tmp_path, "models-mock"))
    ep = ["--endpoint-url", moto.url]
    assert runner.invoke(app, ["plan", path, *ep]).exit_code == 0  # without the flag: 0
    changes = runner.invoke(app, ["plan", path, "--detailed-exitcode", *ep])
    assert changes.exit_code == 2 and "+ create route" in changes.stdout
    assert runner.invoke(app, ["deploy", path, "--auto-approve", *ep]).exit_code == 0
    again = runner.invoke(app, ["plan", path, "--detailed-exitcode", *ep])
    assert again.exit_code == 0, again.output
    unknown_stage = runner.invoke(
        app, ["plan", path, "--stage", "nope", "--detailed-exitcode", *ep]
    )
    assert unknown_stage.exit_code == 1 and "not defined in the spec" in unknown_stage.output
    invalid = runner.invoke(app, ["plan", str(ROOT / BAD), "--detailed-exitcode", *ep])
    assert invalid.exit_code == 1
    from wsspec.cli import main

    with pytest.raises(SystemExit) as done:
        main(["plan", path, "--detailed-exitcode", "--no-such-flag"])
    assert done.value.code == 1


@pytest.mark.parametrize(
    "command, extra, module", [("plan", "deploy", "boto3"), ("serve", "serve", "websockets")]
)
def test_a_missing_extra_is_one_line_naming_the_pip_install(
    command: str, extra: str, module: str
) -> None:
    code = (
        f"import sys; sys.modules[{module!r}] = None\n"
        "from wsspec.cli import main\n"
        f"main([{command!r}, 'samples/chat.yaml'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error[WS015]: `wsspec {command}` needs the '{extra}' extra: pip install 'wsspec[{extra}]'"
    ]


@pytest.mark.slow
def test_serve_output_json_announces_the_addresses_as_one_object(tmp_path: Path) -> None:
    import signal

    spec = project(tmp_path, "models-mock")
    proc = subprocess.Popen(
        [sys.executable, "-m", "wsspec", "serve", str(spec), "--port", "0", "--no-dynamodb"]
        + ["--quiet", "-o", "json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the gateway prints it once it listens
        data = json.loads(line)
        assert data["api"] == yaml_name(spec)
        assert data["websocket"].startswith("ws://127.0.0.1:") and data["websocket"].endswith(
            "/" + data["stage"]
        )
        assert data["connections"].startswith("http://127.0.0.1:") and data["dynamodb"] is None
        assert set(data) == {
            "api",
            "stage",
            "websocket",
            "connections",
            "dynamodb",
            "functions",
            "notes",
        }
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)


def yaml_name(spec: Path) -> str:
    import yaml

    return str(yaml.safe_load(spec.read_text())["api"]["name"])
