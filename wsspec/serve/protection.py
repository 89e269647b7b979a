"""Sign-in and abuse protection in ``serve``, with the code the deployed functions run:

- a JWT authorizer runs ``wsspec.runtime.jwt_authorizer`` in-process (in a thread: the key set
  is fetched with a bounded timeout), against the spec's JWKS URL, or with ``--local-issuer``
  against the local key ``wsspec token`` signs with (``local_issuer.py``);
- connection caps run ``wsspec.runtime.connection_guard`` against the local connection table
  (the embedded moto server), around the user's ``$connect`` and ``$disconnect`` handlers;
- API keys: ``api_key_required`` on ``$connect`` is checked against the spec's keys. AWS
  generates real key values, so locally each key's value comes from the environment variable
  ``WSSPEC_API_KEY_<NAME>`` (name upper-cased, ``-`` as ``_``) or is made up at start and
  printed; a missing or unknown key is a 403, as API Gateway answers. Usage-plan throttles and
  quotas are not emulated.

The guard's calls run one at a time here: moto's DynamoDB does not make a single-item update
atomic under concurrent requests the way DynamoDB does, and serve is one process.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import secrets
import threading
from typing import Any, Callable

from wsspec import derive
from wsspec.model import Authorizer, Spec
from wsspec.runtime import connection_guard as cg
from wsspec.runtime import jwt_authorizer as ja
from wsspec.serve.authorizer import Decision, Verify, decide
from wsspec.serve.events import Handshake


def api_key_env(name: str) -> str:
    return "WSSPEC_API_KEY_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


class Protection:
    def __init__(
        self, spec: Spec, env: dict[str, str] | None = None, local_issuer: bool = False
    ) -> None:
        env = dict(os.environ) if env is None else env
        self.spec = spec
        self.local_issuer = local_issuer
        self._verifiers: dict[str, ja.Verifier] = {}
        self.guard: cg.Guard | None = None
        self._lock = threading.Lock()
        self.api_keys = {
            k.name: env.get(api_key_env(k.name)) or secrets.token_urlsafe(30)
            for k in spec.api_keys
            if k.enabled
        }

    # ---------------------------------------------------------------- JWT
    def _verifier(self, auth: Authorizer) -> ja.Verifier:
        v = self._verifiers.get(auth.name)
        if v is None:
            keys = None
            if self.local_issuer:
                from wsspec.serve import local_issuer

                keys = local_issuer.jwk_set()
            v = ja.Verifier(ja.Config.from_json(derive.jwt_config_json(auth)), keys)
            self._verifiers[auth.name] = v
        return v

    def verifier(self, auth: Authorizer, method_arn: str) -> Verify | None:
        """The in-process answer of a JWT authorizer (None for a Lambda authorizer)."""
        if auth.jwt is None:
            return None
        return functools.partial(self.jwt, auth, method_arn=method_arn)

    async def jwt(self, auth: Authorizer, event: dict[str, Any], method_arn: str) -> Decision:
        """The generated authorizer's answer: 401 for any bad token, else the policy's."""
        try:
            out = await asyncio.to_thread(self._verifier(auth).authorize, event)
        except ja.Unauthorized as exc:
            return Decision(401, reason=f"Unauthorized ({exc.reason})")
        except Exception as exc:  # the deployed function answers 401 for these too
            return Decision(401, reason=f"Unauthorized ({type(exc).__name__})")
        return decide(out, method_arn)

    # ---------------------------------------------------------------- API keys
    def api_key_ok(self, hs: Handshake) -> bool:
        """Whether the handshake carries a key of the spec (else API Gateway answers 403)."""
        return self.api_key_status(hs.header, hs.authorizer) is None

    def api_key_status(self, header: Callable[[str], str | None], authorizer: Any) -> int | None:
        """None when the key is valid; 403 when it is missing or unknown."""
        if self.spec.api.api_key_selection == "$context.authorizer.usageIdentifierKey":
            key = (authorizer or {}).get("usageIdentifierKey")
        else:
            key = header("x-api-key")
        return None if key and key in self.api_keys.values() else 403

    # ---------------------------------------------------------------- connection caps
    def start_guard(self, ddb: Any, table: str) -> None:
        c = self.spec.connections
        if c is not None and c.capped:
            caps = cg.Caps(table, c.max_per_user, c.max_total, c.ttl_seconds, c.ttl_attribute)
            self.guard = cg.Guard(ddb, caps)

    async def acquire(self, connection_id: str, authorizer: Any) -> str | None:
        if self.guard is None:
            return None
        guard = self.guard
        principal = cg.principal_of({"requestContext": {"authorizer": authorizer}})

        def run() -> str | None:
            with self._lock:
                return guard.acquire(connection_id, principal)

        return await asyncio.to_thread(run)

    async def release(self, connection_id: str) -> None:
        guard = self.guard
        if guard is None:
            return

        def run() -> None:
            with self._lock:
                guard.release(connection_id)

        await asyncio.to_thread(run)

    def notes(self) -> list[str]:
        out = [
            f"API key {name}: {value}  (x-api-key; set {api_key_env(name)} to choose it)"
            for name, value in self.api_keys.items()
        ]
        if self.spec.usage_plans:
            out.append("usage plans: throttles and quotas are not emulated")
        import importlib.util

        if any(a.jwt for a in self.spec.authorizers) and importlib.util.find_spec("jwt") is None:
            out.append(
                "JWT authorizers refuse every token: PyJWT is not installed "
                "(pip install 'wsspec[serve]')"
            )
        if self.local_issuer and any(a.jwt for a in self.spec.authorizers):
            out.append("JWT authorizers trust the local issuer only (tokens: `wsspec token`)")
        c = self.spec.connections
        if c is not None and c.capped and self.guard is None:
            out.append("connection caps not enforced: there is no local connection table")
        return out
