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
