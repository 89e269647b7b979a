"""Benchmark the stubs target (issue 5).

    python benchmarks/bench_stubs.py [--runs 7]

For chat.yaml and generated 100/300-route specs: median time of ``stubs.render`` on a fresh
project (every stub rendered) and on a project where every stub exists (all kept: nothing is
rendered), with the ratio to the baseline measured in the same run: building the model
(``validate_file``) for the same spec.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.gen_spec import write
from wsspec.targets import BuildContext, stubs
from wsspec.validate import validate_file
from wsspec.writer import write_all


def median_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        chat_dir = Path(tmp, "chat")
        chat_dir.mkdir()
        specs = [Path(shutil.copy(ROOT / "samples" / "chat.yaml", chat_dir))]
        specs += [write(n, Path(tmp, f"big{n}")) for n in (100, 300)]
        for spec_path in specs:
            spec = validate_file(str(spec_path)).spec
            assert spec is not None
            ctx = BuildContext(Path(tmp, "out"), Path(tmp, "out", "functions"))
            base = median_of(runs, lambda p=spec_path: validate_file(str(p)))
            fresh = median_of(runs, lambda s=spec, c=ctx: stubs.render(s, c))
            write_all(stubs.render(spec, ctx))
            kept = median_of(runs, lambda s=spec, c=ctx: stubs.render(s, c))
            rows.append((spec_path.name, len(spec.routes), len(spec.functions), base, fresh, kept))
    print(
        f"{'spec':<12} {'routes':>6} {'fns':>4} {'model ms':>9} {'fresh ms':>9} {'ratio':>6}"
        f" {'kept ms':>8} {'ratio':>6}"
    )
    for name, routes, fns, base, fresh, kept in rows:
        print(
            f"{name:<12} {routes:>6} {fns:>4} {base * 1e3:>9.2f} {fresh * 1e3:>9.2f}"
            f" {fresh / base:>6.2f} {kept * 1e3:>8.3f} {kept / base:>6.3f}"
        )


if __name__ == "__main__":
    main()
