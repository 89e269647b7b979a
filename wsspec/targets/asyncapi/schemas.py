"""JSON Schema draft 4 (API Gateway models) -> the AsyncAPI 3.0 schema format (a superset of
JSON Schema draft 7).

Only what differs is changed, and only where a schema sits (never inside ``enum``, ``default``
or ``examples``, which are data):

- ``$schema`` and ``id`` are dropped (AsyncAPI documents carry no per-schema dialect, and an
  ``id`` would change the base every ``$ref`` below it resolves against);
- boolean ``exclusiveMaximum``/``exclusiveMinimum`` become the draft 6+ numbers;
- ``$ref`` is re-pointed into the document: ``#/definitions/X`` of model ``M`` becomes
  ``#/components/schemas/M/definitions/X``, API Gateway's model URL
  (``https://apigateway.amazonaws.com/restapis/<id>/models/N``) becomes
  ``#/components/schemas/N``; any other reference cannot be resolved without the network and is
  replaced by an empty schema (with a note).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

MODEL_REF = re.compile(r"^https://apigateway\.amazonaws\.com/restapis/[^/]+/models/([^/#]+)(#.*)?$")
COMPONENT = "#/components/schemas/"

_SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_ONE = ("not", "additionalProperties", "additionalItems")


def convert(schema: Any, model: str, models: set[str], note: Callable[[str], None]) -> Any:
    """The AsyncAPI form of ``model``'s schema (a new structure; the input is not changed)."""
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("$schema", "id"):
            continue
        if key == "$ref" and isinstance(value, str):
            out[key] = _ref(value, model, models, note)
            if out[key] is None:
                return {"description": f"unresolved reference {value}"}
        elif key in ("exclusiveMaximum", "exclusiveMinimum") and isinstance(value, bool):
            bound = "maximum" if key == "exclusiveMaximum" else "minimum"
            if value and bound in schema:
                out[key] = schema[bound]
        elif key in _SCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {k: convert(v, model, models, note) for k, v in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, (list, tuple)):
            out[key] = [convert(v, model, models, note) for v in value]
        elif key in _SCHEMA_ONE or key == "items":
            out[key] = (
                [convert(v, model, models, note) for v in value]
                if isinstance(value, (list, tuple))
                else convert(value, model, models, note)
            )
        elif key == "dependencies" and isinstance(value, Mapping):
            out[key] = {
                k: list(v) if isinstance(v, (list, tuple)) else convert(v, model, models, note)
                for k, v in value.items()
            }
        else:
            out[key] = _data(value)
    for key in ("exclusiveMaximum", "exclusiveMinimum"):
        bound = "maximum" if key == "exclusiveMaximum" else "minimum"
        if isinstance(out.get(key), (int, float)) and not isinstance(out[key], bool):
            out.pop(bound, None)  # draft 6+: the exclusive bound replaces the inclusive one
    return out


def _ref(ref: str, model: str, models: set[str], note: Callable[[str], None]) -> str | None:
    if ref.startswith("#"):
        return COMPONENT + model + ref[1:]
    m = MODEL_REF.match(ref)
    if m and m.group(1) in models:
        return COMPONENT + m.group(1) + (m.group(2) or "#")[1:]
    note(f"model {model!r}: reference {ref!r} cannot be resolved offline; documented as any value")
    return None


def _data(value: Any) -> Any:
    """Plain JSON data (read-only mappings and tuples become dicts and lists)."""
    if isinstance(value, Mapping):
        return {k: _data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_data(v) for v in value]
    return value
