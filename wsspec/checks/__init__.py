"""Stage 3: WebSocket-specific checks with stable codes (what AWS would reject at deploy time).

One module per rule family, each rule declaring its codes beside it (``@check("WS101", ...)``);
the codes themselves (severity, meaning) live in ``wsspec.codes``:

    unsupported.py   WS701-WS710  features AWS does not offer for WebSocket APIs
    routes.py        WS101-WS117  routes and references (+ WS806-WS808, WS810-WS812)
    limits.py        WS401-WS419  quotas and name/length limits
    selections.py    WS201-WS206  selection expressions (+ WS804, WS860)
    integrations.py  WS301-WS310  integrations (+ WS805, WS809)
    functions.py     WS501-WS506  functions, paths, the connection table (+ WS814, WS861)
    tables.py        WS570-WS579  application tables, access and stream triggers (+ WS160)
    packaging.py     WS560-WS567  dependencies files, layers, exclude patterns
    layers.py        WS568-WS569  layers wsspec builds and the functions using them
    stages.py        WS601-WS607  stages, custom domain, VPC links (+ WS802, WS803, WS813)
    auth.py          WS604-WS605  authorizers (+ WS801 $connect without authorization)
    models.py        WS606        models
    examples.py      WS170-WS171  examples of routes and models (+ WS870)
    models.py        WS606, WS609 models
    monitoring.py    WS620-WS631  alarms, notifications, log retention
    protection.py    WS613-WS617  JWT authorizers, connection caps, API keys and usage plans
                                  (+ WS190, WS191, WS590-WS592, WS890-WS892)
    arns.py          WS608        ARN shapes, used by the families above
    values.py        WS405-WS409  values every target can write (numbers, tags, names, map keys)
    handlers.py      WS540-WS544  what Lambda, the packager and the stub generator need
    runtimes.py      WS545        runtimes by their lifecycle (+ WS840)
    iam.py           WS547-WS548  custom IAM statements, generated roles' actions (+ WS842)
    connections.py   WS546        connection table settings, KMS keys (+ WS740 the alarm topic)
    permissions.py   WS841        route keys that widen a Lambda permission
    kubernetes.py    WS380-WS386  workloads on EKS scaled by KEDA (+ WS180-WS181, WS680-WS682,
                                  WS880)

Checks read the loader's plain data, not the model, so they run even when the schema found
errors. ``CHECKS`` is the run order; findings come out in that order (then ``validate`` sorts
them by position, stably). The unsupported-feature check runs first: its explanatory findings
claim their paths before the other checks look at them.
"""

from __future__ import annotations

from wsspec.checks import (
    auth,
    connections,
    examples,
    functions,
    handlers,
    iam,
    integrations,
    kubernetes,
    layers,
    limits,
    models,
    monitoring,
    packaging,
    permissions,
    protection,
    routes,
    runtimes,
    selections,
    stages,
    tables,
    unsupported,
    values,
)
from wsspec.checks.context import Check, Ctx
from wsspec.errors import Finding
from wsspec.loader import Loaded, Path

CHECKS: tuple[Check, ...] = (
    unsupported.unsupported_features,
    routes.route_keys,
    routes.route_targets,
    routes.route_authorization,
    routes.route_models,
    limits.route_counts,
    selections.selections,
    selections.static_route_selection,
    integrations.integrations,
    limits.names_and_limits,
    functions.functions,
    tables.tables,
    tables.table_references,
    functions.secret_environment,
    packaging.packaging,
    layers.layers,
    stages.stages,
    auth.authorizers,
    models.models,
    examples.examples,
    auth.connect_authorization,
    protection.jwt_authorizers,
    protection.connection_caps,
    protection.api_keys,
    routes.unused,
    monitoring.monitoring,
    values.finite_numbers,
    values.tags,
    values.authorizer_names,
    values.printable_names,
    values.data_keys,
    handlers.packages,
    handlers.stub_shapes,
    runtimes.lifecycle,
    iam.custom_statements,
    iam.integration_role_actions,
    connections.connection_table,
    connections.topic_key,
    permissions.wildcard_route_keys,
    kubernetes.workloads,
    kubernetes.keda_identity,
)


def run(loaded: Loaded, project_dir: str) -> tuple[list[Finding], set[Path]]:
    """All checks on ``loaded.data``; returns (findings, paths whose schema findings to drop)."""
    ctx = Ctx(loaded, project_dir)
    if not isinstance(loaded.data, dict):
        return [], set()
    for rule in CHECKS:
        ctx.current = rule
        try:
            rule.fn(ctx)
        except Exception as exc:  # noqa: BLE001 - a bug in a check must not hide the other findings
            ctx.findings.append(
                loaded.finding(
                    "WS000",
                    (),
                    f"internal error in check {rule.name}: {type(exc).__name__}: {exc}",
                    hint="please report this with the spec file",
                )
            )
    ctx.current = None
    return ctx.findings, ctx.claimed
