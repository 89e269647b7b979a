"""The AsyncAPI target without node: what the document says about each sample, the draft 4
conversion of model schemas, and escaping (YAML and JSON hold the same document)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_serve_support import load
from wsspec.messages import client_api
from wsspec.model import Spec, plain
from wsspec.targets import asyncapi
from wsspec.targets.asyncapi.schemas import convert

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples").glob("*.yaml"))
NASTY = ROOT / "tests" / "data_clients" / "nasty.yaml"


def _doc(path: Path) -> dict[str, Any]:
    return asyncapi.document(load(path))[0]


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for step in ref.removeprefix("#/").split("/"):
        node = node[step.replace("~1", "/").replace("~0", "~")]
    return node


def _send_operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """route key -> its send operation (the operation's title names the route)."""
    return {
        op["title"].removeprefix("Route "): op
        for op in doc["operations"].values()
        if op["action"] == "send"
    }


def _messages(doc: dict[str, Any], op: dict[str, Any]) -> list[dict[str, Any]]:
    """An operation's messages (through the channel to the components)."""
    return [_resolve(doc, _resolve(doc, m["$ref"])["$ref"]) for m in op["messages"]]


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_every_route_is_a_send_operation_with_its_models_schema(sample: Path) -> None:
    spec = load(sample)
    doc = _doc(sample)
    ops = _send_operations(doc)
    routes = [r for r in spec.routes if r.key not in ("$connect", "$disconnect")]
    assert sorted(ops) == sorted(r.key for r in routes)
    for route in routes:
        messages = _messages(doc, ops[route.key])
        models = list(dict.fromkeys(route.request_models.values()))
        assert len(messages) == max(1, len(models))
        for model, message in zip(models, messages):
            payload = message["payload"]
            refs = [p["$ref"] for p in payload.get("allOf", [payload]) if "$ref" in p]
            assert refs == [f"#/components/schemas/{model}"]
            schema = _resolve(doc, refs[0])
            source = plain(next(m for m in spec.models if m.name == model).schema)
            assert schema["properties"] == source["properties"]
            assert schema["required"] == source["required"]


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_each_message_carries_its_route_selection_value_as_a_constant(sample: Path) -> None:
    spec = load(sample)
    doc = _doc(sample)
    for key, op in _send_operations(doc).items():
        for message in _messages(doc, op):
            if key == "$default":
                assert "const" not in json.dumps(message.get("payload", {}))
                continue
            payload = message["payload"]
            selection = payload["allOf"][1] if "allOf" in payload else payload
            value = spec.api.route_selection
            if value == "$request.body.action":
                assert selection["properties"]["action"] == {"const": key}
                assert selection["required"] == ["action"]
            else:  # ${request.body.service}/${request.body.action}
                service, action = key.split("/")
                assert selection["properties"] == {
                    "service": {"const": service},
                    "action": {"const": action},
                }


def test_the_chat_sample_documents_what_it_pushes_and_answers() -> None:
    doc = _doc(ROOT / "samples" / "chat.yaml")
    receive = {k: v for k, v in doc["operations"].items() if v["action"] == "receive"}
    assert set(receive) == {"receiveChatMessage", "receiveDefaultResponse", "receiveGatewayError"}
    pushed = _messages(doc, receive["receiveChatMessage"])[0]
    assert pushed["contentType"] == "text/plain"
    assert pushed["payload"] == {"$ref": "#/components/schemas/ChatMessage"}
    assert doc["components"]["schemas"]["ChatMessage"] == {
        "type": "string",
        "examples": ["hello everyone"],
    }
    assert (
        "Pushed through @connections by route sendmessage."
        == receive["receiveChatMessage"]["summary"]
    )
    default = doc["operations"]["default"]
    assert default["reply"]["messages"] == [
        {"$ref": "#/channels/connection/messages/DefaultResponse"}
    ]
    send = _messages(doc, doc["operations"]["sendmessage"])[0]
    assert send["examples"] == [{"payload": {"action": "sendmessage", "data": "hello everyone"}}]
    assert send["summary"] == "Send a message to everyone connected, the sender included."


def test_servers_per_stage_and_the_custom_domain() -> None:
    doc = _doc(ROOT / "samples" / "multi-stage.yaml")
    # disable_execute_api_endpoint: only the domain (and the local gateway) remain
    assert set(doc["servers"]) == {"custom-domain", "local"}
    domain = doc["servers"]["custom-domain"]
    assert (domain["host"], domain["protocol"], domain["pathname"]) == (
        "ws.telemetry.example.com",
        "wss",
        "/v1",
    )
    assert domain["security"] == [{"$ref": "#/components/securitySchemes/iam"}]
    assert doc["components"]["securitySchemes"]["iam"]["scheme"] == "AWS4-HMAC-SHA256"
    live = _doc(ROOT / "samples" / "monitoring.yaml")["servers"]
    assert [k for k in live if k != "local"] == ["staging", "prod"]
    assert live["prod"]["host"] == "{apiId}.execute-api.{region}.amazonaws.com"
    assert live["prod"]["pathname"] == "/prod"
    assert live["local"] == {
        "host": "127.0.0.1:3001",
        "protocol": "ws",
        "pathname": "/staging",
        "title": "wsspec serve",
        "description": "The local gateway (`wsspec serve`, default port, stage staging).",
    }


def test_connect_parameters_and_the_authorizer_token() -> None:
    doc = _doc(ROOT / "samples" / "auth-http.yaml")
    ws = doc["channels"]["connection"]["bindings"]["ws"]
    assert ws["query"]["required"] == ["token"]
    assert set(ws["headers"]["properties"]) == {"x-client-version"}
    assert "required" not in ws["headers"]
    scheme = doc["components"]["securitySchemes"]["token_auth"]
    assert (scheme["type"], scheme["name"], scheme["in"]) == ("httpApiKey", "token", "query")
    assert doc["servers"]["live"]["security"] == [
        {"$ref": "#/components/securitySchemes/token_auth"}
    ]


def test_api_key_scheme(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        textwrap.dedent(
            """\
            wsspec: 1
            api: {name: keyed}
            routes:
              $connect: {function: app, authorization: iam, api_key_required: true}
              $default: {function: app}
            functions:
              app: {handler: handlers/app.py}
            """
        )
    )
    doc = _doc(spec)
    assert doc["components"]["securitySchemes"]["apiKey"] == {
        "type": "httpApiKey",
        "name": "x-api-key",
        "in": "header",
        "description": "An API key of a usage plan, checked when the connection is made.",
    }
    assert doc["channels"]["connection"]["bindings"]["ws"]["headers"]["required"] == ["x-api-key"]


def test_draft4_schemas_become_asyncapi_schemas() -> None:
    notes: list[str] = []
    schema = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "id": "http://example.com/x",
        "type": "object",
        "properties": {
            "n": {"type": "number", "maximum": 5, "exclusiveMaximum": True},
            "m": {"type": "number", "minimum": 0, "exclusiveMinimum": False},
            "items": {"type": "array", "items": {"$ref": "#/definitions/Item"}},
            "other": {"$ref": "https://apigateway.amazonaws.com/restapis/abc/models/Other"},
            "far": {"$ref": "https://example.com/schema.json"},
            "id": {"enum": [{"$ref": "data, not a reference"}], "default": {"id": 1}},
        },
        "definitions": {"Item": {"type": "string"}},
    }
    out = convert(schema, "Model", {"Model", "Other"}, notes.append)
    assert "$schema" not in out and "id" not in out
    props = out["properties"]
    assert props["n"] == {"type": "number", "exclusiveMaximum": 5}
    assert props["m"] == {"type": "number", "minimum": 0}
    assert props["items"]["items"] == {"$ref": "#/components/schemas/Model/definitions/Item"}
    assert props["other"] == {"$ref": "#/components/schemas/Other"}
    assert props["far"] == {"description": "unresolved reference https://example.com/schema.json"}
    assert props["id"] == {"enum": [{"$ref": "data, not a reference"}], "default": {"id": 1}}
    assert notes == [
        "model 'Model': reference 'https://example.com/schema.json' cannot be resolved offline; "
        "documented as any value"
    ]


def test_yaml_and_json_hold_the_same_document_with_every_string_intact() -> None:
    spec = load(NASTY)
    doc, _ = asyncapi.document(spec)
    from_yaml = yaml.safe_load(asyncapi.dump_yaml(doc))
    from_json = json.loads(asyncapi.dump_json(doc))
    assert from_yaml == from_json == doc
    assert from_json["info"]["description"] == spec.api.description
    route = next(r for r in spec.routes if r.key.startswith("it's"))
    ops = _send_operations(from_json)
    assert ops[route.key]["description"] == route.description
    message = _messages(from_json, ops[route.key])[0]
    assert message["payload"]["allOf"][1]["properties"]["action"] == {"const": route.key}
    assert message["examples"] == [{"payload": plain(route.examples[0])}]


def test_outputs_are_the_yaml_and_json_files(tmp_path: Path) -> None:
    from wsspec.targets import BuildContext

    spec: Spec = load(ROOT / "samples" / "chat.yaml")
    outputs = asyncapi.render(spec, BuildContext(tmp_path, tmp_path / "functions"))
    assert [o.path.relative_to(tmp_path).as_posix() for o in outputs] == [
        "asyncapi/asyncapi.yaml",
        "asyncapi/asyncapi.json",
    ]
    assert all(o.generated for o in outputs)


def test_client_view_of_the_chat_sample() -> None:
    api = client_api(load(ROOT / "samples" / "chat.yaml"))
    assert [(s.route, s.method, s.py_method) for s in api.sends] == [
        ("$default", "default", "default"),
        ("sendmessage", "sendmessage", "sendmessage"),
        ("keepalive", "keepalive", "keepalive"),
    ]
    assert [r.name for r in api.typed_receives] == ["ChatMessage"]
    assert api.keepalive == '{"action":"keepalive"}'
    assert api.notes == ()
