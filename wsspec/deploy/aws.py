"""AWS sessions and clients for the direct deploy (boto3 is imported here, lazily).

``Aws`` owns one boto3 session; every client gets the same ``endpoint_url`` (any
AWS-compatible endpoint, e.g. a moto server) and sends every call through the pacer
(``wsspec.deploy.pacing``: calls in flight bounded per API family, adaptive pacing and
retries on throttling, a few retries on transient errors; botocore's own retries are off),
which reports to ``activity`` (the live view progress displays read). Optional call hooks
count API calls (tests, benchmarks).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from wsspec.deploy.errors import aws_error, is_unimplemented, not_aws, translate
from wsspec.deploy.pacing import Pacer, patch_client
from wsspec.deploy.progress import Activity
from wsspec.errors import EXIT_USAGE, WsspecError

READ_PREFIXES = ("Get", "List", "Describe")


def is_write(operation: str) -> bool:
    return not operation.startswith(READ_PREFIXES)


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def check_endpoint(url: str | None) -> None:
    """``--endpoint-url`` must be an http(s) URL with a host: anything else is a usage error."""
    if url is None:
        return
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        parts, port_ok = None, False
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        shown = " ".join(url.split())[:200]
        raise WsspecError(
            f"--endpoint-url {shown!r} is not a valid http:// or https:// URL",
            code="WS930",
            hint="e.g. --endpoint-url http://127.0.0.1:5000",
            exit_code=EXIT_USAGE,
        )


@dataclass
class Options:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    concurrency: int = 16  # calls in flight at once per API family
    lock_wait: float = 300.0  # seconds to wait for another deploy of the spec to finish


@dataclass
class Aws:
    options: Options
    on_call: Callable[[str, str], None] | None = None  # (service, operation) before each call
    activity: Activity = field(default_factory=Activity)
    pacer: Pacer | None = None
    session: Any = None
    region: str = ""
    account: str = ""
    partition: str = "aws"
    _clients: dict[tuple[str, bool], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def connect(self) -> "Aws":
        """Create the session, check region and credentials (one STS call)."""
        return self.open().identify()

    def open(self) -> "Aws":
        """Create the session and check the region (no call yet)."""
        check_endpoint(self.options.endpoint_url)
        try:
            import boto3
            import botocore.exceptions as bx
        except ImportError as exc:  # pragma: no cover - boto3 is a dependency
            raise aws_error(f"boto3 is not installed: {exc}", None, "WS920") from None
        try:
            self.session = boto3.session.Session(
                profile_name=self.options.profile, region_name=self.options.region
            )
        except bx.BotoCoreError as exc:
            raise translate(exc) from None
        region = self.session.region_name
        if not region:
            raise aws_error("no AWS region configured", "pass --region or set AWS_REGION", "WS922")
        if not self.options.endpoint_url:
            known = set()
            for part in ("aws", "aws-cn", "aws-us-gov"):
                known |= set(
                    self.session.get_available_regions("apigatewayv2", partition_name=part)
                )
            if region not in known:
                raise aws_error(f"unknown AWS region: {region}", "pass a valid --region", "WS922")
        self.region = region
        self.partition = partition_of(region)
        if self.on_call is not None:
            hook = self.on_call

            def _before(model: Any, **_: Any) -> None:
                hook(model.service_model.service_name, model.name)

            self.session.events.register("before-call", _before)
        return self

    def identify(self) -> "Aws":
        """Check the credentials and learn the account (one STS call)."""
        try:
            # one attempt: an unreachable endpoint fails at once instead of after backoff
            ident = self.client("sts", probe=True).get_caller_identity()
        except Exception as exc:  # noqa: BLE001
            where = " (sts:GetCallerIdentity)"
            if self.options.endpoint_url and is_unimplemented(exc):
                raise not_aws(exc, self.options.endpoint_url, where) from None
            raise translate(
                exc, operation="sts:GetCallerIdentity", endpoint=self.options.endpoint_url
            ) from None
        self.account = str(ident["Account"])
        return self

    def client(self, service: str, *, probe: bool = False) -> Any:
        """A cached client. ``probe``: no retries on transient errors (the first call of an
        operation an emulator may lack, and the first call of all)."""
        key = (service, probe)
        c = self._clients.get(key)
        if c is not None:
            return c
        with self._lock:
            c = self._clients.get(key)
            if c is None:
                from botocore.config import Config

                if self.pacer is None:
                    self.pacer = Pacer(self.activity, limit=max(1, self.options.concurrency))
                cfg = Config(
                    retries={"mode": "standard", "total_max_attempts": 1},  # the pacer retries
                    max_pool_connections=max(10, self.options.concurrency * 2),
                    connect_timeout=10,
                    read_timeout=60,
                )
                c = self.session.client(service, endpoint_url=self.options.endpoint_url, config=cfg)
                family = c.meta.service_model.signing_name
                patch_client(c, family, self.pacer, retry=not probe)
                self._clients[key] = c
            return c
