"""Layers wsspec builds (issue 14): the zip in Lambda's layout with real pip and npm, the same
bytes for CloudFormation (cfn-lint), Terraform (validate) and deploy (moto), versions published
only when the content changed, and serve running functions with their layers' content.

pip and npm downloads are cached as in test_packaging (``WSSPEC_TEST_CACHE``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from websockets.sync.client import connect

from tests.deploy_util import deploy
from tests.test_packaging import CACHE, PYJWT, write
from tests.test_serve_support import Running
from wsspec import package
from wsspec.build import build_outputs
from wsspec.errors import WsspecError
from wsspec.model import Spec
from wsspec.validate import validate_file

ARN = "arn:aws:lambda:us-east-1:123456789012:layer:powertools:3"

SHARED = """\
    def greet(name):
        return "hello " + name
    """

USES_LAYER = """\
    import jwt
    import shared_util


    def handler(event, context):
        token = jwt.encode({"sub": shared_util.greet("me")}, "k", algorithm="HS256")
        return {"statusCode": 200, "body": jwt.decode(token, "k", algorithms=["HS256"])["sub"]}
    """


@pytest.fixture(autouse=True)
def shared_cache(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WSSPEC_CACHE_DIR", str(CACHE))
    return CACHE


def spec_text(
    extra_layer: str = "",
    runtimes: str = "[python3.13]",
    fn_layers: str = "",
    extra_functions: str = "",
    extra_routes: str = "",
) -> str:
    return f"""\
        wsspec: 1
        api: {{name: layered}}
        routes:
          greet: {{function: greet, response: true}}
          bare: {{function: bare, response: true}}
{extra_routes}
        layers:
          shared:
            source: layers/shared
            dependencies: layers/shared-requirements.txt
            runtimes: {runtimes}
            description: shared code and PyJWT
            exclude: ["python/*.md"]
{extra_layer}
        functions:
{extra_functions}
          greet:
            handler: src/greet/handler.py
            runtime: python3.13
            layers: [shared{fn_layers}]
          bare:
            handler: src/bare/handler.py
            runtime: python3.13
        """


def project(tmp: Path, **kw: str) -> Path:
    write(
        tmp,
        {
            "spec.yaml": spec_text(**kw),
            "layers/shared/python/shared_util.py": SHARED,
            "layers/shared/python/NOTES.md": "left out by the layer's exclude\n",
            "layers/shared-requirements.txt": PYJWT,
            "src/greet/handler.py": USES_LAYER,
            "src/bare/handler.py": USES_LAYER,  # same imports, but no layer
        },
    )
    return tmp / "spec.yaml"


def load(path: Path) -> Spec:
    result = validate_file(str(path))
    assert result.spec is not None, [f.render() for f in result.findings]
    assert not result.errors
    return result.spec


def names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


# ------------------------------------------------------------------------------ the zip
def test_a_python_layer_holds_its_source_and_its_requirements_under_python(
    tmp_path: Path,
) -> None:
    spec = load(project(tmp_path))
    data = package.build_layer_zip(spec, spec.layers[0])
    got = names(data)
    assert "python/shared_util.py" in got
    assert "python/jwt/__init__.py" in got
    assert "python/NOTES.md" not in got  # the layer's exclude
    assert not [n for n in got if "__pycache__" in n or n.startswith("python/bin/")]
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert got == sorted(got)
    # the function's own package does not carry what its layer provides
    assert names(package.build_zip(spec, spec.function("greet"))) == ["handler.py"]


def test_two_fresh_layer_builds_are_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = load(project(tmp_path))
    blobs = []
    for n in range(2):
        fresh = tmp_path / f"cache{n}"
        fresh.mkdir()
        shutil.copytree(CACHE / "pip", fresh / "pip")  # downloads only, no installed trees
        monkeypatch.setenv("WSSPEC_CACHE_DIR", str(fresh))
        blobs.append(package.build_layer_zip(spec, spec.layers[0]))
        assert list((fresh / "deps").iterdir())  # it did install
    assert blobs[0] == blobs[1]


def test_an_unchanged_layer_rebuild_installs_and_zips_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wsspec.packaging import python as pip_installer

    spec = load(project(tmp_path))
    first = package.build_layer_zip(spec, spec.layers[0])

    def refuse(*args: object) -> None:
        raise AssertionError("pip ran for an unchanged layer")

    monkeypatch.setattr(pip_installer, "install", refuse)
    monkeypatch.setattr(package, "_zip", refuse)
    assert package.build_layer_zip(spec, spec.layers[0]) == first
    # a source edit re-zips (still without installing) and changes the bytes
    monkeypatch.undo()
    monkeypatch.setenv("WSSPEC_CACHE_DIR", str(CACHE))
    monkeypatch.setattr(pip_installer, "install", refuse)
    (tmp_path / "layers/shared/python/shared_util.py").write_text("X = 1\n")
    assert package.build_layer_zip(spec, spec.layers[0]) != first


def test_layer_names_that_collide_in_the_templates_are_refused(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "spec.yaml": """\
                wsspec: 1
                api: {name: demo}
                routes:
                  $default: {function: app}
                layers:
                  a-b: {source: l, runtimes: [python3.13]}
                  a_b: {source: l, runtimes: [python3.13]}
                functions:
                  app: {handler: app.py, layers: [a-b, a_b]}
                """,
            "l/python/m.py": "",
            "app.py": "def handler(e, c):\n    return {}\n",
        },
    )
    result = validate_file(str(tmp_path / "spec.yaml"))
    (err,) = result.errors
    assert err.code == "WS116" and "layers.a_b" in err.render()


def test_several_python_runtimes_get_one_site_packages_each(tmp_path: Path) -> None:
    spec = load(project(tmp_path, runtimes="[python3.12, python3.13]"))
    got = names(package.build_layer_zip(spec, spec.layers[0]))
    for v in ("3.12", "3.13"):
        assert f"python/lib/python{v}/site-packages/jwt/__init__.py" in got
    assert "python/shared_util.py" in got


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        print("SKIP npm layer test: npm not found on PATH")
        pytest.skip("npm not found on PATH")
    return npm


def node_layer(tmp: Path) -> Path:
    """A Node.js layer: ``ms`` from a lock file, and a shared module of its own."""
    npm = _npm()
    pkg = {"name": "shared", "version": "1.0.0", "private": True, "dependencies": {"ms": "2.1.3"}}
    write(
        tmp,
        {
            "layers/node/deps/package.json": json.dumps(pkg),
            "layers/node/src/nodejs/node_modules/greeting/index.js": (
                "exports.greet = (n) => 'hello ' + n;\n"
            ),
            "src/clock/handler.js": """\
                const ms = require("ms");
                const { greet } = require("greeting");
                exports.handler = async () => ({ statusCode: 200, body: greet(String(ms("1h"))) });
                """,
        },
    )
    subprocess.run(
        [npm, "install", "--package-lock-only", "--no-audit", "--no-fund"]
        + ["--cache", str(CACHE / "npm")],
        cwd=tmp / "layers/node/deps",
        check=True,
        capture_output=True,
    )
    return tmp


NODE_LAYER = """\
  node:
    source: layers/node/src
    dependencies: layers/node/deps/package.json
    runtimes: [nodejs22.x]
"""


def test_a_node_layer_holds_node_modules_under_nodejs(tmp_path: Path) -> None:
    node_layer(tmp_path)
    spec = load(project(tmp_path, extra_layer=textwrap.indent(NODE_LAYER, "        ")))
    got = names(package.build_layer_zip(spec, spec.layers[1]))
    assert "nodejs/node_modules/ms/index.js" in got
    assert "nodejs/node_modules/greeting/index.js" in got  # the source's own node_modules
    assert "nodejs/package-lock.json" not in got and "nodejs/package.json" not in got
    assert not [n for n in got if "/.bin/" in n]


def test_the_unzipped_quota_counts_the_function_and_its_layers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = load(project(tmp_path))
    layer_size = package.unzipped_size(package.build_layer_zip(spec, spec.layers[0]))
    monkeypatch.setattr(package, "MAX_UNZIPPED", layer_size + 10)  # 250 MB in Lambda
    package.build_zip(spec, spec.function("bare"))  # no layer: fits
    with pytest.raises(WsspecError) as err:
        package.build_zip(spec, spec.function("greet"))
    assert err.value.code == "WS994"
    assert "the package and its layers are" in err.value.message
    assert "(layer shared)" in err.value.message


# ------------------------------------------------------------------------------ back ends
def test_cloudformation_and_terraform_reference_the_layer_zip(tmp_path: Path) -> None:
    spec = load(project(tmp_path, fn_layers=f", {ARN}"))
    outputs, _ = build_outputs(spec, ["cloudformation", "terraform"], tmp_path / "out")
    by_name = {o.path.relative_to(tmp_path / "out" / "layered").as_posix(): o for o in outputs}
    assert by_name["layers/shared.zip"].content == package.build_layer_zip(spec, spec.layers[0])
    cfn = by_name["cloudformation/template.yaml"].content.decode()
    assert "Type: AWS::Lambda::LayerVersion" in cfn
    assert "Content: ../layers/shared.zip" in cfn
    assert f"Layers:\n      - Ref: LayerShared\n      - {ARN}\n" in cfn
    from wsspec import derive

    resources = yaml.safe_load(cfn)["Resources"]
    per_route = derive.permission_strategy(spec)
    assert len(resources) == derive.cloudformation_resource_count(spec, per_route=per_route)
    tf = by_name["terraform/main.tf"].content.decode()
    assert 'resource "aws_lambda_layer_version" "shared"' in tf
    assert 'filebase64sha256("${path.module}/../layers/shared.zip")' in tf
    assert f'layers = [\n    aws_lambda_layer_version.shared.arn,\n    "{ARN}",\n  ]' in tf


def test_the_template_with_a_layer_passes_cfn_lint(tmp_path: Path) -> None:
    from tests.test_cloudformation_support import cfn_lint

    spec = load(project(tmp_path))
    outputs, _ = build_outputs(spec, ["cloudformation"], tmp_path / "out")
    (tpl,) = [o for o in outputs if o.path.name == "template.yaml"]
    tpl.path.parent.mkdir(parents=True)
    tpl.path.write_bytes(tpl.content)
    assert cfn_lint([tpl.path]) == []


def test_terraform_with_a_layer_is_formatted_and_valid(
    tmp_path: Path, terraform: dict[str, Any]
) -> None:
    from tests.tfhelp import build, init, run

    tf_dir = build(load(project(tmp_path / "p")), tmp_path / "out")
    run(terraform, ["fmt", "-check", "-diff"], tf_dir)
    init(terraform, tf_dir)
    proc = run(terraform, ["validate", "-no-color"], tf_dir)
    assert "Success" in proc.stdout


# ------------------------------------------------------------------------------ deploy
def _layer_versions(lam: Any, name: str) -> list[dict[str, Any]]:
    return lam.list_layer_versions(LayerName=name)["LayerVersions"]


def test_deploy_publishes_once_updates_functions_and_destroys_only_its_versions(
    tmp_path: Path, moto: Any, aws_env: dict[str, str]
) -> None:
    spec_path = project(tmp_path)
    spec = load(spec_path)
    built = package.build_layer_zip(spec, spec.layers[0])
    moto.reset()
    lam = boto3.client("lambda", endpoint_url=moto.url, region_name="us-east-1")
    foreign = lam.publish_layer_version(
        LayerName="someone-else", Content={"ZipFile": built}, Description="not ours"
    )
    deploy(spec, moto.url)
    (v1,) = _layer_versions(lam, "layered-shared")
    assert v1["Description"] == f"shared code and PyJWT [wsspec {sha(built)} layered]"
    content = lam.get_layer_version(LayerName="layered-shared", VersionNumber=v1["Version"])[
        "Content"
    ]
    assert content["CodeSha256"] == sha(built)  # the bytes CloudFormation and Terraform ship
    fn = lam.get_function(FunctionName="layered-greet")["Configuration"]
    assert [x["Arn"] for x in fn["Layers"]] == [v1["LayerVersionArn"]]
    assert not lam.get_function(FunctionName="layered-bare")["Configuration"].get("Layers")

    session, result, _ = deploy(spec, moto.url)  # unchanged: nothing published
    assert session.plan.empty and result is None
    assert len(_layer_versions(lam, "layered-shared")) == 1

    (tmp_path / "layers/shared/python/shared_util.py").write_text("def greet(n):\n    return n\n")
    spec = load(spec_path)
    session, _, counter = deploy(spec, moto.url)
    kinds = {(s.action, s.kind) for s in session.plan.steps}
    assert kinds == {("update", "layer"), ("update", "function"), ("delete", "layer_version")}
    (v2,) = _layer_versions(lam, "layered-shared")  # the replaced version is gone
    assert v2["Version"] > v1["Version"]
    fn = lam.get_function(FunctionName="layered-greet")["Configuration"]
    assert [x["Arn"] for x in fn["Layers"]] == [v2["LayerVersionArn"]]

    deploy(spec, moto.url, destroy=True)
    assert _layer_versions(lam, "layered-shared") == []
    (kept,) = _layer_versions(lam, "someone-else")
    assert kept["LayerVersionArn"] == foreign["LayerVersionArn"]


def test_deploy_refuses_a_layer_name_holding_only_versions_it_did_not_publish(
    tmp_path: Path, moto: Any, aws_env: dict[str, str]
) -> None:
    spec = load(project(tmp_path))
    moto.reset()
    lam = boto3.client("lambda", endpoint_url=moto.url, region_name="us-east-1")
    lam.publish_layer_version(
        LayerName="layered-shared", Content={"ZipFile": b"PK\x05\x06" + b"\0" * 18}
    )
    with pytest.raises(WsspecError) as err:
        deploy(spec, moto.url)
    assert err.value.code == "WS928"
    assert "Lambda layer layered-shared" in err.value.message
    assert len(_layer_versions(lam, "layered-shared")) == 1


def test_removing_a_layer_from_the_spec_deletes_its_versions(
    tmp_path: Path, moto: Any, aws_env: dict[str, str]
) -> None:
    spec_path = project(tmp_path)
    moto.reset()
    deploy(load(spec_path), moto.url)
    text = spec_path.read_text()
    text = text.replace("layers: [shared]", "layers: []")
    spec_path.write_text(text[: text.index("layers:\n")] + text[text.index("functions:") :])
    session, _, _ = deploy(load(spec_path), moto.url)
    assert ("delete", "layer") in {(s.action, s.kind) for s in session.plan.steps}
    lam = boto3.client("lambda", endpoint_url=moto.url, region_name="us-east-1")
    assert _layer_versions(lam, "layered-shared") == []
    assert not lam.get_function(FunctionName="layered-greet")["Configuration"].get("Layers")


# ------------------------------------------------------------------------------ serve
@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    import os

    old = os.environ.get("WSSPEC_CACHE_DIR")
    os.environ["WSSPEC_CACHE_DIR"] = str(CACHE)
    tmp = tmp_path_factory.mktemp("layers-serve")
    node_layer(tmp)
    project(
        tmp,
        extra_layer=textwrap.indent(NODE_LAYER, "        "),
        extra_routes="          clock: {function: clock, response: true}",
        extra_functions="          clock: {handler: src/clock/handler.js, runtime: nodejs22.x, "
        "layers: [node]}",
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


def test_serve_imports_what_only_the_layer_provides(served: Running) -> None:
    assert ask(served, "greet") == "hello me"
    assert any("function greet: layer shared: unpacked" in n for n in served.gw.notes)


def test_serve_fails_the_same_imports_without_the_layer_like_lambda(served: Running) -> None:
    notes = "\n".join(served.gw.notes)
    assert (
        "function bare: import failed: Runtime.ImportModuleError: "
        "Unable to import module 'handler': No module named" in notes
    ), notes
    assert "Internal server error" in ask(served, "bare")


def test_serve_resolves_a_node_layer_node_modules(served: Running) -> None:
    assert ask(served, "clock") == "hello 3600000"


def test_serve_rebuilds_a_layer_when_its_files_change(tmp_path: Path) -> None:
    from tests.test_serve_support import wait_until

    write(
        tmp_path,
        {
            "spec.yaml": """\
                wsspec: 1
                api: {name: layer-reload}
                routes:
                  greet: {function: greet, response: true}
                layers:
                  shared: {source: layers/shared, runtimes: [python3.13]}
                functions:
                  greet: {handler: src/handler.py, runtime: python3.13, layers: [shared]}
                """,
            "layers/shared/python/shared_util.py": SHARED,
            "src/handler.py": """\
                import shared_util


                def handler(event, context):
                    return {"statusCode": 200, "body": shared_util.greet("you")}
                """,
        },
    )
    with Running(tmp_path / "spec.yaml", reload=True, reload_interval=0.2) as srv:
        assert ask(srv, "greet") == "hello you"
        (tmp_path / "layers/shared/python/shared_util.py").write_text(
            "def greet(name):\n    return 'bye ' + name\n"
        )
        wait_until(lambda: any("layers rebuilt (changed)" in ln for ln in srv.lines), timeout=60)
        wait_until(lambda: any("reloaded greet" in ln for ln in srv.lines), timeout=30)
        assert ask(srv, "greet") == "bye you"
