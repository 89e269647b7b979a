"""Speed work for large APIs (issue 8) must not change behaviour.

libyaml composes the same nodes as the pure-Python composer; the console script (``main``, which
reports click's errors itself) writes and prints what click's CliRunner does; command lines parse
to the parameters the commands expect; the Jinja bytecode cache renders the same text.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from benchmarks.gen_spec import generate
from tests.test_cloudformation_support import SAMPLE_FILES, write_spec
from wsspec import loader
from wsspec.cli import app
from wsspec.cli.build import build_command
from wsspec.cli.deploy import deploy_command, destroy_command, plan_command

ROOT = Path(__file__).resolve().parent.parent


def _same(a: yaml.Node, b: yaml.Node) -> None:
    assert type(a) is type(b) and a.tag == b.tag
    assert (a.start_mark.line, a.start_mark.column) == (b.start_mark.line, b.start_mark.column)
    if isinstance(a, yaml.ScalarNode):
        assert a.value == b.value
    else:
        assert len(a.value) == len(b.value)
        for x, y in zip(a.value, b.value):
            if isinstance(x, tuple):
                _same(x[0], y[0])
                _same(x[1], y[1])
            else:
                _same(x, y)


@pytest.mark.parametrize("path", SAMPLE_FILES + ["generated"], ids=lambda p: getattr(p, "stem", p))
def test_libyaml_composes_the_same_nodes_as_the_python_composer(path) -> None:
    text = yaml.safe_dump(generate(600)) if path == "generated" else path.read_text()
    _same(loader._compose(text), loader._Composer(text).get_single_node())


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n\tb: 2\n",  # tab indentation
        "a: [1, 2\n",  # unclosed flow sequence
        "a: 'x\n",  # unclosed quote
        "a: b: c\n",
        "a: 1\x07\n",  # control character
    ],
)
def test_yaml_errors_are_reported_exactly_as_the_python_composer_reports_them(text: str) -> None:
    try:
        loader._Composer(text).get_single_node()
    except yaml.YAMLError as exc:
        expected = exc
    else:  # pragma: no cover - every case above is an error
        pytest.fail("expected a YAML error")
    with pytest.raises(yaml.YAMLError) as got:
        loader._compose(text)
    assert str(got.value) == str(expected)
    assert loader.load_text(text, "x.yaml").findings[0].code == "WS901"


def _build_params(
    file: str,
    targets: list[str],
    out: str,
    fmt: str,
    check: bool,
    output: str = "text",
    legacy_format: str | None = None,
) -> dict:
    return {
        "file": file,
        "target": tuple(targets),
        "out": Path(out),
        "template_format": fmt,
        "legacy_format": legacy_format,
        "check": check,
        "output": output,
    }


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["s.yaml"], _build_params("s.yaml", [], "build", "yaml", False)),
        (
            [
                "s.yaml",
                "-t",
                "terraform",
                "--target=stubs",
                "--out-dir",
                "out",
                "--template-format",
                "json",
                "--check",
                "-o",
                "json",
            ],
            _build_params("s.yaml", ["terraform", "stubs"], "out", "json", True, "json"),
        ),
        (  # the old spellings: -o DIR (taken as the directory when run) and --format
            ["s.yaml", "-o", "out", "--format", "json"],
            _build_params("s.yaml", [], "build", "yaml", False, "out", "json"),
        ),
        (["--out=o", "--", "-odd.yaml"], _build_params("-odd.yaml", [], "o", "yaml", False)),
    ],
)
def test_build_command_lines_parse_to_the_commands_parameters(argv, expected) -> None:
    assert build_command.make_context("build", argv).params == expected


@pytest.mark.parametrize(
    "argv",
    [
        ["build"],
        ["build", "a.yaml", "b.yaml"],
        ["build", "a.yaml", "-t", "cdk"],
        ["build", "a.yaml", "--format", "xml"],
        ["build", "a.yaml", "-o"],
        ["build", "a.yaml", "-x"],
    ],
)
def test_malformed_build_command_lines_are_usage_errors(argv) -> None:
    result = CliRunner().invoke(app, argv, prog_name="wsspec")
    assert result.exit_code == 2 and "Error: " in result.stderr and result.stdout == ""


def _tree(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_the_console_script_builds_and_prints_what_clirunner_does(tmp_path: Path) -> None:
    project = tmp_path / "p"
    write_spec(project, generate(40, name="big"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "wsspec",
            "build",
            "spec.yaml",
            "-o",
            "o1",
            "-t",
            "cloudformation",
            "-t",
            "terraform",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    cwd = os.getcwd()
    os.chdir(project)
    try:
        clicked = CliRunner().invoke(
            app, ["build", "spec.yaml", "-o", "o2", "-t", "cloudformation", "-t", "terraform"]
        )
    finally:
        os.chdir(cwd)
    assert proc.returncode == clicked.exit_code == 0, (proc.stderr, clicked.output)
    assert proc.stdout.replace("o1/", "o2/") == clicked.stdout
    assert _tree(project / "o1") == _tree(project / "o2")
    # an invalid spec: same findings, same exit code, nothing written
    bad = write_spec(tmp_path / "bad", {"wsspec": 1, "api": {"name": "x"}})
    proc = subprocess.run(
        [sys.executable, "-m", "wsspec", "build", str(bad), "-o", str(tmp_path / "b1")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    clicked = CliRunner().invoke(app, ["build", str(bad), "-o", str(tmp_path / "b2")])
    assert proc.returncode == clicked.exit_code == 1
    assert proc.stderr.strip() and proc.stderr == clicked.stderr
    assert not (tmp_path / "b1").exists() and not (tmp_path / "b2").exists()


def test_template_cache_renders_the_same_text(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, generate(40, name="big"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    outs = []
    for name, extra in (("cached", {}), ("uncached", {"WSSPEC_NO_TEMPLATE_CACHE": "1"})):
        out = tmp_path / name
        for _ in range(2):  # the second run reads the cache the first one wrote
            subprocess.run(
                [sys.executable, "-m", "wsspec", "build", str(spec), "-o", str(out)],
                env={**env, **extra},
                check=True,
                capture_output=True,
            )
        outs.append(_tree(out))
    assert outs[0] == outs[1] and any(k.endswith("main.tf") for k in outs[0])


@pytest.mark.parametrize(
    "command, argv, expected",
    [
        (
            deploy_command,
            [
                "s.yaml",
                "--yes",
                "--endpoint-url",
                "http://x",
                "--stage",
                "a",
                "--stage=b",
                "--output",
                "json",
                "--concurrency",
                "4",
            ],
            {
                "file": "s.yaml",
                "stage": ("a", "b"),
                "endpoint_url": "http://x",
                "output": "json",
                "yes": True,
                "concurrency": 4,
            },
        ),
        (plan_command, ["s.yaml", "--region=eu-west-1"], {"file": "s.yaml", "region": "eu-west-1"}),
        (destroy_command, ["s.yaml", "-y"], {"file": "s.yaml", "yes": True}),
    ],
)
def test_deploy_command_lines_fill_the_commands_own_defaults(command, argv, expected) -> None:
    params = command.make_context(command.name, argv).params
    assert {k: params[k] for k in expected} == expected
    assert params["profile"] is None and params["concurrency"] == expected.get("concurrency", 16)
    assert params["output"] == expected.get("output", "text")


@pytest.mark.parametrize(
    "argv",
    [
        ["deploy"],
        ["deploy", "a.yaml", "b.yaml"],
        ["deploy", "a.yaml", "--nope"],
        ["deploy", "a.yaml", "--output", "xml"],
        ["deploy", "a.yaml", "--concurrency", "many"],
        ["plan", "a.yaml", "--yes"],
        ["deploy", "a.yaml", "--yes=1"],
    ],
)
def test_malformed_deploy_command_lines_are_usage_errors(argv) -> None:
    result = CliRunner().invoke(app, argv, prog_name="wsspec")
    assert result.exit_code == 2 and "Error: " in result.stderr and result.stdout == ""


@pytest.mark.slow
def test_the_console_script_plans_and_prints_what_clirunner_does(
    moto, aws_env, tmp_path: Path
) -> None:
    from tests.deploy_util import project

    path = project(tmp_path / "chat", "chat")
    moto.reset()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for argv in (
        ["plan", str(path), "--endpoint-url", moto.url],
        ["deploy", str(path), "--endpoint-url", moto.url, "--output", "json"],  # no --yes
        ["plan", str(path), "--endpoint-url", "http://127.0.0.1:9"],
    ):  # unreachable
        proc = subprocess.run(
            [sys.executable, "-m", "wsspec", *argv],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        clicked = CliRunner().invoke(app, argv)
        assert proc.returncode == clicked.exit_code, (argv, proc.stderr, clicked.output)
        assert proc.stdout == clicked.stdout, argv
        assert proc.stderr == clicked.stderr, argv
