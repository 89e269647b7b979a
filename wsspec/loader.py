"""Stage 1: YAML text -> plain data plus a side table of source positions.

Never raises for bad input: problems come back as findings (codes WS900-WS909). The YAML
dialect is YAML 1.2's core schema as users expect it: only ``true``/``false`` are booleans
(``yes``, ``no``, ``on``, ``off`` stay strings), dates stay strings, duplicate keys are errors
(PyYAML silently keeps the last), keys must be strings, and alias expansion is bounded (no
"billion laughs").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from wsspec import codes
from wsspec.errors import Finding

Path = tuple[Any, ...]  # ("routes", "$connect", "function") ; list indexes are ints

MAX_NODES = 200_000  # total nodes after alias expansion
MAX_BYTES = 5_000_000
# Nesting levels of mappings and lists. A spec's own structure is under 10 levels deep; the rest
# is room for model schemas. Every later stage (schema, checks, the targets' serialisers) walks
# the data recursively, so the bound is set here, once, well inside Python's recursion limit.
MAX_DEPTH = 64


class _Resolver(yaml.resolver.BaseResolver):
    """YAML 1.2 core-schema implicit tags (no yes/no/on/off booleans, no timestamps)."""


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Resolver.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


class _Composer(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _Resolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Resolver.__init__(self)


_CParser = getattr(getattr(yaml, "_yaml", None), "CParser", None)

if _CParser is not None:

    class _FastComposer(_CParser, _Resolver):  # type: ignore[misc,valid-type]
        """libyaml's reader/scanner/parser/composer with the same resolver (same nodes)."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)  # type: ignore[misc]  # explicit mixin init, as PyYAML's
            _Resolver.__init__(self)


def _compose(text: str) -> yaml.Node | None:
    """The node tree, through libyaml when PyYAML has it (~5x faster than pure Python).

    Anything libyaml objects to is composed again by the pure-Python composer, so every
    error message (and position) is exactly the one documented for that composer.
    """
    if _CParser is not None:
        try:
            node: yaml.Node | None = _FastComposer(text).get_single_node()
            return node
        except (yaml.YAMLError, RecursionError):
            pass
    try:
        return _Composer(text).get_single_node()
    except RecursionError:
        raise _Stop(1, 1, "WS904", _TOO_DEEP) from None


@dataclass
class Loaded:
    """The result of loading one file: data (None when unusable), positions, findings."""

    file: str
    data: Any = None
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    text: str = ""

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Best source position for ``path``: the node itself, else its nearest ancestor."""
        p = tuple(path)
        while True:
            if key and p in self.key_positions:
                return self.key_positions[p]
            if p in self.positions:
                return self.positions[p]
            if p in self.key_positions:
                return self.key_positions[p]
            if not p:
                return (1, 1)
            p = p[:-1]

    def finding(
        self,
        code: str,
        path: Path,
        message: str,
        *,
        hint: str | None = None,
        key: bool = False,
    ) -> Finding:
        """A finding at ``path``, with the severity ``wsspec.codes`` registers for ``code``."""
        line, col = self.position(path, key=key)
        return Finding(
            file=self.file,
            line=line,
            column=col,
            code=code,
            severity=codes.get(code).severity,
            path=dotted(path),
            message=message,
            hint=hint,
        )


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class _Budget(Exception):
    pass


class _TooDeep(Exception):
    """Nesting beyond ``MAX_DEPTH``: carries the position of the first node too deep."""

    def __init__(self, line: int, column: int) -> None:
        super().__init__()
        self.line, self.column = line, column


_TOO_DEEP = f"the document is nested more than {MAX_DEPTH} levels deep"


def _integer(value: str) -> int | float:
    """A YAML integer; one too long for Python to read (over 4,300 digits) is infinite.

    Nothing in a spec can use such a number: the checks report every non-finite number
    (WS405), so the value never reaches a target.
    """
    try:
        if value.startswith("0o"):
            return int(value[2:], 8)
        return int(value, 0) if value.startswith("0x") else int(value)
    except ValueError:
        return float("-inf") if value.startswith("-") else float("inf")


class _Builder:
    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.count = 0

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def err(
        self, node: yaml.Node, code: str, path: Path, msg: str, hint: str | None = None
    ) -> None:
        line, col = self.pos(node)
        self.loaded.findings.append(
            Finding(self.loaded.file, line, col, code, "error", dotted(path), msg, hint)
        )

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Budget
        if len(path) > MAX_DEPTH:
            raise _TooDeep(*self.pos(node))
        self.loaded.positions.setdefault(path, self.pos(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node, path)

    def scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        tag, value = node.tag, node.value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return value.lower() == "true"
        if tag == "tag:yaml.org,2002:int":
            return _integer(value)
        if tag == "tag:yaml.org,2002:float":
            low = value.lower()
            if low.endswith("inf"):
                return float("-inf") if low.startswith("-") else float("inf")
            if low == ".nan":
                return float("nan")
            return float(value)
        if tag in ("tag:yaml.org,2002:str", "!"):
            return value
        self.err(
            node,
            "WS905",
            path,
            f"unsupported YAML tag {tag!r}",
            "wsspec specs use plain YAML; CloudFormation tags such as !Ref are not evaluated",
        )
        return value

    def _pairs(self, node: yaml.MappingNode, path: Path) -> list[tuple[yaml.Node, yaml.Node]]:
        """Key/value node pairs, with ``<<`` merge keys expanded (explicit keys win)."""
        explicit: list[tuple[yaml.Node, yaml.Node]] = []
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for src in sources:
                    if not isinstance(src, yaml.MappingNode):
                        self.err(
                            src,
                            "WS906",
                            path,
                            "a '<<' merge key needs a mapping (or a list of mappings)",
                        )
                        continue
                    merged.extend(self._pairs(src, path))
            else:
                explicit.append((key_node, value_node))
        explicit_keys = {k.value for k, _ in explicit if isinstance(k, yaml.ScalarNode)}
        return explicit + [(k, v) for k, v in merged if k.value not in explicit_keys]

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in self._pairs(node, path):
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
                self.err(
                    key_node,
                    "WS903",
                    path,
                    f"mapping keys must be strings, got {shown!r}",
                    "quote the key",
                )
                continue
            key = key_node.value
            if key in seen:
                first = seen[key].start_mark.line + 1
                self.err(
                    key_node,
                    "WS902",
                    path + (key,),
                    f"duplicate key {key!r} (first defined on line {first})",
                    "YAML keeps only one of them; remove or rename the other",
                )
                continue
            seen[key] = key_node
            self.loaded.key_positions[path + (key,)] = self.pos(key_node)
            out[key] = self.build(value_node, path + (key,))
        return out


class _Stop(Exception):
    """One loader finding that ends loading (raised and caught inside ``load_text``)."""

    def __init__(self, *args: Any) -> None:
        super().__init__()
        self.args_ = args


_START_HINT = "start with 'wsspec: 1' and an 'api' section"


def _precheck(text: str) -> None:
    if len(text) > MAX_BYTES:
        raise _Stop(1, 1, "WS908", f"file is larger than {MAX_BYTES} bytes")
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        raise _Stop(1, 1, "WS907", "the file is empty", _START_HINT)


def _compose_or_stop(text: str) -> yaml.Node:
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or str(exc)
        hint = None
        if "'\\t'" in problem or "\t" in problem:
            problem = "a tab character cannot be used for indentation in YAML"
            hint = "indent with spaces"
        elif exc.context:
            hint = exc.context
        raise _Stop(line, col, "WS901", f"YAML syntax error: {problem}", hint) from None
    except yaml.YAMLError as exc:  # reader errors (bad characters / encoding)
        raise _Stop(1, 1, "WS901", f"YAML error: {exc}".splitlines()[0]) from None
    if node is None:
        raise _Stop(1, 1, "WS907", "the file is empty")
    return node


def _build_or_stop(builder: _Builder, node: yaml.Node) -> dict[str, Any]:
    try:
        data = builder.build(node, ())
    except _Budget:
        raise _Stop(
            1,
            1,
            "WS904",
            f"the document expands to more than {MAX_NODES} nodes",
            "YAML aliases are expanded; this looks like an alias bomb",
        ) from None
    except _TooDeep as deep:
        raise _Stop(
            deep.line,
            deep.column,
            "WS904",
            _TOO_DEEP,
            "model schemas and mapping templates rarely need more than a few levels",
        ) from None
    except RecursionError:  # only reachable with a lower recursion limit than Python's default
        raise _Stop(1, 1, "WS904", _TOO_DEEP) from None
    if not isinstance(data, dict):
        line, col = builder.pos(node)
        kind = "list" if isinstance(data, list) else type(data).__name__
        raise _Stop(
            line, col, "WS909", f"the document must be a mapping, not a {kind}", _START_HINT
        )
    return data


def load_text(text: str, file: str) -> Loaded:
    loaded = Loaded(file=file, text=text)
    try:
        _precheck(text)
        node = _compose_or_stop(text)
        loaded.data = _build_or_stop(_Builder(loaded), node)
    except _Stop as stop:
        line, col, code, message, *hint = stop.args_
        loaded.findings.append(
            Finding(file, line, col, code, "error", "", message, hint[0] if hint else None)
        )
    return loaded


def load_file(path: str) -> Loaded:
    """Read and load ``path``; an unreadable file is a finding, not an exception."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        loaded = Loaded(file=path)
        loaded.findings.append(
            Finding(path, 1, 1, "WS900", "error", "", f"cannot read file: {exc.strerror or exc}")
        )
        return loaded
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        loaded = Loaded(file=path)
        loaded.findings.append(
            Finding(
                path, 1, 1, "WS901", "error", "", f"the file is not UTF-8 text (byte {exc.start})"
            )
        )
        return loaded
    return load_text(text, path)
