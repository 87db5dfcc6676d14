"""The HTML body of one entry, shared by every feed format: an entry in, escaped HTML out."""

from __future__ import annotations

from functools import cache

import jinja2

from ..model import Entry
from .view import author_line


@cache
def environment() -> jinja2.Environment:
    """The one jinja2 environment: package templates, autoescaping always on."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("feedsmith", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,  # templates ship with the package: no stat() per get_template
        trim_blocks=True,
        lstrip_blocks=True,
    )


def entry_html(entry: Entry) -> str:
    """The TL;DR, thumbnail, authors, abstract, links and categories of ``entry`` as an HTML
    fragment: what every feed format carries as the entry's content (no live number)."""
    return environment().get_template("entry.html").render(entry=entry, authors=author_line(entry)).strip()


class EntryHTML:
    """``entry_html`` computed once per entry object during one site render: the Atom, RSS and
    JSON Feed pieces of an entry all carry it."""

    def __init__(self) -> None:
        self._done: dict[int, tuple[Entry, str]] = {}

    def __call__(self, entry: Entry) -> str:
        found = self._done.get(id(entry))
        if found is None or found[0] is not entry:
            found = self._done[id(entry)] = (entry, entry_html(entry))
        return found[1]
