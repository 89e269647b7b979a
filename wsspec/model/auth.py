"""Model builders for sign-in and abuse protection: JWT authorizers (and the function wsspec
generates for each), connection caps (the connection guard around the user's ``$connect`` and
``$disconnect`` handlers), API keys and usage plans."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from wsspec.model.records import (
    DEFAULT_JWT_TOKEN_SOURCE,
    DEFAULT_PYTHON_RUNTIME,
    GUARD_HANDLER,
    JWT_FUNCTION_SUFFIX,
    JWT_HANDLER,
    ApiKey,
    Authorizer,
    ConnectionTable,
    Function,
    Integration,
    JwtAuthorizer,
    UsagePlan,
    frozen,
)

JWT_MEMORY = 256  # cryptography's import needs more than 128 MB to start quickly
JWT_TIMEOUT = 10


def jwt_function_name(authorizer: str) -> str:
    return authorizer + JWT_FUNCTION_SUFFIX


def jwks_uri(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/jwks.json"


def jwt_config(j: Mapping[str, Any]) -> JwtAuthorizer:
    issuer = str(j["issuer"])
    return JwtAuthorizer(
        issuer=issuer,
        audience=tuple(str(a) for a in j["audience"]),
        token_source=str(j.get("token_source", DEFAULT_JWT_TOKEN_SOURCE)),
        jwks_uri=str(j.get("jwks_uri") or jwks_uri(issuer)),
        algorithms=tuple(j.get("algorithms") or ("RS256",)),
        token_use=j.get("token_use"),
        required_claims=frozen(j.get("required_claims")),
        scopes=tuple(j.get("scopes") or ()),
        context=frozen({str(k): str(v) for k, v in (j.get("context") or {}).items()}),
        leeway=int(j.get("leeway", 60)),
        jwks_timeout=int(j.get("jwks_timeout", 3)),
    )


def identity_sources(token_source: str) -> tuple[str, ...]:
    """API Gateway answers 401 itself when the token's source is missing."""
    return (token_source,)


def jwt_function(a: Authorizer) -> Function:
    """The Lambda function of a JWT authorizer (code: ``wsspec.runtime.jwt_authorizer``)."""
    assert a.jwt is not None and a.function is not None
    return Function(
        name=a.function,
        handler_path="wsspec_jwt_authorizer.py",
        source_dir="wsspec_jwt_authorizer.py",
        entry="handler",
        lambda_handler=JWT_HANDLER,
        runtime=DEFAULT_PYTHON_RUNTIME,
        language="python",
        memory=JWT_MEMORY,
        timeout=JWT_TIMEOUT,
        architecture="x86_64",
        description=f"wsspec JWT authorizer {a.name!r} (generated)"[:256],
        environment=frozen({}),
        iam=(),
        manage_connections=False,
        connection_table=False,
        routes=(),
        authorizers=(a.name,),
        builtin="jwt-authorizer",
    )


def guarded(
    functions: tuple[Function, ...],
    integrations: tuple[Integration, ...],
    conn: ConnectionTable | None,
) -> tuple[Function, ...]:
    """With connection caps, the functions behind ``$connect`` and ``$disconnect`` run wsspec's
    connection guard, which calls the user's handler (checks WS590 make sure they exist)."""
    if conn is None or not conn.capped:
        return functions
    names = {
        i.function
        for i in integrations
        if i.function and i.kind == "lambda" and {"$connect", "$disconnect"} & set(i.routes)
    }
    return tuple(
        dataclasses.replace(
            f, lambda_handler=GUARD_HANDLER, user_handler=f.lambda_handler, connection_table=True
        )
        if f.name in names and f.language == "python"
        else f
        for f in functions
    )


def usage_plans(d: Mapping[str, Any] | None) -> tuple[UsagePlan, ...]:
    out = []
    for name, p in (d or {}).items():
        p = p or {}
        thr, quota = p.get("throttle") or {}, p.get("quota") or {}
        out.append(
            UsagePlan(
                name=name,
                description=p.get("description"),
                throttle_rate=float(thr["rate"]) if "rate" in thr else None,
                throttle_burst=int(thr["burst"]) if "burst" in thr else None,
                quota_limit=int(quota["limit"]) if "limit" in quota else None,
                quota_period=quota.get("period"),
                quota_offset=int(quota.get("offset", 0)),
            )
        )
    return tuple(out)


def api_keys(d: Mapping[str, Any] | None) -> tuple[ApiKey, ...]:
    return tuple(
        ApiKey(
            name=name,
            usage_plan=str(k["usage_plan"]),
            description=k.get("description"),
            enabled=bool(k.get("enabled", True)),
        )
        for name, k in (d or {}).items()
    )
