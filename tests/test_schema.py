"""schemas/wsspec.schema.json and its translation into findings (wsspec.schema)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from wsspec import schema
from wsspec.loader import load_file, load_text

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples").glob("*.yaml"))
SCHEMA = json.loads((ROOT / "schemas" / "wsspec.schema.json").read_text())


def _findings(text: str) -> list[str]:
    return [f.render() for f in schema.check(load_text(text, "t.yaml"))]


def _objects(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict):
            yield where, node
        for k, v in node.items():
            if k in ("enum", "const", "default"):
                continue
            yield from _objects(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _objects(v, f"{where}/{i}")


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


def test_every_fixed_shape_object_forbids_additional_properties() -> None:
    loose = [w for w, o in _objects(SCHEMA) if o.get("additionalProperties") is not False]
    assert not loose


def test_every_property_has_a_description() -> None:
    missing = [
        f"{w}/{k}"
        for w, o in _objects(SCHEMA)
        for k, p in o["properties"].items()
        if not p.get("description")
    ]
    assert not missing


@pytest.mark.parametrize(
    "key,default",
    [
        ("route_selection", "$request.body.action"),
        ("api_key_selection", "$request.header.x-api-key"),
    ],
)
def test_api_defaults_are_documented_and_match_the_model(key: str, default: str) -> None:
    from wsspec import model

    assert SCHEMA["properties"]["api"]["properties"][key]["default"] == default
    assert default in (model.DEFAULT_ROUTE_SELECTION, model.DEFAULT_API_KEY_SELECTION)


def test_function_defaults_match_the_model() -> None:
    from wsspec import model

    fn = SCHEMA["$defs"]["function"]["properties"]
    assert fn["memory"]["default"] == model.DEFAULT_MEMORY
    assert fn["timeout"]["default"] == model.DEFAULT_FUNCTION_TIMEOUT
    assert (
        SCHEMA["$defs"]["httpIntegration"]["properties"]["timeout_ms"]["default"]
        == model.DEFAULT_TIMEOUT_MS
    )


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_samples_pass_the_schema(path: Path) -> None:
    assert schema.check(load_file(str(path))) == []


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_samples_pass_check_jsonschema_too(path: Path) -> None:
    """The shipped schema works in other tools (the same file editors load)."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--schemafile",
            str(ROOT / "schemas" / "wsspec.schema.json"),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_validator_is_built_once() -> None:
    assert schema.validator() is schema.validator()


def test_unknown_key_suggests_the_closest_key() -> None:
    text = "wsspec: 1\napi: {name: x}\nroutes:\n  ping:\n    function: f\n    integraton: x\n"
    assert _findings(text) == [
        "t.yaml:6:5: error[WS001]: routes.ping.integraton: unknown key 'integraton' (did you mean 'integration'?)"
    ]


def test_unknown_key_without_a_close_match_lists_the_allowed_keys() -> None:
    out = _findings("wsspec: 1\napi: {name: x, zzz: 1}\nroutes: {a: {function: f}}\n")
    assert (
        len(out) == 1
        and "unknown key 'zzz'" in out[0]
        and "allowed keys: api_key_selection" in out[0]
    )


def test_one_of_reports_only_the_branch_chosen_by_type() -> None:
    text = (
        "wsspec: 1\napi: {name: x}\nroutes:\n  ping:\n"
        "    integration: {type: lambda, function: f, url: 'http://x'}\n"
    )
    assert _findings(text) == [
        (
            "t.yaml:5:46: error[WS001]: routes.ping.integration.url: unknown key 'url' for a lambda "
            "integration (hint: allowed keys: arn, content_handling, credentials, description, function, "
            "passthrough, proxy, request_parameters, request_templates, responses, template_selection, "
            "timeout_ms, type)"
        )
    ]


def test_unknown_integration_type_suggests_the_closest_type() -> None:
    out = _findings("wsspec: 1\napi: {name: x}\nroutes:\n  p: {integration: {type: lamda}}\n")
    assert out == [
        (
            "t.yaml:4:27: error[WS004]: routes.p.integration.type: 'lamda' is not an "
            "integration type (expected aws, http, lambda, mock) (hint: did you mean 'lambda'?)"
        )
    ]


def test_missing_integration_type_is_one_finding() -> None:
    out = _findings("wsspec: 1\napi: {name: x}\nroutes:\n  p:\n    integration: {function: f}\n")
    assert out == [
        (
            "t.yaml:5:5: error[WS002]: routes.p.integration: missing required key 'type' "
            "(hint: one of aws, http, lambda, mock)"
        )
    ]


def test_one_of_by_json_type_reports_the_mapping_branch() -> None:
    out = _findings(
        "wsspec: 1\napi: {name: x}\nroutes:\n  p: {function: f, response: {modles: {}}}\n"
    )
    assert out == [
        (
            "t.yaml:4:31: error[WS001]: routes.p.response.modles: unknown key 'modles' "
            "(did you mean 'models'?)"
        )
    ]


def test_no_branch_fits_names_the_accepted_shapes() -> None:
    out = _findings("wsspec: 1\napi: {name: x}\nroutes:\n  p: {function: f, response: 3}\n")
    assert out == [
        "t.yaml:4:30: error[WS003]: routes.p.response: expected true/false or a mapping, got 3"
    ]


def test_yes_stays_a_string_and_is_not_accepted_as_a_boolean() -> None:
    out = _findings(
        "wsspec: 1\napi: {name: x, disable_schema_validation: yes}\nroutes: {a: {function: f}}\n"
    )
    assert len(out) == 1 and "expected a boolean (true or false), got 'yes'" in out[0]


def test_a_number_where_text_is_expected_hints_at_quoting() -> None:
    out = _findings("wsspec: 1\napi: {name: 2024}\nroutes: {a: {function: f}}\n")
    assert out == [
        (
            "t.yaml:2:13: error[WS003]: api.name: expected a string, got 2024 "
            "(hint: quote the value to keep it as text)"
        )
    ]


def test_missing_version_key_says_what_to_add() -> None:
    out = _findings("api: {name: x}\nroutes: {a: {function: f}}\n")
    assert out == [
        "t.yaml:1:1: error[WS002]: missing required key 'wsspec' (hint: add 'wsspec: 1' at the top of the file)"
    ]


def test_errors_in_several_places_are_all_reported() -> None:
    text = (
        "wsspec: 2\napi: {name: x}\nroutes:\n  a: {function: f}\n"
        "functions:\n  f: {handler: h.py, memory: 1, architecture: arm}\n"
    )
    codes = [line.split("[")[1][:5] for line in _findings(text)]
    assert sorted(codes) == ["WS004", "WS004", "WS005"]


def test_wsspec_schema_command_prints_the_schema_file() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "wsspec", "schema"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert out.returncode == 0
    assert json.loads(out.stdout) == SCHEMA


def test_readme_spec_reference_and_codes_table_are_in_sync() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_reference.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr + " (run: python scripts/gen_reference.py)"
