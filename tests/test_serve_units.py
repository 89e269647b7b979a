"""Pure pieces of `wsspec serve`: selection expressions, policy matching, ids, templates."""

from __future__ import annotations

import re

import pytest

from wsspec.serve import authorizer as authz
from wsspec.serve.events import clf_time, error_frame, new_id
from wsspec.serve.selection import (
    MISSING,
    Unevaluable,
    compile_body_selector,
    evaluate,
    parse_json_body,
)
from wsspec.serve.vtl import render, template_scope

DOC_BODY = {"service": "chat", "action": "join", "data": {"room": "room1234"}}


@pytest.mark.parametrize(
    ("expression", "result"),
    [  # the AWS documentation's table (reference §1.1)
        ("$request.body.action", "join"),
        ("${request.body.action}", "join"),
        ("${request.body.service}/${request.body.action}", "chat/join"),
        ("${request.body.action}-${request.body.invalidPath}", "join-"),
        ("action", "action"),
        ("\\$default", "$default"),
        ("$request.body.data.room", "room1234"),
        ("$request.body['data']['room']", "room1234"),
    ],
)
def test_selection_expression_forms(expression: str, result: str) -> None:
    assert evaluate(expression, DOC_BODY) == result


def test_selection_indexes_and_non_strings() -> None:
    body = {"items": ["a", "b"], "n": 2, "ok": True, "obj": {"k": 1}}
    assert evaluate("$request.body.items[1]", body) == "b"
    assert evaluate("$request.body.n", body) == "2"
    assert evaluate("$request.body.ok", body) == "true"
    assert evaluate("$request.body.obj", body) == '{"k":1}'
    assert evaluate("$request.body.items[5]", body) == ""


def test_selection_needs_a_json_body() -> None:
    assert parse_json_body("not json") is MISSING
    with pytest.raises(Unevaluable):
        evaluate("$request.body.action", MISSING)
    assert evaluate("static", MISSING) == "static"


SELECTORS = [
    "$request.body.action",
    "${request.body.action}",
    "$request.body.data.room",
    "$request.body['data']['room']",
    '$request.body["data"]["room"]',
    "$request.body.items[1]",
    "$request.body.items[5]",
    "$request.body.items[0].k",
    "$request.body.n",
    "$request.body.ok",
    "$request.body.obj",
    "$request.body",
    "$request.body.missing.deeper",
    "${request.body.service}/${request.body.action}",
    "action",
    "\\$default",
    "$request.body.a..b",
    "$request.body[x]",
]
BODIES = [
    DOC_BODY,
    {"items": ["a", {"k": 1}], "n": 2, "ok": True, "obj": {"k": [1, None]}, "action": None},
    {"action": 1.5, "data": ["room"]},
    [1, 2],
    "text",
    3,
    None,
    {"data": {"room": {"é": "ü"}}, "items": {"1": "x"}},
    {"action": ""},
]


@pytest.mark.parametrize("style", ["json", "python"])
@pytest.mark.parametrize("expression", SELECTORS)
def test_compiled_selector_gives_what_evaluate_gives(expression: str, style: str) -> None:
    select = compile_body_selector(expression, style)
    for body in BODIES:
        assert select(body) == evaluate(expression, body, style=style), (expression, body)
    try:
        expected: object = evaluate(expression, MISSING, style=style)
    except Unevaluable:
        expected = Unevaluable
    try:
        got: object = select(MISSING)
    except Unevaluable:
        got = Unevaluable
    assert got == expected


ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/$connect"


def _policy(effect: str, resource: object, action: object = "execute-api:Invoke") -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Action": action, "Resource": resource}],
    }


@pytest.mark.parametrize(
    ("resource", "allowed"),
    [
        (ARN, True),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*", True),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/*", True),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/*$connect", True),
        ("arn:aws:execute-api:*:*:abc123/prod/$connec?", True),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*", False),  # REST style
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/dev/$connect", False),
        ([ARN.replace("prod", "dev"), ARN], True),
    ],
)
def test_policy_resource_wildcards(resource: object, allowed: bool) -> None:
    assert authz.evaluate_policy(_policy("Allow", resource), ARN) is allowed


def test_policy_deny_wins_and_actions_match() -> None:
    both = {
        "Statement": [_policy("Allow", "*")["Statement"][0], _policy("Deny", ARN)["Statement"][0]]
    }
    assert authz.evaluate_policy(both, ARN) is False
    assert authz.evaluate_policy(_policy("Allow", "*", "execute-api:*"), ARN) is True
    assert authz.evaluate_policy(_policy("Allow", "*", "s3:GetObject"), ARN) is False


def test_authorizer_output_decisions() -> None:
    ok = authz.decide(
        {"principalId": "u", "policyDocument": _policy("Allow", ARN), "context": {"a": "b"}}, ARN
    )
    assert ok.status == 200 and ok.context == {"a": "b", "principalId": "u"}
    assert (
        authz.decide({"principalId": "u", "policyDocument": _policy("Deny", ARN)}, ARN).status
        == 403
    )
    assert authz.decide({"policyDocument": _policy("Allow", ARN)}, ARN).status == 500
    nested = {"principalId": "u", "policyDocument": _policy("Allow", ARN), "context": {"a": {}}}
    assert authz.decide(nested, ARN).status == 500


def test_ids_times_and_frames_have_aws_shapes() -> None:
    ids = {new_id() for _ in range(200)}
    assert len(ids) == 200 and all(re.fullmatch(r"[A-Za-z0-9_-]{15}=", i) for i in ids)
    assert clf_time(1731332746000) == "11/Nov/2024:13:45:46 +0000"
    assert (
        error_frame("Forbidden", "C", "R")
        == '{"message": "Forbidden", "connectionId":"C", "requestId":"R"}'
    )


def test_mapping_template_subset() -> None:
    event = {
        "requestContext": {"connectionId": "c1", "stage": "dev"},
        "body": '{"items": [{"id": "a"}, {"id": "b"}], "name": "x y"}',
    }
    scope = template_scope(event, event["body"], {"table": "T"})
    tpl = (
        '#set($items = $input.path("$.items"))'
        '{"t": "$stageVariables.table", "c": "${context.connectionId}", '
        '"ids": [#foreach($i in $items)"$i.id"#if($foreach.hasNext),#end#end], '
        '"n": $input.json(\'$.name\'), "q": "$util.urlEncode($input.path(\'$.name\'))", '
        '"missing": "$!nothing"#if($context.stage == "dev"), "dev": true#else, "dev": false#end}'
    )
    assert render(tpl, scope) == (
        '{"t": "T", "c": "c1", "ids": ["a","b"], "n": "x y", "q": "x+y", "missing": "", "dev": true}'
    )


def test_mapping_template_unknown_references_and_null_conditions_follow_velocity() -> None:
    """Where airspeed-ext differs (the reason serve keeps its own engine): an unknown reference
    renders as written, ``$!ref`` as nothing, and ``!`` of a missing value is true."""
    scope = template_scope({"requestContext": {}}, '{"a": 1}', {})
    assert render("x=$nothing.at.all y=$!quiet", scope) == "x=$nothing.at.all y="
    assert render('#if(!$input.path("$.missing"))none#end', scope) == "none"


def test_mapping_template_errors_raise_value_error_every_time() -> None:
    """Parsed templates are cached; a template that cannot be parsed is not."""
    scope = template_scope({"requestContext": {}}, "", {})
    for _ in range(2):
        with pytest.raises(ValueError, match="unterminated directive"):
            render("#if(true)open", scope)


def test_message_events_built_from_the_connection_template_equal_a_fresh_build() -> None:
    """message_event reuses the per-connection part of requestContext: every message's event
    must still be exactly (keys, order, values) what request_context builds from scratch."""
    from wsspec.serve import events as ev

    api = ev.Api(
        api_id="abc123defg",
        stage="prod",
        region="eu-west-1",
        account="1",
        server_port=3001,
        stage_variables={"a": "b"},
        stage_variables_in_events=True,
    )
    hs = ev.Handshake(
        connection_id="Y2nnVdZeliACGzw=",
        connected_at=1_700_000_000_000,
        headers=[("Host", "h")],
        query="",
        source_ip="127.0.0.2",
        source_port=9,
        user_agent="ua",
        domain_name="localhost:3001",
        authorizer={"u": "1"},
    )
    for route, rid, mid, ms in [
        ("send", "Ra", "Ma", 1_700_000_000_500),
        ("$default", "Rb", "Mb", 1_700_000_123_456),
        ("send", "Rc", "Mc", 1_800_000_000_000),
    ]:
        got = ev.message_event(api, hs, route, "body", rid, mid, ms)
        ctx = ev.request_context(
            api,
            hs,
            route=route,
            event_type="MESSAGE",
            request_id=rid,
            request_ms=ms,
            message_id=mid,
        )
        want = {
            "requestContext": ctx,
            "body": "body",
            "isBase64Encoded": False,
            "stageVariables": {"a": "b"},
        }
        assert got == want
        assert list(got["requestContext"]) == list(ctx)
        assert got["requestContext"]["requestTime"] == ev.clf_time(ms)


def test_serve_error_codes_are_registered_in_the_serve_range() -> None:
    """`wsspec serve`'s start-up errors must not reuse a validation code (the code table would
    then explain them wrongly): each is registered in wsspec.codes as a serve code, in WS960-WS969.
    """
    import re
    from pathlib import Path

    from wsspec import codes

    root = Path(__file__).resolve().parent.parent
    sources = [*(root / "wsspec" / "serve").rglob("*.py"), *(root / "wsspec").glob("localaws.py")]
    raised = set()
    for path in sources:
        raised |= set(re.findall(r'code="(WS\d+)"', path.read_text()))
    assert raised, "no serve error codes found"
    assert {c: codes.get(c).stage for c in raised} == dict.fromkeys(raised, "serve")
    assert all(codes.range_of(c) == codes.range_of("WS960") for c in raised), raised
