"""What every command shares: printing, exiting, loading a valid spec, the group.

Only the CLI prints or exits, and it does so through these helpers: ``echo`` (stdout),
``err`` (stderr), ``exit_with`` (a documented exit code, see ``wsspec.errors``).
Nothing here imports more than click and ``wsspec.errors`` at module level: the
validate path of a pre-commit hook pays for what it imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, NoReturn

import click

from wsspec.errors import EXIT_INVALID, EXIT_USAGE, WsspecError

if TYPE_CHECKING:
    from wsspec.model import Spec

OUTPUT_FORMATS = click.Choice(["text", "json"])


def echo(text: str) -> None:
    """One line (or block) of the command's result on stdout."""
    click.echo(text)


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
        if not args:
            click.echo(ctx.get_help(), color=ctx.color)
            ctx.exit(EXIT_USAGE)
        return super().parse_args(ctx, args)
