"""API keys, usage plans and their links (REST v1 resources that reference the WebSocket stages).

No key value is written: API Gateway generates each value, so the template never holds one.
"""

from __future__ import annotations

from wsspec import derive, names
from wsspec.model import Spec
from wsspec.targets.cloudformation.intrinsics import Json, put, ref, resource, tag_list


def resources(spec: Spec) -> dict[str, Json]:
    out: dict[str, Json] = {}
    stages = [names.stage_logical(s.name) for s in spec.stages]
    tags = tag_list(derive.tags(spec))
    for plan in spec.usage_plans:
        props: Json = {
            "UsagePlanName": names.usage_plan_name(spec, plan.name),
            "ApiStages": [{"ApiId": ref(names.API_LOGICAL), "Stage": ref(st)} for st in stages],
        }
        put(props, "Description", plan.description)
        if plan.throttle_rate is not None:
            props["Throttle"] = {"RateLimit": plan.throttle_rate, "BurstLimit": plan.throttle_burst}
        if plan.quota_limit is not None:
            props["Quota"] = {
                "Limit": plan.quota_limit,
                "Period": plan.quota_period,
                "Offset": plan.quota_offset,
            }
        put(props, "Tags", tags)
        out[names.usage_plan_logical(plan.name)] = resource("AWS::ApiGateway::UsagePlan", props)
    for key in spec.api_keys:
        props = {"Name": names.api_key_name(spec, key.name), "Enabled": key.enabled}
        put(props, "Description", key.description)
        put(props, "Tags", tags)
        out[names.api_key_logical(key.name)] = resource("AWS::ApiGateway::ApiKey", props)
        out[names.usage_plan_key_logical(key.name)] = resource(
            "AWS::ApiGateway::UsagePlanKey",
            {
                "KeyId": ref(names.api_key_logical(key.name)),
                "KeyType": "API_KEY",
                "UsagePlanId": ref(names.usage_plan_logical(key.usage_plan)),
            },
        )
    return out
