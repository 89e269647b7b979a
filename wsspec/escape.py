"""Escaping of spec-derived text for each target language. Every generator goes through here.

Each function returns a complete literal (with its quotes) that parses back to exactly the
input string. Tests check the round trip with the real parsers.
"""

from __future__ import annotations

import json
import re

_HCL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def hcl_string(value: str) -> str:
    """A quoted HCL string: escapes quotes/backslashes/control characters, and neutralises
    template sequences (``${`` -> ``$${``, ``%{`` -> ``%%{``) so nothing is interpolated."""
    out = []
    i = 0
    while i < len(value):
        ch = value[i]
        nxt = value[i + 1] if i + 1 < len(value) else ""
        if ch in ("$", "%") and nxt == "{":
            out.append(ch + ch + "{")
            i += 2
            continue
        if ch in _HCL_ESCAPES:
            out.append(_HCL_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
        i += 1
    return '"' + "".join(out) + '"'


def py_string(value: str) -> str:
    """A Python string literal (JSON escapes are a subset of Python's)."""
    return json.dumps(value, ensure_ascii=True)


def js_string(value: str) -> str:
    """A JavaScript string literal."""
    return json.dumps(value, ensure_ascii=True)


def comment_text(value: str) -> str:
    """Text safe inside a one-line ``#`` or ``//`` comment (and a JSDoc/docstring body)."""
    text = re.sub(r"[\r\n\u2028\u2029]+", " ", value)
    return text.replace("*/", "* /").replace('"""', '"\\""').replace("\\", "\\\\")
