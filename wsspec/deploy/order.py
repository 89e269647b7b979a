"""Which steps of a plan must wait for which: the plan's dependency graph.

The executor starts a step as soon as every step it names in ``Step.after`` is done, so
independent work of different services overlaps (routes are created while IAM and Lambda are
still busy) instead of waiting phase by phase. A step waits for:

- the step that produces an ID it uses (an ``Out`` token: the API, an integration, an
  authorizer, a model, a VPC link);
- the resources it names by name or ARN: a function its role; an integration or authorizer its
  function and role; a route its request and response models; a permission its function; a
  stream trigger its function, the roles' policies and its table's stream; a stage its access
  log group, every route and integration (route settings name routes) and every log group (a
  function cannot be invoked before its log group exists, so Lambda never creates one itself);
  an API mapping its domain and stage; the account its role; a subscription or an alarm its
  topic; a usage plan the stages it is attached to;
- the step on the same Lambda policy before it (``Step.lock``);
- the ``api`` step (which records a new optional family in the API's inventory tag,
  ``wsspec.deploy.inventory``), for every create or update of an optional family; the
  ``inventory`` step that drops a family from the tag waits for every other write and delete;
- for a delete: every create and update, and the deletes of what refers to it (routes before
  their integrations, authorizers and models; integrations before VPC links; API mappings
  before stages and domains; usage-plan keys before their plans and keys; usage plans before
  the stages they name; stream triggers before their tables and functions; the API's children
  before the API);
- for a deployment: everything else.

Phases (``Step.phase``) still order the plan for display.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from typing import Any

from wsspec.deploy.records import Fmt, Json, Out
from wsspec.deploy.steps import Step

Key = tuple[str, str]

DELETE_AFTER: dict[str, frozenset[str]] = {
    "integration": frozenset({"route", "integration_response"}),
    "authorizer": frozenset({"route"}),
    "model": frozenset({"route"}),
    "vpc_link": frozenset({"integration"}),
    "stage": frozenset({"api_mapping", "usage_plan"}),
    "domain": frozenset({"api_mapping"}),
    "usage_plan": frozenset({"usage_plan_key"}),
    "api_key": frozenset({"usage_plan_key"}),
    "topic": frozenset({"subscription", "alarm"}),
    "app_table": frozenset({"trigger"}),
    "function": frozenset({"trigger"}),
    "api": frozenset(
        {"route", "integration", "integration_response", "authorizer", "model", "stage"}
        | {"usage_plan"}
    ),
}
# a stage waits for every route and integration (route settings name routes) and for the
# functions' log groups: nothing can invoke a function before its log group exists (Lambda
# would create the group itself, untagged and kept forever, and CreateLogGroup would fail)
STAGE_AFTER = frozenset({"route", "integration", "log_group"})
OPTIONAL_AFTER_API = frozenset(
    {"table", "app_table", "trigger", "vpc_link", "domain", "alarm", "topic"}
    | {"usage_plan", "api_key", "usage_plan_key", "layer"}
)

_FUNCTION_ARN = re.compile(r":function:([^:/]+)")
_ROLE_ARN = re.compile(r":role/(?:.*/)?([^/]+)$")
_LOG_GROUP_ARN = re.compile(r":log-group:([^:]+)")


def tokens(value: Any) -> Iterator[str]:
    """Every ``Out`` name inside a call parameter."""
    if isinstance(value, Out):
        yield value.name
    elif isinstance(value, Fmt):
        for a in value.args:
            yield a.name
    elif isinstance(value, Json):
        yield from tokens(value.value)
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from tokens(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from tokens(v)


def _params(s: Step) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for c in s.calls:
        merged.update(c.params)
    return merged


def _match(pattern: re.Pattern[str], value: Any) -> list[str]:
    return pattern.findall(value) if isinstance(value, str) else []


def references(s: Step) -> list[Key]:
    """The resources a create or update step names by name or ARN."""
    p = _params(s)
    out: list[Key] = []
    if s.kind == "function":
        out += [("role", r) for r in _match(_ROLE_ARN, p.get("Role"))]
    elif s.kind == "role_policy":
        out.append(("role", s.key))
    elif s.kind in ("integration", "authorizer"):
        for field in ("IntegrationUri", "AuthorizerUri"):
            out += [("function", f) for f in _match(_FUNCTION_ARN, p.get(field))]
        for field in ("CredentialsArn", "AuthorizerCredentialsArn"):
            out += [("role", r) for r in _match(_ROLE_ARN, p.get(field))]
    elif s.kind == "route":
        for field in ("RequestModels", "ResponseModels"):
            out += [("model", str(m)) for m in (p.get(field) or {}).values()]
    elif s.kind in ("permission", "trigger"):
        out.append(("function", str(p.get("FunctionName"))))
    elif s.kind == "stage":
        dest = (p.get("AccessLogSettings") or {}).get("DestinationArn")
        out += [("log_group", g) for g in _match(_LOG_GROUP_ARN, dest)]
    elif s.kind == "api_mapping":
        out += [("domain", str(p.get("DomainName"))), ("stage", str(p.get("Stage")))]
    elif s.kind == "account":
        for op in p.get("patchOperations") or []:
            out += [("role", r) for r in _match(_ROLE_ARN, op.get("value"))]
    elif s.kind == "usage_plan":  # apiStages on create, "apiId:stage" patches on update
        out += [("stage", str(st.get("stage"))) for st in p.get("apiStages") or []]
        for op in p.get("patchOperations") or []:
            if op.get("path") == "/apiStages" and isinstance(op.get("value"), str):
                out.append(("stage", op["value"].rsplit(":", 1)[-1]))
    elif s.kind in ("subscription", "alarm"):
        arns = [p.get("TopicArn"), *(p.get("AlarmActions") or [])]
        out += [("topic", str(a).rsplit(":", 1)[-1]) for a in arns if isinstance(a, str)]
    return out


def link(steps: list[Step]) -> list[Step]:
    """``steps`` (in plan order) with ``after`` filled in."""
    by_key: dict[Key, list[int]] = {}
    producer: dict[str, int] = {}
    for i, s in enumerate(steps):
        if s.action in ("create", "update"):  # what a create or update can refer to
            by_key.setdefault((s.kind, s.key), []).append(i)
        for c in s.calls:
            for name, _ in c.produces:
                producer[name] = i
    writes = [
        i for i, s in enumerate(steps) if s.action in ("create", "update") and s.kind != "inventory"
    ]
    deletes = [i for i, s in enumerate(steps) if s.action == "delete"]
    api_steps = [i for i, s in enumerate(steps) if s.kind == "api" and s.action != "delete"]
    last_lock: dict[str, int] = {}
    out = []
    for i, s in enumerate(steps):
        after: set[int] = set()
        if s.kind == "inventory":  # a family leaves the API's tag once it is all deleted
            after |= set(writes) | set(deletes)
        elif s.action in ("create", "update"):
            for c in s.calls:
                after |= {producer[t] for t in tokens(c.params) if t in producer}
            for ref in references(s):
                after.update(by_key.get(ref, ()))
            if s.kind == "stage":  # route settings name routes; see STAGE_AFTER
                after |= {j for j in writes if steps[j].kind in STAGE_AFTER}
            if s.kind == "trigger":  # Lambda checks the role's stream grant when it maps
                after |= {j for j in writes if steps[j].kind in ("role", "role_policy")}
            if s.kind in OPTIONAL_AFTER_API or (s.kind in ("authorizer", "model")):
                after.update(api_steps)
        elif s.action == "delete":
            after.update(writes)
            waits_for = DELETE_AFTER.get(s.kind, frozenset())
            after |= {j for j in deletes if steps[j].kind in waits_for}
        else:  # a deployment: after everything that is not a deployment
            after |= {j for j, t in enumerate(steps) if t.action != "deploy"}
        if s.lock:
            if s.lock in last_lock:
                after.add(last_lock[s.lock])
            last_lock[s.lock] = i
        after.discard(i)
        out.append(dataclasses.replace(s, after=tuple(sorted(after))))
    return out
