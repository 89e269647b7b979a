"""CloudFormation for a DynamoDB table wsspec creates, from its ``TableOptions`` (the connection
table today; any table kind that carries the same options tomorrow)."""

from __future__ import annotations

from collections.abc import Mapping

from wsspec.model import TableOptions
from wsspec.targets.cloudformation.intrinsics import Json, put, resource, tag_list


def sse(options: TableOptions) -> Json | None:
    """``SSESpecification``: none for AWS owned keys (DynamoDB's default), KMS otherwise."""
    if options.encryption == "aws_owned":
        return None
    spec: Json = {"SSEEnabled": True, "SSEType": "KMS"}
    if options.encryption == "customer":
        spec["KMSMasterKeyId"] = options.kms_key_arn
    return spec


def table(
    name: str, options: TableOptions, tags: Mapping[str, str], ttl_attribute: str | None
) -> Json:
    """An ``AWS::DynamoDB::Table`` with a string partition key, and its deletion policy."""
    props: Json = {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": options.partition_key, "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": options.partition_key, "KeyType": "HASH"}],
        "BillingMode": options.billing_mode,
    }
    if options.billing_mode == "PROVISIONED":
        props["ProvisionedThroughput"] = {
            "ReadCapacityUnits": options.read_capacity,
            "WriteCapacityUnits": options.write_capacity or options.read_capacity,
        }
    if ttl_attribute is not None:
        props["TimeToLiveSpecification"] = {"AttributeName": ttl_attribute, "Enabled": True}
    put(props, "SSESpecification", sse(options))
    if options.point_in_time_recovery:
        props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    if options.deletion_protection:
        props["DeletionProtectionEnabled"] = True
    put(props, "Tags", tag_list(tags))
    policy = "Retain" if options.retain else "Delete"
    return resource(
        "AWS::DynamoDB::Table", props, DeletionPolicy=policy, UpdateReplacePolicy=policy
    )
