"""`wsspec serve` on uvloop against the standard library's event loop, in alternation.

    python benchmarks/bench_serve_loops.py [--pairs 4] [--clients 10] [--messages 1500]

Two `serve` processes with the same one-route spec (a Python two-way echo), one per loop
(`--loop asyncio`, `--loop uvloop`), loaded in turn, pair after pair, so both see the same
machine: a VM's speed changes within a minute, which moves whole runs of bench_serve.py more
than the loop does. For each: messages/s, and the CPU per message of the gateway process and of
its function workers, read from /proc. The table shows the medians and, per pair, uvloop's
gateway CPU as a fraction of asyncio's. Needs uvloop installed (the `serve` extra).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_serve import ECHO, load, start, stop  # noqa: E402
from tests.servers import free_port  # noqa: E402

SPEC = """
wsspec: 1
api: {name: loops}
routes:
  echo: {function: echo, response: true}
functions:
  echo: {handler: handlers/echo.py}
stages:
  prod: {throttling: {burst: 5000, rate: 10000}}
"""
LOOPS = ("asyncio", "uvloop")


def cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text()
    f = fields[fields.rfind(")") + 2 :].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=4)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--messages", type=int, default=1500)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-loops-"))
    (tmp / "handlers").mkdir()
    (tmp / "handlers" / "echo.py").write_text(textwrap.dedent(ECHO))
    (tmp / "spec.yaml").write_text(textwrap.dedent(SPEC))
    servers: dict[str, tuple[subprocess.Popen[str], int]] = {}
    rows: dict[str, list[tuple[float, float, float]]] = {loop: [] for loop in LOOPS}
    sent = a.clients * (a.messages + 20)
    try:
        for loop in LOOPS:
            port = free_port()
            cmd = [sys.executable, "-m", "wsspec", "serve", str(tmp / "spec.yaml")]
            cmd += ["--port", str(port), "--quiet", "--no-reload", "--loop", loop]
            servers[loop] = (start(cmd, "Ctrl-C to stop", cwd=ROOT), port)
        for _, port in servers.values():  # start the workers before measuring
            asyncio.run(load(f"ws://127.0.0.1:{port}/prod", a.clients, 20, "echo"))
        for _ in range(a.pairs):
            for loop, (proc, port) in servers.items():
                kids = children(proc.pid)
                g0, w0 = cpu(proc.pid), {k: cpu(k) for k in kids}
                rate, _ = asyncio.run(
                    load(f"ws://127.0.0.1:{port}/prod", a.clients, a.messages, "echo")
                )
                gateway = (cpu(proc.pid) - g0) / sent * 1e6
                workers = sum(cpu(k) - w0[k] for k in kids) / sent * 1e6
                rows[loop].append((rate, gateway, workers))
    finally:
        for proc, _ in servers.values():
            stop(proc)
    print(f"\n{a.pairs} alternating pairs, {a.clients} clients x {a.messages} round trips each\n")
    print(f"{'loop':<10}{'msg/s':>8}{'gateway us/msg':>16}{'workers us/msg':>16}")
    for loop in LOOPS:
        med = [statistics.median(r[i] for r in rows[loop]) for i in range(3)]
        print(f"{loop:<10}{med[0]:>8.0f}{med[1]:>16.0f}{med[2]:>16.0f}")
    ratios = [u[1] / s[1] for u, s in zip(rows["uvloop"], rows["asyncio"])]
    print(
        "\nuvloop's gateway CPU per message / asyncio's, per pair: "
        + ", ".join(f"{r:.2f}" for r in ratios)
    )


if __name__ == "__main__":
    main()
