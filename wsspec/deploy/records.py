"""The records the direct deploy is made of: tokens for generated IDs, desired resources, where.

``Out`` / ``Fmt`` / ``Json`` stand for values API Gateway generates (resolved by the executor);
``Res`` is one desired resource keyed by its natural key; ``Context`` is where the API lives;
``Facts`` holds the per-spec facts several resource builders share (role path, ARNs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wsspec import arns, derive, names
from wsspec.model import Spec

OWNER_TAG = "wsspec:spec"
RETAIN_TAG = "wsspec:retain"  # a table `wsspec destroy` leaves in place (deletion_policy: retain)
POLICY_NAME = "wsspec"
MARKER = "wsspec:"  # integration Description prefix carrying the natural key
DEPLOY_MARKER = "wsspec deployment "


# ----------------------------------------------------------------------------- tokens
@dataclass(frozen=True)
class Out:
    """A generated ID: known from the current state, or produced by an earlier step."""

    name: str  # "api", "integration:<id>", "authorizer:<name>", "route:<key>", "model:<name>", ...

    def __str__(self) -> str:
        return f"<{self.name}>"


@dataclass(frozen=True)
class Fmt:
    """``template.format(*resolved args)`` -- a string built from generated IDs."""

    template: str
    args: tuple[Out, ...]

    def __str__(self) -> str:
        return self.template.format(*(str(a) for a in self.args))


@dataclass(frozen=True)
class Json:
    """A value serialised to JSON after its tokens are resolved (policy documents, schemas)."""

    value: Any


def resolve(value: Any, ids: Mapping[str, str], *, partial: bool = False) -> Any:
    """Replace tokens by IDs. ``partial``: leave unknown tokens in place (for diffing)."""
    if isinstance(value, Out):
        if value.name in ids:
            return ids[value.name]
        if partial:
            return value
        raise KeyError(f"unresolved reference {value.name}")
    if isinstance(value, Fmt):
        args = [resolve(a, ids, partial=partial) for a in value.args]
        if any(isinstance(a, Out) for a in args):
            return value
        return value.template.format(*args)
    if isinstance(value, Json):
        inner = resolve(value.value, ids, partial=partial)
        return json.dumps(inner, sort_keys=True) if not partial else Json(inner)
    if isinstance(value, Mapping):
        return {k: resolve(v, ids, partial=partial) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [resolve(v, ids, partial=partial) for v in value]
    return value


API = Out("api")


# ----------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Res:
    kind: str
    key: str  # natural key
    props: Mapping[str, Any]  # compared field by field with the current state
    stage: str | None = None  # stage-scoped (``--stage`` filters on it)
    blob: bytes | None = field(default=None, compare=False, repr=False)  # function zip
    label: str = ""  # readable name for the plan display


@dataclass(frozen=True)
class Context:
    """Where the API lives (from ``Aws``); a plain record so planner tests need no AWS."""

    region: str
    account: str
    partition: str = "aws"

    def function_arn(self, name: str) -> str:
        return arns.lambda_function(self.partition, self.region, self.account, name)

    def role_arn(self, path: str, name: str) -> str:
        return arns.iam_role(self.partition, self.account, path, name)

    def table_arn(self, name: str) -> str:
        return arns.dynamodb_table(self.partition, self.region, self.account, name)

    def log_group_arn(self, name: str) -> str:
        return arns.log_group(self.partition, self.region, self.account, name)

    def execute_api(self, suffix: str) -> Fmt:
        return Fmt(
            arns.execute_api(self.partition, self.region, self.account, "{0}", suffix), (API,)
        )


def role_path(spec: Spec) -> str:
    """IAM path of every role wsspec creates for this spec (one ListRoles call finds them)."""
    return (
        "/wsspec/" + (re.sub(r"[^A-Za-z0-9_+=,.@-]+", "-", spec.api.name).strip("-") or "x") + "/"
    )


def owner_value(spec: Spec) -> str:
    return spec.api.name


def owner_tags(spec: Spec, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A resource's tags: the spec's (``derive.tags``: the API's, then ``extra``), then the
    ownership tag, which nothing overrides (validation refuses ``wsspec:`` tag keys)."""
    return {**derive.tags(spec, extra or {}), OWNER_TAG: owner_value(spec)}


def clean(d: Mapping[str, Any]) -> dict[str, Any]:
    """``d`` without its ``None`` values (fields the spec leaves unset)."""
    return {k: v for k, v in d.items() if v is not None}


# ----------------------------------------------------------------------------- shared facts
class Facts:
    """Per-spec facts the builders share: the role path and the ARNs policies refer to."""

    def __init__(self, spec: Spec, ctx: Context) -> None:
        self.spec = spec
        self.ctx = ctx
        self.path = role_path(spec)
        table_name = names.table_name(spec) if spec.connections else None
        self.table_arn = ctx.table_arn(table_name) if table_name else ""
        self.fn_arns = {
            f.name: ctx.function_arn(names.function_name(spec, f.name)) for f in spec.functions
        }
        self.app_table_arns = {
            t.name: ctx.table_arn(names.app_table_name(spec, t.name)) for t in spec.tables
        }

    def render(self, ref: derive.Ref) -> Any:
        ctx = self.ctx
        if ref.kind == "connections":
            return ctx.execute_api(f"{ref.stage}/{ref.value}/@connections/*")
        if ref.kind == "table":
            return self.table_arn + ref.suffix
        if ref.kind == "app_table":
            return self.app_table_arns[ref.value] + ref.suffix
        if ref.kind == "function":
            return self.fn_arns[ref.value]
        return ref.render(
            partition=ctx.partition,
            region=ctx.region,
            account=ctx.account,
            api_id="{api}",
            table_arn=self.table_arn,
            function_arn=self.fn_arns,
        )

    def policy(self, statements: list[derive.Statement]) -> dict[str, Any]:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": st.sid,
                    "Effect": st.effect,
                    "Action": list(st.actions),
                    "Resource": [self.render(r) for r in st.resources],
                }
                for st in statements
            ],
        }

    def role_arn(self, role_name: str) -> str:
        """The ARN of a role wsspec creates for this spec."""
        return self.ctx.role_arn(self.path, role_name)

    def lambda_uri(self, fn: str | None, arn: str | None) -> str:
        """The invoke URI of a spec function (``fn``) or of an existing one (``arn``)."""
        ctx = self.ctx
        return arns.lambda_invoke_uri(
            ctx.partition, ctx.region, self.fn_arns[fn] if fn else str(arn)
        )
