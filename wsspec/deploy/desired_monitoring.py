"""Model -> desired records of monitoring: the alarm topic, its subscriptions and the
CloudWatch alarms (``wsspec.alarms.expand``, the facts the templates render too)."""

from __future__ import annotations

from wsspec import alarms, arns
from wsspec.deploy.records import API, Context, Facts, Res, clean, owner_tags
from wsspec.model import Spec


def topic_arn(ctx: Context, name: str) -> str:
    return arns.sns_topic(ctx.partition, ctx.region, ctx.account, name)


def monitoring_state(f: Facts) -> list[Res]:
    """The alarm topic, its subscriptions and the CloudWatch alarms (``alarms.expand``)."""
    spec, ctx = f.spec, f.ctx
    mon = spec.monitoring
    if mon is None:
        return []
    out: list[Res] = []
    actions = list(mon.topic_arns)
    if mon.create_topic:
        name = alarms.topic_name(spec)
        arn = topic_arn(ctx, name)
        actions.append(arn)
        topic = clean({"Tags": owner_tags(spec), "KmsMasterKeyId": mon.topic_kms_key})
        out.append(Res("topic", name, topic, label=name))
        subs = [("email", e) for e in mon.topic_emails] + [("https", u) for u in mon.topic_https]
        for protocol, endpoint in subs:
            out.append(
                Res(
                    "subscription",
                    f"{protocol}:{endpoint}",
                    {"TopicArn": arn, "Protocol": protocol, "Endpoint": endpoint},
                    label=f"{protocol} {endpoint}",
                )
            )
    return out + cloudwatch_alarms(spec, actions)


def cloudwatch_alarms(spec: Spec, actions: list[str]) -> list[Res]:
    out = []
    for a in alarms.expand(spec):
        dims = sorted(
            ({"Name": d.name, "Value": API if d.api_id else d.value} for d in a.dimensions),
            key=lambda d: str(d["Name"]),
        )
        props = {
            "AlarmName": a.alarm_name,
            "AlarmDescription": a.description,
            "Namespace": a.namespace,
            "MetricName": a.metric,
            "Dimensions": dims,
            "Statistic": a.statistic,
            "ExtendedStatistic": a.extended_statistic,
            "Period": a.period,
            "EvaluationPeriods": a.evaluation_periods,
            "DatapointsToAlarm": a.datapoints_to_alarm,
            "Threshold": a.threshold,
            "ComparisonOperator": a.comparison_operator,
            "TreatMissingData": a.treat_missing_data,
            "AlarmActions": sorted(actions),
            "Tags": owner_tags(spec),
        }
        out.append(Res("alarm", a.alarm_name, clean(props), stage=a.stage, label=a.alarm_name))
    return out
