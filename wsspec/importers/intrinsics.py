"""CloudFormation templates: YAML/JSON text with intrinsic functions -> resolved values.

YAML short forms (``!Ref``, ``!GetAtt``, ``!Sub`` ...) are read into their long forms
(``{"Ref": ...}``, ``{"Fn::GetAtt": [...]}``), dates stay strings. ``Resolver`` then evaluates
intrinsics the way CloudFormation would, as far as the template alone allows: parameters take
``--param K=V`` or their ``Default``, conditions and mappings are evaluated, ``!Sub`` and
``Fn::Join`` become strings, or ``Tmpl`` values when they contain what only exists once
deployed (another resource, the Region, the account). Anything else (``!ImportValue``, a
parameter without a default) becomes ``Unresolved``; it is an error only where the API needs it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import yaml

from wsspec.importers.values import Pseudo, Ref, Tmpl, Unresolved, concat, is_literal, show

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PSEUDO = {
    "AWS::Region",
    "AWS::AccountId",
    "AWS::Partition",
    "AWS::URLSuffix",
    "AWS::StackName",
    "AWS::StackId",
    "AWS::NotificationARNs",
}
NO_VALUE = "AWS::NoValue"


class _Drop:
    """``AWS::NoValue``: the key it is the value of disappears."""


DROP = _Drop()


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe YAML with CloudFormation's short-form tags; timestamps stay strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _short_form(loader: Any, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _short_form)


def load_template(text: str) -> Any:
    """Template text (JSON or YAML, short-form tags allowed) -> plain data."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            pass  # YAML flow mappings also start with "{"
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader plus tag constructors


_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions against one template's parameters, conditions, mappings."""

    def __init__(self, template: Mapping[str, Any], params: Mapping[str, str]) -> None:
        self.template = template
        self.resources: Mapping[str, Any] = template.get("Resources") or {}
        self.mappings: Mapping[str, Any] = template.get("Mappings") or {}
        self.params: dict[str, Any] = {}
        self.param_source: dict[str, str] = {}
        self.used_params: set[str] = set()
        declared: Mapping[str, Any] = template.get("Parameters") or {}
        for name, decl in declared.items():
            decl = decl if isinstance(decl, Mapping) else {}
            if name in params:
                self.params[name] = _typed(params[name], decl)
                self.param_source[name] = "--param"
            elif "Default" in decl:
                self.params[name] = _typed(decl["Default"], decl)
                self.param_source[name] = "default"
            else:
                self.params[name] = Unresolved(
                    f"!Ref {name} (a parameter without a default)",
                    f"pass --param {name}=VALUE",
                )
        for name, value in params.items():
            if name in PSEUDO:
                self.params[name] = value
                self.param_source[name] = "--param"
        self._conditions: dict[str, Any] = {}
        self.condition_defs: Mapping[str, Any] = template.get("Conditions") or {}

    # ------------------------------------------------------------------ names
    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            return Unresolved(f"!Ref {show(name)}")
        if name in self.params:
            self.used_params.add(name)
            return self.params[name]
        if name == NO_VALUE:
            return DROP
        if name in PSEUDO:
            return Pseudo(name)
        if name in self.resources:
            return Ref(name)
        return Unresolved(f"!Ref {name} (no such parameter or resource)")

    def get_att(self, args: Any) -> Any:
        if isinstance(args, str):
            args = args.split(".", 1)
        if not isinstance(args, list) or len(args) != 2:
            return Unresolved(f"!GetAtt {show(args)}")
        target, attr = args[0], self.resolve(args[1])
        if not isinstance(target, str) or not isinstance(attr, str):
            return Unresolved(f"!GetAtt {show(args)}")
        if target not in self.resources:
            return Unresolved(f"!GetAtt {target}.{attr} (no such resource)")
        return Ref(target, attr)

    def condition(self, name: str) -> Any:
        if name not in self._conditions:
            self._conditions[name] = Unresolved(f"condition {name} (a cycle)")
            body = self.condition_defs.get(name)
            self._conditions[name] = (
                self.resolve(body) if body is not None else Unresolved(f"condition {name}")
            )
        return self._conditions[name]

    # ------------------------------------------------------------------ values
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not DROP]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Condition" and isinstance(arg, str):
                return self.condition(arg)
            if isinstance(key, str) and key.startswith("Fn::"):
                return self._function(key[4:], arg)
        out: dict[str, Any] = {}
        for k, v in value.items():
            r = self.resolve(v)
            if r is not DROP:
                out[k] = r
        return out

    def _function(self, name: str, arg: Any) -> Any:
        handler = getattr(self, "_fn_" + name.lower(), None)
        if handler is None:
            return Unresolved(f"Fn::{name}", "this intrinsic function is not evaluated by import")
        return handler(arg)

    def _fn_getatt(self, arg: Any) -> Any:
        return self.get_att(arg)

    def _fn_sub(self, arg: Any) -> Any:
        variables: Any = {}
        if isinstance(arg, str):
            text = arg
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            text, variables = arg[0], self.resolve(arg[1]) or {}
        else:
            return Unresolved(f"!Sub {show(arg)}")
        pieces: list[Any] = []
        pos = 0
        for m in _SUB_VAR.finditer(text):
            pieces.append(text[pos : m.start()])
            pos = m.end()
            inner = m.group(1).strip()
            if inner.startswith("!"):
                pieces.append("${" + inner[1:] + "}")
            elif inner in variables:
                pieces.append(variables[inner])
            elif "." in inner and inner.split(".", 1)[0] in self.resources:
                pieces.append(self.get_att(inner.split(".", 1)))
            else:
                pieces.append(self.ref(inner))
        pieces.append(text[pos:])
        bad = next((p for p in pieces if isinstance(p, Unresolved)), None)
        return bad if bad is not None else concat(pieces)

    def _fn_join(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return Unresolved(f"Fn::Join {show(arg)}")
        delim, items = self.resolve(arg[0]), self.resolve(arg[1])
        if not isinstance(delim, str) or not isinstance(items, list):
            return items if isinstance(items, Unresolved) else Unresolved(f"Fn::Join {show(arg)}")
        pieces: list[Any] = []
        for i, item in enumerate(items):
            if isinstance(item, Unresolved):
                return item
            if i:
                pieces.append(delim)
            pieces.append(item)
        return concat(pieces)

    def _fn_select(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return Unresolved(f"Fn::Select {show(arg)}")
        index, items = self.resolve(arg[0]), self.resolve(arg[1])
        try:
            return items[int(index)]
        except (TypeError, ValueError, IndexError, KeyError):
            return Unresolved(f"Fn::Select {show(arg)}")

    def _fn_split(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return Unresolved(f"Fn::Split {show(arg)}")
        delim, text = self.resolve(arg[0]), self.resolve(arg[1])
        if isinstance(delim, str) and isinstance(text, str):
            return text.split(delim)
        return Unresolved(f"Fn::Split {show(arg)}")

    def _fn_if(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 3 or not isinstance(arg[0], str):
            return Unresolved(f"Fn::If {show(arg)}")
        cond = self.condition(arg[0])
        if isinstance(cond, bool):
            return self.resolve(arg[1] if cond else arg[2])
        return Unresolved(f"Fn::If {arg[0]} (the condition cannot be evaluated)")

    def _fn_equals(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return Unresolved(f"Fn::Equals {show(arg)}")
        a, b = self.resolve(arg[0]), self.resolve(arg[1])
        if is_literal(a) and is_literal(b):
            return str(a) == str(b) if not isinstance(a, type(b)) else a == b
        return Unresolved(f"Fn::Equals {show(a)} {show(b)}")

    def _logic(self, name: str, arg: Any, combine: Any) -> Any:
        values = [self.resolve(v) for v in (arg if isinstance(arg, list) else [arg])]
        if all(isinstance(v, bool) for v in values):
            return combine(values)
        return Unresolved(f"Fn::{name} (a condition cannot be evaluated)")

    def _fn_and(self, arg: Any) -> Any:
        return self._logic("And", arg, all)

    def _fn_or(self, arg: Any) -> Any:
        return self._logic("Or", arg, any)

    def _fn_not(self, arg: Any) -> Any:
        return self._logic("Not", arg, lambda v: not v[0])

    def _fn_findinmap(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) < 3:
            return Unresolved(f"Fn::FindInMap {show(arg)}")
        keys = [self.resolve(a) for a in arg[:3]]
        try:
            return self.resolve(self.mappings[keys[0]][keys[1]][keys[2]])
        except (KeyError, TypeError):
            if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return self.resolve(arg[3]["DefaultValue"])
            return Unresolved(f"Fn::FindInMap {show(keys)}")

    def _fn_importvalue(self, arg: Any) -> Any:
        return Unresolved(
            f"!ImportValue {show(self.resolve(arg))} (another stack's export)",
            "replace it in the template, or pass the value through a parameter",
        )

    def _fn_base64(self, arg: Any) -> Any:
        import base64

        value = self.resolve(arg)
        if isinstance(value, str):
            return base64.b64encode(value.encode()).decode()
        return Unresolved("Fn::Base64 of a value known only once deployed")

    def _fn_tojsonstring(self, arg: Any) -> Any:
        value = self.resolve(arg)
        if is_literal(value):
            return json.dumps(value, separators=(",", ":"))
        return Unresolved("Fn::ToJsonString of a value known only once deployed")

    def _fn_length(self, arg: Any) -> Any:
        value = self.resolve(arg)
        return len(value) if isinstance(value, list) else Unresolved("Fn::Length")


def _typed(value: Any, decl: Mapping[str, Any]) -> Any:
    """A parameter value as CloudFormation hands it out (lists split, numbers as strings)."""
    ptype = str(decl.get("Type", "String"))
    if isinstance(value, bool):
        value = "true" if value else "false"
    if ptype.startswith("List<") or ptype == "CommaDelimitedList":
        if isinstance(value, list):
            return [str(v) for v in value]
        return [v.strip() for v in str(value).split(",")]
    if ptype.startswith("AWS::SSM::Parameter::Value"):
        return Unresolved(f"an SSM parameter ({value})", "pass the value with --param")
    return str(value) if not isinstance(value, str) else value


def is_tmpl(value: Any) -> bool:
    return isinstance(value, Tmpl)
