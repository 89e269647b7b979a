"""What every command shares: printing, exiting, loading a valid spec, the group.

Only the CLI prints or exits, and it does so through these helpers: ``echo`` (stdout),
``err`` (stderr), ``exit_with`` (a documented exit code, see ``wsspec.errors``).
Nothing here imports more than click and ``wsspec.errors`` at module level: the
validate path of a pre-commit hook pays for what it imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import click

from wsspec.errors import EXIT_INVALID, EXIT_USAGE, WsspecError

if TYPE_CHECKING:
    from wsspec.model import Spec

OUTPUT_FORMATS = click.Choice(["text", "json"])


def echo(text: str, *, nl: bool = True) -> None:
    """One line (or block) of the command's result on stdout."""
    click.echo(text, nl=nl)


def err(text: str) -> None:
    """A finding, a progress line or an error on stderr."""
    click.echo(text, err=True)


def exit_with(code: int) -> NoReturn:
    """End the command with ``code`` (0 ok, 1 invalid, 2 usage, 3 AWS refused)."""
    raise click.exceptions.Exit(code)


def fail(exc: WsspecError) -> NoReturn:
    """Print a library error as its one line and exit with its code."""
    err(str(exc))
    exit_with(exc.exit_code)


def load_valid(path: str) -> Spec:
    """The model of a valid spec; prints the findings (stderr) and exits 1 when it has errors."""
    from wsspec.validate import validate_file

    result = validate_file(path)
    for finding in result.findings:
        err(finding.render())
    if result.errors or result.spec is None:
        exit_with(EXIT_INVALID)
    return result.spec


class Group(click.Group):
    """The commands in the order they were added; no command at all prints the help, exit 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            click.echo(ctx.get_help(), color=ctx.color)
            ctx.exit(EXIT_USAGE)
        return super().parse_args(ctx, args)
