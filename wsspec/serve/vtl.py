"""The mapping-template engine: the Velocity (VTL) subset API Gateway templates use.

References ``$context.connectionId``, ``${context.stage}``, ``$!quiet``, ``$input.body``,
``$input.json('$.a')``, ``$input.path('$.a')``, ``$stageVariables.x``, ``$util.escapeJavaScript/
parseJson/urlEncode/urlDecode/base64Encode/base64Decode(...)``; the directives ``#set``,
``#if``/``#elseif``/``#else``/``#end`` and ``#foreach`` (with ``$foreach.hasNext``/
``$foreach.count``); ``##`` comments. Unknown references render literally, as in Velocity.

A template is parsed once (templates come from the spec, so there are few) and each expression
tokenised once; rendering walks the cached nodes. Errors raise ValueError or TypeError.

Why not airspeed-ext (the maintained Velocity engine for AWS templates): on the templates of
the samples and tests it renders unknown references as "" and ``#if(!$null)`` as false, where
Velocity and this engine keep the reference text and take the branch; it has no type
information; and, parsing each time, it is 10-20x slower than this engine (about as fast when
its parsed templates are cached, as they are here).
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple, Union
from urllib.parse import quote_plus, unquote_plus

from wsspec.serve.selection import MISSING, json_path, parse_json_body


# ============================================================================ the scope
class Input:
    """``$input``: the message body, raw and as JSON."""

    def __init__(self, body: str) -> None:
        self.body = body
        self._parsed = parse_json_body(body)

    def json(self, path: str = "$") -> str:
        v = json_path(self._parsed, path) if self._parsed is not MISSING else MISSING
        return "" if v is MISSING else json.dumps(v)

    def path(self, path: str = "$") -> Any:
        v = json_path(self._parsed, path) if self._parsed is not MISSING else MISSING
        return None if v is MISSING else v

    def params(self, name: str | None = None) -> Any:
        return {} if name is None else ""


class Util:
    """``$util``."""

    @staticmethod
    def escapeJavaScript(s: Any) -> str:  # noqa: N802 - the VTL name
        return json.dumps(str(s))[1:-1].replace("'", "\\'")

    @staticmethod
    def parseJson(s: Any) -> Any:  # noqa: N802
        return json.loads(str(s))

    @staticmethod
    def urlEncode(s: Any) -> str:  # noqa: N802
        return quote_plus(str(s))

    @staticmethod
    def urlDecode(s: Any) -> str:  # noqa: N802
        return unquote_plus(str(s))

    @staticmethod
    def base64Encode(s: Any) -> str:  # noqa: N802
        return base64.b64encode(str(s).encode()).decode()

    @staticmethod
    def base64Decode(s: Any) -> str:  # noqa: N802
        return base64.b64decode(str(s)).decode("utf-8", "replace")


def template_scope(
    event: Mapping[str, Any],
    body: str,
    stage_variables: Mapping[str, str],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The variables of one rendering: ``$context`` (the event's requestContext), ``$input``
    (``body``), ``$stageVariables``, ``$util`` and ``extra``."""
    ctx = dict(event.get("requestContext") or {})
    return {
        "context": ctx,
        "input": Input(body),
        "stageVariables": dict(stage_variables),
        "util": Util(),
        **(extra or {}),
    }


# ============================================================================ expressions
_METHODS = {
    "json",
    "path",
    "params",
    "escapeJavaScript",
    "parseJson",
    "urlEncode",
    "urlDecode",
    "base64Encode",
    "base64Decode",
    "size",
    "length",
    "toString",
    "isEmpty",
    "contains",
}
_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'[^']*'|\"[^\"]*\")|(?P<op>==|!=|>=|<=|&&|\|\||[<>!(),.\[\]=])"
    r"|(?P<ref>\$!?\{?[A-Za-z_][A-Za-z0-9_]*)|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)
_LITERALS = {"true": True, "false": False, "null": None}

Token = tuple[str, str]


@functools.lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[Token, ...]:
    toks: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot parse template expression near {text[pos : pos + 20]!r}")
        kind = m.lastgroup or ""
        toks.append((kind, m.group(kind)))
        pos = m.end()
    return tuple(toks)


class _Parser:
    """Recursive-descent evaluation of one VTL expression (inside ``#if(...)`` etc.)."""

    def __init__(self, text: str, scope: dict[str, Any]) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.scope = scope

    def peek(self) -> Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> Token:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise ValueError(f"expected {value!r} in template expression")
        self.i += 1
        return tok

    def at(self, *values: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[1] in values

    def expr(self) -> Any:
        left = self.and_()
        while self.at("||", "or"):
            self.take()
            right = self.and_()
            left = bool(left) or bool(right)
        return left

    def and_(self) -> Any:
        left = self.cmp()
        while self.at("&&", "and"):
            self.take()
            right = self.cmp()
            left = bool(left) and bool(right)
        return left

    def cmp(self) -> Any:
        left = self.unary()
        if self.at("==", "!=", ">", "<", ">=", "<="):
            op = self.take()[1]
            return _compare(op, left, self.unary())
        return left

    def unary(self) -> Any:
        if self.at("!", "not"):
            self.take()
            return not _truthy(self.unary())
        return self.atom()

    def items(self, close: str) -> list[Any]:
        """Comma-separated expressions up to ``close`` (consumed)."""
        items = []
        while (t := self.peek()) and t[1] != close:
            items.append(self.expr())
            if self.at(","):
                self.take()
        self.take(close)
        return items

    def atom(self) -> Any:
        kind, val = self.take()
        if kind == "num":
            return float(val) if "." in val else int(val)
        if kind == "str":
            inner = val[1:-1]
            return render(inner, self.scope) if val[0] == '"' else inner
        if val == "(":
            v = self.expr()
            self.take(")")
            return v
        if val == "[":
            return self.items("]")
        if kind == "word" and val in _LITERALS:
            return _LITERALS[val]
        if kind == "ref":
            return self.reference(val)
        raise ValueError(f"unexpected {val!r} in template expression")

    def reference(self, val: str) -> Any:
        """``$name`` followed by ``.attr`` and ``.method(args)`` parts."""
        cur = self.scope.get(val.lstrip("$!{"), MISSING)
        while self.at("."):
            self.take()
            attr = self.take()[1]
            if self.at("("):
                self.take()
                cur = _call(cur, attr, self.items(")"))
            else:
                cur = _attr(cur, attr)
        if "{" in val and self.at("}"):
            self.take()
        return cur


def _compare(op: str, left: Any, right: Any) -> Any:
    if op == "==":
        return _eq(left, right)
    if op == "!=":
        return not _eq(left, right)
    try:
        if op == ">":
            return left > right
        if op == "<":
            return left < right
        if op == ">=":
            return left >= right
        return left <= right
    except TypeError:
        return False


def _eq(a: Any, b: Any) -> bool:
    if (
        isinstance(a, (int, float))
        and isinstance(b, str)
        or isinstance(b, (int, float))
        and isinstance(a, str)
    ):
        return str(a) == str(b)
    return bool(a == b)


def _truthy(v: Any) -> bool:
    return v is not MISSING and v is not None and v is not False


def _attr(obj: Any, name: str) -> Any:
    if obj is MISSING or obj is None:
        return MISSING
    if isinstance(obj, Mapping):
        return obj.get(name, MISSING)
    if isinstance(obj, Input) and name == "body":
        return obj.body
    return MISSING


def _call(obj: Any, name: str, args: list[Any]) -> Any:
    if name not in _METHODS:
        return MISSING
    if isinstance(obj, (Input, Util)):
        return getattr(obj, name)(*args)
    if name in ("size", "length"):
        return len(obj) if hasattr(obj, "__len__") else 0
    if name == "isEmpty":
        return not obj
    if name == "toString":
        return _text(obj)
    if name == "contains":
        return args[0] in obj if hasattr(obj, "__contains__") else False
    return MISSING


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    if v is None:
        return ""
    return str(v)


# ============================================================================ templates
class Ref(NamedTuple):
    expr: str
    quiet: bool  # $!name: nothing when missing
    raw: str  # the source text, rendered when the reference is missing


class SetVar(NamedTuple):
    text: str  # "$name = value"


class If(NamedTuple):
    branches: tuple[tuple[str | None, Nodes], ...]  # (condition, body); None: #else


class ForEach(NamedTuple):
    var: str
    source: str
    body: Nodes


Node = Union[str, Ref, SetVar, If, ForEach]
Nodes = tuple[Node, ...]

_DIRECTIVE = re.compile(r"#(set|if|elseif|foreach)\s*\(|#(else|end)\b|#\{(else|end)\}")
_REF = re.compile(r"\$(!?)(\{)?([A-Za-z_][A-Za-z0-9_]*)")
_NAME_PART = re.compile(r"\.[A-Za-z_][A-Za-z0-9_]*")


def _find_close(text: str, start: int) -> int:
    """Index of the ``)`` closing the ``(`` just before ``start`` (quotes respected)."""
    depth, i, quote = 1, start, ""
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced parentheses in template")


def _directive_word(m: re.Match[str]) -> str:
    return m.group(1) or m.group(2) or m.group(3)


@functools.lru_cache(maxsize=1024)
def parse(template: str) -> Nodes:
    """A template as nodes (cached: templates come from the spec)."""
    nodes, _ = _parse_until(template, 0, ())
    return nodes


def _parse_until(text: str, pos: int, stops: tuple[str, ...]) -> tuple[Nodes, int]:
    """Nodes from ``pos`` up to one of the directives in ``stops`` (not consumed)."""
    nodes: list[Node] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            nodes.append("".join(buf))
            buf.clear()

    while pos < len(text):
        c = text[pos]
        if c == "#" and text.startswith("##", pos):
            end = text.find("\n", pos)
            pos = len(text) if end == -1 else end + 1
            continue
        node: Node | None = None
        if c == "#" and (m := _DIRECTIVE.match(text, pos)):
            word = _directive_word(m)
            flush()
            if word in ("else", "end", "elseif") and word in stops:
                return tuple(nodes), pos
            if word in ("set", "if", "foreach"):
                node, pos = _parse_directive(text, m, word)
        elif c == "$" and (m := _REF.match(text, pos)):
            node, pos = _parse_reference(text, pos, m)
            if node is not None:
                flush()
        if node is not None:
            nodes.append(node)
            continue
        buf.append(c)
        pos += 1
    if stops:
        raise ValueError("unterminated directive in template")
    flush()
    return tuple(nodes), pos


def _parse_directive(text: str, m: re.Match[str], word: str) -> tuple[Node, int]:
    """``#set(...)``, ``#if(...)...#end`` or ``#foreach(...)...#end`` starting at ``m``."""
    close = _find_close(text, m.end())
    head = text[m.end() : close]
    pos = close + 1
    if word == "set":
        return SetVar(head), pos + 1 if text.startswith("\n", pos) else pos
    if word == "foreach":
        var, sep, src = head.partition(" in ")
        if not sep:
            raise ValueError("#foreach needs '$item in $list'")
        body, pos = _parse_until(text, pos, ("end",))
        m2 = _DIRECTIVE.match(text, pos)
        if m2 is None:
            raise ValueError("#foreach without #end in template")
        return ForEach(var.strip().lstrip("$"), src.strip(), body), m2.end()
    branches: list[tuple[str | None, Nodes]] = []
    cond: str | None = head
    while True:
        body, pos = _parse_until(text, pos, ("elseif", "else", "end"))
        branches.append((cond, body))
        m2 = _DIRECTIVE.match(text, pos)
        if m2 is None:
            raise ValueError("#if without #end in template")
        w = _directive_word(m2)
        if w == "end":
            return If(tuple(branches)), m2.end()
        if w == "else":
            cond, pos = None, m2.end()
        else:
            close = _find_close(text, m2.end())
            cond, pos = text[m2.end() : close], close + 1


def _parse_reference(text: str, pos: int, m: re.Match[str]) -> tuple[Ref | None, int]:
    """A ``$reference`` at ``pos`` (None, pos when it is literal text: ``${`` never closed)."""
    quiet, braced = m.group(1) == "!", m.group(2) == "{"
    start = pos + 1 + (1 if quiet else 0)
    if braced:
        close = text.find("}", start)
        if close == -1:
            return None, pos
        expr_end = close + 1
        expr = "$" + text[start + 1 : close]
    else:
        expr_end = _ref_end(text, m.end())
        expr = "$" + text[start:expr_end]
    return Ref(expr, quiet, text[pos:expr_end]), expr_end


def _ref_end(text: str, pos: int) -> int:
    """Extend a reference over ``.name`` and ``.method(...)`` parts."""
    while (
        pos < len(text)
        and text[pos] == "."
        and pos + 1 < len(text)
        and (text[pos + 1].isalpha() or text[pos + 1] == "_")
    ):
        m = _NAME_PART.match(text, pos)
        assert m is not None
        pos = m.end()
        if pos < len(text) and text[pos] == "(":
            pos = _find_close(text, pos + 1) + 1
    return pos


def _exec(nodes: Nodes, scope: dict[str, Any], out: list[str]) -> None:
    for node in nodes:
        if type(node) is str:
            out.append(node)
        elif type(node) is Ref:
            v = _Parser(node.expr, scope).expr()
            out.append(("" if node.quiet else node.raw) if v is MISSING else _text(v))
        elif type(node) is SetVar:
            name, sep, value = node.text.partition("=")
            if not sep:
                raise ValueError("#set needs '$name = value'")
            scope[name.strip().lstrip("$!{").rstrip("}")] = _Parser(value, scope).expr()
        elif type(node) is If:
            for cond, body in node.branches:
                if cond is None or _truthy(_Parser(cond, scope).expr()):
                    _exec(body, scope, out)
                    break
        elif type(node) is ForEach:
            _foreach(node, scope, out)


def _foreach(node: ForEach, scope: dict[str, Any], out: list[str]) -> None:
    items = _Parser(node.source, scope).expr()
    if isinstance(items, Mapping):
        items = list(items.values())
    if not isinstance(items, (list, tuple)):
        items = []
    saved = scope.get("foreach")
    for i, item in enumerate(items):
        scope[node.var] = item
        scope["foreach"] = {"hasNext": i < len(items) - 1, "count": i + 1, "index": i}
        _exec(node.body, scope, out)
    scope["foreach"] = saved


def render(template: str, scope: dict[str, Any]) -> str:
    """``template`` rendered with the variables in ``scope`` (``#set`` writes into it)."""
    out: list[str] = []
    _exec(parse(template), scope, out)
    return "".join(out)
