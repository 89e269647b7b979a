"""Diff desired records against the current state by natural key -> a list of ``Step`` records.

A plan is data (``wsspec.deploy.steps``). Each wanted resource goes through its kind's rule
(``wsspec.deploy.rules.UPSERT``); what exists but is no longer wanted is deleted
(``rules.DELETES``), children before parents; stages without auto-deploy get a deployment
when the API changed. Nothing is deleted and recreated when AWS can update it in place.
"""

from __future__ import annotations

from typing import Iterable

from wsspec import arns
from wsspec.deploy import inventory
from wsspec.deploy.current import Current
from wsspec.deploy.inventory import INVENTORY_TAG
from wsspec.deploy.order import link
from wsspec.deploy.planner import API_KINDS, DELETE_PHASE, DEPLOY_PHASE, Planner
from wsspec.deploy.records import API, DEPLOY_MARKER, OWNER_TAG, Fmt, Res
from wsspec.deploy.rules import DELETES, UPSERT
from wsspec.deploy.steps import Call, Plan, Step, display_value
from wsspec.errors import EXIT_AWS, WsspecError

__all__ = ["Call", "Plan", "Step", "display_value", "make_plan"]

_FOREIGN = (
    ("function", "Lambda function"),
    ("table", "DynamoDB table"),
    ("app_table", "DynamoDB table"),
    ("domain", "custom domain"),
    ("alarm", "CloudWatch alarm"),
    ("topic", "SNS topic"),
    ("layer", "Lambda layer"),
)


def make_plan(
    desired: list[Res],
    current: Current,
    *,
    stages: Iterable[str] | None = None,
    region: str = "",
    partition: str = "aws",
    deployment_marker: str = DEPLOY_MARKER,
    api_name: str = "",
    destroy_only: bool = False,
    account: str = "",
) -> Plan:
    planner = Planner(
        desired,
        current,
        stages=stages,
        region=region,
        partition=partition,
        deployment_marker=deployment_marker,
        account=account,
    )
    if destroy_only and planner.stage_filter and current.of("duplicate_api"):
        raise WsspecError(
            f"{len(current.of('duplicate_api')) + 1} APIs named {api_name} carry the wsspec "
            "tag; a destroy of some stages cannot choose between them",
            code="WS927",
            exit_code=EXIT_AWS,
            hint="`wsspec deploy` keeps the oldest and deletes the others; "
            "a `wsspec destroy` without --stage deletes them all",
        )
    steps = plan_steps(planner)
    if destroy_only:
        steps = [s for s in steps if s.action == "delete"]
    steps = link(steps)
    notes = list(planner.notes)
    if current.gaps:
        notes.append(
            "the endpoint does not implement "
            + ", ".join(sorted(current.gaps))
            + "; wsspec inferred those resources from the routes"
        )
    notes += [f"not owned by wsspec, left alone: {f}" for f in current.foreign]
    return Plan(
        tuple(steps),
        dict(planner.known),
        tuple(notes),
        api_name,
        tuple(sorted(planner.stage_filter or ())),
    )


def plan_steps(p: Planner) -> list[Step]:
    """Creates and updates, then deletes, then deployments; sorted by phase."""
    refuse_foreign(p)
    for (kind, key), r in p.want.items():
        if kind == "route_response":
            continue  # planned with its route
        UPSERT[kind](p, r, p.have.get((kind, key)))
    plan_deletes(p)
    plan_inventory(p)
    plan_deployments(p)
    p.steps.sort(key=lambda s: s.phase)
    return p.steps


def refuse_foreign(p: Planner) -> None:
    """Never modify a resource that exists under the wanted name without wsspec's tag."""
    for kind, what in _FOREIGN:
        for k, key in p.want:
            if k == kind and (f"foreign_{kind}", key) in p.cur.records:
                raise WsspecError(
                    f"{what} {key} already exists and is not owned by wsspec "
                    f"(no {OWNER_TAG} tag); refusing to modify it",
                    code="WS928",
                    exit_code=EXIT_AWS,
                    hint="rename the API in the spec or remove the resource by hand",
                )


def plan_deletes(p: Planner) -> None:
    """Delete what exists but is no longer wanted, unless deleting a parent deletes it."""
    gone = {k for k in p.have if k not in p.want}
    api_gone = ("api", next((k for (kd, k) in p.have if kd == "api"), "")) in gone
    fn_gone = {k for (kd, k) in gone if kd == "function"}
    integ_gone_ids = {p.have[k].id for k in gone if k[0] == "integration"}
    topic_gone_ids = {p.have[k].id for k in gone if k[0] == "topic"}
    api_children = API_KINDS - {"api"} | {"stage", "route_response"}
    for kind, key in sorted(gone, key=lambda k: (DELETE_PHASE.get(k[0], 99), k)):
        h = p.have[(kind, key)]
        if kind not in DELETE_PHASE or h.props.get("__assumed__"):
            continue  # foreign_* records, route responses (with their route), assumed ones
        if api_gone and kind in api_children:
            continue  # deleting the API deletes its children
        if kind == "integration_response" and h.parent in integ_gone_ids:
            continue
        if kind == "permission" and h.parent in fn_gone:
            continue
        if kind == "subscription" and h.parent in topic_gone_ids:
            continue  # deleting the topic deletes its subscriptions
        if kind == "subscription" and not h.id.startswith("arn:"):
            p.notes.append(
                f"subscription {key} is pending confirmation: SNS deletes it "
                "after 3 days unless confirmed; it cannot be removed earlier"
            )
            continue
        calls = DELETES[kind](key, h, p.known.get("api", ""))
        lock = f"policy:{h.parent}" if kind == "permission" else ""
        label = key
        if kind == "duplicate_api":
            label = f"{key} (a second API of this spec, created {h.props.get('CreatedDate')})"
        p.add("delete", None, kind, key, calls, label=label, lock=lock)


def plan_inventory(p: Planner) -> None:
    """Once everything of a family the spec dropped is deleted, drop it from the API's tag."""
    api = next((r for (kind, _), r in p.want.items() if kind == "api"), None)
    if api is None or p.families_before == p.families:
        return
    before, after = inventory.render(p.families_before), inventory.render(p.families)
    arn = Fmt(arns.apigateway_resource(p.partition, p.region, "/apis/{0}"), (API,))
    call = Call(
        "apigatewayv2", "tag_resource", {"ResourceArn": arn, "Tags": {INVENTORY_TAG: after}}
    )
    label = f"{api.key} tag {INVENTORY_TAG}"
    changes = [(INVENTORY_TAG, before, after)]
    p.add("update", api, "inventory", api.key, [call], changes=changes, phase=12, label=label)


def plan_deployments(p: Planner) -> None:
    """A deployment for each stage without auto-deploy that is new, stale, or whose API changed."""
    if ("api", next((k for (kd, k) in p.want if kd == "api"), "")) not in p.want:
        return
    api_changed = any(s.kind in API_KINDS for s in p.steps)
    for (kind, key), r in p.want.items():
        if kind != "stage" or r.props.get("AutoDeploy"):
            continue
        created = ("stage", key) not in p.have
        known = key in p.cur.deployments
        stale = known and p.cur.deployments.get(key) != p.marker
        if api_changed or created or stale:
            params = {"ApiId": API, "StageName": key, "Description": p.marker}
            call = Call("apigatewayv2", "create_deployment", params, optional=True)
            p.add("deploy", r, "stage", key, [call], phase=DEPLOY_PHASE)
