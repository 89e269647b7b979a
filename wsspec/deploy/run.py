"""The three operations the CLI offers: plan, deploy, destroy (no printing here)."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, cast

from wsspec import derive, keda, names
from wsspec.deploy.aws import Aws, Options
from wsspec.deploy.current import Current
from wsspec.deploy.desired import deployment_marker, desired_state, resource_outputs, topic_arn
from wsspec.deploy.errors import guard
from wsspec.deploy.execute import Progress, Result, execute
from wsspec.deploy.lock import DeployLock
from wsspec.deploy.plan import make_plan
from wsspec.deploy.records import Context, Res
from wsspec.deploy.remote import read_current
from wsspec.deploy.steps import Plan
from wsspec.errors import EXIT_AWS, EXIT_USAGE, WsspecError
from wsspec.model import Layer, Spec
from wsspec.package import build_layer_zip, build_zip


@dataclass
class Session:
    spec: Spec
    aws: Aws
    desired: list[Res]
    current: Current
    plan: Plan
    stages: tuple[str, ...] = field(default_factory=tuple)
    destroy: bool = False
    serial: str | None = None  # the deploy lock's record of the last deploy, read before the state
    marker: str | None = None  # the deployment marker (``desired.deployment_marker``)
    lock: DeployLock | None = None  # held since before the account was read (``lock_first``)


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


READ_SERVICES = ("apigatewayv2", "lambda", "iam", "logs")  # the readers every plan runs


def _no_zip(spec: Spec, x: Layer) -> bytes:
    return b""  # a destroy compares no code


@guard
def prepare(
    spec: Spec,
    options: Options,
    *,
    stages: Iterable[str] | None = None,
    on_call: Callable[[str, str], None] | None = None,
    destroy: bool = False,
    aws: Aws | None = None,
    lock_first: bool = False,
    on_lock_wait: Callable[[str], None] = lambda message: None,
) -> Session:
    """Connect, compute the desired state, read the current one, diff -> plan.

    ``lock_first`` (the plan will be applied without being shown for approval: ``destroy
    --yes``): the deploy lock is taken at once, beside STS, so the account is read under it and
    ``apply`` need not take it and check the last deploy's record (two rounds of calls fewer).
    The session then holds the lock until ``apply`` or ``release`` ends it, even when there is
    nothing to do (a lock and a release: three SSM writes).
    """
    selected = _stages(spec, stages)
    aws = aws or Aws(options, on_call=on_call).open()
    lock = (
        DeployLock(aws, spec, wait=aws.options.lock_wait, on_wait=on_lock_wait)
        if lock_first
        else None
    )
    # STS and the lock (or the record of the last deploy, read before the state) answer while
    # this thread does the local work: the zips, the deployment marker, the clients the readers use
    two = ThreadPoolExecutor(max_workers=2)
    session: Session | None = None
    try:
        # both clients first: made in the two threads, with the readers' clients made here
        # beside them, the first calls would leave only once every client exists
        if not aws.account:
            aws.client("sts", probe=True)
        aws.client("ssm", probe=bool(aws.options.endpoint_url))
        serial: Future[Any] = two.submit(lock.acquire if lock else DeployLock(aws, spec).serial)
        identity = None if aws.account else two.submit(aws.identify)
        # a destroy compares no code: no zips
        zips = {} if destroy else {fn.name: build_zip(spec, fn) for fn in spec.functions}
        marker = None if destroy else deployment_marker(spec)
        for service in READ_SERVICES:
            aws.client(service)
        if identity is not None:
            identity.result()
        ctx = Context(region=aws.region, account=aws.account, partition=aws.partition)
        desired = desired_state(
            spec,
            ctx,
            zip_of=lambda _, fn: zips.get(fn.name, b""),
            layer_zip_of=_no_zip if destroy else build_layer_zip,
        )
        session = Session(spec, aws, desired, Current(), Plan((), {}), selected, destroy)
        session.marker = marker
        if lock is None:
            session.serial = cast("str | None", serial.result())
        else:
            serial.result()  # taken (it waits for another deploy, up to the lock's wait)
            session.lock = lock
        session.current, session.plan = _read_and_plan(session)
    except BaseException:
        if lock is not None:
            serial.add_done_callback(lambda _: lock.release(wrote=False))
        raise
    finally:
        two.shutdown(wait=False)  # an STS error is reported without waiting for SSM
    return session


def release(session: Session) -> str | None:
    """Release a lock ``prepare(lock_first=True)`` took and ``apply`` did not end (nothing to
    do, or the caller stopped before applying); a warning when it could not be released."""
    lock, session.lock = session.lock, None
    return lock.release(wrote=False) if lock is not None else None


def _read_and_plan(session: Session) -> tuple[Current, Plan]:
    spec, aws, desired, selected = session.spec, session.aws, session.desired, session.stages
    whole_api = not (session.destroy and not selected)
    current = read_current(aws, spec, desired, whole_api=whole_api, early=session.destroy)
    common: dict[str, Any] = {
        "region": aws.region,
        "partition": aws.partition,
        "api_name": spec.api.name,
        "account": aws.account,
    }
    if session.destroy and selected:
        want = [r for r in desired if r.stage not in selected]
        plan = make_plan(want, current, stages=selected, destroy_only=True, **common)
    elif session.destroy:
        plan = make_plan([], current, **common)
    else:
        marker = session.marker or deployment_marker(spec)
        stages = selected or None
        plan = make_plan(desired, current, stages=stages, deployment_marker=marker, **common)
    return current, replace(plan, sensitive=sensitive_paths(spec))


def sensitive_paths(spec: Spec) -> dict[tuple[str, str], frozenset[str]]:
    """(kind, key) -> the field paths a plan must not show: secret environment variables."""
    return {
        ("function", names.function_name(spec, f.name)): frozenset(
            f"Environment.{v}" for v in f.secret_environment
        )
        for f in spec.functions
        if f.secret_environment
    }


@guard
def apply(
    session: Session,
    *,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    replan: bool = True,
) -> Result:
    """Execute the session's plan under the deploy lock (``wsspec.deploy.lock``).

    When another deploy wrote since the plan was made, the account is read again and the plan
    made again: with ``replan`` the new plan is applied; without it (the user confirmed the
    plan shown) a changed plan stops with WS933 and nothing is applied. A session whose lock
    was taken before the account was read (``prepare(lock_first=True)``) applies its plan as it
    is, and releases the lock even when there is nothing to do.
    """
    report = progress or (lambda *_: None)
    if session.plan.empty:
        warning = release(session)
        return Result(ids=dict(session.current.ids), warnings=[warning] if warning else [])
    if progress is not None:
        session.aws.activity.attach(lambda event, message: progress(event, None, message))
    lock, session.lock = session.lock, None
    read_under_lock = lock is not None  # by prepare(lock_first=True): the plan stands
    contended = False
    if lock is None:
        lock = DeployLock(
            session.aws,
            session.spec,
            wait=session.aws.options.lock_wait,
            on_wait=lambda message: report("lock", None, message),
        )
        contended = lock.acquire()
    warnings: list[str] = []
    try:
        if not lock.available:
            warnings.append(
                "the deploy lock (SSM parameters under "
                f"{lock.lock_name.rsplit('/', 1)[0]}/) cannot be used here; "
                "deployed without it: do not run two deploys of this spec at once"
            )
        elif not read_under_lock and (contended or lock.serial() != session.serial):
            if not _still_valid(session, replan):
                warnings.append("another deploy made these changes meanwhile")
        if not session.plan.steps:  # another deploy did it all
            result = Result(ids=dict(session.current.ids))
        else:
            result = execute(session.plan, session.aws, progress=progress, sleep=sleep)
    finally:
        warning = lock.release(forget=session.destroy and not session.stages)
    result.warnings[:0] = warnings + ([warning] if warning else [])
    return result


def _still_valid(session: Session, replan: bool) -> bool:
    """Read the account again under the lock; False when there is nothing left to do."""
    shown = session.plan.as_dict()
    session.current, fresh = _read_and_plan(session)
    if fresh.as_dict() == shown:
        return True
    session.plan = fresh
    if fresh.empty:
        return False
    if not replan:
        raise WsspecError(
            "another deploy of this spec changed the account after the plan was shown; "
            "nothing was applied",
            code="WS933",
            exit_code=EXIT_AWS,
            hint="run the command again to see the new plan",
        )
    return True


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
    if keda.keda(session.spec) is not None:  # the manifests' api.env (docs/kubernetes.md)
        out["kubernetes_env"] = f"API_ID={api_id}\nAWS_REGION={region}\n"
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
