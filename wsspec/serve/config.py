"""Every tunable of ``wsspec serve`` in one record, with the documented defaults.

Items marked [Unverified] are behaviours the AWS documentation leaves open;
each is a field here so users can match what they observe in their own account.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

FRAME_LIMIT = 32 * 1024  # [Doc] larger frames close with 1009
MESSAGE_LIMIT = 128 * 1024  # [Doc] larger messages close with 1009
IDLE_TIMEOUT = 600.0  # [Doc] 10 minutes
MAX_LIFETIME = 7200.0  # [Doc] 2 hours


def default_api_id(api_name: str) -> str:
    """A stable 10-character API id (the shape of a real one: lowercase letters and digits)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.sha256(("wsspec-serve:" + api_name).encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:10])


@dataclass
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 3001
    stage: str | None = None  # None: the spec's first stage
    region: str = "us-east-1"
    account: str = "123456789012"
    api_id: str | None = None  # None: derived from the API name (default_api_id)

    idle_timeout: float = IDLE_TIMEOUT
    max_lifetime: float = MAX_LIFETIME
    timeout: float | None = (
        None  # seconds; overrides every integration timeout (and caps functions)
    )
    frame_limit: int = FRAME_LIMIT
    message_limit: int = MESSAGE_LIMIT
    close_timeout: float = 2.0  # wait for the client's close frame before dropping TCP
    # HTTP on the port: a request (head and body) must arrive within request_timeout of its
    # first byte, or of the connection's opening; an idle keep-alive connection is closed after
    # keepalive_timeout.
    request_timeout: float = 10.0
    keepalive_timeout: float = 60.0
    # @connections POSTs to a client that has this many bytes still unread get 429
    # LimitExceededException (AWS: "the client-side buffer is full").
    send_backlog_limit: int = 4 * 1024 * 1024

    concurrency: int = 4  # worker processes per function (Lambda's concurrent instances)
    reload: bool = True  # restart a function's workers when its source files change
    reload_interval: float = 0.5  # seconds between source scans
    dynamodb: bool = True  # start the embedded moto server when the spec has a connection table
    dynamodb_endpoint: str | None = None  # use this DynamoDB endpoint instead of starting one
    log_events: bool = True
    # a second, TLS port for the @connections API at AWS's addresses (see network.py); None
    # picks a free port
    tls: bool = True
    tls_port: int | None = None
    # set WSSPEC_CALLBACK_URL in every function (the plain-HTTP @connections URL)
    callback_url_env: bool = True
    # cap each worker's data segment at the function's memory (+64 MB), see invoke.py
    memory_limit: bool = True

    # requestContext.domainName (and the events' Host header): "auto" is the spec's custom
    # domain when the client's Host names it, else {apiId}.execute-api.{region}.amazonaws.com;
    # "custom" always the custom domain; "host" the Host header the client sent here.
    event_domain: str = "auto"

    # ---- [Unverified] choices, documented in the README
    # how a non-string JSON value becomes the route key: "json" (true, 1.5, {"a": 1}) or
    # "python" (True, 1.5, {'a': 1}).
    stringify: str = "json"
    # a two-way route whose integration returns a non-2xx status with a body:
    # "forward" the body (default) or send the Internal server error frame ("error").
    two_way_error_status: str = "forward"
    # an AWS service integration answered 4xx/5xx and only the `$default` integration
    # response matches: "default" maps it like any answer (the documented catch-all; the AWS
    # status is kept, so $connect is rejected with it) or "explicit" (only a /regex/ key catches
    # an error; otherwise the Internal server error frame, $connect 502).
    aws_error_mapping: str = "default"
    # a two-way reply over the 128 KB message limit: "error" sends the Internal server error
    # frame, "drop" sends nothing (either way it is never delivered, and it is logged).
    oversize_reply: str = "error"
    # a $connect Lambda result without a statusCode (e.g. ``return None``): accept (200).
    connect_default_status: int = 200
    # an authorizer that fails (not "Unauthorized") or returns an invalid response.
    authorizer_error_status: int = 500
    # $connect integration timed out.
    connect_timeout_status: int = 504
    # close code/reason sent when the maximum lifetime ends (the idle code is [Observed]).
    lifetime_close: tuple[int, str] = (1001, "Going away")
    idle_close: tuple[int, str] = (1001, "Going away")
    # whether @connections POSTs to a client reset its idle timer.
    outbound_resets_idle: bool = False
    # include "stageVariables" in Lambda proxy events (the authorizer input always has it).
    stage_variables_in_events: bool = False
    # DeleteConnection status (the model says 204; one AWS-run e2e test saw 200).
    delete_status: int = 204
    # the Bad request body frame (documented template; live spacing unverified).
    bad_request_template: str = (
        '{{"message" : "Bad request body", "connectionId": "{connection_id}", '
        '"messageId": "{message_id}"}}'
    )
    # What a client sees after a connection disconnect it didn't ask for (abrupt TCP close).
    abnormal_close: tuple[int, str] = (1006, "")
    # the $disconnect of a client that left during the handshake, after $connect had run
    handshake_drop_close: tuple[int, str] = (1006, "")
    # when $disconnect runs: "after_messages" (once the connection's messages still running
    # have answered) or "immediate" (at once, possibly alongside them)
    disconnect_order: str = "after_messages"

    extra_env: dict[str, str] = field(default_factory=dict)  # added to every function's env

    def resolved_api_id(self, api_name: str) -> str:
        return self.api_id or default_api_id(api_name)
