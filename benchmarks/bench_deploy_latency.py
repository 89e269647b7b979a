"""Deploy speed against AWS-like latency and throttling (issue 24).

    python benchmarks/bench_deploy_latency.py [--latency 0.05] [--rate 10] [--no-terraform]

One moto server on 127.0.0.1 behind tests/awsproxy.py, which holds every call ``--latency``
seconds (±20 % jitter) and, for the throttled rows, answers calls above ``--rate`` per second
per API family with AWS's throttling errors. Every ratio compares rows of the same run.

Rows, for a 30-route spec (3 functions) and a 299-route spec (10 functions):

- a naive sequential boto3 script creating the same resources (benchmarks/boto3_baseline.py)
  and ``wsspec deploy`` from an empty account (in process: the CLI's code minus printing);
- the no-op redeploy, in process and through the CLI (a subprocess, Python start-up included);
- the sequential script deleting everything, and ``wsspec destroy``;
- 299 routes with throttling on: ``wsspec deploy`` from empty, beside the time the rate limit
  itself implies (the busiest family's successful calls beyond its burst, divided by the rate),
  and the no-op redeploy after it (the deploy converged);
- ``terraform init`` + ``apply`` of wsspec's Terraform output through the same proxy (no
  throttling), measured once as a reference.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_deploy import terraform_row  # noqa: E402
from benchmarks.boto3_baseline import create_all, destroy_all  # noqa: E402
from benchmarks.gen_spec import generate  # noqa: E402
from tests.awsproxy import AwsProxy  # noqa: E402
from tests.deploy_util import Counter, deploy, load, project  # noqa: E402
from tests.servers import FAKE_AWS_ENV, MotoServer  # noqa: E402

Row = tuple[str, str, float | None, int | None, str]
SPECS = (("30 routes", 30, 10), ("299 routes", 299, 28))  # (name, routes, own_every)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def bench_spec(name: str, path: Path, server: MotoServer, proxy: AwsProxy) -> list[Row]:
    url = proxy.url
    spec = load(path)
    rows: list[Row] = []

    server.reset()
    base = Counter()
    t_base, _ = timed(lambda: create_all(spec, url, on_call=base))
    rows.append((name, "boto3 script, sequential, from empty", t_base, len(base.calls), "1.00"))

    server.reset()
    c = Counter()
    t_deploy, _ = timed(lambda: deploy(spec, url, counter=c))
    rows.append(
        (name, "wsspec deploy, from empty", t_deploy, len(c.calls), f"{t_deploy / t_base:.2f}")
    )

    c = Counter()
    t_noop, (session, _, _) = timed(lambda: deploy(spec, url, counter=c))
    assert session.plan.empty, session.plan.as_dict()
    rows.append(
        (name, "wsspec deploy, no-op (in process)", t_noop, len(c.calls), f"{len(c.writes)} writes")
    )
    env = {**os.environ, **FAKE_AWS_ENV}
    cmd = [sys.executable, "-m", "wsspec", "deploy", str(path), "--yes", "--endpoint-url", url]
    t_cli, _ = timed(lambda: subprocess.run(cmd, capture_output=True, env=env, check=True))
    rows.append((name, "wsspec deploy, no-op (CLI)", t_cli, None, "incl. Python start-up"))

    c = Counter()
    t_destroy, _ = timed(lambda: deploy(spec, url, counter=c, destroy=True))
    server.reset()
    create_all(spec, url)
    base_d = Counter()
    t_base_d, _ = timed(lambda: destroy_all(spec, url, on_call=base_d))
    rows.append((name, "boto3 script, sequential, destroy", t_base_d, len(base_d.calls), "1.00"))
    rows.append((name, "wsspec destroy", t_destroy, len(c.calls), f"{t_destroy / t_base_d:.2f}"))
    return rows


def bench_throttled(name: str, path: Path, server: MotoServer, proxy: AwsProxy) -> list[Row]:
    spec = load(path)
    server.reset()
    proxy.reset_stats()
    c = Counter()
    t, _ = timed(lambda: deploy(spec, proxy.url, counter=c))
    rate = proxy.rate or 1.0
    burst = proxy.burst or rate
    ok = {f: s.calls - s.throttled for f, s in proxy.stats.items()}
    busiest = max(ok, key=lambda f: ok[f])
    implied = max(0.0, ok[busiest] - burst) / rate
    throttled = sum(s.throttled for s in proxy.stats.values())
    rows: list[Row] = [
        (
            name,
            f"wsspec deploy, from empty, {rate:g} calls/s per family",
            t,
            len(c.calls),
            f"{t / implied:.2f} of the {implied:.1f} s the limit implies "
            f"({busiest}: {ok[busiest]} calls; {throttled} throttled)",
        )
    ]
    c = Counter()
    t_noop, (session, _, _) = timed(lambda: deploy(spec, proxy.url, counter=c))
    assert session.plan.empty, session.plan.as_dict()
    rows.append((name, "then a no-op redeploy (converged)", t_noop, len(c.calls), "0 changes"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--rate", type=float, default=10.0)
    ap.add_argument("--no-terraform", action="store_true")
    ap.add_argument("--only", choices=("latency", "throttled", "terraform"), default=None)
    a = ap.parse_args()
    os.environ.update(FAKE_AWS_ENV)
    work = Path(tempfile.mkdtemp(prefix="wsspec-bench-latency-"))
    server = MotoServer().start()
    rows: list[Row] = []
    try:
        paths = {
            name: project(work / name.replace(" ", ""), None, data=generate(n, own_every=k))
            for name, n, k in SPECS
        }
        # moto imports and sets up each service on its first call (seconds on a busy machine):
        # warm it up so that the first row measured does not pay for it
        create_all(load(paths["30 routes"]), server.url)
        deploy(load(paths["30 routes"]), server.url)
        server.reset()
        if a.only in (None, "latency"):
            with AwsProxy(server.url, latency=a.latency) as proxy:
                for name, path in paths.items():
                    rows += bench_spec(name, path, server, proxy)
        if a.only in (None, "throttled"):
            with AwsProxy(server.url, latency=a.latency, rate=a.rate) as proxy:
                rows += bench_throttled("299 routes", paths["299 routes"], server, proxy)
        if a.only == "terraform" or (a.only is None and not a.no_terraform):
            server.reset()
            with AwsProxy(server.url, latency=a.latency) as proxy:
                t, tf = timed(lambda: terraform_row(paths["299 routes"], proxy.url, work / "tf"))
            if isinstance(tf, str):
                rows.append(("299 routes", "terraform init + apply", None, None, f"missing: {tf}"))
            else:
                t_init, t_apply, t_noop = tf
                rows.append(("299 routes", "terraform init", t_init, None, "once"))
                rows.append(("299 routes", "terraform apply, from empty", t_apply, None, "once"))
                rows.append(("299 routes", "terraform apply, no-op", t_noop, None, "once"))
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nlatency {a.latency * 1000:.0f} ms per call (±20 %)")
    print(f"{'spec':<11} {'what':<48} {'seconds':>8} {'calls':>6}  ratio / note")
    for spec, what, t, n, note in rows:
        ts = f"{t:8.2f}" if t is not None else f"{'-':>8}"
        ns = f"{n:6d}" if n is not None else f"{'-':>6}"
        print(f"{spec:<11} {what:<48} {ts} {ns}  {note}")


if __name__ == "__main__":
    main()
