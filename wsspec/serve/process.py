"""One function worker process, seen from the gateway: the length-prefixed frames on its pipes
(see ``worker.py`` for the protocol), the invocations it has been handed, and their timeout.
The pool that owns the worker (``invoke.FunctionRunner``) is told when it finishes, times out or
exits.
"""

from __future__ import annotations

import asyncio
import collections
import json
import marshal
import os
import signal
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class Pool(Protocol):
    """What a worker tells the pool it belongs to."""

    def finished(self, worker: Worker, now: float) -> None:
        """``worker`` answered its last invocation in flight."""

    def timed_out(self, worker: Worker) -> None:
        """The invocation ``worker`` is running passed its limit."""

    def exited(self, worker: Worker) -> None:
        """``worker``'s process is gone."""

    def log(self, text: str) -> None: ...


@dataclass
class Outcome:
    kind: str  # "ok" | "error" | "timeout" (integration timeout) | "fn_timeout"
    value: Any = None  # result, or {"errorMessage", "errorType", ...}


_ENCODE = json.JSONEncoder(separators=(",", ":")).encode
_LEN = struct.Struct(">I")
# The largest reply frame a worker may write: Lambda's 6 MB response limit (the worker turns a
# larger result into Function.ResponseSizeTooLarge) plus the frame's own overhead.
MAX_REPLY_FRAME = 6 * 1024 * 1024 + 64 * 1024
MAX_LOG_LINE = 256 * 1024  # longer log lines are relayed in pieces (CloudWatch's event limit)


def kill_process_group(transport: asyncio.BaseTransport | None) -> None:
    """SIGKILL a worker and every process its handler started (workers lead their own process
    group), so nothing a handler spawned outlives its worker. ``os.killpg`` does not reap the
    worker, so asyncio's child watcher still sees its exit. (uvloop's process transport has
    ``get_pid`` but is no ``asyncio.SubprocessTransport`` subclass: looked up, not type-checked.)"""
    get_pid = getattr(transport, "get_pid", None)
    pid = get_pid() if callable(get_pid) else None
    if not isinstance(pid, int) or pid <= 0:
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class WorkerExited(Exception):
    """The worker's stdout closed (the process exited or was killed)."""


class WorkerPipes(asyncio.SubprocessProtocol):
    """A worker's pipes, read by callbacks: stdout carries length-prefixed replies; the first
    (the worker's hello) resolves ``hello``, every later one is handed to ``on_reply`` in order.
    stderr is relayed line by line; ``on_eof`` fires once when stdout closes (the process exited
    or was killed). The hello can arrive before subprocess_exec() has returned the pipes to the
    runner, so it is kept here rather than handed to a listener."""

    def __init__(self, relay: Callable[[str], None]) -> None:
        self.relay = relay
        self.out = bytearray()
        self.err = bytearray()
        self.loop = asyncio.get_running_loop()
        self.hello: asyncio.Future[Any] = self.loop.create_future()
        self.on_reply: Callable[[Any], None] = self._said_hello
        self.on_eof: Callable[[], None] = lambda: None
        self.eof = False
        self.broken = False  # the reply pipe carried something else: the worker is being killed
        self.transport: asyncio.BaseTransport | None = None
        self.exited: asyncio.Future[None] = self.loop.create_future()

    def _said_hello(self, obj: Any) -> None:
        if not self.hello.done():
            self.hello.set_result(obj)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        if fd == 1:
            if self.broken:
                return
            try:
                self._replies(data)
            except (ValueError, TypeError, EOFError, UnicodeDecodeError, OverflowError) as exc:
                self._violation(f"{type(exc).__name__}: {exc}")
            return
        err = self.err
        err += data
        end = err.rfind(b"\n")
        if end != -1:
            lines = bytes(err[:end]).split(b"\n")
            del err[: end + 1]
            for line in lines:
                self.relay(line.decode("utf-8", "replace").rstrip())
        while len(err) > MAX_LOG_LINE:  # a line without end: relayed in pieces, never hoarded
            self.relay(bytes(err[:MAX_LOG_LINE]).decode("utf-8", "replace"))
            del err[:MAX_LOG_LINE]

    def _replies(self, data: bytes) -> None:
        """Hand every complete reply in the stdout buffer on, in order. Anything that is not a
        reply of this protocol (the handler wrote to the pipe itself) raises."""
        buf = self.out
        buf += data
        pos = 0
        size = len(buf)
        while size - pos >= 4:
            (n,) = _LEN.unpack_from(buf, pos)
            if n == 0 or n > MAX_REPLY_FRAME:
                raise ValueError(f"a frame of {n} bytes")
            if size - pos < 4 + n:
                break
            tag = buf[pos + 4]
            if tag == 77:  # b"M": marshal (see worker.py)
                obj = marshal.loads(bytes(buf[pos + 5 : pos + 4 + n]))
            elif tag == 74:  # b"J"
                obj = json.loads(buf[pos + 5 : pos + 4 + n].decode())
            else:
                raise ValueError(f"unknown frame tag {tag}")
            if type(obj) is not dict:
                raise ValueError("a reply that is not an object")
            pos += 4 + n
            self.on_reply(obj)
        if pos:
            del buf[:pos]

    def _violation(self, reason: str) -> None:
        """Something other than the worker wrote to its reply pipe (a handler writing to the
        inherited descriptor, say): the worker is stopped, which fails the invocation it was
        running as a crash and starts a fresh worker for the next one."""
        self.broken = True
        self.out.clear()
        self.relay(f"worker protocol error ({reason}): the worker is stopped")
        kill_process_group(self.transport)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == 1:
            if not self.hello.done():
                self.hello.set_exception(WorkerExited())
            if not self.eof:
                self.eof = True
                # One loop turn later, so that the worker's last stderr lines (its traceback)
                # are relayed before the invocation it was running is reported as failed.
                self.loop.call_soon(lambda: self.on_eof())  # whoever listens by then
        elif fd == 2 and self.err:
            self.relay(bytes(self.err).decode("utf-8", "replace").rstrip())
            self.err.clear()

    def connection_lost(self, exc: Exception | None) -> None:
        # The process has exited and every pipe is closed (all its output relayed).
        if self.transport is not None:
            self.transport.close()
        if not self.exited.done():
            self.exited.set_result(None)


class Call:
    """One invocation: queued in the runner, then in flight on one worker."""

    __slots__ = (
        "as_json",
        "done",
        "fn_timeout",
        "integration_timeout",
        "limit",
        "payload",
    )

    def __init__(
        self,
        payload: dict[str, Any],
        as_json: bool,
        fn_timeout: float,
        integration_timeout: float,
        done: Callable[[Outcome], None],
    ) -> None:
        self.payload = payload
        self.as_json = as_json
        self.fn_timeout = fn_timeout
        self.integration_timeout = integration_timeout
        self.limit = min(integration_timeout, fn_timeout)
        self.done = done


def encode(payload: dict[str, Any], as_json: bool) -> bytes:
    """One length-prefixed request. The gateway's events hold only JSON types and strings without
    surrogates, so ``marshal`` (format 2: no shared references) gives the worker what a JSON
    round trip would, at a third of JSON's cost; other payloads (``as_json``), and anything
    marshal refuses, go as JSON."""
    data = None
    if not as_json:
        try:
            data = b"M" + marshal.dumps(payload, 2)
        except ValueError:  # e.g. a dict subclass
            data = None
    if data is None:
        data = b"J" + _ENCODE(payload).encode()
    return _LEN.pack(len(data)) + data


class Worker:
    """One worker process and the invocations it has been handed, answered in order.

    A worker runs one invocation at a time. When invocations of a fast handler are waiting, it
    may be handed several at once, even while busy (a batch in one pipe write, queued in its pipe;
    see ``FunctionRunner.batch_limit``): it runs them one after the other without going to sleep
    in between, which saves a pipe write and a process wake-up per invocation. Each invocation's
    timeout counts from when it starts, i.e. from the answer to the one before it."""

    def __init__(
        self,
        pool: Pool,
        transport: asyncio.SubprocessTransport,
        pipes: WorkerPipes,
        generation: int,
    ) -> None:
        self.pool = pool
        self.transport = transport
        self.pipes = pipes
        self.loop = pipes.loop
        self.stdin: Any = transport.get_pipe_transport(0)
        self.generation = generation
        self.init_error: dict[str, Any] | None = None
        self.inflight: collections.deque[Call] = collections.deque()
        self.started = 0.0  # loop time at which the first invocation in flight started
        self.busy_since = 0.0  # loop time at which this worker last went from idle to busy
        self.answered = 0  # invocations answered since then
        self.dead = False
        # The invocation timeout: one timer per worker, re-armed only when it fires early (a
        # timer per invocation costs more than the rest of the bookkeeping).
        self.deadline = 0.0
        self.timer: asyncio.TimerHandle | None = None

    @property
    def alive(self) -> bool:
        return not self.dead and self.transport.get_returncode() is None and not self.pipes.eof

    def dispatch(self, calls: list[Call]) -> None:
        """Hand ``calls`` to this worker in one write (behind any it is still running)."""
        if not self.inflight:
            self.started = self.busy_since = self.loop.time()
            self.answered = 0
        if len(calls) == 1:
            data = encode(calls[0].payload, calls[0].as_json)
        else:
            data = b"".join([encode(c.payload, c.as_json) for c in calls])
        self.inflight.extend(calls)
        self.stdin.write(data)
        self._arm()

    def _arm(self) -> None:
        self.deadline = deadline = self.started + self.inflight[0].limit
        timer = self.timer
        if timer is None or timer.when() > deadline:
            if timer is not None:
                timer.cancel()
            self.timer = self.loop.call_at(deadline, self._clock)

    def _clock(self) -> None:
        self.timer = None
        if not self.inflight or self.dead:
            return
        if self.loop.time() >= self.deadline - 0.001:
            self.pool.timed_out(self)
        else:
            self.timer = self.loop.call_at(self.deadline, self._clock)

    def on_reply(self, reply: Any) -> None:
        if not self.inflight:
            return  # a worker killed by its timeout may still have had answers in the pipe
        call = self.inflight.popleft()
        self.answered += 1
        if "error" in reply:
            out = Outcome("error", reply["error"])
        else:
            out = Outcome("ok", reply.get("result"))
        if self.inflight:  # the next one starts now
            self.started = self.loop.time()
            self._arm()
        else:
            self.pool.finished(self, self.loop.time())
        deliver(call, out, self.pool)

    def on_eof(self) -> None:
        self.pool.exited(self)

    def kill(self, signal: bool = True) -> None:
        """Retire this worker; ``signal``: also SIGKILL it and its process group, once (without
        ``signal`` the worker is exiting by itself: only what its handler started is killed).
        Never ``Popen.send_signal`` a process that may have exited: it polls first, and reaping
        the child there makes asyncio's child watcher log "Unknown child process pid N"."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        first = not self.dead
        self.dead = True
        if first:
            kill_process_group(self.transport)

    async def wait(self) -> None:
        await asyncio.shield(self.pipes.exited)


def deliver(call: Call, out: Outcome, pool: Pool) -> None:
    """Hand ``out`` to whoever waits for ``call``."""
    try:
        call.done(out)
    except Exception as exc:  # noqa: BLE001 - a bug in a callback must not stop the pipe reader
        pool.log(f"internal error: {type(exc).__name__}: {exc}")
