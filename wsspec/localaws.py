"""A moto server as a child process on loopback: used by `wsspec serve` and by the tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping

DUMMY_KEY = "wsspec-local"  # the access key and secret of every local AWS call


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def start_moto(
    host: str, port: int, env: Mapping[str, str], timeout: float = 30.0
) -> subprocess.Popen[bytes] | None:
    """Start ``python -m moto.server`` and wait until it answers; None if it did not start."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", host, "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(env),
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"http://{host}:{port}/moto-api/", timeout=1).read()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_process(proc)
                return None
            time.sleep(0.1)


def launch_local_aws(
    host: str, region: str, needed_for: str
) -> tuple[subprocess.Popen[bytes], str]:
    """`wsspec serve`'s embedded AWS emulator: a moto server on ``host`` with dummy credentials
    and none of the developer's AWS settings. Returns the process and its endpoint URL; a
    one-line WsspecError (exit 2) when moto is missing or does not start."""
    from wsspec.errors import WsspecError

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
    proc = start_moto(host, port, env)
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
