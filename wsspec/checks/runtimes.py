"""Lambda runtimes by their lifecycle (WS545, WS840), from the table in ``wsspec.runtimes``.

A runtime Lambda does not offer, or one past its "block function create" date, is an error
(AWS refuses new functions with it; cfn-lint E2531). One past its deprecation date but not yet
blocked is a warning (cfn-lint W2531). ``WSSPEC_TODAY`` fixes the date compared with.
"""

from __future__ import annotations

from wsspec import runtimes
from wsspec.checks.context import Ctx, as_map, as_str, check


def _newest(language: runtimes.Language) -> str:
    return runtimes.newest(language).name


@check("WS545", "WS840")
def lifecycle(ctx: Ctx) -> None:
    today = runtimes.today()
    for name, f in ctx.section("functions").items():
        runtime = as_str(as_map(f).get("runtime"))
        if runtime is None:
            continue  # the default is current (the table's defaults)
        p = ("functions", name, "runtime")
        info = runtimes.lookup(runtime)
        if info is None:
            known = ", ".join(r.name for r in runtimes.TABLE if r.block_create > today)
            ctx.add(
                "WS545",
                p,
                f"Lambda has no runtime {runtime!r}",
                f"current runtimes: {known} (source: {runtimes.SOURCE})",
            )
        elif info.block_create <= today:
            ctx.add(
                "WS545",
                p,
                f"Lambda refuses new functions with {runtime!r} since {info.block_create} "
                f"(existing ones can be updated until {info.block_update})",
                f"use {_newest(info.language)} (source: {runtimes.SOURCE})",
            )
        elif info.deprecated <= today:
            ctx.add(
                "WS840",
                p,
                f"{runtime!r} is deprecated since {info.deprecated}: no more security patches, "
                f"and new functions are refused from {info.block_create}",
                f"use {_newest(info.language)} (source: {runtimes.SOURCE})",
            )
