"""MOCK and non-proxy integrations, and the mapping-template subset they use (reference §2, §9.3).

Template language: a Velocity (VTL) subset -- references ``$context.connectionId``,
``${context.stage}``, ``$!quiet``, ``$input.body``, ``$input.json('$.a')``, ``$input.path('$.a')``,
``$stageVariables.x``, ``$util.escapeJavaScript/parseJson/urlEncode/urlDecode/base64Encode/
base64Decode(...)``, and the directives ``#set``, ``#if``/``#elseif``/``#else``/``#end`` and
``#foreach`` (with ``$foreach.hasNext``/``$foreach.count``). Unknown references render literally,
as in Velocity. Request templates are chosen by the template selection expression, then
``$default``, then ``application/json``, then the only template ([Unverified] order, §2).
Integration responses: ``/regex/`` keys match the status code (MOCK, HTTP) or the Lambda
``errorMessage`` (custom Lambda); ``$default`` is the fallback.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus, unquote_plus

from wsspec.serve.selection import MISSING, Unevaluable, evaluate, json_path, parse_json_body

if TYPE_CHECKING:
    from wsspec.model import Integration
    from wsspec.serve.gateway import Gateway, Result
    from wsspec.serve.invoke import FunctionRunner


# ============================================================================ VTL subset
class _Input:
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


class _Util:
    @staticmethod
    def escapeJavaScript(s: Any) -> str:
        return json.dumps(str(s))[1:-1].replace("'", "\\'")

    @staticmethod
    def parseJson(s: Any) -> Any:
        return json.loads(str(s))

    @staticmethod
    def urlEncode(s: Any) -> str:
        return quote_plus(str(s))

    @staticmethod
    def urlDecode(s: Any) -> str:
        return unquote_plus(str(s))

    @staticmethod
    def base64Encode(s: Any) -> str:
        return base64.b64encode(str(s).encode()).decode()

    @staticmethod
    def base64Decode(s: Any) -> str:
        return base64.b64decode(str(s)).decode("utf-8", "replace")


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
_DIRECTIVE = re.compile(r"#(set|if|elseif|foreach)\s*\(|#(else|end)\b|#\{(else|end)\}")
_REF = re.compile(r"\$(!?)(\{)?([A-Za-z_][A-Za-z0-9_]*)")


class _Parser:
    """Recursive-descent evaluation of one VTL expression (inside ``#if(...)`` etc.)."""

    def __init__(self, text: str, scope: dict[str, Any]) -> None:
        self.toks: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(f"cannot parse template expression near {text[pos : pos + 20]!r}")
            kind = m.lastgroup or ""
            self.toks.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0
        self.scope = scope

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise ValueError(f"expected {value!r} in template expression")
        self.i += 1
        return tok

    def expr(self) -> Any:
        left = self.and_()
        while (t := self.peek()) and t[1] in ("||", "or"):
            self.take()
            right = self.and_()
            left = bool(left) or bool(right)
        return left

    def and_(self) -> Any:
        left = self.cmp()
        while (t := self.peek()) and t[1] in ("&&", "and"):
            self.take()
            right = self.cmp()
            left = bool(left) and bool(right)
        return left

    def cmp(self) -> Any:
        left = self.unary()
        t = self.peek()
        if t and t[1] in ("==", "!=", ">", "<", ">=", "<="):
            op = self.take()[1]
            right = self.unary()
            try:
                return {
                    "==": lambda: _eq(left, right),
                    "!=": lambda: not _eq(left, right),
                    ">": lambda: left > right,
                    "<": lambda: left < right,
                    ">=": lambda: left >= right,
                    "<=": lambda: left <= right,
                }[op]()
            except TypeError:
                return False
        return left

    def unary(self) -> Any:
        t = self.peek()
        if t and t[1] in ("!", "not"):
            self.take()
            return not _truthy(self.unary())
        return self.atom()

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
            items = []
            while (t := self.peek()) and t[1] != "]":
                items.append(self.expr())
                if (t := self.peek()) and t[1] == ",":
                    self.take()
            self.take("]")
            return items
        if kind == "word" and val in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[val]
        if kind == "ref":
            name = val.lstrip("$!{")
            cur = self.scope.get(name, MISSING)
            braced = "{" in val
            while (t := self.peek()) and t[1] == ".":
                self.take()
                attr = self.take()[1]
                if (t := self.peek()) and t[1] == "(":
                    self.take()
                    args = []
                    while (t := self.peek()) and t[1] != ")":
                        args.append(self.expr())
                        if (t := self.peek()) and t[1] == ",":
                            self.take()
                    self.take(")")
                    cur = _call(cur, attr, args)
                else:
                    cur = _attr(cur, attr)
            if braced and (t := self.peek()) and t[1] == "}":
                self.take()
            return cur
        raise ValueError(f"unexpected {val!r} in template expression")


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
    if isinstance(obj, (_Input,)) and name == "body":
        return obj.body
    return MISSING


def _call(obj: Any, name: str, args: list[Any]) -> Any:
    if name not in _METHODS:
        return MISSING
    if isinstance(obj, (_Input, _Util)):
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


def _parse_blocks(text: str) -> list[Any]:
    """Template -> nodes: str | ("ref", expr, quiet, raw) | ("set", ...) | ("if", ...) | ("for", ...)."""
    nodes, _ = _parse_until(text, 0, ())
    return nodes


def _parse_until(text: str, pos: int, stops: tuple[str, ...]) -> tuple[list[Any], int]:
    nodes: list[Any] = []
    buf: list[str] = []
    while pos < len(text):
        c = text[pos]
        if c == "#" and text.startswith("##", pos):
            end = text.find("\n", pos)
            pos = len(text) if end == -1 else end + 1
            continue
        if c == "#":
            m = _DIRECTIVE.match(text, pos)
            if m:
                word = m.group(1) or m.group(2) or m.group(3)
                if word in ("else", "end", "elseif") and word in stops:
                    if buf:
                        nodes.append("".join(buf))
                    return nodes, pos
                if buf:
                    nodes.append("".join(buf))
                    buf = []
                if word == "set":
                    close = _find_close(text, m.end())
                    nodes.append(("set", text[m.end() : close]))
                    pos = close + 1
                    if text.startswith("\n", pos):
                        pos += 1
                    continue
                if word == "if":
                    branches = []
                    close = _find_close(text, m.end())
                    cond: str | None = text[m.end() : close]
                    pos = close + 1
                    while True:
                        body, pos = _parse_until(text, pos, ("elseif", "else", "end"))
                        branches.append((cond, body))
                        m2 = _DIRECTIVE.match(text, pos)
                        if m2 is None:
                            raise ValueError("#if without #end in template")
                        w = m2.group(1) or m2.group(2) or m2.group(3)
                        if w == "end":
                            pos = m2.end()
                            break
                        if w == "else":
                            cond = None
                            pos = m2.end()
                        else:
                            close = _find_close(text, m2.end())
                            cond = text[m2.end() : close]
                            pos = close + 1
                    nodes.append(("if", branches))
                    continue
                if word == "foreach":
                    close = _find_close(text, m.end())
                    head = text[m.end() : close]
                    var, sep, src = head.partition(" in ")
                    if not sep:
                        raise ValueError("#foreach needs '$item in $list'")
                    body, pos = _parse_until(text, close + 1, ("end",))
                    m2 = _DIRECTIVE.match(text, pos)
                    if m2 is None:
                        raise ValueError("#foreach without #end in template")
                    pos = m2.end()
                    nodes.append(("for", var.strip().lstrip("$"), src.strip(), body))
                    continue
        if c == "$":
            m = _REF.match(text, pos)
            if m:
                quiet, braced = m.group(1) == "!", m.group(2) == "{"
                start = pos + 1 + (1 if quiet else 0)
                if braced:
                    close = text.find("}", start)
                    if close == -1:
                        buf.append(c)
                        pos += 1
                        continue
                    expr_end = close + 1
                    expr = "$" + text[start + 1 : close]
                else:
                    expr_end = _ref_end(text, m.end())
                    expr = "$" + text[start:expr_end]
                if buf:
                    nodes.append("".join(buf))
                    buf = []
                nodes.append(("ref", expr, quiet, text[pos:expr_end]))
                pos = expr_end
                continue
        buf.append(c)
        pos += 1
    if stops:
        raise ValueError("unterminated directive in template")
    if buf:
        nodes.append("".join(buf))
    return nodes, pos


def _ref_end(text: str, pos: int) -> int:
    """Extend a reference over ``.name`` and ``.method(...)`` parts."""
    while (
        pos < len(text)
        and text[pos] == "."
        and pos + 1 < len(text)
        and (text[pos + 1].isalpha() or text[pos + 1] == "_")
    ):
        m = re.compile(r"\.[A-Za-z_][A-Za-z0-9_]*").match(text, pos)
        assert m is not None
        pos = m.end()
        if pos < len(text) and text[pos] == "(":
            pos = _find_close(text, pos + 1) + 1
    return pos


def _exec(nodes: list[Any], scope: dict[str, Any], out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
            continue
        kind = node[0]
        if kind == "ref":
            _, expr, quiet, raw = node
            v = _Parser(expr, scope).expr()
            out.append(("" if quiet else raw) if v is MISSING else _text(v))
        elif kind == "set":
            name, sep, value = node[1].partition("=")
            if not sep:
                raise ValueError("#set needs '$name = value'")
            scope[name.strip().lstrip("$!{").rstrip("}")] = _Parser(value, scope).expr()
        elif kind == "if":
            for cond, body in node[1]:
                if cond is None or _truthy(_Parser(cond, scope).expr()):
                    _exec(body, scope, out)
                    break
        elif kind == "for":
            _, var, src, body = node
            items = _Parser(src, scope).expr()
            if isinstance(items, Mapping):
                items = list(items.values())
            if not isinstance(items, (list, tuple)):
                items = []
            saved = scope.get("foreach")
            for i, item in enumerate(items):
                scope[var] = item
                scope["foreach"] = {"hasNext": i < len(items) - 1, "count": i + 1, "index": i}
                _exec(body, scope, out)
            scope["foreach"] = saved


def render(template: str, scope: dict[str, Any]) -> str:
    out: list[str] = []
    _exec(_parse_blocks(template), scope, out)
    return "".join(out)


def template_scope(
    event: dict[str, Any],
    body: str,
    stage_variables: Mapping[str, str],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    ctx = dict(event.get("requestContext") or {})
    return {
        "context": ctx,
        "input": _Input(body),
        "stageVariables": dict(stage_variables),
        "util": _Util(),
        **(extra or {}),
    }


def pick_template(
    templates: Mapping[str, str],
    selection: str | None,
    body: Any,
    variables: Mapping[str, Any] | None = None,
) -> str | None:
    if not templates:
        return None
    if selection:
        try:
            key = evaluate(selection, body, variables)
        except Unevaluable:
            key = None
        if key is not None and key in templates:
            return templates[key]
    for key in ("$default", "application/json"):
        if key in templates:
            return templates[key]
    if len(templates) == 1:
        return next(iter(templates.values()))
    return None


def render_request(
    gw: Gateway, integ: Integration, event: dict[str, Any]
) -> tuple[str, Any, str | None]:
    """What every templated integration starts with: the message text, its JSON (MISSING when
    it is not JSON) and the rendered request template (None when no template applies). Template
    errors raise ValueError/TypeError."""
    body_text = event.get("body") or ""
    body = parse_json_body(body_text) if body_text else MISSING
    tpl = pick_template(integ.request_templates, integ.template_selection, body)
    if tpl is None:
        return body_text, body, None
    return body_text, body, render(tpl, template_scope(event, body_text, gw.stage.variables))


def pick_response(integ: Integration, value: str) -> Any:
    """The integration response whose ``/regex/`` key matches ``value``, else ``$default``."""
    default = None
    for resp in integ.responses:
        if resp.key == "$default":
            default = resp
            continue
        pattern = (
            resp.key[1:-1] if resp.key.startswith("/") and resp.key.endswith("/") else resp.key
        )
        try:
            if re.fullmatch(pattern, value or ""):
                return resp
        except re.error:
            continue
    return default


# ============================================================================ integrations
def _response_body(
    gw: Gateway,
    integ: Integration,
    key_value: str,
    status: int,
    event: dict[str, Any],
    output: str,
    message_body: Any,
) -> str | None:
    resp = pick_response(integ, key_value)
    if resp is None:
        return output or None
    variables = {"integration.response.statuscode": str(status)}
    tpl = pick_template(resp.templates, resp.template_selection, message_body, variables)
    if tpl is None:
        return output or None
    scope = template_scope(
        event, output, gw.stage.variables, {"integration": {"response": {"statuscode": status}}}
    )
    return render(tpl, scope)


def run_mock(gw: Gateway, integ: Integration, event: dict[str, Any]) -> Result:
    from wsspec.serve.gateway import Result

    status = 200
    body: Any = MISSING
    try:
        _, body, rendered = render_request(gw, integ, event)
        if rendered is not None:
            parsed = parse_json_body(rendered)
            if isinstance(parsed, dict) and "statusCode" in parsed:
                status = int(parsed["statusCode"])
        out = _response_body(gw, integ, str(status), status, event, "", body)
    except (ValueError, TypeError) as exc:
        return Result("error", detail=f"mapping template: {exc}")
    return Result("ok", status, out)


async def run_lambda_custom(
    gw: Gateway,
    integ: Integration,
    runner: FunctionRunner,
    event: dict[str, Any],
    timeout: float,
    request_id: str,
) -> Result:
    """A non-proxy (``AWS``) Lambda integration: request template in, integration response out."""
    from wsspec.serve.gateway import Result

    body: Any = MISSING
    try:
        _, body, rendered = render_request(gw, integ, event)
        if rendered is not None:
            payload: Any = parse_json_body(rendered)
            if payload is MISSING:
                return Result("error", detail="request template did not produce JSON")
        else:
            payload = body if body is not MISSING else {}
    except (ValueError, TypeError) as exc:
        return Result("error", detail=f"mapping template: {exc}")
    out = await runner.invoke(
        payload, request_id=request_id, integration_timeout=timeout, as_json=True
    )
    if out.kind == "timeout":
        return Result("timeout")
    try:
        if out.kind != "ok":
            err = out.value if isinstance(out.value, dict) else {}
            msg = str(err.get("errorMessage", ""))
            resp = pick_response(integ, msg)
            if resp is None or resp.key == "$default":
                return Result("error", detail=f"{err.get('errorType')}: {msg}")
            text = json.dumps(err)
            rendered = _response_body(gw, integ, msg, 200, event, text, body)
            return Result("ok", 200, rendered)
        text = out.value if isinstance(out.value, str) else json.dumps(out.value)
        return Result("ok", 200, _response_body(gw, integ, "", 200, event, text, body))
    except (ValueError, TypeError) as exc:
        return Result("error", detail=f"mapping template: {exc}")
