"""``build_model``: spec data (past the schema and the checks) -> the frozen ``Spec``.

One builder per section; each applies its defaults exactly once.
"""

from __future__ import annotations

import posixpath
from typing import Any, Literal, Mapping

from wsspec.model import auth
from wsspec.model.kubernetes import build_keda, build_workload
from wsspec.model.records import (
    CONNECTION_KEY,
    DEFAULT_ACCESS_LOG_FORMAT,
    DEFAULT_API_KEY_SELECTION,
    DEFAULT_FUNCTION_TIMEOUT,
    DEFAULT_IDENTITY_SOURCE,
    DEFAULT_MEMORY,
    DEFAULT_NODE_RUNTIME,
    DEFAULT_PYTHON_RUNTIME,
    DEFAULT_ROUTE_SELECTION,
    DEFAULT_STAGE,
    DEFAULT_TIMEOUT_MS,
    DEFAULT_TTL_ATTRIBUTE,
    DEFAULT_TTL_SECONDS,
    AccessLog,
    Api,
    Authorizer,
    ConnectionTable,
    Dependencies,
    Domain,
    FrozenDict,
    Function,
    FunctionLogging,
    IamStatement,
    Integration,
    IntegrationResponse,
    Layer,
    Model,
    Route,
    RouteSettings,
    ServiceRole,
    Spec,
    Stage,
    VpcLink,
    dependency_kind,
    frozen,
)
from wsspec.model.tables import build_access, build_tables, build_triggers, table_options
from wsspec.monitoring import build_monitoring


def _deep_frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return FrozenDict({k: _deep_frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_deep_frozen(v) for v in value)
    return value


def _settings(d: Mapping[str, Any]) -> RouteSettings:
    thr = d.get("throttling") or {}
    logging = d.get("logging")
    return RouteSettings(
        throttling_burst=thr.get("burst"),
        throttling_rate=float(thr["rate"]) if thr.get("rate") is not None else None,
        logging_level=str(logging).upper() if logging is not None else None,
        data_trace=d.get("data_trace"),
        detailed_metrics=d.get("detailed_metrics"),
    )


def _upper(v: str | None) -> str | None:
    return v.upper() if isinstance(v, str) else None


def _handler_info(name: str, d: Mapping[str, Any]) -> dict[str, Any]:
    handler = posixpath.normpath(str(d["handler"]).replace("\\", "/"))
    ext = posixpath.splitext(handler)[1]
    runtime = d.get("runtime") or (
        DEFAULT_NODE_RUNTIME if ext in (".js", ".mjs", ".cjs") else DEFAULT_PYTHON_RUNTIME
    )
    language = "nodejs" if runtime.startswith("nodejs") else "python"
    source = posixpath.normpath(str(d.get("source") or posixpath.dirname(handler) or "."))
    rel = posixpath.relpath(handler, source)
    module = posixpath.splitext(rel)[0]
    entry = d.get("entry", "handler")
    lambda_module = module.replace("/", ".") if language == "python" else module
    return {
        "handler_path": handler,
        "source_dir": source,
        "entry": entry,
        "lambda_handler": f"{lambda_module}.{entry}",
        "runtime": runtime,
        "language": language,
    }


def _integration(
    iid: str,
    name: str | None,
    d: Mapping[str, Any],
    routes: tuple[str, ...],
    stages: tuple[str, ...] = (DEFAULT_STAGE,),
) -> Integration:
    kind = d["type"]
    proxy = d.get("proxy")
    if kind == "lambda":
        itype = "AWS" if proxy is False else "AWS_PROXY"
        method = "POST"
    elif kind == "http":
        itype = "HTTP_PROXY" if proxy else "HTTP"
        method = str(d.get("method", "POST")).upper()
    elif kind == "aws":
        itype = "AWS"
        method = str(d.get("method", "POST")).upper()
    else:
        itype = "MOCK"
        method = None
    role = None
    if kind == "aws" and not d.get("credentials"):
        if d.get("actions"):
            actions: tuple[str, ...] = tuple(d["actions"])
        elif d.get("action"):
            actions = (f"{d['service']}:{d['action']}",)
        else:
            actions = ()
        role = ServiceRole(actions=actions, resources=tuple(d.get("resources") or ()))
    responses = tuple(
        IntegrationResponse(
            key=key,
            templates=frozen((r or {}).get("templates")),
            template_selection=(r or {}).get("template_selection"),
            content_handling=_upper((r or {}).get("content_handling")),
        )
        for key, r in (d.get("responses") or {}).items()
    )
    return Integration(
        id=iid,
        name=name,
        routes=routes,
        kind=kind,
        type=itype,
        description=d.get("description"),
        function=d.get("function"),
        lambda_arn=d.get("arn") if kind == "lambda" else None,
        url=d.get("url"),
        service=d.get("service"),
        action=d.get("action"),
        path=d.get("path"),
        method=method,
        timeout_ms=int(d.get("timeout_ms", DEFAULT_TIMEOUT_MS)),
        credentials_arn=d.get("credentials"),
        role=role,
        vpc_link=d.get("vpc_link"),
        vpc_link_id=d.get("vpc_link_id"),
        request_parameters=frozen(d.get("request_parameters")),
        request_templates=frozen(d.get("request_templates")),
        template_selection=d.get("template_selection"),
        passthrough=_upper(d.get("passthrough")),
        content_handling=_upper(d.get("content_handling")),
        responses=responses,
        kubernetes=build_workload(d.get("kubernetes"), stages),
    )


def inline_integration_id(route_key: str) -> str:
    return f"route:{route_key}"


def function_integration_id(function: str) -> str:
    """Routes that say ``function: X`` share one Lambda proxy integration per function."""
    return f"function:{function}"


def route_integration_data(route: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any] | None]:
    """(named integration, inline integration data) of a route in spec form."""
    integ = route.get("integration")
    if isinstance(integ, str):
        return integ, None
    return None, integ


def _api(api_d: Mapping[str, Any]) -> Api:
    return Api(
        name=api_d["name"],
        description=api_d.get("description"),
        route_selection=api_d.get("route_selection", DEFAULT_ROUTE_SELECTION),
        api_key_selection=api_d.get("api_key_selection", DEFAULT_API_KEY_SELECTION),
        disable_execute_api_endpoint=bool(api_d.get("disable_execute_api_endpoint", False)),
        disable_schema_validation=bool(api_d.get("disable_schema_validation", False)),
        tags=_strings(api_d.get("tags")),
        ip_address_type=api_d.get("ip_address_type", "ipv4"),
    )


def _logging(d: Any) -> FunctionLogging | None:
    """A function's ``logging``: a level implies the JSON format (Lambda filters JSON only)."""
    if not isinstance(d, dict) or not d:
        return None
    level, system = d.get("level"), d.get("system_level")
    json_format = d.get("format") == "json" or (d.get("format") is None and (level or system))
    return FunctionLogging(
        format="JSON" if json_format else "Text",
        level=str(level).upper() if level else None,
        system_level=str(system).upper() if system else None,
    )


def _strings(d: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only map with every value as a string (tags, variables, environment)."""
    return frozen({k: str(v) for k, v in (d or {}).items()})


def _integrations(
    routes_d: Mapping[str, Any], named_d: Mapping[str, Any], stages: tuple[str, ...]
) -> tuple[tuple[Integration, ...], dict[str, str]]:
    """(every integration: named, per-function shared, inline; route key -> integration id)."""
    users: dict[str, list[str]] = {name: [] for name in named_d}
    route_integ: dict[str, str] = {}
    inline: list[Integration] = []
    shared: dict[str, list[str]] = {}
    for key, r in routes_d.items():
        if "function" in r:
            shared.setdefault(r["function"], []).append(key)
            route_integ[key] = function_integration_id(r["function"])
            continue
        named, inline_d = route_integration_data(r)
        if named is not None:
            users.setdefault(named, []).append(key)
            route_integ[key] = named
        else:
            iid = inline_integration_id(key)
            inline.append(_integration(iid, None, inline_d or {}, (key,), stages))
            route_integ[key] = iid
    integrations = (
        tuple(
            _integration(name, name, d, tuple(users.get(name, ())), stages)
            for name, d in named_d.items()
        )
        + tuple(
            _integration(
                function_integration_id(fn), None, {"type": "lambda", "function": fn}, tuple(keys)
            )
            for fn, keys in shared.items()
        )
        + tuple(inline)
    )
    return integrations, route_integ


def _route(key: str, r: Mapping[str, Any], integration: str) -> Route:
    auth = r.get("authorization")
    authorizer = r.get("authorizer")
    authorization: Literal["NONE", "AWS_IAM", "CUSTOM"] = (
        "CUSTOM" if authorizer else ("AWS_IAM" if auth == "iam" else "NONE")
    )
    params = {
        k: (v if isinstance(v, bool) else bool((v or {}).get("required", False)))
        for k, v in (r.get("request_parameters") or {}).items()
    }
    resp = r.get("response")
    response_models = (resp.get("models") or {}) if isinstance(resp, Mapping) else {}
    return Route(
        key=key,
        integration=integration,
        authorization=authorization,
        authorizer=authorizer,
        api_key_required=bool(r.get("api_key_required", False)),
        request_parameters=frozen(params),
        request_models=frozen(r.get("request_models")),
        model_selection=r.get("model_selection"),
        two_way=bool(resp),
        response_models=frozen(response_models),
        operation_name=r.get("operation_name"),
        summary=r.get("summary"),
        description=r.get("description"),
        examples=tuple(_deep_frozen(e) for e in r.get("examples") or ()),
        pushes=tuple(r.get("pushes") or ()),
    )


def _authorizer(name: str, a: Mapping[str, Any]) -> Authorizer:
    if isinstance(a.get("jwt"), Mapping):
        jwt = auth.jwt_config(a["jwt"])
        return Authorizer(
            name=name,
            function=auth.jwt_function_name(name),
            lambda_arn=None,
            identity_sources=auth.identity_sources(jwt.token_source),
            credentials_arn=None,
            jwt=jwt,
        )
    return Authorizer(
        name=name,
        function=a.get("function"),
        lambda_arn=a.get("arn"),
        identity_sources=tuple(a.get("identity_source") or (DEFAULT_IDENTITY_SOURCE,)),
        credentials_arn=a.get("credentials"),
    )


def _dependencies(language: str, own: Any, defaults: Mapping[str, Any]) -> Dependencies | None:
    """The function's dependencies file: its own, or the default file of its language."""
    if own is False:
        return None
    if isinstance(own, str):
        candidates: list[Any] = [own]
    else:
        d = defaults.get("dependencies")
        candidates = [d] if isinstance(d, str) else list(d or ())
    for c in candidates:
        path = posixpath.normpath(str(c).replace("\\", "/"))
        kind = dependency_kind(path)
        if kind is not None and (kind == "npm") == (language == "nodejs"):
            return Dependencies(kind=kind, path=path)
    return None


def _packaging(f: Mapping[str, Any], language: str, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Architecture, dependencies, excludes and layers: the function's own over the defaults."""
    return {
        "architecture": f.get("architecture", defaults.get("architecture", "x86_64")),
        "dependencies": _dependencies(language, f.get("dependencies"), defaults),
        "exclude": tuple(dict.fromkeys([*defaults.get("exclude", ()), *f.get("exclude", ())])),
        "layers": tuple(dict.fromkeys([*defaults.get("layers", ()), *f.get("layers", ())])),
    }


def _layer(name: str, x: Mapping[str, Any]) -> Layer:
    dep = x.get("dependencies")
    dep_path = posixpath.normpath(str(dep).replace("\\", "/")) if isinstance(dep, str) else None
    kind = dependency_kind(dep_path) if dep_path is not None else None
    source = x.get("source")
    return Layer(
        name=name,
        source_dir=posixpath.normpath(source.replace("\\", "/")) if source else None,
        dependencies=Dependencies(kind=kind, path=dep_path) if kind and dep_path else None,
        runtimes=tuple(x.get("runtimes") or ()),
        architectures=tuple(x.get("architectures") or ("x86_64",)),
        description=x.get("description"),
        exclude=tuple(x.get("exclude") or ()),
    )


def _functions(
    functions_d: Mapping[str, Any],
    routes_d: Mapping[str, Any],
    integrations: tuple[Integration, ...],
    authorizers: tuple[Authorizer, ...],
    defaults: Mapping[str, Any],
) -> tuple[Function, ...]:
    fn_routes: dict[str, list[str]] = {}
    for integ in integrations:
        if integ.function:
            fn_routes.setdefault(integ.function, []).extend(integ.routes)
    fn_auth: dict[str, list[str]] = {}
    for a in authorizers:
        if a.function:
            fn_auth.setdefault(a.function, []).append(a.name)
    route_order = {k: i for i, k in enumerate(routes_d)}
    out = []
    for name, f in functions_d.items():
        grants = set(f.get("grants") or ())
        info = _handler_info(name, f)
        out.append(
            Function(
                name=name,
                **info,
                **_packaging(f, info["language"], defaults),
                memory=int(f.get("memory", DEFAULT_MEMORY)),
                timeout=int(f.get("timeout", DEFAULT_FUNCTION_TIMEOUT)),
                description=f.get("description"),
                environment=_strings(f.get("environment")),
                secret_environment=tuple(f.get("secret_environment") or ()),
                iam=tuple(
                    IamStatement(
                        effect=s.get("effect", "Allow"),
                        actions=tuple(s["actions"]),
                        resources=tuple(s.get("resources") or ("*",)),
                    )
                    for s in (f.get("iam") or ())
                ),
                logging=_logging(f.get("logging")),
                manage_connections="manage_connections" in grants,
                connection_table="connection_table" in grants,
                routes=tuple(sorted(set(fn_routes.get(name, ())), key=route_order.__getitem__)),
                authorizers=tuple(fn_auth.get(name, ())),
                tables=build_access(f.get("tables")),
                triggers=build_triggers(f.get("events")),
                tags=_strings(f.get("tags")),
            )
        )
    out += [auth.jwt_function(a) for a in authorizers if a.jwt is not None]
    return tuple(out)


def _model(name: str, m: Mapping[str, Any]) -> Model:
    return Model(
        name=name,
        content_type=m.get("content_type", "application/json"),
        description=m.get("description"),
        schema=_deep_frozen(m["schema"]),
        summary=m.get("summary"),
        examples=tuple(_deep_frozen(e) for e in m.get("examples") or ()),
    )


def _stage(name: str, s: Mapping[str, Any] | None) -> Stage:
    s = s or {}
    al = s.get("access_logs")
    access_log = None
    if al is True:
        access_log = AccessLog(destination_arn=None, format=DEFAULT_ACCESS_LOG_FORMAT)
    elif isinstance(al, Mapping):
        access_log = AccessLog(
            destination_arn=al.get("destination_arn"),
            format=al.get("format", DEFAULT_ACCESS_LOG_FORMAT),
        )
    return Stage(
        name=name,
        description=s.get("description"),
        auto_deploy=bool(s.get("auto_deploy", False)),
        variables=_strings(s.get("variables")),
        default_settings=_settings(s),
        route_settings=frozen(
            {rk: _settings(rs or {}) for rk, rs in (s.get("routes") or {}).items()}
        ),
        access_log=access_log,
        tags=_strings(s.get("tags")),
    )


def _connections(conn_d: Any) -> ConnectionTable | None:
    if not conn_d:
        return None
    conn_d = conn_d if isinstance(conn_d, Mapping) else {}
    return ConnectionTable(
        **table_options(conn_d, CONNECTION_KEY),
        ttl_attribute=conn_d.get("ttl_attribute", DEFAULT_TTL_ATTRIBUTE),
        table_name=conn_d.get("table_name"),
        ttl_seconds=int(conn_d.get("ttl_seconds", DEFAULT_TTL_SECONDS)),
        max_per_user=conn_d.get("max_per_user"),
        max_total=conn_d.get("max_total"),
    )


def _domain(dom_d: Mapping[str, Any] | None, default_stage: str) -> Domain | None:
    if not dom_d:
        return None
    return Domain(
        name=dom_d["name"],
        certificate_arn=dom_d["certificate_arn"],
        stage=dom_d.get("stage", default_stage),
        base_path=dom_d.get("base_path"),
        security_policy=dom_d.get("security_policy", "TLS_1_2"),
        ip_address_type=dom_d.get("ip_address_type", "ipv4"),
    )


def build_model(data: Mapping[str, Any], *, source_file: str = "", project_dir: str = ".") -> Spec:
    """The model of a spec that passed the schema and the checks (every default applied)."""
    routes_d: Mapping[str, Any] = data.get("routes") or {}
    stages = tuple(_stage(n, s) for n, s in (data.get("stages") or {DEFAULT_STAGE: {}}).items())
    integrations, route_integ = _integrations(
        routes_d, data.get("integrations") or {}, tuple(s.name for s in stages)
    )
    authorizers = tuple(_authorizer(n, a) for n, a in (data.get("authorizers") or {}).items())
    connections = _connections(data.get("connections"))
    functions = _functions(
        data.get("functions") or {},
        routes_d,
        integrations,
        authorizers,
        data.get("function_defaults") or {},
    )
    return Spec(
        version=int(data.get("wsspec", 1)),
        api=_api(data["api"]),
        routes=tuple(_route(key, r, route_integ[key]) for key, r in routes_d.items()),
        integrations=integrations,
        authorizers=authorizers,
        models=tuple(_model(n, m) for n, m in (data.get("models") or {}).items()),
        stages=stages,
        functions=auth.guarded(functions, integrations, connections),
        vpc_links=tuple(
            VpcLink(name=n, description=v.get("description"), target_arns=tuple(v["target_arns"]))
            for n, v in (data.get("vpc_links") or {}).items()
        ),
        layers=tuple(_layer(n, x) for n, x in (data.get("layers") or {}).items()),
        connections=connections,
        domain=_domain(data.get("domain"), stages[0].name),
        cloudwatch_role=bool((data.get("account") or {}).get("cloudwatch_role", False)),
        trust_conditions=bool((data.get("account") or {}).get("trust_conditions", True)),
        monitoring=build_monitoring(data.get("monitoring")),
        api_keys=auth.api_keys(data.get("api_keys")),
        usage_plans=auth.usage_plans(data.get("usage_plans")),
        tables=build_tables(data.get("tables")),
        kubernetes=build_keda(data.get("kubernetes")),
        source_file=source_file,
        project_dir=project_dir,
    )
