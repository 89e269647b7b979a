"""Benchmark the AsyncAPI and client targets (issue 19) against the CloudFormation target.

    python benchmarks/bench_clients.py [--runs 7]

In-process rendering (nothing written) of each target on chat.yaml and on a generated
300-route spec: median of N runs, and the ratio to the CloudFormation target's rendering of the
same spec measured in the same run (the baseline every build already pays).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.gen_spec import write
from wsspec.targets import BuildContext, load
from wsspec.validate import validate_file

TARGETS = ("cloudformation", "asyncapi", "client-ts", "client-py")


def median_ms(runs: int, target: str, spec: object, ctx: BuildContext) -> float:
    module = load(target)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        module.render(spec, ctx)  # type: ignore[arg-type]
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        big = write(300, Path(tmp))
        specs = {"chat.yaml": ROOT / "samples" / "chat.yaml", "300 routes": big}
        print(f"| spec | target | median ms ({args.runs} runs) | ratio to cloudformation |")
        print("| --- | --- | ---: | ---: |")
        for label, path in specs.items():
            spec = validate_file(str(path)).spec
            assert spec is not None, label
            ctx = BuildContext(Path(tmp) / "out", Path(tmp) / "out" / "functions")
            base = median_ms(args.runs, "cloudformation", spec, ctx)
            for target in TARGETS:
                ms = base if target == "cloudformation" else median_ms(args.runs, target, spec, ctx)
                print(f"| {label} | {target} | {ms:.1f} | {ms / base:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
