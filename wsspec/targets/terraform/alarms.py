"""Terraform for the spec's ``monitoring`` section: ``<out>/terraform/monitoring.tf``.

Rendered from ``templates/terraform/monitoring.tf.j2`` next to the other files of the target,
with the same ``View`` and ``format_hcl`` layout. The alarms are ``wsspec.alarms.expand(spec)``
-- the list CloudFormation and the direct deploy also render -- with dimension values as
references (API id, stage, function, table), so Terraform creates the alarms after what they
watch. Log retention and ``tracing_config`` live on the log groups and functions in ``main.tf``.
"""

from __future__ import annotations

from pathlib import PurePath

from wsspec import alarms, names
from wsspec.escape import hcl_string
from wsspec.model import Spec
from wsspec.monitoring import Alarm, Dimension
from wsspec.targets import BuildContext, Output
from wsspec.targets.terraform.hcl import format_hcl, is_wsspec_file
from wsspec.targets.terraform.view import TABLE, View
from wsspec.templating import render as render_template

FILE = "monitoring.tf"
TOPIC = "aws_sns_topic.alarms"


def alarm_label(alarm: Alarm) -> str:
    """``prod_connect_spike_1a2b3c4d``: readable, with a hash of the natural key (no collisions)."""
    return f"{names.snake(alarm.key)}_{names.short_hash(alarm.key)}"


def subscription_label(protocol: str, endpoint: str) -> str:
    return f"{protocol}_{names.short_hash(f'{protocol}:{endpoint}')}"


class MonitoringView:
    def __init__(self, spec: Spec, tf: View) -> None:
        assert spec.monitoring is not None
        self.spec = spec
        self.tf = tf
        self.mon = spec.monitoring
        self.alarms = alarms.expand(spec)
        self.topic_name = alarms.topic_name(spec)
        self.subscriptions = [("email", e) for e in self.mon.topic_emails] + [
            ("https", u) for u in self.mon.topic_https
        ]

    alarm_label = staticmethod(alarm_label)
    subscription_label = staticmethod(subscription_label)

    def dimension(self, alarm: Alarm, d: Dimension) -> str:
        if d.api_id:
            return f"{self.tf.api}.id"
        if d.name == "Stage" and alarm.stage is not None:
            return f"aws_apigatewayv2_stage.{names.stage_label(alarm.stage)}.name"
        if d.name == "FunctionName" and alarm.function is not None:
            return f"aws_lambda_function.{names.function_label(alarm.function)}.function_name"
        if d.name == "TableName" and self.spec.connections is not None:
            return f"{TABLE}.name"
        return hcl_string(d.value)

    def actions(self) -> list[str]:
        out = [hcl_string(a) for a in self.mon.topic_arns]
        if self.mon.create_topic:
            out.append(f"{TOPIC}.arn")
        return out


def render(spec: Spec, ctx: BuildContext, tf: View) -> Output:
    text = render_template(
        f"terraform/{FILE}.j2",
        spec=spec,
        spec_file=PurePath(spec.source_file).name or "the spec",
        tf=tf,
        mon=MonitoringView(spec, tf),
    )
    return Output(
        ctx.out_dir / "terraform" / FILE, format_hcl(text).encode("utf-8"), ours=is_wsspec_file
    )
