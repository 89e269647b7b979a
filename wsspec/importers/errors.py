"""The exit code of each ``wsspec import`` error (WS970-WS977, registered in ``wsspec.codes``)
and the one helper that raises them."""

from __future__ import annotations

from typing import NoReturn

from wsspec.errors import EXIT_AWS, EXIT_INVALID, EXIT_USAGE, WsspecError

EXIT_CODES: dict[str, int] = {
    "WS970": EXIT_USAGE,
    "WS971": EXIT_USAGE,
    "WS972": EXIT_INVALID,
    "WS973": EXIT_USAGE,
    "WS974": EXIT_INVALID,
    "WS975": EXIT_USAGE,
    "WS976": EXIT_AWS,
    "WS977": EXIT_INVALID,
}


def fail(code: str, message: str, *, file: str | None = None, hint: str | None = None) -> NoReturn:
    """Raise the one-line error ``code`` with its documented exit code."""
    raise WsspecError(message, code=code, file=file, hint=hint, exit_code=EXIT_CODES[code])
