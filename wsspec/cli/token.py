"""`wsspec token`: print a token signed by the local issuer that `wsspec serve --local-issuer`
trusts, for one of the spec's JWT authorizers."""

from __future__ import annotations

import json

import click

from wsspec.cli.common import echo, fail, load_valid
from wsspec.errors import EXIT_USAGE, WsspecError


def _claims(items: tuple[str, ...]) -> dict[str, object]:
    out: dict[str, object] = {}
    for item in items:
        k, sep, v = item.partition("=")
        if not sep or not k:
            raise WsspecError(
                f"--claim expects NAME=VALUE, got {item!r}", code="WS004", exit_code=EXIT_USAGE
            )
        try:
            out[k] = json.loads(v)  # numbers, booleans, lists; anything else stays a string
        except ValueError:
            out[k] = v
    return out


@click.command("token")
@click.argument("file", help="The spec file.")
@click.option("--sub", required=True, help="The user (the token's sub, the principalId).")
@click.option("--claim", multiple=True, help="An extra claim NAME=VALUE (repeatable).")
@click.option("--authorizer", help="The JWT authorizer (default: the spec's only one).")
@click.option("--expires-in", type=int, default=3600, help="Lifetime, seconds.")
def token_command(
    file: str, sub: str, claim: tuple[str, ...], authorizer: str | None, expires_in: int
) -> None:
    """Print a token for `wsspec serve --local-issuer` (never for a deployed API)."""
    from importlib.util import find_spec

    if find_spec("jwt") is None:
        fail(
            WsspecError(
                "`wsspec token` needs PyJWT, part of the 'serve' extra: pip install 'wsspec[serve]'",
                code="WS015",
                exit_code=EXIT_USAGE,
            )
        )
    from wsspec.serve import local_issuer

    spec = load_valid(file)
    jwts = [a for a in spec.authorizers if a.jwt is not None]
    try:
        chosen = [a for a in jwts if authorizer is None or a.name == authorizer]
        if len(chosen) != 1:
            names = ", ".join(a.name for a in jwts) or "none"
            raise WsspecError(
                f"name one JWT authorizer with --authorizer (JWT authorizers: {names})",
                code="WS102",
                exit_code=EXIT_USAGE,
            )
        echo(local_issuer.token(chosen[0], sub, _claims(claim), expires_in))
    except WsspecError as exc:
        fail(exc)
