"""Helpers for the `wsspec serve` tests: small projects in tmp dirs and a gateway in a thread.

(No tests here; the ``test_`` prefix keeps it among the serve test files.)
"""

from __future__ import annotations

import asyncio
import json
import os
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wsspec.serve import eventloop
from wsspec.serve.config import ServeConfig
from wsspec.validate import validate_file

RECORDER = """
import json, os

def handler(event, context):
    with open(os.environ["EVENTS_FILE"], "a") as f:
        f.write(json.dumps({"fn": os.environ["AWS_LAMBDA_FUNCTION_NAME"], "event": event}) + "\\n")
    return {"statusCode": 200}
"""

ECHO = """
import json

def handler(event, context):
    return {"statusCode": 200, "body": event["body"]}
"""


def make_project(tmp: Path, spec: str, handlers: dict[str, str]) -> Path:
    (tmp / "handlers").mkdir(parents=True, exist_ok=True)
    for name, code in handlers.items():
        (tmp / "handlers" / name).write_text(textwrap.dedent(code))
    path = tmp / "spec.yaml"
    path.write_text(textwrap.dedent(spec))
    return path


def load(path: Path) -> Any:
    result = validate_file(str(path))
    assert result.spec is not None and not result.errors, [f.render() for f in result.findings]
    return result.spec


class Running:
    """A Gateway on a free port, in its own thread and event loop."""

    def __init__(self, spec_path: Path, **config: Any) -> None:
        self.spec = load(spec_path)
        self.events_file = spec_path.parent / "events.jsonl"
        extra = dict(config.pop("extra_env", {}))
        extra.setdefault("EVENTS_FILE", str(self.events_file))
        config.setdefault("port", 0)
        config.setdefault("reload_interval", 0.2)
        self.config = ServeConfig(extra_env=extra, **config)
        self.lines: list[str] = []
        # the loop `wsspec serve` itself runs on here (uvloop when installed);
        # WSSPEC_TEST_LOOP=asyncio runs these tests on the standard library's loop
        self.loop = eventloop.new_loop(
            eventloop.resolve(os.environ.get("WSSPEC_TEST_LOOP", "auto"))
        )
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.gw: Any = None

    def __enter__(self) -> Running:
        from wsspec.serve.gateway import Gateway

        self.thread.start()
        self.gw = Gateway(self.spec, self.config, log=self.lines.append)
        try:
            asyncio.run_coroutine_threadsafe(self.gw.start(), self.loop).result(60)
        except BaseException:
            self.stop()  # no worker process outlives a gateway that failed to start
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.gw is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self.gw.stop(), self.loop).result(60)
        finally:
            self.gw = None
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)

    @property
    def url(self) -> str:
        return self.gw.ws_url

    @property
    def callback(self) -> str:
        return self.gw.callback_url

    def events(self) -> list[dict[str, Any]]:
        if not self.events_file.exists():
            return []
        return [json.loads(line) for line in self.events_file.read_text().splitlines() if line]

    def events_of(self, event_type: str) -> list[dict[str, Any]]:
        return [
            e["event"]
            for e in self.events()
            if e["event"].get("requestContext", {}).get("eventType") == event_type
        ]


def wait_until(cond: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def management(callback_url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=callback_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )
