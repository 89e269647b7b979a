"""The project's own code passes ruff with the rules in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean_on_the_project() -> None:
    ruff = shutil.which("ruff") or f"{sys.executable} -m ruff"
    proc = subprocess.run(
        [*ruff.split(), "check", "wsspec", "tests", "scripts", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
