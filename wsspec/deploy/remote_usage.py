"""Read wsspec's usage plans, API keys (never their values) and the links between them."""

from __future__ import annotations

from wsspec import names
from wsspec.deploy.current import Cur, Reader, fields, pages
from wsspec.deploy.records import OWNER_TAG


def read_usage(rd: Reader) -> None:
    if not rd.reads("usage"):
        return
    spec = rd.spec
    c = rd.aws.client("apigateway")
    plan_keys = {names.usage_plan_name(spec, p.name): p.name for p in spec.usage_plans}
    key_keys = {names.api_key_name(spec, k.name): k.name for k in spec.api_keys}
    keys_by_id: dict[str, str] = {}
    for k in pages(c, "get_api_keys", "items", includeValues=False):
        if (k.get("tags") or {}).get(OWNER_TAG) != rd.owner:
            continue
        key = key_keys.get(k.get("name", ""), f"?{k['id']}")
        keys_by_id[k["id"]] = key
        rd.cur.ids[f"api_key:{key}"] = k["id"]
        props = fields(k, "name", "description", "enabled", "tags")
        rd.cur.add("api_key", key, Cur(k["id"], props))
    for p in pages(c, "get_usage_plans", "items"):
        if (p.get("tags") or {}).get(OWNER_TAG) != rd.owner:
            continue
        key = plan_keys.get(p.get("name", ""), f"?{p['id']}")
        rd.cur.ids[f"usage_plan:{key}"] = p["id"]
        props = fields(p, "name", "description", "apiStages", "throttle", "quota", "tags")
        rd.cur.add("usage_plan", key, Cur(p["id"], props))
        for link in pages(c, "get_usage_plan_keys", "items", usagePlanId=p["id"]):
            name = keys_by_id.get(link["id"])
            if name is None:
                continue
            props = {"usagePlanId": p["id"], "keyId": link["id"]}
            rd.cur.add("usage_plan_key", name, Cur(link["id"], props, parent=p["id"]))
