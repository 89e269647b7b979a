"""ARNs the spec gives for existing resources (WS608 malformed, WS417 too long).

No check of its own: the families that hold an ARN call ``check_arn`` (and declare both codes).
"""

from __future__ import annotations

import re

from wsspec.checks.context import Ctx
from wsspec.loader import Path

ARN_SHAPES = {
    "lambda": (
        re.compile(
            r"arn:aws[a-z\-]*:lambda:[a-z0-9\-]+:\d{12}:function:[A-Za-z0-9_\-]{1,64}(:[A-Za-z0-9_$\-]+)?"
        ),
        "a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)",
    ),
    "role": (
        re.compile(r"arn:aws[a-z\-]*:iam::\d{12}:role/[\w+=,.@\-/]+"),
        "an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
    ),
    "logs": (
        re.compile(r"arn:aws[a-z\-]*:logs:[a-z0-9\-]+:\d{12}:log-group:[\w\-./#]+(:\*)?"),
        "a CloudWatch Logs log group ARN (arn:aws:logs:<region>:<account>:log-group:<name>)",
    ),
    "acm": (
        re.compile(r"arn:aws[a-z\-]*:acm:[a-z0-9\-]+:\d{12}:certificate/[A-Za-z0-9\-]+"),
        "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
    ),
    "sns": (
        re.compile(r"arn:aws[a-z\-]*:sns:[a-z0-9\-]+:\d{12}:[A-Za-z0-9_\-]{1,256}(\.fifo)?"),
        "an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)",
    ),
    "nlb": (
        re.compile(
            r"arn:aws[a-z\-]*:elasticloadbalancing:[a-z0-9\-]+:\d{12}:loadbalancer/net/[\w\-]+/[0-9a-f]+"
        ),
        "a Network Load Balancer ARN (arn:aws:elasticloadbalancing:...:loadbalancer/net/<name>/<id>)",
    ),
}


def check_arn(ctx: Ctx, path: Path, value: str, kind: str) -> None:
    pattern, what = ARN_SHAPES[kind]
    if len(value) > 2048:
        ctx.add("WS417", path, f"the ARN has {len(value)} characters (at most 2048)")
    elif not pattern.fullmatch(value):
        ctx.add("WS608", path, f"{value!r} is not {what}")
