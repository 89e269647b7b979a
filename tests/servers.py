"""Real servers and tools for tests: a moto server on 127.0.0.1, terraform with a local mirror.

Shared by the test suite and the benchmarks. Every server started here is stopped by its owner.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MotoServer:
    """``python -m moto.server`` as a child process bound to 127.0.0.1."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> "MotoServer":
        env = {**os.environ, **FAKE_AWS_ENV}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1).read()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("moto server exited during start-up") from None
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("moto server did not start within 30 s")

    def reset(self) -> None:
        req = urllib.request.Request(self.url + "/moto-api/reset", method="POST", data=b"")
        urllib.request.urlopen(req, timeout=10).read()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


# ----------------------------------------------------------------------------- terraform
MIRROR_CANDIDATES = (
    os.environ.get("WSSPEC_TF_MIRROR", ""),
    "/opt/tf-plugins",
    os.path.expanduser("~/.terraform.d/plugins"),
    "/usr/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
)


def find_terraform() -> tuple[str | None, str | None, str]:
    """(terraform binary, provider mirror dir, reason when either is missing)."""
    binary = shutil.which("terraform")
    if binary is None:
        return None, None, "terraform binary not found on PATH"
    for cand in MIRROR_CANDIDATES:
        if cand and Path(cand, "registry.terraform.io", "hashicorp", "aws").is_dir():
            return binary, cand, ""
    return binary, None, "no filesystem mirror of hashicorp/aws found (set WSSPEC_TF_MIRROR)"


def terraform_cli_config(directory: Path, mirror: str) -> Path:
    """A CLI config that installs providers only from the local mirror (no network)."""
    path = directory / "terraformrc"
    path.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror}"\n'
        '    include = ["registry.terraform.io/*/*"]\n  }\n'
        '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n'
        "}\n"
    )
    return path


def terraform_env(cli_config: Path, plugin_cache: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(cli_config), "TF_IN_AUTOMATION": "1",
           "CHECKPOINT_DISABLE": "1"}
    if plugin_cache is not None:
        plugin_cache.mkdir(parents=True, exist_ok=True)
        env["TF_PLUGIN_CACHE_DIR"] = str(plugin_cache)
    return env
