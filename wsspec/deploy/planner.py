"""The planner's state: what is wanted and what exists (in ``--stage`` scope), and the steps so far.

The per-kind rules (``wsspec.deploy.rules``) read it and add steps; each step's phase comes
from the tables here (creates and updates in dependency order, deletes in reverse).
"""

from __future__ import annotations

from typing import Any, Iterable

from wsspec.deploy import inventory
from wsspec.deploy.compare import Change
from wsspec.deploy.current import Current
from wsspec.deploy.records import Res, resolve
from wsspec.deploy.steps import Action, Call, Step

PHASE = {
    "table": 0,
    "app_table": 0,
    "trigger": 4,
    "log_group": 0,
    "role": 0,
    "vpc_link": 0,
    "layer": 0,
    "function": 1,
    "api": 1,
    "role_policy": 2,
    "account": 2,
    "authorizer": 2,
    "model": 2,
    "integration": 2,
    "integration_response": 3,
    "route": 3,
    "permission": 4,
    "stage": 4,
    "domain": 5,
    "api_mapping": 6,
    "api_key": 0,
    "usage_plan": 5,
    "usage_plan_key": 6,
    "topic": 0,
    "subscription": 1,
    "alarm": 5,
}
DELETE_PHASE = {
    "usage_plan_key": 6,
    "usage_plan": 7,
    "api_key": 7,
    "trigger": 7,
    "app_table": 11,
    "api_mapping": 7,
    "stage": 7,
    "permission": 7,
    "route": 8,
    "integration_response": 8,
    "integration": 9,
    "authorizer": 9,
    "model": 9,
    "function": 10,
    "layer": 10,
    "layer_version": 10,
    "domain": 10,
    "role": 11,
    "log_group": 11,
    "vpc_link": 11,
    "table": 11,
    "account": 11,
    "api": 12,
    "duplicate_api": 12,
    "alarm": 7,
    "subscription": 7,
    "topic": 11,
}
DEPLOY_PHASE = 13
API_KINDS = {"api", "route", "integration", "integration_response", "authorizer", "model"}


class Planner:
    def __init__(
        self,
        desired: list[Res],
        current: Current,
        *,
        stages: Iterable[str] | None = None,
        region: str = "",
        partition: str = "aws",
        deployment_marker: str = "",
        account: str = "",
    ) -> None:
        self.cur = current
        self.account = account
        self.region = region
        self.partition = partition
        self.marker = deployment_marker
        self.stage_filter = set(stages) if stages else None
        stage_of = {(r.kind, r.key): r.stage for r in desired}
        self.want = {(r.kind, r.key): r for r in desired if self.in_scope(r.stage)}
        self.have = {
            k: v
            for k, v in current.records.items()
            if self.in_scope(v.stage if v.stage is not None else stage_of.get(k))
        }
        self.known = dict(current.ids)
        self.steps: list[Step] = []
        self.notes: list[str] = []
        # the optional families the spec wants, and those that may exist until this plan ran
        self.families = inventory.families(r.kind for r in desired)
        self.families_before = self.families | inventory.families(k for k, _ in current.records)

    def in_scope(self, stage: str | None) -> bool:
        return stage is None or self.stage_filter is None or stage in self.stage_filter

    def add(
        self,
        action: Action,
        r: Res | None,
        kind: str,
        key: str,
        calls: list[Call],
        *,
        changes: list[Change] | None = None,
        phase: int | None = None,
        lock: str = "",
        label: str = "",
    ) -> None:
        """A step (none when ``calls`` is empty); the phase defaults to the kind's.

        A step's label is its natural key, so a resource reads the same in a create, an update,
        a delete and a drift report (the delete has no desired record to take a name from);
        ``label`` only adds to it where a key alone would mislead (a duplicate API, a tag).
        """
        if not calls:
            return
        if phase is None:
            phase = DELETE_PHASE[kind] if action == "delete" else PHASE[kind]
        self.steps.append(
            Step(action, kind, key, label or key, tuple(calls), phase, tuple(changes or ()), lock)
        )

    def resolved(self, r: Res) -> dict[str, Any]:
        """``r``'s fields with the IDs known so far filled in (what to compare with AWS)."""
        props: dict[str, Any] = resolve(dict(r.props), self.known, partial=True)
        return props
