"""CloudFormation target: one template for the whole API, ready for ``aws cloudformation package``.

The template is built as plain Python data from the model (``resources.py``, the alarms in
``alarms.py``, never from the YAML), then serialised once (``serialise.py``). An API too large
for one stack even with collapsed Lambda permissions is split into nested stacks
(``nested.py``). The notes of a build say which of these choices were made; they come from
the render that made them (or, asked on their own, from rendering again).
"""

from __future__ import annotations

from dataclasses import dataclass

from wsspec import derive
from wsspec.errors import WsspecError
from wsspec.model import Spec
from wsspec.targets import BuildContext, Output
from wsspec.targets.cloudformation import nested
from wsspec.targets.cloudformation.resources import template
from wsspec.targets.cloudformation.serialise import is_wsspec_template, serialise, template_path

__all__ = ["notes", "render", "serialise", "template", "template_path"]


@dataclass(frozen=True)
class _Rendered:
    spec: Spec
    ctx: BuildContext
    outputs: list[Output]
    notes: list[str]


_last: _Rendered | None = None  # the latest render, so ``notes`` need not render again


def _too_large(spec: Spec, data: bytes) -> WsspecError:
    return WsspecError(
        f"the CloudFormation template is {len(data)} bytes; CloudFormation allows "
        f"{derive.CFN_TEMPLATE_LIMIT} bytes (quota: template body size in S3)",
        code="WS421",
        file=spec.source_file or None,
        hint="shorten mapping templates and model schemas, or split the API",
    )


def _render(spec: Spec, ctx: BuildContext) -> _Rendered:
    per_route = derive.permission_strategy(spec)
    doc = template(spec, ctx, per_route=per_route)
    notes: list[str] = []
    if len(doc["Resources"]) > derive.CFN_RESOURCE_LIMIT:  # too big even collapsed: nest
        outputs, note = nested.render(spec, ctx, doc)  # (WS420 when even nesting cannot fit)
        notes.append(note)
    else:
        data = serialise(doc, ctx.template_format)
        if len(data) > derive.CFN_TEMPLATE_LIMIT:
            raise _too_large(spec, data)
        outputs = [Output(template_path(ctx), data, ours=is_wsspec_template)]
    if not per_route:
        n = derive.cloudformation_resource_count(spec, per_route=True)
        m = derive.cloudformation_resource_count(spec, per_route=False)
        notes.append(
            f"cloudformation: one Lambda permission per function and stage ({{stage}}/*) instead "
            f"of one per route: per-route grants would make {n} resources "
            f"(limit {derive.CFN_RESOURCE_LIMIT}, {derive.CFN_RESOURCE_HEADROOM} kept free); "
            f"the template has {m}"
        )
    size = len(outputs[0].content)  # the (parent) template
    if size > derive.CFN_INLINE_TEMPLATE_LIMIT:
        notes.append(
            f"cloudformation: the template is {size} bytes (over "
            f"{derive.CFN_INLINE_TEMPLATE_LIMIT}); pass --s3-bucket to "
            "`aws cloudformation deploy`"
        )
    # (execution logging without the account role is validation warning WS803)
    return _Rendered(spec, ctx, outputs, notes)


def render(spec: Spec, ctx: BuildContext) -> list[Output]:
    """``template.<fmt>`` (and nested ``routes-N``/``functions-N`` templates when needed)."""
    global _last
    _last = _render(spec, ctx)
    return _last.outputs


def notes(spec: Spec, ctx: BuildContext) -> list[str]:
    """Permissions collapsed, nested stacks, a template too large to pass inline."""
    done = _last if _last is not None and _last.spec is spec and _last.ctx == ctx else None
    return list((done or _render(spec, ctx)).notes)
