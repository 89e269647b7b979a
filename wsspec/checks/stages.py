"""Stages, the custom domain and VPC links (WS601-WS603, WS607; ARNs WS417/WS608), with the
stage warnings (WS802 no throttling, WS803 execution logging without the role, WS813 data
trace)."""

from __future__ import annotations

import re
from typing import Any

from wsspec.checks.arns import check_arn
from wsspec.checks.context import Ctx, as_list, as_map, check, did_you_mean
from wsspec.loader import Path

_DOMAIN_NAME = re.compile(
    r"(?=.{1,253}$)(\*\.)?([A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def _execution_logging(s: dict[str, Any]) -> bool:
    lv = s.get("logging")
    return (isinstance(lv, str) and lv.lower() in ("error", "info")) or s.get("data_trace") is True


@check("WS417", "WS601", "WS602", "WS603", "WS607", "WS608", "WS802", "WS803", "WS813")
def stages(ctx: Ctx) -> None:
    stages = ctx.section("stages")
    if not stages and "stages" not in ctx.data:
        ctx.add(
            "WS802",
            (),
            "the default stage 'prod' has no throttling: only the account-wide "
            "limit (10,000 requests/s shared by all APIs) protects your back ends",
            "add stages: {prod: {throttling: {burst: 500, rate: 1000}}}",
        )
    for name, s in stages.items():
        _stage(ctx, name, as_map(s))
    dom = ctx.data.get("domain")
    if isinstance(dom, dict):
        _domain(ctx, dom, list(stages) or ["prod"])
    for name, v in ctx.section("vpc_links").items():
        for i, arn in enumerate(as_list(as_map(v).get("target_arns"))):
            if isinstance(arn, str):
                check_arn(ctx, ("vpc_links", name, "target_arns", i), arn, "nlb")


def _stage(ctx: Ctx, name: str, s: dict[str, Any]) -> None:
    p = ("stages", name)
    if "throttling" not in s:
        ctx.add(
            "WS802",
            p,
            f"stage {name!r} has no throttling: only the account-wide limit "
            "(10,000 requests/s shared by all APIs) protects your back ends",
            "add throttling: {burst: 500, rate: 1000}",
            key=True,
        )
    settings = [(p, s)] + [
        (p + ("routes", rk), as_map(rs)) for rk, rs in as_map(s.get("routes")).items()
    ]
    _logging(ctx, settings)
    routes = ctx.routes()
    for rk in as_map(s.get("routes")):
        if rk not in routes:
            ctx.add(
                "WS601",
                p + ("routes", rk),
                f"route {rk!r} is not defined under 'routes'",
                did_you_mean(rk, routes),
                key=True,
            )
    al = s.get("access_logs")
    if isinstance(al, dict):
        _access_logs(ctx, p + ("access_logs",), al)


def _logging(ctx: Ctx, settings: list[tuple[Path, dict[str, Any]]]) -> None:
    """WS803 (once per stage) without the account's CloudWatch role; WS813 per data trace."""
    if as_map(ctx.data.get("account")).get("cloudwatch_role") is not True:
        for sp, ss in settings:
            if _execution_logging(ss):
                which = (
                    "logging"
                    if "logging" in ss and _execution_logging({"logging": ss["logging"]})
                    else "data_trace"
                )
                ctx.add(
                    "WS803",
                    sp + (which,),
                    "execution logging fails unless the account has a CloudWatch Logs role "
                    "for API Gateway",
                    "set 'account: {cloudwatch_role: true}' or configure the role in this "
                    "account and Region",
                )
                break
    for sp, ss in settings:
        if ss.get("data_trace") is True:
            ctx.add(
                "WS813",
                sp + ("data_trace",),
                "data trace logs full message payloads; avoid it in production",
            )


def _access_logs(ctx: Ctx, p: Path, al: dict[str, Any]) -> None:
    fmt = al.get("format")
    if isinstance(fmt, str):
        if "$context.requestId" not in fmt:
            ctx.add(
                "WS603",
                p + ("format",),
                "the access log format must contain $context.requestId",
            )
        elif len(fmt) > 1024:
            ctx.add(
                "WS603",
                p + ("format",),
                f"the access log format has {len(fmt)} characters (at most 1024)",
            )
    dest = al.get("destination_arn")
    if isinstance(dest, str):
        check_arn(ctx, p + ("destination_arn",), dest, "logs")


def _domain(ctx: Ctx, dom: dict[str, Any], known: list[str]) -> None:
    st = dom.get("stage")
    if isinstance(st, str) and st not in known:
        ctx.add(
            "WS602",
            ("domain", "stage"),
            f"stage {st!r} is not defined under 'stages'",
            did_you_mean(st, known),
        )
    name = dom.get("name")
    if isinstance(name, str) and not _DOMAIN_NAME.fullmatch(name):
        ctx.add(
            "WS607", ("domain", "name"), f"{name!r} is not a domain name such as ws.example.com"
        )
    cert = dom.get("certificate_arn")
    if isinstance(cert, str):
        check_arn(ctx, ("domain", "certificate_arn"), cert, "acm")
