"""Each imported fixture runs under `wsspec serve` unchanged: the handlers the import pointed
at answer a `$connect` (through the fixture's authorizer where it has one), and the handlers
that write the connection table find it under the name their environment gives them."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from wsspec.importers import ImportOptions, import_path

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "import_fixtures"
# fixture -> (input, connect URL suffix, headers, whether $connect writes the table)
CASES = {
    "sam-raw": ("template.yaml", "", {}, True),
    "sam-websocketapi": ("template.yaml", "?ticket=let-me-in", {}, False),
    "cfn-json": ("template.json", "", {}, False),
    "serverless": ("serverless.yml", "?token=open-sesame", {}, True),
    "terraform": (".", "", {"Authorization": "Bearer ok"}, True),
}


class Served:
    def __init__(self, spec: Path) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wsspec",
                "serve",
                str(spec),
                "--port",
                "0",
                "--no-reload",
                "--quiet",
            ],
            cwd=spec.parent,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.url = self._wait(r"WebSocket\s+(ws://\S+)")
        self.dynamodb = next(
            (
                m.group(1)
                for line in self.lines
                if (m := re.search(r"DynamoDB\s+(\S+)\s+table (\S+)", line))
            ),
            None,
        )
        self.table = next(
            (m.group(1) for line in self.lines if (m := re.search(r"table (\S+)", line))), None
        )

    def _wait(self, pattern: str) -> str:
        deadline = time.monotonic() + 90
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError("serve exited:\n" + "".join(self.lines))
            self.lines.append(line)
            m = re.search(pattern, line)
            if m is not None:
                for _ in range(8):  # the rest of the start-up block (table, functions)
                    self.lines.append(self.proc.stdout.readline())
                    if "Ctrl-C" in self.lines[-1]:
                        break
                return m.group(1)
        raise AssertionError("serve did not start:\n" + "".join(self.lines))

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def _project(name: str, tmp_path: Path) -> Path:
    shutil.copytree(
        FIXTURES / name, tmp_path / name, ignore=shutil.ignore_patterns("expected.yaml")
    )
    directory = tmp_path / name
    source, *_ = CASES[name]
    result = import_path(
        str(directory / source if source != "." else directory),
        ImportOptions(out_dir=str(directory)),
    )
    spec = directory / "api.yaml"
    spec.write_text(result.text)
    return spec


@pytest.mark.parametrize("name", sorted(CASES))
def test_imported_fixture_serves_and_answers_connect(name: str, tmp_path: Path) -> None:
    if name == "sam-websocketapi" and shutil.which("node") is None:
        pytest.skip("node is not on PATH (the fixture's handlers are JavaScript)")
    spec = _project(name, tmp_path)
    _, suffix, headers, writes_table = CASES[name]
    served = Served(spec)
    try:
        with connect(served.url + suffix, additional_headers=headers, open_timeout=30) as ws:
            if writes_table:
                assert served.dynamodb is not None and served.table is not None
                ddb = boto3.client(
                    "dynamodb",
                    endpoint_url=served.dynamodb,
                    region_name="us-east-1",
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                )
                items = ddb.scan(TableName=served.table)["Items"]
                assert len(items) == 1, (
                    items
                )  # the $connect handler wrote to the table it was named
            ws.close()
    finally:
        served.stop()


def test_authorizer_of_an_imported_fixture_still_refuses(tmp_path: Path) -> None:
    spec = _project("serverless", tmp_path)
    served = Served(spec)
    try:
        with pytest.raises(InvalidStatus) as info:
            connect(served.url + "?token=wrong", open_timeout=30)
        assert info.value.response.status_code == 403
    finally:
        served.stop()
