"""Shared fixtures: samples, a moto server on 127.0.0.1, terraform with a local provider mirror."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.servers import (
    FAKE_AWS_ENV,
    MotoServer,
    find_terraform,
    terraform_cli_config,
    terraform_env,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SAMPLE_FILES = sorted(p for p in SAMPLES.glob("*.yaml"))


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    """One moto server for the session; tests that need a clean account call ``moto.reset()``."""
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def aws_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Fake credentials and a region, so no test can reach real AWS by accident."""
    for k, v in FAKE_AWS_ENV.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return dict(FAKE_AWS_ENV)


@pytest.fixture(scope="session")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """{'binary', 'env'} for running terraform offline; skips with the reason when unavailable."""
    binary, mirror, reason = find_terraform()
    if binary is None or mirror is None:
        print(f"SKIP terraform tests: {reason}")
        pytest.skip(reason)
    d = tmp_path_factory.mktemp("terraform-cli")
    env = terraform_env(terraform_cli_config(d, mirror), d / "plugin-cache")
    return {"binary": binary, "env": env, "mirror": mirror}
