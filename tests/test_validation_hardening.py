"""Nothing validated may crash later: regressions for the hardening issue's validation items.

Each test is the issue's repro, run the way a user meets it (the CLI in a real process where a
traceback or a hang is the failure), and asserts the one-line finding or the safe output that
replaced the crash. Rules with a sample file under samples/invalid are checked there too;
these tests cover what a sample file cannot show (symlinks, FIFOs, huge numbers, dates, the
writer's files) and the outputs the targets must now write.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.test_cloudformation_support import cfn_lint, describe, render_template, write_spec
from wsspec.build import build_outputs
from wsspec.errors import WsspecError
from wsspec.validate import validate_file
from wsspec.writer import write_all

TIMEOUT = 60  # a hang is a failure, not a stuck CI job


def wsspec(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "wsspec", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
        timeout=TIMEOUT,
    )


def base(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "wsspec": 1,
        "api": {"name": "demo"},
        "routes": {"$connect": {"function": "app"}, "$default": {"function": "app"}},
        "functions": {"app": {"handler": "src/app.py"}},
        "stages": {"prod": {"throttling": {"burst": 10, "rate": 10}}},
    }
    data.update(extra)
    return data


def project(tmp_path: Path, data: dict[str, Any]) -> Path:
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    return write_spec(tmp_path, data)


def codes_of(path: Path) -> list[str]:
    return [f.code for f in validate_file(str(path)).findings]


def assert_clean_failure(proc: subprocess.CompletedProcess[str], code: str) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert f"[{code}]" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert proc.returncode == 1


# ----------------------------------------------------------------------------- item 7
def test_a_document_nested_1000_deep_is_one_finding_not_a_traceback(tmp_path: Path) -> None:
    text = "wsspec: 1\napi: {name: demo, x: " + "[" * 1000 + "]" * 1000 + "}\n"
    (tmp_path / "deep.yaml").write_text(text)
    assert_clean_failure(wsspec("validate", "deep.yaml", cwd=tmp_path), "WS904")


def test_block_style_nesting_reports_where_it_gets_too_deep(tmp_path: Path) -> None:
    lines = ["wsspec: 1", "models:"] + [" " * (2 * i + 2) + f"k{i}:" for i in range(80)]
    (tmp_path / "deep.yaml").write_text("\n".join(lines) + " 1\n")
    proc = wsspec("validate", "deep.yaml", cwd=tmp_path)
    assert_clean_failure(proc, "WS904")
    assert "deep.yaml:1:1:" not in proc.stdout  # the position of the first node too deep


def test_an_integer_over_4300_digits_is_reported_as_not_finite(tmp_path: Path) -> None:
    spec = project(tmp_path, base())
    spec.write_text(spec.read_text().replace("burst: 10", "burst: " + "9" * 5000))
    proc = wsspec("validate", "spec.yaml", cwd=tmp_path)
    assert_clean_failure(proc, "WS405")
    assert len(proc.stdout) < 2000  # the number is not echoed back


def test_json_output_stays_valid_json_for_non_finite_numbers(tmp_path: Path) -> None:
    spec = project(tmp_path, base())
    spec.write_text(spec.read_text().replace("rate: 10", "rate: .nan"))
    proc = wsspec("validate", "--format", "json", "spec.yaml", cwd=tmp_path)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)  # NaN would make this fail
    assert "WS405" in json.dumps(report)


# ----------------------------------------------------------------------------- items 8, 9
def _schema_nested(depth: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


def test_a_model_schema_170_levels_deep_never_reaches_build(tmp_path: Path) -> None:
    data = base(models={"Deep": {"schema": _schema_nested(170)}})
    data["routes"]["send"] = {
        "function": "app",
        "model_selection": "$request.body.type",
        "request_models": {"x": "Deep"},
    }
    project(tmp_path, {}).write_text(json.dumps(data))  # JSON is YAML; PyYAML cannot dump it
    assert_clean_failure(wsspec("validate", "spec.yaml", cwd=tmp_path), "WS904")
    proc = wsspec("build", "spec.yaml", cwd=tmp_path)
    assert "Traceback" not in proc.stderr and proc.returncode == 1


def test_a_model_schema_as_deep_as_allowed_builds(tmp_path: Path) -> None:
    data = base(models={"Deep": {"schema": _schema_nested(25)}})
    data["routes"]["send"] = {
        "function": "app",
        "model_selection": "$request.body.type",
        "request_models": {"x": "Deep"},
    }
    project(tmp_path, data)
    proc = wsspec("build", "spec.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _special(kind: str, src: Path, outside: Path) -> None:
    target = src / "extra"
    if kind == "dangling":
        os.symlink(src / "missing.py", target)
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "dev-zero":
        os.symlink("/dev/zero", target)
    elif kind == "outside":
        secret = outside / "credentials"
        secret.write_text("aws_secret_access_key = TESTSECRET\n")
        os.symlink(secret, target)
    elif kind == "outside-dir":
        (outside / "lib").mkdir()
        (outside / "lib" / "secret.txt").write_text("TESTSECRET\n")
        os.symlink(outside / "lib", target)


@pytest.mark.parametrize("kind", ["dangling", "fifo", "dev-zero", "outside", "outside-dir"])
def test_a_source_file_that_cannot_be_packaged_fails_validate_and_build(
    kind: str, tmp_path: Path
) -> None:
    """validate names the file (WS540); build stops before reading it (no hang, no traceback,
    and no secret from outside the project in any zip)."""
    proj, outside = tmp_path / "proj", tmp_path / "outside"
    proj.mkdir()
    outside.mkdir()
    project(proj, base())
    _special(kind, proj / "src", outside)
    proc = wsspec("validate", "spec.yaml", cwd=proj)
    assert_clean_failure(proc, "WS540")
    assert "src/extra" in proc.stdout
    built = wsspec("build", "spec.yaml", cwd=proj)
    assert "Traceback" not in built.stderr and built.returncode != 0
    for z in proj.rglob("*.zip"):
        assert b"TESTSECRET" not in z.read_bytes()


def test_packaging_refuses_what_validation_would_report(tmp_path: Path) -> None:
    """WS013: the packager walks the same files and refuses on its own (a model built without
    the checks cannot smuggle a link out of the project into a zip)."""
    from tests.test_cloudformation_support import spec_from_data
    from wsspec.package import build_zip

    project(tmp_path, base())
    (tmp_path / "secret").write_text("TESTSECRET")
    os.symlink(tmp_path / "secret", tmp_path / "src" / "link")
    (tmp_path / "src" / "inner.py").write_text("X = 1\n")
    os.symlink(tmp_path / "src" / "inner.py", tmp_path / "src" / "alias.py")
    spec = spec_from_data(base(), tmp_path)
    (tmp_path / "secret").unlink()
    os.symlink("/etc/hostname", tmp_path / "secret")
    with pytest.raises(WsspecError) as err:
        build_zip(spec, spec.functions[0])
    assert err.value.code == "WS013"
    (tmp_path / "src" / "link").unlink()
    blob = build_zip(spec, spec.functions[0])  # a link inside the project is packaged
    assert b"alias.py" in blob


# ----------------------------------------------------------------------------- item 3, 13
INTRINSIC_MAPS = {
    "api tags": lambda d: d["api"].__setitem__("tags", {"Ref": "x"}),
    "stage variables": lambda d: d["stages"]["prod"].__setitem__("variables", {"Fn::Sub": "x"}),
    "environment": lambda d: d["functions"]["app"].__setitem__("environment", {"Fn::GetAtt": "x"}),
}


@pytest.mark.parametrize("where", sorted(INTRINSIC_MAPS))
def test_an_intrinsic_function_key_in_a_free_form_map_is_refused(
    where: str, tmp_path: Path
) -> None:
    data = base()
    INTRINSIC_MAPS[where](data)
    assert "WS409" in codes_of(project(tmp_path, data))


def _model_spec(schema: dict[str, Any]) -> dict[str, Any]:
    data = base(models={"Msg": {"schema": schema}})
    data["routes"]["send"] = {
        "function": "app",
        "model_selection": "$request.body.type",
        "request_models": {"m": "Msg"},
    }
    return data


def test_a_model_schema_reaches_cloudformation_as_text_only(tmp_path: Path) -> None:
    """A model's ``default: {Fn::GetAtt: ...}`` is JSON Schema data: the template carries the
    schema as one JSON string, so CloudFormation never evaluates anything inside it."""
    from tests.test_cloudformation_support import spec_from_data

    schema = {
        "type": "object",
        "properties": {"role": {"type": "string", "default": {"Fn::GetAtt": "Role.Arn"}}},
    }
    project(tmp_path, _model_spec(schema))
    spec = spec_from_data(_model_spec(schema), tmp_path)
    _, template = render_template(spec)
    models = [r for r in template["Resources"].values() if r["Type"].endswith("::Model")]
    assert models
    for m in models:
        assert isinstance(m["Properties"]["Schema"], str)
        text = json.loads(m["Properties"]["Schema"])
        assert text["properties"]["role"]["default"] == {"Fn::GetAtt": "Role.Arn"}


def test_a_remote_model_ref_is_refused_without_fetching(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"a": {"$ref": "file:///etc/passwd"}}}
    assert "WS609" in codes_of(project(tmp_path, _model_spec(schema)))
    schema["properties"]["a"] = {"$ref": "#/definitions/a"}
    schema["definitions"] = {"a": {"type": "string"}}
    assert "WS609" not in codes_of(project(tmp_path, _model_spec(schema)))


LITERAL = "costs ${AWS::AccountId} and ${Stage} nothing"


@pytest.mark.slow
def test_literal_dollar_braces_stay_literal_and_cfn_lint_accepts_them(tmp_path: Path) -> None:
    data = base()
    data["api"]["description"] = LITERAL
    data["functions"]["app"]["environment"] = {"NOTE": LITERAL}
    data["stages"]["prod"]["description"] = LITERAL
    path = project(tmp_path, data)
    result = validate_file(str(path))
    assert result.spec is not None, [f.render() for f in result.errors]
    content, _ = render_template(result.spec)
    template = tmp_path / "template.yaml"
    template.write_bytes(content)
    found = cfn_lint([template])
    assert not found, describe(found)
    assert content.count(b"${!AWS::AccountId}") >= 1  # escaped inside Fn::Sub, or plain


# ----------------------------------------------------------------------------- item 14
def test_control_characters_in_names_are_shown_escaped(tmp_path: Path) -> None:
    data = base()
    data["routes"]["send\u202e\n- delete evil"] = {"function": "app"}
    project(tmp_path, data)
    proc = wsspec("validate", "spec.yaml", cwd=tmp_path)
    assert_clean_failure(proc, "WS408")
    assert "\u202e" not in proc.stdout and "\n- delete" not in proc.stdout
    assert "\\u202e" in proc.stdout


# ----------------------------------------------------------------------------- items 19, 20
def _built(tmp_path: Path) -> tuple[Path, list[Any]]:
    path = project(tmp_path, base())
    result = validate_file(str(path))
    assert result.spec is not None
    outputs, _ = build_outputs(result.spec, ["terraform"], tmp_path / "build", "yaml")
    return path, outputs


def test_a_killed_builds_temporaries_are_removed_by_the_next_build(tmp_path: Path) -> None:
    _, outputs = _built(tmp_path)
    write_all(outputs)
    tf = next(o.path for o in outputs if o.path.name == "main.tf")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tf.parent / f".main.tf.wsspec-{int(dead.stdout)}-abc123.tmp"
    stale.write_text("half a file")
    foreign = tf.parent / ".notes.tmp"  # not wsspec's name: left alone
    foreign.write_text("mine")
    write_all(outputs)
    assert not stale.exists()
    assert foreign.exists()


def test_a_hand_written_file_at_a_generated_path_is_never_replaced(tmp_path: Path) -> None:
    path, outputs = _built(tmp_path)
    tf = next(o.path for o in outputs if o.path.name == "main.tf")
    tf.parent.mkdir(parents=True)
    tf.write_text('resource "null_resource" "mine" {}\n')
    proc = wsspec("build", "spec.yaml", "-t", "terraform", cwd=tmp_path)
    assert "[WS012]" in proc.stdout + proc.stderr and proc.returncode != 0
    assert tf.read_text() == 'resource "null_resource" "mine" {}\n'
    assert not (tf.parent / "outputs.tf").exists()  # nothing written before the refusal


# ----------------------------------------------------------------------------- item 22
def _template(tmp_path: Path, data: dict[str, Any]) -> dict[str, Any]:
    path = project(tmp_path, data)
    result = validate_file(str(path))
    assert result.spec is not None, [f.render() for f in result.errors]
    return render_template(result.spec)[1]


def test_log_groups_have_a_retention_without_monitoring(tmp_path: Path) -> None:
    data = base()
    data["stages"]["prod"]["access_logs"] = True
    template = _template(tmp_path, data)
    groups = [r for r in template["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert len(groups) == 2
    assert all(g["Properties"]["RetentionInDays"] > 0 for g in groups)


def test_api_gateway_roles_carry_confused_deputy_conditions(tmp_path: Path) -> None:
    data = base(connections=True)
    data["routes"]["put"] = {
        "integration": {
            "type": "aws",
            "service": "dynamodb",
            "action": "PutItem",
            "resources": ["connection_table"],
            "request_templates": {"application/json": '{"TableName": "t"}'},
        }
    }
    template = _template(tmp_path, data)
    roles = {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
    api_roles = [
        r
        for r in roles.values()
        if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
        == "apigateway.amazonaws.com"
    ]
    assert api_roles
    for role in api_roles:
        condition = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
        assert "aws:SourceAccount" in json.dumps(condition)


def test_a_topic_key_encrypts_the_alarm_topic(tmp_path: Path) -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    data = base(
        monitoring={"preset": "recommended", "notify": {"topic": {"email": ["o@example.com"]}}}
    )
    data["monitoring"]["notify"]["topic"]["kms_key_arn"] = key
    template = _template(tmp_path, data)
    (topic,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SNS::Topic"]
    assert topic["Properties"]["KmsMasterKeyId"] == key


def test_star_star_iam_is_a_warning(tmp_path: Path) -> None:
    data = base()
    data["functions"]["app"]["iam"] = [{"actions": ["*"], "resources": ["*"]}]
    found = validate_file(str(project(tmp_path, data))).findings
    assert [(f.code, f.severity) for f in found if f.code == "WS842"] == [("WS842", "warning")]


# ----------------------------------------------------------------------------- item 11
@pytest.mark.slow
def test_long_names_build_within_every_length_limit(tmp_path: Path) -> None:
    """A 251-character function name and a 301-character route key validate; build must then
    keep file names under 255 bytes and logical IDs under 255 characters, cfn-lint clean."""
    fn, route, stage = "f" + "x" * 250, "r" + "y" * 300, "s" + "z" * 120
    data = base()
    data["routes"] = {
        "$connect": {"function": fn, "authorization": "iam"},
        route: {"function": fn},
    }
    data["functions"] = {fn: {"handler": "src/app.py"}}
    data["stages"] = {stage: {"throttling": {"burst": 10, "rate": 10}}}
    project(tmp_path, data)
    proc = wsspec("build", "spec.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for path in (tmp_path / "build").rglob("*"):
        assert len(path.name.encode()) <= 255 - 40, path.name  # room for the writer's temporary
    (template,) = (tmp_path / "build").rglob("template.yaml")
    parsed = render_template(validate_file(str(tmp_path / "spec.yaml")).spec)[1]  # type: ignore[arg-type]
    assert max(len(k) for k in (*parsed["Resources"], *parsed["Outputs"])) <= 255
    found = cfn_lint([template])
    assert not found, describe(found)
