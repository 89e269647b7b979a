"""Stages, the custom domain, VPC links, the account role, and what is left over.

Stage settings keep exactly what the input sets (the model keeps "not set" apart from
"set to the default"); access logs to the log group wsspec would create become
``access_logs: true`` (or ``{format}``), to any other log group ``{destination_arn, format}``.
"""

from __future__ import annotations

from typing import Any

from wsspec import names
from wsspec.importers.context import Ctx, clean_tags
from wsspec.importers.graph import Res
from wsspec.importers.values import Ref, show
from wsspec.model import DEFAULT_ACCESS_LOG_FORMAT, DEFAULT_STAGE

_SETTINGS = {
    "ThrottlingBurstLimit",
    "ThrottlingRateLimit",
    "LoggingLevel",
    "DataTraceEnabled",
    "DetailedMetricsEnabled",
}
_STAGE_KEYS = {
    "ApiId",
    "StageName",
    "Description",
    "AutoDeploy",
    "StageVariables",
    "DefaultRouteSettings",
    "RouteSettings",
    "AccessLogSettings",
    "Tags",
    "DeploymentId",
    "__condition__",
}
# Resource kinds that an imported spec accounts for without a key of their own.
IMPLIED = {"deployment", "permission", "consumed"}


def _num(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    return int(f) if f.is_integer() else f


def _flag(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def settings(ctx: Ctx, res: Res, raw: Any, path: tuple[str, ...]) -> dict[str, Any]:
    """Route settings (stage defaults or one route's) in spec form."""
    if not raw:
        return {}
    raw = ctx.need(res, "RouteSettings", raw)
    out: dict[str, Any] = {}
    throttling = {}
    if raw.get("ThrottlingBurstLimit") is not None:
        throttling["burst"] = _num(raw["ThrottlingBurstLimit"])
    if raw.get("ThrottlingRateLimit") is not None:
        throttling["rate"] = _num(raw["ThrottlingRateLimit"])
    if throttling:
        out["throttling"] = throttling
    if raw.get("LoggingLevel") is not None:
        out["logging"] = str(raw["LoggingLevel"]).lower()
    if raw.get("DataTraceEnabled") is not None:
        out["data_trace"] = _flag(raw["DataTraceEnabled"])
    if raw.get("DetailedMetricsEnabled") is not None:
        out["detailed_metrics"] = _flag(raw["DetailedMetricsEnabled"])
    for key in raw:
        if key not in _SETTINGS:
            ctx.notes.skip(path, f"route setting {key}")
    return out


def stages(ctx: Ctx) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for res in ctx.of("stage"):
        ctx.used.add(res.id)
        name = ctx.text(res, "StageName")
        ctx.stages[res.id] = name
        if ctx.opts.stage is not None and name != ctx.opts.stage:
            continue
        out[name] = _stage(ctx, res, name)
    for res in ctx.of("deployment"):
        ctx.used.add(res.id)
    if list(out) == [DEFAULT_STAGE] and not out[DEFAULT_STAGE]:
        return {}  # the spec's default
    if not out:
        ctx.notes.guess(
            ("routes",), f"the input deploys no stage; wsspec deploys stage {DEFAULT_STAGE}"
        )
    return out


def _stage(ctx: Ctx, res: Res, name: str) -> dict[str, Any]:
    path = ("stages", name)
    body: dict[str, Any] = {}
    if res.get("Description"):
        body["description"] = ctx.text(res, "Description")
    if _flag(res.get("AutoDeploy")) is True:
        body["auto_deploy"] = True
    variables = ctx.need(res, "StageVariables")
    if variables:
        body["variables"] = {
            str(k): ctx.text(res, "StageVariables", v) for k, v in variables.items()
        }
    body.update(settings(ctx, res, res.get("DefaultRouteSettings"), path))
    routes = ctx.need(res, "RouteSettings") or {}
    per_route = {str(k): settings(ctx, res, v, path) for k, v in routes.items()}
    per_route = {k: v for k, v in per_route.items() if v}
    if per_route:
        body["routes"] = per_route
    access = _access_logs(ctx, res, name)
    if access is not None:
        body["access_logs"] = access
    tags = clean_tags(ctx.need(res, "Tags"))
    if tags:
        body["tags"] = tags
    for key, value in res.props.items():
        if key not in _STAGE_KEYS and value not in (None, "", {}, []):
            ctx.notes.skip(path, f"{key} {show(value)[:80]}")
    return body


def _access_logs(ctx: Ctx, res: Res, stage: str) -> Any:
    acc = ctx.need(res, "AccessLogSettings")
    if not acc:
        return None
    dest = acc.get("DestinationArn")
    fmt = acc.get("Format")
    fmt = ctx.text(res, "AccessLogSettings.Format", fmt) if fmt is not None else None
    group = ctx.graph.target(Ref(dest.target) if isinstance(dest, Ref) else None, "log_group")
    if group is None and isinstance(dest, str):
        out: dict[str, Any] = {"destination_arn": dest}
        if fmt is not None and fmt != DEFAULT_ACCESS_LOG_FORMAT:
            out["format"] = fmt
        return out
    if group is not None:
        ctx.used.add(group.id)
        wanted = names.access_log_group(ctx.names, stage)
        if group.get("LogGroupName") != wanted:
            ctx.notes.guess(
                ("stages", stage),
                f"access logs go to log group {show(group.get('LogGroupName'))}; wsspec creates {wanted}",
            )
    else:
        ctx.notes.skip(("stages", stage), f"access log destination {show(dest)}")
    if fmt is None or fmt == DEFAULT_ACCESS_LOG_FORMAT:
        return True
    return {"format": fmt}


def domain(ctx: Ctx, stage_names: list[str]) -> dict[str, Any] | None:
    mappings = ctx.of("api_mapping")
    if not mappings:
        return None
    mapping = mappings[0]
    for extra in mappings[1:]:
        ctx.used.add(extra.id)
        ctx.notes.skip(("domain",), f"API mapping {extra.id} (the spec maps one domain)")
    ctx.used.add(mapping.id)
    dom_value = mapping.get("DomainName")
    dom = ctx.graph.target(Ref(dom_value.target) if isinstance(dom_value, Ref) else None, "domain")
    if dom is None:
        dom = next((d for d in ctx.graph.of("domain") if d.get("DomainName") == dom_value), None)
    if dom is None:
        ctx.notes.skip(("domain",), f"API mapping to domain {show(dom_value)} (not in the input)")
        return None
    ctx.used.add(dom.id)
    configs = ctx.need(dom, "DomainNameConfigurations") or [{}]
    conf = configs[0] if isinstance(configs, list) and configs else {}
    cert = conf.get("CertificateArn")
    if not isinstance(cert, str):
        ctx.notes.skip(
            ("domain",),
            f"domain {show(dom.get('DomainName'))}: certificate {show(cert)} (known only once deployed)",
        )
        return None
    out: dict[str, Any] = {"name": ctx.text(dom, "DomainName"), "certificate_arn": cert}
    stage_value = mapping.get("Stage")
    stage_res = ctx.graph.target(
        Ref(stage_value.target) if isinstance(stage_value, Ref) else None, "stage"
    )
    stage = ctx.stages.get(stage_res.id) if stage_res is not None else stage_value
    if isinstance(stage, str) and (not stage_names or stage != stage_names[0]):
        out["stage"] = stage
    if mapping.get("ApiMappingKey"):
        out["base_path"] = ctx.text(mapping, "ApiMappingKey")
    policy = conf.get("SecurityPolicy")
    if policy not in (None, "TLS_1_2"):
        ctx.notes.skip(("domain",), f"SecurityPolicy {show(policy)}")
    if str(conf.get("EndpointType", "REGIONAL")).upper() != "REGIONAL":
        ctx.notes.skip(
            ("domain",),
            f"EndpointType {show(conf.get('EndpointType'))} (WebSocket domains are Regional)",
        )
    if dom.get("MutualTlsAuthentication"):
        ctx.notes.skip(("domain",), "MutualTlsAuthentication (not for WebSocket APIs)")
    return out


def vpc_links(ctx: Ctx) -> dict[str, Any]:
    from wsspec.importers.integrations import vpc_link_name

    out: dict[str, Any] = {}
    for res in ctx.graph.of("vpc_link"):
        if res.id not in ctx.used:
            continue
        body: dict[str, Any] = {}
        if res.get("Description"):
            body["description"] = ctx.text(res, "Description")
        body["target_arns"] = [
            ctx.text(res, "TargetArns", a) for a in ctx.need(res, "TargetArns") or []
        ]
        out[vpc_link_name(ctx, res)] = body
    return out


def account(ctx: Ctx) -> dict[str, Any] | None:
    found = ctx.graph.of("account")
    if not found:
        return None
    for res in found:
        ctx.used.add(res.id)
        role = ctx.graph.target(res.get("CloudWatchRoleArn"), "role")
        if role is None and isinstance(res.get("CloudWatchRoleArn"), Ref):
            role = ctx.graph.get(res.get("CloudWatchRoleArn").target)
        if role is not None:
            ctx.used.add(role.id)
    return {"cloudwatch_role": True}


def monitoring(ctx: Ctx, data: dict[str, Any]) -> Any:
    from wsspec.importers.alarms import monitoring as build

    return build(ctx, data)


def leftovers(ctx: Ctx) -> None:
    left = [
        r
        for r in ctx.graph.resources.values()
        if r.id not in ctx.used and r.kind not in IMPLIED and not r.id.startswith("__")
    ]
    if not left:
        return
    shown = ", ".join(f"{r.id} ({r.type})" for r in left[:12])
    more = f" and {len(left) - 12} more" if len(left) > 12 else ""
    ctx.notes.skip((), f"resources outside the WebSocket API: {shown}{more}")
