"""CloudFormation template files: where they go and how the plain data is written.

JSON with ``json.dumps``, or YAML with a safe dumper that quotes whatever YAML would otherwise
reinterpret (``: ``, ``#``, ``!Ref``-like text, ``{{``, newlines, non-ASCII); multi-line strings
as literal blocks, no anchors, no line wrapping.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from wsspec.targets import BuildContext

TEMPLATE_DIR = "cloudformation"

if TYPE_CHECKING:
    _SafeDumper = yaml.SafeDumper
else:  # the C dumper (libyaml) when PyYAML has it: same output, much faster
    _SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_SafeDumper):
    """Safe YAML without anchors; multi-line strings as literal blocks when YAML allows it."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


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


def is_wsspec_template(data: bytes) -> bool:
    """Whether ``data`` is a template wsspec wrote (its Description starts ``wsspec: ``)."""
    head = data[:4096]
    return b"AWSTemplateFormatVersion" in head and b"wsspec: WebSocket API" in head


def serialise(doc: dict[str, Any], fmt: str) -> bytes:
    return (dump_json(doc) if fmt == "json" else dump_yaml(doc)).encode("utf-8")


def template_path(ctx: BuildContext) -> Path:
    """``<out>/cloudformation/template.<yaml|json>`` (nested templates sit beside it)."""
    return (
        ctx.out_dir
        / TEMPLATE_DIR
        / f"template.{'json' if ctx.template_format == 'json' else 'yaml'}"
    )
