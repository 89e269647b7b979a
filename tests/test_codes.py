"""wsspec.codes: one registry of every code the program prints, one meaning per code.

The source scan reads every string literal in wsspec/ that is exactly a code (``"WS101"``):
emitting or comparing a code writes it that way, while comments and docstrings that mention a
code, and the ``@check(...)`` declarations of the codes a rule may report, do not count.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from wsspec import codes
from wsspec.checks import CHECKS, run
from wsspec.checks.context import Check, Ctx, check
from wsspec.errors import Finding, WsspecError
from wsspec.loader import load_text

ROOT = Path(__file__).resolve().parent.parent
CODE = re.compile(r"WS\d{3}")


def _literals() -> dict[str, set[str]]:
    """code -> the files (relative to the repository) whose string literals name it."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "wsspec").rglob("*.py")):
        if path == ROOT / "wsspec" / "codes.py":
            continue
        tree = ast.parse(path.read_text(), str(path))
        declared = {id(arg) for deco in _check_decorators(tree) for arg in deco.args}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if CODE.fullmatch(node.value) and id(node) not in declared:
                    found.setdefault(node.value, set()).add(path.relative_to(ROOT).as_posix())
    return found


def _check_decorators(tree: ast.AST) -> list[ast.Call]:
    """``@check("WS101", ...)`` declares what a rule may report: a declaration is not an emission."""
    return [
        deco
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for deco in node.decorator_list
        if isinstance(deco, ast.Call)
        and isinstance(deco.func, ast.Name)
        and deco.func.id == "check"
    ]


def test_every_code_the_source_names_is_registered() -> None:
    registered = {c.code for c in codes.all_codes()}
    unknown = {code: sorted(files) for code, files in _literals().items() if code not in registered}
    assert not unknown, f"register these in wsspec/codes.py: {unknown}"


def test_every_registered_code_is_emitted_somewhere() -> None:
    named = set(_literals())
    never = [c.code for c in codes.all_codes() if c.code not in named]
    assert not never, f"registered but never emitted (remove them or emit them): {never}"


def test_the_scan_finds_codes_in_every_stage() -> None:
    stages = {codes.get(code).stage for code in _literals()}
    assert stages == {
        "internal",
        "loader",
        "schema",
        "checks",
        "build",
        "deploy",
        "serve",
        "import",
    }


def test_all_codes_are_unique_and_in_code_order() -> None:
    listed = [c.code for c in codes.all_codes()]
    assert listed == sorted(set(listed))
    assert all(CODE.fullmatch(c) for c in listed)


def test_ranges_are_in_order_and_disjoint() -> None:
    for before, after in zip(codes.RANGES, codes.RANGES[1:]):
        assert before.first <= before.last < after.first, (before, after)


def test_every_code_lies_in_a_range_of_its_own_stage() -> None:
    wrong = [
        (c.code, c.stage, codes.range_of(c.code).stage)
        for c in codes.all_codes()
        if codes.range_of(c.code).stage != c.stage
    ]
    assert not wrong


def test_every_range_holds_a_code() -> None:
    empty = [r for r in codes.RANGES if not any(c.number in r for c in codes.all_codes())]
    assert not empty


def test_summaries_are_one_line() -> None:
    assert all(c.summary and "\n" not in c.summary for c in codes.all_codes())


def test_deploy_no_longer_reuses_the_loader_range() -> None:
    """WS900-WS909 are the loader's; deploy, plan and destroy have WS910-WS949."""
    for code, files in _literals().items():
        if 900 <= int(code[2:]) <= 909:
            assert all(not f.startswith("wsspec/deploy/") for f in files), (code, files)


def test_an_unregistered_code_fails_loudly() -> None:
    with pytest.raises(codes.UnknownCode):
        codes.get("WS555")
    with pytest.raises(codes.UnknownCode):
        codes.range_of("WS050")  # in no range
    with pytest.raises(codes.UnknownCode):
        WsspecError("boom", code="WS555")
    with pytest.raises(codes.UnknownCode):
        Finding("f.yaml", 1, 1, "WS555", "error", "", "boom")


def test_a_finding_carries_its_registered_severity() -> None:
    with pytest.raises(ValueError):
        Finding("f.yaml", 1, 1, "WS801", "error", "", "WS801 is a warning")
    assert load_text("a: 1\n", "f.yaml").finding("WS801", ("a",), "m").severity == "warning"


def test_checks_declare_registered_codes_only() -> None:
    with pytest.raises(codes.UnknownCode):
        check("WS555")
    for rule in CHECKS:
        assert rule.codes, rule.name
        assert all(codes.get(c).stage in ("checks", "schema") for c in rule.codes), rule.name


def test_every_check_code_is_declared_by_a_check() -> None:
    declared = set().union(*(rule.codes for rule in CHECKS))
    # WS116 compares the names the model builds and WS340 counts the resources of the model
    # (both in wsspec.validate, after the checks)
    undeclared = [
        c.code for c in codes.all_codes() if c.stage == "checks" and c.code not in declared
    ]
    assert undeclared == ["WS116", "WS340"]


def test_a_check_reporting_an_undeclared_code_is_an_internal_error(monkeypatch) -> None:
    def rogue(ctx: Ctx) -> None:
        ctx.add("WS102", (), "not mine")

    monkeypatch.setattr("wsspec.checks.CHECKS", (Check("rogue", rogue, frozenset({"WS101"})),))
    findings, _ = run(load_text("a: 1\n", "f.yaml"), ".")
    assert [(f.code, f.message) for f in findings] == [
        (
            "WS000",
            "internal error in check rogue: UndeclaredCode: check rogue does not declare WS102",
        )
    ]
