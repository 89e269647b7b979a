"""CloudFormation for application tables: ``AWS::DynamoDB::Table`` per ``tables:`` entry and
``AWS::Lambda::EventSourceMapping`` per stream trigger.

The key schema, indexes, billing, stream and encryption come from ``wsspec.tables.definition``
(the same facts the direct deploy sends to CreateTable); this module only renames the few
properties whose CloudFormation spelling differs.
"""

from __future__ import annotations

from wsspec import derive, names, tables
from wsspec.model import Spec, StreamTrigger, Table
from wsspec.targets.cloudformation.intrinsics import Json, get_att, ref, resource


def _table(spec: Spec, t: Table) -> Json:
    props: Json = {"TableName": names.app_table_name(spec, t.name), **tables.definition(t)}
    if "StreamSpecification" in props:
        props["StreamSpecification"] = {"StreamViewType": t.stream_view}
    sse = props.pop("SSESpecification", None)
    if sse is not None:
        props["SSESpecification"] = {"SSEEnabled": True, "SSEType": "KMS"}
        if t.kms_key is not None:
            props["SSESpecification"]["KMSMasterKeyId"] = t.kms_key
    if t.ttl_attribute is not None:
        props["TimeToLiveSpecification"] = {"AttributeName": t.ttl_attribute, "Enabled": True}
    if t.point_in_time_recovery:
        props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    if t.tags:
        props["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(t.tags.items())]
    # A deletion-protected table is also kept when it leaves the stack.
    policy = "Retain" if t.deletion_protection else "Delete"
    return resource(
        "AWS::DynamoDB::Table", props, DeletionPolicy=policy, UpdateReplacePolicy=policy
    )


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
        out[names.app_table_logical(t.name)] = _table(spec, t)
    for fn in spec.functions:
        for trig in fn.triggers:
            out[names.trigger_logical(fn.name, trig.table)] = _trigger(spec, fn.name, trig)
    return out


def environment_refs(spec: Spec, fn: str) -> dict[str, Json]:
    """Variables holding table names, as references (the function then depends on the table)."""
    out: dict[str, Json] = {}
    for var, table in derive.table_environment(spec, fn).items():
        if table == "connections":
            out[var] = ref(names.CONNECTION_TABLE_LOGICAL)
        else:
            out[var] = ref(names.app_table_logical(table))
    return out


def outputs(spec: Spec) -> Json:
    return {
        names.app_table_logical(t.name) + "Name": {
            "Description": f"DynamoDB table '{t.name}'",
            "Value": ref(names.app_table_logical(t.name)),
        }
        for t in spec.tables
    }
