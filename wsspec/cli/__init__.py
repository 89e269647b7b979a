"""The command line: one click group (this package is the only code that prints or exits).

Exit codes: 0 ok; 1 invalid spec / stale outputs / failed checks; 2 usage error;
3 AWS refused (deploy, plan, destroy); 130 interrupted.

``wsspec validate`` runs as a pre-commit hook, so start-up time counts: the command modules
import only click and ``wsspec.errors`` at module level; each command imports what it needs
(the validator, the targets, boto3, the WebSocket server) when it runs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

import click

from wsspec import __version__
from wsspec.cli.common import Group, err
from wsspec.errors import EXIT_OK, WsspecError

EXIT_INTERRUPTED = 130

app: Group = Group(
    help="One YAML file for an AWS API Gateway WebSocket API: validate, build, deploy, serve.",
    context_settings={"show_default": True},
    lazy={
        "validate": "wsspec.cli.validate:validate_command",
        "schema": "wsspec.cli.validate:schema_command",
        "build": "wsspec.cli.build:build_command",
        "plan": "wsspec.cli.deploy:plan_command",
        "deploy": "wsspec.cli.deploy:deploy_command",
        "destroy": "wsspec.cli.deploy:destroy_command",
        "serve": "wsspec.cli.serve:serve_command",
        "import": "wsspec.cli.import_cmd:import_command",
        "drift": "wsspec.cli.drift:drift_command",
        "completion": "wsspec.cli.shell:completion_command",
    },
)
click.version_option(__version__, "--version", prog_name="wsspec", message="%(prog)s %(version)s")(
    app
)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``wsspec`` console script (and ``python -m wsspec``)."""
    try:
        code = app.main(
            args=argv, prog_name="wsspec", complete_var="_WSSPEC_COMPLETE", standalone_mode=False
        )
    except click.ClickException as exc:  # a usage error: click's message, exit 2
        exc.show()
        code = exc.exit_code
        if "--detailed-exitcode" in (sys.argv[1:] if argv is None else argv):
            code = 1  # Terraform's meaning: 1 for any error
    except (click.exceptions.Abort, KeyboardInterrupt):
        err("interrupted")
        code = EXIT_INTERRUPTED
    except WsspecError as exc:  # a library error that escaped a command
        err(str(exc))
        code = exc.exit_code
    sys.exit(code if isinstance(code, int) else EXIT_OK)
