"""A local token issuer for ``wsspec serve --local-issuer`` and ``wsspec token``.

One RSA key per user, made on first use and kept (mode 0600) at
``local-issuer/key.pem`` in the packaging cache (``$WSSPEC_CACHE_DIR``, else
``$XDG_CACHE_HOME/wsspec`` or ``~/.cache/wsspec``). ``wsspec token``
signs a token with it that carries the authorizer's own ``iss``, ``aud``, ``token_use``,
required claims and scopes, so the generated authorizer's every check still runs; with
``--local-issuer``, serve verifies JWT authorizers against this key instead of fetching the
issuer's key set. Nothing here is used by a deployed API.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from wsspec.model import Authorizer
from wsspec.packaging import cache

KID = "wsspec-local"


def key_path() -> Path:
    return cache.cache_dir() / "local-issuer" / "key.pem"


def _private_key() -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    path = key_path()
    if path.exists():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.replace(tmp, path)
    return key


def jwk_set() -> dict[str, Any]:
    """The local key set (public part), as a JWKS document."""
    import jwt

    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(_private_key().public_key()))
    jwk.update({"kid": KID, "use": "sig", "alg": "RS256"})
    return {"keys": [jwk]}


def token(auth: Authorizer, sub: str, claims: dict[str, Any], expires_in: int = 3600) -> str:
    """A token for ``auth`` (a JWT authorizer) signed with the local key."""
    import jwt

    assert auth.jwt is not None
    j = auth.jwt
    now = int(time.time())
    body: dict[str, Any] = {"sub": sub, "iss": j.issuer, "iat": now, "exp": now + expires_in}
    if j.token_use == "access":
        body["client_id"] = j.audience[0]
    else:
        body["aud"] = j.audience[0]
    if j.token_use is not None:
        body["token_use"] = j.token_use
    for name, want in j.required_claims.items():
        body[name] = want[0] if isinstance(want, (list, tuple)) else want
    if j.scopes:
        body["scope"] = " ".join(j.scopes)
    body.update(claims)
    return jwt.encode(body, _private_key(), algorithm="RS256", headers={"kid": KID})
