"""The built wheel ships schemas/ and templates/ and validates a sample in a fresh venv."""

from __future__ import annotations

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


def test_the_installed_wheel_validates_a_sample(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    # dependencies come from this interpreter's site-packages; wsspec itself from the wheel
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(env_dir)
    py = env_dir / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    proc = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
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
                "import wsspec, wsspec.paths as p; print(wsspec.__file__); "
                "print(p.data_dir('schemas'))"
            ),
        ],
        capture_output=True,
        text=True,
        cwd=work,
        check=False,
    )
    assert str(env_dir) in where.stdout.splitlines()[0], where.stdout + where.stderr
    assert "_data" in where.stdout.splitlines()[1]
    wsspec_bin = env_dir / "bin" / "wsspec"
    run = subprocess.run(
        [str(wsspec_bin), "validate", "chat.yaml"],
        capture_output=True,
        text=True,
        check=False,
        cwd=work,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1] == "chat.yaml: ok (5 routes, 3 functions)"
    schema = subprocess.run(
        [str(wsspec_bin), "schema"], capture_output=True, text=True, cwd=work, check=False
    )
    assert schema.stdout == (ROOT / "schemas" / "wsspec.schema.json").read_text()
