"""CloudFormation building blocks: intrinsic functions, resources, ARN tokens, policy documents.

Intrinsic functions are written in their long form (``Fn::Sub``, ``Ref``), never as YAML
tags. Spec text never appears inside an ``Fn::Sub`` template string: it goes in the variable
map, whose values CloudFormation does not interpolate, so ``${...}`` in a spec string stays
literal. ARN shapes come from ``wsspec.arns`` with CloudFormation's pseudo parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from wsspec import arns, derive, names
from wsspec.model import Spec

Json = dict[str, Any]

# cfn-lint's W3002 says "this code may only work with the 'package' cli command": that is the
# documented flow for this template (and a nested stack's local TemplateURL), so each such
# resource silences exactly that rule.
PACKAGE_ONLY_RULE = "W3002"
PARTITION = "${AWS::Partition}"
REGION = "${AWS::Region}"
ACCOUNT = "${AWS::AccountId}"


def ref(logical: str) -> Json:
    return {"Ref": logical}


def get_att(logical: str, attribute: str) -> Json:
    return {"Fn::GetAtt": [logical, attribute]}


def sub(template: str, variables: dict[str, Any] | None = None) -> Json:
    """``Fn::Sub``; spec text belongs in ``variables`` (never interpolated), not in ``template``."""
    if variables:
        return {"Fn::Sub": [template, variables]}
    return {"Fn::Sub": template}


def put(props: Json, key: str, value: Any) -> None:
    """Set an optional property: ``None`` and empty mappings are left out."""
    if value is None:
        return
    if isinstance(value, dict) and not value:
        return
    props[key] = value


def resource(rtype: str, props: Json, depends_on: list[str] | None = None, **extra: Any) -> Json:
    res: Json = {"Type": rtype}
    if depends_on:
        res["DependsOn"] = sorted(set(depends_on))
    res.update(extra)
    res["Properties"] = props
    return res


def package_only() -> Json:
    """Metadata silencing cfn-lint's W3002 on a resource with a local path for ``package``."""
    return {"cfn-lint": {"config": {"ignore_checks": [PACKAGE_ONLY_RULE]}}}


# ----------------------------------------------------------------------------- ARNs
def execute_api(path: str) -> str:
    """An ``Fn::Sub`` template of an ``execute-api`` ARN of the stack's API."""
    return arns.execute_api(PARTITION, REGION, ACCOUNT, "${" + names.API_LOGICAL + "}", path)


def lambda_invoke_uri(function_arn: Any) -> Json:
    return sub(
        arns.lambda_invoke_uri(PARTITION, REGION, "${FunctionArn}"), {"FunctionArn": function_arn}
    )


def function_arn(spec_function: str | None, literal_arn: str | None) -> Any:
    if spec_function is not None:
        return get_att(names.function_logical(spec_function), "Arn")
    return literal_arn


def arn_token(spec: Spec, token: derive.Ref) -> Any:
    """A ``derive.Ref`` as a CloudFormation value."""
    if token.kind == "literal":
        return token.value
    if token.kind == "log_group":
        for fn in spec.functions:
            if names.function_log_group(spec, fn.name) == token.value:
                return get_att(names.function_log_group_logical(fn.name), "Arn")
        return sub(arns.log_streams(PARTITION, REGION, ACCOUNT, "${Name}"), {"Name": token.value})
    if token.kind == "connections":
        return sub(
            arns.connections(
                PARTITION, REGION, ACCOUNT, "${" + names.API_LOGICAL + "}", "${Stage}", "${Method}"
            ),
            {"Stage": token.stage, "Method": token.value},
        )
    if token.kind in ("table", "app_table"):
        logical = (
            names.CONNECTION_TABLE_LOGICAL
            if token.kind == "table"
            else names.app_table_logical(token.value)
        )
        if token.suffix:
            return sub(
                "${Table}${Suffix}", {"Table": get_att(logical, "Arn"), "Suffix": token.suffix}
            )
        return get_att(logical, "Arn")
    if token.kind == "account":
        return ref("AWS::AccountId")
    if token.kind == "execute_api_all":
        return sub(arns.execute_api(PARTITION, REGION, ACCOUNT, "*", "*"))
    return get_att(names.function_logical(token.value), "Arn")


def policy_document(spec: Spec, statements: list[derive.Statement]) -> Json:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": st.sid,
                "Effect": st.effect,
                "Action": list(st.actions),
                "Resource": [arn_token(spec, r) for r in st.resources],
            }
            for st in statements
        ],
    }


def trust(spec: Spec, trust_: derive.Trust) -> Json:
    """A role's trust policy, with its confused-deputy conditions (``derive.trust``)."""
    return derive.trust_document(trust_, lambda ref: arn_token(spec, ref))


def tag_list(tags: Mapping[str, str]) -> list[Json] | None:
    """``[{Key, Value}]`` (sorted) for resource types whose Tags is a list; None when empty."""
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())] or None


# ----------------------------------------------------------------------------- literal text
# What CloudFormation (and cfn-lint E1029) reads as a substitution in any string: ``${Name}``
# naming a parameter, resource or pseudo parameter.
_SUBSTITUTION = re.compile(r"\$\{([A-Za-z0-9_:.]+)\}")


def _resolvable(text: str, names_: set[str]) -> bool:
    return any(
        v.startswith("AWS::") or v.split(".")[0] in names_ for v in _SUBSTITUTION.findall(text)
    )


def _literal(value: Any, names_: set[str]) -> Any:
    if isinstance(value, str):
        if _resolvable(value, names_):
            return sub("${Literal}", {"Literal": value})  # the map's values are never evaluated
        return value
    if isinstance(value, list):
        return [_literal(v, names_) for v in value]
    if isinstance(value, dict):
        if (
            len(value) == 1
            and next(iter(value)) in ("Ref", "Condition")
            or any(k.startswith("Fn::") for k in value)
        ):
            return value  # an intrinsic function wsspec wrote
        return {k: _literal(v, names_) for k, v in value.items()}
    return value


def keep_literal(doc: Json) -> Json:
    """Spec text that merely looks like a substitution (``${AWS::AccountId}`` in a description)
    stays literal: such strings are passed through ``Fn::Sub``'s variable map, whose values
    CloudFormation does not interpolate. The template's own Description cannot hold an
    intrinsic function, so there ``${`` becomes ``${!`` (CloudFormation's literal form)."""
    names_ = set(doc.get("Resources", {})) | set(doc.get("Parameters", {}))
    for res in doc.get("Resources", {}).values():
        if "Properties" in res:
            res["Properties"] = _literal(res["Properties"], names_)
    for out in doc.get("Outputs", {}).values():
        out["Value"] = _literal(out["Value"], names_)
    if isinstance(doc.get("Description"), str) and _resolvable(doc["Description"], names_):
        doc["Description"] = doc["Description"].replace("${", "${!")
    return doc
