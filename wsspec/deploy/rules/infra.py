"""Create/update rules for what surrounds the API: the connection table, log groups, IAM roles
and their inline policy, the API Gateway account's CloudWatch role, functions, permissions.
"""

from __future__ import annotations

from wsspec import arns
from wsspec.deploy.compare import Change, changed_fields, diff_props, tags_list, without
from wsspec.deploy.current import Cur
from wsspec.deploy.planner import Planner
from wsspec.deploy.records import POLICY_NAME, Json, Res
from wsspec.deploy.steps import Call


def _ttl(table: str, attribute: str, enabled: bool) -> Call:
    spec = {"Enabled": enabled, "AttributeName": attribute}
    return Call(
        "dynamodb",
        "update_time_to_live",
        {"TableName": table, "TimeToLiveSpecification": spec},
        retry=("busy",),
    )


def _backups(table: str, enabled: bool) -> Call:
    spec = {"PointInTimeRecoveryEnabled": enabled}
    return Call(
        "dynamodb",
        "update_continuous_backups",
        {"TableName": table, "PointInTimeRecoverySpecification": spec},
        retry=("busy",),
    )


def _sse_param(sse: dict[str, object]) -> dict[str, object] | None:
    """``SSESpecification`` for create/update (``{"Enabled": False}`` is DynamoDB's default)."""
    return sse if sse.get("Enabled") else None


def table(p: Planner, r: Res, h: Cur | None) -> None:
    props = r.props
    if h is None:
        params = without(props, "Ttl", "PointInTimeRecovery", "SSESpecification")
        params["Tags"] = tags_list(props["Tags"])
        sse = _sse_param(props.get("SSESpecification") or {})
        if sse:
            params["SSESpecification"] = sse
        calls = [Call("dynamodb", "create_table", params), _ttl(r.key, props["Ttl"], True)]
        if props.get("PointInTimeRecovery"):
            calls.append(_backups(r.key, True))
        p.add("create", r, "table", r.key, calls)
        return
    ch = diff_props("table", props, h.props)
    calls = []
    fields = changed_fields(ch)
    if fields & {"BillingMode", "ProvisionedThroughput", "SSESpecification"} or (
        "DeletionProtectionEnabled" in fields
    ):
        upd = {"TableName": r.key, "BillingMode": props["BillingMode"]}
        if "ProvisionedThroughput" in props:
            upd["ProvisionedThroughput"] = props["ProvisionedThroughput"]
        if "SSESpecification" in fields:
            upd["SSESpecification"] = props["SSESpecification"]
        if "DeletionProtectionEnabled" in fields:
            upd["DeletionProtectionEnabled"] = props["DeletionProtectionEnabled"]
        calls.append(Call("dynamodb", "update_table", upd, retry=("busy",)))
    if "PointInTimeRecovery" in fields:
        calls.append(_backups(r.key, bool(props["PointInTimeRecovery"])))
    if "Ttl" in fields:
        if h.props.get("Ttl"):
            calls.append(_ttl(r.key, h.props["Ttl"], False))
        calls.append(_ttl(r.key, props["Ttl"], True))
    if "Tags" in fields:
        arn = arns.dynamodb_table(p.partition, p.region, p.account, r.key)
        calls.append(
            Call("dynamodb", "tag_resource", {"ResourceArn": arn, "Tags": tags_list(props["Tags"])})
        )
    p.add("update", r, "table", r.key, calls, changes=ch)


def log_group(p: Planner, r: Res, h: Cur | None) -> None:
    if ("foreign_log_group", r.key) in p.cur.records:
        p.notes.append(f"log group {r.key} exists without the wsspec tag; left as it is")
        return
    days = r.props.get("RetentionInDays")
    retention = Call(
        "logs", "put_retention_policy", {"logGroupName": r.key, "retentionInDays": days}
    )
    tags = dict(r.props["Tags"])
    if h is None:
        calls = [Call("logs", "create_log_group", {"logGroupName": r.key, "tags": tags})]
        p.add("create", r, "log_group", r.key, calls + ([retention] if days else []))
        return
    ch = diff_props("log_group", r.props, h.props)
    fields = changed_fields(ch)
    calls = []
    if "Tags" in fields:
        calls.append(Call("logs", "tag_log_group", {"logGroupName": r.key, "tags": tags}))
    if "RetentionInDays" in fields:
        calls.append(
            retention if days else Call("logs", "delete_retention_policy", {"logGroupName": r.key})
        )
    p.add("update", r, "log_group", r.key, calls, changes=ch)


def _attach(role: str, policy_arn: str) -> Call:
    return Call("iam", "attach_role_policy", {"RoleName": role, "PolicyArn": policy_arn})


def role(p: Planner, r: Res, h: Cur | None) -> None:
    """The role, then (as its own ``role_policy`` step) its inline policy."""
    props = r.props
    if h is None:
        trust = Json(props["AssumeRolePolicyDocument"])
        create = {
            "RoleName": r.key,
            "Path": props["Path"],
            "AssumeRolePolicyDocument": trust,
            "Tags": tags_list(props["Tags"]),
        }
        if props.get("Description"):
            create["Description"] = props["Description"]
        calls = [Call("iam", "create_role", create)]
        calls += [_attach(r.key, a) for a in props["ManagedPolicies"]]
        p.add("create", r, "role", r.key, calls)
        if props["Policy"] is not None:
            policy = [_put_policy(r)]
            p.add("create", r, "role_policy", r.key, policy)
        return
    ch = diff_props("role", p.resolved(r), h.props)
    p.add(
        "update",
        r,
        "role",
        r.key,
        _role_updates(r, h, ch),
        changes=[c for c in ch if c[0] != "Policy"],
    )
    if "Policy" in changed_fields(ch):
        if props["Policy"] is not None:
            call = _put_policy(r)
        else:
            call = Call("iam", "delete_role_policy", {"RoleName": r.key, "PolicyName": POLICY_NAME})
        pc = [c for c in ch if c[0] == "Policy"]
        p.add("update", r, "role_policy", r.key, [call], changes=pc)


def _put_policy(r: Res) -> Call:
    params = {
        "RoleName": r.key,
        "PolicyName": POLICY_NAME,
        "PolicyDocument": Json(r.props["Policy"]),
    }
    return Call("iam", "put_role_policy", params)


def _role_updates(r: Res, h: Cur, ch: list[Change]) -> list[Call]:
    props = r.props
    fields = changed_fields(ch)
    calls = []
    if "AssumeRolePolicyDocument" in fields:
        doc = Json(props["AssumeRolePolicyDocument"])
        calls.append(
            Call("iam", "update_assume_role_policy", {"RoleName": r.key, "PolicyDocument": doc})
        )
    if "ManagedPolicies" in fields:
        have = set(h.props.get("ManagedPolicies") or ())
        calls += [_attach(r.key, a) for a in props["ManagedPolicies"] if a not in have]
        calls += [
            Call("iam", "detach_role_policy", {"RoleName": r.key, "PolicyArn": a})
            for a in sorted(have - set(props["ManagedPolicies"]))
        ]
    if "Tags" in fields:
        calls.append(Call("iam", "tag_role", {"RoleName": r.key, "Tags": tags_list(props["Tags"])}))
    if "Description" in fields:
        text = props.get("Description") or ""
        calls.append(Call("iam", "update_role", {"RoleName": r.key, "Description": text}))
    return calls


def account(p: Planner, r: Res, h: Cur | None) -> None:
    if h is not None and not diff_props("account", r.props, h.props):
        return
    op = {"op": "replace", "path": "/cloudwatchRoleArn", "value": r.props["cloudwatchRoleArn"]}
    call = Call("apigateway", "update_account", {"patchOperations": [op]}, retry=("iam",))
    ch = diff_props("account", r.props, h.props if h else {})
    p.add("update", r, "account", r.key, [call], changes=ch)


_CONFIGURATION = (
    "Role",
    "Handler",
    "Runtime",
    "MemorySize",
    "Timeout",
    "Description",
    "Environment",
    "TracingConfig",
    "LoggingConfig",
    "Layers",
)


def function(p: Planner, r: Res, h: Cur | None) -> None:
    props = r.props
    conf = {
        "Role": props["Role"],
        "Handler": props["Handler"],
        "Runtime": props["Runtime"],
        "MemorySize": props["MemorySize"],
        "Timeout": props["Timeout"],
        "Description": props["Description"],
        "Environment": {"Variables": dict(props["Environment"])},
        "Layers": list(props.get("Layers", ())),
    }
    if "TracingConfig" in props:
        conf["TracingConfig"] = dict(props["TracingConfig"])
    if "LoggingConfig" in props:
        conf["LoggingConfig"] = dict(props["LoggingConfig"])
    code = r.blob or b""
    architectures = list(props["Architectures"])
    if h is None:
        params = {
            "FunctionName": r.key,
            **conf,
            "Code": {"ZipFile": code},
            "Architectures": architectures,
            "Tags": dict(props["Tags"]),
        }
        calls = [Call("lambda", "create_function", params, retry=("iam",))]
        p.add(
            "create",
            r,
            "function",
            r.key,
            calls,
            changes=[("CodeSha256", None, props["CodeSha256"])],
        )
        return
    ch = diff_props("function", p.resolved(r), h.props)  # Layers: a spec layer's version ARN
    fields = changed_fields(ch)
    calls = []
    if fields & {"CodeSha256", "Architectures"}:
        params = {"FunctionName": r.key, "ZipFile": code, "Architectures": architectures}
        calls.append(Call("lambda", "update_function_code", params, retry=("busy",)))
    if fields & set(_CONFIGURATION):
        params = {"FunctionName": r.key, **conf}
        if "LoggingConfig" in fields and "LoggingConfig" not in conf:  # back to the default
            params["LoggingConfig"] = {"LogFormat": "Text"}
        calls.append(Call("lambda", "update_function_configuration", params, retry=("busy", "iam")))
    if "Tags" in fields:
        arn = arns.lambda_function(p.partition, p.region, p.account, r.key)
        calls.append(Call("lambda", "tag_resource", {"Resource": arn, "Tags": dict(props["Tags"])}))
    p.add("update", r, "function", r.key, calls, changes=ch)


def permission(p: Planner, r: Res, h: Cur | None) -> None:
    fn = r.props["FunctionName"]
    params = {
        "FunctionName": fn,
        "StatementId": r.key,
        "Action": "lambda:InvokeFunction",
        "Principal": "apigateway.amazonaws.com",
        "SourceArn": r.props["SourceArn"],
    }
    add = Call("lambda", "add_permission", params, retry=("busy",))
    lock = f"policy:{fn}"
    if h is None:
        p.add("create", r, "permission", r.key, [add], lock=lock)
        return
    ch = diff_props("permission", p.resolved(r), h.props)
    if ch:  # a statement cannot be edited: replace just this statement
        remove = Call(
            "lambda", "remove_permission", {"FunctionName": h.parent, "StatementId": r.key}
        )
        p.add("update", r, "permission", r.key, [remove, add], changes=ch, lock=lock)
