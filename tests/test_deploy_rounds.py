"""Fewer round trips for deploy and destroy (issue 24): what sets the wall time against AWS's
tens of milliseconds per call is how many calls wait for each other, not how many there are.

- releasing the deploy lock: a lock whose lease was taken or renewed within the last half lease
  is deleted without reading it (nobody can have taken it over), after the record of this
  deploy; a full destroy deletes record and lock in one ``DeleteParameters``; a lock near the
  end of its lease is read while the record is written, and deleted only after both (whoever
  takes it next must read this deploy's record, and a lock taken over is not deleted);
- a destroy starts the per-item reads (tags, policies) of what the spec names beside the
  listings, not after them;
- API Gateway's lists are asked for 500 items a page, and asked again without a page size by
  an endpoint that refuses it;
- every deploy of a process shares the botocore data loader (service models parsed once);
- a full destroy reads only the tags of the table (not its TTL or backups) and deletes the
  API in one call, at the same time as the functions, log groups and role policies.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tests.deploy_util import Counter, deploy, load, project
from wsspec.deploy.aws import Aws, Options
from wsspec.deploy.current import pages
from wsspec.deploy.lock import DeployLock


class _Error(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code, "Message": code}}


class _Ssm:
    """An SSM client whose record write and lock read each wait (up to 5 s) for the other: if
    release made them one after the other, the first would time out."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.both = threading.Barrier(2, timeout=5)
        self.events: list[str] = []
        self.lock = threading.Lock()

    def _log(self, event: str) -> None:
        with self.lock:
            self.events.append(event)

    def put_parameter(self, Name: str, **_: Any) -> None:  # noqa: N803
        self.both.wait()
        self._log(f"put {Name.rsplit('/', 1)[1]}")

    def get_parameter(self, Name: str) -> dict[str, Any]:  # noqa: N803
        self.both.wait()
        self._log(f"get {Name.rsplit('/', 1)[1]}")
        value = '{"token": "%s", "host": "h", "pid": 1, "since": 0, "expires": 9e9}' % self.token
        return {"Parameter": {"Value": value}}

    def delete_parameter(self, Name: str) -> None:  # noqa: N803
        if Name.endswith("deploy-serial"):
            self.both.wait()
        self._log(f"delete {Name.rsplit('/', 1)[1]}")


class _FreshSsm:
    """An SSM client that logs every call in order; ``refuse``: DeleteParameters is denied."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.events: list[str] = []

    def put_parameter(self, Name: str, **_: Any) -> None:  # noqa: N803
        self.events.append(f"put {Name.rsplit('/', 1)[1]}")

    def get_parameter(self, Name: str) -> dict[str, Any]:  # noqa: N803
        raise AssertionError("a lock in its lease is not read before it is released")

    def delete_parameter(self, Name: str) -> None:  # noqa: N803
        self.events.append(f"delete {Name.rsplit('/', 1)[1]}")

    def delete_parameters(self, Names: list[str]) -> dict[str, Any]:  # noqa: N803
        if self.refuse:
            raise _Error("AccessDeniedException")
        self.events.append("delete " + " ".join(n.rsplit("/", 1)[1] for n in Names))
        return {"DeletedParameters": Names, "InvalidParameters": []}


def _lock_with(tmp_path: Any, ssm: Any, expires: float) -> DeployLock:
    from wsspec.deploy.lock import Holder

    lock = DeployLock(Aws(Options()), load(project(tmp_path, "chat")))
    lock._ssm = lambda: ssm  # type: ignore[method-assign]
    lock.held = Holder("t1", "h", 1, 0.0, expires)
    return lock


@pytest.mark.parametrize(
    ("forget", "refuse", "expected"),
    [
        (False, False, ["put deploy-serial", "delete deploy-lock"]),
        (True, False, ["delete deploy-serial deploy-lock"]),  # one request, the record first
        (True, True, ["delete deploy-serial", "delete deploy-lock"]),  # one by one when denied
    ],
)
def test_a_lock_in_its_lease_is_released_without_reading_it(tmp_path, forget, refuse, expected):
    ssm = _FreshSsm(refuse)
    lock = _lock_with(tmp_path, ssm, time.time() + 110)  # renewed 10 s ago
    assert lock.release(forget=forget) is None
    assert ssm.events == expected


def test_a_lock_released_with_nothing_written_leaves_the_record(tmp_path):
    ssm = _FreshSsm()
    lock = _lock_with(tmp_path, ssm, time.time() + 110)
    assert lock.release(forget=True, wrote=False) is None
    assert ssm.events == ["delete deploy-lock"]


@pytest.mark.parametrize("forget", [False, True])
def test_releasing_the_lock_records_and_reads_at_once_then_deletes(tmp_path, forget):
    ssm = _Ssm("t1")
    lock = _lock_with(tmp_path, ssm, time.time() + 30)  # near the end of its lease
    assert lock.release(forget=forget) is None
    record = "delete deploy-serial" if forget else "put deploy-serial"
    assert sorted(ssm.events[:2]) == sorted([record, "get deploy-lock"]), ssm.events
    assert ssm.events[2:] == ["delete deploy-lock"], ssm.events


def test_a_lock_taken_over_meanwhile_is_not_deleted(tmp_path):
    ssm = _Ssm("someone-else")
    lock = _lock_with(tmp_path, ssm, time.time() - 5)  # its lease ended: another took it over
    assert lock.release() is None
    assert "delete deploy-lock" not in ssm.events and "put deploy-serial" in ssm.events


class _Lists:
    """A client with one paginated list operation; ``refuse``: a page size is an error."""

    def __init__(self, refuse: bool) -> None:
        self.refuse = refuse
        self.asked: list[dict[str, Any]] = []

    def can_paginate(self, op: str) -> bool:
        return True

    def get_paginator(self, op: str) -> Any:
        outer = self

        class _P:
            def paginate(self, **kw: Any) -> list[dict[str, Any]]:
                outer.asked.append(kw)
                if outer.refuse and "PaginationConfig" in kw:
                    raise _Error("BadRequestException")
                return [{"Items": [1, 2]}, {"Items": [3]}]

        return _P()


def test_lists_are_asked_for_large_pages_and_again_without_when_refused():
    ok = _Lists(refuse=False)
    assert pages(ok, "get_routes", "Items", page_size="500", ApiId="a") == [1, 2, 3]
    assert ok.asked == [{"ApiId": "a", "PaginationConfig": {"PageSize": "500"}}]
    refused = _Lists(refuse=True)
    assert pages(refused, "get_routes", "Items", page_size="500", ApiId="a") == [1, 2, 3]
    assert refused.asked[1] == {"ApiId": "a"}


def test_get_routes_with_a_page_size_reads_every_route_from_moto(moto, aws_env, tmp_path):
    moto.reset()
    spec = load(project(tmp_path, "chat"))
    session, _, _ = deploy(spec, moto.url)
    client = session.aws.client("apigatewayv2")
    routes = pages(client, "get_routes", "Items", page_size="500", ApiId=_api(client))
    assert {r["RouteKey"] for r in routes} >= {"$connect", "$disconnect", "sendmessage"}


def _api(client: Any) -> str:
    return str(next(a["ApiId"] for a in client.get_apis()["Items"] if a["Name"] == "chat"))


def test_every_session_of_a_process_shares_the_service_models(aws_env):
    a = Aws(Options(endpoint_url="http://127.0.0.1:9")).open()
    b = Aws(Options(endpoint_url="http://127.0.0.1:9")).open()
    assert a.session._loader is b.session._loader  # noqa: SLF001
    paths = b.session._loader.search_paths  # noqa: SLF001
    assert len(paths) == len(set(paths))  # boto3 adds its data directory once, not per session


def test_a_full_destroy_reads_no_table_settings_and_deletes_at_once(moto, aws_env, tmp_path):
    moto.reset()
    spec = load(project(tmp_path, "chat"))
    deploy(spec, moto.url)
    session, _, c = deploy(spec, moto.url, destroy=True, counter=Counter())
    ops = {op for _, op in c.calls}
    assert "DescribeTable" in ops and "ListTagsOfResource" in ops
    assert not ops & {"DescribeTimeToLive", "DescribeContinuousBackups"}, ops
    assert not ops & {"GetRoutes", "GetIntegrations", "DeleteRoute", "DeleteIntegration"}, ops
    steps = session.plan.steps
    first = [s for s in steps if not s.after]  # what starts at once
    kinds = {s.kind for s in first}
    assert {"api", "function", "log_group", "table"} <= kinds, kinds
    # a role waits only for its own policy
    for s in steps:
        if s.kind == "role":
            assert {steps[j].kind for j in s.after} <= {"role_policy"}, s


def _ssm_names(url: str) -> list[str]:
    import boto3

    ssm = boto3.client("ssm", endpoint_url=url, region_name="us-east-1")
    got = ssm.get_parameters_by_path(Path="/wsspec", Recursive=True)["Parameters"]
    return sorted(p["Name"] for p in got)


def test_destroy_confirmed_in_advance_reads_under_a_lock_taken_first(moto, aws_env, tmp_path):
    """``destroy --yes``: the lock is taken beside STS, so apply neither takes it nor reads the
    last deploy's record again; everything is gone afterwards, the SSM parameters included."""
    moto.reset()
    spec = load(project(tmp_path, "chat"))
    deploy(spec, moto.url)
    session, result, c = deploy(spec, moto.url, destroy=True, lock_first=True)
    assert result is not None and not result.warnings, result
    ssm = c.lock_calls
    assert ssm[0] == "PutParameter", c.calls[:4]  # taken before anything was read
    first_read = next(i for i, (s, _) in enumerate(c.calls) if s == "apigatewayv2")
    assert c.calls.index(("ssm", "PutParameter")) < first_read
    assert ssm.count("PutParameter") == 1 and "GetParameter" not in ssm, ssm  # lock in its lease
    assert ssm[1:] == ["DeleteParameters"], ssm  # the record and the lock in one request
    assert session.lock is None
    assert _ssm_names(moto.url) == []
    again, result, c = deploy(spec, moto.url, destroy=True, lock_first=True)
    assert again.plan.empty and result is None
    assert c.writes == [] and _ssm_names(moto.url) == []  # no record left by a destroy of nothing


def test_a_lock_first_destroy_waits_for_the_lock_of_another_host(moto, aws_env, tmp_path):
    import json
    import time

    import boto3

    from wsspec.deploy.run import prepare
    from wsspec.errors import WsspecError

    moto.reset()
    spec = load(project(tmp_path, "chat"))
    deploy(spec, moto.url)
    ssm = boto3.client("ssm", endpoint_url=moto.url, region_name="us-east-1")
    held = {"token": "t0", "host": "build-host-7", "pid": 1, "since": time.time()}
    held["expires"] = time.time() + 600
    ssm.put_parameter(
        Name="/wsspec/chat/deploy-lock", Value=json.dumps(held), Type="String", Overwrite=True
    )
    waits: list[str] = []
    with pytest.raises(WsspecError) as err:
        prepare(
            spec,
            Options(endpoint_url=moto.url, lock_wait=0),
            destroy=True,
            lock_first=True,
            on_lock_wait=waits.append,
        )
    assert err.value.code == "WS932" and "build-host-7" in str(err.value)
    value = json.loads(ssm.get_parameter(Name="/wsspec/chat/deploy-lock")["Parameter"]["Value"])
    assert value["token"] == "t0"  # the other host's lock is untouched
    assert deploy(spec, moto.url)[0].plan.empty  # and nothing was deleted
