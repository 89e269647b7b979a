"""Golden trees: each sample's CloudFormation output equals tests/golden/<sample>/cloudformation/.

Regenerate (for every registered target) with: python scripts/regen_golden.py
"""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("regen_golden", ROOT / "scripts" / "regen_golden.py")
regen = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(regen)  # type: ignore[union-attr]

TARGET = "cloudformation"


def mismatch(name: str, expected: bytes, actual: bytes) -> str:
    """A message naming the first differing line, with a short unified diff."""
    exp, act = expected.decode().splitlines(), actual.decode().splitlines()
    first = next((i for i, (a, b) in enumerate(zip(exp, act)) if a != b), min(len(exp), len(act)))
    diff = list(
        difflib.unified_diff(exp, act, f"golden/{name}", f"rendered/{name}", lineterm="", n=2)
    )
    shown = "\n".join(diff[:60]) + ("\n..." if len(diff) > 60 else "")
    return (
        f"{name}: differs from the golden file at line {first + 1} "
        f"(golden: {exp[first] if first < len(exp) else '<end>'!r}, "
        f"rendered: {act[first] if first < len(act) else '<end>'!r})\n{shown}\n"
        "if the change is intended: python scripts/regen_golden.py"
    )


@pytest.mark.parametrize("sample", [p.stem for p in regen.samples()])
def test_cloudformation_output_matches_golden(sample: str) -> None:
    files = regen.render(ROOT / "samples" / f"{sample}.yaml", TARGET)
    golden_dir = regen.GOLDEN / sample / TARGET
    golden = {
        p.relative_to(regen.GOLDEN / sample).as_posix(): p.read_bytes()
        for p in golden_dir.rglob("*")
        if p.is_file()
    }
    assert set(files) == set(golden), (
        f"file sets differ: only rendered {sorted(set(files) - set(golden))}, "
        f"only golden {sorted(set(golden) - set(files))}"
    )
    for name, content in files.items():
        assert content == golden[name], mismatch(f"{sample}/{name}", golden[name], content)


def test_goldens_hold_no_zips() -> None:
    assert not [p for p in regen.GOLDEN.rglob("*.zip")]


def test_mismatch_message_names_the_line() -> None:
    msg = mismatch("x/template.yaml", b"a\nb\nc\n", b"a\nB\nc\n")
    assert "line 2" in msg and "'b'" in msg and "'B'" in msg


def test_rendering_twice_is_byte_identical() -> None:
    for sample in regen.samples():
        assert regen.render(sample, TARGET) == regen.render(sample, TARGET)
