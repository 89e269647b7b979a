"""`wsspec serve`: a local API Gateway WebSocket endpoint for a spec (issue 7).

Modules (one decision each):

* ``config``          every tunable, including the choices the AWS docs leave open.
* ``gateway``         lifecycle, the handshake pipeline (authorizer, ``$connect``) and message
                      dispatch; the only module that knows the others.
* ``transport``       HTTP/1.1 and WebSocket framing on one port (``websockets``' sans-I/O
                      protocol); hands requests and messages to the gateway. ``http11``
                      parses request heads strictly and within bounds.
* ``network``         the listening sockets (opened only once everything is ready), the TLS
                      listener (``tls``: a local authority trusted only by the workers) and
                      the AWS host names workers resolve to this server.
* ``startup``         start-up notes (what is not emulated), function runners, hot reload.
* ``routing``         route selection and request-model validation.
* ``connections_api`` the ``@connections`` HTTP API served on the same port.
* ``selection``       selection-expression evaluation (route, model, template selection).
* ``events``          the exact CONNECT / MESSAGE / DISCONNECT / authorizer event shapes.
* ``authorizer``      identity-source check and IAM policy matching.
* ``result``          ``Result`` and the ``IntegrationContext`` integrations receive.
* ``integrations/``   one module per integration type behind one interface (``RUNNERS``).
* ``vtl``             the mapping-template (Velocity subset) engine.
* ``invoke``          per-function worker pools (isolation, timeouts, hot reload); ``process``
                      is one worker process seen from the gateway; ``worker.py``/``worker.js``
                      run inside them.
* ``localaws``        the embedded moto server and the endpoints of AWS service integrations;
                      ``dynamodb`` holds the connection table in it.

Nothing here is imported on the ``validate``/``build`` paths; ``websockets`` and ``moto`` are
imported when the server starts.
"""
