"""Function dependencies (issue 14): real pip and npm install into the package for the Lambda
platform; the same bytes reach CloudFormation, Terraform and deploy; serve runs the handler
with exactly those dependencies.

pip and npm reach the package registries. What they download is cached under
``~/.cache/wsspec-test-packaging`` (``WSSPEC_TEST_CACHE`` moves it), which CI keeps between
runs; tests that must prove a fresh install use their own empty cache directory.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from websockets.sync.client import connect

from tests.deploy_util import deploy
from tests.test_serve_support import Running, load, wait_until
from wsspec import package
from wsspec.build import build_outputs
from wsspec.errors import WsspecError
from wsspec.packaging import python as pip_installer

CACHE = Path(os.environ.get("WSSPEC_TEST_CACHE", "~/.cache/wsspec-test-packaging")).expanduser()
PYJWT = "PyJWT==2.10.1\n"


@pytest.fixture(autouse=True)
def shared_cache(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WSSPEC_CACHE_DIR", str(CACHE))
    return CACHE


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


JWT_HANDLER = """\
    import jwt


    def handler(event, context):
        token = jwt.encode({"sub": "me"}, "secret", algorithm="HS256")
        return {"statusCode": 200, "body": jwt.decode(token, "secret", algorithms=["HS256"])["sub"]}
    """


def python_project(tmp: Path, requirements: str = PYJWT, extra: str = "") -> Path:
    write(
        tmp,
        {
            "spec.yaml": f"""\
                wsspec: 1
                api: {{name: deps-py}}
                routes:
                  $default: {{function: chat, response: true}}
                functions:
                  chat:
                    handler: src/chat/handler.py
                    dependencies: src/chat/requirements.txt
                    exclude: ["*.md"]
                {extra}""",
            "src/chat/handler.py": JWT_HANDLER,
            "src/chat/requirements.txt": requirements,
            "src/chat/NOTES.md": "not shipped\n",
        },
    )
    return tmp / "spec.yaml"


def names(blob: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(blob)).namelist()


def zip_of(spec_path: Path) -> bytes:
    spec = load(spec_path)
    return package.build_zip(spec, spec.functions[0])


# ------------------------------------------------------------------------------ Python
def test_python_requirements_are_installed_into_the_package(tmp_path: Path) -> None:
    blob = zip_of(python_project(tmp_path))
    got = names(blob)
    assert "handler.py" in got
    assert "jwt/__init__.py" in got and "PyJWT-2.10.1.dist-info/METADATA" in got
    assert "NOTES.md" not in got  # the exclude glob
    assert not [n for n in got if "__pycache__" in n or n.endswith(".pyc") or n.startswith("bin/")]
    infos = zipfile.ZipFile(io.BytesIO(blob)).infolist()
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert got == sorted(got)


def test_two_fresh_installs_give_byte_identical_zips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec_path = python_project(tmp_path / "p")
    blobs = []
    for cache in ("a", "b"):
        monkeypatch.setenv("WSSPEC_CACHE_DIR", str(tmp_path / cache))
        blobs.append(zip_of(spec_path))
    assert (tmp_path / "a" / "deps").is_dir() and (tmp_path / "b" / "deps").is_dir()
    assert blobs[0] == blobs[1]


def test_an_unchanged_rebuild_installs_nothing_and_a_change_changes_the_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec_path = python_project(tmp_path)
    first = zip_of(spec_path)

    def no_install(*args: object) -> None:
        raise AssertionError("pip ran for an unchanged function")

    monkeypatch.setattr(pip_installer, "install", no_install)
    assert zip_of(spec_path) == first
    (tmp_path / "src/chat/handler.py").write_text(JWT_HANDLER.replace("me", "you"))
    edited = zip_of(spec_path)  # a handler edit re-zips, still without pip
    assert edited != first
    monkeypatch.undo()
    monkeypatch.setenv("WSSPEC_CACHE_DIR", str(CACHE))
    (tmp_path / "src/chat/requirements.txt").write_text("PyJWT==2.9.0\n")
    changed = zip_of(spec_path)
    assert "PyJWT-2.9.0.dist-info/METADATA" in names(changed)
    assert package.sha256_b64(changed) != package.sha256_b64(edited)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arch", "tag"), [("x86_64", "manylinux_2_17_x86_64"), ("arm64", "manylinux_2_17_aarch64")]
)
def test_a_compiled_package_gets_the_manylinux_wheel_of_the_architecture(
    tmp_path: Path, arch: str, tag: str
) -> None:
    spec_path = python_project(tmp_path, "orjson==3.10.12\n")
    text = spec_path.read_text().replace("exclude:", f"architecture: {arch}\n    exclude:")
    spec_path.write_text(text)
    blob = zip_of(spec_path)
    z = zipfile.ZipFile(io.BytesIO(blob))
    wheel = z.read("orjson-3.10.12.dist-info/WHEEL").decode()
    from wsspec.runtimes import DEFAULT_PYTHON

    cp = "cp" + DEFAULT_PYTHON.removeprefix("python").replace(".", "")  # the runtime's CPython
    assert f"{cp}-{cp}-{tag}" in wheel or f"{cp}-{cp}-manylinux2014_{tag[-7:]}" in wheel
    assert [
        n for n in z.namelist() if n.startswith(f"orjson/orjson.cpython-{cp[2:]}") and ".so" in n
    ]


def _sdist_only(tmp: Path) -> str:
    """A local index folder holding one package as a source distribution only."""
    dist = tmp / "src/chat/dist"
    dist.mkdir(parents=True)
    with tarfile.open(dist / "onlysource-1.0.tar.gz", "w:gz") as tar:
        data = b"from setuptools import setup\nsetup(name='onlysource', version='1.0')\n"
        info = tarfile.TarInfo("onlysource-1.0/setup.py")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return "--no-index\n--find-links dist\nonlysource==1.0\n"


def test_a_requirement_with_only_a_source_distribution_is_named(tmp_path: Path) -> None:
    spec_path = python_project(tmp_path)
    (tmp_path / "src/chat/requirements.txt").write_text(_sdist_only(tmp_path))
    out = tmp_path / "out"
    (out / "deps-py").mkdir(parents=True)
    (out / "deps-py" / "previous.txt").write_text("kept")
    with pytest.raises(WsspecError) as err:
        build_outputs(load(spec_path), ["cloudformation"], out)
    assert err.value.code == "WS991"
    assert "onlysource==1.0" in err.value.message
    assert "manylinux2014_x86_64" in err.value.message
    assert "source distribution" in (err.value.hint or "")
    assert [p.name for p in (out / "deps-py").iterdir()] == ["previous.txt"]


def test_requirements_that_do_not_resolve_are_one_error(tmp_path: Path) -> None:
    spec_path = python_project(tmp_path, "PyJWT==2.10.1\nPyJWT==2.9.0\n")
    with pytest.raises(WsspecError) as err:
        zip_of(spec_path)
    assert err.value.code == "WS990"
    assert str(err.value.file).endswith("src/chat/requirements.txt")
    assert "Cannot install PyJWT==2.10.1 and PyJWT==2.9.0" in err.value.message


def test_pyproject_dependencies_and_function_defaults(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "spec.yaml": """\
                wsspec: 1
                api: {name: deps-defaults}
                routes:
                  a: {function: a}
                  b: {function: b}
                function_defaults:
                  dependencies: [pyproject.toml, package.json]
                  layers: [arn:aws:lambda:us-east-1:123456789012:layer:shared:2]
                functions:
                  a: {handler: a/handler.py}
                  b: {handler: b/handler.py, dependencies: false}
                """,
            "pyproject.toml": '[project]\nname = "x"\nversion = "1"\ndependencies = ["PyJWT==2.10.1"]\n',
            "package.json": "{}",
            "package-lock.json": "{}",
            "a/handler.py": JWT_HANDLER,
            "b/handler.py": "def handler(e, c):\n    return 1\n",
        },
    )
    spec = load(tmp_path / "spec.yaml")
    a, b = spec.functions
    assert a.dependencies is not None and a.dependencies.kind == "pyproject"
    assert b.dependencies is None
    assert a.layers == b.layers == ("arn:aws:lambda:us-east-1:123456789012:layer:shared:2",)
    assert "jwt/api_jwt.py" in names(package.build_zip(spec, a))
    assert names(package.build_zip(spec, b)) == ["handler.py"]


def test_the_unzipped_quota_names_the_biggest_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec_path = python_project(tmp_path)
    (tmp_path / "src/chat/model.bin").write_bytes(b"\0" * 300_000)
    monkeypatch.setattr(package, "MAX_UNZIPPED", 200_000)  # 250 MB in Lambda; small here
    with pytest.raises(WsspecError) as err:
        zip_of(spec_path)
    assert err.value.code == "WS994"
    assert "largest: model.bin 0.3 MB, jwt " in err.value.message


def test_exclude_patterns_apply_to_installed_packages_too(tmp_path: Path) -> None:
    spec_path = python_project(tmp_path)
    spec_path.write_text(
        spec_path.read_text().replace('"*.md"]', '"*.md", "jwt/help.py", "*.dist-info/*"]')
    )
    got = names(zip_of(spec_path))
    assert "jwt/api_jwt.py" in got
    assert "jwt/help.py" not in got
    assert not [n for n in got if ".dist-info/" in n]


def test_deploy_refuses_a_zip_over_the_direct_upload_quota(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wsspec.deploy.desired import functions
    from wsspec.deploy.records import Context, Facts

    spec = load(python_project(tmp_path))
    monkeypatch.setattr(package, "MAX_UPLOAD", 1000)  # 50 MB in Lambda; small here
    facts = Facts(spec, Context(partition="aws", region="us-east-1", account="123456789012"))
    with pytest.raises(WsspecError) as err:
        functions(facts, package.build_zip)
    assert err.value.code == "WS994"
    assert "direct upload takes at most 50 MB" in err.value.message
    assert "largest, zipped: jwt " in err.value.message


# ------------------------------------------------------------------------------ Node.js
def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        print("SKIP npm packaging tests: npm not found on PATH")
        pytest.skip("npm not found on PATH")
    return npm


NODE_HANDLER = """\
    const ms = require("ms");
    exports.handler = async (event) => ({ statusCode: 200, body: String(ms("2 days")) });
    """


def node_project(tmp: Path, dependencies: dict[str, str] | None = None) -> Path:
    npm = _npm()
    package_json = {
        "name": "deps-node",
        "version": "1.0.0",
        "private": True,
        "dependencies": dependencies or {"ms": "2.1.3"},
        "devDependencies": {"is-number": "7.0.0"},
    }
    write(
        tmp,
        {
            "spec.yaml": """\
                wsspec: 1
                api: {name: deps-node}
                routes:
                  $default: {function: clock, response: true}
                functions:
                  clock: {handler: src/clock/handler.js, dependencies: src/clock/package.json}
                """,
            "src/clock/handler.js": NODE_HANDLER,
            "src/clock/package.json": json.dumps(package_json, indent=2),
        },
    )
    subprocess.run(
        [
            npm,
            "install",
            "--package-lock-only",
            "--no-audit",
            "--no-fund",
            "--cache",
            str(CACHE / "npm"),
        ],
        cwd=tmp / "src/clock",
        check=True,
        capture_output=True,
    )
    return tmp / "spec.yaml"


def test_node_dependencies_are_installed_from_the_lock_file_without_dev(tmp_path: Path) -> None:
    got = names(zip_of(node_project(tmp_path)))
    assert "node_modules/ms/index.js" in got
    assert "handler.js" in got and "package.json" in got
    assert not [n for n in got if n.startswith("node_modules/is-number/")]  # a devDependency
    assert not [n for n in got if n.startswith("node_modules/.bin/")]


def test_a_lock_file_out_of_date_is_one_error(tmp_path: Path) -> None:
    spec_path = node_project(tmp_path)
    pj = tmp_path / "src/clock/package.json"
    data = json.loads(pj.read_text())
    data["dependencies"]["ms"] = "2.1.2"
    pj.write_text(json.dumps(data))
    with pytest.raises(WsspecError) as err:
        zip_of(spec_path)
    assert err.value.code == "WS992"
    assert "npm ci" in err.value.message


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arch", "cpu", "other"), [("arm64", "arm64", "x64"), ("x86_64", "x64", "arm64")]
)
def test_platform_packages_follow_the_function_architecture(
    tmp_path: Path, arch: str, cpu: str, other: str
) -> None:
    spec_path = node_project(tmp_path, {"esbuild": "0.24.0"})
    spec_path.write_text(
        spec_path.read_text().replace("dependencies:", f"architecture: {arch}, dependencies:")
    )
    got = names(zip_of(spec_path))
    assert f"node_modules/@esbuild/linux-{cpu}/package.json" in got
    assert not [n for n in got if n.startswith(f"node_modules/@esbuild/linux-{other}/")]
    assert not [n for n in got if n.startswith("node_modules/@esbuild/darwin-")]


def test_npm_missing_from_path_is_one_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec_path = node_project(tmp_path)
    (tmp_path / "src/clock/package.json").write_text(
        (tmp_path / "src/clock/package.json").read_text().replace("deps-node", "deps-node-2")
    )  # a new cache key: this build must install
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(WsspecError) as err:
        zip_of(spec_path)
    assert err.value.code == "WS993"
    assert "npm is not on PATH" in err.value.message


# ------------------------------------------------------------------ one package everywhere
def test_cloudformation_terraform_and_deploy_ship_the_same_bytes(
    tmp_path: Path, moto, aws_env
) -> None:  # type: ignore[no-untyped-def]
    spec_path = python_project(tmp_path)
    spec = load(spec_path)
    outputs, _ = build_outputs(spec, ["cloudformation", "terraform"], tmp_path / "out")
    zips = [o for o in outputs if o.path.suffix == ".zip"]
    assert len(zips) == 1  # one file, referenced by both templates
    text = {o.path.name: o.content for o in outputs}
    assert b"functions/chat.zip" in text["template.yaml"]
    assert b"functions/chat.zip" in text["main.tf"]
    moto.reset()
    deploy(spec, moto.url)
    lam = boto3.client("lambda", endpoint_url=moto.url, region_name="us-east-1")
    name = next(f["FunctionName"] for f in lam.list_functions()["Functions"])
    sha = lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
    built = base64.b64encode(hashlib.sha256(zips[0].content).digest()).decode()
    assert sha == built
    assert "jwt/__init__.py" in names(zips[0].content)


def test_layers_reach_every_back_end(tmp_path: Path) -> None:
    layer = "arn:aws:lambda:us-east-1:123456789012:layer:shared:2"
    spec_path = python_project(tmp_path, extra=f"    layers: [{layer}]\n")
    spec = load(spec_path)
    outputs, _ = build_outputs(spec, ["cloudformation", "terraform"], tmp_path / "out")
    text = {o.path.name: o.content.decode() for o in outputs if o.path.suffix != ".zip"}
    assert re.search(rf"Layers:\n +- {layer}\n", text["template.yaml"])
    assert re.search(rf'\n  layers +=  ?\["{layer}"\]\n', text["main.tf"]), text["main.tf"]
    from wsspec.deploy.desired import functions
    from wsspec.deploy.records import Context, Facts

    facts = Facts(spec, Context(partition="aws", region="us-east-1", account="123456789012"))
    (res,) = functions(facts, lambda s, f: b"zip")
    assert res.props["Layers"] == [layer]


# ------------------------------------------------------------------------------ serve
@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    old = os.environ.get("WSSPEC_CACHE_DIR")
    os.environ["WSSPEC_CACHE_DIR"] = str(CACHE)
    tmp = tmp_path_factory.mktemp("deps-serve")
    node_project(tmp / "n")
    write(
        tmp,
        {
            "spec.yaml": """\
                wsspec: 1
                api: {name: deps-serve}
                routes:
                  jwt: {function: jwt, response: true}
                  missing: {function: missing, response: true}
                  clock: {function: clock, response: true}
                functions:
                  jwt: {handler: py/jwt/handler.py, dependencies: py/jwt/requirements.txt}
                  missing: {handler: py/missing/handler.py, dependencies: py/missing/requirements.txt}
                  clock: {handler: n/src/clock/handler.js, dependencies: n/src/clock/package.json}
                """,
            "py/jwt/handler.py": JWT_HANDLER,
            "py/jwt/requirements.txt": PYJWT,
            "py/missing/handler.py": JWT_HANDLER,
            "py/missing/requirements.txt": "# jwt forgotten\n",
        },
    )
    try:
        with Running(tmp / "spec.yaml", reload=False) as running:
            yield running
    finally:
        if old is None:
            os.environ.pop("WSSPEC_CACHE_DIR", None)
        else:
            os.environ["WSSPEC_CACHE_DIR"] = old


def ask(srv: Running, action: str) -> str:
    with connect(srv.url, compression=None) as ws:
        ws.send(json.dumps({"action": action}))
        return str(ws.recv(timeout=30))


def test_serve_runs_a_python_handler_with_its_installed_dependency(served: Running) -> None:
    assert ask(served, "jwt") == "me"
    assert any(
        "function jwt: dependencies: pip py/jwt/requirements.txt" in n for n in served.gw.notes
    )


def test_serve_fails_a_dependency_missing_from_the_requirements_like_lambda(
    served: Running,
) -> None:
    # PyJWT may well be installed where the tests run: serve must not fall back on it
    notes = "\n".join(served.gw.notes)
    assert (
        "function missing: import failed: Runtime.ImportModuleError: "
        "Unable to import module 'handler': No module named 'jwt'" in notes
    ), notes
    assert "Internal server error" in ask(served, "missing")


def test_serve_runs_a_node_handler_with_its_installed_dependency(served: Running) -> None:
    assert ask(served, "clock") == str(2 * 24 * 3600 * 1000)


def test_serve_reinstalls_when_the_requirements_file_changes(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "spec.yaml": """\
                wsspec: 1
                api: {name: deps-reload}
                routes:
                  jwt: {function: jwt, response: true}
                functions:
                  jwt: {handler: py/handler.py, dependencies: py/requirements.txt}
                """,
            "py/handler.py": JWT_HANDLER,
            "py/requirements.txt": "# nothing yet\n",
        },
    )
    with Running(tmp_path / "spec.yaml", reload=True, reload_interval=0.2) as srv:
        assert "Internal server error" in ask(srv, "jwt")
        (tmp_path / "py/requirements.txt").write_text(PYJWT)
        wait_until(lambda: any("(changed)" in line for line in srv.lines), timeout=120)
        wait_until(lambda: any("reloaded jwt" in line for line in srv.lines), timeout=30)
        assert ask(srv, "jwt") == "me"


@pytest.mark.slow
def test_terraform_apply_uploads_the_bytes_deploy_uploads(
    tmp_path: Path, terraform: dict[str, Any], moto: Any, aws_env: dict[str, str]
) -> None:
    from tests.test_terraform_e2e import override
    from tests.tfhelp import build, init, run, with_auto_deploy

    spec = with_auto_deploy(load(python_project(tmp_path / "p")))
    built = zip_of(tmp_path / "p" / "spec.yaml")
    moto.reset()
    tf_dir = build(spec, tmp_path / "out")
    (tf_dir / "moto_override.tf").write_text(override(moto.url))
    init(terraform, tf_dir)
    run(terraform, ["apply", "-auto-approve", "-input=false", "-no-color"], tf_dir)
    lam = boto3.client("lambda", endpoint_url=moto.url, region_name="us-east-1")
    (fn,) = lam.list_functions()["Functions"]
    assert fn["CodeSha256"] == package.sha256_b64(built)
    run(terraform, ["destroy", "-auto-approve", "-input=false", "-no-color"], tf_dir)
    moto.reset()
    deploy(spec, moto.url)
    (fn,) = lam.list_functions()["Functions"]
    assert fn["CodeSha256"] == package.sha256_b64(built)
