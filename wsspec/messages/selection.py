"""The route selection expression, read both ways: which route a message reaches, and which
body fields a client sets so that its message reaches a given route.

Only ``$request.body`` variables matter to a client. A path is a tuple of member names
(``$request.body.meta.action`` -> ``("meta", "action")``); a path with an array index cannot be
filled in by a client and makes the expression *opaque* (the client sends the whole message).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_UNBRACED = re.compile(r"[A-Za-z0-9_.\-\[\]'\"*]+")
_SEGMENT = re.compile(r"\.([^.\[\]]+)|\['([^']*)'\]|\[\"([^\"]*)\"\]|\[(\d+)\]")
_BODY = "request.body"

Part = tuple[str, str | tuple[str, ...] | None]  # ("text", s) | ("body", path) | ("other", None)


@dataclass(frozen=True)
class Field:
    """A body member a client sets to reach a route: ``path`` in the JSON object, and its value."""

    path: tuple[str, ...]
    value: str


def _body_path(var: str) -> tuple[str, ...] | None:
    """``request.body.a['b']`` -> ``("a", "b")``; None for an index or anything unreadable."""
    if not var.startswith(_BODY):
        return None
    rest, steps = var[len(_BODY) :], []
    pos = 0
    while pos < len(rest):
        m = _SEGMENT.match(rest, pos)
        if m is None or m.group(4) is not None:
            return None
        steps.append(next(g for g in m.groups()[:3] if g is not None))
        pos = m.end()
    return tuple(steps) if steps else None


def parse(expression: str) -> tuple[Part, ...]:
    """Text and variables, in order (``\\$`` is a literal dollar)."""
    parts: list[Part] = []
    text: list[str] = []

    def var(name: str) -> None:
        if text:
            parts.append(("text", "".join(text)))
            text.clear()
        path = _body_path(name)
        parts.append(("body", path) if path is not None else ("other", None))

    i, n = 0, len(expression)
    while i < n:
        c = expression[i]
        if c == "\\" and expression[i + 1 : i + 2] == "$":
            text.append("$")
            i += 2
        elif expression.startswith("${", i) and expression.find("}", i + 2) != -1:
            end = expression.find("}", i + 2)
            var(expression[i + 2 : end])
            i = end + 1
        elif c == "$" and (m := _UNBRACED.match(expression, i + 1)) is not None:
            name = m.group(0).rstrip(".")
            var(name)
            i += 1 + len(name)
        else:
            text.append(c)
            i += 1
    if text:
        parts.append(("text", "".join(text)))
    return tuple(parts)


def fields_for(expression: str, route_key: str) -> tuple[Field, ...] | None:
    """The body fields that make ``expression`` yield ``route_key``.

    ``()`` when the expression is static (every message yields it), None when no message can be
    built for the route this way (a variable the client cannot set, an index in a path, the same
    path twice with different values, or text that does not fit the key). Several variables in
    one template are matched from left to right, each taking as little as it can.
    """
    parts = parse(expression)
    if any(kind == "other" for kind, _ in parts):
        return None
    pattern = "".join(re.escape(str(value)) if kind == "text" else "(.*?)" for kind, value in parts)
    m = re.fullmatch(pattern, route_key, re.S)
    if m is None:
        return None
    paths = [value for kind, value in parts if kind == "body" and isinstance(value, tuple)]
    found: dict[tuple[str, ...], str] = {}
    for path, value in zip(paths, m.groups()):
        if found.setdefault(path, value) != value:
            return None
    if any(p != q and p[: len(q)] == q for p in found for q in found):
        return None  # one path inside another: the client cannot set both
    return tuple(Field(path, value) for path, value in found.items())


def _text(value: Any) -> str:
    """How a selected JSON value becomes route-key text (strings as they are, others as JSON)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def evaluate(expression: str, body: Any) -> str | None:
    """The value of the expression for a parsed message body; None when it cannot be read
    (the body is not a JSON object where a variable needs one, or a variable is not a body path).
    A missing member reads as an empty string."""
    out: list[str] = []
    for kind, value in parse(expression):
        if kind == "text":
            out.append(str(value))
            continue
        if kind == "other" or not isinstance(value, tuple) or not isinstance(body, Mapping):
            return None
        node: Any = body
        for step in value:
            node = node.get(step, "") if isinstance(node, Mapping) else ""
        out.append(_text(node))
    return "".join(out)
