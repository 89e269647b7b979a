"""Generate the README's `spec` and `validate` sections from the schema and the code table.

    python scripts/gen_reference.py            # rewrite README.md in place
    python scripts/gen_reference.py --check    # exit 1 if README.md is out of date

The spec reference comes from the ``description``/``default`` of every property in
schemas/wsspec.schema.json; the codes table from ``wsspec.codes.all_codes()``.
Only the text between ``<!-- section: spec -->`` / ``<!-- section: validate -->`` and their
closing markers is touched.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPEC_INTRO = """## The spec language

One YAML file describes one WebSocket API. The smallest useful spec (a Lambda-backed chat):

```yaml
wsspec: 1
api: {name: chat}
routes:
  $connect: {function: on_connect}
  $disconnect: {function: on_disconnect}
  sendmessage: {function: send_message}
functions:
  on_connect: {handler: handlers/on_connect.py, grants: [connection_table]}
  on_disconnect: {handler: handlers/on_disconnect.py, grants: [connection_table]}
  send_message: {handler: handlers/send_message.py, grants: [connection_table, manage_connections]}
connections: true
```

`samples/` holds five complete specs that together use every key. `wsspec schema` prints the
JSON Schema (draft 2020-12) for editors. The reference below is generated from that schema's
descriptions by `scripts/gen_reference.py` (a test fails when it is out of date).
"""

VALIDATE_INTRO = """## Validate

```sh
wsspec validate samples/chat.yaml               # findings, then "samples/chat.yaml: ok (4 routes, 3 functions)"
wsspec validate a.yaml b.yaml                   # every problem in every file, then exit 1
wsspec validate --format json broken.yaml       # the same findings as a JSON list
wsspec validate --strict samples/chat.yaml      # warnings fail too (exit 1)
wsspec schema > wsspec.schema.json              # the JSON Schema, for editors and other tools
```

Each finding is one line, `file:line:col: severity[CODE]: path: message (hint: ...)`:

```
broken.yaml:14:7: error[WS104]: routes.sendmessage.authorizer: authorizers can only be attached to $connect (API Gateway checks authorization once per connection)
broken.yaml:22:5: error[WS001]: routes.ping.integraton: unknown key 'integraton' (did you mean 'integration'?)
```

JSON output is a list of objects with `code`, `severity`, `file`, `line`, `column`, `path`,
`message` and `hint`. Exit codes: 0 valid (warnings allowed), 1 errors (or warnings with
`--strict`), 2 usage error or unreadable file.

As a pre-commit hook (spec files named `*.wsspec.yaml` or `wsspec.yaml`; override `files:`
for other names):

```yaml
repos:
  - repo: https://github.com/wsspec/wsspec
    rev: v0.1.0
    hooks:
      - id: wsspec-validate
        # files: ^api/.*\\.ya?ml$
```

Validation runs in stages: YAML loading (WS9xx: duplicate keys, tabs, `yes`/`no` and dates stay
strings, alias bombs), the JSON Schema (WS0xx), then the WebSocket rules AWS would otherwise
only reject at deploy time. Every code has a bad example in `samples/invalid/` with its exact
output. Codes are stable.

| Code | Severity | Rule |
| --- | --- | --- |
"""


def _type_of(s: dict[str, Any]) -> str:
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
        return s["$ref"].rsplit("/", 1)[-1]
    if "oneOf" in s:
        return " or ".join(_type_of(b) for b in s["oneOf"])
    t = s.get("type", "any")
    if isinstance(t, list):
        t = " or ".join(x for x in t if x != "null")
    if t == "object" and isinstance(s.get("additionalProperties"), dict):
        return "map"
    if t == "array":
        return f"list of {_type_of(s.get('items', {}))}"
    return {"object": "mapping"}.get(t, t)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class Ref:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.defs = schema.get("$defs", {})
        self.lines: list[str] = []
        self.done: set[str] = set()

    def resolve(self, s: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in s:
            s = self.defs[s["$ref"].rsplit("/", 1)[-1]]
        return s

    def table(self, title: str, s: dict[str, Any], level: int = 3) -> None:
        s = self.resolve(s)
        props = s.get("properties")
        if not props:
            return
        self.lines.append(f"{'#' * level} {title}\n")
        if s.get("description"):
            self.lines.append(s["description"] + "\n")
        self.lines.append("| Key | Type | Default | Description |")
        self.lines.append("| --- | --- | --- | --- |")
        nested: list[tuple[str, dict[str, Any]]] = []
        for key, p in props.items():
            default = p.get("default", self.resolve(p).get("default") if "$ref" in p else None)
            shown = f"`{json.dumps(default)}`" if default is not None else ""
            desc = p.get("description") or self.resolve(p).get("description", "")
            self.lines.append(
                f"| `{key}` | {_cell(_type_of(p))} | {_cell(shown)} | {_cell(desc)} |"
            )
            for sub in self.children(p):
                nested.append(
                    (f"{title} → {key}" if not sub[0] else f"{title} → {key} ({sub[0]})", sub[1])
                )
        self.lines.append("")
        for t, sub in nested:
            self.table(t, sub, level)

    def children(self, p: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """Mappings with fixed keys below a property (followed once per $defs entry)."""
        out: list[tuple[str, dict[str, Any]]] = []
        ref = p.get("$ref", "")
        name = ref.rsplit("/", 1)[-1] if ref else ""
        if name and name in self.done:
            return out
        if name:
            self.done.add(name)
        s = self.resolve(p)
        if "oneOf" in s:
            for b in s["oneOf"]:
                rb = self.resolve(b)
                label = ""
                const = rb.get("properties", {}).get("type", {}).get("const")
                if const:
                    label = f"type: {const}"
                for sub in (
                    self.children(b)
                    if "$ref" in b
                    else [(label, rb)]
                    if rb.get("properties")
                    else self.children(rb)
                ):
                    out.append((sub[0] or label, sub[1]))
        elif s.get("properties"):
            out.append(("", s))
        elif isinstance(s.get("additionalProperties"), dict):
            for sub in self.children(s["additionalProperties"]):
                out.append(("each " + (sub[0] or "entry"), sub[1]))
        elif s.get("type") == "array" and isinstance(s.get("items"), dict):
            for sub in self.children(s["items"]):
                out.append(("each " + (sub[0] or "item"), sub[1]))
        return out


def spec_section() -> str:
    schema = json.loads((ROOT / "schemas" / "wsspec.schema.json").read_text())
    ref = Ref(schema)
    ref.lines.append("### Top level\n")
    ref.lines.append(schema["description"] + "\n")
    ref.lines.append("| Key | Type | Default | Description |")
    ref.lines.append("| --- | --- | --- | --- |")
    req = set(schema.get("required", ()))
    for key, p in schema["properties"].items():
        desc = p.get("description", "")
        if key in req:
            desc = "**Required.** " + desc
        default = p.get("default")
        shown = f"`{json.dumps(default)}`" if default is not None else ""
        ref.lines.append(f"| `{key}` | {_cell(_type_of(p))} | {shown} | {_cell(desc)} |")
    ref.lines.append("")
    for key, p in schema["properties"].items():
        for label, sub in ref.children(p):
            ref.table(f"`{key}`" + (f" ({label})" if label else ""), sub)
    return SPEC_INTRO + "\n" + "\n".join(ref.lines).rstrip() + "\n"


def validate_section() -> str:
    from wsspec.codes import all_codes

    rows = [
        f"| {c.code} | {c.severity} | {_cell(c.summary)} |"
        for c in all_codes()
        if c.stage in ("schema", "checks", "loader")
    ]
    return VALIDATE_INTRO + "\n".join(rows) + "\n"


def render(readme: str) -> str:
    for name, body in (("spec", spec_section()), ("validate", validate_section())):
        pattern = re.compile(
            rf"(<!-- section: {name} -->\n)(.*?)(<!-- /section: {name} -->)", re.DOTALL
        )
        if not pattern.search(readme):
            raise SystemExit(f"README.md has no '<!-- section: {name} -->' markers")
        readme = pattern.sub(lambda m, body=body: m.group(1) + body + m.group(3), readme, count=1)
    return readme


def main(argv: list[str]) -> int:
    path = ROOT / "README.md"
    current = path.read_text()
    wanted = render(current)
    if "--check" in argv:
        if current != wanted:
            print("README.md is out of date: run python scripts/gen_reference.py", file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        path.write_text(wanted)
        print("README.md updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
