"""The issue-8 baseline: a plain, sequential boto3 script that creates the same resources as
``wsspec deploy`` for a spec (no reads, no diffing, no retries beyond botocore's defaults),
and (``destroy_all``) deletes them again.

    python benchmarks/boto3_baseline.py spec.yaml --endpoint-url http://127.0.0.1:5000
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable

import boto3

from wsspec.deploy.desired import Context, desired_state, resolve


def create_all(
    spec: Any,
    endpoint_url: str,
    region: str = "us-east-1",
    on_call: Callable[[str, str], None] | None = None,
) -> str:
    """Create every resource in dependency order with one call each; returns the API id."""
    session = boto3.session.Session(region_name=region)
    if on_call is not None:
        session._session.register(
            "before-call",
            lambda model, **_: on_call(  # noqa: SLF001
                model.service_model.service_name, model.name
            ),
        )
    c = {
        s: session.client(s, endpoint_url=endpoint_url)
        for s in ("sts", "apigatewayv2", "lambda", "iam", "dynamodb", "logs", "apigateway")
    }
    account = c["sts"].get_caller_identity()["Account"]
    ctx = Context(region=region, account=account)
    recs = desired_state(spec, ctx)
    ids: dict[str, str] = {}
    tags = lambda d: [{"Key": k, "Value": v} for k, v in d.items()]  # noqa: E731
    for r in recs:
        p = resolve(dict(r.props), ids) if r.kind not in ("role",) else r.props
        if r.kind == "table":
            c["dynamodb"].create_table(
                **{k: v for k, v in p.items() if k not in ("Ttl", "Tags")}, Tags=tags(p["Tags"])
            )
            c["dynamodb"].update_time_to_live(
                TableName=r.key,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": p["Ttl"]},
            )
        elif r.kind == "log_group":
            c["logs"].create_log_group(logGroupName=r.key, tags=p["Tags"])
        elif r.kind == "role":
            c["iam"].create_role(
                RoleName=r.key,
                Path=p["Path"],
                AssumeRolePolicyDocument=json.dumps(p["AssumeRolePolicyDocument"]),
                Tags=tags(p["Tags"]),
            )
        elif r.kind == "function":
            c["lambda"].create_function(
                FunctionName=r.key,
                Role=p["Role"],
                Handler=p["Handler"],
                Runtime=p["Runtime"],
                MemorySize=p["MemorySize"],
                Timeout=p["Timeout"],
                Description=p["Description"],
                Environment={"Variables": p["Environment"]},
                Code={"ZipFile": r.blob},
                Architectures=p["Architectures"],
                Tags=p["Tags"],
            )
        elif r.kind == "api":
            ids["api"] = c["apigatewayv2"].create_api(**p)["ApiId"]
            for role in (x for x in recs if x.kind == "role" and x.props["Policy"]):
                c["iam"].put_role_policy(
                    RoleName=role.key,
                    PolicyName="wsspec",
                    PolicyDocument=json.dumps(resolve(role.props["Policy"], ids)),
                )
        elif r.kind == "integration":
            ids[f"integration:{r.key}"] = c["apigatewayv2"].create_integration(
                ApiId=ids["api"], **p
            )["IntegrationId"]
        elif r.kind == "integration_response":
            c["apigatewayv2"].create_integration_response(
                ApiId=ids["api"], IntegrationId=ids[f"integration:{r.key.split(' ')[0]}"], **p
            )
        elif r.kind == "authorizer":
            ids[f"authorizer:{r.key}"] = c["apigatewayv2"].create_authorizer(ApiId=ids["api"], **p)[
                "AuthorizerId"
            ]
        elif r.kind == "model":
            c["apigatewayv2"].create_model(ApiId=ids["api"], **p)
        elif r.kind == "route":
            ids[f"route:{r.key}"] = c["apigatewayv2"].create_route(ApiId=ids["api"], **p)["RouteId"]
        elif r.kind == "route_response":
            c["apigatewayv2"].create_route_response(
                ApiId=ids["api"], RouteId=ids[f"route:{r.key}"], **p
            )
        elif r.kind == "permission":
            c["lambda"].add_permission(
                FunctionName=p["FunctionName"],
                StatementId=r.key,
                Action="lambda:InvokeFunction",
                Principal="apigateway.amazonaws.com",
                SourceArn=p["SourceArn"],
            )
        elif r.kind == "stage":
            c["apigatewayv2"].create_stage(ApiId=ids["api"], **p)
        # vpc links, domains and the account role are not in the benchmark specs
    return ids["api"]


def destroy_all(
    spec: Any,
    endpoint_url: str,
    region: str = "us-east-1",
    on_call: Callable[[str, str], None] | None = None,
) -> None:
    """Delete what ``create_all`` created, one call at a time, knowing every name (the API id
    comes from one GetApis): the sequential baseline of ``wsspec destroy``."""
    session = boto3.session.Session(region_name=region)
    if on_call is not None:
        session._session.register(
            "before-call",
            lambda model, **_: on_call(  # noqa: SLF001
                model.service_model.service_name, model.name
            ),
        )
    c = {
        s: session.client(s, endpoint_url=endpoint_url)
        for s in ("sts", "apigatewayv2", "lambda", "iam", "dynamodb", "logs")
    }
    account = c["sts"].get_caller_identity()["Account"]
    recs = desired_state(spec, Context(region=region, account=account), zip_of=lambda s, f: b"")
    for a in c["apigatewayv2"].get_apis()["Items"]:
        if a["Name"] == spec.api.name:
            c["apigatewayv2"].delete_api(ApiId=a["ApiId"])
    for r in recs:
        if r.kind == "function":
            c["lambda"].delete_function(FunctionName=r.key)
        elif r.kind == "role":
            if r.props["Policy"]:
                c["iam"].delete_role_policy(RoleName=r.key, PolicyName="wsspec")
            c["iam"].delete_role(RoleName=r.key)
        elif r.kind == "log_group":
            c["logs"].delete_log_group(logGroupName=r.key)
        elif r.kind == "table":
            c["dynamodb"].delete_table(TableName=r.key)


if __name__ == "__main__":
    import argparse

    from wsspec.validate import validate_file

    ap = argparse.ArgumentParser()
    ap.add_argument("spec")
    ap.add_argument("--endpoint-url", required=True)
    a = ap.parse_args()
    spec = validate_file(a.spec).spec
    if spec is None:
        sys.exit("invalid spec")
    print(create_all(spec, a.endpoint_url))
