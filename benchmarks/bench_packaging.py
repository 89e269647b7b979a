"""Benchmark function packages with dependencies (issue 14).

    python benchmarks/bench_packaging.py [--runs 5]

A project of 5 Python functions, each with its own requirements file (PyJWT and
python-dateutil, pinned). Baseline, measured in the same run: one ``pip install --target`` of
the same requirements into an empty directory (pip's download cache warm, like the rebuild's).
Measured: building all 5 packages again with nothing changed (the installed trees and the zips
come from wsspec's cache), and after editing one handler (one zip rebuilt, nothing installed).
The issue asks the unchanged rebuild to take at most 0.1x the baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wsspec import package
from wsspec.validate import validate_file

REQUIREMENTS = "PyJWT==2.10.1\npython-dateutil==2.9.0.post0\n"


def median_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def project(root: Path) -> Path:
    lines = ["wsspec: 1", "api: {name: bench-deps}", "routes:"]
    lines += [f"  r{i}: {{function: f{i}}}" for i in range(5)]
    lines.append("functions:")
    for i in range(5):
        d = root / f"f{i}"
        d.mkdir(parents=True)
        (d / "handler.py").write_text("import jwt\n\n\ndef handler(e, c):\n    return 1\n")
        (d / "requirements.txt").write_text(REQUIREMENTS)
        lines.append(f"  f{i}: {{handler: f{i}/handler.py, dependencies: f{i}/requirements.txt}}")
    path = root / "spec.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ.setdefault("WSSPEC_CACHE_DIR", str(root / "cache"))
        spec_path = project(root / "p")
        spec = validate_file(str(spec_path)).spec
        assert spec is not None

        def build_all() -> None:
            for fn in spec.functions:
                package.build_zip(spec, fn)

        t0 = time.perf_counter()
        build_all()  # first build: installs and zips (warms pip's download cache too)
        first = time.perf_counter() - t0
        req = root / "p" / "f0" / "requirements.txt"
        pip_cache = str(Path(os.environ["WSSPEC_CACHE_DIR"]) / "pip")
        counter = iter(range(10_000))

        def pip_once() -> None:
            target = root / f"pip-{next(counter)}"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--target",
                    str(target),
                    "--cache-dir",
                    pip_cache,
                    "--disable-pip-version-check",
                    "-r",
                    str(req),
                ],
                check=True,
            )

        baseline = median_of(args.runs, pip_once)
        unchanged = median_of(args.runs, build_all)
        handler = root / "p" / "f0" / "handler.py"
        edits = iter(range(10_000))

        def edit_one() -> None:
            handler.write_text(f"import jwt\n\n\ndef handler(e, c):\n    return {next(edits)}\n")
            build_all()

        edited = median_of(args.runs, edit_one)
    print("| measurement (5 functions with dependencies) | median s | ratio to pip |")
    print("|---|---:|---:|")
    print(f"| baseline: `pip install --target` of the requirements once | {baseline:.3f} | 1.00 |")
    print(
        f"| first build (5 installs + zips; once, not a median) | {first:.3f} | {first / baseline:.2f} |"
    )
    print(f"| rebuild, nothing changed | {unchanged:.4f} | {unchanged / baseline:.3f} |")
    print(f"| rebuild after one handler edit | {edited:.4f} | {edited / baseline:.3f} |")


if __name__ == "__main__":
    main()
