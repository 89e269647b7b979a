"""The template's Outputs: the API id, each stage's URLs, the table's name and ARN, each
function's ARN and name, each application table's name, the custom domain (and the alarms' from ``alarms.py``).

The same facts as Terraform's outputs and ``wsspec deploy --output json``. A stack has at most
200 outputs: when one output per function would not fit, the functions' ARNs and names are
two comma-separated outputs instead.
"""

from __future__ import annotations

from wsspec import names
from wsspec.model import Spec
from wsspec.targets.cloudformation import alarms, keda
from wsspec.targets.cloudformation.intrinsics import Json, get_att, ref, sub

OUTPUT_LIMIT = 200  # outputs per template (CloudFormation quota)
_URL = "{scheme}://${{Api}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/${{Stage}}"


def _stages(spec: Spec) -> Json:
    out: Json = {
        names.OUTPUT_API_ID: {"Description": "WebSocket API id", "Value": ref(names.API_LOGICAL)}
    }
    for stage in spec.stages:
        st = ref(names.stage_logical(stage.name))
        out[names.output_wss_url(stage.name)] = {
            "Description": "wss:// URL clients connect to (stage " + stage.name + ")",
            "Value": sub(_URL.format(scheme="wss"), {"Stage": st}),
        }
        out[names.output_callback_url(stage.name)] = {
            "Description": "https:// endpoint of the @connections API (stage " + stage.name + ")",
            "Value": sub(_URL.format(scheme="https"), {"Stage": st}),
        }
    return out


def _functions(spec: Spec, room: int) -> Json:
    out: Json = {}
    if 2 * len(spec.functions) <= room:
        for fn in spec.functions:
            out[names.output_function_arn(fn.name)] = {
                "Description": f"ARN of function {fn.name}",
                "Value": get_att(names.function_logical(fn.name), "Arn"),
            }
            out[names.output_function_name(fn.name)] = {
                "Description": f"Name of function {fn.name}",
                "Value": ref(names.function_logical(fn.name)),
            }
    elif spec.functions:
        out[names.OUTPUT_FUNCTION_ARNS] = {
            "Description": "ARNs of the functions, comma-separated in spec order",
            "Value": {
                "Fn::Join": [
                    ",",
                    [get_att(names.function_logical(f.name), "Arn") for f in spec.functions],
                ]
            },
        }
        out[names.OUTPUT_FUNCTION_NAMES] = {
            "Description": "Names of the functions, comma-separated in spec order",
            "Value": ",".join(names.function_name(spec, f.name) for f in spec.functions),
        }
    return out


def outputs(spec: Spec) -> Json:
    out = _stages(spec)
    if spec.connections is not None:
        out[names.OUTPUT_TABLE_NAME] = {
            "Description": "DynamoDB connection table",
            "Value": ref(names.CONNECTION_TABLE_LOGICAL),
        }
        out[names.OUTPUT_TABLE_ARN] = {
            "Description": "ARN of the DynamoDB connection table",
            "Value": get_att(names.CONNECTION_TABLE_LOGICAL, "Arn"),
        }
    for t in spec.tables:
        out[names.app_table_logical(t.name) + "Name"] = {
            "Description": f"DynamoDB table '{t.name}'",
            "Value": ref(names.app_table_logical(t.name)),
        }
    if spec.domain is not None:
        out[names.OUTPUT_DOMAIN_TARGET] = {
            "Description": "DNS target (CNAME/alias) of the custom domain",
            "Value": get_att(names.DOMAIN_LOGICAL, "RegionalDomainName"),
        }
        path = f"/{spec.domain.base_path}" if spec.domain.base_path else ""
        out[names.OUTPUT_DOMAIN_URL] = {
            "Description": "wss:// URL on the custom domain",
            "Value": f"wss://{spec.domain.name}{path}",
        }
    rest = {**alarms.outputs(spec), **keda.outputs(spec)}
    out.update(_functions(spec, OUTPUT_LIMIT - len(out) - len(rest)))
    out.update(rest)
    return out
