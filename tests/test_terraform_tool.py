"""The Terraform target checked by the real terraform binary (offline, local provider mirror).

Every sample: ``terraform fmt -check`` and ``init -backend=false`` + ``validate`` on a copy of
the build directory (terraform/ + functions/, since validate reads the zips). The 300-route
spec of the large-API issue, adversarial strings, and escaping evaluated by terraform itself.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from tests.tfhelp import (
    ROOT,
    SAMPLE_NAMES,
    apply_outputs,
    build,
    copy_build,
    init,
    load,
    run,
)
from wsspec.escape import hcl_string
from wsspec.model import FrozenDict
from wsspec.targets.terraform import hcl

sys.path.insert(0, str(ROOT / "benchmarks"))
import gen_spec

pytestmark = pytest.mark.slow


def _fmt_and_validate(tf: dict[str, Any], tf_dir: Path) -> None:
    proc = run(tf, ["fmt", "-check", "-diff", "-no-color"], tf_dir, check=False)
    assert proc.returncode == 0, f"terraform fmt would change:\n{proc.stdout}"
    init(tf, tf_dir)
    proc = run(tf, ["validate", "-json", "-no-color"], tf_dir, check=False)
    result = json.loads(proc.stdout)
    assert result["valid"], json.dumps(result["diagnostics"], indent=1)[:4000]
    assert result["warning_count"] == 0, json.dumps(result["diagnostics"], indent=1)[:4000]


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_sample_passes_fmt_check_and_validate(
    sample: str, terraform: dict[str, Any], tmp_path: Path
) -> None:
    tf_dir = build(load(sample), tmp_path / "build")
    _fmt_and_validate(terraform, copy_build(tf_dir.parent, tmp_path / "copy"))


def test_the_300_route_spec_renders_and_validates(
    terraform: dict[str, Any], tmp_path: Path
) -> None:
    spec = load(gen_spec.write(300, tmp_path / "spec"))
    tf_dir = build(spec, tmp_path / "build")
    text = (tf_dir / "main.tf").read_text()
    assert text.count('resource "aws_apigatewayv2_route" ') == 300
    _fmt_and_validate(terraform, tf_dir)


ADVERSARIAL = [
    'quote " and backslash \\ and \\" together',
    "newline\nand\r\ncarriage return\tand tab",
    "${var.region} %{ if true }x%{ endif } $${escaped} %%{escaped}",
    "<<EOF\nheredoc body\nEOF\n<<-EOT",
    "ends with a dollar $",
    "ünïcödé 😀 \u2028 \x00 \x7f",
    "# not a comment // nor this /* */",
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_adversarial_spec_strings_still_validate(
    text: str, terraform: dict[str, Any], tmp_path: Path
) -> None:
    base = load("models-mock")
    api = dataclasses.replace(base.api, description=text, tags=FrozenDict({text: text}))
    integrations = tuple(
        dataclasses.replace(i, description=text, request_templates=FrozenDict({text: text}))
        if i.name == "pong"
        else i
        for i in base.integrations
    )
    stages = tuple(
        dataclasses.replace(s, description=text, variables=FrozenDict({"v": text}))
        for s in base.stages
    )
    functions = tuple(dataclasses.replace(f, description=text) for f in base.functions)
    spec = dataclasses.replace(
        base, api=api, integrations=integrations, stages=stages, functions=functions
    )
    _fmt_and_validate(terraform, build(spec, tmp_path))


# Terraform evaluates what wsspec writes: the strings must come back unchanged (up to Unicode
# NFC, which cty applies to every string), and JSON documents must jsonencode to the same JSON.
TEXT = st.lists(
    st.one_of(
        st.sampled_from(
            [
                '"',
                "\\",
                "\n",
                "${",
                "%{",
                "$${",
                "$",
                "%",
                "{",
                "}",
                "~",
                "<<EOF",
                "é",
                "😀",
                "\u0301",
                "\x00",
                "\u2028",
            ]
        ),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=12,
).map("".join)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | TEXT
    | st.floats(allow_nan=False, allow_infinity=False, width=32).filter(lambda f: abs(f) < 1e15),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(
    strings=st.lists(TEXT, min_size=40, max_size=40), docs=st.lists(JSON, min_size=20, max_size=20)
)
def test_terraform_reads_escaped_strings_and_json_documents_back(
    strings: list[str],
    docs: list[Any],
    terraform: dict[str, Any],
    tmp_path_factory: Any,
) -> None:
    exprs = [hcl_string(s) for s in strings]
    exprs += ["{\n" + hcl.key(s) + " = 1\n}" for s in strings[:10]]
    # plus the cases that break a naive jsonencode: a combining mark after an escape, non-NFC
    docs = docs + [{"k": "line\n\u0301"}, {"<\u0327": "&\u0301"}, ["e\u0301"], "\u0301"]
    exprs += [hcl.json_document(d) for d in docs]
    cwd = tmp_path_factory.mktemp("eval")
    got = apply_outputs(terraform, exprs, cwd / "x")

    def nfc(s):
        return unicodedata.normalize("NFC", s)

    assert got[:40] == [nfc(s) for s in strings]
    assert [list(o) for o in got[40:50]] == [[nfc(s)] for s in strings[:10]]

    # JSON documents come back exactly (hcl.json_document avoids jsonencode where Terraform's
    # NFC normalisation of its output would change or even break the JSON)
    for doc, out in zip(docs, got[50:]):
        try:
            back = json.loads(out)
        except ValueError as exc:
            raise AssertionError(f"{doc!r} {[hex(ord(c)) for c in str(doc)]} -> {out!r}") from exc
        assert _close(back, doc), (doc, out)


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1.0, abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a == b
