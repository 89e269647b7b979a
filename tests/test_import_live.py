"""`wsspec import --api-id` against a moto server on 127.0.0.1: every sample deployed with
`wsspec deploy`, imported back, and `wsspec plan` of the imported spec reports `No changes.`

moto 5.2.1 cannot list models, authorizers or route responses; the reader infers authorizers
and two-way routes from the routes, and says (warning WS978) what it could not read.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from tests.servers import MotoServer
from wsspec.cli import app
from wsspec.importers import ImportOptions, import_live

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
SAMPLES = [
    "chat",
    "auth-http",
    "models-mock",
    "dynamodb-direct",
    "monitoring",
    "multi-stage",
    "chat-rooms",
]


@pytest.fixture(scope="module")
def managed_moto() -> Any:
    """A moto server that knows AWS managed policies (multi-stage attaches one)."""
    import os

    old = os.environ.get("MOTO_IAM_LOAD_MANAGED_POLICIES")
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    try:
        server = MotoServer().start()
    finally:
        if old is None:
            os.environ.pop("MOTO_IAM_LOAD_MANAGED_POLICIES", None)
        else:
            os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = old
    yield server
    server.stop()


@pytest.fixture()
def url(managed_moto: MotoServer, aws_env: dict[str, str]) -> str:
    managed_moto.reset()
    return managed_moto.url


def _cli(*args: str) -> Any:
    return runner.invoke(app, list(args))


def _existing_function(url: str, name: str) -> None:
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1")
    lam = boto3.client("lambda", endpoint_url=url, region_name="us-east-1")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.py", "def h(e, c): return 1\n")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="a.h",
        Code={"ZipFile": buf.getvalue()},
    )


def _deploy(url: str, spec: Path) -> str:
    result = _cli("deploy", str(spec), "--endpoint-url", url, "--yes")
    assert result.exit_code == 0, result.output
    name = __import__("yaml").safe_load(spec.read_text())["api"]["name"]
    apis = boto3.client("apigatewayv2", endpoint_url=url, region_name="us-east-1").get_apis()[
        "Items"
    ]
    return next(a["ApiId"] for a in apis if a["Name"] == name)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "samples", tmp_path / "samples", symlinks=True)
    return tmp_path / "samples"


@pytest.mark.parametrize("sample", SAMPLES)
def test_deployed_sample_imports_and_plan_reports_no_changes(
    sample: str, url: str, project: Path
) -> None:
    if sample == "multi-stage":
        _existing_function(url, "device-config")
    api_id = _deploy(url, project / f"{sample}.yaml")
    out = project / f"{sample}-imported.yaml"
    result = _cli("import", "--api-id", api_id, "--endpoint-url", url, "-o", str(out))
    assert result.exit_code == 0, result.output
    plan = _cli("plan", str(out), "--endpoint-url", url)
    assert plan.exit_code == 0, plan.output
    assert "No changes." in plan.stdout, plan.stdout


def test_imported_names_come_from_wsspecs_own_marks(url: str, project: Path) -> None:
    api_id = _deploy(url, project / "auth-http.yaml")
    result = import_live(api_id, ImportOptions(out_dir=str(project), endpoint_url=url))
    spec = result.spec
    assert spec is not None
    assert spec.route("$disconnect").integration == "backend_proxy"  # from "wsspec:backend_proxy"
    assert spec.vpc_links[0].name == "orders_nlb"  # a link wsspec made (tagged)
    status = spec.integration(spec.route("legacy").integration)
    assert status.vpc_link_id == "abc123"  # a link wsspec does not own stays an id
    assert spec.function("on_connect").handler_path == "handlers/orders_connect.py"
    assert "wsspec:spec" not in spec.api.tags


def test_unknown_api_id_is_one_line_exit_2_nothing_written(url: str, tmp_path: Path) -> None:
    out = tmp_path / "api.yaml"
    result = _cli("import", "--api-id", "nope123", "--endpoint-url", url, "-o", str(out))
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line]
    assert len(lines) == 1 and "error[WS975]" in lines[0]
    assert not out.exists()


def test_http_api_is_not_imported(url: str) -> None:
    c = boto3.client("apigatewayv2", endpoint_url=url, region_name="us-east-1")
    api_id = c.create_api(Name="rest-ish", ProtocolType="HTTP")["ApiId"]
    result = _cli("import", "--api-id", api_id, "--endpoint-url", url)
    assert result.exit_code == 2 and "error[WS975]" in result.stderr and "HTTP" in result.stderr


def test_unreachable_endpoint_is_exit_3(aws_env: dict[str, str]) -> None:
    result = _cli("import", "--api-id", "abc", "--endpoint-url", "http://127.0.0.1:9")
    assert result.exit_code == 3, result.output
    assert "error[WS976]" in result.stderr


class _Wrapped:
    """A boto3 client whose get_function answers a given code location."""

    def __init__(self, inner: Any, location: str) -> None:
        self._inner = inner
        self._location = location

    def get_function(self, **kw: Any) -> Any:
        out = self._inner.get_function(**kw)
        out["Code"] = {"RepositoryType": "S3", "Location": self._location}
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _clients(url: str, location: str) -> Any:
    cache: dict[str, Any] = {}

    from botocore.config import Config

    probe = Config(retries={"mode": "standard", "max_attempts": 1})  # as the importer's own

    def client(service: str) -> Any:
        if service not in cache:
            name, _, kind = service.partition(":")
            cfg = probe if kind == "probe" else None
            c = boto3.client(name, endpoint_url=url, region_name="us-east-1", config=cfg)
            cache[service] = _Wrapped(c, location) if service == "lambda" else c
        return cache[service]

    return client


def test_download_code_unpacks_each_function_and_points_handlers_at_it(
    url: str, project: Path, tmp_path: Path
) -> None:
    api_id = _deploy(url, project / "chat.yaml")
    package = tmp_path / "pkg.zip"
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("on_connect.py", "def handler(e, c):\n    return {'statusCode': 200}\n")
        z.writestr("on_disconnect.py", "def handler(e, c):\n    return {'statusCode': 200}\n")
        z.writestr("send_message.py", "def handler(e, c):\n    return {'statusCode': 200}\n")
    elsewhere = tmp_path / "fresh"
    elsewhere.mkdir()
    opts = ImportOptions(
        out_dir=str(elsewhere), endpoint_url=url, download_code=str(elsewhere / "code")
    )
    result = import_live(api_id, opts, _clients(url, package.as_uri()))
    assert result.spec is not None and not result.warnings
    fn = result.spec.function("on_connect")
    assert fn.handler_path == "code/chat-on_connect/on_connect.py"
    assert (elsewhere / fn.handler_path).is_file()


def test_download_failure_is_a_warning_and_the_import_goes_on(url: str, project: Path) -> None:
    api_id = _deploy(url, project / "chat.yaml")
    opts = ImportOptions(
        out_dir=str(project), endpoint_url=url, download_code=str(project / "code")
    )
    result = import_live(api_id, opts, _clients(url, "http://127.0.0.1:9/nothing.zip"))
    assert [code for code, _ in result.warnings] == ["WS979"] * 3
    assert (
        result.spec is not None
        and result.spec.function("on_connect").handler_path == "handlers/on_connect.py"
    )


def test_api_made_without_wsspec_imports_with_its_functions_and_table(
    url: str, tmp_path: Path
) -> None:
    region = {"endpoint_url": url, "region_name": "us-east-1"}
    iam, lam = boto3.client("iam", **region), boto3.client("lambda", **region)
    ddb, apigw = boto3.client("dynamodb", **region), boto3.client("apigatewayv2", **region)
    ddb.create_table(
        TableName="console-conns",
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    role = iam.create_role(RoleName="console-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/console-conns"}]}'
    iam.put_role_policy(RoleName="console-role", PolicyName="table", PolicyDocument=policy)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("connect.py", "def handler(e, c):\n    return {'statusCode': 200}\n")
    arn = lam.create_function(
        FunctionName="console-connect",
        Runtime="python3.12",
        Role=role,
        Handler="connect.handler",
        Code={"ZipFile": buf.getvalue()},
        Environment={"Variables": {"TABLE": "console-conns"}},
        Timeout=7,
    )["FunctionArn"]
    api_id = apigw.create_api(
        Name="console-chat",
        ProtocolType="WEBSOCKET",
        RouteSelectionExpression="$request.body.action",
    )["ApiId"]
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
    integ = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=uri)[
        "IntegrationId"
    ]
    apigw.create_route(ApiId=api_id, RouteKey="$connect", Target=f"integrations/{integ}")
    apigw.create_stage(ApiId=api_id, StageName="dev", AutoDeploy=True)
    (tmp_path / "connect.py").write_text("def handler(e, c):\n    return {'statusCode': 200}\n")
    result = import_live(api_id, ImportOptions(out_dir=str(tmp_path), endpoint_url=url))
    spec = result.spec
    assert spec is not None and spec.api.name == "console-chat"
    fn = spec.function("console-connect")
    assert fn.handler_path == "connect.py" and fn.timeout == 7 and fn.connection_table
    assert fn.environment == {"TABLE": "console-conns"}
    assert spec.connections is not None and spec.connections.table_name == "console-conns"
    assert spec.stages[0].name == "dev" and spec.stages[0].auto_deploy
