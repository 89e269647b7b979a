"""Helpers shared by the CloudFormation tests (no tests here)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from benchmarks.gen_spec import generate
from wsspec.model import Spec, build_model
from wsspec.targets import BuildContext
from wsspec.targets import cloudformation as cf
from wsspec.validate import validate_file

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_FILES = sorted((ROOT / "samples").glob("*.yaml"))


def cfn_lint_binary() -> str:
    found = shutil.which("cfn-lint") or str(Path(sys.executable).parent / "cfn-lint")
    assert Path(found).exists(), "cfn-lint is a test dependency: pip install -e '.[test]'"
    return found


def cfn_lint(paths: list[Path]) -> list[dict[str, Any]]:
    """Run the real cfn-lint on ``paths``; every error, warning and informational match."""
    proc = subprocess.run(
        [cfn_lint_binary(), "--format", "json", "--", *map(str, paths)],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.stdout.strip(), f"cfn-lint produced no JSON (rc={proc.returncode}): {proc.stderr}"
    return json.loads(proc.stdout)


def describe(matches: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{m['Filename']}:{m['Location']['Start']['LineNumber']}: {m['Rule']['Id']} {m['Message']}"
        for m in matches
    )


def load_sample(path: Path) -> Spec:
    result = validate_file(str(path))
    assert result.spec is not None, [f.render() for f in result.findings]
    return result.spec


def spec_from_data(data: dict[str, Any], project_dir: Path | None = None) -> Spec:
    return build_model(data, source_file="spec.yaml", project_dir=str(project_dir or ROOT))


def generated(n_routes: int, **kw: Any) -> Spec:
    return spec_from_data(generate(n_routes, **kw))


def context(out_dir: Path = Path("/tmp/wsspec-test-build/x"), fmt: str = "yaml") -> BuildContext:
    return BuildContext(out_dir=out_dir, functions_dir=out_dir / "functions", template_format=fmt)


def render_template(spec: Spec, fmt: str = "yaml") -> tuple[bytes, dict[str, Any]]:
    """(template bytes, parsed template) through the target's real ``render``."""
    (out,) = cf.render(spec, context(fmt=fmt))
    parsed = json.loads(out.content) if fmt == "json" else yaml.safe_load(out.content)
    return out.content, parsed


def resources_of(template: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == rtype}


def sub_parts(value: Any) -> tuple[str, dict[str, Any]]:
    """(template string, variables) of an ``Fn::Sub`` value."""
    assert isinstance(value, dict) and set(value) == {"Fn::Sub"}, value
    body = value["Fn::Sub"]
    if isinstance(body, str):
        return body, {}
    return body[0], body[1]


def write_spec(directory: Path, data: dict[str, Any], name: str = "spec.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path
