"""The command line (this package is the only code that prints or exits).

Exit codes: 0 ok; 1 invalid spec / stale outputs / failed checks; 2 usage error;
3 AWS refused (deploy, plan, destroy).
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

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
    raise typer.Exit(_run_build(file, [t.value for t in target] if target else None, out,
                                template_format.value, check))


def _run_build(file: str, target: Optional[List[str]], out: Path, template_format: str,
               check: bool) -> int:
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
from wsspec.cli import serve as _serve_commands  # noqa: E402,F401


def _fast_path(argv: List[str]) -> Optional[tuple[str, List[str], str, bool]]:
    """Well-formed ``validate``/``schema`` command lines, parsed without typer.

    Building typer's parameter machinery costs more than validating a spec, and ``validate``
    runs as a pre-commit hook on every commit. Anything unusual (``--help``, an unknown option,
    a missing value) returns None and goes through typer, so behaviour stays identical.
    """
    if not argv or argv[0] not in ("validate", "schema"):
        return None
    if argv[0] == "schema":
        return ("schema", [], "text", False) if len(argv) == 1 else None
    files: List[str] = []
    fmt, strict, only_files = "text", False, False
    it = iter(argv[1:])
    for arg in it:
        if only_files or not arg.startswith("-") or arg == "-":
            files.append(arg)
        elif arg == "--":
            only_files = True
        elif arg == "--strict":
            strict = True
        elif arg == "--format":
            fmt = next(it, "")
            if fmt not in ("text", "json"):
                return None
        elif arg.startswith("--format="):
            fmt = arg.partition("=")[2]
            if fmt not in ("text", "json"):
                return None
        else:
            return None
    if not files:
        return None
    return ("validate", files, fmt, strict)


_BUILD_TARGETS = ("cloudformation", "terraform", "stubs")


def _fast_build(argv: List[str]) -> Optional[tuple[str, Optional[List[str]], Path, str, bool]]:
    """A well-formed ``build`` command line parsed without typer (as ``_fast_path``): builds
    run in editors' save hooks and CI, and typer's set-up costs more than rendering a spec.
    Anything unusual (``--help``, an unknown option or value, a second file) returns None."""
    if not argv or argv[0] != "build":
        return None
    files: List[str] = []
    targets: List[str] = []
    out, fmt, check, only_files = Path("build"), "yaml", False, False
    it = iter(argv[1:])
    for arg in it:
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if only_files or not arg.startswith("-") or arg == "-":
            files.append(arg)
        elif arg == "--":
            only_files = True
        elif arg == "--check":
            check = True
        elif name in ("--target", "-t", "--out", "-o", "--format"):
            value = inline if eq else next(it, None)
            if value is None or value == "" or (not eq and value.startswith("-")):
                return None
            if name in ("--target", "-t"):
                if value not in _BUILD_TARGETS:
                    return None
                targets.append(value)
            elif name in ("--out", "-o"):
                out = Path(value)
            elif value in ("yaml", "json"):
                fmt = value
            else:
                return None
        else:
            return None
    if len(files) != 1:
        return None
    return (files[0], targets or None, out, fmt, check)


_FAST_COMMANDS = ("deploy", "plan", "destroy")


def _fast_command(argv: List[str]):  # type: ignore[no-untyped-def]
    """(command function, keyword arguments) for a well-formed ``deploy``/``plan``/``destroy``
    command line, parsed from the command's own typer declarations without running typer
    (whose parameter set-up imports pydantic: ~0.15 s of every run). Anything unusual
    (``--help``, an unknown option, a bad value) returns None and goes through typer."""
    import inspect

    if not argv or argv[0] not in _FAST_COMMANDS:
        return None
    fn = getattr(_deploy_commands, argv[0], None)
    if not callable(fn):
        return None
    kwargs: dict = {}
    by_flag: dict = {}
    positional = []
    for name, param in inspect.signature(fn).parameters.items():
        info = param.default
        if isinstance(info, typer.models.ArgumentInfo):
            positional.append(name)
            kwargs[name] = info.default
        elif isinstance(info, typer.models.OptionInfo):
            kwargs[name] = info.default
            for decl in info.param_decls or ():
                for flag in decl.split("/"):
                    by_flag[flag.strip()] = (name, param.annotation, info)
        else:
            return None
    it = iter(argv[1:])
    for arg in it:
        if not arg.startswith("-") or arg == "-":
            if not positional:
                return None
            kwargs[positional.pop(0)] = arg
            continue
        flag, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if flag not in by_flag:
            return None
        name, ann, info = by_flag[flag]
        ann = ann if isinstance(ann, str) else getattr(ann, "__name__", str(ann))
        if ann == "bool":
            if eq:
                return None
            kwargs[name] = True
            continue
        value = inline if eq else next(it, None)
        if value is None or value == "" or (not eq and value.startswith("-")):
            return None
        try:
            if ann == "int":
                if info.min is not None or info.max is not None or info.callback is not None:
                    return None  # bounds and callbacks: typer's business
                kwargs[name] = int(value)
            elif ann == "OutputFormat":
                kwargs[name] = OutputFormat(value)
            elif ann.startswith("Optional[List"):
                kwargs[name] = [*(kwargs[name] or []), value]
            elif ann in ("Optional[str]", "str"):
                kwargs[name] = value
            else:
                return None
        except ValueError:
            return None
    if positional or any(v is ... for v in kwargs.values()):
        return None
    return fn, kwargs


def main() -> None:
    command = _fast_command(sys.argv[1:])
    if command is not None:
        fn, kwargs = command
        try:
            fn(**kwargs)
            code = EXIT_OK
        except typer.Exit as exc:
            code = exc.exit_code
        except WsspecError as exc:
            _err(str(exc))
            code = exc.exit_code
        except KeyboardInterrupt:
            _err("interrupted")
            code = 130
        sys.exit(code)
    build_args = _fast_build(sys.argv[1:])
    if build_args is not None:
        try:
            code = _run_build(*build_args)
        except KeyboardInterrupt:
            _err("interrupted")
            sys.exit(130)
        except WsspecError as exc:
            _err(str(exc))
            sys.exit(exc.exit_code)
        sys.exit(code)
    fast = _fast_path(sys.argv[1:])
    if fast is not None:
        command, files, fmt, strict = fast
        try:
            code = _run_schema() if command == "schema" else _run_validate(files, fmt, strict)
        except KeyboardInterrupt:
            _err("interrupted")
            sys.exit(130)
        sys.exit(code)
    try:
        app()
    except WsspecError as exc:  # library errors that escaped a command
        _err(str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
