"""What a changed field looks like in a plan: one ``Leaf`` per changed value, at any depth.

``leaves(field, old, new)`` walks both values together and yields a record for every leaf that
differs (after the same normalisation the planner compares with: ``None``, ``""``, ``[]`` and
``{}`` are "unset", ``1 == 1.0``): ``DefaultRouteSettings.ThrottlingBurstLimit: 500 → 100``.

- Mappings are walked key by key (``Environment.LOG_LEVEL``).
- IAM policy documents are compared statement by statement, matched by ``Sid`` (or by content
  when a statement has none): ``Policy.Statement[Sid=Connections].Action``.
- Lists of plain values show what was added and removed; lists of mappings are walked by index.
- Long or multi-line strings (and JSON held in strings) are compared line by line.
- Values under a sensitive path (``Environment.DB_PASSWORD`` when the spec marks the variable
  secret) are never shown: the leaf says only that the value changed.

Nothing is cut short: a leaf shows both whole values. Pure functions of plain data (no AWS).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from wsspec.deploy.records import Fmt, Json, Out

Op = Literal["change", "add", "remove"]
SENSITIVE = "(sensitive)"
LONG = 80  # strings longer than this (or with a line break) are compared line by line
POLICY_FIELDS = ("Policy", "AssumeRolePolicyDocument")


@dataclass(frozen=True)
class Leaf:
    """One changed value: its path from the field, both sides, and how it changed."""

    path: str
    old: Any
    new: Any
    op: Op = "change"
    line: int | None = None  # 1-based line number, for strings compared line by line
    sensitive: bool = False

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "op": self.op}
        out["old"] = SENSITIVE if self.sensitive and self.old is not None else self.old
        out["new"] = SENSITIVE if self.sensitive and self.new is not None else self.new
        if self.line is not None:
            out["line"] = self.line
        if self.sensitive:
            out["sensitive"] = True
        return out

    def text(self) -> str:
        """``path: old → new``, ``path: + new``, ``path: - old`` (``line N`` for text lines)."""
        where = self.path + (f" line {self.line}" if self.line is not None else "")
        if self.sensitive:
            verb = {"change": "changed", "add": "added", "remove": "removed"}[self.op]
            return f"{where}: (sensitive value {verb})"
        if self.op == "add":
            return f"{where}: + {literal(self.new)}"
        if self.op == "remove":
            return f"{where}: - {literal(self.old)}"
        return f"{where}: {literal(self.old)} → {literal(self.new)}"


def literal(v: Any) -> str:
    """A value as one line: JSON (strings quoted), tokens as ``<name>``."""
    return json.dumps(plain(v), sort_keys=True, ensure_ascii=False, default=str)


def plain(v: Any) -> Any:
    """Plain data: tokens as ``<name>``, ``Json`` unwrapped, tuples as lists, bytes as a size."""
    if isinstance(v, (Out, Fmt)):
        return str(v)
    if isinstance(v, Json):
        return plain(v.value)
    if isinstance(v, Mapping):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, bytes):
        return f"<{len(v)} bytes>"
    return v


def _unset(v: Any) -> bool:
    return v is None or v == "" or v == [] or v == {} or v == ()


def same(a: Any, b: Any) -> bool:
    """Equal as the planner compares: unset values alike, numbers by value, keys unordered."""
    if _unset(a) or _unset(b):
        return _unset(a) and _unset(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return all(same(a.get(k), b.get(k)) for k in set(a) | set(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _json_container(v: Any) -> Any:
    """The JSON object or array a string holds, else None."""
    if isinstance(v, str) and v[:1] in ("{", "["):
        try:
            parsed = json.loads(v)
        except ValueError:
            return None
        return parsed if isinstance(parsed, (dict, list)) else None
    return None


def _statements(doc: Any) -> list[dict[str, Any]] | None:
    """A policy document's statements with single values as lists, or None if not a policy."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("Statement"), (list, dict)):
        return None
    raw = doc["Statement"]
    out = []
    for st in raw if isinstance(raw, list) else [raw]:
        st = dict(st) if isinstance(st, Mapping) else {"": st}
        for k in ("Action", "NotAction", "Resource", "NotResource"):
            if isinstance(st.get(k), str):
                st[k] = [st[k]]
        out.append(st)
    return out


def _statement_key(st: Mapping[str, Any]) -> str:
    sid = st.get("Sid")
    return f"Sid={sid}" if sid else json.dumps(st, sort_keys=True, default=str)


def _policy(path: str, old: Any, new: Any) -> Iterator[Leaf]:
    """Two policy documents, statement by statement (matched by Sid, else by content)."""
    a, b = _statements(old) or [], _statements(new) or []
    if not same(_get(old, "Version"), _get(new, "Version")):
        yield Leaf(f"{path}.Version", _get(old, "Version"), _get(new, "Version"))
    olds = {_statement_key(st): st for st in a}
    news = {_statement_key(st): st for st in b}
    # statements without a Sid that changed: paired in order, each walked at its index
    lone_old = [k for k in olds if k not in news and not k.startswith("Sid=")]
    lone_new = [k for k in news if k not in olds and not k.startswith("Sid=")]
    paired = dict(zip(lone_new, lone_old))
    for key in [k for k in olds if k not in news and k not in paired.values()]:
        yield Leaf(f"{path}.Statement[{_where(key, a, olds)}]", olds[key], None, "remove")
    for key, st in news.items():
        if key in olds:
            yield from _walk(f"{path}.Statement[{key}]", olds[key], st)
        elif key in paired:
            yield from _walk(f"{path}.Statement[{_where(key, b, news)}]", olds[paired[key]], st)
        else:
            yield Leaf(f"{path}.Statement[{_where(key, b, news)}]", None, st, "add")


def _where(key: str, statements: list[dict[str, Any]], by_key: dict[str, Any]) -> str:
    """``Sid=…`` for a statement with a Sid, else its index in its document."""
    if key.startswith("Sid="):
        return key
    return str(next(i for i, st in enumerate(statements) if st is by_key[key]))


def _get(v: Any, key: str) -> Any:
    return v.get(key) if isinstance(v, Mapping) else None


def _lines(path: str, old: str, new: str) -> Iterator[Leaf]:
    """Two texts line by line: changed, added and removed lines with their line numbers."""
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(pairs):
            yield Leaf(path, a[i1 + k], b[j1 + k], line=j1 + k + 1)
        for k in range(i1 + pairs, i2):
            yield Leaf(path, a[k], None, "remove", line=k + 1)
        for k in range(j1 + pairs, j2):
            yield Leaf(path, None, b[k], "add", line=k + 1)


def _list(path: str, old: list[Any], new: list[Any]) -> Iterator[Leaf]:
    if all(isinstance(x, Mapping) for x in old + new) and old and new:
        for i in range(max(len(old), len(new))):
            x = old[i] if i < len(old) else None
            y = new[i] if i < len(new) else None
            yield from _walk(f"{path}[{i}]", x, y)
        return
    scalars = [x for x in old + new if not isinstance(x, (Mapping, list))]
    if len(scalars) == len(old) + len(new):
        gone = [x for x in old if not any(same(x, y) for y in new)]
        added = [y for y in new if not any(same(x, y) for x in old)]
        if gone or added:
            yield from (Leaf(path, x, None, "remove") for x in gone)
            yield from (Leaf(path, None, y, "add") for y in added)
            return
    yield Leaf(path, old, new)  # same items in another order, or nested lists


def _key_path(path: str, key: str) -> str:
    """``path.key``, or ``path["key"]`` when the key holds a dot, a bracket or a space."""
    if any(c in key for c in ".[] ") or not key:
        return f"{path}[{json.dumps(key)}]"
    return f"{path}.{key}"


def _walk(path: str, old: Any, new: Any) -> Iterator[Leaf]:
    if same(old, new):
        return
    if _statements(old) is not None and _statements(new) is not None:
        yield from _policy(path, old, new)
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for k in sorted(set(old) | set(new), key=str):
            yield from _walk(_key_path(path, str(k)), old.get(k), new.get(k))
        return
    if isinstance(old, list) and isinstance(new, list):
        yield from _list(path, old, new)
        return
    parsed_old, parsed_new = _json_container(old), _json_container(new)
    if parsed_old is not None and parsed_new is not None:
        yield from _walk(path, parsed_old, parsed_new)
        return
    if isinstance(old, str) and isinstance(new, str):
        if "\n" in old + new or max(len(old), len(new)) > LONG:
            yield from _lines(path, old, new)
            return
    if _unset(old):
        yield Leaf(path, None, new, "add")
    elif _unset(new):
        yield Leaf(path, old, None, "remove")
    else:
        yield Leaf(path, old, new)


def leaves(field: str, old: Any, new: Any, sensitive: frozenset[str] = frozenset()) -> list[Leaf]:
    """Every changed leaf of ``field`` (``old`` as it is, ``new`` as wanted).

    ``sensitive`` holds paths (``Environment.DB_PASSWORD``) whose values are never shown; a
    leaf at or under such a path is masked, and so is a whole value that contains one.
    """
    out = []
    for leaf in _walk(field, plain(old), plain(new)):
        hidden = any(
            leaf.path == s or leaf.path.startswith(s + ".") or s.startswith(leaf.path + ".")
            for s in sensitive
        )
        out.append(Leaf(leaf.path, leaf.old, leaf.new, leaf.op, leaf.line, hidden))
    return out
