"""Whole-process timing of `wsspec validate` next to `python -c pass` and check-jsonschema.

    python benchmarks/bench_validate.py [--runs 15]

Files: samples/chat.yaml and a generated 300-route spec (benchmarks/gen_spec.py). Every
command runs as a fresh process; bytecode is cached in a temporary PYTHONPYCACHEPREFIX (warmed
up first) so the figures match an installed package, not a first import. Prints the median of
each command and its ratio to `python -c pass` and to check-jsonschema on the same file.
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


def median_time(cmd: list[str], env: dict[str, str], runs: int) -> float:
    subprocess.run(
        cmd, env=env, cwd=ROOT, capture_output=True, check=False
    )  # warm-up (bytecode cache)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wsspec-bench-"))
    try:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        big = write(300, tmp)
        files = {"chat.yaml": str(ROOT / "samples" / "chat.yaml"), "300 routes": str(big)}
        cj = shutil.which("check-jsonschema")
        cj_cmd = [cj] if cj else [sys.executable, "-m", "check_jsonschema"]
        schema = str(ROOT / "schemas" / "wsspec.schema.json")
        rows = []
        base = median_time([sys.executable, "-c", "pass"], env, args.runs)
        rows.append(("python -c pass", "-", base, None))
        for label, path in files.items():
            cj_t = median_time(cj_cmd + ["--schemafile", schema, path], env, args.runs)
            ws_t = median_time([sys.executable, "-m", "wsspec", "validate", path], env, args.runs)
            rows.append(("check-jsonschema --schemafile", label, cj_t, cj_t))
            rows.append(("wsspec validate", label, ws_t, cj_t))
        print(
            f"{'command':<32} {'file':<11} {'median s':>9} {'x pass':>7} {'x check-jsonschema':>19}"
        )
        for name, label, t, ref in rows:
            vs = f"{t / ref:.2f}" if ref else "-"
            print(f"{name:<32} {label:<11} {t:>9.3f} {t / base:>7.1f} {vs:>19}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
