"""The connection table for local runs: an embedded moto server on 127.0.0.1.

Handlers reach it through ``AWS_ENDPOINT_URL_DYNAMODB`` (boto3 honours it natively) with the
dummy credentials every worker gets, so the generated stubs work without any set-up.
"""

from __future__ import annotations

import subprocess
from typing import Any

from wsspec.model import ConnectionTable
from wsspec.serve.localaws import DUMMY_KEY, Launch, launch_local_aws, stop_process


class LocalTable:
    def __init__(
        self,
        name: str,
        table: ConnectionTable,
        *,
        region: str,
        endpoint: str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.name = name
        self.table = table
        self.region = region
        self.host = host
        self.proc: subprocess.Popen[bytes] | None = None
        self.endpoint = endpoint or ""
        self._external = endpoint is not None

    def start(self, launch: Launch | None = None) -> None:
        if not self._external:
            self.proc, self.endpoint = launch_local_aws(
                self.host, self.region, "a connection table", launch
            )
        self._create()

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=DUMMY_KEY,
            aws_secret_access_key=DUMMY_KEY,
        )

    def _create(self) -> None:
        ddb = self.client()
        try:
            ddb.create_table(
                TableName=self.name,
                AttributeDefinitions=[
                    {"AttributeName": self.table.partition_key, "AttributeType": "S"}
                ],
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
