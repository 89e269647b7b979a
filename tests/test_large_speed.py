"""Speed work for large APIs (issue 8) must not change behaviour.

libyaml composes the same nodes as the pure-Python composer; the typer-free ``build`` fast path
writes and prints what the typer command does; the Jinja bytecode cache renders the same text.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchmarks.gen_spec import generate
from tests.test_cloudformation_support import SAMPLE_FILES, write_spec
from wsspec import loader
from wsspec.cli import Target, TemplateFormat, _fast_command, app

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


def _build_kwargs(file: str, targets: list[str] | None, out: str, fmt: str, check: bool) -> dict:
    return {
        "file": file,
        "target": [Target(t) for t in targets] if targets else None,
        "out": Path(out),
        "template_format": TemplateFormat(fmt),
        "check": check,
    }


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["build", "s.yaml"], _build_kwargs("s.yaml", None, "build", "yaml", False)),
        (
            [
                "build",
                "s.yaml",
                "-t",
                "terraform",
                "--target=stubs",
                "-o",
                "out",
                "--format",
                "json",
                "--check",
            ],
            _build_kwargs("s.yaml", ["terraform", "stubs"], "out", "json", True),
        ),
        (
            ["build", "--out=o", "--", "-odd.yaml"],
            _build_kwargs("-odd.yaml", None, "o", "yaml", False),
        ),
    ],
)
def test_build_fast_path_parses_well_formed_command_lines(argv, expected) -> None:
    fn, kwargs = _fast_command(argv)
    assert fn.__name__ == "build" and kwargs == expected


@pytest.mark.parametrize(
    "argv",
    [
        ["build"],
        ["build", "--help"],
        ["build", "a.yaml", "b.yaml"],
        ["build", "a.yaml", "-t", "cdk"],
        ["build", "a.yaml", "--format", "xml"],
        ["build", "a.yaml", "-o"],
        ["build", "a.yaml", "-x"],
        ["build", "a.yaml", "-o", "--check"],
    ],
)
def test_anything_unusual_goes_through_typer(argv) -> None:
    assert _fast_command(argv) is None


def _tree(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_fast_path_build_writes_and_prints_what_the_typer_command_does(tmp_path: Path) -> None:
    project = tmp_path / "p"
    write_spec(project, generate(40, name="big"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    fast = subprocess.run(
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
        slow = CliRunner().invoke(
            app, ["build", "spec.yaml", "-o", "o2", "-t", "cloudformation", "-t", "terraform"]
        )
    finally:
        os.chdir(cwd)
    assert fast.returncode == slow.exit_code == 0, (fast.stderr, slow.output)
    assert fast.stdout.replace("o1/", "o2/") == slow.stdout
    assert _tree(project / "o1") == _tree(project / "o2")
    # an invalid spec: same findings, same exit code, nothing written
    bad = write_spec(tmp_path / "bad", {"wsspec": 1, "api": {"name": "x"}})
    fast = subprocess.run(
        [sys.executable, "-m", "wsspec", "build", str(bad), "-o", str(tmp_path / "b1")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    slow = CliRunner().invoke(app, ["build", str(bad), "-o", str(tmp_path / "b2")])
    assert fast.returncode == slow.exit_code == 1
    assert fast.stderr.strip() and fast.stderr.strip() in slow.output
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
    "argv, expected",
    [
        (
            [
                "deploy",
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
                "stage": ["a", "b"],
                "endpoint_url": "http://x",
                "yes": True,
                "concurrency": 4,
            },
        ),
        (["plan", "s.yaml", "--region=eu-west-1"], {"file": "s.yaml", "region": "eu-west-1"}),
        (["destroy", "s.yaml", "-y"], {"file": "s.yaml", "yes": True}),
    ],
)
def test_deploy_fast_path_fills_the_commands_own_defaults(argv, expected) -> None:
    from wsspec.cli import _fast_command

    fn, kwargs = _fast_command(argv)
    assert fn.__name__ == argv[0]
    assert {k: kwargs[k] for k in expected} == expected
    assert kwargs["profile"] is None and kwargs["concurrency"] == expected.get("concurrency", 8)


@pytest.mark.parametrize(
    "argv",
    [
        ["deploy"],
        ["deploy", "--help"],
        ["deploy", "a.yaml", "b.yaml"],
        ["deploy", "a.yaml", "--nope"],
        ["deploy", "a.yaml", "--output", "xml"],
        ["deploy", "a.yaml", "--concurrency", "many"],
        ["plan", "a.yaml", "--yes"],
        ["deploy", "a.yaml", "--yes=1"],
    ],
)
def test_unusual_deploy_command_lines_go_through_typer(argv) -> None:
    from wsspec.cli import _fast_command

    assert _fast_command(argv) is None


@pytest.mark.slow
def test_fast_path_plan_prints_what_the_typer_command_prints(moto, aws_env, tmp_path: Path) -> None:
    from tests.deploy_util import project

    path = project(tmp_path / "chat", "chat")
    moto.reset()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for argv in (
        ["plan", str(path), "--endpoint-url", moto.url],
        ["deploy", str(path), "--endpoint-url", moto.url, "--output", "json"],  # no --yes
        ["plan", str(path), "--endpoint-url", "http://127.0.0.1:9"],
    ):  # unreachable
        fast = subprocess.run(
            [sys.executable, "-m", "wsspec", *argv],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        slow = CliRunner().invoke(app, argv)
        assert fast.returncode == slow.exit_code, (argv, fast.stderr, slow.output)
        assert fast.stdout == slow.stdout, argv
        assert fast.stderr.strip() in slow.output
