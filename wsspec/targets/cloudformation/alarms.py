"""CloudFormation for the spec's ``monitoring``: the SNS topic, its subscriptions, the alarms.

The alarms are ``wsspec.alarms.expand(spec)`` -- the list Terraform and the direct deploy
also render; each depends on what it watches (function, stage, table).
"""

from __future__ import annotations

from typing import Any

from wsspec import alarms, derive, names
from wsspec.model import Spec
from wsspec.monitoring import DYNAMODB_NAMESPACE, OUTPUT_ALARM_NAMES, OUTPUT_ALARM_TOPIC
from wsspec.targets.cloudformation.intrinsics import Json, put, ref, resource, tag_list


def resources(spec: Spec) -> dict[str, Json]:
    """The alarm topic with its subscriptions, and every alarm of ``alarms.expand``."""
    mon = spec.monitoring
    if mon is None:
        return {}
    out: dict[str, Json] = {}
    actions: list[Any] = list(mon.topic_arns)
    tags = tag_list(derive.tags(spec))
    if mon.create_topic:
        topic: Json = {"TopicName": alarms.topic_name(spec)}
        put(topic, "KmsMasterKeyId", mon.topic_kms_key)
        put(topic, "Tags", tags)
        out[names.ALARM_TOPIC_LOGICAL] = resource("AWS::SNS::Topic", topic)
        actions.append(ref(names.ALARM_TOPIC_LOGICAL))
        subs = [("email", e) for e in mon.topic_emails] + [("https", u) for u in mon.topic_https]
        for protocol, endpoint in subs:
            out[names.topic_subscription_logical(protocol, endpoint)] = resource(
                "AWS::SNS::Subscription",
                {
                    "TopicArn": ref(names.ALARM_TOPIC_LOGICAL),
                    "Protocol": protocol,
                    "Endpoint": endpoint,
                },
            )
    for alarm in alarms.expand(spec):
        props: Json = {
            "AlarmName": alarm.alarm_name,
            "AlarmDescription": alarm.description,
            "Namespace": alarm.namespace,
            "MetricName": alarm.metric,
            "Dimensions": [
                {"Name": d.name, "Value": ref(names.API_LOGICAL) if d.api_id else d.value}
                for d in alarm.dimensions
            ],
            "Period": alarm.period,
            "EvaluationPeriods": alarm.evaluation_periods,
            "Threshold": alarm.threshold,
            "ComparisonOperator": alarm.comparison_operator,
            "TreatMissingData": alarm.treat_missing_data,
        }
        put(props, "Statistic", alarm.statistic)
        put(props, "ExtendedStatistic", alarm.extended_statistic)
        put(props, "DatapointsToAlarm", alarm.datapoints_to_alarm)
        if actions:
            props["AlarmActions"] = list(actions)
        put(props, "Tags", tags)
        depends = [names.function_logical(alarm.function)] if alarm.function else []
        if alarm.stage is not None:
            depends.append(names.stage_logical(alarm.stage))
        if alarm.namespace == DYNAMODB_NAMESPACE and spec.connections is not None:
            depends.append(names.CONNECTION_TABLE_LOGICAL)
        out[names.alarm_logical(alarm.key)] = resource("AWS::CloudWatch::Alarm", props, depends)
    return out


def outputs(spec: Spec) -> Json:
    """Alarm names (one comma-separated value: a stack has at most 200 outputs) and the topic."""
    out: Json = {}
    found = alarms.expand(spec)
    if found:
        out[OUTPUT_ALARM_NAMES] = {
            "Description": "CloudWatch alarms (comma-separated)",
            "Value": ",".join(a.alarm_name for a in found),
        }
    if spec.monitoring is not None and spec.monitoring.create_topic:
        out[OUTPUT_ALARM_TOPIC] = {
            "Description": "SNS topic the alarms notify",
            "Value": ref(names.ALARM_TOPIC_LOGICAL),
        }
    return out
