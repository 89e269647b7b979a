"""Delete rules: the calls that remove one resource of each kind wsspec no longer wants."""

from __future__ import annotations

from typing import Callable

from wsspec.deploy import tables
from wsspec.deploy.current import Cur
from wsspec.deploy.records import POLICY_NAME, RETAIN_TAG
from wsspec.deploy.steps import Call


def delete_version(arn: str) -> Call:
    """Delete one layer version, given its ARN (``...:layer:<name>:<version>``)."""
    _, name, number = arn.rsplit(":", 2)
    return Call("lambda", "delete_layer_version", {"LayerName": name, "VersionNumber": int(number)})


DeleteCalls = Callable[[str, Cur, str], list[Call]]  # (natural key, current, API id) -> calls


def _api_child(op: str, id_field: str) -> DeleteCalls:
    """``op(ApiId=..., <id_field>=<id>)``, for the API's children addressed by their id."""
    return lambda key, h, api_id: [Call("apigatewayv2", op, {"ApiId": api_id, id_field: h.id})]


def _one(service: str, op: str, field: str, by_key: bool = False) -> DeleteCalls:
    """``service.op(<field>=<id>)`` (or ``=<natural key>`` with ``by_key``)."""
    return lambda key, h, api_id: [Call(service, op, {field: key if by_key else h.id})]


def _integration_response(key: str, h: Cur, api_id: str) -> list[Call]:
    params = {"ApiId": api_id, "IntegrationId": h.parent, "IntegrationResponseId": h.id}
    return [Call("apigatewayv2", "delete_integration_response", params)]


def _api_mapping(key: str, h: Cur, api_id: str) -> list[Call]:
    params = {"ApiMappingId": h.id, "DomainName": h.parent}
    return [Call("apigatewayv2", "delete_api_mapping", params)]


def _permission(key: str, h: Cur, api_id: str) -> list[Call]:
    return [Call("lambda", "remove_permission", {"FunctionName": h.parent, "StatementId": key})]


def _role(key: str, h: Cur, api_id: str) -> list[Call]:
    """Detach the managed policies, delete the inline one, then the role."""
    calls = [
        Call("iam", "detach_role_policy", {"RoleName": key, "PolicyArn": a})
        for a in h.props.get("ManagedPolicies") or ()
    ]
    if h.props.get("Policy") is not None:
        calls.append(
            Call("iam", "delete_role_policy", {"RoleName": key, "PolicyName": POLICY_NAME})
        )
    return calls + [Call("iam", "delete_role", {"RoleName": key})]


def _alarm(key: str, h: Cur, api_id: str) -> list[Call]:
    return [Call("cloudwatch", "delete_alarms", {"AlarmNames": [key]})]


def _usage_plan_key(key: str, h: Cur, api_id: str) -> list[Call]:
    params = {"usagePlanId": h.parent, "keyId": h.id}
    return [Call("apigateway", "delete_usage_plan_key", params)]


def _usage_plan(key: str, h: Cur, api_id: str) -> list[Call]:
    """Detach the plan from its stages first (AWS refuses to delete a plan in use)."""
    ops = [
        {"op": "remove", "path": "/apiStages", "value": f"{s['apiId']}:{s['stage']}"}
        for s in h.props.get("apiStages") or ()
    ]
    calls = []
    if ops:
        calls.append(
            Call("apigateway", "update_usage_plan", {"usagePlanId": h.id, "patchOperations": ops})
        )
    return calls + [Call("apigateway", "delete_usage_plan", {"usagePlanId": h.id})]


def _table(key: str, h: Cur, api_id: str) -> list[Call]:
    """Delete the table, unless its spec said ``deletion_policy: retain`` (its tag says so)."""
    if (h.props.get("Tags") or {}).get(RETAIN_TAG) == "true":
        return []
    return [Call("dynamodb", "delete_table", {"TableName": key})]


def _kept(key: str, h: Cur, api_id: str) -> list[Call]:
    return []  # account settings are regional and shared: left as they are


DELETES: dict[str, DeleteCalls] = {
    "api": _one("apigatewayv2", "delete_api", "ApiId"),
    "duplicate_api": _one("apigatewayv2", "delete_api", "ApiId"),
    "route": _api_child("delete_route", "RouteId"),
    "integration": _api_child("delete_integration", "IntegrationId"),
    "integration_response": _integration_response,
    "authorizer": _api_child("delete_authorizer", "AuthorizerId"),
    "model": _api_child("delete_model", "ModelId"),
    "stage": _api_child("delete_stage", "StageName"),
    "api_mapping": _api_mapping,
    "domain": _one("apigatewayv2", "delete_domain_name", "DomainName"),
    "permission": _permission,
    "function": _one("lambda", "delete_function", "FunctionName"),
    "layer": lambda key, h, api_id: [delete_version(h.id)],  # the latest version
    "layer_version": lambda key, h, api_id: [delete_version(h.id)],
    "role": _role,
    "log_group": _one("logs", "delete_log_group", "logGroupName", by_key=True),
    "alarm": _alarm,
    "subscription": _one("sns", "unsubscribe", "SubscriptionArn"),
    "topic": _one("sns", "delete_topic", "TopicArn"),
    "vpc_link": _one("apigateway", "delete_vpc_link", "vpcLinkId"),
    "usage_plan_key": _usage_plan_key,
    "usage_plan": _usage_plan,
    "api_key": _one("apigateway", "delete_api_key", "apiKey"),
    "table": _table,
    "app_table": tables.delete_table,
    "trigger": tables.delete_trigger,
    "account": _kept,
}
