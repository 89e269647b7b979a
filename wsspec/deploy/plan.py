"""Diff desired records against the current state by natural key -> a list of ``Step`` records.

A plan is data: each ``Step`` is one resource change (what ``wsspec plan`` prints as
``+ create`` / ``~ update (field: old -> new)`` / ``- delete``) holding the API ``Call``s
that make it, with ``Out`` references to IDs that earlier steps produce. Steps run in
``phase`` order; steps in one phase are independent (steps sharing a ``lock`` run in order).
Nothing is deleted and recreated when AWS can update it in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Literal, Mapping

from wsspec.deploy.desired import (
    API,
    DEPLOY_MARKER,
    OWNER_TAG,
    POLICY_NAME,
    Fmt,
    Json,
    Out,
    Res,
    resolve,
)
from wsspec.deploy.remote import Cur, Current
from wsspec.errors import EXIT_AWS, WsspecError

Action = Literal["create", "update", "delete", "deploy"]


@dataclass(frozen=True)
class Call:
    """One API call: ``service.op(**params)``; ``produces`` maps Out names to response fields."""

    service: str
    op: str
    params: Mapping[str, Any]
    produces: tuple[tuple[str, str], ...] = ()
    retry: tuple[
        str, ...
    ] = ()  # extra retryable conditions: "iam" (role not yet assumable), "busy"
    optional: bool = False  # an emulator may lack it: skip with a warning instead of failing


@dataclass(frozen=True)
class Step:
    action: Action
    kind: str
    key: str
    label: str
    calls: tuple[Call, ...]
    phase: int
    changes: tuple[tuple[str, Any, Any], ...] = ()  # (field, old, new)
    lock: str = ""  # steps with the same lock never run concurrently (one Lambda policy)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "kind": self.kind,
            "key": self.key,
            "label": self.label,
            "changes": [{"field": f, "old": _show(o), "new": _show(n)} for f, o, n in self.changes],
            "calls": [f"{c.service}:{c.op}" for c in self.calls],
        }


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    known: Mapping[str, str]  # Out name -> id known before execution
    notes: tuple[str, ...] = ()
    api_name: str = ""
    stages: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.steps

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "delete": 0, "deploy": 0}
        for s in self.steps:
            out[s.action] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "api": self.api_name,
            "stages": list(self.stages),
            "summary": self.counts(),
            "steps": [s.as_dict() for s in self.steps],
            "notes": list(self.notes),
        }


def _show(v: Any) -> Any:
    if isinstance(v, (Out, Fmt)):
        return str(v)
    if isinstance(v, Json):
        return _show(v.value)
    if isinstance(v, Mapping):
        return {k: _show(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_show(x) for x in v]
    if isinstance(v, bytes):
        return f"<{len(v)} bytes>"
    return v


# ----------------------------------------------------------------------------- comparison
DEFAULTS: dict[tuple[str, str], Any] = {
    ("route", "AuthorizationType"): "NONE",
    ("route", "ApiKeyRequired"): False,
    ("integration", "ConnectionType"): "INTERNET",
    ("stage", "AutoDeploy"): False,
    ("function", "TracingConfig"): {"Mode": "PassThrough"},
}
SUBSET = {("stage", "DefaultRouteSettings")}
IGNORED = {
    ("table", "KeySchema"),
    ("table", "AttributeDefinitions"),
    ("table", "TableName"),
    ("role", "Path"),
    ("api", "ApiEndpoint"),
    ("api", "ProtocolType"),
    ("vpc_link", "targetArns"),
    ("api_mapping", "ApiId"),
    ("api_mapping", "DomainName"),
    ("api_mapping", "ApiMappingKey"),
}


def _norm(v: Any) -> Any:
    if isinstance(v, Json):
        return _norm(v.value)
    if v is None or v == "" or v == {} or v == [] or v == ():
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, Mapping):
        return {k: _norm(x) for k, x in v.items() if _norm(x) is not None}
    if isinstance(v, (list, tuple)):
        return [_norm(x) for x in v]
    return v


def _policy(doc: Any) -> Any:
    if not isinstance(doc, Mapping):
        return doc
    sts = []
    for st in doc.get("Statement") or []:
        st = dict(st)
        for k in ("Action", "Resource"):
            if isinstance(st.get(k), str):
                st[k] = [st[k]]
        sts.append(st)
    return {"Version": doc.get("Version"), "Statement": sts}


def diff_props(
    kind: str, want: Mapping[str, Any], have: Mapping[str, Any]
) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for every managed field whose value differs."""
    if have.get("__assumed__"):
        return []
    out = []
    for f in sorted(set(want) | set(have)):
        if (kind, f) in IGNORED:
            continue
        w, h = want.get(f), have.get(f)
        if h is None and (kind, f) in DEFAULTS:
            h = DEFAULTS[(kind, f)]
        if w is None and (kind, f) in DEFAULTS:
            w = DEFAULTS[(kind, f)]
        if f in ("Policy", "AssumeRolePolicyDocument"):
            w, h = _policy(w.value if isinstance(w, Json) else w), _policy(h)
        if f == "Tags" and isinstance(h, Mapping):
            h = {k: v for k, v in h.items() if not str(k).startswith("aws:")}
        nw, nh = _norm(w), _norm(h)
        if (kind, f) in SUBSET and isinstance(nw, dict) and isinstance(nh, dict):
            nh = {k: nh.get(k) for k in nw}
        if (
            kind == "stage"
            and f == "RouteSettings"
            and isinstance(nw, dict)
            and isinstance(nh, dict)
        ):
            nh = {
                rk: ({k: (nh.get(rk) or {}).get(k) for k in nw[rk]} if rk in nw else nh[rk])
                for rk in nh
            }
            nh = {rk: v for rk, v in nh.items() if _norm(v) is not None or rk in nw}
        if nw != nh:
            out.append((f, h, w))
    return out


def _tags_list(
    tags: Mapping[str, str], key: str = "Key", value: str = "Value"
) -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in sorted(tags.items())]


def _without(d: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in keys}


# ----------------------------------------------------------------------------- planner
PHASE = {
    "table": 0,
    "log_group": 0,
    "role": 0,
    "vpc_link": 0,
    "function": 1,
    "api": 1,
    "role_policy": 2,
    "account": 2,
    "authorizer": 2,
    "model": 2,
    "integration": 2,
    "integration_response": 3,
    "route": 3,
    "permission": 4,
    "stage": 4,
    "domain": 5,
    "api_mapping": 6,
    "topic": 0,
    "subscription": 1,
    "alarm": 5,
}
DELETE_PHASE = {
    "api_mapping": 7,
    "stage": 7,
    "permission": 7,
    "route": 8,
    "integration_response": 8,
    "integration": 9,
    "authorizer": 9,
    "model": 9,
    "function": 10,
    "domain": 10,
    "role": 11,
    "log_group": 11,
    "vpc_link": 11,
    "table": 11,
    "account": 11,
    "api": 12,
    "alarm": 7,
    "subscription": 7,
    "topic": 11,
}
DEPLOY_PHASE = 13
API_KINDS = {"api", "route", "integration", "integration_response", "authorizer", "model"}


class Planner:
    def __init__(
        self,
        desired: list[Res],
        current: Current,
        *,
        stages: Iterable[str] | None = None,
        region: str = "",
        partition: str = "aws",
        spec_stages: Mapping[str, bool] | None = None,
        deployment_marker: str = "",
        account: str = "",
    ) -> None:
        self.cur = current
        self.account = account
        self.region = region
        self.partition = partition
        self.marker = deployment_marker
        self.spec_stages = dict(spec_stages or {})  # stage -> auto_deploy
        self.stage_filter = set(stages) if stages else None
        stage_of = {(r.kind, r.key): r.stage for r in desired}
        self.want = {(r.kind, r.key): r for r in desired if self._in_scope(r.stage)}
        self.have = {
            k: v
            for k, v in current.records.items()
            if self._in_scope(v.stage if v.stage is not None else stage_of.get(k))
        }
        self.known = dict(current.ids)
        self.steps: list[Step] = []
        self.notes: list[str] = []

    def _in_scope(self, stage: str | None) -> bool:
        return stage is None or self.stage_filter is None or stage in self.stage_filter

    # helpers
    def add(
        self,
        action: Action,
        r: Res | None,
        kind: str,
        key: str,
        calls: list[Call],
        *,
        changes: list[tuple[str, Any, Any]] | None = None,
        phase: int | None = None,
        lock: str = "",
        label: str = "",
    ) -> None:
        if not calls:
            return
        ph = (
            phase
            if phase is not None
            else (DELETE_PHASE[kind] if action == "delete" else PHASE[kind])
        )
        self.steps.append(
            Step(
                action,
                kind,
                key,
                label or (r.label if r else key) or key,
                tuple(calls),
                ph,
                tuple(changes or ()),
                lock,
            )
        )

    def resolved(self, r: Res) -> dict[str, Any]:
        return resolve(dict(r.props), self.known, partial=True)

    def plan(self) -> list[Step]:
        self._refuse_foreign()
        for (kind, key), r in self.want.items():
            if kind == "route_response":
                continue
            getattr(self, f"_{kind}")(r, self.have.get((kind, key)))
        self._deletes()
        self._deployments()
        self.steps.sort(key=lambda s: s.phase)
        return self.steps

    def _refuse_foreign(self) -> None:
        for kind, what in (
            ("function", "Lambda function"),
            ("table", "DynamoDB table"),
            ("domain", "custom domain"),
            ("alarm", "CloudWatch alarm"),
            ("topic", "SNS topic"),
        ):
            for k, key in self.want:
                if k == kind and (f"foreign_{kind}", key) in self.cur.records:
                    raise WsspecError(
                        f"{what} {key} already exists and is not owned by wsspec "
                        f"(no {OWNER_TAG} tag); refusing to modify it",
                        code="WS928",
                        exit_code=EXIT_AWS,
                        hint="rename the API in the spec or remove the resource by hand",
                    )

    # ---------------------------------------------------------------- per kind (create/update)
    def _table(self, r: Res, h: Cur | None) -> None:
        p = r.props
        if h is None:
            params = _without(p, "Ttl")
            params["Tags"] = _tags_list(p["Tags"])
            self.add(
                "create",
                r,
                "table",
                r.key,
                [
                    Call("dynamodb", "create_table", params),
                    Call(
                        "dynamodb",
                        "update_time_to_live",
                        {
                            "TableName": r.key,
                            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": p["Ttl"]},
                        },
                        retry=("busy",),
                    ),
                ],
            )
            return
        ch = diff_props("table", p, h.props)
        calls = []
        fields = {c[0] for c in ch}
        if fields & {"BillingMode", "ProvisionedThroughput"}:
            upd = {"TableName": r.key, "BillingMode": p["BillingMode"]}
            if "ProvisionedThroughput" in p:
                upd["ProvisionedThroughput"] = p["ProvisionedThroughput"]
            calls.append(Call("dynamodb", "update_table", upd, retry=("busy",)))
        if "Ttl" in fields:
            if h.props.get("Ttl"):
                calls.append(
                    Call(
                        "dynamodb",
                        "update_time_to_live",
                        {
                            "TableName": r.key,
                            "TimeToLiveSpecification": {
                                "Enabled": False,
                                "AttributeName": h.props["Ttl"],
                            },
                        },
                        retry=("busy",),
                    )
                )
            calls.append(
                Call(
                    "dynamodb",
                    "update_time_to_live",
                    {
                        "TableName": r.key,
                        "TimeToLiveSpecification": {"Enabled": True, "AttributeName": p["Ttl"]},
                    },
                    retry=("busy",),
                )
            )
        if "Tags" in fields:
            calls.append(
                Call(
                    "dynamodb",
                    "tag_resource",
                    {"ResourceArn": self._table_arn(r.key), "Tags": _tags_list(p["Tags"])},
                )
            )
        self.add("update", r, "table", r.key, calls, changes=ch)

    def _table_arn(self, name: str) -> str:
        return f"arn:{self.partition}:dynamodb:{self.region}:{self.account}:table/{name}"

    def _log_group(self, r: Res, h: Cur | None) -> None:
        if ("foreign_log_group", r.key) in self.cur.records:
            self.notes.append(f"log group {r.key} exists without the wsspec tag; left as it is")
            return
        days = r.props.get("RetentionInDays")
        retention = Call(
            "logs", "put_retention_policy", {"logGroupName": r.key, "retentionInDays": days}
        )
        if h is None:
            calls = [
                Call(
                    "logs",
                    "create_log_group",
                    {"logGroupName": r.key, "tags": dict(r.props["Tags"])},
                )
            ]
            self.add("create", r, "log_group", r.key, calls + ([retention] if days else []))
            return
        ch = diff_props("log_group", r.props, h.props)
        fields = {c[0] for c in ch}
        calls = []
        if "Tags" in fields:
            calls.append(
                Call(
                    "logs", "tag_log_group", {"logGroupName": r.key, "tags": dict(r.props["Tags"])}
                )
            )
        if "RetentionInDays" in fields:
            calls.append(
                retention
                if days
                else Call("logs", "delete_retention_policy", {"logGroupName": r.key})
            )
        self.add("update", r, "log_group", r.key, calls, changes=ch)

    def _role(self, r: Res, h: Cur | None) -> None:
        p = r.props
        policy_call = None
        if p["Policy"] is not None:
            policy_call = Call(
                "iam",
                "put_role_policy",
                {"RoleName": r.key, "PolicyName": POLICY_NAME, "PolicyDocument": Json(p["Policy"])},
            )
        if h is None:
            calls = [
                Call(
                    "iam",
                    "create_role",
                    {
                        "RoleName": r.key,
                        "Path": p["Path"],
                        "AssumeRolePolicyDocument": Json(p["AssumeRolePolicyDocument"]),
                        "Tags": _tags_list(p["Tags"]),
                    },
                )
            ]
            calls += [
                Call("iam", "attach_role_policy", {"RoleName": r.key, "PolicyArn": a})
                for a in p["ManagedPolicies"]
            ]
            self.add("create", r, "role", r.key, calls)
            if policy_call is not None:
                self.add(
                    "create", r, "role_policy", r.key, [policy_call], label=f"{r.label} policy"
                )
            return
        want = self.resolved(r)
        ch = diff_props("role", want, h.props)
        fields = {c[0] for c in ch}
        calls = []
        if "AssumeRolePolicyDocument" in fields:
            calls.append(
                Call(
                    "iam",
                    "update_assume_role_policy",
                    {"RoleName": r.key, "PolicyDocument": Json(p["AssumeRolePolicyDocument"])},
                )
            )
        if "ManagedPolicies" in fields:
            have = set(h.props.get("ManagedPolicies") or ())
            calls += [
                Call("iam", "attach_role_policy", {"RoleName": r.key, "PolicyArn": a})
                for a in p["ManagedPolicies"]
                if a not in have
            ]
            calls += [
                Call("iam", "detach_role_policy", {"RoleName": r.key, "PolicyArn": a})
                for a in sorted(have - set(p["ManagedPolicies"]))
            ]
        if "Tags" in fields:
            calls.append(
                Call("iam", "tag_role", {"RoleName": r.key, "Tags": _tags_list(p["Tags"])})
            )
        self.add("update", r, "role", r.key, calls, changes=[c for c in ch if c[0] != "Policy"])
        if "Policy" in fields:
            pc = [c for c in ch if c[0] == "Policy"]
            if policy_call is not None:
                self.add(
                    "update",
                    r,
                    "role_policy",
                    r.key,
                    [policy_call],
                    changes=pc,
                    label=f"{r.label} policy",
                )
            else:
                self.add(
                    "update",
                    r,
                    "role_policy",
                    r.key,
                    [
                        Call(
                            "iam",
                            "delete_role_policy",
                            {"RoleName": r.key, "PolicyName": POLICY_NAME},
                        )
                    ],
                    changes=pc,
                    label=f"{r.label} policy",
                )

    def _account(self, r: Res, h: Cur | None) -> None:
        if h is not None and not diff_props("account", r.props, h.props):
            return
        self.add(
            "update",
            r,
            "account",
            r.key,
            [
                Call(
                    "apigateway",
                    "update_account",
                    {
                        "patchOperations": [
                            {
                                "op": "replace",
                                "path": "/cloudwatchRoleArn",
                                "value": r.props["cloudwatchRoleArn"],
                            }
                        ]
                    },
                    retry=("iam",),
                )
            ],
            changes=diff_props("account", r.props, h.props if h else {}),
        )

    def _vpc_link(self, r: Res, h: Cur | None) -> None:
        if h is None:
            self.add(
                "create",
                r,
                "vpc_link",
                r.key,
                [
                    Call(
                        "apigateway",
                        "create_vpc_link",
                        dict(r.props),
                        produces=((f"vpc_link:{r.key}", "id"),),
                    )
                ],
            )
            return
        ch = diff_props("vpc_link", r.props, h.props)
        ops = [
            {"op": "replace", "path": f"/{f}", "value": r.props.get(f) or ""}
            for f, _, _ in ch
            if f in ("name", "description")
        ]
        calls = (
            [Call("apigateway", "update_vpc_link", {"vpcLinkId": h.id, "patchOperations": ops})]
            if ops
            else []
        )
        if any(f == "tags" for f, _, _ in ch):
            calls.append(
                Call(
                    "apigateway",
                    "tag_resource",
                    {
                        "resourceArn": f"arn:{self.partition}:apigateway:{self.region}::/vpclinks/{h.id}",
                        "tags": dict(r.props["tags"]),
                    },
                )
            )
        if any(f == "targetArns" for f, _, _ in ch):
            self.notes.append(f"VPC link {r.label}: target ARNs cannot be changed in place")
        self.add("update", r, "vpc_link", r.key, calls, changes=ch)

    def _function(self, r: Res, h: Cur | None) -> None:
        p = r.props
        conf = {
            "Role": p["Role"],
            "Handler": p["Handler"],
            "Runtime": p["Runtime"],
            "MemorySize": p["MemorySize"],
            "Timeout": p["Timeout"],
            "Description": p["Description"],
            "Environment": {"Variables": dict(p["Environment"])},
        }
        if "TracingConfig" in p:
            conf["TracingConfig"] = dict(p["TracingConfig"])
        if h is None:
            self.add(
                "create",
                r,
                "function",
                r.key,
                [
                    Call(
                        "lambda",
                        "create_function",
                        {
                            "FunctionName": r.key,
                            **conf,
                            "Code": {"ZipFile": r.blob or b""},
                            "Architectures": list(p["Architectures"]),
                            "Tags": dict(p["Tags"]),
                        },
                        retry=("iam",),
                    )
                ],
                changes=[("CodeSha256", None, p["CodeSha256"])],
            )
            return
        ch = diff_props("function", p, h.props)
        fields = {c[0] for c in ch}
        calls = []
        if fields & {"CodeSha256", "Architectures"}:
            calls.append(
                Call(
                    "lambda",
                    "update_function_code",
                    {
                        "FunctionName": r.key,
                        "ZipFile": r.blob or b"",
                        "Architectures": list(p["Architectures"]),
                    },
                    retry=("busy",),
                )
            )
        if fields & {
            "Role",
            "Handler",
            "Runtime",
            "MemorySize",
            "Timeout",
            "Description",
            "Environment",
            "TracingConfig",
        }:
            calls.append(
                Call(
                    "lambda",
                    "update_function_configuration",
                    {"FunctionName": r.key, **conf},
                    retry=("busy", "iam"),
                )
            )
        if "Tags" in fields:
            calls.append(
                Call(
                    "lambda",
                    "tag_resource",
                    {"Resource": self._function_arn(r), "Tags": dict(p["Tags"])},
                )
            )
        self.add("update", r, "function", r.key, calls, changes=ch)

    def _function_arn(self, r: Res) -> str:
        return f"arn:{self.partition}:lambda:{self.region}:{self.account}:function:{r.key}"

    def _api(self, r: Res, h: Cur | None) -> None:
        p = r.props
        if h is None:
            self.add(
                "create",
                r,
                "api",
                r.key,
                [Call("apigatewayv2", "create_api", dict(p), produces=(("api", "ApiId"),))],
            )
            return
        ch = diff_props("api", p, h.props)
        fields = {c[0] for c in ch}
        calls = []
        upd = {k: v for k, v in p.items() if k in fields and k != "Tags"}
        if upd:
            calls.append(Call("apigatewayv2", "update_api", {"ApiId": API, **upd}))
        if "Tags" in fields:
            arn = Fmt(f"arn:{self.partition}:apigateway:{self.region}::/apis/{{0}}", (API,))
            calls.append(
                Call("apigatewayv2", "tag_resource", {"ResourceArn": arn, "Tags": dict(p["Tags"])})
            )
            gone = sorted(set(h.props.get("Tags") or {}) - set(p["Tags"]))
            if gone:
                calls.append(
                    Call("apigatewayv2", "untag_resource", {"ResourceArn": arn, "TagKeys": gone})
                )
        self.add("update", r, "api", r.key, calls, changes=ch)

    def _simple(
        self,
        r: Res,
        h: Cur | None,
        kind: str,
        create: str,
        update: str,
        id_field: str,
        extra: Mapping[str, Any],
        out: str | None,
        optional_update: bool = False,
    ) -> None:
        if h is None:
            self.add(
                "create",
                r,
                kind,
                r.key,
                [
                    Call(
                        "apigatewayv2",
                        create,
                        {"ApiId": API, **extra, **r.props},
                        produces=((out, id_field),) if out else (),
                    )
                ],
            )
            return
        ch = diff_props(kind, self.resolved(r), h.props)
        if ch:
            self.add(
                "update",
                r,
                kind,
                r.key,
                [
                    Call(
                        "apigatewayv2",
                        update,
                        {"ApiId": API, **extra, id_field: h.id, **r.props},
                        optional=optional_update,
                    )
                ],
                changes=ch,
            )

    def _topic(self, r: Res, h: Cur | None) -> None:
        tags = _tags_list(r.props["Tags"])
        if h is None:
            self.add(
                "create",
                r,
                "topic",
                r.key,
                [Call("sns", "create_topic", {"Name": r.key, "Tags": tags})],
            )
            return
        ch = diff_props("topic", r.props, h.props)
        if ch:
            self.add(
                "update",
                r,
                "topic",
                r.key,
                [Call("sns", "tag_resource", {"ResourceArn": h.id, "Tags": tags})],
                changes=ch,
            )

    def _subscription(self, r: Res, h: Cur | None) -> None:
        if h is None:  # the key is the whole subscription: nothing to update in place
            self.add("create", r, "subscription", r.key, [Call("sns", "subscribe", dict(r.props))])

    def _alarm(self, r: Res, h: Cur | None) -> None:
        """PutMetricAlarm creates or replaces an alarm; it ignores Tags on an existing one."""
        params = dict(r.props)
        tags = _tags_list(params.pop("Tags"))
        if h is None:
            self.add(
                "create",
                r,
                "alarm",
                r.key,
                [Call("cloudwatch", "put_metric_alarm", {**params, "Tags": tags})],
            )
            return
        ch = diff_props("alarm", self.resolved(r), h.props)
        fields = {c[0] for c in ch}
        calls = []
        if fields - {"Tags"}:
            calls.append(Call("cloudwatch", "put_metric_alarm", params))
        if "Tags" in fields:
            calls.append(Call("cloudwatch", "tag_resource", {"ResourceARN": h.id, "Tags": tags}))
        self.add("update", r, "alarm", r.key, calls, changes=ch)

    def _authorizer(self, r: Res, h: Cur | None) -> None:
        self._simple(
            r,
            h,
            "authorizer",
            "create_authorizer",
            "update_authorizer",
            "AuthorizerId",
            {},
            f"authorizer:{r.key}",
        )

    def _model(self, r: Res, h: Cur | None) -> None:
        self._simple(r, h, "model", "create_model", "update_model", "ModelId", {}, f"model:{r.key}")

    def _integration(self, r: Res, h: Cur | None) -> None:
        self._simple(
            r,
            h,
            "integration",
            "create_integration",
            "update_integration",
            "IntegrationId",
            {},
            f"integration:{r.key}",
        )

    def _integration_response(self, r: Res, h: Cur | None) -> None:
        integ = r.key.split(" ", 1)[0]
        self._simple(
            r,
            h,
            "integration_response",
            "create_integration_response",
            "update_integration_response",
            "IntegrationResponseId",
            {"IntegrationId": Out(f"integration:{integ}")},
            None,
        )

    def _route(self, r: Res, h: Cur | None) -> None:
        p = dict(r.props)
        rr_want = self.want.get(("route_response", r.key))
        rr_have = self.have.get(("route_response", r.key))
        route_id: Any = Out(f"route:{r.key}")
        rrse = p.pop("RouteResponseSelectionExpression", None)
        rr_calls: list[Call] = []
        if rr_want is not None and rr_have is None:
            rr_calls.append(
                Call(
                    "apigatewayv2",
                    "create_route_response",
                    {"ApiId": API, "RouteId": route_id, **rr_want.props},
                )
            )
        elif rr_want is not None and rr_have is not None:
            if diff_props("route_response", rr_want.props, rr_have.props):
                rr_calls.append(
                    Call(
                        "apigatewayv2",
                        "update_route_response",
                        {
                            "ApiId": API,
                            "RouteId": route_id,
                            "RouteResponseId": rr_have.id,
                            **rr_want.props,
                        },
                        optional=True,
                    )
                )
        if h is None:
            calls = [
                Call(
                    "apigatewayv2",
                    "create_route",
                    {"ApiId": API, **p},
                    produces=((f"route:{r.key}", "RouteId"),),
                )
            ]
            calls += rr_calls
            if rrse:  # set last: a route turns two-way only once its response exists
                calls.append(
                    Call(
                        "apigatewayv2",
                        "update_route",
                        {
                            "ApiId": API,
                            "RouteId": route_id,
                            "RouteResponseSelectionExpression": rrse,
                        },
                    )
                )
            self.add("create", r, "route", r.key, calls)
            return
        ch = diff_props("route", self.resolved(r), h.props)
        fields = {c[0] for c in ch}
        calls = list(rr_calls)
        upd = {k: v for k, v in p.items() if k in fields}
        if "RouteResponseSelectionExpression" in fields:
            upd["RouteResponseSelectionExpression"] = rrse or ""
        if rr_want is None and rr_have is not None and not rr_have.props.get("__assumed__"):
            calls.append(
                Call(
                    "apigatewayv2",
                    "delete_route_response",
                    {"ApiId": API, "RouteId": route_id, "RouteResponseId": rr_have.id},
                )
            )
        elif rr_want is None and rr_have is not None:
            self.notes.append(
                f"route {r.key}: the endpoint cannot list route responses; "
                "only the selection expression is removed"
            )
        if upd:
            calls.insert(
                0 if rrse is None else len(calls),
                Call("apigatewayv2", "update_route", {"ApiId": API, "RouteId": route_id, **upd}),
            )
        if rr_calls and not ch:
            ch = [("response", "$default" if rr_have else None, "$default")]
        self.add("update", r, "route", r.key, calls, changes=ch)

    def _permission(self, r: Res, h: Cur | None) -> None:
        fn = r.props["FunctionName"]
        add = Call(
            "lambda",
            "add_permission",
            {
                "FunctionName": fn,
                "StatementId": r.key,
                "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": r.props["SourceArn"],
            },
            retry=("busy",),
        )
        if h is None:
            self.add("create", r, "permission", r.key, [add], lock=f"policy:{fn}")
            return
        ch = diff_props("permission", self.resolved(r), h.props)
        if ch:  # a statement cannot be edited: replace just this statement
            self.add(
                "update",
                r,
                "permission",
                r.key,
                [
                    Call(
                        "lambda",
                        "remove_permission",
                        {"FunctionName": h.parent, "StatementId": r.key},
                    ),
                    add,
                ],
                changes=ch,
                lock=f"policy:{fn}",
            )

    def _stage(self, r: Res, h: Cur | None) -> None:
        p = dict(r.props)
        if h is None:
            self.add(
                "create",
                r,
                "stage",
                r.key,
                [Call("apigatewayv2", "create_stage", {"ApiId": API, **p})],
            )
            return
        ch = diff_props("stage", p, h.props)
        fields = {c[0] for c in ch}
        calls = []
        upd = {k: v for k, v in p.items() if k in fields and k != "Tags"}
        if upd:
            calls.append(
                Call(
                    "apigatewayv2",
                    "update_stage",
                    {"ApiId": API, "StageName": r.key, **upd},
                    optional=True,
                )
            )
        if "Tags" in fields:
            calls.append(
                Call(
                    "apigatewayv2",
                    "tag_resource",
                    {
                        "ResourceArn": Fmt(
                            f"arn:{self.partition}:apigateway:{self.region}::/apis/{{0}}/stages/{r.key}",
                            (API,),
                        ),
                        "Tags": dict(p["Tags"]),
                    },
                )
            )
        self.add("update", r, "stage", r.key, calls, changes=ch)

    def _domain(self, r: Res, h: Cur | None) -> None:
        if h is None:
            self.add(
                "create",
                r,
                "domain",
                r.key,
                [Call("apigatewayv2", "create_domain_name", {"DomainName": r.key, **r.props})],
            )
            return
        ch = diff_props("domain", r.props, h.props)
        calls = []
        if any(f == "DomainNameConfigurations" for f, _, _ in ch):
            calls.append(
                Call(
                    "apigatewayv2",
                    "update_domain_name",
                    {
                        "DomainName": r.key,
                        "DomainNameConfigurations": r.props["DomainNameConfigurations"],
                    },
                    optional=True,
                )
            )
        self.add("update", r, "domain", r.key, calls, changes=ch)

    def _api_mapping(self, r: Res, h: Cur | None) -> None:
        p = dict(r.props)
        if h is not None and h.props.get("ApiId") not in (self.known.get("api"), None):
            h = None  # mapped to another API: ours is missing
        if h is None:
            self.add(
                "create",
                r,
                "api_mapping",
                r.key,
                [Call("apigatewayv2", "create_api_mapping", {"ApiId": API, **p})],
            )
            return
        ch = diff_props("api_mapping", p, h.props)
        if ch:
            self.add(
                "update",
                r,
                "api_mapping",
                r.key,
                [
                    Call(
                        "apigatewayv2",
                        "update_api_mapping",
                        {"ApiId": API, "ApiMappingId": h.id, **p},
                        optional=True,
                    )
                ],
                changes=ch,
            )

    # ---------------------------------------------------------------- deletes
    def _deletes(self) -> None:
        gone = {k for k in self.have if k not in self.want}
        api_gone = ("api", next((k for (kd, k) in self.have if kd == "api"), "")) in gone
        fn_gone = {k for (kd, k) in gone if kd == "function"}
        integ_gone_ids = {self.have[k].id for k in gone if k[0] == "integration"}
        topic_gone_ids = {self.have[k].id for k in gone if k[0] == "topic"}
        for kind, key in sorted(gone, key=lambda k: (DELETE_PHASE.get(k[0], 99), k)):
            h = self.have[(kind, key)]
            if kind not in DELETE_PHASE or h.props.get("__assumed__"):
                continue
            if api_gone and kind in API_KINDS - {"api"} | {"stage", "route_response"}:
                continue  # deleting the API deletes its children
            label = key
            if kind == "route_response":
                if ("route", key) in self.want:
                    continue  # handled by the route step
                continue
            if kind == "integration_response" and h.parent in integ_gone_ids:
                continue
            if kind == "permission" and h.parent in fn_gone:
                continue
            if kind == "subscription" and h.parent in topic_gone_ids:
                continue  # deleting the topic deletes its subscriptions
            if kind == "subscription" and not h.id.startswith("arn:"):
                self.notes.append(
                    f"subscription {key} is pending confirmation: SNS deletes it "
                    "after 3 days unless confirmed; it cannot be removed earlier"
                )
                continue
            calls = self._delete_calls(kind, key, h)
            self.add(
                "delete",
                None,
                kind,
                key,
                calls,
                label=label,
                lock=f"policy:{h.parent}" if kind == "permission" else "",
            )

    def _delete_calls(self, kind: str, key: str, h: Cur) -> list[Call]:
        api_id = self.known.get("api", "")
        d = lambda op, **kw: Call("apigatewayv2", op, {"ApiId": api_id, **kw})  # noqa: E731
        if kind == "api":
            return [Call("apigatewayv2", "delete_api", {"ApiId": h.id})]
        if kind == "route":
            return [d("delete_route", RouteId=h.id)]
        if kind == "integration":
            return [d("delete_integration", IntegrationId=h.id)]
        if kind == "integration_response":
            return [
                d("delete_integration_response", IntegrationId=h.parent, IntegrationResponseId=h.id)
            ]
        if kind == "authorizer":
            return [d("delete_authorizer", AuthorizerId=h.id)]
        if kind == "model":
            return [d("delete_model", ModelId=h.id)]
        if kind == "stage":
            return [d("delete_stage", StageName=h.id)]
        if kind == "api_mapping":
            return [
                Call(
                    "apigatewayv2",
                    "delete_api_mapping",
                    {"ApiMappingId": h.id, "DomainName": h.parent},
                )
            ]
        if kind == "domain":
            return [Call("apigatewayv2", "delete_domain_name", {"DomainName": h.id})]
        if kind == "permission":
            return [
                Call("lambda", "remove_permission", {"FunctionName": h.parent, "StatementId": key})
            ]
        if kind == "function":
            return [Call("lambda", "delete_function", {"FunctionName": h.id})]
        if kind == "role":
            calls = [
                Call("iam", "detach_role_policy", {"RoleName": key, "PolicyArn": a})
                for a in h.props.get("ManagedPolicies") or ()
            ]
            if h.props.get("Policy") is not None:
                calls.append(
                    Call("iam", "delete_role_policy", {"RoleName": key, "PolicyName": POLICY_NAME})
                )
            return calls + [Call("iam", "delete_role", {"RoleName": key})]
        if kind == "log_group":
            return [Call("logs", "delete_log_group", {"logGroupName": key})]
        if kind == "alarm":
            return [Call("cloudwatch", "delete_alarms", {"AlarmNames": [key]})]
        if kind == "subscription":
            return [Call("sns", "unsubscribe", {"SubscriptionArn": h.id})]
        if kind == "topic":
            return [Call("sns", "delete_topic", {"TopicArn": h.id})]
        if kind == "vpc_link":
            return [Call("apigateway", "delete_vpc_link", {"vpcLinkId": h.id})]
        if kind == "table":
            return [Call("dynamodb", "delete_table", {"TableName": key})]
        return []  # account settings are regional and shared: left as they are

    # ---------------------------------------------------------------- deployments
    def _deployments(self) -> None:
        if ("api", next((k for (kd, k) in self.want if kd == "api"), "")) not in self.want:
            return
        api_changed = any(s.kind in API_KINDS for s in self.steps)
        for (kind, key), r in self.want.items():
            if kind != "stage" or r.props.get("AutoDeploy"):
                continue
            created = ("stage", key) not in self.have
            known = key in self.cur.deployments
            stale = known and self.cur.deployments.get(key) != self.marker
            if api_changed or created or stale:
                self.add(
                    "deploy",
                    r,
                    "stage",
                    key,
                    [
                        Call(
                            "apigatewayv2",
                            "create_deployment",
                            {"ApiId": API, "StageName": key, "Description": self.marker},
                            optional=True,
                        )
                    ],
                    phase=DEPLOY_PHASE,
                    label=f"deployment of stage {key}",
                )


def make_plan(
    desired: list[Res],
    current: Current,
    *,
    stages: Iterable[str] | None = None,
    region: str = "",
    partition: str = "aws",
    deployment_marker: str = DEPLOY_MARKER,
    api_name: str = "",
    destroy_only: bool = False,
    account: str = "",
) -> Plan:
    planner = Planner(
        desired,
        current,
        stages=stages,
        region=region,
        partition=partition,
        deployment_marker=deployment_marker,
        account=account,
    )
    steps = planner.plan()
    if destroy_only:
        steps = [s for s in steps if s.action == "delete"]
    notes = list(planner.notes)
    if current.gaps:
        notes.append(
            "the endpoint does not implement "
            + ", ".join(sorted(current.gaps))
            + "; wsspec inferred those resources from the routes"
        )
    notes += [f"not owned by wsspec, left alone: {f}" for f in current.foreign]
    return Plan(
        tuple(steps),
        dict(planner.known),
        tuple(notes),
        api_name,
        tuple(sorted(planner.stage_filter or ())),
    )
