"""The API as its clients see it, derived once from the model for the AsyncAPI document and the
generated clients (so the three cannot disagree).

- ``sends``: one per route a client sends to (every route but ``$connect``/``$disconnect``):
  the method name in each client language, the route selection fields the client fills in
  (``selection.fields_for``), the argument type (the request models without those fields).
- ``receives``: what can arrive: route responses and the messages routes push through
  ``@connections`` (``pushes``), each with what tells it apart from the others (members whose
  schema allows one value, else its JSON kind, else plain text).
- the ``$connect`` parameters: query and header parameters, where the authorizer reads its
  token, the API key header, IAM.

Types come from ``types`` (JSON Schema draft 4 -> a small type tree each client prints).
Method names that collide raise ``WsspecError`` WS955 (the fix is ``operation_name``).
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from wsspec import names
from wsspec.errors import EXIT_INVALID, WsspecError
from wsspec.messages import selection
from wsspec.messages.reserved import PY_MEMBERS, RESERVED_TYPES, TS_MEMBERS
from wsspec.messages.selection import Field
from wsspec.messages.types import (
    Definition,
    Lit,
    Ref,
    Scalar,
    Type,
    TypeSet,
    Unknown,
    json_kind,
    union,
)
from wsspec.model import Route, Spec, plain

__all__ = [
    "GATEWAY_ERROR",
    "Arg",
    "KEEPALIVE_ROUTE",
    "ClientApi",
    "Field",
    "Json",
    "Param",
    "Receive",
    "Send",
    "client_api",
    "doc_lines",
    "message_value",
]

KEEPALIVE_ROUTE = "keepalive"  # the route the default keep-alive message selects
GATEWAY_ERROR = "GatewayError"  # API Gateway's own error frames ({"message", "connectionId", ...})


@dataclass(frozen=True)
class Json:
    """Any JSON value (``Json`` in both clients); ``object_only``: a JSON object."""

    object_only: bool = False


Arg = Type | Json


@dataclass(frozen=True)
class Send:
    """A route a client sends to."""

    route: str
    method: str  # TypeScript method and AsyncAPI operation name (camelCase)
    py_method: str  # Python method name (snake_case)
    summary: str | None
    description: str | None
    fields: tuple[Field, ...] | None  # None: the route selection cannot be filled in
    arg: Arg  # the method's argument type
    optional: bool  # the argument may be left out (nothing in it is required)
    models: tuple[str, ...]  # request models
    text: bool  # the argument is sent as text as it is (not as JSON)
    examples: tuple[Any, ...]
    reply: str | None  # the Receive name of its route response (two-way routes)


@dataclass(frozen=True)
class Receive:
    """A message a client can receive."""

    name: str  # handler name: the model name, or "<Route>Response" for an untyped response
    model: str | None
    type: Arg
    text: bool  # plain text: the frame's text is the value
    match: tuple[tuple[tuple[str, ...], Scalar], ...]  # members that must equal these values
    kind: str | None  # the JSON kind every value has (when ``match`` is empty)
    replies_to: tuple[str, ...]  # routes whose response this is
    pushed_by: tuple[str, ...]  # routes whose integration may push it
    typed: bool  # False: an untyped route response (documented, never dispatched by clients)


@dataclass(frozen=True)
class Param:
    location: Literal["query", "header"]
    name: str
    required: bool
    doc: str


@dataclass(frozen=True)
class ClientApi:
    definitions: Mapping[str, Definition]
    model_types: Mapping[str, str]  # model name -> definition name
    sends: tuple[Send, ...]
    receives: tuple[Receive, ...]  # in matching order
    query: tuple[Param, ...]  # $connect query parameters (the token's excluded)
    headers: tuple[Param, ...]  # $connect header parameters (the token's and API key's excluded)
    token: Param | None  # where the authorizer reads its token (the first identity source)
    api_key: Param | None  # the API key header, when $connect requires a key
    iam: bool  # $connect requires a SigV4-signed request
    keepalive: str  # the default keep-alive message (JSON text)
    notes: tuple[str, ...]

    @property
    def typed_receives(self) -> tuple[Receive, ...]:
        return tuple(r for r in self.receives if r.typed)


def message_value(fields: tuple[Field, ...]) -> dict[str, Any]:
    """The JSON object holding just the route selection fields."""
    out: dict[str, Any] = {}
    for f in fields:
        node = out
        for step in f.path[:-1]:
            node = node.setdefault(step, {})
        node[f.path[-1]] = f.value
    return out


def doc_lines(*texts: str | None, width: int = 88) -> list[str]:
    """Documentation text as plain lines for a comment: control characters and line separators
    become spaces, paragraphs are kept, long lines are wrapped. Each target still escapes
    what ends its comments."""
    import textwrap

    lines: list[str] = []
    for text in texts:
        if not text:
            continue
        for para in re.split(r"\n\s*\n", text):
            flat = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]+", " ", para).strip()
            if not flat:
                continue
            if lines:
                lines.append("")
            lines.extend(textwrap.wrap(flat, width, break_on_hyphens=False) or [flat])
    return lines


# ----------------------------------------------------------------------------- names
def _camel(name: str) -> str:
    p = names.pascal(name)
    out = p[:1].lower() + p[1:]
    return out if out[:1].isalpha() or out[:1] == "_" else "r" + out


def _snake(name: str) -> str:
    out = names.snake(name)
    if keyword.iskeyword(out) or keyword.issoftkeyword(out) or out.startswith("__"):
        out += "_"
    return out if out[:1].isalpha() or out[:1] == "_" else "r" + out


def _method_names(spec: Spec, routes: list[Route]) -> dict[str, tuple[str, str]]:
    """route key -> (TypeScript name, Python name); WS955 for a collision."""
    out: dict[str, tuple[str, str]] = {}
    seen: dict[tuple[int, str], str] = {}
    for r in routes:
        base = r.operation_name or r.key
        ts, py = _camel(base), _snake(base)
        for lang, name, members in ((0, ts, TS_MEMBERS), (1, py, PY_MEMBERS)):
            if name in members:
                raise _collision(
                    spec,
                    f"route {r.key!r} would become the client method {name!r}, which the client itself defines",
                )
            other = seen.setdefault((lang, name), r.key)
            if other != r.key:
                raise _collision(
                    spec,
                    f"routes {other!r} and {r.key!r} would both become the client method {name!r}",
                )
        out[r.key] = (ts, py)
    return out


def _collision(spec: Spec, message: str) -> WsspecError:
    return WsspecError(
        message,
        code="WS955",
        file=spec.source_file or None,
        exit_code=EXIT_INVALID,
        hint="give the route an operation_name: the clients name its method after it",
    )


# ----------------------------------------------------------------------------- derivation
def client_api(spec: Spec) -> ClientApi:
    schemas = {m.name: plain(m.schema) for m in spec.models}
    types = TypeSet(schemas, RESERVED_TYPES)
    model_types = {m.name: types.model(m.name) for m in spec.models}
    for m in spec.models:  # the model's own summary and description document its type
        d = types.definitions[model_types[m.name]]
        doc = "\n\n".join(x for x in (m.summary, m.description, d.doc) if x)
        types.definitions[d.name] = replace(d, doc=doc)
    notes: list[str] = []
    message_routes = [r for r in spec.routes if r.key not in ("$connect", "$disconnect")]
    methods = _method_names(spec, message_routes)
    receives = _receives(spec, types, model_types)
    reply_of = {route: r.name for r in receives for route in r.replies_to}
    sends = []
    for r in message_routes:
        fields = (
            () if r.key == "$default" else selection.fields_for(spec.api.route_selection, r.key)
        )
        if fields is None:
            notes.append(
                f"route {r.key!r}: the route selection expression cannot be filled in for it; "
                "its client method sends the message as given"
            )
        arg, optional, text = _argument(spec, r, fields, types, model_types, methods[r.key][0])
        sends.append(
            Send(
                route=r.key,
                method=methods[r.key][0],
                py_method=methods[r.key][1],
                summary=r.summary,
                description=r.description,
                fields=fields,
                arg=arg,
                optional=optional,
                models=tuple(dict.fromkeys(r.request_models.values())),
                text=text,
                examples=tuple(plain(e) for e in r.examples),
                reply=reply_of.get(r.key),
            )
        )
    notes += _ambiguities(receives)
    query, headers, token, api_key = _connect_params(spec)
    keep = selection.fields_for(spec.api.route_selection, KEEPALIVE_ROUTE) or ()
    return ClientApi(
        definitions=dict(types.definitions),
        model_types=model_types,
        sends=tuple(sends),
        receives=receives,
        query=query,
        headers=headers,
        token=token,
        api_key=api_key,
        iam=any(r.key == "$connect" and r.authorization == "AWS_IAM" for r in spec.routes),
        keepalive=json.dumps(message_value(keep), separators=(",", ":"), ensure_ascii=False),
        notes=tuple(notes),
    )


def _argument(
    spec: Spec,
    r: Route,
    fields: tuple[Field, ...] | None,
    types: TypeSet,
    model_types: Mapping[str, str],
    method: str,
) -> tuple[Arg, bool, bool]:
    """(argument type, whether it may be left out, whether it is sent as text)."""
    models = [
        spec_model for spec_model in spec.models if spec_model.name in r.request_models.values()
    ]
    if not models:
        if r.key == "$default" or fields is None:
            return Json(), False, False
        return Json(object_only=True), True, False
    text = not any(m.is_json for m in models)
    paths = [f.path for f in fields or ()]
    args: list[Type] = []
    for m in models:
        name = model_types[m.name]
        args.append(Ref(types.without(name, paths, names.pascal(method) + "Params")))
    arg = union(args)
    optional = all(_no_required(a, types.definitions) for a in args) and not text
    return arg, optional, text


def _no_required(t: Type, definitions: Mapping[str, Definition]) -> bool:
    if not isinstance(t, Ref):
        return False
    d = definitions.get(t.name)
    return d is not None and d.members is not None and not any(m.required for m in d.members)


def _receives(spec: Spec, types: TypeSet, model_types: Mapping[str, str]) -> tuple[Receive, ...]:
    replies: dict[str, list[str]] = {}
    pushes: dict[str, list[str]] = {}
    untyped: list[Receive] = []
    for r in spec.routes:
        if r.two_way and r.key not in ("$connect", "$disconnect"):
            model = r.response_models.get("$default")
            if model:
                replies.setdefault(model, []).append(r.key)
            else:
                name = names.pascal(r.key) + "Response"
                while name in model_types or any(u.name == name for u in untyped):
                    name += "_"
                untyped.append(
                    Receive(name, None, Unknown(), False, (), None, (r.key,), (), typed=False)
                )
        for model in r.pushes:
            pushes.setdefault(model, []).append(r.key)
    typed = []
    for m in spec.models:
        if m.name not in replies and m.name not in pushes:
            continue
        t: Type = Ref(model_types[m.name])
        match = _discriminators(t, types.definitions) if m.is_json else ()
        typed.append(
            Receive(
                name=m.name,
                model=m.name,
                type=t,
                text=not m.is_json,
                match=match,
                kind=json_kind(t, types.definitions) if m.is_json and not match else None,
                replies_to=tuple(replies.get(m.name, ())),
                pushed_by=tuple(pushes.get(m.name, ())),
                typed=True,
            )
        )
    # most specific first: more discriminators, then a known JSON kind, then any JSON, then text
    typed.sort(key=lambda r: (r.text, -len(r.match), r.kind is None))
    return tuple(typed) + tuple(untyped)


def _discriminators(
    t: Type, definitions: Mapping[str, Definition]
) -> tuple[tuple[tuple[str, ...], Scalar], ...]:
    """Required top-level members whose schema allows exactly one value."""
    if not isinstance(t, Ref):
        return ()
    d = definitions.get(t.name)
    if d is None or d.members is None:
        return ()
    return tuple(
        ((m.key,), m.type.values[0])
        for m in d.members
        if m.required and isinstance(m.type, Lit) and len(m.type.values) == 1
    )


def _ambiguities(receives: tuple[Receive, ...]) -> list[str]:
    """Notes on typed messages a client cannot tell apart (the first one listed wins)."""
    notes = []
    typed = [r for r in receives if r.typed]
    for i, a in enumerate(typed):
        for b in typed[i + 1 :]:
            if _overlap(a, b):
                notes.append(
                    f"clients cannot tell messages {a.name!r} and {b.name!r} apart: both go to "
                    f"the {a.name!r} handler (give them a required member with one allowed "
                    "value, e.g. type: {enum: [...]})"
                )
    return notes


def _overlap(a: Receive, b: Receive) -> bool:
    if a.text or b.text:
        return a.text and b.text
    if a.match and b.match:
        ma, mb = dict(a.match), dict(b.match)
        return all(ma[k] == mb[k] for k in ma.keys() & mb.keys())
    if a.match or b.match:
        return False
    return a.kind is None or b.kind is None or a.kind == b.kind


def _connect_params(
    spec: Spec,
) -> tuple[tuple[Param, ...], tuple[Param, ...], Param | None, Param | None]:
    connect = next((r for r in spec.routes if r.key == "$connect"), None)
    found: dict[tuple[str, str], Param] = {}

    def add(location: Literal["query", "header"], name: str, required: bool, doc: str) -> None:
        key = (location, name.lower() if location == "header" else name)
        old = found.get(key)
        found[key] = Param(location, name, required or (old is not None and old.required), doc)

    token: Param | None = None
    if connect is not None:
        for source, required in connect.request_parameters.items():
            loc, name = _parameter(source)
            if loc is not None:
                add(loc, name, required, "A request parameter of the `$connect` route.")
        if connect.authorizer:
            auth = spec.authorizer(connect.authorizer)
            for source in auth.identity_sources:
                loc, name = _parameter(source)
                if loc is None:
                    continue
                add(
                    loc,
                    name,
                    True,
                    f"Read by the authorizer `{auth.name}` when the connection is made.",
                )
                if token is None:
                    token = found[(loc, name.lower() if loc == "header" else name)]
    api_key = None
    if connect is not None and connect.api_key_required:
        if spec.api.api_key_selection == "$request.header.x-api-key":
            api_key = Param("header", "x-api-key", True, "The API key (a usage plan's key).")
            found.pop(("header", "x-api-key"), None)
    if token is not None:
        token_key = (
            token.location,
            token.name.lower() if token.location == "header" else token.name,
        )
        token = found.pop(token_key)
    query = tuple(p for p in found.values() if p.location == "query")
    headers = tuple(p for p in found.values() if p.location == "header")
    return query, headers, token, api_key


def _parameter(source: str) -> tuple[Literal["query", "header"] | None, str]:
    query, header = "route.request.querystring.", "route.request.header."
    if source.startswith(query) and len(source) > len(query):
        return "query", source[len(query) :]
    if source.startswith(header) and len(source) > len(header):
        return "header", source[len(header) :]
    return None, ""
