"""The integration types `wsspec serve` runs, behind one interface (``result.IntegrationRunner``):
``run(ctx, integ, event, timeout=..., request_id=...) -> Result``.

* ``lambda_``  Lambda proxy and non-proxy integrations on the spec's functions.
* ``mock``     MOCK integrations.
* ``http``     HTTP and HTTP_PROXY integrations.
* ``aws``      AWS service integrations, against the local AWS emulator.
* ``mapping``  request/response template selection shared by the templated ones.

An integration receives an ``IntegrationContext``, never the gateway.
"""

from __future__ import annotations

from wsspec.model import IntegrationKind
from wsspec.serve.integrations.aws import run_aws
from wsspec.serve.integrations.http import run_http
from wsspec.serve.integrations.lambda_ import run_lambda
from wsspec.serve.integrations.mock import run_mock
from wsspec.serve.result import IntegrationRunner

RUNNERS: dict[IntegrationKind, IntegrationRunner] = {
    "lambda": run_lambda,
    "mock": run_mock,
    "http": run_http,
    "aws": run_aws,
}
