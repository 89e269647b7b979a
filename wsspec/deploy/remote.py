"""Read the current state: everything found by natural key and wsspec's ownership tag.

Reads are batched (one paginated GetRoutes / GetIntegrations per API, one ListRoles by IAM
path, one ListFunctions) and the few per-item reads run in a thread pool. Operations an
emulator lacks (moto 5.2.1: GetAuthorizers, GetModels, GetRouteResponses, GetDeployments)
are recorded in ``Current.gaps`` and inferred from the routes instead (see README ``deploy``).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from wsspec import names
from wsspec.deploy.desired import MARKER, OWNER_TAG, Res, owner_value, role_path
from wsspec.deploy.errors import is_unimplemented, translate
from wsspec.model import Spec


@dataclass
class Cur:
    id: str  # AWS id / name / ARN used to address the resource
    props: dict[str, Any]
    stage: str | None = None
    parent: str = ""  # integration id / route id / function name (sub-resources)


@dataclass
class Current:
    records: dict[tuple[str, str], Cur] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # Out names -> generated ids
    gaps: set[str] = field(default_factory=set)  # operations the endpoint does not implement
    foreign: list[str] = field(default_factory=list)  # same-name resources without our tag
    deployments: dict[str, str | None] = field(default_factory=dict)  # stage -> deployed marker
    stage_deployment_ids: dict[str, str | None] = field(default_factory=dict)

    def add(self, kind: str, key: str, cur: Cur) -> None:
        self.records[(kind, key)] = cur

    def get(self, kind: str, key: str) -> Cur | None:
        return self.records.get((kind, key))

    def of(self, kind: str) -> dict[str, Cur]:
        return {k: v for (kd, k), v in self.records.items() if kd == kind}


def _pages(client: Any, op: str, key: str, **kw: Any) -> list[dict[str, Any]]:
    if client.can_paginate(op):
        out: list[dict[str, Any]] = []
        for page in client.get_paginator(op).paginate(**kw):
            out.extend(page.get(key) or [])
        return out
    return list(getattr(client, op)(**kw).get(key) or [])


def _code(exc: BaseException) -> str:
    return str(((getattr(exc, "response", None) or {}).get("Error") or {}).get("Code", ""))


class Reader:
    def __init__(self, aws: Any, spec: Spec, desired: list[Res]) -> None:
        self.aws = aws
        self.spec = spec
        self.desired = desired
        self.cur = Current()
        self.owner = owner_value(spec)
        self.pool = ThreadPoolExecutor(
            max_workers=max(1, aws.options.concurrency)
        )  # leaf calls only
        self.jobs = ThreadPoolExecutor(max_workers=8)  # one thread per service reader

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        return list(self.pool.map(fn, list(items)))

    def optional(self, service: str, op: str, **kw: Any) -> Any:
        """Call an operation some emulators lack; None (and a recorded gap) when missing."""
        if op in self.cur.gaps:
            return None
        probe = bool(self.aws.options.endpoint_url)
        try:
            return getattr(self.aws.client(service, probe=probe), op)(**kw)
        except Exception as exc:  # noqa: BLE001
            if is_unimplemented(exc):
                self.cur.gaps.add(op)
                return None
            raise

    def read(self) -> Current:
        try:
            self._read_all()
        except Exception as exc:  # noqa: BLE001
            raise translate(exc, endpoint=self.aws.options.endpoint_url) from None
        finally:
            self.pool.shutdown(wait=False)
            self.jobs.shutdown(wait=False)
        return self.cur

    def _read_all(self) -> None:
        jobs = [
            self._api,
            self._functions,
            self._roles,
            self._table,
            self._logs,
            self._vpc_links,
            self._domain,
            self._account,
            self._alarms,
            self._topic,
        ]
        futures = [self.jobs.submit(j) for j in jobs]
        for f in futures:
            f.result()

    # ------------------------------------------------------------------ API Gateway
    def _api(self) -> None:
        c = self.aws.client("apigatewayv2")
        apis = [a for a in _pages(c, "get_apis", "Items") if a.get("Name") == self.spec.api.name]
        mine = [a for a in apis if (a.get("Tags") or {}).get(OWNER_TAG) == self.owner]
        self.cur.foreign += [
            f"API {a['ApiId']} named {a['Name']} (no {OWNER_TAG} tag)"
            for a in apis
            if a not in mine
        ]
        if not mine:
            return
        if len(mine) > 1:
            from wsspec.deploy.errors import aws_error

            raise aws_error(
                f"{len(mine)} APIs named {self.spec.api.name} carry the wsspec tag; expected one",
                "delete the duplicates by hand",
                "WS927",
            )
        a = mine[0]
        api_id = a["ApiId"]
        self.cur.ids["api"] = api_id
        self.cur.add(
            "api",
            self.spec.api.name,
            Cur(
                api_id,
                {
                    "Name": a.get("Name"),
                    "ProtocolType": a.get("ProtocolType"),
                    "RouteSelectionExpression": a.get("RouteSelectionExpression"),
                    "ApiKeySelectionExpression": a.get("ApiKeySelectionExpression"),
                    "Description": a.get("Description") or "",
                    "DisableExecuteApiEndpoint": bool(a.get("DisableExecuteApiEndpoint")),
                    "DisableSchemaValidation": bool(a.get("DisableSchemaValidation")),
                    "Tags": {
                        k: v for k, v in (a.get("Tags") or {}).items() if not k.startswith("aws:")
                    },
                    "ApiEndpoint": a.get("ApiEndpoint"),
                },
            ),
        )
        f_routes = self.pool.submit(_pages, c, "get_routes", "Items", ApiId=api_id)
        f_integs = self.pool.submit(_pages, c, "get_integrations", "Items", ApiId=api_id)
        f_stages = self.pool.submit(_pages, c, "get_stages", "Items", ApiId=api_id)
        # operations an emulator may lack are probed concurrently (a failing probe is slow)
        f_auths = self.pool.submit(self.optional, "apigatewayv2", "get_authorizers", ApiId=api_id)
        f_models = self.pool.submit(self.optional, "apigatewayv2", "get_models", ApiId=api_id)
        f_deps = self.pool.submit(self.optional, "apigatewayv2", "get_deployments", ApiId=api_id)
        routes = f_routes.result()
        two_way = {r.key for r in self.desired if r.kind == "route_response"}
        rr_routes = [
            r
            for r in routes
            if r.get("RouteResponseSelectionExpression") or r["RouteKey"] in two_way
        ]
        f_rr_first = self.pool.submit(self._route_responses_first, api_id, rr_routes[:1])
        integs, stages = f_integs.result(), f_stages.result()

        # integrations: natural key in the Description marker
        id_to_key: dict[str, str] = {}
        for i in integs:
            desc = i.get("Description") or ""
            key = (
                desc[len(MARKER) :].split(" ", 1)[0]
                if desc.startswith(MARKER)
                else f"?{i['IntegrationId']}"
            )
            id_to_key[i["IntegrationId"]] = key
            self.cur.ids[f"integration:{key}"] = i["IntegrationId"]
            props = {
                k: i.get(k)
                for k in (
                    "IntegrationType",
                    "IntegrationUri",
                    "IntegrationMethod",
                    "TimeoutInMillis",
                    "CredentialsArn",
                    "Description",
                    "ConnectionType",
                    "ConnectionId",
                    "RequestParameters",
                    "RequestTemplates",
                    "TemplateSelectionExpression",
                    "PassthroughBehavior",
                    "ContentHandlingStrategy",
                )
            }
            self.cur.add("integration", key, Cur(i["IntegrationId"], props))

        def integ_responses(i: dict[str, Any]) -> None:
            if str(i.get("IntegrationType", "")).endswith("_PROXY"):
                return
            items = _pages(
                c,
                "get_integration_responses",
                "Items",
                ApiId=api_id,
                IntegrationId=i["IntegrationId"],
            )
            key = id_to_key[i["IntegrationId"]]
            for r in items:
                self.cur.add(
                    "integration_response",
                    f"{key} {r['IntegrationResponseKey']}",
                    Cur(
                        r["IntegrationResponseId"],
                        {
                            k: r.get(k)
                            for k in (
                                "IntegrationResponseKey",
                                "ResponseTemplates",
                                "TemplateSelectionExpression",
                                "ContentHandlingStrategy",
                            )
                        },
                        parent=i["IntegrationId"],
                    ),
                )

        self.map(integ_responses, integs)
        # the probes ran meanwhile (on an emulator that lacks them, a failing call is slow)
        auths, models, deps = f_auths.result(), f_models.result(), f_deps.result()

        # authorizers (fallback: the ones routes reference)
        auth_items = (auths or {}).get("Items")
        if auths is None:
            ids = {r["AuthorizerId"] for r in routes if r.get("AuthorizerId")}
            auth_items = [c.get_authorizer(ApiId=api_id, AuthorizerId=x) for x in sorted(ids)]
        for au in auth_items or []:
            name = au["Name"]
            self.cur.ids[f"authorizer:{name}"] = au["AuthorizerId"]
            self.cur.add(
                "authorizer",
                name,
                Cur(
                    au["AuthorizerId"],
                    {
                        k: au.get(k)
                        for k in (
                            "Name",
                            "AuthorizerType",
                            "AuthorizerUri",
                            "IdentitySource",
                            "AuthorizerCredentialsArn",
                        )
                    },
                ),
            )

        # models (fallback: names referenced by routes are assumed present, id unknown)
        if models is not None:
            for m in models.get("Items") or []:
                schema = m.get("Schema")
                try:
                    schema = json.loads(schema) if isinstance(schema, str) else schema
                except ValueError:
                    pass
                self.cur.ids[f"model:{m['Name']}"] = m["ModelId"]
                self.cur.add(
                    "model",
                    m["Name"],
                    Cur(
                        m["ModelId"],
                        {
                            "Name": m["Name"],
                            "ContentType": m.get("ContentType"),
                            "Description": m.get("Description") or "",
                            "Schema": schema,
                        },
                    ),
                )
        else:
            # models are created before the routes that use them, so a route that references a
            # model (or is two-way with response models) proves the model exists
            resp_models = {
                r.key: r.props.get("ResponseModels") or {}
                for r in self.desired
                if r.kind == "route_response"
            }
            for r in routes:
                used = list((r.get("RequestModels") or {}).values())
                if r.get("RouteResponseSelectionExpression") == "$default":
                    used += list(resp_models.get(r["RouteKey"], {}).values())
                for name in used:
                    self.cur.add("model", name, Cur("", {"__assumed__": True}))

        for r in routes:
            key = r["RouteKey"]
            self.cur.ids[f"route:{key}"] = r["RouteId"]
            self.cur.add(
                "route",
                key,
                Cur(
                    r["RouteId"],
                    {
                        k: r.get(k)
                        for k in (
                            "RouteKey",
                            "Target",
                            "AuthorizationType",
                            "AuthorizerId",
                            "ApiKeyRequired",
                            "RequestParameters",
                            "RequestModels",
                            "ModelSelectionExpression",
                            "OperationName",
                            "RouteResponseSelectionExpression",
                        )
                    },
                ),
            )

        f_rr_first.result()
        self._route_responses(api_id, rr_routes[1:])

        dep_desc = {
            d["DeploymentId"]: d.get("Description") for d in ((deps or {}).get("Items") or [])
        }
        for s in stages:
            name = s["StageName"]
            self.cur.stage_deployment_ids[name] = s.get("DeploymentId")
            self.cur.deployments[name] = dep_desc.get(s.get("DeploymentId") or "")
            self.cur.add(
                "stage",
                name,
                Cur(
                    name,
                    {
                        k: s.get(k)
                        for k in (
                            "StageName",
                            "Description",
                            "AutoDeploy",
                            "StageVariables",
                            "DefaultRouteSettings",
                            "RouteSettings",
                            "AccessLogSettings",
                            "Tags",
                        )
                    },
                    stage=name,
                ),
            )
        if deps is None:
            self.cur.deployments = {}

    def _route_responses_first(self, api_id: str, routes: list[dict[str, Any]]) -> None:
        for r in routes:
            self._route_response(api_id, r)

    def _route_responses(self, api_id: str, routes: list[dict[str, Any]]) -> None:
        self.map(lambda r: self._route_response(api_id, r), routes)

    def _route_response(self, api_id: str, r: dict[str, Any]) -> None:
        if True:
            res = self.optional(
                "apigatewayv2", "get_route_responses", ApiId=api_id, RouteId=r["RouteId"]
            )
            if res is None:
                # fallback: a route turns two-way (RRSE set) only after its response exists
                if r.get("RouteResponseSelectionExpression") == "$default":
                    self.cur.add(
                        "route_response",
                        r["RouteKey"],
                        Cur("", {"__assumed__": True}, parent=r["RouteId"]),
                    )
                return
            for rr in res.get("Items") or []:
                if rr.get("RouteResponseKey") == "$default":
                    self.cur.add(
                        "route_response",
                        r["RouteKey"],
                        Cur(
                            rr["RouteResponseId"],
                            {
                                "RouteResponseKey": "$default",
                                "ResponseModels": rr.get("ResponseModels"),
                            },
                            parent=r["RouteId"],
                        ),
                    )

    # ------------------------------------------------------------------ Lambda
    def _functions(self) -> None:
        c = self.aws.client("lambda")
        wanted = {r.key for r in self.desired if r.kind == "function"}
        prefix = names.function_name(self.spec, "x")[:-1]
        fns = [
            f
            for f in _pages(c, "list_functions", "Functions")
            if f["FunctionName"] in wanted or f["FunctionName"].startswith(prefix)
        ]

        def one(f: dict[str, Any]) -> None:
            tags = c.list_tags(Resource=f["FunctionArn"]).get("Tags") or {}
            if tags.get(OWNER_TAG) != self.owner:
                if f["FunctionName"] in wanted:
                    self.cur.foreign.append(
                        f"Lambda function {f['FunctionName']} (no {OWNER_TAG} tag)"
                    )
                    self.cur.add("foreign_function", f["FunctionName"], Cur(f["FunctionArn"], {}))
                return
            self.cur.add(
                "function",
                f["FunctionName"],
                Cur(
                    f["FunctionName"],
                    {
                        "Role": f.get("Role"),
                        "Handler": f.get("Handler"),
                        "Runtime": f.get("Runtime"),
                        "MemorySize": f.get("MemorySize"),
                        "Timeout": f.get("Timeout"),
                        "Description": f.get("Description") or "",
                        "Environment": (f.get("Environment") or {}).get("Variables") or {},
                        "Architectures": f.get("Architectures") or ["x86_64"],
                        "CodeSha256": f.get("CodeSha256"),
                        "TracingConfig": f.get("TracingConfig"),
                        "Tags": tags,
                    },
                ),
            )

        self.map(one, fns)
        self._permissions()  # needs the functions; starts as soon as they are known

    def _permissions(self) -> None:
        c = self.aws.client("lambda")
        targets = set(self.cur.of("function"))
        targets |= {
            r.props["FunctionName"]
            for r in self.desired
            if r.kind == "permission" and (r.props["FunctionName"].startswith("arn:"))
        }

        def one(fn: str) -> None:
            try:
                doc = json.loads(c.get_policy(FunctionName=fn)["Policy"])
            except Exception as exc:  # noqa: BLE001
                if _code(exc) == "ResourceNotFoundException":
                    return
                raise
            for st in doc.get("Statement") or []:
                sid = st.get("Sid") or ""
                if not sid.startswith("wsspec-"):
                    continue
                cond = st.get("Condition") or {}
                src = (cond.get("ArnLike") or {}).get("AWS:SourceArn")
                self.cur.add(
                    "permission", sid, Cur(sid, {"FunctionName": fn, "SourceArn": src}, parent=fn)
                )

        self.map(one, sorted(targets))

    # ------------------------------------------------------------------ IAM
    def _roles(self) -> None:
        c = self.aws.client("iam")
        roles = _pages(c, "list_roles", "Roles", PathPrefix=role_path(self.spec))

        def one(r: dict[str, Any]) -> None:
            name = r["RoleName"]
            tags = {
                t["Key"]: t["Value"] for t in _pages(c, "list_role_tags", "Tags", RoleName=name)
            }
            if tags.get(OWNER_TAG) != self.owner:
                self.cur.foreign.append(f"IAM role {name} (no {OWNER_TAG} tag)")
                return
            try:
                pol = c.get_role_policy(RoleName=name, PolicyName="wsspec")["PolicyDocument"]
                if isinstance(pol, str):
                    from urllib.parse import unquote

                    pol = json.loads(unquote(pol))
            except Exception as exc:  # noqa: BLE001
                if _code(exc) != "NoSuchEntity":
                    raise
                pol = None
            attached = tuple(
                sorted(
                    p["PolicyArn"]
                    for p in _pages(
                        c, "list_attached_role_policies", "AttachedPolicies", RoleName=name
                    )
                )
            )
            trust = r.get("AssumeRolePolicyDocument")
            if isinstance(trust, str):
                from urllib.parse import unquote

                trust = json.loads(unquote(trust))
            self.cur.add(
                "role",
                name,
                Cur(
                    name,
                    {
                        "Path": r.get("Path"),
                        "AssumeRolePolicyDocument": trust,
                        "Policy": pol,
                        "ManagedPolicies": attached,
                        "Tags": tags,
                    },
                ),
            )

        self.map(one, roles)

    # ------------------------------------------------------------------ DynamoDB
    def _table(self) -> None:
        c = self.aws.client("dynamodb")
        cands = {r.key for r in self.desired if r.kind == "table"}
        cands.add(names._physical(self.spec.api.name, "connections", limit=255))  # noqa: SLF001
        for name in sorted(cands):
            try:
                t = c.describe_table(TableName=name)["Table"]
            except Exception as exc:  # noqa: BLE001
                if _code(exc) == "ResourceNotFoundException":
                    continue
                raise
            tags = {
                x["Key"]: x["Value"]
                for x in _pages(c, "list_tags_of_resource", "Tags", ResourceArn=t["TableArn"])
            }
            if tags.get(OWNER_TAG) != self.owner:
                self.cur.foreign.append(f"DynamoDB table {name} (no {OWNER_TAG} tag)")
                self.cur.add("foreign_table", name, Cur(name, {}))
                continue
            ttl = c.describe_time_to_live(TableName=name).get("TimeToLiveDescription") or {}
            props: dict[str, Any] = {
                "TableName": name,
                "KeySchema": t.get("KeySchema"),
                "AttributeDefinitions": t.get("AttributeDefinitions"),
                "BillingMode": (t.get("BillingModeSummary") or {}).get(
                    "BillingMode", "PROVISIONED"
                ),
                "Ttl": ttl.get("AttributeName")
                if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
                else None,
                "Tags": tags,
            }
            pt = t.get("ProvisionedThroughput") or {}
            if props["BillingMode"] == "PROVISIONED":
                props["ProvisionedThroughput"] = {
                    "ReadCapacityUnits": pt.get("ReadCapacityUnits"),
                    "WriteCapacityUnits": pt.get("WriteCapacityUnits"),
                }
            self.cur.add("table", name, Cur(name, props))

    # ------------------------------------------------------------------ CloudWatch Logs
    def _logs(self) -> None:
        c = self.aws.client("logs")
        prefixes = {
            "/aws/lambda/" + names.function_name(self.spec, "x")[:-1],
            names.access_log_group(self.spec, "x")[: -len("x/access")],
        }
        groups: list[dict[str, Any]] = []
        for p in sorted(prefixes):
            groups += _pages(c, "describe_log_groups", "logGroups", logGroupNamePrefix=p)

        def one(g: dict[str, Any]) -> None:
            name = g["logGroupName"]
            tags = c.list_tags_log_group(logGroupName=name).get("tags") or {}
            if tags.get(OWNER_TAG) != self.owner:
                self.cur.add("foreign_log_group", name, Cur(name, {}))
                return
            self.cur.add(
                "log_group",
                name,
                Cur(name, {"Tags": tags, "RetentionInDays": g.get("retentionInDays")}),
            )

        self.map(one, groups)

    # ------------------------------------------------------------------ v1 VPC links, domain, account
    def _vpc_links(self) -> None:
        c = self.aws.client("apigateway")
        by_name = {names.vpc_link_name(self.spec, v.name): v.name for v in self.spec.vpc_links}
        for v in _pages(c, "get_vpc_links", "items"):
            tags = v.get("tags") or {}
            if tags.get(OWNER_TAG) != self.owner:
                continue
            key = by_name.get(v.get("name", ""), f"?{v['id']}")
            self.cur.ids[f"vpc_link:{key}"] = v["id"]
            self.cur.add(
                "vpc_link",
                key,
                Cur(v["id"], {k: v.get(k) for k in ("name", "description", "targetArns", "tags")}),
            )

    def _domain(self) -> None:
        c = self.aws.client("apigatewayv2")
        for d in _pages(c, "get_domain_names", "Items"):
            tags = d.get("Tags") or {}
            if tags.get(OWNER_TAG) != self.owner:
                if self.spec.domain is not None and d.get("DomainName") == self.spec.domain.name:
                    self.cur.foreign.append(f"custom domain {d['DomainName']} (no {OWNER_TAG} tag)")
                    self.cur.add("foreign_domain", d["DomainName"], Cur(d["DomainName"], {}))
                continue
            name = d["DomainName"]
            cfgs = [
                {k: x.get(k) for k in ("CertificateArn", "EndpointType", "SecurityPolicy")}
                for x in d.get("DomainNameConfigurations") or []
            ]
            self.cur.add(
                "domain", name, Cur(name, {"DomainNameConfigurations": cfgs, "Tags": tags})
            )
            for m in _pages(c, "get_api_mappings", "Items", DomainName=name):
                key = f"{name} {m.get('ApiMappingKey') or '(root)'}"
                self.cur.add(
                    "api_mapping",
                    key,
                    Cur(
                        m["ApiMappingId"],
                        {
                            "DomainName": name,
                            "Stage": m.get("Stage"),
                            "ApiMappingKey": m.get("ApiMappingKey") or "",
                            "ApiId": m.get("ApiId"),
                        },
                        stage=m.get("Stage"),
                        parent=name,
                    ),
                )

    # ------------------------------------------------------------------ CloudWatch alarms, SNS
    def _alarms(self) -> None:
        c = self.aws.client("cloudwatch")
        wanted = {r.key for r in self.desired if r.kind == "alarm"}
        prefix = names._physical(self.spec.api.name, "x", limit=255)[:-1]
        alarms = _pages(
            c, "describe_alarms", "MetricAlarms", AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm"]
        )

        def one(a: dict[str, Any]) -> None:
            name = a["AlarmName"]
            tags = {
                t["Key"]: t["Value"]
                for t in c.list_tags_for_resource(ResourceARN=a["AlarmArn"]).get("Tags") or []
            }
            if tags.get(OWNER_TAG) != self.owner:
                if name in wanted:
                    self.cur.foreign.append(f"CloudWatch alarm {name} (no {OWNER_TAG} tag)")
                    self.cur.add("foreign_alarm", name, Cur(a["AlarmArn"], {}))
                return
            dims = sorted(
                ({"Name": d["Name"], "Value": d["Value"]} for d in a.get("Dimensions") or []),
                key=lambda d: d["Name"],
            )
            self.cur.add(
                "alarm",
                name,
                Cur(
                    a["AlarmArn"],
                    {
                        **{
                            k: a.get(k)
                            for k in (
                                "AlarmName",
                                "AlarmDescription",
                                "Namespace",
                                "MetricName",
                                "Statistic",
                                "ExtendedStatistic",
                                "Period",
                                "EvaluationPeriods",
                                "DatapointsToAlarm",
                                "Threshold",
                                "ComparisonOperator",
                                "TreatMissingData",
                            )
                        },
                        "Dimensions": dims,
                        "AlarmActions": sorted(a.get("AlarmActions") or []),
                        "Tags": tags,
                    },
                ),
            )

        self.map(one, alarms)

    def _topic(self) -> None:
        from wsspec.monitoring import topic_name

        c = self.aws.client("sns")
        name = topic_name(self.spec)
        arn = f"arn:{self.aws.partition}:sns:{self.aws.region}:{self.aws.account}:{name}"
        try:
            c.get_topic_attributes(TopicArn=arn)
        except Exception as exc:  # noqa: BLE001
            if _code(exc) in ("NotFound", "NotFoundException"):
                return
            raise
        tags = {
            t["Key"]: t["Value"]
            for t in c.list_tags_for_resource(ResourceArn=arn).get("Tags") or []
        }
        if tags.get(OWNER_TAG) != self.owner:
            if any(r.kind == "topic" for r in self.desired):
                self.cur.foreign.append(f"SNS topic {name} (no {OWNER_TAG} tag)")
                self.cur.add("foreign_topic", name, Cur(arn, {}))
            return
        self.cur.add("topic", name, Cur(arn, {"Tags": tags}))
        for sub in _pages(c, "list_subscriptions_by_topic", "Subscriptions", TopicArn=arn):
            key = f"{sub.get('Protocol')}:{sub.get('Endpoint')}"
            self.cur.add(
                "subscription",
                key,
                Cur(
                    sub.get("SubscriptionArn") or "",
                    {
                        "TopicArn": arn,
                        "Protocol": sub.get("Protocol"),
                        "Endpoint": sub.get("Endpoint"),
                    },
                    parent=arn,
                ),
            )

    def _account(self) -> None:
        if not self.spec.cloudwatch_role:
            return
        acc = self.aws.client("apigateway").get_account()
        arn = acc.get("cloudwatchRoleArn")
        self.cur.add("account", "account", Cur("account", {"cloudwatchRoleArn": arn}))


def read_current(aws: Any, spec: Spec, desired: list[Res]) -> Current:
    return Reader(aws, spec, desired).read()
