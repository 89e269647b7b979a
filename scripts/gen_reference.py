"""Generate the spec reference (docs/reference.md) and the code table (docs/codes.md).

    python scripts/gen_reference.py            # rewrite the generated blocks in place
    python scripts/gen_reference.py --check    # exit 1 if a generated block is out of date

The spec reference comes from the ``description``/``default`` of every property in
schemas/wsspec.schema.json; the code table from :func:`code_rows`. Only the text between
``<!-- generated: NAME -->`` and ``<!-- /generated: NAME -->`` is touched, so the prose
around each block is edited by hand.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

Schema = dict[str, Any]  # a parsed JSON Schema node


def code_rows() -> list[tuple[str, str, str, str]]:
    """(code, stage, severity, meaning) of every code the program prints, in code order: the
    one source of the table is the registry, ``wsspec.codes``."""
    from wsspec.codes import all_codes, range_of

    return [(c.code, range_of(c.code).title, c.severity, c.summary) for c in all_codes()]


def codes_block() -> str:
    rows = [
        f"| {code} | {_cell(stage)} | {sev} | {_cell(meaning)} |"
        for code, stage, sev, meaning in code_rows()
    ]
    header = ["| Code | Stage | Severity | Meaning |", "| --- | --- | --- | --- |"]
    return "\n".join([*header, *rows]) + "\n"


def _type_of(s: Schema) -> str:
    if "const" in s:
        return f"`{json.dumps(s['const'])}`"
    if "enum" in s:
        vals = [
            v
            for v in s["enum"]
            if not (isinstance(v, str) and v.isupper() and v.lower() in s["enum"])
        ]
        return " | ".join(f"`{v}`" for v in vals)
    if "$ref" in s:
        return str(s["$ref"]).rsplit("/", 1)[-1]
    if "oneOf" in s:
        return " or ".join(_type_of(b) for b in s["oneOf"])
    t = s.get("type", "any")
    if isinstance(t, list):
        t = " or ".join(x for x in t if x != "null")
    if t == "object" and isinstance(s.get("additionalProperties"), dict):
        return "map"
    if t == "array":
        return f"list of {_type_of(s.get('items', {}))}"
    return str({"object": "mapping"}.get(t, t))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _shown(default: object) -> str:
    return f"`{json.dumps(default)}`" if default is not None else ""


class Reference:
    """Markdown tables of the schema: the top level, then every mapping with fixed keys."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.defs: dict[str, Schema] = schema.get("$defs", {})
        self.lines: list[str] = []
        self.done: set[str] = set()

    def resolve(self, s: Schema) -> Schema:
        while "$ref" in s:
            s = self.defs[str(s["$ref"]).rsplit("/", 1)[-1]]
        return s

    def top_level(self) -> None:
        self.lines += ["## Top level\n", self.schema["description"] + "\n"]
        self.lines += ["| Key | Type | Default | Description |", "| --- | --- | --- | --- |"]
        required = set(self.schema.get("required", ()))
        for key, p in self.schema["properties"].items():
            desc = ("**Required.** " if key in required else "") + p.get("description", "")
            row = f"| `{key}` | {_cell(_type_of(p))} | {_shown(p.get('default'))} | {_cell(desc)} |"
            self.lines.append(row)
        self.lines.append("")
        for key, p in self.schema["properties"].items():
            for label, sub in self.children(p):
                self.table(f"`{key}`" + (f" ({label})" if label else ""), sub)

    def table(self, title: str, s: Schema) -> None:
        s = self.resolve(s)
        props: dict[str, Schema] | None = s.get("properties")
        if not props:
            return
        self.lines.append(f"## {title}\n")
        if s.get("description"):
            self.lines.append(s["description"] + "\n")
        self.lines += ["| Key | Type | Default | Description |", "| --- | --- | --- | --- |"]
        nested: list[tuple[str, Schema]] = []
        for key, p in props.items():
            default = p.get("default", self.resolve(p).get("default") if "$ref" in p else None)
            desc = p.get("description") or self.resolve(p).get("description", "")
            self.lines.append(
                f"| `{key}` | {_cell(_type_of(p))} | {_cell(_shown(default))} | {_cell(desc)} |"
            )
            for label, sub in self.children(p):
                nested.append((f"{title} → {key}" + (f" ({label})" if label else ""), sub))
        self.lines.append("")
        for t, sub in nested:
            self.table(t, sub)

    def children(self, p: Schema) -> list[tuple[str, Schema]]:
        """Mappings with fixed keys below a property (followed once per $defs entry)."""
        ref = str(p.get("$ref", ""))
        name = ref.rsplit("/", 1)[-1] if ref else ""
        if name and name in self.done:
            return []
        if name:
            self.done.add(name)
        s = self.resolve(p)
        if "oneOf" in s:
            return [sub for b in s["oneOf"] for sub in self.branch(b)]
        if s.get("properties"):
            return [("", s)]
        entries = s.get("additionalProperties")
        if isinstance(entries, dict):
            return [("each " + (label or "entry"), sub) for label, sub in self.children(entries)]
        items = s.get("items")
        if s.get("type") == "array" and isinstance(items, dict):
            return [("each " + (label or "item"), sub) for label, sub in self.children(items)]
        return []

    def branch(self, b: Schema) -> list[tuple[str, Schema]]:
        """The tables of one ``oneOf`` branch, labelled by its ``type`` constant if it has one."""
        rb = self.resolve(b)
        const = rb.get("properties", {}).get("type", {}).get("const")
        label = f"type: {const}" if const else ""
        if "$ref" in b:
            subs = self.children(b)
        elif rb.get("properties"):
            subs = [(label, rb)]
        else:
            subs = self.children(rb)
        return [(sub_label or label, sub) for sub_label, sub in subs]


def reference_block() -> str:
    schema = json.loads((ROOT / "schemas" / "wsspec.schema.json").read_text())
    ref = Reference(schema)
    ref.top_level()
    return "\n".join(ref.lines).rstrip() + "\n"


# file -> (block name, generator)
BLOCKS: dict[str, tuple[str, Callable[[], str]]] = {
    "docs/reference.md": ("reference", reference_block),
    "docs/codes.md": ("codes", codes_block),
}


def render(text: str, name: str, body: str, where: str) -> str:
    """``text`` with the block ``name`` replaced by ``body``."""
    pattern = re.compile(
        rf"(<!-- generated: {name} -->\n)(.*?)(<!-- /generated: {name} -->)", re.DOTALL
    )
    if not pattern.search(text):
        raise SystemExit(f"{where} has no '<!-- generated: {name} -->' markers")
    return pattern.sub(lambda m: m.group(1) + body + m.group(3), text, count=1)


def main(argv: list[str]) -> int:
    stale: list[str] = []
    for rel, (name, generate) in BLOCKS.items():
        path = ROOT / rel
        current = path.read_text()
        wanted = render(current, name, generate(), rel)
        if current == wanted:
            continue
        stale.append(rel)
        if "--check" not in argv:
            path.write_text(wanted)
            print(f"{rel} updated")
    if stale and "--check" in argv:
        print(
            f"out of date: {', '.join(stale)}: run python scripts/gen_reference.py",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
