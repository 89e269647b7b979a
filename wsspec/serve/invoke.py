"""Running the spec's Python functions: one small pool of worker processes per function.

Why processes: ``os.environ`` is process-global, so two functions with different environments
cannot share an interpreter; and a handler that calls ``@connections`` on this very server must
not block the server's event loop. Each worker is a fresh ``python`` whose cwd is the function's
source directory (``sys.path[0]`` like ``/var/task``) running ``worker.py``; the gateway talks to it
over pipes, so an invocation costs one pipe round trip.

Semantics kept from Lambda: one invocation at a time per worker (up to ``concurrency`` workers);
a timed-out worker is killed (its state is lost, like a Lambda sandbox that timed out); an import
error is reported at start-up and returned by every invocation until the file is fixed; when a
function's source files change, its workers are replaced (hot reload).
"""

from __future__ import annotations

import asyncio
import collections
import json
import marshal
import os
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wsspec.errors import WsspecError
from wsspec.model import Function

WORKER_SOURCE = (Path(__file__).with_name("worker.py")).read_text()
SKIP_DIRS = {"__pycache__", "node_modules", ".git", ".venv", "venv", "build", ".mypy_cache",
             ".pytest_cache", ".ruff_cache", ".tox"}
MAX_WATCHED = 2000

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "wsspec-local",
    "AWS_SECRET_ACCESS_KEY": "wsspec-local",
    "AWS_SESSION_TOKEN": "wsspec-local",
}


@dataclass
class Outcome:
    kind: str  # "ok" | "error" | "timeout" (integration timeout) | "fn_timeout"
    value: Any = None  # result, or {"errorMessage", "errorType", ...}
    duration_ms: float = 0.0


_ENCODE = json.JSONEncoder(separators=(",", ":")).encode
_LEN = struct.Struct(">I")


class WorkerExited(Exception):
    """The worker's stdout closed (the process exited or was killed)."""


class _WorkerPipes(asyncio.SubprocessProtocol):
    """A worker's pipes, read by callbacks: stdout carries length-prefixed JSON replies (one at a
    time, answering the one pending request), stderr is relayed line by line."""

    def __init__(self, relay: Callable[[str], None]) -> None:
        self.relay = relay
        self.out = bytearray()
        self.err = bytearray()
        self.waiter: asyncio.Future[Any] | None = None
        self.inbox: list[Any] = []
        self.eof = False
        self.transport: asyncio.BaseTransport | None = None
        self.loop = asyncio.get_running_loop()
        self.exited: asyncio.Future[None] = self.loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        if fd == 1:
            buf = self.out
            buf += data
            while len(buf) >= 4:
                (n,) = _LEN.unpack_from(buf)
                if len(buf) < 4 + n:
                    break
                if buf[4] == 77:  # b"M": marshal (see worker.py)
                    obj = marshal.loads(bytes(buf[5:4 + n]))
                else:
                    obj = json.loads(buf[5:4 + n].decode())
                del buf[:4 + n]
                self._deliver(obj)
        else:
            err = self.err
            err += data
            end = err.rfind(b"\n")
            if end != -1:
                lines = bytes(err[:end]).split(b"\n")
                del err[:end + 1]
                for line in lines:
                    self.relay(line.decode("utf-8", "replace").rstrip())

    def _deliver(self, obj: Any) -> None:
        w = self.waiter
        if w is not None and not w.done():
            self.waiter = None
            w.set_result(obj)
        else:
            self.inbox.append(obj)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == 1:
            self.eof = True
            w = self.waiter
            if w is not None and not w.done():
                self.waiter = None
                w.set_exception(WorkerExited())
        elif fd == 2 and self.err:
            self.relay(bytes(self.err).decode("utf-8", "replace").rstrip())
            self.err.clear()

    def connection_lost(self, exc: Exception | None) -> None:
        # The process has exited and every pipe is closed (all its output relayed).
        if self.transport is not None:
            self.transport.close()
        if not self.exited.done():
            self.exited.set_result(None)

    def next_reply(self) -> asyncio.Future[Any]:
        fut: asyncio.Future[Any] = self.loop.create_future()
        if self.inbox:
            fut.set_result(self.inbox.pop(0))
        elif self.eof:
            fut.set_exception(WorkerExited())
        else:
            self.waiter = fut
        return fut


class Worker:
    def __init__(self, transport: asyncio.SubprocessTransport, pipes: _WorkerPipes,
                 generation: int) -> None:
        self.transport = transport
        self.pipes = pipes
        self.stdin: Any = transport.get_pipe_transport(0)
        self.generation = generation
        self.init_error: dict[str, Any] | None = None
        # The invocation timeout: one timer per worker, re-armed only when it fires early (a
        # timer per invocation costs more than the rest of the bookkeeping).
        self.pending: asyncio.Future[Any] | None = None
        self.deadline = 0.0
        self.timer: asyncio.TimerHandle | None = None

    def start_clock(self, reply: asyncio.Future[Any], limit: float) -> None:
        """Fail ``reply`` with TimeoutError if it is not done within ``limit`` seconds."""
        loop = self.pipes.loop
        self.pending = reply
        self.deadline = deadline = loop.time() + limit
        timer = self.timer
        if timer is None or timer.when() > deadline:
            if timer is not None:
                timer.cancel()
            self.timer = loop.call_at(deadline, self._clock)

    def stop_clock(self) -> None:
        self.pending = None

    def _clock(self) -> None:
        self.timer = None
        reply = self.pending
        if reply is None or reply.done():
            return
        loop = self.pipes.loop
        if loop.time() >= self.deadline - 0.001:
            reply.set_exception(asyncio.TimeoutError())
        else:
            self.timer = loop.call_at(self.deadline, self._clock)

    @property
    def alive(self) -> bool:
        return self.transport.get_returncode() is None and not self.pipes.eof

    def read(self) -> asyncio.Future[Any]:
        """The next reply (a future; fails with WorkerExited when the process is gone)."""
        return self.pipes.next_reply()

    def write(self, obj: Any, as_json: bool = False) -> None:
        """Send one request. The gateway's events hold only JSON types and strings without
        surrogates, so ``marshal`` (format 2: no shared references) gives the worker what a JSON
        round trip would, at a third of JSON's cost; other payloads (``as_json``), and anything
        marshal refuses, go as JSON."""
        data = None
        if not as_json:
            try:
                data = b"M" + marshal.dumps(obj, 2)
            except ValueError:  # e.g. a dict subclass
                data = None
        if data is None:
            data = b"J" + _ENCODE(obj).encode()
        self.stdin.write(_LEN.pack(len(data)) + data)

    def kill(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.transport.get_returncode() is None:
            try:
                self.transport.kill()
            except ProcessLookupError:
                pass

    async def wait(self) -> None:
        await asyncio.shield(self.pipes.exited)


class FunctionRunner:
    """The worker pool of one spec function."""

    def __init__(
        self,
        fn: Function,
        project_dir: str,
        env: dict[str, str],
        *,
        concurrency: int = 4,
        log: Callable[[str], None] = lambda s: None,
    ) -> None:
        if fn.language != "python":
            raise WsspecError(f"function {fn.name}: only Python handlers run locally", code="WS701")
        self.fn = fn
        self.project = Path(project_dir).resolve()
        self.source_dir = (self.project / fn.source_dir).resolve()
        self.handler_file = (self.project / fn.handler_path).resolve()
        for p in (self.source_dir, self.handler_file):
            if p != self.project and self.project not in p.parents:
                raise WsspecError(
                    f"function {fn.name}: {p} is outside the project directory", code="WS702"
                )
        self.module = fn.lambda_handler.rsplit(".", 1)[0]
        self.env = {
            **env,
            "WSSPEC_HANDLER_MODULE": self.module,
            "WSSPEC_HANDLER_ENTRY": fn.entry,
            "LAMBDA_TASK_ROOT": str(self.source_dir),
            "_HANDLER": fn.lambda_handler,
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.concurrency = max(1, concurrency)
        self.log = log
        self.generation = 0
        self.idle: list[Worker] = []
        self.count = 0
        self.active = 0  # invocations holding one of the `concurrency` slots
        self.queue: collections.deque[asyncio.Future[None]] = collections.deque()
        self.signature = self._scan()
        self.last_init_error: dict[str, Any] | None = None

    # ------------------------------------------------------------------ workers
    async def _spawn(self) -> Worker:
        if not self.handler_file.is_file():
            raise WsspecError(f"function {self.fn.name}: handler file {self.handler_file} not found",
                              code="WS703")
        name = self.fn.name
        log = self.log
        loop = asyncio.get_running_loop()
        transport, pipes = await loop.subprocess_exec(
            lambda: _WorkerPipes(lambda line: log(f"[{name}] {line}")),
            sys.executable, "-c", WORKER_SOURCE,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=str(self.source_dir), env=self.env,
        )
        worker = Worker(transport, pipes, self.generation)
        self.count += 1
        try:
            hello = await worker.read()
        except WorkerExited:
            self.count -= 1
            worker.kill()
            await worker.wait()
            raise WsspecError(f"function {self.fn.name}: worker exited during start-up",
                              code="WS704") from None
        if not hello.get("ready"):
            worker.init_error = hello.get("error")
            self.last_init_error = worker.init_error
        else:
            self.last_init_error = None
        return worker

    def _discard(self, worker: Worker) -> None:
        worker.kill()
        self.count -= 1

    async def warm(self) -> dict[str, Any] | None:
        """Start one worker now; return its import error (None when the handler loaded)."""
        worker = await self._spawn()
        self.idle.append(worker)
        return worker.init_error

    # ------------------------------------------------------------------ invocation
    # A FIFO semaphore, like asyncio.Semaphore minus its per-call overhead. Invariant: a waiter
    # is queued only while every slot is taken, and a released slot goes straight to the first
    # waiter, so ``active < concurrency`` means nobody is waiting.
    async def _take_slot(self) -> None:
        if self.active < self.concurrency:
            self.active += 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.queue.append(turn)
        try:
            await turn
        except BaseException:
            if turn.done() and not turn.cancelled():
                self._give_slot()  # handed a slot while being cancelled: pass it on
            raise

    def _give_slot(self) -> None:
        queue = self.queue
        while queue:
            turn = queue.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.active -= 1

    async def invoke(
        self, event: Any, *, request_id: str, integration_timeout: float, as_json: bool = False
    ) -> Outcome:
        """Run the function on ``event``; ``as_json``: the event is not one the gateway built
        (e.g. a mapping template's output) and must travel as JSON."""
        fn_timeout = float(self.fn.timeout)
        limit = min(integration_timeout, fn_timeout)
        start = time.perf_counter()
        await self._take_slot()
        try:
            worker = None
            while self.idle:
                cand = self.idle.pop()
                if cand.alive and cand.generation == self.generation:
                    worker = cand
                    break
                self._discard(cand)
            if worker is None:
                worker = await self._spawn()
            reply_fut = worker.read()
            worker.start_clock(reply_fut, limit)
            try:
                worker.write({"event": event, "requestId": request_id,
                              "timeoutMs": int(fn_timeout * 1000)}, as_json)
                reply = await reply_fut
            except asyncio.TimeoutError:
                self._discard(worker)
                ms = (time.perf_counter() - start) * 1000
                if integration_timeout <= fn_timeout:
                    return Outcome("timeout", None, ms)
                return Outcome("fn_timeout", {
                    "errorMessage": f"Task timed out after {fn_timeout:.2f} seconds",
                    "errorType": "Sandbox.Timedout"}, ms)
            except (WorkerExited, ConnectionError):
                self._discard(worker)
                await asyncio.sleep(0)
                return Outcome("error", {"errorMessage": "worker process exited",
                                         "errorType": "Runtime.ExitError"},
                               (time.perf_counter() - start) * 1000)
            except BaseException:  # cancelled (shutdown): the worker's state is unknown
                self._discard(worker)
                raise
            finally:
                worker.stop_clock()
            if worker.generation == self.generation and worker.alive:
                self.idle.append(worker)
            else:
                self._discard(worker)
        finally:
            self._give_slot()
        ms = (time.perf_counter() - start) * 1000
        if "error" in reply:
            return Outcome("error", reply["error"], ms)
        return Outcome("ok", reply.get("result"), ms)

    # ------------------------------------------------------------------ hot reload
    def _scan(self) -> tuple[tuple[str, int, int], ...]:
        out: list[tuple[str, int, int]] = []
        for root, dirs, files in os.walk(self.source_dir):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            for f in sorted(files):
                if f.endswith(".py"):
                    p = os.path.join(root, f)
                    try:
                        st = os.stat(p)
                    except OSError:
                        continue
                    out.append((p, st.st_mtime_ns, st.st_size))
                    if len(out) >= MAX_WATCHED:
                        return tuple(out)
        return tuple(out)

    def changed(self) -> bool:
        sig = self._scan()
        if sig != self.signature:
            self.signature = sig
            return True
        return False

    def reload(self) -> None:
        """Retire every worker: idle ones now, busy ones when they finish."""
        self.generation += 1
        for w in self.idle:
            self._discard(w)
        self.idle.clear()

    async def close(self) -> None:
        workers = list(self.idle)
        for w in workers:
            self._discard(w)
        self.idle.clear()
        for w in workers:
            try:
                await asyncio.wait_for(w.wait(), 5)
            except asyncio.TimeoutError:
                pass


def function_environment(
    base: dict[str, str], fn_env: dict[str, str], *, region: str, function_name: str,
    memory: int, runtime: str, log_group: str, function_arn: str,
) -> dict[str, str]:
    """The process environment of a worker: no real AWS settings leak in from the developer's
    shell (credentials, profiles, config files); a region and dummy credentials are set."""
    env = {k: v for k, v in base.items() if not k.startswith("AWS_") and not k.startswith("WSSPEC_")
           and k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env.update(DUMMY_CREDENTIALS)
    env.update({
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "WSSPEC_FUNCTION_ARN": function_arn,
    })
    env.update(fn_env)
    return env
