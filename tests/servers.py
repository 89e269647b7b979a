"""Real servers and tools for tests: a moto server on 127.0.0.1, terraform with a local mirror.

Shared by the test suite and the benchmarks. Every server started here is stopped by its owner.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from wsspec.serve.localaws import free_port, start_moto, stop_process

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


class MotoServer:
    """``python -m moto.server`` as a child process bound to 127.0.0.1."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> MotoServer:
        self.proc = start_moto("127.0.0.1", self.port, {**os.environ, **FAKE_AWS_ENV})
        if self.proc is None:
            raise RuntimeError("moto server did not start within 30 s")
        return self

    def reset(self) -> None:
        req = urllib.request.Request(self.url + "/moto-api/reset", method="POST", data=b"")
        urllib.request.urlopen(req, timeout=10).read()

    def stop(self) -> None:
        stop_process(self.proc)
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
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
    }
    if plugin_cache is not None:
        plugin_cache.mkdir(parents=True, exist_ok=True)
        env["TF_PLUGIN_CACHE_DIR"] = str(plugin_cache)
    return env
