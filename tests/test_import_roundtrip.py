"""Round trips: spec -> `wsspec build` (CloudFormation YAML/JSON, Terraform) -> `wsspec import`
-> the same frozen model, for every sample and for generated specs.

Facts no template carries are normalised before comparing (docs/import.md, "What a round trip
keeps"): a connection table named exactly as wsspec would name it comes back without
`table_name`; `connections.ttl_seconds` lives only in the environment of functions with the
`connection_table` grant; log retention without any log group and tracing without any function
leave nothing behind. Terraform has no argument for `api.disable_schema_validation`.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from wsspec import derive, names
from wsspec.alarms import expand as alarms
from wsspec.cli import app
from wsspec.importers import ImportOptions, import_path
from wsspec.model import DEFAULT_TTL_SECONDS, Spec
from wsspec.monitoring import build_monitoring
from wsspec.validate import validate_file, validate_text

ROOT = Path(__file__).resolve().parent.parent
# Samples `wsspec import` cannot read back yet, with the reason (a test below pins what it
# reports instead, so the gap is visible rather than silent).
NOT_ROUND_TRIPPED = {
    "protected-chat": "import does not read issue 18's resources yet (usage plans, API keys, "
    "the generated JWT authorizer and connection guard, the ConnectionsRejected alarm)",
    "eks-keda": "an integration's `kubernetes` settings (workload, scaling triggers) live in the "
    "Kubernetes manifests, which no template holds; import reports KEDA's CloudWatch role as "
    "not imported",
}
SAMPLES = sorted(p for p in (ROOT / "samples").glob("*.yaml") if p.stem not in NOT_ROUND_TRIPPED)
runner = CliRunner()


def normalise(spec: Spec, target: str) -> Spec:
    """The model with the facts the target cannot carry set as an import reads them."""
    conn = spec.connections
    if conn is not None:
        derived = dataclasses.replace(conn, table_name=None)
        same_name = (
            names.table_name(dataclasses.replace(spec, connections=derived)) == conn.table_name
        )
        table_users = any(f.connection_table for f in spec.functions)
        conn = dataclasses.replace(
            conn,
            table_name=None if same_name else conn.table_name,
            ttl_seconds=conn.ttl_seconds if table_users else DEFAULT_TTL_SECONDS,
        )
    api = spec.api
    if target == "terraform":
        api = dataclasses.replace(api, disable_schema_validation=False)
    # documentation only (summary, description, examples, pushes) never reaches AWS, nor do
    # models no route uses
    routes = tuple(
        dataclasses.replace(r, summary=None, description=None, examples=(), pushes=())
        for r in spec.routes
    )
    models = tuple(
        dataclasses.replace(m, summary=None, examples=()) for m in derive.deployed_models(spec)
    )
    # every stage carries the API's tags (a template cannot tell them from the stage's own)
    stages = tuple(
        dataclasses.replace(
            st, tags={k: v for k, v in st.tags.items() if spec.api.tags.get(k) != v}
        )
        for st in spec.stages
    )
    return dataclasses.replace(
        spec,
        connections=conn,
        api=api,
        monitoring=_monitoring(spec),
        routes=routes,
        models=models,
        stages=stages,
    )


def _monitoring(spec: Spec) -> Any:
    """Retention with no log group to keep and tracing with no function to trace leave no trace."""
    mon = spec.monitoring
    if mon is None:
        return None
    groups = bool(spec.functions) or any(
        s.access_log is not None and s.access_log.destination_arn is None for s in spec.stages
    )
    mon = dataclasses.replace(
        mon,
        log_retention_days=mon.log_retention_days
        if groups
        else build_monitoring({"preset": mon.preset}).log_retention_days,  # type: ignore[union-attr]
        tracing=mon.tracing and bool(spec.functions),
    )
    return None if mon == build_monitoring({}) else mon


def build(spec_path: Path, out: Path, *targets: str, fmt: str = "yaml") -> Path:
    args = ["build", str(spec_path), "-o", str(out), "--format", fmt]
    for t in targets:
        args += ["-t", t]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    (built,) = [p for p in out.iterdir() if p.is_dir()]
    return built


def reimport(source: Path, project: Path) -> Spec:
    result = import_path(str(source), ImportOptions(out_dir=str(project)))
    checked = validate_text(result.text, project_dir=str(project))
    assert checked.spec is not None, [f.render() for f in checked.findings]
    assert not result.not_imported, [n.comment for n in result.not_imported]
    return checked.spec


def monitoring_effect(spec: Spec) -> Any:
    """What monitoring makes: the concrete alarms, the topic, retention, tracing."""
    mon = spec.monitoring
    if mon is None:
        return None
    notify = (mon.topic_emails, mon.topic_https, mon.create_topic, mon.topic_arns)
    return (tuple(alarms(spec)), notify, mon.log_retention_days, mon.tracing)


def assert_same(original: Spec, imported: Spec, target: str, *, exact: bool = True) -> None:
    """The same model; with ``exact=False`` monitoring is compared by what it makes, since one
    stage's override and the definition it overrides cannot be told apart in any template."""
    want, got = normalise(original, target), normalise(imported, target)
    for f in dataclasses.fields(Spec):
        if not f.compare:
            continue
        if f.name == "monitoring" and not exact:
            assert monitoring_effect(got) == monitoring_effect(want), f.name
        else:
            assert getattr(got, f.name) == getattr(want, f.name), f.name


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "samples", tmp_path / "samples", symlinks=True)
    return tmp_path / "samples"


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("target", ["cloudformation", "terraform"])
def test_sample_round_trips_to_the_same_model(sample: Path, target: str, project: Path) -> None:
    original = validate_file(str(project / sample.name)).spec
    assert original is not None
    built = build(project / sample.name, project.parent / "build", target)
    source = (
        built / "cloudformation" / "template.yaml"
        if target == "cloudformation"
        else built / "terraform"
    )
    assert_same(original, reimport(source, project), target)


@pytest.mark.parametrize("target", ["cloudformation", "terraform"])
def test_issue_18_resources_are_reported_as_not_imported(target: str, project: Path) -> None:
    built = build(project / "protected-chat.yaml", project.parent / "build", target)
    source = (
        built / "cloudformation" / "template.yaml"
        if target == "cloudformation"
        else built / "terraform"
    )
    result = import_path(str(source), ImportOptions(out_dir=str(project)))
    assert validate_text(result.text, project_dir=str(project)).spec is not None
    told = " ".join(n.comment for n in result.not_imported)
    for kind in ("UsagePlan", "ApiKey", "UsagePlanKey", "Alarm"):
        word = kind if target == "cloudformation" else f"aws_api_gateway_{snake(kind)}"
        if kind == "Alarm":
            word = "ConnectionsRejected" if target == "cloudformation" else "connections_rejected"
        assert word.lower() in told.lower(), (word, told)


@pytest.mark.parametrize("target", ["cloudformation", "terraform"])
def test_kedas_role_is_reported_as_not_imported(target: str, project: Path) -> None:
    built = build(project / "eks-keda.yaml", project.parent / "build", target)
    source = (
        built / "cloudformation" / "template.yaml"
        if target == "cloudformation"
        else built / "terraform"
    )
    result = import_path(str(source), ImportOptions(out_dir=str(project)))
    assert validate_text(result.text, project_dir=str(project)).spec is not None
    told = " ".join(n.comment for n in result.not_imported)
    assert "keda" in told.lower(), told


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


@pytest.mark.parametrize("sample", ["chat", "auth-http"])
def test_json_template_round_trips_too(sample: str, project: Path) -> None:
    original = validate_file(str(project / f"{sample}.yaml")).spec
    assert original is not None
    built = build(
        project / f"{sample}.yaml", project.parent / "build", "cloudformation", fmt="json"
    )
    assert_same(
        original, reimport(built / "cloudformation" / "template.json", project), "cloudformation"
    )


def test_300_route_spec_round_trips(tmp_path: Path) -> None:
    from benchmarks.gen_spec import write

    spec_path = write(300, tmp_path)
    original = validate_file(str(spec_path)).spec
    assert original is not None
    for fn in original.functions:
        (tmp_path / fn.handler_path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / fn.handler_path).write_text(f"def handler(e, c):\n    return '{fn.name}'\n")
    built = build(spec_path, tmp_path / "build", "cloudformation", "terraform")
    assert_same(
        original, reimport(built / "cloudformation" / "template.yaml", tmp_path), "cloudformation"
    )
    assert_same(original, reimport(built / "terraform", tmp_path), "terraform")


# ----------------------------------------------------------------------------- generated specs
WORD = st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=7)
NAME = st.builds(lambda a, b: f"{a}_{b}" if b else a, WORD, st.one_of(st.just(""), WORD)).filter(
    lambda n: not n.endswith(("_fn", "_route"))
)
TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20
)


def _function(draw: Any, name: str) -> tuple[dict[str, Any], dict[str, str]]:
    layout = draw(st.sampled_from(["flat", "dir", "nested", "node"]))
    files: dict[str, str] = {}
    fn: dict[str, Any]
    if layout == "flat":
        fn = {"handler": f"handlers/{name}.py"}
    elif layout == "dir":
        fn = {"handler": f"src/{name}/app.py"}
    elif layout == "nested":
        fn = {"handler": f"svc/{name}/pkg/main.py", "source": f"svc/{name}"}
    else:
        fn = {"handler": f"web/{name}/index.mjs"}
    body = (
        f"export const handler = async () => '{name}';\n"
        if layout == "node"
        else f"def handler(e, c):\n    return '{name}'\n"
    )
    if draw(st.booleans()):
        fn["entry"] = "main"
        body = body.replace("handler", "main")
    files[fn["handler"]] = body
    for key, strat in (
        ("memory", st.sampled_from([128, 256, 1769])),
        ("timeout", st.integers(1, 60)),
        ("architecture", st.sampled_from(["x86_64", "arm64"])),
        ("description", TEXT),
        (
            "environment",
            st.dictionaries(
                st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True),
                st.one_of(TEXT, st.integers(0, 99)),
                max_size=2,
            ),
        ),
        (
            "grants",
            st.lists(
                st.sampled_from(["manage_connections", "connection_table"]), unique=True, min_size=1
            ),
        ),
    ):
        if draw(st.booleans()):
            fn[key] = draw(strat)
    if layout != "node" and draw(st.booleans()):
        fn["runtime"] = draw(st.sampled_from(["python3.11", "python3.12", "python3.13"]))
    if draw(st.booleans()):
        fn["iam"] = [
            {"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::bucket/*"]},
            {"effect": "Deny", "actions": ["s3:DeleteObject"]},
        ][: draw(st.integers(1, 2))]
    return fn, files


def _integration(draw: Any, functions: list[str]) -> dict[str, Any]:
    kind = draw(st.sampled_from(["http", "mock", "aws"] + (["lambda"] if functions else [])))
    out: dict[str, Any] = {"type": kind}
    if kind == "http":
        out["url"] = "https://backend.example.com/" + draw(WORD)
        if draw(st.booleans()):
            out["proxy"] = True
        else:
            out["method"] = draw(st.sampled_from(["get", "put", "post"]))
            out["responses"] = {"$default": {}}
    elif kind == "mock":
        out["request_templates"] = {"$default": '{"statusCode": 200}'}
        out["responses"] = {"$default": {"templates": {"$default": draw(TEXT)}}}
    elif kind == "aws":
        out.update(
            draw(
                st.sampled_from(
                    [
                        {
                            "service": "sqs",
                            "path": "123456789012/q",
                            "credentials": "arn:aws:iam::123456789012:role/r",
                        },
                        {
                            "service": "dynamodb",
                            "action": "PutItem",
                            "resources": ["connection_table"],
                        },
                        {
                            "service": "sns",
                            "action": "Publish",
                            "actions": ["sns:Publish"],
                            "resources": ["arn:aws:sns:us-east-1:123456789012:t"],
                        },
                    ]
                )
            )
        )
        out["responses"] = {"$default": {}}
    elif draw(st.integers(0, 4)) == 0:
        out["arn"] = "arn:aws:lambda:us-east-1:123456789012:function:existing"
    else:
        out["function"] = draw(st.sampled_from(functions))
        out["proxy"] = draw(st.booleans())
        if not out["proxy"]:
            out["responses"] = {"$default": {}}
    if kind != "mock" and draw(st.booleans()):
        out["timeout_ms"] = draw(st.integers(50, 29000))
    if draw(st.booleans()):
        out["description"] = draw(TEXT)
    return out


@st.composite
def generated(draw: Any) -> tuple[dict[str, Any], dict[str, str]]:
    api_name = draw(st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True))
    fn_names = draw(st.lists(NAME, max_size=3, unique=True))
    functions: dict[str, Any] = {}
    files: dict[str, str] = {}
    for name in fn_names:
        functions[name], more = _function(draw, name)
        files.update(more)
    named = {n: _integration(draw, fn_names) for n in draw(st.lists(NAME, max_size=2, unique=True))}
    keys = draw(
        st.lists(
            st.from_regex(r"[a-z][a-zA-Z0-9/._-]{0,8}", fullmatch=True),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    keys += [k for k in ("$connect", "$disconnect", "$default") if draw(st.booleans())]
    routes: dict[str, Any] = {}
    for key in keys:
        choice = draw(st.sampled_from(["function", "named", "inline"]))
        if choice == "function" and fn_names:
            route: dict[str, Any] = {"function": draw(st.sampled_from(fn_names))}
        elif choice == "named" and named:
            route = {"integration": draw(st.sampled_from(sorted(named)))}
        else:
            route = {"integration": _integration(draw, fn_names)}
        if key != "$connect" and draw(st.booleans()):
            route["response"] = True
        if draw(st.booleans()):
            route["operation_name"] = draw(WORD)
        routes[key] = route
    authorizers: dict[str, Any] = {}
    if "$connect" in routes:
        if fn_names and draw(st.booleans()):
            authorizers["gate"] = {"function": draw(st.sampled_from(fn_names))}
            if draw(st.booleans()):
                authorizers["gate"]["identity_source"] = ["route.request.querystring.token"]
            routes["$connect"]["authorizer"] = "gate"
        else:
            routes["$connect"]["authorization"] = draw(st.sampled_from(["none", "iam"]))
        if draw(st.booleans()):
            routes["$connect"]["request_parameters"] = {
                "route.request.querystring.token": draw(st.booleans())
            }
    models: dict[str, Any] = {}
    if draw(st.booleans()):
        models["Msg"] = {
            "schema": {
                "$schema": "http://json-schema.org/draft-04/schema#",
                "type": "object",
                "required": ["a"],
                "properties": {"a": {"type": "string"}},
            }
        }
        target = routes[keys[0]]
        target["request_models"] = {"$default": "Msg"}
        target["model_selection"] = "$default"
        if keys[0] != "$connect" and draw(st.booleans()):
            target["response"] = {"models": {"$default": "Msg"}}
    stages = {}
    for name in draw(
        st.lists(
            st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True),
            min_size=1,
            max_size=2,
            unique=True,
        )
    ):
        stage: dict[str, Any] = {}
        if draw(st.booleans()):
            stage["throttling"] = {
                "burst": draw(st.integers(1, 5000)),
                "rate": draw(st.sampled_from([0.5, 10, 2500.25])),
            }
        if draw(st.booleans()):
            stage["auto_deploy"] = True
        if draw(st.booleans()):
            stage["variables"] = {"env": draw(WORD)}
        if draw(st.booleans()):
            stage["access_logs"] = True
        if draw(st.booleans()):
            stage["routes"] = {keys[0]: {"detailed_metrics": True}}
        stages[name] = stage
    spec: dict[str, Any] = {
        "wsspec": 1,
        "api": {"name": api_name},
        "routes": routes,
        "stages": stages,
    }
    if draw(st.booleans()):
        spec["api"]["description"] = draw(TEXT)
    if draw(st.booleans()):
        spec["api"]["route_selection"] = "$request.body." + draw(WORD)
    if named:
        spec["integrations"] = named
    if authorizers:
        spec["authorizers"] = authorizers
    if models:
        spec["models"] = models
    if draw(st.booleans()):
        spec["domain"] = {
            "name": "ws.example.com",
            "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            "base_path": "v1",
            "stage": list(stages)[-1],
        }
    if draw(st.booleans()):
        spec["account"] = {"cloudwatch_role": True}
        first = stages[list(stages)[0]]
        first["logging"] = draw(st.sampled_from(["error", "info"]))
    if functions:
        spec["functions"] = functions
    if draw(st.booleans()) or any(
        "connection_table" in f.get("grants", []) for f in functions.values()
    ):
        spec["connections"] = draw(
            st.sampled_from(
                [
                    True,
                    {"ttl_attribute": "expires"},
                    {"table_name": "t-" + api_name, "ttl_seconds": 600},
                ]
            )
        )
    if draw(st.booleans()):
        first_stage = list(stages)[0]
        spec["monitoring"] = draw(
            st.sampled_from(
                [
                    "recommended",
                    {"log_retention_days": 7, "tracing": True},
                    {
                        "preset": "recommended",
                        "alarms": {
                            "connect-spike": {"threshold": 10},
                            "client-errors": False,
                            "busy": {"metric": "MessageCount", "threshold": 500, "period": 60},
                        },
                        "stages": {first_stage: {"alarms": {"connect-spike": {"threshold": 3}}}},
                        "notify": {
                            "topic": {"email": ["ops@example.com"]},
                            "topic_arns": ["arn:aws:sns:us-east-1:123456789012:x"],
                        },
                    },
                ]
            )
        )
    if any(
        r.get("integration", {}).get("resources") == ["connection_table"]
        for r in routes.values()
        if isinstance(r.get("integration"), dict)
    ) or any(i.get("resources") == ["connection_table"] for i in named.values()):
        spec.setdefault("connections", True)
    return spec, files


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=generated())
def test_generated_specs_round_trip_through_both_targets(
    case: tuple[dict[str, Any], dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    data, files = case
    project = tmp_path_factory.mktemp("gen")
    for rel, body in files.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(body)
    spec_path = project / "spec.yaml"
    spec_path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    checked = validate_file(str(spec_path))
    assume(checked.spec is not None and not checked.errors)
    assert checked.spec is not None
    built = build(spec_path, project / "build", "cloudformation", "terraform")
    cfn = reimport(built / "cloudformation" / "template.yaml", project)
    assert_same(checked.spec, cfn, "cloudformation", exact=False)
    assert_same(checked.spec, reimport(built / "terraform", project), "terraform", exact=False)
