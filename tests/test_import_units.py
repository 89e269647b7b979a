"""The import's parts, one behaviour per test: intrinsics, HCL evaluation, Serverless variables,
handler lookup, the YAML writer (every string reads back as itself) and the repair step."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsspec.importers.emit import emit
from wsspec.importers.graph import Note, Notes
from wsspec.importers.handlers import FileIndex, locate
from wsspec.importers.hcl import Evaluator, Trav, parse
from wsspec.importers.intrinsics import Resolver, load_template
from wsspec.importers.repair import locate as locate_path
from wsspec.importers.serverless import Variables, normalized
from wsspec.importers.values import Pseudo, Ref, Tmpl, Unresolved
from wsspec.loader import load_text


# ----------------------------------------------------------------------------- intrinsics
def _resolve(template: str, value: Any, **params: str) -> Any:
    return Resolver(load_template(template), params).resolve(value)


TEMPLATE = """
Parameters:
  Env: {Type: String, Default: dev}
  Zones: {Type: CommaDelimitedList, Default: "a,b,c"}
  Secret: {Type: String}
Mappings:
  Size: {dev: {Mem: "256"}, prod: {Mem: "1024"}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  Fn: {Type: AWS::Lambda::Function}
"""


def test_short_form_tags_and_dates_stay_as_written() -> None:
    data = load_template("A: !GetAtt Fn.Arn\nB: 2012-10-17\nC: !Sub 'x-${Env}'\n")
    assert data == {
        "A": {"Fn::GetAtt": ["Fn", "Arn"]},
        "B": "2012-10-17",
        "C": {"Fn::Sub": "x-${Env}"},
    }


def test_sub_resolves_parameters_keeps_resources_and_pseudo_and_escapes() -> None:
    got = _resolve(TEMPLATE, {"Fn::Sub": "${Env}:${AWS::Region}:${Fn.Arn}:${!Literal}"})
    assert got == Tmpl(("dev:", Pseudo("AWS::Region"), ":", Ref("Fn", "Arn"), ":${Literal}"))


def test_param_override_mapping_condition_and_no_value() -> None:
    value = {
        "Mem": {"Fn::FindInMap": ["Size", {"Ref": "Env"}, "Mem"]},
        "Flag": {"Fn::If": ["NotProd", "on", "off"]},
        "Gone": {"Fn::If": ["IsProd", "x", {"Ref": "AWS::NoValue"}]},
    }
    assert _resolve(TEMPLATE, value) == {"Mem": "256", "Flag": "on"}
    assert _resolve(TEMPLATE, value, Env="prod") == {"Mem": "1024", "Flag": "off", "Gone": "x"}


def test_list_parameters_join_select_split() -> None:
    assert _resolve(TEMPLATE, {"Fn::Join": ["-", {"Ref": "Zones"}]}) == "a-b-c"
    assert _resolve(TEMPLATE, {"Fn::Select": [1, {"Fn::Split": [",", "x,y"]}]}) == "y"


def test_what_cannot_be_known_is_unresolved_with_a_hint() -> None:
    got = _resolve(TEMPLATE, {"Ref": "Secret"})
    assert isinstance(got, Unresolved) and got.hint == "pass --param Secret=VALUE"
    assert isinstance(_resolve(TEMPLATE, {"Fn::ImportValue": "x"}), Unresolved)
    assert _resolve(TEMPLATE, {"Ref": "Secret"}, Secret="s3cr3t") == "s3cr3t"


# ----------------------------------------------------------------------------- HCL
def _hcl(text: str, **variables: Any) -> dict[str, Any]:
    def resolve(trav: Trav, env: Any) -> Any:
        if trav.root == "var":
            return variables.get(str(trav.steps[0]))
        return Ref(f"{trav.root}.{trav.steps[0]}", str(trav.steps[-1]))

    ev = Evaluator(resolve)
    return {a.name: ev.value(a.expr) for a in parse(text)}


def test_hcl_strings_escapes_templates_and_heredocs() -> None:
    got = _hcl(
        'a = "tab\\there \\u00e9 $${request.body.x} %%{x} ${var.n}"\n'
        "b = <<EOT\nline ${var.n}\n  kept\nEOT\n"
        "c = <<-EOT\n    trimmed\n      more\n    EOT\n",
        n="7",
    )
    assert got["a"] == "tab\there é ${request.body.x} %{x} 7"
    assert got["b"] == "line 7\n  kept\n"
    assert got["c"] == "trimmed\n  more\n"


def test_hcl_expressions_operators_for_and_functions() -> None:
    got = _hcl(
        'a = var.on ? "yes" : "no"\n'
        'b = [for k, v in var.m : upper(v) if k != "skip"]\n'
        "c = { for k, v in var.m : k => length(v) }\n"
        'd = format("%s-%d", "x", 3)\n'
        "e = merge({a = 1}, {b = 2})\n"
        'f = lookup(var.m, "nope", "dflt")\n'
        "g = 1 + 2 * 3 >= 7 && !false\n",
        on=True,
        m={"a": "xy", "skip": "z"},
    )
    assert got["a"] == "yes" and got["b"] == ["XY"] and got["c"] == {"a": 2, "skip": 1}
    assert (
        got["d"] == "x-3"
        and got["e"] == {"a": 1, "b": 2}
        and got["f"] == "dflt"
        and got["g"] is True
    )


def test_hcl_references_stay_references_and_jsonencode_keeps_them() -> None:
    got = _hcl('a = aws_lambda_function.f.invoke_arn\nb = jsonencode({R = aws_x.y.arn, S = "s"})\n')
    assert got["a"] == Ref("aws_lambda_function.f", "invoke_arn")
    assert got["b"] == {"R": Ref("aws_x.y", "arn"), "S": "s"}
    assert _hcl('c = jsonencode({b = 1, a = "x"})\n')["c"] == '{"a":"x","b":1}'


def test_terraform_count_instances_and_unknown_variables(tmp_path: Path) -> None:
    from wsspec.importers.terraform import Config

    (tmp_path / "main.tf").write_text(
        'variable "n" { default = 2 }\n'
        'resource "aws_sns_topic" "t" {\n  count = var.n\n  name = "t-${count.index}"\n}\n'
        'resource "aws_sns_topic" "u" { name = var.missing }\n'
    )
    cfg = Config(str(tmp_path), {})
    cfg.load()
    cfg.expand()
    assert sorted(cfg.instances) == ["aws_sns_topic.t[0]", "aws_sns_topic.t[1]", "aws_sns_topic.u"]
    assert cfg.attribute("aws_sns_topic.t[1]", "name") == "t-1"
    assert isinstance(cfg.attribute("aws_sns_topic.u", "name"), Unresolved)


# ----------------------------------------------------------------------------- Serverless
def test_serverless_variables_fallbacks_nesting_and_files(tmp_path: Path) -> None:
    (tmp_path / "conf.yml").write_text("prod: {size: 512}\n")
    root = {
        "service": "svc",
        "provider": {"stage": "${opt:stage, 'dev'}"},
        "custom": {"t": "${self:service}-${sls:stage}", "size": "${file(./conf.yml):prod.size}"},
    }
    var = Variables(root, {}, str(tmp_path))
    assert var.resolve(root["custom"]) == {"t": "svc-dev", "size": 512}
    assert (
        Variables(root, {"stage": "prod"}, str(tmp_path)).resolve("${self:custom.t}") == "svc-prod"
    )
    assert isinstance(var.resolve("${ssm:/x}"), Unresolved)
    assert normalized("send-message_x") == "SendDashmessageUnderscorex"


# ----------------------------------------------------------------------------- handlers
def test_handler_in_a_zip_is_matched_by_content(tmp_path: Path) -> None:
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "app.py").write_text(f"# {d}\n")
    with zipfile.ZipFile(tmp_path / "fn.zip", "w") as z:
        z.writestr("app.py", "# b\n")
    found = locate(
        FileIndex(str(tmp_path)),
        str(tmp_path),
        {"Kind": "zip", "Path": "fn.zip"},
        "app.handler",
        "python3.12",
        "x",
    )
    assert found.handler == "b/app.py" and found.exact


def test_handler_search_notes_ambiguity_and_typescript(tmp_path: Path) -> None:
    for d in ("one", "two"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "index.ts").write_text("export const handler = 1\n")
    found = locate(
        FileIndex(str(tmp_path)),
        str(tmp_path),
        {"Kind": "s3"},
        "index.handler",
        "nodejs22.x",
        "two",
    )
    assert found.handler == "two/index.js" and not found.exact and found.note


def test_missing_handler_gets_a_guessed_path(tmp_path: Path) -> None:
    found = locate(
        FileIndex(str(tmp_path)),
        str(tmp_path),
        {"Kind": "inline"},
        "index.main",
        "python3.12",
        "fn",
    )
    assert (
        found.handler == "fn/index.py" and found.entry == "main" and "inline" in (found.note or "")
    )


# ----------------------------------------------------------------------------- the writer
TEXT = st.text(
    st.characters(
        codec="utf-8", exclude_categories=("Cs",), exclude_characters="\r\x85\u2028\u2029"
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(value=TEXT, key=TEXT.filter(lambda k: k.strip() != "" and k != "<<"))
def test_every_string_reads_back_as_itself(value: str, key: str) -> None:
    data = {
        "wsspec": 1,
        "api": {"name": "x", "description": value},
        "routes": {key: {"function": value or "f"}},
    }
    loaded = load_text(emit(data, [], ["header"]), "t.yaml")
    assert not [f for f in loaded.findings if f.severity == "error"], loaded.findings
    assert loaded.data == data


def test_notes_land_above_their_key_and_unplaced_ones_are_kept() -> None:
    data = {"api": {"name": "x"}, "routes": {"$connect": {"function": "f"}}}
    notes = [
        Note(("routes", "$connect"), "here"),
        Note(("routes", "gone"), "orphan"),
        Note((), "top"),
    ]
    lines = emit(data, notes, []).splitlines()
    assert lines[0] == "# not imported: top"
    i = lines.index("  $connect: {function: f}")
    assert lines[i - 1] == "  # not imported: here"
    assert "  # not imported: orphan" in lines  # in its section, where routes.gone would be


def test_repair_path_lookup_understands_dotted_keys() -> None:
    data = {
        "routes": {"$connect": {"request_parameters": {"route.request.header.x": True}}},
        "functions": {"f": {"iam": [{"actions": []}]}},
    }
    assert locate_path(data, "routes.$connect.request_parameters.route.request.header.x") == [
        "routes",
        "$connect",
        "request_parameters",
        "route.request.header.x",
    ]
    assert locate_path(data, "functions.f.iam[0].actions") == [
        "functions",
        "f",
        "iam",
        0,
        "actions",
    ]
    assert Notes().items == []


@pytest.mark.parametrize(
    "value", ["yes", "on", "1e3", "0o17", "null", "", " lead", "a: b", "#x", "- x", "'q'", '"d"']
)
def test_scalars_yaml_would_misread_are_quoted(value: str) -> None:
    loaded = load_text(emit({"k": value}, [], []), "t.yaml")
    assert loaded.data == {"k": value}


def test_terraform_heredoc_policies_and_archive_sources(tmp_path: Path) -> None:
    from wsspec.importers import ImportOptions, import_path

    for d in ("connect", "send"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "app.js").write_text(
            f"exports.handler = async () => ({{statusCode: 200, d: '{d}'}});\n"
        )
    (tmp_path / "main.tf").write_text(
        """
resource "aws_apigatewayv2_api" "ws" {
  name                       = "heredoc"
  protocol_type              = "WEBSOCKET"
  route_selection_expression = "$request.body.action"
}
resource "aws_dynamodb_table" "conns" {
  name     = "heredoc-conns"
  hash_key = "connectionId"
  billing_mode = "PAY_PER_REQUEST"
  attribute {
    name = "connectionId"
    type = "S"
  }
}
resource "aws_iam_policy" "crud" {
  name   = "crud"
  policy = <<EOT
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:PutItem"],
 "Resource": ["${aws_dynamodb_table.conns.arn}"]}]}
EOT
}
resource "aws_iam_role" "Role" {
  name               = "role"
  assume_role_policy = "{}"
}
resource "aws_iam_role_policy_attachment" "crud" {
  role       = "${aws_iam_role.Role.name}"
  policy_arn = "${aws_iam_policy.crud.arn}"
}
data "archive_file" "SendZip" {
  type        = "zip"
  source_file = "${path.module}/send/app.js"
  output_path = "${path.module}/send/app.zip"
}
resource "aws_lambda_function" "SendFunction" {
  function_name = "SendFunction"
  filename      = "${data.archive_file.SendZip.output_path}"
  handler       = "app.handler"
  runtime       = "nodejs22.x"
  role          = "${aws_iam_role.Role.arn}"
}
resource "aws_apigatewayv2_integration" "send" {
  api_id           = "${aws_apigatewayv2_api.ws.id}"
  integration_type = "AWS_PROXY"
  integration_uri  = "${aws_lambda_function.SendFunction.invoke_arn}"
}
resource "aws_apigatewayv2_route" "send" {
  api_id    = "${aws_apigatewayv2_api.ws.id}"
  route_key = "send"
  target    = "integrations/${aws_apigatewayv2_integration.send.id}"
}
"""
    )
    spec = import_path(str(tmp_path / "main.tf"), ImportOptions(out_dir=str(tmp_path))).spec
    assert spec is not None
    fn = spec.function("send")  # the PascalCase label without its affix, in snake case
    assert fn.handler_path == "send/app.js" and fn.connection_table
