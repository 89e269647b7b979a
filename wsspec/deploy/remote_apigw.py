"""Read API Gateway: the API and its children, VPC links, the custom domain, the account.

One paginated GetRoutes / GetIntegrations / GetStages per API; the operations an emulator may
lack (moto 5.2.1: GetAuthorizers, GetModels, GetRouteResponses, GetDeployments) are probed
concurrently and, when missing, inferred from the routes (recorded in ``Current.gaps``).
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from typing import Any

from wsspec import names
from wsspec.deploy.current import Cur, Reader, fields, pages
from wsspec.deploy.records import MARKER, OWNER_TAG

Item = dict[str, Any]

_INTEGRATION = (
    "IntegrationType",
    "IntegrationUri",
    "IntegrationMethod",
    "TimeoutInMillis",
    "CredentialsArn",
    "Description",
    "ConnectionType",
    "ConnectionId",
    "RequestParameters",
    "RequestTemplates",
    "TemplateSelectionExpression",
    "PassthroughBehavior",
    "ContentHandlingStrategy",
)
_INTEGRATION_RESPONSE = (
    "IntegrationResponseKey",
    "ResponseTemplates",
    "TemplateSelectionExpression",
    "ContentHandlingStrategy",
)
_AUTHORIZER = (
    "Name",
    "AuthorizerType",
    "AuthorizerUri",
    "IdentitySource",
    "AuthorizerCredentialsArn",
)
_ROUTE = (
    "RouteKey",
    "Target",
    "AuthorizationType",
    "AuthorizerId",
    "ApiKeyRequired",
    "RequestParameters",
    "RequestModels",
    "ModelSelectionExpression",
    "OperationName",
    "RouteResponseSelectionExpression",
)
_STAGE = (
    "StageName",
    "Description",
    "AutoDeploy",
    "StageVariables",
    "DefaultRouteSettings",
    "RouteSettings",
    "AccessLogSettings",
    "Tags",
)


def read_api(rd: Reader) -> None:
    """The API (found by name and tag) and everything under it."""
    c = rd.aws.client("apigatewayv2")
    api_id = _find_api(rd, c)
    if api_id is None or not rd.whole_api:
        return  # a full destroy deletes the API, and everything under it with it
    f_routes = rd.pool.submit(pages, c, "get_routes", "Items", ApiId=api_id)
    f_integs = rd.pool.submit(pages, c, "get_integrations", "Items", ApiId=api_id)
    f_stages = rd.pool.submit(pages, c, "get_stages", "Items", ApiId=api_id)
    # operations an emulator may lack are probed concurrently (a failing probe is slow);
    # the reads the plan cannot need are not made
    deployed = any(not r.props.get("AutoDeploy") for r in rd.wanted("stage"))
    f_auths = _submit_if(rd, rd.reads("authorizer"), "get_authorizers", api_id)
    f_models = _submit_if(rd, rd.reads("model"), "get_models", api_id)
    f_deps = _submit_if(rd, deployed, "get_deployments", api_id)
    routes = f_routes.result()
    two_way = {r.key for r in rd.wanted("route_response")}
    rr_routes = [
        r for r in routes if r.get("RouteResponseSelectionExpression") or r["RouteKey"] in two_way
    ]
    # the first route response is read alone: on an emulator that lacks the operation, one
    # slow failing probe records the gap before the others run
    f_rr_first = rd.pool.submit(_route_responses, rd, api_id, rr_routes[:1])
    integs, stages = f_integs.result(), f_stages.result()
    _integrations(rd, c, api_id, integs)
    # the probes ran meanwhile (on an emulator that lacks them, a failing call is slow)
    auths, models, deps = f_auths.result(), f_models.result(), f_deps.result()
    _authorizers(rd, c, api_id, routes, auths)
    _models(rd, routes, models)
    _routes(rd, routes)
    f_rr_first.result()
    rd.map(lambda r: _route_response(rd, api_id, r), rr_routes[1:])
    _stages(rd, stages, deps)


def _submit_if(rd: Reader, needed: bool, op: str, api_id: str) -> Future[Any]:
    """``op`` for the API (an operation an emulator may lack), or no items when not needed."""
    if needed:
        return rd.pool.submit(rd.optional, "apigatewayv2", op, ApiId=api_id)
    skipped: Future[Any] = Future()
    skipped.set_result({"Items": []})
    return skipped


def _find_api(rd: Reader, c: Any) -> str | None:
    """The id of the API named like the spec's that carries wsspec's tag.

    Several such APIs (two deploys that ran at once before the deploy lock, or a lock broken
    by hand) are all this spec's: the oldest is kept and read, the others are recorded as
    ``duplicate_api`` records, which a deploy or a destroy deletes.
    """
    apis = [a for a in rd.apis() if a.get("Name") == rd.spec.api.name]
    mine = rd.own_apis()
    rd.cur.foreign += [
        f"API {a['ApiId']} named {a['Name']} (no {OWNER_TAG} tag)" for a in apis if a not in mine
    ]
    if not mine:
        return None
    for dup in mine[1:]:
        created = {"CreatedDate": str(dup.get("CreatedDate") or "")}
        rd.cur.add("duplicate_api", dup["ApiId"], Cur(dup["ApiId"], created))
    a = mine[0]
    api_id: str = a["ApiId"]
    rd.cur.ids["api"] = api_id
    props = {
        "Name": a.get("Name"),
        "ProtocolType": a.get("ProtocolType"),
        "RouteSelectionExpression": a.get("RouteSelectionExpression"),
        "ApiKeySelectionExpression": a.get("ApiKeySelectionExpression"),
        "Description": a.get("Description") or "",
        "DisableExecuteApiEndpoint": bool(a.get("DisableExecuteApiEndpoint")),
        "DisableSchemaValidation": bool(a.get("DisableSchemaValidation")),
        "IpAddressType": a.get("IpAddressType") or "ipv4",
        "Tags": {k: v for k, v in (a.get("Tags") or {}).items() if not k.startswith("aws:")},
        "ApiEndpoint": a.get("ApiEndpoint"),
    }
    rd.cur.add("api", rd.spec.api.name, Cur(api_id, props))
    return api_id


def _integrations(rd: Reader, c: Any, api_id: str, integs: list[Item]) -> None:
    """Integrations (natural key in the Description marker) and their responses."""
    id_to_key: dict[str, str] = {}
    for i in integs:
        desc = i.get("Description") or ""
        key = (
            desc[len(MARKER) :].split(" ", 1)[0]
            if desc.startswith(MARKER)
            else f"?{i['IntegrationId']}"
        )
        id_to_key[i["IntegrationId"]] = key
        rd.cur.ids[f"integration:{key}"] = i["IntegrationId"]
        rd.cur.add("integration", key, Cur(i["IntegrationId"], fields(i, *_INTEGRATION)))

    def responses(i: Item) -> None:
        if str(i.get("IntegrationType", "")).endswith("_PROXY"):
            return
        integration_id = i["IntegrationId"]
        items = pages(
            c, "get_integration_responses", "Items", ApiId=api_id, IntegrationId=integration_id
        )
        key = id_to_key[integration_id]
        for r in items:
            rd.cur.add(
                "integration_response",
                f"{key} {r['IntegrationResponseKey']}",
                Cur(
                    r["IntegrationResponseId"],
                    fields(r, *_INTEGRATION_RESPONSE),
                    parent=integration_id,
                ),
            )

    rd.map(responses, integs)


def _authorizers(rd: Reader, c: Any, api_id: str, routes: list[Item], auths: Any) -> None:
    """Authorizers (fallback when GetAuthorizers is missing: the ones routes reference)."""
    items = (auths or {}).get("Items")
    if auths is None:
        ids = {r["AuthorizerId"] for r in routes if r.get("AuthorizerId")}
        items = [c.get_authorizer(ApiId=api_id, AuthorizerId=x) for x in sorted(ids)]
    for au in items or []:
        name = au["Name"]
        rd.cur.ids[f"authorizer:{name}"] = au["AuthorizerId"]
        rd.cur.add("authorizer", name, Cur(au["AuthorizerId"], fields(au, *_AUTHORIZER)))


def _models(rd: Reader, routes: list[Item], models: Any) -> None:
    """Models (fallback: names referenced by routes are assumed present, id unknown)."""
    if models is None:
        _assumed_models(rd, routes)
        return
    for m in models.get("Items") or []:
        schema = m.get("Schema")
        try:
            schema = json.loads(schema) if isinstance(schema, str) else schema
        except ValueError:
            pass
        rd.cur.ids[f"model:{m['Name']}"] = m["ModelId"]
        props = {
            "Name": m["Name"],
            "ContentType": m.get("ContentType"),
            "Description": m.get("Description") or "",
            "Schema": schema,
        }
        rd.cur.add("model", m["Name"], Cur(m["ModelId"], props))


def _assumed_models(rd: Reader, routes: list[Item]) -> None:
    # models are created before the routes that use them, so a route that references a
    # model (or is two-way with response models) proves the model exists
    resp_models = {r.key: r.props.get("ResponseModels") or {} for r in rd.wanted("route_response")}
    for r in routes:
        used = list((r.get("RequestModels") or {}).values())
        if r.get("RouteResponseSelectionExpression") == "$default":
            used += list(resp_models.get(r["RouteKey"], {}).values())
        for name in used:
            rd.cur.add("model", name, Cur("", {"__assumed__": True}))


def _routes(rd: Reader, routes: list[Item]) -> None:
    for r in routes:
        key = r["RouteKey"]
        rd.cur.ids[f"route:{key}"] = r["RouteId"]
        rd.cur.add("route", key, Cur(r["RouteId"], fields(r, *_ROUTE)))


def _route_responses(rd: Reader, api_id: str, routes: list[Item]) -> None:
    for r in routes:
        _route_response(rd, api_id, r)


def _route_response(rd: Reader, api_id: str, r: Item) -> None:
    res = rd.optional("apigatewayv2", "get_route_responses", ApiId=api_id, RouteId=r["RouteId"])
    if res is None:
        # fallback: a route turns two-way (RRSE set) only after its response exists
        if r.get("RouteResponseSelectionExpression") == "$default":
            assumed = Cur("", {"__assumed__": True}, parent=r["RouteId"])
            rd.cur.add("route_response", r["RouteKey"], assumed)
        return
    for rr in res.get("Items") or []:
        if rr.get("RouteResponseKey") == "$default":
            props = {"RouteResponseKey": "$default", "ResponseModels": rr.get("ResponseModels")}
            rd.cur.add(
                "route_response",
                r["RouteKey"],
                Cur(rr["RouteResponseId"], props, parent=r["RouteId"]),
            )


def _stages(rd: Reader, stages: list[Item], deps: Any) -> None:
    """Stages, and which deployment (by its description marker) each one serves."""
    dep_desc = {d["DeploymentId"]: d.get("Description") for d in ((deps or {}).get("Items") or [])}
    for s in stages:
        name = s["StageName"]
        rd.cur.deployments[name] = dep_desc.get(s.get("DeploymentId") or "")
        rd.cur.add("stage", name, Cur(name, fields(s, *_STAGE), stage=name))
    if deps is None:
        rd.cur.deployments = {}


def read_vpc_links(rd: Reader) -> None:
    if not rd.reads("vpc_link"):
        return
    c = rd.aws.client("apigateway")
    by_name = {names.vpc_link_name(rd.spec, v.name): v.name for v in rd.spec.vpc_links}
    for v in pages(c, "get_vpc_links", "items"):
        tags = v.get("tags") or {}
        if tags.get(OWNER_TAG) != rd.owner:
            continue
        key = by_name.get(v.get("name", ""), f"?{v['id']}")
        rd.cur.ids[f"vpc_link:{key}"] = v["id"]
        props = fields(v, "name", "description", "targetArns", "tags")
        rd.cur.add("vpc_link", key, Cur(v["id"], props))


def read_domain(rd: Reader) -> None:
    """wsspec's custom domains and their API mappings."""
    if not rd.reads("domain"):
        return
    c = rd.aws.client("apigatewayv2")
    for d in pages(c, "get_domain_names", "Items"):
        tags = d.get("Tags") or {}
        if tags.get(OWNER_TAG) != rd.owner:
            if rd.spec.domain is not None and d.get("DomainName") == rd.spec.domain.name:
                rd.cur.foreign.append(f"custom domain {d['DomainName']} (no {OWNER_TAG} tag)")
                rd.cur.add("foreign_domain", d["DomainName"], Cur(d["DomainName"], {}))
            continue
        name = d["DomainName"]
        cfgs = [
            {
                **fields(x, "CertificateArn", "EndpointType", "SecurityPolicy"),
                "IpAddressType": x.get("IpAddressType") or "ipv4",
            }
            for x in d.get("DomainNameConfigurations") or []
        ]
        rd.cur.add("domain", name, Cur(name, {"DomainNameConfigurations": cfgs, "Tags": tags}))
        for m in pages(c, "get_api_mappings", "Items", DomainName=name):
            key = f"{name} {m.get('ApiMappingKey') or '(root)'}"
            props = {
                "DomainName": name,
                "Stage": m.get("Stage"),
                "ApiMappingKey": m.get("ApiMappingKey") or "",
                "ApiId": m.get("ApiId"),
            }
            cur = Cur(m["ApiMappingId"], props, stage=m.get("Stage"), parent=name)
            rd.cur.add("api_mapping", key, cur)


def read_account(rd: Reader) -> None:
    if not rd.spec.cloudwatch_role:
        return
    acc = rd.aws.client("apigateway").get_account()
    arn = acc.get("cloudwatchRoleArn")
    rd.cur.add("account", "account", Cur("account", {"cloudwatchRoleArn": arn}))
