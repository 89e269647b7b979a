"""Which optional resource families a spec's deploy has created, recorded on its API.

A reader need not look for connection tables, application tables (and their stream triggers),
VPC links, custom domains, alarms, SNS topics, authorizers, models, usage plans and API keys or
layers when the spec has none, unless an earlier deploy of the spec created
some (the spec dropped them since, and they must be deleted). So the API carries the tag
``wsspec:has`` listing the optional families that may exist for it; the deploy reads a family
only when the spec wants it, the tag names it, or the tag cannot tell (no API yet, or an API
deployed before the tag existed).

Crash safety: a family is added to the tag (the ``api`` step) before anything of it is created
(``wsspec.deploy.order``), and removed (an ``inventory`` step) only after all of it was
deleted.
"""

from __future__ import annotations

from typing import Iterable, Mapping

INVENTORY_TAG = "wsspec:has"
NONE = "none"

FAMILIES: dict[str, frozenset[str]] = {
    "table": frozenset({"table"}),
    "app_table": frozenset({"app_table", "trigger"}),
    "vpc_link": frozenset({"vpc_link"}),
    "domain": frozenset({"domain", "api_mapping"}),
    "alarm": frozenset({"alarm"}),
    "topic": frozenset({"topic", "subscription"}),
    "authorizer": frozenset({"authorizer"}),
    "model": frozenset({"model"}),
    "usage": frozenset({"usage_plan", "api_key", "usage_plan_key"}),
    "layer": frozenset({"layer", "layer_version"}),
}


def families(kinds: Iterable[str]) -> set[str]:
    """The optional families any of ``kinds`` belongs to."""
    ks = set(kinds)
    return {f for f, members in FAMILIES.items() if members & ks}


def parse(tags: Mapping[str, str] | None) -> set[str] | None:
    """The families the tag names; None when there is no tag (anything may exist)."""
    value = (tags or {}).get(INVENTORY_TAG)
    if value is None:
        return None
    return {f for f in value.split(",") if f in FAMILIES}


def render(fams: Iterable[str]) -> str:
    return ",".join(sorted(fams)) or NONE
