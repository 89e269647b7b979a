"""Application tables and their stream triggers, locally: the tables are created in the local
DynamoDB (the same keys, indexes, stream and TTL as deployed, from ``wsspec.tables``), and each
stream trigger is a poller that reads the table's stream and invokes its function with Lambda's
DynamoDB-stream event (``{"Records": [...]}``), one batch at a time, in order per shard.

What the poller does like Lambda: batch size, starting position (``latest`` /
``trim_horizon``), filter patterns (exact values, ``prefix``, ``exists``, ``anything-but``;
other operators let the record through), retries of a failed batch (``retry_attempts``, 2 when
unset), splitting a failed batch in two (``bisect_on_error``). What it does not: the failure
destination (the records are logged and dropped) and the batching window (a batch is whatever
the stream holds, up to the batch size, when it is read).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from wsspec import arns, names, tables
from wsspec.model import Spec, StreamTrigger
from wsspec.serve.config import ServeConfig
from wsspec.serve.invoke import FunctionRunner
from wsspec.serve.localaws import DUMMY_KEY

POLL_SECONDS = 0.01  # pause between reads of an idle stream
DEFAULT_RETRIES = 2


def table_params(spec: Spec) -> list[tuple[str, dict[str, Any], str | None]]:
    """(name, CreateTable parameters, TTL attribute) of every application table."""
    out = []
    for t in spec.tables:
        name = names.app_table_name(spec, t.name)
        out.append((name, {"TableName": name, **tables.definition(t)}, t.ttl_attribute))
    return out


def create_tables(client: Any, params: list[tuple[str, dict[str, Any], str | None]]) -> None:
    """Create the tables that do not exist yet (an external endpoint may already hold them)."""
    for name, create, ttl in params:
        try:
            client.create_table(**create)
        except client.exceptions.ResourceInUseException:
            continue
        if ttl:
            client.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
            )


# ----------------------------------------------------------------------------- filters
def _value_matches(rule: Any, value: Any, present: bool) -> bool:
    if isinstance(rule, dict):
        if "exists" in rule:
            return bool(rule["exists"]) == present
        if not present:
            return False
        if "prefix" in rule:
            return isinstance(value, str) and value.startswith(str(rule["prefix"]))
        if "anything-but" in rule:
            but = rule["anything-but"]
            return value not in (but if isinstance(but, list) else [but])
        return True  # an operator not emulated: let the record through
    return present and value == rule


def matches(pattern: dict[str, Any], obj: Any) -> bool:
    """Whether ``obj`` (a stream record) matches one Lambda filter pattern."""
    if not isinstance(obj, dict):
        return False
    for key, rule in pattern.items():
        present = key in obj
        value = obj.get(key)
        if isinstance(rule, dict):
            if not matches(rule, value):
                return False
        elif isinstance(rule, list):
            if not any(_value_matches(r, value, present) for r in rule):
                return False
        elif not _value_matches(rule, value, present):
            return False
    return True


# ----------------------------------------------------------------------------- poller
def _plain(record: dict[str, Any], source_arn: str) -> dict[str, Any]:
    """A record as Lambda delivers it: JSON types, ``eventSourceARN``, epoch-second times."""
    rec = dict(record)
    ddb = dict(rec.get("dynamodb") or {})
    when = ddb.get("ApproximateCreationDateTime")
    if isinstance(when, datetime):
        ddb["ApproximateCreationDateTime"] = int(when.timestamp())
    rec["dynamodb"] = ddb
    rec["eventSourceARN"] = source_arn
    out: dict[str, Any] = json.loads(json.dumps(rec, default=str))
    return out


class StreamPump:
    """One poller task per stream trigger, started after the function runners exist."""

    def __init__(
        self,
        spec: Spec,
        endpoint: str,
        config: ServeConfig,
        runners: dict[str, FunctionRunner],
        log: Callable[[str], None],
    ) -> None:
        self.spec = spec
        self.endpoint = endpoint
        self.region = config.region
        self.account = config.account
        self.runners = runners
        self.log = log
        self.tasks: list[asyncio.Task[None]] = []

    def _client(self, service: str) -> Any:
        import boto3

        make: Any = boto3.client  # typed per service name; ``service`` is one of two
        return make(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=DUMMY_KEY,
            aws_secret_access_key=DUMMY_KEY,
        )

    async def start(self) -> None:
        """Open every trigger's shard iterators now (so ``latest`` means "from start-up")."""
        ddb, streams = self._client("dynamodb"), self._client("dynamodbstreams")
        for fn in self.spec.functions:
            runner = self.runners.get(fn.name)
            if runner is None:
                continue
            for trig in fn.triggers:
                iterators = await asyncio.to_thread(self._iterators, ddb, streams, trig)
                task = asyncio.ensure_future(
                    self._follow(streams, runner, fn.timeout, trig, iterators)
                )
                self.tasks.append(task)

    def _iterators(self, ddb: Any, streams: Any, trig: StreamTrigger) -> list[str]:
        name = names.app_table_name(self.spec, trig.table)
        arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        return [
            streams.get_shard_iterator(
                StreamArn=arn, ShardId=s["ShardId"], ShardIteratorType=trig.starting_position
            )["ShardIterator"]
            for s in shards
        ]

    async def _follow(
        self,
        streams: Any,
        runner: FunctionRunner,
        timeout: float,
        trig: StreamTrigger,
        iterators: list[str],
    ) -> None:
        source = arns.dynamodb_table(
            "aws", self.region, self.account, names.app_table_name(self.spec, trig.table)
        )
        patterns = [json.loads(p) for p in trig.filters]
        pending: list[list[dict[str, Any]]] = [[] for _ in iterators]
        while True:
            busy = False
            for i, it in enumerate(iterators):
                if not pending[i]:
                    resp = await asyncio.to_thread(
                        streams.get_records, ShardIterator=it, Limit=trig.batch_size
                    )
                    iterators[i] = resp.get("NextShardIterator") or it
                    pending[i] = [
                        r
                        for r in (_plain(x, source) for x in resp.get("Records") or ())
                        if not patterns or any(matches(p, r) for p in patterns)
                    ]
                if pending[i]:
                    busy = True
                    batch, pending[i] = pending[i][: trig.batch_size], pending[i][trig.batch_size :]
                    await self._deliver(runner, timeout, trig, batch)
            if not busy:
                await asyncio.sleep(POLL_SECONDS)

    async def _deliver(
        self, runner: FunctionRunner, timeout: float, trig: StreamTrigger, batch: list[Any]
    ) -> None:
        tries = 1 + (trig.retry_attempts if trig.retry_attempts is not None else DEFAULT_RETRIES)
        for _ in range(max(1, tries) if trig.retry_attempts != -1 else 1_000_000):
            out = await runner.invoke(
                {"Records": batch}, request_id=str(uuid.uuid4()), integration_timeout=timeout
            )
            if out.kind == "ok":
                return
            if trig.bisect_on_error and len(batch) > 1:
                half = len(batch) // 2
                await self._deliver(runner, timeout, trig, batch[:half])
                await self._deliver(runner, timeout, trig, batch[half:])
                return
        self.log(
            f"stream trigger {runner.fn.name}/{trig.table}: {len(batch)} record(s) failed every "
            "retry and were dropped (failure destinations are not emulated)"
        )

    async def stop(self) -> None:
        for t in self.tasks:
            t.cancel()
        for t in self.tasks:
            try:
                await t
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down
                pass
