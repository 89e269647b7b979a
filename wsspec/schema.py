"""Stage 2: JSON Schema validation (schemas/wsspec.schema.json) -> one finding per problem.

The validator is compiled once per process, on first use. jsonschema's errors are translated
into short findings with a source position from the loader's side table:

* unknown keys -> WS001 ``unknown key 'integraton' (did you mean 'integration'?)``;
* ``oneOf`` failures -> the branch the data meant (chosen by the ``type`` discriminator, or by
  the instance's JSON type), never the whole error tree;
* everything else -> WS002 (missing key), WS003 (wrong type), WS004 (value not allowed),
  WS005 (out of range), WS006 (other).

Keys and values that belong to features AWS does not offer for WebSocket APIs (CORS, WAF, JWT
authorizers, ...) are reported by ``wsspec.checks`` with an explanation; ``validate`` drops
the schema findings under the paths those checks claim.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from wsspec.errors import Finding
from wsspec.loader import Loaded, Path
from wsspec.paths import data_dir

SCHEMA_FILE = "wsspec.schema.json"

_JSON_TYPES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "empty (null)",
}
_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "boolean": "a boolean (true or false)",
    "integer": "an integer",
    "number": "a number",
    "null": "empty",
}
# Friendly hints for required keys.
_REQUIRED_HINTS = {
    "wsspec": "add 'wsspec: 1' at the top of the file",
    "api": "add an 'api' section with at least a 'name'",
    "routes": "add a 'routes' section, e.g. '$default: {function: handler}'",
    "handler": "the path of the handler file, relative to the spec file",
    "type": "one of lambda, http, aws, mock",
}


def schema_text() -> str:
    """The JSON Schema as shipped (``wsspec schema`` prints this)."""
    return (data_dir("schemas") / SCHEMA_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@lru_cache(maxsize=1)
def validator() -> Any:
    """The compiled Draft 2020-12 validator (built once; jsonschema is imported lazily)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


def _kind(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


_BOUND_WORDS = {
    "minimum": "at least",
    "maximum": "at most",
    "exclusiveMinimum": "more than",
    "exclusiveMaximum": "less than",
}


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    return _kind(value)


def _suggest(word: str, options: Iterable[str]) -> str | None:
    opts = [o for o in options if isinstance(o, str)]
    match = difflib.get_close_matches(word, opts, n=1, cutoff=0.6)
    if not match and isinstance(word, str):
        low = {o.lower(): o for o in opts}
        if word.lower() in low:
            return low[word.lower()]
    return match[0] if match else None


class _Translator:
    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.out: list[Finding] = []

    def add(
        self, code: str, path: Path, message: str, hint: str | None = None, *, key: bool = False
    ) -> None:
        self.out.append(self.loaded.finding(code, path, message, hint=hint, key=key))

    def _resolve(self, sch: Any) -> Any:
        """Follow a local ``$ref`` (our schema only uses ``#/$defs/...``)."""
        seen = 0
        while isinstance(sch, dict) and "$ref" in sch and seen < 10:
            ref = sch["$ref"]
            node: Any = schema()
            for part in ref.lstrip("#/").split("/"):
                node = node[part]
            sch = node
            seen += 1
        return sch

    def error(self, err: Any, context: str = "") -> None:
        path: Path = tuple(err.absolute_path)
        kw = err.validator
        inst = err.instance
        if kw == "additionalProperties" and isinstance(inst, dict):
            self.unknown_keys(err, path, context)
        elif kw == "required" and isinstance(inst, dict):
            self.missing_keys(err, path, context)
        elif kw == "type":
            want = err.validator_value
            wants = [want] if isinstance(want, str) else list(want)
            words = " or ".join(_TYPE_WORDS.get(w, w) for w in wants if w != "null") or "empty"
            hint = None
            if "string" in wants and not isinstance(inst, (dict, list)):
                hint = "quote the value to keep it as text"
            self.add("WS003", path, f"expected {words}, got {_show(inst)}", hint)
        elif kw in ("enum", "const"):
            self.not_allowed(err, path)
        elif kw in ("oneOf", "anyOf"):
            self.one_of(err, path, context)
        else:
            self.bounds(err, path)

    def unknown_keys(self, err: Any, path: Path, context: str) -> None:
        sch = err.schema if isinstance(err.schema, dict) else {}
        props = sch.get("properties", {})
        for key in err.instance:
            if key in props:
                continue
            msg = f"unknown key {key!r}"
            if context:
                msg += f" for {context}"
            hint = None
            guess = _suggest(key, props)
            if guess:
                msg += f" (did you mean {guess!r}?)"
            else:
                hint = "allowed keys: " + ", ".join(sorted(props))
            self.add("WS001", path + (key,), msg, hint, key=True)

    def missing_keys(self, err: Any, path: Path, context: str) -> None:
        for key in err.validator_value:
            if key not in err.instance:
                where = f" in {context}" if context else ""
                self.add(
                    "WS002",
                    path,
                    f"missing required key {key!r}{where}",
                    _REQUIRED_HINTS.get(key),
                    key=True,
                )

    def not_allowed(self, err: Any, path: Path) -> None:
        inst = err.instance
        allowed = err.validator_value if err.validator == "enum" else [err.validator_value]
        shown = [
            a for a in allowed if not (isinstance(a, str) and a.isupper() and a.lower() in allowed)
        ]
        listing = ", ".join(_show(a) if not isinstance(a, str) else a for a in shown)
        msg = (
            f"{_show(inst)} is not allowed (expected {listing})"
            if len(shown) > 1
            else f"{_show(inst)} is not allowed (must be {listing})"
        )
        guess = (
            _suggest(inst, [a for a in shown if isinstance(a, str)])
            if isinstance(inst, str)
            else None
        )
        self.add("WS004", path, msg, f"did you mean {guess!r}?" if guess else None)

    def bounds(self, err: Any, path: Path) -> None:
        """Range, size, uniqueness and pattern violations (WS005); anything else is WS006."""
        kw, inst, value = err.validator, err.instance, err.validator_value
        if kw in _BOUND_WORDS:
            self.add(
                "WS005", path, f"{_show(inst)} is out of range (must be {_BOUND_WORDS[kw]} {value})"
            )
        elif kw in ("minItems", "minProperties"):
            noun = "item" if kw == "minItems" else "entry"
            self.add("WS005", path, f"needs at least {value} {noun}{'s' if value != 1 else ''}")
        elif kw in ("minLength", "maxLength"):
            word = "at least" if kw == "minLength" else "at most"
            self.add("WS005", path, f"must be {word} {value} characters long")
        elif kw == "uniqueItems":
            self.add("WS005", path, "list items must be unique")
        elif kw == "pattern":
            sch = err.schema if isinstance(err.schema, dict) else {}
            desc = sch.get("description")
            self.add("WS005", path, f"{_show(inst)} does not have the expected form", desc)
        else:
            self.add("WS006", path, err.message.splitlines()[0][:200])

    def _discriminated(self, branch: Any) -> dict[Any, None]:
        """The ``type`` consts a branch (or its nested oneOf) accepts."""
        b = branch if isinstance(branch, dict) else {}
        if "oneOf" in b and "type" not in b:
            out: dict[Any, None] = {}
            for x in b["oneOf"]:
                out.update(self._discriminated(self._resolve(x)))
            return out
        t = b.get("properties", {}).get("type", {})
        return {t["const"]: None} if "const" in t else {}

    def one_of(self, err: Any, path: Path, context: str = "") -> None:
        inst = err.instance
        branches = [self._resolve(b) for b in err.validator_value]
        ctx = list(err.context or ())
        idx: int | None = None
        # 1. A ``type`` discriminator: pick the branch whose ``type`` const matches.
        consts = {k: i for i, b in enumerate(branches) for k in self._discriminated(b)}
        if consts and isinstance(inst, dict):
            kinds = sorted(consts)
            kind = inst.get("type")
            if kind is None:
                self.add(
                    "WS002",
                    path,
                    "missing required key 'type'",
                    "one of " + ", ".join(kinds),
                    key=True,
                )
                return
            if not isinstance(kind, str) or kind not in consts:
                guess = _suggest(kind, kinds) if isinstance(kind, str) else None
                self.add(
                    "WS004",
                    path + ("type",),
                    f"{_show(kind)} is not an integration type (expected {', '.join(kinds)})",
                    f"did you mean {guess!r}?" if guess else None,
                )
                return
            idx = consts[kind]
            if "oneOf" not in branches[idx]:
                context = f"a {kind} integration"
        else:
            # 2. The branch whose JSON type fits the instance.
            fits = [i for i, b in enumerate(branches) if self._type_fits(b, inst)]
            if not fits:
                wants = [w for b in branches for w in self._describe(b)]
                self.add(
                    "WS003",
                    path,
                    f"expected {' or '.join(dict.fromkeys(wants))}, got {_show(inst)}",
                )
                return
            if len(fits) == 1:
                idx = fits[0]
        if idx is None:
            from jsonschema.exceptions import best_match

            best = best_match(ctx)
            if best is not None:
                self.error(best, context)
            else:
                self.add("WS006", path, err.message.splitlines()[0][:200])
            return
        chosen = [e for e in ctx if e.relative_schema_path and e.relative_schema_path[0] == idx]
        if not chosen:  # matched several branches (the schema avoids this)
            self.add("WS006", path, err.message.splitlines()[0][:200])
        for e in chosen:
            if e.validator in ("oneOf", "anyOf"):
                self.one_of(e, tuple(e.absolute_path), context)
            else:
                self.error(e, context)

    def _type_fits(self, branch: Any, inst: Any) -> bool:
        b = branch if isinstance(branch, dict) else {}
        if "oneOf" in b and "type" not in b:
            return any(self._type_fits(self._resolve(x), inst) for x in b["oneOf"])
        if "const" in b:
            return type(b["const"]) is type(inst)
        if "enum" in b:
            return any(type(v) is type(inst) for v in b["enum"])
        want = b.get("type")
        if want is None:
            return True
        wants = [want] if isinstance(want, str) else want
        for w in wants:
            if w == "object" and isinstance(inst, dict):
                return True
            if w == "array" and isinstance(inst, list):
                return True
            if w == "string" and isinstance(inst, str):
                return True
            if w == "boolean" and isinstance(inst, bool):
                return True
            if w == "integer" and isinstance(inst, int) and not isinstance(inst, bool):
                return True
            if w == "number" and isinstance(inst, (int, float)) and not isinstance(inst, bool):
                return True
            if w == "null" and inst is None:
                return True
        return False

    def _describe(self, branch: Any) -> list[str]:
        b = branch if isinstance(branch, dict) else {}
        if "oneOf" in b and "type" not in b:
            return [w for x in b["oneOf"] for w in self._describe(self._resolve(x))]
        if "const" in b:
            return [_show(b["const"])]
        if "enum" in b:
            return [_show(v) for v in b["enum"] if not (isinstance(v, str) and v.isupper())]
        want = b.get("type")
        wants = [want] if isinstance(want, str) else list(want or ["anything"])
        if wants == ["boolean"]:
            return ["true/false"]
        return [_TYPE_WORDS.get(w, w) for w in wants if w != "null"]


def check(loaded: Loaded) -> list[Finding]:
    """Schema findings for ``loaded.data`` (a mapping); one finding per problem."""
    if loaded.data is None:
        return []
    t = _Translator(loaded)
    for err in validator().iter_errors(loaded.data):
        t.error(err)
    # one line per problem: drop exact duplicates
    seen: set[tuple[str, str, str]] = set()
    out = []
    for f in t.out:
        k = (f.code, f.path, f.message)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out
