"""The gateway's timer sweep: per-socket timers, and the idle and lifetime limits of connections.

API Gateway closes a connection idle for 10 minutes and any connection after 2 hours; serve
applies ``ServeConfig``'s values (``idle_timeout``, ``max_lifetime`` and their close codes),
checking a few times per the shortest of them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

from wsspec.serve.config import ServeConfig
from wsspec.serve.transport import Connection


async def sweep(
    cfg: ServeConfig, sockets: set[Connection], connections: Mapping[str, Connection]
) -> None:
    """Run until cancelled (``Gateway.stop``)."""
    tick = max(
        0.05,
        min(
            1.0,
            cfg.idle_timeout / 4,
            cfg.max_lifetime / 4,
            cfg.request_timeout / 4,
            cfg.keepalive_timeout / 4,
        ),
    )
    while True:
        await asyncio.sleep(tick)
        now = time.monotonic()
        for sock in list(sockets):
            sock.check_timers(now)
        for conn in list(connections.values()):
            if now - conn.opened >= cfg.max_lifetime:
                conn.close(*cfg.lifetime_close)
            elif now - conn.last_inbound >= cfg.idle_timeout:
                conn.close(*cfg.idle_close)
