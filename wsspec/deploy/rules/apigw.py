"""Create/update rules for API Gateway resources: the API, its authorizers, models,
integrations (and their responses), routes (and their ``$default`` response), stages, the
custom domain and its mapping, and (REST v1) VPC links.
"""

from __future__ import annotations

from typing import Any, Mapping

from wsspec import arns
from wsspec.deploy.compare import Change, changed_fields, diff_props
from wsspec.deploy.current import Cur
from wsspec.deploy.inventory import INVENTORY_TAG, render
from wsspec.deploy.planner import Planner
from wsspec.deploy.records import API, Fmt, Out, Res
from wsspec.deploy.steps import Call


def api(p: Planner, r: Res, h: Cur | None) -> None:
    """The API; its tags include the inventory of optional families (``deploy.inventory``)."""
    props = {**r.props, "Tags": {**r.props["Tags"], INVENTORY_TAG: render(p.families_before)}}
    if h is None:
        create = Call("apigatewayv2", "create_api", dict(props), produces=(("api", "ApiId"),))
        p.add("create", r, "api", r.key, [create])
        return
    ch = diff_props("api", props, h.props)
    fields = changed_fields(ch)
    calls = []
    upd = {k: v for k, v in props.items() if k in fields and k != "Tags"}
    if upd:
        calls.append(Call("apigatewayv2", "update_api", {"ApiId": API, **upd}))
    if "Tags" in fields:
        arn = Fmt(arns.apigateway_resource(p.partition, p.region, "/apis/{0}"), (API,))
        calls += _retag(arn, props["Tags"], h.props.get("Tags"))
    p.add("update", r, "api", r.key, calls, changes=ch)


def _retag(arn: str | Fmt, tags: Mapping[str, str], had: Mapping[str, str] | None) -> list[Call]:
    """Calls that make an API Gateway resource's tags ``tags`` (tag, then untag what left)."""
    calls = [Call("apigatewayv2", "tag_resource", {"ResourceArn": arn, "Tags": dict(tags)})]
    gone = sorted(set(had or {}) - set(tags))
    if gone:
        calls.append(Call("apigatewayv2", "untag_resource", {"ResourceArn": arn, "TagKeys": gone}))
    return calls


def _child(
    p: Planner,
    r: Res,
    h: Cur | None,
    *,
    name: str,
    id_field: str,
    extra: Mapping[str, Any] | None = None,
    produces: str | None = None,
) -> None:
    """A child of the API created by ``create_<name>`` and updated in place by ``update_<name>``."""
    extra = extra or {}
    if h is None:
        params = {"ApiId": API, **extra, **r.props}
        out = ((produces, id_field),) if produces else ()
        p.add(
            "create",
            r,
            r.kind,
            r.key,
            [Call("apigatewayv2", f"create_{name}", params, produces=out)],
        )
        return
    ch = diff_props(r.kind, p.resolved(r), h.props)
    if ch:
        params = {"ApiId": API, **extra, id_field: h.id, **r.props}
        call = Call("apigatewayv2", f"update_{name}", params)
        p.add("update", r, r.kind, r.key, [call], changes=ch)


def authorizer(p: Planner, r: Res, h: Cur | None) -> None:
    _child(p, r, h, name="authorizer", id_field="AuthorizerId", produces=f"authorizer:{r.key}")


def model(p: Planner, r: Res, h: Cur | None) -> None:
    _child(p, r, h, name="model", id_field="ModelId", produces=f"model:{r.key}")


def integration(p: Planner, r: Res, h: Cur | None) -> None:
    _child(p, r, h, name="integration", id_field="IntegrationId", produces=f"integration:{r.key}")


def integration_response(p: Planner, r: Res, h: Cur | None) -> None:
    integ = r.key.split(" ", 1)[0]
    extra = {"IntegrationId": Out(f"integration:{integ}")}
    _child(p, r, h, name="integration_response", id_field="IntegrationResponseId", extra=extra)


def _route_response_calls(p: Planner, r: Res) -> list[Call]:
    """Create or update the route's ``$default`` route response when it wants one."""
    want = p.want.get(("route_response", r.key))
    have = p.have.get(("route_response", r.key))
    route_id = Out(f"route:{r.key}")
    if want is not None and have is None:
        params = {"ApiId": API, "RouteId": route_id, **want.props}
        return [Call("apigatewayv2", "create_route_response", params)]
    if want is not None and have is not None:
        if diff_props("route_response", want.props, have.props):
            params = {"ApiId": API, "RouteId": route_id, "RouteResponseId": have.id, **want.props}
            return [Call("apigatewayv2", "update_route_response", params, optional=True)]
    return []


def route(p: Planner, r: Res, h: Cur | None) -> None:
    """The route and its ``$default`` route response (one step)."""
    props = dict(r.props)
    rrse = props.pop("RouteResponseSelectionExpression", None)
    rr_calls = _route_response_calls(p, r)
    if h is None:
        route_id = Out(f"route:{r.key}")
        created = ((f"route:{r.key}", "RouteId"),)
        calls = [Call("apigatewayv2", "create_route", {"ApiId": API, **props}, produces=created)]
        calls += rr_calls
        if rrse:  # set last: a route turns two-way only once its response exists
            params = {"ApiId": API, "RouteId": route_id, "RouteResponseSelectionExpression": rrse}
            calls.append(Call("apigatewayv2", "update_route", params))
        p.add("create", r, "route", r.key, calls)
        return
    _update_route(p, r, h, props, rrse, rr_calls)


def _update_route(
    p: Planner, r: Res, h: Cur, props: dict[str, Any], rrse: str | None, rr_calls: list[Call]
) -> None:
    ch: list[Change] = diff_props("route", p.resolved(r), h.props)
    fields = changed_fields(ch)
    route_id = Out(f"route:{r.key}")
    rr_want = p.want.get(("route_response", r.key))
    rr_have = p.have.get(("route_response", r.key))
    calls = list(rr_calls)
    upd = {k: v for k, v in props.items() if k in fields}
    if "RouteResponseSelectionExpression" in fields:
        upd["RouteResponseSelectionExpression"] = rrse or ""
    if rr_want is None and rr_have is not None and not rr_have.props.get("__assumed__"):
        params = {"ApiId": API, "RouteId": route_id, "RouteResponseId": rr_have.id}
        calls.append(Call("apigatewayv2", "delete_route_response", params))
    elif rr_want is None and rr_have is not None:
        p.notes.append(
            f"route {r.key}: the endpoint cannot list route responses; "
            "only the selection expression is removed"
        )
    if upd:
        update = Call("apigatewayv2", "update_route", {"ApiId": API, "RouteId": route_id, **upd})
        calls.insert(0 if rrse is None else len(calls), update)
    ch += _route_response_changes(rr_want, rr_have, rr_calls)
    p.add("update", r, "route", r.key, calls, changes=ch)


def _route_response_changes(want: Res | None, have: Cur | None, calls: list[Call]) -> list[Change]:
    """What the route's ``$default`` response changes (shown under the route in a plan)."""
    if not calls or want is None:
        return []
    if have is None or have.props.get("__assumed__"):
        return [("RouteResponse", None, dict(want.props))]
    return [
        (f"RouteResponse.{f}", o, n)
        for f, o, n in diff_props("route_response", want.props, have.props)
    ]


def stage(p: Planner, r: Res, h: Cur | None) -> None:
    props = dict(r.props)
    if h is None:
        p.add(
            "create",
            r,
            "stage",
            r.key,
            [Call("apigatewayv2", "create_stage", {"ApiId": API, **props})],
        )
        return
    ch = diff_props("stage", props, h.props)
    fields = changed_fields(ch)
    calls = []
    upd = {k: v for k, v in props.items() if k in fields and k != "Tags"}
    if upd:
        params = {"ApiId": API, "StageName": r.key, **upd}
        calls.append(Call("apigatewayv2", "update_stage", params, optional=True))
    if "Tags" in fields:
        arn = Fmt(
            arns.apigateway_resource(p.partition, p.region, f"/apis/{{0}}/stages/{r.key}"),
            (API,),
        )
        calls += _retag(arn, props["Tags"], h.props.get("Tags"))
    p.add("update", r, "stage", r.key, calls, changes=ch)


def domain(p: Planner, r: Res, h: Cur | None) -> None:
    if h is None:
        params = {"DomainName": r.key, **r.props}
        p.add("create", r, "domain", r.key, [Call("apigatewayv2", "create_domain_name", params)])
        return
    ch = diff_props("domain", r.props, h.props)
    calls = []
    if "DomainNameConfigurations" in changed_fields(ch):
        params = {
            "DomainName": r.key,
            "DomainNameConfigurations": r.props["DomainNameConfigurations"],
        }
        calls.append(Call("apigatewayv2", "update_domain_name", params, optional=True))
    if "Tags" in changed_fields(ch):
        arn = arns.apigateway_resource(p.partition, p.region, f"/domainnames/{r.key}")
        calls += _retag(arn, r.props["Tags"], h.props.get("Tags"))
    p.add("update", r, "domain", r.key, calls, changes=ch)


def api_mapping(p: Planner, r: Res, h: Cur | None) -> None:
    props = dict(r.props)
    if h is not None and h.props.get("ApiId") not in (p.known.get("api"), None):
        h = None  # mapped to another API: ours is missing
    if h is None:
        create = Call("apigatewayv2", "create_api_mapping", {"ApiId": API, **props})
        p.add("create", r, "api_mapping", r.key, [create])
        return
    ch = diff_props("api_mapping", props, h.props)
    if ch:
        params = {"ApiId": API, "ApiMappingId": h.id, **props}
        call = Call("apigatewayv2", "update_api_mapping", params, optional=True)
        p.add("update", r, "api_mapping", r.key, [call], changes=ch)


def vpc_link(p: Planner, r: Res, h: Cur | None) -> None:
    if h is None:
        produces = ((f"vpc_link:{r.key}", "id"),)
        create = Call("apigateway", "create_vpc_link", dict(r.props), produces=produces)
        p.add("create", r, "vpc_link", r.key, [create])
        return
    ch = diff_props("vpc_link", r.props, h.props)
    ops = [
        {"op": "replace", "path": f"/{f}", "value": r.props.get(f) or ""}
        for f, _, _ in ch
        if f in ("name", "description")
    ]
    calls = []
    if ops:
        params = {"vpcLinkId": h.id, "patchOperations": ops}
        calls.append(Call("apigateway", "update_vpc_link", params))
    fields = changed_fields(ch)
    if "tags" in fields:
        arn = arns.apigateway_resource(p.partition, p.region, f"/vpclinks/{h.id}")
        calls.append(
            Call("apigateway", "tag_resource", {"resourceArn": arn, "tags": dict(r.props["tags"])})
        )
    if "targetArns" in fields:
        p.notes.append(f"VPC link {r.label}: target ARNs cannot be changed in place")
    p.add("update", r, "vpc_link", r.key, calls, changes=ch)
