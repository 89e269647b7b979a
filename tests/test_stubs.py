"""Handler stubs: generated code passes the real tools, and user code is never lost."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
import yaml
from click.testing import CliRunner

from benchmarks.gen_spec import write as write_big_spec
from tests.conftest import ROOT, SAMPLE_FILES
from wsspec.cli import app
from wsspec.errors import WsspecError
from wsspec.model import Spec, build_model
from wsspec.targets import BuildContext, stubs
from wsspec.validate import validate_file
from wsspec.writer import plan_writes, write_all

DATA = ROOT / "tests" / "data_stubs"
SPECS = SAMPLE_FILES + sorted(DATA.glob("*.yaml"))
NODE = shutil.which("node") or "/usr/bin/node"
runner = CliRunner()


def _build(spec_path: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["build", str(spec_path), "--target", "stubs", *args])
    return result.exit_code, result.output


def _unvalidated_model(spec_path: Path) -> Spec:
    data = yaml.safe_load(spec_path.read_text())
    return build_model(data, source_file=str(spec_path), project_dir=str(spec_path.parent))


def _copy_spec(src: Path, dest_dir: Path) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(src, dest_dir / src.name))


@pytest.fixture(scope="module", autouse=True)
def _edge_day() -> Iterator[None]:
    """python-edge.yaml keeps python3.9/3.10 functions (the stubs' typing_extensions fallback):
    valid until Lambda blocked new functions with them on 2026-06-01."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WSSPEC_TODAY", "2026-05-01")
        yield


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Fresh stubs for every sample and test spec, each in its own project directory."""
    out: dict[str, list[Path]] = {}
    for src in SPECS:
        project = tmp_path_factory.mktemp(src.stem)
        spec_path = _copy_spec(src, project)
        code, text = _build(spec_path)
        assert code == 0, text
        out[src.stem] = _sources(project)
    # A large generated spec: one function with most routes, functions with one plain route.
    project = tmp_path_factory.mktemp("big60")
    code, text = _build(write_big_spec(60, project))
    assert code == 0, text
    out["big60"] = _sources(project)
    return out


def _sources(project: Path) -> list[Path]:
    return sorted(
        p for p in project.rglob("*") if p.suffix in (".py", ".js", ".mjs", ".cjs") and p.is_file()
    )


def _runtime_versions() -> dict[Path, str]:
    """handler file -> "3.12" style Python version of its function's runtime."""
    versions: dict[Path, str] = {}
    for src in SPECS:
        spec = validate_file(str(src)).spec
        assert spec is not None
        for fn in spec.functions:
            m = re.match(r"python(\d+)\.(\d+)", fn.runtime)
            if m:
                versions[Path(fn.handler_path)] = f"{m.group(1)}.{m.group(2)}"
    return versions


def _python_files(generated: dict[str, list[Path]]) -> list[Path]:
    return [p for files in generated.values() for p in files if p.suffix == ".py"]


# ----------------------------------------------------------------------------- real tools
def test_every_spec_function_gets_a_stub(generated: dict[str, list[Path]]) -> None:
    for src in SPECS:
        spec = validate_file(str(src)).spec
        assert spec is not None
        # a function wsspec owns (a JWT authorizer) has no stub
        names = sorted(Path(fn.handler_path).name for fn in spec.functions if not fn.builtin)
        assert sorted(p.name for p in generated[src.stem]) == names


def test_python_stubs_pass_ruff(generated: dict[str, list[Path]]) -> None:
    versions = _runtime_versions()
    for path in _python_files(generated):
        version = next(
            (v for rel, v in versions.items() if path.as_posix().endswith(rel.as_posix())), "3.12"
        )
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                "check",
                "--isolated",
                "--line-length",
                "100",
                "--select",
                "E,F,W,I,B,UP,SIM,RUF",
                "--target-version",
                "py" + version.replace(".", ""),
                str(path),
            ],
            check=False,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, f"{path}:\n{proc.stdout}{proc.stderr}"


def test_python_stubs_pass_mypy_strict(generated: dict[str, list[Path]], tmp_path: Path) -> None:
    versions = _runtime_versions()
    for stem, files in generated.items():
        py = [p for p in files if p.suffix == ".py"]
        for path in py:
            version = next(
                (v for rel, v in versions.items() if path.as_posix().endswith(rel.as_posix())),
                "3.12",
            )
            version = max(version, "3.10", key=lambda v: tuple(int(x) for x in v.split(".")))
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "mypy",
                    "--strict",
                    "--python-version",
                    version,
                    "--cache-dir",
                    str(tmp_path / "mypy-cache"),
                    str(path),
                ],
                check=False,
                capture_output=True,
                text=True,
                cwd=path.parent,
            )
            assert proc.returncode == 0, f"{stem}/{path.name}:\n{proc.stdout}{proc.stderr}"


def test_node_stubs_pass_node_check(generated: dict[str, list[Path]]) -> None:
    node_files = [
        p for files in generated.values() for p in files if p.suffix in (".js", ".mjs", ".cjs")
    ]
    assert len(node_files) >= 5  # the Node fixture covers ESM, CommonJS and the authorizer
    for path in node_files:
        proc = subprocess.run(
            [NODE, "--check", str(path)], check=False, capture_output=True, text=True
        )
        assert proc.returncode == 0, f"{path}:\n{proc.stderr}"


def test_committed_sample_stubs_pass_the_same_tools(tmp_path: Path) -> None:
    """samples/handlers (and src/) are what `wsspec build` made, plus the chat logic."""
    files = sorted((ROOT / "samples" / "handlers").glob("*.py")) + [
        ROOT / "samples" / "src" / "ingest" / "app.py"
    ]
    assert len(files) == 12  # 6 + 3 of samples/monitoring.yaml + 2 of protected-chat + src/ingest
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--line-length",
            "100",
            "--select",
            "E,F,W,I,B,UP,SIM,RUF",
            "--target-version",
            "py312",
            *map(str, files),
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout
    for path in files:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "mypy",
                "--strict",
                "--python-version",
                "3.12",  # the samples' runtime (pyproject's mypy section says 3.10, for wsspec)
                "--cache-dir",
                str(tmp_path / "c"),
                str(path),
            ],
            check=False,
            capture_output=True,
            text=True,
            cwd=path.parent,
        )
        assert proc.returncode == 0, f"{path}:\n{proc.stdout}"


@pytest.mark.parametrize(
    "sample",
    [p for p in SAMPLE_FILES if p.stem not in ("chat", "chat-rooms")],  # hand-written logic
    ids=lambda p: p.stem,
)
def test_committed_sample_stubs_are_exactly_what_build_generates(sample: Path) -> None:
    """Golden check; regenerate with: rm <stub> && wsspec build samples/X.yaml --target stubs."""
    spec = validate_file(str(sample)).spec
    assert spec is not None
    for fn in (f for f in spec.functions if not f.builtin):
        committed = (sample.parent / fn.handler_path).read_text()
        assert committed == stubs.render_function(spec, fn), fn.handler_path


def test_samples_have_no_missing_stubs() -> None:
    for sample in SAMPLE_FILES:
        code, text = _build(sample, "--check")
        assert code == 0, text


# ----------------------------------------------------------------------------- escaping
HOSTILE = '"""\\ */ </script>\n__import__("os").system("echo pwned") # ${x} `y`'


def _hostile_spec(project: Path, language: str) -> object:
    ext = "py" if language == "python" else "mjs"
    data = {
        "wsspec": 1,
        "api": {"name": HOSTILE},
        "models": {
            "M": {
                "description": HOSTILE,
                "schema": {
                    "type": "object",
                    "required": [HOSTILE],
                    "properties": {
                        HOSTILE: {"enum": [HOSTILE], "description": HOSTILE, "pattern": HOSTILE}
                    },
                },
            },
        },
        "routes": {
            "$connect": {"function": "f"},
            HOSTILE: {
                "function": "f",
                "request_models": {"$default": "M"},
                "response": {"models": {"$default": "M"}},
            },
        },
        "authorizers": {
            HOSTILE: {"function": "a", "identity_source": [f"route.request.header.{HOSTILE}"]}
        },
        "functions": {
            "f": {"handler": f"h/f.{ext}", "grants": ["connection_table", "manage_connections"]},
            "a": {"handler": f"h/a.{ext}"},
        },
        "connections": {},
    }
    return build_model(data, source_file=str(project / "s.yaml"), project_dir=str(project))


@pytest.mark.parametrize("language", ["python", "nodejs"])
def test_hostile_spec_text_never_becomes_code(language: str, tmp_path: Path) -> None:
    spec = _hostile_spec(tmp_path, language)
    outputs = stubs.render(spec, BuildContext(tmp_path / "b", tmp_path / "b" / "f"))  # type: ignore[arg-type]
    write_all(outputs)
    for out in outputs:
        text = out.path.read_text()
        if language == "python":
            tree = ast.parse(text)
            calls = [
                n
                for n in ast.walk(tree)
                if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr == "system"
            ]
            assert not calls, out.path
            # the hostile route key survives as data, exactly
            if out.path.name == "f.py":
                assert any(
                    isinstance(n, ast.Constant) and n.value == HOSTILE for n in ast.walk(tree)
                )
        else:
            proc = subprocess.run(
                [NODE, "--check", str(out.path)], check=False, capture_output=True, text=True
            )
            assert proc.returncode == 0, proc.stderr
            # outside comments and string literals nothing of the hostile text remains
            code = re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.DOTALL)
            code = re.sub(r'"(?:\\.|[^"\\])*"', '""', code)
            assert "system" not in code and "</script>" not in code


# ----------------------------------------------------------------------------- never lose user code
def test_existing_stub_is_kept_byte_for_byte(tmp_path: Path) -> None:
    spec_path = _copy_spec(ROOT / "samples" / "chat.yaml", tmp_path)
    user = tmp_path / "handlers" / "on_disconnect.py"
    user.parent.mkdir()
    user.write_bytes(b"# my code\r\nprint('mine')  \n\x00")
    before = user.stat()
    code, text = _build(spec_path)
    assert code == 0, text
    assert user.read_bytes() == b"# my code\r\nprint('mine')  \n\x00"
    assert user.stat().st_mtime_ns == before.st_mtime_ns
    assert re.search(r"kept\s+\S*on_disconnect\.py \(exists\)", text)
    assert re.search(r"created\s+\S*on_connect\.py", text)
    # a second build creates nothing and keeps everything
    code, text = _build(spec_path)
    assert code == 0
    assert re.findall(r"^  (\w+) ", text, re.MULTILINE) == ["kept", "kept", "kept"]


def test_check_reports_missing_stubs_without_writing(tmp_path: Path) -> None:
    spec_path = _copy_spec(ROOT / "samples" / "chat.yaml", tmp_path)
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "on_connect.py").write_text("# mine\n")
    code, text = _build(spec_path, "--check")
    assert code == 1
    assert re.search(r"missing\s+\S*on_disconnect\.py", text)
    assert re.search(r"missing\s+\S*send_message\.py", text)
    assert "on_connect.py" not in text
    assert sorted(p.name for p in (tmp_path / "handlers").iterdir()) == ["on_connect.py"]
    assert (tmp_path / "handlers" / "on_connect.py").read_text() == "# mine\n"


def test_stub_creation_leaves_no_temporary_files(tmp_path: Path) -> None:
    spec_path = _copy_spec(ROOT / "samples" / "chat.yaml", tmp_path)
    assert _build(spec_path)[0] == 0
    assert sorted(p.name for p in (tmp_path / "handlers").iterdir()) == [
        "on_connect.py",
        "on_disconnect.py",
        "send_message.py",
    ]


def test_file_appearing_after_render_is_not_overwritten(tmp_path: Path) -> None:
    spec = validate_file(str(_copy_spec(ROOT / "samples" / "chat.yaml", tmp_path))).spec
    assert spec is not None
    outputs = stubs.render(spec, BuildContext(tmp_path / "b", tmp_path / "b" / "f"))
    target = outputs[0].path
    target.parent.mkdir(parents=True)
    target.write_text("# written meanwhile\n")
    written = write_all(outputs)
    assert target.read_text() == "# written meanwhile\n"
    assert written[0].status == "kept"


def test_symlinked_stub_is_kept_and_its_target_untouched(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("# outside\n")
    project = tmp_path / "project"
    spec_path = _copy_spec(ROOT / "samples" / "chat.yaml", project)
    (project / "handlers").mkdir()
    (project / "handlers" / "shared.py").write_text("# shared\n")
    os.symlink(project / "handlers" / "shared.py", project / "handlers" / "on_connect.py")
    code, text = _build(spec_path)
    assert code == 0, text
    assert (project / "handlers" / "shared.py").read_text() == "# shared\n"
    assert outside.read_text() == "# outside\n"


@pytest.mark.parametrize("link_kind", ["file", "dangling", "directory"])
def test_symlink_leading_outside_the_project_is_refused(link_kind: str, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "project"
    spec_path = _copy_spec(ROOT / "samples" / "chat.yaml", project)
    if link_kind == "directory":
        os.symlink(outside, project / "handlers")
    else:
        (project / "handlers").mkdir()
        target = outside / "on_connect.py"
        if link_kind == "file":
            target.write_text("# outside\n")
        os.symlink(target, project / "handlers" / "on_connect.py")
    # Validation rejects this spec; the stubs target must refuse even an unvalidated model.
    spec = _unvalidated_model(spec_path)
    with pytest.raises(WsspecError) as err:
        stubs.render(spec, BuildContext(tmp_path / "b", tmp_path / "b" / "f"))
    assert "outside the project" in err.value.message
    assert sorted(p.name for p in outside.iterdir()) == (
        ["on_connect.py"] if link_kind == "file" else []
    )
    code, _ = _build(spec_path)
    assert code != 0
    assert sorted(p.name for p in outside.iterdir()) == (
        ["on_connect.py"] if link_kind == "file" else []
    )


@pytest.mark.parametrize(
    "handler", ["../escape.py", "/tmp/abs.py", "a/../../escape.py", "C:/win.py"]
)
def test_handler_paths_outside_the_project_are_refused(handler: str, tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    data = {
        "wsspec": 1,
        "api": {"name": "x"},
        "routes": {"$default": {"function": "f"}},
        "functions": {"f": {"handler": handler}},
    }
    spec = build_model(data, source_file=str(project / "s.yaml"), project_dir=str(project))
    with pytest.raises(WsspecError):
        stubs.render(spec, BuildContext(tmp_path / "b", tmp_path / "b" / "f"))
    assert not (tmp_path / "escape.py").exists()
    assert not Path("/tmp/abs.py").exists()


def test_plan_of_fresh_project_lists_every_stub_missing(tmp_path: Path) -> None:
    spec = validate_file(str(_copy_spec(ROOT / "samples" / "auth-http.yaml", tmp_path))).spec
    assert spec is not None
    plan = plan_writes(stubs.render(spec, BuildContext(tmp_path / "b", tmp_path / "b" / "f")))
    assert [(w.path.name, w.status) for w in plan] == [
        ("authorize.py", "missing"),
        ("orders_connect.py", "missing"),
    ]


# ----------------------------------------------------------------------------- what goes in
def _context(sample: str, fn: str) -> dict[str, object]:
    spec = validate_file(str(ROOT / "samples" / sample)).spec
    assert spec is not None
    return stubs.function_context(spec, spec.function(fn))


def test_stub_follows_route_kinds_and_grants() -> None:
    ctx = _context("chat.yaml", "send_message")
    routes = ctx["routes"]
    assert [(r.key, r.kind, r.two_way) for r in routes] == [  # type: ignore[attr-defined]
        ("$default", "message", True),
        ("sendmessage", "message", False),
    ]
    assert ctx["table"] and ctx["manage"] and ctx["dispatch"]


def test_request_and_response_models_become_types() -> None:
    spec = validate_file(str(ROOT / "samples" / "models-mock.yaml")).spec
    assert spec is not None
    text = stubs.render_function(spec, spec.function("quote"))
    assert "class QuoteRequest(TypedDict):" in text
    assert "    symbol: str  # pattern ^[A-Z]{1,5}$" in text
    assert "def handler(event: QuoteRequest, context: object) -> QuoteResponse:" in text
    assert '"/Invalid.*/"' in text  # the integration response an error message selects


def test_invalid_entry_name_is_a_wsspec_error(tmp_path: Path) -> None:
    data = {
        "wsspec": 1,
        "api": {"name": "x"},
        "routes": {"$default": {"function": "f"}},
        "functions": {"f": {"handler": "f.py", "entry": "not-a-name"}},
    }
    spec = build_model(data, source_file=str(tmp_path / "s.yaml"), project_dir=str(tmp_path))
    with pytest.raises(WsspecError) as err:
        stubs.render(spec, BuildContext(tmp_path / "b", tmp_path / "b" / "f"))
    assert "not a valid python function name" in err.value.message


def test_stubs_for_existing_files_are_not_rendered(tmp_path: Path) -> None:
    """A function wsspec cannot stub does not block builds once the user wrote the file."""
    data = {
        "wsspec": 1,
        "api": {"name": "x"},
        "routes": {"$default": {"function": "f"}},
        "functions": {"f": {"handler": "f.py", "entry": "not-a-name"}},
    }
    (tmp_path / "f.py").write_text("# mine\n")
    spec = build_model(data, source_file=str(tmp_path / "s.yaml"), project_dir=str(tmp_path))
    [out] = stubs.render(spec, BuildContext(tmp_path / "b", tmp_path / "b" / "f"))
    assert write_all([out])[0].status == "kept"
