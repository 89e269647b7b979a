"""The model's records: frozen dataclasses and read-only maps, with the defaults they carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

from wsspec import runtimes
from wsspec.model.kubernetes import Keda, Workload
from wsspec.monitoring import Monitoring


class FrozenDict(dict[str, Any]):
    """A read-only dict: JSON-serialisable, picklable, copyable, but not mutable."""

    def _readonly(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("the wsspec model is immutable")

    __setitem__ = __delitem__ = _readonly
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
DEFAULT_PYTHON_RUNTIME = runtimes.DEFAULT_PYTHON
DEFAULT_NODE_RUNTIME = runtimes.DEFAULT_NODE
DEFAULT_MEMORY = 128
DEFAULT_FUNCTION_TIMEOUT = 10
DEFAULT_IDENTITY_SOURCE = "route.request.header.Authorization"
DEFAULT_TTL_ATTRIBUTE = "ttl"
DEFAULT_TTL_SECONDS = 7200  # the maximum connection lifetime
DEFAULT_JWT_TOKEN_SOURCE = "route.request.querystring.token"
JWT_FUNCTION_SUFFIX = "-jwt-authorizer"  # the generated function of authorizer <name>
GUARD_HANDLER = "wsspec_connection_guard.handler"
JWT_HANDLER = "wsspec_jwt_authorizer.handler"
CONNECTION_KEY = "connectionId"  # the connection table's default partition key attribute
DEFAULT_LOG_RETENTION_DAYS = 30  # log groups wsspec creates, unless monitoring says otherwise
# JSON access-log format; must contain $context.requestId (API Gateway rejects it otherwise).
DEFAULT_ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","eventType":"$context.eventType",'
    '"routeKey":"$context.routeKey","status":"$context.status",'
    '"connectionId":"$context.connectionId","integrationStatus":"$context.integration.status",'
    '"integrationLatency":"$context.integration.latency","error":"$context.error.message"}'
)

IntegrationKind = Literal["lambda", "http", "aws", "mock"]


# ----------------------------------------------------------------------------- records
# Application tables (``tables:``); the connection table is ``ConnectionTable``, and a
# function's access to it is the access level under the reserved name ``connections``.
AttrType = Literal["S", "N", "B"]
Access = Literal["read", "write", "read_write"]
CONNECTIONS_ACCESS_NAME = "connections"  # ``tables: {connections: read}`` = the connection table

ATTR_TYPES: Mapping[str, AttrType] = FrozenDict({"string": "S", "number": "N", "binary": "B"})
STREAM_VIEWS = FrozenDict(
    {
        "new_image": "NEW_IMAGE",
        "old_image": "OLD_IMAGE",
        "new_and_old_images": "NEW_AND_OLD_IMAGES",
        "keys_only": "KEYS_ONLY",
    }
)


@dataclass(frozen=True)
class KeyAttr:
    name: str
    type: AttrType


@dataclass(frozen=True)
class TableIndex:
    name: str
    partition: KeyAttr
    sort: KeyAttr | None
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    non_key_attributes: tuple[str, ...]  # with INCLUDE
    local: bool
    read_capacity: int | None  # global indexes of provisioned tables
    write_capacity: int | None


@dataclass(frozen=True)
class StreamTrigger:
    """A DynamoDB stream that invokes a function (an event source mapping)."""

    table: str  # spec key of the table
    batch_size: int
    starting_position: str  # LATEST | TRIM_HORIZON
    batching_window: int | None
    retry_attempts: int | None
    bisect_on_error: bool
    filters: tuple[str, ...]  # each pattern as compact JSON (Lambda's FilterCriteria)
    on_failure: str | None  # SQS queue or SNS topic ARN
    enabled: bool

    @property
    def key(self) -> str:
        """Natural key: one trigger per function and table."""
        return self.table


@dataclass(frozen=True)
class Api:
    name: str
    description: str | None
    route_selection: str
    api_key_selection: str
    disable_execute_api_endpoint: bool
    disable_schema_validation: bool
    tags: Mapping[str, str]
    ip_address_type: str = "ipv4"  # ipv4 | dualstack


@dataclass(frozen=True)
class IamStatement:
    effect: str  # Allow | Deny
    actions: tuple[str, ...]
    resources: tuple[str, ...]


DependencyKind = Literal["requirements", "pyproject", "npm"]


def dependency_kind(path: str) -> DependencyKind | None:
    """What a dependencies file is, from its name (None: a kind wsspec cannot install)."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    if name == "package.json":
        return "npm"
    if name == "pyproject.toml":
        return "pyproject"
    if name.endswith(".txt"):
        return "requirements"
    return None


@dataclass(frozen=True)
class Dependencies:
    """A function's declared third-party dependencies (installed by ``wsspec.packaging``)."""

    kind: DependencyKind
    path: str  # posix, relative to the project: requirements file, pyproject.toml, package.json


@dataclass(frozen=True)
class FunctionLogging:
    """Lambda's LoggingConfig for one function."""

    format: Literal["Text", "JSON"]
    level: str | None  # application log level, upper case (JSON only)
    system_level: str | None  # the runtime's own level, upper case (JSON only)

    def config(self) -> dict[str, str]:
        """The LoggingConfig as Lambda's API and CloudFormation spell it."""
        out: dict[str, str] = {"LogFormat": self.format}
        if self.level:
            out["ApplicationLogLevel"] = self.level
        if self.system_level:
            out["SystemLogLevel"] = self.system_level
        return out


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
    # A function wsspec owns (its code is in wsspec.runtime, never a user file): "jwt-authorizer".
    builtin: str | None = None
    # Set when wsspec's connection guard (connection caps) wraps the user's handler: the
    # user's Lambda handler; ``lambda_handler`` is then the guard's.
    user_handler: str | None = None
    # table name (``tables`` key, or "connections") -> read | write | read_write (model/tables.py)
    tables: Mapping[str, str] = field(default_factory=FrozenDict)
    triggers: tuple[StreamTrigger, ...] = ()  # DynamoDB stream triggers
    secret_environment: tuple[str, ...] = ()  # variables plan/deploy/drift never print
    logging: FunctionLogging | None = None  # None: Lambda's default (text)
    tags: Mapping[str, str] = field(default_factory=lambda: FrozenDict())  # added to the API's
    dependencies: Dependencies | None = None  # installed into the package for its platform
    exclude: tuple[str, ...] = ()  # globs left out of the package (defaults' first)
    layers: tuple[str, ...] = ()  # layer version ARNs and names of spec layers (defaults' first)


@dataclass(frozen=True)
class Layer:
    """A Lambda layer wsspec builds (``layers``): a directory and/or installed dependencies."""

    name: str  # spec key
    source_dir: str | None  # posix, relative; copied as-is to the layer's root (/opt)
    dependencies: Dependencies | None  # installed under python/ or nodejs/node_modules/
    runtimes: tuple[str, ...]  # CompatibleRuntimes
    architectures: tuple[Literal["x86_64", "arm64"], ...]  # CompatibleArchitectures
    description: str | None
    exclude: tuple[str, ...] = ()  # globs left out of the layer's zip

    @property
    def python_runtimes(self) -> tuple[str, ...]:
        return tuple(r for r in self.runtimes if r.startswith("python"))


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
    kubernetes: Workload | None = None  # the EKS workload behind it (the kubernetes target)

    @property
    def proxy(self) -> bool:
        return self.type in ("AWS_PROXY", "HTTP_PROXY")


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
    # documentation and clients only (never sent to AWS)
    summary: str | None = None
    description: str | None = None
    examples: tuple[Any, ...] = ()  # complete example messages (read-only JSON values)
    pushes: tuple[str, ...] = ()  # models the integration may push through @connections


@dataclass(frozen=True)
class JwtAuthorizer:
    """``authorizers.<name>.jwt``: what the generated authorizer verifies (wsspec.runtime)."""

    issuer: str
    audience: tuple[str, ...]
    token_source: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    token_use: str | None
    required_claims: Mapping[str, Any]
    scopes: tuple[str, ...]
    context: Mapping[str, str]  # context key -> claim
    leeway: int
    jwks_timeout: int


@dataclass(frozen=True)
class Authorizer:
    name: str
    function: str | None
    lambda_arn: str | None
    identity_sources: tuple[str, ...]
    credentials_arn: str | None
    jwt: JwtAuthorizer | None = None  # function is then the generated JWT_FUNCTION_PREFIX one


@dataclass(frozen=True)
class UsagePlan:
    name: str
    description: str | None
    throttle_rate: float | None
    throttle_burst: int | None
    quota_limit: int | None
    quota_period: str | None  # DAY | WEEK | MONTH
    quota_offset: int


@dataclass(frozen=True)
class ApiKey:
    name: str
    usage_plan: str
    description: str | None
    enabled: bool


@dataclass(frozen=True)
class Model:
    name: str
    content_type: str
    description: str | None
    schema: Mapping[str, Any]  # JSON Schema draft 4 (read-only; use plain() for output)
    summary: str | None = None  # documentation and clients only
    examples: tuple[Any, ...] = ()  # example values of the schema (read-only JSON values)

    @property
    def is_json(self) -> bool:
        """Whether messages of this model are JSON (else their text is the value)."""
        media = self.content_type.split(";", 1)[0].strip().lower()
        return media == "application/json" or media.endswith("+json")


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


TableEncryption = Literal["aws_owned", "aws_managed", "customer"]


@dataclass(frozen=True)
class TableOptions:
    """Settings of a DynamoDB table wsspec creates: the connection table, and any later table
    kind (every back end renders these fields through one helper of its own)."""

    partition_key: str
    billing_mode: str  # PAY_PER_REQUEST | PROVISIONED
    read_capacity: int | None
    write_capacity: int | None
    encryption: TableEncryption = "aws_owned"
    kms_key_arn: str | None = None  # encryption == "customer"
    point_in_time_recovery: bool = False
    deletion_protection: bool = False
    retain: bool = False  # deletion_policy: retain
    tags: Mapping[str, str] = field(default_factory=lambda: FrozenDict())  # added to the API's


@dataclass(frozen=True)
class ConnectionTable(TableOptions):
    ttl_attribute: str = "ttl"
    table_name: str | None = None  # None: derived from the API name (names.table_name)
    ttl_seconds: int = 7200
    max_per_user: int | None = None  # connection caps (the connection guard)
    max_total: int | None = None

    @property
    def capped(self) -> bool:
        return self.max_per_user is not None or self.max_total is not None


@dataclass(frozen=True, kw_only=True)
class Table(TableOptions):
    """An application table (``tables:``): the connection table's options (``partition_key``
    is the partition attribute's name), plus its keys, indexes, TTL and stream."""

    name: str  # spec key
    table_name: str | None  # None: derived from the API name (names.app_table_name)
    partition: KeyAttr
    sort: KeyAttr | None
    indexes: tuple[TableIndex, ...]  # global first, then local, each in spec order
    ttl_attribute: str | None
    stream_view: str | None  # NEW_IMAGE | OLD_IMAGE | NEW_AND_OLD_IMAGES | KEYS_ONLY

    @property
    def global_indexes(self) -> tuple[TableIndex, ...]:
        return tuple(i for i in self.indexes if not i.local)

    @property
    def local_indexes(self) -> tuple[TableIndex, ...]:
        return tuple(i for i in self.indexes if i.local)

    def attributes(self) -> tuple[KeyAttr, ...]:
        """Every key attribute of the table and its indexes, once each, in first-use order."""
        seen: dict[str, KeyAttr] = {}
        for a in (
            self.partition,
            self.sort,
            *(x for i in self.indexes for x in (i.partition, i.sort)),
        ):
            if a is not None:
                seen.setdefault(a.name, a)
        return tuple(seen.values())


@dataclass(frozen=True)
class Domain:
    name: str
    certificate_arn: str
    stage: str
    base_path: str | None  # ApiMappingKey; None maps the domain root
    security_policy: str
    ip_address_type: str = "ipv4"  # ipv4 | dualstack


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
    monitoring: Monitoring | None = None  # wsspec.monitoring (alarms, topic, retention, tracing)
    api_keys: tuple[ApiKey, ...] = ()
    usage_plans: tuple[UsagePlan, ...] = ()
    layers: tuple[Layer, ...] = ()  # layers wsspec builds (functions name them in ``layers``)
    tables: tuple[Table, ...] = ()  # application tables (model/tables.py)
    kubernetes: Keda | None = None  # KEDA's CloudWatch role (integrations with kubernetes)
    trust_conditions: bool = True  # aws:SourceAccount / aws:SourceArn on API Gateway role trusts
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

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def vpc_link(self, name: str) -> VpcLink:
        return next(v for v in self.vpc_links if v.name == name)

    def layer(self, name: str) -> Layer | None:
        """The spec layer a function's ``layers`` entry names (None: an existing layer ARN)."""
        return next((x for x in self.layers if x.name == name), None)

    def function_layers(self, fn: Function) -> tuple[Layer, ...]:
        """The layers wsspec builds that ``fn`` uses, in its order."""
        return tuple(x for x in (self.layer(n) for n in fn.layers) if x is not None)

    def route_integration(self, route: Route) -> Integration:
        return self.integration(route.integration)
