"""Application tables share the connection table's options (encryption with a customer managed
key, recovery, deletion protection, deletion policy, tags) in every back end, and fit the
deploy's inventory families and dependency graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.test_cloudformation_support import render_template, spec_from_data
from tests.tfhelp import rendered
from wsspec import derive, names
from wsspec.deploy import inventory, order
from wsspec.deploy import tables as deploy_tables
from wsspec.deploy.current import Cur
from wsspec.deploy.records import RETAIN_TAG, Context, Facts
from wsspec.deploy.steps import Call, Step
from wsspec.model import Spec
from wsspec.validate import validate_text

KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _spec(table: dict[str, Any], functions: dict[str, Any] | None = None) -> Spec:
    fns = functions or {"f": {"handler": "samples/handlers/quote.py", "tables": {"a": "read"}}}
    return spec_from_data(
        {
            "wsspec": 1,
            "api": {"name": "opt", "tags": {"team": "chat"}},
            "routes": {"$default": {"function": next(iter(fns))}},
            "functions": fns,
            "tables": {"a": {"key": {"partition": "id"}, **table}},
        }
    )


def _kms_statements(spec: Spec, fn: str) -> list[derive.Statement]:
    return [
        s for s in derive.function_statements(spec, fn) if s.actions == derive.TABLE_KEY_ACTIONS
    ]


def test_a_customer_key_is_granted_to_the_functions_with_access_only() -> None:
    handler = "samples/handlers/quote.py"
    spec = _spec(
        {"encryption": "customer", "kms_key_arn": KEY},
        {"f": {"handler": handler, "tables": {"a": "write"}}, "g": {"handler": handler}},
    )
    (st,) = _kms_statements(spec, "f")
    assert [r.value for r in st.resources] == [KEY]
    assert _kms_statements(spec, "g") == []


def test_customer_key_in_cloudformation_terraform_and_deploy(tmp_path: Path) -> None:
    spec = _spec({"encryption": "customer", "kms_key_arn": KEY})
    _, t = render_template(spec)
    props = t["Resources"][names.app_table_logical("a")]["Properties"]
    assert props["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": KEY,
    }
    assert f"kms_key_arn = {KEY!r}".replace("'", '"') in rendered(spec, tmp_path)["tables.tf"]
    (res,) = deploy_tables.desired_tables(
        Facts(spec, Context(region="eu-west-1", account="123456789012"))
    )
    assert deploy_tables._create_definition(res.props)["SSESpecification"] == {
        "Enabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": KEY,
    }


def test_deletion_policy_retain_keeps_the_table_in_every_back_end(tmp_path: Path) -> None:
    spec = _spec({"deletion_policy": "retain", "point_in_time_recovery": True})
    _, t = render_template(spec)
    res = t["Resources"][names.app_table_logical("a")]
    assert res["DeletionPolicy"] == res["UpdateReplacePolicy"] == "Retain"
    assert res["Properties"]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True
    }
    assert "prevent_destroy = true" in rendered(spec, tmp_path)["tables.tf"]
    (desired,) = deploy_tables.desired_tables(
        Facts(spec, Context(region="eu-west-1", account="123456789012"))
    )
    assert desired.props["Tags"][RETAIN_TAG] == "true"
    kept = Cur("opt-a", {"Tags": desired.props["Tags"]})
    assert deploy_tables.delete_table("opt-a", kept, "api") == []
    gone = Cur("opt-a", {"Tags": {"wsspec:spec": "opt"}})
    assert [c.op for c in deploy_tables.delete_table("opt-a", gone, "api")] == ["delete_table"]


def test_table_tags_come_after_the_apis_in_every_back_end(tmp_path: Path) -> None:
    spec = _spec({"tags": {"data": "history"}})
    _, t = render_template(spec)
    tags = t["Resources"][names.app_table_logical("a")]["Properties"]["Tags"]
    assert {x["Key"]: x["Value"] for x in tags} == {"team": "chat", "data": "history"}
    tf = rendered(spec, tmp_path)["tables.tf"]
    assert 'data = "history"' in tf and 'team = "chat"' not in tf  # the provider's default_tags
    (res,) = deploy_tables.desired_tables(
        Facts(spec, Context(region="eu-west-1", account="123456789012"))
    )
    assert {"team": "chat", "data": "history", "wsspec:table": "a"}.items() <= res.props[
        "Tags"
    ].items()


def _findings(table: dict[str, Any]) -> list[str]:
    import yaml

    data = {
        "wsspec": 1,
        "api": {"name": "opt"},
        "routes": {"$default": {"function": "f"}},
        "functions": {"f": {"handler": "samples/handlers/quote.py"}},
        "tables": {"a": {"key": {"partition": "id"}, **table}},
    }
    result = validate_text(yaml.safe_dump(data), project_dir=str(Path(__file__).parent.parent))
    return [f"{f.code} {f.path}" for f in result.errors]


def test_table_encryption_key_rules_are_the_connection_tables() -> None:
    assert _findings({"encryption": "customer"}) == ["WS546 tables.a.encryption"]
    assert _findings({"kms_key_arn": KEY}) == ["WS546 tables.a.kms_key_arn"]
    assert _findings({"encryption": "customer", "kms_key_arn": "alias/x"}) == [
        "WS546 tables.a.kms_key_arn"
    ]
    assert _findings({"encryption": "customer", "kms_key_arn": KEY}) == []


def test_wsspec_tag_keys_on_a_table_are_refused() -> None:
    assert _findings({"tags": {"wsspec:table": "b"}}) == ["WS406 tables.a.tags.wsspec:table"]


def test_tables_and_triggers_are_one_optional_inventory_family() -> None:
    assert inventory.families(["app_table"]) == inventory.families(["trigger"]) == {"app_table"}


def _step(action: str, kind: str, key: str, params: dict[str, Any] | None = None) -> Step:
    call = Call("x", "op", params or {})
    return Step(action, kind, key, key, (call,), 0)  # type: ignore[arg-type]


def test_a_trigger_waits_for_its_function_and_the_roles_policies() -> None:
    steps = order.link(
        [
            _step("create", "role_policy", "r"),
            _step("create", "function", "fn"),
            _step("create", "app_table", "t"),
            _step("create", "trigger", "fn/t", {"FunctionName": "fn"}),
        ]
    )
    assert set(steps[3].after) >= {0, 1}


def test_a_table_and_a_function_are_deleted_after_their_triggers() -> None:
    steps = order.link(
        [
            _step("delete", "trigger", "fn/t"),
            _step("delete", "app_table", "t"),
            _step("delete", "function", "fn"),
        ]
    )
    assert 0 in steps[1].after and 0 in steps[2].after
