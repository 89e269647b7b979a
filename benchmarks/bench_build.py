"""Benchmark ``wsspec build --target cloudformation`` (issues 3 and 8).

    python benchmarks/bench_build.py [--runs 7]

Table 1: the whole process (``python -m wsspec build ... --target cloudformation -o <tmp>``)
on chat.yaml and generated specs, median of N runs, time per route, and the ratio to the
baseline ``python -c "import wsspec"`` measured in the same run.

A 3,000-route spec is over API Gateway's 300-routes quota (``validate`` refuses it, WS401)
and over CloudFormation's 500 resources per stack, so its whole-process row shows a refusal.
To show how the cost grows with routes, table 2 times the in-process stages for 300 and
3,000 routes (model, template data, YAML text) with the quota checks bypassed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.gen_spec import write


def median_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(cmd: list[str]) -> int:
    return subprocess.run(
        cmd, check=False, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ).returncode


def whole_process(spec: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "wsspec",
        "build",
        str(spec),
        "--target",
        "cloudformation",
        "-o",
        str(out),
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wsspec-bench-"))
    try:
        chat_dir = tmp / "chat"
        chat_dir.mkdir()
        shutil.copy(ROOT / "samples" / "chat.yaml", chat_dir / "chat.yaml")
        (chat_dir / "handlers").mkdir()
        for name in ("on_connect", "on_disconnect", "send_message", "shared"):
            (chat_dir / "handlers" / f"{name}.py").write_text("def handler(e, c):\n    return {}\n")
        cases: list[tuple[str, Path, int]] = [("chat.yaml", chat_dir / "chat.yaml", 4)]
        for n in (100, 209, 300, 3000):
            cases.append((f"generated {n}", write(n, chat_dir), n))

        baseline = median_of(args.runs, lambda: run([sys.executable, "-c", "import wsspec"]))
        print(
            f"whole process, median of {args.runs} runs "
            f'(baseline `python -c "import wsspec"`: {baseline * 1000:.0f} ms)\n'
        )
        print(
            f"{'spec':<16}{'routes':>7}{'exit':>6}{'median ms':>11}{'ms/route':>10}"
            f"{'x baseline':>12}{'over baseline ms':>18}"
        )
        for label, path, n in cases:
            out = tmp / "out" / label.replace(" ", "-")
            code = run(whole_process(path, out))  # warm-up (and the exit code)
            t = median_of(args.runs, lambda p=path, o=out: run(whole_process(p, o)))
            print(
                f"{label:<16}{n:>7}{code:>6}{t * 1000:>11.0f}{t * 1000 / n:>10.2f}"
                f"{t / baseline:>12.1f}{(t - baseline) * 1000:>18.0f}"
            )

        # ---- in-process stages, 300 vs 3,000 routes (quota checks bypassed)
        from wsspec.loader import load_file
        from wsspec.model import build_model
        from wsspec.targets import BuildContext
        from wsspec.targets import cloudformation as cf
        from wsspec.validate import validate_file

        print(f"\nin-process stages, median of {args.runs} runs (3,000 routes: quotas bypassed)\n")
        print(
            f"{'stage':<22}{'300 ms':>9}{'3000 ms':>10}{'us/route 300':>14}"
            f"{'us/route 3000':>15}{'ratio':>7}"
        )
        ctx = BuildContext(out_dir=tmp / "x", functions_dir=tmp / "x" / "functions")
        rows: dict[str, list[float]] = {}
        for n in (300, 3000):
            path = chat_dir / f"big{n}.yaml"
            data = load_file(str(path)).data
            spec = build_model(data, source_file=str(path), project_dir=str(chat_dir))
            doc = cf.template(spec, ctx, per_route=False)
            stages = {
                "validate (all checks)": lambda p=path: validate_file(str(p)),
                "template data": lambda s=spec: cf.template(s, ctx, per_route=False),
                "YAML text": lambda d=doc: cf.serialise(d, "yaml"),
                "JSON text": lambda d=doc: cf.serialise(d, "json"),
            }
            for name, fn in stages.items():
                rows.setdefault(name, []).append(median_of(args.runs, fn))
        for name, (a, b) in rows.items():
            print(
                f"{name:<22}{a * 1000:>9.1f}{b * 1000:>10.1f}{a * 1e6 / 300:>14.0f}"
                f"{b * 1e6 / 3000:>15.0f}{b / a:>7.1f}"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
