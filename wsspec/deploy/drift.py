"""Drift: what changed in AWS since the last deploy, each change with its old and new value.

How the last deploy is known: after a deploy of every stage succeeds, ``record_deploy`` writes
a fingerprint of the desired state (a hash of every desired record and function package,
``fingerprint``) into the API's ``Version`` field as ``wsspec <fingerprint>`` -- a field the
spec does not set and the planner does not compare, so recording it never shows up as a
change, and a deploy with nothing to do writes nothing. ``drift`` then compares:

- the recorded fingerprint equals the spec's: the spec is what was deployed, so every
  difference between AWS and the spec is a change made in AWS (the console, another tool).
  Each is reported with ``old`` = the deployed value and ``new`` = the value in AWS;
- it differs: the spec (or a handler) changed since that deploy, and a difference cannot be
  told apart from a spec change (WS940; ``wsspec plan`` shows both);
- there is none: the API was never deployed whole by wsspec (WS941).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from wsspec.deploy.aws import Aws
from wsspec.deploy.planner import API_KINDS
from wsspec.deploy.records import Res
from wsspec.deploy.show import Leaf, plain
from wsspec.deploy.steps import Plan
from wsspec.errors import EXIT_INVALID, WsspecError

MARKER = "wsspec "  # the API's Version: "wsspec <fingerprint>"

What = Literal["changed", "deleted", "added", "redeployed"]
# a plan action read backwards: what happened in AWS since the deploy
_WHAT: dict[str, What] = {
    "update": "changed",
    "create": "deleted",  # wanted and deployed, gone from AWS
    "delete": "added",  # carries wsspec's tag but is not in the deployed state
    "deploy": "redeployed",  # the stage's deployment is not the one wsspec made
}


def fingerprint(desired: list[Res]) -> str:
    """A short hash of the desired state: every record (kind, key, stage, fields) and package."""
    h = hashlib.sha256()
    for r in sorted(desired, key=lambda r: (r.kind, r.key)):
        row = [r.kind, r.key, r.stage, plain(r.props)]
        h.update(json.dumps(row, sort_keys=True, default=str).encode())
        if r.blob is not None:
            h.update(hashlib.sha256(r.blob).digest())
    return h.hexdigest()[:16]


def deployed_fingerprint(aws: Aws, api_id: str) -> str | None:
    """The fingerprint the last whole deploy recorded on the API, if any."""
    version = aws.client("apigatewayv2").get_api(ApiId=api_id).get("Version") or ""
    return version[len(MARKER) :] if version.startswith(MARKER) else None


def record_deploy(aws: Aws, api_id: str, desired: list[Res]) -> bool:
    """Record ``desired`` as the deployed state (one write, only when it changed)."""
    fp = fingerprint(desired)
    if deployed_fingerprint(aws, api_id) == fp:
        return False
    aws.client("apigatewayv2").update_api(ApiId=api_id, Version=MARKER + fp)
    return True


@dataclass(frozen=True)
class Item:
    """One resource that changed in AWS: ``leaves`` old = deployed, new = in AWS."""

    what: What
    kind: str
    key: str
    leaves: tuple[Leaf, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "kind": self.kind,
            "key": self.key,
            "changes": [leaf.as_dict() for leaf in self.leaves],
        }


@dataclass(frozen=True)
class Report:
    api: str
    deployed: str
    items: tuple[Item, ...]

    @property
    def drifted(self) -> bool:
        return bool(self.items)

    def as_dict(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "deployed": self.deployed,
            "drifted": self.drifted,
            "items": [i.as_dict() for i in self.items],
        }


def drift(plan: Plan, desired: list[Res], api_id: str | None, recorded: str | None) -> Report:
    """The drift of the API whose deploy recorded ``recorded``, read from ``plan`` (AWS -> spec)."""
    if not api_id:
        raise WsspecError(
            f"{plan.api_name} is not deployed: no API with that name carries wsspec's tag",
            code="WS941",
            exit_code=EXIT_INVALID,
            hint="check --region / --profile, or deploy it first",
        )
    if recorded is None:
        raise WsspecError(
            f"no deploy of {plan.api_name} is recorded (the API's Version holds none)",
            code="WS941",
            exit_code=EXIT_INVALID,
            hint="run `wsspec deploy` once for every stage (without --stage) to record it",
        )
    now = fingerprint(desired)
    if recorded != now:
        raise WsspecError(
            f"the spec changed since the last deploy (deployed {recorded}, spec {now}): "
            "changes made in AWS cannot be told apart from changes to the spec",
            code="WS940",
            exit_code=EXIT_INVALID,
            hint="`wsspec plan` shows every difference; deploy, then check drift again",
        )
    api_changed = any(s.kind in API_KINDS for s in plan.steps)
    items = []
    for s in plan.steps:
        if s.action == "deploy" and api_changed:
            continue  # a redeployment the changes above call for, not a change in AWS
        sensitive = plan.sensitive_of(s)
        leaves = tuple(
            Leaf(x.path, x.new, x.old, _flip(x.op), x.line, x.sensitive)
            for x in s.leaves(sensitive)
        )
        items.append(Item(_WHAT[s.action], s.kind, s.key, leaves))
    return Report(plan.api_name, recorded, tuple(items))


def _flip(op: str) -> Any:
    return {"add": "remove", "remove": "add"}.get(op, op)
