"""The Terraform functions ``wsspec import`` evaluates (``FUNCTIONS``: name -> implementation).

Each takes the configuration's directory (for ``file``) and the evaluated arguments. A function
of a value known only once deployed returns ``Unresolved``; ``jsonencode`` of such a value keeps
the value itself, so policy documents with references stay readable.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

from wsspec.importers.values import Unresolved, is_literal


def _jsonencode(base: str, value: Any) -> Any:
    if is_literal(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return value


def _jsondecode(base: str, text: Any) -> Any:
    return json.loads(text)


def _file(base: str, path: Any) -> Any:
    with open(os.path.join(base, str(path)), encoding="utf-8") as f:
        return f.read()


def _unknown(what: str) -> Callable[..., Any]:
    def fn(base: str, *args: Any) -> Any:
        return Unresolved(f"{what} (computed when Terraform runs)")

    return fn


_VERB = re.compile(r"%(%|[-+ #0]*\d*(?:\.\d+)?[sdvqftbxXeEgGo])")


def _format(base: str, fmt: Any, *args: Any) -> Any:
    items = iter(args)

    def one(m: re.Match[str]) -> str:
        verb = m.group(1)
        if verb == "%":
            return "%"
        arg = next(items)
        if not isinstance(arg, (str, int, float, bool)):
            raise ValueError("an argument known only once deployed")
        if verb.endswith("q"):
            return json.dumps(str(arg))
        if verb.endswith("d"):
            return str(int(arg))
        return ("true" if arg else "false") if isinstance(arg, bool) else str(arg)

    return _VERB.sub(one, str(fmt))


def _lookup(base: str, mapping: Any, key: Any, *default: Any) -> Any:
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise KeyError(key)


def _merge(base: str, *maps: Any) -> Any:
    out: dict[str, Any] = {}
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, dict):
            return Unresolved("merge() of a value known only once deployed")
        out.update(m)
    return out


def _try(base: str, *args: Any) -> Any:
    for a in args:
        if not isinstance(a, Unresolved):
            return a
    return args[-1] if args else Unresolved("try()")


def _coalesce(base: str, *args: Any) -> Any:
    for a in args:
        if a not in (None, "") and not isinstance(a, Unresolved):
            return a
    return Unresolved("coalesce() of unknown values")


def _flatten(base: str, items: Any) -> Any:
    out: list[Any] = []
    for i in items:
        out += _flatten(base, i) if isinstance(i, list) else [i]
    return out


def _distinct(base: str, items: Any) -> Any:
    out: list[Any] = []
    for i in items:
        if i not in out:
            out.append(i)
    return out


def _element(base: str, items: Any, index: Any) -> Any:
    return items[int(index) % len(items)]


def _str(fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(base: str, *args: Any) -> Any:
        if not all(isinstance(a, (str, int, float)) for a in args):
            return Unresolved("a string function of a value known only once deployed")
        return fn(*args)

    return wrapped


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "file": _file,
    "templatefile": _unknown("templatefile()"),
    "filebase64sha256": _unknown("a file hash"),
    "filebase64sha512": _unknown("a file hash"),
    "filemd5": _unknown("a file hash"),
    "filesha256": _unknown("a file hash"),
    "filebase64": _unknown("a file's base64"),
    "timestamp": _unknown("timestamp()"),
    "uuid": _unknown("uuid()"),
    "format": _format,
    "join": lambda base, sep, items: sep.join(str(i) for i in items),
    "split": _str(lambda sep, text: text.split(sep)),
    "replace": _str(lambda text, old, new: text.replace(old, new)),
    "lower": _str(lambda text: text.lower()),
    "upper": _str(lambda text: text.upper()),
    "title": _str(lambda text: text.title()),
    "trimspace": _str(lambda text: text.strip()),
    "trimprefix": _str(lambda text, p: text[len(p) :] if text.startswith(p) else text),
    "trimsuffix": _str(lambda text, s: text[: -len(s)] if s and text.endswith(s) else text),
    "trim": _str(lambda text, chars: text.strip(chars)),
    "substr": _str(
        lambda text, off, n: text[int(off) : int(off) + int(n)] if int(n) >= 0 else text[int(off) :]
    ),
    "startswith": _str(lambda text, p: text.startswith(p)),
    "endswith": _str(lambda text, s: text.endswith(s)),
    "tostring": lambda base, v: v if isinstance(v, str) else json.dumps(v),
    "tonumber": lambda base, v: float(v) if "." in str(v) else int(v),
    "tobool": lambda base, v: v if isinstance(v, bool) else str(v) == "true",
    "tolist": lambda base, v: list(v),
    "toset": lambda base, v: _distinct(base, list(v)),
    "tomap": lambda base, v: dict(v),
    "concat": lambda base, *ls: [i for lst in ls for i in lst],
    "merge": _merge,
    "lookup": _lookup,
    "element": _element,
    "length": lambda base, v: len(v),
    "keys": lambda base, m: sorted(m),
    "values": lambda base, m: [m[k] for k in sorted(m)],
    "contains": lambda base, items, v: v in items,
    "flatten": _flatten,
    "distinct": _distinct,
    "compact": lambda base, items: [i for i in items if i not in (None, "")],
    "coalesce": _coalesce,
    "try": _try,
    "can": lambda base, v: not isinstance(v, Unresolved),
    "zipmap": lambda base, ks, vs: dict(zip(ks, vs)),
    "range": lambda base, *a: list(range(*(int(x) for x in a))),
    "one": lambda base, items: items[0] if items else None,
    "max": lambda base, *a: max(a),
    "min": lambda base, *a: min(a),
    "abs": lambda base, v: abs(v),
    "basename": _str(os.path.basename),
    "dirname": _str(os.path.dirname),
    "abspath": _str(lambda p: p),
    "pathexpand": _str(os.path.expanduser),
    "base64encode": _str(lambda t: __import__("base64").b64encode(t.encode()).decode()),
}
