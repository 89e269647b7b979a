"""Python text for the client: types from ``wsspec.messages.types``, literals, comments.

Every spec string becomes a string literal through ``escape.py_string`` (JSON with ASCII
escapes, which Python reads back exactly) or a ``#`` comment through ``comment`` (no line
breaks). Objects become ``TypedDict`` classes, in the functional form when a key is not an
identifier; its annotations are strings, so nothing in them is evaluated at run time.
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from typing import Any

from wsspec import escape
from wsspec.messages import Arg, Json, doc_lines
from wsspec.messages.types import AnyOf, Arr, Definition, Lit, MapOf, Prim, Ref, Unknown

_PRIM = {"string": "str", "number": "float", "integer": "int", "boolean": "bool", "null": "None"}


def string(value: str) -> str:
    return escape.py_string(value)


def literal(value: Any) -> str:
    """A JSON value as a Python expression."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return string(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{string(str(k))}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        items = [literal(v) for v in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    raise TypeError(f"not a JSON value: {value!r}")


def identifier(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and name.isascii()


def type_expr(t: Arg) -> str:
    if isinstance(t, Json):
        return "JsonObject" if t.object_only else "Json"
    if isinstance(t, Prim):
        return _PRIM[t.kind]
    if isinstance(t, Lit):
        values = [literal(v) for v in t.values if v is not None]
        none = " | None" if None in t.values else ""
        return f"Literal[{', '.join(values)}]{none}" if values else "None"
    if isinstance(t, Arr):
        return f"list[{type_expr(t.item)}]"
    if isinstance(t, MapOf):
        return f"dict[str, {type_expr(t.value)}]"
    if isinstance(t, Ref):
        return t.name
    if isinstance(t, AnyOf):
        return " | ".join(type_expr(m) for m in t.members)
    assert isinstance(t, Unknown)
    return "Any"


def comment(*texts: str | None, indent: str = "") -> str:
    """``#`` comment lines (with a trailing newline), or ""."""
    return "".join(
        f"{indent}#{(' ' + line) if line else ''}\n" for line in doc_lines(*texts, width=84)
    )


def definition(d: Definition) -> str:
    out = comment(d.doc)
    if d.members is None:
        return out + f"{d.name}: TypeAlias = {string(type_expr(d.alias or Unknown()))}\n"
    if not d.members:
        return out + f"{d.name} = TypedDict({string(d.name)}, {{}})\n"
    fields = [
        (m.key, type_expr(m.type) if m.required else f"NotRequired[{type_expr(m.type)}]", m.doc)
        for m in d.members
    ]
    if all(identifier(k) for k, _, _ in fields):
        body = "".join(comment(doc, indent="    ") + f"    {k}: {t}\n" for k, t, doc in fields)
        return out + f"class {d.name}(TypedDict):\n{body}"
    body = "".join(
        comment(doc, indent="    ") + f"    {string(k)}: {string(t)},\n" for k, t, doc in fields
    )
    return (
        out + f"{d.name} = TypedDict(\n    {string(d.name)},\n    {{\n{_indent(body)}    }},\n)\n"
    )


def _indent(text: str) -> str:
    return "".join("    " + line if line.strip() else line for line in text.splitlines(True))


def definitions(defs: Mapping[str, Definition]) -> str:
    return "\n\n".join(definition(d) for d in defs.values())


def docstring(*texts: str | None, indent: str = "        ") -> str:
    """A docstring (with a trailing newline), or "": every backslash and double quote escaped."""
    lines = doc_lines(*texts, width=84)
    if not lines:
        return ""
    esc = [line.replace("\\", "\\\\").replace('"', '\\"') for line in lines]
    if len(esc) == 1 and len(esc[0]) + len(indent) + 6 <= 100:
        return f'{indent}"""{esc[0]}"""\n'
    body = "".join(f"{indent}{line}\n" if line else "\n" for line in esc[1:])
    return f'{indent}"""{esc[0]}\n{body}{indent}"""\n'
