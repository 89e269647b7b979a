"""The connection table (and the application tables) for local runs: an embedded moto server
on 127.0.0.1.

Handlers reach it through ``AWS_ENDPOINT_URL_DYNAMODB`` (boto3 honours it natively) with the
dummy credentials every worker gets, so the generated stubs work without any set-up.
"""

from __future__ import annotations

import subprocess
from typing import Any

from wsspec.model import ConnectionTable
from wsspec.serve.localaws import DUMMY_KEY, Launch, launch_local_aws, stop_process
from wsspec.serve.streams import create_tables


class LocalTable:
    def __init__(
        self,
        name: str,
        table: ConnectionTable | None,
        *,
        region: str,
        endpoint: str | None = None,
        host: str = "127.0.0.1",
        app_tables: list[tuple[str, dict[str, Any], str | None]] | None = None,
    ) -> None:
        self.name = name
        self.table = table
        self.app_tables = app_tables or []  # (name, CreateTable parameters, TTL attribute)
        self.region = region
        self.host = host
        self.proc: subprocess.Popen[bytes] | None = None
        self.endpoint = endpoint or ""
        self._external = endpoint is not None

    @property
    def table_names(self) -> list[str]:
        """Every table created here: the connection table (if any), then the application ones."""
        own = [self.name] if self.table is not None else []
        return own + [name for name, _, _ in self.app_tables]

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
        create_tables(ddb, self.app_tables)
        if self.table is None:
            return
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
