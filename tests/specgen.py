"""A hypothesis generator of valid wsspec specs: the input of "valid means deployable".

Driven by the JSON Schema (``schema_keys`` lists every key it defines; enums are drawn from the
schema, so a new value is generated as soon as the schema has it) and by the semantic rules the
checks enforce (names, references, which keys go together). Every key of the schema appears in
some generated spec (tests/test_valid_means_deployable.py checks that, and names a key the
generator has not learnt). Strings are drawn from small alphabets that include what escaping
and literal-keeping must handle: quotes, backslashes, ``${...}`` (CloudFormation and Terraform
syntax), ``%{``, newlines in descriptions, non-ASCII letters.

``specs()`` draws a spec as plain data; ``project(tmp, data)`` writes it with its handler
directories (handlers are created by ``wsspec build``'s stubs, as a new user would).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from wsspec import runtimes
from wsspec.schema import schema

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/existing-apigw-role"
LAMBDA_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:existing-fn"
NLB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/net/nlb/0123456789abcdef"
OIDC_ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
CERT_ARN = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/12345678-1234-1234-1234-123456789012"
KMS_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/12345678-1234-1234-1234-123456789012"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:platform-alarms"
LOG_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:shared-access-logs"


# ----------------------------------------------------------------------------- the schema
@lru_cache(maxsize=1)
def _defs() -> dict[str, Any]:
    return schema()["$defs"]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = _defs()[node["$ref"].split("/")[-1]]
    return node


def schema_keys() -> set[str]:
    """Every key path the schema defines: ``routes.*.integration.type``; ``*`` for a map's key."""
    out: set[str] = set()

    def walk(node: Any, path: str, depth: int) -> None:
        if not isinstance(node, dict) or depth > 12:
            return
        node = _resolve(node)
        for branch in node.get("oneOf", []) + node.get("anyOf", []):
            walk(branch, path, depth + 1)
        for key, sub in node.get("properties", {}).items():
            p = f"{path}.{key}" if path else key
            out.add(p)
            if key != "schema":  # a model's schema is free JSON Schema
                walk(sub, p, depth + 1)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            walk(extra, f"{path}.*", depth + 1)
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{path}[]", depth + 1)

    walk(schema(), "", 0)
    return out


def used_keys(data: Any) -> set[str]:
    """The key paths a spec uses, in ``schema_keys`` form (map keys as ``*``)."""
    keys = schema_keys()
    out: set[str] = set()

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                named = f"{path}.{key}" if path else key
                starred = f"{path}.*" if path else "*"
                if named in keys:
                    out.add(named)
                    if key != "schema":
                        walk(value, named)
                else:
                    walk(value, starred)
        elif isinstance(node, list):
            for v in node:
                walk(v, f"{path}[]")

    walk(data, "")
    return out


def enum(*path: str) -> list[Any]:
    """The ``enum`` of a schema node, found by property names (``$defs`` followed)."""
    node: dict[str, Any] = schema()
    for key in path:
        node = _resolve(node)
        if "items" in node and "properties" not in node:
            node = _resolve(node["items"])
        if key in node.get("properties", {}):
            node = node["properties"][key]
        elif key.isdigit():
            node = node["oneOf"][int(key)]
        else:
            node = _defs()[key]
    node = _resolve(node)
    if "enum" not in node and "items" in node:
        node = _resolve(node["items"])
    if "enum" not in node and isinstance(node.get("additionalProperties"), dict):
        node = _resolve(node["additionalProperties"])
    return list(node["enum"])


# ----------------------------------------------------------------------------- text
IDENT = st.sampled_from(
    ["chat", "on_connect", "send_message", "relay", "a", "x9", "orders_v2", "echo", "f_1", "yield_"]
)
WORDS = st.sampled_from(
    [
        "chat",
        "Orders API",
        "quotes-é",
        'say "hi"',
        "back\\slash",
        "cost ${AWS::AccountId}",
        "50% %{off}",
        "${Api}",
        "tab\there",
        "line\nbreak",
        "日本",
        "<b>&amp;</b>",
        "'single'",
        "#hash: colon",
        "!Ref Api",
        "{{mustache}}",
    ]
)
TAG_TEXT = st.sampled_from(
    ["team", "cost-center", "owner@example.com", "a b", "x:y/z=1+2", "日本", "Ref-like", "1234"]
)


def text(max_words: int = 3) -> st.SearchStrategy[str]:
    return st.lists(WORDS, min_size=1, max_size=max_words).map(" ".join)


def tags() -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(TAG_TEXT, st.one_of(TAG_TEXT, st.integers(0, 10**6)), max_size=4)


# ----------------------------------------------------------------------------- pieces
def _current_runtimes(language: str, *, newer: bool = True) -> list[str]:
    """Runtimes Lambda takes today; without ``newer``, only those the default's Terraform
    provider floor accepts."""
    today = runtimes.today()
    default = runtimes.BY_NAME[
        runtimes.DEFAULT_NODE if language == "nodejs" else runtimes.DEFAULT_PYTHON
    ]
    floor = runtimes.version_key(default.terraform_provider)
    return [
        r.name
        for r in runtimes.TABLE
        if r.language == language
        and r.deprecated > today
        and r.block_create > today
        and (newer or runtimes.version_key(r.terraform_provider) <= floor)
    ]


@st.composite
def function(draw: st.DrawFn, name: str, *, node: bool, with_table: bool) -> dict[str, Any]:
    ext = draw(st.sampled_from([".js", ".mjs", ".cjs"])) if node else ".py"
    f: dict[str, Any] = {}
    if draw(st.booleans()):
        f["source"] = f"src/{name}"
        f["handler"] = f"src/{name}/{draw(st.sampled_from(['app', 'index', 'lib/main']))}{ext}"
    else:
        f["handler"] = f"handlers/{name}{ext}"
    if draw(st.booleans()):
        language = "nodejs" if node else "python"
        # Runtimes newer than the defaults need a Terraform AWS provider the local mirror may
        # not have (toolcheck then skips terraform validate for the spec): draw them rarely.
        newer = draw(st.integers(0, 7)) == 0
        f["runtime"] = draw(st.sampled_from(_current_runtimes(language, newer=newer)))
    if draw(st.integers(0, 4)) == 0:
        f["entry"] = draw(st.sampled_from(["main", "on_event", "handle"]))
    if draw(st.booleans()):
        f["memory"] = draw(st.sampled_from([128, 256, 1024, 10240]))
    if draw(st.booleans()):
        f["timeout"] = draw(st.integers(1, 29))
    if draw(st.booleans()):
        f["architecture"] = draw(st.sampled_from(enum("function", "architecture")))
    if draw(st.booleans()):
        f["description"] = draw(text()).replace("\n", " ")[:200]
    if draw(st.booleans()):
        f["environment"] = draw(
            st.dictionaries(
                st.sampled_from(["STAGE", "LOG_LEVEL", "REF", "BACKEND_URL", "X1"]),
                st.one_of(text(2), st.integers(0, 99999)),
                max_size=3,
            )
        )
    if f.get("environment") and draw(st.booleans()):
        f["secret_environment"] = draw(
            st.lists(st.sampled_from(sorted(f["environment"])), min_size=1, unique=True)
        )
    if draw(st.integers(0, 2)) == 0:
        f["logging"] = draw(_logging())
    _packaging(draw, f, name, node=node)
    if draw(st.integers(0, 3)) == 0:
        f["iam"] = [draw(_statement()) for _ in range(draw(st.integers(1, 2)))]
    grants = draw(st.sets(st.sampled_from(enum("function", "grants")), max_size=2))
    if not with_table:
        grants.discard("connection_table")
    if grants or draw(st.booleans()):
        f["grants"] = sorted(grants)
    if draw(st.integers(0, 3)) == 0:
        f["tags"] = draw(tags())
    return f


@st.composite
def _logging(draw: st.DrawFn) -> dict[str, Any]:
    """Lambda's logging configuration: levels only with the JSON format (or no format)."""
    fmt = draw(st.sampled_from([None, *enum("function", "logging", "format")]))
    out: dict[str, Any] = {} if fmt is None else {"format": fmt}
    if fmt != "text":
        if draw(st.booleans()):
            out["level"] = draw(st.sampled_from(enum("function", "logging", "level")))
        if draw(st.booleans()):
            out["system_level"] = draw(st.sampled_from(enum("function", "logging", "system_level")))
    return out


# Dependencies files cost no download: ``project`` writes each one the spec names with no
# requirement in it (a comments-only requirements file, a pyproject.toml with an empty
# [project] dependencies list, a package.json without dependencies and its lock file), so pip
# and npm run once per runtime and architecture and the packaging cache serves the rest.
DEFAULT_DEPENDENCIES = ["deps/requirements.txt", "deps/pyproject.toml", "deps/node/package.json"]
_EXCLUDES = ["tests/*", "*.md", "*/tests/*", "docs/*", "*.map", "fixtures/**"]


def layer_arn(name: str, version: int) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{name}:{version}"


_LAYERS = st.builds(
    layer_arn, st.sampled_from(["shared-utils", "otel_collector", "x"]), st.integers(1, 400)
)


def _packaging(draw: st.DrawFn, f: dict[str, Any], name: str, *, node: bool) -> None:
    """A function's own dependencies (a file of its language, or ``false``), excludes and
    layers (at most 3: function_defaults adds at most 2, Lambda takes 5)."""
    choice = draw(st.integers(0, 5))
    folder = f.get("source") or f"deps/{name}"
    if choice == 1:
        f["dependencies"] = f"{folder}/package.json" if node else f"{folder}/requirements.txt"
    elif choice == 2:
        f["dependencies"] = (
            f"{folder}/package.json"
            if node
            else draw(
                st.sampled_from([f"{folder}/pyproject.toml", f"{folder}/requirements-prod.txt"])
            )
        )
    elif choice == 3:
        f["dependencies"] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        f["exclude"] = draw(
            st.lists(st.sampled_from(_EXCLUDES), min_size=1, max_size=2, unique=True)
        )
    if draw(st.integers(0, 3)) == 0:
        f["layers"] = draw(st.lists(_LAYERS, min_size=1, max_size=3, unique=True))


@st.composite
def function_defaults(draw: st.DrawFn) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if draw(st.booleans()):
        d["architecture"] = draw(st.sampled_from(enum("function_defaults", "architecture")))
    if draw(st.booleans()):
        files = draw(
            st.lists(st.sampled_from(DEFAULT_DEPENDENCIES), min_size=1, max_size=2, unique=True)
        )
        d["dependencies"] = files[0] if len(files) == 1 and draw(st.booleans()) else files
    if draw(st.booleans()):
        d["exclude"] = draw(
            st.lists(st.sampled_from(_EXCLUDES), min_size=1, max_size=2, unique=True)
        )
    if draw(st.booleans()):
        d["layers"] = draw(st.lists(_LAYERS, min_size=1, max_size=2, unique=True))
    return d


@st.composite
def _statement(draw: st.DrawFn) -> dict[str, Any]:
    st_: dict[str, Any] = {
        "actions": draw(
            st.lists(
                st.sampled_from(
                    ["s3:GetObject", "sqs:SendMessage", "dynamodb:Get*", "sns:Publish"]
                ),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
    }
    if draw(st.booleans()):
        st_["effect"] = draw(st.sampled_from(enum("function", "iam", "effect")))
    if draw(st.booleans()):
        st_["resources"] = draw(
            st.lists(
                st.sampled_from(
                    [
                        "arn:aws:s3:::assets/*",
                        f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs",
                        "arn:aws:s3:::home/${aws:username}/*",
                        "*",
                    ]
                ),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
    return st_


_TEMPLATE = st.sampled_from(
    [
        '{"connectionId": "$context.connectionId", "body": $input.body}',
        '#set($x = $input.path("$.a"))$x ${notaref} ${AWS::Region}',
        '{"statusCode": 200}',
        'text with "quotes" and \\ and %{x}',
    ]
)
_SELECTION_KEYS = st.sampled_from(["$default", "application/json", "join", "leave"])


def _templates(draw: st.DrawFn) -> dict[str, str]:
    return draw(st.dictionaries(_SELECTION_KEYS, _TEMPLATE, min_size=1, max_size=2))


@st.composite
def _responses(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"$default": None}
    if draw(st.booleans()):
        out["$default"] = {
            "templates": draw(st.dictionaries(_SELECTION_KEYS, _TEMPLATE, max_size=2)),
        }
        if draw(st.booleans()):
            out["$default"]["template_selection"] = "$integration.response.statuscode"
        if draw(st.booleans()):
            out["$default"]["content_handling"] = draw(
                st.sampled_from(enum("integrationResponse", "content_handling"))
            )
    if draw(st.booleans()):
        out[draw(st.sampled_from(["/4\\d{2}/", "/5\\d{2}/", "/error/"]))] = {}
    return out


def _non_proxy(draw: st.DrawFn, d: dict[str, Any], kind: str) -> None:
    """Templates and responses of a non-proxy integration."""
    if draw(st.booleans()):
        d["request_templates"] = _templates(draw)
        if draw(st.booleans()):
            d["template_selection"] = draw(
                st.sampled_from(["${request.body.action}", "$request.body.kind", "static"])
            )
        d["passthrough"] = draw(st.sampled_from(enum(f"{kind}Integration", "passthrough")))
    if kind != "mock" and draw(st.booleans()):
        d["content_handling"] = draw(
            st.sampled_from(enum(f"{kind}Integration", "content_handling"))
        )
    d["responses"] = draw(_responses())


@st.composite
def integration(
    draw: st.DrawFn,
    functions: list[str],
    *,
    vpc_links: list[str],
    has_table: bool,
    kinds: list[str] | None = None,
) -> dict[str, Any]:
    kind = draw(st.sampled_from(kinds or ["lambda", "http", "aws", "mock"]))
    d: dict[str, Any] = {"type": kind}
    if draw(st.integers(0, 3)) == 0:
        d["description"] = draw(text())
    if kind != "mock" and draw(st.booleans()):
        d["timeout_ms"] = draw(st.integers(50, 29000))
    if kind == "lambda":
        if functions and draw(st.integers(0, 3)):
            d["function"] = draw(st.sampled_from(functions))
        else:
            d["arn"] = LAMBDA_ARN
        proxy = draw(st.booleans())
        if not proxy or draw(st.booleans()):
            d["proxy"] = proxy
        if not proxy:
            _non_proxy(draw, d, kind)
        if draw(st.integers(0, 3)) == 0:
            d["credentials"] = ROLE_ARN
    elif kind == "http":
        d["url"] = draw(
            st.sampled_from(
                ["https://backend.example.com/ws", "http://internal.example.internal/events"]
            )
        )
        if draw(st.booleans()):
            d["method"] = draw(st.sampled_from(enum("httpIntegration", "method")))
        proxy = draw(st.booleans())
        if proxy or draw(st.booleans()):
            d["proxy"] = proxy
        if not proxy:
            _non_proxy(draw, d, kind)
        if draw(st.booleans()):
            d["request_parameters"] = {
                "integration.request.header.x-connection-id": "context.connectionId",
                "integration.request.querystring.stage": "stageVariables.env",
            }
        link = draw(st.integers(0, 3))
        if link in (1, 3) and vpc_links:  # a link to the spec's VPC link, when it has one
            d["vpc_link"] = draw(st.sampled_from(vpc_links))
        elif link == 2:
            d["vpc_link_id"] = "abc123"
    elif kind == "aws":
        _aws(draw, d, has_table)
    else:
        _non_proxy(draw, d, kind)
    return d


def _aws(draw: st.DrawFn, d: dict[str, Any], has_table: bool) -> None:
    if has_table and draw(st.booleans()):
        d["service"] = "dynamodb"
        d["action"] = draw(st.sampled_from(["PutItem", "DeleteItem", "Scan"]))
        d["resources"] = ["connection_table"]
    else:
        d["service"] = "sqs"
        if draw(st.booleans()):
            d["path"] = f"{ACCOUNT}/audit-queue"
        else:
            d["action"] = "SendMessage"
        if draw(st.booleans()):
            d["credentials"] = ROLE_ARN
        else:
            d["resources"] = [f"arn:aws:sqs:{REGION}:{ACCOUNT}:audit-queue"]
            if "path" in d or draw(st.booleans()):  # a path names no action (WS548)
                d["actions"] = ["sqs:SendMessage"]
    if draw(st.booleans()):
        d["method"] = draw(st.sampled_from(["POST", "get", "PUT"]))
    _non_proxy(draw, d, "aws")


# ----------------------------------------------------------------------------- models
_PROP_NAMES = st.sampled_from(["text", "Ref", "Fn::GetAtt", "room", "x-client", "$weird", "n"])


@st.composite
def json_schema(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    kind = draw(st.sampled_from(["object", "string", "integer", "array", "boolean"]))
    if depth >= 3:
        kind = "string"
    s: dict[str, Any] = {"type": kind}
    if kind == "object":
        props = draw(st.dictionaries(_PROP_NAMES, json_schema(depth + 1), max_size=3))
        s["properties"] = props
        if props and draw(st.booleans()):
            s["required"] = sorted(props)[:1]
        if draw(st.booleans()):
            s["additionalProperties"] = False
    elif kind == "string":
        if draw(st.booleans()):
            s["enum"] = ["a", "b ${AWS::AccountId}"]
        if draw(st.booleans()):
            s["default"] = {"Fn::GetAtt": ["Role", "Arn"]} if draw(st.booleans()) else "x"
        if draw(st.booleans()):
            s["description"] = "*/ not a comment end"
    elif kind == "array":
        s["items"] = draw(json_schema(depth + 1))
    elif kind == "integer" and draw(st.booleans()):
        s["minimum"] = 0
    return s


@st.composite
def model(draw: st.DrawFn) -> dict[str, Any]:
    sch = draw(json_schema())
    if sch["type"] != "object" or draw(st.booleans()):
        sch = {"type": "object", "properties": {"value": sch}}
    if draw(st.booleans()):
        sch["$schema"] = "http://json-schema.org/draft-04/schema#"
    if draw(st.booleans()):
        sch["definitions"] = {"item": {"type": "string"}}
        sch["properties"]["ref"] = {"$ref": "#/definitions/item"}
    m: dict[str, Any] = {"schema": sch}
    if draw(st.booleans()):
        m["content_type"] = draw(st.sampled_from(["application/json", "text/plain"]))
    if draw(st.booleans()):
        m["description"] = draw(text())
    if draw(st.booleans()):
        m["summary"] = draw(text(2)).replace("\n", " ")
    if draw(st.booleans()):
        m["examples"] = [instance(sch, full=draw(st.booleans()))]
        if draw(st.booleans()):
            m["examples"].append(instance(sch, full=True))
    return m


def instance(schema_: dict[str, Any], *, full: bool = False) -> Any:
    """A value that fits a schema drawn by ``json_schema`` (``full``: every property, not only
    the required ones)."""
    if "$ref" in schema_:
        return "ref"  # the models' only definition is a string
    kind = schema_.get("type")
    if "enum" in schema_:
        return schema_["enum"][-1 if full else 0]
    if kind == "object":
        props = schema_.get("properties") or {}
        keep = props if full else {k: props[k] for k in schema_.get("required", [])}
        return {k: instance(v, full=full) for k, v in keep.items()}
    if kind == "array":
        return [instance(schema_["items"], full=full)] if full else []
    if kind == "integer":
        return 7
    if kind == "boolean":
        return full
    return 'say "hi" ${x}' if full else ""


# ----------------------------------------------------------------------------- routes
@st.composite
def _connect(draw: st.DrawFn, target: dict[str, Any], authorizers: list[str]) -> dict[str, Any]:
    r = dict(target)
    auth = draw(st.sampled_from(["none", "iam", "authorizer", "default"]))
    if auth == "authorizer" and authorizers:
        r["authorizer"] = draw(st.sampled_from(authorizers))
    elif auth in ("none", "iam"):
        r["authorization"] = auth
    if draw(st.booleans()):
        r["request_parameters"] = {
            "route.request.querystring.token": draw(st.booleans()),
            "route.request.header.x-client": {"required": draw(st.booleans())},
        }
    if draw(st.integers(0, 3)) == 0:
        r["api_key_required"] = True
    return r


@st.composite
def _message_route(draw: st.DrawFn, target: dict[str, Any], models: list[str]) -> dict[str, Any]:
    r = dict(target)
    if models and draw(st.booleans()):
        r["model_selection"] = "$request.body.type"
        r["request_models"] = {
            draw(st.sampled_from(["chat", "join", "$default"])): draw(st.sampled_from(models))
        }
    two_way = draw(st.integers(0, 2))
    if two_way == 1:
        r["response"] = True
    elif two_way == 2:
        r["response"] = {"models": {"$default": draw(st.sampled_from(models))}} if models else {}
    if draw(st.integers(0, 3)) == 0:
        r["operation_name"] = draw(st.sampled_from(["SendMessage", "Join"]))
    return r


ROUTE_KEYS = st.sampled_from(
    ["sendmessage", "join", "leave", "chat/post", "orders:update", "ping", "a.b", "x-y", "Quote"]
)


# ----------------------------------------------------------------------------- stages
@st.composite
def _settings(draw: st.DrawFn, route: bool) -> dict[str, Any]:
    s: dict[str, Any] = {}
    if draw(st.booleans()):
        thr: dict[str, Any] = {}
        if draw(st.booleans()):
            thr["burst"] = draw(st.integers(0, 5000))
        if draw(st.booleans()):
            thr["rate"] = draw(st.one_of(st.integers(0, 10000), st.floats(0, 10000).map(round)))
        s["throttling"] = thr
    if draw(st.booleans()):
        s["logging"] = draw(st.sampled_from(enum("stage", "logging")))
    if draw(st.integers(0, 3)) == 0:
        s["data_trace"] = draw(st.booleans())
    if draw(st.booleans()):
        s["detailed_metrics"] = draw(st.booleans())
    return s


@st.composite
def stage(draw: st.DrawFn, route_keys: list[str]) -> dict[str, Any] | None:
    if draw(st.integers(0, 5)) == 0:
        return None
    s = draw(_settings(False))
    if draw(st.booleans()):
        s["auto_deploy"] = draw(st.booleans())
    if draw(st.booleans()):
        s["description"] = draw(text())
    if draw(st.booleans()):
        s["variables"] = draw(
            st.dictionaries(
                st.sampled_from(["env", "table", "backend_url", "vpcLinkId"]),
                st.sampled_from(["prod", "https://x.example.com/a?b=c&d=e", "abc123", 42]),
                max_size=3,
            )
        )
    if route_keys and draw(st.booleans()):
        keys = draw(st.lists(st.sampled_from(route_keys), max_size=2, unique=True))
        s["routes"] = {k: draw(st.one_of(st.none(), _settings(True))) for k in keys}
    logs = draw(st.integers(0, 3))
    if logs == 1:
        s["access_logs"] = True
    elif logs == 2:
        al: dict[str, Any] = {}
        if draw(st.booleans()):
            al["destination_arn"] = LOG_ARN
        if draw(st.booleans()):
            al["format"] = '$context.requestId $context.routeKey "${AWS::AccountId}"'
        s["access_logs"] = al
    if draw(st.integers(0, 2)) == 0:
        s["tags"] = draw(tags())
    return s


# ----------------------------------------------------------------------------- monitoring
@st.composite
def _alarm(draw: st.DrawFn, functions: list[str], routes: list[str], table: bool) -> Any:
    scope = draw(st.sampled_from(["api", "function", "route", "table"]))
    if scope == "function" and functions:
        a: dict[str, Any] = {
            "function": draw(st.sampled_from(functions)),
            "metric": draw(st.sampled_from(["Errors", "Throttles", "Duration"])),
        }
    elif scope == "route" and routes:
        a = {"route": draw(st.sampled_from(routes)), "metric": "MessageCount"}
    elif scope == "table" and table:
        a = {"table": True, "metric": "ConsumedWriteCapacityUnits"}
    else:
        a = {"metric": draw(st.sampled_from(["ConnectCount", "IntegrationError", "ClientError"]))}
    if draw(st.booleans()):
        a["statistic"] = draw(st.sampled_from(["Sum", "Maximum", "p90"]))
    if draw(st.booleans()):
        a["threshold"] = draw(st.sampled_from([1, 1500, 0.5]))
    if draw(st.booleans()):
        a["comparison"] = draw(st.sampled_from([">=", ">", "<", "<="]))
    if draw(st.booleans()):
        a["period"] = draw(st.sampled_from([60, 300, 10]))
    if draw(st.booleans()):
        a["evaluation_periods"] = draw(st.integers(1, 5))
        if draw(st.booleans()):
            a["datapoints_to_alarm"] = draw(st.integers(1, a["evaluation_periods"]))
    if draw(st.booleans()):
        a["treat_missing_data"] = draw(
            st.sampled_from(["breaching", "notBreaching", "ignore", "missing"])
        )
    if draw(st.booleans()):
        a["enabled"] = draw(st.booleans())
    if draw(st.booleans()):
        a["description"] = draw(text()).replace("\n", " ")
    return a


@st.composite
def monitoring(
    draw: st.DrawFn,
    functions: list[str],
    routes_with_metrics: list[str],
    stages: list[str],
    table: bool,
) -> Any:
    form = draw(st.integers(0, 3))
    if form == 0:
        return draw(st.sampled_from(["recommended", "none"]))
    m: dict[str, Any] = {}
    if draw(st.booleans()):
        m["preset"] = draw(st.sampled_from(["recommended", "none"]))
    if draw(st.booleans()):
        m["alarms"] = {
            f"custom-{i}": draw(_alarm(functions, routes_with_metrics, table))
            for i in range(draw(st.integers(1, 3)))
        }
        if routes_with_metrics and draw(st.booleans()):  # a route alarm (a stage may override it)
            m["alarms"]["route-messages"] = {
                "route": draw(st.sampled_from(routes_with_metrics)),
                "metric": "MessageCount",
            }
        if m.get("preset") == "recommended" and draw(st.booleans()):
            m["alarms"]["client-errors"] = False
    api_alarms = [
        (k, v)
        for k, v in (m.get("alarms") or {}).items()
        if v and not {"function", "table"} & set(v)
    ]
    if stages and api_alarms and draw(st.booleans()):
        route_alarms = [(k, v) for k, v in api_alarms if "route" in v]
        first, base = draw(st.sampled_from(route_alarms or api_alarms))
        override = dict(base) if base else {}
        override["threshold"] = 10  # an override may restate every key of the definition
        if draw(st.booleans()):
            override["period"] = draw(st.sampled_from([60, 600]))
        if draw(st.booleans()):
            override["comparison"] = draw(st.sampled_from([">=", "<"]))
        if draw(st.booleans()):
            override["statistic"] = draw(st.sampled_from(["Sum", "Maximum"]))
        if draw(st.booleans()):
            override["evaluation_periods"] = 3
            override["datapoints_to_alarm"] = draw(st.integers(1, 3))
        m["stages"] = {draw(st.sampled_from(stages)): {"alarms": {first: override}}}
    if draw(st.booleans()):
        notify: dict[str, Any] = {}
        if draw(st.booleans()):
            topic: dict[str, Any] = {}
            if draw(st.booleans()):
                topic["email"] = ["oncall@example.com"]
            if draw(st.booleans()):
                topic["https"] = ["https://hooks.example.com/alarms"]
            if draw(st.booleans()):
                topic["kms_key_arn"] = KMS_ARN
            notify["topic"] = topic
        if draw(st.booleans()):
            notify["topic_arns"] = [TOPIC_ARN]
        m["notify"] = notify
    if draw(st.booleans()):
        m["log_retention_days"] = draw(
            st.sampled_from(enum("monitoring", "2", "log_retention_days"))
        )
    if draw(st.booleans()):
        m["tracing"] = draw(st.booleans())
    return m


# ----------------------------------------------------------------------------- the spec
@st.composite
def connections(draw: st.DrawFn) -> Any:
    if draw(st.booleans()):
        return True
    c: dict[str, Any] = {}
    if draw(st.booleans()):
        c["table_name"] = draw(st.sampled_from(["chat-connections", "app.conn_v2"]))
    if draw(st.booleans()):
        c["key_attribute"] = draw(st.sampled_from(["connection_id", "pk", "connectionId"]))
    if draw(st.booleans()):
        c["ttl_attribute"] = draw(st.sampled_from(["expiresAt", "ttl"]))
    if draw(st.booleans()):
        c["ttl_seconds"] = draw(st.integers(60, 7200))
    if draw(st.integers(0, 3)) == 0:
        c["read_capacity"] = draw(st.integers(1, 50))
        c["write_capacity"] = draw(st.integers(1, 50))
    enc = draw(st.sampled_from([None, *enum("connections", "1", "encryption")]))
    if enc is not None:
        c["encryption"] = enc
        if enc == "customer":
            c["kms_key_arn"] = KMS_ARN
    for key in ("point_in_time_recovery", "deletion_protection"):
        if draw(st.booleans()):
            c[key] = draw(st.booleans())
    if draw(st.booleans()):
        c["deletion_policy"] = draw(st.sampled_from(enum("connections", "1", "deletion_policy")))
    if draw(st.integers(0, 2)) == 0:
        c["tags"] = draw(tags())
    return c


@st.composite
def specs(draw: st.DrawFn, *, max_routes: int = 8, large: bool = True) -> dict[str, Any]:
    """One valid spec (as plain data); ``large``: now and then 60-300 routes."""
    has_table = draw(st.booleans())
    conn = draw(connections()) if has_table else None
    fn_names = draw(st.lists(IDENT, min_size=1, max_size=4, unique=True))
    node = {n: draw(st.integers(0, 2)) == 0 for n in fn_names}
    vpc_links = ["nlb"] if draw(st.integers(0, 3)) == 0 else []
    model_names = draw(
        st.lists(st.sampled_from(["Message", "Reply", "Join2", "M"]), max_size=3, unique=True)
    )
    # authorizers use their own functions (one event shape per handler)
    auth_fns = [f"auth_{i}" for i in range(draw(st.integers(0, 2)))]
    authorizers: dict[str, Any] = {}
    for i, fn in enumerate(auth_fns):
        a: dict[str, Any] = {"function": fn} if draw(st.integers(0, 3)) else {"arn": LAMBDA_ARN}
        if draw(st.booleans()):
            a["type"] = "request"
        if draw(st.booleans()):
            a["identity_source"] = draw(
                st.lists(
                    st.sampled_from(
                        [
                            "route.request.header.Authorization",
                            "route.request.querystring.token",
                            "stageVariables.env",
                            "context.identity.sourceIp",
                        ]
                    ),
                    min_size=1,
                    max_size=2,
                    unique=True,
                )
            )
        if draw(st.integers(0, 3)) == 0:
            a["credentials"] = ROLE_ARN
        authorizers[f"token{i}"] = a
    used_auth_fns = [a["function"] for a in authorizers.values() if "function" in a]
    # one integration style per function: proxy functions vs custom (non-proxy) ones
    custom_fns = [n for n in fn_names if draw(st.integers(0, 4)) == 0]
    proxy_fns = [n for n in fn_names if n not in custom_fns]

    named: dict[str, Any] = {}
    for i in range(draw(st.integers(0, 2))):
        named[f"shared{i}"] = draw(
            integration(
                proxy_fns, vpc_links=vpc_links, has_table=has_table, kinds=["http", "mock", "aws"]
            )
        )
    if custom_fns and draw(st.booleans()):
        d = draw(
            integration(custom_fns, vpc_links=vpc_links, has_table=has_table, kinds=["lambda"])
        )
        if d.get("proxy", True) is False or "arn" in d:
            named["custom_lambda"] = d

    def target() -> dict[str, Any]:
        choice = draw(st.integers(0, 3))
        if choice == 0 and proxy_fns:
            return {"function": draw(st.sampled_from(proxy_fns))}
        if choice == 1 and named:
            return {"integration": draw(st.sampled_from(sorted(named)))}
        d = draw(integration(proxy_fns + custom_fns, vpc_links=vpc_links, has_table=has_table))
        fn = d.get("function")
        if fn is not None and (fn in custom_fns) == d.get("proxy", True):
            d["proxy"] = fn not in custom_fns  # keep each function to one style
            if d["proxy"]:
                for k in (
                    "request_templates",
                    "template_selection",
                    "passthrough",
                    "content_handling",
                    "responses",
                ):
                    d.pop(k, None)
            else:
                d["responses"] = {"$default": None}
        return {"integration": d}

    routes: dict[str, Any] = {}
    if draw(st.booleans()):
        routes["$connect"] = draw(_connect(target(), list(authorizers)))
    if draw(st.booleans()):
        routes["$disconnect"] = target()
    if draw(st.booleans()) or not routes:
        routes["$default"] = draw(_message_route(target(), model_names))
    n = draw(st.integers(0, max_routes))
    # one spec in about 30 is a large API (hypothesis favours small integers, so draw the
    # odds from its seeded Random instead)
    if large and draw(st.randoms(use_true_random=False)).random() < 0.033:
        n = draw(st.integers(60, 296))
    keys = draw(st.lists(ROUTE_KEYS, max_size=min(n, 9), unique=True))
    keys += [f"action{i:04d}" for i in range(max(0, n - len(keys)))]
    if len(keys) < 30:
        for key in keys:
            routes[key] = draw(_message_route(target(), model_names))
    else:  # a large API: routes share functions and named integrations (one inline
        # integration per route would not fit one CloudFormation stack: WS340)
        named.setdefault(
            "bulk_http", {"type": "http", "proxy": True, "url": "https://big.example.com"}
        )
        pool = [{"function": f} for f in proxy_fns] + [{"integration": n} for n in sorted(named)]
        for i, key in enumerate(keys):
            routes[key] = dict(pool[i % len(pool)])
    for key in list(routes):
        if "authorizer" in routes[key] and key != "$connect":
            del routes[key]["authorizer"]

    spec: dict[str, Any] = {"wsspec": 1, "api": draw(_api())}
    spec["routes"] = routes
    if named:
        spec["integrations"] = named
    if authorizers:
        spec["authorizers"] = authorizers
    if model_names:
        for r in routes.values():
            if draw(st.integers(0, 3)) == 0:
                r["pushes"] = draw(st.lists(st.sampled_from(model_names), min_size=1, unique=True))
    used_models = sorted(
        {m for r in routes.values() for m in r.get("pushes", [])}
        | {m for r in routes.values() for m in (r.get("request_models") or {}).values()}
        | {
            m
            for r in routes.values()
            if isinstance(r.get("response"), dict)
            for m in (r["response"].get("models") or {}).values()
        }
    )
    if used_models or (model_names and draw(st.booleans())):
        spec["models"] = {m: draw(model()) for m in (used_models or model_names)}
    stage_names = draw(
        st.lists(st.sampled_from(["prod", "dev", "staging_2", "v1-beta"]), max_size=3, unique=True)
    )
    if stage_names:
        spec["stages"] = {s: draw(stage([k for k in routes][:20])) for s in stage_names}
    all_fns = fn_names + used_auth_fns
    spec["functions"] = {
        n: draw(function(n, node=node.get(n, False), with_table=has_table)) for n in all_fns
    }
    if vpc_links:
        link: dict[str, Any] = {"target_arns": [NLB_ARN]}
        if draw(st.booleans()):
            link["description"] = draw(text())
        spec["vpc_links"] = {"nlb": link}
    if conn is not None:
        spec["connections"] = conn
    if draw(st.integers(0, 3)) == 0:
        spec["domain"] = draw(_domain(stage_names))
    if draw(st.integers(0, 2)) == 0:
        spec["account"] = draw(_account(len(routes)))
    if draw(st.integers(0, 2)) == 0:
        if draw(st.booleans()):  # per-route metrics everywhere, for route alarms
            for name in stage_names:
                spec["stages"][name] = {**(spec["stages"][name] or {}), "detailed_metrics": True}
            if not stage_names:
                spec["stages"] = {"prod": {"detailed_metrics": True}}
                stage_names = ["prod"]
        metric_routes = _detailed_routes(spec)
        spec["monitoring"] = draw(monitoring(all_fns, metric_routes, stage_names, has_table))
    python_proxy = [n for n in proxy_fns if not node[n]]
    draw(protection(spec, python_proxy))
    if draw(st.integers(0, 2)) == 0:
        spec["function_defaults"] = draw(function_defaults())
    draw(route_docs(spec))
    _kubernetes(draw, spec, stage_names)
    _tables(draw, spec)
    _built_layers(draw, spec)
    return spec


@st.composite
def route_docs(draw: st.DrawFn, spec: dict[str, Any]) -> None:
    """Documentation of routes (description, summary) and example messages: each one reaches
    its route through the route selection expression and fits the request model the model
    selection picks for it (a route without such an example gets none)."""
    for key, r in spec["routes"].items():
        if draw(st.integers(0, 3)) == 0:
            r["summary"] = draw(text(2)).replace("\n", " ")
        if draw(st.integers(0, 3)) == 0:
            r["description"] = draw(text(4)) + "\n\n- a *Markdown* list `item`"
        if key not in ("$connect", "$disconnect") and draw(st.booleans()):
            found = [
                e for e in (_example(spec, key, r, full) for full in (False, True)) if e is not None
            ]
            if found:
                r["examples"] = [
                    json.dumps(e) if draw(st.integers(0, 3)) == 0 else e for e in found
                ]


def _example(spec: dict[str, Any], key: str, r: dict[str, Any], full: bool) -> Any:
    """A message for route ``key`` that fits its request model, or None when none is found."""
    from wsspec.checks.examples import _request_model, _target
    from wsspec.messages.examples import example_error
    from wsspec.messages.selection import fields_for

    expr = spec["api"].get("route_selection", "$request.body.action")
    models = spec.get("models") or {}
    fields = fields_for(expr, "no-such-route-x" if key == "$default" else key)
    body: dict[str, Any] = {}
    for field in fields or ():
        where = body
        for part in field.path[:-1]:
            where = where.setdefault(part, {})
        where[field.path[-1]] = field.value
    model = _request_model(r, body)
    if model is not None:  # the model's fields, then the selection fields again
        picked = instance(models[model]["schema"], full=full)
        if isinstance(picked, dict):
            body = {**picked, **body}
        model = _request_model(r, body)
    if _target(expr, body, spec["routes"]) != key:
        return None
    if model is not None:
        m = models[model]
        json_model = (m.get("content_type") or "application/json") == "application/json"
        schemas = {n: v.get("schema") for n, v in models.items()}
        if not json_model or example_error(m["schema"], body, schemas):
            return None
    return body


# ----------------------------------------------------------------------------- protection
JWT_ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"


@st.composite
def _jwt(draw: st.DrawFn) -> dict[str, Any]:
    j: dict[str, Any] = {"issuer": JWT_ISSUER, "audience": ["3n4b5urk1ft4fl3mg5e62d9ado"]}
    if draw(st.booleans()):
        j["token_source"] = draw(
            st.sampled_from(
                [
                    "route.request.querystring.token",
                    "route.request.header.Authorization",
                    "route.request.header.Sec-WebSocket-Protocol",
                ]
            )
        )
    if draw(st.booleans()):
        j["jwks_uri"] = JWT_ISSUER + "/.well-known/jwks.json"
    if draw(st.booleans()):
        j["algorithms"] = draw(
            st.lists(st.sampled_from(["RS256", "ES256", "PS512", "EdDSA"]), min_size=1, unique=True)
        )
    if draw(st.booleans()):
        j["token_use"] = draw(st.sampled_from(enum("authorizer", "jwt", "token_use")))
    if draw(st.booleans()):
        j["required_claims"] = {"custom:tier": draw(st.sampled_from(["gold", ["gold", "silver"]]))}
    if draw(st.booleans()):
        j["scopes"] = ["chat/write"]
    if draw(st.booleans()):
        j["context"] = {"userId": "sub", "email": "email"}
    if draw(st.booleans()):
        j["leeway"] = draw(st.integers(0, 300))
    if draw(st.booleans()):
        j["jwks_timeout"] = draw(st.integers(1, 10))
    return j


@st.composite
def _usage_plan(draw: st.DrawFn) -> dict[str, Any]:
    plan: dict[str, Any] = {}
    if draw(st.booleans()):
        plan["description"] = draw(text())
    if draw(st.booleans()):
        plan["throttle"] = {
            "rate": draw(st.integers(1, 10000)),
            "burst": draw(st.integers(0, 5000)),
        }
    if draw(st.booleans()):
        period = draw(st.sampled_from(["DAY", "WEEK", "MONTH"]))
        plan["quota"] = {"limit": draw(st.integers(1, 10**6)), "period": period}
        if period != "DAY" and draw(st.booleans()):
            plan["quota"]["offset"] = draw(st.integers(0, 6 if period == "WEEK" else 27))
    return plan


@st.composite
def protection(draw: st.DrawFn, spec: dict[str, Any], python_proxy: list[str]) -> None:
    """Issue 18's keys, added to a finished spec: a JWT authorizer (on $connect), connection
    caps (around a Python $connect/$disconnect function), API keys and usage plans."""
    routes = spec["routes"]
    connect = routes.get("$connect")
    if connect is not None and draw(st.integers(0, 2)) == 0:
        spec.setdefault("authorizers", {})["users"] = {"jwt": draw(_jwt())}
        connect.pop("authorization", None)
        connect["authorizer"] = "users"
    conn = spec.get("connections")
    if isinstance(conn, dict) and python_proxy and draw(st.integers(0, 2)) == 0:
        fn = draw(st.sampled_from(python_proxy))
        keep = {k: v for k, v in (connect or {}).items() if k not in ("function", "integration")}
        routes["$connect"] = connect = {**keep, "function": fn}
        routes["$disconnect"] = {"function": fn}
        total = draw(st.integers(1, 10000))
        if draw(st.booleans()):
            conn["max_total"] = total
        if "authorizer" in connect and draw(st.booleans()):
            conn["max_per_user"] = draw(st.integers(1, total))
        elif "max_total" not in conn:
            conn["max_total"] = total
    if connect is not None and draw(st.integers(0, 2)) == 0:
        plans = {f"plan{i}": draw(_usage_plan()) for i in range(draw(st.integers(1, 2)))}
        spec["usage_plans"] = plans
        keys: dict[str, Any] = {}
        for i in range(draw(st.integers(1, 2))):
            k: dict[str, Any] = {"usage_plan": draw(st.sampled_from(sorted(plans)))}
            if draw(st.booleans()):
                k["description"] = draw(text())
            if draw(st.booleans()):
                k["enabled"] = draw(st.booleans())
            keys[f"partner-{i}"] = k
        spec["api_keys"] = keys
        connect["api_key_required"] = True


def _private_http(spec: dict[str, Any]) -> list[tuple[dict[str, Any], list[str]]]:
    """(integration, the routes it serves) of every http integration through a VPC link."""
    out = []
    for name, d in (spec.get("integrations") or {}).items():
        if d.get("type") == "http" and (d.get("vpc_link") or d.get("vpc_link_id")):
            served = [k for k, r in spec["routes"].items() if (r or {}).get("integration") == name]
            out.append((d, served))
    for key, r in spec["routes"].items():
        d = (r or {}).get("integration")
        if isinstance(d, dict) and d.get("type") == "http":
            if d.get("vpc_link") or d.get("vpc_link_id"):
                out.append((d, [key]))
    return out


@st.composite
def _trigger(draw: st.DrawFn, routes: list[str]) -> dict[str, Any]:
    """One KEDA trigger on an API metric (per route only on ``routes``: detailed metrics on)."""
    t: dict[str, Any] = {
        "metric": draw(st.sampled_from(["MessageCount", "ConnectCount", "IntegrationLatency"])),
        "per_replica": draw(st.sampled_from([1, 100, 2.5])),
    }
    if draw(st.booleans()):
        t["statistic"] = draw(st.sampled_from(["Sum", "Average", "p99"]))
    if draw(st.booleans()):
        t["period"] = draw(st.sampled_from([10, 60, 300]))
    if routes and draw(st.booleans()):
        t["route"] = draw(st.sampled_from(routes))
    return t


def _kubernetes(draw: st.DrawFn, spec: dict[str, Any], stage_names: list[str]) -> None:
    """Now and then: private HTTP integrations served by workloads on EKS, scaled by KEDA."""
    private = _private_http(spec)
    if not private or draw(st.integers(0, 2)) == 0:
        return
    detailed = set(_detailed_routes(spec))
    for i, (d, served) in enumerate(private):
        if draw(st.integers(0, 3)) == 0:
            continue
        k: dict[str, Any] = {"deployment": f"backend-{i}", "port": draw(st.integers(1, 65535))}
        if draw(st.booleans()):
            k["namespace"] = draw(st.sampled_from(["default", "orders", "team-a"]))
        if draw(st.booleans()):
            k["service"] = f"svc-{i}"
        if draw(st.booleans()):
            k["selector"] = {"app.kubernetes.io/name": f"backend-{i}", "tier": "ws"}
        if draw(st.booleans()):
            k["annotations"] = {"service.beta.kubernetes.io/aws-load-balancer-subnets": "a, b"}
        if len(stage_names) > 1 or (stage_names and draw(st.booleans())):
            k["stage"] = stage_names[0]
        routes = sorted(set(served) & detailed)
        if served and not routes:  # per-route metrics for one route it serves
            routes = [served[0]]
            stages = spec.setdefault("stages", {"prod": None})
            for name, st_d in list(stages.items()):
                st_d = dict(st_d or {})
                st_d["routes"] = {**(st_d.get("routes") or {}), served[0]: {}}
                st_d["routes"][served[0]] = {
                    **((st_d["routes"][served[0]]) or {}),
                    "detailed_metrics": True,
                }
                stages[name] = st_d
            detailed.add(served[0])

        lo = draw(st.integers(0, 3))
        scale: dict[str, Any] = {
            "max": draw(st.integers(max(lo, 1), 20)),
            "on": draw(_trigger(routes)),
        }
        if draw(st.booleans()):
            scale["min"] = lo
        if draw(st.integers(0, 3)):
            scale["also"] = [draw(_trigger(routes)) for _ in range(draw(st.integers(1, 3)))]
        if draw(st.booleans()):
            scale["polling_interval"] = draw(st.integers(1, 120))
        if draw(st.booleans()):
            scale["cooldown_period"] = draw(st.integers(0, 600))
        k["scale"] = scale
        d["kubernetes"] = k
    if not any("kubernetes" in d for d, _ in private):
        return
    if draw(st.booleans()):
        keda: dict[str, Any] = {"identity": "irsa", "oidc_issuer": OIDC_ISSUER}
    else:
        keda = {"identity": "pod_identity", "cluster": "ws-cluster"}
    if draw(st.booleans()):
        keda["namespace"] = "keda-system"
    if draw(st.booleans()):
        keda["service_account"] = "keda-operator"
    spec["kubernetes"] = {"keda": keda}


def _detailed_routes(spec: dict[str, Any]) -> list[str]:
    """Routes every stage publishes per-route metrics for (what a route alarm needs)."""
    stages = spec.get("stages") or {"prod": None}
    keys = []
    for key in spec["routes"]:
        if all(
            ((s or {}).get("routes") or {}).get(key)
            and (s["routes"][key] or {}).get("detailed_metrics")
            or (s or {}).get("detailed_metrics")
            for s in stages.values()
        ):
            keys.append(key)
    return keys


@st.composite
def _api(draw: st.DrawFn) -> dict[str, Any]:
    api: dict[str, Any] = {
        "name": draw(st.sampled_from(["chat", "Orders API", "quotes-é", "x" * 60, "a.b_c"]))
    }
    if draw(st.booleans()):
        api["description"] = draw(text())
    if draw(st.booleans()):
        api["route_selection"] = draw(
            st.sampled_from(
                ["$request.body.action", "${request.body.type}", "$request.body.a.b", "static"]
            )
        )
    if draw(st.booleans()):
        api["api_key_selection"] = draw(st.sampled_from(enum("api", "api_key_selection")))
    for key in ("disable_execute_api_endpoint", "disable_schema_validation"):
        if draw(st.integers(0, 3)) == 0:
            api[key] = draw(st.booleans())
    if draw(st.booleans()):
        api["ip_address_type"] = draw(st.sampled_from(enum("api", "ip_address_type")))
    if draw(st.booleans()):
        api["tags"] = draw(tags())
    return api


@st.composite
def _domain(draw: st.DrawFn, stages: list[str]) -> dict[str, Any]:
    d: dict[str, Any] = {"name": "ws.example.com", "certificate_arn": CERT_ARN}
    if stages and draw(st.booleans()):
        d["stage"] = draw(st.sampled_from(stages))
    if draw(st.booleans()):
        d["base_path"] = draw(st.sampled_from(["v1", "chat$1", "a.b-c"]))
    if draw(st.booleans()):
        d["security_policy"] = "TLS_1_2"
    if draw(st.booleans()):
        d["ip_address_type"] = draw(st.sampled_from(enum("domain", "ip_address_type")))
    return d


@st.composite
def _account(draw: st.DrawFn, routes: int) -> dict[str, Any]:
    a: dict[str, Any] = {}
    if draw(st.booleans()):
        a["cloudwatch_role"] = draw(st.booleans())
    if draw(st.booleans()):
        a["trust_conditions"] = draw(st.booleans())
    if draw(st.booleans()):
        a["quotas"] = {
            "routes": max(300, routes),
            "integrations": 500,
            "authorizers": 10,
            "stages": 20,
        }
    return a


_KEY_ATTRS = ["roomId", "sentAt", "userId", "connectionId", "name", "pk", "sk"]
_NON_KEY_ATTRS = ["body", "joinedAt", "nick-name"]
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:failed-batches"


@st.composite
def _projection(draw: st.DrawFn) -> Any:
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return draw(st.lists(st.sampled_from(_NON_KEY_ATTRS), min_size=1, max_size=2, unique=True))
    return draw(st.sampled_from(["all", "keys_only", None]))


@st.composite
def table(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """An application table (docs/tables.md): keys, indexes, TTL, stream, billing, encryption."""
    part = draw(st.sampled_from(_KEY_ATTRS))
    key: dict[str, Any] = {"partition": part}
    others = [a for a in _KEY_ATTRS if a != part]
    if draw(st.booleans()):
        key["sort"] = draw(st.sampled_from(others))
    t: dict[str, Any] = {"key": key}
    provisioned = draw(st.integers(0, 3)) == 0
    used = {part, key.get("sort")}
    if draw(st.booleans()):
        gsis: dict[str, Any] = {}
        for ix in draw(
            st.lists(
                st.sampled_from(["by_user", "gsi.x-1", "ByName"]),
                min_size=1,
                max_size=2,
                unique=True,
            )
        ):
            g: dict[str, Any] = {"partition": draw(st.sampled_from(_KEY_ATTRS))}
            if draw(st.booleans()):
                g["sort"] = draw(st.sampled_from([a for a in _KEY_ATTRS if a != g["partition"]]))
            proj = draw(_projection())
            if proj is not None:
                g["projection"] = proj
            if provisioned and draw(st.booleans()):
                g["read_capacity"] = draw(st.integers(1, 50))
                g["write_capacity"] = draw(st.integers(1, 50))
            used |= {g["partition"], g.get("sort")}
            gsis[ix] = g
        t["indexes"] = gsis
    if "sort" in key and draw(st.booleans()):
        lsis: dict[str, Any] = {}
        for ix in draw(
            st.lists(st.sampled_from(["by_time", "lsi_2"]), min_size=1, max_size=2, unique=True)
        ):
            lsi: dict[str, Any] = {"sort": draw(st.sampled_from(others))}
            proj = draw(_projection())
            if proj is not None:
                lsi["projection"] = proj
            used.add(lsi["sort"])
            lsis[ix] = lsi
        t["local_indexes"] = lsis
    used.discard(None)
    if draw(st.booleans()):
        t["attributes"] = draw(
            st.dictionaries(
                st.sampled_from(sorted(used)),
                st.sampled_from(enum("table", "attributes")),
                max_size=3,
            )
        )
    if draw(st.booleans()):
        t["ttl"] = "expiresAt"
    if draw(st.booleans()):
        t["stream"] = draw(st.sampled_from(enum("table", "stream")))
    if provisioned:
        t["billing"] = "provisioned"
        t["read_capacity"] = draw(st.integers(1, 100))
        t["write_capacity"] = draw(st.integers(1, 100))
    elif draw(st.booleans()):
        t["billing"] = "on_demand"
    enc = draw(st.sampled_from([None, *enum("table", "encryption")]))
    if enc is not None:
        t["encryption"] = enc
        if enc == "customer":
            t["kms_key_arn"] = KMS_ARN
    for k in ("point_in_time_recovery", "deletion_protection"):
        if draw(st.integers(0, 2)) == 0:
            t[k] = draw(st.booleans())
    if draw(st.integers(0, 2)) == 0:
        t["deletion_policy"] = draw(st.sampled_from(enum("table", "deletion_policy")))
    if draw(st.integers(0, 2)) == 0:
        t["table_name"] = f"app.{name}-{draw(st.integers(0, 999))}"
    if draw(st.integers(0, 3)) == 0:
        t["tags"] = draw(tags())
    return t


@st.composite
def _trigger_event(draw: st.DrawFn, table_name: str) -> dict[str, Any]:
    """A DynamoDB stream trigger of a function."""
    ev: dict[str, Any] = {"stream": table_name}
    if draw(st.booleans()):
        ev["batch_size"] = draw(st.integers(1, 10000))
    if draw(st.booleans()):
        ev["starting_position"] = draw(
            st.sampled_from(enum("function", "events", "starting_position"))
        )
    if draw(st.booleans()):
        ev["batching_window"] = draw(st.integers(0, 300))
    if draw(st.booleans()):
        ev["retry_attempts"] = draw(st.integers(-1, 10000))
    if draw(st.booleans()):
        ev["bisect_on_error"] = draw(st.booleans())
    if draw(st.booleans()):
        ev["filters"] = draw(
            st.lists(
                st.sampled_from(
                    [
                        {"eventName": ["INSERT"]},
                        {"eventName": ["MODIFY", "REMOVE"]},
                        {"dynamodb": {"NewImage": {"kind": {"S": ["chat"]}}}},
                    ]
                ),
                min_size=1,
                max_size=3,
                unique_by=json.dumps,
            )
        )
    if draw(st.booleans()):
        ev["on_failure"] = draw(st.sampled_from([QUEUE_ARN, TOPIC_ARN]))
    if draw(st.integers(0, 3)) == 0:
        ev["enabled"] = draw(st.booleans())
    return ev


def _tables(draw: st.DrawFn, spec: dict[str, Any]) -> None:
    """Now and then: application tables, functions' access levels and stream triggers (on
    functions of their own: a stream handler's event is not a route's)."""
    if draw(st.integers(0, 2)) != 0:
        return
    names_ = draw(
        st.lists(
            st.sampled_from(["messages", "rooms", "presence_2"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    tables_ = {n: draw(table(n)) for n in names_}
    seen: set[str] = set()
    for t in tables_.values():  # table_name is unique
        if t.get("table_name") in seen:
            del t["table_name"]
        seen.add(t.get("table_name", ""))
    spec["tables"] = tables_
    functions = spec["functions"]
    levels = enum("function", "tables")
    targets = [*names_, *(["connections"] if spec.get("connections") else [])]
    for f in functions.values():
        if draw(st.booleans()):
            f["tables"] = draw(
                st.dictionaries(
                    st.sampled_from(targets), st.sampled_from(levels), min_size=1, max_size=2
                )
            )
    streams = [n for n, t in tables_.items() if "stream" in t]
    for i in range(draw(st.integers(0, 2)) if streams else 0):
        node = draw(st.integers(0, 2)) == 0
        f = draw(function(f"on_stream{i}", node=node, with_table=bool(spec.get("connections"))))
        on = draw(st.lists(st.sampled_from(streams), min_size=1, max_size=2, unique=True))
        f["events"] = [draw(_trigger_event(n)) for n in on]
        if draw(st.booleans()):
            f["tables"] = {draw(st.sampled_from(targets)): draw(st.sampled_from(levels))}
        functions[f"on_stream{i}"] = f


def _effective(spec: dict[str, Any], f: dict[str, Any]) -> tuple[str, str, str]:
    """(language, runtime, architecture) of a function, defaults applied."""
    node = f["handler"].endswith((".js", ".mjs", ".cjs"))
    language = "nodejs" if node else "python"
    runtime = f.get("runtime") or (runtimes.DEFAULT_NODE if node else runtimes.DEFAULT_PYTHON)
    arch = (
        f.get("architecture")
        or (spec.get("function_defaults") or {}).get("architecture")
        or "x86_64"
    )
    return language, runtime, arch


def _layer_count(spec: dict[str, Any], f: dict[str, Any]) -> int:
    own = list(f.get("layers") or [])
    inherited = (spec.get("function_defaults") or {}).get("layers") or []
    return len(own) + len([x for x in inherited if x not in own])


@st.composite
def built_layer(
    draw: st.DrawFn, name: str, language: str, rts: list[str], archs: list[str]
) -> dict[str, Any]:
    """A layer wsspec builds: its source directory and/or a dependencies file (no download)."""
    x: dict[str, Any] = {}
    form = draw(st.sampled_from([2, 1, 0]))  # 0: source only, 1: dependencies only, 2: both
    if form != 1:
        x["source"] = f"layers/{name}/content"
    if form != 0 and len(archs) == 1:
        x["dependencies"] = (
            f"layers/{name}/package.json"
            if language == "nodejs"
            else draw(
                st.sampled_from(
                    [f"layers/{name}/requirements.txt", f"layers/{name}/pyproject.toml"]
                )
            )
        )
    if "source" not in x and "dependencies" not in x:
        x["source"] = f"layers/{name}/content"
    extra = [r for r in _current_runtimes(language, newer=False) if r not in rts]
    if extra and draw(st.booleans()):
        rts = [*rts, draw(st.sampled_from(extra))]
    x["runtimes"] = sorted(set(rts))
    other = [a for a in enum("layer", "architectures") if a not in archs]
    if "dependencies" not in x and other and draw(st.booleans()):
        archs = [*archs, *other]
    if archs != ["x86_64"] or draw(st.booleans()):
        x["architectures"] = archs
    if draw(st.integers(0, 2)) == 0:
        x["exclude"] = draw(
            st.lists(
                st.sampled_from(["python/*/tests/*", "*.md", "nodejs/node_modules/*/test/*"]),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
    if draw(st.booleans()):
        x["description"] = draw(text()).replace("\n", " ")[:256]
    return x


def _built_layers(draw: st.DrawFn, spec: dict[str, Any]) -> None:
    """Now and then: layers wsspec builds, each named by functions of one language and one
    architecture whose runtimes it lists (at most 5 layers a function)."""
    if draw(st.integers(0, 2)) != 0:
        return
    functions = spec["functions"]
    for i in range(draw(st.integers(1, 2))):
        name = f"shared-{i}" if i else "common_lib"
        fn = draw(st.sampled_from(sorted(functions)))
        language, _, arch = _effective(spec, functions[fn])
        users = [
            n
            for n, f in functions.items()
            if _effective(spec, f)[::2] == (language, arch)
            and _layer_count(spec, f) < 5
            and (n == fn or draw(st.booleans()))
        ]
        if not users:
            continue
        rts = [_effective(spec, functions[n])[1] for n in users]
        spec.setdefault("layers", {})[name] = draw(built_layer(name, language, rts, [arch]))
        for n in users:
            own = functions[n].setdefault("layers", [])
            own.insert(draw(st.integers(0, len(own))), name)


# ----------------------------------------------------------------------------- files
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)


def project(directory: Path, data: dict[str, Any]) -> Path:
    """Write the spec into ``directory`` (handlers come from ``wsspec build``'s stubs)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "spec.yaml"
    path.write_text(dump(data), encoding="utf-8")
    for name in dependency_files(data):
        write_dependencies(directory / name)
    write_layer_sources(directory, data)
    return path


def dependency_files(data: dict[str, Any]) -> list[str]:
    """Every dependencies file the spec names (its own functions' and function_defaults')."""
    named = (data.get("function_defaults") or {}).get("dependencies") or []
    files = [named] if isinstance(named, str) else list(named)
    for f in (data.get("functions") or {}).values():
        if isinstance(f, dict) and isinstance(f.get("dependencies"), str):
            files.append(f["dependencies"])
    for x in (data.get("layers") or {}).values():
        if isinstance(x.get("dependencies"), str):
            files.append(x["dependencies"])
    return sorted(set(files))


def write_layer_sources(directory: Path, data: dict[str, Any]) -> None:
    """A small module in each layer source: under python/ and nodejs/node_modules/ (a layer
    lists the runtimes of one language, but its content may hold both)."""
    for name, x in (data.get("layers") or {}).items():
        source = x.get("source")
        if not isinstance(source, str):
            continue
        root = directory / source
        py = root / "python" / "shared_util"
        py.mkdir(parents=True, exist_ok=True)
        (py / "__init__.py").write_text(
            f'LAYER = "{name}"\n\n\ndef greet() -> str:\n    return LAYER\n'
        )
        (py / "tests").mkdir(exist_ok=True)
        (py / "tests" / "test_util.py").write_text("def test_nothing() -> None:\n    pass\n")
        js = root / "nodejs" / "node_modules" / "shared-util"
        js.mkdir(parents=True, exist_ok=True)
        (js / "package.json").write_text(
            json.dumps({"name": "shared-util", "version": "1.0.0", "main": "index.js"}) + "\n"
        )
        (js / "index.js").write_text(f"exports.layer = {json.dumps(name)};\n")
        (js / "README.md").write_text("# shared-util\n")


def write_dependencies(path: Path) -> None:
    """A dependencies file of ``path``'s kind that lists nothing to download."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name == "package.json":
        package = {"name": "fn", "version": "1.0.0", "private": True}
        path.write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
        lock = {
            "name": "fn",
            "version": "1.0.0",
            "lockfileVersion": 3,
            "requires": True,
            "packages": {"": {"name": "fn", "version": "1.0.0"}},
        }
        (path.parent / "package-lock.json").write_text(json.dumps(lock, indent=2) + "\n")
    elif path.name == "pyproject.toml":
        path.write_text('[project]\nname = "fn"\nversion = "1.0.0"\ndependencies = []\n')
    else:
        path.write_text("# the standard library is enough (boto3 is in the runtime)\n")


def iter_paths(data: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield f"{prefix}.{k}" if prefix else str(k)
            yield from iter_paths(v, f"{prefix}.{k}" if prefix else str(k))


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
