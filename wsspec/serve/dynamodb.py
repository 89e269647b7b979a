"""The connection table for local runs: an embedded moto server on 127.0.0.1.

Handlers reach it through ``AWS_ENDPOINT_URL_DYNAMODB`` (boto3 honours it natively) with the
dummy credentials every worker gets, so the generated stubs work without any set-up.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any

from wsspec.errors import WsspecError
from wsspec.model import ConnectionTable


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class LocalTable:
    def __init__(self, name: str, table: ConnectionTable, *, region: str,
                 endpoint: str | None = None, host: str = "127.0.0.1") -> None:
        self.name = name
        self.table = table
        self.region = region
        self.host = host
        self.proc: subprocess.Popen[bytes] | None = None
        self.endpoint = endpoint or ""
        self._external = endpoint is not None

    def start(self) -> None:
        if not self._external:
            try:
                import moto.server  # noqa: F401
            except ImportError as exc:
                raise WsspecError(
                    "the spec has a connection table and moto's server is not installed",
                    code="WS706", hint="pip install 'wsspec[serve]' (or pass --no-dynamodb)",
                    exit_code=2,
                ) from exc
            port = _free_port(self.host)
            self.endpoint = f"http://{self.host}:{port}"
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update({"AWS_ACCESS_KEY_ID": "wsspec-local", "AWS_SECRET_ACCESS_KEY": "wsspec-local",
                        "AWS_DEFAULT_REGION": self.region})
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", self.host, "-p", str(port)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
            )
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=1).read()
                    break
                except OSError:
                    if self.proc.poll() is not None or time.monotonic() > deadline:
                        self.stop()
                        raise WsspecError("the local DynamoDB (moto server) did not start",
                                          code="WS707", exit_code=2) from None
                    time.sleep(0.1)
        self._create()

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "dynamodb", endpoint_url=self.endpoint, region_name=self.region,
            aws_access_key_id="wsspec-local", aws_secret_access_key="wsspec-local",
        )

    def _create(self) -> None:
        ddb = self.client()
        try:
            ddb.create_table(
                TableName=self.name,
                AttributeDefinitions=[{"AttributeName": self.table.partition_key,
                                       "AttributeType": "S"}],
                KeySchema=[{"AttributeName": self.table.partition_key, "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
            )
        except ddb.exceptions.ResourceInUseException:
            return
        ddb.update_time_to_live(
            TableName=self.name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": self.table.ttl_attribute},
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
