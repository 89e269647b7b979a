"""Direct deploy of application tables and stream triggers against a moto server (issue 23):
the tables come out with the keys, indexes, TTL, stream, billing, encryption and recovery the
spec asks for, the trigger points at the table's stream, a redeploy writes nothing, changes
are planned field by field, and destroy removes only what wsspec owns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from tests.deploy_util import deploy, load, project
from wsspec import names

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def url(moto, aws_env):  # type: ignore[no-untyped-def]
    moto.reset()
    return moto.url


def _client(url: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1")


def _sample_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "samples" / "chat-rooms.yaml").read_text())
    return data


def _keys(schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(k["AttributeName"], k["KeyType"]) for k in schema]


@pytest.mark.slow
def test_chat_rooms_tables_deploy_as_specified_redeploy_is_a_no_op_and_destroy_cleans_up(
    url: str, tmp_path: Path
) -> None:
    spec = load(project(tmp_path, "chat-rooms"))
    _, result, c1 = deploy(spec, url)
    assert result is not None and "CreateTable" in c1.writes
    ddb = _client(url, "dynamodb")
    messages = ddb.describe_table(TableName="chat-rooms-messages")["Table"]
    assert _keys(messages["KeySchema"]) == [("roomId", "HASH"), ("sentAt", "RANGE")]
    types = {a["AttributeName"]: a["AttributeType"] for a in messages["AttributeDefinitions"]}
    assert types == {"roomId": "S", "sentAt": "N", "userId": "S"}
    (gsi,) = messages["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "by_user" and gsi["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert messages["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert messages["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = ddb.describe_time_to_live(TableName="chat-rooms-messages")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}
    backups = ddb.describe_continuous_backups(TableName="chat-rooms-messages")
    pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"
    tags = {
        t["Key"]: t["Value"]
        for t in ddb.list_tags_of_resource(ResourceArn=messages["TableArn"])["Tags"]
    }
    assert tags == {"wsspec:spec": "chat-rooms", "wsspec:table": "messages", "data": "chat-history"}

    presence = ddb.describe_table(TableName="chat-rooms-presence")["Table"]
    assert presence["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert presence["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    (lsi,) = presence["LocalSecondaryIndexes"]
    assert _keys(lsi["KeySchema"]) == [("roomId", "HASH"), ("name", "RANGE")]
    assert lsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["joinedAt"]}
    assert presence["SSEDescription"]["SSEType"] == "KMS"
    assert "StreamSpecification" not in presence or not presence["StreamSpecification"].get(
        "StreamEnabled"
    )

    lam = _client(url, "lambda")
    fan_out = names.function_name(spec, "fan_out")
    (mapping,) = lam.list_event_source_mappings(FunctionName=fan_out)["EventSourceMappings"]
    assert mapping["EventSourceArn"] == messages["LatestStreamArn"]
    assert mapping["BatchSize"] == 100 and mapping["BisectBatchOnFunctionError"] is True
    assert mapping["FilterCriteria"] == {"Filters": [{"Pattern": '{"eventName":["INSERT"]}'}]}
    env = lam.get_function_configuration(FunctionName=names.function_name(spec, "join"))
    assert env["Environment"]["Variables"]["MESSAGES_TABLE"] == "chat-rooms-messages"
    assert env["Environment"]["Variables"]["PRESENCE_TABLE"] == "chat-rooms-presence"

    session2, _, c2 = deploy(spec, url)
    assert session2.plan.empty, [s.as_dict() for s in session2.plan.steps]
    assert c2.writes == []

    deploy(spec, url, destroy=True)
    left = set(ddb.list_tables()["TableNames"])
    assert not left & {"chat-rooms-messages", "chat-rooms-presence", "chat-rooms-connections"}
    assert lam.list_event_source_mappings()["EventSourceMappings"] == []


def _spec_with(tmp: Path, table: dict[str, Any], **fn: Any) -> Path:
    data = {
        "wsspec": 1,
        "api": {"name": "tbl"},
        "routes": {"$default": {"function": "f"}},
        "functions": {"f": {"handler": "h.py", **fn}},
        "tables": {"items": table},
    }
    return project(tmp, "", data)


def test_changed_table_settings_are_updated_in_place_then_no_op(url: str, tmp_path: Path) -> None:
    base = {"key": {"partition": "id"}, "ttl": "exp"}
    deploy(load(_spec_with(tmp_path / "a", base, tables={"items": "read"})), url)
    changed = {
        **base,
        "ttl": "expires",
        "stream": "keys_only",
        "point_in_time_recovery": True,
        "indexes": {"by_kind": {"partition": "kind"}},
        "tags": {"team": "chat"},
    }
    spec = load(_spec_with(tmp_path / "b", changed, tables={"items": "read"}))
    session, _, c = deploy(spec, url)
    (step,) = [s for s in session.plan.steps if s.kind == "app_table"]
    assert step.action == "update"
    assert {f for f, _, _ in step.changes} == {
        "GlobalSecondaryIndexes",
        "Pitr",
        "Stream",
        "Tags",
        "Ttl",
    }
    assert "CreateTable" not in c.writes and "DeleteTable" not in c.writes
    ddb = _client(url, "dynamodb")
    t = ddb.describe_table(TableName="tbl-items")["Table"]
    assert [g["IndexName"] for g in t["GlobalSecondaryIndexes"]] == ["by_kind"]
    assert t["StreamSpecification"]["StreamViewType"] == "KEYS_ONLY"
    again, _, c2 = deploy(spec, url)
    assert again.plan.empty, [s.as_dict() for s in again.plan.steps]
    assert c2.writes == []


def test_a_key_change_is_reported_not_applied(url: str, tmp_path: Path) -> None:
    deploy(load(_spec_with(tmp_path / "a", {"key": {"partition": "id"}})), url)
    spec = load(_spec_with(tmp_path / "b", {"key": {"partition": "id", "sort": "at"}}))
    session, _, c = deploy(spec, url)
    assert any("cannot change KeySchema" in n for n in session.plan.notes)
    assert "DeleteTable" not in c.writes and "CreateTable" not in c.writes


def test_an_untagged_table_of_the_same_name_is_refused_and_left_alone(
    url: str, tmp_path: Path
) -> None:
    from wsspec.errors import WsspecError

    ddb = _client(url, "dynamodb")
    ddb.create_table(
        TableName="tbl-items",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    with pytest.raises(WsspecError) as err:
        deploy(load(_spec_with(tmp_path, {"key": {"partition": "id"}})), url)
    assert err.value.code == "WS928"
    assert "tbl-items" in ddb.list_tables()["TableNames"]


def test_a_deletion_protected_table_survives_destroy(url: str, tmp_path: Path) -> None:
    spec = load(_spec_with(tmp_path, {"key": {"partition": "id"}, "deletion_protection": True}))
    deploy(spec, url)
    deploy(spec, url, destroy=True)
    assert "tbl-items" in _client(url, "dynamodb").list_tables()["TableNames"]
