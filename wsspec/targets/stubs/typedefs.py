"""Handler stub types: request/response model schemas -> Python TypedDicts or JSDoc typedefs.

A readable subset of JSON Schema draft 4; what it does not cover becomes ``Any``/``any`` with a
comment naming the model. Every name and literal is escaped for the stub's language.
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from wsspec import escape, names
from wsspec.escape import JS_IDENT

Lang = Literal["python", "nodejs"]

# Names the templates define; a model type never takes one of them.
_FIXED_NAMES = {
    "python": {
        "Any",
        "Callable",
        "Literal",
        "NotRequired",
        "TypedDict",
        "TYPE_CHECKING",
        "Table",
        "ApiGatewayManagementApiClient",
        "Identity",
        "RequestContext",
        "Event",
        "Response",
        "AuthorizerEvent",
        "Statement",
        "PolicyDocument",
        "AuthorizerResponse",
        "ROUTES",
        "TABLE",
        "KEY",
        "TTL_ATTRIBUTE",
        "TTL_SECONDS",
    },
    "nodejs": {
        "Identity",
        "RequestContext",
        "WebSocketEvent",
        "Response",
        "AuthorizerEvent",
        "AuthorizerResponse",
        "Object",
        "Array",
        "Record",
        "Promise",
    },
}


@dataclass(frozen=True)
class TypeField:
    key: str  # escaped string literal of the property name
    name: str | None  # the bare name when it can be written without quotes
    type: str  # type expression in the target language (already escaped)
    required: bool
    comment: str  # escaped comment text ("" for none)


@dataclass(frozen=True)
class TypeDef:
    name: str
    fields: tuple[TypeField, ...]
    comment: str

    @property
    def class_syntax(self) -> bool:
        return all(f.name is not None for f in self.fields)


@dataclass
class TypeBuilder:
    """JSON Schema draft 4 -> Python TypedDicts or JSDoc typedefs (a readable subset).

    ``defs`` collects the definitions in the order the stub declares them; ``taken`` keeps
    every name unique (and clear of the names the templates define).

    Unsupported constructs (``$ref``, ``allOf``, ``not``) become ``Any``/``any``: the stub
    still type-checks and the comment says which model it came from.
    """

    lang: Lang
    defs: list[TypeDef] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    uses_any: bool = False
    uses_literal: bool = False
    models: dict[str, str] = field(default_factory=dict)  # model name -> its type's name

    def __post_init__(self) -> None:
        self.taken |= _FIXED_NAMES[self.lang]

    # -- names and literals
    def unique(self, base: str) -> str:
        name = names.pascal(base)
        if name in self.taken:
            name += "Model"
        candidate, i = name, 2
        while candidate in self.taken:
            candidate, i = f"{name}{i}", i + 1
        self.taken.add(candidate)
        return candidate

    def string(self, value: str) -> str:
        if self.lang == "python":
            return escape.py_string(value)
        return _jsdoc_safe(escape.js_string(value))

    def bare(self, key: str) -> str | None:
        if self.lang == "python":
            return key if key.isidentifier() and not keyword.iskeyword(key) else None
        return key if JS_IDENT.match(key) else None

    def any(self) -> str:
        self.uses_any = True
        return "Any" if self.lang == "python" else "any"

    # -- conversion
    def model(self, name: str, schema: Mapping[str, Any]) -> str:
        """The type of a spec model, declared once however many routes use it."""
        if name not in self.models:
            self.models[name] = self._object(schema, self.unique(name), schema.get("description"))
        return self.models[name]

    def expr(self, schema: Any, hint: str) -> str:
        py = self.lang == "python"
        if not isinstance(schema, Mapping):
            return self.any()
        if isinstance(schema.get("enum"), (list, tuple)) and schema["enum"]:
            values = [self._literal(v) for v in schema["enum"]]
            if any(v is None for v in values):
                return self.any()
            if py:
                self.uses_literal = True
                return f"Literal[{', '.join(v for v in values if v)}]"
            return "|".join(v for v in values if v)
        for combo in ("anyOf", "oneOf"):
            if isinstance(schema.get(combo), (list, tuple)) and schema[combo]:
                parts = [self.expr(s, f"{hint}{i}") for i, s in enumerate(schema[combo], 1)]
                return self.union(parts)
        kind = schema.get("type")
        if kind is None and "properties" in schema:
            kind = "object"
        if isinstance(kind, (list, tuple)):
            return self.union([self.expr({**schema, "type": k}, hint) for k in kind])
        scalars = {
            "string": ("str", "string"),
            "integer": ("int", "number"),
            "number": ("float", "number"),
            "boolean": ("bool", "boolean"),
            "null": ("None", "null"),
        }
        if kind in scalars:
            return scalars[kind][0 if py else 1]
        if kind == "array":
            item = self.expr(schema.get("items"), f"{hint}Item")
            return f"list[{item}]" if py else f"Array<{item}>"
        if kind == "object":
            if isinstance(schema.get("properties"), Mapping) and schema["properties"]:
                return self._object(schema, self.unique(hint), schema.get("description"))
            extra = schema.get("additionalProperties")
            value = self.expr(extra, f"{hint}Value") if isinstance(extra, Mapping) else self.any()
            return f"dict[str, {value}]" if py else f"Object<string, {value}>"
        return self.any()

    def zero(self, schema: Any) -> str:
        """A value of the schema's type for a required field (the user fills in the real one)."""
        py = self.lang == "python"
        if not isinstance(schema, Mapping):
            return "None" if py else "null"
        if isinstance(schema.get("enum"), (list, tuple)) and schema["enum"]:
            return self._literal(schema["enum"][0]) or ("None" if py else "null")
        kind = schema.get("type")
        if kind is None and "properties" in schema:
            kind = "object"
        if isinstance(kind, (list, tuple)):
            kind = kind[0] if kind else None
        simple = {
            "string": '""',
            "integer": "0",
            "number": "0.0" if py else "0",
            "boolean": "False" if py else "false",
            "null": "None" if py else "null",
            "array": "[]",
        }
        if kind in simple:
            return simple[kind]
        if kind == "object":
            return self.record(schema, {})
        return "None" if py else "null"

    def record(self, schema: Mapping[str, Any], copies: Mapping[str, str]) -> str:
        """A literal for an object schema: required properties, values copied where offered."""
        props = _properties(schema)
        required = [k for k in schema.get("required") or () if k in props]
        keys = list(required) + [k for k in copies if k in props and k not in required]
        parts = []
        for k in keys:
            value = copies.get(k) or self.zero(props[k])
            parts.append(f"{self.string(k) if self.lang == 'python' else self._js_key(k)}: {value}")
        if self.lang == "python":
            return "{" + ", ".join(parts) + "}"
        return "{ " + ", ".join(parts) + " }" if parts else "{}"

    def _js_key(self, key: str) -> str:
        return key if JS_IDENT.match(key) else escape.js_string(key)

    def _literal(self, value: Any) -> str | None:
        py = self.lang == "python"
        if isinstance(value, bool):
            return ("True" if value else "False") if py else ("true" if value else "false")
        if value is None:
            return "None" if py else "null"
        if isinstance(value, (int, float)):
            return repr(value)
        if isinstance(value, str):
            return self.string(value)
        return None

    def union(self, parts: list[str]) -> str:
        unique = list(dict.fromkeys(parts))
        if "Any" in unique or "any" in unique:
            return self.any()
        return (" | " if self.lang == "python" else "|").join(unique)

    def _object(self, schema: Mapping[str, Any], name: str, description: Any) -> str:
        props = _properties(schema)
        required = set(schema.get("required") or ())
        fields = []
        for key, sub in props.items():
            type_ = self.expr(sub, name + names.pascal(str(key)))
            note = []
            if isinstance(sub, Mapping):
                if isinstance(sub.get("description"), str):
                    note.append(sub["description"])
                if isinstance(sub.get("pattern"), str):
                    note.append(f"pattern {sub['pattern']}")
                if isinstance(sub.get("format"), str):
                    note.append(f"format {sub['format']}")
            fields.append(
                TypeField(
                    key=self.string(str(key)),
                    name=self.bare(str(key)),
                    type=type_,
                    required=key in required,
                    comment=escape.comment_text("; ".join(note)),
                )
            )
        comment = escape.comment_text(description) if isinstance(description, str) else ""
        self.defs.append(TypeDef(name=name, fields=tuple(fields), comment=comment))
        return name


def _properties(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    props = schema.get("properties")
    return props if isinstance(props, Mapping) else {}


def _jsdoc_safe(literal: str) -> str:
    """A JS string literal that cannot end the JSDoc comment it sits in."""
    return literal.replace("*/", "*\\/")
