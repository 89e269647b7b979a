"""Reads a deploy does not need are not made (issue 24), on a moto server.

The API carries the tag ``wsspec:has`` naming the optional resource families an earlier
deploy created (wsspec.deploy.inventory): a spec without connection tables, alarms, topics,
custom domains, VPC links, authorizers or models reads none of them, yet a family the spec
dropped since its last deploy is still read once, deleted, and then forgotten.
"""

from __future__ import annotations

import boto3
import pytest

from tests.deploy_util import deploy, load, project

# reads of the optional families: (service, operation) as the call counter sees them
OPTIONAL_READS = {
    "GetVpcLinks",
    "GetDomainNames",
    "GetApiMappings",
    "GetAuthorizers",
    "GetModels",
    "DescribeTable",
    "DescribeTimeToLive",
    "ListTables",
    "DescribeAlarms",
    "ListTopics",
    "GetTopicAttributes",
    "ListSubscriptionsByTopic",
}
OPTIONAL_SERVICES = {"dynamodb", "sns", "cloudwatch", "monitoring"}


@pytest.fixture()
def url(moto, aws_env):  # type: ignore[no-untyped-def]
    moto.reset()
    return moto.url


def _spec(tmp_path, table: bool):
    data: dict[str, object] = {
        "wsspec": 1,
        "api": {"name": "delta"},
        "routes": {"$connect": {"function": "fd"}, "$default": {"function": "fd"}},
        "functions": {"fd": {"handler": "handlers/fd.py"}},
        "stages": {"prod": {"auto_deploy": True}},
    }
    if table:
        data["connections"] = {"table_name": "delta-connections"}
    return load(project(tmp_path / ("with" if table else "without"), None, data=data))


def _optional(calls):
    return sorted(
        {f"{s}:{op}" for s, op in calls if op in OPTIONAL_READS or s in OPTIONAL_SERVICES}
    )


def _tables(url):
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1").list_tables()[
        "TableNames"
    ]


def test_a_spec_without_optional_families_never_reads_them(url, tmp_path):
    spec = _spec(tmp_path, table=False)
    _, _, first = deploy(spec, url)
    session, _, again = deploy(spec, url)
    assert session.plan.empty and again.writes == []
    assert _optional(again.calls) == [], again.calls
    # from empty there is no API to carry the tag, so the first deploy looks (once, in
    # parallel with the other reads) for what a crashed destroy may have left behind
    assert _optional(first.calls), first.calls


def test_a_family_the_spec_dropped_is_read_once_deleted_then_forgotten(url, tmp_path):
    with_table, without = _spec(tmp_path, table=True), _spec(tmp_path, table=False)
    deploy(with_table, url)
    assert "delta-connections" in _tables(url)
    session, _, c = deploy(without, url)
    assert any(s == "dynamodb" for s, _ in c.calls)  # the tag said a table may exist
    deleted = {(s.kind, s.action) for s in session.plan.steps}
    assert ("table", "delete") in deleted and ("inventory", "update") in deleted, deleted
    assert "delta-connections" not in _tables(url)
    session, _, c = deploy(without, url)
    assert session.plan.empty and c.writes == [] and _optional(c.calls) == [], c.calls
