"""Every AWS call goes through a gate per API family: bounded concurrency, adaptive pacing.

AWS limits control-plane calls per account and API family (API Gateway, Lambda, IAM …) and
answers calls above the limit with a throttling error. botocore's own retries back off
exponentially and blindly; here every call of a family passes one ``Gate``:

- at most ``limit`` calls of the family are in flight at once;
- until the family is first throttled, calls go as fast as that allows; on a throttling answer
  the gate paces the family at 85 % of the rate that was getting through (measured over the
  last second; once per round: calls already in flight when the pace was lowered do not lower
  it again), and the throttled call is sent again when its turn comes;
- while nothing is throttled the pace grows back to the rate that was throttled (by 20 % of it
  per second), then beyond it by 25 % per second to find the limit again, and stops pacing
  once it is four times above it.

The constants were chosen with a simulation of a token-bucket limit (the way AWS meters
control-plane calls): from 45 to 1,000 calls at 2 to 20 calls/s, the deploy took 1.00-1.04x
the time the limit implies (tests/test_deploy_pacing.py has the simulation).

Throttled calls are retried for as long as the family makes progress (``patience`` seconds
without a single success end the deploy with WS934), so throttling alone never fails a deploy
that would succeed sequentially. Transient errors (HTTP 502/503/504, timeouts, connection
resets) are retried a few times with jittered back-off; every other error is the caller's.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from typing import Any, Callable, TypeVar

from wsspec.deploy.errors import aws_error, error_code, is_unimplemented
from wsspec.deploy.progress import Activity

T = TypeVar("T")

THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "Throttled",  # SNS
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
TRANSIENT_CODES = frozenset(
    {
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "502",
        "503",
        "504",
    }
)

DECREASE = 0.85  # the pace after a throttling answer, as a share of what got through
RECOVER = 0.2  # below the last throttled rate the pace grows by this share of it per second
PROBE = 0.25  # above it, the pace grows by this share of itself per second
RELEASE = 4.0  # pacing stops once the pace is this many times the last throttled rate
FLOOR = 0.2  # never slower than one call per five seconds
START = 1.0  # the pace when nothing at all got through before the first throttling answer
WINDOW = 1.0  # seconds over which the rate that gets through is measured
TRANSIENT_RETRIES = 4


def is_throttle(exc: BaseException) -> bool:
    code = error_code(exc)
    resp = getattr(exc, "response", None) or {}
    status = (resp.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return code in THROTTLE_CODES or status == 429


def is_transient(exc: BaseException) -> bool:
    if is_unimplemented(exc):
        return False
    if error_code(exc) in TRANSIENT_CODES:
        return True
    name = type(exc).__name__
    return name in (
        "ConnectionClosedError",
        "ReadTimeoutError",
        "ConnectTimeoutError",
        "EndpointConnectionError",
        # an error page instead of an AWS error (a 5xx from a front end or an emulator); the
        # first call of a deploy is not retried, so an endpoint that is not AWS fails at once
        "ResponseParserError",
    )


class Gate:
    """One API family: a bound on calls in flight and an adaptive pace."""

    def __init__(self, family: str, limit: int, clock: Callable[[], float]) -> None:
        self.family = family
        self.slots = threading.BoundedSemaphore(max(1, limit))
        self.clock = clock
        self._lock = threading.Lock()
        self.rate: float | None = None  # calls/s; None: not paced
        self.peak = 0.0  # the rate at the last throttling answer
        self.next_at = 0.0  # when the next call may be sent
        self.cut_at = -1.0  # when the pace was last lowered
        self.grown_at = 0.0
        self.done: deque[float] = deque()  # when recent calls succeeded
        self.last_ok = clock()

    def turn(self) -> tuple[float, float]:
        """(seconds to wait before sending, when this turn was given)."""
        with self._lock:
            now = self.clock()
            if self.rate is None:
                return 0.0, now
            rate = self._grown(self.rate, now)
            self.rate = rate
            if rate is None:
                return 0.0, now
            at = max(now, self.next_at)
            self.next_at = at + 1.0 / rate
            return at - now, now

    def _grown(self, rate: float, now: float) -> float | None:
        """The pace after ``now - grown_at`` seconds without throttling (None: unpaced)."""
        dt = max(0.0, now - self.grown_at)
        self.grown_at = now
        if rate < self.peak:
            rate = min(self.peak, rate + RECOVER * self.peak * dt)
        else:
            rate *= 1.0 + PROBE * dt
        return None if rate > RELEASE * self.peak else rate

    def success(self) -> None:
        with self._lock:
            now = self.clock()
            self.last_ok = now
            self.done.append(now)
            while self.done and self.done[0] < now - WINDOW:
                self.done.popleft()

    def throttled(self, turn_at: float) -> float | None:
        """Lower the pace (once per round: not again for calls given their turn before the
        last cut). Returns the new rate when it changed."""
        with self._lock:
            now = self.clock()
            if turn_at < self.cut_at:
                return None
            while self.done and self.done[0] < now - WINDOW:
                self.done.popleft()
            got_through = len(self.done) / WINDOW
            if self.rate is None:
                base = got_through if got_through >= START else START
            else:
                base = min(self.rate, max(got_through, FLOOR))
            self.peak = max(base, FLOOR)
            self.rate = max(FLOOR, base * DECREASE)
            self.cut_at = self.grown_at = now
            self.next_at = max(self.next_at, now + 1.0 / self.rate)
            return self.rate


class Pacer:
    """The gates of one deploy, and the retry loop every call runs in."""

    def __init__(
        self,
        activity: Activity,
        *,
        limit: int = 16,
        patience: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.activity = activity
        self.limit = limit
        self.patience = patience
        self.clock = clock
        self.sleep = sleep
        self._gates: dict[str, Gate] = {}
        self._lock = threading.Lock()

    def gate(self, family: str) -> Gate:
        with self._lock:
            g = self._gates.get(family)
            if g is None:
                g = self._gates[family] = Gate(family, self.limit, self.clock)
            return g

    def call(self, family: str, op: str, send: Callable[[], T], *, retry: bool = True) -> T:
        """``send()`` through the family's gate; throttling and transient errors retried."""
        gate = self.gate(family)
        transient = 0
        started = self.clock()
        while True:
            with gate.slots:
                wait, turn_at = gate.turn()
                if wait > 0:
                    self.activity.waiting(family, 1)
                    try:
                        self.sleep(wait)
                    finally:
                        self.activity.waiting(family, -1)
                self.activity.sending(family, 1)
                try:
                    result = send()
                except Exception as exc:  # noqa: BLE001
                    error: BaseException = exc
                else:
                    gate.success()
                    return result
                finally:
                    self.activity.sending(family, -1)
            if is_throttle(error):
                self._throttled(gate, op, turn_at, error)
                if self.clock() - max(started, gate.last_ok) > self.patience:
                    raise aws_error(
                        f"{family} kept throttling {op} for {int(self.patience)} s",
                        "the account's API rate limits are used up by something else; "
                        "run again later",
                        "WS934",
                    ) from None
                continue
            if retry and is_transient(error) and transient < TRANSIENT_RETRIES:
                transient += 1
                self.sleep(random.uniform(0.5, 1.0) * 0.2 * 2**transient)
                continue
            raise error

    def _throttled(self, gate: Gate, op: str, turn_at: float, error: BaseException) -> None:
        rate = gate.throttled(turn_at)
        message = None
        if rate is not None:
            code = error_code(error) or "HTTP 429"
            message = f"{gate.family} throttled {op} ({code}); pacing at {rate:.1f} calls/s"
        self.activity.throttled(gate.family, gate.rate, message)


def patch_client(client: Any, family: str, pacer: Pacer, *, retry: bool = True) -> Any:
    """Send every call of a boto3 client (paginators included) through ``pacer``."""
    real = client._make_api_call

    def gated(operation_name: str, api_params: dict[str, Any]) -> Any:
        return pacer.call(
            family, operation_name, lambda: real(operation_name, api_params), retry=retry
        )

    client._make_api_call = gated
    return client
