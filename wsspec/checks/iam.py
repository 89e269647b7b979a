"""Custom IAM statements: functions' ``iam`` and AWS service integrations' ``actions`` and
``resources`` (WS547 malformed, WS548 a generated role without actions, WS842 every action on
every resource).

IAM refuses a policy whose action is not ``service:Action`` (wildcards allowed) or whose
resource is neither ``*`` nor an ARN; both fail only when the role is created, so validation
says it first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from wsspec.checks.context import Ctx, as_list, as_map, check
from wsspec.loader import Path

ACTION = re.compile(r"\*|[a-z0-9][a-z0-9-]*:[A-Za-z0-9*?]+")
# arn:partition:service:region:account:resource (region and account may be empty; wildcards
# and policy variables such as ${aws:username} are allowed in the parts).
RESOURCE = re.compile(r"arn:(\*|aws[a-z-]*):[a-z0-9*?-]+:[a-z0-9*?${}:-]*:[0-9*?${}:a-z-]*:.+")


def statements(ctx: Ctx) -> Iterator[tuple[Path, list[Any], list[Any]]]:
    """(path, actions, resources) of every custom statement in the spec."""
    for name, f in ctx.section("functions").items():
        for i, st in enumerate(as_list(as_map(f).get("iam"))):
            st = as_map(st)
            resources = as_list(st.get("resources")) if "resources" in st else ["*"]
            yield ("functions", name, "iam", i), as_list(st.get("actions")), resources
    for path, integ in ctx.integrations():
        if integ.get("type") == "aws" and ("actions" in integ or "resources" in integ):
            yield path, as_list(integ.get("actions")), as_list(integ.get("resources"))


@check("WS547", "WS842")
def custom_statements(ctx: Ctx) -> None:
    for path, actions, resources in statements(ctx):
        for i, action in enumerate(actions):
            if isinstance(action, str) and not ACTION.fullmatch(action):
                ctx.add(
                    "WS547",
                    path + ("actions", i),
                    f"{action!r} is not an IAM action (service:Action, e.g. dynamodb:GetItem)",
                )
        for i, res in enumerate(resources):
            if res in ("*", "connection_table") or not isinstance(res, str):
                continue
            if not RESOURCE.fullmatch(res):
                ctx.add(
                    "WS547",
                    path + ("resources", i),
                    f"{res!r} is neither '*' nor an ARN (arn:partition:service:region:account:…)",
                )
        if "*" in actions and "*" in resources:
            ctx.add(
                "WS842",
                path,
                "the statement allows every action on every resource",
                "name the actions and resources the function needs",
                key=True,
            )


@check("WS548")
def integration_role_actions(ctx: Ctx) -> None:
    """An AWS integration without ``credentials`` gets a generated role whose actions are
    ``actions``, else ``<service>:<action>``; one that calls a ``path`` names none, and IAM
    refuses a statement without actions (cfn-lint E3510)."""
    for path, integ in ctx.integrations():
        if integ.get("type") != "aws" or integ.get("credentials"):
            continue
        if as_list(integ.get("actions")) or ("action" in integ and "actions" not in integ):
            continue
        ctx.add(
            "WS548",
            path,
            "the role wsspec creates for this integration would allow no action",
            "list the IAM actions the call needs in 'actions' (e.g. [sqs:SendMessage]), "
            "or give 'credentials'",
            key=True,
        )
