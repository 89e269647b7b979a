"""Large APIs (issue 8): the 300- and 3,000-route specs end to end, on ONE moto server.

    python benchmarks/bench_large.py [--repeat 3] [--routes 300,3000] [--no-terraform]
                                     [--tf-budget 300]

Per spec (benchmarks/gen_spec.py's mix, handler files written into a temp project dir):

* whole-process ``wsspec validate`` and ``wsspec build`` (each target alone, then all targets),
  beside ``python -c pass`` (interpreter start-up, the floor of any CLI run);
* ``wsspec deploy`` from empty (in process, the CLI's code minus printing) beside a plain
  sequential boto3 script creating the same resources (benchmarks/boto3_baseline.py);
* the no-op redeploy, in process and through the real CLI (subprocess, start-up included);
* ``terraform init`` + ``apply`` of wsspec's own Terraform output against the same server
  (provider endpoints through a benchmark-only override file, providers from the local mirror
  as in tests/servers.py), then a no-op ``apply``. The 3,000-route apply is estimated from the
  300-route one (linear in resources); if the estimate exceeds ``--tf-budget`` seconds it is
  skipped with the reason printed, and a started apply is killed at the budget.

Medians of ``--repeat`` runs (deploy-from-empty and terraform: fewer for 3,000 routes, noted in
the table). Per-route cost = median / routes.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_deploy import SERVICES_TF
from benchmarks.boto3_baseline import create_all
from benchmarks.gen_spec import generate
from tests.deploy_util import Counter, deploy, load, project
from tests.servers import (
    FAKE_AWS_ENV,
    MotoServer,
    find_terraform,
    terraform_cli_config,
    terraform_env,
)

Row = tuple[str, str, "float | None", str]  # spec, what, seconds, ratio/comment


def median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, extra = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        extra = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), extra


def cli(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Callable[[], None]:
    def run() -> None:
        p = subprocess.run(
            [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:4])} failed ({p.returncode}): {p.stderr[-300:]}")

    return run


# ----------------------------------------------------------------------------- terraform
def terraform(
    spec_path: Path, url: str, work: Path, budget: float
) -> tuple[float, float, float] | str:
    """(init s, apply-from-empty s, no-op apply s) or the reason there is no figure."""
    binary, mirror, reason = find_terraform()
    if binary is None or mirror is None:
        return reason
    out = work / "tfbuild"
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "wsspec",
            "build",
            str(spec_path),
            "-t",
            "terraform",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=spec_path.parent,
        check=False,
    )
    if p.returncode != 0:
        return f"wsspec build failed: {p.stderr.strip()[-200:]}"
    (tfdir,) = list(out.glob("*/terraform"))
    eps = "\n".join(f'    {s} = "{url}"' for s in SERVICES_TF)
    (tfdir / "bench_override.tf").write_text(
        'provider "aws" {\n  access_key = "testing"\n  secret_key = "testing"\n'
        "  skip_credentials_validation = true\n  skip_requesting_account_id = true\n"
        "  skip_metadata_api_check = true\n  skip_region_validation = true\n"
        f"  endpoints {{\n{eps}\n  }}\n}}\n"
    )
    env = terraform_env(terraform_cli_config(work, mirror), work / "plugin-cache")
    env.update(FAKE_AWS_ENV)

    def tf(*args: str, timeout: float = 1800) -> float:
        t = time.perf_counter()
        r = subprocess.run(
            [binary, *args],
            cwd=tfdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if r.returncode != 0:
            raise RuntimeError(
                f"terraform {args[0]} failed: {(r.stderr or r.stdout).strip()[-300:]}"
            )
        return time.perf_counter() - t

    try:
        t_init = tf("init", "-input=false", "-no-color")
        t_apply = tf("apply", "-auto-approve", "-input=false", "-no-color", timeout=budget)
        t_noop = tf("apply", "-auto-approve", "-input=false", "-no-color", timeout=budget)
    except subprocess.TimeoutExpired:
        return f"terraform apply killed at the {budget:.0f} s budget"
    except Exception as exc:  # noqa: BLE001
        return str(exc).splitlines()[0][:300]
    return t_init, t_apply, t_noop


# ----------------------------------------------------------------------------- one spec
def bench(
    n: int,
    server: MotoServer,
    work: Path,
    repeat: int,
    tf_state: dict[str, Any],
    use_tf: bool,
    budget: float,
) -> list[Row]:
    name = f"{n}"
    path = project(work / f"big{n}", None, data=generate(n, name=f"big{n}"))
    d = path.parent
    env = {**os.environ, **FAKE_AWS_ENV, "PYTHONPATH": str(ROOT)}
    rows: list[Row] = []
    floor, _ = median_time(cli(["-c", "pass"], d), repeat)
    t_val, _ = median_time(cli(["-m", "wsspec", "validate", str(path)], d, env), repeat)
    rows.append((name, "python -c pass (start-up floor)", floor, "1.00x"))
    rows.append((name, "wsspec validate", t_val, f"{t_val / floor:.1f}x start-up"))
    for targets in (["cloudformation"], ["terraform"], ["stubs"], []):
        label = "+".join(targets) if targets else "all targets"
        args = ["-m", "wsspec", "build", str(path), "-o", str(d / "out")]
        for t in targets:
            args += ["-t", t]
        cli(args, d, env)()  # warm: first build writes; the timed ones find files unchanged
        t_b, _ = median_time(cli(args, d, env), repeat)
        rows.append((name, f"wsspec build ({label})", t_b, f"{t_b / floor:.1f}x start-up"))

    spec = load(path)
    url = server.url
    dep_repeat = repeat if n <= 300 else max(1, repeat // 2)

    def baseline() -> int:
        server.reset()
        c = Counter()
        create_all(spec, url, on_call=c)
        return len(c.calls)

    def from_empty() -> int:
        server.reset()
        c = Counter()
        deploy(spec, url, counter=c)
        return len(c.calls)

    t_base, n_base = median_time(baseline, dep_repeat)
    t_empty, n_empty = median_time(from_empty, dep_repeat)
    rows.append((name, f"boto3 script, from empty ({n_base} calls)", t_base, "1.00x (baseline)"))
    rows.append(
        (
            name,
            f"wsspec deploy, from empty ({n_empty} calls)",
            t_empty,
            f"{t_empty / t_base:.2f}x boto3 script",
        )
    )

    def noop() -> int:
        c = Counter()
        s, _, _ = deploy(spec, url, counter=c)
        assert s.plan.empty and not c.writes, s.plan.as_dict()
        return len(c.calls)

    t_noop, n_noop = median_time(noop, repeat)
    t_cli, _ = median_time(
        cli(["-m", "wsspec", "deploy", str(path), "--yes", "--endpoint-url", url], d, env), repeat
    )
    rows.append((name, f"wsspec deploy, no-op ({n_noop} reads, 0 writes)", t_noop, "in process"))
    rows.append((name, "wsspec deploy CLI, no-op", t_cli, f"{t_cli / floor:.1f}x start-up"))

    if use_tf:
        estimate = tf_state.get("per_route_apply")
        if estimate is not None and estimate * n > budget:
            reason = (
                f"skipped: estimated {estimate * n:.0f} s from the smaller spec's "
                f"{estimate * 1000:.1f} ms/route (budget {budget:.0f} s)"
            )
            rows.append((name, "terraform init + apply", None, reason))
        else:
            server.reset()
            tf = terraform(path, url, work / f"tf{n}", budget)
            if isinstance(tf, str):
                rows.append((name, "terraform init + apply", None, f"no figure: {tf}"))
            else:
                t_init, t_apply, t_tf_noop = tf
                tf_state["per_route_apply"] = t_apply / n
                ratio = (
                    f"{(t_init + t_apply) / t_empty:.1f}x wsspec deploy "
                    f"(apply alone {t_apply:.1f} s, once)"
                )
                rows.append((name, "terraform init + apply, from empty", t_init + t_apply, ratio))
                rows.append(
                    (
                        name,
                        "terraform apply, no-op",
                        t_tf_noop,
                        f"{t_tf_noop / t_noop:.1f}x wsspec no-op (once)",
                    )
                )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--routes", default="300,3000")
    ap.add_argument("--no-terraform", action="store_true")
    ap.add_argument("--tf-budget", type=float, default=300.0, help="seconds allowed per apply")
    a = ap.parse_args()
    os.environ.update(FAKE_AWS_ENV)
    work = Path(tempfile.mkdtemp(prefix="wsspec-bench-large-"))
    server = MotoServer().start()
    rows: list[Row] = []
    tf_state: dict[str, Any] = {}
    try:
        for n in sorted(int(x) for x in a.routes.split(",")):
            rows += bench(n, server, work, a.repeat, tf_state, not a.no_terraform, a.tf_budget)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'routes':>6}  {'what':<48} {'median s':>9} {'ms/route':>9}  ratio")
    for spec, what, t, ratio in rows:
        ts = f"{t:9.3f}" if t is not None else f"{'-':>9}"
        per = f"{t * 1000 / int(spec):9.2f}" if t is not None else f"{'-':>9}"
        print(f"{spec:>6}  {what:<48} {ts} {per}  {ratio}")


if __name__ == "__main__":
    main()
