"""Selection expressions: ``$request.body.action``, ``${request.body.a}/x``,
static text, ``\\$default``; evaluated once, never recursively.

A variable is ``$name.path`` (runs while the characters can belong to a path) or ``${name.path}``.
``request.body.<JSONPath>`` reads the parsed JSON message: dotted names, ``[n]`` indexes and
``['key']``/``["key"]`` members. A missing path evaluates to ``""``. Other variables
(``context.*``, ``integration.response.statuscode``, ``request.header.*``...) come from a
caller-supplied mapping.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

_UNBRACED = re.compile(r"[A-Za-z0-9_.\-\[\]'\"*]+")
_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")

MISSING = object()


class Unevaluable(Exception):
    """The expression reads the message body, and the body is not JSON."""


@functools.lru_cache(maxsize=4096)
def _parsed(expression: str) -> tuple[tuple[str, str], ...]:
    """Split into ``("text", s)`` and ``("var", name)`` parts, memoised: expressions come from
    the spec, so there are few of them, and the route selection expression is evaluated for
    every message."""
    parts: list[tuple[str, str]] = []
    text: list[str] = []
    i, n = 0, len(expression)
    while i < n:
        c = expression[i]
        if c == "\\" and i + 1 < n and expression[i + 1] == "$":
            text.append("$")
            i += 2
            continue
        if c == "$" and i + 1 < n and expression[i + 1] == "{":
            end = expression.find("}", i + 2)
            if end != -1:
                if text:
                    parts.append(("text", "".join(text)))
                    text = []
                parts.append(("var", expression[i + 2 : end]))
                i = end + 1
                continue
        if c == "$":
            m = _UNBRACED.match(expression, i + 1)
            if m:
                name = m.group(0).rstrip(".")
                if text:
                    parts.append(("text", "".join(text)))
                    text = []
                parts.append(("var", name))
                i += 1 + len(name)
                continue
        text.append(c)
        i += 1
    if text:
        parts.append(("text", "".join(text)))
    return tuple(parts)


def json_path(value: Any, path: str) -> Any:
    """Follow ``.a.b[0]['c']`` (a leading ``$`` is allowed) through parsed JSON; MISSING if absent."""
    steps = _steps(path)
    return MISSING if steps is None else _walk(value, steps)


@functools.lru_cache(maxsize=4096)
def _steps(path: str) -> tuple[tuple[bool, Any], ...] | None:
    """A path as ``(is_index, key)`` steps, worked out once (None: not a valid path)."""
    path = path.removeprefix("$")
    if path and not path.startswith((".", "[")):
        path = "." + path
    steps: list[tuple[bool, Any]] = []
    pos = 0
    while pos < len(path):
        m = _SEGMENT.match(path, pos)
        if not m:
            return None
        pos = m.end()
        name, index, q1, q2 = m.groups()
        if index is not None:
            steps.append((True, int(index)))
        else:
            steps.append((False, name if name is not None else (q1 if q1 is not None else q2)))
    return tuple(steps)


def _walk(value: Any, steps: tuple[tuple[bool, Any], ...]) -> Any:
    cur = value
    for is_index, key in steps:
        if is_index:
            if not isinstance(cur, list) or key >= len(cur):
                return MISSING
        elif not isinstance(cur, dict) or key not in cur:
            return MISSING
        cur = cur[key]
    return cur


def compile_body_selector(expression: str, style: str = "json") -> Callable[[Any], str]:
    """``lambda body: evaluate(expression, body, style=style)``, faster when the expression is
    one ``$request.body...`` variable (the usual route selection expression): the path is
    worked out once instead of for every message."""
    parts = _parsed(expression)
    if len(parts) == 1 and parts[0][0] == "var":
        value = parts[0][1]
        if value == "request.body" or value.startswith(("request.body.", "request.body[")):
            steps = _steps(value[len("request.body") :])
            if steps is not None:

                def select(body: Any) -> str:
                    if body is MISSING:
                        raise Unevaluable(expression)
                    cur = _walk(body, steps)
                    return cur if type(cur) is str else stringify(cur, style)

                return select
    return lambda body: evaluate(expression, body, style=style)


def stringify(value: Any, style: str = "json") -> str:
    if value is MISSING or value is None:
        return ""
    if isinstance(value, str):
        return value
    if style == "python":
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def evaluate(
    expression: str,
    body: Any = MISSING,
    variables: Mapping[str, Any] | Callable[[str], Any] | None = None,
    style: str = "json",
) -> str:
    """Evaluate ``expression``. ``body`` is the parsed JSON message (MISSING when not JSON).

    Raises ``Unevaluable`` when the expression reads ``request.body`` and there is no JSON body.
    """
    out: list[str] = []
    for kind, value in _parsed(expression):
        if kind == "text":
            out.append(value)
            continue
        if value == "request.body" or value.startswith(("request.body.", "request.body[")):
            if body is MISSING:
                raise Unevaluable(expression)
            out.append(stringify(json_path(body, value[len("request.body") :]), style))
            continue
        if callable(variables):
            got = variables(value)
        elif variables is not None:
            got = variables.get(value, MISSING)
        else:
            got = MISSING
        out.append(stringify(got, style))
    return "".join(out)


def parse_json_body(text: str) -> Any:
    """The message as JSON, or MISSING when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return MISSING
