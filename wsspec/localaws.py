"""A moto server as a child process on loopback: used by `wsspec serve` and by the tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def start_moto(host: str, port: int, env: Mapping[str, str],
               timeout: float = 30.0) -> subprocess.Popen[bytes] | None:
    """Start ``python -m moto.server`` and wait until it answers; None if it did not start."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", host, "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(env),
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


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    """Terminate ``proc`` (kill after 10 s) if it is still running."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
