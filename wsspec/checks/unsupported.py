"""Features AWS does not offer for WebSocket APIs (WS701-WS710): JWT/Cognito authorizers, WAF,
X-Ray, CORS, HTTP-API-only integration settings, v2 VPC links, private endpoints, mutual TLS,
authorizer caching, other protocols.

These keys are not in the schema; the explanatory finding claims its path, so the schema's
"unknown key" (WS001) or "value not allowed" (WS004) for it is dropped. This check runs first
so that later checks see the claims.
"""

from __future__ import annotations

from typing import Any

from wsspec.checks.context import Ctx, as_map, check
from wsspec.loader import Path

_AUTH_WHY = (
    "WebSocket APIs support only Lambda REQUEST authorizers and IAM",
    "give the authorizer a 'jwt' section (issuer, audience): wsspec generates a Lambda "
    "REQUEST authorizer that verifies the token",
)
_WAF = (
    "AWS WAF cannot be associated with WebSocket API stages (REST APIs only)",
    "filter at the $connect authorizer, or put WAF in front of your own back end",
)
_XRAY = (
    "API Gateway X-Ray tracing exists for REST APIs only; WebSocket stages cannot be traced",
    "trace the Lambda functions instead (monitoring: {tracing: true})",
)
_CORS = (
    "WebSocket APIs have no CORS (it is an HTTP API feature)",
    "check the Origin header in the $connect handler or authorizer",
)
_ENDPOINT = (
    (
        "WebSocket APIs are Regional only and reachable over the internet: there are no "
        "edge-optimized or private endpoints and no resource policies"
    ),
    None,
)
_MTLS = (
    "mutual TLS is documented for REST and HTTP API custom domains only",
    "authenticate clients in a $connect authorizer",
)
_V2LINK = (
    (
        "WebSocket private integrations use REST (v1) VPC links to Network Load Balancers; "
        "v2 VPC links (subnets, security groups, ALB, Cloud Map) are for HTTP APIs"
    ),
    "give 'target_arns' with NLB ARNs",
)
_PAYLOAD = (
    (
        "WebSocket integrations always use the 1.0 event format; payload format 2.0, "
        "integration subtypes, response parameters and TLS config are HTTP API features"
    ),
    None,
)
_CACHE = (
    (
        "authorizer result caching and simple responses are HTTP API features; a WebSocket "
        "authorizer runs once per connection"
    ),
    None,
)
_PROTOCOL = ("wsspec describes WebSocket APIs only", None)

# (section pattern, key) -> (code, (message, hint)); "*" matches any name
_UNSUPPORTED_KEYS: dict[tuple[str, ...], dict[str, tuple[str, tuple[str, str | None]]]] = {
    (): {
        "waf": ("WS702", _WAF),
        "web_acl": ("WS702", _WAF),
        "web_acl_arn": ("WS702", _WAF),
        "cors": ("WS704", _CORS),
        "tracing": ("WS703", _XRAY),
        "xray": ("WS703", _XRAY),
    },
    ("api",): {
        "cors": ("WS704", _CORS),
        "cors_configuration": ("WS704", _CORS),
        "waf": ("WS702", _WAF),
        "web_acl": ("WS702", _WAF),
        "web_acl_arn": ("WS702", _WAF),
        "tracing": ("WS703", _XRAY),
        "xray": ("WS703", _XRAY),
        "endpoint_type": ("WS707", _ENDPOINT),
        "endpoint": ("WS707", _ENDPOINT),
        "policy": ("WS707", _ENDPOINT),
        "resource_policy": ("WS707", _ENDPOINT),
        "vpc_endpoint_ids": ("WS707", _ENDPOINT),
        "protocol": ("WS710", _PROTOCOL),
        "protocol_type": ("WS710", _PROTOCOL),
    },
    ("stages", "*"): {
        "tracing": ("WS703", _XRAY),
        "tracing_enabled": ("WS703", _XRAY),
        "xray": ("WS703", _XRAY),
        "waf": ("WS702", _WAF),
        "web_acl": ("WS702", _WAF),
        "web_acl_arn": ("WS702", _WAF),
        "cors": ("WS704", _CORS),
    },
    ("routes", "*"): {"authorization_scopes": ("WS701", _AUTH_WHY), "cors": ("WS704", _CORS)},
    ("domain",): {
        "mutual_tls": ("WS708", _MTLS),
        "mtls": ("WS708", _MTLS),
        "truststore_uri": ("WS708", _MTLS),
        "truststore": ("WS708", _MTLS),
        "endpoint_type": ("WS707", _ENDPOINT),
    },
    ("vpc_links", "*"): {
        "subnet_ids": ("WS706", _V2LINK),
        "security_group_ids": ("WS706", _V2LINK),
        "subnets": ("WS706", _V2LINK),
        "security_groups": ("WS706", _V2LINK),
        "type": ("WS706", _V2LINK),
        "version": ("WS706", _V2LINK),
    },
    ("authorizers", "*"): {
        "jwt_configuration": ("WS701", _AUTH_WHY),
        "issuer": ("WS701", _AUTH_WHY),
        "audience": ("WS701", _AUTH_WHY),
        "user_pool": ("WS701", _AUTH_WHY),
        "user_pool_arn": ("WS701", _AUTH_WHY),
        "provider_arns": ("WS701", _AUTH_WHY),
        "cognito": ("WS701", _AUTH_WHY),
        "result_ttl": ("WS709", _CACHE),
        "ttl": ("WS709", _CACHE),
        "cache_ttl": ("WS709", _CACHE),
        "caching": ("WS709", _CACHE),
        "simple_responses": ("WS709", _CACHE),
        "enable_simple_responses": ("WS709", _CACHE),
        "payload_format_version": ("WS709", _CACHE),
    },
}
_INTEGRATION_KEYS = {
    "payload_format_version": ("WS705", _PAYLOAD),
    "integration_subtype": ("WS705", _PAYLOAD),
    "subtype": ("WS705", _PAYLOAD),
    "response_parameters": ("WS705", _PAYLOAD),
    "tls_config": ("WS705", _PAYLOAD),
}


_AUTH_TYPES = ("jwt", "cognito", "cognito_user_pools", "token")
_ROUTE_AUTHORIZATIONS = ("jwt", "cognito", "cognito_user_pools", "custom")


@check(
    "WS004",
    "WS701",
    "WS702",
    "WS703",
    "WS704",
    "WS705",
    "WS706",
    "WS707",
    "WS708",
    "WS709",
    "WS710",
)
def unsupported_features(ctx: Ctx) -> None:
    _unsupported_keys(ctx)
    for path, d in ctx.integrations():
        for key in d:
            if key in _INTEGRATION_KEYS:
                code, (msg, hint) = _INTEGRATION_KEYS[key]
                ctx.claim(path + (key,))
                ctx.add(code, path + (key,), f"{key!r}: {msg}", hint, key=True)
    _authorization_kinds(ctx)
    dom = ctx.section("domain")
    pol = dom.get("security_policy")
    if isinstance(pol, str) and pol.upper() in ("TLS_1_0",):
        ctx.claim(("domain", "security_policy"))
        ctx.add(
            "WS004",
            ("domain", "security_policy"),
            "WebSocket custom domains require TLS 1.2: use 'TLS_1_2'",
        )


def _places(ctx: Ctx) -> list[tuple[Path, tuple[str, ...], dict[str, Any]]]:
    """(spec path, pattern in ``_UNSUPPORTED_KEYS``, mapping) for every place to look at."""
    data = ctx.data
    places: list[tuple[Path, tuple[str, ...], dict[str, Any]]] = [((), (), data)]
    for sec in ("api", "domain"):
        if isinstance(data.get(sec), dict):
            places.append(((sec,), (sec,), data[sec]))
    for sec in ("stages", "routes", "vpc_links", "authorizers"):
        for name, d in ctx.section(sec).items():
            if isinstance(d, dict):
                places.append(((sec, name), (sec, "*"), d))
    return places


def _allowed_value(pattern: tuple[str, ...], key: str, value: Any) -> bool:
    """Keys that name a feature but whose value here is the one WebSocket APIs have."""
    if pattern == ("vpc_links", "*") and key in ("type", "version"):
        return str(value).lower() in ("v1", "1", "rest", "nlb")
    if pattern == ("api",) and key in ("protocol", "protocol_type"):
        return str(value).lower() == "websocket"
    return False


def _unsupported_keys(ctx: Ctx) -> None:
    for path, pattern, d in _places(ctx):
        table = _UNSUPPORTED_KEYS.get(pattern, {})
        for key in d:
            if key in table and not (pattern == ("authorizers", "*") and key == "type"):
                code, (msg, hint) = table[key]
                if _allowed_value(pattern, key, d[key]):
                    continue
                ctx.claim(path + (key,))
                ctx.add(code, path + (key,), f"{key!r}: {msg}", hint, key=True)


def _authorization_kinds(ctx: Ctx) -> None:
    """Authorizer types and route authorization values that WebSocket APIs do not have."""
    for name, a in ctx.section("authorizers").items():
        kind = as_map(a).get("type")
        if isinstance(kind, str) and kind.lower() in _AUTH_TYPES:
            ctx.claim(("authorizers", name))
            msg, hint = _AUTH_WHY
            ctx.add(
                "WS701",
                ("authorizers", name, "type"),
                f"{kind!r} authorizers are not available: {msg}",
                hint,
            )
    for key, r in ctx.routes().items():
        auth = as_map(r).get("authorization")
        if isinstance(auth, str) and auth.lower() in _ROUTE_AUTHORIZATIONS:
            ctx.claim(("routes", key, "authorization"))
            if auth.lower() == "custom":
                ctx.add(
                    "WS004",
                    ("routes", key, "authorization"),
                    "'custom' is implied by 'authorizer: <name>'; authorization is 'none' or 'iam'",
                )
                continue
            msg, hint = _AUTH_WHY
            ctx.add(
                "WS701",
                ("routes", key, "authorization"),
                f"{auth!r} authorization is not available: {msg}",
                hint,
            )
