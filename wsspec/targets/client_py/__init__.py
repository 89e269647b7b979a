"""Python client target: ``client-py/client.py``, a typed asyncio client of the API on the
``websockets`` package (generated: rewritten every build, never edited by hand).

One typed coroutine method per route a client sends to, typed handlers (``on`` overloads) for
the messages it can receive, reconnection with back-off and the keep-alive API Gateway's idle
timeout needs. What the API looks like to a client is ``wsspec.messages`` (shared with the
AsyncAPI and TypeScript targets); the text is ``templates/client_py/client.py.j2`` with types and
literals from ``python.py``.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from wsspec.messages import ClientApi, Param, Receive, Send, client_api, doc_lines
from wsspec.messages.types import Definition, Member, Prim
from wsspec.model import Spec
from wsspec.targets import BuildContext, Output
from wsspec.targets.client_py import python as py
from wsspec.templating import render as render_template

__all__ = ["notes", "render", "source"]

DIR = "client-py"
FILE = "client.py"


def _send(s: Send, typed: set[str]) -> dict[str, str]:
    route = f"Route ``{s.route}``."
    if s.reply in typed:
        route = f"Route ``{s.route}``; the response arrives as ``{s.reply}``."
    elif s.reply is not None:
        route = f"Route ``{s.route}``; its response arrives as a message no model describes."
    arg = py.type_expr(s.arg)
    param = f"message: {arg} | None = None" if s.optional else f"message: {arg}"
    value = "message if message is not None else {}" if s.optional else "message"
    if s.text:
        body = (
            f"await self.send_raw({value})"
            if arg == "str"
            else f"await self.send_raw(str({value}))"
        )
    elif s.fields is None or (not s.fields and s.route == "$default"):
        body = (
            f"await self._send_value({value})"
            if arg == "Json"
            else f"await self._send_json({value}, None)"
        )
    else:
        fields = ", ".join(f"({py.literal(list(f.path))}, {py.string(f.value)})" for f in s.fields)
        body = f"await self._send_json({value}, ({fields},))"
    return {
        "method": s.py_method,
        "param": param,
        "doc": py.docstring(s.summary, s.description, route),
        "body": body,
    }


def _receive(r: Receive) -> dict[str, str]:
    match = "".join(f"({py.literal(list(path))}, {py.literal(v)}), " for path, v in r.match)
    return {
        "name": py.string(r.name),
        "type": py.type_expr(r.type),
        "text": "True" if r.text else "False",
        "match": f"({match.rstrip(' ')})" if match else "()",
        "kind": py.string(r.kind) if r.kind else "None",
    }


def _params(name: str, params: tuple[Param, ...]) -> str:
    members = tuple(Member(p.name, Prim("string"), p.required, p.doc) for p in params)
    return py.definition(Definition(name, "", members=members, open=False)).rstrip("\n")


def _connect(api: ClientApi) -> tuple[list[str], list[str]]:
    """(keyword parameters of ``connect``, the lines that fill ``query_``/``headers_``)."""
    params: list[str] = []
    lines: list[str] = []
    if api.token is not None:
        params.append("token: str")
    if api.api_key is not None:
        params.append("api_key: str")
    for kind, name, given in (
        ("query", "ConnectQuery", api.query),
        ("headers", "ConnectHeaders", api.headers),
    ):
        if not given:
            continue
        if any(p.required for p in given):
            params.append(f"{kind}: {name}")
            lines.append(f"{kind}_.update({{k: str(v) for k, v in {kind}.items()}})")
        else:
            params.append(f"{kind}: {name} | None = None")
            lines.append(f"{kind}_.update({{k: str(v) for k, v in ({kind} or {{}}).items()}})")
    if api.token is not None:
        where = "query_" if api.token.location == "query" else "headers_"
        lines.append(f"{where}[{py.string(api.token.name)}] = token")
    if api.api_key is not None:
        lines.append(f"headers_[{py.string(api.api_key.name)}] = api_key")
    return params, lines


def source(spec: Spec) -> str:
    """The text of ``client.py``."""
    api = client_api(spec)
    typed = api.typed_receives
    sends = [_send(s, {r.name for r in typed}) for s in api.sends]
    header = doc_lines(
        f"A typed client of the WebSocket API {spec.api.name}.", spec.api.description, width=90
    )
    if api.iam:
        header += ["", "IAM authorization: connect to a SigV4-presigned URL."]
    if api.token is not None:
        where = "query parameter" if api.token.location == "query" else "header"
        header += ["", f"`token` is sent as the `{api.token.name}` {where}."]
    params, lines = _connect(api)
    context: dict[str, Any] = {
        "source": PurePath(spec.source_file).name or "the spec",
        "header": header,
        "api_name": spec.api.name,
        "definitions": py.definitions(api.definitions).rstrip("\n"),
        "receives": [_receive(r) for r in typed],
        "overloads": [_receive(r) for r in typed] if len(typed) > 1 else [],
        "on_name_type": f"Literal[{py.string(typed[0].name)}]" if len(typed) == 1 else "str",
        "on_payload_type": py.type_expr(typed[0].type) if len(typed) == 1 else "Any",
        "sends": sends,
        "uses_json": any("_send_json" in s["body"] for s in sends),
        "uses_value": any("_send_value" in s["body"] for s in sends),
        "query": _params("ConnectQuery", api.query) if api.query else "",
        "headers": _params("ConnectHeaders", api.headers) if api.headers else "",
        "keepalive": py.string(api.keepalive),
        "connect_params": params,
        "connect_lines": lines,
    }
    text = render_template("client_py/client.py.j2", uses_literal=True, **context)
    body = text.split("\nif TYPE_CHECKING:", 1)[1]
    if "Literal[" not in body:  # import only what the client uses (ruff: no unused import)
        text = render_template("client_py/client.py.j2", uses_literal=False, **context)
    return text


def render(spec: Spec, ctx: BuildContext) -> list[Output]:
    return [Output(ctx.out_dir / DIR / FILE, source(spec).encode("utf-8"))]


def notes(spec: Spec, ctx: BuildContext) -> list[str]:
    """Routes the client cannot address by selection, messages it cannot tell apart."""
    return [f"client-py: {n}" for n in client_api(spec).notes]
