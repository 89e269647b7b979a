"""Node.js handlers written for AWS run unchanged under `wsspec serve` (issue 15): the chat
broadcast with the AWS SDK for JavaScript v3 and with v2 (``require('aws-sdk')``,
``.promise()``), each reaching ``@connections`` at ``https://{domainName}/{stage}`` and the
connection table through the SDK's own defaults. The SDKs come from npm into a cache shared
between runs (~/.cache/wsspec-tests/npm); without node or npm the tests skip, saying why."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests.test_serve_endpoints import CONNECT, DISCONNECT
from tests.test_serve_support import Running, make_project, wait_until

CACHE = Path(os.environ.get("WSSPEC_TEST_NPM_CACHE", Path.home() / ".cache/wsspec-tests/npm"))
PACKAGES = {
    "aws-sdk": "aws-sdk@2",
    "@aws-sdk/client-apigatewaymanagementapi": "@aws-sdk/client-apigatewaymanagementapi@3",
    "@aws-sdk/client-dynamodb": "@aws-sdk/client-dynamodb@3",
    "@aws-sdk/lib-dynamodb": "@aws-sdk/lib-dynamodb@3",
}

SPEC = """
wsspec: 1
api: {name: nodechat}
routes:
  $connect: {function: connect}
  $disconnect: {function: disconnect}
  sendv3: {function: send_v3}
  sendv2: {function: send_v2}
functions:
  connect: {handler: handlers/connect.py, entry: lambda_handler, grants: [connection_table]}
  disconnect: {handler: handlers/disconnect.py, entry: lambda_handler, grants: [connection_table]}
  send_v3:
    handler: handlers/send_v3.js
    runtime: nodejs20.x
    grants: [connection_table, manage_connections]
  send_v2:
    handler: handlers/send_v2.js
    runtime: nodejs20.x
    grants: [connection_table, manage_connections]
connections: true
"""

# The AWS SDK for JavaScript v3, in the shape of the AWS chat samples.
SEND_V3 = """
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const { DynamoDBDocumentClient, ScanCommand, DeleteCommand } = require("@aws-sdk/lib-dynamodb");
const {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} = require("@aws-sdk/client-apigatewaymanagementapi");

const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const { CONNECTIONS_TABLE } = process.env;

exports.handler = async (event) => {
  const { domainName, stage } = event.requestContext;
  const apigw = new ApiGatewayManagementApiClient({ endpoint: `https://${domainName}/${stage}` });
  const postData = JSON.parse(event.body).data;
  const { Items } = await ddb.send(
    new ScanCommand({ TableName: CONNECTIONS_TABLE, ProjectionExpression: "connectionId" })
  );
  await Promise.all(
    Items.map(async ({ connectionId }) => {
      try {
        await apigw.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: postData }));
      } catch (e) {
        if (e.$metadata && e.$metadata.httpStatusCode === 410) {
          await ddb.send(new DeleteCommand({ TableName: CONNECTIONS_TABLE, Key: { connectionId } }));
        } else {
          throw e;
        }
      }
    })
  );
  console.log(`sent ${postData} to ${Items.length} connections`);
  return { statusCode: 200, body: "Data sent." };
};
"""

# The AWS SDK for JavaScript v2, as the AWS simple-websockets-chat-app sample writes it.
SEND_V2 = """
const AWS = require('aws-sdk');

const ddb = new AWS.DynamoDB.DocumentClient({ apiVersion: '2012-08-10', region: process.env.AWS_REGION });

const { CONNECTIONS_TABLE } = process.env;

exports.handler = async event => {
  let connectionData;

  try {
    connectionData = await ddb.scan({ TableName: CONNECTIONS_TABLE, ProjectionExpression: 'connectionId' }).promise();
  } catch (e) {
    return { statusCode: 500, body: e.stack };
  }

  const apigwManagementApi = new AWS.ApiGatewayManagementApi({
    apiVersion: '2018-11-29',
    endpoint: event.requestContext.domainName + '/' + event.requestContext.stage
  });

  const postData = JSON.parse(event.body).data;

  const postCalls = connectionData.Items.map(async ({ connectionId }) => {
    try {
      await apigwManagementApi.postToConnection({ ConnectionId: connectionId, Data: postData }).promise();
    } catch (e) {
      if (e.statusCode === 410) {
        console.log(`Found stale connection, deleting ${connectionId}`);
        await ddb.delete({ TableName: CONNECTIONS_TABLE, Key: { connectionId } }).promise();
      } else {
        throw e;
      }
    }
  });

  try {
    await Promise.all(postCalls);
  } catch (e) {
    return { statusCode: 500, body: e.stack };
  }

  return { statusCode: 200, body: 'Data sent.' };
};
"""


def _sdks() -> Path:
    """node_modules with both SDKs (installed once into the cache); skips when impossible."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        print("SKIP Node SDK tests: node or npm is not on PATH")
        pytest.skip("node or npm is not on PATH")
    modules = CACHE / "node_modules"
    if all((modules / name / "package.json").is_file() for name in PACKAGES):
        return modules
    CACHE.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), *PACKAGES.values()],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        reason = f"npm could not install the AWS SDKs: {proc.stderr.strip()[-300:]}"
        print(f"SKIP Node SDK tests: {reason}")
        pytest.skip(reason)
    return modules


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    modules = _sdks()
    tmp = tmp_path_factory.mktemp("nodechat")
    path = make_project(
        tmp,
        SPEC,
        {
            "connect.py": CONNECT,
            "disconnect.py": DISCONNECT,
            "send_v3.js": SEND_V3,
            "send_v2.js": SEND_V2,
        },
    )
    (tmp / "node_modules").symlink_to(modules, target_is_directory=True)
    with Running(path, callback_url_env=False, reload=False) as s:
        yield s


def _table_ids(srv: Running) -> set[str]:
    items = srv.gw.dynamo.client().scan(TableName=srv.gw.dynamo.name)["Items"]
    return {i["connectionId"]["S"] for i in items}


@pytest.mark.slow
@pytest.mark.parametrize("route", ["sendv3", "sendv2"])
def test_a_node_handler_broadcasts_through_the_aws_sdk(srv: Running, route: str) -> None:
    with (
        connect(srv.url, open_timeout=10) as a,
        connect(srv.url, open_timeout=10) as b,
        connect(srv.url, open_timeout=10) as c,
    ):
        wait_until(lambda: len(_table_ids(srv)) == 3)
        a.send(json.dumps({"action": route, "data": f"hello from {route}"}))
        for ws in (a, b, c):
            assert ws.recv(timeout=30) == f"hello from {route}"
    wait_until(lambda: not _table_ids(srv))
    assert not any("MESSAGE" in x and route in x and " 500 " in x for x in srv.lines)
