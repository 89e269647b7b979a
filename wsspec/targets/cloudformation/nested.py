"""CloudFormation for APIs too large for one stack: nested stacks that ``package`` uploads.

Used by the CloudFormation target (``wsspec.targets.cloudformation``) only when the single template would exceed
500 resources *even with* one Lambda permission per function and stage. The single template is
built as usual (one source of truth), then its resources are partitioned:

* routes (with their route responses) go to ``routes-N.<fmt>`` child templates;
* if the parent is still over budget, functions (each with its log group, execution role and
  collapsed route permissions) go to ``functions-N.<fmt>`` child templates;
* everything else (API, models, authorizers, integrations, stages, the Deployment, the table,
  monitoring, outputs) stays in the parent ``template.<fmt>``.

Each child is an ``AWS::CloudFormation::Stack`` in the parent with a local ``TemplateURL``
(``aws cloudformation package`` uploads it, and the child's own local ``Code`` paths). References
across stacks are rewritten generically: inside a child, ``Ref X``/``${X}`` of a parent
resource becomes a child parameter named ``X`` (``Fn::GetAtt [X, A]`` becomes parameter ``XA``),
passed by the parent; a parent reference to a child resource becomes
``Fn::GetAtt [NestedX, Outputs.Y]``; a ``DependsOn`` across stacks becomes a dependency of the
child stack. The Deployment depends on every child stack.

Placement is by a stable hash of the route key (function name), into a number of children that
is a power of two, so adding or removing a route never moves another route between stacks unless
the number of children doubles. (A route that moves between stacks is deleted from one and
created in the other in one update; the create can conflict with the not-yet-deleted route key.)
"""

from __future__ import annotations

import re
from typing import Any

from wsspec import derive, names
from wsspec.errors import WsspecError
from wsspec.model import Spec
from wsspec.targets import BuildContext, Output
from wsspec.targets.cloudformation.intrinsics import Json, package_only, put, tag_list
from wsspec.targets.cloudformation.serialise import is_wsspec_template, serialise, template_path

PARAMETER_LIMIT = 200  # parameters per template (CloudFormation quota)
OUTPUT_LIMIT = 200  # outputs per template (CloudFormation quota)

_SUB_TOKEN = re.compile(r"\$\{([^!}][^}]*)\}")


_bucket = derive.bucket


def _fail(spec: Spec, message: str, hint: str) -> WsspecError:
    return WsspecError(message, code="WS420", file=spec.source_file or None, hint=hint)


# ----------------------------------------------------------------------------- placement
def placement(spec: Spec, resources: dict[str, Json]) -> dict[str, tuple[str, int]]:
    """logical ID -> (kind, number) for every resource that leaves the parent."""
    moved: dict[str, tuple[str, int]] = {}
    groups = []
    for route in spec.routes:
        ids = [names.route_logical(route.key)]
        if route.two_way:
            ids.append(names.route_response_logical(route.key))
        groups.append((route.key, ids))
    count = derive.route_stack_count(spec)
    for key, ids in groups:
        for logical in ids:
            moved[logical] = ("routes", _bucket(key, count) + 1)
    parent = len(resources) - len(moved) + len({v for v in moved.values()})
    budget = derive.CFN_RESOURCE_LIMIT - derive.CFN_RESOURCE_HEADROOM
    if parent > budget and spec.functions:
        by_function: dict[str, list[str]] = {}
        for fn in spec.functions:
            by_function[fn.name] = [
                names.function_log_group_logical(fn.name),
                names.function_role_logical(fn.name),
                names.function_logical(fn.name),
            ]
        for perm in derive.lambda_permissions(spec, per_route=False):
            if perm.function is not None and perm.authorizer is None:
                by_function[perm.function].append(names.permission_logical(perm.key))
        fcount = derive.function_stack_count(spec)
        for fn_name, ids in by_function.items():
            for logical in ids:
                if logical in resources:
                    moved[logical] = ("functions", _bucket(fn_name, fcount) + 1)
    return moved


# ----------------------------------------------------------------------------- rewriting
class _Split:
    def __init__(self, resources: dict[str, Json], moved: dict[str, tuple[str, int]]) -> None:
        self.resources = resources
        self.home = {k: names.nested_stack_logical(*v) for k, v in moved.items()}
        self.params: dict[str, Json] = {}  # child -> {parameter: parent-side value}
        self.outputs: dict[str, Json] = {}  # child -> {output: child-side value}
        self.stack_deps: dict[str, set[str]] = {}  # child -> parent/child logical IDs

    def where(self, logical: str) -> str | None:
        return self.home.get(logical)

    def resolve(self, ctx: str | None, logical: str, attr: str | None) -> Json:
        """How stack ``ctx`` (None: the parent) refers to ``Ref logical`` / its attribute."""
        native: Json = {"Ref": logical} if attr is None else {"Fn::GetAtt": [logical, attr]}
        loc = self.where(logical)
        if loc == ctx:
            return native
        name = logical + (attr or "").replace(".", "")
        if ctx is None:  # parent -> child output (``loc``, a child: it differs from ``ctx``)
            assert loc is not None
            self.outputs.setdefault(loc, {})[name] = native
            return {"Fn::GetAtt": [loc, f"Outputs.{name}"]}
        params = self.params.setdefault(ctx, {})
        if name not in params:
            params[name] = self.resolve(None, logical, attr)
        return {"Ref": name}

    def known(self, logical: Any) -> bool:
        return isinstance(logical, str) and logical in self.resources

    def rewrite(self, value: Any, ctx: str | None) -> Any:
        if isinstance(value, list):
            return [self.rewrite(v, ctx) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and self.known(arg) and self.where(arg) != ctx:
                return self.resolve(ctx, arg, None)
            if (
                key == "Fn::GetAtt"
                and isinstance(arg, list)
                and len(arg) == 2
                and self.known(arg[0])
                and self.where(arg[0]) != ctx
            ):
                return self.resolve(ctx, arg[0], arg[1])
            if key == "Fn::Sub":
                return {"Fn::Sub": self._sub(arg, ctx)}
        return {k: self.rewrite(v, ctx) for k, v in value.items()}

    def _sub(self, arg: Any, ctx: str | None) -> Any:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], dict(arg[1]))
        variables = {k: self.rewrite(v, ctx) for k, v in variables.items()}

        def token(m: re.Match[str]) -> str:
            name = m.group(1)
            logical, _, attr = name.partition(".")
            if name in variables or not self.known(logical) or self.where(logical) == ctx:
                return m.group(0)
            var = logical + attr.replace(".", "")
            variables[var] = self.resolve(ctx, logical, attr or None)
            return "${" + var + "}"

        text = _SUB_TOKEN.sub(token, text)
        return [text, variables] if variables else text

    def depends(self, res: Json, ctx: str | None) -> Json:
        deps = res.get("DependsOn")
        if not deps:
            return res
        keep: list[str] = []
        for dep in deps:
            loc = self.where(dep)
            if loc == ctx:
                keep.append(dep)
            elif ctx is None:  # a parent resource waits for a child: for its stack
                assert loc is not None
                keep.append(loc)
            else:  # a child waits for a resource elsewhere: the child stack does
                self.stack_deps.setdefault(ctx, set()).add(loc or dep)
        out = dict(res)
        if keep:
            out["DependsOn"] = sorted(set(keep))
        else:
            del out["DependsOn"]
        return out


# ----------------------------------------------------------------------------- the split
def split(spec: Spec, doc: Json, ctx: BuildContext) -> tuple[Json, list[tuple[str, Json]]]:
    """(parent template, [(child file name, child template)]) as plain data."""
    resources: dict[str, Json] = doc["Resources"]
    moved = placement(spec, resources)
    s = _Split(resources, moved)
    children: dict[str, dict[str, Json]] = {}
    for logical, res in resources.items():  # template order: children read like the template
        if logical in moved:
            children.setdefault(s.home[logical], {})[logical] = res
    order = sorted(children, key=lambda c: (not c.startswith("NestedRoutes"), len(c), c))
    child_docs: dict[str, Json] = {}
    for child in order:
        res = {k: s.depends(s.rewrite(v, child), child) for k, v in children[child].items()}
        child_docs[child] = res
    parent: dict[str, Json] = {}
    for logical, res in resources.items():
        if logical not in moved:
            parent[logical] = s.depends(s.rewrite(res, None), None)
    outputs = s.rewrite(doc.get("Outputs", {}), None)
    kinds = {names.nested_stack_logical(*v): v for v in moved.values()}
    files: list[tuple[str, Json]] = []
    for child in order:
        kind, number = kinds[child]
        fname = names.nested_template_name(kind, number, ctx.template_format)
        child_doc, parent[child] = _child(spec, s, child, fname, (kind, number), child_docs[child])
        files.append((fname, child_doc))
    for res in parent.values():  # the Deployment snapshots routes from every child
        if res["Type"] == "AWS::ApiGatewayV2::Deployment":
            res["DependsOn"] = sorted(set(res.get("DependsOn", [])) | set(order))
    _check_sizes(spec, parent, files)
    parent_doc = {k: v for k, v in doc.items() if k not in ("Resources", "Outputs")}
    parent_doc["Resources"] = parent
    parent_doc["Outputs"] = outputs
    return parent_doc, files


def _child(
    spec: Spec, s: _Split, child: str, fname: str, where: tuple[str, int], resources: Json
) -> tuple[Json, Json]:
    """(the child template, the ``AWS::CloudFormation::Stack`` the parent holds for it)."""
    params = s.params.get(child, {})
    outs = s.outputs.get(child, {})
    if len(params) > PARAMETER_LIMIT or len(outs) > OUTPUT_LIMIT:
        raise _fail(
            spec,
            f"nested stack {fname} would need {len(params)} parameters and "
            f"{len(outs)} outputs; CloudFormation allows {PARAMETER_LIMIT} of each "
            "(quota: parameters/outputs per template)",
            "move routes onto fewer integrations, or split the API",
        )
    child_doc: Json = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": _child_description(spec, *where),
    }
    if params:
        child_doc["Parameters"] = {
            p: {"Type": "String", "Description": f"{p} (from the parent stack)"} for p in params
        }
    child_doc["Resources"] = resources
    if outs:
        child_doc["Outputs"] = {
            o: {"Description": f"{o} for the parent stack", "Value": v} for o, v in outs.items()
        }
    stack: Json = {"Type": "AWS::CloudFormation::Stack"}
    deps = sorted(s.stack_deps.get(child, set()))
    if deps:
        stack["DependsOn"] = deps
    stack["Metadata"] = package_only()  # a local TemplateURL
    props: Json = {"TemplateURL": fname}
    if params:
        props["Parameters"] = params
    put(props, "Tags", tag_list(derive.tags(spec)))
    stack["Properties"] = props
    return child_doc, stack


def _check_sizes(spec: Spec, parent: dict[str, Json], files: list[tuple[str, Json]]) -> None:
    if len(parent) > derive.CFN_RESOURCE_LIMIT:
        raise _fail(
            spec,
            f"even with routes and functions in {len(files)} nested stacks the parent "
            f"CloudFormation stack would have {len(parent)} resources; CloudFormation allows "
            f"{derive.CFN_RESOURCE_LIMIT} per stack (quota: resources per stack); the parent "
            "keeps the API, integrations, integration responses, authorizers, models and stages",
            "move routes onto fewer (shared) integrations, or split the API",
        )
    for fname, child_doc in files:
        if len(child_doc["Resources"]) > derive.CFN_RESOURCE_LIMIT:  # pragma: no cover - hashing
            raise _fail(
                spec,
                f"nested stack {fname} would have {len(child_doc['Resources'])} "
                f"resources (limit {derive.CFN_RESOURCE_LIMIT})",
                "split the API",
            )


def _child_description(spec: Spec, kind: str, number: int) -> str:
    return f"wsspec: WebSocket API {spec.api.name} - {kind} (nested stack {number})"[:1024]


def render(spec: Spec, ctx: BuildContext, doc: Json) -> tuple[list[Output], str]:
    """Outputs for the parent (first) and every child, and the build note saying how."""
    total = len(doc["Resources"])
    parent, files = split(spec, doc, ctx)
    main = template_path(ctx)
    outputs: list[Output] = []
    for path, body in [(main, parent)] + [(main.parent / f, d) for f, d in files]:
        data = serialise(body, ctx.template_format)
        if len(data) > derive.CFN_TEMPLATE_LIMIT:
            raise WsspecError(
                f"the CloudFormation template {path.name} is {len(data)} bytes; CloudFormation "
                f"allows {derive.CFN_TEMPLATE_LIMIT} bytes (quota: template body size in S3)",
                code="WS421",
                file=spec.source_file or None,
                hint="shorten mapping templates and model schemas, or split the API",
            )
        outputs.append(Output(path, data, ours=is_wsspec_template))
    routes = [f for f, _ in files if f.startswith("routes-")]  # in stack-number order
    fns = [f for f, _ in files if f.startswith("functions-")]
    where = f"routes in {len(routes)} nested stacks ({routes[0]} ... {routes[-1]})"
    if fns:
        where += f", functions in {len(fns)} ({', '.join(fns)})"
    sizes = [len(d["Resources"]) for _, d in files]
    note = (
        f"cloudformation: {total} resources do not fit one stack (limit "
        f"{derive.CFN_RESOURCE_LIMIT}) even with collapsed permissions: {where}; the parent has "
        f"{len(parent['Resources'])} resources, each child at most {max(sizes)}. "
        "`aws cloudformation package` uploads the child templates (use --s3-bucket)"
    )
    return outputs, note
