"""Large APIs (issue 8): stay inside CloudFormation's 500-resource / 1 MB quotas by construction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from benchmarks.gen_spec import generate
from tests.test_cloudformation_support import (
    cfn_lint,
    context,
    describe,
    generated,
    render_template,
    resources_of,
    sub_parts,
    write_spec,
)
from wsspec import derive
from wsspec.cli import app
from wsspec.errors import WsspecError
from wsspec.model import build_model
from wsspec.targets import cloudformation as cf

BUDGET = derive.CFN_RESOURCE_LIMIT - derive.CFN_RESOURCE_HEADROOM


def boundary() -> int:
    """The largest generated spec (route count) that keeps per-route permissions."""
    lo, hi = 3, 300  # per_route holds at lo and fails at hi; the count grows with routes
    assert derive.permission_strategy(generated(lo)) and not derive.permission_strategy(
        generated(hi)
    )
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if derive.permission_strategy(generated(mid)) else (lo, mid)
    return lo


def permission_paths(t: dict[str, Any]) -> list[str]:
    out = []
    for res in resources_of(t, "AWS::Lambda::Permission").values():
        _, variables = sub_parts(res["Properties"]["SourceArn"])
        out.append(variables.get("Path", "authorizer"))
    return out


def lambda_route_count(n: int) -> int:
    spec = generated(n)
    return sum(1 for r in spec.routes if spec.route_integration(r).kind == "lambda")


@pytest.mark.parametrize("n", [3, 50, 150, 209, 210, 300])
@pytest.mark.parametrize("per_route", [True, False])
def test_derived_resource_count_is_exactly_the_rendered_count(n: int, per_route: bool) -> None:
    spec = generated(n)
    doc = cf.template(spec, context(), per_route=per_route)
    assert len(doc["Resources"]) == derive.cloudformation_resource_count(spec, per_route=per_route)


def test_derived_count_includes_monitoring_resources() -> None:
    data = generate(20)
    data["monitoring"] = {
        "preset": "recommended",
        "tracing": True,
        "notify": {
            "topic": {"email": ["ops@example.com"], "https": ["https://hooks.example.com/a"]}
        },
    }
    spec = build_model(data)
    doc = cf.template(spec, context())
    types = [r["Type"] for r in doc["Resources"].values()]
    assert "AWS::CloudWatch::Alarm" in types and types.count("AWS::SNS::Subscription") == 2
    assert len(doc["Resources"]) == derive.cloudformation_resource_count(
        spec, per_route=derive.permission_strategy(spec)
    )


def test_boundary_largest_spec_keeps_per_route_permissions_and_the_next_collapses(
    tmp_path: Path,
) -> None:
    n = boundary()
    _, keep = render_template(generated(n))
    _, collapsed = render_template(generated(n + 1))
    # n: one permission per Lambda route (one stage), each scoped to its route; within budget.
    assert len(keep["Resources"]) <= BUDGET
    paths = permission_paths(keep)
    assert len(paths) == lambda_route_count(n) and not [p for p in paths if "*" in p]
    # n + 1: per-route would exceed the budget, so one grant per function and stage.
    assert derive.cloudformation_resource_count(generated(n + 1), per_route=True) > BUDGET
    spec = generated(n + 1)
    paths = permission_paths(collapsed)
    assert sorted(paths) == sorted("prod/*" for _ in spec.functions)
    assert len(collapsed["Resources"]) <= derive.CFN_RESOURCE_LIMIT
    # Both are clean under the real cfn-lint (E3010 would be the resource-count error).
    a, b = tmp_path / "keep.yaml", tmp_path / "collapsed.yaml"
    a.write_bytes(render_template(generated(n))[0])
    b.write_bytes(render_template(generated(n + 1))[0])
    found = cfn_lint([a, b])
    assert not found, describe(found)


def test_collapsed_permissions_are_scoped_to_api_and_stage_never_a_bare_wildcard() -> None:
    _, t = render_template(generated(300))
    for res in resources_of(t, "AWS::Lambda::Permission").values():
        text, variables = sub_parts(res["Properties"]["SourceArn"])
        assert text.endswith(":${Api}/${Path}")
        assert variables["Path"] == "prod/*"


def test_build_prints_a_note_when_permissions_collapse(tmp_path: Path) -> None:
    n = boundary()
    runner = CliRunner()
    small = write_spec(tmp_path / "a", generate(n, name="edge"))
    big = write_spec(tmp_path / "b", generate(n + 1, name="edge"))
    r1 = runner.invoke(
        app, ["build", str(small), "-t", "cloudformation", "-o", str(tmp_path / "o1")]
    )
    r2 = runner.invoke(app, ["build", str(big), "-t", "cloudformation", "-o", str(tmp_path / "o2")])
    assert r1.exit_code == 0 and r2.exit_code == 0, (r1.output, r2.output)
    assert "one Lambda permission per function and stage" not in r1.output
    assert "note: cloudformation: one Lambda permission per function and stage" in r2.output
    assert (
        f"would make {derive.cloudformation_resource_count(generated(n + 1), per_route=True)}"
        in r2.output
    )


def test_300_route_spec_builds_within_500_resources_and_1_mb() -> None:
    content, t = render_template(generated(300))
    assert len(t["Resources"]) <= derive.CFN_RESOURCE_LIMIT
    assert len(content) <= derive.CFN_TEMPLATE_LIMIT
    assert len(resources_of(t, "AWS::ApiGatewayV2::Route")) == 300


def test_more_than_500_resources_even_collapsed_nests_and_ws420_only_when_nesting_cannot_fit() -> (
    None
):
    spec = generated(200, own_every=1)  # ~190 functions: 4 resources each before permissions
    assert derive.cloudformation_resource_count(spec, per_route=False) > derive.CFN_RESOURCE_LIMIT
    outs = cf.render(spec, context())  # routes and functions move into nested stacks
    assert any(o.path.name.startswith("functions-") for o in outs)
    assert all(
        len(yaml.safe_load(o.content)["Resources"]) <= derive.CFN_RESOURCE_LIMIT for o in outs
    )
    spec = generated(700, mock_every=1)  # 700 integrations + responses stay in the parent
    with pytest.raises(WsspecError) as err:
        cf.render(spec, context())
    assert err.value.code == "WS420"
    assert "500" in err.value.message and "resources per stack" in err.value.message


def test_template_over_1_mb_is_an_error_naming_the_quota(tmp_path: Path) -> None:
    data = generate(40, name="heavy", mock_every=1)  # every generated route a MOCK route
    template = "#set($x = 1)" + "x" * 30_000  # under the 32K-per-template limit
    for route in data["routes"].values():
        if isinstance(route.get("integration"), dict):
            route["integration"]["request_templates"] = {"$default": template}
    spec = build_model(data, source_file="heavy.yaml")
    with pytest.raises(WsspecError) as err:
        cf.render(spec, context())
    assert err.value.code == "WS421"
    assert "1048576 bytes" in err.value.message and "template" in err.value.message
    # Through the CLI: exit 1, one line, no traceback.
    path = write_spec(tmp_path, data)
    result = CliRunner().invoke(
        app, ["build", str(path), "-t", "cloudformation", "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 1, result.output
    assert "WS421" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_large_template_gets_a_note_about_s3(tmp_path: Path) -> None:
    path = write_spec(tmp_path, generate(300, name="big"))
    result = CliRunner().invoke(
        app, ["build", str(path), "-t", "cloudformation", "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    size = (tmp_path / "out" / "big" / "cloudformation" / "template.yaml").stat().st_size
    assert size > derive.CFN_INLINE_TEMPLATE_LIMIT
    assert f"the template is {size} bytes" in result.output and "--s3-bucket" in result.output
    t = yaml.safe_load((tmp_path / "out" / "big" / "cloudformation" / "template.yaml").read_text())
    assert len(t["Resources"]) == derive.cloudformation_resource_count(
        generated(300), per_route=False
    )
