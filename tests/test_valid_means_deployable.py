"""Valid means deployable: every spec that validates builds, and the real tools accept every output.

Specs come from ``tests/specgen.py`` (hypothesis, driven by the JSON Schema and the checks'
rules). Each is validated (no errors allowed: an error is a generator bug), built with every
target into its own project, and then the tools run once over all of them
(``tests/toolcheck.py``): cfn-lint (no errors, no warnings), terraform validate and fmt,
ruff and mypy --strict on Python stubs, node --check and tsc --checkJs on Node stubs, and
``wsspec plan`` against a moto server.

Budget: 60 specs, about 3.5 minutes on 2 busy cores (``WSSPEC_FUZZ_EXAMPLES`` raises it; ``WSSPEC_FUZZ_SEED`` draws a different
set, the default set is fixed so CI is repeatable). A spec a tool rejects is saved under
``tests/data/fuzz/`` and replayed by ``test_saved_regressions_still_pass``: either validation
learns the rule (with a samples/invalid file) or the generator or a target is fixed.
"""

from __future__ import annotations

import hashlib
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, seed, settings

from tests import toolcheck
from tests.conftest import ROOT
from tests.specgen import dump, project, schema_keys, specs, used_keys
from tests.test_stubs_node import SDK_CACHE, _install_sdk
from tests.toolcheck import Built
from wsspec import names
from wsspec.build import build_outputs
from wsspec.validate import validate_file
from wsspec.writer import write_all

REGRESSIONS = ROOT / "tests" / "data" / "fuzz"
EXAMPLES = int(os.environ.get("WSSPEC_FUZZ_EXAMPLES", "60"))
SEED = os.environ.get("WSSPEC_FUZZ_SEED")


def _python_version(runtime: str) -> str:
    return runtime.removeprefix("python")


def build_one(ident: str, data: dict[str, Any], root: Path, fmt: str = "yaml") -> Built:
    """Validate (no errors) and build every target of ``data`` in ``root/<ident>``."""
    directory = root / ident
    path = project(directory, data)
    result = validate_file(str(path))
    assert result.spec is not None, (
        "the generator made an invalid spec:\n"
        + "\n".join(f.render() for f in result.errors)
        + "\n"
        + dump(data)
    )
    spec = result.spec
    outputs, _ = build_outputs(
        spec, ["cloudformation", "terraform", "stubs"], directory / "build", fmt
    )
    write_all(outputs)
    out = directory / "build" / names.physical(spec.api.name, limit=128)
    built = Built(ident, data, directory, spec, out)
    built.templates = sorted((out / "cloudformation").glob(f"*.{fmt}"))
    built.tf_dir = out / "terraform"
    for fn in spec.functions:
        if fn.builtin is not None:  # wsspec's own code (a JWT authorizer), no user file
            continue
        handler = directory / fn.handler_path
        if fn.language == "python":
            built.python.append((handler, _python_version(fn.runtime)))
        else:
            built.node.append(handler)
    return built


def save_regression(data: dict[str, Any], reasons: list[str]) -> Path:
    text = dump(data)
    name = hashlib.sha256(text.encode()).hexdigest()[:12]
    REGRESSIONS.mkdir(parents=True, exist_ok=True)
    path = REGRESSIONS / f"{name}.yaml"
    header = "".join(f"# {r.splitlines()[0][:200]}\n" for r in reasons[:5])
    path.write_text("# found by tests/test_valid_means_deployable.py:\n" + header + text)
    return path


def check_all(
    built: list[Built], root: Path, tf: dict[str, Any], moto_url: str
) -> tuple[dict[str, list[str]], list[str]]:
    """Run every tool over ``built``; (problems by project id, one line per tool for the log)."""
    from wsspec.deploy.aws import Options
    from wsspec.deploy.run import prepare

    log: list[str] = []
    problems: dict[str, list[str]] = {}

    def merge(tool: str, found: dict[str, list[str]], checked: int, started: float) -> None:
        for ident, items in found.items():
            problems.setdefault(ident, []).extend(items)
        log.append(
            f"{tool:<22} {checked:>4} specs checked, {len(found):>3} rejected ({time.monotonic() - started:.0f} s)"
        )

    # cfn-lint (one process over every template, the longest tool) runs beside the others, so
    # both cores work: the suite's wall time, not what is checked, is what this saves
    lint_started = time.monotonic()
    lint_pool = ThreadPoolExecutor(max_workers=1)
    lint = lint_pool.submit(toolcheck.cfn_lint, built)
    t = time.monotonic()
    found, n, skipped = toolcheck.terraform(built, tf, root)
    merge("terraform validate+fmt", found, n, t)
    if skipped:
        log.append(
            f"  terraform: not validated (provider not in the local mirror): {', '.join(skipped)}"
        )
    t = time.monotonic()
    found, n = toolcheck.python_stubs(built, root)
    merge("ruff + mypy --strict", found, n, t)
    t = time.monotonic()
    found, n = toolcheck.node_check(built)
    merge("node --check", found, n, t)
    reason = _install_sdk(SDK_CACHE) or toolcheck.install_typescript()
    if reason is None:
        t = time.monotonic()
        found, n = toolcheck.tsc(built, root, SDK_CACHE / "node_modules")
        merge("tsc --checkJs", found, n, t)
    else:
        log.append(f"tsc --checkJs: not run ({reason})")
    t = time.monotonic()
    found, n = toolcheck.plan(built, moto_url, prepare, Options)
    merge("wsspec plan (moto)", found, n, t)
    found, n = lint.result()
    lint_pool.shutdown()
    merge("cfn-lint (beside the others)", found, n, lint_started)
    return problems, log


@pytest.mark.slow
def test_every_valid_spec_builds_and_every_tool_accepts_it(
    tmp_path: Path,
    terraform: dict[str, Any],
    moto: Any,
    aws_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    built: list[Built] = []
    fmt_random = random.Random(SEED or 0)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=SEED is None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
    )
    @given(specs())
    def generate(data: dict[str, Any]) -> None:
        ident = f"s{len(built):04d}"
        try:
            built.append(
                build_one(ident, data, tmp_path, fmt_random.choice(["yaml", "yaml", "json"]))
            )
        except AssertionError:
            raise
        except (
            Exception
        ) as exc:  # build raised on a valid spec: save it, then let hypothesis shrink
            save_regression(data, [f"build raised {type(exc).__name__}: {exc}"])
            raise

    if SEED is not None:
        generate = seed(int(SEED))(generate)
    started = time.monotonic()
    generate()
    log = [f"built {len(built)} generated specs in {time.monotonic() - started:.0f} s"]
    problems, tool_log = check_all(built, tmp_path, terraform, moto.url)
    with capsys.disabled():
        print("\n" + "\n".join(log + tool_log))
    saved = []
    by_ident = {b.ident: b for b in built}
    for ident, items in problems.items():
        if ident in by_ident:
            saved.append(save_regression(by_ident[ident].data, items))
    report = "\n".join(f"{i}: {m}" for i, items in problems.items() for m in items[:5])
    assert not problems, (
        f"rejected by a real tool (saved: {[p.name for p in saved]}):\n{report[:20000]}"
    )


SAVED = sorted(REGRESSIONS.glob("*.yaml"))


@pytest.mark.slow
@pytest.mark.skipif(not SAVED, reason="no saved regressions")
def test_saved_regressions_still_pass(
    tmp_path: Path, terraform: dict[str, Any], moto: Any, aws_env: dict[str, str]
) -> None:
    built = [
        build_one(f"r{i:03d}", yaml.safe_load(path.read_text()), tmp_path)
        for i, path in enumerate(SAVED)
    ]
    problems, log = check_all(built, tmp_path, terraform, moto.url)
    names_ = {f"r{i:03d}": p.name for i, p in enumerate(SAVED)}
    assert not problems, "\n".join(
        f"{names_.get(i, i)}: {m}" for i, ms in problems.items() for m in ms
    )


# Keys the schema allows but no valid spec can use, with the rule that forbids them.
NOT_GENERATED = {
    "monitoring.stages.*.alarms.*.function": "stage overrides apply to API and route alarms (WS626)",
    "monitoring.stages.*.alarms.*.table": "stage overrides apply to API and route alarms (WS626)",
}


def test_the_generator_uses_every_key_of_the_schema() -> None:
    """A key the schema gains must be generated too (extend tests/specgen.py)."""
    seen: set[str] = set()

    @settings(
        max_examples=1000,  # rare keys (nested monitoring options) need a wide draw
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(specs(large=False))
    def collect(data: dict[str, Any]) -> None:
        seen.update(used_keys(data))

    collect()
    missing = sorted(schema_keys() - seen - set(NOT_GENERATED))
    assert not missing, f"the spec generator never uses: {missing}"
