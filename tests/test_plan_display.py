"""What `wsspec plan` prints for a change (issue 17): one line per changed leaf, at any depth,
with its path and both values; policies by statement, long strings by line; secrets masked;
one label per resource in create, update and delete.

Each case starts from a current state equal to the spec (tests/test_plan.py's fake remote),
changes one nested value on the AWS side, plans, and reads the rendered text.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.test_plan import desired, fake_current, plan_for, spec_of
from wsspec.cli.plan_view import render_plan
from wsspec.deploy.desired import deployment_marker
from wsspec.deploy.remote import Current
from wsspec.deploy.run import sensitive_paths
from wsspec.deploy.show import leaves


def _set(props: dict[str, Any], path: tuple[Any, ...], value: Any) -> Any:
    """Set ``props[path]`` (creating nothing) and return the value it replaced."""
    cur: Any = props
    for part in path[:-1]:
        cur = cur[part]
    old = cur[path[-1]]
    cur[path[-1]] = value
    return old


def _planned_text(sample: str, kind: str, key: str, path: tuple[Any, ...], value: Any):
    spec = spec_of(sample)
    cur = fake_current(desired(spec), deployed=deployment_marker(spec))
    rec = cur.get(kind if kind != "role_policy" else "role", key)
    assert rec is not None, f"{kind} {key} not in {sample}"
    rec.props = copy.deepcopy(rec.props)
    wanted = _set(rec.props, path, value)
    plan = plan_for(spec, cur)
    return plan, "\n".join(render_plan(plan)), wanted


# (sample, kind, key, path in the AWS-side fields, the AWS-side value, the expected line)
CASES = [
    (
        "auth-http",
        "stage",
        "live",
        ("DefaultRouteSettings", "ThrottlingBurstLimit"),
        7,
        "DefaultRouteSettings.ThrottlingBurstLimit: 7 → {new}",
    ),
    (
        "chat",
        "function",
        "chat-send_message",
        ("Environment", "CONNECTIONS_TABLE"),
        "old-table",
        'Environment.CONNECTIONS_TABLE: "old-table" → {new}',
    ),
    (
        "chat",
        "role",
        "chat-send_message-role",
        ("AssumeRolePolicyDocument", "Statement", 0, "Principal", "Service"),
        "ec2.amazonaws.com",
        'AssumeRolePolicyDocument.Statement[0].Principal.Service: "ec2.amazonaws.com" → {new}',
    ),
    (
        "chat",
        "role_policy",
        "chat-send_message-role",
        ("Policy", "Statement", 0, "Effect"),
        "Deny",
        'Policy.Statement[Sid={sid}].Effect: "Deny" → {new}',
    ),
    ("multi-stage", "api", "telemetry", ("Tags", "owner"), "ops", 'Tags.owner: "ops" → {new}'),
    (
        "models-mock",
        "integration",
        "pong",
        ("RequestTemplates", "$default"),
        '{"statusCode": 500}',
        "RequestTemplates.$default.statusCode: 500 → 200",
    ),
    (
        "models-mock",
        "integration_response",
        "pong $default",
        ("ResponseTemplates", "$default"),
        '{"message": "ping", "connectionId": "$context.connectionId"}',
        'ResponseTemplates.$default.message: "ping" → "pong"',
    ),
    (
        "auth-http",
        "route",
        "$connect",
        ("RequestParameters", "route.request.querystring.token", "Required"),
        False,
        'RequestParameters["route.request.querystring.token"].Required: false → true',
    ),
    (
        "models-mock",
        "route_response",
        "quotes/get",
        ("ResponseModels", "$default"),
        "Other",
        'RouteResponse.ResponseModels.$default: "Other" → {new}',
    ),
    (
        "models-mock",
        "model",
        "QuoteRequest",
        ("Schema", "type"),
        "array",
        'Schema.type: "array" → {new}',
    ),
    (
        "chat",
        "alarm",
        "chat-prod-connect-spike",
        ("Dimensions", 1, "Value"),
        "dev",
        'Dimensions[1].Value: "dev" → {new}',
    ),
    (
        "multi-stage",
        "domain",
        "ws.telemetry.example.com",
        ("DomainNameConfigurations", 0, "SecurityPolicy"),
        "TLS_1_0",
        'DomainNameConfigurations[0].SecurityPolicy: "TLS_1_0" → {new}',
    ),
    (
        "chat",
        "table",
        "chat-connections",
        ("BillingMode",),
        "PROVISIONED",
        'BillingMode: "PROVISIONED" → {new}',
    ),
    (
        "monitoring",
        "topic",
        "live-quotes-alarms",
        ("Tags", "wsspec:spec"),
        "x",
        'Tags.wsspec:spec: "x" → {new}',
    ),
    (
        "auth-http",
        "log_group",
        "/aws/lambda/orders-feed-authorize",
        ("Tags", "wsspec:spec"),
        "x",
        'Tags.wsspec:spec: "x" → {new}',
    ),
    (
        "multi-stage",
        "api_mapping",
        "ws.telemetry.example.com v1",
        ("Stage",),
        "dev",
        'Stage: "dev" → {new}',
    ),
    (
        "chat",
        "permission",
        "wsspec-on_connect-prod-connect-4fd1f886",
        ("SourceArn",),
        "arn:aws:execute-api:us-east-1:123456789012:api1/prod/$disconnect",
        'SourceArn: "arn:aws:execute-api:us-east-1:123456789012:api1/prod/$disconnect" → {new}',
    ),
    (
        "auth-http",
        "vpc_link",
        "orders_nlb",
        ("tags", "wsspec:spec"),
        "x",
        'tags.wsspec:spec: "x" → {new}',
    ),
    (
        "multi-stage",
        "account",
        "account",
        ("cloudwatchRoleArn",),
        "arn:aws:iam::123456789012:role/other",
        'cloudwatchRoleArn: "arn:aws:iam::123456789012:role/other" → {new}',
    ),
]


# Every kind with a value that can change in place (an SNS subscription has none: its key is
# its protocol and endpoint).
@pytest.mark.parametrize("case", CASES, ids=[f"{c[1]}" for c in CASES])
def test_a_changed_nested_value_prints_its_path_and_both_values(case) -> None:
    sample, kind, key, path, value, line = case
    plan, text, wanted = _planned_text(sample, kind, key, path, value)
    shown_as = "route" if kind == "route_response" else kind  # planned with its route
    [step] = [s for s in plan.steps if s.action == "update" and s.kind == shown_as]
    assert step.key == key and f"~ update {shown_as.replace('_', ' ')} {key}" in text
    sid = ""
    if kind == "role_policy":
        sid = desired(spec_of(sample))
        sid = next(r for r in sid if r.kind == "role" and r.key == key).props["Policy"]
        sid = (
            sid.value["Statement"][0]["Sid"]
            if hasattr(sid, "value")
            else sid["Statement"][0]["Sid"]
        )
    expected = line.format(new=json.dumps(wanted), sid=sid)
    assert f"      {expected}" in text.splitlines(), text
    # nothing is cut short, and the JSON output has the same leaf with both values
    assert "…" not in text
    leaf = next(c for c in step.as_dict()["changes"] if expected.startswith(c["path"]))
    assert leaf["old"] is not None and leaf["new"] is not None


def test_the_issue_example_throttling_is_one_line_not_two_truncated_blobs() -> None:
    plan, text, _ = _planned_text(
        "auth-http", "stage", "live", ("DefaultRouteSettings", "ThrottlingBurstLimit"), 500
    )
    burst = next(x for x in text.splitlines() if "ThrottlingBurstLimit" in x)
    assert burst.strip().startswith("DefaultRouteSettings.ThrottlingBurstLimit: 500 → ")
    assert "DataTraceEnabled" not in text  # unchanged siblings are not printed


def test_iam_statements_are_diffed_by_sid_added_and_removed() -> None:
    old = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Keep", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Sid": "Gone", "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"},
        ],
    }
    new = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Keep",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": ["*"],
            },
            {"Sid": "New", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": ["*"]},
        ],
    }
    lines = [leaf.text() for leaf in leaves("Policy", old, new)]
    assert 'Policy.Statement[Sid=Keep].Action: + "s3:PutObject"' in lines
    assert any(x.startswith("Policy.Statement[Sid=Gone]: - {") for x in lines)
    assert any(x.startswith("Policy.Statement[Sid=New]: + {") and "sns:Publish" in x for x in lines)
    assert len(lines) == 3  # "s3:GetObject" as a string and as a list is the same statement


def test_long_strings_are_diffed_by_line() -> None:
    old = '#set($body = $input.json(\'$\'))\n{\n  "action": "send",\n  "data": $body\n}'
    new = '#set($body = $input.json(\'$\'))\n{\n  "action": "broadcast",\n  "data": $body,\n  "v": 2\n}'
    lines = [leaf.text() for leaf in leaves("RequestTemplates", {"t": old}, {"t": new})]
    assert lines == [
        'RequestTemplates.t line 3: "  \\"action\\": \\"send\\"," → "  \\"action\\": \\"broadcast\\","',
        'RequestTemplates.t line 4: "  \\"data\\": $body" → "  \\"data\\": $body,"',
        'RequestTemplates.t line 5: + "  \\"v\\": 2"',
    ]


def test_secret_environment_values_are_masked_in_text_and_json(tmp_path) -> None:
    from tests.deploy_util import load, project

    data = {
        "wsspec": 1,
        "api": {"name": "sec"},
        "routes": {"$default": {"function": "app"}},
        "functions": {
            "app": {
                "handler": "app.py",
                "environment": {"DB_PASSWORD": "hunter2", "LOG_LEVEL": "INFO"},
                "secret_environment": ["DB_PASSWORD"],
            }
        },
        "stages": {"prod": {}},
    }
    spec = load(project(tmp_path, "", data))
    recs = desired(spec)
    cur = fake_current(recs, deployed=deployment_marker(spec))
    fn = cur.get("function", "sec-app")
    fn.props = copy.deepcopy(fn.props)
    fn.props["Environment"]["DB_PASSWORD"] = "old-secret"
    fn.props["Environment"]["LOG_LEVEL"] = "DEBUG"
    from dataclasses import replace

    plan = replace(plan_for(spec, cur), sensitive=sensitive_paths(spec))
    text = "\n".join(render_plan(plan))
    dumped = json.dumps(plan.as_dict())
    for secret in ("hunter2", "old-secret"):
        assert secret not in text and secret not in dumped
    assert "      Environment.DB_PASSWORD: (sensitive value changed)" in text.splitlines()
    assert '      Environment.LOG_LEVEL: "DEBUG" → "INFO"' in text.splitlines()
    change = next(
        c for c in plan.as_dict()["steps"][0]["changes"] if c["path"] == "Environment.DB_PASSWORD"
    )
    assert change["old"] == change["new"] == "(sensitive)" and change["sensitive"] is True


def test_a_resource_has_one_label_in_create_update_and_delete() -> None:
    """The Lambda permission of the issue: created, replaced (new SourceArn) and deleted alike,
    and every other resource likewise."""
    from wsspec.deploy.plan import make_plan

    spec = spec_of("chat")
    recs = desired(spec)
    create = plan_for(spec, Current())
    cur = fake_current(recs, deployed=deployment_marker(spec))
    perm = next(r for r in recs if r.kind == "permission")
    cur.get("permission", perm.key).props["SourceArn"] = "arn:aws:execute-api:us-east-1:1:x/*"
    cur.get("stage", "prod").props["Description"] = "changed"
    update = plan_for(spec, cur)
    kept = [r for r in recs if r.kind != "permission"]
    delete = make_plan(kept, cur, region="us-east-1", account="123456789012", api_name="chat")
    everything = make_plan([], cur, region="us-east-1", account="123456789012", api_name="chat")
    labels: dict[tuple[str, str], set[str]] = {}
    for plan in (create, update, delete, everything):
        for s in plan.steps:
            labels.setdefault((s.kind, s.key), set()).add(s.label)
    assert all(v == {k[1]} for k, v in labels.items()), labels
    printed = ["\n".join(render_plan(p)) for p in (create, update, delete)]
    assert f"+ create permission {perm.key}" in printed[0]
    assert f"permission {perm.key}" in printed[1]
    assert f"- delete permission {perm.key}" in printed[2]
    assert "~ update stage prod" in printed[1]
