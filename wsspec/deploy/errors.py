"""botocore exceptions -> one-line ``WsspecError`` with exit code 3 (never a traceback)."""

from __future__ import annotations

from typing import Any

from wsspec.errors import EXIT_AWS, WsspecError

_ACCESS = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden"}
_CREDS = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
}


def aws_error(message: str, hint: str | None, code: str) -> WsspecError:
    return WsspecError(message, code=code, hint=hint, exit_code=EXIT_AWS)


def error_code(exc: BaseException) -> str:
    resp = getattr(exc, "response", None) or {}
    return str((resp.get("Error") or {}).get("Code", ""))


def is_unimplemented(exc: BaseException) -> bool:
    """An emulator that lacks the operation answers with a bare HTTP 404/500/501 (no AWS code)."""
    return error_code(exc) in ("404", "500", "501", "NotImplemented", "InternalFailure") and (
        "Internal Server Error" in str(exc)
        or "Not Found" in str(exc)
        or "not yet been implemented" in str(exc)
        or error_code(exc) == "NotImplemented"
    )


def one_line(text: object, limit: int = 300) -> str:
    """``text`` on one line (whitespace runs collapsed), at most ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def not_aws(exc: BaseException, endpoint: str | None, where: str) -> WsspecError:
    """An endpoint that answered, but not like an AWS API (a web server, a proxy's error page)."""
    text = str(exc)
    what = "an HTML page" if "<html" in text.lower() else "an answer botocore cannot parse"
    status = error_code(exc)
    if status.isdigit():
        what = f"HTTP {status} without an AWS error"
    return aws_error(
        f"the endpoint {endpoint or ''} does not answer like AWS{where}: it sent {what}",
        "check --endpoint-url: it must be an AWS API endpoint or an emulator such as moto",
        "WS931",
    )


def translate(
    exc: BaseException, *, operation: str = "", endpoint: str | None = None
) -> WsspecError:
    """Map any botocore/boto3 exception to a one-line error."""
    err = _translate(exc, operation=operation, endpoint=endpoint)
    if "\n" in err.message or "\r" in err.message:
        err.message = one_line(err.message)
        err.args = (err.message,)
    return err


def _translate(exc: BaseException, *, operation: str, endpoint: str | None) -> WsspecError:
    import botocore.exceptions as bx
    from botocore.parsers import ResponseParserError

    where = f" ({operation})" if operation else ""
    if isinstance(exc, WsspecError):
        return exc
    if isinstance(exc, ResponseParserError):
        return not_aws(exc, endpoint, where)
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return aws_error(
            "no AWS credentials found",
            "set AWS_PROFILE / AWS_ACCESS_KEY_ID or use --profile",
            "WS921",
        )
    if isinstance(exc, bx.ProfileNotFound):
        return aws_error(
            f"AWS profile not found: {exc.kwargs.get('profile')}", "check --profile", "WS921"
        )
    if isinstance(exc, bx.NoRegionError):
        return aws_error("no AWS region configured", "pass --region or set AWS_REGION", "WS922")
    if isinstance(exc, bx.EndpointConnectionError):
        return aws_error(
            f"cannot reach the AWS endpoint {exc.kwargs.get('endpoint_url', endpoint or '')}{where}",
            "check --endpoint-url / --region and the network",
            "WS923",
        )
    if isinstance(exc, bx.ConnectTimeoutError) or isinstance(exc, bx.ReadTimeoutError):
        return aws_error(f"timed out talking to AWS{where}", None, "WS923")
    if isinstance(exc, bx.ClientError):
        code = error_code(exc)
        msg = str((exc.response.get("Error") or {}).get("Message") or code)
        msg = one_line(msg)
        if code in _ACCESS:
            return aws_error(
                f"access denied{where}: {msg}",
                "the credentials lack a permission wsspec needs",
                "WS924",
            )
        if code in _CREDS:
            return aws_error(
                f"AWS rejected the credentials{where}: {msg}",
                "check the profile / keys and --region",
                "WS921",
            )
        if is_unimplemented(exc):
            return aws_error(
                f"the endpoint does not implement{where or ' this operation'}", None, "WS926"
            )
        hint = None
        if code == "NoSuchEntity" and ":iam::aws:policy/" in msg and endpoint:
            hint = (  # moto knows AWS managed policies only when asked to (docs/deploy.md)
                "the endpoint does not know AWS managed policies; start a moto server with "
                "MOTO_IAM_LOAD_MANAGED_POLICIES=true"
            )
        return aws_error(f"AWS refused{where}: {code}: {msg}", hint, "WS925")
    if isinstance(exc, bx.BotoCoreError):
        return aws_error(f"AWS client error{where}: {one_line(exc)}", None, "WS925")
    return aws_error(
        f"unexpected error{where}: {type(exc).__name__}: {one_line(exc)}", None, "WS999"
    )


def guard(fn: Any) -> Any:
    """Decorator: any botocore exception leaving ``fn`` becomes a WsspecError."""
    import functools

    @functools.wraps(fn)
    def wrapper(*a: Any, **kw: Any) -> Any:
        try:
            return fn(*a, **kw)
        except WsspecError:
            raise
        except Exception as exc:  # noqa: BLE001
            mod = type(exc).__module__
            if mod.startswith(("botocore", "boto3")):
                raise translate(exc) from None
            raise

    return wrapper
