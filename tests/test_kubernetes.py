"""The kubernetes target: manifests checked by the real schemas and tools.

* KEDA's CRDs (``ScaledObject``, ``TriggerAuthentication``) from KEDA's public repository,
  read from the shared data folder (never copied here): each manifest validates against the
  CRD's ``openAPIV3Schema`` with jsonschema, and carries no field the schema does not know
  (what the API server's strict field validation rejects).
* The Service against the Kubernetes JSON schemas ``kubernetes-validate`` ships (strict).
* ``kubectl kustomize`` (kustomize inside kubectl) builds the kustomization with an ``api.env``
  and puts the API id and Region into every trigger.
* The triggers' dimensions name the stage and routes the CloudFormation template creates, and
  per-route triggers only where that stage publishes per-route metrics.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.tfhelp import load
from wsspec import keda
from wsspec.build import build_outputs
from wsspec.errors import WsspecError
from wsspec.targets import BuildContext
from wsspec.targets import cloudformation as cf
from wsspec.targets import kubernetes as k8s
from wsspec.writer import write_all

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "eks-keda"
KUBERNETES_VERSION = "1.33"
_CANDIDATES = (
    os.environ.get("WSSPEC_KEDA_CRDS", ""),
    str(ROOT.parent / "shared" / "data" / "keda"),
    str(ROOT.parent.parent / "shared" / "data" / "keda"),
    "/work/shared/data/keda",
)


def _crd_dir() -> Path | None:
    for c in _CANDIDATES:
        if c and (Path(c) / "keda.sh_scaledobjects.yaml").is_file():
            return Path(c)
    return None


@pytest.fixture(scope="module")
def crd_schemas() -> dict[str, dict[str, Any]]:
    """kind -> the openAPIV3Schema of its served version (KEDA's own CRD files)."""
    d = _crd_dir()
    if d is None:
        reason = "KEDA's CRDs not found (shared/data/keda or WSSPEC_KEDA_CRDS)"
        print(f"SKIP KEDA CRD validation: {reason}")
        pytest.skip(reason)
    out = {}
    for name in ("keda.sh_scaledobjects.yaml", "keda.sh_triggerauthentications.yaml"):
        crd = yaml.safe_load((d / name).read_text(encoding="utf-8"))
        (version,) = [v for v in crd["spec"]["versions"] if v.get("served")]
        out[crd["spec"]["names"]["kind"]] = version["schema"]["openAPIV3Schema"]
    return out


def _documents(spec: Any, tmp: Path) -> dict[str, list[dict[str, Any]]]:
    """{file name: its YAML documents} of the kubernetes target."""
    ctx = BuildContext(tmp, tmp / "functions")
    return {
        o.path.name: [d for d in yaml.safe_load_all(o.content) if d is not None]
        for o in k8s.render(spec, ctx)
    }


def _all(files: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [d for docs in files.values() for d in docs]


def unknown_fields(doc: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Fields of ``doc`` a structural schema does not declare (strict field validation)."""
    if isinstance(doc, dict) and schema.get("type") == "object":
        if schema.get("x-kubernetes-preserve-unknown-fields"):
            return []
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        found = []
        for k, v in doc.items():
            if props is not None and k in props:
                found += unknown_fields(v, props[k], f"{path}.{k}")
            elif isinstance(extra, dict):
                found += unknown_fields(v, extra, f"{path}.{k}")
            elif props is not None and extra is not True:
                found.append(f"{path}.{k}")
        return found
    if isinstance(doc, list) and isinstance(schema.get("items"), dict):
        return [e for i, x in enumerate(doc) for e in unknown_fields(x, schema["items"], path)]
    return []


def _check_keda(doc: dict[str, Any], schemas: dict[str, dict[str, Any]]) -> None:
    schema = schemas[doc["kind"]]
    jsonschema.validate(doc, schema, cls=jsonschema.Draft7Validator)
    assert unknown_fields(doc, schema) == [], doc["kind"]


# ----------------------------------------------------------------------------- the schemas
def test_sample_keda_objects_validate_against_keda_crds(
    crd_schemas: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    docs = _all(_documents(load(SAMPLE), tmp_path))
    keda_docs = [d for d in docs if d["apiVersion"].startswith("keda.sh/")]
    kinds = sorted(d["kind"] for d in keda_docs)
    assert kinds == ["ScaledObject", "ScaledObject", "TriggerAuthentication"]
    for d in keda_docs:
        _check_keda(d, crd_schemas)


def test_the_crd_check_rejects_a_broken_scaled_object(
    crd_schemas: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    files = _documents(load(SAMPLE), tmp_path)
    so = next(d for d in _all(files) if d["kind"] == "ScaledObject")
    wrong_type = {**so, "spec": {**so["spec"], "minReplicaCount": "two"}}
    with pytest.raises(jsonschema.ValidationError):
        _check_keda(wrong_type, crd_schemas)
    no_target = {**so, "spec": {k: v for k, v in so["spec"].items() if k != "scaleTargetRef"}}
    with pytest.raises(jsonschema.ValidationError):
        _check_keda(no_target, crd_schemas)
    misspelt = {**so, "spec": {**so["spec"], "maxReplicas": 3}}
    with pytest.raises(AssertionError):
        _check_keda(misspelt, crd_schemas)


def test_sample_service_validates_against_the_kubernetes_schema(tmp_path: Path) -> None:
    docs = _all(_documents(load(SAMPLE), tmp_path))
    services = [d for d in docs if d["kind"] == "Service"]
    assert len(services) == 2
    for s in services:
        kubernetes_validate.validate(s, KUBERNETES_VERSION, strict=True)
    broken = {**services[0], "spec": {**services[0]["spec"], "ports": [{"port": "eighty"}]}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


# ----------------------------------------------------------------------------- the content
def test_service_is_an_internal_nlb_on_the_integration_url_port(tmp_path: Path) -> None:
    spec = load(SAMPLE)
    services = [d for d in _all(_documents(spec, tmp_path)) if d["kind"] == "Service"]
    svc = next(s for s in services if s["metadata"]["name"] == "orders-api")
    ann = svc["metadata"]["annotations"]
    assert svc["spec"]["type"] == "LoadBalancer"
    assert svc["spec"]["loadBalancerClass"] == "service.k8s.aws/nlb"
    assert ann["service.beta.kubernetes.io/aws-load-balancer-scheme"] == "internal"
    assert ann["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"] == "ip"
    nlb = ann["service.beta.kubernetes.io/aws-load-balancer-name"]
    assert len(nlb) <= 32 and not nlb.startswith("internal-")
    assert svc["spec"]["ports"] == [
        {"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}
    ]
    assert svc["spec"]["selector"] == {"app": "orders-api"}
    quotes_svc = next(s for s in services if s["metadata"]["name"] == "quotes")
    assert quotes_svc["spec"]["ports"][0]["port"] == 8081  # http://quotes.internal:8081/ws
    assert quotes_svc["spec"]["selector"] == {"app.kubernetes.io/name": "quotes"}


def test_triggers_read_the_stage_and_routes_cloudformation_creates(tmp_path: Path) -> None:
    spec = load(SAMPLE)
    template = cf.template(spec, BuildContext(tmp_path, tmp_path / "functions"))
    res = template["Resources"]
    stages = {
        r["Properties"]["StageName"]: r["Properties"]
        for r in res.values()
        if r["Type"] == "AWS::ApiGatewayV2::Stage"
    }
    route_keys = {
        r["Properties"]["RouteKey"] for r in res.values() if r["Type"] == "AWS::ApiGatewayV2::Route"
    }
    triggers = [
        t
        for d in _all(_documents(spec, tmp_path))
        if d["kind"] == "ScaledObject"
        for t in d["spec"]["triggers"]
    ]
    assert len(triggers) == 4
    for t in triggers:
        md = t["metadata"]
        assert t["type"] == "aws-cloudwatch"
        assert md["namespace"] == "AWS/ApiGateway"
        names = md["dimensionName"].split(";")
        values = md["dimensionValue"].split(";")
        assert names[:2] == ["ApiId", "Stage"] and len(names) == len(values)
        assert values[0] == keda.API_ID_PLACEHOLDER
        assert values[1] in stages
        if len(names) == 3:
            assert names[2] == "Route" and values[2] in route_keys
            settings = stages[values[1]].get("RouteSettings", {})
            assert settings[values[2]]["DetailedMetricsEnabled"] is True
        assert all(isinstance(v, str) for v in md.values())
    # the API id placeholder is filled from the stack's output, which names the API itself
    env = template["Outputs"][keda.OUTPUT_ENV]["Value"]["Fn::Sub"]
    assert env == "API_ID=${Api}\nAWS_REGION=${AWS::Region}\n"
    assert res["Api"]["Type"] == "AWS::ApiGatewayV2::Api"


def test_every_scaled_object_refers_to_a_trigger_authentication_in_its_namespace(
    tmp_path: Path,
) -> None:
    docs = _all(_documents(load(SAMPLE), tmp_path))
    auths = {
        (d["metadata"]["namespace"], d["metadata"]["name"])
        for d in docs
        if d["kind"] == "TriggerAuthentication"
    }
    for d in docs:
        if d["kind"] == "ScaledObject":
            ns = d["metadata"]["namespace"]
            for t in d["spec"]["triggers"]:
                assert (ns, t["authenticationRef"]["name"]) in auths
    auth = next(d for d in docs if d["kind"] == "TriggerAuthentication")
    assert auth["spec"] == {"podIdentity": {"provider": "aws", "identityOwner": "keda"}}


def test_a_spec_without_kubernetes_gets_no_manifests(tmp_path: Path) -> None:
    spec = load("chat")
    ctx = BuildContext(tmp_path, tmp_path / "functions")
    assert k8s.render(spec, ctx) == [] and k8s.notes(spec, ctx) == []


def test_a_hand_written_file_at_a_manifest_path_is_not_replaced(tmp_path: Path) -> None:
    spec = load(SAMPLE)
    outputs, _ = build_outputs(spec, ["kubernetes"], tmp_path)
    mine = next(o.path for o in outputs if o.path.name == "orders.yaml")
    mine.parent.mkdir(parents=True)
    mine.write_text("apiVersion: v1\nkind: Service\n", encoding="utf-8")
    with pytest.raises(WsspecError) as err:
        write_all(outputs)
    assert err.value.code == "WS012"
    assert mine.read_text(encoding="utf-8") == "apiVersion: v1\nkind: Service\n"


def test_spec_strings_reach_the_manifests_as_data(tmp_path: Path) -> None:
    spec = load(SAMPLE)
    integ = next(i for i in spec.integrations if i.kubernetes is not None)
    assert integ.kubernetes is not None
    nasty = "a: b\n# c\n---\n'\"{x}"
    w = dataclasses.replace(integ.kubernetes, annotations=(("example.com/note", nasty),))
    spec = dataclasses.replace(
        spec,
        integrations=tuple(
            dataclasses.replace(i, kubernetes=w) if i is integ else i for i in spec.integrations
        ),
    )
    svc = next(d for d in _all(_documents(spec, tmp_path)) if d["kind"] == "Service")
    assert svc["metadata"]["annotations"]["example.com/note"] == nasty


# ----------------------------------------------------------------------------- kustomize
@pytest.mark.slow
def test_kustomize_puts_the_api_id_and_region_into_every_trigger(
    crd_schemas: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        print("SKIP kustomize test: kubectl is not installed")
        pytest.skip("kubectl is not installed")
    outputs, _ = build_outputs(load(SAMPLE), ["kubernetes"], tmp_path)
    write_all(outputs)
    kdir = outputs[0].path.parent
    (kdir / keda.ENV_FILE).write_text("API_ID=a1b2c3d4e5\nAWS_REGION=eu-west-1\n")
    proc = subprocess.run(
        [kubectl, "kustomize", str(kdir)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    assert sorted(d["kind"] for d in docs) == [
        "ScaledObject",
        "ScaledObject",
        "Service",
        "Service",
        "TriggerAuthentication",
    ]  # the api.env ConfigMap is local to kustomize, never applied
    seen = 0
    for d in docs:
        if d["kind"] != "ScaledObject":
            continue
        _check_keda(d, crd_schemas)
        for t in d["spec"]["triggers"]:
            assert t["metadata"]["dimensionValue"].startswith("a1b2c3d4e5;prod")
            assert t["metadata"]["awsRegion"] == "eu-west-1"
            seen += 1
    assert seen == 4
    # without api.env kustomize stops: nothing is applied with a placeholder id
    (kdir / keda.ENV_FILE).unlink()
    proc = subprocess.run(
        [kubectl, "kustomize", str(kdir)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode != 0 and keda.ENV_FILE in proc.stderr


# ----------------------------------------------------------------------------- the IAM role
def _pod_identity(spec: Any) -> Any:
    assert spec.kubernetes is not None
    k = dataclasses.replace(
        spec.kubernetes, identity="pod_identity", oidc_issuer=None, cluster="orders-cluster"
    )
    return dataclasses.replace(spec, kubernetes=k)


@pytest.mark.slow
def test_pod_identity_template_passes_cfn_lint(tmp_path: Path) -> None:
    from tests.test_cloudformation_support import cfn_lint, describe, render_template

    content, parsed = render_template(_pod_identity(load(SAMPLE)))
    assert parsed["Resources"][keda.POD_IDENTITY_LOGICAL]["Type"] == (
        "AWS::EKS::PodIdentityAssociation"
    )
    path = tmp_path / "template.yaml"
    path.write_bytes(content)
    found = cfn_lint([path])
    assert not found, describe(found)


@pytest.mark.slow
def test_pod_identity_terraform_passes_fmt_and_validate(
    terraform: dict[str, Any], tmp_path: Path
) -> None:
    import json

    from tests.tfhelp import build, copy_build, init, run

    spec = _pod_identity(load(SAMPLE))
    tf_dir = copy_build(build(spec, tmp_path / "build").parent, tmp_path / "copy")
    assert "aws_eks_pod_identity_association" in (tf_dir / "kubernetes.tf").read_text()
    proc = run(terraform, ["fmt", "-check", "-diff", "-no-color"], tf_dir, check=False)
    assert proc.returncode == 0, proc.stdout
    init(terraform, tf_dir)
    proc = run(terraform, ["validate", "-json", "-no-color"], tf_dir, check=False)
    result = json.loads(proc.stdout)
    assert result["valid"] and result["warning_count"] == 0, result["diagnostics"]


# ----------------------------------------------------------------------------- goldens
def _regen() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "regen_golden", ROOT / "scripts" / "regen_golden.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("sample", sorted(p.stem for p in (ROOT / "samples").glob("*.yaml")))
def test_kubernetes_output_matches_golden(sample: str) -> None:
    regen = _regen()
    files = regen.render(ROOT / "samples" / f"{sample}.yaml", "kubernetes")
    golden = regen.GOLDEN / sample / "kubernetes"
    on_disk = sorted(
        p.relative_to(regen.GOLDEN / sample).as_posix() for p in golden.rglob("*") if p.is_file()
    )
    assert sorted(files) == on_disk, "run: python scripts/regen_golden.py"
    for name, content in files.items():
        assert content == (regen.GOLDEN / sample / name).read_bytes(), (
            f"{sample}/{name} differs from its golden file: python scripts/regen_golden.py"
        )
    assert (sample == SAMPLE) == bool(files)  # only the EKS sample has manifests


# ----------------------------------------------------------------------------- serve
@pytest.fixture()
def backend() -> Any:
    """A local HTTP back end on 127.0.0.1 recording each POST's path and body."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[dict[str, object]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            seen.append({"path": self.path, "body": self.rfile.read(length).decode()})
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()


@pytest.mark.slow
def test_serve_calls_the_url_of_an_integration_on_kubernetes(
    tmp_path: Path, backend: tuple[int, list[dict[str, object]]]
) -> None:
    from websockets.sync.client import connect

    from tests.test_serve_support import Running, make_project, wait_until

    port, seen = backend
    spec = f"""
    wsspec: 1
    api: {{name: orders}}
    routes:
      $default: {{integration: orders}}
    integrations:
      orders:
        type: http
        proxy: true
        vpc_link: nlb
        url: "http://127.0.0.1:{port}/ws"
        kubernetes:
          namespace: orders
          deployment: orders-api
          port: 8080
          scale: {{max: 5, on: {{metric: MessageCount, per_replica: 100}}}}
    kubernetes:
      keda: {{identity: pod_identity, cluster: orders}}
    vpc_links:
      nlb: {{target_arns: ["arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/o/0123456789abcdef"]}}
    """
    with Running(make_project(tmp_path, spec, {})) as srv:
        with connect(srv.url) as ws:
            ws.send('{"item": "sku-1"}')
            wait_until(lambda: len(seen) == 1)
    assert seen[0]["path"] == "/ws" and seen[0]["body"] == '{"item": "sku-1"}'


# ----------------------------------------------------------------------------- deploy
@pytest.mark.slow
def test_deploy_creates_updates_and_destroys_kedas_role(
    moto: Any, aws_env: Any, tmp_path: Path
) -> None:
    import json

    import boto3

    from tests.deploy_util import deploy, is_empty, project, snapshot
    from tests.deploy_util import load as load_project
    from wsspec.deploy.run import outputs

    moto.reset()
    spec = load_project(project(tmp_path, SAMPLE))
    session, result, _ = deploy(spec, moto.url)
    assert result is not None
    iam = boto3.client("iam", endpoint_url=moto.url, region_name="us-east-1")
    name = keda.role_name(spec)
    role = iam.get_role(RoleName=name)["Role"]
    assert role["Description"] == keda.ROLE_DESCRIPTION  # says why the grant is on *
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    (statement,) = trust["Statement"]
    issuer = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
    assert statement["Principal"]["Federated"].endswith(f":oidc-provider/{issuer}")
    assert statement["Condition"]["StringEquals"][f"{issuer}:sub"] == (
        "system:serviceaccount:keda:keda-operator"
    )
    (policy_name,) = iam.list_role_policies(RoleName=name)["PolicyNames"]
    doc = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    assert doc["Statement"] == keda.policy_statements()
    out = outputs(session, result)
    assert out["keda_role_arn"] == role["Arn"]
    assert out["kubernetes_env"] == f"API_ID={out['api_id']}\nAWS_REGION={out['region']}\n"

    # nothing changed: nothing to do
    again, _, counter = deploy(spec, moto.url)
    assert again.plan.empty and counter.writes == []

    # pod identity: the trust policy is updated in place
    k = dataclasses.replace(spec.kubernetes, identity="pod_identity", cluster="orders")
    changed, _, _ = deploy(dataclasses.replace(spec, kubernetes=k), moto.url)
    assert any(s.kind == "role" and s.key == name for s in changed.plan.steps)
    trust = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}

    # a description changed by hand is put back; the function roles keep none
    iam.update_role(RoleName=name, Description="edited")
    fixed, _, _ = deploy(spec, moto.url)
    assert iam.get_role(RoleName=name)["Role"]["Description"] == keda.ROLE_DESCRIPTION
    assert [s.key for s in fixed.plan.steps if s.kind == "role"] == [name]

    deploy(spec, moto.url, destroy=True)
    assert is_empty(snapshot(moto.url)), snapshot(moto.url)
