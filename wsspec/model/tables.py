"""Builders of the application tables (``tables:``) and of a function's table access and
stream triggers; every default is applied here, once. The records are in records.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Mapping

from wsspec.model.records import (
    ATTR_TYPES,
    STREAM_VIEWS,
    FrozenDict,
    KeyAttr,
    StreamTrigger,
    Table,
    TableIndex,
    frozen,
)


def table_options(d: Mapping[str, Any], key_default: str) -> dict[str, Any]:
    """The ``TableOptions`` fields of a table section (shared by every table kind)."""
    return {
        "partition_key": d.get("key_attribute", key_default),
        "billing_mode": "PROVISIONED" if d.get("read_capacity") else "PAY_PER_REQUEST",
        "read_capacity": d.get("read_capacity"),
        "write_capacity": d.get("write_capacity"),
        "encryption": d.get("encryption", "aws_owned"),
        "kms_key_arn": d.get("kms_key_arn"),
        "point_in_time_recovery": bool(d.get("point_in_time_recovery", False)),
        "deletion_protection": bool(d.get("deletion_protection", False)),
        "retain": d.get("deletion_policy", "delete") == "retain",
        "tags": frozen({str(k): str(v) for k, v in (d.get("tags") or {}).items()}),
    }


# ----------------------------------------------------------------------------- builders
def _attr(name: str, types: Mapping[str, Any]) -> KeyAttr:
    return KeyAttr(name, ATTR_TYPES[str(types.get(name, "string"))])


def _projection(p: Any) -> tuple[str, tuple[str, ...]]:
    if isinstance(p, list):
        return "INCLUDE", tuple(str(a) for a in p)
    return ("KEYS_ONLY" if p == "keys_only" else "ALL"), ()


def _index(name: str, d: Mapping[str, Any], types: Mapping[str, Any], table: Table) -> TableIndex:
    local = "partition" not in d
    projection, non_key = _projection(d.get("projection", "all"))
    provisioned = table.billing_mode == "PROVISIONED" and not local
    return TableIndex(
        name=name,
        partition=table.partition if local else _attr(d["partition"], types),
        sort=_attr(d["sort"], types) if d.get("sort") else None,
        projection=projection,
        non_key_attributes=non_key,
        local=local,
        read_capacity=d.get("read_capacity", table.read_capacity) if provisioned else None,
        write_capacity=d.get("write_capacity", table.write_capacity) if provisioned else None,
    )


def build_table(name: str, d: Mapping[str, Any]) -> Table:
    types = d.get("attributes") or {}
    key = d["key"]
    provisioned = d.get("billing") == "provisioned"
    options = {
        **table_options(d, key["partition"]),
        "partition_key": key["partition"],
        "billing_mode": "PROVISIONED" if provisioned else "PAY_PER_REQUEST",
        "read_capacity": d.get("read_capacity") if provisioned else None,
        "write_capacity": d.get("write_capacity") if provisioned else None,
    }
    table = Table(
        **options,
        name=name,
        table_name=d.get("table_name"),
        partition=_attr(key["partition"], types),
        sort=_attr(key["sort"], types) if key.get("sort") else None,
        indexes=(),
        ttl_attribute=d.get("ttl"),
        stream_view=STREAM_VIEWS[d["stream"]] if d.get("stream") else None,
    )
    gsis = [_index(n, i, types, table) for n, i in (d.get("indexes") or {}).items()]
    lsis = [
        _index(n, {k: v for k, v in i.items() if k != "partition"}, types, table)
        for n, i in (d.get("local_indexes") or {}).items()
    ]
    return replace(table, indexes=(*gsis, *lsis))


def build_tables(tables_d: Mapping[str, Any] | None) -> tuple[Table, ...]:
    return tuple(build_table(n, t) for n, t in (tables_d or {}).items())


def build_access(d: Mapping[str, Any] | None) -> Mapping[str, str]:
    """A function's ``tables:`` map (table name -> access level), in spec order."""
    return FrozenDict({str(k): str(v) for k, v in (d or {}).items()})


def build_triggers(events: list[Any] | None) -> tuple[StreamTrigger, ...]:
    out = []
    for e in events or ():
        out.append(
            StreamTrigger(
                table=str(e["stream"]),
                batch_size=int(e.get("batch_size", 100)),
                starting_position=str(e.get("starting_position", "latest")).upper(),
                batching_window=e.get("batching_window"),
                retry_attempts=e.get("retry_attempts"),
                bisect_on_error=bool(e.get("bisect_on_error", False)),
                filters=tuple(
                    json.dumps(f, sort_keys=True, separators=(",", ":"))
                    for f in (e.get("filters") or ())
                ),
                on_failure=e.get("on_failure"),
                enabled=bool(e.get("enabled", True)),
            )
        )
    return tuple(out)
