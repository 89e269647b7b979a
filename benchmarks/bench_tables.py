"""Benchmark stream fan-out in `wsspec serve` (application tables, issue 23).

One receiver joins a room (its connection id goes into a presence table); a sender sends M
messages one at a time and waits until the receiver has each before sending the next, so
every figure is the latency of one message, sent -> received by the other client:

  (a) direct broadcast: the `direct` handler stores the message in a table (without a
      stream) and posts it to everyone present through @connections
  (b) stream fan-out: the `send` handler only stores the message; the messages table's stream
      invokes `fan_out`, which posts it to everyone present (the chat-rooms pattern)

Both paths run in the same `serve` process, in turn, R rounds; the table shows p50/p99 and
messages/s (medians over the rounds) and (b)'s p50 as a ratio of (a)'s. The stream poller
reads an idle stream every 10 ms (wsspec.serve.streams.POLL_SECONDS), which bounds (b) from
below. The load average is printed: other work on the machine moves these figures.

    python benchmarks/bench_tables.py [--messages 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_serve import loadavg, stop  # noqa: E402
from tests.servers import free_port  # noqa: E402

SPEC = """
wsspec: 1
api: {name: fanbench}
routes:
  join: {function: join, response: true}
  direct: {function: direct}
  send: {function: send}
tables:
  messages: {key: {partition: room, sort: seq}, attributes: {seq: number}, stream: new_image}
  log: {key: {partition: room, sort: seq}, attributes: {seq: number}}  # no stream
  presence: {key: {partition: room, sort: connectionId}}
functions:
  join: {handler: handlers/join.py, tables: {presence: write}}
  direct:
    handler: handlers/direct.py
    tables: {log: write, presence: read}
    grants: [manage_connections]
  send: {handler: handlers/send.py, tables: {messages: write}}
  fan_out:
    handler: handlers/fan_out.py
    tables: {presence: read}
    grants: [manage_connections]
    events: [{stream: messages, batch_size: 100}]
"""
COMMON = """
import json, os, boto3
from boto3.dynamodb.conditions import Key
DDB = boto3.resource("dynamodb")
URL = os.environ["WSSPEC_CALLBACK_URL"]
API = boto3.client("apigatewaymanagementapi", endpoint_url=URL)

def broadcast(room, data):
    table = DDB.Table(os.environ["PRESENCE_TABLE"])
    for m in table.query(KeyConditionExpression=Key("room").eq(room))["Items"]:
        try:
            API.post_to_connection(ConnectionId=m["connectionId"], Data=data.encode())
        except API.exceptions.GoneException:  # a receiver of an earlier round
            table.delete_item(Key={"room": room, "connectionId": m["connectionId"]})
"""
HANDLERS = {
    "common.py": COMMON,
    "join.py": """
import os, boto3
def handler(event, context):
    cid = event["requestContext"]["connectionId"]
    boto3.resource("dynamodb").Table(os.environ["PRESENCE_TABLE"]).put_item(
        Item={"room": "r", "connectionId": cid})
    return {"statusCode": 200, "body": "joined"}
""",
    "direct.py": """
import json, os
from common import DDB, broadcast
def handler(event, context):
    msg = json.loads(event["body"])
    DDB.Table(os.environ["LOG_TABLE"]).put_item(
        Item={"room": "r", "seq": msg["seq"], "text": event["body"]})
    broadcast("r", event["body"])
    return {"statusCode": 200}
""",
    "send.py": """
import json, os
from common import DDB
def handler(event, context):
    msg = json.loads(event["body"])
    DDB.Table(os.environ["MESSAGES_TABLE"]).put_item(
        Item={"room": "r", "seq": msg["seq"], "text": event["body"]})
    return {"statusCode": 200}
""",
    "fan_out.py": """
from common import broadcast
def handler(event, context):
    for r in event["Records"]:
        broadcast("r", r["dynamodb"]["NewImage"]["text"]["S"])
""",
}


async def measure(url: str, action: str, messages: int, seq0: int) -> tuple[list[float], float]:
    from websockets.asyncio.client import connect

    async with connect(url, compression=None) as rx, connect(url, compression=None) as tx:
        await rx.send(json.dumps({"action": "join"}))
        assert await asyncio.wait_for(rx.recv(), 60) == "joined"  # the presence row is written
        lat: list[float] = []
        began = time.perf_counter()
        for i in range(messages):
            seq = seq0 + i
            t0 = time.perf_counter()
            await tx.send(json.dumps({"action": action, "seq": seq}))
            while json.loads(await asyncio.wait_for(rx.recv(), 30))["seq"] != seq:
                pass
            lat.append((time.perf_counter() - t0) * 1000)
        return lat, messages / (time.perf_counter() - began)


def start(cmd: list[str], ready: str, cwd: Path) -> subprocess.Popen[str]:
    """Start ``cmd`` and wait (up to 10 minutes: a loaded machine starts moto slowly) for
    ``ready`` on its stdout."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=cwd
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 600
    for line in proc.stdout:
        if ready in line:
            return proc
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise RuntimeError(f"server did not start: {cmd}")


def pct(xs: list[float], p: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(len(xs) * p))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wsspec-bench-tables-"))
    (tmp / "handlers").mkdir()
    (tmp / "spec.yaml").write_text(SPEC)
    for name, code in HANDLERS.items():
        (tmp / "handlers" / name).write_text(textwrap.dedent(code))
    port = free_port()
    cmd = [sys.executable, "-m", "wsspec", "serve", str(tmp / "spec.yaml"), "--port", str(port)]
    print(f"load average at start: {loadavg()}")
    # the receiver only receives: keep it past the 10-minute idle timeout on a slow machine
    opts = ["--quiet", "--no-reload", "--idle-timeout", "7200"]
    proc = start([*cmd, *opts], "Ctrl-C to stop", cwd=ROOT)
    url = f"ws://127.0.0.1:{port}/prod"
    paths = [("(a) direct broadcast", "direct"), ("(b) stream fan-out", "send")]
    results: dict[str, list[tuple[float, float, float]]] = {n: [] for n, _ in paths}
    try:
        seq = 0
        for _, action in paths:  # warm up every worker
            asyncio.run(measure(url, action, 20, seq))
            seq += 20
        for _ in range(args.rounds):
            for name, action in paths:
                lat, rate = asyncio.run(measure(url, action, args.messages, seq))
                seq += args.messages
                results[name].append((pct(lat, 0.5), pct(lat, 0.99), rate))
    finally:
        stop(proc)
    base = statistics.median(r[0] for r in results[paths[0][0]])
    print(f"\n{args.messages} messages per path, {args.rounds} rounds (medians)\n")
    print("| path | p50 / p99 ms (sent -> received) | msg/s | p50 vs (a) |")
    print("| --- | --- | --- | --- |")
    for name, rows in results.items():
        p50 = statistics.median(r[0] for r in rows)
        p99 = statistics.median(r[1] for r in rows)
        rate = statistics.median(r[2] for r in rows)
        print(f"| {name} | {p50:.1f} / {p99:.1f} | {rate:,.0f} | {p50 / base:.2f} |")
    print(f"\nload average at end: {loadavg()}")


if __name__ == "__main__":
    main()
