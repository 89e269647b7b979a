"""Which asyncio event loop ``serve`` runs on, and how a worker leaves serve's process group.

``auto`` (the default) runs on uvloop when it is installed (the ``serve`` extra installs it on
Linux and macOS) and on the standard library's loop otherwise; ``--loop asyncio`` forces the
standard loop. uvloop is a libuv-based implementation of the same asyncio interfaces: serve's
code is the same on both. Measured with benchmarks/bench_serve.py (docs/benchmarks.md), the
gateway spends about a fifth less CPU per message on it, most of it in the loop's own
bookkeeping (one wake-up for the client's frame, one for the worker's answer).

This module imports nothing of wsspec.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any, Literal

LoopName = Literal["auto", "asyncio", "uvloop"]
LOOPS: tuple[str, ...] = ("auto", "asyncio", "uvloop")


def available(name: str) -> bool:
    return name == "asyncio" or importlib.util.find_spec(name) is not None


def resolve(choice: str) -> str:
    """The loop ``choice`` means here: ``auto`` is uvloop when installed, else asyncio.
    ValueError for ``uvloop`` when it is not installed (or an unknown name)."""
    if choice == "auto":
        return "uvloop" if available("uvloop") and sys.platform != "win32" else "asyncio"
    if choice not in LOOPS:
        raise ValueError(f"unknown event loop {choice!r} (choose from {', '.join(LOOPS)})")
    if not available(choice):
        raise ValueError(f"{choice} is not installed (pip install uvloop, or use --loop asyncio)")
    return choice


def runner(name: str) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """``asyncio.run`` or ``uvloop.run`` for a name ``resolve`` returned."""
    if name == "uvloop":
        import uvloop

        run: Callable[[Coroutine[Any, Any, Any]], Any] = uvloop.run
        return run
    return asyncio.run


def new_loop(name: str) -> asyncio.AbstractEventLoop:
    """A new event loop of a name ``resolve`` returned (for a gateway run in a thread)."""
    if name == "uvloop":
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        return loop
    return asyncio.new_event_loop()


def own_process_group() -> dict[str, Any]:
    """Keyword arguments for ``loop.subprocess_exec`` that make the child lead its own process
    group (so it can be killed with whatever its handler started) while it stays in serve's
    session. The standard loop takes ``process_group=0`` (Python 3.11+); uvloop does not accept
    that argument, and runs ``preexec_fn`` in the child instead."""
    loop = asyncio.get_running_loop()
    if sys.version_info >= (3, 11) and not type(loop).__module__.startswith("uvloop"):
        return {"process_group": 0}
    return {"preexec_fn": os.setpgrp}
