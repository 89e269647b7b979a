"""``wsspec build``: run the selected targets over one model; return every file to write."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from wsspec import names
from wsspec.errors import EXIT_USAGE, WsspecError
from wsspec.model import Spec
from wsspec.package import build_zip
from wsspec.targets import TARGETS, BuildContext, Output, target_module

PACKAGED_TARGETS = ("cloudformation", "terraform")


def available(target: str) -> bool:
    """Whether the target's module is installed (targets land one issue at a time)."""
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
    return (out / names._physical(spec.api.name, limit=128)).resolve()


def build_outputs(
    spec: Spec, targets: list[str], out: Path, template_format: str = "yaml"
) -> tuple[list[Output], list[str]]:
    """Render everything first (nothing is written here), so a failure leaves no partial tree."""
    out_dir = build_dir(spec, out)
    ctx = BuildContext(
        out_dir=out_dir, functions_dir=out_dir / "functions", template_format=template_format
    )
    outputs: list[Output] = []
    notes: list[str] = []
    overlay: dict[Path, bytes] = {}
    if "stubs" in targets:  # stubs first: their new files belong in this build's zips
        stubs = target_module("stubs").render(spec, ctx)
        outputs.extend(stubs)
        overlay = {o.path: o.content for o in stubs if not o.generated and not o.path.exists()}
        notes.extend(getattr(target_module("stubs"), "notes", lambda s, c: [])(spec, ctx))
    if any(t in PACKAGED_TARGETS for t in targets):
        for fn in spec.functions:
            data = build_zip(spec, fn, overlay)
            outputs.append(Output(ctx.functions_dir / names.zip_name(fn.name), data))
    for t in targets:
        if t == "stubs":
            continue
        mod = target_module(t)
        rendered = mod.render(spec, ctx)
        outputs.extend(rendered)
        notes.extend(getattr(mod, "notes", lambda s, c: [])(spec, ctx))
    return outputs, notes
