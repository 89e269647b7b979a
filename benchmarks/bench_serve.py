"""Benchmark `wsspec serve` on 127.0.0.1 (bounded; stops by itself).

  (a) a bare `websockets` echo server (compression off)      -- the baseline
  (b) `wsspec serve` with a two-way echo route (Python handler in a worker process)
  (c) `wsspec serve` with a handler that echoes through boto3 `post_to_connection`

Same client load for each: C clients, each sending M messages one at a time and waiting for
the reply (round trip). Prints messages/s, p50/p99 latency and ratios to (a). Then idle memory:
server RSS growth per connection with N open, idle connections.

    python benchmarks/bench_serve.py [--clients 10] [--messages 1000] [--idle 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import free_port

ECHO_SERVER = """
import asyncio, sys
from websockets.asyncio.server import serve

async def echo(ws):
    async for m in ws:
        await ws.send(m)

async def main():
    async with serve(echo, "127.0.0.1", int(sys.argv[1]), compression=None, max_size=2**17):
        print("ready", flush=True)
        await asyncio.Future()

asyncio.run(main())
"""

SPEC = """
wsspec: 1
api: {name: bench}
routes:
  echo: {function: echo, response: true}
  bounce: {function: bounce}
functions:
  echo: {handler: handlers/echo.py}
  bounce: {handler: handlers/bounce.py, grants: [manage_connections]}
"""
ECHO = """
def handler(event, context):
    return {"statusCode": 200, "body": event["body"]}
"""
BOUNCE = """
import os, boto3

api = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["WSSPEC_CALLBACK_URL"])

def handler(event, context):
    api.post_to_connection(ConnectionId=event["requestContext"]["connectionId"],
                           Data=event["body"].encode())
    return {"statusCode": 200}
"""


def raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start(cmd: list[str], ready: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=cwd)
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        if ready in line:
            return proc
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise RuntimeError(f"server did not start: {cmd}")


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def load(url: str, clients: int, messages: int, action: str) -> tuple[float, list[float]]:
    from websockets.asyncio.client import connect

    lat: list[float] = []
    payload = '{"action": "%s", "data": "%s"}' % (action, "x" * 64)

    async def one() -> None:
        async with connect(url, compression=None, open_timeout=30) as ws:
            for _ in range(20):  # warm-up (worker start, imports)
                await ws.send(payload)
                await ws.recv()
            await ready.wait()
            for _ in range(messages):
                t = time.perf_counter()
                await ws.send(payload)
                await asyncio.wait_for(ws.recv(), 30)
                lat.append(time.perf_counter() - t)

    ready = asyncio.Event()
    tasks = [asyncio.ensure_future(one()) for _ in range(clients)]
    await asyncio.sleep(0.5)
    t0 = time.perf_counter()
    ready.set()
    await asyncio.gather(*tasks)
    return clients * messages / (time.perf_counter() - t0), lat


async def idle(url: str, n: int) -> list[object]:
    from websockets.asyncio.client import connect

    conns: list[object] = []
    sem = asyncio.Semaphore(200)

    async def one() -> None:
        async with sem:
            conns.append(await connect(url, compression=None, open_timeout=60, ping_interval=None))

    await asyncio.gather(*(one() for _ in range(n)))
    return conns


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--idle", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args()
    limit = raise_nofile()
    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    (tmp / "handlers").mkdir()
    (tmp / "handlers" / "echo.py").write_text(textwrap.dedent(ECHO))
    (tmp / "handlers" / "bounce.py").write_text(textwrap.dedent(BOUNCE))
    (tmp / "spec.yaml").write_text(textwrap.dedent(SPEC))
    (tmp / "echo_server.py").write_text(ECHO_SERVER)

    rows = []
    port = free_port()
    proc = start([sys.executable, str(tmp / "echo_server.py"), str(port)], "ready")
    try:
        rate, lat = asyncio.run(load(f"ws://127.0.0.1:{port}/", args.clients, args.messages, "echo"))
        rows.append(("(a) websockets echo", rate, lat))
    finally:
        stop(proc)

    port = free_port()
    serve_cmd = [sys.executable, "-m", "wsspec", "serve", str(tmp / "spec.yaml"), "--port",
                 str(port), "--quiet", "--no-reload", "--concurrency", str(args.concurrency)]
    proc = start(serve_cmd, "Ctrl-C to stop", cwd=ROOT)
    url = f"ws://127.0.0.1:{port}/prod"
    try:
        rate, lat = asyncio.run(load(url, args.clients, args.messages, "echo"))
        rows.append(("(b) serve, two-way echo", rate, lat))
        rate, lat = asyncio.run(load(url, args.clients, args.messages, "bounce"))
        rows.append(("(c) serve, post_to_connection", rate, lat))
        base_rss = rss_kb(proc.pid)

        async def measure() -> tuple[int, int]:
            conns = await idle(url, args.idle)
            await asyncio.sleep(2)
            grown = rss_kb(proc.pid)
            for c in conns:
                await c.close()  # type: ignore[attr-defined]
            return len(conns), grown

        opened, grown = asyncio.run(measure())
    finally:
        stop(proc)

    base = rows[0][1]
    print(f"\n{args.clients} clients x {args.messages} round trips each, 127.0.0.1, "
          f"{os.cpu_count()} CPUs, worker processes per function: {args.concurrency}\n")
    print(f"{'server':<32}{'msg/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'vs (a)':>10}")
    for name, rate, lat in rows:
        print(f"{name:<32}{rate:>10.0f}{pct(lat, 0.5):>10.2f}{pct(lat, 0.99):>10.2f}"
              f"{rate / base:>10.2f}")
    per = (grown - base_rss) * 1024 / max(1, opened)
    print(f"\nidle memory: {opened} open connections (RLIMIT_NOFILE {limit}): server RSS "
          f"{base_rss / 1024:.1f} MB -> {grown / 1024:.1f} MB = {per / 1024:.1f} KB per connection")


if __name__ == "__main__":
    main()
