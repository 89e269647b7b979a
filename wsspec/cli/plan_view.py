"""How plans, progress and drift look on a terminal and in a log (text; JSON is ``as_dict``).

A plan is one line per step (``+ create``, ``~ update``, ``- delete``, ``* deploy``, then the
kind and the resource's natural key) and, under an update, one line per changed leaf
(``show.Leaf.text``). On a terminal the symbols are coloured and the progress of a deploy is
one bar redrawn in place on stderr; in a pipe, a file or with ``NO_COLOR`` every line is plain
and progress is one line per finished step.
"""

from __future__ import annotations

import shutil
import sys
import threading
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from wsspec.cli.common import colour, err, style

if TYPE_CHECKING:
    from wsspec.deploy.drift import Report
    from wsspec.deploy.plan import Plan, Step

SYMBOL = {"create": "+", "update": "~", "delete": "-", "deploy": "*"}
COLOUR = {"create": "green", "update": "yellow", "delete": "red", "deploy": "cyan"}
DRIFT = {"changed": "~", "deleted": "-", "added": "+", "redeployed": "*"}
DRIFT_COLOUR = {"changed": "yellow", "deleted": "red", "added": "green", "redeployed": "cyan"}


def step_line(s: Step, stream: IO[str] | None = None) -> str:
    """``+ create route sendmessage``: the action, the kind and the natural key."""
    head = style(f"{SYMBOL[s.action]} {s.action}", COLOUR[s.action], stream=stream)
    return f"{head} {s.kind.replace('_', ' ')} {s.label}"


def render_plan(plan: Plan, stream: IO[str] | None = None) -> list[str]:
    """Plan lines: each step, each changed leaf of an update under it, then the counts."""
    lines = []
    for s in plan.steps:
        lines.append(f"  {step_line(s, stream)}")
        lines += [f"      {leaf.text()}" for leaf in s.leaves(plan.sensitive_of(s))]
    c = plan.counts()
    lines.append(
        f"Plan: {c['create']} to create, {c['update']} to update, {c['delete']} to delete, "
        f"{c['deploy']} deployment(s)."
    )
    return lines


def render_drift(report: Report, stream: IO[str] | None = None) -> list[str]:
    """Drift lines: each resource changed in AWS and, under it, each leaf (deployed → now)."""
    if not report.drifted:
        return [f"No drift: {report.api} is as deployed ({report.deployed})."]
    lines = []
    for item in report.items:
        head = style(f"{DRIFT[item.what]} {item.what}", DRIFT_COLOUR[item.what], stream=stream)
        lines.append(f"  {head} {item.kind.replace('_', ' ')} {item.key}")
        lines += [f"      {leaf.text()}" for leaf in item.leaves]
    lines.append(
        f"Drift: {len(report.items)} resource(s) differ from the deploy {report.deployed} "
        "(old: deployed, new: in AWS)."
    )
    return lines


class Progress:
    """The executor's progress callback: a bar on a terminal, plain lines elsewhere.

    Also remembers the steps whose calls the endpoint could not make (``skipped``), so the
    summary counts only what was applied.
    """

    def __init__(
        self,
        total: int,
        quiet: bool,
        stream: IO[str] | None = None,
        above: Callable[[str], None] | None = None,
    ) -> None:
        self.total = total
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        # ``above``: print a line above a live status line (the deploy's), which replaces the bar
        self.above = above
        self.bar = colour(self.stream) and above is None
        self.done = 0
        self.skipped: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._drawn = False

    def __call__(self, event: str, step: Step | None, message: str) -> None:
        with self._lock:
            if event == "skip" and step is not None:
                self.skipped.add((step.kind, step.key))
            if self.quiet:
                return
            if event == "done" and step is not None:
                self.done += 1
                if self.bar:
                    self._draw(step)
                else:
                    self._line(f"  [{self.done}/{self.total}] {step_line(step, self.stream)}")
            elif event in ("retry", "skip", "lock", "throttle"):
                self._clear()
                self._line(f"  {event}: {message}")

    def _line(self, text: str) -> None:
        if self.above is not None:
            self.above(text)
        else:
            err(text)

    def _draw(self, step: Step) -> None:
        width = max(20, shutil.get_terminal_size().columns - 1)
        filled = round(20 * self.done / max(1, self.total))
        bar = style("█" * filled, "green", stream=self.stream) + "░" * (20 - filled)
        text = f"{self.done}/{self.total} {SYMBOL[step.action]} {step.kind} {step.label}"
        self.stream.write("\r\033[K" + bar + " " + text[: width - 22])
        self.stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def close(self) -> None:
        """End the bar's line (after the last step, or when a step fails)."""
        with self._lock:
            if self._drawn:
                self.stream.write("\n")
                self.stream.flush()
                self._drawn = False
