"""The one Jinja2 environment (StrictUndefined): templates/ in a checkout or inside the wheel."""

from __future__ import annotations

from functools import lru_cache

import jinja2

from wsspec import escape
from wsspec.paths import data_dir


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
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
