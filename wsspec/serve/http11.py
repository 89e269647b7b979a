"""HTTP/1.1 request heads, parsed strictly and within bounds (RFC 9112): bytes in, a ``Head`` or
an ``HttpError`` carrying the status to answer with.

Every limit is explicit: the head's size (``MAX_HEAD``), the number of header lines
(``MAX_HEADERS``), the request target's length, and the declared body length (``MAX_BODY``).
Anything a request smuggler or a broken client could make ambiguous is refused, not guessed:
a ``Content-Length`` that is not one unsigned decimal number (``-58``, ``+1``, ``1,2``), several
that disagree, ``Transfer-Encoding`` (wsspec reads bodies by length only), a missing or repeated
``Host``, whitespace before a header's colon, folded header lines, bare CR or LF and NUL bytes.

Why not ``h11``: it was measured against this parser on the ``@connections`` POST that boto3
sends (a 1 KB head and a small body): about 180 µs per request against 15 µs, and that request
is the hot path of every broadcast. It would also still accept a repeated ``Host``. This module
is the smaller, stricter subset the gateway needs; the timeouts that bound how long a head may
take to arrive are the transport's (``ServeConfig.request_timeout``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_HEAD = 32 * 1024  # request line + header lines
MAX_HEADERS = 100
MAX_TARGET = 8192
MAX_BODY = 1024 * 1024  # @connections bodies are at most 128 KB; larger ones get 413 there

_REQUEST_LINE = re.compile(r"([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (/[^ ]*) HTTP/(\d)\.(\d)")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # control characters other than HT
_DIGITS = re.compile(r"[0-9]{1,10}")

Headers = list[tuple[str, str]]  # raw, in order, original capitalisation


class HttpError(Exception):
    """The request cannot be served; answer ``status`` and close the connection."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(slots=True)
class Head:
    method: str
    target: str
    headers: Headers
    size: int  # bytes of the head, final CRLF CRLF included
    length: int  # declared body length
    keep_alive: bool
    upgrade: bool  # Upgrade: websocket
    expect_continue: bool


def _tokens(value: str) -> set[str]:
    return {t.strip().lower() for t in value.split(",") if t.strip()}


def parse_head(buf: bytes | bytearray) -> Head | None:
    """The request head at the start of ``buf``; None while it is incomplete (and within
    ``MAX_HEAD``). Raises ``HttpError`` for anything malformed or over a limit."""
    end = buf.find(b"\r\n\r\n", 0, MAX_HEAD + 4)
    if end == -1:
        if len(buf) > MAX_HEAD:
            raise HttpError(431, "request head too large")
        return None
    text = bytes(buf[:end]).decode("latin-1")
    bare = text.replace("\r\n", "")
    if "\n" in bare or "\r" in bare:
        raise HttpError(400, "bare CR or LF in the request head")
    lines = text.split("\r\n")
    method, target, version = _request_line(lines[0])
    headers = _header_lines(lines[1:])
    low: dict[str, list[str]] = {}
    for k, v in headers:
        low.setdefault(k.lower(), []).append(v)
    hosts = low.get("host", [])
    if len(hosts) > 1 or (version == (1, 1) and not hosts):
        raise HttpError(400, "a request needs exactly one Host header")
    length = _content_length(low)
    connection = _tokens(",".join(low.get("connection", [])))
    if version == (1, 1):
        keep_alive = "close" not in connection
    else:
        keep_alive = "keep-alive" in connection
    upgrade = "websocket" in _tokens(",".join(low.get("upgrade", [])))
    expect = any(v.strip().lower() == "100-continue" for v in low.get("expect", []))
    return Head(method, target, headers, end + 4, length, keep_alive, upgrade, expect)


def _request_line(line: str) -> tuple[str, str, tuple[int, int]]:
    m = _REQUEST_LINE.fullmatch(line)
    if m is None:
        raise HttpError(400, "malformed request line")
    method, target = m.group(1), m.group(2)
    version = (int(m.group(3)), int(m.group(4)))
    if version not in ((1, 0), (1, 1)):
        raise HttpError(505, "only HTTP/1.0 and HTTP/1.1 are served")
    if len(target) > MAX_TARGET:
        raise HttpError(414, "request target too long")
    return method, target, version


def _header_lines(lines: list[str]) -> Headers:
    if len(lines) > MAX_HEADERS:
        raise HttpError(431, "too many header lines")
    headers: Headers = []
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or _TOKEN.fullmatch(name) is None:
            # Also folded lines (leading whitespace) and whitespace before the colon.
            raise HttpError(400, "malformed header line")
        value = value.strip(" \t")
        if _BAD_VALUE.search(value):
            raise HttpError(400, "control character in a header value")
        headers.append((name, value))
    return headers


def _content_length(low: dict[str, list[str]]) -> int:
    if "transfer-encoding" in low:
        if "content-length" in low:
            raise HttpError(400, "both Transfer-Encoding and Content-Length")
        raise HttpError(411, "Transfer-Encoding is not supported: send a Content-Length")
    values = [v.strip() for joined in low.get("content-length", []) for v in joined.split(",")]
    if not values:
        return 0
    if any(_DIGITS.fullmatch(v) is None for v in values) or len(set(values)) > 1:
        raise HttpError(400, "invalid Content-Length")
    length = int(values[0])
    if length > MAX_BODY:
        raise HttpError(413, "request body too large")
    return length
