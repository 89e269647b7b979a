"""Helpers for the deploy tests (issue 6/8): sample projects with handlers, counted deploys,
and an independent read-back of the account with plain boto3."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

import boto3
import yaml

from wsspec.deploy.aws import Options, is_write
from wsspec.deploy.run import apply, prepare, release
from wsspec.validate import validate_file

ROOT = Path(__file__).resolve().parent.parent


def project(tmp: Path, sample: str | Path, data: dict | None = None) -> Path:
    """Copy a sample (or write ``data``) into ``tmp`` and create its handler files."""
    tmp.mkdir(parents=True, exist_ok=True)
    if data is not None:
        path = tmp / "spec.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    else:
        src = ROOT / "samples" / f"{sample}.yaml"
        path = tmp / src.name
        shutil.copy(src, path)
    spec = validate_file(str(path)).spec
    assert spec is not None, f"{path} does not validate"
    for f in spec.functions:
        h = tmp / f.handler_path
        h.parent.mkdir(parents=True, exist_ok=True)
        if not h.exists():
            h.write_text(f"def {f.entry}(event, context):\n    return {{'statusCode': 200}}\n")
    return path


def load(path: Path) -> Any:
    r = validate_file(str(path))
    assert r.spec is not None, [f.render() for f in r.findings]
    return r.spec


class Counter:
    """Counts API calls (a botocore hook); ``writes`` are writes to the deployed resources.

    The deploy lock's SSM calls (``wsspec.deploy.lock``) are counted in ``calls`` and
    ``lock_calls`` but are not resource writes; ``fail_after_writes`` injects a failure before
    the Nth resource write.
    """

    def __init__(self, fail_after_writes: int | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail_after = fail_after_writes

    @property
    def writes(self) -> list[str]:
        return [op for service, op in self.calls if is_write(op) and service != "ssm"]

    @property
    def lock_calls(self) -> list[str]:
        return [op for service, op in self.calls if service == "ssm"]

    def __call__(self, service: str, op: str) -> None:
        if (
            self.fail_after is not None
            and is_write(op)
            and service != "ssm"
            and len(self.writes) >= self.fail_after
        ):
            raise RuntimeError(f"injected failure before write #{len(self.writes) + 1} ({op})")
        self.calls.append((service, op))


def deploy(
    spec: Any,
    url: str,
    *,
    destroy: bool = False,
    stages: Any = None,
    counter: Counter | None = None,
    concurrency: int = 16,
    sleep: Callable[[float], None] = lambda s: None,
    progress: Callable[[str, Any, str], None] | None = None,
    lock_first: bool = False,
):
    counter = counter or Counter()
    session = prepare(
        spec,
        Options(endpoint_url=url, concurrency=concurrency),
        on_call=counter,
        destroy=destroy,
        stages=stages,
        lock_first=lock_first,
    )
    if session.plan.empty:
        release(session)
        result = None
    else:
        result = apply(session, sleep=sleep, progress=progress)
    return session, result, counter


def clients(url: str) -> dict[str, Any]:
    return {
        s: boto3.client(s, endpoint_url=url, region_name="us-east-1")
        for s in ("apigatewayv2", "apigateway", "lambda", "iam", "dynamodb", "logs")
    }


def snapshot(url: str) -> dict[str, Any]:
    """Everything in the account, with generated IDs replaced by natural keys."""
    c = clients(url)
    out: dict[str, Any] = {"apis": {}}
    for a in c["apigatewayv2"].get_apis()["Items"]:
        aid = a["ApiId"]
        integs = c["apigatewayv2"].get_integrations(ApiId=aid)["Items"]
        iname = {i["IntegrationId"]: i.get("Description", "") for i in integs}
        auth_ids = set()
        routes = {}
        for r in c["apigatewayv2"].get_routes(ApiId=aid)["Items"]:
            auth_ids.add(r.get("AuthorizerId"))
            routes[r["RouteKey"]] = {
                "target": iname.get((r.get("Target") or "/").split("/")[1], r.get("Target")),
                "auth": r.get("AuthorizationType"),
                "authorizer": bool(r.get("AuthorizerId")),
                "rrse": r.get("RouteResponseSelectionExpression"),
                "params": r.get("RequestParameters"),
                "models": r.get("RequestModels"),
                "op": r.get("OperationName"),
                "api_key": r.get("ApiKeyRequired"),
            }
        out["apis"][a["Name"]] = {
            "tags": a.get("Tags"),
            "rse": a.get("RouteSelectionExpression"),
            "description": a.get("Description"),
            "routes": routes,
            "integrations": sorted(
                json.dumps(
                    {k: v for k, v in i.items() if k not in ("IntegrationId", "ConnectionId")},
                    sort_keys=True,
                    default=str,
                )
                for i in integs
            ),
            "integration_responses": sorted(
                (
                    iname[i["IntegrationId"]],
                    r["IntegrationResponseKey"],
                    json.dumps(r.get("ResponseTemplates"), sort_keys=True),
                )
                for i in integs
                if not i["IntegrationType"].endswith("PROXY")
                for r in c["apigatewayv2"].get_integration_responses(
                    ApiId=aid, IntegrationId=i["IntegrationId"]
                )["Items"]
            ),
            "authorizers": sorted(
                c["apigatewayv2"].get_authorizer(ApiId=aid, AuthorizerId=x)["Name"]
                for x in auth_ids
                if x
            ),
            "stages": {
                s["StageName"]: {
                    k: v for k, v in s.items() if k not in ("CreatedDate", "LastUpdatedDate")
                }
                for s in c["apigatewayv2"].get_stages(ApiId=aid)["Items"]
            },
        }
    lam = c["lambda"]
    out["functions"] = {}
    for f in lam.list_functions()["Functions"]:
        try:
            pol = json.loads(lam.get_policy(FunctionName=f["FunctionName"])["Policy"])["Statement"]
        except lam.exceptions.ResourceNotFoundException:
            pol = []
        perms = sorted(
            (s["Sid"], s["Condition"]["ArnLike"]["AWS:SourceArn"].split(":", 5)[5].split("/", 1)[1])
            for s in pol
            if "Condition" in s
        )
        out["functions"][f["FunctionName"]] = {
            "role": f["Role"],
            "handler": f["Handler"],
            "runtime": f["Runtime"],
            "memory": f["MemorySize"],
            "timeout": f["Timeout"],
            "env": (f.get("Environment") or {}).get("Variables"),
            "code": f["CodeSha256"],
            "arch": f.get("Architectures"),
            "tags": lam.list_tags(Resource=f["FunctionArn"])["Tags"],
            "permissions": perms,
        }
    iam = c["iam"]
    out["roles"] = {}
    for r in iam.list_roles()["Roles"]:
        pols = {
            p: iam.get_role_policy(RoleName=r["RoleName"], PolicyName=p)["PolicyDocument"]
            for p in iam.list_role_policies(RoleName=r["RoleName"])["PolicyNames"]
        }
        text = json.dumps(pols, sort_keys=True)
        for a in c["apigatewayv2"].get_apis()["Items"]:
            text = text.replace(a["ApiId"], "{api}")
        out["roles"][r["RoleName"]] = {
            "path": r["Path"],
            "policies": text,
            "attached": sorted(
                p["PolicyArn"]
                for p in iam.list_attached_role_policies(RoleName=r["RoleName"])["AttachedPolicies"]
            ),
        }
    ddb = c["dynamodb"]
    out["tables"] = {
        t: {
            "ttl": ddb.describe_time_to_live(TableName=t)["TimeToLiveDescription"],
            "billing": ddb.describe_table(TableName=t)["Table"].get("BillingModeSummary"),
        }
        for t in ddb.list_tables()["TableNames"]
    }
    out["log_groups"] = sorted(
        g["logGroupName"] for g in c["logs"].describe_log_groups()["logGroups"]
    )
    out["vpc_links"] = sorted(v["name"] for v in c["apigateway"].get_vpc_links()["items"])
    out["domains"] = sorted(d["DomainName"] for d in c["apigatewayv2"].get_domain_names()["Items"])
    return out


def is_empty(
    snap: dict[str, Any], keep_functions: tuple[str, ...] = (), keep_roles: tuple[str, ...] = ()
) -> bool:
    return (
        not snap["apis"]
        and set(snap["functions"]) <= set(keep_functions)
        and set(snap["roles"]) <= set(keep_roles)
        and not snap["tables"]
        and not snap["log_groups"]
        and not snap["vpc_links"]
        and not snap["domains"]
    )
