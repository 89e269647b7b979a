"""CloudFormation and SAM templates -> the import graph.

Reads ``AWS::ApiGatewayV2::*`` (SAM has no WebSocket API resource type: SAM users write these
raw resources next to ``AWS::Serverless::Function``), Lambda functions (``AWS::Lambda::Function``
and ``AWS::Serverless::Function`` with SAM's ``Globals``, ``CodeUri``, ``Policies``), their IAM
roles and policies, DynamoDB tables, log groups, custom domains, REST-style VPC links, the API
Gateway account, CloudWatch alarms and SNS topics. Intrinsic functions are resolved by
``intrinsics.Resolver``; resources whose ``Condition`` is false are left out.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from wsspec.importers.errors import fail
from wsspec.importers.graph import Graph, Res
from wsspec.importers.intrinsics import Resolver, load_template
from wsspec.importers.values import Ref, Unresolved

KINDS = {
    "AWS::ApiGatewayV2::Api": "api",
    "AWS::ApiGatewayV2::Route": "route",
    "AWS::ApiGatewayV2::RouteResponse": "route_response",
    "AWS::ApiGatewayV2::Integration": "integration",
    "AWS::ApiGatewayV2::IntegrationResponse": "integration_response",
    "AWS::ApiGatewayV2::Authorizer": "authorizer",
    "AWS::ApiGatewayV2::Model": "model",
    "AWS::ApiGatewayV2::Stage": "stage",
    "AWS::ApiGatewayV2::Deployment": "deployment",
    "AWS::ApiGatewayV2::DomainName": "domain",
    "AWS::ApiGatewayV2::ApiMapping": "api_mapping",
    "AWS::ApiGateway::VpcLink": "vpc_link",
    "AWS::ApiGateway::Account": "account",
    "AWS::Lambda::Function": "function",
    "AWS::Serverless::Function": "function",
    "AWS::Lambda::Permission": "permission",
    "AWS::IAM::Role": "role",
    "AWS::IAM::Policy": "policy",
    "AWS::IAM::ManagedPolicy": "policy",
    "AWS::DynamoDB::Table": "table",
    "AWS::Serverless::SimpleTable": "table",
    "AWS::Logs::LogGroup": "log_group",
    "AWS::CloudWatch::Alarm": "alarm",
    "AWS::SNS::Topic": "topic",
    "AWS::SNS::Subscription": "subscription",
}

# Function properties the spec has a key for (everything else becomes a "not imported" note).
_FUNCTION_KEYS = {
    "FunctionName",
    "Handler",
    "Runtime",
    "MemorySize",
    "Timeout",
    "Architectures",
    "Description",
    "Environment",
    "Code",
    "CodeUri",
    "InlineCode",
    "Role",
    "Policies",
    "TracingConfig",
    "Tracing",
    "Events",
    "Tags",
    "PackageType",
    "LoggingConfig",
}


def looks_like(data: Any) -> bool:
    return isinstance(data, Mapping) and isinstance(data.get("Resources"), Mapping)


def read(path: str, text: str, params: Mapping[str, str]) -> Graph:
    try:
        data = load_template(text)
    except Exception as exc:  # noqa: BLE001 - YAML/JSON errors of any kind
        fail("WS970", f"cannot parse the template: {_first_line(exc)}", file=path)
    if not looks_like(data):
        fail("WS971", "not a CloudFormation template (no Resources section)", file=path)
    sam = "AWS::Serverless" in str(data.get("Transform", ""))
    graph = Graph(
        source=path,
        source_kind="SAM" if sam else "CloudFormation",
        project_dir=os.path.dirname(os.path.abspath(path)),
    )
    graph.by_wsspec = str(data.get("Description", "")).startswith("wsspec:")
    read_resources(graph, data, params)
    return graph


def read_resources(graph: Graph, data: Mapping[str, Any], params: Mapping[str, str]) -> Resolver:
    """Add every resource of template ``data`` to ``graph`` (also used for serverless.yml)."""
    resolver = Resolver(data, params)
    region = resolver.params.get("AWS::Region")
    if isinstance(region, str):
        graph.region = region
    globals_fn = (data.get("Globals") or {}).get("Function") or {}
    globals_ws = resolver.resolve((data.get("Globals") or {}).get("WebSocketApi") or {})
    for rid, raw in (data.get("Resources") or {}).items():
        if not isinstance(raw, Mapping):
            continue
        cond = raw.get("Condition")
        if isinstance(cond, str) and resolver.condition(cond) is False:
            continue
        rtype = str(raw.get("Type", ""))
        props_raw = raw.get("Properties") or {}
        if rtype == "AWS::Serverless::Function" and isinstance(props_raw, Mapping):
            props_raw = _with_globals(props_raw, globals_fn)
        props = resolver.resolve(props_raw) if isinstance(props_raw, Mapping) else {}
        kind = KINDS.get(rtype, "other")
        if kind == "api" and str(props.get("ProtocolType", "")).upper() != "WEBSOCKET":
            kind = "other"
        res = Res(rid, kind, rtype, dict(props), where=f"Resources.{rid}")
        if rtype == "AWS::Serverless::WebSocketApi":
            from wsspec.importers import sam

            sam.expand(graph, res, globals_ws)
            continue
        if isinstance(cond, str) and not isinstance(resolver.condition(cond), bool):
            res.props["__condition__"] = cond
        graph.add(res)
    for res in list(graph.resources.values()):
        if res.kind == "function":
            res.props = _function(res, graph)
        elif res.kind == "table" and res.type == "AWS::Serverless::SimpleTable":
            res.props = _simple_table(res.props)
    _attach_policies(graph)
    return resolver


def _first_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _with_globals(props: Mapping[str, Any], glob: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in glob.items()}
    for k, v in props.items():
        if k == "Environment" and isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            variables = {
                **(out[k].get("Variables") or {}),
                **(v.get("Variables") or {}),
            }
            out[k] = {**out[k], **v, "Variables": variables}
        elif k == "Tags" and isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = {**out[k], **v}
        else:
            out[k] = v
    return out


# ----------------------------------------------------------------------------- functions
def _code(res: Res, graph: Graph) -> dict[str, Any]:
    p = res.props
    if res.type == "AWS::Serverless::Function":
        uri = p.get("CodeUri")
        if p.get("InlineCode") is not None:
            return {"Kind": "inline"}
        if p.get("ImageUri") or p.get("PackageType") == "Image":
            return {"Kind": "image"}
        if isinstance(uri, str) and not uri.startswith("s3://"):
            kind = "zip" if uri.endswith((".zip", ".jar")) else "dir"
            return {"Kind": kind, "Path": uri}
        if uri is None:
            return {"Kind": "dir", "Path": "."}
        return {"Kind": "s3"}
    code = p.get("Code")
    if isinstance(code, str):  # a local path, as `aws cloudformation package` expects
        return {"Kind": "zip" if code.endswith((".zip", ".jar")) else "dir", "Path": code}
    if isinstance(code, Mapping):
        if "ZipFile" in code:
            return {"Kind": "inline"}
        if "ImageUri" in code:
            return {"Kind": "image"}
    return {"Kind": "s3"}


def _stream_event(fn: Res, name: str, p: Mapping[str, Any]) -> Res:
    """A SAM ``Type: DynamoDB`` event as the ``AWS::Lambda::EventSourceMapping`` SAM makes."""
    props = {k: v for k, v in p.items() if k != "Stream"}
    props.update(EventSourceArn=p.get("Stream"), FunctionName=Ref(fn.id))
    dest = (p.get("DestinationConfig") or {}).get("OnFailure")
    if isinstance(dest, Mapping):
        props["DestinationConfig"] = {"OnFailure": {"Destination": dest.get("Destination")}}
    rid = f"{fn.id}{name}"
    return Res(rid, "other", "AWS::Lambda::EventSourceMapping", props, where=f"{fn.where}.Events")


def _function(res: Res, graph: Graph) -> dict[str, Any]:
    p = res.props
    env = (p.get("Environment") or {}).get("Variables") or {}
    statements: list[Any] = []
    managed: list[Any] = []
    templates: list[Any] = []
    policies = p.get("Policies")
    for item in policies if isinstance(policies, list) else ([policies] if policies else []):
        if isinstance(item, Mapping) and "Statement" in item:
            statements += [normal_statement(s) for s in _as_list(item["Statement"])]
        elif isinstance(item, Mapping):
            templates += [{k: v} for k, v in item.items()]
        elif item is not None:
            managed.append(item)
    tracing = p.get("Tracing") == "Active" or (p.get("TracingConfig") or {}).get("Mode") == "Active"
    unsupported = {k: v for k, v in p.items() if k not in _FUNCTION_KEYS}
    events = p.get("Events") or {}
    for name, ev in events.items() if isinstance(events, Mapping) else ():
        if isinstance(ev, Mapping) and ev.get("Type") == "DynamoDB":
            graph.add(_stream_event(res, str(name), ev.get("Properties") or {}))
        else:
            unsupported[f"Events.{name}"] = (ev or {}).get("Type", "event")
    return {
        "FunctionName": p.get("FunctionName"),
        "Handler": p.get("Handler"),
        "Runtime": p.get("Runtime"),
        "MemorySize": p.get("MemorySize"),
        "Timeout": p.get("Timeout"),
        "Architectures": p.get("Architectures"),
        "Description": p.get("Description"),
        "Environment": dict(env) if isinstance(env, Mapping) else {},
        "Code": _code(res, graph),
        "Role": p.get("Role"),
        "Statements": statements,
        "ManagedPolicies": managed,
        "SamPolicies": templates,
        "Tracing": tracing,
        "Unsupported": unsupported,
    }


def _simple_table(p: Mapping[str, Any]) -> dict[str, Any]:
    key = p.get("PrimaryKey") or {"Name": "id", "Type": "String"}
    attr_type = {"String": "S", "Number": "N", "Binary": "B"}.get(str(key.get("Type")), "S")
    out: dict[str, Any] = {
        "TableName": p.get("TableName"),
        "KeySchema": [{"AttributeName": key.get("Name"), "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": key.get("Name"), "AttributeType": attr_type}],
        "BillingMode": "PROVISIONED" if p.get("ProvisionedThroughput") else "PAY_PER_REQUEST",
    }
    if p.get("ProvisionedThroughput"):
        out["ProvisionedThroughput"] = p["ProvisionedThroughput"]
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def normal_statement(st: Any) -> dict[str, Any]:
    """An IAM statement with ``Action`` and ``Resource`` as lists (``Unsupported`` otherwise)."""
    if not isinstance(st, Mapping):
        return {"Unsupported": st}
    out: dict[str, Any] = {
        "Effect": st.get("Effect", "Allow"),
        "Action": _as_list(st.get("Action")),
        "Resource": _as_list(st.get("Resource")),
    }
    if "Sid" in st:
        out["Sid"] = st["Sid"]
    extra = {k: v for k, v in st.items() if k not in ("Effect", "Action", "Resource", "Sid")}
    if extra:
        out["Unsupported"] = extra
    return out


def _document_statements(doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, Unresolved) or not isinstance(doc, Mapping):
        return []
    return [normal_statement(s) for s in _as_list(doc.get("Statement"))]


def _attach_policies(graph: Graph) -> None:
    """Give each role its statements: inline ``Policies`` plus ``AWS::IAM::Policy`` resources."""
    for role in graph.of("role"):
        p = role.props
        trust = p.get("AssumeRolePolicyDocument") or {}
        services: list[Any] = []
        for st in _document_statements(trust):
            principal = (st.get("Unsupported") or {}).get("Principal") or {}
            if isinstance(principal, Mapping):
                services += _as_list(principal.get("Service"))
        statements: list[dict[str, Any]] = []
        for pol in _as_list(p.get("Policies")):
            if isinstance(pol, Mapping):
                statements += _document_statements(pol.get("PolicyDocument"))
        role.props = {
            "RoleName": p.get("RoleName"),
            "Services": services,
            "Statements": statements,
            "ManagedPolicies": list(_as_list(p.get("ManagedPolicyArns"))),
        }
    for pol in graph.of("policy"):
        for target in _as_list(pol.get("Roles")):
            attached = graph.target(target, "role")
            if attached is not None:
                attached.props["Statements"] += _document_statements(pol.get("PolicyDocument"))
        pol.kind = "consumed"


def role_of(graph: Graph, fn: Res) -> Res | None:
    """The role resource a function uses (``Role: !GetAtt R.Arn``), if in the input."""
    role = fn.props.get("Role")
    if isinstance(role, Ref):
        return graph.target(Ref(role.target), "role")
    return None
