"""Generated and committed Python stubs, called with realistic API Gateway events.

The connection table lives in the moto server (127.0.0.1); boto3 reaches it through
AWS_ENDPOINT_URL_DYNAMODB, exactly as a handler would against a local table. moto's server
answers every PostToConnection with 200 and never 410, so @connections goes to a small
stand-in that answers like API Gateway (200, or 410 with ``x-amzn-ErrorType: GoneException``)
and records what it received.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from tests.servers import MotoServer
from wsspec import derive, names
from wsspec.cli import app
from wsspec.model import Spec, plain
from wsspec.validate import validate_file

API_ID = "abc123defg"
DOMAIN = f"{API_ID}.execute-api.us-east-1.amazonaws.com"
ALICE, BOB, GHOST = "BFaT_fALIAMCKug=", "R1kmxc2VNjMCFIA=", "XDmENcnwIE0CFEQ="


# ----------------------------------------------------------------------------- events (reference §3, §4.2)
def request_context(
    route_key: str, event_type: str, connection_id: str, **extra: Any
) -> dict[str, Any]:
    now = int(time.time() * 1000)
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": "R0oXAdfD0kwCH6w=",
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
        "messageDirection": "IN",
        "stage": "prod",
        "connectedAt": now - 5,
        "requestTimeEpoch": now,
        "identity": {"sourceIp": "203.0.113.7", "userAgent": "Mozilla/5.0"},
        "requestId": "R0oXAdfD0kwCH6w=",
        "domainName": DOMAIN,
        "connectionId": connection_id,
        "apiId": API_ID,
        **extra,
    }


def connect_event(connection_id: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    headers = {
        "Host": DOMAIN,
        "Origin": "https://example.com",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZQ==",
        "Sec-WebSocket-Version": "13",
        "X-Amzn-Trace-Id": "Root=1-6731f6aa-0",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    event: dict[str, Any] = {
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "requestContext": request_context("$connect", "CONNECT", connection_id),
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    return event


def message_event(connection_id: str, route_key: str, body: str) -> dict[str, Any]:
    ctx = request_context(route_key, "MESSAGE", connection_id, messageId="XDmGEE2RoE0FRdQ=")
    return {"requestContext": ctx, "body": body, "isBase64Encoded": False}


def disconnect_event(connection_id: str) -> dict[str, Any]:
    headers = {"Host": DOMAIN, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    ctx = request_context(
        "$disconnect",
        "DISCONNECT",
        connection_id,
        disconnectStatusCode=1001,
        disconnectReason="Going away",
    )
    return {
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "requestContext": ctx,
        "isBase64Encoded": False,
    }


def authorizer_event(
    headers: dict[str, str] | None = None, query: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "type": "REQUEST",
        "methodArn": f"arn:aws:execute-api:us-east-1:123456789012:{API_ID}/live/$connect",
        "headers": {
            "Connection": "upgrade",
            "content-length": "0",
            "Host": DOMAIN,
            "Upgrade": "websocket",
            **(headers or {}),
        },
        "queryStringParameters": query or {},
        "stageVariables": {},
        "requestContext": request_context("$connect", "CONNECT", ALICE),
    }


# ----------------------------------------------------------------------------- @connections stand-in
class CallbackStandIn:
    """Answers PostToConnection like API Gateway; 410 GoneException for ``gone`` ids."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str, bytes]] = []  # (stage prefix, connection id, body)
        self.gone: set[str] = set()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                prefix, _, cid = self.path.partition("/@connections/")
                cid = urllib.parse.unquote(cid)
                outer.posts.append((prefix, cid, body))
                if cid in outer.gone:
                    self.send_response(410)
                    self.send_header("x-amzn-ErrorType", "GoneException")
                    self.send_header("Content-Length", "0")
                else:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/prod"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def received(self) -> dict[str, bytes]:
        return {cid: body for _, cid, body in self.posts}


@pytest.fixture()
def callbacks() -> Iterator[CallbackStandIn]:
    stand_in = CallbackStandIn()
    stand_in.thread.start()
    try:
        yield stand_in
    finally:
        stand_in.server.shutdown()
        stand_in.server.server_close()


# ----------------------------------------------------------------------------- loading stubs
def _spec(path: Path) -> Spec:
    spec = validate_file(str(path)).spec
    assert spec is not None
    return spec


@pytest.fixture()
def lambda_env(
    aws_env: dict[str, str],
    moto: MotoServer,
    callbacks: CallbackStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    moto.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto.url)
    monkeypatch.setenv("WSSPEC_CALLBACK_URL", callbacks.url)
    return aws_env


def load(
    spec: Spec, fn_name: str, monkeypatch: pytest.MonkeyPatch, root: Path | None = None
) -> ModuleType:
    """Import a function's handler with the environment wsspec configures for it."""
    fn = spec.function(fn_name)
    for key, value in derive.environment(spec, fn_name).items():
        monkeypatch.setenv(key, value)
    path = (root or Path(spec.project_dir)) / fn.handler_path
    mod_spec = importlib.util.spec_from_file_location(
        f"stub_{fn_name}_{id(path)}_{time.time_ns()}", path
    )
    assert mod_spec is not None and mod_spec.loader is not None
    module = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(module)
    return module


def entry(spec: Spec, module: ModuleType, fn_name: str) -> Any:
    return getattr(module, spec.function(fn_name).entry)


def create_table(spec: Spec) -> Any:
    assert spec.connections is not None
    ddb = boto3.client("dynamodb")
    name = names.table_name(spec)
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
    )
    return boto3.resource("dynamodb").Table(name)


def stored_ids(table: Any) -> set[str]:
    return {item["connectionId"] for item in table.scan()["Items"]}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Freshly generated stubs (not the committed ones) for every sample, by project."""
    out = {}
    for name in ("chat", "auth-http", "models-mock", "multi-stage"):
        project = tmp_path_factory.mktemp(name)
        spec_path = Path(shutil.copy(ROOT / "samples" / f"{name}.yaml", project))
        result = CliRunner().invoke(app, ["build", str(spec_path), "--target", "stubs"])
        assert result.exit_code == 0, result.output
        out[name] = project
    return out


# ----------------------------------------------------------------------------- chat (generated)
def test_generated_connect_stores_the_connection_with_ttl(
    fresh: dict[str, Path], lambda_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec(fresh["chat"] / "chat.yaml")
    table = create_table(spec)
    handler = entry(spec, load(spec, "on_connect", monkeypatch), "on_connect")
    event = connect_event(ALICE)
    before = int(time.time())
    assert handler(event, None) == {"statusCode": 200}
    item = table.get_item(Key={"connectionId": ALICE})["Item"]
    assert item["connectedAt"] == event["requestContext"]["connectedAt"]
    assert before + 7200 <= item["ttl"] <= int(time.time()) + 7200


def test_generated_disconnect_deletes_the_connection(
    fresh: dict[str, Path], lambda_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec(fresh["chat"] / "chat.yaml")
    table = create_table(spec)
    table.put_item(Item={"connectionId": ALICE})
    table.put_item(Item={"connectionId": BOB})
    handler = entry(spec, load(spec, "on_disconnect", monkeypatch), "on_disconnect")
    assert handler(disconnect_event(ALICE), None) == {"statusCode": 200}
    assert stored_ids(table) == {BOB}


def test_generated_one_way_route_broadcasts_and_forgets_gone_connections(
    fresh: dict[str, Path],
    lambda_env: dict[str, str],
    callbacks: CallbackStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = _spec(fresh["chat"] / "chat.yaml")
    table = create_table(spec)
    for cid in (ALICE, BOB, GHOST):
        table.put_item(Item={"connectionId": cid})
    callbacks.gone.add(GHOST)
    handler = entry(spec, load(spec, "send_message", monkeypatch), "send_message")
    body = '{"action": "sendmessage", "data": "hi"}'
    assert handler(message_event(ALICE, "sendmessage", body), None) == {"statusCode": 200}
    assert callbacks.received() == {ALICE: body.encode(), BOB: body.encode(), GHOST: body.encode()}
    assert {prefix for prefix, _, _ in callbacks.posts} == {"/prod"}
    assert stored_ids(table) == {ALICE, BOB}  # the stale connection was removed on 410


def test_generated_two_way_route_replies_in_the_body(
    fresh: dict[str, Path],
    lambda_env: dict[str, str],
    callbacks: CallbackStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = _spec(fresh["chat"] / "chat.yaml")
    create_table(spec)
    handler = entry(spec, load(spec, "send_message", monkeypatch), "send_message")
    reply = handler(message_event(ALICE, "$default", "not json at all"), None)
    assert reply == {"statusCode": 200, "body": "not json at all"}
    assert callbacks.posts == []


# ----------------------------------------------------------------------------- chat (committed logic)
CHAT = ROOT / "samples" / "chat.yaml"


def test_chat_round_trip(
    lambda_env: dict[str, str], callbacks: CallbackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec(CHAT)
    table = create_table(spec)
    connect = entry(spec, load(spec, "on_connect", monkeypatch), "on_connect")
    disconnect = entry(spec, load(spec, "on_disconnect", monkeypatch), "on_disconnect")
    send = entry(spec, load(spec, "send_message", monkeypatch), "send_message")

    for cid in (ALICE, BOB, GHOST):
        assert connect(connect_event(cid), None)["statusCode"] == 200
    assert stored_ids(table) == {ALICE, BOB, GHOST}
    callbacks.gone.add(GHOST)  # left without a $disconnect

    result = send(
        message_event(ALICE, "sendmessage", '{"action": "sendmessage", "data": "hello"}'), None
    )
    assert result == {"statusCode": 200}
    assert callbacks.received() == {ALICE: b"hello", BOB: b"hello", GHOST: b"hello"}
    assert stored_ids(table) == {ALICE, BOB}

    hint = send(message_event(BOB, "$default", "hi?"), None)
    assert hint["statusCode"] == 200 and '"action": "sendmessage"' in hint["body"]

    assert disconnect(disconnect_event(BOB), None) == {"statusCode": 200}
    assert stored_ids(table) == {ALICE}


def test_chat_broadcasts_non_string_data_as_json(
    lambda_env: dict[str, str], callbacks: CallbackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec(CHAT)
    create_table(spec).put_item(Item={"connectionId": BOB})
    send = entry(spec, load(spec, "send_message", monkeypatch), "send_message")
    send(message_event(ALICE, "sendmessage", '{"action": "sendmessage", "data": {"n": 1}}'), None)
    assert callbacks.received() == {BOB: b'{"n": 1}'}


@pytest.mark.parametrize(
    ("override", "domain", "expected"),
    [
        (True, DOMAIN, "OVERRIDE"),
        (False, DOMAIN, f"https://{DOMAIN}/prod"),
        (False, "ws.example.com", f"https://{API_ID}.execute-api.eu-west-1.amazonaws.com/prod"),
    ],
)
def test_callback_endpoint(
    override: bool,
    domain: str,
    expected: str,
    lambda_env: dict[str, str],
    callbacks: CallbackStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = _spec(CHAT)
    module = load(spec, "send_message", monkeypatch)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    if not override:
        monkeypatch.delenv("WSSPEC_CALLBACK_URL")
    ctx = request_context("sendmessage", "MESSAGE", ALICE, domainName=domain)
    assert module.callback_endpoint(ctx) == (callbacks.url if override else expected)


# ----------------------------------------------------------------------------- other samples
def test_ingest_replies_through_connections_without_a_table(
    lambda_env: dict[str, str], callbacks: CallbackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec(ROOT / "samples" / "multi-stage.yaml")
    handle = entry(spec, load(spec, "ingest", monkeypatch), "ingest")
    assert handle(connect_event(ALICE), None) == {"statusCode": 200}
    assert callbacks.posts == []  # never post to a connection inside its own $connect
    assert handle(message_event(ALICE, "telemetry", '{"t": 21.5}'), None) == {"statusCode": 200}
    callbacks.gone.add(BOB)
    assert handle(message_event(BOB, "$default", "x"), None) == {"statusCode": 200}
    assert callbacks.posts == [("/prod", ALICE, b'{"t": 21.5}'), ("/prod", BOB, b"x")]


def test_custom_integration_returns_a_reply_matching_the_response_model(
    fresh: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    for root in (fresh["models-mock"], ROOT / "samples"):
        spec = _spec(root / "models-mock.yaml")
        handler = entry(spec, load(spec, "quote", monkeypatch), "quote")
        reply = handler({"service": "quotes", "action": "get", "symbol": "AMZN"}, None)
        response_model = next(m for m in spec.models if m.name == "QuoteResponse")
        jsonschema.validate(reply, plain(response_model.schema))


def test_authorizer_fails_closed_until_implemented(
    fresh: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec(fresh["auth-http"] / "auth-http.yaml")
    authorize = entry(spec, load(spec, "authorize", monkeypatch), "authorize")
    with pytest.raises(Exception, match="^Unauthorized$"):
        authorize(authorizer_event(query={"token": "t0k3n"}), None)


def test_authorizer_allows_exactly_this_connect_arn(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec(ROOT / "samples" / "auth-http.yaml")
    module = load(spec, "authorize", monkeypatch)
    seen: list[str] = []
    monkeypatch.setattr(module, "verify", lambda token: seen.append(token) or "user-42")
    event = authorizer_event(query={"token": "t0k3n"})
    result = module.handler(event, None)
    assert seen == ["t0k3n"]  # the configured identity source: route.request.querystring.token
    assert result["principalId"] == "user-42"
    [statement] = result["policyDocument"]["Statement"]
    assert statement == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": event["methodArn"],
    }
    assert statement["Resource"].endswith(f"{API_ID}/live/$connect")
    assert all(not isinstance(v, (dict, list)) for v in result["context"].values())


# python-edge.yaml keeps python3.9 and python3.10 functions (the typing_extensions fallback of
# stubs before Python 3.11): Lambda took new functions with them until 2026-06-01.
EDGE_DAY = "2026-05-01"


def test_authorizer_reads_headers_case_insensitively(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WSSPEC_TODAY", EDGE_DAY)
    shutil.copy(ROOT / "tests" / "data_stubs" / "python-edge.yaml", tmp_path)
    assert (
        CliRunner()
        .invoke(app, ["build", str(tmp_path / "python-edge.yaml"), "--target", "stubs"])
        .exit_code
        == 0
    )
    spec = _spec(tmp_path / "python-edge.yaml")
    module = load(spec, "hdr", monkeypatch)
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(
        module,
        "verify",
        lambda authorization, identity_sourceip: (
            seen.append((authorization, identity_sourceip)) or "u"
        ),
    )
    module.handler(authorizer_event(headers={"authorization": "Bearer abc"}), None)
    # context.identity.sourceIp is nested in requestContext, not a key with a dot in it.
    assert seen == [("Bearer abc", "203.0.113.7")]


def test_orders_connect_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec(ROOT / "samples" / "auth-http.yaml")
    handler = entry(spec, load(spec, "on_connect", monkeypatch), "on_connect")
    event = connect_event(ALICE, query={"token": "t0k3n"})
    event["requestContext"]["authorizer"] = {"principalId": "user-42"}
    assert handler(event, None) == {"statusCode": 200}


def test_every_generated_python_stub_answers_each_of_its_routes(
    fresh: dict[str, Path],
    lambda_env: dict[str, str],
    callbacks: CallbackStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    called = 0
    for name, project in fresh.items():
        spec = _spec(project / f"{name}.yaml")
        if spec.connections is not None:
            create_table(spec)
        for fn in spec.functions:
            if fn.authorizers:
                continue
            handler = entry(spec, load(spec, fn.name, monkeypatch), fn.name)
            for key in fn.routes:
                integ = spec.route_integration(spec.route(key))
                if not integ.proxy:
                    continue  # covered by the custom-integration test
                if key == "$connect":
                    event = connect_event(ALICE)
                elif key == "$disconnect":
                    event = disconnect_event(ALICE)
                else:
                    event = message_event(ALICE, key, json.dumps({"action": key, "data": "x"}))
                result = handler(event, None)
                assert 200 <= result["statusCode"] < 300, (name, fn.name, key)
                called += 1
    assert called == 8  # chat 4, auth-http 1, multi-stage 3


# ----------------------------------------------------------------------------- runs without dev extras
def test_stubs_import_without_boto3_stubs_or_typing_extensions(
    fresh: dict[str, Path], aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WSSPEC_TODAY", EDGE_DAY)
    blocker = (
        "import sys, runpy\n"
        "for m in ('mypy_boto3_dynamodb', 'mypy_boto3_apigatewaymanagementapi',"
        " 'typing_extensions', 'boto3-stubs'):\n"
        "    sys.modules[m] = None\n"
        "for path in sys.argv[1:]:\n"
        "    runpy.run_path(path)\n"
    )
    edge = fresh["chat"].parent / "edge-import"
    edge.mkdir(exist_ok=True)
    shutil.copy(ROOT / "tests" / "data_stubs" / "python-edge.yaml", edge)
    built = CliRunner().invoke(app, ["build", str(edge / "python-edge.yaml"), "--target", "stubs"])
    assert built.exit_code == 0, built.output
    paths = [
        str(p) for root in (fresh["chat"], fresh["multi-stage"], edge) for p in root.rglob("*.py")
    ]
    env = {
        **os.environ,
        **aws_env,
        "CONNECTIONS_TABLE": "t",
        "CONNECTIONS_TTL_SECONDS": "60",
        "CONNECTIONS_TTL_ATTRIBUTE": "ttl",
    }
    proc = subprocess.run(
        [sys.executable, "-c", blocker, *paths],
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(paths) >= 8
