"""`wsspec serve`: a local API Gateway WebSocket endpoint for a spec (issue 7).

Modules (one decision each):

* ``config``          every tunable, including the choices the AWS docs leave open ([Unverified]).
* ``gateway``         the TCP server: WebSocket connections (framing by ``websockets``' sans-I/O
                      protocol), handshake/authorizer/``$connect``, routing, timers, shutdown.
* ``connections_api`` the ``@connections`` HTTP API served on the same port.
* ``selection``       selection-expression evaluation (route, model, template selection).
* ``events``          the exact CONNECT / MESSAGE / DISCONNECT / authorizer event shapes.
* ``invoke``          per-function worker processes (isolation, timeouts, hot reload);
                      ``worker`` is the code that runs inside them.
* ``authorizer``      identity-source check and IAM policy matching.
* ``mock``            MOCK integrations and the mapping-template subset they use.
* ``http_integration`` HTTP / HTTP_PROXY integrations.
* ``dynamodb``        an embedded moto server holding the connection table.

Nothing here is imported on the ``validate``/``build`` paths; ``websockets`` and ``moto`` are
imported when the server starts.
"""
