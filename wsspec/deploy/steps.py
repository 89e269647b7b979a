"""What a plan is made of: ``Step`` records holding the API ``Call``s that make each change.

A plan is data: each ``Step`` is one resource change (what ``wsspec plan`` prints as
``+ create`` / ``~ update (field: old -> new)`` / ``- delete``) holding the API ``Call``s
that make it, with ``Out`` references to IDs that earlier steps produce. A step runs once the
steps in its ``after`` are done (``wsspec.deploy.order``); ``phase`` orders the plan for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

from wsspec.deploy.show import Leaf, leaves, plain

Action = Literal["create", "update", "delete", "deploy"]


@dataclass(frozen=True)
class Call:
    """One API call: ``service.op(**params)``; ``produces`` maps Out names to response fields."""

    service: str
    op: str
    params: Mapping[str, Any]
    produces: tuple[tuple[str, str], ...] = ()
    retry: tuple[
        str, ...
    ] = ()  # extra retryable conditions: "iam" (role not yet assumable), "busy"
    optional: bool = False  # an emulator may lack it: skip with a warning instead of failing


@dataclass(frozen=True)
class Step:
    action: Action
    kind: str
    key: str
    label: str
    calls: tuple[Call, ...]
    phase: int
    changes: tuple[tuple[str, Any, Any], ...] = ()  # (field, old, new)
    lock: str = ""  # steps with the same lock never run concurrently (one Lambda policy)
    after: tuple[int, ...] = ()  # indices of the steps this one waits for (wsspec.deploy.order)

    def leaves(self, sensitive: frozenset[str] = frozenset()) -> list[Leaf]:
        """Every changed value of an update, one per leaf (``show.leaves``)."""
        return [leaf for f, o, n in self.changes for leaf in leaves(f, o, n, sensitive)]

    def as_dict(self, sensitive: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The step as data; ``changes`` has one entry per changed leaf (``field`` is the
        top-level field it belongs to), secrets masked."""
        return {
            "action": self.action,
            "kind": self.kind,
            "key": self.key,
            "label": self.label,
            "changes": [
                {"field": leaf.path.split(".", 1)[0].split("[", 1)[0], **leaf.as_dict()}
                for leaf in self.leaves(sensitive)
            ],
            "calls": [f"{c.service}:{c.op}" for c in self.calls],
        }


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    known: Mapping[str, str]  # Out name -> id known before execution
    notes: tuple[str, ...] = ()
    api_name: str = ""
    stages: tuple[str, ...] = ()
    # (kind, key) -> paths whose values are never shown (secret environment variables)
    sensitive: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    def sensitive_of(self, step: Step) -> frozenset[str]:
        return self.sensitive.get((step.kind, step.key), frozenset())

    @property
    def empty(self) -> bool:
        return not self.steps

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "delete": 0, "deploy": 0}
        for s in self.steps:
            out[s.action] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "api": self.api_name,
            "stages": list(self.stages),
            "summary": self.counts(),
            "steps": [s.as_dict(self.sensitive_of(s)) for s in self.steps],
            "notes": list(self.notes),
        }


def display_value(v: Any) -> Any:
    """A field value as the plan shows it: tokens as ``<name>``, bytes as their size."""
    return plain(v)
