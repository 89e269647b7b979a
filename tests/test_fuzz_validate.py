"""Property tests: mutated samples and random YAML always give findings (or ok), never a crash."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsspec.loader import load_file, load_text
from wsspec.validate import validate_loaded, validate_text

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {p.name: load_file(str(p)).data for p in sorted((ROOT / "samples").glob("*.yaml"))}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(
        [
            "$connect",
            "$default",
            "lambda",
            "http",
            "aws",
            "mock",
            "iam",
            "jwt",
            "none",
            "/4\\d{2}/",
            "${request.body.x}",
            "../x.py",
            "/abs.py",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


def _set(data: Any, path: tuple[Any, ...], value: Any, op: str) -> Any:
    if not path:
        return value if op == "replace" else data
    parent = data
    for p in path[:-1]:
        parent = parent[p]
    last = path[-1]
    if op == "delete":
        del parent[last]
    elif op == "replace":
        parent[last] = value
    elif op == "add" and isinstance(parent[last], dict):
        parent[last]["x_" + str(value)[:8]] = value
    return data


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(SAMPLES[draw(st.sampled_from(sorted(SAMPLES)))])
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["delete", "replace", "add"]))
        try:
            data = _set(data, path, draw(values), op)
        except (KeyError, IndexError, TypeError):
            pass
    return data


def _check(result: Any) -> None:
    assert all(f.code != "WS000" for f in result.findings), [f.render() for f in result.findings]
    assert (result.spec is None) == bool(result.errors)
    for f in result.findings:
        assert f.line >= 1 and f.column >= 1 and f.code.startswith("WS")


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(mutated())
def test_mutated_samples_never_crash(data: Any) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    _check(validate_text(text, "m.yaml"))


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-{}[]&*!|>'\"#\n\t $.,?%@`0x1~<")), max_size=80))
def test_random_yaml_text_never_crashes(text: str) -> None:
    _check(validate_text(text, "r.yaml"))


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "wsspec",
                "api",
                "routes",
                "functions",
                "stages",
                "integrations",
                "authorizers",
                "models",
                "connections",
                "domain",
                "vpc_links",
                "account",
                "monitoring",
            ]
        ),
        values,
        max_size=6,
    )
)
def test_random_top_level_shapes_never_crash(data: dict[str, Any]) -> None:
    loaded = load_text(yaml.safe_dump(data), "d.yaml")
    _check(validate_loaded(loaded, project_dir="."))
