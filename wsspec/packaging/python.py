"""Python dependencies: ``pip install --target`` for the Lambda platform, not the build machine.

pip runs with ``--platform manylinux2014_<arch>`` (pip also accepts the older manylinux tags
under it), ``--implementation cp``, ``--python-version`` from the runtime (``python3.12`` ->
``3.12``) and ``--only-binary=:all:``: Lambda cannot compile a source distribution, and the
build machine's compiler would build for the wrong platform anyway. ``--no-compile`` keeps
``__pycache__`` out; console scripts (``bin/``) are dropped (their first line names the build
machine's Python).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from wsspec.errors import WsspecError
from wsspec.model import Dependencies, Function
from wsspec.packaging import cache

PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
_INCLUDE = re.compile(r"^\s*(?:-r|--requirement|-c|--constraint)[\s=]+(\S+)")
_NO_VERSION = re.compile(r"Could not find a version that satisfies the requirement (\S+)")
_TIMEOUT = 900  # seconds


def python_version(runtime: str) -> str:
    return runtime.removeprefix("python")


def requirement_lines(project: Path, dep: Dependencies) -> tuple[str, Path]:
    """(requirements text, directory pip runs in). A pyproject.toml's [project] dependencies
    become one requirement per line."""
    path = project / dep.path
    text = path.read_text(encoding="utf-8", errors="replace")
    if dep.kind == "pyproject":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10 only
            import tomli as tomllib
        deps = tomllib.loads(text).get("project", {}).get("dependencies", [])
        text = "".join(f"{d}\n" for d in deps)
    return text, path.parent


def inputs(project: Path, fn: Function, dep: Dependencies) -> list[bytes | str]:
    """What the installed tree depends on: the requirements (and files they include with
    ``-r``/``-c``, one level deep), the Python version and the architecture."""
    text, folder = requirement_lines(project, dep)
    parts: list[bytes | str] = ["python", fn.runtime, fn.architecture, text]
    for line in text.splitlines():
        m = _INCLUDE.match(line)
        if m:
            try:
                parts.append((folder / m.group(1)).read_bytes())
            except OSError:
                parts.append(f"missing:{m.group(1)}")
    return parts


def install(project: Path, fn: Function, dep: Dependencies, target: Path) -> None:
    """Install ``dep`` for ``fn``'s runtime and architecture into ``target``."""
    text, folder = requirement_lines(project, dep)
    req_file = target.parent / (target.name + ".requirements.txt")
    req_file.write_text(text, encoding="utf-8")
    platform = PLATFORMS[fn.architecture]
    argv = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--target",
        str(target),
        "--platform",
        platform,
        "--implementation",
        "cp",
        "--python-version",
        python_version(fn.runtime),
        "--only-binary=:all:",
        "--no-compile",
        "--no-input",
        "--disable-pip-version-check",
        "--cache-dir",
        str(cache.tool_cache("pip")),
        "-r",
        str(req_file),
    ]
    try:
        proc = subprocess.run(
            argv,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            env={**os.environ, "PIP_NO_INPUT": "1"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WsspecError(
            f"function {fn.name}: pip could not run: {exc}",
            code="WS993",
            file=cache.shown(project, dep.path),
        ) from None
    finally:
        req_file.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise _pip_error(project, fn, dep, proc.stderr or proc.stdout, platform)
    shutil.rmtree(target / "bin", ignore_errors=True)


def _pip_error(
    project: Path, fn: Function, dep: Dependencies, output: str, platform: str
) -> WsspecError:
    if "No module named pip" in output:
        return WsspecError(
            f"function {fn.name}: pip is not installed for {sys.executable}",
            code="WS993",
            file=cache.shown(project, dep.path),
            hint="install pip (python -m ensurepip) to package Python dependencies",
        )
    m = _NO_VERSION.search(output)
    if m:
        return WsspecError(
            f"function {fn.name}: no wheel of {m.group(1)} for {platform}, "
            f"CPython {python_version(fn.runtime)}",
            code="WS991",
            file=cache.shown(project, dep.path),
            hint="Lambda cannot build a source distribution: pin a version that publishes "
            "wheels for this platform, build the wheel yourself and point pip at it "
            "(--find-links in the requirements file), or check the name",
        )
    errors = [ln.strip() for ln in output.splitlines() if ln.startswith("ERROR:")]
    named = [e for e in errors if not e.startswith("ERROR: ResolutionImpossible")]
    last = (named or errors or output.strip().splitlines() or ["pip failed"])[0]
    return WsspecError(
        f"function {fn.name}: pip could not install {dep.path}: {last.removeprefix('ERROR: ')}",
        code="WS990",
        file=cache.shown(project, dep.path),
        hint="run the same pip command by hand to see the whole output: "
        f"pip install --target DIR --platform {platform} --implementation cp "
        f"--python-version {python_version(fn.runtime)} --only-binary=:all: -r {dep.path}",
    )
