"""Handler logs as Lambda's runtimes write them (issue 15), and the function ``logging`` setting
that chooses the format: serve formats Python ``logging`` and Node ``console.*`` lines with the
request id, in text or JSON, filtered by the level; the CloudFormation, Terraform and direct
deploy back ends all carry the same LoggingConfig."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from websockets.sync.client import connect

from tests.test_serve_support import Running, load, make_project, wait_until
from wsspec.build import build_outputs

SPEC = """
wsspec: 1
api: {name: logs}
routes:
  text: {function: text, response: true}
  json: {function: as_json, response: true}
  node: {function: node_json, response: true}
functions:
  text: {handler: handlers/text.py}
  as_json:
    handler: handlers/as_json.py
    logging: {level: info}
  node_json:
    handler: handlers/node_json.js
    logging: {format: json, level: warn}
"""
PY = """
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    logger.debug("not shown")
    logger.info("handled %s", event["requestContext"]["routeKey"])
    return {"statusCode": 200, "body": context.aws_request_id}
"""
AS_JSON = """
import logging

logger = logging.getLogger("orders")


def handler(event, context):
    logger.debug("filtered by AWS_LAMBDA_LOG_LEVEL")
    logger.info("json line")
    return {"statusCode": 200, "body": context.aws_request_id}
"""
NODE = """
exports.handler = async (event, context) => {
  console.info("below warn: filtered");
  console.warn("careful", { n: 1 });
  return { statusCode: 200, body: context.awsRequestId };
};
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(
        tmp_path_factory.mktemp("logs"),
        SPEC,
        {"text.py": PY, "as_json.py": AS_JSON, "node_json.js": NODE},
    )


def _ask(srv: Running, route: str) -> str:
    with connect(srv.url) as ws:
        ws.send(json.dumps({"action": route}))
        return ws.recv(timeout=15)


def test_python_logging_has_the_runtime_format_and_levels(project: Path) -> None:
    with Running(project) as srv:
        text_id = _ask(srv, "text")
        json_id = _ask(srv, "json")
        wait_until(lambda: any("json line" in x for x in srv.lines))
        lines = list(srv.lines)
    assert any(
        re.fullmatch(
            r"\[text\] \[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t"
            + re.escape(text_id)
            + r"\thandled text",
            x,
        )
        for x in lines
    ), lines
    assert not any("not shown" in x or "filtered by" in x for x in lines)
    (record,) = [json.loads(x[len("[as_json] ") :]) for x in lines if "json line" in x]
    assert record["level"] == "INFO" and record["requestId"] == json_id
    assert record["message"] == "json line" and record["logger"] == "orders"


def test_node_console_has_the_runtime_format_and_levels(project: Path) -> None:
    if shutil.which("node") is None:
        print("SKIP: node is not on PATH")
        pytest.skip("node is not on PATH")
    with Running(project) as srv:
        request_id = _ask(srv, "node")
        wait_until(lambda: any("careful" in x for x in srv.lines))
        lines = list(srv.lines)
    assert not any("filtered" in x for x in lines)
    (record,) = [json.loads(x[len("[node_json] ") :]) for x in lines if "careful" in x]
    assert record["level"] == "WARN" and record["requestId"] == request_id
    assert record["message"] == "careful { n: 1 }"


def test_every_back_end_carries_the_logging_config(project: Path, tmp_path: Path) -> None:
    spec = load(project)
    outputs, _ = build_outputs(spec, ["cloudformation", "terraform"], tmp_path)
    texts = {o.path.name: o.content.decode() for o in outputs if o.path.suffix != ".zip"}
    template = yaml.safe_load(texts["template.yaml"])
    configs = {
        r["Properties"]["FunctionName"]: r["Properties"].get("LoggingConfig")
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    }
    assert configs == {
        "logs-text": None,
        "logs-as_json": {"LogFormat": "JSON", "ApplicationLogLevel": "INFO"},
        "logs-node_json": {"LogFormat": "JSON", "ApplicationLogLevel": "WARN"},
    }
    main = texts["main.tf"]
    assert main.count("logging_config {") == 2
    assert re.search(r'log_format\s+= "JSON"\n\s+application_log_level = "WARN"', main)
    from wsspec.deploy.desired import functions

    class Facts:
        def __init__(self) -> None:
            self.spec = spec

        def role_arn(self, name: str) -> str:
            return f"arn:aws:iam::123456789012:role/{name}"

    desired = {r.key: r.props.get("LoggingConfig") for r in functions(Facts(), lambda s, f: b"")}  # type: ignore[arg-type]
    assert desired == configs
