"""Run a plan's steps with boto3: each step as soon as the steps it waits for are done.

Retries: botocore ``standard`` mode handles throttling and 5xx; on top of that, calls marked
``iam`` retry while a new role is not yet assumable (Lambda ``InvalidParameterValueException``
"cannot be assumed"), and ``busy`` calls retry while a resource is being updated. The sleep is
injectable so tests run fast. Optional calls an emulator lacks are skipped with a warning.
"""

from __future__ import annotations

import graphlib
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from wsspec.deploy.aws import Aws
from wsspec.deploy.errors import error_code, is_unimplemented, translate
from wsspec.deploy.records import resolve
from wsspec.deploy.steps import Call, Plan, Step
from wsspec.errors import WsspecError

# (event, step or None, message); events: start|done|retry|skip (a step), lock|throttle (none)
Progress = Callable[[str, Step | None, str], None]

_IAM_MESSAGES = (
    "cannot be assumed",
    "role defined for the function",
    "not authorized to perform: sts:AssumeRole",
    "does not have required permissions",
    "role arn",
)
_BUSY_CODES = {
    "ResourceConflictException",
    "ResourceInUseException",
    "TooManyUpdates",
    "ConcurrentModificationException",
    "PreconditionFailedException",
    "ConflictException",
}


@dataclass
class Result:
    ids: dict[str, str]
    steps_done: int = 0
    calls: int = 0
    warnings: list[str] = field(default_factory=list)


def _retryable(call: Call, exc: BaseException) -> bool:
    code = error_code(exc)
    msg = str(exc).lower()
    if (
        "iam" in call.retry
        and code
        in ("InvalidParameterValueException", "BadRequestException", "AccessDeniedException")
        and any(m in msg for m in _IAM_MESSAGES)
    ):
        return True
    if "busy" in call.retry and code in _BUSY_CODES:
        return True
    return False


def _get(resp: Mapping[str, Any], path: str) -> str:
    cur: Any = resp
    for part in path.split("."):
        cur = cur[part]
    return str(cur)


class Executor:
    def __init__(
        self,
        aws: Aws,
        *,
        progress: Progress | None = None,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = 12,
        base_delay: float = 0.5,
        max_delay: float = 10.0,
    ) -> None:
        self.aws = aws
        self.progress = progress or (lambda *_: None)
        self.sleep = sleep
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._lock = threading.Lock()

    def run(self, plan: Plan) -> Result:
        """Start every step whose ``after`` steps are done; on an error, start nothing more,
        let the running steps finish, then raise the first error."""
        result = Result(ids=dict(plan.known))
        steps = plan.steps
        waiting = [set(s.after) for s in steps]
        dependents: dict[int, list[int]] = {}
        for i, s in enumerate(steps):
            for j in s.after:
                dependents.setdefault(j, []).append(i)
        activity = getattr(self.aws, "activity", None)
        if activity is not None:
            activity.steps_total = len(steps)
        concurrency = max(1, int(self.aws.options.concurrency))
        workers = 1 if concurrency == 1 else min(64, concurrency * 4)
        errors: list[BaseException] = []
        started = 0
        with ThreadPoolExecutor(max_workers=workers) as pool:
            running: dict[Future[None], int] = {}

            def start(i: int) -> None:
                running[pool.submit(self._run_step, steps[i], result)] = i

            rank = _critical_path(steps, dependents)
            for i in sorted(range(len(steps)), key=rank):
                if not waiting[i]:
                    start(i)
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                ready: list[int] = []
                for f in sorted(done, key=lambda f: running[f]):
                    i = running.pop(f)
                    started += 1
                    exc = f.exception()
                    if exc is not None:
                        errors.append(exc)
                        continue
                    if activity is not None:
                        activity.step_done()
                    for d in dependents.get(i, ()):
                        waiting[d].discard(i)
                        if not waiting[d]:
                            ready.append(d)
                for d in sorted(ready, key=rank):
                    if not errors:
                        start(d)
        if errors:
            raise errors[0]
        if started != len(steps):  # a cycle in the plan: a bug, never a user error
            raise WsspecError(
                "internal: the plan's steps wait for each other", code="WS999", exit_code=3
            )
        return result

    def _run_step(self, s: Step, result: Result) -> None:
        self.progress("start", s, "")
        for call in s.calls:
            self._call(s, call, result)
        with self._lock:
            result.steps_done += 1
        self.progress("done", s, "")

    def _call(self, step: Step, call: Call, result: Result) -> None:
        with self._lock:
            ids = dict(result.ids)
        try:
            params = resolve(dict(call.params), ids)
        except KeyError as exc:  # a bug in the planner, not a user error
            raise WsspecError(
                f"internal: {exc} in {call.op} for {step.kind} {step.key}",
                code="WS999",
                exit_code=3,
            ) from None
        client = self.aws.client(
            call.service, probe=call.optional and bool(self.aws.options.endpoint_url)
        )
        attempt = 0
        while True:
            attempt += 1
            try:
                with self._lock:
                    result.calls += 1
                resp = getattr(client, call.op)(**params)
                break
            except Exception as exc:  # noqa: BLE001
                if isinstance(exc, WsspecError):
                    raise
                if call.optional and is_unimplemented(exc):
                    msg = (
                        f"the endpoint does not implement {call.service} {call.op}; "
                        f"skipped for {step.kind} {step.key}"
                    )
                    with self._lock:
                        result.warnings.append(msg)
                    self.progress("skip", step, msg)
                    return
                if attempt < self.attempts and _retryable(call, exc):
                    delay = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
                    self.progress(
                        "retry", step, f"{call.op}: {error_code(exc)}; retrying in {delay:.1f}s"
                    )
                    self.sleep(delay)
                    continue
                raise translate(
                    exc,
                    operation=f"{call.service}:{call.op} for {step.kind} {step.key}",
                    endpoint=self.aws.options.endpoint_url,
                ) from None
        if call.produces:
            with self._lock:
                for name, path in call.produces:
                    result.ids[name] = _get(resp, path)


def _critical_path(
    steps: tuple[Step, ...], dependents: dict[int, list[int]]
) -> Callable[[int], Any]:
    """A sort key that puts first the steps with the longest chain of calls still to wait for
    them (their own calls plus the longest chain of their dependents): ready steps are started
    in that order, so that a long chain (a role's policy then the role; 28 permissions on one
    function, one after another) is not queued behind one-call steps. Ties keep plan order."""
    longest = [0] * len(steps)
    for i in _reverse_topological(len(steps), dependents):
        tail = max((longest[d] for d in dependents.get(i, ())), default=0)
        longest[i] = len(steps[i].calls) + tail
    return lambda i: (-longest[i], i)


def _reverse_topological(n: int, dependents: dict[int, list[int]]) -> list[int]:
    """Every step after all of its dependents (plan order when the plan has a cycle: a bug
    ``Executor.run`` reports)."""
    graph = {i: dependents.get(i, []) for i in range(n)}  # dependents as "predecessors"
    try:
        return list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError:
        return list(range(n))


def execute(
    plan: Plan,
    aws: Aws,
    *,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Result:
    return Executor(aws, progress=progress, sleep=sleep).run(plan)
