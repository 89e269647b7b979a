"""The one home of names: spec names -> CloudFormation logical IDs, Terraform labels, AWS names.

Every back end asks this module; two spec names that would collide after sanitising are
reported by ``collisions`` (a validation error), never silently overwritten.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from wsspec.model import Integration, Spec

_RESERVED_TOKENS = {"$connect": "Connect", "$disconnect": "Disconnect", "$default": "Default"}


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]


def short_hash(name: str) -> str:
    """Eight hex digits of SHA-256: keeps shortened or sanitised names unique."""
    return hashlib.sha256(name.encode()).hexdigest()[:8]


def pascal(name: str) -> str:
    """``send_message`` -> ``SendMessage``; ``$connect`` -> ``Connect``; never empty."""
    if name in _RESERVED_TOKENS:
        return _RESERVED_TOKENS[name]
    words = _words(name)
    out = "".join(w[:1].upper() + w[1:] for w in words)
    if not out:
        return "X" + short_hash(name)
    return out


def snake(name: str) -> str:
    """``quotes/get`` -> ``quotes_get``; ``$connect`` -> ``connect``; a valid Terraform label."""
    if name in _RESERVED_TOKENS:
        return _RESERVED_TOKENS[name].lower()
    words = _words(name)
    out = "_".join(w.lower() for w in words) if words else "x" + short_hash(name)
    if out[0].isdigit():
        out = "_" + out
    return out


def integration_token(integ: Integration) -> str:
    """A readable name for an integration: spec name, ``<function>`` or ``<route>`` based."""
    if integ.name is not None:
        return integ.name
    kind, _, rest = integ.id.partition(":")
    return f"{rest}-fn" if kind == "function" else f"{rest}-route"


@dataclass(frozen=True)
class Named:
    kind: str  # route | integration | authorizer | model | stage | function | vpc_link | layer
    spec_name: str
    logical: str  # CloudFormation logical ID
    label: str  # Terraform resource label


_PREFIX = {
    "route": "Route",
    "integration": "Integration",
    "authorizer": "Authorizer",
    "model": "Model",
    "stage": "Stage",
    "function": "Function",
    "vpc_link": "VpcLink",
    "api_key": "ApiKey",
    "usage_plan": "Plan",
    "layer": "Layer",
    "table": "Table",
}


MAX_LOGICAL = 255  # CloudFormation logical IDs (and output names)


def logical_id(text: str) -> str:
    """``text`` as a CloudFormation logical ID: a longer one keeps its start and ends in a hash
    of the whole (still alphanumeric, still unique)."""
    if len(text) <= MAX_LOGICAL:
        return text
    return text[: MAX_LOGICAL - 8] + short_hash(text)


def named(kind: str, spec_name: str, token: str | None = None) -> Named:
    tok = token if token is not None else spec_name
    return Named(kind, spec_name, logical_id(_PREFIX[kind] + pascal(tok)), snake(tok))


def all_names(spec: Spec) -> list[Named]:
    out = [named("route", r.key) for r in spec.routes]
    out += [named("integration", i.id, integration_token(i)) for i in spec.integrations]
    out += [named("authorizer", a.name) for a in spec.authorizers]
    out += [named("model", m.name) for m in spec.models]
    out += [named("stage", s.name) for s in spec.stages]
    out += [named("function", f.name) for f in spec.functions]
    out += [named("vpc_link", v.name) for v in spec.vpc_links]
    out += [named("api_key", k.name) for k in spec.api_keys]
    out += [named("usage_plan", p.name) for p in spec.usage_plans]
    out += [named("layer", x.name) for x in spec.layers]
    out += [named("table", t.name) for t in spec.tables]
    return out


def collisions(spec: Spec) -> list[tuple[Named, Named]]:
    """Pairs of distinct spec names of one kind whose logical ID or label is the same."""
    seen_logical: dict[tuple[str, str], Named] = {}
    seen_label: dict[tuple[str, str], Named] = {}
    out = []
    for n in all_names(spec):
        for table, key in ((seen_logical, n.logical), (seen_label, n.label)):
            other = table.get((n.kind, key))
            if other is not None and other.spec_name != n.spec_name:
                out.append((other, n))
                break
            table[(n.kind, key)] = n
    return out


# ---------------------------------------------------------------- short helpers for back ends
def route_logical(key: str) -> str:
    return named("route", key).logical


def route_label(key: str) -> str:
    return named("route", key).label


def integration_logical(integ: Integration) -> str:
    return named("integration", integ.id, integration_token(integ)).logical


def integration_label(integ: Integration) -> str:
    return named("integration", integ.id, integration_token(integ)).label


def authorizer_logical(name: str) -> str:
    return named("authorizer", name).logical


def authorizer_label(name: str) -> str:
    return named("authorizer", name).label


def model_logical(name: str) -> str:
    return named("model", name).logical


def model_label(name: str) -> str:
    return named("model", name).label


def stage_logical(name: str) -> str:
    return named("stage", name).logical


def stage_label(name: str) -> str:
    return named("stage", name).label


def function_logical(name: str) -> str:
    return named("function", name).logical


def function_label(name: str) -> str:
    return named("function", name).label


def vpc_link_logical(name: str) -> str:
    return named("vpc_link", name).logical


def vpc_link_label(name: str) -> str:
    return named("vpc_link", name).label


def api_key_logical(name: str) -> str:
    return named("api_key", name).logical


def api_key_label(name: str) -> str:
    return named("api_key", name).label


def usage_plan_logical(name: str) -> str:
    return named("usage_plan", name).logical


def usage_plan_label(name: str) -> str:
    return named("usage_plan", name).label


def usage_plan_key_logical(key: str) -> str:
    """The link between an API key and its usage plan (one plan per key)."""
    return "KeyLink" + pascal(key)


def layer_logical(name: str) -> str:
    return named("layer", name).logical


def layer_label(name: str) -> str:
    return named("layer", name).label


# ---------------------------------------------------------------- AWS physical names
def physical(*parts: str, limit: int) -> str:
    """An AWS name from ``parts``: joined by ``-``, [A-Za-z0-9_-] only, at most ``limit`` long
    (a longer name keeps its start and ends in a hash of the whole)."""
    raw = "-".join(parts)
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", raw).strip("-") or "x"
    if len(clean) > limit:
        clean = clean[: limit - 9] + "-" + short_hash(raw)
    return clean


def function_name(spec: Spec, fn: str) -> str:
    """Lambda FunctionName (<= 64 chars, [A-Za-z0-9_-])."""
    return physical(spec.api.name, fn, limit=64)


def function_role_name(spec: Spec, fn: str) -> str:
    return physical(spec.api.name, fn, "role", limit=64)


def integration_role_name(spec: Spec, integ: Integration) -> str:
    return physical(spec.api.name, integration_token(integ), "apigw", limit=64)


def account_role_name(spec: Spec) -> str:
    return physical(spec.api.name, "apigw-cloudwatch", limit=64)


def table_name(spec: Spec) -> str:
    if spec.connections and spec.connections.table_name:
        return spec.connections.table_name
    return physical(spec.api.name, "connections", limit=255)


def app_table_name(spec: Spec, table: str) -> str:
    """Physical name of an application table (``tables.<table>``)."""
    t = spec.table(table)
    if t.table_name:
        return t.table_name
    return physical(spec.api.name, table, limit=255)


def app_table_logical(table: str) -> str:
    return named("table", table).logical


def app_table_label(table: str) -> str:
    return named("table", table).label


def table_env_var(table: str) -> str:
    """The environment variable holding a granted table's name: ``messages`` -> MESSAGES_TABLE."""
    base = snake(table).strip("_").upper()
    return (base if base[:1].isalpha() else "T" + base) + "_TABLE"


def trigger_logical(fn: str, table: str) -> str:
    return "Trigger" + pascal(fn) + pascal(table) + short_hash(f"{fn}/{table}")


def trigger_label(fn: str, table: str) -> str:
    return f"{snake(fn)}__{snake(table).lstrip('_')}"


def function_log_group(spec: Spec, fn: str) -> str:
    return f"/aws/lambda/{function_name(spec, fn)}"


def access_log_group(spec: Spec, stage: str) -> str:
    return f"/aws/apigateway/{physical(spec.api.name, limit=200)}/{stage}/access"


def vpc_link_name(spec: Spec, link: str) -> str:
    return physical(spec.api.name, link, limit=128)


def api_key_name(spec: Spec, key: str) -> str:
    return physical(spec.api.name, key, limit=128)


def usage_plan_name(spec: Spec, plan: str) -> str:
    return physical(spec.api.name, plan, limit=128)


def layer_name(spec: Spec, layer: str) -> str:
    """Lambda LayerName (<= 140 chars, [A-Za-z0-9_-]); versions are published under it."""
    return physical(spec.api.name, layer, limit=140)


ZIP_STEM_LIMIT = 100  # a file name has at most 255 bytes; the writer's temporary adds ~40


def zip_name(fn: str) -> str:
    """File name of a function's deployment package inside the build directory (a long name
    keeps its start and ends in a hash of the whole, like ``physical``)."""
    stem = snake(fn)
    if len(stem) > ZIP_STEM_LIMIT:
        stem = f"{stem[: ZIP_STEM_LIMIT - 9]}_{short_hash(fn)}"
    return f"{stem}.zip"


def layer_zip_name(layer: str) -> str:
    """File name of a layer's zip inside the build directory's ``layers/``."""
    return zip_name(layer)


# ---------------------------------------------------------------- CloudFormation-only logical IDs
# Family prefixes are chosen so that none is a string prefix of another (nor of the prefixes
# above), so "<Prefix><Pascal(name)>" can never collide across kinds.
API_LOGICAL = "Api"
CONNECTION_TABLE_LOGICAL = "ConnectionTable"
ACCOUNT_LOGICAL = "ApiGatewayAccount"
ACCOUNT_ROLE_LOGICAL = "ApiGatewayCloudWatchRole"
DOMAIN_LOGICAL = "DomainName"
API_MAPPING_LOGICAL = "ApiMapping"


def deployment_logical(definition_hash: str) -> str:
    """The Deployment's logical ID carries the API-definition hash: a changed API redeploys."""
    return f"Deployment{definition_hash}"


def route_response_logical(route_key: str) -> str:
    return logical_id("TwoWay" + pascal(route_key))


def integration_response_logical(integ: Integration, key: str) -> str:
    part = "Default" if key == "$default" else pascal(key) + short_hash(key)
    return logical_id("Reply" + pascal(integration_token(integ)) + part)


def function_role_logical(fn: str) -> str:
    return logical_id("Role" + pascal(fn))


def function_log_group_logical(fn: str) -> str:
    return logical_id("Logs" + pascal(fn))


def access_log_group_logical(stage: str) -> str:
    return logical_id("AccessLogs" + pascal(stage))


def integration_role_logical(integ: Integration) -> str:
    return logical_id("ServiceRole" + pascal(integration_token(integ)))


def permission_logical(permission_key: str) -> str:
    """From ``derive.Permission.key`` (readable parts + a hash, so unique)."""
    key = (
        permission_key[len("wsspec-") :] if permission_key.startswith("wsspec-") else permission_key
    )
    return logical_id("Permission" + pascal(key))


def output_wss_url(stage: str) -> str:
    return logical_id("WebSocketUrl" + pascal(stage))


def output_function_arn(fn: str) -> str:
    return logical_id("FunctionArn" + pascal(fn))


def output_function_name(fn: str) -> str:
    return logical_id("FunctionName" + pascal(fn))


def output_callback_url(stage: str) -> str:
    return logical_id("CallbackUrl" + pascal(stage))


OUTPUT_API_ID = "ApiId"
OUTPUT_TABLE_NAME = "ConnectionTableName"
OUTPUT_TABLE_ARN = "ConnectionTableArn"
OUTPUT_FUNCTION_ARNS = "FunctionArns"  # all functions in one output, when one each would not fit
OUTPUT_FUNCTION_NAMES = "FunctionNames"
OUTPUT_DOMAIN_TARGET = "DomainTarget"
OUTPUT_DOMAIN_URL = "CustomDomainUrl"


def alarm_logical(alarm_key: str) -> str:
    """From ``monitoring.Alarm.key`` (``prod/connect-spike``); hashed so separators cannot collide."""
    return logical_id("Alarm" + pascal(alarm_key) + short_hash(alarm_key))


ALARM_TOPIC_LOGICAL = "NotifyTopic"


def nested_stack_logical(kind: str, number: int) -> str:
    """``AWS::CloudFormation::Stack`` holding part of a large API (``kind``: routes | functions)."""
    return "Nested" + pascal(kind) + str(number)


def nested_template_name(kind: str, number: int, fmt: str) -> str:
    """The child template's file name, next to ``template.<fmt>``: ``routes-1.yaml``."""
    return f"{kind}-{number}.{'json' if fmt == 'json' else 'yaml'}"


def topic_subscription_logical(protocol: str, endpoint: str) -> str:
    return logical_id(
        "NotifySubscription" + pascal(protocol) + short_hash(f"{protocol}:{endpoint}")
    )
