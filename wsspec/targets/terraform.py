"""Terraform target: ``<out>/terraform/{versions,variables,main,outputs}.tf`` from the model.

The files are rendered from ``templates/terraform/*.j2`` through the one Jinja environment
(StrictUndefined), then laid out by ``format_hcl`` exactly as ``terraform fmt`` leaves them
(two-space indentation by bracket nesting, ``=`` aligned over runs of one-line attributes), so
the output passes ``terraform fmt -check`` without the binary being needed at build time.

What is decided where:

* every fact shared with the other back ends comes from ``wsspec.derive`` (Lambda permissions
  and their strategy, IAM statements with ``Ref`` tokens, environment, the API-definition
  hash that triggers redeployment) and every base name from ``wsspec.names``;
* this module only turns those facts into HCL expressions: ``Ref`` tokens become references
  (``aws_dynamodb_table.connections.arn``) or string templates whose literal parts are escaped
  by ``escape.hcl_string``; JSON documents (policies, model schemas) become HCL values inside
  ``jsonencode(...)``.

Resource labels: ``names`` gives each spec object a label unique within its kind; resources of
one Terraform type that serve several kinds get a kind prefix (``aws_iam_role.lambda_<fn>``,
``aws_iam_role.integration_<integration>``, ``aws_cloudwatch_log_group.access_<stage>``), and
prefixes never collide with each other.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any, Iterable, Mapping

from wsspec import derive, names
from wsspec.errors import WsspecError
from wsspec.escape import hcl_string
from wsspec.model import Integration, Spec
from wsspec.targets import BuildContext, Output

FILES = ("versions.tf", "variables.tf", "main.tf", "outputs.tf")
API = "aws_apigatewayv2_api.this"
PARTITION = "data.aws_partition.current.partition"
ACCOUNT = "data.aws_caller_identity.current.account_id"
REGION = "var.region"
TABLE = "aws_dynamodb_table.connections"
REQUIRED_VERSION = ">= 1.5.0"
AWS_PROVIDER_VERSION = ">= 5.30, < 7.0"


# ----------------------------------------------------------------------------- HCL values
class Expr(str):
    """A raw HCL expression (a reference or a call); plain ``str`` values are literals."""


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEYWORDS = {"true", "false", "null", "for", "in", "if", "endfor", "endif", "else"}


def key(name: str) -> str:
    """An object key: bare when it is a plain identifier, else an ASCII-only quoted string."""
    if _IDENT.match(name) and name not in _KEYWORDS:
        return name
    return hcl_string(name, ascii=True)


def template(*parts: str) -> Expr:
    """A quoted string template: ``Expr`` parts are interpolated, ``str`` parts are literal."""
    if len(parts) == 1 and isinstance(parts[0], Expr):
        return parts[0]
    out = []
    for i, part in enumerate(parts):
        if isinstance(part, Expr):
            out.append("${" + part + "}")
            continue
        body = hcl_string(part)[1:-1]
        nxt = parts[i + 1] if i + 1 < len(parts) else None
        if isinstance(nxt, Expr) and body and body[-1] in "$%":
            # "$" then "${x}" would read as the escape "$${": write that "$" as an interpolation.
            body = body[:-1] + '${"' + body[-1] + '"}'
        out.append(body)
    return Expr('"' + "".join(out) + '"')


def _scalar(value: Any) -> str | None:
    if isinstance(value, Expr):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise WsspecError(
                f"{value!r} cannot be written to Terraform (JSON has no infinity or NaN)",
                code="WS900",
            )
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, str):
        return hcl_string(value)
    return None


def value(obj: Any) -> str:
    """An HCL value for JSON-like data: objects, tuples, strings, numbers, bools, ``Expr``.

    Multi-line output is left unindented; ``format_hcl`` indents it by bracket nesting.
    """
    s = _scalar(obj)
    if s is not None:
        return s
    if isinstance(obj, Mapping):
        if not obj:
            return "{}"
        lines = ["{"]
        for k, v in obj.items():
            lines.append(f"{key(str(k))} = {value(v)}")
        lines.append("}")
        return "\n".join(lines)
    if isinstance(obj, (list, tuple)):
        if not obj:
            return "[]"
        items = [_scalar(v) for v in obj]
        if all(i is not None for i in items):
            inline = "[" + ", ".join(items) + "]"  # type: ignore[arg-type]
            if len(items) == 1 or len(inline) <= 72:
                return inline
        return "\n".join(["["] + [value(v) + "," for v in obj] + ["]"])
    raise WsspecError(f"cannot write {type(obj).__name__} to Terraform", code="WS900")


def string_list(items: Iterable[str]) -> str:
    return value([str(i) for i in items])


# ----------------------------------------------------------------------------- layout (fmt)
def _scan(line: str) -> tuple[int, int, int]:
    """(net bracket change, index of the first ``=`` or -1, net change from that ``=`` on).

    Skips string contents (with escapes, ``$${`` and interpolations) and comments, like
    hclwrite's token stream does for the purpose of indentation and alignment.
    """
    net = 0
    eq = -1
    net_at_eq = 0
    stack: list[list[Any]] = []  # ["str"] or ["interp", brace depth]
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if stack:
            top = stack[-1]
            if top[0] == "str":
                if c == "\\":
                    i += 2
                    continue
                if c in "$%" and line.startswith(c + c + "{", i):
                    i += 3
                    continue
                if c in "$%" and line.startswith(c + "{", i):
                    stack.append(["interp", 0])
                    i += 2
                    continue
                if c == '"':
                    stack.pop()
            else:
                if c == '"':
                    stack.append(["str"])
                elif c == "{":
                    top[1] += 1
                elif c == "}":
                    if top[1] == 0:
                        stack.pop()
                    else:
                        top[1] -= 1
            i += 1
            continue
        if c == '"':
            stack.append(["str"])
        elif c == "#" or line.startswith("//", i):
            break
        elif c in "{[(":
            net += 1
        elif c in "}])":
            net -= 1
        elif c == "=" and eq < 0 and i > 0:
            prev = line[i - 1]
            nxt = line[i + 1] if i + 1 < n else ""
            if prev not in "=!<>" and nxt not in "=>":
                eq = i
                net_at_eq = net
        i += 1
    return net, eq, (net - net_at_eq) if eq >= 0 else 0


_BLOCK_HEADER = re.compile(r'^[A-Za-z_][A-Za-z0-9_-]*( "(?:[^"\\]|\\.)*")* \{\}?$')


def format_hcl(text: str) -> str:
    """Lay out HCL as ``terraform fmt`` does: indentation and ``=`` alignment.

    Blank lines are decided here, not by the templates: one between top-level blocks (a
    comment sticks to the block below it) and one before a nested block or ``depends_on``
    inside a block. ``terraform fmt`` keeps blank lines as they are, so the result is a fixed
    point of ``terraform fmt``. Assumes one space between tokens where the templates put one.
    """
    lines = [ln.strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    scans = [_scan(ln) for ln in lines]

    indents: list[int] = []
    level = [0] * len(lines)
    for i in range(len(lines)):
        net = scans[i][0]
        level[i] = len(indents)
        if net > 0:
            indents.append(net)
        elif net < 0:
            closed = -net
            while closed > 0 and indents:
                if closed > indents[-1]:
                    closed -= indents.pop()
                elif closed < indents[-1]:
                    indents[-1] -= closed
                    closed = 0
                else:
                    indents.pop()
                    closed = 0
            level[i] = len(indents)

    blank = [False] * len(lines)
    for i in range(1, len(lines)):
        ln, prev = lines[i], lines[i - 1]
        prev_comment = prev.startswith("#")
        if level[i] == 0:
            if ln.startswith("#") or _BLOCK_HEADER.match(ln):
                blank[i] = not prev_comment
        elif (_BLOCK_HEADER.match(ln) or ln.startswith("depends_on ")) and not (
            prev.endswith("{") and level[i - 1] == level[i] - 1
        ):
            blank[i] = not prev_comment

    # alignment: runs of consecutive lines that each assign a one-line value
    assign = [s[1] if s[1] >= 0 and s[2] == 0 else -1 for s in scans]
    out = list(lines)
    i = 0
    while i < len(lines):
        if assign[i] < 0:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and assign[j] >= 0 and not blank[j]:
            j += 1
        width = max(len(lines[k][: assign[k]].rstrip()) for k in range(i, j))
        for k in range(i, j):
            lead = lines[k][: assign[k]].rstrip()
            rest = lines[k][assign[k] + 1:].lstrip()
            out[k] = lead + " " * (width - len(lead) + 1) + "= " + rest
        i = j
    text_out = []
    for k, ln in enumerate(out):
        if blank[k]:
            text_out.append("")
        text_out.append("  " * level[k] + ln)
    return "\n".join(text_out) + "\n"


# ----------------------------------------------------------------------------- the view
def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


class View:
    """What the templates need beyond the model: labels and HCL expressions."""

    api = API

    def __init__(self, spec: Spec, ctx: BuildContext) -> None:
        self.spec = spec
        self.ctx = ctx
        self.per_route = _permission_strategy(spec)
        self.permissions = derive.lambda_permissions(spec, per_route=self.per_route)
        self.definition_hash = derive.api_definition_hash(spec)
        self.needs_deployment = any(not s.auto_deploy for s in spec.stages)
        self.fn_log_groups = {names.function_log_group(spec, f.name): f.name for f in spec.functions}
        refs = [r for f in spec.functions for st in derive.function_statements(spec, f.name)
                for r in st.resources]
        refs += [r for i in derive.generated_integration_roles(spec)
                 for st in derive.integration_role_statements(spec, i) for r in st.resources]
        foreign_logs = any(r.kind == "log_group" and r.value not in self.fn_log_groups for r in refs)
        self.uses_account = foreign_logs
        self.uses_partition = foreign_logs or spec.cloudwatch_role or any(
            i.kind == "aws" or (i.kind == "lambda" and not i.function) for i in spec.integrations
        ) or any(not a.function for a in spec.authorizers)

    # -- labels
    route = staticmethod(names.route_label)
    authorizer = staticmethod(names.authorizer_label)
    model = staticmethod(names.model_label)
    stage = staticmethod(names.stage_label)
    function = staticmethod(names.function_label)
    vpc_link = staticmethod(names.vpc_link_label)

    @staticmethod
    def integration(integ: Integration) -> str:
        return names.integration_label(integ)

    @staticmethod
    def integration_response(integ: Integration, response_key: str) -> str:
        # integration labels never contain "__", so "<integration>__<key>" cannot collide
        part = "default" if response_key == "$default" else (
            names.snake(response_key).lstrip("_") + "_" + _short(response_key))
        return f"{names.integration_label(integ)}__{part}"

    @staticmethod
    def permission(key_: str) -> str:
        return names.snake(key_[len("wsspec-"):] if key_.startswith("wsspec-") else key_)

    # -- helpers exposed to templates
    string = staticmethod(hcl_string)
    value = staticmethod(value)
    string_list = staticmethod(string_list)
    key = staticmethod(key)

    def zip_path(self, fn: str) -> Expr:
        return template(Expr("path.module"), "/../functions/" + names.zip_name(fn))

    def ref(self, r: derive.Ref) -> Expr:
        if r.kind == "literal":
            return Expr(hcl_string(r.value))
        if r.kind == "log_group":
            fn = self.fn_log_groups.get(r.value)
            if fn is not None:
                return template(Expr(f"aws_cloudwatch_log_group.lambda_{self.function(fn)}.arn"), ":*")
            return template("arn:", Expr(PARTITION), ":logs:", Expr(REGION), ":", Expr(ACCOUNT),
                            ":log-group:" + r.value + ":*")
        if r.kind == "connections":
            return template(Expr(f"{API}.execution_arn"), f"/{r.stage}/{r.value}/@connections/*")
        if r.kind == "table":
            return Expr(f"{TABLE}.arn")
        if r.kind == "function":
            return Expr(f"aws_lambda_function.{self.function(r.value)}.arn")
        raise AssertionError(r.kind)

    def policy(self, statements: Iterable[derive.Statement]) -> str:
        return value({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": s.sid,
                    "Effect": s.effect,
                    "Action": list(s.actions),
                    "Resource": [self.ref(r) for r in s.resources],
                }
                for s in statements
            ],
        })

    @staticmethod
    def trust(service: str) -> str:
        return value({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        })

    def function_policy(self, fn: str) -> str:
        return self.policy(derive.function_statements(self.spec, fn))

    def integration_policy(self, integ: Integration) -> str:
        return self.policy(derive.integration_role_statements(self.spec, integ))

    @staticmethod
    def lambda_arn_uri(arn: str) -> Expr:
        return template("arn:", Expr(PARTITION), ":apigateway:", Expr(REGION),
                        ":lambda:path/2015-03-31/functions/" + arn + "/invocations")

    def integration_uri(self, integ: Integration) -> Expr | None:
        if integ.kind == "lambda":
            if integ.function:
                return Expr(f"aws_lambda_function.{self.function(integ.function)}.invoke_arn")
            return self.lambda_arn_uri(integ.lambda_arn or "")
        if integ.kind == "http":
            return Expr(hcl_string(integ.url or ""))
        if integ.kind == "aws":
            tail = f"action/{integ.action}" if integ.action else f"path/{integ.path}"
            return template("arn:", Expr(PARTITION), ":apigateway:", Expr(REGION),
                            f":{integ.service}:{tail}")
        return None

    def credentials(self, integ: Integration) -> Expr | None:
        if integ.credentials_arn:
            return Expr(hcl_string(integ.credentials_arn))
        if integ.role is not None:
            return Expr(f"aws_iam_role.integration_{self.integration(integ)}.arn")
        return None

    def authorizer_uri(self, auth: Any) -> Expr:
        if auth.function:
            return Expr(f"aws_lambda_function.{self.function(auth.function)}.invoke_arn")
        return self.lambda_arn_uri(auth.lambda_arn or "")

    def permission_function(self, p: derive.Permission) -> Expr:
        if p.function:
            return Expr(f"aws_lambda_function.{self.function(p.function)}.function_name")
        return Expr(hcl_string(p.function_arn or ""))

    def source_arn(self, p: derive.Permission) -> Expr:
        if p.authorizer is not None:
            return template(Expr(f"{API}.execution_arn"), "/authorizers/",
                            Expr(f"aws_apigatewayv2_authorizer.{self.authorizer(p.authorizer)}.id"))
        return template(Expr(f"{API}.execution_arn"), f"/{p.stage}/{p.route}")

    def environment(self, fn: str) -> dict[str, str]:
        return derive.environment(self.spec, fn)

    def retention(self) -> int | None:
        return derive.log_retention_days(self.spec) if hasattr(derive, "log_retention_days") else None

    def tracing(self) -> bool:
        return bool(derive.tracing(self.spec)) if hasattr(derive, "tracing") else False

    def deployment_depends_on(self) -> list[str]:
        out = [f"aws_apigatewayv2_route.{self.route(r.key)}" for r in self.spec.routes]
        out += [f"aws_apigatewayv2_route_response.{self.route(r.key)}"
                for r in self.spec.routes if r.two_way]
        out += [f"aws_apigatewayv2_integration_response.{self.integration_response(i, resp.key)}"
                for i in self.spec.integrations if not i.proxy for resp in i.responses]
        return out

    def callback_url(self) -> Expr:
        stage = f"aws_apigatewayv2_stage.{self.stage(self.primary_stage())}.name"
        return template("https://", Expr(f"{API}.id"), ".execute-api.", Expr(REGION),
                        ".amazonaws.com/", Expr(stage))

    def primary_stage(self) -> str:
        return self.spec.domain.stage if self.spec.domain else self.spec.stages[0].name

    @staticmethod
    def expr_list(items: Iterable[str]) -> str:
        items = list(items)
        inline = "[" + ", ".join(items) + "]"
        if len(items) <= 1 or len(inline) <= 72:
            return inline
        return "\n".join(["["] + [i + "," for i in items] + ["]"])

    @staticmethod
    def num(v: float | int) -> str:
        return _scalar(v) or "null"


def _permission_strategy(spec: Spec) -> bool:
    strategy = getattr(derive, "permission_strategy", None)
    return bool(strategy(spec)) if strategy is not None else True


# ----------------------------------------------------------------------------- entry points
def render(spec: Spec, ctx: BuildContext) -> list[Output]:
    from wsspec.templating import render as render_template

    view = View(spec, ctx)
    out_dir = ctx.out_dir / "terraform"
    outputs = []
    for name in FILES:
        text = render_template(
            f"terraform/{name}.j2",
            spec=spec,
            tf=view,
            names=names,
            derive=derive,
            required_version=REQUIRED_VERSION,
            aws_provider_version=AWS_PROVIDER_VERSION,
        )
        outputs.append(Output(out_dir / name, format_hcl(text).encode("utf-8")))
    return outputs


def notes(spec: Spec, ctx: BuildContext) -> list[str]:
    out = []
    if spec.api.disable_schema_validation:
        out.append(
            "terraform: aws_apigatewayv2_api has no disable_schema_validation argument; "
            "the Terraform output leaves schema validation on"
        )
    if not _permission_strategy(spec):
        out.append(
            "terraform: Lambda permissions collapsed to one per function and stage "
            "(.../{api}/{stage}/*), as in the CloudFormation output"
        )
    return out
