"""A loopback proxy that makes a moto server answer like AWS does: slowly, and throttled.

    python -m tests.awsproxy --upstream http://127.0.0.1:5000 --latency 0.05 --rate 10

moto answers a call in about a millisecond and never throttles; AWS takes tens of
milliseconds and answers calls above an account's rate limit with a throttling error. This
proxy sits between a client and a moto server on 127.0.0.1 and adds both:

- **latency**: every call is held ``latency`` seconds (default 0.05) times a random factor in
  ``1 ± jitter`` (default 0.2) before it is forwarded (throttled answers take as long);
- **throttling**: each API family (the SigV4 service name of the call's ``Authorization``
  header: ``apigateway`` serves v1 and v2, ``monitoring`` is CloudWatch) has a token bucket of
  ``rate`` calls per second holding at most ``burst`` calls (default: one second's worth);
  a call that finds it empty is answered with that family's throttling error, in the shape of
  its protocol, as AWS sends it:

  | family | protocol | HTTP | error |
  | --- | --- | --- | --- |
  | apigateway, lambda | REST-JSON | 429 | ``TooManyRequestsException`` (``x-amzn-ErrorType``) |
  | iam, sts | query (XML) | 400 | ``Throttling`` |
  | sns | query (XML) | 429 | ``Throttled`` |
  | logs, dynamodb, ssm | JSON 1.0/1.1 | 400 | ``ThrottlingException`` (``__type``) |
  | monitoring | Smithy RPC v2 CBOR | 400 | ``ThrottlingException`` (``__type``) |

It is a benchmark and test tool (benchmarks/bench_deploy_latency.py, the retry test in
tests/test_deploy_pacing.py); ordinary tests talk to moto directly. It binds 127.0.0.1 only,
reads at most ``MAX_BODY`` bytes per request, and counts every call per family.

``AwsProxy`` runs in the caller's process (threads); ``AwsProxyProcess`` runs the same proxy as
a child process, so that its own work (HTTP parsing, forwarding) does not take the GIL from the
client being measured, as AWS's does not: the benchmark uses it. The child answers
``GET /__awsproxy/stats`` (calls and throttled answers per family, JSON) and
``POST /__awsproxy/reset``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import struct
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MAX_BODY = 64 * 1024 * 1024
CONTROL = "/__awsproxy/"  # the child process's stats and reset (never an AWS path)
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


@dataclass
class Bucket:
    """A token bucket: ``rate`` tokens per second, at most ``burst`` held."""

    rate: float
    burst: float
    tokens: float = 0.0
    at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class Stats:
    calls: int = 0
    throttled: int = 0


def family_of(headers: Any) -> str:
    m = _SCOPE.search(headers.get("Authorization") or "")
    return m.group(1) if m else "unknown"


def _cbor_text(s: str) -> bytes:
    raw = s.encode()
    n = len(raw)
    head = (
        bytes([0x60 | n])
        if n < 24
        else bytes([0x78, n])
        if n < 256
        else b"\x79" + struct.pack(">H", n)
    )
    return head + raw


def cbor_map(d: dict[str, str]) -> bytes:
    """A CBOR map of text to text (all the Smithy RPC v2 error body needs)."""
    out = bytes([0xA0 | len(d)])
    for k, v in d.items():
        out += _cbor_text(k) + _cbor_text(v)
    return out


def throttle_answer(family: str, headers: Any) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of the throttling error AWS sends for a call of ``family``."""
    rid = str(uuid.uuid4())
    ctype = headers.get("Content-Type") or ""
    if (headers.get("Smithy-Protocol") or "").lower() == "rpc-v2-cbor":
        body = cbor_map({"__type": "ThrottlingException", "message": "Rate exceeded"})
        h = {"Content-Type": "application/cbor", "Smithy-Protocol": "rpc-v2-cbor"}
        return 400, {**h, "x-amzn-RequestId": rid}, body
    if headers.get("X-Amz-Target") or ctype.startswith("application/x-amz-json"):
        kind = ctype if ctype.startswith("application/x-amz-json") else "application/x-amz-json-1.1"
        body = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
        return 400, {"Content-Type": kind, "x-amzn-RequestId": rid}, body
    if ctype.startswith("application/x-www-form-urlencoded"):
        status, code = (429, "Throttled") if family == "sns" else (400, "Throttling")
        body = (
            '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error>'
            f"<Type>Sender</Type><Code>{code}</Code><Message>Rate exceeded</Message>"
            f"</Error><RequestId>{rid}</RequestId></ErrorResponse>"
        ).encode()
        return status, {"Content-Type": "text/xml", "x-amzn-RequestId": rid}, body
    message = (
        b'{"Type":"User","message":"Rate Exceeded.","Reason":"CallerRateLimitExceeded"}'
        if family == "lambda"
        else b'{"message":"Too Many Requests"}'
    )
    h = {
        "Content-Type": "application/json",
        "x-amzn-ErrorType": "TooManyRequestsException",
        "x-amzn-RequestId": rid,
    }
    return 429, h, message


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a deploy opening dozens of connections at
    # once would see SYNs dropped and retried a second later, a stall AWS's front ends never
    # add (it made parallel reads look 1 s slower than they are)
    request_queue_size = 256
    daemon_threads = True


class AwsProxy:
    """The proxy server (a thread per connection, keep-alive, one upstream connection each)."""

    def __init__(
        self,
        upstream: str,
        *,
        latency: float = 0.05,
        jitter: float = 0.2,
        rate: float | None = None,
        burst: float | None = None,
        rates: dict[str, float] | None = None,
        seed: int | None = None,
    ) -> None:
        u = urlsplit(upstream)
        self.upstream = (u.hostname or "127.0.0.1", u.port or 80)
        self.latency = latency
        self.jitter = jitter
        self.rate = rate
        self.burst = burst
        self.rates = dict(rates or {})
        self.random = random.Random(seed)
        self.buckets: dict[str, Bucket] = {}
        self.stats: dict[str, Stats] = {}
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread: threading.Thread | None = None

    def start(self) -> AwsProxy:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> AwsProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset_stats(self) -> None:
        with self.lock:
            self.stats.clear()
            self.buckets.clear()

    def admit(self, family: str) -> bool:
        """Count the call; False when the family's bucket is empty (throttle it)."""
        rate = self.rates.get(family, self.rate)
        with self.lock:
            st = self.stats.setdefault(family, Stats())
            st.calls += 1
            if rate is None:
                return True
            b = self.buckets.get(family)
            if b is None:
                b = self.buckets[family] = Bucket(rate, self.burst or rate)
            if b.take(time.monotonic()):
                return True
            st.throttled += 1
            return False

    def delay(self) -> float:
        with self.lock:
            factor = 1.0 + self.random.uniform(-self.jitter, self.jitter)
        return max(0.0, self.latency * factor)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            _upstream: http.client.HTTPConnection | None = None

            def log_message(self, *a: object) -> None:
                pass

            def _answer(self) -> None:
                if self.path.startswith(CONTROL):
                    self._control()
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if length < 0 or length > MAX_BODY:
                    self.send_error(413)
                    return
                body = self.rfile.read(length) if length else b""
                family = family_of(self.headers)
                time.sleep(proxy.delay())
                if not proxy.admit(family):
                    status, headers, out = throttle_answer(family, self.headers)
                else:
                    status, headers, out = self._forward(body)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def _control(self) -> None:
                if self.path == CONTROL + "reset" and self.command == "POST":
                    proxy.reset_stats()
                with proxy.lock:
                    out = json.dumps({k: asdict(v) for k, v in proxy.stats.items()}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
                conn: http.client.HTTPConnection | None = getattr(self, "_upstream", None)
                for attempt in (1, 2):
                    if conn is None:
                        conn = http.client.HTTPConnection(*proxy.upstream, timeout=120)
                        self._upstream = conn
                    try:
                        headers = {
                            k: v for k, v in self.headers.items() if k.lower() != "connection"
                        }
                        conn.request(self.command, self.path, body=body, headers=headers)
                        r = conn.getresponse()
                        data = r.read()
                        out = {k: v for k, v in r.getheaders() if k.lower() not in _HOP}
                        return r.status, out, data
                    except (http.client.HTTPException, OSError):
                        conn.close()
                        conn = None
                        self._upstream = None
                        if attempt == 2:
                            raise
                raise AssertionError("unreachable")

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

        return Handler


class AwsProxyProcess:
    """``AwsProxy`` in a child process (``python -m tests.awsproxy``), bound to 127.0.0.1 and
    stopped by ``stop`` (or the ``with`` block); ``stats`` and ``reset_stats`` as on AwsProxy."""

    def __init__(
        self,
        upstream: str,
        *,
        latency: float = 0.05,
        jitter: float = 0.2,
        rate: float | None = None,
        burst: float | None = None,
    ) -> None:
        self.rate, self.burst = rate, burst
        self.args = [f"--upstream={upstream}", f"--latency={latency}", f"--jitter={jitter}"]
        self.args += [f"--rate={rate}"] if rate is not None else []
        self.args += [f"--burst={burst}"] if burst is not None else []
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self) -> AwsProxyProcess:
        root = Path(__file__).resolve().parent.parent
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.awsproxy", *self.args],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError("the proxy process did not start")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> AwsProxyProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _control(self, what: str, method: str) -> dict[str, Stats]:
        conn = http.client.HTTPConnection(self.url.removeprefix("http://"), timeout=30)
        try:
            conn.request(method, CONTROL + what, body=b"" if method == "POST" else None)
            data = json.loads(conn.getresponse().read())
        finally:
            conn.close()
        return {k: Stats(**v) for k, v in data.items()}

    @property
    def stats(self) -> dict[str, Stats]:
        return self._control("stats", "GET")

    def reset_stats(self) -> None:
        self._control("reset", "POST")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", required=True, help="the moto server, e.g. http://127.0.0.1:5000")
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--jitter", type=float, default=0.2)
    ap.add_argument("--rate", type=float, default=None, help="calls/s per API family")
    ap.add_argument("--burst", type=float, default=None)
    a = ap.parse_args()
    try:  # Linux: end with the parent (a benchmark killed before it could stop this process)
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    proxy = AwsProxy(a.upstream, latency=a.latency, jitter=a.jitter, rate=a.rate, burst=a.burst)
    print(proxy.url, flush=True)
    proxy.server.serve_forever()


if __name__ == "__main__":
    main()
