"""The connection table for local runs: an embedded moto server on 127.0.0.1.

Handlers reach it through ``AWS_ENDPOINT_URL_DYNAMODB`` (boto3 honours it natively) with the
dummy credentials every worker gets, so the generated stubs work without any set-up.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

from wsspec.errors import WsspecError
from wsspec.localaws import free_port, start_moto, stop_process
from wsspec.model import ConnectionTable


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
                    code="WS966", hint="pip install 'wsspec[serve]' (or pass --no-dynamodb)",
                    exit_code=2,
                ) from exc
            port = free_port(self.host)
            self.endpoint = f"http://{self.host}:{port}"
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update({"AWS_ACCESS_KEY_ID": "wsspec-local", "AWS_SECRET_ACCESS_KEY": "wsspec-local",
                        "AWS_DEFAULT_REGION": self.region})
            self.proc = start_moto(self.host, port, env)
            if self.proc is None:
                raise WsspecError("the local DynamoDB (moto server) did not start",
                                  code="WS967", exit_code=2)
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
        stop_process(self.proc)
        self.proc = None
