"""Stage 4: the typed, frozen model every back end reads.

``build_model`` takes data that already passed the schema and the semantic checks and applies
every default exactly once. Nothing downstream looks at the YAML again.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping


class FrozenDict(dict):  # type: ignore[type-arg]
    """A read-only dict: JSON-serialisable, picklable, copyable, but not mutable."""

    def _readonly(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("the wsspec model is immutable")

    __setitem__ = __delitem__ = _readonly  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> "FrozenDict":
        return self

    def __deepcopy__(self, memo: Any) -> "FrozenDict":
        return self

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted((k, repr(v)) for k, v in self.items())))


def frozen(d: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return FrozenDict(d or {})


def plain(value: Any) -> Any:
    """Deep-convert read-only mappings and tuples into dicts and lists (for JSON/YAML output)."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


# ----------------------------------------------------------------------------- defaults
DEFAULT_ROUTE_SELECTION = "$request.body.action"
DEFAULT_API_KEY_SELECTION = "$request.header.x-api-key"
DEFAULT_STAGE = "prod"
DEFAULT_TIMEOUT_MS = 29_000
DEFAULT_PYTHON_RUNTIME = "python3.12"
DEFAULT_NODE_RUNTIME = "nodejs20.x"
DEFAULT_MEMORY = 128
DEFAULT_FUNCTION_TIMEOUT = 10
DEFAULT_IDENTITY_SOURCE = "route.request.header.Authorization"
DEFAULT_TTL_ATTRIBUTE = "ttl"
DEFAULT_TTL_SECONDS = 7200  # the maximum connection lifetime
CONNECTION_KEY = "connectionId"
# JSON access-log format; must contain $context.requestId (API Gateway rejects it otherwise).
DEFAULT_ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","eventType":"$context.eventType",'
    '"routeKey":"$context.routeKey","status":"$context.status",'
    '"connectionId":"$context.connectionId","integrationStatus":"$context.integration.status",'
    '"integrationLatency":"$context.integration.latency","error":"$context.error.message"}'
)
RESERVED_ROUTES = ("$connect", "$disconnect", "$default")

IntegrationKind = Literal["lambda", "http", "aws", "mock"]

from wsspec.monitoring import Monitoring, build_monitoring  # noqa: E402


# ----------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Api:
    name: str
    description: str | None
    route_selection: str
    api_key_selection: str
    disable_execute_api_endpoint: bool
    disable_schema_validation: bool
    tags: Mapping[str, str]


@dataclass(frozen=True)
class IamStatement:
    effect: str  # Allow | Deny
    actions: tuple[str, ...]
    resources: tuple[str, ...]


@dataclass(frozen=True)
class Function:
    name: str  # spec key
    handler_path: str  # posix, relative to the project (spec) directory
    source_dir: str  # posix, relative; zipped as the deployment package ("." = project dir)
    entry: str  # function name inside the handler file
    lambda_handler: str  # Lambda "Handler", e.g. "on_connect.handler"
    runtime: str
    language: Literal["python", "nodejs"]
    memory: int
    timeout: int  # seconds
    architecture: Literal["x86_64", "arm64"]
    description: str | None
    environment: Mapping[str, str]
    iam: tuple[IamStatement, ...]
    manage_connections: bool
    connection_table: bool
    routes: tuple[str, ...]  # route keys whose integration invokes this function
    authorizers: tuple[str, ...]  # authorizers that invoke this function


@dataclass(frozen=True)
class IntegrationResponse:
    key: str  # "$default" or "/regex/"
    templates: Mapping[str, str]
    template_selection: str | None
    content_handling: str | None  # CONVERT_TO_TEXT | CONVERT_TO_BINARY


@dataclass(frozen=True)
class ServiceRole:
    """A credentials role wsspec generates for an AWS service integration."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]  # ARNs; CONNECTION_TABLE_REF stands for the spec's table


CONNECTION_TABLE_REF = "connection_table"


@dataclass(frozen=True)
class Integration:
    id: str  # natural key: the spec name, or "route:<route key>" for an inline integration
    name: str | None  # spec name (None for inline)
    routes: tuple[str, ...]
    kind: IntegrationKind
    type: str  # AWS_PROXY | AWS | HTTP_PROXY | HTTP | MOCK
    description: str | None
    function: str | None  # kind=lambda, spec function
    lambda_arn: str | None  # kind=lambda, existing function ARN
    url: str | None  # kind=http
    service: str | None  # kind=aws
    action: str | None  # kind=aws: "action/PutItem" style
    path: str | None  # kind=aws: "path/..." style
    method: str | None  # IntegrationMethod (None for MOCK)
    timeout_ms: int
    credentials_arn: str | None  # an existing role
    role: ServiceRole | None  # a role wsspec creates (AWS service integrations)
    vpc_link: str | None  # spec vpc_links name
    vpc_link_id: str | None  # existing REST (v1) VPC link id
    request_parameters: Mapping[str, str]
    request_templates: Mapping[str, str]
    template_selection: str | None
    passthrough: str | None  # WHEN_NO_MATCH | WHEN_NO_TEMPLATES | NEVER
    content_handling: str | None
    responses: tuple[IntegrationResponse, ...]

    @property
    def proxy(self) -> bool:
        return self.type in ("AWS_PROXY", "HTTP_PROXY")

    def aws_service_uri(self, region: str) -> str:
        """IntegrationUri of an AWS service integration for ``region`` (may be a placeholder)."""
        assert self.kind == "aws"
        if self.action:
            return f"arn:aws:apigateway:{region}:{self.service}:action/{self.action}"
        return f"arn:aws:apigateway:{region}:{self.service}:path/{self.path}"


@dataclass(frozen=True)
class Route:
    key: str
    integration: str  # Integration.id
    authorization: Literal["NONE", "AWS_IAM", "CUSTOM"]
    authorizer: str | None
    api_key_required: bool
    request_parameters: Mapping[str, bool]  # name -> required
    request_models: Mapping[str, str]  # selection key -> model name
    model_selection: str | None
    two_way: bool
    response_models: Mapping[str, str]
    operation_name: str | None


@dataclass(frozen=True)
class Authorizer:
    name: str
    function: str | None
    lambda_arn: str | None
    identity_sources: tuple[str, ...]
    credentials_arn: str | None


@dataclass(frozen=True)
class Model:
    name: str
    content_type: str
    description: str | None
    schema: Mapping[str, Any]  # JSON Schema draft 4 (read-only; use plain() for output)


@dataclass(frozen=True)
class RouteSettings:
    throttling_burst: int | None = None
    throttling_rate: float | None = None
    logging_level: str | None = None  # ERROR | INFO | OFF
    data_trace: bool | None = None
    detailed_metrics: bool | None = None

    def is_empty(self) -> bool:
        return all(
            v is None
            for v in (
                self.throttling_burst,
                self.throttling_rate,
                self.logging_level,
                self.data_trace,
                self.detailed_metrics,
            )
        )


@dataclass(frozen=True)
class AccessLog:
    destination_arn: str | None  # None: wsspec creates a log group for the stage
    format: str


@dataclass(frozen=True)
class Stage:
    name: str
    description: str | None
    auto_deploy: bool
    variables: Mapping[str, str]
    default_settings: RouteSettings
    route_settings: Mapping[str, RouteSettings]
    access_log: AccessLog | None
    tags: Mapping[str, str]

    @property
    def execution_logging(self) -> bool:
        levels = [self.default_settings.logging_level] + [
            s.logging_level for s in self.route_settings.values()
        ]
        traces = [self.default_settings.data_trace] + [
            s.data_trace for s in self.route_settings.values()
        ]
        return any(lv in ("ERROR", "INFO") for lv in levels) or any(t for t in traces)


@dataclass(frozen=True)
class VpcLink:
    name: str
    description: str | None
    target_arns: tuple[str, ...]


@dataclass(frozen=True)
class ConnectionTable:
    table_name: str | None  # None: derived from the API name (names.table_name)
    partition_key: str
    ttl_attribute: str
    ttl_seconds: int
    billing_mode: str  # PAY_PER_REQUEST | PROVISIONED
    read_capacity: int | None
    write_capacity: int | None


@dataclass(frozen=True)
class Domain:
    name: str
    certificate_arn: str
    stage: str
    base_path: str | None  # ApiMappingKey; None maps the domain root
    security_policy: str


@dataclass(frozen=True)
class Spec:
    version: int
    api: Api
    routes: tuple[Route, ...]
    integrations: tuple[Integration, ...]
    authorizers: tuple[Authorizer, ...]
    models: tuple[Model, ...]
    stages: tuple[Stage, ...]
    functions: tuple[Function, ...]
    vpc_links: tuple[VpcLink, ...]
    connections: ConnectionTable | None
    domain: Domain | None
    cloudwatch_role: bool
    monitoring: "Monitoring | None" = None  # wsspec.monitoring (alarms, topic, retention, tracing)
    source_file: str = field(default="", compare=False)  # the spec path as given
    project_dir: str = field(default=".", compare=False)  # the spec's directory

    # -- lookups (specs are small; linear scans keep the records plain)
    def route(self, key: str) -> Route:
        return next(r for r in self.routes if r.key == key)

    def integration(self, integration_id: str) -> Integration:
        return next(i for i in self.integrations if i.id == integration_id)

    def function(self, name: str) -> Function:
        return next(f for f in self.functions if f.name == name)

    def authorizer(self, name: str) -> Authorizer:
        return next(a for a in self.authorizers if a.name == name)

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)

    def vpc_link(self, name: str) -> VpcLink:
        return next(v for v in self.vpc_links if v.name == name)

    def route_integration(self, route: Route) -> Integration:
        return self.integration(route.integration)


# ----------------------------------------------------------------------------- building
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
    iid: str, name: str | None, d: Mapping[str, Any], routes: tuple[str, ...]
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


def build_model(data: Mapping[str, Any], *, source_file: str = "", project_dir: str = ".") -> Spec:
    api_d = data["api"]
    api = Api(
        name=api_d["name"],
        description=api_d.get("description"),
        route_selection=api_d.get("route_selection", DEFAULT_ROUTE_SELECTION),
        api_key_selection=api_d.get("api_key_selection", DEFAULT_API_KEY_SELECTION),
        disable_execute_api_endpoint=bool(api_d.get("disable_execute_api_endpoint", False)),
        disable_schema_validation=bool(api_d.get("disable_schema_validation", False)),
        tags=frozen({k: str(v) for k, v in (api_d.get("tags") or {}).items()}),
    )

    routes_d: Mapping[str, Any] = data.get("routes") or {}
    named_d: Mapping[str, Any] = data.get("integrations") or {}
    users: dict[str, list[str]] = {name: [] for name in named_d}
    route_integ: dict[str, str] = {}
    inline: list[Integration] = []
    shared: dict[str, list[str]] = {}
    for key, r in routes_d.items():
        if "function" in r:
            iid = function_integration_id(r["function"])
            shared.setdefault(r["function"], []).append(key)
            route_integ[key] = iid
            continue
        named, inline_d = route_integration_data(r)
        if named is not None:
            users.setdefault(named, []).append(key)
            route_integ[key] = named
        else:
            iid = inline_integration_id(key)
            inline.append(_integration(iid, None, inline_d or {}, (key,)))
            route_integ[key] = iid
    integrations = (
        tuple(
            _integration(name, name, d, tuple(users.get(name, ()))) for name, d in named_d.items()
        )
        + tuple(
            _integration(
                function_integration_id(fn), None, {"type": "lambda", "function": fn}, tuple(keys)
            )
            for fn, keys in shared.items()
        )
        + tuple(inline)
    )

    routes = []
    for key, r in routes_d.items():
        auth = r.get("authorization")
        authorizer = r.get("authorizer")
        authorization = "CUSTOM" if authorizer else ("AWS_IAM" if auth == "iam" else "NONE")
        params = {
            k: (v if isinstance(v, bool) else bool((v or {}).get("required", False)))
            for k, v in (r.get("request_parameters") or {}).items()
        }
        resp = r.get("response")
        two_way = bool(resp)
        response_models = (resp.get("models") or {}) if isinstance(resp, Mapping) else {}
        routes.append(
            Route(
                key=key,
                integration=route_integ[key],
                authorization=authorization,  # type: ignore[arg-type]
                authorizer=authorizer,
                api_key_required=bool(r.get("api_key_required", False)),
                request_parameters=frozen(params),
                request_models=frozen(r.get("request_models")),
                model_selection=r.get("model_selection"),
                two_way=two_way,
                response_models=frozen(response_models),
                operation_name=r.get("operation_name"),
            )
        )

    authorizers = tuple(
        Authorizer(
            name=name,
            function=a.get("function"),
            lambda_arn=a.get("arn"),
            identity_sources=tuple(a.get("identity_source") or (DEFAULT_IDENTITY_SOURCE,)),
            credentials_arn=a.get("credentials"),
        )
        for name, a in (data.get("authorizers") or {}).items()
    )

    fn_routes: dict[str, list[str]] = {}
    for integ in integrations:
        if integ.function:
            fn_routes.setdefault(integ.function, []).extend(integ.routes)
    fn_auth: dict[str, list[str]] = {}
    for a in authorizers:
        if a.function:
            fn_auth.setdefault(a.function, []).append(a.name)
    route_order = {k: i for i, k in enumerate(routes_d)}
    functions = []
    for name, f in (data.get("functions") or {}).items():
        grants = set(f.get("grants") or ())
        functions.append(
            Function(
                name=name,
                **_handler_info(name, f),
                memory=int(f.get("memory", DEFAULT_MEMORY)),
                timeout=int(f.get("timeout", DEFAULT_FUNCTION_TIMEOUT)),
                architecture=f.get("architecture", "x86_64"),
                description=f.get("description"),
                environment=frozen({k: str(v) for k, v in (f.get("environment") or {}).items()}),
                iam=tuple(
                    IamStatement(
                        effect=s.get("effect", "Allow"),
                        actions=tuple(s["actions"]),
                        resources=tuple(s.get("resources") or ("*",)),
                    )
                    for s in (f.get("iam") or ())
                ),
                manage_connections="manage_connections" in grants,
                connection_table="connection_table" in grants,
                routes=tuple(sorted(set(fn_routes.get(name, ())), key=route_order.__getitem__)),
                authorizers=tuple(fn_auth.get(name, ())),
            )
        )

    models = tuple(
        Model(
            name=name,
            content_type=m.get("content_type", "application/json"),
            description=m.get("description"),
            schema=_deep_frozen(m["schema"]),
        )
        for name, m in (data.get("models") or {}).items()
    )

    stages_d = data.get("stages") or {DEFAULT_STAGE: {}}
    stages = []
    for name, s in stages_d.items():
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
        stages.append(
            Stage(
                name=name,
                description=s.get("description"),
                auto_deploy=bool(s.get("auto_deploy", False)),
                variables=frozen({k: str(v) for k, v in (s.get("variables") or {}).items()}),
                default_settings=_settings(s),
                route_settings=frozen(
                    {rk: _settings(rs or {}) for rk, rs in (s.get("routes") or {}).items()}
                ),
                access_log=access_log,
                tags=frozen({k: str(v) for k, v in (s.get("tags") or {}).items()}),
            )
        )

    vpc_links = tuple(
        VpcLink(name=name, description=v.get("description"), target_arns=tuple(v["target_arns"]))
        for name, v in (data.get("vpc_links") or {}).items()
    )

    conn_d = data.get("connections")
    connections = None
    if conn_d:
        conn_d = conn_d if isinstance(conn_d, Mapping) else {}
        connections = ConnectionTable(
            table_name=conn_d.get("table_name"),
            partition_key=CONNECTION_KEY,
            ttl_attribute=conn_d.get("ttl_attribute", DEFAULT_TTL_ATTRIBUTE),
            ttl_seconds=int(conn_d.get("ttl_seconds", DEFAULT_TTL_SECONDS)),
            billing_mode="PROVISIONED" if conn_d.get("read_capacity") else "PAY_PER_REQUEST",
            read_capacity=conn_d.get("read_capacity"),
            write_capacity=conn_d.get("write_capacity"),
        )

    dom_d = data.get("domain")
    domain = None
    if dom_d:
        domain = Domain(
            name=dom_d["name"],
            certificate_arn=dom_d["certificate_arn"],
            stage=dom_d.get("stage", stages[0].name),
            base_path=dom_d.get("base_path"),
            security_policy=dom_d.get("security_policy", "TLS_1_2"),
        )

    return Spec(
        version=int(data.get("wsspec", 1)),
        api=api,
        routes=tuple(routes),
        integrations=integrations,
        authorizers=authorizers,
        models=models,
        stages=tuple(stages),
        functions=tuple(functions),
        vpc_links=vpc_links,
        connections=connections,
        domain=domain,
        cloudwatch_role=bool((data.get("account") or {}).get("cloudwatch_role", False)),
        monitoring=build_monitoring(data.get("monitoring")),
        source_file=source_file,
        project_dir=project_dir,
    )
