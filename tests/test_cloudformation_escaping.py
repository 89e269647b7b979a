"""Spec text with YAML/CloudFormation metacharacters round-trips exactly through the template."""

from __future__ import annotations

import json
from typing import Any

import yaml
from cfnlint.decode import decode_str
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_cloudformation_support import render_template, spec_from_data
from wsspec import names

TRICKY = [
    ": ",
    "a: b",
    "#",
    "a #b",
    "'",
    '"',
    "''",
    "!Ref Api",
    "!GetAtt X.Arn",
    "{{resolve:ssm:x}}",
    "{{",
    "}}",
    "\n",
    "a\nb",
    "a\n",
    "\n\nb\n\n",
    " lead",
    "trail ",
    "\t",
    "é",
    "日本語",
    "🚀",
    "${AWS::Region}",
    "${!Literal}",
    "- x",
    "? x",
    "&anchor",
    "*alias",
    "|",
    ">",
    "%x",
    "@x",
    "`x",
    "yes",
    "no",
    "on",
    "off",
    "null",
    "~",
    "1e3",
    "0x10",
    "010",
    "2024-01-01",
    "=",
    "<<",
    "[a, b]",
    "{a: b}",
    "\\",
    "\\n",
    "a\r\nb",
    "\r",
    "\u2028",
    "\x85",
    "\ufeff",
    "\x00",
    "\x1b",
    "---",
    "...",
    "%YAML 1.2",
]

texts = st.one_of(
    st.sampled_from(TRICKY),
    st.lists(st.sampled_from(TRICKY), min_size=1, max_size=4).map("".join),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
)


def spec_data(t: dict[str, str]) -> dict[str, Any]:
    return {
        "wsspec": 1,
        "api": {"name": t["name"], "description": t["api_description"], "tags": {"team": t["tag"]}},
        "routes": {
            "$connect": {"function": "fn"},
            "ask": {
                "integration": {
                    "type": "mock",
                    "description": t["integration_description"],
                    "request_templates": {"$default": t["request_template"]},
                    "responses": {"$default": {"templates": {"$default": t["response_template"]}}},
                },
                "response": True,
                "operation_name": t["operation"],
                # a route uses the model, so API Gateway gets it (unused models stay out)
                "request_models": {"$default": "M"},
                "model_selection": "$default",
            },
        },
        "functions": {
            "fn": {
                "handler": "handlers/fn.py",
                "description": t["fn_description"],
                "environment": {"VALUE": t["env"]},
            }
        },
        "models": {
            "M": {
                "description": t["model_description"],
                "schema": {"type": "object", "title": t["schema_title"]},
            }
        },
        "stages": {
            "prod": {
                "description": t["stage_description"],
                "variables": {"v": t["variable"]},
                "tags": {"k": t["stage_tag"]},
            }
        },
    }


FIELDS = [
    "name",
    "api_description",
    "tag",
    "integration_description",
    "request_template",
    "response_template",
    "operation",
    "fn_description",
    "env",
    "model_description",
    "schema_title",
    "stage_description",
    "variable",
    "stage_tag",
]


def lit(value: Any) -> Any:
    """Spec text as written: text that looks like a substitution (``${AWS::Region}``) reaches
    the template as the value of ``Fn::Sub``'s variable map, which is never interpolated."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        body = value["Fn::Sub"]
        assert isinstance(body, list) and body[0] == "${Literal}", value
        return body[1]["Literal"]
    if isinstance(value, dict):
        return {k: lit(v) for k, v in value.items()}
    return value


def check(parsed: dict[str, Any], t: dict[str, str]) -> None:
    r = parsed["Resources"]
    api = r["Api"]["Properties"]
    assert lit(api["Name"]) == t["name"]
    assert lit(api["Description"]) == t["api_description"]
    assert lit(api["Tags"]) == {"team": t["tag"]}
    # the template's own Description cannot hold Fn::Sub: ``${`` there is written ``${!``
    expected = f"wsspec: WebSocket API {t['name']} - {t['api_description']}"[:1024]
    assert parsed["Description"] in (expected, expected.replace("${", "${!"))
    integ = next(
        v["Properties"]
        for v in r.values()
        if v["Type"] == "AWS::ApiGatewayV2::Integration"
        and v["Properties"]["IntegrationType"] == "MOCK"
    )
    assert lit(integ["Description"]) == t["integration_description"]
    assert lit(integ["RequestTemplates"]) == {"$default": t["request_template"]}
    resp = next(
        v["Properties"] for v in r.values() if v["Type"] == "AWS::ApiGatewayV2::IntegrationResponse"
    )
    assert lit(resp["ResponseTemplates"]) == {"$default": t["response_template"]}
    assert lit(r[names.route_logical("ask")]["Properties"]["OperationName"]) == t["operation"]
    fn = r[names.function_logical("fn")]["Properties"]
    assert lit(fn["Description"]) == t["fn_description"]
    assert lit(fn["Environment"]["Variables"]["VALUE"]) == t["env"]
    model = r[names.model_logical("M")]["Properties"]
    assert lit(model["Description"]) == t["model_description"]
    # a model schema is data: one JSON string, never read for intrinsic functions
    assert json.loads(lit(model["Schema"]))["title"] == t["schema_title"]
    stage = r[names.stage_logical("prod")]["Properties"]
    assert lit(stage["Description"]) == t["stage_description"]
    assert lit(stage["StageVariables"]) == {"v": t["variable"]}
    # a stage carries the API's tags and its own
    assert lit(stage["Tags"]) == {"team": t["tag"], "k": t["stage_tag"]}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({f: texts for f in FIELDS}))
def test_spec_strings_round_trip_through_yaml_and_json(t: dict[str, str]) -> None:
    spec = spec_from_data(spec_data(t))
    content, parsed = render_template(spec, "yaml")  # yaml.safe_load
    check(parsed, t)
    cfn_parsed, matches = decode_str(content.decode("utf-8"))  # cfn-lint's own parser
    assert not matches, matches
    check(json.loads(json.dumps(cfn_parsed)), t)
    _, parsed_json = render_template(spec, "json")
    check(parsed_json, t)


def test_tricky_strings_all_at_once() -> None:
    t = {f: "".join(TRICKY[i:] + TRICKY[:i]) for i, f in enumerate(FIELDS)}
    content, parsed = render_template(spec_from_data(spec_data(t)))
    check(parsed, t)
    check(yaml.load(content, Loader=yaml.SafeLoader), t)


def test_spec_text_never_lands_in_a_sub_template_string() -> None:
    """``${`` in spec text must stay literal: it may only appear in Fn::Sub variable maps."""
    t = {f: "${Marker}" for f in FIELDS}
    t["name"] = "x${Marker}"
    content, parsed = render_template(spec_from_data(spec_data(t)))
    templates: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "Fn::Sub":
                    templates.append(v if isinstance(v, str) else v[0])
                    if not isinstance(v, str):
                        walk(v[1])
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(parsed)
    assert templates and not [x for x in templates if "${Marker}" in x]
    assert content.count(b"${Marker}") >= len(FIELDS)
