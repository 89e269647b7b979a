"""The codes ``wsspec import`` prints (range WS970-WS979) and the one helper that raises them."""

from __future__ import annotations

from typing import NoReturn

from wsspec.errors import EXIT_AWS, EXIT_INVALID, EXIT_USAGE, WsspecError

# code -> (severity, exit code, one-line meaning); the lead registers these in wsspec.codes.
CODES: dict[str, tuple[str, int, str]] = {
    "WS970": (
        "error",
        EXIT_USAGE,
        "the input cannot be read or parsed (YAML, JSON or HCL; HCL needs python-hcl2)",
    ),
    "WS971": (
        "error",
        EXIT_USAGE,
        "the input is not a CloudFormation/SAM template, a serverless.yml or Terraform",
    ),
    "WS972": ("error", EXIT_INVALID, "the input has no WebSocket API"),
    "WS973": (
        "error",
        EXIT_USAGE,
        "several WebSocket APIs in the input and no `--api` (or `--api` names none of them)",
    ),
    "WS974": (
        "error",
        EXIT_INVALID,
        "a value the API needs cannot be resolved (intrinsic function, parameter or variable)",
    ),
    "WS975": ("error", EXIT_USAGE, "`--api-id`: no WebSocket API with this id"),
    "WS976": (
        "error",
        EXIT_AWS,
        "AWS refused a read (credentials, region, access denied, endpoint unreachable)",
    ),
    "WS977": ("error", EXIT_INVALID, "the imported spec does not validate"),
    "WS978": (
        "warning",
        EXIT_INVALID,
        "a part of the input the spec cannot express (not imported)",
    ),
    "WS979": ("warning", EXIT_INVALID, "`--download-code`: a function's code cannot be downloaded"),
}


def fail(code: str, message: str, *, file: str | None = None, hint: str | None = None) -> NoReturn:
    """Raise the one-line error ``code`` with its documented exit code."""
    raise WsspecError(message, code=code, file=file, hint=hint, exit_code=CODES[code][1])
