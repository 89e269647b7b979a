"""The connection guard: per-user and total connection caps, enforced in ``$connect`` through
the connection table (wsspec wraps the user's ``$connect``/``$disconnect`` handlers with it;
the user's code is not changed).

Items it keeps in the connection table (partition key ``connectionId``; its own prefixes, so
they never meet the user's items, which are keyed by real connection ids):

- ``wsspec#slot#<principal>#<i>`` for ``i < max_per_user``: one item per open connection of
  a principal, taken with a conditional put (free, or expired) so two simultaneous connects
  can never take the same slot;
- ``wsspec#total``: a counter, raised with a conditional update (``n < max_total``);
- ``wsspec#cap#<connectionId>``: what one connection holds (its slot, whether it was counted).

``$disconnect`` deletes the connection's record (``ReturnValues=ALL_OLD``: only one delete
sees it, so a repeated event releases nothing twice) and releases what it held. When a
``$disconnect`` never comes, a slot frees itself when its ``expires`` (connect time plus the
maximum connection lifetime, ``ttl_seconds``) has passed, and ``reconcile`` sets the counter
to the number of live records; it runs when a connect meets a full counter (at most once a
minute).

A rejected connect answers 429 and writes one CloudWatch embedded-metric line
(namespace ``wsspec``, metric ``ConnectionsRejected``, dimensions ``ApiId`` and ``Stage``),
which a stage alarm of the ``monitoring`` section can watch.
"""

from __future__ import annotations

import importlib
import json
import os
import time
from dataclasses import dataclass
from typing import Any, Callable

PREFIX = "wsspec#"
TOTAL_KEY = PREFIX + "total"
KEY = "connectionId"
RECONCILE_EVERY = 60  # seconds between reconciliations triggered by a full counter


@dataclass(frozen=True)
class Caps:
    table: str
    max_per_user: int | None
    max_total: int | None
    ttl_seconds: int = 7200
    ttl_attribute: str = "ttl"

    @staticmethod
    def from_env(env: Any = None) -> Caps:
        env = os.environ if env is None else env
        d = json.loads(env["WSSPEC_CAPS"])
        return Caps(
            table=env["CONNECTIONS_TABLE"],
            max_per_user=d.get("max_per_user"),
            max_total=d.get("max_total"),
            ttl_seconds=int(d.get("ttl_seconds", 7200)),
            ttl_attribute=str(d.get("ttl_attribute", "ttl")),
        )


def _failed(exc: Exception) -> bool:
    """A DynamoDB ConditionalCheckFailedException (without importing botocore)."""
    err = getattr(exc, "response", None)
    return isinstance(err, dict) and err.get("Error", {}).get("Code") == (
        "ConditionalCheckFailedException"
    )


def principal_of(event: dict[str, Any]) -> str:
    auth = (event.get("requestContext") or {}).get("authorizer") or {}
    p = auth.get("principalId") if isinstance(auth, dict) else None
    return str(p) if p not in (None, "") else "-"


class Guard:
    """Acquire and release connection slots for one table (``ddb``: a boto3 DynamoDB client)."""

    def __init__(self, ddb: Any, caps: Caps, clock: Callable[[], float] = time.time) -> None:
        self.ddb, self.caps, self.clock = ddb, caps, clock

    # -- connect
    def acquire(self, connection_id: str, principal: str) -> str | None:
        """None when admitted; else why the connection is refused (``max_total`` or
        ``max_per_user``)."""
        now = int(self.clock())
        expires = now + self.caps.ttl_seconds
        slot = None
        if self.caps.max_per_user is not None:
            slot = self._take_slot(principal, connection_id, now, expires)
            if slot is None:
                return "max_per_user"
        counted = False
        if self.caps.max_total is not None:
            counted = self._count_up(now)
            if not counted:
                if slot is not None:
                    self._free_slot(slot, connection_id)
                return "max_total"
        item = {
            KEY: {"S": PREFIX + "cap#" + connection_id},
            "principal": {"S": principal},
            "counted": {"BOOL": counted},
            "expires": {"N": str(expires)},
            self.caps.ttl_attribute: {"N": str(expires)},
        }
        if slot is not None:
            item["slot"] = {"S": slot}
        self.ddb.put_item(TableName=self.caps.table, Item=item)
        return None

    def _take_slot(self, principal: str, cid: str, now: int, expires: int) -> str | None:
        assert self.caps.max_per_user is not None
        for i in range(self.caps.max_per_user):
            key = f"{PREFIX}slot#{principal}#{i}"
            try:
                self.ddb.put_item(
                    TableName=self.caps.table,
                    Item={
                        KEY: {"S": key},
                        "owner": {"S": cid},
                        "expires": {"N": str(expires)},
                        self.caps.ttl_attribute: {"N": str(expires)},
                    },
                    ConditionExpression="attribute_not_exists(#k) OR #e < :now",
                    ExpressionAttributeNames={"#k": KEY, "#e": "expires"},
                    ExpressionAttributeValues={":now": {"N": str(now)}},
                )
                return key
            except Exception as exc:
                if not _failed(exc):
                    raise
        return None

    def _count_up(self, now: int, retry: bool = True) -> bool:
        try:
            self.ddb.update_item(
                TableName=self.caps.table,
                Key={KEY: {"S": TOTAL_KEY}},
                UpdateExpression="ADD n :one",
                ConditionExpression="attribute_not_exists(n) OR n < :max",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":max": {"N": str(self.caps.max_total)},
                },
            )
            return True
        except Exception as exc:
            if not _failed(exc):
                raise
        if retry and self.reconcile(now, only_if_stale=True):
            return self._count_up(now, retry=False)
        return False

    def _count_down(self) -> None:
        try:
            self.ddb.update_item(
                TableName=self.caps.table,
                Key={KEY: {"S": TOTAL_KEY}},
                UpdateExpression="ADD n :minus",
                ConditionExpression="n > :zero",
                ExpressionAttributeValues={":minus": {"N": "-1"}, ":zero": {"N": "0"}},
            )
        except Exception as exc:
            if not _failed(exc):
                raise

    # -- disconnect
    def release(self, connection_id: str) -> bool:
        """Free what the connection holds; False when it held nothing (already released)."""
        old = self.ddb.delete_item(
            TableName=self.caps.table,
            Key={KEY: {"S": PREFIX + "cap#" + connection_id}},
            ReturnValues="ALL_OLD",
        ).get("Attributes")
        if not old:
            return False
        if "slot" in old:
            self._free_slot(old["slot"]["S"], connection_id)
        if old.get("counted", {}).get("BOOL"):
            self._count_down()
        return True

    def _free_slot(self, slot: str, connection_id: str) -> None:
        try:
            self.ddb.delete_item(
                TableName=self.caps.table,
                Key={KEY: {"S": slot}},
                ConditionExpression="#o = :cid",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":cid": {"S": connection_id}},
            )
        except Exception as exc:  # the slot expired and another connection took it
            if not _failed(exc):
                raise

    # -- self-healing
    def live_records(self, now: int) -> list[dict[str, Any]]:
        """The connection records that have not expired (a full scan of the wsspec items)."""
        out: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.caps.table,
            "FilterExpression": "begins_with(#k, :p) AND #e >= :now",
            "ExpressionAttributeNames": {"#k": KEY, "#e": "expires"},
            "ExpressionAttributeValues": {
                ":p": {"S": PREFIX + "cap#"},
                ":now": {"N": str(now)},
            },
        }
        while True:
            page = self.ddb.scan(**kwargs)
            out += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def reconcile(self, now: int | None = None, only_if_stale: bool = False) -> bool:
        """Set the counter to the number of live, counted records (dropping what lost
        ``$disconnect`` events left behind); True when it changed the counter."""
        now = int(self.clock()) if now is None else now
        got = (
            self.ddb.get_item(
                TableName=self.caps.table, Key={KEY: {"S": TOTAL_KEY}}, ConsistentRead=True
            ).get("Item")
            or {}
        )
        if only_if_stale and int(got.get("reconciled", {}).get("N", "0")) > now - RECONCILE_EVERY:
            return False
        live = sum(1 for r in self.live_records(now) if r.get("counted", {}).get("BOOL"))
        old = got.get("n", {}).get("N")
        try:
            self.ddb.update_item(
                TableName=self.caps.table,
                Key={KEY: {"S": TOTAL_KEY}},
                UpdateExpression="SET n = :live, reconciled = :now",
                ConditionExpression="attribute_not_exists(n)" if old is None else "n = :old",
                ExpressionAttributeValues={
                    ":live": {"N": str(live)},
                    ":now": {"N": str(now)},
                    **({} if old is None else {":old": {"N": old}}),
                },
            )
        except Exception as exc:  # the counter moved meanwhile: the next call tries again
            if not _failed(exc):
                raise
            return False
        return old is None or int(old) != live

    def counts(self, now: int | None = None) -> tuple[int, dict[str, int]]:
        """(the total counter, live slots per principal): for tests and ``serve``."""
        now = int(self.clock()) if now is None else now
        got = (
            self.ddb.get_item(
                TableName=self.caps.table, Key={KEY: {"S": TOTAL_KEY}}, ConsistentRead=True
            ).get("Item")
            or {}
        )
        per: dict[str, int] = {}
        for r in self.live_records(now):
            if "slot" in r:
                per[r["principal"]["S"]] = per.get(r["principal"]["S"], 0) + 1
        return int(got.get("n", {}).get("N", "0")), per


def rejection(event: dict[str, Any], reason: str) -> dict[str, Any]:
    """The 429 answer, and the metric line CloudWatch turns into ``ConnectionsRejected``."""
    rc = event.get("requestContext") or {}
    api_id, stage = str(rc.get("apiId", "")), str(rc.get("stage", ""))
    print(
        json.dumps(
            {
                "_aws": {
                    "Timestamp": int(time.time() * 1000),
                    "CloudWatchMetrics": [
                        {
                            "Namespace": "wsspec",
                            "Dimensions": [["ApiId", "Stage"]],
                            "Metrics": [{"Name": "ConnectionsRejected", "Unit": "Count"}],
                        }
                    ],
                },
                "ApiId": api_id,
                "Stage": stage,
                "ConnectionsRejected": 1,
                "reason": reason,
            }
        )
    )
    return {"statusCode": 429, "body": "Too many connections"}


_GUARD: Guard | None = None
_USER: Callable[[dict[str, Any], Any], Any] | None = None


def _user_handler() -> Callable[[dict[str, Any], Any], Any]:
    global _USER
    if _USER is None:
        module, _, name = os.environ["WSSPEC_USER_HANDLER"].rpartition(".")
        _USER = getattr(importlib.import_module(module), name)
    return _USER


def _guard() -> Guard:
    global _GUARD
    if _GUARD is None:
        import boto3

        _GUARD = Guard(boto3.client("dynamodb"), Caps.from_env())
    return _GUARD


def handler(event: dict[str, Any], context: Any) -> Any:
    """The Lambda entry point around the user's handler (``wsspec_connection_guard.handler``)."""
    rc = event.get("requestContext") or {}
    kind, cid = rc.get("eventType"), str(rc.get("connectionId", ""))
    if kind == "CONNECT":
        why = _guard().acquire(cid, principal_of(event))
        if why is not None:
            return rejection(event, why)
        try:
            result = _user_handler()(event, context)
        except BaseException:
            _guard().release(cid)
            raise
        status = result.get("statusCode", 200) if isinstance(result, dict) else 200
        if not (isinstance(status, int) and 200 <= status < 300):
            _guard().release(cid)
        return result
    if kind == "DISCONNECT":
        try:
            _guard().release(cid)
        except Exception as exc:  # the user's $disconnect still runs; reconcile heals the rest
            print(json.dumps({"wsspec": "connection-guard", "release-error": type(exc).__name__}))
    return _user_handler()(event, context)
