"""`wsspec serve` running Node.js handlers (wsspec/serve/worker.js), through real WebSocket clients.

Needs ``node`` on PATH (the tests skip with the reason printed otherwise), except the one that
checks what happens without it. The AWS SDK test reuses the npm cache of tests/test_stubs_node.py
and skips when it cannot be installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.test_serve_support import Running, load, make_project, wait_until

FRAME_RE = (
    r'\{"message": "%s", "connectionId":"[A-Za-z0-9_=-]{16}", "requestId":"[A-Za-z0-9_=-]{16}"\}'
)
INTERNAL = FRAME_RE % "Internal server error"
TIMED_OUT = FRAME_RE % "Endpoint request timed out"


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        print("SKIP Node.js serve tests: node not found on PATH")
        pytest.skip("node not found on PATH")
    return path


SPEC = """
wsspec: 1
api: {name: node-serve}
routes:
  echo: {function: echo, response: true}
  cb: {function: cb, response: true}
  esm: {function: esm, response: true}
  boom: {function: boom, response: true}
  broken: {function: broken, response: true}
  chatty: {function: chatty, response: true}
  nap: {integration: {type: lambda, function: nap, timeout_ms: 700}, response: true}
  ctx: {function: ctx, response: true}
  bounce: {function: bounce, response: true}
  ids: {function: ids, response: true}
  crash: {function: crash, response: true}
  modern: {function: modern, response: true}
functions:
  echo: {handler: handlers/echo.mjs}
  cb: {handler: handlers/cb.js}
  esm: {handler: handlers/esm/handler.js}
  boom: {handler: handlers/boom.cjs}
  broken: {handler: handlers/broken.cjs}
  syntax: {handler: handlers/syntax.mjs}
  noexport: {handler: handlers/noexport.mjs, entry: main}
  chatty: {handler: handlers/chatty.js}
  nap: {handler: handlers/nap.mjs, timeout: 10}
  ctx: {handler: handlers/ctx.js, memory: 256, timeout: 7}
  bounce: {handler: handlers/bounce.mjs, grants: [manage_connections]}
  ids: {handler: handlers/ids.mjs}
  crash: {handler: handlers/crash.js}
  modern: {handler: handlers/modern.mjs, runtime: nodejs24.x}
  oldstyle: {handler: handlers/oldstyle.js, runtime: nodejs24.x}
authorizers:
  # unused by routes: only here so that these functions are started (and their errors named)
  a1: {function: syntax, identity_source: [route.request.header.X]}
  a2: {function: noexport, identity_source: [route.request.header.X]}
  a3: {function: oldstyle, identity_source: [route.request.header.X]}
"""

HANDLERS = {
    "echo.mjs": """
        export const handler = async (event) => ({ statusCode: 200, body: event.body });
        """,
    # CommonJS (no package.json), callback style, answered from a timer
    "cb.js": """
        module.exports = {
          handler(event, context, callback) {
            const kind = typeof require === "function" ? "cjs" : "esm";
            setTimeout(() => callback(null, { statusCode: 200, body: `callback ${kind}` }), 20);
          },
        };
        """,
    "esm/package.json": '{"type": "module"}',
    "esm/handler.js": """
        import { basename } from "node:path";
        export async function handler(event) {
          const kind = typeof require === "function" ? "cjs" : "esm";
          return { statusCode: 200, body: `${kind} ${basename(new URL(import.meta.url).pathname)}` };
        }
        """,
    "boom.cjs": """
        exports.handler = async () => { throw new TypeError("something broke"); };
        """,
    "broken.cjs": """
        const missing = require("wsspec-no-such-package");
        exports.handler = async () => missing;
        """,
    "syntax.mjs": """
        export const handler = async (event) => { return (; };
        """,
    "noexport.mjs": """
        export const handler = async () => ({ statusCode: 200 });
        """,
    "chatty.js": """
        exports.handler = async (event) => {
          console.log("hello from console.log");
          process.stdout.write("partial ");
          process.stdout.write("line\\n");
          console.error("from console.error");
          console.log("x".repeat(70000));
          return { statusCode: 200, body: "ok " + event.body.length };
        };
        """,
    "nap.mjs": """
        export const handler = async (event) => {
          const { nap } = JSON.parse(event.body);
          await new Promise((resolve) => setTimeout(resolve, nap));
          return { statusCode: 200, body: "rested" };
        };
        """,
    "ctx.js": """
        exports.handler = async (event, context) => {
          const out = {};
          for (const k of ["functionName", "functionVersion", "invokedFunctionArn", "memoryLimitInMB",
                           "awsRequestId", "logGroupName", "logStreamName",
                           "callbackWaitsForEmptyEventLoop"]) out[k] = context[k];
          out.remaining = context.getRemainingTimeInMillis();
          out.requestId = event.requestContext.requestId;
          out.region = process.env.AWS_REGION;
          out.cwd = process.cwd();
          return { statusCode: 200, body: JSON.stringify(out) };
        };
        """,
    # @connections on this same server, with plain http: to itself, then to a connection that
    # does not exist
    "bounce.mjs": """
        import http from "node:http";
        function post(id, data) {
          const url = new URL(`${process.env.WSSPEC_CALLBACK_URL}/@connections/${encodeURIComponent(id)}`);
          return new Promise((resolve, reject) => {
            const req = http.request(url, { method: "POST" }, (res) => {
              res.resume();
              res.on("end", () => resolve(res.statusCode));
            });
            req.on("error", reject);
            req.end(data);
          });
        }
        export const handler = async (event) => {
          const own = await post(event.requestContext.connectionId, "bounced " + event.body);
          const gone = await post("AAAAAAAAAAAAAAA=", "nobody");
          return { statusCode: 200, body: JSON.stringify({ own, gone }) };
        };
        """,
    "ids.mjs": """
        export const handler = async (event, context) => ({
          statusCode: 200,
          body: JSON.stringify({ seq: JSON.parse(event.body).seq, requestId: event.requestContext.requestId,
                                 awsRequestId: context.awsRequestId, pid: process.pid }),
        });
        """,
    "crash.js": """
        exports.handler = async (event) => {
          if (JSON.parse(event.body).crash) setTimeout(() => { throw new Error("late crash"); }, 1);
          return new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200, body: String(process.pid) }), 50));
        };
        """,
    # nodejs24.x: a plain (non-async) return value is the result; callback handlers are refused
    "modern.mjs": """
        export function handler(event, context) {
          return { statusCode: 200, body: "modern " + typeof context.getRemainingTimeInMillis };
        }
        """,
    "oldstyle.js": """
        exports.handler = function (event, context, callback) { callback(null, {}); };
        """,
}


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory, node: str):
    tmp = tmp_path_factory.mktemp("node-serve")
    (tmp / "handlers" / "esm").mkdir(parents=True)
    path = make_project(tmp, SPEC, HANDLERS)
    with Running(path, reload=False) as running:
        yield running


def msg(action: str, **extra: object) -> str:
    return json.dumps({"action": action, **extra})


def ask(srv: Running, text: str) -> str:
    with connect(srv.url, compression=None) as ws:
        ws.send(text)
        return ws.recv(timeout=15)


# ------------------------------------------------------------------------------- loading
def test_node_functions_are_not_named_as_not_emulated(srv: Running) -> None:
    assert not [n for n in srv.gw.notes if "not emulated" in n]
    assert {"echo", "cb", "esm", "ids"} <= set(srv.gw.runners)


def test_async_esm_handler_echoes_two_way(srv: Running) -> None:
    with connect(srv.url, compression=None) as ws:
        for text in (msg("echo", data="hi"), msg("echo", data="é" + "x" * 100_000)):
            ws.send([text[i : i + 30_000] for i in range(0, len(text), 30_000)])
            assert ws.recv(timeout=15) == text


def test_callback_style_commonjs_handler(srv: Running) -> None:
    assert ask(srv, msg("cb")) == "callback cjs"


def test_js_file_under_a_type_module_package_json_loads_as_esm(srv: Running) -> None:
    assert ask(srv, msg("esm")) == "esm handler.js"
    assert not [line for line in srv.lines if "WARNING" in line]  # its package.json is inside


def test_import_errors_are_named_at_start_up_like_the_lambda_runtime(srv: Running) -> None:
    notes = "\n".join(srv.gw.notes)
    assert re.search(
        r"function broken: import failed: Runtime.ImportModuleError: "
        r".*wsspec-no-such-package",
        notes,
    ), notes
    assert "function syntax: import failed: Runtime.UserCodeSyntaxError: SyntaxError" in notes
    assert (
        "function noexport: import failed: Runtime.HandlerNotFound: "
        "noexport.main is undefined or not exported"
    ) in notes
    assert "function oldstyle: import failed: Runtime.CallbackHandlerDeprecated" in notes
    with connect(srv.url, compression=None) as ws:
        for _ in range(2):
            ws.send(msg("broken"))
            assert re.fullmatch(INTERNAL, ws.recv(timeout=15))


def test_nodejs24_runtime_takes_a_plain_return_value(srv: Running) -> None:
    assert ask(srv, msg("modern")) == "modern function"


def test_a_type_module_package_json_outside_the_source_dir_is_flagged(
    tmp_path: Path, node: str
) -> None:
    """Node follows it locally; Lambda, which gets only the source directory, would not."""
    path = make_project(
        tmp_path,
        """
        wsspec: 1
        api: {name: node-outside}
        routes:
          $default: {function: fn, response: true}
        functions:
          fn: {handler: handlers/fn.js}
        """,
        {"fn.js": HANDLERS["esm/handler.js"]},
    )
    (tmp_path / "package.json").write_text('{"type": "module"}')
    with Running(path, reload=False) as srv:
        assert ask(srv, "x") == "esm fn.js"
        warning = wait_until(lambda: [line for line in srv.lines if "WARNING" in line])
    assert "fn.js loads here as an ES module" in warning[0]
    assert "Lambda, which gets only that directory, loads it as CommonJS" in warning[0]


# ------------------------------------------------------------------------------- errors
def test_thrown_error_is_the_internal_server_error_frame_and_is_logged(srv: Running) -> None:
    with connect(srv.url, compression=None) as ws:
        ws.send(msg("boom"))
        assert re.fullmatch(INTERNAL, ws.recv(timeout=15))
        ws.send(msg("echo"))  # the same worker still answers
        assert ws.recv(timeout=15) == msg("echo")
    wait_until(
        lambda: any(
            '"errorType":"TypeError"' in line and "something broke" in line for line in srv.lines
        )
    )


def test_uncaught_exception_ends_the_worker_and_a_fresh_one_answers(srv: Running) -> None:
    with connect(srv.url, compression=None) as ws:
        ws.send(msg("crash"))
        first = ws.recv(timeout=15)
        assert first.isdigit()
        ws.send(msg("crash", crash=True))
        assert re.fullmatch(INTERNAL, ws.recv(timeout=15))
        ws.send(msg("crash"))
        second = ws.recv(timeout=15)
        assert second.isdigit() and second != first
    assert any("late crash" in line for line in srv.lines)


def test_timeout_is_endpoint_request_timed_out_and_the_next_message_is_answered(
    srv: Running,
) -> None:
    with connect(srv.url, compression=None) as ws:
        ws.send(msg("nap", nap=5000))
        assert re.fullmatch(TIMED_OUT, ws.recv(timeout=15))
        ws.send(msg("nap", nap=0))
        assert ws.recv(timeout=15) == "rested"


# ------------------------------------------------------------------------------- output, context
def test_console_output_is_relayed_and_never_corrupts_the_answers(srv: Running) -> None:
    with connect(srv.url, compression=None) as ws:
        for i in range(3):
            text = msg("chatty", i=i)
            ws.send(text)
            assert ws.recv(timeout=15) == f"ok {len(text)}"
    wait_until(lambda: "[chatty] partial line" in srv.lines)
    # console.* in the Lambda runtime's format: timestamp, request id, level, message
    stamp = r"\[chatty\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[A-Za-z0-9_-]{15}=\t"
    lines = "\n".join(srv.lines)
    assert re.search(stamp + "INFO\thello from console.log$", lines, re.M)
    assert re.search(stamp + "ERROR\tfrom console.error$", lines, re.M)
    assert re.search(stamp + f"INFO\t{'x' * 70000}$", lines, re.M)


def test_lambda_context_describes_the_function_and_the_request(srv: Running) -> None:
    seen = [json.loads(ask(srv, msg("ctx"))) for _ in range(2)]
    assert seen[0]["awsRequestId"] != seen[1]["awsRequestId"]
    for got in seen:
        name = got["functionName"]
        assert name.endswith("ctx")
        assert got["awsRequestId"] == got["requestId"]
        assert 0 < got["remaining"] <= 7000
        assert got["functionVersion"] == "$LATEST"
        assert got["invokedFunctionArn"] == f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        assert got["memoryLimitInMB"] == "256"  # a string, as in Lambda
        assert got["logGroupName"] == f"/aws/lambda/{name}"
        assert got["logStreamName"] == "wsspec-serve"
        assert got["callbackWaitsForEmptyEventLoop"] is True
        assert got["region"] == "us-east-1"
        assert Path(got["cwd"]).name == "handlers"


# ------------------------------------------------------------------------------- @connections
def test_handler_posts_to_connections_on_the_same_server(srv: Running) -> None:
    with connect(srv.url, compression=None) as ws:
        for i in range(5):
            text = msg("bounce", i=i)
            ws.send(text)
            assert ws.recv(timeout=15) == "bounced " + text
            assert json.loads(ws.recv(timeout=15)) == {"own": 200, "gone": 410}


# ------------------------------------------------------------------------------- many at once
def test_concurrent_messages_are_all_answered_with_their_own_request_ids(srv: Running) -> None:
    failures: list[str] = []
    seen: list[dict[str, Any]] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        try:
            with connect(srv.url, compression=None) as ws:
                for i in range(60):  # all sent before any answer is read: they queue and batch
                    ws.send(msg("ids", seq=f"{n}-{i}"))
                got = [json.loads(ws.recv(timeout=30)) for _ in range(60)]
            if sorted(g["seq"] for g in got) != sorted(f"{n}-{i}" for i in range(60)):
                failures.append(f"client {n}: wrong answers {[g['seq'] for g in got]}")
            with lock:
                seen.extend(got)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(f"client {n}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    assert len(seen) == 300
    assert all(g["requestId"] == g["awsRequestId"] for g in seen)
    assert len({g["requestId"] for g in seen}) == 300


# ------------------------------------------------------------------------------- authorizer
AUTH_SPEC = """
wsspec: 1
api: {name: node-authed}
routes:
  $connect: {function: hello, authorizer: gate}
  $default: {function: whoami, response: true}
authorizers:
  gate: {function: gate, identity_source: [route.request.querystring.token]}
functions:
  gate: {handler: handlers/gate.mjs, entry: authorize}
  hello: {handler: handlers/hello.mjs}
  whoami: {handler: handlers/whoami.mjs}
"""

AUTH_HANDLERS = {
    "gate.mjs": """
        export async function authorize(event) {
          const token = event.queryStringParameters.token;
          if (token === "unauthorized") throw new Error("Unauthorized");
          return {
            principalId: "user-" + token,
            policyDocument: { Version: "2012-10-17", Statement: [{
              Action: "execute-api:Invoke", Effect: token === "deny" ? "Deny" : "Allow",
              Resource: event.methodArn }] },
            context: { tier: "gold", n: 3 },
          };
        }
        """,
    "hello.mjs": """
        export const handler = async (event) =>
          ({ statusCode: event.requestContext.authorizer.tier === "gold" ? 200 : 500 });
        """,
    "whoami.mjs": """
        export const handler = async (event) =>
          ({ statusCode: 200, body: JSON.stringify(event.requestContext.authorizer) });
        """,
}


def test_node_authorizer_allows_denies_and_refuses(tmp_path: Path, node: str) -> None:
    path = make_project(tmp_path, AUTH_SPEC, AUTH_HANDLERS)
    with Running(path, reload=False) as srv:
        with connect(srv.url + "?token=alice", compression=None) as ws:
            ws.send("who")
            assert json.loads(ws.recv(timeout=15)) == {
                "principalId": "user-alice",
                "tier": "gold",
                "n": 3,
            }
        for token, status in (("deny", 403), ("unauthorized", 401)):
            with pytest.raises(InvalidStatus) as e:
                connect(srv.url + "?token=" + token, compression=None)
            assert e.value.response.status_code == status


# ------------------------------------------------------------------------------- hot reload
def test_editing_a_handler_or_its_json_reloads_it(tmp_path: Path, node: str) -> None:
    path = make_project(
        tmp_path,
        """
        wsspec: 1
        api: {name: node-reload}
        routes:
          $default: {function: greet, response: true}
        functions:
          greet: {handler: handlers/greet.mjs}
        """,
        {
            "greet.mjs": """
            import { readFileSync } from "node:fs";
            const { word } = JSON.parse(readFileSync(new URL("./words.json", import.meta.url)));
            export const handler = async () => ({ statusCode: 200, body: "v1 " + word });
            """,
            "words.json": '{"word": "hello"}',
        },
    )
    handlers = tmp_path / "handlers"
    with Running(path, reload=True) as srv, connect(srv.url, compression=None) as ws:

        def reply() -> str:
            ws.send("x")
            return ws.recv(timeout=15)

        assert reply() == "v1 hello"
        (handlers / "words.json").write_text('{"word": "bonjour"}')
        wait_until(lambda: reply() == "v1 bonjour")
        src = (handlers / "greet.mjs").read_text().replace('"v1 "', '"version 2 "')
        (handlers / "greet.mjs").write_text(src)
        wait_until(lambda: reply() == "version 2 bonjour")
        assert any("reloaded greet" in line for line in srv.lines)


# ------------------------------------------------------------------------------- without node
def test_without_node_the_function_is_named_at_start_up(tmp_path: Path) -> None:
    """Runs whether or not node is installed: PATH is emptied for the functions."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    path = make_project(
        tmp_path,
        """
        wsspec: 1
        api: {name: node-missing}
        routes:
          echo: {function: echo, response: true}
        functions:
          echo: {handler: handlers/echo.mjs}
        """,
        {"echo.mjs": HANDLERS["echo.mjs"]},
    )
    with Running(path, reload=False, extra_env={"PATH": str(empty)}) as srv:
        assert any(
            n.startswith(
                "not emulated: function echo: Node.js handler handlers/echo.mjs needs `node`"
            )
            for n in srv.gw.notes
        ), srv.gw.notes
        assert "echo" not in srv.gw.runners
        assert re.fullmatch(INTERNAL, ask(srv, msg("echo")))


# ------------------------------------------------------------------------------- runner level
EDGE = """
const cases = {
  // callback: answered only once the event loop is empty (the timer has fired) ...
  waits(event, context, callback) {
    globalThis.fired = false;
    setTimeout(() => { globalThis.fired = true; }, 150);
    callback(null, "waited");
  },
  // ... unless callbackWaitsForEmptyEventLoop is false
  nowait(event, context, callback) {
    context.callbackWaitsForEmptyEventLoop = false;
    globalThis.fired = false;
    setTimeout(() => { globalThis.fired = true; }, 30000);
    callback(null, "did not wait");
  },
  fired: async () => globalThis.fired,
  silent(event, context, callback) {},  // never calls back: null once the loop is empty
  never: async () => new Promise(() => {}),  // never settles (handler is not async: null)
  bigint: async () => ({ n: 10n }),
  succeed(event, context) { context.succeed({ via: "succeed" }); },
  fail(event, context) { context.fail(new RangeError("via fail")); },
  string: async () => { throw "a string"; },
  undef: async () => undefined,
  twice(event, context, callback) { callback(null, 1); callback(null, 2); },
};
exports.handler = function (event, context, callback) {
  return cases[event.case](event, context, callback);
};
// an async handler whose promise never settles: Runtime.NodeJsExit once the loop is empty
exports.stuck = async () => new Promise(() => {});
"""


def test_callback_semantics_follow_the_lambda_node_runtime(tmp_path: Path, node: str) -> None:
    from wsspec.serve.invoke import FunctionRunner

    spec = load(
        make_project(
            tmp_path,
            """
        wsspec: 1
        api: {name: node-edge}
        routes:
          e: {function: edge, response: true}
          s: {function: stuck, response: true}
        functions:
          edge: {handler: handlers/edge.js}
          stuck: {handler: handlers/edge.js, entry: stuck}
        """,
            {"edge.js": EDGE},
        )
    )

    async def run() -> dict[str, Any]:
        env = {"PATH": os.environ.get("PATH", "")}
        runners = {
            name: FunctionRunner(spec.function(name), spec.project_dir, env, concurrency=1)
            for name in ("edge", "stuck")
        }
        got: dict[str, Any] = {}
        try:
            for case in (
                "waits",
                "fired",
                "silent",
                "never",
                "stuck",
                "bigint",
                "succeed",
                "fail",
                "string",
                "undef",
                "twice",
                "nowait",
                "fired",
            ):
                runner = runners["stuck" if case == "stuck" else "edge"]
                out = await runner.invoke({"case": case}, request_id="r", integration_timeout=10)
                value = out.value
                if out.kind == "error":
                    value = (value["errorType"], value["errorMessage"])
                got.setdefault(case, []).append((out.kind, value))
        finally:
            for runner in runners.values():
                await runner.close()
        return got

    got = asyncio.run(run())
    assert got == {
        "waits": [("ok", "waited")],
        "fired": [("ok", True), ("ok", False)],  # after "waits": fired; after "nowait": not yet
        "nowait": [("ok", "did not wait")],
        "silent": [("ok", None)],
        "never": [("ok", None)],
        "stuck": [("error", ("Runtime.NodeJsExit", got["stuck"][0][1][1]))],
        "bigint": [("error", ("Error", "Unable to stringify response body"))],
        "succeed": [("ok", {"via": "succeed"})],
        "fail": [("error", ("RangeError", "via fail"))],
        "string": [("error", ("string", "a string"))],
        "undef": [("ok", None)],
        "twice": [("ok", 1)],
    }


# ------------------------------------------------------------------------------- AWS SDK v3
def test_generated_node_stub_posts_through_the_aws_sdk(tmp_path: Path, node: str) -> None:
    """The stub `wsspec build` writes for a one-way route with manage_connections sends the
    message back through PostToConnection (AWS SDK v3, from the npm cache of the stub tests)."""
    try:
        from tests.test_stubs_node import SDK_CACHE, _install_sdk
    except ImportError as exc:
        pytest.skip(f"the npm SDK cache helper is not importable: {exc}")
    reason = _install_sdk(SDK_CACHE)
    if reason is not None:
        print(f"SKIP Node SDK serve test: {reason}")
        pytest.skip(reason)
    from click.testing import CliRunner

    from wsspec.cli import app

    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "wsspec: 1\napi: {name: node-sdk}\nroutes:\n  $default: {function: relay}\n"
        "functions:\n  relay: {handler: handlers/relay.mjs, grants: [manage_connections]}\n"
    )
    result = CliRunner().invoke(app, ["build", str(spec), "--target", "stubs"])
    assert result.exit_code == 0, result.output
    assert "PostToConnectionCommand" in (tmp_path / "handlers" / "relay.mjs").read_text()
    (tmp_path / "node_modules").symlink_to(SDK_CACHE / "node_modules", target_is_directory=True)
    with Running(spec, reload=False) as srv, connect(srv.url, compression=None) as ws:
        for i in range(3):
            ws.send(f"through the SDK {i}")
            assert ws.recv(timeout=30) == f"through the SDK {i}"
