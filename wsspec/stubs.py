"""Handler stubs: one user-owned source file per spec function, created once, never overwritten.

``render(spec, ctx)`` returns one ``Output(generated=False)`` per function; the writer creates
the file only when nothing exists at that path. What a stub contains depends on how the spec
uses the function: the routes it serves (``$connect``/``$disconnect``/messages, one- or
two-way, proxy or custom integration, request/response models) or the authorizer it backs,
and its grants (connection table, ``@connections``). This module decides those facts; the
templates in ``templates/stubs/`` only lay them out. Every spec-derived string that reaches
code goes through ``wsspec.escape`` (here, or as a template filter). A Node ``.js`` stub is
written as an ES module or as CommonJS the way Lambda will load it, from the package.json
files inside the function's source directory (``module_system``; ``notes`` explains the cases
where local Node would decide differently).
"""

from __future__ import annotations

import json
import keyword
import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from wsspec import derive, escape, names
from wsspec.errors import WsspecError
from wsspec.model import CONNECTION_KEY, Function, Route, Spec
from wsspec.targets import BuildContext, Output
from wsspec.templating import render as render_template

Lang = Literal["python", "nodejs"]
RouteKind = Literal["connect", "disconnect", "message"]

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
_JS_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_JS_RESERVED = frozenset(
    {
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "let",
        "static",
        "enum",
        "await",
        "implements",
        "package",
        "protected",
        "interface",
        "private",
        "public",
        "arguments",
        "eval",
    }
)


# ----------------------------------------------------------------------------- records
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


@dataclass(frozen=True)
class RouteStub:
    key: str  # raw route key (templates escape it)
    kind: RouteKind
    func: str  # the function that handles it (Python/JS identifier)
    two_way: bool
    proxy: bool
    request_type: str | None  # generated type of the body (or the whole event when not proxy)
    response_type: str | None
    reply: str | None  # expression that builds the response model value
    error_keys: tuple[str, ...]  # non-proxy: integration response keys matched on the error


@dataclass
class _Types:
    """JSON Schema draft 4 -> Python TypedDicts or JSDoc typedefs (a readable subset).

    Unsupported constructs (``$ref``, ``allOf``, ``not``) become ``Any``/``any``: the stub
    still type-checks and the comment says which model it came from.
    """

    lang: Lang
    defs: list[TypeDef] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    uses_any: bool = False
    uses_literal: bool = False

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
        return key if _JS_IDENT.match(key) else None

    def any(self) -> str:
        self.uses_any = True
        return "Any" if self.lang == "python" else "any"

    # -- conversion
    def model(self, name: str, schema: Mapping[str, Any]) -> str:
        return self._object(schema, self.unique(name), schema.get("description"))

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
                return self._union(parts)
        kind = schema.get("type")
        if kind is None and "properties" in schema:
            kind = "object"
        if isinstance(kind, (list, tuple)):
            return self._union([self.expr({**schema, "type": k}, hint) for k in kind])
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
        return key if _JS_IDENT.match(key) else escape.js_string(key)

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

    def _union(self, parts: list[str]) -> str:
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


# ----------------------------------------------------------------------------- facts
def _route_kind(key: str) -> RouteKind:
    if key == "$connect":
        return "connect"
    if key == "$disconnect":
        return "disconnect"
    return "message"


def _identifier(lang: Lang, route_key: str, taken: set[str]) -> str:
    base = names.snake(route_key)
    name = f"on_{base}" if lang == "python" else "on" + names.pascal(route_key)
    candidate, i = name, 2
    while candidate in taken:
        candidate, i = f"{name}_{i}" if lang == "python" else f"{name}{i}", i + 1
    taken.add(candidate)
    return candidate


def _check_entry(spec: Spec, fn: Function) -> None:
    ok = (
        fn.entry.isidentifier() and not keyword.iskeyword(fn.entry)
        if fn.language == "python"
        else bool(_JS_IDENT.match(fn.entry)) and fn.entry not in _JS_RESERVED
    )
    if not ok:
        raise WsspecError(
            f"function {fn.name}: entry {fn.entry!r} is not a valid {fn.language} function name",
            code="WS951",
            file=spec.source_file or None,
            hint="use letters, digits and underscores",
        )


def _python_version(runtime: str) -> tuple[int, int]:
    m = re.match(r"python(\d+)\.(\d+)", runtime)
    return (int(m.group(1)), int(m.group(2))) if m else (3, 12)


def _connect_route(spec: Spec) -> Route | None:
    return next((r for r in spec.routes if r.key == "$connect"), None)


def _identity_sources(lang: Lang, sources: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each configured identity source with a variable name and where the event carries it.

    ``path`` is where a ``context.<name>`` source sits in ``requestContext``: one level per
    dot, so ``context.identity.sourceIp`` is ``requestContext.identity.sourceIp``.
    """
    out = []
    taken: set[str] = set()
    for src in sources:
        parts = src.split(".")
        if src.startswith("route.request.header."):
            where, name = "header", src[len("route.request.header.") :]
        elif src.startswith("route.request.querystring."):
            where, name = "query", src[len("route.request.querystring.") :]
        elif src.startswith("stageVariables."):
            where, name = "stage", src[len("stageVariables.") :]
        else:
            where, name = "context", ".".join(parts[1:])
        base = names.snake(name)
        var = base if lang == "python" else _camel(base)
        if lang == "python" and keyword.iskeyword(var):
            var += "_"
        if lang == "nodejs" and var in _JS_RESERVED:
            var += "Value"
        candidate, i = var, 2
        while candidate in taken or candidate in ("event", "context", "principal", "policy"):
            candidate, i = f"{var}{i}", i + 1
        taken.add(candidate)
        out.append(
            {
                "source": src,
                "where": where,
                "name": name,
                "var": candidate,
                "path": name.split(".") if where == "context" else [name],
            }
        )
    return out


def _camel(snake: str) -> str:
    head, *rest = snake.lstrip("_").split("_") or [""]
    return (head or "x") + "".join(w[:1].upper() + w[1:] for w in rest)


def function_context(spec: Spec, fn: Function) -> dict[str, Any]:
    """Everything a stub template needs about one function (also used by tests)."""
    lang: Lang = fn.language
    _check_entry(spec, fn)
    env = derive.environment(spec, fn.name)
    types = _Types(lang)
    taken = {
        fn.entry,
        "send",
        "broadcast",
        "callback_endpoint",
        "management_api",
        "connection_ids",
        "verify",
        "handler",
        "sendToConnection",
        "managementApi",
        "callbackEndpoint",
        "connectionIds",
    }
    routes: list[RouteStub] = []
    for key in fn.routes:
        route = spec.route(key)
        integ = spec.route_integration(route)
        kind = _route_kind(key)
        request_type = response_type = reply = None
        req_schema: Mapping[str, Any] | None = None
        if kind == "message" and route.request_models:
            model_names = list(dict.fromkeys(route.request_models.values()))
            request_types = []
            for m in model_names:
                model = next((x for x in spec.models if x.name == m), None)
                if model is not None:
                    request_types.append(types.model(model.name, model.schema))
                    req_schema = model.schema if len(model_names) == 1 else None
            request_type = types._union(request_types) if request_types else None
        if kind == "message" and route.two_way and route.response_models:
            m = next(iter(route.response_models.values()))
            model = next((x for x in spec.models if x.name == m), None)
            if model is not None:
                response_type = types.model(model.name, model.schema)
                copies = {}
                req_props = (req_schema or {}).get("properties") or {}
                req_required = set((req_schema or {}).get("required") or ())
                source = "message" if integ.proxy else "event"
                for k, sub in (model.schema.get("properties") or {}).items():
                    if k in req_required and req_props.get(k) == sub:
                        copies[k] = (
                            f"{source}[{escape.py_string(k)}]"
                            if lang == "python"
                            else (
                                f"{source}.{k}"
                                if _JS_IDENT.match(k)
                                else f"{source}[{escape.js_string(k)}]"
                            )
                        )
                reply = types.record(model.schema, copies)
        routes.append(
            RouteStub(
                key=key,
                kind=kind,
                func=_identifier(lang, key, taken),
                two_way=route.two_way,
                proxy=integ.proxy,
                request_type=request_type,
                response_type=response_type,
                reply=reply,
                error_keys=tuple(r.key for r in integ.responses if r.key != "$default"),
            )
        )
    proxies = {r.proxy for r in routes}
    if len(proxies) > 1:
        raise WsspecError(
            f"function {fn.name} serves both proxy and custom (non-proxy) Lambda integrations; "
            "its handler could not tell the two event shapes apart",
            code="WS952",
            file=spec.source_file or None,
            hint="use one function per integration style",
        )
    if routes and fn.authorizers:
        raise WsspecError(
            f"function {fn.name} is both an authorizer and a route handler",
            code="WS953",
            file=spec.source_file or None,
            hint="authorizer events differ from route events; use separate functions",
        )
    connect = _connect_route(spec)
    kinds = {r.kind for r in routes}
    py_version = _python_version(fn.runtime) if lang == "python" else (0, 0)
    authorizer = spec.authorizer(fn.authorizers[0]) if fn.authorizers else None
    identity_sources = _identity_sources(lang, authorizer.identity_sources) if authorizer else []
    nested_context = any(len(s["path"]) > 1 for s in identity_sources)
    proxy = all(r.proxy for r in routes)
    table = "CONNECTIONS_TABLE" in env
    manage = fn.manage_connections
    # Python imports, decided here so that templates never import what they do not use.
    typing_names = {"TypedDict"} if (routes and proxy) or types.defs or authorizer else set()
    if (routes and proxy) or authorizer or types.uses_literal:
        typing_names.add("Literal")
    needs_not_required = bool((routes and proxy) or authorizer) or any(
        not f.required for t in types.defs for f in t.fields
    )
    if (
        types.uses_any
        or (not routes and not authorizer)
        or (manage and table)
        or nested_context
        or (not proxy and any(r.request_type is None for r in routes))
    ):
        typing_names.add("Any")
    modern = py_version >= (3, 11)
    if needs_not_required and modern:
        typing_names.add("NotRequired")
    type_checking = table or manage or (needs_not_required and not modern)
    uses_json = not routes or any(_uses_json(r, table, manage) for r in routes)
    if type_checking:
        typing_names.add("TYPE_CHECKING")
    return {
        "spec": spec,
        "fn": fn,
        "spec_file": os.path.basename(spec.source_file) if spec.source_file else "",
        "api_name": spec.api.name,
        "esm": module_system(spec, fn).esm,
        "not_required_runtime": py_version >= (3, 11),
        "routes": routes,
        "proxy": proxy,
        "dispatch": len(routes) > 1 and proxy,
        "typing_names": sorted(typing_names, key=lambda n: (n != "TYPE_CHECKING", n)),
        "type_checking": type_checking,
        "uses_json": uses_json,
        "uses_os": table or manage,
        "not_required_fallback": needs_not_required and not modern,
        "kinds": kinds,
        "event_types": sorted(
            {"connect": "CONNECT", "disconnect": "DISCONNECT", "message": "MESSAGE"}[k]
            for k in kinds
        ),
        "two_way": any(r.two_way for r in routes),
        "table": table,
        "manage": manage,
        "key": CONNECTION_KEY,
        "lambda_authorizer": connect is not None and connect.authorization == "CUSTOM",
        "iam_auth": connect is not None and connect.authorization == "AWS_IAM",
        "authorizer": authorizer,
        "identity_sources": identity_sources,
        "nested_context": nested_context,
        "types": types,
    }


def _uses_json(r: RouteStub, table: bool, manage: bool) -> bool:
    """Whether the stub's code for this route calls json (print/loads/dumps) -- mirrors the template."""
    if not r.proxy:
        return not r.two_way
    if r.kind in ("connect", "disconnect"):
        return not table
    if r.request_type or r.response_type:
        return True
    return not r.two_way and not manage


def template_for(fn: Function) -> str:
    ext = "py" if fn.language == "python" else "js"
    kind = "authorizer" if fn.authorizers else "handler"
    return f"stubs/{kind}.{ext}.j2"


def render_function(spec: Spec, fn: Function) -> str:
    return render_template(template_for(fn), **function_context(spec, fn))


# ----------------------------------------------------------------------------- module system
@dataclass(frozen=True)
class ModuleSystem:
    """How Lambda will load a Node.js handler: as an ES module (``esm``) or as CommonJS.

    ``.mjs`` is always ESM and ``.cjs`` always CommonJS. A ``.js`` file follows the nearest
    ``package.json``: ESM when its ``"type"`` is ``"module"``. Lambda only sees what is in the
    deployment package (the function's source directory, unzipped into /var/task), so the
    search stops at the source directory; local Node keeps looking above it (``local_esm``,
    searched up to the project directory, never beyond).
    """

    esm: bool
    local_esm: bool  # what local Node would do: differs from ``esm`` only for a package.json above
    package_json: str | None = None  # project-relative path of the package.json that decided
    problem: str | None = None  # why that package.json could not be read (then: no "type")


def _package_dirs(fn: Function) -> tuple[list[str], list[str]]:
    """(directories in the deployment package, directories above it), nearest first.

    Project-relative posix paths from the handler's directory up to the project directory
    ("."). A single-file source zips only that file, so no directory is in the package.
    """
    source = fn.source_dir
    chain, d = [], posixpath.dirname(fn.handler_path) or "."
    while True:
        chain.append(d)
        if d == ".":
            break
        d = posixpath.dirname(d) or "."

    def zipped(d: str) -> bool:
        return source == "." or d == source or d.startswith(source + "/")

    return [d for d in chain if zipped(d)], [d for d in chain if not zipped(d)]


def _package_type(project: Path, d: str) -> tuple[str, str | None] | None:
    """The ``"type"`` of ``<d>/package.json`` ("" for none) and why it was unreadable, or None
    when there is no package.json in ``d``. Reads nothing outside the project."""
    path = project / d / "package.json"
    if not path.is_file():
        return None
    real = path.resolve()
    if project not in real.parents:
        return "", "links outside the project and was not read"
    try:
        data = json.loads(path.read_bytes().decode("utf-8", "replace"))  # as Node decodes it
    except json.JSONDecodeError as exc:
        return "", f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    except OSError as exc:
        return "", f"cannot be read ({exc.strerror or exc.__class__.__name__})"
    if not isinstance(data, dict):
        return "", "is not a JSON object"
    return ("module" if data.get("type") == "module" else ""), None


def module_system(spec: Spec, fn: Function) -> ModuleSystem:
    """Whether ``fn``'s handler is an ES module where Lambda runs it (see ``ModuleSystem``)."""
    ext = posixpath.splitext(fn.handler_path)[1]
    if fn.language != "nodejs" or ext not in (".js", ".mjs"):
        return ModuleSystem(esm=False, local_esm=False)
    if ext == ".mjs":
        return ModuleSystem(esm=True, local_esm=True)
    project = Path(spec.project_dir).resolve()
    zipped, above = _package_dirs(fn)
    for deployed, dirs in ((True, zipped), (False, above)):
        for d in dirs:
            found = _package_type(project, d)
            if found is None:
                continue
            type_, problem = found
            rel = posixpath.normpath(posixpath.join(d, "package.json"))
            esm = type_ == "module"
            return ModuleSystem(
                esm=esm and deployed, local_esm=esm, package_json=rel, problem=problem
            )
    return ModuleSystem(esm=False, local_esm=False)


def _listing(paths: list[str]) -> tuple[str, bool]:
    return ", ".join(paths), len(paths) > 1


def notes(spec: Spec, ctx: BuildContext) -> list[str]:
    """Build notes on the module system of the ``.js`` stubs this build creates (one a line).

    Two cases need the user: a ``"type": "module"`` package.json outside the source directory
    (Lambda loads the handler as CommonJS, local Node as an ES module), and a package.json that
    cannot be read (treated as having no ``"type"``; Node itself refuses a malformed one).
    """
    outside: dict[tuple[str, str, bool], list[str]] = {}
    unreadable: dict[tuple[str, str], list[str]] = {}
    for fn in spec.functions:
        if fn.language != "nodejs" or not fn.handler_path.endswith(".js"):
            continue
        path = stub_path(spec, fn)
        if path.exists() or path.is_symlink():
            continue  # the user's file: wsspec writes nothing, so it decides nothing
        ms = module_system(spec, fn)
        if ms.package_json is None:
            continue
        if ms.problem is not None:
            unreadable.setdefault((ms.package_json, ms.problem), []).append(fn.handler_path)
        elif ms.local_esm and not ms.esm:
            single_file = fn.source_dir == fn.handler_path
            outside.setdefault((ms.package_json, fn.source_dir, single_file), []).append(
                fn.handler_path
            )
    out = []
    for (package_json, source, single_file), handlers in outside.items():
        listed, many = _listing(handlers)
        it, its = ("them", "their") if many else ("it", "its")
        fix = (
            f"name {it} .mjs (a single-file source cannot carry a package.json)"
            if single_file
            else f'add {{"type": "module"}} to {source}/package.json or name {it} .mjs'
        )
        out.append(
            f"stubs: {listed} {'are' if many else 'is'} written as CommonJS, as Lambda will load "
            f'{it}: {package_json} ("type": "module") is outside {its} source directory {source}, '
            "so the deployed zip has no package.json, while local Node loads "
            f"{it} as {'ES modules' if many else 'an ES module'}; for ES modules {fix}"
        )
    for (package_json, problem), handlers in unreadable.items():
        listed, many = _listing(handlers)
        refused = (
            "; Node refuses to load .js files under it until it is fixed"
            if problem.startswith("is not valid JSON")
            else ""
        )
        out.append(
            f"stubs: {package_json} {problem}, so {listed} {'are' if many else 'is'} "
            f"written as CommonJS{refused}"
        )
    return out


# ----------------------------------------------------------------------------- paths
def stub_path(spec: Spec, fn: Function) -> Path:
    """The absolute path of a function's handler, refusing anything outside the project.

    Validation reports these paths as errors; this is the last line of defence, so a stub is
    never written outside the project even when handed an unvalidated model.
    """
    project = Path(spec.project_dir).resolve()
    rel = fn.handler_path
    bad = (
        not rel
        or os.path.isabs(rel)
        or rel.startswith(("/", "\\"))
        or re.match(r"^[A-Za-z]:", rel) is not None
        or ".." in Path(rel).parts
    )
    target = project / rel
    if not bad:
        resolved = target.resolve()  # follows symlinks in every existing component
        bad = resolved != project and project not in resolved.parents
    if bad:
        raise WsspecError(
            f"function {fn.name}: handler {rel!r} is outside the project directory {project}",
            code="WS954",
            file=spec.source_file or None,
            hint="handler paths are relative to the spec file and stay inside its directory",
        )
    return target


# ----------------------------------------------------------------------------- target entry
def render(spec: Spec, ctx: BuildContext) -> list[Output]:
    """One user-owned stub per spec function (the writer creates only missing files)."""
    outputs = []
    for fn in spec.functions:
        path = stub_path(spec, fn)
        if path.exists() or path.is_symlink():
            # Kept as is: nothing of ours is written, so there is nothing to render.
            outputs.append(Output(path=path, content=b"", generated=False))
            continue
        outputs.append(
            Output(path=path, content=render_function(spec, fn).encode(), generated=False)
        )
    return outputs
