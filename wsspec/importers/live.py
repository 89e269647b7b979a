"""A deployed API (``--api-id``) -> the import graph: ``read`` (live_gateway reads API Gateway;
this module adds stages, domain, functions and roles, table, account, alarms).

Functions are the ones integrations and authorizers invoke. In an API wsspec deployed (tag
``wsspec:spec``), a function without that tag is someone else's and stays an ARN; in any other
API every invoked function is imported. ``--download-code DIR`` fetches each function's package
into ``DIR/<function name>/`` so the spec's handlers point at real files.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from wsspec import names
from wsspec.alarms import topic_name
from wsspec.importers.cloudformation import normal_statement
from wsspec.importers.context import ImportOptions
from wsspec.importers.graph import Graph, Res
from wsspec.importers.live_gateway import (
    _FN_ARN,
    _TABLE,
    Reader,
    name_spec,
    physical_prefix,
    zip_extract,
)
from wsspec.importers.live_tables import read_tables, read_triggers
from wsspec.importers.values import Ref

_DEFAULT_SETTINGS = {
    "LoggingLevel": "OFF",
    "DataTraceEnabled": False,
    "DetailedMetricsEnabled": False,
}
_BASIC_EPHEMERAL = 512


def _document(doc: Any) -> Any:
    if isinstance(doc, str):
        try:
            return json.loads(urllib.parse.unquote(doc))
        except ValueError:
            return {}
    return doc or {}


class FullReader(Reader):
    def _read(self) -> None:
        self.roles: dict[str, Res | None] = {}
        super()._read()

    def _rest(self) -> None:
        self._stages()
        self._domain()
        self._functions()
        self._stage_order()
        self._table()
        self._account()
        self._alarms()

    # ------------------------------------------------------------------ stages, domain
    def _stages(self) -> None:
        spec = name_spec(self.name)
        for s in self._pages("apigatewayv2", "get_stages", "Items", ApiId=self.api_id):
            name = s["StageName"]
            props: dict[str, Any] = {"ApiId": Ref("api"), "StageName": name}
            for key in ("Description", "AutoDeploy", "StageVariables", "RouteSettings", "Tags"):
                if s.get(key) not in (None, "", {}, False):
                    props[key] = s[key]
            defaults = {
                k: v
                for k, v in (s.get("DefaultRouteSettings") or {}).items()
                if _DEFAULT_SETTINGS.get(k, object()) != v
            }
            if defaults:
                props["DefaultRouteSettings"] = defaults
            acc = s.get("AccessLogSettings") or {}
            dest = acc.get("DestinationArn")
            if dest:
                group = str(dest).split(":log-group:", 1)[-1].removesuffix(":*")
                if group == names.access_log_group(spec, name):
                    props["AccessLogSettings"] = {
                        "DestinationArn": Ref(self._log_group(group), "Arn"),
                        "Format": acc.get("Format"),
                    }
                else:
                    props["AccessLogSettings"] = {
                        "DestinationArn": dest,
                        "Format": acc.get("Format"),
                    }
            self.graph.add(Res(f"stage:{name}", "stage", "live", props, where=f"stage {name}"))

    def _log_group(self, group: str) -> str:
        rid = f"log:{group}"
        if rid not in self.graph.resources:
            found = self._pages(
                "logs", "describe_log_groups", "logGroups", logGroupNamePrefix=group
            )
            match = next((g for g in found if g.get("logGroupName") == group), None)
            props = {"LogGroupName": group}
            if match is not None and match.get("retentionInDays"):
                props["RetentionInDays"] = match["retentionInDays"]
            self.graph.add(Res(rid, "log_group", "live", props))
        return rid

    def _domain(self) -> None:
        for d in self._pages("apigatewayv2", "get_domain_names", "Items"):
            mappings = self._pages(
                "apigatewayv2", "get_api_mappings", "Items", DomainName=d["DomainName"]
            )
            mine = [m for m in mappings if m.get("ApiId") == self.api_id]
            if not mine:
                continue
            rid = f"domain:{d['DomainName']}"
            confs = [
                {
                    k: c.get(k)
                    for k in ("CertificateArn", "EndpointType", "SecurityPolicy")
                    if c.get(k)
                }
                for c in d.get("DomainNameConfigurations") or []
            ]
            self.graph.add(
                Res(
                    rid,
                    "domain",
                    "live",
                    {"DomainName": d["DomainName"], "DomainNameConfigurations": confs},
                )
            )
            for m in mine:
                props = {
                    "ApiId": Ref("api"),
                    "DomainName": Ref(rid),
                    "Stage": m.get("Stage"),
                    "ApiMappingKey": m.get("ApiMappingKey") or None,
                }
                self.graph.add(
                    Res(f"api_mapping:{m['ApiMappingId']}", "api_mapping", "live", props)
                )

    def _stage_order(self) -> None:
        """Stages in the order the spec had them: wsspec's ManageConnections statement lists the
        stages in spec order (GetStages does not keep one), and policies compare in order."""
        order: list[str] = []
        for role in self.graph.of("role"):
            for st in role.get("Statements") or []:
                if st.get("Sid") != "ManageConnections":
                    continue
                for r in st.get("Resource") or []:
                    m = re.search(r"/([^/]+)/[A-Z]+/@connections/", str(r))
                    if m is not None and m.group(1) not in order:
                        order.append(m.group(1))
        if not order:
            return
        stages = [r for r in self.graph.resources.values() if r.kind == "stage"]
        rank = {name: i for i, name in enumerate(order)}
        stages.sort(key=lambda r: rank.get(str(r.get("StageName")), len(rank)))
        others = [r for r in self.graph.resources.values() if r.kind != "stage"]
        self.graph.resources = {r.id: r for r in others + stages}

    # ------------------------------------------------------------------ functions, roles
    def _invoked(self) -> list[str]:
        out: list[str] = []
        for res in self.graph.of("integration") + self.graph.of("authorizer"):
            uri = res.get("IntegrationUri") or res.get("AuthorizerUri") or ""
            m = _FN_ARN.search(str(uri))
            if m is not None and m.group(1) not in out:
                out.append(m.group(1))
        return out

    def _functions(self) -> None:
        self._add_functions(self._invoked())

    def _add_functions(self, wanted: list[str]) -> None:
        owned = (self.graph.resources["api"].get("Tags") or {}).get("wsspec:spec") == self.name
        got = list(self.pool.map(self._get_function, wanted))
        for fn in got:
            if fn is None:
                continue
            tags = fn.get("Tags") or {}
            if owned and tags.get("wsspec:spec") != self.name:
                continue
            self.graph.add(self._function(fn["Configuration"], fn))

    def _get_function(self, name: str) -> Any:
        try:
            return self.client("lambda").get_function(FunctionName=name)
        except Exception as exc:  # noqa: BLE001
            if "ResourceNotFound" in type(exc).__name__ or "ResourceNotFound" in str(exc):
                return None
            raise

    def _function(self, conf: dict[str, Any], full: dict[str, Any]) -> Res:
        name = conf["FunctionName"]
        role = self._role(conf.get("Role") or "")
        unsupported: dict[str, Any] = {}
        for key in ("Layers", "DeadLetterConfig", "FileSystemConfigs", "KMSKeyArn", "SnapStart"):
            if conf.get(key) and conf.get(key) != {"ApplyOn": "None", "OptimizationStatus": "Off"}:
                unsupported[key] = conf[key]
        if (conf.get("VpcConfig") or {}).get("SubnetIds"):
            unsupported["VpcConfig"] = conf["VpcConfig"]
        if conf.get("PackageType") == "Image":
            unsupported["PackageType"] = "Image"
        if (conf.get("EphemeralStorage") or {}).get("Size", _BASIC_EPHEMERAL) != _BASIC_EPHEMERAL:
            unsupported["EphemeralStorage"] = conf["EphemeralStorage"]
        props = {
            "FunctionName": name,
            "Handler": conf.get("Handler"),
            "Runtime": conf.get("Runtime"),
            "MemorySize": conf.get("MemorySize"),
            "Timeout": conf.get("Timeout"),
            "Architectures": conf.get("Architectures"),
            "Description": conf.get("Description") or None,
            "Environment": (conf.get("Environment") or {}).get("Variables") or {},
            "Code": self._code(name, full),
            "Role": Ref(role.id, "Arn") if role is not None else conf.get("Role"),
            "Statements": [],
            "ManagedPolicies": [],
            "SamPolicies": [],
            "Tracing": (conf.get("TracingConfig") or {}).get("Mode") == "Active",
            "Unsupported": unsupported,
        }
        self._log_group(f"/aws/lambda/{name}")
        return Res(f"function:{name}", "function", "live", props, where=f"function {name}")

    def _code(self, name: str, full: dict[str, Any]) -> dict[str, Any]:
        target = self.opts.download_code
        if not target:
            return {"Kind": "none"}
        location = (full.get("Code") or {}).get("Location")
        directory = os.path.abspath(os.path.join(target, name))
        try:
            with urllib.request.urlopen(str(location), timeout=60) as resp:  # noqa: S310 - AWS's presigned URL
                blob = resp.read()
            os.makedirs(directory, exist_ok=True)
            zip_extract(blob, directory)
        except Exception as exc:  # noqa: BLE001
            why = " ".join(str(exc).split())[:160]
            self.graph.warnings.append(("WS979", f"cannot download the code of {name}: {why}"))
            return {"Kind": "none"}
        return {"Kind": "dir", "Path": directory}

    def _role(self, arn: str) -> Res | None:
        if not arn or ":role/" not in arn:
            return None
        role_name = arn.rsplit("/", 1)[-1]
        if role_name in self.roles:
            return self.roles[role_name]
        iam = self.client("iam")
        try:
            role = iam.get_role(RoleName=role_name)["Role"]
        except Exception:  # noqa: BLE001 - a role we cannot read: its grants stay unknown
            self.roles[role_name] = None
            self.graph.skipped.append(((), f"the policies of role {role_name} (cannot be read)"))
            return None
        services: list[Any] = []
        for st in _document(role.get("AssumeRolePolicyDocument")).get("Statement") or []:
            svc = (st.get("Principal") or {}).get("Service")
            services += svc if isinstance(svc, list) else [svc]
        statements: list[dict[str, Any]] = []
        for pname in self._pages("iam", "list_role_policies", "PolicyNames", RoleName=role_name):
            doc = _document(
                iam.get_role_policy(RoleName=role_name, PolicyName=pname).get("PolicyDocument")
            )
            items = doc.get("Statement") or []
            statements += [
                normal_statement(s) for s in (items if isinstance(items, list) else [items])
            ]
        managed = [
            p["PolicyArn"]
            for p in self._pages(
                "iam", "list_attached_role_policies", "AttachedPolicies", RoleName=role_name
            )
        ]
        res = Res(
            f"role:{role_name}",
            "role",
            "live",
            {
                "RoleName": role_name,
                "Services": services,
                "Statements": statements,
                "ManagedPolicies": managed,
            },
        )
        self.graph.add(res)
        self.roles[role_name] = res
        return res

    # ------------------------------------------------------------------ table, account, alarms
    def _table_candidates(self) -> list[str]:
        out: list[str] = []
        for role in self.graph.of("role"):
            for st in role.get("Statements") or []:
                for r in st.get("Resource") or []:
                    m = _TABLE.search(str(r))
                    if m is not None and m.group(1) not in out:
                        out.append(m.group(1))
        for fn in self.graph.of("function"):
            for k, v in (fn.get("Environment") or {}).items():
                if "TABLE" in k.upper() and isinstance(v, str) and v not in out:
                    out.append(v)
        default = names.table_name(name_spec(self.name))
        return out + ([default] if default not in out else [])

    def _table(self) -> None:
        """The tables, their streams' triggers, and the functions only those triggers invoke
        (whose tables are then read too)."""
        read_tables(self.client, self.graph, self._table_candidates())
        missing = read_triggers(self.client, self.graph)
        if missing:
            self._add_functions(missing)
            read_tables(self.client, self.graph, self._table_candidates())

    def _account(self) -> None:
        try:
            arn = self.client("apigateway").get_account().get("cloudwatchRoleArn") or ""
        except Exception:  # noqa: BLE001 - an emulator without the account resource
            return
        if arn.rsplit("/", 1)[-1] == names.account_role_name(name_spec(self.name)):
            self.graph.add(Res("account", "account", "live", {"CloudWatchRoleArn": arn}))

    def _alarms(self) -> None:
        prefix = physical_prefix(self.name)
        try:
            alarms = self._pages(
                "cloudwatch", "describe_alarms", "MetricAlarms", AlarmNamePrefix=prefix
            )
        except Exception:  # noqa: BLE001 - no CloudWatch on this endpoint
            return
        keys = (
            "AlarmName",
            "AlarmDescription",
            "Namespace",
            "MetricName",
            "Dimensions",
            "Statistic",
            "ExtendedStatistic",
            "Period",
            "EvaluationPeriods",
            "DatapointsToAlarm",
            "Threshold",
            "ComparisonOperator",
            "TreatMissingData",
            "AlarmActions",
        )
        own_topic = topic_name(name_spec(self.name))
        for a in alarms:
            props = {k: a.get(k) for k in keys if a.get(k) is not None}
            self.graph.add(Res(f"alarm:{a['AlarmName']}", "alarm", "live", props))
            for action in a.get("AlarmActions") or []:
                if (
                    str(action).endswith(":" + own_topic)
                    and f"topic:{action}" not in self.graph.resources
                ):
                    self._topic(str(action))

    def _topic(self, arn: str) -> None:
        self.graph.add(
            Res(
                f"topic:{arn}",
                "topic",
                "live",
                {"TopicName": arn.rsplit(":", 1)[-1], "__arn__": arn},
            )
        )
        try:
            subs = self._pages("sns", "list_subscriptions_by_topic", "Subscriptions", TopicArn=arn)
        except Exception:  # noqa: BLE001
            return
        for s in subs:
            props = {"TopicArn": arn, "Protocol": s.get("Protocol"), "Endpoint": s.get("Endpoint")}
            self.graph.add(
                Res(
                    f"subscription:{s.get('SubscriptionArn')}:{s.get('Endpoint')}",
                    "subscription",
                    "live",
                    props,
                )
            )


def read(api_id: str, opts: ImportOptions, client: Callable[[str], Any] | None = None) -> Graph:
    """The graph of API ``api_id``; ``client(service)`` gives boto3 clients (tests inject one)."""
    return FullReader(api_id, opts, client).read()
