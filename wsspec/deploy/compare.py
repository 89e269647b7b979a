"""Compare a desired record with the current one field by field (what counts as a change).

AWS fills in defaults, returns policies with single values unwrapped, adds ``aws:`` tags and
stage settings nobody asked for; ``diff_props`` normalises both sides before comparing.
"""

from __future__ import annotations

from typing import Any, Mapping

from wsspec.deploy.records import Json

DEFAULTS: dict[tuple[str, str], Any] = {
    ("route", "AuthorizationType"): "NONE",
    ("route", "ApiKeyRequired"): False,
    ("integration", "ConnectionType"): "INTERNET",
    ("stage", "AutoDeploy"): False,
    ("function", "TracingConfig"): {"Mode": "PassThrough"},
    ("function", "LoggingConfig"): {"LogFormat": "Text"},
}
# Compared on the desired keys only (AWS adds others, e.g. LoggingConfig.LogGroup).
SUBSET = {("stage", "DefaultRouteSettings"), ("function", "LoggingConfig")}
IGNORED = {
    ("table", "KeySchema"),
    ("table", "AttributeDefinitions"),
    ("table", "TableName"),
    ("role", "Path"),
    ("api", "ApiEndpoint"),
    ("api", "ProtocolType"),
    ("vpc_link", "targetArns"),
    ("api_mapping", "ApiId"),
    ("api_mapping", "DomainName"),
    ("api_mapping", "ApiMappingKey"),
}

Change = tuple[str, Any, Any]  # (field, old, new)


def _norm(v: Any) -> Any:
    if isinstance(v, Json):
        return _norm(v.value)
    if v is None or v == "" or v == {} or v == [] or v == ():
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, Mapping):
        return {k: _norm(x) for k, x in v.items() if _norm(x) is not None}
    if isinstance(v, (list, tuple)):
        return [_norm(x) for x in v]
    return v


def _policy(doc: Any) -> Any:
    if not isinstance(doc, Mapping):
        return doc
    sts = []
    for st in doc.get("Statement") or []:
        st = dict(st)
        for k in ("Action", "Resource"):
            if isinstance(st.get(k), str):
                st[k] = [st[k]]
        sts.append(st)
    return {"Version": doc.get("Version"), "Statement": sts}


def _route_settings(nw: dict[str, Any], nh: dict[str, Any]) -> dict[str, Any]:
    """The current per-route settings, limited to the fields and routes the spec manages."""
    nh = {rk: ({k: (nh.get(rk) or {}).get(k) for k in nw[rk]} if rk in nw else nh[rk]) for rk in nh}
    return {rk: v for rk, v in nh.items() if _norm(v) is not None or rk in nw}


def diff_props(kind: str, want: Mapping[str, Any], have: Mapping[str, Any]) -> list[Change]:
    """(field, old, new) for every managed field whose value differs."""
    if have.get("__assumed__"):
        return []
    out = []
    for f in sorted(set(want) | set(have)):
        if (kind, f) in IGNORED:
            continue
        w, h = want.get(f), have.get(f)
        if h is None and (kind, f) in DEFAULTS:
            h = DEFAULTS[(kind, f)]
        if w is None and (kind, f) in DEFAULTS:
            w = DEFAULTS[(kind, f)]
        if f in ("Policy", "AssumeRolePolicyDocument"):
            w, h = _policy(w.value if isinstance(w, Json) else w), _policy(h)
        if f == "Tags" and isinstance(h, Mapping):
            h = {k: v for k, v in h.items() if not str(k).startswith("aws:")}
        # only what the spec manages counts (and is shown as the old value)
        if (kind, f) in SUBSET and isinstance(w, Mapping) and isinstance(h, Mapping):
            h = {k: h.get(k) for k in w}
        if (kind, f) == ("stage", "RouteSettings") and isinstance(w, dict) and isinstance(h, dict):
            h = _route_settings(w, h)
        if _norm(w) != _norm(h):
            out.append((f, h, w))
    return out


def changed_fields(changes: list[Change]) -> set[str]:
    return {c[0] for c in changes}


def tags_list(
    tags: Mapping[str, str], key: str = "Key", value: str = "Value"
) -> list[dict[str, str]]:
    """``{k: v}`` tags as the ``[{Key: k, Value: v}]`` list most services take."""
    return [{key: k, value: v} for k, v in sorted(tags.items())]


def without(d: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in keys}
