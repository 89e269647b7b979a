"""The built wheel ships schemas/ and templates/; installed with its core dependencies in a
fresh venv (from a venv or the base interpreter alike) it validates and builds a sample."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-cache-dir",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [whl] = out.glob("wsspec-*.whl")
    return whl


def test_the_wheel_contains_the_schema_and_templates(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "wsspec/_data/schemas/wsspec.schema.json" in names
    assert any(n.startswith("wsspec/_data/templates/") for n in names)
    assert {"wsspec/serve/worker.py", "wsspec/serve/worker.js"} <= set(names)  # serve's workers
    assert not any(n.startswith("tests/") for n in names)


# the venv sees nothing of this checkout (the suite may run with PYTHONPATH pointing at it)
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def _venv(path: Path) -> Path:
    """A fresh venv (no system site-packages) and its python: the same from a venv or not."""
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / ("Scripts" if sys.platform == "win32" else "bin") / "python"


def test_the_installed_wheel_validates_a_sample(wheel: Path, tmp_path: Path) -> None:
    """The wheel and its core dependencies only (pinned by constraints.txt, from pip's cache or
    the index), in a venv that sees nothing of the interpreter running the tests: validate and
    build work, boto3 and websockets are absent, and plan names the extra to install."""
    env_dir = tmp_path / "venv"
    py = _venv(env_dir)
    proc = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "-c", str(ROOT / "constraints.txt"), str(wheel)],
        capture_output=True,
        text=True,
        check=False,
        env=CLEAN_ENV,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    work = tmp_path / "work"
    work.mkdir()
    (work / "chat.yaml").write_text((ROOT / "samples" / "chat.yaml").read_text())
    where = subprocess.run(
        [
            str(py),
            "-c",
            (
                "import importlib.util as u, wsspec, wsspec.paths as p; print(wsspec.__file__); "
                "print(p.data_dir('schemas')); "
                "print([m for m in ('boto3', 'websockets', 'moto') if u.find_spec(m)])"
            ),
        ],
        capture_output=True,
        text=True,
        cwd=work,
        check=False,
        env=CLEAN_ENV,
    )
    lines = where.stdout.splitlines()
    assert len(lines) == 3 and str(env_dir) in lines[0], where.stdout + where.stderr
    assert "_data" in lines[1]
    assert lines[2] == "[]", "the core install must not bring boto3, websockets or moto"
    wsspec_bin = env_dir / "bin" / "wsspec"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(wsspec_bin), *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=work,
            env=CLEAN_ENV,
        )

    ok = run("validate", "chat.yaml")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.splitlines()[-1] == "chat.yaml: ok (5 routes, 3 functions)"
    schema = run("schema")
    assert schema.stdout == (ROOT / "schemas" / "wsspec.schema.json").read_text()
    built = run("build", "chat.yaml", "--target", "cloudformation")
    assert built.returncode == 0, built.stdout + built.stderr
    assert (work / "build" / "chat" / "cloudformation" / "template.yaml").is_file()
    for command, extra in (("plan", "deploy"), ("serve", "serve")):
        missing = run(command, "chat.yaml")
        assert missing.returncode == 2, missing.stdout + missing.stderr
        assert missing.stderr.splitlines() == [
            f"error[WS015]: `wsspec {command}` needs the '{extra}' extra: "
            f"pip install 'wsspec[{extra}]'"
        ]
