"""`wsspec serve` with a JWT authorizer (real tokens, a JWKS on 127.0.0.1), connection caps
(the connection guard on the local DynamoDB) and API keys, through real WebSocket clients."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.jwt_issuer import Issuer, SilentServer, public_pem, rsa_key
from tests.test_serve_support import RECORDER, Running, make_project, wait_until

pytestmark = pytest.mark.slow

SPEC = """
wsspec: 1
api: {name: guarded}
authorizers:
  users:
    jwt:
      issuer: %(issuer)s
      jwks_uri: %(jwks)s
      audience: [client-1]
      token_use: id
      context: {userId: sub, email: email}
      jwks_timeout: 1
connections:
  max_per_user: %(per_user)s
  max_total: %(total)s
%(keys)s
routes:
  $connect: {function: recorder, authorizer: users%(key_required)s}
  $disconnect: {function: recorder}
  $default: {function: recorder}
functions:
  recorder: {handler: handlers/recorder.py, grants: [connection_table]}
"""
KEYS = """api_keys:
  partner-a: {usage_plan: partners}
usage_plans:
  partners: {throttle: {rate: 50, burst: 100}}
"""


def project(
    tmp: Path,
    iss: Issuer,
    *,
    per_user: int = 5,
    total: int = 1000,
    keys: bool = False,
    jwks: str | None = None,
) -> Path:
    spec = SPEC % {
        "issuer": iss.url,
        "jwks": jwks or iss.jwks_uri,
        "per_user": per_user,
        "total": total,
        "keys": KEYS if keys else "",
        "key_required": ", api_key_required: true" if keys else "",
    }
    return make_project(tmp, spec, {"recorder.py": RECORDER})


@pytest.fixture()
def issuer() -> Iterator[Issuer]:
    iss = Issuer()
    yield iss
    iss.close()


def status_of(url: str, **kw: Any) -> int:
    try:
        with connect(url, open_timeout=30, **kw):
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code


def test_a_valid_token_connects_and_its_claims_reach_every_event(
    tmp_path: Path, issuer: Issuer
) -> None:
    with Running(project(tmp_path, issuer)) as srv:
        with connect(srv.url + "?token=" + issuer.token(), open_timeout=30) as ws:
            ws.send("hello")
            wait_until(lambda: srv.events_of("MESSAGE"))
        wait_until(lambda: srv.events_of("DISCONNECT"))
        expected = {"principalId": "alice", "userId": "alice", "email": "alice@example.com"}
        for kind in ("CONNECT", "MESSAGE", "DISCONNECT"):
            (event,) = srv.events_of(kind)
            assert event["requestContext"]["authorizer"] == expected, kind


def _none_token(iss: Issuer) -> str:
    claims = jwt.decode(iss.token(), options={"verify_signature": False})

    def b64(d: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    return b64({"alg": "none", "kid": "k1"}) + "." + b64(claims) + "."


def _hs256_token(iss: Issuer) -> str:
    claims = jwt.decode(iss.token(), options={"verify_signature": False})
    # PyJWT refuses a PEM as an HMAC secret, so sign by hand, as an attacker would.
    import hashlib
    import hmac

    head = base64.urlsafe_b64encode(b'{"alg":"HS256","kid":"k1"}').rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    sig = hmac.new(public_pem(iss.keys["k1"]), head + b"." + body, hashlib.sha256).digest()
    return (head + b"." + body + b"." + base64.urlsafe_b64encode(sig).rstrip(b"=")).decode()


def test_every_bad_token_is_a_401_and_reaches_no_handler(tmp_path: Path, issuer: Issuer) -> None:
    now = int(time.time())
    issuer.keys["k9"] = rsa_key()  # signs, but the issuer does not publish it
    forged_key = rsa_key()
    bad = {
        "expired": issuer.token(iat=now - 4000, exp=now - 3600),
        "wrong aud": issuer.token(aud="someone-else"),
        "wrong iss": issuer.token(iss="https://evil.example"),
        "unknown kid": issuer.token(kid="k9"),
        "alg none": _none_token(issuer),
        "hs256 with the public key": _hs256_token(issuer),
        "wrong token_use": issuer.token(token_use="access"),
        "garbage": "abc.def.ghi",
    }
    real, issuer.keys["k1"] = issuer.keys["k1"], forged_key
    bad["wrong signature"] = issuer.token()
    issuer.keys["k1"] = real
    with Running(project(tmp_path, issuer)) as srv:
        for what, tok in bad.items():
            assert status_of(srv.url + "?token=" + tok) == 401, what
        assert status_of(srv.url) == 401, "missing token"
        assert status_of(srv.url + "?token=" + issuer.token()) == 101
    assert len(srv.events_of("CONNECT")) == 1


def test_an_issuer_whose_key_set_hangs_gives_401_not_a_hang(tmp_path: Path, issuer: Issuer) -> None:
    silent = SilentServer()
    try:
        with Running(project(tmp_path, issuer, jwks=silent.url + "/jwks")) as srv:
            assert status_of(srv.url + "?token=" + issuer.token()) == 401
    finally:
        silent.close()


def test_fifty_concurrent_connects_of_one_user_admit_exactly_max_per_user(
    tmp_path: Path, issuer: Issuer
) -> None:
    token = issuer.token()
    with Running(project(tmp_path, issuer, per_user=5)) as srv:
        results: list[int] = []
        open_ws: list[Any] = []
        lock = threading.Lock()
        release = threading.Event()

        def one() -> None:
            try:
                with connect(srv.url + "?token=" + token, open_timeout=60) as ws:
                    with lock:
                        results.append(101)
                        open_ws.append(ws)
                    release.wait(120)
            except InvalidStatus as exc:
                with lock:
                    results.append(exc.response.status_code)

        threads = [threading.Thread(target=one) for _ in range(50)]
        for t in threads:
            t.start()
        wait_until(lambda: len(results) == 50, timeout=120)
        assert sorted(set(results)) == [101, 429]
        assert results.count(101) == 5
        guard = srv.gw.protection.guard
        assert guard.counts() == (5, {"alice": 5})
        # another user is not affected by alice's cap
        assert status_of(srv.url + "?token=" + issuer.token(sub="bob")) == 101
        release.set()
        for t in threads:
            t.join(60)
        wait_until(lambda: guard.counts() == (0, {}), timeout=60)
        assert status_of(srv.url + "?token=" + token) == 101


def test_max_total_caps_all_users_together(tmp_path: Path, issuer: Issuer) -> None:
    with Running(project(tmp_path, issuer, per_user=2, total=2)) as srv:
        with connect(srv.url + "?token=" + issuer.token(sub="a"), open_timeout=30) as a:
            with connect(srv.url + "?token=" + issuer.token(sub="b"), open_timeout=30):
                assert status_of(srv.url + "?token=" + issuer.token(sub="c")) == 429
                a.close()
                guard = srv.gw.protection.guard
                wait_until(lambda: guard.counts()[0] == 1)
                assert status_of(srv.url + "?token=" + issuer.token(sub="c")) == 101


def test_api_key_required_on_connect_checks_the_x_api_key_header(
    tmp_path: Path, issuer: Issuer
) -> None:
    path = project(tmp_path, issuer, keys=True)
    env = {"WSSPEC_API_KEY_PARTNER_A": "local-key-of-partner-a-0123456789"}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        with Running(path) as srv:
            url = srv.url + "?token=" + issuer.token()
            assert status_of(url) == 403
            assert status_of(url, additional_headers={"x-api-key": "wrong"}) == 403
            ok = status_of(url, additional_headers={"x-api-key": env["WSSPEC_API_KEY_PARTNER_A"]})
            assert ok == 101
            assert any("API key partner-a" in n for n in srv.gw.notes)


def test_wsspec_token_signs_what_serve_with_the_local_issuer_accepts(
    tmp_path: Path, issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    monkeypatch.setenv("WSSPEC_CACHE_DIR", str(tmp_path / "cache"))
    path = project(tmp_path, issuer)
    cmd = [sys.executable, "-m", "wsspec", "token", str(path), "--sub", "carol"]
    tok = subprocess.run(
        [*cmd, "--claim", "email=carol@example.com"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert (tmp_path / "cache/local-issuer/key.pem").stat().st_mode & 0o077 == 0
    with Running(path, local_issuer=True) as srv:
        with connect(srv.url + "?token=" + tok, open_timeout=30):
            pass
        wait_until(lambda: srv.events_of("DISCONNECT"))
        (event,) = srv.events_of("CONNECT")
        assert event["requestContext"]["authorizer"] == {
            "principalId": "carol",
            "userId": "carol",
            "email": "carol@example.com",
        }
        # the real issuer's tokens are not trusted in this mode
        assert status_of(srv.url + "?token=" + issuer.token()) == 401
