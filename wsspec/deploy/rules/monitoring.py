"""Create/update rules for monitoring: the SNS alarm topic, its subscriptions, the alarms."""

from __future__ import annotations

from wsspec.deploy.compare import changed_fields, diff_props, tags_list
from wsspec.deploy.current import Cur
from wsspec.deploy.planner import Planner
from wsspec.deploy.records import Res
from wsspec.deploy.steps import Call


def topic(p: Planner, r: Res, h: Cur | None) -> None:
    tags = tags_list(r.props["Tags"])
    key = r.props.get("KmsMasterKeyId")
    if h is None:
        params: dict[str, object] = {"Name": r.key, "Tags": tags}
        if key:
            params["Attributes"] = {"KmsMasterKeyId": key}
        p.add("create", r, "topic", r.key, [Call("sns", "create_topic", params)])
        return
    ch = diff_props("topic", r.props, h.props)
    fields = changed_fields(ch)
    calls = []
    if "Tags" in fields:
        calls.append(Call("sns", "tag_resource", {"ResourceArn": h.id, "Tags": tags}))
    if "KmsMasterKeyId" in fields:
        attr = {"TopicArn": h.id, "AttributeName": "KmsMasterKeyId", "AttributeValue": key or ""}
        calls.append(Call("sns", "set_topic_attributes", attr))
    p.add("update", r, "topic", r.key, calls, changes=ch)


def subscription(p: Planner, r: Res, h: Cur | None) -> None:
    if h is None:  # the key is the whole subscription: nothing to update in place
        p.add("create", r, "subscription", r.key, [Call("sns", "subscribe", dict(r.props))])


def alarm(p: Planner, r: Res, h: Cur | None) -> None:
    """PutMetricAlarm creates or replaces an alarm; it ignores Tags on an existing one."""
    params = dict(r.props)
    tags = tags_list(params.pop("Tags"))
    if h is None:
        call = Call("cloudwatch", "put_metric_alarm", {**params, "Tags": tags})
        p.add("create", r, "alarm", r.key, [call])
        return
    ch = diff_props("alarm", p.resolved(r), h.props)
    fields = changed_fields(ch)
    calls = []
    if fields - {"Tags"}:
        calls.append(Call("cloudwatch", "put_metric_alarm", params))
    if "Tags" in fields:
        calls.append(Call("cloudwatch", "tag_resource", {"ResourceARN": h.id, "Tags": tags}))
    p.add("update", r, "alarm", r.key, calls, changes=ch)
