"""What monitoring costs the direct deploy (issue 9), against ONE moto server on 127.0.0.1.

    python benchmarks/bench_monitoring.py [--repeat 3]

chat.yaml without its ``monitoring`` key (the baseline, measured in the same run) and with
``monitoring: recommended`` (16 alarms, retention on 3 log groups): a deploy from empty and
the no-op redeploy (median of ``--repeat``), with the API calls each makes (botocore hook).
The no-op reads one ``DescribeAlarms`` page plus one ``ListTagsForResource`` per alarm (the
ownership tag) and writes nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.deploy_util import Counter, deploy, load, project  # noqa: E402
from tests.servers import FAKE_AWS_ENV, MotoServer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    os.environ.update(FAKE_AWS_ENV)
    server = MotoServer().start()
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for label, keep in (
                ("chat, no monitoring (baseline)", False),
                ("chat, monitoring: recommended", True),
            ):
                data = yaml.safe_load((ROOT / "samples" / "chat.yaml").read_text())
                if not keep:
                    data.pop("monitoring", None)
                spec = load(project(Path(tmp) / label.split()[-1].strip("()"), "chat", data))
                first: list[float] = []
                noop: list[float] = []
                for _ in range(args.repeat):
                    server.reset()
                    c1 = Counter()
                    t = time.perf_counter()
                    deploy(spec, server.url, counter=c1)
                    first.append(time.perf_counter() - t)
                    c2 = Counter()
                    t = time.perf_counter()
                    deploy(spec, server.url, counter=c2)
                    noop.append(time.perf_counter() - t)
                rows.append(
                    (
                        label,
                        statistics.median(first),
                        len(c1.calls),
                        statistics.median(noop),
                        len(c2.calls),
                        len(c2.writes),
                    )
                )
    finally:
        server.stop()
    base = rows[0]
    print(f"medians of {args.repeat}, one moto server")
    print("| spec | deploy from empty, s | calls | no-op redeploy, s | calls | writes |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, f, fc, n, nc, nw in rows:
        print(
            f"| {label} | {f:.2f} ({f / base[1]:.2f}×) | {fc} | {n:.2f} ({n / base[3]:.2f}×) | {nc} | {nw} |"
        )


if __name__ == "__main__":
    main()
