"""Benchmark: ``wsspec build --target terraform`` beside ``terraform validate`` on its output.

    python benchmarks/bench_terraform.py [--runs 5]

For samples/chat.yaml and the generated 300-route spec: the median wall time of the whole
command ``wsspec build <spec> --target terraform`` (a fresh process, as a user runs it) and of
the in-process render, next to ``terraform validate`` of the output (the tool users run next;
``init`` is done once beforehand from the local provider mirror). Ratios are to
``terraform validate`` of the same spec, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.gen_spec import write
from tests.servers import find_terraform, terraform_cli_config, terraform_env


def median_time(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    binary, mirror, reason = find_terraform()
    tmp = Path(tempfile.mkdtemp(prefix="bench-tf-"))
    try:
        specs = {
            "chat.yaml": ROOT / "samples" / "chat.yaml",
            "300 routes": write(300, tmp / "spec"),
        }
        env = None
        if binary and mirror:
            env = terraform_env(terraform_cli_config(tmp, mirror), tmp / "plugin-cache")
        rows = []
        for label, spec_path in specs.items():
            out = tmp / "out" / label.replace(" ", "_")
            cmd = [
                sys.executable,
                "-m",
                "wsspec",
                "build",
                str(spec_path),
                "--target",
                "terraform",
                "-o",
                str(out),
            ]

            def build(cmd: list[str] = cmd, cwd: Path = spec_path.parent) -> None:
                subprocess.run(cmd, check=True, capture_output=True, cwd=cwd)

            t_build = median_time(build, args.runs)

            from wsspec.build import build_outputs
            from wsspec.validate import validate_file

            spec = validate_file(str(spec_path)).spec
            assert spec is not None
            t_render = median_time(
                lambda spec=spec, out=out: build_outputs(spec, ["terraform"], out), args.runs
            )
            tf_dir = next(out.glob("*/terraform"))
            n_lines = sum(len(p.read_text().splitlines()) for p in tf_dir.glob("*.tf"))
            t_validate = None
            if env is not None:
                subprocess.run(
                    [binary, "init", "-backend=false", "-input=false"],
                    cwd=tf_dir,
                    env=env,
                    check=True,
                    capture_output=True,
                )

                def validate(tf_dir: Path = tf_dir) -> None:
                    subprocess.run(
                        [binary, "validate", "-no-color"],
                        cwd=tf_dir,
                        env=env,
                        check=True,
                        capture_output=True,
                    )

                t_validate = median_time(validate, args.runs)
            rows.append((label, len(spec.routes), n_lines, t_build, t_render, t_validate))

        print(f"median of {args.runs} runs" + ("" if env else f"; terraform skipped: {reason}"))
        print(
            f"{'spec':<12}{'routes':>7}{'HCL lines':>10}{'wsspec build':>14}{'render only':>13}"
            f"{'tf validate':>13}{'build/validate':>16}"
        )
        for label, n_routes, n_lines, t_build, t_render, t_validate in rows:
            ratio = f"{t_build / t_validate:.2f}" if t_validate else "-"
            val = f"{t_validate:.3f} s" if t_validate else "-"
            print(
                f"{label:<12}{n_routes:>7}{n_lines:>10}{t_build:>12.3f} s{t_render:>11.3f} s"
                f"{val:>13}{ratio:>16}"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("CHECKPOINT_DISABLE", "1")
    sys.exit(main())
