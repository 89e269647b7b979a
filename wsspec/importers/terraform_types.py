"""Terraform resource types -> the graph's kinds, and their arguments -> CloudFormation names.

Most arguments map by spelling (``route_selection_expression`` -> ``RouteSelectionExpression``);
``RENAMES`` lists the others, and the converters below reshape nested blocks (route settings,
request parameters, TTL, environment, policies) into the forms CloudFormation uses.
"""

from __future__ import annotations

import os
from typing import Any

from wsspec.importers.cloudformation import normal_statement
from wsspec.importers.graph import Graph, Res
from wsspec.importers.hcl import as_document
from wsspec.importers.values import Ref, Tmpl, Unresolved

KINDS = {
    "aws_apigatewayv2_api": "api",
    "aws_apigatewayv2_route": "route",
    "aws_apigatewayv2_route_response": "route_response",
    "aws_apigatewayv2_integration": "integration",
    "aws_apigatewayv2_integration_response": "integration_response",
    "aws_apigatewayv2_authorizer": "authorizer",
    "aws_apigatewayv2_model": "model",
    "aws_apigatewayv2_stage": "stage",
    "aws_apigatewayv2_deployment": "deployment",
    "aws_apigatewayv2_domain_name": "domain",
    "aws_apigatewayv2_api_mapping": "api_mapping",
    "aws_api_gateway_vpc_link": "vpc_link",
    "aws_api_gateway_account": "account",
    "aws_lambda_function": "function",
    "aws_lambda_permission": "permission",
    "aws_iam_role": "role",
    "aws_iam_role_policy": "consumed",
    "aws_iam_role_policy_attachment": "consumed",
    "aws_iam_policy": "policy",
    "aws_dynamodb_table": "table",
    "aws_cloudwatch_log_group": "log_group",
    "aws_cloudwatch_metric_alarm": "alarm",
    "aws_sns_topic": "topic",
    "aws_sns_topic_subscription": "subscription",
}
RENAMES = {
    "timeout_milliseconds": "TimeoutInMillis",
    "identity_sources": "IdentitySource",
    "stage_variables": "StageVariables",
    "function_name": "FunctionName",
    "memory_size": "MemorySize",
    "alarm_name": "AlarmName",
    "alarm_description": "AlarmDescription",
    "alarm_actions": "AlarmActions",
    "topic_arn": "TopicArn",
    "retention_in_days": "RetentionInDays",
    "cloudwatch_role_arn": "CloudWatchRoleArn",
    "target_arns": "TargetArns",
}


def kind_of(rtype: str) -> str:
    return KINDS.get(rtype, "other")


def pascal(name: str) -> str:
    return RENAMES.get(name) or "".join(w[:1].upper() + w[1:] for w in name.split("_"))


def _one(blocks: Any) -> dict[str, Any]:
    return blocks[0] if isinstance(blocks, list) and blocks and isinstance(blocks[0], dict) else {}


def _generic(props: dict[str, Any]) -> dict[str, Any]:
    return {pascal(k): v for k, v in props.items() if not isinstance(v, list) or k in _LISTS}


_LISTS = {
    "identity_sources",
    "architectures",
    "target_arns",
    "alarm_actions",
    "ok_actions",
    "layers",
    "managed_policy_arns",
}


def _settings(block: dict[str, Any]) -> dict[str, Any]:
    return {pascal(k): v for k, v in block.items() if k != "route_key"}


def convert(res: Res, props: dict[str, Any], cfg: Any) -> dict[str, Any]:
    """The CloudFormation-shaped properties of one Terraform resource."""
    kind = res.kind
    out = _generic(props)
    if res.type == "aws_lambda_event_source_mapping":
        out.update(_event_source_mapping(props))
    if kind == "route":
        params = props.get("request_parameter") or []
        if params:
            out["RequestParameters"] = {
                p.get("request_parameter_key"): {"Required": p.get("required", False)}
                for p in params
            }
    elif kind == "stage":
        out["StageName"] = props.get("name")
        out.pop("Name", None)
        if props.get("default_route_settings"):
            out["DefaultRouteSettings"] = _settings(_one(props["default_route_settings"]))
        if props.get("route_settings"):
            out["RouteSettings"] = {
                b.get("route_key"): _settings(b) for b in props["route_settings"]
            }
        if props.get("access_log_settings"):
            acc = _one(props["access_log_settings"])
            out["AccessLogSettings"] = {
                "DestinationArn": acc.get("destination_arn"),
                "Format": acc.get("format"),
            }
    elif kind == "domain":
        conf = _one(props.get("domain_name_configuration"))
        out["DomainNameConfigurations"] = [{pascal(k): v for k, v in conf.items()}]
        if props.get("mutual_tls_authentication"):
            out["MutualTlsAuthentication"] = True
    elif kind == "api_mapping":
        out["Stage"] = _stage_ref(props.get("stage"))
    elif kind == "function":
        return _function(res, props, cfg)
    elif kind == "table":
        return _table(props)
    elif kind == "role":
        return _role(props)
    elif kind == "alarm":
        dims = props.get("dimensions") or {}
        out["Dimensions"] = (
            [{"Name": k, "Value": v} for k, v in dims.items()] if isinstance(dims, dict) else []
        )
    elif kind == "topic":
        out["TopicName"] = props.get("name")
    elif kind == "log_group":
        out["LogGroupName"] = props.get("name")
    elif kind == "api" and props.get("cors_configuration"):
        out["CorsConfiguration"] = props["cors_configuration"]
    if props.get("__dynamic__"):
        out["Dynamic"] = props["__dynamic__"]
    return out


def _stage_ref(value: Any) -> Any:
    # aws_apigatewayv2_stage.x.id is the stage's name; keep the Ref so the mapping finds it
    return value


def _function(res: Res, props: dict[str, Any], cfg: Any) -> dict[str, Any]:
    env = _one(props.get("environment")).get("variables") or {}
    tracing = _one(props.get("tracing_config")).get("mode") == "Active"
    known = {
        "function_name",
        "handler",
        "runtime",
        "memory_size",
        "timeout",
        "architectures",
        "description",
        "environment",
        "role",
        "filename",
        "source_code_hash",
        "tracing_config",
        "tags",
        "s3_bucket",
        "s3_key",
        "image_uri",
        "package_type",
        "publish",
    }
    return {
        "FunctionName": props.get("function_name"),
        "Handler": props.get("handler"),
        "Runtime": props.get("runtime"),
        "MemorySize": props.get("memory_size"),
        "Timeout": props.get("timeout"),
        "Architectures": props.get("architectures"),
        "Description": props.get("description"),
        "Environment": env if isinstance(env, dict) else {},
        "Code": _code(props, cfg),
        "Role": props.get("role"),
        "Statements": [],
        "ManagedPolicies": [],
        "SamPolicies": [],
        "Tracing": tracing,
        "Unsupported": {pascal(k): v for k, v in props.items() if k not in known},
    }


def _code(props: dict[str, Any], cfg: Any) -> dict[str, Any]:
    filename = props.get("filename")
    if isinstance(filename, Ref) and filename.target.startswith("data.archive_file."):
        block = cfg.data.get(filename.target[len("data.") :])
        if block is not None:
            attrs = {a.name: cfg.ev.value(a.expr) for a in block.attrs().values()}
            if isinstance(attrs.get("source_dir"), str):
                return {"Kind": "dir", "Path": os.path.normpath(attrs["source_dir"])}
            if isinstance(attrs.get("source_file"), str):
                return {
                    "Kind": "dir",
                    "Path": os.path.dirname(os.path.normpath(attrs["source_file"])) or ".",
                }
    if isinstance(filename, str):
        return {"Kind": "zip", "Path": os.path.normpath(filename)}
    if props.get("image_uri"):
        return {"Kind": "image"}
    if props.get("s3_bucket"):
        return {"Kind": "s3"}
    return {"Kind": "none"}


def _table(props: dict[str, Any]) -> dict[str, Any]:
    keys = [{"AttributeName": props.get("hash_key"), "KeyType": "HASH"}]
    if props.get("range_key"):
        keys.append({"AttributeName": props["range_key"], "KeyType": "RANGE"})
    out: dict[str, Any] = {
        "TableName": props.get("name"),
        "KeySchema": keys,
        "AttributeDefinitions": [
            {"AttributeName": a.get("name"), "AttributeType": a.get("type")}
            for a in props.get("attribute") or []
        ],
        "BillingMode": props.get("billing_mode", "PROVISIONED"),
    }
    if props.get("read_capacity") is not None or props.get("write_capacity") is not None:
        out["ProvisionedThroughput"] = {
            "ReadCapacityUnits": props.get("read_capacity"),
            "WriteCapacityUnits": props.get("write_capacity"),
        }
    ttl = _one(props.get("ttl"))
    if ttl:
        out["TimeToLiveSpecification"] = {
            "AttributeName": ttl.get("attribute_name"),
            "Enabled": ttl.get("enabled", False),
        }
    out["GlobalSecondaryIndexes"] = [
        _tf_index(ix) for ix in props.get("global_secondary_index") or []
    ]
    out["LocalSecondaryIndexes"] = [
        _tf_index(ix) for ix in props.get("local_secondary_index") or []
    ]
    if props.get("stream_enabled") and props.get("stream_view_type"):
        out["StreamSpecification"] = {"StreamViewType": props["stream_view_type"]}
    sse = _one(props.get("server_side_encryption"))
    if sse.get("enabled"):
        out["SSESpecification"] = {"SSEEnabled": True, "KMSMasterKeyId": sse.get("kms_key_arn")}
    if _one(props.get("point_in_time_recovery")).get("enabled"):
        out["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    if props.get("deletion_protection_enabled"):
        out["DeletionProtectionEnabled"] = True
    if props.get("tags"):
        out["Tags"] = props["tags"]
    return out


def _event_source_mapping(props: dict[str, Any]) -> dict[str, Any]:
    """A stream trigger's filter and failure destination blocks in CloudFormation's shape."""
    out: dict[str, Any] = {}
    filters = _one(props.get("filter_criteria")).get("filter") or []
    if filters:
        out["FilterCriteria"] = {
            "Filters": [{"Pattern": f.get("pattern")} for f in filters if isinstance(f, dict)]
        }
    on_failure = _one(_one(props.get("destination_config")).get("on_failure"))
    if on_failure.get("destination_arn") is not None:
        out["DestinationConfig"] = {"OnFailure": {"Destination": on_failure["destination_arn"]}}
    return out


def _tf_index(ix: Any) -> dict[str, Any]:
    """A ``global_secondary_index`` / ``local_secondary_index`` block in CloudFormation's shape."""
    ix = ix if isinstance(ix, dict) else {}
    keys = [{"AttributeName": ix.get("hash_key"), "KeyType": "HASH"}] if ix.get("hash_key") else []
    if ix.get("range_key"):
        keys.append({"AttributeName": ix["range_key"], "KeyType": "RANGE"})
    projection: dict[str, Any] = {"ProjectionType": ix.get("projection_type", "ALL")}
    if ix.get("non_key_attributes"):
        projection["NonKeyAttributes"] = ix["non_key_attributes"]
    out = {"IndexName": ix.get("name"), "KeySchema": keys, "Projection": projection}
    if ix.get("read_capacity") is not None:
        out["ProvisionedThroughput"] = {
            "ReadCapacityUnits": ix.get("read_capacity"),
            "WriteCapacityUnits": ix.get("write_capacity"),
        }
    return out


def _statements(doc: Any) -> list[dict[str, Any]]:
    doc = as_document(doc)
    if not isinstance(doc, dict):
        return []
    items = doc.get("Statement") or []
    return [normal_statement(s) for s in (items if isinstance(items, list) else [items])]


def _role(props: dict[str, Any]) -> dict[str, Any]:
    services: list[Any] = []
    for st in _statements(props.get("assume_role_policy")):
        principal = (st.get("Unsupported") or {}).get("Principal") or {}
        if isinstance(principal, dict):
            svc = principal.get("Service")
            services += svc if isinstance(svc, list) else [svc]
    statements: list[dict[str, Any]] = []
    for pol in props.get("inline_policy") or []:
        statements += _statements(pol.get("policy"))
    managed = props.get("managed_policy_arns") or []
    return {
        "RoleName": props.get("name"),
        "Services": services,
        "Statements": statements,
        "ManagedPolicies": list(managed) if isinstance(managed, list) else [],
    }


def _role_target(graph: Graph, value: Any) -> Res | None:
    if isinstance(value, Ref):
        return graph.target(Ref(value.target), "role")
    if isinstance(value, str):
        return next((r for r in graph.of("role") if r.get("RoleName") == value), None)
    return None


def attach_policies(graph: Graph) -> None:
    """``aws_iam_role_policy`` and policy attachments -> their role's statements."""
    for res in graph.resources.values():
        if res.type == "aws_iam_role_policy":
            role = _role_target(graph, res.get("Role"))
            if role is not None:
                role.props["Statements"] += _statements(res.get("Policy"))
        elif res.type == "aws_iam_role_policy_attachment":
            role = _role_target(graph, res.get("Role"))
            arn = res.get("PolicyArn")
            policy = graph.target(Ref(arn.target) if isinstance(arn, Ref) else None, "policy")
            if role is None:
                continue
            if policy is not None:
                role.props["Statements"] += _statements(policy.get("Policy"))
                policy.kind = "consumed"
            elif isinstance(arn, (str, Tmpl)):
                role.props["ManagedPolicies"].append(arn)


def unresolved(value: Any) -> bool:
    return isinstance(value, Unresolved)
