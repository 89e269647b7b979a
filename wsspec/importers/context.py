"""State shared by the assembler's parts: the graph, the chosen API, names given so far, notes.

Also the small readers every part needs: ``need``/``text``/``number`` turn a resolved value into
what the spec wants, or stop the import with WS974 naming where the value came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NoReturn, cast

from wsspec import names
from wsspec.importers.errors import fail
from wsspec.importers.graph import Graph, Notes, Res
from wsspec.importers.values import Pseudo, Ref, Tmpl, Unresolved, first_unresolved, refs_in, show
from wsspec.model import Spec


@dataclass
class ImportOptions:
    """What the user chose on the command line."""

    params: dict[str, str] = field(default_factory=dict)  # --param K=V
    api: str | None = None  # --api NAME (logical ID, label or API name)
    out_dir: str = "."  # where the spec will live (handler paths are relative to it)
    stage: str | None = None  # --stage (live): only this stage
    download_code: str | None = None  # --download-code DIR (live)
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None


@dataclass
class _Api:
    name: str


@dataclass
class _Conn:
    table_name: str | None


@dataclass
class NameSpec:
    """Just enough of a ``Spec`` for ``wsspec.names``' physical-name functions."""

    api: _Api
    connections: _Conn | None = None

    def as_spec(self) -> Spec:
        return cast(Spec, self)


@dataclass
class Ctx:
    graph: Graph
    opts: ImportOptions
    api: Res
    api_name: str
    notes: Notes = field(default_factory=Notes)
    used: set[str] = field(default_factory=set)  # resource ids the spec accounts for
    functions: dict[str, str] = field(default_factory=dict)  # function res id -> spec name
    authorizers: dict[str, str] = field(default_factory=dict)  # authorizer res id -> spec name
    stages: dict[str, str] = field(default_factory=dict)  # stage res id -> stage name
    routes: dict[str, str] = field(default_factory=dict)  # route res id -> route key
    table: Res | None = None  # the connection table
    table_name: str | None = None  # its physical name, when known
    app_tables: dict[str, str] = field(default_factory=dict)  # other tables' res id -> spec name
    ttl_seconds: int | None = None  # from the functions' CONNECTIONS_TTL_SECONDS

    @property
    def names(self) -> Spec:
        conn = _Conn(self.table_name) if self.table is not None else None
        return NameSpec(_Api(self.api_name), conn).as_spec()

    def mine(self, res: Res) -> bool:
        """Whether ``res`` belongs to the chosen API (its ``ApiId`` points at it)."""
        api_id = res.get("ApiId")
        if isinstance(api_id, Ref):
            return api_id.target == self.api.id
        return isinstance(api_id, str) and api_id == self.api.get("__id__")

    def of(self, kind: str) -> list[Res]:
        return [r for r in self.graph.of(kind) if self.mine(r)]

    # ------------------------------------------------------------------ values
    def need(self, res: Res, key: str, value: Any = None) -> Any:
        """The value of ``res.key``; WS974 when it cannot be resolved."""
        value = res.get(key) if value is None else value
        bad = first_unresolved(value)
        if bad is not None:
            unresolvable(self.graph, res, key, bad)
        return value

    def text(self, res: Res, key: str, value: Any = None, *, guess_stack: bool = True) -> str:
        """A string the spec needs literally (a name, a key, a URL)."""
        value = self.need(res, key, value)
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, (Tmpl, Pseudo)) and guess_stack and _stack_only(value):
            stack = self.opts.params.get("AWS::StackName") or _stem(self.graph.source)
            guessed = str(value).replace("${AWS::StackName}", stack)
            self.notes.guess((), f"{res.where}.{key}: ${{AWS::StackName}} taken as {stack!r}")
            return guessed
        unresolvable(
            self.graph,
            res,
            key,
            Unresolved(f"{show(value)} (known only once deployed)", _hint(value)),
        )

    def number(self, res: Res, key: str) -> int | float | None:
        value = self.need(res, key)
        if value is None:
            return None
        try:
            f = float(value)
        except (TypeError, ValueError):
            unresolvable(self.graph, res, key, Unresolved(f"{show(value)} is not a number"))
        return int(f) if f.is_integer() else f

    def physical_function(self, spec_name: str) -> str:
        return names.function_name(self.names, spec_name)


def unresolvable(graph: Graph, res: Res, key: str, bad: Unresolved) -> NoReturn:
    where = f"{res.where}.{key}"
    if res.type.startswith("aws_"):  # Terraform: the resource address and the argument's name
        file = res.where.rsplit("(", 1)[-1].rstrip(")") if "(" in res.where else ""
        where = f"{res.id}.{snake_id(key.split('.', 1)[0])}" + (f" ({file})" if file else "")
    fail(
        "WS974",
        f"{where}: cannot resolve {bad.why}",
        file=graph.source,
        hint=bad.hint or None,
    )


def _stack_only(value: Any) -> bool:
    parts = value.parts if isinstance(value, Tmpl) else (value,)
    return all(isinstance(p, str) or p == Pseudo("AWS::StackName") for p in parts)


def _hint(value: Any) -> str:
    parts = value.parts if isinstance(value, Tmpl) else (value,)
    pseudo = [p.name for p in parts if isinstance(p, Pseudo)]
    if pseudo:
        return " ".join(f"--param {p}=VALUE" for p in pseudo)
    return "give the value literally in the input"


def _stem(path: str) -> str:
    import os

    base = os.path.basename(os.path.dirname(os.path.abspath(path))) or "api"
    return re.sub(r"[^A-Za-z0-9-]+", "-", base).strip("-") or "api"


def snake_id(ident: str) -> str:
    """``OnConnectFunction`` -> ``on_connect_function``; ``send-message`` -> ``send_message``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", ident)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", spaced)
    words = [w for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]
    return "_".join(w.lower() for w in words) or "x"


def strip_affix(ident: str, affixes: tuple[str, ...]) -> str:
    """``ConnectInteg`` -> ``Connect`` (the first affix found as a prefix or suffix)."""
    for affix in affixes:
        if ident.endswith(affix) and len(ident) > len(affix):
            return ident[: -len(affix)]
        if ident.startswith(affix) and len(ident) > len(affix):
            return ident[len(affix) :]
    return ident


def local_id(res: Res) -> str:
    """A resource's own short id: the logical ID, or a Terraform address's label."""
    rid = res.id
    if res.type.startswith("aws_") and "." in rid:
        m = re.match(r"^[^.]+\.([^\[]+)(?:\[(.+)\])?$", rid)
        if m is not None:
            label, key = m.group(1), m.group(2)
            if key is None:
                return label
            key = key.strip('"')
            return key if not key.isdigit() else f"{label}_{key}"
    return rid.split(":", 1)[-1]


def unique(name: str, taken: set[str]) -> str:
    out, n = name, 2
    while out in taken:
        out = f"{name}_{n}"
        n += 1
    taken.add(out)
    return out


def clean_tags(tags: Any) -> dict[str, str]:
    """Tags as a mapping, without AWS's own and wsspec's (ownership, inventory, table name)."""
    if isinstance(tags, list):  # CloudFormation's [{Key, Value}] form
        tags = {t.get("Key"): t.get("Value") for t in tags if isinstance(t, dict)}
    if not isinstance(tags, dict):
        return {}
    return {
        str(k): str(v)
        for k, v in tags.items()
        if isinstance(v, (str, int, float))
        and not str(k).startswith(("aws:", "wsspec:"))  # AWS's, and wsspec's own marks
    }


def refers_to_table(ctx: Ctx, value: Any) -> bool:
    if ctx.table is None:
        return False
    if any(r.target == ctx.table.id for r in refs_in(value)):
        return True
    name = ctx.table_name
    text = value if isinstance(value, str) else (str(value) if isinstance(value, Tmpl) else "")
    return bool(name) and (
        text == name or text.endswith(f":table/{name}") or f":table/{name}/" in text
    )


def refers_to_api(ctx: Ctx, value: Any) -> bool:
    return any(r.target == ctx.api.id for r in refs_in(value))


def arn_literal(ctx: Ctx, value: Any) -> str | None:
    """A literal ARN for an IAM resource (``connection_table`` for the connection table)."""
    if refers_to_table(ctx, value):
        return "connection_table"
    return value if isinstance(value, str) else None
