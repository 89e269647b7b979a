"""The AsyncAPI and client targets through ``wsspec build``: generated files (rewritten every
build, drift found by ``--check``), goldens, method-name collisions (WS955), notes; and the
shared client view of the API (``wsspec.messages``): route selection read both ways, types."""

from __future__ import annotations

import importlib.util
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_serve_support import load
from tests.tfhelp import rendered
from wsspec.cli import app
from wsspec.deploy.desired import Context, desired_state
from wsspec.messages import client_api, selection
from wsspec.messages.selection import Field
from wsspec.messages.types import AnyOf, Definition, Lit, Prim, Ref, TypeSet

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("asyncapi", "client-ts", "client-py")
FILES = (
    "asyncapi/asyncapi.yaml",
    "asyncapi/asyncapi.json",
    "client-ts/client.ts",
    "client-py/client.py",
)
_spec = importlib.util.spec_from_file_location("regen_golden", ROOT / "scripts" / "regen_golden.py")
regen = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(regen)  # type: ignore[union-attr]

runner = CliRunner()


def _build(spec: Path, out: Path, *extra: str) -> tuple[int, str]:
    args = ["build", str(spec), "-o", str(out), *extra]
    for t in TARGETS:
        args += ["--target", t]
    result = runner.invoke(app, args)
    return result.exit_code, result.output


def _spec(tmp: Path, routes: str, extra: str = "") -> Path:
    path = tmp / "spec.yaml"
    body = textwrap.indent(textwrap.dedent(routes), "  ")
    path.write_text(
        "wsspec: 1\napi: {name: demo}\nroutes:\n"
        "  $connect: {function: app, authorization: iam}\n"
        f"{body}functions:\n  app: {{handler: handlers/app.py}}\n{textwrap.dedent(extra)}"
    )
    return path


@pytest.mark.parametrize("sample", [p.stem for p in regen.samples()])
@pytest.mark.parametrize("target", TARGETS)
def test_output_matches_golden(sample: str, target: str) -> None:
    files = regen.render(ROOT / "samples" / f"{sample}.yaml", target)
    golden = regen.GOLDEN / sample / target
    assert sorted(files) == sorted(
        p.relative_to(regen.GOLDEN / sample).as_posix() for p in golden.rglob("*") if p.is_file()
    ), "run: python scripts/regen_golden.py"
    for name, content in files.items():
        assert content == (regen.GOLDEN / sample / name).read_bytes(), (
            f"{sample}/{name} differs from its golden file: python scripts/regen_golden.py"
        )


def test_clients_are_generated_files_rewritten_by_every_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = _build(ROOT / "samples" / "chat.yaml", out)
    assert code == 0, output
    for name in FILES:
        assert (out / "chat" / name).is_file(), name
    client = out / "chat" / "client-ts" / "client.ts"
    fresh = client.read_text()
    client.write_text(fresh + "// a hand edit\n")
    code, output = _build(ROOT / "samples" / "chat.yaml", out, "--check")
    assert code == 1 and "stale" in output and "client.ts" in output
    code, output = _build(ROOT / "samples" / "chat.yaml", out)
    assert code == 0 and client.read_text() == fresh  # not user-owned: overwritten
    code, output = _build(ROOT / "samples" / "chat.yaml", out, "--check")
    assert code == 0 and "outputs are up to date" in output


def test_a_default_build_includes_the_client_targets(tmp_path: Path) -> None:
    spec = tmp_path / "chat.yaml"
    spec.write_text((ROOT / "samples" / "chat.yaml").read_text())
    result = runner.invoke(app, ["build", str(spec), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    for name in FILES:
        assert (tmp_path / "out" / "chat" / name).is_file(), name


def test_colliding_method_names_are_ws955_with_the_operation_name_hint(tmp_path: Path) -> None:
    spec = _spec(
        tmp_path,
        """\
        $default: {function: app}
        join: {function: app, operation_name: Enter}
        enter: {function: app}
        """,
    )
    code, output = _build(spec, tmp_path / "out")
    assert code == 1
    assert "WS955" in output
    assert "routes 'join' and 'enter' would both become the client method 'enter'" in output
    assert "operation_name" in output
    renamed = _spec(
        tmp_path,
        """\
        $default: {function: app}
        join: {function: app, operation_name: Enter}
        enter: {function: app, operation_name: Arrive}
        """,
    )
    code, output = _build(renamed, tmp_path / "out")
    assert code == 0, output
    assert "arrive(message" in (tmp_path / "out" / "demo" / "client-ts" / "client.ts").read_text()


def test_a_route_named_like_a_client_member_is_ws955(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "$default: {function: app}\nclose: {function: app}\n")
    code, output = _build(spec, tmp_path / "out")
    assert code == 1 and "WS955" in output and "'close'" in output


def test_messages_clients_cannot_tell_apart_are_a_note(tmp_path: Path) -> None:
    spec = _spec(
        tmp_path,
        """\
        $default: {function: app}
        go: {function: app, pushes: [A, B, C]}
        """,
        """\
        models:
          A: {schema: {type: object, properties: {a: {type: string}}}}
          B: {schema: {type: object, properties: {b: {type: string}}}}
          C:
            schema:
              type: object
              required: [kind]
              properties: {kind: {enum: [c]}}
        """,
    )
    api = client_api(load(spec))
    assert [r.name for r in api.typed_receives] == ["C", "A", "B"]  # the discriminated one first
    assert api.notes == (
        "clients cannot tell messages 'A' and 'B' apart: both go to the 'A' handler (give them "
        "a required member with one allowed value, e.g. type: {enum: [...]})",
    )
    code, output = _build(spec, tmp_path / "out")
    assert code == 0
    assert "note: client-ts: clients cannot tell messages 'A' and 'B' apart" in output


def test_route_selection_read_both_ways() -> None:
    assert selection.fields_for("$request.body.action", "join") == (Field(("action",), "join"),)
    assert selection.fields_for("${request.body.service}/${request.body.action}", "quotes/get") == (
        Field(("service",), "quotes"),
        Field(("action",), "get"),
    )
    assert selection.fields_for("$request.body.meta['kind']", "x") == (
        Field(("meta", "kind"), "x"),
    )
    assert selection.fields_for("static", "static") == ()
    assert selection.fields_for("static", "other") is None
    assert selection.fields_for("$request.body.items[0]", "x") is None  # an index: not settable
    assert selection.fields_for("${request.body.a}-${request.body.a}", "x-y") is None
    assert selection.fields_for("\\$${request.body.a}", "$x") == (Field(("a",), "x"),)
    assert selection.evaluate("$request.body.action", {"action": "join"}) == "join"
    assert selection.evaluate("$request.body.n", {"n": 1.5}) == "1.5"
    assert selection.evaluate("$request.body.action", {}) == ""
    assert selection.evaluate("$request.body.action", "not an object") is None
    assert selection.evaluate("${request.body.a}/${request.body.b}", {"a": "x", "b": "y"}) == "x/y"


def test_types_from_draft4_schemas() -> None:
    models = {
        "Node": {
            "type": "object",
            "required": ["value"],
            "properties": {
                "value": {"type": ["string", "null"]},
                "children": {"type": "array", "items": {"$ref": "#"}},
                "kind": {"enum": [1, True, "1"]},
                "other": {"$ref": "https://apigateway.amazonaws.com/restapis/x/models/Leaf"},
            },
        },
        "Leaf": {"allOf": [{"properties": {"a": {"type": "integer"}}}, {"required": ["a"]}]},
    }
    types = TypeSet(models, frozenset({"Leaf"}))
    assert types.model("Node") == "Node"
    node = types.definitions["Node"]
    assert node.members is not None
    value, children, kind, other = node.members
    assert value.required and value.type == AnyOf((Prim("string"), Prim("null")))
    assert children.type.item == Ref("Node")  # type: ignore[union-attr]
    assert kind.type == Lit((1, True, "1"))
    assert other.type == Ref("LeafModel")  # "Leaf" is reserved: the type is renamed
    leaf = types.definitions["LeafModel"]
    assert leaf == Definition("LeafModel", "", members=leaf.members, open=True)
    assert leaf.members is not None and leaf.members[0].required


def test_api_gateway_gets_only_the_models_routes_use(tmp_path: Path) -> None:
    from wsspec import derive
    from wsspec.targets import BuildContext, cloudformation

    spec = load(
        _spec(
            tmp_path,
            """\
            $default: {function: app}
            go:
              function: app
              request_models: {$default: In}
              model_selection: $default
              pushes: [Pushed]
            """,
            """\
            models:
              In:
                schema:
                  type: object
                  properties:
                    part: {$ref: "https://apigateway.amazonaws.com/restapis/x/models/Part"}
              Part: {schema: {type: string}}
              Pushed: {content_type: text/plain, schema: {type: string}}
            """,
        )
    )
    assert [m.name for m in derive.deployed_models(spec)] == ["In", "Part"]
    template = cloudformation.resources.template(spec, BuildContext(tmp_path, tmp_path / "f"))
    kinds = [
        r["Properties"]["Name"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ApiGatewayV2::Model"
    ]
    assert kinds == ["In", "Part"]
    hcl = "".join(rendered(spec, tmp_path / "tf").values())
    assert re.findall(r'resource "aws_apigatewayv2_model" "([^"]+)"', hcl) == ["in", "part"]
    state = desired_state(spec, Context(region="us-east-1", account="1"), zip_of=lambda s, f: b"")
    assert [r.props["Name"] for r in state if r.kind == "model"] == ["In", "Part"]


def test_examples_are_checked_against_referenced_models_without_the_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.request

    from wsspec.validate import validate_file

    fetched: list[object] = []

    def no_network(*args: object, **kwargs: object) -> None:
        fetched.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    path = _spec(
        tmp_path,
        """\
        $default: {function: app}
        go:
          function: app
          request_models: {$default: In}
          model_selection: $default
          pushes: [Other]
          examples: [{action: go, part: 42}, {action: go, part: ok}]
        """,
        """\
        models:
          In:
            schema:
              type: object
              properties:
                part: {$ref: "https://apigateway.amazonaws.com/restapis/x/models/Part"}
          Part: {schema: {type: string}}
          Other:
            schema: {$ref: "https://example.com/schemas/other.json"}
            examples: [42]
        """,
    )
    found = [f.render() for f in validate_file(str(path)).errors if "WS170" in f.render()]
    assert len(found) == 1, found  # Other's example cannot be told offline: no finding
    assert "example 1 of route 'go'" in found[0]
    assert "42 is not of type 'string' (at part)" in found[0]
    assert fetched == []
