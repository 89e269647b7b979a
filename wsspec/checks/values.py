"""Values every target must be able to write as given (WS405-WS409).

* WS405 a number that is not finite (``.inf``, ``.nan``, or an integer too long to read):
  JSON has no such number, and no AWS setting takes one.
* WS406 tags AWS refuses: keys of 1-128 and values of at most 256 characters from letters,
  digits, spaces and ``_ . : / = + - @``; keys starting ``aws:`` are AWS's own, ``wsspec:spec``
  is the ownership tag; at most 50 tags on a resource (one of them wsspec's).
* WS407 an authorizer name over 128 characters (API Gateway's limit; the name is the
  authorizer's ``Name`` in every back end).
* WS408 control or invisible formatting characters in a name: such a name cannot be shown
  faithfully (a crafted route key could hide lines of ``validate`` or ``plan`` output).
* WS409 a key of a free-form map that CloudFormation would read as an intrinsic function
  (``Ref``, ``Fn::…``): free-form maps reach CloudFormation only as data, so such keys are
  refused everywhere rather than written differently by each back end. Model schemas are
  written as JSON text, so they may use any key.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator
from typing import Any

from wsspec.checks.context import Ctx, as_map, check
from wsspec.loader import Path

MAX_TAGS = 50  # per resource, including wsspec's ownership tag
OWN_TAG_PREFIX = "wsspec:"  # the deploy writes wsspec:spec, wsspec:has, wsspec:retain
_TAG_PUNCTUATION = set("_.:/=+-@")
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}
NAMED_SECTIONS = (
    "routes",
    "integrations",
    "authorizers",
    "models",
    "stages",
    "functions",
    "vpc_links",
)


def _non_finite(value: Any, path: Path) -> Iterator[Path]:
    if isinstance(value, float) and not math.isfinite(value):
        yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _non_finite(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _non_finite(v, path + (i,))


@check("WS405")
def finite_numbers(ctx: Ctx) -> None:
    for path in _non_finite(ctx.data, ()):
        ctx.claim(path)  # the schema's "out of range" / "wrong type" says less
        ctx.add(
            "WS405",
            path,
            "the value is not a finite number (.inf, .nan, or an integer too long to read)",
            "JSON, CloudFormation, Terraform and the AWS APIs have no such number",
        )


def invisible(text: str) -> list[str]:
    """The control and invisible formatting characters in ``text``, as ``U+XXXX``."""
    found = [c for c in text if unicodedata.category(c) in _INVISIBLE]
    return [f"U+{ord(c):04X}" for c in dict.fromkeys(found)]


def tag_text_ok(text: str) -> bool:
    """Letters, digits, spaces and ``_ . : / = + - @`` (AWS's common tag character set)."""
    return all(
        unicodedata.category(c)[0] in "LN" or c == " " or c in _TAG_PUNCTUATION for c in text
    )


def tag_maps(ctx: Ctx) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every ``tags`` map of the spec (API, stages, functions, the connection table, the
    application tables)."""
    yield ("api", "tags"), as_map(ctx.section("api").get("tags"))
    for name, s in ctx.section("stages").items():
        yield ("stages", name, "tags"), as_map(as_map(s).get("tags"))
    for name, f in ctx.section("functions").items():
        yield ("functions", name, "tags"), as_map(as_map(f).get("tags"))
    conn = ctx.data.get("connections")
    yield ("connections", "tags"), as_map(as_map(conn).get("tags"))
    for name, t in ctx.section("tables").items():
        yield ("tables", name, "tags"), as_map(as_map(t).get("tags"))


def _reserved(ctx: Ctx, path: Path) -> int:
    """Tags wsspec adds to a resource: its ownership tag; an application table also carries its
    spec name, and a table kept on removal (``deletion_policy: retain``) says so."""
    section = as_map(ctx.data.get(str(path[0])))
    table = as_map(section.get(path[1])) if path[0] == "tables" else section
    retain = path[0] in ("connections", "tables") and table.get("deletion_policy") == "retain"
    return 1 + int(path[0] == "tables") + int(bool(retain))


@check("WS406")
def tags(ctx: Ctx) -> None:
    api_tags = as_map(ctx.section("api").get("tags"))
    for path, tag_map in tag_maps(ctx):
        merged = tag_map if path[0] == "api" else {**api_tags, **tag_map}
        reserved = _reserved(ctx, path)
        if tag_map and len(merged) > MAX_TAGS - reserved:
            ours = f"{reserved} of which are wsspec's own tags"
            if reserved == 1:
                ours = "one of which is wsspec's ownership tag"
            ctx.add(
                "WS406",
                path,
                f"{len(merged)} tags (with the API's) on one resource; AWS allows {MAX_TAGS}, "
                + ours,
                key=True,
            )
        for key, value in tag_map.items():
            _tag(ctx, path + (key,), key, value)


def _tag(ctx: Ctx, path: Path, key: str, value: Any) -> None:
    problem = None
    if not 1 <= len(key) <= 128:
        problem = f"tag key {key!r} must have 1-128 characters, not {len(key)}"
    elif key.lower().startswith("aws:"):
        problem = f"tag key {key!r}: keys starting with 'aws:' are reserved for AWS"
    elif key.startswith(OWN_TAG_PREFIX):
        problem = f"tag key {key!r}: keys starting with 'wsspec:' are the deploy's own tags"
    elif not tag_text_ok(key):
        problem = f"tag key {key!r} may only contain letters, digits, spaces and _ . : / = + - @"
    if problem is not None:
        ctx.add("WS406", path, problem, key=True)
        return
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return  # the schema reports the type
    text = str(value)
    if len(text) > 256:
        ctx.add("WS406", path, f"a tag value has at most 256 characters, not {len(text)}")
    elif not tag_text_ok(text):
        ctx.add(
            "WS406",
            path,
            f"tag value {text!r} may only contain letters, digits, spaces and _ . : / = + - @",
        )


@check("WS407")
def authorizer_names(ctx: Ctx) -> None:
    for name in ctx.section("authorizers"):
        if len(name) > 128:
            ctx.add(
                "WS407",
                ("authorizers", name),
                f"an authorizer name has at most 128 characters, not {len(name)}",
                key=True,
            )


@check("WS408")
def printable_names(ctx: Ctx) -> None:
    for section in NAMED_SECTIONS:
        for name in ctx.section(section):
            _printable(ctx, (section, name), name, "name")
    mon = as_map(ctx.data.get("monitoring"))
    for name in as_map(mon.get("alarms")):
        _printable(ctx, ("monitoring", "alarms", name), name, "alarm name")
    for stage, s in as_map(mon.get("stages")).items():
        for name in as_map(as_map(s).get("alarms")):
            _printable(ctx, ("monitoring", "stages", stage, "alarms", name), name, "alarm name")
    api_name = ctx.section("api").get("name")
    if isinstance(api_name, str):
        _printable(ctx, ("api", "name"), api_name, "API name", key=False)


def _printable(ctx: Ctx, path: Path, text: str, what: str, *, key: bool = True) -> None:
    chars = invisible(text)
    if chars:
        ctx.add(
            "WS408",
            path,
            f"the {what} {text!r} contains control or invisible characters ({', '.join(chars)})",
            "names are shown in validate and plan output; use visible characters only",
            key=key,
        )


def _intrinsic(key: str) -> bool:
    return key == "Ref" or key.startswith("Fn::")


def free_form_maps(ctx: Ctx) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The maps whose keys the spec chooses and CloudFormation receives as objects."""
    yield from tag_maps(ctx)
    for name, s in ctx.section("stages").items():
        s = as_map(s)
        yield ("stages", name, "variables"), as_map(s.get("variables"))
        yield ("stages", name, "routes"), as_map(s.get("routes"))
    for name, f in ctx.section("functions").items():
        yield ("functions", name, "environment"), as_map(as_map(f).get("environment"))
    for key, r in ctx.routes().items():
        r = as_map(r)
        yield ("routes", key, "request_models"), as_map(r.get("request_models"))
        yield ("routes", key, "response", "models"), as_map(as_map(r.get("response")).get("models"))
    for path, integ in ctx.integrations():
        yield path + ("request_templates",), as_map(integ.get("request_templates"))
        responses = as_map(integ.get("responses"))
        yield path + ("responses",), responses
        for rkey, resp in responses.items():
            yield path + ("responses", rkey, "templates"), as_map(as_map(resp).get("templates"))


@check("WS409")
def data_keys(ctx: Ctx) -> None:
    for path, mapping in free_form_maps(ctx):
        for key in mapping:
            if isinstance(key, str) and _intrinsic(key):
                ctx.add(
                    "WS409",
                    path + (key,),
                    f"the key {key!r} is the name of a CloudFormation intrinsic function: "
                    "CloudFormation would evaluate the map instead of passing it on",
                    "rename the key",
                    key=True,
                )
