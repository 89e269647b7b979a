"""AsyncAPI target: an AsyncAPI 3.0 document of the API, ``asyncapi/asyncapi.yaml`` and
``asyncapi/asyncapi.json`` (the same document in both formats; generated, rewritten every build).

What the document holds is decided in ``document.py`` from ``wsspec.messages`` (the routes,
messages and connection parameters the generated clients use too); model schemas are converted
from JSON Schema draft 4 in ``schemas.py``. Every spec string reaches the files through
``yaml.dump`` (safe dumper, no anchors) or ``json.dumps``, never through text templates.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import yaml

from wsspec.messages import client_api
from wsspec.model import Spec
from wsspec.targets import BuildContext, Output
from wsspec.targets.asyncapi.document import Document

__all__ = ["document", "dump_json", "dump_yaml", "notes", "render"]

DIR = "asyncapi"

if TYPE_CHECKING:
    _SafeDumper = yaml.SafeDumper
else:  # the C dumper (libyaml) when PyYAML has it: same output, faster
    _SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_SafeDumper):
    """Safe YAML without anchors (a repeated structure is written out again)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and value == value.strip(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(doc: Any) -> str:
    text: str = yaml.dump(
        doc,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=2**31 - 1,
        indent=2,
    )
    return text


def dump_json(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def document(spec: Spec) -> tuple[dict[str, Any], list[str]]:
    """(the AsyncAPI document as plain data, notes)."""
    api = client_api(spec)
    builder = Document(spec, api)
    return builder.build(), builder.notes


def render(spec: Spec, ctx: BuildContext) -> list[Output]:
    doc, _ = document(spec)
    out = ctx.out_dir / DIR
    return [
        Output(out / "asyncapi.yaml", dump_yaml(doc).encode("utf-8")),
        Output(out / "asyncapi.json", dump_json(doc).encode("utf-8")),
    ]


def notes(spec: Spec, ctx: BuildContext) -> list[str]:
    """References the document cannot resolve offline."""
    return [f"asyncapi: {n}" for n in document(spec)[1]]
