"""Whether an example value fits a model's JSON Schema (draft 4), offline."""

from __future__ import annotations

from typing import Any

import jsonschema
from referencing.exceptions import Unresolvable


def example_error(schema: Any, value: Any) -> str | None:
    """Why ``value`` does not fit the draft 4 ``schema``; None when it does or cannot be told
    (an invalid schema, or a reference that cannot be resolved offline)."""
    if not isinstance(schema, dict):
        return None
    try:
        error = jsonschema.exceptions.best_match(
            jsonschema.Draft4Validator(schema).iter_errors(value)
        )
    except (jsonschema.exceptions.SchemaError, Unresolvable):
        return None
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{error.message}" + (f" (at {where})" if where else "")
