"""The planner without AWS: desired records vs a fake current state -> expected steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from wsspec.deploy import inventory
from wsspec.deploy.desired import Context, Fmt, Out, deployment_marker, desired_state, resolve
from wsspec.deploy.plan import make_plan
from wsspec.deploy.remote import Cur, Current
from wsspec.errors import WsspecError
from wsspec.validate import validate_file

ROOT = Path(__file__).resolve().parent.parent
CTX = Context(region="us-east-1", account="123456789012")


def spec_of(name):
    return validate_file(str(ROOT / "samples" / f"{name}.yaml")).spec


def desired(spec):
    return desired_state(spec, CTX, zip_of=lambda s, f: f"zip-{f.name}".encode())


def fake_current(records, *, deployed=None):
    """A current state equal to ``records`` (as AWS would return it), with made-up ids."""
    cur = Current()
    ids = {"api": "api1"}
    for r in records:
        if r.kind in ("integration", "authorizer", "model", "route", "vpc_link"):
            ids[f"{r.kind}:{r.key}"] = f"{r.kind[:3]}-{abs(hash(r.key)) % 10**6}"
    cur.ids.update(ids)
    has = inventory.render(inventory.families(r.kind for r in records))
    for r in records:
        props = resolve(dict(r.props), ids)
        if r.kind == "api":  # a deploy records the optional families on the API
            props["Tags"] = {**props["Tags"], inventory.INVENTORY_TAG: has}
        if r.kind == "model":
            import json

            props["Schema"] = json.loads(props["Schema"])
        cid = {"api": "api1"}.get(r.kind, ids.get(f"{r.kind}:{r.key}", r.key))
        parent = r.props.get("FunctionName", "") if r.kind == "permission" else ""
        cur.add(
            r.kind,
            r.key,
            Cur(cid, props, stage=r.stage if r.kind == "stage" else None, parent=parent),
        )
    for r in records:
        if r.kind == "stage":
            cur.deployments[r.key] = deployed if deployed is not None else None
    return cur


def plan_for(spec, cur, **kw):
    return make_plan(
        desired(spec),
        cur,
        region="us-east-1",
        account="123456789012",
        deployment_marker=deployment_marker(spec),
        api_name=spec.api.name,
        **kw,
    )


def test_empty_account_plans_every_resource_as_create_in_dependency_order():
    spec = spec_of("chat")
    p = plan_for(spec, Current())
    assert {s.action for s in p.steps} == {"create", "deploy"}
    phases = [s.phase for s in p.steps]
    assert phases == sorted(phases)
    order = [s.kind for s in p.steps]
    assert (
        order.index("role")
        < order.index("function")
        < order.index("integration")
        < order.index("route")
    )
    assert order[-1] == "stage" and p.steps[-1].action == "deploy"
    assert len([s for s in p.steps if s.kind == "route"]) == len(spec.routes)


def test_two_way_route_gets_its_response_before_the_selection_expression():
    spec = spec_of("chat")
    step = next(
        s for s in plan_for(spec, Current()).steps if s.kind == "route" and s.key == "$default"
    )
    ops = [c.op for c in step.calls]
    assert ops == ["create_route", "create_route_response", "update_route"]
    assert "RouteResponseSelectionExpression" not in step.calls[0].params
    assert step.calls[1].params["RouteId"] == Out("route:$default")


def test_state_equal_to_the_spec_plans_nothing():
    spec = spec_of("chat")
    cur = fake_current(desired(spec), deployed=deployment_marker(spec))
    p = plan_for(spec, cur)
    assert p.empty, [s.as_dict() for s in p.steps]


def test_stale_deployment_marker_plans_only_a_deployment():
    spec = spec_of("chat")
    cur = fake_current(desired(spec), deployed="wsspec deployment 000000000000")
    p = plan_for(spec, cur)
    assert [(s.action, s.kind, s.key) for s in p.steps] == [("deploy", "stage", "prod")]
    assert p.steps[0].calls[0].op == "create_deployment"


def test_auto_deploy_stages_never_get_a_deployment():
    spec = spec_of("models-mock")
    p = plan_for(spec, Current())
    assert not [s for s in p.steps if s.action == "deploy"]


def test_changed_route_is_updated_in_place_and_the_stage_redeployed():
    spec = spec_of("chat")
    recs = desired(spec)
    cur = fake_current(recs, deployed=deployment_marker(spec))
    r = cur.get("route", "sendmessage")
    r.props["Target"] = "integrations/" + cur.ids["integration:function:on_connect"]
    p = plan_for(spec, cur)
    assert [(s.action, s.kind, s.key) for s in p.steps] == [
        ("update", "route", "sendmessage"),
        ("deploy", "stage", "prod"),
    ]
    step = p.steps[0]
    assert [c.op for c in step.calls] == ["update_route"]
    ((field, old, new),) = step.changes
    assert field == "Target" and old.endswith(cur.ids["integration:function:on_connect"])
    assert new == "integrations/" + cur.ids["integration:function:send_message"]
    assert step.calls[0].params["Target"] == Fmt(
        "integrations/{0}", (Out("integration:function:send_message"),)
    )


def test_code_change_updates_code_only():
    spec = spec_of("chat")
    cur = fake_current(desired(spec), deployed=deployment_marker(spec))
    cur.get("function", "chat-on_connect").props["CodeSha256"] = "old"
    p = plan_for(spec, cur)
    assert [(s.kind, [c.op for c in s.calls]) for s in p.steps] == [
        ("function", ["update_function_code"])
    ]


def test_configuration_change_updates_configuration_only():
    spec = spec_of("chat")
    cur = fake_current(desired(spec), deployed=deployment_marker(spec))
    cur.get("function", "chat-on_connect").props["MemorySize"] = 1024
    p = plan_for(spec, cur)
    assert [(s.kind, [c.op for c in s.calls]) for s in p.steps] == [
        ("function", ["update_function_configuration"])
    ]
    assert p.steps[0].changes == (("MemorySize", 1024, 128),)


def test_extra_remote_resources_are_deleted_after_updates():
    spec = spec_of("chat")
    cur = fake_current(desired(spec), deployed=deployment_marker(spec))
    cur.add("route", "old", Cur("r-old", {"RouteKey": "old", "Target": "integrations/x"}))
    cur.add("integration", "function:gone", Cur("i-gone", {"IntegrationType": "AWS_PROXY"}))
    p = plan_for(spec, cur)
    got = [(s.action, s.kind, s.key) for s in p.steps]
    assert got == [
        ("delete", "route", "old"),
        ("delete", "integration", "function:gone"),
        ("deploy", "stage", "prod"),
    ]


def test_destroy_plans_deletes_and_skips_children_of_the_deleted_api():
    spec = spec_of("chat")
    cur = fake_current(desired(spec))
    p = make_plan([], cur, region="us-east-1", account="123456789012")
    kinds = {s.kind for s in p.steps}
    assert {s.action for s in p.steps} == {"delete"}
    assert "route" not in kinds and "integration" not in kinds and "stage" not in kinds
    assert {"api", "function", "role", "table", "log_group"} <= kinds
    assert "permission" not in kinds  # removed with their functions
    assert p.steps[-1].kind == "api"


def test_foreign_resource_with_our_name_is_refused():
    spec = spec_of("chat")
    cur = Current()
    cur.add("foreign_function", "chat-on_connect", Cur("arn", {}))
    with pytest.raises(WsspecError) as err:
        plan_for(spec, cur)
    assert err.value.exit_code == 3


def test_stage_filter_leaves_other_stages_alone():
    spec = spec_of("multi-stage")
    p = plan_for(spec, Current(), stages=["dev"])
    stage_steps = [s.key for s in p.steps if s.kind == "stage"]
    assert stage_steps == ["dev"]
    assert all(
        "/prod/" not in str(s.calls[0].params.get("SourceArn", ""))
        for s in p.steps
        if s.kind == "permission"
    )


def test_permissions_use_derive_keys_as_statement_ids():
    from wsspec import derive

    spec = spec_of("chat")
    p = plan_for(spec, Current())
    sids = {s.calls[0].params["StatementId"] for s in p.steps if s.kind == "permission"}
    assert sids == {x.key for x in derive.lambda_permissions(spec)}
    # statements on one function never run concurrently
    locks = {s.lock for s in p.steps if s.kind == "permission"}
    assert locks == {
        "policy:chat-on_connect",
        "policy:chat-on_disconnect",
        "policy:chat-send_message",
    }


def test_plan_is_json_serialisable():
    import json

    spec = spec_of("auth-http")
    p = plan_for(spec, Current())
    text = json.dumps(p.as_dict(), default=str)
    assert '"create"' in text and "create_vpc_link" in text


def _ready_order(plan):
    """Steps in rounds: each round holds the steps whose ``after`` steps ran in earlier rounds."""
    done: set[int] = set()
    rounds = []
    while len(done) < len(plan.steps):
        ready = [
            i for i, s in enumerate(plan.steps) if i not in done and all(j in done for j in s.after)
        ]
        assert ready, "the plan's steps wait for each other"
        rounds.append(ready)
        done |= set(ready)
    return rounds


@pytest.mark.parametrize(
    "sample", ["chat", "multi-stage", "models-mock", "dynamodb-direct", "auth-http"]
)
def test_every_plan_from_empty_can_run_to_the_end(sample):
    spec = spec_of(sample)
    plan = plan_for(spec, Current())
    rounds = _ready_order(plan)
    position = {i: n for n, r in enumerate(rounds) for i in r}
    steps = plan.steps
    for i, s in enumerate(steps):
        for j in s.after:
            assert position[j] < position[i]
    # a deployment runs last
    deploys = [i for i, s in enumerate(steps) if s.action == "deploy"]
    assert all(position[i] == len(rounds) - 1 for i in deploys)


def test_routes_do_not_wait_for_functions_and_functions_wait_for_their_roles():
    spec = spec_of("chat")
    plan = plan_for(spec, Current())
    steps = plan.steps
    idx = {(s.kind, s.key): i for i, s in enumerate(steps) if s.action == "create"}
    kinds_before = {key: {steps[j].kind for j in steps[i].after} for key, i in idx.items()}
    fn = next(k for k in idx if k[0] == "function")
    assert {"role", "log_group"} <= kinds_before[fn]
    route = idx[("route", "sendmessage")]
    assert "function" not in {steps[j].kind for j in steps[route].after}
    assert "integration" in {steps[j].kind for j in steps[route].after}
    # permissions on one function policy run one after another
    perms = [i for i, s in enumerate(steps) if s.kind == "permission"]
    by_fn: dict[str, list[int]] = {}
    for i in perms:
        by_fn.setdefault(steps[i].lock, []).append(i)
    for chain in by_fn.values():
        for a, b in zip(chain, chain[1:]):
            assert a in steps[b].after


def test_plans_that_update_and_delete_can_run_to_the_end_and_drop_families_last(tmp_path):
    """Removing monitoring: alarms, topic and subscriptions are deleted, then the API's
    inventory tag forgets them (the step after every other write and delete)."""
    import yaml

    spec = spec_of("monitoring")
    cur = fake_current(desired(spec))
    data = yaml.safe_load((ROOT / "samples" / "monitoring.yaml").read_text())
    del data["monitoring"]
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data))
    plan = plan_for(validate_file(str(path)).spec, cur)
    rounds = _ready_order(plan)
    inv = [i for i, s in enumerate(plan.steps) if s.kind == "inventory"]
    position = {i: n for n, r in enumerate(rounds) for i in r}
    assert len(inv) == 1
    assert all(
        position[i] < position[inv[0]]
        for i, s in enumerate(plan.steps)
        if s.action in ("create", "update", "delete") and s.kind != "inventory"
    )
    step = plan.steps[inv[0]]
    assert step.changes == (("wsspec:has", "alarm,table,topic", "table"),)
    assert {s.kind for s in plan.steps if s.action == "delete"} >= {"alarm", "topic"}
