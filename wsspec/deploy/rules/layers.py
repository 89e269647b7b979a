"""Rules for the layers wsspec builds: publish a version when the content or settings changed.

Layer versions are immutable: a change publishes a new version (its ARN is what the functions'
``Layers`` resolve to, so they are updated to it) and deletes the version it replaces once
every write is done. Removing a layer from the spec deletes the versions this spec published.
"""

from __future__ import annotations

from wsspec.deploy.compare import diff_props
from wsspec.deploy.current import Cur
from wsspec.deploy.layers import description, layer_ref
from wsspec.deploy.planner import Planner
from wsspec.deploy.records import Res
from wsspec.deploy.rules.deletes import delete_version
from wsspec.deploy.steps import Call


def layer(p: Planner, r: Res, h: Cur | None) -> None:
    ch = diff_props("layer", r.props, h.props) if h is not None else []
    if h is not None and not ch:
        return
    params = {
        "LayerName": r.key,
        "Description": description(r.props),
        "Content": {"ZipFile": r.blob or b""},
        "CompatibleRuntimes": list(r.props["CompatibleRuntimes"]),
        "CompatibleArchitectures": list(r.props["CompatibleArchitectures"]),
    }
    ref = layer_ref(r.key).name
    publish = Call("lambda", "publish_layer_version", params, produces=((ref, "LayerVersionArn"),))
    p.known.pop(ref, None)  # the functions using it now wait for the new version's ARN
    if h is None:
        changes = [("CodeSha256", None, r.props["CodeSha256"])]
        p.add("create", r, "layer", r.key, [publish], changes=changes)
        return
    p.add("update", r, "layer", r.key, [publish], changes=ch)
    p.add("delete", None, "layer_version", h.id, [delete_version(h.id)])
