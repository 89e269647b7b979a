"""Facts computed once from the model and rendered by every back end.

CloudFormation, Terraform and the direct deploy all ask this module which Lambda permissions
exist, which IAM statements each role holds and what the API definition hash is, so the three
cannot drift apart. ARNs that depend on where the API lives (region, account, API id, table)
are returned as ``Ref`` tokens; each back end renders a token in its own language, with the
shapes of ``wsspec.arns``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Literal

from wsspec import alarms, arns, names, tables
from wsspec.model import CONNECTION_TABLE_REF, CONNECTIONS_ACCESS_NAME, Integration, Spec, plain
from wsspec.monitoring import TRACING_ACTIONS

# ----------------------------------------------------------------------------- ARN tokens
RefKind = Literal[
    "literal",  # value: a literal ARN or "*"
    "log_group",  # value: log group name; rendered as arn:...:log-group:<name>:*
    "connections",  # stage + value (HTTP method): execute-api .../<stage>/<METHOD>/@connections/*
    "table",  # the spec's connection table ARN (+ suffix)
    "function",  # value: spec function name -> its ARN
    "app_table",  # value: an application table (spec name) -> its ARN (+ suffix)
]


@dataclass(frozen=True)
class Ref:
    kind: RefKind
    value: str = ""
    stage: str = ""
    suffix: str = ""  # table ARNs: "/index/<name>" or "/stream/*"

    def render(
        self,
        *,
        partition: str,
        region: str,
        account: str,
        api_id: str,
        table_arn: str = "",
        function_arn: dict[str, str] | None = None,
        app_table_arn: dict[str, str] | None = None,
    ) -> str:
        """A concrete ARN (used by the direct deploy; templates render tokens themselves)."""
        if self.kind == "literal":
            return self.value
        if self.kind == "log_group":
            return arns.log_streams(partition, region, account, self.value)
        if self.kind == "connections":
            return arns.connections(partition, region, account, api_id, self.stage, self.value)
        if self.kind == "table":
            return table_arn + self.suffix
        if self.kind == "app_table":
            return (app_table_arn or {})[self.value] + self.suffix
        return (function_arn or {})[self.value]


@dataclass(frozen=True)
class Statement:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[Ref, ...]
    effect: str = "Allow"


TABLE_ACTIONS = (
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
)
CONNECTION_METHODS = ("POST", "GET", "DELETE")
LAMBDA_TRUST = "lambda.amazonaws.com"
APIGW_TRUST = "apigateway.amazonaws.com"
CLOUDWATCH_POLICY = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"  # arns.managed_policy
BASIC_LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


def function_statements(spec: Spec, fn_name: str) -> list[Statement]:
    """Least-privilege statements of a function's execution role."""
    fn = spec.function(fn_name)
    out = [
        Statement(
            "Logs", BASIC_LOG_ACTIONS, (Ref("log_group", names.function_log_group(spec, fn.name)),)
        )
    ]
    if fn.manage_connections:
        out.append(
            Statement(
                "ManageConnections",
                ("execute-api:ManageConnections",),
                tuple(
                    Ref("connections", m, s.name) for s in spec.stages for m in CONNECTION_METHODS
                ),
            )
        )
    if fn.connection_table and spec.connections is not None:
        out.append(Statement("ConnectionTable", TABLE_ACTIONS, (Ref("table"),)))
    out += table_statements(spec, fn_name)
    if tracing(spec):
        # X-Ray has no resource-level permissions: "*" is the narrowest grant there is.
        out.append(Statement("Tracing", TRACING_ACTIONS, (Ref("literal", "*"),)))
    for i, st in enumerate(fn.iam, start=1):
        out.append(
            Statement(
                f"Custom{i}", st.actions, tuple(Ref("literal", r) for r in st.resources), st.effect
            )
        )
    return out


def table_statements(spec: Spec, fn_name: str) -> list[Statement]:
    """A function's table access (``tables:``) and stream triggers: exactly each level's
    actions, on the granted table, its indexes (Query and Scan, with read access) and its
    stream (for a trigger) -- never on any other table."""
    fn = spec.function(fn_name)
    out: list[Statement] = []
    for name, level in fn.tables.items():
        sid = "Table" + names.pascal(name)
        if name == CONNECTIONS_ACCESS_NAME:
            if spec.connections is not None:
                out.append(Statement(sid, tables.ACCESS_ACTIONS[level], (Ref("table"),)))
            continue
        table = spec.table(name)
        out.append(Statement(sid, tables.ACCESS_ACTIONS[level], (Ref("app_table", name),)))
        if tables.reads(level) and table.indexes:
            index_refs = tuple(
                Ref("app_table", name, suffix=tables.index_suffix(i.name)) for i in table.indexes
            )
            out.append(Statement(sid + "Indexes", tables.INDEX_ACTIONS, index_refs))
    for trig in fn.triggers:
        out.append(
            Statement(
                "Stream" + names.pascal(trig.table),
                tables.STREAM_ACTIONS,
                (Ref("app_table", trig.table, suffix=tables.STREAM_SUFFIX),),
            )
        )
    return out


def table_environment(spec: Spec, fn_name: str) -> dict[str, str]:
    """Variables holding the names of the tables a function may use: variable -> table (the
    spec name, or ``connections``). Back ends render each value as a reference to the table."""
    fn = spec.function(fn_name)
    out: dict[str, str] = {}
    for name in fn.tables:
        if name == CONNECTIONS_ACCESS_NAME and spec.connections is None:
            continue
        if names.table_env_var(name) not in fn.environment:
            out[names.table_env_var(name)] = name
    return out


def tracing(spec: Spec) -> bool:
    """X-Ray active tracing for the managed functions (monitoring.tracing)."""
    return spec.monitoring is not None and spec.monitoring.tracing


def log_retention_days(spec: Spec) -> int | None:
    """Retention of the log groups wsspec creates (functions, access logs); None = never expire."""
    return spec.monitoring.log_retention_days if spec.monitoring is not None else None


def integration_role_statements(spec: Spec, integ: Integration) -> list[Statement]:
    """Statements of the credentials role wsspec creates for an AWS service integration."""
    assert integ.role is not None
    resources = tuple(
        Ref("table") if r == CONNECTION_TABLE_REF else Ref("literal", r)
        for r in integ.role.resources
    )
    return [Statement("Integration", integ.role.actions, resources)]


def generated_integration_roles(spec: Spec) -> list[Integration]:
    return [i for i in spec.integrations if i.role is not None]


# ----------------------------------------------------------------------------- permissions
@dataclass(frozen=True)
class Permission:
    """One ``lambda:InvokeFunction`` grant to apigateway.amazonaws.com.

    ``source_path`` is the part of the SourceArn after ``arn:...:execute-api:R:A:{apiId}/``:
    ``{stage}/{routeKey}``, ``{stage}/*`` (collapsed) or ``authorizers/{authorizerId}`` (the
    authorizer id is filled in by the back end; ``authorizer`` names it).
    """

    key: str  # natural key, stable across runs (deploy diffs by it; also the statement id)
    function: str | None  # spec function
    function_arn: str | None  # existing function (integration or authorizer with ``arn``)
    stage: str | None
    route: str | None  # route key, or "*" when collapsed
    authorizer: str | None

    @property
    def source_path(self) -> str:
        if self.authorizer is not None:
            return "authorizers/{authorizer_id}"
        return f"{self.stage}/{self.route}"


def _statement_id(*parts: str) -> str:
    """Lambda StatementId: [a-zA-Z0-9-_]{1,100}; readable, with a hash to stay unique."""
    raw = "|".join(parts)
    readable = "-".join(names.snake(p) if p != "*" else "all" for p in parts)
    return f"wsspec-{readable}"[:90] + "-" + hashlib.sha256(raw.encode()).hexdigest()[:8]


def lambda_permissions(spec: Spec, *, per_route: bool = True) -> list[Permission]:
    """Every Lambda permission the API needs, scoped to API, stage and route.

    With ``per_route=False`` route permissions collapse to one per function and stage
    (``{stage}/*``); see ``permission_strategy`` (issue: large APIs).
    """
    out: list[Permission] = []
    seen: set[str] = set()
    for integ in spec.integrations:
        if integ.kind != "lambda":
            continue
        target = integ.function or integ.lambda_arn or ""
        for stage in spec.stages:
            routes = integ.routes if per_route else ("*",)
            for route in routes:
                key = _statement_id(target, stage.name, route)
                if key in seen:
                    continue
                seen.add(key)
                out.append(
                    Permission(key, integ.function, integ.lambda_arn, stage.name, route, None)
                )
    for auth in spec.authorizers:
        target = auth.function or auth.lambda_arn or ""
        key = _statement_id(target, "authorizer", auth.name)
        out.append(Permission(key, auth.function, auth.lambda_arn, None, None, auth.name))
    return out


# ----------------------------------------------------------------------------- deployment hash
def api_definition(spec: Spec) -> dict[str, object]:
    """Everything a Deployment snapshots (routes, integrations, authorizers, models, API)."""
    definition: dict[str, object] = plain(
        {
            "api": asdict(spec.api),
            "routes": [asdict(r) for r in spec.routes],
            "integrations": [asdict(i) for i in spec.integrations],
            "authorizers": [asdict(a) for a in spec.authorizers],
            "models": [asdict(m) for m in spec.models],
            "vpc_links": [asdict(v) for v in spec.vpc_links],
        }
    )
    return definition


def api_definition_hash(spec: Spec, length: int = 12) -> str:
    blob = json.dumps(api_definition(spec), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:length]


# ----------------------------------------------------------------------------- URLs / URIs
def aws_service_uri(integ: Integration, partition: str, region: str) -> str:
    """IntegrationUri of an AWS service integration (by action, else by path)."""
    assert integ.kind == "aws" and integ.service is not None
    if integ.action:
        return arns.service_action_uri(partition, region, integ.service, integ.action)
    return arns.service_path_uri(partition, region, integ.service, integ.path or "")


def wss_url(api_id: str, region: str, stage: str) -> str:
    return f"wss://{api_id}.execute-api.{region}.amazonaws.com/{stage}"


def callback_url(api_id: str, region: str, stage: str) -> str:
    return f"https://{api_id}.execute-api.{region}.amazonaws.com/{stage}"


def environment(spec: Spec, fn_name: str) -> dict[str, str]:
    """A function's environment: the spec's variables plus what wsspec wires in.

    ``CONNECTIONS_TABLE`` (when the function uses the table) and ``CONNECTIONS_TTL_SECONDS``.
    The callback endpoint is *not* set here: handlers build it from the event (custom domains
    and stages differ per request); ``WSSPEC_CALLBACK_URL`` overrides it (``wsspec serve``).
    """
    fn = spec.function(fn_name)
    env = dict(fn.environment)
    uses_connections = fn.connection_table or CONNECTIONS_ACCESS_NAME in fn.tables
    if uses_connections and spec.connections is not None:
        env.setdefault("CONNECTIONS_TABLE", names.table_name(spec))
        env.setdefault("CONNECTIONS_TTL_SECONDS", str(spec.connections.ttl_seconds))
        env.setdefault("CONNECTIONS_TTL_ATTRIBUTE", spec.connections.ttl_attribute)
    for var, table in table_environment(spec, fn_name).items():
        if table != CONNECTIONS_ACCESS_NAME:
            env.setdefault(var, names.app_table_name(spec, table))
    return dict(sorted(env.items()))


# ----------------------------------------------------------------------------- CloudFormation quotas
CFN_RESOURCE_LIMIT = 500  # resources per stack (hard quota)
CFN_TEMPLATE_LIMIT = 1_048_576  # bytes of a template read from S3 (hard quota)
CFN_INLINE_TEMPLATE_LIMIT = 51_200  # bytes of a template passed inline (without --s3-bucket)
# Per-route permissions are kept only while the stack stays this far below the limit, so
# resources a user appends to the stack (or a few more routes) do not push it over 500.
CFN_RESOURCE_HEADROOM = 50


def cloudformation_resource_count(spec: Spec, *, per_route: bool) -> int:
    """The exact number of resources wsspec's CloudFormation template has for ``spec``.

    Mirrors ``wsspec.targets.cloudformation`` (a test renders every sample and generated spec
    and compares), so the permission decision needs no rendering.
    """
    n = 1  # the Api
    n += len(spec.routes) + sum(1 for r in spec.routes if r.two_way)
    n += len(spec.integrations)
    n += sum(len(i.responses) for i in spec.integrations if not i.proxy)
    n += len(spec.authorizers) + len(spec.models) + len(spec.stages)
    n += 1 if any(not s.auto_deploy for s in spec.stages) else 0  # the Deployment
    n += sum(1 for s in spec.stages if s.access_log and s.access_log.destination_arn is None)
    n += 3 * len(spec.functions)  # function, execution role, log group
    n += len(lambda_permissions(spec, per_route=per_route))
    n += len(generated_integration_roles(spec)) + len(spec.vpc_links)
    n += 1 if spec.connections is not None else 0
    n += len(spec.tables) + sum(len(f.triggers) for f in spec.functions)
    n += 2 if spec.cloudwatch_role else 0  # AWS::ApiGateway::Account + its role
    n += 2 if spec.domain is not None else 0  # DomainName + ApiMapping
    mon = spec.monitoring
    if mon is not None:
        n += len(alarms.expand(spec))
        if mon.create_topic:
            n += 1 + len(mon.topic_emails) + len(mon.topic_https)  # topic + subscriptions
    return n


def permission_strategy(spec: Spec) -> bool:
    """True: one Lambda permission per route (and stage); False: one per function and stage.

    Per-route grants are the most precise, and are kept while the CloudFormation stack stays
    within ``CFN_RESOURCE_LIMIT - CFN_RESOURCE_HEADROOM`` resources. Every back end (Terraform,
    direct deploy) asks this function so all produce the same grants.
    """
    budget = CFN_RESOURCE_LIMIT - CFN_RESOURCE_HEADROOM
    return cloudformation_resource_count(spec, per_route=True) <= budget
