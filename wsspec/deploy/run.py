"""The three operations the CLI offers: plan, deploy, destroy (no printing here)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from wsspec import derive
from wsspec.deploy.aws import Aws, Options
from wsspec.deploy.current import Current
from wsspec.deploy.desired import deployment_marker, desired_state, resource_outputs, topic_arn
from wsspec.deploy.errors import guard
from wsspec.deploy.execute import Progress, Result, execute
from wsspec.deploy.plan import make_plan
from wsspec.deploy.records import Context, Res
from wsspec.deploy.remote import read_current
from wsspec.deploy.steps import Plan
from wsspec.errors import EXIT_USAGE, WsspecError
from wsspec.model import Spec


@dataclass
class Session:
    spec: Spec
    aws: Aws
    desired: list[Res]
    current: Current
    plan: Plan
    stages: tuple[str, ...] = field(default_factory=tuple)


def _stages(spec: Spec, stages: Iterable[str] | None) -> tuple[str, ...]:
    names_ = tuple(stages or ())
    for s in names_:
        if s not in {x.name for x in spec.stages}:
            raise WsspecError(
                f"stage {s!r} is not defined in the spec (stages: "
                f"{', '.join(x.name for x in spec.stages)})",
                code="WS910",
                exit_code=EXIT_USAGE,
            )
    return names_


@guard
def prepare(
    spec: Spec,
    options: Options,
    *,
    stages: Iterable[str] | None = None,
    on_call: Callable[[str, str], None] | None = None,
    destroy: bool = False,
    aws: Aws | None = None,
) -> Session:
    """Connect, compute the desired state, read the current one, diff -> plan."""
    selected = _stages(spec, stages)
    aws = aws or Aws(options, on_call=on_call).connect()
    ctx = Context(region=aws.region, account=aws.account, partition=aws.partition)
    desired = desired_state(spec, ctx)
    current = read_current(aws, spec, desired)
    if destroy and selected:
        want = [r for r in desired if r.stage not in selected]
        plan = make_plan(
            want,
            current,
            stages=selected,
            region=aws.region,
            partition=aws.partition,
            api_name=spec.api.name,
            destroy_only=True,
            account=aws.account,
        )
    elif destroy:
        plan = make_plan(
            [],
            current,
            region=aws.region,
            partition=aws.partition,
            api_name=spec.api.name,
            account=aws.account,
        )
    else:
        plan = make_plan(
            desired,
            current,
            stages=selected or None,
            region=aws.region,
            partition=aws.partition,
            deployment_marker=deployment_marker(spec),
            api_name=spec.api.name,
            account=aws.account,
        )
    return Session(spec, aws, desired, current, plan, selected)


@guard
def apply(
    session: Session,
    *,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Result:
    return execute(session.plan, session.aws, progress=progress, sleep=sleep)


def outputs(session: Session, result: Result | None) -> dict[str, Any]:
    ids = dict(session.current.ids)
    if result is not None:
        ids.update(result.ids)
    api_id = ids.get("api")
    if not api_id:
        return {}
    region = session.aws.region
    stages = session.stages or tuple(s.name for s in session.spec.stages)
    out: dict[str, Any] = {"api_id": api_id, "region": region, "stages": {}}
    for s in stages:
        out["stages"][s] = {
            "url": derive.wss_url(api_id, region, s),
            "callback_url": derive.callback_url(api_id, region, s),
        }
    if session.spec.domain is not None:
        d = session.spec.domain
        out["custom_domain"] = f"wss://{d.name}/{d.base_path or ''}".rstrip("/")
    ctx = Context(region=region, account=session.aws.account, partition=session.aws.partition)
    out.update(resource_outputs(session.spec, ctx))
    alarms = [
        r.key
        for r in session.desired
        if r.kind == "alarm" and (r.stage is None or r.stage in stages)
    ]
    if alarms:
        out["alarms"] = alarms
    topic = next((r.key for r in session.desired if r.kind == "topic"), None)
    if topic is not None:
        out["alarm_topic_arn"] = topic_arn(ctx, topic)
    return out


__all__ = ["Session", "prepare", "apply", "outputs"]
