"""Whether an example value fits a model's JSON Schema (draft 4), offline.

References resolve inside the schema (``#/definitions/...``) and to the spec's other models by
their API Gateway model URL (``https://apigateway.amazonaws.com/restapis/<id>/models/<name>``);
nothing is fetched from the network (jsonschema would otherwise download any other URL).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT4

_MODEL_URL = re.compile(r"https://apigateway\.amazonaws\.com/restapis/[^/]+/models/([^/#]+)")


def _registry(models: Mapping[str, Any]) -> Registry[Any]:
    def retrieve(uri: str) -> Resource[Any]:
        match = _MODEL_URL.fullmatch(uri)
        schema = models.get(match.group(1)) if match else None
        if not isinstance(schema, dict):
            raise NoSuchResource(uri)
        return Resource.from_contents(schema, default_specification=DRAFT4)

    # ``retrieve`` is an attrs alias of the private field ``_retrieve``: mypy's attrs plugin
    # does not see aliases.
    return Registry(retrieve=retrieve)  # type: ignore[call-arg]


def example_error(schema: Any, value: Any, models: Mapping[str, Any] | None = None) -> str | None:
    """Why ``value`` does not fit the draft 4 ``schema``; None when it does or cannot be told
    (an invalid schema, or a reference to something other than a model in ``models``, the
    spec's model schemas by name)."""
    if not isinstance(schema, dict):
        return None
    try:
        # An invalid schema (``type: null``…) is reported by the model rules; validating
        # against it would raise from deep inside jsonschema.
        jsonschema.Draft4Validator.check_schema(schema)
        validator = jsonschema.Draft4Validator(schema, registry=_registry(models or {}))
        error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    except (jsonschema.exceptions.SchemaError, Unresolvable, TypeError, ValueError):
        return None
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{error.message}" + (f" (at {where})" if where else "")
