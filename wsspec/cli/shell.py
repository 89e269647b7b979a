"""`wsspec completion SHELL`: the shell completion script (click's), to source from a shell's
start-up file. The same script comes from ``_WSSPEC_COMPLETE=bash_source wsspec``."""

from __future__ import annotations

import click

from wsspec.cli.common import echo, exit_with
from wsspec.errors import EXIT_OK

SHELLS = click.Choice(["bash", "zsh", "fish"])


@click.command("completion")
@click.argument("shell", type=SHELLS, help="bash, zsh or fish.")
def completion_command(shell: str) -> None:
    """Print the shell completion script, e.g. eval "$(wsspec completion bash)" in ~/.bashrc."""
    from click.shell_completion import get_completion_class

    from wsspec.cli import app

    cls = get_completion_class(shell)
    if cls is None:  # pragma: no cover - the choice lists only shells click supports
        raise click.BadParameter(shell)
    echo(cls(app, {}, "wsspec", "_WSSPEC_COMPLETE").source())
    exit_with(EXIT_OK)
