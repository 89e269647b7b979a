"""The local AWS of `wsspec serve`: a moto server as a child process on loopback, and the
endpoints AWS service integrations are sent to. The tests start their moto servers with
``start_moto`` too (tests/servers.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wsspec.errors import WsspecError

if TYPE_CHECKING:
    from wsspec.model import Spec

# API Gateway's service name (the endpoint prefix) -> botocore's service name, where they differ.
BOTOCORE_NAMES = {
    "states": "stepfunctions",
    "email": "ses",
    "monitoring": "cloudwatch",
    "execute-api": "apigatewaymanagementapi",
    "streams.dynamodb": "dynamodbstreams",
}

DUMMY_KEY = "wsspec-local"  # the access key and secret of every local AWS call


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


# `python -m moto.server` that also ends when its parent does (Linux: PR_SET_PDEATHSIG), so not
# even a `kill -9` of serve leaves it running.
MOTO_BOOT = """
import ctypes, os, runpy, signal, sys
try:
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)
except (OSError, AttributeError):
    pass
if os.getppid() != int(sys.argv[1]):
    sys.exit(0)
sys.argv = ["moto.server", *sys.argv[2:]]
runpy.run_module("moto.server", run_name="__main__", alter_sys=True)
"""


class Launch:
    """A child process started from a worker thread that the event loop may stop at any moment
    (Ctrl-C during start-up): the process is adopted as soon as it exists, and whichever of
    ``adopt`` and ``cancel`` comes second stops it, so it can never be left running."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.proc: subprocess.Popen[bytes] | None = None
        self.cancelled = False

    def adopt(self, proc: subprocess.Popen[bytes]) -> bool:
        with self._lock:
            if not self.cancelled:
                self.proc = proc
                return True
        stop_process(proc)
        return False

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            proc, self.proc = self.proc, None
        stop_process(proc)


def start_moto(
    host: str,
    port: int,
    env: Mapping[str, str],
    timeout: float = 30.0,
    launch: Launch | None = None,
) -> subprocess.Popen[bytes] | None:
    """Start ``python -m moto.server`` and wait until it answers; None if it did not start (or
    ``launch`` was cancelled meanwhile)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", MOTO_BOOT, str(os.getpid()), "-H", host, "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(env),
    )
    if launch is not None and not launch.adopt(proc):
        return None
    deadline = time.monotonic() + timeout
    while True:
        if launch is not None and launch.cancelled:
            return None
        try:
            urllib.request.urlopen(f"http://{host}:{port}/moto-api/", timeout=1).read()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_process(proc)
                return None
            time.sleep(0.1)


def launch_local_aws(
    host: str, region: str, needed_for: str, launch: Launch | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`wsspec serve`'s embedded AWS emulator: a moto server on ``host`` with dummy credentials
    and none of the developer's AWS settings. Returns the process and its endpoint URL; a
    one-line WsspecError (exit 2) when moto is missing or does not start."""
    try:
        import moto.server  # noqa: F401
    except ImportError as exc:
        raise WsspecError(
            f"the spec has {needed_for} and moto's server is not installed",
            code="WS966",
            hint="pip install 'wsspec[serve]' (or pass --no-dynamodb)",
            exit_code=2,
        ) from exc
    port = free_port(host)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": DUMMY_KEY,
            "AWS_SECRET_ACCESS_KEY": DUMMY_KEY,
            "AWS_DEFAULT_REGION": region,
        }
    )
    proc = start_moto(host, port, env, launch=launch)
    if proc is None:
        raise WsspecError(
            "the local AWS emulator (moto server) did not start", code="WS967", exit_code=2
        )
    return proc, f"http://{host}:{port}"


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    """Terminate ``proc`` (kill after 10 s) if it is still running."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
}
MAX_FORWARDED_ANSWER = 16 * 1024 * 1024


def forward_request(
    endpoint: str,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    timeout: float,
) -> tuple[int, dict[str, str], bytes]:
    """One request a worker sent to an AWS service host, passed to the local endpoint as it
    is (SigV4 headers and all) and its answer returned. Blocking: run it in a thread."""
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(endpoint)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=timeout)
    try:
        conn.request(
            method,
            target,
            body=body,
            headers={k: v for k, v in headers if k.lower() not in _HOP_BY_HOP},
        )
        resp = conn.getresponse()
        data = resp.read(MAX_FORWARDED_ANSWER)
        out = {
            k: v
            for k, v in resp.getheaders()
            if k.lower() not in _HOP_BY_HOP and k.lower() not in ("date", "server")
        }
        return resp.status, out, data
    finally:
        conn.close()


# ============================================================================ AWS integrations
ServiceProtocol = tuple[str, str, str, str]  # (protocol, targetPrefix, jsonVersion, apiVersion)


@dataclass
class LocalAws:
    """Where AWS service integrations are sent: one moto server, DynamoDB maybe elsewhere."""

    region: str
    endpoint: str = ""  # the embedded moto server (every service)
    dynamodb_endpoint: str = ""  # --dynamodb-endpoint, or the embedded one
    proc: subprocess.Popen[bytes] | None = None
    protocols: dict[str, ServiceProtocol | None] = field(default_factory=dict)

    def endpoint_for(self, service: str) -> str:
        if service == "dynamodb" and self.dynamodb_endpoint:
            return self.dynamodb_endpoint
        return self.endpoint

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None

    def protocol(self, service: str) -> ServiceProtocol | None:
        """(protocol, targetPrefix, jsonVersion, apiVersion) from botocore's model, cached."""
        if service not in self.protocols:
            self.protocols[service] = service_protocol(service)
        return self.protocols[service]


def service_protocol(service: str) -> ServiceProtocol | None:
    """How API Gateway's action-style calls reach ``service`` (None: botocore does not know it)."""
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        model = botocore.session.get_session().get_service_model(
            BOTOCORE_NAMES.get(service, service)
        )
    except UnknownServiceError:
        return None
    meta = model.metadata
    protocols = meta.get("protocols") or [meta.get("protocol", "json")]
    # API Gateway's action-style calls predate the JSON protocol some query services gained: SQS's
    # model now says json only, with the awsQueryCompatible trait
    proto = "query" if "query" in protocols or "awsQueryCompatible" in meta else protocols[0]
    return (
        proto,
        meta.get("targetPrefix", ""),
        meta.get("jsonVersion", "1.0"),
        meta.get("apiVersion", ""),
    )


def moto_serves(service: str | None, region: str) -> bool:
    """Whether moto's server has a backend for ``service`` (its host patterns decide)."""
    if not service:
        return False
    if service == "dynamodb":
        return True
    try:
        from moto.backend_index import backend_url_patterns
    except ImportError:
        return False
    url = f"https://{service}.{region}.amazonaws.com"
    return any(p.match(url) for _, p in backend_url_patterns)


def start_local_aws(
    spec: Spec,
    region: str,
    host: str,
    dynamodb_endpoint: str | None,
    embedded: str | None,
    launch: Launch | None = None,
) -> LocalAws | None:
    """The endpoints for the spec's AWS service integrations (None when it has none). A moto
    server is started only when no running one (``embedded``: the connection table's) can be
    reused and a service other than an external DynamoDB needs one. Blocking: run in a thread."""
    integs = [i for i in spec.integrations if i.kind == "aws" and moto_serves(i.service, region)]
    if not integs:
        return None
    local = LocalAws(
        region=region,
        endpoint=embedded or "",
        dynamodb_endpoint=dynamodb_endpoint or embedded or "",
    )
    if local.endpoint or (dynamodb_endpoint and all(i.service == "dynamodb" for i in integs)):
        return local
    local.proc, local.endpoint = launch_local_aws(host, region, "AWS service integrations", launch)
    if not local.dynamodb_endpoint:
        local.dynamodb_endpoint = local.endpoint
    return local
