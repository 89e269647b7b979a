"""Application tables (WS570-WS578) and the references to them (WS160), with WS579 (a custom
IAM statement without resources).

What DynamoDB would reject at deploy time: index limits, a local index without a table sort
key, capacities that do not match the billing mode, a TTL attribute that is a non-number key;
and what wsspec cannot wire: access to or a trigger on a table that is not defined (or has no
stream), a reserved or clashing table name.
"""

from __future__ import annotations

import re
from typing import Any

from wsspec.checks import connections
from wsspec.checks.context import Ctx, as_list, as_map, as_str, check, did_you_mean
from wsspec.loader import Path

_GSI_LIMIT = 20
_LSI_LIMIT = 5
_RESERVED = "connections"


@check("WS546", "WS570", "WS571", "WS572", "WS573", "WS574", "WS575")
def tables(ctx: Ctx) -> None:
    physical: dict[str, str] = {}
    for name, t in ctx.section("tables").items():
        p: Path = ("tables", name)
        if re.sub(r"[^a-z0-9]+", "", name.lower()) == _RESERVED:
            ctx.add(
                "WS575",
                p,
                f"the table name {name!r} is kept for the connection table",
                "use the 'connections' section for connection ids, or choose another name",
                key=True,
            )
        if not isinstance(t, dict):
            continue
        given = as_str(t.get("table_name"))
        if given is not None:
            other = physical.get(given)
            if other is not None:
                ctx.add(
                    "WS575",
                    p + ("table_name",),
                    f"tables {other!r} and {name!r} have the same table name {given!r}",
                )
            physical[given] = name
        for section in ("indexes", "local_indexes"):
            for ix in as_map(t.get(section)):
                if not re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", ix):
                    ctx.add(
                        "WS575",
                        p + (section, ix),
                        f"index name {ix!r} must be 3-255 characters of letters, digits, "
                        "'_', '-' and '.'",
                        key=True,
                    )
        _keys(ctx, p, t)
        _billing(ctx, p, t)
        connections.encryption_key(ctx, p, t)


def _keys(ctx: Ctx, p: Path, t: dict[str, Any]) -> None:
    key = as_map(t.get("key"))
    gsis = as_map(t.get("indexes"))
    lsis = as_map(t.get("local_indexes"))
    used = {as_str(key.get("partition")), as_str(key.get("sort"))}
    for ix in (*gsis.values(), *lsis.values()):
        used |= {as_str(as_map(ix).get("partition")), as_str(as_map(ix).get("sort"))}
    types = as_map(t.get("attributes"))
    for attr in types:
        if attr not in used:
            ctx.add(
                "WS571",
                p + ("attributes", attr),
                f"{attr!r} is not a key of the table or of an index; DynamoDB only takes the "
                "types of key attributes",
                did_you_mean(attr, used),
                key=True,
            )
    if len(gsis) > _GSI_LIMIT:
        ctx.add(
            "WS570",
            p + ("indexes",),
            f"a table has at most {_GSI_LIMIT} global secondary indexes, not {len(gsis)}",
        )
    if len(lsis) > _LSI_LIMIT:
        ctx.add(
            "WS570",
            p + ("local_indexes",),
            f"a table has at most {_LSI_LIMIT} local secondary indexes, not {len(lsis)}",
        )
    if lsis and key.get("sort") is None:
        ctx.add(
            "WS572",
            p + ("local_indexes",),
            "local secondary indexes need a table with a sort key (they share its partition key)",
            "add 'sort' to the table's key, or make the index global ('indexes')",
            key=True,
        )
    dupes = set(gsis) & set(lsis)
    for ix in sorted(dupes):
        ctx.add(
            "WS570",
            p + ("local_indexes", ix),
            f"index name {ix!r} is used by a global and a local index",
            key=True,
        )
    ttl = as_str(t.get("ttl"))
    if ttl is not None and ttl in used and types.get(ttl, "string") != "number":
        ctx.add(
            "WS574",
            p + ("ttl",),
            f"the TTL attribute {ttl!r} is a key of type {types.get(ttl, 'string')}; "
            "DynamoDB only expires items whose TTL is a number (epoch seconds)",
            f"declare 'attributes: {{{ttl}: number}}' or use another attribute",
        )


def _billing(ctx: Ctx, p: Path, t: dict[str, Any]) -> None:
    provisioned = t.get("billing") == "provisioned"
    caps: list[str] = [k for k in ("read_capacity", "write_capacity") if k in t]
    for ix_name, ix in as_map(t.get("indexes")).items():
        caps += [
            f"indexes.{ix_name}.{k}" for k in ("read_capacity", "write_capacity") if k in as_map(ix)
        ]
    if provisioned and not {"read_capacity", "write_capacity"} <= set(caps):
        ctx.add(
            "WS573",
            p + ("billing",),
            "provisioned billing needs read_capacity and write_capacity",
        )
    elif not provisioned and caps:
        ctx.add(
            "WS573",
            p,
            f"capacities ({', '.join(caps)}) are for provisioned tables; this one is on-demand",
            "add 'billing: provisioned', or remove the capacities",
            key=True,
        )


@check("WS160", "WS576", "WS577", "WS578", "WS579")
def table_references(ctx: Ctx) -> None:
    defined = ctx.section("tables")
    has_connections = bool(ctx.data.get("connections"))
    for fn_name, f in ctx.section("functions").items():
        fp: Path = ("functions", fn_name)
        f = as_map(f)
        for name in as_map(f.get("tables")):
            if name == _RESERVED:
                if not has_connections:
                    ctx.add(
                        "WS577",
                        fp + ("tables", name),
                        "access to 'connections' needs a 'connections' section",
                        "add 'connections: true'",
                        key=True,
                    )
            elif name not in defined:
                _unknown(ctx, fp + ("tables", name), name, defined, key=True)
        seen: set[str] = set()
        for i, ev in enumerate(as_list(f.get("events"))):
            stream = as_str(as_map(ev).get("stream"))
            ep = fp + ("events", i, "stream")
            if stream is None:
                continue
            if stream not in defined:
                _unknown(ctx, ep, stream, defined, key=False)
            elif not as_map(defined[stream]).get("stream"):
                ctx.add(
                    "WS576",
                    ep,
                    f"table {stream!r} has no stream",
                    "add 'stream: new_image' (or another view type) to the table",
                )
            if stream in seen:
                ctx.add("WS578", ep, f"a second trigger of {fn_name!r} on table {stream!r}")
            seen.add(stream)
        for i, st in enumerate(as_list(f.get("iam"))):
            # every action on every resource is WS842's (iam.py) to report
            wildcard = isinstance(st, dict) and "*" in as_list(st.get("actions"))
            if isinstance(st, dict) and "resources" not in st and not wildcard:
                ctx.add(
                    "WS579",
                    fp + ("iam", i),
                    "this statement has no 'resources', so it applies to every resource ('*')",
                    "list the ARNs it needs; for tables of this spec use 'tables:' access levels",
                )


def _unknown(ctx: Ctx, path: Path, name: str, defined: dict[str, Any], *, key: bool) -> None:
    ctx.add(
        "WS160",
        path,
        f"table {name!r} is not defined in 'tables'",
        did_you_mean(name, [*defined, _RESERVED]),
        key=key,
    )
