"""The one home of ARN shapes: every ARN (and ARN-shaped URI) wsspec writes, partition-aware.

Each function takes the parts of one shape as strings and returns the ARN. The direct deploy
passes concrete values; the templates pass their own placeholders (CloudFormation:
``"${AWS::Partition}"``; Terraform splits the shape around its expressions with ``parts``),
so every back end writes the same shapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T", bound=str)


def arn(partition: str, service: str, region: str, account: str, resource: str) -> str:
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


# ----------------------------------------------------------------------------- resources
def lambda_function(partition: str, region: str, account: str, name: str) -> str:
    return arn(partition, "lambda", region, account, f"function:{name}")


def iam_role(partition: str, account: str, path: str, name: str) -> str:
    """``path`` is the role's IAM path, ``/`` or ``/…/`` (it separates ``role`` and the name)."""
    return arn(partition, "iam", "", account, f"role{path}{name}")


def managed_policy(partition: str, name: str) -> str:
    """An AWS managed policy, e.g. ``service-role/AmazonAPIGatewayPushToCloudWatchLogs``."""
    return arn(partition, "iam", "", "aws", f"policy/{name}")


def dynamodb_table(partition: str, region: str, account: str, name: str) -> str:
    return arn(partition, "dynamodb", region, account, f"table/{name}")


def log_group(partition: str, region: str, account: str, name: str) -> str:
    return arn(partition, "logs", region, account, f"log-group:{name}")


def log_streams(partition: str, region: str, account: str, name: str) -> str:
    """Every stream of a log group (the resource of ``logs:PutLogEvents``)."""
    return log_group(partition, region, account, name) + ":*"


def sns_topic(partition: str, region: str, account: str, name: str) -> str:
    return arn(partition, "sns", region, account, name)


# ----------------------------------------------------------------------------- API Gateway
def execute_api(partition: str, region: str, account: str, api_id: str, path: str) -> str:
    """``execute-api`` resources of an API: ``{stage}/{route}``, ``authorizers/{id}`` …"""
    return arn(partition, "execute-api", region, account, f"{api_id}/{path}")


def connections(
    partition: str, region: str, account: str, api_id: str, stage: str, method: str
) -> str:
    """The ``@connections`` API of a stage for one HTTP method (``execute-api:ManageConnections``)."""
    return execute_api(partition, region, account, api_id, f"{stage}/{method}/@connections/*")


def apigateway_resource(partition: str, region: str, path: str) -> str:
    """An API Gateway management resource (tagging): ``/apis/{id}``, ``/vpclinks/{id}`` …"""
    return arn(partition, "apigateway", region, "", path)


def lambda_invoke_uri(partition: str, region: str, function_arn: str) -> str:
    """The integration (or authorizer) URI API Gateway invokes a Lambda function through."""
    return arn(
        partition,
        "apigateway",
        region,
        "lambda",
        f"path/2015-03-31/functions/{function_arn}/invocations",
    )


def service_action_uri(partition: str, region: str, service: str, action: str) -> str:
    """An AWS service integration by action (``PutItem``); ``service`` is the subdomain."""
    return arn(partition, "apigateway", region, service, f"action/{action}")


def service_path_uri(partition: str, region: str, service: str, path: str) -> str:
    """An AWS service integration by path."""
    return arn(partition, "apigateway", region, service, f"path/{path}")


# ----------------------------------------------------------------------------- templates
_MARK = re.compile("\x00(\\d+)\x00")


def parts(shape: Callable[..., str], *args: T) -> list[T | str]:
    """The shape split around its arguments: literal text (``str``) and the arguments as given.

    A template language interpolates the arguments (Terraform expressions) and quotes the
    text. Every argument goes in as a marker, so argument text never mixes with the shape's.
    """
    text = shape(*(f"\x00{i}\x00" for i in range(len(args))))
    pieces = _MARK.split(text)
    out: list[T | str] = []
    for i, piece in enumerate(pieces):
        if i % 2:
            out.append(args[int(piece)])
        elif piece:
            out.append(piece)
    return out
