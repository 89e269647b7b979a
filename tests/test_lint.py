"""The project's own code passes its tools: ruff (check and format), mypy strict on the package,
import-linter's layer contracts; no import cycles; no oversized module or function."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PY_DIRS = ["wsspec", "tests", "scripts", "benchmarks"]
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
# A module or function may stay larger only with this marker in a comment on its first line
# (the module's) or on the line before its ``def``, followed by the reason.
WHOLE = "# whole:"


def _tool(name: str) -> list[str]:
    found = shutil.which(name)
    return [found] if found else [sys.executable, "-m", name.replace("-", "_")]


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_is_clean_on_the_project() -> None:
    proc = _run([*_tool("ruff"), "check", *PY_DIRS])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_project_is_ruff_formatted() -> None:
    proc = _run([*_tool("ruff"), "format", "--check", *PY_DIRS])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_is_clean_on_the_package() -> None:
    proc = _run([sys.executable, "-m", "mypy", "--cache-dir", "/tmp/wsspec-mypy-cache"])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_import_layers_hold() -> None:
    """The contracts in pyproject.toml ([tool.importlinter]): the pipeline's layers, back ends
    independent of each other, serve's integrations never importing the gateway."""
    lint = shutil.which("lint-imports")
    if lint is None:
        pytest.skip("lint-imports (import-linter) is not installed")
    proc = _run([lint, "--no-cache"])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_import_cycles_in_the_package() -> None:
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("wsspec")
    adj = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    cycles = [c for c in _strongly_connected(adj) if len(c) > 1]
    assert cycles == []


def _strongly_connected(adj: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in sorted(adj):
        if root in index:
            continue
        work = [(root, iter(sorted(adj[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(adj.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp.append(member)
                    if member == node:
                        break
                out.append(comp)
    return out


def test_no_module_or_function_is_oversized() -> None:
    too_big = []
    for path in sorted((ROOT / "wsspec").rglob("*.py")):
        lines = path.read_text().splitlines()
        rel = path.relative_to(ROOT)
        if len(lines) > MAX_MODULE_LINES and not (lines and WHOLE in lines[0]):
            too_big.append(f"{rel}: {len(lines)} lines")
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            if size > MAX_FUNCTION_LINES and WHOLE not in lines[start - 2]:
                too_big.append(f"{rel}:{node.lineno}: {node.name}() {size} lines")
    assert too_big == []
