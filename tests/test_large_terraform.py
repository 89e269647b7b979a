"""Large APIs (issue 8): the 3,000-route spec renders Terraform that ``terraform validate``s.

Needs the terraform binary and a local provider mirror (the ``terraform`` fixture skips with the
reason when either is missing). About 15 s on 2 cores (validate dominates), so 3,000 routes run
in CI rather than a smaller stand-in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.gen_spec import write
from tests.tfhelp import build, init, load, run

pytestmark = pytest.mark.slow


def test_the_3000_route_spec_renders_terraform_that_validates(
    terraform: dict[str, Any], tmp_path: Path
) -> None:
    spec = load(write(3000, tmp_path / "spec"))
    assert len(spec.routes) == 3000
    tf_dir = build(spec, tmp_path / "build")
    text = (tf_dir / "main.tf").read_text()
    assert text.count('resource "aws_apigatewayv2_route" ') == 3000
    # permissions follow the same strategy as CloudFormation: one per function and stage
    assert text.count('resource "aws_lambda_permission" ') == len(spec.functions)
    init(terraform, tf_dir)
    proc = run(terraform, ["validate", "-json", "-no-color"], tf_dir, check=False)
    result = json.loads(proc.stdout)
    assert result["valid"], json.dumps(result["diagnostics"], indent=1)[:4000]
    assert result["warning_count"] == 0, json.dumps(result["diagnostics"], indent=1)[:4000]
