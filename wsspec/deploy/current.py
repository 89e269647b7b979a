"""The current state as read from AWS (``Current``), and the context the readers share.

Each record is found by natural key and carries wsspec's ownership tag; same-name resources
without the tag are listed in ``Current.foreign`` (and recorded as ``foreign_<kind>`` where a
plan must refuse to touch them).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Iterable, TypeVar

from wsspec.deploy import inventory
from wsspec.deploy.aws import Aws
from wsspec.deploy.errors import error_code, is_unimplemented
from wsspec.deploy.records import OWNER_TAG, Res, owner_value
from wsspec.model import Spec

T = TypeVar("T")
H = TypeVar("H", bound=Hashable)


@dataclass
class Cur:
    id: str  # AWS id / name / ARN used to address the resource
    props: dict[str, Any]
    stage: str | None = None
    parent: str = ""  # integration id / route id / function name (sub-resources)


@dataclass
class Current:
    records: dict[tuple[str, str], Cur] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # Out names -> generated ids
    gaps: set[str] = field(default_factory=set)  # operations the endpoint does not implement
    foreign: list[str] = field(default_factory=list)  # same-name resources without our tag
    deployments: dict[str, str | None] = field(default_factory=dict)  # stage -> deployed marker

    def add(self, kind: str, key: str, cur: Cur) -> None:
        self.records[(kind, key)] = cur

    def get(self, kind: str, key: str) -> Cur | None:
        return self.records.get((kind, key))

    def of(self, kind: str) -> dict[str, Cur]:
        return {k: v for (kd, k), v in self.records.items() if kd == kind}


# API Gateway answers its Get* lists a page at a time; the default page size is not documented
# for WebSocket APIs (the REST API's is 25, at most 500). Each page waits for the one before,
# so 299 routes are asked for 500 a page: one call instead of up to a dozen in a row.
APIGW_PAGE = "500"


def pages(
    client: Any, op: str, key: str, *, page_size: str | None = None, **kw: Any
) -> list[dict[str, Any]]:
    """Every item of a (possibly paginated) list operation, ``page_size`` items a page when
    given (an endpoint that refuses that size is asked again without it)."""
    if page_size is not None:
        try:
            return _pages(client, op, key, kw, page_size)
        except Exception as exc:  # noqa: BLE001
            if error_code(exc) not in ("BadRequestException", "ValidationException"):
                raise
    return _pages(client, op, key, kw, None)


def _pages(
    client: Any, op: str, key: str, kw: dict[str, Any], page_size: str | None
) -> list[dict[str, Any]]:
    if client.can_paginate(op):
        config = {"PaginationConfig": {"PageSize": page_size}} if page_size else {}
        out: list[dict[str, Any]] = []
        for page in client.get_paginator(op).paginate(**kw, **config):
            out.extend(page.get(key) or [])
        return out
    return list(getattr(client, op)(**kw).get(key) or [])


def fields(item: dict[str, Any], *names: str) -> dict[str, Any]:
    """``item``'s values of ``names`` (``None`` for the missing ones)."""
    return {k: item.get(k) for k in names}


class Reader:
    """What the readers share: AWS, the spec, the desired records, the state being filled in."""

    def __init__(
        self,
        aws: Aws,
        spec: Spec,
        desired: list[Res],
        *,
        whole_api: bool = True,
        early: bool = False,
    ) -> None:
        self.aws = aws
        self.spec = spec
        self.desired = desired
        self.whole_api = whole_api  # False: a full destroy (deleting the API deletes the rest)
        self.speculate = early  # per-item reads of named items start before the listings
        self._early: dict[tuple[Callable[[Any], object], Hashable], Future[object]] = {}
        self._early_lock = threading.Lock()
        self.cur = Current()
        self.owner = owner_value(spec)
        self.wanted_families = inventory.families(r.kind for r in desired)
        workers = max(1, min(32, aws.options.concurrency * 2))
        self.pool = ThreadPoolExecutor(max_workers=workers)  # leaf calls only
        self._apis: list[dict[str, Any]] | None = None
        self._apis_lock = threading.Lock()

    def apis(self) -> list[dict[str, Any]]:
        """Every apigatewayv2 API of the region (listed once; the API and permission readers
        both need it)."""
        with self._apis_lock:
            if self._apis is None:
                c = self.aws.client("apigatewayv2")
                self._apis = pages(c, "get_apis", "Items", page_size=APIGW_PAGE)
            return self._apis

    def reads(self, family: str) -> bool:
        """Whether a reader must look for ``family`` (``wsspec.deploy.inventory``): the spec
        wants it, or the API's inventory tag names it or cannot tell."""
        if family in self.wanted_families:
            return True
        mine = self.own_apis()
        if len(mine) != 1:
            return True
        known = inventory.parse(mine[0].get("Tags"))
        return known is None or family in known

    def own_apis(self) -> list[dict[str, Any]]:
        """The APIs named like the spec's that carry wsspec's tag for it (oldest first)."""
        mine = [
            a
            for a in self.apis()
            if a.get("Name") == self.spec.api.name
            and (a.get("Tags") or {}).get(OWNER_TAG) == self.owner
        ]
        return sorted(mine, key=lambda a: (str(a.get("CreatedDate") or ""), str(a["ApiId"])))

    def early(self, fn: Callable[[H], object], items: Iterable[H]) -> None:
        """Start ``fn`` on items the spec names before the listing that tells whether they
        exist (a destroy: they most likely do), so that their per-item reads (tags, policies)
        answer with the listing instead of a round trip after it. ``map`` then uses the
        results of the items it is given and ignores the rest, whose reads may have failed
        (an item that does not exist). Does nothing unless the reader was made ``early``.
        """
        if not self.speculate:
            return
        with self._early_lock:
            for item in items:
                if (fn, item) not in self._early:
                    self._early[(fn, item)] = self.pool.submit(fn, item)

    def map(self, fn: Callable[[T], object], items: Iterable[T]) -> None:
        """``fn`` on every item, in parallel (leaf calls); errors propagate. An item whose read
        ``early`` started is not read again unless that read failed; the early reads of items
        not given are waited for and their results (or errors) ignored."""
        items = list(items)
        with self._early_lock:
            started = {k[1]: self._early.pop(k) for k in [k for k in self._early if k[0] is fn]}
        if not started:
            list(self.pool.map(fn, items))
            return
        fresh = [self.pool.submit(fn, i) for i in items if started.get(i) is None]
        retry = [
            self.pool.submit(fn, i)
            for i in items
            if (f := started.get(i)) is not None and f.exception() is not None
        ]
        wait(started.values())
        for f in fresh + retry:
            f.result()

    def optional(self, service: str, op: str, **kw: Any) -> Any:
        """Call an operation some emulators lack; None (and a recorded gap) when missing."""
        if op in self.cur.gaps:
            return None
        probe = bool(self.aws.options.endpoint_url)
        try:
            return getattr(self.aws.client(service, probe=probe), op)(**kw)
        except Exception as exc:  # noqa: BLE001
            if is_unimplemented(exc):
                self.cur.gaps.add(op)
                return None
            raise

    def wanted(self, kind: str) -> list[Res]:
        return [r for r in self.desired if r.kind == kind]
