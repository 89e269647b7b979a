"""JSON Schema draft 4 (the spec's models) -> a small language-neutral type tree.

The clients print it as TypeScript or Python types. Every object schema with properties becomes
a named ``Definition`` (Python needs a name for each TypedDict); other schemas become inline
types. What the tree cannot express becomes ``Unknown`` (``unknown`` / ``Any``): the client
still compiles, the value is just not checked.

Covered: ``type`` (and lists of types), ``enum`` of scalars, ``properties``/``required``/
``additionalProperties``, ``items``, ``anyOf``/``oneOf`` (unions), ``allOf`` of objects (merged),
``$ref`` to the model's own ``definitions`` (any ``#/...`` pointer) and to another model
(API Gateway's ``https://apigateway.amazonaws.com/restapis/<id>/models/<name>`` form).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from wsspec import names

Scalar = Union[str, int, float, bool, None]
PrimKind = Literal["string", "number", "integer", "boolean", "null"]
MODEL_REF = re.compile(r"^https://apigateway\.amazonaws\.com/restapis/[^/]+/models/([^/#]+)(#.*)?$")


@dataclass(frozen=True)
class Prim:
    kind: PrimKind


@dataclass(frozen=True)
class Lit:
    values: tuple[Scalar, ...]


@dataclass(frozen=True)
class Arr:
    item: Type


@dataclass(frozen=True)
class MapOf:
    value: Type


@dataclass(frozen=True)
class Ref:
    name: str  # a Definition's name


@dataclass(frozen=True)
class AnyOf:
    members: tuple[Type, ...]


@dataclass(frozen=True)
class Unknown:
    pass


Type = Union[Prim, Lit, Arr, MapOf, Ref, AnyOf, Unknown]


@dataclass(frozen=True)
class Member:
    key: str  # the JSON member name, as written in the schema
    type: Type
    required: bool
    doc: str  # description (and format/pattern notes), "" for none


@dataclass(frozen=True)
class Definition:
    """A named type: an object (``members``; ``open`` when other members are allowed) or an
    alias of an inline type."""

    name: str
    doc: str
    members: tuple[Member, ...] | None = None
    open: bool = True
    alias: Type | None = None


def doc_of(schema: Mapping[str, Any]) -> str:
    notes = []
    if isinstance(schema.get("description"), str):
        notes.append(schema["description"])
    if isinstance(schema.get("format"), str):
        notes.append(f"format {schema['format']}")
    if isinstance(schema.get("pattern"), str):
        notes.append(f"pattern {schema['pattern']}")
    return "; ".join(notes)


def _pointer(schema: Any, pointer: str) -> Any:
    """Follow a JSON pointer (``/definitions/X``) inside ``schema``; None when it leads nowhere."""
    node = schema
    for raw in pointer.split("/")[1:] if pointer else []:
        step = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and step in node:
            node = node[step]
        elif isinstance(node, (list, tuple)) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return None
    return node


@dataclass
class TypeSet:
    """Definitions for a set of models, named uniquely and clear of ``reserved`` names."""

    models: Mapping[str, Mapping[str, Any]]  # model name -> schema
    reserved: frozenset[str] = frozenset()
    definitions: dict[str, Definition] = field(default_factory=dict)
    _taken: set[str] = field(default_factory=set)
    _refs: dict[tuple[str, str], str] = field(default_factory=dict)  # (model, pointer) -> name
    _building: list[str] = field(default_factory=list)  # the model being converted (a stack)

    def unique(self, base: str) -> str:
        name = names.pascal(base)
        if not name[0].isalpha():
            name = "T" + name
        if name in self.reserved or name in self._taken:
            name += "Model"
        candidate, i = name, 2
        while candidate in self.reserved or candidate in self._taken:
            candidate, i = f"{name}{i}", i + 1
        self._taken.add(candidate)
        return candidate

    def model(self, model: str) -> str:
        """The name of the definition of a model (converted on first use)."""
        return self._ref(model, "")

    def _ref(self, model: str, pointer: str) -> str:
        key = (model, pointer)
        if key in self._refs:
            return self._refs[key]
        schema = _pointer(self.models.get(model), pointer)
        hint = model + (pointer.rsplit("/", 1)[-1].title() if pointer else "")
        name = self.unique(hint)
        self._refs[key] = name  # before converting: recursive schemas refer to it
        self._building.append(model)
        try:
            if not isinstance(schema, Mapping):
                self.definitions[name] = Definition(name, "", alias=Unknown())
            else:
                self._define(name, schema)
        finally:
            self._building.pop()
        return name

    def _define(self, name: str, schema: Mapping[str, Any]) -> None:
        merged = self._merged(schema)
        props = merged.get("properties") if merged is not None else None
        if merged is not None and isinstance(props, Mapping) and props:
            self._object(name, merged)
            return
        self.definitions[name] = Definition(name, doc_of(schema), alias=self.type(schema, name))

    def _object(self, name: str, schema: Mapping[str, Any]) -> None:
        # reserve the slot first so definitions come out parents before children
        self.definitions[name] = Definition(name, doc_of(schema), members=())
        required = schema.get("required")
        required = set(required) if isinstance(required, (list, tuple)) else set()
        members = []
        for key, sub in schema["properties"].items():
            members.append(
                Member(
                    key=str(key),
                    type=self.type(sub, name + names.pascal(str(key))),
                    required=key in required,
                    doc=doc_of(sub) if isinstance(sub, Mapping) else "",
                )
            )
        self.definitions[name] = Definition(
            name,
            doc_of(schema),
            members=tuple(members),
            open=schema.get("additionalProperties") is not False,
        )

    def _merged(self, schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """An ``allOf`` of objects as one object schema (None when a part is not an object)."""
        parts = schema.get("allOf")
        if not isinstance(parts, (list, tuple)) or not parts:
            return schema
        props: dict[str, Any] = dict(schema.get("properties") or {})
        required = list(schema.get("required") or ())
        closed = schema.get("additionalProperties") is False
        for part in parts:
            part = self._resolve(part)
            part = self._merged(part) if isinstance(part, Mapping) else None
            if part is None or part.get("type", "object") != "object":
                return None
            props.update(part.get("properties") or {})
            required += list(part.get("required") or ())
            closed = closed or part.get("additionalProperties") is False
        merged: dict[str, Any] = {"type": "object", "properties": props, "required": required}
        if isinstance(schema.get("description"), str):
            merged["description"] = schema["description"]
        if closed:
            merged["additionalProperties"] = False
        return merged

    def _resolve(self, schema: Any) -> Any:
        """A ``$ref`` schema replaced by what it points to (one level; for ``allOf``)."""
        if not isinstance(schema, Mapping) or not isinstance(schema.get("$ref"), str):
            return schema
        target = self._target(schema["$ref"])
        return _pointer(self.models.get(target[0]), target[1]) if target else None

    def _target(self, ref: str) -> tuple[str, str] | None:
        """(model, pointer) a ``$ref`` names, or None."""
        if ref.startswith("#") and self._building:
            return self._building[-1], ref[1:]
        m = MODEL_REF.match(ref)
        if m and m.group(1) in self.models:
            return m.group(1), (m.group(2) or "#")[1:]
        return None

    def type(self, schema: Any, hint: str) -> Type:
        """The type of a (sub)schema; objects with properties become definitions."""
        if not isinstance(schema, Mapping):
            return Unknown()
        if isinstance(schema.get("$ref"), str):
            target = self._target(schema["$ref"])
            return Ref(self._ref(*target)) if target else Unknown()
        enum = schema.get("enum")
        if isinstance(enum, (list, tuple)) and enum:
            if all(v is None or isinstance(v, (str, int, float, bool)) for v in enum):
                unique = {(type(v).__name__, v): v for v in enum}  # 1 and True are not one value
                return Lit(tuple(unique.values()))
            return Unknown()
        for combo in ("anyOf", "oneOf"):
            options = schema.get(combo)
            if isinstance(options, (list, tuple)) and options:
                return union([self.type(s, f"{hint}{i}") for i, s in enumerate(options, 1)])
        if isinstance(schema.get("allOf"), (list, tuple)) and schema["allOf"]:
            merged = self._merged(schema)
            if merged is None:
                return Unknown()
            schema = merged
        kind = schema.get("type")
        if kind is None and "properties" in schema:
            kind = "object"
        if isinstance(kind, (list, tuple)):
            return union([self.type({**schema, "type": k}, hint) for k in kind])
        if kind in ("string", "number", "integer", "boolean", "null"):
            return Prim(kind)
        if kind == "array":
            items = schema.get("items")
            if isinstance(items, (list, tuple)):
                return Arr(
                    union([self.type(s, f"{hint}Item") for s in items]) if items else Unknown()
                )
            return Arr(self.type(items, f"{hint}Item") if items is not None else Unknown())
        if kind == "object":
            props = schema.get("properties")
            if isinstance(props, Mapping) and props:
                name = self.unique(hint)
                self._object(name, schema)
                return Ref(name)
            extra = schema.get("additionalProperties")
            return MapOf(
                self.type(extra, f"{hint}Value") if isinstance(extra, Mapping) else Unknown()
            )
        return Unknown()

    def without(self, name: str, paths: list[tuple[str, ...]], hint: str) -> str:
        """A copy of object definition ``name`` without the members at ``paths`` (the ones a
        client method fills in itself); ``name`` when nothing is removed."""
        d = self.definitions.get(name)
        if d is None or d.members is None or not paths:
            return name
        top = {p[0] for p in paths if len(p) == 1}
        members = []
        changed = False
        for m in d.members:
            if m.key in top:
                changed = True
                continue
            inner = [p[1:] for p in paths if len(p) > 1 and p[0] == m.key]
            if inner and isinstance(m.type, Ref):
                sub = self.without(m.type.name, inner, hint + names.pascal(m.key))
                if sub != m.type.name:
                    m = Member(m.key, Ref(sub), False, m.doc)
                    changed = True
            members.append(m)
        if not changed:
            return name
        new = self.unique(hint)
        self.definitions[new] = Definition(new, d.doc, members=tuple(members), open=d.open)
        return new


def union(types: list[Type]) -> Type:
    flat: list[Type] = []
    for t in types:
        for member in t.members if isinstance(t, AnyOf) else (t,):
            if member not in flat:
                flat.append(member)
    if any(isinstance(t, Unknown) for t in flat) or not flat:
        return Unknown()
    return flat[0] if len(flat) == 1 else AnyOf(tuple(flat))


def json_kind(t: Type, definitions: Mapping[str, Definition]) -> str | None:
    """The JSON kind every value of ``t`` has (object, array, string, number, boolean, null),
    or None when it varies or is unknown."""
    if isinstance(t, Ref):
        d = definitions.get(t.name)
        if d is None:
            return None
        return "object" if d.members is not None else json_kind(d.alias or Unknown(), definitions)
    if isinstance(t, Prim):
        return "number" if t.kind == "integer" else t.kind
    if isinstance(t, Arr):
        return "array"
    if isinstance(t, MapOf):
        return "object"
    kinds: set[str | None] = set()
    if isinstance(t, Lit):
        kinds = {_scalar_kind(v) for v in t.values}
    elif isinstance(t, AnyOf):
        kinds = {json_kind(m, definitions) for m in t.members}
    return kinds.pop() if len(kinds) == 1 else None


def _scalar_kind(v: Scalar) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    return "string"
