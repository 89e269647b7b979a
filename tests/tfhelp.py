"""Helpers for the Terraform target's tests: build into a directory, run terraform, read HCL.

Reading strings back: python-hcl2 (8.x) returns a quoted string's *source* (quotes, escapes and
``$${`` kept), so ``hcl_literal`` decodes that source itself, following the HCL spec in one
pass: ``\\n \\r \\t \\" \\\\ \\uNNNN \\UNNNNNNNN``, ``$${`` -> ``${`` and ``%%{`` -> ``%{``.
A ``${`` or ``%{`` that is not escaped is an interpolation/directive, never a literal: the
decoder raises, so a test that expects a literal fails loudly.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import hcl2

from wsspec.build import build_outputs
from wsspec.model import Spec
from wsspec.validate import validate_file
from wsspec.writer import write_all

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SAMPLE_NAMES = sorted(p.stem for p in SAMPLES.glob("*.yaml"))
GOLDEN = ROOT / "tests" / "golden"


def load(sample: str | Path) -> Spec:
    path = sample if isinstance(sample, Path) else SAMPLES / f"{sample}.yaml"
    result = validate_file(str(path))
    assert result.spec is not None, [f.render() for f in result.errors]
    return result.spec


def build(spec: Spec, out: Path) -> Path:
    """Write the Terraform target (and the zips it needs) under ``out``; return the tf dir."""
    outputs, _ = build_outputs(spec, ["terraform"], out)
    write_all(outputs)
    tf_dirs = {o.path.parent for o in outputs if o.path.suffix == ".tf"}
    assert len(tf_dirs) == 1
    return tf_dirs.pop()


def rendered(spec: Spec, tmp: Path) -> dict[str, str]:
    """{file name: text} of the Terraform target for ``spec`` (nothing written)."""
    outputs, _ = build_outputs(spec, ["terraform"], tmp)
    return {o.path.name: o.content.decode() for o in outputs if o.path.suffix == ".tf"}


def with_auto_deploy(spec: Spec) -> Spec:
    return dataclasses.replace(
        spec, stages=tuple(dataclasses.replace(s, auto_deploy=True) for s in spec.stages)
    )


def run(
    tf: dict[str, Any], args: list[str], cwd: Path, *, check: bool = True, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(tf["binary"]), *args],
        cwd=cwd,
        env=tf["env"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"terraform {' '.join(args)} failed in {cwd} ({proc.returncode}):\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


def init(tf: dict[str, Any], cwd: Path) -> None:
    run(tf, ["init", "-backend=false", "-input=false", "-no-color"], cwd)


def copy_build(build_dir: Path, dest: Path) -> Path:
    """Copy a build directory (terraform/ + functions/) to ``dest``; return dest/terraform."""
    shutil.copytree(build_dir, dest)
    return dest / "terraform"


# ----------------------------------------------------------------------------- HCL reading
def parse(text: str) -> dict[str, Any]:
    """python-hcl2's parse of generated HCL.

    python-hcl2 8.1 only accepts the escapes ``$${`` / ``%%{`` when a ``}`` follows later in
    the string (its token is ``/\\$\\$\\{[^}]*\\}/``, which can even run past the closing
    quote); Terraform accepts them anywhere (test_terraform_tool checks with the binary). So
    each escape is rewritten to the equivalent ``\\u0024{`` / ``\\u0025{`` first: same
    string for HCL, and wsspec never emits either sequence outside a quoted string.
    """
    return hcl2.loads(text.replace("$${", "\\u0024{").replace("%%{", "\\u0025{"))


def resources(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """{(type, label): body} with python-hcl2's quoted labels unquoted."""
    out = {}
    for entry in doc.get("resource", []):
        for rtype, by_label in entry.items():
            for label, body in by_label.items():
                out[(rtype.strip('"'), label.strip('"'))] = body
    return out


def blocks(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    v = body.get(name, [])
    return v if isinstance(v, list) else [v]


_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def template_parts(raw: str) -> list[tuple[str, str]]:
    """Split the source of a quoted template into ("lit", text) and ("interp", expr) parts."""
    assert len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"', raw
    body = raw[1:-1]
    parts: list[tuple[str, str]] = []
    lit: list[str] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == "\\":
            m = body[i + 1]
            if m in _SIMPLE:
                lit.append(_SIMPLE[m])
                i += 2
            elif m in "uU":
                width = 4 if m == "u" else 8
                lit.append(chr(int(body[i + 2 : i + 2 + width], 16)))
                i += 2 + width
            else:
                raise AssertionError(f"invalid escape \\{m} in {raw!r}")
            continue
        if c in "$%" and body.startswith(c + c + "{", i):
            lit.append(c + "{")
            i += 3
            continue
        if c in "$%" and body.startswith(c + "{", i):
            if lit:
                parts.append(("lit", "".join(lit)))
                lit = []
            depth, j = 0, i + 2
            in_str = False
            while True:
                ch = body[j]
                if in_str:
                    if ch == "\\":
                        j += 1
                    elif ch == '"':
                        in_str = False
                elif ch == '"':
                    in_str = True
                elif ch == "{":
                    depth += 1
                elif ch == "}":
                    if depth == 0:
                        break
                    depth -= 1
                j += 1
            parts.append(("interp" if c == "$" else "directive", body[i + 2 : j]))
            i = j + 1
            continue
        if c == '"':
            raise AssertionError(f"unescaped quote inside {raw!r}")
        lit.append(c)
        i += 1
    if lit:
        parts.append(("lit", "".join(lit)))
    return parts


def hcl_literal(raw: Any) -> str:
    """The string a quoted HCL literal (as python-hcl2 returns it) stands for."""
    assert isinstance(raw, str), raw
    parts = template_parts(raw)
    assert all(kind == "lit" for kind, _ in parts), f"not a literal: {raw!r} -> {parts}"
    return "".join(text for _, text in parts)


def hcl_key(raw: str) -> str:
    """An object key: bare identifier or quoted literal."""
    return hcl_literal(raw) if raw.startswith('"') else raw


def hcl_map(raw: Any) -> dict[str, str]:
    assert isinstance(raw, dict), raw
    return {hcl_key(k): hcl_literal(v) for k, v in raw.items() if not k.startswith("__")}


def outputs_config(values: Iterable[str]) -> str:
    """A provider-less configuration whose outputs are the given HCL expressions."""
    return "".join(f'output "v{i}" {{\n  value = {v}\n}}\n' for i, v in enumerate(values))


def apply_outputs(tf: dict[str, Any], exprs: list[str], cwd: Path) -> list[Any]:
    """Evaluate HCL expressions with the real terraform (no provider, no resources)."""
    cwd.mkdir(parents=True, exist_ok=True)
    (cwd / "main.tf").write_text(outputs_config(exprs), encoding="utf-8")
    run(tf, ["init", "-backend=false", "-input=false", "-no-color"], cwd)
    run(tf, ["apply", "-auto-approve", "-input=false", "-no-color"], cwd)
    out = json.loads(run(tf, ["output", "-json"], cwd).stdout)
    return [out[f"v{i}"]["value"] for i in range(len(exprs))]
