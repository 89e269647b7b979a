"""Valid means deployable: the spec options every back end must honour alike.

One spec uses them all (API and per-resource tags, a connection table with its own key name,
a customer KMS key, point-in-time recovery, deletion protection and retention, dual-stack
endpoints on the API and the domain, an encrypted alarm topic, a Node function on the default
runtime); each test reads what CloudFormation, Terraform and the direct deploy make of it.
Which CloudFormation types take tags comes from cfn-lint's resource schemas (the registry's own
``Tags`` properties), not from a list kept here.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest

from tests.test_cloudformation_support import cfn_lint, describe, render_template, write_spec
from wsspec import derive, names, runtimes
from wsspec.build import build_outputs
from wsspec.deploy.desired import Context, desired_state, resource_outputs
from wsspec.deploy.records import OWNER_TAG
from wsspec.model import Spec
from wsspec.validate import validate_file
from wsspec.writer import write_all

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC_KEY = "arn:aws:kms:us-east-1:123456789012:key/abcd1234-12ab-34cd-56ef-1234567890ab"
API_TAGS = {"team": "realtime", "cost-centre": "42"}
NLB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/nlb/0123456789abcdef"
SPEC: dict[str, Any] = {
    "wsspec": 1,
    "api": {"name": "tagged", "ip_address_type": "dualstack", "tags": API_TAGS},
    "routes": {
        "$connect": {"function": "connect", "authorizer": "gate"},
        "$disconnect": {"function": "connect"},
        "$default": {"function": "chat"},
        "echo": {"function": "chat"},
        "private": {
            "integration": {
                "type": "http",
                "url": "https://backend.example.com/ws",
                "vpc_link": "nlb",
                "proxy": True,
            }
        },
    },
    "authorizers": {
        "gate": {"function": "auth", "identity_source": ["route.request.header.Authorization"]}
    },
    "functions": {
        "connect": {
            "handler": "handlers/connect.py",
            "grants": ["connection_table"],
            "tags": {"tier": "edge"},
        },
        "chat": {
            "handler": "handlers/chat.js",
            "grants": ["connection_table", "manage_connections"],
        },
        "auth": {"handler": "handlers/auth.py"},
    },
    "connections": {
        "key_attribute": "connection_id",
        "ttl_attribute": "expires",
        "encryption": "customer",
        "kms_key_arn": KEY,
        "point_in_time_recovery": True,
        "deletion_protection": True,
        "deletion_policy": "retain",
        "tags": {"data": "connections"},
    },
    "domain": {
        "name": "ws.example.com",
        "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
        "stage": "prod",
        "ip_address_type": "dualstack",
    },
    "vpc_links": {"nlb": {"target_arns": [NLB]}},
    "stages": {
        "prod": {
            "throttling": {"burst": 10, "rate": 10},
            "tags": {"env": "prod"},
            "access_logs": True,
        }
    },
    "monitoring": {
        "preset": "recommended",
        "notify": {"topic": {"email": ["ops@example.com"], "kms_key_arn": TOPIC_KEY}},
    },
}
# per-resource tags: (the CloudFormation logical IDs that carry them, the tags)
EXTRA = {
    "FunctionConnect": {"tier": "edge"},
    "RoleConnect": {"tier": "edge"},
    "LogsConnect": {"tier": "edge"},
    "ConnectionTable": {"data": "connections"},
    "StageProd": {"env": "prod"},
    "AccessLogsProd": {"env": "prod"},
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Spec, Path]:
    root = tmp_path_factory.mktemp("features")
    path = write_spec(root, SPEC)
    result = validate_file(str(path))
    assert result.spec is not None, [f.render() for f in result.errors]
    assert not result.findings, [f.render() for f in result.findings]
    outputs, _ = build_outputs(
        result.spec, ["cloudformation", "terraform", "stubs"], root / "b", "yaml"
    )
    write_all(outputs)
    return result.spec, root / "b" / "tagged"


@pytest.fixture(scope="module")
def template(project: tuple[Spec, Path]) -> dict[str, Any]:
    return render_template(project[0])[1]


@pytest.fixture(scope="module")
def main_tf(project: tuple[Spec, Path]) -> str:
    return (project[1] / "terraform" / "main.tf").read_text()


@pytest.fixture(scope="module")
def desired(project: tuple[Spec, Path]) -> list[Any]:
    ctx = Context(region="us-east-1", account="123456789012")
    return desired_state(project[0], ctx, zip_of=lambda s, f: b"zip")


def _tags(props: dict[str, Any]) -> dict[str, str]:
    tags = props.get("Tags")
    if isinstance(tags, list):
        return {t["Key"]: t["Value"] for t in tags}
    return dict(tags or {})


def _block(hcl: str, rtype: str, label: str) -> str:
    m = re.search(rf'^resource "{rtype}" "{label}" {{\n(.*?)^}}\n', hcl, re.M | re.S)
    assert m, f"{rtype}.{label} not in main.tf"
    return m.group(1)


# ----------------------------------------------------------------------------- tags
def test_every_taggable_cloudformation_resource_carries_the_spec_tags(
    template: dict[str, Any],
) -> None:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    checked = set()
    for logical, res in template["Resources"].items():
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", res["Type"]).schema
        if "Tags" not in schema.get("properties", {}):
            assert "Tags" not in res.get("Properties", {}), logical
            continue
        tags = _tags(res["Properties"])
        assert tags == {**API_TAGS, **EXTRA.get(logical, {})}, logical
        checked.add(res["Type"])
    assert checked >= {
        "AWS::ApiGatewayV2::Api",
        "AWS::ApiGatewayV2::Stage",
        "AWS::ApiGatewayV2::DomainName",
        "AWS::ApiGateway::VpcLink",
        "AWS::Lambda::Function",
        "AWS::IAM::Role",
        "AWS::Logs::LogGroup",
        "AWS::DynamoDB::Table",
        "AWS::SNS::Topic",
        "AWS::CloudWatch::Alarm",
    }


def test_terraform_tags_every_resource_through_default_tags_and_per_resource_tags(
    project: tuple[Spec, Path], main_tf: str
) -> None:
    versions = (project[1] / "terraform" / "versions.tf").read_text()
    default_tags = versions.split("default_tags", 1)[1]
    assert 'team          = "realtime"' in default_tags and '"cost-centre" = "42"' in default_tags
    for rtype, label in [
        ("aws_lambda_function", "connect"),
        ("aws_iam_role", "lambda_connect"),
        ("aws_cloudwatch_log_group", "lambda_connect"),
    ]:
        assert 'tier = "edge"' in _block(main_tf, rtype, label)
    assert 'data = "connections"' in _block(main_tf, "aws_dynamodb_table", "connections")
    assert 'env = "prod"' in _block(main_tf, "aws_apigatewayv2_stage", "prod")
    assert "tier" not in _block(main_tf, "aws_lambda_function", "chat")


UNTAGGABLE_KINDS = {
    "authorizer",
    "integration",
    "integration_response",
    "route",
    "route_response",
    "permission",
    "api_mapping",
    "subscription",
    "model",
    "account",
    "deployment",
    "policy",
}


def test_deploy_tags_every_resource_it_can_with_the_spec_tags_and_ownership(
    project: tuple[Spec, Path], desired: list[Any]
) -> None:
    spec = project[0]
    extra = {
        ("function", names.function_name(spec, "connect")): {"tier": "edge"},
        ("role", names.function_role_name(spec, "connect")): {"tier": "edge"},
        ("log_group", names.function_log_group(spec, "connect")): {"tier": "edge"},
        ("table", names.table_name(spec)): {"data": "connections"},
        ("stage", "prod"): {"env": "prod"},
        ("log_group", names.access_log_group(spec, "prod")): {"env": "prod"},
    }
    kinds = set()
    for r in desired:
        tags = r.props.get("Tags", r.props.get("tags"))
        if r.kind in UNTAGGABLE_KINDS:
            continue
        assert tags is not None, (r.kind, r.key)
        tags = dict(tags)
        assert tags.pop(OWNER_TAG, None), (r.kind, r.key)
        tags.pop("wsspec:retain", None)
        assert tags == {**API_TAGS, **extra.get((r.kind, r.key), {})}, (r.kind, r.key)
        kinds.add(r.kind)
    assert kinds >= {"api", "stage", "domain", "vpc_link", "function", "role", "log_group"}
    assert kinds >= {"table", "topic", "alarm"}


# ----------------------------------------------------------------------------- outputs
def test_outputs_name_the_table_and_every_function_in_all_back_ends(
    project: tuple[Spec, Path], template: dict[str, Any]
) -> None:
    spec = project[0]
    outs = template["Outputs"]
    assert {"ApiId", "WebSocketUrlProd", "ConnectionTableName", "ConnectionTableArn"} <= set(outs)
    for fn in ("Connect", "Chat", "Auth"):
        assert {f"FunctionArn{fn}", f"FunctionName{fn}"} <= set(outs)
    tf = (project[1] / "terraform" / "outputs.tf").read_text()
    for name in ("api_id", "wss_url", "table_name", "table_arn", "function_arns", "function_names"):
        assert f'output "{name}"' in tf
    ctx = Context(region="us-east-1", account="123456789012")
    deploy = resource_outputs(spec, ctx)
    assert deploy["table"] == {
        "name": "tagged-connections",
        "arn": "arn:aws:dynamodb:us-east-1:123456789012:table/tagged-connections",
    }
    assert set(deploy["functions"]) == {"connect", "chat", "auth"}
    assert deploy["functions"]["chat"]["arn"].endswith(":function:tagged-chat")


# ----------------------------------------------------------------------------- ip_address_type
def test_dualstack_reaches_the_api_and_the_domain_in_all_back_ends(
    project: tuple[Spec, Path], template: dict[str, Any], main_tf: str, desired: list[Any]
) -> None:
    res = template["Resources"]
    assert res["Api"]["Properties"]["IpAddressType"] == "dualstack"
    config = res["DomainName"]["Properties"]["DomainNameConfigurations"][0]
    assert config["IpAddressType"] == "dualstack"
    dualstack = re.compile(r'ip_address_type\s*=\s*"dualstack"')
    assert dualstack.search(_block(main_tf, "aws_apigatewayv2_api", "this"))
    assert dualstack.search(_block(main_tf, "aws_apigatewayv2_domain_name", "this"))
    versions = (project[1] / "terraform" / "versions.tf").read_text()
    assert re.search(r'^\s*version\s*=\s*">= 5\.96', versions, re.M)  # the provider that has it
    by_kind = {r.kind: r for r in desired}
    assert by_kind["api"].props["IpAddressType"] == "dualstack"
    assert by_kind["domain"].props["DomainNameConfigurations"][0]["IpAddressType"] == "dualstack"


# ----------------------------------------------------------------------------- connection table
def test_table_options_reach_all_back_ends(
    template: dict[str, Any], main_tf: str, desired: list[Any]
) -> None:
    table = template["Resources"]["ConnectionTable"]
    assert table["DeletionPolicy"] == "Retain"
    p = table["Properties"]
    assert p["KeySchema"] == [{"AttributeName": "connection_id", "KeyType": "HASH"}]
    assert p["TimeToLiveSpecification"] == {"AttributeName": "expires", "Enabled": True}
    assert p["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": KEY}
    assert p["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert p["DeletionProtectionEnabled"] is True
    hcl = _block(main_tf, "aws_dynamodb_table", "connections")
    for line in (
        'hash_key     = "connection_id"',
        f'kms_key_arn = "{KEY}"',
        "deletion_protection_enabled = true",
        "prevent_destroy = true",
        'attribute_name = "expires"',
    ):
        assert line in hcl
    assert "point_in_time_recovery {\n    enabled = true" in hcl
    (t,) = [r for r in desired if r.kind == "table"]
    assert t.props["KeySchema"][0]["AttributeName"] == "connection_id"
    assert t.props["SSESpecification"] == {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": KEY}
    assert t.props["PointInTimeRecovery"] is True and t.props["DeletionProtectionEnabled"] is True
    assert t.props["Tags"]["wsspec:retain"] == "true"  # destroy leaves it in place


def test_functions_with_the_table_grant_may_use_its_customer_key(
    project: tuple[Spec, Path],
) -> None:
    spec = project[0]
    for fn, expected in (("connect", True), ("chat", True), ("auth", False)):
        statements = derive.function_statements(spec, fn)
        kms = [s for s in statements if any(a.startswith("kms:") for a in s.actions)]
        assert bool(kms) is expected, fn
        if kms:
            assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(kms[0].actions)


def test_the_stub_uses_the_spec_key_attribute(project: tuple[Spec, Path]) -> None:
    root = project[1].parent.parent
    assert 'KEY = "connection_id"' in (root / "handlers" / "connect.py").read_text()
    assert '"connection_id"' in (root / "handlers" / "chat.js").read_text()


# ----------------------------------------------------------------------------- runtimes
def test_default_runtimes_are_current_and_in_the_table() -> None:
    today = runtimes.today()
    for name in (runtimes.DEFAULT_PYTHON, runtimes.DEFAULT_NODE):
        info = runtimes.lookup(name)
        assert info is not None and info.deprecated > today, name


def test_the_schema_documents_the_default_runtimes_in_use() -> None:
    import json

    schema = json.loads(
        (Path(__file__).parent.parent / "schemas" / "wsspec.schema.json").read_text()
    )
    text = schema["$defs"]["function"]["properties"]["runtime"]["description"]
    assert f"`{runtimes.DEFAULT_PYTHON}`" in text and f"`{runtimes.DEFAULT_NODE}`" in text, text


def _runtime_findings(tmp_path: Path, runtime: str, day: str, mp: pytest.MonkeyPatch) -> list[str]:
    mp.setenv("WSSPEC_TODAY", day)
    data = {
        "wsspec": 1,
        "api": {"name": "demo"},
        "routes": {"$connect": {"function": "app", "authorization": "iam"}},
        "functions": {"app": {"handler": "handlers/app.js", "runtime": runtime}},
        "stages": {"prod": {"throttling": {"burst": 10, "rate": 10}}},
    }
    found = validate_file(str(write_spec(tmp_path, data))).findings
    return [f"{f.code}:{f.severity}" for f in found if f.code in ("WS545", "WS840")]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-04-29", []),  # before nodejs20.x's deprecation
        ("2026-04-30", ["WS840:warning"]),  # deprecated: a warning until the block date
        ("2026-05-31", ["WS840:warning"]),
        ("2026-06-01", ["WS545:error"]),  # new functions blocked
    ],
)
def test_a_runtime_warns_after_deprecation_and_fails_after_the_block_date(
    day: str, expected: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _runtime_findings(tmp_path, "nodejs20.x", day, monkeypatch) == expected


def test_an_unknown_runtime_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    today = datetime.date.today().isoformat()
    assert _runtime_findings(tmp_path, "nodejs99.x", today, monkeypatch) == ["WS545:error"]


# ----------------------------------------------------------------------------- real tools
@pytest.mark.slow
def test_the_spec_with_a_default_runtime_node_function_is_cfn_lint_clean(
    project: tuple[Spec, Path],
) -> None:
    spec, out = project
    chat = spec.function("chat")
    assert chat.language == "nodejs" and chat.runtime == runtimes.DEFAULT_NODE
    found = cfn_lint(sorted((out / "cloudformation").glob("*.yaml")))
    assert not found, describe(found)


# ----------------------------------------------------------------------------- stub regressions
STUB_CASES = {
    # mypy --strict failed: $connect behind an authorizer, its function writing the table
    "authorized-connect-writes-table": {
        "wsspec": 1,
        "api": {"name": "authz"},
        "routes": {
            "$connect": {"function": "connect", "authorizer": "gate"},
            "$default": {"function": "connect"},
        },
        "authorizers": {
            "gate": {"function": "auth", "identity_source": ["route.request.querystring.token"]}
        },
        "functions": {
            "connect": {"handler": "handlers/connect.py", "grants": ["connection_table"]},
            "auth": {"handler": "handlers/auth.py"},
        },
        "connections": True,
        "stages": {"prod": {"throttling": {"burst": 10, "rate": 10}}},
    },
    # ruff F841 failed: a two-way route with request and response models
    "two-way-with-models": {
        "wsspec": 1,
        "api": {"name": "models"},
        "routes": {
            "$connect": {"function": "app", "authorization": "iam"},
            "ask": {
                "function": "app",
                "response": {"models": {"$default": "Answer"}},
                "model_selection": "$request.body.kind",
                "request_models": {"q": "Question"},
            },
        },
        "models": {
            "Question": {
                "schema": {
                    "type": "object",
                    "required": ["text"],
                    "properties": {"text": {"type": "string"}},
                }
            },
            "Answer": {"schema": {"type": "object", "properties": {"reply": {"type": "string"}}}},
        },
        "functions": {"app": {"handler": "handlers/app.py"}},
        "stages": {"prod": {"throttling": {"burst": 10, "rate": 10}}},
    },
}


@pytest.mark.slow
def test_the_two_reported_stub_failures_pass_ruff_and_mypy_strict(tmp_path: Path) -> None:
    from tests import toolcheck
    from tests.test_valid_means_deployable import build_one

    built = [build_one(name, data, tmp_path) for name, data in STUB_CASES.items()]
    assert all(b.python for b in built)
    problems, checked = toolcheck.python_stubs(built, tmp_path)
    assert checked == len(STUB_CASES)
    assert not problems, problems
