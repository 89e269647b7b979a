"""The README stays short and true: two quick-start commands (CI runs exactly the test
command), and a link to every page in docs/."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_readme_has_exactly_two_quick_start_commands() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2 and all("\n" not in c for c in commands), commands
    assert "samples/" in commands[0] and "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    test_command = _quick_start_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci, f".ci/run must run the README's test command: {test_command}"


def test_the_tour_goes_validate_build_serve_deploy() -> None:
    tour = README.split("## A five-minute tour", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"^\*\*\d\. (\w+)\.\*\*", tour, re.M)
    assert steps == ["Validate", "Build", "Serve", "Deploy"]


def test_the_readme_links_every_docs_page() -> None:
    linked = set(re.findall(r"\]\((docs/[^)#\s]+)", README))
    pages = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")}
    assert pages - linked == set()


def test_the_readme_is_short() -> None:
    assert len(README.splitlines()) <= 150, "move the detail into docs/"


def test_ci_runs_the_quick_start_command_in_a_fresh_venv_and_the_base_interpreter() -> None:
    quick = _quick_start_commands()[0]
    ci = (ROOT / ".ci" / "run").read_text()
    assert quick in ci.splitlines() or f"    {quick}" in ci.splitlines()
    assert "python -m venv" in ci and "quick_start base" in ci and "quick_start venv" in ci
    # the test command runs after the venv is activated (and the base run came before it)
    assert ci.index("source ") < ci.rindex(_quick_start_commands()[1])


def test_the_quick_start_installs_only_what_validate_and_build_need() -> None:
    install = _quick_start_commands()[0].split("&&")[0].strip()
    assert install == "python -m pip install .", "validate and build need no extra"
