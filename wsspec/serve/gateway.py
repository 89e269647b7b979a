"""The local gateway: one TCP port serving the WebSocket stage and the ``@connections`` API.

Lifecycle (``start``/``stop``), the handshake pipeline and message dispatch. Bytes are moved by
``transport``; routes are picked by ``routing``; integrations run behind ``integrations.RUNNERS``
with an ``IntegrationContext`` (never this object).

The handshake pipeline: stage path check, identity-source check (401), Lambda
authorizer + policy match (401/403/500), the ``$connect`` integration (2xx accepts; other
statuses are returned; an exception is a 502; a returned ``Sec-WebSocket-Protocol`` is relayed),
then 101. Any other request is an ``@connections`` call (``connections_api``) or a 426/403.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import unquote

from wsspec import names
from wsspec.errors import WsspecError
from wsspec.model import Route, Spec
from wsspec.serve import authorizer as authz
from wsspec.serve import events as ev
from wsspec.serve import startup
from wsspec.serve.config import ServeConfig
from wsspec.serve.connections_api import ConnectionsApi
from wsspec.serve.dynamodb import LocalTable
from wsspec.serve.http11 import Head, Headers
from wsspec.serve.integrations import RUNNERS
from wsspec.serve.integrations.lambda_ import proxy_result
from wsspec.serve.invoke import FunctionRunner
from wsspec.serve.localaws import Launch, LocalAws, forward_request, start_local_aws
from wsspec.serve.network import Network
from wsspec.serve.process import Outcome
from wsspec.serve.protection import Protection
from wsspec.serve.result import IntegrationContext, Result, connect_outcome
from wsspec.serve.routing import Router
from wsspec.serve.selection import parse_json_body
from wsspec.serve.streams import StreamPump, table_params
from wsspec.serve.sweep import sweep
from wsspec.serve.transport import Connection, HttpAnswer, upgrade_response

_FORBIDDEN = b'{"message":"Forbidden"}'
_AUTH_REJECTIONS = {401: b'{"message":"Unauthorized"}', 403: _FORBIDDEN}


class Gateway:
    """`wsspec serve` for one spec and stage. Implements ``transport.Host``."""

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
        self.router = Router(spec, self.config.stringify)
        self.connections: dict[str, Connection] = {}
        self.sockets: set[Connection] = set()
        self.runners: dict[str, FunctionRunner] = {}
        self.integration_context = IntegrationContext(
            stage_variables=self.stage.variables, config=self.config, runners=self.runners
        )
        domain = spec.domain
        self.connections_api = ConnectionsApi(
            self.stage.name,
            self.connections,
            self.config,
            self.log_event,
            (domain.base_path,) if domain and domain.base_path and domain.stage == stage else (),
        )
        self.tasks: set[asyncio.Future[Any]] = set()
        self.inflight = 0  # messages queued on a function runner, not yet answered
        self.notes: list[str] = []
        self.dynamo: LocalTable | None = None
        self.protection = Protection(spec, local_issuer=self.config.local_issuer)
        self.streams: StreamPump | None = None  # stream triggers of application tables
        self.port = self.config.port
        self.api = self._api()
        self._stopping = False
        self._launches: list[Launch] = []  # local AWS processes being started (stop cancels)
        self.network = Network(
            spec,
            self.api_id,
            self.config.region,
            self.config.host,
            local_dynamodb=(spec.connections is not None or bool(spec.tables))
            and self.config.dynamodb,
        )
        self.ready = False
        self._sweeper: asyncio.Task[None] | None = None
        self._watcher: asyncio.Task[None] | None = None

    # ---------------------------------------------------------------- lifecycle
    def log(self, text: str) -> None:
        self._log(text)

    @property
    def aws(self) -> LocalAws | None:
        """The endpoints of the spec's AWS service integrations (None: it has none)."""
        return self.integration_context.aws

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

    @property
    def aws_callback_url(self) -> str | None:
        """The ``@connections`` endpoint as AWS code builds it (reached over TLS, in workers)."""
        if self.network.tls is None:
            return None
        return f"https://{self.network.hosts[0]}/{self.stage.name}"

    def _api(self) -> ev.Api:
        return ev.Api(
            api_id=self.api_id,
            stage=self.stage.name,
            region=self.config.region,
            account=self.config.account,
            server_port=self.port,
            stage_variables=dict(self.stage.variables),
            stage_variables_in_events=self.config.stage_variables_in_events,
        )

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Future[None]:
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
        """Start everything, then listen. The port is bound first (its number goes into the
        functions' environment) but accepts connections only once the local AWS, every function
        worker and the authorizers are ready: before that, a client's connect is refused, so no
        connection can skip its authorizer or its ``$connect``."""
        import websockets  # noqa: F401  (fail early with a clear message when missing)

        self.network.bind(self.config.port, self.config.tls_port, self.config.tls)
        self.port = self.network.port
        if self.network.note:
            self.notes.append(self.network.note)
        self.api = self._api()
        self.notes += startup.plan_notes(self.spec, self.stage, self.config)
        if self.config.dynamodb and (
            self.spec.connections is not None
            or self.spec.tables
            or any(i.kind == "aws" for i in self.spec.integrations)
        ):
            await self._start_local_aws()
        if self.dynamo is not None:
            for host, service in self.network.service_hosts.items():
                if service == "dynamodb":
                    self.network.forward[host] = self.dynamo.endpoint
            self.protection.start_guard(self.dynamo.client(), self.dynamo.name)
        self.notes += self.protection.notes()
        runners, notes = startup.function_runners(
            self.spec,
            self.config,
            self.callback_url if self.config.callback_url_env else None,
            self.dynamo.endpoint if self.dynamo is not None else None,
            self.log,
            self.network.worker_env(),
        )
        self.runners.update(runners)
        self.notes += notes
        self.notes += await startup.warm(self.runners)
        self.notes += self.router.model_notes()
        if self.dynamo is not None and any(f.triggers for f in self.spec.functions):
            pump = StreamPump(self.spec, self.dynamo.endpoint, self.config, self.runners, self.log)
            self.streams = pump
            await pump.start()
        self._sweeper = asyncio.ensure_future(sweep(self.config, self.sockets, self.connections))
        if self.config.reload and self.runners:
            self._watcher = asyncio.ensure_future(
                startup.watch(self.runners, self.config.reload_interval, self.log, self.spec)
            )
        await self.network.listen(lambda secure: Connection(self, secure))
        self.ready = True

    async def _start_local_aws(self) -> None:
        """The connection table and the endpoints of AWS service integrations (one moto). The
        moto server starts in a thread; ``stop`` (Ctrl-C while starting) cancels its launch, so
        it is stopped even if it comes up after the start was abandoned."""
        if self.spec.connections is not None or self.spec.tables:
            self.dynamo = LocalTable(
                names.table_name(self.spec),
                self.spec.connections,
                region=self.config.region,
                endpoint=self.config.dynamodb_endpoint,
                app_tables=table_params(self.spec),
            )
            launch = Launch()
            self._launches.append(launch)
            await asyncio.to_thread(self.dynamo.start, launch)
        embedded = self.dynamo.endpoint if self.dynamo is not None and self.dynamo.proc else None
        launch = Launch()
        self._launches.append(launch)
        self.integration_context.aws = await asyncio.to_thread(
            start_local_aws,
            self.spec,
            self.config.region,
            "127.0.0.1",
            self.config.dynamodb_endpoint,
            embedded,
            launch,
        )

    async def stop(self) -> None:
        """Graceful shutdown: close every client (1001), run their ``$disconnect``, stop workers."""
        if self._stopping:
            return
        self._stopping = True
        self.network.close()
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
        if self.streams is not None:
            await self.streams.stop()
        await asyncio.gather(*(runner.close() for runner in self.runners.values()))
        for launch in self._launches:
            await asyncio.to_thread(launch.cancel)
        if self.dynamo is not None:
            await asyncio.to_thread(self.dynamo.stop)
        if self.aws is not None:
            await asyncio.to_thread(self.aws.stop)
        self.network.cleanup()

    # ---------------------------------------------------------------- logging
    def log_event(
        self,
        kind: str,
        route: str,
        conn_id: str,
        status: int | str | None,
        ms: float,
        extra: str = "",
    ) -> None:
        if not self.config.log_events:
            return
        t = time.strftime("%H:%M:%S")
        line = f"{t} {kind:<10} {route:<16} {conn_id}  {status!s:<4} {ms:7.1f} ms"
        if extra:
            line += f"  {extra}"
        self.log(line)

    # ---------------------------------------------------------------- transport.Host
    def http_request(
        self, conn: Connection, head: Head, body: bytes
    ) -> HttpAnswer | asyncio.Future[HttpAnswer]:
        if conn.tls and self.network.forward:
            host = (_header(head.headers, "Host") or "").rsplit(":", 1)[0].lower()
            endpoint = self.network.forward.get(host)
            if endpoint is not None:  # a worker's call to an AWS service: the local AWS answers
                return asyncio.ensure_future(
                    asyncio.to_thread(
                        forward_request,
                        endpoint,
                        head.method,
                        head.target,
                        head.headers,
                        body,
                        self.config.request_timeout,
                    )
                )
        return self.connections_api.respond(head.method, head.target, body)

    def upgrade(
        self, conn: Connection, method: str, target: str, headers: Headers, rest: bytes
    ) -> None:
        self.spawn(self._guarded_handshake(conn, method, target, headers, rest))

    async def _guarded_handshake(
        self, conn: Connection, method: str, target: str, headers: Headers, rest: bytes
    ) -> None:
        """The handshake pipeline; a bug in it is a 500 and a log line, never a socket left open
        without an answer."""
        try:
            await self.handshake(conn, method, target, headers, rest)
        except Exception as exc:  # noqa: BLE001
            self.log(f"internal error during a handshake: {type(exc).__name__}: {exc}")
            if conn.mode == "handshake":
                conn.reject(500, b'{"message": "Internal server error"}')

    # ---------------------------------------------------------------- handshake
    async def handshake(
        self, conn: Connection, method: str, target: str, headers: Headers, rest: bytes
    ) -> None:
        """Run the handshake pipeline (see the module docstring): 101 or a rejection."""
        t0 = time.perf_counter()
        path, _, query = target.partition("?")

        def reject(status: int, body: bytes = b"", extra: str = "") -> None:
            conn.reject(status, body)
            ms = (time.perf_counter() - t0) * 1000
            self.log_event("CONNECT", "$connect", "-", status, ms, extra)

        if method != "GET" or unquote(path).rstrip("/") != "/" + self.stage.name or self._stopping:
            reject(403, _FORBIDDEN, f"no stage at {path}")
            return
        ws, accept = upgrade_response(target, headers, self.config)
        if accept.status_code != 101:
            reject(accept.status_code, b"", "invalid WebSocket handshake")
            return
        hs = ev.Handshake(
            connection_id=ev.new_id(),
            connected_at=ev.now_ms(),
            headers=list(headers),
            query=query,
            source_ip=conn.peer[0],
            source_port=conn.peer[1],
            user_agent=_header(headers, "User-Agent"),
            domain_name=self.network.domain_name(
                _header(headers, "Host") or f"{self.local_host}:{self.port}",
                self.config.event_domain,
            ),
        )
        route = self.router.get("$connect")
        if route is not None and route.authorizer:
            status, detail = await self._authorize(route.authorizer, hs)
            if status != 200:
                body = _AUTH_REJECTIONS.get(status, b'{"message": null}')
                reject(status, body, f"authorizer: {detail}")
                return
        if route is not None and route.api_key_required and not self.protection.api_key_ok(hs):
            reject(403, _FORBIDDEN, "API key missing or unknown")
            return
        status, detail, subprotocol = 200, "", None
        if conn.gone():  # the client left while its authorizer ran: no $connect
            ms = (time.perf_counter() - t0) * 1000
            self.log_event(
                "CONNECT", "$connect", "-", "-", ms, "the client left during the handshake"
            )
            return
        if route is not None:
            capped = await self.protection.acquire(hs.connection_id, hs.authorizer)
            if capped is not None:
                reject(429, b"", f"connection cap {capped}")
                return
            res = await self.run_route(route, "CONNECT", hs, request_id=ev.new_id())
            status, detail, subprotocol = connect_outcome(res, self.config)
            if not 200 <= status < 300:
                await self.protection.release(hs.connection_id)
                body = b'{"message": "Internal server error"}' if status == 502 else b""
                reject(status, body, detail)
                return
        if conn.gone():
            # $connect ran (and may have stored the connection): undo it with $disconnect.
            ms = (time.perf_counter() - t0) * 1000
            code, reason = self.config.handshake_drop_close
            self.log_event(
                "CONNECT", "$connect", hs.connection_id, status, ms,
                f"the client left during the handshake: $disconnect {code} {reason}".rstrip(),
            )  # fmt: skip
            self.spawn(self._disconnect(hs, code, reason))
            return
        self.connections[hs.connection_id] = conn
        conn.open(ws, accept, hs, subprotocol)
        ms = (time.perf_counter() - t0) * 1000
        code = 101 if status == 200 else status
        self.log_event("CONNECT", "$connect", hs.connection_id, code, ms, detail)
        if rest:
            conn.data_received(rest)

    async def _authorize(self, name: str, hs: ev.Handshake) -> tuple[int, str]:
        auth = self.spec.authorizer(name)
        verify = self.protection.verifier(auth, self.api.method_arn("$connect"))
        return await authz.run(
            auth.identity_sources,
            self.runners.get(auth.function or ""),
            self.api,
            hs,
            dict(self.stage.variables),
            self.config,
            verify=verify,
        )

    # ---------------------------------------------------------------- messages
    def on_message(self, conn: Connection, text: str) -> None:
        """A text message from a client. A Lambda proxy route is queued on its function's runner
        and answered from its callback (no task per message); anything else runs as a task."""
        hs = conn.hs
        assert hs is not None
        t0 = time.perf_counter()
        request_id = ev.new_id()
        message_id = ev.new_id()
        body = parse_json_body(text)
        route = self.router.select(body)
        if route is None:
            conn.send_text(ev.error_frame("Forbidden", hs.connection_id, request_id).encode())
            ms = (time.perf_counter() - t0) * 1000
            self.log_event("MESSAGE", "(no route)", hs.connection_id, 403, ms, "Forbidden")
            return
        if not self.router.valid_body(route, body):
            frame = self.config.bad_request_template.format(
                connection_id=hs.connection_id, message_id=message_id
            )
            conn.send_text(frame.encode())
            ms = (time.perf_counter() - t0) * 1000
            self.log_event("MESSAGE", route.key, hs.connection_id, 400, ms, "Bad request body")
            return
        integ = self.router.integration(route)
        runner = self.runners.get(integ.function or "") if integ.kind == "lambda" else None
        if runner is not None and integ.proxy:
            event = ev.message_event(
                self.api, hs, route.key, text, request_id, message_id, ev.now_ms()
            )
            self.inflight += 1
            conn.pending += 1

            def done(out: Outcome) -> None:
                self.inflight -= 1
                self.answer(conn, route, request_id, t0, proxy_result(out))
                conn.message_done()

            runner.submit(
                event,
                request_id=request_id,
                done=done,
                integration_timeout=self.integration_timeout(integ.timeout_ms),
            )
            return
        conn.pending += 1
        self.spawn(self._message_task(conn, route, request_id, message_id, text, t0))

    async def _message_task(
        self, conn: Connection, route: Route, request_id: str, message_id: str, text: str, t0: float
    ) -> None:
        hs = conn.hs
        assert hs is not None
        try:
            res = await self.run_route(
                route, "MESSAGE", hs, request_id=request_id, message_id=message_id, body=text
            )
            self.answer(conn, route, request_id, t0, res)
        finally:
            conn.message_done()

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
        detail = res.detail
        if route.two_way and res.body:
            data = res.body.encode("utf-8")
            if len(data) > self.config.message_limit:
                # Over the 128 KB message limit: never delivered.
                detail = f"reply of {len(data)} bytes is over the {self.config.message_limit}"
                detail += "-byte message limit"
                if self.config.oversize_reply == "error":
                    conn.send_text(
                        ev.error_frame(
                            "Internal server error", hs.connection_id, request_id
                        ).encode()
                    )
                status = 500
            elif not 200 <= status < 300 and self.config.two_way_error_status == "error":
                conn.send_text(
                    ev.error_frame("Internal server error", hs.connection_id, request_id).encode()
                )
            else:
                conn.send_text(data)
        self.log_event("MESSAGE", route.key, hs.connection_id, status, ms, detail)

    def connection_closed(self, conn: Connection) -> None:
        hs = conn.hs
        if hs is None or self.connections.pop(hs.connection_id, None) is None:
            return
        code, reason = conn.disconnect_status()
        if conn.pending and self.config.disconnect_order == "after_messages":
            # $disconnect waits for the connection's messages still running (their handlers
            # may still look the connection up), then runs.
            conn.after_messages = lambda: self.spawn(self._disconnect(hs, code, reason))
            return
        self.spawn(self._disconnect(hs, code, reason))

    async def _disconnect(self, hs: ev.Handshake, code: int, reason: str) -> None:
        t0 = time.perf_counter()
        route = self.router.get("$disconnect")
        status: int | str | None = "-"
        await self.protection.release(hs.connection_id)
        if route is not None:
            res = await self.run_route(
                route, "DISCONNECT", hs, request_id=ev.new_id(), disconnect=(code, reason)
            )
            status = res.status if res.kind == "ok" else res.kind
        ms = (time.perf_counter() - t0) * 1000
        self.log_event(
            "DISCONNECT", "$disconnect", hs.connection_id, status, ms, f"{code} {reason}".strip()
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
        """Build the route's event and run its integration."""
        integ = self.router.integration(route)
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
        return await RUNNERS[integ.kind](
            self.integration_context,
            integ,
            event,
            timeout=self.integration_timeout(integ.timeout_ms),
            request_id=request_id,
        )


def _header(headers: Headers, name: str) -> str | None:
    """The first value of header ``name`` (any capitalisation)."""
    low = name.lower()
    return next((v for k, v in headers if k.lower() == low), None)
