"""Routing a message: the route selection expression picks the route
(``$default`` when the message is not JSON or no route matches), then the route's model
selection expression and request models decide whether the body is valid.
"""

from __future__ import annotations

from typing import Any

from wsspec.model import Integration, Route, Spec, plain
from wsspec.serve.selection import MISSING, Unevaluable, compile_body_selector, evaluate


class Router:
    """The routes of one spec, with what every message needs worked out once."""

    def __init__(self, spec: Spec, stringify: str = "json") -> None:
        self.spec = spec
        self.stringify = stringify
        self.routes: dict[str, Route] = {r.key: r for r in spec.routes}
        # route key -> its integration, looked up once (Spec.route_integration is a linear search)
        self.integrations: dict[str, Integration] = {
            r.key: spec.route_integration(r) for r in spec.routes
        }
        self.custom_routes = {k: r for k, r in self.routes.items() if not k.startswith("$")}
        self._selector = compile_body_selector(spec.api.route_selection, stringify)
        self._validators: dict[str, Any] = {}  # model name -> jsonschema validator

    def get(self, key: str) -> Route | None:
        """The route with this key (``$connect``, ``$disconnect`` ...), if the spec has it."""
        return self.routes.get(key)

    def integration(self, route: Route) -> Integration:
        """The integration of one of these routes."""
        return self.integrations[route.key]

    def select(self, body: Any) -> Route | None:
        """The route for a message whose parsed JSON is ``body`` (MISSING: not JSON)."""
        if body is MISSING:
            return self.routes.get("$default")
        try:
            key = self._selector(body)
        except Unevaluable:
            return self.routes.get("$default")
        route = self.custom_routes.get(key)
        if route is None and key == "$default":
            route = self.routes.get("$default")
        return route if route is not None else self.routes.get("$default")

    def valid_body(self, route: Route, body: Any) -> bool:
        """Whether ``body`` passes the route's request model (True when it has none)."""
        if not route.model_selection or not route.request_models:
            return True
        if body is MISSING:
            return False
        try:
            key = evaluate(route.model_selection, body, style=self.stringify)
        except Unevaluable:
            return False
        name = route.request_models.get(key) or route.request_models.get("$default")
        if name is None:
            return False
        validator = self._validators.get(name)
        if validator is None:
            model = next((m for m in self.spec.models if m.name == name), None)
            if model is None:
                return False
            validator = self._validators[name] = _validator(plain(model.schema))
        try:
            return bool(validator.is_valid(body))
        except Exception:  # noqa: BLE001 - an unresolvable $ref: the body cannot be shown valid
            return False

    def model_notes(self) -> list[str]:
        """Start-up notes for models whose ``$ref``s point outside the model (serve never
        fetches them: messages checked against such a model get the Bad request body frame)."""
        notes = []
        used = {n for r in self.spec.routes for n in r.request_models.values()}
        for model in self.spec.models:
            if model.name not in used:
                continue
            remote = sorted(r for r in _refs(plain(model.schema)) if not r.startswith("#"))
            if remote:
                notes.append(
                    f"not fetched: model {model.name} refers to {', '.join(remote)}; serve "
                    f"resolves only references inside the model (messages checked against it "
                    f"get the Bad request body frame)"
                )
        return notes


def _validator(schema: Any) -> Any:
    """A draft-4 validator whose ``$ref``s resolve inside the schema (and to the JSON Schema
    meta-schemas) only: the registry has no retrieval, so nothing is fetched from the network
    or the file system."""
    import jsonschema
    from jsonschema_specifications import REGISTRY

    return jsonschema.Draft4Validator(schema, registry=REGISTRY)


def _refs(value: Any) -> set[str]:
    """Every ``$ref`` string in a schema (iteratively: schemas may nest deeply)."""
    out: set[str] = set()
    stack = [value]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            ref = cur.get("$ref")
            if isinstance(ref, str):
                out.add(ref)
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)
    return out
