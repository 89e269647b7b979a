"""The AsyncAPI 3.0 document of one API, as plain data (``__init__`` serialises it).

- ``servers``: one per stage (``wss://{apiId}.execute-api.{region}.amazonaws.com/<stage>``;
  left out when the execute-api endpoint is disabled), the custom domain, and ``wsspec serve``.
- one channel, ``connection``: the ``$connect`` query and header parameters as its WebSocket
  bindings; every message of the API.
- operations: ``send`` per route a client sends to (with a ``reply`` on two-way routes),
  ``receive`` per route response and per pushed model, and API Gateway's own error frames.
- messages: payloads from the models (``schemas.convert``), with the route selection value as
  a ``const``; examples from the spec.
- security schemes: IAM (SigV4), the API key header and the authorizer's token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wsspec.messages import GATEWAY_ERROR, ClientApi, Param, Receive, Send, message_value
from wsspec.messages.examples import example_error
from wsspec.model import Spec, plain
from wsspec.targets.asyncapi.schemas import COMPONENT, convert

CHANNEL = "connection"
SERVE_PORT = 3001  # `wsspec serve`'s default port
_KEY = re.compile(r"[^A-Za-z0-9_.\-]+")

GATEWAY_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An error frame from API Gateway itself: no route matched (`Forbidden`), "
    "the integration failed (`Internal server error`), timed out (`Endpoint request timed "
    "out`) or the message failed its request model (`Bad request body`).",
    "properties": {
        "message": {"type": "string"},
        "connectionId": {"type": "string"},
        "requestId": {"type": "string"},
        "messageId": {"type": "string"},
    },
    "required": ["message", "connectionId"],
}


@dataclass
class Keys:
    """Component keys (``[A-Za-z0-9_.-]+``), unique."""

    taken: set[str] = field(default_factory=set)

    def __call__(self, name: str) -> str:
        base = _KEY.sub("_", name).strip("_") or "x"
        key, i = base, 2
        while key in self.taken:
            key, i = f"{base}_{i}", i + 1
        self.taken.add(key)
        return key


@dataclass
class Document:
    spec: Spec
    api: ClientApi
    notes: list[str] = field(default_factory=list)
    messages: dict[str, Any] = field(default_factory=dict)
    operations: dict[str, Any] = field(default_factory=dict)
    message_keys: Keys = field(default_factory=Keys)
    operation_keys: Keys = field(default_factory=Keys)

    def build(self) -> dict[str, Any]:
        spec = self.spec
        info: dict[str, Any] = {"title": spec.api.name, "version": "1.0.0"}
        if spec.api.description:
            info["description"] = spec.api.description
        schemas = {m.name: self._schema(m.name) for m in spec.models}
        receives = {r.name: self._receive_message(r) for r in self.api.receives}
        gateway = self._message(
            GATEWAY_ERROR,
            {
                "name": GATEWAY_ERROR,
                "title": "API Gateway error",
                "summary": "An error frame API Gateway sends instead of a route's answer.",
                "payload": GATEWAY_ERROR_SCHEMA,
            },
        )
        for send in self.api.sends:
            self._send(send, receives)
        for r in self.api.receives:
            self._operation(
                "receive" + r.name,
                {
                    "action": "receive",
                    **_docs(_receive_summary(r), None),
                    "messages": [self._channel_ref(receives[r.name])],
                },
            )
        self._operation(
            "receive" + GATEWAY_ERROR,
            {
                "action": "receive",
                "summary": "API Gateway's own error frames.",
                "messages": [self._channel_ref(gateway)],
            },
        )
        doc: dict[str, Any] = {
            "asyncapi": "3.0.0",
            "info": info,
            "defaultContentType": "application/json",
            "servers": self._servers(),
            "channels": {CHANNEL: self._channel()},
            "operations": self.operations,
            "components": {"messages": self.messages},
        }
        if schemas:
            doc["components"] = {"schemas": schemas, **doc["components"]}
        security = self._security_schemes()
        if security:
            doc["components"]["securitySchemes"] = security
        return doc

    # ------------------------------------------------------------------------- messages
    def _schema(self, model: str) -> Any:
        m = next(x for x in self.spec.models if x.name == model)
        out = convert(plain(m.schema), model, {x.name for x in self.spec.models}, self.notes.append)
        if m.examples and isinstance(out, dict):
            out["examples"] = [plain(e) for e in m.examples]
        return out

    def _message(self, name: str, body: dict[str, Any]) -> str:
        key = self.message_keys(name)
        self.messages[key] = body
        return key

    def _channel_ref(self, key: str) -> dict[str, str]:
        return {"$ref": f"#/channels/{CHANNEL}/messages/{key}"}

    def _operation(self, name: str, body: dict[str, Any]) -> None:
        body = {"action": body.pop("action"), "channel": {"$ref": f"#/channels/{CHANNEL}"}, **body}
        self.operations[self.operation_keys(name)] = body

    def _send(self, send: Send, receives: Mapping[str, str]) -> None:
        selection = _selection_schema(send)
        keys = []
        models = send.models or (None,)
        for model in models:
            payload = _payload(model, selection, send)
            name = send.method if len(models) == 1 else f"{send.method}.{model}"
            body: dict[str, Any] = {"name": name, "title": f"Route {send.route}"}
            body.update(_docs(send.summary, send.description))
            if payload is not None:
                body["payload"] = payload
            if model is not None and not self._is_json(model):
                body["contentType"] = self._content_type(model)
            examples = [e for e in send.examples if _fits(e, model, self.spec)]
            if examples:
                body["examples"] = [{"payload": e} for e in examples]
            keys.append(self._message(name, body))
        op: dict[str, Any] = {
            "action": "send",
            "title": f"Route {send.route}",
            **_docs(send.summary, send.description),
            "messages": [self._channel_ref(k) for k in keys],
        }
        if send.reply is not None:
            op["reply"] = {
                "channel": {"$ref": f"#/channels/{CHANNEL}"},
                "messages": [self._channel_ref(receives[send.reply])],
            }
        self._operation(send.method, op)

    def _receive_message(self, r: Receive) -> str:
        body: dict[str, Any] = {"name": r.name}
        model = next((m for m in self.spec.models if m.name == r.model), None)
        if model is not None:
            body.update(_docs(model.summary, model.description))
            body["payload"] = {"$ref": COMPONENT + model.name}
            if not model.is_json:
                body["contentType"] = model.content_type
            if model.examples:
                body["examples"] = [{"payload": plain(e)} for e in model.examples]
        else:
            body["summary"] = "The route's response (no response model is declared)."
        return self._message(r.name, body)

    def _is_json(self, model: str) -> bool:
        return next(m for m in self.spec.models if m.name == model).is_json

    def _content_type(self, model: str) -> str:
        return next(m for m in self.spec.models if m.name == model).content_type

    # ------------------------------------------------------------------------- connection
    def _channel(self) -> dict[str, Any]:
        api = self.api
        ws: dict[str, Any] = {"method": "GET"}
        query = list(api.query) + (
            [api.token] if api.token and api.token.location == "query" else []
        )
        headers = list(api.headers)
        if api.token is not None and api.token.location == "header":
            headers.append(api.token)
        if api.api_key is not None:
            headers.append(api.api_key)
        if query:
            ws["query"] = _params_schema(query)
        if headers:
            ws["headers"] = _params_schema(headers)
        ws["bindingVersion"] = "0.1.0"
        channel: dict[str, Any] = {
            "address": None,
            "title": "The WebSocket connection",
            "description": "One connection carries every message. The server URL is the "
            "connection URL; the query and header parameters are the `$connect` request's.",
            "messages": {k: {"$ref": f"#/components/messages/{k}"} for k in self.messages},
            "bindings": {"ws": ws},
        }
        return channel

    def _servers(self) -> dict[str, Any]:
        spec = self.spec
        keys = Keys()
        security = [{"$ref": f"#/components/securitySchemes/{k}"} for k in self._scheme_keys()]
        servers: dict[str, Any] = {}
        if not spec.api.disable_execute_api_endpoint:
            for stage in spec.stages:
                server: dict[str, Any] = {
                    "host": "{apiId}.execute-api.{region}.amazonaws.com",
                    "protocol": "wss",
                    "pathname": f"/{stage.name}",
                    "title": f"Stage {stage.name}",
                    "variables": {
                        "apiId": {"description": "The API's id (the ApiId output of the stack)."},
                        "region": {"description": "The AWS Region the API is deployed in."},
                    },
                }
                if stage.description:
                    server["description"] = stage.description
                if security:
                    server["security"] = security
                servers[keys(stage.name)] = server
        if spec.domain is not None:
            d = spec.domain
            server = {
                "host": d.name,
                "protocol": "wss",
                "title": f"Custom domain (stage {d.stage})",
            }
            if d.base_path:
                server["pathname"] = "/" + d.base_path
            if security:
                server["security"] = security
            servers[keys("custom-domain")] = server
        local = spec.stages[0].name
        servers[keys("local")] = {
            "host": f"127.0.0.1:{SERVE_PORT}",
            "protocol": "ws",
            "pathname": f"/{local}",
            "title": "wsspec serve",
            "description": f"The local gateway (`wsspec serve`, default port, stage {local}).",
        }
        return servers

    # ------------------------------------------------------------------------- security
    def _scheme_keys(self) -> list[str]:
        return list(self._security_schemes())

    def _security_schemes(self) -> dict[str, Any]:
        api, spec = self.api, self.spec
        out: dict[str, Any] = {}
        if api.iam:
            out["iam"] = {
                "type": "http",
                "scheme": "AWS4-HMAC-SHA256",
                "description": "The `$connect` request is signed with AWS Signature Version 4 "
                "(IAM authorization): in the Authorization header, or as a presigned URL's query "
                "string (browsers).",
            }
        connect = next((r for r in spec.routes if r.key == "$connect"), None)
        if api.token is not None and connect is not None and connect.authorizer:
            auth = spec.authorizer(connect.authorizer)
            sources = ", ".join(f"`{s}`" for s in auth.identity_sources)
            out[_KEY.sub("_", auth.name)] = {
                "type": "httpApiKey",
                "name": api.token.name,
                "in": api.token.location,
                "description": f"Checked by the Lambda REQUEST authorizer `{auth.name}` when "
                f"the connection is made (identity sources: {sources}; a missing one is refused "
                "with 401).",
            }
        if api.api_key is not None:
            out["apiKey"] = {
                "type": "httpApiKey",
                "name": api.api_key.name,
                "in": "header",
                "description": "An API key of a usage plan, checked when the connection is made.",
            }
        return out


def _docs(summary: str | None, description: str | None) -> dict[str, str]:
    out = {}
    if summary:
        out["summary"] = summary
    if description:
        out["description"] = description
    return out


def _receive_summary(r: Receive) -> str:
    parts = []
    if r.replies_to:
        parts.append("the response of route " + ", ".join(r.replies_to))
    if r.pushed_by:
        parts.append("pushed through @connections by route " + ", ".join(r.pushed_by))
    text = " and ".join(parts) or "a message"
    return text[:1].upper() + text[1:] + "."


def _selection_schema(send: Send) -> dict[str, Any] | None:
    """The route selection value as constants: ``{properties: {action: {const: x}}}``."""
    if not send.fields:
        return None

    def obj(value: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                k: obj(v) if isinstance(v, Mapping) else {"const": v} for k, v in value.items()
            },
            "required": list(value),
        }

    return obj(message_value(send.fields))


def _payload(
    model: str | None, selection: dict[str, Any] | None, send: Send
) -> dict[str, Any] | None:
    if model is None:
        return selection
    ref = {"$ref": COMPONENT + model}
    if selection is None or send.text:
        return ref
    return {"allOf": [ref, selection]}


def _fits(example: Any, model: str | None, spec: Spec) -> bool:
    """Whether an example belongs to the message of ``model`` (its schema accepts it)."""
    if model is None:
        return True
    m = next(x for x in spec.models if x.name == model)
    schemas = {x.name: plain(x.schema) for x in spec.models}
    return example_error(plain(m.schema), example, schemas) is None


def _params_schema(params: list[Param]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "properties": {p.name: {"type": "string", "description": p.doc} for p in params},
    }
    required = [p.name for p in params if p.required]
    if required:
        out["required"] = required
    return out
