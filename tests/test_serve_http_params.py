"""HTTP integrations apply their ``request_parameters`` as API Gateway maps them (issue 15):
headers, query strings and path parameters from the client's request, ``context.*``,
``stageVariables.*``, the message body and static values reach a local back end; a source
serve cannot read is named at start-up."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.sync.client import connect

from tests.test_serve_support import Running, make_project, wait_until


@pytest.fixture()
def backend() -> Iterator[tuple[int, list[dict[str, object]]]]:
    seen: list[dict[str, object]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            url = urlsplit(self.path)
            seen.append(
                {
                    "path": url.path,
                    "query": parse_qs(url.query),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": self.rfile.read(length).decode(),
                }
            )
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()


def test_request_parameters_reach_the_http_back_end(
    tmp_path: Path, backend: tuple[int, list[dict[str, object]]]
) -> None:
    port, seen = backend
    spec = f"""
    wsspec: 1
    api: {{name: params}}
    routes:
      $connect:
        integration: hook_connect
        request_parameters:
          route.request.querystring.token: true
          route.request.header.x-client: false
      order:
        integration: hook_order
    integrations:
      hook_connect:
        type: http
        proxy: true
        url: "http://127.0.0.1:{port}/hooks/{{kind}}"
        request_parameters:
          integration.request.path.kind: "'connect'"
          integration.request.header.x-connection-id: context.connectionId
          integration.request.header.x-client: route.request.header.x-client
          integration.request.header.x-env: stageVariables.env
          integration.request.header.x-static: "'fixed value'"
          integration.request.querystring.token: route.request.querystring.token
      hook_order:
        type: http
        proxy: true
        url: "http://127.0.0.1:{port}/orders"
        request_parameters:
          integration.request.querystring.item: route.request.body.item.id
          integration.request.header.x-route: context.routeKey
    stages:
      prod:
        variables: {{env: local}}
    """
    with Running(make_project(tmp_path, spec, {})) as srv:
        url = srv.url + "?token=t0k3n"
        with connect(url, additional_headers={"X-Client": "tests/1"}) as ws:
            ws.send('{"action": "order", "item": {"id": "sku-9"}}')
            wait_until(lambda: len(seen) == 2)
    connect_call, order_call = seen
    assert connect_call["path"] == "/hooks/connect"
    assert connect_call["query"] == {"token": ["t0k3n"]}
    headers = connect_call["headers"]
    assert isinstance(headers, dict)
    assert headers["x-client"] == "tests/1" and headers["x-env"] == "local"
    assert headers["x-static"] == "fixed value" and len(headers["x-connection-id"]) == 16
    assert order_call["path"] == "/orders" and order_call["query"] == {"item": ["sku-9"]}
    assert isinstance(order_call["headers"], dict) and order_call["headers"]["x-route"] == "order"
    assert order_call["body"] == '{"action": "order", "item": {"id": "sku-9"}}'


def test_a_parameter_source_serve_cannot_read_is_named_at_start_up(tmp_path: Path) -> None:
    spec = """
    wsspec: 1
    api: {name: multi}
    routes:
      $default:
        integration:
          type: http
          proxy: true
          url: "http://127.0.0.1:9/x"
          request_parameters:
            integration.request.header.x-all: route.request.multivalueheader.x-tag
    """
    with Running(make_project(tmp_path, spec, {})) as srv:
        notes = "\n".join(srv.gw.notes)
    assert "not emulated: request parameter integration.request.header.x-all" in notes
