"""Sign-in and abuse protection against a moto server on 127.0.0.1: the direct deploy creates
the usage plan, the API keys and their links (and never shows a key's value), and the
connection guard's generated code enforces the caps on moto's DynamoDB."""

from __future__ import annotations

import io
import json
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.deploy_util import deploy, load, project
from wsspec import names
from wsspec.build import build_outputs
from wsspec.runtime import connection_guard as cg

pytestmark = pytest.mark.slow
SAMPLE = "protected-chat"


@pytest.fixture()
def url(moto, aws_env):  # type: ignore[no-untyped-def]
    moto.reset()
    return moto.url


def _usage(url: str) -> dict[str, Any]:
    c = boto3.client("apigateway", endpoint_url=url, region_name="us-east-1")
    plans = c.get_usage_plans()["items"]
    keys = c.get_api_keys(includeValues=True)["items"]
    links = {
        p["name"]: sorted(k["name"] for k in c.get_usage_plan_keys(usagePlanId=p["id"])["items"])
        for p in plans
    }
    return {"plans": plans, "keys": keys, "links": links}


def test_deploy_creates_the_usage_plan_and_keys_redeploys_with_no_writes_and_destroys(
    url: str, tmp_path: Path
) -> None:
    spec = load(project(tmp_path, SAMPLE))
    session, _, counter = deploy(spec, url)
    got = _usage(url)
    (plan,) = got["plans"]
    assert plan["name"] == names.usage_plan_name(spec, "partners")
    assert plan["throttle"] == {"rateLimit": 50.0, "burstLimit": 100}
    assert plan["quota"] == {"limit": 100000, "period": "DAY", "offset": 0}
    api_id = boto3.client("apigatewayv2", endpoint_url=url, region_name="us-east-1").get_apis()[
        "Items"
    ][0]["ApiId"]
    assert plan["apiStages"] == [{"apiId": api_id, "stage": "prod"}]
    by_name = {k["name"]: k for k in got["keys"]}
    a, b = names.api_key_name(spec, "partner-a"), names.api_key_name(spec, "partner-b")
    assert set(by_name) == {a, b}
    assert by_name[a]["enabled"] is True and by_name[b]["enabled"] is False
    assert got["links"] == {plan["name"]: sorted([a, b])}
    # No key value in the plan wsspec shows, nor in the calls it made.
    shown = json.dumps([s.as_dict() for s in session.plan.steps], default=str)
    for k in got["keys"]:
        assert k["value"] not in shown
    assert counter.writes.count("CreateApiKey") == 2
    assert counter.writes.count("CreateUsagePlanKey") == 2

    session2, _, c2 = deploy(spec, url)
    assert session2.plan.empty, [s.as_dict() for s in session2.plan.steps]
    assert c2.writes == []

    deploy(spec, url, destroy=True)
    after = _usage(url)
    assert after["plans"] == [] and after["keys"] == []


def test_moving_a_key_to_another_plan_relinks_it(url: str, tmp_path: Path) -> None:
    import yaml

    path = project(tmp_path, SAMPLE)
    spec = load(path)
    deploy(spec, url)
    data = yaml.safe_load(path.read_text())
    data["usage_plans"]["gold"] = {"throttle": {"rate": 500, "burst": 1000}}
    data["api_keys"]["partner-a"]["usage_plan"] = "gold"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    deploy(load(path), url)
    links = _usage(url)["links"]
    assert links[names.usage_plan_name(spec, "gold")] == [names.api_key_name(spec, "partner-a")]
    assert links[names.usage_plan_name(spec, "partners")] == [names.api_key_name(spec, "partner-b")]


USAGE_READS = {"GetApiKeys", "GetUsagePlans", "GetUsagePlanKeys"}


def test_dropped_usage_plans_and_keys_are_deleted_then_no_longer_read(
    url: str, tmp_path: Path
) -> None:
    import yaml

    path = project(tmp_path, SAMPLE)
    deploy(load(path), url)
    data = yaml.safe_load(path.read_text())
    del data["usage_plans"], data["api_keys"]
    data["routes"]["$connect"].pop("api_key_required")
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    session, _, c = deploy(load(path), url)
    deleted = {(s.kind, s.action) for s in session.plan.steps}
    assert {("usage_plan", "delete"), ("api_key", "delete"), ("usage_plan_key", "delete")} <= (
        deleted
    )
    assert ("inventory", "update") in deleted, deleted
    assert _usage(url)["plans"] == [] and _usage(url)["keys"] == []
    session, _, c = deploy(load(path), url)
    assert session.plan.empty and c.writes == []
    assert not {op for _, op in c.calls} & USAGE_READS, c.calls


def test_no_build_output_holds_a_key_value(tmp_path: Path) -> None:
    spec = load(project(tmp_path, SAMPLE))
    outputs, _ = build_outputs(spec, ["cloudformation", "terraform"], tmp_path / "out")
    text = "".join(o.content.decode("utf-8", "replace") for o in outputs if o.path.suffix != ".zip")
    assert "AWS::ApiGateway::ApiKey" in text and "aws_api_gateway_api_key" in text
    for forbidden in ("Value:", "value ="):
        assert forbidden not in "\n".join(
            line for line in text.splitlines() if "ApiKey" in line or "api_key" in line
        )


# ----------------------------------------------------------------------- the generated code
def _guarded_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, dict[str, str]]:
    """Build protected-chat (with its real handler), unpack the `connections` function's zip
    and import the entry point Lambda would call."""
    (tmp_path / "handlers").mkdir(parents=True)
    real = Path(__file__).resolve().parent.parent / "samples/handlers/protected_connections.py"
    (tmp_path / "handlers/protected_connections.py").write_bytes(real.read_bytes())
    spec = load(project(tmp_path, SAMPLE))
    outputs, _ = build_outputs(spec, ["cloudformation"], tmp_path / "out")
    fn = spec.function("connections")
    (zip_out,) = [o for o in outputs if o.path.name == names.zip_name(fn.name)]
    root = tmp_path / "unpacked"
    zipfile.ZipFile(io.BytesIO(zip_out.content)).extractall(root)
    module, entry = fn.lambda_handler.rsplit(".", 1)
    from wsspec import derive

    env = derive.environment(spec, fn.name)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.syspath_prepend(str(root))
    for name in (module, "protected_connections"):
        sys.modules.pop(name, None)
    mod = __import__(module)
    return getattr(mod, entry), env


def _event(kind: str, cid: str, principal: str) -> dict[str, Any]:
    return {
        "requestContext": {
            "eventType": kind,
            "connectionId": cid,
            "routeKey": "$connect" if kind == "CONNECT" else "$disconnect",
            "apiId": "abc",
            "connectedAt": 1_700_000_000_000,
            "authorizer": {"principalId": principal, "userId": principal},
        }
    }


def test_the_generated_guard_admits_exactly_max_per_user_of_50_concurrent_connects(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", url)
    handler, env = _guarded_package(tmp_path, monkeypatch)
    ddb = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1")
    ddb.create_table(
        TableName=env["CONNECTIONS_TABLE"],
        AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    statuses: dict[str, int] = {}
    lock = threading.Lock()

    def connect(i: int) -> None:
        out = handler(_event("CONNECT", f"c{i}", "alice"), None)
        with lock:
            statuses[f"c{i}"] = out["statusCode"]

    threads = [threading.Thread(target=connect, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(statuses) == 50
    admitted = [c for c, s in statuses.items() if s == 200]
    assert len(admitted) == 5
    assert set(statuses.values()) == {200, 429}
    guard = cg.Guard(ddb, cg.Caps.from_env(env))
    assert guard.counts()[1] == {"alice": 5}
    # the user's handler ran for the admitted connections only
    items = ddb.scan(TableName=env["CONNECTIONS_TABLE"])["Items"]
    users = [
        i["connectionId"]["S"] for i in items if not i["connectionId"]["S"].startswith("wsspec#")
    ]
    assert sorted(users) == sorted(admitted)
    for cid in admitted:
        handler(_event("DISCONNECT", cid, "alice"), None)
    handler(_event("DISCONNECT", admitted[0], "alice"), None)  # a repeated event frees nothing
    assert guard.counts() == (0, {})


def test_lost_disconnects_heal_by_expiry_and_reconciliation(
    url: str, aws_env: dict[str, str]
) -> None:
    ddb = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1")
    ddb.create_table(
        TableName="caps",
        AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    now = [1_000_000.0]
    guard = cg.Guard(ddb, cg.Caps("caps", 2, 3, ttl_seconds=7200), clock=lambda: now[0])
    assert guard.acquire("a1", "alice") is None
    assert guard.acquire("a2", "alice") is None
    assert guard.acquire("a3", "alice") == "max_per_user"
    assert guard.acquire("b1", "bob") is None
    assert guard.acquire("c1", "carol") == "max_total"
    assert guard.counts() == (3, {"alice": 2, "bob": 1})
    # every $disconnect is lost; two hours later the slots have expired
    now[0] += 7201
    assert guard.reconcile() is True
    assert guard.counts() == (0, {})
    assert guard.acquire("a4", "alice") is None
    assert guard.acquire("a5", "alice") is None
    assert guard.acquire("c2", "carol") is None
    assert guard.counts() == (3, {"alice": 2, "carol": 1})
    # a late $disconnect of an expired connection does not free a slot it no longer owns
    assert guard.release("a1") is True
    assert guard.counts() == (2, {"alice": 2, "carol": 1})


def test_a_full_counter_reconciles_itself_before_refusing(
    url: str, aws_env: dict[str, str]
) -> None:
    ddb = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1")
    ddb.create_table(
        TableName="caps2",
        AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    now = [2_000_000.0]
    guard = cg.Guard(ddb, cg.Caps("caps2", None, 2, ttl_seconds=600), clock=lambda: now[0])
    assert guard.acquire("x1", "-") is None and guard.acquire("x2", "-") is None
    now[0] += 601  # both $disconnects were lost
    assert guard.acquire("x3", "-") is None  # the counter is recounted, not trusted
    assert guard.counts()[0] == 1


def test_the_jwt_authorizer_package_holds_its_module_and_lambda_platform_libraries(
    tmp_path: Path,
) -> None:
    spec = load(project(tmp_path, SAMPLE))
    outputs, _ = build_outputs(spec, ["cloudformation"], tmp_path / "out")
    fn = spec.function("users-jwt-authorizer")
    assert fn.builtin == "jwt-authorizer" and fn.lambda_handler == "wsspec_jwt_authorizer.handler"
    (zip_out,) = [o for o in outputs if o.path.name == names.zip_name(fn.name)]
    z = zipfile.ZipFile(io.BytesIO(zip_out.content))
    entries = set(z.namelist())
    module = (Path(cg.__file__).parent / "jwt_authorizer.py").read_bytes()
    assert z.read("wsspec_jwt_authorizer.py") == module
    assert {"jwt/__init__.py", "jwt/jwks_client.py", "cryptography/__init__.py"} <= entries
    # native code built for the function's runtime (the default Python runtime) on Linux x86_64
    native = [e for e in entries if e.endswith(".so")]
    assert native and all("x86_64" in e or "abi3" in e for e in native)
    assert any(fn.runtime.removeprefix("python").replace(".", "") in e for e in native)
    assert not any(e.startswith(("bin/", "__pycache__/")) or e.endswith(".pyc") for e in entries)
    # the same bytes on every build (the zip is deterministic)
    again, _ = build_outputs(spec, ["cloudformation"], tmp_path / "out2")
    assert [o.content for o in again if o.path.name == zip_out.path.name] == [zip_out.content]
