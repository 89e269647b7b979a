"""Benchmark `wsspec serve` on 127.0.0.1 (bounded; stops by itself).

  (a) a bare `websockets` echo server (compression off)      -- the baseline
  (b) `wsspec serve` with a two-way echo route (Python handler in a worker process)
  (c) `wsspec serve` with a handler that echoes through boto3 `post_to_connection`
      (WSSPEC_CALLBACK_URL: plain HTTP on the stage's port)
  (e) the same handler written for AWS: `post_to_connection` at `https://{domainName}/{stage}`,
      which reaches serve's TLS listener (on in every run: the figures of (a)-(d) include it)
  (d) with --node: `wsspec serve` with a two-way echo route whose handler is Node.js (worker.js)
  (b2) with --compare-loops: (b) on a second `wsspec serve` running on the standard library's
      event loop (`--loop asyncio`; the others run on `--loop`, default auto: uvloop if installed)

Same client load for each: C clients, each sending M messages one at a time and waiting for
the reply (round trip). The three loads run in turn, R rounds; the table shows medians over the
rounds of messages/s, p50/p99 latency and CPU time per message (client; server = the server's
process tree: gateway + function workers), and the ratio to (a) (median of (x) over median of
(a), with the per-round range). Then idle memory: server RSS growth per connection with N open,
idle connections. The load average is printed: on a 2-CPU machine anything else running moves
these figures by tens of percent.

    python benchmarks/bench_serve.py [--clients 10] [--messages 1000] [--rounds 3] [--idle 5000]
                                     [--node] [--loop auto] [--compare-loops]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
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
  bounceaws: {function: bounce_aws}
functions:
  echo: {handler: handlers/echo.py}
  bounce: {handler: handlers/bounce.py, grants: [manage_connections]}
  bounce_aws: {handler: handlers/bounce_aws.py, grants: [manage_connections]}
"""
ECHO = """
def handler(event, context):
    return {"statusCode": 200, "body": event["body"]}
"""
NODE_ROUTE = """
  nodeecho: {function: nodeecho, response: true}
"""
NODE_FUNCTION = """
  nodeecho: {handler: handlers/echo.mjs}
"""
NODE_ECHO = """
export const handler = async (event) => ({ statusCode: 200, body: event.body });
"""
BOUNCE = """
import os, boto3

api = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["WSSPEC_CALLBACK_URL"])

def handler(event, context):
    api.post_to_connection(ConnectionId=event["requestContext"]["connectionId"],
                           Data=event["body"].encode())
    return {"statusCode": 200}
"""

BOUNCE_AWS = """
import boto3

clients = {}

def handler(event, context):
    ctx = event["requestContext"]
    url = f"https://{ctx['domainName']}/{ctx['stage']}"
    if url not in clients:
        clients[url] = boto3.client("apigatewaymanagementapi", endpoint_url=url)
    clients[url].post_to_connection(ConnectionId=ctx["connectionId"], Data=event["body"].encode())
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
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=cwd
    )
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


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    cpu: dict[int, float] = {}
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        kids.setdefault(int(fields[1]), []).append(int(entry))
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += cpu.get(p, 0.0)
        todo += kids.get(p, [])
    return total


def own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def _loop_name(choice: str) -> str:
    from wsspec.serve.eventloop import resolve

    try:
        return resolve(choice)
    except ValueError as exc:
        return str(exc)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--idle", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--node", action="store_true", help="add (d): a Node.js two-way echo")
    ap.add_argument(
        "--loop", default="auto", help="serve's --loop for (b)-(e): auto, asyncio or uvloop"
    )
    ap.add_argument(
        "--compare-loops",
        action="store_true",
        help="add (b2): the two-way echo on a second serve with --loop asyncio",
    )
    args = ap.parse_args()
    limit = raise_nofile()
    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    (tmp / "handlers").mkdir()
    (tmp / "handlers" / "echo.py").write_text(textwrap.dedent(ECHO))
    (tmp / "handlers" / "bounce.py").write_text(textwrap.dedent(BOUNCE))
    (tmp / "handlers" / "bounce_aws.py").write_text(textwrap.dedent(BOUNCE_AWS))
    spec = textwrap.dedent(SPEC)
    if args.node:
        (tmp / "handlers" / "echo.mjs").write_text(textwrap.dedent(NODE_ECHO))
        spec = spec.replace("\nfunctions:\n", NODE_ROUTE.rstrip("\n") + "\nfunctions:\n", 1)
        spec += NODE_FUNCTION.lstrip("\n")
    (tmp / "spec.yaml").write_text(spec)
    (tmp / "echo_server.py").write_text(ECHO_SERVER)

    names = ["(a) websockets echo", "(b) serve, two-way echo", "(c) serve, post_to_connection"]
    if args.node:
        names.append("(d) serve, Node.js two-way echo")
    names.append("(e) serve, post_to_connection TLS")
    if args.compare_loops:
        names.append("(b2) serve, echo, --loop asyncio")
    runs: dict[str, list[tuple[float, float, float, float, float]]] = {n: [] for n in names}
    load_before = loadavg()
    port = free_port()
    echo = start([sys.executable, str(tmp / "echo_server.py"), str(port)], "ready")
    serve_port = free_port()
    serve_cmd = [
        sys.executable,
        "-m",
        "wsspec",
        "serve",
        str(tmp / "spec.yaml"),
        "--port",
        str(serve_port),
        "--quiet",
        "--no-reload",
        "--concurrency",
        str(args.concurrency),
    ]
    proc = start([*serve_cmd, "--loop", args.loop], "Ctrl-C to stop", cwd=ROOT)
    other = None
    if args.compare_loops:
        other_port = free_port()
        other_cmd = [*serve_cmd, "--loop", "asyncio"]
        other_cmd[other_cmd.index("--port") + 1] = str(other_port)
        other = start(other_cmd, "Ctrl-C to stop", cwd=ROOT)
    url = f"ws://127.0.0.1:{serve_port}/prod"
    plan = [
        (names[0], f"ws://127.0.0.1:{port}/", "echo", echo.pid),
        (names[1], url, "echo", proc.pid),
        (names[2], url, "bounce", proc.pid),
    ]
    if args.node:
        plan.append((names[3], url, "nodeecho", proc.pid))
    plan.append((names[4 if args.node else 3], url, "bounceaws", proc.pid))
    if other is not None:
        plan.append((names[-1], f"ws://127.0.0.1:{other_port}/prod", "echo", other.pid))
    sent = args.clients * (args.messages + 20)  # CPU covers the 20 warm-up round trips too
    try:
        for _name, target, action, _pid in plan:  # start every worker before measuring
            asyncio.run(load(target, args.clients, 5, action))
        for _ in range(args.rounds):
            for name, target, action, pid in plan:
                server0, client0 = tree_cpu(pid), own_cpu()
                rate, lat = asyncio.run(load(target, args.clients, args.messages, action))
                server = (tree_cpu(pid) - server0) / sent * 1e6
                client = (own_cpu() - client0) / sent * 1e6
                runs[name].append((rate, pct(lat, 0.5), pct(lat, 0.99), client, server))
        stop(echo)
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
        stop(echo)
        stop(proc)
        if other is not None:
            stop(other)

    def med(name: str, i: int) -> float:
        return statistics.median(r[i] for r in runs[name])

    base = med(names[0], 0)
    print(
        f"\n{args.clients} clients x {args.messages} round trips each, 127.0.0.1, "
        f"{os.cpu_count()} CPUs, worker processes per function: {args.concurrency}; "
        f"serve --loop {args.loop} ({_loop_name(args.loop)}); "
        f"medians of {args.rounds} rounds; load average {load_before} before, "
        f"{loadavg()} after\n"
    )
    print(
        f"{'server':<32}{'msg/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'vs (a)':>8}{'(range)':>13}"
        f"{'CPU us/msg: client':>20}{'server':>8}"
    )
    for name in names:
        ratios = [r[0] / a[0] for r, a in zip(runs[name], runs[names[0]])]
        span = f"{min(ratios):.2f}-{max(ratios):.2f}"
        print(
            f"{name:<32}{med(name, 0):>8.0f}{med(name, 1):>8.2f}{med(name, 2):>8.2f}"
            f"{med(name, 0) / base:>8.2f}{span:>13}{med(name, 3):>20.0f}{med(name, 4):>8.0f}"
        )
    per = (grown - base_rss) * 1024 / max(1, opened)
    print(
        f"\nidle memory: {opened} open connections (RLIMIT_NOFILE {limit}): server RSS "
        f"{base_rss / 1024:.1f} MB -> {grown / 1024:.1f} MB = {per / 1024:.1f} KB per connection"
    )


if __name__ == "__main__":
    main()
