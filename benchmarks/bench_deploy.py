"""Deploy benchmark (issues 6 and 8), all against ONE moto server started here on 127.0.0.1.

    python benchmarks/bench_deploy.py [--repeat 3] [--routes 300] [--no-terraform]

Rows per spec (chat.yaml and the generated N-route spec): ``wsspec deploy`` from empty, the
no-op redeploy, a one-route change (in-process, same code as the CLI minus printing; plus the
no-op through the real CLI in a subprocess), beside (a) a plain sequential boto3 script that
creates the same resources (benchmarks/boto3_baseline.py) and (b) ``terraform init`` +
``terraform apply`` of wsspec's own Terraform output against the same server (provider
endpoints through a benchmark-only override file). Medians of ``--repeat`` runs; API calls
counted with a botocore event hook. Terraform runs once per row (it is slow).
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

import yaml  # noqa: E402

from benchmarks.boto3_baseline import create_all  # noqa: E402
from benchmarks.gen_spec import generate  # noqa: E402
from tests.deploy_util import Counter, deploy, load, project  # noqa: E402
from tests.servers import (  # noqa: E402
    FAKE_AWS_ENV,
    MotoServer,
    find_terraform,
    terraform_cli_config,
    terraform_env,
)

SERVICES_TF = (
    "apigateway",
    "apigatewayv2",
    "cloudwatchlogs",
    "dynamodb",
    "iam",
    "lambda",
    "sts",
    "logs",
)


def median_time(fn, repeat):
    times, extra = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        extra = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), extra


def terraform_row(spec_path: Path, url: str, work: Path) -> tuple[float, float, float] | str:
    """(init s, apply-from-empty s, no-op apply s) or the reason the row is missing."""
    try:
        import wsspec.targets.terraform  # noqa: F401
    except Exception as exc:  # noqa: BLE001
        return f"terraform target missing ({type(exc).__name__})"
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
            "-t",
            "stubs",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    if p.returncode != 0:
        return f"wsspec build failed: {p.stderr.strip()[-200:]}"
    tfdirs = list(out.glob("*/terraform"))
    if not tfdirs:
        return "no terraform output"
    tfdir = tfdirs[0]
    eps = "\n".join(f'    {s} = "{url}"' for s in SERVICES_TF)
    (tfdir / "bench_override.tf").write_text(
        'provider "aws" {\n  access_key = "testing"\n  secret_key = "testing"\n'
        "  skip_credentials_validation = true\n  skip_requesting_account_id = true\n"
        "  skip_metadata_api_check = true\n  skip_region_validation = true\n"
        f"  endpoints {{\n{eps}\n  }}\n}}\n"
    )
    env = terraform_env(terraform_cli_config(work, mirror), work / "plugin-cache")
    env.update(FAKE_AWS_ENV)

    def tf(*args):
        t = time.perf_counter()
        r = subprocess.run(
            [binary, *args], cwd=tfdir, env=env, capture_output=True, text=True, timeout=1800
        )
        if r.returncode != 0:
            raise RuntimeError(
                f"terraform {args[0]} failed: {(r.stderr or r.stdout).strip()[-400:]}"
            )
        return time.perf_counter() - t

    try:
        t_init = tf("init", "-input=false", "-no-color")
        t_apply = tf("apply", "-auto-approve", "-input=false", "-no-color")
        t_noop = tf("apply", "-auto-approve", "-input=false", "-no-color")
    except Exception as exc:  # noqa: BLE001
        return str(exc).splitlines()[0][:300]
    return t_init, t_apply, t_noop


def bench(
    name: str, path: Path, server: MotoServer, repeat: int, use_tf: bool, work: Path
) -> list[tuple]:
    url = server.url
    spec = load(path)
    rows = []

    def from_empty():
        server.reset()
        c = Counter()
        deploy(spec, url, counter=c)
        return len(c.calls)

    t_empty, n_empty = median_time(from_empty, repeat)

    def noop():
        c = Counter()
        s, _, _ = deploy(spec, url, counter=c)
        assert s.plan.empty, s.plan.as_dict()
        return len(c.calls), len(c.writes)

    t_noop, (n_noop, w_noop) = median_time(noop, repeat)
    env = {**os.environ, **FAKE_AWS_ENV}
    t_cli_noop, _ = median_time(
        lambda: subprocess.run(
            [sys.executable, "-m", "wsspec", "deploy", str(path), "--yes", "--endpoint-url", url],
            capture_output=True,
            env=env,
            check=True,
        ),
        repeat,
    )

    # one-route change: alternate a route between two functions
    data = yaml.safe_load(path.read_text())
    key = next(k for k, v in data["routes"].items() if not k.startswith("$") and "function" in v)
    other = [f for f in data["functions"] if f != data["routes"][key]["function"]][0]
    changed = path.with_name(path.stem + "-changed.yaml")
    data["routes"][key] = {"function": other}
    changed.write_text(yaml.safe_dump(data, sort_keys=False))
    spec2 = load(changed)

    def one_change():
        c = Counter()
        deploy(spec2, url, counter=c)
        c2 = Counter()
        deploy(spec, url, counter=c2)  # and back (both directions are one-route changes)
        return len(c.calls), len(c.writes)

    t_change2, (n_change, w_change) = median_time(one_change, repeat)

    def baseline():
        server.reset()
        c = Counter()
        create_all(spec, url, on_call=c)
        return len(c.calls)

    t_base, n_base = median_time(baseline, repeat)
    rows.append((name, "boto3 script, from empty", t_base, n_base, "1.00x (baseline)"))
    rows.append(
        (name, "wsspec deploy, from empty", t_empty, n_empty, f"{t_empty / t_base:.2f}x boto3")
    )
    server.reset()
    deploy(spec, url)
    t_noop, (n_noop, w_noop) = median_time(noop, repeat)
    rows.append((name, "wsspec deploy, no-op", t_noop, n_noop, f"{w_noop} writes"))
    rows.append((name, "wsspec deploy CLI, no-op", t_cli_noop, None, "subprocess, incl. start-up"))
    rows.append(
        (name, "wsspec deploy, one-route change", t_change2 / 2, n_change, f"{w_change} writes")
    )
    if use_tf:
        server.reset()
        tf = terraform_row(path, url, work / f"tf-{name}")
        if isinstance(tf, str):
            rows.append((name, "terraform init+apply", None, None, f"row missing: {tf}"))
        else:
            t_init, t_apply, t_tf_noop = tf
            rows.append(
                (
                    name,
                    "terraform init + apply, from empty",
                    t_init + t_apply,
                    None,
                    f"wsspec {(t_init + t_apply) / t_empty:.1f}x faster (apply alone {t_apply:.2f}s)",
                )
            )
            rows.append(
                (
                    name,
                    "terraform apply, no-op",
                    t_tf_noop,
                    None,
                    f"wsspec {t_tf_noop / t_noop:.1f}x faster",
                )
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--routes", type=int, default=300)
    ap.add_argument("--no-terraform", action="store_true")
    a = ap.parse_args()
    os.environ.update(FAKE_AWS_ENV)
    work = Path(tempfile.mkdtemp(prefix="wsspec-bench-"))
    server = MotoServer().start()
    try:
        chat = project(work / "chat", "chat")
        big = project(work / f"big{a.routes}", None, data=generate(a.routes, name=f"big{a.routes}"))
        rows = bench("chat", chat, server, a.repeat, not a.no_terraform, work)
        rows += bench(f"big{a.routes}", big, server, a.repeat, not a.no_terraform, work)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'spec':<8} {'what':<36} {'median s':>9} {'API calls':>10}  ratio")
    for spec, what, t, n, ratio in rows:
        ts = f"{t:9.3f}" if t is not None else f"{'-':>9}"
        ns = f"{n:10d}" if n is not None else f"{'-':>10}"
        print(f"{spec:<8} {what:<36} {ts} {ns}  {ratio}")


if __name__ == "__main__":
    main()
