"""SAM's ``AWS::Serverless::WebSocketApi`` -> the resources SAM's transform generates for it.

As SAM does it: an API (named after the logical ID unless ``Name`` is given, ``websocketapi:
createdBy`` tag), one auto-deploying stage (``StageName``, default ``default``), per route a
Lambda proxy integration (``IntegrationTimeout``) and the route, a REQUEST authorizer on
``$connect`` from ``Auth`` (``AuthType: CUSTOM``), and the custom domain with one mapping per
``BasePath``. ``Globals.WebSocketApi`` applies first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wsspec.importers.graph import Graph, Res
from wsspec.importers.values import Pseudo, Ref, Tmpl, concat

SAM_TAG = "websocketapi:createdBy"
DEFAULT_STAGE = "default"


def _uri(function_arn: Any) -> Any:
    return concat(
        [
            "arn:",
            Pseudo("AWS::Partition"),
            ":apigateway:",
            Pseudo("AWS::Region"),
            ":lambda:path/2015-03-31/functions/",
            function_arn,
            "/invocations",
        ]
    )


def _route_id(route_key: str) -> str:
    if route_key in ("$connect", "$disconnect", "$default"):
        return route_key[1:].capitalize()
    return (
        route_key.capitalize()
        if route_key.isalnum()
        else "".join(c for c in route_key if c.isalnum())
    )


def expand(graph: Graph, res: Res, glob: Mapping[str, Any]) -> None:
    """Replace ``res`` (the SAM resource) by the CloudFormation resources SAM generates."""
    p = {**glob, **res.props}
    lid = res.id
    api_props: dict[str, Any] = {
        "Name": p.get("Name") if p.get("Name") is not None else lid,
        "ProtocolType": "WEBSOCKET",
        "RouteSelectionExpression": p.get("RouteSelectionExpression"),
    }
    for key in (
        "ApiKeySelectionExpression",
        "Description",
        "DisableExecuteApiEndpoint",
        "DisableSchemaValidation",
        "IpAddressType",
    ):
        if p.get(key) is not None:
            api_props[key] = p[key]
    tags = {k: v for k, v in (p.get("Tags") or {}).items() if k != SAM_TAG}
    if tags:
        api_props["Tags"] = tags
    graph.add(Res(lid, "api", "AWS::Serverless::WebSocketApi", api_props, where=res.where))
    api = Ref(lid)
    auth = p.get("Auth") or {}
    authorizer_id = None
    if str(auth.get("AuthType", "")).upper() == "CUSTOM" and auth.get("AuthArn") is not None:
        authorizer_id = f"{lid}ConnectAuthorizer"
        a_props: dict[str, Any] = {
            "ApiId": api,
            "AuthorizerType": "REQUEST",
            "Name": auth.get("Name") or authorizer_id,
            "AuthorizerUri": _uri(auth["AuthArn"]),
        }
        if auth.get("IdentitySource") is not None:
            a_props["IdentitySource"] = auth["IdentitySource"]
        if auth.get("InvokeRole") is not None:
            a_props["AuthorizerCredentialsArn"] = auth["InvokeRole"]
        graph.add(
            Res(
                authorizer_id,
                "authorizer",
                "AWS::Serverless::WebSocketApi",
                a_props,
                where=f"{res.where}.Auth",
            )
        )
    for key, spec in (p.get("Routes") or {}).items():
        _route(graph, res, key, spec or {}, auth, authorizer_id)
    _stage(graph, res, p)
    _domain(graph, res, p.get("Domain"))


def _route(
    graph: Graph,
    res: Res,
    key: str,
    spec: Mapping[str, Any],
    auth: Mapping[str, Any],
    authorizer_id: str | None,
) -> None:
    base = f"{res.id}{_route_id(key)}"
    i_props: dict[str, Any] = {
        "ApiId": Ref(res.id),
        "IntegrationType": "AWS_PROXY",
        "IntegrationUri": _uri(spec.get("FunctionArn")),
    }
    if spec.get("IntegrationTimeout") is not None:
        i_props["TimeoutInMillis"] = spec["IntegrationTimeout"]
    where = f"{res.where}.Routes.{key}"
    graph.add(
        Res(
            f"{base}Integration",
            "integration",
            "AWS::Serverless::WebSocketApi",
            i_props,
            where=where,
        )
    )
    r_props: dict[str, Any] = {
        "ApiId": Ref(res.id),
        "RouteKey": key,
        "Target": Tmpl(("integrations/", Ref(f"{base}Integration"))),
    }
    for k in (
        "ApiKeyRequired",
        "ModelSelectionExpression",
        "OperationName",
        "RequestModels",
        "RequestParameters",
        "RouteResponseSelectionExpression",
    ):
        if spec.get(k) is not None:
            r_props[k] = spec[k]
    if key == "$connect" and auth:
        kind = str(auth.get("AuthType", "NONE")).upper()
        r_props["AuthorizationType"] = kind if kind in ("AWS_IAM", "CUSTOM", "NONE") else "NONE"
        if authorizer_id is not None:
            r_props["AuthorizerId"] = Ref(authorizer_id)
    graph.add(Res(f"{base}Route", "route", "AWS::Serverless::WebSocketApi", r_props, where=where))


def _stage(graph: Graph, res: Res, p: Mapping[str, Any]) -> None:
    name = p.get("StageName") if p.get("StageName") is not None else DEFAULT_STAGE
    props: dict[str, Any] = {"ApiId": Ref(res.id), "StageName": name, "AutoDeploy": True}
    for key in ("StageVariables", "AccessLogSettings", "DefaultRouteSettings", "RouteSettings"):
        if p.get(key) is not None:
            props[key] = p[key]
    if p.get("PropagateTags") and p.get("Tags"):
        props["Tags"] = {k: v for k, v in p["Tags"].items() if k != SAM_TAG}
    sid = f"{res.id}{name if isinstance(name, str) and name != DEFAULT_STAGE else 'Default'}Stage"
    graph.add(
        Res(sid, "stage", "AWS::Serverless::WebSocketApi", props, where=f"{res.where}.StageName")
    )


def _domain(graph: Graph, res: Res, domain: Any) -> None:
    if not isinstance(domain, Mapping) or domain.get("DomainName") is None:
        return
    did = f"{res.id}DomainName"
    conf: dict[str, Any] = {
        "CertificateArn": domain.get("CertificateArn"),
        "EndpointType": domain.get("EndpointConfiguration") or "REGIONAL",
    }
    if domain.get("SecurityPolicy") is not None:
        conf["SecurityPolicy"] = domain["SecurityPolicy"]
    d_props: dict[str, Any] = {
        "DomainName": domain["DomainName"],
        "DomainNameConfigurations": [conf],
    }
    if domain.get("MutualTlsAuthentication"):
        d_props["MutualTlsAuthentication"] = domain["MutualTlsAuthentication"]
    graph.add(
        Res(did, "domain", "AWS::Serverless::WebSocketApi", d_props, where=f"{res.where}.Domain")
    )
    stage = next((r for r in graph.of("stage") if r.get("ApiId") == Ref(res.id)), None)
    paths = domain.get("BasePath") or [None]
    for path in paths if isinstance(paths, list) else [paths]:
        m_props: dict[str, Any] = {
            "ApiId": Ref(res.id),
            "DomainName": Ref(did),
            "Stage": Ref(stage.id) if stage else None,
        }
        if path not in (None, "", "/"):
            m_props["ApiMappingKey"] = str(path).strip("/")
        graph.add(
            Res(
                f"{res.id}{path or ''}ApiMapping",
                "api_mapping",
                "AWS::Serverless::WebSocketApi",
                m_props,
                where=f"{res.where}.Domain",
            )
        )
    if domain.get("Route53"):
        graph.add(
            Res(
                f"{res.id}Route53",
                "other",
                "AWS::Route53::RecordSetGroup",
                {},
                where=f"{res.where}.Domain.Route53",
            )
        )
