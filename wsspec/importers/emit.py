"""Spec data + notes -> YAML text in the project's style.

Top-level sections are blocks separated by blank lines; small mappings and lists of scalars go
on one line (``$connect: {function: on_connect}``, ``grants: [connection_table]``) when the line
stays short; multi-line strings are literal blocks. Each note becomes a ``# not imported: …``
or ``# guessed: …`` comment on the line above the key it belongs to (or, when that key is
written inside a one-line mapping, above that line). Scalars are quoted whenever YAML 1.2 or
1.1 would read them as anything but the string they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from wsspec.importers.graph import Note

WIDTH = 100
_PLAIN_TYPED = re.compile(
    r"^(?:[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9]+(?:[eE][-+]?[0-9]+)?"
    r"|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF"
    r"|y|Y|n|N|~|null|Null|NULL|<<|=)$"
)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


_PLAIN = re.compile(r"^[A-Za-z0-9_$/.(^=+\\\\][ -~]*$")
_FLOW_UNSAFE = set(",[]{}:#'\"")


def _plain_ok(text: str, in_flow: bool) -> bool:
    """Whether ``text`` reads back as itself when written without quotes."""
    if not _PLAIN.match(text) or text != text.strip() or _PLAIN_TYPED.match(text):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    return not (in_flow and any(c in _FLOW_UNSAFE for c in text))


def scalar(value: Any, in_flow: bool = True) -> str:
    """One YAML scalar on one line (strings quoted when they would read as something else)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if _plain_ok(text, in_flow):
        return text
    if "'" in text and not any(c in text for c in '"\\') and text.isprintable():
        return '"' + text + '"'
    if not text.isprintable():  # newlines, control characters: escaped in double quotes
        return _double(text)
    out = yaml.dump(
        [text], Dumper=_Dumper, default_flow_style=True, width=2**31 - 1, allow_unicode=True
    )
    out = out.strip()[1:-1]
    if out and out[0] not in "'\"" and (_PLAIN_TYPED.match(out) or out != text):
        out = "'" + text.replace("'", "''") + "'"
    return out


def _yaml_printable(c: str) -> bool:
    """YAML 1.2's printable characters (a literal block may hold nothing else)."""
    o = ord(c)
    return (
        c == "\t"
        or 0x20 <= o <= 0x7E
        or o == 0x85
        or 0xA0 <= o <= 0xD7FF
        or 0xE000 <= o <= 0xFFFD
        or o >= 0x10000
    ) and c not in "\x85\u2028\u2029\ufeff"


def _double(text: str) -> str:
    out = yaml.dump(text, Dumper=_Dumper, default_style='"', width=2**31 - 1, allow_unicode=True)
    return out.rstrip("\n").removesuffix("\n...").rstrip("\n")


def _multiline(text: str, indent: int) -> str | None:
    """A literal block for a multi-line string, or None when YAML needs quotes for it."""
    if text[:1] in (" ", "\t", "\n") or not all(c == "\n" or _yaml_printable(c) for c in text):
        return None
    if text.endswith("\n\n") or text.strip("\n") == "":
        return None
    chomp = "" if text.endswith("\n") else "-"
    pad = " " * (indent + 2)
    lines = text[:-1].split("\n") if text.endswith("\n") else text.split("\n")
    if any(line != line.rstrip() for line in lines):
        return None
    return "|" + chomp + "\n" + "\n".join(pad + line if line else "" for line in lines)


def _flowable(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return "\n" not in value
    if isinstance(value, (list, tuple)):
        return depth < 2 and all(
            _flowable(v, depth + 1) and not isinstance(v, (dict, list)) for v in value
        )
    if isinstance(value, Mapping):
        return depth < 2 and bool(value) and all(_flowable(v, depth + 1) for v in value.values())
    return True


def flow(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{scalar(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


class Writer:
    def __init__(self, notes: list[Note]) -> None:
        self.lines: list[str] = []
        self.notes = list(notes)

    def _lines(self, indent: int, note: Note) -> None:
        for i, part in enumerate(_wrap(note.comment, WIDTH - indent - 2)):
            self.lines.append(" " * indent + ("# " if i == 0 else "#   ") + part)

    def comment(self, indent: int, path: tuple[str, ...], *, deep: bool) -> None:
        keep = []
        for note in self.notes:
            hit = note.path[: len(path)] == path if deep else note.path == path
            if hit:
                self._lines(indent, note)
            else:
                keep.append(note)
        self.notes = keep

    def mapping(
        self, data: Mapping[str, Any], indent: int, path: tuple[str, ...], top: bool = False
    ) -> None:
        keys = {str(k) for k in data}
        orphans = [
            n
            for n in self.notes
            if n.path[: len(path)] == path
            and len(n.path) > len(path)
            and n.path[len(path)] not in keys
        ]
        for note in orphans:
            self.notes.remove(note)
            self._lines(indent, note)
        for i, (key, value) in enumerate(data.items()):
            kpath = path + (str(key),)
            if top and i:
                self.lines.append("")
            head = " " * indent + scalar(key, in_flow=False) + ":"
            if (
                isinstance(value, Mapping)
                and value
                and (top or not self._one_line(head, value, kpath))
            ):
                self.comment(indent, kpath, deep=False)
                self.lines.append(head)
                self.mapping(value, indent + 2, kpath)
            elif (
                isinstance(value, (list, tuple))
                and value
                and not self._one_line(head, value, kpath)
            ):
                self.comment(indent, kpath, deep=True)
                self.lines.append(head)
                self.sequence(value, indent + 2, kpath)
            else:
                self.comment(indent, kpath, deep=True)
                self.lines.append(head + " " + self.inline(value, indent))

    def _one_line(self, head: str, value: Any, path: tuple[str, ...]) -> bool:
        if not _flowable(value):
            return False
        if any(n.path[: len(path)] == path and len(n.path) > len(path) + 1 for n in self.notes):
            return False
        return len(head) + 1 + len(flow(value)) <= WIDTH

    def sequence(self, items: Any, indent: int, path: tuple[str, ...]) -> None:
        for item in items:
            if isinstance(item, Mapping) and item:
                sub = Writer([])
                sub.mapping(item, indent + 2, path)
                first = sub.lines[0].lstrip()
                self.lines.append(" " * indent + "- " + first)
                self.lines.extend(sub.lines[1:])
            else:
                self.lines.append(" " * indent + "- " + self.inline(item, indent))

    def inline(self, value: Any, indent: int) -> str:
        if isinstance(value, str) and "\n" in value:
            block = _multiline(value, indent)
            if block is not None:
                return block
            return _double(value)
        if isinstance(value, (Mapping, list, tuple)) and not value:
            return "{}" if isinstance(value, Mapping) else "[]"
        if not isinstance(value, (Mapping, list, tuple)):
            return scalar(value, in_flow=False)
        return flow(value)


def _wrap(text: str, width: int) -> list[str]:
    words = text.split(" ")
    lines: list[str] = []
    line = ""
    for w in words:
        if line and len(line) + 1 + len(w) > max(width, 40):
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    if line:
        lines.append(line)
    return lines or [""]


def emit(data: Mapping[str, Any], notes: list[Note], header: list[str]) -> str:
    w = Writer(notes)
    for line in header:
        w.lines.append("# " + line if line else "#")
    w.comment(0, (), deep=False)
    w.mapping(data, 0, (), top=True)
    if w.notes:  # notes whose place did not exist: at the end, never dropped
        w.lines.append("")
        for note in w.notes:
            w.lines.append("# " + note.comment)
    return "\n".join(w.lines) + "\n"
