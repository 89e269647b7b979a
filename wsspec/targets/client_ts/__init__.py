"""TypeScript client target: ``client-ts/client.ts``, a dependency-free typed client of the API
(generated: rewritten every build, never edited by hand).

One typed method per route a client sends to, typed handlers for the messages it can receive,
reconnection with back-off and the keep-alive API Gateway's idle timeout needs. What the API
looks like to a client is ``wsspec.messages`` (shared with the AsyncAPI and Python targets); the
text is ``templates/client_ts/client.ts.j2`` with types and literals from ``typescript.py``.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from wsspec.messages import ClientApi, Param, Receive, Send, client_api, doc_lines
from wsspec.model import Spec
from wsspec.targets import BuildContext, Output
from wsspec.targets.client_ts import typescript as ts
from wsspec.templating import render as render_template

__all__ = ["notes", "render", "source"]

DIR = "client-ts"
FILE = "client.ts"


def _send(s: Send, typed: set[str]) -> dict[str, str]:
    route = f"Route `{s.route}`."
    if s.reply in typed:
        route = f"Route `{s.route}`; the response arrives as `{s.reply}`."
    elif s.reply is not None:
        route = f"Route `{s.route}`; its response arrives as a message no model describes."
    doc = ts.doc(s.summary, s.description, route, indent="  ")
    arg = ts.type_expr(s.arg)
    param = f"message: {arg}" + (" = {}" if s.optional else "")
    if s.text:
        body = "this.sendRaw(String(message));"
    elif s.fields is None or (not s.fields and s.route == "$default"):
        body = "this.sendValue(message);" if arg == "Json" else "this.sendJson(message, null);"
    else:
        fields = ", ".join(f"[{ts.literal(list(f.path))}, {ts.string(f.value)}]" for f in s.fields)
        body = f"this.sendJson(message, [{fields}]);"
    return {"doc": doc, "method": s.method, "param": param, "body": body}


def _receive(r: Receive) -> dict[str, str]:
    sources = []
    if r.replies_to:
        sources.append("the response of route " + ", ".join(f"`{k}`" for k in r.replies_to))
    if r.pushed_by:
        sources.append("pushed by route " + ", ".join(f"`{k}`" for k in r.pushed_by))
    match = ", ".join(f"[{ts.literal(list(path))}, {ts.scalar(v)}]" for path, v in r.match)
    text = " and ".join(sources)
    return {
        "doc": ts.doc(text[:1].upper() + text[1:] + ".", indent="  "),
        "key": ts.string(r.name),
        "name": ts.string(r.name),
        "type": ts.type_expr(r.type),
        "text": "true" if r.text else "false",
        "match": f"[{match}]",
        "kind": ts.string(r.kind) if r.kind else "null",
    }


def _param(p: Param) -> dict[str, Any]:
    return {"doc": ts.doc(p.doc, indent="  "), "key": ts.key(p.name), "required": p.required}


def _open_lines(api: ClientApi) -> list[str]:
    lines = []
    for kind, params in (("query", api.query), ("headers", api.headers)):
        if params:
            lines.append(
                f"for (const [name, value] of Object.entries(this.options.{kind} ?? {{}})) "
                f"{kind}[name] = value;"
            )
    if api.token is not None:
        where = "query" if api.token.location == "query" else "headers"
        lines.append(f"{where}[{ts.string(api.token.name)}] = this.options.token;")
    if api.api_key is not None:
        lines.append(f"headers[{ts.string(api.api_key.name)}] = this.options.apiKey;")
    return lines


def source(spec: Spec) -> str:
    """The text of ``client.ts``."""
    api = client_api(spec)
    token = api.token
    token_doc = ""
    if token is not None:
        where = "query parameter" if token.location == "query" else "header"
        token_doc = f"The token, sent as the `{token.name}` {where}. {token.doc}"
        if token.location == "header":
            token_doc += " (Headers need the `ws` package's WebSocket.)"
    query_required = any(p.required for p in api.query)
    headers_required = any(p.required for p in api.headers)
    header = doc_lines(
        f"A typed client of the WebSocket API {spec.api.name}.", spec.api.description
    )
    if api.iam:
        header += ["", "IAM authorization: connect to a SigV4-presigned URL."]
    typed = {r.name for r in api.typed_receives}
    sends = [_send(s, typed) for s in api.sends]
    return render_template(
        "client_ts/client.ts.j2",
        uses_json=any("sendJson" in s["body"] for s in sends),
        uses_value=any("sendValue" in s["body"] for s in sends),
        source=PurePath(spec.source_file).name or "the spec",
        header=header,
        api_name=spec.api.name,
        definitions=ts.definitions(api.definitions),
        receives=[_receive(r) for r in api.typed_receives],
        sends=sends,
        query=[_param(p) for p in api.query],
        headers=[_param(p) for p in api.headers],
        query_required=query_required,
        headers_required=headers_required,
        token=token is not None,
        token_doc=token_doc,
        api_key=api.api_key is not None,
        options_required=token is not None
        or api.api_key is not None
        or query_required
        or headers_required,
        keepalive=ts.string(api.keepalive),
        keepalive_doc=api.keepalive,
        open_lines=_open_lines(api),
    )


def render(spec: Spec, ctx: BuildContext) -> list[Output]:
    return [Output(ctx.out_dir / DIR / FILE, source(spec).encode("utf-8"))]


def notes(spec: Spec, ctx: BuildContext) -> list[str]:
    """Routes the client cannot address by selection, messages it cannot tell apart."""
    return [f"client-ts: {n}" for n in client_api(spec).notes]
