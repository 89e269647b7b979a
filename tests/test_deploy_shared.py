"""Two specs in one account (issue 22): what one spec deploys or destroys never undoes the other.

Item 2: spec B routes to spec A's function by ``arn:``, and both route the same route key on the
same stage to a third function neither owns. Each deploy and destroy must leave the other
spec's Lambda permission statements in place, each naming the right API, stage and route.
Item 6: two deploys of one spec at the same time leave one API, and duplicates that exist
anyway (made by hand here, as by two deploys before the lock) are cleaned up.
"""

from __future__ import annotations

import json
import threading
import time

import boto3
import pytest

from tests.deploy_util import Counter, deploy, load, project
from tests.test_deploy_moto import _existing_function
from wsspec import names
from wsspec.errors import WsspecError

ACCOUNT = "123456789012"
SHARED = "shared-handler"  # the function neither spec owns
SHARED_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{SHARED}"


@pytest.fixture()
def url(moto, aws_env):  # type: ignore[no-untyped-def]
    moto.reset()
    return moto.url


def _spec_a(tmp_path):
    data = {
        "wsspec": 1,
        "api": {"name": "alpha"},
        "routes": {
            "$default": {"function": "fa"},
            "shared": {"integration": {"type": "lambda", "arn": SHARED_ARN}},
        },
        "functions": {"fa": {"handler": "handlers/fa.py"}},
        "stages": {"prod": {"auto_deploy": True}},
    }
    return load(project(tmp_path / "a", None, data=data))


def _spec_b(tmp_path, fa_arn):
    data = {
        "wsspec": 1,
        "api": {"name": "beta"},
        "routes": {
            "$default": {"integration": {"type": "lambda", "arn": fa_arn}},
            "shared": {"integration": {"type": "lambda", "arn": SHARED_ARN}},
        },
        "stages": {"prod": {"auto_deploy": True}},
    }
    return load(project(tmp_path / "b", None, data=data))


def _api_id(url, name):
    c = boto3.client("apigatewayv2", endpoint_url=url, region_name="us-east-1")
    ids = [a["ApiId"] for a in c.get_apis()["Items"] if a["Name"] == name]
    assert len(ids) == 1, ids
    return ids[0]


def _grants(url, fn):
    """{(api id, stage/route)} of every statement on ``fn`` (by SourceArn)."""
    lam = boto3.client("lambda", endpoint_url=url, region_name="us-east-1")
    try:
        doc = json.loads(lam.get_policy(FunctionName=fn)["Policy"])
    except lam.exceptions.ResourceNotFoundException:
        return set()
    out = set()
    for st in doc["Statement"]:
        src = st["Condition"]["ArnLike"]["AWS:SourceArn"]
        api, path = src.split(":", 5)[5].split("/", 1)
        out.add((api, path))
    return out


def test_two_specs_sharing_functions_keep_each_others_permissions(url, tmp_path):
    _existing_function(url, SHARED)
    a = _spec_a(tmp_path)
    fa = names.function_name(a, "fa")
    fa_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{fa}"
    b = _spec_b(tmp_path, fa_arn)

    deploy(a, url)
    api_a = _api_id(url, "alpha")
    a_on_fa = {(api_a, "prod/$default")}
    a_on_shared = {(api_a, "prod/shared")}
    assert _grants(url, fa) == a_on_fa and _grants(url, SHARED) == a_on_shared

    deploy(b, url)
    api_b = _api_id(url, "beta")
    b_on_fa = {(api_b, "prod/$default")}
    b_on_shared = {(api_b, "prod/shared")}
    assert _grants(url, fa) == a_on_fa | b_on_fa
    assert _grants(url, SHARED) == a_on_shared | b_on_shared

    # each spec's redeploy sees the other's statements as not its own: nothing to do
    for spec in (a, b):
        session, _, c = deploy(spec, url)
        assert session.plan.empty and c.writes == [], session.plan.as_dict()
    assert _grants(url, fa) == a_on_fa | b_on_fa
    assert _grants(url, SHARED) == a_on_shared | b_on_shared

    # destroying B removes exactly B's statements
    deploy(b, url, destroy=True)
    assert _grants(url, fa) == a_on_fa and _grants(url, SHARED) == a_on_shared
    session, _, c = deploy(a, url)
    assert session.plan.empty and c.writes == []

    # B again, then destroying A (its function goes with it) leaves B's grant on the shared one
    deploy(b, url)
    api_b = _api_id(url, "beta")
    assert _grants(url, SHARED) == a_on_shared | {(api_b, "prod/shared")}
    deploy(a, url, destroy=True)
    assert _grants(url, SHARED) == {(api_b, "prod/shared")}


def test_statement_ids_on_a_function_named_by_arn_carry_the_api_name(tmp_path):
    from wsspec.deploy.desired import lambda_permissions

    a = _spec_a(tmp_path)
    b = _spec_b(tmp_path, SHARED_ARN)
    ka = {p.key for p in lambda_permissions(a) if p.function_arn == SHARED_ARN}
    kb = {p.key for p in lambda_permissions(b) if p.function_arn == SHARED_ARN}
    assert ka and kb and not ka & kb  # same route key, stage and function: distinct ids


def test_stale_grants_of_an_api_that_no_longer_exists_are_cleaned_only_on_own_functions():
    from wsspec.deploy.remote_services import statement_owner

    kw = {"wanted": {"wsspec-a"}, "ours": {"api1"}, "every": {"api1", "api2"}}
    assert statement_owner("wsspec-a", None, own=False, **kw)  # an id this spec makes
    assert statement_owner("wsspec-x", "api1", own=False, **kw)  # names this spec's API
    assert not statement_owner("wsspec-x", "api2", own=True, **kw)  # another spec's API
    assert statement_owner("wsspec-x", "gone", own=True, **kw)  # stale, on our function
    assert not statement_owner("wsspec-x", "gone", own=False, **kw)  # stale, not our function
    assert not statement_owner("other", "api1", own=True, **kw)  # never a non-wsspec statement


# ----------------------------------------------------------------------------- item 6
def _tagged_apis(url, name):
    c = boto3.client("apigatewayv2", endpoint_url=url, region_name="us-east-1")
    return [a["ApiId"] for a in c.get_apis()["Items"] if a["Name"] == name]


def _lock_parameters(url):
    ssm = boto3.client("ssm", endpoint_url=url, region_name="us-east-1")
    got = ssm.get_parameters_by_path(Path="/wsspec", Recursive=True)["Parameters"]
    return sorted(p["Name"] for p in got)


def test_two_concurrent_deploys_of_one_spec_make_one_api(url, tmp_path):
    spec = load(project(tmp_path, "chat"))
    start = threading.Barrier(2)
    results: list[object] = []

    def one() -> None:
        start.wait()
        try:
            results.append(deploy(spec, url))
        except Exception as exc:  # noqa: BLE001
            results.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(isinstance(r, BaseException) for r in results), results
    assert len(_tagged_apis(url, "chat")) == 1
    # both planned from an empty account; the one that waited for the lock read it again
    warnings = [w for (_, result, _) in results if result for w in result.warnings]
    assert "another deploy made these changes meanwhile" in warnings, warnings
    assert _lock_parameters(url) == ["/wsspec/chat/deploy-serial"]
    session, _, c = deploy(spec, url)
    assert session.plan.empty and c.writes == []
    deploy(spec, url, destroy=True)
    assert _tagged_apis(url, "chat") == [] and _lock_parameters(url) == []


def _duplicate(url, spec):
    """A second API with the spec's name and tag (what two unlocked deploys used to leave)."""
    c = boto3.client("apigatewayv2", endpoint_url=url, region_name="us-east-1")
    c.create_api(
        Name=spec.api.name,
        ProtocolType="WEBSOCKET",
        RouteSelectionExpression="$request.body.action",
        Tags={"wsspec:spec": spec.api.name},
    )


def test_deploy_keeps_the_oldest_of_duplicate_apis_and_deletes_the_others(url, tmp_path):
    spec = load(project(tmp_path, "chat"))
    deploy(spec, url)
    first = _tagged_apis(url, "chat")
    # CreatedDate has whole seconds; APIs made in the same second are ordered by id instead
    # (any one, the same for every deploy), so make the duplicate visibly younger
    time.sleep(1.1)
    _duplicate(url, spec)
    assert len(_tagged_apis(url, "chat")) == 2
    session, _, _ = deploy(spec, url)
    assert [(s.action, s.kind) for s in session.plan.steps] == [("delete", "duplicate_api")]
    assert _tagged_apis(url, "chat") == first
    session, _, c = deploy(spec, url)
    assert session.plan.empty and c.writes == []


def test_destroy_deletes_every_duplicate_it_owns(url, tmp_path):
    spec = load(project(tmp_path, "chat"))
    deploy(spec, url)
    _duplicate(url, spec)
    _duplicate(url, spec)
    with pytest.raises(WsspecError) as err:  # a stage-scoped destroy cannot choose
        deploy(spec, url, destroy=True, stages=["prod"])
    assert err.value.code == "WS927" and "3 APIs" in str(err.value)
    deploy(spec, url, destroy=True)
    assert _tagged_apis(url, "chat") == []


def _put_lock(url, host, expires):
    import json as _json
    import time

    ssm = boto3.client("ssm", endpoint_url=url, region_name="us-east-1")
    value = {"token": "t0", "host": host, "pid": 1, "since": time.time(), "expires": expires}
    ssm.put_parameter(Name="/wsspec/chat/deploy-lock", Value=_json.dumps(value), Type="String")


def test_a_live_lock_of_another_host_stops_the_deploy_after_the_wait(url, tmp_path):
    import time

    from wsspec.deploy.aws import Options
    from wsspec.deploy.run import apply, prepare

    spec = load(project(tmp_path, "chat"))
    _put_lock(url, "build-host-7", time.time() + 600)
    session = prepare(spec, Options(endpoint_url=url, lock_wait=0))
    counter = Counter()
    session.aws.on_call = counter
    with pytest.raises(WsspecError) as err:
        apply(session)
    assert err.value.code == "WS932" and "build-host-7" in str(err.value)
    assert _tagged_apis(url, "chat") == []  # nothing was changed


def test_a_lock_whose_lease_ended_is_taken_over(url, tmp_path):
    import time

    spec = load(project(tmp_path, "chat"))
    _put_lock(url, "build-host-7", time.time() - 1)
    events: list[str] = []
    from wsspec.deploy.aws import Options
    from wsspec.deploy.run import apply, prepare

    session = prepare(spec, Options(endpoint_url=url))
    apply(session, progress=lambda event, step, message: events.append(f"{event}: {message}"))
    assert len(_tagged_apis(url, "chat")) == 1
    assert any(e.startswith("lock: took over the stale deploy lock") for e in events), events
    assert _lock_parameters(url) == ["/wsspec/chat/deploy-serial"]


def _gamma(tmp_path, *extra: str):
    """One spec ``gamma`` in versions with more routes (each version in its own folder)."""
    routes: dict[str, object] = {"$default": {"function": "fg"}}
    routes.update({key: {"function": "fg"} for key in extra})
    data = {
        "wsspec": 1,
        "api": {"name": "gamma"},
        "routes": routes,
        "functions": {"fg": {"handler": "handlers/fg.py"}},
        "stages": {"prod": {"auto_deploy": True}},
    }
    return load(project(tmp_path / "-".join(("g", *extra)), None, data=data))


def _route_keys(url, name):
    c = boto3.client("apigatewayv2", endpoint_url=url, region_name="us-east-1")
    return sorted(r["RouteKey"] for r in c.get_routes(ApiId=_api_id(url, name))["Items"])


def test_a_plan_shown_then_changed_by_another_deploy_is_not_applied(url, tmp_path):
    """The user confirmed a plan (replan=False); another deploy wrote meanwhile and the plan
    made again under the lock differs: WS933, nothing applied. With ``--yes`` (replan) the
    plan made under the lock is applied instead."""
    from wsspec.deploy.aws import Options
    from wsspec.deploy.run import apply, prepare

    small, one, two = _gamma(tmp_path), _gamma(tmp_path, "ping"), _gamma(tmp_path, "ping", "pong")
    deploy(one, url)
    user = prepare(small, Options(endpoint_url=url))  # the plan shown: delete route ping
    assert [(s.action, s.kind) for s in user.plan.steps if s.kind == "route"] == [
        ("delete", "route")
    ]
    deploy(two, url)  # meanwhile another deploy (of another version) adds route pong
    counter = Counter()
    user.aws.on_call = counter
    with pytest.raises(WsspecError) as err:
        apply(user, replan=False)
    assert err.value.code == "WS933" and "nothing was applied" in str(err.value)
    assert counter.writes == [] and _route_keys(url, "gamma") == ["$default", "ping", "pong"]
    assert _lock_parameters(url) == ["/wsspec/gamma/deploy-serial"]  # the lock was released

    user = prepare(small, Options(endpoint_url=url))  # delete ping and pong
    deploy(one, url)  # meanwhile: pong goes
    result = apply(user, replan=True)
    assert "another deploy made these changes meanwhile" not in result.warnings
    assert _route_keys(url, "gamma") == ["$default"]
    session, _, c = deploy(small, url)
    assert session.plan.empty and c.writes == []
