"""Serverless Framework (v3/v4) ``serverless.yml`` -> the import graph.

Variables (``${self:...}``, ``${opt:stage, 'dev'}``, ``${sls:stage}``, ``${env:X}``,
``${file(...)}``) are resolved first (``--param stage=prod`` is ``--stage prod``). Then the
resources the framework compiles for ``websocket`` events are built the way it builds them: one
API (``websocketsApiName`` or ``<stage>-<service>-websockets``, logical ID ``WebsocketsApi``),
one Lambda proxy integration per function, a route per event, REQUEST authorizers (identity
source ``route.request.header.Auth`` unless given), one stage; functions ``<Name>LambdaFunction``
named ``<service>-<stage>-<name>`` with the framework's defaults (1024 MB, 6 s), the provider's
IAM statements and environment. ``resources.Resources`` (the connection table) is read as
CloudFormation, so ``!Ref``/``!GetAtt`` to it and to the generated resources resolve.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from wsspec.importers.cloudformation import normal_statement, read_resources
from wsspec.importers.errors import fail
from wsspec.importers.graph import Graph, Res
from wsspec.importers.intrinsics import Resolver, load_template
from wsspec.importers.values import Pseudo, Ref, Tmpl, Unresolved, concat

API_ID = "WebsocketsApi"
DEFAULT_IDENTITY = ["route.request.header.Auth"]
_VAR = re.compile(r"\$\{([^${}]+)\}")


def normalized(name: str) -> str:
    """The framework's normalised function name (``send-message`` -> ``SendDashmessage``)."""
    out = name[:1].upper() + name[1:]
    return out.replace("-", "Dash").replace("_", "Underscore")


class Variables:
    """The framework's variable syntax, resolved against the file and ``--param``."""

    def __init__(self, root: Mapping[str, Any], params: Mapping[str, str], base: str) -> None:
        self.root = root
        self.params = params
        self.base = base

    def stage(self) -> str:
        value = self.params.get("stage") or self.resolve(
            (self.root.get("provider") or {}).get("stage")
        )
        return value if isinstance(value, str) else "dev"

    def resolve(self, node: Any, depth: int = 0) -> Any:
        if depth > 20:
            return Unresolved("a variable that refers to itself")
        if isinstance(node, dict):
            return {k: self.resolve(v, depth) for k, v in node.items()}
        if isinstance(node, list):
            return [self.resolve(v, depth) for v in node]
        if not isinstance(node, str) or "${" not in node:
            return node
        m = _VAR.fullmatch(node.strip())
        if m is not None and node.strip() == node:
            return self.resolve(self._one(m.group(1), depth), depth + 1)
        pieces: list[Any] = []
        pos = 0
        for m in _VAR.finditer(node):
            pieces.append(node[pos : m.start()])
            pieces.append(self.resolve(self._one(m.group(1), depth), depth + 1))
            pos = m.end()
        pieces.append(node[pos:])
        bad = next((p for p in pieces if isinstance(p, Unresolved)), None)
        out = bad if bad is not None else concat(pieces)
        return self.resolve(out, depth + 1) if isinstance(out, str) and _VAR.search(out) else out

    def _one(self, expr: str, depth: int) -> Any:
        options = [o.strip() for o in _split(expr)]
        for option in options:
            value = self._source(option, depth)
            if not isinstance(value, Unresolved) and value is not None:
                return value
        return Unresolved(
            f"${{{expr}}}", "pass --param NAME=VALUE for opt: variables, or set the value"
        )

    def _source(self, ref: str, depth: int) -> Any:
        if ref[:1] in "'\"" and ref[-1:] == ref[:1]:
            return ref[1:-1]
        if re.fullmatch(r"-?\d+(\.\d+)?", ref):
            return float(ref) if "." in ref else int(ref)
        kind, _, path = ref.partition(":")
        if kind == "self":
            return _lookup(self.root, path)
        if kind == "opt":
            return (
                self.stage()
                if path == "stage" and "stage" in self.params
                else self.params.get(path)
            )
        if kind == "sls" and path == "stage":
            return self.stage()
        if kind == "env":
            return os.environ.get(path)
        if kind == "aws":
            return {
                "region": self.params.get("region") or Pseudo("AWS::Region"),
                "accountId": Pseudo("AWS::AccountId"),
            }.get(path)
        if kind.startswith("file("):
            return self._file(ref)
        return Unresolved(
            f"${{{ref}}}", "import resolves self:, opt:, sls:, env:, aws: and file() variables"
        )

    def _file(self, ref: str) -> Any:
        m = re.fullmatch(r"file\((.+?)\)(?::(.*))?", ref)
        if m is None:
            return None
        try:
            with open(os.path.join(self.base, m.group(1).strip("'\"")), encoding="utf-8") as f:
                data = load_template(f.read())
        except (OSError, ValueError):
            return None
        return _lookup(data, m.group(2) or "") if m.group(2) else data


def _split(expr: str) -> list[str]:
    out, depth, cur, quote = [], 0, "", ""
    for c in expr:
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        cur += c
    return out + [cur]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _lookup(data: Any, path: str) -> Any:
    for part in [p for p in path.split(".") if p]:
        if not isinstance(data, Mapping) or part not in data:
            return None
        data = data[part]
    return data


def read(path: str, text: str, params: Mapping[str, str]) -> Graph:
    if path.endswith((".ts", ".js", ".cjs", ".mjs")):
        fail(
            "WS971",
            "a serverless configuration written as code cannot be read",
            file=path,
            hint="write it out with `serverless print > serverless.yml` and import that",
        )
    try:
        raw = load_template(text)
    except Exception as exc:  # noqa: BLE001 - YAML errors of any kind
        fail(
            "WS970",
            f"cannot parse {os.path.basename(path)}: {' '.join(str(exc).split())[:300]}",
            file=path,
        )
    if not isinstance(raw, Mapping) or "service" not in raw:
        fail("WS971", "not a serverless.yml (no `service`)", file=path)
    base = os.path.dirname(os.path.abspath(path))
    var = Variables(raw, params, base)
    doc = var.resolve(raw)
    graph = Graph(source=path, source_kind="Serverless Framework", project_dir=base)
    service = doc.get("service")
    service = service.get("name") if isinstance(service, Mapping) else service
    stage = var.stage()
    functions = doc.get("functions") or {}
    resources = dict(((doc.get("resources") or {}).get("Resources")) or {})
    for name in functions:
        resources.setdefault(f"{normalized(name)}LambdaFunction", {"Type": "Serverless::Function"})
    resources.setdefault(API_ID, {"Type": "Serverless::WebsocketsApi"})
    template = {**(doc.get("resources") or {}), "Resources": resources}
    resolver = read_resources(graph, template, params)
    provider = doc.get("provider") or {}
    events = _events(functions)
    if events:
        _api(graph, provider, str(service), stage)
    for name, fn in functions.items():
        graph.add(_function(name, fn or {}, provider, str(service), stage, resolver))
    _routes(graph, events, functions)
    if events:
        _stage(graph, provider, stage)
    return graph


def _events(functions: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name, fn in functions.items():
        for ev in (fn or {}).get("events") or []:
            ws = ev.get("websocket") if isinstance(ev, Mapping) else None
            if isinstance(ws, str):
                out.append((name, {"route": ws}))
            elif isinstance(ws, Mapping):
                out.append((name, dict(ws)))
    return out


def _api(graph: Graph, provider: Mapping[str, Any], service: str, stage: str) -> None:
    ws: Mapping[str, Any] = _mapping(provider.get("websockets"))
    props: dict[str, Any] = {
        "Name": provider.get("websocketsApiName") or f"{stage}-{service}-websockets",
        "ProtocolType": "WEBSOCKET",
        "RouteSelectionExpression": ws.get("routeSelectionExpression")
        or provider.get("websocketsApiRouteSelectionExpression")
        or "$request.body.action",
    }
    description = ws.get("description") or provider.get("websocketsDescription")
    if description:
        props["Description"] = description
    websocket: Mapping[str, Any] = _mapping(provider.get("websocket"))
    if websocket.get("useProviderTags") and provider.get("tags"):
        props["Tags"] = provider["tags"]
    graph.add(Res(API_ID, "api", "AWS::ApiGatewayV2::Api", props, where="provider"))


def _function(
    name: str,
    fn: Mapping[str, Any],
    provider: Mapping[str, Any],
    service: str,
    stage: str,
    resolver: Resolver,
) -> Res:
    env = {**(provider.get("environment") or {}), **(fn.get("environment") or {})}
    iam: Mapping[str, Any] = _mapping(provider.get("iam"))
    role: Mapping[str, Any] = _mapping(iam.get("role"))
    statements = list(role.get("statements") or provider.get("iamRoleStatements") or [])
    statements += list(fn.get("iamRoleStatements") or [])
    tracing = fn.get("tracing", (provider.get("tracing") or {}).get("lambda"))
    package = fn.get("package") or {}
    code = (
        {"Kind": "zip", "Path": package["artifact"]}
        if package.get("artifact")
        else {"Kind": "dir", "Path": "."}
    )
    known = {
        "handler",
        "name",
        "runtime",
        "memorySize",
        "timeout",
        "architecture",
        "description",
        "environment",
        "events",
        "iamRoleStatements",
        "tracing",
        "package",
        "tags",
    }
    unsupported: dict[str, Any] = {k: v for k, v in fn.items() if k not in known}
    for ev in fn.get("events") or []:
        kinds = [k for k in ev if k != "websocket"] if isinstance(ev, Mapping) else []
        for kind in kinds:
            unsupported[f"events.{kind}"] = "event"
    if isinstance(iam.get("role"), str) or fn.get("role"):
        unsupported["role"] = fn.get("role") or iam.get("role")
    props = {
        "FunctionName": fn.get("name") or f"{service}-{stage}-{name}",
        "Handler": fn.get("handler"),
        "Runtime": fn.get("runtime") or provider.get("runtime"),
        "MemorySize": fn.get("memorySize") or provider.get("memorySize") or 1024,
        "Timeout": fn.get("timeout") or provider.get("timeout") or 6,
        "Architectures": [fn.get("architecture") or provider.get("architecture") or "x86_64"],
        "Description": fn.get("description"),
        "Environment": resolver.resolve(env),
        "Code": code,
        "Role": None,
        "Statements": [normal_statement(s) for s in resolver.resolve(statements)],
        "ManagedPolicies": list(role.get("managedPolicies") or []),
        "SamPolicies": [],
        "Tracing": tracing in (True, "Active", "true"),
        "Unsupported": unsupported,
        "__name__": name,
    }
    return Res(
        f"{normalized(name)}LambdaFunction",
        "function",
        "AWS::Lambda::Function",
        props,
        where=f"functions.{name}",
    )


def _uri(function: Any) -> Any:
    return concat(
        [
            "arn:",
            Pseudo("AWS::Partition"),
            ":apigateway:",
            Pseudo("AWS::Region"),
            ":lambda:path/2015-03-31/functions/",
            function,
            "/invocations",
        ]
    )


def _authorizer(graph: Graph, spec: Any, functions: Mapping[str, Any]) -> str:
    if isinstance(spec, str):
        spec = {"arn": spec} if ":" in spec else {"name": spec}
    arn = spec.get("arn")
    name = spec.get("name") or (arn.split(":")[-1] if isinstance(arn, str) else "authorizer")
    rid = f"{normalized(name)}WebsocketsAuthorizer"
    if rid not in graph.resources:
        target = arn if arn is not None else Ref(f"{normalized(name)}LambdaFunction", "Arn")
        identity = spec.get("identitySource") or DEFAULT_IDENTITY
        props = {
            "ApiId": Ref(API_ID),
            "Name": name,
            "AuthorizerType": "REQUEST",
            "AuthorizerUri": _uri(target),
            "IdentitySource": [identity] if isinstance(identity, str) else identity,
        }
        graph.add(
            Res(
                rid,
                "authorizer",
                "AWS::ApiGatewayV2::Authorizer",
                props,
                where=f"authorizer {name}",
            )
        )
    return rid


def _routes(
    graph: Graph, events: list[tuple[str, dict[str, Any]]], functions: Mapping[str, Any]
) -> None:
    for fn, ev in events:
        iid = f"{normalized(fn)}WebsocketsIntegration"
        if iid not in graph.resources:
            graph.add(
                Res(
                    iid,
                    "integration",
                    "AWS::ApiGatewayV2::Integration",
                    {
                        "ApiId": Ref(API_ID),
                        "IntegrationType": "AWS_PROXY",
                        "IntegrationUri": _uri(Ref(f"{normalized(fn)}LambdaFunction", "Arn")),
                    },
                    where=f"functions.{fn}.events",
                )
            )
        route = str(ev.get("route"))
        props: dict[str, Any] = {
            "ApiId": Ref(API_ID),
            "RouteKey": route,
            "Target": Tmpl(("integrations/", Ref(iid))),
            "AuthorizationType": "NONE",
        }
        if ev.get("authorizer"):
            props["AuthorizationType"] = "CUSTOM"
            props["AuthorizerId"] = Ref(_authorizer(graph, ev["authorizer"], functions))
        if ev.get("routeResponseSelectionExpression"):
            props["RouteResponseSelectionExpression"] = ev["routeResponseSelectionExpression"]
        rid = re.sub(r"[^A-Za-z0-9]", "", route.replace("$", "S")) + "WebsocketsRoute"
        graph.add(
            Res(rid, "route", "AWS::ApiGatewayV2::Route", props, where=f"functions.{fn}.events")
        )


def _stage(graph: Graph, provider: Mapping[str, Any], stage: str) -> None:
    props: dict[str, Any] = {"ApiId": Ref(API_ID), "StageName": stage}
    logs = (provider.get("logs") or {}).get("websocket")
    if logs:
        conf = logs if isinstance(logs, Mapping) else {}
        if conf.get("accessLogging", True):
            props["AccessLogSettings"] = {
                "DestinationArn": Ref("WebsocketsLogGroup", "Arn"),
                "Format": conf.get("format"),
            }
            graph.add(
                Res(
                    "WebsocketsLogGroup",
                    "log_group",
                    "AWS::Logs::LogGroup",
                    {"LogGroupName": "the framework's log group"},
                    where="provider.logs.websocket",
                )
            )
        if conf.get("executionLogging", True):
            props["DefaultRouteSettings"] = {
                "LoggingLevel": conf.get("level", "INFO"),
                "DataTraceEnabled": bool(conf.get("fullExecutionData", True)),
            }
    graph.add(
        Res(
            "WebsocketsDeploymentStage",
            "stage",
            "AWS::ApiGatewayV2::Stage",
            props,
            where="provider.stage",
        )
    )
