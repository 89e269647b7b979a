"""Whole-process timing of the `wsspec validate` console script next to check-jsonschema.

    python benchmarks/bench_validate.py [--runs 15] [--max-ratio 0.6]

Files: samples/chat.yaml and a generated 300-route spec (benchmarks/gen_spec.py). Every
command runs as a fresh process: `python -c pass`, check-jsonschema's console script and
wsspec's console script (the `wsspec` a user or pre-commit runs, made by `pip install`), both
taken from this interpreter's scripts directory, with this checkout first on PYTHONPATH. The
commands take turns run by run, so a change in machine load touches all of them alike.
Bytecode is cached in a temporary PYTHONPYCACHEPREFIX (warmed up first) so the figures match
an installed package, not a first import. Prints the median of each command, its ratios to
`python -c pass` and to check-jsonschema on the same file (wall time, and CPU time, which a busy
machine disturbs less); exits 1 when the wall-time ratio of `wsspec validate` to
check-jsonschema is above --max-ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.gen_spec import write


def console_script(name: str) -> Path:
    """The console script ``name`` installed for this interpreter (not a shell shim)."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        path = Path(folder) / name
        if path.is_file():
            return path
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"no `{name}` console script: pip install -e '.[test]' first")
    return Path(found)


def check_checkout(env: dict[str, str]) -> None:
    """Fail unless the wsspec console script imports this checkout (not another install)."""
    script = console_script("wsspec")
    first = script.read_text(errors="replace").splitlines()[0]
    python = first[2:].strip() if first.startswith("#!") else sys.executable
    proc = subprocess.run(
        [python, "-c", "import wsspec; print(wsspec.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    where = Path(proc.stdout.strip() or ".").resolve()
    if ROOT not in where.parents:
        raise SystemExit(f"{script} imports wsspec from {where}, not from {ROOT}")


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one run of ``cmd``."""
    t = time.perf_counter()
    if not hasattr(os, "wait4"):  # no per-child CPU figures on this platform
        subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, check=False)
        return time.perf_counter() - t, float("nan")
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t, usage.ru_utime + usage.ru_stime


def median_times(
    cmds: dict[tuple[str, str], list[str]], env: dict[str, str], runs: int
) -> dict[tuple[str, str], tuple[float, float]]:
    """Median (wall, CPU) of each command; one warm-up each, then the commands take turns."""
    times: dict[tuple[str, str], list[tuple[float, float]]] = {key: [] for key in cmds}
    for cmd in cmds.values():  # warm-up (bytecode cache)
        run_once(cmd, env)
    for _ in range(runs):
        for key, cmd in cmds.items():
            times[key].append(run_once(cmd, env))
    return {
        key: (statistics.median(w for w, _ in ts), statistics.median(c for _, c in ts))
        for key, ts in times.items()
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--max-ratio", type=float, default=0.6)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wsspec-bench-"))
    over: list[str] = []
    try:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
        check_checkout(env)
        files = {
            "chat.yaml": str(ROOT / "samples" / "chat.yaml"),
            "300 routes": str(write(300, tmp)),
        }
        schema = str(ROOT / "schemas" / "wsspec.schema.json")
        cj, ws = str(console_script("check-jsonschema")), str(console_script("wsspec"))
        cmds = {("python -c pass", "-"): [sys.executable, "-c", "pass"]}
        for label, path in files.items():
            cmds[("check-jsonschema --schemafile", label)] = [cj, "--schemafile", schema, path]
            cmds[("wsspec validate", label)] = [ws, "validate", path]
        med = median_times(cmds, env, args.runs)
        base = med[("python -c pass", "-")][0]
        print(f"{args.runs} runs each; wsspec = {ws}")
        print(
            f"{'command':<30} {'file':<10} {'wall s':>7} {'cpu s':>6} {'x pass':>6} "
            f"{'x check-jsonschema (wall / cpu)':>31}"
        )
        for (name, label), (wall, cpu) in med.items():
            ref = med.get(("check-jsonschema --schemafile", label))
            ratio = f"{wall / ref[0]:.2f} / {cpu / ref[1]:.2f}" if ref else "-"
            print(
                f"{name:<30} {label:<10} {wall:>7.3f} {cpu:>6.3f} {wall / base:>6.1f} {ratio:>31}"
            )
            if ref and name == "wsspec validate" and wall / ref[0] > args.max_ratio:
                over.append(f"{label} ({wall / ref[0]:.2f})")
        verdict = "over on " + ", ".join(over) if over else "within"
        print(
            f"wsspec validate / check-jsonschema (wall): {verdict} the limit of {args.max_ratio:.2f}"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
