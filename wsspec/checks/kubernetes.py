"""Integrations' Kubernetes workloads and their KEDA scaling (the kubernetes target).

A workload sits behind an HTTP integration through a VPC link (WS380); its names are names
Kubernetes accepts (WS382) and no two integrations claim one Deployment or Service (WS385); its
stage exists (WS386). Each trigger reads an API metric of the same catalogue as ``monitoring``
(WS680) with a statistic and period CloudWatch accepts (WS682), and a per-route trigger names a
route that exists (WS180), can be written as a KEDA dimension value (WS181), has detailed
metrics on its stage (WS681) and is served by this integration (WS880, a warning). The
top-level ``kubernetes.keda`` identity exists when a workload does (WS383) and has what its
kind needs (WS384).
"""

from __future__ import annotations

import re
from typing import Any

from wsspec.checks.context import Ctx, as_list, as_map, as_str, check, did_you_mean, is_number
from wsspec.keda import (
    DIMENSION_SEPARATOR,
    is_label,
    is_label_key,
    is_label_value,
    is_subdomain,
)
from wsspec.loader import Path
from wsspec.model import DEFAULT_STAGE
from wsspec.monitoring import API_METRICS, is_period, is_statistic

_ISSUER = re.compile(r"^[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~-]+)*$")
_CLUSTER = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")


@check(
    "WS180",
    "WS181",
    "WS380",
    "WS381",
    "WS382",
    "WS383",
    "WS385",
    "WS386",
    "WS680",
    "WS681",
    "WS682",
    "WS880",
)
def workloads(ctx: Ctx) -> None:
    """Each integration's ``kubernetes`` block, and the workloads against each other."""
    seen: dict[tuple[str, str, str], str] = {}
    first: Path | None = None
    for path, d in ctx.integrations():
        kube = d.get("kubernetes")
        if not isinstance(kube, dict):
            continue
        first = first or path + ("kubernetes",)
        where = path + ("kubernetes",)
        name = path[-1] if path[0] == "integrations" else f"route {path[1]}"
        if d.get("type") != "http" or not (d.get("vpc_link") or d.get("vpc_link_id")):
            ctx.add(
                "WS380",
                where,
                f"integration {name!r} has 'kubernetes', but only an http integration through a "
                "VPC link reaches a Service in the cluster",
                "set type: http with vpc_link (or vpc_link_id), or remove 'kubernetes'",
                key=True,
            )
        _names(ctx, where, kube)
        _unique(ctx, where, kube, str(name), seen)
        _scale(ctx, where, path, kube)
    if first is not None and not isinstance(ctx.section("kubernetes").get("keda"), dict):
        ctx.add(
            "WS383",
            first,
            "an integration has 'kubernetes', but the spec has no 'kubernetes.keda' section: "
            "KEDA needs an identity to read CloudWatch",
            "add kubernetes: {keda: {identity: irsa, oidc_issuer: ...}} (or pod_identity with "
            "cluster)",
            key=True,
        )


def _names(ctx: Ctx, where: Path, kube: dict[str, Any]) -> None:
    for key, ok, kind in (
        ("namespace", is_label, "a DNS label"),
        ("service", is_label, "a DNS label"),
        ("deployment", is_subdomain, "a DNS subdomain"),
    ):
        value = as_str(kube.get(key))
        if value is not None and not ok(value):
            ctx.add(
                "WS382",
                where + (key,),
                f"{key} {value!r} is not a name Kubernetes accepts ({kind})",
                "lower-case letters, digits and '-', starting and ending with a letter or "
                "digit, at most 63 characters",
            )
    for key in ("selector", "annotations"):
        for k, v in as_map(kube.get(key)).items():
            bad = not is_label_key(k) or (
                key == "selector" and isinstance(v, str) and not is_label_value(v)
            )
            if bad:
                ctx.add(
                    "WS382",
                    where + (key, k),
                    f"{key} {k!r}: {v!r} is not a label Kubernetes accepts"
                    if key == "selector"
                    else f"annotation key {k!r} is not a key Kubernetes accepts",
                    "[prefix/]name: name at most 63 letters, digits, '-', '_' or '.', starting "
                    "and ending with a letter or digit",
                    key=not is_label_key(k),
                )
    deployment = as_str(kube.get("deployment"))
    if "service" not in kube and deployment is not None and is_subdomain(deployment):
        if not is_label(deployment):
            ctx.add(
                "WS382",
                where + ("deployment",),
                f"the Service is named after the deployment, and {deployment!r} is not a DNS label",
                "give 'service' a name without dots, at most 63 characters",
            )


def _unique(
    ctx: Ctx, where: Path, kube: dict[str, Any], name: str, seen: dict[tuple[str, str, str], str]
) -> None:
    namespace = as_str(kube.get("namespace")) or "default"
    deployment = as_str(kube.get("deployment"))
    if deployment is None:
        return
    service = as_str(kube.get("service")) or deployment
    for kind, value in (("Deployment", deployment), ("Service", service)):
        other = seen.setdefault((kind, namespace, value), name)
        if other != name:
            ctx.add(
                "WS385",
                where + ("deployment" if kind == "Deployment" else "service",),
                f"integrations {other!r} and {name!r} both use {kind} {namespace}/{value}",
                "one ScaledObject per workload: let one integration own it"
                if kind == "Deployment"
                else "give 'service' different names",
            )


def _stage(ctx: Ctx, where: Path, kube: dict[str, Any]) -> str | None:
    stages = list(ctx.section("stages")) or [DEFAULT_STAGE]
    stage = kube.get("stage")
    if stage is None:
        if len(stages) > 1:
            ctx.add(
                "WS386",
                where,
                f"the API has {len(stages)} stages: say which one's metrics drive scaling",
                f"add stage: one of {', '.join(stages)}",
                key=True,
            )
            return None
        return stages[0]
    if not isinstance(stage, str):
        return None
    if stage not in stages:
        ctx.add(
            "WS386",
            where + ("stage",),
            f"stage {stage!r} is not defined under 'stages'",
            did_you_mean(stage, stages),
        )
        return None
    return stage


def _scale(ctx: Ctx, where: Path, integ_path: Path, kube: dict[str, Any]) -> None:
    stage = _stage(ctx, where, kube)
    scale = as_map(kube.get("scale"))
    lo, hi = scale.get("min", 1), scale.get("max")
    if is_number(lo) and is_number(hi) and lo > hi:
        ctx.add(
            "WS381",
            where + ("scale", "min"),
            f"scale.min ({lo}) is above scale.max ({hi})",
        )
    triggers: list[tuple[Path, dict[str, Any]]] = []
    if isinstance(scale.get("on"), dict):
        triggers.append((where + ("scale", "on"), scale["on"]))
    for i, t in enumerate(as_list(scale.get("also"))):
        if isinstance(t, dict):
            triggers.append((where + ("scale", "also", i), t))
    for tpath, t in triggers:
        _trigger(ctx, tpath, t, stage, integ_path)


def _trigger(ctx: Ctx, tpath: Path, t: dict[str, Any], stage: str | None, integ_path: Path) -> None:
    metric = as_str(t.get("metric"))
    if metric is not None and metric not in API_METRICS:
        ctx.add(
            "WS680",
            tpath + ("metric",),
            f"{metric!r} is not a metric API Gateway publishes for WebSocket APIs",
            did_you_mean(metric, API_METRICS) or "one of " + ", ".join(API_METRICS),
        )
    statistic = t.get("statistic", "Sum")
    if isinstance(statistic, str) and not is_statistic(statistic):
        ctx.add(
            "WS682",
            tpath + ("statistic",),
            f"{statistic!r} is not a CloudWatch statistic",
            "Sum, Average, Minimum, Maximum, SampleCount or a percentile such as p99",
        )
    period = t.get("period", 60)
    if isinstance(period, int) and not isinstance(period, bool) and not is_period(period):
        ctx.add(
            "WS682",
            tpath + ("period",),
            f"period {period} s: CloudWatch takes 10, 30 or a multiple of 60 seconds",
        )
    route = as_str(t.get("route"))
    if route is not None:
        _route(ctx, tpath + ("route",), route, stage, integ_path)


def _route(ctx: Ctx, rpath: Path, route: str, stage: str | None, integ_path: Path) -> None:
    routes = ctx.routes()
    if route not in routes:
        ctx.add(
            "WS180",
            rpath,
            f"route {route!r} is not defined under 'routes'",
            did_you_mean(route, routes),
        )
        return
    if DIMENSION_SEPARATOR in route:
        ctx.add(
            "WS181",
            rpath,
            f"route {route!r} contains {DIMENSION_SEPARATOR!r}, which KEDA reads as the "
            "separator between dimension values",
            "scale on the stage's metric (leave out 'route') or rename the route",
        )
    if stage is not None and not _detailed(ctx, stage, route):
        ctx.add(
            "WS681",
            rpath,
            f"stage {stage!r} does not publish per-route metrics for {route!r} (detailed "
            "metrics are off), so this trigger never sees data",
            f"set detailed_metrics: true on stage {stage!r} or on its route {route!r} "
            "(per-route metrics cost extra)",
        )
    served = _integration_path(ctx, route)
    if served is not None and served != integ_path:
        ctx.add(
            "WS880",
            rpath,
            f"route {route!r} is served by another integration, so its load says little "
            "about this workload",
        )


def _integration_path(ctx: Ctx, route: str) -> Path | None:
    r = as_map(ctx.routes().get(route))
    integ = r.get("integration")
    if isinstance(integ, str):
        return ("integrations", integ)
    if isinstance(integ, dict):
        return ("routes", route, "integration")
    return None  # a function route: a Lambda integration


def _detailed(ctx: Ctx, stage: str, route: str) -> bool:
    s = as_map(ctx.section("stages").get(stage))
    value = as_map(as_map(s.get("routes")).get(route)).get("detailed_metrics")
    return (value if value is not None else s.get("detailed_metrics")) is True


@check("WS382", "WS384")
def keda_identity(ctx: Ctx) -> None:
    """``kubernetes.keda``: what its identity kind needs, in shapes AWS and Kubernetes accept."""
    keda = ctx.section("kubernetes").get("keda")
    if not isinstance(keda, dict):
        return
    where: Path = ("kubernetes", "keda")
    identity = keda.get("identity")
    issuer = keda.get("oidc_issuer")
    cluster = keda.get("cluster")
    if identity == "irsa" and not isinstance(issuer, str):
        ctx.add(
            "WS384",
            where,
            "identity irsa needs 'oidc_issuer': the cluster's OIDC issuer the role trusts",
            "aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer",
            key=True,
        )
    if isinstance(issuer, str) and not _ISSUER.match(issuer):
        ctx.add(
            "WS384",
            where + ("oidc_issuer",),
            f"oidc_issuer {issuer!r} is not an issuer host and path",
            "without https://, e.g. oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E5",
        )
    if identity == "pod_identity" and not isinstance(cluster, str):
        ctx.add(
            "WS384",
            where,
            "identity pod_identity needs 'cluster': the EKS cluster the association is made in",
            key=True,
        )
    if isinstance(cluster, str) and not _CLUSTER.match(cluster):
        ctx.add(
            "WS384",
            where + ("cluster",),
            f"cluster {cluster!r} is not an EKS cluster name",
            "letters, digits, '-' and '_', starting with a letter or digit, at most 100",
        )
    for key, ok in (("namespace", is_label), ("service_account", is_subdomain)):
        value = as_str(keda.get(key))
        if value is not None and not ok(value):
            ctx.add(
                "WS382",
                where + (key,),
                f"{key} {value!r} is not a name Kubernetes accepts",
                "lower-case letters, digits and '-', starting and ending with a letter or digit",
            )
