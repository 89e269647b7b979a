"""The `wsspec-validate` hook, run by the real `pre-commit try-repo` (installs from PyPI)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_the_hook_is_declared() -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "wsspec-validate"
    assert hook["entry"] == "wsspec validate"
    assert hook["language"] == "python"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_pre_commit_try_repo_passes_a_good_spec_and_fails_a_bad_one(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    (project / "chat.wsspec.yaml").write_text((ROOT / "samples" / "chat.yaml").read_text())
    (project / "README.txt").write_text("not a spec\n")
    _git(project, "add", ".")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    cmd = [
        sys.executable,
        "-m",
        "pre_commit",
        "try-repo",
        str(ROOT),
        "wsspec-validate",
        "--all-files",
        "--verbose",
    ]
    ok = subprocess.run(
        cmd, cwd=project, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "chat.wsspec.yaml: ok (5 routes, 3 functions)" in ok.stdout
    (project / "bad.wsspec.yaml").write_text(
        (ROOT / "samples" / "invalid" / "ws104-authorizer-not-connect.yaml").read_text()
    )
    _git(project, "add", ".")
    bad = subprocess.run(
        cmd, cwd=project, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "bad.wsspec.yaml:9:17: error[WS104]" in bad.stdout
