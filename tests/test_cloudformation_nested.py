"""Large APIs (issue 8): past 500 resources even collapsed, routes move into nested stacks."""

from __future__ import annotations

import json
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
    resources_of,
    spec_from_data,
    sub_parts,
    write_spec,
)
from wsspec import derive, names
from wsspec.cli import app
from wsspec.errors import WsspecError
from wsspec.model import Spec
from wsspec.targets import cloudformation as cf
from wsspec.targets.cloudformation import nested as cfn_nested

STACK = "AWS::CloudFormation::Stack"


def render_all(spec: Spec, fmt: str = "yaml") -> dict[str, dict[str, Any]]:
    """{file name: parsed template} for the parent and every child."""
    outs = cf.render(spec, context(fmt=fmt))
    load = json.loads if fmt == "json" else yaml.safe_load
    return {o.path.name: load(o.content) for o in outs}


@pytest.fixture(scope="module")
def big3000() -> tuple[Spec, dict[str, dict[str, Any]]]:
    spec = generated(3000)
    return spec, render_all(spec)


@pytest.fixture(scope="module")
def big600() -> tuple[Spec, dict[str, dict[str, Any]]]:
    spec = generated(600)
    return spec, render_all(spec)


def children(files: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in files.items() if not k.startswith("template.")}


def test_nesting_starts_only_past_500_resources_even_collapsed() -> None:
    # 300 routes fit one stack (collapsed permissions): one file, no nested stack.
    assert list(render_all(generated(300))) == ["template.yaml"]
    spec = generated(600)
    assert derive.cloudformation_resource_count(spec, per_route=False) > derive.CFN_RESOURCE_LIMIT
    assert len(render_all(spec)) > 1


@pytest.mark.parametrize("which", ["big600", "big3000"])
def test_every_stack_is_well_under_the_quotas(which: str, request: pytest.FixtureRequest) -> None:
    _, files = request.getfixturevalue(which)
    for name, t in files.items():
        limit = derive.CFN_RESOURCE_LIMIT - derive.CFN_RESOURCE_HEADROOM
        assert len(t["Resources"]) <= limit, name
        assert len(t.get("Parameters", {})) <= cfn_nested.PARAMETER_LIMIT, name
        assert len(t.get("Outputs", {})) <= cfn_nested.OUTPUT_LIMIT, name
    for name in children(files):
        assert len(files[name]["Resources"]) <= 250, name


@pytest.mark.parametrize("which", ["big600", "big3000"])
def test_every_route_appears_exactly_once_across_children_with_its_target(
    which: str, request: pytest.FixtureRequest
) -> None:
    spec, files = request.getfixturevalue(which)
    parent = files["template.yaml"]
    assert not resources_of(parent, "AWS::ApiGatewayV2::Route")
    stacks = {res["Properties"]["TemplateURL"]: res for res in resources_of(parent, STACK).values()}
    seen: dict[str, str] = {}
    for name, t in children(files).items():
        passed = stacks[name]["Properties"].get("Parameters", {})
        for res in resources_of(t, "AWS::ApiGatewayV2::Route").values():
            key = res["Properties"]["RouteKey"]
            assert key not in seen, f"{key} in {seen[key]} and {name}"
            seen[key] = name
            _, variables = sub_parts(res["Properties"]["Target"])
            param = variables["Integration"]["Ref"]
            assert param in t["Parameters"] and param not in t["Resources"]
            # the parent passes exactly that integration's id into the child
            integ = spec.route_integration(next(r for r in spec.routes if r.key == key))
            assert passed[param] == {"Ref": names.integration_logical(integ)}
            assert res["Properties"]["ApiId"] == {"Ref": "Api"} and passed["Api"] == {"Ref": "Api"}
        for res in resources_of(t, "AWS::ApiGatewayV2::RouteResponse").values():
            assert res["Properties"]["RouteId"]["Ref"] in t["Resources"]  # with its route
    assert sorted(seen) == sorted(r.key for r in spec.routes)


@pytest.mark.parametrize("which", ["big600", "big3000"])
def test_child_parameters_match_what_the_parent_passes_and_every_ref_resolves(
    which: str, request: pytest.FixtureRequest
) -> None:
    _, files = request.getfixturevalue(which)
    parent = files["template.yaml"]
    for logical, stack in resources_of(parent, STACK).items():
        child = files[stack["Properties"]["TemplateURL"]]
        assert set(stack["Properties"].get("Parameters", {})) == set(child.get("Parameters", {}))
        for value in stack["Properties"].get("Parameters", {}).values():
            target = value.get("Ref") or value["Fn::GetAtt"][0]
            assert target in parent["Resources"]
        # every output the parent reads exists in that child
        text = json.dumps(parent)
        for out in child.get("Outputs", {}):
            assert f'"{logical}", "Outputs.{out}"' in text
    for name, t in files.items():
        local = set(t["Resources"]) | set(t.get("Parameters", {}))

        def walk(v: Any, local: set[str] = local, name: str = name) -> None:
            if isinstance(v, dict):
                if (
                    set(v) == {"Ref"}
                    and isinstance(v["Ref"], str)
                    and not v["Ref"].startswith("AWS::")
                ):
                    assert v["Ref"] in local, (name, v)
                if set(v) == {"Fn::GetAtt"}:
                    assert v["Fn::GetAtt"][0] in local, (name, v)
                for x in v.values():
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)

        walk(t["Resources"])
        walk(t.get("Outputs", {}))
        for res in t["Resources"].values():
            assert set(res.get("DependsOn", [])) <= set(t["Resources"]), name


def test_permissions_stay_collapsed_one_per_function_and_stage(big3000) -> None:
    spec, files = big3000
    paths = []
    for t in files.values():
        for res in resources_of(t, "AWS::Lambda::Permission").values():
            paths.append(sub_parts(res["Properties"]["SourceArn"])[1]["Path"])
    assert sorted(paths) == ["prod/*"] * len(spec.functions)


def test_functions_move_to_children_only_when_the_parent_would_still_be_too_big(
    big600, big3000
) -> None:
    spec6, files6 = big600
    assert len(resources_of(files6["template.yaml"], "AWS::Lambda::Function")) == len(
        spec6.functions
    )
    spec30, files30 = big3000
    assert not resources_of(files30["template.yaml"], "AWS::Lambda::Function")
    fns = [k for t in children(files30).values() for k in resources_of(t, "AWS::Lambda::Function")]
    assert sorted(fns) == sorted(names.function_logical(f.name) for f in spec30.functions)
    # Code paths still point at the shared zips, relative to the child (same directory).
    for t in children(files30).values():
        for res in resources_of(t, "AWS::Lambda::Function").values():
            assert res["Properties"]["Code"].startswith("../functions/")


def test_deployment_depends_on_every_child_stack() -> None:
    data = generate(600, name="big600")
    data["stages"] = {"prod": {"throttling": {"burst": 500, "rate": 1000}}}  # not auto-deployed
    spec = spec_from_data(data)
    parent = render_all(spec)["template.yaml"]
    (deployment,) = resources_of(parent, "AWS::ApiGatewayV2::Deployment").values()
    stacks = set(resources_of(parent, STACK))
    assert stacks and stacks <= set(deployment["DependsOn"])
    assert set(deployment["DependsOn"]) <= set(parent["Resources"])


def test_adding_a_route_moves_no_other_route_between_stacks() -> None:
    def homes(files: dict[str, dict[str, Any]]) -> dict[str, str]:
        return {
            res["Properties"]["RouteKey"]: name
            for name, t in children(files).items()
            for res in resources_of(t, "AWS::ApiGatewayV2::Route").values()
        }

    before = homes(render_all(generated(600)))
    after = homes(render_all(generated(601)))
    assert set(after) - set(before) and all(after[k] == v for k, v in before.items())


def test_when_even_nesting_cannot_fit_it_is_ws420_naming_the_quota() -> None:
    # 700 MOCK routes: 700 integrations + 700 integration responses stay in the parent.
    data = generate(700, name="mocks", mock_every=1)
    spec = spec_from_data(data)
    with pytest.raises(WsspecError) as err:
        cf.render(spec, context())
    assert err.value.code == "WS420"
    assert "nested stacks" in err.value.message and "resources per stack" in err.value.message


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_build_writes_children_next_to_the_parent_and_says_so(tmp_path: Path, fmt: str) -> None:
    path = write_spec(tmp_path, generate(600, name="big600"))
    result = CliRunner().invoke(
        app,
        ["build", str(path), "-t", "cloudformation", "--format", fmt, "-o", str(tmp_path / "out")],
    )
    assert result.exit_code == 0, result.output
    d = tmp_path / "out" / "big600" / "cloudformation"
    written = sorted(p.name for p in d.iterdir())
    assert f"template.{fmt}" in written and f"routes-1.{fmt}" in written
    assert "note: cloudformation: 716 resources do not fit one stack" in result.output
    assert "nested stacks" in result.output and "aws cloudformation package" in result.output


def test_parent_and_children_pass_cfn_lint_with_no_findings(
    tmp_path: Path, big600, big3000
) -> None:
    """The real bytes wsspec writes, each spec's files in one directory (TemplateURL is relative)."""
    paths = []
    for which, (spec, _) in (("big600", big600), ("big3000", big3000)):
        d = tmp_path / which
        d.mkdir()
        for o in cf.render(spec, context()):
            (d / o.path.name).write_bytes(o.content)
            paths.append(d / o.path.name)
    assert len(paths) > 10
    found = cfn_lint(paths)
    assert not found, describe(found)
