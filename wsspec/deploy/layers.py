"""Layers wsspec builds, in a direct deploy: the desired layer, the layer versions read back.

A layer version is immutable and cannot be tagged, so ownership and content are recorded in
the version's description: ``<description> [wsspec <CodeSha256> <spec>]`` (the spec's
description is shortened to keep it within Lambda's 256 characters). A layer is
``(layer, <LayerName>)`` with the props of its latest version this spec published (its ARN is
the ``layer:<LayerName>`` ID functions resolve); every older version this spec published is a
``(layer_version, <version ARN>)`` record, which no spec wants, so the planner deletes it.
Versions without the marker (or another spec's) are never touched; a layer name holding only
such versions is ``foreign_layer`` and the plan refuses to publish under it.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from wsspec import names
from wsspec.deploy.current import Cur, Reader, pages
from wsspec.deploy.records import Facts, Out, Res, owner_value
from wsspec.model import Layer, Spec
from wsspec.package import check_upload, sha256_b64

LayerZipOf = Callable[[Spec, Layer], bytes]
MAX_DESCRIPTION = 256  # Lambda's limit for a layer version's description
_MARK = re.compile(r"\[wsspec (?P<sha>[A-Za-z0-9+/]{43}=) (?P<owner>.+)\]\Z")


def layer_ref(name: str) -> Out:
    """The version ARN of a spec layer's current version (known, or produced by its publish)."""
    return Out(f"layer:{name}")


def _mark(sha: str, owner: str) -> str:
    return f"[wsspec {sha} {owner}]"


def _shortened(text: str, sha: str, owner: str) -> str:
    """The spec's description as it fits beside the marker (trailing spaces dropped)."""
    return text[: max(0, MAX_DESCRIPTION - len(_mark(sha, owner)) - 1)].rstrip()


def description(props: Any) -> str:
    """A version's description from a layer's props: the spec's text and wsspec's marker."""
    mark = _mark(str(props["CodeSha256"]), str(props["Owner"]))
    own = str(props.get("Description") or "")
    return f"{own} {mark}" if own else mark


def desired_layers(f: Facts, zip_of: LayerZipOf) -> list[Res]:
    spec = f.spec
    out = []
    for x in spec.layers:
        name = names.layer_name(spec, x.name)
        blob = zip_of(spec, x)
        if blob:
            check_upload(x, blob)
        sha, owner = sha256_b64(blob), owner_value(spec)
        props = {
            "CodeSha256": sha,
            "CompatibleRuntimes": sorted(x.runtimes),
            "CompatibleArchitectures": sorted(x.architectures),
            "Description": _shortened(x.description or "", sha, owner),
            "Owner": owner,
        }
        out.append(Res("layer", name, props, blob=blob, label=name))
    return out


def function_layers(spec: Spec, layers: tuple[str, ...]) -> list[Any]:
    """A function's ``Layers``: spec layers by reference to their current version, ARNs as is."""
    return [layer_ref(names.layer_name(spec, n)) if spec.layer(n) else n for n in layers]


def _owner(version: dict[str, Any]) -> tuple[str, str] | None:
    """(CodeSha256, owner) from a version's description marker; None without one."""
    m = _MARK.search(str(version.get("Description") or ""))
    return (m.group("sha"), m.group("owner")) if m else None


def read_layers(rd: Reader) -> None:
    """The layer versions this spec published: one ``layer`` record per layer (its latest),
    one ``layer_version`` record per older version."""
    if not rd.reads("layer"):
        return
    c = rd.aws.client("lambda")
    wanted = {r.key for r in rd.wanted("layer")}
    versions: dict[str, list[dict[str, Any]]] = {}

    def leaf(name: str) -> None:
        versions[name] = pages(c, "list_layer_versions", "LayerVersions", LayerName=name)

    rd.early(leaf, sorted(wanted))
    candidates = set(wanted)
    for item in pages(c, "list_layers", "Layers"):
        latest = item.get("LatestMatchingVersion") or {}
        mark = _owner(latest)
        if mark is not None and mark[1] == rd.owner:
            candidates.add(item["LayerName"])
    rd.map(leaf, sorted(candidates))
    for name in sorted(candidates):
        _layer(rd, name, versions.get(name) or [], name in wanted)


def _layer(rd: Reader, name: str, versions: list[dict[str, Any]], wanted: bool) -> None:
    ours = [v for v in versions if (_owner(v) or ("", ""))[1] == rd.owner]
    if not ours:
        if versions and wanted:
            rd.cur.foreign.append(f"Lambda layer {name} (versions without wsspec's marker)")
            rd.cur.add("foreign_layer", name, Cur(name, {}))
        return
    ours.sort(key=lambda v: int(v.get("Version") or 0))
    latest = ours[-1]
    sha, owner = _owner(latest) or ("", "")
    text = str(latest.get("Description") or "")
    found = _MARK.search(text)
    props = {
        "CodeSha256": sha,
        "CompatibleRuntimes": sorted(latest.get("CompatibleRuntimes") or ()),
        "CompatibleArchitectures": sorted(latest.get("CompatibleArchitectures") or ()),
        "Description": text[: found.start()].rstrip() if found else "",
        "Owner": owner,
    }
    arn = str(latest["LayerVersionArn"])
    rd.cur.add("layer", name, Cur(arn, props, parent=name))
    rd.cur.ids[layer_ref(name).name] = arn
    for v in ours[:-1]:
        rd.cur.add("layer_version", str(v["LayerVersionArn"]), Cur(v["LayerVersionArn"], {}))
