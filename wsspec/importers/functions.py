"""Functions and the connection table: Lambda settings, handler files, grants and environment.

A function's IAM statements become the spec's one-word grants where they match what wsspec
grants (``execute-api:ManageConnections`` -> ``manage_connections``, DynamoDB actions on the
connection table -> ``connection_table``), logging and tracing statements are implied, and
the rest with literal resources become ``iam`` statements. Environment variables that name the
connection table become its name (the name ``serve`` gives the local table); ones that need the
deployed API (its id, its URL) are not imported.
"""

from __future__ import annotations

import re
from typing import Any

from wsspec import names
from wsspec.derive import TABLE_ACTIONS
from wsspec.importers import tables as tables_part
from wsspec.importers.context import (
    Ctx,
    local_id,
    refers_to_api,
    refers_to_table,
    snake_id,
    strip_affix,
    unique,
)
from wsspec.importers.graph import Res
from wsspec.importers.handlers import FileIndex, locate
from wsspec.importers.values import Pseudo, Ref, is_literal, show
from wsspec.model import (
    CONNECTION_KEY,
    DEFAULT_FUNCTION_TIMEOUT,
    DEFAULT_MEMORY,
    DEFAULT_NODE_RUNTIME,
    DEFAULT_PYTHON_RUNTIME,
    DEFAULT_TTL_ATTRIBUTE,
    DEFAULT_TTL_SECONDS,
)
from wsspec.monitoring import TRACING_ACTIONS

LAMBDA_DEFAULT_TIMEOUT = 3
_AFFIXES = ("Function", "Lambda", "Handler", "Fn")
_RUNTIME = re.compile(r"^(python3\.[0-9]+|nodejs[0-9]+\.x)$")
_LOG_ACTIONS = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
_BASIC_POLICIES = ("AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole")
_TABLE_TEMPLATES = ("DynamoDBCrudPolicy", "DynamoDBWritePolicy", "DynamoDBReadPolicy")
_WIRED = ("CONNECTIONS_TABLE", "CONNECTIONS_TTL_SECONDS", "CONNECTIONS_TTL_ATTRIBUTE")
_TABLE_KEYS = {
    "SSESpecification",
    "PointInTimeRecoverySpecification",
    "DeletionProtectionEnabled",
    "TableName",
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "TimeToLiveSpecification",
    "Tags",
    "__condition__",
    "__stream_arn__",
}


# ----------------------------------------------------------------------------- the table
def _hash_key(table: Res) -> tuple[str | None, bool]:
    keys = table.get("KeySchema") or []
    hash_key = next((k.get("AttributeName") for k in keys if k.get("KeyType") == "HASH"), None)
    return hash_key, any(k.get("KeyType") == "RANGE" for k in keys)


def find_table(ctx: Ctx) -> None:
    """The connection table: partition key ``connectionId`` and no sort key."""
    for table in ctx.graph.of("table"):
        hash_key, has_range = _hash_key(table)
        if hash_key == CONNECTION_KEY and not has_range:
            ctx.table = table
            name = table.get("TableName")
            ctx.table_name = ctx.text(table, "TableName") if name is not None else None
            return


def connections(ctx: Ctx) -> Any:
    table = ctx.table
    if table is None:
        return None
    ctx.used.add(table.id)
    out: dict[str, Any] = {}
    derived = names.table_name(_no_table(ctx))
    if ctx.table_name is not None and ctx.table_name != derived:
        out["table_name"] = ctx.table_name
    elif ctx.table_name is None:
        ctx.notes.guess(
            ("connections",), f"the input lets AWS name the table; wsspec names it {derived}"
        )
    ttl = ctx.need(table, "TimeToLiveSpecification") or {}
    if ttl.get("Enabled") in (True, "true", "True") and ttl.get("AttributeName"):
        if ttl["AttributeName"] != DEFAULT_TTL_ATTRIBUTE:
            out["ttl_attribute"] = ctx.text(table, "TimeToLiveSpecification", ttl["AttributeName"])
    else:
        ctx.notes.guess(
            ("connections",),
            f"the table has no TTL; wsspec's expires items by `{DEFAULT_TTL_ATTRIBUTE}`",
        )
    if ctx.ttl_seconds is not None and ctx.ttl_seconds != DEFAULT_TTL_SECONDS:
        out["ttl_seconds"] = ctx.ttl_seconds
    if str(table.get("BillingMode", "PROVISIONED")).upper() == "PROVISIONED":
        thr = ctx.need(table, "ProvisionedThroughput") or {}
        out["read_capacity"] = int(thr.get("ReadCapacityUnits") or 5)
        out["write_capacity"] = int(thr.get("WriteCapacityUnits") or 5)
    out.update(tables_part.options(ctx, table, ("connections",)))
    for key, value in table.props.items():
        if key not in _TABLE_KEYS and value not in (None, {}, [], False):
            ctx.notes.skip(("connections",), f"{key} {show(value)[:80]}")
    return out or True


def _no_table(ctx: Ctx) -> Any:
    from wsspec.importers.context import NameSpec, _Api

    return NameSpec(_Api(ctx.api_name)).as_spec()


# ----------------------------------------------------------------------------- naming
def used_functions(ctx: Ctx) -> list[Res]:
    from wsspec.importers.integrations import lambda_target

    used: list[str] = []
    for res in ctx.of("integration") + ctx.of("authorizer"):
        uri = res.get("IntegrationUri") if res.kind == "integration" else res.get("AuthorizerUri")
        fn, _, _ = lambda_target(ctx, uri) if uri is not None else (None, None, False)
        if fn is not None and fn.id not in used:
            used.append(fn.id)
    if ctx.graph.by_wsspec:  # wsspec's own output: every function belongs to the spec
        return ctx.graph.of("function")
    used += tables_part.triggered(ctx)  # stream triggers of the application tables
    return [f for f in ctx.graph.of("function") if f.id in used]


def name_functions(ctx: Ctx) -> None:
    prefix = names.function_name(ctx.names, "x")[:-1]
    taken: set[str] = set()
    for fn in used_functions(ctx):
        physical = fn.get("FunctionName")
        if isinstance(fn.get("__name__"), str):
            name = fn.get("__name__")
        elif (
            isinstance(physical, str)
            and physical.startswith(prefix)
            and len(physical) > len(prefix)
        ):
            name = physical[len(prefix) :]
        elif fn.type.startswith("aws_"):
            label = local_id(fn)
            name = snake_id(strip_affix(label, _AFFIXES)) if label != label.lower() else label
        elif isinstance(physical, str) and fn.type == "live":
            name = physical
        else:
            name = snake_id(strip_affix(local_id(fn), _AFFIXES))
        ctx.functions[fn.id] = unique(name, taken)


# ----------------------------------------------------------------------------- functions
def functions(ctx: Ctx) -> dict[str, Any]:
    index = FileIndex(ctx.opts.out_dir)
    out: dict[str, Any] = {}
    for fn in ctx.graph.of("function"):
        name = ctx.functions.get(fn.id)
        if name is None:
            continue
        ctx.used.add(fn.id)
        out[name] = _function(ctx, fn, name, index)
    return out


def _function(ctx: Ctx, fn: Res, name: str, index: FileIndex) -> dict[str, Any]:
    path = ("functions", name)
    body: dict[str, Any] = {}
    runtime = fn.get("Runtime")
    runtime = ctx.text(fn, "Runtime") if runtime is not None else None
    handler = ctx.text(fn, "Handler") if fn.get("Handler") is not None else "index.handler"
    found = locate(index, ctx.graph.project_dir, fn.get("Code") or {}, handler, runtime, name)
    body["handler"] = found.handler
    if found.source is not None:
        body["source"] = found.source
    if found.entry != "handler":
        body["entry"] = found.entry
    if found.note:
        ctx.notes.guess(path, found.note)
    default_rt = (
        DEFAULT_NODE_RUNTIME
        if found.handler.endswith((".js", ".mjs", ".cjs"))
        else DEFAULT_PYTHON_RUNTIME
    )
    if runtime is not None and not _RUNTIME.match(runtime):
        ctx.notes.skip(path, f"Runtime {runtime} (wsspec runs Python and Node.js functions)")
    elif runtime is not None and runtime != default_rt:
        body["runtime"] = runtime
    _settings(ctx, fn, body, path)
    grants, iam, access = _permissions(ctx, fn, path)
    env = _environment(ctx, fn, path, "connection_table" in grants or "connections" in access)
    if env:
        body["environment"] = env
    if iam:
        body["iam"] = iam
    if grants:
        body["grants"] = grants
    if access:
        body["tables"] = access
    triggers = tables_part.events(ctx, fn, path)
    if triggers:
        body["events"] = triggers
    physical = fn.get("FunctionName")
    if isinstance(physical, str) and physical != ctx.physical_function(name):
        ctx.notes.guess(
            path, f"FunctionName {physical}: wsspec names it {ctx.physical_function(name)}"
        )
    for key, value in (fn.get("Unsupported") or {}).items():
        ctx.notes.skip(path, f"{key} {show(value)[:80]}")
    return body


def _settings(ctx: Ctx, fn: Res, body: dict[str, Any], path: tuple[str, ...]) -> None:
    memory = ctx.number(fn, "MemorySize")
    if memory is not None and memory != DEFAULT_MEMORY:
        body["memory"] = int(memory)
    timeout = ctx.number(fn, "Timeout")
    if timeout is None:
        timeout = LAMBDA_DEFAULT_TIMEOUT  # what Lambda (and SAM, Terraform) use when none is set
    if timeout != DEFAULT_FUNCTION_TIMEOUT:
        body["timeout"] = int(timeout)
    arch = ctx.need(fn, "Architectures") or ["x86_64"]
    if arch and arch[0] != "x86_64":
        body["architecture"] = ctx.text(fn, "Architectures", arch[0])
    if fn.get("Description"):
        body["description"] = ctx.text(fn, "Description")


def _environment(ctx: Ctx, fn: Res, path: tuple[str, ...], table_grant: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (fn.get("Environment") or {}).items():
        if table_grant and key in _WIRED:
            if (
                key == "CONNECTIONS_TTL_SECONDS"
                and isinstance(value, (str, int))
                and str(value).isdigit()
            ):
                ctx.ttl_seconds = int(value)
            if (
                key != "CONNECTIONS_TTL_ATTRIBUTE"
                or not isinstance(value, str)
                or value == _ttl_attr(ctx)
            ):
                continue
        if tables_part.wired_environment(ctx, key, value, path):
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (str, int, float)) and not refers_to_table(ctx, value):
            out[key] = value if isinstance(value, (str, int)) else str(value)
        elif refers_to_table(ctx, value):
            out[key] = names.table_name(ctx.names)
        elif refers_to_api(ctx, value):
            ctx.notes.skip(
                path,
                f"environment {key} = {show(value)} (the deployed API: handlers get the "
                "callback URL from the event, or WSSPEC_CALLBACK_URL under wsspec serve)",
            )
        else:
            ctx.notes.skip(path, f"environment {key} = {show(value)} (known only once deployed)")
    return out


def _ttl_attr(ctx: Ctx) -> str:
    ttl = (ctx.table.get("TimeToLiveSpecification") or {}) if ctx.table is not None else {}
    return str(ttl.get("AttributeName") or DEFAULT_TTL_ATTRIBUTE)


# ----------------------------------------------------------------------------- permissions
def _statements(ctx: Ctx, fn: Res) -> tuple[list[dict[str, Any]], list[Any], list[Any]]:
    from wsspec.importers.cloudformation import role_of

    statements = list(fn.get("Statements") or [])
    managed = list(fn.get("ManagedPolicies") or [])
    role = role_of(ctx.graph, fn)
    if role is not None:
        ctx.used.add(role.id)
        statements += role.get("Statements") or []
        managed += role.get("ManagedPolicies") or []
    elif isinstance(fn.get("Role"), str):
        ctx.notes.skip(
            ("functions", ctx.functions[fn.id]),
            f"Role {fn.get('Role')} (wsspec creates each function's role)",
        )
    return statements, managed, list(fn.get("SamPolicies") or [])


def _permissions(
    ctx: Ctx, fn: Res, path: tuple[str, ...]
) -> tuple[list[str], list[Any], dict[str, str]]:
    statements, managed, templates = _statements(ctx, fn)
    grants: list[str] = []
    iam: list[Any] = []
    access: dict[str, str] = {}  # application table -> access level
    for st in statements:
        if not tables_part.take_access(ctx, st, access, path):
            _statement(ctx, st, grants, iam, path)
    for pol in managed:
        text = show(pol)
        if text.endswith(_BASIC_POLICIES) or (
            text.endswith("AWSXRayDaemonWriteAccess") and fn.get("Tracing")
        ):
            continue
        ctx.notes.skip(path, f"managed policy {text}")
    for tpl in templates:
        ((tname, args),) = tpl.items()
        if tables_part.take_template(ctx, tname, args, access):
            continue
        if tname in _TABLE_TEMPLATES and refers_to_table(ctx, (args or {}).get("TableName")):
            if "connection_table" not in grants:
                grants.append("connection_table")
            continue
        ctx.notes.skip(path, f"SAM policy template {tname} {show(args)[:80]}")
    order = ["manage_connections", "connection_table"]
    return sorted(grants, key=order.index), iam, access


def _statement(
    ctx: Ctx, st: dict[str, Any], grants: list[str], iam: list[Any], path: tuple[str, ...]
) -> None:
    if st.get("Unsupported") is not None:
        ctx.notes.skip(path, f"IAM statement {show(st)[:120]}")
        return
    actions = [a for a in st["Action"] if isinstance(a, str)]
    resources = st["Resource"]
    effect = st.get("Effect", "Allow")
    if effect == "Allow" and actions and set(actions) <= _LOG_ACTIONS:
        return
    if effect == "Allow" and actions and set(actions) <= set(TRACING_ACTIONS):
        return
    if effect == "Allow" and actions == ["execute-api:ManageConnections"]:
        if "manage_connections" not in grants:
            grants.append("manage_connections")
        return
    if effect == "Allow" and resources and all(refers_to_table(ctx, r) for r in resources):
        if all(a.startswith("dynamodb:") for a in actions):
            if "connection_table" not in grants:
                grants.append("connection_table")
            extra = sorted(set(actions) - set(TABLE_ACTIONS) - {"dynamodb:*"})
            if extra:
                ctx.notes.skip(
                    path,
                    f"{', '.join(extra)} on the connection table (the grant covers {', '.join(TABLE_ACTIONS)})",
                )
            return
    literal = [r for r in resources if isinstance(r, str)]
    if len(literal) != len(resources) or not is_literal(actions):
        ctx.notes.skip(
            path,
            f"IAM statement {', '.join(actions)} on {', '.join(show(r) for r in resources)} (resources known only once deployed)",
        )
        return
    item: dict[str, Any] = {}
    if effect != "Allow":
        item["effect"] = effect
    item["actions"] = actions
    if literal != ["*"]:
        item["resources"] = literal
    iam.append(item)


def is_pseudo(value: Any) -> bool:
    return isinstance(value, Pseudo) or (
        isinstance(value, Ref) and value.target.startswith("AWS::")
    )
