"""`wsspec serve`: behaviour driven through real clients (websockets, boto3, wscat)."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.test_serve_support import ECHO, RECORDER, Running, make_project, management, wait_until
from wsspec.serve.selection import MISSING

ROOT = Path(__file__).resolve().parent.parent
FRAME_RE = (
    r'\{"message": "%s", "connectionId":"[A-Za-z0-9_=-]{16}", "requestId":"[A-Za-z0-9_=-]{16}"\}'
)

BASIC = """
wsspec: 1
api: {name: basic}
routes:
  $connect: {function: recorder}
  $disconnect: {function: recorder}
  echo: {function: echo, response: true}
  sendMessage: {function: echo, response: true}
  quiet: {function: recorder}
  boom: {function: boom, response: true}
  slow: {integration: {type: lambda, function: slow, timeout_ms: 1000}, response: true}
functions:
  recorder: {handler: handlers/recorder.py}
  echo: {handler: handlers/echo.py}
  boom: {handler: handlers/boom.py}
  slow: {handler: handlers/slow.py}
"""

BOOM = """
def handler(event, context):
    raise RuntimeError("kaput")
"""

SLOW = """
import time

def handler(event, context):
    time.sleep(5)
    return {"statusCode": 200, "body": "late"}
"""


@pytest.fixture()
def basic(tmp_path: Path):
    path = make_project(
        tmp_path,
        BASIC,
        {"recorder.py": RECORDER, "echo.py": ECHO, "boom.py": BOOM, "slow.py": SLOW},
    )
    # Only the `slow` route has a short (1 s) integration timeout; the other routes keep
    # AWS's 29 s default so a loaded machine cannot turn their replies into timeouts.
    with Running(path) as srv:
        yield srv


def recv(ws, timeout: float = 10.0) -> str:
    return ws.recv(timeout=timeout)


def assert_silent(ws, timeout: float = 0.7) -> None:
    with pytest.raises(TimeoutError):
        ws.recv(timeout=timeout)


# ------------------------------------------------------------------------------- routing
def test_two_way_route_returns_the_handler_body(basic: Running) -> None:
    with connect(basic.url) as ws:
        ws.send('{"action": "echo", "n": 1}')
        assert recv(ws) == '{"action": "echo", "n": 1}'


def test_route_match_is_exact_and_case_sensitive(basic: Running) -> None:
    with connect(basic.url) as ws:
        ws.send('{"action": "sendMessage"}')
        assert recv(ws) == '{"action": "sendMessage"}'
        ws.send('{"action": "sendmessage"}')  # no such route, no $default
        assert re.fullmatch(FRAME_RE % "Forbidden", recv(ws))


def test_unmatched_message_without_default_gets_forbidden_frame_and_stays_open(
    basic: Running,
) -> None:
    with connect(basic.url) as ws:
        ws.send("not json at all")
        frame = recv(ws)
        assert re.fullmatch(FRAME_RE % "Forbidden", frame), frame
        ws.send('{"action": "echo"}')
        assert recv(ws) == '{"action": "echo"}'


def test_one_way_route_sends_nothing(basic: Running) -> None:
    with connect(basic.url) as ws:
        ws.send('{"action": "quiet"}')
        assert_silent(ws)
    assert wait_until(lambda: basic.events_of("MESSAGE"))


def test_handler_exception_sends_internal_server_error_frame(basic: Running) -> None:
    with connect(basic.url) as ws:
        ws.send('{"action": "boom"}')
        assert re.fullmatch(FRAME_RE % "Internal server error", recv(ws))
        ws.send('{"action": "echo"}')  # the connection stays open
        assert recv(ws) == '{"action": "echo"}'
    assert any("RuntimeError: kaput" in line for line in basic.lines)


def test_an_internal_error_while_routing_is_logged_and_the_connection_stays_open(
    basic: Running,
) -> None:
    """Messages are routed synchronously inside the socket's read callback: a bug there must be
    one log line, not a dropped connection."""
    router = basic.gw.router
    original = router.select

    def broken(body: object) -> object:
        if body is MISSING:  # "trip" is not JSON
            raise KeyError("wired wrong")
        return original(body)

    router.select = broken
    try:
        with connect(basic.url) as ws:
            ws.send("trip")
            ws.send('{"action": "echo"}')
            assert recv(ws) == '{"action": "echo"}'
    finally:
        del router.select
    assert "internal error: KeyError: 'wired wrong'" in basic.lines


def test_integration_timeout_sends_endpoint_request_timed_out(basic: Running) -> None:
    with connect(basic.url) as ws:
        ws.send('{"action": "slow"}')
        assert re.fullmatch(FRAME_RE % "Endpoint request timed out", recv(ws))
        ws.send('{"action": "echo"}')
        assert recv(ws) == '{"action": "echo"}'


def test_default_route_catches_non_json_and_unmatched(tmp_path: Path) -> None:
    spec = """
    wsspec: 1
    api: {name: dflt}
    routes:
      $default: {function: echo, response: true}
      known: {function: tag, response: true}
    functions:
      echo: {handler: handlers/echo.py}
      tag: {handler: handlers/tag.py}
    """
    tag = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'tag:' + event['requestContext']['routeKey']}\n"
    with Running(make_project(tmp_path, spec, {"echo.py": ECHO, "tag.py": tag})) as srv:
        with connect(srv.url) as ws:
            ws.send("plain text")
            assert recv(ws) == "plain text"
            ws.send('["not", "an", "object"]')
            assert recv(ws) == '["not", "an", "object"]'
            ws.send('{"action": "known"}')
            assert recv(ws) == "tag:known"


def test_route_selection_with_mixed_expression(tmp_path: Path) -> None:
    spec = """
    wsspec: 1
    api: {name: mixed, route_selection: "${request.body.service}/${request.body.action}"}
    routes:
      chat/join: {function: echo, response: true}
    functions:
      echo: {handler: handlers/echo.py}
    """
    with Running(make_project(tmp_path, spec, {"echo.py": ECHO})) as srv:
        with connect(srv.url) as ws:
            ws.send('{"service": "chat", "action": "join", "data": {"room": "r1"}}')
            assert json.loads(recv(ws))["data"] == {"room": "r1"}
            ws.send('{"service": "chat", "action": "leave"}')
            assert re.fullmatch(FRAME_RE % "Forbidden", recv(ws))


def test_request_model_validation_sends_bad_request_body(tmp_path: Path) -> None:
    spec = """
    wsspec: 1
    api: {name: models}
    models:
      Join:
        schema:
          $schema: http://json-schema.org/draft-04/schema#
          type: object
          required: [action, room]
          properties: {room: {type: string, pattern: "^[a-z]+$"}}
    routes:
      join:
        function: echo
        response: true
        request_models: {$default: Join}
        model_selection: $default
    functions:
      echo: {handler: handlers/echo.py}
    """
    with Running(make_project(tmp_path, spec, {"echo.py": ECHO})) as srv:
        with connect(srv.url) as ws:
            ws.send('{"action": "join", "room": "ABC"}')
            frame = recv(ws)
            assert re.fullmatch(
                r'\{"message" : "Bad request body", "connectionId": "[A-Za-z0-9_=-]{16}", '
                r'"messageId": "[A-Za-z0-9_=-]{16}"\}',
                frame,
            ), frame
            ws.send('{"action": "join", "room": "abc"}')
            assert json.loads(recv(ws)) == {"action": "join", "room": "abc"}


# ------------------------------------------------------------------------------- frames
def test_binary_frame_closes_1003(basic: Running) -> None:
    with connect(basic.url) as ws:
        ws.send(b"\x00\x01")
        with pytest.raises(ConnectionClosed):
            recv(ws)
        assert ws.close_code == 1003
    ev = wait_until(lambda: basic.events_of("DISCONNECT"))
    assert ev[0]["requestContext"]["disconnectStatusCode"] == 1003


def test_frame_over_32kb_closes_1009(basic: Running) -> None:
    with connect(basic.url, max_size=None) as ws:
        ws.send('{"action": "echo", "pad": "%s"}' % ("x" * 33_000))
        with pytest.raises(ConnectionClosed):
            recv(ws)
        assert ws.close_code == 1009


def test_fragmented_message_under_128kb_is_accepted_and_over_128kb_closes_1009(
    basic: Running,
) -> None:
    body = '{"action": "echo", "pad": "%s"}' % ("y" * 90_000)
    with connect(basic.url, max_size=None) as ws:
        chunks = [body[i : i + 30_000] for i in range(0, len(body), 30_000)]
        ws.send(iter(chunks))  # fragmented: every frame under 32 KB
        assert recv(ws) == body  # echoed back (fragmented by the server into 32 KB frames)
        big = "z" * 30_000
        try:  # 150 KB in 30 KB frames: the server may close before the last one is sent
            ws.send(iter([big] * 5))
        except ConnectionClosed:
            pass
        else:
            with pytest.raises(ConnectionClosed):
                recv(ws)
        assert ws.close_code == 1009


# ------------------------------------------------------------------------------- events
def test_event_shapes_match_aws(basic: Running) -> None:
    with connect(
        basic.url + "?token=abc&x=1&x=2",
        user_agent_header="wsspec-test/1",
        additional_headers={"X-Custom": "yes"},
    ) as ws:
        ws.send('{"action": "quiet", "v": 1}')
        wait_until(lambda: basic.events_of("MESSAGE"))
        ws.close()
    wait_until(lambda: basic.events_of("DISCONNECT"))
    (c,), (m,), (d,) = (basic.events_of(t) for t in ("CONNECT", "MESSAGE", "DISCONNECT"))
    ids = re.compile(r"^[A-Za-z0-9_-]{15}=$")
    # CONNECT
    assert set(c) == {
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "requestContext",
        "isBase64Encoded",
    }
    assert c["headers"]["X-Custom"] == "yes" and "X-Amzn-Trace-Id" in c["headers"]
    assert not {"Connection", "Upgrade", "connection", "upgrade"} & set(c["headers"])
    assert c["queryStringParameters"] == {"token": "abc", "x": "2"}
    assert c["multiValueQueryStringParameters"]["x"] == ["1", "2"]
    rc = c["requestContext"]
    assert rc["routeKey"] == "$connect" and rc["eventType"] == "CONNECT" and "messageId" not in rc
    assert rc["requestId"] == rc["extendedRequestId"] and ids.match(rc["connectionId"])
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", rc["requestTime"])
    assert rc["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "wsspec-test/1"}
    # domainName (and the Host header) are what AWS would put there, not this server's address
    domain = f"{rc['apiId']}.execute-api.us-east-1.amazonaws.com"
    assert rc["domainName"] == domain and rc["stage"] == "prod"
    assert c["headers"]["Host"] == domain
    assert rc["messageDirection"] == "IN" and re.fullmatch(r"[a-z0-9]{10}", rc["apiId"])
    # MESSAGE: no headers, body as sent
    assert set(m) == {"requestContext", "body", "isBase64Encoded"}
    assert m["body"] == '{"action": "quiet", "v": 1}'
    mrc = m["requestContext"]
    assert (
        mrc["routeKey"] == "quiet" and ids.match(mrc["messageId"]) and ids.match(mrc["requestId"])
    )
    assert mrc["connectedAt"] == rc["connectedAt"] and mrc["connectionId"] == rc["connectionId"]
    assert mrc["requestId"] != rc["requestId"]
    # DISCONNECT
    assert d["headers"] == {
        "Host": domain,
        "x-api-key": "",
        "X-Forwarded-For": "",
        "x-restapi": "",
    }
    drc = d["requestContext"]
    assert (drc["disconnectStatusCode"], drc["disconnectReason"]) == (1000, "")
    assert drc["eventType"] == "DISCONNECT" and drc["connectedAt"] == rc["connectedAt"]


def test_connect_without_query_string_has_no_query_maps(basic: Running) -> None:
    with connect(basic.url):
        pass
    (c,) = wait_until(lambda: basic.events_of("CONNECT"))
    assert "queryStringParameters" not in c and "multiValueQueryStringParameters" not in c


def test_client_close_without_status_is_1005(basic: Running) -> None:
    ws = connect(basic.url)
    ws.protocol.send_frame(
        __import__("websockets").frames.Frame(__import__("websockets").frames.Opcode.CLOSE, b"")
    )
    ws.send_data = None  # type: ignore[assignment]
    try:
        ws.socket.sendall(ws.protocol.data_to_send()[0])
    finally:
        time.sleep(0.2)
        ws.socket.close()
    (d,) = wait_until(lambda: basic.events_of("DISCONNECT"))
    assert d["requestContext"]["disconnectStatusCode"] == 1005
    assert d["requestContext"]["disconnectReason"] == "Client-side close frame status not set"


# ------------------------------------------------------------------------------- handshake
CONNECT_STATUS = """
wsspec: 1
api: {name: hs}
routes:
  $connect: {function: gate}
  $default: {function: echo, response: true}
functions:
  gate: {handler: handlers/gate.py}
  echo: {handler: handlers/echo.py}
"""
GATE = """
def handler(event, context):
    q = event.get("queryStringParameters") or {}
    if q.get("mode") == "raise":
        raise ValueError("no")
    if q.get("mode") == "proto":
        return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "chat.v2"}}
    return {"statusCode": int(q.get("status", "200"))}
"""


def test_connect_status_is_returned_exception_is_502_and_subprotocol_relayed(
    tmp_path: Path,
) -> None:
    with Running(make_project(tmp_path, CONNECT_STATUS, {"gate.py": GATE, "echo.py": ECHO})) as srv:
        with pytest.raises(InvalidStatus) as e:
            connect(srv.url + "?status=401")
        assert e.value.response.status_code == 401
        with pytest.raises(InvalidStatus) as e:
            connect(srv.url + "?mode=raise")
        assert e.value.response.status_code == 502
        with connect(srv.url + "?mode=proto", subprotocols=["chat.v1", "chat.v2"]) as ws:
            assert ws.subprotocol == "chat.v2"
        with connect(srv.url + "?status=201") as ws:
            ws.send("hi")
            assert recv(ws) == "hi"


def test_no_connect_route_accepts_and_plain_http_gets_426(tmp_path: Path) -> None:
    import urllib.error
    import urllib.request

    spec = "wsspec: 1\napi: {name: open}\nroutes:\n  $default: {function: echo, response: true}\nfunctions:\n  echo: {handler: handlers/echo.py}\n"
    with Running(make_project(tmp_path, spec, {"echo.py": ECHO})) as srv:
        with connect(srv.url + "/") as ws:
            ws.send("x")
            assert recv(ws) == "x"
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(srv.callback, timeout=5)
        assert e.value.code == 426
        with pytest.raises(InvalidStatus) as e2:
            connect(srv.url.replace("/prod", "/nostage"))
        assert e2.value.response.status_code == 403


AUTH = """
wsspec: 1
api: {name: authed}
routes:
  $connect: {function: recorder, authorizer: tok}
  $disconnect: {function: recorder}
  $default: {function: recorder}
authorizers:
  tok: {function: auth, identity_source: [route.request.querystring.token]}
functions:
  auth: {handler: handlers/auth.py}
  recorder: {handler: handlers/recorder.py}
"""
AUTH_FN = """
import json, os

def handler(event, context):
    with open(os.environ["EVENTS_FILE"], "a") as f:
        f.write(json.dumps({"fn": "auth", "event": event}) + "\\n")
    token = event["queryStringParameters"]["token"]
    arn = event["methodArn"]
    if token == "unauthorized":
        raise Exception("Unauthorized")
    resource = {"allow": arn, "wild": arn.rsplit("/", 2)[0] + "/*",
                "rest": arn.rsplit("/", 1)[0] + "/*/*"}.get(token, arn)
    effect = "Deny" if token == "deny" else "Allow"
    return {"principalId": "user-" + token,
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
            "context": {"tier": "gold", "n": 3, "ok": True}}
"""


@pytest.fixture()
def authed(tmp_path: Path):
    path = make_project(tmp_path, AUTH, {"auth.py": AUTH_FN, "recorder.py": RECORDER})
    with Running(path) as srv:
        yield srv


def test_authorizer_allow_propagates_context_to_every_event(authed: Running) -> None:
    with connect(authed.url + "?token=allow") as ws:
        ws.send("hello")
        wait_until(lambda: authed.events_of("MESSAGE"))
    wait_until(lambda: authed.events_of("DISCONNECT"))
    auth_event = next(e["event"] for e in authed.events() if e["fn"] == "auth")
    assert auth_event["type"] == "REQUEST"
    assert auth_event["methodArn"].endswith(f":{authed.gw.api_id}/prod/$connect")
    assert auth_event["stageVariables"] == {} and auth_event["headers"]["Upgrade"] == "websocket"
    expected = {"principalId": "user-allow", "tier": "gold", "n": 3, "ok": True}
    for kind in ("CONNECT", "MESSAGE", "DISCONNECT"):
        (e,) = [
            x["event"]
            for x in authed.events()
            if x["fn"] != "auth" and x["event"]["requestContext"]["eventType"] == kind
        ]
        assert e["requestContext"]["authorizer"] == expected, kind


def test_authorizer_wildcard_resource_allows(authed: Running) -> None:
    with connect(authed.url + "?token=wild"):
        pass


def test_authorizer_deny_is_403(authed: Running) -> None:
    with pytest.raises(InvalidStatus) as e:
        connect(authed.url + "?token=deny")
    assert e.value.response.status_code == 403
    assert not authed.events_of("CONNECT") or all(x["fn"] == "auth" for x in authed.events())


def test_authorizer_rest_style_resource_does_not_match_connect_arn(authed: Running) -> None:
    with pytest.raises(InvalidStatus) as e:
        connect(authed.url + "?token=rest")  # .../prod/*/* needs two more segments -> 403
    assert e.value.response.status_code == 403


def test_authorizer_missing_identity_is_401_without_invoking(authed: Running) -> None:
    for suffix in ("", "?token=", "?other=1"):
        with pytest.raises(InvalidStatus) as e:
            connect(authed.url + suffix)
        assert e.value.response.status_code == 401
    assert authed.events() == []


def test_authorizer_unauthorized_error_is_401(authed: Running) -> None:
    with pytest.raises(InvalidStatus) as e:
        connect(authed.url + "?token=unauthorized")
    assert e.value.response.status_code == 401


# ------------------------------------------------------------------------------- @connections
def test_post_and_get_connection_through_boto3_on_both_paths(basic: Running) -> None:
    with connect(basic.url) as ws:
        (c,) = wait_until(lambda: basic.events_of("CONNECT"))
        cid = c["requestContext"]["connectionId"]
        for endpoint in (basic.callback, basic.callback.rsplit("/", 1)[0]):
            api = management(endpoint)
            api.post_to_connection(ConnectionId=cid, Data=b'{"from": "server"}')
            assert recv(ws) == '{"from": "server"}'
        info = api.get_connection(ConnectionId=cid)
        assert info["Identity"]["SourceIp"] == "127.0.0.1"
        assert info["ConnectedAt"].year >= 2024 and info["LastActiveAt"] >= info["ConnectedAt"]


def test_gone_exception_for_unknown_and_closed_connections(basic: Running) -> None:
    api = management(basic.callback)
    with pytest.raises(api.exceptions.GoneException):
        api.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x")
    with connect(basic.url):
        (c,) = wait_until(lambda: basic.events_of("CONNECT"))
    wait_until(lambda: basic.events_of("DISCONNECT"))
    with pytest.raises(api.exceptions.GoneException):
        api.get_connection(ConnectionId=c["requestContext"]["connectionId"])


def test_post_over_128kb_is_payload_too_large(basic: Running) -> None:
    api = management(basic.callback)
    with connect(basic.url):
        (c,) = wait_until(lambda: basic.events_of("CONNECT"))
        with pytest.raises(api.exceptions.PayloadTooLargeException):
            api.post_to_connection(
                ConnectionId=c["requestContext"]["connectionId"], Data=b"x" * (128 * 1024 + 1)
            )


def test_wrong_stage_on_connections_is_forbidden(basic: Running) -> None:
    api = management(basic.callback.rsplit("/", 1)[0] + "/other")
    with pytest.raises(api.exceptions.ForbiddenException):
        api.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x")


def test_delete_connection_closes_1000_and_fires_disconnect(basic: Running) -> None:
    api = management(basic.callback)
    with connect(basic.url) as ws:
        (c,) = wait_until(lambda: basic.events_of("CONNECT"))
        api.delete_connection(ConnectionId=c["requestContext"]["connectionId"])
        with pytest.raises(ConnectionClosed):
            recv(ws)
        assert ws.close_code == 1000
    (d,) = wait_until(lambda: basic.events_of("DISCONNECT"))
    assert (
        d["requestContext"]["disconnectStatusCode"],
        d["requestContext"]["disconnectReason"],
    ) == (1000, "Connection Closed Normally")


CALLBACK = """
wsspec: 1
api: {name: cb}
routes:
  $connect: {function: connect_fn}
  $default: {function: bounce}
functions:
  connect_fn: {handler: handlers/connect_fn.py}
  bounce: {handler: handlers/bounce.py, grants: [manage_connections]}
"""
CONNECT_FN = """
import os, boto3

def handler(event, context):
    api = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["WSSPEC_CALLBACK_URL"])
    try:
        api.post_to_connection(ConnectionId=event["requestContext"]["connectionId"], Data=b"early")
        return {"statusCode": 500}
    except api.exceptions.GoneException:
        return {"statusCode": 200}  # the connection is not open until $connect returns
"""
BOUNCE = """
import os, boto3

api = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["WSSPEC_CALLBACK_URL"])

def handler(event, context):
    cid = event["requestContext"]["connectionId"]
    api.post_to_connection(ConnectionId=cid, Data=("echo:" + event["body"]).encode())
    return {"statusCode": 200}
"""


def test_handler_calling_connections_on_the_same_server(tmp_path: Path) -> None:
    path = make_project(tmp_path, CALLBACK, {"connect_fn.py": CONNECT_FN, "bounce.py": BOUNCE})
    with Running(path) as srv:
        with connect(srv.url) as ws:  # $connect saw GoneException for its own connection
            for i in range(20):
                ws.send(f"m{i}")
            got = sorted(recv(ws) for _ in range(20))
            assert got == sorted(f"echo:m{i}" for i in range(20))


# ------------------------------------------------------------------------------- timers
def test_idle_timeout_closes_1001_going_away(tmp_path: Path) -> None:
    path = make_project(
        tmp_path,
        BASIC,
        {"recorder.py": RECORDER, "echo.py": ECHO, "boom.py": BOOM, "slow.py": SLOW},
    )
    with Running(path, idle_timeout=0.6) as srv:
        with connect(srv.url) as ws:
            for _ in range(3):  # inbound traffic keeps it open
                time.sleep(0.3)
                ws.send('{"action": "echo"}')
                recv(ws)
            with pytest.raises(ConnectionClosed):
                recv(ws, timeout=5)
            assert (ws.close_code, ws.close_reason) == (1001, "Going away")
        (d,) = wait_until(lambda: srv.events_of("DISCONNECT"))
        assert d["requestContext"]["disconnectStatusCode"] == 1001
        assert d["requestContext"]["disconnectReason"] == "Going away"


def test_max_lifetime_closes_even_a_busy_connection(tmp_path: Path) -> None:
    path = make_project(
        tmp_path,
        BASIC,
        {"recorder.py": RECORDER, "echo.py": ECHO, "boom.py": BOOM, "slow.py": SLOW},
    )
    with Running(path, max_lifetime=1.0) as srv, connect(srv.url) as ws:
        with pytest.raises(ConnectionClosed):
            for _ in range(100):
                ws.send('{"action": "echo"}')
                recv(ws)
                time.sleep(0.1)
        assert ws.close_code == 1001


# ------------------------------------------------------------------------------- functions
def test_hot_reload_picks_up_an_edited_handler(tmp_path: Path) -> None:
    spec = "wsspec: 1\napi: {name: hot}\nroutes:\n  $default: {function: v, response: true}\nfunctions:\n  v: {handler: handlers/v.py}\n"
    code = "def handler(event, context):\n    return {'statusCode': 200, 'body': '%s'}\n"
    path = make_project(tmp_path, spec, {"v.py": code % "one"})
    with Running(path) as srv, connect(srv.url) as ws:
        ws.send("?")
        assert recv(ws) == "one"
        (tmp_path / "handlers" / "v.py").write_text(code % "two-longer")
        wait_until(lambda: any("reloaded v" in line for line in srv.lines))

        def answer() -> str:
            ws.send("?")
            return recv(ws)

        wait_until(lambda: answer() == "two-longer")


def test_functions_get_their_own_environment(tmp_path: Path) -> None:
    spec = """
    wsspec: 1
    api: {name: envs}
    routes:
      a: {function: a, response: true}
      b: {function: b, response: true}
    functions:
      a: {handler: handlers/env.py, environment: {ONLY_A: "1"}}
      b: {handler: handlers/env.py, environment: {ONLY_B: "1"}}
    """
    code = """
    import json, os

    def handler(event, context):
        keys = ["ONLY_A", "ONLY_B", "AWS_REGION", "AWS_ACCESS_KEY_ID", "WSSPEC_CALLBACK_URL"]
        return {"statusCode": 200, "body": json.dumps({k: os.environ.get(k) for k in keys}
                | {"fn": context.function_name, "left": context.get_remaining_time_in_millis() > 0})}
    """
    with Running(make_project(tmp_path, spec, {"env.py": code})) as srv:
        callback = srv.callback
        with connect(srv.url) as ws:
            ws.send('{"action": "a"}')
            a = json.loads(recv(ws))
            ws.send('{"action": "b"}')
            b = json.loads(recv(ws))
    assert (a["ONLY_A"], a["ONLY_B"], b["ONLY_A"], b["ONLY_B"]) == ("1", None, None, "1")
    assert a["AWS_REGION"] == "us-east-1" and a["AWS_ACCESS_KEY_ID"] == "wsspec-local"
    assert a["WSSPEC_CALLBACK_URL"] == callback and a["fn"] == "envs-a" and a["left"]


def test_mock_integration_renders_its_response_template(tmp_path: Path) -> None:
    spec = r"""
    wsspec: 1
    api: {name: mocky}
    routes:
      $connect:
        integration:
          type: mock
          request_templates: {application/json: '{"statusCode": 200}'}
          responses: {$default: {}}
      ping:
        integration:
          type: mock
          template_selection: \$default
          request_templates: {$default: '{"statusCode": 200}'}
          responses:
            $default:
              templates: {$default: '{"message": "pong", "connectionId": "$context.connectionId", "route": "$context.routeKey"}'}
        response: true
    """
    with Running(make_project(tmp_path, spec, {})) as srv, connect(srv.url) as ws:
        ws.send('{"action": "ping", "n": [1, 2]}')
        raw = recv(ws)
    got = json.loads(raw)
    assert got["message"] == "pong" and len(got["connectionId"]) == 16 and got["route"] == "ping"


def test_http_proxy_integration_forwards_to_its_url(tmp_path: Path) -> None:
    import http.server
    import threading

    seen: list[tuple[str, str]] = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            seen.append((self.headers.get("connectionId", ""), body))
            out = b'{"backend": "ok"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *a: object) -> None:
            pass

    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    spec = f"""
    wsspec: 1
    api: {{name: proxied}}
    routes:
      $default:
        integration: {{type: http, proxy: true, url: "http://127.0.0.1:{backend.server_port}/events"}}
        response: true
    """
    try:
        with Running(make_project(tmp_path, spec, {})) as srv, connect(srv.url) as ws:
            ws.send("payload-1")
            assert recv(ws) == '{"backend": "ok"}'
    finally:
        backend.shutdown()
    assert seen[0][1] == "payload-1" and len(seen[0][0]) == 16


def test_not_emulated_features_are_named_at_start_up() -> None:
    with Running(ROOT / "samples" / "dynamodb-direct.yaml", dynamodb=False) as srv:
        notes = "\n".join(srv.gw.notes)
    assert "not emulated: AWS service integration dynamodb (PutItem)" in notes
    assert "sqs" in notes


# ------------------------------------------------------------------------------- CLI
def _start_cli(spec: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    from tests.servers import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "wsspec", "serve", str(spec), "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        if "Ctrl-C to stop" in line:
            break
        if time.monotonic() > deadline:
            break
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    return proc, f"ws://127.0.0.1:{port}/prod"


def test_cli_graceful_shutdown_fires_disconnect(tmp_path: Path) -> None:
    path = make_project(
        tmp_path,
        BASIC,
        {"recorder.py": RECORDER, "echo.py": ECHO, "boom.py": BOOM, "slow.py": SLOW},
    )
    proc, url = _start_cli(path, "--env", f"EVENTS_FILE={tmp_path / 'events.jsonl'}")
    try:
        with connect(url) as ws:
            ws.send('{"action": "echo"}')
            assert recv(ws) == '{"action": "echo"}'
            proc.send_signal(signal.SIGINT)
            with pytest.raises(ConnectionClosed):
                recv(ws)
            assert ws.close_code == 1001
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    events = [json.loads(x)["event"] for x in (tmp_path / "events.jsonl").read_text().splitlines()]
    disc = [e for e in events if e["requestContext"]["eventType"] == "DISCONNECT"]
    assert disc and disc[0]["requestContext"]["disconnectStatusCode"] == 1001
    err = proc.stderr.read() if proc.stderr else ""
    assert "MESSAGE    echo" in err and "DISCONNECT $disconnect" in err


def _wscat(cache: Path) -> str | None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None
    binary = cache / "node_modules" / ".bin" / "wscat"
    if not binary.exists():
        r = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(cache), "wscat@6"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if r.returncode != 0:
            return None
    return str(binary)


def test_wscat_round_trip(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    cache = Path.home() / ".cache" / "wsspec-test-npm"
    cache.mkdir(parents=True, exist_ok=True)
    wscat = _wscat(cache)
    if wscat is None:
        print("SKIP wscat test: node/npm unavailable or `npm install wscat` failed")
        pytest.skip("wscat unavailable (node/npm missing or npm install failed)")
    path = make_project(
        tmp_path,
        BASIC,
        {"recorder.py": RECORDER, "echo.py": ECHO, "boom.py": BOOM, "slow.py": SLOW},
    )
    with Running(path) as srv:
        out = _run_wscat(wscat, srv.url, '{"action": "echo", "via": "wscat"}')
        assert '{"action": "echo", "via": "wscat"}' in out, out
        out = _run_wscat(wscat, srv.url, '{"action": "nope"}')
        assert re.search(FRAME_RE % "Forbidden", out), out


def _run_wscat(wscat: str, url: str, message: str) -> str:
    # wscat exits as soon as its stdin ends, so it gets a pipe that stays open until it is done.
    proc = subprocess.Popen(
        [wscat, "-c", url, "-x", message, "-w", "1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.close()
        out = proc.stdout.read()
    return out


def test_cli_ctrl_c_works_while_still_starting(tmp_path: Path) -> None:
    """A handler whose import takes 60 s keeps `serve` starting; Ctrl-C must still stop it at once
    (and stop the worker it was waiting for)."""
    path = make_project(
        tmp_path,
        """
        wsspec: 1
        api: {name: slowstart}
        routes:
          $default: {function: sleepy}
        functions:
          sleepy: {handler: handlers/sleepy.py}
        """,
        {
            "sleepy.py": "import time\ntime.sleep(60)\n\ndef handler(event, context):\n"
            "    return None\n"
        },
    )
    from tests.servers import free_port

    proc = subprocess.Popen(
        [sys.executable, "-m", "wsspec", "serve", str(path), "--port", str(free_port())],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        worker = wait_until(
            lambda: subprocess.run(
                ["pgrep", "-f", "-P", str(proc.pid), "worker"], capture_output=True, text=True
            ).stdout.split(),
            timeout=30,
        )
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "interrupted while starting" in (proc.stderr.read() if proc.stderr else "")
    assert wait_until(lambda: not Path(f"/proc/{worker[0]}").exists(), timeout=10)
