"""Benchmark ``wsspec import`` (issue 16) against ``wsspec build`` of the spec it produces.

    python benchmarks/bench_import.py [--runs 7]

The input is the CloudFormation template ``wsspec build`` writes for a generated 300-route spec
(benchmarks/gen_spec.py). Table 1 times the whole process, median of N runs, in the same run:
``wsspec import template.yaml -o api.yaml`` and ``wsspec build api.yaml --target
cloudformation``; the target is import < 2x build. Table 2 times the stages in process, and
the Terraform input for comparison (python-hcl2 parses HCL far slower than libyaml parses YAML).
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

TARGET_RATIO = 2.0


def median_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")


def wsspec(*args: str) -> list[str]:
    return [sys.executable, "-m", "wsspec", *args]


def project(tmp: Path, routes: int) -> tuple[Path, Path]:
    """A generated spec with its handlers, and the CloudFormation template built from it."""
    spec = write(routes, tmp)
    from wsspec.validate import validate_file

    model = validate_file(str(spec)).spec
    assert model is not None
    for fn in model.functions:
        path = tmp / fn.handler_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"def handler(event, context):\n    return {{'fn': '{fn.name}'}}\n")
    run(
        wsspec(
            "build", str(spec), "-t", "cloudformation", "-t", "terraform", "-o", str(tmp / "built")
        )
    )
    (built,) = [p for p in (tmp / "built").iterdir() if p.is_dir()]
    return built / "cloudformation" / "template.yaml", built / "terraform"


def in_process(runs: int, template: Path, terraform: Path, out: Path) -> list[tuple[str, float]]:
    from wsspec.build import build_outputs
    from wsspec.importers import ImportOptions, import_path
    from wsspec.validate import validate_file

    opts = ImportOptions(out_dir=str(out.parent))
    rows = [
        (
            "import CloudFormation (read, assemble, emit, validate)",
            median_of(runs, lambda: import_path(str(template), opts)),
        )
    ]
    rows.append(
        (
            "import Terraform (python-hcl2 parse included)",
            median_of(max(1, runs // 2), lambda: import_path(str(terraform), opts)),
        )
    )
    out.write_text(import_path(str(template), opts).text)

    def build() -> None:
        spec = validate_file(str(out)).spec
        assert spec is not None
        build_outputs(spec, ["cloudformation"], out.parent / "inproc")

    rows.append(("build CloudFormation (validate, zips, render)", median_of(runs, build)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--routes", type=int, default=300)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wsspec-bench-import-"))
    try:
        template, terraform = project(tmp, args.routes)
        out = tmp / "imported" / "api.yaml"
        out.parent.mkdir()
        shutil.copytree(tmp / "handlers", out.parent / "handlers")
        imp = median_of(args.runs, lambda: run(wsspec("import", str(template), "-o", str(out))))
        bld = median_of(
            args.runs,
            lambda: run(
                wsspec("build", str(out), "-t", "cloudformation", "-o", str(tmp / "rebuilt"))
            ),
        )
        ratio = imp / bld
        print(f"whole process, {args.routes} routes, median of {args.runs} runs (same run)")
        print(f"  {'command':<58} {'seconds':>8}")
        print(f"  {'wsspec import template.yaml -o api.yaml':<58} {imp:>8.3f}")
        print(f"  {'wsspec build api.yaml --target cloudformation':<58} {bld:>8.3f}")
        verdict = "ok" if ratio < TARGET_RATIO else "OVER TARGET"
        print(
            f"  {'ratio import / build':<58} {ratio:>8.2f}  (target < {TARGET_RATIO:g}: {verdict})"
        )
        print()
        print(f"in process, median of {args.runs} runs")
        for label, seconds in in_process(args.runs, template, terraform, out):
            print(f"  {label:<58} {seconds:>8.3f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
