"""wsspec.checks: behaviour of individual rules beyond the one-file-per-rule samples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wsspec.checks.selections import API_KEY_SELECTIONS, BODY_PATH, RESPONSE_VARS, selection_error
from wsspec.validate import validate_text

BASE = """wsspec: 1
api: {name: demo}
routes:
  $connect: {function: app, authorization: iam}
  $default: {function: app}
functions:
  app: {handler: handlers/app.py}
stages:
  prod: {throttling: {burst: 10, rate: 10}}
"""


def codes(text: str, project_dir: str = ".") -> list[str]:
    return [f.code for f in validate_text(text, "t.yaml", project_dir=project_dir).findings]


def test_the_base_spec_has_no_findings() -> None:
    assert codes(BASE) == []


# -- selection expressions: every form in the reference (section 1.1) parses
@pytest.mark.parametrize(
    "expr",
    [
        "$request.body.action",
        "${request.body.action}",
        "${request.body.service}/${request.body.action}",
        "${request.body.action}-${request.body.invalidPath}",
        "action",
        "\\$default",
        "$request.body.data.room",
        "${request.body.version}-beta",
        "${request.body['odd key']}",
        "$request.body.items[2]",
    ],
)
def test_route_selection_forms_from_the_reference_parse(expr: str) -> None:
    assert selection_error(expr, (BODY_PATH,), "a route selection expression") is None


@pytest.mark.parametrize(
    "expr,reason",
    [
        ("$request.header.action", "is not a variable"),
        ("${request.body.action", "never closed"),
        ("$request.body", "is not a variable"),
        ("${}", "not followed by a variable"),
        ("   ", "empty"),
        ("$", "not followed by a variable"),
    ],
)
def test_broken_route_selection_expressions_are_rejected(expr: str, reason: str) -> None:
    err = selection_error(expr, (BODY_PATH,), "a route selection expression")
    assert err is not None and reason in err


@pytest.mark.parametrize(
    "expr",
    [
        "${integration.response.statuscode}",
        "${integration.response.header.x-kind}",
        "$default",
        "static",
    ],
)
def test_response_template_selection_forms_parse(expr: str) -> None:
    assert selection_error(expr, (BODY_PATH, RESPONSE_VARS), "x", default_literal=True) is None


@pytest.mark.parametrize("value", API_KEY_SELECTIONS)
def test_both_api_key_selection_values_are_accepted(value: str) -> None:
    assert (
        codes(
            BASE.replace("api: {name: demo}", f"api: {{name: demo, api_key_selection: '{value}'}}")
        )
        == []
    )


def test_a_bad_api_key_selection_is_one_explained_error() -> None:
    text = BASE.replace(
        "api: {name: demo}", "api: {name: demo, api_key_selection: $request.header.key}"
    )
    assert codes(text) == ["WS202"]


# -- integration response keys
@pytest.mark.parametrize(
    "key,ok",
    [
        ("$default", True),
        ("/2\\d{2}/", True),
        ("/4\\d{2}|5\\d{2}/", True),
        ("/200/", True),
        ("200", False),
        ("/[/", False),
        ("//", True),
    ],
)
def test_integration_response_keys(key: str, ok: bool) -> None:
    text = BASE + (
        "integrations:\n  m:\n    type: mock\n    responses:\n"
        f"      $default: {{}}\n      '{key}': {{}}\n"
    )
    text = text.replace("$default: {function: app}", "$default: {integration: m}")
    assert ("WS205" not in codes(text)) is ok


# -- timeouts: the bounds are inclusive
@pytest.mark.parametrize("ms,ok", [(49, False), (50, True), (29000, True), (29001, False)])
def test_integration_timeout_bounds(ms: int, ok: bool) -> None:
    text = BASE.replace(
        "$default: {function: app}",
        f"$default: {{integration: {{type: http, proxy: true, url: 'https://x.example', timeout_ms: {ms}}}}}",
    )
    assert ("WS301" not in codes(text)) is ok


# -- quotas count integrations the way the model builds them
def _routes(n: int, line: str) -> str:
    body = "".join(f"  r{i:03d}: {line}\n" for i in range(n))
    return BASE.replace("  $default: {function: app}\n", "  $default: {function: app}\n" + body)


def test_300_routes_on_one_function_are_within_the_quotas() -> None:
    assert codes(_routes(298, "{function: app}")) == []


def test_301_routes_break_the_route_quota() -> None:
    assert codes(_routes(299, "{function: app}")) == ["WS401"]


def test_a_raised_route_quota_recorded_in_the_spec_is_used() -> None:
    text = _routes(299, "{function: app}") + "account: {quotas: {routes: 400}}\n"
    assert codes(text) == []
    text = _routes(399, "{function: app}") + "account: {quotas: {routes: 400}}\n"
    assert codes(text) == ["WS401"]


def test_routes_sharing_a_function_count_as_one_integration() -> None:
    text = _routes(298, "{function: app}")
    text += "integrations:\n" + "".join(
        f"  i{i}: {{type: mock, responses: {{$default: {{}}}}}}\n" for i in range(299)
    )
    out = codes(text)
    assert "WS402" not in out  # 299 named + 1 for the function = 300


def test_a_claimed_unsupported_key_is_not_also_an_unknown_key() -> None:
    text = BASE.replace("api: {name: demo}", "api: {name: demo, cors: {allow_origins: ['*']}}")
    assert codes(text) == ["WS704"]


def test_a_jwt_authorizer_is_one_explained_error_not_a_schema_wall() -> None:
    text = BASE.replace(
        "$connect: {function: app, authorization: iam}", "$connect: {function: app, authorizer: j}"
    )
    text += "authorizers:\n  j: {type: jwt, jwt_configuration: {issuer: x}}\n"
    assert sorted(set(codes(text))) == ["WS701"]


def test_jwt_route_authorization_is_explained() -> None:
    text = BASE.replace("authorization: iam", "authorization: jwt")
    assert sorted(codes(text)) == ["WS701"]  # the error says it all; no WS801 on top


def test_stage_xray_is_rejected_but_function_tracing_in_monitoring_is_fine() -> None:
    assert "WS703" in codes(BASE.replace("prod: {throttling", "prod: {tracing: true, throttling"))
    assert "WS703" not in codes(BASE + "monitoring: {tracing: true}\n")


# -- handler paths stay inside the project
def test_a_handler_symlink_leaving_the_project_is_rejected(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "handlers").mkdir(parents=True)
    outside = tmp_path / "outside.py"
    outside.write_text("def handler(e, c): pass\n")
    os.symlink(outside, project / "handlers" / "app.py")
    # WS502: the handler path; WS540: the same link is in the directory that would be packaged
    assert codes(BASE, project_dir=str(project)) == ["WS502", "WS540"]


def test_a_symlink_inside_the_project_is_fine(tmp_path: Path) -> None:
    (tmp_path / "handlers").mkdir()
    (tmp_path / "real.py").write_text("")
    os.symlink(tmp_path / "real.py", tmp_path / "handlers" / "app.py")
    assert codes(BASE, project_dir=str(tmp_path)) == []


def test_a_source_directory_outside_the_project_is_rejected() -> None:
    text = BASE.replace(
        "app: {handler: handlers/app.py}", "app: {handler: handlers/app.py, source: ..}"
    )
    assert "WS502" in codes(text)


def test_windows_absolute_paths_are_rejected() -> None:
    assert codes(BASE.replace("handlers/app.py", "'C:\\\\app\\\\h.py'")) == ["WS501"]


def test_route_keys_with_slashes_dots_and_dashes_are_not_unusual() -> None:
    assert codes(_routes(0, "") + "") == []
    text = BASE.replace(
        "  $default: {function: app}\n",
        "  $default: {function: app}\n  quotes/get-v1.2: {function: app}\n",
    )
    assert codes(text) == []


def test_long_route_keys_are_not_limited() -> None:
    text = BASE.replace(
        "  $default: {function: app}\n",
        "  $default: {function: app}\n  " + "k" * 500 + ": {function: app}\n",
    )
    assert codes(text) == []


# -- partially invalid data never crashes a check
@pytest.mark.parametrize(
    "section",
    [
        "routes",
        "functions",
        "stages",
        "integrations",
        "authorizers",
        "models",
        "vpc_links",
        "domain",
        "connections",
        "account",
        "api",
    ],
)
@pytest.mark.parametrize("value", ["[1, 2]", "'text'", "7", "{a: [1]}", "{a: {b: {c: 1}}}", "null"])
def test_checks_survive_wrong_shapes(section: str, value: str) -> None:
    text = f"wsspec: 1\napi: {{name: demo}}\nroutes: {{a: {{function: f}}}}\n{section}: {value}\n"
    found = codes(text)
    assert "WS000" not in found


def test_warnings_alone_keep_the_spec_valid() -> None:
    result = validate_text(BASE.replace(", authorization: iam", ""), "t.yaml")
    assert [f.code for f in result.findings] == ["WS801"]
    assert result.spec is not None


def test_a_name_collision_is_an_error_and_no_model_is_returned() -> None:
    text = BASE.replace(
        "prod: {throttling: {burst: 10, rate: 10}}",
        "a-b: {throttling: {burst: 1, rate: 1}}\n  a_b: {throttling: {burst: 1, rate: 1}}",
    )
    result = validate_text(text, "t.yaml")
    assert [f.code for f in result.findings] == ["WS116"]
    assert result.spec is None


@pytest.mark.parametrize("schema", ["{type: null}", "{type: [1, 2]}", "{required: 3}"])
def test_an_invalid_model_schema_with_examples_is_a_finding_not_a_crash(schema: str) -> None:
    # Found by the mutation fuzzer: ``type: null`` made the examples check raise TypeError.
    text = BASE + f"models:\n  M:\n    schema: {schema}\n    examples: [{{a: 1}}]\n"
    found = codes(text)
    assert "WS000" not in found
    assert found, "an invalid schema must be reported"


def test_two_functions_naming_one_new_handler_file_is_ws549(tmp_path: Path) -> None:
    text = BASE.replace(
        "  app: {handler: handlers/app.py}",
        "  app: {handler: handlers/app.py}\n  other: {handler: handlers/app.py, entry: other}",
    ).replace("  $default: {function: app}", "  $default: {function: other}")
    assert codes(text, str(tmp_path)) == ["WS549"]
    # the user's own file with both entries (a Serverless-style handler.js): nothing generated
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "app.py").write_text("def handler(e, c): ...\ndef other(e, c): ...\n")
    assert codes(text, str(tmp_path)) == []
