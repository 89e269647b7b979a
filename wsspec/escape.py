"""Escaping of spec-derived text for each target language. Every generator goes through here.

Each function returns a complete literal (with its quotes) that parses back to exactly the
input string. Tests check the round trip with the real parsers.
"""

from __future__ import annotations

import json
import keyword
import re
import unicodedata

_HCL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters written as \u escapes even in readable output: C0/C1 controls, DEL, the Unicode
# line/paragraph separators and the BOM (invisible, and some editors treat them as line breaks).
_HCL_INVISIBLE = {0x7F, 0x2028, 0x2029, 0xFEFF}


def _hcl_unicode(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def hcl_string(value: str, ascii: bool = False) -> str:
    """A quoted HCL string literal that Terraform reads back as exactly ``value``.

    Escapes quotes, backslashes and control characters, and neutralises template sequences
    (``${`` -> ``$${``, ``%{`` -> ``%%{``) so nothing is ever interpolated or run as a
    directive. Heredoc markers (``<<EOF``) are plain text inside a quoted string.
    ``ascii=True`` also writes every non-ASCII character as ``\\uNNNN`` / ``\\UNNNNNNNN``
    (used for object keys, whose width ``terraform fmt`` aligns on).

    Terraform itself normalises every string to Unicode NFC (cty); a value that is not NFC
    arrives in AWS in its NFC form.
    """
    out = []
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if ch in ("$", "%") and i + 1 < n and value[i + 1] == "{":
            out.append(ch + ch + "{")
            i += 2
            continue
        code = ord(ch)
        if ch in _HCL_ESCAPES:
            out.append(_HCL_ESCAPES[ch])
        elif code < 0x20 or 0x7F <= code < 0xA0 or code in _HCL_INVISIBLE:
            out.append(_hcl_unicode(code))
        elif ascii and code > 0x7E:
            out.append(_hcl_unicode(code))
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


# ----------------------------------------------------------------------------- identifiers
JS_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
JS_RESERVED = frozenset(
    {
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "let",
        "static",
        "enum",
        "await",
        "implements",
        "package",
        "protected",
        "interface",
        "private",
        "public",
        "arguments",
        "eval",
    }
)


def is_function_name(name: str, language: str) -> bool:
    """Whether ``name`` can be written as a top-level function name in Python or JavaScript."""
    if language == "python":
        return name.isidentifier() and not keyword.iskeyword(name)
    return bool(JS_IDENT.match(name)) and name not in JS_RESERVED


# ----------------------------------------------------------------------------- terminal output
_SHOWN = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def printable(text: str) -> str:
    """``text`` with control and invisible formatting characters written as escapes.

    Used wherever spec text reaches a terminal (findings, plans), so a name cannot move the
    cursor, hide a line or reverse the text around it.
    """
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(
                _SHOWN.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
            )
        else:
            out.append(ch)
    return "".join(out)
