"""The command line (this package is the only code that prints or exits).

Exit codes: 0 ok; 1 invalid spec / stale outputs / failed checks; 2 usage error;
3 AWS refused (deploy, plan, destroy).
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Any, List, Optional

import typer

from wsspec.errors import EXIT_INVALID, EXIT_OK, EXIT_USAGE, WsspecError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="One YAML file for an AWS API Gateway WebSocket API: validate, build, deploy, serve.",
    pretty_exceptions_enable=False,
)


def _err(text: str) -> None:
    typer.echo(text, err=True)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


class Target(str, Enum):
    cloudformation = "cloudformation"
    terraform = "terraform"
    stubs = "stubs"


class TemplateFormat(str, Enum):
    yaml = "yaml"
    json = "json"


def _load_valid(path: str, *, strict: bool = False):  # type: ignore[no-untyped-def]
    """Validate ``path``; print findings; exit 1 on errors. Returns the model."""
    from wsspec.validate import validate_file

    result = validate_file(path)
    for f in result.findings:
        _err(f.render())
    if result.errors or (strict and result.warnings) or result.spec is None:
        raise typer.Exit(EXIT_INVALID)
    return result.spec


def _run_validate(files: List[str], fmt: str, strict: bool) -> int:
    """``wsspec validate``: print every finding of every file; return the exit code.

    Shared by the typer command and the fast path in ``main`` (identical output).
    Exit 0 valid, 1 invalid (or warnings with ``--strict``), 2 when a file cannot be read.
    """
    from wsspec.validate import validate_file

    failed = unreadable = False
    all_findings = []
    for path in files:
        result = validate_file(path)
        all_findings.extend(result.findings)
        bad = bool(result.errors) or (strict and bool(result.warnings))
        failed = failed or bad
        unreadable = unreadable or any(f.code == "WS900" for f in result.findings)
        if fmt == "text":
            for f in result.findings:
                typer.echo(f.render())
            if not bad and result.spec is not None:
                s = result.spec
                typer.echo(
                    f"{path}: ok ({len(s.routes)} route{'s' if len(s.routes) != 1 else ''}, "
                    f"{len(s.functions)} function{'s' if len(s.functions) != 1 else ''})"
                )
    if fmt == "json":
        typer.echo(json.dumps([f.as_dict() for f in all_findings], indent=2))
    if unreadable:
        return EXIT_USAGE
    return EXIT_INVALID if failed else EXIT_OK


def _run_schema() -> int:
    from wsspec.schema import schema_text

    sys.stdout.write(schema_text())
    sys.stdout.flush()
    return EXIT_OK


@app.command()
def validate(
    files: List[str] = typer.Argument(..., help="Spec files to validate."),
    format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors (exit 1)."),
) -> None:
    """Check spec files: YAML, JSON Schema and every WebSocket rule AWS enforces at deploy time."""
    raise typer.Exit(_run_validate(files, format.value, strict))


@app.command()
def schema() -> None:
    """Print the spec's JSON Schema (for editors and other tools)."""
    raise typer.Exit(_run_schema())


@app.command()
def build(
    file: str = typer.Argument(..., help="The spec file."),
    target: Optional[List[Target]] = typer.Option(
        None, "--target", "-t", help="Target(s) to build; default: all."
    ),
    out: Path = typer.Option(Path("build"), "--out", "-o", help="Output directory."),
    template_format: TemplateFormat = typer.Option(
        TemplateFormat.yaml, "--format", help="CloudFormation template format."
    ),
    check: bool = typer.Option(
        False, "--check", help="Write nothing; exit 1 naming stale or missing outputs."
    ),
) -> None:
    """Generate CloudFormation, Terraform and handler stubs from the spec."""
    raise typer.Exit(
        _run_build(
            file, [t.value for t in target] if target else None, out, template_format.value, check
        )
    )


def _run_build(
    file: str, target: Optional[List[str]], out: Path, template_format: str, check: bool
) -> int:
    """``wsspec build``; returns the exit code. Shared by the typer command and ``main``'s fast path."""
    from wsspec.build import build_outputs, select_targets
    from wsspec.validate import validate_file
    from wsspec.writer import plan_writes, write_all

    result = validate_file(file)
    for f in result.findings:
        _err(f.render())
    if result.errors or result.spec is None:
        return EXIT_INVALID
    spec = result.spec
    try:
        targets, notes = select_targets(target)
        outputs, target_notes = build_outputs(spec, targets, out, template_format)
    except WsspecError as exc:
        _err(str(exc))
        return exc.exit_code
    notes += target_notes
    for note in notes:
        typer.echo(f"note: {note}")
    cwd = Path.cwd()

    def rel(p: Path) -> str:
        try:
            return str(p.relative_to(cwd))
        except ValueError:
            return str(p)

    if check:
        bad = [w for w in plan_writes(outputs) if w.status in ("missing", "stale")]
        for w in bad:
            typer.echo(f"  {w.status:<9} {rel(w.path)}")
        if bad:
            _err(f"{len(bad)} output(s) out of date; run: wsspec build {file}")
            return EXIT_INVALID
        typer.echo("outputs are up to date")
        return EXIT_OK
    try:
        written = write_all(outputs)
    except OSError as exc:
        _err(f"error: cannot write {exc.filename}: {exc.strerror}")
        return EXIT_USAGE
    for w in written:
        extra = " (exists)" if w.status == "kept" else ""
        typer.echo(f"  {w.status:<9} {rel(w.path)}{extra}")
    return EXIT_OK


# Command groups that live in their own modules (each imports ``app`` and adds commands).
from wsspec.cli import deploy as _deploy_commands  # noqa: E402,F401
from wsspec.cli import import_cmd as _import_commands  # noqa: E402,F401
from wsspec.cli import serve as _serve_commands  # noqa: E402,F401


def _fast_command(argv: List[str]):  # type: ignore[no-untyped-def]
    """(command function, keyword arguments) for a well-formed command line, parsed from the
    command's own typer declarations without running typer.

    Typer's parameter set-up imports pydantic and costs ~0.15 s of every run -- more than
    validating or building a spec, and ``validate`` runs as a pre-commit hook on every commit.
    Anything unusual (``--help``, an unknown option, a missing or bad value, bounds or
    callbacks) returns None and goes through typer, so behaviour stays identical.
    """
    import inspect
    import typing

    if not argv:
        return None
    fn = next(
        (
            c.callback
            for c in app.registered_commands
            if c.callback is not None
            and (c.name or c.callback.__name__.replace("_", "-")) == argv[0]
        ),
        None,
    )
    if fn is None:
        return None
    hints = typing.get_type_hints(fn)

    def unwrap(tp: Any) -> tuple[Any, bool]:
        """(element type, is a list) of an annotation, Optional removed."""
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if typing.get_origin(tp) in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            return unwrap(args[0]) if len(args) == 1 else (None, False)
        if typing.get_origin(tp) is list:
            return args[0], True
        return tp, False

    def convert(tp: Any, value: str) -> Any:
        if isinstance(tp, type) and issubclass(tp, Enum):
            return tp(value)
        if tp in (int, float, Path, str):
            return tp(value)
        raise ValueError(tp)

    kwargs: dict[str, Any] = {}
    by_flag: dict[str, str] = {}
    positional: list[str] = []
    for name, param in inspect.signature(fn).parameters.items():
        info = param.default
        if not isinstance(info, (typer.models.ArgumentInfo, typer.models.OptionInfo)):
            return None
        if (
            info.callback is not None
            or getattr(info, "min", None) is not None
            or getattr(info, "max", None) is not None
        ):
            return None
        kwargs[name] = info.default
        if isinstance(info, typer.models.ArgumentInfo):
            positional.append(name)
            continue
        for decl in info.param_decls or ():
            on, _, off = decl.partition("/")
            by_flag[on.strip()] = name
            if off:
                by_flag[off.strip()] = "!" + name  # --no-x
    args = iter(argv[1:])
    only_positional = False
    for arg in args:
        if only_positional or not arg.startswith("-") or arg == "-":
            if not positional:
                return None
            tp, many = unwrap(hints[positional[0]])
            try:
                value = convert(tp, arg)
            except ValueError:
                return None
            if many:
                kwargs[positional[0]] = [
                    *(kwargs[positional[0]] if kwargs[positional[0]] is not ... else []),
                    value,
                ]
            else:
                kwargs[positional.pop(0)] = value
            continue
        if arg == "--":
            only_positional = True
            continue
        flag, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        target = by_flag.get(flag)
        if target is None:
            return None
        name = target.lstrip("!")
        tp, many = unwrap(hints[name])
        if tp is bool:
            if eq:
                return None
            kwargs[name] = not target.startswith("!")
            continue
        value = inline if eq else next(args, None)
        if value is None or value == "" or (not eq and value.startswith("-")):
            return None
        try:
            converted = convert(tp, value)
        except ValueError:
            return None
        kwargs[name] = [*(kwargs[name] or []), converted] if many else converted
    if any(v is ... for v in kwargs.values()):
        return None  # a required argument is missing: typer says so
    return fn, kwargs


def main() -> None:
    try:
        command = _fast_command(sys.argv[1:])
        if command is None:
            app()
            return
        fn, kwargs = command
        try:
            fn(**kwargs)
        except typer.Exit as exc:
            sys.exit(exc.exit_code)
        sys.exit(EXIT_OK)
    except WsspecError as exc:  # library errors that escaped a command
        _err(str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
