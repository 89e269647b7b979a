"""The live view of a deploy: calls in flight per API family, throttling, steps done.

``Activity`` is updated by the pacer (``wsspec.deploy.pacing``) and the executor from many
threads, and read by whoever shows progress (``wsspec.cli.deploy``) as a ``Snapshot``: a
terminal redraws one status line from it, plain output prints the ``Event`` lines instead.
Nothing here prints.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

Listener = Callable[[str, str], None]  # (event: "throttle" | "lock", one-line message)


@dataclass(frozen=True)
class FamilyView:
    """One API family (the SigV4 service name: ``apigateway`` serves v1 and v2) right now."""

    in_flight: int  # calls sent and not yet answered
    pacing: int  # calls waiting for their turn under the family's learned rate
    throttled: int  # throttling answers so far
    rate: float | None  # calls per second the family is paced at (None: not throttled yet)


@dataclass(frozen=True)
class Snapshot:
    families: dict[str, FamilyView]
    steps_done: int
    steps_total: int
    calls: int
    elapsed: float

    @property
    def in_flight(self) -> int:
        return sum(f.in_flight for f in self.families.values())


@dataclass
class _Family:
    in_flight: int = 0
    pacing: int = 0
    throttled: int = 0
    rate: float | None = None


@dataclass
class Activity:
    listener: Listener | None = None
    steps_total: int = 0
    steps_done: int = 0
    calls: int = 0
    started: float = field(default_factory=time.monotonic)
    _families: dict[str, _Family] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _get(self, family: str) -> _Family:
        f = self._families.get(family)
        if f is None:
            f = self._families[family] = _Family()
        return f

    def sending(self, family: str, delta: int) -> None:
        with self._lock:
            self._get(family).in_flight += delta
            if delta > 0:
                self.calls += 1

    def waiting(self, family: str, delta: int) -> None:
        with self._lock:
            self._get(family).pacing += delta

    def throttled(self, family: str, rate: float | None, message: str | None) -> None:
        with self._lock:
            f = self._get(family)
            f.throttled += 1
            f.rate = rate
        if message and self.listener is not None:
            self.listener("throttle", message)

    def step_done(self) -> None:
        with self._lock:
            self.steps_done += 1

    def tell(self, event: str, message: str) -> None:
        if self.listener is not None:
            self.listener(event, message)

    def snapshot(self) -> Snapshot:
        with self._lock:
            families = {
                k: FamilyView(v.in_flight, v.pacing, v.throttled, v.rate)
                for k, v in sorted(self._families.items())
            }
            return Snapshot(
                families,
                self.steps_done,
                self.steps_total,
                self.calls,
                time.monotonic() - self.started,
            )
