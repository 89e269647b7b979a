"""``wsspec build``: run the selected targets over one model; return every file to write."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from wsspec import names
from wsspec.errors import EXIT_USAGE, WsspecError
from wsspec.model import Spec
from wsspec.package import build_layer_zip, build_zip, is_package
from wsspec.targets import TARGETS, BuildContext, Output, Target, load

if TYPE_CHECKING:  # every registered target module implements the protocol
    from wsspec.targets import (
        asyncapi,
        client_py,
        client_ts,
        cloudformation,
        kubernetes,
        stubs,
        terraform,
    )

    _TARGETS: tuple[Target, ...] = (
        cloudformation,
        terraform,
        stubs,
        asyncapi,
        client_ts,
        client_py,
        kubernetes,
    )

PACKAGED_TARGETS = ("cloudformation", "terraform")


def available(target: str) -> bool:
    """Whether the target's module is installed."""
    try:
        return importlib.util.find_spec(TARGETS[target]) is not None
    except ModuleNotFoundError:
        return False


def select_targets(requested: list[str] | None) -> tuple[list[str], list[str]]:
    """(targets to run, notes). Without a request: every available target, in registry order."""
    if requested:
        missing = [t for t in requested if not available(t)]
        if missing:
            raise WsspecError(
                f"target {missing[0]!r} is not available in this version of wsspec",
                code="WS010",
                exit_code=EXIT_USAGE,
                hint="available: " + ", ".join(t for t in TARGETS if available(t)),
            )
        return list(dict.fromkeys(requested)), []
    chosen = [t for t in TARGETS if available(t)]
    skipped = [t for t in TARGETS if t not in chosen]
    return chosen, [f"target {t!r} is not available in this version; skipped" for t in skipped]


def build_dir(spec: Spec, out: Path) -> Path:
    return (out / names.physical(spec.api.name, limit=128)).resolve()


def build_outputs(
    spec: Spec, targets: list[str], out: Path, template_format: str = "yaml"
) -> tuple[list[Output], list[str]]:
    """Render everything first (nothing is written here), so a failure leaves no partial tree.

    Stubs run first: the handler files they create belong in this build's function packages,
    which the packaged targets (CloudFormation, Terraform) reference.
    """
    out_dir = build_dir(spec, out)
    ctx = BuildContext(
        out_dir=out_dir, functions_dir=out_dir / "functions", template_format=template_format
    )
    order = sorted(targets, key=lambda t: t != "stubs")  # stable: the rest keep their order
    packaged = any(t in PACKAGED_TARGETS for t in targets)
    outputs: list[Output] = []
    notes: list[str] = []
    overlay: dict[Path, bytes] = {}
    for name in order:
        if name != "stubs" and packaged:
            outputs += _packages(spec, ctx, overlay)
            packaged = False
        target = load(name)
        rendered = target.render(spec, ctx)
        outputs.extend(rendered)
        if name == "stubs":
            overlay = {
                o.path: o.content for o in rendered if not o.generated and not o.path.exists()
            }
        notes.extend(target.notes(spec, ctx))
    return outputs, notes


def _packages(spec: Spec, ctx: BuildContext, overlay: dict[Path, bytes]) -> list[Output]:
    """One deterministic zip per function (``overlay``: stubs this build is about to create)
    and per layer wsspec builds."""
    return [
        Output(
            ctx.functions_dir / names.zip_name(fn.name),
            build_zip(spec, fn, overlay),
            ours=is_package,
        )
        for fn in spec.functions
    ] + [
        Output(
            ctx.layers_dir / names.layer_zip_name(x.name),
            build_layer_zip(spec, x),
            ours=is_package,
        )
        for x in spec.layers
    ]
