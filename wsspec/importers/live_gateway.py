"""The API Gateway half of the live reader (``--api-id``), read with boto3 (``live.read`` runs it).

Reads apigatewayv2 (API, routes, integrations and their responses, authorizers, models, route
responses, stages, domain mappings), the functions the integrations and authorizers invoke
(Lambda configuration; the code only with ``--download-code DIR``), their roles' policies (IAM),
the connection table (DynamoDB: the table a policy, integration role or ``*TABLE*`` variable
names, with partition key ``connectionId``), log retention, alarms and their topic. What wsspec
itself wrote to mark ownership (the ``wsspec:spec`` tag, the ``wsspec:<id>`` integration
descriptions) is read back as the spec's own names. Values the deploy fills in by default
(``LoggingLevel OFF``, ``WHEN_NO_MATCH``) are left out, so ``plan`` finds nothing to change.
Operations an emulator lacks (moto: GetModels, GetAuthorizers, GetRouteResponses) are
inferred from the routes, with a note where a value could not be read.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from wsspec import names
from wsspec.importers.context import ImportOptions, NameSpec, _Api
from wsspec.importers.errors import fail
from wsspec.importers.graph import Graph, Res
from wsspec.importers.values import Ref

MARKER = "wsspec:"
_FN_ARN = re.compile(r"arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:/]+)")
_TABLE = re.compile(r":table/([A-Za-z0-9_.-]+)")
PLACEHOLDER_SCHEMA = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"}


def _code(exc: BaseException) -> str:
    return str(((getattr(exc, "response", None) or {}).get("Error") or {}).get("Code", ""))


def _unimplemented(exc: BaseException) -> bool:
    """An emulator without the operation answers a bare HTTP 404/500/501 (no AWS error code)."""
    text = str(exc)
    return _code(exc) in ("404", "500", "501", "NotImplemented", "InternalFailure") and (
        "Internal Server Error" in text
        or "Not Found" in text
        or "not yet been implemented" in text
        or _code(exc) == "NotImplemented"
    )


class Reader:
    def __init__(
        self, api_id: str, opts: ImportOptions, client: Callable[[str], Any] | None = None
    ) -> None:
        self.api_id = api_id
        self.opts = opts
        self.client = client or _clients(opts)
        self.graph = Graph(
            source=f"API {api_id}",
            source_kind="live API",
            project_dir=os.path.abspath(opts.out_dir),
        )
        self.graph.by_wsspec = True
        self.name = ""
        self.pool = ThreadPoolExecutor(max_workers=8)

    def _pages(self, service: str, op: str, key: str, **kw: Any) -> list[dict[str, Any]]:
        c = self.client(service)
        if c.can_paginate(op):
            out: list[dict[str, Any]] = []
            for page in c.get_paginator(op).paginate(**kw):
                out.extend(page.get(key) or [])
            return out
        return list(getattr(c, op)(**kw).get(key) or [])

    def _optional(self, service: str, op: str, **kw: Any) -> Any:
        """An operation an emulator may lack: one attempt, None when it is not implemented."""
        try:
            return getattr(self.client(service + ":probe"), op)(**kw)
        except Exception as exc:  # noqa: BLE001
            if _unimplemented(exc):
                return None
            raise

    def read(self) -> Graph:
        try:
            self._read()
        except Exception as exc:  # noqa: BLE001
            from wsspec.errors import WsspecError

            if isinstance(exc, WsspecError):
                raise
            _refused(exc, self.opts)
        finally:
            self.pool.shutdown(wait=False)
        return self.graph

    # ------------------------------------------------------------------ API Gateway
    def _read(self) -> None:
        c = self.client("apigatewayv2")
        try:
            api = c.get_api(ApiId=self.api_id)
        except Exception as exc:  # noqa: BLE001
            if _code(exc) in ("NotFoundException", "BadRequestException"):
                fail(
                    "WS975",
                    f"no API with id {self.api_id}",
                    hint="list them with `aws apigatewayv2 get-apis`",
                )
            raise
        if api.get("ProtocolType") != "WEBSOCKET":
            fail(
                "WS975",
                f"API {self.api_id} is an {api.get('ProtocolType')} API, not a WebSocket API",
            )
        self.name = api["Name"]
        self.graph.source = f"API {self.api_id} ({self.name})"
        self.graph.region = c.meta.region_name
        keys = (
            "Name",
            "ProtocolType",
            "RouteSelectionExpression",
            "ApiKeySelectionExpression",
            "Description",
            "DisableExecuteApiEndpoint",
            "DisableSchemaValidation",
            "Tags",
        )
        props = {k: api.get(k) for k in keys if api.get(k) not in (None, "", False)}
        props["__id__"] = self.api_id
        self.graph.add(Res("api", "api", "live", props, where=f"API {self.api_id}"))
        routes = self._pages("apigatewayv2", "get_routes", "Items", ApiId=self.api_id)
        integrations = self._pages("apigatewayv2", "get_integrations", "Items", ApiId=self.api_id)
        self._integrations(integrations)
        self._authorizers(routes)
        self._routes(routes)
        self._models(routes)
        self._rest()

    def _rest(self) -> None:
        """Everything beyond API Gateway (``live.FullReader``)."""

    def _role(self, arn: str) -> Res | None:
        """The role resource for ``arn`` (``live.FullReader`` reads IAM)."""
        return None

    def _integrations(self, items: list[dict[str, Any]]) -> None:
        keys = (
            "IntegrationType",
            "IntegrationUri",
            "IntegrationMethod",
            "TimeoutInMillis",
            "CredentialsArn",
            "ConnectionType",
            "ConnectionId",
            "RequestParameters",
            "RequestTemplates",
            "TemplateSelectionExpression",
            "PassthroughBehavior",
            "ContentHandlingStrategy",
        )
        for i in items:
            props: dict[str, Any] = {k: i.get(k) for k in keys if i.get(k) not in (None, "", {})}
            props["ApiId"] = Ref("api")
            desc = i.get("Description") or ""
            if desc.startswith(MARKER):
                marker, _, rest = desc[len(MARKER) :].partition(" ")
                props["__wsspec_id__"] = marker
                desc = rest
            if desc:
                props["Description"] = desc
            proxy = str(props.get("IntegrationType", "")).endswith("_PROXY")
            if proxy or props.get("PassthroughBehavior") == "WHEN_NO_MATCH":
                props.pop("PassthroughBehavior", None)
            if props.get("ConnectionType") == "INTERNET":
                props.pop("ConnectionType")
            self._vpc_link(props)
            self._service_role(props)
            rid = f"integration:{i['IntegrationId']}"
            self.graph.add(
                Res(rid, "integration", "live", props, where=f"integration {i['IntegrationId']}")
            )
            if not proxy:
                for r in self._pages(
                    "apigatewayv2",
                    "get_integration_responses",
                    "Items",
                    ApiId=self.api_id,
                    IntegrationId=i["IntegrationId"],
                ):
                    rprops = {
                        k: r.get(k)
                        for k in (
                            "IntegrationResponseKey",
                            "ResponseTemplates",
                            "TemplateSelectionExpression",
                            "ContentHandlingStrategy",
                        )
                        if r.get(k) not in (None, "", {})
                    }
                    rprops["IntegrationId"] = Ref(rid)
                    self.graph.add(
                        Res(
                            f"integration_response:{r['IntegrationResponseId']}",
                            "integration_response",
                            "live",
                            rprops,
                        )
                    )

    def _vpc_link(self, props: dict[str, Any]) -> None:
        link_id = props.get("ConnectionId")
        if (
            props.get("ConnectionType") != "VPC_LINK"
            or not isinstance(link_id, str)
            or "${" in link_id
        ):
            return
        try:
            link = self.client("apigateway").get_vpc_link(vpcLinkId=link_id)
        except Exception:  # noqa: BLE001 - a link wsspec does not manage (or none): keep the id
            return
        if link is None or (link.get("tags") or {}).get("wsspec:spec") != self.name:
            return
        rid = f"vpc_link:{link_id}"
        self.graph.add(
            Res(
                rid,
                "vpc_link",
                "live",
                {
                    "Name": link.get("name"),
                    "Description": link.get("description"),
                    "TargetArns": link.get("targetArns") or [],
                },
            )
        )
        props["ConnectionId"] = Ref(rid)

    def _service_role(self, props: dict[str, Any]) -> None:
        arn = props.get("CredentialsArn")
        if not isinstance(arn, str) or ":role/wsspec/" not in arn:
            return
        role = self._role(arn)
        if role is not None:
            props["CredentialsArn"] = Ref(role.id, "Arn")

    def _authorizers(self, routes: list[dict[str, Any]]) -> None:
        got = self._optional("apigatewayv2", "get_authorizers", ApiId=self.api_id)
        if got is not None:
            items = got.get("Items") or []
        else:
            ids = sorted({r["AuthorizerId"] for r in routes if r.get("AuthorizerId")})
            items = [
                self.client("apigatewayv2").get_authorizer(ApiId=self.api_id, AuthorizerId=x)
                for x in ids
            ]
        for a in items:
            keys = (
                "Name",
                "AuthorizerType",
                "AuthorizerUri",
                "IdentitySource",
                "AuthorizerCredentialsArn",
                "AuthorizerResultTtlInSeconds",
            )
            props = {k: a.get(k) for k in keys if a.get(k) not in (None, "")}
            props["ApiId"] = Ref("api")
            self.graph.add(Res(f"authorizer:{a['AuthorizerId']}", "authorizer", "live", props))

    def _routes(self, routes: list[dict[str, Any]]) -> None:
        keys = (
            "RouteKey",
            "Target",
            "AuthorizationType",
            "ApiKeyRequired",
            "RequestParameters",
            "RequestModels",
            "ModelSelectionExpression",
            "OperationName",
            "RouteResponseSelectionExpression",
        )
        for r in sorted(routes, key=lambda r: _route_order(r["RouteKey"])):
            props: dict[str, Any] = {k: r.get(k) for k in keys if r.get(k) not in (None, "", {})}
            props["ApiId"] = Ref("api")
            if r.get("AuthorizerId"):
                props["AuthorizerId"] = Ref(f"authorizer:{r['AuthorizerId']}")
            rid = f"route:{r['RouteId']}"
            self.graph.add(Res(rid, "route", "live", props, where=f"route {r['RouteKey']}"))
            if r.get("RouteResponseSelectionExpression"):
                got = self._optional(
                    "apigatewayv2", "get_route_responses", ApiId=self.api_id, RouteId=r["RouteId"]
                )
                items = (got or {}).get("Items") or [
                    {"RouteResponseKey": "$default", "RouteResponseId": r["RouteId"]}
                ]
                for rr in items:
                    rprops = {
                        "RouteId": Ref(rid),
                        "RouteResponseKey": rr.get("RouteResponseKey"),
                        "ResponseModels": rr.get("ResponseModels") or {},
                    }
                    self.graph.add(
                        Res(
                            f"route_response:{rr['RouteResponseId']}",
                            "route_response",
                            "live",
                            rprops,
                        )
                    )
                if got is None:
                    self.graph.skipped.append(
                        (
                            ("routes", r["RouteKey"]),
                            "response models (the endpoint cannot list route responses)",
                        )
                    )

    def _models(self, routes: list[dict[str, Any]]) -> None:
        got = self._optional("apigatewayv2", "get_models", ApiId=self.api_id)
        if got is not None:
            for m in got.get("Items") or []:
                props = {
                    k: m.get(k)
                    for k in ("Name", "ContentType", "Description", "Schema")
                    if m.get(k) not in (None, "")
                }
                props["ApiId"] = Ref("api")
                self.graph.add(Res(f"model:{m['ModelId']}", "model", "live", props))
            return
        used = sorted({n for r in routes for n in (r.get("RequestModels") or {}).values()})
        for name in used:
            props = {"ApiId": Ref("api"), "Name": name, "Schema": PLACEHOLDER_SCHEMA}
            self.graph.add(Res(f"model:{name}", "model", "live", props))
            self.graph.skipped.append(
                (
                    ("models", name),
                    "the schema (the endpoint cannot list models; a placeholder stands in)",
                )
            )


def _route_order(key: str) -> tuple[int, str]:
    return ({"$connect": 0, "$disconnect": 1, "$default": 2}.get(key, 3), key)


def _clients(opts: ImportOptions) -> Callable[[str], Any]:
    import boto3
    from botocore.config import Config

    session: Any = boto3.Session(profile_name=opts.profile, region_name=opts.region)
    cache: dict[str, Any] = {}
    config = Config(
        retries={"mode": "standard", "max_attempts": 3}, connect_timeout=10, read_timeout=30
    )

    probe = Config(
        retries={"mode": "standard", "max_attempts": 1}, connect_timeout=10, read_timeout=30
    )

    def client(service: str) -> Any:
        if service not in cache:
            name, _, kind = service.partition(":")
            cfg = probe if kind == "probe" else config
            cache[service] = session.client(name, endpoint_url=opts.endpoint_url, config=cfg)
        return cache[service]

    return client


def _refused(exc: BaseException, opts: ImportOptions) -> None:
    name = type(exc).__name__
    code = _code(exc)
    if name in ("NoCredentialsError", "PartialCredentialsError", "ProfileNotFound"):
        fail("WS976", f"no AWS credentials ({exc})", hint="configure credentials or pass --profile")
    if name == "NoRegionError":
        fail("WS976", "no AWS region configured", hint="pass --region")
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError"):
        fail("WS976", f"cannot reach AWS: {exc}", hint="check --endpoint-url and the network")
    if code in (
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
    ):
        fail(
            "WS976",
            f"access denied: {exc}",
            hint="the credentials need read access to API Gateway, Lambda, IAM, DynamoDB, CloudWatch",
        )
    fail("WS976", f"AWS refused a read: {name}: {' '.join(str(exc).split())[:200]}")


def zip_extract(blob: bytes, directory: str) -> None:
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        z.extractall(directory)


def name_spec(name: str) -> Any:
    return NameSpec(_Api(name)).as_spec()


def physical_prefix(name: str) -> str:
    return names.function_name(name_spec(name), "x")[:-1]
