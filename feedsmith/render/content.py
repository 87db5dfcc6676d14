"""The HTML body of one entry, shared by every feed format: an entry in, escaped HTML out."""

from __future__ import annotations

from functools import cache

import jinja2

from ..model import Entry


@cache
def environment() -> jinja2.Environment:
    """The one jinja2 environment: package templates, autoescaping always on."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("feedsmith", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def entry_html(entry: Entry) -> str:
    """The abstract, authors, links and categories of ``entry`` as an HTML fragment."""
    return environment().get_template("entry.html").render(entry=entry).strip()
