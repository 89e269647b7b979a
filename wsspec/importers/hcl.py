"""HCL (Terraform's language) -> Python values, on python-hcl2's parse tree.

python-hcl2 parses; this module evaluates what it parsed: literals, string templates and
heredocs, tuples and objects, operators, conditionals, ``for`` expressions, splats and the
Terraform functions an API Gateway configuration uses (``jsonencode``, ``format``, ``merge``,
``lookup`` ...). References (``var.x``, ``local.y``, ``aws_lambda_function.f.arn``,
``each.value``) are handed to the caller's ``resolve`` as a ``Trav``; the Terraform reader
answers with a value, a ``values.Ref`` or ``values.Unresolved``.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import hcl2
from lark import Token, Tree

from wsspec.importers.hcl_functions import FUNCTIONS
from wsspec.importers.values import Pseudo, Ref, Tmpl, Unresolved, concat, is_literal


@dataclass(frozen=True)
class Index:
    """An index step (``[key]``) of a traversal, apart from an attribute step (``.name``)."""

    key: Any


@dataclass
class Trav:
    """A traversal: ``root`` then attribute names (``str``) and index keys (``Index``)."""

    root: str
    steps: list[Any] = field(default_factory=list)

    def __str__(self) -> str:
        out = self.root
        for s in self.steps:
            out += f"[{s.key!r}]" if isinstance(s, Index) else f".{s}"
        return out


@dataclass
class Attr:
    name: str
    expr: Any  # a parse tree
    line: int


@dataclass
class Block:
    type: str
    labels: list[str]
    items: list[Any]  # Attr | Block
    line: int

    def attrs(self) -> dict[str, Attr]:
        return {i.name: i for i in self.items if isinstance(i, Attr)}

    def blocks(self, btype: str | None = None) -> list[Block]:
        return [
            i for i in self.items if isinstance(i, Block) and (btype is None or i.type == btype)
        ]


class HclError(Exception):
    pass


def _escape_fix(text: str) -> str:
    # python-hcl2 8 accepts "$${" / "%%{" only when a "}" follows; "\u0024{" means the same.
    return text.replace("$${", "\\u0024{").replace("%%{", "\\u0025{")


def parse(text: str) -> list[Any]:
    """The top-level items (blocks and attributes) of an HCL file."""
    try:
        tree = hcl2.parses_to_tree(_escape_fix(text) if "$${" in text or "%%{" in text else text)
    except Exception as exc:  # noqa: BLE001 - lark raises several error types
        raise HclError(" ".join(str(exc).split())[:300]) from None
    return _items(tree.children[0])


def _trees(node: Any) -> list[Tree[Any]]:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _line(node: Any) -> int:
    meta = getattr(node, "meta", None)
    return int(getattr(meta, "line", 0) or 0) if meta is not None and not meta.empty else 0


def _label(node: Any) -> str:
    if isinstance(node, Tree) and node.data == "string":
        return "".join(str(p.children[0]) for p in node.children if isinstance(p, Tree))
    if isinstance(node, Tree):
        return str(node.children[0])
    return str(node)


def _items(body: Tree[Any]) -> list[Any]:
    out: list[Any] = []
    for node in _trees(body):
        if node.data == "attribute":
            out.append(Attr(_label(node.children[0]), node.children[2], _line(node)))
        elif node.data == "block":
            labels: list[str] = []
            inner = None
            for child in node.children[1:]:
                if isinstance(child, Tree) and child.data == "body":
                    inner = child
                elif isinstance(child, Tree) and child.data in ("string", "identifier", "keyword"):
                    labels.append(_label(child))
            items = _items(inner) if inner is not None else []
            out.append(Block(_label(node.children[0]), labels, items, _line(node)))
    return out


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESC_RX = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")


def unescape(chars: str) -> str:
    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "uU" and len(e) > 1:
            return chr(int(e[1:], 16))
        return _ESCAPES.get(e, "\\" + e)

    return _ESC_RX.sub(one, chars)


Resolve = Callable[[Trav, Mapping[str, Any]], Any]


class Evaluator:
    def __init__(self, resolve: Resolve, base_dir: str = ".") -> None:
        self.resolve = resolve
        self.base_dir = base_dir

    def value(self, node: Any, env: Mapping[str, Any] | None = None) -> Any:
        """The value of an expression tree (references resolved)."""
        return self._final(self._eval(node, env or {}), env or {})

    def _final(self, v: Any, env: Mapping[str, Any]) -> Any:
        return self.resolve(v, env) if isinstance(v, Trav) else v

    def _eval(self, node: Any, env: Mapping[str, Any]) -> Any:
        if isinstance(node, Token):
            return str(node)
        handler = getattr(self, "_n_" + node.data, None)
        if handler is None:
            return Unresolved(f"HCL {node.data} expression")
        return handler(node, env)

    # ------------------------------------------------------------------ terms
    def _n_expr_term(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        inner = _trees(node)
        return self._eval(inner[0], env) if inner else Unresolved("empty expression")

    def _n_int_lit(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        return int(str(node.children[0]))

    def _n_float_lit(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        return float(str(node.children[0]))

    def _n_literal_value(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        return {"true": True, "false": False, "null": None}[str(node.children[0])]

    def _n_identifier(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        name = str(node.children[0])
        if name in env:
            return env[name]
        return Trav(name)

    def _n_string(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        pieces: list[Any] = []
        for part in node.children:
            if not isinstance(part, Tree):
                continue
            inner = part.children[0]
            if isinstance(inner, Tree) and inner.data == "interpolation":
                pieces.append(self.value(_trees(inner)[0], env))
            elif isinstance(inner, Tree):
                return Unresolved("a template directive (%{...})")
            elif inner.type == "ESCAPED_INTERPOLATION":
                pieces.append("$" + str(inner)[2:])
            elif inner.type == "ESCAPED_DIRECTIVE":
                pieces.append("%" + str(inner)[2:])
            else:
                pieces.append(unescape(str(inner)))
        bad = next((p for p in pieces if isinstance(p, Unresolved)), None)
        if bad is not None:
            return bad
        if len(pieces) == 1 and not isinstance(pieces[0], str):
            return pieces[0]
        return concat(pieces)

    def _heredoc(self, raw: str, env: Mapping[str, Any], trim: bool) -> Any:
        first, _, rest = raw.partition("\n")
        marker = first[3:] if trim else first[2:]
        body = rest.rstrip()
        if body.endswith(marker.strip()):
            body = body[: -len(marker.strip())]
        body = body.rstrip(" \t")
        if trim:
            body = textwrap.dedent(body)
        body = body.replace("\\u0024{", "$${").replace("\\u0025{", "%{")
        return self._template(body, env)

    def _n_heredoc_template(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        return self._heredoc(str(node.children[0]), env, False)

    def _n_heredoc_template_trim(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        return self._heredoc(str(node.children[0]), env, True)

    def _template(self, text: str, env: Mapping[str, Any]) -> Any:
        """A heredoc's text with ``${...}`` interpolations (``$${`` is a literal ``${``)."""
        pieces: list[Any] = []
        i = 0
        while True:
            j = text.find("${", i)
            if j < 0:
                pieces.append(text[i:])
                break
            if j > 0 and text[j - 1] == "$":
                pieces.append(text[i : j - 1] + "${")
                i = j + 2
                continue
            pieces.append(text[i:j])
            depth, k = 1, j + 2
            while k < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[k], 0)
                k += 1
            inner = text[j + 2 : k - 1]
            try:
                tree = hcl2.parses_to_tree(f"x = {inner}\n")
                pieces.append(self.value(_items(tree.children[0])[0].expr, env))
            except Exception:  # noqa: BLE001
                pieces.append(Unresolved(f"${{{inner}}}"))
            i = k
        return concat(pieces)

    def _n_tuple(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        return [self.value(c, env) for c in _trees(node)]

    def _n_object(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        out: dict[Any, Any] = {}
        for elem in _trees(node):
            key_node, value_node = _trees(elem)[0], _trees(elem)[-1]
            key_expr = _trees(key_node)[0] if _trees(key_node) else key_node
            inner = _trees(key_expr)
            if key_expr.data == "expr_term" and len(inner) == 1 and inner[0].data == "identifier":
                key: Any = str(inner[0].children[0])
            elif key_expr.data == "keyword":
                key = str(key_expr.children[0])
            else:
                key = self.value(key_expr, env)
            out[key if isinstance(key, str) else str(key)] = self.value(value_node, env)
        return out

    def _n_get_attr_expr_term(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        base = self._eval(node.children[0], env)
        name = _label(_trees(node.children[1])[0])
        return self._step(base, name, env)

    def _n_index_expr_term(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        base = self._eval(node.children[0], env)
        idx = node.children[1]
        if idx.data == "short_index":
            key: Any = int(str(idx.children[-1]))
            return self._step(base, Index(key), env)
        else:
            key = self.value(_trees(idx)[0], env)
        return self._step(base, Index(key), env)

    def _step(self, base: Any, key: Any, env: Mapping[str, Any]) -> Any:
        if isinstance(base, Trav):
            return Trav(base.root, base.steps + [key])
        key = key.key if isinstance(key, Index) else key
        try:
            return base[key]
        except (KeyError, IndexError, TypeError):
            return Unresolved(f"[{key!r}] of a value known only once deployed")

    def _n_attr_splat_expr_term(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        return self._splat(node, env)

    def _n_full_splat_expr_term(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        return self._splat(node, env)

    def _splat(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        base = self.value(node.children[0], env)
        if not isinstance(base, list):
            return Unresolved("a splat expression over resources")
        out = []
        for item in base:
            v = item
            for step in _trees(node.children[1]):
                key = (
                    _label(_trees(step)[0])
                    if step.data == "get_attr"
                    else Index(self.value(_trees(step)[0], env))
                )
                v = self._step(v, key, env)
            out.append(v)
        return out

    # ------------------------------------------------------------------ operators
    def _n_conditional(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        cond, yes, no = _trees(node)[:3]
        c = self.value(cond, env)
        if isinstance(c, bool):
            return self.value(yes if c else no, env)
        return Unresolved("a condition known only once deployed")

    def _n_unary_op(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        op = str(node.children[0])
        v = self.value(node.children[1], env)
        if op == "!" and isinstance(v, bool):
            return not v
        if op == "-" and isinstance(v, (int, float)):
            return -v
        return Unresolved(f"{op}{v!r}")

    def _n_binary_op(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        trees = _trees(node)
        left = self.value(trees[0], env)
        term = trees[1]
        op = str(_trees(term)[0].children[0]).strip()
        right = self.value(_trees(term)[-1], env)
        return binary(op, left, right)

    # ------------------------------------------------------------------ functions, for
    def _n_function_call(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        name = _label(node.children[0])
        args_node = next((c for c in _trees(node)[1:] if c.data == "arguments"), None)
        args = [self.value(a, env) for a in _trees(args_node)] if args_node is not None else []
        if args_node is not None and any(
            isinstance(c, Token) and c.type == "ELLIPSIS" for c in args_node.children
        ):
            last = args.pop() if args else []
            args += list(last) if isinstance(last, list) else [last]
        fn = FUNCTIONS.get(name)
        if fn is None:
            return Unresolved(f"{name}(...) (a function import does not evaluate)")
        if name not in ("try", "can", "coalesce", "jsonencode") and any(
            isinstance(a, Unresolved) for a in args
        ):
            return next(a for a in args if isinstance(a, Unresolved))
        try:
            return fn(self.base_dir, *args)
        except Exception as exc:  # noqa: BLE001 - a function applied to values it rejects
            return Unresolved(f"{name}(...): {exc}")

    def _for(
        self, node: Tree[Any], env: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], list[Tree[Any]]]:
        intro = next(c for c in _trees(node) if c.data == "for_intro")
        names = [str(c.children[0]) for c in _trees(intro) if c.data == "identifier"]
        coll = self.value(_trees(intro)[-1], env)
        rest = [c for c in _trees(node) if c.data not in ("for_intro", "for_cond")]
        cond = next((c for c in _trees(node) if c.data == "for_cond"), None)
        if isinstance(coll, dict):
            pairs = list(coll.items())
        elif isinstance(coll, list):
            pairs = list(enumerate(coll))
        else:
            raise _NotKnown()
        out = []
        for k, v in pairs:
            local = dict(env)
            if len(names) == 2:
                local[names[0]], local[names[1]] = k, v
            else:
                local[names[0]] = v
            if cond is not None and self.value(_trees(cond)[0], local) is not True:
                continue
            out.append(local)
        return out, rest

    def _n_for_tuple_expr(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        try:
            scopes, rest = self._for(node, env)
        except _NotKnown:
            return Unresolved("a for expression over values known only once deployed")
        return [self.value(rest[0], local) for local in scopes]

    def _n_for_object_expr(self, node: Tree[Any], env: Mapping[str, Any]) -> Any:
        try:
            scopes, rest = self._for(node, env)
        except _NotKnown:
            return Unresolved("a for expression over values known only once deployed")
        return {str(self.value(rest[0], local)): self.value(rest[1], local) for local in scopes}


class _NotKnown(Exception):
    pass


def binary(op: str, a: Any, b: Any) -> Any:
    if isinstance(a, Unresolved):
        return a
    if isinstance(b, Unresolved):
        return b
    if op in ("==", "!="):
        if not (is_literal(a) and is_literal(b)):
            return Unresolved("a comparison with a value known only once deployed")
        return (a == b) if op == "==" else (a != b)
    if op in ("&&", "||") and isinstance(a, bool) and isinstance(b, bool):
        return (a and b) if op == "&&" else (a or b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        ops: dict[str, Callable[[Any, Any], Any]] = {
            "+": lambda x, y: x + y,
            "-": lambda x, y: x - y,
            "*": lambda x, y: x * y,
            "/": lambda x, y: x / y,
            "%": lambda x, y: x % y,
            "<": lambda x, y: x < y,
            ">": lambda x, y: x > y,
            "<=": lambda x, y: x <= y,
            ">=": lambda x, y: x >= y,
        }
        if op in ops:
            return ops[op](a, b)
    return Unresolved(f"{op} of values known only once deployed")


_SLOT = "@@wsspec{}@@"
_SLOT_RX = re.compile(r"@@wsspec(\d+)@@")


def as_document(value: Any) -> Any:
    """A JSON document given as JSON text, as JSON text with interpolations (a heredoc policy
    naming other resources) or as a value (``jsonencode`` of a non-literal)."""
    symbols: list[Any] = []
    if isinstance(value, Tmpl):
        text = ""
        for part in value.parts:
            if isinstance(part, str):
                text += part
            else:
                text += _SLOT.format(len(symbols))
                symbols.append(part)
        value = text
    if not isinstance(value, str):
        return value
    try:
        doc = json.loads(value)
    except ValueError:
        return Unresolved("a policy document that is not JSON")
    return _unslot(doc, symbols) if symbols else doc


def _unslot(node: Any, symbols: list[Any]) -> Any:
    if isinstance(node, dict):
        return {k: _unslot(v, symbols) for k, v in node.items()}
    if isinstance(node, list):
        return [_unslot(v, symbols) for v in node]
    if isinstance(node, str) and "@@wsspec" in node:
        pieces: list[Any] = []
        pos = 0
        for m in _SLOT_RX.finditer(node):
            pieces += [node[pos : m.start()], symbols[int(m.group(1))]]
            pos = m.end()
        return concat(pieces + [node[pos:]])
    return node


def symbolic(value: Any) -> bool:
    return isinstance(value, (Ref, Pseudo, Tmpl))
