"""What every command shares: printing, exiting, loading a valid spec, the group.

Only the CLI prints or exits, and it does so through these helpers: ``echo`` (stdout),
``err`` (stderr), ``exit_with`` (a documented exit code, see ``wsspec.errors``).
Nothing here imports more than click and ``wsspec.errors`` at module level: the
validate path of a pre-commit hook pays for what it imports.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from wsspec.errors import EXIT_INVALID, EXIT_USAGE, Finding, WsspecError

if TYPE_CHECKING:
    from wsspec.model import Spec
    from wsspec.validate import Result

F = TypeVar("F", bound=Callable[..., Any])

# The one flag vocabulary: ``--output`` / ``-o`` is the output format of every command.
OUTPUT_FORMATS = click.Choice(["text", "json"])
OUTPUT_HELP = "Output format: text (for people) or json (for programs)."

# pip extras: which modules each needs, and what to install (pyproject.toml)
EXTRAS = {"deploy": ("boto3",), "serve": ("websockets",)}


def output_option(
    choices: click.Choice[str] = OUTPUT_FORMATS, help: str = OUTPUT_HELP
) -> Callable[[F], F]:
    """``--output`` / ``-o``: the same name, short flag and default on every command."""
    return click.option("--output", "-o", type=choices, default="text", help=help)


def colour(stream: IO[str] | None = None) -> bool:
    """Colour and redrawn lines only on a terminal, and never with ``NO_COLOR`` set
    (https://no-color.org: any non-empty value) or ``TERM=dumb``."""
    stream = stream if stream is not None else sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def style(text: str, fg: str, *, stream: IO[str] | None = None, bold: bool = False) -> str:
    """``text`` in colour ``fg`` when ``stream`` (stdout by default) shows colour, else as is."""
    return click.style(text, fg=fg, bold=bold) if colour(stream) else text


def echo(text: str) -> None:
    """One line (or block) of the command's result on stdout."""
    click.echo(text, color=colour(sys.stdout))


def err(text: str) -> None:
    """A finding, a progress line or an error on stderr."""
    click.echo(text, err=True, color=colour(sys.stderr))


def require_extra(command: str, extra: str) -> None:
    """Exit 2 with one line naming the ``pip install`` when ``extra``'s modules are missing."""
    from importlib.util import find_spec

    if all(find_spec(m) is not None for m in EXTRAS[extra]):
        return
    fail(
        WsspecError(
            f"`wsspec {command}` needs the '{extra}' extra: pip install 'wsspec[{extra}]'",
            code="WS015",
            exit_code=EXIT_USAGE,
        )
    )


def exit_with(code: int) -> NoReturn:
    """End the command with ``code`` (0 ok, 1 invalid, 2 usage, 3 AWS refused)."""
    raise click.exceptions.Exit(code)


def fail(exc: WsspecError) -> NoReturn:
    """Print a library error as its one line and exit with its code."""
    err(str(exc))
    exit_with(exc.exit_code)


def validate_path(path: str) -> Result:
    """``validate_file(path)``; ``-`` reads the spec from standard input (paths inside it are
    relative to the working directory)."""
    from wsspec.validate import validate_file, validate_text

    if path == "-":
        return validate_text(sys.stdin.read(), "<stdin>")
    return validate_file(path)


def load_valid(path: str) -> Spec:
    """The model of a valid spec; prints the findings (stderr) and exits 1 when it has errors."""
    result = validate_path(path)
    for finding in result.findings:
        err(render_finding(finding, sys.stderr))
    if result.errors or result.spec is None:
        exit_with(EXIT_INVALID)
    return result.spec


def render_finding(finding: Finding, stream: IO[str] | None = None) -> str:
    """A finding's one line, its severity in colour on a terminal."""
    line = finding.render()
    if not colour(stream):
        return line
    tag = f"{finding.severity}[{finding.code}]"
    return line.replace(
        tag,
        style(tag, "red" if finding.severity == "error" else "yellow", stream=stream, bold=True),
        1,
    )


class Group(click.Group):
    """Commands imported only when run (or listed by --help), in the order given.

    ``lazy`` maps each command name to ``"module:attribute"`` of its click command, so
    ``wsspec validate`` never imports the deploy or serve command modules.
    """

    def __init__(self, *, lazy: dict[str, str], **attrs: Any) -> None:
        super().__init__(**attrs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.lazy)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command with the whole first paragraph of its help (click would cut it short)."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None:
                rows.append((name, (command.help or "").split("\n\n")[0].strip()))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """No command at all prints the help on stdout and exits 2."""
        if not args and not ctx.resilient_parsing:  # (shell completion parses resiliently)
            click.echo(ctx.get_help(), color=ctx.color)
            ctx.exit(EXIT_USAGE)
        return super().parse_args(ctx, args)
