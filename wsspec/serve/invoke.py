"""Running the spec's functions: one small pool of worker processes per function.

Python functions run in ``python -c worker.py``; Node.js functions in ``node worker.js``, which
speaks the same protocol with JSON frames only (see both files).

Why processes: ``os.environ`` is process-global, so two functions with different environments
cannot share an interpreter; and a handler that calls ``@connections`` on this very server must
not block the server's event loop. Each worker is a fresh ``python`` whose cwd is the function's
source directory (``sys.path[0]`` like ``/var/task``) running ``worker.py``; the gateway talks to it
over pipes, so an invocation costs one pipe round trip, or less: when invocations are waiting,
a worker is handed a batch of them in one write (see ``FunctionRunner.batch_limit``).

Semantics kept from Lambda: one invocation at a time per worker (up to ``concurrency`` workers);
a timed-out worker is killed (its state is lost, like a Lambda sandbox that timed out); an import
error is reported at start-up and returned by every invocation until the file is fixed; when a
function's source files change, its workers are replaced (hot reload).
"""

from __future__ import annotations

import asyncio
import collections
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wsspec.errors import WsspecError
from wsspec.model import Function
from wsspec.serve.eventloop import own_process_group
from wsspec.serve.localaws import DUMMY_KEY
from wsspec.serve.process import Call, Outcome, Worker, WorkerExited, WorkerPipes, deliver

WORKER_SOURCE = (Path(__file__).with_name("worker.py")).read_text()
NODE_WORKER = str(Path(__file__).with_name("worker.js"))  # the same protocol, JSON frames only
WATCHED = {"python": (".py",), "nodejs": (".js", ".mjs", ".cjs", ".json")}
SKIP_DIRS = {
    "__pycache__",
    "node_modules",
    ".git",
    ".venv",
    "venv",
    "build",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
}
MAX_WATCHED = 2000
CLOSE_WAIT = 5.0  # seconds ``close`` waits for every killed worker's pipes to close, in all
# Each worker leads its own process group (killed with whatever its handler started), but stays
# in serve's session: a new session would also be a new scheduler autogroup on Linux, which made
# every message about three times slower on a busy machine (``eventloop.own_process_group``).
# A worker's data segment (RLIMIT_DATA: heap, anonymous mappings, thread stacks) is capped at the
# function's memory plus this much for what the local runtime adds: a 128 MB function that
# allocates 1 GB fails with MemoryError (Node.js: the worker dies), as on Lambda.
MEMORY_HEADROOM_MB = 64
LIMIT_SHIM = (
    "import os, resource, sys\n"
    "n = int(os.environ['WSSPEC_DATA_LIMIT_MB']) << 20\n"
    "resource.setrlimit(resource.RLIMIT_DATA, (n, n))\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": DUMMY_KEY,
    "AWS_SECRET_ACCESS_KEY": DUMMY_KEY,
    "AWS_SESSION_TOKEN": DUMMY_KEY,
}


class FunctionRunner:
    """The worker pool of one spec function: a FIFO of waiting invocations and up to
    ``concurrency`` worker processes, each running one invocation at a time."""

    MAX_BATCH = 16
    BATCH_BUDGET = 0.002  # seconds of (measured) handler time one batch may hold

    def __init__(
        self,
        fn: Function,
        project_dir: str,
        env: dict[str, str],
        *,
        concurrency: int = 4,
        log: Callable[[str], None] = lambda s: None,
        memory_limit: bool = True,
        dependencies: Path | None = None,
        layer_paths: tuple[str, ...] = (),
    ) -> None:
        if fn.language not in WATCHED:
            raise WsspecError(
                f"function {fn.name}: {fn.language} handlers do not run locally", code="WS961"
            )
        if fn.language == "nodejs":
            node = shutil.which("node", path=env.get("PATH"))
            if node is None:
                raise WsspecError(
                    f"function {fn.name}: Node.js handler {fn.handler_path} needs `node`, "
                    f"which is not on PATH",
                    code="WS968",
                    hint="install Node.js (the version of the function's runtime, "
                    f"{fn.runtime}) and restart `wsspec serve`",
                )
            self.argv: tuple[str, ...] = (node, NODE_WORKER)
            if memory_limit:  # node cannot set its own limits: a small exec shim does
                self.argv = (sys.executable, "-S", "-c", LIMIT_SHIM, *self.argv)
        else:
            self.argv = (sys.executable, "-c", WORKER_SOURCE)
        self.force_json = fn.language == "nodejs"  # the Node worker reads JSON frames only
        self.fn = fn
        self.project = Path(project_dir).resolve()
        self.source_dir = (self.project / fn.source_dir).resolve()
        self.handler_file = (self.project / fn.handler_path).resolve()
        for p in (self.source_dir, self.handler_file):
            if p != self.project and self.project not in p.parents:
                raise WsspecError(
                    f"function {fn.name}: {p} is outside the project directory", code="WS962"
                )
        # Behind the connection guard, serve runs the user's handler and the gateway does the
        # guard's part (serve/protection.py).
        handler = fn.user_handler or fn.lambda_handler
        self.module = handler.rsplit(".", 1)[0]
        self.env = {
            **env,
            "WSSPEC_HANDLER_MODULE": self.module,
            "WSSPEC_HANDLER_ENTRY": fn.entry,
            "LAMBDA_TASK_ROOT": str(self.source_dir),
            "_HANDLER": handler,
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        if memory_limit:
            self.env["WSSPEC_DATA_LIMIT_MB"] = str(fn.memory + MEMORY_HEADROOM_MB)
        if fn.language == "nodejs":
            self.env["WSSPEC_HANDLER_FILE"] = str(self.handler_file)
        self.layer_paths = layer_paths  # the layers' import directories, searched in this order
        self.deps_tree: Path | None = None
        self.use_dependencies(dependencies)
        self.fn_timeout = float(fn.timeout)
        self.concurrency = max(1, concurrency)
        self.log = log
        self.generation = 0
        self.idle: list[Worker] = []
        self.workers: set[Worker] = set()
        self.retired: set[Worker] = set()  # killed, exit not yet seen
        self.starting = 0
        self.pending: collections.deque[Call] = collections.deque()
        self.per_call: float | None = None  # measured seconds per invocation (moving average)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._scheduled = False
        self._closed = False
        self.signature = self._scan()
        self.last_init_error: dict[str, Any] | None = None
        self.start_error: str | None = None  # why the last worker start failed

    @property
    def count(self) -> int:
        return len(self.workers) + self.starting

    # ------------------------------------------------------------------ workers
    async def _spawn(self) -> Worker:
        if not self.handler_file.is_file():
            raise WsspecError(
                f"function {self.fn.name}: handler file {self.handler_file} not found", code="WS963"
            )
        name = self.fn.name
        log = self.log
        loop = asyncio.get_running_loop()
        transport, pipes = await loop.subprocess_exec(
            lambda: WorkerPipes(lambda line: log(f"[{name}] {line}")),
            *self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=str(self.source_dir),
            env=self.env,
            **own_process_group(),
        )
        worker = Worker(self, transport, pipes, self.generation)
        try:
            msg = await pipes.hello
        except WorkerExited:
            worker.kill()
            await worker.wait()
            raise WsspecError(
                f"function {self.fn.name}: worker exited during start-up", code="WS964"
            ) from None
        except BaseException:
            worker.kill()
            raise
        pipes.on_reply, pipes.on_eof = worker.on_reply, worker.on_eof
        if pipes.eof:  # exited right after saying hello
            loop.call_soon(worker.on_eof)
        if not msg.get("ready"):
            worker.init_error = msg.get("error")
            self.last_init_error = worker.init_error
        else:
            self.last_init_error = None
        return worker

    async def _start_worker(self) -> Worker:
        """Start one worker (counted in ``starting`` by the caller) and make it idle."""
        try:
            worker = await self._spawn()
        except BaseException as exc:
            self.starting -= 1
            if not isinstance(exc, asyncio.CancelledError):
                reason = (
                    exc.message if isinstance(exc, WsspecError) else f"{type(exc).__name__}: {exc}"
                )
                self.log(reason)
                self.start_error = reason
                if not any(self._usable(w) for w in list(self.workers)):
                    self._fail_waiting()
            raise
        self.start_error = None
        self.starting -= 1
        if self._closed:
            worker.kill()
            raise asyncio.CancelledError
        self.workers.add(worker)
        self.idle.append(worker)
        self._pump()
        return worker

    def _fail_waiting(self) -> None:
        """No worker can run what is waiting (the last start failed): fail it with the reason."""
        waiting, self.pending = self.pending, collections.deque()
        for call in waiting:
            deliver(
                call,
                Outcome(
                    "error",
                    {
                        "errorMessage": self.start_error or "no worker",
                        "errorType": "Runtime.ExitError",
                    },
                ),
                self,
            )

    def _start_in_background(self) -> None:
        self.starting += 1
        task = asyncio.ensure_future(self._start_worker())
        task.add_done_callback(_ignore_result)

    def _discard(self, worker: Worker, signal: bool = True) -> None:
        worker.kill(signal)
        self.workers.discard(worker)
        if not worker.pipes.exited.done():  # close() waits for it
            self.retired.add(worker)
            worker.pipes.exited.add_done_callback(lambda _f: self.retired.discard(worker))

    async def warm(self) -> dict[str, Any] | None:
        """Start one worker now; return its import error (None when the handler loaded)."""
        self.loop = asyncio.get_running_loop()
        self.starting += 1
        worker = await self._start_worker()
        return worker.init_error

    # ------------------------------------------------------------------ invocation
    def submit(
        self,
        event: Any,
        *,
        request_id: str,
        integration_timeout: float,
        done: Callable[[Outcome], None],
        as_json: bool = False,
    ) -> None:
        """Queue one invocation; ``done(outcome)`` is called from the event loop when it ends.
        ``as_json``: the event is not one the gateway built (e.g. a mapping template's output)
        and must travel as JSON."""
        self.pending.append(
            Call(
                {"event": event, "requestId": request_id, "timeoutMs": int(self.fn_timeout * 1000)},
                as_json or self.force_json,
                self.fn_timeout,
                integration_timeout,
                done,
            )
        )
        if not self._scheduled:
            # Dispatch after every message that arrived in this loop turn has been queued, so
            # that they can share pipe writes.
            self._scheduled = True
            loop = self.loop
            if loop is None:
                loop = self.loop = asyncio.get_running_loop()
            loop.call_soon(self._pump)

    async def invoke(
        self, event: Any, *, request_id: str, integration_timeout: float, as_json: bool = False
    ) -> Outcome:
        """Run the function on ``event`` and return how it ended."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Outcome] = loop.create_future()

        def done(out: Outcome) -> None:
            if not fut.done():
                fut.set_result(out)

        self.submit(
            event,
            request_id=request_id,
            integration_timeout=integration_timeout,
            done=done,
            as_json=as_json,
        )
        return await fut

    def batch_limit(self) -> int:
        """How many invocations one worker may hold (running + queued in its pipe): as many as
        fit in ``BATCH_BUDGET`` of measured handler time, at most ``MAX_BATCH``. A slow handler
        (or one not yet measured) gets one at a time, so nothing waits behind it while another
        worker could run it. Fast ones go to as few workers as possible: one worker already runs
        them faster than the gateway (one thread) can feed it, and every process that has to be
        woken up costs CPU time the gateway and its clients would otherwise use."""
        per_call = self.per_call
        if per_call is None:
            return 1
        return max(1, min(self.MAX_BATCH, int(self.BATCH_BUDGET / max(per_call, 1e-6))))

    def _usable(self, worker: Worker) -> bool:
        if worker.alive and worker.generation == self.generation:
            return True
        if not worker.inflight:
            self._discard(worker)
        return False

    def _pump(self) -> None:
        """Hand waiting invocations to workers; start workers when none can take them."""
        self._scheduled = False
        pending = self.pending
        if self._closed:
            return
        limit = self.batch_limit()
        while pending:
            worker = None
            if limit > 1:  # fill a busy worker first
                for cand in self.workers:
                    if 0 < len(cand.inflight) < limit and self._usable(cand):
                        worker = cand
                        break
            if worker is None:
                idle = self.idle
                while idle:
                    cand = idle.pop()
                    if self._usable(cand):
                        worker = cand
                        break
            if worker is None:
                # Start workers for what is waiting (one per waiting invocation, up to the limit).
                while self.count < self.concurrency and self.starting < len(pending):
                    self._start_in_background()
                return
            n = min(limit - len(worker.inflight), len(pending))
            batch = [pending.popleft() for _ in range(n)]
            try:
                worker.dispatch(batch)
            except (ConnectionError, RuntimeError):  # its stdin is already closed
                for _ in batch:
                    worker.inflight.pop()
                pending.extendleft(reversed(batch))
                if not worker.inflight:
                    self._discard(worker)
                return

    def finished(self, worker: Worker, now: float) -> None:
        """``worker`` answered its last invocation in flight."""
        if worker.answered:
            took = (now - worker.busy_since) / worker.answered
            self.per_call = took if self.per_call is None else 0.8 * self.per_call + 0.2 * took
        if worker.timer is not None:
            worker.timer.cancel()
            worker.timer = None
        if worker.generation == self.generation and worker.alive and not self._closed:
            self.idle.append(worker)
        else:
            self._discard(worker)
        if self.pending and not self._scheduled and not self._closed:
            # Later in this loop turn: messages read in this turn join the batch.
            self._scheduled = True
            self.loop.call_soon(self._pump)  # type: ignore[union-attr]

    def timed_out(self, worker: Worker) -> None:
        """The invocation ``worker`` is running passed its limit: the worker is killed (its state
        is lost, like a Lambda sandbox that timed out); the invocations queued behind it on that
        worker never started and go back to the front of the queue."""
        call = worker.inflight.popleft()
        rest = list(worker.inflight)
        worker.inflight.clear()
        self._discard(worker)
        self.pending.extendleft(reversed(rest))
        if call.integration_timeout <= call.fn_timeout:
            out = Outcome("timeout")
        else:
            out = Outcome(
                "fn_timeout",
                {
                    "errorMessage": f"Task timed out after {call.fn_timeout:.2f} seconds",
                    "errorType": "Sandbox.Timedout",
                },
            )
        deliver(call, out, self)
        self._pump()

    def exited(self, worker: Worker) -> None:
        """``worker``'s process is gone: the invocation it was running failed; the ones behind it
        never started and go back to the front of the queue."""
        was_running = bool(worker.inflight)
        if worker in self.idle:
            self.idle.remove(worker)
        self._discard(worker, signal=False)  # its stdout is closed: it is exiting by itself
        if not was_running:
            return
        call = worker.inflight.popleft()
        rest = list(worker.inflight)
        worker.inflight.clear()
        self.pending.extendleft(reversed(rest))
        deliver(
            call,
            Outcome(
                "error",
                {"errorMessage": "worker process exited", "errorType": "Runtime.ExitError"},
            ),
            self,
        )
        self._pump()

    # ------------------------------------------------------------------ hot reload
    def _scan(self) -> tuple[tuple[str, int, int], ...]:
        out: list[tuple[str, int, int]] = []
        suffixes = WATCHED[self.fn.language]
        for root, dirs, files in os.walk(self.source_dir):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            for f in sorted(files):
                if f.endswith(suffixes):
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

    def use_dependencies(self, tree: Path | None) -> None:
        """Workers started from now on import from this installed dependency tree, then from
        the function's layers (as Lambda searches /var/task before /opt)."""
        self.deps_tree = tree = tree or self.deps_tree
        if self.fn.language == "nodejs":
            paths = ([str(tree / "node_modules")] if tree else []) + list(self.layer_paths)
            if paths:
                self.env["NODE_PATH"] = os.pathsep.join(paths)
            return
        if tree is not None:
            self.env["WSSPEC_DEPS_DIR"] = str(tree)
        self.env["WSSPEC_LAYER_PATH"] = os.pathsep.join(self.layer_paths)

    def use_layers(self, paths: tuple[str, ...]) -> None:
        """Workers started from now on import from these layer directories."""
        self.layer_paths = paths
        self.use_dependencies(None)

    def reload(self) -> None:
        """Retire every worker: idle ones now, busy ones when they finish."""
        self.generation += 1
        for w in self.idle:
            self._discard(w)
        self.idle.clear()

    async def close(self) -> None:
        """Stop every worker; invocations still waiting or running end as errors."""
        self._closed = True
        workers = list(self.workers) + list(self.retired)
        self.idle.clear()
        self.workers.clear()
        calls = list(self.pending)
        self.pending.clear()
        for w in workers:
            calls += w.inflight
            w.inflight.clear()
            w.kill()
        for call in calls:
            deliver(
                call,
                Outcome(
                    "error",
                    {"errorMessage": "the server is stopping", "errorType": "Runtime.ExitError"},
                ),
                self,
            )
        # killed with SIGKILL: they exit at once; their pipes are waited for together, at most
        # CLOSE_WAIT seconds in all (one at a time, a few slow ones added up past half a minute)
        waits = [asyncio.ensure_future(w.wait()) for w in workers]
        if waits:
            _, late = await asyncio.wait(waits, timeout=CLOSE_WAIT)
            for f in late:
                f.cancel()


def _ignore_result(task: asyncio.Future[Any]) -> None:
    """Background worker start-ups report their failures themselves (``_start_worker``)."""
    if not task.cancelled():
        task.exception()


def function_environment(
    base: dict[str, str],
    fn_env: dict[str, str],
    *,
    region: str,
    function_name: str,
    memory: int,
    runtime: str,
    log_group: str,
    function_arn: str,
) -> dict[str, str]:
    """The process environment of a worker: no real AWS settings leak in from the developer's
    shell (credentials, profiles, config files); a region and dummy credentials are set."""
    env = {
        k: v
        for k, v in base.items()
        if not k.startswith("AWS_")
        and not k.startswith("WSSPEC_")
        and k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
    }
    env.update(DUMMY_CREDENTIALS)
    env.update(
        {
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
        }
    )
    env.update(fn_env)
    return env
