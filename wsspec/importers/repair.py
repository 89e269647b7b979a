"""Last resort: drop a setting the spec's checks refuse, with a note, instead of failing.

The assembler translates what it knows; an input can still combine settings that wsspec's
checks refuse (an integration timeout over 29 s, an operation name over 64 characters ...).
Each such optional leaf is removed and becomes a ``not imported`` note carrying the check's
message, and the spec is validated again (a few rounds at most). Errors about keys the spec
cannot do without stay errors (WS977).
"""

from __future__ import annotations

import re
from typing import Any

from wsspec.errors import Finding
from wsspec.importers.graph import Notes
from wsspec.importers.values import show

# Keys never dropped: without them the entry means something else or nothing.
_KEEP = {
    "type",
    "function",
    "integration",
    "handler",
    "name",
    "wsspec",
    "schema",
    "url",
    "arn",
    "service",
}
_PART = re.compile(r"\[(\d+)\]")


def locate(data: Any, dotted: str) -> list[Any] | None:
    """The data path (keys and list indexes) of a finding's dotted path, or None."""
    out: list[Any] = []
    rest = dotted
    node = data
    while rest:
        m = _PART.match(rest)
        if m is not None and isinstance(node, list):
            index = int(m.group(1))
            if index >= len(node):
                return None
            out.append(index)
            node = node[index]
            rest = rest[m.end() :].lstrip(".")
            continue
        if not isinstance(node, dict):
            return None
        keys = sorted(
            (k for k in node if rest == k or rest.startswith((k + ".", k + "["))), key=len
        )
        if not keys:
            return None
        key = keys[-1]
        out.append(key)
        node = node[key]
        rest = rest[len(key) :].lstrip(".")
    return out


def drop(data: dict[str, Any], findings: list[Finding], notes: Notes) -> bool:
    """Remove the optional leaves the error findings point at; True when anything changed."""
    changed = False
    for f in findings:
        if f.severity != "error":
            continue
        path = locate(data, f.path)
        if not path or not isinstance(path[-1], str) or path[-1] in _KEEP or len(path) < 2:
            continue
        parent: Any = data
        for step in path[:-1]:
            parent = parent[step]
        if not isinstance(parent, dict) or path[-1] not in parent:
            continue
        value = parent.pop(path[-1])
        where = tuple(str(p) for p in path[:-1] if isinstance(p, str))
        notes.skip(where, f"{path[-1]}: {show(value)[:60]} ({f.message})")
        changed = True
    return changed
