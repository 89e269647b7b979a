"""Runs inside a function's worker process (``python -c <this file>``, cwd = the source dir).

Standard library only, and it never imports wsspec: the process must look like a Lambda
sandbox to the handler (``sys.path[0]`` is the source directory). The parent talks to it over
two private pipes (copies of stdin/stdout taken at start-up); the handler's own ``print`` goes
to stderr, which the gateway relays line by line with the function's name.

Messages are 4-byte big-endian lengths followed by a payload:
  child -> parent, once: {"ready": true} or {"ready": false, "error": {...}}
  parent -> child:       {"event": ..., "requestId": "...", "timeoutMs": N}
  child -> parent:       {"result": ...} or {"error": {"errorMessage", "errorType", "stackTrace"}}
Several requests may arrive in one write (a batch, see invoke.py); they are run one by one, and
each answer is written as soon as it exists: an answer held back for the rest of the batch would
be lost if a later request crashed the process or hung until it was killed.
Every payload starts with a tag byte: b"J" + JSON, or b"M" + marshal format 2 (no shared
references; both ends run the same interpreter), used only for values made of exact JSON types,
for which it gives what a JSON round trip gives at a third of the cost: the events the gateway
builds, and the usual small proxy result. Other results go as JSON, serialised as Lambda does it
(a result JSON cannot carry is a Runtime.MarshalError).

Imports are those of a Lambda sandbox: the source directory, then the function's installed
dependencies (``WSSPEC_DEPS_DIR``, built by ``wsspec.packaging`` exactly as they are zipped),
the standard library, and from the developer's site-packages only what the Lambda Python
runtime bundles (boto3 and its dependencies). Anything else fails to import, as on AWS, with
Lambda's "Unable to import module" message. ``WSSPEC_SITE_PACKAGES=1`` turns this off.
"""

import importlib
import importlib.abc
import importlib.machinery
import json
import marshal
import os
import struct
import sys
import sysconfig
import time
import traceback
from collections.abc import Callable
from typing import Any

if os.environ.get("WSSPEC_DATA_LIMIT_MB"):  # the function's memory (see invoke.py)
    import resource

    _limit = int(os.environ["WSSPEC_DATA_LIMIT_MB"]) << 20
    resource.setrlimit(resource.RLIMIT_DATA, (_limit, _limit))

_IN = os.fdopen(os.dup(0), "rb")  # buffered: a whole request usually arrives in one read()
_OUT = os.fdopen(os.dup(1), "wb", buffering=0)
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
os.dup2(2, 1)  # the handler's print() goes to stderr
sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)


_LEN = struct.Struct(">I")
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


def _read_exact(n: int) -> bytes:
    buf = _IN.read(n)  # a buffered read returns n bytes unless the pipe closed
    if len(buf) < n:
        raise EOFError
    return buf


_MAX_RESPONSE = 6291556  # Lambda's synchronous response limit, in bytes


def _write(data: bytes) -> None:
    if len(data) > _MAX_RESPONSE + 32:  # 32: the frame's own envelope
        data = (
            b"J"
            + _ENCODE(
                {
                    "error": {
                        "errorMessage": "Response payload size exceeded maximum allowed payload size "
                        "(%d bytes)." % _MAX_RESPONSE,
                        "errorType": "Function.ResponseSizeTooLarge",
                        "stackTrace": [],
                    }
                }
            ).encode()
        )
    _OUT.write(_LEN.pack(len(data)) + data)


def _send(obj: object) -> None:
    try:
        data = b"J" + _ENCODE(obj).encode()
    except (TypeError, ValueError) as exc:
        data = (
            b"J"
            + json.dumps(
                {
                    "error": {
                        "errorMessage": "Unable to marshal response: %s" % exc,
                        "errorType": "Runtime.MarshalError",
                        "stackTrace": [],
                    }
                }
            ).encode()
        )
    _write(data)


_SCALARS = frozenset((int, bool, float, type(None)))


def _send_result(result: object) -> None:
    """The usual proxy result ({"statusCode": 200, "body": "..."}, maybe with "headers") is made of
    exact JSON types and ASCII strings (JSON would join a surrogate pair written as two
    characters), so a JSON round trip would hand it back unchanged: send it as marshal. Anything
    else goes through JSON, which gives Lambda's serialisation (and its MarshalError)."""
    if type(result) is dict and len(result) <= 16:
        for k, v in result.items():
            if type(k) is not str or not k.isascii():
                break
            t = type(v)
            if t in _SCALARS or (t is str and v.isascii()):
                continue
            if (
                t is dict
                and len(v) <= 64
                and all(
                    type(hk) is str and type(hv) is str and hk.isascii() and hv.isascii()
                    for hk, hv in v.items()
                )
            ):
                continue
            break
        else:
            _write(b"M" + marshal.dumps({"result": result}, 2))
            return
    _send({"result": result})


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    tb = traceback.extract_tb(exc.__traceback__.tb_next if exc.__traceback__ else None)
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_list(tb),
    }


class LambdaContext:
    # Fixed for the life of the sandbox (read once, before the handler can change os.environ).
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
    function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    invoked_function_arn = os.environ.get("WSSPEC_FUNCTION_ARN", "")
    memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
    log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
    log_stream_name = "wsspec-serve"
    identity = None
    client_context = None

    def __init__(self, request_id: str, timeout_ms: int) -> None:
        self.aws_request_id = request_id
        self._deadline = time.monotonic() + timeout_ms / 1000.0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


Handler = Callable[[Any, LambdaContext], Any]

# What the Lambda Python runtime itself provides beyond the standard library.
RUNTIME_BUNDLED = frozenset(
    ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
)


class _RuntimeBundled(importlib.abc.MetaPathFinder):
    """Finds the runtime-bundled packages (only those) in the developer's site-packages."""

    def __init__(self, dirs: list[str]) -> None:
        self.dirs = dirs

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if path is None and name.partition(".")[0] in RUNTIME_BUNDLED:
            return importlib.machinery.PathFinder.find_spec(name, self.dirs)
        return None


def _sandbox_path() -> None:
    """sys.path as in a Lambda sandbox: source dir, dependencies, standard library."""
    cwd = os.getcwd()
    stdlib = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib")}
    deps = os.environ.get("WSSPEC_DEPS_DIR")
    if os.environ.get("WSSPEC_SITE_PACKAGES") == "1":
        if deps:
            sys.path.insert(1, deps)
        return
    keep: list[str] = []
    other: list[str] = []
    for p in sys.path:
        site = "site-packages" in p or "dist-packages" in p
        if p in ("", cwd) or p.endswith(".zip") or (not site and any(map(p.startswith, stdlib))):
            keep.append(p)
        else:
            other.append(p)
    if deps:
        keep.insert(1 if keep and keep[0] in ("", cwd) else 0, deps)
    sys.path[:] = keep
    sys.path_importer_cache.clear()
    sys.meta_path.append(_RuntimeBundled(other))


class _Invocation:
    request_id = ""  # of the invocation running (set before each handler call)


def _install_logging() -> None:
    """The root handler Lambda's Python runtime installs: ``[LEVEL]\ttimestamp\trequest id\t
    message`` (UTC, milliseconds), or one JSON object per record when
    ``AWS_LAMBDA_LOG_FORMAT=JSON``; ``AWS_LAMBDA_LOG_LEVEL`` sets the root level (without it
    the level stays WARNING, so ``logger.info`` prints only after ``setLevel(logging.INFO)``,
    as on Lambda)."""
    import logging

    class RequestId(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.aws_request_id = _Invocation.request_id
            return True

    class JsonFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            out: dict[str, Any] = {
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                + ".%03dZ" % record.msecs,
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "requestId": _Invocation.request_id,
            }
            if record.exc_info and record.exc_info[1] is not None:
                exc = record.exc_info[1]
                out["errorType"] = type(exc).__name__
                out["errorMessage"] = str(exc)
                out["stackTrace"] = traceback.format_tb(exc.__traceback__)
            return json.dumps(out, default=str)

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestId())
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON":
        handler.setFormatter(JsonFormatter())
    else:
        text = logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
        text.converter = time.gmtime
        handler.setFormatter(text)
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in ("TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "CRITICAL"):
        root.setLevel({"TRACE": "DEBUG", "WARN": "WARNING", "FATAL": "CRITICAL"}.get(level, level))


def _load() -> Handler:
    module_name = os.environ["WSSPEC_HANDLER_MODULE"]
    entry = os.environ["WSSPEC_HANDLER_ENTRY"]
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    _sandbox_path()
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError("Unable to import module '%s': %s" % (module_name, exc)) from exc
    fn: Handler | None = getattr(module, entry, None)
    if not callable(fn):
        raise AttributeError("handler '%s' missing on module '%s'" % (entry, module_name))
    return fn


def _resolve_locally() -> None:
    """Inside this worker only, the API's AWS host names (``WSSPEC_LOCAL_HOSTS``) resolve to the
    gateway: port 443 to its TLS port, 80 to its plain port (``WSSPEC_LOCAL_PORTS``). boto3,
    urllib and http.client all resolve through ``socket.getaddrinfo``."""
    hosts = os.environ.get("WSSPEC_LOCAL_HOSTS", "")
    ports = os.environ.get("WSSPEC_LOCAL_PORTS", "")
    if not hosts or "," not in ports:
        return
    import socket

    names = frozenset(h.lower() for h in hosts.split(",") if h)
    plain, secure = (int(p) for p in ports.split(",", 1))
    address = os.environ.get("WSSPEC_LOCAL_ADDRESS") or "127.0.0.1"
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0,
                    flags: int = 0) -> Any:  # fmt: skip
        name = host.decode("idna") if isinstance(host, bytes) else host
        if isinstance(name, str) and name.lower().rstrip(".") in names:
            if port in (443, "443", "https", b"https"):
                port = secure
            elif port in (80, "80", "http", b"http", None):
                port = plain
            return real(address, port, 0, type, proto, flags)
        return real(host, port, family, type, proto, flags)

    socket.getaddrinfo = getaddrinfo


def main() -> None:
    _resolve_locally()
    _install_logging()
    handler: Handler | None
    init_error: dict[str, Any] | None
    try:
        handler = _load()
        init_error = None
        _send({"ready": True})
    except BaseException as exc:  # noqa: BLE001 - reported like Lambda's Runtime.ImportModuleError
        traceback.print_exc()
        handler = None
        init_error = _error(exc, "Runtime.ImportModuleError")
        _send({"ready": False, "error": init_error})
    while True:
        try:
            (n,) = _LEN.unpack(_read_exact(4))
            raw = _read_exact(n)
            msg = marshal.loads(raw[1:]) if raw[:1] == b"M" else json.loads(raw[1:])
        except EOFError:
            return
        if handler is None:
            _send({"error": init_error})
        else:
            ctx = LambdaContext(msg.get("requestId", ""), msg.get("timeoutMs", 3000))
            _Invocation.request_id = ctx.aws_request_id
            try:
                result = handler(msg["event"], ctx)
            except Exception as exc:  # noqa: BLE001 - a function error, reported to the gateway
                sys.stderr.write("[ERROR] %s: %s\n" % (type(exc).__name__, exc))
                tb = exc.__traceback__
                traceback.print_exception(type(exc), exc, tb.tb_next if tb else None)
                sys.stderr.flush()
                _send({"error": _error(exc)})
            else:
                sys.stdout.flush()
                _send_result(result)


main()
