"""The Terraform target without the terraform binary: structure, goldens, layout, escaping.

Tests that run the real terraform (fmt, validate, apply on moto) are in
test_terraform_tool.py and test_terraform_e2e.py.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import string
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tfhelp import (
    GOLDEN,
    ROOT,
    SAMPLE_NAMES,
    blocks,
    hcl_key,
    hcl_literal,
    hcl_map,
    load,
    parse,
    rendered,
    resources,
    template_parts,
)
from wsspec import derive, names
from wsspec.errors import WsspecError
from wsspec.escape import hcl_string
from wsspec.model import FrozenDict
from wsspec.targets import BuildContext, terraform
from wsspec.targets.terraform import hcl
from wsspec.targets.terraform.view import View

sys.path.insert(0, str(ROOT / "benchmarks"))
import gen_spec


def _render(sample: str, tmp_path: Path) -> dict[str, str]:
    return rendered(load(sample), tmp_path)


def _main(spec, tmp_path: Path) -> dict:  # type: ignore[no-untyped-def]
    return resources(parse(rendered(spec, tmp_path)["main.tf"]))


# ----------------------------------------------------------------------------- files
def test_render_writes_the_four_files_into_the_terraform_directory(tmp_path: Path) -> None:
    spec = load("chat")
    ctx = BuildContext(out_dir=tmp_path / "chat", functions_dir=tmp_path / "chat" / "functions")
    outs = terraform.render(spec, ctx)
    files = terraform.FILES + ("monitoring.tf",)  # chat uses `monitoring: recommended`
    assert [o.path for o in outs] == [tmp_path / "chat" / "terraform" / f for f in files]
    assert all(o.generated and o.content.endswith(b"}\n") for o in outs)


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_output_matches_the_golden_files(sample: str, tmp_path: Path) -> None:
    files = _render(sample, tmp_path)
    golden_dir = GOLDEN / sample / "terraform"
    assert sorted(files) == sorted(p.name for p in golden_dir.glob("*.tf")), (
        "run: python scripts/regen_golden.py"
    )
    for name, text in files.items():
        want = (golden_dir / name).read_text()
        if text != want:
            diff = "".join(
                difflib.unified_diff(
                    want.splitlines(True),
                    text.splitlines(True),
                    f"tests/golden/{sample}/terraform/{name}",
                    "rendered",
                    n=1,
                )
            )
            pytest.fail(
                f"{name} differs from its golden file (python scripts/regen_golden.py):\n"
                + diff[:3000]
            )


def test_output_is_deterministic(tmp_path: Path) -> None:
    a = _render("multi-stage", tmp_path / "a")
    b = _render("multi-stage", tmp_path / "b")  # a different build directory, too
    assert a == b


def test_only_the_hashicorp_aws_provider_is_required(tmp_path: Path) -> None:
    for sample in SAMPLE_NAMES:
        files = _render(sample, tmp_path / sample)
        doc = parse(files["versions.tf"])
        providers = doc["terraform"][0]["required_providers"]
        assert len(providers) == 1
        assert hcl_literal(providers[0]["aws"]["source"]) == "hashicorp/aws"
        everything = "".join(files.values())
        assert "archive_file" not in everything and "hashicorp/archive" not in everything
        assert "region = var.region" in files["versions.tf"]


def test_variables_cover_region_and_outputs_cover_urls_id_and_table(tmp_path: Path) -> None:
    files = _render("chat", tmp_path)
    variables = {k.strip('"') for v in parse(files["variables.tf"])["variable"] for k in v}
    assert "region" in variables
    outputs = {k.strip('"') for v in parse(files["outputs.tf"])["output"] for k in v}
    assert {"api_id", "wss_url", "callback_url", "table_name"} <= outputs


def test_the_samples_use_every_resource_type_of_the_issue(tmp_path: Path) -> None:
    types = set()
    for sample in SAMPLE_NAMES:
        types |= {t for t, _ in _main(load(sample), tmp_path / sample)}
    assert types >= {
        "aws_apigatewayv2_api",
        "aws_apigatewayv2_route",
        "aws_apigatewayv2_route_response",
        "aws_apigatewayv2_integration",
        "aws_apigatewayv2_integration_response",
        "aws_apigatewayv2_authorizer",
        "aws_apigatewayv2_model",
        "aws_apigatewayv2_stage",
        "aws_apigatewayv2_deployment",
        "aws_apigatewayv2_domain_name",
        "aws_apigatewayv2_api_mapping",
        "aws_lambda_function",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_lambda_permission",
        "aws_api_gateway_vpc_link",
        "aws_dynamodb_table",
        "aws_api_gateway_account",
        "aws_cloudwatch_log_group",
    }


# ----------------------------------------------------------------------------- resources
def test_functions_use_the_zip_build_writes_with_its_hash(tmp_path: Path) -> None:
    spec = load("chat")
    res = _main(spec, tmp_path)
    for fn in spec.functions:
        body = res[("aws_lambda_function", names.function_label(fn.name))]
        zip_ref = f'"${{path.module}}/../functions/{names.zip_name(fn.name)}"'
        assert body["filename"] == zip_ref
        assert body["source_code_hash"] == f"${{filebase64sha256({zip_ref})}}"
        assert hcl_literal(body["function_name"]) == names.function_name(spec, fn.name)


def test_every_lambda_permission_is_scoped_to_the_api_stage_and_route(tmp_path: Path) -> None:
    spec = load("auth-http")
    res = _main(spec, tmp_path)
    perms = {k: v for k, v in res.items() if k[0] == "aws_lambda_permission"}
    expected = derive.lambda_permissions(spec, per_route=derive.permission_strategy(spec))
    assert len(perms) == len(expected) > 0
    for p in expected:
        body = perms[("aws_lambda_permission", View.permission(p.key))]
        assert hcl_literal(body["statement_id"]) == p.key
        parts = template_parts(body["source_arn"])
        assert parts[0] == ("interp", "aws_apigatewayv2_api.this.execution_arn")
        if p.authorizer:
            assert parts[1] == ("lit", "/authorizers/")
            assert parts[2] == (
                "interp",
                f"aws_apigatewayv2_authorizer.{names.authorizer_label(p.authorizer)}.id",
            )
        else:
            assert parts[1:] == [("lit", f"/{p.stage}/{p.route}")]


def test_a_300_route_api_collapses_permissions_like_the_other_back_ends(tmp_path: Path) -> None:
    spec_path = gen_spec.write(300, tmp_path / "spec")
    spec = load(spec_path)
    assert derive.permission_strategy(spec) is False
    res = _main(spec, tmp_path / "out")
    perms = [v for k, v in res.items() if k[0] == "aws_lambda_permission"]
    assert len(perms) == len(derive.lambda_permissions(spec, per_route=False))
    assert all(template_parts(p["source_arn"])[1] == ("lit", "/prod/*") for p in perms)
    assert len([k for k in res if k[0] == "aws_apigatewayv2_route"]) == 300
    notes = terraform.notes(spec, BuildContext(tmp_path, tmp_path))
    assert any("collapsed" in n for n in notes)


def test_deployment_redeploys_on_api_change_and_is_created_before_destroy(tmp_path: Path) -> None:
    spec = load("chat")
    res = _main(spec, tmp_path / "a")
    dep = res[("aws_apigatewayv2_deployment", "this")]
    assert hcl_literal(dep["triggers"]["api_definition"]) == derive.api_definition_hash(spec)
    assert dep["lifecycle"][0]["create_before_destroy"] is True
    assert {f"${{aws_apigatewayv2_route.{names.route_label(r.key)}}}" for r in spec.routes} <= set(
        dep["depends_on"]
    )
    stage = res[("aws_apigatewayv2_stage", "prod")]
    assert stage["deployment_id"] == "${aws_apigatewayv2_deployment.this.id}"
    # a changed route changes the trigger, so terraform replaces the deployment
    changed = dataclasses.replace(
        spec,
        routes=tuple(
            dataclasses.replace(r, operation_name="Send") if r.key == "sendmessage" else r
            for r in spec.routes
        ),
    )
    dep2 = _main(changed, tmp_path / "b")[("aws_apigatewayv2_deployment", "this")]
    assert dep2["triggers"] != dep["triggers"]


def test_auto_deploy_stages_have_no_deployment(tmp_path: Path) -> None:
    res = _main(load("models-mock"), tmp_path)
    assert not [k for k in res if k[0] == "aws_apigatewayv2_deployment"]
    stage = res[("aws_apigatewayv2_stage", "dev")]
    assert stage["auto_deploy"] is True and "deployment_id" not in stage


def test_iam_statements_come_from_derive_with_refs_rendered(tmp_path: Path) -> None:
    spec = load("chat")
    text = rendered(spec, tmp_path)["main.tf"]
    # the ManageConnections grant names this API, each stage and method, nothing wider
    for stmt in derive.function_statements(spec, "send_message"):
        if stmt.sid == "ManageConnections":
            for ref in stmt.resources:
                assert (
                    f'"${{aws_apigatewayv2_api.this.execution_arn}}/{ref.stage}/{ref.value}'
                    f'/@connections/*"'
                ) in text
    assert "Resource = [aws_dynamodb_table.connections.arn]" in text
    assert '"*"' not in text  # no wildcard resource in the chat sample


def test_integration_roles_and_stage_settings(tmp_path: Path) -> None:
    spec = load("dynamodb-direct")
    res = _main(spec, tmp_path / "d")
    for integ in derive.generated_integration_roles(spec):
        label = View.integration(integ)
        body = res[("aws_apigatewayv2_integration", label)]
        assert body["credentials_arn"] == f"${{aws_iam_role.integration_{label}.arn}}"
        assert ("aws_iam_role_policy", f"integration_{label}") in res
    spec = load("multi-stage")
    res = _main(spec, tmp_path / "m")
    prod = res[("aws_apigatewayv2_stage", "prod")]
    settings_ = {s["route_key"]: s for s in prod["route_settings"]}
    assert (
        settings_["${aws_apigatewayv2_route.telemetry.route_key}"]["throttling_burst_limit"] == 2000
    )
    assert (
        hcl_literal(settings_["${aws_apigatewayv2_route.config.route_key}"]["logging_level"])
        == "OFF"
    )
    assert prod["default_route_settings"][0]["detailed_metrics_enabled"] is True
    assert hcl_map(prod["stage_variables"]) == {"env": "prod"}
    dev = res[("aws_apigatewayv2_stage", "dev")]
    assert dev["depends_on"] == ["${aws_api_gateway_account.this}"]
    assert (
        dev["access_log_settings"][0]["destination_arn"]
        == "${aws_cloudwatch_log_group.access_dev.arn}"
    )
    table = _main(load("chat"), tmp_path / "c")[("aws_dynamodb_table", "connections")]
    assert blocks(table, "ttl")[0]["enabled"] is True


def test_schema_validation_switch_is_reported_when_terraform_cannot_express_it(
    tmp_path: Path,
) -> None:
    spec = load("chat")
    spec = dataclasses.replace(
        spec, api=dataclasses.replace(spec.api, disable_schema_validation=True)
    )
    assert any(
        "disable_schema_validation" in n
        for n in terraform.notes(spec, BuildContext(tmp_path, tmp_path))
    )


# ----------------------------------------------------------------------------- layout
def test_format_hcl_aligns_runs_of_one_line_attributes_only() -> None:
    text = hcl.format_hcl(
        'resource "a" "b" {\nx = 1\nlonger = "v"\ntags = {\n"k-1" = "v"\nk = "w"\n}\n'
        "after = 2\nnested {\ny = 3\n}\n}\n"
    )
    assert text == (
        'resource "a" "b" {\n'
        "  x      = 1\n"
        '  longer = "v"\n'
        "  tags = {\n"
        '    "k-1" = "v"\n'
        '    k     = "w"\n'
        "  }\n"
        "  after = 2\n"
        "\n"
        "  nested {\n"
        "    y = 3\n"
        "  }\n"
        "}\n"
    )


def test_format_hcl_ignores_brackets_and_equals_inside_strings() -> None:
    text = hcl.format_hcl('x {\na = "{ = [ ${b} $${c"\nbb = "}"\n}\n')
    assert text == 'x {\n  a  = "{ = [ ${b} $${c"\n  bb = "}"\n}\n'


def test_format_hcl_is_a_fixed_point_of_its_output(tmp_path: Path) -> None:
    for sample in SAMPLE_NAMES:
        for text in _render(sample, tmp_path / sample).values():
            assert hcl.format_hcl(text) == text


def test_value_renders_json_documents_for_jsonencode() -> None:
    out = hcl.value({"a": [1, 2.5, True, None], "$ref": {"x": "y"}, "e": {}, "l": []})
    assert out.splitlines() == [
        "{",
        "a = [1, 2.5, true, null]",
        '"$ref" = {',
        'x = "y"',
        "}",
        "e = {}",
        "l = []",
        "}",
    ]
    with pytest.raises(WsspecError):
        hcl.value({"x": float("inf")})


def test_json_documents_avoid_jsonencode_when_terraform_would_normalise_them() -> None:
    assert hcl.json_document({"a": "plain é"}).startswith("jsonencode({")
    for doc in ({"a": "x\n\u0301"}, {"<\u0327": 1}, ["e\u0301"]):
        out = hcl.json_document(doc)
        assert out.startswith('"') and out.isascii()
        assert json.loads(hcl_literal(out)) == doc


def test_template_keeps_a_dollar_before_an_interpolation_literal() -> None:
    t = hcl.template("price$", hcl.Expr("var.x"), "%{y}")
    assert template_parts(t) == [
        ("lit", "price"),
        ("interp", '"$"'),
        ("interp", "var.x"),
        ("lit", "%{y}"),
    ]


# ----------------------------------------------------------------------------- escaping
# Strings chosen to break HCL: quotes, backslashes, newlines, template sequences, heredoc
# markers, non-ASCII (including astral and combining characters) and invisible characters.
NASTY = st.lists(
    st.one_of(
        st.sampled_from(
            [
                '"',
                "\\",
                "\n",
                "\r",
                "\t",
                "$",
                "%",
                "{",
                "}",
                "${",
                "%{",
                "$${",
                "<<EOF",
                "<<-EOT",
                "EOF",
                "#",
                "//",
                "/*",
                "=",
                "é",
                "😀",
                "\u0301",
                "\u2028",
                "\x00",
                "\x7f",
                "\x85",
                "~",
            ]
        ),
        st.characters(blacklist_categories=("Cs",)),
    ),
    min_size=1,
    max_size=16,
).map("".join)


def test_hcl_string_examples() -> None:
    assert hcl_string('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    assert hcl_string("${x}%{y}") == '"$${x}%%{y}"'
    assert hcl_string("é") == '"é"' and hcl_string("é", ascii=True) == '"\\u00e9"'
    assert hcl_string("😀", ascii=True) == '"\\U0001f600"'
    assert hcl_string("\x85\u2028") == '"\\u0085\\u2028"'


@settings(max_examples=300, deadline=None)
@given(NASTY)
def test_hcl_string_reads_back_as_the_same_text(s: str) -> None:
    doc = parse(f"x = {hcl_string(s)}\ny = {{\n  {hcl_string(s, ascii=True)} = 1\n}}\n")
    assert hcl_literal(doc["x"]) == s
    assert [hcl_key(k) for k in doc["y"] if not k.startswith("__")] == [s]


def _nasty_spec(base, s: str):  # type: ignore[no-untyped-def]
    """A copy of ``base`` with ``s`` in names, descriptions, templates, tags and variables."""
    api = dataclasses.replace(base.api, name=s, description=s, tags=FrozenDict({s: s}))
    route_key = "r" + s  # custom route keys cannot start with "$"
    routes = tuple(
        dataclasses.replace(r, key=route_key) if r.key == "quotes/ping" else r for r in base.routes
    )
    integrations = []
    for i in base.integrations:
        routes_of = tuple(route_key if k == "quotes/ping" else k for k in i.routes)
        if i.name == "pong":
            i = dataclasses.replace(
                i,
                description=s,
                template_selection=s,
                request_templates=FrozenDict({s: s, "$default": s}),
                responses=tuple(
                    dataclasses.replace(r, templates=FrozenDict({s: s})) for r in i.responses
                ),
            )
        integrations.append(dataclasses.replace(i, routes=routes_of))
    models = tuple(dataclasses.replace(m, description=s) for m in base.models)
    stages = tuple(
        dataclasses.replace(st_, description=s, variables=FrozenDict({s: s})) for st_ in base.stages
    )
    functions = tuple(
        dataclasses.replace(f, description=s, environment=FrozenDict({"V": s}))
        for f in base.functions
    )
    return dataclasses.replace(
        base,
        api=api,
        routes=routes,
        integrations=tuple(integrations),
        models=models,
        stages=stages,
        functions=functions,
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(s=NASTY)
def test_spec_strings_come_out_of_terraform_as_literal_text(s: str, tmp_path: Path) -> None:
    spec = _nasty_spec(load("models-mock"), s)
    files = rendered(spec, tmp_path)
    res = resources(parse(files["main.tf"]))
    api = res[("aws_apigatewayv2_api", "this")]
    assert hcl_literal(api["name"]) == s and hcl_literal(api["description"]) == s
    # the API's tags are the provider's default_tags: merge({<spec tags>}, var.tags)
    merged = files["versions.tf"].split("tags = merge(", 1)[1].rsplit(", var.tags)", 1)[0]
    assert hcl_map(parse(f"x = {merged}\n")["x"]) == {s: s}
    pong = res[("aws_apigatewayv2_integration", "pong")]
    assert hcl_literal(pong["description"]) == s
    assert hcl_literal(pong["template_selection_expression"]) == s
    assert hcl_map(pong["request_templates"]) == {s: s, "$default": s}
    route = res[("aws_apigatewayv2_route", names.route_label("r" + s))]
    assert hcl_literal(route["route_key"]) == "r" + s
    assert res[("aws_apigatewayv2_integration_response", "pong__default")]["response_templates"]
    stage = res[("aws_apigatewayv2_stage", "dev")]
    assert hcl_literal(stage["description"]) == s and hcl_map(stage["stage_variables"]) == {s: s}
    fn = res[("aws_lambda_function", "quote")]
    assert hcl_literal(fn["description"]) == s
    assert hcl_map(fn["environment"][0]["variables"]) == {"V": s}
    assert hcl_literal(res[("aws_apigatewayv2_model", "quoterequest")]["description"]) == s


def test_route_keys_in_source_arns_are_literal(tmp_path: Path) -> None:
    spec = load("chat")
    key = 'a"${b}%{c}\\$'
    spec = dataclasses.replace(
        spec,
        routes=tuple(
            dataclasses.replace(r, key=key) if r.key == "sendmessage" else r for r in spec.routes
        ),
        integrations=tuple(
            dataclasses.replace(i, routes=tuple(key if k == "sendmessage" else k for k in i.routes))
            for i in spec.integrations
        ),
    )
    res = _main(spec, tmp_path)
    arns = [
        template_parts(v["source_arn"]) for k, v in res.items() if k[0] == "aws_lambda_permission"
    ]
    assert [("interp", "aws_apigatewayv2_api.this.execution_arn"), ("lit", f"/prod/{key}")] in arns


def test_object_keys_are_ascii_so_fmt_alignment_is_exact() -> None:
    assert hcl.key("plain_key") == "plain_key"
    assert hcl.key("null") == '"null"'
    assert hcl.key("ключ") == '"\\u043a\\u043b\\u044e\\u0447"'
    assert all(c in string.printable for c in hcl.key("😀 ${x}"))
