"""HTTP/1.1 and WebSocket on one TCP port: bytes in, requests and messages out.

Each TCP connection starts in HTTP mode. A request with ``Upgrade: websocket`` is handed to the
host's handshake pipeline (``Host.upgrade``), which ends with ``Connection.open`` (101) or
``Connection.reject``; any other request is answered by ``Host.http_request`` (keep-alive,
pipelining). Every byte read is bounded: heads are parsed strictly by ``http11`` (size, header
count, one ``Content-Length``, one ``Host``), a request must arrive within ``request_timeout`` of
its first byte (or of the connection's opening), an idle keep-alive connection is closed after
``keepalive_timeout``, bytes sent during the handshake pipeline are capped, and a client that
does not read its answers stops being read.

WebSocket framing, masking, UTF-8 validation, ping/pong, the closing handshake and the size
limits (``max_size=(128 KB message, 32 KB frame)`` -> close 1009) are done by ``websockets``'
sans-I/O ``ServerProtocol``; this module only moves bytes and hands complete text messages to
``Host.on_message``. It knows nothing of routes or integrations.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, cast

from wsspec.serve import events as ev
from wsspec.serve.config import ServeConfig
from wsspec.serve.http11 import Head, Headers, HttpError, parse_head

if TYPE_CHECKING:
    from websockets.frames import Frame, Opcode
    from websockets.http11 import Response
    from websockets.server import ServerProtocol

HANDSHAKE_BUFFER = 256 * 1024  # bytes a client may send before its 101 (then reading pauses)
_quiet = logging.getLogger("wsspec.serve.websockets")
_quiet.setLevel(logging.WARNING)
_quiet.propagate = False

HttpAnswer = tuple[int, dict[str, str], bytes]  # status, headers, body


class Host(Protocol):
    """What a connection needs from the server it belongs to (the gateway)."""

    config: ServeConfig
    sockets: set[Connection]

    def upgrade(
        self, conn: Connection, method: str, target: str, headers: Headers, rest: bytes
    ) -> None:
        """Start the handshake pipeline; ``rest``: bytes that followed the request head."""

    def http_request(
        self, conn: Connection, head: Head, body: bytes
    ) -> HttpAnswer | asyncio.Future[HttpAnswer]:
        """Answer one plain HTTP request (a future: answered later, e.g. forwarded; the
        connection's next requests wait for it)."""

    def on_message(self, conn: Connection, text: str) -> None:
        """One complete text message from an open WebSocket."""

    def connection_closed(self, conn: Connection) -> None:
        """An open WebSocket's TCP connection ended."""

    def log(self, text: str) -> None: ...


class Connection(asyncio.Protocol):
    """One TCP connection: HTTP requests first, then (maybe) a WebSocket."""

    __slots__ = (
        "after_messages",
        "buf",
        "close_deadline",
        "closed",
        "frags",
        "head",
        "host",
        "hs",
        "idle_since",
        "last_active_ms",
        "last_inbound",
        "mode",
        "opened",
        "peer",
        "pending",
        "request_started",
        "server_close",
        "tls",
        "transport",
        "write_paused",
        "ws",
    )

    def __init__(self, host: Host, tls: bool = False) -> None:
        self.host = host
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.mode = "http"  # http | waiting (for an answer) | handshake | ws | closed
        self.ws: ServerProtocol | None = None
        self.hs: ev.Handshake | None = None
        self.head: Head | None = None
        self.request_started: float | None = time.monotonic()  # None: idle between requests
        self.idle_since = 0.0
        self.write_paused = False
        self.tls = tls  # accepted on the TLS listener
        self.pending = 0  # messages whose integration has not answered yet
        self.after_messages: Callable[[], object] | None = None  # run when pending drops to 0
        self.opened = 0.0
        self.last_inbound = 0.0
        self.last_active_ms = 0
        self.server_close: tuple[int, str] | None = None
        self.frags: list[bytes] | None = None
        self.close_deadline: float | None = None
        self.peer: tuple[str, int] = ("127.0.0.1", 0)
        self.closed = False

    # ---------------------------------------------------------------- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # a TCP server's: read and write
        peer = transport.get_extra_info("peername")
        if peer:
            self.peer = (peer[0], peer[1])
        self.host.sockets.add(self)

    def data_received(self, data: bytes) -> None:
        mode = self.mode
        if mode == "ws":
            self._ws_data(data)
            return
        if mode == "closed":
            return
        self.buf += data
        if mode in ("handshake", "waiting"):
            # Bytes sent before the 101 (the client's first frames) wait here, bounded: past the
            # limit, reading stops until the handshake pipeline has decided.
            if len(self.buf) > HANDSHAKE_BUFFER and self.transport is not None:
                self.transport.pause_reading()
            return
        if self.request_started is None:
            self.request_started = time.monotonic()
        self._next_http()

    def eof_received(self) -> bool | None:
        if self.mode == "ws":
            assert self.ws is not None
            self.ws.receive_eof()
            self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.host.sockets.discard(self)
        if self.mode == "ws":
            assert self.ws is not None
            self.ws.receive_eof()
            self.mode = "closed"
            self.host.connection_closed(self)
        self.mode = "closed"

    def pause_writing(self) -> None:
        # The client does not read what it is sent: in HTTP mode, stop reading its requests too
        # (pipelined requests would otherwise pile answers up here without bound).
        self.write_paused = True
        if self.mode == "http" and self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.mode == "http" and self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def backlog(self) -> int:
        """Bytes written to this connection that the client has not taken yet."""
        t = self.transport
        return t.get_write_buffer_size() if t is not None and not t.is_closing() else 0

    def check_timers(self, now: float) -> None:
        """Close an HTTP connection whose request takes longer than ``request_timeout`` to arrive
        (408), or that stayed idle between requests for ``keepalive_timeout``. (WebSocket timers
        are the gateway's: they follow API Gateway's idle and lifetime limits.)"""
        if self.mode != "http" or self.transport is None:
            return
        cfg = self.host.config
        if self.request_started is not None:
            if now - self.request_started > cfg.request_timeout:
                self.http_reply(408, b"", {}, close=True)
        elif now - self.idle_since > cfg.keepalive_timeout:
            self.mode = "closed"
            self.transport.close()

    # ---------------------------------------------------------------- HTTP
    def _next_http(self) -> None:
        """Serve every complete request in the buffer (keep-alive, pipelining). A request whose
        body has not fully arrived keeps its parsed head in ``self.head`` until it has."""
        while self.mode == "http" and self.buf:
            head = self.head
            if head is None:
                try:
                    head = parse_head(self.buf)
                except HttpError as exc:
                    self._refuse(exc)
                    return
                if head is None:
                    return
                if head.upgrade:
                    self._upgrade(head)
                    return
                if head.expect_continue and head.length and len(self.buf) == head.size:
                    assert self.transport is not None
                    self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            end = head.size + head.length
            if len(self.buf) < end:
                self.head = head
                return
            self.head = None
            body = bytes(self.buf[head.size : end])
            del self.buf[:end]
            self._http_request(head, body)
        if self.mode == "http" and not self.buf:
            self.request_started = None
            self.idle_since = time.monotonic()

    def _refuse(self, exc: HttpError) -> None:
        headers = {"x-amzn-ErrorType": "PayloadTooLargeException"} if exc.status == 413 else {}
        body = json.dumps({"message": exc.reason}).encode()
        self.http_reply(exc.status, body, headers, close=True)

    def _upgrade(self, head: Head) -> None:
        rest = bytes(self.buf[head.size :])
        self.buf = bytearray()
        self.mode = "handshake"
        self.host.upgrade(self, head.method, head.target, head.headers, rest)

    def _http_request(self, head: Head, body: bytes) -> None:
        try:
            answer = self.host.http_request(self, head, body)
        except Exception as exc:  # noqa: BLE001 - never let a bad request kill the server
            self.host.log(f"@connections internal error: {type(exc).__name__}: {exc}")
            answer = 500, {}, b'{"message":"Internal server error"}'
        if isinstance(answer, tuple):
            self._answer(answer, head.keep_alive)
            return
        # Answered later: requests behind it wait (in order), their bytes bounded.
        self.mode = "waiting"
        answer.add_done_callback(lambda fut: self._answered(fut, head.keep_alive))

    def _answered(self, fut: asyncio.Future[HttpAnswer], keep_alive: bool) -> None:
        if self.mode != "waiting":
            return  # the connection ended meanwhile
        self.mode = "http"
        if fut.cancelled() or fut.exception() is not None:
            answer: HttpAnswer = 502, {}, b'{"message":"Bad Gateway"}'
        else:
            answer = fut.result()
        self._answer(answer, keep_alive)
        if self.transport is not None:
            self.transport.resume_reading()
        self._next_http()

    def _answer(self, answer: HttpAnswer, keep_alive: bool) -> None:
        status, rheaders, rbody = answer
        self.http_reply(status, rbody, rheaders, close=not keep_alive)
        if self.buf:  # the next pipelined request has started already
            self.request_started = time.monotonic()

    def http_reply(self, status: int, body: bytes, headers: dict[str, str], close: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        reason = REASONS.get(status, "Status")
        out = [f"HTTP/1.1 {status} {reason}"]
        hdrs = {
            "Content-Length": str(len(body)),
            "Date": http_date(),
            "x-amzn-RequestId": ev.new_id(),
        }
        if body and "Content-Type" not in headers:
            hdrs["Content-Type"] = "application/json"
        given = {k.lower() for k in headers}
        hdrs = {k: v for k, v in hdrs.items() if k.lower() not in given}
        hdrs.update(headers)
        if close:
            hdrs["Connection"] = "close"
        out += [f"{k}: {v}" for k, v in hdrs.items()]
        self.transport.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
        if close:
            self.mode = "closed"
            self.transport.close()

    # ---------------------------------------------------------------- the handshake's end
    def reject(self, status: int, body: bytes) -> None:
        """Refuse the WebSocket upgrade with ``status`` and close the TCP connection."""
        from websockets.datastructures import Headers as WsHeaders
        from websockets.http11 import Response

        h = WsHeaders()
        h["Date"] = http_date()
        h["Content-Length"] = str(len(body))
        if body:
            h["Content-Type"] = "application/json"
        h["Connection"] = "close"
        resp = Response(status, REASONS.get(status, "Error"), h, body)
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(resp.serialize())
            self.transport.close()
        self.mode = "closed"

    def open(
        self, ws: ServerProtocol, accept: Response, hs: ev.Handshake, subprotocol: str | None
    ) -> None:
        """Send the 101 and become a WebSocket (``ws``: the protocol that made ``accept``)."""
        if subprotocol:
            accept.headers["Sec-WebSocket-Protocol"] = subprotocol
        accept.headers["Date"] = http_date()
        self.ws = ws
        self.hs = hs
        self.mode = "ws"
        self.opened = self.last_inbound = time.monotonic()
        self.last_active_ms = ev.now_ms()
        assert self.transport is not None
        self.transport.write(accept.serialize())
        self.transport.resume_reading()  # paused if the client sent much before its 101

    # ---------------------------------------------------------------- WebSocket
    def _ws_data(self, data: bytes) -> None:
        ws = self.ws
        assert ws is not None
        ws.receive_data(data)
        # A server protocol past the handshake receives frames only.
        events = cast("list[Frame]", ws.events_received())
        self._flush()
        for frame in events:
            self._frame(frame)

    def _frame(self, frame: Frame) -> None:
        Opcode = _opcode()  # noqa: N806 - the websockets enum, imported lazily
        op = frame.opcode
        if op is Opcode.TEXT or (op is Opcode.CONT and self.frags is not None):
            self.last_inbound = time.monotonic()
            self.last_active_ms = ev.now_ms()
            if op is Opcode.TEXT and frame.fin:
                self._message(frame.data)
                return
            if self.frags is None:
                self.frags = []
            self.frags.append(bytes(frame.data))
            if frame.fin:
                data = b"".join(self.frags)
                self.frags = None
                self._message(data)
        elif op is Opcode.BINARY or op is Opcode.CONT:
            self.close(1003, "Binary frames are not supported")

    def _message(self, data: bytes | bytearray | memoryview) -> None:
        if self.server_close is not None:
            return
        try:
            text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else str(data)
        except UnicodeDecodeError:
            self.close(1007, "Invalid UTF-8")
            return
        try:
            self.host.on_message(self, text)
        except Exception as exc:  # noqa: BLE001 - a bug here must not drop the connection
            self.host.log(f"internal error: {type(exc).__name__}: {exc}")

    def _flush(self) -> None:
        ws = self.ws
        transport = self.transport
        if transport is None or ws is None:
            return
        for data in ws.data_to_send():
            if data:
                transport.write(data)
            else:
                # End of the stream: a server closes TCP right after the closing handshake.
                transport.close()
                return
        if ws.close_expected() and self.close_deadline is None:
            timeout = self.host.config.close_timeout
            self.close_deadline = time.monotonic() + timeout
            asyncio.get_running_loop().call_later(timeout, self._close_timeout)

    def _close_timeout(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.abort()

    def send_text(self, data: bytes) -> None:
        """Send one message, fragmented into frames of at most the frame limit."""
        if self.mode != "ws" or self.server_close is not None:
            return
        limit = self.host.config.frame_limit
        ws = self.ws
        assert ws is not None
        try:
            if len(data) <= limit:
                ws.send_text(data)
            else:
                from websockets.frames import Frame, Opcode

                chunks = [data[i : i + limit] for i in range(0, len(data), limit)]
                for i, chunk in enumerate(chunks):
                    op = Opcode.TEXT if i == 0 else Opcode.CONT
                    ws.send_frame(Frame(op, chunk, fin=i == len(chunks) - 1))
        except Exception:  # noqa: BLE001 - the connection is closing; nothing to deliver
            return
        self._flush()

    def send_binary(self, data: bytes) -> None:
        if self.mode != "ws" or self.server_close is not None:
            return
        assert self.ws is not None
        try:
            self.ws.send_binary(data)
        except Exception:  # noqa: BLE001
            return
        self._flush()

    def close(self, code: int, reason: str) -> None:
        """Start a server-side close; ``$disconnect`` fires when the TCP connection ends."""
        if self.mode != "ws" or self.server_close is not None:
            return
        self.server_close = (code, reason)
        assert self.ws is not None
        try:
            self.ws.send_close(code, reason)
        except Exception:  # noqa: BLE001 - already closing
            pass
        self._flush()

    def gone(self) -> bool:
        """Whether the TCP connection has ended (it may end while a handshake step awaits)."""
        return self.closed

    def message_done(self) -> None:
        """One of this connection's messages has been answered."""
        self.pending -= 1
        if self.pending == 0 and self.after_messages is not None:
            then, self.after_messages = self.after_messages, None
            then()

    def disconnect_status(self) -> tuple[int, str]:
        ws = self.ws
        assert ws is not None
        if self.server_close is not None:
            return self.server_close
        if ws.close_rcvd is not None and (ws.close_sent is None or ws.close_rcvd_then_sent):
            code, reason = int(ws.close_rcvd.code), ws.close_rcvd.reason
            if code == 1005 and not reason:
                reason = "Client-side close frame status not set"
            return code, reason
        if ws.close_sent is not None:  # the protocol failed the connection (1009, 1007, 1002)
            return int(ws.close_sent.code), ws.close_sent.reason
        return self.host.config.abnormal_close


def bound_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` and not listening yet: connecting to it is refused
    until the server calls ``listen`` (``loop.create_server(sock=...)``)."""
    family, kind, proto, _, addr = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
    except BaseException:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def upgrade_response(
    target: str, headers: Headers, config: ServeConfig
) -> tuple[ServerProtocol, Response]:
    """A WebSocket protocol for an upgrade request (limits from ``config``) and its answer: a
    101 to send once the handshake pipeline accepts, or the status of an invalid handshake."""
    from websockets.datastructures import Headers as WsHeaders
    from websockets.http11 import Request
    from websockets.protocol import OPEN
    from websockets.server import ServerProtocol

    ws = ServerProtocol(
        state=OPEN, max_size=(config.message_limit, config.frame_limit), logger=_quiet
    )
    return ws, ws.accept(Request(path=target, headers=WsHeaders(headers)))


REASONS = {
    100: "Continue",
    101: "Switching Protocols",
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    410: "Gone",
    411: "Length Required",
    413: "Payload Too Large",
    426: "Upgrade Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


_date_cache: tuple[int, str] = (-1, "")
_Opcode: type[Opcode] | None = None


def _opcode() -> type[Opcode]:
    """``websockets.frames.Opcode``, imported on first use (websockets is a lazy import)."""
    global _Opcode
    if _Opcode is None:
        from websockets.frames import Opcode

        _Opcode = Opcode
    return _Opcode


def http_date() -> str:
    """The HTTP ``Date`` value, formatted once per second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now)))
    return _date_cache[1]
