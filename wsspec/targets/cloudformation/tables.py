"""CloudFormation for the DynamoDB tables wsspec creates: the connection table from its
``TableOptions``; each application table (``tables:``, an ``AWS::DynamoDB::Table``) and each
stream trigger (``AWS::Lambda::EventSourceMapping``).

An application table's key schema, indexes, billing and stream come from
``wsspec.tables.definition`` (the same facts the direct deploy sends to CreateTable); the
options it shares with the connection table (encryption, recovery, deletion protection, tags,
deletion policy) are rendered by the same helpers as the connection table's.
"""

from __future__ import annotations

from collections.abc import Mapping

from wsspec import derive, names, tables
from wsspec.model import Spec, StreamTrigger, Table, TableOptions
from wsspec.targets.cloudformation.intrinsics import Json, get_att, put, ref, resource, tag_list


def sse(options: TableOptions) -> Json | None:
    """``SSESpecification``: none for AWS owned keys (DynamoDB's default), KMS otherwise."""
    if options.encryption == "aws_owned":
        return None
    spec: Json = {"SSEEnabled": True, "SSEType": "KMS"}
    if options.encryption == "customer":
        spec["KMSMasterKeyId"] = options.kms_key_arn
    return spec


def _options(props: Json, options: TableOptions, tags: Mapping[str, str]) -> Json:
    """The options every table kind shares, added to ``props``; returns the resource."""
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
    return _options(props, options, tags)


def _app_table(spec: Spec, t: Table) -> Json:
    props: Json = {"TableName": names.app_table_name(spec, t.name), **tables.definition(t)}
    for shared in ("SSESpecification", "DeletionProtectionEnabled"):
        props.pop(shared, None)  # CloudFormation spells these as the connection table does
    if "StreamSpecification" in props:
        props["StreamSpecification"] = {"StreamViewType": t.stream_view}
    if t.ttl_attribute is not None:
        props["TimeToLiveSpecification"] = {"AttributeName": t.ttl_attribute, "Enabled": True}
    return _options(props, t, derive.tags(spec, t.tags))


def _trigger(spec: Spec, fn: str, trig: StreamTrigger) -> Json:
    props: Json = {
        "EventSourceArn": get_att(names.app_table_logical(trig.table), "StreamArn"),
        "FunctionName": ref(names.function_logical(fn)),
        "BatchSize": trig.batch_size,
        "StartingPosition": trig.starting_position,
        "Enabled": trig.enabled,
    }
    if trig.batching_window is not None:
        props["MaximumBatchingWindowInSeconds"] = trig.batching_window
    if trig.retry_attempts is not None:
        props["MaximumRetryAttempts"] = trig.retry_attempts
    if trig.bisect_on_error:
        props["BisectBatchOnFunctionError"] = True
    if trig.filters:
        props["FilterCriteria"] = {"Filters": [{"Pattern": p} for p in trig.filters]}
    if trig.on_failure is not None:
        props["DestinationConfig"] = {"OnFailure": {"Destination": trig.on_failure}}
    # The role must hold the stream grant before Lambda checks it.
    return resource("AWS::Lambda::EventSourceMapping", props, [names.function_role_logical(fn)])


def resources(spec: Spec) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for t in spec.tables:
        out[names.app_table_logical(t.name)] = _app_table(spec, t)
    for fn in spec.functions:
        for trig in fn.triggers:
            out[names.trigger_logical(fn.name, trig.table)] = _trigger(spec, fn.name, trig)
    return out


def environment_refs(spec: Spec, fn: str) -> dict[str, Json]:
    """Variables holding table names, as references (the function then depends on the table)."""
    out: dict[str, Json] = {}
    for var, name in derive.table_environment(spec, fn).items():
        if name == "connections":
            out[var] = ref(names.CONNECTION_TABLE_LOGICAL)
        else:
            out[var] = ref(names.app_table_logical(name))
    return out
