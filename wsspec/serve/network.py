"""Where `wsspec serve` listens, and how function workers reach it by AWS's own addresses.

Two sockets on the same host: the stage's port (``ws://`` and plain-HTTP ``@connections``) and a
TLS port serving the same thing over ``https``/``wss`` with a certificate from a local authority
(``tls``). Both are bound at start-up but listen only once everything is ready (``listen``), so a
client can never be admitted before its authorizer and ``$connect`` can run.

Inside the workers only, the API's AWS host names resolve to these ports: port 443 goes to the
TLS port and port 80 to the plain one (``worker_env`` describes them to ``worker.py`` and
``worker.js``). A handler that builds ``https://{domainName}/{stage}``,
``https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`` or the custom-domain URL therefore
reaches this server unchanged, and trusts it through ``AWS_CA_BUNDLE``/``NODE_EXTRA_CA_CERTS``.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable

from wsspec.model import Spec
from wsspec.serve.tls import LocalTls, available, make_local_tls
from wsspec.serve.transport import bound_socket


def _suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def aws_host(api_id: str, region: str) -> str:
    """The host name API Gateway gives a WebSocket API (the events' default ``domainName``)."""
    return f"{api_id}.execute-api.{region}.{_suffix(region)}"


class Network:
    """The listening sockets of one gateway and the worker side of them."""

    def __init__(
        self, spec: Spec, api_id: str, region: str, host: str, local_dynamodb: bool
    ) -> None:
        self.hosts = [aws_host(api_id, region)]
        self.custom_domain = spec.domain.name.lower() if spec.domain is not None else None
        if self.custom_domain:
            self.hosts.append(self.custom_domain)
        # AWS service hosts whose requests are passed on to the local AWS (host -> endpoint,
        # filled in once it runs): SDKs that ignore AWS_ENDPOINT_URL_* (the JavaScript SDK v2)
        # reach the connection table through them.
        self.forward: dict[str, str] = {}
        self.service_hosts: dict[str, str] = {}  # host -> service
        if local_dynamodb:
            self.service_hosts[f"dynamodb.{region}.{_suffix(region)}"] = "dynamodb"
        self.hosts += list(self.service_hosts)
        self.host = host
        self.sockets: list[socket.socket] = []
        self.servers: list[asyncio.AbstractServer] = []
        self.tls: LocalTls | None = None
        self.port = 0
        self.tls_port: int | None = None
        self.note: str | None = None

    def domain_name(self, host_header: str, mode: str) -> str:
        """``requestContext.domainName`` for a client that sent ``host_header`` (see
        ``ServeConfig.event_domain``): what AWS would put there, the custom domain when the
        client used its name (or always, ``custom``), else the API's execute-api host; ``host``:
        the Host header itself."""
        if mode == "host":
            return host_header
        custom = self.custom_domain
        if custom and (mode == "custom" or host_header.rsplit(":", 1)[0].lower() == custom):
            return custom
        return self.hosts[0]

    def bind(self, port: int, tls_port: int | None, with_tls: bool) -> None:
        """Bind the stage's port and (``with_tls``) the TLS port; nothing listens yet."""
        plain = bound_socket(self.host, port)
        self.sockets.append(plain)
        self.port = plain.getsockname()[1]
        if not with_tls:
            return
        if not available():
            self.note = (
                "no TLS listener (pip install cryptography): handlers must reach @connections "
                "through WSSPEC_CALLBACK_URL or AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"
            )
            return
        self.tls = make_local_tls(self.hosts)
        secure = bound_socket(self.host, tls_port or 0)
        self.sockets.append(secure)
        self.tls_port = secure.getsockname()[1]

    def worker_env(self) -> dict[str, str]:
        """What a function worker needs to reach this server by AWS's addresses."""
        if self.tls is None or self.tls_port is None:
            return {}
        no_proxy = ",".join(
            x
            for x in [os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""]
            + self.hosts
            + ["127.0.0.1", "localhost"]
            if x
        )
        address = "127.0.0.1" if self.host in ("", "0.0.0.0", "::", "localhost") else self.host
        return {
            "WSSPEC_LOCAL_HOSTS": ",".join(self.hosts),
            "WSSPEC_LOCAL_ADDRESS": address,
            "WSSPEC_LOCAL_PORTS": f"{self.port},{self.tls_port}",
            "AWS_CA_BUNDLE": str(self.tls.bundle_file),
            "NODE_EXTRA_CA_CERTS": str(self.tls.ca_file),
            "NO_PROXY": no_proxy,
            "no_proxy": no_proxy,
        }

    async def listen(self, factory: Callable[[bool], asyncio.Protocol]) -> None:
        """Start accepting connections on every bound socket."""
        loop = asyncio.get_running_loop()
        for sock in self.sockets:
            secure = sock is not self.sockets[0]
            self.servers.append(
                await loop.create_server(
                    lambda s=secure: factory(s),
                    sock=sock,
                    backlog=4096,
                    ssl=self.tls.context if secure and self.tls is not None else None,
                    ssl_handshake_timeout=10.0 if secure else None,
                )
            )

    def close(self) -> None:
        """Stop accepting connections (the TLS files stay until ``cleanup``)."""
        for server in self.servers:
            server.close()
        for sock in self.sockets:
            sock.close()

    def cleanup(self) -> None:
        if self.tls is not None:
            self.tls.cleanup()
