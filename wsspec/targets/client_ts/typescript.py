"""TypeScript text for the client: types from ``wsspec.messages.types``, literals, doc comments.

Every spec string becomes a string literal through ``escape.js_string`` (JSON with ASCII
escapes, which TypeScript reads back exactly) or a comment through ``doc`` (no line breaks,
and no ``*/`` that would end it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from wsspec import escape
from wsspec.messages import Arg, Json, doc_lines
from wsspec.messages.types import (
    AnyOf,
    Arr,
    Definition,
    Lit,
    MapOf,
    Prim,
    Ref,
    Scalar,
    Unknown,
)

IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_PRIM = {
    "string": "string",
    "number": "number",
    "integer": "number",
    "boolean": "boolean",
    "null": "null",
}


def string(value: str) -> str:
    return escape.js_string(value)


def literal(value: Any) -> str:
    """A JSON value as a TypeScript expression (JSON is valid TypeScript with ASCII escapes)."""
    return json.dumps(value, ensure_ascii=True, separators=(", ", ": "))


def scalar(value: Scalar) -> str:
    return literal(value)


def key(name: str) -> str:
    """A property name: bare when it is an identifier, else a string literal."""
    return name if IDENT.match(name) else string(name)


def type_expr(t: Arg) -> str:
    if isinstance(t, Json):
        return "JsonObject" if t.object_only else "Json"
    if isinstance(t, Prim):
        return _PRIM[t.kind]
    if isinstance(t, Lit):
        return " | ".join(scalar(v) for v in t.values)
    if isinstance(t, Arr):
        return f"Array<{type_expr(t.item)}>"
    if isinstance(t, MapOf):
        return f"{{ [key: string]: {type_expr(t.value)} }}"
    if isinstance(t, Ref):
        return t.name
    if isinstance(t, AnyOf):
        return " | ".join(
            f"({type_expr(m)})" if isinstance(m, AnyOf) else type_expr(m) for m in t.members
        )
    assert isinstance(t, Unknown)
    return "unknown"


def doc(*texts: str | None, indent: str = "") -> str:
    """A JSDoc comment (with a trailing newline), or "" when there is no text."""
    lines = [line.replace("*/", "*\\/") for line in doc_lines(*texts, width=90)]
    if not lines:
        return ""
    if len(lines) == 1:
        return f"{indent}/** {lines[0]} */\n"
    body = "".join(f"{indent} *{(' ' + line) if line else ''}\n" for line in lines)
    return f"{indent}/**\n{body}{indent} */\n"


def definition(d: Definition) -> str:
    """``export interface`` for an object, ``export type`` for anything else."""
    out = doc(d.doc)
    if d.members is None:
        return out + f"export type {d.name} = {type_expr(d.alias or Unknown())};\n"
    lines = [f"export interface {d.name} {{\n"]
    for m in d.members:
        lines.append(doc(m.doc, indent="  "))
        lines.append(f"  {key(m.key)}{'' if m.required else '?'}: {type_expr(m.type)};\n")
    if d.open:
        lines.append("  [key: string]: unknown;\n")
    lines.append("}\n")
    return out + "".join(lines)


def definitions(defs: Mapping[str, Definition]) -> str:
    return "\n".join(definition(d) for d in defs.values())
