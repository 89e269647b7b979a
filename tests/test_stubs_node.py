"""Generated Node.js stubs, run by node with the real AWS SDK v3.

The SDK packages the stubs import are installed once with npm into a cache directory reused
across runs; without node, npm or the install, these tests skip with the reason printed. Each
handler is loaded by a small driver (tests/node_driver/: ``import`` for ``.mjs``, ``require``
for ``.js``) and called with the events of tests/test_stubs_behaviour.py in one process, like
a warm Lambda container. The connection table lives in the moto server (the SDK reads
``AWS_ENDPOINT_URL_DYNAMODB``); every other AWS endpoint points at a closed local port, so a
stub that reached for anything else would fail here rather than talk to AWS. ``@connections``
goes to the stand-in of test_stubs_behaviour.py (200, or 410 ``GoneException``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from tests.servers import FAKE_AWS_ENV, MotoServer, free_port
from tests.test_stubs_behaviour import (
    ALICE,
    API_ID,
    BOB,
    GHOST,
    CallbackStandIn,
    authorizer_event,
    connect_event,
    create_table,
    disconnect_event,
    message_event,
    stored_ids,
)
from wsspec import derive
from wsspec.cli import app
from wsspec.model import Spec, plain
from wsspec.validate import validate_file

pytestmark = pytest.mark.slow

# Pinned so a cached install and a fresh one run the same code (and later SDK releases may
# drop the Node versions the stubs target).
SDK_VERSION = "3.1169.0"
SDK_PACKAGES = (
    "@aws-sdk/client-apigatewaymanagementapi",
    "@aws-sdk/client-dynamodb",
    "@aws-sdk/lib-dynamodb",
)
SDK_CACHE = Path.home() / ".cache" / "wsspec-test-npm-sdk"
DRIVERS = ROOT / "tests" / "node_driver"
NODE_CHAT = ROOT / "tests" / "data_stubs" / "node-chat.yaml"


# ----------------------------------------------------------------------------- the SDK, installed once
def _installed(cache: Path) -> bool:
    for package in SDK_PACKAGES:
        manifest = cache / "node_modules" / package / "package.json"
        if not manifest.is_file() or json.loads(manifest.read_text()).get("version") != SDK_VERSION:
            return False
    return True


def _install_sdk(cache: Path) -> str | None:
    """None when the SDK is ready in ``cache``, else why it is not."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node/npm not found on PATH"
    if _installed(cache):
        return None
    cache.mkdir(parents=True, exist_ok=True)
    try:
        r = subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(cache),
                *(f"{p}@{SDK_VERSION}" for p in SDK_PACKAGES),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        return "`npm install` of the AWS SDK timed out"
    if r.returncode != 0 or not _installed(cache):
        return f"`npm install` of the AWS SDK failed: {(r.stderr or r.stdout).strip()[-300:]}"
    return None


@pytest.fixture(scope="session")
def node_sdk() -> Path:
    reason = _install_sdk(SDK_CACHE)
    if reason is not None:
        print(f"SKIP Node stub tests: {reason}")
        pytest.skip(reason)
    return SDK_CACHE / "node_modules"


def _project(root: Path, spec_file: Path, node_modules: Path) -> Spec:
    result = CliRunner().invoke(app, ["build", str(spec_file), "--target", "stubs"])
    assert result.exit_code == 0, result.output
    (root / "node_modules").symlink_to(node_modules, target_is_directory=True)
    spec = validate_file(str(spec_file)).spec
    assert spec is not None
    return spec


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory, node_sdk: Path) -> Spec:
    """Fresh stubs for tests/data_stubs/node-chat.yaml, with the SDK resolvable."""
    root = tmp_path_factory.mktemp("node-chat")
    return _project(root, Path(shutil.copy(NODE_CHAT, root)), node_sdk)


# ----------------------------------------------------------------------------- running a handler
@pytest.fixture()
def callbacks() -> Iterator[CallbackStandIn]:
    stand_in = CallbackStandIn()
    stand_in.thread.start()
    try:
        yield stand_in
    finally:
        stand_in.server.shutdown()
        stand_in.server.server_close()


@pytest.fixture()
def lambda_env(
    aws_env: dict[str, str],
    moto: MotoServer,
    callbacks: CallbackStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    moto.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens
    monkeypatch.setenv("WSSPEC_CALLBACK_URL", callbacks.url)
    return aws_env


class Run:
    """What one node process did: a result or an error per event, and the handler's stdout."""

    def __init__(self, results: list[dict[str, Any]], stdout: str) -> None:
        self.results = results
        self.stdout = stdout

    @property
    def returned(self) -> list[Any]:
        """Each invocation's return value; fails on the first invocation that threw."""
        for r in self.results:
            assert "error" not in r, f"handler threw {r['error']}\nstdout:\n{self.stdout}"
        return [r["result"] for r in self.results]


def invoke(
    spec: Spec,
    fn_name: str,
    events: list[dict[str, Any]],
    *,
    handler: Path | None = None,
    entry: str | None = None,
    esm: bool | None = None,
    node_args: tuple[str, ...] = (),
) -> Run:
    """Call a function's handler with ``events`` under node, with the environment wsspec gives it.

    ``esm``: load it with ``import`` (True) or ``require`` (False); by default by extension.
    """
    fn = spec.function(fn_name)
    path = handler or Path(spec.project_dir) / fn.handler_path
    if esm is None:
        esm = path.suffix == ".mjs"
    driver = DRIVERS / ("driver.mjs" if esm else "driver.cjs")
    stamp = time.time_ns()
    events_file, results_file = (
        Path(spec.project_dir) / f".{kind}-{stamp}.json" for kind in ("events", "results")
    )
    events_file.write_text(json.dumps(events))
    env = {**os.environ, **derive.environment(spec, fn_name)}
    # Fake credentials always; without lambda_env, every AWS endpoint is a closed local port.
    env.update({k: v for k, v in FAKE_AWS_ENV.items() if "REGION" not in k})
    env.pop("AWS_PROFILE", None)
    env.setdefault("AWS_REGION", FAKE_AWS_ENV["AWS_REGION"])
    env.setdefault("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    proc = subprocess.run(
        [
            "node",
            *node_args,
            str(driver),
            str(path),
            entry or fn.entry,
            str(events_file),
            str(results_file),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"{path.name}: node exited {proc.returncode}\n{proc.stderr}"
    return Run(json.loads(results_file.read_text()), proc.stdout)


def authorized(event: dict[str, Any], principal: str = "user-42") -> dict[str, Any]:
    """The event as API Gateway sends it once the Lambda authorizer has allowed the connection."""
    event["requestContext"]["authorizer"] = {"principalId": principal}
    return event


# ----------------------------------------------------------------------------- node-chat
def test_connect_stores_the_connection_with_ttl(chat: Spec, lambda_env: dict[str, str]) -> None:
    table = create_table(chat)
    event = authorized(connect_event(ALICE, query={"room": "lobby"}))
    before = int(time.time())
    assert invoke(chat, "connect", [event]).returned == [{"statusCode": 200}]
    item = table.get_item(Key={"connectionId": ALICE})["Item"]
    assert item["connectedAt"] == event["requestContext"]["connectedAt"]
    assert item["principalId"] == "user-42"
    assert before + 600 <= item["ttl"] <= int(time.time()) + 600  # connections.ttl_seconds


def test_disconnect_deletes_the_connection(chat: Spec, lambda_env: dict[str, str]) -> None:
    table = create_table(chat)
    table.put_item(Item={"connectionId": ALICE})
    table.put_item(Item={"connectionId": BOB})
    run = invoke(chat, "disconnect", [authorized(disconnect_event(ALICE))])  # CommonJS
    assert run.returned == [{"statusCode": 200}]
    assert stored_ids(table) == {BOB}


def test_send_broadcasts_and_forgets_gone_connections(
    chat: Spec, lambda_env: dict[str, str], callbacks: CallbackStandIn
) -> None:
    table = create_table(chat)
    for cid in (ALICE, BOB, GHOST):
        table.put_item(Item={"connectionId": cid})
    callbacks.gone.add(GHOST)
    body = '{"action": "sendmessage", "text": "h\u00e9, \u4f60\u597d"}'  # not ASCII: sent as UTF-8
    run = invoke(chat, "chat", [authorized(message_event(ALICE, "sendmessage", body))])
    assert run.returned == [{"statusCode": 200}]
    assert callbacks.received() == {ALICE: body.encode(), BOB: body.encode(), GHOST: body.encode()}
    assert {prefix for prefix, _, _ in callbacks.posts} == {"/prod"}
    assert stored_ids(table) == {ALICE, BOB}  # the stale connection was removed on 410


def test_two_way_route_replies_in_the_body(
    chat: Spec, lambda_env: dict[str, str], callbacks: CallbackStandIn
) -> None:
    create_table(chat)
    run = invoke(chat, "chat", [authorized(message_event(BOB, "$default", "not json at all"))])
    assert run.returned == [{"statusCode": 200, "body": "not json at all"}]
    assert callbacks.posts == []


def test_a_warm_handler_serves_a_whole_conversation(
    chat: Spec, lambda_env: dict[str, str], callbacks: CallbackStandIn
) -> None:
    table = create_table(chat)
    invoke(chat, "connect", [authorized(connect_event(cid)) for cid in (ALICE, BOB)])
    assert stored_ids(table) == {ALICE, BOB}
    run = invoke(
        chat,
        "chat",
        [
            authorized(message_event(ALICE, "sendmessage", "one")),
            authorized(message_event(ALICE, "$default", "two")),
            authorized(message_event(BOB, "sendmessage", "three")),
        ],
    )
    assert run.returned == [
        {"statusCode": 200},
        {"statusCode": 200, "body": "two"},
        {"statusCode": 200},
    ]
    assert sorted((cid, body) for _, cid, body in callbacks.posts) == [
        (ALICE, b"one"),
        (ALICE, b"three"),
        (BOB, b"one"),
        (BOB, b"three"),
    ]
    invoke(chat, "disconnect", [authorized(disconnect_event(cid)) for cid in (ALICE, BOB)])
    assert stored_ids(table) == set()


def test_custom_integration_returns_a_reply_matching_the_response_model(chat: Spec) -> None:
    run = invoke(chat, "join", [{"action": "join", "room": "lobby", "mode": "read"}])  # CommonJS
    [reply] = run.returned
    joined = next(m for m in chat.models if m.name == "Joined")
    jsonschema.validate(reply, plain(joined.schema))


def test_authorizer_fails_closed_until_implemented(chat: Spec) -> None:
    event = authorizer_event(headers={"Authorization": "Bearer abc"}, query={"room": "lobby"})
    event["stageVariables"] = {"audience": "chat"}
    [outcome] = invoke(chat, "gate", [event]).results
    # Lambda reports a thrown Error by its message; exactly "Unauthorized" makes API Gateway
    # answer 401.
    assert outcome == {"error": {"name": "Error", "message": "Unauthorized"}}


def test_authorizer_allows_exactly_this_connect_arn(chat: Spec) -> None:
    stub = Path(chat.project_dir) / chat.function("gate").handler_path
    # What a user does next: implement verify(). This one names the identity it was given.
    implemented = stub.with_name("gate_implemented.mjs")
    source, n = re.subn(
        r"(async function verify\(([^)]*)\) \{\n)  return null;",
        r"\1  return JSON.stringify([\2]);",
        stub.read_text(),
    )
    assert n == 1
    implemented.write_text(source)
    events = [
        authorizer_event(headers={"Authorization": "Bearer abc"}, query={"room": "lobby"}),
        authorizer_event(headers={"AUTHORIZATION": "Bearer xyz"}, query={"room": "attic"}),
    ]
    events[0]["stageVariables"] = {"audience": "chat"}
    events[1]["stageVariables"] = {"audience": "ops"}
    events[1]["methodArn"] = f"arn:aws:execute-api:eu-west-1:210987654321:{API_ID}/dev/$connect"
    results = invoke(chat, "gate", events, handler=implemented).returned
    # The configured identity sources, in order: header Authorization, query room, stage
    # variable, and the nested context variable identity.sourceIp.
    assert [json.loads(r["principalId"]) for r in results] == [
        ["Bearer abc", "lobby", "chat", "203.0.113.7"],
        ["Bearer xyz", "attic", "ops", "203.0.113.7"],
    ]
    for event, result in zip(events, results):
        [statement] = result["policyDocument"]["Statement"]
        assert statement == {
            "Action": "execute-api:Invoke",
            "Effect": "Allow",
            "Resource": event["methodArn"],
        }
        assert result["policyDocument"]["Version"] == "2012-10-17"
        assert all(not isinstance(v, (dict, list)) for v in result["context"].values())


# ----------------------------------------------------------------------------- the callback endpoint
@pytest.mark.parametrize(
    ("override", "domain", "expected"),
    [
        (True, "abc123defg.execute-api.us-east-1.amazonaws.com", "OVERRIDE"),
        (
            False,
            "abc123defg.execute-api.us-east-1.amazonaws.com",
            "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod",
        ),
        (False, "ws.example.com", f"https://{API_ID}.execute-api.eu-west-1.amazonaws.com/prod"),
    ],
)
def test_callback_endpoint(
    chat: Spec,
    override: bool,
    domain: str,
    expected: str,
    lambda_env: dict[str, str],
    callbacks: CallbackStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stub = Path(chat.project_dir) / chat.function("chat").handler_path
    probe = stub.with_name(f"chat_probe_{override}_{domain}.mjs")
    probe.write_text(stub.read_text() + "\nexport { callbackEndpoint };\n")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    if not override:
        monkeypatch.delenv("WSSPEC_CALLBACK_URL")
    ctx = message_event(ALICE, "sendmessage", "x")["requestContext"] | {"domainName": domain}
    [endpoint] = invoke(chat, "chat", [ctx], handler=probe, entry="callbackEndpoint").returned
    assert endpoint == (callbacks.url if override else expected)


# ----------------------------------------------------------------------------- every spec, in Node
def _as_node(spec_file: Path) -> str:
    """The spec's text with every Python handler turned into Node (ESM and CommonJS by turns)."""
    count = iter(range(1000))
    text = re.sub(
        r"(handler: *\S+)\.py\b",
        lambda m: m[1] + (".mjs" if next(count) % 2 == 0 else ".js"),
        spec_file.read_text(),
    )
    return re.sub(r"runtime: *python3\.\d+", "runtime: nodejs22.x", text)


NODE_SPECS = [
    ROOT / "samples" / f"{name}.yaml"
    for name in ("chat", "auth-http", "models-mock", "multi-stage", "monitoring")
]
NODE_SPECS += [
    ROOT / "tests" / "data_stubs" / f"{name}.yaml"
    for name in ("python-edge", "node-chat", "node-models")
]


@pytest.fixture(scope="module")
def node_specs(tmp_path_factory: pytest.TempPathFactory, node_sdk: Path) -> dict[str, Spec]:
    """Every sample and test spec with Node handlers (and fresh stubs for them)."""
    out = {}
    for src in NODE_SPECS:
        root = tmp_path_factory.mktemp(f"node-{src.stem}")
        spec_file = root / src.name
        spec_file.write_text(_as_node(src))
        spec = out[src.stem] = _project(root, spec_file, node_sdk)
        assert all(fn.runtime.startswith("nodejs") for fn in spec.functions if fn.handler_path)
    return out


# A body valid for the route's request model (API Gateway validates before invoking).
MODEL_BODIES: dict[str, dict[str, Any]] = {
    "QuoteRequest": {"service": "quotes", "action": "get", "symbol": "AMZN"},
    "Event": {"kind": 'b"', "content-type": "text/plain", "items": [{"id": 1}]},
    "Join": {"action": "join", "room": "lobby", "tags": ["a"], "meta": {"since": 1}},
    "Post": {"action": "post", "text": "h\u00e9llo"},
}


def _model_schema(spec: Spec, models: Any) -> dict[str, Any] | None:
    name = models.get("$default")
    return next((plain(m.schema) for m in spec.models if m.name == name), None)


def _body(spec: Spec, key: str) -> dict[str, Any]:
    route = spec.route(key)
    schema = _model_schema(spec, route.request_models)
    if schema is None:
        return {"action": key, "data": "x"}
    body = MODEL_BODIES[route.request_models["$default"]]
    jsonschema.validate(body, schema)
    return body


def _event_for(key: str, body: dict[str, Any]) -> dict[str, Any]:
    if key == "$connect":
        return connect_event(ALICE)
    if key == "$disconnect":
        return disconnect_event(ALICE)
    return message_event(ALICE, key, json.dumps(body))


def test_every_node_stub_answers_each_of_its_routes(
    node_specs: dict[str, Spec], lambda_env: dict[str, str], callbacks: CallbackStandIn
) -> None:
    called = 0
    for name, spec in node_specs.items():
        if spec.connections is not None:
            create_table(spec)
        authorized_connect = spec.route("$connect").authorizer is not None
        for fn in spec.functions:
            if fn.authorizers or not fn.routes:
                continue
            for key in fn.routes:
                route = spec.route(key)
                proxy = spec.route_integration(route).proxy
                body = _body(spec, key)
                # A custom (non-proxy) integration's event is the message body itself.
                event = _event_for(key, body) if proxy else body
                if proxy and authorized_connect:
                    event = authorized(event)
                [result] = invoke(spec, fn.name, [event]).returned
                reply = result
                if proxy:
                    assert 200 <= result["statusCode"] < 300, (name, fn.name, key)
                    reply = json.loads(result["body"]) if "body" in result else None
                schema = _model_schema(spec, route.response_models)
                if schema is not None:
                    jsonschema.validate(reply, schema)
                called += 1
    # chat 4, auth-http 1, multi-stage 3, monitoring 4, python-edge 3, models-mock 1,
    # node-chat 5, node-models 5
    assert called == 26


def test_modelled_bodies_are_parsed_and_forwarded(
    node_specs: dict[str, Spec], lambda_env: dict[str, str], callbacks: CallbackStandIn
) -> None:
    spec = node_specs["node-models"]
    table = create_table(spec)
    assert invoke(spec, "enter", [connect_event(BOB)]).returned == [{"statusCode": 200}]
    assert stored_ids(table) == {BOB} and callbacks.posts == []  # nothing posted during $connect
    body = '{"text": "h\u00e9llo",   "action": "post"}'
    message = json.loads(body)
    assert invoke(spec, "relay", [message_event(ALICE, "post", body)]).returned == [
        {"statusCode": 200}
    ]
    assert [(cid, json.loads(data)) for _, cid, data in callbacks.posts] == [(BOB, message)]
    run = invoke(spec, "logger", [message_event(ALICE, "log", body)])
    assert run.returned == [{"statusCode": 200}]
    assert json.loads(run.stdout) == {"route": "log", "connectionId": ALICE, "body": message}
    [reply] = invoke(spec, "echoer", [message_event(ALICE, "echo", body)]).returned
    assert json.loads(reply["body"]) == message
