"""The JWT authorizer wsspec generates (wsspec/runtime/jwt_authorizer.py), with real tokens:
RSA keys made in the test, a JWKS served on 127.0.0.1, tokens signed by PyJWT."""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from tests.jwt_issuer import Issuer, SilentServer, public_pem, rsa_key
from wsspec.runtime import jwt_authorizer as ja

METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/$connect"


@pytest.fixture()
def issuer() -> Iterator[Issuer]:
    iss = Issuer()
    yield iss
    iss.close()


def config(iss: Issuer, **kw: Any) -> ja.Config:
    base: dict[str, Any] = {
        "issuer": iss.url,
        "audience": ("client-1",),
        "token_source": "route.request.querystring.token",
        "jwks_uri": iss.jwks_uri,
        "context": {"userId": "sub", "email": "email"},
    }
    base.update(kw)
    return ja.Config(**base)


def event(token: str | None, **kw: Any) -> dict[str, Any]:
    e: dict[str, Any] = {"type": "REQUEST", "methodArn": METHOD_ARN, "headers": {}}
    if token is not None:
        e["queryStringParameters"] = {"token": token}
    e.update(kw)
    return e


def reject_reason(v: ja.Verifier, ev: dict[str, Any]) -> str:
    with pytest.raises(ja.Unauthorized) as info:
        v.authorize(ev)
    assert str(info.value) == "Unauthorized"
    return info.value.reason


def test_a_valid_token_allows_exactly_the_connect_method_with_the_mapped_claims(
    issuer: Issuer,
) -> None:
    out = ja.Verifier(config(issuer)).authorize(event(issuer.token()))
    assert out["principalId"] == "alice"
    assert out["policyDocument"]["Statement"] == [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": METHOD_ARN}
    ]
    assert out["context"] == {"userId": "alice", "email": "alice@example.com"}


def test_an_expired_token_is_rejected(issuer: Issuer) -> None:
    now = int(time.time())
    tok = issuer.token(iat=now - 4000, exp=now - 3600)
    assert reject_reason(ja.Verifier(config(issuer)), event(tok)) == "ExpiredSignatureError"


def test_expiry_within_the_leeway_is_accepted_and_beyond_it_rejected(issuer: Issuer) -> None:
    now = int(time.time())
    v = ja.Verifier(config(issuer, leeway=60))
    assert v.authorize(event(issuer.token(iat=now - 100, exp=now - 30)))["principalId"] == "alice"
    reject_reason(v, event(issuer.token(iat=now - 200, exp=now - 120)))


def test_a_token_not_yet_valid_or_issued_in_the_future_is_rejected(issuer: Issuer) -> None:
    now = int(time.time())
    v = ja.Verifier(config(issuer, leeway=10))
    assert reject_reason(v, event(issuer.token(nbf=now + 600))) == "ImmatureSignatureError"
    reject_reason(v, event(issuer.token(iat=now + 600, exp=now + 900)))


def test_a_token_without_exp_is_rejected(issuer: Issuer) -> None:
    reject_reason(ja.Verifier(config(issuer)), event(issuer.token(exp=None)))


def test_the_wrong_audience_is_rejected(issuer: Issuer) -> None:
    v = ja.Verifier(config(issuer))
    assert reject_reason(v, event(issuer.token(aud="someone-else"))) == "audience does not match"


def test_the_wrong_issuer_is_rejected(issuer: Issuer) -> None:
    v = ja.Verifier(config(issuer))
    assert reject_reason(v, event(issuer.token(iss="https://evil.example"))) == "InvalidIssuerError"


def test_a_signature_by_another_key_with_the_same_kid_is_rejected(issuer: Issuer) -> None:
    good = issuer.token()
    issuer.keys["k1"], real = rsa_key(), issuer.keys["k1"]
    forged = issuer.token()
    issuer.keys["k1"] = real
    v = ja.Verifier(config(issuer))
    assert v.authorize(event(good))["principalId"] == "alice"
    assert reject_reason(v, event(forged)) == "InvalidSignatureError"


def _unsigned(claims: dict[str, Any], header: dict[str, Any]) -> str:
    def b64(d: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    return f"{b64(header)}.{b64(claims)}."


def test_alg_none_is_rejected(issuer: Issuer) -> None:
    claims = jwt.decode(issuer.token(), options={"verify_signature": False})
    tok = _unsigned(claims, {"alg": "none", "typ": "JWT", "kid": "k1"})
    assert "not allowed" in reject_reason(ja.Verifier(config(issuer)), event(tok))


def test_hs256_signed_with_the_public_key_as_secret_is_rejected(issuer: Issuer) -> None:
    claims = jwt.decode(issuer.token(), options={"verify_signature": False})
    pem = public_pem(issuer.keys["k1"])
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT","kid":"k1"}').rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    import hashlib
    import hmac

    signing_input = header + b"." + payload
    sig = base64.urlsafe_b64encode(hmac.new(pem, signing_input, hashlib.sha256).digest())
    tok = (signing_input + b"." + sig.rstrip(b"=")).decode()
    # Even with HS256 on the allow-list by mistake, the key type (RSA) does not match.
    v = ja.Verifier(config(issuer))
    assert "not allowed" in reject_reason(v, event(tok))
    v.cfg = dataclasses.replace(v.cfg, algorithms=("RS256", "HS256"))
    assert "does not match the key type" in reject_reason(v, event(tok))


def test_the_verifier_refuses_a_symmetric_algorithm_in_its_settings(issuer: Issuer) -> None:
    with pytest.raises(ValueError, match="HS256"):
        ja.Verifier(config(issuer, algorithms=("HS256",)))


def test_a_missing_or_empty_token_is_rejected(issuer: Issuer) -> None:
    v = ja.Verifier(config(issuer))
    assert reject_reason(v, event(None)) == "no token"
    assert reject_reason(v, event("")) == "no token"
    assert reject_reason(v, event("not-a-jwt")) == "malformed token"


def test_the_key_set_is_fetched_once_and_again_for_an_unknown_kid(issuer: Issuer) -> None:
    v = ja.Verifier(config(issuer))
    for _ in range(3):
        v.authorize(event(issuer.token()))
    assert issuer.fetches == 1
    issuer.keys["k2"] = rsa_key()  # rotation: the issuer publishes a new key
    issuer.published.add("k2")
    assert v.authorize(event(issuer.token(kid="k2")))["principalId"] == "alice"
    assert issuer.fetches == 2


def test_a_kid_the_issuer_does_not_publish_is_rejected(issuer: Issuer) -> None:
    issuer.keys["k9"] = rsa_key()  # signed with a key that is not in the JWKS
    assert reject_reason(ja.Verifier(config(issuer)), event(issuer.token(kid="k9"))) == (
        "no key with that kid"
    )


def test_an_issuer_whose_key_set_hangs_gives_401_within_the_fetch_timeout() -> None:
    silent = SilentServer()
    iss = Issuer()
    try:
        cfg = config(iss, jwks_uri=silent.url + "/jwks", jwks_timeout=1.0)
        result: list[str] = []

        def run() -> None:
            result.append(reject_reason(ja.Verifier(cfg), event(iss.token())))

        t = threading.Thread(target=run, daemon=True)
        t.start()
        t.join(60)  # a hang would leave the thread running
        assert not t.is_alive()
        assert result == ["the issuer's key set could not be fetched"]
    finally:
        silent.close()
        iss.close()


def test_a_cognito_access_token_is_matched_by_client_id(issuer: Issuer) -> None:
    tok = issuer.token(aud=None, client_id="client-1", token_use="access", scope="chat/write")
    v = ja.Verifier(config(issuer, token_use="access", scopes=("chat/write",)))
    assert v.authorize(event(tok))["principalId"] == "alice"
    other = issuer.token(aud=None, client_id="client-2", token_use="access", scope="chat/write")
    assert reject_reason(v, event(other)) == "audience does not match"


def test_token_use_required_claims_and_scopes_are_compared_exactly(issuer: Issuer) -> None:
    v = ja.Verifier(config(issuer, token_use="access"))
    assert reject_reason(v, event(issuer.token())) == "token_use does not match"
    v = ja.Verifier(config(issuer, required_claims={"email_verified": True}))
    assert "email_verified" in reject_reason(v, event(issuer.token(email_verified=False)))
    assert v.authorize(event(issuer.token(email_verified=True)))["principalId"] == "alice"
    v = ja.Verifier(config(issuer, scopes=("chat/write",)))
    assert reject_reason(v, event(issuer.token(scope="chat/read"))) == "missing scope"


def test_a_header_token_may_carry_a_bearer_prefix(issuer: Issuer) -> None:
    v = ja.Verifier(config(issuer, token_source="route.request.header.Authorization"))
    ev = event(None, headers={"authorization": "Bearer " + issuer.token()})
    assert v.authorize(ev)["principalId"] == "alice"


def test_a_browser_token_in_the_subprotocol_header_is_found(issuer: Issuer) -> None:
    v = ja.Verifier(config(issuer, token_source="route.request.header.Sec-WebSocket-Protocol"))
    ev = event(None, headers={"Sec-WebSocket-Protocol": "chat, " + issuer.token()})
    assert v.authorize(ev)["principalId"] == "alice"


def test_the_lambda_entry_point_answers_unauthorized_and_never_logs_the_token(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = {
        "issuer": issuer.url,
        "audience": ["client-1"],
        "token_source": "route.request.querystring.token",
        "jwks_uri": issuer.jwks_uri,
    }
    monkeypatch.setenv("WSSPEC_JWT", json.dumps(cfg))
    monkeypatch.setattr(ja, "_VERIFIER", None)
    assert ja.handler(event(issuer.token()), None)["principalId"] == "alice"
    bad = issuer.token(aud="other")
    with pytest.raises(Exception) as info:
        ja.handler(event(bad), None)
    assert str(info.value) == "Unauthorized"
    assert bad not in capsys.readouterr().out
