"""The local gateway: one TCP port serving the WebSocket stage and the ``@connections`` API.

Each TCP connection starts in HTTP mode. A request with ``Upgrade: websocket`` becomes a
WebSocket connection after the handshake pipeline (reference §11.2): stage path check,
identity-source check (401), Lambda authorizer + policy match (401/403/500), the ``$connect``
integration (2xx accepts; other statuses are returned; an exception is a 502; a returned
``Sec-WebSocket-Protocol`` is relayed), then 101. Any other request is an ``@connections`` call
(keep-alive, served by ``connections_api``) or a 426/403.

WebSocket framing, masking, UTF-8 validation, ping/pong, the closing handshake and the size
limits (``max_size=(128 KB message, 32 KB frame)`` -> close 1009) are done by ``websockets``'
sans-I/O ``ServerProtocol``; this module only moves bytes and decides what messages mean.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from wsspec import derive, names
from wsspec.errors import WsspecError
from wsspec.model import Route, Spec
from wsspec.serve import authorizer as authz
from wsspec.serve import events as ev
from wsspec.serve.config import ServeConfig
from wsspec.serve.invoke import FunctionRunner, Outcome, function_environment
from wsspec.serve.selection import (
    MISSING,
    Unevaluable,
    compile_body_selector,
    evaluate,
    parse_json_body,
)

MAX_HEAD = 64 * 1024
MAX_HTTP_BODY = 10 * 1024 * 1024
_quiet = logging.getLogger("wsspec.serve.websockets")
_quiet.setLevel(logging.WARNING)
_quiet.propagate = False


@dataclass
class Result:
    """What an integration produced."""

    kind: str  # "ok" | "error" | "timeout" | "not_emulated"
    status: int | None = None
    body: str | None = None
    headers: dict[str, str] | None = None
    detail: str = ""


# ============================================================================ connections
class Connection(asyncio.Protocol):
    """One TCP connection: HTTP requests first, then (maybe) a WebSocket."""

    __slots__ = (
        "buf",
        "busy",
        "close_deadline",
        "closed",
        "frag_size",
        "frags",
        "gw",
        "head",
        "hs",
        "last_active_ms",
        "last_inbound",
        "mode",
        "opened",
        "peer",
        "server_close",
        "transport",
        "ws",
    )

    def __init__(self, gw: Gateway) -> None:
        self.gw = gw
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.mode = "http"  # http | handshake | ws | closed
        self.ws: Any = None  # websockets.server.ServerProtocol
        self.hs: ev.Handshake | None = None
        self.head: tuple[int, str, str, list[tuple[str, str]], int, bool] | None = None
        self.busy = False
        self.opened = 0.0
        self.last_inbound = 0.0
        self.last_active_ms = 0
        self.server_close: tuple[int, str] | None = None
        self.frags: list[bytes] | None = None
        self.frag_size = 0
        self.close_deadline: float | None = None
        self.peer: tuple[str, int] = ("127.0.0.1", 0)
        self.closed = False

    # ---------------------------------------------------------------- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        if peer:
            self.peer = (peer[0], peer[1])
        self.gw.sockets.add(self)

    def data_received(self, data: bytes) -> None:
        if self.mode == "ws":
            self._ws_data(data)
            return
        if self.mode == "closed":
            return
        self.buf += data
        if not self.busy:
            self._next_http()

    def eof_received(self) -> bool | None:
        if self.mode == "ws":
            self.ws.receive_eof()
            self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.gw.sockets.discard(self)
        if self.mode == "ws":
            self.ws.receive_eof()
            self.mode = "closed"
            self.gw.connection_closed(self)
        self.mode = "closed"

    # ---------------------------------------------------------------- HTTP
    def _next_http(self) -> None:
        """Serve every complete request in the buffer (keep-alive, pipelining). A request whose
        body has not fully arrived keeps its parsed head in ``self.head`` until it has."""
        while self.mode == "http" and self.buf:
            head = self.head
            if head is None:
                head = self._parse_head()
                if head is None:
                    return
            end, method, target, headers, length, keep_alive = head
            if len(self.buf) < end + length:
                self.head = head
                return
            self.head = None
            body = bytes(self.buf[end : end + length])
            del self.buf[: end + length]
            self._http_request(method, target, headers, body, keep_alive)

    def _parse_head(self) -> tuple[int, str, str, list[tuple[str, str]], int, bool] | None:
        """Parse the head at the start of the buffer: None when incomplete or answered here (an
        error reply, or a WebSocket upgrade handed to the handshake pipeline)."""
        end = self.buf.find(b"\r\n\r\n")
        if end == -1:
            if len(self.buf) > MAX_HEAD:
                self._http_reply(431, b"", {}, close=True)
            return None
        head = bytes(self.buf[:end]).decode("latin-1")
        lines = head.split("\r\n")
        try:
            method, target, _version = lines[0].split(" ", 2)
        except ValueError:
            self._http_reply(400, b"", {}, close=True)
            return None
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            k, sep, v = line.partition(":")
            if not sep:
                self._http_reply(400, b"", {}, close=True)
                return None
            headers.append((k.strip(), v.strip()))
        low = {k.lower(): v for k, v in headers}
        if "websocket" in low.get("upgrade", "").lower():
            rest = bytes(self.buf[end + 4 :])
            self.buf = bytearray()
            self.mode = "handshake"
            self.busy = True
            self.gw.spawn(self.gw.handshake(self, method, target, headers, rest))
            return None
        if "chunked" in low.get("transfer-encoding", "").lower():
            self._http_reply(411, b"", {}, close=True)
            return None
        try:
            length = int(low.get("content-length", "0") or "0")
        except ValueError:
            self._http_reply(400, b"", {}, close=True)
            return None
        if length > MAX_HTTP_BODY:
            self._http_reply(
                413,
                b'{"message":"Request Entity Too Large"}',
                {"x-amzn-ErrorType": "PayloadTooLargeException"},
                close=True,
            )
            return None
        if length and len(self.buf) == end + 4 and low.get("expect", "").lower() == "100-continue":
            assert self.transport is not None
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        keep_alive = low.get("connection", "").lower() != "close"
        return end + 4, method, target, headers, length, keep_alive

    def _http_request(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        keep_alive: bool,
    ) -> None:
        from wsspec.serve.connections_api import respond

        try:
            status, rheaders, rbody = respond(self.gw, method, target, headers, body)
        except Exception as exc:  # noqa: BLE001 - never let a bad request kill the server
            self.gw.log(f"@connections internal error: {type(exc).__name__}: {exc}")
            status, rheaders, rbody = 500, {}, b'{"message":"Internal server error"}'
        self._http_reply(status, rbody, rheaders, close=not keep_alive)

    def _http_reply(self, status: int, body: bytes, headers: dict[str, str], close: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        reason = _REASONS.get(status, "Status")
        out = [f"HTTP/1.1 {status} {reason}"]
        hdrs = {
            "Content-Length": str(len(body)),
            "Date": _http_date(),
            "x-amzn-RequestId": ev.new_id(),
        }
        if body and "Content-Type" not in headers:
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers)
        if close:
            hdrs["Connection"] = "close"
        out += [f"{k}: {v}" for k, v in hdrs.items()]
        self.transport.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
        if close:
            self.mode = "closed"
            self.transport.close()

    # ---------------------------------------------------------------- WebSocket
    def _ws_data(self, data: bytes) -> None:
        ws = self.ws
        ws.receive_data(data)
        events = ws.events_received()
        self._flush()
        for frame in events:
            self._frame(frame)

    def _frame(self, frame: Any) -> None:
        Opcode = _opcode()  # noqa: N806 - the websockets enum, imported lazily
        op = frame.opcode
        if op is Opcode.TEXT or (op is Opcode.CONT and self.frags is not None):
            self.last_inbound = time.monotonic()
            self.last_active_ms = ev.now_ms()
            if op is Opcode.TEXT and frame.fin:
                self._message(frame.data)
                return
            if self.frags is None:
                self.frags = []
            self.frags.append(bytes(frame.data))
            if frame.fin:
                data = b"".join(self.frags)
                self.frags = None
                self._message(data)
        elif op is Opcode.BINARY or op is Opcode.CONT:
            self.close(1003, "Binary frames are not supported")

    def _message(self, data: bytes | bytearray) -> None:
        if self.server_close is not None:
            return
        try:
            text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else str(data)
        except UnicodeDecodeError:
            self.close(1007, "Invalid UTF-8")
            return
        try:
            self.gw.on_message(self, text)
        except Exception as exc:  # noqa: BLE001 - a bug here must not drop the connection
            self.gw.log(f"internal error: {type(exc).__name__}: {exc}")

    def _flush(self) -> None:
        ws = self.ws
        transport = self.transport
        if transport is None:
            return
        for data in ws.data_to_send():
            if data:
                transport.write(data)
            else:
                # End of the stream: a server closes TCP right after the closing handshake.
                transport.close()
                return
        if ws.close_expected() and self.close_deadline is None:
            self.close_deadline = time.monotonic() + self.gw.config.close_timeout
            self.gw.loop.call_later(self.gw.config.close_timeout, self._close_timeout)

    def _close_timeout(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.abort()

    def send_text(self, data: bytes) -> None:
        """Send one message, fragmented into frames of at most the frame limit."""
        if self.mode != "ws" or self.server_close is not None:
            return
        limit = self.gw.config.frame_limit
        ws = self.ws
        try:
            if len(data) <= limit:
                ws.send_text(data)
            else:
                from websockets.frames import Frame, Opcode

                chunks = [data[i : i + limit] for i in range(0, len(data), limit)]
                for i, chunk in enumerate(chunks):
                    op = Opcode.TEXT if i == 0 else Opcode.CONT
                    ws.send_frame(Frame(op, chunk, fin=i == len(chunks) - 1))
        except Exception:  # noqa: BLE001 - the connection is closing; nothing to deliver
            return
        self._flush()

    def send_binary(self, data: bytes) -> None:
        if self.mode != "ws" or self.server_close is not None:
            return
        try:
            self.ws.send_binary(data)
        except Exception:  # noqa: BLE001
            return
        self._flush()

    def close(self, code: int, reason: str) -> None:
        """Start a server-side close; ``$disconnect`` fires when the TCP connection ends."""
        if self.mode != "ws" or self.server_close is not None:
            return
        self.server_close = (code, reason)
        try:
            self.ws.send_close(code, reason)
        except Exception:  # noqa: BLE001 - already closing
            pass
        self._flush()

    def disconnect_status(self) -> tuple[int, str]:
        ws = self.ws
        if self.server_close is not None:
            return self.server_close
        if ws.close_rcvd is not None and (ws.close_sent is None or ws.close_rcvd_then_sent):
            code, reason = int(ws.close_rcvd.code), ws.close_rcvd.reason
            if code == 1005 and not reason:
                reason = "Client-side close frame status not set"
            return code, reason
        if ws.close_sent is not None:  # the protocol failed the connection (1009, 1007, 1002)
            return int(ws.close_sent.code), ws.close_sent.reason
        return self.gw.config.abnormal_close


_REASONS = {
    100: "Continue",
    101: "Switching Protocols",
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    410: "Gone",
    411: "Length Required",
    413: "Payload Too Large",
    426: "Upgrade Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


_date_cache: tuple[int, str] = (-1, "")
_Opcode: Any = None


def _opcode() -> Any:
    """``websockets.frames.Opcode``, imported on first use (websockets is a lazy import)."""
    global _Opcode
    if _Opcode is None:
        from websockets.frames import Opcode

        _Opcode = Opcode
    return _Opcode


def _http_date() -> str:
    """The HTTP ``Date`` value, formatted once per second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now)))
    return _date_cache[1]


# ============================================================================ the gateway
class Gateway:
    def __init__(
        self,
        spec: Spec,
        config: ServeConfig | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.spec = spec
        self.config = config or ServeConfig()
        self._log = log or (lambda s: print(s, file=sys.stderr, flush=True))
        stage_names = [s.name for s in spec.stages]
        stage = self.config.stage or stage_names[0]
        if stage not in stage_names:
            raise WsspecError(
                f"stage {stage!r} is not in the spec (stages: {', '.join(stage_names)})",
                code="WS965",
                exit_code=2,
            )
        self.stage = spec.stage(stage)
        self.api_id = self.config.resolved_api_id(spec.api.name)
        self.routes: dict[str, Route] = {r.key: r for r in spec.routes}
        # route key -> its integration (Spec.route_integration is a linear search)
        self.route_integrations = {r.key: spec.route_integration(r) for r in spec.routes}
        self.custom_routes = {k: r for k, r in self.routes.items() if not k.startswith("$")}
        self.connections: dict[str, Connection] = {}
        self.sockets: set[Connection] = set()
        self.runners: dict[str, FunctionRunner] = {}
        self.tasks: set[asyncio.Future[Any]] = set()
        self.inflight = 0  # messages queued on a function runner, not yet answered
        self.notes: list[str] = []
        self.server: asyncio.AbstractServer | None = None
        self.dynamo: Any = None
        self.aws: Any = None  # aws_integration.LocalAws: endpoints for `type: aws` integrations
        self.port = self.config.port
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self.api: ev.Api = None  # type: ignore[assignment]
        self._stopping = False
        self._sweeper: asyncio.Task[None] | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._validators: dict[str, Any] = {}
        self._route_selector = compile_body_selector(
            spec.api.route_selection, self.config.stringify
        )

    # ---------------------------------------------------------------- lifecycle
    def log(self, text: str) -> None:
        self._log(text)

    @property
    def local_host(self) -> str:
        h = self.config.host
        return "127.0.0.1" if h in ("0.0.0.0", "", "::") else h

    @property
    def ws_url(self) -> str:
        return f"ws://{self.local_host}:{self.port}/{self.stage.name}"

    @property
    def callback_url(self) -> str:
        return f"http://{self.local_host}:{self.port}/{self.stage.name}"

    def spawn(self, coro: Any) -> asyncio.Future[Any]:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Future[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            self.log(f"internal error: {type(exc).__name__}: {exc}")

    async def start(self) -> None:
        import websockets  # noqa: F401  (fail early with a clear message when missing)

        self.loop = asyncio.get_running_loop()
        self.server = await self.loop.create_server(
            lambda: Connection(self), self.config.host, self.config.port, backlog=4096
        )
        self.port = self.server.sockets[0].getsockname()[1]
        self.api = ev.Api(
            api_id=self.api_id,
            stage=self.stage.name,
            region=self.config.region,
            account=self.config.account,
            server_port=self.port,
            stage_variables=dict(self.stage.variables),
            stage_variables_in_events=self.config.stage_variables_in_events,
        )
        self._plan_notes()
        if self.config.dynamodb and (
            self.spec.connections is not None
            or any(i.kind == "aws" for i in self.spec.integrations)
        ):
            await self._start_dynamodb()
        await self._start_functions()
        self._sweeper = asyncio.ensure_future(self._sweep())
        if self.config.reload and self.runners:
            self._watcher = asyncio.ensure_future(self._watch())

    def _plan_notes(self) -> None:
        """Name everything that is not emulated, once, at start-up."""
        for integ in self.spec.integrations:
            routes = ", ".join(integ.routes) or "(unused)"
            if integ.kind == "aws":
                from wsspec.serve.aws_integration import plan_note

                note = plan_note(integ, routes, self.config)
                if note:
                    self.notes.append(note)
            elif integ.kind == "lambda" and integ.function is None:
                self.notes.append(
                    f"not emulated: existing Lambda {integ.lambda_arn} on {routes} "
                    f"(messages get the Internal server error frame)"
                )
            elif integ.kind == "http" and (integ.vpc_link or integ.vpc_link_id):
                self.notes.append(f"VPC link ignored: {routes} call {integ.url} directly")
        # Python and Node.js functions run locally; one that cannot (no `node` on PATH) is
        # named by _start_functions.
        for a in self.spec.authorizers:
            if a.function is None:
                self.notes.append(
                    f"not emulated: authorizer {a.name} uses an existing Lambda; "
                    f"connections are allowed after the identity-source check"
                )
        for r in self.spec.routes:
            if r.authorization == "AWS_IAM":
                self.notes.append(f"not enforced: IAM (SigV4) authorization on {r.key}")
            if r.api_key_required:
                self.notes.append(f"not enforced: API key on {r.key}")
        if not self.stage.default_settings.is_empty() or self.stage.route_settings:
            self.notes.append("not emulated: stage throttling and logging settings")

    async def _start_dynamodb(self) -> None:
        from wsspec.serve.dynamodb import LocalTable

        if self.spec.connections is not None:
            table = names.table_name(self.spec)
            self.dynamo = LocalTable(
                table,
                self.spec.connections,
                region=self.config.region,
                endpoint=self.config.dynamodb_endpoint,
            )
            await asyncio.to_thread(self.dynamo.start)
        from wsspec.serve.aws_integration import start_local_aws

        embedded = self.dynamo.endpoint if self.dynamo is not None and self.dynamo.proc else None
        self.aws = await asyncio.to_thread(
            start_local_aws,
            self.spec,
            self.config.region,
            "127.0.0.1",
            self.config.dynamodb_endpoint,
            embedded,
        )

    async def _start_functions(self) -> None:
        spec = self.spec
        used = {i.function for i in spec.integrations if i.kind == "lambda" and i.function}
        used |= {a.function for a in spec.authorizers if a.function}
        for fn in spec.functions:
            if fn.name not in used:
                continue
            fname = names.function_name(spec, fn.name)
            env = function_environment(
                dict(os.environ),
                derive.environment(spec, fn.name),
                region=self.config.region,
                function_name=fname,
                memory=fn.memory,
                runtime=fn.runtime,
                log_group=names.function_log_group(spec, fn.name),
                function_arn=f"arn:aws:lambda:{self.config.region}:{self.config.account}:function:{fname}",
            )
            env["WSSPEC_CALLBACK_URL"] = self.callback_url
            if self.dynamo is not None:
                env["AWS_ENDPOINT_URL_DYNAMODB"] = self.dynamo.endpoint
            env.update(self.config.extra_env)
            try:
                self.runners[fn.name] = FunctionRunner(
                    fn, spec.project_dir, env, concurrency=self.config.concurrency, log=self.log
                )
            except WsspecError as exc:
                if exc.code != "WS968":  # WS968: a Node.js function, and no `node` on PATH
                    raise
                allows = (
                    f"its authorizers ({', '.join(fn.authorizers)}) allow connections "
                    f"after the identity-source check; "
                    if fn.authorizers
                    else ""
                )
                self.notes.append(
                    f"not emulated: {exc.message}; {allows}its routes get the "
                    f"Internal server error frame"
                )
        results = await asyncio.gather(
            *(r.warm() for r in self.runners.values()), return_exceptions=True
        )
        for (name, _runner), res in zip(self.runners.items(), results):
            if isinstance(res, BaseException):
                self.notes.append(f"function {name}: {res}")
            elif res is not None:
                self.notes.append(
                    f"function {name}: import failed: {res.get('errorType')}: "
                    f"{res.get('errorMessage')} (fix the file; it reloads)"
                )

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.config.reload_interval)
            for name, runner in self.runners.items():
                try:
                    changed = await asyncio.to_thread(runner.changed)
                except OSError:
                    continue
                if changed:
                    runner.reload()
                    self.log(f"reloaded {name} ({runner.fn.handler_path})")
                    err = None
                    try:
                        err = await runner.warm()
                    except WsspecError as exc:
                        self.log(f"function {name}: {exc.message}")
                    if err:
                        self.log(
                            f"function {name}: import failed: {err.get('errorType')}: "
                            f"{err.get('errorMessage')}"
                        )

    async def _sweep(self) -> None:
        cfg = self.config
        tick = max(0.05, min(1.0, cfg.idle_timeout / 4, cfg.max_lifetime / 4))
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            for conn in list(self.connections.values()):
                if now - conn.opened >= cfg.max_lifetime:
                    conn.close(*cfg.lifetime_close)
                elif now - conn.last_inbound >= cfg.idle_timeout:
                    conn.close(*cfg.idle_close)

    async def stop(self) -> None:
        """Graceful shutdown: close every client (1001), run their ``$disconnect``, stop workers."""
        if self._stopping:
            return
        self._stopping = True
        if self.server is not None:
            self.server.close()
        for t in (self._sweeper, self._watcher):
            if t is not None:
                t.cancel()
        for conn in list(self.connections.values()):
            conn.close(1001, "Going away")
        deadline = time.monotonic() + self.config.close_timeout + 1
        while (self.connections or self.tasks or self.inflight) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=max(0.1, deadline + 30 - time.monotonic()))
        for s in list(self.sockets):
            if s.transport is not None:
                s.transport.abort()
        for runner in self.runners.values():
            await runner.close()
        if self.dynamo is not None:
            await asyncio.to_thread(self.dynamo.stop)
        if self.aws is not None:
            await asyncio.to_thread(self.aws.stop)

    # ---------------------------------------------------------------- logging
    def log_event(
        self, kind: str, route: str, conn_id: str, status: Any, ms: float, extra: str = ""
    ) -> None:
        if not self.config.log_events:
            return
        t = time.strftime("%H:%M:%S")
        line = f"{t} {kind:<10} {route:<16} {conn_id}  {status!s:<4} {ms:7.1f} ms"
        if extra:
            line += f"  {extra}"
        self.log(line)

    # ---------------------------------------------------------------- handshake
    async def handshake(
        self,
        conn: Connection,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        rest: bytes,
    ) -> None:
        from websockets.datastructures import Headers
        from websockets.http11 import Request, Response
        from websockets.protocol import OPEN
        from websockets.server import ServerProtocol

        t0 = time.perf_counter()
        path, _, query = target.partition("?")
        hdrs = Headers(headers)

        def reject(status: int, body: bytes = b"", extra: str = "") -> None:
            h = Headers()
            h["Date"] = _http_date()
            h["Content-Length"] = str(len(body))
            if body:
                h["Content-Type"] = "application/json"
            h["Connection"] = "close"
            resp = Response(status, _REASONS.get(status, "Error"), h, body)
            if conn.transport is not None and not conn.transport.is_closing():
                conn.transport.write(resp.serialize())
                conn.transport.close()
            conn.mode = "closed"
            self.log_event(
                "CONNECT", "$connect", "-", status, (time.perf_counter() - t0) * 1000, extra
            )

        if method != "GET" or unquote(path).rstrip("/") != "/" + self.stage.name or self._stopping:
            reject(403, b'{"message":"Forbidden"}', f"no stage at {path}")
            return
        ws = ServerProtocol(
            state=OPEN, max_size=(self.config.message_limit, self.config.frame_limit), logger=_quiet
        )
        request = Request(path=target, headers=hdrs)
        accept = ws.accept(request)
        if accept.status_code != 101:
            reject(accept.status_code, b"", "invalid WebSocket handshake")
            return
        host = hdrs.get("Host") or f"{self.local_host}:{self.port}"
        hs = ev.Handshake(
            connection_id=ev.new_id(),
            connected_at=ev.now_ms(),
            headers=list(headers),
            query=query,
            source_ip=conn.peer[0],
            source_port=conn.peer[1],
            user_agent=hdrs.get("User-Agent"),
            domain_name=host,
        )
        route = self.routes.get("$connect")
        if route is not None and route.authorizer:
            status, detail = await self._authorize(route, hs)
            if status != 200:
                body = {401: b'{"message":"Unauthorized"}', 403: b'{"message":"Forbidden"}'}.get(
                    status, b'{"message": null}'
                )
                reject(status, body, f"authorizer: {detail}")
                return
        subprotocol = None
        status = 200
        detail = ""
        if route is not None:
            request_id = ev.new_id()
            res = await self.run_route(route, "CONNECT", hs, request_id=request_id)
            if res.kind == "ok":
                status = (
                    res.status if res.status is not None else self.config.connect_default_status
                )
                detail = res.detail
                for k, v in (res.headers or {}).items():
                    if k.lower() == "sec-websocket-protocol":
                        subprotocol = str(v)
            elif res.kind == "timeout":
                status = self.config.connect_timeout_status
                detail = "integration timed out"
            elif res.kind == "not_emulated":
                status = 200
                detail = res.detail
            else:
                status = 502
                detail = res.detail
            if not 200 <= status < 300:
                body = b'{"message": "Internal server error"}' if status == 502 else b""
                reject(status, body, detail)
                return
        if conn.closed:
            return
        if subprotocol:
            accept.headers["Sec-WebSocket-Protocol"] = subprotocol
        accept.headers["Date"] = _http_date()
        assert conn.transport is not None
        conn.transport.write(accept.serialize())
        conn.ws = ws
        conn.hs = hs
        conn.mode = "ws"
        conn.opened = conn.last_inbound = time.monotonic()
        conn.last_active_ms = ev.now_ms()
        conn.busy = False
        self.connections[hs.connection_id] = conn
        self.log_event(
            "CONNECT",
            "$connect",
            hs.connection_id,
            101 if status == 200 else status,
            (time.perf_counter() - t0) * 1000,
            detail,
        )
        if rest:
            conn._ws_data(rest)

    async def _authorize(self, route: Route, hs: ev.Handshake) -> tuple[int, str]:
        auth = self.spec.authorizer(route.authorizer)  # type: ignore[arg-type]
        request_id = ev.new_id()
        ctx_lookup = self._context_lookup(hs, request_id)
        missing = authz.missing_identity(
            auth.identity_sources, hs, dict(self.stage.variables), ctx_lookup
        )
        if missing:
            return 401, f"identity source {missing} missing"
        runner = self.runners.get(auth.function or "")
        if runner is None:
            hs.authorizer = {"principalId": "wsspec-local"}
            return 200, "authorizer not emulated"
        event = ev.authorizer_event(self.api, hs, request_id, ev.now_ms())
        timeout = self.config.timeout if self.config.timeout is not None else 29.0
        out = await runner.invoke(event, request_id=request_id, integration_timeout=timeout)
        if out.kind != "ok":
            msg = (out.value or {}).get("errorMessage", "") if isinstance(out.value, dict) else ""
            if msg == "Unauthorized":
                return 401, "Unauthorized"
            return self.config.authorizer_error_status, f"authorizer failed: {msg or out.kind}"
        decision = authz.decide(out.value, self.api.method_arn("$connect"))
        if decision.status == 200:
            hs.authorizer = decision.context
        return decision.status, decision.reason

    def _context_lookup(
        self, hs: ev.Handshake, request_id: str, extra: dict[str, Any] | None = None
    ) -> Callable[[str], Any]:
        ctx = ev.request_context(
            self.api,
            hs,
            route="$connect",
            event_type="CONNECT",
            request_id=request_id,
            request_ms=ev.now_ms(),
        )
        if extra:
            ctx.update(extra)

        def lookup(name: str) -> Any:
            cur: Any = ctx
            for part in name.split("."):
                if not isinstance(cur, dict) or part not in cur:
                    return None
                cur = cur[part]
            return cur

        return lookup

    # ---------------------------------------------------------------- messages
    def select_route(self, text: str, body: Any) -> Route | None:
        if body is MISSING:
            return self.routes.get("$default")
        try:
            key = self._route_selector(body)
        except Unevaluable:
            return self.routes.get("$default")
        route = self.custom_routes.get(key)
        if route is None and key == "$default":
            route = self.routes.get("$default")
        return route if route is not None else self.routes.get("$default")

    def _validate_model(self, route: Route, body: Any) -> bool:
        if not route.model_selection or not route.request_models:
            return True
        if body is MISSING:
            return False
        try:
            key = evaluate(route.model_selection, body, style=self.config.stringify)
        except Unevaluable:
            return False
        name = route.request_models.get(key) or route.request_models.get("$default")
        if name is None:
            return False
        validator = self._validators.get(name)
        if validator is None:
            import jsonschema

            from wsspec.model import plain

            model = next((m for m in self.spec.models if m.name == name), None)
            if model is None:
                return False
            validator = jsonschema.Draft4Validator(plain(model.schema))
            self._validators[name] = validator
        return bool(validator.is_valid(body))

    def on_message(self, conn: Connection, text: str) -> None:
        """A text message from a client. A Lambda proxy route is queued on its function's runner
        and answered from its callback (no task per message); anything else runs as a task."""
        hs = conn.hs
        assert hs is not None
        t0 = time.perf_counter()
        request_id = ev.new_id()
        message_id = ev.new_id()
        body = parse_json_body(text)
        route = self.select_route(text, body)
        if route is None:
            conn.send_text(ev.error_frame("Forbidden", hs.connection_id, request_id).encode())
            self.log_event(
                "MESSAGE",
                "(no route)",
                hs.connection_id,
                403,
                (time.perf_counter() - t0) * 1000,
                "Forbidden",
            )
            return
        if not self._validate_model(route, body):
            frame = self.config.bad_request_template.format(
                connection_id=hs.connection_id, message_id=message_id
            )
            conn.send_text(frame.encode())
            self.log_event(
                "MESSAGE",
                route.key,
                hs.connection_id,
                400,
                (time.perf_counter() - t0) * 1000,
                "Bad request body",
            )
            return
        integ = self.route_integrations.get(route.key) or self.spec.route_integration(route)
        runner = self.runners.get(integ.function or "") if integ.kind == "lambda" else None
        if runner is not None and integ.proxy:
            event = ev.message_event(
                self.api, hs, route.key, text, request_id, message_id, ev.now_ms()
            )
            self.inflight += 1

            def done(out: Outcome) -> None:
                self.inflight -= 1
                self.answer(conn, route, request_id, t0, lambda_proxy_result(out))

            runner.submit(
                event,
                request_id=request_id,
                done=done,
                integration_timeout=self.integration_timeout(integ.timeout_ms),
            )
            return
        self.spawn(self._message_task(conn, route, request_id, message_id, text, t0))

    async def _message_task(
        self, conn: Connection, route: Route, request_id: str, message_id: str, text: str, t0: float
    ) -> None:
        hs = conn.hs
        assert hs is not None
        res = await self.run_route(
            route, "MESSAGE", hs, request_id=request_id, message_id=message_id, body=text
        )
        self.answer(conn, route, request_id, t0, res)

    def answer(
        self, conn: Connection, route: Route, request_id: str, t0: float, res: Result
    ) -> None:
        """Send what a message's integration produced (two-way routes) and log the event."""
        hs = conn.hs
        assert hs is not None
        ms = (time.perf_counter() - t0) * 1000
        if res.kind == "timeout":
            conn.send_text(
                ev.error_frame("Endpoint request timed out", hs.connection_id, request_id).encode()
            )
            self.log_event("MESSAGE", route.key, hs.connection_id, 504, ms, "timed out")
            return
        if res.kind in ("error", "not_emulated"):
            conn.send_text(
                ev.error_frame("Internal server error", hs.connection_id, request_id).encode()
            )
            self.log_event("MESSAGE", route.key, hs.connection_id, 500, ms, res.detail)
            return
        status = res.status if res.status is not None else 200
        if route.two_way and res.body:
            if not 200 <= status < 300 and self.config.two_way_error_status == "error":
                conn.send_text(
                    ev.error_frame("Internal server error", hs.connection_id, request_id).encode()
                )
            else:
                conn.send_text(res.body.encode("utf-8"))
        self.log_event("MESSAGE", route.key, hs.connection_id, status, ms, res.detail)

    def connection_closed(self, conn: Connection) -> None:
        hs = conn.hs
        if hs is None or self.connections.pop(hs.connection_id, None) is None:
            return
        code, reason = conn.disconnect_status()
        self.spawn(self._disconnect(hs, code, reason))

    async def _disconnect(self, hs: ev.Handshake, code: int, reason: str) -> None:
        t0 = time.perf_counter()
        route = self.routes.get("$disconnect")
        status: Any = "-"
        if route is not None:
            res = await self.run_route(
                route, "DISCONNECT", hs, request_id=ev.new_id(), disconnect=(code, reason)
            )
            status = res.status if res.kind == "ok" else res.kind
        self.log_event(
            "DISCONNECT",
            "$disconnect",
            hs.connection_id,
            status,
            (time.perf_counter() - t0) * 1000,
            f"{code} {reason}".strip(),
        )

    # ---------------------------------------------------------------- integrations
    def integration_timeout(self, timeout_ms: int) -> float:
        if self.config.timeout is not None:
            return self.config.timeout
        return timeout_ms / 1000.0

    async def run_route(
        self,
        route: Route,
        event_type: str,
        hs: ev.Handshake,
        *,
        request_id: str,
        message_id: str | None = None,
        body: str | None = None,
        disconnect: tuple[int, str] | None = None,
    ) -> Result:
        integ = self.route_integrations.get(route.key) or self.spec.route_integration(route)
        now = ev.now_ms()
        if event_type == "CONNECT":
            event = ev.connect_event(self.api, hs, request_id, now)
        elif event_type == "MESSAGE":
            event = ev.message_event(
                self.api, hs, route.key, body or "", request_id, message_id or ev.new_id(), now
            )
        else:
            code, reason = disconnect or (1000, "")
            event = ev.disconnect_event(self.api, hs, code, reason, request_id, now)
        timeout = self.integration_timeout(integ.timeout_ms)
        if integ.kind == "lambda":
            runner = self.runners.get(integ.function or "")
            if runner is None:
                return Result("not_emulated", detail="function not emulated")
            if integ.proxy:
                out = await runner.invoke(event, request_id=request_id, integration_timeout=timeout)
                return lambda_proxy_result(out)
            from wsspec.serve.mock import run_lambda_custom

            return await run_lambda_custom(self, integ, runner, event, timeout, request_id)
        if integ.kind == "mock":
            from wsspec.serve.mock import run_mock

            return run_mock(self, integ, event)
        if integ.kind == "http":
            from wsspec.serve.http_integration import run_http

            return await run_http(self, integ, event, timeout)
        from wsspec.serve.aws_integration import run_aws

        return await run_aws(self, integ, event, timeout)


def lambda_proxy_result(out: Outcome) -> Result:
    value = out.value
    if out.kind == "ok" and type(value) is dict:
        status = value.get("statusCode")
        body = value.get("body")
        headers = value.get("headers")
        if type(status) is int and (body is None or type(body) is str) and headers is None:
            return Result("ok", status, body)  # the usual answer, checked in one go
    if out.kind == "timeout":
        return Result("timeout")
    if out.kind != "ok":
        v = out.value if isinstance(out.value, dict) else {}
        return Result("error", detail=f"{v.get('errorType', 'Error')}: {v.get('errorMessage', '')}")
    if isinstance(value, dict):
        status = value.get("statusCode")
        try:
            status = int(status) if status is not None else None
        except (TypeError, ValueError):
            return Result("error", detail=f"invalid statusCode {status!r}")
        body = value.get("body")
        if body is not None and not isinstance(body, str):
            body = json.dumps(body)
        headers = value.get("headers") if isinstance(value.get("headers"), dict) else None
        return Result("ok", status, body, headers)
    if value is None:
        return Result("ok")
    return Result("ok", None, value if isinstance(value, str) else json.dumps(value))
