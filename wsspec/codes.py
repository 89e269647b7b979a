"""Every code wsspec can print: one registry, one meaning per code, a range per stage.

A code is ``WS`` and three digits. Its number says which stage printed it (``RANGES``): the
loader (WS900-WS909), the JSON Schema (WS001-WS009), the WebSocket checks by rule family
(WS100-WS899), building targets and handler stubs (WS010-WS019, WS420-WS429, WS950-WS959),
deploy/plan/destroy (WS910-WS949), the local gateway (WS960-WS969), function packages and
dependencies (WS990-WS998) and internal errors
(WS000, WS999). Codes are stable: never reuse or renumber one (a renumbering goes in
CHANGELOG.md). Emitters look their code up here (``get``), so an unregistered code fails loudly;
tests/test_codes.py checks that every registered code is emitted somewhere and vice versa.
The docs' code table (docs/codes.md) is generated from ``all_codes()`` and ``RANGES``.

This module imports nothing from wsspec: every other module may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
Stage = Literal["internal", "loader", "schema", "checks", "build", "deploy", "serve", "import"]

ERROR: Severity = "error"
WARNING: Severity = "warning"


@dataclass(frozen=True)
class Code:
    """One code: its severity, the stage that prints it and a one-line meaning."""

    code: str
    severity: Severity
    stage: Stage
    summary: str

    @property
    def number(self) -> int:
        return int(self.code[2:])


@dataclass(frozen=True)
class Range:
    """Numbers ``first``-``last`` (inclusive) belong to ``stage``; ``title`` names the family."""

    first: int
    last: int
    stage: Stage
    title: str

    def __contains__(self, number: object) -> bool:
        return isinstance(number, int) and self.first <= number <= self.last


# In numeric order; disjoint. A new code goes into the range of its stage and family (or a new
# range in a gap), never into another stage's range.
RANGES: tuple[Range, ...] = (
    Range(0, 0, "internal", "internal errors"),
    Range(1, 9, "schema", "JSON Schema"),
    Range(10, 19, "build", "build: targets and values"),
    Range(100, 199, "checks", "routes and references"),
    Range(200, 299, "checks", "selection expressions"),
    Range(300, 399, "checks", "integrations"),
    Range(400, 419, "checks", "quotas and name/length limits"),
    Range(420, 429, "build", "build: CloudFormation template quotas"),
    Range(500, 599, "checks", "functions, paths and the connection table"),
    Range(600, 619, "checks", "stages, custom domain, authorizers and models"),
    Range(620, 699, "checks", "monitoring (alarms, notifications, log retention)"),
    Range(700, 799, "checks", "features AWS does not offer for WebSocket APIs"),
    Range(800, 899, "checks", "warnings"),
    Range(900, 909, "loader", "YAML loading"),
    Range(910, 949, "deploy", "deploy, plan and destroy"),
    Range(950, 959, "build", "build: handler stubs"),
    Range(960, 969, "serve", "the local gateway (serve)"),
    Range(970, 979, "import", "import from templates, serverless.yml, Terraform or a live API"),
    Range(990, 998, "build", "build: function packages and dependencies"),
    Range(999, 999, "internal", "internal errors while talking to AWS"),
)


def _codes(stage: Stage, severity: Severity, rows: dict[str, str]) -> tuple[Code, ...]:
    return tuple(Code(code, severity, stage, summary) for code, summary in rows.items())


_INTERNAL = _codes(
    "internal",
    ERROR,
    {
        "WS000": "internal error: a bug in wsspec (please report it with the spec file)",
        "WS999": "unexpected error during deploy, plan or destroy (a bug in wsspec)",
    },
)

_SCHEMA = _codes(
    "schema",
    ERROR,
    {
        "WS001": "unknown key (with a did-you-mean suggestion)",
        "WS002": "missing required key",
        "WS003": "value of the wrong type",
        "WS004": "value not allowed (enum/const)",
        "WS005": "value out of range, too short or not unique",
        "WS006": "other schema violation",
    },
)

_CHECK_ERRORS = _codes(
    "checks",
    ERROR,
    {
        # routes and references
        "WS101": "reference to a function that is not defined",
        "WS102": "reference to an authorizer that is not defined",
        "WS103": "reference to a model that is not defined",
        "WS104": "authorizer on a route other than $connect",
        "WS105": "IAM authorization on a route other than $connect",
        "WS106": "request parameters on a route other than $connect",
        "WS107": "reference to an integration that is not defined",
        "WS108": "custom route key starting with '$' (reserved)",
        "WS109": "route without 'function' or 'integration'",
        "WS110": "route with both 'function' and 'integration'",
        "WS111": "reference to a VPC link that is not defined",
        "WS112": "invalid route request parameter name",
        "WS113": "both 'authorization: iam' and an authorizer",
        "WS114": "request models without a model selection expression",
        "WS115": "route response model key other than $default",
        "WS116": "two names that collide after conversion to IDs/labels",
        "WS117": "empty route key",
        "WS190": "API key referring to a usage plan that is not defined",
        "WS191": "function named like the one wsspec generates for a JWT authorizer",
        "WS160": "reference to a table that is not defined (function 'tables', stream trigger)",
        "WS170": "an example that does not fit its model's schema",
        "WS171": "a route example the route selection expression sends to another route",
        "WS180": "scaling trigger on a route that is not defined",
        "WS181": "scaling trigger on a route whose key cannot be a KEDA dimension value",
        # selection expressions
        "WS201": "invalid route selection expression",
        "WS202": "invalid API key selection expression",
        "WS203": "invalid model selection expression",
        "WS204": "invalid template selection expression",
        "WS205": "invalid integration response key",
        "WS206": "invalid integration response template selection expression",
        # integrations
        "WS301": "integration timeout outside 50-29000 ms",
        "WS302": "templates or responses on a proxy integration",
        "WS303": "Lambda integration needs exactly one of 'function' and 'arn'",
        "WS304": "AWS integration needs exactly one of 'action' and 'path'",
        "WS305": "both 'vpc_link' and 'vpc_link_id'",
        "WS306": "'connection_table' resource without a 'connections' section",
        "WS307": "AWS integration with neither 'credentials' nor 'resources'",
        "WS308": "invalid integration request parameter",
        "WS309": "HTTP integration URL is not an http(s) URL",
        "WS310": "'actions'/'resources' together with 'credentials'",
        "WS340": "more resources than CloudFormation holds, even with nested stacks",
        "WS380": "kubernetes on an integration that is not HTTP through a VPC link",
        "WS381": "kubernetes scale.min above scale.max",
        "WS382": "kubernetes name that Kubernetes does not accept",
        "WS383": "kubernetes integrations without a top-level kubernetes.keda identity",
        "WS384": "kubernetes.keda identity settings missing or malformed",
        "WS385": "two integrations scale the same workload or name the same Service",
        "WS386": "kubernetes stage not defined, or not given when the API has several",
        # quotas and limits
        "WS401": "more than 300 routes (quota)",
        "WS402": "more than 300 integrations (quota)",
        "WS403": "more than 10 authorizers (quota)",
        "WS404": "more than 10 stages (quota)",
        "WS405": "a number that is not finite (.inf, .nan or an integer too long to read)",
        "WS406": "a tag AWS refuses (key, value, reserved prefix or count)",
        "WS407": "an authorizer name over 128 characters",
        "WS408": "control or invisible characters in a name",
        "WS409": "a free-form map key CloudFormation reads as an intrinsic function (Ref, Fn::)",
        "WS410": "API name length",
        "WS411": "stage name length or characters",
        "WS412": "model name length or characters",
        "WS413": "description too long",
        "WS414": "operation name length",
        "WS415": "stage variable name or value",
        "WS416": "custom domain base path",
        "WS417": "URI or ARN longer than 2048 characters",
        "WS418": "mapping template or model schema over 32K characters",
        "WS419": "environment variable name, reserved name or size",
        # functions, paths, connection table
        "WS501": "absolute handler/source path",
        "WS502": "handler/source path outside the project",
        "WS503": "handler outside its source directory",
        "WS504": "handler file extension does not match the runtime",
        "WS505": "'connection_table' grant without a 'connections' section",
        "WS506": "read_capacity and write_capacity must be given together",
        "WS590": "connection caps without Python $connect and $disconnect functions",
        "WS591": "max_per_user without an authorizer on $connect",
        "WS592": "max_per_user above max_total",
        "WS540": "a file in a function's source directory that cannot be packaged",
        "WS541": "a handler Lambda cannot name (whitespace, or over 128 characters)",
        "WS542": "a function entry that is not a valid function name in its language",
        "WS543": "a new stub for a function serving both proxy and non-proxy integrations",
        "WS544": "a new stub for a function that is both an authorizer and a route handler",
        "WS545": "a runtime Lambda does not offer, or no longer accepts for new functions",
        "WS546": "an invalid table setting (connection table name, attributes; any table's encryption key)",
        "WS547": "a malformed action or resource ARN in a custom IAM statement",
        "WS548": "an AWS integration whose generated role would allow no action",
        "WS549": "a new stub shared by several functions (one handler file not written yet)",
        # function packages: dependencies, layers, excludes
        "WS560": "dependencies file that does not exist",
        "WS561": "dependencies file of an unknown kind or for another language",
        "WS562": "package.json without a package-lock.json or npm-shrinkwrap.json beside it",
        "WS563": "pyproject.toml that cannot be read or has no [project] dependencies list",
        "WS564": "layer that is neither a Lambda layer version ARN nor a layer under 'layers'",
        "WS565": "more than 5 layers on a function",
        "WS566": "exclude pattern that is absolute or climbs out with '..'",
        "WS568": "a layer source that is not a directory or holds a file that cannot be packaged",
        "WS569": "a layer whose runtimes or architectures do not suit its dependencies or a "
        "function using it",
        # application tables
        "WS570": "too many indexes on a table, or one name for a global and a local index",
        "WS571": "type given for an attribute that no key of the table or an index uses",
        "WS572": "local secondary index on a table without a sort key",
        "WS573": "capacities that do not match the table's billing mode",
        "WS574": "TTL attribute that is a key of a type other than number",
        "WS575": "table name kept for the connection table, two tables with one name, or a bad index name",
        "WS576": "stream trigger on a table without a stream",
        "WS577": "access to 'connections' without a 'connections' section",
        "WS578": "two stream triggers of one function on one table",
        # stages, domain, authorizers, models
        "WS601": "stage route settings for a route that does not exist",
        "WS602": "domain mapped to a stage that does not exist",
        "WS603": "access log format without $context.requestId or too long",
        "WS604": "authorizer needs exactly one of 'function', 'arn' and 'jwt'",
        "WS605": "invalid authorizer identity source",
        "WS606": "model schema is not JSON Schema draft 4",
        "WS607": "invalid custom domain name",
        "WS608": "malformed ARN",
        "WS613": "JWT issuer or key set URL that is not https",
        "WS614": "JWT algorithm that is not an asymmetric signature (none, HMAC)",
        "WS615": "JWT token source that is not a header or query string",
        "WS616": "JWT context key 'principalId' (set from the 'sub' claim)",
        "WS617": "usage plan quota offset out of range for its period",
        "WS609": "a model schema $ref to another document (only '#...' references)",
        # monitoring (alarms, notifications, log retention)
        "WS620": "alarm metric not published for the alarm's scope",
        "WS621": "invalid alarm statistic",
        "WS622": "invalid alarm threshold",
        "WS623": "alarm period not 10, 30 or a multiple of 60 seconds",
        "WS624": "alarm evaluation periods below 1 or longer than one day in total",
        "WS625": "datapoints_to_alarm above evaluation_periods",
        "WS626": "alarm reference to a function, route, stage or alarm that is not defined",
        "WS627": "table alarm without a 'connections' section",
        "WS628": "per-route alarm without detailed metrics for that route",
        "WS680": "scaling metric not an API Gateway WebSocket metric",
        "WS681": "per-route scaling trigger without detailed metrics for that route",
        "WS682": "scaling statistic or period CloudWatch does not accept",
        "WS629": "log retention not one of the CloudWatch Logs values",
        "WS630": "malformed notification endpoint (e-mail address or https:// URL)",
        "WS631": "alarm without a metric or with more than one scope",
        # features AWS does not offer for WebSocket APIs
        "WS701": "JWT, Cognito or TOKEN authorizers",
        "WS702": "AWS WAF",
        "WS703": "X-Ray tracing of API stages",
        "WS704": "CORS",
        "WS705": "payload format 2.0 and other HTTP-API-only integration settings",
        "WS706": "v2 VPC links (subnets, security groups, ALB, Cloud Map)",
        "WS707": "edge-optimized or private endpoints, resource policies",
        "WS708": "mutual TLS",
        "WS709": "authorizer caching and simple responses",
        "WS710": "a protocol other than WebSocket",
        "WS740": "an alarm topic encrypted with the AWS managed SNS key (CloudWatch cannot publish)",
    },
)

_CHECK_WARNINGS = _codes(
    "checks",
    WARNING,
    {
        "WS579": "custom IAM statement without resources (it applies to '*')",
        "WS801": "$connect without authorization",
        "WS802": "stage without throttling",
        "WS803": "execution logging without the account CloudWatch role",
        "WS804": "no $default route while route selection can fail",
        "WS805": "Lambda integration to an existing ARN (wsspec adds an invoke permission)",
        "WS806": "defined but never used",
        "WS807": "route keys that differ only in case",
        "WS808": "unusual characters in a route key",
        "WS809": "non-proxy integration without a $default integration response",
        "WS810": "model selection expression without request models",
        "WS811": "API key required on a route other than $connect",
        "WS812": "two-way response on $connect or $disconnect",
        "WS813": "data trace logging enabled",
        "WS814": "function timeout above the 29 s integration timeout",
        "WS890": "JWT issuer or key set on this machine (only serve can reach it)",
        "WS891": "API keys defined, and no route requires one",
        "WS892": "API key taken from a JWT authorizer, which returns none",
        "WS860": "a static route selection expression that leaves custom routes unreachable",
        "WS861": "a secret environment variable the function's environment does not set",
        "WS870": "examples on $connect or $disconnect (they carry no message)",
        "WS880": "scaling trigger on a route that another integration serves",
        "WS840": "a runtime past its deprecation date (new functions blocked later)",
        "WS841": "a route key with * or ?: its Lambda permission also matches other routes",
        "WS842": "a custom IAM statement allowing every action on every resource",
        "WS567": "a dependencies file in the source directory that the function does not declare",
    },
)

_LOADER = _codes(
    "loader",
    ERROR,
    {
        "WS900": "the file cannot be read",
        "WS901": "YAML syntax error, tab indentation or non-UTF-8 text",
        "WS902": "duplicate key",
        "WS903": "mapping key that is not a string",
        "WS904": "alias bomb or too deeply nested document",
        "WS905": "unsupported YAML tag (e.g. !Ref)",
        "WS906": "'<<' merge key without a mapping",
        "WS907": "empty file",
        "WS908": "file too large",
        "WS909": "the document is not a mapping",
    },
)

_BUILD = _codes(
    "build",
    ERROR,
    {
        "WS010": "a `--target` that is not available in this installation",
        "WS011": "a value Terraform cannot represent (infinity, NaN or an unknown type)",
        "WS015": "a command needs an optional extra that is not installed (`pip install "
        "'wsspec[deploy]'` or `'wsspec[serve]'`)",
        "WS012": "a file at a generated path that wsspec did not write (never replaced)",
        "WS013": "a function or layer source file that cannot be packaged (link out of the project, "
        "special file)",
        "WS420": "the API does not fit CloudFormation's resource or parameter quotas, "
        "even in nested stacks",
        "WS421": "a CloudFormation template over 1,048,576 bytes",
        "WS951": "a function entry that is not a valid function name in its language",
        "WS952": "a function serving both proxy and non-proxy Lambda integrations",
        "WS953": "a function that is both an authorizer and a route handler",
        "WS954": "a handler path outside the project directory",
        "WS955": "two routes whose generated client methods would have the same name",
    },
)

_DEPLOY = _codes(
    "deploy",
    ERROR,
    {
        "WS910": "`--stage` names a stage the spec does not have",
        "WS920": "boto3 is not installed",
        "WS921": "no AWS credentials, an unknown profile or rejected credentials",
        "WS922": "no AWS region configured, or an unknown region",
        "WS923": "the AWS endpoint cannot be reached or timed out",
        "WS924": "access denied: the credentials lack a permission wsspec needs",
        "WS925": "AWS refused a request (any other AWS or client error)",
        "WS926": "the endpoint does not implement an operation (emulators)",
        "WS927": "several APIs with the spec's name carry the wsspec tag",
        "WS928": "a resource exists and is not owned by wsspec (no wsspec tag)",
        "WS940": "drift: the spec changed since the last deploy, so remote changes cannot be "
        "told apart from it",
        "WS941": "drift: no record of a deploy of this spec (not deployed, or deployed only "
        "stage by stage)",
        "WS930": "`--endpoint-url` is not a valid http:// or https:// URL",
        "WS931": "the endpoint answers, but not like an AWS API (e.g. an HTML page)",
        "WS932": "another deploy of the spec holds the deploy lock (waited, gave up)",
        "WS933": "another deploy changed the account after the plan was shown",
        "WS934": "an API family kept throttling without a single success for minutes",
    },
)

_SERVE = _codes(
    "serve",
    ERROR,
    {
        "WS961": "a function in a language `serve` cannot run",
        "WS962": "a handler or source directory outside the project directory",
        "WS963": "the handler file does not exist",
        "WS964": "the worker process exited while starting",
        "WS965": "`--stage` names a stage the spec does not have",
        "WS966": "moto's server is not installed (`pip install 'wsspec[serve]'`, or "
        "`--no-dynamodb`)",
        "WS967": "the local AWS emulator (moto server) did not start",
        "WS968": "a Node.js function and no `node` on PATH",
    },
)

_IMPORT = _codes(
    "import",
    ERROR,
    {
        "WS970": "the input cannot be read or parsed (YAML, JSON or HCL; HCL needs python-hcl2)",
        "WS971": "the input is not a CloudFormation/SAM template, a serverless.yml or Terraform",
        "WS972": "the input has no WebSocket API",
        "WS973": "several WebSocket APIs in the input and no `--api` (or it names none of them)",
        "WS974": "a value the API needs cannot be resolved (intrinsic, parameter or variable)",
        "WS975": "`--api-id`: no WebSocket API with this id",
        "WS976": "AWS refused a read (credentials, region, access denied, endpoint unreachable)",
        "WS977": "the imported spec does not validate",
    },
) + _codes(
    "import",
    WARNING,
    {
        "WS978": "a part of the input the spec cannot express (not imported)",
        "WS979": "`--download-code`: a function's code cannot be downloaded",
    },
)

_PACKAGING = _codes(
    "build",
    ERROR,
    {
        "WS990": "pip could not resolve or install a function's requirements",
        "WS991": "a requirement with no wheel for the function's Lambda platform",
        "WS992": "npm could not install a function's dependencies from its lock file",
        "WS993": "pip or npm is not available to install a function's dependencies",
        "WS994": "a function package (with its layers) or a layer over Lambda's size quotas",
        "WS995": "a Node.js native module built for another platform than the function's",
    },
)

_ALL = (
    _INTERNAL
    + _SCHEMA
    + _CHECK_ERRORS
    + _CHECK_WARNINGS
    + _LOADER
    + _BUILD
    + _DEPLOY
    + _SERVE
    + _IMPORT
    + _PACKAGING
)
_BY_CODE: dict[str, Code] = {c.code: c for c in sorted(_ALL, key=lambda c: c.code)}
if len(_BY_CODE) != len(_ALL):  # one code, one meaning
    _twice = sorted({c.code for c in _ALL if [x.code for x in _ALL].count(c.code) > 1})
    raise ValueError(f"codes registered twice in wsspec/codes.py: {_twice}")


class UnknownCode(LookupError):
    """A code that is not in the registry: register it here before emitting it."""


def get(code: str) -> Code:
    """The registered record of ``code``; raises ``UnknownCode`` for anything else."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise UnknownCode(
            f"{code!r} is not a registered wsspec code (see wsspec/codes.py)"
        ) from None


def all_codes() -> tuple[Code, ...]:
    """Every registered code, in code order."""
    return tuple(_BY_CODE.values())


def range_of(code: str) -> Range:
    """The range ``code`` lies in; raises ``UnknownCode`` when it lies in none."""
    number = int(code[2:]) if code[:2] == "WS" and code[2:].isdigit() else -1
    for r in RANGES:
        if number in r:
            return r
    raise UnknownCode(f"{code!r} lies in no range of wsspec/codes.py")
