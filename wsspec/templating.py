"""The one Jinja2 environment (StrictUndefined): templates/ in a checkout or inside the wheel."""

from __future__ import annotations

from functools import lru_cache

import jinja2

from wsspec import escape
from wsspec.paths import data_dir


class _Cache(jinja2.FileSystemBytecodeCache):
    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:  # a full or read-only disk only costs the next run a compile
            pass


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates cached across runs (compiling them is most of a build's Jinja cost).

    Jinja's own per-user cache directory (``$TMPDIR/_jinja2-cache-<uid>``, mode 0700, ownership
    checked); entries are keyed by the template's source checksum, so an edited template is
    recompiled. ``WSSPEC_NO_TEMPLATE_CACHE=1`` (or an unusable directory) turns it off.
    """
    import os

    if os.environ.get("WSSPEC_NO_TEMPLATE_CACHE"):
        return None
    try:
        return _Cache()
    except (OSError, RuntimeError):
        return None


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        bytecode_cache=_bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["hcl"] = escape.hcl_string
    env.filters["py"] = escape.py_string
    env.filters["js"] = escape.js_string
    env.filters["comment"] = escape.comment_text
    return env


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)
