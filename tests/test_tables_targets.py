"""Application tables in the templates (issue 23): CloudFormation and Terraform describe the
same tables and stream triggers, and each function's role holds exactly its access levels'
actions on its own tables (and their indexes and streams), never on any other table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_cloudformation_support import render_template, resources_of, spec_from_data
from tests.tfhelp import blocks, hcl_literal, load, parse, rendered, resources
from wsspec import derive, names, tables
from wsspec.model import Spec

SPEC = load("chat-rooms")


def _cfn_tables(spec: Spec) -> dict[str, dict[str, Any]]:
    _, t = render_template(spec)
    out = {}
    for logical, res in resources_of(t, "AWS::DynamoDB::Table").items():
        if logical == names.CONNECTION_TABLE_LOGICAL:
            continue  # the connection table (main.tf in Terraform)
        p = res["Properties"]
        out[p["TableName"]] = {
            "hash": next(k["AttributeName"] for k in p["KeySchema"] if k["KeyType"] == "HASH"),
            "range": next(
                (k["AttributeName"] for k in p["KeySchema"] if k["KeyType"] == "RANGE"), None
            ),
            "attributes": {
                a["AttributeName"]: a["AttributeType"] for a in p["AttributeDefinitions"]
            },
            "billing": p["BillingMode"],
            "capacity": (
                p["ProvisionedThroughput"]["ReadCapacityUnits"],
                p["ProvisionedThroughput"]["WriteCapacityUnits"],
            )
            if "ProvisionedThroughput" in p
            else None,
            "gsi": {
                g["IndexName"]: (
                    [k["AttributeName"] for k in g["KeySchema"]],
                    g["Projection"]["ProjectionType"],
                    g["Projection"].get("NonKeyAttributes"),
                )
                for g in p.get("GlobalSecondaryIndexes", [])
            },
            "lsi": {
                g["IndexName"]: (
                    [k["AttributeName"] for k in g["KeySchema"]][1],
                    g["Projection"]["ProjectionType"],
                    g["Projection"].get("NonKeyAttributes"),
                )
                for g in p.get("LocalSecondaryIndexes", [])
            },
            "ttl": (p.get("TimeToLiveSpecification") or {}).get("AttributeName"),
            "stream": (p.get("StreamSpecification") or {}).get("StreamViewType"),
            "sse": bool((p.get("SSESpecification") or {}).get("SSEEnabled")),
            "pitr": bool(
                (p.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled")
            ),
            "tags": {x["Key"]: x["Value"] for x in p.get("Tags", [])},
        }
    return out


def _plain(v: Any) -> Any:
    """python-hcl2's values with quoted strings decoded."""
    if isinstance(v, str) and v.startswith('"'):
        return hcl_literal(v)
    if isinstance(v, dict):
        return {_plain(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _tf_tables(spec: Spec, tmp: Path) -> dict[str, dict[str, Any]]:
    doc = _plain(parse(rendered(spec, tmp)["tables.tf"]))
    out = {}
    for (rtype, _), b in resources(doc).items():
        if rtype != "aws_dynamodb_table":
            continue
        ttl = blocks(b, "ttl")
        out[b["name"]] = {
            "hash": b["hash_key"],
            "range": b.get("range_key"),
            "attributes": {a["name"]: a["type"] for a in blocks(b, "attribute")},
            "billing": b["billing_mode"],
            "capacity": (b["read_capacity"], b["write_capacity"]) if "read_capacity" in b else None,
            "gsi": {
                g["name"]: (
                    [g["hash_key"], *([g["range_key"]] if "range_key" in g else [])],
                    g["projection_type"],
                    g.get("non_key_attributes"),
                )
                for g in blocks(b, "global_secondary_index")
            },
            "lsi": {
                g["name"]: (g["range_key"], g["projection_type"], g.get("non_key_attributes"))
                for g in blocks(b, "local_secondary_index")
            },
            "ttl": ttl[0]["attribute_name"] if ttl else None,
            "stream": b.get("stream_view_type"),
            "sse": bool(blocks(b, "server_side_encryption")),
            "pitr": bool(blocks(b, "point_in_time_recovery")),
            "tags": b.get("tags", {}),
        }
    return out


def test_cloudformation_and_terraform_describe_the_same_tables(tmp_path: Path) -> None:
    cfn, tf = _cfn_tables(SPEC), _tf_tables(SPEC, tmp_path)
    assert set(cfn) == {"chat-rooms-messages", "chat-rooms-presence"}
    assert cfn == tf
    assert cfn["chat-rooms-messages"]["gsi"] == {
        "by_user": (["userId", "sentAt"], "KEYS_ONLY", None)
    }
    assert cfn["chat-rooms-presence"]["lsi"] == {"by_name": ("name", "INCLUDE", ["joinedAt"])}
    assert cfn["chat-rooms-presence"]["capacity"] == (5, 5)


def test_cloudformation_and_terraform_have_the_same_stream_trigger(tmp_path: Path) -> None:
    _, t = render_template(SPEC)
    (m,) = resources_of(t, "AWS::Lambda::EventSourceMapping").values()
    p = m["Properties"]
    assert p["EventSourceArn"] == {"Fn::GetAtt": ["TableMessages", "StreamArn"]}
    assert p["FunctionName"] == {"Ref": names.function_logical("fan_out")}
    doc = _plain(parse(rendered(SPEC, tmp_path)["tables.tf"]))
    (tfm,) = [b for (k, _), b in resources(doc).items() if k == "aws_lambda_event_source_mapping"]
    assert tfm["event_source_arn"] == "${aws_dynamodb_table.messages.stream_arn}"
    pattern = blocks(blocks(tfm, "filter_criteria")[0], "filter")[0]["pattern"]
    assert [f["Pattern"] for f in p["FilterCriteria"]["Filters"]] == [pattern]
    for cfn_key, tf_key in (
        ("BatchSize", "batch_size"),
        ("StartingPosition", "starting_position"),
        ("MaximumRetryAttempts", "maximum_retry_attempts"),
        ("BisectBatchOnFunctionError", "bisect_batch_on_function_error"),
        ("MaximumBatchingWindowInSeconds", "maximum_batching_window_in_seconds"),
    ):
        assert p[cfn_key] == tfm[tf_key], cfn_key


# ----------------------------------------------------------------------------- IAM
def _spec(access: dict[str, str], triggers: list[dict[str, Any]] | None = None) -> Spec:
    fn: dict[str, Any] = {"handler": "samples/handlers/quote.py", "tables": access}
    if triggers:
        fn["events"] = triggers
    return spec_from_data(
        {
            "wsspec": 1,
            "api": {"name": "iam"},
            "routes": {"$default": {"function": "f"}},
            "functions": {"f": fn},
            "connections": True,
            "tables": {
                "a": {
                    "key": {"partition": "id"},
                    "indexes": {"by_x": {"partition": "x"}},
                    "stream": "keys_only",
                },
                "b": {"key": {"partition": "id"}},
            },
        }
    )


def _table_grants(spec: Spec) -> dict[str, set[str]]:
    """ARN token (kind/table/suffix) -> actions, over the function's table statements."""
    out: dict[str, set[str]] = {}
    for st in derive.function_statements(spec, "f"):
        for r in st.resources:
            if r.kind in ("table", "app_table"):
                out.setdefault(f"{r.kind}:{r.value}{r.suffix}", set()).update(st.actions)
    return out


READ = {
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
}
WRITE = {
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
}


@pytest.mark.parametrize(
    ("level", "actions"), [("read", READ), ("write", WRITE), ("read_write", READ | WRITE)]
)
def test_each_access_level_grants_exactly_its_actions_on_that_table_only(
    level: str, actions: set[str]
) -> None:
    grants = _table_grants(_spec({"a": level}))
    expected = {"app_table:a": actions}
    if level != "write":
        expected["app_table:a/index/by_x"] = {"dynamodb:Query", "dynamodb:Scan"}
    assert grants == expected  # nothing on table b, nor on the connection table


def test_connections_access_applies_to_the_connection_table() -> None:
    assert _table_grants(_spec({"connections": "read"})) == {"table:": READ}


def test_a_stream_trigger_grants_reading_that_stream_only() -> None:
    grants = _table_grants(_spec({}, [{"stream": "a"}]))
    assert grants == {"app_table:a/stream/*": set(tables.STREAM_ACTIONS)}


def test_table_arns_render_with_their_suffix_in_every_back_end(tmp_path: Path) -> None:
    spec = _spec({"a": "read"})
    _, t = render_template(spec)
    policy = t["Resources"][names.function_role_logical("f")]["Properties"]["Policies"][0]
    stmts = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert stmts["TableA"]["Resource"] == [{"Fn::GetAtt": ["TableA", "Arn"]}]
    assert stmts["TableAIndexes"]["Resource"] == [
        {
            "Fn::Sub": [
                "${Table}${Suffix}",
                {"Table": {"Fn::GetAtt": ["TableA", "Arn"]}, "Suffix": "/index/by_x"},
            ]
        }
    ]
    main = rendered(spec, tmp_path)["main.tf"]
    assert '"${aws_dynamodb_table.a.arn}/index/by_x"' in main
    from wsspec.deploy.records import Context, Facts

    facts = Facts(spec, Context(region="eu-west-1", account="123456789012"))
    (ref,) = next(
        s for s in derive.function_statements(spec, "f") if s.sid == "TableAIndexes"
    ).resources
    assert facts.render(ref) == "arn:aws:dynamodb:eu-west-1:123456789012:table/iam-a/index/by_x"


def test_functions_get_the_table_names_in_their_environment() -> None:
    env = derive.environment(_spec({"a": "read", "b": "write", "connections": "read"}), "f")
    assert env["A_TABLE"] == "iam-a" and env["B_TABLE"] == "iam-b"
    assert env["CONNECTIONS_TABLE"] == "iam-connections"
