"""The project's one exception type and the finding record every stage reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from wsspec import codes
from wsspec.codes import Severity
from wsspec.escape import printable

# Documented exit codes (README "Exit codes").
EXIT_OK = 0
EXIT_INVALID = 1  # the spec has errors (or warnings with --strict); build --check found stale files
EXIT_USAGE = 2  # bad command line, unreadable file
EXIT_AWS = 3  # deploy/plan/destroy: AWS refused (credentials, region, access denied, conflict)


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one spec file. ``path`` is the dotted spec path (``routes.ping.integration``).

    ``code`` must be registered in ``wsspec.codes`` with this severity (else ``UnknownCode`` /
    ``ValueError``: a finding never carries a code the docs do not explain).
    """

    file: str
    line: int
    column: int
    code: str
    severity: Severity = field(compare=False)
    path: str = field(compare=False)
    message: str = field(compare=False)
    hint: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        registered = codes.get(self.code)
        if registered.severity != self.severity:
            raise ValueError(
                f"{self.code} is registered as {registered.severity!r}, not {self.severity!r}"
            )

    def render(self) -> str:
        """One line; control and invisible characters of spec text are shown as escapes."""
        text = f"{self.file}:{self.line}:{self.column}: {self.severity}[{self.code}]: "
        if self.path:
            text += f"{self.path}: "
        text += self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return printable(text)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }


class WsspecError(Exception):
    """A user-facing error: the CLI prints ``str(err)`` as one line and exits with ``exit_code``.

    ``code`` is required and must be registered in ``wsspec.codes`` (else ``UnknownCode``).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
        exit_code: int = EXIT_INVALID,
        findings: tuple[Finding, ...] = (),
    ) -> None:
        super().__init__(message)
        codes.get(code)  # fails loudly for an unregistered code
        self.message = message
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.hint = hint
        self.exit_code = exit_code
        self.findings = findings

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}:{self.column or 1}"
            where += ": "
        text = f"{where}error[{self.code}]: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text
