"""``.js`` Node stubs take the module system Lambda will load them with.

Lambda loads a ``.js`` handler as an ES module when the nearest package.json *in the deployment
package* says ``"type": "module"``, and as CommonJS otherwise (``.mjs``/``.cjs`` are fixed). The
package wsspec deploys is the function's source directory, so a package.json above it is not
there. Each test builds tests/data_stubs/node-esm.yaml (handlers in src/handlers/, source
``src``) with package.json files placed around it, then unzips the package wsspec deploys into a
``var/task`` directory and runs the stubs from there the way the Lambda runtime loads them
(``import`` or ``require``, decided from the unzipped tree), with node's syntax detection and
``require(esm)`` turned off so that node cannot paper over a wrong choice. The SDK, the
moto-backed table and the ``@connections`` stand-in are those of tests/test_stubs_node.py.
"""

from __future__ import annotations

import functools
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests import test_stubs_node as node_tests
from tests.conftest import ROOT
from tests.test_stubs_behaviour import (
    ALICE,
    BOB,
    GHOST,
    CallbackStandIn,
    authorizer_event,
    connect_event,
    create_table,
    disconnect_event,
    message_event,
    stored_ids,
)
from tests.test_stubs_node import authorized, invoke
from wsspec.cli import app
from wsspec.model import Spec
from wsspec.package import build_zip
from wsspec.targets import stubs
from wsspec.validate import validate_file

pytestmark = pytest.mark.slow

# The SDK install, the moto-backed Lambda environment and the @connections stand-in.
node_sdk = node_tests.node_sdk
lambda_env = node_tests.lambda_env
callbacks = node_tests.callbacks

NODE_ESM = ROOT / "tests" / "data_stubs" / "node-esm.yaml"
HANDLERS = ("connect", "disconnect", "chat", "gate")
ALL_FOUR = ", ".join(f"src/handlers/{h}.js" for h in HANDLERS)
TYPE_MODULE = '{"type": "module"}'

NOTE_ABOVE = (
    f"note: stubs: {ALL_FOUR} are written as CommonJS, as Lambda will load them: package.json "
    '("type": "module") is outside their source directory src, so the deployed zip has no '
    "package.json, while local Node loads them as ES modules; for ES modules add "
    '{"type": "module"} to src/package.json or name them .mjs'
)


# ----------------------------------------------------------------------------- helpers
@functools.cache
def strict_node_args() -> tuple[str, ...]:
    """Flags that stop node from loading ESM syntax in a CommonJS scope anyway (node >= 20.19)."""
    if shutil.which("node") is None:
        return ()
    text = subprocess.run(["node", "--help"], capture_output=True, text=True, check=False).stdout
    return tuple(
        f
        for f in ("--no-experimental-detect-module", "--no-experimental-require-module")
        if f in text
    )


def build(
    root: Path, package_jsons: dict[str, str], spec_text: str | None = None
) -> tuple[Spec, list[str]]:
    """Write the spec and the package.json files under ``root``; build the stubs; (spec, notes)."""
    spec_file = root / NODE_ESM.name
    root.mkdir(parents=True, exist_ok=True)
    spec_file.write_text(spec_text if spec_text is not None else NODE_ESM.read_text())
    for rel, text in package_jsons.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    result = CliRunner().invoke(app, ["build", str(spec_file), "--target", "stubs"])
    assert result.exit_code == 0, result.output
    spec = validate_file(str(spec_file)).spec
    assert spec is not None
    return spec, [line for line in result.output.splitlines() if line.startswith("note:")]


def is_esm_source(text: str) -> bool:
    """What the stub's own syntax says; fails on a mix of both."""
    esm = bool(re.search(r"^export async function ", text, re.M))
    cjs = "module.exports = {" in text and '"use strict";' in text
    assert esm != cjs, text[:400]
    assert not (esm and "require(" in text), text[:400]
    return esm


def deploy(spec: Spec, node_modules: Path) -> Path:
    """The function package wsspec builds, unzipped into ``<project>/../var/task``; the SDK sits
    outside it (``var/node_modules``), as Lambda's runtime provides it."""
    var = Path(spec.project_dir).parent / f"var-{Path(spec.project_dir).name}"
    task = var / "task"
    shutil.rmtree(var, ignore_errors=True)
    packages = {build_zip(spec, spec.function(h)) for h in HANDLERS}
    assert len(packages) == 1  # one source directory: the same package for every function
    with zipfile.ZipFile(io.BytesIO(packages.pop())) as zf:
        zf.extractall(task)
    (var / "node_modules").symlink_to(node_modules, target_is_directory=True)
    return task


def lambda_imports(task: Path, handler: Path) -> bool:
    """How the Lambda runtime loads ``handler`` (aws-lambda-nodejs-runtime-interface-client,
    UserFunction.js): ``import`` for .mjs, or for .js when the nearest package.json from the
    handler's directory up to the task root says "type": "module" (unreadable: no); else
    ``require``."""
    if handler.suffix != ".js":
        return handler.suffix == ".mjs"
    d = handler.parent
    while True:
        if (d / "package.json").is_file():
            try:
                data = json.loads((d / "package.json").read_text())
            except ValueError:
                return False
            return isinstance(data, dict) and data.get("type") == "module"
        if d == task:
            return False
        d = d.parent


def node_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", *strict_node_args(), "--check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def run_deployed(spec: Spec, task: Path, callbacks: CallbackStandIn) -> None:
    """connect / message / disconnect and the authorizer's deny and allow, from the package."""

    def call(fn: str, events: list[dict], handler: Path | None = None) -> list[dict]:
        path = handler or task / "handlers" / f"{fn}.js"
        return invoke(
            spec,
            fn,
            events,
            handler=path,
            esm=lambda_imports(task, path),
            node_args=strict_node_args(),
        ).results

    for h in HANDLERS:
        proc = node_check(task / "handlers" / f"{h}.js")
        assert proc.returncode == 0, proc.stderr
    table = create_table(spec)
    table.put_item(Item={"connectionId": GHOST})
    callbacks.gone.add(GHOST)
    assert (
        call("connect", [authorized(connect_event(c)) for c in (ALICE, BOB)])
        == [{"result": {"statusCode": 200}}] * 2
    )
    assert stored_ids(table) == {ALICE, BOB, GHOST}
    assert call(
        "chat",
        [
            authorized(message_event(ALICE, "sendmessage", "one")),
            authorized(message_event(BOB, "$default", "two")),
        ],
    ) == [{"result": {"statusCode": 200}}, {"result": {"statusCode": 200, "body": "two"}}]
    assert sorted(cid for _, cid, _ in callbacks.posts) == [ALICE, BOB, GHOST]
    assert stored_ids(table) == {ALICE, BOB}  # the stale connection went on 410
    assert (
        call("disconnect", [authorized(disconnect_event(c)) for c in (ALICE, BOB)])
        == [{"result": {"statusCode": 200}}] * 2
    )
    assert stored_ids(table) == set()

    event = authorizer_event(headers={"Authorization": "Bearer abc"})
    assert call("gate", [event]) == [{"error": {"name": "Error", "message": "Unauthorized"}}]
    stub = task / "handlers" / "gate.js"
    implemented = stub.with_name("gate_implemented.js")  # same directory: same module system
    source, n = re.subn(
        r"(async function verify\(([^)]*)\) \{\n)  return null;",
        r"\1  return JSON.stringify([\2]);",
        stub.read_text(),
    )
    assert n == 1
    implemented.write_text(source)
    [allowed] = call("gate", [event], handler=implemented)
    assert allowed["result"]["principalId"] == '["Bearer abc"]'
    assert allowed["result"]["policyDocument"]["Statement"] == [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
    ]


def stub_texts(spec: Spec) -> dict[str, str]:
    return {
        h: (Path(spec.project_dir) / "src" / "handlers" / f"{h}.js").read_text() for h in HANDLERS
    }


# ----------------------------------------------------------------------------- built and run
LAYOUTS = {
    "type-module-in-source": ({"src/package.json": TYPE_MODULE}, True),
    "type-commonjs": ({"src/package.json": '{"type": "commonjs"}'}, False),
    "no-type": ({"src/package.json": '{"name": "chat-functions", "private": true}'}, False),
    "no-package-json": ({}, False),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_js_stubs_follow_the_package_json_in_the_source_dir_and_run_from_the_package(
    layout: str,
    tmp_path: Path,
    node_sdk: Path,
    lambda_env: dict[str, str],
    callbacks: CallbackStandIn,
) -> None:
    package_jsons, esm = LAYOUTS[layout]
    spec, notes = build(tmp_path / "project", package_jsons)
    assert notes == []
    assert {h: is_esm_source(t) for h, t in stub_texts(spec).items()} == dict.fromkeys(
        HANDLERS, esm
    )
    task = deploy(spec, node_sdk)
    assert all(lambda_imports(task, task / "handlers" / f"{h}.js") == esm for h in HANDLERS)
    run_deployed(spec, task, callbacks)


def test_type_module_above_the_source_dir_gives_commonjs_and_says_why(
    tmp_path: Path,
    node_sdk: Path,
    lambda_env: dict[str, str],
    callbacks: CallbackStandIn,
) -> None:
    spec, notes = build(tmp_path / "project", {"package.json": TYPE_MODULE})
    assert notes == [NOTE_ABOVE]
    texts = stub_texts(spec)
    assert not any(is_esm_source(t) for t in texts.values())
    # What the note warns about: in the project tree node sees package.json and loads the
    # CommonJS stub as an ES module, which fails ...
    local = Path(spec.project_dir) / "src" / "handlers" / "gate.js"
    proc = subprocess.run(["node", str(local)], capture_output=True, text=True, check=False)
    assert proc.returncode != 0 and "is not defined in ES module scope" in proc.stderr, proc.stderr
    # ... while the package Lambda runs has no package.json and runs the stubs as CommonJS.
    task = deploy(spec, node_sdk)
    assert not (task / "package.json").exists()
    run_deployed(spec, task, callbacks)


def test_a_malformed_package_json_above_the_source_dir_gives_commonjs_and_a_note(
    tmp_path: Path,
    node_sdk: Path,
    lambda_env: dict[str, str],
    callbacks: CallbackStandIn,
) -> None:
    spec, notes = build(tmp_path / "project", {"package.json": '{"type": "module",}'})
    assert notes == [
        "note: stubs: package.json is not valid JSON (Expecting property name enclosed in double "
        f"quotes at line 1 column 19), so {ALL_FOUR} are written as CommonJS; Node refuses to "
        "load .js files under it until it is fixed"
    ]
    assert not any(is_esm_source(t) for t in stub_texts(spec).values())
    run_deployed(spec, deploy(spec, node_sdk), callbacks)  # not in the package: Lambda runs it


# ----------------------------------------------------------------------------- built, checked
def test_a_malformed_package_json_in_the_source_dir_gives_commonjs_and_a_note(
    tmp_path: Path,
    node_sdk: Path,
) -> None:
    spec, notes = build(tmp_path / "project", {"src/package.json": "{'type': 'module'}"})
    assert notes == [
        "note: stubs: src/package.json is not valid JSON (Expecting property name enclosed in "
        f"double quotes at line 1 column 2), so {ALL_FOUR} are written as CommonJS; Node "
        "refuses to load .js files under it until it is fixed"
    ]
    assert not any(is_esm_source(t) for t in stub_texts(spec).values())
    # The claim of the note: node will not load a .js file below it (locally, or in Lambda).
    proc = node_check(deploy(spec, node_sdk) / "handlers" / "connect.js")
    assert proc.returncode != 0 and "package.json" in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("package_jsons", "esm", "notes"),
    [
        # The nearest package.json decides, even one without "type".
        (
            {"src/package.json": TYPE_MODULE, "src/handlers/package.json": '{"private": true}'},
            False,
            [],
        ),
        ({"src/package.json": "{}", "src/handlers/package.json": TYPE_MODULE}, True, []),
        # JSON but not an object: no "type" (node loads the .js files as CommonJS too).
        (
            {"src/package.json": "[]"},
            False,
            [
                f"note: stubs: src/package.json is not a JSON object, so {ALL_FOUR} are written as "
                "CommonJS"
            ],
        ),
    ],
    ids=["no-type-nearer", "module-nearer", "not-an-object"],
)
def test_the_nearest_package_json_in_the_package_decides(
    package_jsons: dict[str, str],
    esm: bool,
    notes: list[str],
    tmp_path: Path,
    node_sdk: Path,
) -> None:
    spec, printed = build(tmp_path / "project", package_jsons)
    assert printed == notes
    assert all(is_esm_source(t) == esm for t in stub_texts(spec).values())
    task = deploy(spec, node_sdk)
    for h in HANDLERS:
        assert lambda_imports(task, task / "handlers" / f"{h}.js") == esm
        proc = node_check(task / "handlers" / f"{h}.js")
        assert proc.returncode == 0, proc.stderr


def test_mjs_and_cjs_ignore_package_json(tmp_path: Path, node_sdk: Path) -> None:
    text = (
        NODE_ESM.read_text()
        .replace("handlers/connect.js", "handlers/connect.cjs")
        .replace("handlers/gate.js", "handlers/gate.mjs")
    )
    spec, notes = build(tmp_path / "project", {"src/package.json": TYPE_MODULE}, text)
    assert notes == []
    handlers = Path(spec.project_dir) / "src" / "handlers"
    assert not is_esm_source((handlers / "connect.cjs").read_text())
    assert is_esm_source((handlers / "gate.mjs").read_text())
    assert is_esm_source((handlers / "chat.js").read_text())
    for name in ("connect.cjs", "gate.mjs", "chat.js"):
        proc = node_check(handlers / name)
        assert proc.returncode == 0, proc.stderr


def test_a_single_file_source_can_only_be_made_esm_by_its_extension(tmp_path: Path) -> None:
    text = NODE_ESM.read_text().replace(
        "handler: src/handlers/gate.js\n    source: src\n",
        "handler: src/handlers/gate.js\n    source: src/handlers/gate.js\n",
    )
    spec, notes = build(tmp_path / "project", {"src/package.json": TYPE_MODULE}, text)
    assert notes == [
        "note: stubs: src/handlers/gate.js is written as CommonJS, as Lambda will load it: "
        'src/package.json ("type": "module") is outside its source directory '
        "src/handlers/gate.js, so the deployed zip has no package.json, while local Node loads "
        "it as an ES module; for ES modules name it .mjs (a single-file source cannot carry a "
        "package.json)"
    ]
    texts = stub_texts(spec)
    assert not is_esm_source(texts["gate"]) and is_esm_source(texts["chat"])


# ----------------------------------------------------------------------------- no node needed
def test_existing_handlers_are_kept_and_get_no_note(tmp_path: Path) -> None:
    root = tmp_path / "project"
    mine = root / "src" / "handlers" / "chat.js"
    mine.parent.mkdir(parents=True)
    mine.write_text("module.exports = { handler: async () => ({ statusCode: 200 }) };\n")
    spec, notes = build(root, {"package.json": TYPE_MODULE})
    assert mine.read_text() == "module.exports = { handler: async () => ({ statusCode: 200 }) };\n"
    assert notes == [NOTE_ABOVE.replace("src/handlers/chat.js, ", "")]
    result = CliRunner().invoke(app, ["build", str(root / NODE_ESM.name), "--target", "stubs"])
    assert result.exit_code == 0 and "note:" not in result.output  # every stub exists now


def test_package_json_links_outside_the_project_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.json"
    outside.write_text(TYPE_MODULE)
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src" / "package.json").symlink_to(outside)
    spec_file = root / NODE_ESM.name
    spec_file.write_text(NODE_ESM.read_text())
    # validation refuses the link (it would be packaged: WS540), so build writes nothing
    result = CliRunner().invoke(app, ["build", str(spec_file), "--target", "stubs"])
    assert result.exit_code == 1 and "[WS540]" in result.output, result.output
    assert "src/package.json is a symbolic link" in result.output
    # and the module system decision, given such a project anyway, does not read it either
    from wsspec.model import build_model

    data = yaml.safe_load(spec_file.read_text())
    spec = build_model(data, source_file=str(spec_file), project_dir=str(root))
    ms = stubs.module_system(spec, spec.function("chat"))
    assert (ms.esm, ms.package_json) == (False, "src/package.json")
    assert ms.problem is not None and "was not read" in ms.problem
    assert not (root / "src" / "handlers").exists()


def test_module_system_never_looks_above_the_project(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(TYPE_MODULE)  # above the project: not ours to read
    spec, notes = build(tmp_path / "project", {})
    assert notes == []
    ms = stubs.module_system(spec, spec.function("chat"))
    assert ms == stubs.ModuleSystem(esm=False, local_esm=False)
