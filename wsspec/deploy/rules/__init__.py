"""Per-kind planning rules, looked up in tables by resource kind (no dispatch on names).

``UPSERT[kind](planner, desired, current_or_None)`` adds the steps that create or update one
resource; ``DELETES[kind](key, current, api_id)`` returns the calls that remove one.
"""

from __future__ import annotations

from typing import Callable

from wsspec.deploy import tables
from wsspec.deploy.current import Cur
from wsspec.deploy.planner import Planner
from wsspec.deploy.records import Res
from wsspec.deploy.rules import apigw, infra, layers, monitoring, usage
from wsspec.deploy.rules.deletes import DELETES

Rule = Callable[[Planner, Res, Cur | None], None]

UPSERT: dict[str, Rule] = {
    "table": infra.table,
    "app_table": tables.app_table,
    "trigger": tables.trigger,
    "log_group": infra.log_group,
    "role": infra.role,
    "account": infra.account,
    "layer": layers.layer,
    "function": infra.function,
    "permission": infra.permission,
    "vpc_link": apigw.vpc_link,
    "api": apigw.api,
    "authorizer": apigw.authorizer,
    "model": apigw.model,
    "integration": apigw.integration,
    "integration_response": apigw.integration_response,
    "route": apigw.route,  # also plans the route's route_response
    "stage": apigw.stage,
    "domain": apigw.domain,
    "api_mapping": apigw.api_mapping,
    "usage_plan": usage.usage_plan,
    "api_key": usage.api_key,
    "usage_plan_key": usage.usage_plan_key,
    "topic": monitoring.topic,
    "subscription": monitoring.subscription,
    "alarm": monitoring.alarm,
}

__all__ = ["DELETES", "UPSERT", "Rule"]
