"""`wsspec serve`: the gateway <-> worker-process path (pipes, framing, pool), through real clients."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests.test_serve_support import ECHO, Running, make_project, wait_until

FRAME_RE = (
    r'\{"message": "%s", "connectionId":"[A-Za-z0-9_=-]{16}", "requestId":"[A-Za-z0-9_=-]{16}"\}'
)

SPEC = """
wsspec: 1
api: {name: ipc}
routes:
  echo: {function: echo, response: true}
  chatty: {function: chatty, response: true}
  die: {function: die, response: true}
  odd: {function: odd, response: true}
  whoami: {function: whoami, response: true}
  bounce: {function: bounce}
  broken: {function: broken, response: true}
  ctx: {function: ctx, response: true}
functions:
  echo: {handler: handlers/echo.py}
  chatty: {handler: handlers/chatty.py}
  die: {handler: handlers/die.py}
  odd: {handler: handlers/odd.py}
  whoami: {handler: handlers/whoami.py}
  bounce: {handler: handlers/bounce.py, grants: [manage_connections]}
  broken: {handler: handlers/broken.py}
  ctx: {handler: handlers/ctx.py, memory: 256}
"""

CHATTY = """
import sys

def handler(event, context):
    print("hello from print")
    sys.stderr.write("partial ")
    sys.stderr.write("line\\n")
    return {"statusCode": 200, "body": "ok"}
"""

DIE = """
import os, json

def handler(event, context):
    if json.loads(event["body"]).get("exit"):
        os._exit(3)
    return {"statusCode": 200, "body": "alive %d" % os.getpid()}
"""

ODD = """
def handler(event, context):
    return {"statusCode": 200, "body": object()}
"""

WHOAMI = """
def handler(event, context):
    return {"statusCode": 200, "body": event["requestContext"]["connectionId"]}
"""

BOUNCE = """
import os, boto3

api = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["WSSPEC_CALLBACK_URL"])

def handler(event, context):
    api.post_to_connection(ConnectionId=event["requestContext"]["connectionId"],
                           Data=("bounced " + event["body"]).encode())
    return {"statusCode": 200}
"""

CTX = """
import json

def handler(event, context):
    out = {k: getattr(context, k) for k in (
        "function_name", "function_version", "invoked_function_arn", "memory_limit_in_mb",
        "aws_request_id", "log_group_name", "log_stream_name")}
    out["requestId"] = event["requestContext"]["requestId"]
    return {"statusCode": 200, "body": json.dumps(out)}
"""

BROKEN = """
raise ImportError("no such thing")
"""


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("ipc")
    path = make_project(
        tmp,
        SPEC,
        {
            "echo.py": ECHO,
            "chatty.py": CHATTY,
            "die.py": DIE,
            "odd.py": ODD,
            "whoami.py": WHOAMI,
            "bounce.py": BOUNCE,
            "broken.py": BROKEN,
            "ctx.py": CTX,
        },
    )
    with Running(path, reload=False) as running:
        yield running


def msg(action: str, **extra: object) -> str:
    return json.dumps({"action": action, **extra})


def test_large_messages_cross_the_pipes_intact(srv: Running) -> None:
    with connect(srv.url, compression=None) as ws:
        for size in (0, 1, 4096, 65536, 120_000):
            text = msg("echo", data="é" + "x" * size)
            # frames of at most 32 KB (a larger frame closes 1009), one message of up to 120 KB
            ws.send([text[i : i + 30_000] for i in range(0, len(text), 30_000)])
            assert ws.recv(timeout=10) == text


def test_many_clients_each_get_their_own_replies(srv: Running) -> None:
    failures: list[str] = []

    def client(n: int) -> None:
        try:
            with connect(srv.url, compression=None) as ws:
                ws.send(msg("whoami"))
                me = ws.recv(timeout=20)
                for i in range(40):
                    text = msg("echo", client=n, i=i)
                    ws.send(text)
                    got = ws.recv(timeout=20)
                    if got != text:
                        failures.append(f"client {n} message {i}: got {got!r}")
                ws.send(msg("whoami"))
                if ws.recv(timeout=20) != me:
                    failures.append(f"client {n}: connection id changed")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(f"client {n}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []


def test_handler_output_is_relayed_line_by_line_with_the_function_name(srv: Running) -> None:
    with connect(srv.url, compression=None) as ws:
        ws.send(msg("chatty"))
        assert ws.recv(timeout=10) == "ok"
    wait_until(lambda: "[chatty] partial line" in srv.lines)
    assert "[chatty] hello from print" in srv.lines


def test_worker_exiting_mid_invocation_is_an_error_and_the_next_message_gets_a_new_worker(
    srv: Running,
) -> None:
    with connect(srv.url, compression=None) as ws:
        ws.send(msg("die"))
        first = ws.recv(timeout=10)
        assert first.startswith("alive ")
        ws.send(msg("die", exit=True))
        assert re.fullmatch(FRAME_RE % "Internal server error", ws.recv(timeout=10))
        ws.send(msg("die"))
        second = ws.recv(timeout=10)
        assert second.startswith("alive ") and second != first


def test_result_that_is_not_json_is_an_internal_server_error(srv: Running) -> None:
    with connect(srv.url, compression=None) as ws:
        ws.send(msg("odd"))
        assert re.fullmatch(FRAME_RE % "Internal server error", ws.recv(timeout=10))
    wait_until(lambda: any("Runtime.MarshalError" in line for line in srv.lines))


def test_import_error_answers_every_message_with_an_error_and_is_named_at_start_up(
    srv: Running,
) -> None:
    assert any(
        "function broken: import failed: Runtime.ImportModuleError" in n for n in srv.gw.notes
    )
    with connect(srv.url, compression=None) as ws:
        for _ in range(2):
            ws.send(msg("broken"))
            assert re.fullmatch(FRAME_RE % "Internal server error", ws.recv(timeout=10))


def test_handlers_post_to_their_connection_through_boto3_many_times(srv: Running) -> None:
    with connect(srv.url, compression=None) as ws:
        for i in range(30):
            ws.send(f'{{"action": "bounce", "i": {i}}}')
            assert ws.recv(timeout=10) == f'bounced {{"action": "bounce", "i": {i}}}'


def test_connections_api_keep_alive_survives_split_and_pipelined_requests(srv: Running) -> None:
    import socket

    with connect(srv.url, compression=None) as ws:
        ws.send(msg("whoami"))
        cid = ws.recv(timeout=10)
        host, port = srv.callback.split("//")[1].split("/")[0].split(":")
        with socket.create_connection((host, int(port)), timeout=10) as s:

            def req(body: bytes) -> bytes:
                return (
                    f"POST /{srv.gw.stage.name}/@connections/{cid} HTTP/1.1\r\n"
                    f"Host: x\r\nContent-Length: {len(body)}\r\n\r\n"
                ).encode() + body

            # headers and body in separate writes, then two requests in one write
            one = req(b"first")
            s.sendall(one[:-5])
            s.sendall(one[-5:])
            s.sendall(req(b"second") + req(b"third"))
            replies = b""
            while replies.count(b"HTTP/1.1 200") < 3:
                chunk = s.recv(65536)
                assert chunk, replies
                replies += chunk
        assert [ws.recv(timeout=10) for _ in range(3)] == ["first", "second", "third"]


RETURN_EVENT = """
def handler(event, context):
    return event
"""


def test_events_reach_the_handler_as_json_values_by_either_encoding(tmp_path: Path) -> None:
    """Plain events travel as marshal, others (here a dict subclass) as JSON: the handler gets
    the same JSON values either way."""
    import asyncio
    import os

    from tests.test_serve_support import load
    from wsspec.model import FrozenDict
    from wsspec.serve.invoke import FunctionRunner

    spec = load(
        make_project(
            tmp_path,
            """
        wsspec: 1
        api: {name: ipc-encodings}
        routes:
          back: {function: back, response: true}
        functions:
          back: {handler: handlers/back.py}
        """,
            {"back.py": RETURN_EVENT},
        )
    )
    plain = {"a": [1, 2.5, None, True], "b": {"é": "x" * 70_000}, "n": -(2**70)}
    odd = {"a": [1, 2.5, None, True], "b": FrozenDict({"é": "x" * 70_000}), "n": -(2**70)}

    async def run() -> list[object]:
        runner = FunctionRunner(
            spec.function("back"), spec.project_dir, {"PATH": os.environ.get("PATH", "")}
        )
        try:
            return [
                (await runner.invoke(e, request_id="r", integration_timeout=10)).value
                for e in (plain, odd)
            ]
        finally:
            await runner.close()

    assert asyncio.run(run()) == [plain, plain]


def test_lambda_context_describes_the_function_and_the_request(srv: Running) -> None:
    with connect(srv.url, compression=None) as ws:
        seen = []
        for _ in range(2):
            ws.send(msg("ctx"))
            seen.append(json.loads(ws.recv(timeout=10)))
    assert seen[0]["aws_request_id"] != seen[1]["aws_request_id"]
    for got in seen:
        name = got["function_name"]
        assert name.endswith("ctx")
        assert got["function_version"] == "$LATEST"
        assert got["invoked_function_arn"] == (
            f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        )
        assert got["memory_limit_in_mb"] == "256"
        assert got["aws_request_id"] == got["requestId"]
        assert got["log_group_name"] == f"/aws/lambda/{name}"
        assert got["log_stream_name"] == "wsspec-serve"


NAP = """
import json, time

def handler(event, context):
    time.sleep(json.loads(event["body"])["nap"])
    return {"statusCode": 200, "body": "rested"}
"""


def test_integration_timeouts_follow_each_invocation(tmp_path: Path) -> None:
    """One function behind two routes with different timeouts, invoked in turn on one worker:
    each invocation gets its own limit, measured from its own start."""
    import time

    path = make_project(
        tmp_path,
        """
        wsspec: 1
        api: {name: ipc-timeouts}
        routes:
          long: {integration: {type: lambda, function: nap, timeout_ms: 3000}, response: true}
          short: {integration: {type: lambda, function: nap, timeout_ms: 700}, response: true}
        functions:
          nap: {handler: handlers/nap.py, timeout: 10}
        """,
        {"nap.py": NAP},
    )
    timed_out = FRAME_RE % "Endpoint request timed out"
    with (
        Running(path, reload=False, concurrency=1) as running,
        connect(running.url, compression=None) as ws,
    ):
        ws.send('{"action": "long", "nap": 0}')
        assert ws.recv(timeout=10) == "rested"
        # shorter than the previous invocation's limit: times out although 2 s < 3 s
        ws.send('{"action": "short", "nap": 2}')
        assert re.fullmatch(timed_out, ws.recv(timeout=10))
        # a fresh worker: a quick call, then a slow one started later than the first's limit
        ws.send('{"action": "short", "nap": 0}')
        assert ws.recv(timeout=10) == "rested"
        time.sleep(0.4)
        t0 = time.monotonic()
        ws.send('{"action": "short", "nap": 3}')
        assert re.fullmatch(timed_out, ws.recv(timeout=10))
        assert time.monotonic() - t0 >= 0.6  # its own 700 ms, not what was left of the first's
        ws.send('{"action": "long", "nap": 1}')
        assert ws.recv(timeout=10) == "rested"


RESULTS = """
import enum

class Code(enum.IntEnum):
    OK = 200

class Text(str):
    pass

CASES = {
    "usual": {"statusCode": 200, "body": "{\\"a\\": 1}", "headers": {"X-A": "1"}},
    "surrogates": {"statusCode": 200, "body": "é\\ud83d\\ude00"},
    "scalars": {"statusCode": 201, "isBase64Encoded": False, "ratio": 0.1, "none": None},
    "tuple": {"statusCode": 200, "body": ("a", 1)},
    "int keys": {"statusCode": 200, "headers": {1: "one"}},
    "header values": {"statusCode": 200, "headers": {"X-N": 5}},
    "subclasses": {"statusCode": Code.OK, "body": Text("t")},
    "nested": {"statusCode": 200, "body": {"a": [1, {"b": None}]}},
    "not a dict": ["x", 2],
    "string": "plain",
}

def handler(event, context):
    return CASES[event["case"]]
"""


def test_results_reach_the_gateway_as_json_would_carry_them(tmp_path: Path) -> None:
    """Small plain results travel as marshal, the rest as JSON: either way the gateway sees what
    Lambda's JSON serialisation of the result gives."""
    import asyncio
    import os

    from tests.test_serve_support import load
    from wsspec.serve.invoke import FunctionRunner

    spec = load(
        make_project(
            tmp_path,
            """
        wsspec: 1
        api: {name: ipc-results}
        routes:
          r: {function: results, response: true}
        functions:
          results: {handler: handlers/results.py}
        """,
            {"results.py": RESULTS},
        )
    )
    expected = {
        "usual": {"statusCode": 200, "body": '{"a": 1}', "headers": {"X-A": "1"}},
        "surrogates": {"statusCode": 200, "body": "é\U0001f600"},  # JSON joins the pair
        "scalars": {"statusCode": 201, "isBase64Encoded": False, "ratio": 0.1, "none": None},
        "tuple": {"statusCode": 200, "body": ["a", 1]},
        "int keys": {"statusCode": 200, "headers": {"1": "one"}},
        "header values": {"statusCode": 200, "headers": {"X-N": 5}},
        "subclasses": {"statusCode": 200, "body": "t"},
        "nested": {"statusCode": 200, "body": {"a": [1, {"b": None}]}},
        "not a dict": ["x", 2],
        "string": "plain",
    }

    async def run() -> dict[str, object]:
        runner = FunctionRunner(
            spec.function("results"), spec.project_dir, {"PATH": os.environ.get("PATH", "")}
        )
        try:
            got = {}
            for case in expected:
                out = await runner.invoke({"case": case}, request_id="r", integration_timeout=10)
                assert out.kind == "ok", (case, out)
                got[case] = out.value
            return got
        finally:
            await runner.close()

    got = asyncio.run(run())
    assert got == expected
    assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]
    assert type(got["subclasses"]["statusCode"]) is int and type(got["subclasses"]["body"]) is str


# ------------------------------------------------------------------ batches (FunctionRunner)
WORK = """
import os, time

def handler(event, context):
    what = event.get("do")
    if what == "hang":
        time.sleep(30)
    if what == "exit":
        os._exit(7)
    if what == "nap":
        time.sleep(event.get("s", 0.3))
    return {"pid": os.getpid(), "n": event.get("n"), "id": context.aws_request_id}
"""


def _runner(tmp_path: Path, concurrency: int) -> tuple[object, object]:
    import os

    from tests.test_serve_support import load
    from wsspec.serve.invoke import FunctionRunner

    spec = load(
        make_project(
            tmp_path,
            """
        wsspec: 1
        api: {name: ipc-batches}
        routes:
          w: {function: work, response: true}
        functions:
          work: {handler: handlers/work.py, timeout: 60}
        """,
            {"work.py": WORK},
        )
    )
    return FunctionRunner, lambda: FunctionRunner(
        spec.function("work"),
        spec.project_dir,
        {"PATH": os.environ.get("PATH", "")},
        concurrency=concurrency,
    )


def _submit_all(runner: object, events: list[dict[str, object]], timeout: float = 10.0) -> object:
    """Submit every event in the same loop turn; a future of their outcomes, in order."""
    import asyncio

    loop = asyncio.get_running_loop()
    futs = [loop.create_future() for _ in events]
    for i, (e, f) in enumerate(zip(events, futs)):
        runner.submit(
            e,
            request_id=f"r{i}",
            integration_timeout=timeout,  # type: ignore[attr-defined]
            done=f.set_result,
        )
    return asyncio.gather(*futs)


def runner_max_batch() -> int:
    from wsspec.serve.invoke import FunctionRunner

    return FunctionRunner.MAX_BATCH


def test_fast_invocations_waiting_together_share_one_worker_and_keep_their_order(
    tmp_path: Path,
) -> None:
    import asyncio

    _, make = _runner(tmp_path, concurrency=4)

    async def run() -> tuple[list[object], int, float]:
        runner = make()
        # The batching mechanics, not the machine's speed: with a budget this large, any
        # measured handler time (a loaded CI machine's included) allows a full batch.
        runner.BATCH_BUDGET = 60.0
        await runner.warm()
        for _ in range(5):  # measured
            await runner.invoke({"n": -1}, request_id="warm", integration_timeout=10)
        limit = runner.batch_limit()
        try:
            outs = await _submit_all(runner, [{"n": i} for i in range(limit)])
            return outs, limit, runner.per_call
        finally:
            await runner.close()

    outs, limit, per_call = asyncio.run(run())
    assert per_call is not None and limit == runner_max_batch()
    assert [o.kind for o in outs] == ["ok"] * limit
    assert [o.value["n"] for o in outs] == list(range(limit))
    assert [o.value["id"] for o in outs] == [f"r{i}" for i in range(limit)]
    # One worker took all of them: nobody else was woken up.
    assert len({o.value["pid"] for o in outs}) == 1


def test_a_slow_handler_is_never_batched_each_invocation_gets_its_own_worker(
    tmp_path: Path,
) -> None:
    import asyncio

    _, make = _runner(tmp_path, concurrency=3)

    async def run() -> tuple[list[object], int]:
        runner = make()
        await runner.warm()
        await runner.invoke({"do": "nap", "s": 0.3}, request_id="warm", integration_timeout=10)
        limit = runner.batch_limit()
        try:  # a nap longer than a worker's start-up, even on a loaded machine
            return await _submit_all(
                runner, [{"do": "nap", "s": 1.5, "n": i} for i in range(3)]
            ), limit
        finally:
            await runner.close()

    outs, limit = asyncio.run(run())
    assert limit == 1
    assert [o.kind for o in outs] == ["ok"] * 3
    assert len({o.value["pid"] for o in outs}) == 3


def test_a_timeout_inside_a_batch_fails_only_that_invocation(tmp_path: Path) -> None:
    """[fast, hang, fast, fast] in one batch on one worker: the hanging one times out (its
    worker is killed); the two queued behind it never started and run on a new worker."""
    import asyncio

    _, make = _runner(tmp_path, concurrency=1)

    async def run() -> tuple[list[object], int]:
        runner = make()
        await runner.warm()
        for _ in range(5):
            await runner.invoke({"n": -1}, request_id="warm", integration_timeout=10)
        # A fast handler, as measured on an idle machine (a loaded one measures it slower and
        # would not batch): the four go to the one worker in one write.
        runner.per_call = 0.0001
        limit = runner.batch_limit()
        try:
            return await _submit_all(
                runner, [{"n": 0}, {"do": "hang", "n": 1}, {"n": 2}, {"n": 3}], timeout=1.0
            ), limit
        finally:
            await runner.close()

    outs, limit = asyncio.run(run())
    assert limit >= 4
    assert [o.kind for o in outs] == ["ok", "timeout", "ok", "ok"]
    assert outs[2].value["pid"] == outs[3].value["pid"] != outs[0].value["pid"]
    assert [outs[i].value["n"] for i in (0, 2, 3)] == [0, 2, 3]


def test_a_worker_exiting_inside_a_batch_fails_only_that_invocation(tmp_path: Path) -> None:
    import asyncio

    _, make = _runner(tmp_path, concurrency=1)

    async def run() -> list[object]:
        runner = make()
        await runner.warm()
        for _ in range(5):
            await runner.invoke({"n": -1}, request_id="warm", integration_timeout=10)
        try:
            return await _submit_all(runner, [{"n": 0}, {"do": "exit", "n": 1}, {"n": 2}])
        finally:
            await runner.close()

    outs = asyncio.run(run())
    assert [o.kind for o in outs] == ["ok", "error", "ok"]
    assert outs[1].value["errorType"] == "Runtime.ExitError"
    assert outs[2].value["pid"] != outs[0].value["pid"]


def test_waiting_invocations_fail_when_no_worker_can_start_even_after_a_reload(
    tmp_path: Path,
) -> None:
    """The handler file disappears (and the function reloads) while an old worker is still busy:
    the next invocation cannot start a worker, and must end with that reason once the old worker
    is gone, never wait forever."""
    import asyncio

    _, make = _runner(tmp_path, concurrency=2)

    async def run() -> tuple[object, object]:
        runner = make()
        await runner.warm()
        try:
            busy = asyncio.ensure_future(
                runner.invoke(
                    {"do": "nap", "s": 0.5, "n": 0}, request_id="a", integration_timeout=10
                )
            )
            await asyncio.sleep(0.2)
            (tmp_path / "handlers" / "work.py").unlink()
            runner.reload()
            late = await asyncio.wait_for(
                runner.invoke({"n": 1}, request_id="b", integration_timeout=10), 10
            )
            return await busy, late
        finally:
            await runner.close()

    busy, late = asyncio.run(run())
    assert busy.kind == "ok" and busy.value["n"] == 0
    assert late.kind == "error" and "not found" in late.value["errorMessage"]


def test_retiring_workers_never_confuses_asyncios_child_watcher(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A worker that exits by itself, one killed by its timeout, and the rest stopped by close():
    each process is signalled at most once and never after it exited, so no reaping races with
    asyncio's watcher ("Unknown child process pid N, will report returncode 255")."""
    import asyncio
    import logging

    _, make = _runner(tmp_path, concurrency=2)

    async def run() -> list[str]:
        runner = make()
        await runner.warm()
        try:
            kinds = []
            for event, limit in (
                ({"n": 0}, 10.0),
                ({"do": "exit"}, 10.0),
                ({"do": "hang"}, 0.5),
                ({"n": 1}, 10.0),
            ):
                out = await runner.invoke(event, request_id="r", integration_timeout=limit)
                kinds.append(out.kind)
            return kinds
        finally:
            await runner.close()

    with caplog.at_level(logging.WARNING, logger="asyncio"):
        kinds = asyncio.run(run())
    assert kinds == ["ok", "error", "timeout", "ok"]
    assert not [r for r in caplog.records if "Unknown child process" in r.getMessage()]


def test_a_hello_that_arrives_before_the_runner_listens_is_not_lost(tmp_path: Path) -> None:
    """Under load, the worker can say hello before ``subprocess_exec`` has handed the pipes back
    to the runner (seen in CI: start-up then waited forever). Here the hand-back is delayed on
    purpose until the worker has certainly spoken."""
    import asyncio

    _, make = _runner(tmp_path, concurrency=1)

    async def run() -> object:
        loop = asyncio.get_running_loop()
        real = loop.subprocess_exec

        async def late(*args: object, **kwargs: object) -> object:
            got = await real(*args, **kwargs)  # type: ignore[arg-type]
            await asyncio.sleep(1.0)  # the worker starts in ~50 ms and says hello
            return got

        loop.subprocess_exec = late  # type: ignore[method-assign]
        runner = make()
        try:
            assert await asyncio.wait_for(runner.warm(), 15) is None
            return await asyncio.wait_for(
                runner.invoke({"n": 5}, request_id="r", integration_timeout=10), 15
            )
        finally:
            await runner.close()

    out = asyncio.run(run())
    assert out.kind == "ok" and out.value["n"] == 5
