"""`wsspec import` on inputs in the shapes people write: each fixture imports to its expected
spec (tests/import_fixtures/*/expected.yaml; WSSPEC_REGEN=1 rewrites them, review the diff),
the result validates, and bad inputs fail with one line and the documented exit code."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from wsspec.cli import app
from wsspec.importers import ImportOptions, import_path
from wsspec.validate import validate_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "import_fixtures"
INPUTS = {
    "sam-raw": "template.yaml",
    "sam-tables": "template.yaml",
    "sam-websocketapi": "template.yaml",
    "cfn-json": "template.json",
    "serverless": "serverless.yml",
    "terraform": ".",
}


def _import(name: str, **params: str):  # type: ignore[no-untyped-def]
    directory = FIXTURES / name
    source = directory / INPUTS[name]
    opts = ImportOptions(params=dict(params), out_dir=str(directory))
    return import_path(str(source if INPUTS[name] != "." else directory), opts)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_fixture_imports_to_its_expected_spec(name: str) -> None:
    result = _import(name)
    expected = FIXTURES / name / "expected.yaml"
    text = result.text.replace(str(FIXTURES / name), "<fixture>")
    if os.environ.get("WSSPEC_REGEN"):
        expected.write_text(text)
    assert text == expected.read_text()


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_fixture_result_validates_and_its_handlers_exist(name: str) -> None:
    result = _import(name)
    checked = validate_text(result.text, project_dir=str(FIXTURES / name))
    assert not checked.errors, [f.render() for f in checked.errors]
    spec = checked.spec
    assert spec is not None and spec.routes
    for fn in spec.functions:
        assert (FIXTURES / name / fn.handler_path).is_file(), fn.handler_path


def test_sam_raw_env_that_names_the_table_becomes_the_table_name() -> None:
    spec = _import("sam-raw").spec
    assert spec is not None and spec.connections is not None
    for fn in spec.functions:
        assert fn.environment["TABLE_NAME"] == "room-chat-connections"
    assert {f.name for f in spec.functions if f.connection_table} == {
        "on_connect",
        "on_disconnect",
        "send_message",
    }
    assert [f.name for f in spec.functions if f.manage_connections] == ["send_message"]


def test_sam_raw_parameter_override_reaches_names_and_conditions() -> None:
    result = _import("sam-raw", StageName="blue", LogLevel="DEBUG", ConnectionsTableName="t1-conns")
    spec = result.spec
    assert spec is not None and spec.stages[0].name == "blue"
    assert spec.stages[0].default_settings.data_trace is True  # !If [IsDebug, true, false]
    assert spec.connections is not None and spec.connections.table_name == "t1-conns"
    assert all(f.environment["TABLE_NAME"] == "t1-conns" for f in spec.functions)


def test_sam_raw_what_cannot_be_expressed_is_a_comment_where_it_belongs() -> None:
    result = _import("sam-raw")
    texts = {(".".join(n.path), n.text.split(" ")[0]) for n in result.not_imported}
    assert ("connections", "TableClass") in texts
    assert ("functions.send_message", "environment") in texts
    lines = result.text.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith("connections:"))
    assert lines[i - 1].startswith("# not imported: TableClass")


def test_sam_raw_connection_table_options_are_imported() -> None:
    spec = _import("sam-raw").spec
    assert spec is not None and spec.connections is not None
    assert spec.connections.encryption == "aws_managed"  # SSESpecification without a key


def test_sam_tables_application_table_access_and_stream_trigger() -> None:
    """A table that is not the connection table becomes ``tables:``; SAM policy templates and
    inline statements on it access levels; the ``Type: DynamoDB`` event a stream trigger."""
    result = _import("sam-tables")
    spec = result.spec
    assert spec is not None and spec.connections is not None
    (table,) = spec.tables
    assert (table.name, table.table_name) == ("messages", "channel-chat-history")
    assert (table.partition.name, table.partition.type) == ("channel", "S")
    assert table.sort is not None and (table.sort.name, table.sort.type) == ("ts", "N")
    (index,) = table.indexes
    assert (index.name, index.partition.name, index.projection) == (
        "by-author",
        "author",
        "INCLUDE",
    )
    assert index.non_key_attributes == ("body",)
    assert table.stream_view == "NEW_AND_OLD_IMAGES" and table.ttl_attribute == "expiresAt"
    assert table.encryption == "aws_managed" and table.point_in_time_recovery
    assert dict(table.tags) == {"team": "chat"}
    assert dict(spec.function("send").tables) == {"messages": "write"}
    assert "MESSAGES_TABLE" not in spec.function("send").environment  # wsspec sets it
    fan_out = spec.function("fan_out")
    assert dict(fan_out.tables) == {"messages": "read"} and fan_out.manage_connections
    (trigger,) = fan_out.triggers
    assert (trigger.table, trigger.starting_position, trigger.batch_size) == (
        "messages",
        "TRIM_HORIZON",
        25,
    )
    assert trigger.bisect_on_error and trigger.retry_attempts == 2
    assert trigger.filters == ('{"eventName":["INSERT"]}',)
    assert not result.not_imported, [n.comment for n in result.not_imported]


def test_sam_websocketapi_expands_like_the_sam_transform() -> None:
    spec = _import("sam-websocketapi").spec
    assert spec is not None
    assert [s.name for s in spec.stages] == ["beta"] and spec.stages[0].auto_deploy
    connect = spec.route("$connect")
    assert connect.authorization == "CUSTOM" and connect.authorizer == "ticket-check"
    assert spec.authorizer("ticket-check").identity_sources == ("route.request.querystring.ticket",)
    sub = spec.integration(spec.route("subscribe").integration)
    assert sub.timeout_ms == 5000 and spec.route("subscribe").two_way
    assert {f.entry for f in spec.functions} == {"handler", "connect", "disconnect", "subscribe"}
    assert all(f.architecture == "arm64" and f.runtime == "nodejs22.x" for f in spec.functions)


def test_cloudformation_json_long_form_intrinsics_resolve() -> None:
    spec = _import("cfn-json").spec
    assert spec is not None and spec.api.name == "echo-staging"
    assert spec.api.tags == {"service": "echo", "env": "staging"}
    fn = spec.functions[0]
    assert fn.memory == 256 and fn.runtime == "python3.12" and fn.entry == "handle"
    assert fn.environment == {"GREETING": "hello", "STRICT": "no"}
    assert spec.stages[0].default_settings.throttling_burst == 50
    assert spec.domain is not None and spec.domain.name == "echo-staging.example.org"
    assert spec.route("$connect").authorization == "AWS_IAM"


def test_cloudformation_json_param_picks_the_other_mapping_row() -> None:
    spec = _import("cfn-json", Environment="production").spec
    assert spec is not None and spec.functions[0].memory == 1024
    assert spec.functions[0].environment["STRICT"] == "yes"


def test_serverless_websocket_events_authorizer_and_defaults() -> None:
    spec = _import("serverless").spec
    assert spec is not None and spec.api.name == "lobby-ws-dev"
    assert [r.key for r in spec.routes] == ["$connect", "$disconnect", "join", "$default"]
    assert spec.route("$connect").authorizer == "auth"
    assert spec.authorizer("auth").identity_sources == ("route.request.querystring.token",)
    assert spec.route("join").two_way and spec.route("$default").two_way
    assert all(f.memory == 256 for f in spec.functions)
    assert spec.connections is not None and spec.connections.table_name == "lobby-dev-connections"
    assert "CONNECTIONS_TABLE" not in spec.function("connect").environment  # wsspec sets it


def test_serverless_stage_option_renames_api_and_table() -> None:
    spec = _import("serverless", stage="prod").spec
    assert spec is not None and spec.api.name == "lobby-ws-prod"
    assert spec.connections is not None and spec.connections.table_name == "lobby-prod-connections"


def test_terraform_configuration_over_several_files_with_variables_and_locals() -> None:
    spec = _import("terraform").spec
    assert spec is not None and spec.api.name == "notify-qa"  # tfvars + locals
    assert spec.api.tags == {"app": "notify", "owner": "platform-team"}
    assert [f.name for f in spec.functions] == ["connect", "disconnect", "notify", "authorizer"]
    assert spec.function("connect").environment["TABLE"] == "notify-qa-connections"
    assert spec.function("authorizer").timeout == 3  # the provider's default, not wsspec's
    assert spec.monitoring is not None and spec.monitoring.log_retention_days == 14


def test_terraform_param_overrides_tfvars() -> None:
    spec = _import("terraform", environment="stage2").spec
    assert spec is not None and spec.api.name == "notify-stage2"


# ----------------------------------------------------------------------------- the command
runner = CliRunner()


def _run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["import", *args])


@pytest.mark.parametrize(
    ("source", "code", "exit_code", "extra"),
    [
        ("bad/no-websocket.yaml", "WS972", 1, []),
        ("bad/two-apis.yaml", "WS973", 2, []),
        ("bad/two-apis.yaml", "WS973", 2, ["--api", "nope"]),
        ("bad/unresolved.yaml", "WS974", 1, []),
        ("bad/unresolved.yaml", "WS974", 1, ["--param", "ApiName=x"]),
        ("bad/tf-unknown-var", "WS974", 1, []),
        ("bad/tf-syntax", "WS970", 2, []),
        ("bad/missing.yaml", "WS970", 2, []),
        ("../../samples/chat.yaml", "WS971", 2, []),
    ],
)
def test_bad_input_one_line_documented_exit_nothing_written(
    source: str, code: str, exit_code: int, extra: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "api.yaml"
    result = _run(str(FIXTURES / source), "-o", str(out), *extra)
    assert result.exit_code == exit_code, result.output
    lines = [line for line in result.stderr.splitlines() if line]
    assert len(lines) == 1 and f"error[{code}]" in lines[0], lines
    assert not out.exists() and result.stdout == ""


def test_api_option_chooses_one_of_two() -> None:
    result = _run(str(FIXTURES / "bad" / "two-apis.yaml"), "--api", "admin-feed")
    assert result.exit_code == 0, result.stderr
    assert "name: admin-feed" in result.stdout


def test_source_and_api_id_are_exclusive() -> None:
    assert _run().exit_code == 2
    assert _run("x.yaml", "--api-id", "abc").exit_code == 2


def test_bad_param_is_a_usage_error() -> None:
    assert _run(str(FIXTURES / "sam-raw" / "template.yaml"), "--param", "novalue").exit_code == 2


def test_stdout_gets_the_spec_and_stderr_the_warnings() -> None:
    result = _run(str(FIXTURES / "sam-raw" / "template.yaml"))
    assert result.exit_code == 0
    assert result.stdout.startswith("# Imported by `wsspec import`")
    assert "warning[WS978]" in result.stderr and "warning[WS978]" not in result.stdout


def test_strict_turns_not_imported_into_exit_1_and_writes_nothing(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "sam-raw", tmp_path / "p")
    out = tmp_path / "p" / "api.yaml"
    result = _run(str(tmp_path / "p" / "template.yaml"), "-o", str(out), "--strict")
    assert result.exit_code == 1 and not out.exists()
    assert "--strict" in result.stderr


def test_out_file_is_written_with_handler_paths_relative_to_it(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "serverless", tmp_path / "svc")
    out = tmp_path / "svc" / "api.yaml"
    result = _run(str(tmp_path / "svc" / "serverless.yml"), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"wrote {out} (4 routes, 4 functions)\n"
    checked = validate_text(out.read_text(), project_dir=str(out.parent))
    assert checked.spec is not None
    assert checked.spec.function("connect").handler_path == "src/lobby.py"


def test_spec_written_below_its_handlers_is_refused_with_a_hint(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "serverless", tmp_path / "svc")
    out = tmp_path / "svc" / "spec" / "api.yaml"
    result = _run(str(tmp_path / "svc" / "serverless.yml"), "-o", str(out))
    assert result.exit_code == 1 and not out.exists()
    assert "error[WS977]" in result.stderr and "contains the handlers" in result.stderr


def test_serverless_configuration_in_code_asks_for_serverless_print(tmp_path: Path) -> None:
    (tmp_path / "serverless.ts").write_text("export default {service: 'x'};\n")
    result = _run(str(tmp_path / "serverless.ts"))
    assert result.exit_code == 2 and "error[WS971]" in result.stderr
    assert "serverless print" in result.stderr
