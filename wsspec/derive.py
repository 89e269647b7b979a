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
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from wsspec import alarms, arns, keda, names, tables
from wsspec.model import (
    CONNECTION_TABLE_REF,
    CONNECTIONS_ACCESS_NAME,
    DEFAULT_LOG_RETENTION_DAYS,
    Authorizer,
    Function,
    Integration,
    Model,
    Spec,
    plain,
)
from wsspec.monitoring import TRACING_ACTIONS

# ----------------------------------------------------------------------------- ARN tokens
RefKind = Literal[
    "literal",  # value: a literal ARN or "*"
    "log_group",  # value: log group name; rendered as arn:...:log-group:<name>:*
    "connections",  # stage + value (HTTP method): execute-api .../<stage>/<METHOD>/@connections/*
    "table",  # the spec's connection table ARN (+ suffix)
    "function",  # value: spec function name -> its ARN
    "app_table",  # value: an application table (spec name) -> its ARN (+ suffix)
    "account",  # the account id
    "execute_api_all",  # arn:<partition>:execute-api:<region>:<account>:*/* (any API, any path)
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
        if self.kind == "account":
            return account
        if self.kind == "execute_api_all":
            return arns.execute_api(partition, region, account, "*", "*")
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
# What a caller of a table encrypted with a customer managed key needs on the key (DynamoDB
# uses the key on the caller's behalf).
TABLE_KEY_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)


# ----------------------------------------------------------------------------- tags
def tags(spec: Spec, *own: Mapping[str, str]) -> dict[str, str]:
    """A resource's tags: the API's, then the resource's own (which win on the same key).

    Every taggable resource of every back end carries these (the direct deploy adds its
    ownership tag); ``function_tags``, ``stage_tags`` and ``table_tags`` name the owners.
    """
    out = dict(spec.api.tags)
    for extra in own:
        out.update(extra)
    return out


def function_tags(spec: Spec, fn: Function) -> dict[str, str]:
    """A function's tags, also on its execution role and its log group."""
    return tags(spec, fn.tags)


def stage_tags(spec: Spec, stage: str) -> dict[str, str]:
    """A stage's tags, also on its access log group."""
    return tags(spec, spec.stage(stage).tags)


def table_tags(spec: Spec) -> dict[str, str]:
    return tags(spec, spec.connections.tags if spec.connections else {})


# ----------------------------------------------------------------------------- role trust
@dataclass(frozen=True)
class Condition:
    operator: str  # StringEquals | ArnLike
    key: str  # aws:SourceAccount | aws:SourceArn
    value: Ref


@dataclass(frozen=True)
class Trust:
    """Who may assume a role wsspec creates, and on whose behalf (confused-deputy conditions)."""

    service: str
    conditions: tuple[Condition, ...] = ()


def trust(spec: Spec, service: str, *, api_role: bool = False) -> Trust:
    """Lambda roles trust Lambda. API Gateway roles trust API Gateway acting for this account
    (``aws:SourceAccount``) and, for integration roles (``api_role``), for an API of this
    account and Region (``aws:SourceArn``); ``account.trust_conditions: false`` drops both."""
    if service != APIGW_TRUST or not spec.trust_conditions:
        return Trust(service)
    conditions = [Condition("StringEquals", "aws:SourceAccount", Ref("account"))]
    if api_role:
        conditions.append(Condition("ArnLike", "aws:SourceArn", Ref("execute_api_all")))
    return Trust(service, tuple(conditions))


def trust_document(t: Trust, render: Callable[[Ref], Any]) -> dict[str, Any]:
    """``t`` as an IAM trust policy, condition values rendered by the target (``render``)."""
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": t.service}}
    statement["Action"] = "sts:AssumeRole"
    conditions: dict[str, dict[str, Any]] = {}
    for c in t.conditions:
        conditions.setdefault(c.operator, {})[c.key] = render(c.value)
    if conditions:
        statement["Condition"] = conditions
    return {"Version": "2012-10-17", "Statement": [statement]}


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
        out += table_key_statements(spec)
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
                if not fn.connection_table:
                    out += table_key_statements(spec)
            continue
        table = spec.table(name)
        out.append(Statement(sid, tables.ACCESS_ACTIONS[level], (Ref("app_table", name),)))
        if table.encryption == "customer" and table.kms_key_arn:
            key = (Ref("literal", table.kms_key_arn),)
            out.append(Statement(sid + "Key", TABLE_KEY_ACTIONS, key))
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


def table_key_statements(spec: Spec) -> list[Statement]:
    """``kms:`` grants on the connection table's customer managed key (when it has one)."""
    conn = spec.connections
    if conn is None or conn.encryption != "customer" or not conn.kms_key_arn:
        return []
    return [Statement("ConnectionTableKey", TABLE_KEY_ACTIONS, (Ref("literal", conn.kms_key_arn),))]


def tracing(spec: Spec) -> bool:
    """X-Ray active tracing for the managed functions (monitoring.tracing)."""
    return spec.monitoring is not None and spec.monitoring.tracing


def log_retention_days(spec: Spec) -> int:
    """Retention of the log groups wsspec creates (functions, access logs): the monitoring
    section's ``log_retention_days``, else 30 days (nothing is kept forever by default)."""
    mon = spec.monitoring
    if mon is not None and mon.log_retention_days is not None:
        return mon.log_retention_days
    return DEFAULT_LOG_RETENTION_DAYS


def integration_role_statements(spec: Spec, integ: Integration) -> list[Statement]:
    """Statements of the credentials role wsspec creates for an AWS service integration."""
    assert integ.role is not None
    resources = tuple(
        Ref("table") if r == CONNECTION_TABLE_REF else Ref("literal", r)
        for r in integ.role.resources
    )
    out = [Statement("Integration", integ.role.actions, resources)]
    if CONNECTION_TABLE_REF in integ.role.resources:
        out += table_key_statements(spec)
    return out


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


def _grant_target(spec: Spec, function: str | None, arn: str | None) -> tuple[str, ...]:
    """The statement-id parts naming the function granted to.

    A spec function's physical name already carries the API name, so its statements cannot
    collide with another spec's. A function named by ARN may be shared by several specs (or
    belong to another one): its statement ids also carry the API name, so two specs granting
    the same route key on one function get distinct statements and never replace each other's.
    """
    if function:
        return (function,)
    return (spec.api.name, arn or "")


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
        target = _grant_target(spec, integ.function, integ.lambda_arn)
        for stage in spec.stages:
            routes = integ.routes if per_route else ("*",)
            for route in routes:
                key = _statement_id(*target, stage.name, route)
                if key in seen:
                    continue
                seen.add(key)
                out.append(
                    Permission(key, integ.function, integ.lambda_arn, stage.name, route, None)
                )
    for auth in spec.authorizers:
        target = _grant_target(spec, auth.function, auth.lambda_arn)
        key = _statement_id(*target, "authorizer", auth.name)
        out.append(Permission(key, auth.function, auth.lambda_arn, None, None, auth.name))
    return out


# ----------------------------------------------------------------------------- models
_MODEL_URL = re.compile(r"https://apigateway\.amazonaws\.com/restapis/[^/]+/models/([^/#\"]+)")


def deployed_models(spec: Spec) -> tuple[Model, ...]:
    """The models API Gateway gets: those a route validates requests or documents responses
    with, and the models their schemas reference. A model only the clients use (``pushes``) or
    none at all stays out of AWS."""
    by_name = {m.name: m for m in spec.models}
    todo = [
        n for r in spec.routes for n in (*r.request_models.values(), *r.response_models.values())
    ]
    used: set[str] = set()
    while todo:
        name = todo.pop()
        if name in used or name not in by_name:
            continue
        used.add(name)
        todo += _MODEL_URL.findall(json.dumps(plain(by_name[name].schema)))
    return tuple(m for m in spec.models if m.name in used)


# ----------------------------------------------------------------------------- deployment hash
# Fields for the AsyncAPI document and the clients only: API Gateway never sees them, so
# changing them must not cause a new deployment.
_ROUTE_DOCS = ("summary", "description", "examples", "pushes")
_MODEL_DOCS = ("summary", "examples")
_INTEGRATION_K8S = ("kubernetes",)  # the kubernetes target only: no API Gateway change


def _without(record: dict[str, object], keys: tuple[str, ...]) -> dict[str, object]:
    return {k: v for k, v in record.items() if k not in keys}


def api_definition(spec: Spec) -> dict[str, object]:
    """Everything a Deployment snapshots (routes, integrations, authorizers, models, API)."""
    definition: dict[str, object] = plain(
        {
            "api": asdict(spec.api),
            "routes": [_without(asdict(r), _ROUTE_DOCS) for r in spec.routes],
            "integrations": [_without(asdict(i), _INTEGRATION_K8S) for i in spec.integrations],
            # A JWT authorizer's settings live in its function, not in the API definition.
            "authorizers": [
                {k: v for k, v in asdict(a).items() if k != "jwt"} for a in spec.authorizers
            ],
            "models": [_without(asdict(m), _MODEL_DOCS) for m in deployed_models(spec)],
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
    env.update(builtin_environment(spec, fn))
    for var, table in table_environment(spec, fn_name).items():
        if table != CONNECTIONS_ACCESS_NAME:
            env.setdefault(var, names.app_table_name(spec, table))
    return dict(sorted(env.items()))


def builtin_environment(spec: Spec, fn: Function) -> dict[str, str]:
    """What wsspec's own code needs: ``WSSPEC_JWT`` (a JWT authorizer's settings) and, for a
    handler behind the connection guard, ``WSSPEC_USER_HANDLER`` and ``WSSPEC_CAPS``."""
    env: dict[str, str] = {}
    if fn.builtin == "jwt-authorizer":
        env["WSSPEC_JWT"] = jwt_config_json(spec.authorizer(fn.authorizers[0]))
    if fn.user_handler is not None and spec.connections is not None:
        c = spec.connections
        env["WSSPEC_USER_HANDLER"] = fn.user_handler
        caps: dict[str, object] = {"max_per_user": c.max_per_user, "max_total": c.max_total}
        caps |= {"ttl_seconds": c.ttl_seconds, "ttl_attribute": c.ttl_attribute}
        env["WSSPEC_CAPS"] = json.dumps(caps, sort_keys=True, separators=(",", ":"))
    return env


def jwt_config_json(a: Authorizer) -> str:
    """The JSON ``wsspec.runtime.jwt_authorizer.Config.from_json`` reads."""
    assert a.jwt is not None
    j = a.jwt
    d = {
        "issuer": j.issuer,
        "audience": list(j.audience),
        "token_source": j.token_source,
        "jwks_uri": j.jwks_uri,
        "algorithms": list(j.algorithms),
        "leeway": j.leeway,
        "token_use": j.token_use,
        "required_claims": plain(j.required_claims),
        "scopes": list(j.scopes),
        "context": plain(j.context),
        "jwks_timeout": j.jwks_timeout,
    }
    return json.dumps(d, sort_keys=True, separators=(",", ":"))


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
    n += len(spec.authorizers) + len(deployed_models(spec)) + len(spec.stages)
    n += 1 if any(not s.auto_deploy for s in spec.stages) else 0  # the Deployment
    n += sum(1 for s in spec.stages if s.access_log and s.access_log.destination_arn is None)
    n += 3 * len(spec.functions)  # function, execution role, log group
    n += len(spec.layers)  # AWS::Lambda::LayerVersion
    n += len(lambda_permissions(spec, per_route=per_route))
    n += len(generated_integration_roles(spec)) + len(spec.vpc_links)
    n += 1 if spec.connections is not None else 0
    n += len(spec.tables) + sum(len(f.triggers) for f in spec.functions)
    n += 2 if spec.cloudwatch_role else 0  # AWS::ApiGateway::Account + its role
    n += 2 if spec.domain is not None else 0  # DomainName + ApiMapping
    n += len(spec.usage_plans) + 2 * len(spec.api_keys)  # plans; keys + their plan links
    k = keda.keda(spec)
    if k is not None:  # KEDA's CloudWatch role (+ its Pod Identity association)
        n += 2 if k.identity == "pod_identity" else 1
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


# ----------------------------------------------------------------------------- nested stacks
ROUTE_CHILD_TARGET = 200  # average resources per routes child (each child stays far below 500)
FUNCTION_CHILD_TARGET = 48  # functions per functions child (<= 200 outputs; ~4 resources each)


def pow2(n: int) -> int:
    return 1 << max(0, math.ceil(math.log2(max(1, n))))


def bucket(key: str, count: int) -> int:
    """A stable stack number in ``range(count)`` for a route key or function name."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % count


def route_stack_count(spec: Spec) -> int:
    ids = len(spec.routes) + sum(1 for r in spec.routes if r.two_way)
    return pow2(math.ceil(ids / ROUTE_CHILD_TARGET))


def function_stack_count(spec: Spec) -> int:
    return pow2(math.ceil(len(spec.functions) / FUNCTION_CHILD_TARGET))


def cloudformation_parent_count(spec: Spec) -> int:
    """Resources left in the parent stack when the template is split into nested stacks (the
    whole template when it fits one stack); ``targets.cloudformation.nested`` splits the same
    way. Over ``CFN_RESOURCE_LIMIT`` the API cannot be expressed in CloudFormation at all."""
    total = cloudformation_resource_count(spec, per_route=False)
    if total <= CFN_RESOURCE_LIMIT:
        return total
    count = route_stack_count(spec)
    route_ids = len(spec.routes) + sum(1 for r in spec.routes if r.two_way)
    parent = total - route_ids + len({bucket(r.key, count) for r in spec.routes})
    if parent > CFN_RESOURCE_LIMIT - CFN_RESOURCE_HEADROOM and spec.functions:
        fcount = function_stack_count(spec)
        moved = 3 * len(spec.functions) + sum(
            1
            for p in lambda_permissions(spec, per_route=False)
            if p.function is not None and p.authorizer is None
        )
        parent += len({bucket(f.name, fcount) for f in spec.functions}) - moved
    return parent
