"""The real cfn-lint on every sample's template (and the large generated specs): no findings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.test_cloudformation_support import (
    SAMPLE_FILES,
    cfn_lint,
    describe,
    generated,
    load_sample,
    render_template,
)


@pytest.fixture(scope="module")
def linted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    """One cfn-lint run over every template (cfn-lint's start-up dominates its run time)."""
    d = tmp_path_factory.mktemp("lint")
    paths: dict[str, Path] = {}
    for sample in SAMPLE_FILES:
        for fmt in ("yaml", "json"):
            content, _ = render_template(load_sample(sample), fmt)
            paths[f"{sample.stem}.{fmt}"] = d / f"{sample.stem}.{fmt}"
            paths[f"{sample.stem}.{fmt}"].write_bytes(content)
    for n in (300,):
        content, _ = render_template(generated(n))
        paths[f"big{n}.yaml"] = d / f"big{n}.yaml"
        paths[f"big{n}.yaml"].write_bytes(content)
    matches = cfn_lint(list(paths.values()))
    return {
        key: [m for m in matches if Path(m["Filename"]).name == p.name] for key, p in paths.items()
    }


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("sample", [p.stem for p in SAMPLE_FILES])
def test_sample_template_has_no_cfn_lint_errors_or_warnings(linted, sample: str, fmt: str) -> None:
    found = linted[f"{sample}.{fmt}"]
    assert not found, describe(found)


def test_300_route_template_has_no_cfn_lint_findings(linted) -> None:
    found = linted["big300.yaml"]
    # E3010 is CloudFormation's 500-resources error: it must not be among them.
    assert not found, describe(found)


def test_only_the_package_rule_is_silenced_and_only_on_functions(tmp_path: Path) -> None:
    """W3002 ("only works with package") describes the intended flow; nothing else is ignored."""
    for sample in SAMPLE_FILES:
        _, t = render_template(load_sample(sample))
        for logical, res in t["Resources"].items():
            meta = res.get("Metadata", {}).get("cfn-lint")
            if res["Type"] == "AWS::Lambda::Function":
                assert meta == {"config": {"ignore_checks": ["W3002"]}}, logical
                assert isinstance(res["Properties"]["Code"], str)
            else:
                assert meta is None, logical
        assert "Metadata" not in t


def test_cfn_lint_does_report_a_broken_template(tmp_path: Path) -> None:
    """The lint fixture would notice a problem: break one property and see cfn-lint object."""
    _, t = render_template(load_sample(SAMPLE_FILES[0]))
    route = next(r for r in t["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Route")
    route["Properties"]["ApiId"] = {"Ref": "NoSuchApi"}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(t, sort_keys=False))
    found = cfn_lint([path])
    assert any(m["Rule"]["Id"].startswith("E") for m in found), found
