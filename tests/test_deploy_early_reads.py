"""A destroy's per-item reads start beside the listings (issue 24, ``Reader.early``).

The tags (and policies) of what the spec names are asked for at the same time as the list
that tells whether it exists, one round of calls fewer; the listing still decides: a named
item that does not exist is not recorded (its failed read is ignored), an item the listing
finds that the spec no longer names is read after it, and an early read that failed for an
item that does exist is made again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from tests.deploy_util import Counter, deploy, load, project
from wsspec import names
from wsspec.deploy.current import Reader
from wsspec.deploy.desired import desired_state
from wsspec.deploy.records import OWNER_TAG, Context, owner_value
from wsspec.deploy.remote_services import read_functions


class _NotFound(Exception):
    def __init__(self) -> None:
        super().__init__("ResourceNotFoundException")
        self.response = {"Error": {"Code": "ResourceNotFoundException", "Message": "gone"}}


class _Lambda:
    """ListFunctions waits (up to 5 s) until the tags of every named function were asked
    for: if they were asked only after the listing, it would time out."""

    def __init__(self, named: list[str], listed: list[str], owner: str, flaky: str) -> None:
        self.named, self.listed, self.owner, self.flaky = named, listed, owner, flaky
        self.early = threading.Barrier(len(named) + 1, timeout=5)
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def can_paginate(self, op: str) -> bool:
        return False

    def _log(self, call: str) -> None:
        with self.lock:
            self.calls.append(call)

    def list_functions(self) -> dict[str, Any]:
        self.early.wait()
        self._log("list")
        return {
            "Functions": [
                {"FunctionName": n, "FunctionArn": f"arn:aws:lambda:us-east-1:1:function:{n}"}
                for n in self.listed
            ]
        }

    def list_tags(self, Resource: str) -> dict[str, Any]:  # noqa: N803
        name = Resource.rsplit(":", 1)[1]
        first = f"tags {name}" not in self.calls
        self._log(f"tags {name}")
        if name in self.named and first:
            self.early.wait()
        if name not in self.listed:
            raise _NotFound()
        if name == self.flaky and first:
            raise RuntimeError("connection reset")  # transient: read again after the listing
        return {"Tags": {OWNER_TAG: self.owner}}


class _Apis:
    def can_paginate(self, op: str) -> bool:
        return False

    def get_apis(self, **_: Any) -> dict[str, Any]:
        return {"Items": []}


@dataclass
class _Aws:
    clients: dict[str, Any]
    options: Any = field(default_factory=lambda: type("O", (), {"concurrency": 4})())
    region: str = "us-east-1"
    account: str = "1"
    partition: str = "aws"

    def client(self, service: str, probe: bool = False) -> Any:
        return self.clients[service]


def test_a_destroy_reads_tags_beside_the_listing_and_the_listing_decides(tmp_path):
    spec = load(project(tmp_path, "chat"))
    desired = desired_state(spec, Context("us-east-1", "1"), zip_of=lambda *_: b"")
    named = sorted(r.key for r in desired if r.kind == "function")
    assert len(named) >= 3
    gone, flaky = named[0], named[1]  # named but not deployed; its first read fails
    orphan = names.function_name(spec, "removed")  # deployed before the spec dropped it
    listed = [*named[1:], orphan]
    fake = _Lambda(named, listed, owner_value(spec), flaky)
    aws = _Aws({"lambda": fake, "apigatewayv2": _Apis()})
    rd = Reader(aws, spec, desired, whole_api=False, early=True)  # type: ignore[arg-type]
    try:
        read_functions(rd)
    finally:
        rd.pool.shutdown(wait=True)
    assert sorted(rd.cur.of("function")) == sorted(listed)  # not the one that does not exist
    at = fake.calls.index("list")
    assert fake.calls[at + 1 :].count(f"tags {orphan}") == 1  # read after the listing found it
    assert fake.calls.count(f"tags {flaky}") == 2  # its failed early read was made again
    assert fake.calls.count(f"tags {gone}") == 1  # not again: the listing says it is not there


def test_without_early_reads_the_tags_wait_for_the_listing(tmp_path):
    spec = load(project(tmp_path, "chat"))
    desired = desired_state(spec, Context("us-east-1", "1"), zip_of=lambda *_: b"")
    named = sorted(r.key for r in desired if r.kind == "function")
    fake = _Lambda([], named, owner_value(spec), "")
    aws = _Aws({"lambda": fake, "apigatewayv2": _Apis()})
    rd = Reader(aws, spec, desired, whole_api=False)  # type: ignore[arg-type]
    try:
        read_functions(rd)
    finally:
        rd.pool.shutdown(wait=True)
    assert fake.calls[0] == "list" and len(fake.calls) == 1 + len(named)
    assert sorted(rd.cur.of("function")) == named


def test_a_destroy_with_early_reads_removes_what_an_older_spec_left(moto, aws_env, tmp_path):
    """On moto: the function, role and log group of a function the spec no longer names (found
    by the listings and their tags, not by early reads) are deleted with the rest."""
    import yaml

    from tests.deploy_util import is_empty, snapshot

    moto.reset()
    path = project(tmp_path, "chat")
    spec = load(path)
    deploy(spec, moto.url)
    data = yaml.safe_load(path.read_text())
    del data["functions"]["on_disconnect"], data["routes"]["$disconnect"]
    smaller = load(project(tmp_path / "smaller", None, data=data))
    _, result, c = deploy(smaller, moto.url, destroy=True, lock_first=True, counter=Counter())
    assert result is not None and not result.warnings, result
    deleted = [op for _, op in c.calls if op == "DeleteFunction"]
    assert len(deleted) == len(spec.functions) == 3  # the dropped one too
    assert is_empty(snapshot(moto.url)), snapshot(moto.url)
