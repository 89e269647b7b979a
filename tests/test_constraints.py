"""The pins in constraints.txt are the versions installed, and every dependency is pinned.

CI and the README's test command install with ``-c constraints.txt``; if a tool or library
drifted from its pin (installed without the constraints, or a pin edited without installing),
this fails and names it, before an upstream release can show up as a confusing test failure.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s#;]+)")


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        m = PIN.match(line.strip())
        if m:
            pins[_canonical(m.group(1))] = m.group(2)
    return pins


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(req: str) -> str:
    m = re.match(r"[A-Za-z0-9_.\-]+", req)
    assert m, req
    return _canonical(m.group(0))


def test_installed_versions_are_the_pinned_ones() -> None:
    wrong = {}
    for name, pinned in _pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != pinned:
            wrong[name] = f"installed {installed}, pinned {pinned}"
    assert not wrong, (
        f"install with the pins: python -m pip install -e '.[test]' -c constraints.txt ({wrong})"
    )


def test_every_dependency_and_test_tool_is_pinned() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_requirement_name(r) for r in project["dependencies"]}
    for reqs in project["optional-dependencies"].values():
        names |= {_requirement_name(r) for r in reqs if not r.startswith("wsspec[")}
    assert names - set(_pins()) == set()


def test_ci_and_the_readme_install_with_the_constraints() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "-c constraints.txt" in readme and "-c constraints.txt" in ci
